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
#define C_HISTORY	0x80
#define C_RERUN		0x200
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
	O_METRIC, O_MACHINE, O_PROJECT, O_SINCE, O_LIMIT, O_CSV,
	O_POOL_MACHINES, O_FAILED, O_ORDER,
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

/* Options whose values may hold a secret (webhook URLs carry tokens): kept
 * redacted in run.json and left out of the words kept for resume. */
static const char *const secret_options[] = { "notify-url" };

static const struct dist_option options[] = {
	{ "help", O_HELP, no_argument, C_ALL, NULL, "show this help and exit" },
	{ "version", O_VERSION, no_argument, C_ALL, NULL, "show the version and exit" },
	{ "quiet", O_QUIET, no_argument, C_ALL, NULL, "only errors and the summary" },
	{ "verbose", O_VERBOSE, no_argument, C_ALL, NULL, "more detail (twice: debug)" },
	{ "machines", O_MACHINES, required_argument, C_RUN | C_MACHINES | C_UNLOCK | C_CLEAN,
	  "FILE", "the machines file (see machines.example)" },
	{ "config", O_CONFIG, required_argument, C_RUN, "FILE",
	  "BenchExec <benchmark>, <jobs> or <pyperformance> XML" },
	{ "name", O_NAME, required_argument, C_RUN, "NAME",
	  "the run's name (default: the config's basename)" },
	{ "dry-run", O_DRY_RUN, no_argument, C_RUN, NULL,
	  "print the plan and exit without connecting anywhere" },
	{ "json", O_JSON, no_argument, C_RUN | C_COMPARE | C_MACHINES | C_HISTORY,
	  NULL,
	  "machine-readable output (with --dry-run: the plan)" },
	{ "split", O_SPLIT, required_argument, C_RUN, "runs|tasks",
	  "BenchExec: a job per (rundefinition, tasks) [runs] or per tasks name" },
	{ "results", O_RESULTS, required_argument, C_RUN | C_RESUME |
	  C_HISTORY | C_COMPARE | C_RERUN, "DIR",
	  "where results go (default: ./results)" },
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
	  "append ARG to every benchexec command (repeatable)" },
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
	{ "settings", O_SETTINGS, required_argument, C_RUN | C_RESUME, "FILE",
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
	/* history, compare, rerun, --order (issue 16: the store's queries) */
	{ "metric", O_METRIC, required_argument, C_HISTORY, "M",
	  "history: only metric M (time, cputime, ...)" },
	{ "machine", O_MACHINE, required_argument, C_HISTORY, "HOST",
	  "history: only the machine of hostname HOST" },
	{ "project", O_PROJECT, required_argument, C_HISTORY, "P",
	  "history: only revisions of project P" },
	{ "since", O_SINCE, required_argument, C_HISTORY, "DATE",
	  "history: runs from YYYY-MM-DD[THH:MM] on (local time; Z: UTC)" },
	{ "limit", O_LIMIT, required_argument, C_HISTORY, "N",
	  "history: the last N rows of each series" },
	{ "csv", O_CSV, no_argument, C_HISTORY | C_COMPARE, NULL,
	  "comma-separated values, a header line first" },
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

static int
set_int(const char *arg, int min, int max, int *out, const char *opt)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || v < min || v > max) {
		error("--%s: '%s' is not a number from %d to %d", opt, arg,
		    min, max);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int
set_duration(const char *arg, int *out, const char *opt)
{
	uint64_t secs;
	char *cause = NULL;

	if (parse_duration(arg, &secs, &cause) == -1 || secs > 86400 * 365) {
		error("--%s: %s", opt, cause != NULL ? cause : "too long");
		free(cause);
		return -1;
	}
	*out = (int)secs;
	return 0;
}

static int
set_percent(const char *arg, double *out, const char *opt)
{
	char *cause = NULL;

	if (compare_parse_percent(arg, out, &cause) == -1) {
		error("--%s: %s", opt, cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* A worker path: absolute or "~/..." (the login user's home there). */
static int
set_path(const char **out, const char *arg, const char *opt)
{
	char *cause = NULL;

	if (machine_check_path(opt, arg, &cause) == -1) {
		error("--%s", cause);
		free(cause);
		return -1;
	}
	*out = arg;
	return 0;
}

static int
apply_choice(struct dist_opts *o, int id, const char *arg)
{
	if (id == O_SPLIT) {
		if (strcmp(arg, "runs") == 0)
			o->config.split = SPLIT_RUNS;
		else if (strcmp(arg, "tasks") == 0)
			o->config.split = SPLIT_TASKS;
		else {
			error("--split: '%s' is not 'runs' or 'tasks'", arg);
			return -1;
		}
		return 0;
	}
	if (strcmp(arg, "auto") == 0)
		o->progress = -1;
	else if (strcmp(arg, "live") == 0)
		o->progress = 1;
	else if (strcmp(arg, "lines") == 0)
		o->progress = 0;
	else {
		error("--progress: '%s' is not auto, live or lines", arg);
		return -1;
	}
	return 0;
}

static int
set_order(struct dist_opts *o, const char *arg)
{
	if (strcmp(arg, "config") == 0)
		o->order = ORDER_CONFIG;
	else if (strcmp(arg, "longest-first") == 0)
		o->order = ORDER_LONGEST;
	else {
		error("--order: '%s' is not 'config' or 'longest-first'", arg);
		return -1;
	}
	return 0;
}

static int
apply_option(struct dist_opts *o, int id, const char *arg)
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
	case O_BENCHDIR: return set_path(&o->config.benchdir, arg, "benchdir");
	case O_BENCHEXEC_ARG: sv_push(&o->config.benchexec_args, arg); return 0;
	case O_WORKDIR: return set_path(&o->workdir, arg, "workdir");
	case O_LOCKFILE: return set_path(&o->lockfile, arg, "lockfile");
	case O_SSH_CONFIG: o->ssh.ssh_config = arg; return 0;
	case O_KNOWN_HOSTS: o->ssh.known_hosts = arg; return 0;
	case O_IDENTITY: sv_push(&o->ssh.identities, arg); return 0;
	case O_ACCEPT_NEW: o->ssh.accept_new = 1; return 0;
	case O_BREAK_STALE: o->break_stale = 1; return 0;
	case O_RETRIES: return set_int(arg, 0, 1000, &o->retries, "retries");
	case O_MAX_JOBS:
		return set_int(arg, 1, INT_MAX, &o->config.max_jobs, "max-jobs");
	case O_CONNECT_TIMEOUT:
		return set_duration(arg, &o->ssh.connect_timeout, "connect-timeout");
	case O_OLDER_THAN:
		return set_duration(arg, &o->older_than, "older-than");
	case O_JOB_TIMEOUT:
		return set_duration(arg, &o->job_timeout, "job-timeout");
	case O_KEEPALIVE:
		return set_duration(arg, &o->ssh.keepalive, "keepalive");
	case O_SPLIT: case O_PROGRESS: return apply_choice(o, id, arg);
	case O_MIN_CHANGE: return set_percent(arg, &o->min_change, "min-change");
	case O_SETTINGS: o->settings_path = arg; return 0;
	case O_METRIC: o->hist_metric = arg; return 0;
	case O_MACHINE: o->hist_machine = arg; return 0;
	case O_PROJECT: o->hist_project = arg; return 0;
	case O_SINCE: o->hist_since = arg; return 0;
	case O_LIMIT: return set_int(arg, 1, INT_MAX, &o->hist_limit, "limit");
	case O_CSV: o->csv = 1; return 0;
	case O_POOL_MACHINES: o->pool_machines = 1; return 0;
	case O_FAILED: o->failed = 1; return 0;
	case O_ORDER: return set_order(o, arg);
	}
	return -1;
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
set_isolation(struct dist_opts *o, const char *name, const char *arg)
{
	char *cause = NULL;

	if (isolation_opt_set(&o->iso, name, arg, &cause) == -1) {
		error("--%s: %s", name, cause);
		free(cause);
		return -1;
	}
	return 0;
}

static int
set_notify(struct dist_opts *o, const char *name, const char *arg)
{
	char *cause = NULL;

	if (notify_opts_set(&o->notify, name, arg, &cause) == -1) {
		error("--%s: %s", name, cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* --notify-url-file: one URL a line (blank lines and # comments skipped),
 * so that tokens need not appear in ps; the file is a secret like the SMTP
 * password file: not readable by others. */
static int
set_notify_url_file(struct dist_opts *o, const char *path)
{
	char *data, *line, *next, *cause = NULL;
	size_t len, lineno = 0, n = 0;
	struct stat st;
	int rc = 0;

	if (stat(path, &st) == 0 && (st.st_mode & 007) != 0) {
		error("--notify-url-file: %s: readable by others (mode %04o); "
		    "chmod o-rwx it", path, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	if (read_file(path, &data, &len, &cause) == -1) {
		error("--notify-url-file: %s", cause);
		free(cause);
		return -1;
	}
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
		if (notify_opts_set(&o->notify, "notify-url", s, &cause) == -1) {
			error("%s:%zu: %s", path, lineno, cause);
			free(cause);
			rc = -1;
		}
		n++;
	}
	free(data);
	if (rc == 0 && n == 0) {
		error("--notify-url-file: %s: no URL in it", path);
		rc = -1;
	}
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
apply_parsed(struct dist_opts *o, const struct dist_option *d, int c)
{
	if (c == O_NOTIFY)
		return set_notify(o, d->name, optarg);
	if (c == O_ISOLATION)
		return set_isolation(o, d->name, optarg);
	if (c == O_NOTIFY_URL_FILE)
		return set_notify_url_file(o, optarg);
	return apply_option(o, c, optarg);
}

/* Returns -1 to exit with EXIT_USAGE, 1 to exit 0 (help/version).  argv is
 * permuted (operands last, from *first on); secret values are recorded in
 * *sec when it is not NULL. */
static int
parse_options(struct dist_opts *o, const struct dist_cmd *cmd, int argc,
    char **argv, int *first, struct secrets *sec)
{
	struct option lo[ARRAY_SIZE(options) + 1];
	char so[2 * ARRAY_SIZE(options) + 3];
	const struct dist_option *d;
	int c, li = -1;

	build_getopt(lo, so, 1);
	opterr = 0;
	optind = 0;	/* glibc: start afresh */
	while ((c = getopt_long(argc, argv, so, lo, &li)) != -1) {
		if (c == '?' || c == ':') {
			/* the word without "=VALUE": that may be a secret */
			const char *w = argv[optind - 1];

			error("%s option '%.*s' (see distribute %s --help)",
			    c == '?' ? "unknown or ambiguous" :
			    "missing argument for", (int)strcspn(w, "="), w,
			    cmd->name);
			return -1;
		}
		if (c == O_HELP) {
			usage(stdout, cmd);
			return 1;
		}
		if (c == O_VERSION) {
			printf("distribute %s\n", DIST_VERSION);
			return 1;
		}
		d = option_by_index(li, c);
		li = -1;
		if (d != NULL && (d->cmds & cmd->bit) == 0) {
			error("option --%s does not apply to 'distribute %s'",
			    d->name, cmd->name);
			return -1;
		}
		if (option_is_secret(d) && sec != NULL)
			sec->v[sec->n++] = optarg;
		if (apply_parsed(o, d, c) == -1)
			return -1;
	}
	*first = optind;
	return 0;
}

int
cli_parse(struct dist_opts *o, const char *name, int argc, char **argv,
    int *first)
{
	const struct dist_cmd *cmd = find_cmd(name);

	if (cmd == NULL || parse_options(o, cmd, argc, argv, first, NULL) != 0)
		return -1;
	return 0;
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
	int first, rc, i, n = 0, at = first_operand(argc, argv);

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
	rc = parse_options(&o, cmd, n, words, &first, &sec);
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
	return finish_stdout(rc);
}
