#!/bin/sh
# t3110-hostile-lines: what a worker or a job writes cannot reach the
# terminal raw, forge a line, crash the master or lose a result:
#  - a lock file (any user can write the default one) with terminal escapes
#    and an escaped newline followed by a forged event line;
#  - a job writing protocol lines to every fd it inherited and to every fd
#    of its parent (the supervisor), where the agent's channel used to be;
#  - a job appending "start=1e17" and an escape sequence to its status file;
#  - a job leaving a symlink, a FIFO and a hard link in its results;
#  - a retried job whose first attempt left 2,040 nested directories.
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/lib.sh"

ensure_test_user
start_worker 1
start_worker 2
ESC=$(printf '\033')
CR=$(printf '\r')

# w1 is held by someone else, whose lock fields are hostile (the agent
# escapes a backslash as "\\" and a newline as "\n": the master unescapes)
lock=$T/w1/lock/distribute.lock
printf '%s\n' "user=evil${ESC}]0;pwned${ESC}\\\\${CR}\\n2026-12-03T00:00:00Z FORGED-LOCK w9: finished x (exit 0)" \
    "master=m${ESC}[2J" "run=r${ESC}[31mred" "pid=1" "host=elsewhere" \
    "boot_id=x" "started=1" "started_utc=t${ESC}[1A" >"$lock"
chown "$TEST_USER" "$lock"

mark=$T/marks
mkdir -p "$mark" && chown "$TEST_USER" "$mark"
cat >"$T/lines.xml" <<XML
<jobs>
  <job name="forge"><arg>sh</arg><arg>-c</arg><arg>
for n in 0 1 2 3 4 5 6 7 8 9; do
	eval "printf 'done 0 x 0 y\\nstarted 0 x 1\\n' >&amp;\$n" 2>/dev/null
done
# the parent's fds (a shell keeps copies above 9), again and again for a
# second or two (its "started" report comes while this runs)
end=\$((\$(date +%s) + 2))
while [ "\$(date +%s)" -lt "\$end" ]; do
	for n in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
		printf 'done 0 x 0 y\\n' 2>/dev/null >>"/proc/\$PPID/fd/\$n"
	done
done
echo forged-all</arg></job>
  <job name="status"><arg>sh</arg><arg>-c</arg><arg>while ! grep -q '^state=running' status; do sleep 0.1; done; printf 'start=1e17\\nend=\\033]0;pwned\\007\\n' &gt;&gt;status; echo ok</arg></job>
  <job name="links"><arg>sh</arg><arg>-c</arg><arg>echo kept; ln -s /etc/passwd pw; mkfifo fifo; echo a &gt;a; ln a b</arg></job>
  <job name="deep"><arg>sh</arg><arg>-c</arg><arg>if [ -e "\$1/deep" ]; then echo second; exit 0; fi
: &gt;"\$1/deep"
p=d; i=1
while [ \$i -lt 2040 ]; do p=\$p/d; i=\$((i + 1)); done
mkdir -p "\$p" || exit 2
exit 1</arg><arg>deep</arg><arg>$mark</arg></job>
</jobs>
XML
# (bounded: a forged line used to cost the connection, again and again)
timeout 120 "$DISTRIBUTE" --known-hosts "$T/known_hosts" \
    --ssh-config "$T/ssh_config" -i "$T/id_master" --results "$T/results" \
    --progress lines --machines "$T/machines" --config "$T/lines.xml" \
    --retries 1 >"$T/out" 2>&1
rc=$?
run=$T/results/CURRENT
ev=$run/events.log
check "the run exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "4/4 ok" grep -q ': 4/4 ok, 0 failed' "$T/out"
check "the run saw the hostile lock" grep -q 'locked by evil' "$ev"
for f in "$ev" "$T/out"; do
	n=$(basename "$f")
	check "$n: no raw escape character" sh -c "! grep -q '$ESC' '$f'"
	check "$n: no raw carriage return" sh -c "! grep -q '$CR' '$f'"
	check "$n: no forged line" sh -c "! grep -q '^20[0-9-]*T[0-9:]*Z FORGED' '$f'"
	check "$n: the lock fields shown escaped" grep -q 'evil\\x1b]0;pwned' "$f"
done
check "the forging job ran" grep -q forged-all "$run/jobs/forge/stdout"
check "no forged line reached the master" \
    sh -c "! grep -E 'bad (done|started) line|connection lost|protocol' '$ev'"
check "each job started once (no requeue)" \
    [ "$(grep -c '^start ' "$run/journal")" -eq 5 ]

check "a bad start in the status file is reported" \
    grep -q "status: bad value in the status file ignored: 'start=1e17'" "$ev"
check "an escape sequence in the status file is reported escaped" \
    grep -q "'end=\\\\x1b]0;pwned\\\\x07'" "$ev"
check "results.json keeps the worker's real start" /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if r["start"].startswith("20") and r["status"] == "success"
         else 1)' "$run/jobs/status/results.json"

check "links: kept, with its stdout" grep -q kept "$run/jobs/links/stdout"
check "links: the hard link kept" [ "$(cat "$run/jobs/links/b" 2>/dev/null)" = a ]
check "links: the symlink not made" [ ! -e "$run/jobs/links/pw" ]
check "links: the symlink and the FIFO listed" sh -c "
    grep -qx './pw: symlink -> /etc/passwd' '$run/jobs/links/skipped-entries.txt' &&
    grep -qx './fifo: FIFO' '$run/jobs/links/skipped-entries.txt'"
check "links: 'ok, 2 entries skipped' in results.json" /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if r["note"] == "ok, 2 entries skipped" and
         r["skipped_entries"] == 2 and r["status"] == "success" else 1)' \
    "$run/jobs/links/results.json"
check "links: the event says so" \
    grep -q 'links: ok, 2 entries skipped (listed in skipped-entries.txt)' "$ev"

check "deep: the retry's result replaced the deep first one" \
    grep -q second "$run/jobs/deep/stdout"
check "deep: no 'File name too long'" sh -c "! grep -q 'too long' '$ev'"

# the look before a run shows the same lock, escaped
"$DISTRIBUTE" machines --machines "$T/machines" --known-hosts \
    "$T/known_hosts" --ssh-config "$T/ssh_config" -i "$T/id_master" \
    >"$T/machines.out" 2>&1
check "machines: no raw escape character" sh -c "! grep -q '$ESC' '$T/machines.out'"
check "machines: the lock holder shown escaped" \
    grep -q 'locked by evil\\x1b' "$T/machines.out"
sed 's/^/# /' "$T/machines.out" | cat -v | head -5
rm -rf "$T"/w*/work/runs/*/jobs/deep.*	# (too deep to keep a copy of)
done_testing
