/*
 * test-config-pyperf.c - pyperformance campaigns: template file and XML
 * sections merged, jobs' argv/env/exits, errors with file:line, and the
 * job's sh program run for real (dash, bash, busybox sh) to check the
 * compile.ini it writes.  Fixtures: tests/data/config/pyperf-*.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input/config.h"
#include "test.h"

#define FIX "tests/data/config/"

static const char campaign_ini[] =
    "[config]\n"
    "json_dir = {job_dir}/json\n"
    "debug = False\n"
    "\n"
    "[scm]\n"
    "repo_dir = {home}/src/cpython\n"
    "update = True\n"
    "git_remote = remotes/origin\n"
    "\n"
    "[compile]\n"
    "lto = True\n"
    "pgo = no\n"
    "jobs = 8\n"
    "install = True\n"
    "bench_dir = {workdir}/bench\n"
    "\n"
    "[run_benchmark]\n"
    "system_tune = False\n"
    "benchmarks = nbody,pyflate,-float\n"
    "affinity =\n"
    "upload = False\n"
    "\n"
    "[upload]\n"
    "url = https://speed.example.org/\n"
    "\n"
    "[compile_all]\n"
    "branches = main\n"
    "\t3.12\n"
    "\t3.11\n";

static const char minimal_ini[] =
    "[config]\n"
    "json_dir = {job_dir}/json\n"
    "\n"
    "[scm]\n"
    "repo_dir = {workdir}/cpython\n"
    "\n"
    "[compile]\n"
    "bench_dir = {workdir}/pyperf-bench\n";

static int
load(const char *file, struct dist_config *c, char **cause)
{
	struct dist_config_opts o;

	memset(&o, 0, sizeof o);
	o.name = "run1";
	return config_load(file, &o, c, cause);
}

static int
load_str(const char *xml, struct dist_config *c, char **cause)
{
	struct dist_config_opts o;

	memset(&o, 0, sizeof o);
	o.name = "run1";
	return config_load_mem(FIX "mem.xml", xml, strlen(xml), &o, c, cause);
}

/* The value of NAME in a job's env, or NULL. */
static const char *
env_get(const struct dist_job *j, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < j->env.n; i++)
		if (strncmp(j->env.v[i], name, len) == 0 &&
		    j->env.v[i][len] == '=')
			return j->env.v[i] + len + 1;
	return NULL;
}

/* argv[4...] equals want (argv[0..3] are sh -c PROGRAM sh). */
static int
args_are(const struct dist_job *j, const char *const *want)
{
	size_t i;

	if (j->argv.n < 4 || strcmp(j->argv.v[0], "sh") != 0 ||
	    strcmp(j->argv.v[1], "-c") != 0 ||
	    strcmp(j->argv.v[3], "sh") != 0)
		return 0;
	for (i = 0; want[i] != NULL; i++) {
		if (4 + i >= j->argv.n || strcmp(j->argv.v[4 + i], want[i]) != 0) {
			printf("#   argv[%zu]: got [%s] expected [%s]\n", 4 + i,
			    4 + i < j->argv.n ? j->argv.v[4 + i] : "(end)",
			    want[i]);
			return 0;
		}
	}
	return j->argv.n == 4 + i && j->argv.v[j->argv.n] == NULL;
}

static int
exits_ok(const struct dist_job *j)
{
	return j->nexits == 3 &&
	    j->exits[0].code == 10 && j->exits[0].ok == 1 &&
	    strcmp(j->exits[0].meaning, "result already exists") == 0 &&
	    j->exits[1].code == 11 && j->exits[1].ok == 0 &&
	    strcmp(j->exits[1].meaning, "compile error") == 0 &&
	    j->exits[2].code == 12 && j->exits[2].ok == 0 &&
	    strcmp(j->exits[2].meaning, "benchmark error") == 0;
}

static void
test_campaign_jobs(const struct dist_config *c)
{
	static const char *const a0[] = { "/usr/bin/python3", "8f3a1c2d9e4b",
	    NULL };
	static const char *const a1[] = { "/usr/bin/python3", "main", NULL };
	static const char *const a2[] = { "/usr/bin/python3", "0c1d2e3f",
	    "3.12", NULL };
	static const char *const a3[] = { "/usr/bin/python3", "3.11", NULL };

	ASSERT_STR_EQ(c->jobs[0].id, "8f3a1c2d9e4b", "id from the commit");
	ASSERT_STR_EQ(c->jobs[1].id, "main", "id from the branch");
	ASSERT_STR_EQ(c->jobs[2].name, "fix 3.12", "name= is the name");
	TEST_OK(strncmp(c->jobs[2].id, "fix_3.12-", 9) == 0 &&
	    strlen(c->jobs[2].id) == 17, "id from name= made safe");
	ASSERT_STR_EQ(c->jobs[3].id, "3.11", "id from a dotted branch");
	TEST_OK(args_are(&c->jobs[0], a0), "argv: python, commit");
	TEST_OK(args_are(&c->jobs[1], a1), "argv: python, branch alone");
	TEST_OK(args_are(&c->jobs[2], a2), "argv: python, commit, branch");
	TEST_OK(args_are(&c->jobs[3], a3), "argv of the 4th revision");
	ASSERT_STR_EQ(c->jobs[0].revision, "8f3a1c2d9e4b", "revision field");
	ASSERT_STR_EQ(c->jobs[0].branch, NULL, "no branch field");
	ASSERT_STR_EQ(c->jobs[1].revision, "main", "branch as revision");
	ASSERT_STR_EQ(c->jobs[1].branch, "main", "branch field");
	ASSERT_STR_EQ(c->jobs[2].revision, "0c1d2e3f", "revision with branch");
	ASSERT_STR_EQ(c->jobs[2].branch, "3.12", "branch with commit");
	TEST_OK(exits_ok(&c->jobs[0]) && exits_ok(&c->jobs[3]),
	    "exit codes 10 ok, 11 compile error, 12 benchmark error");
	TEST_OK(strcmp(c->jobs[0].argv.v[2], c->jobs[2].argv.v[2]) == 0 &&
	    strstr(c->jobs[0].argv.v[2], "8f3a") == NULL,
	    "one fixed program, no data in it");
}

static void
test_campaign_env(const struct dist_config *c)
{
	const char *ini1;

	ASSERT_INT_EQ(c->jobs[0].env.n, 3, "3 env vars");
	ASSERT_STR_EQ(c->jobs[0].env.v[0], "PYTHONPATH=/opt/pyperf",
	    "<env> first, in order");
	ASSERT_STR_EQ(c->jobs[0].env.v[1], "LC_ALL=C", "second <env>");
	ASSERT_STR_EQ(env_get(&c->jobs[0], "DIST_PYPERF_INI"), campaign_ini,
	    "template and XML sections merged, in order, overrides in place");
	ASSERT_STR_EQ(env_get(&c->jobs[3], "DIST_PYPERF_INI"), campaign_ini,
	    "the same config for another revision");
	/* remote="upstream": git_remote in [config] (added) and [scm] */
	ini1 = env_get(&c->jobs[1], "DIST_PYPERF_INI");
	TEST_OK(ini1 != NULL && strstr(ini1, "debug = False\n"
	    "git_remote = remotes/upstream\n\n[scm]\n") != NULL &&
	    strstr(ini1, "update = True\ngit_remote = remotes/upstream\n\n")
	    != NULL && strstr(ini1, "origin") == NULL,
	    "remote= sets git_remote in [config] and [scm]");
}

static void
test_campaign(void)
{
	struct dist_config c;
	char *cause = NULL;

	if (load(FIX "pyperf-campaign.xml", &c, &cause) == -1) {
		TEST_OK(0, "pyperf-campaign.xml loads");
		printf("#   %s\n", cause);
		free(cause);
		return;
	}
	ASSERT_INT_EQ(c.kind, CONFIG_PYPERFORMANCE, "kind pyperformance");
	ASSERT_INT_EQ(c.needs_archive, 0, "no tool archive needed");
	ASSERT_INT_EQ(c.njobs, 4, "one job per revision");
	ASSERT_STR_EQ(c.tool, NULL, "no tool");
	if (c.njobs == 4) {
		test_campaign_jobs(&c);
		test_campaign_env(&c);
	}
	config_free(&c);
}

static void
test_minimal(void)
{
	static const char *const a0[] = { "python3", "abc123", NULL };
	struct dist_config c;
	char *cause = NULL;

	if (load(FIX "pyperf-minimal.xml", &c, &cause) == -1) {
		TEST_OK(0, "pyperf-minimal.xml loads");
		printf("#   %s\n", cause);
		free(cause);
		return;
	}
	ASSERT_INT_EQ(c.njobs, 1, "minimal: one job");
	TEST_OK(args_are(&c.jobs[0], a0), "minimal: python3 by default");
	ASSERT_INT_EQ(c.jobs[0].env.n, 1, "minimal: only DIST_PYPERF_INI");
	ASSERT_STR_EQ(env_get(&c.jobs[0], "DIST_PYPERF_INI"), minimal_ini,
	    "minimal: the defaults of json_dir, repo_dir, bench_dir");
	config_free(&c);
}

static void
test_archive_attr(void)
{
	struct dist_config c;
	char *cause = NULL;
	int rc;

	rc = load_str("<pyperformance needs-archive=\"yes\" python=\"py-wrap\">"
	    "<revision commit=\"v3.12.0\"/></pyperformance>", &c, &cause);
	ASSERT_INT_EQ(rc, 0, "needs-archive=yes loads");
	if (rc == 0) {
		ASSERT_INT_EQ(c.needs_archive, 1, "needs-archive=yes");
		ASSERT_STR_EQ(c.jobs[0].argv.v[4], "py-wrap", "python=");
		config_free(&c);
	}
	free(cause);
}

static void
expect_error(const char *file, const char *msg)
{
	struct dist_config c;
	char *cause = NULL, *what, *want, *path;

	what = xasprintf("%s: %s", file, msg);
	want = xasprintf(FIX "%s:%s", file, msg);
	path = xasprintf(FIX "%s", file);
	if (load(path, &c, &cause) == 0) {
		config_free(&c);
		TEST_OK(0, what);
	} else {
		ASSERT_CONTAINS(cause, want, what);
		TEST_OK(cause != NULL && strncmp(cause, want, strlen(FIX) +
		    strlen(file) + 1) == 0, "error starts with the file name");
	}
	free(cause);
	free(what);
	free(want);
	free(path);
}

static void
test_file_errors(void)
{
	expect_error("pyperf-err-norev.xml",
	    "2: no <revision> in <pyperformance>");
	expect_error("pyperf-err-section.xml",
	    "4: unknown section 'compiler': expected config, scm, compile");
	expect_error("pyperf-err-dup.xml",
	    "5: duplicate revision 'abc123' (also at line 3): give one a name=");
	expect_error("pyperf-err-badxml.xml",
	    "4: opening and ending tag mismatch: revision line 3");
	expect_error("pyperf-err-tmpl.xml", "2: " FIX "pyperf-err-section.ini:5: "
	    "unknown section [compiel]: expected config, scm");
}

/* XML text (in FIX, so relative templates are found there). */
static void
expect_mem_error(const char *xml, const char *msg)
{
	struct dist_config c;
	char *cause = NULL, *what;

	what = xasprintf("error: %s", msg);
	if (load_str(xml, &c, &cause) == 0) {
		config_free(&c);
		TEST_OK(0, what);
	} else
		ASSERT_CONTAINS(cause, msg, what);
	free(cause);
	free(what);
}

#define R "<revision commit=\"abc\"/>"

static void
test_xml_errors(void)
{
	expect_mem_error("<pyperformance>\n<revision/></pyperformance>",
	    "mem.xml:2: <revision> needs commit= or branch=");
	expect_mem_error("<pyperformance><revision commit=\"-h\"/>"
	    "</pyperformance>", "mem.xml:1: bad commit '-h': expected one "
	    "word, not starting with '-'");
	expect_mem_error("<pyperformance><revision branch=\"a b\"/>"
	    "</pyperformance>", "bad branch 'a b'");
	expect_mem_error("<pyperformance><revision branch=\"m\" "
	    "remote=\"a;b\"/></pyperformance>", "bad remote 'a;b': expected "
	    "one word of [A-Za-z0-9._/-]");
	expect_mem_error("<pyperformance><revision name=\"\" commit=\"a\"/>"
	    "</pyperformance>", "name= is empty");
	expect_mem_error("<pyperformance><revision commit=\"a\" tag=\"x\"/>"
	    "</pyperformance>", "unknown attribute 'tag' on <revision>");
	expect_mem_error("<pyperformance><revision commit=\"a\"><env/>"
	    "</revision></pyperformance>", "unknown element <env> in "
	    "<revision>");
	expect_mem_error("<pyperformance>\n<section name=\"scm\"/>\n"
	    "<section name=\"scm\"/>" R "</pyperformance>",
	    "mem.xml:3: duplicate <section> 'scm' (also at line 2)");
	expect_mem_error("<pyperformance><section name=\"scm\"><option "
	    "name=\"update\">a</option><option name=\"UPDATE\">b</option>"
	    "</section>" R "</pyperformance>",
	    "duplicate <option> 'update' in <section> 'scm'");
	expect_mem_error("<pyperformance><section name=\"scm\"><option "
	    "name=\"a b\">x</option></section>" R "</pyperformance>",
	    "bad option name 'a b'");
	expect_mem_error("<pyperformance><section name=\"scm\"><option "
	    "name=\"a\">x\ny</option></section>" R "</pyperformance>",
	    "<option> 'a' holds a newline");
	expect_mem_error("<pyperformance><section><option name=\"a\">x"
	    "</option></section>" R "</pyperformance>",
	    "<section> has no name attribute");
	expect_mem_error("<pyperformance><section name=\"scm\"><opt/>"
	    "</section>" R "</pyperformance>",
	    "unknown element <opt> in <section>");
	expect_mem_error("<pyperformance><benchmarks> , </benchmarks>" R
	    "</pyperformance>", "<benchmarks> is empty");
	expect_mem_error("<pyperformance><benchmarks>nbody;ls</benchmarks>" R
	    "</pyperformance>", "bad benchmark name 'nbody;ls'");
	expect_mem_error("<pyperformance><benchmarks>a</benchmarks>\n"
	    "<benchmarks>b</benchmarks>" R "</pyperformance>",
	    "mem.xml:2: duplicate <benchmarks> (also at line 1)");
	expect_mem_error("<pyperformance><env name=\"DIST_PYPERF_INI\">x</env>"
	    R "</pyperformance>", "<env> 'DIST_PYPERF_INI' is reserved");
	expect_mem_error("<pyperformance><env name=\"A\">x</env><env "
	    "name=\"A\">y</env>" R "</pyperformance>", "duplicate <env> 'A'");
	expect_mem_error("<pyperformance><env name=\"1A\">x</env>" R
	    "</pyperformance>", "bad environment variable name '1A'");
	expect_mem_error("<pyperformance><tasks/>" R "</pyperformance>",
	    "unknown element <tasks> in <pyperformance>");
	expect_mem_error("<pyperformance python=\"\">" R "</pyperformance>",
	    "bad python ''");
	expect_mem_error("<pyperformance needs-archive=\"maybe\">" R
	    "</pyperformance>", "needs-archive='maybe': expected yes or no");
	expect_mem_error("<pyperformance tool=\"x\">" R "</pyperformance>",
	    "unknown attribute 'tool' on <pyperformance>");
	expect_mem_error("<pyperformance>text" R "</pyperformance>",
	    "unexpected text in <pyperformance>");
	expect_mem_error("<pyperformance template=\"\">" R "</pyperformance>",
	    "template= is empty");
	expect_mem_error("<pyperformance template=\"no-such.ini\">" R
	    "</pyperformance>", "mem.xml:1: template '" FIX "no-such.ini': "
	    "No such file or directory");
	expect_mem_error("<pyperformance template=\".\">" R "</pyperformance>",
	    "template '" FIX ".': not a regular file");
}

/* A template with this text, loaded by absolute path. */
static void
expect_tmpl_error(const char *dir, const char *text, size_t len,
    const char *msg)
{
	char *path = xasprintf("%s/t.ini", dir), *xml, *what, *cause = NULL;
	struct dist_config c;

	what = xasprintf("template error: %s", msg);
	xml = xasprintf("<pyperformance template=\"%s\">" R "</pyperformance>",
	    path);
	if (write_file_atomic(path, text, len, &cause) == -1)
		TEST_OK(0, cause);
	else if (load_str(xml, &c, &cause) == 0) {
		config_free(&c);
		TEST_OK(0, what);
	} else
		ASSERT_CONTAINS(cause, msg, what);
	free(cause);
	free(what);
	free(xml);
	free(path);
}

static void
test_template_errors(void)
{
	char dir[] = "/tmp/test-config-pyperf.XXXXXX", *big, *ini;

	if (mkdtemp(dir) == NULL) {
		TEST_OK(0, "mkdtemp");
		return;
	}
	ini = xasprintf("mem.xml:1: %s/t.ini:3: duplicate section [scm] "
	    "(also at line 1)", dir);
	expect_tmpl_error(dir, "[scm]\na=1\n[scm]\n", 16, ini);
	free(ini);
	expect_tmpl_error(dir, "[scm]\na=1\nA: 2\n", 15,
	    "t.ini:3: duplicate option 'a' in [scm]");
	expect_tmpl_error(dir, "a = 1\n", 6, "t.ini:1: 'a = 1' is outside a "
	    "section");
	expect_tmpl_error(dir, "[scm]\n  more\n", 13,
	    "t.ini:2: indented line '  more' continues no option");
	expect_tmpl_error(dir, "[scm]\nupdate\n", 13, "t.ini:2: expected "
	    "'key = value', not 'update'");
	expect_tmpl_error(dir, "# c\n[scm\n", 9, "t.ini:2: bad section header "
	    "'[scm'");
	expect_tmpl_error(dir, "[DEFAULT]\n", 10, "t.ini:1: unknown section "
	    "[DEFAULT]");
	expect_tmpl_error(dir, "[scm]\nx y = 1\n", 14, "t.ini:2: bad option "
	    "name 'x y'");
	expect_tmpl_error(dir, "[scm]\na=\0\n", 9, "t.ini: contains a NUL "
	    "byte");
	big = xmalloc(70000);
	memset(big, '#', 70000);
	expect_tmpl_error(dir, big, 70000, "t.ini': larger than 65536 bytes");
	free(big);
	ini = xasprintf("%s/t.ini", dir);
	unlink(ini);
	free(ini);
	rmdir(dir);
}

/* A template near its limit plus a long XML option: too big for the
 * environment. */
static void
test_too_big(void)
{
	char dir[] = "/tmp/test-config-pyperf.XXXXXX", *path, *xml, *big;
	struct strbuf sb = STRBUF_INIT;
	struct dist_config c;
	char *cause = NULL;

	if (mkdtemp(dir) == NULL) {
		TEST_OK(0, "mkdtemp");
		return;
	}
	path = xasprintf("%s/big.ini", dir);
	sb_adds(&sb, "[scm]\nx = ");
	for (int i = 0; i < 60000; i++)
		sb_addc(&sb, 'a');
	sb_addc(&sb, '\n');
	big = xmalloc(45001);
	memset(big, 'b', 45000);
	big[45000] = '\0';
	xml = xasprintf("<pyperformance template=\"%s\"><section name=\"scm\">"
	    "<option name=\"y\">%s</option></section>\n" R "</pyperformance>",
	    path, big);
	if (write_file_atomic(path, sb.buf, sb.len, &cause) == 0 &&
	    load_str(xml, &c, &cause) == 0) {
		config_free(&c);
		TEST_OK(0, "a compile config over 100 KiB is refused");
	} else
		ASSERT_CONTAINS(cause, "mem.xml:2: the compile config is larger "
		    "than 102400 bytes", "a compile config over 100 KiB is "
		    "refused");
	free(cause);
	unlink(path);
	rmdir(dir);
	sb_release(&sb);
	free(big);
	free(xml);
	free(path);
}

/* CRLF, comments, "key: value", continuation, case of keys. */
static void
test_template_forms(void)
{
	char dir[] = "/tmp/test-config-pyperf.XXXXXX", *path, *xml;
	static const char text[] = "; c\r\n[compile]\r\nLTO: yes\r\n"
	    "  # indented comment\r\nflags =\r\n\t-O2\r\n\t-g\r\n";
	struct dist_config c;
	char *cause = NULL;

	if (mkdtemp(dir) == NULL) {
		TEST_OK(0, "mkdtemp");
		return;
	}
	path = xasprintf("%s/forms.ini", dir);
	xml = xasprintf("<pyperformance template=\"%s\">" R "</pyperformance>",
	    path);
	if (write_file_atomic(path, text, sizeof text - 1, &cause) == 0 &&
	    load_str(xml, &c, &cause) == 0) {
		ASSERT_STR_EQ(env_get(&c.jobs[0], "DIST_PYPERF_INI"),
		    "[config]\njson_dir = {job_dir}/json\n\n"
		    "[scm]\nrepo_dir = {workdir}/cpython\n\n"
		    "[compile]\nlto = yes\nflags =\n\t-O2\n\t-g\n"
		    "bench_dir = {workdir}/pyperf-bench\n",
		    "template forms: CRLF, ':', comments, continuation");
		config_free(&c);
	} else {
		TEST_OK(0, "template forms load");
		printf("#   %s\n", cause);
	}
	free(cause);
	unlink(path);
	rmdir(dir);
	free(path);
	free(xml);
}

/* Run the job's argv (argv[0] replaced by shell) in dir; 0..255 or -1. */
static int
run_job(const char *shell, const struct dist_job *j, const char *dir,
    const char *const *env)
{
	char *out = xasprintf("%s/out", dir);
	pid_t pid;
	int st, fd;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if (chdir(dir) == -1 ||
		    (fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		execve(shell, j->argv.v, (char *const *)env);
		_exit(127);
	}
	free(out);
	if (waitpid(pid, &st, 0) == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static char *
slurp(const char *dir, const char *file)
{
	char *path = xasprintf("%s/%s", dir, file), *data = NULL;

	if (read_file(path, &data, NULL, NULL) == -1)
		data = NULL;
	free(path);
	return data;
}

static const char program_xml[] =
    "<pyperformance python=\"/bin/echo\">"
    "<section name=\"config\">"
    "<option name=\"json_dir\">{job_dir}/json</option>"
    "<option name=\"odd\">{unknown} a { b}{ {job_dir</option>"
    "<option name=\"pct\">100%% {home}{workdir}</option>"
    "</section>"
    "<revision commit=\"c0ffee\" branch=\"main\"/>"
    "</pyperformance>";

/* The program writes compile.ini in dir and runs "python -m ...". */
static void
check_program_ok(const char *shell, const struct dist_job *j,
    const char *top)
{
	char *dir = xasprintf("%s/job%%1", top), *ini, *want, *out, *what;
	char *e0 = xasprintf("DIST_PYPERF_INI=%s", env_get(j,
	    "DIST_PYPERF_INI"));
	const char *env[] = { e0, "DIST_WORKDIR=/w/a%b", "HOME=/home/u",
	    "PATH=/usr/bin:/bin", NULL };
	int rc;

	mkdir(dir, 0755);
	rc = run_job(shell, j, dir, env);
	what = xasprintf("%s: the program exits 0", shell);
	ASSERT_INT_EQ(rc, 0, what);
	free(what);
	ini = slurp(dir, "compile.ini");
	want = xasprintf("[config]\njson_dir = %s/job%%%%1/json\n"
	    "odd = {unknown} a { b}{ {job_dir\npct = 100%%%% /home/u/w/a%%%%b\n"
	    "\n[scm]\nrepo_dir = /w/a%%%%b/cpython\n\n[compile]\nbench_dir = "
	    "/w/a%%%%b/pyperf-bench\n", top);
	what = xasprintf("%s: compile.ini with worker paths, %% doubled", shell);
	ASSERT_STR_EQ(ini, want, what);
	free(what);
	free(want);
	out = slurp(dir, "out");
	want = xasprintf("-m pyperformance compile %s/compile.ini c0ffee main\n",
	    dir);
	what = xasprintf("%s: python -m pyperformance compile INI REV BRANCH",
	    shell);
	ASSERT_STR_EQ(out, want, what);
	free(what);
	free(want);
	free(out);
	free(ini);
	free(e0);
	free(dir);
}

/* A '#' in the job's path, and a missing DIST_PYPERF_INI: exit 2. */
static void
check_program_fail(const char *shell, const struct dist_job *j,
    const char *top)
{
	char *dir = xasprintf("%s/job#2", top), *out, *what, *ini;
	char *e0 = xasprintf("DIST_PYPERF_INI=%s", env_get(j,
	    "DIST_PYPERF_INI"));
	const char *env[] = { e0, "DIST_WORKDIR=/w", "HOME=/h", NULL };
	const char *noenv[] = { "DIST_WORKDIR=/w", NULL };

	mkdir(dir, 0755);
	what = xasprintf("%s: a '#' in the job directory: exit 2", shell);
	ASSERT_INT_EQ(run_job(shell, j, dir, env), 2, what);
	free(what);
	out = slurp(dir, "out");
	ini = slurp(dir, "compile.ini");
	what = xasprintf("%s: ... with a message, no compile.ini", shell);
	TEST_OK(out != NULL && strstr(out, "distribute: the job directory")
	    != NULL && strstr(out, "holds a newline or #") != NULL &&
	    ini == NULL, what);
	free(what);
	free(out);
	what = xasprintf("%s: no DIST_PYPERF_INI: exit 2", shell);
	ASSERT_INT_EQ(run_job(shell, j, dir, noenv), 2, what);
	free(what);
	out = slurp(dir, "out");
	ASSERT_STR_EQ(out, "distribute: DIST_PYPERF_INI is not set\n",
	    "... with a message");
	free(out);
	free(ini);
	free(e0);
	free(dir);
}

static void
test_program(void)
{
	static const char *const shells[] = { "/bin/dash", "/bin/bash",
	    "/usr/bin/busybox" };
	char top[] = "/tmp/test-config-pyperf.XXXXXX";
	struct dist_config c;
	char *cause = NULL;
	size_t i;

	if (load_str(program_xml, &c, &cause) == -1 || mkdtemp(top) == NULL) {
		TEST_OK(0, "program test setup");
		printf("#   %s\n", cause != NULL ? cause : "mkdtemp");
		free(cause);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(shells); i++) {
		if (access(shells[i], X_OK) == -1) {
			printf("ok - %s: not installed # SKIP\n", shells[i]);
			continue;
		}
		check_program_ok(shells[i], &c.jobs[0], top);
		check_program_fail(shells[i], &c.jobs[0], top);
	}
	rm_rf(top, NULL);
	config_free(&c);
}

/* Placeholders: {revision} is the job's, {job_dir} and friends reach the
 * worker without a warning, {{ }} literal (also {{job_dir}}), ${...}
 * untouched, {foo} kept with a warning, in the XML and the template. */
static const char ph_tmpl[] = "[compile]\nflags = -DREV={revision}\n"
    "\t{bar}\n";

static const char ph_xml[] =
    "<pyperformance python=\"/bin/echo\" template=\"ph.ini\">\n"
    "<env name=\"TAG\">r-{revision}-{{x}} {job_dir}</env>\n"
    "<section name=\"config\">"
    "<option name=\"json_dir\">{job_dir}/json</option>\n"
    "<option name=\"label\">{revision} {{job_dir}} ${HOME} {foo}</option>"
    "</section>\n"
    "<revision commit=\"c0ffee\" branch=\"main\"/>"
    "<revision branch=\"3.12\"/>"
    "</pyperformance>";

static void
check_ph_warnings(const struct dist_config *c, const char *xml,
    const char *tmpl)
{
	char *w[3];
	size_t i;

	w[1] = xasprintf("%s:2: <env>: {job_dir} is not a declared placeholder "
	    "({revision}), left as it is; {{ and }} write literal braces",
	    xml);
	w[0] = xasprintf("%s:1: %s:3: {bar} is not a declared placeholder "
	    "({revision}, {job_dir}, {workdir} or {home}), left as it is; {{ "
	    "and }} write literal braces", xml, tmpl);
	w[2] = xasprintf("%s:4: <option> 'label': {foo} is not a declared "
	    "placeholder ({revision}, {job_dir}, {workdir} or {home}), left as "
	    "it is; {{ and }} write literal braces", xml);
	ASSERT_INT_EQ(c->warnings.n, 3, "placeholders: 3 warnings, none for "
	    "{job_dir} in the compile config");
	for (i = 0; i < 3; i++) {
		ASSERT_STR_EQ(c->warnings.n > i ? c->warnings.v[i] : NULL, w[i],
		    i == 0 ? "{bar} in the template: XML:LINE: TEMPLATE:LINE" :
		    i == 1 ? "{job_dir} in <env> is not declared there" :
		    "{foo} in an <option>");
		free(w[i]);
	}
}

/* The program run in dir: compile.ini as the worker writes it. */
static void
check_ph_program(const struct dist_job *j, const char *top)
{
	char *dir = xasprintf("%s/job", top), *ini, *want;
	char *e0 = xasprintf("DIST_PYPERF_INI=%s", env_get(j,
	    "DIST_PYPERF_INI"));
	const char *env[] = { e0, "DIST_WORKDIR=/w", "HOME=/h",
	    "PATH=/usr/bin:/bin", NULL };

	mkdir(dir, 0755);
	ASSERT_INT_EQ(run_job("/bin/sh", j, dir, env), 0,
	    "placeholders: the program exits 0");
	ini = slurp(dir, "compile.ini");
	want = xasprintf("[config]\njson_dir = %s/json\n"
	    "label = c0ffee {job_dir} ${HOME} {foo}\n\n"
	    "[scm]\nrepo_dir = /w/cpython\n\n[compile]\n"
	    "flags = -DREV=c0ffee\n\t{bar}\nbench_dir = /w/pyperf-bench\n",
	    dir);
	ASSERT_STR_EQ(ini, want, "compile.ini: {revision} the job's, "
	    "{{job_dir}} literal, ${HOME} and {foo} kept, {job_dir} filled");
	free(want);
	free(ini);
	free(e0);
	free(dir);
}

static void
test_placeholders(void)
{
	char top[] = "/tmp/test-config-pyperf.XXXXXX", *tmpl = NULL;
	char *xml = NULL, *cause = NULL;
	struct dist_config c;
	struct dist_config_opts o;

	memset(&o, 0, sizeof o);
	o.name = "run1";
	o.revision = "run-rev";
	if (mkdtemp(top) == NULL) {
		TEST_OK(0, "mkdtemp");
		return;
	}
	tmpl = xasprintf("%s/ph.ini", top);
	xml = xasprintf("%s/ph.xml", top);
	if (write_file_atomic(tmpl, ph_tmpl, sizeof ph_tmpl - 1, &cause) == -1 ||
	    config_load_mem(xml, ph_xml, strlen(ph_xml), &o, &c, &cause) == -1) {
		TEST_OK(0, "placeholders: loads");
		printf("#   %s\n", cause);
		free(cause);
		goto out;
	}
	check_ph_warnings(&c, xml, tmpl);
	ASSERT_STR_EQ(env_get(&c.jobs[0], "TAG"), "r-c0ffee-{x} {job_dir}",
	    "<env>: {revision} is the job's commit, {{x}} is {x}");
	ASSERT_STR_EQ(env_get(&c.jobs[1], "TAG"), "r-3.12-{x} {job_dir}",
	    "<env>: {revision} is the branch without commit=");
	ASSERT_CONTAINS(env_get(&c.jobs[0], "DIST_PYPERF_INI"),
	    "\nlabel = c0ffee {{job_dir} ${{HOME} {{foo}\n",
	    "sent to the worker: literal braces doubled, {revision} replaced");
	check_ph_program(&c.jobs[0], top);
	config_free(&c);
out:
	rm_rf(top, NULL);
	free(tmpl);
	free(xml);
}

int
main(void)
{
	test_campaign();
	test_minimal();
	test_archive_attr();
	test_file_errors();
	test_xml_errors();
	test_template_errors();
	test_template_forms();
	test_too_big();
	test_program();
	test_placeholders();
	return test_done();
}
