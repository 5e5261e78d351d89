/*
 * metrics-pyperf.c - rows from a pyperf JSON suite (pyperformance's
 * results): every run's values per benchmark, metadata inherited from the
 * file's top level as pyperf does.
 */
#include <string.h>

#include "results/metrics.h"

/* key from the benchmark's metadata, else the file's, else its runs'. */
static const char *
pyperf_meta(const struct jv *top, const struct jv *bench, const char *key)
{
	const struct jv *runs = jv_get(bench, "runs");
	const char *s;
	size_t i;

	if ((s = jv_str(jv_get(jv_get(bench, "metadata"), key))) != NULL)
		return s;
	if ((s = jv_str(jv_get(jv_get(top, "metadata"), key))) != NULL)
		return s;
	for (i = 0; jv_is(runs, JV_ARRAY) && i < runs->n; i++)
		if ((s = jv_str(jv_get(jv_get(&runs->v[i], "metadata"),
		    key))) != NULL)
			return s;
	return NULL;
}

static const char *
pyperf_metric(const char *unit)
{
	if (strcmp(unit, "second") == 0)
		return "time";
	if (strcmp(unit, "byte") == 0)
		return "memory";
	return "value";
}

/* The values of every run that has some (calibration runs have none). */
static size_t
pyperf_values(struct metric_row *r, const struct jv *runs)
{
	const struct jv *values;
	size_t i, k, n = 0;

	for (i = 0; i < runs->n; i++) {
		values = jv_get(&runs->v[i], "values");
		if (values == NULL)	/* pyperf before 0.9.6 */
			values = jv_get(&runs->v[i], "samples");
		for (k = 0; jv_is(values, JV_ARRAY) && k < values->n; k++) {
			if (values->v[k].type != JV_NUMBER)
				continue;
			metrics_add_value(r, values->v[k].number);
			n++;
		}
	}
	return n;
}

static void
pyperf_bench(struct metric_table *t, const struct jv *top,
    const struct jv *bench, size_t idx, const char *name, const char *job,
    const char *machine)
{
	const struct jv *runs = jv_get(bench, "runs");
	const char *bname = pyperf_meta(top, bench, "name");
	const char *unit = pyperf_meta(top, bench, "unit");
	struct metric_row *r;

	if (bname == NULL || *bname == '\0') {
		metrics_warn(t, "%s: benchmark %zu has no name", name, idx + 1);
		return;
	}
	if (!jv_is(runs, JV_ARRAY)) {
		metrics_warn(t, "%s: benchmark '%s' has no runs", name, bname);
		return;
	}
	if (unit == NULL)
		unit = "second";
	r = metrics_row(t, job, machine, bname, pyperf_metric(unit), unit,
	    TREND_LOWER);
	if (pyperf_values(r, runs) == 0)
		metrics_warn(t, "%s: benchmark '%s' has no values", name, bname);
}

/* cpu_model_name, cpu_count and platform of the first benchmark. */
static void
pyperf_host(struct metric_table *t, const struct jv *top, const struct jv *b0,
    const char *job, const char *machine)
{
	double v = -1;

	if (jv_num(jv_get(jv_get(b0, "metadata"), "cpu_count"), &v) == -1)
		jv_num(jv_get(jv_get(top, "metadata"), "cpu_count"), &v);
	metrics_set_host(t, job, machine, pyperf_meta(top, b0, "cpu_model_name"),
	    v >= 1 && v < 1e9 ? (long)v : -1, pyperf_meta(top, b0, "platform"));
}

int
metrics_read_pyperf(struct metric_table *t, const struct jv *root,
    const char *name, const char *job, const char *machine, char **cause)
{
	const struct jv *benchs = jv_get(root, "benchmarks");
	size_t i;

	if (!jv_is(benchs, JV_ARRAY))
		return set_cause(cause, "%s: no \"benchmarks\" array", name);
	if (benchs->n == 0)
		return set_cause(cause, "%s: no benchmark", name);
	for (i = 0; i < benchs->n; i++) {
		if (benchs->v[i].type != JV_OBJECT) {
			metrics_warn(t, "%s: benchmark %zu is not an object",
			    name, i + 1);
			continue;
		}
		pyperf_bench(t, root, &benchs->v[i], i, name, job, machine);
	}
	pyperf_host(t, root, &benchs->v[0], job, machine);
	return 0;
}
