/*
 * test-store-put.c - a run directory written into a SQLite store by
 * store_import_run_n: BenchExec rows keyed by run definition, tasks set
 * and task (never the "RUNDEF:" prefix), counts as "count:" rows, pyperf
 * rows, the machine identity from env.json (memory rounded to GiB), the
 * attempt from results.json and the status file; importing again
 * changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/util.h"
#include "store/store.h"
#include "test.h"

static char dir[] = "/tmp/test-store-put-XXXXXX";

static void
put(const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel), *cause = NULL;

	if (write_file_atomic(path, text, strlen(text), &cause) == -1)
		printf("# %s\n", cause);
	free(cause);
	free(path);
}

static int
rm_dir(void)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int r = system(cmd);

	free(cmd);
	return r;
}

/* The first column of the first row of sql, as an integer (-1: none). */
static long long
q(struct db *db, const char *sql)
{
	char *cause = NULL;
	struct db_stmt *st = db_prepare(db, sql, &cause);
	long long v = -1;

	if (st == NULL) {
		printf("# %s\n", cause);
		free(cause);
		return -1;
	}
	if (db_step(st, &cause) == 1)
		v = db_column_int64(st, 0);
	db_finalize(st);
	free(cause);
	return v;
}

static void
check_q(struct db *db, const char *sql, long long want, const char *what)
{
	long long got = q(db, sql);

	ASSERT_INT_EQ(got, want, what);
}

static void
make_run(void)
{
	const char *top = getenv("TOP") != NULL ? getenv("TOP") : ".";
	char *cmd;

	TEST_OK(mkdtemp(dir) != NULL, "a temporary run directory");
	cmd = xasprintf("mkdir -p %s/run/jobs/bx %s/run/jobs/py && "
	    "cp %s/tests/data/metrics/svcomp.* %s/run/jobs/bx/ && "
	    "cp %s/tests/data/metrics/pyperf-single.json %s/run/jobs/py/",
	    dir, dir, top, dir, top, dir);
	TEST_OK(system(cmd) == 0, "the run's files");
	free(cmd);
	put("run/run.json", "{\"run_id\": \"20261203T100000Z-ann-t\", "
	    "\"name\": \"t\", \"user\": \"ann\", \"master\": \"m0\", "
	    "\"kind\": \"benchexec\", \"start\": \"2026-12-03T10:00:00Z\", "
	    "\"end\": \"2026-12-03T10:05:00Z\", \"state\": \"finished\", "
	    "\"exit\": 0, \"revision\": {\"project\": \"p\", \"commit\": "
	    "\"c0ffee\", \"branch\": \"main\"}, \"jobs\": ["
	    "{\"id\": \"bx\", \"name\": \"bx\", \"status\": \"ok\", "
	    "\"attempts\": 1, \"machine\": \"w1\"}, "
	    "{\"id\": \"py\", \"name\": \"py\", \"status\": \"ok\", "
	    "\"revision\": \"beef\", \"attempts\": 2, \"machine\": \"w1\"}, "
	    "{\"id\": \"never\", \"name\": \"never\", \"status\": \"failed\"}]}");
	put("run/jobs/bx/results.json", "{\"status\": \"success\", "
	    "\"exit_code\": 0, \"reason\": null, \"machine\": \"w1\", "
	    "\"attempt\": 1, \"start\": \"2026-12-03T10:00:01Z\", "
	    "\"end\": \"2026-12-03T10:00:03Z\", \"duration\": 1.5}");
	put("run/jobs/bx/status", "state=running\nslot=3\n"
	    "start=1796299201.25\nstate=done\nend=1796299202.75\nexit=0\n");
	put("run/jobs/bx/env.json", "{\"hostname\": \"vm\", \"arch\": "
	    "\"x86_64\", \"cpu_model\": \"Xeon\", \"cores\": 2, "
	    "\"memory_total_kb\": 24683664, \"kernel\": \"Linux 6.1\", "
	    "\"os\": \"Debian 12\", \"load_before\": 0.5, \"isolation\": "
	    "{\"mode\": \"strict\", \"applied\": {\"cpus\": \"1\"}}}");
	put("run/jobs/py/results.json", "{\"status\": \"success\", "
	    "\"exit_code\": 0, \"machine\": \"w1\", \"attempt\": 2}");
	put("run/jobs/py/env.json", "{\"hostname\": \"vm\", \"arch\": "
	    "\"x86_64\", \"cpu_model\": \"Xeon\", \"cores\": 2, "
	    "\"memory_total_kb\": 24683664, \"kernel\": \"Linux 6.2\"}");
}

static int nfail;

static void
on_fail(void *arg, const char *cause)
{
	(void)arg;
	(void)cause;
	nfail++;
}

/* The run's writer: a good store gets every job; a bad one fails once. */
static void
test_writer(const char *run)
{
	char url[256], *cause = NULL;
	struct store_writer *w;
	struct db *db;

	snprintf(url, sizeof url, "sqlite:%s/w.db", dir);
	w = store_writer_start(url, run, on_fail, NULL);
	store_writer_run(w);
	store_writer_job(w, "py", 1);
	store_writer_job(w, "bx", 0);	/* a wrong hint: found anyway */
	store_writer_run(w);
	ASSERT_INT_EQ(store_writer_finish(w, 30, &cause), 0, "writer: done");
	ASSERT_INT_EQ(nfail, 0, "writer: no failure");
	if (store_open(url, &db, &cause) == 0) {
		check_q(db, "SELECT COUNT(*) FROM attempts", 2,
		    "writer: both jobs written");
		db_close(db);
	}
	w = store_writer_start("sqlite:/nonexistent-dir/x.db", run, on_fail,
	    NULL);
	store_writer_run(w);
	store_writer_job(w, "py", 1);
	store_writer_job(w, "bx", 0);
	ASSERT_INT_EQ(store_writer_finish(w, 30, &cause), -1,
	    "writer: an unwritable store fails");
	ASSERT_CONTAINS(cause, "no directory '/nonexistent-dir'", "saying why");
	ASSERT_INT_EQ(nfail, 1, "writer: said once");
	free(cause);
}

int
main(void)
{
	char url[256], *run, *cause = NULL;
	struct db *db = NULL;
	size_t jobs = 0, results = 0, results2 = 0;
	long long total;

	log_set_level(LOG_ERROR);
	make_run();
	snprintf(url, sizeof url, "sqlite:%s/s.db", dir);
	run = xasprintf("%s/run", dir);
	if (store_open(url, &db, &cause) == -1) {
		printf("# %s\n", cause);
		TEST_OK(0, "the store opens");
		return test_done();
	}
	ASSERT_INT_EQ(store_import_run_n(db, run, &jobs, &results, &cause), 0,
	    "the run is imported");
	ASSERT_INT_EQ(jobs, 2, "the 2 jobs with a result");
	TEST_OK(results > 10, "their result rows");
	total = q(db, "SELECT COUNT(*) FROM results");
	ASSERT_INT_EQ(total, (long long)results, "as many rows as said");
	ASSERT_INT_EQ(store_import_run_n(db, run, &jobs, &results2, &cause),
	    0, "imported again");
	check_q(db, "SELECT COUNT(*) FROM results", total,
	    "nothing duplicated");
	check_q(db, "SELECT COUNT(*) FROM jobs", 3,
	    "every job of run.json has a row");
	check_q(db, "SELECT COUNT(*) FROM attempts", 2,
	    "an attempt per collected job");
	check_q(db, "SELECT COUNT(*) FROM results WHERE "
	    "rundefinition = 'SV-COMP26_unreach-call' AND "
	    "tasks_set = 'ReachSafety-Loops' AND task != '' AND "
	    "benchmark = task AND metric = 'cputime'", 5,
	    "BenchExec: the tasks set's 5 runs keyed by (rundef, tasks set, task)");
	check_q(db, "SELECT COUNT(*) FROM results WHERE "
	    "rundefinition = 'SV-COMP26_no-overflow' AND metric = 'walltime'",
	    1, "the other run definition's own row");
	check_q(db, "SELECT COUNT(*) FROM results WHERE "
	    "benchmark LIKE 'SV-COMP26%'", 0,
	    "no run definition prefix in benchmark names");
	check_q(db, "SELECT COUNT(*) FROM results WHERE "
	    "benchmark = '' AND task = '' AND metric = 'count:tasks'", 1,
	    "the job's counts as count: rows");
	check_q(db, "SELECT COUNT(*) FROM results r JOIN attempts a "
	    "ON r.attempt = a.id JOIN jobs j ON a.job = j.id WHERE "
	    "j.job_id = 'py' AND r.lower_is_better = 1 AND r.n > 0 AND "
	    "length(r.samples) = 8 * r.n", q(db, "SELECT COUNT(*) FROM "
	    "results r JOIN attempts a ON r.attempt = a.id JOIN jobs j ON "
	    "a.job = j.id WHERE j.job_id = 'py'"), "pyperf rows, samples n doubles");
	TEST_OK(q(db, "SELECT COUNT(*) FROM results r JOIN attempts a ON "
	    "r.attempt = a.id WHERE a.attempt = 2") > 0, "pyperf rows exist");
	check_q(db, "SELECT COUNT(*) FROM machines", 1,
	    "one machine identity (a kernel change is an annotation)");
	check_q(db, "SELECT memory_gib FROM machines", 24,
	    "memory rounded to GiB");
	check_q(db, "SELECT slot FROM attempts WHERE attempt = 1", 3,
	    "the slot from the status file");
	check_q(db, "SELECT start_ns FROM attempts WHERE attempt = 1",
	    1796299201250000000LL, "the start to the nanosecond");
	check_q(db, "SELECT duration_ns FROM attempts WHERE "
	    "attempt = 1", 1500000000LL, "results.json's duration");
	check_q(db, "SELECT COUNT(*) FROM attempts WHERE "
	    "isolation = 'strict cpus=1' AND kernel = 'Linux 6.1'", 1,
	    "kernel and isolation as annotations");
	check_q(db, "SELECT COUNT(*) FROM revisions", 2,
	    "the run's revision and the job's");
	check_q(db, "SELECT COUNT(*) FROM jobs j JOIN revisions v ON "
	    "j.revision = v.id WHERE j.job_id = 'py' AND v.commit_id = 'beef' "
	    "AND v.project = 'p'", 1, "a job's own revision, in the run's project");
	check_q(db, "SELECT COUNT(*) FROM results r JOIN revisions v "
	    "ON r.revision = v.id WHERE v.commit_id = 'c0ffee'",
	    q(db, "SELECT COUNT(*) FROM results r JOIN attempts a ON "
	    "r.attempt = a.id JOIN jobs j ON a.job = j.id WHERE j.job_id = 'bx'"),
	    "results carry their job's revision");
	check_q(db, "SELECT end_ns - start_ns FROM runs",
	    300000000000LL, "the run's times in ns");
	ASSERT_INT_EQ(store_find_run(db, "t", &cause), 1, "a run by name");
	ASSERT_INT_EQ(store_find_run(db, "run:20261203T100000Z-ann-t",
	    &cause), 1, "a run by run id");
	ASSERT_INT_EQ(store_find_run(db, "1", &cause), 1, "a run by store id");
	ASSERT_INT_EQ(store_find_run(db, "nope", &cause), -1, "no such run");
	ASSERT_CONTAINS(cause, "no run 'nope'", "said so");
	free(cause);
	cause = NULL;
	ASSERT_INT_EQ(store_import_run_n(db, dir, &jobs, &results, &cause),
	    -1, "not a run directory");
	ASSERT_CONTAINS(cause, "no run.json", "said so");
	free(cause);
	db_close(db);
	test_writer(run);
	free(run);
	TEST_OK(rm_dir() == 0, "cleaned up");
	return test_done();
}
