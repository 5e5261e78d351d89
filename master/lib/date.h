/*
 * date.h - dates a user types: "YYYY-MM-DD[THH:MM[:SS]]", local time
 * unless it ends in "Z" (UTC), read as UTC nanoseconds since the epoch.
 */
#ifndef DIST_LIB_DATE_H
#define DIST_LIB_DATE_H

#include <stdint.h>

/* 0, or -1 with a cause that quotes s and shows the syntax.  A date
 * without a time is its midnight; years 1970 to 9999. */
int	parse_date_ns(const char *s, int64_t *ns, char **cause);

#endif
