/*
 * json-parse.c - a recursive-descent JSON reader building struct jv trees,
 * with a depth and a size limit and line:column in its errors.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json-parse.h"
#include "util.h"

struct jp {
	const unsigned char	*start, *p, *end;
	const char		*name;
	int			 depth;
	char			**cause;
};

static int jp_value(struct jp *, struct jv *);

/* "NAME:LINE:COL: message" for the current position. */
static int PRINTFLIKE(2, 3)
jp_error(struct jp *jp, const char *fmt, ...)
{
	const unsigned char *q;
	unsigned long line = 1, col = 1;
	va_list ap;
	char *msg;

	for (q = jp->start; q < jp->p && q < jp->end; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else if ((*q & 0xc0) != 0x80)
			col++;
	}
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (jp->name != NULL)
		set_cause(jp->cause, "%s:%lu:%lu: %s", jp->name, line, col, msg);
	else
		set_cause(jp->cause, "%lu:%lu: %s", line, col, msg);
	free(msg);
	return -1;
}

static int
jp_unexpected(struct jp *jp, const char *what)
{
	if (jp->p >= jp->end)
		return jp_error(jp, "unexpected end of input, expected %s", what);
	if (*jp->p >= 0x21 && *jp->p < 0x7f)
		return jp_error(jp, "unexpected '%c', expected %s", *jp->p, what);
	return jp_error(jp, "unexpected byte 0x%02x, expected %s", *jp->p, what);
}

static void
jp_ws(struct jp *jp)
{
	while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' ||
	    *jp->p == '\n' || *jp->p == '\r'))
		jp->p++;
}

static void
jv_clear(struct jv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		jv_clear(&v->v[i]);
		if (v->k != NULL)
			free(v->k[i]);
	}
	free(v->v);
	free(v->k);
	free(v->str);
	memset(v, 0, sizeof *v);
}

void
jv_free(struct jv *v)
{
	if (v == NULL)
		return;
	jv_clear(v);
	free(v);
}

static int
jp_literal(struct jp *jp, struct jv *v)
{
	static const struct { const char *word; enum jv_type type; int b; }
	    words[] = {
		{ "true", JV_BOOL, 1 }, { "false", JV_BOOL, 0 },
		{ "null", JV_NULL, 0 },
	};
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(words); i++) {
		n = strlen(words[i].word);
		if ((size_t)(jp->end - jp->p) >= n &&
		    memcmp(jp->p, words[i].word, n) == 0) {
			v->type = words[i].type;
			v->boolean = words[i].b;
			jp->p += n;
			return 0;
		}
	}
	return jp_unexpected(jp, "a value");
}

static size_t
jp_digits(struct jp *jp, const unsigned char *q)
{
	size_t n = 0;

	while (q + n < jp->end && q[n] >= '0' && q[n] <= '9')
		n++;
	return n;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? then strtod. */
static int
jp_number(struct jp *jp, struct jv *v)
{
	const unsigned char *q = jp->p;
	size_t n;
	char *copy;

	if (q < jp->end && *q == '-')
		q++;
	if ((n = jp_digits(jp, q)) == 0 || (q[0] == '0' && n > 1)) {
		jp->p = q + (n > 1 ? 1 : 0);
		return jp_error(jp, "invalid number");
	}
	q += n;
	if (q < jp->end && *q == '.') {
		if ((n = jp_digits(jp, ++q)) == 0) {
			jp->p = q;
			return jp_error(jp, "invalid number: no digit after '.'");
		}
		q += n;
	}
	if (q < jp->end && (*q == 'e' || *q == 'E')) {
		if (++q < jp->end && (*q == '+' || *q == '-'))
			q++;
		if ((n = jp_digits(jp, q)) == 0) {
			jp->p = q;
			return jp_error(jp, "invalid number: no digit in the exponent");
		}
		q += n;
	}
	copy = xstrndup((const char *)jp->p, (size_t)(q - jp->p));
	v->number = strtod(copy, NULL);
	free(copy);
	if (!isfinite(v->number))
		return jp_error(jp, "number out of range");
	v->type = JV_NUMBER;
	jp->p = q;
	return 0;
}

static void
utf8_put(struct strbuf *sb, unsigned long c)
{
	char b[4];

	if (c < 0x80) {
		sb_addc(sb, (char)c);
		return;
	}
	if (c < 0x800) {
		b[0] = (char)(0xc0 | (c >> 6));
		b[1] = (char)(0x80 | (c & 0x3f));
		sb_add(sb, b, 2);
	} else if (c < 0x10000) {
		b[0] = (char)(0xe0 | (c >> 12));
		b[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[2] = (char)(0x80 | (c & 0x3f));
		sb_add(sb, b, 3);
	} else {
		b[0] = (char)(0xf0 | (c >> 18));
		b[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[3] = (char)(0x80 | (c & 0x3f));
		sb_add(sb, b, 4);
	}
}

/* Length of the valid UTF-8 sequence at p (RFC 3629), 0 if invalid. */
static size_t
utf8_valid(const unsigned char *p, const unsigned char *end)
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

static int
jp_hex4(struct jp *jp, const unsigned char *q, unsigned long *out)
{
	size_t i;

	*out = 0;
	if (jp->end - q < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		unsigned char c = q[i];

		*out <<= 4;
		if (c >= '0' && c <= '9')
			*out |= (unsigned long)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*out |= (unsigned long)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*out |= (unsigned long)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/* At "\u": decode one escape, or a surrogate pair of them. */
static int
jp_unicode(struct jp *jp, struct strbuf *sb)
{
	unsigned long c, lo;

	if (jp_hex4(jp, jp->p + 2, &c) == -1)
		return jp_error(jp, "invalid \\u escape");
	jp->p += 6;
	if (c >= 0xd800 && c <= 0xdbff && jp->end - jp->p >= 6 &&
	    jp->p[0] == '\\' && jp->p[1] == 'u' &&
	    jp_hex4(jp, jp->p + 2, &lo) == 0 && lo >= 0xdc00 && lo <= 0xdfff) {
		c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
		jp->p += 6;
	} else if (c >= 0xd800 && c <= 0xdfff)
		c = 0xfffd;	/* a lone surrogate */
	utf8_put(sb, c);
	return 0;
}

static int
jp_escape(struct jp *jp, struct strbuf *sb)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;

	if (jp->p + 1 >= jp->end) {
		jp->p = jp->end;
		return jp_unexpected(jp, "an escape");
	}
	if (jp->p[1] == 'u')
		return jp_unicode(jp, sb);
	if (jp->p[1] == '\0' || (e = strchr(from, jp->p[1])) == NULL) {
		jp->p++;
		if (*jp->p >= 0x21 && *jp->p < 0x7f)
			return jp_error(jp, "invalid escape '\\%c'", *jp->p);
		return jp_error(jp, "invalid escape");
	}
	sb_addc(sb, to[e - from]);
	jp->p += 2;
	return 0;
}

/* At '"': the decoded string. */
static int
jp_string(struct jp *jp, char **out, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n;

	jp->p++;
	for (;;) {
		if (jp->p >= jp->end) {
			sb_release(&sb);
			return jp_error(jp, "unterminated string");
		}
		if (*jp->p == '"')
			break;
		if (*jp->p < 0x20) {
			sb_release(&sb);
			return jp_error(jp, "control character 0x%02x in a string",
			    *jp->p);
		}
		if (*jp->p == '\\') {
			if (jp_escape(jp, &sb) == -1) {
				sb_release(&sb);
				return -1;
			}
		} else if ((n = utf8_valid(jp->p, jp->end)) == 0) {
			utf8_put(&sb, 0xfffd);
			jp->p++;
		} else {
			sb_add(&sb, jp->p, n);
			jp->p += n;
		}
	}
	jp->p++;
	*len = sb.len;
	*out = sb_detach(&sb);
	return 0;
}

/* Append a member to an array or object being built. */
static struct jv *
jv_push(struct jv *v, size_t *alloc, char *key)
{
	if (v->n == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 4;
		v->v = xreallocarray(v->v, *alloc, sizeof *v->v);
		if (v->type == JV_OBJECT)
			v->k = xreallocarray(v->k, *alloc, sizeof *v->k);
	}
	if (v->type == JV_OBJECT)
		v->k[v->n] = key;
	memset(&v->v[v->n], 0, sizeof v->v[v->n]);
	return &v->v[v->n++];
}

/* After a member: ',' (more) returns 1, the closing bracket 0. */
static int
jp_next(struct jp *jp, char close, const char *what)
{
	jp_ws(jp);
	if (jp->p < jp->end && *jp->p == ',') {
		jp->p++;
		jp_ws(jp);
		return 1;
	}
	if (jp->p < jp->end && *jp->p == close) {
		jp->p++;
		return 0;
	}
	return jp_unexpected(jp, what);
}

static int
jp_array(struct jp *jp, struct jv *v)
{
	size_t alloc = 0;
	int more;

	v->type = JV_ARRAY;
	jp->p++;
	jp_ws(jp);
	if (jp->p < jp->end && *jp->p == ']') {
		jp->p++;
		return 0;
	}
	do {
		if (jp_value(jp, jv_push(v, &alloc, NULL)) == -1)
			return -1;
	} while ((more = jp_next(jp, ']', "',' or ']'")) == 1);
	return more;
}

static int
jp_member(struct jp *jp, struct jv *v, size_t *alloc)
{
	char *key;
	size_t len;

	if (jp->p >= jp->end || *jp->p != '"')
		return jp_unexpected(jp, "a string key");
	if (jp_string(jp, &key, &len) == -1)
		return -1;
	jp_ws(jp);
	if (jp->p >= jp->end || *jp->p != ':') {
		free(key);
		return jp_unexpected(jp, "':' after the key");
	}
	jp->p++;
	jp_ws(jp);
	return jp_value(jp, jv_push(v, alloc, key));
}

static int
jp_object(struct jp *jp, struct jv *v)
{
	size_t alloc = 0;
	int more;

	v->type = JV_OBJECT;
	jp->p++;
	jp_ws(jp);
	if (jp->p < jp->end && *jp->p == '}') {
		jp->p++;
		return 0;
	}
	do {
		if (jp_member(jp, v, &alloc) == -1)
			return -1;
	} while ((more = jp_next(jp, '}', "',' or '}'")) == 1);
	return more;
}

/* Parse a value at p (no leading blanks) into v; v is cleared on error. */
static int
jp_value(struct jp *jp, struct jv *v)
{
	int rc;

	if (jp->p >= jp->end)
		return jp_unexpected(jp, "a value");
	switch (*jp->p) {
	case '{':
	case '[':
		if (jp->depth >= JV_MAX_DEPTH)
			return jp_error(jp, "nesting deeper than %d levels",
			    JV_MAX_DEPTH);
		jp->depth++;
		rc = *jp->p == '{' ? jp_object(jp, v) : jp_array(jp, v);
		jp->depth--;
		break;
	case '"':
		v->type = JV_STRING;
		rc = jp_string(jp, &v->str, &v->len);
		break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		rc = jp_number(jp, v);
		break;
	default:
		rc = jp_literal(jp, v);
		break;
	}
	if (rc == -1)
		jv_clear(v);
	return rc;
}

static int
jp_init(struct jp *jp, const char *buf, size_t len, const char *name,
    char **cause)
{
	memset(jp, 0, sizeof *jp);
	jp->start = jp->p = (const unsigned char *)buf;
	jp->end = jp->start + len;
	jp->name = name;
	jp->cause = cause;
	if (len > JV_MAX_BYTES) {
		if (name != NULL)
			return set_cause(cause, "%s: too large (%zu bytes, at "
			    "most %zu)", name, len, JV_MAX_BYTES);
		return set_cause(cause, "too large (%zu bytes, at most %zu)",
		    len, JV_MAX_BYTES);
	}
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		jp->p += 3;	/* a byte order mark */
	jp_ws(jp);
	return 0;
}

struct jv *
jv_parse(const char *buf, size_t len, const char *name, char **cause)
{
	struct jv *v = xcalloc(1, sizeof *v);
	struct jp jp;

	if (jp_init(&jp, buf, len, name, cause) == -1 ||
	    jp_value(&jp, v) == -1)
		goto fail;
	jp_ws(&jp);
	if (jp.p < jp.end) {
		jp_unexpected(&jp, "the end after the value");
		goto fail;
	}
	return v;
fail:
	jv_free(v);
	return NULL;
}

struct jv *
jv_parse_multi(const char *buf, size_t len, const char *name, char **cause)
{
	struct jv *all = xcalloc(1, sizeof *all);
	size_t alloc = 0;
	struct jp jp;

	all->type = JV_ARRAY;
	if (jp_init(&jp, buf, len, name, cause) == -1)
		goto fail;
	while (jp.p < jp.end) {
		if (jp_value(&jp, jv_push(all, &alloc, NULL)) == -1)
			goto fail;
		jp_ws(&jp);
	}
	return all;
fail:
	jv_free(all);
	return NULL;
}

const struct jv *
jv_get(const struct jv *obj, const char *key)
{
	size_t i;

	if (obj == NULL || obj->type != JV_OBJECT)
		return NULL;
	for (i = obj->n; i > 0; i--)
		if (strcmp(obj->k[i - 1], key) == 0)
			return &obj->v[i - 1];
	return NULL;
}

const char *
jv_str(const struct jv *v)
{
	return v != NULL && v->type == JV_STRING ? v->str : NULL;
}

int
jv_num(const struct jv *v, double *out)
{
	if (v == NULL || v->type != JV_NUMBER)
		return -1;
	*out = v->number;
	return 0;
}

int
jv_is(const struct jv *v, enum jv_type type)
{
	return v != NULL && v->type == type;
}
