/*
 * cmd-run.c - "distribute [run]": check every input, then print the plan
 * (--dry-run) or run the jobs on the machines.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "input/input.h"
#include "lib/lib.h"
#include "run/run.h"

int
cmd_run(struct dist_opts *o, int argc, char **argv)
{
	struct dist_plan plan = { 0 };
	char *cause = NULL;
	int rc;

	if (argc > 0)
		o->archive_path = argv[0];
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
		plan_free(&plan);
		return EXIT_OK;
	}
	rc = run_execute(&plan, &cause);
	if (cause != NULL) {
		error("%s", cause);
		free(cause);
	}
	plan_free(&plan);
	return rc;
}
