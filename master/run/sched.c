/*
 * sched.c - the run's job queue: first free slot takes the next job, a
 * failing job is retried up to --retries times, a lost machine gives its
 * job back without using up a retry.  Callers hold ctx->mtx.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "run/run-internal.h"

void
sched_init(struct run_ctx *ctx)
{
	size_t i;

	ctx->qcap = ctx->njobs + 1;
	ctx->queue = xcalloc(ctx->qcap, sizeof *ctx->queue);
	ctx->qhead = ctx->qlen = 0;
	for (i = 0; i < ctx->njobs; i++) {
		ctx->jobs[i].status = JOB_QUEUED;
		ctx->jobs[i].exit_code = -1;
		ctx->jobs[i].machine = -1;
		sched_push(ctx, i);
	}
}

int
sched_pop(struct run_ctx *ctx)
{
	size_t job;

	if (ctx->qlen == 0 || ctx->stopping)
		return -1;
	job = ctx->queue[ctx->qhead];
	ctx->qhead = (ctx->qhead + 1) % ctx->qcap;
	ctx->qlen--;
	ctx->jobs[job].status = JOB_RUNNING;
	ctx->nrunning++;
	ctx->dirty = 1;
	return (int)job;
}

void
sched_push(struct run_ctx *ctx, size_t job)
{
	ctx->queue[(ctx->qhead + ctx->qlen) % ctx->qcap] = job;
	ctx->qlen++;
	ctx->jobs[job].status = JOB_QUEUED;
	ctx->dirty = 1;
}

void
sched_push_front(struct run_ctx *ctx, size_t job)
{
	ctx->qhead = (ctx->qhead + ctx->qcap - 1) % ctx->qcap;
	ctx->queue[ctx->qhead] = job;
	ctx->qlen++;
	ctx->jobs[job].status = JOB_QUEUED;
	ctx->dirty = 1;
}

void
sched_remove(struct run_ctx *ctx, size_t job)
{
	size_t i, n = ctx->qlen, k = 0;

	for (i = 0; i < n; i++) {
		size_t v = ctx->queue[(ctx->qhead + i) % ctx->qcap];

		if (v != job)
			ctx->queue[(ctx->qhead + k++) % ctx->qcap] = v;
	}
	ctx->qlen = k;
}

int
sched_all_done(const struct run_ctx *ctx)
{
	return ctx->nok + ctx->nfailed == ctx->njobs;
}

int
sched_settled(const struct run_ctx *ctx, size_t job)
{
	enum job_status s = ctx->jobs[job].status;

	return s == JOB_OK || s == JOB_FAILED;
}

const char *
sched_run_state(const struct run_ctx *ctx)
{
	if (sched_all_done(ctx))
		return "finished";
	if (ctx->interrupts > 0)
		return "interrupted";
	return ctx->ended ? "stopped" : "running";
}

void
sched_job_end(struct run_ctx *ctx, size_t job, int exit_code,
    const char *why)
{
	sched_attempt_end(ctx, job, 1, exit_code, why);
}

/* The job's result is kept: it leaves the queue, and the machine threads
 * cancel their copies of it (woken here, see dispatch.c). */
static void
settle(struct run_ctx *ctx, size_t job, enum job_status s)
{
	sched_remove(ctx, job);
	ctx->jobs[job].status = s;
	if (s == JOB_OK)
		ctx->nok++;
	else
		ctx->nfailed++;
}

void
sched_attempt_end(struct run_ctx *ctx, size_t job, int counted,
    int exit_code, const char *why)
{
	struct job_state *j = &ctx->jobs[job];
	const char *id = ctx->plan->config.jobs[job].id;

	if (counted)
		ctx->nrunning--;
	if (sched_settled(ctx, job)) {
		/* claim_job lets one attempt of a job be recorded: never here */
		post_event_locked(ctx, "bug: a second result of %s ignored", id);
		pthread_cond_broadcast(&ctx->cond);
		return;
	}
	j->exit_code = exit_code;
	free(j->error);
	j->error = why != NULL ? xstrdup(why) : NULL;
	if (exit_code == 0 && why == NULL) {
		settle(ctx, job, JOB_OK);
	} else if (ctx->interrupts >= 2) {
		/* killed by the user's second interrupt: not the job's fault */
		free(j->error);
		j->error = xstrdup("interrupted");
		sched_push(ctx, job);
	} else if (j->attempts - j->lost <= ctx->opts->retries &&
	    !ctx->stopping) {
		post_event_locked(ctx, "job %s failed (%s), retry %d of %d", id,
		    why != NULL ? why : "non-zero exit", j->attempts - j->lost,
		    ctx->opts->retries);
		sched_push(ctx, job);
	} else {
		settle(ctx, job, JOB_FAILED);
	}
	ctx->dirty = 1;
	pthread_cond_broadcast(&ctx->cond);
}

/* Queue a job given back, first, unless it is queued or settled already
 * (its result came from another copy). */
static void
requeue(struct run_ctx *ctx, size_t job)
{
	if (ctx->jobs[job].status == JOB_RUNNING)
		sched_push_front(ctx, job);
	ctx->dirty = 1;
	pthread_cond_broadcast(&ctx->cond);
}

void
sched_job_lost(struct run_ctx *ctx, size_t job)
{
	ctx->nrunning--;
	ctx->jobs[job].lost++;
	requeue(ctx, job);
}

void
sched_taken_back(struct run_ctx *ctx, size_t job)
{
	struct job_state *j = &ctx->jobs[job];

	ctx->nrunning--;
	j->attempts--;
	j->taken_back++;
	requeue(ctx, job);
}

void
sched_copy_gone(struct run_ctx *ctx)
{
	ctx->nrunning--;
	ctx->dirty = 1;
	pthread_cond_broadcast(&ctx->cond);
}

int
sched_machines_exhausted(const struct run_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nmachines; i++) {
		enum machine_status s = ctx->ms[i].status;

		/* a down machine is retried (worker.c) and may come back */
		if (s != M_OUT && s != M_DONE)
			return 0;
	}
	return 1;
}

const char *
machine_status_name(enum machine_status s)
{
	static const char *names[] = {
		"waiting", "connecting", "locked", "staging", "preparing",
		"running", "idle", "done", "down", "out",
	};

	return names[s];
}

static void
event_append(struct run_ctx *ctx, char *text)
{
	struct run_event *e = xcalloc(1, sizeof *e);

	e->wall = now_wall();
	e->text = text;
	if (ctx->events_tail != NULL)
		ctx->events_tail->next = e;
	else
		ctx->events = e;
	ctx->events_tail = e;
	pthread_cond_broadcast(&ctx->cond);
}

void
post_event_locked(struct run_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	event_append(ctx, xvasprintf(fmt, ap));
	va_end(ap);
}

void
post_event(struct run_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&ctx->mtx);
	event_append(ctx, text);
	pthread_mutex_unlock(&ctx->mtx);
}

void
machine_set_status(struct run_ctx *ctx, struct machine_state *ms,
    enum machine_status s, const char *why)
{
	pthread_mutex_lock(&ctx->mtx);
	ms->status = s;
	ms->since = now_mono();
	free(ms->why);
	ms->why = why != NULL ? xstrdup(why) : NULL;
	ctx->dirty = 1;
	if (why != NULL)
		event_append(ctx, xasprintf("%s: %s: %s", ms->m->name,
		    machine_status_name(s), why));
	else
		event_append(ctx, xasprintf("%s: %s", ms->m->name,
		    machine_status_name(s)));
	pthread_mutex_unlock(&ctx->mtx);
}
