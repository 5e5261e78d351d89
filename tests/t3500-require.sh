#!/bin/sh
# t3500-require: machines matched to what jobs require (issue 17).  Three
# workers with different tags=: jobs with require-tags land only on the
# machines that have them (run.json names each job's machine), a declared
# fact the probe contradicts is warned about with its file:line, the
# probed facts are remembered for --dry-run; a requirement no machine
# meets (tags, BenchExec's <require cpuCores> against what one slot gets)
# is refused right after the probe, before any job starts (no job
# directory on any worker); a job only a locked or an unreachable machine
# may take makes the run say so and wait for it; a machine no job fits is
# left before anything is staged there; --dry-run judges from declared or
# remembered facts and says "unknown" otherwise.
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/lib.sh"

ensure_test_user
start_worker 1
start_worker 2
start_worker 3
w1=$(sed -n 1p "$T/machines")
w2=$(sed -n 2p "$T/machines")
w3=$(sed -n 3p "$T/machines")
n1=${w1%% *} n2=${w2%% *} n3=${w3%% *}
cores=$(getconf _NPROCESSORS_ONLN)

# jget FILE EXPR: a value of a JSON file (python3 expression on d).
jget()
{
	/usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2], {"d": d})
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2"
}

# no_job_dirs: no worker holds a job directory of any run
no_job_dirs()
{
	[ -z "$(find "$T"/w1/work "$T"/w2/work "$T"/w3/work -path '*/jobs/*' \
	    -print 2>/dev/null)" ]
}

# --- tags: jobs land only on the machines that have them -----------------
{
	echo "$w1 tags=quiet,arm64 cores=$((cores + 62))"
	echo "$w2 tags=quiet"
	echo "$w3"
} >"$T/m.tags"
{
	echo '<jobs>'
	echo '<job name="quiet" repeat="4" require-tags="quiet"><arg>sleep</arg><arg>0.2</arg></job>'
	echo '<job name="arm" repeat="3" require-tags="arm64,quiet"><arg>sleep</arg><arg>0.2</arg></job>'
	echo '<job name="any" repeat="3"><arg>true</arg></job>'
	echo '<job name="x86" require-arch="'"$(uname -m)"'"><arg>true</arg></job>'
	echo '</jobs>'
} >"$T/tags.xml"
dist --machines "$T/m.tags" --config "$T/tags.xml" >"$T/out.tags" 2>&1
rc=$?
check "the run with tags succeeds (rc $rc)" [ "$rc" -eq 0 ]
run=$T/results/CURRENT
check "every job ran" grep -q 'tags: 11/11 ok' "$T/out.tags"
check "quiet jobs ran only on quiet machines" [ "$(jget "$run/run.json" \
    "sorted({j['machine'] for j in d['jobs'] if j['id'].startswith('quiet')} - {'$n1', '$n2'})")" = "[]" ]
check "arm64 jobs ran only on the arm64 machine" [ "$(jget "$run/run.json" \
    "sorted({j['machine'] for j in d['jobs'] if j['id'].startswith('arm')})")" = "[\"$n1\"]" ]
check "the untagged machine took no tagged job" [ "$(jget "$run/run.json" \
    "[j['id'] for j in d['jobs'] if j['machine'] == '$n3' and not (j['id'].startswith('any') or j['id'] == 'x86')]")" = "[]" ]
check "declared cores the probe contradicts: warned with file:line" \
    grep -q "warning: $T/m.tags:1: $n1: declared cores=$((cores + 62)) (probed: $cores): the probe wins" "$T/out.tags"
check "the probed facts are remembered" [ "$(jget "$T/results/machine-facts.json" \
    "d['machines']['$n2']['cores']")" = "$cores" ]

# --- a requirement no machine meets: refused before any job starts --------
rm -rf "$T"/w1/work/runs "$T"/w2/work/runs "$T"/w3/work/runs
cat >"$T/gpu.xml" <<'XML'
<jobs require-tags="quiet">
  <job name="fine"><arg>true</arg></job>
  <job name="big" require-tags="gpu"><arg>true</arg></job>
</jobs>
XML
dist --machines "$T/m.tags" --config "$T/gpu.xml" >"$T/out.gpu" 2>&1
rc=$?
check "a run no machine can take is refused with exit 3 (rc $rc)" [ "$rc" -eq 3 ]
check "... saying which job needs what" grep -q \
    "job big needs tags gpu; no machine has them all: $n1 (quiet,arm64), $n2 (quiet), $n3 (none)" "$T/out.gpu"
check "... before any job started" no_job_dirs
check "... none was sent" [ "$(grep -c '^start ' "$T/results/CURRENT/journal")" -eq 0 ]

# --- only an unreachable machine qualifies: the run waits for it, says so -
# (a port nothing listens on: never reached, out after its tries)
{
	cat "$T/m.tags"
	echo "$TEST_USER@127.0.0.1:$(worker_port 9) tags=gpu"
} >"$T/m.down"
dist --machines "$T/m.down" --config "$T/gpu.xml" >"$T/out.down" 2>&1
rc=$?
check "a job only an unreachable machine may take: not refused (rc $rc)" [ "$rc" -eq 1 ]
check "... the run says it waits for that machine" grep -q \
    "job big can run only on locked or unreachable machines: $TEST_USER@127.0.0.1:$(worker_port 9) (down): waiting for them" "$T/out.down"
check "... the other job ran" grep -q "gpu: 1/2 ok" "$T/out.down"
check "the machine no job fits was left alone: nothing staged there" \
    [ ! -d "$T/w3/work/runs" ]
check "run.json: each machine's probed facts" [ "$(jget \
    "$T/results/CURRENT/run.json" "d['machines'][0]['facts']['cores']")" = "$cores" ]
rm -rf "$T"/w1/work/runs "$T"/w2/work/runs "$T"/w3/work/runs

# --- only a locked machine qualifies: the run waits for its lock ---------
echo "$w1" >"$T/m.w1"
cat >"$T/hold.xml" <<'XML'
<jobs><job name="hold"><arg>sleep</arg><arg>3</arg></job></jobs>
XML
cat >"$T/arm.xml" <<'XML'
<jobs><job name="arm" require-tags="arm64"><arg>true</arg></job></jobs>
XML
"$DISTRIBUTE" --known-hosts "$T/known_hosts" --ssh-config "$T/ssh_config" \
    -i "$T/id_master" --results "$T/other" --progress lines \
    --machines "$T/m.w1" --config "$T/hold.xml" >"$T/out.hold" 2>&1 &
hold=$!
i=0
while ! grep -q "started hold" "$T/out.hold" && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
dist --machines "$T/m.tags" --config "$T/arm.xml" >"$T/out.lock" 2>&1
rc=$?
wait "$hold"
check "a job only a locked machine may take waits for the lock (rc $rc)" [ "$rc" -eq 0 ]
check "... and says so" grep -q \
    "job arm can run only on locked or unreachable machines: $n1 (locked): waiting for them" "$T/out.lock"
check "... then runs there" [ "$(jget "$T/results/CURRENT/run.json" \
    "d['jobs'][0]['machine']")" = "$n1" ]
rm -rf "$T"/w1/work/runs "$T"/w2/work/runs "$T"/w3/work/runs

# --- BenchExec <require cpuCores> against one slot's cores ----------------
mkdir -p "$T/tool/bin"
printf '#!/bin/sh\nexit 0\n' >"$T/tool/bin/benchexec"
chmod 755 "$T/tool/bin/benchexec"
tar -czf "$T/tool.tar.gz" -C "$T/tool" bin
# suite CORES: a definition requiring CORES per run
suite()
{
	cat >"$T/suite.xml" <<XML
<?xml version="1.0"?>
<benchmark tool="dummy">
  <require cpuCores="$1"/>
  <rundefinition name="r"><tasks name="A"><include>a.c</include></tasks></rundefinition>
</benchmark>
XML
}
suite 2
echo "2/$w1 cpus=0-1" >"$T/m.slots"
echo "$w2" >>"$T/m.slots"
dist --machines "$T/m.slots" --config "$T/suite.xml" "$T/tool.tar.gz" \
    >"$T/out.be" 2>&1
rc=$?
if [ "$cores" -ge 2 ]; then
	check "cpuCores 2: the 2-slot machine with 2 CPUs has 1 per slot, the other $cores: the run goes on (rc $rc)" \
	    grep -q "started r.A" "$T/out.be"
	check "... on the machine whose slot has them" [ "$(jget \
	    "$T/results/CURRENT/run.json" "d['jobs'][0]['machine']")" = "$n2" ]
fi
rm -rf "$T"/w1/work/runs "$T"/w2/work/runs "$T"/w3/work/runs
suite $((cores + 6))
dist --machines "$T/m.slots" --config "$T/suite.xml" "$T/tool.tar.gz" \
    >"$T/out.be8" 2>&1
rc=$?
check "cpuCores $((cores + 6)): refused, exit 3 (rc $rc)" [ "$rc" -eq 3 ]
check "... with the slots' cores" grep -q \
    "job r.A needs cpuCores ≥ $((cores + 6)); no machine has more than $cores per slot: $n1 (1), $n2 ($cores)" "$T/out.be8"
check "... before any job started" no_job_dirs

# --- --dry-run: declared, remembered, unknown -----------------------------
# w1: 2 slots over cpus=0-3 (2 per slot); w3 declares 1 core, which the
# remembered probe contradicts (it wins); a machine never probed, with
# nothing declared: unknown
{
	echo "2/$w1 cpus=0-3"
	echo "$w2"
	echo "$w3 cores=1"
	echo "nobody@127.0.0.1:1"
} >"$T/m.dry"
suite 2
dist --dry-run --machines "$T/m.dry" --config "$T/suite.xml" \
    "$T/tool.tar.gz" >"$T/out.dry" 2>&1
rc=$?
check "dry-run: some machine may take it: exit 0 (rc $rc)" [ "$rc" -eq 0 ]
check "dry-run: 2 slots over 4 CPUs give 2 per slot: fits" \
    grep -q "^    $n1: fits (facts: remembered)" "$T/out.dry"
check "dry-run: declared 1 core, remembered $cores: the probe wins" \
    grep -q "^    $n3: fits (facts: remembered)" "$T/out.dry"
check "... with a warning naming file:line" grep -q \
    "^warning: $T/m.dry:3: $n3: declared cores=1 (probed: $cores), probed at .*: the probe wins" "$T/out.dry"
check "dry-run: never probed, nothing declared: unknown" \
    grep -q "^    nobody@127.0.0.1:1: unknown (cpuCores: unknown) (facts: none)" "$T/out.dry"
# only declared facts (a fresh results directory): w3's 1 core and the
# unknown machine
{
	echo "$w3 cores=1 memory=1G"
	echo "nobody@127.0.0.1:1 cores=1"
} >"$T/m.dry2"
"$DISTRIBUTE" --dry-run --results "$T/fresh" --machines "$T/m.dry2" \
    --config "$T/suite.xml" "$T/tool.tar.gz" >"$T/out.dry2" 2>&1
rc=$?
check "dry-run: declared facts no machine meets: refused, exit 3 (rc $rc)" [ "$rc" -eq 3 ]
check "... saying why" grep -q \
    "refused: job r.A needs cpuCores ≥ 2; no machine has more than 1 per slot: $n3 (1), nobody@127.0.0.1:1 (1)" "$T/out.dry2"
check "... from declared facts" grep -q "^    $n3: no (cpuCores: 1) (facts: declared)" "$T/out.dry2"
"$DISTRIBUTE" --dry-run --json --results "$T/fresh" --machines "$T/m.dry2" \
    --config "$T/suite.xml" "$T/tool.tar.gz" >"$T/out.dry2.json" 2>&1
check "dry-run --json: the requirement and each machine's verdict" [ "$(jget \
    "$T/out.dry2.json" "[m['fit'] for m in d['requirements'][0]['machines']]")" = '["no", "no"]' ]

# --- distribute machines: the facts, text and JSON ------------------------
"$DISTRIBUTE" machines --known-hosts "$T/known_hosts" --ssh-config "$T/ssh_config" \
    -i "$T/id_master" --machines "$T/m.tags" >"$T/out.m" 2>&1
check "machines: every machine up, exit 0" [ $? -eq 0 ]
check "machines: arch, cpu and tags shown" grep -q "^  arch $(uname -m), cpu .*, tags quiet,arm64" "$T/out.m"
check "machines: declared cores contradicted: warned with file:line" \
    grep -q "$T/m.tags:1: $n1: declared cores=" "$T/out.m"
"$DISTRIBUTE" machines --json --known-hosts "$T/known_hosts" --ssh-config "$T/ssh_config" \
    -i "$T/id_master" --machines "$T/m.tags" >"$T/out.mj" 2>/dev/null
check "machines --json: exit 0" [ $? -eq 0 ]
check "machines --json: facts" [ "$(jget "$T/out.mj" "d[1]['facts']['cores']")" = "$cores" ]
done_testing
