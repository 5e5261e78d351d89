/*
 * request.h - the bench portal's request layout, written into every
 * collected job directory: request.json (kind, user, machine, revision,
 * status history with UTC times), results.json (the outcome) and run.log
 * (the job's stdout and stderr, in that order).
 */
#ifndef DIST_REQUEST_H
#define DIST_REQUEST_H

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
	size_t		 skipped;	/* result entries not kept (symlinks...) */
	double		 created, pending, running, end;	/* wall clock */
};

struct strvec;

/*
 * The job's status file, written on the worker (where the job itself can
 * append to it): "start=" and "end=" wall-clock times override ri's
 * running and end, "reason=timeout" fails it.  A value that is not a sane
 * time (parse_wall), or an end before the start, is ignored and its line
 * pushed on bad (control characters escaped, cut to 80 bytes).
 */
void	request_parse_status(const char *data, struct request_info *,
	    struct strvec *bad);

/* The list of result entries that could not be kept safely. */
#define SKIPPED_FILE	"skipped-entries.txt"

/* Write request.json, results.json and run.log into dir. */
int	request_write(const char *dir, const struct request_info *, char **cause);

#endif
