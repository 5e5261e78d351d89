/*
 * ssh-sftp-put.c - uploads: written under a temporary name beside the
 * target, given their mode, then renamed over it atomically.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ssh/ssh-internal.h"

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
/* A file from memory (config, script) goes in pieces this small: libssh's
 * send buffers grow to the largest packet and never shrink, 128 kB per
 * machine for the whole run with 32 kB packets, 8 kB with these (the
 * same size as the agent channel's writes, ssh-channel.c). */
#define PUT_MEM_CHUNK	(4 * 1024 - 512)

/*
 * posix-rename@openssh.com replaces the target atomically, where plain
 * SFTPv3 rename fails if it exists; libssh 0.10's sftp_rename() does not
 * use it.  The request is written to the SFTP channel directly and its
 * status read back: safe because this session's SFTP calls are synchronous
 * (nothing else is in flight) and libssh reads packets exactly.
 */
static int
dsftp_posix_rename(struct dist_ssh *s, const char *from, const char *to,
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
		dssh_fail(s, cause, "sftp rename '%s': error %u from the "
		    "server", to, wire_get_u32(reply + 5));
	else
		rc = 0;
out:
	free(reply);
	sb_release(&req);
	sb_release(&pkt);
	return rc;
}

static int
dsftp_replace(struct dist_ssh *s, const char *from, const char *to,
    char **cause)
{
	if (sftp_extension_supported(s->sftp, "posix-rename@openssh.com", "1"))
		return dsftp_posix_rename(s, from, to, cause);
	/* Not atomic: the target is briefly missing. */
	if (sftp_unlink(s->sftp, to) != 0 && !dsftp_missing(s))
		return dsftp_fail(s, cause, "remove", to);
	if (sftp_rename(s->sftp, from, to) != 0)
		return dsftp_fail(s, cause, "rename", to);
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
		n = (ssize_t)(src->len - src->off > PUT_MEM_CHUNK ?
		    PUT_MEM_CHUNK : src->len - src->off);
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
				return dsftp_fail(s, cause, "write", tmp);
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
dsftp_put(struct dist_ssh *s, struct put_src *src, const char *remote,
    int mode, uint64_t *sent, char **cause)
{
	const char *path = dsftp_path(remote);
	char *tmp = put_tmpname(path);
	sftp_file f = NULL;
	int rc = -1, created = 0;

	*sent = 0;
	if (dsftp_ready(s, cause) != 0)
		goto out;
	f = sftp_open(s->sftp, tmp, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC,
	    0600);
	if (f == NULL) {
		dsftp_fail(s, cause, "create", tmp);
		goto out;
	}
	created = 1;
	if (put_stream(s, src, f, tmp, sent, cause) != 0)
		goto out;
	rc = sftp_close(f);
	f = NULL;
	if (rc != 0 || sftp_chmod(s->sftp, tmp, (mode_t)(mode & 07777)) != 0) {
		rc = dsftp_fail(s, cause, rc != 0 ? "close" : "chmod", tmp);
		goto out;
	}
	rc = dsftp_replace(s, tmp, path, cause);
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
		return set_cause(cause, "open '%s': %s", local,
		    strerror(errno));
	src.buf = xmalloc(DSSH_XFER_CHUNK);
	rc = dsftp_put(s, &src, remote, mode, sent, cause);
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

	return dsftp_put(s, &src, remote, mode, &sent, cause);
}
