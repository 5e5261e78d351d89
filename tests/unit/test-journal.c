/*
 * test-journal.c - the run journal: what a replay makes of start, end,
 * lost and back lines (what "distribute resume" starts from), and that
 * appended lines come back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "run/journal.h"
#include "test.h"

static char dir[] = "/tmp/test-journal.XXXXXX";

static void
write_journal(const char *text)
{
	char *path = xasprintf("%s/journal", dir), *cause = NULL;

	if (write_file_atomic(path, text, strlen(text), &cause) == -1) {
		printf("not ok - write %s: %s\n", path, cause);
		exit(1);
	}
	free(path);
}

static int
replay(const char *text, struct journal_job *jobs, size_t njobs,
    char **cause)
{
	write_journal(text);
	return journal_replay(dir, jobs, njobs, 2, cause);
}

static void
test_states(void)
{
	struct journal_job j[4];
	char *cause = NULL;
	int rc;

	rc = replay("start 0 1 0 a\nend 0 1 ok 0\n"
	    "start 1 1 1 b\n"
	    "start 2 1 0 c\nback 2 1\n"
	    "start 3 1 1 d\nlost 3 1\nstart 3 2 0 d\n", j, 4, &cause);
	ASSERT_INT_EQ(rc, 0, "a journal replays");
	ASSERT_INT_EQ(j[0].state, JS_OK, "start + end ok: done");
	ASSERT_INT_EQ(j[1].state, JS_RUNNING, "start alone: running there");
	ASSERT_INT_EQ(j[1].machine, 1, "... on its machine");
	ASSERT_INT_EQ(j[2].state, JS_QUEUED, "taken back: queued again");
	ASSERT_INT_EQ(j[2].taken_back, 1, "... an attempt that does not count");
	ASSERT_INT_EQ(j[2].lost, 0, "... and was not lost");
	ASSERT_INT_EQ(j[2].lost_machine, -1, "... with nothing to look for");
	ASSERT_INT_EQ(j[3].state, JS_RUNNING, "lost, then started again");
	ASSERT_INT_EQ(j[3].attempts, 2, "... its second attempt");
	ASSERT_INT_EQ(j[3].lost_machine, 1, "... the lost one's machine kept");
	free(cause);
}

/* A copy of a settled job (sent ahead elsewhere, cancelled, or started
 * by an old master that ran it twice) changes nothing. */
static void
test_settled(void)
{
	struct journal_job j[2];
	char *cause = NULL;
	int rc;

	rc = replay("start 0 1 0 a\nlost 0 1\nstart 0 2 1 a\n"
	    "end 0 1 ok 0\nback 0 2\nstart 0 3 0 a\nend 0 3 failed 1\n"
	    "start 1 1 0 b\nend 1 1 failed 2\nstart 1 2 1 b\n", j, 2, &cause);
	ASSERT_INT_EQ(rc, 0, "a journal with late copies replays");
	ASSERT_INT_EQ(j[0].state, JS_OK, "the first kept result stays");
	ASSERT_INT_EQ(j[0].exit_code, 0, "... with its exit code");
	ASSERT_INT_EQ(j[0].attempts, 3, "... attempt numbers still counted");
	ASSERT_INT_EQ(j[0].taken_back, 1, "... the cancelled copy as taken back");
	ASSERT_INT_EQ(j[1].state, JS_FAILED, "a failed job stays failed");
	free(cause);
}

static void
test_errors(void)
{
	struct journal_job j[2];
	char *cause = NULL;

	TEST_OK(replay("start 5 1 0 x\n", j, 2, &cause) == -1,
	    "an unknown job is an error");
	ASSERT_CONTAINS(cause, "journal:1", "... naming the line");
	free(cause);
	cause = NULL;
	TEST_OK(replay("back 0\n", j, 2, &cause) == -1,
	    "a short line is an error");
	free(cause);
}

static void
test_append(void)
{
	struct journal *jn = NULL;
	struct journal_job j[1];
	char *cause = NULL;

	write_journal("");
	TEST_OK(journal_open(dir, &jn, &cause) == 0, "journal_open");
	TEST_OK(journal_append(jn, "start %d %d %d %s", 0, 1, 0, "a") == 0,
	    "append start");
	TEST_OK(journal_append(jn, "back %d %d", 0, 1) == 0, "append back");
	journal_close(jn);
	TEST_OK(journal_replay(dir, j, 1, 1, &cause) == 0, "replay appended");
	ASSERT_INT_EQ(j[0].state, JS_QUEUED, "appended back: queued");
	ASSERT_INT_EQ(j[0].attempts, 1, "... after one attempt");
	free(cause);
}

int
main(void)
{
	char *cause = NULL;

	if (mkdtemp(dir) == NULL) {
		printf("not ok - mkdtemp\n");
		return 1;
	}
	test_states();
	test_settled();
	test_errors();
	test_append();
	if (rm_rf(dir, &cause) == -1)
		free(cause);
	return test_done();
}
