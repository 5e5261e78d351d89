/*
 * agent-proto.c - encode and decode the master/agent line protocol.
 */
#include <sys/random.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "run/agent-proto.h"

void
agent_line(struct strbuf *sb, const char *verb, const char *arg)
{
	const char *s;

	sb_adds(sb, verb);
	if (arg != NULL) {
		sb_addc(sb, ' ');
		for (s = arg; *s != '\0'; s++) {
			if (*s == '\\')
				sb_adds(sb, "\\\\");
			else if (*s == '\n')
				sb_adds(sb, "\\n");
			else
				sb_addc(sb, *s);
		}
	}
	sb_addc(sb, '\n');
}

void
agent_unescape(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] == 'n') {
			*w++ = '\n';
			s++;
		} else if (*s == '\\' && s[1] == '\\') {
			*w++ = '\\';
			s++;
		} else
			*w++ = *s;
	}
	*w = '\0';
}

size_t
agent_fields(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (n < max && *p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		fields[n++] = p;
		if (n == max)
			break;
		p += strcspn(p, " ");
		if (*p != '\0')
			*p++ = '\0';
	}
	for (size_t i = 0; i < n; i++)
		agent_unescape(fields[i]);
	return n;
}

/* A per-connection token: the agent prints it in its "ready" line. */
static void
make_nonce(char out[AGENT_NONCE_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[AGENT_NONCE_LEN / 2];
	size_t i;

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
		/* no entropy source: unique is all it needs to be */
		unsigned long long v = (unsigned long long)(now_mono() * 1e9) ^
		    ((unsigned long long)getpid() << 32);

		for (i = 0; i < sizeof raw; i++, v = v * 6364136223846793005ULL +
		    1442695040888963407ULL)
			raw[i] = (unsigned char)(v >> 56);
	}
	for (i = 0; i < sizeof raw; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[AGENT_NONCE_LEN] = '\0';
}

/* line ends in "ready VERSION PID NONCE" (whatever a login shell printed
 * before it without a newline comes first). */
static int
is_ready(const char *line, const char *nonce)
{
	const char *p = line, *q;

	while ((p = strstr(p, "ready " AGENT_PROTO_VERSION " ")) != NULL) {
		p += strlen("ready " AGENT_PROTO_VERSION " ");
		q = p + strspn(p, "0123456789");
		if (q > p && *q == ' ' && strcmp(q + 1, nonce) == 0)
			return 1;
	}
	return 0;
}

/* Up to max bytes of text into sb, control characters shown as '?'. */
static void
add_printable(struct strbuf *sb, const char *text, size_t max)
{
	for (size_t i = 0; text[i] != '\0' && i < max; i++)
		sb_addc(sb, (unsigned char)text[i] < 0x20 || text[i] == 0x7f ?
		    '?' : text[i]);
}

/* A line of the login shell's before the agent: logged at -v, the first
 * one kept (120 bytes) for a message. */
static void
note_noise(struct dssh_chan *ch, struct strbuf *first, const char *line)
{
	struct strbuf shown = STRBUF_INIT;

	add_printable(&shown, line, 400);
	verbose("%s: before the agent: '%s'", dssh_chan_label(ch),
	    sb_str(&shown));
	sb_release(&shown);
	if (first->len == 0)
		add_printable(first, line, 120);
}

static int
start_failed(char **cause, size_t noise, const struct strbuf *first,
    int timeout_ms)
{
	if (noise > AGENT_NOISE_MAX)
		return set_cause(cause, "agent did not start: login shell "
		    "output does not end (%zu bytes, first: '%s'); check the "
		    "login shell's startup files (~/.cshrc, ~/.bashrc, "
		    "~/.profile)", noise, sb_str(first));
	if (noise > 0)
		return set_cause(cause, "agent did not start within %d s (the "
		    "login shell printed '%s'); check the login shell's "
		    "startup files (~/.cshrc, ~/.bashrc, ~/.profile)",
		    timeout_ms / 1000, sb_str(first));
	return set_cause(cause, "agent did not start within %d s",
	    timeout_ms / 1000);
}

/* The channel ended before the agent announced itself: its login shell
 * exited (or never ran sh). */
static void
start_ended(char **cause, const struct strbuf *first)
{
	char *why;

	if (cause == NULL)
		return;
	why = *cause;
	*cause = NULL;
	set_cause(cause, "agent did not start: the login shell ended first "
	    "(%s)%s%s%s; check its startup files (~/.cshrc, ~/.bashrc, "
	    "~/.profile)", why != NULL ? why : "?",
	    first->len ? "; it printed '" : "", sb_str(first),
	    first->len ? "'" : "");
	free(why);
}

int
agent_start(struct dssh_chan *ch, const char *text, int timeout_ms,
    char **cause)
{
	struct strbuf line = STRBUF_INIT, first = STRBUF_INIT;
	char nonce[AGENT_NONCE_LEN + 1], head[AGENT_NONCE_LEN + 16];
	double until = now_mono() + timeout_ms / 1000.0;
	char *werr = NULL;
	size_t noise = 0;
	int rc, left;

	make_nonce(nonce);
	snprintf(head, sizeof head, "agent_nonce=%s\n", nonce);
	if (test_hook("late-agent"))	/* test only: the shell leaves first */
		sleep(1);
	/* A login shell that exits at once may close the channel before
	 * the agent's text is all written: what it printed and how it
	 * ended say why, so they are read either way. */
	if (dssh_chan_write(ch, head, strlen(head), &werr) == -1 ||
	    dssh_chan_write(ch, text, strlen(text), &werr) == -1)
		until = now_mono() + AGENT_GONE_WAIT_MS / 1000.0;
	for (;;) {
		left = (int)((until - now_mono()) * 1000.0);
		if (left <= 0 && werr != NULL) {
			rc = set_cause(cause, "%s", werr);
			break;
		}
		if (left <= 0 || noise > AGENT_NOISE_MAX) {
			rc = start_failed(cause, noise, &first, timeout_ms);
			break;
		}
		rc = dssh_chan_readline(ch, &line, left, cause);
		if (rc == -1) {
			start_ended(cause, &first);
			break;
		}
		if (rc == 1 && is_ready(sb_str(&line), nonce)) {
			rc = 0;
			break;
		}
		if (rc == 1) {	/* a login shell's banner, not the agent */
			note_noise(ch, &first, sb_str(&line));
			noise += line.len + 1;
		}
	}
	sb_release(&line);
	sb_release(&first);
	free(werr);
	return rc == 0 ? 0 : -1;
}
