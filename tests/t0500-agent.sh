#!/bin/sh
# t0500-agent: the worker agent driven locally, without ssh, under each
# POSIX shell at hand (dash, busybox sh, bash --posix): the protocol, the
# machine lock (taken, refused, adopted, released or kept), jobs with
# hostile argument vectors, environment, exit codes, concurrency, results,
# the tool unpack, prepare, end of input with and without running jobs; and
# job.sh on its own.  Prints the dispatch latency as "# " lines.
# shellcheck disable=SC1091 # tests/lib.sh
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/lib.sh"

cat "$TOP/client-scripts/agent-env.sh" "$TOP/client-scripts/agent.sh" \
    >"$T/agent.sh" || fatal "no agent scripts"
JOB_SH=$TOP/client-scripts/job.sh
AGENT_PIDS=''
nl='
'

# --- driving agents -------------------------------------------------------

# agent_up N: start agent N ($AGENT_SH -s) reading the FIFO $T/aN.in,
# its lines in $T/aN.log.  The caller then opens the FIFO on an fd and
# sends the agent text (agent_send).
agent_up()
{
	rm -f "$T/a$1.in" "$T/a$1.log"
	mkfifo "$T/a$1.in" || fatal "mkfifo"
	# shellcheck disable=SC2086 # AGENT_SH may be "busybox sh"
	$AGENT_SH -s <"$T/a$1.in" >"$T/a$1.log" 2>"$T/a$1.err" &
	echo $! >"$T/a$1.pid"
	AGENT_PIDS="$AGENT_PIDS $!"
}

# wait_line N REGEX [TENTHS]: wait (default 15 s) until a line of agent N
# matches REGEX (grep -E, anchored); its last match goes to $T/line.
wait_line()
{
	_i=0
	while [ "$_i" -lt "${3:-150}" ]; do
		if grep -E "^($2)\$" "$T/a$1.log" >"$T/lines" 2>/dev/null; then
			tail -n 1 "$T/lines" >"$T/line"
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	note "agent $1 said:"
	sed 's/^/#   /' "$T/a$1.log" "$T/a$1.err"
	: >"$T/line"
	return 1
}

# wait_gone PID: wait up to 10 s for PID to exit.
# shellcheck disable=SC2317 # called through check
wait_gone()
{
	_i=0
	while kill -0 "$1" 2>/dev/null && [ "$_i" -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	! kill -0 "$1" 2>/dev/null
}

# settings RUN: the set lines for a run (user u1, master mhost).
settings()
{
	printf '%s\n' "set workdir $W" "set lockfile $LOCK" "set run $1" \
	    "set user u1" "set master mhost" "set mkey m1" \
	    "set script $JOB_SH" "set rundir $W/runs/$1"
}

# argline VALUE: an "arg" line for VALUE, escaped.
argline()
{
	_v=$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' | sed -e ':a' -e 'N' \
	    -e '$!ba' -e 's/\n/\\n/g'; printf x)
	printf 'arg %s\n' "${_v%x}"
}

# --- job.sh on its own ----------------------------------------------------

test_job_sh()
{
	_d=$T/jobsh-$1
	mkdir -p "$_d/argv"
	printf '%s' sh >"$_d/argv/0"
	printf '%s' '-c' >"$_d/argv/1"
	printf '%s' 'for a; do printf "<%s>" "$a"; done' >"$_d/argv/2"
	printf '%s' x >"$_d/argv/3"
	printf 'two\nlines\n\n' >"$_d/argv/4"
	: >"$_d/argv/5"
	printf '%s' ' sp  \\n$(touch pwned)*' >"$_d/argv/6"
	echo 7 >"$_d/argc"
	# shellcheck disable=SC2086
	(cd "$_d" && $AGENT_SH "$JOB_SH" >out 2>err)
	{
		printf '<two\nlines\n\n><><'
		printf '%s' ' sp  \\n$(touch pwned)*'
		printf '>'
	} >"$_d/want"
	check "$1: job.sh rebuilds the exact argv" cmp "$_d/want" "$_d/out"
	check "$1: job.sh evaluates nothing" [ ! -e "$_d/pwned" ]
	echo 0 >"$_d/argc"
	# shellcheck disable=SC2086
	(cd "$_d" && $AGENT_SH "$JOB_SH" >out 2>err)
	check "$1: job.sh refuses an empty argv (127)" [ $? -eq 127 ]
	echo 1 >"$_d/argc"
	printf '%s' /nonexistent/cmd >"$_d/argv/0"
	# shellcheck disable=SC2086
	(cd "$_d" && $AGENT_SH "$JOB_SH" >out 2>err)
	check "$1: job.sh exits 127 for a missing command" [ $? -eq 127 ]
}

# --- the agent ------------------------------------------------------------

# test_lock NAME: agent 1 locks, agent 2 (another run) is refused.
test_lock()
{
	agent_up 1
	exec 3>"$T/a1.in"
	cat "$T/agent.sh" >&3
	wait_line 1 'ready 1 [0-9]+'
	check "$1: ready 1 PID" grep -qx "ready 1 $(cat "$T/a1.pid")" "$T/a1.log"
	{ settings R1; echo lock; } >&3
	check "$1: lock ok" wait_line 1 'lock ok'
	check "$1: lock record" grep -qx 'user=u1' "$LOCK"
	check "$1: lock master" grep -qx 'master=mhost' "$LOCK"
	check "$1: lock run" grep -qx 'run=R1' "$LOCK"
	check "$1: lock pid" grep -qx "pid=$(cat "$T/a1.pid")" "$LOCK"
	check "$1: lock started" grep -qxE 'started=[0-9]+' "$LOCK"
	check "$1: lock started_utc" \
	    grep -qxE 'started_utc=[0-9-]{10}T[0-9:]{8}Z' "$LOCK"
	check "$1: lock host" grep -qx "host=$(uname -n)" "$LOCK"
	if [ -r /proc/sys/kernel/random/boot_id ]; then
		check "$1: lock boot_id" grep -qx \
		    "boot_id=$(cat /proc/sys/kernel/random/boot_id)" "$LOCK"
	fi
	check "$1: no temporary lock file left" \
	    sh -c 'ls "$1" | grep -vqxE "distribute\.lock(\.procs)?" && exit 1; exit 0' x \
	    "$(dirname "$LOCK")"
	cp "$LOCK" "$T/lock.orig"

	agent_up 2
	exec 5>"$T/a2.in"
	cat "$T/agent.sh" >&5
	wait_line 2 'ready 1 [0-9]+'
	{ settings R2; echo lock; } >&5
	check "$1: another run is refused" wait_line 2 'lock held .*'
	check "$1: ... with the holder" \
	    grep -qxE 'lock held u1 mhost R1 [0-9-]+T[0-9:]+Z' "$T/line"
	echo quit >&5
	check "$1: the refused agent says bye" wait_line 2 'bye'
	exec 5>&-
	check "$1: the refused agent exits" wait_gone "$(cat "$T/a2.pid")"
	check "$1: the holder's lock is untouched" cmp "$LOCK" "$T/lock.orig"
}

# job N SLOT DIR JOBID ARG...: send one job to agent 1 (fd 3).
job()
{
	_fd=$1
	shift 1
	_s=$1 _j=$2 _id=$3
	shift 3
	{
		for _a in "$@"; do
			argline "$_a"
		done
		printf 'start %s %s %s\n' "$_s" "$_j" "$_id"
	} >&3
}

test_jobs()
{
	R=$W/runs/R1/jobs
	# the hostile argv
	job 1 0 j1 'job one' sh -c 'printf "%s\n" "$@" >out; echo to-err >&2' x \
	    'a b' "it's" 'say "hi"' '$(touch '"$T"'/pwned)' "two${nl}lines" \
	    'back\slash\n' '*' '' '  lead'
	check "$1: started SLOT JOBDIR PID" wait_line 1 'started 0 j1 [0-9]+'
	check "$1: done SLOT JOBDIR 0 RESULT" wait_line 1 'done 0 j1 0 j1'
	printf '%s\n' 'a b' "it's" 'say "hi"' '$(touch '"$T"'/pwned)' \
	    "two${nl}lines" 'back\slash\n' '*' '' '  lead' >"$T/want"
	check "$1: the job got exactly its argv" cmp "$T/want" "$R/j1/out"
	check "$1: nothing was evaluated" [ ! -e "$T/pwned" ]
	check "$1: argc" grep -qx 13 "$R/j1/argc"
	printf 'two\nlines' >"$T/want"
	check "$1: argv/8 holds the exact bytes" cmp "$T/want" "$R/j1/argv/8"
	check "$1: stdout file" [ -f "$R/j1/stdout" ]
	check "$1: stderr file" grep -qx to-err "$R/j1/stderr"
	check "$1: status done" grep -qx 'state=done' "$R/j1/status"
	check "$1: status exit" grep -qx 'exit=0' "$R/j1/status"
	check "$1: status job" grep -qx 'job=job one' "$R/j1/status"
	check "$1: status start/end" grep -qE '^start=[0-9]+' "$R/j1/status"
	check "$1: status end" grep -qE '^end=[0-9]+' "$R/j1/status"
	check "$1: status slot and machine" grep -qx 'machine=m1' "$R/j1/status"
	check "$1: the directory marked whole" [ -e "$R/j1.whole" ]
	check "$1: ... not packed unasked" [ ! -e "$R/j1.tar" ]
	echo 'pack j1' >&3
	check "$1: pack: packed JOBDIR RESULT" wait_line 1 'packed j1 j1\.tar'
	check "$1: result archive" [ -s "$R/j1.tar" ]
	check "$1: ... marked packed" [ -e "$R/j1.packed" ]
	echo 'pack nosuch' >&3
	check "$1: pack of no job dir refused" wait_line 1 'err pack .*'
	tar -tf "$R/j1.tar" >"$T/list" 2>&1
	check "$1: archive holds the status" grep -qx './status' "$T/list"
	check "$1: archive holds argv and out" grep -qx './out' "$T/list"

	# exit codes, environment, tool dir in PATH
	job 1 1 j2 'exit three' sh -c 'exit 3'
	check "$1: an exit status comes back" wait_line 1 'done 1 j2 3 j2'
	check "$1: status exit=3" grep -qx 'exit=3' "$R/j2/status"
	mkdir -p "$W/tool/bin"
	printf '#!/bin/sh\necho tool-here\n' >"$W/tool/bin/mytool"
	chmod 755 "$W/tool/bin/mytool"
	{
		echo "set tooldir $W/tool"
		printf '%s\n' 'env FOO=a b\nc\\d'
		echo 'env 1BAD=x'
	} >&3
	check "$1: a bad variable name is refused" \
	    wait_line 1 'err env bad variable name'
	job 1 0 j3 'env job' sh -c 'printf "%s|" "$FOO" "$DIST_JOB_ID" \
	    "$DIST_JOB_DIR" "$DIST_SLOT" "$DIST_MACHINE" "$DIST_RUN_ID" \
	    "$DIST_TOOL_DIR" "$DIST_WORKDIR" "$PWD" >out; mytool >>out'
	check "$1: env job done" wait_line 1 'done 0 j3 0 j3'
	printf 'a b\nc\\d|env job|%s|0|m1|R1|%s|%s|%s|tool-here\n' "$R/j3" \
	    "$W/tool" "$W" "$R/j3" >"$T/want"
	check "$1: the job's environment" cmp "$T/want" "$R/j3/out"
	printf 'a b\nc\\d' >"$T/want"
	check "$1: env/FOO holds the exact value" cmp "$T/want" "$R/j3/env/FOO"
	echo "set tooldir" >&3

	# refused job dirs drop their pending args
	{ argline stale; echo 'start 0 ../x bad'; } >&3
	check "$1: err for a bad job dir" wait_line 1 'err start bad job dir'
	check "$1: nothing made outside" [ ! -e "$W/runs/R1/x" ]
	job 1 0 j4 'after' sh -c 'echo "$#" >out' y
	check "$1: after a refused start" wait_line 1 'done 0 j4 0 .*'
	check "$1: its args were dropped" grep -qx 0 "$R/j4/out"

	# two slots at once: each waits for the other
	_p='i=0; : >"$1"; while [ ! -e "$2" ] && [ $i -lt 100 ]; do
	    sleep 0.1; i=$((i + 1)); done; [ -e "$2" ]'
	job 1 0 j5 a sh -c "$_p" x "$T/c5" "$T/c6"
	job 1 1 j6 b sh -c "$_p" x "$T/c6" "$T/c5"
	check "$1: two slots run concurrently (slot 0)" \
	    wait_line 1 'done 0 j5 0 .*' 200
	check "$1: two slots run concurrently (slot 1)" \
	    wait_line 1 'done 1 j6 0 .*' 200
	rm -f "$T/c5" "$T/c6"

	echo ping >&3
	check "$1: ping" wait_line 1 'pong'
	echo 'frob a b' >&3
	check "$1: unknown verb" wait_line 1 'err frob unknown verb'
	echo 'set colour red' >&3
	check "$1: unknown set key" wait_line 1 'err set unknown key colour'
}

# test_ahead NAME: a job sent to a busy slot waits there and starts the
# moment the slot's job ends; one not started yet can be taken back.
test_ahead()
{
	R=$W/runs/R1/jobs
	rm -f "$T/go1" "$T/go2"
	_wait='i=0; while [ ! -e "$1" ] && [ $i -lt 300 ]; do sleep 0.1;
	    i=$((i + 1)); done; : >"$2"'
	job 1 0 a1 'first' sh -c "$_wait" x "$T/go1" "$T/a1-end"
	job 1 0 a2 'second' sh -c '[ -e "$1" ] && echo after >out' x "$T/a1-end"
	check "$1: the first job starts" wait_line 1 'started 0 a1 [0-9]+'
	sleep 0.3
	check "$1: the second waits for the slot" [ ! -e "$R/a2/status" ]
	: >"$T/go1"
	check "$1: the slot's job ends" wait_line 1 'ended 0 a1'
	check "$1: the next one starts at once" wait_line 1 'started 0 a2 [0-9]+'
	check "$1: ... after the first" wait_line 1 'done 0 a2 0 a2'
	check "$1: ... which had ended" grep -qx after "$R/a2/out"

	job 1 1 b1 'long' sh -c "$_wait" x "$T/go2" "$T/b1-end"
	job 1 1 b2 'taken back' sh -c ': >"$1"' x "$T/b2-ran"
	check "$1: a running job" wait_line 1 'started 1 b1 [0-9]+'
	echo 'unqueue 1 b2' >&3
	check "$1: a waiting job is taken back" wait_line 1 'unqueue 1 b2 ok'
	echo 'unqueue 1 b1' >&3
	check "$1: a started one is not" wait_line 1 'unqueue 1 b1 late'
	: >"$T/go2"
	check "$1: the running job finishes" wait_line 1 'done 1 b1 0 b1'
	job 1 1 b3 'after the taken back' sh -c 'echo ran >out'
	check "$1: the slot goes on" wait_line 1 'done 1 b3 0 b3'
	check "$1: the taken-back job never ran" [ ! -e "$T/b2-ran" ]
	check "$1: ... nor left a status" [ ! -e "$R/b2/status" ]

	# a reconnected master asks after a job still waiting: taken back
	rm -f "$T/go3"
	job 1 1 c1 'long' sh -c "$_wait" x "$T/go3" "$T/c1-end"
	job 1 1 c2 'asked after' sh -c ': >"$1"' x "$T/c2-ran"
	check "$1: a running job (c1)" wait_line 1 'started 1 c1 [0-9]+'
	echo 'status c2' >&3
	check "$1: status of a waiting job: missing" \
	    wait_line 1 'status c2 missing'
	: >"$T/go3"
	check "$1: the running one finishes" wait_line 1 'done 1 c1 0 c1'
	sleep 0.3
	check "$1: the waiting one was taken back" [ ! -e "$T/c2-ran" ]

	echo 'set direct 1' >&3
	job 1 0 d1 'direct' sh -c 'printf "%s|" "$@" >out' x 'a b' ''
	check "$1: direct: done" wait_line 1 'done 0 d1 0 d1'
	check "$1: direct: the exact argv" grep -qx 'a b||' "$R/d1/out"
	job 1 0 d2 'missing' "$T/no-such-command"
	check "$1: direct: a missing command exits 127" \
	    wait_line 1 'done 0 d2 127 d2'
	check "$1: ... saying so" grep -q 'no-such-command' "$R/d2/stderr"
	echo 'start 0 d3 noargs' >&3
	check "$1: direct: no arguments exits 127" \
	    wait_line 1 'done 0 d3 127 d3'
	echo 'set direct 0' >&3
}

test_unpack()
{
	mkdir -p "$T/tool/bin" "$W/tools"
	echo hello >"$T/tool/bin/x"
	tar -czf "$W/tools/abc123" -C "$T/tool" bin
	echo 'unpack abc123' >&3
	check "$1: unpack fresh" wait_line 1 'unpacked abc123 fresh'
	check "$1: unpacked content" grep -qx hello "$W/tools/abc123.d/bin/x"
	echo 'unpack abc123' >&3
	check "$1: unpack cached" wait_line 1 'unpacked abc123 cached'
	check "$1: no temporary dir left" \
	    sh -c '! ls -d "$1"/*.tmp-* 2>/dev/null' x "$W/tools"
	echo 'not an archive' >"$W/tools/bad1"
	echo 'unpack bad1' >&3
	check "$1: a broken archive is an error" wait_line 1 'err unpack .+'
	check "$1: ... saying why" grep -q 'not look like a tar' "$T/line"
	check "$1: ... leaving nothing" [ ! -e "$W/tools/bad1.d" ]
	if command -v zip >/dev/null && command -v unzip >/dev/null; then
		(cd "$T/tool" && zip -qr "$W/tools/zip1.zip" bin) &&
		    mv "$W/tools/zip1.zip" "$W/tools/zip1"
		echo 'unpack zip1' >&3
		check "$1: a zip archive is unpacked with unzip" \
		    wait_line 1 'unpacked zip1 fresh'
		check "$1: ... its content" grep -qx hello "$W/tools/zip1.d/bin/x"
	fi
	echo 'unpack ../etc' >&3
	check "$1: a bad archive name" wait_line 1 'err unpack bad.*'
}

test_prepare()
{
	printf 'echo "prep $DIST_RUN_ID $FOO"; pwd; : >made-here; exit 4\n' \
	    >"$T/prep.sh"
	{ echo 'env FOO=bar'; echo "prepare $T/prep.sh"; } >&3
	check "$1: prepared RC" wait_line 1 'prepared 4'
	check "$1: prepare log" grep -qx 'prep R1 bar' "$W/runs/R1/prepare-m1.log"
	check "$1: prepare runs in the run dir" [ -e "$W/runs/R1/made-here" ]
}

test_quit()
{
	echo quit >&3
	check "$1: quit says bye" wait_line 1 'bye'
	exec 3>&-
	check "$1: the agent exits" wait_gone "$(cat "$T/a1.pid")"
	check "$1: quit released the lock" [ ! -e "$LOCK" ]
}

# test_eof NAME: end of input with a job running keeps the lock (and the
# job); with nothing running the lock goes.
test_eof()
{
	agent_up 3
	exec 6>"$T/a3.in"
	cat "$T/agent.sh" >&6
	wait_line 3 'ready 1 [0-9]+'
	settings R3 >&6
	{
		echo lock
		argline sh; argline -c
		argline 'sleep 1; echo fin >"$1"'; argline x; argline "$T/fin"
		echo 'start 0 k1 long'
		argline sh; argline -c; argline ': >"$1"'; argline x
		argline "$T/k2-ran"
		echo 'start 0 k2 waiting'
	} >&6
	check "$1: eof agent locked" wait_line 3 'lock ok'
	check "$1: eof job started" wait_line 3 'started 0 k1 [0-9]+'
	exec 6>&-
	check "$1: the agent exits at end of input" \
	    wait_gone "$(cat "$T/a3.pid")"
	check "$1: ... keeping the lock of its running job" \
	    grep -qx 'run=R3' "$LOCK"
	check "$1: the job still finishes" wait_line 3 'done 0 k1 0 k1'
	check "$1: ... and writes its result" grep -qx fin "$T/fin"
	check "$1: its status says done" \
	    grep -qx 'state=done' "$W/runs/R3/jobs/k1/status"
	sleep 0.5
	check "$1: the job waiting for its slot was taken back at the end" \
	    [ ! -e "$T/k2-ran" ]
	check "$1: ... it never started" [ ! -e "$W/runs/R3/jobs/k2/status" ]
	rm -f "$T/fin"

	# a resumed master adopts the lock, then leaves with nothing running
	agent_up 4
	exec 7>"$T/a4.in"
	cat "$T/agent.sh" >&7
	wait_line 4 'ready 1 [0-9]+'
	cp "$LOCK" "$T/lock.r3"
	grep -v '^pid=' "$T/lock.r3" >"$T/lock.r3.nopid"
	{ settings R3; echo lock; } >&7
	check "$1: the same run adopts the lock" wait_line 4 'lock ok adopted'
	# the adopting agent rewrites the lock with its own pid (so that the
	# earlier agent, exiting later, leaves it alone); run and user stay
	check "$1: adopting keeps run and user" \
	    sh -c 'grep -v "^pid=" "$1" | cmp -s - "$2.nopid"' x "$LOCK" "$T/lock.r3"
	check "$1: adopting records the new agent's pid" \
	    sh -c '! grep -qx "$(grep "^pid=" "$2")" "$1"' x "$LOCK" "$T/lock.r3"
	echo ping >&7
	wait_line 4 pong
	exec 7>&-
	check "$1: the idle agent exits at end of input" \
	    wait_gone "$(cat "$T/a4.pid")"
	check "$1: ... removing the lock" [ ! -e "$LOCK" ]
}

# test_latency NAME: 50 jobs of "date +%s%N": from the "start" line to
# "started", and to the job's first instruction (date's own start included).
test_latency()
{
	rm -f "$T/l.in" "$T/l.out"
	mkfifo "$T/l.in" "$T/l.out"
	# shellcheck disable=SC2086
	$AGENT_SH -s <"$T/l.in" >"$T/l.out" 2>"$T/l.err" &
	_lp=$!
	AGENT_PIDS="$AGENT_PIDS $_lp"
	( sleep 120; kill "$_lp" 2>/dev/null ) >/dev/null 2>&1 &
	_wd=$!
	exec 8>"$T/l.in" 9<"$T/l.out"
	cat "$T/agent.sh" >&8
	IFS= read -r _l <&9
	settings RL >&8
	_t0=$(date +%s%N)
	_t1=$(date +%s%N)
	_dd=$((_t1 - _t0))		# the cost of running date itself
	_n=0 _sum1=0 _sum2=0 _max1=0 _max2=0
	while [ "$_n" -lt 50 ]; do
		_t0=$(date +%s%N)
		printf 'arg date\narg +%%s%%N\nstart 0 t%s lat\n' "$_n" >&8
		IFS= read -r _l <&9 || break
		_t1=$(date +%s%N)
		IFS= read -r _l <&9 || break
		[ "$_l" = "ended 0 t$_n" ] && { IFS= read -r _l <&9 || break; }
		case $_l in "done 0 t$_n 0 "*) ;; *) break ;; esac
		_tj=$(cat "$W/runs/RL/jobs/t$_n/stdout")
		_d1=$((_t1 - _t0 - _dd)) _d2=$((_tj - _t0))
		_sum1=$((_sum1 + _d1)) _sum2=$((_sum2 + _d2))
		[ "$_d1" -gt "$_max1" ] && _max1=$_d1
		[ "$_d2" -gt "$_max2" ] && _max2=$_d2
		_n=$((_n + 1))
	done
	echo quit >&8
	exec 8>&- 9<&-
	kill "$_wd" 2>/dev/null
	check "$1: 50 latency jobs ran (got $_n)" [ "$_n" -eq 50 ]
	[ "$_n" -gt 0 ] || return
	note "$1: start -> started: mean $((_sum1 / _n / 1000)) us," \
	    "max $((_max1 / 1000)) us"
	note "$1: start -> job's first instruction: mean" \
	    "$((_sum2 / _n / 1000)) us, max $((_max2 / 1000)) us"
	_t0=$(date +%s%N)
	for _i in 1 2 3 4 5 6 7 8 9 10; do
		/bin/true
	done
	_t1=$(date +%s%N)
	note "$1: (for scale: one fork+exec here takes" \
	    "$(((_t1 - _t0) / 10000)) us, one date call $((_dd / 1000)) us)"
}

SHELLS="dash"
command -v busybox >/dev/null && busybox sh -c : 2>/dev/null &&
    SHELLS="$SHELLS busybox"
command -v bash >/dev/null && SHELLS="$SHELLS bash"
command -v dash >/dev/null || SHELLS=${SHELLS#dash}
for name in $SHELLS; do
	case $name in
	busybox) AGENT_SH="busybox sh" ;;
	bash) AGENT_SH="bash --posix" ;;
	*) AGENT_SH=$name ;;
	esac
	W=$T/work-$name
	LOCK=$T/lock-$name/distribute.lock
	rm -f "$T/pwned"
	test_job_sh "$name"
	test_lock "$name"
	test_jobs "$name"
	test_ahead "$name"
	test_unpack "$name"
	test_prepare "$name"
	test_quit "$name"
	test_eof "$name"
	case $name in
	dash|busybox) test_latency "$name" ;;
	esac
done

for p in $AGENT_PIDS; do
	kill "$p" 2>/dev/null
done
done_testing
