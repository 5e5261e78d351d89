#!/bin/sh
# shellcheck disable=SC2016,SC2088 # remote $shell, remote ~ and awk programs
# t1000-ssh.sh - the SSH layer (master/ssh/ssh-*.c) against real sshd's, driven
# through tests/helpers/ssh-probe: connect, host keys, auth, ssh_config,
# exec channels, SFTP, and a worker that dies.
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"

PROBE=$TOP/tests/helpers/ssh-probe
[ -x "$PROBE" ] || skip_all "tests/helpers/ssh-probe not built"
ensure_test_user
ensure_test_user dist-tcsh /usr/bin/tcsh
start_worker 1
start_worker 2
start_worker 3
P1=$(worker_port 1)
M1=$TEST_USER@127.0.0.1:$P1
HOMEDIR=$(getent passwd "$TEST_USER" | cut -d: -f6)

# probe ARGS...: ssh-probe with the test's config, known_hosts and key.
probe()
{
	"$PROBE" --ssh-config "$T/ssh_config" --known-hosts "$T/known_hosts" \
	    -i "$T/id_master" "$@"
}

# fingerprint FILE.pub: "SHA256:..." as ssh-keygen prints it.
fingerprint()
{
	ssh-keygen -lf "$1" | cut -d' ' -f2
}

# --- connect and exec ------------------------------------------------------

probe "$M1" exec 'echo hi; echo "two words"' info >"$T/out" 2>"$T/err"
check "exec: connect, run a command, read its lines" \
    test "$(sed -n 1,2p "$T/out")" = "hi
two words"
check "dssh_user is the login user" grep -qx "user $TEST_USER" "$T/out"
check "dssh_label names the machine and its address" \
    grep -qx "label $M1 (127.0.0.1:$P1)" "$T/out"

probe "$M1" exec 'echo partial; printf no-newline; echo oops >&2; exit 3' \
    >"$T/out" 2>"$T/err"
check "a failing remote command fails the probe" test $? -eq 1
check "the last line without a newline is still a line" \
    test "$(cat "$T/out")" = "partial
no-newline"
check "EOF reports the exit status and the stderr tail" \
    grep -q 'exited with status 3; stderr: oops' "$T/err"

probe "$M1" roundtrip 'head -n 1' 'hello there' >"$T/out" 2>"$T/err"
check "dssh_chan_write reaches the remote stdin" grep -qx 'hello there' "$T/out"

before=$(sshd_accepted_count 1)
probe "$M1" exec true exec true keepalive putmem abc "$T/w1/work/m" \
    stat "$T/w1/work/m" >"$T/out" 2>"$T/err"
check "several channels and SFTP share one connection" \
    test "$(sshd_accepted_count 1)" -eq $((before + 1))
check "keepalive on a live session" grep -qx alive "$T/out"
check "put_mem writes the bytes" test "$(cat "$T/w1/work/m")" = abc

# --- host keys -------------------------------------------------------------

P2=$(worker_port 2)
M2=$TEST_USER@127.0.0.1:$P2
fp2=$(fingerprint "$T/w2/host_key.pub")
: >"$T/kh_empty"
"$PROBE" --known-hosts "$T/kh_empty" --ssh-config "$T/ssh_config" \
    -i "$T/id_master" "$M2" info >"$T/out" 2>"$T/err"
check "an unknown host key is refused" test $? -eq 1
check "the refusal shows the SHA256 fingerprint and the key type" \
    grep -qF "unknown host key $fp2 (ssh-ed25519)" "$T/err"
check "the refusal says how to accept the key" \
    grep -qF "ssh-keyscan -p $P2 '127.0.0.1' >> '$T/kh_empty'" "$T/err"
check "nothing is written to known_hosts" test ! -s "$T/kh_empty"

kh=$T/newdir/known_hosts
"$PROBE" --known-hosts "$kh" --accept-new --ssh-config "$T/ssh_config" \
    -i "$T/id_master" "$M2" info >"$T/out" 2>"$T/err"
check "--accept-new connects to an unknown host" grep -q '^user ' "$T/out"
check "--accept-new records the key (creating the file)" \
    grep -qF "[127.0.0.1]:$P2 $(cut -d' ' -f1,2 "$T/w2/host_key.pub")" "$kh"
"$PROBE" --known-hosts "$kh" --ssh-config "$T/ssh_config" \
    -i "$T/id_master" "$M2" info >"$T/out" 2>"$T/err"
check "the recorded key is accepted next time" grep -q '^user ' "$T/out"

stop_worker 2
worker_new_host_key 2
start_worker 2
fpnew=$(fingerprint "$T/w2/host_key.pub")
cp "$T/known_hosts" "$T/kh_before"
probe --accept-new "$M2" info >"$T/out" 2>"$T/err"
check "a changed host key is refused, even with --accept-new" test $? -eq 1
check "the refusal says CHANGED, with the new fingerprint" \
    grep -qF "host key CHANGED: $fpnew (ssh-ed25519)" "$T/err"
line=$(grep -n "^\[127.0.0.1\]:$P2 " "$T/known_hosts" | cut -d: -f1)
check "the refusal points at the old key's line" \
    grep -qF "expected the key in $T/known_hosts:$line;" "$T/err"
check "a changed key leaves known_hosts alone" cmp -s "$T/known_hosts" "$T/kh_before"

# --- authentication --------------------------------------------------------

ssh-keygen -q -t ed25519 -N '' -f "$T/id_other"
ssh-keygen -q -t ed25519 -N 'secret words' -f "$T/id_locked"
"$PROBE" --ssh-config "$T/ssh_config" --known-hosts "$T/known_hosts" \
    -i "$T/id_other" -i "$T/id_locked" -i "$T/id_missing" "$M1" info \
    >"$T/out" 2>"$T/err"
check "a key the server does not know is refused" test $? -eq 1
check "the failure names the user and what was tried" \
    grep -qF "authentication failed for user '$TEST_USER' (tried identity '$T/id_other'" "$T/err"
check "an encrypted identity is reported as such" \
    grep -qF "identity '$T/id_locked' is encrypted" "$T/err"
check "a missing identity is reported" \
    grep -qF "identity '$T/id_missing': No such file or directory" "$T/err"
probe "$TEST_USER@127.0.0.1:$(($(worker_port 19) + 1))" info >"$T/out" 2>"$T/err"
check "a closed port fails with the machine's label" \
    grep -q "127.0.0.1:$(($(worker_port 19) + 1)).*connect" "$T/err"

# --- ssh_config ------------------------------------------------------------

cat >"$T/ssh_config_alias" <<EOF
Host w1alias
	HostName 127.0.0.1
	Port $P1
	User $TEST_USER
	IdentityFile $T/id_master
EOF
"$PROBE" --ssh-config "$T/ssh_config_alias" --known-hosts "$T/known_hosts" \
    w1alias info >"$T/out" 2>"$T/err"
check "ssh_config: Host, HostName, Port, User, IdentityFile" \
    grep -qx "label w1alias (127.0.0.1:$P1)" "$T/out"
"$PROBE" --ssh-config "$T/ssh_config_alias" --known-hosts "$T/known_hosts" \
    w1alias:1 info >"$T/out" 2>"$T/err"
check "the machine's port wins over ssh_config's" \
    grep -qF "w1alias:1 (127.0.0.1:1): connect" "$T/err"
"$PROBE" --ssh-config "$T/ssh_config_alias" --known-hosts "$T/known_hosts" \
    nosuchuser@w1alias info >"$T/out" 2>"$T/err"
check "the machine's user wins over ssh_config's" \
    grep -qF "for user 'nosuchuser'" "$T/err"

cat >"$T/ssh_client_config" <<EOF
Host jump
	HostName 127.0.0.1
	Port $P1
	User $TEST_USER
	IdentityFile $T/id_master
	UserKnownHostsFile $T/known_hosts
	BatchMode yes
EOF
# ProxyJump itself would run OpenSSH's ssh with the caller's ~/.ssh/config
# and known_hosts; libssh 0.10 turns it into this ProxyCommand.
cat >"$T/ssh_config_proxy" <<EOF
Host viajump
	HostName 127.0.0.1
	Port $(worker_port 3)
	ProxyCommand ssh -F $T/ssh_client_config -W [%h]:%p jump
EOF
"$PROBE" --ssh-config "$T/ssh_config_proxy" --known-hosts "$T/known_hosts" \
    -i "$T/id_master" --keepalive 5 "$TEST_USER@viajump" exec 'echo proxied' \
    >"$T/out" 2>"$T/err"
check "ProxyCommand (what ProxyJump becomes) reaches w3 through w1" \
    grep -qx proxied "$T/out"

# --- a tcsh user -----------------------------------------------------------

MT=dist-tcsh@127.0.0.1:$P1
probe "$MT" exec 'echo $shell' roundtrip 'head -n 1' 'via tcsh' \
    >"$T/out" 2>"$T/err"
check "exec as a user whose login shell is tcsh" \
    test "$(cat "$T/out")" = "/usr/bin/tcsh
via tcsh"

# --- SFTP ------------------------------------------------------------------

W=$T/w1/work
dd if=/dev/urandom of="$T/big" bs=1M count=20 2>/dev/null
probe "$M1" mkdir "$W/a/b/c" mkdir "$W/a/b/c" put "$T/big" "$W/a/b/c/big" 640 \
    stat "$W/a/b/c/big" get "$W/a/b/c/big" "$T/big.back" 0 \
    >"$T/out" 2>"$T/err"
check "mkdir -p creates nested directories (twice is fine)" test -d "$W/a/b/c"
check "put counts the bytes sent" grep -q "^sent 20971520 " "$T/out"
check "stat gives the size" grep -qx "size 20971520" "$T/out"
check "put then get: byte-identical" cmp -s "$T/big" "$T/big.back"
check "get counts the bytes received" grep -q "^got 20971520 " "$T/out"
check "put sets the mode exactly" test "$(stat -c %a "$W/a/b/c/big")" = 640
check "put files belong to the login user" \
    test "$(stat -c %U "$W/a/b/c/big")" = "$TEST_USER"

printf 'old\n' >"$T/v1"
printf 'new\n' >"$T/v2"
probe "$M1" put "$T/v1" "$W/target" 644 >/dev/null 2>&1
ln "$W/target" "$T/w1/old-link"
probe "$M1" put "$T/v2" "$W/target" 644 >"$T/out" 2>"$T/err"
check "put over an existing file replaces it" test "$(cat "$W/target")" = new
check "...by rename, not by rewriting it in place" \
    test "$(cat "$T/w1/old-link")" = old
check "no temporary file is left behind" \
    test -z "$(find "$W" -name '*.tmp-*')"

probe "$M1" get "$W/a/b/c/big" "$T/toobig" 1000000 >"$T/out" 2>"$T/err"
check "get refuses a file over the limit" \
    grep -qF "20971520 bytes, more than the limit of 1000000" "$T/err"
check "...and creates no local file" test ! -e "$T/toobig"

probe "$M1" get "$W/nothere" "$T/nothere" 0 >"$T/out" 2>"$T/err"
check "get of a missing file names it" \
    grep -qF "sftp open '$W/nothere': No such file or directory" "$T/err"
: >"$W/afile"
probe "$M1" mkdir "$W/afile/sub" >"$T/out" 2>"$T/err"
check "mkdir -p through a file fails" \
    grep -qF "'$W/afile' exists and is not a directory" "$T/err"
mkdir "$T/w1/rootonly"
probe "$M1" mkdir "$T/w1/rootonly/sub/deeper" >"$T/out" 2>"$T/err"
check "mkdir -p says which directory it may not create" \
    grep -qF "sftp mkdir '$T/w1/rootonly/sub': Permission denied" "$T/err"

probe "$M1" putmem home "~/t1000-$$" stat "~/t1000-$$" rm "~/t1000-$$" \
    stat "~/t1000-$$" rm "~/t1000-$$" >"$T/out" 2>"$T/err"
check "'~/' paths are in the home directory" \
    test "$(cat "$T/out")" = "size 4
missing"
check "...and remove cleans up" test ! -e "$HOMEDIR/t1000-$$"

# --- readline timeouts, EOF, a dead worker ---------------------------------

probe "$M1" watch 'sleep 2; echo x' 200 >"$T/out" 2>"$T/err"
first=$(sed -n 1p "$T/out")
check "readline returns 0 at its timeout" \
    awk '$1 == 0 && $2 >= 180 && $2 < 700 { f = 1 } END { exit !f }' "$T/out"
check "...then the line when it comes" \
    awk '$1 == 1 && $2 >= 1800 && $3 == "x" { f = 1 } END { exit !f }' "$T/out"
check "...then -1 at EOF, with the exit status" \
    sh -c 'tail -n 1 "$1" | grep -q "^-1 .*exited with status 0"' sh "$T/out"
note "first readline: $first"
probe "$M1" watch 'exec >&- 2>&-; sleep 4' 5000 >"$T/out" 2>"$T/err"
check "a command that closes its output but runs on: -1 soon, no status" \
    awk '$1 == -1 && $2 < 2500 && /closed its output/ { f = 1 } END { exit !f }' "$T/out"

P3=$(worker_port 3)
probe "$TEST_USER@127.0.0.1:$P3" watch 'sleep 60' 500 >"$T/dead" 2>&1 &
probe_pid=$!
i=0
while ! grep -q timeout "$T/dead" && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill_worker 3
t0=$(date +%s%N)
i=0
while ! grep -q '^-1 ' "$T/dead" && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "a killed worker: readline returns -1 (in ${ms} ms)" \
    grep -q '^-1 .*connection lost' "$T/dead"
check "...within 3 seconds" test "$ms" -lt 3000
kill "$probe_pid" 2>/dev/null
wait "$probe_pid" 2>/dev/null

start_worker 3
probe "$TEST_USER@127.0.0.1:$P3" keepalive sleep 1000 keepalive \
    >"$T/out" 2>"$T/err" &
probe_pid=$!
i=0
while ! grep -q alive "$T/out" && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill_worker 3
wait "$probe_pid"
check "keepalive fails once the worker is gone" test $? -eq 1
check "...saying the connection is lost" grep -q 'connection lost' "$T/err"

# --- figures ---------------------------------------------------------------

best=
for i in 1 2 3 4 5; do
	ms=$(probe "$M1" info | sed -n 's/^connect_ms //p')
	best=$(printf '%s\n%s\n' "$best" "$ms" | awk 'NF && (m == "" || $1 < m) { m = $1 } END { print m }')
done
note "connect+auth: $best ms (best of 5)"
dd if=/dev/zero of="$T/50m" bs=1M count=50 2>/dev/null
probe "$M1" put "$T/50m" "$W/50m" 644 get "$W/50m" "$T/50m.back" 0 \
    >"$T/out" 2>"$T/err"
check "50 MB put and get" cmp -s "$T/50m" "$T/50m.back"
awk '/^sent/ && $4 > 0 { printf "# sftp put 50 MB: %.0f MB/s\n", 50 * 1000 / $4 }
     /^got/ && $4 > 0 { printf "# sftp get 50 MB: %.0f MB/s\n", 50 * 1000 / $4 }' \
    "$T/out"
rm -f "$W/50m" "$W/a/b/c/big"

done_testing
