/*
 * benchexec.h - a BenchExec run's results as BenchExec itself leaves them
 * when it runs a whole definition on one machine: one merged result file
 * per rundefinition, per tasks set files, and a table definition for
 * table-generator (benchexec-merge.c, table-generator.c).
 */
#ifndef DIST_RESULTS_BENCHEXEC_H
#define DIST_RESULTS_BENCHEXEC_H

#include <stddef.h>

#include "lib/lib.h"

#define BX_MERGE_DIR	"benchexec"
#define BX_TABLE_FILE	"table.xml"

struct bx_merged {
	char		*dir;		/* RUN/benchexec */
	char		*table;		/* RUN/benchexec/table.xml */
	char		*name;		/* "BENCH.DATE": the tables' name */
	struct strvec	 files;		/* the merged files, one per
					   rundefinition, in order */
	struct strvec	 links;		/* the per tasks set links */
	size_t		 runs;		/* runs in the merged files */
};

/*
 * Merge the BenchExec result files of the run directory's jobs
 * (jobs/ID/output/, jobs in run.json's order, else by name) into
 * RUN/benchexec/: BENCH.DATE.results.RUNDEF.xml.bz2 per rundefinition,
 * BENCH.DATE.results.RUNDEF.TASKS.xml[.bz2] linked to each job's file,
 * and table.xml.  Bad files are skipped with a warning.  0, or -1 with
 * *cause (no result file at all, or nothing could be written); out is
 * filled either way and freed with bx_merged_free().
 */
int	bx_merge_run(const char *run_dir, struct bx_merged *out, char **cause);
void	bx_merged_free(struct bx_merged *);

/* Write data bzip2-compressed to path, atomically (write-bz2.c). */
int	write_bz2_file(const char *path, const void *data, size_t len,
	    char **cause);

/*
 * table-generator on the merged results: given (a path, it must be
 * executable), else found on $PATH; NULL when there is none.
 */
char	*table_generator_find(const char *given, char **cause);
/* Its argv: PROG -x TABLE -o DIR -n NAME [-q]. */
void	table_generator_argv(const struct bx_merged *, const char *prog,
	    int quiet, struct strvec *argv);
/* Run it (no shell) and wait: 0 when it exited 0, else -1 with *cause. */
int	table_generator_run(const char *path, const struct strvec *argv,
	    char **cause);
/* The tables it wrote (DIR/NAME.table.html, .csv) that exist. */
void	table_generator_outputs(const struct bx_merged *, struct strvec *out);

/*
 * Merge the run's results and print where they are; then, when run, run
 * table-generator (given, else from $PATH; quiet: -q) and print where its
 * tables are, else (or without one) print the command that makes them
 * (benchexec-tables.c).  0; -1 with *cause when nothing was merged; 1
 * with *cause when table-generator failed or is not there as given.
 */
int	bx_merge_tables(const char *run_dir, const char *given, int run,
	    int quiet, char **cause);

#endif
