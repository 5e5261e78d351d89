/*
 * util.h - allocation that never fails, growable strings, small helpers.
 *
 * Library functions never exit; they return 0 or -1 and set an allocated
 * message in *cause (see set_cause).  Only xmalloc and friends abort, on
 * out-of-memory, because nothing sensible can follow it.
 */
#ifndef DIST_UTIL_H
#define DIST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define DIST_VERSION "0.1.0"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#else
#define PRINTFLIKE(f, a)
#define NORETURN
#endif

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
char *xasprintf(const char *, ...) PRINTFLIKE(1, 2);
char *xvasprintf(const char *, va_list) PRINTFLIKE(1, 0);

/* Replace *cause (if cause is not NULL) with a formatted message; returns -1. */
int set_cause(char **cause, const char *, ...) PRINTFLIKE(2, 3);
/* Prefix an existing *cause: "prefix: old". Returns -1. */
int prefix_cause(char **cause, const char *, ...) PRINTFLIKE(2, 3);

/* Growable NUL-terminated buffer (git's strbuf). */
struct strbuf {
	char	*buf;
	size_t	 len;
	size_t	 alloc;
};
#define STRBUF_INIT { NULL, 0, 0 }
void	 sb_grow(struct strbuf *, size_t);
void	 sb_add(struct strbuf *, const void *, size_t);
void	 sb_adds(struct strbuf *, const char *);
void	 sb_addc(struct strbuf *, char);
void	 sb_addf(struct strbuf *, const char *, ...) PRINTFLIKE(2, 3);
void	 sb_reset(struct strbuf *);
void	 sb_release(struct strbuf *);
char	*sb_detach(struct strbuf *);
const char *sb_str(const struct strbuf *);	/* "" when empty */

/* A NULL-terminated, growable vector of strings (argv-like). */
struct strvec {
	char	**v;
	size_t	  n;
	size_t	  alloc;
};
#define STRVEC_INIT { NULL, 0, 0 }
void	 sv_push(struct strvec *, const char *);
void	 sv_pushf(struct strvec *, const char *, ...) PRINTFLIKE(2, 3);
void	 sv_clear(struct strvec *);
void	 sv_copy(struct strvec *dst, const struct strvec *src);

/* Read a whole file into memory (NUL-terminated); -1 with cause.  Only
 * for files of our own: anything a job wrote may be huge. */
int	 read_file(const char *path, char **data, size_t *len, char **cause);
/* The same, refusing a file of more than max bytes ("skipped: too large"). */
int	 read_file_max(const char *path, size_t max, char **data, size_t *len,
	    char **cause);
/* The last max bytes of a file (all of it if smaller), NUL-terminated. */
int	 read_file_tail(const char *path, size_t max, char **data, size_t *len,
	    char **cause);
/* write(2) all of data, again after EINTR; -1 with errno. */
int	 write_all(int fd, const void *data, size_t len);
/* Write data to path atomically (path.tmp + fsync + rename). */
int	 write_file_atomic(const char *path, const void *, size_t, char **cause);
/* The same without the fsync: for files of a directory synced as a whole
 * (a collected job's, see collect.c: one syncfs per job). */
int	 write_file_unsynced(const char *path, const void *, size_t,
	    char **cause);
/* mkdir -p; mode for created directories. */
int	 mkdir_p(const char *path, unsigned mode, char **cause);
/* Remove a directory tree (no symlink following), relative to each
 * parent directory: trees deeper than PATH_MAX go too. */
int	 rm_rf(const char *path, char **cause);

/* Duration "90s", "15m", "2h", "1h30m", "1d", bare number = seconds. */
int	 parse_duration(const char *, uint64_t *seconds, char **cause);
/* Format seconds as "2h13m", "3m12s", "45s". */
char	*format_duration(uint64_t seconds);

/* Test only: is word one of DIST_TEST_HOOKS's (space-separated)? */
int	 test_hook(const char *word);

/* Monotonic and wall clocks. */
double	 now_mono(void);
double	 now_wall(void);
/* UTC "2026-11-23T09:05:13Z"; "-" for any time outside the years
 * 1970-9999 (or not a number): safe for whatever a worker sent. */
char	*format_utc(double wall);

/*
 * Clock readings kept as integers (nanoseconds), so that sums and
 * differences are exact; they become seconds (a double) only when written
 * out.  Epoch times a worker writes ("1796000000.42") parse exactly.
 */
#define NS_PER_SEC	INT64_C(1000000000)
int64_t	 clock_wall_ns(void);
int64_t	 clock_mono_ns(void);
double	 ns_to_sec(int64_t ns);
/* Epoch seconds with up to 9 decimals, within [0, 2^33) s; -1 if not. */
int	 parse_epoch_ns(const char *s, int64_t *ns);
/* UTC "2026-11-23T09:05:13Z" of a clock_wall_ns() reading. */
char	*format_utc_ns(int64_t wall_ns);

/* True if s is a safe file name component: [A-Za-z0-9._+@-], no leading
 * dot, not empty, at most 128 bytes. */
int	 safe_name(const char *s);

/*
 * Text from a worker, made safe to show and log: bytes below 0x20, DEL,
 * C1 controls and bytes that are not UTF-8 become \xNN (\n, \t, \r as
 * such), so no escape sequence reaches a terminal and no newline forges a
 * line.  keep_nl: newlines pass through (multi-line messages of our own).
 */
void	 sb_add_printable(struct strbuf *, const char *, size_t, int keep_nl);
char	*str_printable(const char *s);	/* allocated; NULL for NULL */
char	*str_printable_lines(const char *s);	/* newlines kept */

/* Strict numbers from a worker: optional '-', decimal digits only, nothing
 * after, within [min, max].  0, or -1 leaving *out alone. */
int	 parse_ll(const char *, long long min, long long max, long long *out);
int	 parse_int(const char *, int min, int max, int *out);
/* A wall-clock time "1764000000.25" (seconds since the epoch, no sign or
 * exponent, at most 9 decimals), after 1970 and before the year 10000. */

/* The agent's safe_token: a name in a worker's directory, as the agent
 * checks it ([A-Za-z0-9._+@-], not "." or "..", at most 1024 bytes). */
int	 worker_token(const char *s);

/* Quote s for a POSIX sh single-quoted word ('it'\''s'). */
char	*sh_quote(const char *s);

#endif
