#!/bin/sh
# tests/perf/lpt.sh - the makespan of a suite with one long job, in config
# order and longest first from the store's history (issue 16 item 5).
#
#	sh tests/perf/lpt.sh		# as root (real sshd's, tests/lib.sh); ~40 s
#	LPT_SHORT=1 LPT_LONG=5 sh tests/perf/lpt.sh
#
# Six jobs on two one-slot machines: five of LPT_SHORT seconds, then one of
# LPT_LONG seconds last in the config.  Run 1 has no history (config order:
# the long job starts last and runs alone); it leaves its durations in the
# store (sqlite:RESULTS/distribute.db).  Run 2, the same config and name,
# starts the long job first (--order longest-first is the default once the
# store knows the durations).  Run 3 is --order config again.  The
# makespan is taken from the jobs' own stamps (date +%s.%N at their start
# and end, in each job's directory): last end - first start.
# shellcheck disable=SC1091 # lib.sh is found at run time
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/../lib.sh"

TOP=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
# shellcheck disable=SC2034 # used by dist() in lib.sh
DISTRIBUTE=$TOP/distribute
SHORT=${LPT_SHORT:-1}
LONG=${LPT_LONG:-5}
PY=/usr/bin/python3

ensure_test_user
start_worker 1
start_worker 2
{
	echo '<jobs>'
	for i in 1 2 3 4 5; do
		printf '<job name="s%d"><arg>sh</arg><arg>-c</arg><arg>date +%%s.%%N &gt;t0; sleep %s; date +%%s.%%N &gt;t1</arg></job>\n' "$i" "$SHORT"
	done
	printf '<job name="long"><arg>sh</arg><arg>-c</arg><arg>date +%%s.%%N &gt;t0; sleep %s; date +%%s.%%N &gt;t1</arg></job>\n' "$LONG"
	echo '</jobs>'
} >"$T/lpt.xml"

# makespan RUNDIR: last end - first start, and the order the jobs started
makespan()
{
	"$PY" - "$1" <<'PYEOF'
import os, sys
d = sys.argv[1] + "/jobs"
st = {}
for j in os.listdir(d):
    t0 = float(open(os.path.join(d, j, "t0")).read())
    t1 = float(open(os.path.join(d, j, "t1")).read())
    st[j] = (t0, t1)
first = min(t[0] for t in st.values())
last = max(t[1] for t in st.values())
order = " ".join(sorted(st, key=lambda j: st[j][0]))
print("%.2f s  (started: %s)" % (last - first, order))
PYEOF
}

ideal=$(echo "($SHORT * 5 + $LONG) / 2" | bc -l)
echo "6 jobs (5 x ${SHORT}s, then 1 x ${LONG}s) on 2 one-slot machines;" \
    "ideal makespan $(printf '%.2f' "$ideal") s"
n=0
for order in "" "" "--order config"; do
	n=$((n + 1))
	# shellcheck disable=SC2086 # the option word, or none
	dist --machines "$T/machines" --config "$T/lpt.xml" -n lpt $order \
	    >"$T/out$n" 2>&1 || { cat "$T/out$n"; fatal "run $n failed"; }
	how=$(grep -o 'order: longest first[^)]*)' "$T/out$n" || echo "config order")
	echo "run $n ${order:-(default)}: $how"
	echo "    makespan $(makespan "$(readlink -f "$T/results/CURRENT")")"
done
done_testing
