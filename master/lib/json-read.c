/*
 * json-read.c - the reader of json-parse.h: jansson parses, around it we
 * keep the limits that matter for hostile input (size, nesting depth),
 * repair text as our own reader did (invalid UTF-8 bytes and lone
 * surrogate escapes become U+FFFD), and copy jansson's tree into the
 * struct jv tree that the callers walk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/json-jansson.h"
#include "lib/json-parse.h"
#include "lib/util.h"

#define JR_FLAGS	(JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL)

/* One input being read: the text given to jansson (the caller's buffer,
 * or a repaired copy of it). */
struct jr {
	const char	*name;
	const char	*text;
	size_t		 len;
	struct strbuf	 copy;
	const char	*from;		/* copied up to here */
	char		**cause;
};

static int PRINTFLIKE(4, 5)
jr_error(struct jr *r, long line, long col, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (r->name != NULL)
		set_cause(r->cause, "%s:%ld:%ld: %s", r->name, line, col, msg);
	else
		set_cause(r->cause, "%ld:%ld: %s", line, col, msg);
	free(msg);
	return -1;
}

/* Line (from 1) of offset off, and the characters before it on its line. */
static void
jr_where(const struct jr *r, size_t off, long *line, long *col)
{
	const unsigned char *q = (const unsigned char *)r->text;
	size_t i;

	*line = 1;
	*col = 0;
	for (i = 0; i < off && i < r->len; i++) {
		if (q[i] == '\n') {
			++*line;
			*col = 0;
		} else if ((q[i] & 0xc0) != 0x80)
			++*col;
	}
}

/* jansson's message with the input it quotes ("invalid token near 'x'")
 * made printable: control bytes as \xNN. */
static const char *
jr_printable(const char *text, char (*buf)[4 * JSON_ERROR_TEXT_LENGTH])
{
	const unsigned char *p = (const unsigned char *)text;
	char *q = *buf;

	for (; *p != '\0' && q < *buf + sizeof *buf - 5; p++) {
		if (*p < 0x20 || *p == 0x7f)
			q += sprintf(q, "\\x%02x", *p);
		else
			*q++ = (char)*p;
	}
	*q = '\0';
	return *buf;
}

/* jansson's error, for a value that started at offset off.  Input that
 * ends too soon is named at its end, as "unexpected end of input". */
static int
jr_error_at(struct jr *r, size_t off, const json_error_t *e)
{
	char buf[4 * JSON_ERROR_TEXT_LENGTH];
	long line, col;

	if (json_error_code(e) == json_error_premature_end_of_input) {
		jr_where(r, r->len, &line, &col);
		return jr_error(r, line, col + 1, "unexpected end of input");
	}
	jr_where(r, off, &line, &col);
	if (e->line > 1) {
		line += e->line - 1;
		col = 0;
	}
	col += e->column > 1 ? e->column : 1;
	return jr_error(r, line, col, "%s", jr_printable(e->text, &buf));
}

/* Replace n bytes at p (of the caller's buffer) by with. */
static void
jr_fix(struct jr *r, const unsigned char *p, size_t n, const char *with)
{
	sb_add(&r->copy, r->from, (size_t)((const char *)p - r->from));
	sb_adds(&r->copy, with);
	r->from = (const char *)p + n;
}

static int
jr_hex4(const unsigned char *p, const unsigned char *end, unsigned *out)
{
	int i;

	if (end - p < 4)
		return -1;
	for (*out = 0, i = 0; i < 4; i++) {
		*out <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			*out |= (unsigned)(p[i] - '0');
		else if ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f')
			*out |= (unsigned)((p[i] | 0x20) - 'a' + 10);
		else
			return -1;
	}
	return 0;
}

/* At "\u" in a string: the bytes of the escape, or of the surrogate pair;
 * a lone surrogate (which jansson refuses) is rewritten as \uFFFD. */
static size_t
jr_unicode(struct jr *r, const unsigned char *p, const unsigned char *end)
{
	unsigned c, lo;

	if (jr_hex4(p + 2, end, &c) == -1)
		return 2;	/* jansson says what is wrong */
	if (c >= 0xd800 && c <= 0xdbff && end - p >= 12 && p[6] == '\\' &&
	    p[7] == 'u' && jr_hex4(p + 8, end, &lo) == 0 &&
	    lo >= 0xdc00 && lo <= 0xdfff)
		return 12;
	if (c >= 0xd800 && c <= 0xdfff)
		jr_fix(r, p, 6, "\\uFFFD");
	return 6;
}

/* The bytes taken at p inside a string. */
static size_t
jr_string_byte(struct jr *r, const unsigned char *p, const unsigned char *end,
    int *in_string)
{
	if (*p == '"')
		*in_string = 0;
	else if (*p == '\\' && end - p >= 2 && p[1] == 'u')
		return jr_unicode(r, p, end);
	else if (*p == '\\' && end - p >= 2 && p[1] < 0x80)
		return 2;
	return 1;
}

/* One pass over the input before jansson: the nesting depth, and the
 * repairs of invalid UTF-8 and lone surrogates (in a copy, if any). */
static int
jr_prepare(struct jr *r)
{
	const unsigned char *start = (const unsigned char *)r->text;
	const unsigned char *p = start, *end = start + r->len;
	int depth = 0, in_string = 0;
	long line, col;
	size_t n;

	r->from = r->text;
	while (p < end) {
		if (*p >= 0x80) {
			if ((n = utf8_seq_len(p, end)) == 0)
				jr_fix(r, p, n = 1, "\xef\xbf\xbd");
			p += n;
			continue;
		}
		if (in_string) {
			p += jr_string_byte(r, p, end, &in_string);
			continue;
		}
		if (*p == '"')
			in_string = 1;
		else if ((*p == '[' || *p == '{') && ++depth > JV_MAX_DEPTH) {
			jr_where(r, (size_t)(p - start), &line, &col);
			return jr_error(r, line, col + 1,
			    "nesting deeper than %d levels", JV_MAX_DEPTH);
		} else if ((*p == ']' || *p == '}') && depth > 0)
			depth--;
		p++;
	}
	if (r->from != r->text) {
		sb_add(&r->copy, r->from, (size_t)(r->text + r->len - r->from));
		r->text = r->copy.buf;
		r->len = r->copy.len;
	}
	return 0;
}

static int
jr_open(struct jr *r, const char *buf, size_t len, const char *name,
    char **cause)
{
	memset(r, 0, sizeof *r);
	r->name = name;
	r->cause = cause;
	if (len > JV_MAX_BYTES) {
		if (name != NULL)
			return set_cause(cause, "%s: too large (%zu bytes, at "
			    "most %zu)", name, len, JV_MAX_BYTES);
		return set_cause(cause, "too large (%zu bytes, at most %zu)",
		    len, JV_MAX_BYTES);
	}
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf += 3;	/* a byte order mark */
		len -= 3;
	}
	r->text = buf;
	r->len = len;
	jsonlib_init();
	return jr_prepare(r);
}

static void
jr_close(struct jr *r)
{
	sb_release(&r->copy);
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

static void jv_take(json_t *, struct jv *);

/* The members of src go into dst one by one, each freed from src once
 * copied (replaced by the null singleton): the two trees are never both
 * whole in memory. */
static void
jv_take_object(json_t *src, struct jv *dst)
{
	size_t n = json_object_size(src);
	void *it;

	dst->type = JV_OBJECT;
	if (n == 0)
		return;
	dst->v = xcalloc(n, sizeof *dst->v);
	dst->k = xcalloc(n, sizeof *dst->k);
	for (it = json_object_iter(src); it != NULL && dst->n < n;
	    it = json_object_iter_next(src, it)) {
		dst->k[dst->n] = xstrdup(json_object_iter_key(it));
		jv_take(json_object_iter_value(it), &dst->v[dst->n++]);
		json_object_iter_set_new(src, it, json_null());
	}
}

static void
jv_take_array(json_t *src, struct jv *dst)
{
	size_t n = json_array_size(src);

	dst->type = JV_ARRAY;
	if (n == 0)
		return;
	dst->v = xcalloc(n, sizeof *dst->v);
	for (; dst->n < n; dst->n++) {
		jv_take(json_array_get(src, dst->n), &dst->v[dst->n]);
		json_array_set_new(src, dst->n, json_null());
	}
}

/* jansson's value into dst (zeroed); the depth is bounded by jr_prepare. */
static void
jv_take(json_t *src, struct jv *dst)
{
	switch (json_typeof(src)) {
	case JSON_OBJECT:
		jv_take_object(src, dst);
		break;
	case JSON_ARRAY:
		jv_take_array(src, dst);
		break;
	case JSON_STRING:
		dst->type = JV_STRING;
		dst->len = json_string_length(src);
		dst->str = xmalloc(dst->len + 1);
		memcpy(dst->str, json_string_value(src), dst->len);
		dst->str[dst->len] = '\0';
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		dst->type = JV_NUMBER;
		dst->number = json_number_value(src);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		dst->type = JV_BOOL;
		dst->boolean = json_is_true(src);
		break;
	case JSON_NULL:
		dst->type = JV_NULL;
		break;
	}
}

/* The offset of the first byte from off that is not a JSON blank. */
static size_t
jr_blanks(const struct jr *r, size_t off)
{
	while (off < r->len && (r->text[off] == ' ' || r->text[off] == '\t' ||
	    r->text[off] == '\n' || r->text[off] == '\r'))
		off++;
	return off;
}

/* The value at offset *off into v, *off moved past it and the blanks
 * after it.  one: it must be the last. */
static int
jr_value(struct jr *r, size_t *off, int one, struct jv *v)
{
	json_error_t e;
	json_t *root;

	root = json_loadb(r->text + *off, r->len - *off,
	    JR_FLAGS | (one ? 0 : JSON_DISABLE_EOF_CHECK), &e);
	if (root == NULL)
		return jr_error_at(r, *off, &e);
	jv_take(root, v);
	json_decref(root);
	*off = jr_blanks(r, *off + (size_t)e.position);
	return 0;
}

struct jv *
jv_parse(const char *buf, size_t len, const char *name, char **cause)
{
	struct jv *v = xcalloc(1, sizeof *v);
	size_t off = 0;
	struct jr r;

	if (jr_open(&r, buf, len, name, cause) == -1 ||
	    jr_value(&r, &off, 1, v) == -1) {
		jv_free(v);
		v = NULL;
	}
	jr_close(&r);
	return v;
}

/* Append an element to an array being built. */
static struct jv *
jv_push(struct jv *a, size_t *alloc)
{
	if (a->n == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 4;
		a->v = xreallocarray(a->v, *alloc, sizeof *a->v);
	}
	memset(&a->v[a->n], 0, sizeof a->v[a->n]);
	return &a->v[a->n++];
}

struct jv *
jv_parse_multi(const char *buf, size_t len, const char *name, char **cause)
{
	struct jv *all = xcalloc(1, sizeof *all);
	size_t alloc = 0, off;
	struct jr r;

	all->type = JV_ARRAY;
	if (jr_open(&r, buf, len, name, cause) == -1)
		goto fail;
	for (off = jr_blanks(&r, 0); off < r.len; )
		if (jr_value(&r, &off, 0, jv_push(all, &alloc)) == -1)
			goto fail;
	jr_close(&r);
	return all;
fail:
	jr_close(&r);
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
