# job.sh - distribute's default job startup script.  Replace it with
# "distribute --script FILE"; FILE then gets the same contract:
#
# The agent runs "sh SCRIPT" once per job (for this default script it does
# the same itself, without starting sh: "set direct 1"), with
#   - the current directory: the job directory, RUNDIR/jobs/JOBDIR on the
#     worker (also in $DIST_JOB_DIR);
#   - stdin /dev/null, stdout and stderr in the files ./stdout and ./stderr;
#   - the job's argument vector in ./argv/0 .. ./argv/N-1, one file per
#     argument holding exactly its bytes (no newline added), and N followed
#     by a newline in ./argc;
#   - the job's own environment variables exported, and also stored one file
#     per variable in ./env/NAME (exact bytes);
#   - DIST_JOB_ID (the job's name), DIST_JOB_DIR, DIST_RUN_ID, DIST_RUN_DIR,
#     DIST_TOOL_DIR (the unpacked tool archive, or empty), DIST_CONFIG (the
#     config, e.g. the BenchExec XML file), DIST_MACHINE (the machine's
#     key), DIST_SLOT, DIST_WORKDIR; when a tool is set, PATH starts with
#     "$DIST_TOOL_DIR/bin:$DIST_TOOL_DIR";
#   - SIGHUP ignored (the job outlives a dropped connection).
# It must run the job, leave its results in the job directory (BenchExec
# writes them under ./output/), and exit with the job's status.  It must not
# write ./status (the agent's).  When it ends, the whole job directory is
# packed and sent back to the master.
#
# Reading an argument without eval, in any POSIX sh:
#	a=$(cat "argv/$i"; printf x); a=${a%x}
# This script does the same without a fork per argument, then execs the job.

# argv_read FILE: a = the exact content of FILE.
argv_read()
{
	a=
	[ -f "$1" ] && [ -r "$1" ] || return 1
	while IFS= read -r _l; do
		a=$a$_l$nl
	done <"$1"
	a=$a$_l
}

job_main()
{
	nl='
'
	_n=
	[ -r argc ] && { IFS= read -r _n || [ -n "$_n" ]; } <argc
	case $_n in
	''|*[!0-9]*)
		echo "job.sh: ./argc: missing or not a number" >&2
		return 127
		;;
	esac
	if [ "$_n" -eq 0 ]; then
		echo "job.sh: the job has no arguments" >&2
		return 127
	fi
	set --
	_i=0
	while [ "$_i" -lt "$_n" ]; do
		if ! argv_read "argv/$_i"; then
			echo "job.sh: cannot read ./argv/$_i" >&2
			return 127
		fi
		set -- "$@" "$a"
		_i=$((_i + 1))
	done
	exec "$@"
}
job_main; exit
