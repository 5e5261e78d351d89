/*
 * dist-helper-relay.c - the agent's relay in C (dist-helper -L): copies
 * the supervisors' lines from its stdin (the FIFO RUNDIR/jobs/.report-PID,
 * opened read-write by the agent: never an end of file) to its stdout
 * (the agent's, the SSH channel) until the line "relay end".  What the sh
 * relay in agent.sh (relay_start) does with "read -r" and printf, which
 * read the FIFO a byte at a time: here whatever the FIFO holds is read at
 * once and its whole lines written at once (issue 15: a fast job's
 * "started", "ended" and "done" often leave in one SSH packet).  A line
 * is never cut: a partial one waits for its end.  A failed write (the
 * channel is gone) drops the lines, as the sh relay's printf does, and
 * the FIFO keeps being drained, so that no supervisor ever blocks.
 * Should "relay end" never come (the agent's waiter killed), the relay
 * still ends once its FIFO's name is gone (looked at every RELAY_LOOK_S
 * seconds of quiet): no supervisor can open it any more.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "dist-helper.h"

#define RELAY_BUF	(64 * 1024)
#define RELAY_END	"relay end\n"
#define RELAY_LOOK_S	10

static char buf[RELAY_BUF];

/* Write the whole lines of buf[0..len) up to "relay end" (if any): the
 * bytes used, and *end set when it was seen. */
static size_t
relay_lines(size_t len, int *end)
{
	size_t at = 0, n;
	char *nl;

	while (at < len && (nl = memchr(buf + at, '\n', len - at)) != NULL) {
		n = (size_t)(nl - (buf + at)) + 1;
		if (n == strlen(RELAY_END) &&
		    memcmp(buf + at, RELAY_END, n) == 0) {
			*end = 1;
			break;
		}
		at += n;
	}
	if (at > 0)
		write_all(1, buf, at);
	return *end ? at + strlen(RELAY_END) : at;
}

/* Is path still the name of the FIFO on fd 0? */
static int
fifo_named(const char *path)
{
	struct stat a, b;

	return fstat(0, &a) == 0 && stat(path, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int
relay_main(const char *fifo)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	size_t len = 0, used;
	ssize_t r;
	int end = 0, n;

	signal(SIGPIPE, SIG_IGN);
	while (!end) {
		n = poll(&pfd, 1, RELAY_LOOK_S * 1000);
		if (n == 0 && !fifo_named(fifo))
			break;
		if (n <= 0)
			continue;	/* quiet, or EINTR */
		r = read(0, buf + len, sizeof buf - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		used = relay_lines(len, &end);
		if (used == 0 && len == sizeof buf) {	/* no line this long */
			write_all(1, buf, len);
			used = len;
		}
		memmove(buf, buf + used, len - used);
		len -= used;
	}
	return 0;
}
