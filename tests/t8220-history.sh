#!/bin/sh
# t8220-history: "distribute history" on a store filled by
# tests/helpers/store-fill (no machines needed): 4 runs, one revision each,
# 2 machines, bench-b's mean b * (1 + r / 100) * m; the kernel changes
# after run 2.  The numbers, the change, the kernel note, --limit,
# --machine, --metric, --since (local and UTC), globs, --csv, a missing
# store (never made by a read).
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "no $PY"
FILL=$TOP/tests/helpers/store-fill
mkdir -p "$T/r"
"$FILL" "sqlite:$T/r/distribute.db" 4 3 5 2 >"$T/fill" 2>&1
check "the store is filled" [ $? -eq 0 ]

h()
{
	"$DISTRIBUTE" history --results "$T/r" "$@"
}

h --json bench-2 >"$T/h.json" 2>&1
check "bench-2: 4 rows per machine, means, n, change, the kernel note" "$PY" -c '
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
assert len(rows) == 8, rows
for m in (1, 2):
    r = [x for x in rows if x["machine"] == "fill-%d" % m]
    assert [x["revision"] for x in r] == ["rev-1", "rev-2", "rev-3", "rev-4"], r
    for i, x in enumerate(r):
        mean = 2 * (1 + (i + 1) / 100) * m
        assert abs(x["mean"] - mean) < 1e-9 and x["n"] == 5, x
    assert r[0]["change_percent"] is None, r[0]
    assert abs(r[1]["change_percent"] - (1.02 / 1.01 - 1) * 100) < 1e-9, r[1]
    assert r[2]["note"] == "kernel 6.1.0-1 -> 6.1.0-2", r[2]
    assert r[1]["note"] is None and r[3]["note"] is None, r
' "$T/h.json"
h --limit 1 --machine fill-2 --csv 'bench-*' >"$T/h.csv" 2>&1
check "--limit 1 --machine fill-2: the last row of each benchmark" \
    [ "$(grep -c ',fill-2,fill,rev-4,' "$T/h.csv")" -eq 3 ] &&
    [ "$(wc -l <"$T/h.csv")" -eq 4 ]
check "--csv: the mean of bench-3 on fill-2 at rev-4" \
    grep -q '^bench-3,time,second,,,fill-2,fill,rev-4,fill-4,1,2026-01-05T00:00:00Z,5,6.24' "$T/h.csv"
h --since 2026-01-04Z --machine fill-1 bench-1 >"$T/since" 2>&1
check "--since 2026-01-04Z: runs 3 and 4" \
    [ "$(grep -c '^bench-1 ' "$T/since")" -eq 2 ]
TZ=UTC+5 h --since 2026-01-03T20:00 --machine fill-1 bench-1 >"$T/since2" 2>&1
check "--since in local time (UTC-5, 01-03 20:00 = 01-04 01:00Z): run 4" \
    [ "$(grep -c '^bench-1 ' "$T/since2")" -eq 1 ]
h --metric memory bench-1 >"$T/mem" 2>&1
check "--metric memory: none stored" grep -q 'no stored values match' "$T/mem"
h 'bench-[13]' --machine fill-1 >"$T/glob" 2>&1
check "a bracket glob: bench-1 and bench-3, 4 rows each" \
    [ "$(grep -c '^bench-[13] ' "$T/glob")" -eq 8 ]
h --results "$T/none" bench-1 >"$T/none.out" 2>&1
rc=$?
check "no store: exit 3 (got $rc), said" [ "$rc" -eq 3 ] &&
    grep -q 'no such store' "$T/none.out"
check "... and none was made" [ ! -e "$T/none/distribute.db" ]
done_testing
