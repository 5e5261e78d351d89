/*
 * test-util.c - the helpers that take what a worker sends: format_utc on
 * any time, the strict number and time parsers, the status file parser,
 * escaping of control characters, capped and tail reads; and rm_rf on a
 * tree deeper than PATH_MAX.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "run/request.h"
#include "lib/util.h"
#include "test.h"

static char *tmp;

static void
test_format_utc(void)
{
	static const double bad[] = { 1e17, -1, -1e300, 1e300, 253402300800.0,
	    9.2e18, 1.8e19 };
	char *s;
	size_t i;

	s = format_utc(1764000000.5);
	ASSERT_STR_EQ(s, "2025-11-24T16:00:00Z", "a normal time");
	free(s);
	s = format_utc(253402300799.0);
	ASSERT_STR_EQ(s, "9999-12-31T23:59:59Z", "the last second of 9999");
	free(s);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		s = format_utc(bad[i]);
		ASSERT_STR_EQ(s, "-", "a time out of range gives '-'");
		free(s);
	}
	s = format_utc(NAN);
	ASSERT_STR_EQ(s, "-", "NaN gives '-'");
	free(s);
	s = format_utc(INFINITY);
	ASSERT_STR_EQ(s, "-", "infinity gives '-'");
	free(s);
}

static void
test_parse_numbers(void)
{
	static const char *bad_int[] = { "", "-", "1x", " 1", "1 ", "+1",
	    "0x10", "256", "-1", "99999999999999999999999", "1e2", "١" };
	static const char *bad_wall[] = { "1e17", "", "-1", "+5", "1.", ".5",
	    "inf", "nan", "0x1p3", "1764000000.1234567890", "0",
	    "9999999999999", "1 ", "1764000000,5", "253402300800" };
	int64_t w = -1;
	long long ll;
	size_t i;
	int v = 7;

	TEST_OK(parse_int("0", 0, 255, &v) == 0 && v == 0, "parse_int 0");
	TEST_OK(parse_int("255", 0, 255, &v) == 0 && v == 255,
	    "parse_int at the top of its range");
	TEST_OK(parse_int("-3", -5, 5, &v) == 0 && v == -3,
	    "parse_int negative");
	for (i = 0; i < ARRAY_SIZE(bad_int); i++) {
		v = 7;
		TEST_OK(parse_int(bad_int[i], 0, 255, &v) == -1 && v == 7,
		    "parse_int refuses a bad number and leaves *out");
	}
	TEST_OK(parse_ll("9223372036854775807", 0, LLONG_MAX, &ll) == 0 &&
	    ll == LLONG_MAX, "parse_ll LLONG_MAX");
	TEST_OK(parse_ll("9223372036854775808", 0, LLONG_MAX, &ll) == -1,
	    "parse_ll overflow refused");
	TEST_OK(parse_epoch_ns("1764000000.25", &w) == 0 &&
	    w == INT64_C(1764000000250000000), "an epoch time with decimals");
	TEST_OK(parse_epoch_ns("1764000000", &w) == 0 &&
	    w == INT64_C(1764000000000000000), "an epoch time without");
	for (i = 0; i < ARRAY_SIZE(bad_wall); i++) {
		w = -1;
		TEST_OK(parse_epoch_ns(bad_wall[i], &w) == -1 && w == -1,
		    "a bad epoch time refused");
	}
}

/* seconds as the nanoseconds request_info holds */
#define S(secs)	(INT64_C(secs) * NS_PER_SEC)

static void
test_status(void)
{
	struct request_info ri;
	struct strvec bad = STRVEC_INIT;

	memset(&ri, 0, sizeof ri);
	ri.ok = 1;
	ri.running = 100 * NS_PER_SEC;
	request_parse_status("state=running\nstart=1764000000.50\npid=1\n"
	    "state=done\nend=1764000010\nexit=0\n", &ri, &bad);
	TEST_OK(ri.running == S(1764000000) + NS_PER_SEC / 2 &&
	    ri.end == S(1764000010) &&
	    bad.n == 0 && ri.ok, "a good status file read");
	memset(&ri, 0, sizeof ri);
	ri.running = S(1764000000);
	request_parse_status("start=1764000000\nstart=1e17\nend=nan\n"
	    "end=\033]0;pwned\007\n", &ri, &bad);
	ASSERT_INT_EQ(bad.n, 3, "three bad values listed");
	TEST_OK(ri.running == S(1764000000) && ri.end == 0,
	    "bad values ignored, good ones kept");
	if (bad.n == 3) {
		ASSERT_STR_EQ(bad.v[0], "start=1e17", "bad start named");
		ASSERT_STR_EQ(bad.v[2], "end=\\x1b]0;pwned\\x07",
		    "bad value escaped");
	}
	sv_clear(&bad);
	memset(&ri, 0, sizeof ri);
	request_parse_status("start=1764000010\nend=1764000000\n"
	    "reason=timeout\n", &ri, &bad);
	TEST_OK(bad.n == 1 && ri.end == 0 && ri.running == S(1764000010),
	    "an end before the start ignored");
	ASSERT_STR_EQ(ri.reason, "timeout", "reason=timeout read");
	sv_clear(&bad);
}

static void
test_printable(void)
{
	char *s;

	s = str_printable("host\033]0;title\007 \033[2J\r\nforged\tx\x7f");
	ASSERT_STR_EQ(s, "host\\x1b]0;title\\x07 \\x1b[2J\\r\\nforged\\tx"
	    "\\x7f", "control characters escaped");
	free(s);
	s = str_printable("caf\xc3\xa9 \xe2\x82\xac \xc2\x9b[31m \xff\xfe \xc3");
	ASSERT_STR_EQ(s, "caf\xc3\xa9 \xe2\x82\xac \\xc2\\x9b[31m \\xff\\xfe "
	    "\\xc3", "UTF-8 kept; C1 controls and bad bytes escaped");
	free(s);
	s = str_printable_lines("a\nb\033c");
	ASSERT_STR_EQ(s, "a\nb\\x1bc", "newlines kept on request");
	free(s);
	TEST_OK(str_printable(NULL) == NULL, "NULL stays NULL");
}

/* Diagnostics quote workers' text: escapes never reach the terminal, and
 * a line of ours continues indented (no forged line). */
static void
test_log_escapes(void)
{
	char *path = xasprintf("%s/stderr", tmp), *data = NULL;
	int fd, saved = dup(2);

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fd, 2);
	close(fd);
	error("agent did not start: '%s'", "Welcome\033]0;pwned\007\r\n"
	    "distribute: forged");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	read_file(path, &data, NULL, NULL);
	ASSERT_STR_EQ(data, "distribute: error: agent did not start: 'Welcome"
	    "\\x1b]0;pwned\\x07\\r\n  distribute: forged'\n",
	    "log lines: controls escaped, a newline indented");
	free(data);
	free(path);
}

static void
test_reads(void)
{
	char *path = xasprintf("%s/big", tmp), *data = NULL, *cause = NULL;
	struct strbuf sb = STRBUF_INIT;
	size_t len = 0, i;

	for (i = 0; i < 100000; i++)
		sb_addf(&sb, "line %zu\n", i);
	write_file_atomic(path, sb.buf, sb.len, NULL);
	TEST_OK(read_file_tail(path, 20, &data, &len, NULL) == 0 &&
	    len == 20 && strcmp(data, "line 99998\nline 99999\n" + 2) == 0,
	    "read_file_tail: the last bytes");
	free(data);
	TEST_OK(read_file_tail(path, sb.len + 100, &data, &len, NULL) == 0 &&
	    len == sb.len, "read_file_tail of a small file: all of it");
	free(data);
	TEST_OK(read_file_max(path, 1000, &data, &len, &cause) == -1,
	    "read_file_max refuses a larger file");
	ASSERT_CONTAINS(cause, "skipped: too large", "and says why");
	TEST_OK(read_file_max(path, sb.len, &data, &len, NULL) == 0 &&
	    len == sb.len, "read_file_max takes a file of exactly max");
	free(data);
	free(cause);
	sb_release(&sb);
	free(path);
}

/* A chain of depth directories named like "d-0123456789" under top. */
static int
make_deep(const char *top, int depth)
{
	int fd = open(top, O_RDONLY | O_DIRECTORY), next, i;

	for (i = 0; i < depth && fd != -1; i++) {
		if (mkdirat(fd, "d-0123456789", 0755) == -1)
			break;
		if (i % 100 == 0) {	/* and a file here and there */
			int f = openat(fd, "file", O_WRONLY | O_CREAT, 0644);

			if (f != -1)
				close(f);
		}
		next = openat(fd, "d-0123456789", O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = next;
	}
	if (fd != -1)
		close(fd);
	return i;
}

static void
test_rm_rf_deep(void)
{
	char *top = xasprintf("%s/deep", tmp), *cause = NULL;
	int depth = 2100;

	mkdir(top, 0755);
	ASSERT_INT_EQ(make_deep(top, depth), depth, "a deep tree made");
	printf("# %d levels: a path of %d bytes (PATH_MAX %d)\n", depth,
	    depth * 13, PATH_MAX);
	ASSERT_INT_EQ(rm_rf(top, &cause), 0, "rm_rf removes a tree deeper "
	    "than PATH_MAX");
	if (cause != NULL)
		printf("# %s\n", cause);
	TEST_OK(access(top, F_OK) == -1 && errno == ENOENT, "and it is gone");
	free(cause);
	free(top);
}

static void
test_rm_rf_symlink(void)
{
	char *top = xasprintf("%s/sl", tmp), *victim, *lnk, *f;

	victim = xasprintf("%s/victim", tmp);
	mkdir(victim, 0755);
	f = xasprintf("%s/keep", victim);
	write_file_atomic(f, "x", 1, NULL);
	mkdir(top, 0755);
	lnk = xasprintf("%s/link", top);
	TEST_OK(symlink(victim, lnk) == 0, "a symlink inside the tree");
	ASSERT_INT_EQ(rm_rf(top, NULL), 0, "tree with a symlink removed");
	TEST_OK(access(f, F_OK) == 0, "the symlink's target left alone");
	ASSERT_INT_EQ(rm_rf(lnk, NULL), 0, "rm_rf of a missing path is fine");
	free(f);
	free(lnk);
	free(victim);
	free(top);
}

int
main(void)
{
	const char *t = getenv("TMPDIR");
	char *cause = NULL;

	tmp = xasprintf("%s/test-util.XXXXXX", t != NULL && *t != '\0' ?
	    t : "/tmp");
	if (mkdtemp(tmp) == NULL) {
		printf("not ok - mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_format_utc();
	test_parse_numbers();
	test_status();
	test_printable();
	test_log_escapes();
	test_reads();
	test_rm_rf_deep();
	test_rm_rf_symlink();
	if (rm_rf(tmp, &cause) != 0)
		printf("# %s\n", cause);
	free(cause);
	free(tmp);
	return test_done();
}
