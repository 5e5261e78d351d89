#!/bin/sh
# t1010-hostkeys: an unknown host key is refused with its fingerprint and
# nothing is sent; --accept-new-host-keys records it; a changed key is
# refused, even with --accept-new-host-keys.
. "$(dirname "$0")/lib.sh"

ensure_test_user
start_worker 1
cat >"$T/one.xml" <<'XML'
<jobs><job name="one"><arg>sh</arg><arg>-c</arg><arg>echo ran > output.txt</arg></job></jobs>
XML
: >"$T/empty_known_hosts"
"$DISTRIBUTE" --machines "$T/machines" --config "$T/one.xml" \
    --known-hosts "$T/empty_known_hosts" --ssh-config "$T/ssh_config" \
    -i "$T/id_master" --results "$T/results" --progress lines >"$T/out" 2>&1
rc=$?
check "unknown host key: the run fails (exit $rc)" [ "$rc" -ne 0 ]
check "the fingerprint is shown" grep -q 'SHA256:' "$T/out"
check "how to accept it is shown" grep -q 'accept-new-host-keys' "$T/out"
check "known_hosts untouched" [ ! -s "$T/empty_known_hosts" ]
check "nothing was staged" [ ! -d "$T/w1/work/runs" ]

"$DISTRIBUTE" --machines "$T/machines" --config "$T/one.xml" \
    --known-hosts "$T/empty_known_hosts" --ssh-config "$T/ssh_config" \
    -i "$T/id_master" --results "$T/results" --accept-new-host-keys \
    --progress lines >"$T/out2" 2>&1
check "--accept-new-host-keys: the run succeeds" [ $? -eq 0 ]
check "the key was recorded" [ -s "$T/empty_known_hosts" ]

# the worker comes back with a new host key
stop_worker 1
worker_new_host_key 1
start_worker 1
"$DISTRIBUTE" --machines "$T/machines" --config "$T/one.xml" \
    --known-hosts "$T/empty_known_hosts" --ssh-config "$T/ssh_config" \
    -i "$T/id_master" --results "$T/results" --accept-new-host-keys \
    --progress lines >"$T/out3" 2>&1
rc=$?
check "changed host key refused even with accept-new (exit $rc)" [ "$rc" -ne 0 ]
check "the change is said loudly" grep -qi 'changed' "$T/out3"
done_testing
