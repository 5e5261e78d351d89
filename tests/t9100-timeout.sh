#!/bin/sh
# t9100-timeout: --job-timeout kills the job's whole process tree on the
# worker, including a child that left with setsid and double-forked, and
# marks the job failed (timeout); the other jobs are not touched.
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC2016 # sh -c programs

ensure_test_user
start_worker 1
marker=dist-t9100-$$
cat >"$T/jobs.xml" <<XML
<jobs>
  <job name="runaway"><arg>sh</arg><arg>-c</arg><arg>setsid sh -c '(sleep 301 &amp;) ; sleep 302' $marker &amp; sleep 303; echo never</arg></job>
  <job name="quick"><arg>sh</arg><arg>-c</arg><arg>echo quick</arg></job>
</jobs>
XML
t0=$(date +%s)
dist --machines "$T/machines" --config "$T/jobs.xml" --job-timeout 3s >"$T/out" 2>&1
rc=$?
secs=$(( $(date +%s) - t0 ))
check "the run ends with exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "it did not wait for the sleeps (${secs}s)" [ "$secs" -lt 60 ]
sleep 1
left=$(pgrep -u "$TEST_USER" -f 'sleep 30[123]' | wc -l)
check "no process of the job is left on the worker (found $left)" [ "$left" -eq 0 ]
check "the job is reported as timed out" grep -q 'killed by timeout after 3s' "$T/out"
check "run.json says timeout" grep -q '"reason": "killed by timeout after 3s"' "$T/results/CURRENT/run.json"
check "its status records the reason" grep -qx 'reason=timeout' "$T/results/CURRENT/jobs/runaway/status"
check "the other job succeeded" grep -qx quick "$T/results/CURRENT/jobs/quick/stdout"
check "no lock left" [ ! -e "$T/w1/lock/distribute.lock" ]
pkill -u "$TEST_USER" -f 'sleep 30[123]' 2>/dev/null
done_testing
