/*
 * sweep.h - parameter sweeps and placeholders in <jobs> configs (input/,
 * internal: config-jobs.c and the unit tests use it).
 *
 * Placeholders ({A} for an axis A, {revision}): placeholders.h has the
 * rule, shared by every config kind.
 *
 * A sweep inside a <job> (see config-jobs.c):
 *	<sweep><axis name="algo"><value>qsort</value>...</axis>...</sweep>
 * makes one job per combination of values, the first axis outermost.
 */
#ifndef DIST_INPUT_SWEEP_H
#define DIST_INPUT_SWEEP_H

#include <stddef.h>

#include "input/config.h"
#include "input/placeholders.h"

struct sweep_axis {
	char		*name;
	struct strvec	 values;
};

struct sweep {
	struct sweep_axis *axes;
	size_t		   n;		/* 0: the job has no <sweep> */
};

/* One job made from a template, before repeat=: what the callback gets. */
struct sweep_job {
	const char		*name;
	const struct strvec	*argv;
	const struct strvec	*genv;	/* the global <env>, values expanded */
	const struct strvec	*env;	/* the job's own <env> */
};
typedef void (*sweep_add_fn)(void *arg, const struct sweep_job *);

/* The template a <job> gives: its name, <arg>s, global and own <env>. */
struct sweep_template {
	const char		*name;
	const struct strvec	*argv;
	const struct strvec	*genv;
	const struct strvec	*env;
	const char		*revision;	/* the run's, or NULL */
};

/* The <sweep> child of a <job> (none: sw->n = 0); errors "FILE:LINE". */
int	sweep_parse(const struct dist_config *, const struct _xmlNode *job,
	    struct sweep *sw, char **cause);
/* How many jobs the <sweep> of a <job> makes (1 without one; saturated),
 * read before anything is parsed or made, for the job cap. */
unsigned long long sweep_count(const struct _xmlNode *job);
/* Each combination through add, in order; ids that collide are an error
 * at the <job>'s line; unknown placeholders a warning, once per job. */
int	sweep_expand(struct dist_config *, const struct _xmlNode *job,
	    const struct sweep *, const struct sweep_template *,
	    sweep_add_fn add, void *arg, char **cause);
void	sweep_free(struct sweep *);

#endif
