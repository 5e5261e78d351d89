/*
 * revision.h - what labels a run for the results store: a revision
 * (--revision, <job revision="...">), a project, and the store's URL
 * (--db), checked before anything is sent.
 */
#ifndef DIST_INPUT_REVISION_H
#define DIST_INPUT_REVISION_H

#include <stdint.h>

#define REVISION_MAX	200	/* bytes of a revision or project name */

/* A revision (commit id, tag, "v3.12") or a project name: printable
 * ASCII, no leading or trailing blank, 1 to REVISION_MAX bytes.  what
 * names it in the cause ("--revision", "revision="). */
int	revision_check(const char *what, const char *s, char **cause);

/* A store URL: "sqlite:PATH" or "postgresql://..." (or "postgres://")
 * without a password in it (the password comes from ~/.pgpass or
 * $PGPASSFILE).  The cause never quotes the URL: it may be a secret. */
int	db_url_check(const char *url, char **cause);

#endif
