/*
 * dist-helper.c - distribute's per-job supervisor on a worker, in C: the
 * agent (agent.sh, sv_helper) execs it in the background in place of its
 * sh supervisor, so that a job costs the worker this process and the job's
 * own, and no shell interpreting between them.  Built static (musl-gcc
 * -static), pushed by the master into WORKDIR/tools/dist-helper-SHA256;
 * the agent runs "dist-helper --version" once and falls back to its sh
 * supervisor when that does not print HELPER_VERSION.
 *
 *	dist-helper -s SLOT -g AGENT -J RUNDIR/jobs -d JOBDIR -q SEQ [-p PREV]
 *	    -i JOBID -m MKEY -R RUN -T TOKEN [-t SECS] [-l PROCS] [-o RELAY]
 *	    -w CWD [-e HEAD -E TAIL] [-F] -- CMD...
 *	dist-helper -S ...	the resident spawner (dist-helper-spawn.c)
 *	dist-helper -L FIFO	the agent's relay (dist-helper-relay.c)
 *
 * What the sh supervisor does, in the same order and with the same files
 * (agent.sh, supervise): wait for the slot's turn (PREV.ended, the FIFO
 * .go-AGENT-SLOT-N), claim JOBDIR.claim (taken back: hand over, exit), fork the
 * job in its own session (stdin /dev/null, ./stdout, ./stderr appended,
 * cwd CWD, DIST_JOB_TOKEN=TOKEN added to the environment we were given),
 * record it in PROCS, write ./status (supervisor=helper), report
 * "started"; wait (SECS: then kill its tree, exit 124), hand the slot
 * over, report "ended", write env.json (HEAD, the 1-minute load, TAIL),
 * append the end to ./status, mark JOBDIR.whole (the master copies the
 * directory, or asks the agent to pack a big one), report "done".  -F: strict isolation refused the job: it exits 126 unstarted.
 * A TERM is passed on to the job's process group.  Exit codes of the job
 * as sh gives them: 125 it could not start, 126 not executable, 127 not
 * found, 128+N killed by signal N.  POSIX only.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dist-helper.h"

#define HELPER_VERSION	"dist-helper 1"



static volatile sig_atomic_t got_alarm, got_term;

static void
on_signal(int sig)
{
	if (sig == SIGALRM)
		got_alarm = 1;
	else
		got_term = 1;
}

/* The FIFO job number n of the slot waits on (agent.sh, slot_fifo). */
static int
slot_fifo(const struct sv *s, char *buf, long n)
{
	return pathf(buf, "%s/.go-%s-%s-%ld", s->jobs, s->gen, s->slot, n % 8);
}

/* Wait until the slot's previous job has ended (agent.sh, sv_turn). */
static void
turn(const struct sv *s)
{
	char ended[PATH_MAX], next[PATH_MAX], f[PATH_MAX], gone[PATH_MAX], c;
	struct stat st;
	int fd;

	if (s->prev == NULL ||
	    pathf(ended, "%s/%s.ended", s->jobs, s->prev) == -1 ||
	    access(ended, F_OK) == 0)
		return;
	if (slot_fifo(s, f, s->seq) == -1 || stat(f, &st) == -1 ||
	    !S_ISFIFO(st.st_mode) || (fd = open(f, O_RDWR)) == -1) {
		while (access(ended, F_OK) == -1)	/* no FIFOs: look */
			sleep(1);
		return;
	}
	if (pathf(next, "%s/%s.next", s->jobs, s->prev) == 0)
		mark_make(s, next, 0, "");
	/* JOBDIR.gone: its agent went away (agent.sh, sv_turn): never wait
	 * for a turn that may go to a later agent's job on this FIFO */
	if (pathf(gone, "%s.gone", s->jd) == -1)
		gone[0] = '\0';
	while (access(ended, F_OK) == -1 &&
	    (gone[0] == '\0' || access(gone, F_OK) == -1) &&
	    read(fd, &c, 1) == -1 && errno == EINTR)
		;
	close(fd);
}

/* This job has ended (or will never start): the slot's next may go. */
static void
pass(const struct sv *s)
{
	char p[PATH_MAX], f[PATH_MAX], line[NAME_MAX + 2];
	int fd;

	snprintf(line, sizeof line, "%s\n", s->prev != NULL ? s->prev : "");
	if (pathf(p, "%s.ended", s->jd) == 0)
		mark_make(s, p, 0, line);
	if (pathf(p, "%s.next", s->jd) == 0 && access(p, F_OK) == 0 &&
	    slot_fifo(s, f, s->seq + 1) == 0 && (fd = open(f, O_RDWR)) != -1) {
		write_all(fd, "\n", 1);
		close(fd);
	}
}

/* Record pid and its start in clock ticks in LOCKFILE.procs. */
void
lock_note(const struct sv *s, pid_t pid)
{
	char p[64], buf[1024], line[64], *q;
	unsigned long long ticks;
	ssize_t n;
	int fd, i;

	if (s->procs == NULL)
		return;
	snprintf(p, sizeof p, "/proc/%ld/stat", (long)pid);
	if ((fd = open(p, O_RDONLY)) == -1)
		return;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if ((q = strrchr(buf, ')')) == NULL)
		return;
	for (i = 0; i < 20 && q != NULL; i++)	/* to field 22 */
		q = strchr(q + 1, ' ');
	if (q == NULL || sscanf(q, " %llu", &ticks) != 1)
		return;
	snprintf(line, sizeof line, "%ld %llu\n", (long)pid, ticks);
	put_file(s->procs, O_APPEND, line);
}

/* Does process dir (under /proc) carry "DIST_JOB_TOKEN=token"? */
static int
has_token(const char *dir, const char *token)
{
	char p[300], *buf = NULL, *e, *z, *nb;
	size_t cap = 0, len = 0;
	ssize_t n = 1;
	int fd, found = 0;

	snprintf(p, sizeof p, "/proc/%s/environ", dir);
	if ((fd = open(p, O_RDONLY)) == -1)
		return 0;
	while (n > 0 && cap < (8u << 20)) {
		if (len + 4096 > cap) {
			if ((nb = realloc(buf, cap + 65536)) == NULL)
				break;
			buf = nb;
			cap += 65536;
		}
		if ((n = read(fd, buf + len, cap - len - 1)) > 0)
			len += (size_t)n;
	}
	close(fd);
	if (buf == NULL)
		return 0;
	buf[len] = '\0';	/* entries are NUL-terminated */
	for (e = buf; !found && e < buf + len; e = z + 1) {
		z = e + strlen(e);
		found = strncmp(e, "DIST_JOB_TOKEN=", 15) == 0 &&
		    strcmp(e + 15, token) == 0;
	}
	free(buf);
	return found;
}

/* Kill the job's whole tree: its process group, then (10 rounds) every
 * process carrying its token, stopped first (agent.sh, tree_kill). */
static void
tree_kill(const struct sv *s)
{
	pid_t found[1024];
	struct dirent *d;
	size_t n, i;
	DIR *dp;

	if (kill(-s->pid, SIGKILL) == -1)
		kill(s->pid, SIGKILL);
	for (int round = 0; round < 10; round++) {
		if ((dp = opendir("/proc")) == NULL)
			return;
		n = 0;
		while ((d = readdir(dp)) != NULL && n < 1024) {
			pid_t p = (pid_t)atol(d->d_name);

			if (p > 0 && p != getpid() &&
			    has_token(d->d_name, s->token) &&
			    kill(p, SIGSTOP) == 0)
				found[n++] = p;
		}
		closedir(dp);
		for (i = 0; i < n; i++)
			kill(found[i], SIGKILL);
		if (n == 0)
			return;
	}
}

/* execv path; a file without a magic number is run by sh.  The errno
 * worth telling (not "no such file"), else 0. */
static int
try_exec(const char *path, char **argv)
{
	execv(path, argv);
	if (errno == ENOEXEC) {
		argv[-1] = (char *)"sh";
		argv[0] = (char *)path;
		execv("/bin/sh", argv - 1);
	}
	return errno == ENOENT || errno == ENOTDIR ? 0 : errno;
}

/* exec argv[0] as sh would, searched in PATH; 126 or 127 (sh's exit
 * statuses) when it cannot be. */
static void
exec_job(char **argv)
{
	const char *p = getenv("PATH"), *q;
	const char *name = argv[0];
	char full[PATH_MAX];
	int err = 0, e;

	if (p == NULL)
		p = "/usr/local/bin:/usr/bin:/bin";
	if (strchr(name, '/') != NULL)
		err = try_exec(name, argv);
	else
		for (;; p = q + 1) {
			q = p + strcspn(p, ":");
			if (snprintf(full, sizeof full, "%.*s%s%s", (int)(q - p),
			    p, q == p ? "" : "/", name) < (int)sizeof full &&
			    (e = try_exec(full, argv)) != 0 && err == 0)
				err = e;
			if (*q == '\0')
				break;
		}
	if (err == 0)
		dprintf(2, "distribute: %s: not found\n", name);
	else
		dprintf(2, "distribute: %s: %s\n", name, strerror(err));
	_exit(err == 0 ? 127 : 126);
}

/* In the job's process: its session, files, directory, token; exec. */
static void
child(const struct sv *s, char **argv, int argc)
{
	char p[PATH_MAX];
	int fd;

	signal(SIGPIPE, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	setsid();
	if ((fd = open("/dev/null", O_RDONLY)) == -1 || dup2(fd, 0) == -1 ||
	    pathf(p, "%s/stdout", s->jd) == -1 ||
	    (fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0666)) == -1 ||
	    dup2(fd, 1) == -1 || pathf(p, "%s/stderr", s->jd) == -1 ||
	    (fd = open(p, O_WRONLY | O_CREAT | O_APPEND, 0666)) == -1 ||
	    dup2(fd, 2) == -1)
		_exit(125);
	if (fd > 2)
		close(fd);
	if (s->refused)
		_exit(126);
	if (chdir(s->cwd) == -1) {
		dprintf(2, "distribute: cannot cd to %s: %s\n", s->cwd,
		    strerror(errno));
		_exit(125);
	}
	if (setenv("DIST_JOB_TOKEN", s->token, 1) == -1)
		_exit(125);
	if (argc == 0) {
		dprintf(2, "distribute: the job has no arguments\n");
		_exit(127);
	}
	exec_job(argv);
}

/* A recycled job directory's file for name (dist-helper-spawn.c,
 * recycle): ".status-free" or ".env-free" in it, or NULL. */
static const char *
spare(const struct sv *s, const char *name, char buf[PATH_MAX])
{
	if (s->mark == NULL || pathf(buf, "%s/.%s-free", s->jd,
	    strcmp(name, "env.json") == 0 ? "env" : name) == -1)
		return NULL;
	return buf;
}

static void
status_running(const struct sv *s, const char *start)
{
	char p[PATH_MAX], sp[PATH_MAX], text[PATH_MAX + 512];

	snprintf(text, sizeof text, "state=running\njob=%s\nslot=%s\n"
	    "machine=%s\nrun=%s\nstart=%s\npid=%ld\npgid=%ld\n"
	    "supervisor=helper\n", s->id, s->slot, s->mkey, s->run, start,
	    (long)s->pid, (long)s->pid);
	if (pathf(p, "%s/status", s->jd) == 0)
		put_reused(p, spare(s, "status", sp), O_TRUNC, text);
}

/* The job's exit status as sh's $? has it. */
static int
wait_job(const struct sv *s, int *timed_out)
{
	int st;

	while (waitpid(s->pid, &st, 0) == -1) {
		if (errno != EINTR)
			return 125;
		if (got_term) {
			got_term = 0;
			if (kill(-s->pid, SIGTERM) == -1)
				kill(s->pid, SIGTERM);
		}
		if (got_alarm && !*timed_out) {
			*timed_out = 1;
			tree_kill(s);
		}
	}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* env.json: HEAD, the 1-minute load now (a JSON number or null), TAIL. */
static void
env_json(const struct sv *s)
{
	char p[PATH_MAX], sp[PATH_MAX], load[32] = "", *text;
	size_t n, i;
	FILE *f;

	if (s->head == NULL || s->tail == NULL)
		return;
	if ((f = fopen("/proc/loadavg", "r")) != NULL) {
		if (fscanf(f, "%31s", load) != 1)
			load[0] = '\0';
		fclose(f);
	}
	n = strspn(load, "0123456789.");
	for (i = 0; load[i] != '\0' && load[i] != '.'; i++)
		;
	if (n == 0 || load[n] != '\0' || load[0] == '.' ||
	    load[n - 1] == '.' || strchr(load + i + 1, '.') != NULL ||
	    (load[0] == '0' && load[1] != '.' && load[1] != '\0'))
		snprintf(load, sizeof load, "null");
	n = strlen(s->head) + strlen(load) + strlen(s->tail) + 2;
	if ((text = malloc(n)) == NULL)
		return;
	snprintf(text, n, "%s%s%s\n", s->head, load, s->tail);
	if (pathf(p, "%s/env.json", s->jd) == 0)
		put_reused(p, spare(s, "env.json", sp), O_TRUNC, text);
	free(text);
}

/*
 * "done SLOT JOBDIR RC JOBDIR.bundle BASE64\n": the bundle in the line,
 * when the line fits in one write to the relay's FIFO that no other
 * supervisor's can cut (PIPE_BUF): the master reads no file over SFTP
 * for it (the files stay: after a reconnect it walks the directory).
 * The line's length, or -1.
 */
static int
done_inline(const struct sv *s, int rc, char *line, size_t size)
{
	int n, m;

	n = snprintf(line, size, "done %s %s %d %s.bundle ", s->slot, s->dir,
	    rc, s->dir);
	if (n < 0 || (size_t)n + 2 >= size ||
	    (m = bundle_base64(line + n, size - (size_t)n - 1)) == -1)
		return -1;
	line[n + m] = '\n';
	return n + m + 1;
}

static void
finish(struct sv *s, int rc, int timed_out)
{
	char p[PATH_MAX], sp[PATH_MAX], end[32], text[128], line[PIPE_BUF];
	int bundled, n;

	now(end);
	report(s, "ended %s %s", s->slot, s->dir);
	if (timed_out)
		rc = 124;
	env_json(s);
	if (spare(s, "env.json", p) != NULL)
		unlink(p);	/* never a stale one in the results */
	snprintf(text, sizeof text, "state=done\nend=%s\nexit=%d\n%s", end, rc,
	    timed_out ? "reason=timeout\n" : "");
	if (pathf(p, "%s/status", s->jd) == 0)
		put_file(p, O_APPEND, text);
	/* a small result in the "done" line itself, or in one file read in
	 * one go (dist-helper-bundle.c) */
	bundled = bundle_make(s->jd) == 0;
	n = bundled ? done_inline(s, rc, line, sizeof line) : -1;
	if (bundled && n == -1)
		bundled = pathf(p, "%s.bundle", s->jd) == 0 &&
		    bundle_put(p, spare(s, "bundle", sp)) == 0;
	if (spare(s, "bundle", sp) != NULL)
		unlink(sp);	/* unused: never in the results */
	/* the end of the job for a later agent (reattach): made last */
	if (pathf(p, "%s.whole", s->jd) == 0)
		mark_make(s, p, 0, "");
	if (n > 0)
		report_line(s, line, (size_t)n);
	else
		report(s, "done %s %s %d %s%s", s->slot, s->dir, rc, s->dir,
		    bundled ? ".bundle" : "");
}

static int
supervise(struct sv *s, char **argv, int argc)
{
	char p[PATH_MAX], start[32];
	int rc, timed_out = 0;

	turn(s);
	if (pathf(p, "%s.claim", s->jd) == -1 ||
	    mark_make(s, p, 1, "") == -1) {
		pass(s);	/* taken back ("unqueue"): never started */
		if (s->prev != NULL && pathf(p, "%s/%s.ended", s->jobs,
		    s->prev) == 0) {
			unlink(p);
			if (pathf(p, "%s/%s.next", s->jobs, s->prev) == 0)
				unlink(p);
		}
		return 0;
	}
	if ((s->pid = fork()) == 0)
		child(s, argv, argc);
	now(start);
	if (s->pid == -1) {
		s->pid = getpid();
		status_running(s, start);
		pass(s);
		finish(s, 125, 0);
		return 0;
	}
	lock_note(s, s->pid);
	status_running(s, start);
	report(s, "started %s %s %ld", s->slot, s->dir, (long)s->pid);
	if (s->timeout > 0)
		alarm(s->timeout);
	rc = wait_job(s, &timed_out);
	alarm(0);
	pass(s);
	finish(s, rc, timed_out);
	return 0;
}

/* Supervise one job (argv[-1] must be writable: exec_job's "sh"). */
int
sv_run(struct sv *s, char **argv, int argc)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;	/* no SA_RESTART: waitpid returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return supervise(s, argv, argc);
}

static int
usage(void)
{
	fprintf(stderr, "usage: dist-helper --version | -L FIFO | -s SLOT -g AGENT -J JOBS "
	    "-d JOBDIR -q SEQ [-p PREV] -i ID -m MKEY -R RUN -T TOKEN "
	    "[-t SECS] [-l PROCS] [-o RELAY] -w CWD [-e HEAD "
	    "-E TAIL] [-F] -- CMD...\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct sv s = { .gen = "0", .id = "", .mkey = "", .run = "" };
	int c;

	if (argc == 2 && strcmp(argv[1], "--version") == 0)
		return puts(HELPER_VERSION) == EOF ? 1 : 0;
	if (argc > 1 && strcmp(argv[1], "-S") == 0)
		return spawn_main(argc - 1, argv + 1);
	if (argc == 3 && strcmp(argv[1], "-L") == 0)
		return relay_main(argv[2]);
	while ((c = getopt(argc, argv, "s:g:J:d:q:p:i:m:R:T:t:l:o:w:e:E:F")) != -1)
		switch (c) {
		case 's': s.slot = optarg; break;
		case 'g': s.gen = optarg; break;
		case 'J': s.jobs = optarg; break;
		case 'd': s.dir = optarg; break;
		case 'q': s.seq = atol(optarg); break;
		case 'p': s.prev = *optarg != '\0' ? optarg : NULL; break;
		case 'i': s.id = optarg; break;
		case 'm': s.mkey = optarg; break;
		case 'R': s.run = optarg; break;
		case 'T': s.token = optarg; break;
		case 't': s.timeout = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'l': s.procs = *optarg != '\0' ? optarg : NULL; break;
		case 'o': s.relay = *optarg != '\0' ? optarg : NULL; break;
		case 'w': s.cwd = optarg; break;
		case 'e': s.head = optarg; break;
		case 'E': s.tail = optarg; break;
		case 'F': s.refused = 1; break;
		default: return usage();
		}
	if (s.slot == NULL || s.jobs == NULL || s.dir == NULL ||
	    s.token == NULL || s.cwd == NULL || optind < 1 ||
	    pathf(s.jd, "%s/%s", s.jobs, s.dir) == -1)
		return usage();
	/* argv[optind - 1] ("--") is free for exec_job's "sh" */
	if (strcmp(argv[optind - 1], "--") != 0)
		return usage();
	return sv_run(&s, argv + optind, argc - optind);
}
