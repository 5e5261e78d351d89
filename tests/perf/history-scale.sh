#!/bin/sh
# history-scale.sh - "distribute history" on a SQLite store of 10 M samples
# (issue 16, precision "Scale": target < 1 s for one benchmark).
#
#	sh tests/perf/history-scale.sh            # 1000 runs x 500 benchmarks x 20
#	HS_RUNS=100 sh tests/perf/history-scale.sh # smaller
#
# The store is filled by tests/helpers/store-fill (db.h, one transaction per
# run, samples as one array per (attempt, benchmark, metric): 500,000 result
# rows for 10 M samples), then history is timed for one benchmark (best of
# 3) and for a glob of 10 benchmarks.  Needs a build (make all unit).
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=${HS_RUNS:-1000}
BENCH=${HS_BENCH:-500}
SAMPLES=${HS_SAMPLES:-20}
T=$(mktemp -d /tmp/history-scale.XXXXXX)
trap 'rm -rf "$T"' EXIT

start=$(date +%s.%N)
"$TOP/tests/helpers/store-fill" "sqlite:$T/distribute.db" "$RUNS" "$BENCH" \
    "$SAMPLES"
end=$(date +%s.%N)
echo "filled: $RUNS runs x $BENCH benchmarks x $SAMPLES samples =" \
    "$((RUNS * BENCH * SAMPLES)) samples in $(echo "$end - $start" | bc) s," \
    "$(du -m "$T/distribute.db" | cut -f1) MB"

best=
for _ in 1 2 3; do
	s=$(date +%s.%N)
	"$TOP/distribute" history --results "$T" "bench-$((BENCH / 2))" \
	    >"$T/out"
	e=$(date +%s.%N)
	t=$(echo "$e - $s" | bc)
	if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" -eq 1 ]; then
		best=$t
	fi
done
rows=$(($(wc -l <"$T/out") - 2))
echo "history bench-$((BENCH / 2)): $rows rows, best of 3: $best s (target < 1 s)"
s=$(date +%s.%N)
"$TOP/distribute" history --results "$T" "bench-$((BENCH / 2 / 10))?" \
    >"$T/out"
e=$(date +%s.%N)
echo "history 'bench-$((BENCH / 2 / 10))?' (10 benchmarks):" \
    "$(($(wc -l <"$T/out") - 2)) rows in $(echo "$e - $s" | bc) s"
