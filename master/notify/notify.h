/*
 * notify.h - status reports of a run by mail (SMTP) and webhooks (HTTP
 * POST), sent by a background thread so that neither blocks nor ends a run.
 *
 * Calling steps:
 *  1. notify_opts_init(&o); for each "key = value" of the settings file
 *     (settings_load() with notify_opts_set_cb) fill a second struct, for
 *     each command line option call notify_opts_set(&o, key, value, &cause);
 *     then notify_opts_merge(&o, &from_settings): the command line wins
 *     key by key (a --mail-to replaces the settings file's whole list).
 *  2. notify_opts_check(&o, &cause) before anything is sent anywhere (a
 *     configuration error is a usage error: nothing runs).
 *  3. n = notify_start(&o, "RESULTS/RUN-ID/mail", &cause): reads the SMTP
 *     password (smtp-password-file, else $DISTRIBUTE_SMTP_PASSWORD) and
 *     starts the sender thread.  With neither mail-to nor notify-url it
 *     returns an object that does nothing.  notify_opts_free(&o) may follow
 *     at once: n keeps its own copy.
 *  4. notify_post(n, &ev) for each event, from any thread: it only formats
 *     and queues (the event is copied); it never blocks on the network.
 *     notify_wants(n, kind) tells whether an event of that kind is sent at
 *     all (to skip collecting log tails).
 *  5. notify_finish(n, o.wait, &warnings) at the end of the run: waits at
 *     most that many seconds for the queue to drain, writes every mail not
 *     sent to UNSENT_DIR/unsent-N.eml, appends one line per problem to
 *     warnings (a webhook is named "webhook #N", never by its URL), frees
 *     n and returns how many messages were not delivered.
 *
 * Sending: one message per SMTP session, 3 tries (then 1 s and 4 s later),
 * no try longer than about 30 s, and none that would outlast the
 * notify_finish bound; a sender still blocked in a try when the bound is
 * reached is left behind (detached) and frees its own state when it
 * returns.  Credentials are never sent over an unencrypted connection.
 */
#ifndef DIST_NOTIFY_H
#define DIST_NOTIFY_H

#include <stdatomic.h>
#include <stddef.h>

#include "lib/lib.h"

enum notify_kind {
	NOTIFY_JOB_DONE,	/* "job-done" */
	NOTIFY_JOB_FAILED,	/* "job-failed" */
	NOTIFY_MACHINE_DONE,	/* "machine-done": a machine finished a job */
	NOTIFY_RUN_DONE,	/* "run-done" */
	NOTIFY_KIND_COUNT
};
#define NOTIFY_ON_DEFAULT \
	((1u << NOTIFY_JOB_FAILED) | (1u << NOTIFY_RUN_DONE))

enum notify_tls {
	NOTIFY_TLS_STARTTLS,	/* STARTTLS required (port 25) */
	NOTIFY_TLS_TLS,		/* implicit TLS, "smtps" (port 465) */
	NOTIFY_TLS_NONE		/* plain SMTP, no credentials allowed */
};

enum notify_format { NOTIFY_FORMAT_JSON, NOTIFY_FORMAT_SLACK };

#define NOTIFY_WAIT_DEFAULT	30	/* seconds notify_finish waits */
#define NOTIFY_PASSWORD_ENV	"DISTRIBUTE_SMTP_PASSWORD"

struct notify_opts {
	struct strvec	 mail_to;	/* mail-to (repeatable, "a,b" too) */
	char		*mail_from;	/* NULL: LOGIN@HOSTNAME */
	char		*smtp_host;	/* smtp: NULL is localhost */
	int		 smtp_port;	/* 0: 25, or 465 with smtp-tls=tls */
	enum notify_tls	 smtp_tls;	/* unset: starttls with smtp-user,
					   else none */
	char		*smtp_user;
	char		*smtp_password_file;
	char		*smtp_ca_file;	/* extra CA (PEM) for the server cert */
	unsigned	 mail_on;	/* bit (1 << kind) per event */
	unsigned	 wait;		/* mail-wait: notify_finish bound, s */
	struct strvec	 notify_url;	/* never logged or written anywhere */
	enum notify_format notify_format;
	unsigned	 set;		/* which keys were given (internal) */
};

/* One row of a run's summary (RUN_DONE). */
struct notify_row {
	const char	*job;
	const char	*machine;	/* NULL: never ran */
	int		 attempts;
	int		 exit_code;	/* NOTIFY_NO_EXIT: none */
	double		 duration;	/* seconds */
	const char	*status;	/* "ok", "failed", ... */
	const char	*log_tail;	/* failures: last lines of the log */
};
#define NOTIFY_NO_EXIT	(-1)

/*
 * An event.  Strings may be NULL and may hold anything (CR, LF, invalid
 * UTF-8): they are cleaned, never trusted.  notify_post copies it all.
 */
struct notify_event {
	enum notify_kind kind;
	const char	*run_id;
	const char	*run_name;
	const char	*job;
	const char	*machine;
	int		 attempts;
	int		 exit_code;	/* NOTIFY_NO_EXIT: none (e.g. signal) */
	double		 duration;	/* the job's, seconds */
	const char	*results;	/* results path on the master */
	const char	*log_tail;	/* JOB_FAILED: last lines of the log */
	/* RUN_DONE */
	const struct notify_row *rows;
	size_t		 nrows;
	unsigned	 ok, failed, total;
	double		 elapsed;	/* the run's, seconds */
	double		 when;		/* wall clock; 0: now */
};

struct notify;

void	notify_opts_init(struct notify_opts *);
void	notify_opts_free(struct notify_opts *);
/* Keys: mail-to mail-from smtp smtp-tls smtp-user smtp-password-file
 * smtp-ca-file mail-on mail-wait notify-url notify-format. */
int	notify_opts_set(struct notify_opts *, const char *key,
	    const char *value, char **cause);
/* The same, shaped for settings_load(); arg is a struct notify_opts. */
int	notify_opts_set_cb(void *arg, const char *key, const char *value,
	    char **cause);
int	notify_opts_is_key(const char *key);
/* Copy into dst every key that src has and dst has not. */
void	notify_opts_merge(struct notify_opts *dst, const struct notify_opts *src);
int	notify_opts_check(const struct notify_opts *, char **cause);
/* True if there is anything to send to (mail-to or notify-url). */
int	notify_opts_enabled(const struct notify_opts *);
/* A safe description for run.json: recipients, server, TLS mode, user,
 * events and the number of webhooks (never their URLs or a password). */
void	notify_opts_json(const struct notify_opts *, struct json *,
	    const char *key);
const char *notify_kind_name(enum notify_kind);

struct notify *notify_start(const struct notify_opts *, const char *unsent_dir,
	    char **cause);
int	notify_wants(const struct notify *, enum notify_kind);
void	notify_post(struct notify *, const struct notify_event *);
int	notify_finish(struct notify *, unsigned bound_seconds,
	    struct strvec *warnings);

/*
 * Internal to notify*.c, exposed for tests/unit/test-notify.c.
 */

/* The resolved, read-only settings the sender works with. */
struct notify_conf {
	struct strvec	 to;
	char		*from;		/* bare address */
	char		*host;
	int		 port;
	enum notify_tls	 tls;
	char		*user;
	char		*password;	/* NULL without user */
	char		*ca_file;
	struct strvec	 urls;
	enum notify_format format;
	unsigned	 events;
	char		*msgid_host;	/* right side of Message-IDs */
};

/* One try: its time limit, the abort flag, and what happened. */
struct notify_try {
	double		 limit;		/* seconds this try may take */
	atomic_int	*stop;		/* non-zero: give up now */
	int		 permanent;	/* set: do not retry */
	char		*note;		/* set: a warning even on success */
};

/* Text with CR/LF and other controls replaced, valid UTF-8. */
char	*notify_clean(const char *s, int multiline);
/* "Subject: ..." folded and RFC 2047 encoded as needed, without CRLF at
 * the end; name is the header name. */
char	*notify_header(const char *name, const char *value);
/* The one-line summary ("[distribute] NAME: 37/40 ok, 3 failed (2h13m)"). */
char	*notify_subject(const struct notify_event *);
/* A few lines for chat webhooks and the JSON "text". */
char	*notify_summary(const struct notify_event *);
/* The plain text body (LF line ends). */
char	*notify_body(const struct notify_event *);
/* The whole message, CRLF line ends, no line over 998 bytes. */
char	*notify_mail_build(const struct notify_conf *,
	    const struct notify_event *);
/* Send msg to conf's server; 0 or -1 with cause (nothing secret in it). */
int	notify_mail_send(const struct notify_conf *, const char *msg,
	    struct notify_try *, char **cause);
/* libcurl options every transfer gets (curl is a CURL *): no signals,
 * time limits from t, abort when *t->stop is set. */
void	notify_curl_setup(void *curl, struct notify_try *t);
/* The webhook body of ev in format fmt. */
char	*notify_hook_body(const struct notify_event *, enum notify_format);
/* POST body to url; cause says "HTTP 500" or the network error, never the
 * URL. */
int	notify_hook_send(const char *url, const char *body,
	    struct notify_try *, char **cause);

#endif
