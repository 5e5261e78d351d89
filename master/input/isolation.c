/*
 * isolation.c - the isolation options and each machine's isolation
 * attributes over them, checked, CPUs divided between slots (the "iso"
 * lines sent to the worker are run/isolation-lines.c's).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "input/isolation.h"
#include "input/machines.h"

static const char *const iso_keys[] = {
	"cpus", "aslr", "tmpfs", "numa", "nice", "isolation"
};

/* A decimal number of at most 5 digits at *s, moved past it; -1 if none. */
static long
parse_num(const char **s)
{
	long v = 0;
	int n = 0;

	while (**s >= '0' && **s <= '9' && n < 6) {
		v = v * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	return n == 0 || n > 5 ? -1 : v;
}

/* One item of a CPU list, "N" or "N-M", ending at ',' or the end. */
static int
parse_item(const char **s, long *lo, long *hi)
{
	if ((*lo = parse_num(s)) == -1)
		return -1;
	*hi = *lo;
	if (**s == '-') {
		(*s)++;
		if ((*hi = parse_num(s)) == -1)
			return -1;
	}
	return **s == '\0' || **s == ',' ? 0 : -1;
}

/* Parse a CPU list into set (ISO_CPU_MAX bytes, 1 for each CPU listed);
 * n = the number of CPUs. */
static int
cpulist_parse(const char *list, unsigned char *set, size_t *n, char **cause)
{
	const char *s = list;
	long lo, hi, c;

	*n = 0;
	for (;;) {
		if (parse_item(&s, &lo, &hi) == -1)
			return set_cause(cause, "cpus '%s': not a CPU list (want "
			    "numbers and ranges: 0-3,8)", list);
		if (hi < lo)
			return set_cause(cause, "cpus '%s': range %ld-%ld goes "
			    "down", list, lo, hi);
		if (hi >= ISO_CPU_MAX)
			return set_cause(cause, "cpus '%s': CPU %ld is past the "
			    "last possible one (%d)", list, hi, ISO_CPU_MAX - 1);
		for (c = lo; c <= hi; c++) {
			if (set[c])
				return set_cause(cause, "cpus '%s': CPU %ld "
				    "listed twice", list, c);
			set[c] = 1;
			(*n)++;
		}
		if (*s == '\0')
			return 0;
		s++;
	}
}

/* Append the CPUs of set numbered first..first+count-1 (in order among
 * those in set) to sb, as "0-2,5". */
static void
cpulist_format(struct strbuf *sb, const unsigned char *set, size_t first,
    size_t count)
{
	size_t seen = 0, c, run;

	for (c = 0; c < ISO_CPU_MAX && seen < first + count; c++) {
		if (!set[c] || seen++ < first)
			continue;
		run = c;
		while (run + 1 < ISO_CPU_MAX && set[run + 1] &&
		    seen < first + count) {
			run++;
			seen++;
		}
		sb_addf(sb, "%s%zu", sb->len > 0 ? "," : "", c);
		if (run > c)
			sb_addf(sb, "-%zu", run);
		c = run;
	}
}

char *
isolation_slot_cpus(const char *list, int slot, int slots, char **cause)
{
	unsigned char *set = xcalloc(ISO_CPU_MAX, 1);
	struct strbuf sb = STRBUF_INIT;
	size_t n, base, extra, first, count;
	char *res = NULL;

	if (cpulist_parse(list, set, &n, cause) == -1)
		goto out;
	if (slots < 1 || slot < 0 || slot >= slots || n < (size_t)slots) {
		set_cause(cause, "cpus '%s': %zu CPU%s for %d slots (two slots "
		    "never share a CPU)", list, n, n == 1 ? "" : "s", slots);
		goto out;
	}
	base = n / (size_t)slots;
	extra = n % (size_t)slots;
	first = (size_t)slot * base + ((size_t)slot < extra ? (size_t)slot :
	    extra);
	count = base + ((size_t)slot < extra ? 1 : 0);
	cpulist_format(&sb, set, first, count);
	res = sb_detach(&sb);
out:
	sb_release(&sb);
	free(set);
	return res;
}

/* A decimal integer in [min, max]: "-"? digits, at most 5 of them, no
 * leading zero. */
static int
int_in(const char *s, long min, long max)
{
	const char *d = *s == '-' ? s + 1 : s;
	long v;

	if (strspn(d, "0123456789") != strlen(d) || *d == '\0' ||
	    strlen(d) > 5 || (d[0] == '0' && d[1] != '\0'))
		return 0;
	v = strtol(s, NULL, 10);
	return v >= min && v <= max;
}

static int
check_cpus(const char *value, char **cause)
{
	unsigned char *set = xcalloc(ISO_CPU_MAX, 1);
	size_t n;
	int rc;

	rc = cpulist_parse(value, set, &n, cause);
	free(set);
	return rc;
}

/* "on", "off" or a path for the worker: absolute, no control characters. */
static int
check_tmpfs(const char *value, char **cause)
{
	const char *s;

	if (strcmp(value, "on") == 0 || strcmp(value, "off") == 0)
		return 0;
	if (value[0] == '~' && value[1] != '\0' && value[1] != '/')
		return set_cause(cause, "tmpfs '%s': only '~' and '~/...' "
		    "(the login user's home) are understood", value);
	if (value[0] != '/' && value[0] != '~')
		return set_cause(cause, "tmpfs '%s': not an absolute path, "
		    "'~/...', 'on' (%s) or 'off'", value, ISO_TMPFS_DEFAULT);
	for (s = value; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return set_cause(cause, "tmpfs: control character "
			    "0x%02x in the path", (unsigned char)*s);
	return 0;
}

int
isolation_check_value(const char *key, const char *value, char **cause)
{
	if (strlen(value) >= ISO_VALUE_MAX)
		return set_cause(cause, "%s: value longer than %d bytes", key,
		    ISO_VALUE_MAX - 1);
	if (strcmp(key, "cpus") == 0)
		return check_cpus(value, cause);
	if (strcmp(key, "tmpfs") == 0)
		return check_tmpfs(value, cause);
	if (strcmp(key, "aslr") == 0) {
		if (strcmp(value, "off") != 0 && strcmp(value, "on") != 0)
			return set_cause(cause, "aslr '%s': want 'off' or 'on'",
			    value);
	} else if (strcmp(key, "numa") == 0) {
		if (!int_in(value, 0, 4095) || value[0] == '-')
			return set_cause(cause, "numa '%s': not a NUMA node "
			    "number (0 to 4095)", value);
	} else if (strcmp(key, "nice") == 0) {
		if (!int_in(value, -20, 19))
			return set_cause(cause, "nice '%s': want a number from "
			    "-20 to 19", value);
	} else if (strcmp(key, "isolation") == 0) {
		if (strcmp(value, "strict") != 0 &&
		    strcmp(value, "best-effort") != 0)
			return set_cause(cause, "isolation '%s': want 'strict' "
			    "or 'best-effort'", value);
	} else
		return set_cause(cause, "unknown isolation option '%s'", key);
	return 0;
}

void
isolation_opts_init(struct isolation_opts *io)
{
	memset(io, 0, sizeof *io);
}

#define OPT_FIELD(k, f) \
	{ k, offsetof(struct isolation_opts, f), \
	  sizeof(((struct isolation_opts *)NULL)->f) }

/* Where each option lives in struct isolation_opts. */
static const struct opt_field {
	const char	*key;
	size_t		 off;
	size_t		 size;
} opt_fields[] = {
	OPT_FIELD("cpus", cpus),
	OPT_FIELD("aslr", aslr),
	OPT_FIELD("tmpfs", tmpfs),
	OPT_FIELD("numa", numa),
	OPT_FIELD("nice", nice),
	OPT_FIELD("isolation", mode),
};

static const struct opt_field *
opt_field(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(opt_fields); i++)
		if (strcmp(opt_fields[i].key, key) == 0)
			return &opt_fields[i];
	return NULL;
}

int
isolation_opt_set(struct isolation_opts *io, const char *name,
    const char *value, char **cause)
{
	const struct opt_field *f = opt_field(name);

	if (f == NULL)
		return set_cause(cause, "unknown isolation option '%s'", name);
	if (value == NULL || *value == '\0')
		return set_cause(cause, "%s: empty value", name);
	if (isolation_check_value(name, value, cause) == -1)
		return -1;
	if (strlen(value) >= f->size)
		return set_cause(cause, "%s '%s': longer than %zu bytes", name,
		    value, f->size - 1);
	memcpy((char *)io + f->off, value, strlen(value) + 1);
	return 0;
}

const char *
isolation_key(size_t i)
{
	return i < ARRAY_SIZE(iso_keys) ? iso_keys[i] : NULL;
}

const char *
isolation_value(const struct isolation_opts *io, const struct dist_machine *m,
    const char *key)
{
	const struct opt_field *f = opt_field(key);
	const char *v = machine_attr(m, key);

	if (v != NULL || f == NULL)
		return v;
	v = (const char *)io + f->off;
	return *v != '\0' ? v : NULL;
}

/* The cause, prefixed with where key's value of machine m came from. */
static int
machine_err(const struct dist_machine *m, const char *key, char **cause)
{
	if (machine_attr(m, key) != NULL)
		return prefix_cause(cause, "%s:%d", m->file, m->line);
	return prefix_cause(cause, "%s:%d: %s (option --%s)", m->file, m->line,
	    m->name, key);
}

int
isolation_check(const struct isolation_opts *io, const struct dist_machine *m,
    char **cause)
{
	const char *v;
	char *cpus;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(iso_keys); i++) {
		v = isolation_value(io, m, iso_keys[i]);
		if (v != NULL &&
		    isolation_check_value(iso_keys[i], v, cause) == -1)
			return machine_err(m, iso_keys[i], cause);
	}
	if ((v = isolation_value(io, m, "cpus")) == NULL)
		return 0;
	if ((cpus = isolation_slot_cpus(v, 0, m->slots, cause)) == NULL)
		return machine_err(m, "cpus", cause);
	free(cpus);
	return 0;
}
