#!/bin/sh
# t6400-store: the results store (SQLite) written as runs go.  Two masters
# writing one store at once (the default RESULTS/distribute.db) lose no
# row, and `runs` lists both with their stored values; a store that cannot
# be written leaves the run successful with one warning, and `import`
# catches up (twice: no duplicate); a v1 store is migrated, a store of a
# newer version refused; on a network filesystem the rollback journal.
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"

ensure_test_user
command -v sqlite3 >/dev/null || sh "$TOP/tests/apt-install.sh" sqlite3 ||
    skip_all "no sqlite3 (make test-deps)"
start_worker 1
start_worker 2
sed -n 1p "$T/machines" >"$T/m1"
sed -n 2p "$T/machines" >"$T/m2"

# jobs.xml NAME N: N jobs, each leaving a current-bench result of 3 values
jobs_xml()
{
	echo '<jobs>'
	_i=1
	while [ "$_i" -le "$2" ]; do
		echo "<job name=\"$1$_i\"><arg>sh</arg><arg>-c</arg><arg>sleep 0.3; printf '%s\\n' \"\$1\" &gt;out.json</arg><arg>x</arg><arg>{\"results\": [{\"name\": \"b$_i\", \"metrics\": [{\"name\": \"time\", \"value\": [$_i, $((_i + 1)), $((_i + 2))], \"units\": \"s\"}]}]}</arg></job>"
		_i=$((_i + 1))
	done
	echo '</jobs>'
}
jobs_xml a 4 >"$T/a.xml"
jobs_xml b 4 >"$T/b.xml"
q() { sqlite3 "$T/results/distribute.db" "$1"; }
dq() { "$DISTRIBUTE" --results "$T/results" "$@"; }

dist --machines "$T/m1" --config "$T/a.xml" -n alpha --revision abc1234 \
    >"$T/out-a" 2>&1 &
pa=$!
dist --machines "$T/m2" --config "$T/b.xml" -n beta >"$T/out-b" 2>&1 &
pb=$!
wait "$pa"
ra=$?
wait "$pb"
rb=$?
check "two masters at once succeed (exit $ra, $rb)" [ "$ra" -eq 0 ] && [ "$rb" -eq 0 ]
check "the default store is RESULTS/distribute.db" test -s "$T/results/distribute.db"
check "no row lost: 8 jobs" [ "$(q 'SELECT COUNT(*) FROM jobs')" -eq 8 ]
check "8 attempts" [ "$(q 'SELECT COUNT(*) FROM attempts')" -eq 8 ]
check "8 result rows" [ "$(q 'SELECT COUNT(*) FROM results')" -eq 8 ]
check "WAL mode" [ "$(q 'PRAGMA journal_mode')" = wal ]
check "a job's values: n 3, mean 3, min 2, max 4, 24 bytes of samples" \
    [ "$(q "SELECT r.n, r.mean, r.min, r.max, length(r.samples) FROM results r
	JOIN attempts a ON r.attempt = a.id JOIN jobs j ON a.job = j.id
	WHERE j.job_id = 'a2'")" = '3|3.0|2.0|4.0|24' ]
check "the machine identity from env.json" \
    [ "$(q 'SELECT COUNT(*) FROM machines WHERE hostname != "" AND arch != "" AND cores > 0')" -ge 1 ]
check "alpha's revision" [ "$(q "SELECT v.commit_id FROM runs r JOIN revisions v
    ON r.revision = v.id WHERE r.name = 'alpha'")" = abc1234 ]
check "the runs' end and state" [ "$(q "SELECT COUNT(*) FROM runs WHERE
    state = 'finished' AND end_ns >= start_ns")" -eq 2 ]

dq runs >"$T/runs" 2>&1
check "runs succeeds" [ $? -eq 0 ]
check "runs says where the store is" \
    [ "$(sed -n 1p "$T/runs")" = "store: sqlite:$T/results/distribute.db" ]
check "runs lists alpha: 4/0, its revision, its machine" \
    grep -Eq "^[0-9]+ +alpha +root .* 4/0 +abc1234 +$(sed 's/ .*//' "$T/m1")" "$T/runs"
check "runs lists beta: 4/0, no revision" grep -Eq "^[0-9]+ +beta +root .* 4/0 +- " "$T/runs"
dq runs --json >"$T/runs.json"
check "--json: the store and both runs" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["store"].endswith("/results/distribute.db"), d
names = sorted(r["name"] for r in d["runs"])
assert names == ["alpha", "beta"], names
assert all(r["ok"] == 4 and r["failed"] == 0 for r in d["runs"])' "$T/runs.json"
dq runs --csv --name beta >"$T/runs.csv"
check "--csv --name: a header and beta only" [ "$(wc -l <"$T/runs.csv")" -eq 2 ]
check "--limit 1" [ "$(dq runs --limit 1 | wc -l)" -eq 3 ]

# an unwritable store: the run succeeds, says so once, import catches up
dist --machines "$T/m1" --config "$T/b.xml" -n gamma \
    --db sqlite:/nonexistent-dir/x.db >"$T/out-c" 2>&1
rc=$?
run=$(readlink -f "$T/results/CURRENT")
check "an unwritable store does not fail the run (exit $rc)" [ "$rc" -eq 0 ]
check "the summary says it and how to catch up" \
    grep -q "store: not written (.*no directory '/nonexistent-dir'); run 'distribute import $run'" "$T/out-c"
check "one warning in events.log" \
    [ "$(grep -c 'store: not written' "$run/events.log")" -eq 1 ]
dq import "$run" >"$T/imp1" 2>&1
check "import writes it: 4 jobs, 4 results" \
    grep -q "^imported $run: 4 jobs, 4 results" "$T/imp1"
dq import "$run" >/dev/null 2>&1
check "import again duplicates nothing" [ "$(q 'SELECT COUNT(*) FROM results')" -eq 12 ]
check "3 runs listed" [ "$(dq runs --csv | wc -l)" -eq 4 ]

# schema versions
sqlite3 "$T/v1.db" <"$TOP/tests/data/store-v1.sql"
dq runs --db "sqlite:$T/v1.db" >"$T/v1.out" 2>&1
check "a v1 store is opened" grep -q '^[0-9]* *old *ann' "$T/v1.out"
check "and migrated to version 2" \
    [ "$(sqlite3 "$T/v1.db" "SELECT value FROM meta")" = 2 ]
check "with runs.rerun_of and the series index" sqlite3 "$T/v1.db" \
    "SELECT rerun_of FROM runs; SELECT 1 FROM sqlite_master WHERE name = 'results_series'"
sqlite3 "$T/v1.db" "UPDATE meta SET value = '99'"
dq runs --db "sqlite:$T/v1.db" >"$T/v99.out" 2>&1
rc=$?
check "a store of version 99 is refused (exit $rc)" [ "$rc" -ne 0 ]
check "saying why and naming the store" \
    grep -q "sqlite:$T/v1.db: schema version 99 is newer than this distribute's 2" "$T/v99.out"

DISTRIBUTE_TEST_NETWORK_FS=nfs dq runs -v --db "sqlite:$T/nfs.db" >"$T/nfs.out" 2>&1
check "on NFS: said at -v" grep -q 'network filesystem (nfs): journal_mode=DELETE' "$T/nfs.out"
check "on NFS: the rollback journal" [ "$(sqlite3 "$T/nfs.db" 'PRAGMA journal_mode')" = delete ]
done_testing
