/*
 * placeholders.c - {name} in a config's texts: replaced only for names the
 * config declares, {{ and }} for literal braces, ${...} never touched
 * (placeholders.h has the rule).
 */
#include <stdlib.h>
#include <string.h>

#include "input/placeholders.h"

#define PH_NAME_MAX	64

int
ph_name_ok(const char *name)
{
	const char *p = name;

	if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
	    *p == '_'))
		return 0;
	for (p++; *p != '\0'; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	}
	return p - name <= PH_NAME_MAX;
}

/* The index of the declared name s[0..len), or -1. */
static long
ph_find(const struct ph_vars *v, const char *s, size_t len)
{
	size_t i;

	for (i = 0; v != NULL && i < v->n; i++) {
		if (strlen(v->names[i]) == len &&
		    strncmp(v->names[i], s, len) == 0)
			return (long)i;
	}
	return -1;
}

/* Literal text; for the worker (late), each { doubled. */
static void
ph_add(struct strbuf *out, const char *s, size_t len, int late)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (late && s[i] == '{')
			sb_addc(out, '{');
		sb_addc(out, s[i]);
	}
}

/* ${...}: copied whole, up to its '}' (or the end); returns the length. */
static size_t
ph_dollar(struct strbuf *out, const char *p, int late)
{
	const char *end = strchr(p + 2, '}');
	size_t len = end != NULL ? (size_t)(end - p) + 1 : strlen(p);

	ph_add(out, p, len, late);
	return len;
}

/* {...} at p: its value, or itself when not declared; returns the length
 * taken (1 for a '{' that opens nothing: no '}' before the next '{'). */
static size_t
ph_brace(struct strbuf *out, const char *p, const struct ph_vars *v,
    unsigned char *used, struct strvec *unknown, int late)
{
	size_t len = strcspn(p + 1, "{}");
	long k;

	if (p[1 + len] != '}') {
		ph_add(out, "{", 1, late);
		return 1;
	}
	if ((k = ph_find(v, p + 1, len)) >= 0 && v->values[k] == NULL)
		sb_add(out, p, len + 2);	/* filled later */
	else if (k >= 0) {
		ph_add(out, v->values[k], strlen(v->values[k]), late);
		if (used != NULL)
			used[k] = 1;
	} else {
		char *name = xstrndup(p + 1, len);

		ph_add(out, p, len + 2, late);
		if (unknown != NULL && ph_name_ok(name))
			sv_pushf(unknown, "{%s}", name);
		free(name);
	}
	return len + 2;
}

static char *
ph_run(const char *text, const struct ph_vars *v, unsigned char *used,
    struct strvec *unknown, int late)
{
	struct strbuf out = STRBUF_INIT;
	const char *p = text;

	while (*p != '\0') {
		if (p[0] == '$' && p[1] == '{')
			p += ph_dollar(&out, p, late);
		else if ((p[0] == '{' && p[1] == '{') ||
		    (p[0] == '}' && p[1] == '}')) {
			ph_add(&out, p, 1, late);
			p += 2;
		} else if (p[0] == '{')
			p += ph_brace(&out, p, v, used, unknown, late);
		else
			sb_addc(&out, *p++);
	}
	if (out.buf == NULL)
		return xstrdup("");
	return sb_detach(&out);
}

char *
ph_expand(const char *text, const struct ph_vars *v, unsigned char *used,
    struct strvec *unknown)
{
	return ph_run(text, v, used, unknown, 0);
}

char *
ph_expand_late(const char *text, const struct ph_vars *v,
    struct strvec *unknown)
{
	return ph_run(text, v, NULL, unknown, 1);
}

void
ph_warn_unknown(struct dist_config *cfg, const struct _xmlNode *node,
    const char *where, const char *declared, const struct strvec *unknown)
{
	size_t i, k;

	for (i = 0; i < unknown->n; i++) {
		for (k = 0; k < i && strcmp(unknown->v[k], unknown->v[i]) != 0;
		    k++)
			;
		if (k == i)
			config_warn(cfg, node, "%s: %s is not a declared "
			    "placeholder (%s), left as it is; {{ and }} write "
			    "literal braces", where, unknown->v[i], declared);
	}
}
