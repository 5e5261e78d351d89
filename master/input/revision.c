/*
 * revision.c - checks of the labels a run carries into the results store
 * (revision, project) and of the store's URL (revision.h).
 */
#include <string.h>

#include "input/revision.h"
#include "lib/lib.h"

int
revision_check(const char *what, const char *s, char **cause)
{
	size_t i, len = strlen(s);

	if (len == 0)
		return set_cause(cause, "%s: empty", what);
	if (len > REVISION_MAX)
		return set_cause(cause, "%s: longer than %d bytes", what,
		    REVISION_MAX);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return set_cause(cause, "%s: byte %zu is not printable "
			    "ASCII", what, i + 1);
	if (s[0] == ' ' || s[len - 1] == ' ')
		return set_cause(cause, "%s: '%s' begins or ends with a "
		    "space", what, s);
	return 0;
}

/* A password in a libpq URI: "user:PASSWORD@" before the host, or a
 * "password=" parameter after the '?'. */
static int
pg_has_password(const char *url)
{
	const char *auth = strstr(url, "://") + 3;
	size_t alen = strcspn(auth, "/?#");
	const char *at = NULL, *p, *q;

	for (p = auth; p < auth + alen; p++)
		if (*p == '@')
			at = p;
	if (at != NULL && memchr(auth, ':', (size_t)(at - auth)) != NULL)
		return 1;
	if ((q = strchr(url, '?')) == NULL)
		return 0;
	for (p = q; p != NULL; p = strchr(p + 1, '&'))
		if (strncmp(p + 1, "password=", 9) == 0)
			return 1;
	return 0;
}

int
db_url_check(const char *url, char **cause)
{
	if (strncmp(url, "sqlite:", 7) == 0) {
		if (url[7] == '\0')
			return set_cause(cause, "sqlite: needs a path "
			    "(sqlite:PATH)");
		return 0;
	}
	if (strncmp(url, "postgresql://", 13) != 0 &&
	    strncmp(url, "postgres://", 11) != 0)
		return set_cause(cause, "expected sqlite:PATH or "
		    "postgresql://USER@HOST/DB");
	if (pg_has_password(url))
		return set_cause(cause, "a password in the URL is refused: "
		    "put the password in ~/.pgpass (or $PGPASSFILE)");
	return 0;
}
