/*
 * worker.c - one thread per machine: connect, start the agent, take the
 * machine's lock, stage the inputs, then keep every slot busy until the
 * queue is empty; reconnect with backoff when the connection is lost.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent-proto.h"
#include "isolation.h"
#include "journal.h"
#include "request.h"
#include "log.h"
#include "run-internal.h"

#define AGENT_START_MS	30000
#define REPLY_MS	60000
#define MAX_BACKOFF	120
#define NEVER_CONNECTED_TRIES 3	/* then a machine is out of the run */

struct mconn {
	struct run_ctx		*ctx;
	struct machine_state	*ms;
	struct dist_ssh		*ssh;
	struct dssh_chan	*ch;
	char			*workdir;
	char			*rundir;
	char			*tooldir;
	char			*config;	/* worker path of the config */
	char			*script;
	struct strbuf		 out;		/* lines to send */
	struct strbuf		 line;		/* last line read */
	struct strvec		 later;		/* job lines read while waiting
						   for a reply, handled next */
	double			 last_keepalive;
};

enum session_end { S_DONE, S_RETRY, S_FATAL };

static int
flush_out(struct mconn *c, char **cause)
{
	int rc = 0;

	if (c->out.len > 0)
		rc = dssh_chan_write(c->ch, c->out.buf, c->out.len, cause);
	sb_reset(&c->out);
	return rc;
}

static void
send_line(struct mconn *c, const char *verb, const char *arg)
{
	agent_line(&c->out, verb, arg);
}

/* Wait for a reply starting with verb (or "err VERB"); other lines are
 * unexpected at this stage and ignored. */
/* A line about a job, which may come at any time (from a supervisor or
 * a watcher), not in answer to a request. */
static int
is_job_line(const char *line)
{
	static const char *const verbs[] = { "started ", "ended ", "done " };

	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (strncmp(line, verbs[i], strlen(verbs[i])) == 0)
			return 1;
	return 0;
}

static int
wait_reply(struct mconn *c, const char *verb, char **cause)
{
	size_t vl = strlen(verb);
	double until = now_mono() + REPLY_MS / 1000.0;
	int rc;

	if (flush_out(c, cause) == -1)
		return -1;
	while (now_mono() < until) {
		rc = dssh_chan_readline(c->ch, &c->line, 1000, cause);
		if (rc == -1)
			return -1;
		if (rc == 0)
			continue;
		if (strncmp(c->line.buf, verb, vl) == 0 &&
		    (c->line.buf[vl] == ' ' || c->line.buf[vl] == '\0'))
			return 0;
		if (strncmp(c->line.buf, "err ", 4) == 0 &&
		    strncmp(c->line.buf + 4, verb, vl) == 0)
			return set_cause(cause, "agent: %s", c->line.buf + 4);
		if (is_job_line(c->line.buf))
			sv_push(&c->later, c->line.buf);	/* a watched job */
		else
			debug("%s: unexpected agent line '%s'", c->ms->m->name,
			    c->line.buf);
	}
	return set_cause(cause, "agent: no reply to '%s' within %d s", verb,
	    REPLY_MS / 1000);
}

static int
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

/* Sleep up to secs, waking early when the run's state changes. */
static void
nap(struct run_ctx *ctx, int secs)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += secs;
	pthread_mutex_lock(&ctx->mtx);
	if (!sched_all_done(ctx))
		pthread_cond_timedwait(&ctx->cond, &ctx->mtx, &ts);
	pthread_mutex_unlock(&ctx->mtx);
}

static void
set_paths(struct mconn *c)
{
	struct dist_plan *p = c->ctx->plan;
	const char *bd = machine_attr(c->ms->m, "benchdir");

	c->workdir = machine_workdir(p, c->ms->m, dssh_user(c->ssh));
	c->rundir = xasprintf("%s/runs/%s", c->workdir, c->ctx->run_id);
	c->script = xasprintf("%s/script/job.sh", c->rundir);
	c->tooldir = p->have_archive ? xasprintf("%s/tools/%s.d", c->workdir,
	    p->archive.sha256) : xstrdup("");
	if (bd == NULL)
		bd = p->opts->config.benchdir;
	if (bd != NULL)
		c->config = xasprintf("%s/%s", bd, p->config.basename);
	else
		c->config = xasprintf("%s/config/%s", c->rundir,
		    p->config.basename);
}

static void
send_settings(struct mconn *c)
{
	struct run_ctx *ctx = c->ctx;
	char timeout[32];

	snprintf(timeout, sizeof timeout, "%d", ctx->opts->job_timeout);
	struct { const char *k, *v; } kv[] = {
		{ "workdir", c->workdir }, { "rundir", c->rundir },
		{ "lockfile", machine_lockfile(ctx->plan, c->ms->m) },
		{ "run", ctx->run_id }, { "user", ctx->user },
		{ "master", ctx->master_host }, { "mkey", c->ms->key },
		{ "script", c->script }, { "tooldir", c->tooldir },
		{ "config", c->config }, { "jobtimeout", timeout },
		{ "breakstale", ctx->opts->break_stale ? "1" : "0" },
		/* the default job.sh only execs the argv: the agent does that
		 * itself, one sh start less per job */
		{ "direct", ctx->opts->script_path == NULL ? "1" : "0" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(kv); i++) {
		char *arg = xasprintf("%s %s", kv[i].k, kv[i].v);

		send_line(c, "set", arg);
		free(arg);
	}
}

static char *
lock_holder(char *line)
{
	char *f[6];
	size_t n = agent_fields(line, f, 6);

	if (n < 6)
		return xstrdup("another run");
	return xasprintf("locked by %s on %s (run %s, since %s)", f[2], f[3],
	    f[4], f[5]);
}

/* 0 locked, 1 held by someone else (retry later), -1 error. */
static int
take_lock(struct mconn *c, char **cause)
{
	int backoff = 5;

	for (;;) {
		send_line(c, "lock", NULL);
		if (wait_reply(c, "lock", cause) == -1)
			return -1;
		if (strncmp(c->line.buf, "lock ok", 7) == 0)
			return 0;
		char *why = lock_holder(c->line.buf);
		machine_set_status(c->ctx, c->ms, M_LOCKED, why);
		free(why);
		if (!run_wants_machine(c->ctx))
			return 1;
		nap(c->ctx, backoff);
		if (!run_wants_machine(c->ctx))
			return 1;
		backoff = backoff * 2 > MAX_BACKOFF ? MAX_BACKOFF : backoff * 2;
	}
}

static int
stage_archive(struct mconn *c, char **cause)
{
	struct dist_plan *p = c->ctx->plan;
	char *tools, *remote;
	uint64_t size = 0, sent = 0;
	int rc = -1, have;

	tools = xasprintf("%s/tools", c->workdir);
	remote = xasprintf("%s/%s", tools, p->archive.sha256);
	if (dssh_sftp_mkdir_p(c->ssh, tools, cause) == -1)
		goto out;
	if ((have = dssh_sftp_stat(c->ssh, remote, &size, cause)) == -1)
		goto out;
	if (!have || size != c->ctx->archive_stage_size) {
		if (dssh_sftp_put_file(c->ssh, c->ctx->archive_stage, remote, 0644,
		    &sent, cause) == -1)
			goto out;
	}
	pthread_mutex_lock(&c->ctx->mtx);
	c->ms->archive_sent += sent;
	c->ctx->archive_sent += sent;
	pthread_mutex_unlock(&c->ctx->mtx);
	send_line(c, "unpack", p->archive.sha256);
	if (wait_reply(c, "unpacked", cause) == -1)
		goto out;
	rc = 0;
out:
	free(tools);
	free(remote);
	return rc;
}

static int
stage_text(struct mconn *c, const char *path, const char *text, int mode,
    char **cause)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int rc;

	if (slash != NULL && slash != dir)
		*slash = '\0';
	rc = dssh_sftp_mkdir_p(c->ssh, dir, cause);
	free(dir);
	if (rc == 0)
		rc = dssh_sftp_put_mem(c->ssh, text, strlen(text), path, mode,
		    cause);
	return rc;
}

/* Is there room in WORKDIR for what the run puts there? */
static int
check_space(struct mconn *c, size_t config_len, char **cause)
{
	struct run_ctx *ctx = c->ctx;
	struct dist_plan *p = ctx->plan;
	unsigned long long free_kb, need;
	char *f[3];

	send_line(c, "space", p->have_archive ? p->archive.sha256 : NULL);
	if (wait_reply(c, "space", cause) == -1)
		return -1;
	if (agent_fields(c->line.buf, f, 3) != 3)
		return set_cause(cause, "agent: bad space reply");
	free_kb = strtoull(f[1], NULL, 10);
	need = config_len + strlen(ctx->script_text) + (1 << 20);
	if (p->have_archive && strcmp(f[2], "1") != 0)
		need += ctx->archive_stage_size + p->archive.unpacked;
	if (free_kb * 1024 < need)
		return set_cause(cause, "not enough space in %s: %llu MB free, "
		    "%llu MB needed", c->workdir, free_kb / 1024,
		    need >> 20);
	return 0;
}

static int
stage(struct mconn *c, char **cause)
{
	struct run_ctx *ctx = c->ctx;
	char *jobs = xasprintf("%s/jobs", c->rundir), *cfg = NULL;
	size_t len;
	int rc = -1;

	machine_set_status(ctx, c->ms, M_STAGING, NULL);
	if (read_file(ctx->plan->config.path, &cfg, &len, cause) == -1)
		goto out;
	if (check_space(c, len, cause) == -1)
		goto out;
	if (dssh_sftp_mkdir_p(c->ssh, jobs, cause) == -1)
		goto out;
	if (stage_text(c, c->config, cfg, 0644, cause) == -1 ||
	    stage_text(c, c->script, ctx->script_text, 0755, cause) == -1)
		goto out;
	if (ctx->plan->have_archive && stage_archive(c, cause) == -1)
		goto out;
	rc = 0;
out:
	free(cfg);
	free(jobs);
	return rc;
}

static int
prepare(struct mconn *c, int *failed, char **cause)
{
	struct run_ctx *ctx = c->ctx;
	char *path, *log_remote, *log_local, *f[2];
	int rc = -1;

	*failed = 0;
	if (ctx->prepare_text == NULL)
		return 0;
	machine_set_status(ctx, c->ms, M_PREPARING, NULL);
	path = xasprintf("%s/prepare.sh", c->rundir);
	log_remote = xasprintf("%s/prepare-%s.log", c->rundir, c->ms->key);
	log_local = xasprintf("%s/prepare/%s.log", ctx->run_dir, c->ms->key);
	if (stage_text(c, path, ctx->prepare_text, 0755, cause) == -1)
		goto out;
	send_line(c, "prepare", path);
	if (wait_reply(c, "prepared", cause) == -1)
		goto out;
	if (agent_fields(c->line.buf, f, 2) == 2 && strcmp(f[1], "0") != 0)
		*failed = 1;
	if (dssh_sftp_get_file(c->ssh, log_remote, log_local, 64 << 20, NULL,
	    cause) == -1)
		warn("%s: prepare log: %s", c->ms->m->name, *cause);
	if (*failed)
		set_cause(cause, "prepare script failed (exit %s), log in %s",
		    f[1], log_local);
	rc = 0;
out:
	free(path);
	free(log_remote);
	free(log_local);
	return rc;
}

/* The job's directory with argv/ and env/, made over SFTP: no mkdir
 * process on the worker (the agent makes whatever is still missing). */
static void
make_job_dir(struct mconn *c, const char *dir)
{
	static const char *const sub[] = { "", "/argv", "/env" };
	char *path, *cause = NULL;
	size_t i;

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
			send_line(c, "arg", c->config);
		else
			send_line(c, "arg", j->argv.v[i]);
	}
	for (i = 0; i < j->env.n; i++)
		send_line(c, "env", j->env.v[i]);
	isolation_lines(&c->out, c->ctx->opts, c->ms->m, slot);
	start = xasprintf("%d %s %s", slot, dir, j->id);
	send_line(c, "start", start);
	free(start);
	free(dir);
}

/* Give entry e the next job, if there is one (mtx held). */
static int
assign_job(struct mconn *c, struct slot_entry *e, int ahead)
{
	struct run_ctx *ctx = c->ctx;
	struct machine_state *ms = c->ms;
	int job = sched_pop(ctx);

	if (job == -1)
		return -1;
	e->job = job;
	e->attempt = ++ctx->jobs[job].attempts;
	e->ended = e->unqueue = 0;
	/* a job for a free slot starts now; one sent ahead says when */
	e->started = !ahead;
	if (ahead)
		ctx->nahead++;
	else
		ctx->jobs[job].start = now_wall();
	journal_append(ctx->journal, "start %d %d %d %s", job, e->attempt,
	    (int)(ms - ctx->ms), ctx->plan->config.jobs[job].id);
	ctx->jobs[job].machine = (int)(ms - ctx->ms);
	ms->running++;
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
	slot_set_idle(ctx, c->ms, nidle);
	pthread_mutex_unlock(&ctx->mtx);
	return flush_out(c, cause);
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

		if (e->job == -1 || e->started || e->unqueue)
			continue;
		char *dir = slot_dir(c->ctx, ms, e->job, e->attempt);
		char *arg = xasprintf("%d %s", p / SLOT_ENTRIES, dir);

		send_line(c, "unqueue", arg);
		e->unqueue = 1;
		free(arg);
		free(dir);
	}
}

/* The collected status says the supervisor killed the job at its timeout. */
static int
job_timed_out(struct run_ctx *ctx, const struct dist_job *job)
{
	char *path = xasprintf("%s/jobs/%s/status", ctx->run_dir, job->id);
	char *data = NULL;
	int yes;

	yes = read_file(path, &data, NULL, NULL) == 0 &&
	    strstr(data, "\nreason=timeout\n") != NULL;
	free(data);
	free(path);
	return yes;
}

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
 * end wins; a late one (its job already done, or being collected) is
 * discarded, and so is an orphan's failure (its job was given back to the
 * queue and that attempt decides).  Returns 1 to collect.
 */
static int
claim_job(struct run_ctx *ctx, int job, int orphan, int ok)
{
	/* orphan: 0 none, 1 given back to the queue, 2 not (a resume's) */
	struct job_state *js = &ctx->jobs[job];
	int final, claim;

	pthread_mutex_lock(&ctx->mtx);
	final = js->status == JOB_OK || js->status == JOB_FAILED;
	claim = !final && !js->collecting && (orphan != 1 || ok);
	if (claim)
		js->collecting = 1;
	else if (orphan != 1) {
		ctx->nrunning--;
		pthread_cond_broadcast(&ctx->cond);
	}
	pthread_mutex_unlock(&ctx->mtx);
	return claim;
}

/* Record the collected attempt (mtx held). */
static void
record_attempt(struct mconn *c, int job, int attempt, int orphan,
    int exit_code, const char *why)
{
	struct run_ctx *ctx = c->ctx;
	struct job_state *js = &ctx->jobs[job];
	const struct dist_job *dj = &ctx->plan->config.jobs[job];

	js->collecting = 0;
	js->end = now_wall();
	js->collected = why == NULL;
	js->machine = (int)(c->ms - ctx->ms);
	c->ms->jobs_done++;
	if (orphan)
		sched_remove(ctx, (size_t)job);
	sched_attempt_end(ctx, (size_t)job, orphan != 1, exit_ok(dj, exit_code) &&
	    why == NULL ? 0 : exit_code, why);
	js->exit_code = exit_code;
	journal_append(ctx->journal, "end %d %d %s %d", job, attempt,
	    js->status == JOB_OK ? "ok" : js->status == JOB_FAILED ? "failed" :
	    "requeued", exit_code);
	post_event_locked(ctx, "%s: %s %s (exit %d)%s", c->ms->m->name,
	    why != NULL || !exit_ok(dj, exit_code) ? "failed" : "finished",
	    dj->id, exit_code, orphan ? ", collected after a reconnect" : "");
}

static void
finish_job(struct mconn *c, int job, int attempt, int orphan, int exit_code,
    const char *result)
{
	struct run_ctx *ctx = c->ctx;
	const struct dist_job *dj = &ctx->plan->config.jobs[job];
	char *remote, *cause = NULL, *why = NULL, *meaning;
	double start;
	int final;

	if (!claim_job(ctx, job, orphan, exit_ok(dj, exit_code))) {
		post_event(ctx, "%s: result of %s (attempt %d) discarded: the "
		    "job is done or decided elsewhere", c->ms->m->name, dj->id,
		    attempt);
		return;
	}
	pthread_mutex_lock(&ctx->mtx);
	start = ctx->jobs[job].start;
	pthread_mutex_unlock(&ctx->mtx);
	remote = xasprintf("%s/jobs/%s", c->rundir, result);
	meaning = exit_meaning(dj, exit_code);
	struct request_info ri = {
		.kind = config_kind_name(ctx->plan->config.kind),
		.job_id = dj->id, .job_name = dj->name, .run_id = ctx->run_id,
		.user = dssh_user(c->ssh), .machine = c->ms->m->name,
		.revision = dj->revision, .branch = dj->branch,
		.attempt = attempt, .exit_code = exit_code,
		.reason = meaning, .ok = exit_ok(dj, exit_code),
		.created = ctx->start_wall, .pending = ctx->start_wall,
		.running = start, .end = 0,
	};
	if (strcmp(result, "-") == 0)
		why = xstrdup("results not collected: the worker could not "
		    "pack them");
	else if (collect_job(ctx, c->ssh, remote, dj, &ri, &cause) == -1)
		why = xasprintf("results not collected: %s", cause);
	else if (job_timed_out(ctx, dj))
		why = xasprintf("timeout: killed after %ds",
		    ctx->opts->job_timeout);
	else if (meaning != NULL)
		why = xstrdup(meaning);
	pthread_mutex_lock(&ctx->mtx);
	if (orphan && ri.running > 0)
		ctx->jobs[job].start = ri.running;	/* the worker's own */
	record_attempt(c, job, attempt, orphan, exit_code, why);
	final = ctx->jobs[job].status == JOB_OK ||
	    ctx->jobs[job].status == JOB_FAILED;
	pthread_mutex_unlock(&ctx->mtx);
	if (final && why == NULL)
		read_metrics(c, dj);
	run_notify_job(ctx, (size_t)job, (int)(c->ms - ctx->ms));
	free(meaning);
	free(why);
	free(cause);
	free(remote);
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
	    ms->orphans[i].queued ? 1 : 2, exit_code, result);
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

/* "started SLOT JOBDIR PID": a job sent ahead now runs. */
static void
job_started(struct mconn *c, char **f, size_t n)
{
	struct run_ctx *ctx = c->ctx;
	struct slot_entry *e;

	if (n < 3 || (e = slot_lookup(ctx, c->ms, atoi(f[1]), f[2])) == NULL ||
	    e->started)
		return;
	pthread_mutex_lock(&ctx->mtx);
	e->started = 1;
	ctx->nahead--;
	ctx->jobs[e->job].start = now_wall();
	ctx->dirty = 1;
	post_event_locked(ctx, "%s: started %s (slot %s)", c->ms->m->name,
	    ctx->plan->config.jobs[e->job].id, f[1]);
	pthread_mutex_unlock(&ctx->mtx);
}

/* "ended SLOT JOBDIR": it no longer runs (its results are being packed):
 * the slot may take one more to send ahead. */
static void
job_ended(struct mconn *c, char **f, size_t n)
{
	struct slot_entry *e;

	if (n >= 3 && (e = slot_lookup(c->ctx, c->ms, atoi(f[1]), f[2])) != NULL)
		e->ended = 1;
}

/* "unqueue SLOT JOBDIR ok|late": taken back, or it had started. */
static int
job_unqueued(struct mconn *c, char **f, size_t n, char **cause)
{
	struct run_ctx *ctx = c->ctx;
	struct slot_entry *e;

	if (n != 4 || (e = slot_lookup(ctx, c->ms, atoi(f[1]), f[2])) == NULL)
		return set_cause(cause, "agent: bad unqueue line");
	e->unqueue = 0;
	if (strcmp(f[3], "ok") != 0)
		return 0;
	pthread_mutex_lock(&ctx->mtx);
	journal_append(ctx->journal, "back %d %d", e->job, e->attempt);
	post_event_locked(ctx, "%s: %s taken back before it started (wanted "
	    "by a free slot)", c->ms->m->name, ctx->plan->config.jobs[e->job].id);
	if (!e->started)
		ctx->nahead--;
	sched_job_back(ctx, (size_t)e->job);
	slot_clear(c->ms, e);
	pthread_mutex_unlock(&ctx->mtx);
	return 0;
}

/* "done SLOT JOBDIR RC RESULT": the next job first, then collection. */
static int
job_done(struct mconn *c, char **f, size_t n, char **cause)
{
	struct run_ctx *ctx = c->ctx;
	struct slot_entry *e;

	if (n != 5 || (e = slot_lookup(ctx, c->ms, atoi(f[1]), f[2])) == NULL)
		return set_cause(cause, "agent: bad done line");
	struct slot_entry done = *e;
	char *result = xstrdup(f[4]);
	int exit_code = atoi(f[3]);

	pthread_mutex_lock(&ctx->mtx);
	if (!done.started)
		ctx->nahead--;
	slot_clear(c->ms, e);
	pthread_mutex_unlock(&ctx->mtx);
	if (fill_slots(c, cause) == -1) {
		pthread_mutex_lock(&ctx->mtx);
		give_back(c, done.job, done.attempt);	/* still ours */
		pthread_mutex_unlock(&ctx->mtx);
		free(result);
		return -1;
	}
	finish_job(c, done.job, done.attempt, 0, exit_code, result);
	free(result);
	return 0;
}

static int
handle_line(struct mconn *c, char **cause)
{
	char *f[5];
	size_t n;

	if (strncmp(c->line.buf, "err ", 4) == 0)
		return set_cause(cause, "agent: %s", c->line.buf + 4);
	n = agent_fields(c->line.buf, f, 5);
	if (n == 0)
		return 0;
	if (strcmp(f[0], "started") == 0)
		job_started(c, f, n);
	else if (strcmp(f[0], "ended") == 0)
		job_ended(c, f, n);
	else if (strcmp(f[0], "unqueue") == 0)
		return job_unqueued(c, f, n, cause);
	else if (strcmp(f[0], "done") == 0 && n == 5 && f[1][0] == 'o')
		orphan_done(c, f[1], atoi(f[3]), f[4]);
	else if (strcmp(f[0], "done") == 0)
		return job_done(c, f, n, cause);
	return 0;	/* pong, killed */
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
		send_line(c, "kill", dir);
		free(dir);
	}
}

static int
keepalive_due(struct mconn *c, char **cause)
{
	int every = c->ctx->opts->ssh.keepalive;

	if (every <= 0 || now_mono() - c->last_keepalive < every)
		return 0;
	c->last_keepalive = now_mono();
	return dssh_keepalive(c->ssh, cause);
}

static int
dispatch(struct mconn *c, char **cause)
{
	struct run_ctx *ctx = c->ctx;
	int rc;

	int killed = 0;

	machine_set_status(ctx, c->ms, M_RUNNING, NULL);
	c->last_keepalive = now_mono();
	for (size_t i = 0; i < c->later.n; i++) {
		sb_reset(&c->line);
		sb_adds(&c->line, c->later.v[i]);
		if (handle_line(c, cause) == -1)
			return -1;
	}
	sv_clear(&c->later);
	for (;;) {
		kill_running(c, &killed);
		take_back(c);
		if (fill_slots(c, cause) == -1)
			return -1;
		if (c->ms->running == 0 && !orphans_pending(c) &&
		    !run_wants_machine(ctx))
			return 0;
		rc = dssh_chan_readline(c->ch, &c->line, 500, cause);
		if (rc == -1)
			return -1;
		if (rc == 1 && handle_line(c, cause) == -1)
			return -1;
		if (rc == 0 && keepalive_due(c, cause) == -1)
			return -1;
	}
}

void
add_orphan(struct machine_state *ms, int job, int attempt, int queued)
{
	ms->orphans = xreallocarray(ms->orphans, ms->norphans + 1,
	    sizeof *ms->orphans);
	ms->orphans[ms->norphans].job = job;
	ms->orphans[ms->norphans].attempt = attempt;
	ms->orphans[ms->norphans].queued = queued;
	ms->norphans++;
}

/* An orphan that is gone (lost, never started): its job goes back to the
 * queue unless it is there already. */
static void
drop_orphan(struct run_ctx *ctx, struct machine_state *ms, size_t i)
{
	struct orphan *o = &ms->orphans[i];

	pthread_mutex_lock(&ctx->mtx);
	if (!o->queued && ctx->jobs[o->job].status == JOB_RUNNING) {
		sched_job_lost(ctx, (size_t)o->job);
		journal_append(ctx->journal, "lost %d %d", o->job, o->attempt);
	}
	pthread_mutex_unlock(&ctx->mtx);
	o->job = -1;
}

/*
 * After a reconnect: what became of the jobs that ran here when the
 * connection was lost.  Finished ones are collected (if their job is not
 * done elsewhere), running ones are watched by the new agent.
 */
static int
reattach(struct mconn *c, char **cause)
{
	struct machine_state *ms = c->ms;
	char *f[5], *arg;
	size_t i, n;

	for (i = 0; i < ms->norphans; i++) {
		if (ms->orphans[i].job == -1)
			continue;
		char *dir = slot_dir(c->ctx, ms, ms->orphans[i].job,
		    ms->orphans[i].attempt);
		send_line(c, "status", dir);
		if (wait_reply(c, "status", cause) == -1) {
			free(dir);
			return -1;
		}
		n = agent_fields(c->line.buf, f, 5);
		if (n >= 3 && strcmp(f[2], "running") == 0) {
			arg = xasprintf("o%zu %s", i, dir);
			send_line(c, "watch", arg);
			free(arg);
		} else if (n == 5 && strcmp(f[2], "done") == 0) {
			finish_job(c, ms->orphans[i].job, ms->orphans[i].attempt,
			    ms->orphans[i].queued ? 1 : 2, atoi(f[3]), f[4]);
			ms->orphans[i].job = -1;
		} else
			drop_orphan(c->ctx, ms, i);
		free(dir);
	}
	return flush_out(c, cause);
}

/* The connection is gone: jobs on it go back to the queue. */
static void
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
		if (!e->started)
			ctx->nahead--;
		give_back(c, e->job, e->attempt);
		e->job = -1;
	}
	c->ms->running = 0;
	slot_set_idle(ctx, c->ms, 0);
	pthread_mutex_unlock(&ctx->mtx);
}

static void
mconn_close(struct mconn *c)
{
	if (c->ch != NULL)
		dssh_chan_free(c->ch);
	if (c->ssh != NULL)
		dssh_close(c->ssh);
	free(c->workdir);
	free(c->rundir);
	free(c->tooldir);
	free(c->config);
	free(c->script);
	sb_release(&c->out);
	sb_release(&c->line);
	sv_clear(&c->later);
	memset(c, 0, sizeof *c);
}

static int
is_permanent(const char *cause)
{
	return strstr(cause, "host key") != NULL ||
	    strstr(cause, "authentication") != NULL ||
	    strstr(cause, "Authentication") != NULL;
}

static void
quit_agent(struct mconn *c)
{
	char *cause = NULL;

	send_line(c, "quit", NULL);
	if (wait_reply(c, "bye", &cause) == -1)
		debug("%s: quit: %s", c->ms->m->name, cause);
	free(cause);
}

static enum session_end
session(struct mconn *c, char **cause)
{
	struct run_ctx *ctx = c->ctx;
	int failed, rc;

	machine_set_status(ctx, c->ms, M_CONNECTING, NULL);
	if (dssh_connect(c->ms->m, &ctx->opts->ssh, &c->ssh, cause) == -1)
		return is_permanent(*cause) ? S_FATAL : S_RETRY;
	c->ms->connects++;
	set_paths(c);
	if (dssh_exec(c->ssh, "sh -s", &c->ch, cause) == -1 ||
	    agent_start(c->ch, ctx->agent_text, AGENT_START_MS, cause) == -1)
		return S_RETRY;
	send_settings(c);
	if ((rc = take_lock(c, cause)) != 0) {
		if (rc == 1)
			quit_agent(c);
		return rc == 1 ? S_DONE : S_RETRY;
	}
	if (stage(c, cause) == -1 || prepare(c, &failed, cause) == -1) {
		quit_agent(c);
		return S_FATAL;
	}
	if (failed) {
		quit_agent(c);
		return S_FATAL;
	}
	if (reattach(c, cause) == -1)
		return S_RETRY;
	if (dispatch(c, cause) == -1) {
		give_back_jobs(c);
		return S_RETRY;
	}
	pthread_mutex_lock(&ctx->mtx);
	slot_set_idle(ctx, c->ms, 0);
	pthread_mutex_unlock(&ctx->mtx);
	quit_agent(c);
	return S_DONE;
}

void *
machine_main(void *arg)
{
	struct machine_thread_arg *a = arg;
	struct mconn c;
	int backoff = 1, tries = 0;

	for (;;) {
		char *cause = NULL;
		enum session_end end;

		memset(&c, 0, sizeof c);
		c.ctx = a->ctx;
		c.ms = a->ms;
		end = session(&c, &cause);
		mconn_close(&c);
		if (end == S_DONE) {
			machine_set_status(a->ctx, a->ms, M_DONE, NULL);
		} else if (end == S_FATAL || (a->ms->connects == 0 &&
		    ++tries >= NEVER_CONNECTED_TRIES)) {
			machine_set_status(a->ctx, a->ms, M_OUT, cause);
		} else if (run_wants_machine(a->ctx)) {
			machine_set_status(a->ctx, a->ms, M_DOWN, cause);
			free(cause);
			nap(a->ctx, backoff);
			backoff = backoff * 2 > MAX_BACKOFF ? MAX_BACKOFF :
			    backoff * 2;
			continue;
		} else
			machine_set_status(a->ctx, a->ms, M_DONE, NULL);
		free(cause);
		break;
	}
	for (size_t i = 0; i < a->ms->norphans; i++)
		if (a->ms->orphans[i].job != -1)
			drop_orphan(a->ctx, a->ms, i);
	free(a);
	return NULL;
}
