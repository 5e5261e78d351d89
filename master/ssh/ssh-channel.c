/*
 * ssh-channel.c - an exec channel: write the remote command's stdin, read
 * its stdout line by line with a timeout, keep the tail of its stderr.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ssh/ssh-internal.h"

#define CHAN_READ_MAX	(64 * 1024)
/* Each ssh_channel_write() is sent whole before it returns; libssh's send
 * buffers (the packet and the socket's) grow to hold it and never shrink:
 * the agent (80 kB) written at once left 192 kB per machine, 15.5 kB
 * pieces 32 kB, these 8 kB (issue 15; a buffer of N bytes or more takes
 * 2N, so a piece stays 512 bytes under 4 kB for the headers and MAC). */
#define CHAN_WRITE_MAX	(4 * 1024 - 512)

/*
 * libssh calls this as data arrives, during any call on the session
 * (readline, SFTP, keepalive).  stderr is taken at once, so it can never
 * fill the channel window and stall stdout; only its last
 * DSSH_STDERR_KEEP bytes are kept.  stdout is left in libssh's buffer
 * (0 bytes taken), where ssh_channel_poll_timeout() sees it.
 */
static int
chan_on_data(ssh_session session, ssh_channel channel, void *data,
    uint32_t len, int is_stderr, void *userdata)
{
	struct dssh_chan *ch = userdata;
	struct strbuf *e = &ch->err;

	(void)session;
	(void)channel;
	if (!is_stderr)
		return 0;
	sb_add(e, data, len);
	if (e->len > 2 * DSSH_STDERR_KEEP) {
		memmove(e->buf, e->buf + e->len - DSSH_STDERR_KEEP,
		    DSSH_STDERR_KEEP);
		e->len = DSSH_STDERR_KEEP;
		e->buf[e->len] = '\0';
	}
	return (int)len;
}

int
dssh_exec(struct dist_ssh *s, const char *cmd, struct dssh_chan **out,
    char **cause)
{
	struct dssh_chan *ch = xcalloc(1, sizeof *ch);

	*out = NULL;
	ch->s = s;
	if ((ch->channel = ssh_channel_new(s->session)) == NULL) {
		dssh_fail_ssh(s, cause, "new channel");
		goto fail;
	}
	ssh_callbacks_init(&ch->cb);
	ch->cb.userdata = ch;
	ch->cb.channel_data_function = chan_on_data;
	if (ssh_set_channel_callbacks(ch->channel, &ch->cb) != SSH_OK) {
		dssh_fail_ssh(s, cause, "channel callbacks");
		goto fail;
	}
	if (ssh_channel_open_session(ch->channel) != SSH_OK) {
		dssh_fail_ssh(s, cause, "open channel");
		goto fail;
	}
	if (ssh_channel_request_exec(ch->channel, cmd) != SSH_OK) {
		dssh_fail_ssh(s, cause, "exec '%.40s'", cmd);
		goto fail;
	}
	*out = ch;
	return 0;
fail:
	dssh_chan_free(ch);
	return -1;
}

/* Append "; stderr: a | b" (the kept tail, one line) to *cause. */
static void
chan_add_stderr(struct dssh_chan *ch, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, len = ch->err.len;
	char c;

	while (len > 0 && (ch->err.buf[len - 1] == '\n' ||
	    ch->err.buf[len - 1] == '\r' || ch->err.buf[len - 1] == ' '))
		len--;
	if (len == 0 || cause == NULL)
		return;
	sb_adds(&sb, *cause != NULL ? *cause : "");
	sb_adds(&sb, "; stderr: ");
	for (i = 0; i < len; i++) {
		c = ch->err.buf[i];
		if (c == '\n')
			sb_adds(&sb, " | ");
		else if (c == '\r' || c == '\t')
			sb_addc(&sb, ' ');
		else if ((unsigned char)c < 0x20 || c == 0x7f)
			sb_addc(&sb, '?');
		else
			sb_addc(&sb, c);
	}
	free(*cause);
	*cause = sb_detach(&sb);
}

static int
chan_lost(struct dssh_chan *ch, const char *what, char **cause)
{
	dssh_fail_ssh(ch->s, cause, "%s", dssh_is_lost(ch->s) ?
	    "connection lost" : what);
	chan_add_stderr(ch, cause);
	return -1;
}

static int
chan_closed(void *arg)
{
	return ssh_channel_is_closed(arg);
}

/*
 * The remote side closed stdout: say how it ended.  sshd sends the exit
 * status and closes the channel right after EOF, unless the command
 * closed its stdout and went on: wait a little, not for ever.
 */
static int
chan_ended(struct dssh_chan *ch, char **cause)
{
	int status = -1;

	dssh_pump(ch->s, DSSH_CLOSE_WAIT_MS, chan_closed, ch->channel);
	if (ssh_channel_is_closed(ch->channel))
		status = ssh_channel_get_exit_status(ch->channel);
	if (status >= 0)
		dssh_fail(ch->s, cause, "remote command exited with status %d",
		    status);
	else
		dssh_fail(ch->s, cause, "remote command closed its output");
	chan_add_stderr(ch, cause);
	return -1;
}

/* Move the first complete line of ch->out into line. */
static int
chan_take_line(struct dssh_chan *ch, struct strbuf *line)
{
	char *nl;
	size_t n;

	if (ch->out.len == 0 ||
	    (nl = memchr(ch->out.buf, '\n', ch->out.len)) == NULL)
		return 0;
	n = (size_t)(nl - ch->out.buf);
	sb_add(line, ch->out.buf, n);
	memmove(ch->out.buf, nl + 1, ch->out.len - n - 1);
	ch->out.len -= n + 1;
	ch->out.buf[ch->out.len] = '\0';
	return 1;
}

static int
chan_fill(struct dssh_chan *ch, int avail)
{
	size_t want = avail > CHAN_READ_MAX ? CHAN_READ_MAX : (size_t)avail;
	int n;

	sb_grow(&ch->out, want + 1);
	n = ssh_channel_read_nonblocking(ch->channel, ch->out.buf + ch->out.len,
	    (uint32_t)want, 0);
	if (n < 0)
		return -1;
	ch->out.len += (size_t)n;
	ch->out.buf[ch->out.len] = '\0';
	return 0;
}

static int
chan_left_ms(double deadline, int timeout_ms)
{
	double left;

	if (timeout_ms < 0)
		return -1;
	left = (deadline - now_mono()) * 1000.0;
	return left <= 0 ? 0 : (int)(left + 0.5);
}

/* A negative timeout_ms waits for ever. */
int
dssh_chan_readline(struct dssh_chan *ch, struct strbuf *line, int timeout_ms,
    char **cause)
{
	double deadline;
	int n, left;

	deadline = now_mono() + (timeout_ms > 0 ? timeout_ms : 0) / 1000.0;
	sb_reset(line);
	for (;;) {
		if (chan_take_line(ch, line))
			return 1;
		if (ch->out.len > DSSH_LINE_MAX)
			return dssh_fail(ch->s, cause, "remote line longer "
			    "than %d bytes", DSSH_LINE_MAX);
		if (ch->eof && ch->out.len > 0) {	/* last line, no "\n" */
			sb_add(line, ch->out.buf, ch->out.len);
			sb_reset(&ch->out);
			return 1;
		}
		if (ch->eof)
			return chan_ended(ch, cause);
		left = chan_left_ms(deadline, timeout_ms);
		n = ssh_channel_poll_timeout(ch->channel, left, 0);
		if (n == SSH_EOF)
			ch->eof = 1;
		else if (n == SSH_ERROR || (n > 0 && chan_fill(ch, n) != 0))
			return chan_lost(ch, "read", cause);
		else if (n == 0 && dssh_is_lost(ch->s))
			return chan_lost(ch, "read", cause);
		else if (n == 0 && left == 0)
			return 0;
	}
}

int
dssh_chan_write(struct dssh_chan *ch, const void *data, size_t len,
    char **cause)
{
	const char *p = data;
	uint32_t chunk;
	int n;

	while (len > 0) {
		chunk = len > CHAN_WRITE_MAX ? CHAN_WRITE_MAX : (uint32_t)len;
		n = ssh_channel_write(ch->channel, p, chunk);
		if (n < 0)
			return chan_lost(ch, "write", cause);
		if (n == 0) {
			dssh_fail(ch->s, cause, "write: the remote command "
			    "does not read its input");
			chan_add_stderr(ch, cause);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void
dssh_chan_free(struct dssh_chan *ch)
{
	if (ch == NULL)
		return;
	if (ch->channel != NULL) {
		/* libssh keeps a channel the peer has not closed yet and may
		 * still call its callbacks: they must not reach ch */
		ssh_remove_channel_callbacks(ch->channel, &ch->cb);
		if (ssh_channel_is_open(ch->channel))
			ssh_channel_close(ch->channel);
		ssh_channel_free(ch->channel);
	}
	sb_release(&ch->out);
	sb_release(&ch->err);
	free(ch);
}

const char *
dssh_chan_label(const struct dssh_chan *ch)
{
	return dssh_label(ch->s);
}
