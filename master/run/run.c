/*
 * run.c - run_execute(): create RESULTS/<run-id>/, start one thread per
 * machine, show progress and keep run.json current until every job has
 * succeeded or failed, then print the summary.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/lib.h"
#include "results/results.h"
#include "run/journal.h"
#include "run/run-internal.h"
#include "run/run.h"
#include "run/scripts.h"

static char *
local_user(void)
{
	struct passwd *pw = getpwuid(getuid());
	const char *u = pw != NULL ? pw->pw_name : getenv("USER");

	return xstrdup(u != NULL ? u : "unknown");
}

static char *
safe_token(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	for (; *s != '\0' && sb.len < 64; s++) {
		char c = *s;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';

		sb_addc(&sb, ok ? c : '_');
	}
	return sb_detach(&sb);
}

/* RESULTS/<UTC>-<user>-<name>, created exclusively (-2, -3 on a clash). */
static int
make_run_dir(struct run_ctx *ctx, char **cause)
{
	const char *root = ctx->opts->results_dir;
	char stamp[32], *name = safe_token(ctx->plan->name);
	char *user = safe_token(ctx->user);
	time_t t = (time_t)(ctx->start_wall / NS_PER_SEC);
	struct tm tm;
	int i;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	if (mkdir_p(root, 0755, cause) == -1)
		goto fail;
	for (i = 1; i < 100; i++) {
		free(ctx->run_id);
		ctx->run_id = i == 1 ? xasprintf("%s-%s-%s", stamp, user, name) :
		    xasprintf("%s-%s-%s-%d", stamp, user, name, i);
		free(ctx->run_dir);
		ctx->run_dir = xasprintf("%s/%s", root, ctx->run_id);
		if (mkdir(ctx->run_dir, 0755) == 0)
			break;
		if (errno != EEXIST) {
			set_cause(cause, "mkdir '%s': %s", ctx->run_dir,
			    strerror(errno));
			goto fail;
		}
	}
	free(name);
	free(user);
	return 0;
fail:
	free(name);
	free(user);
	return -1;
}

static int
lock_run_dir(struct run_ctx *ctx, char **cause)
{
	char *path = xasprintf("%s/.run.lock", ctx->run_dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd == -1 || flock(fd, LOCK_EX | LOCK_NB) == -1) {
		set_cause(cause, "%s: %s", path, errno == EWOULDBLOCK ?
		    "another master drives this run" : strerror(errno));
		if (fd != -1)
			close(fd);
		free(path);
		return -1;
	}
	dprintf(fd, "%ld\n", (long)getpid());
	ctx->run_lock_fd = fd;
	free(path);
	return 0;
}

/* resume: the run's directory exists; its name is the run id. */
static int
reuse_run_dir(struct run_ctx *ctx, char **cause)
{
	const char *d = ctx->opts->resume_dir, *slash = strrchr(d, '/');

	ctx->run_dir = xstrdup(d);
	ctx->run_id = xstrdup(slash != NULL ? slash + 1 : d);
	return lock_run_dir(ctx, cause);
}

static int
make_layout(struct run_ctx *ctx, char **cause)
{
	const char *subdirs[] = { "jobs", ".incoming", "prepare" };
	char *cur, *tmp;
	size_t i;

	if (ctx->opts->resume_dir != NULL)
		return reuse_run_dir(ctx, cause);
	if (make_run_dir(ctx, cause) == -1 || lock_run_dir(ctx, cause) == -1)
		return -1;
	for (i = 0; i < ARRAY_SIZE(subdirs); i++) {
		char *d = xasprintf("%s/%s", ctx->run_dir, subdirs[i]);
		int rc = mkdir_p(d, 0755, cause);

		free(d);
		if (rc == -1)
			return -1;
	}
	if (resume_save_inputs(ctx, cause) == -1)
		return -1;
	cur = xasprintf("%s/CURRENT", ctx->opts->results_dir);
	tmp = xasprintf("%s.tmp.%ld", cur, (long)getpid());
	unlink(tmp);
	if (symlink(ctx->run_id, tmp) == -1 || rename(tmp, cur) == -1)
		warn("%s: %s", cur, strerror(errno));
	free(cur);
	free(tmp);
	return 0;
}

static int
load_scripts(struct run_ctx *ctx, char **cause)
{
	const struct dist_opts *o = ctx->opts;
	size_t len;

	ctx->agent_text = agent_text();
	if (ctx->agent_text == NULL)
		return set_cause(cause, "the agent is not built in");
	if (o->script_path != NULL) {
		if (read_file(o->script_path, &ctx->script_text, &len,
		    cause) == -1)
			return -1;
	} else
		ctx->script_text = xstrdup(script_text("job.sh"));
	/* once, not by each machine thread: 256 threads staging at once
	 * each held a copy (a 300 kB config made 75 MB of heap) */
	if (read_file(ctx->plan->config.path, &ctx->config_text,
	    &ctx->config_len, cause) == -1)
		return -1;
	if (o->prepare_path != NULL &&
	    read_file(o->prepare_path, &ctx->prepare_text, &len, cause) == -1)
		return -1;
	return 0;
}

/* Workers unpack with tar: a zip tool archive is sent as a tar.gz. */
static int
prepare_archive(struct run_ctx *ctx, char **cause)
{
	struct dist_plan *p = ctx->plan;
	struct stat st;

	if (!p->have_archive)
		return 0;
	if (strcmp(p->archive.format, "zip") != 0) {
		ctx->archive_stage = xstrdup(p->archive.path);
		ctx->archive_stage_size = p->archive.size;
		return 0;
	}
	ctx->archive_stage = xasprintf("%s/.incoming/tool.tar.gz", ctx->run_dir);
	if (archive_zip_to_tar(p->archive.path, ctx->archive_stage, cause) == -1)
		return -1;
	if (stat(ctx->archive_stage, &st) == -1)
		return set_cause(cause, "%s: %s", ctx->archive_stage,
		    strerror(errno));
	ctx->archive_stage_size = (uint64_t)st.st_size;
	return 0;
}

static void
ctx_init(struct run_ctx *ctx, struct dist_plan *plan)
{
	char host[256];
	size_t i;

	memset(ctx, 0, sizeof *ctx);
	ctx->plan = plan;
	ctx->opts = plan->opts;
	ctx->run_lock_fd = -1;
	ctx->exit_status = -1;
	ctx->user = local_user();
	if (gethostname(host, sizeof host) != 0)
		strcpy(host, "localhost");
	host[sizeof host - 1] = '\0';
	ctx->master_host = xstrdup(host);
	ctx->start_wall = clock_wall_ns();
	ctx->start_mono = now_mono();
	pthread_mutex_init(&ctx->mtx, NULL);
	pthread_mutex_init(&ctx->metrics_mtx, NULL);
	metrics_init(&ctx->metrics);
	pthread_cond_init(&ctx->cond, NULL);
	ctx->njobs = plan->config.njobs;
	ctx->jobs = xcalloc(ctx->njobs, sizeof *ctx->jobs);
	ctx->nmachines = plan->machines.n;
	ctx->ms = xcalloc(ctx->nmachines, sizeof *ctx->ms);
	for (i = 0; i < ctx->nmachines; i++) {
		struct machine_state *ms = &ctx->ms[i];

		ms->m = &plan->machines.v[i];
		ms->key = machine_key(ms->m);
		ms->pos = xcalloc((size_t)ms->m->slots * SLOT_ENTRIES,
		    sizeof *ms->pos);
		for (int p = 0; p < ms->m->slots * SLOT_ENTRIES; p++)
			ms->pos[p].job = -1;
		ms->since = ctx->start_mono;
	}
	sched_init(ctx);
}

static void
ctx_free(struct run_ctx *ctx)
{
	struct run_event *e, *next;
	size_t i;

	run_store_done(ctx);	/* a run that did not get to its end */
	free(ctx->store_error);
	for (i = 0; i < ctx->njobs; i++)
		free(ctx->jobs[i].error);
	for (i = 0; i < ctx->nmachines; i++) {
		free(ctx->ms[i].key);
		free(ctx->ms[i].why);
		free(ctx->ms[i].broke);
		free(ctx->ms[i].pos);
		free(ctx->ms[i].orphans);
	}
	for (e = ctx->events; e != NULL; e = next) {
		next = e->next;
		free(e->text);
		free(e);
	}
	if (ctx->run_lock_fd != -1)
		close(ctx->run_lock_fd);
	journal_close(ctx->journal);
	free(ctx->jobs);
	free(ctx->ms);
	free(ctx->queue);
	free(ctx->run_id);
	free(ctx->run_dir);
	free(ctx->user);
	free(ctx->master_host);
	free(ctx->script_text);
	free(ctx->prepare_text);
	free(ctx->config_text);
	if (ctx->archive_stage != NULL &&
	    strcmp(ctx->archive_stage, ctx->plan->archive.path) != 0)
		unlink(ctx->archive_stage);
	free(ctx->archive_stage);
	pthread_mutex_destroy(&ctx->mtx);
	pthread_mutex_destroy(&ctx->metrics_mtx);
	metrics_free(&ctx->metrics);
	pthread_cond_destroy(&ctx->cond);
}

/*
 * RESULTS/<run-id>/metrics.json: the table read from each job as it was
 * done; a resumed run reads every job directory again instead (jobs done
 * before the crash are not in its table).
 */
static void
write_metrics(struct run_ctx *ctx, int final)
{
	char *path = xasprintf("%s/metrics.json", ctx->run_dir), *cause = NULL;
	struct metric_table all;
	int rc;

	pthread_mutex_lock(&ctx->metrics_mtx);
	if (final && ctx->opts->resume_dir != NULL) {
		metrics_init(&all);
		metrics_scan_run(&all, ctx->run_dir);
		rc = metrics_write_json(&all, path, &cause);
		metrics_free(&all);
	} else
		rc = metrics_write_json(&ctx->metrics, path, &cause);
	pthread_mutex_unlock(&ctx->metrics_mtx);
	if (rc == -1) {
		warn("%s", cause);
		free(cause);
	}
	free(path);
}

/*
 * A machine thread's stack: MACHINE_STACK bytes of address space instead
 * of the default 8 MB (RLIMIT_STACK); what counts in RSS is the pages it
 * touches, ~16 kB (libssh, OpenSSL, libarchive, libxml2: no big buffer
 * lives on it).  The margin is 16x the deepest use measured (README,
 * Performance).
 */
#define MACHINE_STACK	(256 * 1024)

static int
start_threads(struct run_ctx *ctx, char **cause)
{
	pthread_attr_t attr;
	size_t i;
	int rc = 0;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, MACHINE_STACK);
	for (i = 0; i < ctx->nmachines && rc == 0; i++) {
		struct machine_thread_arg *a = xmalloc(sizeof *a);

		a->ctx = ctx;
		a->ms = &ctx->ms[i];
		if (pthread_create(&ctx->ms[i].thread, &attr, machine_main,
		    a) != 0) {
			free(a);
			rc = set_cause(cause, "cannot start a thread for "
			    "machine '%s' (%zu of %zu)", ctx->ms[i].key, i + 1,
			    ctx->nmachines);
		} else
			ctx->ms[i].started = 1;
	}
	pthread_attr_destroy(&attr);
	return rc;
}

/* Take the pending events out of the context (mtx held). */
static struct run_event *
take_events(struct run_ctx *ctx)
{
	struct run_event *e = ctx->events;

	ctx->events = ctx->events_tail = NULL;
	return e;
}

static void
free_events(struct run_event *e)
{
	struct run_event *next;

	for (; e != NULL; e = next) {
		next = e->next;
		free(e->text);
		free(e);
	}
}

static int
all_threads_done(struct run_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nmachines; i++) {
		enum machine_status s = ctx->ms[i].status;

		if (s != M_DONE && s != M_OUT && s != M_DOWN)
			return 0;
		if (s == M_DOWN && !sched_all_done(ctx))
			return 0;	/* it keeps retrying */
	}
	return 1;
}

/* The main thread: print events, keep run.json current, notice the end. */
static void
main_loop(struct run_ctx *ctx)
{
	struct timespec ts;
	struct run_event *ev;
	int finished;
	char *cause = NULL;
	double last_json = 0, last_metrics = 0;

	for (;;) {
		pthread_mutex_lock(&ctx->mtx);
		fit_judge_locked(ctx);
		finished = all_threads_done(ctx) ||
		    (sched_machines_exhausted(ctx) && ctx->nrunning == 0);
		if (!finished && ctx->events == NULL) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&ctx->cond, &ctx->mtx, &ts);
		}
		ev = take_events(ctx);
		int dirty = ctx->dirty, mdirty = ctx->metrics_dirty;

		/* metrics.json too at most once a second while running: it is
		 * rewritten whole, synced (each job's metrics are in its own
		 * directory, and in the store) */
		mdirty = mdirty && (finished || now_mono() - last_metrics >= 1.0);
		if (mdirty) {
			ctx->metrics_dirty = 0;
			last_metrics = now_mono();
		}
		pthread_mutex_unlock(&ctx->mtx);
		if (mdirty)
			write_metrics(ctx, 0);
		progress_print_events(ctx, ev);
		free_events(ev);
		progress_live(ctx, 0);
		/* at most once a second while running: it is rewritten whole
		 * (the journal is the durable record of every change) */
		if ((finished || (dirty && now_mono() - last_json >= 1.0)) &&
		    (last_json = now_mono(), runjson_write(ctx, &cause) == -1)) {
			warn("%s", cause);
			free(cause);
			cause = NULL;
		}
		if (finished)
			break;
	}
}

/*
 * Interrupts: the first SIGINT stops starting jobs and lets the running ones
 * finish and be collected ("draining: ..." says so, and how to go on); a
 * second one (or SIGTERM) kills the running jobs on the workers.  SIGUSR1
 * ends the signal thread.
 */
static void *
signal_main(void *arg)
{
	struct run_ctx *ctx = arg;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	for (;;) {
		if (sigwait(&set, &sig) != 0 || sig == SIGUSR1)
			return NULL;
		pthread_mutex_lock(&ctx->mtx);
		ctx->interrupts = sig == SIGTERM ? 2 : ctx->interrupts + 1;
		ctx->stopping = 1;
		ctx->dirty = 1;
		/* logged, shown as a line (the live view shows it too) */
		char *say = progress_interrupt_text(ctx);

		post_event_locked(ctx, "%s", say);
		pthread_mutex_unlock(&ctx->mtx);
		free(say);
	}
}

static void
block_signals(void)
{
	sigset_t set;

	/* started in the background of a script, SIGINT comes ignored */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* Not a single job reached a machine (all down, out, locked). */
static int
no_machine_ran(struct run_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->njobs; i++)
		if (ctx->jobs[i].attempts > 0)
			return 0;
	return 1;
}

/* The master's exit status once the run is over (mtx held). */
static int
run_exit_status(struct run_ctx *ctx)
{
	if (fit_refusal(ctx) != NULL)
		return EXIT_RUNTIME;
	if (ctx->interrupts > 0 && !sched_all_done(ctx))
		return EXIT_INTERRUPT;
	if (ctx->nok == 0 && ctx->njobs > 0 && no_machine_ran(ctx))
		return EXIT_RUNTIME;
	return ctx->nfailed > 0 ? EXIT_JOBS : EXIT_OK;
}

/* Jobs no machine could run are failed. */
static void
fail_leftovers(struct run_ctx *ctx)
{
	pthread_mutex_lock(&ctx->mtx);
	while (ctx->qlen > 0) {
		struct job_state *j = &ctx->jobs[ctx->queue[ctx->qhead]];

		ctx->qhead = (ctx->qhead + 1) % ctx->qcap;
		ctx->qlen--;
		j->status = JOB_FAILED;
		free(j->error);
		j->error = xstrdup("no machine could run it");
		ctx->nfailed++;
	}
	pthread_mutex_unlock(&ctx->mtx);
}

int
run_execute(struct dist_plan *plan, char **cause)
{
	struct run_ctx ctx;
	pthread_t sig_thread;
	int rc = EXIT_RUNTIME;
	size_t i;

	ctx_init(&ctx, plan);
	fit_init(&ctx);
	signal(SIGPIPE, SIG_IGN);
	if (ctx.opts->progress == -1)
		((struct dist_opts *)ctx.opts)->progress = isatty(1) ? 1 : 0;
	if (load_scripts(&ctx, cause) == -1 || make_layout(&ctx, cause) == -1 ||
	    journal_open(ctx.run_dir, &ctx.journal, cause) == -1 ||
	    prepare_archive(&ctx, cause) == -1)
		goto out;
	if (ctx.opts->resume_dir != NULL && resume_restore(&ctx, cause) == -1)
		goto out;
	run_order(&ctx);
	/* before any other thread starts (notify's too): a thread that does
	 * not block SIGINT/SIGTERM could take them, and die of them or drop
	 * them (ignored in a background job) */
	block_signals();
	if (pthread_create(&sig_thread, NULL, signal_main, &ctx) != 0) {
		set_cause(cause, "cannot start the signal thread");
		goto out;
	}
	if (notify_opts_enabled(&ctx.opts->notify)) {
		char *mail = xasprintf("%s/mail", ctx.run_dir);

		ctx.notify = notify_start(&ctx.opts->notify, mail, cause);
		free(mail);
		if (ctx.notify == NULL)
			goto out_signals;
	}
	info("run %s: %zu jobs on %zu machines (%zu slots)", ctx.run_id,
	    ctx.njobs, ctx.nmachines, plan->total_slots);
	run_store_start(&ctx);
	if (start_threads(&ctx, cause) == -1)
		goto out_signals;
	main_loop(&ctx);
	pthread_mutex_lock(&ctx.mtx);
	ctx.stopping = 1;
	pthread_cond_broadcast(&ctx.cond);
	pthread_mutex_unlock(&ctx.mtx);
	for (i = 0; i < ctx.nmachines; i++)
		if (ctx.ms[i].started)
			pthread_join(ctx.ms[i].thread, NULL);
	if (ctx.interrupts == 0)
		fail_leftovers(&ctx);
	fit_save(&ctx);
	pthread_mutex_lock(&ctx.mtx);
	ctx.ended = 1;		/* run.json's state is final from here */
	ctx.end_wall = clock_wall_ns();
	ctx.exit_status = run_exit_status(&ctx);
	pthread_mutex_unlock(&ctx.mtx);
	if (runjson_write(&ctx, cause) == -1) {
		warn("%s", *cause);
		free(*cause);
		*cause = NULL;
	}
	write_metrics(&ctx, 1);
	run_store_done(&ctx);
	progress_live(&ctx, 1);
	{
		struct run_event *ev = take_events(&ctx);

		progress_print_events(&ctx, ev);
		free_events(ev);
	}
	progress_summary(&ctx, stdout);
	run_store_summary(&ctx, stdout);
	fflush(stdout);
	run_benchexec_end(&ctx);
	run_notify_done(&ctx);
	rc = ctx.exit_status;
	if (fit_refusal(&ctx) != NULL)	/* before any job started */
		set_cause(cause, "run refused: %s", fit_refusal(&ctx));
out_signals:
	pthread_kill(sig_thread, SIGUSR1);
	pthread_join(sig_thread, NULL);
out:
	fit_free(&ctx);
	ctx_free(&ctx);
	return rc;
}
