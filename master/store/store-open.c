/*
 * store-open.c - open a store and bring its schema up to date: the
 * migrations past meta.schema_version run in one transaction holding the
 * migration lock (SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory lock),
 * so two masters opening an old store do not both migrate; a store of a
 * newer version is refused.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lib/lib.h"
#include "store/db-internal.h"
#include "store/store-internal.h"
#include "store/store.h"

int
store_schema_version(void)
{
	return schema_version_latest();
}

const char *
store_default_url(const char *results_dir, char *buf, size_t size)
{
	snprintf(buf, size, "sqlite:%s/%s", results_dir, STORE_FILE);
	return buf;
}

/* meta.schema_version: N, 0 when no row, -1 when unreadable (no table). */
static int
read_version(struct db *db, char **cause)
{
	struct db_stmt *st;
	int v = 0, r;

	st = db_prepare(db, "SELECT value FROM meta WHERE key = "
	    "'schema_version'", cause);
	if (st == NULL)
		return -1;
	r = db_step(st, cause);
	if (r == 1 && db_column_text(st, 0) != NULL)
		v = atoi(db_column_text(st, 0));
	db_finalize(st);
	return r == -1 ? -1 : v;
}

static int
refuse_newer(struct db *db, int v, char **cause)
{
	return set_cause(cause, "%s: schema version %d is newer than this "
	    "distribute's %d (a newer distribute wrote it: use that one)",
	    db_where(db), v, schema_version_latest());
}

static int
apply(struct db *db, int from, char **cause)
{
	struct db_stmt *st;
	char *ddl, num[16];
	int to, r;

	for (to = from + 1; to <= schema_version_latest(); to++) {
		ddl = dialect_ddl(db_dialect(db), schema_migration(to));
		r = db_exec(db, ddl, cause);
		free(ddl);
		if (r == -1)
			return prefix_cause(cause, "migration to schema "
			    "version %d", to);
	}
	st = db_prepare(db, "INSERT INTO meta (key, value) VALUES "
	    "('schema_version', ?) ON CONFLICT (key) DO UPDATE SET "
	    "value = excluded.value", cause);
	if (st == NULL)
		return -1;
	snprintf(num, sizeof num, "%d", schema_version_latest());
	db_bind_text(st, 1, num);
	r = db_step(st, cause);
	db_finalize(st);
	if (r != -1 && from > 0)
		verbose("%s: schema migrated from version %d to %d",
		    db_where(db), from, schema_version_latest());
	return r == -1 ? -1 : 0;
}

/* Under the lock: create meta if needed, read again, migrate. */
static int
migrate_locked(struct db *db, char **cause)
{
	const char *lock = dialect_migration_lock(db_dialect(db));
	int v;

	if (db_begin(db, cause) == -1)
		return -1;
	if ((lock != NULL && db_exec(db, lock, cause) == -1) ||
	    db_exec(db, "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY "
	    "KEY, value TEXT NOT NULL)", cause) == -1 ||
	    (v = read_version(db, cause)) == -1)
		goto fail;
	if (v > schema_version_latest()) {
		refuse_newer(db, v, cause);
		goto fail;
	}
	if (v < schema_version_latest() && apply(db, v, cause) == -1)
		goto fail;
	return db_commit(db, cause);
fail:
	db_rollback(db);
	return -1;
}

int
store_open(const char *url, struct db **out, char **cause)
{
	struct db *db;
	int v;

	if (db_open(url, &db, cause) == -1)
		return -1;
	/* the common case needs no write lock (a read-only store reads) */
	v = read_version(db, NULL);
	if (v > schema_version_latest()) {
		refuse_newer(db, v, cause);
		db_close(db);
		return -1;
	}
	if (v != schema_version_latest() && migrate_locked(db, cause) == -1) {
		db_close(db);
		return -1;
	}
	*out = db;
	return 0;
}
