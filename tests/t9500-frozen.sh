#!/bin/sh
# t9500-frozen: machines that freeze or fail, and their backoff.
# 1. A worker whose sshd's (the listener and its per-connection children)
#    are stopped with SIGSTOP mid-run: the kernel still ACKs TCP, so only
#    pings that need an answer tell; with --keepalive 1s the machine is
#    lost well within 10 s, its jobs run elsewhere, the run completes.
# 2. The same while its --prepare script runs (the agent answers pings
#    while prepare runs in its background).
# 3. Backoff, per machine: a locked worker retries its lock on its own
#    schedule (5 s doubling), not on every event of the run, with one
#    "locked" line; a closed port is tried 3 times over 1 + 2 s, not at
#    once; a listener that never sends the SSH banner ends "out: timeout
#    at banner", not "done".
# 4. An SFTP call on a frozen machine fails after the watched silence
#    (libssh 0.10 alone would wait for ever).
# Loaded machines: the jobs, the prepare script and the probe wait on gate
# files the test opens only after the freeze (and, for the runs, after the
# loss is seen), so the freeze always lands on an open session however
# slowly this shell runs; freeze() stops the listener first, then every
# sshd below it until none is new, and waits for state T.
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"

ensure_test_user
start_worker 1
start_worker 2
start_worker 3

trap 'thaw; cleanup' EXIT

# wait_for FILE REGEX SECS: until FILE has a line matching REGEX.
wait_for()
{
	_i=0
	while ! grep -qE "$2" "$1" 2>/dev/null && [ $_i -lt $(($3 * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	grep -qE "$2" "$1" 2>/dev/null
}

# finish PID SECS: wait for the master, killing it after SECS; rc = its
# status (143 when it had to be killed).
finish()
{
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt $(($2 * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill "$1" 2>/dev/null
	wait "$1"
	rc=$?
}

# between LOW N HIGH
between()
{
	[ "$2" -ge "$1" ] && [ "$2" -le "$3" ]
}

jobs_xml()	# N SECS
{
	echo '<jobs>'
	_i=1
	while [ $_i -le "$1" ]; do
		echo "<job name=\"j$_i\"><arg>sleep</arg><arg>$2</arg></job>"
		_i=$((_i + 1))
	done
	echo '</jobs>'
}

# GATE_WAIT: a sh -c script that waits (at most ~30 s) for the file $1
# (no & or <: it goes into XML as is).
# Jobs and the prepare script wait on a gate the test opens once the
# frozen machine is seen lost: however slow the loaded machine runs the
# test, the run is still going when the freeze lands and stays going until
# the loss is seen (with plain sleeps the run could end first: a freeze of
# an idle listener, no loss to see).
# shellcheck disable=SC2016 # $1 and $i are the job's
GATE_WAIT='i=0; while [ ! -e "$1" ]; do i=$((i + 1)); if [ $i -gt 300 ]; then break; fi; sleep 0.1; done'

gated_jobs_xml()	# N GATE
{
	echo '<jobs>'
	_i=1
	while [ $_i -le "$1" ]; do
		echo "<job name=\"j$_i\"><arg>sh</arg><arg>-c</arg><arg>$GATE_WAIT</arg><arg>x</arg><arg>$2</arg></job>"
		_i=$((_i + 1))
	done
	echo '</jobs>'
}

P1=$(worker_port 1) P2=$(worker_port 2) P3=$(worker_port 3)
grep -e ":$P1 " -e ":$P2 " "$T/machines" >"$T/m12"
grep -e ":$P2 " -e ":$P3 " "$T/machines" >"$T/m23"

# --- 1: frozen mid-run ------------------------------------------------------
gated_jobs_xml 4 "$T/go1" >"$T/run.xml"
dist --machines "$T/m12" --config "$T/run.xml" --keepalive 1s \
    --connect-timeout 2s >"$T/out1" 2>&1 &
pid=$!
wait_for "$T/out1" ":$P1: started" 20 || note "w1 never started a job"
freeze 1 || note "w1 not frozen"
t0=$(date +%s)
check "frozen sshd: a session was open and frozen ($NFROZEN sshd's)" \
    [ "$NFROZEN" -ge 1 ]
wait_for "$T/out1" ":$P1: (down|out)" 15
secs=$(( $(date +%s) - t0 ))
touch "$T/go1"
finish "$pid" 40
thaw
check "frozen sshd: the run completes (exit $rc)" [ "$rc" -eq 0 ]
check "frozen sshd: the machine was lost" grep -qE ":$P1: (down|out).*pings" \
    "$T/out1"
check "frozen sshd: lost within 10 x keepalive (${secs}s)" [ "$secs" -lt 10 ]
check "frozen sshd: its jobs ran elsewhere, all 4 ok" \
    grep -q 'run: 4/4 ok, 0 failed' "$T/out1"
grep -E ":$P1: " "$T/out1" | sed 's/^/# /'

# --- 2: frozen while --prepare runs -----------------------------------------
printf '%s\n' "set -- '$T/go2'" "$GATE_WAIT" >"$T/prepare.sh"
jobs_xml 2 1 >"$T/prep.xml"
dist --machines "$T/m23" --config "$T/prep.xml" --keepalive 1s \
    --connect-timeout 2s --prepare "$T/prepare.sh" >"$T/out2" 2>&1 &
pid=$!
wait_for "$T/out2" ":$P3: preparing" 20 || note "w3 never prepared"
freeze 3 || note "w3 not frozen"
t0=$(date +%s)
check "frozen in prepare: a session was open and frozen ($NFROZEN sshd's)" \
    [ "$NFROZEN" -ge 1 ]
wait_for "$T/out2" ":$P3: (down|out)" 15
secs=$(( $(date +%s) - t0 ))
touch "$T/go2"
finish "$pid" 40
thaw
check "frozen in prepare: the run completes (exit $rc)" [ "$rc" -eq 0 ]
check "frozen in prepare: lost within 10 x keepalive (${secs}s)" \
    [ "$secs" -lt 10 ]
check "frozen in prepare: both jobs ok" grep -q 'prep: 2/2 ok' "$T/out2"
grep -E ":$P3: " "$T/out2" | sed 's/^/# /'

# --- 3: backoff ---------------------------------------------------------------
# worker 4 is locked by someone else's live run; its ln counts lock tries
mkdir -p "$T/bin"
cat >"$T/bin/ln" <<EOF
#!/bin/sh
echo try >>"$T/w4/lock/ln.count"
exec /bin/ln "\$@"
EOF
chmod 755 "$T/bin/ln"
start_worker 4 "SetEnv PATH=$T/bin:/usr/local/bin:/usr/bin:/bin"
P4=$(worker_port 4)
printf '%s\n' user=alice master=elsewhere run=20260101T000000Z-alice-x \
    pid=1 started=1 boot_id=x host=elsewhere \
    started_utc=2026-01-01T00:00:00Z >"$T/w4/lock/distribute.lock"
# a port nothing listens on, and a listener that never says a word
closed=$((BASE_PORT + 19))
/usr/bin/python3 -c '
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
while True:
    held.append(s.accept()[0])
' "$T/mute.port" &
SERVERS="$SERVERS $!"
wait_for "$T/mute.port" . 5
mute=$(cat "$T/mute.port")
{
	grep -e ":$P2 " -e ":$P4 " "$T/machines"
	echo "$TEST_USER@127.0.0.1:$closed"
	echo "$TEST_USER@127.0.0.1:$mute"
} >"$T/m3"
jobs_xml 3 1.8 >"$T/back.xml"
dist --machines "$T/m3" --config "$T/back.xml" --connect-timeout 2s \
    >"$T/out3" 2>&1 &
pid=$!
finish "$pid" 60
check "backoff: the run completes (exit $rc)" [ "$rc" -eq 0 ]
tries=$(wc -l <"$T/w4/lock/ln.count" 2>/dev/null || echo 0)
check "backoff: the locked machine tried its lock $tries times (5 s doubling: <= 3)" \
    between 1 "$tries" 3
n=$(grep -c ":$P4: locked" "$T/out3")
check "backoff: one 'locked' line, not one per try ($n)" [ "$n" -eq 1 ]
# the closed port: tries at 0, ~1 and ~3 s (+-20 %), then out
t_first=$(grep -m1 ":$closed: " "$T/out3" | cut -c12-19)
t_out=$(grep -m1 ":$closed: out" "$T/out3" | cut -c12-19)
span=$(( $(date -d "$t_out" +%s 2>/dev/null || echo 0) - \
    $(date -d "$t_first" +%s 2>/dev/null || echo 0) ))
[ -n "$t_out" ] || span=-1
check "backoff: the closed port is out after 3 tries over >= 2 s (${span}s)" \
    [ "$span" -ge 2 ]
n=$(grep -c ":$closed: down" "$T/out3")
check "backoff: one 'down' line for the closed port ($n)" [ "$n" -le 1 ]
check "mute listener: out, timeout at banner" \
    grep -q ":$mute: out: .*timeout at banner" "$T/out3"
check "mute listener: not shown as done" \
    sh -c "! grep -q ':$mute: done' '$T/out3'"
grep -E ":($P4|$closed|$mute): " "$T/out3" | sed 's/^/# /'

# --- 4: an SFTP call on a frozen machine does not hang --------------------------
# (libssh 0.10 waits for ever; the master watches the connection's silence
# from the agent's start on: here the same through the probe)
"$TOP/tests/helpers/ssh-probe" --ssh-config "$T/ssh_config" \
    --known-hosts "$T/known_hosts" -i "$T/id_master" \
    "$TEST_USER@127.0.0.1:$P2" stat /etc/passwd silence 2 gate "$T/go4" \
    stat /etc/passwd >"$T/out4" 2>&1 &
pid=$!
wait_for "$T/out4" '^size ' 20 || note "the probe never stat'ed"
freeze 2 || note "w2 not frozen"
check "frozen during SFTP: a session was open and frozen ($NFROZEN sshd's)" \
    [ "$NFROZEN" -ge 1 ]
touch "$T/go4"
finish "$pid" 15
thaw
check "frozen during SFTP: the call fails (exit $rc), not hangs" \
    between 1 "$rc" 142
check "frozen during SFTP: ... saying why" \
    grep -q 'nothing received for 2 s, connection cut' "$T/out4"
done_testing
