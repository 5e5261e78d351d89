/*
 * store-writer.c - the run's writes to the store, done by one thread with
 * its own connection, so that a slow or absent store never slows the
 * scheduler: posting only queues.  The store is opened by the thread on
 * its first item; the first failure is reported once (fail callback) and
 * what follows is dropped: `distribute import` catches up.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/lib.h"
#include "store/store.h"

struct witem {
	struct witem	*next;
	char		*job;		/* NULL: the run row */
};

struct store_writer {
	pthread_t	 thread;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cond;
	struct witem	*head, *tail;
	int		 stop;		/* finish asked */
	int		 done;		/* the thread is out of its loop */
	int		 abandoned;	/* finish gave up: the thread frees */
	char		*url, *run_dir;
	char		*cause;		/* the first failure */
	void		(*fail)(void *, const char *);
	void		*arg;
	struct db	*db;
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
	free(w->url);
	free(w->run_dir);
	free(w->cause);
	pthread_mutex_destroy(&w->mtx);
	pthread_cond_destroy(&w->cond);
	free(w);
}

/* Write one item; on the first failure, say so once. */
static void
writer_do(struct store_writer *w, struct witem *it)
{
	char *cause = NULL;
	int r;

	if (w->cause != NULL)
		return;		/* dropped: import catches up */
	if (w->db == NULL && store_open(w->url, &w->db, &cause) == -1)
		r = -1;
	else if (it->job == NULL)
		r = store_put_run(w->db, w->run_dir, &cause);
	else
		r = store_put_job(w->db, w->run_dir, it->job, &cause);
	if (r == 0)
		return;
	if (cause == NULL)
		cause = xstrdup("unknown error");
	pthread_mutex_lock(&w->mtx);
	w->cause = cause;
	pthread_mutex_unlock(&w->mtx);
	if (w->fail != NULL)
		w->fail(w->arg, cause);
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
writer_post(struct store_writer *w, const char *job)
{
	struct witem *it;

	if (w == NULL)
		return;
	it = xcalloc(1, sizeof *it);
	it->job = job != NULL ? xstrdup(job) : NULL;
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
	writer_post(w, NULL);
}

void
store_writer_job(struct store_writer *w, const char *job_id)
{
	writer_post(w, job_id);
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
