/*
 * run-notify.c - turn the run's events into status reports (notify.h):
 * a job done or failed, a machine that finished a job, the run done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/run-internal.h"

#define LOG_TAIL_LINES	20
#define LOG_TAIL_BYTES	4096

/* The last lines of a collected job's stderr, else stdout. */
static char *
log_tail(struct run_ctx *ctx, const char *job_id)
{
	const char *names[] = { "stderr", "stdout" };
	char *data = NULL, *path, *p;
	size_t len = 0, i;
	int lines = 0;

	for (i = 0; i < ARRAY_SIZE(names) && len == 0; i++) {
		free(data);
		data = NULL;
		path = xasprintf("%s/jobs/%s/%s", ctx->run_dir, job_id, names[i]);
		/* read from the end: the file may be gigabytes */
		if (read_file_tail(path, LOG_TAIL_BYTES, &data, &len,
		    NULL) == -1)
			len = 0;
		free(path);
	}
	if (data == NULL || len == 0) {
		free(data);
		return NULL;
	}
	for (p = data + len; p > data; p--)
		if (p[-1] == '\n' && p != data + len && ++lines > LOG_TAIL_LINES)
			break;
	if ((size_t)(data + len - p) > LOG_TAIL_BYTES)
		p = data + len - LOG_TAIL_BYTES;
	p = str_printable_lines(p);
	free(data);
	return p;
}

/* After job's attempt ended on machine mi (mtx not held). */
void
run_notify_job(struct run_ctx *ctx, size_t job, int mi)
{
	const struct dist_job *dj = &ctx->plan->config.jobs[job];
	struct notify_event ev;
	struct job_state js;
	char *results, *tail = NULL;

	if (ctx->notify == NULL)
		return;
	pthread_mutex_lock(&ctx->mtx);
	js = ctx->jobs[job];
	pthread_mutex_unlock(&ctx->mtx);
	results = xasprintf("%s/jobs/%s", ctx->run_dir, dj->id);
	memset(&ev, 0, sizeof ev);
	ev.run_id = ctx->run_id;
	ev.run_name = ctx->plan->name;
	ev.job = dj->id;
	ev.machine = ctx->ms[mi].m->name;
	ev.attempts = js.attempts;
	ev.exit_code = js.exit_code >= 0 ? js.exit_code : NOTIFY_NO_EXIT;
	ev.duration = js.end > js.start ? ns_to_sec(js.end - js.start) : 0;
	ev.results = results;
	ev.kind = NOTIFY_MACHINE_DONE;
	notify_post(ctx->notify, &ev);
	if (js.status == JOB_OK) {
		ev.kind = NOTIFY_JOB_DONE;
		notify_post(ctx->notify, &ev);
	} else if (js.status == JOB_FAILED) {
		ev.kind = NOTIFY_JOB_FAILED;
		ev.log_tail = tail = log_tail(ctx, dj->id);
		notify_post(ctx->notify, &ev);
	}
	free(tail);
	free(results);
}

static const char *
status_word(enum job_status s)
{
	return s == JOB_OK ? "ok" : s == JOB_FAILED ? "failed" : "not run";
}

/* The run is over: the summary, then wait (bounded) for pending reports. */
void
run_notify_done(struct run_ctx *ctx)
{
	struct notify_row *rows;
	struct notify_event ev;
	struct strvec warnings = STRVEC_INIT;
	size_t i;

	if (ctx->notify == NULL)
		return;
	rows = xcalloc(ctx->njobs, sizeof *rows);
	for (i = 0; i < ctx->njobs; i++) {
		struct job_state *js = &ctx->jobs[i];

		rows[i].job = ctx->plan->config.jobs[i].id;
		rows[i].machine = js->machine >= 0 ?
		    ctx->ms[js->machine].m->name : NULL;
		rows[i].attempts = js->attempts;
		rows[i].exit_code = js->exit_code >= 0 ? js->exit_code :
		    NOTIFY_NO_EXIT;
		rows[i].duration = js->end > js->start ?
		    ns_to_sec(js->end - js->start) : 0;
		rows[i].status = status_word(js->status);
		if (js->status == JOB_FAILED)
			rows[i].log_tail = log_tail(ctx, rows[i].job);
	}
	memset(&ev, 0, sizeof ev);
	ev.kind = NOTIFY_RUN_DONE;
	ev.run_id = ctx->run_id;
	ev.run_name = ctx->plan->name;
	ev.results = ctx->run_dir;
	ev.rows = rows;
	ev.nrows = ctx->njobs;
	ev.ok = (unsigned)ctx->nok;
	ev.failed = (unsigned)ctx->nfailed;
	ev.total = (unsigned)ctx->njobs;
	ev.elapsed = now_mono() - ctx->start_mono;
	notify_post(ctx->notify, &ev);
	for (i = 0; i < ctx->njobs; i++)
		free((char *)rows[i].log_tail);
	free(rows);
	notify_finish(ctx->notify, ctx->opts->notify.wait, &warnings);
	ctx->notify = NULL;
	for (i = 0; i < warnings.n; i++)
		fprintf(stderr, "distribute: warning: %s\n", warnings.v[i]);
	sv_clear(&warnings);
}
