/*
 * test-archive.c - SHA-256 vectors, archive_check() on archives written
 * at run time with libarchive, and archive_extract_safe().
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "input/archive.h"
#include "lib/sha256.h"
#include "lib/util.h"
#include "run/run-internal.h"
#include "test.h"

/* An entry to write: type 'f' file, 'd' dir, 'l' symlink, 'h' hardlink,
 * 'c' character device, 'p' FIFO.  data: contents or link target. */
struct ent {
	const char	*name;
	char		 type;
	const char	*data;
	int		 mode;		/* permission bits, 0 for the default */
	uint64_t	 zeros;		/* 'f': this many zero bytes instead */
};

static char *tmp;	/* the test's scratch directory */

static char *
tpath(const char *name)
{
	return xasprintf("%s/%s", tmp, name);
}

static int
entry_data(struct archive *a, const struct ent *x)
{
	static const char zero[65536];
	uint64_t left = x->zeros;
	size_t n;

	if (x->type != 'f')
		return 0;
	if (x->zeros == 0) {
		n = strlen(x->data);
		return archive_write_data(a, x->data, n) == (la_ssize_t)n ? 0 :
		    -1;
	}
	for (; left > 0; left -= n) {
		n = left < sizeof zero ? (size_t)left : sizeof zero;
		if (archive_write_data(a, zero, n) != (la_ssize_t)n)
			return -1;
	}
	return 0;
}

static void
entry_fill(struct archive_entry *e, const struct ent *x)
{
	archive_entry_set_pathname(e, x->name);
	archive_entry_set_mtime(e, 1700000000, 0);
	switch (x->type) {
	case 'f':
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_size(e, x->zeros > 0 ? (la_int64_t)x->zeros :
		    (la_int64_t)strlen(x->data));
		break;
	case 'd':
		archive_entry_set_filetype(e, AE_IFDIR);
		break;
	case 'l':
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_symlink(e, x->data);
		break;
	case 'h':
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_hardlink(e, x->data);
		break;
	case 'c':
		archive_entry_set_filetype(e, AE_IFCHR);
		archive_entry_set_rdevmajor(e, 1);
		archive_entry_set_rdevminor(e, 3);
		break;
	case 'p':
		archive_entry_set_filetype(e, AE_IFIFO);
		break;
	}
	archive_entry_set_perm(e, x->mode != 0 ? (mode_t)x->mode :
	    x->type == 'd' ? 0755 : 0644);
}

/* filter: "none", "gzip", "xz", "bzip2", "gzip+gzip", "gzip-stored" (level
 * 0: data bytes appear as they are) or "program:CMD". */
static int
add_filters(struct archive *a, const char *filter)
{
	if (strncmp(filter, "program:", 8) == 0)
		return archive_write_add_filter_program(a, filter + 8);
	if (strcmp(filter, "gzip+gzip") == 0)
		return archive_write_add_filter_gzip(a) != ARCHIVE_OK ? -1 :
		    archive_write_add_filter_gzip(a);
	if (strcmp(filter, "gzip-stored") == 0)
		return archive_write_add_filter_gzip(a) != ARCHIVE_OK ? -1 :
		    archive_write_set_filter_option(a, "gzip",
		    "compression-level", "0");
	if (strcmp(filter, "none") == 0)
		return ARCHIVE_OK;
	return archive_write_add_filter_by_name(a, filter);
}

static int
write_archive(const char *path, const char *format, const char *filter,
    const struct ent *ents, size_t n)
{
	void *loc = archive_utf8_enter();	/* UTF-8 names in pax */
	struct archive *a = archive_write_new();
	struct archive_entry *e;
	size_t i;
	int ret = -1;

	if (archive_write_set_format_by_name(a, format) != ARCHIVE_OK ||
	    add_filters(a, filter) != ARCHIVE_OK ||
	    archive_write_open_filename(a, path) != ARCHIVE_OK)
		goto out;
	for (i = 0; i < n; i++) {
		e = archive_entry_new();
		entry_fill(e, &ents[i]);
		if (archive_write_header(a, e) != ARCHIVE_OK ||
		    entry_data(a, &ents[i]) != 0) {
			archive_entry_free(e);
			goto out;
		}
		archive_entry_free(e);
	}
	if (archive_write_close(a) == ARCHIVE_OK)
		ret = 0;
out:
	if (ret != 0)
		printf("# write %s: %s\n", path, archive_error_string(a));
	archive_write_free(a);
	archive_utf8_leave(loc);
	return ret;
}

static char *
sha256sum(const char *path)
{
	char *q = sh_quote(path), *cmd = xasprintf("sha256sum %s", q);
	char buf[128] = "";
	FILE *f = popen(cmd, "r");

	if (f != NULL) {
		if (fgets(buf, sizeof buf, f) == NULL)
			buf[0] = '\0';
		pclose(f);
	}
	free(cmd);
	free(q);
	buf[strcspn(buf, " \n")] = '\0';
	return xstrdup(buf);
}

static off_t
file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : -1;
}

/* Copy the first len bytes of src to dst. */
static void
file_cut(const char *src, const char *dst, size_t len)
{
	char *data = NULL;
	size_t n;

	if (read_file(src, &data, &n, NULL) == 0)
		write_file_atomic(dst, data, len < n ? len : n, NULL);
	free(data);
}

static void
file_poke(const char *path, size_t off, unsigned char xor)
{
	char *data = NULL;
	size_t n;

	if (read_file(path, &data, &n, NULL) == 0 && off < n) {
		data[off] ^= (char)xor;
		write_file_atomic(path, data, n, NULL);
	}
	free(data);
}

static int
count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* Deterministic incompressible text for archives of some size. */
static char *
noise(size_t len, unsigned seed)
{
	char *s = xmalloc(len + 1);
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245U + 12345U;
		s[i] = (char)('!' + (seed >> 16) % 90);
	}
	s[len] = '\0';
	return s;
}

/* ---- SHA-256 ---- */

static void
sha_str(const char *msg, size_t len, const char *want, const char *what)
{
	struct sha256_ctx ctx;
	unsigned char md[32];
	char hex[65];

	sha256_init(&ctx);
	sha256_update(&ctx, msg, len);
	sha256_final(&ctx, md);
	sha256_hex(md, hex);
	ASSERT_STR_EQ(hex, want, what);
}

static void
test_sha256_vectors(void)
{
	struct sha256_ctx ctx;
	unsigned char md[32];
	char hex[65], *a;
	int i;

	sha_str("", 0, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855", "sha256 of empty string");
	sha_str("abc", 3, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad", "sha256 of 'abc'");
	sha_str("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	    "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1", "sha256 of 448-bit message");
	sha_str("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", 112,
	    "cf5b16a778af8380036ce59e7b049237"
	    "0b249b11e8f07a51afac45037afee9d1", "sha256 of 896-bit message");
	a = xmalloc(1000000);
	memset(a, 'a', 1000000);
	sha_str(a, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0", "sha256 of a million 'a'");
	sha256_init(&ctx);
	for (i = 0; i < 1000; i++)
		sha256_update(&ctx, a, 1000);
	sha256_final(&ctx, md);
	sha256_hex(md, hex);
	ASSERT_STR_EQ(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0", "million 'a' in 1000 updates");
	free(a);
}

static void
test_sha256_chunks(void)
{
	struct sha256_ctx ctx;
	unsigned char md1[32], md2[32];
	char *data = noise(20000, 7), *path, *want, hex[65], *cause = NULL;
	size_t off, n, len;
	unsigned seed = 42;
	int same = 1;

	for (len = 0; len <= 20000; len += len < 200 ? 1 : 997) {
		sha256_init(&ctx);
		sha256_update(&ctx, data, len);
		sha256_final(&ctx, md1);
		sha256_init(&ctx);
		for (off = 0; off < len; off += n) {
			seed = seed * 1103515245U + 12345U;
			n = (seed >> 16) % 150;
			if (n > len - off)
				n = len - off;
			sha256_update(&ctx, data + off, n);
		}
		sha256_final(&ctx, md2);
		same &= memcmp(md1, md2, 32) == 0;
	}
	TEST_OK(same, "random chunk sizes give the one-shot digest");

	path = tpath("sha-input");
	write_file_atomic(path, data, 20000, NULL);
	want = sha256sum(path);
	ASSERT_INT_EQ(sha256_file(path, hex, &cause), 0, "sha256_file works");
	ASSERT_STR_EQ(hex, want, "sha256_file agrees with sha256sum");
	same = 1;
	for (len = 0; len <= 130; len++) {
		write_file_atomic(path, data, len, NULL);
		free(want);
		want = sha256sum(path);
		same &= sha256_file(path, hex, NULL) == 0 &&
		    strcmp(hex, want) == 0;
	}
	TEST_OK(same, "lengths 0 to 130 (padding edges) agree with sha256sum");
	free(path);
	path = tpath("no-such-file");
	ASSERT_INT_EQ(sha256_file(path, hex, &cause), -1,
	    "sha256_file on a missing file fails");
	ASSERT_CONTAINS(cause, "No such file", "missing file error names it");
	free(cause);
	free(path);
	free(want);
	free(data);
}

/* ---- archive_check: accepted ---- */

static void
check_ok(const char *name, const char *format, const char *filter,
    const char *want_format, const char *want_filter)
{
	static const struct ent ents[] = {
		{ "tool", 'd', NULL, 0, 0 },
		{ "tool/bin", 'd', NULL, 0, 0 },
		{ "tool/bin/run", 'f', "#!/bin/sh\necho hi\n", 0755, 0 },
		{ "tool/README", 'f', "hello world\n", 0, 0 },
		{ "tool/lib/data.bin", 'f', NULL, 0, 3000 },
	};
	struct dist_archive_info info;
	char *path = tpath(name), *cause = NULL, *want, *what;

	write_archive(path, format, filter, ents, ARRAY_SIZE(ents));
	want = sha256sum(path);
	what = xasprintf("%s accepted", name);
	ASSERT_INT_EQ(archive_check(path, &info, &cause), 0, what);
	if (cause != NULL)
		printf("# %s\n", cause);
	free(what);
	what = xasprintf("%s: format, filter, counts and sha256", name);
	TEST_OK(info.format != NULL && strcmp(info.format, want_format) == 0 &&
	    strcmp(info.filter, want_filter) == 0 && info.entries == 5 &&
	    info.unpacked == 18 + 12 + 3000 &&
	    info.size == (uint64_t)file_size(path) &&
	    strcmp(info.sha256, want) == 0 && strcmp(info.path, path) == 0,
	    what);
	free(what);
	archive_info_free(&info);
	free(cause);
	free(want);
	free(path);
}

/* Check an archive that must be accepted (links, names, zip...). */
static void
check_accepts(const char *name, const char *format, const char *filter,
    const struct ent *ents, size_t n, const char *what)
{
	struct dist_archive_info info;
	char *path = tpath(name), *cause = NULL;

	write_archive(path, format, filter, ents, n);
	ASSERT_INT_EQ(archive_check(path, &info, &cause), 0, what);
	if (cause != NULL)
		printf("# %s\n", cause);
	archive_info_free(&info);
	free(cause);
	free(path);
}

static void
test_check_accepts(void)
{
	static const struct ent links[] = {
		{ "t/lib/x.so", 'f', "elf", 0, 0 },
		{ "t/bin/x", 'l', "../lib/x.so", 0777, 0 },
		{ "t/bin/self", 'l', ".", 0777, 0 },
		{ "t/bin/y", 'h', "t/lib/x.so", 0, 0 },
		{ "./t/top", 'l', "../t", 0777, 0 },
	};
	static const struct ent names[] = {
		{ "./", 'd', NULL, 0, 0 },
		{ "./t/caf\xc3\xa9 menu.txt", 'f', "x", 0, 0 },
		{ "t//double//slash", 'f', "y", 0, 0 },
	};

	check_ok("ok.tar", "ustar", "none", "tar", "none");
	check_ok("ok-pax.tar.gz", "pax", "gzip", "tar", "gzip");
	check_ok("ok-gnu.tar.xz", "gnutar", "xz", "tar", "xz");
	check_ok("ok.tar.bz2", "ustar", "bzip2", "tar", "bzip2");
	check_ok("ok.zip", "zip", "none", "zip", "none");
	check_accepts("links.tar.gz", "pax", "gzip", links, ARRAY_SIZE(links),
	    "symlinks and hardlinks inside the archive accepted");
	check_accepts("links.zip", "zip", "none", links, 3,
	    "symlinks inside a zip accepted");
	check_accepts("names.tar", "pax", "none", names, ARRAY_SIZE(names),
	    "'./', UTF-8 and '//' names accepted");
}

/* ---- archive_check: refused ---- */

static void
check_refuses_file(const char *path, const char *needle, const char *what)
{
	struct dist_archive_info info;
	char *cause = NULL;

	memset(&info, 0xff, sizeof info);
	ASSERT_INT_EQ(archive_check(path, &info, &cause), -1, what);
	printf("# %s\n", cause != NULL ? cause : "(no message)");
	ASSERT_CONTAINS(cause, needle, what);
	TEST_OK(cause != NULL && strncmp(cause, path, strlen(path)) == 0 &&
	    strncmp(cause + strlen(path), ": ", 2) == 0 &&
	    info.format == NULL && info.path == NULL && info.entries == 0,
	    "refusal names the file and leaves info empty");
	free(cause);
}

static void
check_refuses(const char *name, const char *format, const char *filter,
    const struct ent *ents, size_t n, const char *needle, const char *what)
{
	char *path = tpath(name);

	write_archive(path, format, filter, ents, n);
	check_refuses_file(path, needle, what);
	free(path);
}

#define REFUSE(name, fmt, filt, ents, needle, what) \
	check_refuses(name, fmt, filt, ents, ARRAY_SIZE(ents), needle, what)

static void
test_check_refuses_names(void)
{
	static const struct ent abs[] = {
		{ "tool/a", 'f', "a", 0, 0 }, { "/etc/evil", 'f', "x", 0, 0 } };
	static const struct ent dotdot[] = {
		{ "a/../../x", 'f', "x", 0, 0 } };
	static const struct ent dotdot_zip[] = {
		{ "ok", 'f', "x", 0, 0 }, { "../x", 'f', "x", 0, 0 } };
	static const struct ent ctrl[] = { { "a\001b", 'f', "x", 0, 0 } };
	static const struct ent nl[] = { { "a\nb", 'f', "x", 0, 0 } };
	char *longname = xmalloc(5001);
	struct ent lng[1] = { { NULL, 'f', "x", 0, 0 } };

	REFUSE("abs.tar", "ustar", "none", abs,
	    "entry '/etc/evil': absolute path", "absolute path refused");
	REFUSE("dotdot.tar.gz", "pax", "gzip", dotdot,
	    "entry 'a/../../x': '..' component", "'..' component refused");
	REFUSE("dotdot.zip", "zip", "none", dotdot_zip,
	    "entry '../x': '..' component", "'..' in a zip refused");
	REFUSE("ctrl.tar", "pax", "none", ctrl,
	    "entry 'a\\x01b': control character in name",
	    "control character refused");
	REFUSE("nl.tar", "pax", "none", nl, "control character in name",
	    "newline in a name refused");
	memset(longname, 'n', 5000);
	longname[5000] = '\0';
	lng[0].name = longname;
	REFUSE("long.tar", "pax", "none", lng, "name longer than 4096 bytes",
	    "name over 4096 bytes refused");
	free(longname);
}

static void
test_check_refuses_types(void)
{
	static const struct ent dev[] = { { "t/null", 'c', NULL, 0666, 0 } };
	static const struct ent fifo[] = { { "t/fifo", 'p', NULL, 0644, 0 } };
	static const struct ent suid[] = { { "t/su", 'f', "x", 04755, 0 } };
	static const struct ent sgid[] = { { "t/sg", 'f', "x", 02755, 0 } };
	static const struct ent sticky[] = { { "t/tmp", 'd', NULL, 01777, 0 } };
	static const struct ent rootfile[] = { { ".", 'l', "x", 0777, 0 } };

	REFUSE("dev.tar", "ustar", "none", dev, "entry 't/null': device node",
	    "device node refused");
	REFUSE("fifo.tar.gz", "ustar", "gzip", fifo, "entry 't/fifo': FIFO",
	    "FIFO refused");
	REFUSE("suid.tar", "ustar", "none", suid, "entry 't/su': setuid bit",
	    "setuid refused");
	REFUSE("sgid.tar.xz", "ustar", "xz", sgid, "entry 't/sg': setgid bit",
	    "setgid refused");
	REFUSE("sticky.tar", "ustar", "none", sticky,
	    "entry 't/tmp/': sticky bit", "sticky bit refused");
	REFUSE("rootfile.tar", "pax", "none", rootfile,
	    "entry '.': archive root is not a directory",
	    "symlink as archive root refused");
}

static void
test_check_refuses_links(void)
{
	static const struct ent sl_abs[] = {
		{ "t/l", 'l', "/etc/passwd", 0777, 0 } };
	static const struct ent sl_up[] = {
		{ "t/l", 'l', "../../x", 0777, 0 } };
	static const struct ent sl_root_up[] = {
		{ "l", 'l', "..", 0777, 0 } };
	static const struct ent sl_chain[] = {
		{ "a/deep", 'l', ".", 0777, 0 },
		{ "a/esc", 'l', "deep/deep/../..", 0777, 0 } };
	static const struct ent sl_loop[] = {
		{ "a", 'l', "b", 0777, 0 }, { "b", 'l', "a", 0777, 0 } };
	static const struct ent sl_dup[] = {
		{ "t/l", 'l', "x", 0777, 0 }, { "t/l", 'f', "x", 0, 0 } };
	static const struct ent hl_up[] = {
		{ "t/h", 'h', "../x", 0, 0 } };
	static const struct ent hl_abs[] = {
		{ "t/h", 'h', "/etc/shadow", 0, 0 } };
	static const struct ent hl_later[] = {
		{ "t/h", 'h', "t/later", 0, 0 },
		{ "t/later", 'f', "x", 0, 0 } };
	static const struct ent hl_dir[] = {
		{ "t", 'd', NULL, 0, 0 }, { "t/h", 'h', "t", 0, 0 } };

	REFUSE("sl-abs.tar", "ustar", "none", sl_abs,
	    "entry 't/l': symlink target '/etc/passwd' is absolute",
	    "absolute symlink refused");
	REFUSE("sl-up.tar.gz", "ustar", "gzip", sl_up,
	    "entry 't/l': symlink target '../../x' points outside the archive",
	    "symlink escaping with ../.. refused");
	REFUSE("sl-root-up.zip", "zip", "none", sl_root_up,
	    "points outside the archive", "symlink to '..' in a zip refused");
	REFUSE("sl-chain.tar", "pax", "none", sl_chain,
	    "entry 'a/esc': symlink target 'deep/deep/../..' points outside",
	    "symlink escaping through another symlink refused");
	REFUSE("sl-loop.tar", "pax", "none", sl_loop,
	    "too many levels of symlinks", "symlink loop refused");
	REFUSE("sl-dup.tar", "pax", "none", sl_dup,
	    "symlink with the same name as another entry",
	    "symlink replaced by a file refused");
	REFUSE("hl-up.tar", "ustar", "none", hl_up,
	    "entry 't/h': hardlink target '../x': '..' component",
	    "hardlink with '..' refused");
	REFUSE("hl-abs.tar", "ustar", "none", hl_abs,
	    "hardlink target '/etc/shadow' is absolute",
	    "absolute hardlink refused");
	REFUSE("hl-later.tar", "ustar", "none", hl_later,
	    "entry 't/h': hardlink target 't/later' is not an earlier entry",
	    "hardlink to a later entry refused");
	REFUSE("hl-dir.tar", "ustar", "none", hl_dir,
	    "is not an earlier entry", "hardlink to a directory refused");
}

static void
test_check_refuses_formats(void)
{
	static const struct ent one[] = { { "t/a", 'f', "hello\n", 0, 0 } };
	char *path, *dst;

	path = tpath("empty.tar");
	write_archive(path, "ustar", "none", one, 0);
	check_refuses_file(path, ": empty archive",
	    "tar without entries refused");
	free(path);
	path = tpath("empty.zip");
	write_archive(path, "zip", "none", one, 0);
	check_refuses_file(path, ": empty archive",
	    "zip without entries refused");
	free(path);
	path = tpath("zero-bytes");
	write_file_atomic(path, "", 0, NULL);
	check_refuses_file(path, ": empty file", "zero-byte file refused");
	free(path);
	path = tpath("text.tar");
	write_file_atomic(path, "just some text\nnot an archive\n", 30, NULL);
	check_refuses_file(path, "unsupported archive format",
	    "text file refused");
	free(path);
	REFUSE("one.cpio", "cpio", "none", one, "unsupported archive format",
	    "cpio refused");
	REFUSE("one.cpio.gz", "cpio", "gzip", one, "unsupported archive format",
	    "gzipped cpio refused");
	REFUSE("one.7z", "7zip", "none", one, "unsupported archive format",
	    "7z refused");
	REFUSE("one.tar.gz.gz", "ustar", "gzip+gzip", one,
	    "unsupported compression", "doubly gzipped tar refused");
	path = tpath("dir.tar");
	mkdir(path, 0755);
	check_refuses_file(path, "not a regular file", "directory refused");
	free(path);
	path = tpath("fifo.tar");
	mkfifo(path, 0600);
	check_refuses_file(path, "not a regular file",
	    "FIFO path refused without blocking");
	free(path);

	/* A tar cut exactly at an entry boundary: no end marker. */
	path = tpath("noend-full.tar");
	dst = tpath("noend.tar");
	write_archive(path, "ustar", "none", one, 1);
	file_cut(path, dst, 1024);
	check_refuses_file(dst, "no end-of-archive marker",
	    "tar cut at an entry boundary refused");
	free(path);
	free(dst);
}

static void
test_check_corrupt(void)
{
	struct ent ents[3] = {
		{ "t/a.txt", 'f', NULL, 0, 0 },
		{ "t/b.txt", 'f', NULL, 0, 0 },
		{ "t/c.txt", 'f', "end\n", 0, 0 },
	};
	char *path, *dst, *what;
	const char *fmts[] = { "gzip", "xz", "bzip2" };
	size_t i, len;

	ents[0].data = noise(40000, 1);
	ents[1].data = noise(40000, 2);
	for (i = 0; i < ARRAY_SIZE(fmts); i++) {
		path = xasprintf("%s/corrupt.tar.%s", tmp, fmts[i]);
		dst = xasprintf("%s/half.tar.%s", tmp, fmts[i]);
		write_archive(path, "pax", fmts[i], ents, 3);
		len = (size_t)file_size(path);
		file_cut(path, dst, len / 2);
		what = xasprintf("%s cut in half refused", fmts[i]);
		check_refuses_file(dst, "truncated or corrupt archive: ",
		    what);
		free(what);
		file_cut(path, dst, len - 1);
		what = xasprintf("%s missing its last byte refused", fmts[i]);
		check_refuses_file(dst, "truncated or corrupt archive: ", what);
		free(what);
		file_poke(path, len / 2, 0x10);
		what = xasprintf("%s with a flipped bit in the middle refused",
		    fmts[i]);
		check_refuses_file(path, "truncated or corrupt archive: ",
		    what);
		free(what);
		free(path);
		free(dst);
	}
	/* Only the gzip CRC can tell that a stored byte changed. */
	path = tpath("stored.tar.gz");
	write_archive(path, "pax", "gzip-stored", ents, 3);
	file_poke(path, (size_t)file_size(path) / 2, 0x01);
	check_refuses_file(path, "truncated or corrupt archive: gzip checksum "
	    "mismatch", "changed byte in a stored gzip block refused");
	free(path);

	path = tpath("corrupt.zip");
	write_archive(path, "zip", "none", ents, 3);
	len = (size_t)file_size(path);
	dst = tpath("half.zip");
	file_cut(path, dst, len / 2);
	check_refuses_file(dst, "truncated or corrupt archive: ",
	    "zip cut in half refused");
	file_poke(path, 100, 0x01);
	check_refuses_file(path, "truncated or corrupt archive: ",
	    "zip with a damaged byte refused");
	free(path);
	free(dst);
	free((char *)ents[0].data);
	free((char *)ents[1].data);
}

/* Every 97th prefix of a valid tar.gz is refused, nothing crashes. */
static void
test_check_truncation_loop(void)
{
	struct ent ents[2] = {
		{ "t/a", 'f', NULL, 0, 0 }, { "t/b", 'f', "tail\n", 0, 0 } };
	char *path = tpath("loop.tar.gz"), *dst = tpath("loop-cut.tar.gz");
	char *dest, *cause = NULL;
	struct dist_archive_info info;
	size_t len, cut, tries = 0, refused = 0;

	ents[0].data = noise(12000, 3);
	write_archive(path, "gnutar", "gzip", ents, 2);
	len = (size_t)file_size(path);
	for (cut = 0; cut < len; cut += 97) {
		file_cut(path, dst, cut);
		tries++;
		if (archive_check(dst, &info, &cause) == -1)
			refused++;
		archive_info_free(&info);
		dest = xasprintf("%s/loopdir", tmp);
		mkdir(dest, 0700);
		archive_extract_safe(dst, dest, 1 << 20, 100, NULL, &cause);
		rm_rf(dest, NULL);
		free(dest);
	}
	ASSERT_INT_EQ(refused, tries, "every truncated prefix refused");
	TEST_OK(tries > 50 && count_dir(tmp) > 0,
	    "truncated extractions did not crash");
	free(cause);
	free((char *)ents[0].data);
	free(path);
	free(dst);
}

/* ---- archive_extract_safe ---- */

/* A fresh "base/dest" pair; base must end up holding only dest. */
static char *
fresh_dest(const char *name, char **base)
{
	char *dest;

	*base = tpath(name);
	mkdir(*base, 0700);
	dest = xasprintf("%s/dest", *base);
	mkdir(dest, 0700);
	return dest;
}

static void
test_extract_good(void)
{
	static const struct ent ents[] = {
		{ "./", 'd', NULL, 0, 0 },
		{ "./output/", 'd', NULL, 0750, 0 },
		{ "./output/result.txt", 'f', "TRUE\n", 0, 0 },
		{ "./output/sub/deep/run.sh", 'f', "#!/bin/sh\n", 04775, 0 },
		{ "./output/empty", 'f', "", 0600, 0 },
		{ "./log.txt", 'f', "started\nfinished\n", 0666, 0 },
	};
	char *path = tpath("result.tar.gz"), *base, *dest, *p, *data = NULL;
	char *cause = NULL;
	struct stat sb;
	size_t n;

	dest = fresh_dest("good", &base);
	write_archive(path, "gnutar", "gzip", ents, ARRAY_SIZE(ents));
	ASSERT_INT_EQ(archive_extract_safe(path, dest, 1 << 20, 100, NULL,
	    &cause),
	    0, "good result archive extracted");
	if (cause != NULL)
		printf("# %s\n", cause);
	p = xasprintf("%s/output/result.txt", dest);
	read_file(p, &data, &n, NULL);
	ASSERT_STR_EQ(data, "TRUE\n", "extracted file has its contents");
	free(data);
	free(p);
	p = xasprintf("%s/log.txt", dest);
	data = NULL;
	read_file(p, &data, &n, NULL);
	ASSERT_STR_EQ(data, "started\nfinished\n", "second file extracted");
	TEST_OK(stat(p, &sb) == 0 && (sb.st_mode & 07777) == 0644,
	    "group/other write bits dropped");
	free(data);
	free(p);
	p = xasprintf("%s/output/sub/deep/run.sh", dest);
	TEST_OK(stat(p, &sb) == 0 && (sb.st_mode & 07777) == 0755,
	    "setuid dropped, exec bits kept, parents created");
	free(p);
	p = xasprintf("%s/output/empty", dest);
	TEST_OK(stat(p, &sb) == 0 && sb.st_size == 0 && sb.st_mtime ==
	    1700000000, "empty file extracted with its mtime");
	free(p);
	p = xasprintf("%s/output", dest);
	TEST_OK(stat(p, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    (sb.st_mode & 0777) == 0750, "directory mode kept");
	free(p);
	ASSERT_INT_EQ(count_dir(dest), 2, "nothing else extracted");
	ASSERT_INT_EQ(count_dir(base), 1, "nothing outside destdir");
	free(cause);
	free(dest);
	free(base);
	free(path);
}

static void
extract_refuses(const char *name, const struct ent *ents, size_t n,
    const char *needle, const char *what)
{
	char *path, *base, *dest, *cause = NULL, *w;

	path = xasprintf("%s/%s.tar.gz", tmp, name);
	dest = fresh_dest(name, &base);
	write_archive(path, "gnutar", "gzip", ents, n);
	ASSERT_INT_EQ(archive_extract_safe(path, dest, 1 << 20, 100, NULL,
	    &cause),
	    -1, what);
	ASSERT_CONTAINS(cause, needle, what);
	w = xasprintf("%s: nothing written outside destdir", what);
	ASSERT_INT_EQ(count_dir(base), 1, w);
	free(w);
	free(cause);
	free(dest);
	free(base);
	free(path);
}

static void
test_extract_refuses(void)
{
	static const struct ent dotdot[] = {
		{ "./ok.txt", 'f', "ok", 0, 0 },
		{ "./../evil.txt", 'f', "evil", 0, 0 } };
	struct ent absolute[] = { { NULL, 'f', "evil", 0, 0 } };
	struct ent sym[] = {
		{ "./link", 'l', NULL, 0777, 0 },
		{ "./link/evil.txt", 'f', "evil", 0, 0 } };
	static const struct ent sym_in[] = { { "./l", 'l', "ok.txt", 0, 0 } };
	static const struct ent hard[] = {
		{ "./a", 'f', "a", 0, 0 }, { "./h", 'h', "./a", 0, 0 } };
	static const struct ent hard_up[] = { { "./h", 'h', "../x", 0, 0 } };
	static const struct ent dev[] = { { "./null", 'c', NULL, 0666, 0 } };
	static const struct ent fifo[] = { { "./fifo", 'p', NULL, 0644, 0 } };
	char *abs_name = tpath("x-abs/evil.txt"), *base;

	extract_refuses("x-dotdot", dotdot, 2,
	    "entry './../evil.txt': '..' component", "'..' entry refused");
	absolute[0].name = abs_name;
	extract_refuses("x-abs", absolute, 1, "absolute path",
	    "absolute entry refused");
	free(abs_name);
	base = tpath("x-sym");
	sym[0].data = base;
	extract_refuses("x-sym", sym, 2, "entry './link': symlink not allowed",
	    "symlink entry refused");
	free(base);
	extract_refuses("x-sym-in", sym_in, 1, "symlink not allowed",
	    "symlink even inside refused");
	extract_refuses("x-hard", hard, 2, "entry './h': hardlink not allowed",
	    "hardlink entry refused");
	extract_refuses("x-hard-up", hard_up, 1, "hardlink not allowed",
	    "hardlink outside refused");
	extract_refuses("x-dev", dev, 1, "device node not allowed",
	    "device node refused");
	extract_refuses("x-fifo", fifo, 1, "FIFO not allowed", "FIFO refused");
}

/* A symlink already in destdir is never followed. */
static void
test_extract_existing_symlink(void)
{
	static const struct ent ents[] = {
		{ "./out/evil.txt", 'f', "evil", 0, 0 } };
	static const struct ent ents2[] = {
		{ "./file", 'f', "evil", 0, 0 } };
	char *path = tpath("x-pre.tar"), *base, *dest, *lnk, *cause = NULL;

	dest = fresh_dest("x-pre", &base);
	lnk = xasprintf("%s/out", dest);
	TEST_OK(symlink(base, lnk) == 0, "symlink dest/out -> base made");
	write_archive(path, "gnutar", "none", ents, 1);
	ASSERT_INT_EQ(archive_extract_safe(path, dest, 1 << 20, 100, NULL,
	    &cause),
	    -1, "existing symlinked directory not followed");
	ASSERT_CONTAINS(cause, "'out'", "error names the component");
	ASSERT_INT_EQ(count_dir(base), 1, "nothing written through it");
	free(lnk);
	lnk = xasprintf("%s/file", dest);
	free(path);
	path = xasprintf("%s/victim", base);
	TEST_OK(symlink(path, lnk) == 0, "symlink dest/file -> victim made");
	free(path);
	path = tpath("x-pre2.tar");
	write_archive(path, "gnutar", "none", ents2, 1);
	ASSERT_INT_EQ(archive_extract_safe(path, dest, 1 << 20, 100, NULL,
	    &cause),
	    -1, "existing symlinked file not followed");
	ASSERT_INT_EQ(count_dir(base), 1, "no file created through it");
	free(lnk);
	free(cause);
	free(dest);
	free(base);
	free(path);
}

static void
test_extract_limits(void)
{
	static const struct ent bomb[] = {
		{ "./", 'd', NULL, 0, 0 },
		{ "./zeros", 'f', NULL, 0, 100000000 } };
	struct ent many[20];
	char *path = tpath("bomb.tar.gz"), *base, *dest, *p, *cause = NULL;
	char names[20][16];
	double t;
	size_t i;

	write_archive(path, "gnutar", "program:gzip -1", bomb, 2);
	printf("# bomb: %lld bytes\n", (long long)file_size(path));
	TEST_OK(file_size(path) > 0 && file_size(path) < 1000000,
	    "bomb is small");
	dest = fresh_dest("x-bomb", &base);
	t = now_mono();
	ASSERT_INT_EQ(archive_extract_safe(path, dest, 10000000, 100, NULL,
	    &cause),
	    -1, "bomb stopped");
	t = now_mono() - t;
	ASSERT_CONTAINS(cause, "more than 10000000 bytes of unpacked data",
	    "bomb error names the limit");
	p = xasprintf("%s/zeros", dest);
	TEST_OK(file_size(p) <= 10000000, "bomb wrote at most the limit");
	printf("# bomb stopped after %.2fs, %lld bytes written\n", t,
	    (long long)file_size(p));
	TEST_OK(t < 20, "bomb stopped quickly");
	free(p);
	free(dest);
	free(base);
	free(path);

	for (i = 0; i < ARRAY_SIZE(many); i++) {
		snprintf(names[i], sizeof names[i], "./f%02zu", i);
		many[i] = (struct ent){ names[i], 'f', "x", 0, 0 };
	}
	path = tpath("many.tar");
	write_archive(path, "gnutar", "none", many, ARRAY_SIZE(many));
	dest = fresh_dest("x-many", &base);
	ASSERT_INT_EQ(archive_extract_safe(path, dest, 1 << 20, 10, NULL,
	    &cause),
	    -1, "more than max_entries refused");
	ASSERT_CONTAINS(cause, "more than 10 entries", "entries error");
	free(dest);
	free(base);
	dest = fresh_dest("x-many-ok", &base);
	ASSERT_INT_EQ(archive_extract_safe(path, dest, 1 << 20, 20, NULL,
	    &cause),
	    0, "exactly max_entries accepted");
	ASSERT_INT_EQ(count_dir(dest), 20, "all 20 files extracted");
	free(dest);
	free(base);
	dest = fresh_dest("x-many-bytes", &base);
	ASSERT_INT_EQ(archive_extract_safe(path, dest, 19, 20, NULL,
	    &cause), -1,
	    "byte limit counts across files");
	free(dest);
	free(base);
	free(path);
	free(cause);
}

static void
test_extract_other(void)
{
	static const struct ent one[] = { { "./a", 'f', "a", 0, 0 } };
	char *path = tpath("x-zip.zip"), *base, *dest, *cause = NULL;

	write_archive(path, "zip", "none", one, 1);
	dest = fresh_dest("x-zip", &base);
	ASSERT_INT_EQ(archive_extract_safe(path, dest, 1 << 20, 10, NULL,
	    &cause),
	    -1, "zip result refused");
	ASSERT_CONTAINS(cause, "x-zip.zip: not a readable tar archive",
	    "zip error");
	free(path);
	path = tpath("no-such.tar");
	ASSERT_INT_EQ(archive_extract_safe(path, dest, 1 << 20, 10, NULL,
	    &cause),
	    -1, "missing archive fails");
	ASSERT_CONTAINS(cause, "no-such.tar", "missing archive named");
	free(path);
	path = tpath("no-such-dir");
	free(base);
	base = tpath("x-zip.zip");
	ASSERT_INT_EQ(archive_extract_safe(base, path, 1 << 20, 10, NULL,
	    &cause),
	    -1, "missing destdir fails");
	ASSERT_CONTAINS(cause, "no-such-dir: No such file",
	    "missing destdir named");
	free(path);
	free(cause);
	free(dest);
	free(base);
}

/* With a list, entries that cannot be kept are skipped and listed, the
 * rest is kept (libarchive-made archive, every odd kind). */
static void
test_extract_skips(void)
{
	static const struct ent ents[] = {
		{ "./", 'd', NULL, 0, 0 },
		{ "./stdout", 'f', "output\n", 0, 0 },
		{ "./link", 'l', "/etc/passwd", 0777, 0 },
		{ "./fifo", 'p', NULL, 0644, 0 },
		{ "./null", 'c', NULL, 0666, 0 },
		{ "./sub/h", 'h', "./stdout", 0, 0 },
		{ "./h2", 'h', "./missing", 0, 0 },
		{ "./h3", 'h', "../x", 0, 0 },
		{ "./../evil.txt", 'f', "evil", 0, 0 },
		{ "./link/x", 'f', "through the link?", 0, 0 },
		{ "./sub/kept.txt", 'f', "kept", 0, 0 },
	};
	struct strvec skipped = STRVEC_INIT;
	char *path = tpath("skips.tar"), *base, *dest, *p, *q, *cause = NULL;
	char *data = NULL;
	struct stat a, b;
	size_t n;

	dest = fresh_dest("skips", &base);
	write_archive(path, "pax", "none", ents, ARRAY_SIZE(ents));
	ASSERT_INT_EQ(archive_extract_safe(path, dest, 1 << 20, 100, &skipped,
	    &cause), 0, "archive with odd entries kept");
	if (cause != NULL)
		printf("# %s\n", cause);
	for (n = 0; n < skipped.n; n++)
		printf("# skipped: %s\n", skipped.v[n]);
	ASSERT_INT_EQ(skipped.n, 6, "six entries skipped");
	if (skipped.n == 6) {
		ASSERT_STR_EQ(skipped.v[0], "./link: symlink -> /etc/passwd",
		    "symlink listed with its target, as text");
		ASSERT_STR_EQ(skipped.v[1], "./fifo: FIFO", "FIFO listed");
		ASSERT_STR_EQ(skipped.v[2], "./null: device node",
		    "device listed");
		ASSERT_CONTAINS(skipped.v[3], "./h2: hardlink (not to a file",
		    "hardlink to nothing listed");
		ASSERT_CONTAINS(skipped.v[4], "./h3: hardlink (unsafe target) "
		    "-> ../x", "hardlink outside listed");
		ASSERT_CONTAINS(skipped.v[5], "./../evil.txt: unsafe name",
		    "'..' entry listed");
	}
	p = xasprintf("%s/stdout", dest);
	read_file(p, &data, &n, NULL);
	ASSERT_STR_EQ(data, "output\n", "stdout kept");
	q = xasprintf("%s/sub/h", dest);
	TEST_OK(stat(p, &a) == 0 && stat(q, &b) == 0 && a.st_ino == b.st_ino,
	    "in-job hardlink made again inside");
	free(p);
	free(q);
	p = xasprintf("%s/link", dest);
	TEST_OK(lstat(p, &a) == 0 && S_ISDIR(a.st_mode),
	    "no symlink made (link/x made a plain directory)");
	free(p);
	p = xasprintf("%s/sub/kept.txt", dest);
	TEST_OK(access(p, F_OK) == 0, "entries after the odd ones kept");
	free(p);
	p = xasprintf("%s/fifo", dest);
	TEST_OK(access(p, F_OK) != 0, "no FIFO made");
	free(p);
	ASSERT_INT_EQ(count_dir(base), 1, "nothing outside destdir");
	sv_clear(&skipped);
	free(data);
	free(cause);
	free(dest);
	free(base);
	free(path);
}

/* The same with an archive made by tar(1) from a real directory, as the
 * agent packs a job's directory. */
static void
test_extract_skips_tar(void)
{
	struct strvec skipped = STRVEC_INIT;
	char *src = tpath("tar-src"), *path = tpath("tar-src.tar");
	char *base, *dest, *cmd, *p, *cause = NULL;
	struct stat a;
	int rc;

	cmd = xasprintf("mkdir -p '%s/out' && cd '%s' && echo hi >stdout && "
	    "ln -s /etc/passwd passwd-link && ln -s stdout out/rel-link && "
	    "mkfifo pipe && ln stdout out/hard && "
	    "tar -cf '%s' . 2>/dev/null", src, src, path);
	rc = system(cmd);
	free(cmd);
	TEST_OK(rc == 0, "tar made an archive with a symlink, FIFO, hardlink");
	dest = fresh_dest("skips-tar", &base);
	ASSERT_INT_EQ(archive_extract_safe(path, dest, 1 << 20, 100, &skipped,
	    &cause), 0, "tar(1) archive with odd entries kept");
	ASSERT_INT_EQ(skipped.n, 3, "two symlinks and a FIFO skipped");
	for (size_t i = 0; i < skipped.n; i++)
		printf("# skipped: %s\n", skipped.v[i]);
	p = xasprintf("%s/out/hard", dest);
	TEST_OK(lstat(p, &a) == 0 && S_ISREG(a.st_mode) && a.st_nlink == 2,
	    "tar's hardlink kept as a hardlink");
	free(p);
	p = xasprintf("%s/stdout", dest);
	TEST_OK(lstat(p, &a) == 0 && a.st_size == 3, "stdout kept");
	free(p);
	ASSERT_INT_EQ(archive_extract_safe(path, dest, 1 << 20, 100, NULL,
	    &cause), -1, "without a list the same archive is refused");
	sv_clear(&skipped);
	free(cause);
	free(dest);
	free(base);
	free(path);
	free(src);
}

int
main(void)
{
	const char *t = getenv("TMPDIR");
	char *cause = NULL;

	tmp = xasprintf("%s/test-archive.XXXXXX", t != NULL && *t != '\0' ?
	    t : "/tmp");
	if (mkdtemp(tmp) == NULL) {
		printf("not ok - mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_sha256_vectors();
	test_sha256_chunks();
	test_check_accepts();
	test_check_refuses_names();
	test_check_refuses_types();
	test_check_refuses_links();
	test_check_refuses_formats();
	test_check_corrupt();
	test_check_truncation_loop();
	test_extract_good();
	test_extract_refuses();
	test_extract_existing_symlink();
	test_extract_limits();
	test_extract_other();
	test_extract_skips();
	test_extract_skips_tar();
	if (rm_rf(tmp, &cause) != 0)
		printf("# %s\n", cause);
	free(cause);
	free(tmp);
	return test_done();
}
