#!/bin/sh
# tests/demo.sh - "make demo": start 3 local sshd machines on loopback
# (own host keys, a test user with /bin/sh, own workdir and lock file
# each), run distribute on configs/demo.xml with a small tool archive,
# show the progress and the summary, and stop the sshds again.
. "$(dirname "$0")/lib.sh"

ensure_test_user
start_worker 1
start_worker 2
start_worker 3

# the demo tool: bin/demo-tool, found on PATH by the jobs
mkdir -p "$T/tool/bin"
cat >"$T/tool/bin/demo-tool" <<'TOOL'
#!/bin/sh
# demo-tool N: count primes below N the slow way, print the count
n=${1:-2000} c=0 i=2
while [ "$i" -lt "$n" ]; do
	j=2 p=1
	while [ $((j * j)) -le "$i" ]; do
		[ $((i % j)) -eq 0 ] && { p=0; break; }
		j=$((j + 1))
	done
	c=$((c + p)) i=$((i + 1))
done
echo "$c"
TOOL
chmod 755 "$T/tool/bin/demo-tool"
tar -czf "$T/demo-tool.tar.gz" -C "$T/tool" bin

echo "== machines (3 local sshd workers on loopback)"
cat "$T/machines"
echo "== distribute --machines machines --config configs/demo.xml demo-tool.tar.gz"
"$DISTRIBUTE" --machines "$T/machines" --config "$TOP/configs/demo.xml" \
    --known-hosts "$T/known_hosts" --ssh-config "$T/ssh_config" \
    -i "$T/id_master" --results "$TOP/results" "$T/demo-tool.tar.gz"
rc=$?
echo "== distribute exited with $rc; results under $TOP/results/CURRENT/"
if [ $rc -eq 0 ]; then ok "demo run"; else not_ok "demo run (exit $rc)"; fi
done_testing
