/*
 * test-sched.c - the scheduler's central promise, without machines: once
 * a job is settled, no other copy of it is queued again or counted, and
 * the totals never exceed the job count (issue 12, items 1 and 2).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "run/run-internal.h"

static char ida[] = "a", idb[] = "b", idc[] = "c";
static struct dist_job jobs[3] = { { .id = ida }, { .id = idb }, { .id = idc } };
static struct dist_opts opts;
static struct dist_plan plan;
static struct run_ctx ctx;

static void
setup(int retries)
{
	memset(&ctx, 0, sizeof ctx);
	memset(&opts, 0, sizeof opts);
	opts.retries = retries;
	plan.opts = &opts;
	plan.config.jobs = jobs;
	plan.config.njobs = 3;
	ctx.plan = &plan;
	ctx.opts = &opts;
	ctx.njobs = 3;
	ctx.jobs = calloc(3, sizeof *ctx.jobs);
	pthread_mutex_init(&ctx.mtx, NULL);
	pthread_cond_init(&ctx.cond, NULL);
	sched_init(&ctx);
}

static void
teardown(void)
{
	struct run_event *e, *next;
	size_t i;

	for (e = ctx.events; e != NULL; e = next) {
		next = e->next;
		free(e->text);
		free(e);
	}
	for (i = 0; i < ctx.njobs; i++)
		free(ctx.jobs[i].error);
	free(ctx.jobs);
	free(ctx.queue);
}

/* pop job (it must be next) as attempt N of it */
static int
pop(void)
{
	int j = sched_pop(&ctx);

	if (j >= 0) {
		ctx.jobs[j].attempts++;
		ctx.jobs[j].seq++;
	}
	return j;
}

/* Item 1: the lost attempt's result comes back while the requeued copy
 * waits on another machine; taking that copy back must not requeue it. */
static void
test_reconnect_take_back(void)
{
	setup(0);
	ASSERT_INT_EQ(pop(), 0, "a runs on machine A");
	ASSERT_INT_EQ(pop(), 1, "b runs on machine B");
	sched_job_lost(&ctx, 0);		/* A's connection is lost */
	ASSERT_INT_EQ(ctx.jobs[0].status, JOB_QUEUED, "a goes back to the queue");
	ASSERT_INT_EQ(pop(), 0, "a's copy is sent ahead to B");
	sched_attempt_end(&ctx, 0, 0, 0, NULL);	/* A's old attempt collected */
	TEST_OK(sched_settled(&ctx, 0), "a is settled by it");
	sched_taken_back(&ctx, 0);		/* B's waiting copy taken back */
	ASSERT_INT_EQ(ctx.jobs[0].status, JOB_OK, "a stays ok");
	ASSERT_INT_EQ(ctx.qlen, 1, "only c is queued");
	ASSERT_INT_EQ(pop(), 2, "the next job is c, not a again");
	ASSERT_INT_EQ(pop(), -1, "then nothing");
	sched_job_end(&ctx, 1, 0, NULL);
	sched_job_end(&ctx, 2, 0, NULL);
	ASSERT_INT_EQ(ctx.nok, 3, "3 of 3 ok, never more");
	ASSERT_INT_EQ(ctx.nrunning, 0, "nothing counted as running");
	ASSERT_INT_EQ(ctx.jobs[0].attempts, 1, "a: the take-back is no attempt");
	ASSERT_INT_EQ(ctx.jobs[0].taken_back, 1, "... it is counted apart");
	TEST_OK(sched_all_done(&ctx), "the run is done");
	ASSERT_STR_EQ(sched_run_state(&ctx), "finished", "its state is final");
	teardown();
}

/* Item 1: a job settled while still queued (its orphan came back first)
 * leaves the queue at once. */
static void
test_settled_leaves_queue(void)
{
	setup(0);
	ASSERT_INT_EQ(pop(), 0, "a runs");
	sched_job_lost(&ctx, 0);
	ASSERT_INT_EQ(ctx.qlen, 3, "a queued again, first");
	sched_attempt_end(&ctx, 0, 0, 0, NULL);
	ASSERT_INT_EQ(ctx.qlen, 2, "a's result kept: a leaves the queue");
	ASSERT_INT_EQ(pop(), 1, "b is next");
	sched_job_lost(&ctx, 0);	/* a late loss of a settled job's copy */
	ASSERT_INT_EQ(ctx.qlen, 1, "never queues a settled job");
	teardown();
}

/* A second result of a settled job is never counted. */
static void
test_second_result(void)
{
	setup(1);
	ASSERT_INT_EQ(pop(), 0, "a runs");
	sched_job_end(&ctx, 0, 0, NULL);
	ctx.nrunning++;			/* a stray counted copy */
	sched_job_end(&ctx, 0, 0, NULL);
	ASSERT_INT_EQ(ctx.nok, 1, "counted once");
	ASSERT_INT_EQ(ctx.nrunning, 0, "its copy is gone");
	ASSERT_INT_EQ(pop(), 1, "b is next, a is not queued again");
	sched_job_end(&ctx, 1, 3, NULL);
	ASSERT_INT_EQ(ctx.jobs[1].status, JOB_QUEUED, "b failed: a retry");
	ASSERT_INT_EQ(ctx.nfailed, 0, "... not counted failed yet");
	teardown();
}

/* --order longest-first: unknown durations first in config order, then
 * the known ones longest first, ties in config order (issue 16 item 5). */
static void
test_order_lpt(void)
{
	double dur[6] = { 2, -1, 30, 2, NAN, 5 };
	size_t order[6], known;

	known = sched_order_lpt(dur, 6, order);
	ASSERT_INT_EQ(known, 4, "four durations known");
	ASSERT_INT_EQ(order[0], 1, "an unknown job first");
	ASSERT_INT_EQ(order[1], 4, "then the other unknown (NaN)");
	ASSERT_INT_EQ(order[2], 2, "then the longest (30)");
	ASSERT_INT_EQ(order[3], 5, "then 5");
	ASSERT_INT_EQ(order[4], 0, "then the first 2 (config order)");
	ASSERT_INT_EQ(order[5], 3, "then the second 2");

	/* the queue follows it; a settled job is not queued again */
	setup(0);
	ctx.jobs[0].status = JOB_OK;
	sched_remove(&ctx, 0);
	{
		double d3[3] = { 9, 1, 4 };

		sched_reorder(&ctx, d3);
	}
	ASSERT_INT_EQ(ctx.qlen, 2, "two jobs left queued");
	ASSERT_INT_EQ(pop(), 2, "c (4) before b (1)");
	ASSERT_INT_EQ(pop(), 1, "then b");
	ASSERT_INT_EQ(pop(), -1, "a (done) is not queued again");
	teardown();
}

int
main(void)
{
	test_order_lpt();
	test_reconnect_take_back();
	test_settled_leaves_queue();
	test_second_result();
	return test_done();
}
