#!/bin/sh
# t9400-disk: a worker whose WORKDIR is a tiny full filesystem is taken out
# of the run with a clear reason before anything is staged there, while the
# others finish; "distribute clean" removes old run directories and the
# tool archives no remaining run uses.
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"

ensure_test_user
start_worker 1
start_worker 2
mkdir -p "$T/tiny"
mount -t tmpfs -o size=1m tmpfs "$T/tiny" 2>/dev/null || skip_all "cannot mount a tmpfs"
# shellcheck disable=SC2317 # called by the EXIT trap
umount_tiny() { umount "$T/tiny" 2>/dev/null; }
trap 'umount_tiny; cleanup' EXIT
mkdir -p "$T/tiny/work" && chown "$TEST_USER" "$T/tiny/work"
dd if=/dev/zero of="$T/tiny/fill" bs=4k 2>/dev/null	# full
sed -i "1s|workdir=[^ ]*|workdir=$T/tiny/work|" "$T/machines"

mkdir -p "$T/tool/bin"
head -c 3000000 /dev/urandom >"$T/tool/blob"
printf '#!/bin/sh\necho tool\n' >"$T/tool/bin/t" && chmod 755 "$T/tool/bin/t"
tar -czf "$T/tool.tar.gz" -C "$T/tool" bin blob
cat >"$T/jobs.xml" <<'XML'
<jobs needs-archive="yes">
  <job name="a"><arg>t</arg></job><job name="b"><arg>t</arg></job>
  <job name="c"><arg>t</arg></job>
</jobs>
XML
dist --machines "$T/machines" --config "$T/jobs.xml" "$T/tool.tar.gz" >"$T/out" 2>&1
rc=$?
check "the run completes on the machine with room (exit $rc)" [ "$rc" -eq 0 ]
check "the full machine is out with the reason" \
    grep -q "$(worker_port 1): out: not enough space in $T/tiny/work: 0 MB free, [0-9]* MB needed" "$T/out"
check "nothing was half-sent to it" [ -z "$(find "$T/tiny/work" -mindepth 1)" ]
check "all 3 results from the other" [ "$(grep -c '"status": "ok"' "$T/results/CURRENT/run.json")" -eq 3 ]

# clean: two runs on w2, then everything older than 0s goes
sed -i 1d "$T/machines"
dist --machines "$T/machines" --config "$T/jobs.xml" "$T/tool.tar.gz" >/dev/null 2>&1
runs=$(find "$T/w2/work/runs" -mindepth 1 -maxdepth 1 | wc -l)
check "two run directories on the worker before clean (got $runs)" [ "$runs" -eq 2 ]
sleep 1
"$DISTRIBUTE" clean --machines "$T/machines" --older-than 7d --known-hosts "$T/known_hosts" \
    --ssh-config "$T/ssh_config" -i "$T/id_master" >"$T/c1" 2>&1
check "clean --older-than 7d keeps recent runs" \
    [ "$(find "$T/w2/work/runs" -mindepth 1 -maxdepth 1 | wc -l)" -eq 2 ]
touch -d '10 days ago' "$T/w2/work/runs"/*
"$DISTRIBUTE" clean --machines "$T/machines" --older-than 7d --known-hosts "$T/known_hosts" \
    --ssh-config "$T/ssh_config" -i "$T/id_master" >"$T/c2" 2>&1
check "clean removes the old runs" [ -z "$(find "$T/w2/work/runs" -mindepth 1 -maxdepth 1)" ]
check "and the tool no run uses any more" [ -z "$(find "$T/w2/work/tools" \
    -mindepth 1 ! -name 'dist-helper-*')" ]
# the worker helper (not a tool archive) goes once as old as --older-than
touch -d '10 days ago' "$T/w2/work/tools"/* 2>/dev/null
"$DISTRIBUTE" clean --machines "$T/machines" --older-than 7d --known-hosts "$T/known_hosts" \
    --ssh-config "$T/ssh_config" -i "$T/id_master" >"$T/c3" 2>&1
check "an old worker helper goes too" [ -z "$(find "$T/w2/work/tools" -mindepth 1)" ]
check "and says so" grep -q 'removed 2 run directories and 1 tool archives' "$T/c2"
done_testing
