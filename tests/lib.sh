# tests/lib.sh - sourced by every shell test tests/tNNNN-name.sh: a private
# temp dir, TAP output, the test user, and workers that are real sshd's on
# 127.0.0.1, each with its own port, host key, workdir, lock dir and log.
#
#	. "$(dirname "$0")/lib.sh"
#	ensure_test_user			# skips the test unless root
#	start_worker 1; start_worker 2
#	"$DISTRIBUTE" --machines "$T/machines" --known-hosts "$T/known_hosts" \
#	    ... >"$T/out" 2>&1
#	check "the run succeeds" test $? -eq 0
#	done_testing
#
# Provides: T (temp dir), TOP (repo root), DISTRIBUTE, TEST_NAME, TEST_USER,
# BASE_PORT; $T/id_master (the master's key), $T/known_hosts, $T/machines
# (one line per started worker), $T/ssh_config (empty: keeps ~/.ssh/config
# out).  Worker N (1..19) lives in $T/wN: sshd_config, sshd.log, sshd.pid,
# host_key, work/ and lock/ (owned by the test user).
# shellcheck shell=sh

TOP=$(cd "$(dirname "$0")/.." && pwd) || exit 2
# shellcheck disable=SC2034 # for the tests that source this file
DISTRIBUTE=$TOP/distribute
TEST_NAME=$(basename "$0" .sh)
TEST_USER=${TEST_USER:-dist-test}
SSHD=/usr/sbin/sshd
WORKER_USERS=
TESTS=0
FAILED=0
unset SSH_AUTH_SOCK
umask 022

T=$(mktemp -d /tmp/dist-test.XXXXXX) || exit 2
chmod 755 "$T"

# --- TAP ------------------------------------------------------------------

ok()
{
	TESTS=$((TESTS + 1))
	echo "ok $TESTS - $*"
}

not_ok()
{
	TESTS=$((TESTS + 1))
	FAILED=$((FAILED + 1))
	echo "not ok $TESTS - $*"
}

# check WHAT CMD [ARG...]: run CMD; ok if it succeeds, else not ok with
# its output shown as comments.
check()
{
	_what=$1
	shift
	if "$@" >"$T/.check.out" 2>&1; then
		ok "$_what"
	else
		not_ok "$_what"
		echo "#   failed: $*"
		sed 's/^/#   /' "$T/.check.out" | head -20
	fi
}

# note TEXT: a comment line in the output.
note()
{
	echo "# $*"
}

skip_all()
{
	echo "1..0 # SKIP $*"
	exit 77
}

# fatal TEXT: the test cannot go on (setup failed).
fatal()
{
	not_ok "$*"
	exit 1
}

done_testing()
{
	echo "1..$TESTS"
	[ "$FAILED" -eq 0 ] && exit 0
	exit 1
}

# --- processes ------------------------------------------------------------

# descendants PID [ERE]: the PIDs of all processes below PID (with ERE,
# only those whose command name matches it), from one ps.
descendants()
{
	ps -e -o pid= -o ppid= -o comm= | awk -v root="$1" -v re="${2:-.}" '
	    { parent[$1] = $2; comm[$1] = $3 }
	    END {
		want[root] = 1
		do {
			more = 0
			for (p in parent)
				if (!(p in want) && (parent[p] in want)) {
					want[p] = 1
					more = 1
				}
		} while (more)
		for (p in want)
			if (p != root && comm[p] ~ re)
				print p
	    }'
}

# sshd_pids N: worker N's sshd processes below its listener (the
# per-connection monitors, user processes and SFTP children; not the agents
# and jobs below them).  comm "sshd*" also covers OpenSSH 9.8's
# sshd-session and sshd-auth.
sshd_pids()
{
	descendants "$(cat "$T/w$1/sshd.pid")" '^sshd'
}

# proc_state PID: its state letter (R, S, T, Z...), empty once gone.
proc_state()
{
	sed -n 's/^.*) \([A-Za-z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null
}

# wait_stopped PID: until PID is stopped (state T) or gone, at most 10 s;
# SIGSTOP takes effect when the process is next scheduled, which on a
# loaded machine is not at once.
wait_stopped()
{
	_i=0
	while [ $_i -lt 200 ]; do
		case $(proc_state "$1") in
		T|t|Z|'') return 0 ;;
		esac
		sleep 0.05
		_i=$((_i + 1))
	done
	note "pid $1 not stopped after 10 s (state $(proc_state "$1"))"
	return 1
}

# freeze N: SIGSTOP worker N's sshd's.  The listener first, so that it
# forks no new connection; then every sshd below it, pass after pass until
# a pass finds no new one (a connection forks its session and SFTP
# children while we go); then wait until each is in state T.  Sets
# NFROZEN, the number of connection processes stopped (0: no session was
# open, the test froze nothing that matters).
FROZEN=
freeze()
{
	_top=$(cat "$T/w$1/sshd.pid")
	kill -STOP "$_top" || return 1
	FROZEN="$FROZEN $_top"
	NFROZEN=0
	_more=1
	while [ -n "$_more" ]; do
		_more=
		# each pass's view of the tree, for the failure dir
		ps -e -o pid= -o ppid= -o stat= -o comm= >>"$T/freeze-w$1.ps"
		_list=$(sshd_pids "$1")
		echo "-- sshd's:" $_list >>"$T/freeze-w$1.ps"
		for _p in $_list; do
			case " $FROZEN " in *" $_p "*) continue ;; esac
			# gone meanwhile (e.g. a pre-auth child): nothing to stop
			kill -STOP "$_p" 2>/dev/null || continue
			FROZEN="$FROZEN $_p"
			NFROZEN=$((NFROZEN + 1))
			_more=1
		done
	done
	for _p in $FROZEN; do
		wait_stopped "$_p" || return 1
	done
}

thaw()
{
	# shellcheck disable=SC2086 # one PID a word
	[ -n "$FROZEN" ] && kill -CONT $FROZEN 2>/dev/null
	FROZEN=
}

# stop_pid PID: TERM, wait up to 5 s, then KILL.  0 if it exited on TERM.
stop_pid()
{
	kill "$1" 2>/dev/null || return 0
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -0 "$1" 2>/dev/null || return 0
	kill -9 "$1" 2>/dev/null
	note "pid $1 ignored SIGTERM, killed"
	return 1
}

# --- the test user --------------------------------------------------------

# ensure_test_user [NAME [SHELL]]: an unlocked account with that login
# shell (default dist-test, /bin/sh), allowed on workers started later.
ensure_test_user()
{
	_name=${1:-$TEST_USER}
	_shell=${2:-/bin/sh}
	[ "$(id -u)" -eq 0 ] || skip_all "needs root (creates user '$_name')"
	[ -x "$SSHD" ] || skip_all "no $SSHD (make test-deps)"
	[ -x "$_shell" ] || skip_all "no shell $_shell"
	if ! id "$_name" >/dev/null 2>&1; then
		useradd -m -s "$_shell" "$_name" ||
		    id "$_name" >/dev/null 2>&1 || fatal "useradd $_name"
	fi
	if [ "$(getent passwd "$_name" | cut -d: -f7)" != "$_shell" ] ||
	    [ "$(getent shadow "$_name" | cut -d: -f2)" != '*' ]; then
		usermod -p '*' -s "$_shell" "$_name" || fatal "usermod $_name"
	fi
	case " $WORKER_USERS " in
	*" $_name "*) ;;
	*) WORKER_USERS="${WORKER_USERS:+$WORKER_USERS }$_name" ;;
	esac
}

# --- workers --------------------------------------------------------------

# port_in_use PORT: something listens on it (IPv4 or IPv6).
port_in_use()
{
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
	    awk -v p="$(printf ':%04X' "$1")" '
		substr($2, length($2) - 4) == p && $4 == "0A" { f = 1 }
		END { exit !f }'
}

# A block of 20 ports below the ephemeral range (32768), chosen from the
# test's number and PID so that tests running at once differ, and checked.
pick_base_port()
{
	_num=$(printf '%s\n' "$TEST_NAME" | sed -n 's/^t0*\([0-9][0-9]*\).*/\1/p')
	_slot=$(( (${_num:-0} * 7 + $$) % 600 ))
	_i=0
	while [ $_i -lt 600 ]; do
		BASE_PORT=$((20000 + ((_slot + _i) % 600) * 20))
		_p=1
		while [ $_p -lt 20 ] && ! port_in_use $((BASE_PORT + _p)); do
			_p=$((_p + 1))
		done
		[ $_p -eq 20 ] && return 0
		_i=$((_i + 1))
	done
	fatal "no free block of 20 ports in 20000-31999"
}

worker_port()
{
	echo $((BASE_PORT + $1))
}

# start_worker N [LINE...]: start (or restart) worker N.  The extra
# sshd_config lines come first, so they override the defaults (sshd keeps
# the first value); no Match blocks.  The first start records the host key
# in $T/known_hosts and the machine in $T/machines; a restart keeps them
# (see worker_new_host_key).
start_worker()
{
	_n=$1
	shift
	case $_n in
	[1-9]|1[0-9]) ;;
	*) fatal "start_worker: worker number '$_n' not in 1..19" ;;
	esac
	[ -n "$WORKER_USERS" ] || ensure_test_user "$TEST_USER"
	_w=$T/w$_n
	_port=$(worker_port "$_n")
	mkdir -p "$_w/work" "$_w/lock" /run/sshd || fatal "mkdir w$_n"
	chown "$TEST_USER" "$_w/work" "$_w/lock" || fatal "chown w$_n"
	if [ ! -f "$_w/host_key" ]; then
		ssh-keygen -q -t ed25519 -N '' -C "w$_n" -f "$_w/host_key" ||
		    fatal "host key for w$_n"
	fi
	cp "$T/id_master.pub" "$_w/authorized_keys" && chmod 644 "$_w/authorized_keys"
	{
		for _l in "$@"; do
			printf '%s\n' "$_l"
		done
		printf '%s\n' "Port $_port" "ListenAddress 127.0.0.1" \
		    "HostKey $_w/host_key" "PidFile $_w/sshd.pid" \
		    "AuthorizedKeysFile $_w/authorized_keys" \
		    "AllowUsers $WORKER_USERS" "PasswordAuthentication no" \
		    "KbdInteractiveAuthentication no" "StrictModes no" \
		    "UsePAM no" "LogLevel VERBOSE" "Subsystem sftp internal-sftp"
	} >"$_w/sshd_config"
	"$SSHD" -t -f "$_w/sshd_config" || fatal "sshd_config of w$_n broken"
	rm -f "$_w/sshd.pid"
	"$SSHD" -f "$_w/sshd_config" -E "$_w/sshd.log" || fatal "sshd w$_n"
	_i=0
	while [ ! -s "$_w/sshd.pid" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -s "$_w/sshd.pid" ] || fatal "no sshd for w$_n on port $_port"
	[ -f "$_w/recorded" ] && return 0
	printf '[127.0.0.1]:%s %s\n' "$_port" \
	    "$(cut -d' ' -f1,2 "$_w/host_key.pub")" >>"$T/known_hosts"
	printf '%s@127.0.0.1:%s workdir=%s lockfile=%s\n' "$TEST_USER" \
	    "$_port" "$_w/work" "$_w/lock/distribute.lock" >>"$T/machines"
	: >"$_w/recorded"
}

# worker_new_host_key N: the next start_worker N makes a new host key
# (and $T/known_hosts keeps the old one: a changed key).
worker_new_host_key()
{
	rm -f "$T/w$1/host_key" "$T/w$1/host_key.pub"
}

# stop_worker N: stop listening; sessions already open go on.
stop_worker()
{
	[ -s "$T/w$1/sshd.pid" ] || return 0
	stop_pid "$(cat "$T/w$1/sshd.pid")"
	rm -f "$T/w$1/sshd.pid"
}

# kill_worker N: SIGKILL the sshd and all its sessions, as if the machine
# crashed (the kernel still closes the TCP connections).  All are stopped
# first, so that no session sshd reports its command's death.
kill_worker()
{
	[ -s "$T/w$1/sshd.pid" ] || return 0
	_pid=$(cat "$T/w$1/sshd.pid")
	_pids="$_pid $(descendants "$_pid")"
	# shellcheck disable=SC2086 # one PID a word
	kill -STOP $_pids 2>/dev/null
	# shellcheck disable=SC2086
	kill -9 $_pids 2>/dev/null
	rm -f "$T/w$1/sshd.pid"
}

# sshd_accepted_count N: logins worker N has accepted so far.
sshd_accepted_count()
{
	grep -c 'Accepted publickey' "$T/w$1/sshd.log" 2>/dev/null || true
}

# --- helper servers (tests/helpers/*.py) -----------------------------------

SERVERS=

stop_servers()
{
	for _p in $SERVERS; do
		stop_pid "$_p"
	done
	SERVERS=
}

# start_server NAME SCRIPT ARGS...: run a helper server in $T/NAME, wait
# for its port; sets PORT.
start_server()
{
	_name=$1 _script=$2
	shift 2
	mkdir -p "$T/$_name"
	/usr/bin/python3 "$TOP/tests/helpers/$_script" --dir "$T/$_name" \
	    --port-file "$T/$_name.port" "$@" >"$T/$_name.log" 2>&1 &
	SERVERS="$SERVERS $!"
	_i=0
	while [ ! -s "$T/$_name.port" ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -s "$T/$_name.port" ] || fatal "$_script $_name did not start"
	# shellcheck disable=SC2034 # for the tests
	PORT=$(cat "$T/$_name.port")
}

# --- PostgreSQL ------------------------------------------------------------

PG_BIN=/usr/lib/postgresql/15/bin
PG_DATA=

# start_postgres: a throwaway PostgreSQL 15 owned by the test user in
# $T/pg (initdb refuses root), on 127.0.0.1 at BASE_PORT (the port block's
# unused first port) and a Unix socket in $T/pg, fsync off; a database
# "dist".  Sets PG_URL (postgresql://postgres@127.0.0.1:PORT/dist) and
# PG_SOCK; stopped by cleanup.  Installs postgresql when missing; returns
# 1 (say "skipped") only when it cannot be installed.
start_postgres()
{
	[ -x "$PG_BIN/initdb" ] ||
	    sh "$TOP/tests/apt-install.sh" postgresql >/dev/null 2>&1
	[ -x "$PG_BIN/initdb" ] || return 1
	ensure_test_user
	port_in_use "$BASE_PORT" && fatal "port $BASE_PORT is in use"
	{ mkdir -p "$T/pg" && chown "$TEST_USER" "$T/pg"; } ||
	    fatal "mkdir $T/pg"
	su "$TEST_USER" -s /bin/sh -c "'$PG_BIN/initdb' -D '$T/pg/data' \
	    -U postgres --auth-local=trust --auth-host=trust --no-sync" \
	    >"$T/pg.log" 2>&1 || fatal "initdb (see pg.log)"
	PG_DATA=$T/pg/data
	su "$TEST_USER" -s /bin/sh -c "'$PG_BIN/pg_ctl' -D '$PG_DATA' \
	    -l '$T/pg/server.log' -w -o '-c listen_addresses=127.0.0.1 \
	    -p $BASE_PORT -k $T/pg -c fsync=off -c synchronous_commit=off' \
	    start" >>"$T/pg.log" 2>&1 || fatal "pg_ctl start (see pg.log)"
	PG_SOCK=$T/pg
	psql -q -h "$PG_SOCK" -p "$BASE_PORT" -U postgres -d postgres \
	    -c 'CREATE DATABASE dist' >>"$T/pg.log" 2>&1 ||
	    fatal "createdb (see pg.log)"
	# shellcheck disable=SC2034 # for the tests
	PG_URL=postgresql://postgres@127.0.0.1:$BASE_PORT/dist
}

# pg_sql SQL: one value (or rows) from the test's PostgreSQL.
pg_sql()
{
	psql -qAt -h "$PG_SOCK" -p "$BASE_PORT" -U postgres -d dist -c "$1"
}

stop_postgres()
{
	[ -n "$PG_DATA" ] || return 0
	su "$TEST_USER" -s /bin/sh -c "'$PG_BIN/pg_ctl' -D '$PG_DATA' \
	    -m fast -w stop" >>"$T/pg.log" 2>&1
	PG_DATA=
}

# --- cleanup --------------------------------------------------------------

# Stop our sshd's (and their sessions); keep $T in tests/logs/failed-NAME/
# when something failed, without files over 1 MB.
cleanup()
{
	_rc=$?
	trap - EXIT
	stop_servers
	stop_postgres
	for _pf in "$T"/w*/sshd.pid; do
		[ -s "$_pf" ] || continue
		_pid=$(cat "$_pf")
		_kids=$(descendants "$_pid")
		stop_pid "$_pid" || _rc=1
		for _k in $_kids; do
			stop_pid "$_k"
		done
	done
	if [ "$FAILED" -gt 0 ] || { [ "$_rc" -ne 0 ] && [ "$_rc" -ne 77 ]; }; then
		_keep=$TOP/tests/logs/failed-$TEST_NAME
		rm -rf "$_keep"
		mkdir -p "$_keep" && cp -R "$T"/. "$_keep"/ &&
		    find "$_keep" -type f -size +1024k -exec rm -f {} + &&
		    echo "# kept $T in $_keep"
	fi
	rm -rf "$T"
	exit "$_rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# --- per test setup -------------------------------------------------------

ssh-keygen -q -t ed25519 -N '' -C dist-master -f "$T/id_master" ||
    fatal "ssh-keygen"
: >"$T/known_hosts"
: >"$T/machines"
echo '# empty: keeps ~/.ssh/config and /etc/ssh/ssh_config out of tests' \
    >"$T/ssh_config"
pick_base_port

# dist ARGS...: distribute with the test's known_hosts, ssh_config, key,
# results directory and one line per event.
dist()
{
	"$DISTRIBUTE" --known-hosts "$T/known_hosts" --ssh-config "$T/ssh_config" \
	    -i "$T/id_master" --results "$T/results" --progress lines "$@"
}
