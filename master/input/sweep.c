/*
 * sweep.c - a <job>'s <sweep>: axes of values, expanded to one job per
 * combination (the first axis outermost), as GNU parallel's ::: a b ::: 1 2.
 *
 *	<job name="sort">
 *	  <sweep>
 *	    <axis name="algo"><value>qsort</value><value>radix</value></axis>
 *	    <axis name="size"><value>1000</value><value>1000000</value></axis>
 *	  </sweep>
 *	  <arg>./sort</arg><arg>--algo={algo}</arg><arg>{size}</arg>
 *	</job>
 *
 * makes sort-qsort-1000, sort-qsort-1000000, sort-radix-1000, ...: the name
 * is expanded like an <arg>, then the values of the axes it does not name
 * are appended, "-" before each.  Values are elements, taken exactly as
 * written (never split on blanks).
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "input/sweep.h"

static const char *const sweep_attrs[] = { NULL };
static const char *const axis_attrs[] = { "name", NULL };
static const char *const value_attrs[] = { NULL };

static int
axis_values(const struct dist_config *cfg, const xmlNode *axis,
    struct strvec *values, char **cause)
{
	const xmlNode *n;
	char *text;

	for (n = axis->children; n != NULL; n = n->next) {
		if (n->type == XML_TEXT_NODE && !xmlIsBlankNode(n))
			return config_error(cfg, axis, cause, "an <axis> holds "
			    "<value> elements, not text (never split on "
			    "blanks): <value>a</value><value>b</value>");
		if (n->type != XML_ELEMENT_NODE) {
			if (config_blank(cfg, n, cause) == -1)
				return -1;
			continue;
		}
		if (!config_is(n, "value"))
			return config_error(cfg, n, cause, "unknown element "
			    "<%s> in <axis>", (const char *)n->name);
		if (config_check_attrs(cfg, n, value_attrs, cause) == -1 ||
		    config_text(cfg, n, &text, cause) == -1)
			return -1;
		sv_push(values, text);
		free(text);
	}
	return 0;
}

static int
axis_name(const struct dist_config *cfg, const xmlNode *axis,
    const struct sweep *sw, const char *name, char **cause)
{
	size_t i;

	if (name == NULL)
		return config_error(cfg, axis, cause, "<axis> has no name "
		    "attribute");
	if (!ph_name_ok(name))
		return config_error(cfg, axis, cause, "axis name '%s': "
		    "expected a letter or '_', then letters, digits or '_' "
		    "(at most 64)", name);
	if (strcmp(name, "revision") == 0)
		return config_error(cfg, axis, cause, "axis name 'revision' "
		    "is reserved: {revision} is the run's revision");
	for (i = 0; i < sw->n; i++) {
		if (strcmp(sw->axes[i].name, name) == 0)
			return config_error(cfg, axis, cause, "axis '%s' "
			    "twice in <sweep>", name);
	}
	return 0;
}

static int
sweep_axis(const struct dist_config *cfg, const xmlNode *node,
    struct sweep *sw, char **cause)
{
	struct sweep_axis *a;
	char *name;

	if (config_check_attrs(cfg, node, axis_attrs, cause) == -1)
		return -1;
	name = config_attr(node, "name");
	if (axis_name(cfg, node, sw, name, cause) == -1) {
		free(name);
		return -1;
	}
	sw->axes = xreallocarray(sw->axes, sw->n + 1, sizeof *sw->axes);
	a = &sw->axes[sw->n++];
	a->name = name;
	a->values = (struct strvec)STRVEC_INIT;
	if (axis_values(cfg, node, &a->values, cause) == -1)
		return -1;
	if (a->values.n == 0)
		return config_error(cfg, node, cause, "axis '%s' has no "
		    "<value>", name);
	return 0;
}

static int
sweep_axes(const struct dist_config *cfg, const xmlNode *node,
    struct sweep *sw, char **cause)
{
	const xmlNode *n;

	if (config_check_attrs(cfg, node, sweep_attrs, cause) == -1)
		return -1;
	for (n = node->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE) {
			if (config_blank(cfg, n, cause) == -1)
				return -1;
		} else if (!config_is(n, "axis"))
			return config_error(cfg, n, cause, "unknown element "
			    "<%s> in <sweep>", (const char *)n->name);
		else if (sweep_axis(cfg, n, sw, cause) == -1)
			return -1;
	}
	if (sw->n == 0)
		return config_error(cfg, node, cause, "<sweep> has no <axis>");
	return 0;
}

int
sweep_parse(const struct dist_config *cfg, const xmlNode *job,
    struct sweep *sw, char **cause)
{
	const xmlNode *n, *found = NULL;

	memset(sw, 0, sizeof *sw);
	for (n = job->children; n != NULL; n = n->next) {
		if (!config_is(n, "sweep"))
			continue;
		if (found != NULL)
			return config_error(cfg, n, cause, "a <job> has at "
			    "most one <sweep> (the first is at line %ld)",
			    xmlGetLineNo(found));
		found = n;
	}
	return found != NULL ? sweep_axes(cfg, found, sw, cause) : 0;
}

unsigned long long
sweep_count(const xmlNode *job)
{
	const xmlNode *s, *a, *v;
	unsigned long long total = 1, k;

	for (s = job->children; s != NULL; s = s->next) {
		if (!config_is(s, "sweep"))
			continue;
		for (a = s->children; a != NULL; a = a->next) {
			if (!config_is(a, "axis"))
				continue;
			for (k = 0, v = a->children; v != NULL; v = v->next)
				k += config_is(v, "value");
			total = config_count_mul(total, k);
		}
	}
	return total;
}

void
sweep_free(struct sweep *sw)
{
	size_t i;

	for (i = 0; i < sw->n; i++) {
		free(sw->axes[i].name);
		sv_clear(&sw->axes[i].values);
	}
	free(sw->axes);
	memset(sw, 0, sizeof *sw);
}

/* --- expansion ----------------------------------------------------------- */

/* One combination being made: the values in force and what they gave. */
struct combo {
	const struct sweep	*sw;
	size_t			*idx;		/* per axis */
	const char		**names;	/* axes, then "revision" */
	const char		**values;
	unsigned char		*used;
	struct ph_vars		 vars;
	struct strvec		*unknown;	/* first combination only */
};

static void
combo_set(struct combo *c)
{
	size_t i;

	for (i = 0; i < c->sw->n; i++)
		c->values[i] = c->sw->axes[i].values.v[c->idx[i]];
}

/* The next combination, the last axis fastest; 0 after the last one. */
static int
combo_next(struct combo *c)
{
	size_t i = c->sw->n;

	while (i-- > 0) {
		if (++c->idx[i] < c->sw->axes[i].values.n)
			return 1;
		c->idx[i] = 0;
	}
	return 0;
}

static char *
combo_name(struct combo *c, const char *tmpl)
{
	char *name;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	memset(c->used, 0, c->vars.n);
	name = ph_expand(tmpl, &c->vars, c->used, c->unknown);
	sb_adds(&sb, name);
	free(name);
	for (i = 0; i < c->sw->n; i++) {
		if (!c->used[i])
			sb_addf(&sb, "-%s", c->values[i]);
	}
	return sb_detach(&sb);
}

static void
expand_vec(struct combo *c, const struct strvec *in, struct strvec *out)
{
	size_t i;

	for (i = 0; i < in->n; i++) {
		char *s = ph_expand(in->v[i], &c->vars, NULL, c->unknown);

		sv_push(out, s);
		free(s);
	}
}

/* NAME=VALUE: the value expanded, the name as it is. */
static void
expand_env(struct combo *c, const struct strvec *in, struct strvec *out)
{
	size_t i;

	for (i = 0; i < in->n; i++) {
		const char *eq = strchr(in->v[i], '=');
		char *s = ph_expand(eq + 1, &c->vars, NULL, c->unknown);

		sv_pushf(out, "%.*s=%s", (int)(eq - in->v[i]), in->v[i], s);
		free(s);
	}
}

static void
combo_add(struct combo *c, const struct sweep_template *t, sweep_add_fn add,
    void *arg, struct strvec *ids)
{
	struct strvec argv = STRVEC_INIT, genv = STRVEC_INIT,
	    env = STRVEC_INIT;
	char *name = combo_name(c, t->name);
	const char *parts[1] = { name };
	struct sweep_job job = { name, &argv, &genv, &env };
	char *id;

	expand_vec(c, t->argv, &argv);
	expand_env(c, t->genv, &genv);
	expand_env(c, t->env, &env);
	add(arg, &job);
	id = make_job_id(parts, 1);
	sv_push(ids, id);
	free(id);
	free(name);
	sv_clear(&argv);
	sv_clear(&genv);
	sv_clear(&env);
}

/* "algo=qsort, size=1000": combination number k. */
static char *
combo_text(const struct sweep *sw, size_t k)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i = sw->n, *at = xcalloc(sw->n, sizeof *at);

	while (i-- > 0) {
		at[i] = k % sw->axes[i].values.n;
		k /= sw->axes[i].values.n;
	}
	for (i = 0; i < sw->n; i++)
		sb_addf(&sb, "%s%s=%s", i > 0 ? ", " : "", sw->axes[i].name,
		    sw->axes[i].values.v[at[i]]);
	free(at);
	return sb_detach(&sb);
}

struct id_at {
	const char	*id;
	size_t		 k;	/* the combination */
};

static int
id_cmp(const void *a, const void *b)
{
	const struct id_at *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c != 0 ? c : (x->k > y->k) - (x->k < y->k);
}

/* Two combinations that make the same job id are an error. */
static int
check_ids(const struct dist_config *cfg, const xmlNode *job,
    const struct sweep *sw, const char *name, const struct strvec *ids,
    char **cause)
{
	struct id_at *order = xcalloc(ids->n, sizeof *order);
	char *a, *b;
	size_t i;
	int rc = 0;

	for (i = 0; i < ids->n; i++)
		order[i] = (struct id_at){ ids->v[i], i };
	qsort(order, ids->n, sizeof *order, id_cmp);
	for (i = 1; i < ids->n && rc == 0; i++) {
		if (strcmp(order[i - 1].id, order[i].id) != 0)
			continue;
		a = combo_text(sw, order[i - 1].k);
		b = combo_text(sw, order[i].k);
		rc = config_error(cfg, job, cause, "sweep of job '%s': %s and "
		    "%s both make the job id '%s' (name the axes in the job's "
		    "name, e.g. name=\"%s-{%s}\")", name, a, b, order[i].id,
		    name, sw->axes[sw->n - 1].name);
		free(a);
		free(b);
	}
	free(order);
	return rc;
}

static void
warn_unknown(struct dist_config *cfg, const xmlNode *job, const char *name,
    const struct strvec *unknown)
{
	char *where = xasprintf("job '%s'", name);

	ph_warn_unknown(cfg, job, where, "a sweep axis or {revision}", unknown);
	free(where);
}

static void
combo_init(struct combo *c, const struct sweep *sw, const char *revision)
{
	size_t i;

	memset(c, 0, sizeof *c);
	c->sw = sw;
	c->idx = xcalloc(sw->n + 1, sizeof *c->idx);
	c->names = xcalloc(sw->n + 1, sizeof *c->names);
	c->values = xcalloc(sw->n + 1, sizeof *c->values);
	c->used = xcalloc(sw->n + 1, 1);
	for (i = 0; i < sw->n; i++)
		c->names[i] = sw->axes[i].name;
	if (revision != NULL) {
		c->names[sw->n] = "revision";
		c->values[sw->n] = revision;
	}
	c->vars = (struct ph_vars){ c->names, c->values,
	    sw->n + (revision != NULL) };
}

static void
combo_free(struct combo *c)
{
	free(c->idx);
	free(c->names);
	free(c->values);
	free(c->used);
}

int
sweep_expand(struct dist_config *cfg, const xmlNode *job,
    const struct sweep *sw, const struct sweep_template *t, sweep_add_fn add,
    void *arg, char **cause)
{
	struct strvec ids = STRVEC_INIT, unknown = STRVEC_INIT;
	struct combo c;
	int rc;

	combo_init(&c, sw, t->revision);
	c.unknown = &unknown;
	do {
		combo_set(&c);
		combo_add(&c, t, add, arg, &ids);
		c.unknown = NULL;
	} while (combo_next(&c));
	warn_unknown(cfg, job, t->name, &unknown);
	rc = check_ids(cfg, job, sw, t->name, &ids, cause);
	combo_free(&c);
	sv_clear(&ids);
	sv_clear(&unknown);
	return rc;
}
