/*
 * ssh.h - one libssh connection per machine: connect, host key check,
 * authentication, one exec channel (the worker's agent) and SFTP.
 *
 * A struct dist_ssh is used by one thread at a time.
 *
 *	dssh_connect(machine, opts, &s, &cause);
 *	dssh_exec(s, "sh -s", &ch, &cause);	 fixed command, no user data
 *	dssh_chan_write(ch, ...); dssh_chan_readline(ch, &line, ms, &cause);
 *	dssh_sftp_put_file(s, local, remote, &sent, &cause);
 *	dssh_chan_free(ch); dssh_close(s);
 *
 * Host keys are checked against opts->known_hosts (default
 * ~/.ssh/known_hosts): an unknown key is refused with its SHA256
 * fingerprint and how to accept it, unless opts->accept_new, which
 * records it; a changed key is always refused.
 */
#ifndef DIST_SSH_H
#define DIST_SSH_H

#include <stddef.h>
#include <stdint.h>

#include "input/input.h"
#include "lib/lib.h"

struct dist_ssh_opts {
	const char	*ssh_config;	/* NULL: ~/.ssh/config */
	const char	*known_hosts;	/* NULL: ~/.ssh/known_hosts */
	struct strvec	 identities;	/* -i FILE, tried before the agent */
	int		 accept_new;	/* record unknown host keys */
	int		 connect_timeout; /* seconds, default 30 */
	int		 keepalive;	/* seconds between keepalives, 0: off */
};

struct dist_ssh;
struct dssh_chan;

int	 dssh_connect(const struct dist_machine *, const struct dist_ssh_opts *,
	    struct dist_ssh **, char **cause);
void	 dssh_close(struct dist_ssh *);	/* free its channels first */
int	 dssh_is_lost(struct dist_ssh *);	/* closed, reset, cut */
const char *dssh_user(const struct dist_ssh *);	/* the login user */
const char *dssh_label(const struct dist_ssh *);	/* "name (host:port)" */

/* What ssh_config makes of machine m, read locally (for --dry-run): the
 * host, user (else the local user, as libssh takes it) and port. */
#define DSSH_FROM_HOST	0x1	/* from_config: HostName */
#define DSSH_FROM_USER	0x2	/* User */
#define DSSH_FROM_PORT	0x4	/* Port */
struct dssh_target {
	char		*host;
	char		*user;
	int		 port;
	unsigned	 from_config;
};
void	 dssh_resolve(const struct dist_machine *, const struct dist_ssh_opts *,
	    struct dssh_target *);
void	 dssh_target_free(struct dssh_target *);

/* Exec channel.  cmd must be a fixed string: no user data in it. */
int	 dssh_exec(struct dist_ssh *, const char *cmd, struct dssh_chan **,
	    char **cause);
int	 dssh_chan_write(struct dssh_chan *, const void *, size_t, char **cause);
/* 1: a line in *line (without "\n"); 0: nothing within timeout_ms
 * (negative: no limit); -1: EOF or error (cause says which, with the exit
 * status when known and the tail of the channel's stderr). */
int	 dssh_chan_readline(struct dssh_chan *, struct strbuf *line,
	    int timeout_ms, char **cause);
void	 dssh_chan_free(struct dssh_chan *);
const char *dssh_chan_label(const struct dssh_chan *);	/* its session's */
/* From now on, cut the connection (shut its socket down, so that a call
 * blocked on it fails as a lost connection) when its peer sends nothing
 * for secs seconds; 0: no longer.  For the phases where the peer is bound
 * to talk (pings answered, SFTP replies): libssh 0.10 itself would wait
 * for ever on a stopped sshd (ssh-watch.c). */
void	 dssh_watch(struct dist_ssh *, int secs);
/* Send a keepalive; -1 when the connection is gone. */
int	 dssh_keepalive(struct dist_ssh *, char **cause);

/* SFTP; paths are worker paths (relative ones and "~/..." are relative to
 * home). */
int	 dssh_sftp_mkdir_p(struct dist_ssh *, const char *path, char **cause);
/* From now on, mkdir_p refuses a directory at or below top (WORKDIR) that
 * is not owned by uid or that group or others can write. */
void	 dssh_sftp_trust(struct dist_ssh *, const char *top, long uid);
/* 1 exists (size in *size), 0 missing, -1 error. */
int	 dssh_sftp_stat(struct dist_ssh *, const char *path, uint64_t *size,
	    char **cause);
/* Upload under a temporary name beside remote, then rename. */
int	 dssh_sftp_put_file(struct dist_ssh *, const char *local,
	    const char *remote, int mode, uint64_t *sent, char **cause);
int	 dssh_sftp_put_mem(struct dist_ssh *, const void *, size_t,
	    const char *remote, int mode, char **cause);
/* Download to local (created/truncated); refuses files over max bytes
 * (0: no limit); a failed download leaves no local file. */
int	 dssh_sftp_get_file(struct dist_ssh *, const char *remote,
	    const char *local, uint64_t max, uint64_t *got, char **cause);
/* The same into fd, an open local file; size: the bytes to read, as a
 * listing gave them (no stat of the file: one round trip less), or
 * DSSH_SIZE_UNKNOWN to stat it (then only a regular file is read). */
#define DSSH_SIZE_UNKNOWN	UINT64_MAX
int	 dssh_sftp_get_fd(struct dist_ssh *, const char *remote, int fd,
	    uint64_t size, uint64_t max, uint64_t *got, char **cause);
/* A small file (at most max bytes, else an error) into *buf (allocated,
 * one byte of room after it), *len bytes. */
int	 dssh_sftp_get_mem(struct dist_ssh *, const char *remote, size_t max,
	    char **buf, size_t *len, char **cause);
/* An entry of a worker directory, as the server's lstat() saw it. */
enum dssh_ftype {
	DSSH_F_FILE, DSSH_F_DIR, DSSH_F_SYMLINK, DSSH_F_FIFO, DSSH_F_DEVICE,
	DSSH_F_SOCKET, DSSH_F_OTHER
};
struct dssh_dirent {
	char		*name;		/* one component */
	enum dssh_ftype	 type;
	uint64_t	 size;
	uint32_t	 mode;		/* permission bits */
	int64_t		 mtime;		/* epoch seconds, -1 unknown */
};
/* The entries of directory path ("." and ".." left out) into *ents, *n
 * of them: 0 all, 1 there are more than max (the first max listed), -1
 * error.  Free with dssh_dirents_free. */
int	 dssh_sftp_list(struct dist_ssh *, const char *path, size_t max,
	    struct dssh_dirent **ents, size_t *n, char **cause);
void	 dssh_dirents_free(struct dssh_dirent *, size_t n);
/* A symlink's target, as text (never followed), into *target. */
int	 dssh_sftp_readlink(struct dist_ssh *, const char *path,
	    char **target, char **cause);
/* A missing file is not an error. */
int	 dssh_sftp_remove(struct dist_ssh *, const char *path, char **cause);
/* path with "~" or "~/..." made the login user's home on that machine (the
 * SFTP server's start directory, asked once per connection) into *out, a
 * new string; other paths are copied.  "~user" is refused. */
int	 dssh_expand_home(struct dist_ssh *, const char *path, char **out,
	    char **cause);
/* The home once dssh_expand_home() asked for it, else NULL. */
const char *dssh_home_known(const struct dist_ssh *);

#endif
