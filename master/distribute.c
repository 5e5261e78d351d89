/*
 * distribute.c - main(): pick the command from the table, parse the
 * options from the option table, run the command.
 */
#include <sys/stat.h>

#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lib/lib.h"
#include "results/results.h"

#define C_RUN		0x01
#define C_RESUME	0x02
#define C_MACHINES	0x04
#define C_UNLOCK	0x08
#define C_COMPARE	0x10
#define C_CLEAN		0x20
#define C_RUNS		0x40
#define C_HISTORY	0x80
#define C_IMPORT	0x100
#define C_RERUN		0x200
#define C_MERGE		0x400
#define C_ALL		0x7ff
#define C_SSH		(C_RUN | C_RESUME | C_MACHINES | C_UNLOCK | C_CLEAN | \
			 C_RERUN)

static const struct dist_cmd cmds[] = {
	{ "run", cmd_run, C_RUN, CMD_NEED_MACHINES | CMD_NEED_CONFIG, 1,
	  "[run] [OPTIONS] --machines FILE --config FILE [TOOL_ARCHIVE]",
	  "run the config's jobs on the machines (the default command)" },
	{ "resume", cmd_resume, C_RESUME, 0, 1, "resume [RESULTS/RUN-ID]",
	  "carry on with an interrupted run (default: RESULTS/CURRENT)" },
	{ "machines", cmd_machines, C_MACHINES, CMD_NEED_MACHINES, 0,
	  "machines --machines FILE [--json]",
	  "show each machine: reachable, lock, load, cores, memory, space, OS" },
	{ "unlock", cmd_unlock, C_UNLOCK, CMD_NEED_MACHINES, 0,
	  "unlock --machines FILE", "release your own leftover locks" },
	{ "compare", cmd_compare, C_COMPARE, 0, 2,
	  "compare [--json|--csv] [--min-change PERCENT] [--pool-machines] A B",
	  "compare two runs (ids, names, rev:COMMIT) or result directories" },
	{ "clean", cmd_clean, C_CLEAN, CMD_NEED_MACHINES, 0,
	  "clean --machines FILE [--older-than DURATION]",
	  "remove your old run directories and unused tools from the workers" },
	{ "merge", cmd_merge, C_MERGE, 0, 1,
	  "merge [--table-generator PATH] [RESULTS/RUN-ID]",
	  "BenchExec: one results file per rundefinition, and the tables" },
	{ "runs", cmd_runs, C_RUNS, 0, 0,
	  "runs [--limit N] [--name NAME] [--user U] [--json|--csv]",
	  "list the runs of the results store, newest first" },
	{ "import", cmd_import, C_IMPORT, 0, INT_MAX, "import [--db URL] RUNDIR...",
	  "write run directories into the results store (idempotent)" },
	{ "history", cmd_history, C_HISTORY, 0, 1,
	  "history [BENCHMARK-GLOB] [--metric M] [--machine HOST] "
	  "[--project P] [--since DATE] [--limit N] [--json|--csv]",
	  "a benchmark's stored values, per revision (or run) and machine" },
	{ "rerun", cmd_rerun, C_RERUN, 0, 1, "rerun RUN --failed",
	  "run the failed jobs of a finished run again, as a new run" },
};

enum opt_id {
	O_HELP = 'h', O_VERSION = 'V', O_NAME = 'n', O_QUIET = 'q',
	O_VERBOSE = 'v', O_IDENTITY = 'i',
	O_MACHINES = 256, O_CONFIG, O_DRY_RUN, O_JSON, O_SPLIT, O_RESULTS,
	O_RETRIES, O_SCRIPT, O_PREPARE, O_BENCHDIR, O_BENCHEXEC_ARG,
	O_WORKDIR, O_LOCKFILE, O_SSH_CONFIG, O_KNOWN_HOSTS, O_ACCEPT_NEW,
	O_CONNECT_TIMEOUT, O_KEEPALIVE, O_PROGRESS, O_MIN_CHANGE, O_SETTINGS,
	O_JOB_TIMEOUT, O_BREAK_STALE, O_OLDER_THAN, O_MAX_JOBS,
	O_NOTIFY_URL_FILE,
	O_TABLE, O_TABLE_GENERATOR,	/* BenchExec merge */
	O_DB, O_REVISION, O_PROJECT, O_REVISION_DATE,
	O_LIMIT, O_USER, O_CSV,
	O_METRIC, O_MACHINE, O_SINCE, O_POOL_MACHINES, O_FAILED, O_ORDER,
	O_ISOLATION,	/* every isolation option: isolation_opt_set() by name */
	O_NOTIFY,	/* every notify option: notify_opts_set() by name */
};

struct dist_option {
	const char	*name;
	int		 id;
	int		 has_arg;
	unsigned	 cmds;
	const char	*metavar;
	const char	*help;
};

/* Options whose values may hold a secret (webhook URLs carry tokens, a
 * store URL names a database and its user): kept redacted in run.json and
 * left out of the words kept for resume.  Values from the settings file
 * are in neither. */
static const char *const secret_options[] = { "notify-url", "db" };

/* Options that set one thing: given on the command line, either one
 * replaces the settings file's values of both. */
static const char *const option_groups[][2] = {
	{ "quiet", "verbose" },
	{ "notify-url", "notify-url-file" },
};

static const struct dist_option options[] = {
	{ "help", O_HELP, no_argument, C_ALL, NULL, "show this help and exit" },
	{ "version", O_VERSION, no_argument, C_ALL, NULL, "show the version and exit" },
	{ "quiet", O_QUIET, no_argument, C_ALL, NULL, "only errors and the summary" },
	{ "verbose", O_VERBOSE, no_argument, C_ALL, NULL, "more detail (twice: debug)" },
	{ "machines", O_MACHINES, required_argument, C_RUN | C_MACHINES | C_UNLOCK | C_CLEAN,
	  "FILE", "the machines file (see machines.example)" },
	{ "config", O_CONFIG, required_argument, C_RUN, "FILE",
	  "BenchExec <benchmark>, <jobs> or <pyperformance> XML" },
	{ "name", O_NAME, required_argument, C_RUN | C_RUNS, "NAME",
	  "the run's name (default: the config's basename; runs: only it)" },
	{ "dry-run", O_DRY_RUN, no_argument, C_RUN, NULL,
	  "print the plan and exit without connecting anywhere" },
	{ "json", O_JSON, no_argument, C_RUN | C_COMPARE | C_MACHINES | C_RUNS |
	  C_IMPORT | C_HISTORY, NULL,
	  "machine-readable output (with --dry-run: the plan)" },
	{ "split", O_SPLIT, required_argument, C_RUN, "runs|tasks",
	  "BenchExec: a job per (rundefinition, tasks) [runs] or per tasks name" },
	{ "results", O_RESULTS, required_argument, C_RUN | C_RESUME | C_MERGE |
	  C_MACHINES | C_RUNS | C_HISTORY | C_COMPARE | C_RERUN | C_IMPORT,
	  "DIR", "where results go (default: ./results)" },
	{ "max-jobs", O_MAX_JOBS, required_argument, C_RUN, "N",
	  "refuse a config expanding to more than N jobs (default 100000)" },
	{ "retries", O_RETRIES, required_argument, C_RUN, "N",
	  "run a failing job up to N more times (default 0)" },
	{ "script", O_SCRIPT, required_argument, C_RUN, "FILE",
	  "your own startup script for each job (see distribute(1))" },
	{ "prepare", O_PREPARE, required_argument, C_RUN, "FILE",
	  "run FILE once per machine before its first job" },
	{ "benchdir", O_BENCHDIR, required_argument, C_RUN, "DIR",
	  "worker directory where the BenchExec XML is placed" },
	{ "benchexec-arg", O_BENCHEXEC_ARG, required_argument, C_RUN, "ARG",
	  "append ARG to every benchexec command (repeatable; {revision}"
	  " is --revision)" },
	{ "workdir", O_WORKDIR, required_argument, C_SSH, "DIR",
	  "worker directory (default /var/tmp/distribute-USER)" },
	{ "lockfile", O_LOCKFILE, required_argument, C_SSH, "FILE",
	  "worker lock file (default " DEFAULT_LOCKFILE ")" },
	{ "ssh-config", O_SSH_CONFIG, required_argument, C_SSH, "FILE",
	  "read FILE instead of ~/.ssh/config" },
	{ "known-hosts", O_KNOWN_HOSTS, required_argument, C_SSH, "FILE",
	  "known_hosts file (default ~/.ssh/known_hosts)" },
	{ "identity", O_IDENTITY, required_argument, C_SSH, "FILE",
	  "private key to try after ssh-agent (repeatable)" },
	{ "accept-new-host-keys", O_ACCEPT_NEW, no_argument, C_SSH, NULL,
	  "record unknown host keys (never changed ones)" },
	{ "break-stale-locks", O_BREAK_STALE, no_argument, C_RUN | C_RESUME,
	  NULL, "remove stale locks of your login (its run and jobs gone)" },
	{ "older-than", O_OLDER_THAN, required_argument, C_CLEAN, "DURATION",
	  "clean: only run directories older than this (default 7d)" },
	{ "cpus", O_ISOLATION, required_argument, C_RUN | C_RESUME, "LIST",
	  "run jobs under taskset -c LIST, divided between slots" },
	{ "aslr", O_ISOLATION, required_argument, C_RUN | C_RESUME, "off",
	  "run jobs with address space randomization off (setarch -R)" },
	{ "tmpfs", O_ISOLATION, required_argument, C_RUN | C_RESUME, "DIR",
	  "run jobs in a directory on the tmpfs DIR (e.g. /dev/shm)" },
	{ "numa", O_ISOLATION, required_argument, C_RUN | C_RESUME, "NODE",
	  "bind jobs to NUMA node NODE (numactl)" },
	{ "nice", O_ISOLATION, required_argument, C_RUN | C_RESUME, "N",
	  "run jobs at nice N" },
	{ "isolation", O_ISOLATION, required_argument, C_RUN | C_RESUME,
	  "strict|best-effort", "fail a job whose isolation cannot be had "
	  "(strict, default) or record it" },
	{ "job-timeout", O_JOB_TIMEOUT, required_argument, C_RUN | C_RESUME,
	  "DURATION", "kill a job's whole process tree after DURATION" },
	{ "connect-timeout", O_CONNECT_TIMEOUT, required_argument, C_SSH,
	  "DURATION", "SSH connect timeout (default 30s)" },
	{ "keepalive", O_KEEPALIVE, required_argument, C_SSH, "DURATION",
	  "ping interval; lost after 4 unanswered (default 15s)" },
	{ "min-change", O_MIN_CHANGE, required_argument, C_COMPARE, "PERCENT",
	  "smallest change reported as significant (default 1)" },
	{ "settings", O_SETTINGS, required_argument, C_ALL, "FILE",
	  "settings file (default ~/.config/distribute/settings)" },
	{ "mail-to", O_NOTIFY, required_argument, C_RUN | C_RESUME, "ADDR",
	  "mail status reports to ADDR (repeatable, a,b)" },
	{ "mail-from", O_NOTIFY, required_argument, C_RUN | C_RESUME, "ADDR",
	  "sender of the reports (default LOGIN@HOST)" },
	{ "smtp", O_NOTIFY, required_argument, C_RUN | C_RESUME, "HOST[:PORT]",
	  "SMTP server (default localhost:25)" },
	{ "smtp-tls", O_NOTIFY, required_argument, C_RUN | C_RESUME,
	  "starttls|tls|none", "default: starttls with --smtp-user, else none" },
	{ "smtp-user", O_NOTIFY, required_argument, C_RUN | C_RESUME, "USER",
	  "SMTP login (only over TLS)" },
	{ "smtp-password-file", O_NOTIFY, required_argument, C_RUN | C_RESUME,
	  "FILE", "SMTP password (else $DISTRIBUTE_SMTP_PASSWORD)" },
	{ "smtp-ca-file", O_NOTIFY, required_argument, C_RUN | C_RESUME, "FILE",
	  "trust these CA certificates for the SMTP server" },
	{ "mail-on", O_NOTIFY, required_argument, C_RUN | C_RESUME, "EVENTS",
	  "job-done,job-failed,machine-done,run-done,all,none "
	  "(default job-failed,run-done)" },
	{ "mail-wait", O_NOTIFY, required_argument, C_RUN | C_RESUME, "DURATION",
	  "wait at most this for unsent reports at the end (default 30s)" },
	{ "notify-url", O_NOTIFY, required_argument, C_RUN | C_RESUME, "URL",
	  "POST each reported event to URL (repeatable)" },
	{ "notify-url-file", O_NOTIFY_URL_FILE, required_argument,
	  C_RUN | C_RESUME, "FILE", "webhook URLs from FILE, one a line" },
	{ "notify-format", O_NOTIFY, required_argument, C_RUN | C_RESUME,
	  "json|slack", "webhook body (default json)" },
	{ "progress", O_PROGRESS, required_argument, C_RUN | C_RESUME,
	  "auto|live|lines", "live view on a terminal, event lines otherwise" },
	/* BenchExec merged results and tables (issue 17) */
	{ "table", O_TABLE, no_argument, C_RUN, NULL,
	  "BenchExec: run table-generator on the merged results at the end" },
	{ "table-generator", O_TABLE_GENERATOR, required_argument,
	  C_RUN | C_MERGE, "PATH", "table-generator to run (default: on $PATH)" },
	/* results store and revisions (issue 16) */
	{ "db", O_DB, required_argument, C_RUN | C_RESUME | C_RUNS |
	  C_HISTORY | C_IMPORT | C_COMPARE | C_RERUN, "URL",
	  "results store, sqlite:PATH or postgresql://USER@HOST/DB" },
	{ "revision", O_REVISION, required_argument, C_RUN, "REV",
	  "the revision (commit id, tag) the run measures" },
	{ "project", O_PROJECT, required_argument, C_RUN | C_HISTORY, "NAME",
	  "the project whose revisions are measured (history: only "
	  "those)" },
	{ "revision-date", O_REVISION_DATE, required_argument, C_RUN,
	  "DATE", "the revision's date, YYYY-MM-DD[THH:MM[:SS]][Z]" },
	/* the results store's commands: runs, import (issue 16) */
	{ "limit", O_LIMIT, required_argument, C_RUNS | C_HISTORY, "N",
	  "runs: at most N runs (default 20, 0: all); history: the last N "
	  "rows of each series" },
	{ "user", O_USER, required_argument, C_RUNS, "USER",
	  "runs: only the runs of USER" },
	{ "csv", O_CSV, no_argument, C_RUNS | C_IMPORT | C_HISTORY | C_COMPARE,
	  NULL, "comma-separated values (RFC 4180) instead of a table" },
	/* history, compare, rerun, --order (issue 16: the store's queries) */
	{ "metric", O_METRIC, required_argument, C_HISTORY, "M",
	  "history: only metric M (time, cputime, ...)" },
	{ "machine", O_MACHINE, required_argument, C_HISTORY, "HOST",
	  "history: only the machine of hostname HOST" },
	{ "since", O_SINCE, required_argument, C_HISTORY, "DATE",
	  "history: runs from YYYY-MM-DD[THH:MM] on (local time; Z: UTC)" },
	{ "pool-machines", O_POOL_MACHINES, no_argument, C_COMPARE, NULL,
	  "compare: pool the samples of different machines in one row" },
	{ "failed", O_FAILED, no_argument, C_RERUN, NULL,
	  "rerun: the failed jobs (required)" },
	{ "order", O_ORDER, required_argument, C_RUN, "config|longest-first",
	  "queue order (default: longest-first when the store knows durations)" },
};

static void
usage(FILE *f, const struct dist_cmd *only)
{
	size_t i;

	fprintf(f, "usage: distribute %s\n", only != NULL ? only->usage :
	    cmds[0].usage);
	if (only == NULL || only == &cmds[0]) {
		fputs("\ncommands:\n", f);
		for (i = 0; i < ARRAY_SIZE(cmds); i++)
			fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
	}
	fputs("\noptions:\n", f);
	for (i = 0; i < ARRAY_SIZE(options); i++) {
		const struct dist_option *o = &options[i];
		char buf[64];

		if (only != NULL && (o->cmds & only->bit) == 0)
			continue;
		snprintf(buf, sizeof buf, "%s%c%s--%s%s%s",
		    o->id < 256 ? "-" : "", o->id < 256 ? o->id : ' ',
		    o->id < 256 ? ", " : "  ", o->name,
		    o->metavar != NULL ? " " : "",
		    o->metavar != NULL ? o->metavar : "");
		fprintf(f, "  %-34s %s\n", o->id < 256 ? buf : buf + 1, o->help);
	}
	fputs("\ndurations: 90s, 15m, 2h, 1h30m.  exit status: 0 all jobs "
	    "succeeded, 1 some jobs failed,\n2 usage or input error (nothing "
	    "sent), 3 the run could not complete, 130 interrupted.\n"
	    "see distribute(1).\n", f);
}

/* Commands are matched exactly, never abbreviated: more are coming. */
static const struct dist_cmd *
find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

/*
 * The setters: 0, or -1 with a cause "--OPTION: ..." (the command line
 * prints it, the settings file puts FILE:LINE before it).
 */

/* "--NAME: " before *cause, or only "--" when it begins with NAME. */
static int
prefix_option(char **cause, const char *name)
{
	size_t n = strlen(name);
	char *c = *cause;

	if (c != NULL && strncmp(c, name, n) == 0 &&
	    (c[n] == ':' || c[n] == ' '))
		*cause = xasprintf("--%s", c);
	else
		*cause = xasprintf("--%s: %s", name, c != NULL ? c : "error");
	free(c);
	return -1;
}

static int
set_int(const char *arg, int min, int max, int *out, const char *opt,
    char **cause)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || v < min || v > max)
		return set_cause(cause, "--%s: '%s' is not a number from %d "
		    "to %d", opt, arg, min, max);
	*out = (int)v;
	return 0;
}

static int
set_duration(const char *arg, int *out, const char *opt, char **cause)
{
	uint64_t secs;

	if (parse_duration(arg, &secs, cause) == -1)
		return prefix_cause(cause, "--%s", opt);
	if (secs > 86400 * 365)
		return set_cause(cause, "--%s: too long", opt);
	*out = (int)secs;
	return 0;
}

static int
set_percent(const char *arg, double *out, const char *opt, char **cause)
{
	if (compare_parse_percent(arg, out, cause) == -1)
		return prefix_cause(cause, "--%s", opt);
	return 0;
}

/* A worker path: absolute or "~/..." (the login user's home there). */
static int
set_path(const char **out, const char *arg, const char *opt, char **cause)
{
	if (machine_check_path(opt, arg, cause) == -1)
		return prefix_option(cause, opt);
	*out = arg;
	return 0;
}

static int
apply_choice(struct dist_opts *o, int id, const char *arg, char **cause)
{
	if (id == O_SPLIT) {
		if (strcmp(arg, "runs") == 0)
			o->config.split = SPLIT_RUNS;
		else if (strcmp(arg, "tasks") == 0)
			o->config.split = SPLIT_TASKS;
		else
			return set_cause(cause, "--split: '%s' is not 'runs' "
			    "or 'tasks'", arg);
		return 0;
	}
	if (strcmp(arg, "auto") == 0)
		o->progress = -1;
	else if (strcmp(arg, "live") == 0)
		o->progress = 1;
	else if (strcmp(arg, "lines") == 0)
		o->progress = 0;
	else
		return set_cause(cause, "--progress: '%s' is not auto, live or "
		    "lines", arg);
	return 0;
}

/* --db, --revision, --project, --revision-date; the URL is never quoted
 * in a cause. */
static int
apply_store(struct dist_opts *o, int id, const char *arg, char **cause)
{
	switch (id) {
	case O_DB:
		if (db_url_check(arg, cause) == -1)
			return prefix_cause(cause, "--db");
		o->db_url = arg;
		return 0;
	case O_REVISION:
		o->revision = o->config.revision = arg;
		return revision_check("--revision", arg, cause);
	case O_PROJECT:
		o->project = arg;
		return revision_check("--project", arg, cause);
	}
	if (parse_date_ns(arg, &o->revision_date, cause) == -1)
		return prefix_cause(cause, "--revision-date");
	return 0;
}

static int
set_order(struct dist_opts *o, const char *arg, char **cause)
{
	if (strcmp(arg, "config") == 0)
		o->order = ORDER_CONFIG;
	else if (strcmp(arg, "longest-first") == 0)
		o->order = ORDER_LONGEST;
	else
		return set_cause(cause, "--order: '%s' is not 'config' or "
		    "'longest-first'", arg);
	return 0;
}

static int
apply_option(struct dist_opts *o, int id, const char *arg, char **cause)
{
	switch (id) {
	case O_QUIET: o->verbosity = -1; return 0;
	case O_VERBOSE: o->verbosity++; return 0;
	case O_MACHINES: o->machines_path = arg; return 0;
	case O_CONFIG: o->config_path = arg; return 0;
	case O_NAME: o->name = arg; return 0;
	case O_DRY_RUN: o->dry_run = 1; return 0;
	case O_JSON: o->json = 1; return 0;
	case O_RESULTS: o->results_dir = arg; return 0;
	case O_SCRIPT: o->script_path = arg; return 0;
	case O_PREPARE: o->prepare_path = arg; return 0;
	case O_BENCHDIR:
		return set_path(&o->config.benchdir, arg, "benchdir", cause);
	case O_BENCHEXEC_ARG: sv_push(&o->config.benchexec_args, arg); return 0;
	case O_WORKDIR: return set_path(&o->workdir, arg, "workdir", cause);
	case O_LOCKFILE: return set_path(&o->lockfile, arg, "lockfile", cause);
	case O_SSH_CONFIG: o->ssh.ssh_config = arg; return 0;
	case O_KNOWN_HOSTS: o->ssh.known_hosts = arg; return 0;
	case O_IDENTITY: sv_push(&o->ssh.identities, arg); return 0;
	case O_ACCEPT_NEW: o->ssh.accept_new = 1; return 0;
	case O_BREAK_STALE: o->break_stale = 1; return 0;
	case O_RETRIES:
		return set_int(arg, 0, 1000, &o->retries, "retries", cause);
	case O_MAX_JOBS:
		return set_int(arg, 1, INT_MAX, &o->config.max_jobs, "max-jobs",
		    cause);
	case O_CONNECT_TIMEOUT:
		return set_duration(arg, &o->ssh.connect_timeout,
		    "connect-timeout", cause);
	case O_OLDER_THAN:
		return set_duration(arg, &o->older_than, "older-than", cause);
	case O_JOB_TIMEOUT:
		return set_duration(arg, &o->job_timeout, "job-timeout", cause);
	case O_KEEPALIVE:
		return set_duration(arg, &o->ssh.keepalive, "keepalive", cause);
	case O_SPLIT: case O_PROGRESS: return apply_choice(o, id, arg, cause);
	case O_MIN_CHANGE:
		return set_percent(arg, &o->min_change, "min-change", cause);
	case O_SETTINGS: o->settings_path = arg; return 0;
	case O_TABLE: o->table = 1; return 0;
	case O_TABLE_GENERATOR: o->table_generator = arg; return 0;
	case O_DB: case O_REVISION: case O_PROJECT: case O_REVISION_DATE:
		return apply_store(o, id, arg, cause);
	case O_LIMIT:
		return set_int(arg, 0, INT_MAX, &o->limit, "limit", cause);
	case O_USER: o->user_filter = arg; return 0;
	case O_CSV: o->csv = 1; return 0;
	case O_METRIC: o->hist_metric = arg; return 0;
	case O_MACHINE: o->hist_machine = arg; return 0;
	case O_SINCE: o->hist_since = arg; return 0;
	case O_POOL_MACHINES: o->pool_machines = 1; return 0;
	case O_FAILED: o->failed = 1; return 0;
	case O_ORDER: return set_order(o, arg, cause);
	}
	return set_cause(cause, "option %d not handled", id);
}

static const struct dist_option *
option_by_index(int longindex, int id)
{
	size_t i;

	if (longindex >= 0)
		return &options[longindex];
	for (i = 0; i < ARRAY_SIZE(options); i++)
		if (options[i].id == id)
			return &options[i];
	return NULL;
}

static int
set_isolation(struct dist_opts *o, const char *name, const char *arg,
    char **cause)
{
	if (isolation_opt_set(&o->iso, name, arg, cause) == -1)
		return prefix_option(cause, name);
	return 0;
}

static int
set_notify(struct dist_opts *o, const char *name, const char *arg,
    char **cause)
{
	if (notify_opts_set(&o->notify, name, arg, cause) == -1)
		return prefix_option(cause, name);
	return 0;
}

/* --notify-url-file: one URL a line (blank lines and # comments skipped),
 * so that tokens need not appear in ps; the file is a secret like the SMTP
 * password file: not readable by others. */
static int
set_notify_url_file(struct dist_opts *o, const char *path, char **cause)
{
	char *data, *line, *next;
	size_t len, lineno = 0, n = 0;
	struct stat st;
	int rc = 0;

	if (stat(path, &st) == 0 && (st.st_mode & 007) != 0)
		return set_cause(cause, "--notify-url-file: %s: readable by "
		    "others (mode %04o); chmod o-rwx it", path,
		    (unsigned)(st.st_mode & 07777));
	if (read_file(path, &data, &len, cause) == -1)
		return prefix_cause(cause, "--notify-url-file");
	for (line = data; rc == 0 && line < data + len; line = next) {
		char *s = line, *e;

		next = memchr(line, '\n', (size_t)(data + len - line));
		next = next != NULL ? next + 1 : data + len;
		e = next;
		lineno++;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == '\n' || e[-1] == '\r' ||
		    e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (s == e || *s == '#')
			continue;
		*e = '\0';
		if (notify_opts_set(&o->notify, "notify-url", s, cause) == -1)
			rc = prefix_cause(cause, "%s:%zu", path, lineno);
		n++;
	}
	free(data);
	if (rc == 0 && n == 0)
		rc = set_cause(cause, "--notify-url-file: %s: no URL in it",
		    path);
	return rc;
}

/* Build getopt_long's tables from the option table; permute: options may
 * follow the operands (GNU getopt), else the scan stops at the first. */
static void
build_getopt(struct option *lo, char *so, int permute)
{
	size_t i, k = 0;

	if (!permute)
		so[k++] = '+';
	so[k++] = ':';
	for (i = 0; i < ARRAY_SIZE(options); i++) {
		lo[i].name = options[i].name;
		lo[i].has_arg = options[i].has_arg;
		lo[i].flag = NULL;
		lo[i].val = options[i].id;
		if (options[i].id < 256) {
			so[k++] = (char)options[i].id;
			if (options[i].has_arg == required_argument)
				so[k++] = ':';
		}
	}
	so[k] = '\0';
	memset(&lo[ARRAY_SIZE(options)], 0, sizeof *lo);
}

/* The values of secret options, as pointers into argv's strings: getopt
 * resolves abbreviations and "--opt=value" forms, so redacting by these
 * pointers redacts by the option the word resolved to. */
struct secrets {
	const char	**v;
	size_t		  n;
};

static int
is_secret(const struct secrets *s, const char *word, size_t *at)
{
	size_t i, len = strlen(word);

	for (i = 0; s != NULL && i < s->n; i++)
		if (s->v[i] >= word && s->v[i] <= word + len) {
			*at = (size_t)(s->v[i] - word);
			return 1;
		}
	return 0;
}

static int
option_is_secret(const struct dist_option *d)
{
	size_t i;

	for (i = 0; d != NULL && i < ARRAY_SIZE(secret_options); i++)
		if (strcmp(d->name, secret_options[i]) == 0)
			return 1;
	return 0;
}

static int
apply_parsed(struct dist_opts *o, const struct dist_option *d,
    const char *arg, char **cause)
{
	if (d->id == O_NOTIFY)
		return set_notify(o, d->name, arg, cause);
	if (d->id == O_ISOLATION)
		return set_isolation(o, d->name, arg, cause);
	if (d->id == O_NOTIFY_URL_FILE)
		return set_notify_url_file(o, arg, cause);
	return apply_option(o, d->id, arg, cause);
}

/* What a parse of command line words does besides applying them. */
struct parse_state {
	unsigned char	*given;	/* per options[] index: seen (or NULL) */
	const unsigned char *skip; /* per index: consumed, not applied */
	struct secrets	*sec;	/* secret values seen, or NULL */
	int		 scan;	/* only mark given[]: apply nothing */
	int		 lenient; /* skip options of other commands */
};

static const struct dist_option *
option_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(options); i++)
		if (strcmp(options[i].name, name) == 0)
			return &options[i];
	return NULL;
}

/* d was given: it and the options of its group (option_groups). */
static void
mark_given(unsigned char *given, const struct dist_option *d)
{
	const struct dist_option *other;
	size_t i, k;

	given[d - options] = 1;
	for (i = 0; i < ARRAY_SIZE(option_groups); i++)
		for (k = 0; k < 2; k++)
			if (strcmp(d->name, option_groups[i][k]) == 0 &&
			    (other = option_by_name(option_groups[i][1 - k])) !=
			    NULL)
				given[other - options] = 1;
}

/* Returns -1 to exit with EXIT_USAGE, 1 to exit 0 (help/version).  argv is
 * permuted (operands last, from *first on). */
static int
parse_options(struct dist_opts *o, const struct dist_cmd *cmd, int argc,
    char **argv, int *first, struct parse_state *ps)
{
	struct option lo[ARRAY_SIZE(options) + 1];
	char so[2 * ARRAY_SIZE(options) + 3];
	const struct dist_option *d;
	char *cause = NULL;
	int c, li = -1;

	build_getopt(lo, so, 1);
	opterr = 0;
	optind = 0;	/* glibc: start afresh */
	while ((c = getopt_long(argc, argv, so, lo, &li)) != -1) {
		if (c == '?' || c == ':') {
			/* the word without "=VALUE": that may be a secret */
			const char *w = argv[optind - 1];

			if (ps->scan)
				continue;
			error("%s option '%.*s' (see distribute %s --help)",
			    c == '?' ? "unknown or ambiguous" :
			    "missing argument for", (int)strcspn(w, "="), w,
			    cmd->name);
			return -1;
		}
		if (c == O_HELP && !ps->scan) {
			usage(stdout, cmd);
			return 1;
		}
		if (c == O_VERSION && !ps->scan) {
			printf("distribute %s\n", DIST_VERSION);
			return 1;
		}
		d = option_by_index(li, c);
		li = -1;
		if (d == NULL || (ps->skip != NULL && ps->skip[d - options]))
			continue;
		if ((d->cmds & cmd->bit) == 0) {
			if (ps->lenient || ps->scan)
				continue;
			error("option --%s does not apply to 'distribute %s'",
			    d->name, cmd->name);
			return -1;
		}
		if (ps->given != NULL)
			mark_given(ps->given, d);
		if (ps->scan)
			continue;
		if (option_is_secret(d) && ps->sec != NULL)
			ps->sec->v[ps->sec->n++] = optarg;
		if (apply_parsed(o, d, optarg, &cause) == -1) {
			error("%s", cause);
			free(cause);
			return -1;
		}
	}
	*first = optind;
	return 0;
}

/*
 * The settings file: every long option is a key, for every command.  A
 * key of another command is skipped (one file serves them all); a key
 * given on the command line is skipped too (the command line wins, a
 * list such as --identity replaces the file's).  Values are kept until
 * exit: the options point into them.
 */
static struct strvec setting_values = STRVEC_INIT;

struct settings_ctx {
	struct dist_opts	*o;
	const struct dist_cmd	*cmd;
	const unsigned char	*given;
};

/* An option without argument, "yes" or "no" in the file. */
static int
settings_flag(struct dist_opts *o, const struct dist_option *d, int on,
    char **cause)
{
	switch (d->id) {
	case O_QUIET: o->verbosity = on ? -1 : o->verbosity > 0 ?
	    o->verbosity : 0; return 0;
	case O_VERBOSE: o->verbosity = on ? 1 : o->verbosity < 0 ?
	    o->verbosity : 0; return 0;
	case O_DRY_RUN: o->dry_run = on; return 0;
	case O_JSON: o->json = on; return 0;
	case O_ACCEPT_NEW: o->ssh.accept_new = on; return 0;
	case O_BREAK_STALE: o->break_stale = on; return 0;
	case O_TABLE: o->table = on; return 0;
	case O_CSV: o->csv = on; return 0;
	case O_POOL_MACHINES: o->pool_machines = on; return 0;
	case O_FAILED: o->failed = on; return 0;
	}
	return on ? apply_parsed(o, d, NULL, cause) : 0;
}

static int
settings_set(void *arg, const char *key, const char *value, char **cause)
{
	struct settings_ctx *sc = arg;
	const struct dist_option *d = option_by_name(key);
	int on, rc;

	if (d == NULL && strcmp(key, "smtp-password") == 0)
		return set_cause(cause, "smtp-password: a password is never "
		    "given as a value; use smtp-password-file or $%s",
		    NOTIFY_PASSWORD_ENV);
	if (d == NULL)
		return set_cause(cause, "unknown key '%s': not an option of "
		    "distribute (see distribute.conf(5))", key);
	if (d->id == O_HELP || d->id == O_VERSION || d->id == O_SETTINGS)
		return set_cause(cause, "%s: not a setting", key);
	if ((d->cmds & sc->cmd->bit) == 0 || sc->given[d - options])
		return 0;
	if (d->has_arg == no_argument) {
		if (settings_bool(value, &on, cause) == -1)
			return prefix_cause(cause, "%s", key);
		rc = settings_flag(sc->o, d, on, cause);
	} else {
		sv_push(&setting_values, value);
		rc = apply_parsed(sc->o, d,
		    setting_values.v[setting_values.n - 1], cause);
	}
	if (rc == -1 && *cause != NULL && strncmp(*cause, "--", 2) == 0)
		memmove(*cause, *cause + 2, strlen(*cause + 2) + 1);
	return rc;
}

/* --settings FILE (must exist), else the default file (may be missing). */
static int
load_settings(struct dist_opts *o, const struct dist_cmd *cmd,
    const unsigned char *given)
{
	struct settings_ctx sc = { o, cmd, given };
	char *path, *cause = NULL;
	int rc;

	if (o->settings_path != NULL)
		rc = settings_load(o->settings_path, settings_set, &sc, &cause);
	else {
		path = settings_default_path();
		rc = path == NULL ? 0 : settings_load_optional(path,
		    settings_set, &sc, &cause);
		free(path);
	}
	if (rc != 0) {
		error("%s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* The command line, then the settings file for what it did not give. */
static int
parse_all(struct dist_opts *o, const struct dist_cmd *cmd, int argc,
    char **argv, int *first, struct secrets *sec)
{
	struct parse_state ps = { NULL, NULL, sec, 0, 0 };
	int rc;

	ps.given = xcalloc(ARRAY_SIZE(options), 1);
	rc = parse_options(o, cmd, argc, argv, first, &ps);
	if (rc == 0)
		rc = load_settings(o, cmd, ps.given);
	free(ps.given);
	return rc;
}

/* main()'s option words (the program's name first), for resume. */
static char	**main_words;
static int	  main_nwords;

int
cli_parse_resume(struct dist_opts *r, int argc, char **argv, int *first)
{
	const struct dist_cmd *run = find_cmd("run");
	struct parse_state ps = { NULL, NULL, NULL, 1, 1 };
	unsigned char *mine = xcalloc(ARRAY_SIZE(options), 1);
	unsigned char *given = xcalloc(ARRAY_SIZE(options), 1);
	int rc, ignored;

	/* what resume's own command line gives replaces the run's */
	ps.given = mine;
	rc = parse_options(r, run, main_nwords, main_words, &ignored, &ps);
	ps = (struct parse_state){ given, mine, NULL, 0, 0 };
	if (rc == 0)
		rc = parse_options(r, run, argc, argv, first, &ps);
	ps = (struct parse_state){ given, NULL, NULL, 0, 1 };
	if (rc == 0)
		rc = parse_options(r, run, main_nwords, main_words, &ignored,
		    &ps);
	if (rc == 0)
		rc = load_settings(r, run, given);
	free(mine);
	free(given);
	return rc == 0 ? 0 : -1;
}

static int
check_args(struct dist_opts *o, const struct dist_cmd *cmd, int nargs)
{
	if (nargs > cmd->max_args) {
		error("too many arguments for 'distribute %s'\nusage: "
		    "distribute %s", cmd->name, cmd->usage);
		return -1;
	}
	if ((cmd->flags & CMD_NEED_MACHINES) && o->machines_path == NULL) {
		error("missing --machines FILE\nusage: distribute %s", cmd->usage);
		return -1;
	}
	if ((cmd->flags & CMD_NEED_CONFIG) && o->config_path == NULL) {
		error("missing --config FILE\nusage: distribute %s", cmd->usage);
		return -1;
	}
	return 0;
}

/* Index of the first operand (argc if none), options skipped as getopt
 * reads them: the command is that word when it names one exactly. */
static int
first_operand(int argc, char **argv)
{
	struct option lo[ARRAY_SIZE(options) + 1];
	char so[2 * ARRAY_SIZE(options) + 3];
	char **copy = xcalloc((size_t)argc + 1, sizeof *copy);
	int i;

	memcpy(copy, argv, (size_t)argc * sizeof *copy);
	build_getopt(lo, so, 0);
	opterr = 0;
	optind = 0;
	while (getopt_long(argc, copy, so, lo, NULL) != -1)
		;
	i = optind;
	if (i > 1 && i <= argc && strcmp(argv[i - 1], "--") == 0)
		i = argc;	/* after "--", words are operands */
	free(copy);
	return i;
}

/* The command line for run.json (original order), secret values redacted. */
static char *
join_argv(int argc, char **argv, const struct secrets *sec)
{
	struct strbuf sb = STRBUF_INIT;
	size_t at;
	int i;

	for (i = 0; i < argc; i++) {
		char *q;

		if (is_secret(sec, argv[i], &at)) {
			char *head = xasprintf("%.*s(redacted)", (int)at, argv[i]);

			q = sh_quote(head);
			free(head);
		} else
			q = sh_quote(argv[i]);
		sb_adds(&sb, i > 0 ? " " : "");
		sb_adds(&sb, q);
		free(q);
	}
	return sb_detach(&sb);
}

/* The words kept for resume: the program, the command, then the original
 * words without the command and without secret options and their values
 * (resume takes them again). */
static char **
resume_words(int argc, char **argv, int cmd_at, const char *cmd,
    const struct secrets *sec, int *n)
{
	char **v = xcalloc((size_t)argc + 2, sizeof *v);
	size_t at;
	int i, k = 0;

	v[k++] = argv[0];
	v[k++] = (char *)cmd;
	for (i = 1; i < argc; i++) {
		if (i == cmd_at)
			continue;
		if (is_secret(sec, argv[i], &at)) {
			if (at == 0 && k > 2)
				k--;	/* "--opt VALUE": drop the option too */
			continue;
		}
		v[k++] = argv[i];
	}
	v[k] = NULL;
	*n = k;
	return v;
}

static int
finish_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		error("write failure on standard output");
		return rc == EXIT_OK ? EXIT_RUNTIME : rc;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	const struct dist_cmd *cmd = &cmds[0];
	struct secrets sec = { NULL, 0 };
	struct dist_opts o;
	char **words = xcalloc((size_t)argc + 1, sizeof *words), **kept;
	int first = 1, rc, i, n = 0, at = first_operand(argc, argv);

	/*
	 * One malloc arena for every thread: with a thread per machine glibc
	 * makes up to 8 per core, each holding its own free space (256
	 * machines: 73 MB of arenas, 57 MB of heap with one; the master's CPU
	 * per job is the same).  Set before any thread is started.
	 */
	mallopt(M_ARENA_MAX, 1);
	dist_opts_init(&o);
	config_init();
	if (at < argc && find_cmd(argv[at]) != NULL)
		cmd = find_cmd(argv[at]);
	else
		at = -1;
	for (i = 0; i < argc; i++)
		if (i != at)
			words[n++] = argv[i];
	sec.v = xcalloc((size_t)argc + 1, sizeof *sec.v);
	rc = parse_all(&o, cmd, n, words, &first, &sec);
	main_words = words;
	main_nwords = first;
	o.argv_line = join_argv(argc, argv, &sec);
	kept = resume_words(argc, argv, at, cmd->name, &sec, &o.argc);
	o.argv = kept;
	if (rc == 0)
		rc = check_args(&o, cmd, n - first);
	if (rc == 0) {
		log_set_level(LOG_INFO + (o.verbosity < 0 ? -1 :
		    o.verbosity));
		rc = cmd->exec(&o, n - first, words + first);
	} else
		rc = rc > 0 ? EXIT_OK : EXIT_USAGE;
	dist_opts_free(&o);
	free(kept);
	free(sec.v);
	free(words);
	sv_clear(&setting_values);
	return finish_stdout(rc);
}
