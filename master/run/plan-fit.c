/*
 * plan-fit.c - --dry-run's look at the requirements: each one judged
 * against every machine from the facts declared in the machines file or
 * remembered from an earlier probe (RESULTS/machine-facts.json, which
 * wins, as a probe does); nothing is connected, so a fact neither gives
 * is "unknown" and never refuses.
 */
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "lib/lib.h"
#include "run/facts.h"

struct plan_fit {
	size_t			 n;
	struct dist_facts	*facts, *declared, *remembered;
	char			**when;		/* remembered: probed at */
	struct fit_machine	*fm;
};

static void
plan_fit_load(const struct dist_plan *p, struct plan_fit *pf)
{
	size_t i, n = p->machines.n;

	pf->n = n;
	pf->facts = xcalloc(n, sizeof *pf->facts);
	pf->declared = xcalloc(n, sizeof *pf->declared);
	pf->remembered = xcalloc(n, sizeof *pf->remembered);
	pf->when = xcalloc(n, sizeof *pf->when);
	pf->fm = xcalloc(n, sizeof *pf->fm);
	facts_cache_load(p->opts->results_dir, &p->machines, pf->remembered,
	    pf->when);
	for (i = 0; i < n; i++) {
		const struct dist_machine *m = &p->machines.v[i];

		facts_declared(m, &pf->declared[i]);
		facts_init(&pf->facts[i]);
		facts_fill(&pf->facts[i], &pf->remembered[i]);
		facts_fill(&pf->facts[i], &pf->declared[i]);
		pf->fm[i].name = m->name;
		pf->fm[i].facts = &pf->facts[i];
		pf->fm[i].tags = machine_attr(m, "tags");
		facts_slot_share(&pf->facts[i], m->slots,
		    isolation_value(&p->opts->iso, m, "cpus"),
		    &pf->fm[i].slot_cores, &pf->fm[i].slot_memory);
	}
}

static void
plan_fit_free(struct plan_fit *pf)
{
	for (size_t i = 0; i < pf->n; i++) {
		facts_free(&pf->facts[i]);
		facts_free(&pf->declared[i]);
		facts_free(&pf->remembered[i]);
		free(pf->when[i]);
	}
	free(pf->facts);
	free(pf->declared);
	free(pf->remembered);
	free(pf->when);
	free(pf->fm);
}

/* The first job of requirement r, and how many have it. */
static const char *
first_job(const struct dist_plan *p, size_t r, size_t *count)
{
	const char *first = NULL;

	*count = 0;
	for (size_t j = 0; j < p->config.njobs; j++)
		if (p->config.jobs[j].req == (int)r) {
			if (first == NULL)
				first = p->config.jobs[j].id;
			(*count)++;
		}
	return first;
}

static const char *
fit_name(enum fit f)
{
	return f == FIT_YES ? "fits" : f == FIT_NO ? "no" : "unknown";
}

static const char *
source(const struct plan_fit *pf, size_t i)
{
	if (facts_known(&pf->remembered[i]))
		return "remembered";
	return facts_known(&pf->declared[i]) ? "declared" : "none";
}

/* Declared facts a remembered probe contradicts (it wins). */
static void
warn_disagree(const struct dist_plan *p, const struct plan_fit *pf, FILE *f)
{
	struct strvec d = STRVEC_INIT;
	size_t i, k;

	for (i = 0; i < pf->n; i++) {
		const struct dist_machine *m = &p->machines.v[i];

		facts_disagree(&pf->declared[i], &pf->remembered[i], &d);
		for (k = 0; k < d.n; k++)
			fprintf(f, "warning: %s:%d: %s: declared %s, probed at "
			    "%s: the probe wins\n", m->file, m->line, m->name,
			    d.v[k], pf->when[i] != NULL ? pf->when[i] : "?");
		sv_clear(&d);
	}
}

int
plan_fit_text(const struct dist_plan *p, FILE *f)
{
	struct plan_fit pf;
	size_t r, i, count, refused = 0;

	if (p->config.nreqs == 0)
		return 0;
	plan_fit_load(p, &pf);
	warn_disagree(p, &pf, f);
	fputs("requirements (judged from declared or remembered facts; "
	    "nothing is connected):\n", f);
	for (r = 0; r < p->config.nreqs; r++) {
		const struct dist_require *req = &p->config.reqs[r];
		const char *job = first_job(p, r, &count);
		char *text = require_text(req), *refusal;

		fprintf(f, "  %s: %zu job%s (%s%s)\n", text, count,
		    count == 1 ? "" : "s", job != NULL ? job : "-",
		    count > 1 ? ", ..." : "");
		free(text);
		for (i = 0; i < pf.n; i++) {
			char *why = NULL;
			enum fit fit = require_fit(req, &pf.fm[i], &why);

			fprintf(f, "    %s: %s%s%s%s (facts: %s)\n", pf.fm[i].name,
			    fit_name(fit), why != NULL ? " (" : "",
			    why != NULL ? why : "", why != NULL ? ")" : "",
			    source(&pf, i));
			free(why);
		}
		refusal = job != NULL ? require_refusal(job, req, pf.fm, pf.n) :
		    NULL;
		if (refusal != NULL) {
			fprintf(f, "  refused: %s\n", refusal);
			refused++;
		}
		free(refusal);
	}
	plan_fit_free(&pf);
	return refused > 0;
}

void
plan_fit_json(const struct dist_plan *p, struct json *j)
{
	struct plan_fit pf;
	size_t r, i, count;

	json_arr_open(j, "requirements");
	plan_fit_load(p, &pf);
	for (r = 0; r < p->config.nreqs; r++) {
		const struct dist_require *req = &p->config.reqs[r];
		const char *job = first_job(p, r, &count);
		char *text = require_text(req), *refusal;

		json_obj_open(j, NULL);
		json_str(j, "require", text);
		free(text);
		json_str(j, "first_job", job);
		json_uint(j, "jobs", count);
		json_arr_open(j, "machines");
		for (i = 0; i < pf.n; i++) {
			char *why = NULL;
			enum fit fit = require_fit(req, &pf.fm[i], &why);

			json_obj_open(j, NULL);
			json_str(j, "name", pf.fm[i].name);
			json_str(j, "fit", fit == FIT_YES ? "yes" : fit ==
			    FIT_NO ? "no" : "unknown");
			json_str(j, "why", why);
			json_str(j, "facts", source(&pf, i));
			json_obj_close(j);
			free(why);
		}
		json_arr_close(j);
		refusal = job != NULL ? require_refusal(job, req, pf.fm, pf.n) :
		    NULL;
		json_str(j, "refused", refusal);
		free(refusal);
		json_obj_close(j);
	}
	plan_fit_free(&pf);
	json_arr_close(j);
}

int
plan_fit_refused(const struct dist_plan *p)
{
	struct plan_fit pf;
	size_t r, count;
	int refused = 0;

	if (p->config.nreqs == 0)
		return 0;
	plan_fit_load(p, &pf);
	for (r = 0; r < p->config.nreqs && !refused; r++) {
		const char *job = first_job(p, r, &count);
		char *why = job != NULL ? require_refusal(job,
		    &p->config.reqs[r], pf.fm, pf.n) : NULL;

		refused = why != NULL;
		free(why);
	}
	plan_fit_free(&pf);
	return refused;
}
