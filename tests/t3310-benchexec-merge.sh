#!/bin/sh
# t3310-benchexec-merge: a BenchExec suite of 2 rundefinitions x 2 tasks
# sets over 3 machines (4 jobs) ends with RESULTS/RUN/benchexec/ holding
# one merged result file per rundefinition (every run once, in definition
# order, log links that resolve on the master), the per tasks set files
# linked, and table.xml with a <union> per rundefinition; --table runs the
# stand-in tests/bin/table-generator found on PATH on table.xml;
# "distribute merge" prints the command without one, runs the one given,
# and on a run directory without benchexec/ or run.json (an older run)
# writes the same files again.
# shellcheck disable=SC1091 # tests/lib.sh
# shellcheck disable=SC2016 # sh -c and python programs take arguments
. "$(dirname "$0")/lib.sh"

/usr/bin/python3 -c 'import bz2' 2>/dev/null || skip_all "no /usr/bin/python3"
ensure_test_user
start_worker 1
start_worker 2
start_worker 3

mkdir -p "$T/tool/bin" "$T/tg"
cp "$TOP/tests/bin/benchexec" "$T/tool/bin/benchexec"
printf '#!/bin/sh\necho verifier 1.0\n' >"$T/tool/bin/verifier"
chmod 755 "$T/tool/bin/"*
tar -czf "$T/tool.tar.gz" -C "$T/tool" bin
cp "$TOP/tests/bin/table-generator" "$T/tg/table-generator"
export TABLE_GENERATOR_STANDIN_LOG="$T/tg.log"

cat >"$T/prepare.sh" <<'SH'
#!/bin/sh
# the tasks beside the directory of the benchmark definition
set -e
c=$(dirname "$DIST_CONFIG")/../sv-benchmarks/c
mkdir -p "$c"
for f in array-1 array-2 loop-1; do echo 'int main(void) { return 0; }' >"$c/$f.c"; done
printf 'array-*.c\n' >"$c/Arrays.set"
printf 'loop-*.c\n' >"$c/Loops.set"
SH
cat >"$T/suite.xml" <<'XML'
<?xml version="1.0"?>
<benchmark tool="verifier" timelimit="60 s">
  <tasks name="Arrays"><includesfile>../sv-benchmarks/c/Arrays.set</includesfile></tasks>
  <tasks name="Loops"><includesfile>../sv-benchmarks/c/Loops.set</includesfile></tasks>
  <rundefinition name="base"/>
  <rundefinition name="fast*"><option name="-fast"/></rundefinition>
</benchmark>
XML
PATH="$T/tg:$PATH" dist --machines "$T/machines" --config "$T/suite.xml" \
    -n nightly --prepare "$T/prepare.sh" --table \
    --benchexec-arg=--no-container "$T/tool.tar.gz" >"$T/out" 2>&1
rc=$?
check "the suite exits 0 (got $rc)" [ "$rc" -eq 0 ]
run=$(cd "$T/results/CURRENT" && pwd -P)
bx="$run/benchexec"
n=$(find "$bx" -maxdepth 1 -type f -name 'suite.nightly.*.results.*.xml.bz2' | wc -l)
check "one merged file per rundefinition (got $n)" [ "$n" -eq 2 ]
base=$(find "$bx" -maxdepth 1 -type f -name 'suite.nightly.*.results.base.xml.bz2')
fast=$(find "$bx" -maxdepth 1 -type f -name 'suite.nightly.*.results.fast[*].xml.bz2')

# each merged file: well-formed, BenchExec's root, every run once in
# definition order, its logs on the master
cat >"$T/check.py" <<'PY'
import bz2, os, sys, zipfile
import xml.etree.ElementTree as ET
path, rundef = sys.argv[1], sys.argv[2]
root = ET.fromstring(bz2.open(path).read())
assert root.tag == "result" and root.get("name") == rundef, root.attrib
assert root.get("block") is None and root.get("benchmarkname") == "suite.nightly", root.attrib
assert [c.tag for c in root][:2] == ["columns", "systeminfo"], [c.tag for c in root]
assert [c.get("title") for c in root.find("columns")] == ["status", "cputime", "walltime"]
names = [r.get("name") for r in root.findall("run")]
want = ["../sv-benchmarks/c/" + t + ".c" for t in ("array-1", "array-2", "loop-1")]
assert names == want, names
for r in root.findall("run"):
    assert r.get("files") == "[%s]" % r.get("name"), r.attrib
    log = os.path.join(os.path.dirname(path), r.get("logfile"))
    if not os.path.isfile(log):
        z = zipfile.ZipFile(os.path.dirname(log) + ".zip")
        assert os.path.relpath(log, os.path.dirname(log) + "/..") in z.namelist(), log
totals = {c.get("title"): c.get("value") for c in root.findall("column")}
assert totals == {"cputime": "1.5s", "walltime": "1.8s"}, totals
PY
check "base: 3 runs once, in definition order, logs resolve" \
    /usr/bin/python3 "$T/check.py" "$base" base
check "fast*: 3 runs once, in definition order, logs resolve" \
    /usr/bin/python3 "$T/check.py" "$fast" 'fast*'
check "the merged files are well-formed (xmllint)" \
    sh -c 'for f; do bzcat "$f" | xmllint --noout --nonet - || exit 1; done' x "$base" "$fast"
check "table.xml: a <union> per rundefinition naming its merged file" \
    /usr/bin/python3 -c 'import glob, os, sys
import xml.etree.ElementTree as ET
t = ET.parse(sys.argv[1]).getroot()
u = [(x.get("title"), [r.get("filename") for r in x]) for x in t.findall("union")]
assert [x[0] for x in u] == ["base", "fast*"], u
for (title, files), want in zip(u, sys.argv[2:]):
    assert len(files) == 1, files
    assert glob.glob(os.path.join(os.path.dirname(sys.argv[1]), files[0])) == [want], files' \
    "$bx/table.xml" "$base" "$fast"
n=0
for rd in base 'fast*'; do
	for ts in Arrays Loops; do
		l=$(find "$bx" -maxdepth 1 -type l -name "suite.nightly.*.results.$(echo "$rd" | sed 's/\*/[*]/').$ts.xml.bz2")
		[ -n "$l" ] && [ -f "$l" ] && case $(readlink "$l") in ../jobs/*/output/*) n=$((n + 1)) ;; esac
	done
done
check "4 per tasks set files, relative links to the jobs' files (got $n)" [ "$n" -eq 4 ]
check "--table: the stand-in on PATH ran on table.xml" \
    grep -q "\"-x\", \"$bx/table.xml\", \"-o\", \"$bx\"" "$T/tg.log"
check "its HTML and CSV are named in the output" \
    sh -c 'grep "^tables: " "$1" | grep -q "$2/suite.nightly.*.table.html, .*table.csv"' x "$T/out" "$bx"
check "the CSV has both rundefinitions and the 3 tasks" \
    sh -c 'head -1 "$1"/*.table.csv | grep -q "base.*fast\*" && [ "$(cat "$1"/*.table.csv | wc -l)" -eq 4 ]' x "$bx"

# without a table-generator: the command, quoted; it works as printed
sum0=$(bzcat "$base" "$fast" | cksum)
rm -f "$bx"/*.table.* "$T/tg.log"
PATH=/usr/bin:/bin "$DISTRIBUTE" merge "$run" >"$T/out2" 2>&1
rc=$?
check "merge without table-generator exits 0 (got $rc)" [ "$rc" -eq 0 ]
cmd=$(grep -A1 '^tables: ' "$T/out2" | sed -n '2s/^  //p')
check "the command is printed, quoted: $cmd" \
    sh -c 'eval "set -- $1" && [ "$1 $2 $3 $4 $5 $6 $#" = "table-generator -x $0/table.xml -o $0 -n 7" ]' "$bx" "$cmd"
check "the printed command makes the tables" \
    sh -c 'PATH="$1:$PATH" && eval "$2" && ls "$3"/*.table.html' x "$T/tg" "$cmd" "$bx"
check "merging again writes the same files" \
    [ "$(bzcat "$base" "$fast" | cksum)" = "$sum0" ]

# an older run directory: no benchexec/, no run.json (jobs by name)
rm -rf "$bx" "$T/tg.log"
mv "$run/run.json" "$run/run.json.old"
"$DISTRIBUTE" merge --results "$T/results" --table-generator "$T/tg/table-generator" \
    >"$T/out3" 2>&1
rc=$?
check "merge of RESULTS/CURRENT with --table-generator exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "the same merged files again" \
    [ "$(bzcat "$base" "$fast" | cksum)" = "$sum0" ]
check "the given table-generator ran on table.xml" grep -q "CURRENT/benchexec/table.xml\"" "$T/tg.log"
check "merge says how many runs went where" \
    grep -q '^benchexec: 6 runs merged into 2 files' "$T/out3"
mv "$run/run.json.old" "$run/run.json"
"$DISTRIBUTE" merge --table-generator "$T/nothing" "$run" >"$T/out4" 2>&1
rc=$?
check "a --table-generator that is not there: exit 3, said (got $rc)" \
    sh -c '[ "$1" -eq 3 ] && grep -q "is not an executable file" "$2"' x "$rc" "$T/out4"
ls "$T/results" >"$T/ls-before"
dist --machines "$T/machines" --config "$T/suite.xml" \
    --table-generator "$T/nothing" "$T/tool.tar.gz" >"$T/out7" 2>&1
rc=$?
ls "$T/results" >"$T/ls-after"
check "run --table-generator that is not there: exit 2 before the run (got $rc)" \
    sh -c '[ "$1" -eq 2 ] && grep -q "is not an executable file" "$2" &&
        cmp -s "$3" "$4"' x "$rc" "$T/out7" "$T/ls-before" "$T/ls-after"
"$DISTRIBUTE" merge "$T" >"$T/out5" 2>&1
rc=$?
check "merge of a directory without BenchExec results: exit 2 (got $rc)" \
    sh -c '[ "$1" -eq 2 ] && grep -q "no BenchExec result file" "$2"' x "$rc" "$T/out5"

# machines that differ: a <systeminfo> each
f=$(find "$run/jobs" -name 'suite.nightly.*.results.base.Loops.xml.bz2')
[ -f "$f" ] || fatal "no result file of (base, Loops)"
bzcat "$f" | sed 's/<systeminfo hostname="[^"]*"/<systeminfo hostname="other-host"/' |
    bzip2 >"$T/si.bz2" && mv "$T/si.bz2" "$f"
"$DISTRIBUTE" merge "$run" >"$T/out6" 2>&1
check "a rundefinition run on 2 machines has 2 <systeminfo>, the other 1" \
    /usr/bin/python3 -c 'import bz2, sys
import xml.etree.ElementTree as ET
n = [len(ET.fromstring(bz2.open(f).read()).findall("systeminfo")) for f in sys.argv[1:]]
assert n == [2, 1], n' "$base" "$fast"
done_testing
