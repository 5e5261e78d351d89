/*
 * isolation-lines.c - the "iso" lines of a job, sent to the agent before
 * its "start": each machine's isolation attributes over the global options
 * (input/isolation.c checks them), the slot's share of the CPUs.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "run/agent-proto.h"
#include "run/run-internal.h"

int
isolation_check_machine(const struct dist_opts *o,
    const struct dist_machine *m, char **cause)
{
	return isolation_check(&o->iso, m, cause);
}

/* The CPUs of the slot; when they cannot be had (isolation_check_machine
 * was not called), a text the worker refuses ("not a CPU list") that says
 * why: two slots never share a CPU, not even then. */
static char *
slot_cpus_or_why(const char *list, int slot, int slots)
{
	char *cause = NULL, *cpus = isolation_slot_cpus(list, slot, slots,
	    &cause);

	if (cpus == NULL)
		cpus = xasprintf("%s (%s)", list, cause);
	free(cause);
	return cpus;
}

/* Does an --benchexec-arg set BenchExec's core limit already? */
static int
args_limit_cores(const struct strvec *args)
{
	size_t i;

	for (i = 0; i < args->n; i++) {
		const char *a = args->v[i];

		if (strncmp(a, "-c", 2) == 0 ||
		    strncmp(a, "--limitCores", 12) == 0)
			return 1;
	}
	return 0;
}

/* "iso benchexec limit|fixed": the job is a BenchExec run, which takes
 * its cores from its cgroup, not from taskset: the agent passes the
 * slot's CPUs as --allowedCores, with --limitCores N unless the cores
 * are limited already (fixed: the definition's cpuCores=, or an
 * --benchexec-arg). */
static void
benchexec_line(struct strbuf *out, const struct dist_opts *o,
    const struct dist_config *cfg)
{
	int fixed;

	if (cfg == NULL || cfg->kind != CONFIG_BENCHEXEC)
		return;
	fixed = cfg->sets_cores || args_limit_cores(&o->config.benchexec_args);
	agent_line(out, "iso", fixed ? "benchexec fixed" : "benchexec limit");
}

void
isolation_lines(struct strbuf *out, const struct dist_opts *o,
    const struct dist_machine *m, int slot, const struct dist_config *cfg,
    const char *home)
{
	const char *key, *v, *mode;
	char *line, *cpus, *path;
	int sent = 0;
	size_t i;

	for (i = 0; (key = isolation_key(i)) != NULL; i++) {
		if (strcmp(key, "isolation") == 0 ||
		    (v = isolation_value(&o->iso, m, key)) == NULL)
			continue;
		if (strcmp(key, "aslr") == 0 && strcmp(v, "off") != 0)
			continue;
		if (strcmp(key, "tmpfs") == 0 && strcmp(v, "off") == 0)
			continue;
		if (strcmp(key, "tmpfs") == 0 && strcmp(v, "on") == 0)
			v = ISO_TMPFS_DEFAULT;
		cpus = path = NULL;
		if (strcmp(key, "cpus") == 0)
			v = cpus = slot_cpus_or_why(v, slot, m->slots);
		if (v[0] == '~' && home != NULL)
			v = path = machine_path_at_home(v, home);
		line = xasprintf("%s %s", key, v);
		agent_line(out, "iso", line);
		free(line);
		free(cpus);
		free(path);
		sent = 1;
	}
	if (!sent)
		return;
	benchexec_line(out, o, cfg);
	mode = isolation_value(&o->iso, m, "isolation");
	line = xasprintf("mode %s", mode != NULL ? mode : "strict");
	agent_line(out, "iso", line);
	free(line);
}
