/*
 * slots.c - the jobs a machine's slots hold.
 *
 * A slot holds its running job and, while there is work enough, the next
 * one: the agent gets it at once, prepares its directory and lets it wait
 * for the slot (client-scripts/agent.sh, sv_turn), so the next job starts
 * the moment the last ends, without a round trip to the master.  Near the
 * end of a run a job waiting behind a long one would hold up the run while
 * another machine idles; then the waiting jobs are taken back ("unqueue")
 * and queued again for whichever slot is free.
 */
#include <stdlib.h>
#include <string.h>

#include "run/run-internal.h"

char *
slot_dir(const struct run_ctx *ctx, const struct machine_state *ms, int job,
    int attempt)
{
	return xasprintf("%s.%d@%s", ctx->plan->config.jobs[job].id, attempt,
	    ms->key);
}

struct slot_entry *
slot_at(struct machine_state *ms, int slot, int i)
{
	return &ms->pos[slot * SLOT_ENTRIES + i];
}

struct slot_entry *
slot_lookup(const struct run_ctx *ctx, struct machine_state *ms, int slot,
    const char *dir)
{
	struct slot_entry *e;
	char *d;
	int i, same;

	if (slot < 0 || slot >= ms->m->slots)
		return NULL;
	for (i = 0; i < SLOT_ENTRIES; i++) {
		e = slot_at(ms, slot, i);
		if (e->job == -1)
			continue;
		d = slot_dir(ctx, ms, e->job, e->attempt);
		same = strcmp(d, dir) == 0;
		free(d);
		if (same)
			return e;
	}
	return NULL;
}

struct slot_entry *
slot_vacancy(struct machine_state *ms, int slot, int *ahead)
{
	struct slot_entry *e, *free_entry = NULL;
	int i, live = 0;

	for (i = 0; i < SLOT_ENTRIES; i++) {
		e = slot_at(ms, slot, i);
		if (e->job == -1)
			free_entry = free_entry != NULL ? free_entry : e;
		else if (!e->ended)
			live++;
	}
	*ahead = live == 1;
	return live < 2 ? free_entry : NULL;
}

void
slot_fill(struct run_ctx *ctx, struct machine_state *ms, struct slot_entry *e,
    int job, int attempt, int ahead)
{
	e->job = job;
	e->attempt = attempt;
	e->ended = e->unqueue = 0;
	e->started = !ahead;
	ctx->jobs[job].waiting = ahead;
	ctx->nahead += ahead;
	ms->running++;
}

void
slot_started(struct run_ctx *ctx, struct slot_entry *e)
{
	if (e->started)
		return;
	e->started = 1;
	ctx->jobs[e->job].waiting = 0;
	ctx->nahead--;
}

void
slot_clear(struct run_ctx *ctx, struct machine_state *ms, struct slot_entry *e)
{
	slot_started(ctx, e);	/* whatever it was, it waits no more */
	memset(e, 0, sizeof *e);
	e->job = -1;
	ms->running--;
}

/* A job may be sent ahead when more jobs wait than slots are free. */
int
slot_may_send_ahead(const struct run_ctx *ctx)
{
	return !ctx->stopping && ctx->qlen > (size_t)ctx->idle_slots;
}

/* Jobs sent ahead are taken back when the run stops taking new jobs, or
 * when a slot somewhere is free and nothing else is queued for it. */
int
slot_should_take_back(const struct run_ctx *ctx)
{
	return ctx->nahead > 0 &&
	    (ctx->stopping || (ctx->idle_slots > 0 && ctx->qlen == 0));
}

void
slot_set_idle(struct run_ctx *ctx, struct machine_state *ms, int idle)
{
	ctx->idle_slots += idle - ms->idle;
	ms->idle = idle;
}
