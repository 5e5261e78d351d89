/*
 * compare.c - two result tables side by side: matched rows with their
 * means, ratio and Welch's test, the geometric mean of the ratios,
 * BenchExec counts, hardware warnings; rendered as Markdown or JSON.
 */
#include <sys/stat.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "results/compare.h"

void
compare_opts_init(struct compare_opts *o)
{
	o->min_change = COMPARE_MIN_CHANGE;
	o->alpha = COMPARE_ALPHA;
	o->pool_machines = 0;
}

int
compare_parse_percent(const char *arg, double *out, char **cause)
{
	char *end;
	double v = strtod(arg, &end);
	int ok = end != arg && v >= 0 && v <= 1000;

	if (ok && *end == '%')
		end++;
	if (!ok || *end != '\0')
		return set_cause(cause, "'%s' is not a percentage from 0 to "
		    "1000 (e.g. 1, 0.5, 3%%)", arg);
	*out = v;
	return 0;
}

const char *
compare_verdict_name(enum compare_verdict v)
{
	static const char *names[] = {
		"same", "better", "worse", "changed", "n/a", "only in A",
		"only in B",
	};

	return names[v];
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The last component of a path, trailing slashes ignored. */
static char *
last_component(const char *path)
{
	char *copy = xstrdup(path), *base;
	size_t n = strlen(copy);

	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	base = strrchr(copy, '/');
	base = xstrdup(base != NULL && base[1] != '\0' ? base + 1 : copy);
	free(copy);
	return base;
}

int
compare_load(const char *dir, struct metric_table *t, char **cause)
{
	char *mj = xasprintf("%s/metrics.json", dir);
	char *jobs = xasprintf("%s/jobs", dir), *job = NULL;
	int rc = -1;

	if (!is_dir(dir)) {
		set_cause(cause, "'%s': not a directory", dir);
		goto out;
	}
	if (access(mj, F_OK) == 0) {
		if (metrics_read_json(t, mj, cause) == -1)
			goto out;
	} else if (is_dir(jobs))
		metrics_scan_run(t, dir);
	else {
		job = last_component(dir);
		metrics_scan_dir(t, dir, job, NULL);
	}
	if (t->nrows == 0 && t->ncounts == 0) {
		set_cause(cause, "'%s': no results found (pyperf or "
		    "current-bench JSON, BenchExec result XML)", dir);
		goto out;
	}
	rc = 0;
out:
	free(job);
	free(mj);
	free(jobs);
	return rc;
}

/* Job ids of a table's rows and counts, each once. */
static void
table_jobs(const struct metric_table *t, struct strvec *jobs)
{
	const char *job;
	size_t i, k;

	for (i = 0; i < t->nrows + t->ncounts; i++) {
		job = i < t->nrows ? t->rows[i].job : t->counts[i - t->nrows].job;
		for (k = jobs->n; k > 0; k--)
			if (strcmp(jobs->v[k - 1], job) == 0)
				break;
		if (k == 0)
			sv_push(jobs, job);
	}
}

static int
shares_a_job(const struct strvec *a, const struct strvec *b)
{
	size_t i, k;

	for (i = 0; i < a->n; i++)
		for (k = 0; k < b->n; k++)
			if (strcmp(a->v[i], b->v[k]) == 0)
				return 1;
	return 0;
}

static int
decide_by_job(const struct metric_table *a, const struct metric_table *b)
{
	struct strvec ja = STRVEC_INIT, jb = STRVEC_INIT;
	int by_job;

	table_jobs(a, &ja);
	table_jobs(b, &jb);
	by_job = ja.n > 1 && jb.n > 1 && shares_a_job(&ja, &jb);
	sv_clear(&ja);
	sv_clear(&jb);
	return by_job;
}

/* A BenchExec task's row: a job with BenchExec counts has it. */
static int
is_benchexec_row(const struct metric_table *t, const char *bench,
    const char *metric)
{
	size_t i;

	if (strcmp(metric, "cputime") != 0 && strcmp(metric, "walltime") != 0 &&
	    strcmp(metric, "memory") != 0)
		return 0;
	for (i = 0; i < t->ncounts; i++)
		if (metrics_find(t, t->counts[i].job, bench, metric) != NULL)
			return 1;
	return 0;
}

static enum compare_verdict
verdict(const struct compare_row *c)
{
	int lower;

	if (!c->tested)
		return VERDICT_NO_TEST;
	if (!c->significant)
		return VERDICT_SAME;
	if (c->trend == NULL)
		return VERDICT_CHANGED;
	lower = c->mean_b < c->mean_a;
	if (strcmp(c->trend, TREND_HIGHER) == 0)
		lower = !lower;
	return lower ? VERDICT_BETTER : VERDICT_WORSE;
}

static void
side_stats(const struct metric_row *r, size_t *n, double *mean, double *sd)
{
	*n = r != NULL ? r->nvalues : 0;
	*mean = r != NULL ? stats_mean(r->values, r->nvalues) : NAN;
	*sd = r != NULL ? sqrt(stats_variance(r->values, r->nvalues)) : NAN;
}

static void
fill_row(struct compare_result *res, struct compare_row *c,
    const struct metric_row *a, const struct metric_row *b)
{
	const struct metric_row *any = a != NULL ? a : b;

	memset(c, 0, sizeof *c);
	c->benchmark = xstrdup(any->benchmark);
	c->metric = xstrdup(any->metric);
	c->unit = any->unit != NULL ? xstrdup(any->unit) : NULL;
	c->trend = any->trend != NULL ? xstrdup(any->trend) : NULL;
	side_stats(a, &c->na, &c->mean_a, &c->sd_a);
	side_stats(b, &c->nb, &c->mean_b, &c->sd_b);
	c->ratio = c->change = NAN;
	if (a != NULL && b != NULL && c->na > 0 && c->nb > 0 && c->mean_a != 0) {
		c->ratio = c->mean_b / c->mean_a;
		c->change = (c->ratio - 1) * 100;
	}
	if (a == NULL || b == NULL) {
		c->verdict = a == NULL ? VERDICT_ONLY_B : VERDICT_ONLY_A;
		return;
	}
	res->ncompared++;
	c->tested = stats_welch(a->values, a->nvalues, b->values, b->nvalues,
	    &c->w) == 0;
	c->significant = c->tested && c->w.p < res->opts.alpha &&
	    (isnan(c->change) || fabs(c->change) >= res->opts.min_change);
	c->verdict = verdict(c);
	res->nbetter += c->verdict == VERDICT_BETTER;
	res->nworse += c->verdict == VERDICT_WORSE;
	res->nchanged += c->verdict == VERDICT_CHANGED;
}

static struct compare_row *
next_row(struct compare_result *res, size_t *alloc)
{
	if (res->nrows == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 16;
		res->rows = xreallocarray(res->rows, *alloc, sizeof *res->rows);
	}
	return &res->rows[res->nrows++];
}

/*
 * One side pooled: series i is pooled.rows[i] (job = its key, benchmark =
 * the task for BenchExec) and meta[i].
 */
struct series_meta {
	char		*machine;	/* "" unknown, or machines pooled */
	char		*rundef;	/* "" none */
	char		*revision;	/* "" none */
	char		*apart;		/* a BenchExec row of an unknown run
					   definition (an old metrics.json):
					   its job, never pooled; else "" */
	int		 benchexec;
	struct strvec	 jobs;
	long		 peer;		/* the other side's series, or -1 */
};

struct pooled {
	struct metric_table	 t;
	struct series_meta	*meta;
	size_t			 ameta;
};

static const struct metric_host *
host_of(const struct metric_table *t, const char *job)
{
	size_t i;

	for (i = 0; i < t->nhosts; i++)
		if (strcmp(t->hosts[i].job, job) == 0)
			return &t->hosts[i];
	return NULL;
}

/* The task of a BenchExec row: "RUNDEF:TASK" loses its prefix. */
static const char *
row_task(const struct metric_row *r)
{
	size_t n = r->rundef != NULL ? strlen(r->rundef) : 0;

	if (r->task != NULL)
		return r->task;
	if (n > 0 && strncmp(r->benchmark, r->rundef, n) == 0 &&
	    r->benchmark[n] == ':')
		return r->benchmark + n + 1;
	return r->benchmark;
}

static int
sv_has(const struct strvec *v, const char *s)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return 1;
	return 0;
}

static void
meta_add_job(struct series_meta *m, const char *job)
{
	if (m->jobs.n == 0 || (strcmp(m->jobs.v[m->jobs.n - 1], job) != 0 &&
	    !sv_has(&m->jobs, job)))
		sv_push(&m->jobs, job);
}

static void
pool_side(const struct metric_table *src, const struct compare_opts *o,
    struct pooled *p)
{
	const struct metric_host *h = NULL;
	const struct metric_row *r;
	struct metric_row *d;
	struct series_meta *m;
	size_t i, k, at;
	char *key;
	const char *apart;
	int bx;

	metrics_init(&p->t);
	p->meta = NULL;
	p->ameta = 0;
	for (i = 0; i < src->nrows; i++) {
		r = &src->rows[i];
		if (h == NULL || strcmp(h->job, r->job) != 0)
			h = host_of(src, r->job);
		bx = r->rundef != NULL ||
		    is_benchexec_row(src, r->benchmark, r->metric);
		apart = bx && r->rundef == NULL ? r->job : "";
		key = xasprintf("%s\x1f%s\x1f%s\x1f%s",
		    o->pool_machines || r->machine == NULL ? "" : r->machine,
		    r->rundef != NULL ? r->rundef : "",
		    h != NULL && h->revision != NULL ? h->revision : "", apart);
		at = p->t.nrows;
		d = metrics_row(&p->t, key, NULL, row_task(r), r->metric,
		    r->unit, r->trend);
		free(key);
		if (p->t.nrows > at) {	/* a new series */
			if (p->ameta < p->t.nrows) {
				p->ameta = p->t.arows;
				p->meta = xreallocarray(p->meta, p->ameta,
				    sizeof *p->meta);
			}
			m = &p->meta[at];
			memset(m, 0, sizeof *m);
			m->machine = xstrdup(o->pool_machines ||
			    r->machine == NULL ? "" : r->machine);
			m->rundef = xstrdup(r->rundef != NULL ? r->rundef : "");
			m->revision = xstrdup(h != NULL && h->revision != NULL ?
			    h->revision : "");
			m->apart = xstrdup(apart);
			m->benchexec = bx;
			m->peer = -1;
		}
		meta_add_job(&p->meta[d - p->t.rows], r->job);
		for (k = 0; k < r->nvalues; k++)
			metrics_add_value(d, r->values[k]);
	}
}

static void
pooled_free(struct pooled *p)
{
	size_t i;

	for (i = 0; i < p->t.nrows; i++) {
		free(p->meta[i].machine);
		free(p->meta[i].rundef);
		free(p->meta[i].revision);
		free(p->meta[i].apart);
		sv_clear(&p->meta[i].jobs);
	}
	free(p->meta);
	metrics_free(&p->t);
}

/* The series of both sides by (rundef, benchmark, metric):
 * groups.rows[g] holds, as values, side*2^31 + index of each series. */
static void
group_series(const struct pooled *pa, const struct pooled *pb,
    struct metric_table *groups)
{
	const struct pooled *p;
	struct metric_row *g;
	size_t i, side;
	char *key;

	metrics_init(groups);
	for (side = 0; side < 2; side++) {
		p = side == 0 ? pa : pb;
		for (i = 0; i < p->t.nrows; i++) {
			key = xasprintf("%s\x1f%s", p->meta[i].rundef,
			    p->meta[i].apart);
			g = metrics_row(groups, key, NULL,
			    p->t.rows[i].benchmark, p->t.rows[i].metric, NULL,
			    NULL);
			free(key);
			metrics_add_value(g, (double)(side << 31 | i));
		}
	}
}

static void
pair(struct pooled *pa, size_t a, struct pooled *pb, size_t b)
{
	pa->meta[a].peer = (long)b;
	pb->meta[b].peer = (long)a;
}

/* Pair the unpaired series of A and B in group g that ran on the same
 * machine (and, with same_rev, measured the same revision). */
static void
pair_same(const struct metric_row *g, struct pooled *pa, struct pooled *pb,
    int same_rev)
{
	struct series_meta *x, *y;
	size_t i, k, a, b;

	for (i = 0; i < g->nvalues; i++) {
		if ((a = (size_t)g->values[i]) >> 31 != 0)
			continue;
		x = &pa->meta[a];
		for (k = 0; x->peer < 0 && k < g->nvalues; k++) {
			if ((b = (size_t)g->values[k]) >> 31 == 0)
				continue;
			b &= 0x7fffffff;
			y = &pb->meta[b];
			if (y->peer < 0 && strcmp(x->machine, y->machine) == 0 &&
			    (!same_rev || strcmp(x->revision, y->revision) == 0))
				pair(pa, a, pb, b);
		}
	}
}

/* In one group: the same machine and revision, then the same machine,
 * then a lone series on each side (other machines, or the revisions
 * being compared).  1 when a side has several series in the group. */
static int
pair_group(const struct metric_row *g, struct pooled *pa, struct pooled *pb)
{
	size_t i, x, na = 0, nb = 0, la = 0, lb = 0, ua = 0, ub = 0;

	pair_same(g, pa, pb, 1);
	pair_same(g, pa, pb, 0);
	for (i = 0; i < g->nvalues; i++) {
		x = (size_t)g->values[i];
		if (x >> 31 == 0) {
			na++;
			ua += pa->meta[x].peer < 0;
			la = pa->meta[x].peer < 0 ? x : la;
		} else {
			x &= 0x7fffffff;
			nb++;
			ub += pb->meta[x].peer < 0;
			lb = pb->meta[x].peer < 0 ? x : lb;
		}
	}
	if (ua == 1 && ub == 1)
		pair(pa, la, pb, lb);
	return na > 1 || nb > 1;
}

/* "JOB", or "FIRST..LAST" for several pooled jobs. */
static char *
jobs_label(const struct strvec *jobs)
{
	if (jobs->n == 1)
		return xstrdup(jobs->v[0]);
	return xasprintf("%s..%s", jobs->v[0], jobs->v[jobs->n - 1]);
}

static void
add_row(struct compare_result *res, size_t *alloc, struct pooled *pa,
    long a, struct pooled *pb, long b, int multi_rundef)
{
	struct compare_row *c = next_row(res, alloc);
	const struct series_meta *ma = a >= 0 ? &pa->meta[a] : NULL;
	const struct series_meta *mb = b >= 0 ? &pb->meta[b] : NULL;
	const struct series_meta *m = ma != NULL ? ma : mb;
	size_t i;

	fill_row(res, c, a >= 0 ? &pa->t.rows[a] : NULL,
	    b >= 0 ? &pb->t.rows[b] : NULL);
	c->benchexec = m->benchexec;
	for (i = 0; ma != NULL && i < ma->jobs.n; i++)
		sv_push(&c->jobs, ma->jobs.v[i]);
	for (i = 0; mb != NULL && i < mb->jobs.n; i++)
		if (!sv_has(&c->jobs, mb->jobs.v[i]))
			sv_push(&c->jobs, mb->jobs.v[i]);
	if (res->by_job)
		c->job = jobs_label(&m->jobs);
	c->machine = *m->machine != '\0' ? xstrdup(m->machine) : NULL;
	if (ma != NULL && mb != NULL && strcmp(ma->machine, mb->machine) != 0)
		c->machine_b = xstrdup(mb->machine);
	c->rundef = *m->rundef != '\0' ? xstrdup(m->rundef) : NULL;
	c->revision = *m->revision != '\0' ? xstrdup(m->revision) : NULL;
	if (multi_rundef && c->rundef != NULL) {
		char *b2 = xasprintf("%s:%s", c->rundef, c->benchmark);

		free(c->benchmark);
		c->benchmark = b2;
	}
}

static int
several_rundefs(const struct pooled *pa, const struct pooled *pb)
{
	const char *first = NULL, *r;
	size_t i, side;

	for (side = 0; side < 2; side++) {
		const struct pooled *p = side == 0 ? pa : pb;

		for (i = 0; i < p->t.nrows; i++) {
			r = p->meta[i].rundef;
			if (*r == '\0')
				continue;
			if (first == NULL)
				first = r;
			else if (strcmp(first, r) != 0)
				return 1;
		}
	}
	return 0;
}

static void
match_rows(struct compare_result *res, struct pooled *pa, struct pooled *pb)
{
	struct metric_table groups;
	int multi = several_rundefs(pa, pb);
	size_t i, alloc = 0;

	group_series(pa, pb, &groups);
	for (i = 0; i < groups.nrows; i++)
		res->by_machine |= pair_group(&groups.rows[i], pa, pb);
	metrics_free(&groups);
	for (i = 0; i < pa->t.nrows; i++)
		add_row(res, &alloc, pa, (long)i, pb, pa->meta[i].peer, multi);
	for (i = 0; i < pb->t.nrows; i++)
		if (pb->meta[i].peer < 0)
			add_row(res, &alloc, pa, -1, pb, (long)i, multi);
}

/* "time", else "cputime", else the metric of most compared rows. */
static const char *
geo_metric(const struct compare_result *res)
{
	const char *best = NULL, *m;
	size_t i, k, n, bestn = 0;

	for (i = 0; i < res->nrows; i++)
		if (!isnan(res->rows[i].ratio) &&
		    strcmp(res->rows[i].metric, "time") == 0)
			return "time";
	for (i = 0; i < res->nrows; i++)
		if (!isnan(res->rows[i].ratio) &&
		    strcmp(res->rows[i].metric, "cputime") == 0)
			return "cputime";
	for (i = 0; i < res->nrows; i++) {
		m = res->rows[i].metric;
		for (k = n = 0; k < res->nrows; k++)
			n += !isnan(res->rows[k].ratio) &&
			    strcmp(res->rows[k].metric, m) == 0;
		if (n > bestn || (n == bestn && n > 0 && strcmp(m, best) < 0)) {
			best = m;
			bestn = n;
		}
	}
	return best;
}

static void
geomean(struct compare_result *res)
{
	const char *m = geo_metric(res);
	double *r;
	size_t i, n = 0;

	if (m == NULL)
		return;
	r = xcalloc(res->nrows, sizeof *r);
	for (i = 0; i < res->nrows; i++)
		if (strcmp(res->rows[i].metric, m) == 0 &&
		    res->rows[i].ratio > 0 && isfinite(res->rows[i].ratio) &&
		    res->rows[i].mean_a > 0)
			r[n++] = res->rows[i].ratio;
	if (n > 0) {
		res->geo_metric = xstrdup(m);
		res->geomean = stats_geomean(r, n);
		res->geo_n = n;
	}
	free(r);
}

static const struct metric_counts *
find_counts(const struct metric_table *t, const char *job)
{
	size_t i;

	for (i = 0; i < t->ncounts; i++)
		if (strcmp(t->counts[i].job, job) == 0)
			return &t->counts[i];
	return NULL;
}

static void
add_counts(struct compare_result *res, const struct metric_counts *a,
    const struct metric_counts *b)
{
	struct compare_counts *c;

	res->counts = xreallocarray(res->counts, res->ncounts + 1,
	    sizeof *res->counts);
	c = &res->counts[res->ncounts++];
	c->a = a;
	c->b = b;
	if (a != NULL && b != NULL && strcmp(a->job, b->job) != 0)
		c->job = xasprintf("%s / %s", a->job, b->job);
	else
		c->job = xstrdup(a != NULL ? a->job : b->job);
}

/* Same job id side by side; two lone jobs are paired whatever their ids. */
static void
match_counts(struct compare_result *res)
{
	const struct metric_table *a = res->a, *b = res->b;
	size_t i;

	if (a->ncounts == 1 && b->ncounts == 1) {
		add_counts(res, &a->counts[0], &b->counts[0]);
		return;
	}
	for (i = 0; i < a->ncounts; i++)
		add_counts(res, &a->counts[i], find_counts(b, a->counts[i].job));
	for (i = 0; i < b->ncounts; i++)
		if (find_counts(a, b->counts[i].job) == NULL)
			add_counts(res, NULL, &b->counts[i]);
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The distinct values of one host field, sorted, joined by ", ". */
static char *
host_set(const struct metric_table *t, int field)
{
	struct strvec v = STRVEC_INIT;
	struct strbuf sb = STRBUF_INIT;
	const struct metric_host *h;
	size_t i;

	for (i = 0; i < t->nhosts; i++) {
		h = &t->hosts[i];
		if (field == 0 && h->cpu_model != NULL)
			sv_push(&v, h->cpu_model);
		else if (field == 1 && h->cores > 0)
			sv_pushf(&v, "%ld", h->cores);
		else if (field == 2 && h->platform != NULL)
			sv_push(&v, h->platform);
	}
	if (v.n > 1)
		qsort(v.v, v.n, sizeof *v.v, cmp_str);
	for (i = 0; i < v.n; i++)
		if (i == 0 || strcmp(v.v[i - 1], v.v[i]) != 0)
			sb_addf(&sb, "%s%s", i > 0 ? "; " : "", v.v[i]);
	sv_clear(&v);
	return sb.len > 0 ? sb_detach(&sb) : NULL;
}

static void	compare_load_warnings(struct compare_result *);

static void
hardware_warnings(struct compare_result *res)
{
	static const char *what[] = { "hardware", "core counts", "platforms" };
	char *a, *b;
	int f;

	for (f = 0; f < 3; f++) {
		a = host_set(res->a, f);
		b = host_set(res->b, f);
		if (a != NULL && b != NULL && strcmp(a, b) != 0)
			sv_pushf(&res->warnings, "different %s: A ran on '%s', "
			    "B on '%s'", what[f], a, b);
		free(a);
		free(b);
	}
}

void
compare_tables(const struct metric_table *a, const char *label_a,
    const struct metric_table *b, const char *label_b,
    const struct compare_opts *opts, struct compare_result *res)
{
	struct pooled pa, pb;
	size_t i;

	memset(res, 0, sizeof *res);
	res->a = a;
	res->b = b;
	res->label_a = xstrdup(label_a);
	res->label_b = xstrdup(label_b);
	res->opts = *opts;
	res->by_job = decide_by_job(a, b);
	hardware_warnings(res);
	compare_load_warnings(res);
	for (i = 0; i < a->warnings.n; i++)
		sv_pushf(&res->warnings, "A: %s", a->warnings.v[i]);
	for (i = 0; i < b->warnings.n; i++)
		sv_pushf(&res->warnings, "B: %s", b->warnings.v[i]);
	pool_side(a, opts, &pa);
	pool_side(b, opts, &pb);
	match_rows(res, &pa, &pb);
	pooled_free(&pa);
	pooled_free(&pb);
	geomean(res);
	match_counts(res);
}

void
compare_free(struct compare_result *res)
{
	size_t i;

	for (i = 0; i < res->nrows; i++) {
		free(res->rows[i].job);
		sv_clear(&res->rows[i].jobs);
		free(res->rows[i].machine);
		free(res->rows[i].machine_b);
		free(res->rows[i].rundef);
		free(res->rows[i].revision);
		free(res->rows[i].benchmark);
		free(res->rows[i].metric);
		free(res->rows[i].unit);
		free(res->rows[i].trend);
	}
	for (i = 0; i < res->ncounts; i++)
		free(res->counts[i].job);
	free(res->rows);
	free(res->counts);
	free(res->label_a);
	free(res->label_b);
	free(res->geo_metric);
	sv_clear(&res->warnings);
	memset(res, 0, sizeof *res);
}

/* A value with its unit, scaled for seconds and bytes: "123.4 ms". */
static void
md_value(struct strbuf *sb, double v, const char *unit)
{
	static const char *tu[] = { "s", "ms", "us", "ns" };
	static const char *bu[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	size_t i = 0;

	if (isnan(v)) {
		sb_adds(sb, "-");
		return;
	}
	if (unit != NULL && (strcmp(unit, "second") == 0 ||
	    strcmp(unit, "s") == 0)) {
		while (i + 1 < ARRAY_SIZE(tu) && v != 0 && fabs(v) < 1) {
			v *= 1000;
			i++;
		}
		sb_addf(sb, "%.4g %s", v, tu[i]);
	} else if (unit != NULL && (strcmp(unit, "byte") == 0 ||
	    strcmp(unit, "B") == 0)) {
		while (i + 1 < ARRAY_SIZE(bu) && fabs(v) >= 1024) {
			v /= 1024;
			i++;
		}
		sb_addf(sb, "%.4g %s", v, bu[i]);
	} else if (unit != NULL && *unit != '\0')
		sb_addf(sb, "%.4g %s", v, unit);
	else
		sb_addf(sb, "%.4g", v);
}

/* Table cell text: '|' escaped, newlines as spaces. */
static void
md_cell(struct strbuf *sb, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '|')
			sb_adds(sb, "\\|");
		else if (*s == '\n' || *s == '\r')
			sb_addc(sb, ' ');
		else
			sb_addc(sb, *s);
	}
}

static void
md_side(struct strbuf *sb, size_t n, double mean, double sd, const char *unit)
{
	md_value(sb, mean, unit);
	if (n > 1 && !isnan(sd) && mean != 0)
		sb_addf(sb, " ± %.2g%%", 100 * sd / fabs(mean));
}

static void
md_row(struct strbuf *sb, const struct compare_result *res,
    const struct compare_row *c)
{
	sb_adds(sb, "| ");
	if (res->by_machine) {
		md_cell(sb, c->machine != NULL ? c->machine : "-");
		if (c->machine_b != NULL) {
			sb_adds(sb, " / ");
			md_cell(sb, c->machine_b);
		}
		sb_adds(sb, " | ");
	}
	if (res->by_job) {
		md_cell(sb, c->job);
		sb_adds(sb, " | ");
	}
	md_cell(sb, c->benchmark);
	sb_adds(sb, " | ");
	md_cell(sb, c->metric);
	sb_adds(sb, " | ");
	md_side(sb, c->na, c->mean_a, c->sd_a, c->unit);
	sb_adds(sb, " | ");
	md_side(sb, c->nb, c->mean_b, c->sd_b, c->unit);
	if (isnan(c->ratio))
		sb_adds(sb, " | - | -");
	else
		sb_addf(sb, " | %.3f | %+.1f%%", c->ratio, c->change);
	if (c->tested)
		sb_addf(sb, " | %.2g", c->w.p);
	else
		sb_adds(sb, " | -");
	sb_addf(sb, c->significant ? " | **%s** |\n" : " | %s |\n",
	    compare_verdict_name(c->verdict));
}

static void
md_rows(struct strbuf *sb, const struct compare_result *res)
{
	size_t i, shown = 0, hidden = 0;

	for (i = 0; i < res->nrows; i++) {
		if (res->rows[i].benchexec) {
			hidden++;
			continue;
		}
		if (shown++ == 0)
			sb_addf(sb, "| %s%sbenchmark | metric | A | B | B/A | "
			    "change | p | |\n|%s%s:--|:--|--:|--:|--:|--:|--:|"
			    ":--|\n", res->by_machine ? "machine | " : "",
			    res->by_job ? "job | " : "",
			    res->by_machine ? ":--|" : "",
			    res->by_job ? ":--|" : "");
		md_row(sb, res, &res->rows[i]);
	}
	if (shown > 0)
		sb_adds(sb, "\n");
	if (hidden > 0)
		sb_addf(sb, "%zu BenchExec per-task rows are in the --json "
		    "output.\n\n", hidden);
}

static void
md_counts_side(struct strbuf *sb, const struct metric_counts *c)
{
	if (c == NULL) {
		sb_adds(sb, " - | - | - | - | - |");
		return;
	}
	sb_addf(sb, " %lu | %lu | %lu | %lu | ", c->correct, c->wrong,
	    c->unknown, c->error);
	md_value(sb, c->cputime, "s");
	sb_adds(sb, " |");
}

static void
md_counts(struct strbuf *sb, const struct compare_result *res)
{
	size_t i;

	if (res->ncounts == 0)
		return;
	sb_adds(sb, "BenchExec (A, then B: correct, wrong, unknown, error, "
	    "total CPU time):\n\n| tasks set | correct A | wrong A | "
	    "unknown A | error A | cputime A | correct B | wrong B | "
	    "unknown B | error B | cputime B |\n"
	    "|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
	for (i = 0; i < res->ncounts; i++) {
		sb_adds(sb, "| ");
		md_cell(sb, res->counts[i].job);
		sb_adds(sb, " |");
		md_counts_side(sb, res->counts[i].a);
		md_counts_side(sb, res->counts[i].b);
		sb_adds(sb, "\n");
	}
	sb_adds(sb, "\n");
}

static void
md_summary(struct strbuf *sb, const struct compare_result *res)
{
	if (res->geo_metric != NULL)
		sb_addf(sb, "Geometric mean of B/A (%s, %zu benchmarks): "
		    "%.3f (%+.1f%%)\n\n", res->geo_metric, res->geo_n,
		    res->geomean, (res->geomean - 1) * 100);
	sb_addf(sb, "%zu compared, %zu better, %zu worse, %zu changed "
	    "(significant: p < %g and |change| >= %g%%).\n", res->ncompared,
	    res->nbetter, res->nworse, res->nchanged, res->opts.alpha,
	    res->opts.min_change);
}

char *
compare_markdown(const struct compare_result *res)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	sb_adds(&sb, "# distribute compare\n\n- A: `");
	md_cell(&sb, res->label_a);
	sb_adds(&sb, "`\n- B: `");
	md_cell(&sb, res->label_b);
	sb_adds(&sb, "`\n\n");
	for (i = 0; i < res->warnings.n; i++)
		sb_addf(&sb, "> warning: %s\n", res->warnings.v[i]);
	if (res->warnings.n > 0)
		sb_adds(&sb, "\n");
	md_rows(&sb, res);
	md_counts(&sb, res);
	md_summary(&sb, res);
	return sb_detach(&sb);
}

static void
json_row(struct json *j, const struct compare_row *c)
{
	size_t i;

	json_obj_open(j, NULL);
	json_str(j, "job", c->job);
	json_arr_open(j, "jobs");
	for (i = 0; i < c->jobs.n; i++)
		json_str(j, NULL, c->jobs.v[i]);
	json_arr_close(j);
	json_str(j, "machine", c->machine);
	json_str(j, "machine_b", c->machine_b);
	json_str(j, "rundefinition", c->rundef);
	json_str(j, "revision", c->revision);
	json_str(j, "benchmark", c->benchmark);
	json_str(j, "metric", c->metric);
	json_str(j, "unit", c->unit);
	json_str(j, "trend", c->trend);
	json_uint(j, "n_a", c->na);
	json_uint(j, "n_b", c->nb);
	json_double(j, "mean_a", c->mean_a);
	json_double(j, "mean_b", c->mean_b);
	json_double(j, "stdev_a", c->sd_a);
	json_double(j, "stdev_b", c->sd_b);
	json_double(j, "ratio", c->ratio);
	json_double(j, "change_percent", c->change);
	json_double(j, "t", c->tested ? c->w.t : NAN);
	json_double(j, "df", c->tested ? c->w.df : NAN);
	json_double(j, "p", c->tested ? c->w.p : NAN);
	json_bool(j, "significant", c->significant);
	json_str(j, "verdict", compare_verdict_name(c->verdict));
	json_bool(j, "benchexec", c->benchexec);
	json_obj_close(j);
}

static void
json_counts_side(struct json *j, const char *key, const struct metric_counts *c)
{
	if (c == NULL) {
		json_null(j, key);
		return;
	}
	metric_counts_json(j, key, c, 0);
}

static void
json_summary(struct json *j, const struct compare_result *res)
{
	if (res->geo_metric != NULL) {
		json_obj_open(j, "geomean");
		json_str(j, "metric", res->geo_metric);
		json_double(j, "ratio", res->geomean);
		json_uint(j, "n", res->geo_n);
		json_obj_close(j);
	} else
		json_null(j, "geomean");
	json_obj_open(j, "summary");
	json_uint(j, "compared", res->ncompared);
	json_uint(j, "better", res->nbetter);
	json_uint(j, "worse", res->nworse);
	json_uint(j, "changed", res->nchanged);
	json_obj_close(j);
}

char *
compare_json(const struct compare_result *res)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	size_t i;

	json_init(&j, &sb, 1);
	json_obj_open(&j, NULL);
	json_str(&j, "a", res->label_a);
	json_str(&j, "b", res->label_b);
	json_bool(&j, "by_job", res->by_job);
	json_bool(&j, "by_machine", res->by_machine);
	json_bool(&j, "pool_machines", res->opts.pool_machines);
	json_double(&j, "alpha", res->opts.alpha);
	json_double(&j, "min_change_percent", res->opts.min_change);
	json_arr_open(&j, "warnings");
	for (i = 0; i < res->warnings.n; i++)
		json_str(&j, NULL, res->warnings.v[i]);
	json_arr_close(&j);
	json_arr_open(&j, "rows");
	for (i = 0; i < res->nrows; i++)
		json_row(&j, &res->rows[i]);
	json_arr_close(&j);
	json_arr_open(&j, "benchexec");
	for (i = 0; i < res->ncounts; i++) {
		json_obj_open(&j, NULL);
		json_str(&j, "job", res->counts[i].job);
		json_counts_side(&j, "a", res->counts[i].a);
		json_counts_side(&j, "b", res->counts[i].b);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_summary(&j, res);
	json_obj_close(&j);
	return sb_detach(&sb);
}

/* A CSV field: quoted when it holds a comma, quote or line break. */
static void
csv_field(struct strbuf *sb, const char *s, int last)
{
	if (s != NULL && strpbrk(s, ",\"\r\n") != NULL) {
		sb_addc(sb, '"');
		for (; *s != '\0'; s++) {
			if (*s == '"')
				sb_addc(sb, '"');
			sb_addc(sb, *s);
		}
		sb_addc(sb, '"');
	} else if (s != NULL)
		sb_adds(sb, s);
	sb_adds(sb, last ? "\n" : ",");
}

static void
csv_num(struct strbuf *sb, double v)
{
	if (!isnan(v))
		sb_addf(sb, "%.17g", v);
	sb_addc(sb, ',');
}

char *
compare_csv(const struct compare_result *res)
{
	struct strbuf sb = STRBUF_INIT;
	const struct compare_row *c;
	size_t i;

	sb_adds(&sb, "machine,machine_b,job,rundefinition,revision,benchmark,"
	    "metric,unit,n_a,n_b,mean_a,mean_b,stdev_a,stdev_b,ratio,"
	    "change_percent,p,significant,verdict\n");
	for (i = 0; i < res->nrows; i++) {
		c = &res->rows[i];
		csv_field(&sb, c->machine, 0);
		csv_field(&sb, c->machine_b, 0);
		csv_field(&sb, c->job != NULL ? c->job : c->jobs.n == 1 ?
		    c->jobs.v[0] : NULL, 0);
		csv_field(&sb, c->rundef, 0);
		csv_field(&sb, c->revision, 0);
		csv_field(&sb, c->benchmark, 0);
		csv_field(&sb, c->metric, 0);
		csv_field(&sb, c->unit, 0);
		sb_addf(&sb, "%zu,%zu,", c->na, c->nb);
		csv_num(&sb, c->mean_a);
		csv_num(&sb, c->mean_b);
		csv_num(&sb, c->sd_a);
		csv_num(&sb, c->sd_b);
		csv_num(&sb, c->ratio);
		csv_num(&sb, c->change);
		csv_num(&sb, c->tested ? c->w.p : NAN);
		sb_adds(&sb, c->significant ? "1," : "0,");
		csv_field(&sb, compare_verdict_name(c->verdict), 1);
	}
	return sb_detach(&sb);
}

/* Half the cores: env.json's own threshold for a disturbing load. */
static void
load_warnings(struct compare_result *res, const struct metric_table *t,
    const char *side)
{
	const struct metric_host *h;
	size_t i, n = 0;
	double worst = 0;
	const char *where = NULL;

	for (i = 0; i < t->nhosts; i++) {
		h = &t->hosts[i];
		if (isnan(h->load_before) || h->cores <= 0 ||
		    h->load_before <= h->cores * 0.5)
			continue;
		n++;
		if (h->load_before > worst) {
			worst = h->load_before;
			where = h->machine != NULL ? h->machine : h->job;
		}
	}
	if (n > 0)
		sv_pushf(&res->warnings, "%s: %zu job%s started with a load "
		    "above the machine's idle level (half its cores; worst "
		    "%.2f on '%s')", side, n, n > 1 ? "s" : "", worst, where);
}

static void
compare_load_warnings(struct compare_result *res)
{
	load_warnings(res, res->a, "A");
	load_warnings(res, res->b, "B");
}
