/*
 * store-job.c - one collected job into the store (inside the caller's
 * transaction): its attempt from results.json and the status file, the
 * machine identity (hostname, arch, CPU model, cores, memory in GiB) and
 * the annotations (kernel, OS, isolation, load) from env.json, and every
 * metric row read by results/ (metrics_scan_dir, as metrics.json has
 * them).  The job's earlier results are deleted first: writing a job
 * again never duplicates a row.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "results/results.h"
#include "store/store-internal.h"
#include "store/store.h"

/* What a job directory says about its attempt. */
struct attempt_info {
	const char	*machine_name;
	const char	*status;	/* "success", "failed", NULL */
	const char	*reason;
	int64_t		 attempt;
	int64_t		 exit_code;	/* -1: none */
	int64_t		 slot;		/* -1: none */
	int64_t		 start, end, duration;	/* ns, -1: none */
};

/* The status file's last slot=, start= and end= (epoch seconds). */
static void
read_status(const char *dir, struct attempt_info *a)
{
	char *path = xasprintf("%s/status", dir), *data = NULL, *line, *save;
	size_t len;
	long long v;
	int64_t ns;

	if (read_file_max(path, 1 << 16, &data, &len, NULL) == -1) {
		free(path);
		return;
	}
	for (line = strtok_r(data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "slot=", 5) == 0 &&
		    parse_ll(line + 5, 0, 1 << 20, &v) == 0)
			a->slot = v;
		else if (strncmp(line, "start=", 6) == 0 &&
		    parse_epoch_ns(line + 6, &ns) == 0)
			a->start = ns;
		else if (strncmp(line, "end=", 4) == 0 &&
		    parse_epoch_ns(line + 4, &ns) == 0)
			a->end = ns;
	}
	free(data);
	free(path);
}

static void
attempt_from(struct attempt_info *a, const struct jv *res,
    const struct jv *jb)
{
	double d;

	memset(a, 0, sizeof *a);
	a->attempt = 1;
	a->exit_code = a->slot = a->start = a->end = a->duration = -1;
	if (jv_num(jv_get(jb, "attempts"), &d) == 0 && d >= 1)
		a->attempt = (int64_t)d;
	a->machine_name = jv_str(jv_get(jb, "machine"));
	if (jv_num(jv_get(jb, "exit_code"), &d) == 0)
		a->exit_code = (int64_t)d;
	a->reason = jv_str(jv_get(jb, "reason"));
	a->start = store_utc_ns(jv_str(jv_get(jb, "start")));
	a->end = store_utc_ns(jv_str(jv_get(jb, "end")));
	if (strcmp(jv_str(jv_get(jb, "status")) != NULL ?
	    jv_str(jv_get(jb, "status")) : "", "ok") == 0)
		a->status = "success";
	else if (jv_str(jv_get(jb, "status")) != NULL &&
	    strcmp(jv_str(jv_get(jb, "status")), "failed") == 0)
		a->status = "failed";
	if (res == NULL)
		return;
	/* results.json is written when the job is collected: it wins */
	if (jv_num(jv_get(res, "attempt"), &d) == 0 && d >= 1)
		a->attempt = (int64_t)d;
	if (jv_str(jv_get(res, "machine")) != NULL)
		a->machine_name = jv_str(jv_get(res, "machine"));
	if (jv_str(jv_get(res, "status")) != NULL)
		a->status = jv_str(jv_get(res, "status"));
	if (jv_num(jv_get(res, "exit_code"), &d) == 0)
		a->exit_code = (int64_t)d;
	a->reason = jv_str(jv_get(res, "reason"));
	if (store_utc_ns(jv_str(jv_get(res, "start"))) >= 0)
		a->start = store_utc_ns(jv_str(jv_get(res, "start")));
	if (store_utc_ns(jv_str(jv_get(res, "end"))) >= 0)
		a->end = store_utc_ns(jv_str(jv_get(res, "end")));
	if (jv_num(jv_get(res, "duration"), &d) == 0 && d >= 0)
		a->duration = (int64_t)llround(d * 1e9);
}

/* --- machine ----------------------------------------------------------- */

struct machine_arg {
	const char	*hostname, *arch, *cpu_model;
	int64_t		 cores, memory_gib;
};

static void
bind_machine(struct db_stmt *st, const struct machine_arg *m)
{
	db_bind_text(st, 1, m->hostname);
	db_bind_text(st, 2, m->arch != NULL ? m->arch : "");
	db_bind_text(st, 3, m->cpu_model != NULL ? m->cpu_model : "");
	db_bind_int64(st, 4, m->cores);
	db_bind_int64(st, 5, m->memory_gib);
}

/* The machine identity's id: env.json's, else the machine's name alone;
 * 0 when neither is known. */
static int64_t
put_machine(struct db *db, const struct jv *env, const char *name,
    char **cause)
{
	struct machine_arg m = { NULL, NULL, NULL, 0, 0 };
	struct db_stmt *st;
	int64_t id;
	double d;

	m.hostname = jv_str(jv_get(env, "hostname"));
	if (m.hostname == NULL)
		m.hostname = name;
	if (m.hostname == NULL)
		return 0;
	m.arch = jv_str(jv_get(env, "arch"));
	m.cpu_model = jv_str(jv_get(env, "cpu_model"));
	if (jv_num(jv_get(env, "cores"), &d) == 0 && d >= 0 && d < 1e9)
		m.cores = (int64_t)d;
	if (jv_num(jv_get(env, "memory_total_kb"), &d) == 0 && d >= 0 &&
	    d < 1e15)
		m.memory_gib = (int64_t)llround(d / (1024.0 * 1024.0));
	/* a no-op update, so that RETURNING gives the existing row too */
	st = db_prepare(db, "INSERT INTO machines (hostname, arch, cpu_model, "
	    "cores, memory_gib) VALUES (?, ?, ?, ?, ?) ON CONFLICT "
	    "(hostname, arch, cpu_model, cores, memory_gib) DO UPDATE SET "
	    "hostname = excluded.hostname RETURNING id", cause);
	if (st == NULL)
		return -1;
	bind_machine(st, &m);
	id = db_query_id(st, cause);
	db_finalize(st);
	return id;
}

/* env.json's isolation as one line: "strict cpus=1 aslr=0 (not applied:
 * 1)", NULL when none. */
static char *
isolation_text(const struct jv *env)
{
	const struct jv *iso = jv_get(env, "isolation"), *ap, *na;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (!jv_is(iso, JV_OBJECT))
		return NULL;
	sb_adds(&sb, jv_str(jv_get(iso, "mode")) != NULL ?
	    jv_str(jv_get(iso, "mode")) : "-");
	ap = jv_get(iso, "applied");
	for (i = 0; jv_is(ap, JV_OBJECT) && i < ap->n; i++)
		if (jv_str(&ap->v[i]) != NULL)
			sb_addf(&sb, " %s=%s", ap->k[i], jv_str(&ap->v[i]));
	na = jv_get(iso, "not_applied");
	if (jv_is(na, JV_ARRAY) && na->n > 0)
		sb_addf(&sb, " (not applied: %zu)", na->n);
	return sb_detach(&sb);
}

/* --- attempt ----------------------------------------------------------- */

struct attempt_arg {
	int64_t				 job, machine;
	const struct attempt_info	*a;
	const struct jv			*env;
	const char			*isolation;
};

static void
bind_attempt(struct db_stmt *st, const struct attempt_arg *x)
{
	const struct attempt_info *a = x->a;
	double d;
	int64_t dur = a->duration;

	if (dur < 0 && a->start >= 0 && a->end >= a->start)
		dur = a->end - a->start;
	db_bind_int64(st, 1, x->job);
	db_bind_int64(st, 2, a->attempt);
	db_bind_text(st, 3, a->machine_name);
	db_bind_opt_int64(st, 4, x->machine > 0 ? x->machine : -1);
	db_bind_opt_int64(st, 5, a->slot);
	db_bind_text(st, 6, a->status);
	db_bind_opt_int64(st, 7, a->exit_code);
	db_bind_text(st, 8, a->reason);
	db_bind_opt_int64(st, 9, a->start);
	db_bind_opt_int64(st, 10, a->end);
	db_bind_opt_int64(st, 11, dur);
	db_bind_text(st, 12, jv_str(jv_get(x->env, "kernel")));
	db_bind_text(st, 13, jv_str(jv_get(x->env, "os")));
	db_bind_text(st, 14, x->isolation);
	if (jv_num(jv_get(x->env, "load_before"), &d) == 0)
		db_bind_double(st, 15, d);
	else
		db_bind_null(st, 15);
	if (jv_num(jv_get(x->env, "idle_load"), &d) == 0)
		db_bind_double(st, 16, d);
	else
		db_bind_null(st, 16);
}

static int64_t
put_attempt(struct db *db, const struct attempt_arg *x, char **cause)
{
	struct db_stmt *st;
	int64_t id;

	st = db_prepare(db, "INSERT INTO attempts (job, attempt, "
	    "machine_name, machine, slot, status, exit_code, reason, start_ns, "
	    "end_ns, duration_ns, kernel, os, isolation, load_before, "
	    "idle_load) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (job, attempt) DO UPDATE SET "
	    "machine_name = excluded.machine_name, machine = excluded.machine, "
	    "slot = excluded.slot, status = excluded.status, "
	    "exit_code = excluded.exit_code, reason = excluded.reason, "
	    "start_ns = excluded.start_ns, end_ns = excluded.end_ns, "
	    "duration_ns = excluded.duration_ns, kernel = excluded.kernel, "
	    "os = excluded.os, isolation = excluded.isolation, "
	    "load_before = excluded.load_before, "
	    "idle_load = excluded.idle_load RETURNING id", cause);
	if (st == NULL)
		return -1;
	bind_attempt(st, x);
	id = db_query_id(st, cause);
	db_finalize(st);
	return id;
}

/* --- results ----------------------------------------------------------- */

struct result_ids {
	int64_t	attempt, run, machine, revision;
};

/* n doubles as little-endian IEEE-754 bytes. */
static unsigned char *
samples_blob(const double *v, size_t n)
{
	unsigned char *b = xmalloc(n * 8 + 1);
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		uint64_t u;

		memcpy(&u, &v[i], 8);
		for (k = 0; k < 8; k++)
			b[i * 8 + (size_t)k] = (unsigned char)(u >> (8 * k));
	}
	return b;
}

static void
bind_double_or_null(struct db_stmt *st, int i, double v)
{
	if (isfinite(v))
		db_bind_double(st, i, v);
	else
		db_bind_null(st, i);
}

struct result_arg {
	const char	*benchmark, *metric, *unit, *trend;
	const char	*rundef, *tasks_set, *task;
	const double	*v;
	size_t		 n;
};

static int
insert_result(struct db_stmt *st, const struct result_ids *ids,
    const struct result_arg *r, char **cause)
{
	unsigned char *blob = samples_blob(r->v, r->n);
	double lo = INFINITY, hi = -INFINITY;
	size_t i;
	int rc;

	for (i = 0; i < r->n; i++) {
		lo = fmin(lo, r->v[i]);
		hi = fmax(hi, r->v[i]);
	}
	db_bind_int64(st, 1, ids->attempt);
	db_bind_int64(st, 2, ids->run);
	db_bind_opt_int64(st, 3, ids->machine > 0 ? ids->machine : -1);
	db_bind_opt_int64(st, 4, ids->revision > 0 ? ids->revision : -1);
	db_bind_text(st, 5, r->benchmark);
	db_bind_text(st, 6, r->metric);
	db_bind_text(st, 7, r->unit);
	if (r->trend == NULL)
		db_bind_null(st, 8);
	else
		db_bind_int64(st, 8, strcmp(r->trend, TREND_LOWER) == 0);
	db_bind_text(st, 9, r->rundef != NULL ? r->rundef : "");
	db_bind_text(st, 10, r->tasks_set != NULL ? r->tasks_set : "");
	db_bind_text(st, 11, r->task != NULL ? r->task : "");
	db_bind_int64(st, 12, (int64_t)r->n);
	bind_double_or_null(st, 13, stats_mean(r->v, r->n));
	bind_double_or_null(st, 14, stats_variance(r->v, r->n) >= 0 ?
	    sqrt(stats_variance(r->v, r->n)) : NAN);
	bind_double_or_null(st, 15, lo);
	bind_double_or_null(st, 16, hi);
	db_bind_blob(st, 17, blob, r->n * 8);
	rc = db_step(st, cause);
	db_reset(st);
	free(blob);
	return rc == -1 ? -1 : 0;
}

/* The BenchExec counts of a job as rows "count:CATEGORY" (and the
 * totals "total:cputime", "total:walltime"), benchmark and task ''. */
static int
insert_counts(struct db_stmt *st, const struct result_ids *ids,
    const struct metric_counts *c, size_t *n, char **cause)
{
	const struct { const char *metric, *unit; double v; } rows[] = {
		{ "count:tasks", NULL, (double)c->tasks },
		{ "count:correct", NULL, (double)c->correct },
		{ "count:correct_unconfirmed", NULL,
		    (double)c->correct_unconfirmed },
		{ "count:wrong", NULL, (double)c->wrong },
		{ "count:unknown", NULL, (double)c->unknown },
		{ "count:error", NULL, (double)c->error },
		{ "count:missing", NULL, (double)c->missing },
		{ "total:cputime", "s", c->cputime },
		{ "total:walltime", "s", c->walltime },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct result_arg r = { "", rows[i].metric, rows[i].unit, NULL,
		    c->rundef, c->tasks_set, "", &rows[i].v, 1 };

		if (insert_result(st, ids, &r, cause) == -1)
			return -1;
		(*n)++;
	}
	return 0;
}

static int
put_results(struct db *db, const struct result_ids *ids,
    const struct metric_table *t, size_t *n, char **cause)
{
	struct db_stmt *st;
	size_t i;
	int rc = 0;

	st = db_prepare(db, "INSERT INTO results (attempt, run, machine, "
	    "revision, benchmark, metric, unit, lower_is_better, "
	    "rundefinition, tasks_set, task, n, mean, stdev, min, max, "
	    "samples) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?)", cause);
	if (st == NULL)
		return -1;
	for (i = 0; i < t->nrows && rc == 0; i++) {
		const struct metric_row *m = &t->rows[i];
		struct result_arg r = { m->task != NULL ? m->task :
		    m->benchmark, m->metric, m->unit, m->trend, m->rundef,
		    m->tasks_set, m->task, m->values, m->nvalues };

		rc = insert_result(st, ids, &r, cause);
		if (rc == 0)
			(*n)++;
	}
	for (i = 0; i < t->ncounts && rc == 0; i++)
		rc = insert_counts(st, ids, &t->counts[i], n, cause);
	db_finalize(st);
	return rc;
}

static int
delete_job_results(struct db *db, int64_t job, char **cause)
{
	struct db_stmt *st = db_prepare(db, "DELETE FROM results WHERE "
	    "attempt IN (SELECT id FROM attempts WHERE job = ?)", cause);
	int r;

	if (st == NULL)
		return -1;
	db_bind_int64(st, 1, job);
	r = db_step(st, cause);
	db_finalize(st);
	return r == -1 ? -1 : 0;
}

/* The job row, with its BenchExec run definition and tasks set. */
static int64_t
put_job(struct db *db, const struct jv *jb, int64_t run_id, int64_t rev,
    const struct attempt_info *a, const struct metric_table *t,
    char **cause)
{
	struct store_job_row j;

	memset(&j, 0, sizeof j);
	j.run = run_id;
	j.revision = rev;
	j.id = jv_str(jv_get(jb, "id"));
	j.name = jv_str(jv_get(jb, "name"));
	j.status = a->status == NULL ? jv_str(jv_get(jb, "status")) :
	    strcmp(a->status, "success") == 0 ? "ok" : "failed";
	if (t->ncounts > 0) {
		j.rundef = t->counts[0].rundef;
		j.tasks_set = t->counts[0].tasks_set;
	}
	return store_put_job_row(db, &j, cause);
}

static int
write_job(struct db *db, const char *dir, const struct jv *jb, int64_t run_id,
    int64_t rev, const struct jv *res, const struct jv *env, size_t *n,
    char **cause)
{
	struct metric_table t;
	struct attempt_info a;
	struct attempt_arg x;
	struct result_ids ids = { 0, run_id, 0, rev };
	int rc = -1;

	attempt_from(&a, res, jb);
	read_status(dir, &a);
	metrics_init(&t);
	if (res != NULL)
		metrics_scan_dir(&t, dir, jv_str(jv_get(jb, "id")),
		    a.machine_name);
	memset(&x, 0, sizeof x);
	x.a = &a;
	x.env = env;
	x.isolation = isolation_text(env);
	if ((x.job = put_job(db, jb, run_id, rev, &a, &t, cause)) == -1 ||
	    (x.machine = put_machine(db, env, a.machine_name, cause)) == -1 ||
	    (ids.attempt = put_attempt(db, &x, cause)) == -1 ||
	    delete_job_results(db, x.job, cause) == -1)
		goto out;
	ids.machine = x.machine;
	rc = put_results(db, &ids, &t, n, cause);
out:
	free((char *)x.isolation);
	metrics_free(&t);
	return rc;
}

int
store_job_write(struct db *db, const char *run_dir, const struct jv *jb,
    int64_t run_id, int64_t revision, size_t *nresults, char **cause)
{
	const char *id = jv_str(jv_get(jb, "id"));
	char *dir, *path;
	struct jv *res = NULL, *env = NULL;
	size_t n = 0;
	int rc = -1;

	if (id == NULL || !safe_name(id))
		return set_cause(cause, "%s/run.json: a job without a usable "
		    "id", run_dir);
	dir = xasprintf("%s/jobs/%s", run_dir, id);
	path = xasprintf("%s/results.json", dir);
	*cause = NULL;
	res = store_read_json(path, cause);
	free(path);
	if (*cause != NULL)
		goto out;
	path = xasprintf("%s/env.json", dir);
	env = store_read_json(path, cause);
	free(path);
	if (*cause != NULL) {
		/* written on the worker: a bad one costs the annotations */
		verbose("%s", *cause);
		free(*cause);
		*cause = NULL;
	}
	rc = write_job(db, dir, jb, run_id, revision, res, env, &n, cause);
out:
	if (nresults != NULL)
		*nresults = n;
	jv_free(res);
	jv_free(env);
	free(dir);
	return rc;
}
