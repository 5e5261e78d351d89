/*
 * ssh-sftp-get.c - downloads, with SFTP_GET_DEPTH reads in flight so that
 * the round-trip time does not set the speed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ssh/ssh-internal.h"

#define SFTP_GET_DEPTH	64	/* reads in flight while downloading ... */
/* ... of this size each (~1 MB in flight): libssh's receive buffers grow
 * to the largest reply and never shrink; replies of 16 kB keep them at
 * 16 kB each, 128 kB replies took 3 x 32 kB and more per machine for the
 * whole run (issue 15). */
#define SFTP_GET_CHUNK	(16 * 1024 - 512)
/* A file of at most this size (a job's results: 20 kB for a trivial job)
 * is read one piece at a time, of SFTP_GET_PIECE bytes: two replies in
 * flight reach the master as one SSH packet of up to 32 kB, which grows
 * libssh's socket, packet and channel buffers of that session to 32-64 kB
 * each for the rest of the run (~100 kB per machine); 7.5 kB pieces keep
 * them at 8-16 kB (256 machines: 65 -> 48 MB with the send side, issue
 * 15).  The price: 3 round trips for 20 kB instead of 1. */
#define SFTP_GET_SMALL	(4 * SFTP_GET_CHUNK)
#define SFTP_GET_PIECE	(8 * 1024 - 512)

/* A download in flight: reads requested, answered in order. */
struct get_state {
	struct dist_ssh	*s;
	sftp_file	 f;
	const char	*remote;
	const char	*local;
	int		 fd;
	uint64_t	 size;		/* as stat'ed when opened */
	uint64_t	 next;		/* offset of the next request */
	uint64_t	 got;
	struct {
		uint32_t	id;
		uint64_t	off;
		uint32_t	len;
	}		 q[SFTP_GET_DEPTH + 1];
	size_t		 head;
	size_t		 n;
	unsigned char	*buf;
};

static int
get_request(struct get_state *g, uint64_t off, uint32_t len)
{
	size_t slot = (g->head + g->n) % ARRAY_SIZE(g->q);
	int id;

	sftp_seek64(g->f, off);
	if ((id = sftp_async_read_begin(g->f, len)) < 0)
		return -1;
	g->q[slot].id = (uint32_t)id;
	g->q[slot].off = off;
	g->q[slot].len = len;
	g->n++;
	return 0;
}

static int
get_fill(struct get_state *g, char **cause)
{
	uint32_t len;
	int small = g->size <= SFTP_GET_SMALL;
	size_t depth = small ? 1 : SFTP_GET_DEPTH;
	uint32_t piece = small ? SFTP_GET_PIECE : SFTP_GET_CHUNK;

	while (g->n < depth && g->next < g->size) {
		len = g->size - g->next > piece ? piece :
		    (uint32_t)(g->size - g->next);
		if (get_request(g, g->next, len) != 0)
			return dsftp_fail(g->s, cause, "read", g->remote);
		g->next += len;
	}
	return 0;
}

/* Take the oldest answer; a short one gets its rest asked for again. */
static int
get_one(struct get_state *g, char **cause)
{
	uint32_t id = g->q[g->head].id, len = g->q[g->head].len;
	uint64_t off = g->q[g->head].off;
	ssize_t w;
	int n;

	g->head = (g->head + 1) % ARRAY_SIZE(g->q);
	g->n--;
	if ((n = sftp_async_read(g->f, g->buf, len, id)) < 0)
		return dsftp_fail(g->s, cause, "read", g->remote);
	if (n == 0)
		return dssh_fail(g->s, cause, "sftp read '%s': file shrank "
		    "while downloading", g->remote);
	do
		w = pwrite(g->fd, g->buf, (size_t)n, (off_t)off);
	while (w < 0 && errno == EINTR);
	if (w != n)
		return set_cause(cause, "write '%s': %s", g->local,
		    w < 0 ? strerror(errno) : "short write");
	g->got += (uint64_t)n;
	if ((uint32_t)n < len && get_request(g, off + (uint64_t)n,
	    len - (uint32_t)n) != 0)
		return dsftp_fail(g->s, cause, "read", g->remote);
	return 0;
}

static int
get_open(struct get_state *g, uint64_t size, uint64_t max, char **cause)
{
	sftp_attributes a;
	int type;

	g->f = sftp_open(g->s->sftp, dsftp_path(g->remote), O_RDONLY, 0);
	if (g->f == NULL)
		return dsftp_fail(g->s, cause, "open", g->remote);
	if (size != DSSH_SIZE_UNKNOWN)
		g->size = size;
	else {
		if ((a = sftp_fstat(g->f)) == NULL)
			return dsftp_fail(g->s, cause, "stat", g->remote);
		g->size = a->size;
		type = a->type;
		sftp_attributes_free(a);
		if (type != SSH_FILEXFER_TYPE_REGULAR)
			return dssh_fail(g->s, cause, "sftp get '%s': not a "
			    "regular file", g->remote);
	}
	if (max > 0 && g->size > max)
		return dssh_fail(g->s, cause, "sftp get '%s': %llu bytes, more "
		    "than the limit of %llu", g->remote,
		    (unsigned long long)g->size, (unsigned long long)max);
	return 0;
}

/* Download remote into g->fd: its size bytes, or all of it. */
static int
get_run(struct get_state *g, uint64_t size, uint64_t max, char **cause)
{
	int rc = -1;

	if (dsftp_ready(g->s, cause) != 0 || get_open(g, size, max, cause) != 0)
		goto out;
	if (g->size > 0)
		g->buf = xmalloc(SFTP_GET_CHUNK);
	while (g->got < g->size) {
		if (get_fill(g, cause) != 0 || get_one(g, cause) != 0)
			goto out;
	}
	rc = 0;
out:
	while (g->n > 0 && !dssh_is_lost(g->s)) {	/* drop unread answers */
		(void)sftp_async_read(g->f, g->buf, g->q[g->head].len,
		    g->q[g->head].id);
		g->head = (g->head + 1) % ARRAY_SIZE(g->q);
		g->n--;
	}
	if (g->f != NULL)
		sftp_close(g->f);
	free(g->buf);
	return rc;
}

int
dssh_sftp_get_fd(struct dist_ssh *s, const char *remote, int fd,
    uint64_t size, uint64_t max, uint64_t *got, char **cause)
{
	struct get_state g;
	int rc;

	memset(&g, 0, sizeof g);
	g.s = s;
	g.remote = remote;
	g.local = remote;	/* messages: "write 'REMOTE'" (its copy) */
	g.fd = fd;
	rc = get_run(&g, size, max, cause);
	if (got != NULL)
		*got = g.got;
	return rc;
}

/* max 0: no limit.  A failed download leaves no local file. */
int
dssh_sftp_get_file(struct dist_ssh *s, const char *remote, const char *local,
    uint64_t max, uint64_t *got, char **cause)
{
	struct get_state g;
	int rc = -1;

	memset(&g, 0, sizeof g);
	g.s = s;
	g.remote = remote;
	g.local = local;
	if ((g.fd = open(local, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) < 0) {
		set_cause(cause, "create '%s': %s", local, strerror(errno));
		goto out;
	}
	rc = get_run(&g, DSSH_SIZE_UNKNOWN, max, cause);
	if (close(g.fd) != 0 && rc == 0)
		rc = set_cause(cause, "close '%s': %s", local, strerror(errno));
	if (rc != 0)
		unlink(local);
out:
	if (got != NULL)
		*got = g.got;
	return rc;
}

/* Read remote (at most max bytes) into *buf, *len bytes, a piece of
 * SFTP_GET_PIECE at a time, as a small file is read: the whole of a small
 * file in open, one read, close.  A short read is the end of the file
 * (SFTP: "for normal disk files ... the specified number of bytes, or up
 * to end of file"): no stat, no read for the end. */
int
dssh_sftp_get_mem(struct dist_ssh *s, const char *remote, size_t max,
    char **buf, size_t *len, char **cause)
{
	sftp_file f;
	ssize_t n = SFTP_GET_PIECE;
	size_t want;
	char *b = xmalloc(max + 1);
	int rc = 0;

	*buf = NULL;
	*len = 0;
	if (dsftp_ready(s, cause) != 0) {
		free(b);
		return -1;
	}
	if ((f = sftp_open(s->sftp, dsftp_path(remote), O_RDONLY, 0)) == NULL) {
		free(b);
		return dsftp_fail(s, cause, "open", remote);
	}
	while (rc == 0 && n == SFTP_GET_PIECE) {
		want = max + 1 - *len < SFTP_GET_PIECE ? max + 1 - *len :
		    SFTP_GET_PIECE;
		if ((n = sftp_read(f, b + *len, want)) < 0)
			rc = dsftp_fail(s, cause, "read", remote);
		else if ((*len += (size_t)n) > max)
			rc = dssh_fail(s, cause, "sftp get '%s': more than the "
			    "limit of %zu bytes", remote, max);
	}
	sftp_close(f);
	if (rc != 0) {
		free(b);
		*len = 0;
		return rc;
	}
	*buf = b;
	return 0;
}
