/*
 * ssh-resolve.c - what ssh_config makes of a machine line (HostName, User,
 * Port), read locally without connecting: for --dry-run, so that the plan
 * shows the host, user and port each machine will really use.
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ssh/ssh-internal.h"

static char *
local_user(void)
{
	struct passwd *pw = getpwuid(getuid());

	return xstrdup(pw != NULL ? pw->pw_name : "?");
}

void
dssh_resolve(const struct dist_machine *m, const struct dist_ssh_opts *opts,
    struct dssh_target *t)
{
	ssh_session s;
	char *v = NULL;
	unsigned int port = 22;

	memset(t, 0, sizeof *t);
	s = ssh_new();
	if (s == NULL || ssh_options_set(s, SSH_OPTIONS_HOST, m->host) != 0 ||
	    (opts->ssh_config != NULL && access(opts->ssh_config, R_OK) != 0) ||
	    ssh_options_parse_config(s, opts->ssh_config) != 0) {
		t->host = xstrdup(m->host);
		t->user = m->user != NULL ? xstrdup(m->user) : local_user();
		t->port = m->port != 0 ? m->port : 22;
		if (s != NULL)
			ssh_free(s);
		return;
	}
	if (ssh_options_get(s, SSH_OPTIONS_HOST, &v) == SSH_OK) {
		t->host = xstrdup(v);
		ssh_string_free_char(v);
	} else
		t->host = xstrdup(m->host);
	if (strcmp(t->host, m->host) != 0)
		t->from_config |= DSSH_FROM_HOST;
	if (m->user != NULL)
		t->user = xstrdup(m->user);
	else if (ssh_options_get(s, SSH_OPTIONS_USER, &v) == SSH_OK) {
		t->user = xstrdup(v);
		ssh_string_free_char(v);
		t->from_config |= DSSH_FROM_USER;
	} else
		t->user = local_user();
	(void)ssh_options_get_port(s, &port);
	t->port = m->port != 0 ? m->port : (int)port;
	if (m->port == 0 && port != 22)
		t->from_config |= DSSH_FROM_PORT;
	ssh_free(s);
}

void
dssh_target_free(struct dssh_target *t)
{
	free(t->host);
	free(t->user);
	memset(t, 0, sizeof *t);
}
