/*
 * ssh-jump.c - ProxyJump through OpenSSH with our own options.
 *
 * libssh 0.10 turns a ProxyJump of ssh_config into the ProxyCommand
 *
 *	ssh [-l USER] [-p PORT] [-J NEXT] -W '[%h]:%p' JUMP
 *
 * run by $SHELL -c with stderr to /dev/null, and without -F: OpenSSH then
 * reads ~/.ssh/config, not --ssh-config, cannot resolve a jump alias
 * defined only there, checks the jump's key against its own known_hosts
 * and fails silently.  That command is recognised here (a ProxyCommand
 * written by the user is left alone) and rebuilt, every word quoted:
 *
 *	ssh -F FILE -o BatchMode=yes -o StrictHostKeyChecking=yes|accept-new
 *	    -o UserKnownHostsFile=KNOWN_HOSTS -o ConnectTimeout=N [-i ID]...
 *	    -E LOG [-l USER] [-p PORT] [-J NEXT] -W '[%h]:%p' JUMP
 *
 * so the jump host is resolved in the same file, authenticated with the
 * same keys and its key checked against the same known_hosts, with the
 * same policy, as the target.  OpenSSH's messages go to LOG, a private
 * temporary file, read back when the connection fails to say whether the
 * jump host or the target behind it failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "ssh/ssh-internal.h"

#define JUMP_WORDS	16	/* words in libssh's command, at most */

struct jump {
	const char	*user, *port, *next, *host;
};

/* Split libssh's command at single spaces (it writes them so). */
static size_t
split_words(char *s, char **w, size_t max)
{
	size_t n = 0;

	while (*s != '\0' && n < max) {
		w[n++] = s;
		if ((s = strchr(s, ' ')) == NULL)
			break;
		*s++ = '\0';
	}
	return s != NULL && *s != '\0' ? max + 1 : n;
}

/* 0 when cmd (modified) is libssh's ProxyJump command, else -1. */
static int
parse_jump(char *cmd, struct jump *j)
{
	char *w[JUMP_WORDS];
	size_t i = 1, n = split_words(cmd, w, JUMP_WORDS);

	memset(j, 0, sizeof *j);
	if (n > JUMP_WORDS || n < 4 || strcmp(w[0], "ssh") != 0)
		return -1;
	for (; i + 1 < n && w[i][0] == '-' && strcmp(w[i], "-W") != 0; i += 2) {
		if (strcmp(w[i], "-l") == 0 && j->user == NULL)
			j->user = w[i + 1];
		else if (strcmp(w[i], "-p") == 0 && j->port == NULL)
			j->port = w[i + 1];
		else if (strcmp(w[i], "-J") == 0 && j->next == NULL)
			j->next = w[i + 1];
		else
			return -1;
	}
	if (i + 3 != n || strcmp(w[i], "-W") != 0 ||
	    strcmp(w[i + 1], "'[%h]:%p'") != 0 || w[i + 2][0] == '-')
		return -1;
	j->host = w[i + 2];
	return 0;
}

/* A word for $SHELL -c after libssh's %-expansion: quoted, % doubled. */
static void
add_word(struct strbuf *sb, const char *opt, const char *value)
{
	struct strbuf v = STRBUF_INIT;
	char *q;

	for (; *value != '\0'; value++) {
		if (*value == '%')
			sb_addc(&v, '%');
		sb_addc(&v, *value);
	}
	q = sh_quote(sb_str(&v));
	if (opt != NULL)
		sb_addf(sb, " %s", opt);
	sb_addf(sb, " %s", q);
	free(q);
	sb_release(&v);
}

static void
build_command(struct strbuf *sb, const struct jump *j,
    const struct dist_ssh_opts *opts, const char *log, long timeout)
{
	size_t i;

	sb_adds(sb, "ssh");
	if (opts->ssh_config != NULL)
		add_word(sb, "-F", opts->ssh_config);
	sb_adds(sb, " -o BatchMode=yes");
	sb_addf(sb, " -o StrictHostKeyChecking=%s",
	    opts->accept_new ? "accept-new" : "yes");
	sb_addf(sb, " -o ConnectTimeout=%ld", timeout);
	if (opts->known_hosts != NULL) {
		char *kh = xasprintf("UserKnownHostsFile=%s",
		    opts->known_hosts);

		add_word(sb, "-o", kh);
		free(kh);
	}
	for (i = 0; i < opts->identities.n; i++)
		add_word(sb, "-i", opts->identities.v[i]);
	add_word(sb, "-E", log);
	if (j->user != NULL)
		add_word(sb, "-l", j->user);
	if (j->port != NULL)
		add_word(sb, "-p", j->port);
	if (j->next != NULL)
		add_word(sb, "-J", j->next);
	sb_adds(sb, " -W '[%h]:%p'");
	add_word(sb, "--", j->host);
}

/* libssh pastes the target's host name into -W '[%h]:%p' unquoted: only
 * a plain name or address may go there. */
static int
check_target(struct dist_ssh *s, char **cause)
{
	char *host = NULL;
	int ok;

	if (ssh_options_get(s->session, SSH_OPTIONS_HOST, &host) != SSH_OK)
		return dssh_fail(s, cause, "ProxyJump: no target host");
	ok = *host != '\0' && strspn(host, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:") == strlen(host);
	ssh_string_free_char(host);
	if (!ok)
		return dssh_fail(s, cause, "ProxyJump: the target's host name "
		    "is not a plain name or address");
	return 0;
}

/* A private, empty file for OpenSSH's messages. */
static char *
make_log(struct dist_ssh *s, char **cause)
{
	const char *tmp = getenv("TMPDIR");
	char *path;
	int fd;

	if (tmp == NULL || *tmp != '/')
		tmp = "/tmp";
	path = xasprintf("%s/distribute-jump-XXXXXX", tmp);
	if ((fd = mkstemp(path)) == -1) {
		dssh_fail(s, cause, "jump log '%s': %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

int
dssh_jump_configure(struct dist_ssh *s, const struct dist_ssh_opts *opts,
    long timeout, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	struct jump j;
	char *cmd = NULL;
	int rc;

	if (ssh_options_get(s->session, SSH_OPTIONS_PROXYCOMMAND, &cmd) !=
	    SSH_OK)
		return 0;	/* no ProxyCommand, no ProxyJump */
	if (parse_jump(cmd, &j) == -1) {
		ssh_string_free_char(cmd);
		return 0;	/* the user's own ProxyCommand */
	}
	s->jump = j.user != NULL ? xasprintf("%s@%s", j.user, j.host) :
	    xstrdup(j.host);
	if (check_target(s, cause) == -1 ||
	    (s->jump_log = make_log(s, cause)) == NULL) {
		ssh_string_free_char(cmd);
		return -1;
	}
	build_command(&sb, &j, opts, s->jump_log, timeout);
	ssh_string_free_char(cmd);
	debug("%s: proxy command: %s", s->name, sb_str(&sb));
	rc = ssh_options_set(s->session, SSH_OPTIONS_PROXYCOMMAND, sb_str(&sb));
	sb_release(&sb);
	if (rc != 0)
		return dssh_fail_ssh(s, cause, "ProxyJump '%s'", s->jump);
	return 0;
}

/* The last line OpenSSH wrote, without its line end; NULL if none. */
static char *
last_line(const char *path)
{
	char *data = NULL, *end, *start, *line = NULL;
	size_t len;

	if (read_file(path, &data, &len, NULL) == -1)
		return NULL;
	end = data + len;
	while (end > data && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	*end = '\0';
	start = end;
	while (start > data && start[-1] != '\n')
		start--;
	if (*start != '\0')
		line = xstrdup(start);
	free(data);
	return line;
}

/*
 * ssh_connect() failed: which host?  OpenSSH says "channel 0: open
 * failed" (or "stdio forwarding failed") when the jump host could not
 * reach the target; any other message is about the jump host itself.
 */
int
dssh_jump_fail(struct dist_ssh *s, char **cause)
{
	char *line;
	int rc;

	if (s->jump == NULL)
		return dssh_fail_ssh(s, cause, "connect");
	line = last_line(s->jump_log);
	if (line == NULL)
		rc = dssh_fail_ssh(s, cause, "connect through jump host '%s'",
		    s->jump);
	else if (strstr(line, "open failed") != NULL ||
	    strstr(line, "forwarding failed") != NULL)
		rc = dssh_fail(s, cause, "jump host '%s' could not reach the "
		    "target: %s", s->jump, line);
	else
		rc = dssh_fail(s, cause, "jump host '%s' failed: %s", s->jump,
		    line);
	free(line);
	return rc;
}

/* The log is needed only while connecting. */
void
dssh_jump_done(struct dist_ssh *s)
{
	if (s->jump_log == NULL)
		return;
	if (unlink(s->jump_log) == -1 && errno != ENOENT)
		debug("%s: %s: %s", s->name, s->jump_log, strerror(errno));
	free(s->jump_log);
	s->jump_log = NULL;
}
