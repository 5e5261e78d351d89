/*
 * ssh-internal.h - private definitions shared by ssh-*.c (the SSH layer);
 * everything else uses ssh.h only.
 */
#ifndef DIST_SSH_INTERNAL_H
#define DIST_SSH_INTERNAL_H

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include "ssh/ssh.h"

#define DSSH_STDERR_KEEP	4096		/* stderr bytes kept */
#define DSSH_LINE_MAX		(1024 * 1024)	/* longest line read */
#define DSSH_CLOSE_WAIT_MS	1000		/* for the status after EOF */
#define DSFTP_TRUSTED		8		/* dirs known ours alone */
#define DSSH_XFER_CHUNK		(128 * 1024)	/* 256 KiB: OpenSSH fails */

struct dist_ssh {
	ssh_session	 session;
	sftp_session	 sftp;		/* see dsftp_ready() */
	char		*name;		/* the machine's name */
	char		*host;		/* after ssh_config's HostName */
	int		 port;		/* after ssh_config's Port */
	char		*user;		/* login user, once connected */
	char		*label;		/* "name (host:port)" */
	struct ssh_callbacks_struct cb;	/* lives as long as the session */
	int		 asked;		/* a key wanted a passphrase */
	char		*locked;	/* which default key, if known */
	char		*home;		/* see dssh_expand_home() */
	char		*jump;		/* ProxyJump host, or NULL */
	char		*jump_log;	/* OpenSSH's messages, connecting */
	char		*trust_top;	/* dirs at or below: ours alone */
	long		 trust_uid;	/* (see dssh_sftp_trust) */
	char		*trusted[DSFTP_TRUSTED]; /* newest first */
	float		 progress;	/* libssh's connect status, 0..1 */
};

struct dssh_chan {
	struct dist_ssh	*s;
	ssh_channel	 channel;
	struct ssh_channel_callbacks_struct cb;	/* takes stderr as it comes */
	struct strbuf	 out;		/* stdout not yet returned as lines */
	struct strbuf	 err;		/* the last stderr bytes */
	int		 eof;
};

/* ssh-jump.c: ProxyJump as an OpenSSH ProxyCommand with our options */
int	 dssh_jump_configure(struct dist_ssh *, const struct dist_ssh_opts *,
	    long timeout, char **cause);
int	 dssh_jump_fail(struct dist_ssh *, char **cause);	/* -1 */
void	 dssh_jump_done(struct dist_ssh *);
/* ssh-watch.c: after how many seconds of silence the connection was cut
 * (0: it was not); forget it before its socket is closed. */
int	 dssh_watch_cut(const struct dist_ssh *);
void	 dssh_watch_forget(const struct dist_ssh *);

/* ssh-session.c */
int	 dssh_fail(struct dist_ssh *, char **cause, const char *, ...)
	    PRINTFLIKE(3, 4);
int	 dssh_fail_ssh(struct dist_ssh *, char **cause, const char *, ...)
	    PRINTFLIKE(3, 4);
void	 dssh_pump(struct dist_ssh *, int timeout_ms, int (*)(void *), void *);

/* ssh-sftp.c */
int	 dsftp_ready(struct dist_ssh *, char **cause);
const char *dsftp_path(const char *);
int	 dsftp_fail(struct dist_ssh *, char **cause, const char *op,
	    const char *path);
int	 dsftp_missing(struct dist_ssh *);

/* ssh-sftp-trust.c: under WORKDIR (dssh_sftp_trust), a directory that
 * exists must be ours alone.  _check: path, if it exists; _parents: every
 * directory from WORKDIR down to path's parent, up to the first missing
 * one; _add: path is ours (we made it). */
int	 dsftp_trust_check(struct dist_ssh *, const char *path, char **cause);
int	 dsftp_trust_parents(struct dist_ssh *, const char *path,
	    char **cause);
void	 dsftp_trust_add(struct dist_ssh *, const char *path);
void	 dsftp_trust_forget(struct dist_ssh *);

/* ssh-hostkey.c */
int	 dssh_check_hostkey(struct dist_ssh *, const struct dist_ssh_opts *,
	    char **cause);

/* ssh-auth.c */
int	 dssh_authenticate(struct dist_ssh *, const struct dist_ssh_opts *,
	    char **cause);

#endif
