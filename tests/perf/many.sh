#!/bin/sh
# tests/perf/many.sh - many machines ending at once (issue 12, item 2):
# MANY_JOBS trivial jobs (default 2,000) on MANY_MACHINES loopback machines
# (default 256): MANY_SSHDS sshd's (default 18), each reached at as many
# addresses 127.0.0.2, 127.0.0.3, ... as it takes, every machine with its
# own workdir and lock.  Near the end many jobs waiting on workers are
# taken back while others end.  Asserts: the summary says N/N ok (never
# more), run.json's totals add up to the job count and its state is final,
# every job ran once, no "bad unqueue line" and no lost connection.
# Prints the wall time, the master's peak RSS and CPU (GNU time) and the
# result line.  Needs root, like make check.  MANY_DISTRIBUTE runs another
# build (a before/after comparison); MANY_WRAP puts a command in front of
# it (words split on blanks, e.g. "valgrind --tool=massif").
#
#	sh tests/perf/many.sh				# 2,000 jobs, 256 machines
#	MANY_MACHINES=64 MANY_JOBS=500 sh tests/perf/many.sh
#	flock /tmp/dist-bench.lock sh tests/perf/many.sh	# beside benchmarks
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/../lib.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
DISTRIBUTE=${MANY_DISTRIBUTE:-$TOP/distribute}

JOBS=${MANY_JOBS:-2000}
MACHINES=${MANY_MACHINES:-256}
SSHDS=${MANY_SSHDS:-18}
[ "$SSHDS" -ge 1 ] && [ "$SSHDS" -le 19 ] || fatal "MANY_SSHDS: 1..19"
PER=$(( (MACHINES + SSHDS - 1) / SSHDS ))	# addresses per sshd
# sshd listens on at most 16 sockets: 127.0.0.1 and 15 more
[ "$PER" -le 15 ] || fatal "at most 15 machines per sshd (MANY_SSHDS)"

ensure_test_user
mkdir -p "$T/counts"
chown "$TEST_USER" "$T/counts"

# the sshd's: each listens on 127.0.0.1 (lib.sh) and 127.0.0.2..PER+1
n=1
while [ "$n" -le "$SSHDS" ]; do
	set -- "MaxStartups 1000"
	k=2
	while [ "$k" -le $((PER + 1)) ]; do
		set -- "$@" "ListenAddress 127.0.0.$k"
		k=$((k + 1))
	done
	start_worker "$n" "$@"
	n=$((n + 1))
done

# the machines: sshd N at address K, its own workdir and lock
: >"$T/many"
m=0 n=1 k=2
while [ "$m" -lt "$MACHINES" ]; do
	port=$(worker_port "$n")
	d=$T/w$n/work/m$k
	mkdir -p "$d" "$T/w$n/lock/m$k"
	chown "$TEST_USER" "$d" "$T/w$n/lock/m$k"
	printf '[127.0.0.%s]:%s %s\n' "$k" "$port" \
	    "$(cut -d' ' -f1,2 "$T/w$n/host_key.pub")" >>"$T/known_hosts"
	printf '%s@127.0.0.%s:%s workdir=%s lockfile=%s\n' "$TEST_USER" "$k" \
	    "$port" "$d" "$T/w$n/lock/m$k/distribute.lock" >>"$T/many"
	m=$((m + 1))
	n=$((n + 1))
	if [ "$n" -gt "$SSHDS" ]; then
		n=1
		k=$((k + 1))
	fi
done

# trivial jobs; each one counts its run in $T/counts/jN
{
	echo '<jobs>'
	i=1
	while [ "$i" -le "$JOBS" ]; do
		printf '<job name="j%d"><arg>sh</arg><arg>-c</arg><arg>echo run &gt;&gt; "$1/j%d"</arg><arg>x</arg><arg>%s</arg></job>\n' \
		    "$i" "$i" "$T/counts"
		i=$((i + 1))
	done
	echo '</jobs>'
} >"$T/many.xml"

t0=$(date +%s.%N)
# shellcheck disable=SC2086 # MANY_WRAP: words, e.g. "strace -c -f"
/usr/bin/time -f '%M %U %S' -o "$T/time" ${MANY_WRAP:-} "$DISTRIBUTE" \
    --known-hosts "$T/known_hosts" --ssh-config "$T/ssh_config" \
    -i "$T/id_master" --results "$T/results" --progress lines \
    --machines "$T/many" --config "$T/many.xml" >"$T/out" 2>&1
rc=$?
t1=$(date +%s.%N)
run=$T/results/CURRENT
wall=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
result=$(grep -E '^many: [0-9]+/[0-9]+ ok' "$T/out" | tail -1)
# the last line: time(1) puts "Command exited with ..." before it
tail -1 "$T/time" >"$T/time1"
read -r rss_kb cpu_u cpu_s <"$T/time1" || rss_kb=0 cpu_u=0 cpu_s=0
note "$JOBS jobs on $MACHINES machines ($SSHDS sshd's): ${wall}s wall"
note "master: $(awk -v k="$rss_kb" -v u="$cpu_u" -v s="$cpu_s" -v n="$JOBS" \
    'BEGIN { printf "peak RSS %.1f MB, CPU %.2f s (%.2f s per 1000 jobs)",
    k / 1024, u + s, (u + s) * 1000 / n }')"
note "$result"
note "events: $(grep -c 'taken back' "$run/events.log") taken back," \
    "$(grep -c 'cancelled' "$run/events.log") copies cancelled," \
    "$(grep -c 'bad unqueue line' "$run/events.log") bad unqueue lines," \
    "$(grep -c 'connection lost' "$run/events.log") connections lost"
check "the run exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "summary: $JOBS/$JOBS ok, never more" \
    grep -q "^many: $JOBS/$JOBS ok, 0 failed" "$T/out"
check "no bad unqueue line" sh -c '! grep -q "bad unqueue line" "$1"' x \
    "$run/events.log"
check "no connection lost" sh -c '! grep -q "connection lost" "$1"' x \
    "$run/events.log"
check "run.json: totals add up, state final" /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
t, n = r["totals"], int(sys.argv[2])
assert t["jobs"] == n and t["ok"] == n and t["failed"] == 0, t
assert t["running"] == 0 and t["queued"] == 0, t
assert r["state"] == "finished" and r["end"] is not None, r["state"]
' "$run/run.json" "$JOBS"
ran=$(cat "$T"/counts/j* 2>/dev/null | wc -l)
once=$(find "$T/counts" -name 'j*' -type f | wc -l)
check "every job ran once ($once jobs ran, $ran runs)" \
    [ "$ran" -eq "$JOBS" ] && [ "$once" -eq "$JOBS" ]
done_testing
