/*
 * json-write.c - the writer of json.h over jansson.  Containers at the
 * first JSON_STREAM_LEVELS levels are written into the buffer as they go,
 * laid out exactly as jansson lays out a whole tree; values below them are
 * jansson trees, dumped (and freed) when closed.  A run.json of 100,000
 * jobs thus holds one job's tree at a time, never all of them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>	/* before json.h, whose json_null() is a macro */

#include "lib/json-jansson.h"
#include "lib/json.h"

#define JSON_STREAM_LEVELS	2
#define JSON_DUMP_FLAGS		(JSON_ENCODE_ANY | JSON_PRESERVE_ORDER | \
				 JSON_REAL_PRECISION(12))

static const char jw_spaces[2 * JSON_MAX_DEPTH + 1] =
    "                                                                ";

struct jw_out {
	struct strbuf	*sb;
	int		 indent;	/* spaces added after each newline */
};

/* jansson's output, moved right by o->indent: it is dumped as if at the
 * top, while it sits o->indent / 2 levels deep.  A newline is only ever
 * layout, since strings have theirs escaped. */
static int
jw_emit(const char *buf, size_t size, void *arg)
{
	struct jw_out *o = arg;
	const char *nl;
	size_t n;

	while ((nl = memchr(buf, '\n', size)) != NULL) {
		n = (size_t)(nl - buf) + 1;
		sb_add(o->sb, buf, n);
		sb_add(o->sb, jw_spaces, (size_t)o->indent);
		buf += n;
		size -= n;
	}
	sb_add(o->sb, buf, size);
	return 0;
}

static void
jw_dump(struct json *j, const json_t *v, int level)
{
	struct jw_out o = { j->sb, j->pretty ? 2 * level : 0 };
	size_t flags = JSON_DUMP_FLAGS |
	    (j->pretty ? JSON_INDENT(2) : JSON_COMPACT);

	json_dump_callback(v, jw_emit, &o, flags);
}

/* A JSON string of s, made valid UTF-8 first (so jansson need not check
 * it again); NULL gives null. */
static json_t *
jw_string(const char *s)
{
	size_t len, fixed_len;
	char *fixed;
	json_t *v;

	if (s == NULL)
		return (json_null)();
	len = strlen(s);
	if ((fixed = utf8_repair(s, len, &fixed_len)) == NULL)
		return json_stringn_nocheck(s, len);
	v = json_stringn_nocheck(fixed, fixed_len);
	free(fixed);
	return v;
}

static void
jw_newline(struct json *j, int level)
{
	if (j->pretty) {
		sb_addc(j->sb, '\n');
		sb_add(j->sb, jw_spaces, 2 * (size_t)level);
	}
}

/* Before a member of the container written as it goes on top: the
 * separator, its line and its key. */
static void
jw_prefix(struct json *j, const char *key)
{
	int top = j->depth - 1;
	json_t *k;

	if (top < 0)
		return;
	if (j->count[top]++ > 0)
		sb_addc(j->sb, ',');
	jw_newline(j, j->depth);
	if (!j->object[top])
		return;
	k = jw_string(key != NULL ? key : "");
	jw_dump(j, k, 0);
	json_decref(k);
	sb_adds(j->sb, j->pretty ? ": " : ":");
}

/* Add v (a new reference, taken) to the tree container on top. */
static void
jw_attach(struct json *j, const char *key, json_t *v)
{
	json_t *parent = j->tree[j->depth - 1];
	size_t len, fixed_len;
	char *fixed;

	if (!json_is_object(parent)) {
		json_array_append_new(parent, v);
		return;
	}
	if (key == NULL)
		key = "";
	len = strlen(key);
	if ((fixed = utf8_repair(key, len, &fixed_len)) == NULL) {
		json_object_setn_new_nocheck(parent, key, len, v);
		return;
	}
	json_object_setn_new_nocheck(parent, fixed, fixed_len, v);
	free(fixed);
}

/* A scalar v (a new reference, taken) as the next value. */
static void
jw_value(struct json *j, const char *key, json_t *v)
{
	if (j->lost > 0 || v == NULL) {
		json_decref(v);
		return;
	}
	if (j->depth > 0 && j->tree[j->depth - 1] != NULL) {
		jw_attach(j, key, v);
		return;
	}
	jw_prefix(j, key);
	jw_dump(j, v, j->depth);
	json_decref(v);
}

static void
jw_open(struct json *j, const char *key, int object)
{
	int level = j->depth;
	json_t *c;

	if (j->lost > 0 || level == JSON_MAX_DEPTH) {
		j->lost++;
		return;
	}
	j->object[level] = (char)object;
	j->count[level] = 0;
	j->tree[level] = NULL;
	if (level < JSON_STREAM_LEVELS) {
		jw_prefix(j, key);
		sb_addc(j->sb, object ? '{' : '[');
		j->depth++;
		return;
	}
	c = object ? json_object() : json_array();
	if (j->tree[level - 1] != NULL)	/* its parent keeps it */
		jw_attach(j, key, c);
	else				/* dumped when closed */
		jw_prefix(j, key);
	j->tree[level] = c;
	j->depth++;
}

static void
jw_close(struct json *j)
{
	int level;

	if (j->lost > 0) {
		j->lost--;
		return;
	}
	if (j->depth == 0)
		return;
	level = --j->depth;
	if (j->tree[level] == NULL) {
		if (j->count[level] > 0)
			jw_newline(j, level);
		sb_addc(j->sb, j->object[level] ? '}' : ']');
	} else if (j->tree[level - 1] == NULL) {
		jw_dump(j, j->tree[level], level);
		json_decref(j->tree[level]);
	}
	j->tree[level] = NULL;
	if (level == 0 && j->pretty)
		sb_addc(j->sb, '\n');
}

void
json_init(struct json *j, struct strbuf *sb, int pretty)
{
	jsonlib_init();
	memset(j, 0, sizeof *j);
	j->sb = sb;
	j->pretty = pretty;
}

void json_obj_open(struct json *j, const char *key) { jw_open(j, key, 1); }
void json_obj_close(struct json *j) { jw_close(j); }
void json_arr_open(struct json *j, const char *key) { jw_open(j, key, 0); }
void json_arr_close(struct json *j) { jw_close(j); }

void
json_str(struct json *j, const char *key, const char *value)
{
	jw_value(j, key, jw_string(value));
}

void
json_int(struct json *j, const char *key, int64_t v)
{
	jw_value(j, key, json_integer((json_int_t)v));
}

void
json_uint(struct json *j, const char *key, uint64_t v)
{
	jw_value(j, key, v <= INT64_MAX ? json_integer((json_int_t)v) :
	    json_real((double)v));
}

void
json_double(struct json *j, const char *key, double v)
{
	jw_value(j, key, isfinite(v) ? json_real(v) : (json_null)());
}

void
json_bool(struct json *j, const char *key, int v)
{
	jw_value(j, key, json_boolean(v));
}

void
jw_null(struct json *j, const char *key)
{
	jw_value(j, key, (json_null)());
}

void
json_quote(struct strbuf *sb, const char *s)
{
	struct json j;
	json_t *v;

	json_init(&j, sb, 0);
	v = jw_string(s);
	jw_dump(&j, v, 0);
	json_decref(v);
}
