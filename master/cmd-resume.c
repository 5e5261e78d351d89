/*
 * cmd-resume.c - "distribute resume [RESULTS/RUN-ID]": carry on with a run
 * whose master crashed or was interrupted, from its journal: reattach to
 * jobs still running on the workers, collect those that finished, run the
 * rest.  The run's own command line and input copies (input/) are used.
 */
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lib/lib.h"

/* The saved command line: NUL-separated words. */
static int
load_argv(const char *run_dir, struct strvec *sv, char **cause)
{
	char *path = xasprintf("%s/input/argv", run_dir), *data, *p;
	size_t len;

	if (read_file(path, &data, &len, cause) == -1) {
		prefix_cause(cause, "not a resumable run");
		free(path);
		return -1;
	}
	for (p = data; p < data + len; p += strlen(p) + 1)
		sv_push(sv, p);
	free(data);
	if (sv->n == 0)
		set_cause(cause, "%s: empty", path);
	free(path);
	return sv->n > 0 ? 0 : -1;
}

/* The saved copy of the config: input/ holds argv, machines and it. */
static char *
config_copy(const char *run_dir, const char *config_path)
{
	char *copy = xstrdup(config_path), *path;

	path = xasprintf("%s/input/%s", run_dir, basename(copy));
	free(copy);
	return path;
}

/* input/only-jobs, input/db (unless --db was given again) and
 * input/rerun-of (run-resume.c). */
static int
load_rerun(const char *run_dir, struct dist_opts *r, char **rerun_of,
    char **db_url)
{
	char *path = xasprintf("%s/input/only-jobs", run_dir), *data, *line;
	char *save, *cause = NULL;
	size_t len;
	int rc = 0;

	if (access(path, F_OK) == 0) {
		if (read_file(path, &data, &len, &cause) == -1)
			rc = -1;
		else {
			for (line = strtok_r(data, "\n", &save); line != NULL;
			    line = strtok_r(NULL, "\n", &save))
				sv_push(&r->only_jobs, line);
			free(data);
		}
	}
	free(path);
	path = xasprintf("%s/input/db", run_dir);
	if (rc == 0 && r->db_url == NULL && access(path, F_OK) == 0) {
		if (read_file(path, &data, &len, &cause) == -1)
			rc = -1;
		else
			r->db_url = *db_url = data;
	}
	free(path);
	path = xasprintf("%s/input/rerun-of", run_dir);
	if (rc == 0 && access(path, F_OK) == 0) {
		if (read_file(path, &data, &len, &cause) == -1)
			rc = -1;
		else
			r->rerun_of = *rerun_of = data;
	}
	if (rc == -1) {
		error("%s", cause);
		free(cause);
	}
	free(path);
	return rc;
}

static int
resume_run(struct dist_opts *o, const char *run_dir, struct strvec *sv)
{
	struct dist_opts r;
	char *machines = NULL, *config = NULL, *root, *rerun_of = NULL;
	char *db_url = NULL;
	int first, shift, rc = EXIT_USAGE;

	dist_opts_init(&r);
	shift = sv->n > 1 && strcmp(sv->v[1], "run") == 0;
	if (shift) {	/* the program's name before the options; swapped,
			   not copied: sv_clear() frees each word once */
		char *cmd = sv->v[1];

		sv->v[1] = sv->v[0];
		sv->v[0] = cmd;
	}
	if (cli_parse_resume(&r, (int)sv->n - shift, sv->v + shift,
	    &first) != 0)
		goto out;
	machines = xasprintf("%s/input/machines", run_dir);
	config = config_copy(run_dir, r.config_path);
	root = xstrdup(run_dir);
	r.machines_path = machines;
	r.config_path = config;
	r.results_dir = dirname(root);
	r.resume_dir = run_dir;
	if (load_rerun(run_dir, &r, &rerun_of, &db_url) == -1)
		goto out;
	r.argv_line = xstrdup(o->argv_line);
	r.argc = o->argc;
	r.argv = o->argv;
	rc = cmd_run(&r, (int)sv->n - shift - first, sv->v + shift + first);
	free(root);
out:
	free(machines);
	free(config);
	free(rerun_of);
	free(db_url);
	dist_opts_free(&r);
	return rc;
}

int
cmd_resume(struct dist_opts *o, int argc, char **argv)
{
	struct strvec sv = STRVEC_INIT;
	char real[PATH_MAX], *dir, *cause = NULL;
	int rc;

	dir = argc > 0 ? xstrdup(argv[0]) :
	    xasprintf("%s/CURRENT", o->results_dir);
	if (realpath(dir, real) == NULL) {
		error("%s: no such run", dir);
		free(dir);
		return EXIT_USAGE;
	}
	free(dir);
	if (load_argv(real, &sv, &cause) == -1) {
		error("%s: %s", real, cause);
		free(cause);
		sv_clear(&sv);
		return EXIT_USAGE;
	}
	rc = resume_run(o, real, &sv);
	sv_clear(&sv);
	return rc;
}
