/*
 * cmd-clean.c - "distribute clean": remove your old run directories from
 * the workers (never the one of a live lock), then the tool archives no
 * remaining run uses.  Machines sharing one WORKDIR (an NFS home) are told
 * apart by its id: each removed folder is reported once, by the first of
 * them; the others say whom they share it with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lib/lib.h"
#include "run/run.h"

/* The WORKDIR id of an answer ("cleaned RUNS TOOLS ID"), or NULL. */
static char *
clean_id(const struct probe_result *r)
{
	char *f[4], *copy, *id = NULL;

	if (!r->ok || r->lines.n == 0)
		return NULL;
	copy = xstrdup(r->lines.v[r->lines.n - 1]);
	if (agent_fields(copy, f, 4) == 4 && strcmp(f[0], "cleaned") == 0 &&
	    strcmp(f[3], "-") != 0)
		id = xstrdup(f[3]);
	free(copy);
	return id;
}

/* The first machine before i with the same WORKDIR id, or i. */
static size_t
clean_first(char **ids, size_t i)
{
	for (size_t j = 0; j < i && ids[i] != NULL; j++)
		if (ids[j] != NULL && strcmp(ids[j], ids[i]) == 0)
			return j;
	return i;
}

/* Add the names of "clean KIND NAME" lines of r to seen, once each. */
static void
clean_names(const struct probe_result *r, const char *kind,
    struct strvec *seen)
{
	size_t kl = strlen(kind), i, k;

	for (i = 0; i < r->lines.n; i++) {
		const char *l = r->lines.v[i];

		if (strncmp(l, "clean ", 6) != 0 || strncmp(l + 6, kind, kl) != 0
		    || l[6 + kl] != ' ')
			continue;
		for (k = 0; k < seen->n; k++)
			if (strcmp(seen->v[k], l + 7 + kl) == 0)
				break;
		if (k == seen->n)
			sv_push(seen, l + 7 + kl);
	}
}

/* What machine i and every machine sharing its WORKDIR removed. */
static void
clean_report(struct dist_plan *p, struct probe_result *r, char **ids,
    size_t i)
{
	struct strvec runs = { 0 }, tools = { 0 };

	for (size_t j = i; j < p->machines.n; j++) {
		if (j != i && (ids[i] == NULL || ids[j] == NULL ||
		    strcmp(ids[i], ids[j]) != 0))
			continue;
		clean_names(&r[j], "run", &runs);
		clean_names(&r[j], "tool", &tools);
	}
	printf("%s: removed %zu run directories and %zu tool archives from "
	    "%s\n", p->machines.v[i].name, runs.n, tools.n, r[i].workdir);
	sv_clear(&runs);
	sv_clear(&tools);
}

int
cmd_clean(struct dist_opts *o, int argc, char **argv)
{
	struct dist_plan plan;
	struct probe_result *r;
	char age[32], **ids;
	size_t i, first, bad = 0;

	(void)argc;
	(void)argv;
	snprintf(age, sizeof age, "%d", o->older_than);
	struct probe_ask ask[] = { { "clean", age, "cleaned" } };
	if ((r = probe_machines(o, &plan, ask, ARRAY_SIZE(ask))) == NULL)
		return EXIT_USAGE;
	ids = xcalloc(plan.machines.n + 1, sizeof *ids);
	for (i = 0; i < plan.machines.n; i++)
		ids[i] = clean_id(&r[i]);
	for (i = 0; i < plan.machines.n; i++) {
		const char *name = plan.machines.v[i].name;

		if (!r[i].ok)
			printf("%s: down: %s\n", name, r[i].error);
		else if ((first = clean_first(ids, i)) != i)
			printf("%s: %s is shared with %s: removed there\n",
			    name, r[i].workdir, plan.machines.v[first].name);
		else
			clean_report(&plan, r, ids, i);
		bad += !r[i].ok;
	}
	for (i = 0; i < plan.machines.n; i++)
		free(ids[i]);
	free(ids);
	probe_machines_free(&plan, r);
	return bad > 0 ? EXIT_RUNTIME : EXIT_OK;
}
