#!/bin/sh
# t3220-helper: the worker helper (client-scripts/dist-helper.c) runs the
# jobs in place of the agent's sh supervisor: the job is its child, in its
# own session, and its status says supervisor=helper; exit codes, signals
# and --job-timeout as the sh supervisor has them; a helper changed on the
# worker is sent again; DIST_NO_HELPER=1, a noexec workdir and a machine
# that is not x86_64 fall back to the sh supervisor, said at -v.
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/lib.sh"

ensure_test_user
grep -q 'dist_helper_len = sizeof' "$TOP/master/run/helper-bin.c" ||
    skip_all "no helper built in (musl-gcc missing: make deps)"
start_worker 1
# worker 2: its workdir on a noexec tmpfs; worker 3: uname -m says aarch64
mkdir -p "$T/w2/work" "$T/fakebin"
mount -t tmpfs -o noexec,mode=755 tmpfs "$T/w2/work" ||
    fatal "mount a noexec tmpfs"
unmount_w2()
{
	_s=$?
	umount "$T/w2/work" 2>/dev/null
	return "$_s"
}
trap 'unmount_w2; cleanup' EXIT
start_worker 2
printf '#!/bin/sh\n[ "$1" = -m ] && { echo aarch64; exit 0; }\nexec /bin/uname "$@"\n' \
    >"$T/fakebin/uname"
chmod 755 "$T/fakebin" "$T/fakebin/uname"
start_worker 3 "SetEnv PATH=$T/fakebin:/usr/local/bin:/usr/bin:/bin"
sed -n 1p "$T/machines" >"$T/m1"
sed -n 2p "$T/machines" >"$T/m2"
sed -n 3p "$T/machines" >"$T/m3"

# the job's parent, its session, and exit codes as sh gives them
{
	echo '<jobs>'
	echo '<job name="who"><arg>sh</arg><arg>-c</arg><arg>cat /proc/$PPID/comm >parent; cut -d" " -f6 /proc/$$/stat >sid; echo $$ >pid; echo "$DIST_JOB_TOKEN" >token</arg></job>'
	echo '<job name="three"><arg>sh</arg><arg>-c</arg><arg>exit 3</arg></job>'
	echo '<job name="nosuch"><arg>no-such-command-here</arg></job>'
	echo '<job name="killed"><arg>sh</arg><arg>-c</arg><arg>kill -9 $$</arg></job>'
	echo '</jobs>'
} >"$T/jobs.xml"
# the status's exit of each job of the last run, "name=exit ..."
exits()
{
	for _j in who three nosuch killed; do
		printf '%s=%s ' "$_j" "$(sed -n 's/^exit=//p' \
		    "$T/results/CURRENT/jobs/$_j/status" | tail -n 1)"
	done
}
dist -v --machines "$T/m1" --config "$T/jobs.xml" >"$T/out1" 2>&1
check "helper: the run ends (3 jobs fail)" grep -q '1/4 ok, 3 failed' "$T/out1"
check "helper: said at -v" grep -q 'jobs run under the worker helper' \
    "$T/out1"
r=$T/results/CURRENT/jobs
check "helper: every status says supervisor=helper" \
    sh -c '[ "$(grep -l "^supervisor=helper$" "$1"/*/status | wc -l)" -eq 4 ]' \
    x "$r"
check "helper: the job is the helper's child" \
    grep -q '^dist-helper' "$r/who/parent"
check "helper: in its own session" sh -c '[ "$(cat "$1/sid")" = "$(cat "$1/pid")" ]' x "$r/who"
check "helper: status pid= is the job" sh -c \
    '[ "$(sed -n "s/^pid=//p" "$1/status")" = "$(cat "$1/pid")" ]' x "$r/who"
check "helper: the job has its DIST_JOB_TOKEN" grep -q '/who' "$r/who/token"
check "helper: env.json is JSON with load_after" /usr/bin/python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))
assert "load_after" in e and "isolation" in e, e
' "$r/who/env.json"
helper_exits=$(exits)
check "helper: exit codes 0 3 127 137 ($helper_exits)" \
    [ "$helper_exits" = "who=0 three=3 nosuch=127 killed=137 " ]
check "helper: 'not found' on the job's stderr" \
    grep -q 'no-such-command-here: not found' "$r/nosuch/stderr"

# the same jobs under the sh supervisor (forced): the same exit codes
DIST_NO_HELPER=1 dist -v --machines "$T/m1" --config "$T/jobs.xml" \
    >"$T/out2" 2>&1
check "DIST_NO_HELPER: said at -v" grep -q 'DIST_NO_HELPER is set' "$T/out2"
check "DIST_NO_HELPER: no status says supervisor=helper" \
    sh -c '! grep -q "^supervisor=helper" "$1"/*/status' x \
    "$T/results/CURRENT/jobs"
check "sh supervisor: the same exit codes ($(exits))" \
    [ "$(exits)" = "$helper_exits" ]

# a helper changed on the worker (same size, other bytes) is sent again
h=$(find "$T/w1/work/tools" -name 'dist-helper-*' | head -n 1)
printf 'X' | dd of="$h" bs=1 seek=100 conv=notrunc 2>/dev/null
sum_bad=$(sha256sum <"$h")
dist -v --machines "$T/m1" --config "$T/jobs.xml" >"$T/out3" 2>&1
check "a changed helper: refused (sha256)" \
    grep -q 'helper bad sha256.*sent again' "$T/out3"
check "... sent again and used" grep -q 'jobs run under the worker helper' \
    "$T/out3"
check "... the file is the master's again" \
    sh -c '[ "$(sha256sum <"$1")" != "$2" ]' x "$h" "$sum_bad"

# --job-timeout: the whole tree goes, a child that left the session too
# (a sleep of a length of our own: other tests may run as the same user)
nap=$((600 + $$ % 1000))
{
	echo '<jobs>'
	printf '<job name="slow"><arg>sh</arg><arg>-c</arg><arg>setsid sleep %s &amp; sleep %s</arg></job>\n' "$nap" "$nap"
	echo '</jobs>'
} >"$T/slow.xml"
dist -v --job-timeout 1 --machines "$T/m1" --config "$T/slow.xml" \
    >"$T/out4" 2>&1
s=$T/results/CURRENT/jobs/slow/status
check "timeout: exit 124, reason=timeout" \
    sh -c 'grep -q "^exit=124$" "$1" && grep -q "^reason=timeout$" "$1"' x "$s"
check "timeout: under the helper" grep -q '^supervisor=helper$' "$s"
# (killed ones may stay zombies: PID 1 of a container may not reap)
check "timeout: no sleep of the job is left" \
    sh -c '! ps -o stat=,args= -u "$1" | grep -v "^Z" | grep -q "sleep $2"' \
    x "$TEST_USER" "$nap"

# an isolation wrapper applies to the job, not to the helper above it
{
	echo '<jobs>'
	echo '<job name="nice"><arg>sh</arg><arg>-c</arg><arg>cut -d" " -f19 /proc/$$/stat >own; cut -d" " -f19 /proc/$PPID/stat >parent; cat /proc/$PPID/comm >pcomm</arg></job>'
	echo '</jobs>'
} >"$T/nice.xml"
dist --nice 5 --machines "$T/m1" --config "$T/nice.xml" >"$T/out7" 2>&1
n=$T/results/CURRENT/jobs/nice
check "--nice 5: the job runs at 5 under the helper at 0" \
    sh -c '[ "$(cat "$1/own") $(cat "$1/parent")" = "5 0" ] &&
	grep -q "^dist-helper" "$1/pcomm"' x "$n"

# noexec workdir, other arch: the sh supervisor, said at -v
dist -v --machines "$T/m2" --config "$T/jobs.xml" >"$T/out5" 2>&1
check "noexec workdir: the jobs run (1/4 ok)" grep -q '1/4 ok, 3 failed' \
    "$T/out5"
check "noexec workdir: helper not used, said" \
    grep -q 'helper is not used.*Permission denied' "$T/out5"
check "noexec workdir: the sh supervisor ran them" \
    sh -c '! grep -q "^supervisor=helper" "$1"/*/status' x \
    "$T/results/CURRENT/jobs"
dist -v --machines "$T/m3" --config "$T/jobs.xml" >"$T/out6" 2>&1
check "aarch64: the jobs run (1/4 ok)" grep -q '1/4 ok, 3 failed' "$T/out6"
check "aarch64: helper not used, said" \
    grep -q 'helper is not used (built for x86_64, this machine is aarch64)' \
    "$T/out6"
check "aarch64: the sh supervisor ran them" \
    sh -c '! grep -q "^supervisor=helper" "$1"/*/status' x \
    "$T/results/CURRENT/jobs"

# the first jobs of an agent end before its relay reads: their lines are
# kept in the relay's FIFO (held open since before the relay started), not
# dropped (a run of fast jobs hung waiting for a job's "done")
printf '<jobs>%s</jobs>\n' "$(for i in 1 2 3; do
	printf '<job name="q%s"><arg>true</arg></job>' "$i"; done)" >"$T/fast.xml"
DIST_TEST_HOOKS=slow-relay timeout -k 5 60 "$DISTRIBUTE" --known-hosts \
    "$T/known_hosts" --ssh-config "$T/ssh_config" -i "$T/id_master" \
    --results "$T/results" --progress lines --machines "$T/m1" \
    --config "$T/fast.xml" >"$T/out7" 2>&1
rc=$?
check "fast jobs before the relay reads: the run ends, 3/3 ok (exit $rc)" \
    sh -c '[ "$1" -eq 0 ] && grep -q "3/3 ok" "$2"' x "$rc" "$T/out7"

done_testing
