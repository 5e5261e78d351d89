#!/bin/sh
# t4100-big-output: a job printing 256 MB to stdout on a real worker: the
# master's memory stays bounded (peak RSS < 64 MB; it read stdout whole
# into memory for run.log before) and stdout and run.log arrive whole.
. "$(dirname "$0")/lib.sh"

sh "$TOP/tests/apt-install.sh" time >/dev/null || skip_all "no /usr/bin/time"
ensure_test_user
start_worker 1

size=268435456
cat >"$T/big.xml" <<XML
<jobs>
  <job name="big"><arg>sh</arg><arg>-c</arg><arg>head -c $size /dev/zero; echo done >&amp;2</arg></job>
</jobs>
XML
start=$(date +%s)
/usr/bin/time -v -o "$T/time" "$DISTRIBUTE" --known-hosts "$T/known_hosts" \
    --ssh-config "$T/ssh_config" -i "$T/id_master" --results "$T/results" \
    --progress lines --machines "$T/machines" --config "$T/big.xml" \
    >"$T/out" 2>&1
rc=$?
took=$(($(date +%s) - start))
check "the run exits 0 (got $rc)" [ "$rc" -eq 0 ]
rss=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$T/time")
note "256 MB of stdout: master peak RSS ${rss:-?} kB, run took ${took} s"
if grep -q fsanitize "$TOP/.build-flags" 2>/dev/null; then
	# ASan's shadow memory and quarantine are not the master's own
	ok "master peak RSS below 64 MB # SKIP sanitizer build (${rss:-?} kB)"
else
	check "master peak RSS below 64 MB (${rss:-?} kB)" \
	    [ "${rss:-999999}" -lt 65536 ]
fi
run=$T/results/CURRENT
got=$(wc -c <"$run/jobs/big/stdout" 2>/dev/null)
check "stdout arrived whole (${got:-0} of $size bytes)" \
    [ "${got:-0}" -eq "$size" ]
log=$(wc -c <"$run/jobs/big/run.log" 2>/dev/null)
# "==> stdout <==\n", the data, a newline, "==> stderr <==\n", "done\n"
check "run.log holds stdout and stderr (${log:-0} bytes)" \
    [ "${log:-0}" -eq $((size + 15 + 1 + 15 + 5)) ]
check "run.log ends with stderr" sh -c "tail -c 20 '$run/jobs/big/run.log' |
    grep -q done"
rm -rf "$T/results" "$T/w1/work/runs"
done_testing
