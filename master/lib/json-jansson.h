/*
 * json-jansson.h - what the JSON writer (json-write.c) and reader
 * (json-read.c) share around jansson: its set-up and the UTF-8 repair
 * that comes before it (jansson refuses invalid UTF-8; we replace it).
 */
#ifndef DIST_JSON_JANSSON_H
#define DIST_JSON_JANSSON_H

#include <stddef.h>

/* Once per process: jansson allocates through xmalloc, so that running
 * out of memory ends the program as everywhere else, and a NULL from a
 * jansson constructor can only mean a value it refuses. */
void	 jsonlib_init(void);

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlong form,
 * no surrogate, nothing past U+10FFFF), 0 if invalid or cut by end. */
size_t	 utf8_seq_len(const unsigned char *p, const unsigned char *end);

/* s (len bytes) with every byte that does not start a valid sequence
 * replaced by U+FFFD, in a new NUL-terminated string (its length in
 * *outlen); NULL when s is valid UTF-8 already. */
char	*utf8_repair(const char *s, size_t len, size_t *outlen);

#endif
