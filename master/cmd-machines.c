/*
 * cmd-machines.c - "distribute machines": the look before a run.  Per
 * machine: reachable or why not, lock holder and since when, load, cores,
 * memory, free space in WORKDIR, OS, arch, CPU model, tags, and what
 * would disturb measurements.  The facts jobs' requirements are matched
 * to are remembered in RESULTS/machine-facts.json (run/facts.h); declared
 * ones a probe contradicts are warned about with their file:line.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lib/lib.h"
#include "run/run.h"

static const struct probe_ask machines_ask[] = {
	{ "lockinfo", NULL, "lockinfo" },
	{ "info", NULL, "info end" },
};

static char *
human_kb(const char *kb)
{
	long long n;
	double v;

	/* a count of kB from the worker: digits only, else unknown */
	if (kb == NULL || parse_ll(kb, 0, LLONG_MAX / 2, &n) == -1)
		return xstrdup("?");
	v = (double)n;
	if (v >= 1024.0 * 1024)
		return xasprintf("%.1fG", v / 1024 / 1024);
	return xasprintf("%.0fM", v / 1024);
}

static char *
lock_text(const struct probe_result *r)
{
	const char *l = NULL;
	char *f[6], *copy, *text;
	size_t i, n;

	for (i = 0; i < r->lines.n; i++)
		if (strncmp(r->lines.v[i], "lockinfo ", 9) == 0)
			l = r->lines.v[i] + 9;
	if (l == NULL || strcmp(l, "none") == 0)
		return xstrdup("free");
	copy = xstrdup(l);
	n = agent_fields(copy, f, 6);
	for (i = 0; i < n; i++)		/* unescaped: may hold a newline */
		f[i] = str_printable(f[i]);
	/* jobs: its agent is gone, a job of its run still runs: held */
	text = n >= 5 ? xasprintf("locked by %s since %s (run %s on %s, %s%s)",
	    f[0], f[3], f[2], f[1], strcmp(f[4], "jobs") == 0 ?
	    "jobs still running" : f[4], n == 6 && strcmp(f[5], "yours") == 0 ?
	    ", yours" : "") : str_printable(l);
	for (i = 0; i < n; i++)
		free(f[i]);
	free(copy);
	return text;
}

static void
print_text(struct dist_plan *p, struct probe_result *r)
{
	size_t i, j;

	for (i = 0; i < p->machines.n; i++) {
		const char *name = p->machines.v[i].name;

		if (!r[i].ok) {
			printf("%s: down: %s\n", name, r[i].error);
			continue;
		}
		char *lock = lock_text(&r[i]);
		char *mt = human_kb(probe_value(&r[i], "info", "mem_total_kb"));
		char *ma = human_kb(probe_value(&r[i], "info",
		    "mem_available_kb"));
		char *fr = human_kb(probe_value(&r[i], "info",
		    "workdir_free_kb"));
		const char *load = probe_value(&r[i], "info", "load");
		const char *cores = probe_value(&r[i], "info", "cores");
		const char *os = probe_value(&r[i], "info", "os");

		printf("%s: up, %s\n  load %s, %s cores, memory %s free of %s, "
		    "%s free in %s, %s\n", name, lock, load ? load : "?",
		    cores ? cores : "?", ma, mt, fr, r[i].workdir,
		    os ? os : "?");
		const char *arch = probe_value(&r[i], "info", "arch");
		const char *cpu = probe_value(&r[i], "info", "cpu_model");
		const char *tags = machine_attr(&p->machines.v[i], "tags");

		printf("  arch %s, cpu %s%s%s\n", arch ? arch : "?",
		    cpu ? cpu : "?", tags ? ", tags " : "", tags ? tags : "");
		for (j = 0; j < r[i].lines.n; j++)
			if (strncmp(r[i].lines.v[j], "info disturbance ", 17) == 0)
				printf("  disturbance: %s\n", r[i].lines.v[j] + 17);
		free(lock);
		free(mt);
		free(ma);
		free(fr);
	}
}

static void
print_json(struct dist_plan *p, struct probe_result *r,
    const struct dist_facts *f)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	size_t i, k;

	json_init(&j, &sb, 1);
	json_arr_open(&j, NULL);
	for (i = 0; i < p->machines.n; i++) {
		json_obj_open(&j, NULL);
		json_str(&j, "name", p->machines.v[i].name);
		json_bool(&j, "reachable", r[i].ok);
		json_str(&j, "error", r[i].error);
		json_str(&j, "workdir", r[i].workdir);
		json_str(&j, "tags", machine_attr(&p->machines.v[i], "tags"));
		facts_json(&j, "facts", &f[i]);
		json_arr_open(&j, "answers");
		for (k = 0; k < r[i].lines.n; k++)
			json_str(&j, NULL, r[i].lines.v[k]);
		json_arr_close(&j);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	fputs(sb_str(&sb), stdout);
	sb_release(&sb);
}

/* The facts of each machine that answered: declared ones it contradicts
 * are warned about, all are remembered for --dry-run. */
static void
remember_facts(const struct dist_opts *o, struct dist_plan *p,
    const struct probe_result *r, struct dist_facts *f)
{
	struct dist_facts declared;
	struct strvec d = STRVEC_INIT;
	char *cause = NULL;
	size_t i, k;

	for (i = 0; i < p->machines.n; i++) {
		const struct dist_machine *m = &p->machines.v[i];

		facts_init(&f[i]);
		if (!r[i].ok)
			continue;
		facts_from_lines(&f[i], &r[i].lines, "info");
		facts_declared(m, &declared);
		facts_disagree(&declared, &f[i], &d);
		for (k = 0; k < d.n; k++)
			warn("%s:%d: %s: declared %s: the probe wins", m->file,
			    m->line, m->name, d.v[k]);
		sv_clear(&d);
		facts_free(&declared);
	}
	/* into a results directory that is there: none is made for it */
	if (access(o->results_dir, F_OK) == 0 &&
	    facts_cache_save(o->results_dir, &p->machines, f, &cause) == -1) {
		warn("%s", cause);
		free(cause);
	}
}

int
cmd_machines(struct dist_opts *o, int argc, char **argv)
{
	struct dist_plan plan;
	struct probe_result *r;
	struct dist_facts *f;
	size_t i, down = 0;

	(void)argc;
	(void)argv;
	r = probe_machines(o, &plan, machines_ask, ARRAY_SIZE(machines_ask));
	if (r == NULL)
		return EXIT_USAGE;
	f = xcalloc(plan.machines.n, sizeof *f);
	remember_facts(o, &plan, r, f);
	if (o->json)
		print_json(&plan, r, f);
	else
		print_text(&plan, r);
	for (i = 0; i < plan.machines.n; i++)
		facts_free(&f[i]);
	free(f);
	for (i = 0; i < plan.machines.n; i++)
		down += !r[i].ok;
	probe_machines_free(&plan, r);
	return down > 0 ? EXIT_RUNTIME : EXIT_OK;
}
