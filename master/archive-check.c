/*
 * archive-check.c - read a whole tool archive before it is sent anywhere:
 * format, every entry's name, type, mode and links, all data, checksums.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "archive.h"
#include "util.h"

#define CHECK_BLOCK	65536
#define SYMLINK_DEPTH	40	/* like the kernel's limit on link chains */
#define TAR_END_BYTES	1024	/* two zero blocks end a tar stream */

/* One entry, remembered to check links once all names are known. */
struct check_rec {
	char	*name;		/* normalized */
	char	*shown;		/* as in the archive, quoted */
	char	*target;	/* symlink or hardlink target, or NULL */
	size_t	 index;
	char	 type;		/* 'f', 'd', 'l' (symlink), 'h' (hardlink) */
};

struct check_state {
	const char		*path;
	struct check_rec	*recs;
	size_t			 nrecs;
	size_t			 alloc;
	uint64_t		 unpacked;
	unsigned char		 tail[8];	/* last bytes of the file */
	uint64_t		 zeros;		/* trailing zero bytes */
};

/* Gzip's CRC-32 (ISO 3309, reflected polynomial 0xedb88320). */
struct crc32 {
	uint32_t	table[256];
	uint32_t	crc;
};

static void
crc32_init(struct crc32 *c)
{
	uint32_t v;
	int i, k;

	for (i = 0; i < 256; i++) {
		v = (uint32_t)i;
		for (k = 0; k < 8; k++)
			v = (v & 1) ? 0xedb88320U ^ (v >> 1) : v >> 1;
		c->table[i] = v;
	}
	c->crc = 0xffffffffU;
}

static void
crc32_update(struct crc32 *c, const unsigned char *p, size_t len)
{
	while (len-- > 0)
		c->crc = c->table[(c->crc ^ *p++) & 0xff] ^ (c->crc >> 8);
}

const char *
archive_name_problem(const char *name)
{
	const char *p, *c;
	size_t len;

	if (*name == '\0')
		return "empty name";
	if (strlen(name) > ARCHIVE_NAME_MAX)
		return "name longer than 4096 bytes";
	for (p = name; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "control character in name";
	if (*name == '/')
		return "absolute path";
	for (c = name; *c != '\0'; c = p + (*p == '/')) {
		p = strchrnul(c, '/');
		len = (size_t)(p - c);
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return "'..' component";
	}
	return NULL;
}

char *
archive_name_normalize(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	const char *c, *p;
	size_t len;

	for (c = name; *c != '\0'; c = p + (*p == '/')) {
		p = strchrnul(c, '/');
		len = (size_t)(p - c);
		if (len == 0 || (len == 1 && *c == '.'))
			continue;
		if (sb.len > 0)
			sb_addc(&sb, '/');
		sb_add(&sb, c, len);
	}
	if (sb.buf == NULL)
		return xstrdup("");
	return sb_detach(&sb);
}

char *
archive_name_quote(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (sb.len >= 200) {
			sb_adds(&sb, "...");
			break;
		}
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			sb_addf(&sb, "\\x%02x", *p);
		else
			sb_addc(&sb, (char)*p);
	}
	if (sb.buf == NULL)
		return xstrdup("");
	return sb_detach(&sb);
}

void
archive_info_free(struct dist_archive_info *info)
{
	if (info == NULL)
		return;
	free(info->path);
	free(info->format);
	free(info->filter);
	memset(info, 0, sizeof *info);
}

static void
state_free(struct check_state *st)
{
	size_t i;

	for (i = 0; i < st->nrecs; i++) {
		free(st->recs[i].name);
		free(st->recs[i].shown);
		free(st->recs[i].target);
	}
	free(st->recs);
}

/* Pass 1: the file's size and SHA-256, and what its end looks like. */
static int
hash_pass(int fd, struct check_state *st, struct dist_archive_info *info,
    char **cause)
{
	struct sha256_ctx ctx;
	unsigned char buf[CHECK_BLOCK], md[32];
	ssize_t n, i;

	sha256_init(&ctx);
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return set_cause(cause, "%s: %s", st->path,
			    strerror(errno));
		sha256_update(&ctx, buf, (size_t)n);
		info->size += (uint64_t)n;
		for (i = n; i > 0 && buf[i - 1] == 0; i--)
			;
		st->zeros = (i == 0) ? st->zeros + (uint64_t)n :
		    (uint64_t)(n - i);
		if (n >= 8)
			memcpy(st->tail, buf + n - 8, 8);
		else {
			memmove(st->tail, st->tail + n, (size_t)(8 - n));
			memcpy(st->tail + 8 - n, buf, (size_t)n);
		}
	}
	sha256_final(&ctx, md);
	sha256_hex(md, info->sha256);
	return 0;
}

static int
corrupt(struct check_state *st, struct archive *a, char **cause)
{
	const char *msg = archive_error_string(a);

	return set_cause(cause, "%s: truncated or corrupt archive: %s",
	    st->path, msg != NULL ? msg : "read error");
}

static int
entry_fail(struct check_state *st, const char *name, const char *why,
    char **cause)
{
	char *q = archive_name_quote(name);

	set_cause(cause, "%s: entry '%s': %s", st->path, q, why);
	free(q);
	return -1;
}

/* Refuse entry types and modes that must never be unpacked. */
static int
check_type(struct check_state *st, struct archive_entry *e, const char *name,
    char *type, char **cause)
{
	mode_t mode = archive_entry_mode(e);

	if (mode & S_ISUID)
		return entry_fail(st, name, "setuid bit", cause);
	if (mode & S_ISGID)
		return entry_fail(st, name, "setgid bit", cause);
	if (mode & S_ISVTX)
		return entry_fail(st, name, "sticky bit", cause);
	if (archive_entry_hardlink(e) != NULL) {
		*type = 'h';
		return 0;
	}
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
		*type = 'f';
		return 0;
	case AE_IFDIR:
		*type = 'd';
		return 0;
	case AE_IFLNK:
		*type = 'l';
		return 0;
	case AE_IFCHR:
	case AE_IFBLK:
		return entry_fail(st, name, "device node", cause);
	case AE_IFIFO:
		return entry_fail(st, name, "FIFO", cause);
	case AE_IFSOCK:
		return entry_fail(st, name, "socket", cause);
	}
	return entry_fail(st, name, "unsupported entry type", cause);
}

static const char *
entry_target(struct archive_entry *e, char type)
{
	if (type == 'h')
		return archive_entry_hardlink(e);
	if (type == 'l')
		return archive_entry_symlink(e);
	return NULL;
}

