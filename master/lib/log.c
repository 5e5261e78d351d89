/*
 * log.c - leveled diagnostics on stderr, thread-safe, with control
 * characters escaped (they may quote a worker's text).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"

static int log_level = LOG_INFO;
static const char *log_prog = "distribute";
static pthread_mutex_t log_mtx = PTHREAD_MUTEX_INITIALIZER;

void
log_set_level(int level)
{
	log_level = level;
}

int
log_get_level(void)
{
	return log_level;
}

void
log_set_prog(const char *prog)
{
	log_prog = prog;
}

static void
log_vmsg(int level, const char *fmt, va_list ap)
{
	static const char *prefix[] = { "error: ", "warning: ", "", "", "debug: " };
	char *msg = xvasprintf(fmt, ap);
	struct strbuf sb = STRBUF_INIT;

	/* messages quote workers' text: no escape sequence reaches the
	 * terminal, and a line of ours continues indented */
	sb_add_printable(&sb, msg, strlen(msg), 1);
	pthread_mutex_lock(&log_mtx);
	fprintf(stderr, "%s: %s", log_prog, prefix[level]);
	for (const char *p = sb_str(&sb), *nl; ; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL) {
			fprintf(stderr, "%s\n", p);
			break;
		}
		fprintf(stderr, "%.*s\n  ", (int)(nl - p), p);
	}
	fflush(stderr);
	pthread_mutex_unlock(&log_mtx);
	sb_release(&sb);
	free(msg);
}

void
log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERROR, fmt, ap);
	va_end(ap);
	exit(2);
}
