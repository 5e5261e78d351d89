/*
 * run-internal.h - state shared by the parts of a run: the scheduler
 * (sched.c), the machine threads (worker.c, their jobs in dispatch.c,
 * slots.c and finish.c, see mconn.h), collection (collect.c), run.json
 * (runjson.c) and the progress view (progress.c).
 *
 * Everything in struct run_ctx below "mtx" is guarded by it.  Machine
 * threads never print: they post events, which the main thread prints.
 */
#ifndef DIST_RUN_INTERNAL_H
#define DIST_RUN_INTERNAL_H

#include <pthread.h>

#include "dist.h"
#include "results/results.h"
#include "ssh/ssh.h"
#include "store/store.h"

enum job_status { JOB_QUEUED, JOB_RUNNING, JOB_OK, JOB_FAILED };

/*
 * A job is settled once its status is JOB_OK or JOB_FAILED: from then on
 * every other copy of it (in the queue, waiting on a worker, running, an
 * orphan of a lost connection) is cancelled and its result never recorded
 * (sched_settle; the machine threads cancel their own copies, see
 * dispatch.c, cancel_settled).
 */
struct job_state {
	enum job_status	 status;
	int		 seq;		/* attempt numbers handed out (JOBDIR) */
	int		 attempts;	/* of those, sent and not taken back */
	int		 taken_back;	/* sent ahead, taken back before start */
	int		 lost;		/* attempts given back by a lost machine */
	int		 exit_code;	/* of the last attempt, -1 none */
	int		 machine;	/* index of the last machine, -1 */
	int64_t		 start, end;	/* wall clock of the last attempt (ns) */
	char		*error;		/* why it failed, if not its exit code */
	int		 collected;
	int		 collecting;	/* an attempt's results are being collected */
	int		 waiting;	/* sent ahead to a slot, not started yet */
};

/* A job that was running on a machine when its connection was lost. */
struct orphan {
	int		 job;
	int		 attempt;
	int		 queued;	/* the job was given back to the queue */
	int		 killed;	/* settled elsewhere: "kill" sent */
};

enum machine_status {
	M_WAITING, M_CONNECTING, M_LOCKED, M_STAGING, M_PREPARING, M_RUNNING,
	M_IDLE, M_DONE, M_DOWN, M_OUT,
};

/*
 * A job given to one of a machine's slots.  A slot holds the job running
 * there, one sent ahead that waits on the worker and starts the moment the
 * first ends, with no round trip to the master in between, and the ended
 * ones whose results are still being packed (see slots.c).
 */
#define SLOT_ENTRIES	4

struct slot_entry {
	int		 job;		/* -1: none */
	int		 attempt;
	int		 started;	/* the agent said "started" */
	int		 ended;		/* ... and "ended": not running */
	int		 unqueue;	/* "unqueue" sent, no answer yet */
	int		 late;		/* ... answered "late": it started */
	int		 killed;	/* its job is settled: "kill" sent */
};

struct machine_state {
	const struct dist_machine *m;
	char		*key;		/* safe token for paths */
	pthread_t	 thread;
	int		 started;
	enum machine_status status;
	char		*why;		/* locked by, down because ... */
	char		*broke;		/* whose stale lock was broken (mtx) */
	double		 since;		/* mono time of the last status change */
	struct slot_entry *pos;		/* slots x SLOT_ENTRIES */
	int		 running;	/* entries in pos */
	int		 idle;		/* free slots, nothing queued (mtx) */
	int		 jobs_done;
	int		 fails;		/* attempts failed in a row here */
	uint64_t	 archive_sent;	/* bytes of the tool archive sent */
	int		 connects;
	struct orphan	*orphans;	/* owned by the machine's thread */
	size_t		 norphans;
};

struct run_event {
	double		 wall;
	char		*text;
	struct run_event *next;
};

struct run_ctx {
	struct dist_plan *plan;
	const struct dist_opts *opts;
	char		*run_id;
	char		*run_dir;	/* RESULTS/<run-id> */
	char		*user;		/* local user */
	char		*master_host;
	const char	*agent_text;
	char		*script_text;	/* the startup script to push */
	char		*prepare_text;	/* --prepare, or NULL */
	char		*config_text;	/* the job config, read once for every
					   machine to stage (issue 15) */
	size_t		 config_len;
	char		*archive_stage;	/* the file sent as tools/<sha256> */
	uint64_t	 archive_stage_size;
	struct notify	*notify;	/* status reports, or NULL */
	struct store_writer *store;	/* the results store's writer */
	char		*store_error;	/* why the store was not written */
	struct journal	*journal;	/* RESULTS/<run-id>/journal */
	pthread_mutex_t	 metrics_mtx;	/* guards metrics */
	struct metric_table metrics;	/* read from each job once it is done */
	int64_t		 start_wall, end_wall;	/* ns; end: 0 while running */
	double		 start_mono;
	int		 run_lock_fd;

	pthread_mutex_t	 mtx;
	pthread_cond_t	 cond;		/* state changed: wakes main and idle machines */
	struct job_state *jobs;
	size_t		 njobs;
	size_t		*queue;		/* queued job indices, FIFO */
	size_t		 qhead, qlen, qcap;
	size_t		 nrunning, nok, nfailed;
	size_t		 nahead;	/* of nrunning: sent ahead, not started */
	int		 idle_slots;	/* sum of the machines' idle */
	struct machine_state *ms;
	size_t		 nmachines;
	struct run_event *events, *events_tail;
	int		 dirty;		/* run.json needs rewriting */
	int		 metrics_dirty;	/* metrics.json too */
	int		 stopping;	/* no new jobs */
	int		 ended;		/* the master is done with the run */
	int		 interrupts;	/* SIGINT/SIGTERM received (1: drain, 2: kill) */
	int		 exit_status;	/* the master's, -1 while running */
	uint64_t	 archive_sent;
	struct run_fit	*fit;		/* machines x requirements (fit.c) */
};

/* sched.c: the queue; call with mtx held. */
void	sched_init(struct run_ctx *);
int	sched_pop(struct run_ctx *);		/* -1: queue empty */
void	sched_push(struct run_ctx *, size_t job);
void	sched_push_front(struct run_ctx *, size_t job);
int	sched_all_done(const struct run_ctx *);
int	sched_settled(const struct run_ctx *, size_t job);
/* The run's state for run.json: running, finished, interrupted, stopped. */
const char *sched_run_state(const struct run_ctx *);
/* Record the end of an attempt: requeue (retries) or finish the job. */
void	sched_job_end(struct run_ctx *, size_t job, int exit_code,
	    const char *error);
/* The same for an attempt that is not counted as running (an orphan's). */
void	sched_attempt_end(struct run_ctx *, size_t job, int counted,
	    int exit_code, const char *error);
/* Take a queued job out of the queue (its result came from elsewhere). */
void	sched_remove(struct run_ctx *, size_t job);
/* A lost machine gives its job back: queued again, first, without using
 * up a retry, unless it is queued or settled already. */
void	sched_job_lost(struct run_ctx *, size_t job);
/* A copy sent ahead was taken back before it started: queued again,
 * first, unless its job is settled (then it was a cancelled copy). */
void	sched_taken_back(struct run_ctx *, size_t job);
/* A copy in a slot leaves without a result to keep (discarded). */
void	sched_copy_gone(struct run_ctx *);
/* No machine can ever run anything: fail what is left. */
int	sched_machines_exhausted(const struct run_ctx *);

/* fit.c: machines matched to the jobs' requirements (input/require.h);
 * the functions marked (mtx) are called with mtx held. */
struct mconn;
void	fit_init(struct run_ctx *);
void	fit_free(struct run_ctx *);
/* The machine thread: the agent's facts, once per run. */
int	fit_ask(struct mconn *, char **cause);
/* The machine was looked at: its first lock answer, or its first
 * session ended without one. */
void	fit_looked(struct run_ctx *, struct machine_state *);
/* Wait for the judging: 0 go on, -1 the run was refused or stops. */
int	fit_wait(struct run_ctx *);
/* The main thread: judge once every machine was looked at (mtx). */
void	fit_judge_locked(struct run_ctx *);
const char *fit_refusal(const struct run_ctx *);	/* NULL: not refused */
/* The facts probed on a machine this run (unknown ones -1/NULL; mtx),
 * NULL without fit_init(). */
const struct dist_facts *fit_facts(const struct run_ctx *, size_t machine);
/* sched_pop() for machine ms: the first queued job it fits (mtx). */
int	fit_pop(struct run_ctx *, struct machine_state *);
/* A queued job, or one waiting ahead, fits ms (mtx). */
int	fit_any_waiting(const struct run_ctx *, const struct machine_state *);
/* An unsettled job fits ms (takes mtx). */
int	fit_wanted(struct run_ctx *, const struct machine_state *);
/* Remember the probed facts (RESULTS/machine-facts.json). */
void	fit_save(struct run_ctx *);
/* order.c: --order longest-first.  order[] gets the job indices: those
 * without a known duration (dur[i] < 0) first in config order, then the
 * others longest first (ties: config order); returns how many were
 * known.  sched_reorder() puts the queued jobs in that order (before the
 * first pop). */
size_t	sched_order_lpt(const double *dur, size_t n, size_t *order);
void	sched_reorder(struct run_ctx *, const double *dur);

/* events: post with or without mtx held (post_event takes it). */
void	post_event(struct run_ctx *, const char *, ...) PRINTFLIKE(2, 3);
void	post_event_locked(struct run_ctx *, const char *, ...) PRINTFLIKE(2, 3);
void	machine_set_status(struct run_ctx *, struct machine_state *,
	    enum machine_status, const char *why);	/* takes mtx */
const char *machine_status_name(enum machine_status);

/* slots.c: a machine's slot entries; the entry functions are called by
 * the machine's own thread, those marked (mtx) with mtx held. */
char	*slot_dir(const struct run_ctx *, const struct machine_state *,
	    int job, int attempt);	/* the job's directory token */
struct slot_entry *slot_at(struct machine_state *, int slot, int i);
/* The entry of slot whose directory token is dir, or NULL. */
struct slot_entry *slot_lookup(const struct run_ctx *, struct machine_state *,
	    int slot, const char *dir);
/* Where slot takes a job now, or NULL: a free entry when nothing runs
 * there, or when one runs and *ahead may be sent behind it. */
struct slot_entry *slot_vacancy(struct machine_state *, int slot, int *ahead);
/* Entry e gets job: started now, or sent ahead to wait (mtx). */
void	slot_fill(struct run_ctx *, struct machine_state *, struct slot_entry *,
	    int job, int attempt, int ahead);
/* A job sent ahead has started (mtx). */
void	slot_started(struct run_ctx *, struct slot_entry *);
/* Empty an entry (mtx). */
void	slot_clear(struct run_ctx *, struct machine_state *, struct slot_entry *);
int	slot_may_send_ahead(const struct run_ctx *);		/* (mtx) */
int	slot_should_take_back(const struct run_ctx *);		/* (mtx) */
void	slot_set_idle(struct run_ctx *, struct machine_state *, int);	/* (mtx) */

/* worker.c */
void	add_orphan(struct machine_state *, int job, int attempt, int queued);
void	*machine_main(void *);	/* arg: struct machine_thread_arg * */
struct machine_thread_arg {
	struct run_ctx		*ctx;
	struct machine_state	*ms;
};

/* collect.c: bring a job's results back into
 * RESULTS/<run-id>/jobs/<job-id>/: remote is its packed result
 * (JOBDIR.tar, COLLECT_PACKED), or its directory (COLLECT_WALK), copied
 * entry by entry over SFTP unless it is bigger than COLLECT_WALK_BYTES or
 * COLLECT_WALK_ENTRIES: then 1, nothing done (the worker should pack it),
 * or its bundle (JOBDIR.bundle, COLLECT_BUNDLE; a bad one: the directory
 * is walked).  0 collected.  A walk or a bundle writes argv/, argc and
 * env/ from what the master sent (config: the worker path of the config,
 * the job's config argument). */
/* Measured on loopback (issue 15): per entry a walk costs ~3 SFTP round
 * trips, so past ~64 entries one tar on the worker and one download take
 * the master less time; bytes never favour tar (a walk reads each file
 * with its reads pipelined, as the download of a tar does, and the worker
 * copies nothing): the byte bound is the result limit.  (-D... for
 * experiments.) */
#ifndef COLLECT_WALK_BYTES
#define COLLECT_WALK_BYTES	((uint64_t)8 << 30)
#endif
#ifndef COLLECT_WALK_ENTRIES
#define COLLECT_WALK_ENTRIES	64
#endif
struct request_info;
enum collect_how { COLLECT_PACKED, COLLECT_WALK, COLLECT_BUNDLE };
struct collect_from {
	const char		*remote;	/* the worker's path */
	enum collect_how	 how;
	const char		*inline_b64;	/* COLLECT_BUNDLE: the bundle
						   from the "done" line, or
						   NULL: read remote */
};
int	collect_job(struct run_ctx *, struct dist_ssh *,
	    const struct collect_from *, const char *config,
	    const struct dist_job *, struct request_info *, char **cause);
/* collect-walk.c: copy the worker directory remote into dest (fresh,
 * empty) entry by entry over SFTP, never anything outside it, but for
 * the top-level names in own (NULL-terminated, or NULL); entries
 * that cannot be kept safely (symlinks, devices, FIFOs, sockets, unsafe
 * names) are listed in skipped as archive_extract_safe() lists them.  1
 * (nothing copied) when it holds more than max_entries entries or
 * max_bytes bytes of files. */
int	collect_walk(struct dist_ssh *, const char *remote, const char *dest,
	    const char *const *own, uint64_t max_bytes, size_t max_entries,
	    struct strvec *skipped, char **cause);

/* collect-bundle.c: a small result as one file, JOBDIR.bundle (made by
 * the worker helper, client-scripts/dist-helper-bundle.c), read in one
 * SFTP open/read/close and unpacked into dest (fresh, empty) as
 * collect_walk would have copied the directory; a name in own is refused.
 * 0 done; 1 no usable bundle, nothing written (*cause says why: the
 * caller walks the directory instead); -1 the connection is lost, or a
 * local failure.  bundle_unpack: the same from data (changed: its names
 * are cut out), the parser checking the whole bundle before it writes. */
#define BUNDLE_BYTES_MAX	(60 * 1024)	/* as the helper's */
int	collect_bundle(struct dist_ssh *, const char *remote, const char *dest,
	    const char *const *own, char **cause);
int	bundle_unpack(char *data, size_t len, const char *dest,
	    const char *const *own, char **cause);
/* The same from a bundle in base64 (a "done" line's): 0, or 1 (a bad
 * one: *cause says why, nothing written), or -1 (a local failure). */
int	bundle_unpack_base64(const char *b64, const char *dest,
	    const char *const *own, char **cause);

/* runjson.c */
int	runjson_write(struct run_ctx *, char **cause);	/* takes mtx */
/* A BenchExec run's merged results and tables (benchexec-end.c). */
void	run_benchexec_end(struct run_ctx *);

/* run-resume.c: the inputs a run keeps for resume, and the replay. */
int	resume_save_inputs(struct run_ctx *, char **cause);
int	resume_restore(struct run_ctx *, char **cause);

/* run-notify.c */
void	run_notify_job(struct run_ctx *, size_t job, int machine);
void	run_notify_done(struct run_ctx *);

/* run-store.c: the results store written as the run goes */
void	run_store_start(struct run_ctx *);
/* --db, else sqlite:RESULTS/distribute.db beside the run's directory. */
char	*run_store_url(const struct run_ctx *);
/* order.c: --order: the queue longest first when the store knows the
 * jobs' durations (before the machine threads start). */
void	run_order(struct run_ctx *);
void	run_store_job(struct run_ctx *, size_t job);
void	run_store_done(struct run_ctx *);
void	run_store_summary(struct run_ctx *, FILE *);

/* progress.c, progress-view.c */
void	progress_print_events(struct run_ctx *, struct run_event *);
void	progress_live(struct run_ctx *, int final);
/* The live view's lines for a terminal of width x height (pure: the
 * clocks are given; call with mtx held). */
void	progress_view(const struct run_ctx *, double now_mono, double now_wall,
	    int width, int height, struct strvec *out);
/* "draining: N jobs running, no new ones; ..." after an interrupt. */
char	*progress_interrupt_text(const struct run_ctx *);
void	progress_summary(struct run_ctx *, FILE *);

/* archive-extract.c: unpack an archive into an existing directory,
 * never anything outside it; stops with an error past max_bytes of
 * unpacked data or max_entries entries.  Entries that cannot be kept
 * safely (absolute paths, "..", symlinks, devices, FIFOs, sockets,
 * hardlinks to anything but a regular file unpacked before) are listed in
 * skipped, one line each ("NAME: symlink -> TARGET"), and the rest is
 * kept; with skipped NULL they make the whole archive fail instead. */
struct strvec;
int	archive_extract_safe(const char *archive_path, const char *destdir,
	    uint64_t max_bytes, size_t max_entries, struct strvec *skipped,
	    char **cause);

/* isolation-lines.c: the worker side of isolation (input/isolation.h). */
/* Check machine m's isolation (its attributes over the options of o):
 * input/isolation.c's isolation_check() on o's isolation options. */
int	isolation_check_machine(const struct dist_opts *,
	    const struct dist_machine *m, char **cause);
/* Append the iso lines for a job on slot of machine m to out; cfg (or
 * NULL) tells BenchExec jobs, whose cores go to BenchExec itself as
 * --allowedCores (see client-scripts/agent-env.sh); home (or NULL) is the
 * login user's home there, for tmpfs=~/... */
void	isolation_lines(struct strbuf *out, const struct dist_opts *,
	    const struct dist_machine *m, int slot,
	    const struct dist_config *cfg, const char *home);

#endif
