/*
 * config-benchexec.c - a BenchExec benchmark definition split into jobs,
 * each a "benchexec" command line selecting some of its tasks.
 *
 * The elements and attributes accepted are those of BenchExec's
 * doc/benchmark.dtd; any other element is an error with its line, as is
 * the old <sourcefiles> format; an unknown attribute is a warning
 * (cfg->warnings), as BenchExec ignores it.  Paths inside (<includesfile> ...) are not
 * checked here: they are read by BenchExec on the worker.
 *
 * Selection follows benchexec/model.py: "-r PATTERN" matches the
 * rundefinition's name with fnmatch; "-t PATTERN" matches each <tasks> of
 * a run definition by its name or, when it has none (or name=""), by its
 * 0-based index among the tasks of that run definition, the global
 * <tasks> (children of <benchmark>) first, then its own.  Names are
 * escaped so that a pattern matches only that name.
 *
 * Placeholders (placeholders.h): {revision}, the run's --revision, in the
 * --benchexec-arg values, which distribute passes itself.  The file
 * reaches BenchExec unchanged (with benchdir= it is the worker's own
 * copy), so BenchExec's ${benchmark_name}-style variables and any brace
 * keep their meaning; a {NAME} in an <option> is reported, as it is not
 * replaced.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "input/config.h"
#include "input/placeholders.h"

/* One element of the DTD: its attributes and children (NULL: text only). */
struct be_elem {
	const char		*name;
	const char *const	*attrs;
	const char *const	*children;
	int			 need_text;
};

static const char *const no_attrs[] = { NULL };
static const char *const benchmark_attrs[] = { "tool", "displayName",
	"memlimit", "timelimit", "walltimelimit", "hardtimelimit", "cpuCores",
	"threads", NULL };
static const char *const name_attrs[] = { "name", NULL };
static const char *const property_attrs[] = { "expectedverdict", NULL };
static const char *const require_attrs[] = { "cpuModel", "cpuCores",
	"memory", NULL };
static const char *const column_attrs[] = { "title", "numberOfDigits", NULL };

static const char *const benchmark_children[] = { "rundefinition", "option",
	"propertyfile", "tasks", "requiredfiles", "resultfiles", "require",
	"columns", NULL };
static const char *const rundef_children[] = { "tasks", "option",
	"propertyfile", "requiredfiles", NULL };
static const char *const tasks_children[] = { "include", "includesfile",
	"exclude", "excludesfile", "append", "withoutfile", "option",
	"propertyfile", "requiredfiles", NULL };
static const char *const columns_children[] = { "column", NULL };

static const struct be_elem be_elems[] = {
	{ "benchmark", benchmark_attrs, benchmark_children, 0 },
	{ "rundefinition", name_attrs, rundef_children, 0 },
	{ "tasks", name_attrs, tasks_children, 0 },
	{ "columns", no_attrs, columns_children, 0 },
	{ "option", name_attrs, NULL, 0 },
	{ "propertyfile", property_attrs, NULL, 1 },
	{ "require", require_attrs, NULL, 0 },
	{ "column", column_attrs, NULL, 1 },
	{ "include", no_attrs, NULL, 1 },
	{ "includesfile", no_attrs, NULL, 1 },
	{ "exclude", no_attrs, NULL, 1 },
	{ "excludesfile", no_attrs, NULL, 1 },
	{ "append", no_attrs, NULL, 1 },
	{ "withoutfile", no_attrs, NULL, 1 },
	{ "requiredfiles", no_attrs, NULL, 1 },
	{ "resultfiles", no_attrs, NULL, 1 },
};

/* A <tasks> as one run definition sees it. */
struct be_tasks {
	const xmlNode	*node;
	char		*name;		/* NULL when unnamed */
	char		*key;		/* what -t matches and BenchExec names
					   it: its name, or its index ("1") */
};

struct be_rundef {
	const xmlNode	*node;
	char		*name;		/* NULL when unnamed */
	struct be_tasks	*tasks;
	size_t		 ntasks;
};

struct be_doc {
	const xmlNode	 *root;
	const xmlNode	**global;
	size_t		  nglobal;
	struct be_rundef *rundefs;
	size_t		  nrundefs;
};

static const struct be_elem *
be_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(be_elems); i++) {
		if (strcmp(be_elems[i].name, name) == 0)
			return &be_elems[i];
	}
	return NULL;
}

static int
in_list(const char *const *list, const char *name)
{
	for (; *list != NULL; list++) {
		if (strcmp(*list, name) == 0)
			return 1;
	}
	return 0;
}

static int
blank(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	}
	return 1;
}

static int be_check(struct dist_config *, const xmlNode *,
    const struct be_elem *, char **);

/* A {NAME} in an <option> reaches BenchExec as written: say so. */
static void
be_check_braces(struct dist_config *cfg, const xmlNode *node,
    const char *text)
{
	struct strvec unknown = STRVEC_INIT;
	size_t i;

	free(ph_expand(text, NULL, NULL, &unknown));
	for (i = 0; i < unknown.n; i++)
		config_warn(cfg, node, "<option>: %s is left as it is: "
		    "distribute passes BenchExec files unchanged (placeholders "
		    "such as {revision} go in --benchexec-arg; BenchExec's own "
		    "variables are ${...})", unknown.v[i]);
	sv_clear(&unknown);
}

/* BenchExec ignores attributes it does not know (SV-COMP's blast-new.xml
 * has stopAfter on <tasks>): warn and go on. */
static void
be_check_attrs(struct dist_config *cfg, const xmlNode *node,
    const char *const *allowed)
{
	const xmlAttr *a;

	for (a = node->properties; a != NULL; a = a->next) {
		if (a->ns == NULL && !in_list(allowed, (const char *)a->name))
			config_warn(cfg, node, "unknown attribute '%s' on <%s> "
			    "ignored (as BenchExec does)", (const char *)a->name,
			    (const char *)node->name);
	}
}

static int
be_check_child(struct dist_config *cfg, const xmlNode *parent,
    const struct be_elem *e, const xmlNode *n, char **cause)
{
	const char *name = (const char *)n->name;

	if (strcmp(name, "sourcefiles") == 0)
		return config_error(cfg, n, cause, "unsupported old format: "
		    "rename <sourcefiles> to <tasks>");
	if (!in_list(e->children, name))
		return config_error(cfg, n, cause, "unknown element <%s> in "
		    "<%s>", name, (const char *)parent->name);
	return be_check(cfg, n, be_find(name), cause);
}

/* Check node against the DTD, recursively. */
static int
be_check(struct dist_config *cfg, const xmlNode *node,
    const struct be_elem *e, char **cause)
{
	const xmlNode *n;
	char *text;
	int rc = 0;

	be_check_attrs(cfg, node, e->attrs);
	if (e->children == NULL) {
		if (config_text(cfg, node, &text, cause) == -1)
			return -1;
		if (e->need_text && blank(text))
			rc = config_error(cfg, node, cause, "<%s> is empty",
			    e->name);
		if (strcmp(e->name, "option") == 0)
			be_check_braces(cfg, node, text);
		free(text);
		return rc;
	}
	for (n = node->children; n != NULL && rc == 0; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			rc = config_blank(cfg, n, cause);
		else
			rc = be_check_child(cfg, node, e, n, cause);
	}
	return rc;
}

/* A name attribute, NULL when absent or empty (BenchExec: unnamed). */
static char *
be_name(const xmlNode *node)
{
	char *name = config_attr(node, "name");

	if (name != NULL && *name == '\0') {
		free(name);
		name = NULL;
	}
	return name;
}

static void
be_doc_free(struct be_doc *d)
{
	size_t i, j;

	for (i = 0; i < d->nrundefs; i++) {
		struct be_rundef *r = &d->rundefs[i];

		for (j = 0; j < r->ntasks; j++) {
			free(r->tasks[j].name);
			free(r->tasks[j].key);
		}
		free(r->tasks);
		free(r->name);
	}
	free(d->rundefs);
	free(d->global);
}

static void
be_add_tasks(struct be_rundef *r, const xmlNode *node)
{
	struct be_tasks *t;
	size_t index = r->ntasks;

	r->tasks = xreallocarray(r->tasks, r->ntasks + 1, sizeof *r->tasks);
	t = &r->tasks[r->ntasks++];
	t->node = node;
	t->name = be_name(node);
	t->key = t->name != NULL ? xstrdup(t->name) :
	    xasprintf("%zu", index);
}

/* Run definition r sees the global tasks, then its own. */
static void
be_add_rundef(struct be_doc *d, const xmlNode *node)
{
	struct be_rundef *r;
	const xmlNode *n;
	size_t i;

	d->rundefs = xreallocarray(d->rundefs, d->nrundefs + 1,
	    sizeof *d->rundefs);
	r = &d->rundefs[d->nrundefs++];
	memset(r, 0, sizeof *r);
	r->node = node;
	r->name = be_name(node);
	for (i = 0; i < d->nglobal; i++)
		be_add_tasks(r, d->global[i]);
	for (n = node->children; n != NULL; n = n->next) {
		if (config_is(n, "tasks"))
			be_add_tasks(r, n);
	}
}

static void
be_collect(struct be_doc *d, const xmlNode *root)
{
	const xmlNode *n;

	memset(d, 0, sizeof *d);
	d->root = root;
	for (n = root->children; n != NULL; n = n->next) {
		if (!config_is(n, "tasks"))
			continue;
		d->global = xreallocarray(d->global, d->nglobal + 1,
		    sizeof *d->global);
		d->global[d->nglobal++] = n;
	}
	for (n = root->children; n != NULL; n = n->next) {
		if (config_is(n, "rundefinition"))
			be_add_rundef(d, n);
	}
}

static int
be_check_rundef_names(const struct dist_config *cfg, const struct be_doc *d,
    char **cause)
{
	size_t i, j;

	for (i = 0; i < d->nrundefs; i++) {
		const struct be_rundef *r = &d->rundefs[i];

		if (r->name == NULL && d->nrundefs > 1)
			return config_error(cfg, r->node, cause, "<rundefinition>"
			    " without a name: with several run definitions, "
			    "each needs a unique name");
		for (j = 0; j < i && r->name != NULL; j++) {
			if (d->rundefs[j].name != NULL &&
			    strcmp(d->rundefs[j].name, r->name) == 0)
				return config_error(cfg, r->node, cause,
				    "duplicate rundefinition name '%s' (first "
				    "at line %ld)", r->name,
				    xmlGetLineNo(d->rundefs[j].node));
		}
	}
	return 0;
}

/* Within a run definition, "-t KEY" must select exactly one <tasks>. */
static int
be_check_tasks_keys(const struct dist_config *cfg, const struct be_rundef *r,
    char **cause)
{
	const struct be_tasks *a, *b;
	size_t i, j;

	for (i = 0; i < r->ntasks; i++) {
		b = &r->tasks[i];
		for (j = 0; j < i; j++) {
			a = &r->tasks[j];
			if (strcmp(a->key, b->key) != 0)
				continue;
			if (a->name != NULL && b->name != NULL)
				return config_error(cfg, b->node, cause,
				    "duplicate tasks name '%s' in %s%s%s (first "
				    "at line %ld)", b->name, r->name != NULL ?
				    "rundefinition '" : "the run definition",
				    r->name != NULL ? r->name : "",
				    r->name != NULL ? "'" : "",
				    xmlGetLineNo(a->node));
			return config_error(cfg, (a->name != NULL ? a : b)->node,
			    cause, "tasks name '%s' is also the index of the "
			    "unnamed <tasks> at line %ld (benchexec -t %s would "
			    "select both)", b->key,
			    xmlGetLineNo((a->name != NULL ? b : a)->node), b->key);
		}
	}
	return 0;
}

static int
be_check_structure(const struct dist_config *cfg, const struct be_doc *d,
    char **cause)
{
	size_t i, total = d->nglobal;

	if (d->nrundefs == 0)
		return config_error(cfg, d->root, cause, "no <rundefinition> "
		    "in the benchmark definition");
	for (i = 0; i < d->nrundefs; i++)
		total += d->rundefs[i].ntasks;
	if (total == 0)
		return config_error(cfg, d->root, cause, "no <tasks> in the "
		    "benchmark definition");
	if (be_check_rundef_names(cfg, d, cause) == -1)
		return -1;
	for (i = 0; i < d->nrundefs; i++) {
		const struct be_rundef *r = &d->rundefs[i];

		if (r->ntasks == 0)
			return config_error(cfg, r->node, cause,
			    "rundefinition '%s' has no <tasks>",
			    r->name != NULL ? r->name : "");
		if (be_check_tasks_keys(cfg, r, cause) == -1)
			return -1;
	}
	return 0;
}

/* An fnmatch pattern matching exactly s; a leading '-' is bracketed too so
 * that benchexec's option parser takes the pattern as a value. */
static char *
be_pattern(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '*' || *p == '?' || *p == '[' ||
		    (*p == '-' && p == s))
			sb_addf(&sb, "[%c]", *p);
		else
			sb_addc(&sb, *p);
	}
	return sb_detach(&sb);
}

/* The --benchexec-arg values with {revision} replaced; unknown {NAME}s
 * reported, once per argument. */
static void
be_expand_args(struct dist_config *cfg, const struct dist_config_opts *opts,
    struct strvec *out)
{
	const char *const names[1] = { "revision" };
	const char *const values[1] = { opts->revision };
	const struct ph_vars v = { names, values, opts->revision != NULL };
	struct strvec unknown = STRVEC_INIT;
	size_t i;
	char *s;

	for (i = 0; i < opts->benchexec_args.n; i++) {
		s = ph_expand(opts->benchexec_args.v[i], &v, NULL, &unknown);
		sv_push(out, s);
		free(s);
		s = xasprintf("--benchexec-arg '%s'", opts->benchexec_args.v[i]);
		ph_warn_unknown(cfg, NULL, s, "{revision}, with --revision",
		    &unknown);
		free(s);
		sv_clear(&unknown);
	}
}

static void
be_argv(struct dist_job *job, const struct dist_config *cfg,
    const struct dist_config_opts *opts, const char *rundef,
    const char *tasks_key)
{
	struct strvec *a = &job->argv;
	size_t len;
	char *pat;

	sv_push(a, "benchexec");
	job->config_arg = (int)a->n;
	if (opts->benchdir != NULL) {
		len = strlen(opts->benchdir);
		while (len > 1 && opts->benchdir[len - 1] == '/')
			len--;
		sv_pushf(a, "%.*s/%s", (int)len, opts->benchdir,
		    cfg->basename);
	} else
		sv_pushf(a, "%s/%s", CONFIG_DIR_FROM_JOB, cfg->basename);
	sv_push(a, "--name");
	sv_push(a, opts->name != NULL ? opts->name : cfg->basename);
	sv_push(a, "--outputpath");
	sv_push(a, "output/");
	if (rundef != NULL) {
		sv_push(a, "--rundefinition");
		sv_push(a, pat = be_pattern(rundef));
		free(pat);
	}
	sv_push(a, "--tasks");
	sv_push(a, pat = be_pattern(tasks_key));
	free(pat);
	sv_copy(a, &opts->benchexec_args);
}

/* SPLIT_RUNS: one job per (run definition, tasks). */
static void
be_job_run(struct dist_config *cfg, const struct dist_config_opts *opts,
    const struct be_rundef *r, const struct be_tasks *t)
{
	struct dist_job *job = config_add_job(cfg);
	char *tpart = t->name != NULL ? xstrdup(t->name) :
	    xasprintf("tasks%s", t->key);
	const char *parts[2];

	parts[0] = r->name != NULL ? r->name : "run";
	parts[1] = tpart;
	job->id = make_job_id(parts, 2);
	job->rundef = r->name != NULL ? xstrdup(r->name) : NULL;
	job->tasks = xstrdup(t->key);
	job->name = r->name != NULL ? xasprintf("%s.%s", r->name, t->key) :
	    xstrdup(t->key);
	be_argv(job, cfg, opts, r->name, t->key);
	free(tpart);
}

/* SPLIT_TASKS: one job per distinct "-t" key, for every run definition;
 * seen holds the keys that have a job already. */
static void
be_job_tasks(struct dist_config *cfg, const struct dist_config_opts *opts,
    const struct be_tasks *t, struct strvec *seen)
{
	struct dist_job *job;
	char *tpart;
	const char *parts[1];
	size_t i;

	for (i = 0; i < seen->n; i++) {
		if (strcmp(seen->v[i], t->key) == 0)
			return;
	}
	sv_push(seen, t->key);
	job = config_add_job(cfg);
	tpart = t->name != NULL ? xstrdup(t->name) :
	    xasprintf("tasks%s", t->key);
	parts[0] = tpart;
	job->id = make_job_id(parts, 1);
	job->tasks = xstrdup(t->key);
	job->name = xstrdup(t->key);
	be_argv(job, cfg, opts, NULL, t->key);
	free(tpart);
}

/* SPLIT_RUNS: every run definition sees the global tasks and its own;
 * counted on the document, before anything is collected. */
static unsigned long long
be_count_runs(const xmlNode *root)
{
	const xmlNode *n, *k;
	unsigned long long global = 0, rundefs = 0, own = 0;

	for (n = root->children; n != NULL; n = n->next) {
		if (config_is(n, "tasks"))
			global++;
		else if (config_is(n, "rundefinition")) {
			rundefs++;
			for (k = n->children; k != NULL; k = k->next)
				own += config_is(k, "tasks");
		}
	}
	return config_count_add(config_count_mul(global, rundefs), own);
}

static int
be_key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* SPLIT_TASKS: the distinct "-t" keys. */
static unsigned long long
be_count_keys(const struct be_doc *d)
{
	const char **keys;
	size_t i, j, n = 0, distinct = 0;

	for (i = 0; i < d->nrundefs; i++)
		n += d->rundefs[i].ntasks;
	keys = xcalloc(n > 0 ? n : 1, sizeof *keys);
	for (i = 0, n = 0; i < d->nrundefs; i++)
		for (j = 0; j < d->rundefs[i].ntasks; j++)
			keys[n++] = d->rundefs[i].tasks[j].key;
	qsort(keys, n, sizeof *keys, be_key_cmp);
	for (i = 0; i < n; i++)
		distinct += i == 0 || strcmp(keys[i - 1], keys[i]) != 0;
	free(keys);
	return distinct;
}

static void
be_jobs(struct dist_config *cfg, const struct dist_config_opts *opts,
    const struct be_doc *d)
{
	struct strvec seen = STRVEC_INIT;
	size_t i, j;

	for (i = 0; i < d->nrundefs; i++) {
		const struct be_rundef *r = &d->rundefs[i];

		for (j = 0; j < r->ntasks; j++) {
			if (opts->split == SPLIT_TASKS)
				be_job_tasks(cfg, opts, &r->tasks[j], &seen);
			else
				be_job_run(cfg, opts, r, &r->tasks[j]);
		}
	}
	sv_clear(&seen);
}

/* <benchmark cpuCores="N">: BenchExec limits the cores itself. */
static int
be_sets_cores(const xmlNode *root)
{
	char *v = config_attr(root, "cpuCores");
	int set = v != NULL && !blank(v);

	free(v);
	return set;
}

/* <require> (children of <benchmark> only, as BenchExec reads them):
 * the machines every job may run on. */
static int
be_requires(struct dist_config *cfg, const xmlNode *root, char **cause)
{
	struct dist_require r;
	int rc = config_require_benchexec(cfg, root, &r, cause), req;

	if (rc == 0 && (req = config_require_add(cfg, &r)) != -1)
		for (size_t i = 0; i < cfg->njobs; i++)
			cfg->jobs[i].req = req;
	require_free(&r);
	return rc;
}

int
config_benchexec_parse(struct _xmlDoc *doc, const struct dist_config_opts *opts,
    struct dist_config *cfg, char **cause)
{
	const xmlNode *root = xmlDocGetRootElement(doc);
	struct dist_config_opts o = *opts;	/* its args expanded */
	struct be_doc d;
	int rc = -1;

	memset(&d, 0, sizeof d);
	memset(&o.benchexec_args, 0, sizeof o.benchexec_args);
	if (be_check(cfg, root, &be_elems[0], cause) == -1)
		goto out;
	cfg->tool = config_attr(root, "tool");
	if (cfg->tool == NULL || blank(cfg->tool)) {
		config_error(cfg, root, cause, "<benchmark> has no tool "
		    "attribute");
		goto out;
	}
	cfg->needs_archive = 1;
	cfg->sets_cores = be_sets_cores(root);
	if (opts->split != SPLIT_TASKS &&
	    config_check_count(cfg, opts, be_count_runs(root), cause) == -1)
		goto out;
	be_collect(&d, root);
	if (be_check_structure(cfg, &d, cause) == -1)
		goto out;
	if (opts->split == SPLIT_TASKS &&
	    config_check_count(cfg, opts, be_count_keys(&d), cause) == -1)
		goto out;
	be_expand_args(cfg, opts, &o.benchexec_args);
	be_jobs(cfg, &o, &d);
	rc = be_requires(cfg, root, cause);
out:
	sv_clear(&o.benchexec_args);
	be_doc_free(&d);
	return rc;
}
