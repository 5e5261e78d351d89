#!/bin/sh
# t1200-stale-locks: a lock whose owner is gone (same machine, same boot,
# no such process) is reported stale; --break-stale-locks removes it only
# for our own user; "distribute unlock" releases our own leftovers and
# nothing else; "distribute machines" shows who holds what.  Two masters
# sharing three machines never run jobs of both runs on one machine at once.
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC2016 # sh -c programs

ensure_test_user
start_worker 1
start_worker 2
start_worker 3
boot=$(cat /proc/sys/kernel/random/boot_id)
# stale_lock N USER: a lock of USER whose agent (a dead pid) is gone
stale_lock()
{
	sh -c 'exit 0' &
	dead=$!
	wait "$dead"
	printf '%s\n' "user=$2" master=oldlaptop run=20260101T000000Z-old-x \
	    "pid=$dead" started=1767225600 "boot_id=$boot" "host=$(uname -n)" \
	    started_utc=2026-01-01T00:00:00Z >"$T/w$1/lock/distribute.lock"
	chown "$TEST_USER" "$T/w$1/lock/distribute.lock"
}
opts() { echo --known-hosts "$T/known_hosts" --ssh-config "$T/ssh_config" -i "$T/id_master"; }

stale_lock 1 "$TEST_USER"
stale_lock 2 colleague
# shellcheck disable=SC2046
"$DISTRIBUTE" machines --machines "$T/machines" $(opts) >"$T/m" 2>&1
check "machines: shows the stale lock and its holder" \
    grep -q "127.0.0.1:$(worker_port 1): up, locked by $TEST_USER since 2026-01-01T00:00:00Z (run 20260101T000000Z-old-x on oldlaptop, stale, yours)" "$T/m"
check "machines: shows load, cores, memory, free space, OS" \
    grep -q 'cores, memory .* free in .*/w1/work, ' "$T/m"
check "machines: a free machine is free" grep -q "$(worker_port 3): up, free" "$T/m"

dist --machines "$T/machines" --config "$TOP/tests/data/run/twelve.xml" >"$T/out1" 2>&1
check "without --break-stale-locks: the run completes on the free machine" [ $? -eq 0 ]
check "the stale lock is reported as such" grep -q 'stale' "$T/out1"
check "and left alone" grep -q run=20260101T000000Z-old-x "$T/w1/lock/distribute.lock"

dist --machines "$T/machines" --config "$TOP/tests/data/run/twelve.xml" \
    --break-stale-locks >"$T/out2" 2>&1
check "--break-stale-locks: the run completes" [ $? -eq 0 ]
check "our own stale lock was broken and the machine used" \
    grep -q "127.0.0.1_$(worker_port 1)" "$T/results/CURRENT/jobs/job-01/output/result.txt" \
    "$T"/results/CURRENT/jobs/*/output/result.txt
check "a colleague's stale lock is never broken" \
    grep -q user=colleague "$T/w2/lock/distribute.lock"

stale_lock 1 "$TEST_USER"
# shellcheck disable=SC2046
"$DISTRIBUTE" unlock --machines "$T/machines" $(opts) >"$T/u" 2>&1
check "unlock: our leftover lock released" [ ! -e "$T/w1/lock/distribute.lock" ]
check "unlock: the colleague's lock left alone" [ -e "$T/w2/lock/distribute.lock" ]
check "unlock: says so" grep -q 'someone else' "$T/u"
rm -f "$T/w2/lock/distribute.lock"

# two masters, three machines, ten jobs each: jobs log their interval
mkdir -p "$T/iv" && chown "$TEST_USER" "$T/iv"
for run in A B; do
	{
		echo '<jobs>'
		for i in 1 2 3 4 5 6 7 8 9 10; do
			echo "<job name=\"$run$i\"><arg>sh</arg><arg>-c</arg><arg>s=\$(date +%s.%N); sleep 0.3; echo \"\$s \$(date +%s.%N) $run\" &gt;&gt; \"\$1/\$DIST_MACHINE\"</arg><arg>x</arg><arg>$T/iv</arg></job>"
		done
		echo '</jobs>'
	} >"$T/$run.xml"
done
dist --machines "$T/machines" --config "$T/A.xml" --results "$T/rA" >"$T/oA" 2>&1 &
pa=$!
dist --machines "$T/machines" --config "$T/B.xml" --results "$T/rB" >"$T/oB" 2>&1 &
pb=$!
wait "$pa"; ra=$?
wait "$pb"; rb=$?
check "both runs complete (exit $ra, $rb)" [ "$ra$rb" = 00 ]
check "never two runs on one machine at once" /usr/bin/python3 -c '
import glob, sys
for f in glob.glob(sys.argv[1] + "/*"):
    iv = sorted(tuple([float(a), float(b), r]) for a, b, r in (l.split() for l in open(f)))
    for x, y in zip(iv, iv[1:]):
        if x[2] != y[2] and y[0] < x[1]:
            sys.exit("overlap on %s: %s %s" % (f, x, y))
n = sum(1 for f in glob.glob(sys.argv[1] + "/*") for l in open(f))
sys.exit(0 if n == 20 else "%d intervals" % n)' "$T/iv"
check "no lock left" [ -z "$(find "$T"/w*/lock -type f)" ]
done_testing
