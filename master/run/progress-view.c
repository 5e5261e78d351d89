/*
 * progress-view.c - the live view's lines, rendered by progress_view(): a
 * pure function of the run's state, the clocks and the terminal's size,
 * so it is tested without one (tests/unit/test-progress.c).
 *
 *   3 done, 1 failed, 4 running, 8 queued; elapsed 12s, ETA 30s; RUN-ID
 *   draining: 4 jobs running, no new ones; Ctrl-C again to ...  (interrupts)
 *     w1                       j1 for 5s, next: j7
 *     w2                       slot 0: j2 for 5s, next: j8
 *                              slot 1: j3 for 3s
 *     w3                       down: connection refused
 *
 * When a line per slot does not fit the height, each machine gets one line
 * with its slots side by side ("j2 5s, next: j8 | j3 3s"); when a line per
 * machine does not fit either, the machines needing attention (down,
 * locked, out, failing) come first, then as many others as fit, then
 * "+N machines: R running, I idle".  No line is wider than the terminal:
 * longer ones end in "…".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/run-internal.h"

#define NAME_COL	24
#define ELLIPSIS	"\u2026"

/* Display columns of UTF-8 text (one per character). */
static size_t
text_cols(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Add text as a line of at most width columns, control characters shown
 * as '?' (they would move the cursor). */
static void
put_line(struct strvec *out, int width, const char *text)
{
	struct strbuf sb = STRBUF_INIT;
	size_t max = width > 1 ? (size_t)width : 1, cols = 0;
	int cut = text_cols(text) > max;
	size_t keep = cut ? max - 1 : max;	/* the "…" takes one */
	const char *s;

	for (s = text; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		int starts = (c & 0xc0) != 0x80;

		if (starts && cols == keep)
			break;
		cols += starts;
		sb_addc(&sb, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
	if (cut)
		sb_adds(&sb, ELLIPSIS);
	sv_push(out, sb_str(&sb));
	sb_release(&sb);
}

/* Running, and its last jobs failed. */
static int
machine_failing(const struct machine_state *ms)
{
	return ms->status == M_RUNNING && ms->fails > 0;
}

/* Down, locked, out of the run or failing its jobs: shown first. */
static int
machine_attention(const struct machine_state *ms)
{
	return ms->status == M_DOWN || ms->status == M_LOCKED ||
	    ms->status == M_OUT || machine_failing(ms);
}

/* Seconds the job has been running, or -1 if unknown. */
static long long
running_for(const struct run_ctx *ctx, int job, double now_wall)
{
	double start = ns_to_sec(ctx->jobs[job].start);

	return start > 0 && now_wall >= start ? (long long)(now_wall - start) :
	    -1;
}

/* What one slot holds: "j1 for 5s, next: j7", "next: j7" (sent ahead, the
 * one before it has ended), "collecting j1", "idle".  compact: "j1 5s". */
static char *
slot_text(const struct run_ctx *ctx, const struct machine_state *ms,
    int slot, double now_wall, int compact)
{
	const struct dist_job *jobs = ctx->plan->config.jobs;
	struct strbuf sb = STRBUF_INIT;
	const char *next = NULL, *done = NULL;
	int i;

	for (i = 0; i < SLOT_ENTRIES; i++) {
		const struct slot_entry *e = &ms->pos[slot * SLOT_ENTRIES + i];

		if (e->job == -1)
			continue;
		if (!e->started)
			next = jobs[e->job].id;
		else if (e->ended)
			done = jobs[e->job].id;
		else {
			long long t = running_for(ctx, e->job, now_wall);
			char *d = format_duration(t >= 0 ? (uint64_t)t : 0);

			sb_addf(&sb, "%s%s%s", jobs[e->job].id, compact ?
			    " " : " for ", t >= 0 ? d : "?");
			free(d);
		}
	}
	if (sb.len == 0 && done != NULL)
		sb_addf(&sb, "collecting %s", done);
	if (next != NULL)
		sb_addf(&sb, "%snext: %s", sb.len > 0 ? ", " : "", next);
	if (sb.len == 0)
		sb_adds(&sb, "idle");
	return sb_detach(&sb);
}

/* A machine that runs nothing: "idle", "down: WHY", "connecting (3s)". */
static char *
machine_state_text(const struct machine_state *ms, double now_mono)
{
	char *since, *t;

	if (ms->status == M_RUNNING)
		return xstrdup("idle");
	if (ms->why != NULL)
		return xasprintf("%s: %s", machine_status_name(ms->status),
		    ms->why);
	since = format_duration(now_mono > ms->since ?
	    (uint64_t)(now_mono - ms->since) : 0);
	t = xasprintf("%s (%s)", machine_status_name(ms->status), since);
	free(since);
	return t;
}

static int
machine_busy(const struct machine_state *ms)
{
	return ms->status == M_RUNNING && ms->running > 0;
}

/* Lines the machine takes with a line per slot. */
static size_t
machine_full_lines(const struct machine_state *ms)
{
	return machine_busy(ms) && ms->m->slots > 1 ? (size_t)ms->m->slots : 1;
}

struct view {
	const struct run_ctx *ctx;
	double		 now_mono, now_wall;
	int		 width;
	int		 name_cols;
	int		 cut_left;	/* names are cut keeping their end */
	struct strvec	*out;
};

/* Add name cut to cols columns, keeping its end when left (the names
 * share a longer beginning than end: "…0.0.1:2201"), else its beginning
 * ("worker150.ex…"). */
static void
add_name(struct strbuf *sb, const char *name, size_t cols, int left)
{
	size_t n = text_cols(name), i = 0;
	const char *s;

	if (n <= cols) {
		sb_adds(sb, name);
		return;
	}
	if (left)
		sb_adds(sb, ELLIPSIS);
	for (s = name; *s != '\0'; s++) {
		i += ((unsigned char)*s & 0xc0) != 0x80;
		if (left ? i > n - (cols - 1) : i <= cols - 1)
			sb_addc(sb, *s);
	}
	if (!left)
		sb_adds(sb, ELLIPSIS);
}

/* Do the machine names share a longer beginning than end? */
static int
names_cut_left(const struct run_ctx *ctx)
{
	const char *first;
	size_t i, pre, suf, len;

	if (ctx->nmachines < 2)
		return 0;
	first = ctx->ms[0].m->name;
	len = strlen(first);
	pre = suf = len;
	for (i = 1; i < ctx->nmachines; i++) {
		const char *s = ctx->ms[i].m->name;
		size_t n = strlen(s), k = 0;

		while (k < pre && k < n && s[k] == first[k])
			k++;
		pre = k;
		for (k = 0; k < suf && k < n && s[n - 1 - k] == first[len - 1 - k];)
			k++;
		suf = k;
	}
	return pre > suf;
}

/* "  NAME      TEXT" (name cut to the column, or a blank column). */
static void
put_machine_line(struct view *v, const char *name, const char *text)
{
	struct strbuf sb = STRBUF_INIT, nb = STRBUF_INIT;
	size_t n = name != NULL ? text_cols(name) : 0;

	if (name != NULL) {
		add_name(&nb, name, (size_t)v->name_cols, v->cut_left);
		n = n > (size_t)v->name_cols ? (size_t)v->name_cols : n;
	}
	for (; n < (size_t)v->name_cols; n++)
		sb_addc(&nb, ' ');
	sb_addf(&sb, "  %s %s", sb_str(&nb), text);
	put_line(v->out, v->width, sb_str(&sb));
	sb_release(&nb);
	sb_release(&sb);
}

static const char *
failing_prefix(const struct machine_state *ms, char *buf, size_t size)
{
	if (!machine_failing(ms))
		return "";
	snprintf(buf, size, "failing (%d in a row); ", ms->fails);
	return buf;
}

/* The machine with a line per slot. */
static void
machine_full(struct view *v, const struct machine_state *ms)
{
	char fb[48], *t, *l;
	int s;

	if (!machine_busy(ms) || ms->m->slots == 1) {
		t = machine_busy(ms) ? slot_text(v->ctx, ms, 0, v->now_wall, 0) :
		    machine_state_text(ms, v->now_mono);
		l = xasprintf("%s%s", failing_prefix(ms, fb, sizeof fb), t);
		put_machine_line(v, ms->m->name, l);
		free(l);
		free(t);
		return;
	}
	for (s = 0; s < ms->m->slots; s++) {
		t = slot_text(v->ctx, ms, s, v->now_wall, 0);
		l = xasprintf("%sslot %d: %s", s == 0 ? failing_prefix(ms, fb,
		    sizeof fb) : "", s, t);
		put_machine_line(v, s == 0 ? ms->m->name : NULL, l);
		free(l);
		free(t);
	}
}

/* The machine on one line, its slots side by side. */
static void
machine_compact(struct view *v, const struct machine_state *ms)
{
	struct strbuf sb = STRBUF_INIT;
	char fb[48];
	int s;

	sb_adds(&sb, failing_prefix(ms, fb, sizeof fb));
	if (!machine_busy(ms)) {
		char *t = machine_state_text(ms, v->now_mono);

		sb_adds(&sb, t);
		free(t);
	}
	for (s = 0; machine_busy(ms) && s < ms->m->slots; s++) {
		char *t = slot_text(v->ctx, ms, s, v->now_wall, 1);

		sb_addf(&sb, "%s%s", s > 0 ? " | " : "", t);
		free(t);
	}
	put_machine_line(v, ms->m->name, sb_str(&sb));
	sb_release(&sb);
}

/* "+N machines: 250 running, 30 idle" for the ones not shown. */
static void
hidden_machines(struct view *v, const char *shown)
{
	const struct run_ctx *ctx = v->ctx;
	size_t count[M_OUT + 2] = { 0 }, n = 0, i;
	struct strbuf sb = STRBUF_INIT;
	const size_t busy = M_OUT + 1;

	for (i = 0; i < ctx->nmachines; i++) {
		const struct machine_state *ms = &ctx->ms[i];

		if (shown[i])
			continue;
		n++;
		count[machine_busy(ms) ? busy : ms->status == M_RUNNING ?
		    M_IDLE : ms->status]++;
	}
	if (n == 0)
		return;
	sb_addf(&sb, "  +%zu machine%s:", n, n == 1 ? "" : "s");
	if (count[busy] > 0)
		sb_addf(&sb, " %zu running,", count[busy]);
	for (i = 0; i <= M_OUT; i++)
		if (count[i] > 0)
			sb_addf(&sb, " %zu %s,", count[i],
			    machine_status_name((enum machine_status)i));
	sb.buf[sb.len - 1] = '\0';
	put_line(v->out, v->width, sb.buf);
	sb_release(&sb);
}

/* More machines than lines: attention first, then the rest in order. */
static void
machines_fitted(struct view *v, size_t avail)
{
	const struct run_ctx *ctx = v->ctx;
	char *shown = xcalloc(ctx->nmachines > 0 ? ctx->nmachines : 1, 1);
	size_t i, n = 0, room = avail > 0 ? avail - 1 : 0;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < ctx->nmachines && n < room; i++) {
			const struct machine_state *ms = &ctx->ms[i];

			if (machine_attention(ms) != (pass == 0))
				continue;
			machine_compact(v, ms);
			shown[i] = 1;
			n++;
		}
	hidden_machines(v, shown);
	free(shown);
}

static char *
eta(const struct run_ctx *ctx, double elapsed)
{
	size_t done = ctx->nok + ctx->nfailed, left = ctx->njobs - done;

	if (done == 0 || left == 0)
		return xstrdup(left == 0 ? "0s" : "?");
	return format_duration((uint64_t)(elapsed / (double)done *
	    (double)left));
}

static void
view_head(struct view *v)
{
	const struct run_ctx *ctx = v->ctx;
	double elapsed = v->now_mono > ctx->start_mono ?
	    v->now_mono - ctx->start_mono : 0;
	size_t running = ctx->nrunning - ctx->nahead;
	char *e = eta(ctx, elapsed), *el = format_duration((uint64_t)elapsed);
	char *l = xasprintf("%zu done, %zu failed, %zu running, %zu queued; "
	    "elapsed %s, ETA %s; %s", ctx->nok, ctx->nfailed, running,
	    ctx->qlen + ctx->nahead, el, e, ctx->run_id);

	put_line(v->out, v->width, l);
	free(l);
	free(e);
	free(el);
	if (ctx->interrupts > 0) {
		l = progress_interrupt_text(ctx);
		put_line(v->out, v->width, l);
		free(l);
	}
}

char *
progress_interrupt_text(const struct run_ctx *ctx)
{
	size_t running = ctx->nrunning - ctx->nahead;

	if (ctx->interrupts == 1)
		return xasprintf("draining: %zu job%s running, no new ones; "
		    "Ctrl-C again to kill them; `distribute resume` carries on "
		    "later", running, running == 1 ? "" : "s");
	return xasprintf("interrupted: killing running jobs (%zu); "
	    "`distribute resume` carries on later", running);
}

void
progress_view(const struct run_ctx *ctx, double now_mono, double now_wall,
    int width, int height, struct strvec *out)
{
	struct view v = { ctx, now_mono, now_wall, width, 0,
	    names_cut_left(ctx), out };
	size_t i, avail, full = 0, longest = 0;

	view_head(&v);
	avail = height > (int)out->n + 1 ? (size_t)height - out->n - 1 : 1;
	for (i = 0; i < ctx->nmachines; i++) {
		size_t n = text_cols(ctx->ms[i].m->name);

		longest = n > longest ? n : longest;
		full += machine_full_lines(&ctx->ms[i]);
	}
	v.name_cols = (int)(longest < NAME_COL ? longest : NAME_COL);
	if (v.name_cols > width / 3)
		v.name_cols = width / 3 > 4 ? width / 3 : 4;
	for (i = 0; i < ctx->nmachines; i++) {
		if (full <= avail)
			machine_full(&v, &ctx->ms[i]);
		else if (ctx->nmachines <= avail)
			machine_compact(&v, &ctx->ms[i]);
	}
	if (full > avail && ctx->nmachines > avail)
		machines_fitted(&v, avail);
}

