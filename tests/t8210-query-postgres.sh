#!/bin/sh
# t8210-query-postgres: history and compare against a real PostgreSQL 15
# (start_postgres): the same SQL as SQLite's (typed NULL parameters, the
# glob's prefix as LIKE ... ESCAPE, revisions by prefix), the same numbers.
# shellcheck disable=SC2016 # sh -c programs take their arguments
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "no $PY"
ensure_test_user
start_postgres || skip_all "skipped: PostgreSQL 15 cannot be installed here"
start_worker 1

# config VALUES: 2 jobs w_x-1, w_x-2 (an '_' for LIKE) with those samples
config()
{
	echo '<jobs>'
	echo '<job name="w_x" repeat="2"><arg>sh</arg><arg>-c</arg>'
	printf '<arg>printf %s "$1" &gt;bench.json</arg>' "'%s'"
	printf '<arg>x</arg><arg>{"results": [{"name": "b_1", "metrics": [{"name": "time", "value": [%s], "units": "s", "trend": "lower-is-better"}]}]}</arg></job>\n' "$1"
	echo '</jobs>'
}
config "1, 2, 3" >"$T/p1.xml"
config "2, 4, 6" >"$T/p2.xml"
dist --machines "$T/machines" --config "$T/p1.xml" -n pga --db "$PG_URL" \
    >"$T/out1" 2>&1
check "run 1 exits 0 (got $?)" grep -q 'pga: 2/2 ok' "$T/out1"
dist --machines "$T/machines" --config "$T/p2.xml" -n pgb --db "$PG_URL" \
    --revision feedbeef01 --project demo >"$T/out2" 2>&1
check "run 2 exits 0" grep -q 'pgb: 2/2 ok' "$T/out2"

"$DISTRIBUTE" history --db "$PG_URL" --json 'b_*' >"$T/h.json" 2>&1
check "history over PostgreSQL: the stored means, n, change" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = d["rows"]
assert [x["benchmark"] for x in r] == ["b_1", "b_1"], r
assert r[0]["n"] == 6 and r[1]["n"] == 6, r
assert r[0]["mean"] == 2 and r[1]["mean"] == 4, r
assert r[1]["change_percent"] == 100 and r[1]["revision"] == "feedbeef01", r
assert d["store"].startswith("postgresql://"), d
' "$T/h.json"
"$DISTRIBUTE" history --db "$PG_URL" --csv --metric time --project demo \
    'b?1' >"$T/h.csv" 2>&1
check "history --metric --project (csv): one row" \
    [ "$(grep -c '^b_1,time,' "$T/h.csv")" -eq 1 ]
"$DISTRIBUTE" history --db "$PG_URL" 'bx*' >"$T/h0" 2>&1
check "a glob matching nothing: nothing" grep -q 'no stored values' "$T/h0"
"$DISTRIBUTE" compare --db "$PG_URL" --json pga rev:feedbeef >"$T/c.json" 2>&1
check "compare NAME rev:PREFIX over PostgreSQL" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = [x for x in d["rows"] if x["benchmark"] == "b_1"][0]
assert r["n_a"] == 6 and r["n_b"] == 6 and r["mean_a"] == 2 and r["mean_b"] == 4, r
assert r["verdict"] == "worse" and r["ratio"] == 2, r
assert d["b"] == "rev:feedbeef01", d["b"]
' "$T/c.json"
id=$(pg_sql "SELECT id FROM runs WHERE name = 'pga'")
"$DISTRIBUTE" compare --db "$PG_URL" --csv "$id" name:pgb >"$T/c.csv" 2>&1
check "compare STORE-ID name:NAME over PostgreSQL" \
    grep -q '^.*,b_1,time,s,6,6,2,4,' "$T/c.csv"
done_testing
