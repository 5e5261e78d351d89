/*
 * isolation.h - quiet machines: what a job asks of its worker (cpus=,
 * aslr=, tmpfs=, numa=, nice= per machine or as global options), sent to
 * the agent as "iso KEY VALUE" lines before each job's "start".
 *
 * Keys, as machines file attributes or as global options of the same
 * name (a machine's attribute wins over the option):
 *
 *	cpus=LIST	CPUs such as "0-3,8" (each from 0 to 8191, none twice);
 *			the job runs under "taskset -c".  The list is sorted
 *			and divided between the machine's slots in order, so
 *			that two slots never share a CPU: with N CPUs and S
 *			slots each slot gets N/S CPUs and the first N mod S
 *			slots one more ("2/host cpus=2,3": slot 0 gets 2,
 *			slot 1 gets 3; "2/host cpus=0-4": 0-2 and 3-4).
 *			Fewer CPUs than slots is an error at plan time.
 *	aslr=off|on	off: setarch --addr-no-randomize; on: the machine's
 *			own setting (asks nothing)
 *	tmpfs=DIR|on|off
 *			the job's working directory is a fresh directory under
 *			DIR (absolute, on a tmpfs; "on" is /dev/shm); its files
 *			are copied back into the job directory afterwards;
 *			"off" (for a machine, over the option) asks nothing
 *	numa=NODE	numactl --cpunodebind NODE --membind NODE (0 to 4095)
 *	nice=N		the job's nice value, -20 to 19
 *	isolation=strict|best-effort
 *			strict (the default): a job whose isolation cannot be
 *			had fails (exit 126, the reason in its stderr);
 *			best-effort: it runs, env.json says what was not
 *			applied and why
 *
 * The worker checks what took effect and records it in the job's env.json
 * (client-scripts/agent-env.sh).
 *
 * BenchExec jobs: BenchExec places its runs on the cores of its cgroup
 * and ignores taskset, so cpus= is passed to it as "--allowedCores LIST"
 * with "--limitCores N" (N: the slot's CPUs) unless the definition sets
 * cpuCores= (or an --benchexec-arg sets the limit); what BenchExec used is
 * read back from its results (each run's cpuCores) after the job.  It has
 * no --numaNodes (memory nodes follow the cores): numa= is not applied.
 */
#ifndef DIST_ISOLATION_H
#define DIST_ISOLATION_H

#include "lib/lib.h"

#define ISO_VALUE_MAX	1024	/* bytes of a cpus= or tmpfs= value, NUL included */
#define ISO_CPU_MAX	8192	/* CPU numbers are below this */
#define ISO_TMPFS_DEFAULT "/dev/shm"	/* tmpfs=on */

struct dist_machine;

/* The global options; "" is "not given".  No allocation: nothing to free. */
struct isolation_opts {
	char	cpus[ISO_VALUE_MAX];
	char	tmpfs[ISO_VALUE_MAX];
	char	aslr[8];
	char	numa[8];
	char	nice[8];
	char	mode[16];		/* isolation=: strict or best-effort */
};

void	isolation_opts_init(struct isolation_opts *);
/* Set a global option: name is cpus, aslr, tmpfs, numa, nice or
 * isolation; value is checked (isolation_check_value) and copied. */
int	isolation_opt_set(struct isolation_opts *, const char *name,
	    const char *value, char **cause);
/* Check one value ("cpus '0-': ..." on error, without file:line); the
 * signature of machines.c's attribute checks. */
int	isolation_check_value(const char *key, const char *value, char **cause);
/* Check machine m's isolation (its attributes over the options io): valid
 * values, at least one CPU per slot; errors are "FILE:LINE: ...". */
int	isolation_check(const struct isolation_opts *io,
	    const struct dist_machine *m, char **cause);
/* Machine m's value for key (its attribute, else the option), or NULL. */
const char *isolation_value(const struct isolation_opts *io,
	    const struct dist_machine *m, const char *key);
/* The i-th key (cpus, aslr, tmpfs, numa, nice, isolation); NULL past them. */
const char *isolation_key(size_t i);
/* The CPUs of slot (0-based) of slots from list, in the kernel's list
 * format ("0-1,4"); NULL with cause when list is bad or too short. */
char	*isolation_slot_cpus(const char *list, int slot, int slots,
	    char **cause);

/* The "iso" lines sent to the worker: run/isolation-lines.c. */

#endif
