/*
 * progress.c - what the user sees: the live view on a terminal (drawn in
 * place; its lines come from progress-view.c), one timestamped line per
 * event otherwise, and the summary table at the end.
 */
#include <sys/ioctl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/run-internal.h"

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

static void
term_size(int *width, int *height)
{
	struct winsize ws;
	const char *c = getenv("COLUMNS"), *l = getenv("LINES");

	*width = c != NULL && atoi(c) > 0 ? atoi(c) : 80;
	*height = l != NULL && atoi(l) > 0 ? atoi(l) : 24;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		*width = ws.ws_col;
		if (ws.ws_row > 0)
			*height = ws.ws_row;
	}
}

/* Redraw the live view in place (ANSI cursor up, clear line; clear what
 * an earlier, longer view left below). */
void
progress_live(struct run_ctx *ctx, int final)
{
	static size_t drawn;
	struct strvec lines = STRVEC_INIT;
	int width, height;
	size_t i;

	if (ctx->opts->verbosity < 0 || ctx->opts->progress != 1)
		return;
	term_size(&width, &height);
	pthread_mutex_lock(&ctx->mtx);
	progress_view(ctx, now_mono(), now_wall(), width, height, &lines);
	pthread_mutex_unlock(&ctx->mtx);
	if (drawn > 0)
		printf("\r\033[%zuA", drawn);
	for (i = 0; i < lines.n; i++)
		printf("\033[2K%s\n", lines.v[i]);
	printf("\033[J");
	drawn = final ? 0 : lines.n;
	sv_clear(&lines);
	fflush(stdout);
}

/* "distribute resume", with the results directory when not the default. */
static char *
resume_command(const struct run_ctx *ctx)
{
	const char *dir = ctx->opts->results_dir, *p;
	char *q, *cmd;

	if (dir == NULL || strcmp(dir, DEFAULT_RESULTS) == 0)
		return xstrdup("distribute resume");
	for (p = dir; *p != '\0' && (strchr("/._-+@,:=", *p) != NULL ||
	    (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	    (*p >= '0' && *p <= '9')); p++)
		;
	q = *p == '\0' ? xstrdup(dir) : sh_quote(dir);
	cmd = xasprintf("distribute resume --results %s", q);
	free(q);
	return cmd;
}

/* A row's reason: the job's error; a failure without one says its exit. */
static char *
summary_reason(const struct job_state *j)
{
	if (j->error != NULL)
		return xstrdup(j->error);
	if (j->status == JOB_FAILED && j->exit_code >= 0)
		return xasprintf("exit %d", j->exit_code);
	return NULL;
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
		    (uint64_t)((j->end - j->start + NS_PER_SEC / 2) /
		    NS_PER_SEC) : 0);
		char exitbuf[16] = "-", *raw = summary_reason(j);
		char *why = str_printable(raw);


		if (j->exit_code >= 0)
			snprintf(exitbuf, sizeof exitbuf, "%d", j->exit_code);
		free(raw);

		fprintf(f, "%-40s %-24s %8d %5s %9s  %s%s%s\n",
		    ctx->plan->config.jobs[i].id, j->machine >= 0 ?
		    ctx->ms[j->machine].m->name : "-", j->attempts, exitbuf, d,
		    j->status == JOB_OK ? "ok" : j->status == JOB_FAILED ?
		    "FAILED" : "not run", why != NULL ? ": " : "",
		    why != NULL ? why : "");
		free(why);
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
		if (ms->broke != NULL) {	/* also when the live view hid it */
			char *broke = str_printable(ms->broke);

			fprintf(f, "machine %s: %s\n", ms->m->name, broke);
			free(broke);
		}
	}
	char *el = format_duration((uint64_t)(now_mono() - ctx->start_mono));
	fprintf(f, "\n%s: %zu/%zu ok, %zu failed (%s); results in %s\n",
	    ctx->plan->name, ctx->nok, ctx->njobs, ctx->nfailed, el,
	    ctx->run_dir);
	free(el);
	if (ctx->interrupts > 0 && !sched_all_done(ctx)) {
		char *cmd = resume_command(ctx);
		size_t left = ctx->njobs - ctx->nok - ctx->nfailed;

		fprintf(f, "interrupted: %zu job%s not done; carry on with: "
		    "%s\n", left, left == 1 ? "" : "s", cmd);
		free(cmd);
	}
}
