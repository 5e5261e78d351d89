#!/bin/sh
# t3000-run: 3 machines, 12 jobs: every result exactly once, every machine
# used, no lock left, run.json complete, one SSH login per machine.
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/lib.sh"

ensure_test_user
start_worker 1
start_worker 2
start_worker 3

dist --machines "$T/machines" --config "$TOP/tests/data/run/twelve.xml" \
    >"$T/out" 2>&1
rc=$?
check "run exits 0" [ "$rc" -eq 0 ]
run="$T/results/CURRENT"
check "CURRENT points at the run" [ -f "$run/run.json" ]

n=$(find "$run/jobs" -mindepth 2 -maxdepth 3 -name result.txt | wc -l)
check "12 results, one per job (got $n)" [ "$n" -eq 12 ]
bad=0
for i in $(seq 1 12); do
	f=$(printf '%s/jobs/job-%02d/output/result.txt' "$run" "$i")
	read -r a _ sq <"$f" 2>/dev/null || { bad=$((bad + 1)); continue; }
	[ "$a" = "$i" ] && [ "$sq" = "$((i * i))" ] || bad=$((bad + 1))
done
check "each job's own result is in its own directory" [ "$bad" -eq 0 ]
check "stdout came back" [ -f "$run/jobs/job-01/stdout" ]
check "status came back" grep -q '^exit=0' "$run/jobs/job-01/status"
used=$(cut -d' ' -f2 "$run"/jobs/*/output/result.txt | sort -u | wc -l)
check "every machine ran jobs (got $used)" [ "$used" -eq 3 ]
check "no lock file left behind" \
    [ -z "$(find "$T"/w*/lock -type f 2>/dev/null)" ]
for w in 1 2 3; do
	c=$(sshd_accepted_count "$w")
	check "exactly one SSH login on w$w (got $c)" [ "$c" -eq 1 ]
done
ok_jobs=$(grep -c '"status": "ok"' "$run/run.json")
check "run.json has 12 ok jobs (got $ok_jobs)" [ "$ok_jobs" -eq 12 ]
check "run.json: every job has machine, exit code, duration" \
    sh -c '! grep -q "\"exit_code\": null\|\"duration\": null\|\"machine\": null" "$1"' x "$run/run.json"
check "run.json says finished" grep -q '"state": "finished"' "$run/run.json"
check "summary line" grep -q 'twelve: 12/12 ok, 0 failed' "$T/out"
check "request layout: request.json history created..success, results.json, run.log" \
    /usr/bin/python3 -c '
import json, sys
d = sys.argv[1] + "/jobs/job-05/"
r = json.load(open(d + "request.json"))
assert [h["status"] for h in r["history"]] == ["created", "pending", "running", "success"], r
assert r["kind"] == "jobs" and r["job"] == "job-05" and r["machine"] and r["user"] == "dist-test", r
t = [h["time"] for h in r["history"]]
assert t == sorted(t) and all(x.endswith("Z") for x in t), t
o = json.load(open(d + "results.json"))
assert o["status"] == "success" and o["exit_code"] == 0 and o["duration"] >= 0.3, o
assert "==> stdout <==" in open(d + "run.log").read()
' "$run"
check "no temporary directories left" \
    [ -z "$(find "$run/jobs" -name '.tmp-*')" ]

# a failing job: exit code 1 and the failure in the summary
cat >"$T/fail.xml" <<'XML'
<jobs><job name="good"><arg>true</arg></job>
<job name="bad"><arg>sh</arg><arg>-c</arg><arg>echo oops >&amp;2; exit 3</arg></job></jobs>
XML
dist --machines "$T/machines" --config "$T/fail.xml" >"$T/out2" 2>&1
rc=$?
check "a failed job gives exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "its exit code is reported" grep -q '"exit_code": 3' "$T/results/CURRENT/run.json"
check "its stderr came back" grep -q oops "$T/results/CURRENT/jobs/bad/stderr"
check "its results.json says failed" grep -q '"status": "failed"' "$T/results/CURRENT/jobs/bad/results.json"
check "its run.log holds the stderr" grep -q oops "$T/results/CURRENT/jobs/bad/run.log"
check "no lock left after failures" \
    [ -z "$(find "$T"/w*/lock -type f 2>/dev/null)" ]
done_testing
