/*
 * results.h - the face of results/: reading what jobs measured, comparing
 * runs, statistics (layer: above lib/ and input/).
 *
 *	metrics.h	metrics readers (pyperf, BenchExec, currentbench)
 *	stats.h		means, variances, Welch's t-test
 *	compare.h	distribute compare's tables
 *	benchexec.h	merged BenchExec results, table-generator
 */
#ifndef DIST_RESULTS_RESULTS_H
#define DIST_RESULTS_RESULTS_H

#include "results/benchexec.h"
#include "results/compare.h"
#include "results/metrics.h"
#include "results/stats.h"

#endif
