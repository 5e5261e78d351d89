/*
 * test-stats.c - mean, variance, geometric mean, the incomplete beta
 * function and Welch's t-test against numbers from scipy 1.10.1
 * (scipy.stats.ttest_ind(a, b, equal_var=False), scipy.special.betainc,
 * 2 * scipy.stats.t.sf); relative agreement to 1e-9.
 */
#include <math.h>
#include <stdio.h>

#include "lib/util.h"
#include "results/stats.h"
#include "test.h"

struct ref {
	const char	*name;
	const double	*a;
	size_t		 na;
	const double	*b;
	size_t		 nb;
	double		 t, df, p;
};

static const double n3_a[] = {
	0.123276, 0.124848, 0.123397,
};

static const double n3_b[] = {
	0.118444, 0.120138, 0.119082,
};

static const double n5_a[] = {
	1.49025e-06, 1.53673e-06, 1.52328e-06, 1.50193e-06, 1.47448e-06,
};

static const double n5_b[] = {
	1.52519e-06, 1.5241e-06, 1.59429e-06, 1.54825e-06, 1.61255e-06,
};

static const double n30_a[] = {
	12.818, 12.8639, 12.8504, 12.4123, 11.8717, 12.6135, 12.3587, 11.8171,
	12.2275, 12.0709, 11.406, 12.7243, 12.5516, 12.2011, 12.8945, 12.2753,
	12.5586, 12.1117, 13.0833, 12.8481, 12.9023, 13.0101, 11.5496,
	12.7549, 12.4421, 12.7556, 11.5876, 12.7997, 12.3513, 12.603,
};

static const double n30_b[] = {
	12.3137, 12.2969, 12.4634, 12.3203, 12.2874, 12.4458, 12.2431,
	12.2088, 12.2232, 12.2284, 12.1569, 12.2414, 12.3801, 12.154, 12.3244,
	12.2493, 12.2706, 12.4039, 12.3698, 12.4178, 12.461, 12.1124, 12.1861,
	12.5399, 12.3001, 12.5252, 12.3098, 12.3901, 12.2422, 12.3117,
};

static const double n5x30_a[] = {
	100.496, 101.496, 102.5, 105.39, 99.8714,
};

static const double n5x30_b[] = {
	94.16, 94.8645, 95.0278, 94.3728, 95.83, 94.8844, 95.2462, 94.7732,
	95.5384, 95.5026, 94.9699, 95.2058, 94.4248, 94.7881, 94.418, 94.9722,
	95.2151, 94.9875, 95.3399, 96.3436, 94.3904, 95.5013, 94.9553,
	95.8806, 95.1156, 95.4774, 95.409, 96.1007, 93.9765, 94.9527,
};

/* scipy 1.10.1: ttest_ind(a, b, equal_var=False) */
static const struct ref refs[] = {
	{ "n3", n3_a, ARRAY_SIZE(n3_a), n3_b, ARRAY_SIZE(n3_b),
	    6.538415262667806, 3.998029878357375, 0.002832340399668023 },
	{ "n5", n5_a, ARRAY_SIZE(n5_a), n5_b, ARRAY_SIZE(n5_b),
	    -2.60801817006906, 6.657575855568183, 0.03660431545877459 },
	{ "n30", n30_a, ARRAY_SIZE(n30_a), n30_b, ARRAY_SIZE(n30_b),
	    1.5370137986669385, 32.33370452472832, 0.13401921872419087 },
	{ "n5x30", n5x30_a, ARRAY_SIZE(n5x30_a), n5x30_b, ARRAY_SIZE(n5x30_b),
	    7.0443248159238046, 4.088975162846685, 0.001970686256792831 },
};

static int
close_to(double got, double want, double rel)
{
	if (got == want)
		return 1;
	return fabs(got - want) <= rel * fabs(want);
}

#define ASSERT_CLOSE(got, want, what) do { \
	double _g = (got), _w = (want); \
	if (!close_to(_g, _w, 1e-9)) \
		printf("#   got %.17g, expected %.17g\n", _g, _w); \
	TEST_OK(close_to(_g, _w, 1e-9), what); \
} while (0)

static void
test_scipy(void)
{
	struct welch w;
	char what[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(refs); i++) {
		const struct ref *r = &refs[i];

		snprintf(what, sizeof what, "welch %s runs", r->name);
		ASSERT_INT_EQ(stats_welch(r->a, r->na, r->b, r->nb, &w), 0, what);
		snprintf(what, sizeof what, "welch %s: t as scipy", r->name);
		ASSERT_CLOSE(w.t, r->t, what);
		snprintf(what, sizeof what, "welch %s: df as scipy", r->name);
		ASSERT_CLOSE(w.df, r->df, what);
		snprintf(what, sizeof what, "welch %s: p as scipy", r->name);
		ASSERT_CLOSE(w.p, r->p, what);
		/* swapping the sides flips t, keeps df and p */
		stats_welch(r->b, r->nb, r->a, r->na, &w);
		snprintf(what, sizeof what, "welch %s swapped: -t, same p",
		    r->name);
		TEST_OK(close_to(w.t, -r->t, 1e-9) && close_to(w.p, r->p, 1e-9),
		    what);
	}
}

static void
test_betai(void)
{
	ASSERT_CLOSE(stats_betai(2.5, 0.5, 0.3), 0.01892712407194565,
	    "I_0.3(2.5, 0.5) as scipy betainc");
	ASSERT_CLOSE(stats_betai(14.5, 0.5, 0.92), 0.12313138326471693,
	    "I_0.92(14.5, 0.5) as scipy betainc");
	ASSERT_CLOSE(stats_betai(0.5, 0.5, 0.5), 0.5, "I_0.5(0.5, 0.5) = 1/2");
	/* I_0.6(5, 3) = sum_{j=5..7} C(7,j) 0.6^j 0.4^(7-j) = 0.419904 */
	ASSERT_CLOSE(stats_betai(5, 3, 0.6), 0.419904, "I_0.6(5, 3) exact");
	ASSERT_CLOSE(stats_betai(1, 1, 0.25), 0.25, "I_x(1, 1) = x");
	ASSERT_CLOSE(stats_betai(3, 1, 0.5), 0.125, "I_x(a, 1) = x^a");
	TEST_OK(stats_betai(2, 2, 0) == 0 && stats_betai(2, 2, 1) == 1,
	    "I_0 = 0, I_1 = 1");
	TEST_OK(isnan(stats_betai(2, 2, 1.5)) && isnan(stats_betai(-1, 2, 0.5)),
	    "betai outside its domain is NAN");
	ASSERT_CLOSE(stats_t_pvalue(2, 3), 0.1393259685588431,
	    "t=2 df=3: p as scipy");
	ASSERT_CLOSE(stats_t_pvalue(-7.5, 13.7), 3.2825432249503185e-06,
	    "t=-7.5 df=13.7: p as scipy");
	ASSERT_CLOSE(stats_t_pvalue(0.1, 57.9), 0.9206897763666478,
	    "t=0.1 df=57.9: p as scipy");
	/* df = 1 is Cauchy: p = 1 - 2 atan(|t|) / pi */
	ASSERT_CLOSE(stats_t_pvalue(3, 1), 1 - 2 * atan(3.0) / M_PI,
	    "df=1: p from the Cauchy distribution");
	/* df = 2: p = 1 - |t| / sqrt(t^2 + 2) */
	ASSERT_CLOSE(stats_t_pvalue(1.5, 2), 1 - 1.5 / sqrt(1.5 * 1.5 + 2),
	    "df=2: closed form");
	TEST_OK(stats_t_pvalue(0, 10) == 1, "t=0: p = 1");
	TEST_OK(stats_t_pvalue(INFINITY, 10) == 0, "t=inf: p = 0");
	TEST_OK(isnan(stats_t_pvalue(1, 0)), "df=0: NAN");
}

static void
test_basic(void)
{
	static const double v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	static const double g[] = { 1, 2, 4 };
	static const double bad[] = { 1, 0, 4 };
	static const double big[] = { 1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16 };

	ASSERT_CLOSE(stats_mean(v, ARRAY_SIZE(v)), 5, "mean");
	ASSERT_CLOSE(stats_variance(v, ARRAY_SIZE(v)), 32.0 / 7,
	    "sample variance (n - 1)");
	ASSERT_CLOSE(stats_variance(big, ARRAY_SIZE(big)), 30,
	    "variance around 1e9 keeps its precision");
	TEST_OK(isnan(stats_mean(v, 0)), "mean of nothing is NAN");
	TEST_OK(isnan(stats_variance(v, 1)), "variance of one value is NAN");
	ASSERT_CLOSE(stats_geomean(g, ARRAY_SIZE(g)), 2, "geomean(1, 2, 4) = 2");
	ASSERT_CLOSE(stats_geomean(g + 2, 1), 4, "geomean of one value");
	TEST_OK(isnan(stats_geomean(bad, ARRAY_SIZE(bad))),
	    "geomean with a zero is NAN");
	TEST_OK(isnan(stats_geomean(g, 0)), "geomean of nothing is NAN");
}

static void
test_edges(void)
{
	static const double one[] = { 1.5 };
	static const double c1[] = { 1, 1, 1 }, c2[] = { 2, 2, 2 };
	static const double s[] = { 1, 2, 3 };
	struct welch w;

	TEST_OK(stats_welch(one, 1, s, 3, &w) == -1, "n=1 on a side: no test");
	TEST_OK(stats_welch(s, 3, one, 1, &w) == -1, "n=1 on B: no test");
	TEST_OK(stats_welch(s, 0, s, 3, &w) == -1, "n=0: no test");
	ASSERT_INT_EQ(stats_welch(c1, 3, c2, 3, &w), 0,
	    "zero variance both sides: a test");
	TEST_OK(isinf(w.t) && w.t < 0 && w.p == 0,
	    "zero variance, different means: t = -inf, p = 0 (as scipy)");
	ASSERT_CLOSE(w.df, 4, "zero variance: df = na + nb - 2");
	stats_welch(c1, 3, c1, 3, &w);
	TEST_OK(w.t == 0 && w.p == 1,
	    "zero variance, equal means: t = 0, p = 1 (scipy: nan)");
	stats_welch(s, 3, s, 3, &w);
	TEST_OK(w.t == 0 && w.p == 1, "identical samples: t = 0, p = 1");
	ASSERT_CLOSE(w.df, 4, "identical samples: df = 4");
	stats_welch(c1, 3, s, 3, &w);
	TEST_OK(isfinite(w.t) && w.p > 0.05 && w.p < 1,
	    "zero variance on one side only: a finite test");
}

int
main(void)
{
	test_basic();
	test_betai();
	test_scipy();
	test_edges();
	return test_done();
}
