#!/bin/sh
# t1300-login-noise: a login shell that prints text (tcsh with an echoing
# ~/.cshrc, as on many university pools) does not stop the agent: what
# comes before the agent's per-connection announcement is skipped, and
# the machine simply works.  A shell that never starts the agent is tried
# a bounded number of times with backoff (no login storm), then taken out
# with the reason and a hint at its startup files.  And a missing key
# file (ssh_config's IdentityFile) is named when authentication fails.
# shellcheck disable=SC1091 # tests/lib.sh
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/lib.sh"

# a user of its own: dist-test (and dist-tcsh, quiet in t1000) are used
# by other tests at the same time.  Its ~/.cshrc is the same for every run
# of this test (two may run at once): the login shell that never starts
# the agent is worker 2's, whose sshd sets DIST_NOAGENT, not a file in
# the shared home.
NOISY=dist-noisy
ensure_test_user
ensure_test_user "$NOISY" /usr/bin/tcsh
start_worker 1
start_worker 2 "SetEnv DIST_NOAGENT=1"
port=$(worker_port 1)
port2=$(worker_port 2)
home=$(getent passwd "$NOISY" | cut -d: -f6)
[ -d "$home" ] || fatal "no home for $NOISY"
cat >"$home/.cshrc" <<'EOF'
echo "Welcome to the CS department"
echo "Quota: 2 GB"
echo -n "no newline here "
if ( $?DIST_NOAGENT ) exec /bin/false
EOF
chown "$NOISY" "$home/.cshrc"
mkdir -p "$T/tw/lock"
chown -R "$NOISY" "$T/tw"
chmod 755 "$T/tw" "$T/tw/lock"
echo "$NOISY@127.0.0.1:$port workdir=$T/tw lockfile=$T/tw/lock/distribute.lock" \
    >"$T/mt"

{
	echo '<jobs>'
	echo '<job name="a"><arg>echo</arg><arg>hello</arg></job>'
	echo '<job name="b"><arg>echo</arg><arg>world</arg></job>'
	echo '</jobs>'
} >"$T/noise.xml"

# accepted NAME [N]: logins of user NAME on worker N (1) so far
accepted()
{
	grep -c "Accepted publickey for $1 " "$T/w${2:-1}/sshd.log" 2>/dev/null ||
	    true
}

# --- a chatty login shell: the agent starts anyway ---------------------------
before=$(accepted "$NOISY")
timeout 60 "$DISTRIBUTE" --known-hosts "$T/known_hosts" \
    --ssh-config "$T/ssh_config" -i "$T/id_master" --results "$T/results" \
    --progress lines -v --machines "$T/mt" --config "$T/noise.xml" \
    >"$T/out1" 2>&1
rc=$?
n=$(( $(accepted "$NOISY") - before ))
check "noisy login shell: the run succeeds (exit $rc)" [ "$rc" -eq 0 ]
check "noisy login shell: both jobs ok" grep -q 'noise: 2/2 ok' "$T/out1"
check "noisy login shell: one login ($n)" [ "$n" -eq 1 ]
check "noisy login shell: its banner is logged at -v" \
    grep -q "before the agent: 'Welcome to the CS department'" "$T/out1"
check "noisy login shell: the job's output is the job's" \
    grep -qx hello "$T/results/CURRENT/jobs/a/stdout"

# --- a login shell that never starts the agent ----------------------------
# (with a working machine beside it, so that the run goes on meanwhile)
{
	echo "$NOISY@127.0.0.1:$port2 workdir=$T/tw lockfile=$T/tw/lock/distribute.lock"
	sed -n 1p "$T/machines"
} >"$T/mt2"
{
	echo '<jobs>'
	echo '<job name="a"><arg>sleep</arg><arg>3</arg></job>'
	echo '<job name="b"><arg>sleep</arg><arg>3</arg></job>'
	echo '</jobs>'
} >"$T/noagent.xml"
before=$(accepted "$NOISY" 2)
t0=$(date +%s)
timeout 60 "$DISTRIBUTE" --known-hosts "$T/known_hosts" \
    --ssh-config "$T/ssh_config" -i "$T/id_master" --results "$T/results" \
    --progress lines --machines "$T/mt2" --config "$T/noagent.xml" \
    >"$T/out2" 2>&1
rc=$?
secs=$(( $(date +%s) - t0 ))
n=$(( $(accepted "$NOISY" 2) - before ))
check "no agent: the run completes on the other machine (exit $rc)" \
    [ "$rc" -eq 0 ]
check "no agent: a bounded number of logins ($n, at most 3)" \
    sh -c '[ "$1" -ge 1 ] && [ "$1" -le 3 ]' - "$n"
check "no agent: the logins were spread by backoff (${secs}s >= 2)" \
    [ "$secs" -ge 2 ]
check "no agent: the machine is out, with the reason" \
    grep -q "out: agent did not start: the login shell ended first" "$T/out2"
check "no agent: ... and a hint at its startup files" \
    grep -q "out: .*check its startup files (~/.cshrc" "$T/out2"
check "no agent: one 'down' line, not one per try" \
    [ "$(grep -c "$NOISY@.*: down: " "$T/out2")" -le 1 ]
sed 's/^/# /' "$T/out2" | tail -6

# --- ... even when the shell has left before the agent's text is written ----
# (the master's write then fails: what the shell printed and how it ended
# still give the reason; the hook holds the master's write back 1 s)
DIST_TEST_HOOKS=late-agent timeout 60 "$DISTRIBUTE" \
    --known-hosts "$T/known_hosts" --ssh-config "$T/ssh_config" \
    -i "$T/id_master" --results "$T/results" --progress lines \
    --machines "$T/mt2" --config "$T/noagent.xml" >"$T/out3" 2>&1
rc=$?
check "shell gone before the write: the run completes (exit $rc)" \
    [ "$rc" -eq 0 ]
check "shell gone before the write: the same reason, with the exit status" \
    grep -q "out: agent did not start: the login shell ended first (.*exited with status 1.*check its startup files (~/.cshrc" "$T/out3"
check "shell gone before the write: what it printed is shown" \
    grep -q "out: .*it printed 'Welcome to the CS department'" "$T/out3"
sed 's/^/# /' "$T/out3" | tail -3

# --- failures say why: the key file named (issue 12, item 11) ----------------
printf 'Host *\n\tIdentityFile %s\n' "$T/no-such-key" >"$T/ssh_config_key"
"$DISTRIBUTE" --known-hosts "$T/known_hosts" --ssh-config "$T/ssh_config_key" \
    --results "$T/results" --progress lines --machines "$T/machines" \
    --config "$T/noise.xml" >"$T/out3" 2>&1
check "a missing IdentityFile is named" \
    grep -q "out: .*IdentityFile '$T/no-such-key': No such file" "$T/out3"
done_testing
