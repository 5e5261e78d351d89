# agent-env.sh - sent before agent.sh (function definitions only): what the
# shellcheck disable=SC2154,SC2034 # shares variables with agent.sh, sent with it
# supervisor records about the machine around each job (env.json), the
# isolation asked for a job (iso lines) and the machine summary (info).
#
# Hooks called by agent.sh:
#   do_iso            "iso KEY VALUE" line (arg in $arg): cpus, aslr, tmpfs,
#                     numa, nice, mode (strict|best-effort)
#   iso_clear         forget the pending job's iso settings
#   iso_setup JOBDIR  before the job: prepare what was asked; sets iso_dir
#                     (the job's working directory); non-zero with a
#                     message on stderr when strict isolation cannot be had
#   iso_exec CMD...   in the job's subshell: exec CMD under the isolation
#   iso_finish JOBDIR after the job: bring files back from a tmpfs dir
#   env_record JOBDIR before|after   write JOBDIR/env.json
#   do_info           reply "info KEY VALUE" lines, then "info end"

do_iso()
{
	_k=${arg%% *}
	_v=${arg#* }
	case $_k in
	cpus) iso_cpus=$_v ;;
	aslr) iso_aslr=$_v ;;
	tmpfs) iso_tmpfs=$_v ;;
	numa) iso_numa=$_v ;;
	nice) iso_nice=$_v ;;
	mode) iso_mode=$_v ;;
	*) esc "$_k"; reply "err iso unknown key $e" ;;
	esac
}

iso_clear()
{
	iso_cpus='' iso_aslr='' iso_tmpfs='' iso_numa='' iso_nice=''
	iso_mode=strict
}

iso_setup()
{
	iso_dir=$1
	return 0
}

iso_exec()
{
	exec "$@"
}

iso_finish()
{
	:
}

# json_str VALUE: j = VALUE as a JSON string.
json_str()
{
	repl "$1" "\\" "\\\\"
	repl "$s" '"' '\"'
	repl "$s" "$nl" '\n'
	j="\"$s\""
}

# env_record JOBDIR before|after: the load average around the job, and the
# machine once, into JOBDIR/env.json.
env_record()
{
	_load=''
	[ -r /proc/loadavg ] && read -r _load _ _ _ _ </proc/loadavg
	if [ "$2" = before ]; then
		env_before=$_load
		return 0
	fi
	json_str "$(uname -n 2>/dev/null)"
	_host=$j
	json_str "$(uname -sr 2>/dev/null)"
	_kern=$j
	printf '{"hostname": %s, "kernel": %s, "load_before": %s, "load_after": %s}\n' \
	    "$_host" "$_kern" "${env_before:-null}" "${_load:-null}" \
	    >"$1/env.json.tmp" && mv -f "$1/env.json.tmp" "$1/env.json"
}

do_info()
{
	json_str "$(uname -sr 2>/dev/null)"
	reply "info kernel $(uname -sr 2>/dev/null)"
	reply "info end"
}
