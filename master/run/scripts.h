/*
 * scripts.h - the worker-side scripts (client-scripts/), embedded at
 * build time so that the binary always pushes the scripts it was built with.
 */
#ifndef DIST_SCRIPTS_H
#define DIST_SCRIPTS_H

struct dist_script {
	const char	*name;		/* "agent.sh" */
	const char	*text;
};

extern const struct dist_script dist_scripts[];	/* NULL-terminated */

const char *script_text(const char *name);	/* NULL if unknown */
/* What the master sends to "sh -s": agent-env.sh, then agent.sh (whose
 * last line calls main).  Built once, never freed. */
const char *agent_text(void);

#endif
