/*
 * machines.h - the machines file: which workers a run may use.
 *
 * One machine a line, GNU parallel's sshloginfile forms plus attributes:
 *
 *	[N/][user@]host[:port] [key=value ...]	# comment
 *
 * host may be a name, an IPv4 address, an IPv6 address in brackets
 * ([::1] or [::1]:2222) or a ClusterShell-style range (lab[01-03,07],
 * node[1-9]-pc[1-2]) that expands to one machine per name.  Blank lines
 * and # comments are ignored, CRLF line ends are tolerated.
 *
 * Usage: machines_load() (or machines_parse() on a buffer), read
 * m->v[0..m->n-1], machines_free().
 *
 * Errors are "FILE:LINE: message" ("FILE: no machines" for a file without
 * machines); on error *m is left empty.  Attribute keys are listed in one
 * table in machines.c; workdir, lockfile and benchdir must be absolute, "~"
 * or start with "~/" (the login user's home on that machine, resolved per
 * connection: dssh_expand_home()); "~user" is refused.  A machine may appear once: the key is (user, host
 * without case, port with 0 meaning 22), where no user@ is its own key ""
 * and not the local user's name.
 */
#ifndef DIST_MACHINES_H
#define DIST_MACHINES_H

#include <stddef.h>

struct dist_attr {
	char	*key;
	char	*value;
};

struct dist_machine {
	char		*name;		/* "[user@]host[:port]", unique, for display */
	char		*host;		/* name or address, without brackets */
	char		*user;		/* NULL: from ssh_config or the local user */
	int		 port;		/* 0: from ssh_config or 22 */
	int		 slots;		/* jobs at once, >= 1 */
	struct dist_attr *attrs;	/* key=value in file order */
	size_t		 nattrs;
	char		*file;		/* where it was defined */
	int		 line;
};

struct dist_machines {
	struct dist_machine	*v;
	size_t			 n;
};

int	machines_load(const char *path, struct dist_machines *, char **cause);
int	machines_parse(const char *name, const char *text, size_t len,
	    struct dist_machines *, char **cause);
void	machines_free(struct dist_machines *);
/* A worker path (workdir, lockfile, benchdir): absolute, "~" or "~/...";
 * -1 with a cause naming key and value. */
int	machine_check_path(const char *key, const char *value, char **cause);
/* path with a leading "~" or "~/" made home (an absolute path): a new
 * string; other paths are copied. */
char	*machine_path_at_home(const char *path, const char *home);
/* The value of attribute key, or NULL. */
const char *machine_attr(const struct dist_machine *, const char *key);
/* Expand one ClusterShell-style pattern; -1 with cause on bad syntax or
 * more than 100000 names. */
int	hostrange_expand(const char *pattern, char ***names, size_t *n,
	    char **cause);
void	hostrange_free(char **names, size_t n);

#endif
