/*
 * archive-check.c - read a whole tool archive before it is sent anywhere:
 * format, every entry's name, type, mode and links, all data, checksums.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "input/archive.h"
#include "lib/lib.h"

#define CHECK_BLOCK	65536
#define SYMLINK_DEPTH	40	/* like the kernel's limit on link chains */
#define TAR_END_BYTES	1024	/* two zero blocks end a tar stream */

/* One entry, remembered to check links once all names are known. */
struct check_rec {
	char	*name;		/* normalized */
	char	*shown;		/* as in the archive */
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
	unsigned char		 head[6];	/* first bytes of the file */
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
	return sb_detach(&sb);
}

/* The saved locale of archive_utf8_enter(). */
struct utf8_locale {
	locale_t	loc;
	locale_t	old;
};

void *
archive_utf8_enter(void)
{
	struct utf8_locale *u;
	locale_t loc;

	loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (loc == (locale_t)0)
		return NULL;
	u = xmalloc(sizeof *u);
	u->loc = loc;
	u->old = uselocale(loc);
	return u;
}

void
archive_utf8_leave(void *p)
{
	struct utf8_locale *u = p;

	if (u == NULL)
		return;
	uselocale(u->old);
	freelocale(u->loc);
	free(u);
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
		if (n == -1) {
			sha256_discard(&ctx);
			return set_cause(cause, "%s: %s", st->path,
			    strerror(errno));
		}
		sha256_update(&ctx, buf, (size_t)n);
		if (info->size == 0)
			memcpy(st->head, buf, n < 6 ? (size_t)n : 6);
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
	    st->path, msg != NULL ? msg : "damaged or truncated data");
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

static int
rec_cmp_name(const void *a, const void *b)
{
	const struct check_rec *ra = a, *rb = b;

	return strcmp(ra->name, rb->name);
}

static int
rec_cmp(const void *a, const void *b)
{
	const struct check_rec *ra = a, *rb = b;
	int c = strcmp(ra->name, rb->name);

	if (c != 0)
		return c;
	return ra->index < rb->index ? -1 : ra->index > rb->index;
}

/* Push the components of path ("", "." skipped), optionally reversed so
 * that popping from the end yields them first to last. */
static void
comp_push(struct strvec *sv, const char *path, int reversed)
{
	struct strvec tmp = STRVEC_INIT;
	const char *c, *p;
	size_t len;

	for (c = path; *c != '\0'; c = p + (*p == '/')) {
		p = strchrnul(c, '/');
		len = (size_t)(p - c);
		if (len == 0 || (len == 1 && *c == '.'))
			continue;
		sv_pushf(&tmp, "%.*s", (int)len, c);
	}
	while (tmp.n > 0) {
		sv_push(sv, tmp.v[reversed ? tmp.n - 1 : 0]);
		if (reversed) {
			free(tmp.v[--tmp.n]);
			tmp.v[tmp.n] = NULL;
		} else {
			free(tmp.v[0]);
			memmove(tmp.v, tmp.v + 1, tmp.n-- * sizeof *tmp.v);
		}
	}
	sv_clear(&tmp);
}

static char *
comp_pop(struct strvec *sv)
{
	char *c = sv->v[--sv->n];

	sv->v[sv->n] = NULL;
	return c;
}

static void
comp_join(struct strbuf *sb, const struct strvec *sv)
{
	size_t i;

	sb_reset(sb);
	for (i = 0; i < sv->n; i++) {
		if (i > 0)
			sb_addc(sb, '/');
		sb_adds(sb, sv->v[i]);
	}
}

/* The symlink of the archive at path, if any (recs sorted by name). */
static const struct check_rec *
find_symlink(const struct check_state *st, const char *path)
{
	struct check_rec key, *r;

	memset(&key, 0, sizeof key);
	key.name = (char *)(uintptr_t)path;
	r = bsearch(&key, st->recs, st->nrecs, sizeof *r, rec_cmp_name);
	return (r != NULL && r->type == 'l') ? r : NULL;
}

/*
 * Resolve target from directory dir inside the archive, without touching
 * the disk.  With st set, components naming symlinks of the archive are
 * replaced by their targets like the kernel would.  Returns 0 inside, -1
 * outside, -2 too many levels of symlinks.
 */
static int
walk_link(const struct check_state *st, const char *dir, const char *target)
{
	struct strvec cur = STRVEC_INIT, todo = STRVEC_INIT;
	struct strbuf sb = STRBUF_INIT;
	const struct check_rec *r;
	int ret = 0, depth = 0;
	char *c;

	comp_push(&cur, dir, 0);
	comp_push(&todo, target, 1);
	while (ret == 0 && todo.n > 0) {
		c = comp_pop(&todo);
		if (strcmp(c, "..") == 0) {
			if (cur.n == 0)
				ret = -1;
			else
				free(comp_pop(&cur));
		} else {
			sv_push(&cur, c);
			comp_join(&sb, &cur);
			r = st != NULL ? find_symlink(st, sb.buf) : NULL;
			if (r != NULL && ++depth > SYMLINK_DEPTH)
				ret = -2;
			else if (r != NULL && *r->target == '/')
				ret = -1;
			if (r != NULL) {
				free(comp_pop(&cur));
				comp_push(&todo, r->target, 1);
			}
		}
		free(c);
	}
	sb_release(&sb);
	sv_clear(&cur);
	sv_clear(&todo);
	return ret;
}

static char *
dir_of(const char *name)
{
	const char *slash = strrchr(name, '/');

	return slash == NULL ? xstrdup("") :
	    xstrndup(name, (size_t)(slash - name));
}

static int
link_fail(struct check_state *st, const char *name, const char *what,
    const char *target, const char *why, char **cause)
{
	char *q = archive_name_quote(target), *msg;

	msg = xasprintf("%s target '%s'%s", what, q, why);
	entry_fail(st, name, msg, cause);
	free(msg);
	free(q);
	return -1;
}

/* Check a link target as far as possible before later entries are seen. */
static int
check_target(struct check_state *st, const char *name, const char *norm,
    char type, const char *target, char **cause)
{
	const char *what = type == 'l' ? "symlink" : "hardlink";
	const char *why;
	char *dir, *msg;
	int r;

	if (target == NULL)
		return entry_fail(st, name, "link without a target", cause);
	why = archive_name_problem(target);
	if (why != NULL && strcmp(why, "absolute path") == 0)
		return link_fail(st, name, what, target, " is absolute", cause);
	if (why != NULL && (type == 'h' ||
	    strcmp(why, "'..' component") != 0)) {
		msg = xasprintf(": %s", why);
		link_fail(st, name, what, target, msg, cause);
		free(msg);
		return -1;
	}
	if (type == 'h')
		return 0;
	dir = dir_of(norm);
	r = walk_link(NULL, dir, target);
	free(dir);
	if (r != 0)
		return link_fail(st, name, what, target,
		    " points outside the archive", cause);
	return 0;
}

static void
add_rec(struct check_state *st, const char *name, const char *norm,
    char type, const char *target)
{
	struct check_rec *r;

	if (st->nrecs == st->alloc) {
		st->alloc = st->alloc == 0 ? 64 : st->alloc * 2;
		st->recs = xreallocarray(st->recs, st->alloc, sizeof *st->recs);
	}
	r = &st->recs[st->nrecs];
	r->name = xstrdup(norm);
	r->shown = xstrdup(name);
	r->target = target != NULL ? xstrdup(target) : NULL;
	r->index = st->nrecs++;
	r->type = type;
}

static int
check_entry(struct check_state *st, struct archive_entry *e, char **cause)
{
	const char *name = archive_entry_pathname(e), *why;
	char type, *norm = NULL;
	int ret = -1;

	if (name == NULL)
		return set_cause(cause, "%s: entry %zu: unreadable name",
		    st->path, st->nrecs + 1);
	if ((why = archive_name_problem(name)) != NULL)
		return entry_fail(st, name, why, cause);
	if (check_type(st, e, name, &type, cause) != 0)
		return -1;
	norm = archive_name_normalize(name);
	if (*norm == '\0' && type != 'd') {
		entry_fail(st, name, "archive root is not a directory", cause);
		goto out;
	}
	if ((type == 'l' || type == 'h') && check_target(st, name, norm, type,
	    entry_target(e, type), cause) != 0)
		goto out;
	add_rec(st, name, norm, type, entry_target(e, type));
	ret = 0;
out:
	free(norm);
	return ret;
}

/* A hardlink must name an earlier entry that is not a directory. */
static int
check_hardlink(struct check_state *st, const struct check_rec *h,
    char **cause)
{
	struct check_rec key, *r;

	memset(&key, 0, sizeof key);
	key.name = archive_name_normalize(h->target);
	r = bsearch(&key, st->recs, st->nrecs, sizeof *r, rec_cmp_name);
	while (r != NULL && r > st->recs && rec_cmp_name(r - 1, &key) == 0)
		r--;
	free(key.name);
	if (r == NULL || r->index >= h->index || r->type == 'd')
		return link_fail(st, h->shown, "hardlink", h->target,
		    " is not an earlier entry of the archive", cause);
	return 0;
}

/* With all names known: duplicates of symlinks, hardlinks, link chains. */
static int
check_links(struct check_state *st, char **cause)
{
	const struct check_rec *r;
	char *dir;
	size_t i;
	int w;

	qsort(st->recs, st->nrecs, sizeof *st->recs, rec_cmp);
	for (i = 1; i < st->nrecs; i++) {
		r = &st->recs[i];
		if (strcmp(r->name, r[-1].name) == 0 &&
		    (r->type == 'l' || r[-1].type == 'l'))
			return entry_fail(st, r->shown, "symlink with the "
			    "same name as another entry", cause);
	}
	for (i = 0; i < st->nrecs; i++) {
		r = &st->recs[i];
		if (r->type == 'h' && check_hardlink(st, r, cause) != 0)
			return -1;
		if (r->type != 'l')
			continue;
		dir = dir_of(r->name);
		w = walk_link(st, dir, r->target);
		free(dir);
		if (w != 0)
			return link_fail(st, r->shown, "symlink", r->target,
			    w == -1 ? " points outside the archive" :
			    " has too many levels of symlinks", cause);
	}
	return 0;
}

static int
read_data(struct check_state *st, struct archive *a, char **cause)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(a, &buf, &size, &off)) !=
	    ARCHIVE_EOF) {
		if (r != ARCHIVE_OK)
			return corrupt(st, a, cause);
		st->unpacked += size;
	}
	return 0;
}

static const char *
filter_name(int code)
{
	switch (code) {
	case ARCHIVE_FILTER_NONE:
		return "none";
	case ARCHIVE_FILTER_GZIP:
		return "gzip";
	case ARCHIVE_FILTER_XZ:
		return "xz";
	case ARCHIVE_FILTER_BZIP2:
		return "bzip2";
	}
	return NULL;
}

/* After the first header: only tar or zip, at most one known filter. */
static int
check_format(struct check_state *st, struct archive *a,
    struct dist_archive_info *info, char **cause)
{
	int fmt = archive_format(a) & ARCHIVE_FORMAT_BASE_MASK;
	const char *filter = filter_name(archive_filter_code(a, 0));

	if (fmt != ARCHIVE_FORMAT_TAR && fmt != ARCHIVE_FORMAT_ZIP)
		return set_cause(cause, "%s: unsupported archive format '%s' "
		    "(only tar and zip are accepted)", st->path,
		    archive_format_name(a));
	if (filter == NULL || archive_filter_count(a) > 2)
		return set_cause(cause, "%s: unsupported compression "
		    "(only gzip, xz and bzip2 are accepted)", st->path);
	info->format = xstrdup(fmt == ARCHIVE_FORMAT_TAR ? "tar" : "zip");
	info->filter = xstrdup(filter);
	return 0;
}

static struct archive *
reader_new(int raw)
{
	struct archive *a = archive_read_new();

	if (raw)
		archive_read_support_format_raw(a);
	else {
		archive_read_support_format_tar(a);
		archive_read_support_format_zip_seekable(a);
	}
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_bzip2(a);
	return a;
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/*
 * Pass 3, for compressed tar: decompress the whole stream, not only up
 * to the tar end marker, so damage anywhere shows; libarchive does not
 * check the gzip CRC, so do it here (single-member gzip only).
 */
static int
stream_pass(int fd, struct check_state *st, const char *filter,
    char **cause)
{
	struct archive *a = reader_new(1);
	struct archive_entry *e;
	struct crc32 crc;
	const void *buf;
	size_t size, i;
	uint64_t len = 0;
	la_int64_t off;
	int r, ret = -1;

	crc32_init(&crc);
	st->zeros = 0;
	if (archive_read_open_fd(a, fd, CHECK_BLOCK) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		corrupt(st, a, cause);
		goto out;
	}
	while ((r = archive_read_data_block(a, &buf, &size, &off)) !=
	    ARCHIVE_EOF) {
		if (r != ARCHIVE_OK) {
			corrupt(st, a, cause);
			goto out;
		}
		crc32_update(&crc, buf, size);
		len += size;
		for (i = size; i > 0 && ((const char *)buf)[i - 1] == 0; i--)
			;
		st->zeros = i == 0 ? st->zeros + size : size - i;
	}
	if (strcmp(filter, "gzip") == 0 && ((crc.crc ^ 0xffffffffU) !=
	    le32(st->tail) || (uint32_t)len != le32(st->tail + 4))) {
		set_cause(cause, "%s: truncated or corrupt archive: "
		    "gzip checksum mismatch", st->path);
		goto out;
	}
	ret = 0;
out:
	archive_read_free(a);
	return ret;
}

/* The compression a file's first bytes announce, if any. */
static const char *
magic_filter(const unsigned char *head)
{
	if (memcmp(head, "\037\213", 2) == 0)
		return "gzip";
	if (memcmp(head, "\3757zXZ\0", 6) == 0)
		return "xz";
	if (memcmp(head, "BZh", 3) == 0)
		return "bzip2";
	return NULL;
}

/* No format matched: say whether the file is damaged or just not tar/zip. */
static int
format_fail(int fd, struct check_state *st, char **cause)
{
	const char *filter = magic_filter(st->head);

	if (filter != NULL) {
		if (lseek(fd, 0, SEEK_SET) == -1 ||
		    stream_pass(fd, st, filter, cause) != 0)
			return -1;
	} else if (memcmp(st->head, "PK\005\006", 4) == 0)
		return set_cause(cause, "%s: empty archive", st->path);
	else if (memcmp(st->head, "PK\003\004", 4) == 0)
		return set_cause(cause, "%s: truncated or corrupt archive: "
		    "zip central directory not found", st->path);
	return set_cause(cause, "%s: unsupported archive format "
	    "(only tar and zip are accepted)", st->path);
}

/* Pass 2: every header and all data, through libarchive. */
static int
entries_pass(int fd, struct check_state *st, struct dist_archive_info *info,
    char **cause)
{
	struct archive *a = reader_new(0);
	struct archive_entry *e;
	int r, ret = -1;

	if (archive_read_open_fd(a, fd, CHECK_BLOCK) != ARCHIVE_OK) {
		if (archive_format(a) == 0)
			format_fail(fd, st, cause);
		else
			corrupt(st, a, cause);
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		if (r != ARCHIVE_OK) {
			corrupt(st, a, cause);
			goto out;
		}
		if (st->nrecs == 0 && check_format(st, a, info, cause) != 0)
			goto out;
		if (check_entry(st, e, cause) != 0 || read_data(st, a, cause))
			goto out;
	}
	if (archive_read_close(a) != ARCHIVE_OK)
		corrupt(st, a, cause);
	else
		ret = 0;
out:
	archive_read_free(a);
	return ret;
}

static int
check_fd(int fd, struct check_state *st, struct dist_archive_info *info,
    char **cause)
{
	if (hash_pass(fd, st, info, cause) != 0)
		return -1;
	if (info->size == 0)
		return set_cause(cause, "%s: empty file", st->path);
	if (lseek(fd, 0, SEEK_SET) == -1 ||
	    entries_pass(fd, st, info, cause) != 0)
		return -1;
	if (st->nrecs == 0)
		return set_cause(cause, "%s: empty archive", st->path);
	if (check_links(st, cause) != 0)
		return -1;
	if (strcmp(info->format, "tar") != 0)
		return 0;
	if (strcmp(info->filter, "none") != 0 && (lseek(fd, 0, SEEK_SET) ==
	    -1 || stream_pass(fd, st, info->filter, cause) != 0))
		return -1;
	if (st->zeros < TAR_END_BYTES)
		return set_cause(cause, "%s: truncated or corrupt archive: "
		    "no end-of-archive marker", st->path);
	return 0;
}

int
archive_check(const char *path, struct dist_archive_info *info, char **cause)
{
	struct check_state st;
	struct stat sb;
	void *loc;
	int fd, ret = -1;

	memset(info, 0, sizeof *info);
	memset(&st, 0, sizeof st);
	st.path = path;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		return set_cause(cause, "%s: %s", path, strerror(errno));
	loc = archive_utf8_enter();
	if (fstat(fd, &sb) == -1)
		set_cause(cause, "%s: %s", path, strerror(errno));
	else if (!S_ISREG(sb.st_mode))
		set_cause(cause, "%s: not a regular file", path);
	else if (check_fd(fd, &st, info, cause) == 0)
		ret = 0;
	archive_utf8_leave(loc);
	close(fd);
	if (ret == 0) {
		info->path = xstrdup(path);
		info->unpacked = st.unpacked;
		info->entries = st.nrecs;
	} else
		archive_info_free(info);
	state_free(&st);
	return ret;
}
