/*
 * ssh-hostkey.c - check the server's host key against known_hosts: go on
 * with a known key, record an unknown one only when asked, always refuse
 * a changed one.
 *
 * Like OpenSSH, libssh also accepts keys from the global file
 * (/etc/ssh/ssh_known_hosts, or ssh_config's GlobalKnownHostsFile); new
 * keys go to the user's file, unhashed ("[host]:port type key").
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh/ssh-internal.h"

/* "SHA256:... (ssh-ed25519)", like OpenSSH prints it. */
static char *
hostkey_describe(ssh_key key)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp, *desc;
	const char *type = ssh_key_type_to_char(ssh_key_type(key));

	if (type == NULL)
		type = "unknown type";
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &hlen) != 0)
		return xasprintf("(no fingerprint) (%s)", type);
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ssh_clean_pubkey_hash(&hash);
	desc = xasprintf("%s (%s)", fp != NULL ? fp : "(no fingerprint)", type);
	ssh_string_free_char(fp);
	return desc;
}

/* The name known_hosts files use: "host", or "[host]:port" off port 22. */
static char *
hostkey_hostport(const struct dist_ssh *s)
{
	char *host = xstrdup(s->host), *p;

	for (p = host; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (s->port == 22)
		return host;
	p = xasprintf("[%s]:%d", host, s->port);
	free(host);
	return p;
}

/*
 * "FILE:LINE" of the entry for hostport in file, preferring one of the
 * server key's type; NULL when there is none.
 */
static char *
hostkey_find_entry(const char *file, const char *hostport,
    enum ssh_keytypes_e type)
{
	struct ssh_knownhosts_entry *e;
	FILE *f;
	char *line = NULL, *where = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, exact = 0;

	if (file == NULL || (f = fopen(file, "r")) == NULL)
		return NULL;
	while (!exact && (n = getline(&line, &cap, f)) != -1) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[strspn(line, " \t")] == '#')
			continue;
		e = NULL;
		if (ssh_known_hosts_parse_line(hostport, line, &e) == SSH_OK &&
		    e != NULL) {
			exact = ssh_key_type(e->publickey) == type;
			if (exact || where == NULL) {
				free(where);
				where = xasprintf("%s:%d", file, lineno);
			}
		}
		ssh_knownhosts_entry_free(e);
	}
	free(line);
	fclose(f);
	return where;
}

static char *
hostkey_option(struct dist_ssh *s, enum ssh_options_e opt)
{
	char *v = NULL, *copy;

	if (ssh_options_get(s->session, opt, &v) != SSH_OK || v == NULL)
		return NULL;
	copy = xstrdup(v);
	ssh_string_free_char(v);
	return copy;
}

static int
hostkey_changed(struct dist_ssh *s, const char *desc, const char *hostport,
    enum ssh_keytypes_e type, int other, char **cause)
{
	char *file = hostkey_option(s, SSH_OPTIONS_KNOWNHOSTS);
	char *global = hostkey_option(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS);
	char *where, *qhost, *qfile;

	if ((where = hostkey_find_entry(file, hostport, type)) == NULL)
		where = hostkey_find_entry(global, hostport, type);
	qhost = sh_quote(hostport);
	qfile = sh_quote(file != NULL ? file : "~/.ssh/known_hosts");
	dssh_fail(s, cause, "host key CHANGED: %s; expected %sthe key in %s; "
	    "possible man-in-the-middle attack, not connecting; if the change "
	    "is legitimate, remove the old key with: ssh-keygen -R %s -f %s",
	    desc, other ? "a key of another type, " : "",
	    where != NULL ? where : (file != NULL ? file : "known_hosts"),
	    qhost, qfile);
	free(qhost);
	free(qfile);
	free(where);
	free(file);
	free(global);
	return -1;
}

static int
hostkey_unknown(struct dist_ssh *s, const char *desc, char **cause)
{
	char *file = hostkey_option(s, SSH_OPTIONS_KNOWNHOSTS);
	char *qhost = sh_quote(s->host);
	char *qfile = sh_quote(file != NULL ? file : "~/.ssh/known_hosts");
	char *port = s->port == 22 ? xstrdup("") : xasprintf("-p %d ", s->port);

	dssh_fail(s, cause, "unknown host key %s; verify it, then rerun with "
	    "--accept-new-host-keys or add it with: ssh-keyscan %s%s >> %s",
	    desc, port, qhost, qfile);
	free(port);
	free(qhost);
	free(qfile);
	free(file);
	return -1;
}

int
dssh_check_hostkey(struct dist_ssh *s, const struct dist_ssh_opts *opts,
    char **cause)
{
	ssh_key key = NULL;
	char *desc = NULL, *hostport = NULL;
	enum ssh_known_hosts_e state;
	int rc = -1;

	if (ssh_get_server_publickey(s->session, &key) != SSH_OK)
		return dssh_fail_ssh(s, cause, "no host key");
	desc = hostkey_describe(key);
	hostport = hostkey_hostport(s);
	state = ssh_session_is_known_server(s->session);
	switch (state) {
	case SSH_KNOWN_HOSTS_OK:
		rc = 0;
		break;
	case SSH_KNOWN_HOSTS_CHANGED:
	case SSH_KNOWN_HOSTS_OTHER:
		hostkey_changed(s, desc, hostport, ssh_key_type(key),
		    state == SSH_KNOWN_HOSTS_OTHER, cause);
		break;
	case SSH_KNOWN_HOSTS_NOT_FOUND:
	case SSH_KNOWN_HOSTS_UNKNOWN:
		if (!opts->accept_new)
			hostkey_unknown(s, desc, cause);
		else if (ssh_session_update_known_hosts(s->session) != SSH_OK)
			dssh_fail_ssh(s, cause, "cannot record host key %s",
			    desc);
		else
			rc = 0;
		break;
	default:
		dssh_fail_ssh(s, cause, "cannot check host key %s", desc);
		break;
	}
	ssh_key_free(key);
	free(desc);
	free(hostport);
	return rc;
}
