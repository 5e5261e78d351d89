# agent-env.sh - sent before agent.sh (function definitions only): what the
# shellcheck disable=SC2154,SC2034 # shares variables with agent.sh, sent with it
# supervisor records about the machine around each job (env.json), the
# isolation asked for a job (iso lines) and the machine summary (info).
#
# Hooks called by agent.sh:
#   do_iso            "iso KEY VALUE" line (arg in $arg): cpus, aslr, tmpfs,
#                     numa, nice, mode (strict|best-effort), benchexec
#   iso_clear         forget the pending job's iso settings
#   iso_setup JOBDIR  before the job: prepare what was asked; sets iso_dir
#                     (the job's working directory); non-zero with a
#                     message on stderr when strict isolation cannot be had
#   iso_exec CMD...   in the job's subshell: exec CMD under the isolation
#   iso_finish JOBDIR after the job: bring files back from a tmpfs dir;
#                     non-zero (and a line in JOBDIR/stderr) if it could not
#   env_record JOBDIR before|after|parts   write JOBDIR/env.json
#   do_info           reply "info KEY VALUE" lines, then "info end"
#   do_facts          the fixed facts the master matches to requirements:
#                     "facts KEY VALUE" (arch, cpu_model, cores,
#                     mem_total_kb, os), then "facts end"; no fork but
#                     uname -m, once per agent
#
# Isolation (the master sends normalized values, see master/input/isolation.h):
#   cpus LIST   "taskset -c LIST" (CPUs must be online here)
#   aslr off    setarch "$(uname -m)" --addr-no-randomize (without setarch,
#               a machine with randomize_va_space=0 counts as applied)
#   numa NODE   numactl --cpunodebind NODE --membind NODE
#   nice N      the job's nice value becomes N (nice -n relative to ours)
#   benchexec limit|fixed
#               the job is a BenchExec run: cpus go to BenchExec as
#               --allowedCores (with --limitCores N unless "fixed") and
#               are checked after the job from its results; numa is not
#               applied (see "BenchExec jobs" below)
#   tmpfs DIR   the job runs in a fresh directory under DIR, which must be
#               on a tmpfs (/proc/mounts); argv/, argc and env/ are copied
#               in, DIST_JOB_DIR names it, ./stdout and ./stderr stay in
#               the job directory; afterwards every file is copied back
#               into the job directory and the tmpfs one removed
# Each is checked before the job: the prefix chain runs a probe shell that
# prints its Cpus_allowed_list, Mems_allowed_list, personality and nice
# value, and those must be what was asked.  What could not be had is
# "not applied" with its reason: with mode strict (the default) the job is
# not started (the reasons on its stderr, exit 126), with best-effort it
# runs without that part.
#
# env.json (valid JSON, ASCII: other bytes become "?"; written atomically
# after the job): hostname, os (PRETTY_NAME), kernel, arch, platform,
# cpu_model, cores (online CPUs), governor (the distinct cpufreq governors,
# comma-separated, or null), boost ("on"/"off"/null: cpufreq/boost or
# intel_pstate/no_turbo), aslr (randomize_va_space), memory_total_kb,
# memory_available_kb and swap_used_kb (before the job), cwd (the
# directory the job ran in: BenchExec names its runs relative to it, see
# master/results/metrics-benchexec.c), load_before and
# load_after (1-minute load average), users (logged in, from who),
# isolation {mode, asked, applied, not_applied, warnings, refused} and
# disturbances: other logins, a 1-minute load above half the online CPUs
# (this run's own jobs count too), a governor other than performance.
#
# Cost: the fixed facts are read once per agent (in the agent after the
# first start or info, inherited by every supervisor forked later), who(1)
# runs again only when the utmp file is newer than our stamp file, the rest
# are shell builtins reading /proc and /sys: env.json costs one fork (mv).

# --- small helpers -------------------------------------------------------

# rd_line FILE: r = the first line of FILE, or empty.
rd_line()
{
	r=''
	[ -r "$1" ] || return 1
	IFS= read -r r <"$1" || [ -n "$r" ]
}

# nth_field N STRING: f = the Nth blank-separated field of STRING.
nth_field()
{
	_evr=$2 _evi=1 f=''
	while :; do
		_evr=${_evr#"${_evr%%[! 	]*}"}
		[ -n "$_evr" ] || { f=''; return 1; }
		f=${_evr%%[ 	]*}
		[ "$_evi" -ge "$1" ] && return 0
		_evr=${_evr#"$f"}
		_evi=$((_evi + 1))
	done
}

# cpulist_expand LIST: x = " 0 1 2 " for "0-2" (CPUs or NUMA nodes below
# 8192), xn = their number; 1 if LIST is not such a list.
cpulist_expand()
{
	x=' ' xn=0 _evr=$1,
	while [ -n "$_evr" ]; do
		_evc=${_evr%%,*}
		_evr=${_evr#*,}
		case $_evc in
		''|*[!0-9-]*|-*|*-|*-*-*) return 1 ;;
		*-*) _evlo=${_evc%-*} _evhi=${_evc#*-} ;;
		*) _evlo=$_evc _evhi=$_evc ;;
		esac
		_evlo=${_evlo#"${_evlo%%[!0]*}"} _evhi=${_evhi#"${_evhi%%[!0]*}"}
		_evlo=${_evlo:-0} _evhi=${_evhi:-0}
		[ "${#_evhi}" -le 4 ] && [ "$_evhi" -lt 8192 ] &&
		    [ "$_evlo" -le "$_evhi" ] || return 1
		while [ "$_evlo" -le "$_evhi" ]; do
			x="$x$_evlo "
			xn=$((xn + 1))
			_evlo=$((_evlo + 1))
		done
	done
}

# set_within A B: every member of the set A (" 1 2 ") is in B; else 1
# with the first missing one in x.
set_within()
{
	_evr=${1# }
	while [ -n "$_evr" ]; do
		_evc=${_evr%% *}
		_evr=${_evr#* }
		case $2 in
		*" $_evc "*) ;;
		*) x=$_evc; return 1 ;;
		esac
	done
}

# json_str VALUE: j = VALUE as a JSON string (ASCII only).
json_str()
{
	case $1 in
	*[!\ -~]*|*[\\\"]*) ;;
	*) j="\"$1\""; return 0 ;;
	esac
	repl "$1" "\\" "\\\\"
	repl "$s" '"' '\"'
	repl "$s" "$nl" '\n'
	repl "$s" '	' '\t'
	case $s in
	*[!\ -~]*) json_ascii "$s" ;;
	esac
	j="\"$s\""
}

# json_ascii STRING: s = STRING with every byte outside ' '..'~' as '?'.
json_ascii()
{
	s='' _evr=$1
	while [ -n "$_evr" ]; do
		_evt=${_evr#?}
		_evc=${_evr%"$_evt"}
		case $_evc in
		[\ -~]) s=$s$_evc ;;
		*) s=$s'?' ;;
		esac
		_evr=$_evt
	done
}

# json_opt VALUE: j = VALUE as a JSON string, or null when empty.
json_opt()
{
	if [ -n "$1" ]; then
		json_str "$1"
	else
		j=null
	fi
}

# json_num VALUE: j = VALUE if it is a plain decimal number, else null.
json_num()
{
	case ${1#-} in
	''|*[!0-9.]*|.*|*.|*.*.*|0[0-9]*) j=null ;;
	*) j=$1 ;;
	esac
}

# json_add LISTVAR VALUE: append VALUE as a JSON string to the
# comma-separated list in the variable named LISTVAR (one of ours).
json_add()
{
	json_str "$2"
	case $1 in
	env_dist_j) env_dist_j=${env_dist_j:+$env_dist_j, }$j ;;
	iso_not_j) iso_not_j=${iso_not_j:+$iso_not_j, }$j ;;
	iso_warn_j) iso_warn_j=${iso_warn_j:+$iso_warn_j, }$j ;;
	esac
}

# --- the machine ---------------------------------------------------------

# env_facts: the fixed facts, once per agent (env_cached).
env_facts()
{
	[ "$env_cached" = 1 ] && return 0
	env_cached=1
	rd_line /proc/sys/kernel/hostname || r=$(uname -n 2>/dev/null)
	env_host=$r
	rd_line /proc/sys/kernel/ostype || r=$(uname -s 2>/dev/null)
	env_kernel=$r
	rd_line /proc/sys/kernel/osrelease || r=$(uname -r 2>/dev/null)
	env_kernel="$env_kernel${r:+ $r}"
	rd_line /proc/sys/kernel/arch && env_arch=$r ||
	    env_arch=$(uname -m 2>/dev/null)
	rd_line /proc/sys/kernel/randomize_va_space
	env_aslr=$r
	env_os_read
	env_cpu_read
	env_boost_read
	env_utmp=''
	for _evf in /run/utmp /var/run/utmp; do
		[ -f "$_evf" ] && env_utmp=$_evf && break
	done
	env_static_json
}

# env_os_read: env_os = PRETTY_NAME of /etc/os-release (quotes removed).
env_os_read()
{
	env_os=''
	for _evf in /etc/os-release /usr/lib/os-release; do
		[ -r "$_evf" ] || continue
		while IFS= read -r _evl || [ -n "$_evl" ]; do
			case $_evl in
			PRETTY_NAME=*) env_os=${_evl#PRETTY_NAME=}; break ;;
			esac
		done <"$_evf"
		break
	done
	case $env_os in
	\"*\") env_os=${env_os#\"} env_os=${env_os%\"} ;;
	\'*\') env_os=${env_os#\'} env_os=${env_os%\'} ;;
	esac
}

# env_cpu_read: env_online (the online CPUs' list), env_online_set and
# env_cores from /sys; env_cpu_model from /proc/cpuinfo (which also gives
# the count where /sys does not).
env_cpu_read()
{
	rd_line /sys/devices/system/cpu/online
	env_online=$r env_online_set='' env_cores=''
	if [ -n "$r" ] && cpulist_expand "$r"; then
		env_online_set=$x env_cores=$xn
	fi
	env_cpu_model='' _evn=0
	[ -r /proc/cpuinfo ] || return 0
	while IFS= read -r _evl; do
		_evk=${_evl%%:*}
		_evk=${_evk%"${_evk##*[! 	]}"}
		case $_evk in
		processor) _evn=$((_evn + 1)) ;;
		'model name')
			env_cpu_model=${_evl#*: }
			[ -n "$env_cores" ] && break
			;;
		'cpu model'|Hardware|Model|cpu)
			[ -z "$env_cpu_model" ] && env_cpu_model=${_evl#*: }
			;;
		esac
	done </proc/cpuinfo
	[ -n "$env_cores" ] || [ "$_evn" -eq 0 ] || env_cores=$_evn
}

# env_boost_read: env_boost = on, off or empty (unknown).
env_boost_read()
{
	env_boost=''
	if rd_line /sys/devices/system/cpu/cpufreq/boost; then
		case $r in 1) env_boost=on ;; 0) env_boost=off ;; esac
	elif rd_line /sys/devices/system/cpu/intel_pstate/no_turbo; then
		case $r in 0) env_boost=on ;; 1) env_boost=off ;; esac
	fi
}

# env_static_json: env_static_j = the fixed facts as JSON members.
env_static_json()
{
	json_opt "$env_host"
	env_static_j="\"hostname\": $j"
	json_opt "$env_os"
	env_static_j="$env_static_j, \"os\": $j"
	json_opt "$env_kernel"
	env_static_j="$env_static_j, \"kernel\": $j"
	json_opt "$env_arch"
	env_static_j="$env_static_j, \"arch\": $j"
	_evp=${env_kernel% *}-${env_kernel#* }${env_arch:+-$env_arch}
	json_opt "$_evp"
	env_static_j="$env_static_j, \"platform\": $j"
	json_opt "$env_cpu_model"
	env_static_j="$env_static_j, \"cpu_model\": $j"
	json_num "$env_cores"
	env_static_j="$env_static_j, \"cores\": $j"
	json_opt "$env_boost"
	env_static_j="$env_static_j, \"boost\": $j"
	json_num "$env_aslr"
	env_static_j="$env_static_j, \"aslr\": $j"
}

# env_load: env_l1 env_l5 env_l15 = the load averages.
env_load()
{
	env_l1='' env_l5='' env_l15=''
	[ -r /proc/loadavg ] &&
	    read -r env_l1 env_l5 env_l15 _evl </proc/loadavg
}

# env_meminfo: env_mem_total, env_mem_avail, env_swap_used (kB).
env_meminfo()
{
	env_mem_total='' env_mem_avail='' env_swap_used='' _evst=''
	[ -r /proc/meminfo ] || return 0
	while read -r _evk _evv _evl; do
		case $_evk in
		MemTotal:) env_mem_total=$_evv ;;
		MemAvailable:) env_mem_avail=$_evv ;;
		SwapTotal:) _evst=$_evv ;;
		SwapFree:)
			case $_evst$_evv in
			*[!0-9]*|'') ;;
			*) env_swap_used=$((_evst - _evv)) ;;
			esac
			break
			;;
		esac
	done </proc/meminfo
}

# env_governors: env_gov = the distinct cpufreq governors, "a,b".
env_governors()
{
	env_gov=''
	for _evf in /sys/devices/system/cpu/cpufreq/policy*/scaling_governor; do
		env_gov_add "$_evf"
	done
	[ -n "$env_gov" ] && return 0
	for _evf in /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor; do
		env_gov_add "$_evf"
	done
}

env_gov_add()
{
	rd_line "$1" && [ -n "$r" ] || return 0
	case ,$env_gov, in
	*,"$r",*) ;;
	*) env_gov=${env_gov:+$env_gov,}$r ;;
	esac
}

# env_users [main]: env_users = the distinct users logged in.  Kept while
# the utmp file is not newer than the stamp file, which only the agent
# itself (main) writes, just before it runs who.
env_users()
{
	[ -n "$env_utmp" ] || { env_users=''; return 0; }
	if [ -n "$env_who_stamp" ] && [ -f "$env_who_stamp" ] && env_nt_ok &&
	    ! env_newer "$env_utmp" "$env_who_stamp"; then
		return 0
	fi
	if [ "$1" = main ] && [ -n "$rundir" ] && [ -d "$rundir" ] &&
	    printf x 2>/dev/null >"$rundir/.who-$mkey"; then
		env_who_stamp=$rundir/.who-$mkey
	fi
	_evw=$(LC_ALL=C who 2>/dev/null)
	env_users=''
	while [ -n "$_evw" ]; do
		_evl=${_evw%%"$nl"*}
		case $_evw in
		*"$nl"*) _evw=${_evw#*"$nl"} ;;
		*) _evw='' ;;
		esac
		_evu=${_evl%%[ 	]*}
		[ -n "$_evu" ] || continue
		case " $env_users " in
		*" $_evu "*) ;;
		*) env_users=${env_users:+$env_users }$_evu ;;
		esac
	done
}

# env_newer A B: file A is newer than file B (test -nt: dash, bash, ash
# and POSIX.1-2024 have it); env_nt_ok: this test knows -nt.
env_newer()
{
	# shellcheck disable=SC3013
	[ "$1" -nt "$2" ]
}

env_nt_ok()
{
	if [ -z "$env_nt" ]; then
		env_newer / / 2>/dev/null
		env_nt=$?	# 1 (false) where -nt is known, 2 (error) where not
	fi
	[ "$env_nt" -eq 1 ]
}

# env_disturb: env_dist (lines) and env_dist_j (JSON strings): what may
# disturb a measurement now.
env_disturb()
{
	env_dist='' env_dist_j=''
	[ -n "$env_users" ] && env_dist_note "users logged in: $env_users"
	case $env_l1 in
	[0-9]*.[0-9][0-9])
		_evh=${env_l1%.*}${env_l1#*.}
		_evh=${_evh#"${_evh%%[!0]*}"}
		if [ -n "$env_cores" ] && [ "${_evh:-0}" -gt $((env_cores * 50)) ]
		then
			_evt=$((env_cores * 50))
			env_dist_note "load $env_l1 above $((_evt / 100)).$((_evt % 100 / 10))$((_evt % 10)) (half of $env_cores CPUs)"
		fi
		;;
	esac
	case $env_gov in
	''|performance) ;;
	*) env_dist_note "cpufreq governor $env_gov (not performance)" ;;
	esac
}

env_dist_note()
{
	env_dist=$env_dist$1$nl
	json_add env_dist_j "$1"
}

# env_now [main]: the changing facts, and the disturbances.
env_now()
{
	env_facts
	env_load
	env_meminfo
	env_governors
	env_users "$1"
	env_disturb
}

# env_record JOBDIR before|after|parts: the machine around the job,
# written to JOBDIR/env.json after it; parts: env_json_parts only (the
# worker helper writes env.json, see sv_helper in agent.sh).
env_record()
{
	if [ "$2" = before ]; then
		env_now
		env_before=$env_l1 env_mem_avail_before=$env_mem_avail
		iso_j=''
		return 0
	fi
	[ "$2" = parts ] || env_load
	if [ "$2" = after ] && [ -n "$iso_be_cpus" ] &&
	    [ "$iso_refused" != true ]; then
		iso_not=''
		iso_be_verify "$1"
	fi
	json_num "$env_before"
	_evb=$j
	[ -n "$iso_j" ] || iso_json
	json_num "$env_mem_total"
	_evm="\"memory_total_kb\": $j"
	json_num "$env_mem_avail_before"
	_evm="$_evm, \"memory_available_kb\": $j"
	json_num "$env_swap_used"
	_evm="$_evm, \"swap_used_kb\": $j"
	json_str "${iso_dir:-$1}"
	_evm="$_evm, \"cwd\": $j"
	env_json_parts "$_evb" "$_evm"
	[ "$2" = parts ] && return 0
	json_num "$env_l1"
	printf '%s%s%s\n' "$env_jh" "$j" "$env_jt" >"$1/env.json"
}

# env_json_parts LOAD_BEFORE MEMORY_AND_CWD: env_jh and env_jt = env.json
# before and after the value of load_after (also written by the worker
# helper, see sv_helper in agent.sh).
env_json_parts()
{
	json_opt "$env_gov"
	env_jh="{$env_static_j, \"governor\": $j, $2, \"load_before\": $1, \"load_after\": "
	json_opt "$env_users"
	env_jt=", \"users\": $j,$nl \"isolation\": $iso_j,$nl \"disturbances\": [$env_dist_j]}"
}

# --- the machine summary -------------------------------------------------

do_info()
{
	env_now main
	info_line hostname "$env_host"
	info_line os "$env_os"
	info_line kernel "$env_kernel"
	info_line arch "$env_arch"
	info_line cpu_model "$env_cpu_model"
	info_line cores "$env_cores"
	info_line online_cpus "$env_online"
	info_line mem_total_kb "$env_mem_total"
	info_line mem_available_kb "$env_mem_avail"
	info_line swap_used_kb "$env_swap_used"
	info_line load "$env_l1${env_l5:+ $env_l5 $env_l15}"
	info_line governor "$env_gov"
	info_line boost "$env_boost"
	info_line aslr "$env_aslr"
	info_workdir
	info_line users "$env_users"
	info_tools
	_evr=$env_dist
	while [ -n "$_evr" ]; do
		info_line disturbance "${_evr%%"$nl"*}"
		_evr=${_evr#*"$nl"}
	done
	reply "info end"
}

# info_line KEY VALUE: "info KEY VALUE", nothing when VALUE is empty.
# do_facts: the machine's fixed facts, for requirements (see the top).
do_facts()
{
	env_facts
	env_meminfo
	for _evk in arch cpu_model cores mem_total_kb os; do
		case $_evk in
		arch) _evv=$env_arch ;;
		cpu_model) _evv=$env_cpu_model ;;
		cores) _evv=$env_cores ;;
		mem_total_kb) _evv=$env_mem_total ;;
		os) _evv=$env_os ;;
		esac
		[ -n "$_evv" ] || continue
		esc "$_evv"
		reply "facts $_evk $e"
	done
	reply "facts end"
}

info_line()
{
	[ -n "$2" ] || return 0
	esc "$2"
	reply "info $1 $e"
}

# info_workdir: the work directory and the free space (kB) where it is (or
# would be: its nearest existing parent).
info_workdir()
{
	[ -n "$workdir" ] || return 0
	info_line workdir "$workdir"
	_evd=$workdir
	while [ ! -d "$_evd" ] && [ -n "$_evd" ]; do
		_evd=${_evd%/*}
	done
	_evo=$(LC_ALL=C df -Pk "${_evd:-/}" 2>/dev/null) || return 0
	case $_evo in
	*"$nl"*) nth_field 4 "${_evo#*"$nl"}" && info_line workdir_free_kb "$f" ;;
	esac
}

# info_tools: which isolation tools this machine has.
info_tools()
{
	_evt=''
	for _evc in taskset setarch numactl nice; do
		find_cmd "$_evc" && _evt="$_evt $_evc"
	done
	info_line isolation_tools "${_evt# }"
}

# --- isolation -----------------------------------------------------------

do_iso()
{
	_ivk=${arg%% *}
	case $arg in
	*' '*) unesc "${arg#* }" ;;
	*) u='' ;;
	esac
	case $_ivk in
	cpus) iso_cpus=$u ;;
	aslr) iso_aslr=$u ;;
	tmpfs) iso_tmpfs=$u ;;
	numa) iso_numa=$u ;;
	nice) iso_nice=$u ;;
	mode) iso_mode=$u ;;
	benchexec) iso_be=$u ;;
	*) esc "$_ivk"; reply "err iso unknown key $e" ;;
	esac
}

# iso_clear: forget the pending settings (in the agent, after a start:
# also the moment to read the machine's facts once, and who again).
iso_clear()
{
	iso_cpus='' iso_aslr='' iso_tmpfs='' iso_numa='' iso_nice=''
	iso_mode=strict iso_be=''
	env_facts
	env_users main
}

# iso_setup JOBDIR: check and prepare what was asked (see the header).
iso_setup()
{
	iso_dir=$1 iso_tmp='' iso_j='' iso_refused=false
	iso_asked_j='' iso_applied_j='' iso_not_j='' iso_warn_j='' iso_not=''
	iso_use_cpus='' iso_use_aslr='' iso_use_numa='' iso_use_nice=''
	iso_be_cpus='' iso_be_n='' iso_be_j=''
	[ -n "$iso_cpus$iso_aslr$iso_tmpfs$iso_numa$iso_nice" ] || return 0
	[ "$iso_mode" = best-effort ] || iso_mode=strict
	env_facts
	if [ -n "$iso_be" ]; then
		[ -n "$iso_cpus" ] && iso_plan_be_cpus
		[ -n "$iso_numa" ] && iso_plan_be_numa
	else
		[ -n "$iso_cpus" ] && iso_plan_cpus
		[ -n "$iso_numa" ] && iso_plan_numa
	fi
	[ -n "$iso_aslr" ] && iso_plan_aslr
	[ -n "$iso_nice" ] && iso_plan_nice
	iso_probe
	[ -n "$iso_tmpfs" ] && iso_plan_tmpfs "$1"
	if [ -n "$iso_not" ] && [ "$iso_mode" = strict ]; then
		iso_refused=true
		printf '%s' "$iso_not" >&2
		printf 'distribute: the job was not started: strict isolation (isolation=best-effort would run it without)\n' >&2
		iso_json
		return 1
	fi
	iso_json
	return 0
}

# iso_json: iso_j = the "isolation" object of env.json.
iso_json()
{
	case $iso_mode in
	best-effort) _ivm=best-effort ;;
	*) _ivm=strict ;;
	esac
	iso_j="{\"mode\": \"$_ivm\", \"asked\": {$iso_asked_j}, \"applied\": {$iso_applied_j}, \"not_applied\": [$iso_not_j], \"warnings\": [$iso_warn_j], \"refused\": ${iso_refused:-false}${iso_be_j:+, \"benchexec\": $iso_be_j}}"
}

# iso_ask KEY VALUE [num]: record what was asked.
iso_ask()
{
	if [ "$3" = num ]; then json_num "$2"; else json_str "$2"; fi
	iso_asked_j="${iso_asked_j:+$iso_asked_j, }\"$1\": $j"
}

# iso_applied KEY VALUE [num]: record what the job gets.
iso_applied()
{
	if [ "$3" = num ]; then json_num "$2"; else json_str "$2"; fi
	iso_applied_j="${iso_applied_j:+$iso_applied_j, }\"$1\": $j"
}

# iso_fail WHAT REASON: WHAT (key=value) cannot be had.
iso_fail()
{
	iso_not="${iso_not}distribute: isolation $1 not applied: $2$nl"
	json_add iso_not_j "$1: $2"
}

iso_plan_cpus()
{
	iso_ask cpus "$iso_cpus"
	if ! cpulist_expand "$iso_cpus"; then
		iso_fail "cpus=$iso_cpus" "not a CPU list"
		return 0
	fi
	iso_want_cpus=$x
	if [ -n "$env_online_set" ] &&
	    ! set_within "$iso_want_cpus" "$env_online_set"; then
		iso_fail "cpus=$iso_cpus" "CPU $x is not online here (online: $env_online)"
	elif ! find_cmd taskset; then
		iso_fail "cpus=$iso_cpus" "taskset not found (util-linux)"
	else
		iso_taskset=$c iso_use_cpus=$iso_cpus
	fi
}

iso_plan_aslr()
{
	iso_ask aslr "$iso_aslr"
	[ "$iso_aslr" = off ] || return 0
	if find_cmd setarch && [ -n "$env_arch" ]; then
		iso_setarch=$c iso_use_aslr=1
	elif [ "$env_aslr" = 0 ]; then
		iso_applied aslr "off (randomize_va_space is 0)"
	else
		iso_fail "aslr=off" "setarch not found (util-linux)"
	fi
}

iso_plan_numa()
{
	iso_ask numa "$iso_numa" num
	case $iso_numa in
	''|*[!0-9]*)
		iso_fail "numa=$iso_numa" "not a NUMA node number"
		return 0
		;;
	esac
	if ! find_cmd numactl; then
		iso_fail "numa=$iso_numa" "numactl not found (install numactl)"
	elif [ ! -d "/sys/devices/system/node/node$iso_numa" ]; then
		iso_fail "numa=$iso_numa" "no NUMA node $iso_numa here"
	else
		iso_numactl=$c iso_use_numa=$iso_numa
	fi
}

iso_plan_nice()
{
	iso_ask nice "$iso_nice" num
	case $iso_nice in
	[0-9]|1[0-9]|-[0-9]|-1[0-9]|-20) ;;
	*) iso_fail "nice=$iso_nice" "not a nice value (-20 to 19)"; return 0 ;;
	esac
	iso_self_nice
	if [ "$iso_nice" -eq "$f" ]; then
		iso_applied nice "$iso_nice" num
	elif ! find_cmd nice; then
		iso_fail "nice=$iso_nice" "nice not found"
	else
		iso_nicecmd=$c iso_use_nice=$((iso_nice - f))
	fi
}

# iso_self_nice: f = this shell's nice value (/proc/self/stat).
iso_self_nice()
{
	f=0
	rd_line /proc/self/stat || return 0
	nth_field 17 "${r##*) }" || f=0
	case $f in
	''|*[!0-9-]*) f=0 ;;
	esac
}

# iso_chain CMD...: exec CMD under the chosen prefixes (numactl before
# taskset: its node binding would replace taskset's CPUs).
iso_chain()
{
	[ -n "$iso_use_aslr" ] &&
	    set -- "$iso_setarch" "$env_arch" --addr-no-randomize "$@"
	[ -n "$iso_use_cpus" ] && set -- "$iso_taskset" -c "$iso_use_cpus" "$@"
	[ -n "$iso_use_numa" ] &&
	    set -- "$iso_numactl" --cpunodebind "$iso_use_numa" \
	    --membind "$iso_use_numa" "$@"
	[ -n "$iso_use_nice" ] && set -- "$iso_nicecmd" -n "$iso_use_nice" "$@"
	# iso_runner: what execs it (the worker helper: sv_helper_exec)
	"${iso_runner:-exec}" "$@"
}

iso_exec()
{
	if [ -n "$iso_tmp" ]; then
		DIST_JOB_DIR=$iso_tmp
		export DIST_JOB_DIR
	fi
	if [ -n "$iso_be_cpus" ]; then
		set -- "$@" --allowedCores "$iso_be_cpus"
		[ -n "$iso_be_n" ] && set -- "$@" --limitCores "$iso_be_n"
	fi
	iso_chain "$@"
}

# iso_probe_run: run the probe shell under the chain; iso_p_* = what it
# saw, iso_p_ok = 1 if it ran, iso_p_out = its other output.
iso_probe_run()
{
	# shellcheck disable=SC2016 # the probe's own expansions
	_ivo=$(iso_chain "$sh_cmd" -c '
		while read -r k v; do
			case $k in
			Cpus_allowed_list:) echo "cpus=$v" ;;
			Mems_allowed_list:) echo "mems=$v" ;;
			esac
		done </proc/self/status
		read -r p </proc/self/personality && echo "pers=$p"
		read -r s </proc/self/stat
		s=${s##*") "}
		i=0
		while [ $i -lt 16 ]; do s=${s#* }; i=$((i + 1)); done
		echo "nice=${s%% *}"
		echo probe-ok' 2>&1 </dev/null)
	iso_p_cpus='' iso_p_mems='' iso_p_pers='' iso_p_nice='' iso_p_ok=0
	iso_p_out=''
	while [ -n "$_ivo" ]; do
		_ivl=${_ivo%%"$nl"*}
		case $_ivo in
		*"$nl"*) _ivo=${_ivo#*"$nl"} ;;
		*) _ivo='' ;;
		esac
		case $_ivl in
		cpus=*) iso_p_cpus=${_ivl#cpus=} ;;
		mems=*) iso_p_mems=${_ivl#mems=} ;;
		pers=*) iso_p_pers=${_ivl#pers=} ;;
		nice=*) iso_p_nice=${_ivl#nice=} ;;
		probe-ok) iso_p_ok=1 ;;
		*) iso_p_out=${iso_p_out:+$iso_p_out; }$_ivl ;;
		esac
	done
}

# iso_probe: check that the chain runs and does what was asked; a part
# that does not is not applied (and left out of the chain).
iso_probe()
{
	[ -n "$iso_use_cpus$iso_use_aslr$iso_use_numa$iso_use_nice" ] ||
	    return 0
	iso_probe_run
	if [ "$iso_p_ok" != 1 ]; then
		iso_probe_each
		iso_probe_run
		if [ "$iso_p_ok" != 1 ]; then
			iso_fail "isolation" "the tools fail together: ${iso_p_out:-no output}"
			iso_use_cpus='' iso_use_aslr='' iso_use_numa='' iso_use_nice=''
			return 0
		fi
	fi
	iso_verify
}

# iso_probe_each: the chain failed: find the parts that fail alone.
iso_probe_each()
{
	_ivc=$iso_use_cpus _iva=$iso_use_aslr _ivn=$iso_use_numa _ivi=$iso_use_nice
	for _ivk in cpus aslr numa nice; do
		iso_use_cpus='' iso_use_aslr='' iso_use_numa='' iso_use_nice=''
		case $_ivk in
		cpus) iso_use_cpus=$_ivc ;;
		aslr) iso_use_aslr=$_iva ;;
		numa) iso_use_numa=$_ivn ;;
		nice) iso_use_nice=$_ivi ;;
		esac
		[ -n "$iso_use_cpus$iso_use_aslr$iso_use_numa$iso_use_nice" ] ||
		    continue
		iso_probe_run
		[ "$iso_p_ok" = 1 ] && continue
		case $_ivk in
		cpus) _ivc=''; iso_fail "cpus=$iso_cpus" "taskset failed: ${iso_p_out:-no output}" ;;
		aslr) _iva=''; iso_fail "aslr=off" "setarch failed: ${iso_p_out:-no output}" ;;
		numa) _ivn=''; iso_fail "numa=$iso_numa" "numactl failed: ${iso_p_out:-no output}" ;;
		nice) _ivi=''; iso_fail "nice=$iso_nice" "nice failed: ${iso_p_out:-no output}" ;;
		esac
	done
	iso_use_cpus=$_ivc iso_use_aslr=$_iva iso_use_numa=$_ivn iso_use_nice=$_ivi
}

# iso_verify: compare what the probe saw with what was asked.
iso_verify()
{
	if [ -n "$iso_use_cpus" ]; then
		if cpulist_expand "$iso_p_cpus" && [ "$xn" -gt 0 ] &&
		    _ivs=$x && set_within "$_ivs" "$iso_want_cpus" &&
		    set_within "$iso_want_cpus" "$_ivs"; then
			iso_applied cpus "$iso_p_cpus"
		else
			iso_fail "cpus=$iso_cpus" "the job would run on CPUs ${iso_p_cpus:-?}"
			iso_use_cpus=''
		fi
	fi
	if [ -n "$iso_use_aslr" ]; then
		case $iso_p_pers in
		''|*[!0-9a-fA-F]*) _ivp=0 ;;
		*) _ivp=$((0x$iso_p_pers & 0x40000)) ;;
		esac
		if [ "$_ivp" -ne 0 ]; then
			iso_applied aslr off
		else
			iso_fail "aslr=off" "personality ${iso_p_pers:-?} lacks ADDR_NO_RANDOMIZE"
			iso_use_aslr=''
		fi
	fi
	iso_verify_numa_nice
}

iso_verify_numa_nice()
{
	if [ -n "$iso_use_numa" ]; then
		if [ "$iso_p_mems" = "$iso_use_numa" ]; then
			iso_applied numa "$iso_use_numa" num
		else
			iso_fail "numa=$iso_numa" "the job's memory would be on nodes ${iso_p_mems:-?}"
			iso_use_numa=''
		fi
	fi
	if [ -n "$iso_use_nice" ]; then
		if [ "$iso_p_nice" = "$iso_nice" ]; then
			iso_applied nice "$iso_nice" num
		else
			iso_fail "nice=$iso_nice" "the job would get nice ${iso_p_nice:-?}${iso_p_out:+ ($iso_p_out)}"
			iso_use_nice=''
		fi
	fi
}

# --- BenchExec jobs ------------------------------------------------------
# BenchExec places each run on cores of its own cgroup and ignores
# taskset: the slot's CPUs go to it as --allowedCores LIST, with
# --limitCores N (N CPUs) unless the cores are limited already (iso
# benchexec fixed: the definition's cpuCores=).  Nothing is claimed
# before the job: afterwards the cpuCores of every run in BenchExec's
# result files must lie within LIST ("applied"), else "mismatch" (or
# "unverified" without any cpuCores), recorded in env.json's
# isolation.benchexec and, when not applied, in not_applied.

iso_plan_be_cpus()
{
	iso_ask cpus "$iso_cpus"
	if ! cpulist_expand "$iso_cpus"; then
		iso_fail "cpus=$iso_cpus" "not a CPU list"
		return 0
	fi
	iso_want_cpus=$x _ivn=$xn
	if [ -n "$env_online_set" ] &&
	    ! set_within "$iso_want_cpus" "$env_online_set"; then
		iso_fail "cpus=$iso_cpus" "CPU $x is not online here (online: $env_online)"
	elif [ "$direct" != 1 ]; then
		iso_fail "cpus=$iso_cpus" "a --script job starts BenchExec itself: give it --allowedCores there"
	else
		iso_be_cpus=$iso_cpus
		[ "$iso_be" = fixed ] || iso_be_n=$_ivn
	fi
}

iso_plan_be_numa()
{
	iso_ask numa "$iso_numa" num
	iso_fail "numa=$iso_numa" "BenchExec has no --numaNodes: it takes the memory nodes of its cores (give cpus= of node $iso_numa)"
}

# iso_be_cores FILE: append the cpuCores values of FILE's runs to _ivu
# (one a line).
iso_be_cores()
{
	case $1 in
	*.bz2)
		if find_cmd bzip2; then
			_ivx=$("$c" -dc "$1" 2>/dev/null)
		else
			_ivx=$(python3 -c 'import bz2, sys; sys.stdout.write(bz2.open(sys.argv[1], "rt").read())' "$1" 2>/dev/null)
		fi
		;;
	*.gz) _ivx=$(gzip -dc "$1" 2>/dev/null) ;;
	*) _ivx=$(cat "$1" 2>/dev/null) ;;
	esac
	_ivx=$(printf '%s\n' "$_ivx" | tr '<' '\n' |
	    sed -n '/^column[ 	][^>]*title="cpuCores"/s/.*[ 	]value="\([^"]*\)".*/\1/p' |
	    sort -u)
	_ivu=$_ivu$_ivx$nl
}

# iso_be_verify JOBDIR: after the job, what BenchExec used.
iso_be_verify()
{
	_ivu=''
	for _ivf in "$1"/output/*.results.*xml*; do
		[ -f "$_ivf" ] && iso_be_cores "$_ivf"
	done
	_ivl='' _ivbad='' _ivused_j=''
	while [ -n "$_ivu" ]; do
		_ivv=${_ivu%%"$nl"*}
		_ivu=${_ivu#*"$nl"}
		[ -n "$_ivv" ] || continue
		case $_ivl in
		*"|$_ivv|"*) continue ;;
		esac
		_ivl="$_ivl|$_ivv|"
		json_str "$_ivv"
		_ivused_j=${_ivused_j:+$_ivused_j, }$j
		cpulist_expand "$_ivv" && set_within "$x" "$iso_want_cpus" ||
		    _ivbad=${_ivbad:+$_ivbad; }$_ivv
	done
	if [ -n "$_ivbad" ]; then
		_ivc=mismatch
		iso_fail "cpus=$iso_cpus" "BenchExec ran on CPUs $_ivbad"
	elif [ -z "$_ivused_j" ]; then
		_ivc=unverified
		iso_fail "cpus=$iso_cpus" "BenchExec's results show no cpuCores"
	else
		_ivc=applied
		iso_applied cpus "$iso_be_cpus"
	fi
	[ "$_ivc" = applied ] || printf '%s' "$iso_not" >>"$1/stderr"
	json_str "$iso_be_cpus"
	_ivj=$j
	json_num "$iso_be_n"
	iso_be_j="{\"allowed_cores\": $_ivj, \"limit_cores\": $j, \"cpuCores\": [$_ivused_j], \"check\": \"$_ivc\"}"
	iso_json
}

# iso_plan_tmpfs JOBDIR: a fresh directory on the tmpfs, the job's inputs
# copied in (only when the job is going to run).
iso_plan_tmpfs()
{
	iso_ask tmpfs "$iso_tmpfs"
	_ivd=$iso_tmpfs
	case $_ivd in
	/*) ;;
	*) iso_fail "tmpfs=$_ivd" "not an absolute path"; return 0 ;;
	esac
	if [ ! -d "$_ivd" ] || [ ! -w "$_ivd" ]; then
		iso_fail "tmpfs=$_ivd" "not a writable directory"
		return 0
	fi
	env_fstype "$_ivd"
	if [ "$fst" != tmpfs ]; then
		iso_fail "tmpfs=$_ivd" "on ${fst:-an unknown file system}, not a tmpfs"
		return 0
	fi
	[ -n "$iso_not" ] && [ "$iso_mode" = strict ] && return 0
	iso_tmpfs_make "$1"
}

iso_tmpfs_make()
{
	if ! _ivt=$(mktemp -d "$_ivd/distribute-${1##*/}.XXXXXX" 2>&1); then
		iso_fail "tmpfs=$_ivd" "mktemp failed: $_ivt"
		return 0
	fi
	if ! _ivo=$(cp -RP "$1/argv" "$1/env" "$1/argc" "$_ivt/" 2>&1); then
		rm -rf "$_ivt"
		iso_fail "tmpfs=$_ivd" "cannot copy the job's inputs: $_ivo"
		return 0
	fi
	iso_tmp=$_ivt iso_dir=$_ivt
	iso_applied tmpfs "$_ivt"
	env_meminfo
	case $env_swap_used in
	''|0) ;;
	*) json_add iso_warn_j "swap in use ($env_swap_used kB): pages of $_ivd may be swapped out" ;;
	esac
}

# env_fstype DIR: fst = the type of the file system DIR is on (the
# longest mount point of /proc/mounts above its physical path).
env_fstype()
{
	fst=''
	_ivr=$(cd -P "$1" 2>/dev/null && pwd) || return 0
	[ -r /proc/mounts ] || return 0
	_ivb=-1
	while read -r _ivx _ivm _ivy _ivl; do
		case $_ivm in
		*\\*) repl "$_ivm" '\040' ' '; _ivm=$s ;;
		esac
		case $_ivr/ in
		"${_ivm%/}"/*)
			if [ "${#_ivm}" -ge "$_ivb" ]; then
				_ivb=${#_ivm} fst=$_ivy
			fi
			;;
		esac
	done </proc/mounts
}

# iso_finish JOBDIR: copy the tmpfs directory's files back.
iso_finish()
{
	[ -n "$iso_tmp" ] || return 0
	if _ivo=$(cp -RPp "$iso_tmp/." "$1/" 2>&1); then
		rm -rf "$iso_tmp"
		return 0
	fi
	printf 'distribute: could not copy the results back from %s (left there): %s\n' \
	    "$iso_tmp" "$_ivo" >>"$1/stderr"
	json_add iso_warn_j "results not copied back from $iso_tmp: $_ivo"
	iso_json
	return 1
}
