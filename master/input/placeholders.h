/*
 * placeholders.h - {name} in a config's texts, one rule for every config
 * kind (input/, internal: the config parsers and the unit tests use it).
 *
 *	{name}	 replaced by the value of name when the config declares it;
 *		 any other {...} is left as it is, and reported when it
 *		 looks like a placeholder ({name}, not awk's { print })
 *	{{ }}	 a literal { and }
 *	${...}	 always left untouched, braces included: the shell's and
 *		 BenchExec's own variables (${benchmark_name}) get through
 *
 * The names each kind declares:
 *	<jobs>		its sweep axes (sweep.h), revision
 *	<benchmark>	revision, in the --benchexec-arg values (the file
 *			itself reaches BenchExec unchanged)
 *	<pyperformance>	revision; and job_dir, workdir, home in the compile
 *			config, filled on the worker (config-pyperformance.c)
 * revision is the run's (--revision; without it, {revision} is not
 * declared), in a pyperformance config the job's <revision> (commit=,
 * else branch=).
 *
 *	struct ph_vars v = { names, values, 2 };
 *	char *s = ph_expand("sort {algo} {{x}} ${HOME}", &v, used, &unknown);
 */
#ifndef DIST_INPUT_PLACEHOLDERS_H
#define DIST_INPUT_PLACEHOLDERS_H

#include <stddef.h>

#include "input/config.h"

/* values[i] NULL: names[i] is declared but filled later (on the worker):
 * {name} is kept as written and not reported. */
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
/* The same for a text the worker expands again (the names whose value is
 * NULL): every literal { comes out as {{, which the worker turns back. */
char	*ph_expand_late(const char *text, const struct ph_vars *,
	    struct strvec *unknown);
/* A placeholder name: [A-Za-z_][A-Za-z0-9_]*, at most 64 characters. */
int	 ph_name_ok(const char *name);
/* One warning per distinct entry of unknown (as ph_expand() fills it):
 * "WHERE: {x} is not a declared placeholder (DECLARED), left as it is;
 * {{ and }} write literal braces"; node gives the line (may be NULL). */
void	 ph_warn_unknown(struct dist_config *, const struct _xmlNode *node,
	    const char *where, const char *declared,
	    const struct strvec *unknown);

#endif
