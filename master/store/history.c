/*
 * history.c - "distribute history": a benchmark's values through time,
 * read from the store.  One row per (revision, else run) and machine
 * identity of each series (benchmark, metric, run definition, task):
 * its samples pooled over the jobs and runs that measured it there, their
 * mean, stdev and n, the change from the row before in the series, and a
 * note when the kernel or the OS changed (they are not part of a machine
 * identity: an upgrade does not start a new series).
 *
 * The benchmark glob is matched with fnmatch(3) in C; the SQL narrows the
 * rows by the glob's literal prefix first (a range on the results_series
 * index), the same SQL for both dialects (no GLOB in PostgreSQL).
 */
#include <ctype.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/lib.h"
#include "results/results.h"
#include "store/store.h"

void
history_query_init(struct history_query *q)
{
	memset(q, 0, sizeof *q);
	q->since_ns = -1;
}

static int
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* YYYY-MM-DD[THH:MM][Z]: local time unless Z. */
int
history_parse_since(const char *s, int64_t *ns, char **cause)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, utc = 0;
	size_t len = strlen(s);
	time_t t;

	if (len > 0 && s[len - 1] == 'Z') {
		utc = 1;
		len--;
	}
	if ((len != 10 && len != 16) || digits(s, 4, &y) == -1 ||
	    s[4] != '-' || digits(s + 5, 2, &mo) == -1 || s[7] != '-' ||
	    digits(s + 8, 2, &d) == -1 || (len == 16 && (s[10] != 'T' ||
	    digits(s + 11, 2, &h) == -1 || s[13] != ':' ||
	    digits(s + 14, 2, &mi) == -1)) || y < 1970 || mo < 1 || mo > 12 ||
	    d < 1 || d > 31 || h > 23 || mi > 59)
		return set_cause(cause, "'%s' is not a date YYYY-MM-DD"
		    "[THH:MM] (local time, or UTC with a final Z)", s);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	t = utc ? timegm(&tm) : mktime(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d)
		return set_cause(cause, "'%s': no such date", s);
	if (t > INT64_MAX / NS_PER_SEC)
		return set_cause(cause, "'%s': after 2262", s);
	*ns = (int64_t)t * NS_PER_SEC;
	return 0;
}

/* The glob's literal prefix: the part before its first *, ?, [ or \. */
static char *
glob_prefix(const char *glob)
{
	return xstrndup(glob, strcspn(glob, "*?[\\"));
}

/* One group of rows being built: a series' (revision or run, machine). */
struct hgroup {
	struct history_row	 row;
	double			*v;
	size_t			 n, a;
};

static const char history_sql[] =
    "SELECT res.benchmark, res.metric, res.unit, res.rundefinition,"
    " res.task, res.samples, res.machine, m.hostname, res.revision,"
    " rv.commit_id, rv.project, rv.commit_date, r.id, r.run_id, r.name,"
    " r.start_ns, a.kernel, a.os"
    " FROM results res"
    " JOIN runs r ON r.id = res.run"
    " JOIN attempts a ON a.id = res.attempt"
    " LEFT JOIN machines m ON m.id = res.machine"
    " LEFT JOIN revisions rv ON rv.id = res.revision"
    " WHERE %s"
    " AND (CAST(? AS TEXT) IS NULL OR res.metric = ?)"
    " AND (CAST(? AS TEXT) IS NULL OR m.hostname = ?)"
    " AND (CAST(? AS TEXT) IS NULL OR rv.project = ?)"
    " AND r.start_ns >= ?";

static void
bind_opt_text(struct db_stmt *st, int i, const char *v)
{
	db_bind_text(st, i, v);
	db_bind_text(st, i + 1, v);
}

/*
 * The benchmark condition, on the results_series index: a name without
 * glob characters is matched exactly; else the glob's literal prefix
 * narrows the rows (fnmatch has the last word): in SQLite a range
 * [prefix, prefix U+10FFFF) (BINARY collation: bytes; its LIKE ignores
 * case and skips the index), in PostgreSQL LIKE 'prefix%' (a range would
 * follow the database's linguistic collation).  Two parameters.
 */
static const char *
bench_condition(struct db *db, const char *glob, char **a, char **b)
{
	char *prefix = glob_prefix(glob != NULL ? glob : "*");

	if (glob != NULL && strcmp(prefix, glob) == 0) {
		*a = prefix;
		*b = xstrdup(prefix);
		return "(res.benchmark = ? OR res.benchmark = ?)";
	}
	if (db_dialect(db) == DB_SQLITE) {
		*a = prefix;
		*b = xasprintf("%s\xf4\x8f\xbf\xbf", prefix);
		return "res.benchmark >= ? AND res.benchmark < ?";
	}
	*a = like_prefix(prefix);
	*b = prefix;
	return "(res.benchmark LIKE ? ESCAPE '\\' AND CAST(? AS TEXT) "
	    "IS NOT NULL)";
}

static struct db_stmt *
history_prepare(struct db *db, const struct history_query *q, char **cause)
{
	struct db_stmt *st;
	char *lo, *hi, *sql;

	sql = xasprintf(history_sql, bench_condition(db, q->glob, &lo, &hi));
	st = db_prepare(db, sql, cause);
	free(sql);
	if (st == NULL) {
		free(lo);
		free(hi);
		return NULL;
	}
	db_bind_text(st, 1, lo);
	db_bind_text(st, 2, hi);
	bind_opt_text(st, 3, q->metric);
	bind_opt_text(st, 5, q->machine);
	bind_opt_text(st, 7, q->project);
	db_bind_int64(st, 9, q->since_ns >= 0 ? q->since_ns : INT64_MIN);
	free(lo);
	free(hi);
	return st;
}

static const char *
col(struct db_stmt *st, int i)
{
	const char *s = db_column_text(st, i);

	return s != NULL ? s : "";
}

/* The key of a row's group: series, then revision (else run), machine. */
static char *
group_key(struct db_stmt *st)
{
	return xasprintf("%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%" PRId64 "\x1f%s",
	    col(st, 0), col(st, 1), col(st, 3), col(st, 4),
	    db_column_is_null(st, 8) ? "run" : "rev",
	    db_column_is_null(st, 8) ? db_column_int64(st, 12) :
	    db_column_int64(st, 8), col(st, 6));
}

static void
group_fill(struct hgroup *g, struct db_stmt *st)
{
	struct history_row *r = &g->row;

	r->benchmark = xstrdup(col(st, 0));
	r->metric = xstrdup(col(st, 1));
	r->unit = xstrdup(col(st, 2));
	r->rundef = xstrdup(col(st, 3));
	r->task = xstrdup(col(st, 4));
	r->machine = xstrdup(db_column_is_null(st, 7) ? "?" : col(st, 7));
	r->machine_id = db_column_is_null(st, 6) ? -1 : db_column_int64(st, 6);
	r->revision = db_column_is_null(st, 9) ? NULL : xstrdup(col(st, 9));
	r->project = db_column_is_null(st, 10) ? NULL : xstrdup(col(st, 10));
	r->commit_ns = db_column_is_null(st, 11) ? -1 : db_column_int64(st, 11);
	r->run = db_column_int64(st, 12);
	r->run_id = xstrdup(col(st, 13));
	r->run_name = xstrdup(col(st, 14));
	r->start_ns = db_column_int64(st, 15);
	r->nruns = 1;
}

/* A row of the group: its samples, the latest run's kernel and OS. */
static void
group_add(struct hgroup *g, struct db_stmt *st)
{
	const unsigned char *b;
	size_t len, i;
	int64_t start = db_column_int64(st, 15);
	double v;

	b = db_column_blob(st, 5, &len);
	for (i = 0; b != NULL && i + 8 <= len; i += 8) {
		uint64_t u = 0;
		int k;

		for (k = 7; k >= 0; k--)
			u = u << 8 | b[i + (size_t)k];
		memcpy(&v, &u, sizeof v);
		if (g->n == g->a) {
			g->a = g->a ? g->a * 2 : 16;
			g->v = xreallocarray(g->v, g->a, sizeof *g->v);
		}
		g->v[g->n++] = v;
	}
	if (db_column_int64(st, 12) != g->row.run) {
		g->row.nruns++;
		if (start < g->row.start_ns) {
			g->row.start_ns = start;
			g->row.run = db_column_int64(st, 12);
			free(g->row.run_id);
			g->row.run_id = xstrdup(col(st, 13));
		}
	}
	if (start >= g->row.last_ns) {
		g->row.last_ns = start;
		free(g->row.kernel);
		free(g->row.os);
		g->row.kernel = db_column_is_null(st, 16) ? NULL :
		    xstrdup(col(st, 16));
		g->row.os = db_column_is_null(st, 17) ? NULL :
		    xstrdup(col(st, 17));
	}
}

static void
row_free(struct history_row *r)
{
	free(r->benchmark);
	free(r->metric);
	free(r->unit);
	free(r->rundef);
	free(r->task);
	free(r->machine);
	free(r->revision);
	free(r->project);
	free(r->run_id);
	free(r->run_name);
	free(r->kernel);
	free(r->os);
	free(r->note);
}

/* Series together, then by time: the commit's date when both have one,
 * else when they were first measured. */
static int
cmp_rows(const void *x, const void *y)
{
	const struct history_row *a = x, *b = y;
	int64_t ta, tb;
	int c, dated;

	if ((c = strcmp(a->benchmark, b->benchmark)) != 0 ||
	    (c = strcmp(a->metric, b->metric)) != 0 ||
	    (c = strcmp(a->rundef, b->rundef)) != 0 ||
	    (c = strcmp(a->task, b->task)) != 0 ||
	    (c = strcmp(a->machine, b->machine)) != 0)
		return c;
	if (a->machine_id != b->machine_id)
		return a->machine_id < b->machine_id ? -1 : 1;
	dated = a->commit_ns >= 0 && b->commit_ns >= 0;
	ta = dated ? a->commit_ns : a->start_ns;
	tb = dated ? b->commit_ns : b->start_ns;
	if (ta != tb)
		return ta < tb ? -1 : 1;
	return a->run < b->run ? -1 : a->run > b->run;
}

static int
same_series(const struct history_row *a, const struct history_row *b)
{
	return strcmp(a->benchmark, b->benchmark) == 0 &&
	    strcmp(a->metric, b->metric) == 0 &&
	    strcmp(a->rundef, b->rundef) == 0 &&
	    strcmp(a->task, b->task) == 0 && a->machine_id == b->machine_id &&
	    strcmp(a->machine, b->machine) == 0;
}

static int
differs(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) != 0;
}

/* Change from the previous row of the series, and what changed there. */
static void
annotate(struct history_row *r, const struct history_row *prev)
{
	struct strbuf sb = STRBUF_INIT;

	r->change = NAN;
	if (prev == NULL)
		return;
	if (prev->mean != 0 && !isnan(prev->mean) && !isnan(r->mean))
		r->change = (r->mean / prev->mean - 1) * 100;
	if (differs(prev->kernel, r->kernel))
		sb_addf(&sb, "kernel %s -> %s", prev->kernel, r->kernel);
	if (differs(prev->os, r->os))
		sb_addf(&sb, "%sOS %s -> %s", sb.len > 0 ? "; " : "",
		    prev->os, r->os);
	r->note = sb.len > 0 ? sb_detach(&sb) : NULL;
	sb_release(&sb);
}

static void
finish(struct history_result *res, struct hgroup *g, size_t n,
    const struct history_query *q)
{
	size_t i, k, first;

	for (i = 0; i < n; i++) {
		g[i].row.n = g[i].n;
		g[i].row.mean = stats_mean(g[i].v, g[i].n);
		g[i].row.stdev = g[i].n > 1 ?
		    sqrt(stats_variance(g[i].v, g[i].n)) : NAN;
		free(g[i].v);
	}
	res->rows = xcalloc(n + 1, sizeof *res->rows);
	for (i = 0; i < n; i++)
		res->rows[i] = g[i].row;
	qsort(res->rows, n, sizeof *res->rows, cmp_rows);
	for (i = 0; i < n; i++)
		annotate(&res->rows[i], i > 0 &&
		    same_series(&res->rows[i - 1], &res->rows[i]) ?
		    &res->rows[i - 1] : NULL);
	/* --limit: the last N rows of each series */
	res->nrows = 0;
	for (i = 0; i < n; i = k) {
		for (k = i + 1; k < n && same_series(&res->rows[i],
		    &res->rows[k]); k++)
			;
		first = q->limit > 0 && k - i > q->limit ? k - q->limit : i;
		for (; i < k; i++) {
			if (i < first)
				row_free(&res->rows[i]);
			else
				res->rows[res->nrows++] = res->rows[i];
		}
	}
}

int
store_history(struct db *db, const struct history_query *q,
    struct history_result *res, char **cause)
{
	struct metric_table idx;	/* key -> group (its row order) */
	struct hgroup *g = NULL;
	struct db_stmt *st;
	size_t n = 0, a = 0, i;
	int r;
	char *key;

	memset(res, 0, sizeof *res);
	res->where = xstrdup(db_where(db));
	if ((st = history_prepare(db, q, cause)) == NULL)
		return -1;
	metrics_init(&idx);
	while ((r = db_step(st, cause)) == 1) {
		struct metric_row *ir;

		if (q->glob != NULL && fnmatch(q->glob, col(st, 0), 0) != 0)
			continue;
		key = group_key(st);
		ir = metrics_row(&idx, key, NULL, "", "", NULL, NULL);
		free(key);
		i = (size_t)(ir - idx.rows);
		if (i == n) {
			if (n == a) {
				a = a ? a * 2 : 64;
				g = xreallocarray(g, a, sizeof *g);
			}
			memset(&g[n], 0, sizeof g[n]);
			group_fill(&g[n++], st);
			g[i].row.nruns = 0;
			g[i].row.run = -1;
			g[i].row.start_ns = INT64_MAX;
		}
		group_add(&g[i], st);
	}
	db_finalize(st);
	metrics_free(&idx);
	if (r == -1) {
		for (i = 0; i < n; i++) {
			row_free(&g[i].row);
			free(g[i].v);
		}
		free(g);
		return -1;
	}
	finish(res, g, n, q);
	free(g);
	return 0;
}

void
history_free(struct history_result *res)
{
	size_t i;

	for (i = 0; i < res->nrows; i++)
		row_free(&res->rows[i]);
	free(res->rows);
	free(res->where);
	memset(res, 0, sizeof *res);
}
