#!/bin/sh
# tests/perf/bench.sh - benchmarks of distribute's scheduler, side by side
# with GNU parallel (plain ssh, and ssh with ControlMaster), on a local
# cluster of real sshd's on 127.0.0.1 (tests/lib.sh).  Prints one table.
#
#	sh tests/perf/bench.sh			# as root; ~10 min on 2 cores
#	BENCH_QUICK=1 sh tests/perf/bench.sh	# scaled down, ~3 min
#	BENCH_FULL=1 sh tests/perf/bench.sh	# the full sizes, ~20 min
#	BENCH_ONLY="1 3" sh tests/perf/bench.sh	# some scenarios only
#	BENCH_OUT=FILE				# also write the table to FILE
#	BENCH_S1_JOBS=N ... BENCH_S4_JOBS=N	# sizes one by one (see below)
#	BENCH_DIST_WRAP="perf record -g -o /tmp/p.data"  # wrap distribute
#
# Scenarios (see tests/perf/README.md):
#   1 dispatch gap: true jobs on 4 one-slot machines, per machine the idle
#     time between one job's end and the next one's start
#   2 makespan: sleep 0.05 jobs on 4 one-slot machines, ideal vs measured
#   3 archive fan-out: a tool archive of random data to 8 machines, against
#     8 scp's at once; then the same run again with the archive cached
#   4 master footprint: many machines (sshd's x users), many true jobs:
#     the master's peak RSS and CPU time; then 128 and 256 machines
#     (tests/perf/many.sh, BENCH_S4_MANY="128 256", BENCH_S4_MANY_JOBS)
# Times come from the jobs themselves (tests/perf/stamp.bash), not from
# either tool's records.
# shellcheck disable=SC1091 # lib.sh is found at run time
. "$(dirname "$0")/../lib.sh"

PERF=$(cd "$(dirname "$0")" && pwd) || exit 2
TOP=$(cd "$PERF/../.." && pwd) || exit 2
DISTRIBUTE=$TOP/distribute
PY=/usr/bin/python3
TSV=$T/bench.tsv
EXTRA_USERS="dist-bench2 dist-bench3 dist-bench4"
CREATED_USERS=
CM_HOSTS=

if [ -n "${BENCH_QUICK:-}" ]; then
	S1_JOBS=40 S2_JOBS=80 S3_MB=32 S4_SSHDS=4 S4_JOBS=400 S4_PAR_JOBS=200
	S4_MANY="128 256" S4_MANY_JOBS=500
elif [ -n "${BENCH_FULL:-}" ]; then
	# the sizes of the brief: ~20 min on a 2-core VM
	S1_JOBS=200 S2_JOBS=400 S3_MB=256 S4_SSHDS=16 S4_JOBS=5000
	S4_PAR_JOBS=1000 S4_MANY="128 256" S4_MANY_JOBS=2000
else
	# ~10 min on a 2-core VM, where each job costs the workers ~15
	# process starts: fewer jobs in scenarios 2 and 4
	S1_JOBS=200 S2_JOBS=200 S3_MB=256 S4_SSHDS=16 S4_JOBS=1500
	S4_PAR_JOBS=300 S4_MANY="128 256" S4_MANY_JOBS=2000
fi
# each size can be set on its own, e.g. BENCH_S4_JOBS=2000
S1_JOBS=${BENCH_S1_JOBS:-$S1_JOBS}
S2_JOBS=${BENCH_S2_JOBS:-$S2_JOBS}
S3_MB=${BENCH_S3_MB:-$S3_MB}
S4_SSHDS=${BENCH_S4_SSHDS:-$S4_SSHDS}
S4_JOBS=${BENCH_S4_JOBS:-$S4_JOBS}
S4_PAR_JOBS=${BENCH_S4_PAR_JOBS:-$S4_PAR_JOBS}
S4_MANY=${BENCH_S4_MANY-$S4_MANY}	# pool sizes of many.sh ("": none)
S4_MANY_JOBS=${BENCH_S4_MANY_JOBS:-$S4_MANY_JOBS}
ONLY=${BENCH_ONLY:-1 2 3 4}

# --- helpers --------------------------------------------------------------

# record KEY VALUE: one figure for the table.
record()
{
	printf '%s\t%s\n' "$1" "$2" >>"$TSV"
}

# calc EXPR: awk arithmetic on numbers, printed with 6 decimals.
calc()
{
	awk "BEGIN { printf \"%.6f\", $1 }"
}

now()
{
	date +%s.%N
}

wanted()
{
	case " $ONLY " in *" $1 "*) return 0 ;; esac
	return 1
}

# timed NAME CMD...: run CMD under /usr/bin/time, output in $T/NAME.out;
# sets RC, WALL (s), CPU (user+sys s of CMD and its reaped children),
# MAXRSS (KiB, the largest single process), TREE (KiB, the peak summed
# RSS of CMD and all its descendants, sampled every 0.2 s, when SAMPLE_RSS
# is set).
timed()
{
	b_name=$1
	shift
	b_t0=$(now)
	/usr/bin/time -f '%e %U %S %M' -o "$T/$b_name.time" "$@" \
	    >"$T/$b_name.out" 2>&1 &
	b_pid=$!
	b_spid=
	if [ -n "${SAMPLE_RSS:-}" ]; then
		"$PY" "$PERF/analyze.py" rss "$b_pid" "$T/$b_name.rss" &
		b_spid=$!
	fi
	wait "$b_pid"
	RC=$?
	b_t1=$(now)
	[ -n "$b_spid" ] && wait "$b_spid"
	WALL=$(calc "$b_t1 - $b_t0")
	# the last line: time(1) puts "Command exited with ..." before it
	tail -1 "$T/$b_name.time" >"$T/$b_name.time1" 2>/dev/null
	read -r _ b_u b_s MAXRSS <"$T/$b_name.time1" || b_u=0 b_s=0 MAXRSS=0
	CPU=$(calc "$b_u + $b_s")
	TREE=$(cat "$T/$b_name.rss" 2>/dev/null || echo 0)
	note "$b_name: exit $RC, ${WALL}s wall, ${CPU}s cpu"
}

# dist_run NAME MACHINES CONFIG [ARCHIVE]: a distribute run, timed.
dist_run()
{
	b_n=$1 b_m=$2 b_c=$3
	shift 3
	# shellcheck disable=SC2086 # BENCH_DIST_WRAP: words, e.g. "strace -c"
	timed "$b_n" ${BENCH_DIST_WRAP:-} "$DISTRIBUTE" \
	    --known-hosts "$T/known_hosts" \
	    --ssh-config "$T/ssh_config" -i "$T/id_master" \
	    --results "$T/results" --progress lines -n "$b_n" \
	    --machines "$b_m" --config "$b_c" "$@"
	check "$b_n: distribute exits 0 (got $RC)" [ "$RC" -eq 0 ]
	[ "$RC" -eq 0 ] || tail -5 "$T/$b_n.out" | sed 's/^/#   /'
}

# par_run NAME SSHLOGINFILE SSHCONFIG NJOBS CMD...: GNU parallel, timed;
# {} is the job number 1..NJOBS.
par_run()
{
	b_n=$1 b_slf=$2 b_cfg=$3 b_nj=$4
	shift 4
	seq "$b_nj" >"$T/$b_n.in"
	timed "$b_n" parallel --ssh "ssh -F $b_cfg" --sshloginfile "$b_slf" \
	    -a "$T/$b_n.in" "$@"
	check "$b_n: parallel exits 0 (got $RC)" [ "$RC" -eq 0 ]
	[ "$RC" -eq 0 ] || tail -5 "$T/$b_n.out" | sed 's/^/#   /'
}

# shq WORD: WORD single-quoted for a remote shell.
shq()
{
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# each_worker N FUNC: FUNC I in the background for workers I = 1..N, all
# at once; WALL = the time until the last one ends, b_bad = how many
# failed.
each_worker()
{
	b_t0=$(now)
	b_pids=
	b_i=1
	while [ "$b_i" -le "$1" ]; do
		"$2" "$b_i" &
		b_pids="$b_pids $!"
		b_i=$((b_i + 1))
	done
	b_bad=0
	for b_p in $b_pids; do
		wait "$b_p" || b_bad=$((b_bad + 1))
	done
	WALL=$(calc "$(now) - $b_t0")
}

# loop_run NAME NJOBS NW CMD...: no tool, the floor: the same stamped
# jobs back to back in one shell loop per worker (jobs I, I+NW, ... on
# worker I), the NW loops at once over one ssh login each; sets WALL.
loop_run()
{
	b_n=$1 b_nj=$2 b_nw=$3
	shift 3
	b_cmd=
	for b_a in "$@"; do
		b_cmd="$b_cmd $(shq "$b_a")"
	done
	each_worker "$b_nw" loop_one
	check "$b_n: $b_nw shell loops succeed ($b_bad failed)" [ "$b_bad" -eq 0 ]
	note "$b_n: ${WALL}s wall"
}

# loop_one I: loop_run's loop on worker I (b_nj, b_nw, b_cmd set there).
loop_one()
{
	ssh -F "$T/ssh_config_plain" "w$1-1" "i=$1; while [ \$i -le $b_nj ]; do bash $(shq "$T/stamp.bash") $(shq "$LOOP_DIR") \$i$b_cmd; i=\$((i + $b_nw)); done"
}

# cm_exit HOST...: close the ControlMaster connections to these hosts.
cm_exit()
{
	for b_h in "$@"; do
		ssh -F "$T/ssh_config_cm" -O exit "$b_h" >/dev/null 2>&1
	done
}

# run_field NAME KEY: a figure from the run.json of distribute's run NAME
# (see analyze.py runjson), empty if there is none.
run_field()
{
	for b_f in "$T/results/"*"-$1/run.json"; do
		[ -f "$b_f" ] || continue
		"$PY" "$PERF/analyze.py" runjson "$b_f" | sed -n "s/^$2	//p"
	done
}

# stamps_dir NAME: a fresh directory for the jobs' stamp files.
stamps_dir()
{
	rm -rf "$T/stamps/$1"
	mkdir -p "$T/stamps/$1" && chmod 1777 "$T/stamps" "$T/stamps/$1"
	echo "$T/stamps/$1"
}

# stamps TOOL SCENARIO DIR N [NW]: the stamp figures of a run, recorded as
# sSCENARIO.TOOL.KEY; checks that every job left its stamp, and that the
# jobs ran on the NW (4) workers.
stamps()
{
	"$PY" "$PERF/analyze.py" stamps "$3" "$4" >"$T/$2.$1.stamps" || return 1
	while IFS="	" read -r b_k b_v; do
		record "s$2.$1.$b_k" "$b_v"
	done <"$T/$2.$1.stamps"
	b_got=$(sed -n 's/^jobs	//p' "$T/$2.$1.stamps")
	check "s$2 $1: $4 job stamps (got $b_got)" [ "$b_got" = "$4" ]
	b_got=$(sed -n 's/^machines	//p' "$T/$2.$1.stamps")
	check "s$2 $1: the jobs ran on the ${5:-4} workers (got $b_got)" \
	    [ "$b_got" = "${5:-4}" ]
}

# jobs_xml FILE N ARG...: a <jobs> config of N jobs j1..jN running
# "bash stamp.bash STAMPDIR I" + the ARGs (the first ARG is STAMPDIR);
# the ARGs are paths under $T and plain words, nothing to escape in XML.
jobs_xml()
{
	b_f=$1 b_nj=$2 b_dir=$3
	shift 3
	{
		echo '<jobs>'
		b_i=1
		while [ "$b_i" -le "$b_nj" ]; do
			printf '<job name="j%d"><arg>bash</arg><arg>%s</arg>' \
			    "$b_i" "$T/stamp.bash"
			printf '<arg>%s</arg><arg>%d</arg>' "$b_dir" "$b_i"
			for b_a in "$@"; do
				printf '<arg>%s</arg>' "$b_a"
			done
			echo '</job>'
			b_i=$((b_i + 1))
		done
		echo '</jobs>'
	} >"$b_f"
}

# --- the cluster ----------------------------------------------------------

# user_dirs N USER: per-user workdir and lock dir on worker N; prints the
# machines line.
user_dirs()
{
	b_w=$T/w$1
	if [ "$2" = "$TEST_USER" ]; then
		b_wd=$b_w/work b_ld=$b_w/lock
	else
		b_wd=$b_w/work-$2 b_ld=$b_w/lock-$2
		mkdir -p "$b_wd" "$b_ld" && chown "$2" "$b_wd" "$b_ld"
	fi
	printf '%s@127.0.0.1:%s workdir=%s lockfile=%s\n' "$2" \
	    "$(worker_port "$1")" "$b_wd" "$b_ld/distribute.lock"
}

# ssh_configs NSSHD: $T/ssh_config_plain and _cm for OpenSSH (scp,
# parallel): host wN-K is worker N as user K (1 = the test user).
ssh_configs()
{
	b_i=1
	: >"$T/ssh_config_plain"
	while [ "$b_i" -le "$1" ]; do
		b_k=1
		for b_u in $TEST_USER $EXTRA_USERS; do
			printf 'Host w%d-%d\n  HostName 127.0.0.1\n  Port %s\n  User %s\n' \
			    "$b_i" "$b_k" "$(worker_port "$b_i")" "$b_u"
			b_k=$((b_k + 1))
		done >>"$T/ssh_config_plain"
		b_i=$((b_i + 1))
	done
	printf '%s\n' 'Host *' "  IdentityFile $T/id_master" \
	    '  IdentitiesOnly yes' "  UserKnownHostsFile $T/known_hosts" \
	    '  GlobalKnownHostsFile /dev/null' '  StrictHostKeyChecking yes' \
	    '  BatchMode yes' '  LogLevel ERROR' >>"$T/ssh_config_plain"
	mkdir -p "$T/cm"
	{
		cat "$T/ssh_config_plain"
		printf '%s\n' '  ControlMaster auto' "  ControlPath $T/cm/%C" \
		    '  ControlPersist 300'
	} >"$T/ssh_config_cm"
}

# slf FILE NSSHD NUSERS: a GNU parallel sshloginfile, one slot each.
slf()
{
	: >"$1"
	b_i=1
	while [ "$b_i" -le "$2" ]; do
		b_k=1
		while [ "$b_k" -le "$3" ]; do
			printf '1/w%d-%d\n' "$b_i" "$b_k" >>"$1"
			b_k=$((b_k + 1))
		done
		b_i=$((b_i + 1))
	done
}

setup()
{
	b_nsshd=8
	wanted 4 && [ "$S4_SSHDS" -gt "$b_nsshd" ] && b_nsshd=$S4_SSHDS
	ensure_test_user
	if wanted 4; then
		for b_u in $EXTRA_USERS; do
			id "$b_u" >/dev/null 2>&1 ||
			    CREATED_USERS="$CREATED_USERS $b_u"
			ensure_test_user "$b_u"
		done
	fi
	b_i=1
	while [ "$b_i" -le "$b_nsshd" ]; do
		start_worker "$b_i"
		b_i=$((b_i + 1))
	done
	ssh_configs "$b_nsshd"
	install -m 755 "$PERF/stamp.bash" "$T/stamp.bash"
	mkdir -p "$T/parallel" && : >"$T/parallel/will-cite"
	PARALLEL_HOME=$T/parallel
	export PARALLEL_HOME
	head -4 "$T/machines" >"$T/machines4"
	head -8 "$T/machines" >"$T/machines8"
	slf "$T/slf4" 4 1
	check "OpenSSH reaches the workers" \
	    ssh -F "$T/ssh_config_plain" w1-1 true
	worker_cg
}

# --- scenarios ------------------------------------------------------------

# worker_cg: the workers' sshd daemons go into a cpuacct cgroup of their
# own (WCG), so every process of theirs counts, however short-lived or
# orphaned (an agent's last supervisors, its relay); without one (no
# cgroup v1 cpuacct here), worker_ticks falls back to the daemons' own
# and reaped children's times, which miss the orphans.
WCG=
worker_cg()
{
	b_cg=/sys/fs/cgroup/cpuacct/dist-bench-$$
	mkdir "$b_cg" 2>/dev/null || return 0
	for b_pf in "$T"/w*/sshd.pid; do
		[ -s "$b_pf" ] && cat "$b_pf" >"$b_cg/cgroup.procs" 2>/dev/null
	done
	WCG=$b_cg
}

# worker_cg_end: the cgroup removed (its processes back in the root one).
worker_cg_end()
{
	[ -n "$WCG" ] || return 0
	while read -r b_p; do
		printf '%s\n' "$b_p" >"${WCG%/*}/cgroup.procs" 2>/dev/null
	done <"$WCG/cgroup.procs"
	rmdir "$WCG" 2>/dev/null
	WCG=
}

# worker_ticks NW: the workers' CPU time so far, in ns: the cgroup's, or
# workers 1..NW's sshd daemons with their reaped children (fields 14-17
# of /proc/PID/stat): each connection's sshd processes, the agent, its
# supervisors and jobs (or the loop's shell and jobs).
worker_ticks()
{
	if [ -n "$WCG" ] && [ -r "$WCG/cpuacct.usage" ]; then
		cat "$WCG/cpuacct.usage"
		return 0
	fi
	b_wt=0 b_wi=1
	while [ "$b_wi" -le "$1" ]; do
		b_wp=$(cat "$T/w$b_wi/sshd.pid" 2>/dev/null)
		b_wt=$((b_wt + $(awk '{ sub(/^.*\) /, "")
		    print $12 + $13 + $14 + $15 }' "/proc/$b_wp/stat" 2>/dev/null ||
		    echo 0)))
		b_wi=$((b_wi + 1))
	done
	echo "$((b_wt * 1000000000 / $(getconf CLK_TCK)))"
}

# worker_cpu KEY NJOBS NW BEFORE: record KEY = the workers' CPU per job
# (ms) since worker_ticks gave BEFORE, once the connections have ended.
worker_cpu()
{
	sleep 1.5	# the agents' last processes end
	b_wd=$(( $(worker_ticks "$3") - $4 ))
	record "$1" "$(calc "$b_wd / 1000000 / $2")"
}

# worker_extra SC: sSC.dist.wcpu_extra_ms = distribute's worker CPU per
# job beyond the floor's (agent, supervisors, packing, SFTP and sshd,
# less the loop's own shell): what the tool costs the workers.
worker_extra()
{
	b_wa=$(sed -n "s/^s$1\.dist\.wcpu_ms	//p" "$TSV" | tail -1)
	b_wb=$(sed -n "s/^s$1\.loop\.wcpu_ms	//p" "$TSV" | tail -1)
	[ -n "$b_wa" ] && [ -n "$b_wb" ] &&
	    record "s$1.dist.wcpu_extra_ms" "$(calc "$b_wa - $b_wb")"
	return 0
}

# fixed_cost KEY NW MACHINES CMD...: the workers' CPU for a run of NW
# jobs (one per machine) with distribute and with the loop, in ms, as
# KEY.dist.wfix_ms and KEY.loop.wfix_ms: what a run costs the workers
# whatever its number of jobs (connections, the agent's start, staging;
# the loop's ssh login); per_job_marginal takes it out.
fixed_cost()
{
	b_k=$1 b_fw=$2 b_fm=$3
	shift 3
	b_fd=$(stamps_dir "$b_k-fixed")
	jobs_xml "$T/$b_k-fixed.xml" "$b_fw" "$b_fd" "$@"
	b_w0=$(worker_ticks "$b_fw")
	dist_run "$b_k-fixed-dist" "$b_fm" "$T/$b_k-fixed.xml"
	worker_cpu "$b_k.dist.wfix_ms" 1 "$b_fw" "$b_w0"
	LOOP_DIR=$(stamps_dir "$b_k-fixed-loop")
	b_w0=$(worker_ticks "$b_fw")
	loop_run "$b_k-fixed-loop" "$b_fw" "$b_fw" "$@"
	worker_cpu "$b_k.loop.wfix_ms" 1 "$b_fw" "$b_w0"
}

# per_job_marginal KEY NJOBS NW: KEY.T.wcpu_marg_ms = (the run's worker
# CPU - the fixed cost of a run) / (NJOBS - NW) for distribute and the
# loop, and KEY.dist.wcpu_marg_extra_ms, their difference: the workers'
# CPU each job adds (issue 15's "per job beyond the job itself").
per_job_marginal()
{
	for b_t in dist loop; do
		b_all=$(sed -n "s/^$1\.$b_t\.wcpu_ms	//p" "$TSV" | tail -1)
		b_fix=$(sed -n "s/^$1\.$b_t\.wfix_ms	//p" "$TSV" | tail -1)
		[ -n "$b_all" ] && [ -n "$b_fix" ] && record "$1.$b_t.wcpu_marg_ms" \
		    "$(calc "($b_all * $2 - $b_fix) / ($2 - $3)")"
	done
	b_wa=$(sed -n "s/^$1\.dist\.wcpu_marg_ms	//p" "$TSV" | tail -1)
	b_wb=$(sed -n "s/^$1\.loop\.wcpu_marg_ms	//p" "$TSV" | tail -1)
	[ -n "$b_wa" ] && [ -n "$b_wb" ] &&
	    record "$1.dist.wcpu_marg_extra_ms" "$(calc "$b_wa - $b_wb")"
	return 0
}

# stamped SCENARIO N CMD...: the same N stamped jobs with distribute,
# parallel over plain ssh and parallel over ControlMaster, 4 machines.
stamped()
{
	b_sc=$1 b_nj=$2
	shift 2
	b_d=$(stamps_dir "s$b_sc-dist")
	jobs_xml "$T/s$b_sc.xml" "$b_nj" "$b_d" "$@"
	b_w0=$(worker_ticks 4)
	dist_run "s$b_sc-dist" "$T/machines4" "$T/s$b_sc.xml"
	record "s$b_sc.dist.wall" "$WALL"
	worker_cpu "s$b_sc.dist.wcpu_ms" "$b_nj" 4 "$b_w0"
	stamps dist "$b_sc" "$b_d" "$b_nj"

	b_d=$(stamps_dir "s$b_sc-par")
	par_run "s$b_sc-par" "$T/slf4" "$T/ssh_config_plain" "$b_nj" \
	    bash "$T/stamp.bash" "$b_d" '{}' "$@"
	record "s$b_sc.par.wall" "$WALL"
	stamps par "$b_sc" "$b_d" "$b_nj"

	b_d=$(stamps_dir "s$b_sc-parcm")
	CM_HOSTS="w1-1 w2-1 w3-1 w4-1"
	par_run "s$b_sc-parcm" "$T/slf4" "$T/ssh_config_cm" "$b_nj" \
	    bash "$T/stamp.bash" "$b_d" '{}' "$@"
	record "s$b_sc.parcm.wall" "$WALL"
	# shellcheck disable=SC2086 # host names are single words
	cm_exit $CM_HOSTS
	stamps parcm "$b_sc" "$b_d" "$b_nj"

	LOOP_DIR=$(stamps_dir "s$b_sc-loop")
	b_w0=$(worker_ticks 4)
	loop_run "s$b_sc-loop" "$b_nj" 4 "$@"
	record "s$b_sc.loop.wall" "$WALL"
	worker_cpu "s$b_sc.loop.wcpu_ms" "$b_nj" 4 "$b_w0"
	worker_extra "$b_sc"
	stamps loop "$b_sc" "$LOOP_DIR" "$b_nj"
	b_njobs=$b_nj	# (fixed_cost's runs set b_nj)
	fixed_cost "s$b_sc" 4 "$T/machines4" "$@"
	per_job_marginal "s$b_sc" "$b_njobs" 4
}

scenario1()
{
	note "scenario 1: dispatch gap, $S1_JOBS x true on 4 machines"
	stamped 1 "$S1_JOBS" true
	# one machine alone: no other worker shares the cores
	b_n1=$((S1_JOBS / 2))
	note "scenario 1: dispatch gap, $b_n1 x true on one machine alone"
	b_d=$(stamps_dir s1one-dist)
	jobs_xml "$T/s1one.xml" "$b_n1" "$b_d" true
	head -1 "$T/machines" >"$T/machines1"
	b_w0=$(worker_ticks 1)
	dist_run s1one-dist "$T/machines1" "$T/s1one.xml"
	worker_cpu s1one.dist.wcpu_ms "$b_n1" 1 "$b_w0"
	stamps dist 1one "$b_d" "$b_n1" 1
	LOOP_DIR=$(stamps_dir s1one-loop)
	b_w0=$(worker_ticks 1)
	loop_run s1one-loop "$b_n1" 1 true
	worker_cpu s1one.loop.wcpu_ms "$b_n1" 1 "$b_w0"
	worker_extra 1one
	stamps loop 1one "$LOOP_DIR" "$b_n1" 1
	fixed_cost s1one 1 "$T/machines1" true
	per_job_marginal s1one "$b_n1" 1
}

scenario2()
{
	note "scenario 2: makespan, $S2_JOBS x sleep 0.05 on 4 machines"
	stamped 2 "$S2_JOBS" sleep 0.05
	b_ideal=$(calc "$S2_JOBS * 0.05 / 4")
	record s2.ideal "$b_ideal"
	for b_t in dist par parcm loop; do
		b_span=$(sed -n 's/^span	//p' "$T/2.$b_t.stamps")
		[ -n "$b_span" ] &&
		    record "s2.$b_t.eff_pct" "$(calc "100 * $b_ideal / $b_span")"
	done
}

# s3_poll_start / s3_poll_stop: watch the 8 workers' tools/ directories.
s3_poll_start()
{
	b_dirs=
	b_i=1
	while [ "$b_i" -le 8 ]; do
		b_dirs="$b_dirs $T/w$b_i/work/tools"
		b_i=$((b_i + 1))
	done
	# shellcheck disable=SC2086 # paths without blanks
	"$PY" "$PERF/analyze.py" poll "$T/s3.poll" $b_dirs &
	POLL=$!
}

s3_poll_stop()
{
	kill -TERM "$POLL"
	wait "$POLL"
	"$PY" -c '
import json, sys
ev = [e for e in json.load(open(sys.argv[1])).values() if "first" in e]
first = min([e["first"] for e in ev] or [0])
print("%.6f %.6f %d" % (max([e.get("stored", 0) for e in ev] or [0]) - first,
    max([e.get("unpacked", 0) for e in ev] or [0]) - first,
    sum(1 for e in ev if "stored" in e)))' "$T/s3.poll"
}

# s3_scp_one I: scp the archive to worker I (then untar it, with S3_UNTAR).
s3_scp_one()
{
	b_dst=$T/w$1/work/scp
	scp -q -F "$T/ssh_config_plain" "$T/s3/tool.tar" "w$1-1:$b_dst.tar" ||
	    return 1
	[ -z "$S3_UNTAR" ] && return 0
	ssh -F "$T/ssh_config_plain" "w$1-1" \
	    "mkdir $(shq "$b_dst.d") && tar -xf $(shq "$b_dst.tar") -C $(shq "$b_dst.d")"
}

# s3_scp UNTAR: 8 scp's at once (then, with UNTAR, tar -x on each worker);
# sets WALL.
s3_scp()
{
	S3_UNTAR=$1
	each_worker 8 s3_scp_one
	check "s3: 8 scp's${1:+ and untars} succeed ($b_bad failed)" [ "$b_bad" -eq 0 ]
	note "s3 scp${1:+ + untar}: ${WALL}s"
	rm -rf "$T"/w*/work/scp.tar "$T"/w*/work/scp.d
}

scenario3()
{
	note "scenario 3: a $S3_MB MB archive to 8 machines"
	mkdir -p "$T/s3/tool"
	if ! head -c "$((S3_MB * 1048576))" /dev/urandom >"$T/s3/tool/blob.bin" ||
	    ! tar -cf "$T/s3/tool.tar" -C "$T/s3/tool" blob.bin; then
		fatal "s3: cannot make the archive"
	fi
	rm -f "$T/s3/tool/blob.bin"
	b_bytes=$(wc -c <"$T/s3/tool.tar")
	b_total=$((b_bytes * 8))
	b_job='<job name="t" repeat="8"><arg>true</arg></job>'
	echo "<jobs>$b_job</jobs>" >"$T/s3-base.xml"
	echo "<jobs needs-archive=\"yes\">$b_job</jobs>" >"$T/s3.xml"

	# the same 8 jobs without an archive: connect, lock, stage, collect
	dist_run s3-base1 "$T/machines8" "$T/s3-base.xml"
	b_w0=$WALL
	dist_run s3-base2 "$T/machines8" "$T/s3-base.xml"
	b_w0=$(calc "($WALL < $b_w0) ? $WALL : $b_w0")

	s3_poll_start
	dist_run s3-fresh "$T/machines8" "$T/s3.xml" "$T/s3/tool.tar"
	b_rc=$RC b_w1=$WALL
	# shellcheck disable=SC2046 # three numbers
	set -- $(s3_poll_stop)
	b_up=$1 b_unp=$2 b_stored=$3
	b_sent=$(run_field s3-fresh bytes_sent)
	check "s3: the archive reached 8 workers (got $b_stored)" \
	    [ "$b_stored" -eq 8 ]
	check "s3: the first run sent $b_total bytes (got $b_sent)" \
	    [ "$b_sent" = "$b_total" ]
	if [ "$b_rc" -eq 0 ] && [ "$b_stored" -eq 8 ]; then
		record s3.dist.upload_s "$b_up"
		record s3.dist.upload_mbs "$(calc "$b_total / 1e6 / $b_up")"
		record s3.dist.unpack_s "$(calc "$b_w1 - $b_w0")"
		record s3.dist.unpack_mbs \
		    "$(calc "$b_total / 1e6 / ($b_w1 - $b_w0)")"
	fi
	note "s3 distribute: upload ${b_up}s, until unpacked ${b_unp}s," \
	    "run ${b_w1}s vs ${b_w0}s without archive"

	dist_run s3-cached "$T/machines8" "$T/s3.xml" "$T/s3/tool.tar"
	if [ "$RC" -eq 0 ]; then
		record s3.dist.cached_bytes "$(run_field s3-cached bytes_sent)"
		b_c=$(calc "$WALL - $b_w0")
		record s3.dist.cached_s "$(calc "($b_c < 0) ? 0 : $b_c")"
	fi
	rm -rf "$T"/w*/work/tools

	s3_scp ""
	record s3.par.upload_s "$WALL"
	record s3.par.upload_mbs "$(calc "$b_total / 1e6 / $WALL")"
	s3_scp untar
	record s3.par.unpack_s "$WALL"
	record s3.par.unpack_mbs "$(calc "$b_total / 1e6 / $WALL")"
	rm -rf "$T/s3"
}

# s4_record TOOL NJOBS: the figures of the last timed run of scenario 4.
s4_record()
{
	record "s4.$1.rss_kb" "$MAXRSS"
	record "s4.$1.tree_kb" "$TREE"
	record "s4.$1.cpu" "$CPU"
	record "s4.$1.cpu_per_1000" "$(calc "$CPU * 1000 / $2")"
	record "s4.$1.wall" "$WALL"
	record "s4.$1.wall_per_1000" "$(calc "$WALL * 1000 / $2")"
}

scenario4()
{
	b_nm=$((S4_SSHDS * 4))
	note "scenario 4: $S4_JOBS x true on $b_nm machines" \
	    "($S4_SSHDS sshd's x 4 users)"
	: >"$T/machines64"
	b_i=1
	while [ "$b_i" -le "$S4_SSHDS" ]; do
		for b_u in $TEST_USER $EXTRA_USERS; do
			user_dirs "$b_i" "$b_u" >>"$T/machines64"
		done
		b_i=$((b_i + 1))
	done
	echo "<jobs><job name=\"t\" repeat=\"$S4_JOBS\"><arg>true</arg></job></jobs>" \
	    >"$T/s4.xml"
	SAMPLE_RSS=1
	dist_run s4-dist "$T/machines64" "$T/s4.xml"
	b_ok=$(run_field s4-dist ok)
	check "s4: $S4_JOBS jobs ok (got $b_ok)" [ "$b_ok" = "$S4_JOBS" ]
	note "s4: $(run_field s4-dist machines_used) of $b_nm machines ran jobs"
	s4_record dist "$S4_JOBS"

	# GNU parallel with ControlMaster only (a new ssh login per job
	# costs too much here), and fewer jobs: CPU is compared per 1000 jobs
	slf "$T/slf64" "$S4_SSHDS" 4
	CM_HOSTS=$(sed 's,^1/,,' "$T/slf64")
	par_run s4-parcm "$T/slf64" "$T/ssh_config_cm" "$S4_PAR_JOBS" true
	# shellcheck disable=SC2086
	cm_exit $CM_HOSTS
	CM_HOSTS=
	s4_record parcm "$S4_PAR_JOBS"
	record s4.parcm.jobs "$S4_PAR_JOBS"
	SAMPLE_RSS=
	for b_m in $S4_MANY; do
		s4_many "$b_m"
	done
}

# s4_many MACHINES: S4_MANY_JOBS jobs on that many machines, the run of
# tests/perf/many.sh (its own sshd's, each reached at several addresses);
# its figures (GNU time) are read from its notes.
s4_many()
{
	# shellcheck disable=SC2086 # BENCH_DIST_WRAP: words
	MANY_MACHINES=$1 MANY_JOBS=$S4_MANY_JOBS MANY_DISTRIBUTE=$DISTRIBUTE \
	    MANY_WRAP=${BENCH_DIST_WRAP:-} sh "$PERF/many.sh" >"$T/s4m$1.out" 2>&1
	b_rc=$?
	check "s4: many.sh, $S4_MANY_JOBS jobs on $1 machines (exit $b_rc)" \
	    [ "$b_rc" -eq 0 ]
	[ "$b_rc" -eq 0 ] || grep -v '^ok' "$T/s4m$1.out" | tail -5 |
	    sed 's/^/#   /'
	b_wall=$(sed -n 's/^# .* machines (.*): \([0-9.]*\)s wall$/\1/p' \
	    "$T/s4m$1.out")
	sed -n 's/^# master: peak RSS \([0-9.]*\) MB, CPU \([0-9.]*\) s .*/\1 \2/p' \
	    "$T/s4m$1.out" >"$T/s4m$1.fig"
	read -r b_mb b_cpu <"$T/s4m$1.fig" || return 0
	note "s4: $S4_MANY_JOBS jobs on $1 machines: ${b_wall}s wall," \
	    "master ${b_mb} MB peak RSS, ${b_cpu}s cpu"
	record "s4m$1.dist.rss_kb" "$(calc "$b_mb * 1024")"
	record "s4m$1.dist.cpu_per_1000" "$(calc "$b_cpu * 1000 / $S4_MANY_JOBS")"
	record "s4m$1.dist.wall" "$b_wall"
	record "s4m$1.dist.wall_per_1000" "$(calc "$b_wall * 1000 / $S4_MANY_JOBS")"
}

# --- the machine and the table ---------------------------------------------

machine_line()
{
	b_cpu=$(sed -n 's/^model name[	 ]*: //p' /proc/cpuinfo | head -1)
	b_mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
	printf '%s, %s cores (%s), %s RAM, %s, OpenSSH %s, %s\n' \
	    "$(uname -sr)" "$(nproc)" "$b_cpu" "$b_mem" \
	    "$(. /etc/os-release && echo "$PRETTY_NAME")" \
	    "$(ssh -V 2>&1 | sed 's/^OpenSSH_\([^ ,]*\).*/\1/')" \
	    "$(parallel --version 2>/dev/null | head -1)"
}

report()
{
	{
		echo
		echo "distribute benchmarks ($(date -u +%Y-%m-%dT%H:%MZ)${BENCH_QUICK:+, BENCH_QUICK}${BENCH_FULL:+, BENCH_FULL})"
		wanted 1 && echo "s1: $S1_JOBS jobs of true on 4 one-slot machines; then $((S1_JOBS / 2)) on one machine alone"
		wanted 2 && echo "s2: $S2_JOBS jobs of sleep 0.05 on 4 one-slot" \
		    "machines, ideal $(awk "BEGIN { print $S2_JOBS * 0.05 / 4 }") s"
		wanted 3 && echo "s3: a $S3_MB MiB tar of random data to 8" \
		    "machines; the comparison column is 8 scp's at once"
		wanted 4 && echo "s4: $S4_JOBS jobs of true on" \
		    "$((S4_SSHDS * 4)) machines; parallel+CM ran $S4_PAR_JOBS" \
		    "jobs (compare CPU per 1000 jobs)"
		wanted 4 && [ -n "$S4_MANY" ] && echo "s4: then" \
		    "$S4_MANY_JOBS jobs of sh -c 'echo ...' on" \
		    "$(echo "$S4_MANY" | sed 's/ /, /g') machines" \
		    "(tests/perf/many.sh: sshd's reached at several addresses)"
		echo
		"$PY" "$PERF/analyze.py" table "$TSV"
		echo
		echo "machine: $(machine_line)"
		echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	} >"$T/table.txt"
	cat "$T/table.txt"
	[ -n "${BENCH_OUT:-}" ] && cp "$T/table.txt" "$BENCH_OUT"
	return 0
}

# --- cleanup ----------------------------------------------------------------

bench_cleanup()
{
	b_rc=$?
	trap - EXIT
	# shellcheck disable=SC2086
	[ -n "$CM_HOSTS" ] && cm_exit $CM_HOSTS
	[ -n "${POLL:-}" ] && kill "$POLL" 2>/dev/null
	worker_cg_end
	for b_pf in "$T"/w*/sshd.pid; do
		[ -s "$b_pf" ] || continue
		b_pid=$(cat "$b_pf")
		b_kids=$(descendants "$b_pid")
		stop_pid "$b_pid"
		for b_k in $b_kids; do
			stop_pid "$b_k"
		done
		rm -f "$b_pf"
	done
	for b_u in $CREATED_USERS; do
		userdel -r "$b_u" 2>/dev/null || note "userdel $b_u failed"
	done
	rm -rf "$T/s3" "$T"/w*/work/tools "$T"/w*/work/scp*
	(exit "$b_rc")
	cleanup
}
trap bench_cleanup EXIT

# --- main -------------------------------------------------------------------

[ -x "$DISTRIBUTE" ] || fatal "no $DISTRIBUTE (make all)"
# a copy: a rebuild during the benchmark changes nothing
cp "$DISTRIBUTE" "$T/distribute" || fatal "cannot copy $DISTRIBUTE"
DISTRIBUTE=$T/distribute
if ! command -v parallel >/dev/null 2>&1 || [ ! -x /usr/bin/time ]; then
	sh "$TOP/tests/apt-install.sh" parallel time ||
	    fatal "cannot install GNU parallel and time"
fi
[ -x "$PY" ] || fatal "no $PY"
: >"$TSV"
setup
for s in $ONLY; do
	case $s in
	1|2|3|4) "scenario$s" ;;
	*) fatal "BENCH_ONLY: no scenario '$s'" ;;
	esac
done
report
done_testing
