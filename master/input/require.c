/*
 * require.c - machine facts, job requirements and the match between them
 * (see require.h).
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "input/machines.h"
#include "input/require.h"

#define MB	1000000LL	/* BenchExec's MB, as requirements say it */
#define FACT_MAX 256		/* bytes of a fact's text */

void
facts_init(struct dist_facts *f)
{
	memset(f, 0, sizeof *f);
	f->cores = -1;
	f->memory = -1;
}

void
facts_free(struct dist_facts *f)
{
	free(f->arch);
	free(f->cpu_model);
	free(f->os);
	facts_init(f);
}

static void
fill_str(char **dst, const char *src)
{
	if (*dst == NULL && src != NULL)
		*dst = xstrdup(src);
}

void
facts_fill(struct dist_facts *f, const struct dist_facts *o)
{
	fill_str(&f->arch, o->arch);
	fill_str(&f->cpu_model, o->cpu_model);
	fill_str(&f->os, o->os);
	if (f->cores == -1)
		f->cores = o->cores;
	if (f->memory == -1)
		f->memory = o->memory;
}

int
facts_known(const struct dist_facts *f)
{
	return f->arch != NULL || f->cpu_model != NULL || f->os != NULL ||
	    f->cores != -1 || f->memory != -1;
}

static void
set_str(char **dst, const char *value)
{
	free(*dst);
	*dst = *value != '\0' ? xstrndup(value, FACT_MAX) : NULL;
}

void
facts_set(struct dist_facts *f, const char *key, const char *value)
{
	long long n;

	if (strcmp(key, "arch") == 0)
		set_str(&f->arch, value);
	else if (strcmp(key, "cpu_model") == 0)
		set_str(&f->cpu_model, value);
	else if (strcmp(key, "os") == 0)
		set_str(&f->os, value);
	else if (strcmp(key, "cores") == 0 &&
	    parse_ll(value, 1, 1 << 20, &n) == 0)
		f->cores = (int)n;
	else if (strcmp(key, "mem_total_kb") == 0 &&
	    parse_ll(value, 1, LLONG_MAX / 1024, &n) == 0)
		f->memory = n * 1024;
}

void
facts_declared(const struct dist_machine *m, struct dist_facts *f)
{
	const char *v;
	long long n;

	facts_init(f);
	if ((v = machine_attr(m, "arch")) != NULL)
		f->arch = xstrdup(v);
	if ((v = machine_attr(m, "cpu-model")) != NULL)
		f->cpu_model = xstrdup(v);
	if ((v = machine_attr(m, "cores")) != NULL &&
	    parse_ll(v, 1, 1 << 20, &n) == 0)
		f->cores = (int)n;
	if ((v = machine_attr(m, "memory")) != NULL &&
	    parse_memory_size(v, &n, NULL) == 0)
		f->memory = n;
}

static char *
mb_text(long long bytes)
{
	return xasprintf("%lld MB", bytes / MB);
}

void
facts_disagree(const struct dist_facts *d, const struct dist_facts *p,
    struct strvec *out)
{
	if (d->arch != NULL && p->arch != NULL && strcmp(d->arch, p->arch) != 0)
		sv_pushf(out, "arch=%s (probed: %s)", d->arch, p->arch);
	if (d->cpu_model != NULL && p->cpu_model != NULL &&
	    strcmp(d->cpu_model, p->cpu_model) != 0)
		sv_pushf(out, "cpu-model=\"%s\" (probed: \"%s\")", d->cpu_model,
		    p->cpu_model);
	if (d->cores != -1 && p->cores != -1 && d->cores != p->cores)
		sv_pushf(out, "cores=%d (probed: %d)", d->cores, p->cores);
	if (d->memory != -1 && p->memory != -1 &&
	    (p->memory < d->memory - d->memory / 10 ||
	    p->memory > d->memory + d->memory / 10)) {
		char *a = mb_text(d->memory), *b = mb_text(p->memory);

		sv_pushf(out, "memory=%s (probed: %s)", a, b);
		free(a);
		free(b);
	}
}

/* CPUs in a kernel list "0-3,8"; -1 if it is not one. */
static int
cpulist_count(const char *s)
{
	long a, b;
	char *end;
	int n = 0;

	while (*s != '\0') {
		if (!isdigit((unsigned char)*s))
			return -1;
		a = b = strtol(s, &end, 10);
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return -1;
			b = strtol(end + 1, &end, 10);
		}
		if (b < a || b - a > 1 << 20 || (*end != ',' && *end != '\0'))
			return -1;
		n += (int)(b - a + 1);
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

void
facts_slot_share(const struct dist_facts *f, int slots, const char *cpus,
    int *cores, long long *memory)
{
	int n = cpus != NULL ? cpulist_count(cpus) : f->cores;

	if (slots < 1)
		slots = 1;
	*cores = n >= 0 ? n / slots : -1;
	*memory = f->memory >= 0 ? f->memory / slots : -1;
}

/* A count and what follows it (blanks skipped): its unit. */
static int
number_unit(const char *s, long long *n, const char **unit)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	*n = strtoll(s, &end, 10);
	if (*n == LLONG_MAX)
		return -1;
	while (*end == ' ')
		end++;
	*unit = end;
	return 0;
}

static int
scale(long long n, long long mult, long long *bytes)
{
	if (n <= 0 || n > LLONG_MAX / mult)
		return -1;
	*bytes = n * mult;
	return 0;
}

int
parse_memory_size(const char *s, long long *bytes, char **cause)
{
	static const struct { const char *u; long long m; } units[] = {
		{ "K", 1LL << 10 }, { "M", 1LL << 20 }, { "G", 1LL << 30 },
		{ "T", 1LL << 40 }, { "KB", 1LL << 10 }, { "MB", 1LL << 20 },
		{ "GB", 1LL << 30 }, { "TB", 1LL << 40 }, { "KiB", 1LL << 10 },
		{ "MiB", 1LL << 20 }, { "GiB", 1LL << 30 }, { "TiB", 1LL << 40 },
	};
	const char *unit;
	long long n;

	if (number_unit(s, &n, &unit) == 0)
		for (size_t i = 0; i < ARRAY_SIZE(units); i++)
			if (strcmp(unit, units[i].u) == 0)
				return scale(n, units[i].m, bytes) == 0 ? 0 :
				    set_cause(cause, "memory '%s': out of range",
				    s);
	return set_cause(cause, "memory '%s': expected a size such as 16G or "
	    "16384M", s);
}

int
parse_benchexec_memory(const char *s, long long *bytes, char **cause)
{
	static const struct { const char *u; long long m; } units[] = {
		{ "", MB }, { "B", 1 }, { "kB", 1000 }, { "MB", MB },
		{ "GB", MB * 1000 }, { "TB", MB * MB },
	};
	const char *unit;
	long long n;

	if (number_unit(s, &n, &unit) == 0)
		for (size_t i = 0; i < ARRAY_SIZE(units); i++)
			if (strcmp(unit, units[i].u) == 0 &&
			    scale(n, units[i].m, bytes) == 0)
				return 0;
	return set_cause(cause, "memory '%s': expected a number of MB or "
	    "N B|kB|MB|GB|TB", s);
}

static int
tag_ok(const char *t, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)t[i]) && t[i] != '.' &&
		    t[i] != '_' && t[i] != '-')
			return 0;
	return len > 0 && len <= 64;
}

static int
has_tag(const struct strvec *v, const char *t, size_t len)
{
	for (size_t i = 0; i < v->n; i++)
		if (strlen(v->v[i]) == len && strncmp(v->v[i], t, len) == 0)
			return 1;
	return 0;
}

int
require_parse_tags(const char *list, struct strvec *out, char **cause)
{
	const char *p = list, *comma;

	for (;;) {
		comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);

		if (!tag_ok(p, len))
			return set_cause(cause, "tags '%s': a tag is 1 to 64 "
			    "letters, digits, '.', '_' or '-', comma-separated",
			    list);
		if (!has_tag(out, p, len)) {
			char *t = xstrndup(p, len);

			sv_push(out, t);
			free(t);
		}
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

int
require_check_attr(const char *key, const char *value, char **cause)
{
	struct strvec tags = STRVEC_INIT;
	long long n;
	int rc = 0;

	if (strcmp(key, "tags") == 0) {
		rc = require_parse_tags(value, &tags, cause);
		sv_clear(&tags);
	} else if (strcmp(key, "cores") == 0) {
		if (parse_ll(value, 1, 1 << 20, &n) == -1)
			rc = set_cause(cause, "cores '%s': expected a number "
			    "from 1", value);
	} else if (strcmp(key, "memory") == 0)
		rc = parse_memory_size(value, &n, cause);
	else if (strcmp(key, "arch") == 0 && !tag_ok(value, strlen(value)))
		rc = set_cause(cause, "arch '%s': expected a name such as "
		    "x86_64 or aarch64", value);
	else if (strlen(value) > FACT_MAX)
		rc = set_cause(cause, "%s: longer than %d bytes", key,
		    FACT_MAX);
	return rc;
}

void
require_init(struct dist_require *r)
{
	memset(r, 0, sizeof *r);
}

void
require_free(struct dist_require *r)
{
	free(r->cpu_model);
	free(r->arch);
	sv_clear(&r->tags);
	require_init(r);
}

int
require_is_empty(const struct dist_require *r)
{
	return r->cpu_model == NULL && r->cores == 0 && r->memory == 0 &&
	    r->arch == NULL && r->tags.n == 0;
}

static int
str_eq(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

int
require_equal(const struct dist_require *a, const struct dist_require *b)
{
	size_t i;

	if (!str_eq(a->cpu_model, b->cpu_model) || a->cores != b->cores ||
	    a->memory != b->memory || !str_eq(a->arch, b->arch) ||
	    a->tags.n != b->tags.n)
		return 0;
	for (i = 0; i < a->tags.n; i++)
		if (strcmp(a->tags.v[i], b->tags.v[i]) != 0)
			return 0;
	return 1;
}

void
require_copy(struct dist_require *dst, const struct dist_require *src)
{
	require_init(dst);
	dst->cpu_model = src->cpu_model ? xstrdup(src->cpu_model) : NULL;
	dst->arch = src->arch ? xstrdup(src->arch) : NULL;
	dst->cores = src->cores;
	dst->memory = src->memory;
	sv_copy(&dst->tags, &src->tags);
}

static void
tags_text(struct strbuf *sb, const struct strvec *tags)
{
	for (size_t i = 0; i < tags->n; i++)
		sb_addf(sb, "%s%s", i > 0 ? "," : "", tags->v[i]);
}

char *
require_text(const struct dist_require *r)
{
	struct strbuf sb = STRBUF_INIT;
	const char *sep = "";

	if (r->cpu_model != NULL) {
		sb_addf(&sb, "cpuModel '%s'", r->cpu_model);
		sep = ", ";
	}
	if (r->cores > 0) {
		sb_addf(&sb, "%scpuCores \u2265 %d", sep, r->cores);
		sep = ", ";
	}
	if (r->memory > 0) {
		sb_addf(&sb, "%smemory \u2265 %lld MB", sep, r->memory / MB);
		sep = ", ";
	}
	if (r->arch != NULL) {
		sb_addf(&sb, "%sarch %s", sep, r->arch);
		sep = ", ";
	}
	if (r->tags.n > 0) {
		sb_addf(&sb, "%stags ", sep);
		tags_text(&sb, &r->tags);
	}
	return sb_detach(&sb);
}

/* The machine's tag list holds t. */
static int
machine_has_tag(const char *list, const char *t)
{
	struct strvec v = STRVEC_INIT;
	int has;

	if (list == NULL || require_parse_tags(list, &v, NULL) == -1) {
		sv_clear(&v);
		return 0;
	}
	has = has_tag(&v, t, strlen(t));
	sv_clear(&v);
	return has;
}

/* The needs, one kind each. */
enum need { N_MODEL, N_CORES, N_MEMORY, N_ARCH, N_TAGS, N_COUNT };

static int
needs(const struct dist_require *r, enum need k)
{
	switch (k) {
	case N_MODEL:	return r->cpu_model != NULL;
	case N_CORES:	return r->cores > 0;
	case N_MEMORY:	return r->memory > 0;
	case N_ARCH:	return r->arch != NULL;
	default:	return r->tags.n > 0;
	}
}

/* One need of r against m; *have: what m has, for messages. */
static enum fit
need_fit(const struct dist_require *r, const struct fit_machine *m,
    enum need k, char **have)
{
	const struct dist_facts *f = m->facts;
	enum fit fit = FIT_YES;
	size_t i;

	*have = NULL;
	switch (k) {
	case N_MODEL:
		if (f->cpu_model == NULL)
			return FIT_UNKNOWN;
		*have = xstrdup(f->cpu_model);
		return strstr(f->cpu_model, r->cpu_model) ? FIT_YES : FIT_NO;
	case N_CORES:
		if (m->slot_cores < 0)
			return FIT_UNKNOWN;
		*have = xasprintf("%d", m->slot_cores);
		return m->slot_cores >= r->cores ? FIT_YES : FIT_NO;
	case N_MEMORY:
		if (m->slot_memory < 0)
			return FIT_UNKNOWN;
		*have = mb_text(m->slot_memory);
		return m->slot_memory >= r->memory ? FIT_YES : FIT_NO;
	case N_ARCH:
		if (f->arch == NULL)
			return FIT_UNKNOWN;
		*have = xstrdup(f->arch);
		return strcmp(f->arch, r->arch) == 0 ? FIT_YES : FIT_NO;
	default:
		*have = xstrdup(m->tags != NULL ? m->tags : "none");
		for (i = 0; i < r->tags.n; i++)
			if (!machine_has_tag(m->tags, r->tags.v[i]))
				fit = FIT_NO;
		return fit;
	}
}

static const char *const need_names[] = { "cpuModel", "cpuCores", "memory",
	"arch", "tags" };

enum fit
require_fit(const struct dist_require *r, const struct fit_machine *m,
    char **why)
{
	enum fit fit = FIT_YES, one;
	char *have;
	int k;

	for (k = 0; k < N_COUNT && fit != FIT_NO; k++) {
		if (!needs(r, (enum need)k))
			continue;
		one = need_fit(r, m, (enum need)k, &have);
		if (one != FIT_YES && why != NULL && (*why == NULL ||
		    one == FIT_NO)) {	/* the first unmet, else unknown */
			free(*why);
			*why = xasprintf("%s: %s", need_names[k], have != NULL ?
			    have : "unknown");
		}
		if (one != FIT_YES)
			fit = one;
		free(have);
	}
	return fit;
}

/* Every machine misses need k (known): the message for it alone. */
static char *
refuse_one(const char *job, const struct dist_require *r, enum need k,
    const struct fit_machine *m, size_t n)
{
	struct strbuf sb = STRBUF_INIT, list = STRBUF_INIT;
	int most = 0;
	long long most_mem = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		char *have;

		if (need_fit(r, &m[i], k, &have) != FIT_NO) {
			free(have);
			sb_release(&list);
			return NULL;
		}
		sb_addf(&list, "%s%s (%s)", i > 0 ? ", " : "", m[i].name, have);
		free(have);
		if (m[i].slot_cores > most)
			most = m[i].slot_cores;
		if (m[i].slot_memory > most_mem)
			most_mem = m[i].slot_memory;
	}
	sb_addf(&sb, "job %s needs ", job);
	if (k == N_CORES)
		sb_addf(&sb, "cpuCores \u2265 %d; no machine has more than %d",
		    r->cores, most);
	else if (k == N_MEMORY)
		sb_addf(&sb, "memory \u2265 %lld MB; no machine has more than "
		    "%lld MB", r->memory / MB, most_mem / MB);
	else if (k == N_MODEL)
		sb_addf(&sb, "cpuModel '%s'; no machine has it", r->cpu_model);
	else if (k == N_ARCH)
		sb_addf(&sb, "arch %s; no machine has it", r->arch);
	else {
		sb_adds(&sb, "tags ");
		tags_text(&sb, &r->tags);
		sb_adds(&sb, "; no machine has them all");
	}
	if (k == N_CORES || k == N_MEMORY)
		sb_adds(&sb, " per slot");
	sb_addf(&sb, ": %s", sb_str(&list));
	sb_release(&list);
	return sb_detach(&sb);
}

char *
require_refusal(const char *job, const struct dist_require *r,
    const struct fit_machine *m, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	char *text, *why;
	size_t i;
	int k;

	for (i = 0; i < n; i++)
		if (require_fit(r, &m[i], NULL) != FIT_NO)
			return NULL;
	for (k = 0; k < N_COUNT; k++)
		if (needs(r, (enum need)k) &&
		    (text = refuse_one(job, r, (enum need)k, m, n)) != NULL)
			return text;
	text = require_text(r);
	sb_addf(&sb, "job %s needs %s; no machine meets them all:", job, text);
	free(text);
	for (i = 0; i < n; i++) {
		why = NULL;
		require_fit(r, &m[i], &why);
		sb_addf(&sb, "%s %s (%s)", i > 0 ? "," : "", m[i].name,
		    why != NULL ? why : "?");
		free(why);
	}
	return sb_detach(&sb);
}
