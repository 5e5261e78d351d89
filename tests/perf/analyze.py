#!/usr/bin/python3
"""tests/perf/analyze.py - the numeric side of tests/perf/bench.sh.

  stamps DIR N           job stamp files (stamp.bash) -> key=value lines:
                         per-machine dispatch gaps, makespan, busy share
  poll OUT DIR...        until SIGTERM: when each DIR (a worker's tools/)
                         first holds an entry, its final archive, its .d
  rss PID OUT            until PID exits: the peak summed RSS of PID and
                         all its descendants (KiB) -> OUT
  runjson FILE           archive bytes sent and ok jobs of a run.json
  table TSV              the results table (key<TAB>value lines in TSV)

Run with /usr/bin/python3 (Debian's): only the standard library is used.
"""
import json
import math
import os
import signal
import statistics
import sys
import time


def percentile(values, p):
    """Nearest-rank percentile of a non-empty list."""
    v = sorted(values)
    return v[max(0, math.ceil(p / 100.0 * len(v)) - 1)]


def cmd_stamps(d, n):
    rows = []
    for name in os.listdir(d):
        with open(os.path.join(d, name)) as f:
            p = f.read().split()
        if len(p) >= 3:
            rows.append((float(p[0]), float(p[1]), p[2] + "/" +
                         (p[3] if len(p) > 3 else "")))
    out = {"jobs": len(rows), "expected": int(n)}
    if not rows:
        return out
    machines = {}
    for s, e, m in rows:
        machines.setdefault(m, []).append((s, e))
    gaps = []
    for runs in machines.values():
        runs.sort()
        gaps += [b[0] - a[1] for a, b in zip(runs, runs[1:])]
    first = min(r[0] for r in rows)
    last = max(r[1] for r in rows)
    busy = sum(e - s for s, e, _ in rows)
    out.update(machines=len(machines), span=last - first,
               busy_pct=100.0 * busy / (len(machines) * (last - first)),
               job_mean_ms=1000.0 * busy / len(rows))
    if gaps:
        out.update(gaps=len(gaps),
                   gap_median_ms=1000.0 * statistics.median(gaps),
                   gap_p95_ms=1000.0 * percentile(gaps, 95),
                   gap_max_ms=1000.0 * max(gaps))
    return out


def cmd_poll(out, dirs):
    seen = {d: {} for d in dirs}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    while not stop:
        now = time.time()
        for d in dirs:
            try:
                names = os.listdir(d)
            except OSError:
                continue
            ev = seen[d]
            if names and "first" not in ev:
                ev["first"] = now
            for x in names:
                if x.endswith(".d") and "unpacked" not in ev:
                    ev["unpacked"] = now
                elif len(x) == 64 and "stored" not in ev:
                    ev["stored"] = now
        time.sleep(0.004)
    with open(out, "w") as f:
        json.dump(seen, f)


def tree_rss(root):
    """Summed RSS (KiB) of root and its descendants."""
    kids, rss = {}, {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                st = f.read().rsplit(")", 1)[1].split()
            kids.setdefault(int(st[1]), []).append(int(p))
            rss[int(p)] = int(st[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, IndexError, ValueError):
            pass
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += kids.get(p, [])
    return total


def cmd_rss(pid, out):
    peak = 0
    while os.path.exists("/proc/%d" % pid):
        peak = max(peak, tree_rss(pid))
        time.sleep(0.2)
    with open(out, "w") as f:
        f.write("%d\n" % peak)


def cmd_runjson(path):
    with open(path) as f:
        r = json.load(f)
    a = r.get("archive") or {}
    jobs = r.get("jobs", [])
    return {"bytes_sent": a.get("bytes_sent", -1),
            "ok": sum(1 for j in jobs if j.get("status") == "ok"),
            "jobs": len(jobs),
            "machines_used": len(set(j.get("machine") for j in jobs))}


# --- the table ------------------------------------------------------------

def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "B":
        return "%d" % v
    if abs(v) >= 100:
        return "%.0f" % v
    if abs(v) >= 10:
        return "%.1f" % v
    return "%.2f" % v


# (scenario, label, key, unit, lower is better (None: no ratio), target
# operator, target value)
ROWS = [
    ("1", "dispatch gap, median (ms)", "s1.{}.gap_median_ms", "", 1, "<=", 5),
    ("1", "dispatch gap, p95 (ms)", "s1.{}.gap_p95_ms", "", 1, None, None),
    ("1", "tool wall time (s)", "s1.{}.wall", "", 1, None, None),
    ("1", "worker CPU per job, all (ms)", "s1.{}.wcpu_ms", "", 1, None, None),
    ("1", "worker CPU per job beyond the floor (ms)", "s1.{}.wcpu_extra_ms",
     "", 1, "<=", 3),
    ("1", "one machine alone: gap median (ms)", "s1one.{}.gap_median_ms", "",
     1, "<=", "floor + 3"),
    ("1", "one machine alone: gap p95 (ms)", "s1one.{}.gap_p95_ms", "", 1,
     None, None),
    ("1", "one machine alone: worker CPU per job beyond the floor (ms)",
     "s1one.{}.wcpu_extra_ms", "", 1, "<=", 3),
    ("1", "workers' CPU for a run of one job per machine (ms, all 4)",
     "s1.{}.wfix_ms", "", 1, None, None),
    ("1", "worker CPU each job adds (ms)", "s1.{}.wcpu_marg_ms", "", 1,
     None, None),
    ("1", "worker CPU each job adds beyond the floor (ms)",
     "s1.{}.wcpu_marg_extra_ms", "", 1, "<=", 3),
    ("1", "one machine alone: worker CPU each job adds beyond the floor (ms)",
     "s1one.{}.wcpu_marg_extra_ms", "", 1, "<=", 3),
    ("2", "makespan, job stamps (s)", "s2.{}.span", "", 1, None, None),
    ("2", "efficiency, ideal/makespan (%)", "s2.{}.eff_pct", "", 0,
     ">=", "90% of floor"),
    ("2", "machines busy (%)", "s2.{}.busy_pct", "", 0, None, None),
    ("2", "tool wall time (s)", "s2.{}.wall", "", 1, None, None),
    ("2", "worker CPU per job, all (ms)", "s2.{}.wcpu_ms", "", 1, None, None),
    ("2", "worker CPU per job beyond the floor (ms)", "s2.{}.wcpu_extra_ms",
     "", 1, "<=", 3),
    ("2", "worker CPU each job adds beyond the floor (ms)",
     "s2.{}.wcpu_marg_extra_ms", "", 1, "<=", 3),
    ("3", "upload to 8 machines (s)", "s3.{}.upload_s", "", 1, None, None),
    ("3", "upload, aggregate (MB/s)", "s3.{}.upload_mbs", "", 0,
     ">=", "80% of scp"),
    ("3", "upload + unpack on 8 machines (s)", "s3.{}.unpack_s", "", 1,
     None, None),
    ("3", "upload + unpack, aggregate (MB/s)", "s3.{}.unpack_mbs", "", 0,
     None, None),
    ("3", "cached re-run: staging (s)", "s3.{}.cached_s", "", 1, None, None),
    ("3", "cached re-run: bytes sent", "s3.{}.cached_bytes", "B", 1,
     "==", 0),
    # parallel: its largest process (perl), not comparable: no ratio
    ("4", "master peak RSS (MB)", "s4.{}.rss_kb", "MB", None, "<=", 50),
    ("4", "all local processes, peak RSS (MB)", "s4.{}.tree_kb", "MB", 1,
     None, None),
    ("4", "master CPU, user+sys (s)", "s4.{}.cpu", "", None, None, None),
    ("4", "master CPU per 1000 jobs (s)", "s4.{}.cpu_per_1000", "", 1,
     None, None),
    ("4", "tool wall time (s)", "s4.{}.wall", "", None, None, None),
    ("4", "tool wall per 1000 jobs (s)", "s4.{}.wall_per_1000", "", 1,
     None, None),
    # then larger pools, distribute alone (tests/perf/many.sh)
    ("4", "128 machines: master peak RSS (MB)", "s4m128.{}.rss_kb", "MB",
     None, None, None),
    ("4", "128 machines: master CPU per 1000 jobs (s)",
     "s4m128.{}.cpu_per_1000", "", None, None, None),
    ("4", "128 machines: tool wall time (s)", "s4m128.{}.wall", "", None,
     None, None),
    ("4", "256 machines: master peak RSS (MB)", "s4m256.{}.rss_kb", "MB",
     None, "<=", 64),
    ("4", "256 machines: master CPU per 1000 jobs (s)",
     "s4m256.{}.cpu_per_1000", "", None, None, None),
    ("4", "256 machines: tool wall time (s)", "s4m256.{}.wall", "", None,
     None, None),
]
TOOLS = ("dist", "par", "parcm", "loop")


def met(v, op, want, ctx):
    if op is None or v is None:
        return ""
    if want == "floor + 3":
        ref = ctx.get("s1one.loop.gap_median_ms")
        return "-" if ref is None else ("met" if v <= ref + 3 else "missed")
    if want == "90% of floor":
        ref = ctx.get("s2.loop.eff_pct")
        return "-" if ref is None else ("met" if v >= 0.9 * ref
                                        else "missed")
    if want == "80% of scp":
        ref = ctx.get("s3.par.upload_mbs")
        return "-" if ref is None else ("met" if v >= 0.8 * ref
                                        else "missed")
    ok = {"<=": v <= want, ">=": v >= want, "==": v == want}[op]
    return "met" if ok else "missed"


def cmd_table(tsv):
    ctx = {}
    with open(tsv) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("\t")
            try:
                ctx[k] = float(v)
            except ValueError:
                pass
    head = ("#", "metric", "distribute", "parallel+ssh", "parallel+CM",
            "no tool", "ratio", "target", "result")
    lines = []
    for sc, label, key, unit, lower, op, want in ROWS:
        vals = [ctx.get(key.format(t)) for t in TOOLS]
        if unit == "MB":
            vals = [None if v is None else v / 1024.0 for v in vals]
        if all(v is None for v in vals):
            continue
        if sc == "3":
            label += " [cmp: 8x scp]"
        # the ratio is against the other tools, not the floor ("no tool")
        others = [v for v in vals[1:3] if v is not None]
        ratio = "-"
        if vals[0] is not None and others and lower is not None:
            best = min(others) if lower else max(others)
            num, den = (best, vals[0]) if lower else (vals[0], best)
            if den > 0:
                ratio = "%.2fx" % (num / den)
            elif num == 0:
                ratio = "="
        tgt = "" if op is None else "%s %s" % (op, want)
        lines.append((sc, label, *(fmt(v, unit) for v in vals), ratio, tgt,
                      met(vals[0], op, want, ctx)))
    w = [max(len(str(r[i])) for r in [head] + lines) for i in range(9)]
    for r in [head, tuple("-" * x for x in w)] + lines:
        print("  ".join(str(c).ljust(w[i]) if i < 2 else str(c).rjust(w[i])
                        for i, c in enumerate(r)).rstrip())
    print("ratio: how many times better distribute is than the best other "
          "tool (>1: distribute better)")
    print("no tool: the same jobs back to back in a shell loop on each "
          "worker, the floor any tool adds to")


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "stamps":
        for k, v in cmd_stamps(args[0], args[1]).items():
            print("%s\t%s" % (k, v))
    elif cmd == "poll":
        cmd_poll(args[0], args[1:])
    elif cmd == "rss":
        cmd_rss(int(args[0]), args[1])
    elif cmd == "runjson":
        for k, v in cmd_runjson(args[0]).items():
            print("%s\t%s" % (k, v))
    elif cmd == "table":
        cmd_table(args[0])
    else:
        sys.exit("analyze.py: unknown command '%s'" % cmd)


if __name__ == "__main__":
    main(sys.argv)
