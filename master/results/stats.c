/*
 * stats.c - mean, variance, geometric mean and Welch's t-test; the
 * p-value comes from the regularized incomplete beta function, evaluated
 * by its continued fraction (modified Lentz's method).
 */
#include <math.h>

#include "results/stats.h"

#define BETA_MAXIT	1000
#define BETA_EPS	1e-16
#define BETA_TINY	1e-300

double
stats_mean(const double *v, size_t n)
{
	double sum = 0;
	size_t i;

	if (n == 0)
		return NAN;
	for (i = 0; i < n; i++)
		sum += v[i];
	return sum / (double)n;
}

/* Two passes: the corrected sum is exact when the mean is. */
double
stats_variance(const double *v, size_t n)
{
	double m, d, ss = 0, comp = 0;
	size_t i;

	if (n < 2)
		return NAN;
	m = stats_mean(v, n);
	for (i = 0; i < n; i++) {
		d = v[i] - m;
		ss += d * d;
		comp += d;
	}
	return (ss - comp * comp / (double)n) / (double)(n - 1);
}

double
stats_geomean(const double *v, size_t n)
{
	double sum = 0;
	size_t i;

	if (n == 0)
		return NAN;
	for (i = 0; i < n; i++) {
		if (!(v[i] > 0) || !isfinite(v[i]))
			return NAN;
		sum += log(v[i]);
	}
	return exp(sum / (double)n);
}

static double
lentz_guard(double v)
{
	return fabs(v) < BETA_TINY ? BETA_TINY : v;
}

/* The continued fraction of I_x(a, b), good for x < (a + 1) / (a + b + 2). */
static double
beta_cf(double a, double b, double x)
{
	double c = 1, d, h, aa, del;
	int m, m2;

	d = 1 / lentz_guard(1 - (a + b) * x / (a + 1));
	h = d;
	for (m = 1; m <= BETA_MAXIT; m++) {
		m2 = 2 * m;
		aa = m * (b - m) * x / ((a - 1 + m2) * (a + m2));
		d = 1 / lentz_guard(1 + aa * d);
		c = lentz_guard(1 + aa / c);
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2));
		d = 1 / lentz_guard(1 + aa * d);
		c = lentz_guard(1 + aa / c);
		del = d * c;
		h *= del;
		if (fabs(del - 1) < BETA_EPS)
			break;
	}
	return h;
}

/* I_x(a, b) with y = 1 - x given separately, to keep its precision. */
static double
betai_xy(double a, double b, double x, double y)
{
	double lbt;

	if (!(a > 0) || !(b > 0) || !(x >= 0) || !(y >= 0) || isnan(x + y))
		return NAN;
	if (x == 0)
		return 0;
	if (y == 0)
		return 1;
	lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(y);
	if (x < (a + 1) / (a + b + 2))
		return exp(lbt) * beta_cf(a, b, x) / a;
	return 1 - exp(lbt) * beta_cf(b, a, y) / b;
}

double
stats_betai(double a, double b, double x)
{
	if (!(x >= 0 && x <= 1))
		return NAN;
	return betai_xy(a, b, x, 1 - x);
}

/* P(|T| >= |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2). */
double
stats_t_pvalue(double t, double df)
{
	double t2 = t * t;

	if (isnan(t) || !(df > 0))
		return NAN;
	if (isinf(t))
		return 0;
	return betai_xy(df / 2, 0.5, df / (df + t2), t2 / (df + t2));
}

int
stats_welch(const double *a, size_t na, const double *b, size_t nb,
    struct welch *w)
{
	double ma, mb, sa, sb, se2;

	if (na < 2 || nb < 2)
		return -1;
	ma = stats_mean(a, na);
	mb = stats_mean(b, nb);
	sa = stats_variance(a, na) / (double)na;
	sb = stats_variance(b, nb) / (double)nb;
	se2 = sa + sb;
	if (se2 == 0) {
		w->df = (double)(na + nb - 2);
		w->t = ma == mb ? 0 : ma > mb ? INFINITY : -INFINITY;
		w->p = ma == mb ? 1 : 0;
		return 0;
	}
	w->t = (ma - mb) / sqrt(se2);
	w->df = se2 * se2 / (sa * sa / (double)(na - 1) +
	    sb * sb / (double)(nb - 1));
	w->p = stats_t_pvalue(w->t, w->df);
	if (w->p > 1)
		w->p = 1;
	return 0;
}
