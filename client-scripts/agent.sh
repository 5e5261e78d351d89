# agent.sh - distribute's agent on a worker: one per machine, started by the
# master as "sh -s" on one SSH exec channel, this text on its stdin.  It
# takes the machine lock, unpacks the tool, runs jobs under supervisors and
# reports on the channel.  POSIX sh only (dash, busybox ash, bash --posix).
#
# The file is function definitions and, last, one line calling main: the
# shell has parsed everything when main prints "ready", and the master
# sends nothing before that line, so no protocol byte is read as script.
#
# Protocol: lines; "VERB" or "VERB ARG", ARG the rest of the line with
# "\\" for a backslash and "\n" for a newline (nothing else escaped).  The
# agent's lines are escaped the same way.
#   (start)              -> ready 1 PID NONCE
#                           NONCE: "agent_nonce=NONCE", the line the master
#                           sends before this text (new for each
#                           connection); whatever a login shell prints
#                           before this line is not the agent's
#   set KEY VALUE        -> nothing; "err set unknown key KEY".  Keys:
#                           workdir lockfile run user master mkey script
#                           tooldir config rundir (relative paths are made
#                           absolute against the login directory); direct
#                           1: run a job's argv itself, not "sh SCRIPT"
#                           (the default job.sh does just that)
#   lock                 -> lock ok | lock ok adopted (same run and login)
#                           | lock ok broke USER MASTER RUN STARTED_UTC
#                           (a stale lock of ours, named, was broken)
#                           | lock held USER MASTER RUN STARTED_UTC
#                           [(stale)|(jobs still running)] | err lock MSG
#   lockinfo             -> lockinfo none | lockinfo USER MASTER RUN
#                           STARTED_UTC live|stale|jobs yours|other
#   unlock               -> unlock none | unlock notours USER | unlock
#                           done USER MASTER RUN STARTED_UTC | unlock live
#                           RUN live|jobs
#   space [SHA]          -> space FREE_KB CACHED UID (WORKDIR made if
#                           missing) | err space MSG (WORKDIR not ours alone)
#   clean SECONDS        -> clean run NAME..., clean tool SHA...,
#                           cleaned RUNS TOOLS WORKDIR_ID
#   unpack SHA           -> unpacked SHA fresh|cached | err unpack MSG
#                           (WORKDIR/tools/SHA -> WORKDIR/tools/SHA.d, in
#                           the background like prepare)
#   arg VALUE            -> nothing; one argument of the next job
#   env NAME=VALUE       -> nothing; one variable of the next job/prepare
#   prepare PATH         -> prepared RC (sh PATH in RUNDIR, in the
#                           background: pings are answered meanwhile;
#                           output in RUNDIR/prepare-MKEY.log)
#   start SLOT JOBDIR JOBID
#                        -> started SLOT JOBDIR PID, ended SLOT JOBDIR,
#                           done SLOT JOBDIR RC RESULT
#                           | err start MSG (nothing started)
#                           The job starts when SLOT's job before it ends:
#                           a job sent ahead waits here, not on the master.
#   unqueue SLOT JOBDIR  -> unqueue SLOT JOBDIR ok (taken back: it will
#                           never start) | unqueue SLOT JOBDIR late (it
#                           has started)
#   status JOBDIR        -> status JOBDIR running|lost|missing
#                           | status JOBDIR done RC RESULT (a job still
#                           waiting for its slot is taken back: missing)
#   watch SLOT JOBDIR    -> later: done SLOT JOBDIR RC RESULT (a job of an
#                           earlier agent of this run, e.g. after a reconnect)
#   kill JOBDIR          -> killed JOBDIR (its whole process tree)
#   iso KEY VALUE, info, facts -> see agent-env.sh
#   set jobtimeout SECS  -> the supervisor kills a job's tree after SECS
#   forget JOBDIR        -> nothing; the master has collected the job:
#                           its directory, JOBDIR.tar, JOBDIR.bundle
#                           and its marks go
#   helper SHA VERSION   -> helper on | helper bad WHY | helper off WHY:
#                           the jobs from now on run under the C
#                           supervisor WORKDIR/tools/dist-helper-SHA
#                           (client-scripts/dist-helper.c; do_helper,
#                           sv_helper); otherwise, and for a job with
#                           tmpfs or benchexec, under supervise
#   pack JOBDIR          -> packed JOBDIR RESULT (JOBDIR.tar, or "-" when
#                           tar failed) | err pack MSG: a done job's
#                           directory packed, in the background (pings
#                           are answered); the master asks for it when
#                           the directory is too big to copy file by file
#   ping [N]             -> pong [N] (at once, whatever runs: the master
#                           declares the machine lost when pongs stop)
#   quit                 -> bye (jobs still waiting for their slot are taken
#                           back, the lock is released)
#   set testhooks WORDS  -> nothing.  TEST ONLY: sent by the master only
#                           when DIST_TEST_HOOKS is set in its environment
#                           (tests/t3210-never-twice.sh); "hold-unqueue"
#                           makes "unqueue" wait until the job has started
#                           and ended, so "unqueue ... late" comes after its
#                           "done" (a race made certain, see unqueue_hold);
#                           "slow-relay" makes the relay read its FIFO a
#                           second late (lines written before must be kept);
#                           "sh-relay": the sh relay even with the helper;
#                           "slow-spawner" makes the spawner take each job
#                           a second late (t3250: "unqueue" before it)
#   anything else        -> err VERB unknown verb
# "arg" and "env" lines are consumed by the next start or prepare (and
# dropped by a refused one).
#
# A job: RUNDIR/jobs/JOBDIR/ gets argv/0..N-1 (exact bytes), argc, env/NAME
# (exact bytes of each variable of the job), then a supervisor (a
# background subshell, SIGHUP ignored, so it outlives the connection)
# forks the job's process at once, which waits for the slot (sv_turn,
# sv_early; with a job timeout the supervisor waits and forks after it,
# sv_late), then runs "sh SCRIPT" there (see job.sh
# for the contract), or the argv itself with "set direct 1", with stdin
# /dev/null and output in ./stdout and ./stderr; with a job timeout in its
# own session when setsid(1) exists (the supervisor may have to kill it:
# otherwise one exec less per job, and tree_kill finds the job's tree by
# its token).  "started" comes from the job's own process just before its
# exec, "ended" and "done" from the supervisor once the job is gone, so
# they are never out of order and no line is written by a fork; PID is
# the job's process (and process group with setsid).  The moment the job
# ends the slot's next job is let go, before any bookkeeping: no process
# is started between the end of one job and the start of the next.  Per
# job the worker starts the supervisor and the job, nothing else
# (forgotten jobs are removed by one rm per 32; tar runs only when the
# master asks, "pack").  ./status holds
# state=, job=, slot=, machine=, run=, start=, pid=, pgid= (with setsid),
# and once done a second state= with end= and exit= (appended; a reader
# takes a key's last value; times in epoch seconds with two decimals, from
# /proc/uptime).  Then JOBDIR.whole is made (the directory is complete)
# and RESULT is JOBDIR: the master copies it over SFTP, or asks for it
# packed ("pack": RUNDIR/jobs/JOBDIR.tar, then JOBDIR.packed; "-" when
# packing failed); the worker helper makes a small plain result into
# JOBDIR.bundle first (one file the master reads in one go) and reports
# RESULT JOBDIR.bundle (a "status" after a reconnect says JOBDIR).  RC
# is 125 when the job could not be started.
# A TERM sent to a supervisor is passed on to its job.  The supervisors'
# own errors go to RUNDIR/agent-MKEY.log.  Once "helper" said "on", the
# supervisor is the worker helper (sv_helper): the same files and lines,
# the job always in its own session (pgid=), status supervisor=helper,
# and no shell between the job's end and "done".  A job without an
# isolation wrapper goes, once the helper is on, to one resident spawner
# (spawn_ready, spawn_job: "dist-helper -S", client-scripts/dist-helper-
# spawn.c) as a record on a FIFO: it makes the directory (with no argv/,
# env/ or argc under "set direct 1": the master writes those into the
# results itself), forks the supervisor, and takes "forget": a collected
# job's directory is kept for a later job (its inodes used again) and the
# marks beside it are hard links of one file: no shell, and no inode made
# or freed, per job.
#
# The lock (LOCKFILE, made atomically with ln, fine on NFS) holds user=
# (on the master), master=, run=, pid=, started=, boot_id=, host=,
# started_utc=, login= (ours: the same login).  LOCKFILE.procs beside it
# lists "PID TICKS" of the agent and of every supervisor and job of the
# run (TICKS: /proc/PID/stat field 22): a lock is stale only when all of
# them are gone, on the same machine and boot.  It is
# released (when its run and user are ours) on quit, on end of input and
# on any other exit, unless a job of this agent still runs: then the run
# still owns the machine and a resumed master adopts the lock.
#
# Never eval: data only ever is a quoted argument or a file's content.

# esc VALUE: e = VALUE escaped for a protocol line.
esc()
{
	e=$1
	case $e in
	*\\*|*"$nl"*) ;;
	*) return 0 ;;
	esac
	repl "$1" "\\" "\\\\"
	repl "$s" "$nl" '\n'
	e=$s
}

# repl STRING FROM TO: s = STRING with every FROM replaced by TO.
repl()
{
	s='' _rr=$1
	while :; do
		case $_rr in
		*"$2"*) ;;
		*) s=$s$_rr; return 0 ;;
		esac
		s=$s${_rr%%"$2"*}$3
		_rr=${_rr#*"$2"}
	done
}

# unesc ARG: u = ARG with "\\" and "\n" decoded.
unesc()
{
	u=$1
	case $u in
	*\\*) ;;
	*) return 0 ;;
	esac
	u='' _uR=$1
	while :; do
		case $_uR in
		*\\*) ;;
		*) u=$u$_uR; return 0 ;;
		esac
		u=$u${_uR%%\\*}
		_uR=${_uR#*\\}
		case $_uR in
		n*) u=$u$nl _uR=${_uR#n} ;;
		\\*) u=$u\\ _uR=${_uR#\\} ;;
		*) u=$u\\ ;;
		esac
	done
}

# reply WORD...: one line to the master.
reply()
{
	printf '%s\n' "$*"
}

# abspath PATH: a = PATH, made absolute against the current directory.
abspath()
{
	case $1 in
	''|/*) a=$1 ;;
	*) a=$PWD/$1 ;;
	esac
}

# find_cmd NAME: c = the absolute path of command NAME in PATH, or empty.
find_cmd()
{
	c='' _fp=$PATH:
	while [ -n "$_fp" ]; do
		_fd=${_fp%%:*}
		_fp=${_fp#*:}
		abspath "${_fd:-.}"
		if [ -f "$a/$1" ] && [ -x "$a/$1" ]; then
			c=$a/$1
			return 0
		fi
	done
	return 1
}

# safe_token VALUE: VALUE is a safe path component.
safe_token()
{
	case $1 in
	''|.|..|*[!A-Za-z0-9._+@-]*) return 1 ;;
	esac
	return 0
}

# now: t = the time in epoch seconds with two decimals: the clock at the
# agent's start (date, once) plus /proc/uptime since; without /proc, date.
now()
{
	if [ -n "$clk_off" ] && uptime_cs; then
		t=$((clk_off + _up))
		_f=$((t % 100))
		[ "$_f" -lt 10 ] && _f=0$_f
		t=$((t / 100)).$_f
		return 0
	fi
	t=$(date +%s.%N 2>/dev/null)
	case ${t#*.} in
	''|*[!0-9]*) t=${t%%.*} ;;
	esac
	case $t in
	''|*[!0-9.]*) t= ;;
	esac
}

# uptime_cs: _up = /proc/uptime in centiseconds.
uptime_cs()
{
	_up=''
	{ read -r _up _ </proc/uptime; } 2>/dev/null
	case $_up in
	*[0-9].[0-9][0-9]) _up=${_up%.*}${_up#*.} ;;
	*) return 1 ;;
	esac
	case $_up in
	*[!0-9]*) return 1 ;;
	esac
	while [ "${_up#0}" != "$_up" ] && [ "${#_up}" -gt 1 ]; do
		_up=${_up#0}
	done
}

# clock_init: clk_off = epoch - uptime, in centiseconds (empty: no /proc).
clock_init()
{
	clk_off=''
	now
	_fr=${t#*.}
	case $t in
	*.[0-9][0-9]*) _e=${t%%.*}${_fr%"${_fr#??}"} ;;
	[0-9]*) _e=${t}00 ;;
	*) return 0 ;;
	esac
	uptime_cs || return 0
	clk_off=$((_e - _up))
}

# last_line FILE: m = the last telling line of FILE (tar's "Exiting with
# failure status" says nothing).
last_line()
{
	m=''
	[ -r "$1" ] || return 0
	while IFS= read -r _l || [ -n "$_l" ]; do
		case $_l in
		''|*'Exiting with failure status'*) ;;
		*) m=$_l ;;
		esac
	done <"$1"
}

# --- the machine lock ----------------------------------------------------

# node_name: r = uname -n, from /proc when it can (no process).
node_name()
{
	rd_line /proc/sys/kernel/hostname && [ -n "$r" ] && return 0
	r=$(uname -n 2>/dev/null || hostname 2>/dev/null)
}

# lock_record: print our lock record.
lock_record()
{
	_b=''
	[ -r /proc/sys/kernel/random/boot_id ] &&
	    IFS= read -r _b </proc/sys/kernel/random/boot_id
	node_name
	_h=$r
	_t=$(date -u '+%s %Y-%m-%dT%H:%M:%SZ' 2>/dev/null)
	esc "$_h"
	printf 'user=%s\nmaster=%s\nrun=%s\npid=%s\nstarted=%s\nboot_id=%s\nhost=%s\nstarted_utc=%s\nlogin=%s\n' \
	    "$user_e" "$master_e" "$run_e" "$$" "${_t%% *}" "$_b" "$e" \
	    "${_t#* }" "$login_e"
}

# lock_read: l_* = the fields of the lock file; 1 if there is none.
lock_read()
{
	l_user='' l_master='' l_run='' l_utc='' l_pid='' l_boot='' l_host=''
	l_started='' l_login=''
	[ -e "$lockfile" ] || [ -L "$lockfile" ] || return 1
	[ -r "$lockfile" ] || return 0
	while IFS= read -r _l || [ -n "$_l" ]; do
		case $_l in
		user=*) l_user=${_l#user=} ;;
		master=*) l_master=${_l#master=} ;;
		run=*) l_run=${_l#run=} ;;
		pid=*) l_pid=${_l#pid=} ;;
		boot_id=*) l_boot=${_l#boot_id=} ;;
		host=*) l_host=${_l#host=} ;;
		started=*) l_started=${_l#started=} ;;
		started_utc=*) l_utc=${_l#started_utc=} ;;
		login=*) l_login=${_l#login=} ;;
		esac
	done <"$lockfile"
	return 0
}

# lock_stale: the lock's run is gone: its agent and every supervisor and
# job it recorded (lock_state).
lock_stale()
{
	lock_state
	[ "$lk_state" = stale ]
}

# lock_state: lk_state = stale (this machine, this boot, its agent gone
# and every process in LOCKFILE.procs gone), jobs (its agent is gone, a
# supervisor or job it started lives) or live (alive, or it cannot be
# told: another host, another boot id...).
lock_state()
{
	lk_state=live
	[ -n "$l_pid" ] && [ -n "$l_boot" ] || return 0
	node_name
	[ "$l_host" = "$r" ] || return 0
	[ -r /proc/sys/kernel/random/boot_id ] || return 0
	IFS= read -r _cb </proc/sys/kernel/random/boot_id
	[ "$_cb" = "$l_boot" ] || return 0
	lock_agent_gone || return 0
	lk_state=stale
	lock_procs_alive && lk_state='jobs'
	return 0
}

# lock_procs_alive: a process recorded in LOCKFILE.procs ("PID TICKS", its
# start in clock ticks after boot) still lives: same pid, same start.
lock_procs_alive()
{
	[ -f "$lockfile.procs" ] || return 1
	while read -r _lp _lt _ || [ -n "$_lp" ]; do
		case $_lp in ''|*[!0-9]*) continue ;; esac
		proc_ticks "$_lp" && [ "$pt" = "$_lt" ] && return 0
	done <"$lockfile.procs"
	return 1
}

# lock_note PID: record PID (a supervisor or job of this run) beside the
# lock, so that another agent can tell the run still lives.  One short
# append: atomic next to the other writers.
lock_note()
{
	[ "$lk_procs" = 1 ] && proc_ticks "$1" || return 0
	printf '%s %s\n' "$1" "$pt" >>"$lockfile.procs" 2>/dev/null
	return 0
}

# lock_procs_new: LOCKFILE.procs of a lock just won, listing this agent.
# Made with O_EXCL (claim): never written through someone's symlink; one
# that cannot be made (someone else's in /var/tmp) is not written at all.
lock_procs_new()
{
	lk_procs=0
	rm -f "$lockfile.procs" 2>/dev/null
	claim "$lockfile.procs" || return 0
	lk_procs=1
	lock_note "$$"
}

# lock_procs_adopt: go on with LOCKFILE.procs of the run's earlier agent
# (its supervisors and jobs are listed there), or make it anew.
lock_procs_adopt()
{
	if [ -f "$lockfile.procs" ] && [ ! -L "$lockfile.procs" ] &&
	    [ -w "$lockfile.procs" ]; then
		lk_procs=1
		lock_note "$$"
	else
		lock_procs_new
	fi
}

# lock_agent_gone: the lock's agent is gone: no process with its pid that
# started when it says (pid reuse).
lock_agent_gone()
{
	kill -0 "$l_pid" 2>/dev/null || [ ! -d "/proc/$l_pid" ] || return 1
	[ -d "/proc/$l_pid" ] || return 0
	# the pid lives: stale only if that process started later than the
	# lock (the pid was reused)
	_st=$(proc_start "$l_pid") || return 1
	[ "$_st" -gt $((l_started + 2)) ]
}

# proc_start PID: the epoch second the process started (Linux /proc).
proc_start()
{
	_btime=''
	while read -r _k _v; do
		[ "$_k" = btime ] && _btime=$_v
	done </proc/stat
	proc_ticks "$1" || return 1
	[ -n "$_btime" ] || return 1
	echo $((_btime + pt / $(getconf CLK_TCK 2>/dev/null || echo 100)))
}

# proc_ticks PID: pt = when the process started, in clock ticks after
# boot (/proc/PID/stat field 22); 1 when there is no such process (or a
# zombie: its parent is gone and no one reaped it yet).
proc_ticks()
{
	pt=''
	{ read -r _stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	_stat=${_stat##*) }
	set -f
	# shellcheck disable=SC2086 # the numeric fields of /proc/PID/stat
	set -- $_stat
	set +f
	[ "$#" -ge 20 ] || return 1
	case $1 in Z|X|x) return 1 ;; esac
	shift 19
	pt=$1
	case $pt in ''|*[!0-9]*) pt=''; return 1 ;; esac
}

# do_lockinfo: who holds the lock: "lockinfo none" or
# "lockinfo USER MASTER RUN STARTED_UTC live|stale|jobs yours|other"
# (jobs: its agent is gone, a job of its run still runs; yours: the same
# login as ours).
do_lockinfo()
{
	if [ -z "$lockfile" ] || ! lock_read; then
		reply "lockinfo none"
		return
	fi
	lock_state
	_y=other
	lock_same_user && _y=yours
	reply "lockinfo ${l_user:-?} ${l_master:-?} ${l_run:-?} ${l_utc:-?} $lk_state $_y"
}

# lock_break: remove a stale lock of our own user, atomically: it is
# renamed aside (only one of several breakers can win the rename) and
# checked again; a lock that turns out not to be the stale one is put back.
lock_break()
{
	lock_same_user && lock_stale || return 1
	_aside=$lockfile.stale.$$
	_was=$(cat "$lockfile" 2>/dev/null) || return 1
	mv "$lockfile" "$_aside" 2>/dev/null || return 1
	if [ "$(cat "$_aside" 2>/dev/null)" != "$_was" ]; then
		ln "$_aside" "$lockfile" 2>/dev/null
		rm -f "$_aside"
		return 1
	fi
	rm -f "$_aside"
	return 0
}

# do_unlock: release our own leftover lock (its run is gone).
do_unlock()
{
	if [ -z "$lockfile" ] || ! lock_read; then
		reply "unlock none"
	elif ! lock_same_user; then
		reply "unlock notours ${l_user:-?}"
	elif lock_break; then
		[ -e "$lockfile" ] || rm -f "$lockfile.procs"
		reply "unlock done ${l_user:-?} ${l_master:-?} ${l_run:-?} ${l_utc:-?}"
	else
		lock_state
		reply "unlock live ${l_run:-?} $lk_state"
	fi
}

# lock_same_user: the lock is ours: taken with the same SSH login (the
# local user on the master may differ); a lock without login= (an older
# agent's) by its user.
lock_same_user()
{
	if [ -n "$l_login" ]; then
		[ "$l_login" = "$login_e" ]
		return
	fi
	[ "$l_user" = "$user_e" ] || [ "$l_user" = "$login_e" ]
}

lock_ours()
{
	[ "$l_run" = "$run_e" ] && lock_same_user
}

do_lock()
{
	if [ -z "$lockfile" ] || [ -z "$run" ]; then
		reply "err lock lock file and run must be set first"
		return
	fi
	_ld=${lockfile%/*}
	if [ -n "$_ld" ] && [ "$_ld" != "$lockfile" ] && [ ! -d "$_ld" ]; then
		if ! m=$(mkdir -p "$_ld" 2>&1); then
			esc "$m"
			reply "err lock $e"
			return
		fi
	fi
	lock_tmp=$lockfile.tmp.$$
	if ! lock_record >"$lock_tmp"; then
		esc "$lockfile"
		reply "err lock cannot write $e.tmp.$$"
		return
	fi
	_n=0 _broke=''
	while :; do
		if ln "$lock_tmp" "$lockfile" 2>/dev/null; then
			lock_won "lock ok$_broke"
			lock_procs_new
			return
		fi
		if lock_read; then
			if lock_ours; then
				# ours from an earlier agent of this run (a
				# reconnect): now this agent's, so that the
				# earlier one, when it exits, leaves it alone
				while IFS= read -r _l || [ -n "$_l" ]; do
					case $_l in
					pid=*) printf 'pid=%s\n' "$$" ;;
					*) printf '%s\n' "$_l" ;;
					esac
				done <"$lockfile" >"$lock_tmp" &&
				    mv -f "$lock_tmp" "$lockfile"
				lock_won "lock ok adopted"
				lock_procs_adopt
				return
			fi
			if [ "$breakstale" = 1 ] && lock_break; then
				# said with whose lock it was (lock ok broke)
				_broke=" broke ${l_user:-?} ${l_master:-?} ${l_run:-?} ${l_utc:-?}"
				continue
			fi
			rm -f "$lock_tmp"
			lock_state
			case $lk_state in
			stale) _s=" (stale)" ;;
			jobs) _s=" (jobs still running)" ;;
			*) _s='' ;;
			esac
			reply "lock held ${l_user:-?} ${l_master:-?} ${l_run:-?} ${l_utc:-?}$_s"
			return
		fi
		# The lock went away meanwhile, or ln does not work here.
		_n=$((_n + 1))
		[ "$_n" -lt 3 ] && continue
		# No hard links on this file system: O_EXCL through noclobber.
		if (set -C; cat "$lock_tmp" >"$lockfile") 2>/dev/null; then
			lock_won "lock ok$_broke"
			lock_procs_new
			return
		fi
		m=$(ln "$lock_tmp" "$lockfile" 2>&1)
		rm -f "$lock_tmp"
		esc "${m:-cannot create $lockfile}"
		reply "err lock $e"
		return
	done
}

# lock_won REPLY: the lock is ours.
lock_won()
{
	rm -f "$lock_tmp"
	lock_tmp=''
	locked=1
	reply "$1"
}

# lock_release: remove the lock if this agent holds it and no job runs.
lock_release()
{
	[ "$locked" = 1 ] || return 0
	# told to quit, the master has every job it sent: a supervisor that
	# has just said "done" exits next; given a moment (a second at
	# most), a finished run leaves no lock behind ($1: "quit")
	if [ "${1:-}" = quit ]; then
		_i=0
		while [ "$_i" -lt 20 ] && jobs_running; do
			sleep 0.05
			_i=$((_i + 1))
		done
	fi
	jobs_running && return 0
	locked=0
	lock_read || return 0
	if lock_ours && [ "$l_pid" = "$$" ]; then
		rm -f "$lockfile.procs" "$lockfile"
	fi
}

# jobs_running: a supervisor of this agent is still alive.
jobs_running()
{
	jobs >/dev/null 2>&1	# reaps finished ones
	for _p in $sups; do
		kill -0 "$_p" 2>/dev/null && return 0
	done
	return 1
}

# --- tools and the prepare step ------------------------------------------

# do_space SHA: "space FREE_KB CACHED": free space where WORKDIR is (or
# would be), and whether tools/SHA is already unpacked there.
do_space()
{
	_d=$workdir
	while [ -n "$_d" ] && [ ! -d "$_d" ]; do
		_d=${_d%/*}
	done
	_o=$(LC_ALL=C df -Pk "${_d:-/}" 2>/dev/null | tail -n 1)
	# shellcheck disable=SC2086 # df's fields
	set -- $_o
	_c=0 _sf=${4:-0}
	if ! workdir_ready; then
		esc "$m"
		reply "err space $e"
		return
	fi
	if [ -n "$arg" ] && safe_token "$arg" &&
	    tool_ours "$workdir/tools/$arg.d" "$arg"; then
		_c=1
	fi
	reply "space $_sf $_c $my_uid"
}

# --- trust in the work directory -----------------------------------------
# WORKDIR often sits in a world-writable directory (/var/tmp): a WORKDIR,
# tools/, runs/ or run directory someone else made (or can write) is
# refused, and a cached tool is used only when we unpacked it (ours alone,
# with a marker holding its sha256, written after a complete unpack).

# path_mode PATH [L]: p_mode and p_uid of PATH (of its target with L).
path_mode()
{
	p_mode='' p_uid=''
	# shellcheck disable=SC2012 # mode and uid of one path, no names
	_pm=$(ls -ldn"${2:-}" -- "$1" 2>/dev/null) || return 1
	set -f
	# shellcheck disable=SC2086 # the fields of ls -l
	set -- $_pm
	set +f
	p_mode=$1 p_uid=$3
	[ -n "$p_uid" ]
}

# dir_check PATH [L]: PATH (its target with L) is a directory of ours that
# group and others cannot write; m = why not, naming PATH and its owner.
dir_check()
{
	[ -n "$my_uid" ] || my_uid=$(id -u)
	if ! path_mode "$1" "${2:-}"; then
		m="cannot look at '$1'"
		return 1
	fi
	if [ "$p_uid" != "$my_uid" ]; then
		path_owner "$1" "${2:-}"
		m="'$1' is owned by $o, not by $(id -un 2>/dev/null || echo "uid $my_uid"): refused"
		return 1
	fi
	case $p_mode in
	l*) [ -z "${2:-}" ] && return 0 ;;
	esac
	case $p_mode in
	d????w*|d???????w*)
		path_owner "$1" "${2:-}"
		m="'$1' (owner $o, $p_mode) is writable by group or others: refused"
		return 1 ;;
	d*) return 0 ;;
	esac
	m="'$1' exists and is not a directory"
	return 1
}

# path_owner PATH [L]: o = the name of PATH's owner (uid N without one).
path_owner()
{
	# shellcheck disable=SC2012 # the owner's name, as ls shows it
	o=$(ls -ld"${2:-}" -- "$1" 2>/dev/null | awk '{ print $3 }')
	[ -n "$o" ] || o="uid $p_uid"
}

# dir_ours PATH: dir_check PATH, and of its target when it is a symlink.
dir_ours()
{
	dir_check "$1" || return 1
	[ ! -L "$1" ] || dir_check "$1" L
}

# workdir_ready: make WORKDIR if it is missing (0755), then refuse it, its
# tools/ and runs/ and the run directory when one is not ours alone.
workdir_ready()
{
	m=''
	if [ -n "$workdir" ] && [ ! -e "$workdir" ] && [ ! -L "$workdir" ] &&
	    ! m=$(umask 022 && mkdir -p -- "$workdir" 2>&1); then
		return 1
	fi
	workdir_trusted
}

# workdir_trusted: WORKDIR, tools/, runs/ and RUNDIR, where they exist,
# are ours alone (m = why not).
workdir_trusted()
{
	[ -n "$my_uid" ] || my_uid=$(id -u)
	for _wt in "$workdir" "$workdir/tools" "$workdir/runs" "$rundir"; do
		[ -n "$_wt" ] || continue
		[ -e "$_wt" ] || [ -L "$_wt" ] || continue
		dir_ours "$_wt" || return 1
	done
	return 0
}

# tool_ours DIR SHA: DIR is a tool we unpacked: ours alone, with its
# marker (written after a complete unpack) holding SHA.
tool_ours()
{
	dir_ours "$1" || return 1
	_tm=''
	[ -f "$1/.distribute-sha256" ] && [ ! -L "$1/.distribute-sha256" ] &&
	    { IFS= read -r _tm <"$1/.distribute-sha256"; } 2>/dev/null
	[ "$_tm" = "$2" ] && return 0
	m="'$1' has no mark of a complete unpack"
	return 1
}

# do_clean SECONDS: remove this user's run directories older than SECONDS
# (never the one of a live lock), then tools no remaining run uses: a line
# "clean run NAME" or "clean tool SHA" for each, then "cleaned RUNS TOOLS
# ID", ID naming WORKDIR (machines sharing it, e.g. on NFS, see the same).
do_clean()
{
	case $arg in ''|*[!0-9]*) reply "err clean bad age"; return ;; esac
	if [ ! -d "$workdir" ]; then
		reply "cleaned 0 0 -"
		return
	fi
	if ! workdir_trusted; then
		esc "$m"
		reply "err clean $e"
		return
	fi
	workdir_id
	_n=0 _keep=''
	lock_read && _keep=$l_run
	for _r in "$workdir"/runs/*/; do
		[ -d "$_r" ] || continue
		_r=${_r%/}
		[ "${_r##*/}" = "$_keep" ] && continue
		if [ -n "$(find "$_r" -prune -mmin +"$((arg / 60))" 2>/dev/null)" ]; then
			rm -rf "$_r" && _n=$((_n + 1)) && esc "${_r##*/}" &&
			    reply "clean run $e"
		fi
	done
	_t=0
	for _a in "$workdir"/tools/*; do
		[ -f "$_a" ] || continue
		_s=${_a##*/}
		case $_s in
		dist-helper-*)	# the worker helper is not a tool archive:
			# removed once as old as the runs removed, not counted
			[ -n "$(find "$_a" -prune -mmin +"$((arg / 60))" \
			    2>/dev/null)" ] && rm -f "$_a"
			continue ;;
		esac
		grep -qx -- "$_s" "$workdir"/runs/*/tool 2>/dev/null && continue
		rm -rf "$_a" "$_a.d" && _t=$((_t + 1)) && esc "$_s" &&
		    reply "clean tool $e"
	done
	reply "cleaned $_n $_t $wid"
}

# workdir_id: wid = WORKDIR's name for "clean" (WORKDIR/.distribute-id,
# random, made once with ln: atomic on NFS too); "-" when it cannot be.
workdir_id()
{
	wid=''
	_wi=$workdir/.distribute-id
	if [ ! -f "$_wi" ]; then
		_wr=$(od -An -N8 -tx1 /dev/urandom 2>/dev/null | tr -d ' \n')
		[ -n "$_wr" ] && printf '%s\n' "$_wr" >"$_wi.$$" &&
		    ln "$_wi.$$" "$_wi" 2>/dev/null
		rm -f "$_wi.$$"
	fi
	[ -f "$_wi" ] && { IFS= read -r wid <"$_wi"; } 2>/dev/null
	case $wid in ''|*[!0-9a-f]*) wid=- ;; esac
}

do_unpack()
{
	if ! safe_token "$arg" || [ -z "$workdir" ]; then
		reply "err unpack bad archive name or no workdir set"
		return
	fi
	_a=$workdir/tools/$arg
	_d=$_a.d
	if ! workdir_trusted; then
		esc "$m"
		reply "err unpack $e"
		return
	fi
	# which tool this run uses, for "clean"
	[ -n "$rundir" ] && mkdir -p "$rundir" && printf '%s\n' "$arg" >"$rundir/tool"
	if [ -e "$_d" ] || [ -L "$_d" ]; then
		if tool_ours "$_d" "$arg"; then
			reply "unpacked $arg cached"
			return
		fi
		if ! dir_ours "$_d"; then
			esc "$m"
			reply "err unpack $e"
			return
		fi
		# ours, but not marked complete (cut short, or unpacked by
		# an older agent): unpacked again
		mv "$_d" "$_d.old-$$" 2>/dev/null && rm -rf "$_d.old-$$"
	fi
	if [ ! -f "$_a" ]; then
		esc "$_a"
		reply "err unpack no archive $e"
		return
	fi
	_t=$_d.tmp-$mkey-$$
	[ -e "$_t" ] && rm -rf "$_t"
	if ! mkdir -p "$_t" 2>/dev/null; then
		esc "$_t"
		reply "err unpack cannot create $e"
		return
	fi
	if ! (cd "$_t" && exec tar -xf "$_a") 2>"$_t.err"; then
		last_line "$_t.err"
		if ! find_cmd unzip || ! rm -rf "$_t" || ! mkdir "$_t" ||
		    ! (cd "$_t" && exec unzip -q "$_a") >/dev/null 2>&1; then
			rm -rf "$_t" "$_t.err"
			esc "${m:-tar failed}"
			reply "err unpack $e"
			return
		fi
	fi
	rm -f "$_t.err"
	# the mark of a complete unpack, moved in place with the tree (not
	# group/other writable whatever the umask or the archive's "./")
	if ! chmod go-w "$_t" ||
	    ! printf '%s\n' "$arg" >"$_t/.distribute-sha256"; then
		rm -rf "$_t"
		reply "err unpack cannot mark the unpacked tool"
		return
	fi
	unpack_install
}

# unpack_install: move $_t to $_d; another machine sharing the workdir
# may have won the race, then theirs is used.
unpack_install()
{
	if [ ! -d "$_d" ] && mv "$_t" "$_d" 2>/dev/null; then
		if [ ! -e "$_d/${_t##*/}" ]; then
			reply "unpacked $arg fresh"
			return
		fi
		rm -rf "${_d:?}/${_t##*/}"
	fi
	rm -rf "$_t"
	if [ -d "$_d" ] && tool_ours "$_d" "$arg"; then
		reply "unpacked $arg cached"
	else
		[ -d "$_d" ] || m="cannot rename to '$_d'"
		esc "$m"
		reply "err unpack $e"
	fi
}

do_prepare()
{
	unesc "$arg"
	abspath "$u"
	_p=$a
	if [ -z "$rundir" ] || { [ ! -d "$rundir" ] && ! mkdir -p "$rundir"; }; then
		pending_clear
		reply "err prepare no usable run dir"
		return
	fi
	# in the background: the main loop goes on answering pings
	(
		trap - EXIT INT TERM HUP PIPE
		(
			job_env "" "" ""
			cd "$rundir" || exit 125
			exec "$sh_cmd" "$_p"
		) </dev/null >"$rundir/prepare-$mkey.log" 2>&1
		reply "prepared $?"
	) </dev/null &
	sups="$sups $!"		# the lock stays while it runs
	pending_clear
}

# do_unpack_bg: do_unpack in the background (a big archive takes a while;
# the main loop goes on answering pings); its reply ends it.
do_unpack_bg()
{
	(
		trap - EXIT INT TERM HUP PIPE
		do_unpack
	) </dev/null &
	sups="$sups $!"
}

# --- jobs ----------------------------------------------------------------

pending_clear()
{
	iso_clear
	args='' envs='' nargs=0 nenvs=0
}

do_env()
{
	case $arg in
	*=*) ;;
	*) reply "err env expected NAME=VALUE"; return ;;
	esac
	case ${arg%%=*} in
	''|[0-9]*|*[!A-Za-z0-9_]*) reply "err env bad variable name"; return ;;
	esac
	envs=$envs$arg$nl
	nenvs=$((nenvs + 1))
}

# job_env JOBDIR SLOT JOBID: export the job's environment (in a subshell).
job_env()
{
	_w=$envs
	while [ -n "$_w" ]; do
		_l=${_w%%"$nl"*}
		_w=${_w#*"$nl"}
		unesc "${_l#*=}"
		export "${_l%%=*}=$u"
	done
	export DIST_JOB_TOKEN="$run/${1##*/}"
	export DIST_JOB_DIR="$1" DIST_SLOT="$2" DIST_JOB_ID="$3" \
	    DIST_RUN_ID="$run" DIST_RUN_DIR="$rundir" DIST_TOOL_DIR="$tooldir" \
	    DIST_CONFIG="$config" DIST_MACHINE="$mkey" DIST_WORKDIR="$workdir"
	if [ -n "$tooldir" ]; then
		PATH=$tooldir/bin:$tooldir:$PATH
		export PATH
	fi
}

do_start()
{
	_s=$arg
	st_slot=${_s%% *}
	case $_s in *' '*) _s=${_s#* } ;; *) _s= ;; esac
	st_dir=${_s%% *}
	case $_s in *' '*) _s=${_s#* } ;; *) _s= ;; esac
	st_id_e=$_s
	unesc "$_s"
	st_id=$u
	case $st_slot in
	''|*[!0-9]*) start_refuse "bad slot"; return ;;
	esac
	if ! safe_token "$st_dir"; then
		start_refuse "bad job dir"
	elif [ -z "$rundir" ]; then
		start_refuse "no run dir set"
	elif forget_pending "$st_dir" && ! forget_flush; then
		start_refuse "cannot remove an earlier $st_dir"
	elif spawn_job; then
		:
	elif job_dir_make; then
		jobs >/dev/null 2>&1	# reap finished supervisors
		_n=''
		for _p in $sups; do
			kill -0 "$_p" 2>/dev/null && _n="$_n $_p"
		done
		slot_last "$st_slot" "$st_dir"
		slot_fifos "$st_slot"
		relay_start
		# the supervisor holds neither our stdin nor, with a relay, our
		# stdout: redirected by exec (a redirected function call would
		# keep copies of them above fd 9 for its return)
		(
			exec </dev/null 2>>"$rundir/agent-$mkey.log"
			[ -z "$relay" ] || exec >/dev/null
			# the helper, unless tmpfs or BenchExec need sh after
			[ -n "$helper" ] && [ -z "$iso_tmpfs$iso_be" ] &&
			    [ -x "$helper" ] &&
			    sv_helper "$st_slot" "$st_dir" "$st_id" \
			    "$sl_prev" "$sl_seq"
			supervise "$st_slot" "$st_dir" "$st_id" "$sl_prev" \
			    "$sl_seq"
		) &
		sups="$_n $!"
		lock_note "$!"
		pending_clear
	fi
}

# slot_last SLOT JOBDIR: sl_prev = the job started on SLOT before (to run
# after), sl_seq = JOBDIR's number on SLOT; JOBDIR is the slot's last
# from now on.
slot_last()
{
	sl_prev='' sl_seq=0 _sl_n='' _sl_w=$slots
	while [ -n "$_sl_w" ]; do
		_sl_l=${_sl_w%%"$nl"*}
		_sl_w=${_sl_w#*"$nl"}
		if [ "${_sl_l%% *}" = "$1" ]; then
			_sl_l=${_sl_l#* }
			sl_prev=${_sl_l%% *} sl_seq=$((${_sl_l#* } + 1))
		else
			_sl_n=$_sl_n$_sl_l$nl
		fi
	done
	slots=$_sl_n$1' '$2' '$sl_seq$nl
}

# relay_start: the supervisors' lines reach the master through a relay, a
# child of ours copying the FIFO RUNDIR/jobs/.report-PID to our stdout:
# so no supervisor holds our stdin or stdout, and no job (whose parent is
# its supervisor) can inherit or reopen them to forge a line.  The relay
# holds the FIFO open for reading and writing (it never sees an end of
# file) and stops at the line "relay end" (relay_stop).
relay_start()
{
	[ -n "$relay" ] && return 0
	_rf=$rundir/jobs/.report-$$
	{ [ -e "$_rf" ] || [ -L "$_rf" ]; } && rm -f "$_rf"
	# (with the spawner's FIFO, "$@": one mkfifo)
	mkfifo "$_rf" "$@" 2>/dev/null
	[ -p "$_rf" ] || return 0
	# opened here, before the fork: the FIFO is held open (by the relay's
	# stdin) from now on, so that a line written before the relay reads
	# is kept in the pipe, not dropped when its writer closes (a fast
	# job's "started", "ended" and "done" were lost that way)
	exec 7<>"$_rf" || return 0
	(
		trap - EXIT INT TERM HUP PIPE
		case " $testhooks " in
		*' slow-relay '*) sleep 1 ;;
		esac
		# the helper's relay reads what the FIFO holds at once, not
		# a byte at a time (client-scripts/dist-helper-relay.c)
		case " $testhooks " in
		*' sh-relay '*) ;;
		*) [ -n "$helper" ] && [ -x "$helper" ] &&
		    exec "$helper" -L "$_rf" <&7 7<&- ;;
		esac
		while IFS= read -r _rl; do
			[ "$_rl" = "relay end" ] && break
			printf '%s\n' "$_rl"
		done <&7 7<&-
	) 2>/dev/null &
	exec 7<&-
	relay=$_rf
}

# shellcheck disable=SC2317 # called by the EXIT trap (agent_exit)
# relay_stop: (we exit) the relay stops once every supervisor has ended,
# after their last lines: jobs still running report as before.
relay_stop()
{
	(
		trap - EXIT INT TERM HUP PIPE
		for _p in $sups; do
			while kill -0 "$_p" 2>/dev/null; do
				sleep 0.5
			done
		done
		printf 'relay end\n' 1<>"$relay"
		rm -f "$relay"
	) </dev/null >/dev/null 2>&1 &
}

# spawn_job: hand the job to the spawner (spawn_ready): no shell and no
# fork here; it makes the job's directory and forks its supervisor.  1
# when it is not for the spawner (isolation asked, no worker helper):
# do_start goes on in sh.
spawn_job()
{
	[ -z "$iso_cpus$iso_aslr$iso_tmpfs$iso_numa$iso_nice$iso_be" ] &&
	    spawn_ready || return 1
	# an earlier job's leftovers under this name go here, in order with
	# "unqueue" (whose claim the spawner must never take for one)
	job_dir_clear || return 0
	slot_last "$st_slot" "$st_dir"
	slot_fifos "$st_slot"
	_sm=strict
	[ "$iso_mode" = best-effort ] && _sm=best-effort
	# the record: dist-helper-spawn.c
	printf 'job %s %s %s %s %s %s %s\n%s\n%s\n%s\n%s%s' "$st_slot" \
	    "$st_dir" "$sl_seq" "${sl_prev:--}" "$nargs" "$nenvs" \
	    "${jobtimeout:-0}" "$st_id_e" "$env_users" \
	    "{\"mode\": \"$_sm\", \"asked\": {}, \"applied\": {}, \"not_applied\": [], \"warnings\": [], \"refused\": false}" \
	    "$args" "$envs" >&8
	pending_clear
}

# spawn_ready: the spawner runs (started at the first job): the worker
# helper as "dist-helper -S" (client-scripts/dist-helper-spawn.c), reading
# records from the FIFO RUNDIR/jobs/.spawn-PID on our fd 8 (opened
# read-write: never blocks, never a SIGPIPE).  It lives while its
# supervisors do, so it counts as one of ours (sups, the lock's procs).
# 1 when there is none: no helper, DIST_NO_HELPER, the test hook
# "no-spawner", or it died (the sh path from then on).
spawn_ready()
{
	if [ -n "$spawn_pid" ]; then
		kill -0 "$spawn_pid" 2>/dev/null && return 0
		spawn_pid='' spawn_off=1
		exec 8>&-
		return 1
	fi
	[ -n "$helper" ] && [ "$spawn_off" = 0 ] && [ -x "$helper" ] ||
	    return 1
	case " $testhooks " in
	*' no-spawner '*) spawn_off=1; return 1 ;;
	esac
	spawn_off=1
	_sf=$rundir/jobs/.spawn-$$
	{ [ -e "$_sf" ] || [ -L "$_sf" ]; } && rm -f "$_sf"
	if [ -n "$relay" ]; then
		mkfifo "$_sf" 2>/dev/null
	else
		relay_start "$_sf"
	fi
	[ -p "$_sf" ] && exec 8<>"$_sf" || return 1
	env_facts
	env_users main
	_hl='' _hh=''
	[ "$lk_procs" = 1 ] && _hl=$lockfile.procs
	case " $testhooks " in
	*' slow-spawner '*) _hh=-H ;;
	esac
	"$helper" -S ${_hh:+"$_hh"} -f "$_sf" -g "$$" -R "$run_e" \
	    -r "$run" -m "$mkey" -l "$_hl" -o "$relay" -j "$env_static_j" \
	    -c "${env_cores:-0}" -D "$direct" -x "$sh_cmd" -X "$script" \
	    -T "$tooldir" -W "$workdir" -C "$config" -U "$rundir" \
	    8<&- </dev/null >/dev/null 2>>"$rundir/agent-$mkey.log" &
	spawn_pid=$! spawn_off=0
	sups="$sups $!"
	lock_note "$!"
}

# spawn_forget: "forget" for the spawner (it removes the files, no rm
# process); 1 when there is none (do_forget batches them for rm).
spawn_forget()
{
	[ -n "$spawn_pid" ] && kill -0 "$spawn_pid" 2>/dev/null || return 1
	safe_token "$arg" || return 0
	printf 'forget %s\n' "$arg" >&8
}

# spawn_stop: (we go away) no more records: the spawner ends once its
# supervisors have (jobs still running keep it, and the lock, alive).
# One with nothing left to run is waited for (a second at most), so that
# it is gone before the lock is released; one with supervisors is not.
spawn_stop()
{
	[ -n "$spawn_pid" ] || return 0
	printf 'end\n' >&8 2>/dev/null
	exec 8>&-
	_i=0
	while [ "$_i" -lt 20 ]; do
		jobs >/dev/null 2>&1	# reaps it
		kill -0 "$spawn_pid" 2>/dev/null || break
		spawn_busy && break
		sleep 0.05
		_i=$((_i + 1))
	done
	spawn_pid=''
}

# spawn_busy: a supervisor of the spawner lives (/proc's list of its
# children, zombies left out); 1 when it has none or it cannot be told.
spawn_busy()
{
	_cf=/proc/$spawn_pid/task/$spawn_pid/children _cl=''
	[ -r "$_cf" ] || return 1
	{ IFS= read -r _cl <"$_cf"; } 2>/dev/null
	for _c in $_cl; do
		_cs=''
		{ IFS= read -r _cs <"/proc/$_c/stat"; } 2>/dev/null
		case ${_cs##*) } in
		''|Z*) ;;
		*) return 0 ;;
		esac
	done
	return 1
}

# sv_report LINE: a supervisor's line to the master, through the relay,
# written without a fork: only once its job is gone ("ended", "done"), or
# before it exists: the supervisor (the job's parent) never holds the
# relay while the job runs.  "started" comes from the job's own process
# before its exec (sv_started), or, without /proc, from a short-lived
# child (sv_report_child).
sv_report()
{
	if [ -n "$relay" ]; then
		printf '%s\n' "$1" 2>/dev/null 1<>"$relay"
	else
		printf '%s\n' "$1" 2>/dev/null
	fi
}

# sv_report_child LINE: sv_report LINE from a short-lived child (the
# supervisor holds nothing while its job runs).
sv_report_child()
{
	(sv_report "$1")
}

# sv_started: (in the job's process, before its exec) "started SLOT
# JOBDIR PID", PID our own from /proc/self/stat (no fork; a subshell's $$
# is its parent's); the relay is closed again before the exec.
sv_started()
{
	_sp=''
	{ read -r _sp _ </proc/self/stat; } 2>/dev/null
	case $_sp in
	''|*[!0-9]*) return 0 ;;
	esac
	sv_report "started $sv_slot $sv_dir $_sp"
}

# slot_fifos SLOT: the FIFOs of SLOT's hand-overs, made once per agent:
# job number N waits on RUNDIR/jobs/.go-AGENT-SLOT-(N mod 8), AGENT this
# agent's pid (one mkfifo per slot, not per job; no two jobs eight apart
# ever wait at once; a supervisor left waiting by an agent that died
# cannot take the hand-over of a later agent's job: its FIFOs are its
# own).  $$ is the agent's pid in its subshells too.
slot_fifos()
{
	_sf=$rundir/jobs/.go-$$-$1
	[ -p "$_sf-0" ] && return 0
	mkfifo "$_sf-0" "$_sf-1" "$_sf-2" "$_sf-3" "$_sf-4" "$_sf-5" \
	    "$_sf-6" "$_sf-7" 2>/dev/null
	return 0
}

# slot_fifo SLOT N: f = the FIFO job number N of SLOT waits on.
slot_fifo()
{
	f=$rundir/jobs/.go-$$-$1-$(($2 % 8))
}

# do_unqueue SLOT JOBDIR: take back a job not started yet (it waits for
# its slot): "unqueue SLOT JOBDIR ok", or "... late" when it has started.
do_unqueue()
{
	_us=${arg%% *} _ud=${arg#* }
	if ! safe_token "$_us" || ! safe_token "$_ud" || [ -z "$rundir" ]; then
		reply "err unqueue bad job dir"
	else
		case " $testhooks " in
		*' hold-unqueue '*) unqueue_hold "$_ud" ;;
		esac
		if claim "$rundir/jobs/$_ud.claim"; then
			reply "unqueue $_us $_ud ok"
		else
			reply "unqueue $_us $_ud late"
		fi
	fi
}

# unqueue_hold JOBDIR: TEST ONLY ("set testhooks hold-unqueue"): wait (at
# most 60 s) until JOBDIR has started and its result is whole, then a
# moment more for its supervisor to print "done".
unqueue_hold()
{
	_uh=$rundir/jobs/$1 _i=0
	while [ ! -e "$_uh.whole" ] && [ ! -e "$_uh.packed" ] &&
	    [ ! -e "$_uh.unpacked" ] && [ "$_i" -lt 600 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	sleep 0.3
}

# unqueue_all: take back every job still waiting for its slot (the agent
# is going away: no job starts without a master).
unqueue_all()
{
	[ -n "$rundir" ] || return 0
	_sl_w=$slots
	while [ -n "$_sl_w" ]; do
		_sl_l=${_sl_w%%"$nl"*}
		_sl_w=${_sl_w#*"$nl"}
		_sl_w0=$_sl_l
		_sl_l=${_sl_l#* }
		# (a job that has had its turn has its .ended, kept after its
		# "forget", and is not made again; one claimed before, by
		# "unqueue", may still wait; under the spawner one may not be
		# made yet: its record is on the way, and it will find its
		# claim and JOBDIR.gone)
		if [ ! -e "$rundir/jobs/${_sl_l%% *}.ended" ] &&
		    [ ! -e "$rundir/jobs/${_sl_l%% *}.whole" ]; then
			claim "$rundir/jobs/${_sl_l%% *}.claim"
			: >"$rundir/jobs/${_sl_l%% *}.gone"
			unqueue_wake "${_sl_w0%% *}" "${_sl_l#* }"
		fi
	done
	return 0
}

# unqueue_wake SLOT SEQ: (the agent goes away) wake the supervisor of
# SLOT's job number SEQ, taken back and marked JOBDIR.gone, if it waits
# for its turn, so that it ends now rather than take the hand-over of a
# later agent's job on the same FIFO (after a reconnect: seen as a run
# that never ended).  Opened read-write: never blocks; the line is lost
# only when nobody waits, and a waiter sees .gone before it reads.  (A job
# taken back by "unqueue" keeps its place in the slot's chain: it passes
# the turn on when the job before it ends.)
unqueue_wake()
{
	slot_fifo "$1" "$2"
	[ -p "$f" ] && printf '\n' 2>/dev/null 1<>"$f"
	return 0
}

# do_forget JOBDIR: the master has the job's results (or wants none):
# remove its directory, packed result and marks, and the end marks of the
# slot's job before it (PREV.ended, PREV.next: JOBDIR has had its turn;
# JOBDIR.ended names PREV).  Its own .ended stays for the slot's next job
# (removed when that one is forgotten).  Removed in batches, one rm for
# 32 jobs (forget_flush), before a job dir of the batch is made again,
# and when the agent ends.
do_forget()
{
	safe_token "$arg" && [ -n "$rundir" ] || return 0
	_fp=''
	{ IFS= read -r _fp <"$rundir/jobs/$arg.ended"; } 2>/dev/null
	safe_token "$_fp" || _fp=''
	forgets=$forgets$arg${_fp:+ $_fp}$nl
	forget_n=$((forget_n + 1))
	[ "$forget_n" -lt 32 ] || forget_flush
}

# forget_flush: remove what do_forget listed, with one rm.
forget_flush()
{
	[ -n "$forgets" ] && [ -n "$rundir" ] || return 0
	set --
	_fw=$forgets
	forgets='' forget_n=0
	while [ -n "$_fw" ]; do
		_fl=${_fw%%"$nl"*}
		_fw=${_fw#*"$nl"}
		_fa=$rundir/jobs/${_fl%% *}
		set -- "$@" "$_fa" "$_fa.tar" "$_fa.packed" "$_fa.unpacked" \
		    "$_fa.claim" "$_fa.whole" "$_fa.gone" "$_fa.bundle" \
		    "$_fa.bundle.tmp"
		case $_fl in
		*' '*) set -- "$@" "$rundir/jobs/${_fl#* }.ended" \
		    "$rundir/jobs/${_fl#* }.next" ;;
		esac
	done
	rm -rf "$@"
}

# forget_pending NAME: NAME (a job dir) waits in the forget batch.
forget_pending()
{
	case $nl$forgets in
	*"$nl$1$nl"*|*"$nl$1 "*|*" $1$nl"*) return 0 ;;
	esac
	return 1
}

# sv_forget_prev: (a job taken back) the marks of the slot's job before
# it (PREV.ended, PREV.next) are no longer needed.  A job that ran leaves
# them to do_forget (its rm), so that its supervisor starts no rm.
sv_forget_prev()
{
	[ -n "$sv_prev" ] && rm -f "$rundir/jobs/$sv_prev.ended" \
	    "$rundir/jobs/$sv_prev.next"
	return 0
}

start_refuse()
{
	pending_clear
	reply "err start $1"
}

# job_dir_make: RUNDIR/jobs/JOBDIR with argv/, argc, env/ (the directories
# made here only when the master has not made them).
job_dir_make()
{
	job_dir_clear || return 1
	if { [ ! -d "$jd/argv" ] || [ ! -d "$jd/env" ]; } &&
	    ! mkdir -p "$jd/argv" "$jd/env"; then
		esc "$jd"
		start_refuse "cannot create $e"
		return 1
	fi
	_i=0 _w=$args
	while [ -n "$_w" ]; do
		unesc "${_w%%"$nl"*}"
		_w=${_w#*"$nl"}
		printf '%s' "$u" >"$jd/argv/$_i" || break
		_i=$((_i + 1))
	done
	_w=$envs
	while [ -n "$_w" ]; do
		_l=${_w%%"$nl"*}
		_w=${_w#*"$nl"}
		unesc "${_l#*=}"
		printf '%s' "$u" >"$jd/env/${_l%%=*}" || break
	done
	if [ -n "$_w" ] || ! printf '%s\n' "$_i" >"$jd/argc"; then
		esc "$jd"
		start_refuse "cannot write in $e"
		return 1
	fi
	return 0
}

# job_dir_clear: jd = RUNDIR/jobs/JOBDIR, an earlier job's leftovers under
# that name removed (the master may have made the directory over SFTP;
# one with a status or an end mark or a claim is an earlier job's); 1,
# refused, when that job still runs.
job_dir_clear()
{
	jd=$rundir/jobs/$st_dir
	if [ -e "$jd/status" ] || [ -e "$jd.ended" ] || [ -e "$jd.claim" ]
	then
		if [ -r "$jd/status" ] && job_dir_busy; then
			start_refuse "job dir $st_dir is in use"
			return 1
		fi
		rm -rf "$jd" "$jd.tar" "$jd.packed" "$jd.unpacked" \
		    "$jd.ended" "$jd.next" "$jd.claim" "$jd.whole" "$jd.gone" \
		    "$jd.bundle" "$jd.bundle.tmp"
	fi
	return 0
}

# job_dir_busy: the status in $jd names a running job that is alive.
job_dir_busy()
{
	_st='' _pid=''
	while IFS= read -r _l || [ -n "$_l" ]; do
		case $_l in
		state=*) _st=${_l#state=} ;;
		pid=*) _pid=${_l#pid=} ;;
		esac
	done <"$jd/status"
	[ "$_st" = running ] && [ -n "$_pid" ] && kill -0 "$_pid" 2>/dev/null
}

# supervise SLOT JOBDIR JOBID PREV: (in the background) run one job once
# the slot is free (PREV, the slot's job before, has ended), record its
# status, pack its directory, report.  The next job's supervisor is let
# go before this one's own bookkeeping.
supervise()
{
	trap - EXIT INT TERM PIPE
	trap '' HUP
	sv_slot=$1 sv_dir=$2 sv_prev=$4 sv_seq=$5 sv_id_raw=$3
	esc "$3"
	sv_id=$e
	sv_jd=$rundir/jobs/$2
	sv_iso=0 sv_grp=''
	# a process group (setsid) only where the supervisor may have to
	# kill the job (--job-timeout): otherwise one exec less per job,
	# and the job's tree is still found by its DIST_JOB_TOKEN (tree_kill)
	[ "${jobtimeout:-0}" -gt 0 ] && sv_grp=$setsid_cmd
	iso_setup "$sv_jd" 2>"$sv_jd/stderr" || sv_iso=1
	env_record "$sv_jd" before	# while the slot's last job ends
	# the job's command, ready before the wait
	set --
	if [ "$direct" = 1 ]; then
		_w=$args
		while [ -n "$_w" ]; do
			unesc "${_w%%"$nl"*}"
			_w=${_w#*"$nl"}
			set -- "$@" "$u"
		done
	else
		set -- "$sh_cmd" "$script"
	fi
	if [ "$sv_iso" = 0 ] && [ "$sv_self" = 1 ] && [ -z "$sv_grp" ] &&
	    [ "${jobtimeout:-0}" -eq 0 ]; then
		sv_early "$@" || return 0
	else
		sv_late "$@" || return 0
	fi
	sv_pass
	now
	sv_end=$t
	sv_report "ended $sv_slot $sv_dir"
	sv_done
}

# sv_helper SLOT JOBDIR JOBID PREV SEQ: supervise with the worker helper
# (do_helper): the job's isolation is checked and the machine noted here,
# then this process becomes the helper (client-scripts/dist-helper.c),
# which does the rest in C with the same files and lines: waits for the
# slot, runs the job in its own session, reports, marks JOBDIR.whole.
# The job's environment is the helper's, but for DIST_JOB_TOKEN (given to the job
# alone: tree_kill must not find the helper).  Never returns.
sv_helper()
{
	trap - EXIT INT TERM PIPE
	trap '' HUP
	sv_jd=$rundir/jobs/$2 _hf='' _hi=$3
	iso_setup "$sv_jd" 2>"$sv_jd/stderr" || _hf=-F
	env_record "$sv_jd" before
	env_record "$sv_jd" parts
	esc "$3"
	_hid=$e _hs=$1 _hd=$2 _hp=$4 _hq=$5 _hl=''
	[ "$lk_procs" = 1 ] && _hl=$lockfile.procs
	set --
	if [ "$direct" = 1 ]; then
		_w=$args
		while [ -n "$_w" ]; do
			unesc "${_w%%"$nl"*}"
			_w=${_w#*"$nl"}
			set -- "$@" "$u"
		done
	else
		set -- "$sh_cmd" "$script"
	fi
	job_env "$sv_jd" "$_hs" "$_hi"
	unset DIST_JOB_TOKEN
	# the helper outermost: the isolation prefixes are the job's alone
	[ -n "$_hf" ] && sv_helper_exec "$@"
	# shellcheck disable=SC2034 # read by iso_chain (agent-env.sh)
	iso_runner=sv_helper_exec
	iso_exec "$@"
}

# sv_helper_exec CMD...: (sv_helper) exec the worker helper to run CMD.
sv_helper_exec()
{
	# shellcheck disable=SC2154 # iso_dir, env_jh/jt: agent-env.sh
	exec "$helper" -s "$_hs" -g "$$" -J "$rundir/jobs" -d "$_hd" -q "$_hq" \
	    -p "$_hp" -i "$_hid" -m "$mkey" -R "$run_e" -T "$run/$_hd" \
	    -t "${jobtimeout:-0}" -l "$_hl" -o "$relay" \
	    -w "$iso_dir" -e "$env_jh" -E "$env_jt" ${_hf:+"$_hf"} -- "$@"
}

# do_helper SHA VERSION: from now on the jobs run under the worker helper
# WORKDIR/tools/dist-helper-SHA (sent by the master over SFTP) when it is
# a file of ours that group and others cannot write, with that SHA-256,
# and prints VERSION: "helper on".  "helper bad WHY": not the file the
# master sent (it sends it again); "helper off WHY": it cannot run here
# (built for x86_64 only, a noexec WORKDIR, nothing to check its digest
# with): the sh supervisor stays.
do_helper()
{
	helper=''
	_hs=${arg%% *} _hv=${arg#* }
	_hp=$workdir/tools/dist-helper-$_hs
	[ -n "$my_uid" ] || my_uid=$(id -u)
	_ha=$(uname -m 2>/dev/null)
	if ! safe_token "$_hs" || [ -z "$workdir" ]; then
		reply "helper off bad name or no workdir"
	elif [ "$_ha" != x86_64 ]; then
		esc "${_ha:-unknown}"
		reply "helper off built for x86_64, this machine is $e"
	elif [ ! -f "$_hp" ] || [ -L "$_hp" ] || ! path_mode "$_hp" ||
	    [ "$p_uid" != "$my_uid" ]; then
		reply "helper bad missing or not ours"
	elif case $p_mode in -????w*|-???????w*) ;; *) false ;; esac; then
		reply "helper bad writable by group or others"
	elif ! find_cmd sha256sum; then
		reply "helper off no sha256sum to check it with"
	else
		_hc=$(sha256sum <"$_hp" 2>/dev/null)
		_hc=${_hc%% *}
		_ho=$("$_hp" --version 2>&1)
		if [ "$_hc" != "$_hs" ]; then
			esc "$_hc"
			reply "helper bad sha256 $e"
		elif [ "$_ho" != "$_hv" ]; then
			esc "${_ho:-no output}"
			reply "helper off $e"
		else
			find_cmd tar || c=tar
			tar_cmd=$c helper=$_hp
			reply "helper on"
		fi
	fi
}

# sv_early CMD...: the job's process is forked now and waits for the
# slot's turn itself (sv_spawn_early): at the hand-over nothing is forked
# and its environment is ready.  1 when it never started (taken back).
sv_early()
{
	sv_spawn_early "$@" </dev/null >"$sv_jd/stdout" 2>>"$sv_jd/stderr" &
	sv_pid=$! sv_end='' sv_rc='' sv_wd=''
	lock_note "$sv_pid"
	trap '' PIPE		# after the fork: the job keeps SIGPIPE
	trap 'sv_kill' TERM
	sv_wait
	[ -e "$sv_jd/status" ] && return 0
	sv_pass			# taken back ("unqueue"): never started
	sv_forget_prev
	return 1
}

# sv_spawn_early CMD...: (in the background) wait for the slot's turn,
# claim the job, write its status and "started" (our own pid: the job's),
# then exec CMD as sv_spawn does; exit 0 without a status when the job was
# taken back.
sv_spawn_early()
{
	job_env "$sv_jd" "$sv_slot" "$sv_id_raw"
	sv_turn
	claim "$sv_jd.claim" || exit 0
	{ read -r sv_pid _ </proc/self/stat; } 2>/dev/null
	now
	sv_start=$t
	sv_status running
	sv_report "started $sv_slot $sv_dir $sv_pid"
	cd "$iso_dir" || exit 125
	if [ "$#" -eq 0 ]; then
		echo "distribute: the job has no arguments" >&2
		exit 127
	fi
	iso_exec "$@"
}

# sv_late CMD...: wait for the slot's turn, then fork the job (sv_spawn),
# with its timeout's watchdog; 1 when it never started (taken back).
sv_late()
{
	sv_turn
	if ! claim "$sv_jd.claim"; then
		sv_pass		# taken back ("unqueue"): never started
		sv_forget_prev
		return 1
	fi
	# nothing between the slot's turn and the job's fork
	if [ "$sv_iso" = 0 ]; then
		sv_spawn "$@" </dev/null >"$sv_jd/stdout" 2>>"$sv_jd/stderr" &
		sv_pid=$!
	else
		(sv_started; exit 126) &
		sv_pid=$!
	fi
	lock_note "$sv_pid"
	now
	sv_start=$t sv_end='' sv_rc=''
	sv_status running
	trap '' PIPE		# after the fork: the job keeps SIGPIPE
	sv_tok=$run/$sv_dir sv_wd=''
	# the watchdog before our TERM trap: a subshell keeps its parent's
	# traps until it sets its own, and sv_kill there would let a TERM
	# that comes early (a job of a few ms) leave it waiting out the
	# whole timeout
	if [ "${jobtimeout:-0}" -gt 0 ]; then
		(
			sleep "$jobtimeout" &
			_sl=$!
			trap 'kill "$_sl" 2>/dev/null; exit 0' TERM
			wait "$_sl" || exit 0
			: >"$sv_jd/.timeout"
			tree_kill "$sv_tok" "$sv_pid"
		) </dev/null >/dev/null 2>&1 &
		sv_wd=$!
	fi
	trap 'sv_kill' TERM
	[ "$sv_self" = 1 ] || sv_report_child "started $sv_slot $sv_dir $sv_pid"
	sv_wait
}

# sv_done: the job has ended: its timeout's watchdog stopped, its status,
# its environment after, its directory marked whole (not packed: the
# master copies a small one over SFTP, and asks "pack" for a big one),
# "done".
sv_done()
{
	sv_reason=''
	if [ -n "$sv_wd" ]; then
		if [ -e "$sv_jd/.timeout" ]; then
			wait "$sv_wd"
			rm -f "$sv_jd/.timeout"
			sv_rc=124 sv_reason=timeout
		else
			pkill_quiet "$sv_wd"
		fi
	fi
	if ! iso_finish "$sv_jd" && [ "$sv_rc" = 0 ]; then
		sv_rc=125	# the results stayed on the tmpfs (see stderr)
	fi
	env_record "$sv_jd" after
	sv_status "done"
	# the end of the job for a later agent (reattach): made last
	: >"$sv_jd.whole"
	sv_report "done $sv_slot $sv_dir $sv_rc $sv_dir"
}

# sv_spawn CMD...: (in the background) the job's process: its
# environment, then exec CMD (the job's argv, or "sh SCRIPT"), in its own
# session when setsid exists.
sv_spawn()
{
	job_env "$sv_jd" "$sv_slot" "$sv_id_raw"
	cd "$iso_dir" || exit 125
	if [ "$#" -eq 0 ]; then
		echo "distribute: the job has no arguments" >&2
		exit 127
	fi
	[ "$sv_self" = 1 ] && sv_started
	[ -n "$sv_grp" ] && iso_exec "$sv_grp" "$@"
	iso_exec "$@"
}

# sv_turn: wait until the slot's previous job (sv_prev) has ended.  The
# waiter opens its FIFO (slot_fifo) and makes PREV.next; the ending
# supervisor makes PREV.ended, then writes a line to the FIFO if PREV.next
# is there.  Each looks for the other's mark after making its own, so one
# of them always sees the other: no lost wake-up, no polling.
sv_turn()
{
	[ -n "$sv_prev" ] || return 0
	_tp=$rundir/jobs/$sv_prev
	[ -e "$_tp.ended" ] && return 0
	slot_fifo "$sv_slot" "$sv_seq"
	if [ ! -p "$f" ]; then
		while [ ! -e "$_tp.ended" ]; do	# no FIFOs here: look
			sleep 1
		done
		return 0
	fi
	exec 3<>"$f"
	: >"$_tp.next"
	# JOBDIR.gone: its agent went away (unqueue_all): never wait for a
	# turn that may go to a later agent's job on this FIFO
	[ -e "$_tp.ended" ] || [ -e "$sv_jd.gone" ] || IFS= read -r _ <&3
	exec 3<&-
}

# sv_pass: this job has ended (or will never start): the slot's next job
# may go.
sv_pass()
{
	printf '%s\n' "$sv_prev" >"$sv_jd.ended"
	if [ -e "$sv_jd.next" ]; then
		slot_fifo "$sv_slot" "$((sv_seq + 1))"
		printf '\n' 2>/dev/null 1<>"$f"
	fi
}

# claim FILE: make FILE, failing if it exists (noclobber opens with
# O_EXCL): the one atomic test-and-set a shell has without forking.
claim()
{
	set -C
	{ true >"$1"; } 2>/dev/null
	_cl=$?
	set +C
	return "$_cl"
}

# pkill_quiet PID: stop a watchdog (and its sleep) that is no longer needed.
pkill_quiet()
{
	kill -s TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# tree_kill TOKEN PID: kill the job's whole process tree: its process
# group, and every process of ours carrying DIST_JOB_TOKEN=TOKEN in its
# environment (children that left the group with setsid or a double
# fork included).  Stopped first, so that none forks while we look.
tree_kill()
{
	kill -s KILL -- "-$2" 2>/dev/null || kill -s KILL "$2" 2>/dev/null
	_tk_round=0
	while [ "$_tk_round" -lt 10 ]; do
		_tk_found=''
		for _tk_p in /proc/[0-9]*; do
			[ -r "$_tk_p/environ" ] || continue
			if tr '\000' '\n' <"$_tk_p/environ" 2>/dev/null |
			    grep -qxF -- "DIST_JOB_TOKEN=$1"; then
				_tk_pid=${_tk_p#/proc/}
				kill -s STOP "$_tk_pid" 2>/dev/null &&
				    _tk_found="$_tk_found $_tk_pid"
			fi
		done
		[ -z "$_tk_found" ] && return 0
		for _tk_pid in $_tk_found; do
			kill -s KILL "$_tk_pid" 2>/dev/null
		done
		_tk_round=$((_tk_round + 1))
	done
}

# do_kill JOBDIR: kill a running job's whole tree (its supervisor then
# reports it done as usual).
do_kill()
{
	if ! safe_token "$arg" || [ ! -r "$rundir/jobs/$arg/status" ]; then
		reply "err kill no such job"
		return
	fi
	_pid=''
	while IFS='=' read -r _k _v; do
		[ "$_k" = pid ] && _pid=$_v
	done <"$rundir/jobs/$arg/status"
	[ -n "$_pid" ] && tree_kill "$run/$arg" "$_pid"
	reply "killed $arg"
}

# job_state JOBDIR: js = running|done|lost|missing for a job of this run,
# with js_rc and js_res (the result's name: JOBDIR, JOBDIR.tar or "-")
# when done.
job_state()
{
	js=missing js_rc='' js_res='' _st='' _pid=''
	_jd=$rundir/jobs/$1
	if [ ! -r "$_jd/status" ]; then
		# sent ahead, still waiting under an earlier agent: take it
		# back; claimed already: it is starting, look again
		if [ -d "$_jd" ] && ! claim "$_jd.claim" &&
		    [ "${2:-}" != again ]; then
			sleep 2
			job_state "$1" again
		fi
		return 0
	fi
	while IFS='=' read -r _k _v; do
		case $_k in
		state) _st=$_v ;;
		pid) _pid=$_v ;;
		exit) js_rc=$_v ;;
		esac
	done <"$_jd/status"
	if [ "$_st" = "done" ] && [ -e "$_jd.packed" ]; then
		js="done" js_res=$1.tar
	elif [ "$_st" = "done" ] && [ -e "$_jd.whole" ]; then
		js="done" js_res=$1
	elif [ "$_st" = "done" ] && [ -e "$_jd.unpacked" ]; then
		js="done" js_res=-
	elif [ "$_st" = "done" ] && [ "${2:-}" != again ]; then
		# done, its mark not made yet: look again in a moment
		sleep 2
		job_state "$1" again
	elif [ "$_st" = "done" ]; then
		# its supervisor died after the status: the directory is whole
		js="done" js_res=$1
	elif [ -n "$_pid" ] && kill -0 "$_pid" 2>/dev/null; then
		js=running
	elif [ "${2:-}" != again ]; then
		# the job just ended and its supervisor is writing "done":
		# look again in a moment before calling it lost
		sleep 2
		job_state "$1" again
	else
		js=lost
	fi
}

# do_status JOBDIR: what became of a job while the master was away.
do_status()
{
	if ! safe_token "$arg"; then
		reply "err status bad job dir"
		return
	fi
	job_state "$arg"
	reply "status $arg $js${js_rc:+ $js_rc}${js_res:+ $js_res}"
}

# do_watch SLOT JOBDIR: report "done SLOT JOBDIR RC RESULT" when a job
# started by an earlier agent (whose supervisor cannot tell us) ends:
# the status file is looked at every half second.
do_watch()
{
	_ws=${arg%% *} _wd=${arg#* }
	if ! safe_token "$_ws" || ! safe_token "$_wd"; then
		reply "err watch bad job dir"
		return
	fi
	(
		trap - EXIT
		while :; do
			job_state "$_wd"
			[ "$js" = running ] || break
			sleep 0.5
		done
		[ "$js" = "done" ] || js_rc=137 js_res=-
		printf 'done %s %s %s %s\n' "$_ws" "$_wd" "$js_rc" "$js_res" \
		    2>/dev/null
	) </dev/null &
	sups="$sups $!"
}

# shellcheck disable=SC2317 # called by the TERM trap
sv_kill()
{
	if [ -n "$sv_grp" ]; then
		kill -s TERM -- "-$sv_pid" 2>/dev/null ||
		    kill -s TERM "$sv_pid" 2>/dev/null
	else
		kill -s TERM "$sv_pid" 2>/dev/null
	fi
}

# sv_wait: sv_rc = the job's exit status (waits again after a TERM).
sv_wait()
{
	while :; do
		wait "$sv_pid"
		sv_rc=$?
		kill -0 "$sv_pid" 2>/dev/null || break
	done
	if [ "$sv_rc" -gt 128 ]; then
		wait "$sv_pid"
		_rc=$?
		[ "$_rc" -eq 127 ] || sv_rc=$_rc
	fi
}

# sv_status running|done: $sv_jd/status, without a fork on the way to or
# from the job: "running" (with the job's pid, and its process group with
# setsid) is written once it runs, "done" (with end= and exit=) appended
# in one write.  A reader takes a key's last value.
sv_status()
{
	if [ "$1" = "done" ]; then
		printf 'state=done\nend=%s\nexit=%s\n%s' "$sv_end" "$sv_rc" \
		    "${sv_reason:+reason=$sv_reason$nl}" >>"$sv_jd/status"
		return
	fi
	{
		printf 'state=running\njob=%s\nslot=%s\nmachine=%s\nrun=%s\n' \
		    "$sv_id" "$sv_slot" "$mkey" "$run_e"
		printf 'start=%s\npid=%s\n' "$sv_start" "$sv_pid"
		if [ -n "$sv_grp" ]; then
			printf 'pgid=%s\n' "$sv_pid"
		fi
	} >"$sv_jd/status"
}

# pack_dir JOBDIR: (in a background child) pack a done job's directory
# (tar, not compressed: a gzip costs the worker more than it saves on a
# LAN) into JOBDIR.tar, written under a name of its own and renamed (an
# earlier agent's packer may still run), then JOBDIR.packed; pk_res = its
# name in RUNDIR/jobs or "-".
pack_dir()
{
	pk_res=$1.tar
	_pk=$rundir/jobs/$1
	[ -e "$_pk.packed" ] && [ -f "$_pk.tar" ] && return 0
	if tar -C "$_pk" -cf - . >"$_pk.tar.$$" &&
	    mv -f "$_pk.tar.$$" "$_pk.tar"; then
		: >"$_pk.packed"
		return 0
	fi
	rm -f "$_pk.tar.$$"
	pk_res=-
}

# do_pack JOBDIR: the master wants a done job's directory packed (too big
# to copy file by file): "packed JOBDIR RESULT", from the background.
do_pack()
{
	if ! safe_token "$arg" || [ -z "$rundir" ] ||
	    [ ! -d "$rundir/jobs/$arg" ]; then
		reply "err pack no such job dir"
		return
	fi
	(
		trap - EXIT
		trap '' HUP
		pack_dir "$arg" 2>>"$rundir/agent-$mkey.log"
		reply "packed $arg $pk_res"
	) </dev/null &
	sups="$sups $!"
}

# --- the main loop -------------------------------------------------------

do_set()
{
	_k=${arg%% *}
	case $arg in
	*' '*) unesc "${arg#* }" ;;
	*) u= ;;
	esac
	case $_k in
	workdir|lockfile|script|tooldir|config|rundir) abspath "$u"; u=$a ;;
	esac
	case $_k in
	workdir) workdir=$u ;;
	lockfile) lockfile=$u ;;
	script) script=$u ;;
	tooldir) tooldir=$u ;;
	config) config=$u ;;
	rundir) rundir=$u ;;
	run) run=$u; esc "$u"; run_e=$e ;;
	user) user=$u; esc "$u"; user_e=$e ;;
	master) esc "$u"; master_e=$e ;;
	breakstale) breakstale=$u ;;
	direct) direct=$u ;;
	testhooks) testhooks=$u ;;
	jobtimeout)
		case $u in
		''|*[!0-9]*) reply "err set bad job timeout" ;;
		*) jobtimeout=$u ;;
		esac
		;;
	mkey)
		if safe_token "$u"; then
			mkey=$u
		else
			reply "err set bad machine key"
		fi
		;;
	*) esc "$_k"; reply "err set unknown key $e" ;;
	esac
	if [ "$_k" = workdir ] && [ -z "$script" ]; then
		script=$workdir/job.sh
	fi
}

# agent_leave [quit]: (quit, or the end) collected jobs' files removed,
# jobs still waiting taken back, the spawner told, the lock released
# unless a job still runs.
agent_leave()
{
	forget_flush
	unqueue_all
	spawn_stop
	lock_release "${1:-}"
}

# shellcheck disable=SC2317 # called by the EXIT trap
agent_exit()
{
	agent_leave
	[ -n "$lock_tmp" ] && rm -f "$lock_tmp"
	[ -n "$relay" ] && relay_stop
}

main()
{
	nl='
'
	workdir='' lockfile='' run='' run_e='' master_e='' mkey='' script=''
	tooldir='' config='' rundir='' jobtimeout=0 breakstale=0 locked=0 lock_tmp='' sups='' args='' envs=''
	slots='' direct=0 my_uid='' lk_procs=0 testhooks='' relay=''
	forgets='' forget_n=0 helper='' tar_cmd=tar nargs=0 nenvs=0
	spawn_pid='' spawn_off=0
	user=${USER:-${LOGNAME:-}}
	esc "$user"
	user_e=$e login_e=$e
	find_cmd sh || c="sh"
	sh_cmd=$c
	find_cmd setsid
	setsid_cmd=$c
	sv_self=0
	[ -r /proc/self/stat ] && sv_self=1
	clock_init
	trap agent_exit EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 141' PIPE
	trap 'exit 143' TERM
	# shellcheck disable=SC2154 # agent_nonce: the master's first line
	reply "ready 1 $$${agent_nonce:+ $agent_nonce}"
	while IFS= read -r line; do
		case $line in
		*' '*) verb=${line%% *} arg=${line#* } ;;
		*) verb=$line arg= ;;
		esac
		case $verb in
		arg) args=$args$arg$nl nargs=$((nargs + 1)) ;;
		env) do_env ;;
		start) do_start ;;
		set) do_set ;;
		ping) reply "pong${arg:+ $arg}" ;;
		lock) do_lock ;;
		unpack) do_unpack_bg ;;
		prepare) do_prepare ;;
		iso) do_iso ;;
		kill) do_kill ;;
		status) do_status ;;
		lockinfo) do_lockinfo ;;
		space) do_space ;;
		clean) do_clean ;;
		unlock) do_unlock ;;
		watch) do_watch ;;
		info) do_info ;;
		facts) do_facts ;;
		unqueue) do_unqueue ;;
		forget) spawn_forget || do_forget ;;
		helper) do_helper ;;
		pack) do_pack ;;
		quit) agent_leave quit; reply bye; exit 0 ;;
		*) esc "$verb"; reply "err $e unknown verb" ;;
		esac
	done
	return 0
}
main; exit
