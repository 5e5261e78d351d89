#!/bin/sh
# t3240-bundle: a small plain result comes back as one file (issue 15):
# the worker helper writes JOBDIR.bundle (client-scripts/dist-helper-
# bundle.c) and the master reads it in one SFTP open/read/close
# (master/run/collect-bundle.c) instead of walking the directory; one
# that fits (in base64) in the "done" line's 4 KiB comes in the line
# itself, no SFTP at all (bytes, exe; mid's 9,000 bytes do not).  The
# files are the same either way: the same jobs under DIST_NO_HELPER=1
# (walked) leave byte-identical files with the same modes and mtimes
# (stdout holding bytes 0-255, an executable file, an empty one, a
# read-only one).  A result that is not plain (a name with a space, a
# subdirectory) or bigger than 60 KiB makes no bundle and is walked,
# still right, and so is one whose bundle does not parse (a test hook
# cuts its last byte).  A symlink where the helper writes its bundle is
# never followed.  At -vv each job's way is said ("results by bundle",
# "by walk").  Nothing is left on the worker.
# shellcheck disable=SC2016 # the jobs' own $
. "$(dirname "$0")/lib.sh"

ensure_test_user
grep -q 'dist_helper_len = sizeof' "$TOP/master/run/helper-bin.c" ||
    skip_all "no helper built in (musl-gcc missing: make deps)"
start_worker 1

# (every file touched to a fixed mtime: the same in both runs)
TOUCH='touch -d @1234567890 *'
BYTES='i=0; while [ $i -lt 256 ]; do printf "\\$(printf %03o $i)"; i=$((i + 1)); done; '$TOUCH
EXE='printf "#!/bin/sh\necho hi\n" >run.sh; chmod 750 run.sh; : >empty; echo ro >ro; chmod 444 ro; echo err >&2; '$TOUCH
ODD='echo a >"a b"; mkdir sub; echo deep >sub/f; '$TOUCH' sub/f'
BIG='head -c 70000 /dev/zero | tr "\\0" x; '$TOUCH
MID='head -c 9000 /dev/zero | tr "\\0" m; '$TOUCH
{
	echo '<jobs>'
	for j in bytes:"$BYTES" exe:"$EXE" odd:"$ODD" big:"$BIG" mid:"$MID"; do
		printf '<job name="%s"><arg>sh</arg><arg>-c</arg><arg>%s</arg></job>\n' \
		    "${j%%:*}" "$(printf '%s' "${j#*:}" |
		    sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g')"
	done
	echo '</jobs>'
} >"$T/c.xml"

# listing DIR: each file's path, mode, size, checksum and (for a file
# the job made) mtime; not status and env.json (times, the load) and
# what the master writes from the run (request.json, results.json,
# run.log)
listing()
{
	(cd "$1" || exit 1; find . -type f ! -name status ! -name env.json \
	    ! -name results.json ! -name request.json ! -name run.log |
	    LC_ALL=C sort | while IFS= read -r f; do
		case $f in
		./argv/*|./env/*|./argc) t='' ;;
		*) t=$(stat -c %Y "$f") ;;
		esac
		printf '%s %s %s\n' "$(stat -c '%n %a %s' "$f")" \
		    "$(cksum <"$f")" "$t"
	done; find . -type d | LC_ALL=C sort)
}

dist -vv --machines "$T/machines" --config "$T/c.xml" >"$T/out1" 2>&1
check "helper run: 5/5 ok" grep -q '5/5 ok' "$T/out1"
r1=$(readlink -f "$T/results/CURRENT")
for j in bytes exe; do
	check "$j: its results came by bundle, in the done line (-v)" \
	    grep -q "jobs/$j\.1@[^ ]*\.bundle: results by bundle (in the done line)" "$T/out1"
done
check "mid: 9,000 bytes: by bundle, as a file (too big for the line)" sh -c \
    "grep -q 'jobs/mid\.1@[^ ]*\.bundle: results by bundle\$' '$T/out1'"
check "mid: 9,000 bytes" [ "$(wc -c <"$r1/jobs/mid/stdout")" -eq 9000 ]
for j in odd big; do
	check "$j: not plain or too big: walked (-v)" grep -q \
	    "jobs/$j\.1@[^ /]*: results by walk" "$T/out1"
	check "$j: no bundle for it" sh -c \
	    "! grep -q 'jobs/$j\.1@[^ ]*\.bundle' '$T/out1'"
done
left=$(find "$T/w1/work" -path '*/jobs/*' -name '*.bundle*' | head -3)
check "no bundle left on the worker ($left)" [ -z "$left" ]

DIST_NO_HELPER=1 dist -vv --machines "$T/machines" --config "$T/c.xml" \
    >"$T/out2" 2>&1
check "sh supervisor run: 5/5 ok" grep -q "5/5 ok" "$T/out2"
check "sh supervisor run: every result walked" sh -c \
    "[ \"\$(grep -c 'results by walk' '$T/out2')\" -eq 5 ] &&
    ! grep -q 'results by bundle' '$T/out2'"
r2=$(readlink -f "$T/results/CURRENT")
for j in bytes exe odd big mid; do
	listing "$r1/jobs/$j" >"$T/l1-$j"
	listing "$r2/jobs/$j" >"$T/l2-$j"
	check "$j: the same files, bytes, modes and mtimes either way" \
	    cmp "$T/l1-$j" "$T/l2-$j"
done
i=0
while [ $i -lt 256 ]; do
	printf "\\$(printf %03o $i)"
	i=$((i + 1))
done >"$T/want"
check "bytes: stdout holds bytes 0-255" cmp "$T/want" "$r1/jobs/bytes/stdout"
check "exe: run.sh is 0750, ro 0644 (owner rw added), empty is empty" \
    sh -c "[ \"\$(stat -c %a '$r1/jobs/exe/run.sh' '$r1/jobs/exe/ro')\" = \"750
644\" ] && [ ! -s '$r1/jobs/exe/empty' ] && grep -qx err '$r1/jobs/exe/stderr'"
check "exe: argv/ argc env/ written by the master" sh -c \
    "[ \"\$(cat '$r1/jobs/exe/argv/0')\" = sh ] && grep -qx 3 '$r1/jobs/exe/argc' && [ -d '$r1/jobs/exe/env' ]"
check "exe: status and env.json came" sh -c \
    "grep -q '^supervisor=helper' '$r1/jobs/exe/status' && [ -s '$r1/jobs/exe/env.json' ]"
check "odd: the name with a space and the subdirectory arrive" sh -c \
    "grep -qx a '$r1/jobs/odd/a b' && grep -qx deep '$r1/jobs/odd/sub/f'"
check "big: 70,000 bytes" [ "$(wc -c <"$r1/jobs/big/stdout")" -eq 70000 ]
# a bundle that does not parse (DIST_TEST_HOOKS=bad-bundle: the master
# drops its last byte) is never half-applied: the directory is walked
DIST_TEST_HOOKS=bad-bundle dist -vv --machines "$T/machines" \
    --config "$T/c.xml" >"$T/out3" 2>&1
check "bad bundle: 5/5 ok" grep -q '5/5 ok' "$T/out3"
check "bad bundle: said why at -vv, walked" grep -q \
    "jobs/exe\.1@[^ ]*\.bundle: bundle not used (.*said): walked" "$T/out3"
r3=$(readlink -f "$T/results/CURRENT")
listing "$r3/jobs/exe" >"$T/l3-exe"
check "bad bundle: exe's files the same as by bundle" cmp "$T/l1-exe" \
    "$T/l3-exe"
check "bad bundle, as a file: said why, walked" grep -q \
    "jobs/mid\.1@[^ ]*\.bundle: bundle not used (.*said): walked" "$T/out3"
# a symlink where the helper makes its bundle: never followed (no
# bundle, walked; the target untouched)
SYM='echo keep >target; ln -s "$PWD/target" "$PWD.bundle.tmp"; echo hi; head -c 5000 /dev/zero >pad'
printf '<jobs><job name="sym"><arg>sh</arg><arg>-c</arg><arg>%s</arg></job></jobs>\n' \
    "$SYM" >"$T/s.xml"
dist -vv --machines "$T/machines" --config "$T/s.xml" >"$T/out4" 2>&1
r4=$(readlink -f "$T/results/CURRENT")
check "symlink at the bundle's name: not followed, walked" sh -c \
    "grep -q 'jobs/sym\.1@[^ /]*: results by walk' '$T/out4' && grep -qx keep '$r4/jobs/sym/target' && grep -qx hi '$r4/jobs/sym/stdout'"
for f in "$T"/l1-*; do
	sed "s|^|# $(basename "$f"): |" "$f" | head -8
done
done_testing
