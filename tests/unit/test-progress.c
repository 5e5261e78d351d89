/*
 * test-progress.c - the live view (progress_view) without a terminal: a
 * job sent ahead reads "next: JOB", every slot is shown, no line is wider
 * than the terminal, hundreds of machines fit its height with the ones
 * needing attention first, and an interrupt says how to finish.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/run-internal.h"
#include "test.h"

#define NJOBS	700
#define WALL	1800000000.0	/* the wall clock "now" */
#define MONO	5000.0		/* the monotonic "now" */

struct fixture {
	struct dist_plan	 plan;
	struct dist_job		 jobs[NJOBS];
	struct job_state	 js[NJOBS];
	struct dist_machine	*m;
	struct machine_state	*ms;
	struct run_ctx		 ctx;
	char			 reason[301];
};

static void
fixture_init(struct fixture *f, size_t nmachines, int slots)
{
	size_t i;

	memset(f, 0, sizeof *f);
	for (i = 0; i < NJOBS; i++) {
		f->jobs[i].id = xasprintf("job-%zu", i);
		f->js[i].exit_code = -1;
		f->js[i].machine = -1;
	}
	f->plan.name = xstrdup("view");
	f->plan.config.jobs = f->jobs;
	f->plan.config.njobs = NJOBS;
	f->m = xcalloc(nmachines, sizeof *f->m);
	f->ms = xcalloc(nmachines, sizeof *f->ms);
	for (i = 0; i < nmachines; i++) {
		f->m[i].name = xasprintf("worker%03zu.example.org", i);
		f->m[i].slots = slots;
		f->ms[i].m = &f->m[i];
		f->ms[i].status = M_RUNNING;
		f->ms[i].since = MONO - 10;
		f->ms[i].pos = xcalloc((size_t)slots * SLOT_ENTRIES,
		    sizeof *f->ms[i].pos);
		for (int p = 0; p < slots * SLOT_ENTRIES; p++)
			f->ms[i].pos[p].job = -1;
	}
	memset(f->reason, 'r', 300);
	memcpy(f->reason, "connection refused ", 19);
	f->ctx.plan = &f->plan;
	f->ctx.run_id = xstrdup("20261203T120000Z-tester-view");
	f->ctx.jobs = f->js;
	f->ctx.njobs = NJOBS;
	f->ctx.ms = f->ms;
	f->ctx.nmachines = nmachines;
	f->ctx.start_mono = MONO - 100;
	f->ctx.qlen = 100;
}

static void
fixture_free(struct fixture *f)
{
	size_t i;

	for (i = 0; i < NJOBS; i++)
		free(f->jobs[i].id);
	for (i = 0; i < f->ctx.nmachines; i++) {
		free(f->m[i].name);
		free(f->ms[i].pos);
	}
	free(f->m);
	free(f->ms);
	free(f->plan.name);
	free(f->ctx.run_id);
}

/* Put job in machine i's slot, entry k: running for secs, or sent ahead
 * (secs < 0: not started, no start time). */
static void
put_job(struct fixture *f, size_t i, int slot, int k, int job, int secs)
{
	struct slot_entry *e = &f->ms[i].pos[slot * SLOT_ENTRIES + k];

	e->job = job;
	e->attempt = 1;
	e->started = secs >= 0;
	f->js[job].status = JOB_RUNNING;
	f->js[job].start = secs >= 0 ? (int64_t)(WALL - secs) * NS_PER_SEC : 0;
	f->js[job].waiting = secs < 0;
	f->ms[i].running++;
	f->ctx.nrunning++;
	f->ctx.nahead += secs < 0;
}

static size_t
cols(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Every line within width, and within height - 1 lines; no "(null)", no
 * control character, no absurd duration. */
static void
check_fits(const struct strvec *l, int width, int height, const char *what)
{
	size_t i, wide = 0, bad = 0;
	char msg[160];

	for (i = 0; i < l->n; i++) {
		const char *s = l->v[i];

		wide += cols(s) > (size_t)width;
		bad += strstr(s, "(null)") != NULL || strstr(s, "20790d") !=
		    NULL || strchr(s, '\033') != NULL;
		if (cols(s) > (size_t)width)
			printf("#   %zu cols: %s\n", cols(s), s);
	}
	snprintf(msg, sizeof msg, "%s: no line wider than %d", what, width);
	ASSERT_INT_EQ(wide, 0, msg);
	snprintf(msg, sizeof msg, "%s: fits %d rows", what, height);
	TEST_OK(l->n <= (size_t)height - 1, msg);
	snprintf(msg, sizeof msg, "%s: no (null), escape or 20790d", what);
	ASSERT_INT_EQ(bad, 0, msg);
}

/* The lines joined by newlines (to search). */
static char *
joined(const struct strvec *l)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < l->n; i++)
		sb_addf(&sb, "%s\n", l->v[i]);
	return sb_detach(&sb);
}

static void
dump(const struct strvec *l)
{
	for (size_t i = 0; i < l->n; i++)
		printf("#   |%s|\n", l->v[i]);
}

/* Three machines: one slot with a job sent ahead, two slots, one down
 * with a 300-character reason. */
static void
test_three(void)
{
	static const int widths[] = { 40, 80, 200 };
	struct fixture f;
	char what[64];

	fixture_init(&f, 3, 1);
	f.m[1].slots = 3;
	free(f.ms[1].pos);
	f.ms[1].pos = xcalloc(3 * SLOT_ENTRIES, sizeof *f.ms[1].pos);
	for (int p = 0; p < 3 * SLOT_ENTRIES; p++)
		f.ms[1].pos[p].job = -1;
	put_job(&f, 0, 0, 0, 0, 65);
	put_job(&f, 0, 0, 1, 1, -1);	/* sent ahead */
	put_job(&f, 1, 0, 0, 2, 5);
	put_job(&f, 1, 1, 0, 3, 7);
	put_job(&f, 1, 1, 1, 4, -1);
	f.ms[2].status = M_DOWN;
	f.ms[2].why = f.reason;
	for (size_t w = 0; w < ARRAY_SIZE(widths); w++) {
		struct strvec l = STRVEC_INIT;
		char *all;

		progress_view(&f.ctx, MONO, WALL, widths[w], 24, &l);
		all = joined(&l);
		snprintf(what, sizeof what, "3 machines, width %d", widths[w]);
		check_fits(&l, widths[w], 24, what);
		if (widths[w] == 200) {
			dump(&l);
			ASSERT_CONTAINS(all, "job-0 for 1m05s, next: job-1",
			    "a job sent ahead reads next: JOB");
			ASSERT_CONTAINS(all, "slot 2: idle", "every slot shown");
			ASSERT_CONTAINS(all, "slot 1: job-3 for 7s, next: job-4",
			    "... with its own next job");
			TEST_OK(strstr(all, "more slots") == NULL,
			    "no (+ more slots)");
			ASSERT_CONTAINS(all, "down: connection refused rrr",
			    "the down machine says why");
			ASSERT_CONTAINS(all, "r\u2026\n", "a long reason is cut with …");
			ASSERT_INT_EQ(l.n, 6, "a line per slot: head + 1 + 3 + 1");
		}
		free(all);
		sv_clear(&l);
	}
	/* too few rows for a line per slot: a line per machine */
	{
		struct strvec l = STRVEC_INIT;
		char *all;

		progress_view(&f.ctx, MONO, WALL, 120, 5, &l);
		all = joined(&l);
		dump(&l);
		check_fits(&l, 120, 5, "3 machines in 5 rows");
		ASSERT_CONTAINS(all, "job-2 5s | job-3 7s, next: job-4 | idle",
		    "one line per machine, slots side by side");
		free(all);
		sv_clear(&l);
	}
	/* after Ctrl-C: draining, the job sent ahead still waits */
	{
		struct strvec l = STRVEC_INIT;
		char *all;

		f.ctx.interrupts = 1;
		f.ctx.stopping = 1;
		f.ms[0].pos[0].ended = 1;
		for (size_t w = 0; w < ARRAY_SIZE(widths); w++) {
			progress_view(&f.ctx, MONO, WALL, widths[w], 24, &l);
			snprintf(what, sizeof what, "after Ctrl-C, width %d",
			    widths[w]);
			check_fits(&l, widths[w], 24, what);
			if (widths[w] == 200) {
				all = joined(&l);
				dump(&l);
				ASSERT_CONTAINS(all, "draining: 3 jobs running, no "
				    "new ones; Ctrl-C again to kill them; "
				    "`distribute resume` carries on later\n",
				    "Ctrl-C: the view says it drains and how to "
				    "go on");
				ASSERT_CONTAINS(all, "collecting job-0, next: job-1",
				    "an ended job and the one sent ahead");
				free(all);
			}
			sv_clear(&l);
		}
		f.ctx.interrupts = 2;
		progress_view(&f.ctx, MONO, WALL, 200, 24, &l);
		all = joined(&l);
		ASSERT_CONTAINS(all, "killing running jobs",
		    "a second Ctrl-C: killing");
		free(all);
		sv_clear(&l);
	}
	/* names alike but for their end: cut keeping the end */
	{
		struct strvec l = STRVEC_INIT;

		for (size_t i = 0; i < 3; i++) {
			free(f.m[i].name);
			f.m[i].name = xasprintf("dist-test@127.0.0.1:3036%zu", i);
		}
		progress_view(&f.ctx, MONO, WALL, 40, 24, &l);
		dump(&l);
		check_fits(&l, 40, 24, "names alike, width 40");
		ASSERT_CONTAINS(l.v[2], "  \u2026.0.0.1:30360 ",
		    "a long name keeps its telling end");
		sv_clear(&l);
	}
	f.ms[2].why = NULL;
	fixture_free(&f);
}

/* 300 machines of 2 slots in 40 rows: attention first, then "+N". */
static void
test_many(void)
{
	static const int widths[] = { 40, 80, 200 };
	struct fixture f;
	char what[64];
	int job = 0;

	fixture_init(&f, 300, 2);
	for (size_t i = 0; i < 300; i++) {
		if (i % 10 == 9)
			continue;	/* idle */
		put_job(&f, i, 0, 0, job++, 30);
		put_job(&f, i, 1, 0, job++, 20);
	}
	f.ms[150].status = M_DOWN;
	f.ms[150].why = f.reason;
	f.ms[200].status = M_LOCKED;
	f.ms[200].why = (char *)"by alice@laptop (run x) since 09:00";
	f.ms[250].fails = 2;
	for (size_t w = 0; w < ARRAY_SIZE(widths); w++) {
		struct strvec l = STRVEC_INIT;
		char *all;

		progress_view(&f.ctx, MONO, WALL, widths[w], 40, &l);
		all = joined(&l);
		snprintf(what, sizeof what, "300 machines, width %d", widths[w]);
		check_fits(&l, widths[w], 40, what);
		if (widths[w] == 40) {
			dump(&l);
			ASSERT_CONTAINS(l.v[1], "  worker150.ex\u2026 down",
			    "a long name keeps its telling beginning");
		}
		if (widths[w] == 200) {
			dump(&l);
			ASSERT_INT_EQ(l.n, 39, "300 machines use the 39 rows");
			ASSERT_CONTAINS(l.v[1], "worker150.example.org",
			    "the down machine first");
			ASSERT_CONTAINS(l.v[1], "down: connection refused", "... why");
			ASSERT_CONTAINS(l.v[2], "locked: by alice", "then locked");
			ASSERT_CONTAINS(l.v[3], "failing (2 in a row)",
			    "then failing");
			ASSERT_CONTAINS(l.v[4], "worker000.example.org job-0 30s "
			    "| job-1 20s", "then the others, slots compacted");
			ASSERT_CONTAINS(l.v[38], "+263 machines: 236 running, "
			    "27 idle", "the rest counted");
		}
		free(all);
		sv_clear(&l);
	}
	f.ms[150].why = NULL;
	f.ms[200].why = NULL;
	fixture_free(&f);
}

int
main(void)
{
	test_three();
	test_many();
	return test_done();
}
