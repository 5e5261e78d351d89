#!/bin/sh
# t8200-query: the store's queries on real runs (issue 16 items 4-5):
# two runs of a repeat="4" job (3 samples each) and a failing job, stored
# in SQLite; history and compare by store id, by name and by rev: give the
# stored numbers, pooled (one row, n = 4 x 3); an ambiguous bare word
# lists its candidates; directories pool too; rerun --failed runs only the
# failed job as a new run linked to the first; a changed archive is
# refused.
# shellcheck disable=SC2016 # sh -c programs take their arguments
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "no $PY"
ensure_test_user
start_worker 1
start_worker 2

# config VALUES: 4 jobs calc-1..4 writing current-bench results with the
# samples VALUES, and "flaky", which fails until $T/flag exists
config()
{
	echo '<jobs>'
	echo '<job name="calc" repeat="4"><arg>sh</arg><arg>-c</arg>'
	printf '<arg>printf %s "$1" &gt;bench.json</arg>' "'%s'"
	printf '<arg>x</arg><arg>{"name": "calc", "results": [{"name": "sum", "metrics": [{"name": "time", "value": [%s], "units": "s"}]}]}</arg></job>\n' "$1"
	printf '<job name="flaky"><arg>test</arg><arg>-e</arg><arg>%s/flag</arg></job>\n' "$T"
	echo '</jobs>'
}
config "1.0, 1.1, 1.2" >"$T/q1.xml"
config "2.0, 2.1, 2.2" >"$T/q2.xml"
mkdir -p "$T/tool/bin"
echo 'tool' >"$T/tool/bin/readme"
tar czf "$T/tool.tar.gz" -C "$T/tool" .

dist --machines "$T/machines" --config "$T/q1.xml" -n qrun >"$T/out1" 2>&1
check "run 1: flaky fails (exit 1, got $?)" grep -q 'qrun: 4/5 ok, 1 failed' "$T/out1"
run1=$(readlink -f "$T/results/CURRENT")
dist --machines "$T/machines" --config "$T/q2.xml" -n 1 --revision abc123def \
    --project qp "$T/tool.tar.gz" >"$T/out2" 2>&1
check "run 2 (named '1', revision abc123def, an archive)" \
    grep -q '1: 4/5 ok, 1 failed' "$T/out2"
run2=$(readlink -f "$T/results/CURRENT")
id1=$(basename "$run1")
"$DISTRIBUTE" import --results "$T/results" "$run1" "$run2" >"$T/imp" 2>&1
check "both runs imported" [ $? -eq 0 ]
id2=$(basename "$run2")
sid2=$("$DISTRIBUTE" runs --results "$T/results" --json 2>/dev/null |
    "$PY" -c '
import json, sys
d = json.load(sys.stdin)
runs = d["runs"] if isinstance(d, dict) else d
print([r for r in runs if r["run_id"] == sys.argv[1]][0]["id"])' "$id2")
check "run 2 has a store id ($sid2)" [ -n "$sid2" ]

# compare by store id (run 2) and by name (the latest run named qrun)
"$DISTRIBUTE" compare --results "$T/results" --json "$sid2" qrun \
    >"$T/c.json" 2>"$T/c.err"
check "compare STORE-ID NAME exits 0" [ $? -eq 0 ]
check "stored values, pooled over the 4 jobs: n 12 each, means 2.1 and 1.1" \
    "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
rows = [r for r in d["rows"] if r["benchmark"] == "calc/sum"]
assert len(rows) == 1, rows
r = rows[0]
assert r["n_a"] == 12 and r["n_b"] == 12, r
assert abs(r["mean_a"] - 2.1) < 1e-9 and abs(r["mean_b"] - 1.1) < 1e-9, r
assert abs(r["ratio"] - 1.1 / 2.1) < 1e-9 and r["verdict"] == "changed", r
assert sorted(r["jobs"]) == ["calc-1", "calc-2", "calc-3", "calc-4"], r
' "$T/c.json"
"$DISTRIBUTE" compare --results "$T/results" --csv qrun rev:abc123 \
    >"$T/c.csv" 2>&1
check "compare NAME rev:PREFIX (csv): the same numbers" "$PY" -c '
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["benchmark"] == "calc/sum"]
assert len(rows) == 1, rows
r = rows[0]
assert r["n_a"] == "12" and r["n_b"] == "12" and r["revision"] == "", r
assert abs(float(r["mean_a"]) - 1.1) < 1e-9 and abs(float(r["mean_b"]) - 2.1) < 1e-9, r
' "$T/c.csv"
"$DISTRIBUTE" compare --results "$T/results" 1 qrun >"$T/amb" 2>&1
rc=$?
check "an ambiguous bare word exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "... and lists its candidates (store id 1, name:1)" \
    grep -q "'1' is ambiguous: it may be 1 (run 1), name:1 (run 2)" "$T/amb"
"$DISTRIBUTE" compare --results "$T/results" qrun nosuchrun >"$T/none" 2>&1
check "an unknown word: exit 2, said" grep -q "'nosuchrun' is no directory" "$T/none"

# history: a row per run (run 1 has no revision) and per revision
"$DISTRIBUTE" history --results "$T/results" --json 'calc/*' >"$T/h.json" 2>&1
check "history: two rows, the stored means, n and the change" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = [x for x in d["rows"] if x["metric"] == "time"]
assert len(r) == 2, r
assert r[0]["revision"] is None and r[1]["revision"] == "abc123def", r
assert r[0]["n"] == 12 and r[1]["n"] == 12, r
assert abs(r[0]["mean"] - 1.1) < 1e-9 and abs(r[1]["mean"] - 2.1) < 1e-9, r
assert r[0]["change_percent"] is None, r
assert abs(r[1]["change_percent"] - (2.1 / 1.1 - 1) * 100) < 1e-6, r
assert d["store"].startswith("sqlite:"), d
' "$T/h.json"
"$DISTRIBUTE" history --results "$T/results" --project qp 'calc/*' >"$T/h.txt" 2>&1
check "history --project: only the revision's row" \
    [ "$(grep -c 'calc/sum' "$T/h.txt")" -eq 1 ]
check "history prints its store" grep -q "^store: sqlite:$T/results/distribute.db" "$T/h.txt"
"$DISTRIBUTE" history --results "$T/results" --since 2200-01-01 'calc/*' \
    >"$T/h2.txt" 2>&1
check "history --since in the future: nothing" grep -q 'no stored values' "$T/h2.txt"
"$DISTRIBUTE" history --results "$T/results" --since 2026-13-01 >"$T/h3" 2>&1
check "history --since with a bad date exits 2" [ $? -eq 2 ]

# directories: the repeat jobs pooled, a row per machine (or one with
# --pool-machines)
"$DISTRIBUTE" compare --json --pool-machines "$run1" "$run2" >"$T/d.json" 2>&1
check "directories, --pool-machines: one row, n 12 a side" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
rows = [r for r in d["rows"] if r["benchmark"] == "calc/sum"]
assert len(rows) == 1 and rows[0]["n_a"] == 12 and rows[0]["n_b"] == 12, rows
' "$T/d.json"
"$DISTRIBUTE" compare --json "$run1" "$run2" >"$T/d2.json" 2>&1
check "directories: one row per machine, the jobs of each pooled" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
rows = [r for r in d["rows"] if r["benchmark"] == "calc/sum"]
def machines(run):
    return set(j["machine"] for j in json.load(open(run + "/run.json"))["jobs"]
               if j["id"].startswith("calc"))
m = machines(sys.argv[2]) | machines(sys.argv[3])
assert len(rows) == len(m), (rows, m)
assert set(r["machine"] for r in rows) == m, (rows, m)
assert sum(r["n_a"] for r in rows) == 12 and sum(r["n_b"] for r in rows) == 12, rows
' "$T/d2.json" "$run1" "$run2"

# rerun: a changed archive is refused; then only the failed job, linked
cp "$T/tool.tar.gz" "$T/tool.orig"
echo 'changed' >"$T/tool/bin/readme"
tar czf "$T/tool.tar.gz" -C "$T/tool" .
"$DISTRIBUTE" rerun --results "$T/results" "$run2" --failed >"$T/r2" 2>&1
rc=$?
check "rerun with a changed archive exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "... and says the archive changed" grep -q 'tool archive changed' "$T/r2"
check "... nothing was run" [ "$(readlink -f "$T/results/CURRENT")" = "$run2" ]
"$DISTRIBUTE" rerun --results "$T/results" "$run2" >"$T/r3" 2>&1
check "rerun without --failed exits 2" [ $? -eq 2 ]
: >"$T/flag"
chmod 644 "$T/flag"
"$DISTRIBUTE" rerun --results "$T/results" --known-hosts "$T/known_hosts" \
    --ssh-config "$T/ssh_config" -i "$T/id_master" qrun --failed \
    >"$T/r1" 2>&1
rc=$?
check "rerun qrun --failed (by name, from the store) exits 0 (got $rc)" [ "$rc" -eq 0 ]
run3=$(readlink -f "$T/results/CURRENT")
check "a new run" [ "$run3" != "$run1" ] && [ "$run3" != "$run2" ]
check "it ran only the failed job, linked to the first run" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1] + "/run.json"))
assert [j["id"] for j in d["jobs"]] == ["flaky"], d["jobs"]
assert d["jobs"][0]["status"] == "ok", d["jobs"]
assert d["rerun_of"] == sys.argv[2], d.get("rerun_of")
assert d["name"] == "qrun", d["name"]
' "$run3" "$id1"
check "its resume inputs name the failed job and the first run" \
    grep -qx flaky "$run3/input/only-jobs"

# --order: the store now knows qrun's durations: longest first by default
dist --machines "$T/machines" --config "$T/q1.xml" -n qrun >"$T/o1" 2>&1
check "a third qrun starts longest first from the store's durations" \
    grep -q "order: longest first (5 of 5 jobs' durations known from earlier runs named 'qrun')" "$T/o1"
dist --machines "$T/machines" --config "$T/q1.xml" -n qrun --order config \
    >"$T/o2" 2>&1
check "--order config: the config's order" sh -c '! grep -q "order:" "$1"' x "$T/o2"

# stored runs on different machine identities: warned, still matched
if command -v sqlite3 >/dev/null; then
	sqlite3 "$T/results/distribute.db" "INSERT INTO machines (hostname,
	    cpu_model, cores) VALUES ('other', 'Other CPU', 2);
	    UPDATE results SET machine = (SELECT id FROM machines WHERE
	    hostname = 'other') WHERE run = $sid2"
	"$DISTRIBUTE" compare --results "$T/results" "$sid2" "run:$id1" \
	    >"$T/fp" 2>&1
	check "different machine fingerprints are warned about" \
	    grep -q "^> warning: different machines: A ran on 'other (, Other CPU, 2 cores, 0 GiB)', B on '" "$T/fp"
	check "... and the lone rows still compared" \
	    grep -q '^| calc-1..calc-4 | calc/sum | time | 2.1 s .* | 1.1 s ' "$T/fp"
else
	note "no sqlite3: the fingerprint warning is not checked"
fi
done_testing
