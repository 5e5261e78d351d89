/*
 * dist-helper-util.c - the worker helper's small utilities: paths that
 * must fit, whole writes, one-shot files, lines to the master, the time.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dist-helper.h"

/* buf = the formatted path; 0, or -1 when it does not fit. */
int
pathf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	return n < 0 || n >= PATH_MAX ? -1 : 0;
}

int
write_all(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, s, n)) == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write text to path (flags: O_TRUNC or O_APPEND, or O_EXCL); -1 fails. */
int
put_file(const char *path, int flags, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | flags, 0666), rc;

	if (fd == -1)
		return -1;
	rc = write_all(fd, text, strlen(text));
	return close(fd) == -1 ? -1 : rc;
}

/* One line to the master: through the relay FIFO when there is one,
 * opened for this line only (it is never held while the job runs). */
void
report(const struct sv *s, const char *fmt, ...)
{
	char line[PATH_MAX + 256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof line - 1)
		return;
	line[n++] = '\n';
	report_line(s, line, (size_t)n);
}

void
report_line(const struct sv *s, const char *line, size_t n)
{
	int fd = 1;

	if (s->relay != NULL && (fd = open(s->relay, O_RDWR)) == -1)
		return;
	write_all(fd, line, n);
	if (fd != 1)
		close(fd);
}

/* out = the time in epoch seconds with two decimals, as the agent's. */
void
now(char out[32])
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(out, 32, "%lld.%02ld", (long long)ts.tv_sec,
	    ts.tv_nsec / 10000000);
}

/*
 * A mark beside a job's directory (JOBDIR.claim, .next, .ended, .whole):
 * with a mark file (s->mark, the spawner's), a hard link of it: no inode is
 * made or freed per mark, which on a busy ext4 without a journal costs
 * more than the job (every new inode skips the recently deleted ones);
 * else (or when the link cannot be made: EMLINK, a filesystem without
 * hard links) a file holding text.  excl: fail when path exists (a
 * claim); 0, or -1.
 */
int
mark_make(const struct sv *s, const char *path, int excl, const char *text)
{
	if (s->mark != NULL) {
		if (link(s->mark, path) == 0)
			return 0;
		if (errno == EEXIST)
			return excl ? -1 : 0;
	}
	return put_file(path, excl ? O_EXCL : O_TRUNC, text);
}

/* put_file, into the inode of spare when there is one (renamed to path
 * first: a recycled job directory's, see dist-helper-spawn.c). */
int
put_reused(const char *path, const char *spare, int flags, const char *text)
{
	if (spare != NULL)
		rename(spare, path);
	return put_file(path, flags, text);
}
