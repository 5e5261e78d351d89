#!/bin/sh
# t3400-reasons: a failed job says why, the same words in its summary row,
# results.json and run.json: a missing command ("command not found:
# NAME"), --job-timeout ("killed by timeout"), an exit code the config
# declares failing ("exit 11: compile error"), any other exit ("exit 3;
# stderr: LAST LINE").  Ctrl-C says on screen that the run drains and how
# to finish; the last line names "distribute resume".  The worker keeps no
# bookkeeping files for the jobs it has handed back.
# shellcheck disable=SC1091 # tests/lib.sh
# shellcheck disable=SC2016 # python and sh -c programs
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "no $PY"
ensure_test_user
start_worker 1
sed -i 's|^|2/|' "$T/machines"

# reason_of RUN JOB: results.json's reason, then run.json's, of JOB.
reason_of()
{
	"$PY" -c 'import json, sys
d, j = sys.argv[1], sys.argv[2]
r = json.load(open(d + "/jobs/" + j + "/results.json"))["reason"]
run = [x for x in json.load(open(d + "/run.json"))["jobs"] if x["id"] == j][0]
print(r)
print(run["reason"])' "$1" "$2"
}

# same_reason RUN JOB TEXT OUT: results.json, run.json and the summary
# row in OUT all say TEXT for JOB.
same_reason()
{
	reason_of "$1" "$2" >"$T/reason" || return 1
	printf '%s\n%s\n' "$3" "$3" | cmp -s - "$T/reason" || {
		cat "$T/reason"
		return 1
	}
	grep -q "^$2 .* FAILED: $3\$" "$4" || {
		grep "^$2 " "$4"
		return 1
	}
}

# --- why jobs failed -------------------------------------------------------
cat >"$T/jobs.xml" <<'XML'
<jobs>
  <job name="typo"><arg>run-sortbnech</arg><arg>--fast</arg></job>
  <job name="slow"><arg>sh</arg><arg>-c</arg><arg>sleep 30</arg></job>
  <job name="three"><arg>sh</arg><arg>-c</arg><arg>echo working; echo 'input.txt: bad magic' >&amp;2; exit 3</arg></job>
  <job name="fine"><arg>sh</arg><arg>-c</arg><arg>echo fine</arg></job>
</jobs>
XML
dist --machines "$T/machines" --config "$T/jobs.xml" --job-timeout 2s \
    >"$T/out" 2>&1
check "3 of 4 failed: exit 1 (got $?)" [ $? -eq 1 ]
run=$T/results/CURRENT
check "a missing command is named" \
    same_reason "$run" typo "command not found: run-sortbnech" "$T/out"
check "a job killed at --job-timeout says so" \
    same_reason "$run" slow "killed by timeout after 2s" "$T/out"
check "another exit: its code and stderr's last line" \
    same_reason "$run" three "exit 3; stderr: input.txt: bad magic" "$T/out"
check "a job that succeeded has no reason" sh -c '
	grep -q "\"reason\": null" "$1/jobs/fine/results.json" &&
	grep -q "^fine .* ok\$" "$2"' x "$run" "$T/out"
check "the event line says why too" \
    grep -q 'failed typo (exit 127: command not found: run-sortbnech)' "$T/out"

# an exit code the config declares failing (pyperformance's 11)
cat >"$T/fakepy" <<'SH'
#!/bin/sh
echo "compiling $4" >&2
exit 11
SH
chmod 755 "$T/fakepy"
cat >"$T/pyperf.xml" <<XML
<pyperformance python="$T/fakepy">
  <revision commit="badcompile-0002"/>
</pyperformance>
XML
dist --machines "$T/machines" --config "$T/pyperf.xml" >"$T/out2" 2>&1
check "the declared failure: exit 1 (got $?)" [ $? -eq 1 ]
check "an exit code declared failing: its meaning from the config" \
    same_reason "$T/results/CURRENT" badcompile-0002 \
    "exit 11: compile error" "$T/out2"

# --- Ctrl-C: draining, and how to carry on --------------------------------
# The jobs wait (at most ~60 s) for a gate the test opens after Ctrl-C: the
# first two are still running when it lands however slowly a loaded machine
# runs this shell (with fixed sleeps they could have ended, and others
# started, before it, or before the take-back of those sent ahead).
{
	echo '<jobs>'
	for i in 1 2 3 4 5; do
		echo "<job name=\"d$i\"><arg>sh</arg><arg>-c</arg><arg>i=0; while [ ! -e \"\$1\" ]; do i=\$((i + 1)); if [ \$i -gt 600 ]; then break; fi; sleep 0.1; done</arg><arg>x</arg><arg>$T/go3</arg></job>"
	done
	echo '</jobs>'
} >"$T/drain.xml"
# (not the dist function: $! must be distribute's own pid)
"$DISTRIBUTE" --known-hosts "$T/known_hosts" --ssh-config "$T/ssh_config" \
    -i "$T/id_master" --results "$T/results" --progress lines \
    --machines "$T/machines" --config "$T/drain.xml" >"$T/out3" 2>&1 &
pid=$!
i=0
while [ "$(grep -c ': started' "$T/out3")" -lt 2 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -s INT "$pid"
# the gate opens once the jobs sent ahead behind the running two are taken
# back (journal: a "start" without a "back" is one still out there); a
# job that starts before its take-back reaches the agent runs ("late")
outstanding()
{
	echo $(( $(grep -c '^start ' "$T/results/CURRENT/journal") - \
	    $(grep -c '^back ' "$T/results/CURRENT/journal") ))
}
i=0
while { ! grep -q 'draining:' "$T/out3" || [ "$(outstanding)" -gt 2 ]; } &&
    [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
touch "$T/go3"
wait "$pid"
rc=$?
check "Ctrl-C: exit 130 (got $rc)" [ "$rc" -eq 130 ]
check "Ctrl-C: it says it drains and how to finish" grep -q \
    'draining: 2 jobs running, no new ones; Ctrl-C again to kill them; `distribute resume` carries on later' \
    "$T/out3"
check "Ctrl-C: the last line names the resume command" sh -c '
	tail -1 "$1" | grep -qx "interrupted: 3 jobs not done; carry on with: distribute resume --results $2"
' x "$T/out3" "$T/results"

# --- the worker keeps no bookkeeping for collected jobs --------------------
{
	echo '<jobs>'
	i=1
	while [ $i -le 40 ]; do
		echo "<job name=\"b$i\"><arg>true</arg></job>"
		i=$((i + 1))
	done
	echo '</jobs>'
} >"$T/many.xml"
dist --machines "$T/machines" --config "$T/many.xml" >"$T/out4" 2>&1
check "40 jobs: exit 0 (got $?)" [ $? -eq 0 ]
run=$T/results/CURRENT
jobs_dir=$T/w1/work/runs/$(basename "$(readlink "$run")")/jobs
back=$(grep -c '^back ' "$run/journal")
find "$jobs_dir" -mindepth 1 -maxdepth 1 ! -name '.go-*' >"$T/left"
n=$(wc -l <"$T/left")
note "left on the worker after 40 jobs ($back taken back):" \
    "$(sed 's|.*/||' "$T/left" | head -10 | tr '\n' ' ')"
# the last job of each of the 2 slots leaves its end mark (for the slot's
# next job); a job taken back before it started leaves its directory,
# claim and end mark (never collected)
check "40 collected jobs leave a mark per slot only (got $n entries)" \
    [ "$n" -le $((2 + 3 * back)) ]
check "... and nothing of the jobs handed back" \
    [ "$(grep -c '\.tar$\|\.packed$\|\.whole$' "$T/left")" -eq 0 ]
done_testing
