/*
 * dist-helper.h - the worker helper's parts (client-scripts/dist-helper*.c,
 * built static with musl-gcc by the Makefile): the supervisor of one job
 * (dist-helper.c), its small file and line utilities (dist-helper-util.c),
 * the resident spawner of an agent's jobs (dist-helper-spawn.c), the
 * machine's state around a job for env.json (dist-helper-env.c), a
 * small result bundled in one file (dist-helper-bundle.c) and the
 * agent's relay of the supervisors' lines (dist-helper-relay.c).
 */
#ifndef DIST_HELPER_H
#define DIST_HELPER_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

struct sv {
	const char	*slot, *gen, *jobs, *dir, *prev, *id, *mkey, *run, *token;
	const char	*procs, *relay, *cwd, *head, *tail;
	const char	*mark;	/* marks are hard links of it (-k), or NULL */
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
/* a whole line (with its '\n', at most PIPE_BUF bytes: one write) */
void	report_line(const struct sv *s, const char *line, size_t n);
void	now(char out[32]);
int	mark_make(const struct sv *s, const char *path, int excl,
	    const char *text);
int	put_reused(const char *path, const char *spare, int flags,
	    const char *text);

/* dist-helper.c: one job's supervisor */
void	lock_note(const struct sv *s, pid_t pid);
int	sv_run(struct sv *s, char **argv, int argc);

/* dist-helper-spawn.c: the resident spawner (-S) */
int	spawn_main(int argc, char **argv);
int	rm_tree(const char *path);
int	rm_tree_at(int dfd, const char *name);

/* dist-helper-relay.c: the agent's relay (-L) */
int	relay_main(const char *fifo);

/* dist-helper-recycle.c: a collected job's directory used again */
int	recycle_dir(const char *jd, const char *free_name);

/* dist-helper-env.c: env.json's parts before the job */
int	env_parts(const char *static_j, long cores, const char *users,
	    const char *iso_j, const char *cwd, char **head, char **tail);

/* dist-helper-bundle.c: a small, plain result of job directory jd made
 * in memory (bundle_make: 0, or -1 when it is not small and plain: the
 * master walks jd), then put in one file at path (bundle_put, spare: a
 * spare inode for it, or NULL), or base64-encoded into out (with its
 * '\0'; bundle_base64: its length, or -1 when it does not fit). */
int	bundle_make(const char *jd);
int	bundle_put(const char *path, const char *spare);
int	bundle_base64(char *out, size_t size);

#endif
