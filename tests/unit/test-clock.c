/*
 * test-clock.c - clock readings as integer nanoseconds: a worker's epoch
 * times ("1796000000.42") parse exactly, so a duration is exact (t3000's
 * "duration >= 0.3" once failed with 0.299999952316 from doubles).
 */
#include <stdlib.h>

#include "test.h"
#include "lib/util.h"

static void
test_parse(void)
{
	int64_t a = 0, b = 0;

	TEST_OK(parse_epoch_ns("1796000000.12", &a) == 0, "two decimals parse");
	TEST_OK(parse_epoch_ns("1796000000.42", &b) == 0, "... and another");
	ASSERT_INT_EQ(b - a, 300000000, "the difference is exact");
	TEST_OK(ns_to_sec(b - a) >= 0.3, "... and at least 0.3 s");
	TEST_OK(parse_epoch_ns("1796000000", &a) == 0, "whole seconds parse");
	ASSERT_INT_EQ(a, INT64_C(1796000000) * NS_PER_SEC, "... exactly");
	TEST_OK(parse_epoch_ns("1.000000001", &a) == 0 && a == NS_PER_SEC + 1,
	    "nine decimals: nanoseconds");
	TEST_OK(parse_epoch_ns("1.0000000001", &a) == -1, "ten are refused");
	TEST_OK(parse_epoch_ns("1e17", &a) == -1, "an exponent is refused");
	TEST_OK(parse_epoch_ns("100000000000000000", &a) == -1,
	    "a time past 2242 is refused");
	TEST_OK(parse_epoch_ns("-1", &a) == -1, "a negative time is refused");
	TEST_OK(parse_epoch_ns("", &a) == -1, "an empty one too");
	TEST_OK(parse_epoch_ns("12.5x", &a) == -1, "and trailing bytes");
}

static void
test_format(void)
{
	char *s = format_utc_ns(INT64_C(1796000000) * NS_PER_SEC + 999999999);

	ASSERT_STR_EQ(s, "2026-11-30T00:53:20Z", "UTC of a reading");
	free(s);
	s = format_utc_ns(-1);
	ASSERT_STR_EQ(s, "?", "a negative reading is not a date");
	free(s);
}

static void
test_clocks(void)
{
	int64_t m0 = clock_mono_ns(), m1 = clock_mono_ns();

	TEST_OK(m1 >= m0, "the monotonic clock does not go back");
	TEST_OK(clock_wall_ns() > INT64_C(1700000000) * NS_PER_SEC,
	    "the wall clock is epoch nanoseconds");
}

int
main(void)
{
	test_parse();
	test_format();
	test_clocks();
	return test_done();
}
