/*
 * request.h - the bench portal's request layout, written into every
 * collected job directory: request.json (kind, user, machine, revision,
 * status history with UTC times), results.json (the outcome) and run.log
 * (the job's stdout and stderr, in that order).
 */
#ifndef DIST_REQUEST_H
#define DIST_REQUEST_H

#include <stdint.h>

struct request_info {
	const char	*kind;		/* "benchexec", "jobs", "pyperformance" */
	const char	*job_id;
	const char	*job_name;
	const char	*run_id;
	const char	*user;
	const char	*machine;
	const char	*revision;	/* or NULL */
	const char	*branch;	/* or NULL */
	int		 attempt;
	int		 exit_code;
	const char	*reason;	/* why it failed beyond its exit code */
	int		 ok;
	int64_t		 created, pending, running, end;	/* wall clock, ns */
};

/* Write request.json, results.json and run.log into dir. */
int	request_write(const char *dir, const struct request_info *, char **cause);

#endif
