/*
 * notify-mail.c - the text of a status report and the mail carrying it:
 * RFC 5322 headers (RFC 2047 encoded, folded), a MIME text/plain body
 * (7bit or quoted-printable, CRLF, no line over 998 bytes).
 */
#include <sys/random.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"

#define LINE_SOFT	78	/* header lines fold to this width */
#define LINE_HARD	998	/* RFC 5322: never longer */
#define QP_WIDTH	76	/* quoted-printable lines */
#define TAIL_LINES	50	/* of a log tail in a mail */
#define TAIL_BYTES	8192
#define TABLE_ROWS	500	/* summary rows listed in a mail */
#define TABLE_FAILS	20	/* failures whose log tails are shown */
#define SUMMARY_FAILS	10	/* failures named in a chat summary */
#define COLUMN_MAX	40	/* padding stops growing there */

/* Length of the valid UTF-8 sequence at p (0 if invalid). */
static size_t
utf8_seq(const unsigned char *p)
{
	uint32_t cp;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 ||
	    cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp >= 0x80 && cp < 0xa0)	/* C1 controls */
		return 0;
	return n;
}

char *
notify_clean(const char *s, int multiline)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t n;

	while (*p != '\0') {
		if (*p == '\r' || *p == '\n') {
			int crlf = p[0] == '\r' && p[1] == '\n';
			sb_addc(&sb, multiline ? '\n' : ' ');
			p += crlf ? 2 : 1;
		} else if (*p == '\t')
			sb_addc(&sb, multiline ? '\t' : ' '), p++;
		else if (*p < ' ' || *p == 0x7f)
			sb_addc(&sb, '?'), p++;
		else if ((n = utf8_seq(p)) == 0)
			sb_adds(&sb, "\xef\xbf\xbd"), p++;	/* U+FFFD */
		else
			sb_add(&sb, p, n), p += n;
	}
	return sb_detach(&sb);
}

/* Characters (not bytes) in UTF-8 s. */
static size_t
text_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static int
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/*
 * Fold printable ASCII at spaces (before each space, which unfolding
 * keeps); -1 if a line would still be over LINE_HARD.
 */
static int
fold_ascii(struct strbuf *sb, const char *name, const char *value)
{
	size_t col = strlen(name) + 2, n;
	const char *p = value;

	sb_addf(sb, "%s: ", name);
	while (*p != '\0') {
		n = strcspn(p + 1, " ") + 1;	/* a word with its space */
		if (col + n > LINE_SOFT && p != value && *p == ' ') {
			sb_adds(sb, "\r\n");
			col = 0;
		}
		if (col + n > LINE_HARD)
			return -1;
		sb_add(sb, p, n);
		col += n;
		p += n;
	}
	return 0;
}

/* The RFC 2047 Q form of one character (of n bytes). */
static void
q_char(struct strbuf *sb, const unsigned char *p, size_t n)
{
	size_t i;

	if (n == 1 && *p == ' ')
		sb_addc(sb, '_');
	else if (n == 1 && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
	    *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("!*+-/", *p)))
		sb_addc(sb, (char)*p);
	else
		for (i = 0; i < n; i++)
			sb_addf(sb, "=%02X", p[i]);
}

static void
b64(struct strbuf *sb, const unsigned char *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t v;
	size_t i;

	for (i = 0; i < n; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		sb_addc(sb, tab[v >> 18 & 63]);
		sb_addc(sb, tab[v >> 12 & 63]);
		sb_addc(sb, i + 1 < n ? tab[v >> 6 & 63] : '=');
		sb_addc(sb, i + 2 < n ? tab[v & 63] : '=');
	}
}

/* Encoded length of chunk [p, p+n) in Q (b64 == 0) or B form. */
static size_t
ew_len(const unsigned char *p, size_t n, int use_b64)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len, i, cl;

	if (use_b64)
		return (n + 2) / 3 * 4;
	for (i = 0; i < n; i += cl) {
		cl = utf8_seq(p + i);
		q_char(&sb, p + i, cl != 0 ? cl : 1);
		if (cl == 0)
			cl = 1;
	}
	len = sb.len;
	sb_release(&sb);
	return len;
}

static void
ew_emit(struct strbuf *sb, const unsigned char *p, size_t n, int use_b64)
{
	size_t i, cl;

	sb_adds(sb, use_b64 ? "=?UTF-8?B?" : "=?UTF-8?Q?");
	if (use_b64)
		b64(sb, p, n);
	else
		for (i = 0; i < n; i += cl) {
			cl = utf8_seq(p + i);
			if (cl == 0)
				cl = 1;
			q_char(sb, p + i, cl);
		}
	sb_adds(sb, "?=");
}

/*
 * The whole value as RFC 2047 encoded-words of whole characters, each at
 * most 75 characters and alone on its (folded) line.
 */
static void
fold_encoded(struct strbuf *sb, const char *name, const char *value)
{
	const unsigned char *p = (const unsigned char *)value, *start = p;
	size_t plain = 0, len = strlen(value), room, cl;
	int use_b64;

	for (cl = 0; cl < len; cl++)
		if (p[cl] >= 0x80 || strchr("=?_", p[cl]) != NULL)
			plain++;
	use_b64 = plain * 4 > len;	/* B when over a quarter is encoded */
	sb_addf(sb, "%s: ", name);
	room = LINE_SOFT - strlen(name) - 2 - 12;
	if (room > 63 || strlen(name) > 40)
		room = 63;
	while (*p != '\0') {
		cl = utf8_seq(p);
		if (cl == 0)
			cl = 1;
		if (p > start && ew_len(start, (size_t)(p - start) + cl,
		    use_b64) > room) {
			ew_emit(sb, start, (size_t)(p - start), use_b64);
			sb_adds(sb, "\r\n ");
			start = p;
			room = 63;
		}
		p += cl;
	}
	if (p > start || *value == '\0')
		ew_emit(sb, start, (size_t)(p - start), use_b64);
}

char *
notify_header(const char *name, const char *value)
{
	struct strbuf sb = STRBUF_INIT;
	char *v = notify_clean(value, 0);

	if (!is_ascii(v) || strstr(v, "=?") != NULL ||
	    fold_ascii(&sb, name, v) != 0) {
		sb_reset(&sb);
		fold_encoded(&sb, name, v);
	}
	free(v);
	return sb_detach(&sb);
}
