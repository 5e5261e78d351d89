#!/bin/sh
# t1100-locks: a machine locked by a colleague is shown as locked, its lock
# is never touched, and the other machines finish every job.
. "$(dirname "$0")/lib.sh"

ensure_test_user
start_worker 1
start_worker 2
start_worker 3

lock3="$T/w3/lock/distribute.lock"
printf '%s\n' user=colleague master=labpc run=20260101T000000Z-colleague-x \
    pid=4242 started=1767225600 started_utc=2026-01-01T00:00:00Z >"$lock3"
chown "$TEST_USER" "$lock3"
cp "$lock3" "$T/lock3.orig"

dist --machines "$T/machines" --config "$TOP/tests/data/run/twelve.xml" \
    >"$T/out" 2>&1
rc=$?
check "run exits 0 with one machine locked (got $rc)" [ "$rc" -eq 0 ]
check "the locked machine is reported with its holder" \
    grep -q 'locked by colleague' "$T/out"
check "the colleague's lock is untouched" cmp -s "$lock3" "$T/lock3.orig"
n=$(find "$T/results/CURRENT/jobs" -name result.txt | wc -l)
check "all 12 jobs ran on the others (got $n)" [ "$n" -eq 12 ]
w3=$(grep -c "$(worker_port 3)" "$T/results/CURRENT"/jobs/*/output/result.txt | grep -vc ':0$')
check "no job ran on the locked machine" [ "$w3" -eq 0 ]
check "our locks are gone" [ ! -e "$T/w1/lock/distribute.lock" ]
check "our locks are gone (w2)" [ ! -e "$T/w2/lock/distribute.lock" ]
done_testing
