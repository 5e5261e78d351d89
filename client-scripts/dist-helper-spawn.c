/*
 * dist-helper-spawn.c - the resident spawner of an agent's jobs:
 *
 *	dist-helper -S -f FIFO -g AGENT -R RUN_ESC -r RUN
 *	    -m MKEY [-l PROCS] [-o RELAY] -j STATIC_JSON -c CORES -D DIRECT
 *	    -x SH -X SCRIPT -T TOOLDIR -W WORKDIR -C CONFIG -U RUNDIR
 *
 * The agent (agent.sh, spawn_job) starts one per connection once the
 * worker helper is on and hands it each job that needs no isolation
 * wrapper as a record on FIFO, so that a job costs the worker no shell:
 * the spawner makes the job's directory (argv/N, env/NAME, argc), forks
 * a supervisor (dist-helper.c, the same files and lines as "dist-helper
 * -s ..."), which computes env.json's "before" half (dist-helper-env.c)
 * and sets the job's environment, then waits for the slot's turn.  A
 * record (every value escaped as on the agent's channel):
 *
 *	job SLOT JOBDIR SEQ PREV|- NARGS NENVS TIMEOUT
 *	JOBID
 *	USERS (who is logged in, as the agent saw it)
 *	ISOLATION (env.json's "isolation" object)
 *	NARGS lines, the job's arguments
 *	NENVS lines, NAME=VALUE
 *
 * "forget JOBDIR" removes a collected job's files (agent.sh, do_forget,
 * without an rm process); "end", an end of file, or the agent gone (our
 * parent changes): no more records; the spawner waits for its
 * supervisors and exits, so that while it lives the agent knows jobs
 * run.  Refusals go to the master as "err start MSG" lines.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dist-helper.h"

#define MAX_ITEMS	65536
#define POOL		64	/* recycled job directories kept */
#define PREVS		1024	/* (job, slot's job before it) remembered */

struct spawn {
	const char	*fifo, *gen, *jobs, *run_e, *run, *mkey, *procs, *relay;
	const char	*static_j, *shcmd, *script, *tooldir, *workdir;
	const char	*config, *rundir;
	long		 cores;
	int		 direct, slow;	/* slow: test hook, -H */
	pid_t		 agent;
	char		 jobs_dir[PATH_MAX];	/* RUNDIR/jobs (jobs) */
	char		 mark[PATH_MAX];	/* the marks' inode, or "" */
	char		*pool[POOL];	/* .free-PID-N, job dirs to reuse */
	size_t		 npool;
	unsigned long	 nfree;
	struct {
		char	*dir, *prev;
	}		 prevs[PREVS];	/* forget's PREV.ended, .next */
	size_t		 nprev;
};

struct lines {
	int	 fd, done;
	char	*buf;
	size_t	 len, cap, off;
};

struct record {
	char	*slot, *dir, *prev, *id, *users, *iso;
	long	 seq;
	unsigned timeout;
	size_t	 nargs, nenvs;
	char	**args, **envs;	/* unescaped; args[-1] free for "sh" */
};

/* "\\" and "\n" decoded in place (agent.sh, unesc). */
static void
unesc(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] == 'n') {
			*w++ = '\n';
			s++;
		} else if (*s == '\\' && s[1] == '\\') {
			*w++ = '\\';
			s++;
		} else
			*w++ = *s;
	}
	*w = '\0';
}

/* agent.sh, safe_token: a safe path component. */
static int
safe_token(const char *s)
{
	return *s != '\0' && strcmp(s, ".") != 0 && strcmp(s, "..") != 0 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._+@-") == strlen(s);
}

/* A path escaped for a line to the master. */
static void
report_err(struct spawn *sp, const char *what, const char *path)
{
	struct sv s = { .relay = sp->relay };
	char e[2 * PATH_MAX], *w = e;

	for (; *path != '\0' && w < e + sizeof e - 3; path++) {
		if (*path == '\\' || *path == '\n') {
			*w++ = '\\';
			*w++ = *path == '\n' ? 'n' : '\\';
		} else
			*w++ = *path;
	}
	*w = '\0';
	report(&s, "err start %s %s", what, e);
}

/* --- reading the FIFO ----------------------------------------------- */

/* The agent is gone when we are no longer its child. */
static int
agent_gone(struct spawn *sp)
{
	return getppid() != sp->agent;
}

static void
on_child(int sig)
{
	(void)sig;
}

static void
reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* The next line (NUL-terminated, valid until the next call), or NULL
 * at the end: an end of file, "end", or the agent gone. */
static char *
next_line(struct spawn *sp, struct lines *l)
{
	struct pollfd p = { .fd = l->fd, .events = POLLIN };
	char *nl, *nb;
	ssize_t n;

	for (;;) {
		if (l->done)
			return NULL;
		if ((nl = memchr(l->buf + l->off, '\n', l->len - l->off))) {
			char *line = l->buf + l->off;

			*nl = '\0';
			l->off = (size_t)(nl - l->buf) + 1;
			if (strcmp(line, "end") == 0)
				l->done = 1;
			return l->done ? NULL : line;
		}
		memmove(l->buf, l->buf + l->off, l->len - l->off);
		l->len -= l->off;
		l->off = 0;
		if (l->len + 4096 > l->cap) {
			if ((nb = realloc(l->buf, l->cap + 65536)) == NULL)
				return NULL;
			l->buf = nb;
			l->cap += 65536;
		}
		if ((n = poll(&p, 1, 1000)) == -1 && errno == EINTR) {
			reap();		/* SIGCHLD: no zombie for long */
			continue;
		}
		if (n == 0) {
			reap();
			if (agent_gone(sp))
				l->done = 1;
			continue;
		}
		n = read(l->fd, l->buf + l->len, l->cap - l->len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			l->done = 1;
		else
			l->len += (size_t)n;
	}
}

static char *
dup_line(struct spawn *sp, struct lines *l)
{
	char *line = next_line(sp, l);

	return line != NULL ? strdup(line) : NULL;
}

static void
record_free(struct record *r)
{
	size_t i;

	free(r->slot);
	free(r->id);
	free(r->users);
	free(r->iso);
	for (i = 0; r->args != NULL && i < r->nargs; i++)
		free(r->args[i]);
	for (i = 0; r->envs != NULL && i < r->nenvs; i++)
		free(r->envs[i]);
	free(r->args != NULL ? r->args - 1 : NULL);
	free(r->envs);
	memset(r, 0, sizeof *r);
}

/* The list of n lines after a record's head, unescaped (lines too). */
static char **
read_items(struct spawn *sp, struct lines *l, size_t n, size_t lead)
{
	char **v = calloc(n + lead + 1, sizeof *v);
	size_t i;

	if (v == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if ((v[lead + i] = dup_line(sp, l)) == NULL) {
			while (i-- > 0)
				free(v[lead + i]);
			free(v);
			return NULL;
		}
	return v + lead;
}

/* Parse "job SLOT DIR SEQ PREV NARGS NENVS TIMEOUT" and read the rest of
 * the record: 0, or -1 (a broken record: the agent is not ours). */
static int
read_record(struct spawn *sp, struct lines *l, char *head,
    struct record *r)
{
	char *f[8], *save = NULL;	/* 7 fields, and one too many */
	size_t i, n = 0, hl = strlen(head);

	memset(r, 0, sizeof *r);
	for (char *t = strtok_r(head, " ", &save); t != NULL && n < 8;
	    t = strtok_r(NULL, " ", &save))
		f[n++] = t;
	if (n != 7 || strspn(f[0], "0123456789") != strlen(f[0]) ||
	    !safe_token(f[1]) || (strcmp(f[3], "-") != 0 &&
	    !safe_token(f[3])) || (r->slot = malloc(hl + 1)) == NULL)
		return -1;
	/* slot, dir and prev: one copy of the head, its fields ended by
	 * strtok_r's NULs */
	memcpy(r->slot, head, hl + 1);
	r->dir = r->slot + (f[1] - f[0]);
	r->prev = strcmp(f[3], "-") == 0 ? NULL : r->slot + (f[3] - f[0]);
	r->seq = atol(f[2]);
	r->nargs = strtoul(f[4], NULL, 10);
	r->nenvs = strtoul(f[5], NULL, 10);
	r->timeout = (unsigned)strtoul(f[6], NULL, 10);
	if (r->nargs > MAX_ITEMS || r->nenvs > MAX_ITEMS ||
	    (r->id = dup_line(sp, l)) == NULL ||
	    (r->users = dup_line(sp, l)) == NULL ||
	    (r->iso = dup_line(sp, l)) == NULL ||
	    (r->args = read_items(sp, l, r->nargs, 1)) == NULL ||
	    (r->envs = read_items(sp, l, r->nenvs, 0)) == NULL)
		return -1;
	unesc(r->users);
	for (i = 0; i < r->nargs; i++)
		unesc(r->args[i]);
	for (i = 0; i < r->nenvs; i++) {
		char *eq = strchr(r->envs[i], '=');

		if (eq == NULL)
			return -1;
		unesc(eq + 1);
	}
	return 0;
}

/* --- the job's directory -------------------------------------------- */

int
rm_tree_at(int dfd, const char *name)
{
	struct dirent *d;
	struct stat st;
	int fd, rc, tries;
	DIR *dp;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0) == -1 && errno != ENOENT ? -1 : 0;
	for (tries = 0; tries < 3; tries++) {
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd == -1 || (dp = fdopendir(fd)) == NULL) {
			if (fd != -1)
				close(fd);
			return -1;
		}
		while ((d = readdir(dp)) != NULL)
			if (strcmp(d->d_name, ".") != 0 &&
			    strcmp(d->d_name, "..") != 0)
				rm_tree_at(dirfd(dp), d->d_name);
		closedir(dp);
		if ((rc = unlinkat(dfd, name, AT_REMOVEDIR)) == 0 ||
		    errno != ENOTEMPTY)
			return rc == -1 && errno != ENOENT ? -1 : 0;
	}
	return -1;
}

/* rm -rf path, never following a symlink. */
int
rm_tree(const char *path)
{
	return rm_tree_at(AT_FDCWD, path);
}

/* Write the exact bytes of text to path (a new file). */
static int
put_bytes(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0666), rc;

	if (fd == -1)
		return -1;
	rc = write_all(fd, text, strlen(text));
	return close(fd) == -1 ? -1 : rc;
}

/* A recycled directory (forget) renamed to jd: 1, or 0 (none). */
static int
reuse_dir(struct spawn *sp, const char *jd)
{
	while (sp->npool > 0) {
		char *from = sp->pool[--sp->npool];
		int ok = rename(from, jd) == 0;

		if (!ok)
			rm_tree(from);
		free(from);
		if (ok)
			return 1;
	}
	return 0;
}

/* RUNDIR/jobs/JOBDIR with argv/N, argc and env/NAME (0), or refused to
 * the master (-1).  An earlier job's leftovers under the name were
 * removed by the agent (spawn_job), in order with "unqueue": a claim
 * there now is this job's, taken back before it was made, and stays (its
 * supervisor then passes the slot's turn on). */
static int
job_dir_make(struct spawn *sp, const struct record *r, const char *jd)
{
	char p[PATH_MAX], n[32];
	size_t i;

	if (!reuse_dir(sp, jd) && mkdir(jd, 0777) == -1 && errno != EEXIST) {
		report_err(sp, "cannot create", jd);
		return -1;
	}
	/* argv/, env/ and argc are for a startup script (job.sh's
	 * contract); a job run directly has its argv, and the master
	 * writes them into the results itself: a file made costs the
	 * worker more than its bytes (an inode, removed again) */
	if (sp->direct)
		return 0;
	if (pathf(p, "%s/argv", jd) == -1 ||
	    (mkdir(p, 0777) == -1 && errno != EEXIST) ||
	    pathf(p, "%s/env", jd) == -1 ||
	    (mkdir(p, 0777) == -1 && errno != EEXIST)) {
		report_err(sp, "cannot create", jd);
		return -1;
	}
	for (i = 0; i < r->nargs; i++)
		if (pathf(p, "%s/argv/%zu", jd, i) == -1 ||
		    put_bytes(p, r->args[i]) == -1)
			goto fail;
	for (i = 0; i < r->nenvs; i++) {
		size_t k = strcspn(r->envs[i], "=");

		if (pathf(p, "%s/env/%.*s", jd, (int)k, r->envs[i]) == -1 ||
		    put_bytes(p, r->envs[i] + k + 1) == -1)
			goto fail;
	}
	snprintf(n, sizeof n, "%zu\n", r->nargs);
	if (pathf(p, "%s/argc", jd) == 0 && put_bytes(p, n) == 0)
		return 0;
fail:
	report_err(sp, "cannot write in", jd);
	return -1;
}

/* Remember the slot's job before dir (for its forget). */
static void
prev_note(struct spawn *sp, const char *dir, const char *prev)
{
	size_t i = sp->nprev++ % PREVS;

	free(sp->prevs[i].dir);
	free(sp->prevs[i].prev);
	sp->prevs[i].dir = strdup(dir);
	sp->prevs[i].prev = prev != NULL ? strdup(prev) : NULL;
}

/* The slot's job before dir, into prev (from memory, else from
 * JOBDIR.ended as a sh supervisor writes it); "" when none. */
static void
prev_of(struct spawn *sp, const char *dir, char prev[NAME_MAX + 2])
{
	char p[PATH_MAX];
	size_t k, i, n = sp->nprev < PREVS ? sp->nprev : PREVS;
	FILE *f;

	prev[0] = '\0';
	/* newest first: the job forgotten is one of the last few started */
	for (k = 1; k <= n; k++)
		if ((i = (sp->nprev - k) % PREVS, sp->prevs[i].dir != NULL) &&
		    strcmp(sp->prevs[i].dir, dir) == 0) {
			if (sp->prevs[i].prev != NULL)
				snprintf(prev, NAME_MAX + 2, "%s",
				    sp->prevs[i].prev);
			free(sp->prevs[i].dir);
			sp->prevs[i].dir = NULL;
			return;
		}
	if (pathf(p, "%s/%s.ended", sp->jobs, dir) == 0 &&
	    (f = fopen(p, "r")) != NULL) {
		if (fgets(prev, NAME_MAX + 2, f) == NULL)
			prev[0] = '\0';
		fclose(f);
		prev[strcspn(prev, "\n")] = '\0';
	}
}

/* --- one job --------------------------------------------------------- */

/* agent.sh, job_env: the job's environment (in the supervisor). */
static int
job_env(struct spawn *sp, const struct record *r, const char *jd)
{
	char *path, *id;
	size_t i;
	int rc = 0;

	for (i = 0; i < r->nenvs; i++) {
		size_t k = strcspn(r->envs[i], "=");

		r->envs[i][k] = '\0';
		rc |= setenv(r->envs[i], r->envs[i] + k + 1, 1);
		r->envs[i][k] = '=';
	}
	if ((id = strdup(r->id)) == NULL)
		return -1;
	unesc(id);
	rc |= setenv("DIST_JOB_DIR", jd, 1) | setenv("DIST_SLOT", r->slot, 1) |
	    setenv("DIST_JOB_ID", id, 1) | setenv("DIST_RUN_ID", sp->run, 1) |
	    setenv("DIST_RUN_DIR", sp->rundir, 1) |
	    setenv("DIST_TOOL_DIR", sp->tooldir, 1) |
	    setenv("DIST_CONFIG", sp->config, 1) |
	    setenv("DIST_MACHINE", sp->mkey, 1) |
	    setenv("DIST_WORKDIR", sp->workdir, 1);
	free(id);
	unsetenv("DIST_JOB_TOKEN");	/* the job's alone (child) */
	if (sp->tooldir[0] != '\0') {
		const char *old = getenv("PATH");
		size_t n = 2 * strlen(sp->tooldir) + (old ? strlen(old) : 0) + 8;

		if ((path = malloc(n)) == NULL)
			return -1;
		snprintf(path, n, "%s/bin:%s:%s", sp->tooldir, sp->tooldir,
		    old != NULL ? old : "");
		rc |= setenv("PATH", path, 1);
		free(path);
	}
	return rc;
}

/* In the forked supervisor: the job's environment, env.json's parts,
 * then the supervisor of dist-helper.c.  Never returns. */
static void
supervisor(struct spawn *sp, struct record *r, const char *jd)
{
	struct sv s = { .mark = sp->mark[0] != '\0' ? sp->mark : NULL,
	    .slot = r->slot, .gen = sp->gen, .jobs = sp->jobs,
	    .dir = r->dir, .prev = r->prev, .id = r->id, .mkey = sp->mkey,
	    .run = sp->run_e, .procs = sp->procs, .relay = sp->relay,
	    .cwd = jd, .seq = r->seq, .timeout = r->timeout };
	char *sh_argv[4] = { NULL, (char *)sp->shcmd, (char *)sp->script, NULL };
	char *head, *tail, *token, **argv = r->args;
	int argc = (int)r->nargs;
	size_t n = strlen(sp->run) + strlen(r->dir) + 2;

	if ((token = malloc(n)) == NULL || job_env(sp, r, jd) == -1 ||
	    env_parts(sp->static_j, sp->cores, r->users, r->iso, jd, &head,
	    &tail) == -1)
		_exit(125);
	snprintf(token, n, "%s/%s", sp->run, r->dir);
	snprintf(s.jd, sizeof s.jd, "%s", jd);
	s.token = token;
	s.head = head;
	s.tail = tail;
	if (!sp->direct) {	/* "sh SCRIPT" (job.sh runs argv/) */
		argv = sh_argv + 1;
		argc = 2;
	}
	_exit(sv_run(&s, argv, argc));
}

static void
spawn_job(struct spawn *sp, struct lines *l, char *head)
{
	struct record r;
	char jd[PATH_MAX];
	struct sv note = { .procs = sp->procs };
	pid_t pid;

	if (sp->slow)
		sleep(1);	/* TEST ONLY: records taken late (t3250) */
	if (read_record(sp, l, head, &r) == -1) {
		report_err(sp, "bad record from the agent", "");
		l->done = 1;	/* out of step: take no more */
	} else if (pathf(jd, "%s/%s", sp->jobs, r.dir) == -1) {
		report_err(sp, "cannot create", r.dir);
	} else if (job_dir_make(sp, &r, jd) == 0) {
		prev_note(sp, r.dir, r.prev);
		if ((pid = fork()) == 0) {
			signal(SIGCHLD, SIG_DFL);
			close(l->fd);
			supervisor(sp, &r, jd);
		}
		if (pid == -1)
			report_err(sp, "cannot fork for", r.dir);
		else
			lock_note(&note, pid);
	}
	record_free(&r);
}

/* The collected job's directory kept for the next job (recycle_dir), or
 * removed. */
static void
recycle(struct spawn *sp, const char *dir)
{
	char jd[PATH_MAX], to[PATH_MAX];

	if (pathf(jd, "%s/%s", sp->jobs, dir) == -1)
		return;
	if (sp->mark[0] != '\0' && sp->npool < POOL &&
	    pathf(to, "%s/.free-%ld-%lu", sp->jobs, (long)getpid(),
	    sp->nfree++) == 0 && recycle_dir(jd, to) == 0 &&
	    (sp->pool[sp->npool] = strdup(to)) != NULL) {
		sp->npool++;
		return;
	}
	rm_tree(jd);
}

/* "forget JOBDIR": its files, and the marks of the slot's job before it,
 * as agent.sh's do_forget (whose JOBDIR.ended names it). */
static void
forget(struct spawn *sp, const char *dir)
{
	static const char *const marks[] = { ".tar", ".packed", ".unpacked",
	    ".claim", ".whole", ".gone", ".bundle", ".bundle.tmp" };
	char p[PATH_MAX], b[PATH_MAX], prev[NAME_MAX + 2];
	size_t i;

	if (!safe_token(dir))
		return;
	prev_of(sp, dir, prev);
	/* the bundle's inode goes with the directory, for the next bundle */
	if (sp->mark[0] != '\0' &&
	    pathf(p, "%s/%s.bundle", sp->jobs, dir) == 0 &&
	    pathf(b, "%s/%s/.bundle-free", sp->jobs, dir) == 0)
		rename(p, b);
	/* the directory first: while it is there, its marks are (agent.sh,
	 * unqueue_all, looks for a job still waiting) */
	recycle(sp, dir);
	for (i = 0; i < sizeof marks / sizeof *marks; i++)
		if (pathf(p, "%s/%s%s", sp->jobs, dir, marks[i]) == 0)
			unlink(p);
	if (safe_token(prev)) {
		if (pathf(p, "%s/%s.ended", sp->jobs, prev) == 0)
			unlink(p);
		if (pathf(p, "%s/%s.next", sp->jobs, prev) == 0)
			unlink(p);
	}
}

/* The marks' inode: RUNDIR/jobs/.mark-PID (mark_make). */
static void
mark_init(struct spawn *sp)
{
	int fd;

	if (pathf(sp->mark, "%s/.mark-%ld", sp->jobs, (long)getpid()) == -1 ||
	    (fd = open(sp->mark, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1) {
		sp->mark[0] = '\0';
		return;
	}
	close(fd);
}

/* The end: recycled directories and the marks' name removed. */
static void
spawn_end(struct spawn *sp)
{
	size_t i;

	while (sp->npool > 0) {
		rm_tree(sp->pool[--sp->npool]);
		free(sp->pool[sp->npool]);
	}
	if (sp->mark[0] != '\0')
		unlink(sp->mark);
	for (i = 0; i < PREVS; i++) {
		free(sp->prevs[i].dir);
		free(sp->prevs[i].prev);
	}
}

/* --- the loop -------------------------------------------------------- */

static int
spawn_usage(void)
{
	fprintf(stderr, "usage: dist-helper -S -f FIFO -g AGENT "
	    "-R RUN_ESC -r RUN -m MKEY [-l PROCS] [-o RELAY] -j STATIC "
	    "-c CORES -D DIRECT -x SH -X SCRIPT -T TOOLDIR -W WORKDIR "
	    "-C CONFIG -U RUNDIR\n");
	return 2;
}

static int
spawn_options(struct spawn *sp, int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "f:g:R:r:m:l:o:j:c:D:x:X:T:W:C:U:H"))
	    != -1)
		switch (c) {
		case 'f': sp->fifo = optarg; break;
		case 'g': sp->gen = optarg; break;
		case 'R': sp->run_e = optarg; break;
		case 'r': sp->run = optarg; break;
		case 'm': sp->mkey = optarg; break;
		case 'l': sp->procs = *optarg != '\0' ? optarg : NULL; break;
		case 'o': sp->relay = *optarg != '\0' ? optarg : NULL; break;
		case 'j': sp->static_j = optarg; break;
		case 'c': sp->cores = atol(optarg); break;
		case 'D': sp->direct = strcmp(optarg, "1") == 0; break;
		case 'x': sp->shcmd = optarg; break;
		case 'X': sp->script = optarg; break;
		case 'T': sp->tooldir = optarg; break;
		case 'W': sp->workdir = optarg; break;
		case 'C': sp->config = optarg; break;
		case 'U': sp->rundir = optarg; break;
		case 'H': sp->slow = 1; break;
		default: return -1;
		}
	if (sp->fifo == NULL || sp->run_e == NULL ||
	    sp->run == NULL || sp->mkey == NULL || sp->static_j == NULL ||
	    sp->shcmd == NULL || sp->script == NULL || sp->tooldir == NULL ||
	    sp->workdir == NULL || sp->config == NULL || sp->rundir == NULL ||
	    sp->gen == NULL || optind != argc ||
	    pathf(sp->jobs_dir, "%s/jobs", sp->rundir) == -1)
		return -1;
	sp->jobs = sp->jobs_dir;
	sp->agent = (pid_t)atol(sp->gen);
	return 0;
}

int
spawn_main(int argc, char **argv)
{
	struct spawn sp = { 0 };
	struct lines l = { .fd = -1 };
	struct sigaction sa;
	char *line;

	if (spawn_options(&sp, argc, argv) == -1)
		return spawn_usage();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_child;	/* no SA_RESTART: poll returns */
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGHUP, SIG_IGN);	/* outlives the connection */
	signal(SIGPIPE, SIG_IGN);
	mark_init(&sp);
	if ((l.fd = open(sp.fifo, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "dist-helper: %s: %s\n", sp.fifo,
		    strerror(errno));
		return 1;
	}
	while ((line = next_line(&sp, &l)) != NULL) {
		if (strncmp(line, "job ", 4) == 0)
			spawn_job(&sp, &l, line + 4);
		else if (strncmp(line, "forget ", 7) == 0)
			forget(&sp, line + 7);
		reap();
	}
	close(l.fd);
	unlink(sp.fifo);
	free(l.buf);
	spawn_end(&sp);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}
