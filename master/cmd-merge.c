/*
 * cmd-merge.c - "distribute merge [RESULTS/RUN-ID]": a BenchExec run's
 * results merged into one file per rundefinition under
 * RESULTS/RUN-ID/benchexec/, with table.xml; table-generator run on it
 * when there is one, else the command printed.  Runs again over the same
 * directory give the same files.
 */
#include <sys/stat.h>

#include <stdlib.h>

#include "cli.h"
#include "lib/lib.h"
#include "results/results.h"

int
cmd_merge(struct dist_opts *o, int argc, char **argv)
{
	char *dir, *cause = NULL;
	struct stat sb;
	int rc;

	dir = argc > 0 ? xstrdup(argv[0]) :
	    xasprintf("%s/CURRENT", o->results_dir);
	if (stat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		error("'%s': no such run directory", dir);
		free(dir);
		return EXIT_USAGE;
	}
	rc = bx_merge_tables(dir, o->table_generator, 1, o->verbosity < 1,
	    &cause);
	if (rc != 0)
		error("merge: %s", cause);
	free(cause);
	free(dir);
	return rc == 0 ? EXIT_OK : rc == 1 ? EXIT_RUNTIME : EXIT_USAGE;
}
