#!/bin/sh
# t6000-stats-scipy: Welch's t-test (master/results/stats.c, through
# tests/helpers/stats-probe) against scipy.stats.ttest_ind(equal_var=False)
# on random samples: t, df and p agree to 1e-9 relative.  Skipped when
# Debian's python3 has no scipy (make test-deps installs python3-scipy).
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"

PROBE=$TOP/tests/helpers/stats-probe
PY=/usr/bin/python3
[ -x "$PROBE" ] || skip_all "tests/helpers/stats-probe not built"
if ! [ -x "$PY" ] || ! "$PY" -c 'import scipy.stats' 2>/dev/null; then
	skip_all "no scipy for $PY (apt-get install python3-scipy)"
fi

cat >"$T/welch.py" <<'PY'
import subprocess, sys, warnings
import numpy as np
from scipy import stats

probe, kind, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = np.random.default_rng(seed)
cases = []
for _ in range(200):
    if kind == "small":
        na, nb = int(rng.integers(2, 6)), int(rng.integers(2, 6))
    elif kind == "n30":
        na = nb = 30
    else:
        na, nb = int(rng.integers(2, 200)), int(rng.integers(2, 200))
    scale = 10.0 ** rng.integers(-7, 4)
    sep = rng.choice([0.0, 0.01, 0.1, 1.0, 10.0]) if kind != "far" else 50.0
    a = rng.normal(1.0, rng.uniform(0.001, 0.2), na) * scale
    b = rng.normal(1.0 + sep * 0.05, rng.uniform(0.001, 0.2), nb) * scale
    cases.append((a, b))
text = "".join("%d %d %s %s\n" % (len(a), len(b),
               " ".join(repr(float(x)) for x in a),
               " ".join(repr(float(x)) for x in b)) for a, b in cases)
out = subprocess.run([probe], input=text, capture_output=True, text=True,
                     check=True).stdout.split("\n")
bad = 0
for (a, b), line in zip(cases, out):
    t, df, p = map(float, line.split())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = stats.ttest_ind(a, b, equal_var=False)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    edf = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    for name, got, want in (("t", t, r.statistic), ("df", df, edf),
                            ("p", p, r.pvalue)):
        if name == "p" and want < 1e-300:   # subnormal: few digits left
            ok = got < 1e-290
        else:
            ok = abs(got - want) <= 1e-9 * abs(want)
        if not ok:
            bad += 1
            print("%s: got %.17g, scipy %.17g (na=%d nb=%d)"
                  % (name, got, want, len(a), len(b)))
print("%d cases, %d mismatches" % (len(cases), bad))
sys.exit(1 if bad else 0)
PY

check "200 pairs with n from 2 to 5: t, df, p as scipy" \
    "$PY" "$T/welch.py" "$PROBE" small 1
check "200 pairs with n = 30: t, df, p as scipy" \
    "$PY" "$T/welch.py" "$PROBE" n30 2
check "200 pairs of unequal sizes up to 200" \
    "$PY" "$T/welch.py" "$PROBE" mixed 3
check "200 far-apart pairs: tiny p-values to 1e-9 relative (above 1e-300)" \
    "$PY" "$T/welch.py" "$PROBE" far 4
printf '1 3 1.5 1 2 3\n' | "$PROBE" >"$T/one" 2>&1
check "n = 1: no test" grep -qx none "$T/one"
done_testing
