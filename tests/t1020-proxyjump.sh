#!/bin/sh
# t1020-proxyjump: a target reached through a ProxyJump whose alias exists
# only in the file given by --ssh-config (issue 12, item 8): the run works,
# the jump host's key is checked against our known_hosts, and a failure
# names the host that failed (the jump or the target behind it).
. "$(dirname "$0")/lib.sh"

ensure_test_user
start_worker 1			# the jump host
start_worker 2			# the target
p1=$(worker_port 1)
p2=$(worker_port 2)
w2_line=$(sed -n 2p "$T/machines")
attrs=${w2_line#* }
cat >"$T/ssh_config" <<EOF2
Host jumpalias
  HostName 127.0.0.1
  Port $p1
  User $TEST_USER
Host badjump
  HostName 127.0.0.1
  Port 1
  User $TEST_USER
Host target
  HostName 127.0.0.1
  Port $p2
  User $TEST_USER
  ProxyJump jumpalias
Host target-badjump
  HostName 127.0.0.1
  Port $p2
  User $TEST_USER
  ProxyJump badjump
Host target-down
  HostName 127.0.0.1
  Port 1
  User $TEST_USER
  ProxyJump jumpalias
EOF2
printf 'target %s\n' "$attrs" >"$T/machines.jump"

dist --machines "$T/machines.jump" --config "$TOP/tests/data/run/twelve.xml" \
    >"$T/out" 2>&1
rc=$?
check "the run through the jump host exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "summary: 12/12 ok" grep -q '12/12 ok' "$T/out"
check "the jump host forwarded the connection" \
    grep -q 'direct-tcpip\|Accepted publickey' "$T/w1/sshd.log"
c=$(sshd_accepted_count 2)
check "the target accepted one login (got $c)" [ "$c" -eq 1 ]
check "no OpenSSH log file left behind" \
    sh -c '! ls /tmp/distribute-jump-* 2>/dev/null | grep -q .'

look()
{
	"$DISTRIBUTE" machines --machines "$1" --known-hosts "$2" \
	    --ssh-config "$T/ssh_config" -i "$T/id_master" >"$3" 2>&1
}

printf 'target-badjump\n' >"$T/m.badjump"
look "$T/m.badjump" "$T/known_hosts" "$T/out.badjump"
check "a broken jump names the jump host" \
    grep -q "jump host 'badjump' failed: .*port 1" "$T/out.badjump"
printf 'target-down\n' >"$T/m.down"
look "$T/m.down" "$T/known_hosts" "$T/out.down"
check "a target down behind a working jump says so" \
    grep -q "target-down.*jump host 'jumpalias' could not reach the target" \
    "$T/out.down"
grep -v "^\[127.0.0.1\]:$p1 " "$T/known_hosts" >"$T/known_hosts.nojump"
printf 'target\n' >"$T/m.target"
look "$T/m.target" "$T/known_hosts.nojump" "$T/out.nokey"
check "the jump host's key is checked against our known_hosts" \
    grep -q "jump host 'jumpalias' failed: Host key verification failed" \
    "$T/out.nokey"
done_testing
