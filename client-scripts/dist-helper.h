/*
 * dist-helper.h - the worker helper's parts (client-scripts/dist-helper*.c,
 * built static with musl-gcc by the Makefile): the supervisor of one job
 * (dist-helper.c), its small file and line utilities (dist-helper-util.c),
 * a small result bundled in one file (dist-helper-bundle.c).
 */
#ifndef DIST_HELPER_H
#define DIST_HELPER_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

struct sv {
	const char	*slot, *gen, *jobs, *dir, *prev, *id, *mkey, *run, *token;
	const char	*procs, *relay, *cwd, *head, *tail;
	long		 seq;
	unsigned	 timeout;
	int		 refused;
	char		 jd[PATH_MAX];
	pid_t		 pid;
};

int	pathf(char *buf, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	write_all(int fd, const char *s, size_t n);
int	put_file(const char *path, int flags, const char *text);
void	report(const struct sv *s, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	now(char out[32]);
/* dist-helper-bundle.c: a small, plain result of job directory jd as one
 * file at path; 0, or -1 (nothing made: the master walks jd). */
int	bundle_write(const char *jd, const char *path);

#endif
