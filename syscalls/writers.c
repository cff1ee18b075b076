/*
 * Writable files whose fd went to the command with the answer itself
 * (ADDFD_FLAG_SEND), while our own copy of the fd is not closed yet.
 *
 * Why: the command runs on as soon as the answer goes (on the server's
 * CPU first: SYNC_WAKE_UP), and may write the file, close it and have it
 * executed before the server gets to close its copy; an open file with
 * write access makes an exec of it fail with ETXTBSY, which the command's
 * own close would not explain (cp, then run it; a linker, then the test).
 * An exec of such a file waits until the copy is closed; a server holds at
 * most one at a time, so the set is as large as the pool at most.
 *
 * Locking: one mutex (a leaf) guards the set; exec waits on its condition.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include "ovlrun/syscalls.h"

#define WRITERS_MAX 64

struct writers {
	pthread_mutex_t lock;
	pthread_cond_t closed;          /* broadcast when one leaves the set */
	int n;
	struct { dev_t dev; ino_t ino; } held[WRITERS_MAX];
};

struct writers *writers_new(void)
{
	struct writers *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->closed, NULL);
	return w;
}

void writers_free(struct writers *w)
{
	if (!w)
		return;
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->closed);
	free(w);
}

int writers_add(struct writers *w, dev_t dev, ino_t ino)
{
	int err = -ENOSPC;
	pthread_mutex_lock(&w->lock);
	if (w->n < WRITERS_MAX) {
		w->held[w->n].dev = dev;
		w->held[w->n++].ino = ino;
		err = 0;
	}
	pthread_mutex_unlock(&w->lock);
	return err;
}

void writers_del(struct writers *w, dev_t dev, ino_t ino)
{
	pthread_mutex_lock(&w->lock);
	for (int i = 0; i < w->n; i++) {
		if (w->held[i].dev == dev && w->held[i].ino == ino) {
			w->held[i] = w->held[--w->n];
			break;
		}
	}
	pthread_cond_broadcast(&w->closed);
	pthread_mutex_unlock(&w->lock);
}

static bool held(const struct writers *w, dev_t dev, ino_t ino)
{
	for (int i = 0; i < w->n; i++)
		if (w->held[i].dev == dev && w->held[i].ino == ino)
			return true;
	return false;
}

void writers_wait(struct writers *w, dev_t dev, ino_t ino)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	while (held(w, dev, ino))
		pthread_cond_wait(&w->closed, &w->lock);
	pthread_mutex_unlock(&w->lock);
}
