/*
 * cmd-clean.c - "distribute clean": remove your old run directories from
 * the workers (never the one of a live lock), then the tool archives no
 * remaining run uses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent-proto.h"
#include "cli.h"
#include "log.h"
#include "probe.h"

int
cmd_clean(struct dist_opts *o, int argc, char **argv)
{
	struct dist_plan plan;
	struct probe_result *r;
	char age[32], *f[3], *copy;
	size_t i, bad = 0;

	(void)argc;
	(void)argv;
	snprintf(age, sizeof age, "%d", o->older_than);
	struct probe_ask ask[] = { { "clean", age, "cleaned" } };
	if ((r = probe_machines(o, &plan, ask, ARRAY_SIZE(ask))) == NULL)
		return EXIT_USAGE;
	for (i = 0; i < plan.machines.n; i++) {
		const char *name = plan.machines.v[i].name;
		const char *last = r[i].lines.n > 0 ?
		    r[i].lines.v[r[i].lines.n - 1] : "";

		copy = xstrdup(last);
		if (!r[i].ok)
			printf("%s: down: %s\n", name, r[i].error);
		else if (agent_fields(copy, f, 3) == 3)
			printf("%s: removed %s run directories and %s tool "
			    "archives from %s\n", name, f[1], f[2],
			    r[i].workdir);
		bad += !r[i].ok;
		free(copy);
	}
	probe_machines_free(&plan, r);
	return bad > 0 ? EXIT_RUNTIME : EXIT_OK;
}
