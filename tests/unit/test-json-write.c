/*
 * test-json-write.c - the JSON writer (json.h over jansson): its layout is
 * jansson's own dump of the same tree, in pretty and compact form; strings
 * are escaped and invalid UTF-8 becomes U+FFFD (values and keys); numbers
 * keep 12 digits; what is written reads back the same; nesting past the
 * limit is dropped without breaking the document.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>	/* before json.h, whose json_null() is a macro */

#include "lib/json-parse.h"
#include "lib/json.h"
#include "lib/util.h"
#include "test.h"

/* The same document twice: through json.h into sb, and as one jansson
 * tree (returned).  Four levels deep, with every type and empty
 * containers at each level. */
static json_t *
write_sample(struct json *j)
{
	json_t *root = json_object(), *arr = json_array(), *o, *deep;

	json_obj_open(j, NULL);
	json_str(j, "name", "t\xc3\xa9st");
	json_object_set_new(root, "name", json_string("t\xc3\xa9st"));
	json_obj_open(j, "empty");
	json_obj_close(j);
	json_object_set_new(root, "empty", json_object());
	json_arr_open(j, "rows");
	json_object_set_new(root, "rows", arr);
	json_arr_open(j, NULL);
	json_arr_close(j);
	json_array_append_new(arr, json_array());
	json_obj_open(j, NULL);
	o = json_object();
	json_array_append_new(arr, o);
	json_int(j, "i", -42);
	json_object_set_new(o, "i", json_integer(-42));
	json_double(j, "d", 0.1);
	json_object_set_new(o, "d", json_real(0.1));
	json_bool(j, "b", 1);
	json_object_set_new(o, "b", json_true());
	json_null(j, "n");
	json_object_set_new(o, "n", (json_null)());
	json_obj_open(j, "deep");
	deep = json_object();
	json_object_set_new(o, "deep", deep);
	json_arr_open(j, "list");
	json_object_set_new(deep, "list", json_pack("[s,i,[],{}]", "x", 1));
	json_str(j, NULL, "x");
	json_int(j, NULL, 1);
	json_arr_open(j, NULL);
	json_arr_close(j);
	json_obj_open(j, NULL);
	json_obj_close(j);
	json_arr_close(j);
	json_obj_close(j);
	json_obj_close(j);
	json_str(j, NULL, "last");
	json_array_append_new(arr, json_string("last"));
	json_arr_close(j);
	json_uint(j, "u", 7);
	json_object_set_new(root, "u", json_integer(7));
	json_obj_close(j);
	return root;
}

static void
test_layout(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	json_t *tree;
	char *want;
	int pretty;

	for (pretty = 1; pretty >= 0; pretty--) {
		json_init(&j, &sb, pretty);
		tree = write_sample(&j);
		want = json_dumps(tree, JSON_PRESERVE_ORDER |
		    JSON_REAL_PRECISION(12) |
		    (pretty ? JSON_INDENT(2) : JSON_COMPACT));
		if (pretty) {
			want = realloc(want, strlen(want) + 2);
			strcat(want, "\n");
		}
		ASSERT_STR_EQ(sb_str(&sb), want, pretty ?
		    "pretty: the layout of jansson's dump of the same tree" :
		    "compact: the layout of jansson's dump of the same tree");
		free(want);
		json_decref(tree);
		sb_reset(&sb);
	}
	json_init(&j, &sb, 1);
	json_obj_open(&j, NULL);
	json_obj_close(&j);
	ASSERT_STR_EQ(sb_str(&sb), "{}\n", "an empty document");
	sb_release(&sb);
}

/* What json_str() writes for s, compact, in a one-member object. */
static char *
written(const char *key, const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;

	json_init(&j, &sb, 0);
	json_obj_open(&j, NULL);
	json_str(&j, key, s);
	json_obj_close(&j);
	return sb_detach(&sb);
}

/* s written as a value and read back. */
static void
expect_back(const char *s, const char *want, const char *what)
{
	char *text = written("k", s), *cause = NULL;
	struct jv *v = jv_parse(text, strlen(text), "w", &cause);

	ASSERT_STR_EQ(jv_str(jv_get(v, "k")), want, what);
	jv_free(v);
	free(text);
	free(cause);
}

static void
test_strings(void)
{
	char *s;

	s = written("k", "q\" b\\ n\n t\t r\r \x01 \x1f / \x7f");
	ASSERT_STR_EQ(s, "{\"k\":\"q\\\" b\\\\ n\\n t\\t r\\r \\u0001 \\u001F "
	    "/ \x7f\"}", "escapes: quote, backslash, controls; '/' and DEL "
	    "as they are");
	free(s);
	s = written("k", "caf\xc3\xa9 \xf0\x9f\x8e\x89");
	ASSERT_STR_EQ(s, "{\"k\":\"caf\xc3\xa9 \xf0\x9f\x8e\x89\"}",
	    "UTF-8 written as it is");
	free(s);
	expect_back("q\" b\\ n\n t\t \x01 / \x7f", "q\" b\\ n\n t\t \x01 / \x7f",
	    "escaped text reads back the same");
	expect_back("a\xff" "b", "a\xef\xbf\xbd" "b", "an invalid byte becomes U+FFFD");
	expect_back("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd",
	    "an overlong form becomes U+FFFD byte by byte");
	expect_back("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	    "a UTF-8 encoded surrogate becomes U+FFFD");
	expect_back("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd", "past U+10FFFF becomes U+FFFD");
	expect_back("end \xe2\x82", "end \xef\xbf\xbd\xef\xbf\xbd",
	    "a sequence cut by the end becomes U+FFFD");
	s = written("k\xff", "v");
	ASSERT_STR_EQ(s, "{\"k\xef\xbf\xbd\":\"v\"}", "a key is repaired too");
	free(s);
	s = written(NULL, NULL);
	ASSERT_STR_EQ(s, "{\"\":null}", "a NULL string is null");
	free(s);
}

static void
test_deep_repair(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	struct jv *v;
	char *cause = NULL;
	const struct jv *in;

	json_init(&j, &sb, 1);
	json_obj_open(&j, NULL);
	json_arr_open(&j, "a");
	json_obj_open(&j, NULL);	/* a tree: jansson checks what it gets */
	json_str(&j, "k\xfe", "v\xff");
	json_obj_close(&j);
	json_arr_close(&j);
	json_obj_close(&j);
	v = jv_parse(sb.buf, sb.len, "w", &cause);
	in = jv_is(jv_get(v, "a"), JV_ARRAY) && jv_get(v, "a")->n == 1 ?
	    &jv_get(v, "a")->v[0] : NULL;
	ASSERT_STR_EQ(jv_str(jv_get(in, "k\xef\xbf\xbd")), "v\xef\xbf\xbd",
	    "invalid UTF-8 in a nested key and value becomes U+FFFD");
	jv_free(v);
	free(cause);
	sb_release(&sb);
}

static void
test_numbers(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	struct jv *v;
	char *cause = NULL;
	double d[6];
	int i;

	json_init(&j, &sb, 0);
	json_arr_open(&j, NULL);
	json_double(&j, NULL, 2);
	json_double(&j, NULL, 1e20);
	json_double(&j, NULL, 1.0 / 3);
	json_double(&j, NULL, -2.5e-7);
	json_double(&j, NULL, NAN);
	json_double(&j, NULL, -INFINITY);
	json_int(&j, NULL, INT64_MIN);
	json_uint(&j, NULL, UINT64_MAX);
	json_uint(&j, NULL, (uint64_t)INT64_MAX);
	json_arr_close(&j);
	ASSERT_STR_EQ(sb_str(&sb), "[2.0,1e20,0.333333333333,-2.5e-7,null,null,"
	    "-9223372036854775808,1.84467440737e19,9223372036854775807]",
	    "reals with 12 digits, NaN and infinities null, 64-bit integers");
	v = jv_parse(sb.buf, sb.len, "w", &cause);
	for (i = 0; i < 4; i++)
		d[i] = jv_is(v, JV_ARRAY) && v->n == 9 ? v->v[i].number : 0;
	TEST_OK(d[0] == 2 && d[1] == 1e20 && fabs(d[2] - 1.0 / 3) < 1e-12 &&
	    d[3] == -2.5e-7 && jv_is(&v->v[4], JV_NULL),
	    "numbers read back to their values");
	jv_free(v);
	free(cause);
	sb_release(&sb);
}

/* More levels than JSON_MAX_DEPTH: the deeper ones are dropped, the
 * document stays whole. */
static void
test_too_deep(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	struct jv *v;
	char *cause = NULL;
	int i;

	json_init(&j, &sb, 1);
	json_obj_open(&j, NULL);
	for (i = 0; i < JSON_MAX_DEPTH + 8; i++)
		json_arr_open(&j, "a");
	json_int(&j, NULL, 1);
	for (i = 0; i < JSON_MAX_DEPTH + 8; i++)
		json_arr_close(&j);
	json_str(&j, "after", "yes");
	json_obj_close(&j);
	v = jv_parse(sb.buf, sb.len, "deep", &cause);
	TEST_OK(v != NULL, "too deep: still one valid document");
	ASSERT_STR_EQ(jv_str(jv_get(v, "after")), "yes",
	    "too deep: what follows is kept");
	jv_free(v);
	free(cause);
	sb_release(&sb);
}

static void
test_quote(void)
{
	struct strbuf sb = STRBUF_INIT;

	json_quote(&sb, "a\"\n\xff");
	ASSERT_STR_EQ(sb_str(&sb), "\"a\\\"\\n\xef\xbf\xbd\"", "json_quote");
	sb_release(&sb);
}

int
main(void)
{
	test_layout();
	test_strings();
	test_deep_repair();
	test_numbers();
	test_too_deep();
	test_quote();
	return test_done();
}
