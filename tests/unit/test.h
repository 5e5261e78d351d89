/*
 * test.h - tiny TAP-style assertions for the C unit tests.
 *
 * Each check prints "ok - what" or "not ok - what (file:line: detail)";
 * tests/run.sh counts them.  main() ends with "return test_done();".
 */
#ifndef DIST_TEST_H
#define DIST_TEST_H

#include <stdio.h>
#include <string.h>

static int test_failed_count;

#define TEST_OK(cond, what) test_report(!!(cond), what, __FILE__, __LINE__, #cond)

#define ASSERT_INT_EQ(a, b, what) do { \
	long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) { \
		char _d[128]; \
		snprintf(_d, sizeof _d, "%s = %lld, expected %lld", #a, _a, _b); \
		test_report(0, what, __FILE__, __LINE__, _d); \
	} else \
		test_report(1, what, __FILE__, __LINE__, NULL); \
} while (0)

#define ASSERT_STR_EQ(a, b, what) do { \
	const char *_a = (a), *_b = (b); \
	int _ok = (_a == NULL && _b == NULL) || \
	    (_a != NULL && _b != NULL && strcmp(_a, _b) == 0); \
	if (!_ok) { \
		fprintf(stdout, "#   got:      %s\n#   expected: %s\n", \
		    _a ? _a : "(null)", _b ? _b : "(null)"); \
	} \
	test_report(_ok, what, __FILE__, __LINE__, #a); \
} while (0)

/* cause must contain needle */
#define ASSERT_CONTAINS(hay, needle, what) do { \
	const char *_h = (hay), *_n = (needle); \
	int _ok = _h != NULL && strstr(_h, _n) != NULL; \
	if (!_ok) \
		fprintf(stdout, "#   got:      %s\n#   wanted:   ...%s...\n", \
		    _h ? _h : "(null)", _n); \
	test_report(_ok, what, __FILE__, __LINE__, #hay); \
} while (0)

static inline void
test_report(int ok, const char *what, const char *file, int line,
    const char *detail)
{
	if (ok)
		printf("ok - %s\n", what);
	else {
		printf("not ok - %s (%s:%d: %s)\n", what, file, line,
		    detail != NULL ? detail : "");
		test_failed_count++;
	}
	fflush(stdout);
}

static inline int
test_done(void)
{
	return test_failed_count == 0 ? 0 : 1;
}

#endif
