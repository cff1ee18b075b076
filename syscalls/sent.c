/*
 * Files whose fd went to the command with the answer itself
 * (ADDFD_FLAG_SEND), while our own copy of the fd is not closed yet.
 *
 * Why: the command runs on as soon as the answer goes (on the server's CPU
 * first: SYNC_WAKE_UP), before the server gets to close its copy, which
 * keeps the open file alive: a flock or OFD lock taken through the
 * command's fd outlives the command's close, and a writable file cannot
 * be executed (ETXTBSY).  Neither is the command's doing.  So an exec of
 * such a file, and a lock call on it, wait until the copy is closed (a
 * lock taken after that lives as long as the command's own fds).  A server
 * holds at most one at a time; beyond SENT_MAX at once (a pool that
 * large, all answering opens) an fd is installed and our copy closed
 * before the answer goes, as with watches (tracee.c req_addfd).
 *
 * Locking: one mutex (a leaf) guards the set; waiters sleep on its
 * condition.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include "ovlrun/syscalls.h"

#define SENT_MAX 64

struct sent {
	pthread_mutex_t lock;
	pthread_cond_t closed;          /* broadcast when one leaves the set */
	int n;
	struct { dev_t dev; ino_t ino; } held[SENT_MAX];
};

struct sent *sent_new(void)
{
	struct sent *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->closed, NULL);
	return w;
}

void sent_free(struct sent *w)
{
	if (!w)
		return;
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->closed);
	free(w);
}

int sent_add(struct sent *w, dev_t dev, ino_t ino)
{
	int err = -ENOSPC;
	pthread_mutex_lock(&w->lock);
	if (w->n < SENT_MAX) {
		w->held[w->n].dev = dev;
		w->held[w->n++].ino = ino;
		err = 0;
	}
	pthread_mutex_unlock(&w->lock);
	return err;
}

void sent_del(struct sent *w, dev_t dev, ino_t ino)
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

static bool held(const struct sent *w, dev_t dev, ino_t ino)
{
	for (int i = 0; i < w->n; i++)
		if (w->held[i].dev == dev && w->held[i].ino == ino)
			return true;
	return false;
}

void sent_wait(struct sent *w, dev_t dev, ino_t ino)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	while (held(w, dev, ino))
		pthread_cond_wait(&w->closed, &w->lock);
	pthread_mutex_unlock(&w->lock);
}
