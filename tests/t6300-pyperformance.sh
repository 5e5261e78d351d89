#!/bin/sh
# t6300-pyperformance: a <pyperformance> campaign over 2 machines through
# the stand-in tests/bin/pyperformance (put on the worker's PYTHONPATH by
# an <env>): 4 revisions, one "result already exists" (exit 10, ok), one
# "compile error" (exit 11, failed); the compile.ini generated on the
# worker (worker paths substituted, template + XML sections merged) and the
# pyperf results (*.json.gz, pyperformance's names) come back in each job
# directory; run.json, request.json, metrics.json and "distribute compare".
# shellcheck disable=SC1091 # tests/lib.sh
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "no $PY"
ensure_test_user
start_worker 1
start_worker 2
# pyperformance measures: one job at a time per machine
sed -i 's|^|1/|' "$T/machines"

mkdir -p "$T/py" "$T/conf"
cp -R "$TOP/tests/bin/pyperformance" "$T/py/"
chmod -R a+rX "$T/py"

cat >"$T/conf/bench.ini" <<'INI'
# pyperformance's benchmark.conf, as a team keeps it
[config]
debug = False

[scm]
update = False
git_remote = remotes/origin

[compile]
lto = True
pgo = True
jobs = 2

[run_benchmark]
system_tune = True
upload = False
INI
cat >"$T/conf/campaign.xml" <<XML
<?xml version="1.0"?>
<pyperformance python="$PY" template="bench.ini">
  <env name="PYTHONPATH">$T/py</env>
  <section name="compile"><option name="pgo">no</option></section>
  <section name="run_benchmark">
    <option name="system_tune">no</option>
  </section>
  <benchmarks>nbody, float, richards</benchmarks>
  <revision commit="a1b2c3d4e5f60718"/>
  <revision name="main-tip" branch="main" remote="upstream"/>
  <revision commit="exists-0001"/>
  <revision commit="badcompile-0002" branch="3.12"/>
</pyperformance>
XML

dist --machines "$T/machines" --config "$T/conf/campaign.xml" -n pyperf \
    >"$T/out" 2>&1
rc=$?
check "a run with a compile error exits 1 (got $rc)" [ "$rc" -eq 1 ]
run="$T/results/CURRENT"
[ -f "$run/run.json" ] || { sed 's/^/# /' "$T/out"; fatal "no run.json"; }

# job_field ID KEY: a job's KEY in run.json
job_field()
{
	"$PY" -c 'import json, sys
for j in json.load(open(sys.argv[1]))["jobs"]:
    if j["id"] == sys.argv[2]:
        print(j.get(sys.argv[3]))' "$run/run.json" "$1" "$2"
}

check "the commit job is ok" [ "$(job_field a1b2c3d4e5f60718 status)" = ok ]
check "the branch job is ok" [ "$(job_field main-tip status)" = ok ]
check "exit 10 (result already exists) counts as ok" \
    [ "$(job_field exists-0001 status):$(job_field exists-0001 exit_code)" = ok:10 ]
check "exit 11 fails the job" \
    [ "$(job_field badcompile-0002 status):$(job_field badcompile-0002 exit_code)" = failed:11 ]
check "... with 'compile error' as its error" \
    sh -c 'case $1 in *"compile error"*) exit 0 ;; esac; echo "error: $1"; exit 1' \
    x "$(job_field badcompile-0002 error)"

# results: pyperformance's names, in json_dir = the job's directory
d=$run/jobs/a1b2c3d4e5f60718
check "commit job: its result came back as <date>-master-<sha12>.json.gz" \
    sh -c 'ls "$1"/json/ | grep -Eqx "[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{2}-[0-9]{2}-master-a1b2c3d4e5f6\.json\.gz"' x "$d"
check "branch job: its result is named after the branch" \
    sh -c 'ls "$1"/json/ | grep -Eq "^[0-9_-]{16}-main-[0-9a-f]{12}\.json\.gz$"' x "$run/jobs/main-tip"
check "no result for the existing and the failed revision" \
    [ "$(find "$run/jobs/exists-0001" "$run/jobs/badcompile-0002" -name '*.json.gz' | wc -l)" -eq 0 ]
check "the result is a pyperf suite with the chosen benchmarks" \
    "$PY" -c 'import glob, gzip, json, sys
s = json.load(gzip.open(glob.glob(sys.argv[1] + "/json/*.json.gz")[0], "rt"))
names = [b["metadata"]["name"] for b in s["benchmarks"]]
assert s["version"] == "1.0" and names == ["nbody", "float", "richards"], names
assert s["metadata"]["cpu_model_name"] and s["benchmarks"][0]["runs"][1]["values"]' "$d"

# compile.ini: generated on the worker, kept with the job
ini=$d/compile.ini
check "compile.ini came back with the job" [ -s "$ini" ]
jd=$(sed -n 's/^json_dir = //p' "$ini")
check "json_dir is the job's directory on the worker ($jd)" \
    sh -c 'case $1 in "$2"/w[12]/work/runs/*/jobs/a1b2c3d4e5f60718.*/json) exit 0 ;; esac; exit 1' \
    x "$jd" "$T"
w=$(printf '%s\n' "$jd" | sed 's|^\(.*/w[12]/work\)/runs/.*|\1|')
check "repo_dir and bench_dir under the worker's workdir" \
    grep -qx "repo_dir = $w/cpython" "$ini"
check "... bench_dir" grep -qx "bench_dir = $w/pyperf-bench" "$ini"
check "template kept (lto = True, jobs = 2, update = False)" \
    sh -c 'grep -qx "lto = True" "$1" && grep -qx "jobs = 2" "$1" && grep -qx "update = False" "$1"' x "$ini"
check "XML sections override the template (pgo, system_tune)" \
    sh -c 'grep -qx "pgo = no" "$1" && grep -qx "system_tune = no" "$1" && ! grep -q "pgo = True" "$1"' x "$ini"
check "<benchmarks> became [run_benchmark] benchmarks" \
    grep -qx "benchmarks = nbody,float,richards" "$ini"
check "pyperformance read that config (json_dir as the job saw it)" \
    grep -qx "config: config.json_dir = $jd" "$d/stdout"
check "remote= gave the branch job git_remote = remotes/upstream" \
    grep -qx "git_remote = remotes/upstream" "$run/jobs/main-tip/compile.ini"
check "the failed job's compile.ini came back too" \
    [ -s "$run/jobs/badcompile-0002/compile.ini" ]
check "argv: interpreter, revision and branch as data" \
    sh -c 'cd "$1" && [ "$(cat argc)" = 7 ] && [ "$(cat argv/4)" = "$2" ] &&
	[ "$(cat argv/5)" = badcompile-0002 ] && [ "$(cat argv/6)" = 3.12 ]' \
    x "$run/jobs/badcompile-0002" "$PY"
if command -v shellcheck >/dev/null 2>&1; then
	check "the job's sh program passes shellcheck" \
	    shellcheck -s sh "$run/jobs/badcompile-0002/argv/2"
fi
check "pyperformance's compile log is in bench_dir on the worker" \
    sh -c 'ls "$1"/w[12]/work/pyperf-bench/compile-a1b2c3d4e5f60718-*.log' x "$T"
check "request.json carries revision and branch" \
    grep -q '"branch": *"3.12"' "$run/jobs/badcompile-0002/request.json"

# metrics and compare
check "metrics.json has nbody rows" grep -q '"nbody"' "$run/metrics.json"
"$DISTRIBUTE" compare "$d" "$run/jobs/main-tip" >"$T/cmp" 2>"$T/cmp.err"
rc=$?
check "compare of the two job directories exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "compare shows the three benchmarks" \
    sh -c 'grep -q "| nbody |" "$1" && grep -q "| float |" "$1" && grep -q "| richards |" "$1"' x "$T/cmp"

# a compile config pyperformance cannot use fails the job with its message
sed -i 's|<option name="pgo">no</option>|<option name="pgo">maybe</option>|' \
    "$T/conf/campaign.xml"
sed -i '/exists-0001\|badcompile\|main-tip/d' "$T/conf/campaign.xml"
dist --machines "$T/machines" --config "$T/conf/campaign.xml" -n broken \
    >"$T/out2" 2>&1
rc=$?
check "a broken compile config fails the run (got $rc)" [ "$rc" -ne 0 ]
run="$T/results/CURRENT"
check "... the job failed with exit 1" \
    [ "$(job_field a1b2c3d4e5f60718 status):$(job_field a1b2c3d4e5f60718 exit_code)" = failed:1 ]
check "... and pyperformance says why" \
    grep -q "ERROR: .*/compile.ini: \[compile\] pgo: Not a boolean: maybe" \
    "$run/jobs/a1b2c3d4e5f60718/stderr"
done_testing
