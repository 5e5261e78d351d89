/*
 * stats.h - the statistics behind "distribute compare": mean, sample
 * variance, Welch's two-sample t-test (as scipy.stats.ttest_ind with
 * equal_var=False) and the geometric mean.
 */
#ifndef DIST_STATS_H
#define DIST_STATS_H

#include <stddef.h>

struct welch {
	double	t;	/* (mean(a) - mean(b)) / sqrt(va/na + vb/nb) */
	double	df;	/* Welch-Satterthwaite degrees of freedom */
	double	p;	/* two-sided p-value */
};

double	stats_mean(const double *, size_t);		/* NAN if n == 0 */
double	stats_variance(const double *, size_t);		/* n - 1; NAN if n < 2 */
double	stats_geomean(const double *, size_t);		/* NAN if n == 0 or a value <= 0 */

/*
 * Welch's t-test of a against b.  Returns -1 (no test) when either side
 * has fewer than 2 values.  Both variances zero: equal means give t = 0,
 * p = 1; different means give t = +-inf, p = 0 (a deterministic metric
 * that changed), df = na + nb - 2.
 */
int	stats_welch(const double *a, size_t na, const double *b, size_t nb,
	    struct welch *);

/* Regularized incomplete beta function I_x(a, b); NAN outside its domain. */
double	stats_betai(double a, double b, double x);
/* Two-sided p-value of Student's t with df degrees of freedom. */
double	stats_t_pvalue(double t, double df);

#endif
