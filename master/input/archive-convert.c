/*
 * archive-convert.c - rewrite a (checked) zip tool archive as a tar.gz,
 * so that workers need only tar to unpack it.
 */
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "input/archive.h"
#include "lib/lib.h"

static int
copy_data(struct archive *in, struct archive *out, char **cause)
{
	char buf[65536];
	la_ssize_t n;

	while ((n = archive_read_data(in, buf, sizeof buf)) > 0) {
		if (archive_write_data(out, buf, (size_t)n) != n)
			return set_cause(cause, "%s", archive_error_string(out));
	}
	if (n < 0)
		return set_cause(cause, "%s", archive_error_string(in));
	return 0;
}

static int
copy_entries(struct archive *in, struct archive *out, char **cause)
{
	struct archive_entry *e;
	int r;

	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		if (archive_write_header(out, e) != ARCHIVE_OK)
			return set_cause(cause, "%s", archive_error_string(out));
		if (archive_entry_size(e) > 0 && copy_data(in, out, cause) == -1)
			return -1;
	}
	if (r != ARCHIVE_EOF)
		return set_cause(cause, "%s", archive_error_string(in));
	return 0;
}

int
archive_zip_to_tar(const char *zip_path, const char *tar_path, char **cause)
{
	struct archive *in = archive_read_new(), *out = archive_write_new();
	void *loc = archive_utf8_enter();
	int rc = -1;

	archive_read_support_format_zip(in);
	archive_write_set_format_pax_restricted(out);
	archive_write_add_filter_gzip(out);
	if (archive_read_open_filename(in, zip_path, 65536) != ARCHIVE_OK) {
		set_cause(cause, "%s: %s", zip_path, archive_error_string(in));
		goto out;
	}
	if (archive_write_open_filename(out, tar_path) != ARCHIVE_OK) {
		set_cause(cause, "%s: %s", tar_path, archive_error_string(out));
		goto out;
	}
	if (copy_entries(in, out, cause) == -1) {
		prefix_cause(cause, "%s", zip_path);
		goto out;
	}
	if (archive_write_close(out) != ARCHIVE_OK) {
		set_cause(cause, "%s: %s", tar_path, archive_error_string(out));
		goto out;
	}
	rc = 0;
out:
	archive_read_free(in);
	archive_write_free(out);
	archive_utf8_leave(loc);
	return rc;
}
