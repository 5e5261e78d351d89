/*
 * store-fill.c - fill a results store with made-up runs, through db.h
 * (so for SQLite and PostgreSQL alike): for tests of history and compare
 * and for tests/perf/history-scale.sh.
 *
 *	store-fill URL RUNS BENCHMARKS SAMPLES [MACHINES]
 *
 * Run r (1..RUNS) is "fill-r" of name "fill", revision "rev-r" (project
 * "fill", commit date r days after 2026-01-01), one job per machine
 * "job-m" on machine "fill-m" (m = 1..MACHINES, default 1).  Benchmark b
 * ("bench-b", b = 1..BENCHMARKS, metric "time", unit "second") has
 * SAMPLES samples there: sample k (0..SAMPLES-1) is
 *	b * (1 + r / 100) * m + (k - (SAMPLES - 1) / 2) / 1000
 * so its mean is b * (1 + r / 100) * m.  Runs 1..RUNS/2 ran on kernel
 * "6.1.0-1", the others on "6.1.0-2".  One transaction per run.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "store/store.h"

#define DAY_NS	(INT64_C(86400) * NS_PER_SEC)
#define T0_NS	(INT64_C(1767225600) * NS_PER_SEC)	/* 2026-01-01Z */

struct fill {
	struct db	*db;
	struct db_stmt	*machine, *rev, *run, *job, *attempt, *result;
	long		 nruns, nbench, nsamples, nmachines;
	unsigned char	*blob;
};

static void
die(const char *what, char *cause)
{
	fprintf(stderr, "store-fill: %s: %s\n", what,
	    cause != NULL ? cause : "?");
	exit(1);
}

static struct db_stmt *
prep(struct fill *f, const char *sql)
{
	char *cause = NULL;
	struct db_stmt *st = db_prepare(f->db, sql, &cause);

	if (st == NULL)
		die(sql, cause);
	return st;
}

static int64_t
id_of(struct db_stmt *st, const char *what)
{
	char *cause = NULL;
	int64_t id = db_query_id(st, &cause);

	if (id < 0)
		die(what, cause);
	return id;
}

static void
put_le(unsigned char *p, double v)
{
	uint64_t u;
	int k;

	memcpy(&u, &v, sizeof u);
	for (k = 0; k < 8; k++)
		p[k] = (unsigned char)(u >> (8 * k));
}

static void
fill_results(struct fill *f, int64_t attempt, int64_t run, int64_t machine,
    int64_t rev, long r, long m)
{
	char name[32], *cause = NULL;
	long b, k;
	double mean;

	for (b = 1; b <= f->nbench; b++) {
		mean = (double)b * (1 + (double)r / 100) * (double)m;
		for (k = 0; k < f->nsamples; k++)
			put_le(f->blob + 8 * k, mean +
			    ((double)k - (double)(f->nsamples - 1) / 2) / 1000);
		snprintf(name, sizeof name, "bench-%ld", b);
		db_bind_int64(f->result, 1, attempt);
		db_bind_int64(f->result, 2, run);
		db_bind_int64(f->result, 3, machine);
		db_bind_int64(f->result, 4, rev);
		db_bind_text(f->result, 5, name);
		db_bind_int64(f->result, 6, f->nsamples);
		db_bind_double(f->result, 7, mean);
		db_bind_blob(f->result, 8, f->blob, 8 * (size_t)f->nsamples);
		if (db_step(f->result, &cause) == -1)
			die("result", cause);
		db_reset(f->result);
	}
}

static void
fill_run(struct fill *f, long r, const int64_t *machines)
{
	char buf[64], *cause = NULL;
	int64_t rev, run, job, att, start = T0_NS + r * DAY_NS;
	long m;

	if (db_begin(f->db, &cause) == -1)
		die("begin", cause);
	snprintf(buf, sizeof buf, "rev-%ld", r);
	db_bind_text(f->rev, 1, buf);
	db_bind_int64(f->rev, 2, start);
	rev = id_of(f->rev, "revision");
	snprintf(buf, sizeof buf, "fill-%ld", r);
	db_bind_text(f->run, 1, buf);
	db_bind_int64(f->run, 2, rev);
	db_bind_int64(f->run, 3, start);
	db_bind_int64(f->run, 4, start + 3600 * NS_PER_SEC);
	run = id_of(f->run, "run");
	for (m = 1; m <= f->nmachines; m++) {
		snprintf(buf, sizeof buf, "job-%ld", m);
		db_bind_int64(f->job, 1, run);
		db_bind_text(f->job, 2, buf);
		db_bind_int64(f->job, 3, rev);
		job = id_of(f->job, "job");
		snprintf(buf, sizeof buf, "fill-%ld", m);
		db_bind_int64(f->attempt, 1, job);
		db_bind_text(f->attempt, 2, buf);
		db_bind_int64(f->attempt, 3, machines[m - 1]);
		db_bind_int64(f->attempt, 4, start);
		db_bind_int64(f->attempt, 5, start + 60 * NS_PER_SEC * m);
		db_bind_int64(f->attempt, 6, 60 * NS_PER_SEC * m);
		db_bind_text(f->attempt, 7, r * 2 <= f->nruns ? "6.1.0-1" :
		    "6.1.0-2");
		att = id_of(f->attempt, "attempt");
		fill_results(f, att, run, machines[m - 1], rev, r, m);
	}
	if (db_commit(f->db, &cause) == -1)
		die("commit", cause);
}

int
main(int argc, char **argv)
{
	struct fill f;
	char *cause = NULL, buf[32];
	long runs, r, m;
	int64_t *machines;

	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: store-fill URL RUNS BENCHMARKS SAMPLES "
		    "[MACHINES]\n");
		return 2;
	}
	memset(&f, 0, sizeof f);
	runs = f.nruns = atol(argv[2]);
	f.nbench = atol(argv[3]);
	f.nsamples = atol(argv[4]);
	f.nmachines = argc == 6 ? atol(argv[5]) : 1;
	if (runs < 1 || f.nbench < 1 || f.nsamples < 1 || f.nmachines < 1)
		die("arguments", xstrdup("counts from 1"));
	if (store_open(argv[1], &f.db, &cause) == -1)
		die(argv[1], cause);
	f.blob = xcalloc((size_t)f.nsamples, 8);
	f.machine = prep(&f, "INSERT INTO machines (hostname, arch, cpu_model,"
	    " cores, memory_gib) VALUES (?, 'x86_64', 'Fill CPU', 8, 16)"
	    " ON CONFLICT (hostname, arch, cpu_model, cores, memory_gib)"
	    " DO UPDATE SET cores = excluded.cores RETURNING id");
	f.rev = prep(&f, "INSERT INTO revisions (project, commit_id,"
	    " commit_date) VALUES ('fill', ?, ?) ON CONFLICT (project,"
	    " commit_id) DO UPDATE SET commit_date = excluded.commit_date"
	    " RETURNING id");
	f.run = prep(&f, "INSERT INTO runs (master, run_id, name, user_name,"
	    " revision, start_ns, end_ns, state, exit_code) VALUES ('fillhost',"
	    " ?, 'fill', 'filler', ?, ?, ?, 'finished', 0) RETURNING id");
	f.job = prep(&f, "INSERT INTO jobs (run, job_id, status, revision)"
	    " VALUES (?, ?, 'ok', ?) RETURNING id");
	f.attempt = prep(&f, "INSERT INTO attempts (job, attempt, machine_name,"
	    " machine, status, exit_code, start_ns, end_ns, duration_ns,"
	    " kernel, os) VALUES (?, 1, ?, ?, 'ok', 0, ?, ?, ?, ?,"
	    " 'Debian GNU/Linux 12') RETURNING id");
	f.result = prep(&f, "INSERT INTO results (attempt, run, machine,"
	    " revision, benchmark, metric, unit, lower_is_better, n, mean,"
	    " samples) VALUES (?, ?, ?, ?, ?, 'time', 'second', 1, ?, ?, ?)");
	machines = xcalloc((size_t)f.nmachines, sizeof *machines);
	for (m = 1; m <= f.nmachines; m++) {
		snprintf(buf, sizeof buf, "fill-%ld", m);
		db_bind_text(f.machine, 1, buf);
		machines[m - 1] = id_of(f.machine, "machine");
	}
	for (r = 1; r <= runs; r++)
		fill_run(&f, r, machines);
	db_finalize(f.machine);
	db_finalize(f.rev);
	db_finalize(f.run);
	db_finalize(f.job);
	db_finalize(f.attempt);
	db_finalize(f.result);
	db_close(f.db);
	free(machines);
	free(f.blob);
	return 0;
}
