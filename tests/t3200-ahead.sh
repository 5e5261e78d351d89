#!/bin/sh
# t3200-ahead: a job sent ahead to wait behind a long one is taken back
# when another machine is free, and runs there, once; a waiting job starts
# without the master (the hand-off is on the worker).
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/lib.sh"

ensure_test_user
start_worker 1
start_worker 2

# "long" holds its machine for 6 s; the 5 short ones take 0.3 s each
{
	echo '<jobs>'
	echo '<job name="long"><arg>sh</arg><arg>-c</arg><arg>sleep 6; echo "$DIST_MACHINE" >out</arg></job>'
	for i in 1 2 3 4 5; do
		printf '<job name="s%d"><arg>sh</arg><arg>-c</arg><arg>sleep 0.3; echo "$DIST_MACHINE" >out</arg></job>\n' "$i"
	done
	echo '</jobs>'
} >"$T/ahead.xml"

dist --machines "$T/machines" --config "$T/ahead.xml" >"$T/out" 2>&1
rc=$?
check "run exits 0" [ "$rc" -eq 0 ]
run=$T/results/CURRENT
check "6/6 ok" grep -q 'ahead: 6/6 ok, 0 failed' "$T/out"
long_m=$(cat "$run/jobs/long/out" 2>/dev/null)
check "the long job ran" [ -n "$long_m" ]
bad=0
for i in 1 2 3 4 5; do
	m=$(cat "$run/jobs/s$i/out" 2>/dev/null)
	[ -n "$m" ] && [ "$m" != "$long_m" ] || bad=$((bad + 1))
done
check "no short job waited behind the long one ($bad did)" [ "$bad" -eq 0 ]
check "a job sent ahead to the long job's machine was taken back" \
    grep -q '^back ' "$run/journal"
check "... and said so" grep -q 'taken back before it started' "$T/out"
n=$(grep -c '^start ' "$run/journal")
b=$(grep -c '^back ' "$run/journal")
check "every job started once, taken-back ones aside ($n starts, $b back)" \
    [ "$((n - b))" -eq 6 ]
check "run.json: nothing left running or queued" /usr/bin/python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
assert t["running"] == 0 and t["queued"] == 0 and t["ok"] == 6, t
' "$run/run.json"
# the worker side of a taken-back job: a directory, never a status (the
# jobs that ran were collected and forgotten there: only the taken-back
# ones keep their claim)
taken=$(find "$T"/w*/work/runs/*/jobs -maxdepth 1 -name 's*.claim' | wc -l)
check "the taken-back job was claimed on the worker" [ "$taken" -ge 1 ]
for c in "$T"/w*/work/runs/*/jobs/s*.claim; do
	[ -e "$c" ] || continue
	d=${c%.claim}
	check "... and never started (${d##*/})" [ ! -e "$d/status" ]
done

# a job waits for its slot on the worker, not on the master: it starts
# the moment the one before ends (its stamp after the other's end)
{
	echo '<jobs>'
	for i in 1 2 3 4 5 6; do
		printf '<job name="t%d"><arg>sh</arg><arg>-c</arg><arg>cat /proc/uptime >start; sleep 0.2; cat /proc/uptime >end</arg></job>\n' "$i"
	done
	echo '</jobs>'
} >"$T/chain.xml"
head -1 "$T/machines" >"$T/machines1"
dist --machines "$T/machines1" --config "$T/chain.xml" >"$T/out2" 2>&1
check "one machine, 6 jobs: exits 0" [ $? -eq 0 ]
run=$T/results/CURRENT
check "every job ran once, one after the other" /usr/bin/python3 -c '
import sys
d = sys.argv[1] + "/jobs/"
r = sorted((float(open(d + "t%d/start" % i).read().split()[0]),
    float(open(d + "t%d/end" % i).read().split()[0])) for i in range(1, 7))
assert all(r[i][1] <= r[i + 1][0] for i in range(5)), r
' "$run"
# two slots on one machine: each slot hands over to its own next job;
# never more than one job per slot, never more than two at once
{
	echo '<jobs>'
	for i in 1 2 3 4 5 6 7 8 9 10; do
		printf '<job name="u%d"><arg>sh</arg><arg>-c</arg><arg>read -r s _ &lt;/proc/uptime; sleep 0.2; read -r e _ &lt;/proc/uptime; echo "$DIST_SLOT $s $e" &gt;span</arg></job>\n' "$i"
	done
	echo '</jobs>'
} >"$T/slots.xml"
sed -n '2s/^/2\//p' "$T/machines" >"$T/machines2"
dist --machines "$T/machines2" --config "$T/slots.xml" >"$T/out3" 2>&1
check "one machine, 2 slots, 10 jobs: exits 0" [ $? -eq 0 ]
check "each slot ran one job at a time, both slots were used" \
    /usr/bin/python3 -c '
import sys
d = sys.argv[1] + "/jobs/"
r = [open(d + "u%d/span" % i).read().split() for i in range(1, 11)]
by = {}
for s, a, b in r:
    by.setdefault(s, []).append((float(a), float(b)))
assert sorted(by) == ["0", "1"], by
for s, v in by.items():
    v.sort()
    assert all(v[i][1] <= v[i + 1][0] for i in range(len(v) - 1)), (s, v)
' "$T/results/CURRENT"
check "the agent made FIFOs to hand the slot over" sh -c \
    'for f in "$1"/w1/work/runs/*/jobs/.go-*-0-0; do [ -p "$f" ] && exit 0; done; exit 1' x "$T"
done_testing
