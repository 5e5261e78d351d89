/*
 * store.h - the face of store/: the results store, where every run, job,
 * attempt, machine and metric value is kept (SQLite by default,
 * PostgreSQL for a team), and written as a run goes (layer: above
 * results/, below notify/ and run/).
 *
 *	db.h		one SQL connection, SQLite or PostgreSQL
 *
 * Calling steps:
 *  1. store_open(url, &db, &cause): db_open, then the schema brought up
 *     to date under a lock (an old store migrated, a newer one refused);
 *  2. store_put_run / store_put_job / store_import_run to write, each in
 *     its own transactions, idempotent (a re-import replaces, never
 *     duplicates); store_find_run to resolve a run argument;
 *  3. db_close(db).
 * During a run, a store_writer (one thread, a queue) does step 2 so that
 * the scheduler never waits on the store.
 */
#ifndef DIST_STORE_STORE_H
#define DIST_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

#define STORE_FILE	"distribute.db"	/* in RESULTS: the default store */

int	store_open(const char *url, struct db **, char **cause);
/* "sqlite:RESULTS/distribute.db" in buf. */
const char *store_default_url(const char *results_dir, char *buf, size_t);
/* The schema version this program writes (a store's newer one is
 * refused by store_open). */
int	store_schema_version(void);

/* The run row of run_dir (its run.json), inserted or updated. */
int	store_put_run(struct db *, const char *run_dir, char **cause);
/* One collected job: its run row first if missing, the job, its attempt,
 * machine identity and every result row, in ONE transaction (the job's
 * results replaced).  nresults (may be NULL): rows written. */
int	store_put_job(struct db *, const char *run_dir, const char *job_id,
	    char **cause);
int	store_put_job_n(struct db *, const char *run_dir, const char *job_id,
	    size_t *nresults, char **cause);
/* A whole run directory: the run and every job that has a result. */
int	store_import_run(struct db *, const char *run_dir, char **cause);
int	store_import_run_n(struct db *, const char *run_dir, size_t *njobs,
	    size_t *nresults, char **cause);

/* A run argument: a store id ("12"), "run:RUN-ID", "name:NAME" (the
 * latest of that name), or a bare RUN-ID or NAME; the runs.id, or -1
 * with *cause (not found, or ambiguous: the candidates listed). */
int64_t	store_find_run(struct db *, const char *spec, char **cause);

/*
 * The run's writer: one thread with its own connection and a queue.
 * store_writer_start never fails (the store is opened in the thread);
 * posting only queues.  On the first failure, fail(arg, cause) is called
 * once from the writer thread and everything after is dropped (import
 * catches up).  store_writer_finish waits for the queue (at most wait_s
 * seconds), stops the thread and returns 0, or -1 with the first cause.
 */
struct store_writer;
struct store_writer *store_writer_start(const char *url, const char *run_dir,
	    void (*fail)(void *, const char *), void *arg);
void	store_writer_run(struct store_writer *);	/* the run row */
/* index: the job's place in run.json's jobs (a hint, to find it fast) */
void	store_writer_job(struct store_writer *, const char *job_id,
	    size_t index);
int	store_writer_finish(struct store_writer *, unsigned wait_s,
	    char **cause);

/*
 * Queries (history.c, query.c): history, compare and rerun over the store.
 */
struct history_query {
	const char	*glob;		/* benchmark glob (fnmatch), or NULL */
	const char	*metric;	/* or NULL: every metric */
	const char	*machine;	/* hostname, or NULL */
	const char	*project;	/* revisions' project, or NULL */
	int64_t		 since_ns;	/* runs started from then on, or -1 */
	size_t		 limit;		/* the last N rows per series, 0: all */
};

/* One row: a series' samples for one revision (else run) on one machine
 * identity, pooled over the jobs (and runs) that measured them. */
struct history_row {
	char		*benchmark, *metric, *unit;
	char		*rundef, *task;		/* "" unless BenchExec */
	char		*machine;		/* hostname */
	int64_t		 machine_id;
	char		*revision, *project;	/* NULL: none (per run) */
	int64_t		 commit_ns;		/* -1: unknown */
	int64_t		 run;			/* the first run's store id */
	char		*run_id, *run_name;
	size_t		 nruns;
	int64_t		 start_ns, last_ns;	/* first and last run's start */
	char		*kernel, *os;		/* the last run's */
	size_t		 n;
	double		 mean, stdev;		/* stdev NAN if n < 2 */
	double		 change;		/* percent from the row before
						   in the series, NAN: none */
	char		*note;			/* "kernel A -> B; OS ..." */
};

struct history_result {
	char			*where;		/* db_where() */
	struct history_row	*rows;		/* series after series, each
						   in time order */
	size_t			 nrows;
};

void	history_query_init(struct history_query *);
/* --since: YYYY-MM-DD[THH:MM], local time unless a final Z (UTC). */
int	history_parse_since(const char *, int64_t *ns, char **cause);
int	store_history(struct db *, const struct history_query *,
	    struct history_result *, char **cause);
void	history_free(struct history_result *);

/* compare over the store (query.c).  A stored run, or every stored
 * measurement of a revision (commit id or a unique prefix; *full: the
 * commit id), as a metric_table: job = the job id, machine = the machine
 * identity's hostname, BenchExec rows with rundef/tasks_set/task; fp
 * (or NULL) gets each machine identity once, "HOST (ARCH, CPU, N cores,
 * M GiB)". */
struct metric_table;
struct strvec;
int	store_query_run(struct db *, int64_t run, struct metric_table *,
	    struct strvec *fp, char **cause);
int	store_query_revision(struct db *, const char *commit,
	    struct metric_table *, struct strvec *fp, char **full,
	    char **cause);
/* A compare argument: "run:ID", "name:NAME", or a bare word that may be
 * a store id, a run id or a name: one of them, else an error listing the
 * candidates (ambiguous) or saying none matched. */
int64_t	store_resolve_run(struct db *, const char *word, char **cause);
/* "run 12 (RUN-ID, NAME)" */
char	*store_run_label(struct db *, int64_t run);
/* --order longest-first: each job's past duration in seconds (dur[i],
 * -1 unknown) from the store's runs of this name (the run name is kept
 * when the config is edited, its hash is not): the newest successful
 * attempt of the same job id, else its newest attempt.  The number
 * known, or (size_t)-1 with *cause. */
size_t	store_job_durations(struct db *, const char *run_name,
	    const char *const *job_ids, size_t n, double *dur, char **cause);
/* "PREFIX%" for LIKE ... ESCAPE '\': %, _ and \ escaped. */
char	*like_prefix(const char *);

#endif
