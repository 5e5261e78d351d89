/*
 * ssh-sftp.c - SFTP over the machine's session, opened on first use: paths,
 * errors, mkdir -p, stat and remove.  Uploads: ssh-sftp-put.c; downloads:
 * ssh-sftp-get.c.
 */
#include <stdlib.h>
#include <string.h>

#include "ssh/ssh-internal.h"

#define SFTP_MKDIR_MAX	64	/* path components mkdir_p creates */

/* The SFTP subsystem, started on first use and kept. */
int
dsftp_ready(struct dist_ssh *s, char **cause)
{
	if (s->sftp != NULL)
		return 0;
	if ((s->sftp = sftp_new(s->session)) == NULL)
		return dssh_fail_ssh(s, cause, "sftp");
	if (sftp_init(s->sftp) != SSH_OK) {
		dssh_fail_ssh(s, cause, "sftp");
		sftp_free(s->sftp);
		s->sftp = NULL;
		return -1;
	}
	return 0;
}

/* "~" and "~/x" are the home directory, where relative SFTP paths start. */
const char *
dsftp_path(const char *path)
{
	if (strcmp(path, "~") == 0)
		return ".";
	if (strncmp(path, "~/", 2) != 0)
		return path;
	path += 2;
	while (*path == '/')
		path++;
	return *path != '\0' ? path : ".";
}

/* The message for SFTP status code, as libssh recorded it for the last
 * call when it is that call's. */
static const char *
dsftp_errstr(struct dist_ssh *s, int code)
{
	const char *e;

	if (dssh_is_lost(s))
		return "connection lost";
	switch (code) {
	case SSH_FX_NO_SUCH_FILE:
	case SSH_FX_NO_SUCH_PATH:
		return "No such file or directory";
	case SSH_FX_PERMISSION_DENIED:
		return "Permission denied";
	case SSH_FX_FILE_ALREADY_EXISTS:
		return "File exists";
	case SSH_FX_OP_UNSUPPORTED:
		return "Operation not supported by the server";
	case SSH_FX_EOF:
		return "Unexpected end of file";
	}
	if (code != sftp_get_error(s->sftp))
		return "failure";
	e = ssh_get_error(s->session);
	if (e != NULL && strncmp(e, "SFTP server: ", 13) == 0)
		e += 13;
	return e != NULL && *e != '\0' ? e : "failure";
}

static int
dsftp_fail_code(struct dist_ssh *s, char **cause, const char *op,
    const char *path, int code)
{
	return dssh_fail(s, cause, "sftp %s '%s': %s", op, path,
	    dsftp_errstr(s, code));
}

int
dsftp_fail(struct dist_ssh *s, char **cause, const char *op, const char *path)
{
	return dsftp_fail_code(s, cause, op, path, sftp_get_error(s->sftp));
}

int
dsftp_missing(struct dist_ssh *s)
{
	int e = sftp_get_error(s->sftp);

	return !dssh_is_lost(s) &&
	    (e == SSH_FX_NO_SUCH_FILE || e == SSH_FX_NO_SUCH_PATH);
}

/* 1 a directory, 0 missing, -1 something else is there or error. */
static int
dsftp_isdir(struct dist_ssh *s, const char *path, char **cause)
{
	sftp_attributes a = sftp_stat(s->sftp, path);
	int type;

	if (a == NULL)
		return dsftp_missing(s) ? 0 :
		    dsftp_fail(s, cause, "stat", path);
	type = a->type;
	sftp_attributes_free(a);
	if (type != SSH_FILEXFER_TYPE_DIRECTORY)
		return dssh_fail(s, cause, "'%s' exists and is not a directory",
		    path);
	return 1;
}

/* mkdir path; 0 if it is (now) a directory, else the error of mkdir.  One
 * that was there already must be ours alone (see ssh-sftp-trust.c). */
static int
dsftp_mkdir_one(struct dist_ssh *s, const char *path, int *code,
    char **cause)
{
	int rc;

	if (sftp_mkdir(s->sftp, path, 0755) == 0) {
		dsftp_trust_add(s, path);
		return 0;
	}
	*code = sftp_get_error(s->sftp);
	if ((rc = dsftp_isdir(s, path, cause)) != 0)
		return rc < 0 ? -1 : dsftp_trust_check(s, path, cause);
	return 1;	/* still missing; *code says why */
}

/* mkdir path, creating missing parents first (deepest existing one up). */
static int
dsftp_mkdir_rec(struct dist_ssh *s, const char *path, int depth, char **cause)
{
	char *parent, *slash;
	int rc, code = SSH_FX_FAILURE;

	if ((rc = dsftp_mkdir_one(s, path, &code, cause)) <= 0)
		return rc;
	parent = xstrdup(path);
	slash = strrchr(parent, '/');
	if (code != SSH_FX_NO_SUCH_FILE || slash == NULL || slash == parent ||
	    depth >= SFTP_MKDIR_MAX) {
		free(parent);
		return dsftp_fail_code(s, cause, "mkdir", path, code);
	}
	while (slash > parent + 1 && slash[-1] == '/')
		slash--;
	*slash = '\0';
	rc = dsftp_mkdir_rec(s, parent, depth + 1, cause);
	free(parent);
	if (rc != 0)
		return -1;
	if ((rc = dsftp_mkdir_one(s, path, &code, cause)) <= 0)
		return rc;
	return dsftp_fail_code(s, cause, "mkdir", path, code);
}

int
dssh_sftp_mkdir_p(struct dist_ssh *s, const char *path, char **cause)
{
	char *p;
	size_t len;
	int rc;

	if (dsftp_ready(s, cause) != 0)
		return -1;
	p = xstrdup(dsftp_path(path));
	len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	if (strcmp(p, "/") == 0 || strcmp(p, ".") == 0)
		rc = 0;
	else if ((rc = dsftp_trust_parents(s, p, cause)) == 0)
		rc = dsftp_mkdir_rec(s, p, 0, cause);
	free(p);
	return rc;
}

int
dssh_sftp_stat(struct dist_ssh *s, const char *path, uint64_t *size,
    char **cause)
{
	sftp_attributes a;

	if (dsftp_ready(s, cause) != 0)
		return -1;
	if ((a = sftp_stat(s->sftp, dsftp_path(path))) == NULL)
		return dsftp_missing(s) ? 0 :
		    dsftp_fail(s, cause, "stat", path);
	if (size != NULL)
		*size = a->size;
	sftp_attributes_free(a);
	return 1;
}

/* A file that is not there is removed already. */
int
dssh_sftp_remove(struct dist_ssh *s, const char *path, char **cause)
{
	if (dsftp_ready(s, cause) != 0)
		return -1;
	if (sftp_unlink(s->sftp, dsftp_path(path)) == 0 || dsftp_missing(s))
		return 0;
	return dsftp_fail(s, cause, "remove", path);
}

static int
dssh_home(struct dist_ssh *s, char **cause)
{
	char *h;
	int abs;

	if (s->home != NULL)
		return 0;
	if (dsftp_ready(s, cause) == -1)
		return -1;
	if ((h = sftp_canonicalize_path(s->sftp, ".")) == NULL)
		return dssh_fail_ssh(s, cause, "sftp: cannot tell the home "
		    "directory");
	abs = h[0] == '/';
	if (abs)
		s->home = xstrdup(h);
	ssh_string_free_char(h);
	if (!abs)
		return dssh_fail(s, cause, "sftp: the home directory is not "
		    "an absolute path");
	return 0;
}

int
dssh_expand_home(struct dist_ssh *s, const char *path, char **out,
    char **cause)
{
	*out = NULL;
	if (path[0] != '~') {
		*out = xstrdup(path);
		return 0;
	}
	if (path[1] != '\0' && path[1] != '/')
		return dssh_fail(s, cause, "'%s': only '~' and '~/...' (the "
		    "login user's home) are understood", path);
	if (dssh_home(s, cause) == -1)
		return -1;
	*out = machine_path_at_home(path, s->home);
	return 0;
}

const char *
dssh_home_known(const struct dist_ssh *s)
{
	return s->home;
}
