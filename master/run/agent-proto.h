/*
 * agent-proto.h - the line protocol between the master and the resident
 * agent on a worker (client-scripts/agent.sh).
 *
 * Each line is "VERB" or "VERB ARG"; in ARG a backslash is written "\\"
 * and a newline "\n", nothing else is escaped.  The agent is started as
 * the fixed command "sh -s" and fed agent.sh on its standard input; it
 * answers "ready 1 PID NONCE" before anything else is sent.
 */
#ifndef DIST_AGENT_PROTO_H
#define DIST_AGENT_PROTO_H

#include "lib/lib.h"
#include "ssh/ssh.h"

#define AGENT_PROTO_VERSION "1"
#define AGENT_NONCE_LEN	32	/* hex digits */
#define AGENT_NOISE_MAX	(64 * 1024)	/* login shell bytes before giving up */
#define AGENT_GONE_WAIT_MS 2000	/* for the output of a shell that left */

/* Append "VERB[ ARG]\n" with ARG escaped. */
void	agent_line(struct strbuf *, const char *verb, const char *arg);
/* Decode an escaped ARG in place. */
void	agent_unescape(char *);
/* Split a received line into at most max space-separated fields (in
 * place, unescaped); returns the number of fields. */
size_t	agent_fields(char *line, char **fields, size_t max);

/* Start the agent on ch: send "agent_nonce=NONCE" and its text, wait
 * for "ready 1 PID NONCE".  Lines before it (a login shell's banner) are
 * logged at -v and skipped; a shell that ends first, prints without end
 * or never starts the agent is an error naming the startup files. */
int	agent_start(struct dssh_chan *, const char *agent_text, int timeout_ms,
	    char **cause);

#endif
