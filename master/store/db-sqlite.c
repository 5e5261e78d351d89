/*
 * db-sqlite.c - db.h over libsqlite3: WAL mode and a 10 s busy timeout,
 * so that two masters writing one store on one host lose nothing; on a
 * network filesystem (dialect_network_fs) the rollback journal instead,
 * since WAL's shared memory only works on one host.
 */
#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "lib/lib.h"
#include "store/db-internal.h"

#define SQLITE_BUSY_MS	10000

static sqlite3 *
conn(struct db *db)
{
	return db->impl;
}

static sqlite3_stmt *
stmt(struct db_stmt *st)
{
	return st->impl;
}

static int
sq_cause(struct db *db, char **cause)
{
	return set_cause(cause, "%s: %s", db->where, sqlite3_errmsg(conn(db)));
}

static void
sq_close(struct db *db)
{
	sqlite3_close(conn(db));
}

static int
sq_exec(struct db *db, const char *sql, char **cause)
{
	if (sqlite3_exec(conn(db), sql, NULL, NULL, NULL) != SQLITE_OK)
		return sq_cause(db, cause);
	return 0;
}

static int
sq_prepare(struct db_stmt *st, const char *sql, char **cause)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(conn(st->db), sql, -1, &s, NULL) != SQLITE_OK)
		return sq_cause(st->db, cause);
	st->impl = s;
	return 0;
}

static void
sq_bind(struct db_stmt *st)
{
	sqlite3_stmt *s = stmt(st);
	int i;

	for (i = 0; i < st->np; i++) {
		const struct db_param *p = &st->p[i];

		switch (p->type) {
		case DBP_NULL:
			sqlite3_bind_null(s, i + 1);
			break;
		case DBP_INT:
			sqlite3_bind_int64(s, i + 1, p->i);
			break;
		case DBP_DOUBLE:
			sqlite3_bind_double(s, i + 1, p->d);
			break;
		case DBP_TEXT:
			sqlite3_bind_text(s, i + 1, p->data, (int)p->len,
			    SQLITE_STATIC);
			break;
		case DBP_BLOB:
			sqlite3_bind_blob(s, i + 1, p->data, (int)p->len,
			    SQLITE_STATIC);
			break;
		}
	}
}

static int
sq_step(struct db_stmt *st, char **cause)
{
	int r;

	if (!st->started)
		sq_bind(st);
	r = sqlite3_step(stmt(st));
	if (r == SQLITE_ROW)
		return 1;
	if (r == SQLITE_DONE)
		return 0;
	return sq_cause(st->db, cause);
}

static int
sq_is_null(struct db_stmt *st, int i)
{
	return sqlite3_column_type(stmt(st), i) == SQLITE_NULL;
}

static const char *
sq_text(struct db_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(stmt(st), i);
}

static int64_t
sq_int64(struct db_stmt *st, int i)
{
	return sqlite3_column_int64(stmt(st), i);
}

static double
sq_double(struct db_stmt *st, int i)
{
	return sqlite3_column_double(stmt(st), i);
}

static const void *
sq_blob(struct db_stmt *st, int i, size_t *len)
{
	const void *b = sqlite3_column_blob(stmt(st), i);

	*len = (size_t)sqlite3_column_bytes(stmt(st), i);
	return b;
}

static void
sq_reset(struct db_stmt *st)
{
	sqlite3_reset(stmt(st));
	sqlite3_clear_bindings(stmt(st));
}

static void
sq_finalize(struct db_stmt *st)
{
	sqlite3_finalize(stmt(st));
}

static const struct db_ops sqlite_ops = {
	sq_close, sq_exec, sq_prepare, sq_step, sq_is_null, sq_text,
	sq_int64, sq_double, sq_blob, sq_reset, sq_finalize,
};

/* "sqlite:" + the absolute path of path (its directory resolved: the file
 * itself may not exist yet). */
static char *
sqlite_where(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/'), *w;
	const char *base = path;
	char real[PATH_MAX];

	if (slash != NULL) {
		*slash = '\0';
		base = slash + 1;
	}
	if (realpath(slash == NULL ? "." : dir[0] == '\0' ? "/" : dir,
	    real) == NULL) {
		free(dir);
		if (path[0] == '/')
			return xasprintf("sqlite:%s", path);
		if (getcwd(real, sizeof real) == NULL)
			return xasprintf("sqlite:%s", path);
		return xasprintf("sqlite:%s/%s", real, path);
	}
	w = xasprintf("sqlite:%s%s%s", real, strcmp(real, "/") == 0 ? "" : "/",
	    base);
	free(dir);
	return w;
}

/* The filesystem holding path's directory, if shared over a network. */
static const char *
network_fs_of(const char *where)
{
	char *dir = xstrdup(where + 7), *slash = strrchr(dir, '/');
	struct statfs sfs;
	const char *fs = NULL;

	if (slash != NULL)
		slash[slash == dir ? 1 : 0] = '\0';
	if (statfs(dir, &sfs) == 0)
		fs = dialect_network_fs((long)sfs.f_type);
	free(dir);
	return fs;
}

/* The journal mode: WAL, or the rollback journal on a network fs.  Not
 * fatal: a read-only store can still be read (writes then say why). */
static void
sqlite_journal(struct db *db)
{
	/* the tests' way to see this path without an NFS server */
	const char *fs = getenv("DISTRIBUTE_TEST_NETWORK_FS");
	const char *mode = "PRAGMA journal_mode=WAL";

	if (fs == NULL || fs[0] == '\0')
		fs = network_fs_of(db->where);
	if (fs != NULL) {
		mode = "PRAGMA journal_mode=DELETE";
		verbose("store '%s' is on a network filesystem (%s): "
		    "journal_mode=DELETE, not WAL (WAL needs shared memory on "
		    "one host; masters on several hosts share a store only "
		    "through PostgreSQL)", db->where + 7, fs);
	}
	if (sqlite3_exec(conn(db), mode, NULL, NULL, NULL) != SQLITE_OK)
		debug("%s: %s: %s", db->where, mode, sqlite3_errmsg(conn(db)));
	/* under WAL, a commit is not synced (only checkpoints are): a power
	 * cut may lose the last jobs' rows, never corrupt the store, and
	 * the run's directory (synced, and its journal) keeps them for
	 * "distribute import" (issue 15: one fdatasync less per job) */
	if (fs == NULL && sqlite3_exec(conn(db), "PRAGMA synchronous=NORMAL",
	    NULL, NULL, NULL) != SQLITE_OK)
		debug("%s: synchronous=NORMAL: %s", db->where,
		    sqlite3_errmsg(conn(db)));
}

int
db_sqlite_open(const char *path, struct db *db, char **cause)
{
	sqlite3 *s = NULL;
	int r;

	if (path[0] == '\0')
		return set_cause(cause, "'sqlite:': no path after 'sqlite:'");
	db->where = sqlite_where(path);
	r = sqlite3_open_v2(path, &s, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (r != SQLITE_OK) {
		char *dir = xstrdup(db->where + 7), *slash = strrchr(dir, '/');

		if (slash != NULL && slash != dir)
			*slash = '\0';
		if (access(dir, F_OK) != 0)
			set_cause(cause, "%s: no directory '%s'", db->where, dir);
		else
			set_cause(cause, "%s: %s", db->where, s != NULL ?
			    sqlite3_errmsg(s) : sqlite3_errstr(r));
		free(dir);
		sqlite3_close(s);
		return -1;
	}
	db->impl = s;
	db->ops = &sqlite_ops;
	sqlite3_busy_timeout(s, SQLITE_BUSY_MS);
	sqlite3_extended_result_codes(s, 1);
	sqlite_journal(db);
	(void)sqlite3_exec(s, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
	return 0;
}
