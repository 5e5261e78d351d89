#!/bin/sh
# t3230-collect: how results come back (issue 15: no tar per job).
# 1. A small output is copied from the job directory over SFTP: no tar
#    runs on the worker (its tar, first on the agent's PATH, logs each
#    call); names with spaces, quotes and backslashes arrive intact,
#    nested directories too; symlinks, a FIFO and a name with a newline
#    are skipped and listed in skipped-entries.txt, as the tar path lists
#    them.  A 5 MB file comes back the same way (bytes never favour
#    tar); an output of more than 64 entries comes back through tar (one
#    call), whole, and a job that ends while the master waits for that
#    pack is collected too.  Nothing is left on
#    the worker.
# 2. A worker whose sshd's are frozen in the middle of a walk (the master
#    holds between listing and copying: DIST_TEST_HOOKS=hold-walk) is cut
#    after the watched silence: its job goes back to the queue, saying
#    why (a lost connection uses up no retry), and runs on the other
#    worker; the run completes.
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"

ensure_test_user
mkdir -p "$T/bin"
: >"$T/tar.log"
chmod 666 "$T/tar.log"
cat >"$T/bin/tar" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$T/tar.log"
exec /bin/tar "\$@"
EOF
chmod 755 "$T/bin/tar"
start_worker 1 "SetEnv PATH=$T/bin:/usr/local/bin:/usr/bin:/bin"
P1=$(worker_port 1)

# finish PID SECS: wait for the master, killing it after SECS (TERM, then
# KILL 5 s later); rc = its status (not 0 when it had to be killed).
finish()
{
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt $(($2 * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill "$1" 2>/dev/null
	while kill -0 "$1" 2>/dev/null && [ $_i -lt $(($2 * 10 + 50)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -9 "$1" 2>/dev/null
	wait "$1"
	rc=$?
}
# --- 1: small by SFTP, big by tar --------------------------------------------
# shellcheck disable=SC2016 # the jobs' own $
SMALL='printf a >"a b"; printf q >"it'"'"'s \"q\""; printf b >"back\\slash"; printf n >"$(printf "new\nline")"; ln -s /etc/passwd pw; mkfifo ff; mkdir -p sub/deeper; echo deep >sub/deeper/f; ln -s ../.. sub/up; echo ok'
# shellcheck disable=SC2016
MANY='i=0; while [ $i -lt 300 ]; do echo $i >f$i; i=$((i + 1)); done'
cat >"$T/c.xml" <<XML
<jobs>
  <job name="small"><arg>sh</arg><arg>-c</arg><arg>$(printf '%s' "$SMALL" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g')</arg></job>
  <job name="bytes"><arg>sh</arg><arg>-c</arg><arg>head -c 5000000 /dev/urandom &gt;big.bin; cksum &lt;big.bin &gt;big.sum</arg></job>
  <job name="many"><arg>sh</arg><arg>-c</arg><arg>$MANY</arg></job>
  <job name="quick"><arg>true</arg></job>
</jobs>
XML
# (quick ends while many is packed: its lines come while the master
# waits for "packed", and must not be lost)
dist --machines "$T/machines" --config "$T/c.xml" >"$T/out1" 2>&1 &
finish $! 90
check "the run exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "quick, done during the pack, is collected" \
    grep -q 'finished quick (exit 0)' "$T/out1"
run=$T/results/CURRENT
s=$run/jobs/small
check "small: names with spaces, quotes, a backslash arrive intact" \
    sh -c "[ \"\$(cat '$s/a b')\" = a ] && [ \"\$(cat \"$s/it's \\\"q\\\"\")\" = q ] && [ \"\$(cat '$s/back\\slash')\" = b ]"
check "small: nested directories arrive" grep -qx deep "$s/sub/deeper/f"
printf '%s' "$SMALL" >"$T/want"
check "small: argv/ and argc as the worker had them (made by the master)" \
    sh -c "cmp -s '$T/want' '$s/argv/2' && [ \"\$(cat '$s/argv/0')\" = sh ] && grep -qx 3 '$s/argc' && [ -d '$s/env' ]"
check "many (packed): argv/ and argc from the worker, the same" \
    sh -c "[ \"\$(cat '$run/jobs/many/argv/1')\" = -c ] && grep -qx 3 '$run/jobs/many/argc'"
check "small: stdout and status arrive" sh -c \
    "grep -qx ok '$s/stdout' && grep -q '^state=done' '$s/status'"
check "small: no symlink, FIFO or odd name was made" \
    sh -c "[ -z \"\$(find '$s' ! -type f ! -type d)\" ] && [ ! -e '$s/pw' ] && [ ! -e '$s/ff' ]"
for l in './pw: symlink -> /etc/passwd' './ff: FIFO' \
    './sub/up: symlink -> ../..' \
    './new\x0aline: unsafe name (control character in name)'; do
	check "small: skipped and listed: $l" \
	    grep -qxF -- "$l" "$s/skipped-entries.txt"
done
check "small: results.json counts 4 skipped entries" /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if r["skipped_entries"] == 4 and r["status"] == "success" else 1)' \
    "$s/results.json"
check "bytes: 5,000,000 bytes arrive whole" sh -c \
    "[ \"\$(cksum <'$run/jobs/bytes/big.bin')\" = \"\$(cat '$run/jobs/bytes/big.sum')\" ]"
n=$(find "$run/jobs/many" -name 'f*' -type f | wc -l)
check "many: 300 files arrive ($n)" [ "$n" -eq 300 ]
check "many: their contents too" grep -qx 299 "$run/jobs/many/f299"
n=$(wc -l <"$T/tar.log")
check "tar ran once on the worker, for the 300 entries only ($n)" \
    sh -c "[ '$n' -eq 1 ] && grep -q 'jobs/many\.' '$T/tar.log'"
sed 's/^/# tar /' "$T/tar.log"
# (the slot's last job leaves its end mark, for the slot's next job)
left=$(find "$T/w1/work" -path '*/jobs/*' ! -name '.go-*' ! -name '.report-*' \
    ! -name '*.ended' | head -5)
check "nothing left on the worker ($left)" [ -z "$left" ]

# --- 2: frozen during a walk --------------------------------------------------
start_worker 2
P2=$(worker_port 2)
# shellcheck disable=SC2016
HOLD='case $PWD in '"$T"'/w1/*) : >.hold-walk ;; esac; sleep 1; echo hi >hi.txt'
{
	echo '<jobs>'
	for j in h1 h2 h3 h4; do
		echo "<job name=\"$j\"><arg>sh</arg><arg>-c</arg><arg>$HOLD</arg></job>"
	done
	echo '</jobs>'
} >"$T/f.xml"
# freeze N / thaw: tests/lib.sh (NFROZEN: how many below the listener)
trap 'thaw; cleanup' EXIT
DIST_TEST_HOOKS=hold-walk dist --machines "$T/machines" --config "$T/f.xml" \
    --keepalive 1s --connect-timeout 2s >"$T/out2" 2>&1 &
pid=$!
# a job of w1 has ended (its directory is whole): the master lists it,
# then holds on its .hold-walk
i=0
while [ -z "$(find "$T/w1/work" -name '*.whole' 2>/dev/null)" ] &&
    [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 1
freeze 1 || note "w1 not frozen"
check "frozen walk: a session was open and frozen ($NFROZEN sshd's)" \
    [ "$NFROZEN" -ge 1 ]
# the other worker may have finished and left: once the loss is seen, w1
# comes back (without the hold) to run what went back to the queue
i=0
while ! grep -q 'goes back to the queue' "$T/out2" && [ $i -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
find "$T/w1/work" -name .hold-walk -exec rm -f {} +
thaw
finish "$pid" 40
check "frozen walk: the run completes (exit $rc)" [ "$rc" -eq 0 ]
check "frozen walk: the walk was cut, said why" grep -qE \
    ":$P1: .*results not collected: .*(connection lost|cut).*goes back to the queue" \
    "$T/out2"
check "frozen walk: no job failed (a lost connection uses no retry)" \
    sh -c "! grep -q ': failed ' '$T/out2'"
check "frozen walk: all 4 jobs ok" grep -q '4/4 ok' "$T/out2"
grep -E ":($P1|$P2): " "$T/out2" | sed 's/^/# /'
done_testing
