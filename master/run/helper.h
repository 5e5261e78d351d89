/*
 * helper.h - the worker's per-job supervisor in C (client-scripts/
 * dist-helper.c), built static by the Makefile and embedded here
 * (run/helper-bin.c, generated): pushed once per machine into
 * WORKDIR/tools/dist-helper-SHA256 and offered to the agent, which checks
 * it and uses it in place of its sh supervisor (helper-stage.c).
 */
#ifndef DIST_RUN_HELPER_H
#define DIST_RUN_HELPER_H

#include <stddef.h>

extern const char dist_helper_version[];	/* "dist-helper N" */
extern const unsigned char dist_helper_bin[];
extern const size_t dist_helper_len;		/* 0: none built */

struct mconn;
/* Push the helper and have the agent check it ("helper SHA VERSION").
 * Never fails the machine: whatever goes wrong (other arch, noexec
 * workdir, upload refused), the agent keeps its sh supervisor, said once
 * at -v; DIST_NO_HELPER=1 in the master's environment forces that.  -1
 * only when the connection is lost (cause set). */
int	helper_stage(struct mconn *, char **cause);

#endif
