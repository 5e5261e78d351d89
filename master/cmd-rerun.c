/*
 * cmd-rerun.c - "distribute rerun RUN --failed": the failed jobs of a
 * finished run, run again as a new run linked to the first (run.json
 * "rerun_of"), with the first run's command line, config and machines
 * (its input/ copies) and its tool archive, read from the recorded path
 * and refused if its sha256 is not the recorded one.
 *
 * RUN is a run directory (an argument with '/' or naming a directory),
 * or a run of the store (store id, run id, name, run:, name:) whose
 * run_dir is used.
 */
#include <sys/stat.h>

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lib/lib.h"
#include "store/store.h"

struct first_run {
	char		 dir[PATH_MAX];
	struct jv	*json;		/* its run.json */
	struct strvec	 failed;	/* the failed job ids */
	struct strvec	 words;		/* its input/argv */
};

static int
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The run directory a store run was written from. */
static int
stored_run_dir(struct dist_opts *o, const char *arg, char **dir,
    char **cause)
{
	struct db *db;
	struct db_stmt *st;
	int64_t id;
	int r = -1;

	if (cli_store_open(o, &db, STORE_READ) == -1)
		return set_cause(cause, "'%s' is no run directory, and the "
		    "store cannot be read", arg);
	if ((id = store_resolve_run(db, arg, cause)) == -1)
		goto out;
	st = db_prepare(db, "SELECT run_dir FROM runs WHERE id = ?", cause);
	if (st == NULL)
		goto out;
	db_bind_int64(st, 1, id);
	if ((r = db_step(st, cause)) == 1 && !db_column_is_null(st, 0)) {
		*dir = xstrdup(db_column_text(st, 0));
		r = 0;
	} else if (r != -1)
		r = set_cause(cause, "run '%s' has no run directory recorded "
		    "in %s", arg, db_where(db));
	db_finalize(st);
out:
	db_close(db);
	return r;
}

static int
load_words(struct first_run *f, char **cause)
{
	char *path = xasprintf("%s/input/argv", f->dir), *data, *p;
	size_t len;

	if (read_file(path, &data, &len, cause) == -1) {
		free(path);
		return prefix_cause(cause, "not a run that can be rerun");
	}
	for (p = data; p < data + len; p += strlen(p) + 1)
		sv_push(&f->words, p);
	free(data);
	free(path);
	if (f->words.n == 0)
		return set_cause(cause, "%s/input/argv: empty", f->dir);
	return 0;
}

static int
load_first(struct first_run *f, char **cause)
{
	char *path = xasprintf("%s/run.json", f->dir), *data;
	const struct jv *jobs, *state;
	size_t len, i;
	int rc = -1;

	if (read_file(path, &data, &len, cause) == -1)
		goto out;
	f->json = jv_parse(data, len, path, cause);
	free(data);
	if (f->json == NULL)
		goto out;
	state = jv_get(f->json, "state");
	if (jv_str(state) == NULL || strcmp(jv_str(state), "running") == 0) {
		set_cause(cause, "%s: the run is not finished (state %s): "
		    "resume it first", path, jv_str(state) != NULL ?
		    jv_str(state) : "unknown");
		goto out;
	}
	jobs = jv_get(f->json, "jobs");
	for (i = 0; jv_is(jobs, JV_ARRAY) && i < jobs->n; i++) {
		const char *st = jv_str(jv_get(&jobs->v[i], "status"));
		const char *id = jv_str(jv_get(&jobs->v[i], "id"));

		if (id != NULL && st != NULL && strcmp(st, "failed") == 0)
			sv_push(&f->failed, id);
	}
	rc = load_words(f, cause);
out:
	free(path);
	return rc;
}

/* The first run's options, with its input/ copies, only its failed jobs
 * and its archive (checked against the recorded sha256 by plan_load). */
static int
rerun(struct dist_opts *o, struct first_run *f)
{
	const struct jv *ar = jv_get(f->json, "archive");
	struct dist_opts r;
	char *machines = NULL, *config = NULL, *root = xstrdup(f->dir), *copy;
	char **saved = xcalloc(f->words.n + 1, sizeof *saved);
	int first, shift, rc = EXIT_USAGE;
	size_t i;

	dist_opts_init(&r);
	/* the words in their order, as the new run's input/argv */
	memcpy(saved, f->words.v, f->words.n * sizeof *saved);
	shift = f->words.n > 1 && strcmp(f->words.v[1], "run") == 0;
	if (shift) {
		char *cmd = f->words.v[1];

		f->words.v[1] = f->words.v[0];
		f->words.v[0] = cmd;
	}
	if (cli_parse_resume(&r, (int)f->words.n - shift, f->words.v + shift,
	    &first) != 0)
		goto out;
	machines = xasprintf("%s/input/machines", f->dir);
	copy = xstrdup(r.config_path);
	config = xasprintf("%s/input/%s", f->dir, basename(copy));
	free(copy);
	r.machines_path = machines;
	r.config_path = config;
	r.results_dir = o->results_dir != NULL &&
	    strcmp(o->results_dir, DEFAULT_RESULTS) != 0 ? o->results_dir :
	    dirname(root);
	r.name = jv_str(jv_get(f->json, "name"));
	r.rerun_of = jv_str(jv_get(f->json, "run_id"));
	r.archive_path = jv_str(jv_get(ar, "path"));
	r.archive_sha256 = jv_str(jv_get(ar, "sha256"));
	if (o->db_url != NULL)
		r.db_url = o->db_url;
	for (i = 0; i < f->failed.n; i++)
		sv_push(&r.only_jobs, f->failed.v[i]);
	/* input/argv of the new run: the first run's words (resume reads
	 * them; input/only-jobs and input/rerun-of say the rest) */
	r.argv_line = xstrdup(o->argv_line);
	r.argc = (int)f->words.n;
	r.argv = saved;
	r.verbosity = o->verbosity;
	r.progress = o->progress;
	info("rerun of %s: %zu failed job%s", r.rerun_of != NULL ?
	    r.rerun_of : f->dir, f->failed.n, f->failed.n == 1 ? "" : "s");
	/* the archive: the recorded one, never an operand of the first run */
	rc = cmd_run(&r, 0, NULL);
out:
	free(saved);
	free(root);
	free(machines);
	free(config);
	dist_opts_free(&r);
	return rc;
}

int
cmd_rerun(struct dist_opts *o, int argc, char **argv)
{
	struct first_run f;
	char *cause = NULL, *dir = NULL;
	int rc = EXIT_USAGE;

	if (argc != 1 || !o->failed) {
		error("usage: distribute rerun RUN --failed");
		return EXIT_USAGE;
	}
	memset(&f, 0, sizeof f);
	if (strchr(argv[0], '/') == NULL && !is_dir(argv[0]) &&
	    stored_run_dir(o, argv[0], &dir, &cause) == -1)
		goto out;
	if (realpath(dir != NULL ? dir : argv[0], f.dir) == NULL) {
		set_cause(&cause, "%s: no such run directory",
		    dir != NULL ? dir : argv[0]);
		goto out;
	}
	if (load_first(&f, &cause) == -1)
		goto out;
	if (f.failed.n == 0) {
		printf("%s: no failed job: nothing to rerun\n", f.dir);
		rc = EXIT_OK;
		goto out;
	}
	rc = rerun(o, &f);
out:
	if (cause != NULL) {
		error("rerun: %s", cause);
		free(cause);
	}
	free(dir);
	jv_free(f.json);
	sv_clear(&f.failed);
	sv_clear(&f.words);
	return rc;
}
