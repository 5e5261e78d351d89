/*
 * util.c - allocation, strbuf, strvec, files and small string helpers.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"

static void NORETURN
oom(void)
{
	fputs("distribute: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		oom();
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		oom();
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		oom();
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

int
set_cause(char **cause, const char *fmt, ...)
{
	va_list ap;

	if (cause == NULL)
		return -1;
	free(*cause);
	va_start(ap, fmt);
	*cause = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

int
prefix_cause(char **cause, const char *fmt, ...)
{
	va_list ap;
	char *prefix, *old;

	if (cause == NULL)
		return -1;
	va_start(ap, fmt);
	prefix = xvasprintf(fmt, ap);
	va_end(ap);
	old = *cause;
	*cause = xasprintf("%s: %s", prefix, old != NULL ? old : "error");
	free(prefix);
	free(old);
	return -1;
}

void
sb_grow(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;

	if (need <= sb->alloc)
		return;
	if (sb->alloc < 64)
		sb->alloc = 64;
	while (sb->alloc < need)
		sb->alloc *= 2;
	sb->buf = xrealloc(sb->buf, sb->alloc);
}

void
sb_add(struct strbuf *sb, const void *data, size_t n)
{
	sb_grow(sb, n);
	if (n > 0)
		memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void
sb_adds(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void
sb_addc(struct strbuf *sb, char c)
{
	sb_add(sb, &c, 1);
}

void
sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	sb_adds(sb, s);
	free(s);
}

void
sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf != NULL)
		sb->buf[0] = '\0';
}

void
sb_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
}

char *
sb_detach(struct strbuf *sb)
{
	char *s = sb->buf != NULL ? sb->buf : xstrdup("");

	sb->buf = NULL;
	sb->len = sb->alloc = 0;
	return s;
}

const char *
sb_str(const struct strbuf *sb)
{
	return sb->buf != NULL ? sb->buf : "";
}

void
sv_push(struct strvec *sv, const char *s)
{
	if (sv->n + 2 > sv->alloc) {
		sv->alloc = sv->alloc ? sv->alloc * 2 : 8;
		sv->v = xreallocarray(sv->v, sv->alloc, sizeof *sv->v);
	}
	sv->v[sv->n++] = xstrdup(s);
	sv->v[sv->n] = NULL;
}

void
sv_pushf(struct strvec *sv, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	sv_push(sv, s);
	free(s);
}

void
sv_clear(struct strvec *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->alloc = 0;
}

void
sv_copy(struct strvec *dst, const struct strvec *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		sv_push(dst, src->v[i]);
}

#define READ_BUF	65536

int
read_file_max(const char *path, size_t max, char **data, size_t *len,
    char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	char *buf;	/* on the heap: a machine thread's stack stays small */
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return set_cause(cause, "%s: %s", path, strerror(errno));
	buf = xmalloc(READ_BUF);
	while ((n = read(fd, buf, READ_BUF)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || (size_t)n > max - sb.len) {
			if (n == -1)
				set_cause(cause, "%s: %s", path,
				    strerror(errno));
			else
				set_cause(cause, "%s: skipped: too large (more "
				    "than %zu bytes)", path, max);
			close(fd);
			free(buf);
			sb_release(&sb);
			return -1;
		}
		sb_add(&sb, buf, (size_t)n);
	}
	close(fd);
	free(buf);
	if (len != NULL)
		*len = sb.len;
	*data = sb_detach(&sb);
	return 0;
}

int
read_file(const char *path, char **data, size_t *len, char **cause)
{
	return read_file_max(path, SIZE_MAX, data, len, cause);
}

int
read_file_tail(const char *path, size_t max, char **data, size_t *len,
    char **cause)
{
	struct stat st;
	size_t got = 0;
	off_t from;
	ssize_t n;
	char *buf;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return set_cause(cause, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == -1) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	from = st.st_size > (off_t)max ? st.st_size - (off_t)max : 0;
	buf = xmalloc(max + 1);
	while (got < max && (n = pread(fd, buf + got, max - got,
	    from + (off_t)got)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			set_cause(cause, "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*data = buf;
	if (len != NULL)
		*len = got;
	return 0;
}

int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
write_file_replace(const char *path, const void *data, size_t len, int sync,
    char **cause)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd, rc = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		set_cause(cause, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (write_all(fd, data, len) == -1 || (sync && fsync(fd) == -1)) {
		set_cause(cause, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	return rc;
}

int
write_file_atomic(const char *path, const void *data, size_t len,
    char **cause)
{
	return write_file_replace(path, data, len, 1, cause);
}

int
write_file_unsynced(const char *path, const void *data, size_t len,
    char **cause)
{
	return write_file_replace(path, data, len, 0, cause);
}

int
mkdir_p(const char *path, unsigned mode, char **cause)
{
	char *p, *s;
	int rc = 0;

	/* the common case first: the parent is there */
	if (mkdir(path, (mode_t)mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return set_cause(cause, "mkdir '%s': %s", path, strerror(errno));
	p = xstrdup(path);

	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) == -1 && errno != EEXIST) {
			rc = set_cause(cause, "mkdir '%s': %s", p,
			    strerror(errno));
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

/*
 * rm_rf: one directory level on the way down.  Every name is relative to
 * its parent's descriptor, so a tree deeper than PATH_MAX goes too; only
 * one directory is open at a time (the way up is "..", checked against the
 * device and inode recorded on the way down).
 */
struct rm_level {
	dev_t	 dev;
	ino_t	 ino;
	char	*name;		/* in its parent; NULL for the top */
};

/* Unlink fd's non-directories; *sub = its first subdirectory, or NULL. */
static int
rm_scan(int fd, const char *top, char **sub, char **cause)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int dfd, isdir, rc = 0;

	*sub = NULL;
	if ((dfd = dup(fd)) == -1 || (d = fdopendir(dfd)) == NULL) {
		if (dfd != -1)
			close(dfd);
		return set_cause(cause, "%s: %s", top, strerror(errno));
	}
	while (rc == 0 && *sub == NULL && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		isdir = de->d_type == DT_DIR;
		if (de->d_type == DT_UNKNOWN &&
		    fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			isdir = S_ISDIR(st.st_mode);
		if (isdir)
			*sub = xstrdup(de->d_name);
		else if (unlinkat(fd, de->d_name, 0) == -1 && errno != ENOENT)
			rc = set_cause(cause, "%s: unlink '%s' inside: %s", top,
			    de->d_name, strerror(errno));
	}
	closedir(d);
	return rc;
}

/* Step from the directory levels[n-1] (open as *fd) down into sub. */
static int
rm_down(int *fd, struct rm_level **levels, size_t *n, size_t *alloc,
    char *sub, const char *top, char **cause)
{
	struct stat st;
	int nfd;

	nfd = openat(*fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (nfd == -1 || fstat(nfd, &st) == -1) {
		set_cause(cause, "%s: open '%s' inside (depth %zu): %s", top,
		    sub, *n, strerror(errno));
		if (nfd != -1)
			close(nfd);
		free(sub);
		return -1;
	}
	if (*n == *alloc) {
		*alloc *= 2;
		*levels = xreallocarray(*levels, *alloc, sizeof **levels);
	}
	(*levels)[*n].dev = st.st_dev;
	(*levels)[*n].ino = st.st_ino;
	(*levels)[(*n)++].name = sub;
	close(*fd);
	*fd = nfd;
	return 0;
}

/* levels[n-1] (open as *fd) is empty: go up to its parent and remove it. */
static int
rm_up(int *fd, struct rm_level *levels, size_t *n, const char *top,
    char **cause)
{
	struct rm_level *up = &levels[*n - 2], *cur = &levels[*n - 1];
	struct stat st;
	int pfd;

	pfd = openat(*fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd == -1 || fstat(pfd, &st) == -1 || st.st_dev != up->dev ||
	    st.st_ino != up->ino) {
		if (pfd != -1)
			close(pfd);
		return set_cause(cause, "%s: directory moved while it was "
		    "being removed (depth %zu)", top, *n - 1);
	}
	if (unlinkat(pfd, cur->name, AT_REMOVEDIR) == -1) {
		set_cause(cause, "%s: rmdir '%s' inside (depth %zu): %s", top,
		    cur->name, *n - 1, strerror(errno));
		close(pfd);
		return -1;
	}
	free(cur->name);
	(*n)--;
	close(*fd);
	*fd = pfd;
	return 0;
}

/* Empty the directory open as fd (the top of the tree, path top). */
static int
rm_tree(int fd, const char *top, char **cause)
{
	struct rm_level *levels;
	size_t n = 1, alloc = 16, i;
	struct stat st;
	char *sub;
	int rc = 0;

	if (fstat(fd, &st) == -1) {
		close(fd);
		return set_cause(cause, "%s: %s", top, strerror(errno));
	}
	levels = xreallocarray(NULL, alloc, sizeof *levels);
	levels[0].dev = st.st_dev;
	levels[0].ino = st.st_ino;
	levels[0].name = NULL;
	while (rc == 0) {
		if ((rc = rm_scan(fd, top, &sub, cause)) != 0)
			break;
		if (sub != NULL)
			rc = rm_down(&fd, &levels, &n, &alloc, sub, top, cause);
		else if (n > 1)
			rc = rm_up(&fd, levels, &n, top, cause);
		else
			break;
	}
	close(fd);
	for (i = 1; i < n; i++)
		free(levels[i].name);
	free(levels);
	return rc;
}

int
rm_rf(const char *path, char **cause)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 :
		    set_cause(cause, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) == -1)
			return set_cause(cause, "unlink '%s': %s", path,
			    strerror(errno));
		return 0;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return set_cause(cause, "%s: %s", path, strerror(errno));
	if (rm_tree(fd, path, cause) == -1)
		return -1;
	if (rmdir(path) == -1)
		return set_cause(cause, "rmdir '%s': %s", path, strerror(errno));
	return 0;
}

int
parse_duration(const char *s, uint64_t *out, char **cause)
{
	static const struct { char unit; uint64_t mult; int order; } units[] = {
		{ 'd', 86400, 0 }, { 'h', 3600, 1 }, { 'm', 60, 2 },
		{ 's', 1, 3 },
	};
	const char *p = s;
	uint64_t total = 0;
	int last = -1, any = 0;

	if (*p == '\0')
		return set_cause(cause, "empty duration");
	while (*p != '\0') {
		uint64_t v = 0;
		size_t i;

		if (*p < '0' || *p > '9')
			goto bad;
		while (*p >= '0' && *p <= '9') {
			if (v > (UINT64_MAX - 9) / 10)
				goto bad;
			v = v * 10 + (uint64_t)(*p++ - '0');
		}
		if (*p == '\0') {
			if (any)	/* "1h30" is ambiguous */
				goto bad;
			total = v;
			break;
		}
		for (i = 0; i < ARRAY_SIZE(units); i++)
			if (units[i].unit == *p)
				break;
		if (i == ARRAY_SIZE(units) || units[i].order <= last)
			goto bad;
		last = units[i].order;
		if (v > (UINT64_MAX - total) / units[i].mult)
			goto bad;
		total += v * units[i].mult;
		any = 1;
		p++;
	}
	*out = total;
	return 0;
bad:
	return set_cause(cause, "invalid duration '%s' (expected e.g. 90s, 15m, "
	    "2h, 1h30m)", s);
}

char *
format_duration(uint64_t s)
{
	if (s >= 86400)
		return xasprintf("%llud%lluh", (unsigned long long)(s / 86400),
		    (unsigned long long)(s % 86400 / 3600));
	if (s >= 3600)
		return xasprintf("%lluh%02llum", (unsigned long long)(s / 3600),
		    (unsigned long long)(s % 3600 / 60));
	if (s >= 60)
		return xasprintf("%llum%02llus", (unsigned long long)(s / 60),
		    (unsigned long long)(s % 60));
	return xasprintf("%llus", (unsigned long long)s);
}

double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Years 1970 to 9999: what fits the format and any sane clock. */
#define UTC_MAX	253402300799.0

char *
format_utc(double wall)
{
	struct tm tm;
	time_t t;
	char buf[64];

	if (!(wall >= 0 && wall <= UTC_MAX))	/* NaN too */
		return xstrdup("-");
	t = (time_t)wall;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return xstrdup("-");
	return xstrdup(buf);
}

static int64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

int64_t
clock_wall_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

int64_t
clock_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* Exact for durations up to 2^53 ns (104 days); finer than any clock. */
double
ns_to_sec(int64_t ns)
{
	return (double)ns / (double)NS_PER_SEC;
}

int
parse_epoch_ns(const char *s, int64_t *ns)
{
	int64_t secs = 0, frac = 0, scale = NS_PER_SEC;
	const char *p = s;

	/* digits, optionally a point and 1 to 9 digits: no sign, exponent,
	 * hex, inf or nan; after the epoch, at most 9999-12-31 */
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		secs = secs * 10 + (*p - '0');
		if (secs > (int64_t)UTC_MAX)
			return -1;
	}
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale == 1)
				return -1;
			scale /= 10;
			frac += (*p - '0') * scale;
		}
	}
	if (*p != '\0' || secs * NS_PER_SEC + frac == 0)
		return -1;
	*ns = secs * NS_PER_SEC + frac;
	return 0;
}

char *
format_utc_ns(int64_t wall_ns)
{
	time_t t = (time_t)(wall_ns / NS_PER_SEC);
	struct tm tm;
	char buf[32];

	if (wall_ns < 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return xstrdup("?");
	return xstrdup(buf);
}

/* Length of the UTF-8 sequence at s (at most n bytes) if it is valid and
 * not a C1 control (U+0080..U+009F); 0 otherwise. */
static size_t
utf8_printable_len(const unsigned char *s, size_t n)
{
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	if (s[0] == 0xc2 && s[1] <= 0x9f)
		return 0;
	return len;
}

void
sb_add_printable(struct strbuf *sb, const char *text, size_t n, int keep_nl)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, u;

	while (i < n) {
		if (s[i] == '\n' && keep_nl)
			sb_addc(sb, '\n');
		else if (s[i] == '\n')
			sb_adds(sb, "\\n");
		else if (s[i] == '\t')
			sb_adds(sb, "\\t");
		else if (s[i] == '\r')
			sb_adds(sb, "\\r");
		else if (s[i] >= 0x20 && s[i] < 0x7f)
			sb_addc(sb, (char)s[i]);
		else if (s[i] >= 0x80 && (u = utf8_printable_len(s + i, n - i))) {
			sb_add(sb, s + i, u);
			i += u;
			continue;
		} else
			sb_addf(sb, "\\x%02x", s[i]);
		i++;
	}
}

char *
str_printable(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	if (s == NULL)
		return NULL;
	sb_add_printable(&sb, s, strlen(s), 0);
	return sb_detach(&sb);
}

char *
str_printable_lines(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	if (s == NULL)
		return NULL;
	sb_add_printable(&sb, s, strlen(s), 1);
	return sb_detach(&sb);
}

int
parse_ll(const char *s, long long min, long long max, long long *out)
{
	const char *p = s;
	long long v = 0;
	int neg = 0, d;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		d = *p - '0';
		if (v > (LLONG_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (*p != '\0')
		return -1;
	if (neg)
		v = -v;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
parse_int(const char *s, int min, int max, int *out)
{
	long long v;

	if (parse_ll(s, min, max, &v) == -1)
		return -1;
	*out = (int)v;
	return 0;
}

int
safe_name(const char *s)
{
	size_t n = 0;

	if (*s == '\0' || *s == '.' || *s == '-')
		return 0;
	for (; *s != '\0'; s++, n++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9'))
			continue;
		if (strchr("._+@-", *s) == NULL)
			return 0;
	}
	return n <= 128;
}

int
worker_token(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._+@-");

	return n > 0 && s[n] == '\0' && n <= 1024 && strcmp(s, ".") != 0 &&
	    strcmp(s, "..") != 0;
}

char *
sh_quote(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	sb_addc(&sb, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			sb_adds(&sb, "'\\''");
		else
			sb_addc(&sb, *s);
	}
	sb_addc(&sb, '\'');
	return sb_detach(&sb);
}

static int
has_word(const char *words, const char *word)
{
	size_t len = strlen(word);
	const char *p;

	for (p = words; (p = strstr(p, word)) != NULL; p += len)
		if ((p == words || p[-1] == ' ') &&
		    (p[len] == '\0' || p[len] == ' '))
			return 1;
	return 0;
}

int
test_hook(const char *word)
{
	const char *hooks = getenv("DIST_TEST_HOOKS");

	return hooks != NULL && has_word(hooks, word);
}
