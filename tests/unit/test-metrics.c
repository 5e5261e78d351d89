/*
 * test-metrics.c - the result readers on fixtures in their real shapes
 * (tests/data/metrics/): pyperf .json.gz and single-benchmark files,
 * current-bench v1, v3 and concatenated output, BenchExec result XML
 * (.xml.bz2 and .xml, deduplicated, several run definitions, hostile
 * XML), directory scans, and metrics.json written and read back.
 */
#include <sys/stat.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "results/metrics.h"
#include "test.h"

#define DATA "tests/data/metrics/"
#define BX_LOOPS "svcomp.2026-11-23_09-05-13.results.SV-COMP26_unreach-call." \
	"ReachSafety-Loops.xml.bz2"
#define BX_RUNDEF "svcomp.2026-11-23_09-05-13.results.SV-COMP26_unreach-call.xml"
#define BX_OTHER "svcomp.2026-11-23_09-05-13.results.SV-COMP26_no-overflow.xml"
#define SUM01 "../sv-benchmarks/c/loops/sum01-1.yml"

static char tmpdir[] = "/tmp/test-metrics.XXXXXX";

static const struct metric_row *
row(const struct metric_table *t, const char *job, const char *bench,
    const char *metric)
{
	const struct metric_row *r = metrics_find(t, job, bench, metric);

	if (r == NULL)
		printf("#   no row (%s, %s, %s)\n", job, bench, metric);
	return r;
}

static int
values_are(const struct metric_row *r, const double *want, size_t n)
{
	size_t i;

	if (r == NULL || r->nvalues != n)
		return 0;
	for (i = 0; i < n; i++)
		if (r->values[i] != want[i])
			return 0;
	return 1;
}

static int
read_one(struct metric_table *t, const char *file, const char *job)
{
	char *cause = NULL;
	int rc = metrics_read_json_file(t, file, job, "m1", &cause);

	if (cause != NULL)
		printf("#   %s\n", cause);
	free(cause);
	return rc;
}

static void
test_pyperf(void)
{
	static const double nbody[] = {
		0.1231, 0.1229, 0.1240, 0.1235, 0.1233,
		0.1228, 0.1236, 0.1232, 0.1230, 0.1239,
		0.1234, 0.1237, 0.1226, 0.1231, 0.1238,
	};
	static const double timeit[] = {
		2.5e-06, 2.25e-06, 2.75e-06, 2.5e-06, 2.0e-06, 3.0e-06,
	};
	struct metric_table t;
	const struct metric_row *r;

	metrics_init(&t);
	ASSERT_INT_EQ(read_one(&t, DATA "pyperf-suite.json.gz", "py"), 0,
	    "pyperf .json.gz read");
	ASSERT_INT_EQ(t.nrows, 2, "pyperf: a row per benchmark");
	r = row(&t, "py", "nbody", "time");
	TEST_OK(values_are(r, nbody, ARRAY_SIZE(nbody)),
	    "pyperf: 3 runs x 5 values, without warmups and calibration");
	TEST_OK(r != NULL && strcmp(r->unit, "second") == 0 &&
	    strcmp(r->trend, TREND_LOWER) == 0 && strcmp(r->machine, "m1") == 0,
	    "pyperf: unit from the file's metadata, lower is better");
	r = row(&t, "py", "float", "time");
	TEST_OK(r != NULL && r->nvalues == 15 && r->values[0] == 0.0851 &&
	    r->values[14] == 0.0851 && r->values[6] == 0.0855,
	    "pyperf: second benchmark's values");
	ASSERT_INT_EQ(t.nhosts, 1, "pyperf: a host record");
	ASSERT_STR_EQ(t.hosts[0].cpu_model, "Intel(R) Xeon(R) E-2288G CPU @ 3.70GHz",
	    "pyperf: cpu_model_name");
	ASSERT_INT_EQ(t.hosts[0].cores, 8, "pyperf: cpu_count");
	ASSERT_STR_EQ(t.hosts[0].platform,
	    "Linux-6.1.0-13-amd64-x86_64-with-glibc2.36", "pyperf: platform");
	ASSERT_INT_EQ(t.warnings.n, 0, "pyperf: no warning");

	ASSERT_INT_EQ(read_one(&t, DATA "pyperf-single.json", "py2"), 0,
	    "pyperf single-benchmark file read");
	r = row(&t, "py2", "timeit", "time");
	TEST_OK(values_are(r, timeit, ARRAY_SIZE(timeit)),
	    "pyperf: name inherited from the top-level metadata");
	ASSERT_INT_EQ(t.hosts[1].cores, 4, "pyperf: second host's cores");
	metrics_free(&t);
}

static void
test_pyperf_odd(void)
{
	static const char *doc =
	    "{\"version\":\"1.0\",\"benchmarks\":[{\"runs\":[{\"values\":[1]}]},"
	    "{\"metadata\":{\"name\":\"alloc\",\"unit\":\"byte\"},\"runs\":"
	    "[{\"values\":[100,\"x\",200]}]},{\"metadata\":{\"name\":\"calib\"},"
	    "\"runs\":[{\"warmups\":[[1,2.0]]}]}]}";
	struct metric_table t;
	struct jv *v;
	char *cause = NULL;
	const struct metric_row *r;

	metrics_init(&t);
	v = jv_parse(doc, strlen(doc), "odd.json", &cause);
	ASSERT_INT_EQ(metrics_read_pyperf(&t, v, "odd.json", "j", NULL, &cause),
	    0, "pyperf with odd benchmarks read");
	r = row(&t, "j", "alloc", "memory");
	TEST_OK(r != NULL && r->nvalues == 2 && r->values[1] == 200 &&
	    strcmp(r->unit, "byte") == 0, "pyperf: bytes are a memory metric");
	ASSERT_INT_EQ(t.warnings.n, 2, "pyperf: 2 warnings");
	if (t.warnings.n == 2) {
		ASSERT_STR_EQ(t.warnings.v[0], "odd.json: benchmark 1 has no name",
		    "pyperf: nameless benchmark warned about");
		ASSERT_STR_EQ(t.warnings.v[1],
		    "odd.json: benchmark 'calib' has no values",
		    "pyperf: benchmark with calibration only warned about");
	}
	jv_free(v);
	v = jv_parse("{\"benchmarks\":[]}", 17, "e.json", &cause);
	TEST_OK(metrics_read_pyperf(&t, v, "e.json", "j", NULL, &cause) == -1,
	    "pyperf: no benchmark is an error");
	ASSERT_STR_EQ(cause, "e.json: no benchmark", "pyperf: its message");
	jv_free(v);
	free(cause);
	metrics_free(&t);
}

static void
test_currentbench(void)
{
	static const double replay[] = { 12.5, 12.25, 12.75 };
	static const double gc[] = { 62.5, 61.5 };
	static const double steps[] = { 10, 11, 12 };
	static const double fib[] = { 1.5, 1.25 };
	static const double other[] = { 2, 4 };
	struct metric_table t;
	const struct metric_row *r;

	metrics_init(&t);
	ASSERT_INT_EQ(read_one(&t, DATA "currentbench-v3.json", "cb"), 0,
	    "current-bench v3 read");
	ASSERT_INT_EQ(t.nrows, 6, "v3: a row per (result, metric)");
	r = row(&t, "cb", "irmin/replay", "time");
	TEST_OK(values_are(r, replay, 3) && strcmp(r->unit, "s") == 0 &&
	    strcmp(r->trend, TREND_LOWER) == 0, "v3: a list of values");
	r = row(&t, "cb", "irmin/replay", "throughput");
	TEST_OK(r != NULL && r->nvalues == 1 && r->values[0] == 8123.5 &&
	    strcmp(r->trend, TREND_HIGHER) == 0 &&
	    strcmp(r->unit, "commits/s") == 0, "v3: higher is better");
	r = row(&t, "cb", "irmin/replay", "gc/duration");
	TEST_OK(values_are(r, gc, 2) && r->unit != NULL &&
	    strcmp(r->unit, "s") == 0, "v3: \"1min2.5s\" strings in seconds");
	r = row(&t, "cb", "irmin/replay", "latency");
	TEST_OK(r != NULL && r->nvalues == 1 && r->values[0] == 0.75,
	    "v3: min/avg/max object gives avg");
	r = row(&t, "cb", "irmin/tree", "alloc");
	TEST_OK(r != NULL && r->values[0] == 45.5 && r->unit != NULL &&
	    strcmp(r->unit, "MB") == 0, "v3: unit taken from \"45.5MB\"");
	r = row(&t, "cb", "irmin/tree", "\xc3\xa9t\xc3\xa9 \xf0\x9f\x9a\x80");
	TEST_OK(r != NULL && r->unit == NULL && r->trend == NULL,
	    "v3: \\u-escaped metric name, empty units, no trend");

	ASSERT_INT_EQ(read_one(&t, DATA "currentbench-v1.json", "cb1"), 0,
	    "current-bench v1 read");
	r = row(&t, "cb1", "ocaml-parsing/parse-stdlib", "time");
	TEST_OK(r != NULL && r->values[0] == 3.25 && r->unit == NULL &&
	    r->trend == NULL, "v1: metrics as an object");
	r = row(&t, "cb1", "ocaml-parsing/parse-stdlib", "minor-words");
	TEST_OK(r != NULL && r->values[0] == 1500000 &&
	    strcmp(r->unit, "words") == 0, "v1: a value with a unit");
	TEST_OK(values_are(row(&t, "cb1", "ocaml-parsing/parse-stdlib",
	    "steps"), steps, 3), "v1: a list value");

	ASSERT_INT_EQ(read_one(&t, DATA "currentbench-concat.json", "cc"), 0,
	    "concatenated current-bench output read");
	TEST_OK(values_are(row(&t, "cc", "fib", "time"), fib, 2),
	    "concatenated: the same result's values merged");
	TEST_OK(values_are(row(&t, "cc", "other/fib", "time"), other, 2),
	    "concatenated: a named object prefixes its results");
	ASSERT_INT_EQ(t.warnings.n, 0, "current-bench: no warning");
	metrics_free(&t);
}

static void
test_currentbench_odd(void)
{
	static const char *doc =
	    "{\"results\":[{\"metrics\":[]},{\"name\":\"r\",\"metrics\":["
	    "{\"value\":1},{\"name\":\"a\",\"value\":true},{\"name\":\"b\","
	    "\"value\":{\"min\":1}},{\"name\":\"c\",\"value\":2,\"trend\":"
	    "\"sideways\"}]}]}";
	struct metric_table t;
	struct jv *all;
	char *cause = NULL;
	const struct metric_row *r;

	metrics_init(&t);
	all = jv_parse_multi(doc, strlen(doc), "o.json", &cause);
	ASSERT_INT_EQ(metrics_read_currentbench(&t, all, "o.json", "j", NULL,
	    &cause), 0, "odd current-bench read");
	r = row(&t, "j", "r", "c");
	TEST_OK(r != NULL && r->trend == NULL && r->values[0] == 2,
	    "an unknown trend is dropped, the value kept");
	ASSERT_INT_EQ(t.nrows, 1, "bad metrics make no row");
	ASSERT_INT_EQ(t.warnings.n, 5, "5 warnings");
	if (t.warnings.n == 5) {
		ASSERT_STR_EQ(t.warnings.v[0], "o.json: result 1 has no name",
		    "nameless result");
		ASSERT_STR_EQ(t.warnings.v[1], "o.json: 'r' metric 1 has no name",
		    "nameless metric");
		ASSERT_CONTAINS(t.warnings.v[2], "'r' metric 'a': the value is "
		    "not a number", "boolean value");
		ASSERT_CONTAINS(t.warnings.v[3], "metric 'b'", "object without avg");
		ASSERT_STR_EQ(t.warnings.v[4],
		    "o.json: 'r' metric 'c': unknown trend 'sideways'",
		    "unknown trend");
	}
	jv_free(all);
	free(cause);
	metrics_free(&t);
}

static void
read_bx(struct metric_table *t, const char *job, int n, ...)
{
	struct strvec paths = STRVEC_INIT;
	va_list ap;
	int i;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		sv_pushf(&paths, DATA "%s", va_arg(ap, const char *));
	va_end(ap);
	metrics_read_benchexec(t, &paths, NULL, job, "node07");
	sv_clear(&paths);
}

static void
test_benchexec(void)
{
	struct metric_table t;
	const struct metric_counts *c;
	const struct metric_row *r;

	metrics_init(&t);
	read_bx(&t, "bx", 1, BX_LOOPS);
	ASSERT_INT_EQ(t.warnings.n, 0, "benchexec .xml.bz2: no warning");
	ASSERT_INT_EQ(t.nrows, 15, "benchexec: 5 tasks x 3 metrics");
	ASSERT_INT_EQ(t.ncounts, 1, "benchexec: counts for the job");
	c = &t.counts[0];
	TEST_OK(c->tasks == 5 && c->correct == 2 && c->wrong == 1 &&
	    c->unknown == 1 && c->error == 1 && c->missing == 0 &&
	    c->correct_unconfirmed == 0, "benchexec: 2 correct, 1 wrong, "
	    "1 unknown, 1 error");
	TEST_OK(fabs(c->cputime - 908.0) < 1e-9 &&
	    fabs(c->walltime - 909.1) < 1e-9, "benchexec: cputime and "
	    "walltime totals");
	r = row(&t, "bx", SUM01, "cputime");
	TEST_OK(r != NULL && r->nvalues == 1 && r->values[0] == 1.25 &&
	    strcmp(r->unit, "s") == 0 && strcmp(r->machine, "node07") == 0,
	    "benchexec: cputime \"1.25s\" in seconds");
	r = row(&t, "bx", SUM01, "walltime");
	TEST_OK(r != NULL && r->values[0] == 1.3, "benchexec: walltime");
	r = row(&t, "bx", "../sv-benchmarks/c/loops/veris.c_NetBSD-libc__loop.yml",
	    "memory");
	TEST_OK(r != NULL && r->values[0] == 1073741824 &&
	    strcmp(r->unit, "B") == 0, "benchexec: memory in bytes");
	ASSERT_INT_EQ(t.nhosts, 1, "benchexec: host from <systeminfo>");
	TEST_OK(t.nhosts == 1 && t.hosts[0].cores == 16 &&
	    strcmp(t.hosts[0].cpu_model, "Intel Xeon E3-1230 v5 @ 3.40 GHz") == 0 &&
	    strcmp(t.hosts[0].platform, "Linux 6.1.0-13-amd64") == 0,
	    "benchexec: cpu model, cores and os");
	metrics_free(&t);

	metrics_init(&t);
	read_bx(&t, "bx", 2, BX_LOOPS, BX_RUNDEF);
	TEST_OK(t.ncounts == 1 && t.counts[0].tasks == 6 &&
	    t.counts[0].correct == 3, "benchexec: a run in the task-set file "
	    "and the run-definition file counted once");
	r = row(&t, "bx", SUM01, "cputime");
	TEST_OK(r != NULL && r->nvalues == 1, "benchexec: its row has one value");
	TEST_OK(row(&t, "bx", "../sv-benchmarks/c/array-examples/"
	    "standard_copy1_ground-1.yml", "cputime") != NULL,
	    "benchexec: the other task set's run is there");
	metrics_free(&t);

	metrics_init(&t);
	read_bx(&t, "bx", 3, BX_LOOPS, BX_RUNDEF, BX_OTHER);
	r = row(&t, "bx", "SV-COMP26_no-overflow:" SUM01, "cputime");
	TEST_OK(r != NULL && r->values[0] == 4.5,
	    "benchexec: several run definitions prefix the task names");
	r = row(&t, "bx", "SV-COMP26_unreach-call:" SUM01, "cputime");
	TEST_OK(r != NULL && r->values[0] == 1.25 && r->nvalues == 1,
	    "benchexec: the same task in the other run definition");
	TEST_OK(t.counts[0].tasks == 7 && t.counts[0].missing == 1,
	    "benchexec: 7 tasks, 1 missing category");
	metrics_free(&t);
}

static char *
write_tmp(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);

	if (write_file_atomic(path, text, strlen(text), NULL) == -1)
		printf("# cannot write %s\n", path);
	return path;
}

static void
expect_bx_warning(const char *name, const char *text, const char *msg,
    const char *what)
{
	struct metric_table t;
	struct strvec paths = STRVEC_INIT;
	char *path = write_tmp(name, text);

	metrics_init(&t);
	sv_push(&paths, path);
	metrics_read_benchexec(&t, &paths, NULL, "j", NULL);
	TEST_OK(t.nrows == 0 && t.ncounts == 0 && t.warnings.n == 1, what);
	ASSERT_CONTAINS(t.warnings.n > 0 ? t.warnings.v[0] : NULL, msg, what);
	metrics_free(&t);
	sv_clear(&paths);
	free(path);
}

/* The first 300 bytes of a real .xml.bz2. */
static void
test_truncated_bz2(void)
{
	struct metric_table t;
	struct strvec paths = STRVEC_INIT;
	char *data = NULL, *path = xasprintf("%s/f.results.xml.bz2", tmpdir);
	size_t len = 0;

	metrics_init(&t);
	if (read_file(DATA BX_LOOPS, &data, &len, NULL) == -1 || len < 300 ||
	    write_file_atomic(path, data, 300, NULL) == -1)
		printf("# cannot make %s\n", path);
	sv_push(&paths, path);
	metrics_read_benchexec(&t, &paths, NULL, "j", NULL);
	TEST_OK(t.nrows == 0 && t.warnings.n == 1,
	    "benchexec: a truncated .bz2 makes a warning, no row");
	if (t.warnings.n > 0)
		printf("# %s\n", t.warnings.v[0]);
	ASSERT_CONTAINS(t.warnings.n > 0 ? t.warnings.v[0] : NULL,
	    "f.results.xml.bz2: ", "benchexec: the warning names the file");
	metrics_free(&t);
	sv_clear(&paths);
	free(data);
	free(path);
}

static void
test_benchexec_hostile(void)
{
	expect_bx_warning("a.results.xml",
	    "<?xml version=\"1.0\"?>\n<!DOCTYPE result [\n"
	    "<!ENTITY x SYSTEM \"file:///etc/passwd\">\n]>\n"
	    "<result><run name=\"&x;\"/></result>\n",
	    "a.results.xml:3: entity declaration 'x' is not allowed",
	    "benchexec: an external entity is refused");
	expect_bx_warning("b.results.xml",
	    "<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;\">]>"
	    "<result><run name=\"&b;\"/></result>",
	    "entity declaration 'a' is not allowed",
	    "benchexec: internal entities (billion laughs) are refused");
	expect_bx_warning("c.results.xml",
	    "<result>\n<run name=\"x\">\n<column title=\"cputime\" value=\"1s\">"
	    "\n</run></result>\n", "c.results.xml:4: ",
	    "benchexec: malformed XML warned about with its line");
	expect_bx_warning("d.results.xml", "<benchmark tool=\"x\"/>\n",
	    "not a BenchExec result file (root element <benchmark>)",
	    "benchexec: another XML file is not read");
	expect_bx_warning("e.results.xml.bz2", "not bzip2 at all",
	    "e.results.xml.bz2:1: ", "benchexec: a .bz2 that is not bzip2 "
	    "is read as it is");
	test_truncated_bz2();
}

static void
copy_fixture(const char *name, const char *dst)
{
	char *src = xasprintf(DATA "%s", name), *data = NULL;
	char *to = xasprintf("%s/%s", tmpdir, dst);
	size_t len;

	if (read_file(src, &data, &len, NULL) == -1 ||
	    write_file_atomic(to, data, len, NULL) == -1)
		printf("# cannot copy %s to %s\n", src, to);
	free(data);
	free(src);
	free(to);
}

static void
make_job(const char *job)
{
	char *d = xasprintf("%s/run/jobs/%s/output/results", tmpdir, job);
	char *env = xasprintf("run/jobs/%s/env.json", job);
	char *f;

	mkdir_p(d, 0755, NULL);
	free(write_tmp(env, "{\"cpu_model\": \"AMD EPYC 7302P 16-Core "
	    "Processor\", \"cores\": 32, \"platform\": \"Linux-6.1.0\"}\n"));
	f = xasprintf("run/jobs/%s/output/results/%s", job, BX_LOOPS);
	copy_fixture(BX_LOOPS, f);
	free(f);
	f = xasprintf("run/jobs/%s/output/pyperf.json.gz", job);
	copy_fixture("pyperf-suite.json.gz", f);
	free(f);
	f = xasprintf("run/jobs/%s/output/broken.json", job);
	free(write_tmp(f, "{\"results\": [\n"));
	free(f);
	f = xasprintf("run/jobs/%s/output/other.json", job);
	free(write_tmp(f, "{\"not\": \"results\"}"));
	free(f);
	f = xasprintf("run/jobs/%s/.hidden.json", job);
	free(write_tmp(f, "garbage"));
	free(f);
	f = xasprintf("%s/run/jobs/%s/output/link.json", tmpdir, job);
	if (symlink("/etc/passwd", f) == -1)
		printf("# cannot make a symlink\n");
	free(f);
	free(env);
	free(d);
}

/* A job directory on the master as collected: env.json with the job's
 * directory on the worker (or none), argv/1 the definition's path there,
 * one result file naming its run by name. */
static char *
make_bx_job(const char *job, const char *cwd, const char *def,
    const char *name)
{
	char *d = xasprintf("%s/tn/%s", tmpdir, job), *f, *text;

	f = xasprintf("%s/output", d);
	mkdir_p(f, 0755, NULL);
	free(f);
	f = xasprintf("%s/argv", d);
	mkdir_p(f, 0755, NULL);
	free(f);
	f = xasprintf("tn/%s/argv/1", job);
	free(write_tmp(f, def));
	free(f);
	if (cwd != NULL) {
		f = xasprintf("tn/%s/env.json", job);
		text = xasprintf("{\"cores\": 2, \"cwd\": \"%s\"}", cwd);
		free(write_tmp(f, text));
		free(text);
		free(f);
	}
	f = xasprintf("tn/%s/output/s.2026-12-03_10-00-00.results.r.xml", job);
	text = xasprintf("<?xml version=\"1.0\"?>\n<result name=\"r\">"
	    "<run name=\"%s\"><column title=\"cputime\" value=\"1.5s\"/>"
	    "<column title=\"category\" value=\"correct\"/></run></result>\n",
	    name);
	free(write_tmp(f, text));
	free(text);
	free(f);
	return d;
}

static void
check_task_name(const char *job, const char *cwd, const char *def,
    const char *name, const char *want, const char *what)
{
	struct metric_table t;
	char *d = make_bx_job(job, cwd, def, name);

	metrics_init(&t);
	metrics_scan_dir(&t, d, job, NULL);
	ASSERT_STR_EQ(t.nrows > 0 ? t.rows[0].benchmark : NULL, want, what);
	metrics_free(&t);
	free(d);
}

/* BenchExec names a run relative to its result file: the task is named
 * relative to the definition's directory instead, whatever the depth. */
static void
test_benchexec_task_names(void)
{
	check_task_name("a", "/w/runs/R/jobs/a", "/w/runs/R/config/s.xml",
	    "../../../tasks/arrays/array-1.yml", "../tasks/arrays/array-1.yml",
	    "task named relative to the run's config/");
	check_task_name("b", "/var/tmp/distribute-u/runs/R/jobs/b",
	    "/home/u/defs/s.xml",
	    "../../../../../../../../home/u/sv-benchmarks/c/a.yml",
	    "../sv-benchmarks/c/a.yml", "with a benchdir: the same key");
	check_task_name("c", "/scratch/a/deeper/still/runs/R/jobs/c",
	    "/home/u/defs/s.xml",
	    "../../../../../../../../../home/u/sv-benchmarks/c/a.yml",
	    "../sv-benchmarks/c/a.yml", "a deeper workdir: the same key");
	check_task_name("d", "/w/runs/R/jobs/d", "../../config/s.xml",
	    "../../../config/x/t.yml", "x/t.yml",
	    "relative definition path: from the job's directory");
	check_task_name("e", "/dev/shm/distribute-e.Xa1", "/w/runs/R/config/s.xml",
	    "../../../../w/runs/R/tasks/t.yml", "../tasks/t.yml",
	    "tmpfs: from the directory the job ran in");
	check_task_name("f", NULL, "/w/runs/R/config/s.xml",
	    "../../../tasks/t.yml", "../../../tasks/t.yml",
	    "no env.json (an older run): the name as BenchExec wrote it");
}

static void
test_scan(void)
{
	struct metric_table t, back;
	char *run = xasprintf("%s/run", tmpdir), *job, *mj, *cause = NULL;
	const struct metric_row *r;
	size_t i, same = 0;

	make_job("j1");
	make_job("j2");
	free(write_tmp("run/run.json", "{\"jobs\": [{\"id\": \"j1\", "
	    "\"machine\": \"alice@lab01\"}, {\"id\": \"j2\", \"machine\": "
	    "\"alice@lab02\"}]}"));
	metrics_init(&t);
	job = xasprintf("%s/jobs/j1", run);
	metrics_scan_dir(&t, job, "j1", NULL);
	ASSERT_INT_EQ(t.nrows, 17, "scan: 15 BenchExec + 2 pyperf rows");
	ASSERT_INT_EQ(t.warnings.n, 1, "scan: one warning, for broken.json");
	ASSERT_CONTAINS(t.warnings.n > 0 ? t.warnings.v[0] : NULL,
	    "output/broken.json:2:1: unexpected end of input",
	    "scan: the broken file and its place");
	TEST_OK(t.nhosts == 1 && t.hosts[0].cores == 32 &&
	    strcmp(t.hosts[0].cpu_model, "AMD EPYC 7302P 16-Core Processor") == 0,
	    "scan: env.json comes before the files' own host data");
	metrics_free(&t);
	free(job);

	metrics_init(&t);
	metrics_scan_run(&t, run);
	ASSERT_INT_EQ(t.nrows, 34, "scan run: both jobs");
	r = row(&t, "j2", "nbody", "time");
	TEST_OK(r != NULL && strcmp(r->machine, "alice@lab02") == 0,
	    "scan run: machine from run.json");
	ASSERT_INT_EQ(t.ncounts, 2, "scan run: counts per job");

	mj = xasprintf("%s/metrics.json", run);
	ASSERT_INT_EQ(metrics_write_json(&t, mj, &cause), 0,
	    "metrics.json written");
	metrics_init(&back);
	ASSERT_INT_EQ(metrics_read_json(&back, mj, &cause), 0,
	    "metrics.json read back");
	ASSERT_INT_EQ(back.nrows, t.nrows, "round trip: same rows");
	for (i = 0; i < t.nrows && i < back.nrows; i++) {
		const struct metric_row *a = &t.rows[i], *b = &back.rows[i];

		same += strcmp(a->job, b->job) == 0 &&
		    strcmp(a->benchmark, b->benchmark) == 0 &&
		    strcmp(a->metric, b->metric) == 0 &&
		    a->nvalues == b->nvalues &&
		    fabs(a->values[0] - b->values[0]) <= 1e-11 * fabs(a->values[0]) &&
		    strcmp(a->machine, b->machine) == 0 &&
		    strcmp(a->unit, b->unit) == 0;
	}
	ASSERT_INT_EQ(same, t.nrows, "round trip: rows equal");
	TEST_OK(back.ncounts == 2 && back.counts[1].error == 1 &&
	    fabs(back.counts[1].cputime - 908) < 1e-9,
	    "round trip: BenchExec counts");
	TEST_OK(back.nhosts == 2 && back.hosts[1].cores == 32,
	    "round trip: hosts");
	ASSERT_INT_EQ(back.warnings.n, 2, "round trip: warnings");
	metrics_free(&back);
	metrics_init(&back);
	free(write_tmp("bad-metrics.json", "{\"rows\": 3}"));
	free(mj);
	mj = xasprintf("%s/bad-metrics.json", tmpdir);
	TEST_OK(metrics_read_json(&back, mj, &cause) == -1,
	    "metrics.json without rows refused");
	ASSERT_CONTAINS(cause, "bad-metrics.json: no \"rows\" array",
	    "its message");
	metrics_free(&back);
	metrics_free(&t);
	free(mj);
	free(run);
	free(cause);
}

static void
test_files(void)
{
	struct metric_table t;
	char *cause = NULL, *p;

	metrics_init(&t);
	p = write_tmp("x.json.gz", "this is not gzip");
	TEST_OK(metrics_read_json_file(&t, p, "j", NULL, &cause) == 0 ||
	    cause != NULL, "a .gz that is not gzip: read raw or refused");
	free(p);
	free(cause);
	cause = NULL;
	p = xasprintf("%s/missing.json", tmpdir);
	TEST_OK(metrics_read_json_file(&t, p, "j", NULL, &cause) == -1,
	    "a missing file is an error");
	ASSERT_CONTAINS(cause, "missing.json: No such file", "its message");
	free(p);
	TEST_OK(metrics_is_benchexec_name(BX_LOOPS) &&
	    metrics_is_benchexec_name("x.2026.results.xml") &&
	    !metrics_is_benchexec_name("benchmark.xml") &&
	    !metrics_is_benchexec_name("x.results.txt"),
	    "BenchExec result file names");
	TEST_OK(metrics_is_json_name("a.json") && metrics_is_json_name("a.json.gz")
	    && !metrics_is_json_name("a.jsonl"), "JSON file names");
	metrics_free(&t);
	free(cause);
}

static void
test_many_rows(void)
{
	struct metric_table t;
	char name[32];
	size_t i, found = 0;

	metrics_init(&t);
	for (i = 0; i < 20000; i++) {
		snprintf(name, sizeof name, "task-%zu", i);
		metrics_add_value(metrics_row(&t, "j", NULL, name, "cputime",
		    "s", NULL), (double)i);
	}
	for (i = 0; i < 20000; i++) {
		const struct metric_row *r;

		snprintf(name, sizeof name, "task-%zu", i);
		r = metrics_find(&t, "j", name, "cputime");
		found += r != NULL && r->values[0] == (double)i;
	}
	ASSERT_INT_EQ(found, 20000, "20000 rows found through the index");
	TEST_OK(metrics_find(&t, "j", "task-20000", "cputime") == NULL &&
	    metrics_find(&t, "k", "task-1", "cputime") == NULL,
	    "absent rows not found");
	metrics_free(&t);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_pyperf();
	test_pyperf_odd();
	test_currentbench();
	test_currentbench_odd();
	test_benchexec();
	test_benchexec_hostile();
	test_benchexec_task_names();
	test_files();
	test_scan();
	test_many_rows();
	rm_rf(tmpdir, NULL);
	return test_done();
}
