/*
 * dist-helper-recycle.c - a collected job's directory made ready for the
 * next job instead of removed (the spawner, dist-helper-spawn.c): its
 * inodes are used again, so that a job costs no inode made and none
 * freed.  On ext4 without a journal every new inode skips the inodes
 * freed in the last seconds (recently_deleted), one lookup each: with
 * jobs ending tens of times a second, making a job's ten files cost the
 * worker more CPU than the job itself.
 *
 * What is kept: the directory; stdout and stderr, emptied, when no
 * process has them open any more (a write lease can be had: a job's
 * daemon still writing would otherwise write into the next job's
 * output); status and env.json as ".status-free" and ".env-free" (the
 * supervisor renames them back when it writes them, so that a waiting
 * job's directory has no status, as agent.sh's job_state expects).
 * Anything else the job left is removed.
 */
#define _GNU_SOURCE	/* F_SETLEASE */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dist-helper.h"

/* Empty dfd/name when no one else has it open; 0, or -1. */
static int
empty_if_unused(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC), rc = -1;
	struct stat st;

	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
	    fcntl(fd, F_SETLEASE, F_WRLCK) == 0) {
		rc = ftruncate(fd, 0);
		fcntl(fd, F_SETLEASE, F_UNLCK);
	}
	close(fd);
	return rc;
}

/* One entry of the directory: kept (0) or removed; -1 when it cannot be
 * removed either. */
static int
recycle_entry(int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (S_ISREG(st.st_mode) && st.st_nlink == 1) {
		if ((strcmp(name, "stdout") == 0 ||
		    strcmp(name, "stderr") == 0) &&
		    empty_if_unused(dfd, name) == 0)
			return 0;
		if (strcmp(name, "status") == 0)
			return renameat(dfd, name, dfd, ".status-free");
		if (strcmp(name, "env.json") == 0)
			return renameat(dfd, name, dfd, ".env-free");
		if (strcmp(name, ".status-free") == 0 ||
		    strcmp(name, ".env-free") == 0 ||
		    strcmp(name, ".bundle-free") == 0)
			return 0;
	}
	return rm_tree_at(dfd, name);
}

/* Make the job directory jd ready for another job and rename it to
 * free; 0, or -1 (the caller removes it). */
int
recycle_dir(const char *jd, const char *free_name)
{
	struct dirent *d;
	DIR *dp;
	int fd, rc = 0;

	fd = open(jd, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || (dp = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	while ((d = readdir(dp)) != NULL)
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0 &&
		    recycle_entry(dirfd(dp), d->d_name) == -1)
			rc = -1;
	closedir(dp);
	if (rc == 0 && rename(jd, free_name) == 0)
		return 0;
	return -1;
}
