#!/bin/sh
# t6410-store-resume: kill -9 of the master mid-run, then `distribute
# resume`: the store holds each job's metrics exactly once (the jobs
# written before the crash are written again by the resume, replacing
# their rows), and the run's row is final.  The store is given by --db
# only: resume, without it, writes into the same store.
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"

ensure_test_user
command -v sqlite3 >/dev/null || sh "$TOP/tests/apt-install.sh" sqlite3 ||
    skip_all "no sqlite3 (make test-deps)"
start_worker 1
{
	echo '<jobs>'
	for i in 1 2 3 4 5 6; do
		echo "<job name=\"j$i\"><arg>sh</arg><arg>-c</arg><arg>sleep 1.5; printf '%s\\n' \"\$1\" &gt;out.json</arg><arg>x</arg><arg>{\"results\": [{\"name\": \"b\", \"metrics\": [{\"name\": \"time\", \"value\": [$i, $i], \"units\": \"s\"}, {\"name\": \"rss\", \"value\": $i}]}]}</arg></job>"
	done
	echo '</jobs>'
} >"$T/jobs.xml"
q() { sqlite3 "$T/team.db" "$1"; }

# 2 slots: kill once 2 jobs are settled (in the store) and 2 more run
"$DISTRIBUTE" --known-hosts "$T/known_hosts" --ssh-config "$T/ssh_config" \
    -i "$T/id_master" --results "$T/results" --progress lines \
    --db "sqlite:$T/team.db" --machines "$T/machines" --config "$T/jobs.xml" -n res >"$T/out1" 2>&1 &
pid=$!
i=0
while [ "$(grep -c ': started' "$T/out1")" -lt 4 ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 0.3
kill -9 "$pid"
wait "$pid" 2>/dev/null
before=$(q 'SELECT COUNT(*) FROM results' 2>/dev/null || echo 0)
note "the store held $before result rows at the crash"
check "the crash came after some jobs were stored" [ "$before" -ge 2 ]

"$DISTRIBUTE" resume "$T/results/CURRENT" >"$T/out2" 2>&1
rc=$?
check "resume completes the run (exit $rc)" [ "$rc" -eq 0 ]
check "resume writes into the run's store (--db not given again)" \
    [ ! -e "$T/results/distribute.db" ]
check "the store's URL kept for resume, not readable by others" \
    [ "$(stat -c %a "$T/results/CURRENT/input/db")" = 600 ]
check "one run" [ "$(q 'SELECT COUNT(*) FROM runs')" -eq 1 ]
check "6 jobs" [ "$(q 'SELECT COUNT(*) FROM jobs')" -eq 6 ]
check "each job's metrics exactly once: 12 rows" \
    [ "$(q 'SELECT COUNT(*) FROM results')" -eq 12 ]
check "2 per job" [ "$(q 'SELECT COUNT(*) FROM (SELECT a.job, COUNT(*) AS n
    FROM results r JOIN attempts a ON r.attempt = a.id GROUP BY a.job)
    WHERE n = 2')" -eq 6 ]
check "no (job, benchmark, metric) twice" [ -z "$(q 'SELECT a.job, r.benchmark,
    r.metric FROM results r JOIN attempts a ON r.attempt = a.id
    GROUP BY 1, 2, 3 HAVING COUNT(*) > 1')" ]
check "each job's values are its own" [ "$(q "SELECT COUNT(*) FROM results r
    JOIN attempts a ON r.attempt = a.id JOIN jobs j ON a.job = j.id
    WHERE r.metric = 'rss' AND r.mean = CAST(substr(j.job_id, 2) AS REAL)")" -eq 6 ]
check "the run is finished, 6 ok" [ "$(q "SELECT r.state, COUNT(*) FROM runs r
    JOIN jobs j ON j.run = r.id WHERE j.status = 'ok'")" = 'finished|6' ]
done_testing
