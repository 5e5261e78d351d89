#!/bin/sh
# t0100-cli: the command grammar, --dry-run (text and JSON), exit codes and
# error messages naming file:line, all without connecting anywhere.
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/lib.sh"

printf '%s\n' '# two machines' '2/alice@lab[01-02]:2222 workdir=/scratch/a' \
    '[::1]:2200 lockfile=/tmp/l' >"$T/machines"
mkdir -p "$T/tool/bin"
printf '#!/bin/sh\necho tool\n' >"$T/tool/bin/tool"
tar -czf "$T/tool.tar.gz" -C "$T/tool" bin
BX="$TOP/configs/benchexec-example.xml"

"$DISTRIBUTE" --help >"$T/help" 2>&1
check "--help exits 0" [ $? -eq 0 ]
check "--help lists the commands" grep -q 'resume' "$T/help"
check "--help lists --dry-run" grep -q -- '--dry-run' "$T/help"
check "-V prints the version" sh -c '"$1" -V | grep -q "^distribute [0-9]"' x "$DISTRIBUTE"
"$DISTRIBUTE" --bogus >"$T/err" 2>&1
"$DISTRIBUTE" --bogus >/dev/null 2>&1; rc=$?
check "unknown option exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "unknown option is named" grep -q "bogus" "$T/err"
"$DISTRIBUTE" --config "$BX" >"$T/err" 2>&1; rc=$?
check "missing --machines exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "missing --machines is said" grep -q -- "--machines" "$T/err"
"$DISTRIBUTE" resume "$T/no-such-run" >"$T/err" 2>&1; rc=$?
check "resume of no run exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "resume says there is no such run" grep -q 'no such run' "$T/err"
"$DISTRIBUTE" --machines "$T/machines" --config "$BX" --retries x >"$T/err" 2>&1; rc=$?
check "bad --retries exits 2" [ "$rc" -eq 2 ]
"$DISTRIBUTE" --machines "$T/machines" --config "$BX" --connect-timeout 1h3 >"$T/err" 2>&1; rc=$?
check "bad duration exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "bad duration says the syntax" grep -q '1h30m' "$T/err"

"$DISTRIBUTE" --machines "$T/machines" --config "$BX" --dry-run \
    "$T/tool.tar.gz" >"$T/plan" 2>&1; rc=$?
check "dry-run exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "dry-run shows the expanded machines" grep -q 'alice@lab02:2222' "$T/plan"
check "dry-run shows slots and attributes" grep -q 'slots=2 workdir=/scratch/a' "$T/plan"
check "dry-run shows IPv6 machine" grep -q '\[::1\]:2200' "$T/plan"
check "dry-run shows the argv" grep -q 'argv: benchexec' "$T/plan"
check "dry-run shows the archive sha256" \
    grep -q "sha256: $(sha256sum "$T/tool.tar.gz" | cut -d' ' -f1)" "$T/plan"

"$DISTRIBUTE" run --machines "$T/machines" --config "$BX" --dry-run --json \
    -n nightly "$T/tool.tar.gz" >"$T/plan.json" 2>"$T/err"; rc=$?
check "dry-run --json exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "dry-run --json is valid JSON" /usr/bin/python3 -m json.tool "$T/plan.json"
/usr/bin/python3 - "$T/plan.json" "$BX" >"$T/py" 2>&1 <<'PY'
import json, sys, xml.etree.ElementTree as ET
plan = json.load(open(sys.argv[1]))
root = ET.parse(sys.argv[2]).getroot()
glob = [t.get("name") for t in root.findall("tasks")]
pairs = []
for rd in root.findall("rundefinition"):
    for t in glob + [t.get("name") for t in rd.findall("tasks")]:
        pairs.append((rd.get("name"), t))
got = [(j["rundefinition"], j["tasks"]) for j in plan["jobs"]]
assert got == pairs, (got, pairs)
for j in plan["jobs"]:
    a = j["argv"]
    assert a[0] == "benchexec", a
    assert a[a.index("--name") + 1] == "nightly", a
    assert a[a.index("--tasks") + 1] == j["tasks"], a
assert len(plan["machines"]) == 3, plan["machines"]
assert plan["machines"][0]["slots"] == 2
assert plan["archive"]["format"] == "tar" and plan["archive"]["filter"] == "gzip"
assert len({j["id"] for j in plan["jobs"]}) == len(plan["jobs"])
print("jobs", len(pairs))
PY
check "one job per (rundefinition, tasks) pair with its argv" grep -q '^jobs' "$T/py"
sed 's/^/# /' "$T/py"

# errors name the file and line, exit 2, and nothing is sent
printf 'lab01\nlab02 wrokdir=/x\n' >"$T/bad-machines"
"$DISTRIBUTE" --machines "$T/bad-machines" --config "$BX" --dry-run \
    "$T/tool.tar.gz" >"$T/err" 2>&1; rc=$?
check "bad machines file exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "bad machines file names file:line" grep -q "bad-machines:2:" "$T/err"
printf '<benchmark tool="x">\n<rundefinition name="a">\n</benchmark>\n' >"$T/bad.xml"
"$DISTRIBUTE" --machines "$T/machines" --config "$T/bad.xml" --dry-run \
    "$T/tool.tar.gz" >"$T/err" 2>&1; rc=$?
check "malformed XML exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "malformed XML names file:line" grep -q "bad.xml:[0-9]" "$T/err"
"$DISTRIBUTE" --machines "$T/machines" --config "$BX" --dry-run >"$T/err" 2>&1; rc=$?
check "BenchExec without archive exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "says an archive is needed" grep -q "archive" "$T/err"
mkdir -p "$T/evil"
ln -s /etc/passwd "$T/evil/pw"
tar -czf "$T/evil.tar.gz" -C "$T/evil" pw
"$DISTRIBUTE" --machines "$T/machines" --config "$BX" --dry-run \
    "$T/evil.tar.gz" >"$T/err" 2>&1; rc=$?
check "archive with an outside symlink exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "the offending entry is named" grep -q "pw" "$T/err"
"$DISTRIBUTE" --machines "$T/machines" --config "$TOP/configs/demo.xml" \
    --dry-run -n 'bad/name' "$T/tool.tar.gz" >"$T/err" 2>&1; rc=$?
check "a run name with / exits 2" [ "$rc" -eq 2 ]

# --- the command grammar (issue 12, item 9) --------------------------------
# a command name is the command, always, even with a file of that name here
printf '127.0.0.1:1\n' >"$T/down-machines"
mkdir -p "$T/cwd"
cp "$T/down-machines" "$T/cwd/machines"
(cd "$T/cwd" && "$DISTRIBUTE" machines --machines machines --ssh-config \
    "$T/ssh_config" >"$T/out" 2>&1); rc=$?
check "'machines' with a file ./machines runs the machines command (got $rc)" \
    [ "$rc" -eq 3 ]
check "and reports the machine, not a usage error" \
    sh -c 'grep -q "127.0.0.1:1" "$1" && ! grep -q "too many arguments" "$1"' \
    x "$T/out"
"$DISTRIBUTE" -v machines --machines "$T/down-machines" --ssh-config \
    "$T/ssh_config" >"$T/out" 2>&1; rc=$?
check "the command after an option is the command (got $rc)" [ "$rc" -eq 3 ]
"$DISTRIBUTE" mach --machines "$T/down-machines" >"$T/out" 2>&1; rc=$?
check "an abbreviated command is not a command (got $rc)" [ "$rc" -eq 2 ]
check "it is taken for an operand of 'run'" grep -q -- "--config" "$T/out"
# options after the operands, as with GNU getopt
"$DISTRIBUTE" --machines "$T/machines" --config "$BX" "$T/tool.tar.gz" \
    --dry-run >"$T/plan2" 2>&1; rc=$?
check "'... tool.tar.gz --dry-run' exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "and prints the plan" grep -q 'argv: benchexec' "$T/plan2"
mkdir -p "$T/A" "$T/B"
cp "$TOP/tests/data/metrics/pyperf-single.json" "$T/A/"
cp "$TOP/tests/data/metrics/pyperf-single.json" "$T/B/"
"$DISTRIBUTE" compare "$T/A" "$T/B" --json >"$T/cmp.json" 2>&1; rc=$?
check "'compare A B --json' exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "and writes JSON" /usr/bin/python3 -m json.tool "$T/cmp.json"
"$DISTRIBUTE" --machines "$T/machines" --config "$BX" --dry-run -- \
    --dry-run >"$T/out" 2>&1; rc=$?
check "after '--' a word is an operand (got $rc)" [ "$rc" -eq 2 ]

# secrets: never in run.json, the words kept for resume, or the messages
"$DISTRIBUTE" --machines "$T/down-machines" --config "$BX" \
    --notify-ur 'https://example.invalid/h?token=SECRET0' "$T/tool.tar.gz" \
    >"$T/out" 2>&1; rc=$?
check "an ambiguous abbreviation of --notify-url is refused (got $rc)" \
    [ "$rc" -eq 2 ]
"$DISTRIBUTE" --machines "$T/down-machines" --config "$BX" \
    --notify-ur='https://example.invalid/h?token=SECRET0' "$T/tool.tar.gz" \
    >>"$T/out" 2>&1
check "the refusal does not echo the URL" sh -c '! grep -q SECRET0 "$1"' \
    x "$T/out"
printf '# hooks\n\nhttps://example.invalid/f?token=SECRET3\n' >"$T/hooks"
chmod 600 "$T/hooks"
"$DISTRIBUTE" --machines "$T/down-machines" --config \
    "$TOP/tests/data/run/twelve.xml" --ssh-config "$T/ssh_config" \
    --results "$T/results" --progress lines --mail-wait 1s \
    --notify-url='https://example.invalid/h?token=SECRET1' \
    --notify-url 'https://example.invalid/h?token=SECRET2' \
    --notify-url-file "$T/hooks" >"$T/out" 2>&1; rc=$?
check "a run with webhooks and no machine exits 3 (got $rc)" [ "$rc" -eq 3 ]
check "run.json keeps the command line, redacted" \
    grep -q "'--notify-url=(redacted)' '--notify-url' '(redacted)'" \
    "$T/results/CURRENT/run.json"
check "no secret in the run's files or the output" \
    sh -c '! grep -rq "SECRET" "$1" "$2"' x "$T/results" "$T/out"
check "the words kept for resume hold the rest" \
    grep -q -- "--notify-url-file" "$T/results/CURRENT/input/argv"
check "--notify-url-file: all three webhooks were tried" \
    grep -q 'webhook #3' "$T/out"
chmod 644 "$T/hooks"
"$DISTRIBUTE" --machines "$T/machines" --config "$BX" --dry-run \
    --notify-url-file "$T/hooks" "$T/tool.tar.gz" >"$T/out" 2>&1; rc=$?
check "--notify-url-file readable by others is refused (got $rc)" [ "$rc" -eq 2 ]
printf 'https://example.invalid/ok\nftp://SECRET4\n' >"$T/hooks"
chmod 600 "$T/hooks"
"$DISTRIBUTE" --machines "$T/machines" --config "$BX" --dry-run \
    --notify-url-file "$T/hooks" "$T/tool.tar.gz" >"$T/out" 2>&1; rc=$?
check "a bad URL in --notify-url-file exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "and names FILE:LINE without echoing it" \
    sh -c 'grep -q "hooks:2:" "$1" && ! grep -q SECRET4 "$1"' x "$T/out"

# --- the plan says what each machine really gets ---------------------------
printf '%s\n' 'alice@lab01 benchdir=/bench/defs/' 'lab02' 'target' '2m2' \
    >"$T/plan-machines"
printf '%s\n' 'Host target' '  HostName 127.0.0.1' '  Port 2222' \
    '  User bob' >"$T/plan-ssh-config"
"$DISTRIBUTE" --machines "$T/plan-machines" --config "$BX" --dry-run \
    --ssh-config "$T/plan-ssh-config" "$T/tool.tar.gz" >"$T/plan3" 2>&1; rc=$?
check "dry-run with per-machine benchdir exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "a benchdir= machine gets BENCHDIR/config" \
    grep -q "alice@lab01 .*config=/bench/defs/benchexec-example.xml" "$T/plan3"
check "the others get their run directory's config/" \
    grep -q "lab02 .*config=/var/tmp/distribute-[^ ]*/runs/RUN-ID/config/benchexec-example.xml" "$T/plan3"
check "no worker-relative ../../config path is shown" \
    sh -c '! grep -q "\.\./\.\./config" "$1"' x "$T/plan3"
check "host, user and port come from the ssh config, and it is said" \
    grep -q "target .*host=127.0.0.1 user=bob port=2222 .*(host user port from ssh config)" \
    "$T/plan3"
check "'2m2' (a forgotten slash) is warned about, naming file:line" \
    grep -q "plan-machines:4: host '2m2' starts with a number.*'2/m2'" "$T/plan3"
printf 'lab01\nlab02\n' >"$T/plan-machines2"
"$DISTRIBUTE" --machines "$T/plan-machines2" --config "$BX" --dry-run \
    --ssh-config "$T/ssh_config" "$T/tool.tar.gz" >"$T/plan4" 2>&1
check "one config path for all machines is shown in the argv" \
    grep -q "argv: benchexec /var/tmp/distribute-.*/RUN-ID/config/benchexec-example.xml" \
    "$T/plan4"
check "--help names the <pyperformance> config" \
    grep -q -- "--config.*<pyperformance>" "$T/help"
if command -v man >/dev/null 2>&1; then
	MANWIDTH=200 man -l "$TOP/man/distribute.1" 2>/dev/null |
	    tr '\n' ' ' | tr -s ' ' >"$T/man.txt"
	check "the man page renders words apart (see ISOLATION)" \
	    sh -c '! grep -q "Valuesmaybe" "$1" && grep -q "ISOLATION), applied to every job on that machine; tags=a,b (letters" "$1" && grep -q "(see REQUIREMENTS). Values may be" "$1"' \
	    x "$T/man.txt"
fi
done_testing
