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

/* Read a whole file into memory (NUL-terminated); -1 with cause. */
int	 read_file(const char *path, char **data, size_t *len, char **cause);
/* Write data to path atomically (path.tmp + fsync + rename). */
int	 write_file_atomic(const char *path, const void *, size_t, char **cause);
/* mkdir -p; mode for created directories. */
int	 mkdir_p(const char *path, unsigned mode, char **cause);
/* Remove a directory tree (no symlink following). */
int	 rm_rf(const char *path, char **cause);

/* Duration "90s", "15m", "2h", "1h30m", "1d", bare number = seconds. */
int	 parse_duration(const char *, uint64_t *seconds, char **cause);
/* Format seconds as "2h13m", "3m12s", "45s". */
char	*format_duration(uint64_t seconds);

/* Monotonic and wall clocks. */
double	 now_mono(void);
double	 now_wall(void);
/* UTC "2026-11-23T09:05:13Z". */
char	*format_utc(double wall);

/* True if s is a safe file name component: [A-Za-z0-9._+@-], no leading
 * dot, not empty, at most 128 bytes. */
int	 safe_name(const char *s);

/* Quote s for a POSIX sh single-quoted word ('it'\''s'). */
char	*sh_quote(const char *s);

#endif
