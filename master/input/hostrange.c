/*
 * hostrange.c - expand ClusterShell-style host ranges: lab[01-03,07] gives
 * lab01 lab02 lab03 lab07, node[1-2]-pc[1-2] the product of its groups.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "input/machines.h"
#include "lib/lib.h"

#define HOSTRANGE_MAX		100000
#define HOSTRANGE_DIGITS	9	/* any value fits an unsigned long */

/*
 * A pattern is a list of pieces, each a list of alternatives: literal text
 * is a piece with one alternative, a bracket group one per number.
 */
struct hr {
	const char	*pattern;
	struct strvec	*pieces;
	size_t		 npieces;
	char		**cause;
};

static int hr_error(struct hr *, const char *, ...) PRINTFLIKE(2, 3);

static int
hr_error(struct hr *hr, const char *fmt, ...)
{
	va_list ap;
	char *detail;

	va_start(ap, fmt);
	detail = xvasprintf(fmt, ap);
	va_end(ap);
	set_cause(hr->cause, "bad host range '%s': %s", hr->pattern, detail);
	free(detail);
	return -1;
}

static struct strvec *
hr_new_piece(struct hr *hr)
{
	struct strvec *sv;

	hr->pieces = xreallocarray(hr->pieces, hr->npieces + 1,
	    sizeof *hr->pieces);
	sv = &hr->pieces[hr->npieces++];
	memset(sv, 0, sizeof *sv);
	return sv;
}

/* A bound: 1 to HOSTRANGE_DIGITS decimal digits, nothing else. */
static int
hr_number(const char *s, size_t len, unsigned long *val)
{
	size_t i;

	if (len == 0 || len > HOSTRANGE_DIGITS)
		return -1;
	*val = 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*val = *val * 10 + (unsigned long)(s[i] - '0');
	}
	return 0;
}

/* One item of a group, "7" or "01-03", appended to alts. */
static int
hr_item(struct hr *hr, const char *s, size_t len, struct strvec *alts)
{
	const char *dash = memchr(s, '-', len), *slash = memchr(s, '/', len);
	unsigned long lo, hi, v;
	size_t lolen = dash != NULL ? (size_t)(dash - s) : len;
	int width = (int)lolen;

	if (len == 0)
		return hr_error(hr, "empty item in brackets");
	if (slash != NULL)
		return hr_error(hr, "steps like '%.*s' are not supported",
		    (int)(len - (size_t)(slash - s)), slash);
	if (hr_number(s, lolen, &lo) == -1 || (dash != NULL &&
	    hr_number(dash + 1, len - lolen - 1, &hi) == -1))
		return hr_error(hr, "'%.*s' is not a number or a range like "
		    "1-5 (at most %d digits)", (int)len, s, HOSTRANGE_DIGITS);
	if (dash == NULL)
		hi = lo;
	if (lo > hi)
		return hr_error(hr, "range %lu-%lu runs backwards", lo, hi);
	if (hi - lo >= HOSTRANGE_MAX - alts->n)
		return hr_error(hr, "expands to more than %d names",
		    HOSTRANGE_MAX);
	for (v = lo; v <= hi; v++)
		sv_pushf(alts, "%0*lu", width, v);
	return 0;
}

/* The text between '[' and ']': items separated by commas. */
static int
hr_group(struct hr *hr, const char *s, size_t len)
{
	struct strvec *alts = hr_new_piece(hr);
	const char *end = s + len, *comma;

	if (len == 0)
		return hr_error(hr, "empty brackets");
	for (;;) {
		comma = memchr(s, ',', (size_t)(end - s));
		if (comma == NULL)
			return hr_item(hr, s, (size_t)(end - s), alts);
		if (hr_item(hr, s, (size_t)(comma - s), alts) == -1)
			return -1;
		s = comma + 1;
	}
}

static int
hr_parse(struct hr *hr)
{
	const char *p = hr->pattern, *close, *open;
	char *lit;
	size_t n;

	if (*p == '\0')
		return hr_error(hr, "empty host name");
	while (*p != '\0') {
		if (*p == ']')
			return hr_error(hr, "unmatched ']'");
		if (*p != '[') {
			n = strcspn(p, "[]");
			lit = xstrndup(p, n);
			sv_push(hr_new_piece(hr), lit);
			free(lit);
			p += n;
			continue;
		}
		close = strchr(p + 1, ']');
		open = strchr(p + 1, '[');
		if (close == NULL)
			return hr_error(hr, "unclosed '['");
		if (open != NULL && open < close)
			return hr_error(hr, "nested '['");
		if (hr_group(hr, p + 1, (size_t)(close - p - 1)) == -1)
			return -1;
		p = close + 1;
	}
	return 0;
}

/* Every combination, the first piece varying slowest. */
static int
hr_product(struct hr *hr, struct strvec *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t *idx, i, total = 1;

	for (i = 0; i < hr->npieces; i++) {
		if (hr->pieces[i].n > HOSTRANGE_MAX / total)
			return hr_error(hr, "expands to more than %d names",
			    HOSTRANGE_MAX);
		total *= hr->pieces[i].n;
	}
	idx = xcalloc(hr->npieces, sizeof *idx);
	for (;;) {
		sb_reset(&sb);
		for (i = 0; i < hr->npieces; i++)
			sb_adds(&sb, hr->pieces[i].v[idx[i]]);
		sv_push(out, sb_str(&sb));
		for (i = hr->npieces; i > 0; i--) {
			if (++idx[i - 1] < hr->pieces[i - 1].n)
				break;
			idx[i - 1] = 0;
		}
		if (i == 0)
			break;
	}
	free(idx);
	sb_release(&sb);
	return 0;
}

int
hostrange_expand(const char *pattern, char ***names, size_t *n, char **cause)
{
	struct hr hr = { pattern, NULL, 0, cause };
	struct strvec out = STRVEC_INIT;
	size_t i;
	int rc = -1;

	*names = NULL;
	*n = 0;
	if (hr_parse(&hr) == -1 || hr_product(&hr, &out) == -1)
		goto out;
	*names = out.v;
	*n = out.n;
	rc = 0;
out:
	for (i = 0; i < hr.npieces; i++)
		sv_clear(&hr.pieces[i]);
	free(hr.pieces);
	return rc;
}

void
hostrange_free(char **names, size_t n)
{
	size_t i;

	if (names == NULL)
		return;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
