/*
 * config-require.c - what machines a job may run on, as the configs say
 * it (require.h): BenchExec's <require cpuModel= cpuCores= memory=> and
 * our <jobs>/<job> require-tags= and require-arch=.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "input/config.h"

int
config_require_add(struct dist_config *cfg, const struct dist_require *r)
{
	size_t i;

	if (require_is_empty(r))
		return -1;
	for (i = 0; i < cfg->nreqs; i++)
		if (require_equal(&cfg->reqs[i], r))
			return (int)i;
	cfg->reqs = xreallocarray(cfg->reqs, cfg->nreqs + 1, sizeof *cfg->reqs);
	require_copy(&cfg->reqs[cfg->nreqs], r);
	return (int)cfg->nreqs++;
}

void
config_require_free(struct dist_config *cfg)
{
	for (size_t i = 0; i < cfg->nreqs; i++)
		require_free(&cfg->reqs[i]);
	free(cfg->reqs);
	cfg->reqs = NULL;
	cfg->nreqs = 0;
}

/* One attribute of a <require>; "twice" as BenchExec refuses it. */
static int
be_need(const struct dist_config *cfg, const xmlNode *n, const char *name,
    int have, char **value, char **cause)
{
	*value = config_attr(n, name);
	if (*value == NULL || **value == '\0') {
		free(*value);
		*value = NULL;
		return 0;
	}
	if (have) {
		free(*value);
		*value = NULL;
		return config_error(cfg, n, cause, "<require %s=...> given "
		    "twice (BenchExec refuses it)", name);
	}
	return 0;
}

static int
be_require(const struct dist_config *cfg, const xmlNode *n,
    struct dist_require *r, char **cause)
{
	char *v, *why = NULL;
	long long num;

	if (be_need(cfg, n, "cpuModel", r->cpu_model != NULL, &v, cause) == -1)
		return -1;
	if (v != NULL)
		r->cpu_model = v;
	if (be_need(cfg, n, "cpuCores", r->cores > 0, &v, cause) == -1)
		return -1;
	if (v != NULL && parse_ll(v, 1, 1 << 20, &num) == -1) {
		config_error(cfg, n, cause, "<require cpuCores='%s'>: expected "
		    "a number from 1", v);
		free(v);
		return -1;
	}
	if (v != NULL)
		r->cores = (int)num;
	free(v);
	if (be_need(cfg, n, "memory", r->memory > 0, &v, cause) == -1)
		return -1;
	if (v != NULL && parse_benchexec_memory(v, &r->memory, &why) == -1) {
		config_error(cfg, n, cause, "<require>: %s", why);
		free(why);
		free(v);
		return -1;
	}
	free(v);
	return 0;
}

int
config_require_benchexec(const struct dist_config *cfg,
    const struct _xmlNode *root, struct dist_require *r, char **cause)
{
	const xmlNode *n;

	require_init(r);
	for (n = root->children; n != NULL; n = n->next)
		if (config_is(n, "require") && be_require(cfg, n, r, cause) == -1)
			return -1;
	return 0;
}

int
config_require_attrs(const struct dist_config *cfg,
    const struct _xmlNode *node, const struct dist_require *base,
    struct dist_require *r, char **cause)
{
	char *tags = config_attr(node, "require-tags");
	char *arch = config_attr(node, "require-arch");
	char *why = NULL;
	int rc = 0;

	require_copy(r, base);
	if (tags != NULL) {
		sv_clear(&r->tags);
		if (require_parse_tags(tags, &r->tags, &why) == -1)
			rc = config_error(cfg, node, cause, "require-%s", why);
	}
	if (arch != NULL && rc == 0) {
		if (require_check_attr("arch", arch, &why) == -1)
			rc = config_error(cfg, node, cause, "require-%s", why);
		free(r->arch);
		r->arch = arch;
		arch = NULL;
	}
	free(why);
	free(tags);
	free(arch);
	return rc;
}
