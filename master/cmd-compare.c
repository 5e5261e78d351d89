/*
 * cmd-compare.c - "distribute compare A B": load the results of two runs
 * (or two job directories), print their comparison as Markdown or JSON.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "lib/lib.h"
#include "results/results.h"

static int
compare_dirs(const struct compare_opts *co, int json, const char *da,
    const char *db)
{
	struct metric_table a, b;
	struct compare_result res;
	char *cause = NULL, *out;
	int rc = EXIT_USAGE;

	metrics_init(&a);
	metrics_init(&b);
	if (compare_load(da, &a, &cause) == -1 ||
	    compare_load(db, &b, &cause) == -1) {
		error("compare: %s", cause);
		goto out;
	}
	compare_tables(&a, da, &b, db, co, &res);
	out = json ? compare_json(&res) : compare_markdown(&res);
	fputs(out, stdout);
	free(out);
	compare_free(&res);
	rc = EXIT_OK;
out:
	free(cause);
	metrics_free(&a);
	metrics_free(&b);
	return rc;
}

int
cmd_compare(struct dist_opts *o, int argc, char **argv)
{
	struct compare_opts co;

	if (argc != 2) {
		error("compare needs two result directories\nusage: "
		    "distribute compare [--json] [--min-change PERCENT] A B");
		return EXIT_USAGE;
	}
	compare_opts_init(&co);
	co.min_change = o->min_change;
	return compare_dirs(&co, o->json, argv[0], argv[1]);
}
