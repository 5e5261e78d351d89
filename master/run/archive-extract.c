/*
 * archive-extract.c - unpack a result archive from a worker into a
 * directory so that nothing can land outside it, within size limits.
 *
 * Only regular files and directories are unpacked.  Given a list to fill
 * (skipped), an entry that cannot be kept safely (a symlink, device, FIFO
 * or socket, an unsafe name, a hardlink to anything but a regular file
 * unpacked before) is skipped and listed with what it was (a symlink's
 * target as text, never followed) and the rest is kept; a hardlink to a
 * regular file unpacked before is made again with linkat() inside destdir.
 * Without a list, such an entry makes the whole archive fail, naming it.  libarchive's archive_write_disk() is not used: it resolves
 * paths against the process's working directory (chdir() would affect
 * every thread) and its ARCHIVE_EXTRACT_SECURE_* checks cannot be told
 * where the destination starts.  Instead every entry name is checked
 * (archive_name_problem: no absolute path, no "..", no control bytes) and
 * then opened component by component with openat() and O_NOFOLLOW from a
 * descriptor of destdir, so no existing symlink is ever followed either.
 * Permission bits keep only 0755 (plus owner rw), setuid/setgid/sticky
 * are dropped, owners are not restored.  On error, what was written so
 * far stays: callers unpack into a fresh directory and remove it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "input/input.h"
#include "lib/lib.h"
#include "run/run-internal.h"

struct extract_state {
	const char	*path;		/* the archive, for messages */
	const char	*name;		/* current entry, as in the archive */
	int		 rootfd;
	uint64_t	 max_bytes;
	uint64_t	 bytes;
	size_t		 max_entries;
	size_t		 entries;
	struct strvec	*skipped;	/* or NULL: refuse instead */
};

static const char *
la_error(struct archive *a)
{
	const char *msg = archive_error_string(a);

	return msg != NULL ? msg : "damaged or truncated data";
}

static int
entry_fail(struct extract_state *st, const char *why, char **cause)
{
	char *q = archive_name_quote(st->name);

	set_cause(cause, "%s: entry '%s': %s", st->path, q, why);
	free(q);
	return -1;
}

/* A system call failed on comp (a checked name component) or the entry. */
static int
entry_errno(struct extract_state *st, const char *comp, char **cause)
{
	int err = errno;
	char *msg;

	if (comp != NULL)
		msg = xasprintf("'%s': %s", comp, strerror(err));
	else
		msg = xstrdup(strerror(err));
	entry_fail(st, msg, cause);
	free(msg);
	return -1;
}

/* Open (creating it if needed and create) directory comp under dirfd, no
 * symlinks. */
static int
subdir(struct extract_state *st, int dirfd, const char *comp, int create,
    char **cause)
{
	int fd;

	if (create && mkdirat(dirfd, comp, 0755) == -1 && errno != EEXIST)
		return entry_errno(st, comp, cause);
	fd = openat(dirfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1)
		return entry_errno(st, comp, cause);
	return fd;
}

/* Descriptor of the directory holding norm's last component. */
static int
open_parent(struct extract_state *st, const char *norm, const char **leaf,
    int create, char **cause)
{
	const char *c = norm, *slash;
	char *comp;
	int fd = st->rootfd, next;

	while ((slash = strchr(c, '/')) != NULL) {
		comp = xstrndup(c, (size_t)(slash - c));
		next = subdir(st, fd, comp, create, cause);
		free(comp);
		if (fd != st->rootfd)
			close(fd);
		if (next == -1)
			return -1;
		fd = next;
		c = slash + 1;
	}
	*leaf = c;
	return fd;
}

/* Count size more bytes of unpacked data against the limit. */
static int
add_bytes(struct extract_state *st, uint64_t size, char **cause)
{
	st->bytes += size;
	if (st->bytes > st->max_bytes)
		return set_cause(cause, "%s: more than %llu bytes of unpacked "
		    "data", st->path, (unsigned long long)st->max_bytes);
	return 0;
}

static int
write_data(struct extract_state *st, struct archive *a, int fd,
    int64_t size, char **cause)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int64_t end = 0;
	ssize_t n;
	int r;

	while ((r = archive_read_data_block(a, &buf, &len, &off)) !=
	    ARCHIVE_EOF) {
		if (r != ARCHIVE_OK)
			return set_cause(cause, "%s: truncated or corrupt "
			    "archive: %s", st->path, la_error(a));
		if (off + (int64_t)len > end) {
			if (add_bytes(st, (uint64_t)(off + (int64_t)len - end),
			    cause) != 0)
				return -1;
			end = off + (int64_t)len;
		}
		for (; len > 0; len -= (size_t)n, off += n) {
			n = pwrite(fd, buf, len, off);
			if (n == -1 && errno == EINTR)
				n = 0;
			else if (n == -1)
				return entry_errno(st, NULL, cause);
			buf = (const char *)buf + n;
		}
	}
	if (size <= end)
		return 0;
	if (add_bytes(st, (uint64_t)(size - end), cause) != 0)
		return -1;
	if (ftruncate(fd, size) == -1)
		return entry_errno(st, NULL, cause);
	return 0;
}

static int
extract_file(struct extract_state *st, struct archive *a,
    struct archive_entry *e, const char *norm, char **cause)
{
	const char *leaf;
	struct timespec ts[2];
	mode_t mode = (archive_entry_mode(e) & 0755) | 0600;
	int dirfd, fd, ret = -1;

	if ((dirfd = open_parent(st, norm, &leaf, 1, cause)) == -1)
		return -1;
	fd = openat(dirfd, leaf, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_NOCTTY | O_CLOEXEC, mode);
	if (fd == -1) {
		entry_errno(st, leaf, cause);
		goto out;
	}
	if (fchmod(fd, mode) == -1)
		entry_errno(st, leaf, cause);
	else if (write_data(st, a, fd, archive_entry_size(e), cause) == 0)
		ret = 0;
	if (ret == 0 && archive_entry_mtime_is_set(e)) {
		ts[0].tv_sec = ts[1].tv_sec = archive_entry_mtime(e);
		ts[0].tv_nsec = ts[1].tv_nsec = archive_entry_mtime_nsec(e);
		futimens(fd, ts);
	}
	close(fd);
out:
	if (dirfd != st->rootfd)
		close(dirfd);
	return ret;
}

static int
extract_dir(struct extract_state *st, struct archive_entry *e,
    const char *norm, char **cause)
{
	const char *leaf;
	int dirfd, fd, ret = -1;

	if ((dirfd = open_parent(st, norm, &leaf, 1, cause)) == -1)
		return -1;
	if ((fd = subdir(st, dirfd, leaf, 1, cause)) != -1) {
		if (fchmod(fd, (archive_entry_mode(e) & 0755) | 0700) == -1)
			entry_errno(st, leaf, cause);
		else
			ret = 0;
		close(fd);
	}
	if (dirfd != st->rootfd)
		close(dirfd);
	return ret;
}

/* What an entry is, if it is not unpacked as such; NULL for a file or a
 * directory. */
static const char *
odd_type(struct archive_entry *e)
{
	if (archive_entry_hardlink(e) != NULL)
		return "hardlink";
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
	case AE_IFDIR:
		return NULL;
	case AE_IFLNK:
		return "symlink";
	case AE_IFCHR:
	case AE_IFBLK:
		return "device node";
	case AE_IFIFO:
		return "FIFO";
	case AE_IFSOCK:
		return "socket";
	}
	return "unsupported entry type";
}

/* The entry is left out: listed (with its link target, as text), or,
 * without a list, the whole archive fails. */
static int
entry_skip(struct extract_state *st, struct archive_entry *e,
    const char *what, const char *why, char **cause)
{
	const char *target = archive_entry_symlink(e);
	char *q, *t = NULL, *msg;

	if (target == NULL)
		target = archive_entry_hardlink(e);
	if (st->skipped == NULL) {
		msg = xasprintf("%s%s", what != NULL ? what : why,
		    what != NULL ? " not allowed" : "");
		entry_fail(st, msg, cause);
		free(msg);
		return -1;
	}
	q = archive_name_quote(st->name);
	if (target != NULL)
		t = archive_name_quote(target);
	sv_pushf(st->skipped, "%s: %s%s%s%s%s%s", q, what != NULL ? what :
	    "unsafe name", why != NULL ? " (" : "", why != NULL ? why : "",
	    why != NULL ? ")" : "", t != NULL ? " -> " : "",
	    t != NULL ? t : "");
	free(t);
	free(q);
	return 0;
}

/* A hardlink to a regular file unpacked before: made again, inside. */
static int
extract_hardlink(struct extract_state *st, struct archive_entry *e,
    const char *norm, char **cause)
{
	const char *target = archive_entry_hardlink(e), *tleaf, *leaf;
	char *tnorm = NULL, *ignore = NULL;
	int tdir = -1, dirfd = -1, ret = -1;
	struct stat sb;

	if (archive_name_problem(target) != NULL)
		return entry_skip(st, e, "hardlink", "unsafe target", cause);
	tnorm = archive_name_normalize(target);
	if (*tnorm == '\0' ||
	    (tdir = open_parent(st, tnorm, &tleaf, 0, &ignore)) == -1 ||
	    fstatat(tdir, tleaf, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISREG(sb.st_mode)) {
		ret = entry_skip(st, e, "hardlink", "not to a file unpacked "
		    "before", cause);
		goto out;
	}
	if ((dirfd = open_parent(st, norm, &leaf, 1, cause)) == -1)
		goto out;
	if (linkat(tdir, tleaf, dirfd, leaf, 0) == -1)
		ret = entry_skip(st, e, "hardlink", strerror(errno), cause);
	else
		ret = 0;
out:
	if (dirfd != -1 && dirfd != st->rootfd)
		close(dirfd);
	if (tdir != -1 && tdir != st->rootfd)
		close(tdir);
	free(ignore);
	free(tnorm);
	return ret;
}

static int
extract_entry(struct extract_state *st, struct archive *a,
    struct archive_entry *e, char **cause)
{
	const char *why, *what;
	char *norm;
	int ret;

	if ((st->name = archive_entry_pathname(e)) == NULL)
		return set_cause(cause, "%s: entry %zu: unreadable name",
		    st->path, st->entries);
	if ((why = archive_name_problem(st->name)) != NULL)
		return entry_skip(st, e, NULL, why, cause);
	what = odd_type(e);
	if (what != NULL && (st->skipped == NULL ||
	    archive_entry_hardlink(e) == NULL))
		return entry_skip(st, e, what, NULL, cause);
	norm = archive_name_normalize(st->name);
	if (*norm == '\0')
		ret = archive_entry_filetype(e) == AE_IFDIR ? 0 :
		    entry_fail(st, "archive root is not a directory", cause);
	else if (what != NULL)
		ret = extract_hardlink(st, e, norm, cause);
	else if (archive_entry_filetype(e) == AE_IFDIR)
		ret = extract_dir(st, e, norm, cause);
	else
		ret = extract_file(st, a, e, norm, cause);
	free(norm);
	return ret;
}

static int
extract_all(struct extract_state *st, struct archive *a, char **cause)
{
	struct archive_entry *e;
	int r;

	while ((r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		if (r != ARCHIVE_OK)
			return set_cause(cause, "%s: truncated or corrupt "
			    "archive: %s", st->path, la_error(a));
		if (++st->entries > st->max_entries)
			return set_cause(cause, "%s: more than %zu entries",
			    st->path, st->max_entries);
		if (extract_entry(st, a, e, cause) != 0)
			return -1;
	}
	return 0;
}

int
archive_extract_safe(const char *archive_path, const char *destdir,
    uint64_t max_bytes, size_t max_entries, struct strvec *skipped,
    char **cause)
{
	struct extract_state st;
	struct archive *a;
	void *loc;
	int fd, ret = -1;

	memset(&st, 0, sizeof st);
	st.path = archive_path;
	st.max_bytes = max_bytes;
	st.max_entries = max_entries;
	st.skipped = skipped;
	if ((fd = open(archive_path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1)
		return set_cause(cause, "%s: %s", archive_path,
		    strerror(errno));
	st.rootfd = open(destdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st.rootfd == -1) {
		set_cause(cause, "%s: %s", destdir, strerror(errno));
		close(fd);
		return -1;
	}
	loc = archive_utf8_enter();
	a = archive_read_new();
	archive_read_support_format_tar(a);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_bzip2(a);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK)
		set_cause(cause, "%s: not a readable tar archive: %s",
		    archive_path, la_error(a));
	else if (extract_all(&st, a, cause) == 0)
		ret = 0;
	archive_read_free(a);
	archive_utf8_leave(loc);
	close(st.rootfd);
	close(fd);
	return ret;
}
