/*
 * dist-helper-bundle.c - a done job's small result as one file, so that
 * the master reads it in one SFTP open/read/close instead of walking the
 * directory entry by entry (issue 15: each SFTP request costs the
 * worker's sshd CPU; master/run/collect-bundle.c unpacks it).
 *
 * Only a plain result is bundled: regular files at the top level (argv,
 * argc and env left out: the master writes them from what it sent), at
 * most BUNDLE_FILES of them, names of [A-Za-z0-9._+-] not starting with
 * '.', at most BUNDLE_BYTES in all.  Anything else (a directory, a
 * symlink, a FIFO, an odd name, too much) makes no bundle: the master
 * walks the directory as before.  Nothing is followed (lstat, O_NOFOLLOW)
 * and nothing blocks (O_NONBLOCK: a FIFO swapped in is not waited on).
 *
 *	distribute-bundle 1 NFILES BYTES\n	BYTES: all that follows
 *	F MODE SIZE MTIME NAME\n		per file: MODE octal (07777),
 *	SIZE bytes				SIZE and MTIME (epoch seconds,
 *						as SFTP has it) decimal
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dist-helper.h"

#define BUNDLE_FILES	64
#define BUNDLE_BYTES	(60 * 1024)	/* header included */
#define BUNDLE_HEAD	64		/* room for the first line */

struct bundle_file {
	char		name[NAME_MAX + 1];
	struct stat	st;
};

struct bundle {
	struct bundle_file	f[BUNDLE_FILES];
	size_t			n;
	char			buf[BUNDLE_BYTES];
	size_t			len;	/* after BUNDLE_HEAD */
};

static struct bundle b;

/* A name the master takes as it is: one safe component. */
static int
name_ok(const char *name)
{
	size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-");

	return n > 0 && name[n] == '\0' && name[0] != '.';
}

static int
sent_name(const char *name)
{
	return strcmp(name, "argv") == 0 || strcmp(name, "argc") == 0 ||
	    strcmp(name, "env") == 0;
}

/* List jd's entries into b.f: 0, or -1 when the result is not plain. */
static int
bundle_list(int dfd)
{
	struct dirent *d;
	DIR *dp;
	int rc = 0;

	if ((dp = fdopendir(dfd)) == NULL) {
		close(dfd);
		return -1;
	}
	while (rc == 0 && (d = readdir(dp)) != NULL) {
		struct bundle_file *f = &b.f[b.n];

		if (strcmp(d->d_name, ".") == 0 ||
		    strcmp(d->d_name, "..") == 0 || sent_name(d->d_name))
			continue;
		if (b.n == BUNDLE_FILES || !name_ok(d->d_name) ||
		    strlen(d->d_name) >= sizeof f->name ||
		    fstatat(dfd, d->d_name, &f->st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(f->st.st_mode) || f->st.st_mtime < 0 ||
		    (uintmax_t)f->st.st_mtime > UINT32_MAX ||
		    f->st.st_size > BUNDLE_BYTES) {
			rc = -1;
			break;
		}
		strcpy(f->name, d->d_name);
		b.n++;
	}
	closedir(dp);	/* closes dfd */
	return rc;
}

/* Append file f (its line, its bytes) to b.buf: -1 too big or changed. */
static int
bundle_add(int dfd, const struct bundle_file *f)
{
	size_t size = (size_t)f->st.st_size, room, got = 0;
	struct stat st;
	ssize_t r;
	int fd, n, rc = -1;

	room = sizeof b.buf - BUNDLE_HEAD - b.len;
	n = snprintf(b.buf + BUNDLE_HEAD + b.len, room, "F %04o %zu %lld %s\n",
	    (unsigned)(f->st.st_mode & 07777), size,
	    (long long)f->st.st_mtime, f->name);
	if (n < 0 || (size_t)n >= room || room - (size_t)n < size)
		return -1;
	b.len += (size_t)n;
	if ((fd = openat(dfd, f->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY)) == -1)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_ino == f->st.st_ino && st.st_size == f->st.st_size &&
	    st.st_mtime == f->st.st_mtime) {
		while (got < size && ((r = read(fd, b.buf + BUNDLE_HEAD +
		    b.len + got, size - got)) > 0 || (r == -1 &&
		    errno == EINTR)))
			got += r > 0 ? (size_t)r : 0;
		rc = got == size ? 0 : -1;
	}
	close(fd);
	b.len += size;
	return rc;
}

/* The temporary file for the bundle: spare's inode (a recycled job
 * directory's, see dist-helper-recycle.c) linked to tmp (never over
 * anything there), or a new file. */
static int
bundle_open(const char *tmp, const char *spare)
{
	if (spare != NULL && link(spare, tmp) == 0) {
		unlink(spare);
		return open(tmp, O_WRONLY | O_TRUNC | O_NOFOLLOW);
	}
	return open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
}

/* b's first line placed just before the rest: where the bundle starts,
 * *len its length; NULL when too big. */
static const char *
bundle_whole(size_t *len)
{
	char head[BUNDLE_HEAD];
	int n;

	n = snprintf(head, sizeof head, "distribute-bundle 1 %zu %zu\n", b.n,
	    b.len);
	if (n < 0 || n >= (int)sizeof head || (size_t)n + b.len > BUNDLE_BYTES)
		return NULL;
	memcpy(b.buf + BUNDLE_HEAD - n, head, (size_t)n);
	*len = (size_t)n + b.len;
	return b.buf + BUNDLE_HEAD - n;
}

int
bundle_make(const char *jd)
{
	int dfd, rc = 0;
	size_t i;

	b.n = b.len = 0;
	if ((dfd = open(jd, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)) == -1)
		return -1;
	if (bundle_list(dfd) == -1 ||
	    (dfd = open(jd, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)) == -1)
		return -1;
	for (i = 0; i < b.n && rc == 0; i++)
		rc = bundle_add(dfd, &b.f[i]);
	close(dfd);
	return rc;
}

int
bundle_put(const char *path, const char *spare)
{
	const char *data;
	char tmp[PATH_MAX];
	size_t len;
	int fd, rc;

	if ((data = bundle_whole(&len)) == NULL ||
	    pathf(tmp, "%s.tmp", path) == -1 ||
	    (fd = bundle_open(tmp, spare)) == -1)
		return -1;
	rc = write_all(fd, data, len);
	if (close(fd) == -1 || rc == -1 || rename(tmp, path) == -1) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
bundle_base64(char *out, size_t size)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p;
	size_t len, i, o = 0;
	unsigned long v;

	if ((p = (const unsigned char *)bundle_whole(&len)) == NULL ||
	    (len + 2) / 3 * 4 >= size)
		return -1;
	for (i = 0; i < len; i += 3) {
		v = (unsigned long)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = i + 1 < len ? abc[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? abc[v & 63] : '=';
	}
	out[o] = '\0';
	return (int)o;
}
