/*
 * config-jobs.c - our generic config: a list of commands, each run as one
 * job in its own directory on a worker.
 *
 * Schema (root <jobs>; anything not listed here is an error with its line):
 *
 *	<jobs needs-archive="no">
 *	  <env name="LC_ALL">C</env>
 *	  <job name="sum-1">
 *	    <arg>sh</arg><arg>-c</arg><arg>echo "$1" > out.txt</arg><arg>x</arg>
 *	    <env name="SEED">1</env>
 *	  </job>
 *	  <job name="sweep" repeat="3">
 *	    <arg>./bench</arg>
 *	  </job>
 *	</jobs>
 *
 * <jobs needs-archive="yes|no">: "yes" (or "true") when the jobs need the
 *	tool archive (unpacked on the worker, its bin/ on PATH); default "no".
 * <env name="NAME">VALUE</env>: directly under <jobs>, set for every job;
 *	inside a <job>, for that job only, overriding a global one.  NAME
 *	matches [A-Za-z_][A-Za-z0-9_]*, at most once per level; VALUE is the
 *	exact text (may be empty).
 * <job name="NAME" [repeat="N"]>: one command.  NAME is required and
 *	unique (any text; the job id is made safe from it).  repeat=N
 *	(1..10000) makes N jobs NAME-1 .. NAME-N, each with DIST_REPEAT=i.
 *	All jobs together may be at most CONFIG_MAX_JOBS (or --max-jobs),
 *	counted before any is made.
 * <job revision="REV">: the revision (commit id, tag) the job measures,
 *	for the results store: printable ASCII, at most REVISION_MAX bytes.
 * <sweep><axis name="A"><value>V</value>...</axis>...</sweep>: inside a
 *	<job>, at most one: the job is made once per combination of values,
 *	the first axis outermost; {A} in its name, <arg>s and env values is
 *	the value; the name gets "-V" for each axis it does not name
 *	(sort-qsort-1000).  Counted against the cap like repeat= (sweep.c).
 * Placeholders: {A} for a sweep axis, {revision} when the run has one,
 *	{{ and }} for literal braces, ${...} untouched, any other {...}
 *	left as it is, with a warning for a {NAME} (sweep.h).
 * <arg>WORD</arg>: one argv element, at least one per job, taken exactly
 *	as written: no shell splitting, whitespace and newlines kept (use a
 *	CDATA section or &lt; &amp; for markup characters).  The first one,
 *	the command, must not be empty.  A shell is run only if asked for,
 *	e.g. <arg>sh</arg><arg>-c</arg><arg>SCRIPT</arg>.
 * require-tags="a,b" require-arch="ARCH" on <jobs> (every job) or on a
 *	<job> (replacing the <jobs> one of the same name): the machines the
 *	job may run on, by their tags= and arch (input/require.h).
 * Comments are allowed anywhere; text is allowed only inside <arg> and
 * <env>.  Jobs are submitted in document order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "input/config.h"
#include "input/revision.h"
#include "input/sweep.h"

#define JOBS_MAX_REPEAT 10000

static const char *const jobs_attrs[] = { "needs-archive", "require-tags",
	"require-arch", NULL };
static const char *const job_attrs[] = { "name", "repeat", "revision",
	"require-tags", "require-arch", NULL };
static const char *const arg_attrs[] = { NULL };

/* Set NAME=VALUE in env, replacing an earlier NAME. */
static void
env_set(struct strvec *env, const char *name, const char *value)
{
	size_t i, len = strlen(name);

	for (i = 0; i < env->n; i++) {
		if (strncmp(env->v[i], name, len) == 0 &&
		    env->v[i][len] == '=') {
			free(env->v[i]);
			env->v[i] = xasprintf("%s=%s", name, value);
			return;
		}
	}
	sv_pushf(env, "%s=%s", name, value);
}

static int
jobs_arg(const struct dist_config *cfg, const xmlNode *node,
    struct strvec *argv, char **cause)
{
	char *text;

	if (config_check_attrs(cfg, node, arg_attrs, cause) == -1)
		return -1;
	if (config_text(cfg, node, &text, cause) == -1)
		return -1;
	if (argv->n == 0 && *text == '\0') {
		free(text);
		return config_error(cfg, node, cause, "the first <arg>, the "
		    "command, is empty");
	}
	sv_push(argv, text);
	free(text);
	return 0;
}

/* The <arg> and <env> children of a <job>. */
static int
jobs_job_body(const struct dist_config *cfg, const xmlNode *node,
    struct strvec *argv, struct strvec *env, char **cause)
{
	const xmlNode *n;
	int rc = 0;

	for (n = node->children; n != NULL && rc == 0; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			rc = config_blank(cfg, n, cause);
		else if (config_is(n, "arg"))
			rc = jobs_arg(cfg, n, argv, cause);
		else if (config_is(n, "env"))
			rc = config_env(cfg, n, env, NULL, cause);
		else if (config_is(n, "sweep"))
			continue;	/* sweep_parse() */
		else
			rc = config_error(cfg, n, cause, "unknown element <%s> "
			    "in <job>", (const char *)n->name);
	}
	return rc;
}

static int
jobs_repeat(const struct dist_config *cfg, const xmlNode *node, long *repeat,
    char **cause)
{
	char *s = config_attr(node, "repeat");
	const char *p;
	long n = 0;
	int rc = 0;

	*repeat = 0;
	if (s == NULL)
		return 0;
	for (p = s; *p >= '0' && *p <= '9' && n <= JOBS_MAX_REPEAT; p++)
		n = n * 10 + (*p - '0');
	if (*s == '\0' || *p != '\0' || n < 1 || n > JOBS_MAX_REPEAT)
		rc = config_error(cfg, node, cause, "repeat='%s': expected a "
		    "number from 1 to %d", s, JOBS_MAX_REPEAT);
	*repeat = n;
	free(s);
	return rc;
}

static void
jobs_add(struct dist_config *cfg, const char *name, const struct strvec *argv,
    const struct strvec *genv, const struct strvec *jenv, long i)
{
	struct dist_job *job = config_add_job(cfg);
	const char *parts[1];
	size_t k;

	job->name = i > 0 ? xasprintf("%s-%ld", name, i) : xstrdup(name);
	parts[0] = job->name;
	job->id = make_job_id(parts, 1);
	sv_copy(&job->argv, argv);
	sv_copy(&job->env, genv);
	for (k = 0; k < jenv->n; k++) {
		char *eq = strchr(jenv->v[k], '='), *var;

		var = xstrndup(jenv->v[k], (size_t)(eq - jenv->v[k]));
		env_set(&job->env, var, eq + 1);
		free(var);
	}
	if (i > 0) {
		char num[32];

		snprintf(num, sizeof num, "%ld", i);
		env_set(&job->env, "DIST_REPEAT", num);
	}
}

/* revision= of a <job> (NULL when absent) into *rev, checked. */
static int
jobs_revision(const struct dist_config *cfg, const xmlNode *node, char **rev,
    char **cause)
{
	char *why = NULL;

	*rev = config_attr(node, "revision");
	if (*rev == NULL || revision_check("revision=", *rev, &why) == 0)
		return 0;
	config_error(cfg, node, cause, "%s", why);
	free(why);
	return -1;
}

/* require-tags= and require-arch= of a <job> over those of <jobs>: the
 * machines its jobs (from first on) may run on. */
static int
jobs_require(struct dist_config *cfg, const xmlNode *node,
    const struct dist_require *greq, size_t first, char **cause)
{
	struct dist_require r;
	int rc = config_require_attrs(cfg, node, greq, &r, cause), req;

	if (rc == 0 && (req = config_require_add(cfg, &r)) != -1)
		for (; first < cfg->njobs; first++)
			cfg->jobs[first].req = req;
	require_free(&r);
	return rc;
}

/* One job of a sweep (or the job itself), repeat= times. */
struct jobs_repeat_arg {
	struct dist_config	*cfg;
	long			 repeat;
};

static void
jobs_add_repeated(void *arg, const struct sweep_job *j)
{
	struct jobs_repeat_arg *a = arg;
	long i = a->repeat > 0 ? 1 : 0;

	do
		jobs_add(a->cfg, j->name, j->argv, j->genv, j->env, i);
	while (++i <= a->repeat);
}

/* One <job>: its jobs are appended to cfg, their origins to *origins. */
static int
jobs_job(struct dist_config *cfg, const xmlNode *node,
    const struct strvec *genv, const struct dist_require *greq,
    const char *revision, struct config_origin **origins, char **cause)
{
	struct strvec argv = STRVEC_INIT, env = STRVEC_INIT;
	struct sweep sw = { NULL, 0 };
	struct jobs_repeat_arg ra = { cfg, 0 };
	char *name = NULL, *rev = NULL;
	long repeat;
	size_t first = cfg->njobs;
	int rc = -1;

	if (config_check_attrs(cfg, node, job_attrs, cause) == -1)
		goto out;
	if ((name = config_attr(node, "name")) == NULL || *name == '\0') {
		config_error(cfg, node, cause, "<job> has no name attribute");
		goto out;
	}
	if (jobs_repeat(cfg, node, &repeat, cause) == -1 ||
	    jobs_revision(cfg, node, &rev, cause) == -1 ||
	    sweep_parse(cfg, node, &sw, cause) == -1 ||
	    jobs_job_body(cfg, node, &argv, &env, cause) == -1)
		goto out;
	if (argv.n == 0) {
		config_error(cfg, node, cause, "job '%s' has no <arg>", name);
		goto out;
	}
	ra.repeat = repeat;
	if (sweep_expand(cfg, node, &sw, &(struct sweep_template){ name, &argv,
	    genv, &env, revision }, jobs_add_repeated, &ra, cause) == -1)
		goto out;
	*origins = xreallocarray(*origins, cfg->njobs, sizeof **origins);
	if (jobs_require(cfg, node, greq, first, cause) == -1)
		goto out;
	for (; first < cfg->njobs; first++) {
		(*origins)[first].name = cfg->jobs[first].name;
		(*origins)[first].line = xmlGetLineNo(node);
		if (rev != NULL)
			cfg->jobs[first].revision = xstrdup(rev);
	}
	rc = 0;
out:
	sweep_free(&sw);
	free(name);
	free(rev);
	sv_clear(&argv);
	sv_clear(&env);
	return rc;
}

/* How many jobs the <job> elements make, before any is made (a bad
 * repeat= counts 1: its error comes when the job is read; sweeps count
 * their product). */
static unsigned long long
jobs_count(const xmlNode *root)
{
	const xmlNode *n;
	unsigned long long total = 0;
	char *s, *end;
	long r;

	for (n = root->children; n != NULL; n = n->next) {
		if (!config_is(n, "job"))
			continue;
		r = 1;
		if ((s = config_attr(n, "repeat")) != NULL) {
			r = strtol(s, &end, 10);
			if (*s < '0' || *s > '9' || *end != '\0' || r < 1 ||
			    r > JOBS_MAX_REPEAT)
				r = 1;
			free(s);
		}
		total = config_count_add(total,
		    config_count_mul((unsigned long long)r, sweep_count(n)));
	}
	return total;
}

static int
jobs_needs_archive(struct dist_config *cfg, const xmlNode *root, char **cause)
{
	char *s = config_attr(root, "needs-archive");
	int rc = 0;

	if (s == NULL || strcmp(s, "no") == 0 || strcmp(s, "false") == 0)
		cfg->needs_archive = 0;
	else if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0)
		cfg->needs_archive = 1;
	else
		rc = config_error(cfg, root, cause, "needs-archive='%s': "
		    "expected yes or no", s);
	free(s);
	return rc;
}

/* Global <env> first: they apply to every job wherever they are. */
static int
jobs_globals(const struct dist_config *cfg, const xmlNode *root,
    struct strvec *genv, char **cause)
{
	const xmlNode *n;

	for (n = root->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE) {
			if (config_blank(cfg, n, cause) == -1)
				return -1;
		} else if (config_is(n, "env")) {
			if (config_env(cfg, n, genv, NULL, cause) == -1)
				return -1;
		} else if (!config_is(n, "job"))
			return config_error(cfg, n, cause, "unknown element "
			    "<%s> in <jobs>", (const char *)n->name);
	}
	return 0;
}

int
config_jobs_parse(struct _xmlDoc *doc, const struct dist_config_opts *opts,
    struct dist_config *cfg, char **cause)
{
	const xmlNode *root = xmlDocGetRootElement(doc), *n;
	struct strvec genv = STRVEC_INIT;
	struct config_origin *origins = NULL;
	struct dist_require none, greq;
	int rc = -1;

	require_init(&none);
	require_init(&greq);
	if (config_check_attrs(cfg, root, jobs_attrs, cause) == -1 ||
	    jobs_needs_archive(cfg, root, cause) == -1 ||
	    config_require_attrs(cfg, root, &none, &greq, cause) == -1 ||
	    jobs_globals(cfg, root, &genv, cause) == -1 ||
	    config_check_count(cfg, opts, jobs_count(root), cause) == -1)
		goto out;
	for (n = root->children; n != NULL; n = n->next) {
		if (config_is(n, "job") &&
		    jobs_job(cfg, n, &genv, &greq, opts != NULL ? opts->revision :
		    NULL, &origins, cause) == -1)
			goto out;
	}
	if (cfg->njobs == 0) {
		config_error(cfg, root, cause, "no <job> in <jobs>");
		goto out;
	}
	if (config_names_unique(cfg, origins, cfg->njobs, "job name", "",
	    cause) == -1)
		goto out;
	rc = 0;
out:
	free(origins);
	sv_clear(&genv);
	require_free(&greq);
	return rc;
}
