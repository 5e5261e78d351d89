/*
 * test-benchexec-merge.c - bx_merge_run() on a run directory made here:
 * jobs in run.json's order (not by name), a job's whole-rundefinition
 * file left out when it has the tasks set file, a tasks set met twice
 * kept once, hostile files (an entity declaration, a name that would
 * make a path) skipped, <systeminfo> per distinct machine, totals summed,
 * log links rebased, table.xml and the per tasks set links.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "results/benchexec.h"
#include "results/metrics.h"
#include "test.h"

#define DATE "2026-11-23_09-05-13"
#define HEAD "<?xml version=\"1.0\"?>\n<result benchmarkname=\"s.n\" " \
	"date=\"2026-11-23 09:05:13 UTC\" tool=\"t\" version=\"1\" " \
	"toolmodule=\"m\" generator=\"g\" "
#define COLS "<columns><column title=\"status\"/></columns>"
#define SI(h) "<systeminfo hostname=\"" h "\"><os name=\"L\"/>" \
	"<cpu cores=\"2\" model=\"M\"/><ram size=\"1B\"/><environment/>" \
	"</systeminfo>"
#define RUN(n) "<run name=\"../../t/" n ".c\" files=\"[../../t/" n ".c]\">" \
	"<column title=\"status\" value=\"true\"/></run>"
#define TOT(s) "<column title=\"cputime\" value=\"" s "s\"/></result>\n"

static char run[] = "/tmp/test-bx-merge.XXXXXX";

static void
put(const char *job, const char *file, const char *text)
{
	char *dir = xasprintf("%s/jobs/%s/output", run, job);
	char *path = xasprintf("%s/%s", dir, file), *cause = NULL;

	if (mkdir_p(dir, 0755, &cause) == -1 ||
	    write_file_atomic(path, text, strlen(text), &cause) == -1)
		printf("#   %s\n", cause);
	free(cause);
	free(path);
	free(dir);
}

static char *
merged(const char *rd)
{
	char *path = xasprintf("%s/benchexec/s.n." DATE ".results.%s.xml.bz2",
	    run, rd), *data = NULL, *cause = NULL;
	size_t len;

	if (metrics_load_file(path, &data, &len, &cause) == -1)
		printf("#   %s\n", cause);
	free(cause);
	free(path);
	return data;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while (hay != NULL && (hay = strstr(hay, needle)) != NULL) {
		n++;
		hay++;
	}
	return n;
}

static void
fixtures(void)
{
	char *p = xasprintf("%s/run.json", run);
	const char *json = "{\"jobs\": [{\"id\": \"z2\"}, {\"id\": \"a1\"}, "
	    "{\"id\": \"dup\"}, {\"id\": \"bad\"}]}";

	write_file_atomic(p, json, strlen(json), NULL);
	free(p);
	/* z2 first by run.json: tasks set T1 of r1, and r1's whole file */
	put("z2", "s.n." DATE ".results.r1.T1.xml", HEAD "name=\"r1.T1\" "
	    "block=\"T1\" starttime=\"2026-11-23T09:05:13\" endtime=\"2026-"
	    "11-23T09:06:00\">" COLS SI("h1") RUN("x1") RUN("x2") TOT("1.5"));
	put("z2", "s.n." DATE ".results.r1.xml", HEAD "name=\"r1\" "
	    "starttime=\"2026-11-23T09:05:13\">" COLS SI("h1") RUN("x1")
	    RUN("x2") TOT("1.5"));
	put("z2", "s.n." DATE ".results.r2.T1.xml", HEAD "name=\"r2.T1\" "
	    "block=\"T1\" starttime=\"2026-11-23T09:05:14\">" COLS SI("h1")
	    RUN("x1") TOT("1"));
	put("a1", "s.n.2026-11-23_09-07-00.results.r1.T2.xml", HEAD
	    "name=\"r1.T2\" block=\"T2\" starttime=\"2026-11-23T09:07:00\" "
	    "endtime=\"2026-11-23T09:08:00\">" COLS SI("h2") RUN("y1")
	    TOT("0.25"));
	put("dup", "s.n." DATE ".results.r1.T1.xml", HEAD "name=\"r1.T1\" "
	    "block=\"T1\" starttime=\"2026-11-23T09:05:13\">" COLS SI("h1")
	    RUN("x1") RUN("x2") TOT("1.5"));
	put("bad", "s.n." DATE ".results.r3.T1.xml", "<?xml version=\"1.0\"?>"
	    "<!DOCTYPE result [<!ENTITY e \"boom\">]>\n" HEAD "name=\"r3.T1\" "
	    "block=\"T1\">" COLS SI("h1") RUN("&e;") "</result>\n");
	put("bad", "s.n." DATE ".results.x.T1.xml", HEAD "name=\"../x.T1\" "
	    "block=\"T1\">" COLS SI("h1") RUN("z") "</result>\n");
}

static void
test_merge(void)
{
	struct bx_merged m;
	char *cause = NULL, *r1, *r2, *table = NULL, *link, target[512];
	const char *x2, *y1;
	size_t len;
	ssize_t n;

	fixtures();
	ASSERT_INT_EQ(bx_merge_run(run, &m, &cause), 0, "the run merges");
	if (cause != NULL)
		printf("#   %s\n", cause);
	ASSERT_INT_EQ(m.files.n, 2, "two rundefinitions (r3 and ../x skipped)");
	ASSERT_INT_EQ(m.runs, 4, "r1: x1, x2, y1 once each; r2: x1");
	ASSERT_STR_EQ(m.name, "s.n." DATE, "named by the earliest date");
	r1 = merged("r1");
	r2 = merged("r2");
	ASSERT_INT_EQ(count(r1, "<run "), 3, "r1: 3 runs, the whole file "
	    "and the duplicate left out");
	x2 = r1 != NULL ? strstr(r1, "x2.c\"") : NULL;
	y1 = r1 != NULL ? strstr(r1, "y1.c\"") : NULL;
	TEST_OK(x2 != NULL && y1 != NULL && x2 < y1, "z2's runs before a1's "
	    "(run.json's order)");
	ASSERT_CONTAINS(r1, "<result benchmarkname=\"s.n\"", "the root kept");
	TEST_OK(r1 != NULL && strstr(r1, "block=") == NULL &&
	    strstr(r1, "name=\"r1\"") != NULL, "name=\"r1\", no block");
	ASSERT_CONTAINS(r1, "starttime=\"2026-11-23T09:05:13\"", "earliest start");
	ASSERT_CONTAINS(r1, "endtime=\"2026-11-23T09:08:00\"", "latest end");
	ASSERT_INT_EQ(count(r1, "<systeminfo"), 2, "a <systeminfo> per machine");
	ASSERT_INT_EQ(count(r2, "<systeminfo"), 1, "r2 ran on one machine");
	ASSERT_CONTAINS(r1, "<column title=\"cputime\" value=\"1.75s\"/>\n"
	    "</result>", "the totals summed");
	ASSERT_CONTAINS(r1, "logfile=\"../jobs/a1/output/s.n.2026-11-23_09-07-00"
	    ".logfiles/r1.y1.c.log\"", "the log rebased to the merged file");
	ASSERT_CONTAINS(r1, "name=\"../jobs/t/x1.c\" files=\"[../jobs/t/"
	    "x1.c]\"", "without the job's env.json, paths rebased to the "
	    "merged file");
	TEST_OK(r1 != NULL && strstr(r1, "boom") == NULL, "no entity expanded");
	read_file(m.table, &table, &len, NULL);
	ASSERT_CONTAINS(table, "<union title=\"r1\">\n    <result filename=\"s.n."
	    DATE ".results.r1.xml.bz2\"/>\n  </union>\n  <union title=\"r2\">",
	    "table.xml: a <union> per rundefinition");
	ASSERT_INT_EQ(m.links.n, 3, "3 tasks set links: r1.T1, r1.T2, r2.T1");
	link = xasprintf("%s/benchexec/s.n." DATE ".results.r1.T2.xml", run);
	n = readlink(link, target, sizeof target - 1);
	target[n > 0 ? n : 0] = '\0';
	ASSERT_STR_EQ(target, "../jobs/a1/output/s.n.2026-11-23_09-07-00"
	    ".results.r1.T2.xml", "a relative link to the job's file");
	free(link);
	free(table);
	free(r1);
	free(r2);
	free(cause);
	bx_merged_free(&m);
}

static void
test_empty(void)
{
	struct bx_merged m;
	char *cause = NULL, *dir = xasprintf("%s/jobs", run);

	rm_rf(dir, NULL);
	ASSERT_INT_EQ(bx_merge_run(run, &m, &cause), -1, "no result file: -1");
	ASSERT_CONTAINS(cause, "no BenchExec result file", "said so");
	bx_merged_free(&m);
	free(cause);
	free(dir);
}

int
main(void)
{
	if (mkdtemp(run) == NULL) {
		printf("not ok - mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	log_set_level(LOG_ERROR);
	test_merge();
	test_empty();
	rm_rf(run, NULL);
	return test_done();
}
