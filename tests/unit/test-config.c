/*
 * test-config.c - config files (BenchExec and generic jobs), safe XML
 * parsing and job ids.  Fixtures: tests/data/config/.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input/config.h"
#include "test.h"

#define FIX "tests/data/config/"

static struct dist_config_opts
opts_make(enum dist_split split, const char *benchdir)
{
	struct dist_config_opts o;

	memset(&o, 0, sizeof o);
	o.name = "run1";
	o.split = split;
	o.benchdir = benchdir;
	return o;
}

static int
load(const char *file, enum dist_split split, struct dist_config *c,
    char **cause)
{
	struct dist_config_opts o = opts_make(split, NULL);

	return config_load(file, &o, c, cause);
}

/* argv equals the NULL-terminated want; prints the difference. */
static int
argv_is(const struct strvec *sv, const char *const *want)
{
	size_t i;

	for (i = 0; want[i] != NULL; i++) {
		if (i >= sv->n || strcmp(sv->v[i], want[i]) != 0) {
			printf("#   argv[%zu]: got [%s] expected [%s]\n", i,
			    i < sv->n ? sv->v[i] : "(end)", want[i]);
			return 0;
		}
	}
	if (sv->n != i || sv->v[i] != NULL) {
		printf("#   argv has %zu elements, expected %zu\n", sv->n, i);
		return 0;
	}
	return 1;
}

static int
id_ok(const char *id)
{
	return id != NULL && safe_name(id) && strlen(id) <= 100;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every id safe, at most 100 bytes, and all distinct. */
static int
ids_ok(const struct dist_job *jobs, size_t n)
{
	const char **v = xcalloc(n, sizeof *v);
	size_t i;
	int ok = 1;

	for (i = 0; i < n; i++) {
		if (!id_ok(jobs[i].id)) {
			printf("#   bad id '%s'\n", jobs[i].id);
			ok = 0;
		}
		v[i] = jobs[i].id;
	}
	qsort(v, n, sizeof *v, cmp_str);
	for (i = 1; i < n; i++) {
		if (strcmp(v[i - 1], v[i]) == 0) {
			printf("#   duplicate id '%s'\n", v[i]);
			ok = 0;
		}
	}
	free(v);
	return ok;
}

static void
test_make_job_id(void)
{
	const char *a[] = { "a" }, *rt[] = { "run", "tasks0" };
	const char *sp[] = { "a b" }, *sl[] = { "a/b" }, *dot[] = { ".." };
	const char *dash[] = { "-x" }, *empty[] = { "" };
	const char *sh[] = { "$(touch /tmp/x)" }, *uni[] = { "ünï ✓" };
	const char *nl[] = { "line\nbreak" }, *ab[] = { "a.b" };
	const char *a_b[] = { "a", "b" };
	char long1[301], long2[301], *id, *id2;
	const char *l1[] = { long1 }, *l2[] = { long2 };

	id = make_job_id(a, 1);
	ASSERT_STR_EQ(id, "a", "job id: plain name kept");
	free(id);
	id = make_job_id(rt, 2);
	ASSERT_STR_EQ(id, "run.tasks0", "job id: parts joined with '.'");
	free(id);
	id = make_job_id(sp, 1);
	TEST_OK(strncmp(id, "a_b-", 4) == 0 && strlen(id) == 12 && id_ok(id),
	    "job id: space replaced, hash appended");
	id2 = make_job_id(sl, 1);
	TEST_OK(strncmp(id2, "a_b-", 4) == 0 && strcmp(id, id2) != 0,
	    "job id: 'a b' and 'a/b' differ");
	free(id);
	free(id2);
	id = make_job_id(sp, 1);
	id2 = make_job_id(sp, 1);
	ASSERT_STR_EQ(id, id2, "job id: deterministic");
	free(id);
	free(id2);
	id = make_job_id(dot, 1);
	TEST_OK(strncmp(id, "_..-", 4) == 0 && id_ok(id),
	    "job id: '..' gets a '_' prefix");
	free(id);
	id = make_job_id(dash, 1);
	TEST_OK(strncmp(id, "_-x-", 4) == 0 && id_ok(id),
	    "job id: leading '-' gets a '_' prefix");
	free(id);
	id = make_job_id(empty, 1);
	TEST_OK(id[0] == '_' && id_ok(id), "job id: empty name made safe");
	free(id);
	id = make_job_id(sh, 1);
	TEST_OK(id_ok(id) && strpbrk(id, "$()/ ") == NULL,
	    "job id: shell syntax neutralised");
	free(id);
	id = make_job_id(uni, 1);
	TEST_OK(id_ok(id) && strncmp(id, "__n__", 5) == 0,
	    "job id: UTF-8 bytes replaced");
	free(id);
	id = make_job_id(nl, 1);
	TEST_OK(id_ok(id) && strncmp(id, "line_break-", 11) == 0,
	    "job id: newline replaced");
	free(id);
	memset(long1, 'x', 300);
	long1[300] = '\0';
	memcpy(long2, long1, sizeof long2);
	long2[299] = 'y';
	id = make_job_id(l1, 1);
	id2 = make_job_id(l2, 1);
	TEST_OK(strlen(id) == 100 && id_ok(id) && id[91] == '-',
	    "job id: long name cut to 100 bytes with hash");
	TEST_OK(strcmp(id, id2) != 0, "job id: long names differing at the "
	    "end still differ");
	free(id);
	free(id2);
	id = make_job_id(ab, 1);
	id2 = make_job_id(a_b, 2);
	TEST_OK(strcmp(id, "a.b") == 0 && strcmp(id2, "a.b") == 0,
	    "job id: {a.b} and {a,b} both 'a.b' (dedup separates them)");
	free(id);
	free(id2);
}

static void
dedup_set(struct dist_job *jobs, const char *const *ids, size_t n)
{
	size_t i;

	memset(jobs, 0, n * sizeof *jobs);
	for (i = 0; i < n; i++)
		jobs[i].id = xstrdup(ids[i]);
}

static void
dedup_free(struct dist_job *jobs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(jobs[i].id);
}

static void
test_dedup(void)
{
	const char *three[] = { "a", "a", "a" };
	const char *steal[] = { "a", "a", "a-2" };
	struct dist_job jobs[3], *many;
	char longid[101];
	const char *longs[] = { longid, longid };
	size_t i, n = 20000;

	dedup_set(jobs, three, 3);
	job_ids_dedup(jobs, 3);
	TEST_OK(strcmp(jobs[0].id, "a") == 0 && strcmp(jobs[1].id, "a-2") == 0
	    && strcmp(jobs[2].id, "a-3") == 0, "dedup: a, a-2, a-3");
	dedup_free(jobs, 3);
	dedup_set(jobs, steal, 3);
	job_ids_dedup(jobs, 3);
	TEST_OK(strcmp(jobs[0].id, "a") == 0 && strcmp(jobs[1].id, "a-3") == 0
	    && strcmp(jobs[2].id, "a-2") == 0,
	    "dedup: a later original id is not taken");
	dedup_free(jobs, 3);
	memset(longid, 'z', 100);
	longid[100] = '\0';
	dedup_set(jobs, longs, 2);
	job_ids_dedup(jobs, 2);
	TEST_OK(strlen(jobs[1].id) == 100 && id_ok(jobs[1].id) &&
	    strcmp(jobs[1].id + 98, "-2") == 0 && strcmp(jobs[0].id, longid)
	    == 0, "dedup: 100-byte id stays within 100 bytes");
	dedup_free(jobs, 2);
	many = xcalloc(n, sizeof *many);
	for (i = 0; i < n; i++)
		many[i].id = xstrdup(i % 2 ? "same" : "other");
	job_ids_dedup(many, n);
	TEST_OK(ids_ok(many, n), "dedup: 20000 ids made unique");
	dedup_free(many, n);
	free(many);
}

static void
test_kind_names(void)
{
	ASSERT_STR_EQ(config_kind_name(CONFIG_BENCHEXEC), "benchexec",
	    "kind name benchexec");
	ASSERT_STR_EQ(config_kind_name(CONFIG_JOBS), "jobs", "kind name jobs");
	ASSERT_STR_EQ(config_kind_name(CONFIG_PYPERFORMANCE), "pyperformance",
	    "kind name pyperformance");
}

static int
all_config_arg(const struct dist_config *c, const char *path)
{
	size_t i;

	for (i = 0; i < c->njobs; i++) {
		const struct dist_job *j = &c->jobs[i];

		if (j->config_arg != 1 || strcmp(j->argv.v[1], path) != 0 ||
		    j->env.n != 0)
			return 0;
	}
	return 1;
}

static void
test_svcomp_runs(void)
{
	static const char *const job0[] = { "benchexec",
	    "../../config/svcomp.xml", "--name", "run1", "--outputpath",
	    "output/", "--rundefinition", "sv-comp24_prop-reachsafety",
	    "--tasks", "ReachSafety-Arrays", NULL };
	static const char *const job3[] = { "benchexec",
	    "../../config/svcomp.xml", "--name", "run1", "--outputpath",
	    "output/", "--rundefinition", "sv-comp24_prop-reachsafety",
	    "--tasks", "Heap[*][[]v2][?]", NULL };
	static const char *const job7[] = { "benchexec",
	    "../../config/svcomp.xml", "--name", "run1", "--outputpath",
	    "output/", "--rundefinition", "sv-comp24_prop-memsafety",
	    "--tasks", "3", NULL };
	static const char *const job10[] = { "benchexec",
	    "../../config/svcomp.xml", "--name", "run1", "--outputpath",
	    "output/", "--rundefinition", "../escape [*]", "--tasks", "..",
	    NULL };
	struct dist_config c;
	char *cause = NULL;
	int rc = load(FIX "svcomp.xml", SPLIT_RUNS, &c, &cause);

	ASSERT_INT_EQ(rc, 0, "svcomp.xml loads");
	if (rc != 0) {
		printf("#   %s\n", cause);
		free(cause);
		return;
	}
	TEST_OK(c.kind == CONFIG_BENCHEXEC && c.needs_archive == 1,
	    "svcomp: benchexec kind, needs an archive");
	ASSERT_STR_EQ(c.tool, "cpachecker", "svcomp: tool");
	ASSERT_STR_EQ(c.basename, "svcomp.xml", "svcomp: basename");
	ASSERT_STR_EQ(c.path, FIX "svcomp.xml", "svcomp: path kept");
	ASSERT_INT_EQ(c.njobs, 11, "svcomp: 11 (rundefinition, tasks) jobs");
	if (c.njobs != 11)
		goto out;
	TEST_OK(argv_is(&c.jobs[0].argv, job0), "svcomp: argv of job 0");
	ASSERT_STR_EQ(c.jobs[0].id,
	    "sv-comp24_prop-reachsafety.ReachSafety-Arrays", "svcomp: id 0");
	TEST_OK(argv_is(&c.jobs[3].argv, job3),
	    "svcomp: argv of job 3 escapes *?[");
	ASSERT_STR_EQ(c.jobs[3].tasks, "Heap*[v2]?",
	    "svcomp: original tasks name kept");
	ASSERT_STR_EQ(c.jobs[3].name, "sv-comp24_prop-reachsafety.Heap*[v2]?",
	    "svcomp: display name rundef.tasks");
	ASSERT_STR_EQ(c.jobs[1].tasks, "1",
	    "svcomp: unnamed global tasks named 1, as BenchExec");
	ASSERT_STR_EQ(c.jobs[1].id, "sv-comp24_prop-reachsafety.tasks1",
	    "svcomp: unnamed tasks id");
	TEST_OK(argv_is(&c.jobs[7].argv, job7),
	    "svcomp: unnamed local tasks selected by index 3");
	TEST_OK(argv_is(&c.jobs[10].argv, job10),
	    "svcomp: rundefinition '../escape *' escaped");
	ASSERT_STR_EQ(c.jobs[10].rundef, "../escape *",
	    "svcomp: original rundefinition name kept");
	TEST_OK(ids_ok(c.jobs, c.njobs), "svcomp: ids safe and distinct");
	TEST_OK(all_config_arg(&c, "../../config/svcomp.xml"),
	    "svcomp: config_arg 1, config path, no env");
out:
	config_free(&c);
}

static void
test_svcomp_tasks(void)
{
	static const char *const heap[] = { "benchexec",
	    "/srv/bench/svcomp.xml", "--name", "run1", "--outputpath",
	    "output/", "--tasks", "Heap[*][[]v2][?]", "--no-container",
	    "--read-only-dir=/", NULL };
	struct dist_config_opts o = opts_make(SPLIT_TASKS, "/srv/bench/");
	struct dist_config c;
	char *cause = NULL;
	size_t i;
	int norun = 1;

	sv_push(&o.benchexec_args, "--no-container");
	sv_push(&o.benchexec_args, "--read-only-dir=/");
	if (config_load(FIX "svcomp.xml", &o, &c, &cause) == -1) {
		TEST_OK(0, "svcomp split by tasks loads");
		printf("#   %s\n", cause);
		free(cause);
		sv_clear(&o.benchexec_args);
		return;
	}
	ASSERT_INT_EQ(c.njobs, 7, "split tasks: one job per distinct tasks");
	for (i = 0; i < c.njobs; i++) {
		if (c.jobs[i].rundef != NULL)
			norun = 0;
		if (strcmp(c.jobs[i].argv.v[6], "--tasks") != 0)
			norun = 0;
	}
	TEST_OK(norun, "split tasks: no --rundefinition, rundef NULL");
	if (c.njobs == 7) {
		TEST_OK(argv_is(&c.jobs[3].argv, heap),
		    "split tasks: benchdir and --benchexec-arg in argv");
		ASSERT_STR_EQ(c.jobs[0].id, "ReachSafety-Arrays",
		    "split tasks: id is the tasks name");
		ASSERT_STR_EQ(c.jobs[1].id, "tasks1",
		    "split tasks: unnamed tasks id");
		ASSERT_STR_EQ(c.jobs[5].tasks, "3",
		    "split tasks: local unnamed tasks named by index");
	}
	TEST_OK(ids_ok(c.jobs, c.njobs), "split tasks: ids safe and distinct");
	config_free(&c);
	sv_clear(&o.benchexec_args);
}

static void
test_single(void)
{
	static const char *const j0[] = { "benchexec",
	    "../../config/single.xml", "--name", "run1", "--outputpath",
	    "output/", "--tasks", "0", NULL };
	static const char *const j1[] = { "benchexec",
	    "../../config/single.xml", "--name", "run1", "--outputpath",
	    "output/", "--tasks", "[-]dash", NULL };
	struct dist_config c;
	char *cause = NULL;

	if (load(FIX "single.xml", SPLIT_RUNS, &c, &cause) == -1) {
		TEST_OK(0, "single.xml loads");
		printf("#   %s\n", cause);
		free(cause);
		return;
	}
	ASSERT_INT_EQ(c.njobs, 2, "single unnamed rundefinition: 2 jobs");
	if (c.njobs == 2) {
		TEST_OK(argv_is(&c.jobs[0].argv, j0) && c.jobs[0].rundef ==
		    NULL, "single: no --rundefinition, tasks by index");
		TEST_OK(argv_is(&c.jobs[1].argv, j1),
		    "single: leading '-' bracketed for benchexec's parser");
		ASSERT_STR_EQ(c.jobs[0].id, "run.tasks0", "single: id run.tasks0");
		ASSERT_STR_EQ(c.jobs[0].name, "0", "single: display name 0 "
		    "(BenchExec's name for it)");
	}
	config_free(&c);
}

static const struct dist_job *
find_tasks(const struct dist_config *c, const char *tasks)
{
	size_t i;

	for (i = 0; i < c->njobs; i++) {
		if (c->jobs[i].tasks != NULL &&
		    strcmp(c->jobs[i].tasks, tasks) == 0)
			return &c->jobs[i];
	}
	return NULL;
}

static void
test_names(void)
{
	struct dist_config c;
	const struct dist_job *j;
	char *cause = NULL;

	unlink("/tmp/distribute-pwned");
	if (load(FIX "names.xml", SPLIT_RUNS, &c, &cause) == -1) {
		TEST_OK(0, "names.xml loads");
		printf("#   %s\n", cause);
		free(cause);
		return;
	}
	ASSERT_INT_EQ(c.njobs, 11, "hostile names: 11 jobs");
	TEST_OK(ids_ok(c.jobs, c.njobs), "hostile names: ids safe and distinct");
	j = find_tasks(&c, "$(touch /tmp/distribute-pwned)");
	TEST_OK(j != NULL && strcmp(j->argv.v[9],
	    "$(touch /tmp/distribute-pwned)") == 0,
	    "hostile names: shell syntax kept verbatim in tasks and argv");
	TEST_OK(find_tasks(&c, "line\nbreak") != NULL &&
	    find_tasks(&c, "it's \"quoted\"") != NULL &&
	    find_tasks(&c, "ünïcödé ✓") != NULL &&
	    find_tasks(&c, "../../etc/passwd") != NULL,
	    "hostile names: newline, quotes, UTF-8, '..' kept in tasks");
	j = find_tasks(&c, "*");
	TEST_OK(j != NULL && strcmp(j->argv.v[9], "[*]") == 0,
	    "hostile names: '*' selected as '[*]'");
	TEST_OK(access("/tmp/distribute-pwned", F_OK) == -1,
	    "hostile names: nothing executed");
	config_free(&c);
}

static void
test_jobs(void)
{
	static const char *const sum1[] = { "sh", "-c",
	    "echo \"$1\" > out.txt", "x", NULL };
	static const char *const sweep[] = { "./bench", "  two  spaces  ",
	    "<a & b>", "", NULL };
	static const char *const sum1env[] = { "LC_ALL=C", "SEED=1", NULL };
	static const char *const sweep2env[] = { "LC_ALL=C", "SEED=0",
	    "DIST_REPEAT=2", NULL };
	static const char *const multi[] = { "printf", "%s\n", NULL };
	struct dist_config c;
	char *cause = NULL;

	if (load(FIX "jobs.xml", SPLIT_RUNS, &c, &cause) == -1) {
		TEST_OK(0, "jobs.xml loads");
		printf("#   %s\n", cause);
		free(cause);
		return;
	}
	TEST_OK(c.kind == CONFIG_JOBS && c.needs_archive == 0 && c.tool == NULL,
	    "jobs: kind jobs, no archive, no tool");
	ASSERT_INT_EQ(c.njobs, 5, "jobs: repeat=3 expanded to 5 jobs");
	if (c.njobs != 5)
		goto out;
	TEST_OK(argv_is(&c.jobs[0].argv, sum1) && c.jobs[0].config_arg == -1,
	    "jobs: exact argv of sum-1");
	TEST_OK(argv_is(&c.jobs[0].env, sum1env),
	    "jobs: job env overrides global env");
	TEST_OK(argv_is(&c.jobs[2].argv, sweep),
	    "jobs: whitespace, CDATA and empty args kept");
	TEST_OK(argv_is(&c.jobs[2].env, sweep2env), "jobs: DIST_REPEAT=2");
	ASSERT_STR_EQ(c.jobs[3].id, "sweep-3", "jobs: repeat ids");
	TEST_OK(argv_is(&c.jobs[4].argv, multi), "jobs: newline inside <arg>");
	TEST_OK(strcmp(c.jobs[4].name, "multi line") == 0 &&
	    strncmp(c.jobs[4].id, "multi_line-", 11) == 0,
	    "jobs: name kept, id made safe");
	TEST_OK(c.jobs[4].rundef == NULL && c.jobs[4].tasks == NULL,
	    "jobs: no rundef/tasks");
out:
	config_free(&c);
}

static size_t
count_argv(const struct dist_config *c, const char *word)
{
	size_t i, k, n = 0;

	for (i = 0; i < c->njobs; i++) {
		for (k = 0; k < c->jobs[i].argv.n; k++) {
			if (strstr(c->jobs[i].argv.v[k], word) != NULL) {
				n++;
				break;
			}
		}
	}
	return n;
}

static void
test_shipped_configs(void)
{
	struct dist_config c;
	char *cause = NULL;

	if (load("configs/demo.xml", SPLIT_RUNS, &c, &cause) == 0) {
		TEST_OK(c.njobs == 9 && c.needs_archive &&
		    count_argv(&c, "demo-tool") >= 3,
		    "configs/demo.xml: 9 jobs using demo-tool");
		config_free(&c);
	} else
		TEST_OK(0, "configs/demo.xml loads");
	if (load("configs/jobs-example.xml", SPLIT_RUNS, &c, &cause) == 0) {
		TEST_OK(c.njobs == 7 && !c.needs_archive,
		    "configs/jobs-example.xml: 7 jobs");
		config_free(&c);
	} else
		TEST_OK(0, "configs/jobs-example.xml loads");
	if (load("configs/benchexec-example.xml", SPLIT_RUNS, &c, &cause)
	    == 0) {
		TEST_OK(c.njobs == 4 && strcmp(c.jobs[3].id,
		    "memsafety.MemSafety-Heap") == 0,
		    "configs/benchexec-example.xml: 4 jobs");
		config_free(&c);
	} else
		TEST_OK(0, "configs/benchexec-example.xml loads");
	if (cause != NULL)
		printf("#   %s\n", cause);
	free(cause);
}

/* Loading FIX/file fails with exactly "FIX/file:msg", config left empty. */
static void
expect_error(const char *file, const char *msg)
{
	struct dist_config c;
	char *path = xasprintf(FIX "%s", file);
	char *want = xasprintf("%s:%s", path, msg);
	char *what = xasprintf("error: %s", want);
	char *cause = NULL;

	if (load(path, SPLIT_RUNS, &c, &cause) == 0) {
		config_free(&c);
		TEST_OK(0, what);
	} else if (c.jobs != NULL || c.njobs != 0 || c.path != NULL)
		TEST_OK(0, what);
	else
		ASSERT_STR_EQ(cause, want, what);
	free(cause);
	free(path);
	free(want);
	free(what);
}

static void
test_errors(void)
{
	expect_error("err-empty.xml", "1: document is empty");
	expect_error("err-truncated.xml",
	    "6: premature end of data in tag tasks line 4");
	expect_error("err-mismatch.xml",
	    "5: opening and ending tag mismatch: include line 5 and includes");
	expect_error("err-root.xml", "3: unknown root element <benchmarks>: "
	    "expected <benchmark>, <jobs> or <pyperformance>");
	expect_error("err-pyperformance.xml",
	    "3: no <revision> in <pyperformance>");
	expect_error("err-notool.xml", "2: <benchmark> has no tool attribute");
	expect_error("err-unknown-element.xml",
	    "6: unknown element <inclde> in <tasks>");
	expect_error("err-sourcefiles.xml",
	    "4: unsupported old format: rename <sourcefiles> to <tasks>");
	expect_error("err-dup-tasks.xml", "6: duplicate tasks name 'same' in "
	    "rundefinition 'r' (first at line 3)");
	expect_error("err-dup-rundef.xml",
	    "6: duplicate rundefinition name 'r' (first at line 4)");
	expect_error("err-unnamed-rundefs.xml", "5: <rundefinition> without a "
	    "name: with several run definitions, each needs a unique name");
	expect_error("err-no-rundef.xml",
	    "2: no <rundefinition> in the benchmark definition");
	expect_error("err-no-tasks.xml",
	    "2: no <tasks> in the benchmark definition");
	expect_error("err-rundef-no-tasks.xml",
	    "4: rundefinition 'b' has no <tasks>");
	expect_error("err-index-clash.xml", "6: tasks name '1' is also the "
	    "index of the unnamed <tasks> at line 5 (benchexec -t 1 would "
	    "select both)");
	expect_error("err-empty-include.xml", "5: <include> is empty");
	expect_error("err-text.xml", "4: unexpected text in <rundefinition>");
	expect_error("err-child-in-option.xml",
	    "3: <option> may only contain text, not <b>");
	expect_error("err-xxe.xml", "3: external entity 'x' is not allowed");
	expect_error("err-xxe-content.xml",
	    "3: external entity 'passwd' is not allowed");
	expect_error("err-xxe-param.xml",
	    "3: external entity 'p' is not allowed");
	expect_error("err-laughs.xml", "16: detected an entity reference loop");
	expect_error("err-laughs-attr.xml",
	    "16: detected an entity reference loop");
}

static void
test_jobs_errors(void)
{
	expect_error("err-jobs-empty-job.xml", "4: job 'empty' has no <arg>");
	expect_error("err-jobs-env-name.xml",
	    "5: bad environment variable name '1BAD'");
	expect_error("err-jobs-env-dup.xml", "4: duplicate <env> 'A'");
	expect_error("err-jobs-repeat.xml",
	    "3: repeat='10001': expected a number from 1 to 10000");
	expect_error("err-jobs-repeat-zero.xml",
	    "4: repeat='0': expected a number from 1 to 10000");
	expect_error("err-jobs-dup.xml",
	    "5: duplicate job name 'a' (also at line 3)");
	expect_error("err-jobs-dup-repeat.xml",
	    "4: duplicate job name 'sweep-2' (also at line 3)");
	expect_error("err-jobs-unknown.xml", "5: unknown element <args> in <job>");
	expect_error("err-jobs-no-name.xml", "3: <job> has no name attribute");
	expect_error("err-jobs-needs-archive.xml",
	    "2: needs-archive='maybe': expected yes or no");
	expect_error("err-jobs-none.xml", "2: no <job> in <jobs>");
	expect_error("err-jobs-arg-element.xml",
	    "4: <arg> may only contain text, not <i>");
	expect_error("err-jobs-empty-command.xml",
	    "4: the first <arg>, the command, is empty");
}

static int
mem_load(const char *path, const char *doc, struct dist_config *c,
    char **cause)
{
	struct dist_config_opts o = opts_make(SPLIT_RUNS, NULL);

	return config_load_mem(path, doc, strlen(doc), &o, c, cause);
}

/* Nothing of a file named by an entity or DTD may reach the result. */
static void
test_xxe_secret(void)
{
	static const char secret[] = "SECRET-4f1c9a";
	char dir[] = "/tmp/test-config.XXXXXX", *file, *dtd, *doc;
	struct dist_config c;
	char *cause = NULL;
	int rc;

	if (mkdtemp(dir) == NULL) {
		TEST_OK(0, "mkdtemp");
		return;
	}
	file = xasprintf("%s/secret.txt", dir);
	dtd = xasprintf("%s/secret.dtd", dir);
	write_file_atomic(file, secret, strlen(secret), NULL);
	doc = xasprintf("<!ENTITY s \"%s\">", secret);
	write_file_atomic(dtd, doc, strlen(doc), NULL);
	free(doc);

	doc = xasprintf("<?xml version=\"1.0\"?>\n<!DOCTYPE benchmark [\n"
	    "<!ENTITY x SYSTEM \"file://%s\">]>\n<benchmark tool=\"t\">"
	    "<rundefinition><tasks name=\"a\"><include>&x;</include></tasks>"
	    "</rundefinition></benchmark>\n", file);
	rc = mem_load("xxe.xml", doc, &c, &cause);
	TEST_OK(rc == -1 && strstr(cause, secret) == NULL &&
	    strstr(cause, "xxe.xml:3: external entity") == cause,
	    "XXE to a local file: refused, content not read");
	free(doc);
	free(cause);
	cause = NULL;

	doc = xasprintf("<?xml version=\"1.0\"?>\n<!DOCTYPE benchmark SYSTEM "
	    "\"file://%s\">\n<benchmark tool=\"t\"><rundefinition>"
	    "<tasks name=\"&s;\"><include>a</include></tasks>"
	    "</rundefinition></benchmark>\n", dtd);
	rc = mem_load("dtd.xml", doc, &c, &cause);
	if (rc == 0) {
		TEST_OK(strstr(c.jobs[0].tasks, secret) == NULL,
		    "external DTD is not loaded");
		config_free(&c);
	} else
		TEST_OK(strstr(cause, secret) == NULL &&
		    strstr(cause, "entity 's' not defined") != NULL,
		    "external DTD is not loaded");
	free(doc);
	free(cause);
	cause = NULL;

	doc = xasprintf("<?xml version=\"1.0\"?>\n<!DOCTYPE jobs [\n"
	    "<!ENTITY w \"hello\">]>\n<jobs><job name=\"&w;\"><arg>echo</arg>"
	    "<arg>&w; &amp; bye</arg></job></jobs>\n");
	rc = mem_load("int.xml", doc, &c, &cause);
	TEST_OK(rc == 0 && c.njobs == 1 && strcmp(c.jobs[0].name, "hello") ==
	    0 && strcmp(c.jobs[0].argv.v[1], "hello & bye") == 0,
	    "internal entities are expanded");
	if (rc == 0)
		config_free(&c);
	free(doc);
	free(cause);

	unlink(file);
	unlink(dtd);
	rmdir(dir);
	free(file);
	free(dtd);
}

static void
test_laughs_fast(void)
{
	struct dist_config c;
	char *cause = NULL;
	double t0 = now_mono();
	int rc = load(FIX "err-laughs.xml", SPLIT_RUNS, &c, &cause);
	double dt = now_mono() - t0;

	TEST_OK(rc == -1 && dt < 0.5, "billion laughs refused in < 0.5 s");
	free(cause);
}

/* n <job>s of repeat=r each (300 x 10000 is about 16 KB). */
static char *
repeat_doc(int n, int r)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	sb_adds(&sb, "<jobs>\n");
	for (i = 0; i < n; i++)
		sb_addf(&sb, "<job name=\"j%d\" repeat=\"%d\"><arg>true</arg>"
		    "</job>\n", i, r);
	sb_adds(&sb, "</jobs>\n");
	return sb_detach(&sb);
}

static long
max_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int
load_max(const char *path, const char *doc, enum dist_split split,
    int max_jobs, struct dist_config *c, char **cause)
{
	struct dist_config_opts o = opts_make(split, NULL);

	o.max_jobs = max_jobs;
	return config_load_mem(path, doc, strlen(doc), &o, c, cause);
}

/* Item 18: 300 x repeat="10000" is refused before 3 M jobs are made. */
static void
test_max_jobs(void)
{
	char *doc = repeat_doc(300, 10000), *cause = NULL;
	struct dist_config c;
	long rss0 = max_rss_kb();
	int rc;

	TEST_OK(strlen(doc) < 20000, "300 x 10000 jobs fit in 20 KB");
	rc = load_max("big.xml", doc, SPLIT_RUNS, 0, &c, &cause);
	TEST_OK(rc == -1 && c.njobs == 0 && c.jobs == NULL,
	    "3 M jobs refused by default");
	ASSERT_STR_EQ(cause, "big.xml: expands to 3000000 jobs, more than the "
	    "limit of 100000 (--max-jobs N raises it)", "the cap's message");
	TEST_OK(max_rss_kb() - rss0 < 100 * 1024,
	    "refused without making the jobs (max RSS grew < 100 MB)");
	free(cause);
	cause = NULL;
	free(doc);

	doc = repeat_doc(3, 4);
	rc = load_max("small.xml", doc, SPLIT_RUNS, 11, &c, &cause);
	ASSERT_STR_EQ(cause, "small.xml: expands to 12 jobs, more than the "
	    "limit of 11 (--max-jobs N raises it)", "--max-jobs 11: 12 refused");
	free(cause);
	cause = NULL;
	rc = load_max("small.xml", doc, SPLIT_RUNS, 12, &c, &cause);
	TEST_OK(rc == 0 && c.njobs == 12, "--max-jobs 12: 12 jobs accepted");
	if (rc == 0)
		config_free(&c);
	free(doc);

	/* just above the default; --max-jobs raises it */
	doc = repeat_doc(11, 10000);
	rc = load_max("edge.xml", doc, SPLIT_RUNS, 0, &c, &cause);
	ASSERT_CONTAINS(cause, "expands to 110000 jobs", "110000 refused");
	free(cause);
	cause = NULL;
	rc = load_max("edge.xml", doc, SPLIT_RUNS, 200000, &c, &cause);
	TEST_OK(rc == 0 && c.njobs == 110000,
	    "--max-jobs 200000: 110000 jobs accepted");
	if (rc == 0)
		config_free(&c);
	free(doc);
}

/* The cap counts BenchExec runs (rundefinitions x tasks, or distinct
 * tasks with --split=tasks) and pyperformance revisions. */
static void
test_max_jobs_kinds(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct dist_config c;
	char *doc, *cause = NULL;
	int i, rc;

	sb_adds(&sb, "<benchmark tool=\"t\">\n");
	for (i = 0; i < 3; i++)
		sb_addf(&sb, "<tasks name=\"t%d\"><include>x</include></tasks>\n",
		    i);
	for (i = 0; i < 4; i++)
		sb_addf(&sb, "<rundefinition name=\"r%d\"/>\n", i);
	sb_adds(&sb, "<rundefinition name=\"own\"><tasks name=\"o\">"
	    "<include>y</include></tasks></rundefinition></benchmark>\n");
	doc = sb_detach(&sb);
	rc = load_max("b.xml", doc, SPLIT_RUNS, 15, &c, &cause);
	ASSERT_STR_EQ(cause, "b.xml: expands to 16 jobs, more than the limit "
	    "of 15 (--max-jobs N raises it)", "benchexec: 5 x 3 + 1 runs counted");
	free(cause);
	cause = NULL;
	rc = load_max("b.xml", doc, SPLIT_TASKS, 4, &c, &cause);
	TEST_OK(rc == 0 && c.njobs == 4, "--split=tasks: 4 distinct tasks fit 4");
	if (rc == 0)
		config_free(&c);
	rc = load_max("b.xml", doc, SPLIT_TASKS, 3, &c, &cause);
	ASSERT_CONTAINS(cause, "expands to 4 jobs", "--split=tasks: 4 > 3");
	free(cause);
	cause = NULL;
	free(doc);

	doc = xstrdup("<pyperformance><revision commit=\"a1\"/>"
	    "<revision commit=\"b2\"/><revision commit=\"c3\"/>"
	    "</pyperformance>");
	rc = load_max("p.xml", doc, SPLIT_RUNS, 2, &c, &cause);
	TEST_OK(rc == -1, "pyperformance: 3 revisions over 2 refused");
	ASSERT_CONTAINS(cause, "p.xml: expands to 3 jobs", "revisions counted");
	free(cause);
	free(doc);
}

/* BenchExec ignores unknown attributes: a warning naming file:line and
 * the attribute, and the config loads; <jobs> still refuses them. */
static void
test_unknown_attrs(void)
{
	static const char jobs[] = "<jobs><job name=\"a\" stopAfter=\"1\">"
	    "<arg>true</arg></job></jobs>";
	struct dist_config c;
	char *cause = NULL;
	int rc = load(FIX "warn-unknown-attr.xml", SPLIT_RUNS, &c, &cause);

	TEST_OK(rc == 0, "benchexec: unknown attributes do not stop the load");
	if (rc == 0) {
		ASSERT_INT_EQ(c.warnings.n, 2, "benchexec: one warning each");
		ASSERT_STR_EQ(c.warnings.n > 0 ? c.warnings.v[0] : NULL,
		    FIX "warn-unknown-attr.xml:3: unknown attribute 'timelimt' "
		    "on <benchmark> ignored (as BenchExec does)",
		    "the warning names file:line and the attribute");
		ASSERT_STR_EQ(c.warnings.n > 1 ? c.warnings.v[1] : NULL,
		    FIX "warn-unknown-attr.xml:5: unknown attribute 'stopAfter' "
		    "on <tasks> ignored (as BenchExec does)",
		    "stopAfter on <tasks> (SV-COMP's blast-new.xml)");
		ASSERT_INT_EQ(c.njobs, 1, "benchexec: the job is made");
		config_free(&c);
	} else {
		printf("#   %s\n", cause);
		free(cause);
		cause = NULL;
	}
	{
		struct strbuf sb = STRBUF_INIT;
		char *doc;
		int i;

		sb_adds(&sb, "<benchmark tool=\"t\"><rundefinition>");
		for (i = 0; i < 25; i++)
			sb_addf(&sb, "<tasks name=\"t%d\" x=\"1\"><include>a"
			    "</include></tasks>", i);
		sb_adds(&sb, "</rundefinition></benchmark>");
		doc = sb_detach(&sb);
		rc = mem_load("w.xml", doc, &c, &cause);
		TEST_OK(rc == 0 && c.warnings.n == CONFIG_MAX_WARNINGS &&
		    c.warnings_dropped == 25 - CONFIG_MAX_WARNINGS,
		    "25 unknown attributes: 20 warnings kept, the rest counted");
		if (rc == 0)
			config_free(&c);
		free(doc);
	}
	TEST_OK(mem_load("j.xml", jobs, &c, &cause) == -1,
	    "jobs: an unknown attribute is still an error");
	ASSERT_STR_EQ(cause, "j.xml:1: unknown attribute 'stopAfter' on <job>",
	    "jobs: its message");
	free(cause);
}

/* Placeholders in a BenchExec config: {revision} in --benchexec-arg
 * values, ${...} and the file untouched, {{ }} literal, an unknown {NAME}
 * kept and reported; an <option>'s {NAME} reported, not replaced. */
static const char be_ph_doc[] = "<benchmark tool=\"t\">\n"
    "<option name=\"-o\">${benchmark_name}/{revision}</option>\n"
    "<rundefinition name=\"r\"><tasks name=\"a\"><include>x</include>"
    "</tasks></rundefinition></benchmark>";

static int
be_ph_load(const char *revision, struct dist_config *c)
{
	struct dist_config_opts o = opts_make(SPLIT_RUNS, NULL);
	char *cause = NULL;
	int rc;

	o.revision = revision;
	sv_push(&o.benchexec_args, "--description-file=d-{revision}.txt");
	sv_push(&o.benchexec_args, "--x=${benchmark_name}");
	sv_push(&o.benchexec_args, "--y={{x}}");
	sv_push(&o.benchexec_args, "--z={foo}");
	rc = config_load_mem("b.xml", be_ph_doc, strlen(be_ph_doc), &o, c,
	    &cause);
	if (rc == -1) {
		printf("#   %s\n", cause);
		free(cause);
	}
	sv_clear(&o.benchexec_args);
	return rc;
}

static void
test_benchexec_placeholders(void)
{
	static const char *const want[] = { "benchexec",
	    "../../config/b.xml", "--name", "run1", "--outputpath", "output/",
	    "--rundefinition", "r", "--tasks", "a",
	    "--description-file=d-r42.txt", "--x=${benchmark_name}", "--y={x}",
	    "--z={foo}", NULL };
	struct dist_config c;

	if (be_ph_load("r42", &c) == -1) {
		TEST_OK(0, "benchexec placeholders: loads");
		return;
	}
	TEST_OK(c.njobs == 1 && argv_is(&c.jobs[0].argv, want),
	    "benchexec: {revision} in --benchexec-arg, ${...} untouched, "
	    "{{x}} is {x}, {foo} kept");
	ASSERT_INT_EQ(c.warnings.n, 2, "benchexec placeholders: 2 warnings");
	ASSERT_STR_EQ(c.warnings.n > 0 ? c.warnings.v[0] : NULL,
	    "b.xml:2: <option>: {revision} is left as it is: distribute passes "
	    "BenchExec files unchanged (placeholders such as {revision} go in "
	    "--benchexec-arg; BenchExec's own variables are ${...})",
	    "benchexec: {revision} in an <option> reported, not replaced");
	ASSERT_STR_EQ(c.warnings.n > 1 ? c.warnings.v[1] : NULL,
	    "b.xml: --benchexec-arg '--z={foo}': {foo} is not a declared "
	    "placeholder ({revision}, with --revision), left as it is; {{ and "
	    "}} write literal braces", "benchexec: unknown {foo} reported");
	config_free(&c);
	if (be_ph_load(NULL, &c) == 0) {
		ASSERT_STR_EQ(c.jobs[0].argv.v[10],
		    "--description-file=d-{revision}.txt",
		    "benchexec without --revision: {revision} kept");
		ASSERT_INT_EQ(c.warnings.n, 3,
		    "... and reported as not declared");
		config_free(&c);
	} else
		TEST_OK(0, "benchexec placeholders without a revision: loads");
}

static void
test_misc(void)
{
	static const char bench[] = "<benchmark tool=\"t\"><rundefinition>"
	    "<tasks name=\"a\"><include>x</include></tasks></rundefinition>"
	    "</benchmark>";
	static const char jobs[] = "<jobs><job name=\"a\"><arg>true</arg>"
	    "</job></jobs>";
	struct dist_config c;
	char *cause = NULL;

	if (mem_load("dir/bad name.xml", bench, &c, &cause) == 0) {
		TEST_OK(strcmp(c.basename, "benchmark.xml") == 0 &&
		    strcmp(c.jobs[0].argv.v[1], "../../config/benchmark.xml")
		    == 0, "unsafe basename replaced by benchmark.xml");
		config_free(&c);
	} else
		TEST_OK(0, "unsafe basename replaced by benchmark.xml");
	if (mem_load(".hidden.xml", jobs, &c, &cause) == 0) {
		ASSERT_STR_EQ(c.basename, "jobs.xml",
		    "unsafe basename replaced by jobs.xml");
		config_free(&c);
	} else
		TEST_OK(0, "unsafe basename replaced by jobs.xml");
	TEST_OK(load(FIX "no-such-file.xml", SPLIT_RUNS, &c, &cause) == -1 &&
	    strcmp(cause, FIX "no-such-file.xml: No such file or directory")
	    == 0, "missing file: path and errno message");
	free(cause);
}

/* Every prefix of every fixture loads or fails with "path:..."; none
 * crashes (run under ASan/valgrind). */
static void
test_truncations(void)
{
	DIR *d = opendir(FIX);
	struct dirent *de;
	struct dist_config c;
	struct dist_config_opts o = opts_make(SPLIT_RUNS, NULL);
	char *path, *data, *cause, *what;
	size_t len, n;
	int ok;

	if (d == NULL) {
		TEST_OK(0, "open " FIX);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".xml") == NULL)
			continue;
		path = xasprintf(FIX "%s", de->d_name);
		ok = read_file(path, &data, &len, NULL) == 0;
		for (n = 0; ok && n <= len; n++) {
			cause = NULL;
			o.split = n % 2 ? SPLIT_TASKS : SPLIT_RUNS;
			if (config_load_mem(path, data, n, &o, &c, &cause) == 0)
				config_free(&c);
			else if (cause == NULL || strncmp(cause, path,
			    strlen(path)) != 0 || cause[strlen(path)] != ':')
				ok = 0;
			free(cause);
		}
		what = xasprintf("every truncation of %s handled", de->d_name);
		TEST_OK(ok, what);
		free(what);
		free(data);
		free(path);
	}
	closedir(d);
}

/* libxml2 must not print anything itself. */
static void
test_quiet(void)
{
	static const char *const files[] = { "err-truncated.xml",
	    "err-mismatch.xml", "err-laughs.xml", "err-xxe.xml",
	    "err-empty.xml", "err-root.xml" };
	struct dist_config c;
	char tmpl[] = "/tmp/test-config-err.XXXXXX", *cause, *path;
	int fd, saved;
	size_t i;
	struct stat st;

	if ((fd = mkstemp(tmpl)) == -1) {
		TEST_OK(0, "mkstemp");
		return;
	}
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		cause = NULL;
		path = xasprintf(FIX "%s", files[i]);
		if (load(path, SPLIT_RUNS, &c, &cause) == 0)
			config_free(&c);
		free(cause);
		free(path);
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	TEST_OK(fstat(fd, &st) == 0 && st.st_size == 0,
	    "libxml2 prints nothing to stderr");
	close(fd);
	unlink(tmpl);
}

static void *
load_many(void *arg)
{
	struct dist_config c;
	char *cause = NULL;
	long i, *bad = arg;

	for (i = 0; i < 30; i++) {
		if (load(FIX "svcomp.xml", SPLIT_RUNS, &c, &cause) == 0) {
			if (c.njobs != 11)
				(*bad)++;
			config_free(&c);
		} else
			(*bad)++;
		if (load(FIX "err-mismatch.xml", SPLIT_RUNS, &c, &cause) == 0 ||
		    strstr(cause, ":5: opening") == NULL)
			(*bad)++;
		free(cause);
		cause = NULL;
	}
	return NULL;
}

static void
test_threads(void)
{
	pthread_t t[4];
	long bad[4] = { 0, 0, 0, 0 };
	int i;

	config_init();
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, load_many, &bad[i]);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	TEST_OK(bad[0] + bad[1] + bad[2] + bad[3] == 0,
	    "loads in 4 threads agree");
}

int
main(void)
{
	test_make_job_id();
	test_dedup();
	test_kind_names();
	test_svcomp_runs();
	test_svcomp_tasks();
	test_single();
	test_names();
	test_jobs();
	test_shipped_configs();
	test_errors();
	test_jobs_errors();
	test_xxe_secret();
	test_laughs_fast();
	test_max_jobs();
	test_max_jobs_kinds();
	test_unknown_attrs();
	test_benchexec_placeholders();
	test_misc();
	test_truncations();
	test_quiet();
	test_threads();
	return test_done();
}
