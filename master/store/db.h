/*
 * db.h - one SQL connection, SQLite or PostgreSQL, behind one small
 * interface: the SQL is written once with ? placeholders and the backend
 * does the rest (dialect.c names every difference between the two).
 *
 *	struct db *db;
 *	if (db_open("sqlite:results/distribute.db", &db, &cause) == -1) ...
 *	st = db_prepare(db, "SELECT name FROM runs WHERE id = ?", &cause);
 *	db_bind_int64(st, 1, id);
 *	while ((r = db_step(st, &cause)) == 1)
 *		puts(db_column_text(st, 0));
 *	db_finalize(st);
 *	db_close(db);
 *
 * URLs: "sqlite:PATH" (PATH relative to the current directory; WAL mode
 * and a 10 s busy timeout, or the rollback journal on a network
 * filesystem), "postgresql://USER@HOST[:PORT]/DB" or "postgres://..."
 * (libpq; a password only from ~/.pgpass or PGPASSFILE: a URL carrying
 * one is refused).  A connection is used by one thread at a time.
 *
 * Binding: parameters are numbered from 1, columns from 0.  Bound values
 * are copied.  db_step runs the statement on its first call after
 * db_prepare or db_reset: 1 a row is there, 0 done, -1 error (*cause).
 * db_column_text is NULL for SQL NULL and stays valid until the next
 * db_step, db_reset or db_finalize; so does a blob.
 */
#ifndef DIST_STORE_DB_H
#define DIST_STORE_DB_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct db_stmt;

enum db_dialect { DB_SQLITE, DB_POSTGRES };

int	db_open(const char *url, struct db **, char **cause);
void	db_close(struct db *);
enum db_dialect db_dialect(const struct db *);
/* "sqlite:/abs/path" or "postgresql://USER@HOST:PORT/DB": where the
 * store is, safe to print and log (no password, no URL parameter). */
const char *db_where(const struct db *);
/* One or more statements, no parameters, no rows wanted. */
int	db_exec(struct db *, const char *sql, char **cause);

struct db_stmt *db_prepare(struct db *, const char *sql, char **cause);
void	db_bind_text(struct db_stmt *, int i, const char *);	/* NULL: NULL */
void	db_bind_int64(struct db_stmt *, int i, int64_t);
void	db_bind_double(struct db_stmt *, int i, double);
void	db_bind_blob(struct db_stmt *, int i, const void *, size_t);
void	db_bind_null(struct db_stmt *, int i);
/* v, or NULL when v < 0 (an unknown time, slot, exit code, id). */
void	db_bind_opt_int64(struct db_stmt *, int i, int64_t v);
int	db_step(struct db_stmt *, char **cause);
int	db_column_is_null(struct db_stmt *, int i);
const char *db_column_text(struct db_stmt *, int i);
int64_t	db_column_int64(struct db_stmt *, int i);
double	db_column_double(struct db_stmt *, int i);
const void *db_column_blob(struct db_stmt *, int i, size_t *len);
/* Back to before the first db_step, bindings cleared: bind again. */
int	db_reset(struct db_stmt *);
void	db_finalize(struct db_stmt *);

/* A write transaction: BEGIN IMMEDIATE (SQLite: the write lock at once,
 * waiting up to the busy timeout) or BEGIN. */
int	db_begin(struct db *, char **cause);
int	db_commit(struct db *, char **cause);
void	db_rollback(struct db *);

/* Step a bound "... RETURNING id" (or "SELECT id ...") once: the first
 * column of its row, reset for reuse; -1 with *cause if no row. */
int64_t	db_query_id(struct db_stmt *, char **cause);

#endif
