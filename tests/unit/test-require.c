/*
 * test-require.c - machine facts and job requirements (input/require.h):
 * sizes, the machines file's fact and tag attributes, BenchExec's
 * <require> and <jobs> require-tags/require-arch, a slot's share, the
 * match and the refusal's words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input/config.h"
#include "input/machines.h"
#include "input/require.h"
#include "run/facts.h"
#include "test.h"

static void
test_sizes(void)
{
	long long b = 0;
	char *cause = NULL;

	TEST_OK(parse_memory_size("16G", &b, NULL) == 0 && b == 16LL << 30,
	    "16G is 16 GiB");
	TEST_OK(parse_memory_size("16384M", &b, NULL) == 0 && b == 16LL << 30,
	    "16384M is 16 GiB");
	TEST_OK(parse_memory_size("2GiB", &b, NULL) == 0 && b == 2LL << 30,
	    "2GiB");
	TEST_OK(parse_memory_size("16", &b, &cause) == -1,
	    "a size without unit is refused");
	ASSERT_CONTAINS(cause, "expected a size such as 16G", "... saying so");
	free(cause);
	TEST_OK(parse_memory_size("0G", &b, NULL) == -1, "0G is refused");
	TEST_OK(parse_memory_size("99999999999T", &b, NULL) == -1,
	    "an overflow is refused");
	TEST_OK(parse_benchexec_memory("4000", &b, NULL) == 0 &&
	    b == 4000000000LL, "BenchExec: a bare number is MB (10^6)");
	TEST_OK(parse_benchexec_memory("4000 MB", &b, NULL) == 0 &&
	    b == 4000000000LL, "BenchExec: 4000 MB");
	TEST_OK(parse_benchexec_memory("2 GB", &b, NULL) == 0 &&
	    b == 2000000000LL, "BenchExec: 2 GB is 2*10^9");
	TEST_OK(parse_benchexec_memory("2 GiB", &b, NULL) == -1,
	    "BenchExec: GiB is not one of its units");
}

static void
test_machines_attrs(void)
{
	static const char text[] =
	    "2/a tags=quiet,arm64 cores=8 memory=16G cpu-model=\"Intel Xeon\" "
	    "arch=aarch64\n";
	struct dist_machines m;
	struct dist_facts f;
	char *cause = NULL;

	TEST_OK(machines_parse("m", text, sizeof text - 1, &m, &cause) == 0,
	    "facts and tags are machine attributes");
	facts_declared(&m.v[0], &f);
	TEST_OK(f.cores == 8 && f.memory == 16LL << 30, "declared cores, memory");
	ASSERT_STR_EQ(f.cpu_model, "Intel Xeon", "declared cpu-model");
	ASSERT_STR_EQ(f.arch, "aarch64", "declared arch");
	facts_free(&f);
	machines_free(&m);
	TEST_OK(machines_parse("m", "a tags=a,,b\n", 12, &m, &cause) == -1,
	    "an empty tag is refused");
	ASSERT_CONTAINS(cause, "m:1: ", "... with its file:line");
	free(cause);
	cause = NULL;
	TEST_OK(machines_parse("m", "a memory=lots\n", 14, &m, &cause) == -1,
	    "a bad memory= is refused");
	free(cause);
	cause = NULL;
	TEST_OK(machines_parse("m", "a cpu=x\n", 8, &m, &cause) == -1,
	    "cpu= is no attribute (cpu-model= is)");
	free(cause);
}

static void
test_share(void)
{
	struct dist_facts f;
	long long mem;
	int cores;

	facts_init(&f);
	f.cores = 8;
	f.memory = 16LL << 30;
	facts_slot_share(&f, 2, NULL, &cores, &mem);
	TEST_OK(cores == 4 && mem == 8LL << 30, "2 slots of 8 cores: 4 each");
	facts_slot_share(&f, 2, "0-3", &cores, &mem);
	TEST_OK(cores == 2, "2 slots over cpus=0-3: 2 each");
	facts_slot_share(&f, 2, "0-2", &cores, &mem);
	TEST_OK(cores == 1, "2 slots over 3 CPUs: the smaller share, 1");
	facts_free(&f);
	facts_slot_share(&f, 1, NULL, &cores, &mem);
	TEST_OK(cores == -1 && mem == -1, "unknown facts: unknown share");
}

static void
test_disagree(void)
{
	struct dist_facts d, p;
	struct strvec out = STRVEC_INIT;

	facts_init(&d);
	facts_init(&p);
	d.cores = 8;
	p.cores = 4;
	d.memory = 16LL << 30;
	p.memory = 15LL << 30;	/* MemTotal below the installed size */
	facts_disagree(&d, &p, &out);
	TEST_OK(out.n == 1, "cores differ, memory within 10 % agrees");
	ASSERT_STR_EQ(out.n > 0 ? out.v[0] : NULL, "cores=8 (probed: 4)",
	    "... said as declared and probed");
	sv_clear(&out);
	facts_free(&d);
	facts_free(&p);
}

/* A machine for matching. */
static struct fit_machine
fm(const char *name, struct dist_facts *f, int cores, const char *tags)
{
	struct fit_machine m = { name, f, cores, -1, tags };

	return m;
}

static void
test_fit(void)
{
	struct dist_require r;
	struct dist_facts f1, f2;
	struct fit_machine m[2];
	char *why = NULL, *text;

	facts_init(&f1);
	facts_init(&f2);
	f1.cpu_model = strdup("Intel(R) Xeon(R) E5-2650");
	f1.arch = strdup("x86_64");
	require_init(&r);
	r.cores = 8;
	m[0] = fm("m1", &f1, 4, "quiet");
	m[1] = fm("m2", &f2, 2, NULL);
	TEST_OK(require_fit(&r, &m[0], &why) == FIT_NO, "4 cores < 8: no");
	ASSERT_STR_EQ(why, "cpuCores: 4", "... why");
	free(why);
	text = require_refusal("X", &r, m, 2);
	ASSERT_STR_EQ(text, "job X needs cpuCores \u2265 8; no machine has more "
	    "than 4 per slot: m1 (4), m2 (2)", "the refusal names each machine");
	free(text);
	r.cores = 4;
	TEST_OK(require_fit(&r, &m[0], NULL) == FIT_YES, "4 cores >= 4: fits");
	r.cpu_model = strdup("Xeon");
	TEST_OK(require_fit(&r, &m[0], NULL) == FIT_YES,
	    "cpuModel is a substring match");
	m[0].slot_cores = 2;
	m[1].slot_cores = 8;
	TEST_OK(require_fit(&r, &m[1], NULL) == FIT_UNKNOWN,
	    "no model known: unknown");
	text = require_refusal("X", &r, m, 2);
	TEST_OK(text == NULL, "unknown is never refused");
	m[0].slot_cores = 4;
	free(text);
	require_free(&r);
	require_init(&r);
	require_parse_tags("quiet,gpu", &r.tags, NULL);
	TEST_OK(require_fit(&r, &m[0], NULL) == FIT_NO, "a tag missing: no");
	text = require_refusal("X", &r, m, 2);
	ASSERT_STR_EQ(text, "job X needs tags quiet,gpu; no machine has them "
	    "all: m1 (quiet), m2 (none)", "the tags refusal");
	free(text);
	sv_clear(&r.tags);
	r.arch = strdup("aarch64");
	r.cores = 4;
	m[1].slot_cores = 8;
	f2.arch = strdup("aarch64");
	m[1].slot_cores = 2;
	text = require_refusal("X", &r, m, 2);
	ASSERT_STR_EQ(text, "job X needs cpuCores \u2265 4, arch aarch64; no "
	    "machine meets them all: m1 (arch: x86_64), m2 (cpuCores: 2)",
	    "needs missed by different machines: each machine's first");
	free(text);
	require_free(&r);
	require_init(&r);
	r.cores = 2;
	r.memory = 1;
	m[1] = fm("m3", &f2, -1, NULL);
	why = NULL;
	TEST_OK(require_fit(&r, &m[1], &why) == FIT_UNKNOWN,
	    "cores and memory unknown: unknown");
	ASSERT_STR_EQ(why, "cpuCores: unknown", "... the first one named");
	free(why);
	require_free(&r);
	facts_free(&f1);
	facts_free(&f2);
}

static int
mem_load(const char *doc, struct dist_config *c, char **cause)
{
	struct dist_config_opts o;

	memset(&o, 0, sizeof o);
	o.name = "run1";
	return config_load_mem("c.xml", doc, strlen(doc), &o, c, cause);
}

static void
test_config(void)
{
	static const char be[] = "<benchmark tool=\"t\">\n"
	    "<require cpuModel=\"Xeon\" cpuCores=\"4\"/>\n"
	    "<require memory=\"8000 MB\"/>\n"
	    "<rundefinition name=\"a\"/><rundefinition name=\"b\"/>\n"
	    "<tasks name=\"T\"><include>x</include></tasks></benchmark>\n";
	static const char twice[] = "<benchmark tool=\"t\">\n"
	    "<require cpuCores=\"4\"/>\n<require cpuCores=\"2\"/>\n"
	    "<rundefinition/><tasks><include>x</include></tasks>"
	    "</benchmark>\n";
	static const char jobs[] = "<jobs require-tags=\"quiet\">\n"
	    "<job name=\"a\"><arg>x</arg></job>\n"
	    "<job name=\"b\" require-arch=\"aarch64\"><arg>x</arg></job>\n"
	    "<job name=\"c\" require-tags=\"gpu,quiet\"><arg>x</arg></job>\n"
	    "</jobs>\n";
	struct dist_config c;
	char *cause = NULL;

	TEST_OK(mem_load(be, &c, &cause) == 0, "BenchExec <require> is read");
	TEST_OK(c.nreqs == 1 && c.jobs[0].req == 0 && c.jobs[1].req == 0,
	    "... one requirement for every job");
	TEST_OK(c.nreqs == 1 && c.reqs[0].cores == 4 &&
	    c.reqs[0].memory == 8000000000LL &&
	    strcmp(c.reqs[0].cpu_model, "Xeon") == 0,
	    "... cpuModel, cpuCores, memory merged from its <require>s");
	config_free(&c);
	TEST_OK(mem_load(twice, &c, &cause) == -1, "cpuCores twice is refused");
	ASSERT_CONTAINS(cause, "c.xml:3: <require cpuCores=...> given twice",
	    "... as BenchExec does, with the line");
	free(cause);
	cause = NULL;
	TEST_OK(mem_load(jobs, &c, &cause) == 0, "<jobs> requirements are read");
	TEST_OK(c.nreqs == 3, "... three distinct ones");
	if (c.nreqs == 3) {
		TEST_OK(c.reqs[c.jobs[0].req].tags.n == 1,
		    "a job gets <jobs>' tags");
		ASSERT_STR_EQ(c.reqs[c.jobs[1].req].arch, "aarch64",
		    "... and its own arch");
		TEST_OK(c.reqs[c.jobs[2].req].tags.n == 2,
		    "a job's require-tags replaces <jobs>' one");
	}
	config_free(&c);
	TEST_OK(mem_load("<jobs><job name=\"a\" require-tags=\"a b\"><arg>x"
	    "</arg></job></jobs>", &c, &cause) == -1, "a bad tag is refused");
	free(cause);
}

/* The cache remembers probed machines and keeps the others' entries. */
static void
test_cache(void)
{
	static const char text[] = "a\nb\n";
	char dir[] = "/tmp/test-require.XXXXXX", *when[2], *path;
	struct dist_machines m, one;
	struct dist_facts f[2], got[2];
	struct strvec lines = STRVEC_INIT;
	FILE *fp;

	if (mkdtemp(dir) == NULL || machines_parse("m", text, sizeof text - 1,
	    &m, NULL) == -1) {
		TEST_OK(0, "cache: setup");
		return;
	}
	facts_init(&f[0]);
	facts_init(&f[1]);
	sv_push(&lines, "facts arch x86_64");
	sv_push(&lines, "facts cpu_model Intel(R) Xeon(R)\\nX");
	sv_push(&lines, "facts cores 8");
	sv_push(&lines, "facts mem_total_kb 1024");
	sv_push(&lines, "info cores 99");
	facts_from_lines(&f[0], &lines, "facts");
	TEST_OK(f[0].cores == 8 && f[0].memory == 1048576,
	    "facts lines: cores, memory in bytes; other verbs ignored");
	ASSERT_STR_EQ(f[0].cpu_model, "Intel(R) Xeon(R)\\nX",
	    "... an escaped newline stays printable");
	TEST_OK(facts_cache_save(dir, &m, f, NULL) == 0, "cache written");
	facts_cache_load(dir, &m, got, when);
	TEST_OK(got[0].cores == 8 && got[1].cores == -1 && when[0] != NULL &&
	    when[1] == NULL, "... read back: a's facts, none for b");
	facts_free(&got[0]);
	facts_free(&got[1]);
	free(when[0]);
	/* a later probe of b alone keeps a's entry */
	machines_parse("m", "b\n", 2, &one, NULL);
	f[1].cores = 2;
	TEST_OK(facts_cache_save(dir, &one, &f[1], NULL) == 0, "b probed");
	facts_cache_load(dir, &m, got, NULL);
	TEST_OK(got[0].cores == 8 && got[1].cores == 2,
	    "... a's entry kept, b's added");
	facts_free(&got[0]);
	facts_free(&got[1]);
	path = xasprintf("%s/%s", dir, FACTS_CACHE);
	if ((fp = fopen(path, "w")) != NULL) {
		fputs("{\"machines\": ", fp);
		fclose(fp);
	}
	facts_cache_load(dir, &m, got, NULL);
	TEST_OK(got[0].cores == -1, "a broken cache: nothing remembered");
	unlink(path);
	rmdir(dir);
	free(path);
	sv_clear(&lines);
	facts_free(&f[0]);
	machines_free(&m);
	machines_free(&one);
}

int
main(void)
{
	test_sizes();
	test_machines_attrs();
	test_share();
	test_disagree();
	test_fit();
	test_config();
	test_cache();
	return test_done();
}
