/*
 * cmd-run.c - "distribute [run]": check every input, then print the plan
 * (--dry-run) or run the jobs on the machines.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "input/input.h"
#include "lib/lib.h"
#include "results/results.h"
#include "run/run.h"

/* --table-generator: there before the run, not found at its end. */
static int
check_table_generator(const struct dist_opts *o)
{
	char *path, *cause = NULL;

	if (o->table_generator == NULL || o->dry_run)
		return 0;
	if ((path = table_generator_find(o->table_generator, &cause)) == NULL) {
		error("%s", cause);
		free(cause);
		return -1;
	}
	free(path);
	return 0;
}

int
cmd_run(struct dist_opts *o, int argc, char **argv)
{
	struct dist_plan plan = { 0 };
	char *cause = NULL;
	int rc;

	if (argc > 0)
		o->archive_path = argv[0];
	if (check_table_generator(o) == -1)
		return EXIT_USAGE;
	if (notify_opts_check(&o->notify, &cause) == -1 ||
	    plan_load(o, &plan, &cause) == -1) {
		error("%s", cause);
		free(cause);
		plan_free(&plan);
		return EXIT_USAGE;
	}
	if (o->dry_run) {
		if (o->json)
			plan_print_json(&plan, stdout);
		else
			plan_print_text(&plan, stdout);
		/* a job no machine can take by known facts: as a run would */
		rc = plan_fit_refused(&plan) ? EXIT_RUNTIME : EXIT_OK;
		plan_free(&plan);
		return rc;
	}
	rc = run_execute(&plan, &cause);
	if (cause != NULL) {
		error("%s", cause);
		free(cause);
	}
	plan_free(&plan);
	return rc;
}
