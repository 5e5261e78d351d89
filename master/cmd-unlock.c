/*
 * cmd-unlock.c - "distribute unlock": release your own leftover locks
 * (whose agent is gone); a lock of someone else, or one still in use, is
 * never touched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lib/lib.h"
#include "run/run.h"

static const struct probe_ask unlock_ask[] = {
	{ "unlock", NULL, "unlock" },
};

static const char *
unlock_text(const struct probe_result *r)
{
	size_t i;

	for (i = 0; i < r->lines.n; i++) {
		const char *l = r->lines.v[i];

		if (strcmp(l, "unlock none") == 0)
			return "no lock";
		if (strncmp(l, "unlock done", 11) == 0)
			return "released your leftover lock (same login; its "
			    "agent, supervisors and jobs are gone)";
		if (strncmp(l, "unlock notours ", 15) == 0)
			return "locked by someone else: left alone";
		if (strncmp(l, "unlock live ", 12) == 0 &&
		    strstr(l, " jobs") != NULL)
			return "your lock is held: jobs of its run still run: "
			    "left alone";
		if (strncmp(l, "unlock live ", 12) == 0)
			return "your lock is in use by a live run: left alone";
	}
	return "no answer";
}

int
cmd_unlock(struct dist_opts *o, int argc, char **argv)
{
	struct dist_plan plan;
	struct probe_result *r;
	size_t i, bad = 0;

	(void)argc;
	(void)argv;
	r = probe_machines(o, &plan, unlock_ask, ARRAY_SIZE(unlock_ask));
	if (r == NULL)
		return EXIT_USAGE;
	for (i = 0; i < plan.machines.n; i++) {
		if (r[i].ok)
			printf("%s: %s\n", plan.machines.v[i].name,
			    unlock_text(&r[i]));
		else
			printf("%s: down: %s\n", plan.machines.v[i].name,
			    r[i].error);
		bad += !r[i].ok;
	}
	probe_machines_free(&plan, r);
	return bad > 0 ? EXIT_RUNTIME : EXIT_OK;
}
