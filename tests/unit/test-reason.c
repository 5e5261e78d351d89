/*
 * test-reason.c - job_reason(): why a job failed, from its exit code, the
 * supervisor's timeout mark, the config's meaning and its stderr's last
 * line, as shells and exec wrappers word a missing command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "run/request.h"
#include "test.h"

static char dir[] = "/tmp/test-reason.XXXXXX";

static void
put_stderr(const char *text)
{
	char *path = xasprintf("%s/stderr", dir);

	if (text == NULL)
		unlink(path);
	else
		write_file_atomic(path, text, strlen(text), NULL);
	free(path);
}

/* The reason for exit code with stderr text (NULL: no stderr file). */
static char *
reason(int code, const char *text, const char *given, int timeout)
{
	struct request_info r = { .exit_code = code, .reason = given,
	    .timeout = timeout };

	put_stderr(text);
	return job_reason(dir, &r);
}

static void
check(int code, const char *text, const char *want, const char *what)
{
	char *got = reason(code, text, NULL, 0);

	ASSERT_STR_EQ(got, want, what);
	free(got);
}

static void
test_missing_command(void)
{
	check(127, "sh: 1: run-sortbnech: not found\n",
	    "command not found: run-sortbnech", "dash");
	check(127, "sh: 1: exec: run-sortbnech: not found\n",
	    "command not found: run-sortbnech", "dash exec");
	check(127, "bash: line 1: run-x: command not found\n",
	    "command not found: run-x", "bash");
	check(127, "setsid: failed to execute run-x: No such file or "
	    "directory\n", "command not found: run-x", "setsid");
	check(127, "env: \u2018run-x\u2019: No such file or directory\n",
	    "command not found: run-x", "env's quotes");
	check(127, "env: 'run-x': No such file or directory\n",
	    "command not found: run-x", "ASCII quotes");
	check(127, "zsh:1: command not found: run-x\n",
	    "command not found: run-x", "zsh");
	check(127, "early noise\nsh: 1: run-x: not found\n\n  \n",
	    "command not found: run-x", "the last line with text counts");
	check(127, NULL, "command not found (exit 127)", "no stderr");
	check(127, "something else\n",
	    "command not found (exit 127): something else", "unknown words");
}

static void
test_other(void)
{
	struct strbuf big = STRBUF_INIT;
	char *got;

	got = reason(124, "", "timeout", 5);
	ASSERT_STR_EQ(got, "killed by timeout after 5s", "timeout");
	free(got);
	got = reason(11, "x\n", "exit 11: compile error", 0);
	ASSERT_STR_EQ(got, "exit 11: compile error", "the config's meaning");
	free(got);
	check(137, "", "killed by signal 9 (Killed)", "a signal");
	check(3, "input.txt: bad magic\n",
	    "exit 3; stderr: input.txt: bad magic", "another code");
	check(1, "", "exit 1", "no stderr text");
	check(2, "a\033]0;title\007b\n", "exit 2; stderr: a?]0;title?b",
	    "control characters shown as ?");
	for (int i = 0; i < 1000; i++)
		sb_adds(&big, "filler line\n");
	sb_adds(&big, "the end\n");
	got = reason(4, big.buf, NULL, 0);
	ASSERT_STR_EQ(got, "exit 4; stderr: the end", "read from the end");
	free(got);
	sb_reset(&big);
	for (int i = 0; i < 300; i++)
		sb_addc(&big, 'y');
	got = reason(5, big.buf, NULL, 0);
	TEST_OK(strlen(got) == strlen("exit 5; stderr: ") + 200 + 3 &&
	    strcmp(got + strlen(got) - 3, "\u2026") == 0,
	    "a long line is cut to 200 bytes and \u2026");
	free(got);
	sb_release(&big);
}

int
main(void)
{
	char *path;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_missing_command();
	test_other();
	put_stderr(NULL);
	path = xasprintf("%s/stderr.tmp", dir);
	unlink(path);
	free(path);
	rmdir(dir);
	return test_done();
}
