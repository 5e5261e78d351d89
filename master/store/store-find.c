/*
 * store-find.c - a run argument to its runs.id: a store id ("12"),
 * "run:RUN-ID", "name:NAME" (the latest run of that name), or a bare
 * RUN-ID or NAME.  A run id given by several masters is ambiguous: the
 * candidates are listed.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "store/store-internal.h"
#include "store/store.h"

int
store_all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* Rows of "SELECT id, master, run_id ..." bound to arg: the one id, 0
 * when none, -1 when several (listed in *cause) or on error. */
static int64_t
one_run(struct db *db, const char *sql, const char *arg, const char *spec,
    char **cause)
{
	struct db_stmt *st = db_prepare(db, sql, cause);
	struct strbuf list = STRBUF_INIT;
	int64_t id = 0;
	int r, n = 0;

	if (st == NULL)
		return -1;
	db_bind_text(st, 1, arg);
	while ((r = db_step(st, cause)) == 1) {
		if (n++ == 0)
			id = db_column_int64(st, 0);
		sb_addf(&list, "%s %lld (%s on %s)", n > 1 ? "," : "",
		    (long long)db_column_int64(st, 0),
		    db_column_text(st, 2) != NULL ? db_column_text(st, 2) : "",
		    db_column_text(st, 1) != NULL ? db_column_text(st, 1) : "");
	}
	db_finalize(st);
	if (r == -1)
		id = -1;
	else if (n > 1) {
		set_cause(cause, "'%s' is ambiguous: runs%s", spec, sb_str(&list));
		id = -1;
	}
	sb_release(&list);
	return id;
}

#define BY_ID	"SELECT id, master, run_id FROM runs WHERE id = CAST(? AS BIGINT)"
#define BY_RUN	"SELECT id, master, run_id FROM runs WHERE run_id = ? ORDER BY id"
#define BY_NAME	"SELECT id, master, run_id FROM runs WHERE name = ? " \
		"ORDER BY start_ns DESC, id DESC LIMIT 1"

int64_t
store_find_run(struct db *db, const char *spec, char **cause)
{
	int64_t id = 0;

	if (strncmp(spec, "run:", 4) == 0)
		id = one_run(db, BY_RUN, spec + 4, spec, cause);
	else if (strncmp(spec, "name:", 5) == 0)
		id = one_run(db, BY_NAME, spec + 5, spec, cause);
	else {
		if (store_all_digits(spec) && strlen(spec) < 18)
			id = one_run(db, BY_ID, spec, spec, cause);
		if (id == 0)
			id = one_run(db, BY_RUN, spec, spec, cause);
		if (id == 0)
			id = one_run(db, BY_NAME, spec, spec, cause);
	}
	if (id == 0)
		return set_cause(cause, "no run '%s' in %s", spec, db_where(db));
	return id;
}
