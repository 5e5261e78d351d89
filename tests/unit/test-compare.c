/*
 * test-compare.c - comparing two result tables: verdicts from Welch's
 * test and the minimum change, trends, rows on one side only, matching by
 * job or pooled, the geometric mean, BenchExec counts, hardware warnings,
 * and the Markdown and JSON renderings.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "results/compare.h"
#include "test.h"

static void
add(struct metric_table *t, const char *job, const char *bench,
    const char *metric, const char *trend, const double *v, size_t n)
{
	struct metric_row *r = metrics_row(t, job, NULL, bench, metric,
	    strcmp(metric, "time") == 0 ? "second" : NULL, trend);
	size_t i;

	for (i = 0; i < n; i++)
		metrics_add_value(r, v[i]);
}

#define ADD(t, job, bench, metric, trend, ...) do { \
	static const double _v[] = { __VA_ARGS__ }; \
	add(t, job, bench, metric, trend, _v, ARRAY_SIZE(_v)); \
} while (0)

static const struct compare_row *
find(const struct compare_result *res, const char *job, const char *bench,
    const char *metric)
{
	size_t i;

	for (i = 0; i < res->nrows; i++) {
		const struct compare_row *c = &res->rows[i];

		if (strcmp(c->benchmark, bench) == 0 &&
		    strcmp(c->metric, metric) == 0 && (job == NULL ||
		    (c->job != NULL && strcmp(c->job, job) == 0)))
			return c;
	}
	printf("#   no compared row %s %s\n", bench, metric);
	return NULL;
}

static const char *
verdict_of(const struct compare_result *res, const char *bench,
    const char *metric)
{
	const struct compare_row *c = find(res, NULL, bench, metric);

	return c != NULL ? compare_verdict_name(c->verdict) : "(none)";
}

static void
sides(struct metric_table *a, struct metric_table *b)
{
	metrics_init(a);
	metrics_init(b);
	ADD(a, "j", "nbody", "time", TREND_LOWER, 1.00, 1.01, 0.99, 1.00, 1.02);
	ADD(b, "j", "nbody", "time", TREND_LOWER, 0.90, 0.91, 0.89, 0.90, 0.92);
	ADD(a, "j", "noisy", "time", TREND_LOWER, 1.0, 1.1, 0.9);
	ADD(b, "j", "noisy", "time", TREND_LOWER, 1.05, 0.95, 1.0);
	ADD(a, "j", "tiny", "time", TREND_LOWER, 1.000, 1.001, 1.000, 1.001);
	ADD(b, "j", "tiny", "time", TREND_LOWER, 1.003, 1.004, 1.003, 1.004);
	ADD(a, "j", "once", "time", TREND_LOWER, 2.0);
	ADD(b, "j", "once", "time", TREND_LOWER, 1.0);
	ADD(a, "j", "gone", "time", TREND_LOWER, 1.0, 1.1);
	ADD(b, "j", "new", "time", TREND_LOWER, 1.0, 1.1);
	ADD(a, "j", "serve", "throughput", TREND_HIGHER, 100, 101, 99);
	ADD(b, "j", "serve", "throughput", TREND_HIGHER, 120, 121, 119);
	ADD(a, "j", "serve", "rss", NULL, 10, 10, 10);
	ADD(b, "j", "serve", "rss", NULL, 12, 12, 12);
	metrics_set_host(a, "j", "m1", "Intel Xeon E-2288G", 8, "Linux-6.1");
	metrics_set_host(b, "j", "m2", "AMD EPYC 7302P", 8, "Linux-6.1");
}

static void
test_verdicts(void)
{
	struct metric_table a, b;
	struct compare_result res;
	struct compare_opts o;
	const struct compare_row *c;
	double ratios[4];

	sides(&a, &b);
	compare_opts_init(&o);
	compare_tables(&a, "A", &b, "B", &o, &res);
	ASSERT_INT_EQ(res.by_job, 0, "one job a side: rows pooled");
	ASSERT_INT_EQ(res.nrows, 8, "8 compared rows");
	c = find(&res, NULL, "nbody", "time");
	TEST_OK(c != NULL && c->na == 5 && c->nb == 5 &&
	    fabs(c->mean_a - 1.004) < 1e-12 && fabs(c->mean_b - 0.904) < 1e-12,
	    "means of both sides");
	TEST_OK(c != NULL && fabs(c->ratio - 0.904 / 1.004) < 1e-12 &&
	    fabs(c->change - (0.904 / 1.004 - 1) * 100) < 1e-9,
	    "ratio B/A and change in percent");
	TEST_OK(c != NULL && c->tested && c->w.p < 1e-6 && c->significant,
	    "a 10% gain is significant");
	ASSERT_STR_EQ(verdict_of(&res, "nbody", "time"), "better",
	    "lower time is better");
	ASSERT_STR_EQ(verdict_of(&res, "noisy", "time"), "same",
	    "noise is not a change");
	ASSERT_STR_EQ(verdict_of(&res, "tiny", "time"), "same",
	    "significant but under 1%: same");
	c = find(&res, NULL, "tiny", "time");
	TEST_OK(c != NULL && c->w.p < 0.05, "the tiny change has p < 0.05");
	ASSERT_STR_EQ(verdict_of(&res, "once", "time"), "n/a",
	    "one value a side: no test");
	c = find(&res, NULL, "once", "time");
	TEST_OK(c != NULL && !c->significant && c->ratio == 0.5,
	    "no test, never significant, ratio shown");
	ASSERT_STR_EQ(verdict_of(&res, "gone", "time"), "only in A", "only in A");
	ASSERT_STR_EQ(verdict_of(&res, "new", "time"), "only in B", "only in B");
	ASSERT_STR_EQ(verdict_of(&res, "serve", "throughput"), "better",
	    "higher throughput is better");
	ASSERT_STR_EQ(verdict_of(&res, "serve", "rss"), "changed",
	    "no trend, constant values that differ: changed");
	TEST_OK(res.ncompared == 6 && res.nbetter == 2 && res.nworse == 0 &&
	    res.nchanged == 1, "summary counts");
	ratios[0] = 0.904 / 1.004;
	ratios[1] = 1.0 / 1.0;
	ratios[2] = 1.0035 / 1.0005;
	ratios[3] = 0.5;
	TEST_OK(res.geo_metric != NULL && strcmp(res.geo_metric, "time") == 0 &&
	    res.geo_n == 4 && fabs(res.geomean - stats_geomean(ratios, 4)) < 1e-12,
	    "geometric mean of the time ratios");
	ASSERT_INT_EQ(res.warnings.n, 1, "one hardware warning");
	ASSERT_STR_EQ(res.warnings.n > 0 ? res.warnings.v[0] : NULL,
	    "different hardware: A ran on 'Intel Xeon E-2288G', "
	    "B on 'AMD EPYC 7302P'", "the warning names both CPUs");
	compare_free(&res);

	o.min_change = 0.1;
	compare_tables(&a, "A", &b, "B", &o, &res);
	ASSERT_STR_EQ(verdict_of(&res, "tiny", "time"), "worse",
	    "--min-change 0.1: the tiny slowdown is worse");
	compare_free(&res);
	metrics_free(&a);
	metrics_free(&b);
}

static void
test_by_job(void)
{
	struct metric_table a, b;
	struct compare_result res;
	struct compare_opts o;
	const struct compare_row *c;
	struct metric_counts *k;

	metrics_init(&a);
	metrics_init(&b);
	ADD(&a, "j1", "t", "cputime", TREND_LOWER, 1.0);
	ADD(&a, "j2", "t", "cputime", TREND_LOWER, 3.0);
	ADD(&b, "j1", "t", "cputime", TREND_LOWER, 2.0);
	ADD(&b, "j2", "t", "cputime", TREND_LOWER, 6.0);
	k = metrics_counts(&a, "j1", NULL);
	k->tasks = 5;
	k->correct = 3;
	k->cputime = 12.5;
	metrics_counts(&b, "j1", NULL)->correct = 4;
	metrics_counts(&b, "j3", NULL)->wrong = 1;
	compare_opts_init(&o);
	compare_tables(&a, "A", &b, "B", &o, &res);
	ASSERT_INT_EQ(res.by_job, 1, "shared job ids: matched by job");
	ASSERT_INT_EQ(res.nrows, 2, "a row per job");
	c = find(&res, "j2", "t", "cputime");
	TEST_OK(c != NULL && c->ratio == 2 && c->benchexec,
	    "j2 compared with j2, a BenchExec row");
	TEST_OK(res.geo_metric != NULL && strcmp(res.geo_metric, "cputime") == 0 &&
	    fabs(res.geomean - 2) < 1e-12, "geometric mean over cputime");
	ASSERT_INT_EQ(res.ncounts, 2, "counts: j1 paired, j3 alone");
	TEST_OK(res.ncounts == 2 && res.counts[0].a->correct == 3 &&
	    res.counts[0].b->correct == 4 && res.counts[1].a == NULL &&
	    res.counts[1].b->wrong == 1 && strcmp(res.counts[1].job, "j3") == 0,
	    "counts side by side");
	compare_free(&res);
	metrics_free(&a);
	metrics_free(&b);
}

static void
test_render(void)
{
	struct metric_table a, b;
	struct compare_result res;
	struct compare_opts o;
	char *md, *js, *cause = NULL;
	struct jv *v;
	const struct jv *rows;

	sides(&a, &b);
	ADD(&a, "j", "a|b", "time", TREND_LOWER, 1e-6, 1.1e-6);
	ADD(&b, "j", "a|b", "time", TREND_LOWER, 1e-6, 1.1e-6);
	compare_opts_init(&o);
	compare_tables(&a, "runs/a", &b, "runs/b", &o, &res);
	md = compare_markdown(&res);
	ASSERT_CONTAINS(md, "- A: `runs/a`", "markdown: names side A");
	ASSERT_CONTAINS(md, "> warning: different hardware", "markdown: warning");
	ASSERT_CONTAINS(md, "| benchmark | metric | A | B | B/A | change | p |",
	    "markdown: table header");
	ASSERT_CONTAINS(md, "| nbody | time | 1.004 s ± 1.1% | 904 ms ± 1.3% "
	    "| 0.900 | -10.0% |", "markdown: the nbody row");
	ASSERT_CONTAINS(md, "| **better** |", "markdown: significant in bold");
	ASSERT_CONTAINS(md, "| a\\|b | time | 1.05 us", "markdown: '|' escaped, "
	    "microseconds");
	ASSERT_CONTAINS(md, "Geometric mean of B/A (time, 5 benchmarks): ",
	    "markdown: geometric mean line");
	ASSERT_CONTAINS(md, "7 compared, 2 better, 0 worse, 1 changed "
	    "(significant: p < 0.05 and |change| >= 1%).", "markdown: summary");
	js = compare_json(&res);
	v = jv_parse(js, strlen(js), "compare.json", &cause);
	TEST_OK(v != NULL, "json: valid JSON");
	rows = jv_get(v, "rows");
	TEST_OK(jv_is(rows, JV_ARRAY) && rows->n == 9, "json: 9 rows");
	TEST_OK(jv_is(jv_get(v, "warnings"), JV_ARRAY) &&
	    jv_get(v, "warnings")->n == 1, "json: the warning");
	ASSERT_STR_EQ(jv_str(jv_get(jv_get(v, "geomean"), "metric")), "time",
	    "json: geomean metric");
	ASSERT_STR_EQ(rows != NULL && rows->n > 0 ?
	    jv_str(jv_get(&rows->v[0], "verdict")) : NULL, "better",
	    "json: first row's verdict");
	TEST_OK(rows != NULL && rows->n > 3 &&
	    jv_is(jv_get(&rows->v[3], "p"), JV_NULL),
	    "json: no p-value without a test");
	jv_free(v);
	free(js);
	free(md);
	free(cause);
	compare_free(&res);
	metrics_free(&a);
	metrics_free(&b);
}

static void
test_misc(void)
{
	struct metric_table t;
	char *cause = NULL;
	double v = -1;

	metrics_init(&t);
	TEST_OK(compare_load("/nonexistent/x", &t, &cause) == -1,
	    "load: not a directory");
	ASSERT_STR_EQ(cause, "'/nonexistent/x': not a directory", "its message");
	TEST_OK(compare_load("tests/unit", &t, &cause) == -1,
	    "load: a directory without results");
	ASSERT_CONTAINS(cause, "no results found", "its message");
	metrics_free(&t);
	metrics_init(&t);
	TEST_OK(compare_load("tests/data/metrics//", &t, &cause) == 0,
	    "load: a job directory, trailing slashes");
	TEST_OK(t.nrows > 0 && strcmp(t.rows[0].job, "metrics") == 0 &&
	    t.ncounts == 1 && t.counts[0].tasks == 7,
	    "load: the job is named after the directory");
	metrics_free(&t);
	TEST_OK(compare_parse_percent("3%", &v, &cause) == 0 && v == 3,
	    "percent '3%'");
	TEST_OK(compare_parse_percent("0.5", &v, &cause) == 0 && v == 0.5,
	    "percent '0.5'");
	TEST_OK(compare_parse_percent("x", &v, &cause) == -1 &&
	    compare_parse_percent("-1", &v, &cause) == -1 &&
	    compare_parse_percent("5%%", &v, &cause) == -1 &&
	    compare_parse_percent("%", &v, &cause) == -1, "bad percentages");
	ASSERT_STR_EQ(cause, "'%' is not a percentage from 0 to 1000 "
	    "(e.g. 1, 0.5, 3%)", "percentage error message");
	free(cause);
}

/* A BenchExec row of job on machine, run definition rd, task. */
static void
add_bx(struct metric_table *t, const char *job, const char *machine,
    const char *rd, const char *bench, const char *task, double v)
{
	struct metric_row *r = metrics_row(t, job, machine, bench, "cputime",
	    "s", TREND_LOWER);

	r->rundef = xstrdup(rd);
	r->tasks_set = xstrdup("set");
	r->task = xstrdup(task);
	metrics_add_value(r, v);
}

/* issue 16: repeat="4" jobs pool into one row per machine; BenchExec rows
 * by (run definition, task): --split=tasks vs per run definition. */
static void
test_pooling(void)
{
	struct metric_table a, b;
	struct compare_result res;
	struct compare_opts o;
	const struct compare_row *c;
	char job[32];
	int i;

	metrics_init(&a);
	metrics_init(&b);
	for (i = 1; i <= 4; i++) {
		snprintf(job, sizeof job, "calc-%d", i);
		add(&a, job, "sum", "time", TREND_LOWER,
		    (const double[]){ 1.0, 1.1, 1.2 }, 3);
		metrics_row(&a, job, "m1", "sum", "time", NULL, NULL);
		add(&b, job, "sum", "time", TREND_LOWER,
		    (const double[]){ 2.0, 2.1, 2.2 }, 3);
		metrics_row(&b, job, i <= 2 ? "m1" : "m2", "sum", "time",
		    NULL, NULL);
	}
	compare_opts_init(&o);
	compare_tables(&a, "A", &b, "B", &o, &res);
	ASSERT_INT_EQ(res.nrows, 2, "B's machines are two rows, A's one");
	ASSERT_INT_EQ(res.by_machine, 1, "a machine column");
	c = &res.rows[0];
	TEST_OK(res.nrows > 0 && c->na == 12 && c->nb == 6 && strcmp(c->machine, "m1") == 0 &&
	    fabs(c->mean_a - 1.1) < 1e-12 && fabs(c->mean_b - 2.1) < 1e-12,
	    "the four jobs of m1 pooled: n 12 against B's m1 (n 6)");
	ASSERT_STR_EQ(c->job, "calc-1..calc-4", "the job column: first..last");
	TEST_OK(res.nrows == 2 && res.rows[1].verdict == VERDICT_ONLY_B,
	    "B's m2 alone");
	compare_free(&res);
	o.pool_machines = 1;
	compare_tables(&a, "A", &b, "B", &o, &res);
	TEST_OK(res.nrows == 1 && res.rows[0].na == 12 && res.rows[0].nb == 12,
	    "--pool-machines: one row, n 12 a side");
	compare_free(&res);
	metrics_free(&a);
	metrics_free(&b);

	/* A: a job per run definition; B: --split=tasks, "RD:TASK" */
	metrics_init(&a);
	metrics_init(&b);
	add_bx(&a, "rd1.set", "m", "rd1", "t.yml", "t.yml", 1.0);
	add_bx(&a, "rd2.set", "m", "rd2", "t.yml", "t.yml", 5.0);
	add_bx(&b, "set", "m", "rd1", "rd1:t.yml", "t.yml", 2.0);
	add_bx(&b, "set", "m", "rd2", "rd2:t.yml", "t.yml", 5.0);
	compare_tables(&a, "A", &b, "B", &o, &res);
	ASSERT_INT_EQ(res.nrows, 2, "a row per (run definition, task)");
	c = find(&res, NULL, "rd1:t.yml", "cputime");
	TEST_OK(c != NULL && c->mean_a == 1 && c->mean_b == 2 && c->benchexec,
	    "rd1 compared with rd1 across the two splits");
	c = find(&res, NULL, "rd2:t.yml", "cputime");
	TEST_OK(c != NULL && c->mean_a == 5 && c->mean_b == 5,
	    "rd2 with rd2, never pooled with rd1");
	compare_free(&res);
	metrics_free(&a);
	metrics_free(&b);
}

int
main(void)
{
	test_pooling();
	test_verdicts();
	test_by_job();
	test_render();
	test_misc();
	return test_done();
}
