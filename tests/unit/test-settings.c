/*
 * test-settings.c - the pure parts of issue 16's command line: the
 * settings file reader (keys, comments, FILE:LINE errors), yes/no values,
 * the dates a user types (local time unless Z), revision labels and the
 * store URL (a password in it refused, never quoted back).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "input/revision.h"
#include "input/settings.h"
#include "lib/lib.h"
#include "test.h"

struct seen {
	struct strvec	pairs;	/* "key=value" in order */
};

static int
collect(void *arg, const char *key, const char *value, char **cause)
{
	struct seen *s = arg;

	if (strcmp(key, "refuse") == 0)
		return set_cause(cause, "refuse: not wanted");
	sv_pushf(&s->pairs, "%s=%s", key, value);
	return 0;
}

static char *
write_tmp(const char *text)
{
	char *path = xstrdup("/tmp/test-settings.XXXXXX");
	int fd = mkstemp(path);

	if (fd == -1 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	return path;
}

static void
test_load(void)
{
	struct seen s = { STRVEC_INIT };
	char *cause = NULL, *path, *want;

	path = write_tmp("# comment\n\n  json = yes  \nmin-change=5\n"
	    "db = sqlite:/x#y\n\tmail-to = a@b , c@d\r\n");
	ASSERT_INT_EQ(settings_load(path, collect, &s, &cause), 0,
	    "a file of keys, comments and blank lines loads");
	ASSERT_INT_EQ(s.pairs.n, 4, "four keys");
	if (s.pairs.n == 4) {
		ASSERT_STR_EQ(s.pairs.v[0], "json=yes", "blanks around trimmed");
		ASSERT_STR_EQ(s.pairs.v[1], "min-change=5", "no blanks needed");
		ASSERT_STR_EQ(s.pairs.v[2], "db=sqlite:/x#y",
		    "a # inside a value is kept");
		ASSERT_STR_EQ(s.pairs.v[3], "mail-to=a@b , c@d",
		    "CR and tabs trimmed");
	}
	unlink(path);
	free(path);
	sv_clear(&s.pairs);

	path = write_tmp("json = yes\n\nrefuse = 1\n");
	ASSERT_INT_EQ(settings_load(path, collect, &s, &cause), -1,
	    "a key the callback refuses stops the load");
	want = xasprintf("%s:3: refuse: not wanted", path);
	ASSERT_STR_EQ(cause, want, "its error names FILE:LINE");
	free(want);
	free(cause);
	cause = NULL;
	unlink(path);
	free(path);
	sv_clear(&s.pairs);

	path = write_tmp("no equals sign\n");
	ASSERT_INT_EQ(settings_load(path, collect, &s, &cause), -1,
	    "a line without '=' is an error");
	ASSERT_CONTAINS(cause, ":1: expected 'key = value'", "said with its line");
	free(cause);
	cause = NULL;
	unlink(path);
	free(path);

	path = write_tmp("Bad Key = 1\n");
	ASSERT_INT_EQ(settings_load(path, collect, &s, &cause), -1,
	    "an invalid key is an error");
	free(cause);
	cause = NULL;
	unlink(path);
	free(path);

	path = write_tmp("json =\n");
	ASSERT_INT_EQ(settings_load(path, collect, &s, &cause), -1,
	    "an empty value is an error");
	ASSERT_CONTAINS(cause, ":1: json: empty value", "naming the key");
	free(cause);
	cause = NULL;
	unlink(path);
	free(path);

	ASSERT_INT_EQ(settings_load_optional("/nonexistent/settings", collect,
	    &s, &cause), 0, "a missing default file is no error");
	ASSERT_INT_EQ(settings_load("/nonexistent/settings", collect, &s,
	    &cause), -1, "a missing --settings file is one");
	free(cause);
	sv_clear(&s.pairs);
}

static void
test_bool(void)
{
	static const char *const yes[] = { "yes", "true", "1" };
	static const char *const no[] = { "no", "false", "0" };
	char *cause = NULL;
	size_t i;
	int v;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		v = -1;
		TEST_OK(settings_bool(yes[i], &v, &cause) == 0 && v == 1, yes[i]);
		v = -1;
		TEST_OK(settings_bool(no[i], &v, &cause) == 0 && v == 0, no[i]);
	}
	ASSERT_INT_EQ(settings_bool("maybe", &v, &cause), -1, "maybe: refused");
	ASSERT_CONTAINS(cause, "'maybe' is not yes, no", "and said");
	free(cause);
	cause = NULL;
	ASSERT_INT_EQ(settings_bool("Yes ", &v, &cause), -1,
	    "case and blanks matter (the reader trims)");
	free(cause);
}

static void
test_dates(void)
{
	static const char *const bad[] = { "2026-13-01", "2026-02-30",
	    "2026-1-01", "26-01-01", "2026-01-01T25:00", "2026-01-01T10",
	    "2026-01-01 10:00", "2026-01-01T10:00:60", "1969-12-31",
	    "2026-01-01Zx", "", "yesterday", "2026-04-31" };
	char *cause = NULL;
	int64_t ns = 0;
	size_t i;

	ASSERT_INT_EQ(parse_date_ns("2026-11-23Z", &ns, &cause), 0, "a UTC day");
	ASSERT_INT_EQ(ns, INT64_C(1795392000) * NS_PER_SEC, "its midnight");
	ASSERT_INT_EQ(parse_date_ns("2026-11-23T09:05:13Z", &ns, &cause), 0,
	    "a UTC time with seconds");
	ASSERT_INT_EQ(ns, INT64_C(1795424713) * NS_PER_SEC, "to the second");
	ASSERT_INT_EQ(parse_date_ns("2026-11-23T09:05Z", &ns, &cause), 0,
	    "a UTC time without seconds");
	ASSERT_INT_EQ(ns, INT64_C(1795424700) * NS_PER_SEC, "to the minute");
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);	/* no tzdata needed */
	tzset();
	ASSERT_INT_EQ(parse_date_ns("2026-11-23T10:05", &ns, &cause), 0,
	    "a local time");
	ASSERT_INT_EQ(ns, INT64_C(1795424700) * NS_PER_SEC,
	    "Paris 10:05 in November is 09:05 UTC");
	ASSERT_INT_EQ(parse_date_ns("2026-07-01T10:00", &ns, &cause), 0,
	    "a summer time");
	ASSERT_INT_EQ(ns, INT64_C(1782892800) * NS_PER_SEC,
	    "Paris 10:00 in July is 08:00 UTC");
	setenv("TZ", "UTC", 1);
	tzset();
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		char what[64];

		snprintf(what, sizeof what, "'%s' refused", bad[i]);
		ns = 7;
		TEST_OK(parse_date_ns(bad[i], &ns, &cause) == -1 && ns == 7,
		    what);
		TEST_OK(cause != NULL && strstr(cause, "YYYY-MM-DD") != NULL,
		    "the cause shows the syntax");
		free(cause);
		cause = NULL;
	}
}

static void
test_revision(void)
{
	char *cause = NULL, *longest = xcalloc(REVISION_MAX + 2, 1);

	ASSERT_INT_EQ(revision_check("r", "8f3a1c2d9e4b", &cause), 0, "a commit");
	ASSERT_INT_EQ(revision_check("r", "v3.12 rc1", &cause), 0,
	    "a label with a space inside");
	memset(longest, 'a', REVISION_MAX);
	ASSERT_INT_EQ(revision_check("r", longest, &cause), 0,
	    "REVISION_MAX bytes");
	longest[REVISION_MAX] = 'a';
	ASSERT_INT_EQ(revision_check("r", longest, &cause), -1, "one more: no");
	free(cause);
	cause = NULL;
	free(longest);
	ASSERT_INT_EQ(revision_check("r", "", &cause), -1, "empty");
	free(cause);
	cause = NULL;
	ASSERT_INT_EQ(revision_check("revision=", "a\nb", &cause), -1,
	    "a newline");
	ASSERT_CONTAINS(cause, "revision=: byte 2 is not printable",
	    "said with the byte");
	free(cause);
	cause = NULL;
	ASSERT_INT_EQ(revision_check("r", "caf\xc3\xa9", &cause), -1,
	    "non-ASCII");
	free(cause);
	cause = NULL;
	ASSERT_INT_EQ(revision_check("r", " v1", &cause), -1, "a leading space");
	free(cause);
}

static void
test_db_url(void)
{
	static const char *const good[] = { "sqlite:results/distribute.db",
	    "sqlite:/abs/x.db", "postgresql://me@db.example.org/bench",
	    "postgresql://me@db:5433/bench?sslmode=require",
	    "postgres://db/bench", "postgresql:///bench?host=/run/pg" };
	static const char *const secret[] = {
	    "postgresql://me:s3cr3t@db/bench", "postgres://me:s3cr3t@db",
	    "postgresql://db/bench?sslmode=require&password=s3cr3t",
	    "postgresql://db/bench?password=s3cr3t" };
	char *cause = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++)
		TEST_OK(db_url_check(good[i], &cause) == 0, good[i]);
	for (i = 0; i < ARRAY_SIZE(secret); i++) {
		TEST_OK(db_url_check(secret[i], &cause) == -1,
		    "a password in the URL is refused");
		TEST_OK(cause != NULL && strstr(cause, "~/.pgpass") != NULL &&
		    strstr(cause, "s3cr3t") == NULL,
		    "pointing to ~/.pgpass, without the password");
		free(cause);
		cause = NULL;
	}
	ASSERT_INT_EQ(db_url_check("mysql://me:s3cr3t@db/x", &cause), -1,
	    "another scheme is refused");
	TEST_OK(cause != NULL && strstr(cause, "s3cr3t") == NULL,
	    "without quoting the URL");
	free(cause);
	cause = NULL;
	ASSERT_INT_EQ(db_url_check("sqlite:", &cause), -1, "sqlite: needs a path");
	free(cause);
}

int
main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_load();
	test_bool();
	test_dates();
	test_revision();
	test_db_url();
	return test_done();
}
