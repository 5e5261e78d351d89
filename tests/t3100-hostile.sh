#!/bin/sh
# t3100-hostile: a worker user whose login shell is tcsh runs jobs
# correctly; names, tasks, arguments and paths containing $(...), quotes,
# spaces, '/', '..' and newlines execute nothing they should not and land
# where they should.
. "$(dirname "$0")/lib.sh"

ensure_test_user dist-tcsh /usr/bin/tcsh
TEST_USER=dist-tcsh; start_worker 1; TEST_USER=dist-test
ensure_test_user
start_worker 2

pwned=/tmp/dist-pwned-$$
rm -f "$pwned"
# a workdir with a space, a quote and a $(...) in it
odd="$T/w2/we ird'\$(touch $pwned)"
mkdir -p "$odd" && chown "$TEST_USER" "$odd"
sed -i "2s|workdir=[^ ]*|workdir=\"$odd\"|" "$T/machines"

cat >"$T/hostile.xml" <<XML
<jobs>
  <job name="\$(touch $pwned)"><arg>sh</arg><arg>-c</arg><arg>printf '%s\n' "\$@" &gt; args.txt</arg><arg>x</arg><arg>\$(touch $pwned)</arg><arg>a b</arg><arg>it's "quoted"</arg><arg>line1
line2</arg><arg>../../..</arg><arg>/etc/passwd</arg><arg>\`touch $pwned\`</arg><arg>back\\slash</arg><arg>*</arg></job>
  <job name="../../escape"><arg>sh</arg><arg>-c</arg><arg>echo hi &gt; hi.txt</arg></job>
  <job name="a/b c"><arg>sh</arg><arg>-c</arg><arg>echo hi &gt; hi.txt</arg></job>
  <job name="new&#10;line"><arg>sh</arg><arg>-c</arg><arg>echo hi &gt; hi.txt</arg></job>
  <job name="tcsh-check"><arg>sh</arg><arg>-c</arg><arg>id -un &gt; who.txt</arg></job>
  <job name="t2"><arg>sh</arg><arg>-c</arg><arg>id -un &gt; who.txt</arg></job>
  <job name="t3"><arg>sh</arg><arg>-c</arg><arg>id -un &gt; who.txt</arg></job>
  <job name="t4"><arg>sh</arg><arg>-c</arg><arg>id -un &gt; who.txt</arg></job>
</jobs>
XML
dist --machines "$T/machines" --config "$T/hostile.xml" -n "it's \$(x)" >"$T/out" 2>&1
rc=$?
check "run with hostile names exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "nothing was executed from the data" [ ! -e "$pwned" ]
run="$T/results/CURRENT"
n=$(find "$run/jobs" -mindepth 1 -maxdepth 1 -type d | wc -l)
check "8 job directories, all inside jobs/ (got $n)" [ "$n" -eq 8 ]
check "nothing escaped the results directory" \
    [ -z "$(find "$T/results" -maxdepth 1 -name escape)" ]
f=$(grep -l 'touch' "$run"/jobs/*/args.txt 2>/dev/null | head -1)
printf '%s\n' "\$(touch $pwned)" "a b" "it's \"quoted\"" "line1" "line2" \
    "../../.." "/etc/passwd" "\`touch $pwned\`" 'back\slash' '*' >"$T/expect"
check "the argument vector arrived byte for byte" cmp -s "$f" "$T/expect"
users=$(cat "$run"/jobs/*/who.txt | LC_ALL=C sort -u | tr '\n' ' ')
check "jobs ran as the tcsh user and the sh user ($users)" \
    [ "$users" = "dist-tcsh dist-test " ]
check "the odd workdir was used" [ -d "$odd/runs" ]
check "still nothing executed" [ ! -e "$pwned" ]
/usr/bin/python3 - "$run/run.json" >"$T/names" <<'PY'
import json, sys
for j in json.load(open(sys.argv[1]))["jobs"]:
    print(repr(j["name"]), j["id"])
PY
check "original names kept in run.json" /usr/bin/python3 -c '
import json, sys
names = [j["name"] for j in json.load(open(sys.argv[1]))["jobs"]]
sys.exit(0 if "new\nline" in names and "../../escape" in names else 1)' "$run/run.json"
sed 's/^/# /' "$T/names"
rm -f "$pwned"
done_testing
