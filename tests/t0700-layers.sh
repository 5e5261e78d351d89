#!/bin/sh
# t0700-layers: master/'s folders stay layered (README "Layout").  Every
# #include "..." under master/ names its folder; a file outside a folder
# includes only that folder's face (P/P.h; dist.h and cli.h at the top);
# and a part includes, and calls (by the symbols of the built objects),
# only parts below it:
#	lib < input < ssh < results < store < notify < run < report, service < cmd
# dist.h (the library's public header, plan_load's) counts as run's, cli.h,
# distribute.c and cmd-*.c as cmd's.  No sshd: a few seconds.
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"

M=$TOP/master
LAYERS='lib:0 input:1 ssh:2 results:3 store:4 notify:5 run:6 report:7
    service:7 cmd:8'

# The order and the part of a path relative to master/, for awk.
AWK_PARTS='
function part(p) {
	if (p == "dist.h") return "run"
	if (p == "cli.h" || p == "distribute.c" || p ~ /^cmd-.*\.c$/) return "cmd"
	if (p ~ /\//) { sub(/\/.*/, "", p); return p }
	return "?"
}
function rank(pt,   n, i, a, kv) {
	n = split(layers, a, " ")
	for (i = 1; i <= n; i++) {
		split(a[i], kv, ":")
		if (kv[1] == pt) return kv[2] + 0
	}
	return -1
}'

# Each file and the headers it includes: "FILE INCLUDED" lines.
(cd "$M" && find . -name '*.[ch]' | sed 's|^\./||' | sort |
    while read -r f; do
	sed -n 's/^#[ 	]*include[ 	]*"\([^"]*\)".*/\1/p' "$f" |
	    sed "s|^|$f |"
done) >"$T/includes"
check "the include list is not empty" test -s "$T/includes"
(cd "$M" && find . -name '*.h' | sed 's|^\./||') >"$T/headers"

awk -v layers="$LAYERS" -v out="$T/" "$AWK_PARTS"'
FNR == NR { header[$1] = 1; next }
function say(what, msg) { print f ": " msg >(out what) }
{
	f = $1; inc = $2; pf = part(f); pi = part(inc); q = "#include \"" inc "\""
	if (rank(pf) < 0) {
		say("unplaced", "folder \047" pf "\047 has no place in the order")
		next
	}
	if (!(inc in header) || rank(pi) < 0) {
		say("unplaced", q ": not a header of a folder (\"part/name.h\")")
		next
	}
	if (pf == pi)
		next
	if (inc != "dist.h" && inc != "cli.h" && inc != pi "/" pi ".h")
		say("internal", q ": internal to " pi "/ (its face: " pi "/" pi ".h)")
	if (rank(pi) >= rank(pf))
		say("upward", q ": " pi " is not below " pf)
}' "$T/headers" "$T/includes"
for f in unplaced internal upward; do
	[ -f "$T/$f" ] || : >"$T/$f"
done
check "every include names a folder with a place in the order" \
    sh -c '! test -s "$1" || { cat "$1"; false; }' x "$T/unplaced"
check "outside a folder, only its face is included" \
    sh -c '! test -s "$1" || { cat "$1"; false; }' x "$T/internal"
check "a part includes only parts below it" \
    sh -c '! test -s "$1" || { cat "$1"; false; }' x "$T/upward"

# libdistribute.a takes its members by basename: two x.c would clash.
(cd "$M" && find . -name '*.c' | sed 's|.*/||' | sort | uniq -d) >"$T/dups"
check "no two sources share a name" \
    sh -c '! test -s "$1" || { cat "$1"; false; }' x "$T/dups"

# Calls: who defines each symbol, then who uses one defined higher up.
# (objects left by a build of an older tree, without their source, are not
# looked at)
objs=$(cd "$M" && find . -name '*.o' | sed 's|^\./||' | sort |
    while read -r o; do [ -f "${o%.o}.c" ] && echo "$o"; done)
if [ -z "$objs" ] || ! command -v nm >/dev/null; then
	ok "a part calls only parts below it # SKIP no objects (make) or nm"
	done_testing
fi
for o in $objs; do
	nm -g --defined-only "$M/$o" | awk -v f="${o%.o}.c" 'NF == 3 { print $3, f }'
done | sort >"$T/defs"
for o in $objs; do
	nm -u "$M/$o" | awk -v f="${o%.o}.c" '{ print $2, f }'
done | sort >"$T/uses"
join "$T/uses" "$T/defs" | awk -v layers="$LAYERS" "$AWK_PARTS"'
{
	pu = part($2); pd = part($3)
	if (pu != pd && (rank(pu) < 0 || rank(pd) < 0 || rank(pd) >= rank(pu)))
		print $2 " (" pu ") calls " $1 " of " $3 " (" pd ")"
}' >"$T/calls"
check "the objects define symbols" test -s "$T/defs"
check "a part calls only parts below it" \
    sh -c '! test -s "$1" || { cat "$1"; false; }' x "$T/calls"
done_testing
