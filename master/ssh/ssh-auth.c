/*
 * ssh-auth.c - public key authentication: the -i identity files, then
 * ssh-agent, the default keys and ssh_config's IdentityFile.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ssh/ssh-internal.h"

/*
 * libssh asks for a passphrase: there is nobody to ask, so note which key
 * wanted one (for the error message) and decline.
 */
static int
auth_passphrase(const char *prompt, char *buf, size_t len, int echo,
    int verify, void *userdata)
{
	struct dist_ssh *s = userdata;
	char *id = NULL;

	(void)prompt;
	(void)buf;
	(void)len;
	(void)echo;
	(void)verify;
	s->asked = 1;
	if (s->locked == NULL &&
	    ssh_userauth_publickey_auto_get_current_identity(s->session,
	    &id) == SSH_OK) {
		s->locked = xstrdup(id);
		ssh_string_free_char(id);
	}
	return -1;
}

/* One -i file: SSH_AUTH_* from the server, or DENIED with a note. */
static int
auth_identity(struct dist_ssh *s, const char *file, struct strbuf *notes)
{
	ssh_key key = NULL;
	int rc;

	if (access(file, R_OK) != 0) {
		sb_addf(notes, "; identity '%s': %s", file, strerror(errno));
		return SSH_AUTH_DENIED;
	}
	s->asked = 0;
	rc = ssh_pki_import_privkey_file(file, NULL, auth_passphrase, s, &key);
	if (rc != SSH_OK) {
		if (s->asked)
			sb_addf(notes, "; identity '%s' is encrypted: load it "
			    "into ssh-agent (ssh-add) and drop -i", file);
		else
			sb_addf(notes, "; identity '%s': not a private key "
			    "libssh can read", file);
		return SSH_AUTH_DENIED;
	}
	rc = ssh_userauth_publickey(s->session, NULL, key);
	ssh_key_free(key);
	return rc;
}

static void
auth_methods(int methods, struct strbuf *sb)
{
	static const struct {
		int		 bit;
		const char	*name;
	} names[] = {
		{ SSH_AUTH_METHOD_PUBLICKEY, "publickey" },
		{ SSH_AUTH_METHOD_PASSWORD, "password" },
		{ SSH_AUTH_METHOD_INTERACTIVE, "keyboard-interactive" },
		{ SSH_AUTH_METHOD_HOSTBASED, "hostbased" },
		{ SSH_AUTH_METHOD_GSSAPI_MIC, "gssapi-with-mic" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (methods & names[i].bit)
			sb_addf(sb, "%s%s", sb->len ? ", " : "", names[i].name);
	}
	if (sb->len == 0)
		sb_adds(sb, "none");
}

/*
 * Name the IdentityFile that publickey_auto tried: libssh 0.10 tells only
 * the first of its list (ssh_config's IdentityFile when there is one, else
 * its first default key), and skips a missing file without a word.
 */
static void
auth_config_identity(struct dist_ssh *s, struct strbuf *tried,
    struct strbuf *notes)
{
	char *id = NULL;

	if (ssh_options_get(s->session, SSH_OPTIONS_IDENTITY, &id) != SSH_OK ||
	    id == NULL)
		return;
	sb_addf(tried, ", IdentityFile '%s'", id);
	if (access(id, R_OK) != 0)
		sb_addf(notes, "; IdentityFile '%s': %s", id, strerror(errno));
	ssh_string_free_char(id);
}

/* Everything after "none": 1 done, 0 denied, -1 error (cause set). */
static int
auth_publickey(struct dist_ssh *s, const struct dist_ssh_opts *opts,
    struct strbuf *tried, struct strbuf *notes, char **cause)
{
	size_t i;
	int rc;

	for (i = 0; i < opts->identities.n; i++) {
		sb_addf(tried, "identity '%s', ", opts->identities.v[i]);
		rc = auth_identity(s, opts->identities.v[i], notes);
		if (rc == SSH_AUTH_SUCCESS)
			return 1;
		if (rc == SSH_AUTH_ERROR || dssh_is_lost(s))
			return dssh_fail_ssh(s, cause, "authentication");
	}
	/* The agent first, then the default keys and IdentityFile. */
	sb_adds(tried, getenv("SSH_AUTH_SOCK") != NULL ?
	    "ssh-agent, default keys" : "default keys (no ssh-agent)");
	s->asked = 0;
	rc = ssh_userauth_publickey_auto(s->session, NULL, NULL);
	if (rc == SSH_AUTH_SUCCESS)
		return 1;
	if (rc == SSH_AUTH_ERROR || dssh_is_lost(s))
		return dssh_fail_ssh(s, cause, "authentication");
	auth_config_identity(s, tried, notes);
	if (s->asked)
		sb_addf(notes, "; key '%s' is encrypted: load it into "
		    "ssh-agent (ssh-add)", s->locked != NULL ? s->locked : "?");
	return 0;
}

/*
 * The -i files go before the agent: sshd stops after MaxAuthTries (6)
 * refused keys, and an agent holding several other keys would use them up.
 */
int
dssh_authenticate(struct dist_ssh *s, const struct dist_ssh_opts *opts,
    char **cause)
{
	struct strbuf tried = STRBUF_INIT, notes = STRBUF_INIT;
	struct strbuf offered = STRBUF_INIT;
	char *user = NULL;
	int rc, methods;

	ssh_callbacks_init(&s->cb);
	s->cb.userdata = s;
	s->cb.auth_function = auth_passphrase;
	ssh_set_callbacks(s->session, &s->cb);
	rc = ssh_userauth_none(s->session, NULL);
	if (rc == SSH_AUTH_SUCCESS)
		return 0;
	if (rc == SSH_AUTH_ERROR)
		return dssh_fail_ssh(s, cause, "authentication");
	methods = ssh_userauth_list(s->session, NULL);
	auth_methods(methods, &offered);
	rc = -1;
	if (!(methods & SSH_AUTH_METHOD_PUBLICKEY)) {
		dssh_fail(s, cause, "server does not accept public keys (it "
		    "offers %s)", sb_str(&offered));
		goto out;
	}
	rc = auth_publickey(s, opts, &tried, &notes, cause);
	if (rc == 1) {
		rc = 0;
		goto out;
	}
	if (rc == 0) {
		if (ssh_options_get(s->session, SSH_OPTIONS_USER, &user) !=
		    SSH_OK)
			user = NULL;
		dssh_fail(s, cause, "authentication failed for user '%s' "
		    "(tried %s; server offers %s)%s", user != NULL ? user : "?",
		    sb_str(&tried), sb_str(&offered), sb_str(&notes));
		ssh_string_free_char(user);
		rc = -1;
	}
out:
	sb_release(&tried);
	sb_release(&notes);
	sb_release(&offered);
	return rc;
}
