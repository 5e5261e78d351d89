/*
 * mconn.c - lines to and from a worker's agent: buffered sends, waiting
 * for a reply (job lines that come meanwhile are kept for later).
 */
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
	return rc;
}

void
mconn_send(struct mconn *c, const char *verb, const char *arg)
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

/* Is "err WORD ..." the refusal of a request whose answer is verb (WORD,
 * or WORD + "d"/"ed": "err unpack" answers for "unpacked")? */
static int
is_err_for(const char *err, const char *verb)
{
	size_t wl = strcspn(err, " ");

	return wl > 0 && strncmp(err, verb, wl) == 0 && (verb[wl] == '\0' ||
	    strcmp(verb + wl, "d") == 0 || strcmp(verb + wl, "ed") == 0);
}

int
mconn_wait(struct mconn *c, const char *verb, char **cause)
{
	size_t vl = strlen(verb);
	double until = now_mono() + REPLY_MS / 1000.0;
	int rc;

	if (mconn_flush(c, cause) == -1)
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
		    is_err_for(c->line.buf + 4, verb))
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

void
mconn_close(struct mconn *c)
{
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
	memset(c, 0, sizeof *c);
}
