/*
 * ssh-session.c - one libssh session per machine: options from the machine
 * line and ssh_config, connect, TCP keepalive, keepalive probes, labels
 * (the pings that tell a frozen machine, which needs an answer, are the
 * agent's: mconn.c).
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "ssh/ssh-internal.h"

#define DSSH_DEFAULT_TIMEOUT	30	/* seconds */
#define DSSH_KEEPALIVE_COUNT	3	/* unanswered probes before giving up */

/*
 * libssh needs ssh_init() once per process before any session; the only
 * process-wide state here, and it is write-once.
 */
static pthread_once_t dssh_once = PTHREAD_ONCE_INIT;

static void
dssh_init_once(void)
{
	ssh_init();
}

int
dssh_fail(struct dist_ssh *s, char **cause, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int cut = dssh_watch_cut(s);

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (cut > 0)	/* whatever failed, that is why */
		set_cause(cause, "%s: %s (nothing received for %d s, "
		    "connection cut: machine frozen?)", s->label != NULL ?
		    s->label : s->name, msg, cut);
	else
		set_cause(cause, "%s: %s", s->label != NULL ? s->label :
		    s->name, msg);
	free(msg);
	return -1;
}

/* Like dssh_fail, with libssh's last error appended. */
int
dssh_fail_ssh(struct dist_ssh *s, char **cause, const char *fmt, ...)
{
	va_list ap;
	const char *err;
	char *msg;
	int cut = dssh_watch_cut(s);

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	err = ssh_get_error(s->session);
	if (err == NULL || *err == '\0')
		err = "unknown error";
	if (cut > 0)
		set_cause(cause, "%s: %s: nothing received for %d s, connection "
		    "cut (machine frozen?)", s->label != NULL ? s->label :
		    s->name, msg, cut);
	else
		set_cause(cause, "%s: %s: %s", s->label != NULL ? s->label :
		    s->name, msg, err);
	free(msg);
	return -1;
}

/* True when the connection is gone (closed, reset, timed out). */
int
dssh_is_lost(struct dist_ssh *s)
{
	if (!ssh_is_connected(s->session))
		return 1;
	return (ssh_get_status(s->session) &
	    (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0;
}

/*
 * Order matters.  libssh 0.10 (src/config.c) lets HostName, Port,
 * UserKnownHostsFile and ConnectTimeout from ssh_config overwrite what is
 * already set, and applies User only when none is set.  So the host alias
 * goes first (Host blocks match it), then the file, then the machine line
 * and our options, which must win over the file.
 *
 * ProxyJump: libssh 0.10 turns it into a ProxyCommand running OpenSSH's
 * "ssh -W [%h]:%p JUMPHOST" without our -F, keys and known_hosts;
 * dssh_jump_configure() (ssh-jump.c) rebuilds that command with them, so
 * the jump alias resolves in the same file and the jump host's key is
 * checked against our known_hosts with our policy.
 */
static int
dssh_configure(struct dist_ssh *s, const struct dist_machine *m,
    const struct dist_ssh_opts *opts, char **cause)
{
	long timeout = opts->connect_timeout > 0 ? opts->connect_timeout :
	    DSSH_DEFAULT_TIMEOUT;
	int one = 1, port = m->port;

	if (ssh_options_set(s->session, SSH_OPTIONS_HOST, m->host) != 0)
		return dssh_fail_ssh(s, cause, "bad host '%s'", m->host);
	if (opts->ssh_config != NULL && access(opts->ssh_config, R_OK) != 0)
		return dssh_fail(s, cause, "ssh config '%s': %s",
		    opts->ssh_config, strerror(errno));
	if (ssh_options_parse_config(s->session, opts->ssh_config) != 0)
		return dssh_fail_ssh(s, cause, "ssh config");
	if (m->user != NULL &&
	    ssh_options_set(s->session, SSH_OPTIONS_USER, m->user) != 0)
		return dssh_fail_ssh(s, cause, "bad user '%s'", m->user);
	if (port > 0 &&
	    ssh_options_set(s->session, SSH_OPTIONS_PORT, &port) != 0)
		return dssh_fail_ssh(s, cause, "bad port %d", port);
	if (opts->known_hosts != NULL && ssh_options_set(s->session,
	    SSH_OPTIONS_KNOWNHOSTS, opts->known_hosts) != 0)
		return dssh_fail_ssh(s, cause, "known hosts '%s'",
		    opts->known_hosts);
	/* Our policy, not ssh_config's: unknown keys need opts->accept_new. */
	if (ssh_options_set(s->session, SSH_OPTIONS_STRICTHOSTKEYCHECK,
	    &one) != 0 ||
	    ssh_options_set(s->session, SSH_OPTIONS_TIMEOUT, &timeout) != 0 ||
	    ssh_options_set(s->session, SSH_OPTIONS_NODELAY, &one) != 0)
		return dssh_fail_ssh(s, cause, "ssh options");
	return dssh_jump_configure(s, opts, timeout, cause);
}

/* "name (host:port)" from the options as ssh_config left them. */
static void
dssh_set_label(struct dist_ssh *s)
{
	char *host = NULL, *hp;
	unsigned int port = 22;

	if (ssh_options_get(s->session, SSH_OPTIONS_HOST, &host) == SSH_OK) {
		s->host = xstrdup(host);
		ssh_string_free_char(host);
	} else
		s->host = xstrdup(s->name);
	(void)ssh_options_get_port(s->session, &port);
	s->port = (int)port;
	if (strchr(s->host, ':') != NULL)
		hp = xasprintf("[%s]:%d", s->host, s->port);
	else
		hp = xasprintf("%s:%d", s->host, s->port);
	if (strcmp(hp, s->name) == 0)
		s->label = xstrdup(s->name);
	else
		s->label = xasprintf("%s (%s)", s->name, hp);
	free(hp);
}

static void
dssh_sockopt(struct dist_ssh *s, int level, int name, int value)
{
	int fd = ssh_get_fd(s->session);

	if (setsockopt(fd, level, name, &value, sizeof value) != 0)
		debug("%s: setsockopt %d/%d: %s", s->label, level, name,
		    strerror(errno));
}

/*
 * Kernel keepalive, so that a machine that vanished silently is noticed
 * even while nothing is sent, and a bound on unacknowledged data
 * (TCP_USER_TIMEOUT) for when something is.  Not for a ProxyCommand pipe.
 */
static void
dssh_tcp_keepalive(struct dist_ssh *s, int secs)
{
	int fd = ssh_get_fd(s->session), domain = 0;
	socklen_t len = sizeof domain;

	if (secs <= 0 || fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 ||
	    (domain != AF_INET && domain != AF_INET6))
		return;
	dssh_sockopt(s, SOL_SOCKET, SO_KEEPALIVE, 1);
	dssh_sockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, secs);
	dssh_sockopt(s, IPPROTO_TCP, TCP_KEEPINTVL, secs);
	dssh_sockopt(s, IPPROTO_TCP, TCP_KEEPCNT, DSSH_KEEPALIVE_COUNT);
	dssh_sockopt(s, IPPROTO_TCP, TCP_USER_TIMEOUT,
	    secs * (DSSH_KEEPALIVE_COUNT + 1) * 1000);
}

static void
dssh_set_user(struct dist_ssh *s)
{
	char *user = NULL;

	if (ssh_options_get(s->session, SSH_OPTIONS_USER, &user) == SSH_OK) {
		s->user = xstrdup(user);
		ssh_string_free_char(user);
	} else
		s->user = xstrdup("");
}

/* libssh reports how far ssh_connect() got (0.2: TCP connected, 0.4: the
 * server's banner read, then the key exchange). */
static void
dssh_on_status(void *userdata, float status)
{
	struct dist_ssh *s = userdata;

	if (status > s->progress)
		s->progress = status;
}

/* Why ssh_connect() failed, in the terms of where it stopped. */
static int
dssh_connect_failed(struct dist_ssh *s, const struct dist_ssh_opts *opts,
    char **cause)
{
	const char *err = ssh_get_error(s->session);
	int secs = opts->connect_timeout > 0 ? opts->connect_timeout :
	    DSSH_DEFAULT_TIMEOUT;

	debug("%s: connect stopped at step %.2f: %s", s->label, s->progress,
	    err != NULL ? err : "?");
	if (s->jump != NULL)
		return dssh_jump_fail(s, cause);
	if (err != NULL && strstr(err, "Timeout") != NULL &&
	    s->progress >= 0.2f && s->progress < 0.4f)
		return dssh_fail(s, cause, "timeout at banner: the server "
		    "accepted the connection but sent no SSH banner within "
		    "%d s (a stopped sshd, or not an SSH server?)", secs);
	return dssh_fail_ssh(s, cause, "connect");
}

int
dssh_connect(const struct dist_machine *m, const struct dist_ssh_opts *opts,
    struct dist_ssh **out, char **cause)
{
	struct dist_ssh *s;
	int rc = -1;

	*out = NULL;
	pthread_once(&dssh_once, dssh_init_once);
	s = xcalloc(1, sizeof *s);
	s->name = xstrdup(m->name != NULL ? m->name : m->host);
	if ((s->session = ssh_new()) == NULL) {
		set_cause(cause, "%s: cannot create an ssh session", s->name);
		goto out;
	}
	if (dssh_configure(s, m, opts, cause) != 0)
		goto out;
	dssh_set_label(s);
	ssh_callbacks_init(&s->cb);
	s->cb.userdata = s;
	s->cb.connect_status_function = dssh_on_status;
	ssh_set_callbacks(s->session, &s->cb);
	if (ssh_connect(s->session) != SSH_OK) {
		dssh_connect_failed(s, opts, cause);
		goto out;
	}
	dssh_jump_done(s);
	dssh_tcp_keepalive(s, opts->keepalive);
	if (dssh_check_hostkey(s, opts, cause) != 0 ||
	    dssh_authenticate(s, opts, cause) != 0)
		goto out;
	dssh_set_user(s);
	*out = s;
	s = NULL;
	rc = 0;
out:
	if (s != NULL)
		dssh_close(s);
	return rc;
}

/* Free channels (dssh_chan_free) before closing their session. */
void
dssh_close(struct dist_ssh *s)
{
	if (s == NULL)
		return;
	dssh_watch_forget(s);
	if (s->sftp != NULL)
		sftp_free(s->sftp);
	if (s->session != NULL) {
		if (ssh_is_connected(s->session))
			ssh_disconnect(s->session);
		ssh_free(s->session);
	}
	free(s->name);
	free(s->host);
	free(s->user);
	free(s->label);
	free(s->locked);
	free(s->home);
	dssh_jump_done(s);
	free(s->jump);
	free(s->trust_top);
	dsftp_trust_forget(s);
	free(s);
}

const char *
dssh_user(const struct dist_ssh *s)
{
	return s->user != NULL ? s->user : "";
}

const char *
dssh_label(const struct dist_ssh *s)
{
	return s->label != NULL ? s->label : s->name;
}

/*
 * Process incoming packets for up to timeout_ms, or until done(arg); with
 * timeout 0, only what has arrived (a reset or EOF may sit behind packets
 * nobody asked for yet, such as OpenSSH's hostkeys-00 after login).
 */
void
dssh_pump(struct dist_ssh *s, int timeout_ms, int (*done)(void *), void *arg)
{
	double end = now_mono() + timeout_ms / 1000.0;
	ssh_event ev;
	int i, left, rc;

	if ((ev = ssh_event_new()) == NULL)
		return;
	if (ssh_event_add_session(ev, s->session) == SSH_OK) {
		for (i = 0; i < 1000 && !dssh_is_lost(s); i++) {
			if (done != NULL && done(arg))
				break;
			left = (int)((end - now_mono()) * 1000.0);
			rc = ssh_event_dopoll(ev, left > 0 ? left : 0);
			if (rc == SSH_ERROR || (rc == SSH_AGAIN && left <= 0))
				break;
		}
		ssh_event_remove_session(ev, s->session);
	}
	ssh_event_free(ev);
}

/*
 * An SSH_MSG_IGNORE costs the server nothing and needs no reply, so it
 * cannot tell a frozen peer (mconn_keepalive can).  If the peer is gone the connection is found closed or reset (at once when its
 * kernel said so, after TCP_USER_TIMEOUT when it vanished silently).
 */
int
dssh_keepalive(struct dist_ssh *s, char **cause)
{
	if (!dssh_is_lost(s)) {
		(void)ssh_send_ignore(s->session, "");
		dssh_pump(s, 0, NULL, NULL);
	}
	if (dssh_is_lost(s))
		return dssh_fail_ssh(s, cause, "connection lost");
	return 0;
}
