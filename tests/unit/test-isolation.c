/*
 * test-isolation.c - isolation values, CPU lists divided between slots,
 * machine checks and the iso lines sent before a job.
 */
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "input/config.h"
#include "input/isolation.h"
#include "run/run-internal.h"
#include "test.h"

static void
check_slot(const char *list, int slot, int slots, const char *want,
    const char *what)
{
	char *cause = NULL, *got = isolation_slot_cpus(list, slot, slots,
	    &cause);

	ASSERT_STR_EQ(got, want, what);
	if (got == NULL)
		printf("#   cause: %s\n", cause != NULL ? cause : "(none)");
	free(got);
	free(cause);
}

static void
check_bad_value(const char *key, const char *value, const char *want)
{
	char *cause = NULL, *what = xasprintf("%s=%s refused", key, value);
	int rc = isolation_check_value(key, value, &cause);

	ASSERT_INT_EQ(rc, -1, what);
	ASSERT_CONTAINS(cause, want, what);
	free(cause);
	free(what);
}

static void
test_slots(void)
{
	char *cause = NULL;

	check_slot("2,3", 0, 2, "2", "2 CPUs, 2 slots: slot 0");
	check_slot("2,3", 1, 2, "3", "2 CPUs, 2 slots: slot 1");
	check_slot("0-4", 0, 2, "0-2", "uneven: the first slot gets one more");
	check_slot("0-4", 1, 2, "3-4", "uneven: the second slot");
	check_slot("8,0-3", 0, 1, "0-3,8", "one slot: sorted, kernel format");
	check_slot("0,2,4,6", 1, 2, "4,6", "non-contiguous CPUs");
	check_slot("1", 0, 1, "1", "a single CPU");
	check_slot("0-8191", 3, 4, "6144-8191", "the largest list");
	TEST_OK(isolation_slot_cpus("0", 0, 2, &cause) == NULL,
	    "fewer CPUs than slots is refused");
	ASSERT_CONTAINS(cause, "cpus '0': 1 CPU for 2 slots", "its message");
	free(cause);
}

static void
test_values(void)
{
	char *cause = NULL;

	TEST_OK(isolation_check_value("cpus", "0-3,8,10-11", &cause) == 0,
	    "a CPU list is accepted");
	TEST_OK(isolation_check_value("nice", "-20", &cause) == 0 &&
	    isolation_check_value("nice", "19", &cause) == 0,
	    "nice -20 and 19 are accepted");
	TEST_OK(isolation_check_value("tmpfs", "/dev/shm", &cause) == 0 &&
	    isolation_check_value("tmpfs", "on", &cause) == 0,
	    "tmpfs path and 'on' are accepted");
	TEST_OK(isolation_check_value("isolation", "best-effort", &cause) == 0,
	    "isolation=best-effort is accepted");
	check_bad_value("cpus", "0-", "cpus '0-': not a CPU list");
	check_bad_value("cpus", "1,,2", "not a CPU list");
	check_bad_value("cpus", "3-1", "range 3-1 goes down");
	check_bad_value("cpus", "0-2,2", "CPU 2 listed twice");
	check_bad_value("cpus", "8192", "past the last possible one (8191)");
	check_bad_value("cpus", "1 2", "not a CPU list");
	check_bad_value("aslr", "no", "aslr 'no': want 'off' or 'on'");
	check_bad_value("tmpfs", "shm", "tmpfs 'shm': not an absolute path");
	check_bad_value("numa", "-1", "numa '-1': not a NUMA node number");
	check_bad_value("nice", "20", "nice '20': want a number from -20 to 19");
	check_bad_value("nice", "+5", "nice '+5'");
	check_bad_value("numa", "01", "numa '01'");
	check_bad_value("isolation", "lax", "want 'strict' or 'best-effort'");
	check_bad_value("cpu", "1", "unknown isolation option 'cpu'");
}

static void
test_opts(void)
{
	struct isolation_opts io;
	char *cause = NULL;

	isolation_opts_init(&io);
	TEST_OK(isolation_opt_set(&io, "cpus", "0-1", &cause) == 0 &&
	    strcmp(io.cpus, "0-1") == 0, "--cpus is stored");
	TEST_OK(isolation_opt_set(&io, "isolation", "best-effort", &cause) == 0
	    && strcmp(io.mode, "best-effort") == 0, "--isolation is stored");
	TEST_OK(isolation_opt_set(&io, "nice", "x", &cause) == -1 &&
	    io.nice[0] == '\0', "a bad --nice is refused and not stored");
	ASSERT_CONTAINS(cause, "nice 'x'", "its message");
	TEST_OK(isolation_opt_set(&io, "speed", "1", &cause) == -1,
	    "an unknown option is refused");
	ASSERT_CONTAINS(cause, "unknown isolation option 'speed'", "its message");
	free(cause);
}

static void
test_machine(void)
{
	static const char text[] =
	    "2/a cpus=0,1 aslr=off nice=5 tmpfs=on\n"
	    "b isolation=best-effort numa=0\n"
	    "2/c\n"
	    "3/d cpus=0-1\n";
	struct dist_machines ms;
	struct dist_opts o;
	struct strbuf sb = STRBUF_INIT;
	char *cause = NULL;

	dist_opts_init(&o);
	if (machines_parse("m", text, strlen(text), &ms, &cause) == -1) {
		TEST_OK(0, cause);
		free(cause);
		return;
	}
	TEST_OK(isolation_check_machine(&o, &ms.v[0], &cause) == 0,
	    "2 slots on 2 CPUs pass");
	isolation_lines(&sb, &o, &ms.v[0], 1, NULL, NULL);
	ASSERT_STR_EQ(sb_str(&sb), "iso cpus 1\niso aslr off\n"
	    "iso tmpfs /dev/shm\niso nice 5\niso mode strict\n",
	    "slot 1's iso lines: its CPU, strict by default");
	sb_reset(&sb);
	isolation_lines(&sb, &o, &ms.v[1], 0, NULL, NULL);
	ASSERT_STR_EQ(sb_str(&sb), "iso numa 0\niso mode best-effort\n",
	    "isolation=best-effort is sent as the mode");
	sb_reset(&sb);
	isolation_lines(&sb, &o, &ms.v[2], 0, NULL, NULL);
	ASSERT_STR_EQ(sb_str(&sb), "", "no isolation: no iso lines");
	TEST_OK(isolation_check_machine(&o, &ms.v[3], &cause) == -1,
	    "3 slots on 2 CPUs fail");
	ASSERT_STR_EQ(cause, "m:4: cpus '0-1': 2 CPUs for 3 slots (two slots "
	    "never share a CPU)", "the error names file and line");
	sb_reset(&sb);
	isolation_lines(&sb, &o, &ms.v[3], 2, NULL, NULL);
	ASSERT_STR_EQ(sb_str(&sb), "iso cpus 0-1 (cpus '0-1': 2 CPUs for 3 "
	    "slots (two slots never share a CPU))\niso mode strict\n",
	    "unchecked, too few CPUs: a value the worker refuses");
	isolation_opt_set(&o.iso, "cpus", "4", &cause);
	isolation_opt_set(&o.iso, "aslr", "off", &cause);
	TEST_OK(isolation_check_machine(&o, &ms.v[2], &cause) == -1,
	    "--cpus with one CPU for a 2-slot machine fails");
	ASSERT_CONTAINS(cause, "m:3: c (option --cpus): cpus '4': 1 CPU for "
	    "2 slots", "the error names the machine and the option");
	sb_reset(&sb);
	isolation_lines(&sb, &o, &ms.v[0], 0, NULL, NULL);
	ASSERT_STR_EQ(sb_str(&sb), "iso cpus 0\niso aslr off\n"
	    "iso tmpfs /dev/shm\niso nice 5\niso mode strict\n",
	    "a machine's attribute wins over the option");
	sb_reset(&sb);
	isolation_lines(&sb, &o, &ms.v[1], 0, NULL, NULL);
	ASSERT_STR_EQ(sb_str(&sb), "iso cpus 4\niso aslr off\niso numa 0\n"
	    "iso mode best-effort\n", "options apply where the machine is silent");
	free(cause);
	sb_release(&sb);
	machines_free(&ms);
	dist_opts_free(&o);
}

/* Item 19: a BenchExec job's iso lines say so, and whether its cores are
 * limited already (then no --limitCores is added on the worker). */
static void
test_benchexec(void)
{
	static const char text[] = "2/a cpus=0,1\nb\n";
	struct dist_machines ms;
	struct dist_opts o;
	struct dist_config cfg;
	struct strbuf sb = STRBUF_INIT;
	char *cause = NULL;

	dist_opts_init(&o);
	memset(&cfg, 0, sizeof cfg);
	if (machines_parse("m", text, strlen(text), &ms, &cause) == -1) {
		TEST_OK(0, cause);
		free(cause);
		return;
	}
	cfg.kind = CONFIG_BENCHEXEC;
	isolation_lines(&sb, &o, &ms.v[0], 1, &cfg, NULL);
	ASSERT_STR_EQ(sb_str(&sb), "iso cpus 1\niso benchexec limit\n"
	    "iso mode strict\n", "BenchExec job: its cores are to be limited");
	sb_reset(&sb);
	cfg.sets_cores = 1;
	isolation_lines(&sb, &o, &ms.v[0], 0, &cfg, NULL);
	ASSERT_STR_EQ(sb_str(&sb), "iso cpus 0\niso benchexec fixed\n"
	    "iso mode strict\n", "definition with cpuCores: no limit added");
	sb_reset(&sb);
	cfg.sets_cores = 0;
	sv_push(&o.config.benchexec_args, "--limitCores=2");
	isolation_lines(&sb, &o, &ms.v[0], 0, &cfg, NULL);
	ASSERT_STR_EQ(sb_str(&sb), "iso cpus 0\niso benchexec fixed\n"
	    "iso mode strict\n", "--benchexec-arg --limitCores: no limit added");
	sb_reset(&sb);
	isolation_lines(&sb, &o, &ms.v[1], 0, &cfg, NULL);
	ASSERT_STR_EQ(sb_str(&sb), "", "no isolation: no benchexec line");
	cfg.kind = CONFIG_JOBS;
	isolation_lines(&sb, &o, &ms.v[0], 0, &cfg, NULL);
	ASSERT_STR_EQ(sb_str(&sb), "iso cpus 0\niso mode strict\n",
	    "a <jobs> job gets no benchexec line");
	sb_release(&sb);
	machines_free(&ms);
	dist_opts_free(&o);
}

static void
test_machines_file(void)
{
	struct dist_machines ms;
	char *cause = NULL;

	TEST_OK(machines_parse("m", "h\nh2 cpus=1-0\n", 14, &ms, &cause) == -1,
	    "the machines file checks cpus=");
	ASSERT_STR_EQ(cause, "m:2: cpus '1-0': range 1-0 goes down",
	    "with file and line");
	TEST_OK(machines_parse("m", "h isolation=lax\n", 16, &ms, &cause) == -1,
	    "the machines file checks isolation=");
	free(cause);
}

/* tmpfs=~/... is the login user's home there: expanded with the home the
 * connection found, refused as ~user. */
static void
test_tmpfs_home(void)
{
	const char *text = "a tmpfs=~/shm\nb tmpfs=~\n";
	struct dist_machines ms;
	struct dist_opts o;
	struct strbuf sb = STRBUF_INIT;
	char *cause = NULL;

	dist_opts_init(&o);
	if (machines_parse("m", text, strlen(text), &ms, &cause) == -1) {
		TEST_OK(0, cause);
		free(cause);
		return;
	}
	isolation_lines(&sb, &o, &ms.v[0], 0, NULL, "/home/u");
	ASSERT_STR_EQ(sb_str(&sb), "iso tmpfs /home/u/shm\niso mode strict\n",
	    "tmpfs=~/shm is under the home");
	sb_reset(&sb);
	isolation_lines(&sb, &o, &ms.v[1], 0, NULL, "/home/u");
	ASSERT_STR_EQ(sb_str(&sb), "iso tmpfs /home/u\niso mode strict\n",
	    "tmpfs=~ is the home");
	TEST_OK(isolation_check_value("tmpfs", "~bob/x", &cause) == -1,
	    "tmpfs=~bob/x is refused");
	ASSERT_CONTAINS(cause, "~bob/x", "naming the value");
	free(cause);
	sb_release(&sb);
	machines_free(&ms);
	dist_opts_free(&o);
}

int
main(void)
{
	test_slots();
	test_values();
	test_opts();
	test_machine();
	test_benchexec();
	test_machines_file();
	test_tmpfs_home();
	return test_done();
}
