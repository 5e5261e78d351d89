/*
 * test-notify.c - notify options, the settings file, and the messages:
 * headers well-formed and RFC 2047 encoded, no header injection, CRLF
 * everywhere, no line over 998 bytes, quoted-printable when needed.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input/settings.h"
#include "notify/notify.h"
#include "test.h"

#define DATA "tests/data/notify/"

/* ---- independent decoders, to check what we encode ---- */

static int
b64val(int c)
{
	const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	const char *p = c != 0 ? strchr(tab, c) : NULL;

	return p != NULL ? (int)(p - tab) : -1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode one encoded-word "=?UTF-8?X?...?=" at p; returns its length. */
static size_t
decode_word(const char *p, struct strbuf *out, int *bad)
{
	const char *text = p + 10, *end = strstr(text, "?=");
	unsigned v = 0;
	int bits = 0, x;

	if (strncmp(p, "=?UTF-8?", 8) != 0 || end == NULL ||
	    end - p > 75 || (p[8] != 'B' && p[8] != 'Q') || p[9] != '?') {
		*bad = 1;
		return 1;
	}
	for (; text < end; text++) {
		if (p[8] == 'B') {
			if (*text == '=')
				continue;
			if ((x = b64val(*text)) < 0)
				*bad = 1;
			v = (v << 6) | (unsigned)(x & 63);
			if ((bits += 6) >= 8) {
				bits -= 8;
				sb_addc(out, (char)((v >> bits) & 0xff));
			}
		} else if (*text == '_')
			sb_addc(out, ' ');
		else if (*text == '=') {
			if (hexval(text[1]) < 0 || hexval(text[2]) < 0)
				*bad = 1;
			else
				sb_addc(out, (char)(hexval(text[1]) * 16 +
				    hexval(text[2])));
			text += 2;
		} else if (*text == ' ' || *text == '?')
			*bad = 1;
		else
			sb_addc(out, *text);
	}
	return (size_t)(end + 2 - p);
}

/* Unfold a header and decode its encoded-words (space between two
 * encoded-words is dropped, as RFC 2047 says).  NULL if malformed. */
static char *
header_decode(const char *h)
{
	struct strbuf un = STRBUF_INIT, out = STRBUF_INIT;
	const char *p, *colon;
	int bad = 0, last_ew = 0;

	for (p = h; *p != '\0'; p++) {
		if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' ||
		    p[2] == '\t')) {
			p++;
			continue;
		}
		sb_addc(&un, *p);
	}
	colon = strchr(un.buf, ':');
	p = colon != NULL ? colon + 2 : un.buf;
	while (*p != '\0') {
		if (strncmp(p, "=?", 2) == 0) {
			if (last_ew == 2) {	/* drop the space between */
				out.len--;
				out.buf[out.len] = '\0';
			}
			p += decode_word(p, &out, &bad);
			last_ew = 1;
		} else {
			last_ew = (*p == ' ' && last_ew != 0) ? 2 : 0;
			sb_addc(&out, *p++);
		}
	}
	sb_release(&un);
	if (bad) {
		sb_release(&out);
		return NULL;
	}
	return sb_detach(&out);
}

/* Quoted-printable body back to text with LF line ends. */
static char *
qp_decode(const char *s)
{
	struct strbuf out = STRBUF_INIT;

	while (*s != '\0') {
		if (s[0] == '=' && s[1] == '\r' && s[2] == '\n')
			s += 3;
		else if (s[0] == '=' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			sb_addc(&out, (char)(hexval(s[1]) * 16 + hexval(s[2])));
			s += 3;
		} else if (s[0] == '\r' && s[1] == '\n') {
			sb_addc(&out, '\n');
			s += 2;
		} else
			sb_addc(&out, *s++);
	}
	return sb_detach(&out);
}

/* ---- helpers over a whole message ---- */

static size_t
longest_line(const char *msg)
{
	size_t max = 0, n;
	const char *p = msg, *e;

	while (*p != '\0') {
		e = strstr(p, "\r\n");
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n > max)
			max = n;
		if (e == NULL)
			break;
		p = e + 2;
	}
	return max;
}

static int
crlf_only(const char *msg)
{
	const char *p;

	for (p = msg; *p != '\0'; p++) {
		if (*p == '\n' && (p == msg || p[-1] != '\r'))
			return 0;
		if (*p == '\r' && p[1] != '\n')
			return 0;
	}
	return 1;
}

/* The header block (up to the blank line), or the body after it. */
static char *
msg_part(const char *msg, int body)
{
	const char *sep = strstr(msg, "\r\n\r\n");

	if (sep == NULL)
		return xstrdup("");
	return body ? xstrdup(sep + 4) : xstrndup(msg, (size_t)(sep - msg) + 2);
}

/* How many header lines start with "Name:" (not counting folded ones). */
static int
header_count(const char *headers, const char *name)
{
	size_t n = strlen(name);
	const char *p = headers;
	int c = 0;

	while (p != NULL && *p != '\0') {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			c++;
		p = strstr(p, "\r\n");
		if (p != NULL)
			p += 2;
	}
	return c;
}

/* The whole (folded) header "Name: ..." without the final CRLF. */
static char *
header_get(const char *headers, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = strlen(name);
	const char *p = headers, *e;

	while (p != NULL && *p != '\0') {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			for (;;) {
				e = strstr(p, "\r\n");
				sb_add(&sb, p, (size_t)(e - p));
				if (e[2] != ' ' && e[2] != '\t')
					break;
				sb_adds(&sb, "\r\n");
				p = e + 2;
			}
			return sb_detach(&sb);
		}
		p = strstr(p, "\r\n");
		if (p != NULL)
			p += 2;
	}
	return NULL;
}

static void
conf_fake(struct notify_conf *c)
{
	memset(c, 0, sizeof *c);
	sv_push(&c->to, "alice@example.org");
	sv_push(&c->to, "bob@example.org");
	c->from = xstrdup("bench@example.org");
	c->msgid_host = xstrdup("master.example.org");
}

static void
conf_release(struct notify_conf *c)
{
	sv_clear(&c->to);
	free(c->from);
	free(c->msgid_host);
}

static struct notify_row rows[4] = {
	{ "job-01", "w1", 1, 0, 61, "ok", NULL },
	{ "job-02", "w2", 2, 3, 3700, "failed", "make: *** [all] Error 3\n" },
	{ "job-03", "w1", 1, 0, 59, "ok", NULL },
	{ "job-04", NULL, 0, NOTIFY_NO_EXIT, 0, "lost", NULL },
};

static void
event_run(struct notify_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->kind = NOTIFY_RUN_DONE;
	ev->run_id = "20261123-090513-nightly";
	ev->run_name = "nightly";
	ev->results = "/srv/results/20261123-090513-nightly";
	ev->rows = rows;
	ev->nrows = 4;
	ev->ok = 37;
	ev->failed = 3;
	ev->total = 40;
	ev->elapsed = 2 * 3600 + 13 * 60 + 20;
	ev->when = 1795426344;
}

static void
event_job(struct notify_event *ev, enum notify_kind kind)
{
	memset(ev, 0, sizeof *ev);
	ev->kind = kind;
	ev->run_id = "20261123-090513-nightly";
	ev->run_name = "nightly";
	ev->job = "job-07";
	ev->machine = "w2";
	ev->attempts = 2;
	ev->exit_code = 3;
	ev->duration = 192;
	ev->results = "/srv/results/x/jobs/job-07";
	ev->log_tail = "compiling\nerror: oops\n";
	ev->when = 1795426344;
}

/* ---- the tests ---- */

static void
test_clean(void)
{
	char *s;

	s = notify_clean("a\r\nb\nc\rd\te", 0);
	ASSERT_STR_EQ(s, "a b c d e", "clean: CR, LF, TAB become spaces");
	free(s);
	s = notify_clean("a\r\nb\rc\n\td", 1);
	ASSERT_STR_EQ(s, "a\nb\nc\n\td", "clean multiline: CRLF and CR become LF");
	free(s);
	s = notify_clean("x\033[31my\x7f", 0);
	ASSERT_STR_EQ(s, "x?[31my?", "clean: control characters become '?'");
	free(s);
	s = notify_clean("\xff" "a\xc3", 0);
	ASSERT_STR_EQ(s, "\xef\xbf\xbd" "a\xef\xbf\xbd",
	    "clean: invalid UTF-8 becomes U+FFFD");
	free(s);
	s = notify_clean("K\xc3\xa4se \xe2\x82\xac", 0);
	ASSERT_STR_EQ(s, "K\xc3\xa4se \xe2\x82\xac", "clean: valid UTF-8 kept");
	free(s);
	s = notify_clean("\xc2\x85", 0);	/* U+0085 NEL, a C1 control */
	TEST_OK(strchr(s, '\n') == NULL && strcmp(s, "\xc2\x85") != 0,
	    "clean: C1 control (NEL) not passed through");
	free(s);
	s = notify_clean(NULL, 0);
	ASSERT_STR_EQ(s, "", "clean: NULL is empty");
	free(s);
}

static void
check_header(const char *name, const char *value, const char *expect,
    const char *what)
{
	char *h = notify_header(name, value), *d = header_decode(h);
	char buf[160];

	snprintf(buf, sizeof buf, "%s: decodes back", what);
	ASSERT_STR_EQ(d, expect, buf);
	snprintf(buf, sizeof buf, "%s: lines fit 78 columns", what);
	ASSERT_INT_EQ(longest_line(h) <= 78, 1, buf);
	snprintf(buf, sizeof buf, "%s: only CRLF + space folding", what);
	TEST_OK(crlf_only(h) && strstr(h, "\r\n") == strstr(h, "\r\n ") &&
	    strstr(h, "\r\n\r\n") == NULL, buf);
	free(h);
	free(d);
}

static void
test_header(void)
{
	struct strbuf big = STRBUF_INIT;
	char *h, *d;
	int i;

	h = notify_header("Subject", "[distribute] nightly: 37/40 ok");
	ASSERT_STR_EQ(h, "Subject: [distribute] nightly: 37/40 ok",
	    "header: short ASCII unchanged");
	free(h);
	check_header("Subject", "[distribute] a very long run name that goes "
	    "on: job another-long-job-name failed on machine-number-"
	    "seventeen (exit 3, 2 attempts)", "[distribute] a very long run "
	    "name that goes on: job another-long-job-name failed on machine-"
	    "number-seventeen (exit 3, 2 attempts)", "header: long ASCII folded");
	h = notify_header("Subject", "x  y   z ");
	ASSERT_STR_EQ(h, "Subject: x y z", "header: spaces collapsed, trimmed");
	free(h);

	h = notify_header("Subject", "[distribute] K\xc3\xa4se: job done");
	TEST_OK(strncmp(h, "Subject: =?UTF-8?Q?", 19) == 0,
	    "header: mostly-ASCII UTF-8 uses Q encoding");
	free(h);
	check_header("Subject", "[distribute] K\xc3\xa4se: job done",
	    "[distribute] K\xc3\xa4se: job done", "header: Q round trip");
	h = notify_header("Subject", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"
	    "\xe3\x81\xae\xe5\x90\x8d\xe5\x89\x8d");
	TEST_OK(strncmp(h, "Subject: =?UTF-8?B?", 19) == 0,
	    "header: mostly non-ASCII uses B encoding");
	free(h);
	for (i = 0; i < 30; i++)
		sb_adds(&big, "\xe6\x97\xa5\xe6\x9c\xac ");
	sb_adds(&big, "end");
	check_header("Subject", big.buf, big.buf,
	    "header: long B value split in words");
	sb_reset(&big);
	for (i = 0; i < 2000; i++)
		sb_addc(&big, (char)('a' + i % 26));
	h = notify_header("Subject", big.buf);
	TEST_OK(strstr(h, "=?UTF-8?") != NULL && longest_line(h) <= 78,
	    "header: 2000-byte word becomes encoded-words, short lines");
	d = header_decode(h);
	ASSERT_STR_EQ(d, big.buf, "header: 2000-byte word round trip");
	free(d);
	free(h);
	h = notify_header("Subject", "looks like =?UTF-8?B?eA==?= a word");
	d = header_decode(h);
	TEST_OK(strncmp(h, "Subject: =?UTF-8?", 17) == 0 && d != NULL &&
	    strcmp(d, "looks like =?UTF-8?B?eA==?= a word") == 0,
	    "header: literal '=?' is encoded, not passed as an encoded-word");
	free(d);
	free(h);
	h = notify_header("Subject", "evil\r\nBcc: victim@example.org");
	TEST_OK(strstr(h, "\r\nBcc") == NULL && strchr(h, '\n') == NULL,
	    "header: CRLF in a value cannot start a new header");
	free(h);
	sb_release(&big);
}

static void
test_subjects(void)
{
	struct notify_event ev;
	char *s;

	event_run(&ev);
	s = notify_subject(&ev);
	ASSERT_STR_EQ(s, "[distribute] nightly: 37/40 ok, 3 failed (2h13m)",
	    "subject: run-done");
	free(s);
	event_job(&ev, NOTIFY_JOB_FAILED);
	s = notify_subject(&ev);
	ASSERT_STR_EQ(s, "[distribute] nightly: job job-07 failed on w2 "
	    "(exit 3, 2 attempts)", "subject: job-failed");
	free(s);
	ev.exit_code = NOTIFY_NO_EXIT;
	ev.attempts = 1;
	s = notify_subject(&ev);
	ASSERT_STR_EQ(s, "[distribute] nightly: job job-07 failed on w2 "
	    "(no exit code)", "subject: job-failed without exit code");
	free(s);
	event_job(&ev, NOTIFY_MACHINE_DONE);
	s = notify_subject(&ev);
	ASSERT_STR_EQ(s, "[distribute] nightly: w2 finished job job-07 "
	    "(3m12s)", "subject: machine-done");
	free(s);
	event_job(&ev, NOTIFY_JOB_DONE);
	ev.run_name = NULL;
	s = notify_subject(&ev);
	ASSERT_STR_EQ(s, "[distribute] 20261123-090513-nightly: job job-07 "
	    "done on w2 (3m12s)", "subject: job-done, run id without a name");
	free(s);
}

static void
check_message(const char *msg, const char *what)
{
	static const char *must[] = { "Date", "From", "To", "Subject",
	    "Message-ID", "MIME-Version", "Content-Type",
	    "Content-Transfer-Encoding" };
	char *head = msg_part(msg, 0), buf[160];
	size_t i;
	int once = 1;

	snprintf(buf, sizeof buf, "%s: CRLF line ends only", what);
	TEST_OK(crlf_only(msg), buf);
	snprintf(buf, sizeof buf, "%s: no line over 998 bytes", what);
	TEST_OK(longest_line(msg) <= 998, buf);
	for (i = 0; i < ARRAY_SIZE(must); i++)
		if (header_count(head, must[i]) != 1) {
			printf("# header %s: %d times\n", must[i],
			    header_count(head, must[i]));
			once = 0;
		}
	snprintf(buf, sizeof buf, "%s: each required header exactly once",
	    what);
	TEST_OK(once, buf);
	snprintf(buf, sizeof buf, "%s: header block is pure ASCII", what);
	for (i = 0; head[i] != '\0' && (unsigned char)head[i] < 0x80; i++)
		;
	TEST_OK(head[i] == '\0', buf);
	free(head);
}

static int
date_ok(const char *h)
{
	char day[4], mon[4], sign;
	int d, y, hh, mm, ss, off, n = 0;

	if (sscanf(h, "Date: %3[A-Za-z], %d %3s %d %d:%d:%d %c%4d%n", day, &d,
	    mon, &y, &hh, &mm, &ss, &sign, &off, &n) != 9 || h[n] != '\0')
		return 0;
	return strlen(day) == 3 && strstr("SunMonTueWedThuFriSat", day) != NULL &&
	    strstr("JanFebMarAprMayJunJulAugSepOctNovDec", mon) != NULL &&
	    d >= 1 && d <= 31 && y == 2026 && (sign == '+' || sign == '-') &&
	    h[10] == ' ' && h[9] == ',';
}

static void
test_message(void)
{
	struct notify_conf c;
	struct notify_event ev;
	char *m1, *m2, *head, *h, *id1, *id2, *body, *plain, *text;

	conf_fake(&c);
	event_run(&ev);
	m1 = notify_mail_build(&c, &ev);
	check_message(m1, "run-done mail");
	head = msg_part(m1, 0);
	h = header_get(head, "Date");
	TEST_OK(h != NULL && date_ok(h), "Date is RFC 5322 (Ddd, DD Mon YYYY "
	    "HH:MM:SS +ZZZZ)");
	if (h != NULL && !date_ok(h))
		printf("# %s\n", h);
	free(h);
	h = header_get(head, "Subject");
	ASSERT_STR_EQ(h, "Subject: [distribute] nightly: 37/40 ok, 3 failed "
	    "(2h13m)", "Subject header of run-done");
	free(h);
	h = header_get(head, "To");
	ASSERT_STR_EQ(h, "To: alice@example.org, bob@example.org",
	    "To lists every recipient");
	free(h);
	h = header_get(head, "From");
	ASSERT_STR_EQ(h, "From: distribute <bench@example.org>", "From header");
	free(h);
	ASSERT_CONTAINS(head, "\r\nContent-Type: text/plain; charset=utf-8\r\n",
	    "Content-Type text/plain utf-8");
	ASSERT_CONTAINS(head, "\r\nContent-Transfer-Encoding: 7bit\r\n",
	    "ASCII body with short lines is 7bit");
	ASSERT_CONTAINS(head, "\r\nMIME-Version: 1.0\r\n", "MIME-Version 1.0");
	id1 = header_get(head, "Message-ID");
	TEST_OK(id1 != NULL && strncmp(id1, "Message-ID: <", 13) == 0 &&
	    strstr(id1, "@master.example.org>") != NULL &&
	    id1[strlen(id1) - 1] == '>', "Message-ID is <random@host>");
	free(head);
	m2 = notify_mail_build(&c, &ev);
	head = msg_part(m2, 0);
	id2 = header_get(head, "Message-ID");
	TEST_OK(id1 != NULL && id2 != NULL && strcmp(id1, id2) != 0,
	    "two messages get different Message-IDs");
	free(head);
	body = msg_part(m1, 1);
	ASSERT_CONTAINS(body, "JOB     MACHINE  TRIES  EXIT   TIME  STATUS\r\n"
	    "job-01  w1           1     0  1m01s  ok\r\n"
	    "job-02  w2           2     3  1h01m  failed\r\n",
	    "body: summary table");
	ASSERT_CONTAINS(body, "job-04  -            0     -     0s  lost\r\n",
	    "body: a job that never ran");
	ASSERT_CONTAINS(body, "\r\nFailures:\r\n\r\njob-02 (w2, exit 3)\r\n"
	    "    make: *** [all] Error 3\r\n", "body: failure with its log tail");
	ASSERT_CONTAINS(body, "/srv/results/20261123-090513-nightly",
	    "body: results path");
	free(body);
	free(id1);
	free(id2);
	free(m1);
	free(m2);

	/* UTF-8 in names and logs: encoded subject, quoted-printable body */
	event_job(&ev, NOTIFY_JOB_FAILED);
	ev.run_name = "K\xc3\xa4se-\xe6\x97\xa5\xe6\x9c\xac";
	ev.log_tail = "Fehler: Datei \xc2\xbb" "a.c\xc2\xab fehlt\n"
	    ".a line with a leading dot\nend = done   \n";
	m1 = notify_mail_build(&c, &ev);
	check_message(m1, "UTF-8 job-failed mail");
	head = msg_part(m1, 0);
	h = header_get(head, "Subject");
	text = h != NULL ? header_decode(h) : NULL;
	ASSERT_STR_EQ(text, "[distribute] K\xc3\xa4se-\xe6\x97\xa5\xe6\x9c\xac: "
	    "job job-07 failed on w2 (exit 3, 2 attempts)",
	    "UTF-8 subject decodes to the name");
	free(text);
	free(h);
	ASSERT_CONTAINS(head, "Content-Transfer-Encoding: quoted-printable",
	    "non-ASCII body is quoted-printable");
	free(head);
	body = msg_part(m1, 1);
	TEST_OK(longest_line(body) <= 76, "quoted-printable lines <= 76");
	plain = notify_body(&ev);
	text = qp_decode(body);
	ASSERT_STR_EQ(text, plain, "quoted-printable decodes to the body");
	TEST_OK(strstr(body, "\r\n    .a line") != NULL ||
	    strstr(body, "\r\n.") == NULL, "no bare leading dot after QP");
	free(text);
	free(plain);
	free(body);
	free(m1);
	conf_release(&c);
}

static void
test_injection(void)
{
	struct notify_conf c;
	struct notify_event ev;
	char *m, *head, *h, *d;

	conf_fake(&c);
	event_job(&ev, NOTIFY_JOB_FAILED);
	ev.run_name = "evil\r\nBcc: victim@example.org";
	ev.job = "j\nX-Injected: yes\r\n\r\nfake body";
	ev.machine = "w2\rReply-To: x@y";
	ev.run_id = "id\r\nX-Run-Injected: 1";
	m = notify_mail_build(&c, &ev);
	check_message(m, "injection attempt");
	head = msg_part(m, 0);
	TEST_OK(header_count(head, "Bcc") == 0 &&
	    header_count(head, "X-Injected") == 0 &&
	    header_count(head, "Reply-To") == 0 &&
	    header_count(head, "X-Run-Injected") == 0,
	    "names with CR/LF add no header");
	h = header_get(head, "Subject");
	d = h != NULL ? header_decode(h) : NULL;
	ASSERT_STR_EQ(d, "[distribute] evil Bcc: victim@example.org: job j "
	    "X-Injected: yes fake body failed on w2 Reply-To: x@y (exit 3, 2 "
	    "attempts)", "the CR/LF became spaces in the subject");
	free(d);
	free(h);
	free(head);
	h = msg_part(m, 1);
	TEST_OK(strstr(h, "\r\nfake body") == NULL,
	    "names stay on one line in the body too");
	free(h);
	free(m);
	conf_release(&c);
}

static void
test_long_lines(void)
{
	struct notify_conf c;
	struct notify_event ev;
	struct strbuf log = STRBUF_INIT;
	char *m, *body, *plain, *text;
	int i;

	conf_fake(&c);
	event_job(&ev, NOTIFY_JOB_FAILED);
	for (i = 0; i < 5000; i++)
		sb_addc(&log, (char)('A' + i % 26));
	sb_adds(&log, "\n");
	ev.log_tail = log.buf;
	m = notify_mail_build(&c, &ev);
	check_message(m, "5000-byte log line");
	ASSERT_CONTAINS(m, "Content-Transfer-Encoding: quoted-printable",
	    "a line over 998 bytes forces quoted-printable");
	body = msg_part(m, 1);
	plain = notify_body(&ev);
	text = qp_decode(body);
	ASSERT_STR_EQ(text, plain, "the long line survives quoted-printable");
	free(text);
	free(plain);
	free(body);
	free(m);

	sb_reset(&log);
	for (i = 1; i <= 200; i++)
		sb_addf(&log, "line %d\n", i);
	ev.log_tail = log.buf;
	plain = notify_body(&ev);
	TEST_OK(strstr(plain, "    line 151\n") != NULL &&
	    strstr(plain, "    line 150\n") == NULL &&
	    strstr(plain, "    [...]\n") != NULL &&
	    strstr(plain, "    line 200\n") != NULL,
	    "log tail keeps the last 50 lines, marks the cut");
	free(plain);
	sb_release(&log);
	conf_release(&c);
}

static void
test_hook_body(void)
{
	struct notify_event ev;
	char *b;

	event_run(&ev);
	b = notify_hook_body(&ev, NOTIFY_FORMAT_JSON);
	ASSERT_CONTAINS(b, "{\"event\":\"run-done\",\"run_id\":"
	    "\"20261123-090513-nightly\",\"name\":\"nightly\"", "json: event");
	ASSERT_CONTAINS(b, "\"ok\":37,\"failed\":3,\"total\":40", "json: totals");
	ASSERT_CONTAINS(b, "\"text\":\"[distribute] nightly: 37/40 ok, 3 "
	    "failed (2h13m)\\nfailed: job-02 (w2, exit 3), job-04 (no exit "
	    "code)", "json: human text names the failures");
	free(b);
	b = notify_hook_body(&ev, NOTIFY_FORMAT_SLACK);
	TEST_OK(strncmp(b, "{\"text\":\"[distribute] nightly", 29) == 0 &&
	    strstr(b, "\"event\"") == NULL, "slack: only a text field");
	free(b);
	event_job(&ev, NOTIFY_JOB_FAILED);
	ev.job = "quote\" and\nnewline";
	b = notify_hook_body(&ev, NOTIFY_FORMAT_JSON);
	ASSERT_CONTAINS(b, "\"job\":\"quote\\\" and newline\",\"machine\":\"w2\","
	    "\"attempts\":2,\"exit_code\":3,\"duration\":192",
	    "json: job fields, escaped");
	free(b);
}

static void
test_opts_set(void)
{
	struct notify_opts o;
	char *cause = NULL;
	int rc;

	notify_opts_init(&o);
	ASSERT_INT_EQ(o.mail_on, (1u << NOTIFY_JOB_FAILED) |
	    (1u << NOTIFY_RUN_DONE), "default mail-on: job-failed,run-done");
	ASSERT_INT_EQ(o.wait, 30, "default mail-wait 30s");
	rc = notify_opts_set(&o, "mail-to", "a@x.org, b@y.org", &cause);
	rc |= notify_opts_set(&o, "mail-to", "c@z.org", &cause);
	TEST_OK(rc == 0 && o.mail_to.n == 3 && strcmp(o.mail_to.v[1],
	    "b@y.org") == 0, "mail-to: lists and repeats add up");
	rc = notify_opts_set(&o, "mail-to", "a@x.org,", &cause);
	ASSERT_CONTAINS(cause, "mail-to: empty address", "mail-to: empty item");
	ASSERT_INT_EQ(o.mail_to.n, 3, "a bad mail-to adds nothing");
	notify_opts_set(&o, "mail-to", "Eve <e@x.org>", &cause);
	ASSERT_CONTAINS(cause, "mail-to: invalid address 'Eve <e@x.org>'",
	    "mail-to: display names refused");
	notify_opts_set(&o, "mail-from", "a@b\r\nBcc: c@d", &cause);
	ASSERT_CONTAINS(cause, "mail-from: invalid address 'a@b Bcc: c@d'",
	    "mail-from: CR/LF refused (and not echoed raw)");
	rc = notify_opts_set(&o, "smtp", "mail.example.org:587", &cause);
	TEST_OK(rc == 0 && strcmp(o.smtp_host, "mail.example.org") == 0 &&
	    o.smtp_port == 587, "smtp: host:port");
	notify_opts_set(&o, "smtp", "mail:99999", &cause);
	ASSERT_CONTAINS(cause, "smtp: invalid server 'mail:99999'",
	    "smtp: bad port");
	notify_opts_set(&o, "smtp", "[::1]:25", &cause);
	ASSERT_CONTAINS(cause, "IPv6 addresses are not supported",
	    "smtp: IPv6 literal refused with a reason");
	notify_opts_set(&o, "smtp-tls", "maybe", &cause);
	ASSERT_STR_EQ(cause, "smtp-tls: invalid value 'maybe' (expected "
	    "starttls, tls or none)", "smtp-tls: bad value");
	notify_opts_set(&o, "smtp-password", "hunter2", &cause);
	ASSERT_CONTAINS(cause, "smtp-password: a password is never given as a "
	    "value", "smtp-password refused");
	TEST_OK(strstr(cause, "hunter2") == NULL,
	    "the refused password is not echoed");
	rc = notify_opts_set(&o, "mail-on", "job-done, machine-done", &cause);
	ASSERT_INT_EQ(rc == 0 ? o.mail_on : 99, (1u << NOTIFY_JOB_DONE) |
	    (1u << NOTIFY_MACHINE_DONE), "mail-on: a list of events");
	notify_opts_set(&o, "mail-on", "none", &cause);
	ASSERT_INT_EQ(o.mail_on, 0, "mail-on: none");
	notify_opts_set(&o, "mail-on", "job-done,lunch", &cause);
	ASSERT_CONTAINS(cause, "mail-on: unknown event 'lunch'",
	    "mail-on: unknown event");
	notify_opts_set(&o, "mail-wait", "2m", &cause);
	ASSERT_INT_EQ(o.wait, 120, "mail-wait: a duration");
	notify_opts_set(&o, "notify-url", "ftp://secret.example.org/T0K3N",
	    &cause);
	TEST_OK(cause != NULL && strstr(cause, "notify-url: invalid URL") !=
	    NULL && strstr(cause, "T0K3N") == NULL,
	    "notify-url: bad scheme refused without echoing the URL");
	rc = notify_opts_set(&o, "notify-url", "https://h.example.org/T0K3N",
	    &cause);
	TEST_OK(rc == 0 && o.notify_url.n == 1, "notify-url: https accepted");
	notify_opts_set(&o, "notify-format", "xml", &cause);
	ASSERT_CONTAINS(cause, "notify-format: invalid value 'xml'",
	    "notify-format: bad value");
	notify_opts_set(&o, "colour", "blue", &cause);
	ASSERT_STR_EQ(cause, "unknown setting 'colour'", "unknown key");
	TEST_OK(notify_opts_is_key("smtp-ca-file") &&
	    !notify_opts_is_key("colour"), "notify_opts_is_key");
	free(cause);
	notify_opts_free(&o);
}

static int
check_with(const char *const *kv, char **cause)
{
	struct notify_opts o;
	int rc = 0;

	notify_opts_init(&o);
	for (; rc == 0 && kv[0] != NULL; kv += 2)
		rc = notify_opts_set(&o, kv[0], kv[1], cause);
	if (rc == 0)
		rc = notify_opts_check(&o, cause);
	notify_opts_free(&o);
	return rc;
}

static void
test_opts_check(const char *tmp)
{
	char *cause = NULL, *pw = xasprintf("%s/pw", tmp);
	const char *user_none[] = { "smtp-user", "alice", "smtp-tls", "none",
	    NULL };
	const char *user_nopw[] = { "smtp-user", "alice", NULL };
	const char *pw_nouser[] = { "smtp-password-file", pw, NULL };
	const char *user_pw[] = { "smtp-user", "alice", "smtp-password-file",
	    pw, NULL };
	const char *plain[] = { "mail-to", "a@b.org", NULL };
	FILE *f;

	ASSERT_INT_EQ(check_with(user_none, &cause), -1,
	    "smtp-user with smtp-tls=none is refused");
	ASSERT_CONTAINS(cause, "credentials are never sent over an "
	    "unencrypted connection", "... saying why");
	unsetenv(NOTIFY_PASSWORD_ENV);
	ASSERT_INT_EQ(check_with(user_nopw, &cause), -1,
	    "smtp-user without a password source is refused");
	ASSERT_CONTAINS(cause, "smtp-user 'alice' needs a password",
	    "... naming the sources");
	setenv(NOTIFY_PASSWORD_ENV, "from-env", 1);
	ASSERT_INT_EQ(check_with(user_nopw, &cause), 0,
	    "smtp-user with $DISTRIBUTE_SMTP_PASSWORD is fine");
	unsetenv(NOTIFY_PASSWORD_ENV);
	ASSERT_INT_EQ(check_with(pw_nouser, &cause), -1,
	    "smtp-password-file without smtp-user is refused");
	f = fopen(pw, "w");
	fputs("s3cret\n", f);
	fclose(f);
	chmod(pw, 0644);
	ASSERT_INT_EQ(check_with(user_pw, &cause), -1,
	    "a world-readable password file is refused");
	ASSERT_CONTAINS(cause, "permissions 0644 are too open",
	    "... with its permissions");
	chmod(pw, 0600);
	ASSERT_INT_EQ(check_with(user_pw, &cause), 0,
	    "a 0600 password file is fine (starttls implied)");
	ASSERT_INT_EQ(check_with(plain, &cause), 0,
	    "plain mail without credentials is fine");
	free(cause);
	free(pw);
}

static int
collect_cb(void *arg, const char *key, const char *value, char **cause)
{
	(void)cause;
	sv_pushf(arg, "%s=%s", key, value);
	return 0;
}

static void
test_settings(const char *tmp)
{
	struct notify_opts file, cli;
	struct strvec kv = STRVEC_INIT;
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	char *cause = NULL, *missing = xasprintf("%s/none", tmp);
	int rc;

	rc = settings_load(DATA "settings-good", collect_cb, &kv, &cause);
	TEST_OK(rc == 0 && kv.n == 10, "settings: 10 key = value lines");
	ASSERT_STR_EQ(kv.n > 5 ? kv.v[5] : NULL, "smtp-user=alice",
	    "settings: indented line, spaces trimmed");
	ASSERT_STR_EQ(kv.n > 8 ? kv.v[8] : NULL, "notify-url="
	    "https://hooks.example.org/T000/B000/XXXX#frag",
	    "settings: '#' inside a value is kept");
	sv_clear(&kv);

	notify_opts_init(&file);
	rc = settings_load(DATA "settings-bad", notify_opts_set_cb, &file,
	    &cause);
	ASSERT_STR_EQ(cause, DATA "settings-bad:3: smtp-tls: invalid value "
	    "'sometimes' (expected starttls, tls or none)",
	    "settings: FILE:LINE: error");
	settings_load(DATA "settings-noeq", notify_opts_set_cb, &file, &cause);
	ASSERT_STR_EQ(cause, DATA "settings-noeq:1: expected 'key = value'",
	    "settings: line without '='");
	settings_load(DATA "settings-password", notify_opts_set_cb, &file,
	    &cause);
	ASSERT_CONTAINS(cause, "settings-password:2: smtp-password: a password "
	    "is never given", "settings: a password line is refused");
	ASSERT_INT_EQ(settings_load(missing, collect_cb, &kv, &cause), -1,
	    "settings: a missing explicit file is an error");
	ASSERT_INT_EQ(settings_load_optional(missing, collect_cb, &kv, &cause),
	    0, "settings: a missing default file is not");
	notify_opts_free(&file);

	/* the command line wins, key by key */
	notify_opts_init(&file);
	notify_opts_init(&cli);
	rc = settings_load(DATA "settings-good", notify_opts_set_cb, &file,
	    &cause);
	ASSERT_INT_EQ(rc, 0, "settings: the good file loads into notify opts");
	notify_opts_set(&cli, "mail-to", "me@example.org", &cause);
	notify_opts_set(&cli, "smtp-tls", "tls", &cause);
	notify_opts_merge(&cli, &file);
	TEST_OK(cli.mail_to.n == 1 && strcmp(cli.mail_to.v[0],
	    "me@example.org") == 0, "merge: --mail-to replaces the file's list");
	TEST_OK(cli.smtp_tls == NOTIFY_TLS_TLS && cli.smtp_port == 587 &&
	    strcmp(cli.smtp_host, "mail.example.org") == 0,
	    "merge: command line smtp-tls kept, smtp taken from the file");
	TEST_OK(cli.wait == 60 && cli.notify_format == NOTIFY_FORMAT_SLACK &&
	    cli.mail_on == ((1u << NOTIFY_JOB_FAILED) | (1u << NOTIFY_RUN_DONE) |
	    (1u << NOTIFY_MACHINE_DONE)) && cli.notify_url.n == 1 &&
	    strcmp(cli.smtp_user, "alice") == 0,
	    "merge: the other keys come from the file");
	json_init(&j, &sb, 0);
	notify_opts_json(&cli, &j, NULL);
	TEST_OK(strstr(sb.buf, "hooks.example.org") == NULL &&
	    strstr(sb.buf, "\"webhooks\":1") != NULL &&
	    strstr(sb.buf, "\"smtp_tls\":\"tls\"") != NULL,
	    "notify_opts_json: no URL, just how many");
	sb_release(&sb);
	notify_opts_free(&file);
	notify_opts_free(&cli);
	free(missing);
	free(cause);
}

static void
test_queue(const char *tmp)
{
	struct notify_opts o;
	struct notify_event ev;
	struct strvec w = STRVEC_INIT;
	struct notify *n;
	char *cause = NULL, *dir = xasprintf("%s/mail", tmp), *eml, *data = NULL;
	double t0;
	int left;

	notify_opts_init(&o);
	n = notify_start(&o, dir, &cause);
	TEST_OK(n != NULL && !notify_wants(n, NOTIFY_RUN_DONE),
	    "nothing configured: a notify that wants nothing");
	event_run(&ev);
	notify_post(n, &ev);
	ASSERT_INT_EQ(notify_finish(n, 5, &w), 0, "... and has nothing unsent");
	notify_post(NULL, &ev);
	ASSERT_INT_EQ(notify_finish(NULL, 5, &w), 0, "NULL notify is a no-op");

	/* port 1 on loopback refuses: 3 tries do not fit 2 s */
	notify_opts_set(&o, "mail-to", "a@example.org", &cause);
	notify_opts_set(&o, "smtp", "127.0.0.1:1", &cause);
	n = notify_start(&o, dir, &cause);
	TEST_OK(n != NULL && notify_wants(n, NOTIFY_RUN_DONE) &&
	    !notify_wants(n, NOTIFY_JOB_DONE), "mail-on filters events");
	t0 = now_mono();
	notify_post(n, &ev);
	ev.kind = NOTIFY_JOB_DONE;	/* not wanted: not sent */
	notify_post(n, &ev);
	left = notify_finish(n, 2, &w);
	ASSERT_INT_EQ(left, 1, "a refused connection leaves one unsent");
	TEST_OK(now_mono() - t0 < 3.5, "notify_finish kept its 2 s bound");
	ASSERT_INT_EQ(w.n, 1, "one warning");
	ASSERT_CONTAINS(w.n > 0 ? w.v[0] : NULL, "run-done mail: not sent "
	    "within the 2s wait", "the warning says what and why");
	eml = xasprintf("%s/unsent-1.eml", dir);
	TEST_OK(read_file(eml, &data, NULL, &cause) == 0 &&
	    strstr(data, "Subject: [distribute] nightly: 37/40 ok") != NULL,
	    "the unsent message was saved as unsent-1.eml");
	free(data);
	free(eml);
	sv_clear(&w);
	notify_opts_free(&o);
	free(dir);
	free(cause);
}

int
main(void)
{
	char tmp[] = "/tmp/test-notify.XXXXXX";
	char *cause = NULL;

	if (mkdtemp(tmp) == NULL)
		return 2;
	test_clean();
	test_header();
	test_subjects();
	test_message();
	test_injection();
	test_long_lines();
	test_hook_body();
	test_opts_set();
	test_opts_check(tmp);
	test_settings(tmp);
	test_queue(tmp);
	rm_rf(tmp, &cause);
	free(cause);
	return test_done();
}
