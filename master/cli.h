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
int	cmd_history(struct dist_opts *, int, char **);
int	cmd_rerun(struct dist_opts *, int, char **);
/* The store of --db (db = in the settings), else sqlite:RESULTS/
 * distribute.db; 0, or -1 after an error was printed (cmd-history.c). */
struct db;
int	cli_store_open(const struct dist_opts *, struct db **);
/* Parse argv (argv[0] the program) as the options of command name into o;
 * *first is the index of the first operand.  0, or -1 after an error was
 * printed. */
int	cli_parse(struct dist_opts *o, const char *name, int argc, char **argv,
	    int *first);

#endif
