/*
 * ssh-watch.c - cut a connection whose peer has sent nothing for too long.
 *
 * libssh 0.10 waits for ever in SFTP calls (and in any blocking read with
 * its default timeout): against a stopped sshd, whose kernel still ACKs
 * every segment so that TCP_USER_TIMEOUT never fires, the machine's thread
 * would hang.  A watched connection is looked at twice a second by one
 * thread for the whole process; when the kernel has received no data on
 * it for the given time (TCP_INFO's tcpi_last_data_recv), the socket is
 * shut down, so that the blocked call fails as a lost connection.
 * Callers arm the watch only where the peer is bound to talk: while the
 * agent answers pings, SFTP replies; not while a lock is waited for.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "lib/lib.h"
#include "ssh/ssh-internal.h"

#define WATCH_TICK_MS	500

struct watch {
	const struct dist_ssh *s;
	int		 fd;
	int		 secs;		/* 0: no longer watched */
	int		 cut;		/* shut down after cut s of silence */
	double		 since;		/* mono time it was (re)armed */
	struct watch	*next;
};

static pthread_mutex_t watch_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct watch *watched;
static pthread_once_t watch_once = PTHREAD_ONCE_INIT;

/* Milliseconds since the kernel last received data on fd; -1 unknown
 * (not TCP: a ProxyCommand pipe). */
static long
silent_ms(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		return -1;
	return (long)ti.tcpi_last_data_recv;
}

static void
watch_tick(void)
{
	struct watch *w;
	long ms;

	pthread_mutex_lock(&watch_mtx);
	for (w = watched; w != NULL; w = w->next) {
		if (w->secs <= 0 || w->cut)
			continue;
		ms = silent_ms(w->fd);
		/* silent since before it was armed counts from then */
		if (ms >= 0 && ms > w->secs * 1000L &&
		    now_mono() - w->since > w->secs) {
			shutdown(w->fd, SHUT_RDWR);
			w->cut = w->secs;
		}
	}
	pthread_mutex_unlock(&watch_mtx);
}

static void *
watch_main(void *arg)
{
	struct timespec ts = { 0, WATCH_TICK_MS * 1000000L };

	(void)arg;
	for (;;) {
		nanosleep(&ts, NULL);
		watch_tick();
	}
	return NULL;
}

static void
watch_start(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, watch_main, NULL) != 0)
		warn("cannot start the ssh watch thread: frozen machines may "
		    "hang SFTP transfers");
	else
		pthread_detach(t);
}

/* The entry of s (watch_mtx held), or NULL. */
static struct watch **
watch_find(const struct dist_ssh *s)
{
	struct watch **wp;

	for (wp = &watched; *wp != NULL; wp = &(*wp)->next)
		if ((*wp)->s == s)
			return wp;
	return NULL;
}

void
dssh_watch(struct dist_ssh *s, int secs)
{
	struct watch **wp, *w;
	int fd = ssh_get_fd(s->session);

	if (secs > 0)
		pthread_once(&watch_once, watch_start);
	pthread_mutex_lock(&watch_mtx);
	if ((wp = watch_find(s)) != NULL) {
		(*wp)->secs = secs;
		(*wp)->since = now_mono();
	} else if (secs > 0 && fd >= 0) {
		w = xcalloc(1, sizeof *w);
		w->s = s;
		w->fd = fd;
		w->secs = secs;
		w->since = now_mono();
		w->next = watched;
		watched = w;
	}
	pthread_mutex_unlock(&watch_mtx);
}

int
dssh_watch_cut(const struct dist_ssh *s)
{
	struct watch **wp;
	int cut = 0;

	pthread_mutex_lock(&watch_mtx);
	if ((wp = watch_find(s)) != NULL)
		cut = (*wp)->cut;
	pthread_mutex_unlock(&watch_mtx);
	return cut;
}

/* Before the session's socket is closed: never shut down a reused fd. */
void
dssh_watch_forget(const struct dist_ssh *s)
{
	struct watch **wp, *w;

	pthread_mutex_lock(&watch_mtx);
	if ((wp = watch_find(s)) != NULL) {
		w = *wp;
		*wp = w->next;
		free(w);
	}
	pthread_mutex_unlock(&watch_mtx);
}
