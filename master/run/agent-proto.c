/*
 * agent-proto.c - encode and decode the master/agent line protocol.
 */
#include <string.h>

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

int
agent_start(struct dssh_chan *ch, const char *text, int timeout_ms,
    char **cause)
{
	struct strbuf line = STRBUF_INIT;
	int rc;

	if (dssh_chan_write(ch, text, strlen(text), cause) == -1)
		return -1;
	rc = dssh_chan_readline(ch, &line, timeout_ms, cause);
	if (rc == 0)
		set_cause(cause, "agent did not start within %d ms",
		    timeout_ms);
	else if (rc == 1 && strncmp(sb_str(&line), "ready " AGENT_PROTO_VERSION
	    " ", 8) != 0) {
		set_cause(cause, "agent did not start: '%.200s'", sb_str(&line));
		rc = -1;
	}
	sb_release(&line);
	return rc == 1 ? 0 : -1;
}
