#!/bin/sh
# t0120-settings: issue 16's command line.  The settings file drives every
# command (compare, machines, clean, run; keys of other commands skipped),
# the command line overrides it (a list replaced, not appended), a bad key
# or value is an error naming FILE:LINE; --db is a secret (never in
# run.json, events.log or the saved argv; a password in it refused);
# --revision/--project/--revision-date and <job revision=> reach run.json
# with config_sha256 and the exit status; a bad date is refused before
# anything is sent.  One worker.
# shellcheck disable=SC2016 # sh -c and Python programs take arguments
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "no $PY"
# the default settings file of this test: none unless written
XDG_CONFIG_HOME=$T/xdg
export XDG_CONFIG_HOME
cd "$T" || fatal "cd $T"

# jget FILE EXPR: a Python expression over d = the JSON file, printed.
jget()
{
	"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null
}

# --- compare: json and min-change from the settings file -------------------
for r in A B; do
	mkdir -p "$T/$r/jobs/cb"
	printf '{"run_id": "%s", "jobs": [{"id": "cb", "machine": "m"}]}\n' \
	    "$r" >"$T/$r/run.json"
	cp "$TOP/tests/data/metrics/currentbench-v3.json" "$T/$r/jobs/cb/results.json"
done
printf '%s\n' '# for compare' 'json = yes' 'min-change = 5' \
    'machines = /nonexistent/skipped-for-compare' 'older-than = 1h' \
    >"$T/s-compare"
"$DISTRIBUTE" compare --settings "$T/s-compare" A B >"$T/cmp.json" 2>"$T/err"
rc=$?
check "compare with a settings file exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "compare: json = yes gives JSON, min-change = 5 is used" \
    [ "$(jget "$T/cmp.json" 'd["min_change_percent"]')" = 5.0 ]
check "compare: keys of other commands are skipped silently" [ ! -s "$T/err" ]
"$DISTRIBUTE" compare --settings "$T/s-compare" --min-change 2 A B \
    >"$T/cmp2.json" 2>&1
check "compare: --min-change on the command line wins" \
    [ "$(jget "$T/cmp2.json" 'd["min_change_percent"]')" = 2.0 ]
mkdir -p "$XDG_CONFIG_HOME/distribute"
printf 'json = true\n' >"$XDG_CONFIG_HOME/distribute/settings"
"$DISTRIBUTE" compare A B >"$T/cmp3.json" 2>&1
check "compare reads the default settings file" \
    [ "$(jget "$T/cmp3.json" 'd["min_change_percent"]')" = 1.0 ]
rm "$XDG_CONFIG_HOME/distribute/settings"

printf 'json = yes\n\nmin-chnage = 5\n' >"$T/s-typo"
"$DISTRIBUTE" compare --settings "$T/s-typo" A B >"$T/err" 2>&1
rc=$?
check "an unknown key exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "an unknown key is named with FILE:LINE" \
    grep -q "s-typo:3: unknown key 'min-chnage'" "$T/err"
printf 'json = maybe\n' >"$T/s-bool"
"$DISTRIBUTE" compare --settings "$T/s-bool" A B >"$T/err" 2>&1
check "an option without argument takes yes/no" \
    grep -q "s-bool:1: json: 'maybe' is not yes, no" "$T/err"
printf 'json = no\nmin-change = lots\n' >"$T/s-val"
"$DISTRIBUTE" compare --settings "$T/s-val" A B >"$T/err" 2>&1
check "a bad value is said as FILE:LINE: key: why" \
    grep -q "s-val:2: min-change: 'lots' is not a percentage" "$T/err"
printf 'json = no\nsmtp-tls = maybe\n' >"$T/s-tls"
"$DISTRIBUTE" --settings "$T/s-tls" --machines "$T/none" --config "$T/none" \
    >"$T/err" 2>&1
check "a mail key's error as before, said once" \
    grep -q "s-tls:2: smtp-tls: invalid value 'maybe' (expected" "$T/err"
printf 'smtp-password = hunter2\n' >"$T/s-smtppw"
"$DISTRIBUTE" compare --settings "$T/s-smtppw" A B >"$T/err" 2>&1
check "smtp-password = is refused, pointing to smtp-password-file" \
    sh -c 'grep -q "s-smtppw:1: smtp-password: a password is never given as a value; use smtp-password-file" "$1" && ! grep -q hunter2 "$1"' x "$T/err"
printf 'settings = /elsewhere\n' >"$T/s-self"
"$DISTRIBUTE" compare --settings "$T/s-self" A B >"$T/err" 2>&1
check "settings is not a setting" grep -q "s-self:1: settings: not a setting" "$T/err"
printf 'db = postgresql://u:secret@h/d\n' >"$T/s-pw"
"$DISTRIBUTE" compare --settings "$T/s-pw" A B >"$T/err" 2>&1
rc=$?
check "a password in db = is refused (rc $rc)" \
    sh -c '[ "$1" -eq 2 ] && grep -q "s-pw:1: db: .*~/.pgpass" "$2"' x "$rc" "$T/err"
check "... without showing it" sh -c '! grep -q secret "$1"' x "$T/err"
"$DISTRIBUTE" compare --db 'postgresql://u:secret@h/d' A B >"$T/err" 2>&1
check "the same on the command line" \
    sh -c '! grep -q secret "$1" && grep -q "error: --db: .*~/.pgpass" "$1"' x "$T/err"

# --- machines and clean, driven by the settings file -----------------------
ensure_test_user
start_worker 1
cat >"$T/s-ssh" <<EOF
machines = $T/machines
known-hosts = $T/known_hosts
ssh-config = $T/ssh_config
identity = $T/id_master
connect-timeout = 10s
json = yes
EOF
"$DISTRIBUTE" machines --settings "$T/s-ssh" >"$T/mach.json" 2>"$T/err"
rc=$?
check "machines from the settings file exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "machines: json = yes, the one machine reachable" \
    [ "$(jget "$T/mach.json" 'len(d) == 1 and d[0]["reachable"]')" = True ]
"$DISTRIBUTE" machines --settings "$T/s-ssh" -i "$T/no-such-key" \
    >"$T/mach2.json" 2>&1
check "machines: -i on the command line replaces the file's identities" \
    [ "$(jget "$T/mach2.json" 'd[0]["reachable"]')" = False ]

{ cat "$T/s-ssh"; echo 'older-than = 3 weeks'; } >"$T/s-clean"
"$DISTRIBUTE" clean --settings "$T/s-clean" >"$T/err" 2>&1
rc=$?
check "clean reads older-than from the file (rc $rc)" \
    sh -c '[ "$1" -eq 2 ] && grep -q "s-clean:7: older-than:" "$2"' x "$rc" "$T/err"
"$DISTRIBUTE" clean --settings "$T/s-clean" --older-than 1h >"$T/out" 2>&1
rc=$?
check "clean: --older-than on the command line overrides it (got $rc)" [ "$rc" -eq 0 ]

# --- a run: revisions, config_sha256, exit; --db never written -------------
cat >"$T/jobs.xml" <<'EOF'
<jobs>
  <job name="ok" revision="8f3a1c2d"><arg>true</arg></job>
  <job name="bad"><arg>sh</arg><arg>-c</arg><arg>exit 3</arg></job>
</jobs>
EOF
cat >"$T/s-run" <<EOF
machines = $T/machines
known-hosts = $T/known_hosts
ssh-config = $T/ssh_config
identity = $T/id_master
results = $T/results
progress = lines
name = from-the-file
db = sqlite:$T/store-secret-file.db
min-change = 5
EOF
printf '<jobs><job name="x" revision="a&#10;b"><arg>true</arg></job></jobs>\n' \
    >"$T/badrev.xml"
"$DISTRIBUTE" --settings "$T/s-run" --config "$T/badrev.xml" >"$T/err" 2>&1
rc=$?
check "a <job revision> with a newline is refused (rc $rc)" \
    sh -c '[ "$1" -eq 2 ] && grep -q "badrev.xml:1: revision=: byte 2 is not printable" "$2"' \
    x "$rc" "$T/err"
before=$(sshd_accepted_count 1)
"$DISTRIBUTE" --settings "$T/s-run" --config "$T/jobs.xml" --revision v1 \
    --revision-date 2026-02-30 >"$T/err" 2>&1
rc=$?
check "a bad --revision-date exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "... said with the syntax" \
    grep -q "revision-date: '2026-02-30' is not a date (YYYY-MM-DD" "$T/err"
check "... before anything was sent: no login, no results directory" \
    sh -c '[ ! -e "$1/results" ] && [ "$2" = "$3" ]' x "$T" "$before" \
    "$(sshd_accepted_count 1)"

"$DISTRIBUTE" --settings "$T/s-run" --config "$T/jobs.xml" --revision v1.2.3 \
    --project demo --revision-date 2026-11-01T12:30Z --dry-run >"$T/plan" 2>&1
check "--dry-run shows the revision, project and date" \
    grep -q '^revision: v1.2.3  project: demo  date: 2026-11-01T12:30:00Z$' "$T/plan"
check "--dry-run shows a job's revision" grep -q '^    revision: 8f3a1c2d$' "$T/plan"
"$DISTRIBUTE" --settings "$T/s-run" --config "$TOP/configs/pyperformance.xml" \
    --dry-run --json >"$T/plan.json" 2>&1
check "pyperformance jobs carry their revision (plan JSON)" \
    [ "$(jget "$T/plan.json" 'all(j.get("revision") for j in d["jobs"]) and d["revision"] is None')" = True ]

"$DISTRIBUTE" --settings "$T/s-run" --config "$T/jobs.xml" -n from-cli \
    --revision v1.2.3 --project demo --revision-date 2026-11-01T12:30Z \
    --db="sqlite:$T/store-secret-cli.db" >"$T/out" 2>&1
rc=$?
check "the run exits 1: one job failed (got $rc)" [ "$rc" -eq 1 ]
run=$T/results/CURRENT
check "run.json: -n on the command line wins over name =" \
    [ "$(jget "$run/run.json" 'd["name"]')" = from-cli ]
check "run.json: the revision object" \
    [ "$(jget "$run/run.json" 'd["revision"] == {"project": "demo", "commit": "v1.2.3", "branch": None, "date": "2026-11-01T12:30:00Z", "label": None}')" = True ]
check "run.json: config_sha256 is the config's" \
    [ "$(jget "$run/run.json" 'd["config_sha256"]')" = "$(sha256sum "$T/jobs.xml" | cut -d' ' -f1)" ]
check "run.json: exit is the master's exit status" \
    [ "$(jget "$run/run.json" 'd["exit"]')" = 1 ]
check "run.json: rerun_of null" [ "$(jget "$run/run.json" 'd["rerun_of"]')" = None ]
check "run.json: <job revision> on its job, none on the other" \
    [ "$(jget "$run/run.json" '[j.get("revision") for j in d["jobs"]]')" = "['8f3a1c2d', None]" ]
check "run.json: the --db value redacted in the command line" \
    grep -q -- "--db=(redacted)" "$run/run.json"
for f in run.json events.log input/argv; do
	check "$f: no store URL (neither the file's nor the command line's)" \
	    sh -c '[ -f "$1" ] && ! grep -q "secret" "$1"' x "$run/$f"
done

# --- resume: the run's settings file read again, its options kept -----------
printf '%s\n' '<jobs><job name="slow" revision="r2"><arg>sleep</arg><arg>3</arg></job></jobs>' \
    >"$T/slow.xml"
"$DISTRIBUTE" --settings "$T/s-run" --config "$T/slow.xml" --revision v2 \
    -n slow >"$T/out-slow" 2>&1 &
pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q '"status": "running"' \
    "$T/results/CURRENT/run.json" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
# known-hosts, identity and ssh-config come only from the settings file
"$DISTRIBUTE" resume --results "$T/results" --progress lines -q \
    >"$T/out-resume" 2>&1
rc=$?
run=$T/results/CURRENT
check "resume reads the run's settings file again (rc $rc)" [ "$rc" -eq 0 ]
check "resume keeps the run's --revision, exit 0 at the end" \
    [ "$(jget "$run/run.json" '(d["name"], d["revision"]["commit"], d["exit"], d["jobs"][0]["revision"])')" = "('slow', 'v2', 0, 'r2')" ]

done_testing
