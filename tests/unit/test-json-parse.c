/*
 * test-json-parse.c - the JSON reader (jansson, with our checks around
 * it): RFC 8259 values and strings, invalid UTF-8 and lone surrogates
 * as U+FFFD, duplicate keys, errors with line:column, concatenated
 * values, the depth and size limits, and malformed input (every
 * truncation, byte mutations) never crashing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json-parse.h"
#include "lib/util.h"
#include "test.h"

/* Parse s (copied to a buffer of exactly its length, so that ASan sees
 * any read past the end); NULL with *cause on error. */
static struct jv *
parse(const char *s, char **cause)
{
	size_t len = strlen(s);
	char *copy = xmalloc(len);
	struct jv *v;

	memcpy(copy, s, len);
	free(*cause);
	*cause = NULL;
	v = jv_parse(copy, len, "t.json", cause);
	free(copy);
	return v;
}

static void
expect_error(const char *s, const char *msg, const char *what)
{
	char *cause = NULL;
	struct jv *v = parse(s, &cause);

	TEST_OK(v == NULL, what);
	ASSERT_CONTAINS(cause, msg, what);
	jv_free(v);
	free(cause);
}

static void
expect_number(const char *s, double want, const char *what)
{
	char *cause = NULL;
	struct jv *v = parse(s, &cause);
	double got = -12345;

	TEST_OK(v != NULL && jv_num(v, &got) == 0 && got == want, what);
	if (v == NULL)
		printf("#   %s\n", cause);
	jv_free(v);
	free(cause);
}

static void
test_scalars(void)
{
	char *cause = NULL;
	struct jv *v;

	expect_number("0", 0, "number 0");
	expect_number("-0", 0, "number -0");
	expect_number(" 42 ", 42, "number with blanks around");
	expect_number("-1.25", -1.25, "negative fraction");
	expect_number("1e3", 1000, "exponent");
	expect_number("1E+2", 100, "exponent E+");
	expect_number("2.5e-3", 0.0025, "negative exponent");
	expect_number("1e-400", 0, "underflow is 0");
	expect_number("18446744073709551616", 18446744073709551616.0,
	    "an integer past 2^64 reads as a double");
	expect_number("-9223372036854775809", -9223372036854775809.0,
	    "an integer below -2^63 too");
	expect_error("1e400", "1:5: real number overflow", "overflow refused");
	expect_error("01", "1:1: invalid token", "leading zero refused");
	expect_error("1.", "1:2: invalid token near '1.'", "'1.' refused");
	expect_error(".5", "invalid token near '.'", "'.5' refused");
	expect_error("+1", "invalid token near '+'", "'+1' refused");
	expect_error("-", "invalid token near '-'", "lone minus refused");
	expect_error("1e", "invalid token near '1e'", "'1e' refused");
	expect_error("0x10", "1:2: end of file expected near 'x'", "hex refused");
	expect_error("NaN", "invalid token near 'NaN'", "NaN refused");
	expect_error("Infinity", "invalid token near 'Infinity'",
	    "Infinity refused");
	v = parse("true", &cause);
	TEST_OK(jv_is(v, JV_BOOL) && v->boolean == 1, "true");
	jv_free(v);
	v = parse("false", &cause);
	TEST_OK(jv_is(v, JV_BOOL) && v->boolean == 0, "false");
	jv_free(v);
	v = parse("\n\tnull\r\n", &cause);
	TEST_OK(jv_is(v, JV_NULL), "null with blanks");
	jv_free(v);
	expect_error("nul", "1:3: invalid token near 'nul'", "'nul' refused");
	expect_error("", "1:1: unexpected end of input", "empty input refused");
	expect_error("  ", "1:3: unexpected end of input", "blank input refused");
	expect_error("[1,\n", "2:1: unexpected end of input",
	    "the end of input is named where it is");
	free(cause);
}

static void
expect_string(const char *s, const char *want, size_t wantlen,
    const char *what)
{
	char *cause = NULL;
	struct jv *v = parse(s, &cause);

	TEST_OK(jv_is(v, JV_STRING) && v->len == wantlen &&
	    memcmp(v->str, want, wantlen) == 0 && v->str[wantlen] == '\0',
	    what);
	if (v == NULL)
		printf("#   %s\n", cause);
	jv_free(v);
	free(cause);
}

static void
test_strings(void)
{
	expect_string("\"\"", "", 0, "empty string");
	expect_string("\"a\\\"b\\\\c\\/d\"", "a\"b\\c/d", 7, "escapes \\\" \\\\ \\/");
	expect_string("\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t", 5, "control escapes");
	expect_string("\"\\u00e9t\\u00C9\"", "\xc3\xa9t\xc3\x89", 5,
	    "\\u escapes to UTF-8 (both cases of hex)");
	expect_string("\"\\u20ac\"", "\xe2\x82\xac", 3, "3-byte \\u escape");
	expect_string("\"\\ud83d\\ude80\"", "\xf0\x9f\x9a\x80", 4,
	    "surrogate pair joined");
	expect_string("\"\\ud800x\"", "\xef\xbf\xbdx", 4,
	    "lone high surrogate becomes U+FFFD");
	expect_string("\"\\udc00\"", "\xef\xbf\xbd", 3,
	    "lone low surrogate becomes U+FFFD");
	expect_string("\"\\ud800\\u0041\"", "\xef\xbf\xbd" "A", 4,
	    "high surrogate before a non-surrogate");
	expect_string("\"a\\u0000b\"", "a\0b", 3, "\\u0000 kept with its length");
	expect_string("\"caf\xc3\xa9 \xf0\x9f\x8e\x89\"", "caf\xc3\xa9 \xf0\x9f\x8e\x89",
	    10, "raw UTF-8 kept");
	expect_string("\"a\xff" "b\"", "a\xef\xbf\xbd" "b", 5,
	    "invalid byte becomes U+FFFD");
	expect_string("\"\xc0\xaf\"", "\xef\xbf\xbd\xef\xbf\xbd", 6,
	    "overlong encoding refused byte by byte");
	expect_string("\"\xed\xa0\x80\"", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	    9, "UTF-8 encoded surrogate refused");
	expect_string("\"\xe2\x82\"", "\xef\xbf\xbd\xef\xbf\xbd", 6,
	    "truncated UTF-8 sequence");
	expect_string("\"\x7f\"", "\x7f", 1, "DEL needs no escape");
	expect_string("\"\\\\ud800\"", "\\ud800", 6,
	    "an escaped backslash before 'u' is no \\u escape");
	expect_string("\"\\\"\\ud800\\\"\"", "\"\xef\xbf\xbd\"", 5,
	    "a lone surrogate after an escaped quote");
	expect_error("\"a\nb\"", "1:2: unexpected newline",
	    "raw newline in a string refused");
	expect_error("\"a\\x\"", "1:4: invalid escape", "unknown escape refused");
	expect_error("\"\\u12\"", "invalid escape", "short \\u refused");
	expect_error("\"\\u12G4\"", "invalid escape", "bad hex refused");
	expect_error("\"abc", "1:5: unexpected end of input", "unterminated string");
	expect_error("\"abc\\", "1:5: invalid escape",
	    "input ends in an escape");
}

static void
test_containers(void)
{
	char *cause = NULL;
	struct jv *v;
	const char *doc =
	    "{\"name\": \"irmin\", \"n\": [1, 2.5, -3], \"empty\": {}, "
	    "\"none\": [], \"ok\": true, \"nil\": null, \"n\": \"again\"}";

	v = parse(doc, &cause);
	TEST_OK(jv_is(v, JV_OBJECT) && v->n == 6,
	    "object with 6 members: a key given twice is one member");
	ASSERT_STR_EQ(jv_str(jv_get(v, "name")), "irmin", "member lookup");
	ASSERT_STR_EQ(jv_str(jv_get(v, "n")), "again",
	    "duplicate key: the last one wins");
	TEST_OK(v != NULL && v->n == 6 && strcmp(v->k[1], "n") == 0 &&
	    jv_is(&v->v[1], JV_STRING) && strcmp(v->k[5], "nil") == 0,
	    "duplicate key: in its first place, with its last value");
	TEST_OK(jv_is(jv_get(v, "empty"), JV_OBJECT) &&
	    jv_get(v, "empty")->n == 0, "empty object");
	TEST_OK(jv_is(jv_get(v, "none"), JV_ARRAY) &&
	    jv_get(v, "none")->n == 0, "empty array");
	TEST_OK(v != NULL && v->n == 6 && strcmp(v->k[3], "none") == 0 &&
	    strcmp(v->k[4], "ok") == 0 && v->v[4].boolean == 1,
	    "members in the order of the text");
	jv_free(v);
	v = parse("[1, 2.5, -3, \"x\"]", &cause);
	TEST_OK(jv_is(v, JV_ARRAY) && v->n == 4 && v->v[1].number == 2.5 &&
	    v->v[2].number == -3 && strcmp(v->v[3].str, "x") == 0,
	    "array elements in order");
	TEST_OK(jv_get(v, "missing") == NULL, "missing key is NULL");
	TEST_OK(jv_get(jv_get(v, "name"), "x") == NULL && jv_str(NULL) == NULL &&
	    jv_str(jv_get(v, "ok")) == NULL && !jv_is(NULL, JV_NULL),
	    "look-ups on NULL and on the wrong type");
	jv_free(v);
	expect_error("{\n  \"a\": 1,\n  \"b\" 2\n}",
	    "t.json:3:7: ':' expected near '2'",
	    "missing ':' named with line and column");
	expect_error("[1, 2,]", "1:7: unexpected token near ']'",
	    "trailing comma in an array");
	expect_error("{\"a\": 1,}", "1:9: string or '}' expected near '}'",
	    "trailing comma in an object");
	expect_error("{a: 1}", "1:2: string or '}' expected near 'a'",
	    "unquoted key");
	expect_error("[1 2]", "1:4: ']' expected near '2'",
	    "missing comma");
	expect_error("{\"a\": 1", "1:8: unexpected end of input",
	    "unclosed object");
	expect_error("[1] x", "1:5: end of file expected near 'x'",
	    "trailing garbage");
	expect_error("[1] 2", "end of file expected",
	    "two values where one is expected");
	expect_error("[\x01]", "1:2: invalid token near '\\x01'",
	    "a control byte is named in hex");
	expect_error("\x1b[31m", "invalid token near '\\x1b'",
	    "an escape sequence is not passed on in the message");
	expect_error("\xc3\xa9\xc3\xa9 [", "1:1: invalid token near '\xc3\xa9'",
	    "columns count characters");
	expect_error("[\"\xc3\xa9\xc3\xa9\", x]", "1:8: invalid token near 'x'",
	    "columns count UTF-8 characters once");
	v = parse("{\"k\xff\": 1, \"\\udc00\": 2}", &cause);
	TEST_OK(v != NULL && v->n == 2 && strcmp(v->k[0], "k\xef\xbf\xbd") == 0 &&
	    strcmp(v->k[1], "\xef\xbf\xbd") == 0,
	    "keys: invalid UTF-8 and a lone surrogate become U+FFFD");
	jv_free(v);
	v = parse("{\"\xff\": 1, \"\\ufffd\": 2}", &cause);
	TEST_OK(v != NULL && v->n == 1 && v->v[0].number == 2,
	    "keys equal once repaired are one key, the last value");
	jv_free(v);
	v = parse("\xef\xbb\xbf{\"a\": 1}", &cause);
	TEST_OK(jv_is(v, JV_OBJECT), "a leading byte order mark is skipped");
	jv_free(v);
	free(cause);
}

static void
test_multi(void)
{
	const char *s = "{\"a\": 1}\n{\"a\": 2}\r\n\n[3][4] 5 \"six\"true";
	char *cause = NULL;
	struct jv *all = jv_parse_multi(s, strlen(s), "m.json", &cause);
	double n = 0;

	TEST_OK(jv_is(all, JV_ARRAY) && all->n == 7, "7 concatenated values");
	if (all != NULL && all->n == 7) {
		jv_num(jv_get(&all->v[1], "a"), &n);
		TEST_OK(n == 2, "second object's member");
		TEST_OK(all->v[3].v[0].number == 4 && all->v[4].number == 5 &&
		    strcmp(all->v[5].str, "six") == 0 && all->v[6].boolean,
		    "values without separators where the grammar allows");
	}
	jv_free(all);
	all = jv_parse_multi(" \n\t", 3, "m.json", &cause);
	TEST_OK(jv_is(all, JV_ARRAY) && all->n == 0, "blank input: no value");
	jv_free(all);
	all = jv_parse_multi("", 0, "m.json", &cause);
	TEST_OK(jv_is(all, JV_ARRAY) && all->n == 0, "empty input: no value");
	jv_free(all);
	s = "{} {} {\"a\" 1}";
	all = jv_parse_multi(s, strlen(s), "m.json", &cause);
	ASSERT_CONTAINS(cause, "m.json:1:12: ':' expected near '1'",
	    "an error in a later value on line 1: its column in the line");
	jv_free(all);
	s = "{\"a\": 1}\n{\"a\": }\n";
	all = jv_parse_multi(s, strlen(s), "m.json", &cause);
	TEST_OK(all == NULL, "a bad second value fails the whole input");
	ASSERT_CONTAINS(cause, "m.json:2:7: unexpected token near '}'",
	    "its position is on line 2");
	free(cause);
}

static char *
nested(int depth)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	for (i = 0; i < depth; i++)
		sb_adds(&sb, i % 2 ? "{\"k\":" : "[");
	sb_adds(&sb, "1");
	for (i = depth - 1; i >= 0; i--)
		sb_adds(&sb, i % 2 ? "}" : "]");
	return sb_detach(&sb);
}

static void
test_limits(void)
{
	char *s = nested(JV_MAX_DEPTH), *cause = NULL, *many;
	struct jv *v = parse(s, &cause);
	int i;

	TEST_OK(v != NULL, "nesting of 64 levels accepted");
	jv_free(v);
	free(s);
	s = nested(JV_MAX_DEPTH + 1);
	v = parse(s, &cause);
	TEST_OK(v == NULL, "nesting of 65 levels refused");
	/* 32 "[" and 32 "{\"k\":" before it: the 65th opens at column 193 */
	ASSERT_CONTAINS(cause, "1:193: nesting deeper than 64 levels",
	    "depth error names the place");
	free(s);
	s = xmalloc(201);
	for (i = 0; i < 200; i++)
		s[i] = "[{"[i % 2];
	s[200] = '\0';
	many = xasprintf("[\"%s\", \"\\\"%s\"]", s, s);
	free(s);
	s = many;
	v = parse(s, &cause);
	TEST_OK(v != NULL, "brackets inside strings do not count as nesting");
	jv_free(v);
	free(s);
	s = nested(100000);
	v = parse(s, &cause);
	TEST_OK(v == NULL, "100000 levels refused without a stack overflow");
	free(s);
	/* the length is checked before any byte is read */
	v = jv_parse("[]", JV_MAX_BYTES + 1, "big.json", &cause);
	TEST_OK(v == NULL, "input over the size limit refused");
	ASSERT_CONTAINS(cause, "big.json: too large", "size error");
	v = jv_parse_multi("[]", JV_MAX_BYTES + 1, "big.json", &cause);
	TEST_OK(v == NULL, "multi: input over the size limit refused");
	free(cause);
}

static const char sample[] =
    "{\"version\":\"1.0\",\"metadata\":{\"name\":\"t\\u00e9\\ud83d\\ude80\","
    "\"unit\":\"second\",\"cpu_count\":8},\"benchmarks\":[{\"metadata\":"
    "{\"name\":\"nbody\",\"loops\":8},\"runs\":[{\"warmups\":[[1,0.25],"
    "[2,1.5e-1]],\"values\":[0.1231,0.1229,-1E-3]},{\"values\":[true,"
    "false,null,\"x\\n\\\"y\\\"\"]}]}]}";

/* Every proper prefix of a document is invalid and must fail cleanly. */
static void
test_truncation(void)
{
	size_t len = strlen(sample), n, bad = 0, silent = 0;
	struct jv *v;
	char *buf, *cause = NULL;

	v = jv_parse(sample, len, "s", &cause);
	TEST_OK(v != NULL, "the sample document parses");
	jv_free(v);
	for (n = 0; n < len; n++) {
		buf = xmalloc(n + 1);
		memcpy(buf, sample, n);
		v = jv_parse(buf, n, "s", &cause);
		if (v != NULL)
			bad++;
		else if (cause == NULL || strstr(cause, "s:1:") == NULL)
			silent++;
		jv_free(v);
		free(cause);
		cause = NULL;
		free(buf);
	}
	ASSERT_INT_EQ(bad, 0, "no truncated prefix parses");
	ASSERT_INT_EQ(silent, 0, "every truncation error says where");
}

/* Each byte replaced by each of a few troublesome ones: never a crash,
 * and a result is either a value or an error, never both. */
static void
test_mutation(void)
{
	static const char subst[] = { '\0', '"', '\\', '{', '[', ']', '}',
	    ',', ':', '-', 'e', '0', '\x80', '\xff', ' ' };
	size_t len = strlen(sample), i, k, both = 0, runs = 0;
	struct jv *v;
	char *buf, *cause;

	for (i = 0; i < len; i++) {
		for (k = 0; k < sizeof subst; k++) {
			buf = xmalloc(len);
			memcpy(buf, sample, len);
			buf[i] = subst[k];
			cause = NULL;
			v = jv_parse(buf, len, "s", &cause);
			if ((v == NULL) == (cause == NULL))
				both++;
			jv_free(v);
			free(cause);
			free(buf);
			runs++;
		}
	}
	TEST_OK(runs > 3000, "mutated documents parsed");
	ASSERT_INT_EQ(both, 0, "a value or an error, never both nor neither");
}

int
main(void)
{
	test_scalars();
	test_strings();
	test_containers();
	test_multi();
	test_limits();
	test_truncation();
	test_mutation();
	return test_done();
}
