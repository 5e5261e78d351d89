/*
 * run-store.c - the run's results go into the results store as it goes:
 * the run row at the start and at the end, each job once it is settled
 * (store/store.h's writer: one thread, a queue; the scheduler only
 * posts).  A store that cannot be opened or written never fails the run:
 * one warning (screen and events.log), and the summary says how to catch
 * up with `distribute import`.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/run-internal.h"

/* How long the end of the run waits for the store's queue. */
#define STORE_FINISH_WAIT	120

/* The writer's first failure (its thread). */
static void
store_failed(void *arg, const char *cause)
{
	struct run_ctx *ctx = arg;

	post_event(ctx, "warning: store: not written: %s; the run goes on "
	    "('distribute import %s' catches up)", cause, ctx->run_dir);
}

/* --db, else RESULTS/distribute.db beside the run's directory. */
char *
run_store_url(const struct run_ctx *ctx)
{
	char *dir, *url;

	if (ctx->opts->db_url != NULL)
		return xstrdup(ctx->opts->db_url);
	dir = xstrdup(ctx->run_dir);
	url = xasprintf("sqlite:%s/%s", dirname(dir), STORE_FILE);
	free(dir);
	return url;
}

void
run_store_start(struct run_ctx *ctx)
{
	char *url = run_store_url(ctx), *cause = NULL;
	size_t i;

	/* the writer reads run.json: have one before any job is posted */
	if (runjson_write(ctx, &cause) == -1) {
		warn("%s", cause);
		free(cause);
	}
	ctx->store = store_writer_start(url, ctx->run_dir, store_failed, ctx);
	store_writer_run(ctx->store);
	/* a resume: the jobs settled before (the crash may have come before
	 * the store had them) are written again, replacing their rows */
	for (i = 0; i < ctx->njobs; i++)
		if (ctx->jobs[i].status == JOB_OK ||
		    ctx->jobs[i].status == JOB_FAILED)
			run_store_job(ctx, i);
	free(url);
}

void
run_store_job(struct run_ctx *ctx, size_t job)
{
	store_writer_job(ctx->store, ctx->plan->config.jobs[job].id, job);
}

/* After the last run.json: the final run row, then wait for the queue. */
void
run_store_done(struct run_ctx *ctx)
{
	char *cause = NULL;

	if (ctx->store == NULL)
		return;
	store_writer_run(ctx->store);
	if (store_writer_finish(ctx->store, STORE_FINISH_WAIT, &cause) == -1)
		ctx->store_error = cause;
	ctx->store = NULL;
}

/* The summary's line when the store was not (fully) written. */
void
run_store_summary(struct run_ctx *ctx, FILE *f)
{
	if (ctx->store_error == NULL)
		return;
	fprintf(f, "store: not written (%s); run 'distribute import %s'\n",
	    ctx->store_error, ctx->run_dir);
}
