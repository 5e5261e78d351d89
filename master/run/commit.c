/*
 * commit.c - collected jobs made durable in groups (issue 15): a job's
 * result files are written unsynced (collect.c); the journal's "end" of a
 * job that succeeded and the worker's "forget" wait here, on the machine's
 * connection, until one syncfs(2) has put the results of every job
 * waiting on disk; then their "end" lines go to the journal in one write
 * and one fdatasync, then the "forget"s are sent.  Each job's promise
 * keeps its order (its results on disk, then its "end", then the worker
 * removes its copy) at the cost of one syncfs and one fdatasync per group
 * instead of per job: the machine's thread, which also sends the next
 * jobs, no longer waits for the disk after every job.  A group is
 * committed when the channel has nothing more to read at once, when it
 * holds COMMIT_MAX jobs or its oldest has waited COMMIT_WAIT_S, and
 * before the connection is left (dispatch.c, mconn_close).  A master
 * that dies first loses nothing: a job without "end" is looked for on
 * its worker by "distribute resume", and the worker still has it.
 * A failed attempt is not grouped (finish.c): its results are synced and
 * its "end" written at once, in order with a retry's "start".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "run/journal.h"
#include "run/mconn.h"
#include "run/run-internal.h"

int
commit_sync(const char *dir, char **cause)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd == -1)
		return set_cause(cause, "%s: %s", dir, strerror(errno));
	rc = syncfs(fd);
	close(fd);
	if (rc == -1)
		return set_cause(cause, "sync '%s': %s", dir, strerror(errno));
	return 0;
}

void
commit_add(struct mconn *c, const char *end_line, const char *forget_dir)
{
	if (!commit_pending(c))
		c->commit_since = now_mono();
	if (end_line != NULL)
		sv_push(&c->commit_ends, end_line);
	if (forget_dir != NULL)
		sv_push(&c->commit_forgets, forget_dir);
}

int
commit_pending(const struct mconn *c)
{
	return c->commit_ends.n > 0 || c->commit_forgets.n > 0;
}

int
commit_due(const struct mconn *c)
{
	return commit_pending(c) && (c->commit_ends.n >= COMMIT_MAX ||
	    now_mono() - c->commit_since >= COMMIT_WAIT_S);
}

void
commit_flush(struct mconn *c)
{
	struct run_ctx *ctx = c->ctx;
	char *cause = NULL;
	size_t i;

	if (!commit_pending(c))
		return;
	if (commit_sync(ctx->run_dir, &cause) == -1) {
		post_event(ctx, "%s: the results of %zu jobs not made durable "
		    "(%s): the journal does not say they ended, the worker "
		    "keeps them", c->ms->m->name, c->commit_forgets.n, cause);
		free(cause);
	} else {
		pthread_mutex_lock(&ctx->mtx);
		journal_append_lines(ctx->journal, &c->commit_ends);
		pthread_mutex_unlock(&ctx->mtx);
		for (i = 0; i < c->commit_forgets.n; i++)
			mconn_send_lazy(c, "forget", c->commit_forgets.v[i]);
	}
	sv_clear(&c->commit_ends);
	sv_clear(&c->commit_forgets);
}
