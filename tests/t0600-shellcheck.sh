#!/bin/sh
# t0600-shellcheck: the worker scripts are POSIX sh and shellcheck-clean; the
# test scripts free of warnings; the agent is checked as it is sent (agent-env.sh
# followed by agent.sh).
# shellcheck disable=SC1091 # tests/lib.sh
. "$(dirname "$0")/lib.sh"

command -v shellcheck >/dev/null || skip_all "shellcheck missing"
cat "$TOP/client-scripts/agent-env.sh" "$TOP/client-scripts/agent.sh" >"$T/agent.sh"
check "the agent as sent (agent-env.sh + agent.sh)" shellcheck -s sh "$T/agent.sh"
check "job.sh" shellcheck -s sh "$TOP/client-scripts/job.sh"
for f in "$TOP"/tests/*.sh "$TOP"/tests/perf/*.sh; do
	[ -f "$f" ] || continue
	check "$(basename "$f")" shellcheck -s sh -S warning -x -P SCRIPTDIR -e SC1091 "$f"
done
done_testing
