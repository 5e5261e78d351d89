/*
 * ssh-sftp-trust.c - the directories SFTP writes into under WORKDIR must
 * be ours alone: owned by the login user, not writable by group or others
 * (WORKDIR often sits in world-writable /var/tmp, where anyone can make
 * it first).  dssh_sftp_mkdir_p refuses such a directory rather than use
 * it.  What is known to be ours (checked, or made by us) is remembered,
 * so a job's directories cost no extra round trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh/ssh-internal.h"

void
dssh_sftp_trust(struct dist_ssh *s, const char *top, long uid)
{
	char *t = xstrdup(dsftp_path(top));
	size_t len = strlen(t);

	while (len > 1 && t[len - 1] == '/')
		t[--len] = '\0';
	free(s->trust_top);
	s->trust_top = t;
	s->trust_uid = uid;
	dsftp_trust_forget(s);
}

void
dsftp_trust_forget(struct dist_ssh *s)
{
	for (size_t i = 0; i < DSFTP_TRUSTED; i++) {
		free(s->trusted[i]);
		s->trusted[i] = NULL;
	}
}

/* Is a the prefix of b, at a path component's end? */
static int
is_below(const char *a, const char *b)
{
	size_t n = strlen(a);

	return strncmp(a, b, n) == 0 && (b[n] == '/' || b[n] == '\0');
}

/* Is path (or a directory below it) known to be ours alone, with every
 * directory from WORKDIR down to it? */
static int
dsftp_trusted(const struct dist_ssh *s, const char *path)
{
	for (size_t i = 0; i < DSFTP_TRUSTED; i++)
		if (s->trusted[i] != NULL && is_below(path, s->trusted[i]))
			return 1;
	return 0;
}

/* path is ours alone (and so is every directory above it up to WORKDIR):
 * remember it in place of what it covers, or of the oldest entry. */
void
dsftp_trust_add(struct dist_ssh *s, const char *path)
{
	size_t i, slot = DSFTP_TRUSTED - 1;

	if (s->trust_top == NULL || !is_below(s->trust_top, path))
		return;
	for (i = 0; i < DSFTP_TRUSTED; i++)
		if (s->trusted[i] == NULL || is_below(s->trusted[i], path)) {
			slot = i;
			break;
		}
	free(s->trusted[slot]);
	memmove(&s->trusted[1], &s->trusted[0], slot * sizeof s->trusted[0]);
	s->trusted[0] = xstrdup(path);
}

static const char *
owner_name(const sftp_attributes a, char *buf, size_t len)
{
	if (a->owner != NULL && *a->owner != '\0')
		return a->owner;
	snprintf(buf, len, "uid %lu", (unsigned long)a->uid);
	return buf;
}

/* a (of path; a symlink when link) is ours, and a directory only we can
 * write unless it is the link. */
static int
dsftp_attr_ours(struct dist_ssh *s, const sftp_attributes a,
    const char *path, int link, char **cause)
{
	char buf[32];

	if ((long)a->uid != s->trust_uid)
		return dssh_fail(s, cause, "'%s' is owned by %s, not by the "
		    "login user (uid %ld): refused", path,
		    owner_name(a, buf, sizeof buf), s->trust_uid);
	if (link)
		return 0;
	if (a->type != SSH_FILEXFER_TYPE_DIRECTORY)
		return dssh_fail(s, cause, "'%s' exists and is not a directory",
		    path);
	if ((a->permissions & 022) != 0)
		return dssh_fail(s, cause, "'%s' (owner %s, mode %03o) is "
		    "writable by group or others: refused", path,
		    owner_name(a, buf, sizeof buf),
		    (unsigned)(a->permissions & 0777));
	return 0;
}

/* 1 path is a directory of ours alone (a symlink of ours to one), 0 it
 * is missing, -1 it is not ours alone, or an error. */
static int
dsftp_dir_ours(struct dist_ssh *s, const char *path, char **cause)
{
	sftp_attributes a = sftp_lstat(s->sftp, path);
	int rc;

	if (a == NULL)
		return dsftp_missing(s) ? 0 : dsftp_fail(s, cause, "stat",
		    path);
	if (a->type == SSH_FILEXFER_TYPE_SYMLINK) {
		rc = dsftp_attr_ours(s, a, path, 1, cause);
		sftp_attributes_free(a);
		if (rc == -1)
			return -1;
		if ((a = sftp_stat(s->sftp, path)) == NULL)
			return dsftp_fail(s, cause, "stat", path);
	}
	rc = dsftp_attr_ours(s, a, path, 0, cause);
	sftp_attributes_free(a);
	return rc == -1 ? -1 : 1;
}

int
dsftp_trust_check(struct dist_ssh *s, const char *path, char **cause)
{
	int rc;

	if (s->trust_top == NULL || !is_below(s->trust_top, path) ||
	    dsftp_trusted(s, path))
		return 0;
	if ((rc = dsftp_dir_ours(s, path, cause)) == -1)
		return -1;
	if (rc == 1)
		dsftp_trust_add(s, path);
	return 0;
}

int
dsftp_trust_parents(struct dist_ssh *s, const char *path, char **cause)
{
	size_t tl, i;
	char *p;
	int rc = 1;

	if (s->trust_top == NULL || !is_below(s->trust_top, path))
		return 0;
	tl = strlen(s->trust_top);
	p = xstrdup(path);
	/* WORKDIR, then each directory below it, down to path's parent */
	for (i = tl; p[i] != '\0' && rc == 1; i++) {
		if (p[i] != '/' || i == 0)
			continue;
		p[i] = '\0';
		if (dsftp_trusted(s, p))
			rc = 1;
		else if ((rc = dsftp_dir_ours(s, p, cause)) == 1)
			dsftp_trust_add(s, p);
		p[i] = '/';
	}
	free(p);
	return rc == -1 ? -1 : 0;
}
