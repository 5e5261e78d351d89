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
	double			 last_keepalive;
};

/* mconn.c */
int	mconn_flush(struct mconn *, char **cause);	/* send c->out */
void	mconn_send(struct mconn *, const char *verb, const char *arg);
/* Flush, then read until the line "VERB ..." (in c->line); job lines
 * read meanwhile are kept in c->later. */
int	mconn_wait(struct mconn *, const char *verb, char **cause);
void	mconn_close(struct mconn *);

/* dispatch.c */
int	run_wants_machine(struct run_ctx *);
/* Keep the slots busy until the run needs the machine no more. */
int	dispatch(struct mconn *, char **cause);
/* The connection is gone: its jobs go back to the queue. */
void	give_back_jobs(struct mconn *);

/* finish.c: collect an ended attempt (orphan: 0 none, 1 given back to
 * the queue, 2 not: a resume's) and record it. */
void	finish_job(struct mconn *, int job, int attempt, int orphan,
	    int exit_code, const char *result);

#endif
