/*
 * journal.h - RESULTS/<run-id>/journal: every state change of a run,
 * appended and synced, so that "distribute resume" can carry on after a
 * crash of the master.  One line a change (indices into the plan):
 *
 *	start JOB ATTEMPT MACHINE JOB-ID	a job was sent to a machine
 *	end JOB ATTEMPT ok|failed|requeued EXIT	its results were collected
 *	lost JOB ATTEMPT			its machine's connection was lost
 *	back JOB ATTEMPT			taken back before it started (it
 *						was sent ahead to wait for a slot),
 *						or a copy of a settled job cancelled
 *
 * The first "end ... ok|failed" of a job settles it: later lines about
 * the job change nothing. 
 */
#ifndef DIST_JOURNAL_H
#define DIST_JOURNAL_H

#include <stddef.h>

#include "lib/lib.h"

struct journal;

int	journal_open(const char *run_dir, struct journal **, char **cause);
void	journal_close(struct journal *);
/* Append one line and fdatasync; errors are returned, never fatal. */
int	journal_append(struct journal *, const char *, ...) PRINTFLIKE(2, 3);
/* Append lines (without their '\n') in one write, one fdatasync. */
int	journal_append_lines(struct journal *, const struct strvec *);

/* What the journal says of one job. */
enum journal_state { JS_QUEUED, JS_RUNNING, JS_OK, JS_FAILED };

struct journal_job {
	enum journal_state state;
	int		 attempts;	/* highest attempt started */
	int		 taken_back;	/* of those, taken back before start */
	int		 lost;		/* of those, given back by a lost machine */
	int		 exit_code;	/* of the last end, -1 none */
	int		 machine;	/* JS_RUNNING: where, else the last */
	int		 attempt;	/* JS_RUNNING: which attempt */
	int		 lost_machine;	/* a lost attempt's machine, -1 none */
	int		 lost_attempt;
};

/* Replay run_dir's journal into jobs[0..njobs-1] (zeroed by the caller is
 * not needed); lines naming unknown jobs or machines are errors. */
int	journal_replay(const char *run_dir, struct journal_job *jobs,
	    size_t njobs, size_t nmachines, char **cause);

#endif
