/*
 * collect-walk.c - copy a job's directory from the worker entry by entry
 * over the open SFTP session (no tar on the worker), into a fresh local
 * directory, under the rules archive-extract.c applies to a packed
 * result: every name is checked (archive_name_problem: no control
 * bytes, nothing longer than 4096 bytes; a listing's names are single
 * components, so no "/" or ".." either), only regular files and
 * directories are made, with openat() from a descriptor of the
 * destination and O_NOFOLLOW|O_EXCL (the destination is fresh: nothing
 * there is followed or overwritten), permission bits 0755 plus owner rw;
 * symlinks (their target read as text, never followed), FIFOs, devices,
 * sockets and unsafe names are skipped and listed as "./NAME: what", the
 * words the archive path uses.
 *
 * The top-level entries named in own (argv, argc, env: the master wrote
 * what they hold) are left to the caller.
 *
 * First the whole tree is listed (one READDIR round trip per ~100
 * entries, the server's lstat attributes with each), then its files are
 * read, each at the size listed (an empty one is not opened): a listing
 * over max_entries entries or max_bytes bytes of files stops at once and
 * returns 1 (the caller has the worker pack it instead), before anything
 * is copied.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input/input.h"
#include "lib/lib.h"
#include "run/run-internal.h"
#include "ssh/ssh.h"

struct walk_ent {
	char		*rel;		/* "a/b", below the job directory */
	enum dssh_ftype	 type;		/* DSSH_F_FILE or DSSH_F_DIR */
	uint64_t	 size;
	uint32_t	 mode;
	int64_t		 mtime;
};

struct walk {
	struct dist_ssh	*ssh;
	const char	*remote;	/* the job directory on the worker */
	const char *const *own;		/* top-level names the caller makes */
	struct strvec	*skipped;
	struct walk_ent	*ents;
	size_t		 n, cap;
	uint64_t	 bytes, max_bytes;
	size_t		 max_entries;
	size_t		 listed;	/* entries seen, skipped ones too */
};

static void
walk_free(struct walk *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->ents[i].rel);
	free(w->ents);
}

static char *
remote_path(const struct walk *w, const char *rel)
{
	return *rel == '\0' ? xstrdup(w->remote) :
	    xasprintf("%s/%s", w->remote, rel);
}

/* What an entry that is neither a file nor a directory is, in the words
 * of archive-extract.c. */
static const char *
odd_name(enum dssh_ftype t)
{
	switch (t) {
	case DSSH_F_SYMLINK:
		return "symlink";
	case DSSH_F_FIFO:
		return "FIFO";
	case DSSH_F_DEVICE:
		return "device node";
	case DSSH_F_SOCKET:
		return "socket";
	default:
		return "unsupported entry type";
	}
}

/* List the entry rel (a symlink's target read as text, not followed). */
static int
skip_odd(struct walk *w, const char *rel, enum dssh_ftype t, char **cause)
{
	char *path, *target = NULL, *q, *qt = NULL, *name;

	if (t == DSSH_F_SYMLINK) {
		path = remote_path(w, rel);
		if (dssh_sftp_readlink(w->ssh, path, &target, cause) == -1 &&
		    dssh_is_lost(w->ssh)) {
			free(path);
			return -1;
		}
		free(*cause);
		*cause = NULL;
		free(path);
	}
	name = xasprintf("./%s", rel);
	q = archive_name_quote(name);
	if (target != NULL)
		qt = archive_name_quote(target);
	sv_pushf(w->skipped, "%s: %s%s%s", q, odd_name(t),
	    qt != NULL ? " -> " : "", qt != NULL ? qt : "");
	free(qt);
	free(q);
	free(name);
	free(target);
	return 0;
}

static void
skip_name(struct walk *w, const char *rel, const char *why)
{
	char *name = xasprintf("./%s", rel), *q = archive_name_quote(name);

	sv_pushf(w->skipped, "%s: unsafe name (%s)", q, why);
	free(q);
	free(name);
}

/* One listed entry of directory dir: kept, skipped, or too much (1). */
static int
walk_entry(struct walk *w, const char *dir, const struct dssh_dirent *d,
    char **cause)
{
	char *rel = *dir == '\0' ? xstrdup(d->name) :
	    xasprintf("%s/%s", dir, d->name);
	const char *why = archive_name_problem(rel);
	struct walk_ent *e;
	size_t i;

	for (i = 0; *dir == '\0' && w->own != NULL && w->own[i] != NULL; i++)
		if (strcmp(d->name, w->own[i]) == 0) {
			free(rel);
			return 0;
		}
	if (why != NULL || strchr(d->name, '/') != NULL) {
		skip_name(w, rel, why != NULL ? why : "'/' in a name");
		free(rel);
		return 0;
	}
	if (d->type != DSSH_F_FILE && d->type != DSSH_F_DIR) {
		int rc = skip_odd(w, rel, d->type, cause);

		free(rel);
		return rc;
	}
	if (d->type == DSSH_F_FILE && (w->bytes += d->size) > w->max_bytes) {
		free(rel);
		return 1;
	}
	if (w->n == w->cap) {
		w->cap = w->cap == 0 ? 32 : w->cap * 2;
		w->ents = xreallocarray(w->ents, w->cap, sizeof *w->ents);
	}
	e = &w->ents[w->n++];
	e->rel = rel;
	e->type = d->type;
	e->size = d->size;
	e->mode = d->mode;
	e->mtime = d->mtime;
	return 0;
}

/* List directory rel and add its entries; 1: more than the limits. */
static int
walk_list(struct walk *w, const char *rel, char **cause)
{
	struct dssh_dirent *d;
	size_t n, i;
	char *path = remote_path(w, rel);
	int rc;

	rc = dssh_sftp_list(w->ssh, path, w->max_entries - w->listed, &d, &n,
	    cause);
	free(path);
	if (rc != 0) {
		dssh_dirents_free(d, n);
		return rc;
	}
	w->listed += n;
	for (i = 0; i < n && rc == 0; i++)
		rc = walk_entry(w, rel, &d[i], cause);
	dssh_dirents_free(d, n);
	return rc;
}

/* List the whole tree, breadth first (a directory before its entries). */
static int
walk_tree(struct walk *w, char **cause)
{
	size_t i;
	int rc;
	char *rel;

	if ((rc = walk_list(w, "", cause)) != 0)
		return rc;
	for (i = 0; i < w->n; i++) {
		if (w->ents[i].type != DSSH_F_DIR)
			continue;
		rel = xstrdup(w->ents[i].rel);	/* w->ents may move */
		rc = walk_list(w, rel, cause);
		free(rel);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
local_fail(const char *dest, const char *rel, char **cause)
{
	char *q = archive_name_quote(rel);

	set_cause(cause, "%s/%s: %s", dest, q, strerror(errno));
	free(q);
	return -1;
}

static int
copy_dir(int rootfd, const char *dest, const struct walk_ent *e,
    char **cause)
{
	int fd;

	if (mkdirat(rootfd, e->rel, 0700) == -1 ||
	    (fd = openat(rootfd, e->rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return local_fail(dest, e->rel, cause);
	if (fchmod(fd, (e->mode & 0755) | 0700) == -1) {
		local_fail(dest, e->rel, cause);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int
copy_file(struct walk *w, int rootfd, const char *dest,
    const struct walk_ent *e, char **cause)
{
	mode_t mode = (e->mode & 0755) | 0600;
	struct timespec ts[2];
	char *path;
	int fd, rc;

	fd = openat(rootfd, e->rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_NOCTTY | O_CLOEXEC, mode);
	if (fd == -1 || fchmod(fd, mode) == -1) {
		local_fail(dest, e->rel, cause);
		if (fd != -1)
			close(fd);
		return -1;
	}
	rc = 0;
	if (e->size > 0) {	/* an empty file as listed: no round trip */
		path = remote_path(w, e->rel);
		rc = dssh_sftp_get_fd(w->ssh, path, fd, e->size, w->max_bytes,
		    NULL, cause);
		free(path);
	}
	if (rc == 0 && e->mtime >= 0) {
		ts[0].tv_sec = ts[1].tv_sec = (time_t)e->mtime;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		futimens(fd, ts);
	}
	if (close(fd) == -1 && rc == 0)
		rc = local_fail(dest, e->rel, cause);
	return rc;
}

static int
walk_copy(struct walk *w, const char *dest, char **cause)
{
	size_t i;
	int rootfd, rc = 0;

	if ((rootfd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return set_cause(cause, "%s: %s", dest, strerror(errno));
	for (i = 0; i < w->n && rc == 0; i++)
		rc = w->ents[i].type == DSSH_F_DIR ?
		    copy_dir(rootfd, dest, &w->ents[i], cause) :
		    copy_file(w, rootfd, dest, &w->ents[i], cause);
	close(rootfd);
	return rc;
}

/* Test only: with the word "hold-walk" in DIST_TEST_HOOKS, a listed job
 * directory holding ".hold-walk" is looked at every 0.1 s (at most 60 s)
 * until that file is gone, before anything is copied: SFTP calls in the
 * middle of a walk, for a test to freeze the machine under
 * (tests/t3220-collect.sh). */
static void
walk_hold(struct walk *w)
{
	struct timespec ts = { 0, 100000000L };
	char *path, *cause = NULL;
	int i;

	if (!test_hook("hold-walk"))
		return;
	path = remote_path(w, ".hold-walk");
	for (i = 0; i < 600 && dssh_sftp_stat(w->ssh, path, NULL,
	    &cause) == 1; i++)
		nanosleep(&ts, NULL);
	free(cause);
	free(path);
}

int
collect_walk(struct dist_ssh *ssh, const char *remote, const char *dest,
    const char *const *own, uint64_t max_bytes, size_t max_entries,
    struct strvec *skipped, char **cause)
{
	struct walk w;
	int rc;

	memset(&w, 0, sizeof w);
	w.ssh = ssh;
	w.remote = remote;
	w.own = own;
	w.skipped = skipped;
	w.max_bytes = max_bytes;
	w.max_entries = max_entries;
	rc = walk_tree(&w, cause);
	if (rc == 0)
		walk_hold(&w);
	if (rc == 0)
		rc = walk_copy(&w, dest, cause);
	else if (rc == 1)
		sv_clear(skipped);	/* the packed result will say */
	walk_free(&w);
	return rc;
}
