#!/bin/sh
# t2100-trojan: another user of a worker cannot get a trojan run as us
# through the work directory (by default in world-writable /var/tmp).  A
# WORKDIR or tools/<sha>.d made by someone else, or a WORKDIR group or
# others can write, is refused naming the path and its owner: the machine
# goes out and nothing is sent there.  A cached tool is used only with our
# mark of a complete unpack.  A WORKDIR we made earlier is still used, its
# tool cached (0 bytes resent).  "clean" on a WORKDIR shared by two machine
# entries (as on an NFS home) reports each removed folder once.
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/lib.sh"

EVIL=dist-evil
ensure_test_user
if ! id "$EVIL" >/dev/null 2>&1; then
	useradd -M -s /bin/sh "$EVIL" 2>/dev/null || id "$EVIL" >/dev/null 2>&1 ||
	    fatal "useradd $EVIL"
fi
start_worker 1
start_worker 2
port1=$(worker_port 1)

mkdir -p "$T/tool/bin" "$T/mark"
chmod 777 "$T/mark"
printf '#!/bin/sh\necho "tool says $*"\n' >"$T/tool/bin/mytool"
chmod 755 "$T/tool/bin/mytool"
tar -czf "$T/tool.tar.gz" -C "$T/tool" bin
sha=$(sha256sum "$T/tool.tar.gz" | cut -d' ' -f1)
cat >"$T/jobs.xml" <<'XML'
<jobs needs-archive="yes">
  <job name="a"><arg>mytool</arg><arg>one</arg></job>
  <job name="b"><arg>mytool</arg><arg>two</arg></job>
</jobs>
XML
# trojan DIR: the tool's archive and, unpacked beside it, a trojan mytool
# that leaves a mark when it runs
trojan()
{
	mkdir -p "$1/tools/$sha.d/bin"
	cp "$T/tool.tar.gz" "$1/tools/$sha"
	printf '#!/bin/sh\ntouch "%s/pwned"\necho "tool says $*"\n' "$T/mark" \
	    >"$1/tools/$sha.d/bin/mytool"
	chmod 755 "$1/tools/$sha.d/bin/mytool"
}
# machines WORKDIR: a machines file for worker 1 with that WORKDIR
machines()
{
	printf '%s@127.0.0.1:%s workdir=%s lockfile=%s\n' "$TEST_USER" "$port1" \
	    "$1" "$T/w1/lock/distribute.lock" >"$T/m"
}
sent() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["archive"]["bytes_sent"])' "$T/results/CURRENT/run.json"; }

# 1. the whole WORKDIR made first by another user, with a trojan inside
trojan "$T/evil"
chown -R "$EVIL" "$T/evil"
machines "$T/evil"
dist --machines "$T/m" --config "$T/jobs.xml" "$T/tool.tar.gz" >"$T/out1" 2>&1
check "a WORKDIR of another user: the run fails" [ $? -ne 0 ]
check "... the machine is out, naming the path and its owner" \
    grep -q "out: .*'$T/evil' is owned by $EVIL, not by $TEST_USER" "$T/out1"
check "... the trojan never ran" [ ! -e "$T/mark/pwned" ]
check "... nothing was sent there" [ -z "$(find "$T/evil" -user "$TEST_USER")" ]
check "... not even the archive ($(sent) bytes)" [ "$(sent)" -eq 0 ]

# 2. our WORKDIR, but tools/<sha>.d made by another user
mkdir -p "$T/w1/work/tools"
trojan "$T/w1/work"
chown "$TEST_USER" "$T/w1/work/tools" "$T/w1/work/tools/$sha"
chown -R "$EVIL" "$T/w1/work/tools/$sha.d"
machines "$T/w1/work"
dist --machines "$T/m" --config "$T/jobs.xml" "$T/tool.tar.gz" >"$T/out2" 2>&1
check "a tools/<sha>.d of another user: the run fails" [ $? -ne 0 ]
check "... refused, naming the path and its owner" \
    grep -q "out: .*'$T/w1/work/tools/$sha.d' is owned by $EVIL" "$T/out2"
check "... the trojan never ran" [ ! -e "$T/mark/pwned" ]

# 3. ours, but without the mark of a complete unpack: unpacked again
chown -R "$TEST_USER" "$T/w1/work/tools/$sha.d"
dist --machines "$T/m" --config "$T/jobs.xml" "$T/tool.tar.gz" >"$T/out3" 2>&1
check "a tool of ours without the mark: the run succeeds" [ $? -eq 0 ]
check "... with the real tool, unpacked again" \
    grep -q 'tool says two' "$T/results/CURRENT/jobs/b/stdout"
check "... the trojan never ran" [ ! -e "$T/mark/pwned" ]
check "... the unpacked tool now has our mark" \
    grep -qx "$sha" "$T/w1/work/tools/$sha.d/.distribute-sha256"

# 4. the same WORKDIR again: still used, the tool cached, 0 bytes resent
dist --machines "$T/m" --config "$T/jobs.xml" "$T/tool.tar.gz" >"$T/out4" 2>&1
check "our WORKDIR of earlier runs: the run succeeds" [ $? -eq 0 ]
check "... 0 bytes of the archive resent (got $(sent))" [ "$(sent)" -eq 0 ]
check "... the tool ran" grep -q 'tool says one' "$T/results/CURRENT/jobs/a/stdout"

# 5. a WORKDIR of ours that group and others can write
mkdir -p "$T/gw"
chown "$TEST_USER" "$T/gw"
chmod 777 "$T/gw"
machines "$T/gw"
dist --machines "$T/m" --config "$T/jobs.xml" "$T/tool.tar.gz" >"$T/out5" 2>&1
check "a WORKDIR others can write: the run fails" [ $? -ne 0 ]
check "... refused, saying why" \
    grep -q "out: .*'$T/gw' (owner $TEST_USER, drwxrwxrwx) is writable by group or others" "$T/out5"
check "... nothing was sent there" [ -z "$(find "$T/gw" -mindepth 1)" ]

# 6. the same on the master's side: SFTP's mkdir -p under WORKDIR uses no
# directory that is not ours alone
probe()
{
	"$TOP/tests/helpers/ssh-probe" --ssh-config "$T/ssh_config" \
	    --known-hosts "$T/known_hosts" -i "$T/id_master" \
	    "$TEST_USER@127.0.0.1:$port1" trust "$1" "$(id -u "$TEST_USER")" \
	    mkdir "$2"
}
probe "$T/evil" "$T/evil/runs/r1/jobs" >"$T/p1" 2>&1
check "sftp mkdir -p: refuses a WORKDIR of another user, naming it" \
    grep -q "'$T/evil' is owned by uid $(id -u "$EVIL"), not by the login user" "$T/p1"
check "... and makes nothing there" [ ! -e "$T/evil/runs" ]
mkdir -p "$T/sw/runs/r1"
chown "$TEST_USER" "$T/sw"
chown "$EVIL" "$T/sw/runs" "$T/sw/runs/r1"
probe "$T/sw" "$T/sw/runs/r1/jobs" >"$T/p2" 2>&1
check "sftp mkdir -p: refuses a runs/ of another user below ours" \
    grep -q "'$T/sw/runs' is owned by uid $(id -u "$EVIL")" "$T/p2"
probe "$T/gw" "$T/gw/runs" >"$T/p3" 2>&1
check "sftp mkdir -p: refuses a WORKDIR others can write" \
    grep -q "'$T/gw' (owner uid $(id -u "$TEST_USER"), mode 777) is writable by group or others" "$T/p3"
probe "$T/w1/work" "$T/w1/work/runs/r2/jobs/j" >"$T/p4" 2>&1
check "sftp mkdir -p: makes what is missing in a WORKDIR of ours" \
    [ -d "$T/w1/work/runs/r2/jobs/j" ]

# 7. clean: two machine entries sharing one WORKDIR
mkdir -p "$T/shared"
chown "$TEST_USER" "$T/shared"
sed "s|workdir=[^ ]*|workdir=$T/shared|" "$T/machines" >"$T/m2"
dist --machines "$T/m2" --config "$T/jobs.xml" "$T/tool.tar.gz" >"$T/out6" 2>&1
check "a run on the shared WORKDIR succeeds" [ $? -eq 0 ]
touch -d '10 days ago' "$T/shared/runs"/*
"$DISTRIBUTE" clean --machines "$T/m2" --older-than 7d --known-hosts "$T/known_hosts" \
    --ssh-config "$T/ssh_config" -i "$T/id_master" >"$T/c" 2>&1
check "clean removed the run" [ -z "$(find "$T/shared/runs" -mindepth 1)" ]
check "... reported once, by the first machine" \
    grep -q "^$TEST_USER@127.0.0.1:$port1: removed 1 run directories and 1 tool archives from $T/shared" "$T/c"
check "... the other says it shares the WORKDIR" \
    grep -q "^$TEST_USER@127.0.0.1:$(worker_port 2): $T/shared is shared with $TEST_USER@127.0.0.1:$port1" "$T/c"
check "... and nothing is counted twice" [ "$(grep -c 'removed [1-9]' "$T/c")" -eq 1 ]
done_testing
