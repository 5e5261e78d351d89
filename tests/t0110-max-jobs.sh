#!/bin/sh
# t0110-max-jobs: a config expanding to more jobs than --max-jobs (default
# 100000) is refused before the jobs are made, naming the file and the
# count; --max-jobs raises the limit.  No connection is made.
. "$(dirname "$0")/lib.sh"

printf '%s\n' '127.0.0.1:1' >"$T/machines"
{
	echo '<jobs>'
	i=0
	while [ "$i" -lt 300 ]; do
		echo "<job name=\"j$i\" repeat=\"10000\"><arg>true</arg></job>"
		i=$((i + 1))
	done
	echo '</jobs>'
} >"$T/big.xml"
printf '%s\n' '<jobs><job name="a" repeat="3"><arg>true</arg></job>' \
    '<job name="b" repeat="2"><arg>true</arg></job></jobs>' >"$T/small.xml"

"$DISTRIBUTE" --machines "$T/machines" --config "$T/big.xml" --dry-run \
    >"$T/out" 2>&1; rc=$?
check "3 M jobs: exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "the file and the count are named" \
    grep -q "big.xml: expands to 3000000 jobs, more than the limit of 100000" "$T/out"
check "the way out is named" grep -q -- "--max-jobs" "$T/out"

"$DISTRIBUTE" --machines "$T/machines" --config "$T/small.xml" --dry-run \
    --max-jobs 4 >"$T/out" 2>&1; rc=$?
check "--max-jobs 4: 5 jobs refused (got $rc)" [ "$rc" -eq 2 ]
check "the count is named" grep -q "expands to 5 jobs" "$T/out"
"$DISTRIBUTE" --machines "$T/machines" --config "$T/small.xml" --dry-run \
    --max-jobs 5 >"$T/out" 2>&1; rc=$?
check "--max-jobs 5: 5 jobs planned (got $rc)" [ "$rc" -eq 0 ]
"$DISTRIBUTE" --machines "$T/machines" --config "$T/small.xml" --dry-run \
    --max-jobs 0 >"$T/out" 2>&1; rc=$?
check "--max-jobs 0 is a usage error (got $rc)" [ "$rc" -eq 2 ]
"$DISTRIBUTE" --help >"$T/help" 2>&1
check "--help lists --max-jobs" grep -q -- '--max-jobs N' "$T/help"
done_testing
