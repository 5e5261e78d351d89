/*
 * probe.c - ask every machine a few questions at once (one thread each).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "run/agent-proto.h"
#include "run/probe.h"
#include "run/scripts.h"

#define PROBE_REPLY_MS	30000

struct probe_arg {
	struct dist_plan		*plan;
	const struct dist_machine	*m;
	const struct probe_ask		*ask;
	size_t				 nask;
	struct probe_result		*r;
};

int
plan_load_machines(const struct dist_opts *o, struct dist_plan *p,
    char **cause)
{
	memset(p, 0, sizeof *p);
	p->opts = o;
	if (o->machines_path == NULL)
		return set_cause(cause, "no machines file (--machines FILE)");
	return machines_load(o->machines_path, &p->machines, cause);
}

/* The settings the agent needs, with worker paths as
 * dssh_expand_home() makes them. */
static int
probe_settings(struct probe_arg *a, struct dist_ssh *s, struct strbuf *out,
    char **cause)
{
	char *key, *line, *lock, *wd = machine_workdir(a->plan, a->m,
	    dssh_user(s));
	int rc = dssh_expand_home(s, wd, &a->r->workdir, cause);

	free(wd);
	if (rc == -1 || dssh_expand_home(s, machine_lockfile(a->plan, a->m),
	    &lock, cause) == -1)
		return -1;
	key = machine_key(a->m);
	const char *kv[][2] = {
		{ "workdir", a->r->workdir },
		{ "lockfile", lock },
		{ "user", dssh_user(s) }, { "mkey", key }, { "run", "-" },
		{ "breakstale", a->plan->opts->break_stale ? "1" : "0" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(kv); i++) {
		line = xasprintf("%s %s", kv[i][0], kv[i][1]);
		agent_line(out, "set", line);
		free(line);
	}
	free(key);
	free(lock);
	return 0;
}

/* Send each question and keep the answer's lines. */
static int
probe_ask_all(struct probe_arg *a, struct dssh_chan *ch, char **cause)
{
	struct strbuf out = STRBUF_INIT, line = STRBUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < a->nask && rc == 0; i++) {
		agent_line(&out, a->ask[i].verb, a->ask[i].arg);
		rc = dssh_chan_write(ch, out.buf, out.len, cause);
		sb_reset(&out);
		while (rc == 0) {
			int r = dssh_chan_readline(ch, &line, PROBE_REPLY_MS,
			    cause);

			if (r != 1) {
				rc = r == 0 ? set_cause(cause, "no answer to "
				    "'%s'", a->ask[i].verb) : -1;
				break;
			}
			/* the worker's text: escaped once, here, for every
			 * command that shows it */
			char *esc = str_printable(line.buf);

			sv_push(&a->r->lines, esc);
			free(esc);
			if (strncmp(line.buf, a->ask[i].last,
			    strlen(a->ask[i].last)) == 0)
				break;
			if (strncmp(line.buf, "err ", 4) == 0) {
				rc = set_cause(cause, "%s", line.buf);
				break;
			}
		}
	}
	if (rc == 0) {
		agent_line(&out, "quit", NULL);
		dssh_chan_write(ch, out.buf, out.len, NULL);
		dssh_chan_readline(ch, &line, 5000, NULL);
	}
	sb_release(&out);
	sb_release(&line);
	return rc;
}

static void *
probe_main(void *arg)
{
	struct probe_arg *a = arg;
	struct dist_ssh *s = NULL;
	struct dssh_chan *ch = NULL;
	struct strbuf out = STRBUF_INIT;
	char *cause = NULL;

	if (dssh_connect(a->m, &a->plan->opts->ssh, &s, &cause) == -1)
		goto out;
	a->r->user = xstrdup(dssh_user(s));
	if (dssh_exec(s, "sh -s", &ch, &cause) == -1 ||
	    agent_start(ch, agent_text(), PROBE_REPLY_MS, &cause) == -1 ||
	    probe_settings(a, s, &out, &cause) == -1)
		goto out;
	if (dssh_chan_write(ch, out.buf, out.len, &cause) == -1 ||
	    probe_ask_all(a, ch, &cause) == -1)
		goto out;
	a->r->ok = 1;
out:
	if (!a->r->ok)
		a->r->error = cause != NULL ? str_printable(cause) :
		    xstrdup("failed");
	free(cause);
	if (ch != NULL)
		dssh_chan_free(ch);
	if (s != NULL)
		dssh_close(s);
	sb_release(&out);
	return NULL;
}

#define PROBE_STACK	(256 * 1024)

void
probe_all(struct dist_plan *plan, const struct probe_ask *ask, size_t nask,
    struct probe_result *results)
{
	size_t i, n = plan->machines.n;
	struct probe_arg *args = xcalloc(n, sizeof *args);
	pthread_t *th = xcalloc(n, sizeof *th);
	int *started = xcalloc(n, sizeof *started);
	pthread_attr_t attr;

	/* the machine threads' stack size (run.c): 8 MB of address space
	 * each by default, of which ~20 kB are touched */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, PROBE_STACK);
	for (i = 0; i < n; i++) {
		memset(&results[i], 0, sizeof results[i]);
		args[i] = (struct probe_arg){ plan, &plan->machines.v[i], ask,
		    nask, &results[i] };
		started[i] = pthread_create(&th[i], &attr, probe_main,
		    &args[i]) == 0;
		if (!started[i])
			results[i].error = xstrdup("cannot start a thread");
	}
	pthread_attr_destroy(&attr);
	for (i = 0; i < n; i++)
		if (started[i])
			pthread_join(th[i], NULL);
	free(args);
	free(th);
	free(started);
}

void
probe_result_free(struct probe_result *r)
{
	free(r->error);
	free(r->user);
	free(r->workdir);
	sv_clear(&r->lines);
}

const char *
probe_value(const struct probe_result *r, const char *verb, const char *key)
{
	size_t vl = strlen(verb), kl = strlen(key), i;

	for (i = 0; i < r->lines.n; i++) {
		const char *l = r->lines.v[i];

		if (strncmp(l, verb, vl) == 0 && l[vl] == ' ' &&
		    strncmp(l + vl + 1, key, kl) == 0 && l[vl + 1 + kl] == ' ')
			return l + vl + 2 + kl;
	}
	return NULL;
}

struct probe_result *
probe_machines(const struct dist_opts *o, struct dist_plan *plan,
    const struct probe_ask *ask, size_t nask)
{
	struct probe_result *r;
	char *cause = NULL;

	if (plan_load_machines(o, plan, &cause) == -1) {
		error("%s", cause);
		free(cause);
		machines_free(&plan->machines);
		return NULL;
	}
	r = xcalloc(plan->machines.n, sizeof *r);
	probe_all(plan, ask, nask, r);
	return r;
}

void
probe_machines_free(struct dist_plan *plan, struct probe_result *r)
{
	for (size_t i = 0; i < plan->machines.n; i++)
		probe_result_free(&r[i]);
	free(r);
	machines_free(&plan->machines);
}
