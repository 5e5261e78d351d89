/*
 * journal.c - the run's journal: append-and-sync writer and replay.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/journal.h"

struct journal {
	int	 fd;
	char	*path;
};

int
journal_open(const char *run_dir, struct journal **out, char **cause)
{
	struct journal *j = xcalloc(1, sizeof *j);

	j->path = xasprintf("%s/journal", run_dir);
	j->fd = open(j->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (j->fd == -1) {
		set_cause(cause, "%s: %s", j->path, strerror(errno));
		free(j->path);
		free(j);
		return -1;
	}
	*out = j;
	return 0;
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	close(j->fd);
	free(j->path);
	free(j);
}

/* text (whole lines) in one write, then one fdatasync. */
static int
journal_write(struct journal *j, const struct strbuf *text)
{
	if (write(j->fd, text->buf, text->len) != (ssize_t)text->len ||
	    fdatasync(j->fd) == -1)
		return -1;
	return 0;
}

int
journal_append(struct journal *j, const char *fmt, ...)
{
	struct strbuf line = STRBUF_INIT;
	va_list ap;
	char *text;
	int rc;

	if (j == NULL)
		return 0;
	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	sb_addf(&line, "%s\n", text);
	rc = journal_write(j, &line);
	free(text);
	sb_release(&line);
	return rc;
}

int
journal_append_lines(struct journal *j, const struct strvec *lines)
{
	struct strbuf all = STRBUF_INIT;
	size_t i;
	int rc;

	if (j == NULL || lines->n == 0)
		return 0;
	for (i = 0; i < lines->n; i++)
		sb_addf(&all, "%s\n", lines->v[i]);
	rc = journal_write(j, &all);
	sb_release(&all);
	return rc;
}

static int
replay_line(char *line, struct journal_job *jobs, size_t njobs,
    size_t nmachines)
{
	char verb[16], what[16];
	int job, attempt, machine, code, settled;
	struct journal_job *js;

	if (sscanf(line, "%15s %d %d", verb, &job, &attempt) != 3 ||
	    job < 0 || (size_t)job >= njobs)
		return -1;
	js = &jobs[job];
	/* a settled job stays settled: what other copies of it did later
	 * (cancelled, taken back, lost) changes nothing */
	settled = js->state == JS_OK || js->state == JS_FAILED;
	if (strcmp(verb, "start") == 0) {
		if (sscanf(line, "%*s %*d %*d %d", &machine) != 1 ||
		    machine < 0 || (size_t)machine >= nmachines)
			return -1;
		if (attempt > js->attempts)
			js->attempts = attempt;
		if (settled)
			return 0;
		js->state = JS_RUNNING;
		js->machine = machine;
		js->attempt = attempt;
	} else if (strcmp(verb, "end") == 0) {
		if (sscanf(line, "%*s %*d %*d %15s %d", what, &code) != 2)
			return -1;
		if (settled)
			return 0;
		js->exit_code = code;
		js->state = strcmp(what, "ok") == 0 ? JS_OK :
		    strcmp(what, "failed") == 0 ? JS_FAILED : JS_QUEUED;
	} else if (strcmp(verb, "back") == 0) {
		js->taken_back++;
		if (js->state == JS_RUNNING)
			js->state = JS_QUEUED;
	} else if (strcmp(verb, "lost") == 0) {
		js->lost++;
		js->lost_machine = js->machine;
		js->lost_attempt = attempt;
		if (js->state == JS_RUNNING)
			js->state = JS_QUEUED;
	} else
		return -1;
	return 0;
}

int
journal_replay(const char *run_dir, struct journal_job *jobs, size_t njobs,
    size_t nmachines, char **cause)
{
	char *path = xasprintf("%s/journal", run_dir), *data = NULL, *line;
	char *save = NULL;
	size_t i, len;
	int n = 0, rc = -1;

	for (i = 0; i < njobs; i++) {
		memset(&jobs[i], 0, sizeof jobs[i]);
		jobs[i].exit_code = -1;
		jobs[i].machine = jobs[i].lost_machine = -1;
	}
	if (read_file(path, &data, &len, cause) == -1)
		goto out;
	for (line = strtok_r(data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		n++;
		if (replay_line(line, jobs, njobs, nmachines) == -1) {
			set_cause(cause, "%s:%d: bad journal line (does the "
			    "config still match the run?)", path, n);
			goto out;
		}
	}
	rc = 0;
out:
	free(data);
	free(path);
	return rc;
}
