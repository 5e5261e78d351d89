/*
 * cmd-history.c - "distribute history [BENCHMARK-GLOB]": a benchmark's
 * values through the runs of the store, one row per (revision or run,
 * machine), as a table, --json or --csv.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lib/lib.h"
#include "store/store.h"

/* The store of --db (or db = in the settings), else RESULTS's. */
int
cli_store_open(const struct dist_opts *o, struct db **db, int mode)
{
	char buf[4096], *cause = NULL;
	const char *url = o->db_url != NULL ? o->db_url :
	    store_default_url(o->results_dir, buf, sizeof buf);

	/* reading never makes a store: an SQLite file must be there */
	if (mode == STORE_READ && strncmp(url, "sqlite:", 7) == 0 &&
	    access(url + 7, F_OK) != 0) {
		error("store: %s: no such store (run with --db, or import run "
		    "directories first)", url);
		return -1;
	}
	if (store_open(url, db, &cause) == -1) {
		error("store: %s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

static char *
fmt_num(double v)
{
	return isnan(v) ? xstrdup("-") : xasprintf("%.6g", v);
}

/* What the row is: the revision (project:commit), else the run. */
static char *
row_what(const struct history_row *r)
{
	if (r->revision != NULL)
		return r->project != NULL && *r->project != '\0' ?
		    xasprintf("%s:%.12s", r->project, r->revision) :
		    xasprintf("%.12s", r->revision);
	return xasprintf("run %s", r->run_id);
}

/* The series: RUNDEF:TASK for BenchExec, "(job)" for a job's counts. */
static char *
series_name(const struct history_row *r)
{
	const char *base = *r->task != '\0' ? r->task :
	    *r->benchmark != '\0' ? r->benchmark : "(job)";

	if (*r->rundef != '\0')
		return xasprintf("%s:%s", r->rundef, base);
	return xstrdup(base);
}

static void
print_table(const struct history_result *res)
{
	const struct history_row *r;
	size_t i;

	printf("store: %s\n", res->where);
	if (res->nrows == 0) {
		printf("no stored values match\n");
		return;
	}
	printf("%-24s %-10s %-12s %-20s %-20s %6s %12s %10s %8s  %s\n",
	    "benchmark", "metric", "machine", "revision/run", "when", "n",
	    "mean", "stdev", "change", "note");
	for (i = 0; i < res->nrows; i++) {
		char *name, *what, *when, *mean, *sd, ch[32];

		r = &res->rows[i];
		name = series_name(r);
		what = row_what(r);
		when = format_utc_ns(r->start_ns);
		mean = fmt_num(r->mean);
		sd = fmt_num(r->stdev);
		if (isnan(r->change))
			snprintf(ch, sizeof ch, "-");
		else
			snprintf(ch, sizeof ch, "%+.1f%%", r->change);
		printf("%-24s %-10s %-12s %-20s %-20s %6zu %12s %10s %8s  %s\n",
		    name, r->metric, r->machine, what, when, r->n, mean, sd, ch,
		    r->note != NULL ? r->note : "");
		free(name);
		free(what);
		free(when);
		free(mean);
		free(sd);
	}
}

static void
print_json(const struct history_result *res)
{
	struct strbuf sb = STRBUF_INIT;
	const struct history_row *r;
	struct json j;
	size_t i;
	char *when;

	json_init(&j, &sb, 1);
	json_obj_open(&j, NULL);
	json_str(&j, "store", res->where);
	json_arr_open(&j, "rows");
	for (i = 0; i < res->nrows; i++) {
		r = &res->rows[i];
		json_obj_open(&j, NULL);
		json_str(&j, "benchmark", r->benchmark);
		json_str(&j, "metric", r->metric);
		json_str(&j, "unit", r->unit);
		json_str(&j, "rundefinition", *r->rundef ? r->rundef : NULL);
		json_str(&j, "task", *r->task ? r->task : NULL);
		json_str(&j, "machine", r->machine);
		json_str(&j, "project", r->project);
		json_str(&j, "revision", r->revision);
		json_str(&j, "run_id", r->run_id);
		json_str(&j, "run_name", r->run_name);
		json_int(&j, "runs", (int64_t)r->nruns);
		when = format_utc_ns(r->start_ns);
		json_str(&j, "start", when);
		free(when);
		json_int(&j, "n", (int64_t)r->n);
		json_double(&j, "mean", r->mean);
		json_double(&j, "stdev", r->stdev);
		json_double(&j, "change_percent", r->change);
		json_str(&j, "kernel", r->kernel);
		json_str(&j, "os", r->os);
		json_str(&j, "note", r->note);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_obj_close(&j);
	fputs(sb_str(&sb), stdout);
	sb_release(&sb);
}

static void
csv_field(const char *s, const char *sep)
{
	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") != NULL) {
		putchar('"');
		for (; *s != '\0'; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else
		fputs(s, stdout);
	fputs(sep, stdout);
}

static void
csv_num(double v, const char *sep)
{
	if (!isnan(v))
		printf("%.17g", v);
	fputs(sep, stdout);
}

static void
print_csv(const struct history_result *res)
{
	const struct history_row *r;
	size_t i;

	puts("benchmark,metric,unit,rundefinition,task,machine,project,"
	    "revision,run_id,runs,start,n,mean,stdev,change_percent,note");
	for (i = 0; i < res->nrows; i++) {
		char *when;

		r = &res->rows[i];
		when = format_utc_ns(r->start_ns);
		csv_field(r->benchmark, ",");
		csv_field(r->metric, ",");
		csv_field(r->unit, ",");
		csv_field(r->rundef, ",");
		csv_field(r->task, ",");
		csv_field(r->machine, ",");
		csv_field(r->project, ",");
		csv_field(r->revision, ",");
		csv_field(r->run_id, ",");
		printf("%zu,", r->nruns);
		csv_field(when, ",");
		printf("%zu,", r->n);
		csv_num(r->mean, ",");
		csv_num(r->stdev, ",");
		csv_num(r->change, ",");
		csv_field(r->note, "\n");
		free(when);
	}
}

int
cmd_history(struct dist_opts *o, int argc, char **argv)
{
	struct history_query q;
	struct history_result res;
	struct db *db;
	char *cause = NULL;
	int rc = EXIT_OK;

	history_query_init(&q);
	q.glob = argc > 0 ? argv[0] : NULL;
	q.metric = o->hist_metric;
	q.machine = o->hist_machine;
	q.project = o->project;
	q.limit = o->limit > 0 ? (size_t)o->limit : 0;
	if (o->hist_since != NULL &&
	    history_parse_since(o->hist_since, &q.since_ns, &cause) == -1) {
		error("--since: %s", cause);
		free(cause);
		return EXIT_USAGE;
	}
	if (cli_store_open(o, &db, STORE_READ) == -1)
		return EXIT_RUNTIME;
	if (store_history(db, &q, &res, &cause) == -1) {
		error("history: %s: %s", db_where(db), cause);
		free(cause);
		db_close(db);
		return EXIT_RUNTIME;
	}
	if (o->json)
		print_json(&res);
	else if (o->csv)
		print_csv(&res);
	else
		print_table(&res);
	history_free(&res);
	db_close(db);
	return rc;
}
