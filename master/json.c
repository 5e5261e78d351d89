/*
 * json.c - streaming JSON writer.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

void
json_init(struct json *j, struct strbuf *sb, int pretty)
{
	memset(j, 0, sizeof *j);
	j->sb = sb;
	j->pretty = pretty;
}

static size_t
utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void
json_quote(struct strbuf *sb, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	sb_addc(sb, '"');
	while (*s != '\0') {
		if (*s == '"' || *s == '\\') {
			sb_addc(sb, '\\');
			sb_addc(sb, (char)*s++);
		} else if (*s == '\n') {
			sb_adds(sb, "\\n"); s++;
		} else if (*s == '\t') {
			sb_adds(sb, "\\t"); s++;
		} else if (*s == '\r') {
			sb_adds(sb, "\\r"); s++;
		} else if (*s < 0x20 || *s == 0x7f) {
			sb_addf(sb, "\\u%04x", *s++);
		} else if ((n = utf8_len(s)) == 0) {
			sb_adds(sb, "\\ufffd"); s++;
		} else {
			sb_add(sb, s, n);
			s += n;
		}
	}
	sb_addc(sb, '"');
}

static void
json_indent(struct json *j)
{
	int i;

	if (!j->pretty)
		return;
	sb_addc(j->sb, '\n');
	for (i = 0; i < j->depth; i++)
		sb_adds(j->sb, "  ");
}

static void
json_key(struct json *j, const char *key)
{
	if (j->depth > 0 && j->count[j->depth]++ > 0)
		sb_addc(j->sb, ',');
	if (j->depth > 0)
		json_indent(j);
	if (key != NULL) {
		json_quote(j->sb, key);
		sb_adds(j->sb, j->pretty ? ": " : ":");
	}
}

static void
json_open(struct json *j, const char *key, char c)
{
	json_key(j, key);
	sb_addc(j->sb, c);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->count[j->depth] = 0;
}

static void
json_close(struct json *j, char c)
{
	int had = j->count[j->depth] > 0;

	if (j->depth > 0)
		j->depth--;
	if (had)
		json_indent(j);
	sb_addc(j->sb, c);
	if (j->depth == 0 && j->pretty)
		sb_addc(j->sb, '\n');
}

void json_obj_open(struct json *j, const char *key) { json_open(j, key, '{'); }
void json_obj_close(struct json *j) { json_close(j, '}'); }
void json_arr_open(struct json *j, const char *key) { json_open(j, key, '['); }
void json_arr_close(struct json *j) { json_close(j, ']'); }

void
json_str(struct json *j, const char *key, const char *value)
{
	json_key(j, key);
	if (value == NULL)
		sb_adds(j->sb, "null");
	else
		json_quote(j->sb, value);
}

void
json_int(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	sb_addf(j->sb, "%lld", (long long)v);
}

void
json_uint(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	sb_addf(j->sb, "%llu", (unsigned long long)v);
}

void
json_double(struct json *j, const char *key, double v)
{
	json_key(j, key);
	if (isfinite(v))
		sb_addf(j->sb, "%.12g", v);
	else
		sb_adds(j->sb, "null");
}

void
json_bool(struct json *j, const char *key, int v)
{
	json_key(j, key);
	sb_adds(j->sb, v ? "true" : "false");
}

void
json_null(struct json *j, const char *key)
{
	json_key(j, key);
	sb_adds(j->sb, "null");
}
