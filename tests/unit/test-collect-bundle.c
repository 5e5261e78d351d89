/*
 * test-collect-bundle.c - the master's reader of a result bundle
 * (master/run/collect-bundle.c, the worker helper's JOBDIR.bundle): a
 * good one is unpacked as the walk copies files (mode bits 0755 plus
 * owner rw, the worker's mtime, the bytes as they are); a crafted one (a
 * name with "..", "/", "." or a leading dot, a name twice, a name the
 * master writes, sizes too big or too small, a truncated one, bytes after
 * the last file, a wrong header) is refused whole: nothing is written.
 * The same for one in base64 (a "done" line's), and bad base64.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "lib/lib.h"
#include "run/run-internal.h"

static const char *const own[] = { "argv", "argc", "env", NULL };
static char dest[] = "/tmp/test-collect-bundle.XXXXXX";

/* The bundle of body (files), its header made right: nfiles, and the
 * byte count of body plus extra (extra < 0: fewer). */
static char *
mk(int nfiles, const char *body, size_t blen, long extra, size_t *len)
{
	char head[64], *b;
	int n = snprintf(head, sizeof head, "distribute-bundle 1 %d %ld\n",
	    nfiles, (long)blen + extra);

	b = xmalloc((size_t)n + blen + 1);
	memcpy(b, head, (size_t)n);
	memcpy(b + n, body, blen);
	*len = (size_t)n + blen;
	return b;
}

/* Entries in dest. */
static int
count_dest(void)
{
	DIR *d = opendir(dest);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
empty_dest(void)
{
	char *cause = NULL;

	rm_rf(dest, &cause);
	free(cause);
	mkdir(dest, 0755);
}

/* A raw bundle (its header as given) refused, nothing written. */
static void
refused_raw(const char *data, size_t len, const char *what,
    const char *why)
{
	char *copy = xmalloc(len + 1), *cause = NULL;
	char label[160];

	memcpy(copy, data, len);
	empty_dest();
	snprintf(label, sizeof label, "refused: %s", what);
	ASSERT_INT_EQ(bundle_unpack(copy, len, dest, own, &cause), 1, label);
	snprintf(label, sizeof label, "refused: %s: nothing written", what);
	ASSERT_INT_EQ(count_dest(), 0, label);
	snprintf(label, sizeof label, "refused: %s: says why", what);
	ASSERT_CONTAINS(cause, why, label);
	free(cause);
	free(copy);
}

/* body with a right header (extra bytes counted in or out) refused. */
static void
refused(int nfiles, const char *body, size_t blen, long extra,
    const char *what, const char *why)
{
	size_t len;
	char *b = mk(nfiles, body, blen, extra, &len);

	refused_raw(b, len, what, why);
	free(b);
}

#define BODY(s)	(s), sizeof(s) - 1

static void
test_good(void)
{
	static const char body[] =
	    "F 0750 3 1234567890 run.sh\n" "a\0b"
	    "F 0444 0 1 empty\n"
	    "F 0600 4 0 x+y-z_1.txt\n" "\xff\n\x01\x80";
	char *b, *cause = NULL, *p;
	struct stat st;
	size_t len;
	FILE *f;
	char got[8];

	empty_dest();
	b = mk(3, BODY(body), 0, &len);
	ASSERT_INT_EQ(bundle_unpack(b, len, dest, own, &cause), 0,
	    "good: unpacked");
	ASSERT_STR_EQ(cause, NULL, "good: no cause");
	ASSERT_INT_EQ(count_dest(), 3, "good: 3 files");
	p = xasprintf("%s/run.sh", dest);
	TEST_OK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0750 &&
	    st.st_size == 3 && st.st_mtime == 1234567890,
	    "good: run.sh 0750, 3 bytes, its mtime");
	f = fopen(p, "rb");
	TEST_OK(f != NULL && fread(got, 1, 3, f) == 3 &&
	    memcmp(got, "a\0b", 3) == 0, "good: run.sh's bytes, a NUL too");
	if (f != NULL)
		fclose(f);
	free(p);
	p = xasprintf("%s/empty", dest);
	TEST_OK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0644 &&
	    st.st_size == 0 && st.st_mtime == 1,
	    "good: empty 0644 (0444 plus owner rw, as the walk)");
	free(p);
	p = xasprintf("%s/x+y-z_1.txt", dest);
	f = fopen(p, "rb");
	TEST_OK(f != NULL && fread(got, 1, 4, f) == 4 &&
	    memcmp(got, "\xff\n\x01\x80", 4) == 0,
	    "good: bytes with a newline and high bytes");
	if (f != NULL)
		fclose(f);
	free(p);
	free(b);
	free(cause);
}

static void
test_names(void)
{
	refused(1, BODY("F 0644 1 0 ../x\nA"), 0, "'../x'", "not a plain");
	refused(1, BODY("F 0644 1 0 a/b\nA"), 0, "'a/b'", "not a plain");
	refused(1, BODY("F 0644 1 0 .\nA"), 0, "'.'", "not a plain");
	refused(1, BODY("F 0644 1 0 ..\nA"), 0, "'..'", "not a plain");
	refused(1, BODY("F 0644 1 0 .hidden\nA"), 0, "a leading dot",
	    "not a plain");
	refused(1, BODY("F 0644 1 0 \nA"), 0, "an empty name", "not a plain");
	refused(1, BODY("F 0644 1 0 a b\nA"), 0, "a space", "not a plain");
	refused(1, BODY("F 0644 1 0 a\tb\nA"), 0, "a tab", "not a plain");
	refused(1, BODY("F 0644 1 0 a\0b\nA"), 0, "a NUL", "NUL");
	refused(1, BODY("F 0644 1 0 argc\nA"), 0, "a name the master writes",
	    "master writes");
	refused(2, BODY("F 0644 1 0 same\nAF 0644 1 0 same\nB"), 0,
	    "a name twice", "twice");
	refused(2, BODY("F 0644 1 0 ok\nAF 0644 1 0 /abs\nB"), 0,
	    "a good file, then an absolute name: not half-applied",
	    "not a plain");
}

static void
test_sizes(void)
{
	refused(1, BODY("F 0644 5 0 a\nAB"), 0, "a size too big", "left");
	refused(1, BODY("F 0644 1 0 a\nABC"), 0, "a size too small",
	    "after the last file");
	refused(2, BODY("F 0644 1 0 a\nAF 0644 9 0 b\nB"), 0,
	    "the second's size too big", "left");
	refused(1, BODY("F 0644 4 0 a\nAB"), 2, "truncated (the header "
	    "says more)", "said");
	refused(1, BODY("F 0644 1 0 a\nA"), -1, "the header says fewer bytes",
	    "said");
	refused(1, BODY("F 0644 1 0 a\nAjunk"), 0, "trailing garbage",
	    "after the last file");
	refused(1, BODY("F 0644 1 0 a\nAF 0644 1 0 b\nB"), 0,
	    "more files than the header says", "after the last file");
	refused(2, BODY("F 0644 1 0 a\nA"), 0, "fewer files than it says",
	    "entry 2");
	refused(1, BODY("F 0644 1 0 a"), 0, "a line without its newline",
	    "truncated");
	refused(1, BODY("F 0644 01 0 a\nA"), 0, "a size with a leading zero",
	    "bad mode");
	refused(1, BODY("F 0644 -1 0 a\nA"), 0, "a negative size", "bad mode");
	refused(1, BODY("F 0644 99999999999 0 a\nA"), 0, "a huge size",
	    "bad mode");
	refused(1, BODY("F 0644 1 4294967296 a\nA"), 0, "an mtime past 2^32",
	    "bad mode");
	refused(1, BODY("F 0844 1 0 a\nA"), 0, "a mode not octal", "bad mode");
	refused(1, BODY("F 644 1 0 a\nA"), 0, "a mode of 3 digits", "bad mode");
	refused(1, BODY("D 0755 0 0 d\n"), 0, "an entry not 'F'", "no 'F '");
	refused(1, BODY("F  0644 1 0 a\nA"), 0, "two spaces", "bad mode");
}

static void
test_header(void)
{
	static const char file[] = "F 0644 1 0 a\nA";
	char buf[128];
	int n;

	refused_raw(BODY(""), "empty", "header");
	refused_raw(BODY("distribute-bundle 2 1 14\nF 0644 1 0 a\nA"),
	    "version 2", "header");
	refused_raw(BODY("distribute-bundle 1 1 14 F 0644 1 0 a\nA"),
	    "no newline after the header", "bad header");
	refused_raw(BODY("distribute-bundle 1 1 014\nF 0644 1 0 a\nA"),
	    "a leading zero in the header", "bad header");
	refused_raw(BODY("distribute-bundle 1 65 14\nF 0644 1 0 a\nA"),
	    "more than 64 files", "bad header");
	refused_raw(BODY("distribute-bundle 1 1 99999\nF 0644 1 0 a\nA"),
	    "more than 60 KiB said", "bad header");
	refused_raw(BODY("distribute-bundle 1 1"), "a truncated header",
	    "bad header");
	refused_raw(BODY("Distribute-bundle 1 1 14\nF 0644 1 0 a\nA"),
	    "a wrong magic", "header");
	n = snprintf(buf, sizeof buf, "distribute-bundle 1 1 %zu\n%s",
	    sizeof file - 1, file);
	refused_raw(buf, (size_t)n - 1, "the last byte cut off", "said");
}

/* A bundle in base64 (a "done" line's), refused: nothing written. */
static void
refused_b64(const char *b64, const char *what, const char *why)
{
	char *cause = NULL, label[160];
	int rc;

	empty_dest();
	snprintf(label, sizeof label, "base64 refused: %s", what);
	rc = bundle_unpack_base64(b64, dest, own, &cause);
	ASSERT_INT_EQ(rc, 1, label);
	snprintf(label, sizeof label, "base64 refused: %s: nothing written",
	    what);
	ASSERT_INT_EQ(count_dest(), 0, label);
	snprintf(label, sizeof label, "base64 refused: %s: says why", what);
	ASSERT_CONTAINS(cause, why, label);
	free(cause);
}

static void
test_base64(void)
{
	/* "distribute-bundle 1 1 14\nF 0644 1 0 a\nA" (40 bytes: no pad),
	 * with a second file: 1 and 2 '=' of padding */
	static const char one[] =
	    "ZGlzdHJpYnV0ZS1idW5kbGUgMSAxIDE0CkYgMDY0NCAxIDAgYQpB";
	char *cause = NULL, *p, got[8];
	char big[(BUNDLE_BYTES_MAX / 3 + 2) * 4 + 1];
	FILE *f;
	int ok;

	empty_dest();
	ok = bundle_unpack_base64(one, dest, own, &cause);
	ASSERT_INT_EQ(ok, 0, "base64: unpacked");
	ASSERT_INT_EQ(count_dest(), 1, "base64: 1 file");
	p = xasprintf("%s/a", dest);
	f = fopen(p, "r");
	ok = f != NULL && fgets(got, sizeof got, f) != NULL &&
	    strcmp(got, "A") == 0;
	ASSERT_INT_EQ(ok, 1, "base64: its bytes");
	if (f != NULL)
		fclose(f);
	free(p);
	/* 41 and 42 bytes: "AB" and "ABC" as a's bytes */
	empty_dest();
	ok = bundle_unpack_base64("ZGlzdHJpYnV0ZS1idW5kbGUgMSAxIDE1"
	    "CkYgMDY0NCAyIDAgYQpBQg==", dest, own, &cause);
	ASSERT_INT_EQ(ok, 0, "base64: two '=' of padding");
	empty_dest();
	ok = bundle_unpack_base64("ZGlzdHJpYnV0ZS1idW5kbGUgMSAxIDE2"
	    "CkYgMDY0NCAzIDAgYQpBQkM=", dest, own, &cause);
	ASSERT_INT_EQ(ok, 0, "base64: one '=' of padding");
	free(cause);
	refused_b64("", "empty", "base64");
	refused_b64("ZGlzdHJpYnV0ZS1idW5kbGUgMSAxIDE0CkYgMDY0NCAxIDAgYQp",
	    "a length not a multiple of 4", "base64");
	refused_b64("ZGlzdHJpYnV0ZS1idW5kbGUgMSAxIDE0CkYgMDY0NCAxIDAgYQ!B",
	    "a character out of base64", "base64");
	refused_b64("ZGlzdHJpYnV0ZS1idW5kbGUgMSAxIDE0CkYgMDY0NCAxIDAgY===",
	    "three '='", "base64");
	refused_b64("ZGlzdHJpYnV0ZS1idW5kbGUgMSAxIDE0CkYgMDY0NCAxID=gYQpB",
	    "a '=' inside", "base64");
	refused_b64("ZGlzdHJpYnV0ZS1idW5kbGUgMSAxIDE0CkYgMDY0NCAxIDAgYQpC"
	    "QUFB", "bytes after the last file", "said");
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	refused_b64(big, "more than 60 KiB", "base64");
}

int
main(void)
{
	char *cause = NULL;

	if (mkdtemp(dest) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_good();
	test_names();
	test_sizes();
	test_header();
	test_base64();
	rm_rf(dest, &cause);
	free(cause);
	return test_done();
}
