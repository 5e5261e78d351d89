/*
 * metrics.h - benchmark results normalized into one table, read from the
 * files a job leaves behind, and RESULTS/<run-id>/metrics.json.
 *
 * A row is one (job, benchmark, metric) with all its measured values:
 *
 *  - pyperf JSON (pyperformance, "*.json", "*.json.gz" holding
 *    "benchmarks"): one row per benchmark, the values of every run that
 *    has values (warmups and calibration runs left out); benchmark = its
 *    name (benchmark metadata, else the file's metadata); unit from the
 *    same metadata, "second" by default; metric "time" for seconds,
 *    "memory" for bytes, "value" otherwise; lower is better.
 *  - current-bench JSON ("*.json" holding "results", possibly several
 *    objects one after the other): one row per (result, metric);
 *    benchmark = "NAME/RESULT" when the object has a "name", else
 *    "RESULT"; metric = the metric's name; a value may be a number, a
 *    string with a unit ("12.5ms", "1min2s"), a list of them, or an
 *    object whose "avg" is taken; v1 "metrics" objects (name -> value)
 *    too.  The same row met again gets the new values appended.
 *  - BenchExec results ("*.results.*xml", ".xml.bz2", ".xml.gz"): per run
 *    rows cputime (s), walltime (s) and memory (B), benchmark = the run's
 *    name ("RUNDEF:NAME" when one job holds several run definitions);
 *    per job the counts of each category (correct, wrong, ...) and the
 *    totals of cputime and walltime.  A run present in both the
 *    run-definition file and a task-set file is counted once.
 *
 * Hardware: env.json in a job directory ({"cpu_model", "cores",
 * "platform"}), pyperf metadata (cpu_model_name, cpu_count, platform) and
 * BenchExec's <systeminfo> fill one host record per job.
 *
 * Reading never stops at a bad file: it is skipped and a warning
 * ("FILE: why") is added to the table.
 */
#ifndef DIST_METRICS_H
#define DIST_METRICS_H

#include <stddef.h>

#include "lib/lib.h"

#define TREND_LOWER	"lower-is-better"
#define TREND_HIGHER	"higher-is-better"

/* Largest result file read (whole, and parsed in memory), after
 * decompression: a larger one is skipped with a warning, so that the
 * master's memory stays bounded whatever a job writes. */
#define METRICS_MAX_BYTES	((size_t)16 << 20)

struct metric_row {
	char	*job;
	char	*machine;	/* NULL: unknown */
	char	*benchmark;
	char	*metric;
	double	*values;
	size_t	 nvalues;
	size_t	 avalues;
	char	*unit;		/* NULL: unknown */
	char	*trend;		/* TREND_LOWER, TREND_HIGHER or NULL */
	/* BenchExec (else NULL): the run definition, the tasks set (the
	 * result file's block) and the task (the run's name) */
	char	*rundef;
	char	*tasks_set;
	char	*task;
};

/* BenchExec verdict categories and totals of one job. */
struct metric_counts {
	char		*job;
	char		*machine;
	unsigned long	 tasks;
	unsigned long	 correct;
	unsigned long	 correct_unconfirmed;
	unsigned long	 wrong;
	unsigned long	 unknown;
	unsigned long	 error;
	unsigned long	 missing;
	double		 cputime;	/* seconds, summed over the tasks */
	double		 walltime;
	char		*rundef;	/* the job's run definition and tasks */
	char		*tasks_set;	/* set: NULL unknown, "" several */
};

/* What a job ran on, as far as its files say. */
struct metric_host {
	char	*job;
	char	*machine;
	char	*cpu_model;	/* NULL: unknown */
	char	*platform;	/* OS and kernel, NULL: unknown */
	long	 cores;		/* -1: unknown */
	double	 load_before;	/* env.json's 1-minute load, NAN: unknown */
	char	*revision;	/* run.json's job "revision", or NULL */
};

/* A string -> index hash map (open addressing), internal to metrics.c. */
struct metric_index {
	char	**keys;
	size_t	 *vals;
	size_t	  size;
	size_t	  count;
};

struct metric_table {
	struct metric_row	*rows;
	size_t			 nrows, arows;
	struct metric_counts	*counts;
	size_t			 ncounts, acounts;
	struct metric_host	*hosts;
	size_t			 nhosts, ahosts;
	struct strvec		 warnings;
	struct metric_index	 row_index;
	struct metric_index	 seen;
};

void	metrics_init(struct metric_table *);
void	metrics_free(struct metric_table *);
void	metrics_warn(struct metric_table *, const char *, ...) PRINTFLIKE(2, 3);

/* The row (job, benchmark, metric), made if new; a NULL unit or trend
 * of an existing row is filled from the arguments. */
struct metric_row *metrics_row(struct metric_table *, const char *job,
	    const char *machine, const char *benchmark, const char *metric,
	    const char *unit, const char *trend);
void	metrics_add_value(struct metric_row *, double);
/* Record the row's BenchExec run definition (kept if already set). */
void	metrics_set_rundef(struct metric_row *, const char *rundef);
/* The row (job, benchmark, metric), or NULL. */
const struct metric_row *metrics_find(const struct metric_table *,
	    const char *job, const char *benchmark, const char *metric);
struct metric_counts *metrics_counts(struct metric_table *, const char *job,
	    const char *machine);
/* Fill the unknown fields of the job's host record (NULL / -1: keep). */
void	metrics_set_host(struct metric_table *, const char *job,
	    const char *machine, const char *cpu_model, long cores,
	    const char *platform);
/* The 1-minute load before the job (env.json load_before). */
void	metrics_set_host_load(struct metric_table *, const char *job,
	    double load_before);
/* The job's revision (run.json), so compare never pools two. */
void	metrics_set_host_revision(struct metric_table *, const char *job,
	    const char *revision);
/* 1 the first time key is seen in this table, 0 after. */
int	metrics_first_seen(struct metric_table *, const char *key);

/* A file's content, gunzipped or bunzip2ed by its name (.gz, .bz2),
 * at most METRICS_MAX_BYTES; NUL-terminated. */
int	metrics_load_file(const char *path, char **data, size_t *len,
	    char **cause);

/* The readers; name starts warnings and errors.  -1 with *cause when the
 * file as a whole is unusable; smaller problems become warnings. */
int	metrics_read_pyperf(struct metric_table *, const struct jv *root,
	    const char *name, const char *job, const char *machine,
	    char **cause);
int	metrics_read_currentbench(struct metric_table *, const struct jv *all,
	    const char *name, const char *job, const char *machine,
	    char **cause);
/* All the BenchExec result files of one job at once (run definitions
 * are only known from all of them); failures become warnings.  job_dir
 * (the paths are under it; or NULL) gives the tasks' names relative to
 * the benchmark definition (metrics-benchexec.c). */
void	metrics_read_benchexec(struct metric_table *, const struct strvec *paths,
	    const char *job_dir, const char *job, const char *machine);

/* Is this file name a BenchExec result file?  A JSON one? */
int	metrics_is_benchexec_name(const char *name);
int	metrics_is_json_name(const char *name);
/* One JSON file: pyperf or current-bench by its content; 0 read,
 * 1 not a result file, -1 error. */
int	metrics_read_json_file(struct metric_table *, const char *path,
	    const char *job, const char *machine, char **cause);

/* Everything a collected job directory holds (never fails). */
void	metrics_scan_dir(struct metric_table *, const char *job_dir,
	    const char *job_id, const char *machine);
/* Every job of a run directory (RESULTS/<run-id>/jobs/<id>/), machines
 * from its run.json when there is one. */
void	metrics_scan_run(struct metric_table *, const char *run_dir);

/* metrics.json: {"rows": [...], "benchexec": [...], "hosts": [...],
 * "warnings": [...]}. */
char	*metrics_to_json(const struct metric_table *);
/* One BenchExec counts object (with its machine, or without: compare's
 * per-side copy), as metrics.json writes it. */
struct json;
void	metric_counts_json(struct json *, const char *key,
	    const struct metric_counts *, int with_machine);
int	metrics_write_json(const struct metric_table *, const char *path,
	    char **cause);
int	metrics_read_json(struct metric_table *, const char *path,
	    char **cause);

#endif
