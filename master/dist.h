/*
 * dist.h - what a run is made of: its options and its plan (the checked
 * inputs), shared by the CLI and the library.
 *
 * The caller:
 *  1. fills a struct dist_opts (dist_opts_init() sets the defaults);
 *  2. calls plan_load(), which reads and checks the machines file, the
 *     config and the tool archive before anything is sent anywhere;
 *  3. prints it (plan_print_text/plan_print_json) for --dry-run, or
 *     hands it to run_execute() (run.h);
 *  4. calls plan_free() and dist_opts_free().
 */
#ifndef DIST_DIST_H
#define DIST_DIST_H

#include <stdint.h>
#include <stdio.h>

#include "input/input.h"
#include "lib/lib.h"
#include "notify/notify.h"
#include "ssh/ssh.h"

/* Exit codes (man/distribute.1, EXIT STATUS). */
#define EXIT_OK		0	/* every job succeeded */
#define EXIT_JOBS	1	/* the run completed, some jobs failed */
#define EXIT_USAGE	2	/* bad usage or bad input: nothing was sent */
#define EXIT_RUNTIME	3	/* the run could not complete (no usable machine, I/O) */
#define EXIT_INTERRUPT	130

#define DEFAULT_LOCKFILE "/var/tmp/distribute.lock"
#define DEFAULT_RESULTS "results"

struct dist_opts {
	const char	*machines_path;
	const char	*config_path;
	const char	*archive_path;
	const char	*name;		/* -n; NULL: config's basename */
	const char	*results_dir;	/* --results */
	const char	*script_path;	/* --script: user's startup script */
	const char	*prepare_path;	/* --prepare */
	const char	*workdir;	/* --workdir: default for machines */
	const char	*lockfile;	/* --lockfile */
	struct dist_config_opts config;	/* split, benchdir, benchexec args */
	struct dist_ssh_opts ssh;
	int		 retries;
	int		 job_timeout;	/* --job-timeout, seconds, 0: none */
	int		 break_stale;	/* --break-stale-locks */
	int		 older_than;	/* clean --older-than, seconds */
	int		 dry_run;
	int		 json;
	int		 verbosity;	/* -q: -1, default 0, -v 1, -vv 2 */
	int		 progress;	/* -1 auto, 0 lines, 1 live view */
	double		 min_change;	/* compare --min-change, percent */
	char		*argv_line;	/* the command line, for run.json */
	int		 argc;		/* the command line as given (main's) */
	char		**argv;
	const char	*resume_dir;	/* resume: the run's directory */
	const char	*settings_path;	/* --settings, or NULL: the default */
	struct notify_opts notify;	/* mail and webhooks (notify.h) */
	struct isolation_opts iso;	/* --cpus, --aslr, ... (isolation.h) */
	int		 table;		/* --table: table-generator at the end */
	const char	*table_generator;	/* --table-generator PATH */
	/* results store and revisions (issue 16) */
	const char	*db_url;	/* --db: may hold a secret, never written */
	const char	*rerun_of;	/* run id this run reruns, or NULL */
	const char	*revision;	/* --revision: the run's commit, or NULL */
	const char	*project;	/* --project, or NULL */
	int64_t		 revision_date;	/* --revision-date, UTC ns; 0: none */
	int		 limit;		/* runs --limit (-1: default) */
	const char	*user_filter;	/* runs --user */
	int		 csv;		/* --csv */
	/* history, compare, rerun, --order (issue 16, query) */
	const char	*hist_metric;	/* history --metric */
	const char	*hist_machine;	/* history --machine */
	const char	*hist_since;	/* history --since, as given */
	int		 pool_machines;	/* compare --pool-machines */
	int		 failed;	/* rerun --failed */
	int		 order;		/* run --order: ORDER_* */
	struct strvec	 only_jobs;	/* rerun: the job ids to run, or none */
	const char	*archive_sha256; /* rerun: the archive must have it */
};

/* --order: the queue's starting order. */
#define ORDER_AUTO	0	/* longest-first when the store has durations */
#define ORDER_CONFIG	1
#define ORDER_LONGEST	2

struct dist_plan {
	const struct dist_opts	*opts;
	char			*name;		/* run name */
	struct dist_machines	 machines;
	struct dist_config	 config;
	int			 have_archive;
	struct dist_archive_info archive;
	size_t			 total_slots;
};

void	dist_opts_init(struct dist_opts *);
void	dist_opts_free(struct dist_opts *);

int	plan_load(const struct dist_opts *, struct dist_plan *, char **cause);
void	plan_free(struct dist_plan *);
void	plan_print_text(const struct dist_plan *, FILE *);
void	plan_print_json(const struct dist_plan *, FILE *);
/* The run's "revision" object ({project, commit, branch, date, label})
 * or null, for run.json and the JSON plan. */
void	plan_revision_json(const struct dist_opts *, struct json *,
	    const char *key);
/* --dry-run's judging of the requirements (run/plan-fit.c): printed
 * (1 when a job no machine can take by known facts), as the plan's
 * "requirements" member, or only the verdict. */
struct json;
int	plan_fit_text(const struct dist_plan *, FILE *);
void	plan_fit_json(const struct dist_plan *, struct json *);
int	plan_fit_refused(const struct dist_plan *);

/* The worker directory of machine m (its workdir= or the default
 * "/var/tmp/distribute-USER" once USER is known). */
char	*machine_workdir(const struct dist_plan *, const struct dist_machine *,
	    const char *login_user);
const char *machine_lockfile(const struct dist_plan *, const struct dist_machine *);
/* Where machine m gets the config (BenchExec's argument): BENCHDIR/NAME
 * with benchdir= or --benchdir, else RUNDIR/config/NAME.  "~" is left for
 * the caller (dssh_expand_home). */
char	*machine_config_path(const struct dist_plan *, const struct dist_machine *,
	    const char *rundir);
/* A safe token naming the machine in worker and master paths. */
char	*machine_key(const struct dist_machine *);

#endif
