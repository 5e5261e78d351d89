/*
 * notify-probe - post fake events of a run through notify.c, for the shell
 * tests: prints each warning, then "unsent: N" and "elapsed: SECONDS".
 *
 * usage: notify-probe [--settings FILE] [--set KEY=VALUE]... [--unsent DIR]
 *            [--name NAME] [--run-id ID] [--job NAME] [--machine NAME]
 *            EVENT...		(job-done, job-failed, machine-done, run-done)
 * --job names the job of the job events and the first row of run-done.
 * The wait bound is mail-wait (--set mail-wait=5s).  Exit status: 0 all
 * delivered, 1 some not, 2 a configuration error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/settings.h"
#include "notify/notify.h"

struct probe {
	const char	*name, *run_id, *job, *machine;
	struct notify_row rows[40];
	char		 jobs[40][16];
};

static void
fake_rows(struct probe *p)
{
	size_t i;

	for (i = 0; i < 40; i++) {
		struct notify_row *r = &p->rows[i];
		int bad = i == 6 || i == 19 || i == 32;

		snprintf(p->jobs[i], sizeof p->jobs[i], "job-%02zu", i + 1);
		r->job = p->jobs[i];
		r->machine = i % 3 == 0 ? "w1" : i % 3 == 1 ? "w2" : "w3";
		r->attempts = bad ? 2 : 1;
		r->exit_code = bad ? 3 : 0;
		r->duration = 60.0 + (double)i;
		r->status = bad ? "failed" : "ok";
		r->log_tail = bad ? "step 1\nerror: oops\n" : NULL;
	}
}

static int
fake_event(struct probe *p, const char *kind, struct notify_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->run_id = p->run_id;
	ev->run_name = p->name;
	ev->job = p->job;
	ev->machine = p->machine;
	ev->attempts = 1;
	ev->duration = 192;
	ev->results = "/srv/results/20261123-090513-nightly/jobs/job-07";
	if (strcmp(kind, "job-done") == 0)
		ev->kind = NOTIFY_JOB_DONE;
	else if (strcmp(kind, "machine-done") == 0)
		ev->kind = NOTIFY_MACHINE_DONE;
	else if (strcmp(kind, "job-failed") == 0) {
		ev->kind = NOTIFY_JOB_FAILED;
		ev->attempts = 2;
		ev->exit_code = 3;
		ev->log_tail = "compiling\n.hidden line\nerror: oops\n";
	} else if (strcmp(kind, "run-done") == 0) {
		ev->kind = NOTIFY_RUN_DONE;
		ev->rows = p->rows;
		ev->nrows = 40;
		ev->ok = 37;
		ev->failed = 3;
		ev->total = 40;
		ev->elapsed = 2 * 3600 + 13 * 60;
		ev->results = "/srv/results/20261123-090513-nightly";
	} else
		return -1;
	return 0;
}

static int
setup(int argc, char **argv, struct notify_opts *o, struct probe *p,
    const char **unsent)
{
	static const struct option longopts[] = {
		{ "settings", required_argument, NULL, 'S' },
		{ "set", required_argument, NULL, 's' },
		{ "unsent", required_argument, NULL, 'u' },
		{ "name", required_argument, NULL, 'n' },
		{ "run-id", required_argument, NULL, 'r' },
		{ "job", required_argument, NULL, 'j' },
		{ "machine", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	struct notify_opts file;
	char *cause = NULL, *eq;
	int c, rc = 0;

	notify_opts_init(&file);
	while (rc == 0 && (c = getopt_long(argc, argv, "", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'S':
			rc = settings_load(optarg, notify_opts_set_cb, &file,
			    &cause);
			break;
		case 's':
			if ((eq = strchr(optarg, '=')) == NULL) {
				rc = set_cause(&cause, "--set KEY=VALUE");
				break;
			}
			*eq = '\0';
			rc = notify_opts_set(o, optarg, eq + 1, &cause);
			break;
		case 'u': *unsent = optarg; break;
		case 'n': p->name = optarg; break;
		case 'r': p->run_id = optarg; break;
		case 'j': p->job = p->rows[0].job = optarg; break;
		case 'm': p->machine = optarg; break;
		default: rc = set_cause(&cause, "usage: see notify-probe.c");
		}
	}
	notify_opts_merge(o, &file);
	notify_opts_free(&file);
	if (rc == 0)
		rc = notify_opts_check(o, &cause);
	if (rc != 0)
		printf("error: %s\n", cause);
	free(cause);
	return rc;
}

int
main(int argc, char **argv)
{
	struct probe p = { "nightly", "20261123-090513-nightly", "job-07",
	    "w2", { { 0 } }, { { 0 } } };
	struct notify_opts o;
	struct notify_event ev;
	struct strvec warnings = STRVEC_INIT;
	struct notify *n;
	const char *unsent = "unsent";
	char *cause = NULL;
	double t0;
	int i, left;

	notify_opts_init(&o);
	fake_rows(&p);
	if (setup(argc, argv, &o, &p, &unsent) != 0 ||
	    (n = notify_start(&o, unsent, &cause)) == NULL) {
		if (cause != NULL)
			printf("error: %s\n", cause);
		free(cause);
		notify_opts_free(&o);
		return 2;
	}
	for (i = optind; i < argc; i++) {
		if (fake_event(&p, argv[i], &ev) != 0) {
			printf("error: unknown event '%s'\n", argv[i]);
			continue;
		}
		notify_post(n, &ev);
	}
	t0 = now_mono();
	left = notify_finish(n, o.wait, &warnings);
	for (i = 0; i < (int)warnings.n; i++)
		printf("warning: %s\n", warnings.v[i]);
	printf("unsent: %d\nelapsed: %.1f\n", left, now_mono() - t0);
	sv_clear(&warnings);
	notify_opts_free(&o);
	return left == 0 ? 0 : 1;
}
