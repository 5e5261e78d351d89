/*
 * db-internal.h - what db.c shares with its backends (db-sqlite.c,
 * db-pg.c) and dialect.c; internal to store/.
 */
#ifndef DIST_STORE_DB_INTERNAL_H
#define DIST_STORE_DB_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

enum db_ptype { DBP_NULL, DBP_INT, DBP_DOUBLE, DBP_TEXT, DBP_BLOB };

struct db_param {
	enum db_ptype	 type;
	int64_t		 i;
	double		 d;
	char		*data;		/* text (NUL-terminated) or blob */
	size_t		 len;
	char		 num[32];	/* PostgreSQL: the number as text */
};

struct db_ops {
	void	(*close)(struct db *);
	int	(*exec)(struct db *, const char *, char **);
	int	(*prepare)(struct db_stmt *, const char *, char **);
	int	(*step)(struct db_stmt *, char **);	/* binds first */
	int	(*is_null)(struct db_stmt *, int);
	const char *(*text)(struct db_stmt *, int);
	int64_t	(*int64)(struct db_stmt *, int);
	double	(*dbl)(struct db_stmt *, int);
	const void *(*blob)(struct db_stmt *, int, size_t *);
	void	(*reset)(struct db_stmt *);
	void	(*finalize)(struct db_stmt *);
};

struct db {
	enum db_dialect		 dialect;
	const struct db_ops	*ops;
	char			*where;
	void			*impl;
};

struct db_stmt {
	struct db		*db;
	struct db_param		*p;	/* p[0..np-1]: parameters 1..np */
	int			 np;
	int			 started;	/* stepped since bound */
	void			*impl;
};

int	db_sqlite_open(const char *path, struct db *, char **cause);
int	db_pg_open(const char *url, struct db *, char **cause);

/* dialect.c: the one place naming the differences. */
/* "?" -> "$1".."$n" outside quotes and comments; *n the count. */
char	*dialect_placeholders(const char *sql, int *n);
/* DDL written with {id} and {blob}: the dialect's types. */
char	*dialect_ddl(enum db_dialect, const char *ddl);
const char *dialect_begin(enum db_dialect);
/* The statement taking the migration lock inside a transaction (NULL:
 * BEGIN IMMEDIATE already holds SQLite's write lock). */
const char *dialect_migration_lock(enum db_dialect);
/* Is this statfs f_type a network filesystem (no WAL for SQLite)? */
const char *dialect_network_fs(long f_type);

#endif
