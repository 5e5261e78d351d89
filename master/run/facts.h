/*
 * facts.h - machine facts as the agent tells them ("facts KEY VALUE" or
 * "info KEY VALUE" lines) and remembered across runs in
 * RESULTS/machine-facts.json, so that --dry-run can judge requirements
 * without connecting (input/require.h does the judging).
 *
 * The cache: {"version": 1, "machines": {NAME: {"arch", "cpu_model",
 * "cores", "memory_bytes", "os", "probed_at"}}}, NAME as the machines
 * file spells the machine ([user@]host[:port]).  Rewritten whole and
 * atomically (a temporary file per process, then rename) by every run and
 * by "distribute machines"; entries of machines not probed are kept.  A
 * missing or unreadable cache is no error: nothing is remembered.
 */
#ifndef DIST_FACTS_H
#define DIST_FACTS_H

#include "input/input.h"
#include "lib/lib.h"

#define FACTS_CACHE	"machine-facts.json"

/* The facts among lines "VERB KEY VALUE" (escaped values unescaped). */
void	facts_from_lines(struct dist_facts *, const struct strvec *lines,
	    const char *verb);
/* out[i] (n = machines->n, facts_init'ed here): what the cache under
 * results_dir remembers of machine i; *when[i] (if when != NULL) when it
 * was probed, or NULL. */
void	facts_cache_load(const char *results_dir,
	    const struct dist_machines *, struct dist_facts *out, char **when);
/* Remember probed[i] (skipped when nothing is known) of each machine. */
int	facts_cache_save(const char *results_dir,
	    const struct dist_machines *, const struct dist_facts *probed,
	    char **cause);
/* The facts as a JSON object member (unknown ones null). */
struct json;
void	facts_json(struct json *, const char *key, const struct dist_facts *);
/* "x86_64, Intel Xeon, 8 cores, 15.5G" with "?" for the unknown. */
char	*facts_text(const struct dist_facts *);

#endif
