/*
 * archive.h - tool archives, checked before anything is sent, with
 * libarchive (result archives are unpacked by run/archive-extract.c, with
 * the entry-name checks below).
 *
 * archive_check() reads the whole archive: corrupt, truncated or
 * unsupported archives, absolute paths, ".." components, device nodes,
 * FIFOs, symlinks or hardlinks pointing outside the archive, and
 * setuid/setgid/sticky bits are refused, naming the entry.  Accepted:
 * tar (plain, gzip, xz, bzip2) and zip.
 */
#ifndef DIST_INPUT_ARCHIVE_H
#define DIST_INPUT_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

struct dist_archive_info {
	char		*path;
	char		*format;	/* "tar", "zip" */
	char		*filter;	/* "gzip", "xz", "bzip2", "none" */
	uint64_t	 size;		/* bytes of the file */
	uint64_t	 unpacked;	/* bytes of its regular files */
	size_t		 entries;
	char		 sha256[65];	/* lowercase hex of the file */
};

int	archive_check(const char *path, struct dist_archive_info *, char **cause);
void	archive_info_free(struct dist_archive_info *);

/* Rewrite a checked zip archive as a gzip-compressed tar, so that workers
 * need only tar to unpack it. */
int	archive_zip_to_tar(const char *zip_path, const char *tar_path,
	    char **cause);

/* Entry names, shared by archive-check.c and archive-extract.c. */
#define ARCHIVE_NAME_MAX 4096
/* Why an entry name (or link target) is unsafe: absolute, "..", control
 * characters, empty or too long; NULL if it is fine. */
const char *archive_name_problem(const char *name);
/* "./a//b/." -> "a/b"; the archive root ("." or "./") -> "". */
char	*archive_name_normalize(const char *name);
/* Printable form for messages: control bytes as \xNN, cut past 200 bytes. */
char	*archive_name_quote(const char *name);
/* Switch this thread only to a UTF-8 locale while libarchive reads (pax and
 * zip store UTF-8 names, unconvertible in the "C" locale); NULL if none. */
void	*archive_utf8_enter(void);
void	 archive_utf8_leave(void *);

#endif
