/*
 * table-generator.c - BenchExec's table-generator on a run's merged
 * results: found on $PATH (or given), run without a shell on table.xml,
 * its HTML and CSV written beside it (benchexec.h).
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "results/benchexec.h"

extern char **environ;

static int
executable(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    access(path, X_OK) == 0;
}

char *
table_generator_find(const char *given, char **cause)
{
	const char *path = getenv("PATH"), *p, *e;
	char *cand;

	if (given != NULL) {
		if (executable(given))
			return xstrdup(given);
		set_cause(cause, "--table-generator: '%s' is not an executable "
		    "file", given);
		return NULL;
	}
	for (p = path != NULL ? path : ""; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		if (e == p || *p != '/')	/* "" and relative: not "." */
			continue;
		cand = xasprintf("%.*s/table-generator", (int)(e - p), p);
		if (executable(cand))
			return cand;
		free(cand);
	}
	return NULL;
}

void
table_generator_argv(const struct bx_merged *m, const char *prog, int quiet,
    struct strvec *argv)
{
	sv_push(argv, prog);
	sv_push(argv, "-x");
	sv_push(argv, m->table);
	sv_push(argv, "-o");
	sv_push(argv, m->dir);
	sv_push(argv, "-n");
	sv_push(argv, m->name);
	if (quiet)
		sv_push(argv, "-q");
}

int
table_generator_run(const char *path, const struct strvec *argv,
    char **cause)
{
	char **v = xcalloc(argv->n + 1, sizeof *v);
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	pid_t pid;
	int err, status;
	size_t i;

	for (i = 0; i < argv->n; i++)
		v[i] = argv->v[i];
	/* the caller's blocked and ignored signals (the run's) are not its */
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF);
	err = posix_spawn(&pid, path, NULL, &attr, v, environ);
	posix_spawnattr_destroy(&attr);
	free(v);
	if (err != 0)
		return set_cause(cause, "%s: %s", path, strerror(err));
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return set_cause(cause, "%s: %s", path, strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return set_cause(cause, "%s exited %d", path,
		    WEXITSTATUS(status));
	return set_cause(cause, "%s killed by signal %d", path,
	    WTERMSIG(status));
}

void
table_generator_outputs(const struct bx_merged *m, struct strvec *out)
{
	static const char *const ext[] = { "html", "csv" };
	struct stat sb;
	size_t i;
	char *p;

	for (i = 0; i < ARRAY_SIZE(ext); i++) {
		p = xasprintf("%s/%s.table.%s", m->dir, m->name, ext[i]);
		if (stat(p, &sb) == 0)
			sv_push(out, p);
		free(p);
	}
}
