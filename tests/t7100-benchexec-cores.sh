#!/bin/sh
# t7100-benchexec-cores: cpus= reaches BenchExec, which ignores taskset and
# places its runs on the cores of its cgroup.  A 2-slot worker with
# cpus=0,1 runs two BenchExec jobs through the stand-in tests/bin/benchexec
# (it places runs as BenchExec does and writes each run's cpuCores from its
# real affinity): each job's runs are on its slot's own core, the agent
# passed --allowedCores (with --limitCores 1, not when the definition sets
# cpuCores), env.json records the check from BenchExec's results (applied,
# or mismatch when BenchExec ran elsewhere), numa= is recorded as not
# applied; metrics.json names the tasks relative to the definition's
# directory.
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/lib.sh"

/usr/bin/python3 -c 'import bz2' 2>/dev/null || skip_all "no /usr/bin/python3"
command -v bzcat >/dev/null || skip_all "no bzcat"
[ "$(getconf _NPROCESSORS_ONLN)" -ge 2 ] || skip_all "needs 2 CPUs"
ensure_test_user
start_worker 1
base=$(cat "$T/machines")
run="$T/results/CURRENT"

# tool ARCHIVE [ignore]: bin/benchexec records its command line in the
# job's directory, then runs the stand-in; with "ignore" it drops the
# core options and limits to 1 core (what BenchExec did with taskset).
tool()
{
	rm -rf "$T/tool"
	mkdir -p "$T/tool/bin"
	cp "$TOP/tests/bin/benchexec" "$T/tool/bin/benchexec-standin"
	{
		echo '#!/bin/sh'
		echo 'printf "%s\n" "$@" >cmdline.txt'
		if [ "$2" = ignore ]; then
			echo 'for a do shift; case $a in --allowedCores|--limitCores) skip=1; continue ;; esac'
			echo '[ -n "$skip" ] && { skip=; continue; }; set -- "$@" "$a"; done'
			echo 'set -- "$@" --limitCores 1'
		fi
		echo 'exec /usr/bin/python3 "$(dirname "$0")/benchexec-standin" "$@"'
	} >"$T/tool/bin/benchexec"
	chmod 755 "$T/tool/bin/"*
	tar -czf "$1" -C "$T/tool" bin
}
tool "$T/tool.tar.gz"
tool "$T/ignoring.tar.gz" ignore

cat >"$T/prepare.sh" <<'SH'
#!/bin/sh
set -e
t=$(dirname "$DIST_CONFIG")/../tasks/arrays
mkdir -p "$t"
for f in array-1 array-2 loop-1; do echo 'int main(void) { return 0; }' >"$t/$f.c"; done
SH
# suite CPUCORES: two tasks sets, one job each
suite()
{
	cat >"$T/suite.xml" <<XML
<?xml version="1.0"?>
<benchmark tool="verifier" timelimit="60 s" $1>
  <rundefinition name="r">
    <tasks name="A"><include>../tasks/arrays/array-*.c</include></tasks>
    <tasks name="B"><include>../tasks/arrays/loop-*.c</include></tasks>
  </rundefinition>
</benchmark>
XML
}

# jget FILE EXPR: a value of a JSON file (python3 expression on d).
jget()
{
	/usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2], {"d": d})
print(json.dumps(v) if not isinstance(v, str) else v)' "$1" "$2"
}

# cores JOB: the distinct cpuCores of the job's runs.
cores()
{
	find "$run/jobs/$1/output" -name '*.results.*.xml.bz2' -exec bzcat {} + |
	    tr '<' '\n' | sed -n 's/^column title="cpuCores" value="\([^"]*\)".*/\1/p' |
	    sort -u | tr '\n' ' '
}

# --- no cpuCores in the definition: --allowedCores C --limitCores 1 --------
suite ''
printf '2/%s cpus=0,1 numa=0 isolation=best-effort\n' "$base" >"$T/m"
dist --machines "$T/m" --config "$T/suite.xml" --prepare "$T/prepare.sh" \
    --benchexec-arg=--no-container "$T/tool.tar.gz" >"$T/out" 2>&1
rc=$?
check "BenchExec run on 2 slots exits 0 (got $rc)" [ "$rc" -eq 0 ]
a=$(cores r.A) b=$(cores r.B)
check "each job's runs on one core, its slot's own (got '$a' '$b')" \
    [ "$(printf '%s\n' "$a" "$b" | sort | tr -d '\n')" = "0 1 " ]
for j in r.A r.B; do
	c=$(cores "$j")
	c=${c% }
	check "$j: --allowedCores $c --limitCores 1 passed" sh -c \
	    'tr "\n" " " <"$1" | grep -q -- "--allowedCores $2 --limitCores 1 $"' \
	    x "$run/jobs/$j/cmdline.txt" "$c"
	check "$j: env.json says cpus applied: $c" [ "$(jget "$run/jobs/$j/env.json" \
	    '[d["isolation"]["applied"].get("cpus"), d["isolation"]["benchexec"]["check"], d["isolation"]["benchexec"]["limit_cores"]]')" = "[\"$c\", \"applied\", 1]" ]
	n=$(jget "$run/jobs/$j/env.json" '[x for x in d["isolation"]["not_applied"] if x.startswith("numa=0: BenchExec has no --numaNodes")] != []')
	check "$j: numa=0 recorded as not applied" [ "$n" = true ]
done
check "metrics.json names tasks relative to the definition's directory" \
    grep -q '"../tasks/arrays/array-1.c"' "$run/metrics.json"

# --- the definition sets cpuCores: no --limitCores --------------------------
suite 'cpuCores="1"'
printf '2/%s cpus=0,1\n' "$base" >"$T/m"
dist --machines "$T/m" --config "$T/suite.xml" --prepare "$T/prepare.sh" \
    "$T/tool.tar.gz" >"$T/out" 2>&1
rc=$?
check "cpuCores=1 run exits 0 (got $rc)" [ "$rc" -eq 0 ]
a=$(cores r.A) b=$(cores r.B)
check "cpuCores=1: each slot's own core (got '$a' '$b')" \
    [ "$(printf '%s\n' "$a" "$b" | sort | tr -d '\n')" = "0 1 " ]
check "cpuCores=1: --allowedCores without --limitCores" sh -c \
    'grep -qx -- --allowedCores "$1" && ! grep -q -- --limitCores "$1"' \
    x "$run/jobs/r.A/cmdline.txt"
check "cpuCores=1: env.json applied, no limit of ours" [ "$(jget "$run/jobs/r.B/env.json" \
    '[d["isolation"]["benchexec"]["check"], d["isolation"]["benchexec"]["limit_cores"], d["isolation"]["not_applied"]]')" = '["applied", null, []]' ]

# --- a BenchExec that ignores the cores: the mismatch is recorded ----------
suite ''
printf '2/%s cpus=0,1 isolation=best-effort\n' "$base" >"$T/m"
dist --machines "$T/m" --config "$T/suite.xml" --prepare "$T/prepare.sh" \
    "$T/ignoring.tar.gz" >"$T/out" 2>&1
for j in r.A r.B; do
	[ "$(cores "$j")" = "0 " ] || continue
	asked=$(jget "$run/jobs/$j/env.json" 'd["isolation"]["asked"]["cpus"]')
	[ "$asked" = 1 ] && bad=$j
done
check "one job asked CPU 1 and BenchExec ran it on 0" [ -n "${bad:-}" ]
check "env.json: mismatch, cpus not applied" [ "$(jget "$run/jobs/${bad:-r.A}/env.json" \
    '[d["isolation"]["benchexec"]["check"], "cpus" in d["isolation"]["applied"], d["isolation"]["not_applied"]]')" = '["mismatch", false, ["cpus=1: BenchExec ran on CPUs 0"]]' ]
check "the job's stderr says so" grep -q 'isolation cpus=1 not applied: BenchExec ran on CPUs 0' \
    "$run/jobs/${bad:-r.A}/stderr"
done_testing
