/*
 * cmd-import.c - "distribute import RUNDIR...": write run directories
 * into the results store (a run's writer failed, or runs made before the
 * store existed).  Idempotent: importing again replaces, never
 * duplicates.  One line per run: "imported RUN: N jobs, M results".
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "lib/lib.h"
#include "store/store.h"

static void
print_line(const struct dist_opts *o, const char *dir, size_t jobs,
    size_t results, const char *cause)
{
	if (o->json) {
		struct strbuf sb = STRBUF_INIT;
		struct json j;

		json_init(&j, &sb, 0);
		json_obj_open(&j, NULL);
		json_str(&j, "run", dir);
		json_str(&j, "error", cause);
		json_uint(&j, "jobs", jobs);
		json_uint(&j, "results", results);
		json_obj_close(&j);
		printf("%s\n", sb_str(&sb));
		sb_release(&sb);
	} else if (o->csv) {
		const char *p;

		putchar('"');
		for (p = dir; *p != '\0'; p++)
			printf(*p == '"' ? "\"\"" : "%c", *p);
		printf("\",%zu,%zu,%s\n", jobs, results,
		    cause != NULL ? "error" : "ok");
	}
	else if (cause == NULL)
		printf("imported %s: %zu jobs, %zu results\n", dir, jobs,
		    results);
}

int
cmd_import(struct dist_opts *o, int argc, char **argv)
{
	char *cause = NULL;
	size_t jobs, results;
	struct db *db;
	int i, rc = EXIT_OK;

	if (argc == 0) {
		error("import: no run directory\nusage: distribute import "
		    "[--db URL] RUNDIR...");
		return EXIT_USAGE;
	}
	if (cli_store_open(o, &db, STORE_WRITE) == -1)
		return EXIT_RUNTIME;
	if (!o->json && !o->csv)
		info("store: %s", db_where(db));
	else if (o->csv)
		puts("run,jobs,results,status");
	for (i = 0; i < argc; i++) {
		if (store_import_run_n(db, argv[i], &jobs, &results,
		    &cause) == -1) {
			error("import %s: %s", argv[i], cause);
			rc = EXIT_RUNTIME;
		}
		print_line(o, argv[i], jobs, results, cause);
		free(cause);
		cause = NULL;
	}
	db_close(db);
	return rc;
}
