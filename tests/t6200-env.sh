#!/bin/sh
# t6200-env: every job's env.json (client-scripts/agent-env.sh) is valid
# JSON with the machine's facts, the load around the job, the isolation
# record and the disturbances; the agent's "info" lines describe the
# machine; the disturbance and JSON helpers behave on made-up input.
# shellcheck disable=SC2016 # sh -c programs take their arguments
. "$(dirname "$0")/lib.sh"

ensure_test_user
start_worker 1

# jget FILE EXPR: print a value of a JSON file (python3 expression on d).
jget()
{
	/usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2], {"d": d})
print(json.dumps(v) if not isinstance(v, str) else v)' "$1" "$2"
}

# --- env.json of a plain job ----------------------------------------------
cat >"$T/plain.xml" <<'XML'
<jobs><job name="plain"><arg>true</arg></job></jobs>
XML
dist --machines "$T/machines" --config "$T/plain.xml" >"$T/out" 2>&1
rc=$?
check "plain run exits 0 (got $rc)" [ "$rc" -eq 0 ]
env=$T/results/CURRENT/jobs/plain/env.json
check "env.json came back" [ -f "$env" ]
check "env.json is valid JSON" /usr/bin/python3 -m json.tool "$env"
check "no temporary env.json left" [ ! -e "$env.tmp" ]
keys='hostname os kernel arch platform cpu_model cores governor boost aslr memory_total_kb memory_available_kb swap_used_kb load_before load_after users isolation disturbances'
missing=$(jget "$env" "[k for k in '$keys'.split() if k not in d]")
check "env.json has every field (missing: $missing)" [ "$missing" = "[]" ]
check "isolation has mode, asked, applied, not_applied, warnings, refused" \
    [ "$(jget "$env" 'sorted(d["isolation"])')" = '["applied", "asked", "mode", "not_applied", "refused", "warnings"]' ]
check "nothing asked, nothing applied" [ "$(jget "$env" \
    '[d["isolation"]["asked"], d["isolation"]["applied"], d["isolation"]["not_applied"], d["isolation"]["refused"]]')" = '[{}, {}, [], false]' ]
check "disturbances is a list of strings" [ "$(jget "$env" \
    'all(isinstance(x, str) for x in d["disturbances"]) and isinstance(d["disturbances"], list)')" = true ]

# The worker is this machine: compare with what it says itself.
check "hostname" [ "$(jget "$env" 'd["hostname"]')" = "$(uname -n)" ]
check "kernel" [ "$(jget "$env" 'd["kernel"]')" = "$(uname -s) $(uname -r)" ]
check "arch" [ "$(jget "$env" 'd["arch"]')" = "$(uname -m)" ]
os=$(. /etc/os-release && printf '%s' "$PRETTY_NAME")
check "os is PRETTY_NAME ($os)" [ "$(jget "$env" 'd["os"]')" = "$os" ]
check "cores: the online CPUs" [ "$(jget "$env" 'd["cores"]')" = "$(getconf _NPROCESSORS_ONLN)" ]
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
if [ -n "$model" ]; then
	check "cpu_model ($model)" [ "$(jget "$env" 'd["cpu_model"]')" = "$model" ]
else
	check "cpu_model is a string or null" \
	    [ "$(jget "$env" 'd["cpu_model"] is None or isinstance(d["cpu_model"], str)')" = true ]
fi
check "aslr: randomize_va_space" \
    [ "$(jget "$env" 'd["aslr"]')" = "$(cat /proc/sys/kernel/randomize_va_space)" ]
check "memory_total_kb: MemTotal" [ "$(jget "$env" 'd["memory_total_kb"]')" = \
    "$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo)" ]
check "memory_available_kb and swap_used_kb are numbers" [ "$(jget "$env" \
    'all(isinstance(d[k], int) and d[k] >= 0 for k in ("memory_available_kb", "swap_used_kb"))')" = true ]
check "load before and after the job are numbers" [ "$(jget "$env" \
    'all(isinstance(d[k], (int, float)) for k in ("load_before", "load_after"))')" = true ]
gov=$(cat /sys/devices/system/cpu/cpufreq/policy*/scaling_governor \
    /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor 2>/dev/null | sort -u | head -1)
if [ -n "$gov" ]; then
	check "governor ($gov)" jget "$env" 'd["governor"].split(",")'
	check "governor names $gov" grep -q "\"governor\": \"[^\"]*$gov" "$env"
else
	check "no cpufreq here: governor is null" [ "$(jget "$env" 'd["governor"]')" = null ]
fi
if [ -r /sys/devices/system/cpu/cpufreq/boost ] ||
    [ -r /sys/devices/system/cpu/intel_pstate/no_turbo ]; then
	check "boost is on or off" grep -q '"boost": "o[nf]f*"' "$env"
else
	check "no boost control here: boost is null" [ "$(jget "$env" 'd["boost"]')" = null ]
fi
check "platform is kernel and arch" [ "$(jget "$env" 'd["platform"]')" = \
    "$(uname -s)-$(uname -r)-$(uname -m)" ]

# --- the agent's info, over a real SSH login --------------------------------
port=$(worker_port 1)
/usr/bin/python3 - "$TOP" "$T" "$port" "$TEST_USER" >"$T/info" 2>"$T/info.err" <<'PY'
import subprocess, sys
top, t, port, user = sys.argv[1:5]
text = open(top + "/client-scripts/agent-env.sh", "rb").read() + \
    open(top + "/client-scripts/agent.sh", "rb").read()
p = subprocess.Popen(["ssh", "-F", t + "/ssh_config", "-i", t + "/id_master",
    "-o", "UserKnownHostsFile=" + t + "/known_hosts", "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=yes", "-p", port, user + "@127.0.0.1", "sh -s"],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
p.stdin.write(text)
line = p.stdout.readline().decode()
if not line.startswith("ready "):
    sys.exit("no ready line: %r" % line)
p.stdin.write(("set workdir %s/w1/work\ninfo\n" % t).encode())
while True:
    line = p.stdout.readline().decode()
    if not line:
        sys.exit("agent ended before info end")
    sys.stdout.write(line)
    if line == "info end\n":
        break
p.stdin.write(b"quit\n")
p.stdin.close()
p.wait()
PY
check "info over SSH: the agent answers, ending with 'info end'" \
    [ "$(tail -n 1 "$T/info")" = "info end" ]
check "every line is 'info KEY VALUE'" [ -z "$(grep -v '^info [a-z_]* .\|^info end$' "$T/info")" ]
for k in hostname os kernel cpu_model cores mem_total_kb mem_available_kb \
    swap_used_kb load aslr workdir_free_kb isolation_tools; do
	check "info has $k" grep -q "^info $k ." "$T/info"
done
check "info cores" grep -qx "info cores $(getconf _NPROCESSORS_ONLN)" "$T/info"
check "info load: three averages" grep -qx 'info load [0-9.]* [0-9.]* [0-9.]*' "$T/info"
check "info os" grep -qxF "info os $os" "$T/info"
check "info workdir_free_kb is a number" grep -qx 'info workdir_free_kb [0-9][0-9]*' "$T/info"
check "info isolation_tools lists taskset" grep -q '^info isolation_tools .*taskset' "$T/info"

# --- the helpers on made-up input (dash, no SSH) ---------------------------
{
	cat "$TOP/client-scripts/agent-env.sh"
	sed '$d' "$TOP/client-scripts/agent.sh"	# all but "main; exit"
	cat <<'EOF'
nl='
'
# the disturbances: users, load above half the CPUs, a governor
env_users='alice bob' env_l1=3.00 env_cores=2 env_gov=powersave,performance
env_disturb
printf 'D1 [%s]\n' "$env_dist_j"
env_users='' env_l1=1.00 env_cores=2 env_gov=performance
env_disturb
printf 'D2 [%s]\n' "$env_dist_j"
env_l1=1.01
env_disturb
printf 'D3 [%s]\n' "$env_dist_j"
# JSON strings from hostile text
for v in 'a"b\c' "tab	x" "new${nl}line" "$(printf 'bell\007 caf\303\251')" ''; do
	json_str "$v"
	printf 'J %s\n' "$j"
done
# who, cached until the utmp file changes
mkdir -p "$1/bin"
printf '#!/bin/sh\nprintf "carol pts/0\\ndave pts/1\\ncarol pts/2\\n"\n' >"$1/bin/who"
chmod +x "$1/bin/who"
PATH=$1/bin:$PATH
rundir=$1 mkey=k env_utmp=$1/utmp env_who_stamp=''
: >"$env_utmp"
sleep 0.05
env_users main
printf 'U1 %s\n' "$env_users"
printf '#!/bin/sh\necho erin pts/0\n' >"$1/bin/who"
env_users main
printf 'U2 %s\n' "$env_users"
sleep 0.05
: >"$env_utmp"
env_users main
printf 'U3 %s\n' "$env_users"
cpulist_expand 0-3,8 && printf 'C1 %s%s\n' "$x" "$xn"
cpulist_expand 3-1 || echo 'C2 refused'
EOF
} >"$T/helpers.sh"
mkdir -p "$T/h"
dash "$T/helpers.sh" "$T/h" >"$T/helpers.out" 2>&1
check "disturbances: users, load, governor" grep -qxF \
    'D1 ["users logged in: alice bob", "load 3.00 above 1.00 (half of 2 CPUs)", "cpufreq governor powersave,performance (not performance)"]' \
    "$T/helpers.out"
check "load at half the CPUs is no disturbance" grep -qxF 'D2 []' "$T/helpers.out"
check "load just above half is" grep -qxF 'D3 ["load 1.01 above 1.00 (half of 2 CPUs)"]' "$T/helpers.out"
sed -n 's/^J //p' "$T/helpers.out" >"$T/json-lines"
check "hostile strings: 5 JSON strings" [ "$(wc -l <"$T/json-lines")" -eq 5 ]
check "hostile strings are valid JSON, ASCII" /usr/bin/python3 -c '
import json, sys
got = [json.loads(l) for l in open(sys.argv[1], encoding="ascii")]
want = ["a\"b\\c", "tab\tx", "new\nline", "bell? caf??", ""]
assert got == want, got' "$T/json-lines"
check "who: distinct users" grep -qx 'U1 carol dave' "$T/helpers.out"
check "who: kept while utmp is unchanged" grep -qx 'U2 carol dave' "$T/helpers.out"
check "who: read again when utmp changes" grep -qx 'U3 erin' "$T/helpers.out"
check "CPU lists expand" grep -qx 'C1  0 1 2 3 8 5' "$T/helpers.out"
check "a descending range is refused" grep -qx 'C2 refused' "$T/helpers.out"
done_testing
