/*
 * mconn.h - a machine thread's connection to its worker (worker.c: the
 * session; dispatch.c: the jobs; finish.c: a finished attempt), and the
 * line exchange with its agent (mconn.c).
 */
#ifndef DIST_MCONN_H
#define DIST_MCONN_H

#include "lib/lib.h"
#include "run/run-internal.h"
#include "ssh/ssh.h"

/* Unanswered pings (one per --keepalive) before a machine is lost. */
#define MCONN_PING_MISSES	4

struct mconn {
	struct run_ctx		*ctx;
	struct machine_state	*ms;
	struct dist_ssh		*ssh;
	struct dssh_chan	*ch;
	char			*workdir;	/* worker paths: absolute, */
	char			*lockfile;	/* "~" made the home */
	char			*rundir;
	char			*tooldir;
	char			*config;	/* worker path of the config */
	char			*script;
	struct strbuf		 out;		/* lines to send */
	struct strbuf		 line;		/* last line read */
	struct strvec		 later;		/* job lines read while waiting
						   for a reply, handled next */
	/* liveness (mconn_keepalive): "ping N" every --keepalive seconds,
	 * answered "pong N" by the agent even while it prepares or unpacks */
	unsigned		 ping_sent;	/* N of the last ping */
	unsigned		 ping_answered;	/* N of the last pong */
	double			 last_ping;	/* mono time it was sent */
	double			 alive_at;	/* mono time of the last line read */
	int			 frozen;	/* the pings went unanswered */
	int			 agent_up;	/* the agent started */
	int			 helper_on;	/* "helper on": the worker
						 * helper makes job dirs */
	double			 lazy_at;	/* c->out holds only lazy
						 * lines since then (0: not) */
	/* collected jobs waiting to be made durable together (commit.c):
	 * their journal "end" lines and job directories to forget */
	struct strvec		 commit_ends;
	struct strvec		 commit_forgets;
	double			 commit_since;	/* mono time of the oldest */
};

/* mconn.c */
int	mconn_flush(struct mconn *, char **cause);	/* send c->out */
void	mconn_send(struct mconn *, const char *verb, const char *arg);
/* A line that may wait (at most MCONN_LAZY_S) to go with the next ones,
 * e.g. "forget": one packet less per job; mconn_flush_due sends c->out
 * unless it holds only such lines, not yet due. */
#define MCONN_LAZY_S	0.2
void	mconn_send_lazy(struct mconn *, const char *verb, const char *arg);
int	mconn_flush_due(struct mconn *, char **cause);
/* Flush, then read until the line "VERB ..." (in c->line); job lines
 * read meanwhile are kept in c->later. */
int	mconn_wait(struct mconn *, const char *verb, char **cause);
/* The same without the 60 s bound, for work that takes as long as it
 * takes (unpack, prepare): the pings say whether the agent is alive. */
int	mconn_wait_long(struct mconn *, const char *verb, char **cause);
/* Send "ping N" when one is due.  quiet: nothing was there to read just
 * now, so pings unanswered for MCONN_PING_MISSES x keepalive mean the
 * machine is lost (-1, cause set).  A no-op with --keepalive 0. */
int	mconn_keepalive(struct mconn *, int quiet, char **cause);
/* c->line is "pong N": note the answer (1), or not a pong (0). */
int	mconn_pong(struct mconn *);
/* From the agent's start on, the pings and SFTP replies keep the
 * connection talking: watch it (on), cut it after a silence of
 * MCONN_PING_MISSES + 2 keepalives, so that no libssh call (SFTP) hangs
 * on a frozen machine; off while nothing is asked of the agent (a lock
 * wait). */
void	mconn_watch(struct mconn *, int on);
/* The connection is gone or its agent stopped answering (not an error
 * of the worker's own, such as a full disk): worth another try. */
int	mconn_lost(struct mconn *);
/* A line came from the agent (called by every reader). */
void	mconn_alive(struct mconn *);
void	mconn_close(struct mconn *);

/* dispatch.c */
int	run_wants_machine(struct run_ctx *);
/* Keep the slots busy until the run needs the machine no more. */
int	dispatch(struct mconn *, char **cause);
/* The connection is gone: its jobs go back to the queue. */
void	give_back_jobs(struct mconn *);

/* commit.c: collected jobs made durable in groups: commit_add keeps a
 * job's journal line (or NULL) and directory to forget (or NULL);
 * commit_flush syncs the run's file system, journals the lines with one
 * fdatasync and sends the forgets (lazily); commit_due: COMMIT_MAX jobs,
 * or the oldest has waited COMMIT_WAIT_S.  commit_sync: syncfs(2) of the
 * file system of dir. */
#define COMMIT_MAX	32
#define COMMIT_WAIT_S	0.1
void	commit_add(struct mconn *, const char *end_line,
	    const char *forget_dir);
int	commit_pending(const struct mconn *);
int	commit_due(const struct mconn *);
void	commit_flush(struct mconn *);
int	commit_sync(const char *dir, char **cause);

/* finish.c: collect an ended attempt (orphan: 0 none, 1 given back to
 * the queue, 2 not: a resume's) and record it.  result: the worker's
 * name for it (a "done" line's); bundle_b64: the bundle the line
 * brought, or NULL. */
void	finish_job(struct mconn *, int job, int attempt, int orphan,
	    int exit_code, const char *result, const char *bundle_b64);

#endif
