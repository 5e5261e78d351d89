/*
 * notify-hook.c - webhooks: an event as a JSON body (our own fields, or
 * Slack's {"text": ...}) POSTed with libcurl.  A URL is a secret: it is
 * never part of a cause.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "notify/notify.h"

#define HOOK_TIMEOUT		10.0	/* seconds, a whole POST */
#define HOOK_CONNECT_TIMEOUT	5.0

static int
abort_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	struct notify_try *t = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return t->stop != NULL && atomic_load(t->stop) != 0;
}

void
notify_curl_setup(void *curl, struct notify_try *t)
{
	double total = t->limit < HOOK_TIMEOUT ? t->limit : HOOK_TIMEOUT;
	double conn = total < HOOK_CONNECT_TIMEOUT ? total :
	    HOOK_CONNECT_TIMEOUT;

	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(total * 1000));
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)(conn * 1000));
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, abort_cb);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, t);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "distribute/" DIST_VERSION);
}

static void
json_clean(struct json *j, const char *key, const char *value)
{
	char *v;

	if (value == NULL) {
		json_null(j, key);
		return;
	}
	v = notify_clean(value, 0);
	json_str(j, key, v);
	free(v);
}

static void
hook_fields(struct json *j, const struct notify_event *ev)
{
	int run = ev->kind == NOTIFY_RUN_DONE;

	json_str(j, "event", notify_kind_name(ev->kind));
	json_clean(j, "run_id", ev->run_id);
	json_clean(j, "name", ev->run_name);
	json_clean(j, "job", run ? NULL : ev->job);
	json_clean(j, "machine", run ? NULL : ev->machine);
	if (run || ev->attempts <= 0)
		json_null(j, "attempts");
	else
		json_int(j, "attempts", ev->attempts);
	if (run || ev->exit_code == NOTIFY_NO_EXIT)
		json_null(j, "exit_code");
	else
		json_int(j, "exit_code", ev->exit_code);
	json_double(j, "duration", run ? ev->elapsed : ev->duration);
	json_clean(j, "results", ev->results);
	if (run) {
		json_uint(j, "ok", ev->ok);
		json_uint(j, "failed", ev->failed);
		json_uint(j, "total", ev->total);
	} else {
		json_null(j, "ok");
		json_null(j, "failed");
		json_null(j, "total");
	}
}

char *
notify_hook_body(const struct notify_event *ev, enum notify_format fmt)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	char *text = notify_summary(ev);

	json_init(&j, &sb, 0);
	json_obj_open(&j, NULL);
	if (fmt == NOTIFY_FORMAT_JSON)
		hook_fields(&j, ev);
	json_str(&j, "text", text);
	json_obj_close(&j);
	free(text);
	return sb_detach(&sb);
}

static size_t
discard_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	(void)buf;
	(void)arg;
	return size * nitems;
}

int
notify_hook_send(const char *url, const char *body, struct notify_try *t,
    char **cause)
{
	struct curl_slist *hdr = NULL;
	CURL *curl = curl_easy_init();
	CURLcode res;
	long code = 0;

	if (curl == NULL)
		return set_cause(cause, "cannot create a libcurl handle");
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	notify_curl_setup(curl, t);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)strlen(body));
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard_cb);
	res = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(curl);
	curl_slist_free_all(hdr);
	if (res != CURLE_OK)
		return set_cause(cause, "%s", curl_easy_strerror(res));
	if (code < 200 || code > 299) {
		/* a 4xx will not change by itself (429: too many requests) */
		t->permanent = code >= 400 && code < 500 && code != 429 &&
		    code != 408;
		return set_cause(cause, "HTTP %ld", code);
	}
	return 0;
}
