#!/bin/bash
# tests/perf/stamp.bash DIR ID CMD [ARG...] - one benchmark job: run CMD and
# write "START END PORT USER" to DIR/ID (START and END in epoch seconds,
# PORT the worker's sshd port, from SSH_CONNECTION).  Bash only for
# $EPOCHREALTIME: reading the clock costs no fork, so the stamps sit right
# at the job's edges.  The same file is run by distribute and GNU parallel.
LC_ALL=C
s=$EPOCHREALTIME
"${@:3}"
rc=$?
e=$EPOCHREALTIME
printf '%s %s %s %s\n' "$s" "$e" "${SSH_CONNECTION##* }" "${USER:-?}" >"$1/$2"
exit "$rc"
