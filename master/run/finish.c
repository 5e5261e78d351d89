/*
 * finish.c - an attempt has ended on a worker: claim it (the first attempt
 * of a job to end wins), collect its results, record it in the run, the
 * journal and the metrics, and report it.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "run/agent-proto.h"
#include "run/journal.h"
#include "run/mconn.h"
#include "run/request.h"

/* Does exit_code count as the job's success? */
static int
exit_ok(const struct dist_job *j, int exit_code)
{
	size_t i;

	if (exit_code == 0)
		return 1;
	for (i = 0; i < j->nexits; i++)
		if (j->exits[i].code == exit_code)
			return j->exits[i].ok;
	return 0;
}

/* A job's exit code as success (0) or failure (a reason, allocated). */
static char *
exit_meaning(const struct dist_job *j, int exit_code)
{
	size_t i;

	for (i = 0; i < j->nexits; i++) {
		if (j->exits[i].code != exit_code)
			continue;
		if (j->exits[i].ok)
			return NULL;
		return xasprintf("exit %d: %s", exit_code, j->exits[i].meaning);
	}
	return NULL;
}

/* A job is done: what its directory holds goes into the run's metrics. */
static void
read_metrics(struct mconn *c, const struct dist_job *dj)
{
	struct run_ctx *ctx = c->ctx;
	char *dir = xasprintf("%s/jobs/%s", ctx->run_dir, dj->id);

	pthread_mutex_lock(&ctx->metrics_mtx);
	metrics_scan_dir(&ctx->metrics, dir, dj->id, c->ms->m->name);
	pthread_mutex_unlock(&ctx->metrics_mtx);
	pthread_mutex_lock(&ctx->mtx);
	ctx->metrics_dirty = 1;
	pthread_mutex_unlock(&ctx->mtx);
	free(dir);
}

/*
 * Claim the right to collect an attempt's results: the first attempt to
 * end wins; a late one (its job settled) is discarded, and so is an
 * orphan's failure (its job was given back to the queue and that copy
 * decides).  While another attempt of the job is being collected, wait
 * for its outcome: kept, this one is discarded; not (its results could
 * not be collected), this one is claimed.  Returns 1 to collect.
 */
static int
claim_job(struct run_ctx *ctx, int job, int orphan, int ok)
{
	/* orphan: 0 none, 1 given back to the queue, 2 not (a resume's) */
	struct job_state *js = &ctx->jobs[job];
	int claim = 0;

	pthread_mutex_lock(&ctx->mtx);
	if (orphan != 1 || ok) {
		while (js->collecting && !sched_settled(ctx, (size_t)job))
			pthread_cond_wait(&ctx->cond, &ctx->mtx);
		claim = !sched_settled(ctx, (size_t)job);
	}
	if (claim)
		js->collecting = 1;
	else if (orphan != 1)
		sched_copy_gone(ctx);	/* a slot's copy, or a resume's orphan */
	pthread_mutex_unlock(&ctx->mtx);
	return claim;
}

/*
 * Record the collected attempt (mtx held).  An orphan whose job was given
 * back to the queue counts only as a success (claim_job): when its
 * results could not be collected after all, the requeued copy decides.
 */
static int
record_attempt(struct mconn *c, int job, int attempt, int orphan,
    int exit_code, const char *why, int grouped)
{
	struct run_ctx *ctx = c->ctx;
	struct job_state *js = &ctx->jobs[job];
	const struct dist_job *dj = &ctx->plan->config.jobs[job];

	js->collecting = 0;
	if (orphan == 1 && why != NULL) {
		post_event_locked(ctx, "%s: %s (attempt %d) not kept: %s; the "
		    "copy given back to the queue decides", c->ms->m->name,
		    dj->id, attempt, why);
		pthread_cond_broadcast(&ctx->cond);
		return 0;
	}
	js->end = clock_wall_ns();
	js->collected = why == NULL;
	js->machine = (int)(c->ms - ctx->ms);
	c->ms->jobs_done++;
	/* kept: settles the job, and its other copies are cancelled */
	sched_attempt_end(ctx, (size_t)job, orphan != 1, exit_ok(dj, exit_code) &&
	    why == NULL ? 0 : exit_code, why);
	js->exit_code = exit_code;
	char *end = xasprintf("end %d %d %s %d", job, attempt,
	    js->status == JOB_OK ? "ok" : js->status == JOB_FAILED ? "failed" :
	    "requeued", exit_code);
	if (grouped)
		commit_add(c, end, NULL);	/* with the group's syncfs */
	else
		journal_append(ctx->journal, "%s", end);
	free(end);
	post_event_locked(ctx, "%s: %s %s (exit %d%s%s)%s", c->ms->m->name,
	    why != NULL || !exit_ok(dj, exit_code) ? "failed" : "finished",
	    dj->id, exit_code, why != NULL ? ": " : "", why != NULL ? why : "",
	    orphan ? ", collected after a reconnect" : "");
	return 1;
}

/* The master has the attempt's results (or wants none): the worker
 * removes its directory and bookkeeping files (agent.sh, do_forget);
 * grouped: once they are on disk here (commit.c). */
static void
forget_job(struct mconn *c, int job, int attempt, int grouped)
{
	char *dir = slot_dir(c->ctx, c->ms, job, attempt);

	if (grouped)
		commit_add(c, NULL, dir);
	else
		mconn_send_lazy(c, "forget", dir); /* with the next job's lines */
	free(dir);
}

/* Why the collected attempt failed (NULL: it did not), as results.json
 * says it. */
static char *
collected_reason(struct run_ctx *ctx, const struct dist_job *dj,
    const struct request_info *ri)
{
	char *dir, *why;

	if (ri->ok)
		return NULL;
	dir = xasprintf("%s/jobs/%s", ctx->run_dir, dj->id);
	why = job_reason(dir, ri);
	free(dir);
	return why;
}

/* The worker packs the job directory dir, too big to walk: "pack DIR",
 * answered "packed DIR RESULT" once JOBDIR.tar is whole (the agent
 * answers pings meanwhile); *remote its worker path. */
static int
pack_on_worker(struct mconn *c, const char *dir, char **remote,
    char **cause)
{
	char *f[3];
	size_t n;

	debug("%s: %s: more than %d entries or %llu bytes: packed there",
	    c->ms->m->name, dir, COLLECT_WALK_ENTRIES,
	    (unsigned long long)COLLECT_WALK_BYTES);
	mconn_send(c, "pack", dir);
	if (mconn_wait_long(c, "packed", cause) == -1)
		return -1;
	n = agent_fields(c->line.buf, f, 3);
	if (n != 3 || strcmp(f[1], dir) != 0 ||
	    (strcmp(f[2], "-") != 0 && !worker_token(f[2])))
		return set_cause(cause, "agent: bad packed line");
	if (strcmp(f[2], "-") == 0)
		return set_cause(cause, "the worker could not pack them");
	*remote = xasprintf("%s/jobs/%s", c->rundir, f[2]);
	return 0;
}

/* How result (a worker token) comes: JOBDIR walked, JOBDIR.bundle
 * read as one file, anything else a packed result. */
static enum collect_how
result_how(const char *result, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(result, dir) == 0)
		return COLLECT_WALK;
	if (strncmp(result, dir, n) == 0 && strcmp(result + n, ".bundle") == 0)
		return COLLECT_BUNDLE;
	return COLLECT_PACKED;
}

/* The attempt's results into the run: result is its job directory
 * (walked over SFTP, or packed first when big), its bundle (bundle_b64:
 * brought by the "done" line, or NULL: a file to read) or its packed
 * result. */
static int
collect_attempt(struct mconn *c, int job, int attempt, const char *result,
    const char *bundle_b64, struct request_info *ri, char **cause)
{
	const struct dist_job *dj = &c->ctx->plan->config.jobs[job];
	char *dir = slot_dir(c->ctx, c->ms, job, attempt);
	char *remote = xasprintf("%s/jobs/%s", c->rundir, result);
	struct collect_from from = { remote, result_how(result, dir), NULL };
	int rc;

	if (from.how == COLLECT_BUNDLE)
		from.inline_b64 = bundle_b64;
	rc = collect_job(c->ctx, c->ssh, &from, c->config, dj, ri, cause);
	if (rc == 1) {
		free(remote);
		remote = NULL;
		rc = pack_on_worker(c, dir, &remote, cause);
		from = (struct collect_from){ remote, COLLECT_PACKED, NULL };
		if (rc == 0)
			rc = collect_job(c->ctx, c->ssh, &from, c->config, dj,
			    ri, cause);
	}
	free(remote);
	free(dir);
	return rc;
}

/*
 * The connection went while the attempt's results came back: they are
 * still on the worker, so the attempt is looked for again after a
 * reconnect (an orphan) and its job goes back to the queue unless it is
 * there already, as for any job of a lost connection: no retry is used
 * up.
 */
static void
collect_lost(struct mconn *c, int job, int attempt, int orphan,
    const char *why)
{
	struct run_ctx *ctx = c->ctx;

	pthread_mutex_lock(&ctx->mtx);
	ctx->jobs[job].collecting = 0;
	add_orphan(c->ms, job, attempt, 1);
	if (orphan != 1) {
		journal_append(ctx->journal, "lost %d %d", job, attempt);
		sched_job_lost(ctx, (size_t)job);
	}
	post_event_locked(ctx, "%s: %s (attempt %d): %s; it goes back to the "
	    "queue", c->ms->m->name, ctx->plan->config.jobs[job].id, attempt,
	    why);
	pthread_cond_broadcast(&ctx->cond);
	pthread_mutex_unlock(&ctx->mtx);
}

void
finish_job(struct mconn *c, int job, int attempt, int orphan, int exit_code,
    const char *result, const char *bundle_b64)
{
	struct run_ctx *ctx = c->ctx;
	const struct dist_job *dj = &ctx->plan->config.jobs[job];
	char *cause = NULL, *why = NULL, *meaning;
	int64_t start;
	int final, kept, grouped, collected = 0;

	if (!claim_job(ctx, job, orphan, exit_ok(dj, exit_code))) {
		post_event(ctx, "%s: result of %s (attempt %d) discarded: the "
		    "job is done or decided elsewhere", c->ms->m->name, dj->id,
		    attempt);
		forget_job(c, job, attempt, 0);
		return;
	}
	pthread_mutex_lock(&ctx->mtx);
	start = ctx->jobs[job].start;
	pthread_mutex_unlock(&ctx->mtx);
	meaning = exit_meaning(dj, exit_code);
	struct request_info ri = {
		.kind = config_kind_name(ctx->plan->config.kind),
		.job_id = dj->id, .job_name = dj->name, .run_id = ctx->run_id,
		.user = dssh_user(c->ssh), .machine = c->ms->m->name,
		.revision = dj->revision, .branch = dj->branch,
		.attempt = attempt, .exit_code = exit_code,
		.reason = meaning, .ok = exit_ok(dj, exit_code),
		.timeout = ctx->opts->job_timeout,
		.created = ctx->start_wall, .pending = ctx->start_wall,
		.running = start, .end = 0,
	};
	if (strcmp(result, "-") == 0)
		why = xstrdup("results not collected: the worker could not "
		    "pack them");
	else if (collect_attempt(c, job, attempt, result, bundle_b64, &ri,
	    &cause) == -1)
		why = xasprintf("results not collected: %s", cause);
	else {
		collected = 1;
		why = collected_reason(ctx, dj, &ri);
	}
	if (!collected && why != NULL && mconn_lost(c)) {
		collect_lost(c, job, attempt, orphan, why);
		goto out;
	}
	/* a success is made durable with others (commit.c); a failure's
	 * results are on disk before its "end", which a retry's "start"
	 * may follow at once */
	grouped = collected && why == NULL;
	if (collected && !grouped && commit_sync(ctx->run_dir, &cause) == -1) {
		free(why);
		why = xasprintf("results not collected: %s", cause);
		collected = 0;
	}
	pthread_mutex_lock(&ctx->mtx);
	if (orphan && ri.running > 0 && (orphan != 1 || why == NULL))
		ctx->jobs[job].start = ri.running;	/* the worker's own */
	kept = record_attempt(c, job, attempt, orphan, exit_code, why,
	    grouped);
	if (kept) {
		ctx->jobs[job].collected = collected;	/* a failure's too */
		c->ms->fails = why != NULL ? c->ms->fails + 1 : 0;
	}
	final = sched_settled(ctx, (size_t)job);
	pthread_mutex_unlock(&ctx->mtx);
	if (collected)	/* safely here: not needed there */
		forget_job(c, job, attempt, grouped);
	if (final && collected && kept)
		read_metrics(c, dj);
	if (final && kept)
		run_store_job(ctx, (size_t)job);
	if (kept)
		run_notify_job(ctx, (size_t)job, (int)(c->ms - ctx->ms));
out:
	free(meaning);
	free(why);
	free(cause);
}
