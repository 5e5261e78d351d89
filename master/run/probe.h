/*
 * probe.h - talk to every machine at once, briefly: connect, start the
 * agent, ask a few questions, quit.  For "distribute machines", "unlock"
 * and "clean" (the look before a run, and tidying after one).
 *
 *	struct probe_ask ask[] = { { "lockinfo", NULL, "lockinfo" },
 *	    { "info", NULL, "info end" } };
 *	probe_all(&plan, ask, 2, results);  one result per machine
 */
#ifndef DIST_PROBE_H
#define DIST_PROBE_H

#include "dist.h"

struct probe_ask {
	const char	*verb;
	const char	*arg;		/* or NULL */
	const char	*last;		/* the reply line that ends the answer
					   starts with this */
};

struct probe_result {
	int		 ok;		/* connected and answered */
	char		*error;		/* why not */
	char		*user;		/* the login user */
	char		*workdir;
	struct strvec	 lines;		/* every reply line, in order */
};

/* Load only the machines of opts (no config) into plan. */
int	plan_load_machines(const struct dist_opts *, struct dist_plan *,
	    char **cause);
void	probe_all(struct dist_plan *, const struct probe_ask *, size_t nask,
	    struct probe_result *results);
void	probe_result_free(struct probe_result *);
/* The whole look of a command: load the machines of opts into plan (a
 * bad file is printed, NULL returned), ask them all; then free it all. */
struct probe_result *probe_machines(const struct dist_opts *,
	    struct dist_plan *, const struct probe_ask *, size_t nask);
void	probe_machines_free(struct dist_plan *, struct probe_result *);
/* The value of "VERB KEY VALUE" among a result's lines, or NULL. */
const char *probe_value(const struct probe_result *, const char *verb,
	    const char *key);

#endif
