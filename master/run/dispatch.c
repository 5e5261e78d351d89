/*
 * dispatch.c - a machine's jobs while it runs: give its slots the next
 * jobs (one running, one sent ahead to wait on the worker, see slots.c),
 * take waiting ones back when they are wanted elsewhere, and act on the
 * agent's job lines (started, ended, done, unqueue).
 */
#include <stdlib.h>
#include <string.h>

#include "input/input.h"
#include "lib/lib.h"
#include "run/agent-proto.h"
#include "run/journal.h"
#include "run/mconn.h"
#include "run/run-internal.h"

int
run_wants_machine(struct run_ctx *ctx)
{
	int want;

	pthread_mutex_lock(&ctx->mtx);
	/* a job running elsewhere may still come back: failed (retries),
	 * lost (an orphan of a resumed run) or taken back (sent ahead to
	 * wait behind a long job) */
	want = !sched_all_done(ctx) && !ctx->stopping &&
	    (ctx->qlen > 0 || ctx->nahead > 0 || (ctx->nrunning > 0 &&
	    (ctx->opts->retries > 0 || ctx->opts->resume_dir != NULL)));
	pthread_mutex_unlock(&ctx->mtx);
	return want;
}

/* The job's directory with argv/ and env/, made over SFTP: no mkdir
 * process on the worker (the agent makes whatever is still missing).
 * Under the worker helper the agent's spawner makes it with mkdir(2)
 * (and no argv/ or env/ when the job's argv is run directly): nothing
 * to send. */
static void
make_job_dir(struct mconn *c, const char *dir)
{
	static const char *const sub[] = { "", "/argv", "/env" };
	char *path, *cause = NULL;
	size_t i;

	if (c->helper_on)
		return;
	for (i = 0; i < ARRAY_SIZE(sub); i++) {
		path = xasprintf("%s/jobs/%s%s", c->rundir, dir, sub[i]);
		if (dssh_sftp_mkdir_p(c->ssh, path, &cause) == -1) {
			debug("%s: %s (left to the agent)", c->ms->m->name,
			    cause);
			free(cause);
			free(path);
			return;
		}
		free(path);
	}
}

static void
send_job(struct mconn *c, int slot, size_t job, int attempt)
{
	const struct dist_job *j = &c->ctx->plan->config.jobs[job];
	char *dir = slot_dir(c->ctx, c->ms, (int)job, attempt), *start;
	size_t i;

	make_job_dir(c, dir);
	for (i = 0; i < j->argv.n; i++) {
		if ((int)i == j->config_arg)
			mconn_send(c, "arg", c->config);
		else
			mconn_send(c, "arg", j->argv.v[i]);
	}
	for (i = 0; i < j->env.n; i++)
		mconn_send(c, "env", j->env.v[i]);
	isolation_lines(&c->out, c->ctx->opts, c->ms->m, slot,
	    &c->ctx->plan->config, dssh_home_known(c->ssh));
	start = xasprintf("%d %s %s", slot, dir, j->id);
	mconn_send(c, "start", start);
	free(start);
	free(dir);
}

/* Give entry e the next job, if there is one (mtx held). */
static int
assign_job(struct mconn *c, struct slot_entry *e, int ahead)
{
	struct run_ctx *ctx = c->ctx;
	struct machine_state *ms = c->ms;
	int job = fit_pop(ctx, ms);	/* sched_pop() of the jobs ms fits */

	if (job == -1)
		return -1;
	/* a job for a free slot starts now; one sent ahead says when */
	ctx->jobs[job].attempts++;
	slot_fill(ctx, ms, e, job, ++ctx->jobs[job].seq, ahead);
	if (!ahead)
		ctx->jobs[job].start = clock_wall_ns();
	journal_append(ctx->journal, "start %d %d %d %s", job, e->attempt,
	    (int)(ms - ctx->ms), ctx->plan->config.jobs[job].id);
	ctx->jobs[job].machine = (int)(ms - ctx->ms);
	return job;
}

/* Give slot its next job: one to start if it is free, or (ahead_ok) one
 * to wait behind the running one while there is work enough (slots.c).
 * *idle: the slot is left with nothing to run. */
static void
fill_slot(struct mconn *c, int slot, int ahead_ok, int *idle)
{
	struct run_ctx *ctx = c->ctx;
	struct slot_entry *e;
	int ahead, job = -1;

	pthread_mutex_lock(&ctx->mtx);
	e = slot_vacancy(c->ms, slot, &ahead);
	if (e != NULL && (!ahead || (ahead_ok && slot_may_send_ahead(ctx))))
		job = assign_job(c, e, ahead);
	*idle = e != NULL && !ahead && job == -1;
	pthread_mutex_unlock(&ctx->mtx);
	if (job == -1)
		return;
	send_job(c, slot, (size_t)job, e->attempt);
	if (!ahead)
		post_event(ctx, "%s: started %s (slot %d)", c->ms->m->name,
		    ctx->plan->config.jobs[job].id, slot);
}

/* Fill every slot, in two rounds (jobs to start, then jobs to send
 * ahead); sends in one write.  Counts the slots left with nothing to run
 * as idle. */
static int
fill_slots(struct mconn *c, char **cause)
{
	struct run_ctx *ctx = c->ctx;
	int slot, idle, nidle = 0;

	for (slot = 0; slot < c->ms->m->slots; slot++)
		fill_slot(c, slot, 0, &idle);
	for (slot = 0; slot < c->ms->m->slots; slot++) {
		fill_slot(c, slot, 1, &idle);
		nidle += idle;
	}
	pthread_mutex_lock(&ctx->mtx);
	if (nidle > 0 && !fit_any_waiting(ctx, c->ms))
		nidle = 0;	/* nothing it may take: wants none back */
	slot_set_idle(ctx, c->ms, nidle);
	pthread_mutex_unlock(&ctx->mtx);
	return mconn_flush_due(c, cause);	/* a lone "forget" may wait */
}

/* Take back the jobs sent ahead when they are wanted elsewhere. */
static void
take_back(struct mconn *c)
{
	struct machine_state *ms = c->ms;
	int p, want;

	pthread_mutex_lock(&c->ctx->mtx);
	want = slot_should_take_back(c->ctx);
	pthread_mutex_unlock(&c->ctx->mtx);
	if (!want)
		return;
	for (p = 0; p < ms->m->slots * SLOT_ENTRIES; p++) {
		struct slot_entry *e = &ms->pos[p];

		if (e->job == -1 || e->started || e->unqueue || e->late)
			continue;
		char *dir = slot_dir(c->ctx, ms, e->job, e->attempt);
		char *arg = xasprintf("%d %s", p / SLOT_ENTRIES, dir);

		mconn_send(c, "unqueue", arg);
		e->unqueue = 1;
		free(arg);
		free(dir);
	}
}

/* "done o<N> JOBDIR RC RESULT": an orphan reattached after a reconnect. */
static void
orphan_done(struct mconn *c, const char *slot, int exit_code,
    const char *result)
{
	struct machine_state *ms = c->ms;
	size_t i = (size_t)atoi(slot + 1);

	if (i >= ms->norphans || ms->orphans[i].job == -1)
		return;
	finish_job(c, ms->orphans[i].job, ms->orphans[i].attempt,
	    ms->orphans[i].queued ? 1 : 2, exit_code, result, NULL);
	ms->orphans[i].job = -1;
}

/* A job of the lost connection goes back to the queue; its attempt is
 * looked for after a reconnect (mtx held). */
static void
give_back(struct mconn *c, int job, int attempt)
{
	struct run_ctx *ctx = c->ctx;

	add_orphan(c->ms, job, attempt, 1);
	journal_append(ctx->journal, "lost %d %d", job, attempt);
	post_event_locked(ctx, "%s: connection lost: %s goes back to the "
	    "queue", c->ms->m->name, ctx->plan->config.jobs[job].id);
	sched_job_lost(ctx, (size_t)job);
}

/* "started SLOT JOBDIR PID": a job sent ahead now runs (a copy of a job
 * settled meanwhile is killed, see cancel_settled). */
static void
job_started(struct mconn *c, char **f, size_t n)
{
	struct run_ctx *ctx = c->ctx;
	struct slot_entry *e;

	if (n < 3 || (e = slot_lookup(ctx, c->ms, atoi(f[1]), f[2])) == NULL ||
	    e->started)
		return;
	pthread_mutex_lock(&ctx->mtx);
	slot_started(ctx, e);
	if (sched_settled(ctx, (size_t)e->job)) {
		pthread_mutex_unlock(&ctx->mtx);
		return;
	}
	ctx->jobs[e->job].start = clock_wall_ns();
	ctx->dirty = 1;
	post_event_locked(ctx, "%s: started %s (slot %s)", c->ms->m->name,
	    ctx->plan->config.jobs[e->job].id, f[1]);
	pthread_mutex_unlock(&ctx->mtx);
}

/* "ended SLOT JOBDIR": it no longer runs (its results are being
 * written): the slot takes one more to send ahead now, not at its
 * "done", so that the job after the one just started is on the worker
 * before that one ends (short jobs; issue 15). */
static int
job_ended(struct mconn *c, char **f, size_t n, char **cause)
{
	struct slot_entry *e;

	if (n < 3 || (e = slot_lookup(c->ctx, c->ms, atoi(f[1]), f[2])) == NULL)
		return 0;
	e->ended = 1;
	return fill_slots(c, cause);
}

/*
 * "unqueue SLOT JOBDIR ok|late": taken back, or it had started.  "late"
 * may come after the job's "done" (the supervisor and the agent write
 * independently): a reply about an entry that is gone is no error.
 */
static int
job_unqueued(struct mconn *c, char **f, size_t n, char **cause)
{
	struct run_ctx *ctx = c->ctx;
	struct slot_entry *e;
	const char *id;

	if (n != 4 || (strcmp(f[3], "ok") != 0 && strcmp(f[3], "late") != 0))
		return set_cause(cause, "agent: bad unqueue line");
	if ((e = slot_lookup(ctx, c->ms, atoi(f[1]), f[2])) == NULL) {
		debug("%s: unqueue %s %s: %s, ignored", c->ms->m->name, f[2],
		    f[3], "the job has left its slot");
		return 0;
	}
	e->unqueue = 0;
	if (strcmp(f[3], "late") == 0) {
		e->late = 1;	/* it runs: its "done" decides */
		return 0;
	}
	pthread_mutex_lock(&ctx->mtx);
	id = ctx->plan->config.jobs[e->job].id;
	journal_append(ctx->journal, "back %d %d", e->job, e->attempt);
	if (sched_settled(ctx, (size_t)e->job))
		post_event_locked(ctx, "%s: copy of %s (attempt %d) cancelled "
		    "before it started: the job is settled", c->ms->m->name, id,
		    e->attempt);
	else
		post_event_locked(ctx, "%s: %s taken back before it started "
		    "(wanted by a free slot)", c->ms->m->name, id);
	sched_taken_back(ctx, (size_t)e->job);	/* never started */
	slot_clear(ctx, c->ms, e);
	pthread_mutex_unlock(&ctx->mtx);
	return 0;
}

/* Send "kill" for a copy running here. */
static void
send_kill(struct mconn *c, int job, int attempt)
{
	char *dir = slot_dir(c->ctx, c->ms, job, attempt);

	mconn_send(c, "kill", dir);
	free(dir);
}

/*
 * Cancel this machine's copies of jobs settled elsewhere: one waiting for
 * its slot is taken back ("unqueue"), one running (or a watched orphan) is
 * killed; what they report later is discarded (finish_job's claim).
 */
static void
cancel_settled(struct mconn *c)
{
	struct run_ctx *ctx = c->ctx;
	struct machine_state *ms = c->ms;
	int p, settled;
	size_t i;

	pthread_mutex_lock(&ctx->mtx);
	for (p = 0; p < ms->m->slots * SLOT_ENTRIES; p++) {
		struct slot_entry *e = &ms->pos[p];

		if (e->job == -1 || !sched_settled(ctx, (size_t)e->job))
			continue;
		if (!e->started && !e->unqueue && !e->late) {
			char *dir = slot_dir(ctx, ms, e->job, e->attempt);
			char *arg = xasprintf("%d %s", p / SLOT_ENTRIES, dir);

			mconn_send(c, "unqueue", arg);
			e->unqueue = 1;
			free(arg);
			free(dir);
		} else if (e->started && !e->ended && !e->killed) {
			send_kill(c, e->job, e->attempt);
			e->killed = 1;
		}
	}
	for (i = 0; i < ms->norphans; i++) {
		struct orphan *o = &ms->orphans[i];

		settled = o->job != -1 && sched_settled(ctx, (size_t)o->job);
		if (settled && !o->killed) {
			send_kill(c, o->job, o->attempt);
			o->killed = 1;
		}
	}
	pthread_mutex_unlock(&ctx->mtx);
}

/* "done SLOT JOBDIR RC RESULT [BUNDLE]": the next job first, then
 * collection (BUNDLE: the result itself, base64, see collect-bundle.c). */
static int
job_done(struct mconn *c, char **f, size_t n, char **cause)
{
	struct run_ctx *ctx = c->ctx;
	struct slot_entry *e;

	if (n != 5 && n != 6)
		return set_cause(cause, "agent: bad done line");
	if ((e = slot_lookup(ctx, c->ms, atoi(f[1]), f[2])) == NULL) {
		debug("%s: done %s: not in a slot here, ignored",
		    c->ms->m->name, f[2]);
		return 0;
	}
	struct slot_entry done = *e;
	char *result = xstrdup(f[4]);
	char *bundle = n == 6 ? xstrdup(f[5]) : NULL;
	int exit_code = atoi(f[3]);

	pthread_mutex_lock(&ctx->mtx);
	slot_clear(ctx, c->ms, e);
	pthread_mutex_unlock(&ctx->mtx);
	if (fill_slots(c, cause) == -1) {
		pthread_mutex_lock(&ctx->mtx);
		give_back(c, done.job, done.attempt);	/* still ours */
		pthread_mutex_unlock(&ctx->mtx);
		free(result);
		free(bundle);
		return -1;
	}
	finish_job(c, done.job, done.attempt, 0, exit_code, result, bundle);
	free(result);
	free(bundle);
	return 0;
}

/* The fields of a job's line are what the agent writes: a slot number
 * (or o<N>), an exit code 0..255, a result name or "-".  Checked once
 * here, before any is used; a bad one is an error of the line. */
static int
fields_valid(char **f, size_t n)
{
	int v;

	if (strcmp(f[0], "started") != 0 && strcmp(f[0], "ended") != 0 &&
	    strcmp(f[0], "unqueue") != 0 && strcmp(f[0], "done") != 0)
		return 1;	/* not a job's line */
	if (n < 2 || parse_int(f[1][0] == 'o' ? f[1] + 1 : f[1], 0, 1 << 20,
	    &v) == -1)
		return 0;
	if (n >= 5 && strcmp(f[0], "done") == 0 &&
	    (parse_int(f[3], 0, 255, &v) == -1 ||
	    (strcmp(f[4], "-") != 0 && !worker_token(f[4]))))
		return 0;
	if (n == 6 && strcmp(f[0], "done") == 0 && (f[1][0] == 'o' ||
	    strlen(f[4]) <= strlen(".bundle") || strcmp(f[4] + strlen(f[4]) -
	    strlen(".bundle"), ".bundle") != 0))
		return 0;	/* a bundle comes with a job's JOBDIR.bundle */
	return 1;
}

static int
handle_line(struct mconn *c, char **cause)
{
	char *f[6];
	size_t n;

	if (mconn_pong(c))
		return 0;
	if (strncmp(c->line.buf, "err ", 4) == 0)
		return set_cause(cause, "agent: %s", c->line.buf + 4);
	n = agent_fields(c->line.buf, f, 6);
	if (n == 0)
		return 0;
	if (!fields_valid(f, n) && (strcmp(f[0], "started") == 0 ||
	    strcmp(f[0], "ended") == 0))
		return 0;	/* ignored, as an unknown job's */
	if (!fields_valid(f, n))
		return set_cause(cause, "agent: bad %s line", f[0]);
	if (strcmp(f[0], "started") == 0)
		job_started(c, f, n);
	else if (strcmp(f[0], "ended") == 0)
		return job_ended(c, f, n, cause);
	else if (strcmp(f[0], "unqueue") == 0)
		return job_unqueued(c, f, n, cause);
	else if (strcmp(f[0], "done") == 0 && n == 5 && f[1][0] == 'o')
		orphan_done(c, f[1], atoi(f[3]), f[4]);
	else if (strcmp(f[0], "done") == 0)
		return job_done(c, f, n, cause);
	return 0;	/* killed */
}

/* An orphan watched here whose job is still undecided. */
static int
orphans_pending(struct mconn *c)
{
	struct run_ctx *ctx = c->ctx;
	size_t i;
	int pending = 0;

	pthread_mutex_lock(&ctx->mtx);
	for (i = 0; i < c->ms->norphans && !pending; i++) {
		int j = c->ms->orphans[i].job;

		pending = j != -1 && ctx->jobs[j].status != JOB_OK &&
		    ctx->jobs[j].status != JOB_FAILED;
	}
	pthread_mutex_unlock(&ctx->mtx);
	return pending;
}

/* The user's second interrupt: kill what runs here (once per job; the
 * jobs sent ahead are taken back, see take_back). */
static void
kill_running(struct mconn *c, int *done)
{
	struct slot_entry *e;
	int p;

	if (*done)
		return;
	pthread_mutex_lock(&c->ctx->mtx);
	*done = c->ctx->interrupts >= 2;
	pthread_mutex_unlock(&c->ctx->mtx);
	if (!*done)
		return;
	for (p = 0; p < c->ms->m->slots * SLOT_ENTRIES; p++) {
		e = &c->ms->pos[p];
		if (e->job == -1 || !e->started || e->ended)
			continue;
		char *dir = slot_dir(c->ctx, c->ms, e->job, e->attempt);
		mconn_send(c, "kill", dir);
		free(dir);
	}
}

/* Test only: DIST_TEST_HOOKS on the master is passed to the agent (see
 * "set testhooks" in client-scripts/agent.sh); unset, nothing is sent. */
static void
test_hooks(struct mconn *c)
{
	const char *hooks = getenv("DIST_TEST_HOOKS");
	char *arg;

	if (hooks == NULL || *hooks == '\0')
		return;
	arg = xasprintf("testhooks %s", hooks);
	mconn_send(c, "set", arg);
	free(arg);
}

/* The job lines read while a reply was waited for (a reconnect's, a
 * "pack" of a big result), in order; handling them may wait again and
 * keep more. */
static int
handle_later(struct mconn *c, char **cause)
{
	struct strvec batch;
	size_t i;
	int rc = 0;

	while (c->later.n > 0 && rc == 0) {
		batch = c->later;
		memset(&c->later, 0, sizeof c->later);
		for (i = 0; i < batch.n && rc == 0; i++) {
			sb_reset(&c->line);
			sb_adds(&c->line, batch.v[i]);
			rc = handle_line(c, cause);
		}
		sv_clear(&batch);
	}
	return rc;
}

/* The next line, if one comes within 0.5 s; collected jobs waiting to
 * be made durable are committed (commit.c) as soon as no line is there
 * to read at once, or when due. */
static int
next_line(struct mconn *c, char **cause)
{
	int rc;

	if (commit_due(c))
		commit_flush(c);
	if (commit_pending(c)) {
		rc = dssh_chan_readline(c->ch, &c->line, 0, cause);
		if (rc != 0)
			return rc;
		commit_flush(c);
		if (mconn_flush_due(c, cause) == -1)
			return -1;
	}
	return dssh_chan_readline(c->ch, &c->line, 500, cause);
}

static int
dispatch_loop(struct mconn *c, char **cause)
{
	struct run_ctx *ctx = c->ctx;
	int rc;

	int killed = 0;

	machine_set_status(ctx, c->ms, M_RUNNING, NULL);
	if (handle_later(c, cause) == -1)
		return -1;
	test_hooks(c);
	for (;;) {
		if (handle_later(c, cause) == -1)
			return -1;
		kill_running(c, &killed);
		cancel_settled(c);
		take_back(c);
		if (fill_slots(c, cause) == -1)
			return -1;
		if (c->ms->running == 0 && !orphans_pending(c) &&
		    (!run_wants_machine(ctx) || !fit_wanted(ctx, c->ms)))
			return 0;
		rc = next_line(c, cause);
		if (rc == -1)
			return -1;
		if (rc == 1)
			mconn_alive(c);
		if (rc == 1 && handle_line(c, cause) == -1)
			return -1;
		/* a ping when due, also while lines keep coming */
		if (mconn_keepalive(c, rc == 0, cause) == -1)
			return -1;
	}
}

int
dispatch(struct mconn *c, char **cause)
{
	int rc = dispatch_loop(c, cause);

	commit_flush(c);	/* then "quit" sends the forgets */
	return rc;
}

/* The connection is gone: jobs on it go back to the queue. */
void
give_back_jobs(struct mconn *c)
{
	struct run_ctx *ctx = c->ctx;
	struct slot_entry *e;
	int p;

	pthread_mutex_lock(&ctx->mtx);
	for (p = 0; p < c->ms->m->slots * SLOT_ENTRIES; p++) {
		e = &c->ms->pos[p];
		if (e->job == -1)
			continue;
		give_back(c, e->job, e->attempt);
		slot_clear(ctx, c->ms, e);
	}
	slot_set_idle(ctx, c->ms, 0);
	pthread_mutex_unlock(&ctx->mtx);
}
