/* The threads' credentials and cwds between their calls (tasks.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ovlrun/tasks.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

/* An overlay dir kept between calls, good while the fs generation is. */
struct kept_dir {
	char *canon;                    /* canonical overlay path; NULL: not known */
	uint64_t gen;                   /* fs generation it was read at */
};

struct task {
	pthread_mutex_t lock;           /* guards the rest of the slot; see tasks.h */
	pid_t tid;                      /* 0: a free slot */
	int pidfd;                      /* of this very thread (PIDFD_THREAD) */
	struct tasks_gen gen;           /* as of which changes the entry was read */
	struct task_ids ids;
	struct kept_dir cwd;
	/* the dir fd of its last relative call: the tracee's number, the
	 * mirror dir it held, its overlay dir */
	int dirfd;
	struct tasks_dir dirfd_obj;
	struct kept_dir dir;
};

/* Under the slot's lock: kept's path into canon if it is still good. */
static bool kept_get(const struct kept_dir *kept, uint64_t fs, char *canon)
{
	if (!kept->canon || kept->gen != fs)
		return false;
	strcpy(canon, kept->canon);
	return true;
}

/* Under the slot's lock: kept takes copy (its own now). */
static void kept_set(struct kept_dir *kept, char *copy, uint64_t gen)
{
	free(kept->canon);
	kept->canon = copy;
	kept->gen = gen;
}

struct tasks {
	_Atomic uint64_t cred_gen, fs_gen;
	struct task slots[TASKS_SLOTS];
};

struct tasks *tasks_new(void)
{
	struct tasks *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	for (int i = 0; i < TASKS_SLOTS; i++) {
		pthread_mutex_init(&t->slots[i].lock, NULL);
		t->slots[i].pidfd = -1;
	}
	return t;
}

/* Under the slot's lock (or alone): the slot is free. */
static void slot_clear(struct task *k)
{
	if (k->pidfd >= 0)
		close(k->pidfd);
	free(k->cwd.canon);
	free(k->dir.canon);
	k->tid = 0;
	k->pidfd = -1;
	k->gen = (struct tasks_gen){ 0, 0 };
	k->ids = (struct task_ids){ 0 };
	k->cwd = k->dir = (struct kept_dir){ NULL, 0 };
	k->dirfd = 0;
	k->dirfd_obj = (struct tasks_dir){ 0, 0, 0 };
}

void tasks_free(struct tasks *t)
{
	if (!t)
		return;
	for (int i = 0; i < TASKS_SLOTS; i++) {
		slot_clear(&t->slots[i]);
		pthread_mutex_destroy(&t->slots[i].lock);
	}
	free(t);
}

static struct task *slot_of(struct tasks *t, pid_t tid)
{
	/* consecutive tids land in consecutive slots */
	return &t->slots[(unsigned)tid % TASKS_SLOTS];
}

void tasks_gen_now(struct tasks *t, struct tasks_gen *g)
{
	if (!t) {
		*g = (struct tasks_gen){ 0, 0 };
		return;
	}
	g->cred = atomic_load(&t->cred_gen);
	g->fs = atomic_load(&t->fs_gen);
}

void tasks_changed(struct tasks *t, unsigned what)
{
	if (!t)
		return;
	if (what & TASKS_CRED)
		atomic_fetch_add(&t->cred_gen, 1);
	if (what & TASKS_FS)
		atomic_fetch_add(&t->fs_gen, 1);
}

/* The thread behind pidfd still lives: then it is the caller, the only
 * live thread with this tid. */
static bool alive(int pidfd)
{
	return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}

int tasks_ids(struct tasks *t, pid_t tid, struct task_ids *ids, bool *umask_ok)
{
	if (!t)
		return -ENOENT;
	struct tasks_gen now;
	tasks_gen_now(t, &now);
	struct task *k = slot_of(t, tid);
	int err = -ENOENT;
	/* the check under the lock: a thread whose tid shares the slot may
	 * replace the entry, and close its pidfd, at any time */
	pthread_mutex_lock(&k->lock);
	if (k->tid == tid && k->gen.cred == now.cred && alive(k->pidfd)) {
		*ids = k->ids;
		*umask_ok = k->ids.single && k->gen.fs == now.fs;
		err = 0;
	}
	pthread_mutex_unlock(&k->lock);
	return err;
}

/* Under the slot's lock: it holds tid, the live thread. */
static bool holds(const struct task *k, pid_t tid)
{
	return k->tid == tid && k->pidfd >= 0 && alive(k->pidfd);
}

void tasks_put_ids(struct tasks *t, pid_t tid, const struct task_ids *ids,
		   const struct tasks_gen *g)
{
	if (!t)
		return;
	struct task *k = slot_of(t, tid);
	pthread_mutex_lock(&k->lock);
	bool same = holds(k, tid);
	pthread_mutex_unlock(&k->lock);
	int pidfd = -1;
	if (!same && (pidfd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD)) < 0)
		return;  /* gone, or no thread pidfds (Linux < 6.9): nothing kept */
	pthread_mutex_lock(&k->lock);
	if (pidfd >= 0) {
		slot_clear(k);
		k->tid = tid;
		k->pidfd = pidfd;
	}
	if (k->tid == tid) {            /* unless a slot-mate took it meanwhile */
		k->ids = *ids;
		k->gen = *g;
	}
	pthread_mutex_unlock(&k->lock);
}

int tasks_cwd(struct tasks *t, pid_t tid, char *canon)
{
	if (!t)
		return -ENOENT;
	uint64_t fs = atomic_load(&t->fs_gen);
	struct task *k = slot_of(t, tid);
	pthread_mutex_lock(&k->lock);
	bool kept = k->tid == tid && k->ids.single && kept_get(&k->cwd, fs, canon);
	pthread_mutex_unlock(&k->lock);
	return kept ? 0 : -ENOENT;
}

void tasks_put_cwd(struct tasks *t, pid_t tid, const char *canon, const struct tasks_gen *g)
{
	if (!t)
		return;
	struct task *k = slot_of(t, tid);
	char *copy = strdup(canon);
	pthread_mutex_lock(&k->lock);
	if (copy && k->tid == tid && k->ids.single) {
		kept_set(&k->cwd, copy, g->fs);
		copy = NULL;
	}
	pthread_mutex_unlock(&k->lock);
	free(copy);
}

static bool same_dir(const struct tasks_dir *a, const struct tasks_dir *b)
{
	return a->mnt_id == b->mnt_id && a->dev == b->dev && a->ino == b->ino;
}

int tasks_dirfd(struct tasks *t, pid_t tid, int fd, const struct tasks_dir *now, char *canon)
{
	if (!t)
		return -ENOENT;
	uint64_t fs = atomic_load(&t->fs_gen);
	struct task *k = slot_of(t, tid);
	pthread_mutex_lock(&k->lock);
	bool kept = k->tid == tid && k->dirfd == fd && same_dir(&k->dirfd_obj, now) &&
		    kept_get(&k->dir, fs, canon);
	pthread_mutex_unlock(&k->lock);
	return kept ? 0 : -ENOENT;
}

void tasks_put_dirfd(struct tasks *t, pid_t tid, int fd, const struct tasks_dir *obj,
		     const char *canon, const struct tasks_gen *g)
{
	if (!t)
		return;
	struct task *k = slot_of(t, tid);
	char *copy = strdup(canon);
	pthread_mutex_lock(&k->lock);
	if (copy && k->tid == tid) {
		k->dirfd = fd;
		k->dirfd_obj = *obj;
		kept_set(&k->dir, copy, g->fs);
		copy = NULL;
	}
	pthread_mutex_unlock(&k->lock);
	free(copy);
}

int tasks_getfd(struct tasks *t, pid_t tid, int fd)
{
	if (!t)
		return -ENOENT;
	struct task *k = slot_of(t, tid);
	int ours = -ENOENT;
	pthread_mutex_lock(&k->lock);
	if (k->tid == tid && k->pidfd >= 0) {
		ours = (int)syscall(SYS_pidfd_getfd, k->pidfd, fd, 0);
		if (ours < 0)
			ours = errno == ENOENT ? -ESRCH : -errno;
	}
	pthread_mutex_unlock(&k->lock);
	return ours;
}
