/*
 * db.c - db.h's entry points: the URL picks the backend, parameters are
 * kept here (copied) and handed to the backend when a statement runs.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "store/db-internal.h"

int
db_open(const char *url, struct db **out, char **cause)
{
	struct db *db = xcalloc(1, sizeof *db);
	int r;

	*out = NULL;
	if (strncmp(url, "sqlite:", 7) == 0) {
		db->dialect = DB_SQLITE;
		r = db_sqlite_open(url + 7, db, cause);
	} else if (strncmp(url, "postgresql://", 13) == 0 ||
	    strncmp(url, "postgres://", 11) == 0) {
		db->dialect = DB_POSTGRES;
		r = db_pg_open(url, db, cause);
	} else {
		free(db);
		return set_cause(cause, "'%s': not a store URL "
		    "(sqlite:PATH or postgresql://USER@HOST/DB)", url);
	}
	if (r == -1) {
		free(db->where);
		free(db);
		return -1;
	}
	*out = db;
	return 0;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	db->ops->close(db);
	free(db->where);
	free(db);
}

enum db_dialect
db_dialect(const struct db *db)
{
	return db->dialect;
}

const char *
db_where(const struct db *db)
{
	return db->where;
}

int
db_exec(struct db *db, const char *sql, char **cause)
{
	return db->ops->exec(db, sql, cause);
}

struct db_stmt *
db_prepare(struct db *db, const char *sql, char **cause)
{
	struct db_stmt *st = xcalloc(1, sizeof *st);

	st->db = db;
	if (db->ops->prepare(st, sql, cause) == -1) {
		free(st);
		return NULL;
	}
	return st;
}

static void
param_clear(struct db_param *p)
{
	free(p->data);
	memset(p, 0, sizeof *p);
}

/* Parameter i (from 1), grown and cleared. */
static struct db_param *
param(struct db_stmt *st, int i)
{
	if (i < 1)
		i = 1;
	if (i > st->np) {
		st->p = xreallocarray(st->p, (size_t)i, sizeof *st->p);
		memset(st->p + st->np, 0, (size_t)(i - st->np) * sizeof *st->p);
		st->np = i;
	}
	param_clear(&st->p[i - 1]);
	return &st->p[i - 1];
}

void
db_bind_text(struct db_stmt *st, int i, const char *s)
{
	struct db_param *p = param(st, i);

	if (s == NULL)
		return;
	p->type = DBP_TEXT;
	p->data = xstrdup(s);
	p->len = strlen(s);
}

void
db_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	struct db_param *p = param(st, i);

	p->type = DBP_INT;
	p->i = v;
}

void
db_bind_double(struct db_stmt *st, int i, double v)
{
	struct db_param *p = param(st, i);

	p->type = DBP_DOUBLE;
	p->d = v;
}

void
db_bind_blob(struct db_stmt *st, int i, const void *data, size_t len)
{
	struct db_param *p = param(st, i);

	p->type = DBP_BLOB;
	p->data = xmalloc(len + 1);
	if (len > 0)
		memcpy(p->data, data, len);
	p->len = len;
}

void
db_bind_null(struct db_stmt *st, int i)
{
	(void)param(st, i);
}

void
db_bind_opt_int64(struct db_stmt *st, int i, int64_t v)
{
	if (v >= 0)
		db_bind_int64(st, i, v);
	else
		db_bind_null(st, i);
}

int
db_step(struct db_stmt *st, char **cause)
{
	int r = st->db->ops->step(st, cause);

	st->started = 1;
	return r;
}

int
db_column_is_null(struct db_stmt *st, int i)
{
	return st->db->ops->is_null(st, i);
}

const char *
db_column_text(struct db_stmt *st, int i)
{
	return st->db->ops->text(st, i);
}

int64_t
db_column_int64(struct db_stmt *st, int i)
{
	return st->db->ops->int64(st, i);
}

double
db_column_double(struct db_stmt *st, int i)
{
	return st->db->ops->dbl(st, i);
}

const void *
db_column_blob(struct db_stmt *st, int i, size_t *len)
{
	return st->db->ops->blob(st, i, len);
}

int
db_reset(struct db_stmt *st)
{
	int i;

	st->db->ops->reset(st);
	for (i = 0; i < st->np; i++)
		param_clear(&st->p[i]);
	st->started = 0;
	return 0;
}

void
db_finalize(struct db_stmt *st)
{
	int i;

	if (st == NULL)
		return;
	st->db->ops->finalize(st);
	for (i = 0; i < st->np; i++)
		param_clear(&st->p[i]);
	free(st->p);
	free(st);
}

int
db_begin(struct db *db, char **cause)
{
	return db_exec(db, dialect_begin(db->dialect), cause);
}

int
db_commit(struct db *db, char **cause)
{
	return db_exec(db, "COMMIT", cause);
}

void
db_rollback(struct db *db)
{
	(void)db_exec(db, "ROLLBACK", NULL);
}

int64_t
db_query_id(struct db_stmt *st, char **cause)
{
	int64_t id = -1;
	int r = db_step(st, cause);

	if (r == 1 && !db_column_is_null(st, 0))
		id = db_column_int64(st, 0);
	else if (r != -1)
		set_cause(cause, "no row returned");
	db_reset(st);
	return id;
}
