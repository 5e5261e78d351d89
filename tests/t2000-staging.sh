#!/bin/sh
# t2000-staging: the tool archive is sent once per worker, content-addressed;
# a second run with the same archive sends none of its bytes.
#
# How we know: run.json counts the archive bytes each machine was sent
# (bytes written by SFTP), and the stored copy on each worker keeps its
# inode and modification time across the second run.
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/lib.sh"

ensure_test_user
start_worker 1
start_worker 2

mkdir -p "$T/tool/bin"
printf '#!/bin/sh\necho "tool says $*"\n' >"$T/tool/bin/mytool"
chmod 755 "$T/tool/bin/mytool"
head -c 3000000 /dev/urandom >"$T/tool/blob"
tar -czf "$T/tool.tar.gz" -C "$T/tool" bin blob
sha=$(sha256sum "$T/tool.tar.gz" | cut -d' ' -f1)
size=$(wc -c <"$T/tool.tar.gz")
cat >"$T/jobs.xml" <<'XML'
<jobs needs-archive="yes">
  <job name="a"><arg>mytool</arg><arg>one</arg></job>
  <job name="b"><arg>mytool</arg><arg>two</arg></job>
  <job name="c"><arg>mytool</arg><arg>three</arg></job>
</jobs>
XML
dist --machines "$T/machines" --config "$T/jobs.xml" "$T/tool.tar.gz" >"$T/out1" 2>&1
check "first run exits 0" [ $? -eq 0 ]
r1=$(readlink "$T/results/CURRENT")
sent1=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["archive"]["bytes_sent"])' "$T/results/$r1/run.json")
check "first run sends the archive to both machines ($sent1 = 2 x $size)" \
    [ "$sent1" -eq $((2 * size)) ]
check "the tool ran from the archive" grep -q 'tool says two' "$T/results/$r1/jobs/b/stdout"
for w in 1 2; do
	check "w$w stores tools/$sha" [ -f "$T/w$w/work/tools/$sha" ]
	check "w$w has it unpacked once" [ -x "$T/w$w/work/tools/$sha.d/bin/mytool" ]
	stat -c '%i %Y' "$T/w$w/work/tools/$sha" >"$T/stat$w"
done
sleep 1.1
dist --machines "$T/machines" --config "$T/jobs.xml" "$T/tool.tar.gz" >"$T/out2" 2>&1
check "second run exits 0" [ $? -eq 0 ]
r2=$(readlink "$T/results/CURRENT")
check "second run is a new run directory" [ "$r1" != "$r2" ]
sent2=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["archive"]["bytes_sent"])' "$T/results/$r2/run.json")
check "second run sends 0 bytes of the archive (got $sent2)" [ "$sent2" -eq 0 ]
for w in 1 2; do
	check "w$w's stored archive untouched (inode, mtime)" \
	    sh -c '[ "$(stat -c "%i %Y" "$1")" = "$(cat "$2")" ]' x \
	    "$T/w$w/work/tools/$sha" "$T/stat$w"
done
check "no temporary upload left" [ -z "$(find "$T"/w*/work/tools -name '*.tmp*')" ]

# all machines sharing ONE workdir: staging at once, nothing collides
mkdir -p "$T/shared"
chown "$TEST_USER" "$T/shared"
sed "s|workdir=[^ ]*|workdir=$T/shared|" "$T/machines" >"$T/machines.shared"
dist --machines "$T/machines.shared" --config "$TOP/tests/data/run/twelve.xml" >"$T/out3" 2>&1
check "shared workdir run exits 0" [ $? -eq 0 ]
n=$(find "$T/results/CURRENT/jobs" -name result.txt | wc -l)
check "shared workdir: 12 results (got $n)" [ "$n" -eq 12 ]
# each job's directory is named by its machine and removed once its
# result is collected: none collided, none is left
dirs=$(find "$T/shared/runs" -mindepth 3 -maxdepth 3 -type d | wc -l)
check "shared workdir: no job directory left once collected (got $dirs)" [ "$dirs" -eq 0 ]
check "shared workdir: both machines ran jobs" sh -c \
    '[ "$(grep -o "\"machine\": \"[^\"]*\"" "$1" | sort -u | wc -l)" -eq 2 ]' x \
    "$T/results/CURRENT/run.json"
done_testing
