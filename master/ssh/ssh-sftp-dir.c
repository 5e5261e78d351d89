/*
 * ssh-sftp-dir.c - reading a worker directory over SFTP: its entries as
 * the server's lstat() sees them (OpenSSH's READDIR answers carry them, so
 * a listing is one round trip per ~100 entries, a symlink is never
 * followed) and a symlink's target as text.  Like every SFTP call, these
 * fail as a lost connection when the watch (ssh-watch.c) cuts a silent
 * machine.
 */
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>

#include "ssh/ssh-internal.h"

static enum dssh_ftype
ftype(const sftp_attributes a)
{
	switch (a->type) {
	case SSH_FILEXFER_TYPE_REGULAR:
		return DSSH_F_FILE;
	case SSH_FILEXFER_TYPE_DIRECTORY:
		return DSSH_F_DIR;
	case SSH_FILEXFER_TYPE_SYMLINK:
		return DSSH_F_SYMLINK;
	}
	if (!(a->flags & SSH_FILEXFER_ATTR_PERMISSIONS))
		return DSSH_F_OTHER;
	switch (a->permissions & S_IFMT) {
	case S_IFIFO:
		return DSSH_F_FIFO;
	case S_IFCHR:
	case S_IFBLK:
		return DSSH_F_DEVICE;
	case S_IFSOCK:
		return DSSH_F_SOCKET;
	}
	return DSSH_F_OTHER;
}

static void
dirent_set(struct dssh_dirent *d, const sftp_attributes a)
{
	d->name = xstrdup(a->name);
	d->type = ftype(a);
	d->size = (a->flags & SSH_FILEXFER_ATTR_SIZE) ? a->size : 0;
	d->mode = (a->flags & SSH_FILEXFER_ATTR_PERMISSIONS) ?
	    (uint32_t)(a->permissions & 07777) : 0644;
	d->mtime = (a->flags & SSH_FILEXFER_ATTR_ACMODTIME) ?
	    (int64_t)a->mtime : -1;
}

void
dssh_dirents_free(struct dssh_dirent *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(d[i].name);
	free(d);
}

/* Read dir's entries into *ents (*n of them) until its end or more
 * than max. */
static int
list_read(struct dist_ssh *s, sftp_dir dir, const char *path, size_t max,
    struct dssh_dirent **ents, size_t *n, char **cause)
{
	size_t cap = 0;
	sftp_attributes a;

	while ((a = sftp_readdir(s->sftp, dir)) != NULL) {
		if (a->name == NULL || strcmp(a->name, ".") == 0 ||
		    strcmp(a->name, "..") == 0) {
			sftp_attributes_free(a);
			continue;
		}
		if (*n == max) {
			sftp_attributes_free(a);
			return 1;
		}
		if (*n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			*ents = xreallocarray(*ents, cap, sizeof **ents);
		}
		dirent_set(&(*ents)[(*n)++], a);
		sftp_attributes_free(a);
	}
	if (!sftp_dir_eof(dir))
		return dsftp_fail(s, cause, "readdir", path);
	return 0;
}

int
dssh_sftp_list(struct dist_ssh *s, const char *path, size_t max,
    struct dssh_dirent **ents, size_t *n, char **cause)
{
	sftp_dir dir;
	int rc;

	*ents = NULL;
	*n = 0;
	if (dsftp_ready(s, cause) != 0)
		return -1;
	if ((dir = sftp_opendir(s->sftp, dsftp_path(path))) == NULL)
		return dsftp_fail(s, cause, "opendir", path);
	rc = list_read(s, dir, path, max, ents, n, cause);
	if (sftp_closedir(dir) != SSH_NO_ERROR && rc == 0)
		rc = dsftp_fail(s, cause, "closedir", path);
	if (rc == -1) {
		dssh_dirents_free(*ents, *n);
		*ents = NULL;
		*n = 0;
	}
	return rc;
}

int
dssh_sftp_readlink(struct dist_ssh *s, const char *path, char **target,
    char **cause)
{
	char *t;

	*target = NULL;
	if (dsftp_ready(s, cause) != 0)
		return -1;
	if ((t = sftp_readlink(s->sftp, dsftp_path(path))) == NULL)
		return dsftp_fail(s, cause, "readlink", path);
	*target = xstrdup(t);
	ssh_string_free_char(t);
	return 0;
}
