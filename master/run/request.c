/*
 * request.c - request.json, results.json and run.log of a collected job
 * (the bench portal's layout, shared by every kind of job).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "run/request.h"

static void
history_entry(struct json *j, const char *status, int64_t when)
{
	char *t;

	if (when <= 0)
		return;
	t = format_utc_ns(when);
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
	/* synced with the rest of the job's directory (collect.c) */
	int rc = write_file_unsynced(path, sb->buf, sb->len, cause);

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
	char *s = format_utc_ns(r->running), *e = format_utc_ns(r->end);
	char *why = r->ok ? NULL : job_reason(dir, r);
	char *note = r->skipped == 0 ? NULL : xasprintf("%s, %zu %s skipped",
	    r->ok ? "ok" : "failed", r->skipped, r->skipped == 1 ? "entry" :
	    "entries");

	json_obj_open(j, NULL);
	json_str(j, "status", r->ok ? "success" : "failed");
	json_int(j, "exit_code", r->exit_code);
	json_str(j, "reason", why);	/* never null for a failure */
	json_int(j, "skipped_entries", (int64_t)r->skipped);
	if (note != NULL)
		json_str(j, "note", note);
	free(note);
	json_str(j, "machine", r->machine);
	json_int(j, "attempt", r->attempt);
	json_str(j, "start", s);
	json_str(j, "end", e);
	/* integer nanoseconds: the difference is exact */
	json_double(j, "duration", r->end > r->running ?
	    ns_to_sec(r->end - r->running) : 0);
	json_obj_close(j);
	free(why);
	free(s);
	free(e);
}

#define COPY_BUF	65536

/* Append the file dir/name to out, streamed (it may be gigabytes):
 * "==> name <==", its bytes, a newline if it lacks one.  A missing file
 * adds nothing. */
static int
append_part(int out, const char *dir, const char *name, char **cause)
{
	char *path = xasprintf("%s/%s", dir, name), *head;
	char *buf, last = '\n';	/* on the heap: a machine thread's
					   stack stays small (issue 15) */
	ssize_t n;
	int in, rc = 0;

	if ((in = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		free(path);
		return 0;
	}
	buf = xmalloc(COPY_BUF);
	head = xasprintf("==> %s <==\n", name);
	if (write_all(out, head, strlen(head)) == -1)
		rc = set_cause(cause, "run.log: %s", strerror(errno));
	free(head);
	while (rc == 0 && (n = read(in, buf, COPY_BUF)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			rc = set_cause(cause, "%s: %s", path, strerror(errno));
		else if (write_all(out, buf, (size_t)n) == -1)
			rc = set_cause(cause, "run.log: %s", strerror(errno));
		else
			last = buf[n - 1];
	}
	if (rc == 0 && last != '\n' && write_all(out, "\n", 1) == -1)
		rc = set_cause(cause, "run.log: %s", strerror(errno));
	close(in);
	free(buf);
	free(path);
	return rc;
}

/* run.log: the job's stdout, then its stderr, copied in pieces so that
 * the master's memory does not grow with what a job prints. */
static int
run_log(const char *dir, char **cause)
{
	char *path = xasprintf("%s/run.log", dir);
	char *tmp = xasprintf("%s.tmp", path);
	int fd, rc = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd == -1) {
		set_cause(cause, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	rc = append_part(fd, dir, "stdout", cause);
	if (rc == 0)
		rc = append_part(fd, dir, "stderr", cause);
	if (close(fd) == -1 && rc == 0)
		rc = set_cause(cause, "%s: %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, path) == -1)
		rc = set_cause(cause, "%s: %s", path, strerror(errno));
	if (rc != 0)
		unlink(tmp);
out:
	free(tmp);
	free(path);
	return rc;
}

/* A time from the status file: a sane wall clock, else listed in bad. */
static void
status_time(const char *line, const char *value, int64_t *out,
    struct strvec *bad)
{
	int64_t ns;

	if (parse_epoch_ns(value, &ns) == 0)
		*out = ns;
	else
		sv_push(bad, line);
}

void
request_parse_status(const char *data, struct request_info *ri,
    struct strvec *bad)
{
	char *copy = xstrdup(data), *line, *save, *esc;
	int64_t start = ri->running, end = ri->end;
	size_t first = bad->n, i;

	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "start=", 6) == 0)
			status_time(line, line + 6, &start, bad);
		else if (strncmp(line, "end=", 4) == 0)
			status_time(line, line + 4, &end, bad);
		else if (strcmp(line, "reason=timeout") == 0) {
			ri->ok = 0;
			ri->reason = "timeout";
		}
	}
	if (end > 0 && start > 0 && end < start) {
		sv_pushf(bad, "end before start (start=%.2f end=%.2f)",
		    ns_to_sec(start), ns_to_sec(end));
		end = 0;
	}
	ri->running = start;
	ri->end = end;
	for (i = first; i < bad->n; i++) {	/* shown and logged: escaped */
		esc = str_printable(bad->v[i]);
		if (strlen(esc) > 80)
			strcpy(esc + 77, "...");
		free(bad->v[i]);
		bad->v[i] = esc;
	}
	free(copy);
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
