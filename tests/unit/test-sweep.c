/*
 * test-sweep.c - parameter sweeps in <jobs> configs and the placeholder
 * rule (master/input/sweep.c, placeholders.c; issue 17 item 4).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/config.h"
#include "input/sweep.h"
#include "test.h"

static int
load(const char *doc, int max_jobs, const char *revision,
    struct dist_config *c, char **cause)
{
	struct dist_config_opts o;

	memset(&o, 0, sizeof o);
	o.name = "run1";
	o.max_jobs = max_jobs;
	o.revision = revision;
	return config_load_mem("s.xml", doc, strlen(doc), &o, c, cause);
}

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
	return sv->n == i;
}

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

static const char sweep_2x3x2[] =
    "<jobs>\n"
    "  <env name=\"TAG\">{algo}/{size}</env>\n"
    "  <job name=\"sort\">\n"
    "    <sweep>\n"
    "      <axis name=\"algo\"><value>qsort</value><value>radix sort"
    "</value></axis>\n"
    "      <axis name=\"size\"><value>1000</value><value>1e6</value>"
    "<value>1e9</value></axis>\n"
    "      <axis name=\"seed\"><value>1</value><value>2</value></axis>\n"
    "    </sweep>\n"
    "    <arg>./sort</arg><arg>--algo={algo}</arg><arg>{size}</arg>\n"
    "    <arg>seed={seed}</arg>\n"
    "    <env name=\"SEED\">{seed}</env>\n"
    "  </job>\n"
    "  <job name=\"after\"><arg>true</arg></job>\n"
    "</jobs>\n";

static void
test_product(void)
{
	static const char *const ids[] = { "sort-qsort-1000-1",
	    "sort-qsort-1000-2", "sort-qsort-1e6-1", "sort-qsort-1e6-2",
	    "sort-qsort-1e9-1", "sort-qsort-1e9-2" };
	static const char *const a0[] = { "./sort", "--algo=qsort", "1000",
	    "seed=1", NULL };
	static const char *const a11[] = { "./sort", "--algo=radix sort",
	    "1e9", "seed=2", NULL };
	struct dist_config c;
	char *cause = NULL;
	size_t i;
	int ok = 1;

	if (load(sweep_2x3x2, 0, NULL, &c, &cause) == -1) {
		TEST_OK(0, "2 x 3 x 2 sweep loads");
		printf("#   %s\n", cause);
		free(cause);
		return;
	}
	ASSERT_INT_EQ(c.njobs, 13, "2 x 3 x 2 sweep: 12 jobs, then 'after'");
	if (c.njobs != 13)
		goto out;
	for (i = 0; i < 6; i++)
		ok &= strcmp(c.jobs[i].id, ids[i]) == 0;
	TEST_OK(ok, "ids in order, first axis outermost, last fastest");
	TEST_OK(strcmp(c.jobs[6].name, "sort-radix sort-1000-1") == 0 &&
	    strncmp(c.jobs[6].id, "sort-radix_sort-1000-1-", 23) == 0,
	    "a value with a blank: name kept, id made safe");
	TEST_OK(argv_is(&c.jobs[0].argv, a0), "args of the first job");
	TEST_OK(argv_is(&c.jobs[11].argv, a11), "args of the last job");
	TEST_OK(env_get(&c.jobs[11], "SEED") != NULL &&
	    strcmp(env_get(&c.jobs[11], "SEED"), "2") == 0 &&
	    strcmp(env_get(&c.jobs[3], "TAG"), "qsort/1e6") == 0,
	    "placeholders in the job's and the global env values");
	ASSERT_STR_EQ(c.jobs[12].id, "after", "the next job as before");
	TEST_OK(strcmp(env_get(&c.jobs[12], "TAG"), "{algo}/{size}") == 0,
	    "no axis in the other job: {algo} left as it is");
out:
	config_free(&c);
}

static void
test_named_axes(void)
{
	static const char doc[] =
	    "<jobs><job name=\"{algo}-n{size}\" repeat=\"2\"><sweep>"
	    "<axis name=\"algo\"><value>q</value><value>r</value></axis>"
	    "<axis name=\"size\"><value>1</value></axis>"
	    "<axis name=\"opt\"><value>O2</value></axis></sweep>"
	    "<arg>x</arg></job></jobs>";
	struct dist_config c;
	char *cause = NULL;

	if (load(doc, 0, NULL, &c, &cause) == -1) {
		TEST_OK(0, "axes named in the job's name: loads");
		printf("#   %s\n", cause);
		free(cause);
		return;
	}
	TEST_OK(c.njobs == 4 && strcmp(c.jobs[0].id, "q-n1-O2-1") == 0 &&
	    strcmp(c.jobs[3].id, "r-n1-O2-2") == 0,
	    "named axes in place, the others appended, then repeat=");
	config_free(&c);
}

static void
test_collision(void)
{
	static const char doc[] =
	    "<jobs>\n<job name=\"j\">\n<sweep>"
	    "<axis name=\"x\"><value>a-b</value><value>a</value></axis>"
	    "<axis name=\"y\"><value>c</value><value>b-c</value></axis>"
	    "</sweep><arg>true</arg></job></jobs>";
	static const char dup[] =
	    "<jobs><job name=\"j\"><sweep><axis name=\"x\"><value>1</value>"
	    "<value>1</value></axis></sweep><arg>true</arg></job></jobs>";
	struct dist_config c;
	char *cause = NULL;

	TEST_OK(load(doc, 0, NULL, &c, &cause) == -1 && c.njobs == 0,
	    "two combinations making one id: refused");
	ASSERT_STR_EQ(cause, "s.xml:2: sweep of job 'j': x=a-b, y=c and "
	    "x=a, y=b-c both make the job id 'j-a-b-c' (name the axes in the "
	    "job's name, e.g. name=\"j-{y}\")", "collision: file:line, both");
	free(cause);
	cause = NULL;
	TEST_OK(load(dup, 0, NULL, &c, &cause) == -1 && cause != NULL &&
	    strstr(cause, "both make the job id 'j-1'") != NULL,
	    "a value twice on an axis: refused");
	free(cause);
}

static void
test_cap(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct dist_config c;
	char *cause = NULL;
	int i, k;

	TEST_OK(load(sweep_2x3x2, 12, NULL, &c, &cause) == -1, "--max-jobs "
	    "12: 12 sweep jobs + 1 refused");
	ASSERT_STR_EQ(cause, "s.xml: expands to 13 jobs, more than the limit "
	    "of 12 (--max-jobs N raises it)", "the cap counts the product");
	free(cause);
	cause = NULL;
	/* 10 axes of 10 values: 10^10 jobs from 3 kB, refused before any */
	sb_adds(&sb, "<jobs><job name=\"big\"><sweep>");
	for (i = 0; i < 10; i++) {
		sb_addf(&sb, "<axis name=\"a%d\">", i);
		for (k = 0; k < 10; k++)
			sb_addf(&sb, "<value>%d</value>", k);
		sb_adds(&sb, "</axis>");
	}
	sb_adds(&sb, "</sweep><arg>x</arg></job></jobs>");
	TEST_OK(load(sb.buf, 0, NULL, &c, &cause) == -1 && c.njobs == 0 &&
	    c.jobs == NULL, "10^10 sweep jobs refused, none made");
	ASSERT_STR_EQ(cause, "s.xml: expands to 10000000000 jobs, more than "
	    "the limit of 100000 (--max-jobs N raises it)", "its message");
	free(cause);
	sb_release(&sb);
}

static void
test_placeholders(void)
{
	static const char doc[] =
	    "<jobs><job name=\"p\"><sweep><axis name=\"v\"><value>1</value>"
	    "</axis></sweep>"
	    "<arg>sh</arg><arg>{{v}} {v} }} {{</arg>"
	    "<arg>${benchmark_name} ${v} $HOME {nope} {v}{v}</arg>"
	    "<arg>awk '{ print $1 }' {v</arg>"
	    "<arg>rev={revision}</arg></job></jobs>";
	static const char *const want[] = { "sh", "{v} 1 } {",
	    "${benchmark_name} ${v} $HOME {nope} 11", "awk '{ print $1 }' {v",
	    "rev=r42", NULL };
	static const char *const norev[] = { "sh", "{v} 1 } {",
	    "${benchmark_name} ${v} $HOME {nope} 11", "awk '{ print $1 }' {v",
	    "rev={revision}", NULL };
	struct dist_config c;
	char *cause = NULL;
	size_t i, n = 0;

	if (load(doc, 0, "r42", &c, &cause) == -1) {
		TEST_OK(0, "placeholders: loads");
		printf("#   %s\n", cause);
		free(cause);
		return;
	}
	TEST_OK(c.njobs == 1 && argv_is(&c.jobs[0].argv, want),
	    "{{ }} literal, ${...} untouched, unknown kept, {revision}");
	for (i = 0; i < c.warnings.n; i++)
		n += strstr(c.warnings.v[i], "{nope} is not a declared "
		    "placeholder") != NULL;
	TEST_OK(c.warnings.n == 1 && n == 1 &&
	    strncmp(c.warnings.v[0], "s.xml:1: job 'p'", 16) == 0,
	    "one warning, for {nope} only (not awk's { print $1 })");
	config_free(&c);
	if (load(doc, 0, NULL, &c, &cause) == 0) {
		TEST_OK(argv_is(&c.jobs[0].argv, norev) && c.warnings.n == 2,
		    "no revision: {revision} kept, with a warning");
		config_free(&c);
	} else
		TEST_OK(0, "placeholders without a revision: loads");
}

static void
expect(const char *doc, const char *want, const char *what)
{
	struct dist_config c;
	char *cause = NULL;

	if (load(doc, 0, NULL, &c, &cause) == 0) {
		config_free(&c);
		TEST_OK(0, what);
		return;
	}
	ASSERT_STR_EQ(cause, want, what);
	free(cause);
}

static void
test_errors(void)
{
	expect("<jobs><job name=\"j\">\n<sweep>\n<axis name=\"a\"></axis>"
	    "</sweep><arg>x</arg></job></jobs>",
	    "s.xml:3: axis 'a' has no <value>", "an empty axis: file:line");
	expect("<jobs><job name=\"j\"><sweep>\n<axis name=\"a b\"><value>1"
	    "</value></axis></sweep><arg>x</arg></job></jobs>",
	    "s.xml:2: axis name 'a b': expected a letter or '_', then "
	    "letters, digits or '_' (at most 64)", "an axis name with a blank");
	expect("<jobs><job name=\"j\"><sweep><axis><value>1</value></axis>"
	    "</sweep><arg>x</arg></job></jobs>",
	    "s.xml:1: <axis> has no name attribute", "an axis without a name");
	expect("<jobs><job name=\"j\"><sweep><axis name=\"revision\"><value>1"
	    "</value></axis></sweep><arg>x</arg></job></jobs>",
	    "s.xml:1: axis name 'revision' is reserved: {revision} is the "
	    "run's revision", "axis 'revision' reserved");
	expect("<jobs><job name=\"j\"><sweep><axis name=\"a\"><value>1"
	    "</value></axis><axis name=\"a\"><value>2</value></axis></sweep>"
	    "<arg>x</arg></job></jobs>",
	    "s.xml:1: axis 'a' twice in <sweep>", "an axis twice");
	expect("<jobs><job name=\"j\"><sweep/><arg>x</arg></job></jobs>",
	    "s.xml:1: <sweep> has no <axis>", "an empty sweep");
	expect("<jobs><job name=\"j\"><sweep><axis name=\"a\">1 2</axis>"
	    "</sweep><arg>x</arg></job></jobs>",
	    "s.xml:1: an <axis> holds <value> elements, not text (never "
	    "split on blanks): <value>a</value><value>b</value>",
	    "values as text, not elements: refused");
}

static void
test_expand(void)
{
	static const char *const names[] = { "a", "b_2" };
	static const char *const values[] = { "X", "{b_2}" };
	struct ph_vars v = { names, values, 2 };
	struct strvec unknown = STRVEC_INIT;
	unsigned char used[2] = { 0, 0 };
	char *s;

	s = ph_expand("{a}{b_2}{c} {{a}} ${a} {} {a", &v, used, &unknown);
	ASSERT_STR_EQ(s, "X{b_2}{c} {a} ${a} {} {a", "ph_expand: one pass, "
	    "values not expanded again");
	TEST_OK(used[0] && used[1] && unknown.n == 1 &&
	    strcmp(unknown.v[0], "{c}") == 0, "ph_expand: used and unknown");
	free(s);
	sv_clear(&unknown);
	TEST_OK(ph_name_ok("_a1") && !ph_name_ok("1a") && !ph_name_ok("") &&
	    !ph_name_ok("a-b"), "ph_name_ok: identifiers only");
}

static void
test_example(void)
{
	struct dist_config_opts o;
	struct dist_config c;
	char *cause = NULL;

	memset(&o, 0, sizeof o);
	o.name = "run1";
	if (config_load("configs/sweep-example.xml", &o, &c, &cause) == -1) {
		TEST_OK(0, "configs/sweep-example.xml loads");
		printf("#   %s\n", cause);
		free(cause);
		return;
	}
	TEST_OK(c.njobs == 12 && strcmp(c.jobs[0].id, "sort-qsort-1000-1") == 0
	    && strcmp(c.jobs[11].id, "sort-radix-1000000-3") == 0 &&
	    c.warnings.n == 0, "configs/sweep-example.xml: 12 jobs, no warning");
	config_free(&c);
}

int
main(void)
{
	test_product();
	test_named_axes();
	test_collision();
	test_cap();
	test_placeholders();
	test_errors();
	test_expand();
	test_example();
	return test_done();
}
