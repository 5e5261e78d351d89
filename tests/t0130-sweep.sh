#!/bin/sh
# t0130-sweep: a parameter sweep in a <jobs> config (issue 17 item 4) runs
# end to end on one real worker: --dry-run lists the 2 x 2 expanded jobs,
# and each job sees its own values in its arguments and its env, {{ }}
# as literal braces and ${...} untouched.
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/lib.sh"

ensure_test_user
start_worker 1

cat >"$T/sweep.xml" <<'XML'
<jobs>
  <job name="sort">
    <sweep>
      <axis name="algo"><value>qsort</value><value>radix sort</value></axis>
      <axis name="size"><value>10</value><value>2000</value></axis>
    </sweep>
    <arg>sh</arg><arg>-c</arg>
    <arg>printf '%s|' "$@" "$SIZE" "${HOME:+home}"</arg>
    <arg>x</arg><arg>--algo={algo}</arg><arg>{size}</arg><arg>{{size}}</arg>
    <env name="SIZE">n={size}</env>
  </job>
</jobs>
XML

dist --machines "$T/machines" --config "$T/sweep.xml" --dry-run \
    >"$T/dry" 2>&1
rc=$?
check "--dry-run exits 0 (got $rc)" [ "$rc" -eq 0 ]
for id in sort-qsort-10 sort-qsort-2000 sort-radix_sort-10- \
    sort-radix_sort-2000-; do
	check "--dry-run lists $id" grep -q -- "$id" "$T/dry"
done
check "--dry-run shows the expanded argument" grep -q -- '--algo=radix sort' \
    "$T/dry"

dist --machines "$T/machines" --config "$T/sweep.xml" >"$T/out" 2>&1
rc=$?
check "the run exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "4/4 ok" grep -q '4/4 ok' "$T/out"
jobs=$T/results/CURRENT/jobs
check "sort-qsort-10 saw its values" [ "$(cat "$jobs/sort-qsort-10/stdout")" = \
    '--algo=qsort|10|{size}|n=10|home|' ]
check "sort-qsort-2000 saw its values" \
    [ "$(cat "$jobs/sort-qsort-2000/stdout")" = \
    '--algo=qsort|2000|{size}|n=2000|home|' ]
r=$(find "$jobs" -maxdepth 1 -name 'sort-radix_sort-2000-*' | head -1)
check "sort-radix sort-2000 saw its values (a blank kept in one argument)" \
    [ "$(cat "$r/stdout")" = '--algo=radix sort|2000|{size}|n=2000|home|' ]
check "4 job directories" [ "$(find "$jobs" -mindepth 1 -maxdepth 1 \
    -type d -name 'sort-*' | wc -l)" -eq 4 ]
# {revision}: replaced when the run has one (--revision)
sed "s/{{size}}/rev={revision}/" "$T/sweep.xml" >"$T/rev.xml"
dist --machines "$T/machines" --config "$T/rev.xml" --revision 8f3a1c2 \
    --dry-run >"$T/dry2" 2>&1
check "{revision} is the run's --revision" grep -q -- "rev=8f3a1c2" "$T/dry2"
dist --machines "$T/machines" --config "$T/rev.xml" --dry-run \
    >"$T/dry3" 2>&1
check "without --revision, {revision} is left as it is" \
    grep -q -- "rev={revision}" "$T/dry3"
done_testing
