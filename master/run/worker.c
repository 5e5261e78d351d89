/*
 * worker.c - one thread per machine: connect, start the agent, take the
 * machine's lock, stage the inputs, then keep every slot busy until the
 * queue is empty; reconnect with backoff when the connection is lost.
 */
#include <sys/random.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "input/input.h"
#include "lib/lib.h"
#include "run/agent-proto.h"
#include "run/helper.h"
#include "run/journal.h"
#include "run/mconn.h"
#include "run/request.h"
#include "run/run-internal.h"

#define AGENT_START_MS	30000
#define LOCK_BACKOFF	5	/* seconds: lock retries, doubling ... */
#define CONNECT_BACKOFF	1	/* ... and reconnects, doubling ... */
#define MAX_BACKOFF	120	/* ... to this, each with +-20 % jitter */
#define NEVER_CONNECTED_TRIES 3	/* then a machine is out of the run */
#define AGENT_START_TRIES 3	/* logins in a row without an agent: out */
#define DOWN_GIVE_UP	1800	/* seconds down in a row: out of the run */

enum session_end { S_DONE, S_RETRY, S_NOAGENT, S_FATAL };

/* secs, give or take 20 %: machines that failed together do not all
 * come back in the same second. */
static double
jittered(int secs)
{
	unsigned int r;

	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
		r = (unsigned int)(now_mono() * 1e6);
	return secs * (0.8 + 0.4 * (r / (double)UINT_MAX));
}

static int
next_backoff(int secs)
{
	return secs * 2 > MAX_BACKOFF ? MAX_BACKOFF : secs * 2;
}

/*
 * This machine's own backoff timer: sleep secs (jittered), however often
 * the run's state changes meanwhile (other machines' events broadcast
 * ctx->cond); only a run that needs the machine no more ends it early.
 */
static void
nap(struct run_ctx *ctx, int secs)
{
	double until = now_mono() + jittered(secs), left;
	struct timespec ts;

	while ((left = until - now_mono()) > 0 && run_wants_machine(ctx)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)left;
		ts.tv_nsec += (long)((left - (time_t)left) * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&ctx->mtx);
		pthread_cond_timedwait(&ctx->cond, &ctx->mtx, &ts);
		pthread_mutex_unlock(&ctx->mtx);
	}
}

/* A state change is said once: a retry that ends as the one before it
 * adds no event line. */
static void
set_status_once(struct run_ctx *ctx, struct machine_state *ms,
    enum machine_status st, const char *why)
{
	int same;

	pthread_mutex_lock(&ctx->mtx);
	same = ms->status == st && (why == NULL ? ms->why == NULL :
	    ms->why != NULL && strcmp(ms->why, why) == 0);
	pthread_mutex_unlock(&ctx->mtx);
	if (!same)
		machine_set_status(ctx, ms, st, why);
}

/*
 * The worker paths of this connection.  "~" and "~/..." are the login
 * user's home there, resolved once here (SFTP's start directory), so that
 * SFTP and the agent use the same absolute paths.
 */
static int
set_paths(struct mconn *c, char **cause)
{
	struct dist_plan *p = c->ctx->plan;
	char *wd = machine_workdir(p, c->ms->m, dssh_user(c->ssh)), *path;
	int rc;

	/* the home, asked now: isolation_lines() expands tmpfs=~/... */
	rc = dssh_expand_home(c->ssh, "~", &path, cause);
	free(path);
	if (rc == 0)
		rc = dssh_expand_home(c->ssh, wd, &c->workdir, cause);
	free(wd);
	if (rc == 0)
		rc = dssh_expand_home(c->ssh, machine_lockfile(p, c->ms->m),
		    &c->lockfile, cause);
	if (rc == -1)
		return -1;
	c->rundir = xasprintf("%s/runs/%s", c->workdir, c->ctx->run_id);
	c->script = xasprintf("%s/script/job.sh", c->rundir);
	c->tooldir = p->have_archive ? xasprintf("%s/tools/%s.d", c->workdir,
	    p->archive.sha256) : xstrdup("");
	path = machine_config_path(p, c->ms->m, c->rundir);
	rc = dssh_expand_home(c->ssh, path, &c->config, cause);
	free(path);
	return rc;
}

static void
send_settings(struct mconn *c)
{
	struct run_ctx *ctx = c->ctx;
	char timeout[32];

	snprintf(timeout, sizeof timeout, "%d", ctx->opts->job_timeout);
	struct { const char *k, *v; } kv[] = {
		{ "workdir", c->workdir }, { "rundir", c->rundir },
		{ "lockfile", c->lockfile },
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

		mconn_send(c, "set", arg);
		free(arg);
	}
}

/* "lock held USER MASTER RUN SINCE [(stale)|(jobs still running)]" */
static char *
lock_holder(char *line)
{
	char *f[7];
	size_t n = agent_fields(line, f, 7);

	if (n < 6)
		return xstrdup("another run");
	return xasprintf("locked by %s on %s (run %s, since %s)%s%s", f[2],
	    f[3], f[4], f[5], n == 7 ? " " : "", n == 7 ? f[6] : "");
}

/* "lock ok broke USER MASTER RUN SINCE": said on screen and in events.log
 * with whose lock it was. */
static void
lock_broken(struct mconn *c, char *line)
{
	struct run_ctx *ctx = c->ctx;
	char *f[7], *what;

	if (agent_fields(line, f, 7) < 7)
		return;
	what = xasprintf("broke the stale lock of %s (master %s, run %s, "
	    "since %s): its agent, supervisors and jobs are gone", f[3], f[4],
	    f[5], f[6]);
	pthread_mutex_lock(&ctx->mtx);
	post_event_locked(ctx, "%s: %s", c->ms->m->name, what);
	free(c->ms->broke);
	c->ms->broke = what;	/* for the summary */
	pthread_mutex_unlock(&ctx->mtx);
}

/* 0 locked, 1 held by someone else (retry later), -1 error. */
static int
take_lock(struct mconn *c, char **cause)
{
	int backoff = LOCK_BACKOFF;

	for (;;) {
		mconn_send(c, "lock", NULL);
		if (mconn_wait(c, "lock", cause) == -1)
			return -1;
		if (strncmp(c->line.buf, "lock ok", 7) == 0) {
			if (strncmp(c->line.buf, "lock ok broke ", 14) == 0)
				lock_broken(c, c->line.buf);
			fit_looked(c->ctx, c->ms);
			return 0;
		}
		char *why = lock_holder(c->line.buf);
		set_status_once(c->ctx, c->ms, M_LOCKED, why);
		fit_looked(c->ctx, c->ms);	/* locked: judged as such */
		free(why);
		if (!run_wants_machine(c->ctx))
			return 1;
		mconn_watch(c, 0);	/* nothing is asked meanwhile */
		nap(c->ctx, backoff);
		mconn_watch(c, 1);
		if (!run_wants_machine(c->ctx))
			return 1;
		backoff = next_backoff(backoff);
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
	mconn_send(c, "unpack", p->archive.sha256);
	if (mconn_wait_long(c, "unpacked", cause) == -1)
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
	char *f[4];

	mconn_send(c, "space", p->have_archive ? p->archive.sha256 : NULL);
	if (mconn_wait(c, "space", cause) == -1)
		return -1;
	if (agent_fields(c->line.buf, f, 4) != 4)
		return set_cause(cause, "agent: bad space reply");
	/* the agent made WORKDIR and found it ours alone: SFTP uses no
	 * directory under it that is not */
	dssh_sftp_trust(c->ssh, c->workdir, strtol(f[3], NULL, 10));
	if (parse_ll(f[1], 0, LLONG_MAX / 1024, &(long long){ 0 }) == -1)
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
	char *jobs = xasprintf("%s/jobs", c->rundir);
	int rc = -1;

	machine_set_status(ctx, c->ms, M_STAGING, NULL);
	if (check_space(c, ctx->config_len, cause) == -1)
		goto out;
	if (dssh_sftp_mkdir_p(c->ssh, jobs, cause) == -1)
		goto out;
	if (stage_text(c, c->config, ctx->config_text, 0644, cause) == -1 ||
	    stage_text(c, c->script, ctx->script_text, 0755, cause) == -1)
		goto out;
	if (ctx->plan->have_archive && stage_archive(c, cause) == -1)
		goto out;
	if (helper_stage(c, cause) == -1)
		goto out;
	rc = 0;
out:
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
	mconn_send(c, "prepare", path);
	if (mconn_wait_long(c, "prepared", cause) == -1)
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
		mconn_send(c, "status", dir);
		if (mconn_wait(c, "status", cause) == -1) {
			free(dir);
			return -1;
		}
		n = agent_fields(c->line.buf, f, 5);
		if (n >= 3 && strcmp(f[2], "running") == 0) {
			arg = xasprintf("o%zu %s", i, dir);
			mconn_send(c, "watch", arg);
			free(arg);
		} else if (n == 5 && strcmp(f[2], "done") == 0 &&
		    parse_int(f[3], 0, 255, &(int){ 0 }) == 0 &&
		    (strcmp(f[4], "-") == 0 || worker_token(f[4]))) {
			finish_job(c, ms->orphans[i].job, ms->orphans[i].attempt,
			    ms->orphans[i].queued ? 1 : 2, atoi(f[3]), f[4],
			    NULL);
			ms->orphans[i].job = -1;
		} else
			drop_orphan(c->ctx, ms, i);
		free(dir);
	}
	return mconn_flush(c, cause);
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

	mconn_send(c, "quit", NULL);
	if (mconn_wait(c, "bye", &cause) == -1)
		debug("%s: quit: %s", c->ms->m->name, cause);
	free(cause);
}

/* retrying: the machine is down and tried again (no new "connecting"). */
static enum session_end
session(struct mconn *c, int retrying, char **cause)
{
	struct run_ctx *ctx = c->ctx;
	int failed, rc;

	if (!retrying)
		machine_set_status(ctx, c->ms, M_CONNECTING, NULL);
	if (dssh_connect(c->ms->m, &ctx->opts->ssh, &c->ssh, cause) == -1)
		return is_permanent(*cause) ? S_FATAL : S_RETRY;
	c->ms->connects++;
	if (set_paths(c, cause) == -1)
		return S_RETRY;
	if (dssh_exec(c->ssh, "sh -s", &c->ch, cause) == -1)
		return S_RETRY;
	if (agent_start(c->ch, ctx->agent_text, AGENT_START_MS, cause) == -1)
		return S_NOAGENT;
	c->agent_up = 1;
	mconn_watch(c, 1);
	send_settings(c);
	if (fit_ask(c, cause) == -1)	/* the facts, once per run */
		return S_RETRY;
	if ((rc = take_lock(c, cause)) != 0) {
		if (rc == 1)
			quit_agent(c);
		return rc == 1 ? S_DONE : S_RETRY;
	}
	mconn_watch(c, 0);	/* nothing is asked while the run is judged */
	rc = fit_wait(ctx);
	mconn_watch(c, 1);
	if (rc == -1 || !fit_wanted(ctx, c->ms)) {
		/* refused, or no job fits it: nothing is staged */
		quit_agent(c);
		return S_DONE;
	}
	if (stage(c, cause) == -1 || prepare(c, &failed, cause) == -1) {
		if (mconn_lost(c))
			return S_RETRY;		/* lost, not refused */
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

/* The run needs the machine no more while it is down: one that never
 * worked (no login, or no agent) is out with the last reason, not done. */
static void
no_more_tries(struct machine_thread_arg *a, int noagent, const char *cause)
{
	if (a->ms->connects == 0 || noagent > 0)
		machine_set_status(a->ctx, a->ms, M_OUT, cause);
	else	/* lost, and not needed again: say why it ended */
		machine_set_status(a->ctx, a->ms, M_DONE, cause);
}

/* Down for DOWN_GIVE_UP seconds in a row (down_since: mono, 0 up). */
static int
down_too_long(struct machine_thread_arg *a, double down_since,
    const char *cause)
{
	char *why;

	if (down_since == 0 || now_mono() - down_since < DOWN_GIVE_UP)
		return 0;
	why = xasprintf("down for more than %d min, given up: %s",
	    DOWN_GIVE_UP / 60, cause != NULL ? cause : "?");
	machine_set_status(a->ctx, a->ms, M_OUT, why);
	free(why);
	return 1;
}

/*
 * The machine's state after a session: done, out of the run (a permanent
 * error; never connected in NEVER_CONNECTED_TRIES tries; logged in
 * AGENT_START_TRIES times in a row without an agent; down for
 * DOWN_GIVE_UP seconds), or down and tried again with backoff: the run
 * waits for it while it has work.  1: try again.
 */
static int
session_ended(struct machine_thread_arg *a, enum session_end end,
    int *tries, int *noagent, double down_since, const char *cause)
{
	*noagent = end == S_NOAGENT ? *noagent + 1 : 0;
	if (end == S_DONE) {
		machine_set_status(a->ctx, a->ms, M_DONE, NULL);
		return 0;
	}
	if (end == S_FATAL || *noagent >= AGENT_START_TRIES ||
	    (a->ms->connects == 0 && ++*tries >= NEVER_CONNECTED_TRIES)) {
		machine_set_status(a->ctx, a->ms, M_OUT, cause);
		return 0;
	}
	if (down_too_long(a, down_since, cause))
		return 0;
	if (run_wants_machine(a->ctx)) {
		set_status_once(a->ctx, a->ms, M_DOWN, cause);
		return 1;
	}
	no_more_tries(a, *noagent, cause);
	return 0;
}

void *
machine_main(void *arg)
{
	struct machine_thread_arg *a = arg;
	struct mconn c;
	int backoff = CONNECT_BACKOFF, tries = 0, noagent = 0, again = 0;
	double down_since = 0;

	for (;;) {
		char *cause = NULL;
		enum session_end end;

		memset(&c, 0, sizeof c);
		c.ctx = a->ctx;
		c.ms = a->ms;
		end = session(&c, again, &cause);
		if (c.agent_up) {	/* it worked: a new loss starts over */
			backoff = CONNECT_BACKOFF;
			down_since = 0;
		}
		mconn_close(&c);
		if (down_since == 0 && end != S_DONE)
			down_since = now_mono();
		again = session_ended(a, end, &tries, &noagent, down_since,
		    cause);
		fit_looked(a->ctx, a->ms);	/* reached or not */
		if (again) {
			nap(a->ctx, backoff);
			backoff = next_backoff(backoff);
			if (!run_wants_machine(a->ctx)) {
				no_more_tries(a, noagent, cause);
				again = 0;
			}
		}
		free(cause);
		if (!again)
			break;
	}
	for (size_t i = 0; i < a->ms->norphans; i++)
		if (a->ms->orphans[i].job != -1)
			drop_orphan(a->ctx, a->ms, i);
	free(a);
	return NULL;
}
