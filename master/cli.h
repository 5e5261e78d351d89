/*
 * cli.h - the command table and the subcommands of the distribute CLI.
 */
#ifndef DIST_CLI_H
#define DIST_CLI_H

#include "dist.h"

/* Command flags: which inputs the shared setup needs. */
#define CMD_NEED_MACHINES	0x1
#define CMD_NEED_CONFIG		0x2

struct dist_cmd {
	const char	*name;
	int		(*exec)(struct dist_opts *, int argc, char **argv);
	unsigned	 bit;		/* this command's bit in option masks */
	unsigned	 flags;
	int		 max_args;	/* positional arguments allowed */
	const char	*usage;
	const char	*summary;
};

int	cmd_run(struct dist_opts *, int, char **);
int	cmd_compare(struct dist_opts *, int, char **);
int	cmd_resume(struct dist_opts *, int, char **);
int	cmd_machines(struct dist_opts *, int, char **);
int	cmd_unlock(struct dist_opts *, int, char **);
int	cmd_clean(struct dist_opts *, int, char **);
int	cmd_merge(struct dist_opts *, int, char **);
int	cmd_runs(struct dist_opts *, int, char **);
int	cmd_import(struct dist_opts *, int, char **);
int	cmd_history(struct dist_opts *, int, char **);
int	cmd_rerun(struct dist_opts *, int, char **);
/* The store of --db (db = in the settings), else sqlite:RESULTS/
 * distribute.db; STORE_READ: an SQLite file must be there already (reading
 * never makes a store), STORE_WRITE: made if need be.  0, or -1 after an
 * error was printed (cmd-history.c). */
#define STORE_READ	0
#define STORE_WRITE	1
struct db;
int	cli_store_open(const struct dist_opts *, struct db **, int mode);
/* The options of a run being resumed into r: argv (argv[0] the program)
 * are the run's saved words; the options given to resume replace them
 * (option by option), then the settings file fills in what neither gave.
 * *first is the index of the first operand in argv.  0, or -1 after an
 * error was printed. */
int	cli_parse_resume(struct dist_opts *r, int argc, char **argv,
	    int *first);

#endif
