/*
 * config.h - the run's configuration file, split into jobs.
 *
 * The kind is told by the root element:
 *	<benchmark>	BenchExec benchmark definition (config-benchexec.c)
 *	<jobs>		our generic list of commands (config-jobs.c)
 *	<pyperformance>	pyperformance campaign (config-pyperformance.c)
 *
 * Usage: fill a struct dist_config_opts, config_load(), read the jobs,
 * config_free().  Errors carry "file:line: ...".  No external entity or
 * DTD is ever loaded and entity-expansion bombs are refused.
 *
 * Every job gets an argument vector to run on the worker, with the job's
 * own directory as working directory.  For BenchExec jobs one element,
 * argv[config_arg], is the path of the config on the worker; the
 * scheduler replaces it when a machine has its own benchdir=.
 */
#ifndef DIST_CONFIG_H
#define DIST_CONFIG_H

#include <stddef.h>

#include "input/require.h"
#include "lib/lib.h"

enum dist_config_kind {
	CONFIG_BENCHEXEC,
	CONFIG_JOBS,
	CONFIG_PYPERFORMANCE,
};

enum dist_split {
	SPLIT_RUNS,	/* one job per (rundefinition, tasks) pair: default */
	SPLIT_TASKS,	/* one job per tasks name across all rundefinitions */
};

struct dist_config_opts {
	const char	*name;		/* run name (-n), never NULL */
	enum dist_split	 split;
	const char	*benchdir;	/* --benchdir on the worker, or NULL */
	struct strvec	 benchexec_args;/* --benchexec-arg, appended */
	int		 max_jobs;	/* --max-jobs; 0: CONFIG_MAX_JOBS */
	/* the run's revision, {revision} in <jobs> configs, or NULL; hook:
	 * plan_load() sets it from dist_opts' revision (--revision) */
	const char	*revision;
};

/* Most jobs a config may expand to unless --max-jobs says otherwise:
 * counted before any job is made (repeat=, run definitions x tasks,
 * revisions), so that a small file cannot ask for millions of them. */
#define CONFIG_MAX_JOBS	100000
#define CONFIG_MAX_WARNINGS	20

/* What a job's exit code means, when it is not simply 0 = success. */
struct dist_exit_code {
	int		 code;
	int		 ok;		/* counts as success */
	char		*meaning;	/* "result already exists", ... */
};

struct dist_job {
	char		*id;		/* unique, safe_name(), <= 100 bytes */
	char		*name;		/* original display name */
	char		*rundef;	/* BenchExec rundefinition name or NULL */
	char		*tasks;		/* BenchExec tasks name (unnamed: its
					   index "N", as BenchExec) or NULL */
	struct strvec	 argv;		/* what runs on the worker */
	int		 config_arg;	/* index of the config path in argv, or -1 */
	struct strvec	 env;		/* NAME=VALUE for the job, may be empty */
	struct dist_exit_code *exits;	/* special exit codes, or NULL */
	size_t		 nexits;
	char		*revision;	/* pyperformance's or <job revision=>,
					   or NULL */
	char		*branch;	/* pyperformance: the branch, or NULL */
	int		 req;		/* index in cfg->reqs, -1: none */
};

struct dist_config {
	enum dist_config_kind	 kind;
	char			*path;		/* as given on the master */
	char			*basename;	/* file name placed on the worker */
	char			 sha256[65];	/* of the file as read, hex */
	int			 needs_archive;	/* a tool archive is required */
	char			*tool;		/* BenchExec tool= or NULL */
	int			 sets_cores;	/* BenchExec: <benchmark cpuCores=> */
	struct strvec		 warnings;	/* "FILE:LINE: ..." (also logged),
						   at most CONFIG_MAX_WARNINGS */
	size_t			 warnings_dropped;	/* beyond those */
	struct dist_job		*jobs;
	size_t			 njobs;
	struct dist_require	*reqs;		/* distinct requirements of */
	size_t			 nreqs;		/* the jobs (config-require.c) */
};

const char *config_kind_name(enum dist_config_kind);
int	config_load(const char *path, const struct dist_config_opts *,
	    struct dist_config *, char **cause);
void	config_free(struct dist_config *);
/* Keep only the jobs of these ids, in the config's order (rerun --failed);
 * -1 when one is not in the config. */
int	config_keep_jobs(struct dist_config *, const struct strvec *ids,
	    char **cause);

/* Worker path of the config relative to the job directory when no
 * benchdir is given (the run's directory layout, see man/distribute.1). */
#define CONFIG_DIR_FROM_JOB "../../config"

/*
 * Job ids: make_job_id() turns names into a safe file name: characters
 * outside [A-Za-z0-9._+-] become '_', a leading '.' or '-' gets a '_'
 * prefix, the result is cut to fit 100 bytes, and when anything was
 * changed or cut, "-" and 8 hex digits of a hash of the original names
 * are appended so that different names never share an id.
 * job_ids_dedup() makes ids unique within a list by appending -2, -3 ...
 */
char	*make_job_id(const char *const *parts, size_t nparts);
void	 job_ids_dedup(struct dist_job *jobs, size_t n);

/* Internal: one parser per kind, called by config_load(). */
struct _xmlDoc;
int	config_benchexec_parse(struct _xmlDoc *, const struct dist_config_opts *,
	    struct dist_config *, char **cause);
int	config_jobs_parse(struct _xmlDoc *, const struct dist_config_opts *,
	    struct dist_config *, char **cause);
int	config_pyperformance_parse(struct _xmlDoc *,
	    const struct dist_config_opts *, struct dist_config *, char **cause);

/*
 * config_init() initialises libxml2 once per process (xmlInitParser) and
 * installs an external entity loader that refuses everything.  It is
 * thread-safe (pthread_once) and config_load() calls it, but a threaded
 * program should call it from main() before starting threads, as
 * libxml2 asks.
 *
 * config_load_mem() is config_load() on a document already in memory;
 * path is used for messages and the basename only.
 */
void	config_init(void);
int	config_load_mem(const char *path, const char *data, size_t len,
	    const struct dist_config_opts *, struct dist_config *,
	    char **cause);

/* Internal helpers shared by the parsers (config.c). */
struct _xmlNode;
struct dist_job *config_add_job(struct dist_config *);
int	config_error(const struct dist_config *, const struct _xmlNode *,
	    char **cause, const char *, ...) PRINTFLIKE(4, 5);
char	*config_attr(const struct _xmlNode *, const char *name);
int	config_check_attrs(const struct dist_config *, const struct _xmlNode *,
	    const char *const *allowed, char **cause);
/* A warning "FILE:LINE: ..." kept in cfg->warnings; config_load() logs
 * them once the file is loaded. */
void	config_warn(struct dist_config *, const struct _xmlNode *,
	    const char *, ...) PRINTFLIKE(3, 4);
int	config_text(const struct dist_config *, const struct _xmlNode *,
	    char **text, char **cause);
int	config_blank(const struct dist_config *, const struct _xmlNode *,
	    char **cause);
int	config_is(const struct _xmlNode *, const char *name);
/* One <env name="NAME">VALUE</env> appended to env as NAME=VALUE: a
 * valid variable name, not reserved (or NULL), not in env already. */
int	config_env(const struct dist_config *, const struct _xmlNode *,
	    struct strvec *env, const char *reserved, char **cause);
/* The cap: "FILE: N jobs, more than the limit of MAX ..." when count
 * (saturated at ULLONG_MAX) is above the limit of opts. */
int	config_check_count(const struct dist_config *,
	    const struct dist_config_opts *, unsigned long long count,
	    char **cause);
/* a + b and a * b, saturated at ULLONG_MAX. */
unsigned long long config_count_add(unsigned long long a,
	    unsigned long long b);
unsigned long long config_count_mul(unsigned long long a,
	    unsigned long long b);
/* Where a job (or revision) came from, for duplicate-name errors. */
struct config_origin {
	const char	*name;
	long		 line;
};
/* The names must be unique, else "FILE:LINE: duplicate WHAT 'NAME' (also
 * at line L)HINT".  Sorts origins. */
int	config_names_unique(const struct dist_config *, struct config_origin *,
	    size_t n, const char *what, const char *hint, char **cause);

/* config-require.c: what machines a job may run on (require.h).  The
 * index of r in cfg->reqs, added as a copy when new; -1 for an empty r. */
int	config_require_add(struct dist_config *, const struct dist_require *r);
/* BenchExec: the <require> children of <benchmark> (as BenchExec reads
 * them: each need at most once) into r. */
int	config_require_benchexec(const struct dist_config *,
	    const struct _xmlNode *root, struct dist_require *r, char **cause);
/* <jobs>/<job>: require-tags= and require-arch= of node over base. */
int	config_require_attrs(const struct dist_config *,
	    const struct _xmlNode *node, const struct dist_require *base,
	    struct dist_require *r, char **cause);
void	config_require_free(struct dist_config *);

#endif
