/*
 * store-put.c - write a run directory into the store: the run row (from
 * run.json), and each collected job in ONE transaction (the job, its
 * attempt from results.json and the status file, its machine identity and
 * annotations from env.json, every metric row the results/ readers find,
 * as metrics.json has them).  Idempotent: every row has a unique key and
 * a job's results are deleted and inserted again.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/lib.h"
#include "results/results.h"
#include "store/store-internal.h"
#include "store/store.h"

/* A JSON file of ours (run.json, results.json, env.json): NULL if absent
 * (*cause NULL) or unreadable (*cause set). */
struct jv *
store_read_json(const char *path, char **cause)
{
	char *data = NULL;
	struct jv *v;
	size_t len;

	if (access(path, F_OK) != 0)
		return NULL;
	if (read_file_max(path, JV_MAX_BYTES, &data, &len, cause) == -1)
		return NULL;
	v = jv_parse(data, len, path, cause);
	free(data);
	return v;
}

/* "2026-12-03T13:11:01Z" -> ns; -1 when not such a time. */
int64_t
store_utc_ns(const char *s)
{
	struct tm tm;
	char z = 0;
	time_t t;

	if (s == NULL)
		return -1;
	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 ||
	    z != 'Z')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	return (int64_t)t * NS_PER_SEC;
}

/* A row id, or NULL for none (0). */
static void
bind_id(struct db_stmt *st, int i, int64_t id)
{
	db_bind_opt_int64(st, i, id > 0 ? id : -1);
}

/* One statement, bound by the caller's fn, stepped once: the id of
 * "... RETURNING id", or 0 for no RETURNING; -1 on error. */
static int64_t
run_stmt(struct db *db, const char *sql, int returning,
    void (*bind)(struct db_stmt *, const void *), const void *arg,
    char **cause)
{
	struct db_stmt *st = db_prepare(db, sql, cause);
	int64_t id = 0;

	if (st == NULL)
		return -1;
	bind(st, arg);
	if (returning)
		id = db_query_id(st, cause);
	else if (db_step(st, cause) == -1)
		id = -1;
	db_finalize(st);
	return id;
}

/* --- revisions -------------------------------------------------------- */

struct rev_arg {
	const char	*project, *commit, *branch, *label;
	int64_t		 date;
};

static void
bind_rev(struct db_stmt *st, const void *a)
{
	const struct rev_arg *r = a;

	db_bind_text(st, 1, r->project != NULL ? r->project : "");
	db_bind_text(st, 2, r->commit);
	db_bind_text(st, 3, r->branch);
	db_bind_opt_int64(st, 4, r->date);
	db_bind_text(st, 5, r->label);
}

/* The revision's id (made or updated), 0 for none, -1 on error.  A
 * branch, date or label already known is kept when not given again. */
static int64_t
put_revision(struct db *db, const char *project, const char *commit,
    const struct jv *rev, char **cause)
{
	struct rev_arg r = { project, commit, NULL, NULL, -1 };
	double d;

	if (commit == NULL || commit[0] == '\0')
		return 0;
	if (rev != NULL) {
		r.branch = jv_str(jv_get(rev, "branch"));
		r.label = jv_str(jv_get(rev, "label"));
		if (jv_num(jv_get(rev, "date"), &d) == 0)
			r.date = (int64_t)(d * 1e9);
		else
			r.date = store_utc_ns(jv_str(jv_get(rev, "date")));
	}
	return run_stmt(db, "INSERT INTO revisions (project, commit_id, "
	    "branch, commit_date, label) VALUES (?, ?, ?, ?, ?) "
	    "ON CONFLICT (project, commit_id) DO UPDATE SET "
	    "branch = COALESCE(excluded.branch, revisions.branch), "
	    "commit_date = COALESCE(excluded.commit_date, "
	    "revisions.commit_date), "
	    "label = COALESCE(excluded.label, revisions.label) RETURNING id",
	    1, bind_rev, &r, cause);
}

static int64_t
run_revision(struct db *db, const struct jv *run, char **cause)
{
	const struct jv *rev = jv_get(run, "revision");

	if (!jv_is(rev, JV_OBJECT))
		return 0;
	return put_revision(db, jv_str(jv_get(rev, "project")),
	    jv_str(jv_get(rev, "commit")), rev, cause);
}

/* --- runs -------------------------------------------------------------- */

struct run_arg {
	const struct jv	*run;
	const char	*run_dir;
	int64_t		 revision, rerun_of;
};

static void
bind_run(struct db_stmt *st, const void *a)
{
	const struct run_arg *r = a;
	const struct jv *run = r->run, *arch = jv_get(run, "archive");
	double ex;

	db_bind_text(st, 1, jv_str(jv_get(run, "master")));
	db_bind_text(st, 2, jv_str(jv_get(run, "run_id")));
	db_bind_text(st, 3, jv_str(jv_get(run, "name")));
	db_bind_text(st, 4, jv_str(jv_get(run, "user")));
	db_bind_text(st, 5, r->run_dir);
	db_bind_text(st, 6, jv_str(jv_get(run, "kind")));
	db_bind_text(st, 7, jv_str(jv_get(run, "config")));
	db_bind_text(st, 8, jv_str(jv_get(run, "config_sha256")));
	db_bind_text(st, 9, jv_str(jv_get(arch, "path")));
	db_bind_text(st, 10, jv_str(jv_get(arch, "sha256")));
	bind_id(st, 11, r->revision);
	db_bind_opt_int64(st, 12, store_utc_ns(jv_str(jv_get(run, "start"))));
	db_bind_opt_int64(st, 13, store_utc_ns(jv_str(jv_get(run, "end"))));
	db_bind_text(st, 14, jv_str(jv_get(run, "state")));
	if (jv_num(jv_get(run, "exit"), &ex) == 0)
		db_bind_int64(st, 15, (int64_t)ex);
	else
		db_bind_null(st, 15);
	bind_id(st, 16, r->rerun_of);
}

static void
bind_master_run(struct db_stmt *st, const void *a)
{
	const struct jv *run = a;

	db_bind_text(st, 1, jv_str(jv_get(run, "master")));
	db_bind_text(st, 2, jv_str(jv_get(run, "rerun_of")));
}

/* The absolute path of dir, or dir. */
static char *
abs_dir(const char *dir)
{
	char *r = realpath(dir, NULL);

	return r != NULL ? r : xstrdup(dir);
}

/* Upsert the run row (inside the caller's transaction): its id. */
static int64_t
put_run_row(struct db *db, const struct jv *run, const char *run_dir,
    char **cause)
{
	struct run_arg r = { run, NULL, 0, 0 };
	int64_t id;

	if (jv_str(jv_get(run, "run_id")) == NULL ||
	    jv_str(jv_get(run, "master")) == NULL ||
	    jv_str(jv_get(run, "name")) == NULL ||
	    jv_str(jv_get(run, "user")) == NULL)
		return set_cause(cause, "%s/run.json: no run_id, master, "
		    "name or user", run_dir);
	if ((r.revision = run_revision(db, run, cause)) == -1)
		return -1;
	if (jv_str(jv_get(run, "rerun_of")) != NULL) {
		/* the first run, if this store has it */
		struct db_stmt *st = db_prepare(db, "SELECT id FROM runs "
		    "WHERE master = ? AND run_id = ?", cause);

		if (st == NULL)
			return -1;
		bind_master_run(st, run);
		if (db_step(st, cause) == 1)
			r.rerun_of = db_column_int64(st, 0);
		db_finalize(st);
	}
	r.run_dir = abs_dir(run_dir);
	id = run_stmt(db, "INSERT INTO runs (master, run_id, name, user_name, "
	    "run_dir, config_kind, config_path, config_sha256, archive_path, "
	    "archive_sha256, revision, start_ns, end_ns, state, exit_code, "
	    "rerun_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (master, run_id) DO UPDATE SET name = excluded.name, "
	    "user_name = excluded.user_name, run_dir = excluded.run_dir, "
	    "config_kind = excluded.config_kind, "
	    "config_path = excluded.config_path, "
	    "config_sha256 = excluded.config_sha256, "
	    "archive_path = excluded.archive_path, "
	    "archive_sha256 = excluded.archive_sha256, "
	    "revision = excluded.revision, start_ns = excluded.start_ns, "
	    "end_ns = excluded.end_ns, state = excluded.state, "
	    "exit_code = excluded.exit_code, rerun_of = excluded.rerun_of "
	    "RETURNING id", 1, bind_run, &r, cause);
	free((char *)r.run_dir);
	return id;
}

/* --- jobs -------------------------------------------------------------- */

static void
bind_job(struct db_stmt *st, const void *a)
{
	const struct store_job_row *j = a;

	db_bind_int64(st, 1, j->run);
	db_bind_text(st, 2, j->id);
	db_bind_text(st, 3, j->name);
	db_bind_text(st, 4, j->status);
	bind_id(st, 5, j->revision);
	db_bind_text(st, 6, j->rundef);
	db_bind_text(st, 7, j->tasks_set);
}

int64_t
store_put_job_row(struct db *db, const struct store_job_row *j, char **cause)
{
	return run_stmt(db, "INSERT INTO jobs (run, job_id, name, status, "
	    "revision, rundefinition, tasks_set) VALUES (?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (run, job_id) DO UPDATE SET name = excluded.name, "
	    "status = excluded.status, revision = excluded.revision, "
	    "rundefinition = COALESCE(excluded.rundefinition, "
	    "jobs.rundefinition), "
	    "tasks_set = COALESCE(excluded.tasks_set, jobs.tasks_set) "
	    "RETURNING id", 1, bind_job, j, cause);
}

static int
is_job(const struct jv *jb, const char *id)
{
	const char *s = jv_str(jv_get(jb, "id"));

	return s != NULL && strcmp(s, id) == 0;
}

const struct jv *
store_run_job(const struct jv *run, const char *id, size_t hint)
{
	const struct jv *jobs = jv_get(run, "jobs");
	size_t i;

	if (!jv_is(jobs, JV_ARRAY))
		return NULL;
	if (hint < jobs->n && is_job(&jobs->v[hint], id))
		return &jobs->v[hint];
	for (i = 0; i < jobs->n; i++)
		if (is_job(&jobs->v[i], id))
			return &jobs->v[i];
	return NULL;
}

/* A job's revision: its own commit (run.json's job "revision"), in the
 * run's project; else the run's. */
static int64_t
job_revision(struct db *db, const struct jv *run, const struct jv *job,
    int64_t run_rev, char **cause)
{
	const char *commit = jv_str(jv_get(job, "revision"));
	const struct jv *rrev = jv_get(run, "revision");

	if (commit == NULL || commit[0] == '\0')
		return run_rev;
	return put_revision(db, jv_str(jv_get(rrev, "project")), commit,
	    NULL, cause);
}

/* Every job of run.json as a job row (status, no attempt): what the
 * run's own row counts; a job's attempt comes with store_put_job. */
static int
put_run_jobs(struct db *db, const struct jv *run, int64_t run_id,
    int64_t run_rev, char **cause)
{
	const struct jv *jobs = jv_get(run, "jobs");
	size_t i;

	for (i = 0; jv_is(jobs, JV_ARRAY) && i < jobs->n; i++) {
		const struct jv *jb = &jobs->v[i];
		struct store_job_row j = { run_id, 0, jv_str(jv_get(jb, "id")),
		    jv_str(jv_get(jb, "name")), jv_str(jv_get(jb, "status")),
		    NULL, NULL };

		if (j.id == NULL)
			continue;
		if ((j.revision = job_revision(db, run, jb, run_rev,
		    cause)) == -1 || store_put_job_row(db, &j, cause) == -1)
			return -1;
	}
	return 0;
}

static int64_t
run_rev_of(struct db *db, int64_t run_id, char **cause)
{
	struct db_stmt *st = db_prepare(db, "SELECT revision FROM runs WHERE "
	    "id = ?", cause);
	int64_t rev = 0;
	int r;

	if (st == NULL)
		return -1;
	db_bind_int64(st, 1, run_id);
	r = db_step(st, cause);
	if (r == 1 && !db_column_is_null(st, 0))
		rev = db_column_int64(st, 0);
	db_finalize(st);
	return r == -1 ? -1 : rev;
}

struct jv *
store_load_run(const char *run_dir, char **cause)
{
	char *path = xasprintf("%s/run.json", run_dir);
	struct jv *run;

	*cause = NULL;
	run = store_read_json(path, cause);
	if (run == NULL && *cause == NULL)
		set_cause(cause, "%s: no run.json (not a run directory)",
		    run_dir);
	free(path);
	return run;
}

int
store_put_run_jv(struct db *db, const char *run_dir, const struct jv *run,
    char **cause)
{
	int64_t id, rev;

	if (db_begin(db, cause) == -1)
		return -1;
	if ((id = put_run_row(db, run, run_dir, cause)) == -1 ||
	    (rev = run_rev_of(db, id, cause)) == -1 ||
	    put_run_jobs(db, run, id, rev, cause) == -1 ||
	    db_commit(db, cause) == -1) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

int
store_put_run(struct db *db, const char *run_dir, char **cause)
{
	struct jv *run = store_load_run(run_dir, cause);
	int rc;

	if (run == NULL)
		return -1;
	rc = store_put_run_jv(db, run_dir, run, cause);
	jv_free(run);
	return rc;
}

/* The job part (machine, attempt, results) is in store-job.c. */
int
store_put_job_jb(struct db *db, const char *run_dir, const struct jv *run,
    const struct jv *jb, size_t *nresults, char **cause)
{
	int64_t id, rev;

	if (nresults != NULL)
		*nresults = 0;
	if (db_begin(db, cause) == -1)
		return -1;
	if ((id = put_run_row(db, run, run_dir, cause)) == -1 ||
	    (rev = run_rev_of(db, id, cause)) == -1 ||
	    (rev = job_revision(db, run, jb, rev, cause)) == -1 ||
	    store_job_write(db, run_dir, jb, id, rev, nresults, cause) == -1 ||
	    db_commit(db, cause) == -1) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

int
store_put_job_n(struct db *db, const char *run_dir, const char *job_id,
    size_t *nresults, char **cause)
{
	struct jv *run = store_load_run(run_dir, cause);
	const struct jv *jb;
	int rc = -1;

	if (nresults != NULL)
		*nresults = 0;
	if (run == NULL)
		return -1;
	if ((jb = store_run_job(run, job_id, 0)) == NULL)
		set_cause(cause, "%s/run.json: no job '%s'", run_dir, job_id);
	else
		rc = store_put_job_jb(db, run_dir, run, jb, nresults, cause);
	jv_free(run);
	return rc;
}
