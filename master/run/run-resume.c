/*
 * run-resume.c - what a run keeps so that "distribute resume" can carry
 * on after a crash (RESULTS/<run-id>/input/: the command line and copies
 * of the machines file and the config), and the replay of its journal.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "run/journal.h"
#include "run/run-internal.h"

static int
copy_file(const char *from, const char *to, char **cause)
{
	char *data;
	size_t len;
	int rc;

	if (read_file(from, &data, &len, cause) == -1)
		return -1;
	rc = write_file_atomic(to, data, len, cause);
	free(data);
	return rc;
}

/* What resume needs beyond the words: input/only-jobs (a rerun's job
 * ids, one a line), input/db (the store's URL: --db is left out of the
 * words) and input/rerun-of (the first run's id). */
static int
save_rerun(const struct dist_opts *o, const char *dir, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	char *p;
	size_t i;
	int rc = 0;

	if (o->only_jobs.n > 0) {
		for (i = 0; i < o->only_jobs.n; i++)
			sb_addf(&sb, "%s\n", o->only_jobs.v[i]);
		p = xasprintf("%s/only-jobs", dir);
		rc = write_file_atomic(p, sb_str(&sb), sb.len, cause);
		free(p);
	}
	if (rc == 0 && o->db_url != NULL) {
		/* the store, for resume: a URL never holds a password
		 * (db_url_check), but it names a host and a login: kept from
		 * others like the settings it may come from */
		p = xasprintf("%s/db", dir);
		rc = write_file_atomic(p, o->db_url, strlen(o->db_url), cause);
		if (rc == 0 && chmod(p, 0600) == -1)
			rc = set_cause(cause, "%s: %s", p, strerror(errno));
		free(p);
	}
	if (rc == 0 && o->rerun_of != NULL) {
		p = xasprintf("%s/rerun-of", dir);
		rc = write_file_atomic(p, o->rerun_of, strlen(o->rerun_of),
		    cause);
		free(p);
	}
	sb_release(&sb);
	return rc;
}

/* input/argv (NUL-separated), input/machines, input/<config basename>. */
int
resume_save_inputs(struct run_ctx *ctx, char **cause)
{
	const struct dist_opts *o = ctx->opts;
	struct strbuf sb = STRBUF_INIT;
	char *dir = xasprintf("%s/input", ctx->run_dir), *p;
	int i, rc = -1;

	if (mkdir_p(dir, 0755, cause) == -1)
		goto out;
	for (i = 0; i < o->argc; i++) {
		/* webhook URLs hold tokens: never written (resume takes
		 * --notify-url again) */
		if (strcmp(o->argv[i], "--notify-url") == 0) {
			i++;
			continue;
		}
		if (strncmp(o->argv[i], "--notify-url=", 13) == 0)
			continue;
		if (strcmp(o->argv[i], "--db") == 0) {	/* the same */
			i++;
			continue;
		}
		if (strncmp(o->argv[i], "--db=", 5) == 0)
			continue;
		sb_add(&sb, o->argv[i], strlen(o->argv[i]) + 1);
	}
	p = xasprintf("%s/argv", dir);
	rc = write_file_atomic(p, sb_str(&sb), sb.len, cause);
	free(p);
	if (rc == -1)
		goto out;
	p = xasprintf("%s/machines", dir);
	rc = copy_file(o->machines_path, p, cause);
	free(p);
	if (rc == -1)
		goto out;
	p = xasprintf("%s/%s", dir, ctx->plan->config.basename);
	rc = copy_file(o->config_path, p, cause);
	free(p);
	if (rc == 0)
		rc = save_rerun(o, dir, cause);
out:
	free(dir);
	sb_release(&sb);
	return rc;
}

/* One job's state from the journal into the run (mtx not needed yet). */
static void
restore_job(struct run_ctx *ctx, size_t i, const struct journal_job *jj)
{
	struct job_state *js = &ctx->jobs[i];

	js->seq = jj->attempts;
	js->attempts = jj->attempts - jj->taken_back;
	js->taken_back = jj->taken_back;
	js->lost = jj->lost;
	js->exit_code = jj->exit_code;
	js->machine = jj->machine;
	if (jj->state == JS_OK || jj->state == JS_FAILED) {
		sched_remove(ctx, i);
		js->status = jj->state == JS_OK ? JOB_OK : JOB_FAILED;
		js->collected = 1;
		if (jj->state == JS_OK)
			ctx->nok++;
		else
			ctx->nfailed++;
	} else if (jj->state == JS_RUNNING) {
		/* running (or finished) there while we were away */
		sched_remove(ctx, i);
		js->status = JOB_RUNNING;
		ctx->nrunning++;
		add_orphan(&ctx->ms[jj->machine], (int)i, jj->attempt, 0);
	} else if (jj->lost_machine >= 0)
		add_orphan(&ctx->ms[jj->lost_machine], (int)i, jj->lost_attempt,
		    1);
}

int
resume_restore(struct run_ctx *ctx, char **cause)
{
	struct journal_job *jj = xcalloc(ctx->njobs, sizeof *jj);
	size_t i, running = 0;

	if (journal_replay(ctx->run_dir, jj, ctx->njobs, ctx->nmachines,
	    cause) == -1) {
		free(jj);
		return -1;
	}
	for (i = 0; i < ctx->njobs; i++) {
		restore_job(ctx, i, &jj[i]);
		running += jj[i].state == JS_RUNNING;
	}
	info("resume %s: %zu ok, %zu failed, %zu to reattach, %zu queued",
	    ctx->run_id, ctx->nok, ctx->nfailed, running, ctx->qlen);
	free(jj);
	ctx->dirty = 1;
	return 0;
}
