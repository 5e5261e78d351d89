#!/bin/sh
# t9300-resume: kill -9 of the master mid-run, then "distribute resume":
# every result exactly once, and the jobs that were running at the crash
# ran once (a per-job counter on the worker proves it); a second resume
# while one runs is refused.
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"

ensure_test_user
start_worker 1
start_worker 2
mkdir -p "$T/counts"
chown "$TEST_USER" "$T/counts"
{
	echo '<jobs>'
	for i in 1 2 3 4 5 6; do
		echo "<job name=\"j$i\"><arg>sh</arg><arg>-c</arg><arg>echo run &gt;&gt; \"\$1/j$i\"; sleep 2; echo ok &gt; result</arg><arg>x</arg><arg>$T/counts</arg></job>"
	done
	echo '</jobs>'
} >"$T/jobs.xml"

"$DISTRIBUTE" --known-hosts "$T/known_hosts" --ssh-config "$T/ssh_config" \
    -i "$T/id_master" --results "$T/results" --progress lines \
    --machines "$T/machines" --config "$T/jobs.xml" >"$T/out1" 2>&1 &
pid=$!
i=0
while [ "$(grep -c ': started' "$T/out1")" -lt 4 ] && [ $i -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 0.3
kill -9 "$pid"
wait "$pid" 2>/dev/null
running=$(grep -c ': started' "$T/out1")
note "killed the master after $running starts"
check "the crash left jobs running on the workers" \
    [ "$(pgrep -u "$TEST_USER" -f 'sleep 2' | wc -l)" -ge 1 ]

"$DISTRIBUTE" resume "$T/results/CURRENT" >"$T/out2" 2>&1 &
rpid=$!
sleep 0.5
"$DISTRIBUTE" resume "$T/results/CURRENT" >"$T/out3" 2>&1
rc3=$?
check "a second resume while one runs is refused (exit $rc3)" [ "$rc3" -ne 0 ]
check "it says another master drives the run" grep -q 'another master' "$T/out3"
wait "$rpid"
rc=$?
check "resume completes the run (exit $rc)" [ "$rc" -eq 0 ]
run=$(readlink -f "$T/results/CURRENT")
n=$(find "$run/jobs" -mindepth 1 -maxdepth 1 -type d | wc -l)
check "every result exactly once (got $n)" [ "$n" -eq 6 ]
ok=$(find "$run/jobs" -name result -exec cat {} + | grep -c ok)
check "every job's own result (got $ok)" [ "$ok" -eq 6 ]
bad=0
for i in 1 2 3 4 5 6; do
	c=$(wc -l <"$T/counts/j$i" 2>/dev/null || echo 0)
	[ "$c" -eq 1 ] || { bad=$((bad + 1)); note "j$i ran $c times"; }
done
check "every job ran exactly once, the interrupted ones included" [ "$bad" -eq 0 ]
check "run.json: 6 ok" [ "$(grep -c '"status": "ok"' "$run/run.json")" -eq 6 ]
check "no lock left" [ -z "$(find "$T"/w*/lock -type f)" ]
check "the resume reattached (it said so)" grep -q 'to reattach' "$T/out2"
done_testing
