/*
 * test-json-runjson.c - run.json for 100,000 jobs: written by the real
 * runjson_write(), read back whole, and without holding all the jobs as
 * one tree: the writer's peak RSS stays within twice the file's size (the
 * text itself is built in memory, as before jansson); one tree of all the
 * jobs would take several times that.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/json-parse.h"
#include "run/run-internal.h"
#include "test.h"

#ifndef NJOBS
#define NJOBS	100000
#endif

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1	/* its quarantine keeps freed memory resident */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static long
peak_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void
fill_jobs(struct run_ctx *ctx, struct dist_plan *plan)
{
	static const char *machine_name = "alice@lab01";
	static struct dist_machine m;
	size_t i;

	m.name = (char *)machine_name;
	m.slots = 4;
	ctx->nmachines = 1;
	ctx->ms = xcalloc(1, sizeof *ctx->ms);
	ctx->ms[0].m = &m;
	ctx->ms[0].key = xstrdup("lab01");
	plan->config.njobs = ctx->njobs = NJOBS;
	plan->config.jobs = xcalloc(NJOBS, sizeof *plan->config.jobs);
	ctx->jobs = xcalloc(NJOBS, sizeof *ctx->jobs);
	for (i = 0; i < NJOBS; i++) {
		struct job_state *js = &ctx->jobs[i];

		plan->config.jobs[i].id = xasprintf("job-%06zu", i);
		plan->config.jobs[i].name = xasprintf("bench %zu \"q\" \xff", i);
		js->status = (enum job_status)(i % 4);
		js->attempts = 1;
		js->exit_code = js->status >= JOB_OK ? (int)(i % 3) : -1;
		js->machine = js->status == JOB_QUEUED ? -1 : 0;
		js->start = js->status == JOB_QUEUED ? 0 :
		    (INT64_C(1700000000) + (int64_t)i) * NS_PER_SEC;
		js->end = js->status >= JOB_OK ? js->start + NS_PER_SEC * 5 / 4 : 0;
		js->error = i % 1000 == 3 ? xstrdup("lost\tconnection") : NULL;
		js->collected = js->status == JOB_OK;
	}
	ctx->nok = ctx->nfailed = NJOBS / 4;
}

static void
free_jobs(struct run_ctx *ctx, struct dist_plan *plan)
{
	size_t i;

	for (i = 0; i < NJOBS; i++) {
		free(plan->config.jobs[i].id);
		free(plan->config.jobs[i].name);
		free(ctx->jobs[i].error);
	}
	free(plan->config.jobs);
	free(ctx->jobs);
	free(ctx->ms[0].key);
	free(ctx->ms);
}

static void
check_back(const char *path)
{
	const struct jv *jobs, *j;
	char *data = NULL, *cause = NULL;
	struct jv *root;
	double n = 0;
	size_t len;

	TEST_OK(read_file(path, &data, &len, &cause) == 0, "run.json read");
	root = jv_parse(data, len, path, &cause);
	if (root == NULL)
		printf("#   %s\n", cause);
	jobs = jv_get(root, "jobs");
	TEST_OK(jv_is(jobs, JV_ARRAY) && jobs->n == NJOBS,
	    "run.json parses back with its 100,000 jobs");
	j = jobs != NULL && jobs->n == NJOBS ? &jobs->v[NJOBS - 2] : NULL;
	ASSERT_STR_EQ(jv_str(jv_get(j, "id")), "job-099998", "a job's id");
	ASSERT_STR_EQ(jv_str(jv_get(j, "name")), "bench 99998 \"q\" \xef\xbf\xbd",
	    "its name, quoted and with U+FFFD for the invalid byte");
	ASSERT_STR_EQ(jv_str(jv_get(j, "status")), "ok", "its status");
	TEST_OK(jv_num(jv_get(j, "duration"), &n) == 0 && n == 1.25,
	    "its duration");
	ASSERT_STR_EQ(jv_str(jv_get(j, "machine")), "alice@lab01",
	    "its machine");
	jv_num(jv_get(jv_get(root, "totals"), "jobs"), &n);
	TEST_OK(n == NJOBS, "the totals");
	jv_free(root);
	free(data);
	free(cause);
}

int
main(void)
{
	char dir[] = "/tmp/test-json-runjson.XXXXXX", *path, *cause = NULL;
	struct dist_opts opts;
	struct dist_plan plan;
	struct run_ctx ctx;
	struct stat st;
	long before, after;
	clock_t t0;
	int rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	memset(&plan, 0, sizeof plan);
	memset(&ctx, 0, sizeof ctx);
	dist_opts_init(&opts);
	opts.argv_line = xstrdup("distribute run -m machines big.xml");
	plan.name = xstrdup("big");
	plan.config.path = xstrdup("big.xml");
	plan.config.kind = CONFIG_JOBS;
	ctx.plan = &plan;
	ctx.opts = &opts;
	ctx.run_id = xstrdup("20261203-120000-big");
	ctx.run_dir = dir;
	ctx.user = xstrdup("alice");
	ctx.master_host = xstrdup("master");
	ctx.start_wall = INT64_C(1700000000) * NS_PER_SEC;
	pthread_mutex_init(&ctx.mtx, NULL);
	fill_jobs(&ctx, &plan);

	before = peak_rss_kib();
	t0 = clock();
	rc = runjson_write(&ctx, &cause);
	after = peak_rss_kib();
	ASSERT_INT_EQ(rc, 0, "run.json for 100,000 jobs written");
	path = xasprintf("%s/run.json", dir);
	if (stat(path, &st) == -1)
		st.st_size = 0;
	printf("# run.json: %lld bytes in %.2f s CPU, peak RSS %ld -> %ld KiB "
	    "(+%ld KiB)\n", (long long)st.st_size,
	    (double)(clock() - t0) / CLOCKS_PER_SEC, before, after,
	    after - before);
#ifndef UNDER_ASAN
	TEST_OK(after - before < 2 * (long)(st.st_size / 1024) + 8192,
	    "the writer's peak RSS stays within twice the file's size");
#endif
	check_back(path);
#ifndef KEEP_RUNJSON	/* -DKEEP_RUNJSON -DNJOBS=8: to look at one */
	unlink(path);
	rmdir(dir);
#endif
	free(path);
	free(cause);
	free_jobs(&ctx, &plan);
	free(ctx.run_id);
	free(ctx.user);
	free(ctx.master_host);
	free(plan.name);
	free(plan.config.path);
	dist_opts_free(&opts);
	return test_done();
}
