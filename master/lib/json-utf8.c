/*
 * json-utf8.c - jansson's set-up and the UTF-8 repair done before text
 * reaches it: an invalid byte becomes U+FFFD, as our own writer and
 * reader did before jansson.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/json-jansson.h"
#include "lib/util.h"

static pthread_once_t jsonlib_once = PTHREAD_ONCE_INIT;

static void
jsonlib_setup(void)
{
	json_set_alloc_funcs(xmalloc, free);
}

void
jsonlib_init(void)
{
	pthread_once(&jsonlib_once, jsonlib_setup);
}

size_t
utf8_seq_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else
		return 0;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

char *
utf8_repair(const char *s, size_t len, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	const unsigned char *from = p;
	struct strbuf sb = STRBUF_INIT;
	size_t n;

	while (p < end) {
		if ((n = utf8_seq_len(p, end)) > 0) {
			p += n;
			continue;
		}
		sb_add(&sb, from, (size_t)(p - from));
		sb_adds(&sb, "\xef\xbf\xbd");
		from = ++p;
	}
	if (from == (const unsigned char *)s)
		return NULL;
	sb_add(&sb, from, (size_t)(end - from));
	*outlen = sb.len;
	return sb_detach(&sb);
}
