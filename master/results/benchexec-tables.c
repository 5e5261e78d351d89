/*
 * benchexec-tables.c - the end of a BenchExec run and "distribute merge":
 * merge the results (benchexec-merge.c), say where they are, then run
 * table-generator or print the command that does (benchexec.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "lib/lib.h"
#include "results/benchexec.h"

static void
print_command(const struct strvec *argv)
{
	size_t i;
	char *q;

	for (i = 0; i < argv->n; i++) {
		q = sh_quote(argv->v[i]);
		printf("%s%s", i > 0 ? " " : "", q);
		free(q);
	}
	putchar('\n');
}

/* Run table-generator when there is one: 0, or -1 with *cause. */
static int
tables(const struct bx_merged *m, const char *given, int run, int quiet,
    char **cause)
{
	struct strvec argv = STRVEC_INIT, out = STRVEC_INIT;
	char *prog = run ? table_generator_find(given, cause) : NULL;
	size_t i;
	int rc = 0;

	if (prog == NULL && given != NULL && run)
		return -1;
	if (prog == NULL) {
		table_generator_argv(m, "table-generator", 0, &argv);
		printf("tables: %s; run:\n  ", run ? "no table-generator on "
		    "$PATH (BenchExec; or --table-generator PATH)" : "not made "
		    "(--table makes them)");
		print_command(&argv);
	} else {
		table_generator_argv(m, prog, quiet, &argv);
		fflush(stdout);
		rc = table_generator_run(prog, &argv, cause);
		table_generator_outputs(m, &out);
		for (i = 0; rc == 0 && i < out.n; i++)
			printf("%s%s", i == 0 ? "tables: " : ", ", out.v[i]);
		if (rc == 0)
			puts(out.n > 0 ? "" : "tables: table-generator wrote "
			    "no .table.html or .table.csv");
	}
	sv_clear(&argv);
	sv_clear(&out);
	free(prog);
	return rc;
}

int
bx_merge_tables(const char *run_dir, const char *given, int run, int quiet,
    char **cause)
{
	struct bx_merged m;
	size_t i;
	int rc;

	if (bx_merge_run(run_dir, &m, cause) == -1) {
		bx_merged_free(&m);
		return -1;
	}
	printf("benchexec: %zu run%s merged into %zu file%s (one per "
	    "rundefinition), table definition %s\n", m.runs,
	    m.runs == 1 ? "" : "s", m.files.n, m.files.n == 1 ? "" : "s",
	    m.table);
	for (i = 0; i < m.files.n; i++)
		printf("  %s\n", m.files.v[i]);
	rc = tables(&m, given, run, quiet, cause) == -1 ? 1 : 0;
	bx_merged_free(&m);
	return rc;
}
