/*
 * notify-mail.c - the text of a status report and the mail carrying it:
 * RFC 5322 headers (RFC 2047 encoded, folded), a MIME text/plain body
 * (7bit or quoted-printable, CRLF, no line over 998 bytes), sent with
 * libesmtp (plain, STARTTLS) or libcurl (implicit TLS).
 */
#include <sys/random.h>

#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Before libesmtp.h, which declares smtp_starttls_set_ctx and
 * smtp_auth_set_context only after these. */
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <auth-client.h>
#include <libesmtp.h>
#include <curl/curl.h>

#include "notify/notify.h"

#define LINE_SOFT	78	/* header lines fold to this width */
#define LINE_HARD	998	/* RFC 5322: never longer */
#define QP_WIDTH	76	/* quoted-printable lines */
#define TAIL_LINES	50	/* of a log tail in a mail */
#define TAIL_BYTES	8192
#define TABLE_ROWS	500	/* summary rows listed in a mail */
#define TABLE_FAILS	20	/* failures whose log tails are shown */
#define SUMMARY_FAILS	10	/* failures named in a chat summary */
#define COLUMN_MAX	40	/* padding stops growing there */

/* Length of the valid UTF-8 sequence at p (0 if invalid). */
static size_t
utf8_seq(const unsigned char *p)
{
	uint32_t cp;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 ||
	    cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp >= 0x80 && cp < 0xa0)	/* C1 controls */
		return 0;
	return n;
}

char *
notify_clean(const char *s, int multiline)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t n;

	while (*p != '\0') {
		n = 1;
		if (p[0] == '\r' || p[0] == '\n') {
			sb_addc(&sb, multiline ? '\n' : ' ');
			if (p[0] == '\r' && p[1] == '\n')
				n = 2;
		} else if (*p == '\t')
			sb_addc(&sb, multiline ? '\t' : ' ');
		else if (*p < ' ' || *p == 0x7f)
			sb_addc(&sb, '?');
		else if ((n = utf8_seq(p)) == 0) {
			sb_adds(&sb, "\xef\xbf\xbd");	/* U+FFFD */
			n = 1;
		} else
			sb_add(&sb, p, n);
		p += n;
	}
	return sb_detach(&sb);
}

/* Characters (not bytes) in UTF-8 s. */
static size_t
text_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static int
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/*
 * Fold printable ASCII at spaces (before each space, which unfolding
 * keeps); -1 if a line would still be over LINE_HARD.
 */
static int
fold_ascii(struct strbuf *sb, const char *name, const char *value)
{
	size_t col = strlen(name) + 2, n;
	const char *p = value;

	sb_addf(sb, "%s: ", name);
	while (*p != '\0') {
		n = strcspn(p + 1, " ") + 1;	/* a word with its space */
		if (col + n > LINE_SOFT && p != value && *p == ' ') {
			sb_adds(sb, "\r\n");
			col = 0;
		}
		if (col + n > LINE_HARD)
			return -1;
		sb_add(sb, p, n);
		col += n;
		p += n;
	}
	return 0;
}

/* The RFC 2047 Q form of one character (of n bytes). */
static void
q_char(struct strbuf *sb, const unsigned char *p, size_t n)
{
	size_t i;

	if (n == 1 && *p == ' ')
		sb_addc(sb, '_');
	else if (n == 1 && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
	    *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("!*+-/", *p)))
		sb_addc(sb, (char)*p);
	else
		for (i = 0; i < n; i++)
			sb_addf(sb, "=%02X", p[i]);
}

static void
b64(struct strbuf *sb, const unsigned char *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t v;
	size_t i;

	for (i = 0; i < n; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		sb_addc(sb, tab[v >> 18 & 63]);
		sb_addc(sb, tab[v >> 12 & 63]);
		sb_addc(sb, i + 1 < n ? tab[v >> 6 & 63] : '=');
		sb_addc(sb, i + 2 < n ? tab[v & 63] : '=');
	}
}

/* Encoded length of chunk [p, p+n) in Q (b64 == 0) or B form. */
static size_t
ew_len(const unsigned char *p, size_t n, int use_b64)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len, i, cl;

	if (use_b64)
		return (n + 2) / 3 * 4;
	for (i = 0; i < n; i += cl) {
		cl = utf8_seq(p + i);
		q_char(&sb, p + i, cl != 0 ? cl : 1);
		if (cl == 0)
			cl = 1;
	}
	len = sb.len;
	sb_release(&sb);
	return len;
}

static void
ew_emit(struct strbuf *sb, const unsigned char *p, size_t n, int use_b64)
{
	size_t i, cl;

	sb_adds(sb, use_b64 ? "=?UTF-8?B?" : "=?UTF-8?Q?");
	if (use_b64)
		b64(sb, p, n);
	else
		for (i = 0; i < n; i += cl) {
			cl = utf8_seq(p + i);
			if (cl == 0)
				cl = 1;
			q_char(sb, p + i, cl);
		}
	sb_adds(sb, "?=");
}

/*
 * The whole value as RFC 2047 encoded-words of whole characters, each at
 * most 75 characters and alone on its (folded) line.
 */
static void
fold_encoded(struct strbuf *sb, const char *name, const char *value)
{
	const unsigned char *p = (const unsigned char *)value, *start = p;
	size_t enc = 0, len = strlen(value), room = 63, cl;
	int use_b64;

	for (cl = 0; cl < len; cl++)
		if (p[cl] >= 0x80 || strchr("=?_", p[cl]) != NULL)
			enc++;
	use_b64 = enc * 4 > len;	/* B when over a quarter is encoded */
	sb_addf(sb, "%s: ", name);
	/* "=?UTF-8?X?" + "?=" is 12: the first word shares its line */
	if (strlen(name) + 2 + 12 + room > LINE_SOFT && strlen(name) < 40)
		room = LINE_SOFT - strlen(name) - 2 - 12;
	while (*p != '\0') {
		cl = utf8_seq(p);
		if (cl == 0)
			cl = 1;
		if (p > start && ew_len(start, (size_t)(p - start) + cl,
		    use_b64) > room) {
			ew_emit(sb, start, (size_t)(p - start), use_b64);
			sb_adds(sb, "\r\n ");
			start = p;
			room = 63;
		}
		p += cl;
	}
	if (p > start)
		ew_emit(sb, start, (size_t)(p - start), use_b64);
}

char *
notify_header(const char *name, const char *value)
{
	struct strbuf sb = STRBUF_INIT;
	char *v = notify_clean(value, 0), *r, *w;

	/* one space between words, none at the ends: clean folding */
	for (r = w = v; *r != '\0'; r++)
		if (*r != ' ' || (w > v && w[-1] != ' '))
			*w++ = *r;
	while (w > v && w[-1] == ' ')
		w--;
	*w = '\0';
	if (!is_ascii(v) || strstr(v, "=?") != NULL ||
	    fold_ascii(&sb, name, v) != 0) {
		sb_reset(&sb);
		fold_encoded(&sb, name, v);
	}
	free(v);
	return sb_detach(&sb);
}

/* A cleaned one-line value, or dflt when s is NULL or empty. */
static char *
one_line(const char *s, const char *dflt)
{
	return notify_clean(s != NULL && *s != '\0' ? s : dflt, 0);
}

static char *
duration_text(double secs)
{
	return format_duration(secs > 0 ? (uint64_t)(secs + 0.5) : 0);
}

static char *
run_label(const struct notify_event *ev)
{
	if (ev->run_name != NULL && *ev->run_name != '\0')
		return notify_clean(ev->run_name, 0);
	return one_line(ev->run_id, "run");
}

/* "exit 3, 2 attempts" */
static char *
exit_text(int exit_code, int attempts)
{
	char *e = exit_code == NOTIFY_NO_EXIT ? xstrdup("no exit code") :
	    xasprintf("exit %d", exit_code);
	char *r;

	if (attempts <= 1)
		return e;
	r = xasprintf("%s, %d attempts", e, attempts);
	free(e);
	return r;
}

char *
notify_subject(const struct notify_event *ev)
{
	char *name = run_label(ev), *job = one_line(ev->job, "?");
	char *mach = one_line(ev->machine, "?"), *dur, *ex, *s;

	dur = duration_text(ev->kind == NOTIFY_RUN_DONE ? ev->elapsed :
	    ev->duration);
	ex = exit_text(ev->exit_code, ev->attempts);
	switch (ev->kind) {
	case NOTIFY_JOB_DONE:
		s = xasprintf("[distribute] %s: job %s done on %s (%s)", name,
		    job, mach, dur);
		break;
	case NOTIFY_JOB_FAILED:
		s = xasprintf("[distribute] %s: job %s failed%s%s (%s)", name,
		    job, ev->machine != NULL ? " on " : "",
		    ev->machine != NULL ? mach : "", ex);
		break;
	case NOTIFY_MACHINE_DONE:
		s = xasprintf("[distribute] %s: %s finished job %s (%s)", name,
		    mach, job, dur);
		break;
	default:
		s = xasprintf("[distribute] %s: %u/%u ok, %u failed (%s)", name,
		    ev->ok, ev->total, ev->failed, dur);
		break;
	}
	free(name);
	free(job);
	free(mach);
	free(dur);
	free(ex);
	return s;
}

static int
row_failed(const struct notify_row *r)
{
	return r->status == NULL || strcmp(r->status, "ok") != 0;
}

/* "job-03 (w2, exit 3)" */
static char *
failure_text(const struct notify_row *r)
{
	char *job = one_line(r->job, "?"), *m, *e, *s;

	e = exit_text(r->exit_code, 0);
	if (r->machine != NULL) {
		m = notify_clean(r->machine, 0);
		s = xasprintf("%s (%s, %s)", job, m, e);
		free(m);
	} else
		s = xasprintf("%s (%s)", job, e);
	free(job);
	free(e);
	return s;
}

char *
notify_summary(const struct notify_event *ev)
{
	struct strbuf sb = STRBUF_INIT;
	char *s = notify_subject(ev);
	size_t i, shown = 0, fails = 0;

	sb_adds(&sb, s);
	free(s);
	for (i = 0; ev->kind == NOTIFY_RUN_DONE && i < ev->nrows; i++) {
		if (!row_failed(&ev->rows[i]) || fails++ >= SUMMARY_FAILS)
			continue;
		s = failure_text(&ev->rows[i]);
		sb_addf(&sb, "%s %s", shown++ == 0 ? "\nfailed:" : ",", s);
		free(s);
	}
	if (fails > shown)
		sb_addf(&sb, " and %zu more", fails - shown);
	if (ev->results != NULL) {
		s = notify_clean(ev->results, 0);
		sb_addf(&sb, "\nresults: %s", s);
		free(s);
	}
	return sb_detach(&sb);
}

/* The last lines (TAIL_LINES, TAIL_BYTES at most) of a log, indented. */
static void
add_tail(struct strbuf *sb, const char *tail)
{
	char *t = notify_clean(tail, 1), *start, *p, *nl;
	size_t len = strlen(t);
	int lines = 0, cut = 0;

	while (len > 0 && (t[len - 1] == '\n' || t[len - 1] == ' '))
		t[--len] = '\0';
	for (start = t + len; start > t; start--)
		if (start[-1] == '\n' && ++lines == TAIL_LINES)
			break;
	cut = start > t;
	if ((size_t)(t + len - start) > TAIL_BYTES) {
		start = t + len - TAIL_BYTES;
		if ((nl = strchr(start, '\n')) != NULL)
			start = nl + 1;
		while (((unsigned char)*start & 0xc0) == 0x80)
			start++;
		cut = 1;
	}
	if (cut)
		sb_adds(sb, "    [...]\n");
	for (p = start; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p) - 1;
		if (nl != p)	/* no trailing blanks on empty lines */
			sb_adds(sb, "    ");
		sb_add(sb, p, (size_t)(nl - p) + 1);
		if (*nl != '\n')
			sb_addc(sb, '\n');
	}
	free(t);
}

static void
add_field(struct strbuf *sb, const char *label, const char *value)
{
	char *v = notify_clean(value, 0);

	sb_addf(sb, "%-11s%s\n", label, v);
	free(v);
}

static void
body_job(struct strbuf *sb, const struct notify_event *ev)
{
	char *job = one_line(ev->job, "?"), *mach = one_line(ev->machine, "?");
	char *dur = duration_text(ev->duration), *s;

	if (ev->kind == NOTIFY_MACHINE_DONE)
		sb_addf(sb, "%s finished job %s in %s.\n\n", mach, job, dur);
	else
		sb_addf(sb, "Job %s %s%s%s.\n\n", job, ev->kind ==
		    NOTIFY_JOB_FAILED ? "failed" : "finished", ev->machine !=
		    NULL ? " on " : "", ev->machine != NULL ? mach : "");
	s = run_label(ev);
	if (ev->run_id != NULL && ev->run_name != NULL) {
		char *id = notify_clean(ev->run_id, 0);
		char *both = xasprintf("%s (%s)", s, id);
		add_field(sb, "Run:", both);
		free(id);
		free(both);
	} else
		add_field(sb, "Run:", s);
	free(s);
	add_field(sb, "Job:", job);
	add_field(sb, "Machine:", mach);
	if (ev->attempts > 0)
		sb_addf(sb, "%-11s%d\n", "Attempts:", ev->attempts);
	s = ev->exit_code == NOTIFY_NO_EXIT ? xstrdup("none") :
	    xasprintf("%d", ev->exit_code);
	add_field(sb, "Exit code:", s);
	free(s);
	add_field(sb, "Duration:", dur);
	if (ev->results != NULL)
		add_field(sb, "Results:", ev->results);
	if (ev->log_tail != NULL && *ev->log_tail != '\0') {
		sb_adds(sb, "\nLast lines of its log:\n");
		add_tail(sb, ev->log_tail);
	}
	free(job);
	free(mach);
	free(dur);
}

enum { C_JOB, C_MACHINE, C_TRIES, C_EXIT, C_TIME, C_STATUS, C_COUNT };

static void
table_cells(char **c, const struct notify_row *r)
{
	c[C_JOB] = one_line(r->job, "?");
	c[C_MACHINE] = one_line(r->machine, "-");
	c[C_TRIES] = xasprintf("%d", r->attempts);
	c[C_EXIT] = r->exit_code == NOTIFY_NO_EXIT ? xstrdup("-") :
	    xasprintf("%d", r->exit_code);
	c[C_TIME] = duration_text(r->duration);
	c[C_STATUS] = one_line(r->status, "?");
}

static void
table_line(struct strbuf *sb, char **c, const size_t *width)
{
	size_t i, w, pad;

	for (i = 0; i < C_COUNT; i++) {
		w = text_width(c[i]);
		pad = w < width[i] ? width[i] - w : 0;
		if (i == C_TRIES || i == C_EXIT || i == C_TIME)
			sb_addf(sb, "%*s%s", (int)pad, "", c[i]);
		else if (i == C_STATUS)
			sb_adds(sb, c[i]);
		else
			sb_addf(sb, "%s%*s", c[i], (int)pad, "");
		sb_adds(sb, i == C_STATUS ? "\n" : "  ");
	}
}

/* The summary table, one line per job (TABLE_ROWS at most). */
static void
body_table(struct strbuf *sb, const struct notify_event *ev)
{
	static const char *head[C_COUNT] = {
		"JOB", "MACHINE", "TRIES", "EXIT", "TIME", "STATUS"
	};
	size_t n = ev->nrows < TABLE_ROWS ? ev->nrows : TABLE_ROWS;
	size_t width[C_COUNT], i, k, w;
	char **cells = xcalloc((n + 1) * C_COUNT, sizeof *cells);

	for (k = 0; k < C_COUNT; k++) {
		cells[k] = xstrdup(head[k]);
		width[k] = strlen(head[k]);
	}
	for (i = 0; i < n; i++) {
		table_cells(cells + (i + 1) * C_COUNT, &ev->rows[i]);
		for (k = 0; k < C_COUNT; k++) {
			w = text_width(cells[(i + 1) * C_COUNT + k]);
			if (w > width[k])
				width[k] = w < COLUMN_MAX ? w : COLUMN_MAX;
		}
	}
	for (i = 0; i <= n; i++)
		table_line(sb, cells + i * C_COUNT, width);
	if (ev->nrows > n)
		sb_addf(sb, "... and %zu more jobs (see run.json)\n",
		    ev->nrows - n);
	for (i = 0; i < (n + 1) * C_COUNT; i++)
		free(cells[i]);
	free(cells);
}

static void
body_run(struct strbuf *sb, const struct notify_event *ev)
{
	char *name = run_label(ev), *id = one_line(ev->run_id, "?");
	char *dur = duration_text(ev->elapsed), *s;
	size_t i, fails = 0;

	sb_addf(sb, "Run %s (%s) finished: %u/%u ok, %u failed, in %s.\n",
	    name, id, ev->ok, ev->total, ev->failed, dur);
	if (ev->results != NULL)
		add_field(sb, "Results:", ev->results);
	if (ev->nrows > 0) {
		sb_adds(sb, "\n");
		body_table(sb, ev);
	}
	for (i = 0; i < ev->nrows; i++) {
		const struct notify_row *r = &ev->rows[i];
		if (!row_failed(r) || fails++ >= TABLE_FAILS)
			continue;
		if (fails == 1)
			sb_adds(sb, "\nFailures:\n");
		s = failure_text(r);
		sb_addf(sb, "\n%s\n", s);
		free(s);
		if (r->log_tail != NULL && *r->log_tail != '\0')
			add_tail(sb, r->log_tail);
	}
	if (fails > TABLE_FAILS)
		sb_addf(sb, "\n... and %zu more failures (see run.json)\n",
		    fails - TABLE_FAILS);
	free(name);
	free(id);
	free(dur);
}

char *
notify_body(const struct notify_event *ev)
{
	struct strbuf sb = STRBUF_INIT;

	if (ev->kind == NOTIFY_RUN_DONE)
		body_run(&sb, ev);
	else
		body_job(&sb, ev);
	return sb_detach(&sb);
}

/* RFC 5322 date, local time with its offset, locale-independent. */
static char *
mail_date(double when)
{
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)when;
	struct tm tm;
	long off;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	return xasprintf("%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

static char *
message_id(const char *host, double when)
{
	unsigned char r[12];
	char hex[sizeof r * 2 + 1];
	size_t i;

	if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
		for (i = 0; i < sizeof r; i++)	/* unlikely: still unique */
			r[i] = (unsigned char)(((unsigned long)getpid() >>
			    (i % 4 * 8)) ^ (unsigned long)(now_mono() * 1e9) >>
			    (i * 5 % 32));
	}
	for (i = 0; i < sizeof r; i++)
		snprintf(hex + i * 2, 3, "%02x", r[i]);
	return xasprintf("<%lld.%s@%s>", (long long)when, hex, host);
}

/* Text in CRLF lines; 7bit if it is ASCII with short lines. */
static int
body_7bit(const char *text)
{
	size_t col = 0;

	for (; *text != '\0'; text++) {
		if ((unsigned char)*text >= 0x80)
			return 0;
		col = *text == '\n' ? 0 : col + 1;
		if (col > LINE_HARD)
			return 0;
	}
	return 1;
}

static void
add_crlf(struct strbuf *sb, const char *text)
{
	for (; *text != '\0'; text++) {
		if (*text == '\n')
			sb_addc(sb, '\r');
		sb_addc(sb, *text);
	}
}

/* Quoted-printable (RFC 2045), lines of at most QP_WIDTH. */
static void
add_qp(struct strbuf *sb, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	char tok[4];
	size_t col = 0, n;

	for (; *p != '\0'; p++) {
		if (*p == '\n') {
			sb_adds(sb, "\r\n");
			col = 0;
			continue;
		}
		if ((*p >= 33 && *p <= 126 && *p != '=' && !(col == 0 &&
		    *p == '.')) || ((*p == ' ' || *p == '\t') && p[1] != '\n' &&
		    p[1] != '\0'))
			tok[0] = (char)*p, tok[1] = '\0';
		else
			snprintf(tok, sizeof tok, "=%02X", *p);
		n = strlen(tok);
		if (col + n > QP_WIDTH - 1) {
			sb_adds(sb, "=\r\n");
			col = 0;
		}
		sb_adds(sb, tok);
		col += n;
	}
}

static void
add_header(struct strbuf *sb, const char *name, const char *value)
{
	char *h = notify_header(name, value);

	sb_adds(sb, h);
	sb_adds(sb, "\r\n");
	free(h);
}

char *
notify_mail_build(const struct notify_conf *c, const struct notify_event *ev)
{
	struct strbuf sb = STRBUF_INIT, to = STRBUF_INIT;
	double when = ev->when > 0 ? ev->when : now_wall();
	char *s, *body = notify_body(ev);
	int seven = body_7bit(body);
	size_t i;

	s = mail_date(when);
	add_header(&sb, "Date", s);
	free(s);
	s = xasprintf("distribute <%s>", c->from);
	add_header(&sb, "From", s);
	free(s);
	for (i = 0; i < c->to.n; i++)
		sb_addf(&to, "%s%s", i > 0 ? ", " : "", c->to.v[i]);
	add_header(&sb, "To", sb_str(&to));
	s = notify_subject(ev);
	add_header(&sb, "Subject", s);
	free(s);
	s = message_id(c->msgid_host, when);
	add_header(&sb, "Message-ID", s);
	free(s);
	sb_adds(&sb, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n");
	sb_addf(&sb, "Content-Transfer-Encoding: %s\r\n",
	    seven ? "7bit" : "quoted-printable");
	sb_adds(&sb, "Auto-Submitted: auto-generated\r\n");
	add_header(&sb, "X-Distribute-Event", notify_kind_name(ev->kind));
	if (ev->run_id != NULL)
		add_header(&sb, "X-Distribute-Run", ev->run_id);
	sb_adds(&sb, "\r\n");
	if (seven)
		add_crlf(&sb, body);
	else
		add_qp(&sb, body);
	if (sb.len < 2 || strcmp(sb.buf + sb.len - 2, "\r\n") != 0)
		sb_adds(&sb, "\r\n");
	free(body);
	sb_release(&to);
	return sb_detach(&sb);
}

/* What one libesmtp session needs and learns. */
struct esmtp_ctx {
	const struct notify_conf *conf;
	const char	*msg;
	int		 given;		/* the message callback's state */
	char		*problem;	/* the first TLS problem seen */
	int		 tls;		/* STARTTLS succeeded */
	int		 authed;	/* credentials were asked for */
};

static const char *
esmtp_message_cb(void **ctx, int *len, void *arg)
{
	struct esmtp_ctx *e = arg;

	(void)ctx;
	if (len == NULL) {		/* rewind */
		e->given = 0;
		return NULL;
	}
	*len = e->given ? 0 : (int)strlen(e->msg);
	e->given = 1;
	return e->msg;
}

static void
esmtp_problem(struct esmtp_ctx *e, char *text)
{
	if (e->problem == NULL)
		e->problem = text;
	else
		free(text);
}

/* TLS events: refuse whatever is not a verified, matching certificate. */
static void
esmtp_event_cb(smtp_session_t session, int event, void *arg, ...)
{
	struct esmtp_ctx *e = arg;
	va_list ap;
	long vfy;
	int *ok;

	(void)session;
	va_start(ap, arg);
	switch (event) {
	case SMTP_EV_STARTTLS_OK:
		e->tls = 1;
		break;
	case SMTP_EV_EXTNA_STARTTLS:
		esmtp_problem(e, xstrdup("the server does not offer STARTTLS"));
		break;
	case SMTP_EV_INVALID_PEER_CERTIFICATE:
		vfy = va_arg(ap, long);
		ok = va_arg(ap, int *);
		*ok = 0;
		esmtp_problem(e, xasprintf("server certificate not trusted: %s",
		    X509_verify_cert_error_string(vfy)));
		break;
	case SMTP_EV_NO_PEER_CERTIFICATE:
		ok = va_arg(ap, int *);
		*ok = 0;
		esmtp_problem(e, xstrdup("the server sent no certificate"));
		break;
	case SMTP_EV_WRONG_PEER_CERTIFICATE:
		ok = va_arg(ap, int *);
		*ok = 0;
		esmtp_problem(e, xasprintf("the server certificate is not for "
		    "'%s'", e->conf->host));
		break;
	case SMTP_EV_WEAK_CIPHER:
		(void)va_arg(ap, int);
		ok = va_arg(ap, int *);
		*ok = 0;
		esmtp_problem(e, xstrdup("weak TLS cipher"));
		break;
	case SMTP_EV_UNUSABLE_CA_LIST:
	case SMTP_EV_UNUSABLE_CLIENT_CERTIFICATE:
		esmtp_problem(e, xstrdup("unusable ~/.authenticate files"));
		break;
	default:
		break;
	}
	va_end(ap);
}

static int
esmtp_interact(auth_client_request_t req, char **result, int fields,
    void *arg)
{
	struct esmtp_ctx *e = arg;
	int i;

	for (i = 0; i < fields; i++) {
		if (req[i].flags & AUTH_USER)
			result[i] = e->conf->user;
		else if (req[i].flags & AUTH_PASS)
			result[i] = e->conf->password;
		else
			return 0;
	}
	e->authed = 1;
	return 1;
}

/* Our own TLS context: the system's CAs, or only smtp-ca-file's. */
static SSL_CTX *
esmtp_tls_ctx(const struct notify_conf *c, char **cause)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int ok;

	if (ctx == NULL) {
		set_cause(cause, "cannot create a TLS context");
		return NULL;
	}
	/*
	 * TLS 1.2 only: with TLS 1.3, session tickets arriving right after
	 * the handshake make libesmtp 1.1 read the EHLO reply before it has
	 * sent EHLO, and the session stalls until the timeout.
	 */
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	if (c->ca_file != NULL)
		ok = SSL_CTX_load_verify_locations(ctx, c->ca_file, NULL);
	else
		ok = SSL_CTX_set_default_verify_paths(ctx);
	if (!ok) {
		set_cause(cause, "smtp-ca-file '%s': no usable certificate",
		    c->ca_file != NULL ? c->ca_file : "(system)");
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static void
esmtp_timeouts(smtp_session_t s, double limit)
{
	static const int phases[] = { Timeout_GREETING, Timeout_ENVELOPE,
	    Timeout_DATA, Timeout_TRANSFER, Timeout_DATA2 };
	long ms = limit < 10 ? (long)(limit * 1000) : 10000;
	size_t i;

	if (ms < 1000)
		ms = 1000;
	for (i = 0; i < ARRAY_SIZE(phases); i++)
		smtp_set_timeout(s, phases[i] | Timeout_OVERRIDE_RFC2822_MINIMUM,
		    ms);
}

/* The session: server, TLS, credentials, envelope and message. */
static int
esmtp_setup(smtp_session_t s, struct esmtp_ctx *e, auth_context_t *auth,
    smtp_message_t *mp, char **cause)
{
	const struct notify_conf *c = e->conf;
	smtp_message_t m;
	SSL_CTX *ctx;
	char *hp = xasprintf("%s:%d", c->host, c->port);
	size_t i;
	int ok;

	ok = smtp_set_server(s, hp) && smtp_set_eventcb(s, esmtp_event_cb, e);
	free(hp);
	if (ok && c->tls == NOTIFY_TLS_STARTTLS) {
		if ((ctx = esmtp_tls_ctx(c, cause)) == NULL)
			return -1;
		ok = smtp_starttls_set_ctx(s, ctx) &&
		    smtp_starttls_enable(s, Starttls_REQUIRED);
		SSL_CTX_free(ctx);	/* the session holds its own reference */
	} else if (ok)
		ok = smtp_starttls_enable(s, Starttls_DISABLED);
	if (ok && c->user != NULL) {
		*auth = auth_create_context();
		ok = *auth != NULL &&
		    auth_set_mechanism_flags(*auth, AUTH_PLUGIN_PLAIN, 0) &&
		    auth_set_interact_cb(*auth, esmtp_interact, e) &&
		    smtp_auth_set_context(s, *auth);
	}
	if (ok && (*mp = m = smtp_add_message(s)) != NULL) {
		ok = smtp_set_reverse_path(m, c->from) &&
		    smtp_set_messagecb(m, esmtp_message_cb, e);
		for (i = 0; ok && i < c->to.n; i++)
			ok = smtp_add_recipient(m, c->to.v[i]) != NULL;
	} else
		ok = 0;
	if (!ok)
		return set_cause(cause, "cannot set up the SMTP session");
	return 0;
}

/* A server's reply text, one line, at most 200 bytes. */
static char *
server_text(const char *s)
{
	char *t = notify_clean(s, 0);
	size_t n = strlen(t);

	if (n > 200) {
		n = 200;
		while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
			n--;
	}
	while (n > 0 && t[n - 1] == ' ')
		n--;
	t[n] = '\0';
	return t;
}

static void
esmtp_rcpt_cb(smtp_recipient_t r, const char *mailbox, void *arg)
{
	const smtp_status_t *st = smtp_recipient_status(r);
	struct strbuf *sb = arg;
	char *text;

	if (st == NULL || st->code / 100 == 2)
		return;
	text = server_text(st->text);
	sb_addf(sb, "%s%s: %d %s", sb->len > 0 ? "; " : "", mailbox,
	    st->code, text);
	free(text);
}

/* The server's answer, or what went wrong before it, as a cause. */
static int
esmtp_result(smtp_message_t m, int started,
    struct esmtp_ctx *e, struct notify_try *t, char **cause)
{
	const smtp_status_t *st = smtp_message_transfer_status(m);
	const smtp_status_t *rp = smtp_reverse_path_status(m);
	struct strbuf rej = STRBUF_INIT;
	char buf[256], *text;

	if (st != NULL && st->code / 100 == 2) {
		smtp_enumerate_recipients(m, esmtp_rcpt_cb, &rej);
		if (rej.len > 0)
			t->note = xasprintf("recipients refused: %s", rej.buf);
		else if (e->conf->user != NULL && !e->authed)
			t->note = xstrdup("the server took the mail without "
			    "authentication");
		sb_release(&rej);
		return 0;
	}
	if (e->problem != NULL) {
		t->permanent = 1;
		return set_cause(cause, "%s", e->problem);
	}
	if (rp != NULL && rp->code / 100 == 2) {	/* MAIL FROM was fine */
		smtp_enumerate_recipients(m, esmtp_rcpt_cb, &rej);
		if (rej.len > 0) {
			t->permanent = strstr(rej.buf, ": 4") == NULL;
			set_cause(cause, "recipients refused: %s", rej.buf);
			sb_release(&rej);
			return -1;
		}
	}
	if (st == NULL || st->code == 0)
		st = rp;
	if (st != NULL && st->code != 0) {
		t->permanent = st->code / 100 == 5;
		text = server_text(st->text);
		set_cause(cause, "%sthe server answered %d %s", e->authed &&
		    (st->code == 530 || st->code == 535) ? "authentication "
		    "failed: " : "", st->code, text);
		free(text);
		return -1;
	}
	if (!started || smtp_errno() != 0)
		return set_cause(cause, "%s",
		    smtp_strerror(smtp_errno(), buf, sizeof buf));
	return set_cause(cause, "the session ended without an answer");
}

/* libcurl's upload reader over the message. */
struct curl_src {
	const char	*data;
	size_t		 left;
};

static size_t
curl_read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct curl_src *src = arg;
	size_t n = size * nitems;

	if (n > src->left)
		n = src->left;
	memcpy(buf, src->data, n);
	src->data += n;
	src->left -= n;
	return n;
}

static int
curl_result(CURL *curl, CURLcode res, struct notify_try *t, char **cause)
{
	long code = 0;

	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	if (res == CURLE_OK)
		return 0;
	t->permanent = res == CURLE_LOGIN_DENIED ||
	    res == CURLE_PEER_FAILED_VERIFICATION || code / 100 == 5;
	if (res == CURLE_LOGIN_DENIED)
		return set_cause(cause, "authentication failed: the server "
		    "answered %ld", code);
	if (code >= 400)
		return set_cause(cause, "the server answered %ld (%s)", code,
		    curl_easy_strerror(res));
	return set_cause(cause, "%s", curl_easy_strerror(res));
}

/* Implicit TLS ("smtps"), which libesmtp does not do, through libcurl. */
static int
mail_send_curl(const struct notify_conf *c, const char *msg,
    struct notify_try *t, char **cause)
{
	struct curl_src src = { msg, strlen(msg) };
	struct curl_slist *rcpt = NULL;
	char *url = xasprintf("smtps://%s:%d", c->host, c->port), *from;
	CURL *curl = curl_easy_init();
	CURLcode res;
	size_t i;
	int rc;

	if (curl == NULL) {
		free(url);
		return set_cause(cause, "cannot create a libcurl handle");
	}
	from = xasprintf("<%s>", c->from);
	for (i = 0; i < c->to.n; i++) {
		char *r = xasprintf("<%s>", c->to.v[i]);
		rcpt = curl_slist_append(rcpt, r);
		free(r);
	}
	notify_curl_setup(curl, t);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtps");
	curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (c->ca_file != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->ca_file);
	if (c->user != NULL) {
		curl_easy_setopt(curl, CURLOPT_USERNAME, c->user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, c->password);
	}
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, curl_read_cb);
	curl_easy_setopt(curl, CURLOPT_READDATA, &src);
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)src.left);
	res = curl_easy_perform(curl);
	rc = curl_result(curl, res, t, cause);
	curl_easy_cleanup(curl);
	curl_slist_free_all(rcpt);
	free(from);
	free(url);
	return rc;
}

static int
mail_send_esmtp(const struct notify_conf *c, const char *msg,
    struct notify_try *t, char **cause)
{
	struct esmtp_ctx e = { c, msg, 0, NULL, 0, 0 };
	auth_context_t auth = NULL;
	smtp_message_t m = NULL;
	smtp_session_t s;
	double t0 = now_mono();
	int rc = -1, started;

	if (c->user != NULL && c->tls == NOTIFY_TLS_NONE)
		return set_cause(cause, "credentials need TLS");
	if ((s = smtp_create_session()) == NULL)
		return set_cause(cause, "cannot create an SMTP session");
	esmtp_timeouts(s, t->limit);
	if (esmtp_setup(s, &e, &auth, &m, cause) != 0)
		goto out;
	started = smtp_start_session(s);
	rc = esmtp_result(m, started, &e, t, cause);
	if (rc != 0 && now_mono() - t0 >= (t->limit < 10 ? t->limit : 10) - 0.2)
		prefix_cause(cause, "no answer within %.0fs",
		    t->limit < 10 ? t->limit : 10);
out:
	smtp_destroy_session(s);
	if (auth != NULL)
		auth_destroy_context(auth);
	free(e.problem);
	return rc;
}

int
notify_mail_send(const struct notify_conf *c, const char *msg,
    struct notify_try *t, char **cause)
{
	int rc;

	if (c->tls == NOTIFY_TLS_TLS)
		rc = mail_send_curl(c, msg, t, cause);
	else
		rc = mail_send_esmtp(c, msg, t, cause);
	if (rc != 0)
		prefix_cause(cause, "smtp %s:%d", c->host, c->port);
	return rc;
}
