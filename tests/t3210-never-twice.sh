#!/bin/sh
# t3210-never-twice: once a job's result is kept, no other copy of it runs
# to the end or is counted.  (a) A machine's SSH session dies while its job
# runs; the job goes back to the queue and waits on the other machine
# behind a long job; the machine comes back, its old attempt's result is
# collected, and the waiting copy is cancelled, not queued again and run a
# second time.  (b) A job's "done" comes before the agent's "unqueue ...
# late" (forced by the test-only hook DIST_TEST_HOOKS=hold-unqueue): no
# protocol error, no connection dropped, no job given back and run twice.
# Each job appends a line to $T/counts/NAME when its command completes.
# shellcheck disable=SC2016,SC1091 # sh -c programs; tests/lib.sh
. "$(dirname "$0")/lib.sh"

ensure_test_user
start_worker 1
start_worker 2
mkdir -p "$T/counts"
chown "$TEST_USER" "$T/counts"

# job NAME SECS: sleep SECS, then count the run (killed copies never count)
job()
{
	printf '<job name="%s"><arg>sh</arg><arg>-c</arg><arg>sleep %s; echo run &gt;&gt; "$1/%s"</arg><arg>x</arg><arg>%s</arg></job>\n' \
	    "$1" "$2" "$1" "$T/counts"
}

# gated_job NAME: wait (at most ~60 s) for the file $T/go-NAME, then count
# the run: the test decides when the job ends, however slowly a loaded
# machine runs it (fixed sleeps could end before the step they must span)
gated_job()
{
	printf '<job name="%s"><arg>sh</arg><arg>-c</arg><arg>i=0; while [ ! -e "$2" ]; do i=$((i + 1)); if [ $i -gt 600 ]; then break; fi; sleep 0.1; done; echo run &gt;&gt; "$1/%s"</arg><arg>x</arg><arg>%s</arg><arg>%s</arg></job>\n' \
	    "$1" "$1" "$T/counts" "$T/go-$1"
}

# wait_for WHAT FILE PATTERN: up to 20 s for an extended regex in FILE
wait_for()
{
	_i=0
	while ! grep -Eq "$3" "$2" 2>/dev/null && [ $_i -lt 200 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	grep -Eq "$3" "$2" 2>/dev/null || note "no '$3' in $2 ($1)"
}

# runs NAME: how many times NAME's command completed
runs()
{
	if [ -f "$T/counts/$1" ]; then
		wc -l <"$T/counts/$1" | tr -d ' '
	else
		echo 0
	fi
}

# totals RUN-DIR JOBS: run.json adds up and is final
totals_ok()
{
	/usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1] + "/run.json"))
t, n = r["totals"], int(sys.argv[2])
assert t["ok"] == n and t["failed"] == 0 and t["ok"] + t["failed"] == t["jobs"] == n, t
assert t["running"] == 0 and t["queued"] == 0, t
assert r["state"] == "finished" and r["end"] is not None, (r["state"], r["end"])
assert all(j["status"] == "ok" for j in r["jobs"]), r["jobs"]
' "$1" "$2"
}

# --- (a) a reconnect while the job's requeued copy waits elsewhere --------
# (x and l wait for gates: x ends after its machine is lost, l once x's
# result came back with the machine and x's copy behind l is cancelled)
{
	echo '<jobs>'
	gated_job x
	gated_job l
	echo '</jobs>'
} >"$T/a.xml"
dist --machines "$T/machines" --config "$T/a.xml" >"$T/out-a" 2>&1 &
pid=$!
# x runs on one machine, l on the other (l may be sent ahead behind x
# first, and taken back)
wait_for "x started" "$T/out-a" ': started x '
wait_for "l started" "$T/out-a" ': started l '
port=$(sed -n 's/.*:\([0-9][0-9]*\): started x .*/\1/p' "$T/out-a" | head -1)
n=1
[ "$port" = "$(worker_port 2)" ] && n=2
# the machine's SSH session dies (its sshd processes killed: the agent
# sees end of input; the job's supervisor goes on), and the machine stays
# unreachable (its sshd killed too) until the job's copy waits on the
# other one and the job has ended on it
listener=$(cat "$T/w$n/sshd.pid")
sessions=$(for p in $(descendants "$listener"); do
	case $(cat "/proc/$p/comm" 2>/dev/null) in sshd*) echo "$p" ;; esac
done)
[ -n "$sessions" ] || note "no sshd session found under w$n's sshd ($listener)"
# the listener too, at once (a TERM may take seconds on a loaded machine)
# shellcheck disable=SC2086 # one pid a word
kill -9 "$listener" $sessions || note "kill -9 $listener $sessions failed"
rm -f "$T/w$n/sshd.pid"
touch "$T/go-x"		# x ends on the lost machine
run=$(readlink -f "$T/results/CURRENT")
wait_for "x requeued and sent ahead" "$run/journal" '^start 0 2 '
wait_for "x done on the lost machine" "$T/counts/x" run
sleep 0.5
start_worker "$n"
# l ends once x's result is in and its copy waiting behind l is cancelled
# (a master that failed to cancel it lets it run when l ends: x runs twice)
wait_for "x collected" "$T/out-a" 'finished x .*collected after a reconnect'
wait_for "x's copy cancelled" "$T/out-a" 'copy of x \(attempt 2\) cancelled'
touch "$T/go-l"
wait "$pid"
rc=$?
check "(a) the run exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "(a) the session was lost" grep -q 'connection lost: x goes back' "$T/out-a"
check "(a) its result was collected after the reconnect" \
    grep -q 'finished x (exit 0), collected after a reconnect' "$T/out-a"
check "(a) x ran once (ran $(runs x) times)" [ "$(runs x)" -eq 1 ]
check "(a) l ran once (ran $(runs l) times)" [ "$(runs l)" -eq 1 ]
check "(a) the waiting copy was cancelled" grep -q 'copy of x (attempt 2) cancelled' "$T/out-a"
check "(a) summary 2/2 ok, never more" grep -q 'a: 2/2 ok, 0 failed' "$T/out-a"
check "(a) no third attempt was started" sh -c '! grep -q "^start 0 3 " "$1"' x "$run/journal"
check "(a) run.json: totals add up, state final" totals_ok "$run" 2
check "(a) run.json: x: 1 attempt counted, 1 taken back, 1 lost" \
    /usr/bin/python3 -c '
import json, sys
j = [j for j in json.load(open(sys.argv[1]))["jobs"] if j["id"] == "x"][0]
assert j["attempts"] == 1 and j["taken_back"] == 1 and j["lost"] == 1, j
assert j["duration"] is not None and j["duration"] > 0, j
' "$run/run.json"

# --- (b) "done" before "unqueue ... late" ---------------------------------
# one machine, 3 slots: s1 (2 s) on slot 0 with w sent ahead behind it, q
# (quick) on slot 1, m (4 s) on slot 2.  When q ends, slot 1 is free and
# nothing is queued: w is taken back; the hook holds the agent's answer
# until w has started (s1 ended) and is done.
rm -f "$T/counts"/*
sed -n '1s/^/3\//p' "$T/machines" >"$T/machines3"
{
	echo '<jobs>'
	job s1 2
	job q 0
	job m 4
	job w 0
	echo '</jobs>'
} >"$T/b.xml"
DIST_TEST_HOOKS=hold-unqueue dist -v -v --machines "$T/machines3" \
    --config "$T/b.xml" >"$T/out-b" 2>&1
rc=$?
run=$(readlink -f "$T/results/CURRENT")
check "(b) the run exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "(b) its late answer came after its done, and was ignored" \
    grep -q 'unqueue .*w\.1@.* late: the job has left its slot, ignored' "$T/out-b"
check "(b) no protocol error" sh -c '! grep -q "bad unqueue line\|bad done line" "$1"' x "$T/out-b"
check "(b) the connection was never dropped" sh -c '! grep -q "connection lost\|: down" "$1"' x "$T/out-b"
for j in s1 q m w; do
	check "(b) $j ran once (ran $(runs "$j") times)" [ "$(runs "$j")" -eq 1 ]
done
check "(b) summary 4/4 ok" grep -q 'b: 4/4 ok, 0 failed' "$T/out-b"
check "(b) run.json: totals add up, state final" totals_ok "$run" 4
done_testing
