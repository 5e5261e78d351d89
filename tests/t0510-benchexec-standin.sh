#!/bin/sh
# t0510-benchexec-standin: tests/bin/benchexec, the stand-in for BenchExec's
# CLI, selects like BenchExec (-r and -t are fnmatch patterns, an unnamed
# <tasks> is selected by its 0-based index, global tasks first), names its
# files like BenchExec (-n, -o, --startTime, --results-per-*), writes what
# BenchExec 3.35 writes (<result name="RD.TASKS" block="TASKS">, DOCTYPE,
# cpuCores, category, PREFIX.logfiles.zip or with --no-compress-results
# .xml and .logfiles/, the .txt table), takes its cores from its cgroup,
# accepts BenchExec's options, logs its argv, and refuses bad usage.
# shellcheck disable=SC1091 # tests/lib.sh
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/lib.sh"

BE=$TOP/tests/bin/benchexec
[ -x /usr/bin/python3 ] || skip_all "no /usr/bin/python3"
command -v bzcat >/dev/null || skip_all "no bzcat"

mkdir -p "$T/defs/files"
for f in a1 a2 b1 c1; do
	echo 'int main(void) { return 0; }' >"$T/defs/files/$f.c"
done
cat >"$T/defs/suite.xml" <<'XML'
<?xml version="1.0"?>
<benchmark tool="dummy" timelimit="10 s">
  <tasks name="As"><include>files/a*.c</include></tasks>
  <tasks><include>files/c1.c</include></tasks>
  <rundefinition name="a[*]b"/>
  <rundefinition name="a*b"/>
  <rundefinition name="plain">
    <tasks name="Bs"><include>files/b*.c</include></tasks>
    <tasks><include>files/a1.c</include></tasks>
  </rundefinition>
</benchmark>
XML

# be NAME ARG...: run the stand-in in $T/NAME/ (output under out/);
# the result file names, without their date, go to $T/NAME.files.
be()
{
	_n=$1
	shift
	mkdir -p "$T/$_n"
	(cd "$T/$_n" && BENCHEXEC_STANDIN_LOG=$T/$_n.log "$BE" "$@" \
	    >"$T/$_n.out" 2>"$T/$_n.err")
	_rc=$?
	(cd "$T/$_n" && find . -name '*.xml*' -type f) |
	    sed -e 's|^\./||' \
		-e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]_[0-9][0-9]-[0-9][0-9]-[0-9][0-9]/DATE/' |
	    LC_ALL=C sort >"$T/$_n.files"
	return $_rc
}

# files NAME LINE...: the result files of run NAME are exactly LINE...
# shellcheck disable=SC2317 # called through check
files()
{
	_n=$1
	shift
	printf '%s\n' "$@" | LC_ALL=C sort >"$T/want"
	cmp -s "$T/want" "$T/$_n.files" && return 0
	diff "$T/want" "$T/$_n.files"
	return 1
}

be all -o out/ "$T/defs/suite.xml"
check "everything: exits 0" [ $? -eq 0 ]
check "everything: BenchExec's files (run set, and each of 2+ tasks)" \
    files all \
    'out/suite.DATE.results.a[*]b.xml.bz2' \
    'out/suite.DATE.results.a[*]b.As.xml.bz2' \
    'out/suite.DATE.results.a[*]b.1.xml.bz2' \
    'out/suite.DATE.results.a*b.xml.bz2' \
    'out/suite.DATE.results.a*b.As.xml.bz2' \
    'out/suite.DATE.results.a*b.1.xml.bz2' \
    'out/suite.DATE.results.plain.xml.bz2' \
    'out/suite.DATE.results.plain.As.xml.bz2' \
    'out/suite.DATE.results.plain.1.xml.bz2' \
    'out/suite.DATE.results.plain.Bs.xml.bz2' \
    'out/suite.DATE.results.plain.3.xml.bz2'

be lit -r 'a[[][*]]b' -t As -n nightly -o out/ "$T/defs/suite.xml"
check "an escaped pattern selects the literal name a[*]b" files lit \
    'out/suite.nightly.DATE.results.a[*]b.As.xml.bz2'

be star -r 'a[*]b' -o out/ "$T/defs/suite.xml"
check "'a[*]b' as a pattern selects a*b only" files star \
    'out/suite.DATE.results.a*b.xml.bz2' \
    'out/suite.DATE.results.a*b.As.xml.bz2' \
    'out/suite.DATE.results.a*b.1.xml.bz2'

be glob -r 'a*' -t 'A?' "$T/defs/suite.xml"
check "patterns: -r 'a*' -t 'A?' (default output path results/)" files glob \
    'results/suite.DATE.results.a[*]b.As.xml.bz2' \
    'results/suite.DATE.results.a*b.As.xml.bz2'

be idx -r plain -t 1 -t 3 -o out/ "$T/defs/suite.xml"
check "unnamed tasks by index (1: global, 3: the rundefinition's)" \
    files idx 'out/suite.DATE.results.plain.xml.bz2' \
    'out/suite.DATE.results.plain.1.xml.bz2' \
    'out/suite.DATE.results.plain.3.xml.bz2'
f=$(find "$T/idx/out" -name '*.plain.xml.bz2')
bzcat "$f" >"$T/idx.xml"
check "index 1 and 3 are c1.c and a1.c" \
    sh -c 'grep -q "files/c1.c" "$1" && grep -q "files/a1.c" "$1"' x "$T/idx.xml"
check "... with one run each" [ "$(grep -o '<run ' "$T/idx.xml" | wc -l)" -eq 2 ]

be named -r plain -t Bs -o out/ "$T/defs/suite.xml"
check "a named tasks is not selected by its index" files named \
    'out/suite.DATE.results.plain.Bs.xml.bz2'
be byidx -r plain -t 2 -o out/ "$T/defs/suite.xml"
check "... (index 2 is Bs: nothing)" [ ! -s "$T/byidx.files" ]
check "... and a message" grep -q "Skipping run set 'plain'" "$T/byidx.out"
be one -r plain -t 3 -o out/ "$T/defs/suite.xml"
check "one unnamed tasks: the run set file only" files one \
    'out/suite.DATE.results.plain.xml.bz2'

be runs -r 'a[*]b' -t As -o out/ "$T/defs/suite.xml"
f=$(find "$T/runs/out" -name '*.xml.bz2')
check "the result XML holds one run per task" \
    [ "$(bzcat "$f" | grep -o '<run ' | wc -l)" -eq 2 ]
check "... and is XML" sh -c 'bzcat "$1" | python3 -c "
import sys, xml.etree.ElementTree as E; E.parse(sys.stdin)"' x "$f"
dt=$(bzcat "$f" | sed -n 2,4p | tr '\n' ' ')
check "... with BenchExec's DOCTYPE (got $dt)" [ "$dt" = "<!DOCTYPE result \
  PUBLIC '+//IDN sosy-lab.org//DTD BenchExec result 3.12//EN' \
  'https://www.sosy-lab.org/benchexec/result-3.12.dtd'> " ]
n=$(/usr/bin/python3 -c 'import sys, zipfile
print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$T"/runs/out/*.logfiles.zip |
    grep -c '^suite\.[-0-9_]*\.logfiles/a\*b\.a[12]\.c\.log$')
check "one log per task in PREFIX.logfiles.zip (got $n)" [ "$n" -eq 2 ]
check "... and no .logfiles directory" [ -z "$(find "$T/runs/out" -name '*.logfiles')" ]
check "a text table PREFIX.results.RUNSET.txt" \
    grep -q '^a1\.c  *true ' "$T"/runs/out/suite.*.results.a\*b.As.txt
check "a summary on stdout" grep -q 'Statistics' "$T/runs.out"
check "without a property file the category is missing" \
    [ "$(bzcat "$f" | grep -c 'title="category" value="missing" hidden="true"')" -eq 2 ]

be pre -n x -o out/pre. "$T/defs/suite.xml" -r plain -t Bs
check "an output path not ending in / is a prefix" files pre \
    'out/pre.suite.x.DATE.results.plain.Bs.xml.bz2'
mkdir -p "$T/dir/out"
be dir -o out -r plain -t Bs "$T/defs/suite.xml"
check "an existing directory is a directory" files dir \
    'out/suite.DATE.results.plain.Bs.xml.bz2'

be opts --no-container --read-only-dir / --overlay-dir /home -N 2 -c 1 \
    -M '1 GB' -T '10 s' -W 20s --no-hyperthreading -d --tool-directory /usr \
    --maxLogfileSize 5MB --filesCountLimit 9 --filesSizeLimit 1MB \
    --network-access --no-tmpfs --keep-system-config --keep-tmp \
    --hidden-dir /tmp --full-access-dir /dev --commit --message m \
    -o out/ -r plain -t Bs "$T/defs/suite.xml"
check "limits, container and other BenchExec options are accepted" [ $? -eq 0 ]
check "the argv is logged" grep -qF '"--overlay-dir", "/home"' "$T/opts.log"

# root ATTR FILE: an attribute of the root element of a result file.
root()
{
	bzcat "$2" | /usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E
print(E.parse(sys.stdin).getroot().get(sys.argv[1], "(none)"))' "$1"
}
# result NAME KIND: the one result file of run NAME ending in KIND.
result()
{
	find "$T/$1/out" -name "*.results.$2"
}
f=$(result all 'plain.xml.bz2')
check "several tasks: the run set's file is name=\"plain\", no block" \
    [ "$(root name "$f") $(root block "$f")" = "plain (none)" ]
f=$(result all 'plain.Bs.xml.bz2')
check "... each tasks' file name=\"plain.Bs\" block=\"Bs\"" \
    [ "$(root name "$f") $(root block "$f")" = "plain.Bs Bs" ]
f=$(result named 'plain.Bs.xml.bz2')
check "one tasks: name=\"plain.Bs\" block=\"Bs\"" \
    [ "$(root name "$f") $(root block "$f")" = "plain.Bs Bs" ]
f=$(result one 'plain.xml.bz2')
check "one unnamed tasks: name=\"plain.3\" block=\"3\"" \
    [ "$(root name "$f") $(root block "$f")" = "plain.3 3" ]
check "several run sets: PREFIX.results.txt" [ -n "$(result all txt)" ]
check "no cpuCores without a core limit" sh -c '! bzcat "$1" | grep -q cpuCores' x "$f"

# cores: -c 1 writes the limit on the root and each run's hidden cpuCores
be cores -c 1 -o out/ -r plain -t Bs "$T/defs/suite.xml"
f=$(result cores 'plain.Bs.xml.bz2')
check "-c 1: cpuCores=\"1\" on the root" [ "$(root cpuCores "$f")" = 1 ]
check "... and <column title=\"cpuCores\" value=\"N\" hidden=\"true\"/>" sh -c \
    'bzcat "$1" | grep -q "<column title=\"cpuCores\" value=\"[0-9]*\" hidden=\"true\"/>"' x "$f"
be nocore -c 1 --allowedCores 99 -o out/ -r plain "$T/defs/suite.xml"
check "a core not available: exit 1 (got $?)" [ $? -eq 1 ]
check "... Could not read CPU information from kernel: ..." grep -qx \
    'Could not read CPU information from kernel: The following provided CPU cores are not available: 99' \
    "$T/nocore.err"
# the cores of the stand-in's cgroup (v1 cpuset), not the online ones
cg=/sys/fs/cgroup/cpuset/dist-t0510-$$
if [ "$(getconf _NPROCESSORS_ONLN)" -ge 2 ] && mkdir "$cg" 2>/dev/null; then
	if echo 1 >"$cg/cpuset.cpus" &&
	    cat "$cg/../cpuset.mems" >"$cg/cpuset.mems"; then
		sh -c 'echo $$ >"$1/tasks" && shift && exec "$@"' x "$cg" \
		    "$BE" -c 1 -o "$T/cg/" -r plain -t Bs "$T/defs/suite.xml" \
		    >"$T/cg.out" 2>&1
		check "in a cpuset cgroup of CPU 1 the runs are on CPU 1" sh -c \
		    'bzcat "$1"/*.xml.bz2 | grep -q "title=\"cpuCores\" value=\"1\""' \
		    x "$T/cg"
	else
		note "cannot set up a cpuset cgroup: cgroup cores not checked"
	fi
	rmdir "$cg"
else
	note "no cgroup v1 cpuset or 1 CPU: cgroup cores not checked"
fi

# --no-compress-results: plain .xml and a .logfiles/ directory
be plain --no-compress-results -o out/ -r plain -t Bs "$T/defs/suite.xml"
check "--no-compress-results: plain .xml" files plain \
    'out/suite.DATE.results.plain.Bs.xml'
check "... and logs in PREFIX.logfiles/" sh -c 'ls "$1"/out/suite.*.logfiles/plain.b1.c.log' x "$T/plain"
check "... no zip" [ -z "$(find "$T/plain/out" -name '*.zip')" ]

# --results-per-taskset / --results-per-rundefinition (named tasks only)
sed -e 's|<tasks><include>files/c1.c</include></tasks>||' \
    -e 's|<tasks><include>files/a1.c</include></tasks>||' \
    "$T/defs/suite.xml" >"$T/defs/named.xml"
be pts --results-per-taskset -r plain -o out/ "$T/defs/named.xml"
check "--results-per-taskset: a file per tasks only" files pts \
    'out/named.DATE.results.plain.As.xml.bz2' 'out/named.DATE.results.plain.Bs.xml.bz2'
be prd --results-per-rundefinition -r plain -o out/ "$T/defs/named.xml"
check "--results-per-rundefinition: a file per rundefinition only" files prd \
    'out/named.DATE.results.plain.xml.bz2'
be unnamed --results-per-taskset -r plain -o out/ "$T/defs/suite.xml"
check "--results-per-taskset with an unnamed tasks: exit 1 (got $?)" [ $? -eq 1 ]
check "... with BenchExec's message" grep -q '^Error: Unnamed task set found' "$T/unnamed.err"
be start --startTime '2020-01-02 03:04:05' -r plain -t Bs -o out/ "$T/defs/suite.xml"
check "--startTime names the files" sh -c 'ls "$1"/out/suite.2020-01-02_03-04-05.results.plain.Bs.xml.bz2' x "$T/start"

# a task definition with the rundefinition's property: its expected verdict
mkdir -p "$T/defs/props"
echo 'CHECK( init(main()), LTL(G ! call(reach_error())) )' >"$T/defs/props/unreach-call.prp"
printf "format_version: '2.0'\ninput_files: 'a1.c'\nproperties:\n  - property_file: ../props/unreach-call.prp\n    expected_verdict: true\n" \
    >"$T/defs/files/t.yml"
cat >"$T/defs/yml.xml" <<'XML'
<?xml version="1.0"?>
<benchmark tool="dummy">
  <rundefinition name="r"><propertyfile>props/unreach-call.prp</propertyfile></rundefinition>
  <tasks name="Y"><include>files/t.yml</include></tasks>
</benchmark>
XML
be yml -o out/ "$T/defs/yml.xml"
check "a .yml expecting true with its property: category correct" sh -c \
    'bzcat "$1"/out/*.xml.bz2 | grep -q "title=\"category\" value=\"correct\""' x "$T/yml"

"$BE" --version >"$T/v.out" 2>&1
check "--version" [ $? -eq 0 ]
"$BE" --frobnicate "$T/defs/suite.xml" >"$T/bad.out" 2>"$T/bad.err"
rc=$?
check "an unknown option is a usage error (got $rc)" [ "$rc" -ne 0 ]
check "... with a message" grep -q 'unrecognized arguments' "$T/bad.err"
"$BE" >"$T/bad.out" 2>"$T/bad.err"
check "no file is a usage error" [ $? -ne 0 ]
"$BE" "$T/nonexistent.xml" >"$T/bad.out" 2>"$T/bad.err"
check "a missing file is an error" [ $? -ne 0 ]
check "... with a message" grep -q 'nonexistent.xml' "$T/bad.err"
done_testing
