/*
 * notify.c - the notify options (command line and settings file keys) and
 * the queue drained by one background sender thread, with retries, a
 * bounded final wait and unsent mail saved as .eml files.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "notify/notify.h"

#define NOTIFY_TRIES		3
#define NOTIFY_TRY_LIMIT	30.0	/* seconds, one try at most */
#define NOTIFY_TRY_MIN		1.0	/* a try needs at least this */

enum notify_key {
	K_MAIL_TO, K_MAIL_FROM, K_SMTP, K_SMTP_TLS, K_SMTP_USER,
	K_SMTP_PASSWORD_FILE, K_SMTP_CA_FILE, K_MAIL_ON, K_MAIL_WAIT,
	K_NOTIFY_URL, K_NOTIFY_FORMAT
};

static int	set_mail_to(struct notify_opts *, const char *, char **);
static int	set_mail_from(struct notify_opts *, const char *, char **);
static int	set_smtp(struct notify_opts *, const char *, char **);
static int	set_smtp_tls(struct notify_opts *, const char *, char **);
static int	set_smtp_user(struct notify_opts *, const char *, char **);
static int	set_password_file(struct notify_opts *, const char *, char **);
static int	set_ca_file(struct notify_opts *, const char *, char **);
static int	set_mail_on(struct notify_opts *, const char *, char **);
static int	set_mail_wait(struct notify_opts *, const char *, char **);
static int	set_notify_url(struct notify_opts *, const char *, char **);
static int	set_notify_format(struct notify_opts *, const char *, char **);

/* In enum notify_key order. */
static const struct notify_key_def {
	const char	*key;
	int		(*set)(struct notify_opts *, const char *, char **);
} notify_keys[] = {
	{ "mail-to",		set_mail_to },
	{ "mail-from",		set_mail_from },
	{ "smtp",		set_smtp },
	{ "smtp-tls",		set_smtp_tls },
	{ "smtp-user",		set_smtp_user },
	{ "smtp-password-file",	set_password_file },
	{ "smtp-ca-file",	set_ca_file },
	{ "mail-on",		set_mail_on },
	{ "mail-wait",		set_mail_wait },
	{ "notify-url",		set_notify_url },
	{ "notify-format",	set_notify_format },
};

static const char *kind_names[NOTIFY_KIND_COUNT] = {
	"job-done", "job-failed", "machine-done", "run-done"
};
static const char *tls_names[] = { "starttls", "tls", "none" };

enum { ITEM_WAITING, ITEM_GIVEN_UP, ITEM_INFLIGHT };

/* A message waiting, being sent or given up. */
struct notify_item {
	struct notify_item *next;
	int		 hook;		/* 0: mail, N: webhook #N */
	char		*data;		/* the message or the JSON body */
	char		*what;		/* "run-done mail" */
	int		 tries;
	int		 permanent;	/* do not retry */
	int		 state;		/* at the end: ITEM_* */
	unsigned long	 seq;		/* posting order */
	double		 not_before;	/* now_mono() of the next try */
	char		*error;		/* the last try's */
};

struct notify {
	pthread_mutex_t	 mtx;
	pthread_cond_t	 wake;		/* to the sender: work, finishing */
	pthread_cond_t	 done;		/* to notify_finish: sender ended */
	pthread_t	 thread;
	int		 started;	/* a sender thread exists */
	int		 refs;		/* caller + sender */
	int		 finishing;
	int		 abandoned;	/* notify_finish gave up waiting */
	int		 sender_done;
	double		 deadline;	/* now_mono(), with finishing */
	atomic_int	 stop;		/* tells a try in progress to give up */
	unsigned long	 seq;		/* items posted */
	struct notify_item *queue;
	struct notify_item *failed;	/* given up */
	struct notify_item *inflight;
	struct strvec	 notes;		/* warnings from successful sends */
	struct notify_conf conf;	/* read-only once started */
	char		*unsent_dir;
	int		 curl;		/* curl_global_init done */
};

const char *
notify_kind_name(enum notify_kind kind)
{
	if ((unsigned)kind >= NOTIFY_KIND_COUNT)
		return "unknown";
	return kind_names[kind];
}

void
notify_opts_init(struct notify_opts *o)
{
	memset(o, 0, sizeof *o);
	o->smtp_tls = NOTIFY_TLS_STARTTLS;
	o->mail_on = NOTIFY_ON_DEFAULT;
	o->wait = NOTIFY_WAIT_DEFAULT;
	o->notify_format = NOTIFY_FORMAT_JSON;
}

void
notify_opts_free(struct notify_opts *o)
{
	sv_clear(&o->mail_to);
	sv_clear(&o->notify_url);
	free(o->mail_from);
	free(o->smtp_host);
	free(o->smtp_user);
	free(o->smtp_password_file);
	free(o->smtp_ca_file);
	memset(o, 0, sizeof *o);
}

/* A bare address: printable ASCII, no specials, one @ not at an end. */
static int
check_address(const char *key, const char *s, char **cause)
{
	const char *at = strrchr(s, '@'), *p;

	for (p = s; *p != '\0'; p++) {
		if (*p <= ' ' || *p > '~' || strchr("<>()[]\\,;:\"", *p) != NULL)
			break;
	}
	if (*p != '\0' || at == NULL || at == s || at[1] == '\0' ||
	    strlen(s) > 254) {
		char *c = notify_clean(s, 0);

		set_cause(cause, "%s: invalid address '%s' (expected "
		    "user@domain, ASCII, no spaces)", key, c);
		free(c);
		return -1;
	}
	return 0;
}

/* One element of a comma-separated list, trimmed; NULL at the end. */
static char *
next_item(const char **pp)
{
	const char *p = *pp, *e;
	size_t n;

	if (p == NULL)
		return NULL;
	e = strchr(p, ',');
	*pp = e != NULL ? e + 1 : NULL;
	if (e == NULL)
		e = p + strlen(p);
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	n = (size_t)(e - p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return xstrndup(p, n);
}

static int
set_mail_to(struct notify_opts *o, const char *value, char **cause)
{
	struct strvec list = STRVEC_INIT;
	const char *p = value;
	char *addr;
	int rc = 0;

	while (rc == 0 && (addr = next_item(&p)) != NULL) {
		if (*addr == '\0')
			rc = set_cause(cause, "mail-to: empty address");
		else if ((rc = check_address("mail-to", addr, cause)) == 0)
			sv_push(&list, addr);
		free(addr);
	}
	if (rc == 0)
		sv_copy(&o->mail_to, &list);
	sv_clear(&list);
	return rc;
}

static int
set_mail_from(struct notify_opts *o, const char *value, char **cause)
{
	if (check_address("mail-from", value, cause) != 0)
		return -1;
	free(o->mail_from);
	o->mail_from = xstrdup(value);
	return 0;
}

/* "host", "host:port"; no IPv6 literals (libesmtp cannot parse them). */
static int
set_smtp(struct notify_opts *o, const char *value, char **cause)
{
	const char *colon = strchr(value, ':'), *p;
	size_t hlen = colon != NULL ? (size_t)(colon - value) : strlen(value);
	long port = 0;
	char *end;

	if (*value == '[')
		return set_cause(cause, "smtp: IPv6 addresses are not supported "
		    "(use a host name)");
	for (p = value; p < value + hlen; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(".-_", *p) != NULL))
			break;
	if (hlen == 0 || hlen > 253 || p != value + hlen)
		goto bad;
	if (colon != NULL) {
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (colon[1] < '0' || colon[1] > '9' || *end != '\0' ||
		    errno != 0 || port < 1 || port > 65535)
			goto bad;
	}
	free(o->smtp_host);
	o->smtp_host = xstrndup(value, hlen);
	o->smtp_port = (int)port;
	return 0;
bad:
	p = notify_clean(value, 0);
	set_cause(cause, "smtp: invalid server '%s' (expected host[:port])", p);
	free((char *)p);
	return -1;
}

static int
set_smtp_tls(struct notify_opts *o, const char *value, char **cause)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tls_names); i++) {
		if (strcmp(value, tls_names[i]) == 0) {
			o->smtp_tls = (enum notify_tls)i;
			return 0;
		}
	}
	return set_cause(cause, "smtp-tls: invalid value '%s' (expected "
	    "starttls, tls or none)", value);
}

static int
set_smtp_user(struct notify_opts *o, const char *value, char **cause)
{
	const unsigned char *p;

	for (p = (const unsigned char *)value; *p != '\0'; p++)
		if (*p < ' ' || *p == 0x7f)
			break;
	if (*value == '\0' || *p != '\0' || strlen(value) > 255)
		return set_cause(cause, "smtp-user: invalid user name");
	free(o->smtp_user);
	o->smtp_user = xstrdup(value);
	return 0;
}

/* A path, "~/" meaning $HOME. */
static int
set_path(char **dst, const char *key, const char *value, char **cause)
{
	const char *home = getenv("HOME");

	if (*value == '\0')
		return set_cause(cause, "%s: empty path", key);
	free(*dst);
	if (strncmp(value, "~/", 2) == 0 && home != NULL && *home != '\0')
		*dst = xasprintf("%s/%s", home, value + 2);
	else
		*dst = xstrdup(value);
	return 0;
}

static int
set_password_file(struct notify_opts *o, const char *value, char **cause)
{
	return set_path(&o->smtp_password_file, "smtp-password-file", value,
	    cause);
}

static int
set_ca_file(struct notify_opts *o, const char *value, char **cause)
{
	return set_path(&o->smtp_ca_file, "smtp-ca-file", value, cause);
}

static int
set_mail_on(struct notify_opts *o, const char *value, char **cause)
{
	const char *p = value;
	unsigned mask = 0;
	char *ev;
	int rc = 0;
	size_t k;

	while (rc == 0 && (ev = next_item(&p)) != NULL) {
		for (k = 0; k < NOTIFY_KIND_COUNT; k++)
			if (strcmp(ev, kind_names[k]) == 0)
				break;
		if (k < NOTIFY_KIND_COUNT)
			mask |= 1u << k;
		else if (strcmp(ev, "all") == 0)
			mask |= (1u << NOTIFY_KIND_COUNT) - 1;
		else if (strcmp(ev, "none") != 0)
			rc = set_cause(cause, "mail-on: unknown event '%s' "
			    "(expected job-done, job-failed, machine-done, "
			    "run-done, all or none)", ev);
		free(ev);
	}
	if (rc == 0)
		o->mail_on = mask;
	return rc;
}

static int
set_mail_wait(struct notify_opts *o, const char *value, char **cause)
{
	uint64_t secs;

	if (parse_duration(value, &secs, cause) != 0)
		return prefix_cause(cause, "mail-wait");
	if (secs > 3600)
		return set_cause(cause, "mail-wait: '%s' is over an hour", value);
	o->wait = (unsigned)secs;
	return 0;
}

/* The URL is a secret (a Slack hook is its own password): never echo it. */
static int
set_notify_url(struct notify_opts *o, const char *value, char **cause)
{
	const unsigned char *p;
	size_t skip;

	if (strncmp(value, "http://", 7) == 0)
		skip = 7;
	else if (strncmp(value, "https://", 8) == 0)
		skip = 8;
	else
		return set_cause(cause, "notify-url: invalid URL (expected "
		    "http://... or https://...)");
	for (p = (const unsigned char *)value; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return set_cause(cause, "notify-url: invalid URL "
			    "(spaces or control characters)");
	if (value[skip] == '\0' || value[skip] == '/')
		return set_cause(cause, "notify-url: invalid URL (no host)");
	sv_push(&o->notify_url, value);
	return 0;
}

static int
set_notify_format(struct notify_opts *o, const char *value, char **cause)
{
	if (strcmp(value, "json") == 0)
		o->notify_format = NOTIFY_FORMAT_JSON;
	else if (strcmp(value, "slack") == 0)
		o->notify_format = NOTIFY_FORMAT_SLACK;
	else
		return set_cause(cause, "notify-format: invalid value '%s' "
		    "(expected json or slack)", value);
	return 0;
}

int
notify_opts_is_key(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(notify_keys); i++)
		if (strcmp(key, notify_keys[i].key) == 0)
			return 1;
	return 0;
}

int
notify_opts_set(struct notify_opts *o, const char *key, const char *value,
    char **cause)
{
	size_t i;

	if (strcmp(key, "smtp-password") == 0)
		return set_cause(cause, "smtp-password: a password is never "
		    "given as a value; use smtp-password-file or $%s",
		    NOTIFY_PASSWORD_ENV);
	for (i = 0; i < ARRAY_SIZE(notify_keys); i++) {
		if (strcmp(key, notify_keys[i].key) != 0)
			continue;
		if (notify_keys[i].set(o, value, cause) != 0)
			return -1;
		o->set |= 1u << i;
		return 0;
	}
	return set_cause(cause, "unknown setting '%s'", key);
}

int
notify_opts_set_cb(void *arg, const char *key, const char *value,
    char **cause)
{
	return notify_opts_set(arg, key, value, cause);
}

static void
merge_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src != NULL ? xstrdup(src) : NULL;
}

void
notify_opts_merge(struct notify_opts *dst, const struct notify_opts *src)
{
	unsigned take = src->set & ~dst->set;

	if (take & (1u << K_MAIL_TO))
		sv_copy(&dst->mail_to, &src->mail_to);
	if (take & (1u << K_MAIL_FROM))
		merge_str(&dst->mail_from, src->mail_from);
	if (take & (1u << K_SMTP)) {
		merge_str(&dst->smtp_host, src->smtp_host);
		dst->smtp_port = src->smtp_port;
	}
	if (take & (1u << K_SMTP_TLS))
		dst->smtp_tls = src->smtp_tls;
	if (take & (1u << K_SMTP_USER))
		merge_str(&dst->smtp_user, src->smtp_user);
	if (take & (1u << K_SMTP_PASSWORD_FILE))
		merge_str(&dst->smtp_password_file, src->smtp_password_file);
	if (take & (1u << K_SMTP_CA_FILE))
		merge_str(&dst->smtp_ca_file, src->smtp_ca_file);
	if (take & (1u << K_MAIL_ON))
		dst->mail_on = src->mail_on;
	if (take & (1u << K_MAIL_WAIT))
		dst->wait = src->wait;
	if (take & (1u << K_NOTIFY_URL))
		sv_copy(&dst->notify_url, &src->notify_url);
	if (take & (1u << K_NOTIFY_FORMAT))
		dst->notify_format = src->notify_format;
	dst->set |= take;
}

static enum notify_tls
opts_tls(const struct notify_opts *o)
{
	if (o->set & (1u << K_SMTP_TLS))
		return o->smtp_tls;
	return o->smtp_user != NULL ? NOTIFY_TLS_STARTTLS : NOTIFY_TLS_NONE;
}

int
notify_opts_enabled(const struct notify_opts *o)
{
	return o->mail_to.n > 0 || o->notify_url.n > 0;
}

/* The password file: a regular file, not accessible by other users. */
static int
check_password_file(const char *path, char **cause)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return set_cause(cause, "smtp-password-file '%s': %s", path,
		    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return set_cause(cause, "smtp-password-file '%s': not a "
		    "regular file", path);
	if (st.st_mode & 007)
		return set_cause(cause, "smtp-password-file '%s': permissions "
		    "%04o are too open (other users can read it; chmod 600)",
		    path, (unsigned)(st.st_mode & 07777));
	return 0;
}

int
notify_opts_check(const struct notify_opts *o, char **cause)
{
	enum notify_tls tls = opts_tls(o);

	if (o->smtp_user != NULL && tls == NOTIFY_TLS_NONE)
		return set_cause(cause, "smtp-user is set but smtp-tls is none: "
		    "credentials are never sent over an unencrypted connection");
	if (o->smtp_password_file != NULL && o->smtp_user == NULL)
		return set_cause(cause, "smtp-password-file is set without "
		    "smtp-user");
	if (o->smtp_user != NULL && o->smtp_password_file == NULL &&
	    getenv(NOTIFY_PASSWORD_ENV) == NULL)
		return set_cause(cause, "smtp-user '%s' needs a password: "
		    "smtp-password-file or $%s", o->smtp_user,
		    NOTIFY_PASSWORD_ENV);
	if (o->smtp_password_file != NULL &&
	    check_password_file(o->smtp_password_file, cause) != 0)
		return -1;
	if (o->smtp_ca_file != NULL && access(o->smtp_ca_file, R_OK) == -1)
		return set_cause(cause, "smtp-ca-file '%s': %s",
		    o->smtp_ca_file, strerror(errno));
	return 0;
}

void
notify_opts_json(const struct notify_opts *o, struct json *j,
    const char *key)
{
	size_t i;

	json_obj_open(j, key);
	json_arr_open(j, "mail_to");
	for (i = 0; i < o->mail_to.n; i++)
		json_str(j, NULL, o->mail_to.v[i]);
	json_arr_close(j);
	json_str(j, "mail_from", o->mail_from);
	json_str(j, "smtp", o->smtp_host != NULL ? o->smtp_host : "localhost");
	json_int(j, "smtp_port", o->smtp_port != 0 ? o->smtp_port :
	    opts_tls(o) == NOTIFY_TLS_TLS ? 465 : 25);
	json_str(j, "smtp_tls", tls_names[opts_tls(o)]);
	json_str(j, "smtp_user", o->smtp_user);
	json_arr_open(j, "mail_on");
	for (i = 0; i < NOTIFY_KIND_COUNT; i++)
		if (o->mail_on & (1u << i))
			json_str(j, NULL, kind_names[i]);
	json_arr_close(j);
	json_uint(j, "webhooks", o->notify_url.n);
	json_str(j, "notify_format",
	    o->notify_format == NOTIFY_FORMAT_SLACK ? "slack" : "json");
	json_obj_close(j);
}

/* This machine's name, reduced to [A-Za-z0-9.-]; "localhost" if none. */
static char *
local_host(void)
{
	char buf[256], *p;
	size_t n = 0;

	if (gethostname(buf, sizeof buf) == -1)
		buf[0] = '\0';
	buf[sizeof buf - 1] = '\0';
	for (p = buf; *p != '\0'; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-')
			buf[n++] = *p;
	buf[n] = '\0';
	return xstrdup(n > 0 ? buf : "localhost");
}

/* LOGIN@HOST, the default sender. */
static char *
default_from(const char *host)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	const char *login = "distribute", *p;

	if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &res) == 0 &&
	    res != NULL && *res->pw_name != '\0') {
		for (p = res->pw_name; *p != '\0'; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
			    *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			    strchr("._-", *p) != NULL))
				break;
		if (*p == '\0')
			login = res->pw_name;
	}
	return xasprintf("%s@%s", login, host);
}

/* The first line of the password file, or $DISTRIBUTE_SMTP_PASSWORD. */
static int
read_password(const struct notify_opts *o, char **password, char **cause)
{
	const char *env = getenv(NOTIFY_PASSWORD_ENV);
	char *data = NULL;
	size_t len = 0, n;

	if (o->smtp_password_file == NULL) {
		if (env == NULL || *env == '\0')
			return set_cause(cause, "$%s is empty",
			    NOTIFY_PASSWORD_ENV);
		*password = xstrdup(env);
		return 0;
	}
	if (check_password_file(o->smtp_password_file, cause) != 0 ||
	    read_file(o->smtp_password_file, &data, &len, cause) != 0)
		return -1;
	n = strcspn(data, "\r\n");
	if (n == 0) {
		explicit_bzero(data, len);
		free(data);
		return set_cause(cause, "smtp-password-file '%s': empty "
		    "password", o->smtp_password_file);
	}
	*password = xstrndup(data, n);
	explicit_bzero(data, len);
	free(data);
	return 0;
}

static void
conf_free(struct notify_conf *c)
{
	sv_clear(&c->to);
	sv_clear(&c->urls);
	free(c->from);
	free(c->host);
	free(c->user);
	if (c->password != NULL) {
		explicit_bzero(c->password, strlen(c->password));
		free(c->password);
	}
	free(c->ca_file);
	free(c->msgid_host);
	memset(c, 0, sizeof *c);
}

static int
conf_init(struct notify_conf *c, const struct notify_opts *o, char **cause)
{
	memset(c, 0, sizeof *c);
	if (o->smtp_user != NULL && read_password(o, &c->password, cause) != 0)
		return -1;
	sv_copy(&c->to, &o->mail_to);
	sv_copy(&c->urls, &o->notify_url);
	c->msgid_host = local_host();
	c->from = o->mail_from != NULL ? xstrdup(o->mail_from) :
	    default_from(c->msgid_host);
	c->host = xstrdup(o->smtp_host != NULL ? o->smtp_host : "localhost");
	c->tls = opts_tls(o);
	c->port = o->smtp_port != 0 ? o->smtp_port :
	    c->tls == NOTIFY_TLS_TLS ? 465 : 25;
	c->user = o->smtp_user != NULL ? xstrdup(o->smtp_user) : NULL;
	c->ca_file = o->smtp_ca_file != NULL ? xstrdup(o->smtp_ca_file) : NULL;
	c->format = o->notify_format;
	c->events = o->mail_on;
	return 0;
}

static void
item_free(struct notify_item *it)
{
	if (it == NULL)
		return;
	free(it->data);
	free(it->what);
	free(it->error);
	free(it);
}

static void
items_free(struct notify_item *list)
{
	struct notify_item *next;

	for (; list != NULL; list = next) {
		next = list->next;
		item_free(list);
	}
}

static void
items_append(struct notify_item **list, struct notify_item *it)
{
	while (*list != NULL)
		list = &(*list)->next;
	it->next = NULL;
	*list = it;
}

static void
notify_free(struct notify *n)
{
	items_free(n->queue);
	items_free(n->failed);
	sv_clear(&n->notes);
	if (n->curl)
		curl_global_cleanup();
	conf_free(&n->conf);
	free(n->unsent_dir);
	pthread_cond_destroy(&n->wake);
	pthread_cond_destroy(&n->done);
	pthread_mutex_destroy(&n->mtx);
	free(n);
}

/* Drop one reference; the last one frees.  Called with the lock held. */
static void
notify_unref_locked(struct notify *n)
{
	int last = --n->refs == 0;

	pthread_mutex_unlock(&n->mtx);
	if (last)
		notify_free(n);
}

static void
abs_mono(struct timespec *ts, double t)
{
	ts->tv_sec = (time_t)t;
	ts->tv_nsec = (long)((t - (double)ts->tv_sec) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/*
 * The next item due, unlinked from the queue, with its time limit; NULL
 * when the sender should end: abandoned, or finishing and nothing left
 * that fits before the deadline.  Called and returns with the lock held.
 */
static struct notify_item *
sender_next(struct notify *n, double *limit)
{
	struct notify_item **pp, **best;
	struct timespec ts;
	double now;

	for (;;) {
		if (n->abandoned || (n->queue == NULL && n->finishing))
			return NULL;
		if (n->queue == NULL) {
			pthread_cond_wait(&n->wake, &n->mtx);
			continue;
		}
		best = &n->queue;
		for (pp = &n->queue; *pp != NULL; pp = &(*pp)->next)
			if ((*pp)->not_before < (*best)->not_before)
				best = pp;
		now = now_mono();
		*limit = NOTIFY_TRY_LIMIT;
		if (n->finishing) {
			double start = (*best)->not_before > now ?
			    (*best)->not_before : now;
			if (n->deadline - start < NOTIFY_TRY_MIN)
				return NULL;
			if (n->deadline - start < *limit)
				*limit = n->deadline - start;
		}
		if ((*best)->not_before <= now) {
			struct notify_item *it = *best;
			*best = it->next;
			it->next = NULL;
			return it;
		}
		abs_mono(&ts, (*best)->not_before);
		pthread_cond_timedwait(&n->wake, &n->mtx, &ts);
	}
}

/* One try of one item; 0 when delivered.  Runs without the lock. */
static int
sender_try(struct notify *n, struct notify_item *it, double limit)
{
	struct notify_try t = { limit, &n->stop, 0, NULL };
	char *cause = NULL;
	int rc;

	if (it->hook == 0)
		rc = notify_mail_send(&n->conf, it->data, &t, &cause);
	else
		rc = notify_hook_send(n->conf.urls.v[it->hook - 1], it->data,
		    &t, &cause);
	pthread_mutex_lock(&n->mtx);
	if (t.note != NULL)
		sv_pushf(&n->notes, "%s: %s", it->what, t.note);
	free(t.note);
	if (rc != 0) {
		free(it->error);
		it->error = cause != NULL ? cause : xstrdup("failed");
		cause = NULL;
		it->permanent = t.permanent;
	}
	free(cause);
	return rc;
}

/* After a try (lock held): done, retry later or give up. */
static void
sender_settle(struct notify *n, struct notify_item *it, int rc)
{
	static const double backoff[] = { 1, 4 };

	if (rc == 0 || n->abandoned) {
		item_free(it);
		return;
	}
	if (++it->tries >= NOTIFY_TRIES || it->permanent) {
		items_append(&n->failed, it);
		return;
	}
	it->not_before = now_mono() + backoff[it->tries - 1];
	items_append(&n->queue, it);
}

static void *
sender_main(void *arg)
{
	struct notify *n = arg;
	struct notify_item *it;
	double limit;
	int rc;

	pthread_mutex_lock(&n->mtx);
	while ((it = sender_next(n, &limit)) != NULL) {
		n->inflight = it;
		pthread_mutex_unlock(&n->mtx);
		rc = sender_try(n, it, limit);	/* returns locked */
		n->inflight = NULL;
		sender_settle(n, it, rc);
	}
	n->sender_done = 1;
	pthread_cond_broadcast(&n->done);
	notify_unref_locked(n);
	return NULL;
}

static struct notify *
notify_new(void)
{
	struct notify *n = xcalloc(1, sizeof *n);
	pthread_condattr_t ca;

	pthread_mutex_init(&n->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&n->wake, &ca);
	pthread_cond_init(&n->done, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&n->stop, 0);
	n->refs = 1;
	return n;
}

struct notify *
notify_start(const struct notify_opts *o, const char *unsent_dir,
    char **cause)
{
	struct notify *n;
	int err;

	if (notify_opts_check(o, cause) != 0)
		return NULL;
	n = notify_new();
	if (!notify_opts_enabled(o))
		return n;
	if (conf_init(&n->conf, o, cause) != 0) {
		notify_free(n);
		return NULL;
	}
	n->unsent_dir = xstrdup(unsent_dir);
	if (n->conf.urls.n > 0 || (n->conf.to.n > 0 &&
	    n->conf.tls == NOTIFY_TLS_TLS)) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			set_cause(cause, "cannot initialize libcurl");
			notify_free(n);
			return NULL;
		}
		n->curl = 1;
	}
	n->refs = 2;
	if ((err = pthread_create(&n->thread, NULL, sender_main, n)) != 0) {
		set_cause(cause, "cannot start the notify thread: %s",
		    strerror(err));
		notify_free(n);
		return NULL;
	}
	n->started = 1;
	return n;
}

int
notify_wants(const struct notify *n, enum notify_kind kind)
{
	return n != NULL && n->started && (unsigned)kind < NOTIFY_KIND_COUNT &&
	    (n->conf.events & (1u << kind)) != 0;
}

static struct notify_item *
item_new(const struct notify_event *ev, int hook, char *data)
{
	struct notify_item *it = xcalloc(1, sizeof *it);
	char *job = ev->job != NULL && ev->kind != NOTIFY_RUN_DONE ?
	    notify_clean(ev->job, 0) : NULL;
	char *via = hook == 0 ? xstrdup("mail") :
	    xasprintf("webhook #%d", hook);

	it->hook = hook;
	it->data = data;
	if (job != NULL)
		it->what = xasprintf("%s %s for '%s'", notify_kind_name(ev->kind),
		    via, job);
	else
		it->what = xasprintf("%s %s", notify_kind_name(ev->kind), via);
	it->not_before = now_mono();
	free(job);
	free(via);
	return it;
}

void
notify_post(struct notify *n, const struct notify_event *ev)
{
	struct notify_item *list = NULL;
	char *body;
	size_t i;

	if (!notify_wants(n, ev->kind))
		return;
	if (n->conf.to.n > 0)
		items_append(&list, item_new(ev, 0,
		    notify_mail_build(&n->conf, ev)));
	if (n->conf.urls.n > 0) {
		body = notify_hook_body(ev, n->conf.format);
		for (i = 0; i < n->conf.urls.n; i++)
			items_append(&list, item_new(ev, (int)i + 1,
			    xstrdup(body)));
		free(body);
	}
	pthread_mutex_lock(&n->mtx);
	while (list != NULL) {
		struct notify_item *it = list;
		list = it->next;
		it->seq = n->seq++;
		items_append(&n->queue, it);
	}
	pthread_cond_signal(&n->wake);
	pthread_mutex_unlock(&n->mtx);
}

/* Save an unsent message as DIR/unsent-N.eml (the first N free). */
static char *
save_unsent(const char *dir, const char *data, char **cause)
{
	size_t len = strlen(data), off = 0;
	char *path = NULL;
	unsigned i;
	ssize_t w;
	int fd = -1;

	if (mkdir_p(dir, 0755, cause) != 0)
		return NULL;
	for (i = 1; fd == -1 && i < 100000; i++) {
		free(path);
		path = xasprintf("%s/unsent-%u.eml", dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd == -1 && errno != EEXIST)
			break;
	}
	while (fd != -1 && off < len) {
		if ((w = write(fd, data + off, len - off)) == -1 &&
		    errno == EINTR)
			continue;
		if (w == -1)
			break;
		off += (size_t)w;
	}
	if (fd == -1 || off < len || close(fd) == -1) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		if (fd != -1)
			unlink(path);
		free(path);
		return NULL;
	}
	return path;
}

/* One warning line for an undelivered item; saves it if it is mail. */
static void
report_unsent(const struct notify *n, const struct notify_item *it,
    const char *reason, struct strvec *warnings)
{
	char *path = NULL, *cause = NULL;

	if (it->hook == 0 && n->unsent_dir != NULL &&
	    (path = save_unsent(n->unsent_dir, it->data, &cause)) == NULL)
		sv_pushf(warnings, "%s: %s; not saved: %s", it->what, reason,
		    cause);
	else if (path != NULL)
		sv_pushf(warnings, "%s: %s; saved as %s", it->what, reason,
		    path);
	else
		sv_pushf(warnings, "%s: %s", it->what, reason);
	free(path);
	free(cause);
}

static size_t
items_count(const struct notify_item *list)
{
	size_t c = 0;

	for (; list != NULL; list = list->next)
		c++;
	return c;
}

static int
item_cmp(const void *a, const void *b)
{
	const struct notify_item *x = *(struct notify_item *const *)a;
	const struct notify_item *y = *(struct notify_item *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Unlink every item of list into v (from *count on), marked state. */
static void
take_items(struct notify_item **v, size_t *count, struct notify_item *list,
    int state)
{
	for (; list != NULL; list = list->next) {
		list->state = state;
		v[(*count)++] = list;
	}
}

static char *
unsent_reason(const struct notify_item *it, unsigned bound)
{
	if (it->state == ITEM_GIVEN_UP)
		return xasprintf("%s (%d %s)", it->error, it->tries,
		    it->tries == 1 ? "try" : "tries");
	if (it->state == ITEM_INFLIGHT)
		return xasprintf("still being sent after %us (it may arrive "
		    "later)", bound);
	if (it->error != NULL)
		return xasprintf("not sent within the %us wait (%d %s, last "
		    "error: %s)", bound, it->tries, it->tries == 1 ? "try" :
		    "tries", it->error);
	return xasprintf("not sent within the %us wait", bound);
}

/* Report (and save) what is left, in posting order; frees it. */
static size_t
report_left(const struct notify *n, struct notify_item *failed,
    struct notify_item *queue, struct notify_item *inflight, unsigned bound,
    struct strvec *warnings)
{
	size_t count = 0, i, max;
	struct notify_item **v;
	char *reason;

	max = items_count(failed) + items_count(queue) + 1;
	v = xcalloc(max, sizeof *v);
	take_items(v, &count, failed, ITEM_GIVEN_UP);
	take_items(v, &count, queue, ITEM_WAITING);
	take_items(v, &count, inflight, ITEM_INFLIGHT);
	qsort(v, count, sizeof *v, item_cmp);
	for (i = 0; i < count; i++) {
		reason = unsent_reason(v[i], bound);
		report_unsent(n, v[i], reason, warnings);
		free(reason);
		item_free(v[i]);
	}
	free(v);
	return count;
}

/* Wait for the sender until it ends or the bound; 1 if it ended. */
static int
wait_sender(struct notify *n, unsigned bound)
{
	struct timespec ts;

	n->finishing = 1;
	n->deadline = now_mono() + (double)bound;
	pthread_cond_broadcast(&n->wake);
	abs_mono(&ts, n->deadline);
	while (!n->sender_done) {
		if (n->queue == NULL && n->inflight == NULL) {
			/* idle: it ends at once */
			pthread_cond_wait(&n->done, &n->mtx);
			continue;
		}
		if (now_mono() >= n->deadline ||
		    pthread_cond_timedwait(&n->done, &n->mtx, &ts) == ETIMEDOUT)
			break;
	}
	if (n->sender_done)
		return 1;
	n->abandoned = 1;
	atomic_store(&n->stop, 1);
	pthread_cond_broadcast(&n->wake);
	/* between tries it ends at once; within one, leave it behind */
	while (!n->sender_done && n->inflight == NULL)
		pthread_cond_wait(&n->done, &n->mtx);
	return n->sender_done;
}

int
notify_finish(struct notify *n, unsigned bound, struct strvec *warnings)
{
	struct notify_item *queue, *failed, *inflight = NULL;
	struct strvec sink = STRVEC_INIT;
	size_t unsent;
	int ended;

	if (n == NULL)
		return 0;
	if (!n->started) {
		notify_free(n);
		return 0;
	}
	if (warnings == NULL)
		warnings = &sink;
	pthread_mutex_lock(&n->mtx);
	ended = wait_sender(n, bound);
	queue = n->queue;
	failed = n->failed;
	n->queue = n->failed = NULL;
	if (n->inflight != NULL) {
		inflight = xcalloc(1, sizeof *inflight);
		inflight->hook = n->inflight->hook;
		inflight->data = xstrdup(n->inflight->data);
		inflight->what = xstrdup(n->inflight->what);
		inflight->seq = n->inflight->seq;
	}
	sv_copy(warnings, &n->notes);
	if (!ended)
		n->curl = 0;	/* the sender may still use it */
	pthread_mutex_unlock(&n->mtx);

	if (ended)
		pthread_join(n->thread, NULL);
	else
		pthread_detach(n->thread);
	unsent = report_left(n, failed, queue, inflight, bound, warnings);
	sv_clear(&sink);
	pthread_mutex_lock(&n->mtx);
	notify_unref_locked(n);
	return unsent > INT_MAX ? INT_MAX : (int)unsent;
}
