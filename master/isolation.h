/*
 * isolation.h - quiet machines: what a job asks of its worker (cpus=,
 * aslr=, tmpfs=, numa=, nice= per machine or as global options), sent to
 * the agent as "iso KEY VALUE" lines before each job's "start".
 */
#ifndef DIST_ISOLATION_H
#define DIST_ISOLATION_H

#include "agent-proto.h"
#include "dist.h"

/* Append the iso lines for a job on slot of machine m to out. */
void	isolation_lines(struct strbuf *out, const struct dist_opts *,
	    const struct dist_machine *m, int slot);

#endif
