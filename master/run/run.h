/*
 * run.h - execute a checked plan: connect to every machine at once, lock
 * it, stage the inputs, run the jobs (next job the moment a slot frees),
 * bring the results back and write RESULTS/<run-id>/.
 *
 * Returns an exit code (dist.h): EXIT_OK when every job succeeded,
 * EXIT_JOBS when some failed, EXIT_RUNTIME when the run could not
 * complete (then *cause says why).
 *
 * The face of run/ to the CLI: also probe.h (a short agent session per
 * machine, for machines, unlock and clean), agent-proto.h (its lines) and
 * facts.h (machine facts and their cache).
 */
#ifndef DIST_RUN_H
#define DIST_RUN_H

#include "dist.h"
#include "run/agent-proto.h"
#include "run/facts.h"
#include "run/probe.h"

int	run_execute(struct dist_plan *, char **cause);

#endif
