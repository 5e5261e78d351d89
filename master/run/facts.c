/*
 * facts.c - machine facts from the agent's lines, and the cache that
 * remembers them across runs (see facts.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "run/agent-proto.h"
#include "run/facts.h"

#define CACHE_MAX	(16 << 20)	/* bytes: a cache larger is ignored */

void
facts_from_lines(struct dist_facts *f, const struct strvec *lines,
    const char *verb)
{
	size_t vl = strlen(verb), i;

	for (i = 0; i < lines->n; i++) {
		const char *l = lines->v[i], *sp;

		if (strncmp(l, verb, vl) != 0 || l[vl] != ' ' ||
		    (sp = strchr(l + vl + 1, ' ')) == NULL)
			continue;
		char *key = xstrndup(l + vl + 1, (size_t)(sp - l - vl - 1));
		char *raw = xstrdup(sp + 1), *value;

		agent_unescape(raw);
		value = str_printable(raw);	/* the worker's text: shown */
		facts_set(f, key, value);
		free(key);
		free(raw);
		free(value);
	}
}

static void
json_opt_str(struct json *j, const char *key, const char *v)
{
	if (v != NULL)
		json_str(j, key, v);
	else
		json_null(j, key);
}

void
facts_json(struct json *j, const char *key, const struct dist_facts *f)
{
	json_obj_open(j, key);
	json_opt_str(j, "arch", f->arch);
	json_opt_str(j, "cpu_model", f->cpu_model);
	if (f->cores >= 0)
		json_int(j, "cores", f->cores);
	else
		json_null(j, "cores");
	if (f->memory >= 0)
		json_int(j, "memory_bytes", f->memory);
	else
		json_null(j, "memory_bytes");
	json_opt_str(j, "os", f->os);
	json_obj_close(j);
}

char *
facts_text(const struct dist_facts *f)
{
	char cores[32] = "?", mem[32] = "?";

	if (f->cores >= 0)
		snprintf(cores, sizeof cores, "%d", f->cores);
	if (f->memory >= 0)
		snprintf(mem, sizeof mem, "%.1fG",
		    (double)f->memory / (1 << 30));
	return xasprintf("%s, %s, %s cores, memory %s",
	    f->arch != NULL ? f->arch : "?",
	    f->cpu_model != NULL ? f->cpu_model : "?", cores, mem);
}

static void
cache_entry(const struct jv *e, struct dist_facts *f, char **when)
{
	static const char *const keys[] = { "arch", "cpu_model", "os" };
	double d;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *s = jv_str(jv_get(e, keys[i]));

		if (s != NULL)
			facts_set(f, keys[i], s);
	}
	if (jv_num(jv_get(e, "cores"), &d) == 0 && d >= 1 && d <= 1 << 20)
		f->cores = (int)d;
	if (jv_num(jv_get(e, "memory_bytes"), &d) == 0 && d >= 1 && d < 9e18)
		f->memory = (long long)d;
	if (when != NULL && jv_str(jv_get(e, "probed_at")) != NULL)
		*when = xstrdup(jv_str(jv_get(e, "probed_at")));
}

/* The cache's "machines" object, or NULL (*root to free). */
static const struct jv *
cache_read(const char *results_dir, struct jv **root)
{
	char *path = xasprintf("%s/%s", results_dir, FACTS_CACHE);
	char *data = NULL, *cause = NULL;
	size_t len;

	*root = NULL;
	if (access(path, F_OK) == 0 &&	/* none yet: nothing remembered */
	    read_file_max(path, CACHE_MAX, &data, &len, &cause) == 0)
		*root = jv_parse(data, len, path, &cause);
	if (*root == NULL && cause != NULL)
		warn("%s (the remembered machine facts are ignored)", cause);
	free(cause);
	free(data);
	free(path);
	return jv_is(jv_get(*root, "machines"), JV_OBJECT) ?
	    jv_get(*root, "machines") : NULL;
}

void
facts_cache_load(const char *results_dir, const struct dist_machines *ms,
    struct dist_facts *out, char **when)
{
	struct jv *root;
	const struct jv *all = cache_read(results_dir, &root);
	size_t i;

	for (i = 0; i < ms->n; i++) {
		facts_init(&out[i]);
		if (when != NULL)
			when[i] = NULL;
		if (all != NULL && jv_is(jv_get(all, ms->v[i].name), JV_OBJECT))
			cache_entry(jv_get(all, ms->v[i].name), &out[i],
			    when != NULL ? &when[i] : NULL);
	}
	jv_free(root);
}

static int
probed_now(const struct dist_machines *ms, const struct dist_facts *probed,
    const char *name)
{
	for (size_t i = 0; i < ms->n; i++)
		if (strcmp(ms->v[i].name, name) == 0)
			return facts_known(&probed[i]);
	return 0;
}

static void
cache_member(struct json *j, const char *name, const struct dist_facts *f,
    const char *when)
{
	json_obj_open(j, name);
	json_opt_str(j, "arch", f->arch);
	json_opt_str(j, "cpu_model", f->cpu_model);
	if (f->cores >= 0)
		json_int(j, "cores", f->cores);
	if (f->memory >= 0)
		json_int(j, "memory_bytes", f->memory);
	json_opt_str(j, "os", f->os);
	json_opt_str(j, "probed_at", when);
	json_obj_close(j);
}

int
facts_cache_save(const char *results_dir, const struct dist_machines *ms,
    const struct dist_facts *probed, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	struct jv *root;
	const struct jv *old = cache_read(results_dir, &root);
	char *now = format_utc(now_wall()), *path, *tmp;
	size_t i;
	int rc;

	json_init(&j, &sb, 1);
	json_obj_open(&j, NULL);
	json_int(&j, "version", 1);
	json_obj_open(&j, "machines");
	for (i = 0; old != NULL && i < old->n; i++) {	/* kept as they were */
		struct dist_facts f;
		char *when = NULL;

		if (probed_now(ms, probed, old->k[i]) ||
		    !jv_is(&old->v[i], JV_OBJECT))
			continue;
		facts_init(&f);
		cache_entry(&old->v[i], &f, &when);
		cache_member(&j, old->k[i], &f, when);
		facts_free(&f);
		free(when);
	}
	for (i = 0; i < ms->n; i++)
		if (facts_known(&probed[i]))
			cache_member(&j, ms->v[i].name, &probed[i], now);
	json_obj_close(&j);
	json_obj_close(&j);
	jv_free(root);
	path = xasprintf("%s/%s", results_dir, FACTS_CACHE);
	tmp = xasprintf("%s.%ld", path, (long)getpid());
	rc = mkdir_p(results_dir, 0755, cause);
	if (rc == 0)
		rc = write_file_atomic(tmp, sb.buf, sb.len, cause);
	if (rc == 0 && rename(tmp, path) == -1)
		rc = set_cause(cause, "rename '%s': %s", path, strerror(errno));
	if (rc == -1)
		unlink(tmp);
	free(tmp);
	free(path);
	free(now);
	sb_release(&sb);
	return rc;
}
