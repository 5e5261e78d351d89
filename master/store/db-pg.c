/*
 * db-pg.c - db.h over libpq.  Statements are sent with PQexecParams once
 * bound ("?" turned into "$n" by dialect.c); numbers and text go as text,
 * blobs as binary parameters (BYTEA); results come back as text, a BYTEA
 * column unescaped by PQunescapeBytea.  The password comes from
 * ~/.pgpass or PGPASSFILE only: a URL carrying one is refused.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "store/db-internal.h"

/* PostgreSQL type OIDs (pg_type.dat) of the parameters we send. */
#define OID_INT8	20
#define OID_FLOAT8	701
#define OID_BYTEA	17

struct pg_stmt {
	char		*sql;		/* with $n */
	PGresult	*res;
	int		 nparams;	/* the $n in sql */
	int		 row;		/* the current row, -1 before */
	unsigned char	*blob;		/* the last unescaped column */
};

static PGconn *
conn(struct db *db)
{
	return db->impl;
}

static struct pg_stmt *
pst(struct db_stmt *st)
{
	return st->impl;
}

/* libpq's message on one line: "A\n\tB\n" -> "A; B". */
static int
pg_cause(struct db *db, const char *msg, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p;
	int r;

	for (p = msg; *p != '\0'; p++) {
		if (*p != '\n')
			sb_addc(&sb, *p);
		else {
			while (p[1] == '\t' || p[1] == ' ' || p[1] == '\n')
				p++;
			if (p[1] != '\0')
				sb_adds(&sb, "; ");
		}
	}
	r = set_cause(cause, "%s: %s", db->where, sb_str(&sb));
	sb_release(&sb);
	return r;
}

static void
pg_close(struct db *db)
{
	PQfinish(conn(db));
}

static int
pg_exec(struct db *db, const char *sql, char **cause)
{
	PGresult *res = PQexec(conn(db), sql);
	ExecStatusType s = PQresultStatus(res);
	int r = 0;

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
		r = pg_cause(db, PQresultErrorMessage(res), cause);
	PQclear(res);
	return r;
}

static int
pg_prepare(struct db_stmt *st, const char *sql, char **cause)
{
	struct pg_stmt *p = xcalloc(1, sizeof *p);

	(void)cause;
	p->sql = dialect_placeholders(sql, &p->nparams);
	p->row = -1;
	st->impl = p;
	return 0;
}

static int
pg_run(struct db_stmt *st, char **cause)
{
	struct pg_stmt *p = pst(st);
	int n = st->np > p->nparams ? st->np : p->nparams, i, r = 0;
	const char **values = xcalloc((size_t)n + 1, sizeof *values);
	int *lengths = xcalloc((size_t)n + 1, sizeof *lengths);
	int *formats = xcalloc((size_t)n + 1, sizeof *formats);
	unsigned *types = xcalloc((size_t)n + 1, sizeof *types);
	ExecStatusType s;

	for (i = 0; i < st->np; i++) {
		struct db_param *a = &st->p[i];

		switch (a->type) {
		case DBP_NULL:
			break;
		case DBP_INT:
			snprintf(a->num, sizeof a->num, "%lld", (long long)a->i);
			values[i] = a->num;
			types[i] = OID_INT8;
			break;
		case DBP_DOUBLE:
			snprintf(a->num, sizeof a->num, "%.17g", a->d);
			values[i] = a->num;
			types[i] = OID_FLOAT8;
			break;
		case DBP_TEXT:
			values[i] = a->data;
			break;
		case DBP_BLOB:
			values[i] = a->data;
			lengths[i] = (int)a->len;
			formats[i] = 1;
			types[i] = OID_BYTEA;
			break;
		}
	}
	PQclear(p->res);
	p->res = PQexecParams(conn(st->db), p->sql, n, types, values, lengths,
	    formats, 0);
	s = PQresultStatus(p->res);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
		r = pg_cause(st->db, PQresultErrorMessage(p->res), cause);
	free(values);
	free(lengths);
	free(formats);
	free(types);
	return r;
}

static int
pg_step(struct db_stmt *st, char **cause)
{
	struct pg_stmt *p = pst(st);

	if (!st->started) {
		p->row = -1;
		if (pg_run(st, cause) == -1)
			return -1;
	}
	if (p->res == NULL || PQresultStatus(p->res) != PGRES_TUPLES_OK)
		return 0;
	if (p->row + 1 >= PQntuples(p->res))
		return 0;
	p->row++;
	return 1;
}

static int
pg_is_null(struct db_stmt *st, int i)
{
	struct pg_stmt *p = pst(st);

	return p->res == NULL || p->row < 0 || i >= PQnfields(p->res) ||
	    PQgetisnull(p->res, p->row, i);
}

static const char *
pg_text(struct db_stmt *st, int i)
{
	if (pg_is_null(st, i))
		return NULL;
	return PQgetvalue(pst(st)->res, pst(st)->row, i);
}

static int64_t
pgc_int64(struct db_stmt *st, int i)
{
	const char *s = pg_text(st, i);

	return s == NULL ? 0 : strtoll(s, NULL, 10);
}

static double
pgc_double(struct db_stmt *st, int i)
{
	const char *s = pg_text(st, i);

	return s == NULL ? 0 : strtod(s, NULL);
}

static const void *
pg_blob(struct db_stmt *st, int i, size_t *len)
{
	struct pg_stmt *p = pst(st);
	const char *s = pg_text(st, i);

	*len = 0;
	PQfreemem(p->blob);
	p->blob = NULL;
	if (s == NULL)
		return NULL;
	p->blob = PQunescapeBytea((const unsigned char *)s, len);
	return p->blob;
}

static void
pg_reset(struct db_stmt *st)
{
	struct pg_stmt *p = pst(st);

	PQclear(p->res);
	p->res = NULL;
	PQfreemem(p->blob);
	p->blob = NULL;
	p->row = -1;
}

static void
pg_finalize(struct db_stmt *st)
{
	struct pg_stmt *p = pst(st);

	pg_reset(st);
	free(p->sql);
	free(p);
}

static const struct db_ops pg_ops = {
	pg_close, pg_exec, pg_prepare, pg_step, pg_is_null, pg_text,
	pgc_int64, pgc_double, pg_blob, pg_reset, pg_finalize,
};

static const char *
opt_val(const PQconninfoOption *opts, const char *key)
{
	const PQconninfoOption *o;

	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, key) == 0 && o->val != NULL &&
		    o->val[0] != '\0')
			return o->val;
	return NULL;
}

/* What db_where shows: user, host, port and database only, never a
 * parameter of the URL (the store's place, safe to print and log). */
static char *
pg_where(const PQconninfoOption *opts)
{
	const char *user = opt_val(opts, "user"), *host = opt_val(opts, "host");
	const char *port = opt_val(opts, "port"), *db = opt_val(opts, "dbname");

	int sock = host != NULL && host[0] == '/';	/* a socket directory */

	return xasprintf("postgresql://%s%s%s%s%s/%s%s%s", user != NULL ?
	    user : "", user != NULL ? "@" : "", host != NULL && !sock ? host :
	    "", port != NULL ? ":" : "", port != NULL ? port : "",
	    db != NULL ? db : "", sock ? "?host=" : "", sock ? host : "");
}

/* Refuse a URL that is not one or that carries a password; set *where. */
static int
pg_check_url(const char *url, char **where, char **cause)
{
	PQconninfoOption *opts;
	char *err = NULL;
	int r = 0;

	opts = PQconninfoParse(url, &err);
	if (opts == NULL) {
		r = set_cause(cause, "'%s': %s", url, err != NULL ?
		    err : "not a PostgreSQL URL");
		PQfreemem(err);
		return r;
	}
	if (opt_val(opts, "password") != NULL ||
	    opt_val(opts, "sslpassword") != NULL)
		r = set_cause(cause, "the store URL carries a password: "
		    "put it in ~/.pgpass (or the file PGPASSFILE names), "
		    "never on the command line or in a settings file");
	else
		*where = pg_where(opts);
	PQconninfoFree(opts);
	return r;
}

int
db_pg_open(const char *url, struct db *db, char **cause)
{
	PGconn *c;

	if (pg_check_url(url, &db->where, cause) == -1)
		return -1;
	c = PQconnectdb(url);
	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		pg_cause(db, c != NULL ? PQerrorMessage(c) : "out of memory",
		    cause);
		PQfinish(c);
		return -1;
	}
	db->impl = c;
	db->ops = &pg_ops;
	(void)pg_exec(db, "SET client_min_messages = warning", NULL);
	return 0;
}
