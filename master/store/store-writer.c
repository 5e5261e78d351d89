/*
 * store-writer.c - the run's writes to the store, done by one thread with
 * its own connection, so that a slow or absent store never slows the
 * scheduler: posting only queues.  The store is opened by the thread on
 * its first item; the first failure is reported once (fail callback) and
 * what follows is dropped: `distribute import` catches up.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/lib.h"
#include "store/store-internal.h"
#include "store/store.h"

struct witem {
	struct witem	*next;
	char		*job;		/* NULL: the run row */
	size_t		 hint;		/* its index in run.json's jobs */
};

struct store_writer {
	pthread_t	 thread;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cond;
	struct witem	*head, *tail;
	int		 stop;		/* finish asked */
	int		 done;		/* the thread is out of its loop */
	int		 abandoned;	/* finish gave up: the thread frees */
	int		 in_fail;	/* fail() is being called */
	char		*url, *run_dir;
	char		*cause;		/* the first failure */
	void		(*fail)(void *, const char *);
	void		*arg;
	struct db	*db;
	struct jv	*run;		/* run.json, parsed once per change */
	struct timespec	 run_mtime;
};

static void
writer_free(struct store_writer *w)
{
	struct witem *it;

	while ((it = w->head) != NULL) {
		w->head = it->next;
		free(it->job);
		free(it);
	}
	db_close(w->db);
	jv_free(w->run);
	free(w->url);
	free(w->run_dir);
	free(w->cause);
	pthread_mutex_destroy(&w->mtx);
	pthread_cond_destroy(&w->cond);
	free(w);
}

/* run.json, parsed again only when it changed (it is rewritten at most
 * once a second, and may list many jobs). */
static const struct jv *
writer_run_json(struct store_writer *w, char **cause)
{
	char *path = xasprintf("%s/run.json", w->run_dir);
	struct stat st;
	int same;

	same = w->run != NULL && stat(path, &st) == 0 &&
	    st.st_mtim.tv_sec == w->run_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == w->run_mtime.tv_nsec;
	free(path);
	if (same)
		return w->run;
	jv_free(w->run);
	w->run = NULL;
	path = xasprintf("%s/run.json", w->run_dir);
	if (stat(path, &st) == 0)
		w->run_mtime = st.st_mtim;
	free(path);
	w->run = store_load_run(w->run_dir, cause);
	return w->run;
}

static int
writer_put(struct store_writer *w, const struct witem *it, char **cause)
{
	const struct jv *run, *jb;

	if (w->db == NULL && store_open(w->url, &w->db, cause) == -1)
		return -1;
	if ((run = writer_run_json(w, cause)) == NULL)
		return -1;
	if (it->job == NULL)
		return store_put_run_jv(w->db, w->run_dir, run, cause);
	if ((jb = store_run_job(run, it->job, it->hint)) == NULL)
		return set_cause(cause, "%s/run.json: no job '%s'", w->run_dir,
		    it->job);
	return store_put_job_jb(w->db, w->run_dir, run, jb, NULL, cause);
}

/* Write one item; on the first failure, say so once. */
static void
writer_do(struct store_writer *w, struct witem *it)
{
	char *cause = NULL;
	int r;

	if (w->cause != NULL)
		return;		/* dropped: import catches up */
	r = writer_put(w, it, &cause);
	if (r == 0)
		return;
	if (cause == NULL)
		cause = xstrdup("unknown error");
	pthread_mutex_lock(&w->mtx);
	w->cause = cause;
	/* never after finish gave up on us: the caller's arg may be gone */
	w->in_fail = !w->abandoned && w->fail != NULL;
	pthread_mutex_unlock(&w->mtx);
	if (!w->in_fail)
		return;
	w->fail(w->arg, cause);
	pthread_mutex_lock(&w->mtx);
	w->in_fail = 0;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->mtx);
}

static void *
writer_main(void *arg)
{
	struct store_writer *w = arg;
	struct witem *it;
	int abandoned;

	pthread_mutex_lock(&w->mtx);
	for (;;) {
		while (w->head == NULL && !w->stop)
			pthread_cond_wait(&w->cond, &w->mtx);
		if ((it = w->head) == NULL)
			break;	/* stop, and the queue is empty */
		w->head = it->next;
		if (w->head == NULL)
			w->tail = NULL;
		pthread_mutex_unlock(&w->mtx);
		writer_do(w, it);
		free(it->job);
		free(it);
		pthread_mutex_lock(&w->mtx);
	}
	w->done = 1;
	abandoned = w->abandoned;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->mtx);
	if (abandoned)
		writer_free(w);
	return NULL;
}

struct store_writer *
store_writer_start(const char *url, const char *run_dir,
    void (*fail)(void *, const char *), void *arg)
{
	struct store_writer *w = xcalloc(1, sizeof *w);

	pthread_mutex_init(&w->mtx, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->url = xstrdup(url);
	w->run_dir = xstrdup(run_dir);
	w->fail = fail;
	w->arg = arg;
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		w->cause = xstrdup("cannot start the store thread");
		w->done = 1;
		if (fail != NULL)
			fail(arg, w->cause);
	}
	return w;
}

static void
writer_post(struct store_writer *w, const char *job, size_t hint)
{
	struct witem *it;

	if (w == NULL)
		return;
	it = xcalloc(1, sizeof *it);
	it->job = job != NULL ? xstrdup(job) : NULL;
	it->hint = hint;
	pthread_mutex_lock(&w->mtx);
	if (w->tail != NULL)
		w->tail->next = it;
	else
		w->head = it;
	w->tail = it;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->mtx);
}

void
store_writer_run(struct store_writer *w)
{
	writer_post(w, NULL, 0);
}

void
store_writer_job(struct store_writer *w, const char *job_id, size_t index)
{
	writer_post(w, job_id, index);
}

int
store_writer_finish(struct store_writer *w, unsigned wait_s, char **cause)
{
	struct timespec until;
	int rc = 0, started;

	if (w == NULL)
		return 0;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_s;
	pthread_mutex_lock(&w->mtx);
	started = !w->done;
	w->stop = 1;
	pthread_cond_broadcast(&w->cond);
	while (!w->done)
		if (pthread_cond_timedwait(&w->cond, &w->mtx, &until) ==
		    ETIMEDOUT)
			break;
	while (w->in_fail)	/* a short call: let it end */
		pthread_cond_wait(&w->cond, &w->mtx);
	if (!w->done) {
		/* stuck in the store (a network one): leave it behind */
		w->abandoned = 1;
		set_cause(cause, "%s: no answer within %u s", w->url, wait_s);
		pthread_mutex_unlock(&w->mtx);
		pthread_detach(w->thread);
		return -1;
	}
	if (w->cause != NULL)
		rc = set_cause(cause, "%s", w->cause);
	pthread_mutex_unlock(&w->mtx);
	if (started)
		pthread_join(w->thread, NULL);
	writer_free(w);
	return rc;
}
