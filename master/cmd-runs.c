/*
 * cmd-runs.c - "distribute runs": the runs of the results store, newest
 * first: store id (the short unique id other commands accept), name,
 * user, when, jobs ok/failed, revision, machines.  The first line says
 * which store ("store: sqlite:/abs/path"): the default one is per
 * RESULTS directory.  --json and --csv for programs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lib/lib.h"
#include "store/store.h"

#define RUNS_DEFAULT_LIMIT	20

struct run_line {
	int64_t		 id;
	char		*run_id, *name, *user, *master, *state, *when;
	char		*commit, *project, *machines;
	int64_t		 start, end, jobs, ok, failed;
	int		 has_start, has_end;
};

static char *
col_dup(struct db_stmt *st, int i)
{
	const char *s = db_column_text(st, i);

	return s != NULL ? xstrdup(s) : NULL;
}

/* "m1, m2": the machines the run's attempts ran on. */
static char *
run_machines(struct db *db, int64_t id, char **cause)
{
	struct db_stmt *st = db_prepare(db, "SELECT DISTINCT a.machine_name "
	    "FROM attempts a JOIN jobs j ON a.job = j.id WHERE j.run = ? AND "
	    "a.machine_name IS NOT NULL ORDER BY a.machine_name", cause);
	struct strbuf sb = STRBUF_INIT;
	int r;

	if (st == NULL)
		return NULL;
	db_bind_int64(st, 1, id);
	while ((r = db_step(st, cause)) == 1)
		sb_addf(&sb, "%s%s", sb.len > 0 ? ", " : "",
		    db_column_text(st, 0));
	db_finalize(st);
	if (r == -1) {
		sb_release(&sb);
		return NULL;
	}
	return sb.len > 0 ? sb_detach(&sb) : xstrdup("");
}

#define RUNS_SQL \
	"SELECT r.id, r.run_id, r.name, r.user_name, r.master, r.state, " \
	"r.start_ns, r.end_ns, " \
	"(SELECT COUNT(*) FROM jobs j WHERE j.run = r.id), " \
	"(SELECT COUNT(*) FROM jobs j WHERE j.run = r.id AND j.status = 'ok'), " \
	"(SELECT COUNT(*) FROM jobs j WHERE j.run = r.id AND " \
	"j.status = 'failed'), v.commit_id, v.project " \
	"FROM runs r LEFT JOIN revisions v ON v.id = r.revision " \
	"WHERE (CAST(? AS TEXT) IS NULL OR r.name = ?) " \
	"AND (CAST(? AS TEXT) IS NULL OR r.user_name = ?) " \
	"ORDER BY COALESCE(r.start_ns, 0) DESC, r.id DESC LIMIT ?"

static void
line_fill(struct run_line *l, struct db_stmt *st)
{
	l->id = db_column_int64(st, 0);
	l->run_id = col_dup(st, 1);
	l->name = col_dup(st, 2);
	l->user = col_dup(st, 3);
	l->master = col_dup(st, 4);
	l->state = col_dup(st, 5);
	l->has_start = !db_column_is_null(st, 6);
	l->start = db_column_int64(st, 6);
	l->has_end = !db_column_is_null(st, 7);
	l->end = db_column_int64(st, 7);
	l->jobs = db_column_int64(st, 8);
	l->ok = db_column_int64(st, 9);
	l->failed = db_column_int64(st, 10);
	l->commit = col_dup(st, 11);
	l->project = col_dup(st, 12);
	l->when = l->has_start ? format_utc_ns(l->start) : xstrdup("-");
}

static void
line_free(struct run_line *l)
{
	free(l->run_id);
	free(l->name);
	free(l->user);
	free(l->master);
	free(l->state);
	free(l->when);
	free(l->commit);
	free(l->project);
	free(l->machines);
}

static int
load_runs(struct db *db, const struct dist_opts *o, struct run_line **out,
    size_t *n, char **cause)
{
	struct db_stmt *st = db_prepare(db, RUNS_SQL, cause);
	struct run_line *v = NULL;
	size_t a = 0, i;
	int r;

	*n = 0;
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, o->name);
	db_bind_text(st, 2, o->name);
	db_bind_text(st, 3, o->user_filter);
	db_bind_text(st, 4, o->user_filter);
	db_bind_int64(st, 5, o->limit < 0 ? RUNS_DEFAULT_LIMIT :
	    o->limit == 0 ? INT64_MAX : o->limit);
	while ((r = db_step(st, cause)) == 1) {
		if (*n == a) {
			a = a ? 2 * a : 16;
			v = xreallocarray(v, a, sizeof *v);
		}
		memset(&v[*n], 0, sizeof *v);
		line_fill(&v[(*n)++], st);
	}
	db_finalize(st);
	for (i = 0; r != -1 && i < *n; i++)
		if ((v[i].machines = run_machines(db, v[i].id, cause)) == NULL)
			r = -1;
	*out = v;
	return r == -1 ? -1 : 0;
}

static void
print_json(const char *where, const struct run_line *v, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	size_t i;

	json_init(&j, &sb, 1);
	json_obj_open(&j, NULL);
	json_str(&j, "store", where);
	json_arr_open(&j, "runs");
	for (i = 0; i < n; i++) {
		const struct run_line *l = &v[i];
		char *end = l->has_end ? format_utc_ns(l->end) : NULL;

		json_obj_open(&j, NULL);
		json_int(&j, "id", l->id);
		json_str(&j, "run_id", l->run_id);
		json_str(&j, "name", l->name);
		json_str(&j, "user", l->user);
		json_str(&j, "master", l->master);
		json_str(&j, "start", l->has_start ? l->when : NULL);
		json_str(&j, "end", end);
		json_str(&j, "state", l->state);
		json_int(&j, "jobs", l->jobs);
		json_int(&j, "ok", l->ok);
		json_int(&j, "failed", l->failed);
		if (l->commit != NULL) {
			json_obj_open(&j, "revision");
			json_str(&j, "project", l->project);
			json_str(&j, "commit", l->commit);
			json_obj_close(&j);
		} else
			json_null(&j, "revision");
		json_str(&j, "machines", l->machines);
		json_obj_close(&j);
		free(end);
	}
	json_arr_close(&j);
	json_obj_close(&j);
	fputs(sb_str(&sb), stdout);
	sb_release(&sb);
}

/* One CSV field (RFC 4180: quoted when it holds , " CR or LF). */
static void
csv_field(const char *s, int last)
{
	const char *p;

	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") == NULL)
		fputs(s, stdout);
	else {
		putchar('"');
		for (p = s; *p != '\0'; p++) {
			if (*p == '"')
				putchar('"');
			putchar(*p);
		}
		putchar('"');
	}
	putchar(last ? '\n' : ',');
}

static void
print_csv(const struct run_line *v, size_t n)
{
	size_t i;

	puts("id,run_id,name,user,master,start,state,jobs,ok,failed,project,"
	    "revision,machines");
	for (i = 0; i < n; i++) {
		const struct run_line *l = &v[i];
		char num[5][24];

		snprintf(num[0], sizeof num[0], "%lld", (long long)l->id);
		snprintf(num[1], sizeof num[1], "%lld", (long long)l->jobs);
		snprintf(num[2], sizeof num[2], "%lld", (long long)l->ok);
		snprintf(num[3], sizeof num[3], "%lld", (long long)l->failed);
		csv_field(num[0], 0);
		csv_field(l->run_id, 0);
		csv_field(l->name, 0);
		csv_field(l->user, 0);
		csv_field(l->master, 0);
		csv_field(l->has_start ? l->when : NULL, 0);
		csv_field(l->state, 0);
		csv_field(num[1], 0);
		csv_field(num[2], 0);
		csv_field(num[3], 0);
		csv_field(l->project, 0);
		csv_field(l->commit, 0);
		csv_field(l->machines, 1);
	}
}

static void
print_table(const char *where, const struct run_line *v, size_t n)
{
	int wid = 2, wname = 4, wuser = 4;
	size_t i;

	printf("store: %s\n", where);
	if (n == 0) {
		puts("no runs");
		return;
	}
	for (i = 0; i < n; i++) {
		char num[24];
		int l = snprintf(num, sizeof num, "%lld", (long long)v[i].id);

		wid = l > wid ? l : wid;
		if ((int)strlen(v[i].name) > wname)
			wname = (int)strlen(v[i].name);
		if ((int)strlen(v[i].user) > wuser)
			wuser = (int)strlen(v[i].user);
	}
	printf("%-*s  %-*s  %-*s  %-20s  %-9s  %-12s  %s\n", wid, "ID", wname,
	    "NAME", wuser, "USER", "WHEN", "OK/FAILED", "REVISION", "MACHINES");
	for (i = 0; i < n; i++) {
		const struct run_line *l = &v[i];
		char jobs[48];

		snprintf(jobs, sizeof jobs, "%lld/%lld", (long long)l->ok,
		    (long long)l->failed);
		printf("%-*lld  %-*s  %-*s  %-20s  %-9s  %-12.12s  %s\n", wid,
		    (long long)l->id, wname, l->name, wuser, l->user, l->when,
		    jobs, l->commit != NULL ? l->commit : "-",
		    l->machines[0] != '\0' ? l->machines : "-");
	}
}

int
cmd_runs(struct dist_opts *o, int argc, char **argv)
{
	char *cause = NULL;
	struct run_line *v = NULL;
	struct db *db;
	size_t n = 0, i;
	int rc = EXIT_OK;

	(void)argc;
	(void)argv;
	if (o->json && o->csv)
		fatal("--json and --csv: choose one");
	/* (an empty store is made and listed: "store: WHERE" says which) */
	if (cli_store_open(o, &db, STORE_WRITE) == -1)
		return EXIT_RUNTIME;
	if (load_runs(db, o, &v, &n, &cause) == -1) {
		error("store: %s", cause);
		free(cause);
		rc = EXIT_RUNTIME;
	} else if (o->json)
		print_json(db_where(db), v, n);
	else if (o->csv)
		print_csv(v, n);
	else
		print_table(db_where(db), v, n);
	for (i = 0; i < n; i++)
		line_free(&v[i]);
	free(v);
	db_close(db);
	return rc;
}
