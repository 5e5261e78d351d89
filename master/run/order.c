/*
 * order.c - the queue's starting order (--order): the config's, or the
 * longest past duration first (LPT: a long job no longer starts last and
 * runs alone at the end).  A pure function of the durations, so that it
 * is tested without a store or machines (tests/unit/test-sched.c).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
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

/* The jobs' past durations from the store: -1 (size_t) when it cannot be
 * read, else how many are known. */
static size_t
past_durations(struct run_ctx *ctx, double *dur)
{
	const char **ids = xcalloc(ctx->njobs + 1, sizeof *ids);
	char *url = run_store_url(ctx), *cause = NULL;
	struct db *db = NULL;
	size_t i, known = (size_t)-1;

	for (i = 0; i < ctx->njobs; i++) {
		ids[i] = ctx->plan->config.jobs[i].id;
		dur[i] = -1;
	}
	/* no store yet: no history (the writer makes it) */
	if (strncmp(url, "sqlite:", 7) == 0 && access(url + 7, F_OK) != 0)
		known = 0;
	else if (store_open(url, &db, &cause) == 0)
		known = store_job_durations(db, ctx->plan->name, ids,
		    ctx->njobs, dur, &cause);
	if (known == (size_t)-1) {
		warn("--order: the store's durations cannot be read (%s): "
		    "config order", cause != NULL ? cause : "?");
		known = 0;
	}
	db_close(db);
	free(cause);
	free(url);
	free(ids);
	return known;
}

/*
 * --order config: as written.  longest-first (the default when the store
 * has durations of this run name's jobs, keyed by job id): LPT, jobs
 * without history first (sched_order_lpt).
 */
void
run_order(struct run_ctx *ctx)
{
	double *dur;
	size_t known;

	if (ctx->opts->order == ORDER_CONFIG || ctx->njobs < 2)
		return;
	dur = xcalloc(ctx->njobs, sizeof *dur);
	known = past_durations(ctx, dur);
	if (known > 0) {
		sched_reorder(ctx, dur);
		info("order: longest first (%zu of %zu jobs' durations known "
		    "from earlier runs named '%s')", known, ctx->njobs,
		    ctx->plan->name);
	} else if (ctx->opts->order == ORDER_LONGEST)
		info("order: no earlier run named '%s' in the store: config "
		    "order", ctx->plan->name);
	free(dur);
}
