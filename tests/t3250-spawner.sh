#!/bin/sh
# t3250-spawner: under the worker helper the agent hands its jobs to one
# resident spawner (dist-helper -S): no shell between the agent and a
# job; the marks beside a job's directory are hard links of one file; a
# collected job's directory is used again for a later job, its files
# emptied (no byte of an earlier job's output, status or env.json in a
# later one's), but never a file some process still has open (a job's
# daemon writing after the job ended); env.json has the sh supervisor's
# members; nothing of the spawner is left when the run ends.
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/lib.sh"

ensure_test_user
grep -q 'dist_helper_len = sizeof' "$TOP/master/run/helper-bin.c" ||
    skip_all "no helper built in (musl-gcc missing: make deps)"
start_worker 1

# the C relay (dist-helper -L FIFO) on its own: lines up to "relay end",
# never after; and one whose "relay end" never comes ends once its FIFO's
# name is gone (looked at after 10 s of quiet: checked at the end)
HELPER=$TOP/client-scripts/dist-helper
mkfifo "$T/r1.fifo" "$T/r2.fifo"
"$HELPER" -L "$T/r1.fifo" <>"$T/r1.fifo" >"$T/r1.out" 2>&1 &
r1=$!
"$HELPER" -L "$T/r2.fifo" <>"$T/r2.fifo" >"$T/r2.out" 2>&1 &
r2=$!
printf 'one\ntwo\nrelay end\nafter\n' >"$T/r1.fifo"
printf 'kept\n' >"$T/r2.fifo"
sleep 0.5
rm -f "$T/r2.fifo"
r2_t0=$(date +%s)

# who started me: the job's parent (the supervisor) and grandparent
who='echo "parent=$(cat /proc/$PPID/comm)"; gp=$(cut -d" " -f4 /proc/$PPID/stat); echo "grandparent=$(cat /proc/$gp/comm)"; echo "claim_links=$(stat -c %h "$DIST_JOB_DIR.claim")"; echo "dir_inode=$(stat -c %i .)"'
{
	echo '<jobs>'
	echo "<job name=\"a\"><arg>sh</arg><arg>-c</arg><arg>$who; head -c 3000 /dev/zero | tr '\\\\0' x; echo; echo a-err-long-long-long >&amp;2; ( i=0; while [ \$i -lt 40 ]; do sleep 0.1; echo LATE-FROM-A; i=\$((i + 1)); done ) &amp;</arg></job>"
	i=1
	while [ "$i" -le 8 ]; do
		echo "<job name=\"b$i\"><arg>sh</arg><arg>-c</arg><arg>$who; echo b$i; echo e$i >&amp;2; sleep 0.4</arg></job>"
		i=$((i + 1))
	done
	echo "<job name=\"c\"><arg>sh</arg><arg>-c</arg><arg>$who; echo c-done</arg></job>"
	echo '</jobs>'
} >"$T/jobs.xml"
dist --machines "$T/machines" --config "$T/jobs.xml" -v >"$T/out" 2>&1
check "the run succeeds" grep -q '10/10 ok' "$T/out"
r=$T/results/CURRENT/jobs
grep -h "^claim_links=" "$r"/*/stdout | tr '\n' ' ' | sed 's/^/# /; s/$/\n/'
check "no shell between the agent and a job: the job's grandparent is the spawner" \
    sh -c '[ "$(grep -h "^grandparent=dist-helper" "$1"/*/stdout | wc -l)" -eq 10 ]' x "$r"
check "the supervisor is the job's parent" \
    sh -c '[ "$(grep -h "^parent=dist-helper" "$1"/*/stdout | wc -l)" -eq 10 ]' x "$r"
check "a claim mark is a hard link of the spawner's mark file" \
    sh -c '! grep -h "^claim_links=" "$1"/*/stdout | grep -qvx "claim_links=\([2-9]\|[1-9][0-9]\)"' x "$r"
check "a job directory is used again (an inode seen twice)" \
    sh -c '[ -n "$(grep -h "^dir_inode=" "$1"/*/stdout | sort | uniq -d)" ]' x "$r"
check "a later job's stdout holds its own bytes only" \
    sh -c 'for i in 1 2 3 4 5 6 7 8; do [ "$(sed -n 5p "$1/b$i/stdout")" = "b$i" ] && [ "$(wc -l <"$1/b$i/stdout")" -eq 5 ] || exit 1; done' x "$r"
check "a later job's stderr holds its own bytes only (emptied, not appended to)" \
    sh -c 'for i in 1 2 3 4 5 6 7 8; do [ "$(cat "$1/b$i/stderr")" = "e$i" ] || exit 1; done' x "$r"
check "the daemon of job a never writes into a later job's stdout" \
    sh -c '! grep -l LATE-FROM-A "$1"/b*/stdout "$1"/c/stdout' x "$r"
check "each status is the job's own (one start, one end)" \
    sh -c 'for d in "$1"/*/; do [ "$(grep -c "^start=" "$d/status")" -eq 1 ] && [ "$(grep -c "^state=done" "$d/status")" -eq 1 ] || exit 1; done' x "$r"
check "env.json says the job's own directory" \
    sh -c 'for j in a b3 c; do grep -q "\"cwd\": \"[^\"]*/jobs/$j\.1@" "$1/$j/env.json" || exit 1; done' x "$r"
check "no recycled directory's spare file in the results" \
    sh -c '[ -f "$1/c/stdout" ] && ! ls -A "$1"/*/ | grep -q -- "-free"' x "$r"
wr=$(ls -d "$T"/w1/work/runs/*)
check "nothing of the spawner left on the worker (FIFO, mark, free dirs)" \
    sh -c '[ -d "$1/jobs" ] && ! ls -A "$1/jobs" | grep -E "^\.(spawn|mark|free)-"' x "$wr"
check "the spawner is gone" \
    sh -c '! pgrep -f -- "-S -f $1/" >/dev/null' x "$T/w1"

# env.json: the members of the sh supervisor's, the same isolation object
DIST_TEST_HOOKS=no-spawner dist --machines "$T/machines" \
    --config "$T/jobs.xml" >"$T/out2" 2>&1
check "the run without the spawner succeeds" grep -q '10/10 ok' "$T/out2"
r2=$T/results/CURRENT/jobs
check "without the spawner, the agent is the job's grandparent" \
    grep -q '^grandparent=sh' "$r2/b1/stdout"
keys()
{
	/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sorted(d), d["isolation"], d["users"], type(d["load_before"]).__name__)' "$1"
}
k1=$(keys "$r/b2/env.json") k2=$(keys "$r2/b2/env.json")
check "env.json: the same members as the sh supervisor's" \
    [ -n "$k1" ] && [ "$k1" = "$k2" ]

# a job taken back ("unqueue") before the spawner has made it never runs
# there: the spawner takes each job a second late (test hook), so the
# claim of the take-back comes first (before, the spawner removed it as an
# earlier job's leftover: the job ran twice).  One machine, 2 slots:
# "long" (held) and "q" start, "b" waits behind "long"; "q" ends, slot 1
# is free with nothing queued: "b" is taken back and runs there.
mkdir -p "$T/counts"
chown "$TEST_USER" "$T/counts"
{
	echo '<jobs>'
	printf '<job name="long"><arg>sh</arg><arg>-c</arg><arg>i=0; while [ ! -e "$1" ] &amp;&amp; [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done</arg><arg>x</arg><arg>%s</arg></job>\n' "$T/go-long"
	printf '<job name="q"><arg>true</arg></job>\n'
	printf '<job name="b"><arg>sh</arg><arg>-c</arg><arg>echo run &gt;&gt; "$1/b"</arg><arg>x</arg><arg>%s</arg></job>\n' "$T/counts"
	echo '</jobs>'
} >"$T/back.xml"
sed 's|^|2/|' "$T/machines" >"$T/m2slots"
DIST_TEST_HOOKS=slow-spawner dist --machines "$T/m2slots" \
    --config "$T/back.xml" --order config >"$T/out4" 2>&1 &
bpid=$!
i=0
while ! grep -q 'b taken back' "$T/out4" && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
i=0
while [ ! -s "$T/counts/b" ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
: >"$T/go-long"
wait "$bpid"
check "the run with a job taken back succeeds" grep -q '3/3 ok' "$T/out4"
check "... b was taken back before it started" grep -q 'b taken back' "$T/out4"
check "... and ran once ($(wc -l <"$T/counts/b" 2>/dev/null))" \
    [ "$(wc -l <"$T/counts/b" 2>/dev/null)" -eq 1 ]

# the master: a job's directory is on disk (syncfs) before its end is
# journaled (man: "The master"), ends collected together share a syncfs
# (master/run/commit.c): each journal write of "end K" comes after a
# syncfs that came after job K's rename into jobs/, and at most one
# syncfs per collected job
if command -v strace >/dev/null; then
	{
		echo '<jobs>'
		for i in 1 2 3 4 5 6 7 8; do
			echo "<job name=\"s$i\"><arg>true</arg></job>"
		done
		echo '</jobs>'
	} >"$T/sync.xml"
	strace -f -qq -s 300 -e trace=rename,syncfs,write,fdatasync \
	    -o "$T/strace" "$DISTRIBUTE" \
	    --known-hosts "$T/known_hosts" --ssh-config "$T/ssh_config" \
	    -i "$T/id_master" --results "$T/results" --machines "$T/machines" \
	    --config "$T/sync.xml" >"$T/out3" 2>&1
	check "the run under strace succeeds" grep -q '8/8 ok' "$T/out3"
	order=$(awk '
	    /rename\(".*\/jobs\/\.tmp-s[0-9]+\.1", ".*\/jobs\/s[0-9]+"/ {
		n = $0; sub(/.*\/jobs\/\.tmp-s/, "", n); sub(/\..*/, "", n)
		renamed[n] = 1
	    }
	    /syncfs\(/ { for (n in renamed) synced[n] = 1 }
	    /write\([0-9]+, "(start [^"]*\\n)*end [0-9]+ / {
		t = $0; sub(/.*write\([0-9]+, "/, "", t); sub(/".*/, "", t)
		m = split(t, ls, /\\n/)
		for (i = 1; i <= m; i++)
			if (split(ls[i], w, " ") >= 2 && w[1] == "end") {
				ends++
				if (!((w[2] + 1) in synced)) bad++
			}
	    }
	    END { printf "%d %d\n", ends, bad }' "$T/strace")
	nsync=$(grep -c 'syncfs(' "$T/strace")
	check "every journal 'end' after a syncfs after its job's rename (ends, out of order: $order)" \
	    [ "$order" = "8 0" ]
	check "at most one syncfs per collected job ($nsync)" \
	    sh -c '[ "$1" -ge 1 ] && [ "$1" -le 8 ]' x "$nsync"
	# the last of them is the journal's fdatasync (its "end" lines)
	check "a journal sync comes last" \
	    sh -c 'grep -E "syncfs\(|fdatasync\(" "$1" | tail -n 1 | grep -q fdatasync' x "$T/strace"
else
	note "strace missing (make test-deps): the syncfs checks not run"
fi
i=0
while kill -0 "$r1" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "relay: the lines before 'relay end', whole, and it ends" sh -c \
    '! kill -0 "$1" 2>/dev/null && [ "$(cat "$2")" = "one
two" ]' x "$r1" "$T/r1.out"
while kill -0 "$r2" 2>/dev/null && [ $(($(date +%s) - r2_t0)) -lt 25 ]; do
	sleep 0.5
done
check "relay: with its FIFO's name gone it ends ($(($(date +%s) - r2_t0)) s), its lines sent" \
    sh -c '! kill -0 "$1" 2>/dev/null && [ "$(cat "$2")" = kept ]' x "$r2" "$T/r2.out"
kill "$r1" "$r2" 2>/dev/null
done_testing
