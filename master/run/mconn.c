/*
 * mconn.c - lines to and from a worker's agent: buffered sends, waiting
 * for a reply (job lines that come meanwhile are kept for later).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "run/agent-proto.h"
#include "run/mconn.h"

#define REPLY_MS	60000

int
mconn_flush(struct mconn *c, char **cause)
{
	int rc = 0;

	if (c->out.len > 0)
		rc = dssh_chan_write(c->ch, c->out.buf, c->out.len, cause);
	sb_reset(&c->out);
	c->lazy_at = 0;
	return rc;
}

int
mconn_flush_due(struct mconn *c, char **cause)
{
	if (c->lazy_at > 0 && now_mono() - c->lazy_at < MCONN_LAZY_S)
		return 0;
	return mconn_flush(c, cause);
}

void
mconn_send(struct mconn *c, const char *verb, const char *arg)
{
	agent_line(&c->out, verb, arg);
	c->lazy_at = 0;
}

void
mconn_send_lazy(struct mconn *c, const char *verb, const char *arg)
{
	if (c->out.len == 0)
		c->lazy_at = now_mono();
	agent_line(&c->out, verb, arg);
}

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

/* Is "err WORD ..." the refusal of a request whose answer is verb (WORD,
 * or WORD + "d"/"ed": "err unpack" answers for "unpacked")? */
static int
is_err_for(const char *err, const char *verb)
{
	size_t wl = strcspn(err, " ");

	return wl > 0 && strncmp(err, verb, wl) == 0 && (verb[wl] == '\0' ||
	    strcmp(verb + wl, "d") == 0 || strcmp(verb + wl, "ed") == 0);
}

void
mconn_alive(struct mconn *c)
{
	c->alive_at = now_mono();
}

int
mconn_pong(struct mconn *c)
{
	const char *p = c->line.buf;
	char *end;
	unsigned long n;

	if (strncmp(p, "pong", 4) != 0 || (p[4] != ' ' && p[4] != '\0'))
		return 0;
	n = strtoul(p + 4, &end, 10);
	if (*end == '\0' && n <= c->ping_sent && n > c->ping_answered)
		c->ping_answered = (unsigned)n;
	return 1;
}

int
mconn_keepalive(struct mconn *c, int quiet, char **cause)
{
	int every = c->ctx->opts->ssh.keepalive;
	double now = now_mono();
	char n[16];

	if (every <= 0)
		return 0;
	if (c->alive_at == 0)
		c->alive_at = c->last_ping = now;
	if (quiet && c->ping_sent != c->ping_answered &&
	    now - c->alive_at > MCONN_PING_MISSES * every) {
		c->frozen = 1;
		return set_cause(cause, "%s: no answer to pings for %.0f s "
		    "(%u unanswered; machine frozen or overloaded)",
		    c->ms->m->name, now - c->alive_at,
		    c->ping_sent - c->ping_answered);
	}
	if (now - c->last_ping < every)
		return 0;
	c->last_ping = now;
	if (dssh_keepalive(c->ssh, cause) == -1)	/* a reset, a close */
		return -1;
	snprintf(n, sizeof n, "%u", ++c->ping_sent);
	mconn_send(c, "ping", n);
	return mconn_flush(c, cause);
}

int
mconn_lost(struct mconn *c)
{
	return c->frozen || c->ssh == NULL || dssh_is_lost(c->ssh);
}

void
mconn_watch(struct mconn *c, int on)
{
	int every = c->ctx->opts->ssh.keepalive;

	if (every > 0)
		dssh_watch(c->ssh, on ? (MCONN_PING_MISSES + 2) * every : 0);
}

/* Wait for a reply starting with verb (or "err VERB"), at most limit_ms
 * (0: no limit); job lines are kept for later, pongs noted, other lines
 * are unexpected at this stage and ignored. */
static int
wait_for(struct mconn *c, const char *verb, int limit_ms, char **cause)
{
	size_t vl = strlen(verb);
	double until = now_mono() + limit_ms / 1000.0;
	int rc;

	if (mconn_flush(c, cause) == -1)
		return -1;
	while (limit_ms == 0 || now_mono() < until) {
		rc = dssh_chan_readline(c->ch, &c->line, 1000, cause);
		if (rc == -1)
			return -1;
		if (mconn_keepalive(c, rc == 0, cause) == -1)
			return -1;
		if (rc == 0)
			continue;
		mconn_alive(c);
		if (strncmp(c->line.buf, verb, vl) == 0 &&
		    (c->line.buf[vl] == ' ' || c->line.buf[vl] == '\0'))
			return 0;
		if (strncmp(c->line.buf, "err ", 4) == 0 &&
		    is_err_for(c->line.buf + 4, verb))
			return set_cause(cause, "agent: %s", c->line.buf + 4);
		if (is_job_line(c->line.buf))
			sv_push(&c->later, c->line.buf);	/* a watched job */
		else if (!mconn_pong(c))
			debug("%s: unexpected agent line '%s'", c->ms->m->name,
			    c->line.buf);
	}
	return set_cause(cause, "agent: no reply to '%s' within %d s", verb,
	    limit_ms / 1000);
}

int
mconn_wait(struct mconn *c, const char *verb, char **cause)
{
	return wait_for(c, verb, REPLY_MS, cause);
}

int
mconn_wait_long(struct mconn *c, const char *verb, char **cause)
{
	/* without pings nothing would tell a hung agent: keep a bound */
	if (c->ctx->opts->ssh.keepalive <= 0)
		return wait_for(c, verb, REPLY_MS, cause);
	return wait_for(c, verb, 0, cause);
}

void
mconn_close(struct mconn *c)
{
	commit_flush(c);	/* the forgets are not sent: kept there */
	if (c->ch != NULL)
		dssh_chan_free(c->ch);
	if (c->ssh != NULL)
		dssh_close(c->ssh);
	free(c->workdir);
	free(c->lockfile);
	free(c->rundir);
	free(c->tooldir);
	free(c->config);
	free(c->script);
	sb_release(&c->out);
	sb_release(&c->line);
	sv_clear(&c->later);
	sv_clear(&c->commit_ends);
	sv_clear(&c->commit_forgets);
	memset(c, 0, sizeof *c);
}
