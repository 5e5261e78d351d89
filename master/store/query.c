/*
 * query.c - a stored run (or every stored measurement of a revision) as a
 * metric_table, the form compare works on: rows per (job, benchmark,
 * metric) with the job's machine identity (its hostname), run definition
 * and task; BenchExec counts from the "count:" and "total:" rows; a host
 * record per job (CPU, cores, OS and kernel, load before the job,
 * revision) for compare's warnings and pooling.  And the resolution of a
 * compare argument that is not a directory.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "results/results.h"
#include "store/store-internal.h"
#include "store/store.h"

static const char load_sql[] =
    "SELECT j.job_id, m.hostname, m.cpu_model, m.cores, a.os, a.kernel,"
    " a.load_before, rv.commit_id, res.benchmark, res.metric, res.unit,"
    " res.lower_is_better, res.rundefinition, res.tasks_set, res.task,"
    " res.samples, a.machine_name, m.arch, m.memory_gib"
    " FROM results res"
    " JOIN attempts a ON a.id = res.attempt"
    " JOIN jobs j ON j.id = a.job"
    " LEFT JOIN machines m ON m.id = res.machine"
    " LEFT JOIN revisions rv ON rv.id = res.revision";

static const char *
col(struct db_stmt *st, int i)
{
	const char *s = db_column_text(st, i);

	return s != NULL ? s : "";
}

static void
add_samples(struct metric_row *r, struct db_stmt *st, int i)
{
	const unsigned char *b;
	size_t len, k;
	uint64_t u;
	double v;
	int x;

	b = db_column_blob(st, i, &len);
	for (k = 0; b != NULL && k + 8 <= len; k += 8) {
		for (u = 0, x = 7; x >= 0; x--)
			u = u << 8 | b[k + (size_t)x];
		memcpy(&v, &u, sizeof v);
		metrics_add_value(r, v);
	}
}

/* The first sample of a row (a count is stored as one sample). */
static double
first_sample(struct db_stmt *st, int i)
{
	struct metric_row tmp;
	double v;

	memset(&tmp, 0, sizeof tmp);
	add_samples(&tmp, st, i);
	v = tmp.nvalues > 0 ? tmp.values[0] : NAN;
	free(tmp.values);
	return v;
}

static void
add_count(struct metric_table *t, struct db_stmt *st, const char *job,
    const char *machine)
{
	struct metric_counts *c = metrics_counts(t, job, machine);
	const char *m = col(st, 9);
	double v = first_sample(st, 15);
	unsigned long n = v >= 0 && v < 1e15 ? (unsigned long)v : 0;

	if (strcmp(m, "count:tasks") == 0)
		c->tasks = n;
	else if (strcmp(m, "count:correct") == 0)
		c->correct = n;
	else if (strcmp(m, "count:correct_unconfirmed") == 0)
		c->correct_unconfirmed = n;
	else if (strcmp(m, "count:wrong") == 0)
		c->wrong = n;
	else if (strcmp(m, "count:unknown") == 0)
		c->unknown = n;
	else if (strcmp(m, "count:error") == 0)
		c->error = n;
	else if (strcmp(m, "count:missing") == 0)
		c->missing = n;
	else if (strcmp(m, "total:cputime") == 0)
		c->cputime = v;
	else if (strcmp(m, "total:walltime") == 0)
		c->walltime = v;
}

static void
add_host(struct metric_table *t, struct db_stmt *st, const char *job,
    const char *machine)
{
	char *platform = NULL;

	if (!db_column_is_null(st, 4) || !db_column_is_null(st, 5))
		platform = xasprintf("%s%s%s", col(st, 4),
		    *col(st, 4) && *col(st, 5) ? ", kernel " : "", col(st, 5));
	metrics_set_host(t, job, machine, db_column_is_null(st, 2) ? NULL :
	    col(st, 2), db_column_is_null(st, 3) ? -1 :
	    (long)db_column_int64(st, 3), platform);
	if (!db_column_is_null(st, 6))
		metrics_set_host_load(t, job, db_column_double(st, 6));
	if (!db_column_is_null(st, 7))
		metrics_set_host_revision(t, job, col(st, 7));
	free(platform);
}

/* The machine identity, as compare's warning shows it. */
static void
add_fingerprint(struct strvec *fp, struct db_stmt *st)
{
	char *s;
	size_t i;

	if (fp == NULL || db_column_is_null(st, 1))
		return;
	s = xasprintf("%s (%s, %s, %" PRId64 " cores, %" PRId64 " GiB)",
	    col(st, 1), col(st, 17), col(st, 2), db_column_int64(st, 3),
	    db_column_int64(st, 18));
	for (i = 0; i < fp->n; i++)
		if (strcmp(fp->v[i], s) == 0)
			break;
	if (i == fp->n)
		sv_push(fp, s);
	free(s);
}

static void
add_row(struct metric_table *t, struct strvec *fp, struct db_stmt *st)
{
	const char *job = col(st, 0), *lib;
	const char *machine = !db_column_is_null(st, 1) ? col(st, 1) :
	    !db_column_is_null(st, 16) ? col(st, 16) : NULL;
	struct metric_row *r;

	add_host(t, st, job, machine);
	add_fingerprint(fp, st);
	if (*col(st, 8) == '\0' && (strncmp(col(st, 9), "count:", 6) == 0 ||
	    strncmp(col(st, 9), "total:", 6) == 0)) {
		add_count(t, st, job, machine);
		return;
	}
	lib = db_column_is_null(st, 11) ? NULL : db_column_int64(st, 11) ?
	    TREND_LOWER : TREND_HIGHER;
	r = metrics_row(t, job, machine, col(st, 8), col(st, 9),
	    db_column_is_null(st, 10) ? NULL : col(st, 10), lib);
	if (*col(st, 14) != '\0' && r->task == NULL) {	/* BenchExec */
		r->rundef = xstrdup(col(st, 12));
		r->tasks_set = xstrdup(col(st, 13));
		r->task = xstrdup(col(st, 14));
	}
	add_samples(r, st, 15);
}

static int
load(struct db *db, const char *where, const char *arg, int64_t id,
    struct metric_table *t, struct strvec *fp, char **cause)
{
	char *sql = xasprintf("%s WHERE %s ORDER BY res.id", load_sql, where);
	struct db_stmt *st = db_prepare(db, sql, cause);
	int r;

	free(sql);
	if (st == NULL)
		return -1;
	if (arg != NULL)
		db_bind_text(st, 1, arg);
	else
		db_bind_int64(st, 1, id);
	while ((r = db_step(st, cause)) == 1)
		add_row(t, fp, st);
	db_finalize(st);
	return r;
}

int
store_query_run(struct db *db, int64_t run, struct metric_table *t,
    struct strvec *fp, char **cause)
{
	if (load(db, "res.run = ?", NULL, run, t, fp, cause) == -1)
		return -1;
	if (t->nrows == 0 && t->ncounts == 0)
		return set_cause(cause, "run %" PRId64 " has no stored results "
		    "in %s", run, db_where(db));
	return 0;
}

/* The revision whose commit id is commit, else the one that starts
 * with it; several: ambiguous, listed. */
static int64_t
find_revision(struct db *db, const char *commit, char **full, char **cause)
{
	struct db_stmt *st;
	struct strbuf list = STRBUF_INIT;
	char *like = like_prefix(commit);
	int64_t id = 0;
	int r, n = 0, exact = 0;

	st = db_prepare(db, "SELECT id, project, commit_id FROM revisions"
	    " WHERE commit_id LIKE ? ESCAPE '\\' ORDER BY id", cause);
	if (st == NULL) {
		free(like);
		return -1;
	}
	db_bind_text(st, 1, like);
	while ((r = db_step(st, cause)) == 1 && !exact) {
		/* LIKE may ignore case: the prefix is checked here */
		if (strncmp(col(st, 2), commit, strlen(commit)) != 0)
			continue;
		exact = strcmp(col(st, 2), commit) == 0;
		if (n++ == 0 || exact) {
			id = db_column_int64(st, 0);
			free(*full);
			*full = xstrdup(col(st, 2));
		}
		sb_addf(&list, "%s %s%s%s", n > 1 ? "," : "", col(st, 1),
		    *col(st, 1) ? ":" : "", col(st, 2));
	}
	db_finalize(st);
	free(like);
	if (r == -1)
		id = -1;
	else if (n == 0)
		id = set_cause(cause, "no revision '%s' in %s", commit,
		    db_where(db));
	else if (n > 1 && !exact)
		id = set_cause(cause, "'rev:%s' is ambiguous: revisions%s",
		    commit, sb_str(&list));
	if (id == -1) {
		free(*full);
		*full = NULL;
	}
	sb_release(&list);
	return id;
}

int
store_query_revision(struct db *db, const char *commit,
    struct metric_table *t, struct strvec *fp, char **full, char **cause)
{
	int64_t id;

	*full = NULL;
	if ((id = find_revision(db, commit, full, cause)) == -1)
		return -1;
	if (load(db, "res.revision = ?", NULL, id, t, fp, cause) == -1)
		goto fail;
	if (t->nrows == 0 && t->ncounts == 0) {
		set_cause(cause, "revision '%s' has no stored results in %s",
		    *full, db_where(db));
		goto fail;
	}
	return 0;
fail:
	free(*full);
	*full = NULL;
	return -1;
}

/* The LIKE pattern "PREFIX%" with %, _ and \ escaped by \. */
char *
like_prefix(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	for (; *s != '\0'; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			sb_addc(&sb, '\\');
		sb_addc(&sb, *s);
	}
	sb_addc(&sb, '%');
	return sb_detach(&sb);
}

/* One candidate form of a bare word: its run id, 0 if none. */
static int64_t
try_form(struct db *db, const char *spec, struct strbuf *list, int64_t *ids,
    size_t *n, char **cause)
{
	char *c = NULL;
	int64_t id = store_find_run(db, spec, &c);
	size_t i;

	if (id == -1) {
		/* not found is no candidate; an ambiguity is an error */
		if (c != NULL && strstr(c, "ambiguous") != NULL) {
			free(*cause);
			*cause = c;
			return -1;
		}
		free(c);
		return 0;
	}
	for (i = 0; i < *n; i++)
		if (ids[i] == id)
			return id;
	ids[(*n)++] = id;
	sb_addf(list, "%s %s (run %" PRId64 ")", list->len > 0 ? "," : "",
	    spec, id);
	return id;
}

int64_t
store_resolve_run(struct db *db, const char *word, char **cause)
{
	struct strbuf list = STRBUF_INIT;
	int64_t ids[3], id;
	size_t n = 0;
	char *spec;

	if (strncmp(word, "run:", 4) == 0 || strncmp(word, "name:", 5) == 0)
		return store_find_run(db, word, cause);
	if (store_all_digits(word) && strlen(word) < 18 &&
	    try_form(db, word, &list, ids, &n, cause) == -1)
		goto fail;
	spec = xasprintf("run:%s", word);
	id = try_form(db, spec, &list, ids, &n, cause);
	free(spec);
	if (id == -1)
		goto fail;
	spec = xasprintf("name:%s", word);
	id = try_form(db, spec, &list, ids, &n, cause);
	free(spec);
	if (id == -1)
		goto fail;
	if (n == 1) {
		sb_release(&list);
		return ids[0];
	}
	if (n == 0)
		set_cause(cause, "'%s' is no directory, and no run id or name "
		    "in %s", word, db_where(db));
	else
		set_cause(cause, "'%s' is ambiguous: it may be%s; say which "
		    "with run:, name: or the store id", word, sb_str(&list));
fail:
	sb_release(&list);
	return -1;
}

struct id_at {
	const char	*id;
	size_t		 at;
};

static int
cmp_id_at(const void *x, const void *y)
{
	return strcmp(((const struct id_at *)x)->id,
	    ((const struct id_at *)y)->id);
}

/* Rows newest first: a job's first successful attempt is its duration;
 * a job that never succeeded takes its newest attempt's. */
size_t
store_job_durations(struct db *db, const char *name, const char *const *ids,
    size_t n, double *dur, char **cause)
{
	struct id_at *map = xcalloc(n + 1, sizeof *map), key, *hit;
	unsigned char *ok = xcalloc(n + 1, 1);
	struct db_stmt *st;
	size_t i, known = 0;
	int r;

	for (i = 0; i < n; i++) {
		dur[i] = -1;
		map[i].id = ids[i];
		map[i].at = i;
	}
	qsort(map, n, sizeof *map, cmp_id_at);
	st = db_prepare(db, "SELECT j.job_id, a.duration_ns, a.status"
	    " FROM runs r JOIN jobs j ON j.run = r.id"
	    " JOIN attempts a ON a.job = j.id"
	    " WHERE r.name = ? AND a.duration_ns IS NOT NULL"
	    " ORDER BY r.start_ns DESC, r.id DESC, a.attempt DESC", cause);
	if (st == NULL) {
		r = -1;
		goto out;
	}
	db_bind_text(st, 1, name);
	while ((r = db_step(st, cause)) == 1) {
		int success = strcmp(col(st, 2), "success") == 0;

		key.id = col(st, 0);
		hit = bsearch(&key, map, n, sizeof *map, cmp_id_at);
		if (hit == NULL || ok[hit->at] ||
		    (dur[hit->at] >= 0 && !success))
			continue;
		if (dur[hit->at] < 0)
			known++;
		dur[hit->at] = (double)db_column_int64(st, 1) / 1e9;
		ok[hit->at] = (unsigned char)success;
	}
	db_finalize(st);
out:
	free(map);
	free(ok);
	return r == -1 ? (size_t)-1 : known;
}

/* "run 12 (RUN-ID, NAME)". */
char *
store_run_label(struct db *db, int64_t run)
{
	struct db_stmt *st;
	char *label = NULL, *cause = NULL;

	st = db_prepare(db, "SELECT run_id, name FROM runs WHERE id = ?",
	    &cause);
	if (st != NULL) {
		db_bind_int64(st, 1, run);
		if (db_step(st, &cause) == 1)
			label = xasprintf("run %" PRId64 " (%s, %s)", run,
			    col(st, 0), col(st, 1));
		db_finalize(st);
	}
	free(cause);
	return label != NULL ? label : xasprintf("run %" PRId64, run);
}
