#!/bin/sh
# t6420-store-postgres: the same write and read path against a real
# PostgreSQL 15 (a throwaway server of the test's: start_postgres): a run
# writes its jobs as it goes, `runs` lists it, `import` again duplicates
# nothing, samples round-trip as BYTEA; a URL with a password is refused.
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"

ensure_test_user
start_postgres || skip_all "skipped: PostgreSQL 15 cannot be installed here"
start_worker 1
{
	echo '<jobs>'
	for i in 1 2 3; do
		echo "<job name=\"p$i\"><arg>sh</arg><arg>-c</arg><arg>printf '%s\\n' \"\$1\" &gt;out.json</arg><arg>x</arg><arg>{\"results\": [{\"name\": \"b\", \"metrics\": [{\"name\": \"time\", \"value\": [$i, 0.5, -2.25], \"units\": \"s\", \"trend\": \"lower-is-better\"}]}]}</arg></job>"
	done
	echo '</jobs>'
} >"$T/jobs.xml"

dist --machines "$T/machines" --config "$T/jobs.xml" -n pgrun --db "$PG_URL" \
    --revision 0123abc --project demo >"$T/out" 2>&1
rc=$?
run=$(readlink -f "$T/results/CURRENT")
check "the run succeeds (exit $rc)" [ "$rc" -eq 0 ]
check "no store warning" sh -c '! grep -q "store: not written" "$1"' x "$T/out"
check "no SQLite store made" [ ! -e "$T/results/distribute.db" ]
check "3 jobs, 3 attempts, 3 results" \
    [ "$(pg_sql 'SELECT (SELECT COUNT(*) FROM jobs), (SELECT COUNT(*) FROM attempts), (SELECT COUNT(*) FROM results)')" = '3|3|3' ]
check "the values: n 3, min -2.25, max 3, lower is better" \
    [ "$(pg_sql "SELECT n, min, max, lower_is_better FROM results r
	JOIN attempts a ON r.attempt = a.id JOIN jobs j ON a.job = j.id
	WHERE j.job_id = 'p3'")" = '3|-2.25|3|1' ]
check "samples as BYTEA: little-endian doubles" \
    [ "$(pg_sql "SELECT encode(samples, 'hex') FROM results r
	JOIN attempts a ON r.attempt = a.id JOIN jobs j ON a.job = j.id
	WHERE j.job_id = 'p1'")" = 000000000000f03f000000000000e03f00000000000002c0 ]
check "identity columns" [ "$(pg_sql "SELECT COUNT(*) FROM information_schema.columns
    WHERE column_name = 'id' AND is_identity = 'YES'")" -eq 6 ]
check "the revision" [ "$(pg_sql 'SELECT project, commit_id FROM revisions')" = 'demo|0123abc' ]

"$DISTRIBUTE" runs --db "$PG_URL" >"$T/runs" 2>&1
check "runs: the store named" [ "$(sed -n 1p "$T/runs")" = "store: $PG_URL" ]
check "runs: pgrun, 3/0, its revision" grep -Eq '^[0-9]+ +pgrun +root .* 3/0 +0123abc ' "$T/runs"
"$DISTRIBUTE" import --db "$PG_URL" "$run" >"$T/imp" 2>&1
check "import: 3 jobs, 3 results" grep -q "^imported $run: 3 jobs, 3 results" "$T/imp"
check "nothing duplicated" [ "$(pg_sql 'SELECT COUNT(*) FROM results')" -eq 3 ]
check "schema version 2" [ "$(pg_sql "SELECT value FROM meta")" = 2 ]
pg_sql "UPDATE meta SET value = '99'" >/dev/null
"$DISTRIBUTE" runs --db "$PG_URL" >"$T/v99" 2>&1
check "a newer store refused" grep -q "schema version 99 is newer" "$T/v99"
pg_sql "UPDATE meta SET value = '2'" >/dev/null

"$DISTRIBUTE" runs --db "postgresql://postgres:s3cret@127.0.0.1:$BASE_PORT/dist" \
    >"$T/pw" 2>&1
rc=$?
check "a password in the URL is refused (exit $rc)" [ "$rc" -ne 0 ]
check "pointing at ~/.pgpass" grep -q 'pgpass' "$T/pw"
check "never echoing the password" sh -c '! grep -q s3cret "$1"' x "$T/pw"
done_testing
