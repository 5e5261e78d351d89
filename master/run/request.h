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
	const char	*reason;	/* the config's meaning of the exit
					   code, "timeout" (killed), or NULL */
	int		 timeout;	/* --job-timeout in seconds, 0: none */
	int		 ok;
	size_t		 skipped;	/* result entries not kept (symlinks...) */
	int64_t		 created, pending, running, end;	/* wall clock, ns */
};

struct strvec;

/*
 * The job's status file, written on the worker (where the job itself can
 * append to it): "start=" and "end=" wall-clock times override ri's
 * running and end, "reason=timeout" fails it.  A value that is not a sane
 * time (parse_epoch_ns), or an end before the start, is ignored and its line
 * pushed on bad (control characters escaped, cut to 80 bytes).
 */
void	request_parse_status(const char *data, struct request_info *,
	    struct strvec *bad);

/* The list of result entries that could not be kept safely. */
#define SKIPPED_FILE	"skipped-entries.txt"

/* Write request.json, results.json and run.log into dir.  results.json's
 * "reason" is job_reason()'s for a failure, null for a success. */
int	request_write(const char *dir, const struct request_info *, char **cause);

/* reason.c: why an attempt failed, in words, from its collected directory
 * dir (stderr's last line) and r's exit code, reason and timeout: "command
 * not found: NAME", "killed by timeout after 5s", "exit 3: MEANING", "exit
 * 1; stderr: LAST LINE"...  Never NULL. */
char	*job_reason(const char *dir, const struct request_info *);
/* The last line of dir/stderr with text, at most 200 bytes and control
 * characters shown as '?', or NULL. */
char	*job_stderr_last(const char *dir);

#endif
