#!/bin/sh
# t1400-home-paths: workdir=~/... and lockfile=~/... mean the login user's
# home on the worker, for SFTP and the agent alike (issue 12, item 6): the
# run succeeds, everything lands under the test user's home, and no
# directory literally named '~' appears.
# shellcheck disable=SC2016 # sh -c programs and job scripts take their arguments
. "$(dirname "$0")/lib.sh"

ensure_test_user
start_worker 1
home=$(getent passwd "$TEST_USER" | cut -d: -f6)
[ -d "$home" ] || fatal "no home directory for $TEST_USER"
wd=dist-$TEST_NAME-$$
lock=.dist-$TEST_NAME-$$.lock
# the machine line of worker 1, with home-relative paths instead
sed "s|workdir=[^ ]*|workdir=~/$wd|; s|lockfile=[^ ]*|lockfile=~/$lock|" \
    "$T/machines" >"$T/machines.home"
cleanup_home()
{
	rm -rf "${home:?}/$wd" "${home:?}/$lock"
}

mkdir -p "$T/tool/bin"
printf '#!/bin/sh\necho "tool ran in $(pwd)"\n' >"$T/tool/bin/hometool"
chmod 755 "$T/tool/bin/hometool"
tar -czf "$T/tool.tar.gz" -C "$T/tool" bin
cat >"$T/jobs.xml" <<'XML'
<?xml version="1.0"?>
<jobs needs-archive="yes">
  <job name="a"><arg>sh</arg><arg>-c</arg><arg>mkdir -p output &amp;&amp; hometool &gt;output/where &amp;&amp; test -f "$1"</arg><arg>x</arg><arg>LOCK</arg></job>
  <job name="b"><arg>sh</arg><arg>-c</arg><arg>mkdir -p output &amp;&amp; hometool &gt;output/where</arg></job>
</jobs>
XML
sed -i "s|LOCK|$home/$lock|" "$T/jobs.xml"
marker=$T/marker
: >"$marker"

dist --machines "$T/machines.home" --config "$T/jobs.xml" "$T/tool.tar.gz" \
    >"$T/out" 2>&1
rc=$?
check "the run with workdir=~/... succeeds (got $rc)" [ "$rc" -eq 0 ]
check "summary: 2/2 ok" grep -q '2/2 ok' "$T/out"
run=$T/results/CURRENT
check "the jobs ran under the home's workdir" \
    grep -q "tool ran in $home/$wd/runs/" "$run/jobs/a/output/where"
check "job 'a' saw the lock file at ~/$lock while it ran" \
    grep -q '^exit=0' "$run/jobs/a/status"
check "the tool was unpacked under ~/$wd/tools" \
    sh -c 'ls -d "$1"/tools/*.d' x "$home/$wd"
check "the run directory is under ~/$wd" [ -d "$home/$wd/runs" ]
tilde=$(find "$home" "$T" /tmp /var/tmp -xdev -maxdepth 4 -name '~' \
    -newer "$marker" 2>/dev/null | head -5)
check "no directory named '~' anywhere (found: $tilde)" [ -z "$tilde" ]

# the look before a run resolves the same paths
"$DISTRIBUTE" machines --machines "$T/machines.home" --known-hosts \
    "$T/known_hosts" --ssh-config "$T/ssh_config" -i "$T/id_master" \
    >"$T/machines.out" 2>&1
rc=$?
check "'distribute machines' exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "'machines' shows the resolved workdir" \
    grep -q "$home/$wd" "$T/machines.out"

# ~user is refused naming file:line; nothing is sent
printf '%s@127.0.0.1:%s workdir=~root/x\n' "$TEST_USER" "$(worker_port 1)" \
    >"$T/machines.user"
dist --machines "$T/machines.user" --config "$T/jobs.xml" "$T/tool.tar.gz" \
    >"$T/out2" 2>&1
rc=$?
check "workdir=~root/x exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "and names file:line" grep -q "machines.user:1:.*~root" "$T/out2"
cleanup_home
done_testing
