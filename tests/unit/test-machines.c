/*
 * test-machines.c - the machines file parser and host range expansion.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/machines.h"
#include "lib/util.h"
#include "test.h"

#define KNOWN "(known: workdir, lockfile, benchdir, cpus, aslr, tmpfs, " \
	"numa, nice, isolation, tags, cores, memory, cpu-model, arch)"

/* Parse a string literal (NUL bytes included) as file "m". */
#define PARSE(lit, m, cause) machines_parse("m", (lit), sizeof(lit) - 1, \
	(m), (cause))

/* The cause of parsing lit, or NULL when it parses. */
static char *
cause_of(const char *text, size_t len)
{
	struct dist_machines m;
	char *cause = NULL;

	if (machines_parse("m", text, len, &m, &cause) == 0) {
		machines_free(&m);
		free(cause);
		return NULL;
	}
	if (m.n != 0 || m.v != NULL) {
		free(cause);
		return xstrdup("machines not emptied on error");
	}
	return cause != NULL ? cause : xstrdup("no cause set");
}

#define PARSE_OK(lit, m, cause, what) do { \
	int _rc = PARSE(lit, m, cause); \
	ASSERT_INT_EQ(_rc, 0, what); \
} while (0)

#define ERR_EQ(lit, want, what) do { \
	char *_c = cause_of((lit), sizeof(lit) - 1); \
	ASSERT_STR_EQ(_c, want, what); \
	free(_c); \
} while (0)

#define ERR_HAS(lit, want, what) do { \
	char *_c = cause_of((lit), sizeof(lit) - 1); \
	ASSERT_CONTAINS(_c, want, what); \
	free(_c); \
} while (0)

#define PARSES(lit, what) do { \
	char *_c = cause_of((lit), sizeof(lit) - 1); \
	ASSERT_STR_EQ(_c, NULL, what); \
	free(_c); \
} while (0)

/* All names of m joined by blanks. */
static char *
names_of(const struct dist_machines *m)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < m->n; i++)
		sb_addf(&sb, "%s%s", i > 0 ? " " : "", m->v[i].name);
	return sb_detach(&sb);
}

/* The names a pattern expands to, or "ERR: cause". */
static char *
expand(const char *pattern)
{
	struct strbuf sb = STRBUF_INIT;
	char **names, *cause = NULL;
	size_t n, i;

	if (hostrange_expand(pattern, &names, &n, &cause) == -1) {
		sb_addf(&sb, "ERR: %s", cause);
		free(cause);
		if (names != NULL || n != 0)
			sb_adds(&sb, " (names not cleared)");
		return sb_detach(&sb);
	}
	for (i = 0; i < n; i++)
		sb_addf(&sb, "%s%s", i > 0 ? " " : "", names[i]);
	hostrange_free(names, n);
	return sb_detach(&sb);
}

#define EXPANDS(pat, want, what) do { \
	char *_e = expand(pat); \
	ASSERT_STR_EQ(_e, want, what); \
	free(_e); \
} while (0)

static void
test_plain_forms(void)
{
	struct dist_machines m;
	char *cause = NULL, *names;

	PARSE_OK("host", &m, &cause, "one bare host, no newline");
	ASSERT_INT_EQ(m.n, 1, "one machine");
	ASSERT_STR_EQ(m.v[0].name, "host", "name of a bare host");
	ASSERT_STR_EQ(m.v[0].host, "host", "host of a bare host");
	TEST_OK(m.v[0].user == NULL && m.v[0].port == 0 &&
	    m.v[0].slots == 1 && m.v[0].nattrs == 0, "defaults: no user, "
	    "port 0, 1 slot, no attributes");
	ASSERT_STR_EQ(m.v[0].file, "m", "file recorded");
	ASSERT_INT_EQ(m.v[0].line, 1, "line recorded");
	machines_free(&m);
	TEST_OK(m.v == NULL && m.n == 0, "machines_free empties the list");

	PARSE_OK("# pool\n\n  4/alice@h.example:2222  \n"
	    "\t10.0.0.1:22\t\n1024/bob_2@x-y.z\n", &m, &cause,
	    "slots, user, port, IPv4");
	ASSERT_INT_EQ(m.n, 3, "three machines");
	TEST_OK(m.v[0].slots == 4 && m.v[0].port == 2222 &&
	    strcmp(m.v[0].user, "alice") == 0 &&
	    strcmp(m.v[0].host, "h.example") == 0, "4/alice@h.example:2222 "
	    "fields");
	ASSERT_STR_EQ(m.v[0].name, "alice@h.example:2222", "name with user "
	    "and port");
	ASSERT_INT_EQ(m.v[0].line, 3, "line number after comment and blank");
	ASSERT_STR_EQ(m.v[1].name, "10.0.0.1:22", "IPv4 with port");
	ASSERT_INT_EQ(m.v[1].port, 22, "explicit port 22 kept");
	ASSERT_INT_EQ(m.v[2].slots, 1024, "1024 slots accepted");
	ASSERT_STR_EQ(m.v[2].user, "bob_2", "user with '_' and digit");
	machines_free(&m);

	PARSE_OK("[::1]\n[::1]:2222\nalice@[fe80::1]:22\n"
	    "8/[fe80::1%eth0]\n", &m, &cause, "IPv6 forms");
	names = names_of(&m);
	ASSERT_STR_EQ(names, "[::1] [::1]:2222 alice@[fe80::1]:22 "
	    "[fe80::1%eth0]", "IPv6 names keep brackets");
	free(names);
	TEST_OK(strcmp(m.v[2].host, "fe80::1") == 0 && m.v[2].port == 22 &&
	    strcmp(m.v[2].user, "alice") == 0, "alice@[fe80::1]:22 fields");
	TEST_OK(strcmp(m.v[3].host, "fe80::1%eth0") == 0 &&
	    m.v[3].slots == 8, "IPv6 with zone and slots");
	machines_free(&m);
	free(cause);
}

static void
test_spec_errors(void)
{
	ERR_EQ("a\nfe80::1\n", "m:2: too many ':' in 'fe80::1' (an IPv6 "
	    "address must be in brackets: '[fe80::1]' or '[fe80::1]:PORT')",
	    "bare IPv6 explains brackets");
	ERR_HAS("a\nb\n:\n", "m:3: ':' (GNU parallel's local machine) is not "
	    "supported: distribute needs SSH hosts (use 127.0.0.1)",
	    "lone ':' refused");
	ERR_HAS("4/:", "m:1: ':' (GNU parallel's", "N/: refused too");
	ERR_EQ("a\n0/b\n", "m:2: invalid slot count '0' (want N/host with N "
	    "from 1 to 1024)", "0 slots");
	ERR_HAS("1025/b", "m:1: invalid slot count '1025'", "1025 slots");
	ERR_HAS("x/b", "m:1: invalid slot count 'x'", "non-numeric slots");
	ERR_HAS("/b", "m:1: invalid slot count ''", "empty slots");
	ERR_HAS("-1/b", "m:1: invalid slot count '-1'", "negative slots");
	ERR_EQ("b:0", "m:1: invalid port '0' (want 1 to 65535)", "port 0");
	ERR_HAS("b:65536", "m:1: invalid port '65536'", "port 65536");
	ERR_HAS("b:+22", "m:1: invalid port '+22'", "port with sign");
	ERR_EQ("b:", "m:1: missing port after ':'", "empty port");
	PARSES("b:65535", "port 65535 accepted");
	ERR_EQ("\n\n:22", "m:3: missing host before ':'", "port without host");
	ERR_EQ("alice@", "m:1: missing host in 'alice@'", "user without host");
	ERR_EQ("@h", "m:1: empty user name before '@'", "empty user");
	ERR_EQ("a@b@c", "m:1: more than one '@' in 'a@b@c'", "two '@'");
	ERR_HAS("-oProxyCommand@h", "m:1: invalid user name '-oProxyCommand'",
	    "user starting with '-'");
	ERR_HAS("-oProxyCommand", "m:1: invalid host name '-oProxyCommand'",
	    "host starting with '-'");
	ERR_HAS("h\xc3\xa9llo", "m:1: invalid host name 'h\xc3\xa9llo'",
	    "non-ASCII host");
	ERR_HAS("2/3/h", "m:1: invalid host name '3/h'", "two slot prefixes");
	ERR_EQ("workdir=/x", "m:1: missing host before attribute "
	    "'workdir=/x'", "attributes without host");
	ERR_HAS("\"h\"", "m:1: unexpected '\"' in '\"h\"'", "quoted host");
	ERR_EQ("[::1]x", "m:1: unexpected 'x' after ']' in '[::1]x'",
	    "text after IPv6 bracket");
	ERR_EQ("[::g]", "m:1: invalid IPv6 address '::g'", "bad IPv6");
	ERR_HAS("[fe80::1%]", "invalid IPv6 address 'fe80::1%'",
	    "empty IPv6 zone");
	ERR_HAS("[::1]:0", "m:1: invalid port '0'", "bad IPv6 port");
}

static void
test_ranges(void)
{
	struct dist_machines m;
	char *cause = NULL, *names;
	size_t i;
	int same = 1;

	EXPANDS("lab[01-03,07]", "lab01 lab02 lab03 lab07", "range and list "
	    "with zero padding");
	EXPANDS("node[1-3]-pc[1-2]", "node1-pc1 node1-pc2 node2-pc1 "
	    "node2-pc2 node3-pc1 node3-pc2", "product, first group slowest");
	EXPANDS("n[8-11]", "n8 n9 n10 n11", "no padding from '8'");
	EXPANDS("n[08-11]", "n08 n09 n10 n11", "padding from '08'");
	EXPANDS("n[098-101]", "n098 n099 n100 n101", "width-3 padding");
	EXPANDS("[1-2]x", "1x 2x", "range first");
	EXPANDS("plain.host", "plain.host", "no brackets, one name");
	EXPANDS("n[5]", "n5", "single number");
	EXPANDS("lab[3-1]", "ERR: bad host range 'lab[3-1]': range 3-1 runs "
	    "backwards", "reversed range");
	EXPANDS("lab[a-b]", "ERR: bad host range 'lab[a-b]': 'a-b' is not a "
	    "number or a range like 1-5 (at most 9 digits)", "letters");
	EXPANDS("lab[01-03", "ERR: bad host range 'lab[01-03': unclosed '['",
	    "unclosed bracket");
	EXPANDS("lab[]", "ERR: bad host range 'lab[]': empty brackets",
	    "empty brackets");
	EXPANDS("lab]1", "ERR: bad host range 'lab]1': unmatched ']'",
	    "stray ']'");
	EXPANDS("a[1[2]]", "ERR: bad host range 'a[1[2]]': nested '['",
	    "nested brackets");
	EXPANDS("a[1,,2]", "ERR: bad host range 'a[1,,2]': empty item in "
	    "brackets", "empty item");
	EXPANDS("a[1-]", "ERR: bad host range 'a[1-]': '1-' is not a number "
	    "or a range like 1-5 (at most 9 digits)", "open range");
	EXPANDS("n[1-10/3]", "ERR: bad host range 'n[1-10/3]': steps like "
	    "'/3' are not supported", "steps refused");
	EXPANDS("n[1234567890]", "ERR: bad host range 'n[1234567890]': "
	    "'1234567890' is not a number or a range like 1-5 (at most 9 "
	    "digits)", "ten digits refused");
	EXPANDS("", "ERR: bad host range '': empty host name", "empty pattern");
	EXPANDS("n[0-100000]", "ERR: bad host range 'n[0-100000]': expands "
	    "to more than 100000 names", "100001 names refused");
	EXPANDS("a[1-50000]b[1-3]", "ERR: bad host range 'a[1-50000]b[1-3]': "
	    "expands to more than 100000 names", "product over the cap");
	EXPANDS("a[1-99999,1-2]", "ERR: bad host range 'a[1-99999,1-2]': "
	    "expands to more than 100000 names", "list over the cap");

	PARSE_OK("n[1-100000]", &m, &cause, "exactly 100000");
	ASSERT_INT_EQ(m.n, 100000, "100000 machines");
	ASSERT_STR_EQ(m.v[99999].name, "n100000", "last of 100000");
	machines_free(&m);

	PARSE_OK("2/root@node[1-9]-pc[1-2]:2200 nice=5 "
	    "workdir=/w\n", &m, &cause, "range with everything");
	ASSERT_INT_EQ(m.n, 18, "9 x 2 machines");
	names = names_of(&m);
	ASSERT_CONTAINS(names, "root@node1-pc1:2200 root@node1-pc2:2200 "
	    "root@node2-pc1:2200", "product order in the file");
	free(names);
	ASSERT_STR_EQ(m.v[17].name, "root@node9-pc2:2200", "last of product");
	for (i = 0; i < m.n; i++)
		same &= m.v[i].slots == 2 && m.v[i].port == 2200 &&
		    m.v[i].line == 1 && m.v[i].nattrs == 2 &&
		    strcmp(machine_attr(&m.v[i], "workdir"), "/w") == 0 &&
		    strcmp(m.v[i].user, "root") == 0;
	TEST_OK(same, "every expanded machine shares slots, port, user, attrs");
	machines_free(&m);

	PARSE_OK("[1-3]\n[::1]\n", &m, &cause,
	    "range vs IPv6 told by content");
	names = names_of(&m);
	ASSERT_STR_EQ(names, "1 2 3 [::1]", "bracket without ':' is a range");
	free(names);
	machines_free(&m);

	ERR_EQ("ok\n\nlab[3-1]\n", "m:3: bad host range 'lab[3-1]': range "
	    "3-1 runs backwards", "bad range with file:line");
	ERR_HAS("lab[1:2]", "m:1: bad host range 'lab[1:2]'",
	    "':' inside a range not at the start");
	ERR_HAS("-n[1-2]", "m:1: invalid host name '-n1'", "expanded names "
	    "checked");
	ERR_EQ("a[1-60000]\nb[1-60000]\n", "m:2: too many machines (more "
	    "than 100000)", "cap over the whole file");
	free(cause);
}

static void
test_attributes(void)
{
	struct dist_machines m;
	char *cause = NULL;
	const struct dist_machine *mc;

	PARSE_OK("h workdir=/w lockfile=~/l benchdir=\"/b c\" "
	    "cpus=0-3 aslr=off tmpfs=on numa=1 nice=10 # tail\n", &m, &cause,
	    "every known attribute");
	mc = &m.v[0];
	ASSERT_INT_EQ(mc->nattrs, 8, "eight attributes");
	TEST_OK(strcmp(mc->attrs[0].key, "workdir") == 0 &&
	    strcmp(mc->attrs[7].key, "nice") == 0, "attributes in file order");
	ASSERT_STR_EQ(machine_attr(mc, "workdir"), "/w", "workdir value");
	ASSERT_STR_EQ(machine_attr(mc, "lockfile"), "~/l", "~/ path");
	ASSERT_STR_EQ(machine_attr(mc, "benchdir"), "/b c", "quoted value "
	    "with a blank");
	ASSERT_STR_EQ(machine_attr(mc, "cpus"), "0-3", "cpus value");
	ASSERT_STR_EQ(machine_attr(mc, "nice"), "10", "value before comment");
	ASSERT_STR_EQ(machine_attr(mc, "missing"), NULL, "absent key: NULL");
	machines_free(&m);

	PARSE_OK("h workdir=\"/a #1\" nice=5#c\n", &m, &cause,
	    "'#' in quotes and right after a value");
	ASSERT_STR_EQ(machine_attr(&m.v[0], "workdir"), "/a #1", "'#' kept "
	    "inside quotes");
	ASSERT_STR_EQ(machine_attr(&m.v[0], "nice"), "5", "'#' ends a value");
	machines_free(&m);

	ERR_EQ("a\nh wrokdir=/x\n", "m:2: unknown attribute 'wrokdir' " KNOWN,
	    "unknown attribute lists the known ones");
	ERR_EQ("h nice=", "m:1: empty value for attribute 'nice'",
	    "empty value");
	ERR_EQ("h nice=\"\"", "m:1: empty value for attribute 'nice'",
	    "empty quoted value");
	ERR_EQ("h\nh2 nice", "m:2: attribute 'nice' has no '=' (write "
	    "key=value without blanks)", "missing '='");
	ERR_HAS("h nice = 5", "m:1: attribute 'nice' has no '='",
	    "blanks around '='");
	ERR_EQ("h =5", "m:1: missing attribute name before '=5'", "no key");
	ERR_EQ("h nice=1 cpus=2 nice=3", "m:1: attribute 'nice' given twice",
	    "key twice");
	ERR_EQ("h\n\n\nh2 workdir=rel/dir", "m:4: workdir 'rel/dir': not an "
	    "absolute path or a path starting with '~/'", "relative workdir");
	ERR_HAS("h lockfile=~x", "m:1: lockfile '~x': '~user' is not "
	    "understood", "~user path refused, saying why");
	ASSERT_INT_EQ(machine_check_path("workdir", "~", &cause), 0,
	    "workdir=~ is the home");
	ERR_HAS("h benchdir=\"a b\"", "m:1: benchdir 'a b': not an absolute",
	    "relative benchdir");
	ERR_EQ("h workdir=\"/a", "m:1: unterminated '\"'", "unterminated");
	ERR_EQ("h workdir=/a\"b\"", "m:1: stray '\"' in the value of "
	    "'workdir' (quote the whole value: workdir=\"...\")",
	    "stray quote");
	ERR_EQ("h workdir=\"/a\"b", "m:1: text after the closing '\"' in the "
	    "value of 'workdir'", "text after quote");
	ERR_EQ("h workdir=\"/a\tb\"", "m:1: control character 0x09 in quoted "
	    "value", "tab inside quotes");
	ERR_EQ("h\x01", "m:1: control character 0x01", "control character");
	ERR_EQ("h\x7f", "m:1: control character 0x7f", "DEL character");
	free(cause);
}

static void
test_lines(void)
{
	struct dist_machines m;
	char *cause = NULL, *names;

	PARSE_OK("a\r\n# c\r\n\r\nb nice=5\r\n", &m, &cause,
	    "CRLF file");
	names = names_of(&m);
	ASSERT_STR_EQ(names, "a b", "CR stripped from names");
	free(names);
	ASSERT_STR_EQ(machine_attr(&m.v[1], "nice"), "5", "CR stripped from "
	    "values");
	ASSERT_INT_EQ(m.v[1].line, 4, "CRLF line numbers");
	machines_free(&m);

	PARSE_OK("\xef\xbb\xbfh1 # caf\xc3\xa9\n\th2#x\n", &m,
	    &cause, "BOM and UTF-8 comment");
	names = names_of(&m);
	ASSERT_STR_EQ(names, "h1 h2", "comment without blank before it");
	free(names);
	machines_free(&m);

	ERR_EQ("a\nb\rc\n", "m:2: control character 0x0d", "lone CR mid-line");
	ERR_EQ("a\nb # x\0y\n", "m:2: NUL byte", "NUL byte");
	ERR_EQ("a\n\n# \xff\n", "m:3: invalid UTF-8", "invalid byte");
	ERR_EQ("a\n\xc0\xaf\n", "m:2: invalid UTF-8", "overlong form");
	ERR_EQ("# \xed\xa0\x80", "m:1: invalid UTF-8", "surrogate");
	ERR_EQ("# \xe2\x82", "m:1: invalid UTF-8", "truncated sequence");
	ERR_EQ("", "m: no machines", "empty file");
	ERR_EQ("# nothing\n\n  \t\n", "m: no machines", "only comments");
	ERR_EQ("h\nh2:0", "m:2: invalid port '0' (want 1 to 65535)",
	    "error on a last line without newline");
	free(cause);
}

static void
test_duplicates(void)
{
	ERR_EQ("a\nb\nA\n", "m:3: duplicate machine 'A' (first at m:1 as "
	    "'a')", "host compared without case");
	ERR_EQ("h\n\nh:22\n", "m:3: duplicate machine 'h:22' (first at m:1 as "
	    "'h')", "no port equals :22");
	ERR_EQ("x[01-03]\nx02 nice=1\n", "m:2: duplicate machine 'x02' (first "
	    "at m:1)", "duplicate across range expansion");
	ERR_EQ("x[1,2,1]", "m:1: duplicate machine 'x1' (first at m:1)",
	    "duplicate inside one range");
	ERR_EQ("u@[::1]:2\n1/u@[::1]:2", "m:2: duplicate machine 'u@[::1]:2' "
	    "(first at m:1)", "IPv6 duplicate");
	PARSES("h\nh:2222\nalice@h\nbob@h\n", "port and user make machines "
	    "distinct (no user is its own key)");
	PARSES("x[1-2]\nx[01-02]\n", "x1 and x01 differ");
}

static void
test_files(void)
{
	struct dist_machines m;
	char *cause = NULL, *names;

	ASSERT_INT_EQ(machines_load("tests/data/machines/good", &m, &cause), 0,
	    "load good");
	names = names_of(&m);
	ASSERT_STR_EQ(names, "alice@lab01:2222 alice@lab02:2222 [::1]:2200 "
	    "bench.example.org", "good file names");
	free(names);
	ASSERT_STR_EQ(m.v[0].file, "tests/data/machines/good", "file is the "
	    "path");
	ASSERT_INT_EQ(m.v[3].line, 5, "line in the file");
	machines_free(&m);

	ASSERT_INT_EQ(machines_load("tests/data/machines/crlf", &m, &cause), 0,
	    "load CRLF file");
	TEST_OK(m.n == 2 && strcmp(m.v[0].name, "a.example:22") == 0 &&
	    strcmp(machine_attr(&m.v[0], "workdir"), "~/w d") == 0 &&
	    strcmp(m.v[1].name, "b.example") == 0 && m.v[1].line == 4,
	    "CRLF file contents");
	machines_free(&m);

	ASSERT_INT_EQ(machines_load("tests/data/machines/no-newline", &m,
	    &cause), 0, "load one line without newline");
	TEST_OK(m.n == 1 && strcmp(machine_attr(&m.v[0], "cpus"), "0-3") == 0,
	    "last value without newline");
	machines_free(&m);

	ASSERT_INT_EQ(machines_load("tests/data/machines/bad-attr", &m,
	    &cause), -1, "bad attribute file fails");
	ASSERT_STR_EQ(cause, "tests/data/machines/bad-attr:4: unknown "
	    "attribute 'wrokdir' " KNOWN, "error names file and line");
	ASSERT_INT_EQ(machines_load("tests/data/machines/bad-utf8", &m,
	    &cause), -1, "bad UTF-8 file fails");
	ASSERT_STR_EQ(cause, "tests/data/machines/bad-utf8:3: invalid UTF-8",
	    "invalid UTF-8 line");
	ASSERT_INT_EQ(machines_load("tests/data/machines/nope", &m, &cause),
	    -1, "missing file fails");
	ASSERT_STR_EQ(cause, "tests/data/machines/nope: No such file or "
	    "directory", "missing file message");
	TEST_OK(m.n == 0 && m.v == NULL, "list empty after a failed load");
	machines_free(&m);
	free(cause);
}

static void
test_example(void)
{
	struct dist_machines m;
	char *cause = NULL;
	const struct dist_machine *mc = NULL;
	size_t i;

	ASSERT_INT_EQ(machines_load("machines.example", &m, &cause), 0,
	    "machines.example parses");
	ASSERT_STR_EQ(cause, NULL, "machines.example: no error");
	ASSERT_INT_EQ(m.n, 21, "machines.example machine count");
	for (i = 0; i < m.n; i++)
		if (strcmp(m.v[i].name, "dave@gpu2:2022") == 0)
			mc = &m.v[i];
	TEST_OK(mc != NULL && mc->slots == 16 &&
	    strcmp(machine_attr(mc, "workdir"), "/data/run #1") == 0,
	    "machines.example: range with quoted attribute");
	machines_free(&m);
	free(cause);
}

static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Mutate a valid line: truncate, replace, insert or delete bytes. */
static size_t
mutate(uint32_t *seed, const char *src, char *buf, size_t size)
{
	static const char alphabet[] = "[]:@/=\"# \t\r\n\0-,0123456789az~\\"
	    "\xc3\xa9\xff\x01";
	size_t len = strlen(src), k, n, pos;

	memcpy(buf, src, len);
	for (n = rnd(seed) % 4, k = 0; k <= n; k++) {
		pos = len > 0 ? rnd(seed) % len : 0;
		switch (rnd(seed) % 4) {
		case 0:
			len = pos;
			break;
		case 1:
			if (len > 0)
				buf[pos] = alphabet[rnd(seed) %
				    (sizeof alphabet - 1)];
			break;
		case 2:
			if (len + 1 < size) {
				memmove(buf + pos + 1, buf + pos, len - pos);
				buf[pos] = alphabet[rnd(seed) %
				    (sizeof alphabet - 1)];
				len++;
			}
			break;
		default:
			if (len > 0) {
				memmove(buf + pos, buf + pos + 1,
				    len - pos - 1);
				len--;
			}
		}
	}
	return len;
}

static int
fuzz_sane(const struct dist_machines *m, int rc, const char *cause)
{
	size_t i;

	if (rc == -1)
		return cause != NULL && strncmp(cause, "m:", 2) == 0 &&
		    m->n == 0;
	for (i = 0; i < m->n; i++)
		if (m->v[i].name == NULL || m->v[i].host[0] == '\0' ||
		    m->v[i].slots < 1 || m->v[i].slots > 1024 ||
		    m->v[i].port < 0 || m->v[i].port > 65535 ||
		    m->v[i].line < 1 || strchr(m->v[i].host, '[') != NULL)
			return 0;
	return m->n > 0;
}

static void
test_fuzz(void)
{
	static const char *valid[] = {
		"4/alice@lab[01-03,07]:2222 workdir=/w nice=5 # c",
		"alice@[fe80::1%eth0]:22 benchdir=\"~/a b\"",
		"node[1-3]-pc[1-2] cpus=0-3 aslr=off tmpfs=on numa=0",
		"  [::1]:2200\tlockfile=/var/lock/x",
		"h.example.org",
		"10.0.0.1:22 workdir=\"/a #1\"",
	};
	struct dist_machines m;
	char buf[256], *cause = NULL;
	uint32_t seed = 0x2545f491;
	int i, rc, sane = 1, ok = 0, bad = 0;
	size_t len;

	for (i = 0; i < 2000; i++) {
		len = mutate(&seed, valid[i % ARRAY_SIZE(valid)], buf,
		    sizeof buf);
		free(cause);
		cause = NULL;
		rc = machines_parse("m", buf, len, &m, &cause);
		if (!fuzz_sane(&m, rc, cause)) {
			printf("# fuzz case %d: rc %d cause %s\n", i, rc,
			    cause != NULL ? cause : "(null)");
			sane = 0;
		}
		rc == 0 ? ok++ : bad++;
		machines_free(&m);
	}
	printf("# fuzz: %d parsed, %d refused\n", ok, bad);
	TEST_OK(sane, "2000 mutated lines: sane result or a file:line error");
	TEST_OK(ok > 100 && bad > 100, "fuzz hit both outcomes");
	free(cause);
}

int
main(void)
{
	test_plain_forms();
	test_spec_errors();
	test_ranges();
	test_attributes();
	test_lines();
	test_duplicates();
	test_files();
	test_example();
	test_fuzz();
	return test_done();
}
