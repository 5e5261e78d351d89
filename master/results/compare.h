/*
 * compare.h - compare the results of two runs (or two jobs): per
 * (benchmark, metric) the means, B/A, Welch's t-test, a verdict; the
 * geometric mean of the ratios; BenchExec verdict counts side by side;
 * warnings when the two sides ran on different hardware, or a job started
 * with a load above its machine's idle level (env.json load_before above
 * half the cores: the level env.json calls a disturbance).
 *
 * Pooling: on each side, the values of one (benchmark, metric) are pooled
 * across the jobs of the run that ran on the same machine (identity),
 * the same BenchExec run definition and the same revision: a repeat="4"
 * job gives one row with every sample.  Other machines stay separate rows
 * unless pool_machines; different run definitions or revisions are never
 * pooled.  BenchExec rows are keyed by (run definition, task), so that a
 * --split=tasks run ("RUNDEF:TASK") and a per-run-definition run compare.
 *
 * Matching: a series of A is matched with B's series of the same
 * (run definition, revision, benchmark, metric) on the same machine;
 * when one is left on each side (other machines), those two.  The job
 * column (by_job) is shown when both sides have several jobs and share a
 * job id: a row names its job, or its first and last pooled jobs.
 *
 * A change is significant when Welch's p < alpha (0.05) AND |B/A - 1| is
 * at least min_change percent; with fewer than 2 values on a side there
 * is no test and never a significant change.  The verdict follows the
 * row's trend: "better"/"worse", "changed" without a trend, "same", "n/a"
 * (no test), "only in A"/"only in B".
 *
 * The geometric mean of B/A is taken over the rows of one metric: "time"
 * (pyperf) if any row has it, else "cputime" (BenchExec), else the metric
 * most rows have; rows whose means are not both positive are left out.
 */
#ifndef DIST_COMPARE_H
#define DIST_COMPARE_H

#include "results/metrics.h"
#include "results/stats.h"

#define COMPARE_MIN_CHANGE	1.0	/* percent */
#define COMPARE_ALPHA		0.05

struct compare_opts {
	double	min_change;	/* percent, >= 0 */
	double	alpha;
	int	pool_machines;	/* --pool-machines */
};

enum compare_verdict {
	VERDICT_SAME, VERDICT_BETTER, VERDICT_WORSE, VERDICT_CHANGED,
	VERDICT_NO_TEST, VERDICT_ONLY_A, VERDICT_ONLY_B,
};

struct compare_row {
	char			*job;		/* NULL: no job column; else the
						   job or "FIRST..LAST" */
	struct strvec		 jobs;		/* every job pooled (A, then B) */
	char			*machine;	/* A's machine (NULL: unknown
						   or pooled); B's if only B */
	char			*machine_b;	/* B's, when not A's */
	char			*rundef;	/* BenchExec, else NULL */
	char			*revision;	/* the jobs', else NULL */
	char			*benchmark;
	char			*metric;
	char			*unit;
	char			*trend;
	int			 benchexec;	/* a BenchExec task's row */
	size_t			 na, nb;
	double			 mean_a, mean_b;
	double			 sd_a, sd_b;	/* NAN if n < 2 */
	double			 ratio;		/* mean_b / mean_a, NAN if none */
	double			 change;	/* percent */
	int			 tested;
	struct welch		 w;		/* if tested */
	int			 significant;
	enum compare_verdict	 verdict;
};

struct compare_counts {
	char			*job;		/* "A-JOB / B-JOB" if they differ */
	const struct metric_counts *a;		/* NULL: not on that side */
	const struct metric_counts *b;
};

struct compare_result {
	const struct metric_table *a, *b;	/* borrowed: keep them alive */
	char			*label_a, *label_b;
	struct compare_opts	 opts;
	int			 by_job;
	int			 by_machine;	/* a side ran a series on several
						   machines: a machine column */
	struct compare_row	*rows;
	size_t			 nrows;
	struct compare_counts	*counts;
	size_t			 ncounts;
	char			*geo_metric;	/* NULL: no geometric mean */
	double			 geomean;
	size_t			 geo_n;
	size_t			 ncompared, nbetter, nworse, nchanged;
	struct strvec		 warnings;
};

void	compare_opts_init(struct compare_opts *);
/* --min-change: "1", "0.5", "3%"; from 0 to 1000. */
int	compare_parse_percent(const char *, double *, char **cause);
const char *compare_verdict_name(enum compare_verdict);

/* Load one side: DIR/metrics.json if there is one, else every job of
 * DIR/jobs/, else DIR itself as one job's directory.  -1 when DIR is not
 * a directory or holds no result at all. */
int	compare_load(const char *dir, struct metric_table *, char **cause);

void	compare_tables(const struct metric_table *a, const char *label_a,
	    const struct metric_table *b, const char *label_b,
	    const struct compare_opts *, struct compare_result *);
void	compare_free(struct compare_result *);

char	*compare_markdown(const struct compare_result *);
char	*compare_json(const struct compare_result *);
/* One line per row, RFC 4180 quoting, a header line first. */
char	*compare_csv(const struct compare_result *);


#endif
