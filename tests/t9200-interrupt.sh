#!/bin/sh
# t9200-interrupt: the first Ctrl-C stops starting jobs and lets the running
# ones finish and be collected; a second one (or SIGTERM) kills the running
# jobs on the workers; either way the locks are released and the exit
# status is 130.  The same with notifications on (their thread must not
# take the signal: it would drop it, or die of it).
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"

ensure_test_user
start_worker 1
start_worker 2
{
	echo '<jobs>'
	for i in 1 2 3 4 5 6; do
		echo "<job name=\"j$i\"><arg>sh</arg><arg>-c</arg><arg>sleep 3; echo finished</arg></job>"
	done
	echo '</jobs>'
} >"$T/jobs.xml"

# run_and_signal OUT SIGNAL...: start a run (with $EXTRA options), send each signal 1 s apart
# (the first once two jobs run), wait for the end; rc in RC.
run_and_signal()
{
	_out=$1
	shift
	# shellcheck disable=SC2086 # EXTRA: words
	"$DISTRIBUTE" --known-hosts "$T/known_hosts" --ssh-config "$T/ssh_config" \
	    -i "$T/id_master" --results "$T/results" --progress lines \
	    --machines "$T/machines" --config "$T/jobs.xml" $EXTRA \
	    >"$T/$_out" 2>&1 &
	_pid=$!
	_i=0
	while [ "$(grep -c 'started' "$T/$_out")" -lt 2 ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	sleep 0.5
	for _s in "$@"; do
		kill -s "$_s" "$_pid"
		sleep 1
	done
	wait "$_pid"
	RC=$?
}

run_and_signal once INT
check "one interrupt: exit 130 (got $RC)" [ "$RC" -eq 130 ]
n=$(find "$T/results/CURRENT/jobs" -name stdout -exec grep -l finished {} + | wc -l)
check "one interrupt: the 2 running jobs finished and came back (got $n)" [ "$n" -eq 2 ]
check "one interrupt: no other job started" [ "$(grep -c ': started' "$T/once")" -eq 2 ]
check "one interrupt: run.json says interrupted" \
    grep -q '"state": "interrupted"' "$T/results/CURRENT/run.json"
check "one interrupt: locks released" \
    [ -z "$(find "$T"/w*/lock -type f)" ]

run_and_signal twice INT INT
check "two interrupts: exit 130 (got $RC)" [ "$RC" -eq 130 ]
check "two interrupts: it said it kills the jobs" grep -q 'killing running jobs' "$T/twice"
n=$(find "$T/results/CURRENT/jobs" -name stdout -exec grep -l finished {} + 2>/dev/null | wc -l)
check "two interrupts: the running jobs were killed before finishing (got $n)" [ "$n" -eq 0 ]
sleep 0.5
check "two interrupts: nothing left running on the workers" \
    [ "$(pgrep -u "$TEST_USER" -f 'sleep 3' | wc -l)" -eq 0 ]
check "two interrupts: locks released" [ -z "$(find "$T"/w*/lock -type f)" ]

run_and_signal term TERM
check "SIGTERM: exit 130 (got $RC)" [ "$RC" -eq 130 ]
check "SIGTERM: nothing left running" \
    [ "$(pgrep -u "$TEST_USER" -f 'sleep 3' | wc -l)" -eq 0 ]
check "SIGTERM: locks released" [ -z "$(find "$T"/w*/lock -type f)" ]
# notifications on (a webhook nobody listens to): same drain
EXTRA="--notify-url http://127.0.0.1:1/hook"
run_and_signal notify INT
EXTRA=
check "with notifications: one interrupt, exit 130 (got $RC)" [ "$RC" -eq 130 ]
check "with notifications: it said it drains" grep -q 'draining' "$T/notify"
check "with notifications: no other job started" \
    [ "$(grep -c ': started' "$T/notify")" -eq 2 ]
done_testing
