/*
 * runjson.c - RESULTS/<run-id>/run.json: the command line, machines,
 * archive and every job's state, rewritten atomically as the run goes.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "run/facts.h"
#include "run/run-internal.h"

static void
json_time(struct json *j, const char *key, int64_t wall)
{
	char *s;

	if (wall <= 0) {
		json_null(j, key);
		return;
	}
	s = format_utc_ns(wall);
	json_str(j, key, s);
	free(s);
}

static void
runjson_machines(struct run_ctx *ctx, struct json *j)
{
	size_t i;

	json_arr_open(j, "machines");
	for (i = 0; i < ctx->nmachines; i++) {
		struct machine_state *ms = &ctx->ms[i];

		json_obj_open(j, NULL);
		json_str(j, "name", ms->m->name);
		json_str(j, "key", ms->key);
		json_int(j, "slots", ms->m->slots);
		json_str(j, "status", machine_status_name(ms->status));
		json_str(j, "reason", ms->why);
		json_int(j, "jobs_done", ms->jobs_done);
		json_uint(j, "archive_bytes_sent", ms->archive_sent);
		if (fit_facts(ctx, i) != NULL)	/* probed this run */
			facts_json(j, "facts", fit_facts(ctx, i));
		json_obj_close(j);
	}
	json_arr_close(j);
}

static const char *
job_status_name(enum job_status s)
{
	static const char *names[] = { "queued", "running", "ok", "failed" };

	return names[s];
}

/* Why a job failed, as its summary row and results.json say; never null
 * for a failed job (one restored by a resume may lack the words). */
static void
job_reason_json(struct json *j, const struct job_state *js)
{
	char *why;

	if (js->status != JOB_FAILED) {
		json_null(j, "reason");
		return;
	}
	if (js->error != NULL) {
		json_str(j, "reason", js->error);
		return;
	}
	why = js->exit_code >= 0 ? xasprintf("exit %d", js->exit_code) :
	    xstrdup("failed");
	json_str(j, "reason", why);
	free(why);
}

static void
runjson_jobs(struct run_ctx *ctx, struct json *j)
{
	size_t i;

	json_arr_open(j, "jobs");
	for (i = 0; i < ctx->njobs; i++) {
		struct job_state *js = &ctx->jobs[i];
		const struct dist_job *job = &ctx->plan->config.jobs[i];

		json_obj_open(j, NULL);
		json_str(j, "id", job->id);
		json_str(j, "name", job->name);
		/* sent ahead to wait for a slot: still queued (on a machine) */
		json_str(j, "status", js->waiting && js->status == JOB_RUNNING ?
		    "queued" : job_status_name(js->status));
		json_str(j, "machine", js->machine >= 0 ?
		    ctx->ms[js->machine].m->name : NULL);
		json_int(j, "attempts", js->attempts);
		json_int(j, "taken_back", js->taken_back);
		json_int(j, "lost", js->lost);
		if (js->exit_code >= 0)
			json_int(j, "exit_code", js->exit_code);
		else
			json_null(j, "exit_code");
		json_time(j, "start", js->start);
		json_time(j, "end", js->end > js->start ? js->end : 0);
		if (js->end > js->start && js->status != JOB_RUNNING)
			json_double(j, "duration", ns_to_sec(js->end - js->start));
		else
			json_null(j, "duration");
		json_str(j, "error", js->error);
		job_reason_json(j, js);
		json_str(j, "results", js->collected ? job->id : NULL);
		if (job->revision != NULL)
			json_str(j, "revision", job->revision);
		json_obj_close(j);
	}
	json_arr_close(j);
}

/* Each job counted once, by its status (copies of a job being cancelled
 * are not counted again): the totals add up to the job count. */
static void
runjson_totals(struct run_ctx *ctx, struct json *j)
{
	size_t i, n[4] = { 0, 0, 0, 0 };

	for (i = 0; i < ctx->njobs; i++) {
		const struct job_state *js = &ctx->jobs[i];

		/* a job sent ahead to wait on a worker is still queued */
		if (js->status == JOB_RUNNING && js->waiting)
			n[JOB_QUEUED]++;
		else
			n[js->status]++;
	}
	json_obj_open(j, "totals");
	json_uint(j, "jobs", ctx->njobs);
	json_uint(j, "ok", n[JOB_OK]);
	json_uint(j, "failed", n[JOB_FAILED]);
	json_uint(j, "running", n[JOB_RUNNING]);
	json_uint(j, "queued", n[JOB_QUEUED]);
	json_obj_close(j);
}

static void
runjson_head(struct run_ctx *ctx, struct json *j)
{
	struct dist_plan *p = ctx->plan;

	json_str(j, "run_id", ctx->run_id);
	json_str(j, "name", p->name);
	json_str(j, "command_line", ctx->opts->argv_line);
	json_str(j, "user", ctx->user);
	json_str(j, "master", ctx->master_host);
	json_str(j, "config", p->config.path);
	json_str(j, "kind", config_kind_name(p->config.kind));
	json_str(j, "config_sha256", p->config.sha256);
	json_time(j, "start", ctx->start_wall);
	json_time(j, "end", ctx->end_wall);
	if (ctx->end_wall > ctx->start_wall)
		json_double(j, "duration", ns_to_sec(ctx->end_wall -
		    ctx->start_wall));
	else
		json_null(j, "duration");
	json_str(j, "state", sched_run_state(ctx));
	if (ctx->exit_status >= 0)
		json_int(j, "exit", ctx->exit_status);
	else
		json_null(j, "exit");
	plan_revision_json(ctx->opts, j, "revision");
	json_str(j, "rerun_of", ctx->opts->rerun_of);
	if (p->have_archive) {
		json_obj_open(j, "archive");
		json_str(j, "path", p->archive.path);
		json_str(j, "sha256", p->archive.sha256);
		json_uint(j, "bytes", p->archive.size);
		json_uint(j, "bytes_sent", ctx->archive_sent);
		json_obj_close(j);
	} else
		json_null(j, "archive");
	notify_opts_json(&ctx->opts->notify, j, "notify");
	runjson_totals(ctx, j);
}

int
runjson_write(struct run_ctx *ctx, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	char *path;
	int rc;

	json_init(&j, &sb, 1);
	pthread_mutex_lock(&ctx->mtx);
	json_obj_open(&j, NULL);
	runjson_head(ctx, &j);
	runjson_machines(ctx, &j);
	runjson_jobs(ctx, &j);
	json_obj_close(&j);
	ctx->dirty = 0;
	pthread_mutex_unlock(&ctx->mtx);
	path = xasprintf("%s/run.json", ctx->run_dir);
	rc = write_file_atomic(path, sb.buf, sb.len, cause);
	free(path);
	sb_release(&sb);
	return rc;
}
