/*
 * cmd-compare.c - "distribute compare A B": two sides, each a result
 * directory (a run's, or a job's) or something in the results store (a
 * run by store id, run id or name, "run:ID", "name:NAME", "rev:COMMIT"),
 * compared as Markdown, --json or --csv.
 *
 * An argument holding '/' or naming an existing directory is a directory;
 * anything else is looked up in the store; a bare word that may be two
 * things there is an error listing them.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lib/lib.h"
#include "results/results.h"
#include "store/store.h"

static int
is_directory_arg(const char *arg)
{
	struct stat st;

	return strchr(arg, '/') != NULL ||
	    (stat(arg, &st) == 0 && S_ISDIR(st.st_mode));
}

/* One side from the store; *label: what it is. */
static int
load_stored(struct dist_opts *o, struct db **db, const char *arg,
    struct metric_table *t, struct strvec *fp, char **label, char **cause)
{
	char *full = NULL;
	int64_t run;

	if (*db == NULL && cli_store_open(o, db, STORE_READ) == -1)
		return set_cause(cause, "'%s' is no directory, and the store "
		    "cannot be read", arg);
	if (strncmp(arg, "rev:", 4) == 0) {
		if (store_query_revision(*db, arg + 4, t, fp, &full,
		    cause) == -1)
			return -1;
		*label = xasprintf("rev:%s", full);
		free(full);
		return 0;
	}
	if ((run = store_resolve_run(*db, arg, cause)) == -1 ||
	    store_query_run(*db, run, t, fp, cause) == -1)
		return -1;
	*label = store_run_label(*db, run);
	return 0;
}

static int
load_side(struct dist_opts *o, struct db **db, const char *arg,
    struct metric_table *t, struct strvec *fp, char **label, char **cause)
{
	if (is_directory_arg(arg)) {
		*label = xstrdup(arg);
		return compare_load(arg, t, cause);
	}
	return load_stored(o, db, arg, t, fp, label, cause);
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static char *
joined(struct strvec *v)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	qsort(v->v, v->n, sizeof *v->v, cmp_str);
	for (i = 0; i < v->n; i++)
		sb_addf(&sb, "%s%s", i > 0 ? "; " : "", v->v[i]);
	return sb_detach(&sb);
}

/* Stored sides: their machine identities (fingerprints) differ. */
static void
fingerprint_warning(struct compare_result *res, struct strvec *fa,
    struct strvec *fb)
{
	char *a, *b;

	if (fa->n == 0 || fb->n == 0)
		return;
	a = joined(fa);
	b = joined(fb);
	if (strcmp(a, b) != 0)
		sv_pushf(&res->warnings, "different machines: A ran on '%s', "
		    "B on '%s'", a, b);
	free(a);
	free(b);
}

int
cmd_compare(struct dist_opts *o, int argc, char **argv)
{
	struct metric_table a, b;
	struct compare_result res;
	struct compare_opts co;
	struct db *db = NULL;
	struct strvec fa = STRVEC_INIT, fb = STRVEC_INIT;
	char *cause = NULL, *out, *la = NULL, *lb = NULL;
	int rc = EXIT_USAGE;

	if (argc != 2) {
		error("compare needs two runs or result directories\nusage: "
		    "distribute compare [--json|--csv] [--min-change PERCENT] "
		    "[--pool-machines] A B");
		return EXIT_USAGE;
	}
	compare_opts_init(&co);
	co.min_change = o->min_change;
	co.pool_machines = o->pool_machines;
	metrics_init(&a);
	metrics_init(&b);
	if (load_side(o, &db, argv[0], &a, &fa, &la, &cause) == -1 ||
	    load_side(o, &db, argv[1], &b, &fb, &lb, &cause) == -1) {
		error("compare: %s", cause);
		goto out;
	}
	compare_tables(&a, la, &b, lb, &co, &res);
	fingerprint_warning(&res, &fa, &fb);
	out = o->json ? compare_json(&res) : o->csv ? compare_csv(&res) :
	    compare_markdown(&res);
	fputs(out, stdout);
	free(out);
	compare_free(&res);
	rc = EXIT_OK;
out:
	db_close(db);
	free(cause);
	free(la);
	free(lb);
	metrics_free(&a);
	metrics_free(&b);
	sv_clear(&fa);
	sv_clear(&fb);
	return rc;
}
