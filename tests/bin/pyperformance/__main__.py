"""python3 -m pyperformance compile [-U] [-T] [--patch P] CONFIG REVISION [BRANCH]

A stand-in for pyperformance's "compile" command, for the tests: it reads
CONFIG as pyperformance does (configparser, "#" comments cut off values,
"~" expanded) and, without git or a compiler, writes what pyperformance
writes: a pyperf JSON suite, gzip-compressed, in json_dir named
<commit date %Y-%m-%d_%H-%M>-<branch>-<revision[:12]>.json.gz, and a log
compile-[<branch>-]<revision>-<date>.log in bench_dir.

Required options (exit 1 with a message naming them when missing or not
booleans): [config] json_dir, [scm] repo_dir, [compile] bench_dir; the
booleans debug, update, lto, pgo, install, system_tune, upload when given;
with upload = true, [upload] url, environment, executable, project.

Branch: BRANCH, else REVISION when it does not look like a commit (hex,
7-40 digits), else "master" (pyperformance's DEFAULT_BRANCH).  The
revision written is REVISION when it looks like a commit, else a made-up
40-digit sha (sha1 of the name).  Benchmarks: [run_benchmark] benchmarks
(comma-separated, "-name" excluded; empty or "default" or "all" = nbody,
float, richards, pyflate); values are made up but deterministic per
(revision, benchmark), differing between revisions.

Exit codes, as pyperformance's: 10 when the result file exists already or
REVISION starts with "exists"; 11 (compile error) when it starts with
"badcompile"; 12 (benchmark error, the results of the first benchmark
written anyway) when it starts with "badbench"; 2 on usage errors.
Everything is logged on stderr too.  Before anything else it prints the
config it read (one "config: SECTION.KEY = VALUE" line per option) on
stdout.
"""
import argparse
import configparser
import datetime
import gzip
import hashlib
import json
import os
import platform
import random
import re
import socket
import sys

EXIT_ALREADY_EXIST = 10
EXIT_COMPILE_ERROR = 11
EXIT_BENCH_ERROR = 12
DEFAULT_BENCHMARKS = ["nbody", "float", "richards", "pyflate"]
BOOLEANS = [("config", "debug"), ("scm", "update"), ("compile", "lto"),
            ("compile", "pgo"), ("compile", "install"),
            ("run_benchmark", "system_tune"), ("run_benchmark", "upload")]
REQUIRED = [("config", "json_dir"), ("scm", "repo_dir"),
            ("compile", "bench_dir")]


class ConfigError(Exception):
    pass


def log(msg, logfile=None):
    line = "%s: %s" % (datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S,%f")[:-3], msg)
    print(line, file=sys.stderr)
    if logfile is not None:
        logfile.write(line + "\n")


def getstr(cfg, section, key, default=None):
    if not cfg.has_section(section) or not cfg.has_option(section, key):
        if default is not None:
            return default
        if not cfg.has_section(section):
            raise ConfigError("missing section [%s] (needs %s)" % (section, key))
        raise ConfigError("missing option '%s' in section [%s]" % (key, section))
    return cfg.get(section, key).partition("#")[0].strip()


def read_config(path):
    cfg = configparser.ConfigParser()
    try:
        if not cfg.read(path):
            raise ConfigError("cannot read the config file")
    except configparser.Error as e:
        raise ConfigError(str(e).replace("\n", " "))
    for sec in cfg.sections():
        for key, value in cfg.items(sec, raw=True):
            print("config: %s.%s = %s" % (sec, key, value))
    conf = {}
    for sec, key in REQUIRED:
        conf[key] = os.path.expanduser(getstr(cfg, sec, key))
    for sec, key in BOOLEANS:
        try:
            conf[key] = cfg.getboolean(sec, key, fallback=key not in
                                       ("debug", "upload", "system_tune"))
        except (ValueError, configparser.NoSectionError) as e:
            raise ConfigError("[%s] %s: %s" % (sec, key, e))
    conf["benchmarks"] = getstr(cfg, "run_benchmark", "benchmarks", "")
    conf["git_remote"] = getstr(cfg, "config", "git_remote", "remotes/origin")
    if conf["upload"]:
        missing = [k for k in ("url", "environment", "executable", "project")
                   if not getstr(cfg, "upload", k, "")]
        if missing:
            raise ConfigError("upload requires in [upload]: %s"
                              % ", ".join(missing))
    return conf


def is_commit(rev):
    return re.fullmatch(r"[0-9a-f]{7,40}", rev) is not None


def benchmark_names(spec):
    names = [n.strip() for n in spec.split(",") if n.strip()]
    pos = [n for n in names if not n.startswith("-")]
    neg = {n[1:] for n in names if n.startswith("-")}
    if not pos or pos in (["default"], ["all"]):
        pos = DEFAULT_BENCHMARKS
    return [n for n in pos if n not in neg]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def make_benchmark(name, revision, branch, date, loops=8):
    seed = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)
    base = 0.01 + (seed % 1000) / 2000.0
    factor = 1 + (int(hashlib.sha256(revision.encode()).hexdigest()[:4], 16)
                  % 21 - 10) / 100.0
    rnd = random.Random("%s:%s" % (revision, name))
    now = datetime.datetime.now()
    runs = [{"metadata": {"date": now.isoformat(sep=" "), "duration": 0.4,
                          "calibrate_loops": loops},
             "warmups": [[1, base * 1.9], [2, base * 1.4], [4, base * 1.1],
                         [loops, base * factor]]}]
    for i in range(3):
        values = [base * factor * (1 + rnd.gauss(0, 0.004)) for _ in range(5)]
        runs.append({"metadata": {"date": now.isoformat(sep=" "),
                                  "duration": sum(values) * loops,
                                  "uptime": 1000.0 + i,
                                  "load_avg_1min": 0.05},
                     "warmups": [[loops, values[0] * 1.02]],
                     "values": values})
    return {"metadata": {"name": name, "unit": "second", "loops": loops,
                         "description": "%s benchmark (stand-in)" % name,
                         "commit_id": revision, "commit_branch": branch,
                         "commit_date": date.isoformat()},
            "runs": runs}


def write_suite(path, names, revision, branch, date):
    suite = {"version": "1.0",
             "metadata": {"cpu_model_name": cpu_model(),
                          "cpu_count": os.cpu_count() or 1,
                          "hostname": socket.gethostname(),
                          "platform": platform.platform(),
                          "python_implementation": "cpython",
                          "python_version": "3.14.0a0 (%s) 64-bit" % revision[:12],
                          "performance_version": "1.11.0",
                          "perf_version": "2.8.0"},
             "benchmarks": [make_benchmark(n, revision, branch, date)
                            for n in names]}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump(suite, f)


def resolve(args):
    if args.branch:
        branch = args.branch
    elif not is_commit(args.revision) and not args.revision.startswith(
            ("exists", "badcompile", "badbench")):
        branch = args.revision
    else:
        branch = "master"
    if is_commit(args.revision):
        revision = args.revision
    else:
        revision = hashlib.sha1(args.revision.encode()).hexdigest()
    date = datetime.datetime.now(datetime.timezone.utc).replace(
        second=0, microsecond=0)
    return branch, revision, date


def open_log(conf, args):
    prefix = "compile-%s" % (("%s-%s" % (args.branch, args.revision))
                             if args.branch else args.revision)
    prefix = re.sub("_+", "_", re.sub("[^A-Za-z0-9_-]+", "_", prefix))
    name = "%s-%s" % (prefix, datetime.datetime.now().strftime(
        "%Y-%m-%d_%H-%M-%S.%f.log"))
    os.makedirs(conf["bench_dir"], exist_ok=True)
    return open(os.path.join(conf["bench_dir"], name), "w")


def compile_bench(conf, args):
    branch, revision, date = resolve(args)
    filename = "%s-%s-%s.json.gz" % (date.strftime("%Y-%m-%d_%H-%M"),
                                     branch, revision[:12])
    path = os.path.join(conf["json_dir"], filename)
    log("Commit: branch=%s, revision=%s, date=%s" % (branch, revision, date))
    if os.path.exists(path) or args.revision.startswith("exists"):
        log("JSON file %s already exists: do nothing" % path)
        return EXIT_ALREADY_EXIST
    with open_log(conf, args) as lf:
        log("Compile and benchmarks Python rev %s (branch %s)"
            % (revision, branch), lf)
        log("+ git -C %s checkout %s" % (conf["repo_dir"], revision), lf)
        log("+ %s/configure%s" % (conf["repo_dir"],
                                  " --with-lto" if conf["lto"] else ""), lf)
        if args.revision.startswith("badcompile"):
            log("Command make failed with exit code 2", lf)
            return EXIT_COMPILE_ERROR
        log("+ make%s" % (" profile-opt" if conf["pgo"] else ""), lf)
        names = benchmark_names(conf["benchmarks"])
        failed = args.revision.startswith("badbench")
        write_suite(path, names[:1] if failed else names, revision, branch,
                    date)
        if failed:
            log("Benchmark failed but results written into %s" % path, lf)
            return EXIT_BENCH_ERROR
        log("Benchmark result written into %s" % path, lf)
    return 0


def main(argv):
    p = argparse.ArgumentParser(prog="pyperformance")
    sub = p.add_subparsers(dest="action")
    c = sub.add_parser("compile")
    c.add_argument("config_file")
    c.add_argument("revision")
    c.add_argument("branch", nargs="?")
    c.add_argument("--patch")
    c.add_argument("-U", "--no-update", action="store_true")
    c.add_argument("-T", "--no-tune", action="store_true")
    args = p.parse_args(argv)
    if args.action != "compile":
        p.error("the stand-in only knows the 'compile' command")
    try:
        conf = read_config(args.config_file)
    except ConfigError as e:
        print("ERROR: %s: %s" % (args.config_file, e), file=sys.stderr)
        return 1
    return compile_bench(conf, args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
