/*
 * require.h - machines matched to what jobs require (issue 17): a
 * machine's facts (probed, declared in the machines file or remembered
 * from an earlier probe), a job's requirements, and whether the one
 * meets the other.  Pure functions: nothing here talks to a machine.
 *
 * Facts: arch (uname -m), cpu_model (/proc/cpuinfo), cores (online
 * CPUs), memory (MemTotal, bytes), os (PRETTY_NAME).  A machines file
 * line may declare them: cores=N, memory=SIZE (16G, 16384M: binary K, M,
 * G, T, an optional trailing B or iB), cpu-model=TEXT, arch=NAME; and
 * carry tags=a,b (letters, digits, '.', '_', '-').
 *
 * Requirements: cpuModel (a substring of the machine's model, as
 * BenchExec's), cpuCores and memory (what ONE SLOT of the machine gets:
 * its cores, or its cpus= CPUs, divided by its slots, rounded down; its
 * memory divided by its slots), arch (exact) and tags (each one).
 * A machine fits (FIT_YES), does not (FIT_NO), or a fact needed is not
 * known (FIT_UNKNOWN).
 */
#ifndef DIST_REQUIRE_H
#define DIST_REQUIRE_H

#include "lib/lib.h"

struct dist_facts {
	char		*arch;		/* NULL: unknown */
	char		*cpu_model;
	char		*os;
	int		 cores;		/* -1: unknown */
	long long	 memory;	/* bytes, -1: unknown */
};

struct dist_require {
	char		*cpu_model;	/* substring, or NULL */
	int		 cores;		/* per slot, 0: any */
	long long	 memory;	/* bytes per slot, 0: any */
	char		*arch;		/* or NULL */
	struct strvec	 tags;		/* every one needed */
};

/* A machine as matching sees it. */
struct fit_machine {
	const char		*name;
	const struct dist_facts	*facts;
	int			 slot_cores;	/* -1 unknown */
	long long		 slot_memory;	/* bytes, -1 unknown */
	const char		*tags;		/* tags= value or NULL */
};

enum fit { FIT_NO, FIT_YES, FIT_UNKNOWN };

void	facts_init(struct dist_facts *);
void	facts_free(struct dist_facts *);
/* Unknown fields of f taken from other. */
void	facts_fill(struct dist_facts *f, const struct dist_facts *other);
int	facts_known(const struct dist_facts *);		/* any field */
/* "KEY VALUE" lines (after the verb): arch, cpu_model, cores,
 * mem_total_kb, os; other keys are ignored. */
void	facts_set(struct dist_facts *, const char *key, const char *value);
/* What the attributes of a machine declare (checked when it was read). */
struct dist_machine;
void	facts_declared(const struct dist_machine *, struct dist_facts *);
/* Each declared fact a probe contradicts: "cores=8 (probed: 4)".
 * Memory within 10 % agrees (MemTotal is below the installed size). */
void	facts_disagree(const struct dist_facts *declared,
	    const struct dist_facts *probed, struct strvec *out);
/* A slot's share: cores (or the CPUs of cpus, when given) and memory
 * divided by slots, rounded down; -1 when unknown. */
void	facts_slot_share(const struct dist_facts *, int slots,
	    const char *cpus, int *cores, long long *memory);
/* "16G", "512M", "1TiB": bytes (binary units; a unit is required). */
int	parse_memory_size(const char *, long long *bytes, char **cause);
/* BenchExec's memory: "N" (MB) or "N UNIT" with B, kB, MB, GB, TB
 * (powers of 1000, as BenchExec). */
int	parse_benchexec_memory(const char *, long long *bytes, char **cause);
/* Machines file checks (machines.c's attribute table). */
int	require_check_attr(const char *key, const char *value, char **cause);
/* "a,b": each a tag; appended to out (once each). */
int	require_parse_tags(const char *list, struct strvec *out, char **cause);

void	require_init(struct dist_require *);
void	require_free(struct dist_require *);
int	require_is_empty(const struct dist_require *);
int	require_equal(const struct dist_require *, const struct dist_require *);
void	require_copy(struct dist_require *dst, const struct dist_require *src);
/* "cpuCores ≥ 8, memory ≥ 4000 MB, tags quiet" */
char	*require_text(const struct dist_require *);
/* Does m fit r?  *why (may be NULL) says the first need it misses, or
 * the first unknown one. */
enum fit require_fit(const struct dist_require *r, const struct fit_machine *m,
	    char **why);
/* NULL when some machine fits r or may (unknown); else why none can:
 * "job X needs cpuCores ≥ 8; no machine has more than 4: m1 (4), m2 (2)". */
char	*require_refusal(const char *job, const struct dist_require *r,
	    const struct fit_machine *m, size_t n);

#endif
