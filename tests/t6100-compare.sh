#!/bin/sh
# t6100-compare: "distribute compare A B" on two collected runs built from
# the fixtures of tests/data/metrics (pyperf, current-bench, BenchExec):
# Markdown and --json output, verdicts, --min-change, hardware warnings,
# BenchExec counts side by side, job directories, metrics.json, errors.
# shellcheck disable=SC2016 # Markdown backquotes and sh -c programs
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"

D=$TOP/tests/data/metrics
PY=/usr/bin/python3
BX=svcomp.2026-11-23_09-05-13.results.SV-COMP26_unreach-call.xml
[ -x "$PY" ] || skip_all "no $PY"

# run DIR SCALE CPU CATEGORY: a collected run whose nbody is SCALE times as
# slow as the fixture's, on CPU, count_up_down-1.yml's category CATEGORY.
make_run()
{
	mkdir -p "$1/jobs/py/output" "$1/jobs/cb" "$1/jobs/bx/output/results"
	printf '{"run_id": "%s", "jobs": [{"id": "py", "machine": "lab01"}, '\
'{"id": "cb", "machine": "lab02"}, {"id": "bx", "machine": "lab02"}]}\n' \
	    "$(basename "$1")" >"$1/run.json"
	printf '{"cpu_model": "%s", "cores": 8}\n' "$3" >"$1/jobs/py/env.json"
	"$PY" - "$D/pyperf-suite.json.gz" "$1/jobs/py/output/bm.json.gz" "$2" <<'EOF'
import gzip, json, sys
suite = json.load(gzip.open(sys.argv[1], "rt"))
for run in suite["benchmarks"][0]["runs"]:
    if "values" in run:
        run["values"] = [v * float(sys.argv[3]) for v in run["values"]]
with gzip.open(sys.argv[2], "wt") as f:
    json.dump(suite, f)
EOF
	cp "$D/currentbench-v3.json" "$1/jobs/cb/results.json"
	sed "/count_up_down-1.yml/,/<\/run>/s/title=\"category\" value=\"wrong\"/title=\"category\" value=\"$4\"/" \
	    "$D/$BX" >"$1/jobs/bx/output/results/$BX"
}

cd "$T" || fatal "cd $T"
make_run "$T/A" 1 "Intel(R) Xeon(R) E-2288G CPU @ 3.70GHz" wrong
make_run "$T/B" 0.9 "AMD EPYC 7302P 16-Core Processor" correct

"$DISTRIBUTE" compare A B >"$T/out" 2>"$T/err"
rc=$?
check "compare exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "no error output" [ ! -s "$T/err" ]
check "Markdown: both sides named" grep -q '^- B: `B`$' "$T/out"
check "Markdown: table header with a job column" \
    grep -q '^| job | benchmark | metric | A | B | B/A | change | p | |$' "$T/out"
check "nbody 10% faster is better" \
    grep -q '^| py | nbody | time | 123.3 ms .* | 0.900 | -10.0% | .* | \*\*better\*\* |$' "$T/out"
check "float unchanged is the same" \
    grep -q '^| py | float | time | .* | 1.000 | +0.0% | 1 | same |$' "$T/out"
check "current-bench metric with one value: no test" \
    grep -q '^| cb | irmin/replay | throughput | .* | n/a |$' "$T/out"
check "different CPUs are warned about" \
    grep -q "^> warning: different hardware: A ran on 'Intel Xeon E3-1230 v5 @ 3.40 GHz; Intel(R) Xeon(R) E-2288G CPU @ 3.70GHz', B on 'AMD EPYC 7302P 16-Core Processor; Intel" "$T/out"
check "BenchExec counts side by side (wrong 1 -> 0)" \
    grep -q '^| bx | 3 | 1 | 1 | 1 | 908.5 s | 4 | 0 | 1 | 1 | 908.5 s |$' "$T/out"
check "BenchExec task rows left to --json" \
    grep -q '^18 BenchExec per-task rows are in the --json output' "$T/out"
check "geometric mean over the time metric" \
    grep -q '^Geometric mean of B/A (time, 3 benchmarks): 0.965 (-3.5%)$' "$T/out"
check "summary line" grep -q '^.* compared, 1 better, 0 worse' "$T/out"

"$DISTRIBUTE" compare --json A B >"$T/out.json" 2>"$T/err"
rc=$?
check "--json exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "--json is valid JSON" "$PY" -m json.tool "$T/out.json"
"$PY" - "$T/out.json" >"$T/py.out" 2>&1 <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
rows = {(r["job"], r["benchmark"], r["metric"]): r for r in d["rows"]}
nb = rows[("py", "nbody", "time")]
assert nb["verdict"] == "better" and nb["significant"], nb
assert abs(nb["ratio"] - 0.9) < 1e-9, nb
assert nb["n_a"] == nb["n_b"] == 15, nb
assert nb["p"] < 1e-6 and nb["df"] > 20, nb
fl = rows[("py", "float", "time")]
assert fl["verdict"] == "same" and not fl["significant"] and fl["p"] == 1, fl
tp = rows[("cb", "irmin/replay", "throughput")]
assert tp["verdict"] == "n/a" and tp["p"] is None and tp["trend"] == "higher-is-better", tp
t = rows[("bx", "../sv-benchmarks/c/loops/sum01-1.yml", "cputime")]
assert t["benchexec"] and t["mean_a"] == 1.25 and t["ratio"] == 1, t
assert d["by_job"] is True and d["min_change_percent"] == 1 and d["alpha"] == 0.05
assert d["geomean"]["metric"] == "time" and d["geomean"]["n"] == 3, d["geomean"]
assert any("different hardware" in w for w in d["warnings"]), d["warnings"]
bx = d["benchexec"]
assert len(bx) == 1 and bx[0]["job"] == "bx", bx
assert bx[0]["a"]["wrong"] == 1 and bx[0]["b"]["wrong"] == 0 and bx[0]["b"]["correct"] == 4, bx
assert bx[0]["a"]["tasks"] == 6 and bx[0]["a"]["error"] == 1, bx
assert d["summary"]["better"] == 1 and d["summary"]["worse"] == 0, d["summary"]
EOF
rc=$?
check "--json: rows, verdicts, BenchExec counts, warnings" [ "$rc" -eq 0 ]
[ -s "$T/py.out" ] && sed 's/^/#   /' "$T/py.out"

"$DISTRIBUTE" compare --min-change 15 A B >"$T/out15" 2>&1
check "--min-change 15: a 10% change is not significant" \
    grep -q '^| py | nbody | time | .* | same |$' "$T/out15"
"$DISTRIBUTE" compare --min-change x A B >"$T/err" 2>&1
rc=$?
check "--min-change x exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "--min-change x is explained" grep -q "'x' is not a percentage" "$T/err"

# two job directories: rows pooled, no job column
"$DISTRIBUTE" compare A/jobs/py B/jobs/py >"$T/jobs" 2>&1
rc=$?
check "two job directories compare (got $rc)" [ "$rc" -eq 0 ]
check "job directories: no job column" \
    grep -q '^| nbody | time | .* | \*\*better\*\* |$' "$T/jobs"

# metrics.json is used when a run has one
mkdir -p "$T/M"
cat >"$T/M/metrics.json" <<'EOF'
{"version": 1, "rows": [{"job": "py", "machine": "lab01", "benchmark": "nbody",
 "metric": "time", "unit": "second", "trend": "lower-is-better",
 "values": [0.2, 0.201, 0.199, 0.2]}], "benchexec": [], "hosts": [],
 "warnings": []}
EOF
"$DISTRIBUTE" compare --json A/jobs/py M >"$T/m.json" 2>&1
check "metrics.json read: nbody 0.2 s on side B" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = [r for r in d["rows"] if r["benchmark"] == "nbody"][0]
assert r["mean_b"] == 0.2 and r["n_b"] == 4 and r["verdict"] == "worse", r
' "$T/m.json"

# errors
"$DISTRIBUTE" compare A >"$T/err" 2>&1
rc=$?
check "one directory exits 2 (got $rc)" [ "$rc" -eq 2 ]
"$DISTRIBUTE" compare A "$T/nonexistent" >"$T/err" 2>&1
rc=$?
check "a missing directory exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "a missing directory is named" grep -q "nonexistent': not a directory" "$T/err"
mkdir -p "$T/empty"
"$DISTRIBUTE" compare A "$T/empty" >"$T/err" 2>&1
rc=$?
check "a directory without results exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "it says no results were found" grep -q "no results found" "$T/err"

# a broken file is a warning, not a failure
printf '{"results": [' >"$T/B/jobs/cb/broken.json"
"$DISTRIBUTE" compare A B >"$T/out" 2>&1
rc=$?
check "a broken result file does not fail compare (got $rc)" [ "$rc" -eq 0 ]
check "the broken file is warned about" \
    grep -q '^> warning: B: B/jobs/cb/broken.json:1:14: unexpected end of input' "$T/out"
done_testing
