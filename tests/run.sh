#!/bin/sh
# tests/run.sh - run the unit test programs and the shell tests, count the
# "ok"/"not ok" lines they print, keep each test's log under tests/logs/,
# and end with "N passed, N failed, N skipped".
#
# usage: tests/run.sh [PATTERN...]   (e.g. tests/run.sh t0100 unit/test-machines)
# A test program that exits non-zero without printing "not ok" counts as one
# failure; exit 77 without output counts as one skip.  A test still running
# after TEST_TIMEOUT seconds (default 600) is stopped and counts as failed.

top=$(cd "$(dirname "$0")/.." && pwd) || exit 2
cd "$top" || exit 2
logs=tests/logs
rm -rf "$logs"
mkdir -p "$logs"

passed=0 failed=0 skipped=0

list_tests()
{
	for t in tests/unit/test-*; do
		case $t in *.c|*.o|*.d) continue ;; esac
		[ -x "$t" ] && printf '%s\n' "$t"
	done
	for t in tests/t[0-9][0-9][0-9][0-9]-*.sh; do
		[ -f "$t" ] && printf '%s\n' "$t"
	done
}

selected()
{
	[ $# -le 1 ] && return 0
	t=$1; shift
	for p in "$@"; do
		case $t in *"$p"*) return 0 ;; esac
	done
	return 1
}

for t in $(list_tests); do
	selected "$t" "$@" || continue
	name=$(basename "$t" .sh)
	log="$logs/$name.log"
	start=$(date +%s)
	case $t in
	*.sh) timeout -k 10 "${TEST_TIMEOUT:-600}" sh "$t" >"$log" 2>&1 ;;
	*) timeout -k 10 "${TEST_TIMEOUT:-600}" ${TEST_WRAPPER:-} "$t" \
	    >"$log" 2>&1 ;;
	esac
	rc=$?
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "not ok - $name timed out after ${TEST_TIMEOUT:-600}s" >>"$log"
	fi
	[ -f "$log" ] || echo "not ok - $name: its log disappeared" >"$log"
	secs=$(( $(date +%s) - start ))
	ok=$(grep -c '^ok ' "$log")
	skip=$(grep -c '^ok .*# SKIP' "$log")
	bad=$(grep -c '^not ok ' "$log")
	ok=$((ok - skip))
	if [ "$rc" -eq 77 ] && [ "$ok" -eq 0 ] && [ "$bad" -eq 0 ]; then
		skip=$((skip + 1))
	elif [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		bad=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	passed=$((passed + ok)) failed=$((failed + bad)) skipped=$((skipped + skip))
	if [ "$bad" -gt 0 ]; then
		printf 'FAIL %-40s %3d ok, %d failed (%ss)\n' "$name" "$ok" "$bad" "$secs"
		grep '^not ok\|^#' "$log" | sed 's/^/    /' | head -40
	else
		printf 'PASS %-40s %3d ok%s (%ss)\n' "$name" "$ok" \
		    "$( [ "$skip" -gt 0 ] && printf ', %d skipped' "$skip")" "$secs"
	fi
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
