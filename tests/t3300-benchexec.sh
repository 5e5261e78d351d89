#!/bin/sh
# t3300-benchexec: a BenchExec suite through the stand-in tests/bin/benchexec
# (in the tool archive's bin/), with --prepare (it lays out an sv-benchmarks
# checkout beside the benchdir on each worker), --benchdir (and a per-machine
# benchdir=) and --benchexec-arg; every (rundefinition, tasks) job's result
# files come back under jobs/<id>/output/ with BenchExec's names.
# shellcheck disable=SC1091 # tests/lib.sh
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/lib.sh"

/usr/bin/python3 -c 'import bz2' 2>/dev/null || skip_all "no /usr/bin/python3"
ensure_test_user
start_worker 1
start_worker 2
# machine 2 has its own benchdir
mkdir -p "$T/b1/defs" "$T/b2/defs"
chown -R "$TEST_USER" "$T/b1" "$T/b2"
sed -i "2s|\$| benchdir=$T/b2/defs|" "$T/machines"

mkdir -p "$T/tool/bin"
cp "$TOP/tests/bin/benchexec" "$T/tool/bin/benchexec"
printf '#!/bin/sh\necho verifier 1.0\n' >"$T/tool/bin/verifier"
chmod 755 "$T/tool/bin/"*
tar -czf "$T/tool.tar.gz" -C "$T/tool" bin

cat >"$T/prepare.sh" <<'SH'
#!/bin/sh
# lay out sv-benchmarks beside the directory of the benchmark definition
set -e
c=$(dirname "$DIST_CONFIG")/../sv-benchmarks/c
mkdir -p "$c"
for f in array-1 array-2 loop-1; do echo 'int main(void) { return 0; }' >"$c/$f.c"; done
printf 'array-*.c\n' >"$c/Arrays.set"
printf 'loop-*.c\n' >"$c/Loops.set"
echo "prepared $c on $DIST_MACHINE"
SH
cat >"$T/suite.xml" <<'XML'
<?xml version="1.0"?>
<benchmark tool="verifier" timelimit="60 s">
  <tasks name="Arrays"><includesfile>../sv-benchmarks/c/Arrays.set</includesfile></tasks>
  <rundefinition name="default"><tasks name="Loops"><includesfile>../sv-benchmarks/c/Loops.set</includesfile></tasks></rundefinition>
  <rundefinition name="fast*"><option name="-fast"/></rundefinition>
  <rundefinition name="third"/>
</benchmark>
XML
dist --machines "$T/machines" --config "$T/suite.xml" -n nightly \
    --prepare "$T/prepare.sh" --benchdir "$T/b1/defs" \
    --benchexec-arg=--no-container --benchexec-arg=--read-only-dir=/ \
    "$T/tool.tar.gz" >"$T/out" 2>&1
rc=$?
check "BenchExec suite exits 0 (got $rc)" [ "$rc" -eq 0 ]
run="$T/results/CURRENT"
n=$(find "$run/jobs" -mindepth 1 -maxdepth 1 -type d | wc -l)
check "4 jobs: (default: Arrays, Loops), (fast*: Arrays), (third: Arrays) (got $n)" [ "$n" -eq 4 ]
for pair in default.Arrays default.Loops 'fast*.Arrays' third.Arrays; do
	rd=${pair%%.*} ts=${pair#*.}
	f=$(find "$run/jobs" -path "*/output/suite.nightly.*.results.$rd.$ts.xml.bz2" | wc -l)
	check "result file for ($rd, $ts) came back (got $f)" [ "$f" -eq 1 ]
done
runs=$(find "$run/jobs" -name '*.xml.bz2' -exec bzcat {} + | grep -o '<run ' | wc -l)
check "the tasks were found beside the benchdir: 2+1+2+2 runs (got $runs)" [ "$runs" -eq 7 ]
check "the benchexec-args reached every job" \
    sh -c 'for d in "$1"/jobs/*/; do grep -qx -- --no-container "$d"/argv/* || exit 1; done' x "$run"
check "the pattern for 'fast*' is escaped" \
    sh -c 'grep -rqx "fast\[\*\]" "$1"/jobs/*/argv/' x "$run"
check "prepare logs collected for both machines" \
    [ "$(grep -l prepared "$run"/prepare/*.log | wc -l)" -eq 2 ]
check "machine 2 used its own benchdir" [ -f "$T/b2/defs/suite.xml" ]
check "machine 1 used --benchdir" [ -f "$T/b1/defs/suite.xml" ]
check "the end: merged per rundefinition, the table command printed" \
    sh -c 'grep -q "^benchexec: 7 runs merged into 3 files" "$1" &&
        grep -q "^  .table-generator. .-x. .*/benchexec/table.xml" "$1"' x "$T/out"

# --split=tasks: one job covers both run definitions; BenchExec names each
# result <result name="RUNDEF.TASKS" block="TASKS">, so metrics.json keeps
# both rundefinitions' rows of the same task, prefixed "r1:" and "r2:"
cat >"$T/two.xml" <<'XML'
<?xml version="1.0"?>
<benchmark tool="verifier" timelimit="60 s">
  <tasks name="Arrays"><includesfile>../sv-benchmarks/c/Arrays.set</includesfile></tasks>
  <rundefinition name="r1"/>
  <rundefinition name="r2"><option name="-fast"/></rundefinition>
</benchmark>
XML
dist --machines "$T/machines" --config "$T/two.xml" --split=tasks \
    --prepare "$T/prepare.sh" --benchdir "$T/b1/defs" \
    --benchexec-arg=--no-container "$T/tool.tar.gz" >"$T/out3" 2>&1
rc=$?
check "--split=tasks over r1 and r2 exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "metrics.json: cputime rows of r1 and r2, 2 tasks each, no warning" \
    /usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
b = sorted(r["benchmark"] for r in d["rows"] if r["metric"] == "cputime")
print(b)
assert [x.split(":")[0] for x in b] == ["r1", "r1", "r2", "r2"], b
assert sum(c["tasks"] for c in d["benchexec"]) == 4, d["benchexec"]
assert d["warnings"] == [], d["warnings"]' \
    "$run/metrics.json"

# a failing prepare takes its machine out with the reason; the other works
{
	printf '#!/bin/sh\nif [ "$DIST_MACHINE" = "%s" ]; then echo no benchexec here; exit 4; fi\n' \
	    "$(sed -n 1p "$T/machines" | cut -d' ' -f1 | tr ':' '_')"
	sed 1d "$T/prepare.sh"
} >"$T/prep2.sh"
dist --machines "$T/machines" --config "$T/suite.xml" -n again \
    --prepare "$T/prep2.sh" --benchdir "$T/b1/defs" \
    --benchexec-arg=--no-container "$T/tool.tar.gz" >"$T/out2" 2>&1
rc=$?
check "with one failing prepare the run still exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "the machine is out with the prepare failure shown" \
    grep -q 'prepare script failed (exit 4)' "$T/out2"
done_testing
