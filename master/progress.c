/*
 * progress.c - what the user sees: a live view of every machine on a
 * terminal, one timestamped line per event otherwise, and the summary
 * table at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run-internal.h"

void
progress_print_events(struct run_ctx *ctx, struct run_event *e)
{
	char *path = xasprintf("%s/events.log", ctx->run_dir);
	FILE *log = fopen(path, "a");
	int show = ctx->opts->verbosity >= 0 && ctx->opts->progress == 0;

	for (; e != NULL; e = e->next) {
		char *t = format_utc(e->wall), *text = str_printable(e->text);

		if (log != NULL)
			fprintf(log, "%s %s\n", t, text);
		if (show)
			printf("%s %s\n", t, text);
		free(text);
		free(t);
	}
	if (log != NULL)
		fclose(log);
	if (show)
		fflush(stdout);
	free(path);
}

static char *
machine_line(struct run_ctx *ctx, struct machine_state *ms, double now)
{
	char *since = format_duration((uint64_t)(now - ms->since));
	char *line;

	if (ms->status == M_RUNNING && ms->running > 0) {
		int j = -1, busy = 0;

		for (int s = 0; s < ms->m->slots; s++)
			if (ms->pos[s].job != -1) {
				j = ms->pos[s].job;
				busy++;
			}
		char *d = format_duration((uint64_t)(now_wall() -
		    ctx->jobs[j].start));
		line = xasprintf("running %s for %s%s", ctx->plan->config.jobs[j].id,
		    d, busy > 1 ? " (+ more slots)" : "");
		free(d);
	} else if (ms->status == M_RUNNING)
		line = xstrdup("idle");
	else if (ms->why != NULL) {
		char *why = str_printable(ms->why);

		line = xasprintf("%s: %s", machine_status_name(ms->status),
		    why);
		free(why);
	}
	else
		line = xasprintf("%s (%s)", machine_status_name(ms->status),
		    since);
	free(since);
	return line;
}

static char *
eta(struct run_ctx *ctx, double elapsed)
{
	size_t done = ctx->nok + ctx->nfailed, left = ctx->njobs - done;

	if (done == 0 || left == 0)
		return xstrdup(left == 0 ? "0s" : "?");
	return format_duration((uint64_t)(elapsed / (double)done *
	    (double)left));
}

/* Redraw the live view in place (ANSI cursor up + clear line). */
void
progress_live(struct run_ctx *ctx, int final)
{
	static size_t drawn;
	double now = now_mono(), elapsed = now - ctx->start_mono;
	size_t i;

	if (ctx->opts->verbosity < 0 || ctx->opts->progress != 1)
		return;
	if (drawn > 0)
		printf("\033[%zuA", drawn);
	pthread_mutex_lock(&ctx->mtx);
	char *e = eta(ctx, elapsed), *el = format_duration((uint64_t)elapsed);
	printf("\033[2K%s: %zu done, %zu failed, %zu running, %zu queued, "
	    "elapsed %s, ETA %s\n", ctx->run_id, ctx->nok, ctx->nfailed,
	    ctx->nrunning - ctx->nahead, ctx->qlen + ctx->nahead, el, e);
	free(e);
	free(el);
	for (i = 0; i < ctx->nmachines; i++) {
		char *l = machine_line(ctx, &ctx->ms[i], now);

		printf("\033[2K  %-24s %s\n", ctx->ms[i].m->name, l);
		free(l);
	}
	pthread_mutex_unlock(&ctx->mtx);
	drawn = final ? 0 : ctx->nmachines + 1;
	fflush(stdout);
}

void
progress_summary(struct run_ctx *ctx, FILE *f)
{
	size_t i;

	fprintf(f, "\n%-40s %-24s %8s %5s %9s  %s\n", "JOB", "MACHINE",
	    "ATTEMPTS", "EXIT", "DURATION", "STATUS");
	for (i = 0; i < ctx->njobs; i++) {
		struct job_state *j = &ctx->jobs[i];
		char *d = format_duration(j->end > j->start ?
		    (uint64_t)(j->end - j->start + 0.5) : 0);
		char exitbuf[16] = "-", *err = str_printable(j->error);

		if (j->exit_code >= 0)
			snprintf(exitbuf, sizeof exitbuf, "%d", j->exit_code);
		fprintf(f, "%-40s %-24s %8d %5s %9s  %s%s%s\n",
		    ctx->plan->config.jobs[i].id, j->machine >= 0 ?
		    ctx->ms[j->machine].m->name : "-", j->attempts, exitbuf, d,
		    j->status == JOB_OK ? "ok" : j->status == JOB_FAILED ?
		    "FAILED" : "not run", err != NULL ? ": " : "",
		    err != NULL ? err : "");
		free(err);
		free(d);
	}
	for (i = 0; i < ctx->nmachines; i++) {
		struct machine_state *ms = &ctx->ms[i];

		if ((ms->status == M_OUT || ms->status == M_DOWN ||
		    ms->status == M_LOCKED) && ms->why != NULL) {
			char *why = str_printable(ms->why);

			fprintf(f, "machine %s: %s: %s\n", ms->m->name,
			    machine_status_name(ms->status), why);
			free(why);
		}
	}
	char *el = format_duration((uint64_t)(now_mono() - ctx->start_mono));
	fprintf(f, "\n%s: %zu/%zu ok, %zu failed (%s); results in %s\n",
	    ctx->plan->name, ctx->nok, ctx->njobs, ctx->nfailed, el,
	    ctx->run_dir);
	free(el);
}
