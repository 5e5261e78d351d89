/*
 * reason.c - why a job failed, in words: from its exit code, the supervisor's
 * status (killed at its timeout), the meaning the config gives the code, and
 * the last line of its stderr ("command not found: run-sortbnech").  The
 * same text goes to results.json, run.json and the summary row.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "run/request.h"

#define TAIL_BYTES	4096	/* read from the end of stderr */
#define LINE_MAX_SHOWN	200	/* of a line from stderr */

/* Keep at most LINE_MAX_SHOWN bytes of s, control characters as '?'. */
static char *
shown_line(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < len && i < LINE_MAX_SHOWN; i++)
		sb_addc(&sb, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ?
		    '?' : s[i]);
	if (len > LINE_MAX_SHOWN)
		sb_adds(&sb, "\u2026");
	return sb_detach(&sb);
}

/* The last TAIL_BYTES of path, NUL-terminated, or NULL. */
static char *
read_tail(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	if (fseek(f, -(long)TAIL_BYTES, SEEK_END) != 0)
		rewind(f);
	buf = xmalloc(TAIL_BYTES + 1);
	n = fread(buf, 1, TAIL_BYTES, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

char *
job_stderr_last(const char *dir)
{
	char *path = xasprintf("%s/stderr", dir), *tail = read_tail(path);
	char *end, *start, *line = NULL;

	free(path);
	if (tail == NULL)
		return NULL;
	end = tail + strlen(tail);
	while (end > tail && (end[-1] == '\n' || end[-1] == '\r' ||
	    end[-1] == ' ' || end[-1] == '\t'))
		end--;
	start = end;
	while (start > tail && start[-1] != '\n')
		start--;
	if (end > start)
		line = shown_line(start, (size_t)(end - start));
	free(tail);
	return line;
}

/* Strip suffix from [s, *end) if it ends so. */
static int
cut_suffix(const char *s, const char **end, const char *suffix)
{
	size_t n = strlen(suffix);

	if ((size_t)(*end - s) < n || strncmp(*end - n, suffix, n) != 0)
		return 0;
	*end -= n;
	return 1;
}

/*
 * The command a shell or exec wrapper could not find, from its message:
 * "sh: 1: NAME: not found", "bash: NAME: command not found",
 * "setsid: failed to execute NAME: No such file or directory",
 * "env: 'NAME': No such file or directory", "zsh: command not found: NAME".
 */
static char *
missing_command(const char *line)
{
	const char *end = line + strlen(line), *p, *name;
	const char *zsh = strstr(line, "command not found: ");

	if (zsh != NULL)
		return xstrdup(zsh + strlen("command not found: "));
	if (!cut_suffix(line, &end, ": command not found") &&
	    !cut_suffix(line, &end, ": not found") &&
	    !cut_suffix(line, &end, ": No such file or directory"))
		return NULL;
	name = line;
	for (p = line; p + 1 < end; p++)
		if (p[0] == ':' && p[1] == ' ')
			name = p + 2;
	if (strncmp(name, "failed to execute ", 18) == 0)
		name += 18;
	/* quotes: 'x', `x', and the UTF-8 ones env uses */
	if (end - name >= 2 && (*name == '\'' || *name == '`') &&
	    end[-1] == '\'') {
		name++;
		end--;
	} else if (end - name >= 6 && strncmp(name, "\u2018", 3) == 0 &&
	    strncmp(end - 3, "\u2019", 3) == 0) {
		name += 3;
		end -= 3;
	}
	return end > name ? xstrndup(name, (size_t)(end - name)) : NULL;
}

/* From the exit code and stderr's last line alone. */
static char *
exit_reason(int code, const char *last)
{
	char *cmd;

	if (code == 127 && last != NULL && (cmd = missing_command(last)) != NULL) {
		char *r = xasprintf("command not found: %s", cmd);

		free(cmd);
		return r;
	}
	if (code == 127)
		return xasprintf("command not found (exit 127)%s%s",
		    last != NULL ? ": " : "", last != NULL ? last : "");
	if (code > 128 && code < 128 + 65)
		return xasprintf("killed by signal %d (%s)%s%s", code - 128,
		    strsignal(code - 128), last != NULL ? "; stderr: " : "",
		    last != NULL ? last : "");
	return xasprintf("exit %d%s%s", code, last != NULL ? "; stderr: " : "",
	    last != NULL ? last : "");
}

char *
job_reason(const char *dir, const struct request_info *r)
{
	char *last, *why;

	if (r->reason != NULL && strcmp(r->reason, "timeout") == 0)
		return r->timeout > 0 ? xasprintf("killed by timeout after "
		    "%ds", r->timeout) : xstrdup("killed by timeout");
	if (r->reason != NULL)
		return xstrdup(r->reason);	/* the config's meaning */
	last = job_stderr_last(dir);
	why = exit_reason(r->exit_code, last);
	free(last);
	return why;
}
