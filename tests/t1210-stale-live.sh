#!/bin/sh
# t1210-stale-live: a lock whose agent is gone while jobs of its run still
# run is held, not stale.  A master is killed (-9) with three `sleep 60`
# jobs running: "distribute machines" says "jobs still running", a run
# with --break-stale-locks starts nothing there while they live; once they
# end (the test ends them, and waits for their supervisors) the lock is
# stale, and breaking it is said with whose lock it was.  The test's
# processes are told from those of other tests (same test user) by their
# working directory, under $T; no step relies on a job's duration, which a
# loaded machine eats up.
# "Yours" is the same SSH login, whatever the local user (root here).
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/lib.sh"

ensure_test_user
start_worker 1
start_worker 2
port1=$(worker_port 1)
m1=$TEST_USER@127.0.0.1:$port1
lock1=$T/w1/lock/distribute.lock
sed -n 1p "$T/machines" | sed "s|^|3/|" >"$T/m1"
opts() { echo --known-hosts "$T/known_hosts" --ssh-config "$T/ssh_config" -i "$T/id_master"; }
# our_sleeps: the PIDs of this test's sleep jobs (their cwd is under $T;
# other tests run jobs as the same user at the same time)
our_sleeps()
{
	for _p in $(pgrep -u "$TEST_USER" -x sleep); do
		case $(readlink "/proc/$_p/cwd" 2>/dev/null) in
		"$T"/*) echo "$_p" ;;
		esac
	done
}
sleeps() { our_sleeps | wc -l; }
{
	echo '<jobs>'
	for i in 1 2 3; do
		echo "<job name=\"s$i\"><arg>sleep</arg><arg>60</arg></job>"
	done
	echo '</jobs>'
} >"$T/sleep.xml"
{
	echo '<jobs>'
	for i in 1 2 3 4 5 6; do
		echo "<job name=\"q$i\"><arg>sh</arg><arg>-c</arg><arg>echo \$DIST_MACHINE</arg></job>"
	done
	echo '</jobs>'
} >"$T/quick.xml"

# procs_alive FILE: a PID listed in FILE (lines "PID TICKS") lives
procs_alive()
{
	[ -f "$1" ] || return 1
	while read -r _p _; do
		kill -0 "$_p" 2>/dev/null && return 0
	done <"$1"
	return 1
}

# shellcheck disable=SC2046
"$DISTRIBUTE" --machines "$T/m1" --config "$T/sleep.xml" --results "$T/rA" \
    --progress lines $(opts) >"$T/oA" 2>&1 &
pa=$!
i=0
while [ "$(sleeps)" -lt 3 ] && [ $i -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "three sleeps run" [ "$(sleeps)" -eq 3 ]
kill -9 "$pa"
wait "$pa" 2>/dev/null
i=0
while [ -n "$(descendants "$(cat "$T/w1/sshd.pid")")" ] && [ $i -lt 100 ]; do
	sleep 0.1	# the session, and the agent at end of its input, go
	i=$((i + 1))
done
check "the killed master's lock stays" grep -qx "login=$TEST_USER" "$lock1"
check "... recording its supervisors and jobs beside it" \
    [ "$(wc -l <"$lock1.procs")" -ge 7 ]

# shellcheck disable=SC2046
"$DISTRIBUTE" machines --machines "$T/m1" $(opts) >"$T/mach1" 2>&1
check "machines: held, jobs still running, yours (same login)" \
    grep -q "^$m1: up, locked by root since .*jobs still running, yours)" "$T/mach1"
check "machines: not called stale" sh -c '! grep -q stale "$1"' x "$T/mach1"

dist --machines "$T/machines" --config "$T/quick.xml" --break-stale-locks \
    >"$T/oB" 2>&1
check "a run with --break-stale-locks meanwhile completes" [ $? -eq 0 ]
check "... the sleeps were alive all along" [ "$(sleeps)" -eq 3 ]
check "... it started nothing on the held machine" \
    sh -c '! grep -q "_$1\$" "$2"/jobs/*/stdout' x "$port1" "$T/results/CURRENT"
check "... saying why" grep -q "$m1: locked: locked by root .*(jobs still running)" "$T/oB"
check "... and left the lock alone" grep -q "^run=.*-root-sleep" "$lock1"

# the jobs end; their supervisors pack the results and go
# shellcheck disable=SC2046 # one PID a word
kill $(our_sleeps) 2>/dev/null
i=0
while procs_alive "$lock1.procs" && [ $i -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
# shellcheck disable=SC2046
"$DISTRIBUTE" machines --machines "$T/m1" $(opts) >"$T/mach2" 2>&1
check "once the sleeps end: stale" grep -q "^$m1: up, locked by root .*stale, yours)" "$T/mach2"
runA=$(sed -n 's/^run=//p' "$lock1")
since=$(sed -n 's/^started_utc=//p' "$lock1")
dist --machines "$T/m1" --config "$T/quick.xml" --break-stale-locks >"$T/oC" 2>&1
check "--break-stale-locks now breaks it and runs" [ $? -eq 0 ]
what="$m1: broke the stale lock of root (master $(uname -n 2>/dev/null || hostname), run $runA, since $since)"
check "... said on screen, with whose lock it was" grep -qF "$what" "$T/oC"
check "... and in events.log" grep -qF "$what" "$T/results/CURRENT/events.log"
check "... and in the summary (seen with the live view too)" \
    grep -qF "machine ${what%%: *}: ${what#*: }" "$T/oC"
check "no lock left" [ -z "$(find "$T"/w*/lock -type f)" ]

# distribute unlock: ours is the same login (dist-test), the local user
# recorded (root) may differ
sh -c 'exit 0' &
dead=$!
wait "$dead"
leftover()
{
	printf '%s\n' "user=$2" master=oldlaptop run=20260101T000000Z-old-x \
	    "pid=$dead" started=1767225600 \
	    "boot_id=$(cat /proc/sys/kernel/random/boot_id)" "host=$(uname -n)" \
	    started_utc=2026-01-01T00:00:00Z "login=$3" >"$T/w$1/lock/distribute.lock"
	chown "$TEST_USER" "$T/w$1/lock/distribute.lock"
}
leftover 1 root "$TEST_USER"
leftover 2 "$TEST_USER" colleague
# shellcheck disable=SC2046
"$DISTRIBUTE" unlock --machines "$T/machines" $(opts) >"$T/u" 2>&1
check "unlock: our leftover (root as $TEST_USER) released" [ ! -e "$lock1" ]
check "... saying so" grep -q "^$m1: released your leftover lock" "$T/u"
check "unlock: another login's lock left alone (same local user)" \
    grep -q user= "$T/w2/lock/distribute.lock"
done_testing
