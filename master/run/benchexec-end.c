/*
 * benchexec-end.c - the end of a BenchExec run: its results merged per
 * rundefinition under RESULTS/RUN-ID/benchexec/, and with --table the
 * tables made (results/benchexec.h).  Not after an interrupt: the run is
 * not done, resume merges at its end.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lib/lib.h"
#include "run/run-internal.h"

void
run_benchexec_end(struct run_ctx *ctx)
{
	const struct dist_opts *o = ctx->opts;
	char *cause = NULL;

	if (ctx->plan->config.kind != CONFIG_BENCHEXEC || ctx->interrupts > 0 ||
	    ctx->nok == 0)
		return;
	if (bx_merge_tables(ctx->run_dir, o->table_generator,
	    o->table || o->table_generator != NULL,
	    o->verbosity < 1, &cause) != 0)
		warn("benchexec: %s", cause);
	free(cause);
	fflush(stdout);
}
