/*
 * order.c - the queue's starting order (--order): the config's, or the
 * longest past duration first (LPT: a long job no longer starts last and
 * runs alone at the end).  A pure function of the durations, so that it
 * is tested without a store or machines (tests/unit/test-sched.c).
 */
#include <stdlib.h>

#include "run/run-internal.h"

struct lpt_key {
	double	dur;
	size_t	index;
};

/* Longest first; equal durations keep the config's order. */
static int
cmp_lpt(const void *x, const void *y)
{
	const struct lpt_key *a = x, *b = y;

	if (a->dur != b->dur)
		return a->dur > b->dur ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/*
 * Jobs without history (dur < 0 or NaN) come first, in the config's
 * order: one of them may be the longest, and started first it cannot be
 * the one left running alone; the known jobs follow, longest first, so
 * the short ones fill the machines at the end.
 */
size_t
sched_order_lpt(const double *dur, size_t n, size_t *order)
{
	struct lpt_key *k = xcalloc(n + 1, sizeof *k);
	size_t i, nk = 0, out = 0;

	for (i = 0; i < n; i++) {
		if (dur[i] >= 0) {
			k[nk].dur = dur[i];
			k[nk++].index = i;
		} else
			order[out++] = i;
	}
	qsort(k, nk, sizeof *k, cmp_lpt);
	for (i = 0; i < nk; i++)
		order[out++] = k[i].index;
	free(k);
	return nk;
}

void
sched_reorder(struct run_ctx *ctx, const double *dur)
{
	size_t *order = xcalloc(ctx->njobs + 1, sizeof *order);
	size_t i, k = 0;

	sched_order_lpt(dur, ctx->njobs, order);
	/* the queued jobs (all of them before a resume replays its journal)
	 * in the new order */
	for (i = 0; i < ctx->njobs; i++)
		if (ctx->jobs[order[i]].status == JOB_QUEUED)
			order[k++] = order[i];
	ctx->qhead = 0;
	ctx->qlen = k;
	for (i = 0; i < k; i++)
		ctx->queue[i] = order[i];
	ctx->dirty = 1;
	free(order);
}
