/*
 * date.c - "YYYY-MM-DD[THH:MM[:SS]][Z]" to UTC nanoseconds (date.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/date.h"
#include "lib/util.h"

#define DATE_SYNTAX "YYYY-MM-DD[THH:MM[:SS]], local time unless it ends in Z"

/* n digits at *p into *out; 0, or -1. */
static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (; n > 0; n--, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return 0;
}

/* The fields of s into tm; *utc set when it ends in Z. */
static int
date_fields(const char *s, struct tm *tm, int *utc)
{
	const char *p = s;

	memset(tm, 0, sizeof *tm);
	if (digits(&p, 4, &tm->tm_year) == -1 || *p++ != '-' ||
	    digits(&p, 2, &tm->tm_mon) == -1 || *p++ != '-' ||
	    digits(&p, 2, &tm->tm_mday) == -1)
		return -1;
	if (*p == 'T') {
		p++;
		if (digits(&p, 2, &tm->tm_hour) == -1 || *p++ != ':' ||
		    digits(&p, 2, &tm->tm_min) == -1)
			return -1;
		if (*p == ':' && (p++, digits(&p, 2, &tm->tm_sec) == -1))
			return -1;
	}
	*utc = *p == 'Z';
	if (*utc)
		p++;
	if (*p != '\0' || tm->tm_year < 1970 || tm->tm_mon < 1 ||
	    tm->tm_mon > 12 || tm->tm_mday < 1 || tm->tm_hour > 23 ||
	    tm->tm_min > 59 || tm->tm_sec > 59)
		return -1;
	tm->tm_year -= 1900;
	tm->tm_mon -= 1;
	tm->tm_isdst = -1;
	return 0;
}

int
parse_date_ns(const char *s, int64_t *ns, char **cause)
{
	struct tm tm, want;
	time_t t;
	int utc;

	if (date_fields(s, &tm, &utc) == -1)
		return set_cause(cause, "'%s' is not a date (%s)", s,
		    DATE_SYNTAX);
	want = tm;
	t = utc ? timegm(&tm) : mktime(&tm);
	/* 31 April or 30 February come back as another day: refused (a
	 * local time skipped by a DST change moves its hour and is kept) */
	if (t == (time_t)-1 || t < 0 || tm.tm_mday != want.tm_mday ||
	    tm.tm_mon != want.tm_mon)
		return set_cause(cause, "'%s' is not a date (%s)", s,
		    DATE_SYNTAX);
	*ns = (int64_t)t * NS_PER_SEC;
	return 0;
}
