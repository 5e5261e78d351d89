/*
 * write-bz2.c - a file written bzip2-compressed (libarchive's raw format
 * with its bzip2 filter), as BenchExec compresses its result files.
 */
#include <stdlib.h>

#include <archive.h>
#include <archive_entry.h>

#include "lib/lib.h"
#include "results/benchexec.h"

static la_ssize_t
bz2_out(struct archive *a, void *data, const void *buf, size_t len)
{
	(void)a;
	sb_add(data, buf, len);
	return (la_ssize_t)len;
}

static int
bz2_compress(struct archive *a, struct strbuf *sb, const char *data,
    size_t len)
{
	struct archive_entry *e = archive_entry_new();
	la_ssize_t n;
	int rc = -1;

	if (archive_write_add_filter_bzip2(a) != ARCHIVE_OK ||
	    archive_write_set_format_raw(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(a, 0) != ARCHIVE_OK ||
	    archive_write_open(a, sb, NULL, bz2_out, NULL) != ARCHIVE_OK)
		goto out;
	archive_entry_set_pathname(e, "data");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)len);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		goto out;
	while (len > 0) {
		if ((n = archive_write_data(a, data, len)) <= 0)
			goto out;
		data += n;
		len -= (size_t)n;
	}
	rc = archive_write_close(a) == ARCHIVE_OK ? 0 : -1;
out:
	archive_entry_free(e);
	return rc;
}

int
write_bz2_file(const char *path, const void *data, size_t len, char **cause)
{
	struct archive *a = archive_write_new();
	struct strbuf sb = STRBUF_INIT;
	int rc;

	if (a == NULL)
		return set_cause(cause, "%s: cannot compress", path);
	if (bz2_compress(a, &sb, data, len) == -1) {
		set_cause(cause, "%s: cannot compress: %s", path,
		    archive_error_string(a) != NULL ? archive_error_string(a) :
		    "bzip2 failed");
		rc = -1;
	} else
		rc = write_file_atomic(path, sb.buf, sb.len, cause);
	archive_write_free(a);
	sb_release(&sb);
	return rc;
}
