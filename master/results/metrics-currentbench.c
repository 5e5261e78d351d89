/*
 * metrics-currentbench.c - rows from current-bench JSON output: one or
 * more {"name", "results": [{"name", "metrics": ...}]} objects, metrics as
 * a list (v2, v3) or a name -> value object (v1).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "results/metrics.h"

struct cb_values {
	double	*v;
	size_t	 n, alloc;
	char	*unit;		/* first unit met in a value string */
};

static void
cb_push(struct cb_values *cv, double v)
{
	if (cv->n == cv->alloc) {
		cv->alloc = cv->alloc ? cv->alloc * 2 : 8;
		cv->v = xreallocarray(cv->v, cv->alloc, sizeof *cv->v);
	}
	cv->v[cv->n++] = v;
}

/* "12.5ms" -> 12.5 "ms"; "1min2.5s" -> 62.5 "s"; "3" -> 3 "". */
static int
cb_string(const char *s, struct cb_values *cv)
{
	char *end, *end2;
	double v = strtod(s, &end), sec;

	if (end == s || !isfinite(v))
		return -1;
	if (strncmp(end, "min", 3) == 0) {
		sec = strtod(end + 3, &end2);
		if (end2 != end + 3 && strcmp(end2, "s") == 0 && isfinite(sec)) {
			v = v * 60 + sec;
			end = end2;
		}
	}
	while (*end == ' ')
		end++;
	if (cv->unit == NULL && *end != '\0')
		cv->unit = xstrdup(end);
	cb_push(cv, v);
	return 0;
}

static int
cb_scalar(const struct jv *v, struct cb_values *cv)
{
	if (v->type == JV_NUMBER) {
		cb_push(cv, v->number);
		return 0;
	}
	if (v->type == JV_STRING)
		return cb_string(v->str, cv);
	return -1;
}

/* A number, a string with a unit, a list of them, or {"avg": ...}. */
static int
cb_collect(const struct jv *v, struct cb_values *cv)
{
	size_t i;

	if (v->type == JV_ARRAY) {
		for (i = 0; i < v->n; i++)
			if (cb_scalar(&v->v[i], cv) == -1)
				return -1;
		return 0;
	}
	if (v->type == JV_OBJECT)
		return jv_get(v, "avg") != NULL ?
		    cb_scalar(jv_get(v, "avg"), cv) : -1;
	return cb_scalar(v, cv);
}

struct cb_ctx {
	struct metric_table	*t;
	const char		*name;	/* the file */
	const char		*job;
	const char		*machine;
	const char		*bench;	/* "NAME/RESULT" */
};

static void
cb_metric(const struct cb_ctx *c, const char *metric, const struct jv *value,
    const char *units, const char *trend)
{
	struct cb_values cv = { NULL, 0, 0, NULL };
	struct metric_row *r;
	size_t i;

	if (value == NULL || cb_collect(value, &cv) == -1) {
		metrics_warn(c->t, "%s: '%s' metric '%s': the value is not a "
		    "number, a list of numbers or an object with \"avg\"",
		    c->name, c->bench, metric);
		goto out;
	}
	if (trend != NULL && strcmp(trend, TREND_LOWER) != 0 &&
	    strcmp(trend, TREND_HIGHER) != 0) {
		if (*trend != '\0')
			metrics_warn(c->t, "%s: '%s' metric '%s': unknown "
			    "trend '%s'", c->name, c->bench, metric, trend);
		trend = NULL;
	}
	r = metrics_row(c->t, c->job, c->machine, c->bench, metric,
	    units != NULL && *units != '\0' ? units : cv.unit, trend);
	for (i = 0; i < cv.n; i++)
		metrics_add_value(r, cv.v[i]);
out:
	free(cv.v);
	free(cv.unit);
}

static void
cb_metrics(const struct cb_ctx *c, const struct jv *metrics)
{
	const struct jv *m;
	const char *mname;
	size_t i;

	for (i = 0; metrics->type == JV_OBJECT && i < metrics->n; i++)
		cb_metric(c, metrics->k[i], &metrics->v[i], NULL, NULL);
	for (i = 0; metrics->type == JV_ARRAY && i < metrics->n; i++) {
		m = &metrics->v[i];
		if ((mname = jv_str(jv_get(m, "name"))) == NULL) {
			metrics_warn(c->t, "%s: '%s' metric %zu has no name",
			    c->name, c->bench, i + 1);
			continue;
		}
		cb_metric(c, mname, jv_get(m, "value"),
		    jv_str(jv_get(m, "units")), jv_str(jv_get(m, "trend")));
	}
}

static void
cb_result(struct cb_ctx *c, const char *top, const struct jv *res, size_t idx)
{
	const char *rname = jv_str(jv_get(res, "name"));
	const struct jv *metrics = jv_get(res, "metrics");
	char *bench;

	if (rname == NULL) {
		metrics_warn(c->t, "%s: result %zu has no name", c->name,
		    idx + 1);
		return;
	}
	bench = top != NULL ? xasprintf("%s/%s", top, rname) : xstrdup(rname);
	c->bench = bench;
	if (!jv_is(metrics, JV_ARRAY) && !jv_is(metrics, JV_OBJECT))
		metrics_warn(c->t, "%s: '%s' has no metrics", c->name, bench);
	else
		cb_metrics(c, metrics);
	c->bench = NULL;
	free(bench);
}

int
metrics_read_currentbench(struct metric_table *t, const struct jv *all,
    const char *name, const char *job, const char *machine, char **cause)
{
	struct cb_ctx c = { t, name, job, machine, NULL };
	const struct jv *results;
	const char *top;
	size_t i, k;

	if (!jv_is(all, JV_ARRAY) || all->n == 0)
		return set_cause(cause, "%s: no current-bench object", name);
	for (i = 0; i < all->n; i++) {
		results = jv_get(&all->v[i], "results");
		if (!jv_is(results, JV_ARRAY)) {
			metrics_warn(t, "%s: object %zu has no \"results\" "
			    "array", name, i + 1);
			continue;
		}
		top = jv_str(jv_get(&all->v[i], "name"));
		if (top != NULL && *top == '\0')
			top = NULL;
		for (k = 0; k < results->n; k++)
			cb_result(&c, top, &results->v[k], k);
	}
	return 0;
}
