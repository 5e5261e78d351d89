/*
 * stats-probe.c - read "NA NB a1 .. aNA b1 .. bNB" lines from stdin and
 * print "t df p" of Welch's test for each (tests/t6000-stats-scipy.sh).
 */
#include <stdio.h>
#include <stdlib.h>

#include "lib/util.h"
#include "results/stats.h"

static int
read_sample(double *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (scanf("%lf", &v[i]) != 1)
			return -1;
	return 0;
}

int
main(void)
{
	struct welch w;
	size_t na, nb;
	double *a, *b;

	while (scanf("%zu %zu", &na, &nb) == 2) {
		if (na == 0 || nb == 0 || na > 100000 || nb > 100000)
			return 2;
		a = xcalloc(na, sizeof *a);
		b = xcalloc(nb, sizeof *b);
		if (read_sample(a, na) == -1 || read_sample(b, nb) == -1)
			return 2;
		if (stats_welch(a, na, b, nb, &w) == -1)
			printf("none\n");
		else
			printf("%.17g %.17g %.17g\n", w.t, w.df, w.p);
		free(a);
		free(b);
	}
	return 0;
}
