/*
 * request.c - request.json, results.json and run.log of a collected job
 * (the bench portal's layout, shared by every kind of job).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "run/request.h"

static void
history_entry(struct json *j, const char *status, double when)
{
	char *t;

	if (when <= 0)
		return;
	t = format_utc(when);
	json_obj_open(j, NULL);
	json_str(j, "status", status);
	json_str(j, "time", t);
	json_obj_close(j);
	free(t);
}

static int
write_json(const char *dir, const char *name, struct strbuf *sb, char **cause)
{
	char *path = xasprintf("%s/%s", dir, name);
	int rc = write_file_atomic(path, sb->buf, sb->len, cause);

	free(path);
	sb_reset(sb);
	return rc;
}

static void
request_json(struct json *j, const struct request_info *r)
{
	json_obj_open(j, NULL);
	json_str(j, "kind", r->kind);
	json_str(j, "job", r->job_id);
	json_str(j, "name", r->job_name);
	json_str(j, "run", r->run_id);
	json_str(j, "user", r->user);
	json_str(j, "machine", r->machine);
	json_str(j, "revision", r->revision);
	json_str(j, "branch", r->branch);
	json_int(j, "attempt", r->attempt);
	json_arr_open(j, "history");
	history_entry(j, "created", r->created);
	history_entry(j, "pending", r->pending);
	history_entry(j, "running", r->running);
	history_entry(j, r->ok ? "success" : "failed", r->end);
	json_arr_close(j);
	json_obj_close(j);
}

static void
results_json(struct json *j, const struct request_info *r, const char *dir)
{
	char *s = format_utc(r->running), *e = format_utc(r->end);
	char *why = r->ok ? NULL : job_reason(dir, r);

	json_obj_open(j, NULL);
	json_str(j, "status", r->ok ? "success" : "failed");
	json_int(j, "exit_code", r->exit_code);
	json_str(j, "reason", why);	/* never null for a failure */
	json_str(j, "machine", r->machine);
	json_int(j, "attempt", r->attempt);
	json_str(j, "start", s);
	json_str(j, "end", e);
	json_double(j, "duration", r->end > r->running ? r->end - r->running : 0);
	json_obj_close(j);
	free(why);
	free(s);
	free(e);
}

/* run.log: the job's stdout, then its stderr. */
static int
run_log(const char *dir, char **cause)
{
	const char *parts[] = { "stdout", "stderr" };
	struct strbuf sb = STRBUF_INIT;
	size_t i, len;
	char *data, *path;
	int rc;

	for (i = 0; i < ARRAY_SIZE(parts); i++) {
		path = xasprintf("%s/%s", dir, parts[i]);
		if (read_file(path, &data, &len, NULL) == 0) {
			sb_addf(&sb, "==> %s <==\n", parts[i]);
			sb_add(&sb, data, len);
			if (len > 0 && data[len - 1] != '\n')
				sb_addc(&sb, '\n');
			free(data);
		}
		free(path);
	}
	path = xasprintf("%s/run.log", dir);
	rc = write_file_atomic(path, sb_str(&sb), sb.len, cause);
	free(path);
	sb_release(&sb);
	return rc;
}

int
request_write(const char *dir, const struct request_info *r, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	int rc;

	json_init(&j, &sb, 1);
	request_json(&j, r);
	rc = write_json(dir, "request.json", &sb, cause);
	if (rc == 0) {
		json_init(&j, &sb, 1);
		results_json(&j, r, dir);
		rc = write_json(dir, "results.json", &sb, cause);
	}
	if (rc == 0)
		rc = run_log(dir, cause);
	sb_release(&sb);
	return rc;
}
