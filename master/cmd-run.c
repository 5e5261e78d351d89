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

/* Mail and webhook settings: the settings file, then the command line. */
static int
load_notify(struct dist_opts *o, char **cause)
{
	struct notify_opts file;
	char *path;
	int rc;

	notify_opts_init(&file);
	if (o->settings_path != NULL)
		rc = settings_load(o->settings_path, notify_opts_set_cb, &file,
		    cause);
	else {
		path = settings_default_path();
		rc = path == NULL ? 0 : settings_load_optional(path,
		    notify_opts_set_cb, &file, cause);
		free(path);
	}
	if (rc == 0)
		notify_opts_merge(&o->notify, &file);
	notify_opts_free(&file);
	if (rc != 0)
		return -1;
	return notify_opts_check(&o->notify, cause);
}

int
cmd_run(struct dist_opts *o, int argc, char **argv)
{
	struct dist_plan plan = { 0 };
	char *cause = NULL;
	int rc;

	if (argc > 0)
		o->archive_path = argv[0];
	if (load_notify(o, &cause) == -1 || plan_load(o, &plan, &cause) == -1) {
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
