/*
 * jobid.c - job ids: safe, bounded file names made from job names, and
 * their deduplication within a config.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/config.h"

#define JOB_ID_MAX	100
#define JOB_ID_HASHLEN	9	/* "-" and 8 hex digits */

static int
id_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' ||
	    c == '-';
}

/* FNV-1a over the parts, each followed by a NUL so that the split between
 * parts counts: {"a.b"} and {"a", "b"} hash differently. */
static uint32_t
parts_hash(const char *const *parts, size_t nparts)
{
	uint32_t h = 2166136261u;
	const unsigned char *p;
	size_t i;

	for (i = 0; i < nparts; i++) {
		for (p = (const unsigned char *)parts[i]; *p != '\0'; p++)
			h = (h ^ *p) * 16777619u;
		h = (h ^ 0) * 16777619u;
	}
	return h;
}

char *
make_job_id(const char *const *parts, size_t nparts)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p;
	int changed = 0;
	size_t i;

	for (i = 0; i < nparts; i++) {
		if (i > 0)
			sb_addc(&sb, '.');
		for (p = (const unsigned char *)parts[i]; *p != '\0'; p++) {
			if (!id_char(*p))
				changed = 1;
			sb_addc(&sb, id_char(*p) ? (char)*p : '_');
		}
	}
	if (sb.len == 0 || sb.buf[0] == '.' || sb.buf[0] == '-') {
		sb_add(&sb, "_", 1);
		memmove(sb.buf + 1, sb.buf, sb.len - 1);
		sb.buf[0] = '_';
		changed = 1;
	}
	if (sb.len > (changed ? JOB_ID_MAX - JOB_ID_HASHLEN : JOB_ID_MAX)) {
		sb.len = JOB_ID_MAX - JOB_ID_HASHLEN;
		sb.buf[sb.len] = '\0';
		changed = 1;
	}
	if (changed)
		sb_addf(&sb, "-%08x", (unsigned)parts_hash(parts, nparts));
	return sb_detach(&sb);
}

/* A small open-addressing set of strings that it does not own. */
struct id_set {
	const char	**slot;
	unsigned char	 *used;	/* the id was handed out already */
	unsigned long	 *next;	/* next "-k" to try for this base id */
	size_t		  mask;
};

static size_t
str_hash(const char *s)
{
	size_t h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* The slot holding s, or the empty slot where it would go. */
static size_t
set_find(const struct id_set *set, const char *s)
{
	size_t i = str_hash(s) & set->mask;

	while (set->slot[i] != NULL && strcmp(set->slot[i], s) != 0)
		i = (i + 1) & set->mask;
	return i;
}

static char *
numbered_id(const char *id, unsigned long k)
{
	char suffix[32];
	size_t len = strlen(id);

	snprintf(suffix, sizeof suffix, "-%lu", k);
	if (len + strlen(suffix) > JOB_ID_MAX)
		len = JOB_ID_MAX - strlen(suffix);
	return xasprintf("%.*s%s", (int)len, id, suffix);
}

/* Give a repeated id the first free "-k", k = 2, 3 ...; the base id's
 * entry remembers where to go on, so n copies cost O(n). */
static void
renumber(struct id_set *set, size_t base, char **id)
{
	unsigned long k;
	size_t i;
	char *cand;

	for (k = set->next[base] > 2 ? set->next[base] : 2; ; k++) {
		cand = numbered_id(*id, k);
		i = set_find(set, cand);
		if (set->slot[i] == NULL)
			break;
		free(cand);
	}
	set->next[base] = k + 1;
	free(*id);
	*id = cand;
	set->slot[i] = cand;
	set->used[i] = 1;
}

void
job_ids_dedup(struct dist_job *jobs, size_t n)
{
	struct id_set set;
	size_t cap = 16, i, s;

	while (cap < 4 * n)
		cap *= 2;
	set.slot = xcalloc(cap, sizeof *set.slot);
	set.used = xcalloc(cap, 1);
	set.next = xcalloc(cap, sizeof *set.next);
	set.mask = cap - 1;
	/* Every original id is taken, so a "-k" never steals a later one. */
	for (i = 0; i < n; i++) {
		s = set_find(&set, jobs[i].id);
		if (set.slot[s] == NULL)
			set.slot[s] = jobs[i].id;
	}
	for (i = 0; i < n; i++) {
		s = set_find(&set, jobs[i].id);
		if (!set.used[s]) {
			set.used[s] = 1;
			continue;
		}
		renumber(&set, s, &jobs[i].id);
	}
	free(set.slot);
	free(set.used);
	free(set.next);
}
