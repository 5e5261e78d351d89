/*
 * ssh-sftp.c - SFTP over the machine's session: mkdir -p, stat, remove,
 * atomic uploads (temporary name, then rename) and pipelined downloads.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ssh-internal.h"

#define SFTP_GET_DEPTH	16	/* reads in flight while downloading */
#define SFTP_MKDIR_MAX	64	/* path components mkdir_p creates */

/* The SFTP subsystem, started on first use and kept. */
static int
sftp_ready(struct dist_ssh *s, char **cause)
{
	if (s->sftp != NULL)
		return 0;
	if ((s->sftp = sftp_new(s->session)) == NULL)
		return dssh_fail_ssh(s, cause, "sftp");
	if (sftp_init(s->sftp) != SSH_OK) {
		dssh_fail_ssh(s, cause, "sftp");
		sftp_free(s->sftp);
		s->sftp = NULL;
		return -1;
	}
	return 0;
}

/* "~" and "~/x" are the home directory, where relative SFTP paths start. */
static const char *
sftp_path(const char *path)
{
	if (strcmp(path, "~") == 0)
		return ".";
	if (strncmp(path, "~/", 2) != 0)
		return path;
	path += 2;
	while (*path == '/')
		path++;
	return *path != '\0' ? path : ".";
}

static const char *
sftp_errstr(struct dist_ssh *s)
{
	const char *e;

	if (dssh_is_lost(s))
		return "connection lost";
	switch (sftp_get_error(s->sftp)) {
	case SSH_FX_NO_SUCH_FILE:
	case SSH_FX_NO_SUCH_PATH:
		return "No such file or directory";
	case SSH_FX_PERMISSION_DENIED:
		return "Permission denied";
	case SSH_FX_FILE_ALREADY_EXISTS:
		return "File exists";
	case SSH_FX_OP_UNSUPPORTED:
		return "Operation not supported by the server";
	case SSH_FX_EOF:
		return "Unexpected end of file";
	}
	e = ssh_get_error(s->session);
	if (e != NULL && strncmp(e, "SFTP server: ", 13) == 0)
		e += 13;
	return e != NULL && *e != '\0' ? e : "failure";
}

static int
sftp_fail(struct dist_ssh *s, char **cause, const char *op, const char *path)
{
	return dssh_fail(s, cause, "sftp %s '%s': %s", op, path, sftp_errstr(s));
}

static int
sftp_is_missing(struct dist_ssh *s)
{
	int e = sftp_get_error(s->sftp);

	return !dssh_is_lost(s) &&
	    (e == SSH_FX_NO_SUCH_FILE || e == SSH_FX_NO_SUCH_PATH);
}

/* 1 a directory, 0 missing, -1 something else is there or error. */
static int
sftp_isdir(struct dist_ssh *s, const char *path, char **cause)
{
	sftp_attributes a = sftp_stat(s->sftp, path);
	int type;

	if (a == NULL)
		return sftp_is_missing(s) ? 0 : sftp_fail(s, cause, "stat", path);
	type = a->type;
	sftp_attributes_free(a);
	if (type != SSH_FILEXFER_TYPE_DIRECTORY)
		return dssh_fail(s, cause, "'%s' exists and is not a directory",
		    path);
	return 1;
}

/* mkdir path, creating missing parents first (deepest existing one up). */
static int
sftp_mkdir_rec(struct dist_ssh *s, const char *path, int depth, char **cause)
{
	char *parent, *slash;
	int rc;

	if (sftp_mkdir(s->sftp, path, 0755) == 0)
		return 0;
	if ((rc = sftp_isdir(s, path, cause)) != 0)
		return rc < 0 ? -1 : 0;
	parent = xstrdup(path);
	if ((slash = strrchr(parent, '/')) == NULL || depth >= SFTP_MKDIR_MAX) {
		free(parent);
		return sftp_fail(s, cause, "mkdir", path);
	}
	while (slash > parent && slash[-1] == '/')
		slash--;
	*slash = '\0';
	rc = -1;
	if (*parent != '\0' && sftp_mkdir_rec(s, parent, depth + 1, cause) == 0) {
		if (sftp_mkdir(s->sftp, path, 0755) == 0 ||
		    sftp_isdir(s, path, cause) == 1)
			rc = 0;
		else if (cause != NULL && *cause == NULL)
			sftp_fail(s, cause, "mkdir", path);
	} else if (*parent == '\0')
		sftp_fail(s, cause, "mkdir", path);
	free(parent);
	return rc;
}

int
dssh_sftp_mkdir_p(struct dist_ssh *s, const char *path, char **cause)
{
	char *p;
	size_t len;
	int rc;

	if (sftp_ready(s, cause) != 0)
		return -1;
	p = xstrdup(sftp_path(path));
	len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	if (strcmp(p, "/") == 0 || strcmp(p, ".") == 0)
		rc = 0;
	else
		rc = sftp_mkdir_rec(s, p, 0, cause);
	free(p);
	return rc;
}

int
dssh_sftp_stat(struct dist_ssh *s, const char *path, uint64_t *size,
    char **cause)
{
	sftp_attributes a;

	if (sftp_ready(s, cause) != 0)
		return -1;
	if ((a = sftp_stat(s->sftp, sftp_path(path))) == NULL)
		return sftp_is_missing(s) ? 0 : sftp_fail(s, cause, "stat", path);
	if (size != NULL)
		*size = a->size;
	sftp_attributes_free(a);
	return 1;
}

/* A file that is not there is removed already. */
int
dssh_sftp_remove(struct dist_ssh *s, const char *path, char **cause)
{
	if (sftp_ready(s, cause) != 0)
		return -1;
	if (sftp_unlink(s->sftp, sftp_path(path)) == 0 || sftp_is_missing(s))
		return 0;
	return sftp_fail(s, cause, "remove", path);
}

/* SFTP wire encoding for the one request libssh 0.10 cannot send. */
static void
wire_u32(struct strbuf *b, uint32_t v)
{
	unsigned char c[4] = { v >> 24, v >> 16, v >> 8, v };

	sb_add(b, c, 4);
}

static void
wire_str(struct strbuf *b, const char *str)
{
	wire_u32(b, (uint32_t)strlen(str));
	sb_adds(b, str);
}

static uint32_t
wire_get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int
wire_read(ssh_channel c, unsigned char *buf, uint32_t len)
{
	uint32_t got = 0;
	int n;

	while (got < len) {
		n = ssh_channel_read(c, buf + got, len - got, 0);
		if (n <= 0)		/* error, EOF or the session timeout */
			return -1;
		got += (uint32_t)n;
	}
	return 0;
}

#define FXP_EXTENDED	200
#define FXP_STATUS	101
#define FXP_RENAME_ID	0x64697374u	/* "dist" */

/*
 * posix-rename@openssh.com replaces the target atomically, where plain
 * SFTPv3 rename fails if it exists; libssh 0.10's sftp_rename() does not
 * use it.  The request is written to the SFTP channel directly and its
 * status read back: safe because this session's SFTP calls are synchronous
 * (nothing else is in flight) and libssh reads packets exactly.
 */
static int
sftp_posix_rename(struct dist_ssh *s, const char *from, const char *to,
    char **cause)
{
	struct strbuf req = STRBUF_INIT, pkt = STRBUF_INIT;
	unsigned char hdr[4], *reply = NULL;
	uint32_t len = 0;
	int rc = -1;

	sb_addc(&req, (char)FXP_EXTENDED);
	wire_u32(&req, FXP_RENAME_ID);
	wire_str(&req, "posix-rename@openssh.com");
	wire_str(&req, from);
	wire_str(&req, to);
	wire_u32(&pkt, (uint32_t)req.len);
	sb_add(&pkt, req.buf, req.len);
	if (ssh_channel_write(s->sftp->channel, pkt.buf, (uint32_t)pkt.len) !=
	    (int)pkt.len || wire_read(s->sftp->channel, hdr, 4) != 0 ||
	    (len = wire_get_u32(hdr)) < 13 || len > 65536) {
		dssh_fail_ssh(s, cause, "sftp rename '%s'", to);
		goto out;
	}
	reply = xmalloc(len);
	if (wire_read(s->sftp->channel, reply, len) != 0 ||
	    reply[0] != FXP_STATUS || wire_get_u32(reply + 1) != FXP_RENAME_ID)
		dssh_fail_ssh(s, cause, "sftp rename '%s': bad reply", to);
	else if (wire_get_u32(reply + 5) != 0)
		dssh_fail(s, cause, "sftp rename '%s': error %u from the server",
		    to, wire_get_u32(reply + 5));
	else
		rc = 0;
out:
	free(reply);
	sb_release(&req);
	sb_release(&pkt);
	return rc;
}

static int
sftp_replace(struct dist_ssh *s, const char *from, const char *to,
    char **cause)
{
	if (sftp_extension_supported(s->sftp, "posix-rename@openssh.com", "1"))
		return sftp_posix_rename(s, from, to, cause);
	/* Not atomic: the target is briefly missing. */
	if (sftp_unlink(s->sftp, to) != 0 && !sftp_is_missing(s))
		return sftp_fail(s, cause, "remove", to);
	if (sftp_rename(s->sftp, from, to) != 0)
		return sftp_fail(s, cause, "rename", to);
	return 0;
}

/* Where an upload's bytes come from: a file descriptor or memory. */
struct put_src {
	int		 fd;		/* -1: memory */
	const char	*name;
	const char	*mem;
	size_t		 len;
	size_t		 off;
	char		*buf;
};

/* Next chunk in *p: its length, 0 at the end, -1 on a read error. */
static ssize_t
put_next(struct put_src *src, const char **p)
{
	ssize_t n;

	if (src->fd < 0) {
		n = (ssize_t)(src->len - src->off > DSSH_XFER_CHUNK ?
		    DSSH_XFER_CHUNK : src->len - src->off);
		*p = src->mem + src->off;
		src->off += (size_t)n;
		return n;
	}
	do
		n = read(src->fd, src->buf, DSSH_XFER_CHUNK);
	while (n < 0 && errno == EINTR);
	*p = src->buf;
	return n;
}

static int
put_stream(struct dist_ssh *s, struct put_src *src, sftp_file f,
    const char *tmp, uint64_t *sent, char **cause)
{
	const char *p;
	ssize_t n, w;

	while ((n = put_next(src, &p)) > 0) {
		while (n > 0) {
			if ((w = sftp_write(f, p, (size_t)n)) <= 0)
				return sftp_fail(s, cause, "write", tmp);
			p += w;
			n -= w;
			*sent += (uint64_t)w;
		}
	}
	if (n < 0)
		return set_cause(cause, "read '%s': %s", src->name,
		    strerror(errno));
	return 0;
}

static char *
put_tmpname(const char *path)
{
	uint64_t r = 0;

	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
		r = (uint64_t)getpid() << 40 ^ (uint64_t)(now_wall() * 1e6);
	return xasprintf("%s.tmp-%016llx", path, (unsigned long long)r);
}

/* Write under a temporary name, set the mode, rename over remote. */
static int
sftp_put(struct dist_ssh *s, struct put_src *src, const char *remote,
    int mode, uint64_t *sent, char **cause)
{
	const char *path = sftp_path(remote);
	char *tmp = put_tmpname(path);
	sftp_file f = NULL;
	int rc = -1, created = 0;

	*sent = 0;
	if (sftp_ready(s, cause) != 0)
		goto out;
	f = sftp_open(s->sftp, tmp, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC, 0600);
	if (f == NULL) {
		sftp_fail(s, cause, "create", tmp);
		goto out;
	}
	created = 1;
	if (put_stream(s, src, f, tmp, sent, cause) != 0)
		goto out;
	rc = sftp_close(f);
	f = NULL;
	if (rc != 0 || sftp_chmod(s->sftp, tmp, (mode_t)(mode & 07777)) != 0) {
		rc = sftp_fail(s, cause, rc != 0 ? "close" : "chmod", tmp);
		goto out;
	}
	rc = sftp_replace(s, tmp, path, cause);
out:
	if (f != NULL)
		sftp_close(f);
	if (rc != 0 && created && !dssh_is_lost(s))
		(void)sftp_unlink(s->sftp, tmp);
	free(tmp);
	return rc;
}

int
dssh_sftp_put_file(struct dist_ssh *s, const char *local, const char *remote,
    int mode, uint64_t *sent, char **cause)
{
	struct put_src src = { -1, local, NULL, 0, 0, NULL };
	uint64_t dummy;
	int rc;

	if (sent == NULL)
		sent = &dummy;
	*sent = 0;
	if ((src.fd = open(local, O_RDONLY | O_CLOEXEC)) < 0)
		return set_cause(cause, "open '%s': %s", local, strerror(errno));
	src.buf = xmalloc(DSSH_XFER_CHUNK);
	rc = sftp_put(s, &src, remote, mode, sent, cause);
	free(src.buf);
	close(src.fd);
	return rc;
}

int
dssh_sftp_put_mem(struct dist_ssh *s, const void *data, size_t len,
    const char *remote, int mode, char **cause)
{
	struct put_src src = { -1, remote, data, len, 0, NULL };
	uint64_t sent;

	return sftp_put(s, &src, remote, mode, &sent, cause);
}

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

	while (g->n < SFTP_GET_DEPTH && g->next < g->size) {
		len = g->size - g->next > DSSH_XFER_CHUNK ? DSSH_XFER_CHUNK :
		    (uint32_t)(g->size - g->next);
		if (get_request(g, g->next, len) != 0)
			return sftp_fail(g->s, cause, "read", g->remote);
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
		return sftp_fail(g->s, cause, "read", g->remote);
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
		return sftp_fail(g->s, cause, "read", g->remote);
	return 0;
}

static int
get_open(struct get_state *g, uint64_t max, char **cause)
{
	sftp_attributes a;
	int type;

	if ((g->f = sftp_open(g->s->sftp, sftp_path(g->remote), O_RDONLY, 0)) ==
	    NULL)
		return sftp_fail(g->s, cause, "open", g->remote);
	if ((a = sftp_fstat(g->f)) == NULL)
		return sftp_fail(g->s, cause, "stat", g->remote);
	g->size = a->size;
	type = a->type;
	sftp_attributes_free(a);
	if (type != SSH_FILEXFER_TYPE_REGULAR)
		return dssh_fail(g->s, cause, "sftp get '%s': not a regular file",
		    g->remote);
	if (max > 0 && g->size > max)
		return dssh_fail(g->s, cause, "sftp get '%s': %llu bytes, more "
		    "than the limit of %llu", g->remote,
		    (unsigned long long)g->size, (unsigned long long)max);
	return 0;
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
	g.fd = -1;
	if (sftp_ready(s, cause) != 0 || get_open(&g, max, cause) != 0)
		goto out;
	if ((g.fd = open(local, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) < 0) {
		set_cause(cause, "create '%s': %s", local, strerror(errno));
		goto out;
	}
	g.buf = xmalloc(DSSH_XFER_CHUNK);
	while (g.got < g.size) {
		if (get_fill(&g, cause) != 0 || get_one(&g, cause) != 0)
			goto out;
	}
	rc = 0;
out:
	while (g.n > 0 && !dssh_is_lost(s)) {	/* drop unread answers */
		(void)sftp_async_read(g.f, g.buf, g.q[g.head].len, g.q[g.head].id);
		g.head = (g.head + 1) % ARRAY_SIZE(g.q);
		g.n--;
	}
	if (g.f != NULL)
		sftp_close(g.f);
	if (g.fd >= 0 && close(g.fd) != 0 && rc == 0)
		rc = set_cause(cause, "close '%s': %s", local, strerror(errno));
	if (rc != 0 && g.fd >= 0)
		unlink(local);
	if (got != NULL)
		*got = g.got;
	free(g.buf);
	return rc;
}
