/*
 * fit.c - a run's machines matched to its jobs' requirements (issue 17;
 * input/require.h judges one machine, this applies it to the run).
 *
 * Every machine thread asks its agent for the facts once per run, right
 * after the agent starts (fit_ask), and is "looked at" (fit_looked) once
 * its first lock answer came, or its first session ended without one.
 * When some job has a requirement, no machine goes past its lock until
 * the main thread has judged (fit_judge_locked): once every machine was
 * looked at, each requirement is checked against every machine's facts
 * (probed; for a machine not reached, remembered from an earlier run or
 * declared in the machines file).  A requirement no machine meets
 * refuses the run before any job starts; one that only locked or
 * unreachable machines meet is said, and the run waits for them.  From
 * then on a machine takes only the jobs it fits (fit_pop), and leaves
 * when none is left for it (fit_wanted).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "run/facts.h"
#include "run/mconn.h"
#include "run/run-internal.h"

#define REFUSALS_SHOWN	5

struct run_fit {
	int		 active;	/* some job has a requirement */
	int		 judged;	/* machines may take jobs */
	size_t		 pending;	/* machines not looked at yet */
	char		*refusal;	/* why the run was refused, or NULL */
	struct dist_facts *declared, *remembered, *probed;	/* per machine */
	int		*looked;
	unsigned char	*table;		/* nreqs x nmachines: fits (judged) */
};

void
fit_init(struct run_ctx *ctx)
{
	struct run_fit *f = xcalloc(1, sizeof *f);
	const struct dist_machines *ms = &ctx->plan->machines;
	size_t i, n = ms->n;

	f->active = ctx->plan->config.nreqs > 0;
	f->judged = !f->active;
	f->pending = n;
	f->declared = xcalloc(n, sizeof *f->declared);
	f->remembered = xcalloc(n, sizeof *f->remembered);
	f->probed = xcalloc(n, sizeof *f->probed);
	f->looked = xcalloc(n, sizeof *f->looked);
	f->table = xcalloc(ctx->plan->config.nreqs * n + 1, 1);
	for (i = 0; i < n; i++) {
		facts_declared(&ms->v[i], &f->declared[i]);
		facts_init(&f->probed[i]);
	}
	facts_cache_load(ctx->opts->results_dir, ms, f->remembered, NULL);
	ctx->fit = f;
}

void
fit_free(struct run_ctx *ctx)
{
	struct run_fit *f = ctx->fit;

	if (f == NULL)
		return;
	for (size_t i = 0; i < ctx->nmachines; i++) {
		facts_free(&f->declared[i]);
		facts_free(&f->remembered[i]);
		facts_free(&f->probed[i]);
	}
	free(f->declared);
	free(f->remembered);
	free(f->probed);
	free(f->looked);
	free(f->table);
	free(f->refusal);
	free(f);
	ctx->fit = NULL;
}

/* Declared facts a probe contradicts: said once, with the file's line;
 * the probe wins (mtx held). */
static void
warn_disagree(struct run_ctx *ctx, size_t m)
{
	const struct dist_machine *dm = &ctx->plan->machines.v[m];
	struct strvec d = STRVEC_INIT;

	facts_disagree(&ctx->fit->declared[m], &ctx->fit->probed[m], &d);
	for (size_t i = 0; i < d.n; i++)
		post_event_locked(ctx, "warning: %s:%d: %s: declared %s: the "
		    "probe wins", dm->file, dm->line, dm->name, d.v[i]);
	sv_clear(&d);
}

static void refit(struct run_ctx *, size_t);

int
fit_ask(struct mconn *c, char **cause)
{
	struct run_ctx *ctx = c->ctx;
	size_t m = (size_t)(c->ms - ctx->ms);
	struct strvec lines = STRVEC_INIT;
	struct dist_facts f;
	int known, rc = 0;

	pthread_mutex_lock(&ctx->mtx);
	known = facts_known(&ctx->fit->probed[m]);
	pthread_mutex_unlock(&ctx->mtx);
	if (known)
		return 0;	/* once per run */
	mconn_send(c, "facts", NULL);
	do {
		if ((rc = mconn_wait(c, "facts", cause)) == 0)
			sv_push(&lines, c->line.buf);
	} while (rc == 0 && strcmp(c->line.buf, "facts end") != 0);
	if (rc == 0) {
		facts_init(&f);
		facts_from_lines(&f, &lines, "facts");
		pthread_mutex_lock(&ctx->mtx);
		facts_free(&ctx->fit->probed[m]);
		ctx->fit->probed[m] = f;
		warn_disagree(ctx, m);
		if (ctx->fit->judged)
			refit(ctx, m);
		pthread_mutex_unlock(&ctx->mtx);
	}
	sv_clear(&lines);
	return rc;
}

void
fit_looked(struct run_ctx *ctx, struct machine_state *ms)
{
	size_t m = (size_t)(ms - ctx->ms);

	pthread_mutex_lock(&ctx->mtx);
	if (!ctx->fit->looked[m]) {
		ctx->fit->looked[m] = 1;
		ctx->fit->pending--;
		pthread_cond_broadcast(&ctx->cond);
	}
	pthread_mutex_unlock(&ctx->mtx);
}

int
fit_wait(struct run_ctx *ctx)
{
	int go;

	pthread_mutex_lock(&ctx->mtx);
	while (!ctx->fit->judged && !ctx->stopping)
		pthread_cond_wait(&ctx->cond, &ctx->mtx);
	go = ctx->fit->judged && !ctx->stopping;
	pthread_mutex_unlock(&ctx->mtx);
	return go ? 0 : -1;
}

/* Machine m as matching sees it: probed facts over remembered ones over
 * declared ones; *facts to free. */
static void
fit_machine_of(struct run_ctx *ctx, size_t m, struct dist_facts *facts,
    struct fit_machine *fm)
{
	const struct dist_machine *dm = &ctx->plan->machines.v[m];

	facts_init(facts);
	facts_fill(facts, &ctx->fit->probed[m]);
	facts_fill(facts, &ctx->fit->remembered[m]);
	facts_fill(facts, &ctx->fit->declared[m]);
	fm->name = dm->name;
	fm->facts = facts;
	fm->tags = machine_attr(dm, "tags");
	facts_slot_share(facts, dm->slots, isolation_value(&ctx->opts->iso, dm,
	    "cpus"), &fm->slot_cores, &fm->slot_memory);
}

/* Machine m's facts came after the judging: its row of the table. */
static void
refit(struct run_ctx *ctx, size_t m)
{
	struct dist_facts facts;
	struct fit_machine fm;
	size_t r, n = ctx->nmachines;

	fit_machine_of(ctx, m, &facts, &fm);
	for (r = 0; r < ctx->plan->config.nreqs; r++)
		ctx->fit->table[r * n + m] = require_fit(
		    &ctx->plan->config.reqs[r], &fm, NULL) == FIT_YES;
	facts_free(&facts);
}

/* The first job of requirement r, and how many have it. */
static const char *
jobs_of(const struct run_ctx *ctx, size_t r, size_t *count)
{
	const char *first = NULL;

	*count = 0;
	for (size_t j = 0; j < ctx->njobs; j++)
		if (ctx->plan->config.jobs[j].req == (int)r) {
			if (first == NULL)
				first = ctx->plan->config.jobs[j].id;
			(*count)++;
		}
	return first;
}

/* A requirement fits (or may fit: maybe[m]) only machines that are
 * locked or not reached: say so, the run waits for them. */
static void
say_waiting(struct run_ctx *ctx, const char *job, size_t count,
    const unsigned char *maybe)
{
	struct strbuf sb = STRBUF_INIT;
	size_t m, n = ctx->nmachines;

	for (m = 0; m < n; m++) {
		enum machine_status s = ctx->ms[m].status;

		if (!maybe[m])
			continue;
		if (s != M_LOCKED && s != M_DOWN && s != M_OUT) {
			sb_release(&sb);
			return;
		}
		sb_addf(&sb, "%s%s (%s)", sb.len > 0 ? ", " : "",
		    ctx->ms[m].m->name, machine_status_name(s));
	}
	if (sb.len > 0)
		post_event_locked(ctx, "job %s%s can run only on locked or "
		    "unreachable machines: %s: waiting for them", job,
		    count > 1 ? " (and the others of its requirements)" : "",
		    sb_str(&sb));
	sb_release(&sb);
}

/* Judge requirement r against every machine; NULL or the refusal. */
static char *
judge_one(struct run_ctx *ctx, size_t r, struct fit_machine *fm)
{
	const struct dist_require *req = &ctx->plan->config.reqs[r];
	size_t m, n = ctx->nmachines, count;
	const char *job = jobs_of(ctx, r, &count);
	char *why;

	unsigned char *maybe = xcalloc(n, 1);

	for (m = 0; m < n; m++) {
		enum fit fit = require_fit(req, &fm[m], NULL);

		ctx->fit->table[r * n + m] = fit == FIT_YES;
		maybe[m] = fit != FIT_NO;
	}
	if (job == NULL) {
		free(maybe);
		return NULL;
	}
	why = require_refusal(job, req, fm, n);
	if (why != NULL && count > 1) {
		char *more = xasprintf("%s (and %zu more jobs)", why, count - 1);

		free(why);
		why = more;
	}
	if (why == NULL)
		say_waiting(ctx, job, count, maybe);
	free(maybe);
	return why;
}

void
fit_judge_locked(struct run_ctx *ctx)
{
	struct run_fit *f = ctx->fit;
	size_t m, r, n = ctx->nmachines, refused = 0;
	struct dist_facts *facts;
	struct fit_machine *fm;
	struct strbuf sb = STRBUF_INIT;

	if (f->judged || f->refusal != NULL || f->pending > 0)
		return;
	facts = xcalloc(n, sizeof *facts);
	fm = xcalloc(n, sizeof *fm);
	for (m = 0; m < n; m++)
		fit_machine_of(ctx, m, &facts[m], &fm[m]);
	for (r = 0; r < ctx->plan->config.nreqs; r++) {
		char *why = judge_one(ctx, r, fm);

		if (why != NULL && refused++ < REFUSALS_SHOWN)
			sb_addf(&sb, "%s%s", sb.len > 0 ? "\n" : "", why);
		free(why);
	}
	for (m = 0; m < n; m++)
		facts_free(&facts[m]);
	free(facts);
	free(fm);
	if (refused > 0) {
		f->refusal = sb_detach(&sb);
		post_event_locked(ctx, "refused: %s", f->refusal);
		ctx->stopping = 1;
	} else
		f->judged = 1;
	ctx->dirty = 1;
	pthread_cond_broadcast(&ctx->cond);
}

const struct dist_facts *
fit_facts(const struct run_ctx *ctx, size_t machine)
{
	return ctx->fit != NULL ? &ctx->fit->probed[machine] : NULL;
}

const char *
fit_refusal(const struct run_ctx *ctx)
{
	return ctx->fit->refusal;
}

/* Job j may run on machine m (judged; mtx held). */
static int
job_fits(const struct run_ctx *ctx, size_t j, size_t m)
{
	int r = ctx->plan->config.jobs[j].req;

	return r < 0 || ctx->fit->table[(size_t)r * ctx->nmachines + m];
}

int
fit_pop(struct run_ctx *ctx, struct machine_state *ms)
{
	size_t i, job, m = (size_t)(ms - ctx->ms);

	if (!ctx->fit->active)
		return sched_pop(ctx);
	if (ctx->stopping || !ctx->fit->judged)
		return -1;
	for (i = 0; i < ctx->qlen; i++) {
		job = ctx->queue[(ctx->qhead + i) % ctx->qcap];
		if (!job_fits(ctx, job, m))
			continue;
		sched_remove(ctx, job);	/* as sched_pop takes it */
		ctx->jobs[job].status = JOB_RUNNING;
		ctx->nrunning++;
		ctx->dirty = 1;
		return (int)job;
	}
	return -1;
}

int
fit_any_waiting(const struct run_ctx *ctx, const struct machine_state *ms)
{
	size_t j, m = (size_t)(ms - ctx->ms);

	if (!ctx->fit->active)
		return 1;
	for (j = 0; j < ctx->njobs; j++) {
		const struct job_state *s = &ctx->jobs[j];

		if ((s->status == JOB_QUEUED || (s->status == JOB_RUNNING &&
		    s->waiting)) && job_fits(ctx, j, m))
			return 1;
	}
	return 0;
}

int
fit_wanted(struct run_ctx *ctx, const struct machine_state *ms)
{
	size_t j, m = (size_t)(ms - ctx->ms);
	int want = 0;

	if (!ctx->fit->active)
		return 1;
	pthread_mutex_lock(&ctx->mtx);
	for (j = 0; j < ctx->njobs && !want; j++)
		want = !sched_settled(ctx, j) && job_fits(ctx, j, m);
	pthread_mutex_unlock(&ctx->mtx);
	return want;
}

void
fit_save(struct run_ctx *ctx)
{
	char *cause = NULL;

	if (facts_cache_save(ctx->opts->results_dir, &ctx->plan->machines,
	    ctx->fit->probed, &cause) == -1) {
		warn("%s", cause);
		free(cause);
	}
}
