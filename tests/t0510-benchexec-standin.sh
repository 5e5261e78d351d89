#!/bin/sh
# t0510-benchexec-standin: tests/bin/benchexec, the stand-in for BenchExec's
# CLI, selects like BenchExec (-r and -t are fnmatch patterns, an unnamed
# <tasks> is selected by its 0-based index, global tasks first), names its
# files like BenchExec (-n, -o), logs its argv, and refuses bad usage.
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
n=$(find "$T/runs/out" -path '*.logfiles/*' -name '*.log' | wc -l)
check "one log per task (got $n)" [ "$n" -eq 2 ]
check "a summary on stdout" grep -q 'Statistics' "$T/runs.out"

be pre -n x -o out/pre. "$T/defs/suite.xml" -r plain -t Bs
check "an output path not ending in / is a prefix" files pre \
    'out/pre.suite.x.DATE.results.plain.Bs.xml.bz2'
mkdir -p "$T/dir/out"
be dir -o out -r plain -t Bs "$T/defs/suite.xml"
check "an existing directory is a directory" files dir \
    'out/suite.DATE.results.plain.Bs.xml.bz2'

be opts --no-container --read-only-dir / --overlay-dir /home -N 2 -c 1 \
    -M '1 GB' -T '10 s' -o out/ -r plain -t Bs "$T/defs/suite.xml"
check "limits and container options are accepted" [ $? -eq 0 ]
check "the argv is logged" grep -qF '"--overlay-dir", "/home"' "$T/opts.log"

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
