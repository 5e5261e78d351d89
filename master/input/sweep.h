/*
 * sweep.h - parameter sweeps and placeholders in <jobs> configs (input/,
 * internal: config-jobs.c and the unit tests use it).
 *
 * Placeholders, one rule for every text they may appear in (an <arg>, a
 * job's name, an env value):
 *	{name}	 replaced by the value of name when the config declares it
 *		 (a sweep axis of that job, or "revision" when the run has
 *		 one); any other {...} is left as it is, and reported when
 *		 it looks like a placeholder ({name}, not awk's { print })
 *	{{ }}	 a literal { and }
 *	${...}	 always left untouched, braces included: the shell's and
 *		 BenchExec's own variables (${benchmark_name}) get through
 *
 *	struct ph_vars v = { names, values, 2 };
 *	char *s = ph_expand("sort {algo} {{x}} ${HOME}", &v, used, &unknown);
 *
 * A sweep inside a <job> (see config-jobs.c):
 *	<sweep><axis name="algo"><value>qsort</value>...</axis>...</sweep>
 * makes one job per combination of values, the first axis outermost.
 */
#ifndef DIST_INPUT_SWEEP_H
#define DIST_INPUT_SWEEP_H

#include <stddef.h>

#include "input/config.h"

struct ph_vars {
	const char *const	*names;
	const char *const	*values;
	size_t			 n;
};

/* text with its placeholders replaced (allocated).  used[i] is set when
 * names[i] was replaced (used may be NULL); each {NAME} left as it is
 * (NAME as ph_name_ok() wants it) is pushed on unknown (may be NULL). */
char	*ph_expand(const char *text, const struct ph_vars *,
	    unsigned char *used, struct strvec *unknown);
/* An axis name: [A-Za-z_][A-Za-z0-9_]*, at most 64 characters. */
int	 ph_name_ok(const char *name);

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
