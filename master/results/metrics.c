/*
 * metrics.c - the normalized results table: rows, BenchExec counts, host
 * records and warnings; loading (maybe compressed) result files; walking
 * job and run directories; metrics.json out and back in.
 */
#include <sys/stat.h>

#include <archive.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "results/metrics.h"

#define SCAN_MAX_DEPTH	16

void
metrics_init(struct metric_table *t)
{
	memset(t, 0, sizeof *t);
}

static void
index_free(struct metric_index *ix)
{
	size_t i;

	for (i = 0; i < ix->size; i++)
		free(ix->keys[i]);
	free(ix->keys);
	free(ix->vals);
	memset(ix, 0, sizeof *ix);
}

void
metrics_free(struct metric_table *t)
{
	size_t i;

	for (i = 0; i < t->nrows; i++) {
		struct metric_row *r = &t->rows[i];

		free(r->job);
		free(r->machine);
		free(r->benchmark);
		free(r->metric);
		free(r->values);
		free(r->unit);
		free(r->trend);
		free(r->rundef);
		free(r->tasks_set);
		free(r->task);
	}
	for (i = 0; i < t->ncounts; i++) {
		free(t->counts[i].job);
		free(t->counts[i].machine);
		free(t->counts[i].rundef);
		free(t->counts[i].tasks_set);
	}
	for (i = 0; i < t->nhosts; i++) {
		free(t->hosts[i].job);
		free(t->hosts[i].machine);
		free(t->hosts[i].revision);
		free(t->hosts[i].cpu_model);
		free(t->hosts[i].platform);
	}
	free(t->rows);
	free(t->counts);
	free(t->hosts);
	sv_clear(&t->warnings);
	index_free(&t->row_index);
	index_free(&t->seen);
	memset(t, 0, sizeof *t);
}

void
metrics_warn(struct metric_table *t, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	sv_push(&t->warnings, s);
	free(s);
}

/* FNV-1a. */
static size_t
index_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

/* The slot holding key, or the empty one where it belongs. */
static size_t
index_slot(const struct metric_index *ix, const char *key)
{
	size_t i = index_hash(key) & (ix->size - 1);

	while (ix->keys[i] != NULL && strcmp(ix->keys[i], key) != 0)
		i = (i + 1) & (ix->size - 1);
	return i;
}

static void
index_grow(struct metric_index *ix)
{
	struct metric_index n;
	size_t i, j;

	n.size = ix->size != 0 ? ix->size * 2 : 64;
	n.count = ix->count;
	n.keys = xcalloc(n.size, sizeof *n.keys);
	n.vals = xcalloc(n.size, sizeof *n.vals);
	for (i = 0; i < ix->size; i++) {
		if (ix->keys[i] == NULL)
			continue;
		j = index_slot(&n, ix->keys[i]);
		n.keys[j] = ix->keys[i];
		n.vals[j] = ix->vals[i];
	}
	free(ix->keys);
	free(ix->vals);
	*ix = n;
}

/* 1 and *val if key is there; else key -> *val is added and 0. */
static int
index_get_or_put(struct metric_index *ix, const char *key, size_t *val)
{
	size_t i;

	if (2 * (ix->count + 1) > ix->size)
		index_grow(ix);
	i = index_slot(ix, key);
	if (ix->keys[i] != NULL) {
		*val = ix->vals[i];
		return 1;
	}
	ix->keys[i] = xstrdup(key);
	ix->vals[i] = *val;
	ix->count++;
	return 0;
}

int
metrics_first_seen(struct metric_table *t, const char *key)
{
	size_t v = 0;

	return !index_get_or_put(&t->seen, key, &v);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
fill(char **field, const char *value)
{
	if (*field == NULL && value != NULL)
		*field = xstrdup(value);
}

struct metric_row *
metrics_row(struct metric_table *t, const char *job, const char *machine,
    const char *benchmark, const char *metric, const char *unit,
    const char *trend)
{
	struct metric_row *r;
	char *key = xasprintf("%s\x1f%s\x1f%s", job, benchmark, metric);
	size_t at = t->nrows;

	if (index_get_or_put(&t->row_index, key, &at)) {
		free(key);
		r = &t->rows[at];
		fill(&r->machine, machine);
		fill(&r->unit, unit);
		fill(&r->trend, trend);
		return r;
	}
	free(key);
	if (t->nrows == t->arows) {
		t->arows = t->arows ? t->arows * 2 : 16;
		t->rows = xreallocarray(t->rows, t->arows, sizeof *t->rows);
	}
	r = &t->rows[t->nrows++];
	memset(r, 0, sizeof *r);
	r->job = xstrdup(job);
	r->machine = dup_or_null(machine);
	r->benchmark = xstrdup(benchmark);
	r->metric = xstrdup(metric);
	r->unit = dup_or_null(unit);
	r->trend = dup_or_null(trend);
	return r;
}

const struct metric_row *
metrics_find(const struct metric_table *t, const char *job,
    const char *benchmark, const char *metric)
{
	char *key;
	size_t i;

	if (t->row_index.size == 0)
		return NULL;
	key = xasprintf("%s\x1f%s\x1f%s", job, benchmark, metric);
	i = index_slot(&t->row_index, key);
	free(key);
	return t->row_index.keys[i] != NULL ? &t->rows[t->row_index.vals[i]] :
	    NULL;
}

void
metrics_set_rundef(struct metric_row *r, const char *rundef)
{
	fill(&r->rundef, rundef);
}

void
metrics_add_value(struct metric_row *r, double v)
{
	if (r->nvalues == r->avalues) {
		r->avalues = r->avalues ? r->avalues * 2 : 8;
		r->values = xreallocarray(r->values, r->avalues,
		    sizeof *r->values);
	}
	r->values[r->nvalues++] = v;
}

struct metric_counts *
metrics_counts(struct metric_table *t, const char *job, const char *machine)
{
	struct metric_counts *c;
	size_t i;

	for (i = 0; i < t->ncounts; i++) {
		if (strcmp(t->counts[i].job, job) == 0) {
			fill(&t->counts[i].machine, machine);
			return &t->counts[i];
		}
	}
	if (t->ncounts == t->acounts) {
		t->acounts = t->acounts ? t->acounts * 2 : 4;
		t->counts = xreallocarray(t->counts, t->acounts,
		    sizeof *t->counts);
	}
	c = &t->counts[t->ncounts++];
	memset(c, 0, sizeof *c);
	c->job = xstrdup(job);
	c->machine = dup_or_null(machine);
	return c;
}

void
metrics_set_host(struct metric_table *t, const char *job, const char *machine,
    const char *cpu_model, long cores, const char *platform)
{
	struct metric_host *h = NULL;
	size_t i;

	for (i = 0; i < t->nhosts && h == NULL; i++)
		if (strcmp(t->hosts[i].job, job) == 0)
			h = &t->hosts[i];
	if (h == NULL) {
		if (t->nhosts == t->ahosts) {
			t->ahosts = t->ahosts ? t->ahosts * 2 : 4;
			t->hosts = xreallocarray(t->hosts, t->ahosts,
			    sizeof *t->hosts);
		}
		h = &t->hosts[t->nhosts++];
		memset(h, 0, sizeof *h);
		h->job = xstrdup(job);
		h->cores = -1;
		h->load_before = NAN;
	}
	fill(&h->machine, machine);
	fill(&h->cpu_model, cpu_model != NULL && *cpu_model != '\0' ?
	    cpu_model : NULL);
	fill(&h->platform, platform != NULL && *platform != '\0' ?
	    platform : NULL);
	if (h->cores < 0 && cores > 0)
		h->cores = cores;
}

void
metrics_set_host_revision(struct metric_table *t, const char *job,
    const char *revision)
{
	size_t i;

	if (revision == NULL)
		return;
	for (i = 0; i < t->nhosts; i++)
		if (strcmp(t->hosts[i].job, job) == 0)
			break;
	if (i == t->nhosts)
		metrics_set_host(t, job, NULL, NULL, -1, NULL);
	fill(&t->hosts[i].revision, revision);
}

void
metrics_set_host_load(struct metric_table *t, const char *job,
    double load_before)
{
	size_t i;

	for (i = 0; i < t->nhosts; i++)
		if (strcmp(t->hosts[i].job, job) == 0 && !isnan(load_before))
			t->hosts[i].load_before = load_before;
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

#define LOAD_BUF	65536

static int
load_plain(const char *path, struct strbuf *sb, char **cause)
{
	char *buf;	/* on the heap: a machine thread's stack stays small */
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return set_cause(cause, "%s: %s", path, strerror(errno));
	buf = xmalloc(LOAD_BUF);
	while ((n = read(fd, buf, LOAD_BUF)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			set_cause(cause, "%s: %s", path, strerror(errno));
			break;
		}
		if (sb->len + (size_t)n > METRICS_MAX_BYTES) {
			set_cause(cause, "%s: skipped: too large (more than "
			    "%zu MB)", path, METRICS_MAX_BYTES >> 20);
			n = -1;
			break;
		}
		sb_add(sb, buf, (size_t)n);
	}
	close(fd);
	free(buf);
	return n == 0 ? 0 : -1;
}

/* libarchive's "raw" format: the one stream inside a .gz or .bz2. */
static int
load_compressed(const char *path, struct strbuf *sb, char **cause)
{
	struct archive *a = archive_read_new();
	struct archive_entry *entry;
	char *buf = xmalloc(LOAD_BUF);	/* not on a machine thread's stack */
	la_ssize_t n = 0;
	int r, rc = -1;

	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_filename(a, path, LOAD_BUF) != ARCHIVE_OK)
		goto fail;
	if ((r = archive_read_next_header(a, &entry)) == ARCHIVE_EOF)
		rc = 0;
	else if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
		goto fail;
	while (rc == -1 && (n = archive_read_data(a, buf, LOAD_BUF)) > 0) {
		if (sb->len + (size_t)n > METRICS_MAX_BYTES) {
			set_cause(cause, "%s: skipped: too large (more than "
			    "%zu MB decompressed)", path,
			    METRICS_MAX_BYTES >> 20);
			goto out;
		}
		sb_add(sb, buf, (size_t)n);
	}
	if (n < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	set_cause(cause, "%s: %s", path, archive_error_string(a) != NULL ?
	    archive_error_string(a) : "cannot decompress");
out:
	archive_read_free(a);
	free(buf);
	return rc;
}

int
metrics_load_file(const char *path, char **data, size_t *len, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	if (has_suffix(path, ".gz") || has_suffix(path, ".bz2"))
		rc = load_compressed(path, &sb, cause);
	else
		rc = load_plain(path, &sb, cause);
	if (rc == -1) {
		sb_release(&sb);
		return -1;
	}
	*len = sb.len;
	*data = sb_detach(&sb);
	return 0;
}

int
metrics_is_benchexec_name(const char *name)
{
	return strstr(name, ".results.") != NULL && (has_suffix(name, ".xml") ||
	    has_suffix(name, ".xml.bz2") || has_suffix(name, ".xml.gz"));
}

int
metrics_is_json_name(const char *name)
{
	return has_suffix(name, ".json") || has_suffix(name, ".json.gz");
}

/* Every value is an object with "results": current-bench output. */
static int
is_currentbench(const struct jv *all)
{
	size_t i;

	for (i = 0; i < all->n; i++)
		if (!jv_is(jv_get(&all->v[i], "results"), JV_ARRAY))
			return 0;
	return all->n > 0;
}

int
metrics_read_json_file(struct metric_table *t, const char *path,
    const char *job, const char *machine, char **cause)
{
	struct jv *all = NULL;
	char *data = NULL;
	size_t len;
	int rc = -1;

	if (metrics_load_file(path, &data, &len, cause) == -1)
		goto out;
	if ((all = jv_parse_multi(data, len, path, cause)) == NULL)
		goto out;
	if (all->n == 1 && jv_is(jv_get(&all->v[0], "benchmarks"), JV_ARRAY))
		rc = metrics_read_pyperf(t, &all->v[0], path, job, machine,
		    cause);
	else if (is_currentbench(all))
		rc = metrics_read_currentbench(t, all, path, job, machine,
		    cause);
	else
		rc = 1;
out:
	jv_free(all);
	free(data);
	return rc;
}

/* env.json: {"cpu_model": "...", "cores": N, "platform": "..."}. */
static void
scan_env(struct metric_table *t, const char *dir, const char *job,
    const char *machine)
{
	char *path = xasprintf("%s/env.json", dir), *data = NULL, *cause = NULL;
	char *model, *platform;
	struct jv *env = NULL;
	double cores = -1, load;
	size_t len;

	if (access(path, F_OK) != 0)
		goto out;
	if (metrics_load_file(path, &data, &len, &cause) == -1 ||
	    (env = jv_parse(data, len, path, &cause)) == NULL) {
		metrics_warn(t, "%s", cause);
		goto out;
	}
	jv_num(jv_get(env, "cores"), &cores);
	/* written on the worker: shown by compare, so escaped */
	model = str_printable(jv_str(jv_get(env, "cpu_model")));
	platform = str_printable(jv_str(jv_get(env, "platform")));
	metrics_set_host(t, job, machine, model,
	    cores >= 1 && cores < 1e9 ? (long)cores : -1, platform);
	if (jv_num(jv_get(env, "load_before"), &load) == 0)
		metrics_set_host_load(t, job, load);
	free(model);
	free(platform);
out:
	jv_free(env);
	free(data);
	free(cause);
	free(path);
}

static void
scan_file(struct metric_table *t, const char *path, const char *name,
    const char *job, const char *machine, struct strvec *benchexec)
{
	char *cause = NULL;

	if (metrics_is_benchexec_name(name))
		sv_push(benchexec, path);
	else if (metrics_is_json_name(name) && strcmp(name, "env.json") != 0 &&
	    metrics_read_json_file(t, path, job, machine, &cause) == -1) {
		metrics_warn(t, "%s", cause);
		free(cause);
	}
}

static void
scan_walk(struct metric_table *t, const char *dir, const char *job,
    const char *machine, struct strvec *benchexec, int depth)
{
	struct dirent **ents = NULL;
	struct stat st;
	char *path;
	int i, n;

	if ((n = scandir(dir, &ents, NULL, alphasort)) == -1) {
		metrics_warn(t, "%s: %s", dir, strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;

		path = xasprintf("%s/%s", dir, name);
		if (name[0] == '.' || lstat(path, &st) == -1)
			;	/* hidden, or gone */
		else if (S_ISDIR(st.st_mode) && depth < SCAN_MAX_DEPTH)
			scan_walk(t, path, job, machine, benchexec, depth + 1);
		else if (S_ISREG(st.st_mode))
			scan_file(t, path, name, job, machine, benchexec);
		free(path);
		free(ents[i]);
	}
	free(ents);
}

void
metrics_scan_dir(struct metric_table *t, const char *job_dir,
    const char *job_id, const char *machine)
{
	struct strvec benchexec = STRVEC_INIT;

	scan_env(t, job_dir, job_id, machine);
	scan_walk(t, job_dir, job_id, machine, &benchexec, 0);
	if (benchexec.n > 0)
		metrics_read_benchexec(t, &benchexec, job_dir, job_id,
		    machine);
	sv_clear(&benchexec);
}

/* run.json's jobs: id -> machine. */
static struct jv *
load_run_json(struct metric_table *t, const char *run_dir)
{
	char *path = xasprintf("%s/run.json", run_dir), *data = NULL;
	char *cause = NULL;
	struct jv *run = NULL;
	size_t len;

	if (access(path, F_OK) == 0 &&
	    (metrics_load_file(path, &data, &len, &cause) == -1 ||
	    (run = jv_parse(data, len, path, &cause)) == NULL)) {
		metrics_warn(t, "%s", cause);
		free(cause);
	}
	free(data);
	free(path);
	return run;
}

static const char *
run_job_field(const struct jv *run, const char *job, const char *key)
{
	const struct jv *jobs = jv_get(run, "jobs");
	size_t i;

	for (i = 0; jobs != NULL && jobs->type == JV_ARRAY && i < jobs->n; i++) {
		const char *id = jv_str(jv_get(&jobs->v[i], "id"));

		if (id != NULL && strcmp(id, job) == 0)
			return jv_str(jv_get(&jobs->v[i], key));
	}
	return NULL;
}

void
metrics_scan_run(struct metric_table *t, const char *run_dir)
{
	char *jobs = xasprintf("%s/jobs", run_dir), *path;
	struct jv *run = load_run_json(t, run_dir);
	struct dirent **ents = NULL;
	struct stat st;
	int i, n;

	if ((n = scandir(jobs, &ents, NULL, alphasort)) == -1) {
		metrics_warn(t, "%s: %s", jobs, strerror(errno));
		n = 0;
	}
	for (i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;

		path = xasprintf("%s/%s", jobs, name);
		if (name[0] != '.' && lstat(path, &st) == 0 &&
		    S_ISDIR(st.st_mode)) {
			metrics_scan_dir(t, path, name,
			    run_job_field(run, name, "machine"));
			metrics_set_host_revision(t, name,
			    run_job_field(run, name, "revision"));
		}
		free(path);
		free(ents[i]);
	}
	free(ents);
	jv_free(run);
	free(jobs);
}

static void
rows_to_json(const struct metric_table *t, struct json *j)
{
	size_t i, k;

	json_arr_open(j, "rows");
	for (i = 0; i < t->nrows; i++) {
		const struct metric_row *r = &t->rows[i];

		json_obj_open(j, NULL);
		json_str(j, "job", r->job);
		json_str(j, "machine", r->machine);
		json_str(j, "benchmark", r->benchmark);
		json_str(j, "metric", r->metric);
		json_str(j, "unit", r->unit);
		json_str(j, "trend", r->trend);
		if (r->rundef != NULL)
			json_str(j, "rundef", r->rundef);
		json_arr_open(j, "values");
		for (k = 0; k < r->nvalues; k++)
			json_double(j, NULL, r->values[k]);
		json_arr_close(j);
		json_obj_close(j);
	}
	json_arr_close(j);
}

void
metric_counts_json(struct json *j, const char *key,
    const struct metric_counts *c, int with_machine)
{
	json_obj_open(j, key);
	json_str(j, "job", c->job);
	if (with_machine)
		json_str(j, "machine", c->machine);
	json_uint(j, "tasks", c->tasks);
	json_uint(j, "correct", c->correct);
	json_uint(j, "correct_unconfirmed", c->correct_unconfirmed);
	json_uint(j, "wrong", c->wrong);
	json_uint(j, "unknown", c->unknown);
	json_uint(j, "error", c->error);
	json_uint(j, "missing", c->missing);
	json_double(j, "cputime", c->cputime);
	json_double(j, "walltime", c->walltime);
	json_obj_close(j);
}

static void
counts_to_json(const struct metric_table *t, struct json *j)
{
	size_t i;

	json_arr_open(j, "benchexec");
	for (i = 0; i < t->ncounts; i++)
		metric_counts_json(j, NULL, &t->counts[i], 1);
	json_arr_close(j);
}

static void
hosts_to_json(const struct metric_table *t, struct json *j)
{
	size_t i;

	json_arr_open(j, "hosts");
	for (i = 0; i < t->nhosts; i++) {
		const struct metric_host *h = &t->hosts[i];

		json_obj_open(j, NULL);
		json_str(j, "job", h->job);
		json_str(j, "machine", h->machine);
		json_str(j, "cpu_model", h->cpu_model);
		if (h->cores > 0)
			json_int(j, "cores", h->cores);
		else
			json_null(j, "cores");
		json_str(j, "platform", h->platform);
		if (!isnan(h->load_before))
			json_double(j, "load_before", h->load_before);
		if (h->revision != NULL)
			json_str(j, "revision", h->revision);
		json_obj_close(j);
	}
	json_arr_close(j);
}

char *
metrics_to_json(const struct metric_table *t)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	size_t i;

	json_init(&j, &sb, 1);
	json_obj_open(&j, NULL);
	json_int(&j, "version", 1);
	rows_to_json(t, &j);
	counts_to_json(t, &j);
	hosts_to_json(t, &j);
	json_arr_open(&j, "warnings");
	for (i = 0; i < t->warnings.n; i++)
		json_str(&j, NULL, t->warnings.v[i]);
	json_arr_close(&j);
	json_obj_close(&j);
	return sb_detach(&sb);
}

int
metrics_write_json(const struct metric_table *t, const char *path,
    char **cause)
{
	char *s = metrics_to_json(t);
	int rc = write_file_atomic(path, s, strlen(s), cause);

	free(s);
	return rc;
}

static int
row_from_json(struct metric_table *t, const struct jv *o)
{
	const char *job = jv_str(jv_get(o, "job"));
	const char *bench = jv_str(jv_get(o, "benchmark"));
	const char *metric = jv_str(jv_get(o, "metric"));
	const struct jv *values = jv_get(o, "values");
	struct metric_row *r;
	size_t i;

	if (job == NULL || bench == NULL || metric == NULL ||
	    !jv_is(values, JV_ARRAY))
		return -1;
	r = metrics_row(t, job, jv_str(jv_get(o, "machine")), bench, metric,
	    jv_str(jv_get(o, "unit")), jv_str(jv_get(o, "trend")));
	metrics_set_rundef(r, jv_str(jv_get(o, "rundef")));
	for (i = 0; i < values->n; i++)
		if (values->v[i].type == JV_NUMBER)
			metrics_add_value(r, values->v[i].number);
	return 0;
}

static unsigned long
count_of(const struct jv *o, const char *key)
{
	double v = 0;

	jv_num(jv_get(o, key), &v);
	return v >= 0 && v < 1e15 ? (unsigned long)v : 0;
}

static int
counts_from_json(struct metric_table *t, const struct jv *o)
{
	const char *job = jv_str(jv_get(o, "job"));
	struct metric_counts *c;

	if (job == NULL)
		return -1;
	c = metrics_counts(t, job, jv_str(jv_get(o, "machine")));
	c->tasks += count_of(o, "tasks");
	c->correct += count_of(o, "correct");
	c->correct_unconfirmed += count_of(o, "correct_unconfirmed");
	c->wrong += count_of(o, "wrong");
	c->unknown += count_of(o, "unknown");
	c->error += count_of(o, "error");
	c->missing += count_of(o, "missing");
	jv_num(jv_get(o, "cputime"), &c->cputime);
	jv_num(jv_get(o, "walltime"), &c->walltime);
	return 0;
}

static int
host_from_json(struct metric_table *t, const struct jv *o)
{
	const char *job = jv_str(jv_get(o, "job"));
	double cores = -1, load;

	if (job == NULL)
		return -1;
	jv_num(jv_get(o, "cores"), &cores);
	metrics_set_host(t, job, jv_str(jv_get(o, "machine")),
	    jv_str(jv_get(o, "cpu_model")),
	    cores >= 1 && cores < 1e9 ? (long)cores : -1,
	    jv_str(jv_get(o, "platform")));
	if (jv_num(jv_get(o, "load_before"), &load) == 0)
		metrics_set_host_load(t, job, load);
	metrics_set_host_revision(t, job, jv_str(jv_get(o, "revision")));
	return 0;
}

/* Each element of root[key] through fn; bad ones become warnings. */
static void
from_json_list(struct metric_table *t, const struct jv *root, const char *key,
    int (*fn)(struct metric_table *, const struct jv *), const char *path)
{
	const struct jv *list = jv_get(root, key);
	size_t i;

	if (list == NULL)
		return;
	if (list->type != JV_ARRAY) {
		metrics_warn(t, "%s: '%s' is not an array", path, key);
		return;
	}
	for (i = 0; i < list->n; i++)
		if (fn(t, &list->v[i]) == -1)
			metrics_warn(t, "%s: %s[%zu]: incomplete entry", path,
			    key, i);
}

int
metrics_read_json(struct metric_table *t, const char *path, char **cause)
{
	const struct jv *w;
	struct jv *root;
	char *data;
	size_t len, i;

	if (metrics_load_file(path, &data, &len, cause) == -1)
		return -1;
	root = jv_parse(data, len, path, cause);
	free(data);
	if (root == NULL)
		return -1;
	if (!jv_is(jv_get(root, "rows"), JV_ARRAY)) {
		jv_free(root);
		return set_cause(cause, "%s: no \"rows\" array", path);
	}
	from_json_list(t, root, "rows", row_from_json, path);
	from_json_list(t, root, "benchexec", counts_from_json, path);
	from_json_list(t, root, "hosts", host_from_json, path);
	w = jv_get(root, "warnings");
	for (i = 0; jv_is(w, JV_ARRAY) && i < w->n; i++)
		if (jv_str(&w->v[i]) != NULL)
			sv_push(&t->warnings, w->v[i].str);
	jv_free(root);
	return 0;
}
