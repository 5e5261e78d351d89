/*
 * collect-bundle.c - a job's small result read as one file: the worker
 * helper (client-scripts/dist-helper-bundle.c) writes a done job's plain
 * result (regular files at the top level, at most 64, 60 KiB in all)
 * into JOBDIR.bundle and reports it as the result; the master reads it in
 * one SFTP open/read/close (a walk of the directory takes ~3 round trips
 * per file, each costing the worker's sshd CPU: issue 15) and unpacks it
 * here into the fresh directory a walk would fill, as the walk fills it
 * (collect-walk.c): names checked (archive_name_problem, and the worker's
 * own stricter set), files made with openat() and O_NOFOLLOW|O_EXCL,
 * permission bits 0755 plus owner rw, the worker's mtime.
 *
 *	distribute-bundle 1 NFILES BYTES\n	BYTES: all that follows
 *	F MODE SIZE MTIME NAME\n		per file: MODE octal, 4 digits;
 *	SIZE bytes				SIZE, MTIME decimal
 *
 * The whole bundle is checked before anything is written: a malformed
 * one (a wrong header, sizes that do not add up, a bad or repeated name,
 * bytes after the last file) is never half-applied; the caller walks the
 * directory instead (it is still whole on the worker).
 *
 * A bundle small enough comes in the job's "done" line itself, in base64
 * (bundle_unpack_base64): no SFTP request at all.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "input/input.h"
#include "lib/lib.h"
#include "run/run-internal.h"
#include "ssh/ssh.h"

#define BUNDLE_MAGIC	"distribute-bundle 1 "
#define BUNDLE_FILES	64
#define BUNDLE_NAME_MAX	255

struct bundle_ent {
	const char	*name;		/* in the data: NUL put over its '\n' */
	const char	*bytes;
	size_t		 size;
	unsigned	 mode;
	int64_t		 mtime;
};

struct bundle_parse {
	char		*p, *end;
	struct bundle_ent ents[BUNDLE_FILES];
	size_t		 n;
};

/* A decimal of 1 to 10 digits, no leading zero, then c; past it. */
static int
take_num(struct bundle_parse *b, uint64_t max, char c, uint64_t *v)
{
	char *s = b->p;
	size_t n = 0;

	*v = 0;
	while (s + n < b->end && s[n] >= '0' && s[n] <= '9' && n < 11)
		*v = *v * 10 + (uint64_t)(s[n++] - '0');
	if (n == 0 || n > 10 || (n > 1 && s[0] == '0') || *v > max ||
	    s + n >= b->end || s[n] != c)
		return -1;
	b->p = s + n + 1;
	return 0;
}

/* MODE: exactly four octal digits, then a space. */
static int
take_mode(struct bundle_parse *b, unsigned *mode)
{
	int i;

	if (b->end - b->p < 5 || b->p[4] != ' ')
		return -1;
	for (*mode = 0, i = 0; i < 4; i++) {
		if (b->p[i] < '0' || b->p[i] > '7')
			return -1;
		*mode = *mode * 8 + (unsigned)(b->p[i] - '0');
	}
	b->p += 5;
	return 0;
}

/* The worker's set (dist-helper-bundle.c), and the walk's rule. */
static const char *
name_problem(const char *name, const char *const *own)
{
	size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-");
	const char *why;

	if (name[n] != '\0' || n == 0 || n > BUNDLE_NAME_MAX ||
	    name[0] == '.')
		return "not a plain name";
	if ((why = archive_name_problem(name)) != NULL)
		return why;
	for (; own != NULL && *own != NULL; own++)
		if (strcmp(name, *own) == 0)
			return "a name the master writes";
	return NULL;
}

/* "F MODE SIZE MTIME NAME\n" and SIZE bytes, into e. */
static int
take_ent(struct bundle_parse *b, const char *const *own,
    struct bundle_ent *e, char **cause)
{
	uint64_t size, mtime;
	const char *why;
	char *nl;
	size_t i;

	if (b->end - b->p < 2 || b->p[0] != 'F' || b->p[1] != ' ')
		return set_cause(cause, "entry %zu: no 'F ' line", b->n + 1);
	b->p += 2;
	if (take_mode(b, &e->mode) == -1 ||
	    take_num(b, BUNDLE_BYTES_MAX, ' ', &size) == -1 ||
	    take_num(b, UINT32_MAX, ' ', &mtime) == -1)
		return set_cause(cause, "entry %zu: bad mode, size or mtime",
		    b->n + 1);
	if ((nl = memchr(b->p, '\n', (size_t)(b->end - b->p))) == NULL)
		return set_cause(cause, "entry %zu: truncated", b->n + 1);
	*nl = '\0';
	e->name = b->p;
	if (strlen(e->name) != (size_t)(nl - b->p))
		return set_cause(cause, "entry %zu: NUL in its name", b->n + 1);
	if ((why = name_problem(e->name, own)) != NULL)
		return set_cause(cause, "entry %zu: name '%.64s': %s", b->n + 1,
		    e->name, why);
	for (i = 0; i < b->n; i++)
		if (strcmp(b->ents[i].name, e->name) == 0)
			return set_cause(cause, "entry %zu: '%s' twice",
			    b->n + 1, e->name);
	b->p = nl + 1;
	if (size > (uint64_t)(b->end - b->p))
		return set_cause(cause, "entry %zu: '%s': %llu bytes, %zu left",
		    b->n + 1, e->name, (unsigned long long)size,
		    (size_t)(b->end - b->p));
	e->bytes = b->p;
	e->size = (size_t)size;
	e->mtime = (int64_t)mtime;
	b->p += size;
	return 0;
}

/* The whole bundle checked into b (data is changed: names end in NUL). */
static int
bundle_parse(struct bundle_parse *b, char *data, size_t len,
    const char *const *own, char **cause)
{
	size_t magic = strlen(BUNDLE_MAGIC);
	uint64_t nfiles, bytes;

	memset(b, 0, sizeof *b);
	b->p = data;
	b->end = data + len;
	if (len < magic || memcmp(data, BUNDLE_MAGIC, magic) != 0)
		return set_cause(cause, "not a bundle (header)");
	b->p += magic;
	if (take_num(b, BUNDLE_FILES, ' ', &nfiles) == -1 ||
	    take_num(b, BUNDLE_BYTES_MAX, '\n', &bytes) == -1)
		return set_cause(cause, "bad header");
	if (bytes != (uint64_t)(b->end - b->p))
		return set_cause(cause, "%zu bytes after the header, %llu said",
		    (size_t)(b->end - b->p), (unsigned long long)bytes);
	while (b->n < nfiles) {
		if (take_ent(b, own, &b->ents[b->n], cause) == -1)
			return -1;
		b->n++;
	}
	if (b->p != b->end)
		return set_cause(cause, "%zu bytes after the last file",
		    (size_t)(b->end - b->p));
	return 0;
}

static int
put_ent(int rootfd, const char *dest, const struct bundle_ent *e,
    char **cause)
{
	mode_t mode = (e->mode & 0755) | 0600;	/* as collect-walk.c */
	struct timespec ts[2];
	int fd, rc = 0;

	fd = openat(rootfd, e->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_NOCTTY | O_CLOEXEC, mode);
	if (fd == -1 || fchmod(fd, mode) == -1 ||
	    write_all(fd, e->bytes, e->size) == -1)
		rc = set_cause(cause, "%s/%s: %s", dest, e->name,
		    strerror(errno));
	if (rc == 0) {
		ts[0].tv_sec = ts[1].tv_sec = (time_t)e->mtime;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		futimens(fd, ts);
	}
	if (fd != -1 && close(fd) == -1 && rc == 0)
		rc = set_cause(cause, "%s/%s: %s", dest, e->name,
		    strerror(errno));
	return rc;
}

int
bundle_unpack(char *data, size_t len, const char *dest,
    const char *const *own, char **cause)
{
	struct bundle_parse *b = xmalloc(sizeof *b);
	int rootfd, rc = 0;
	size_t i;

	if (len > 0 && test_hook("bad-bundle"))	/* test only: refused, */
		len--;				/* walked (t3240-bundle) */
	if (bundle_parse(b, data, len, own, cause) == -1) {
		free(b);
		return 1;
	}
	if ((rootfd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		rc = set_cause(cause, "%s: %s", dest, strerror(errno));
	for (i = 0; rc == 0 && i < b->n; i++)
		rc = put_ent(rootfd, dest, &b->ents[i], cause);
	if (rootfd != -1)
		close(rootfd);
	free(b);
	return rc;
}

int
collect_bundle(struct dist_ssh *ssh, const char *remote, const char *dest,
    const char *const *own, char **cause)
{
	char *data = NULL;
	size_t len = 0;
	int rc;

	if (dssh_sftp_get_mem(ssh, remote, BUNDLE_BYTES_MAX, &data, &len,
	    cause) == -1)
		return dssh_is_lost(ssh) ? -1 : 1;
	rc = bundle_unpack(data, len, dest, own, cause);
	free(data);
	return rc;
}

static int
b64_refused(char **cause)
{
	set_cause(cause, "bad base64 in the done line");
	return 1;
}

int
bundle_unpack_base64(const char *b64, const char *dest,
    const char *const *own, char **cause)
{
	size_t n = strlen(b64), body, pad;
	unsigned char *data;
	int len, rc;

	body = strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/");
	pad = n - body;
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > BUNDLE_BYTES_MAX || pad > 2 ||
	    strspn(b64 + body, "=") != pad)
		return b64_refused(cause);
	data = xmalloc(n / 4 * 3 + 1);
	len = EVP_DecodeBlock(data, (const unsigned char *)b64, (int)n);
	if (len < (int)pad) {
		free(data);
		return b64_refused(cause);
	}
	rc = bundle_unpack((char *)data, (size_t)len - pad, dest, own, cause);
	free(data);
	return rc;
}
