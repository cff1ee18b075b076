/* The threads' credentials and cwds between their calls (tasks.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
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
	bool umask_kept;                /* ids.cred.umask may be used (no change was in flight) */
	bool fs_changing;               /* trapped in chdir, fchdir or umask, not called since */
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
	_Atomic uint64_t cred_gen, fs_gen, umask_gen;
	_Atomic unsigned changing;      /* slots with fs_changing set */
	_Atomic bool untracked;         /* a change no slot could record: keep no cwd, no umask */
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

/* Under the slot's lock (or alone): the slot is free (not fs_changing). */
static void slot_clear(struct task *k)
{
	if (k->pidfd >= 0)
		close(k->pidfd);
	free(k->cwd.canon);
	free(k->dir.canon);
	k->tid = 0;
	k->pidfd = -1;
	k->gen = (struct tasks_gen){ 0, 0, 0 };
	k->ids = (struct task_ids){ 0 };
	k->umask_kept = k->fs_changing = false;
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
		*g = (struct tasks_gen){ 0, 0, 0 };
		return;
	}
	g->cred = atomic_load(&t->cred_gen);
	g->fs = atomic_load(&t->fs_gen);
	g->umask = atomic_load(&t->umask_gen);
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

/* Under the slot's lock: its thread's change of cwd or umask is made (it
 * called again, it is blocked in another syscall, or it died): everything
 * kept before is dropped again, since what was read while the change was
 * in flight may be the old value. */
static void settle(struct tasks *t, struct task *k)
{
	atomic_fetch_add(&t->fs_gen, 1);
	atomic_fetch_add(&t->umask_gen, 1);
	k->fs_changing = false;
	atomic_fetch_sub(&t->changing, 1);
}

/* Under the slot's lock, its thread alive: it is blocked in a syscall
 * other than the changes, so it made its own (a thread runs one syscall at
 * a time).  "running" tells nothing.  Read only while a mark is set and
 * another thread of the process would keep something. */
static bool blocked_elsewhere(const struct task *k)
{
	char path[64], buf[64], *end;
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)k->tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	long nr = strtol(buf, &end, 10);
	return end != buf && nr >= 0 && nr != SYS_chdir && nr != SYS_fchdir && nr != SYS_umask;
}

/* With no slot lock held: a thread of the process ns_tgid (the sandbox's
 * pid) is in a change of the process's cwd or umask that it may not have
 * made yet.  What the caller read of either (before this check) cannot be
 * kept. */
static bool changing_in(struct tasks *t, pid_t ns_tgid)
{
	if (atomic_load(&t->untracked))
		return true;
	if (!atomic_load(&t->changing))
		return false;
	bool any = false;
	for (int i = 0; i < TASKS_SLOTS && !any; i++) {
		struct task *k = &t->slots[i];
		pthread_mutex_lock(&k->lock);
		if (k->fs_changing && k->ids.ns_tgid == ns_tgid) {
			if (alive(k->pidfd) && !blocked_elsewhere(k))
				any = true;
			else
				settle(t, k);
		}
		pthread_mutex_unlock(&k->lock);
	}
	return any;
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
	bool mine = k->tid == tid && alive(k->pidfd);
	/* the thread calls again: the change it was trapped in is made */
	bool settled = mine && k->fs_changing;
	if (settled)
		settle(t, k);
	if (mine && k->gen.cred == now.cred) {
		*ids = k->ids;
		*umask_ok = k->umask_kept && !settled && k->gen.umask == now.umask;
		err = 0;
	}
	pthread_mutex_unlock(&k->lock);
	return err;
}

void tasks_fs_changing(struct tasks *t, pid_t tid)
{
	if (!t)
		return;
	struct task *k = slot_of(t, tid);
	pthread_mutex_lock(&k->lock);
	bool mine = k->tid == tid && k->pidfd >= 0;
	if (mine && !k->fs_changing) {
		k->fs_changing = true;
		atomic_fetch_add(&t->changing, 1);
	}
	pthread_mutex_unlock(&k->lock);
	if (!mine)
		atomic_store(&t->untracked, true);  /* cannot tell when it is made */
	atomic_fetch_add(&t->fs_gen, 1);
	atomic_fetch_add(&t->umask_gen, 1);
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
	bool umask_kept = !changing_in(t, ids->ns_tgid);
	pthread_mutex_lock(&k->lock);
	bool same = holds(k, tid);
	/* a live thread's mark of a change in flight stays with it */
	bool busy = !same && k->fs_changing && alive(k->pidfd);
	pthread_mutex_unlock(&k->lock);
	if (busy)
		return;
	int pidfd = -1;
	if (!same && (pidfd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD)) < 0)
		return;  /* gone, or no thread pidfds (Linux < 6.9): nothing kept */
	pthread_mutex_lock(&k->lock);
	if (pidfd >= 0 && k->fs_changing && alive(k->pidfd)) {
		close(pidfd);           /* a slot-mate marked it meanwhile */
		pidfd = -1;
	} else if (pidfd >= 0) {
		if (k->fs_changing)
			settle(t, k);   /* its thread is gone */
		slot_clear(k);
		k->tid = tid;
		k->pidfd = pidfd;
	}
	if (k->tid == tid) {            /* unless a slot-mate took it meanwhile */
		k->ids = *ids;
		k->gen = *g;
		k->umask_kept = umask_kept;
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
	bool kept = k->tid == tid && kept_get(&k->cwd, fs, canon);
	pthread_mutex_unlock(&k->lock);
	return kept ? 0 : -ENOENT;
}

void tasks_put_cwd(struct tasks *t, pid_t tid, const char *canon, const struct tasks_gen *g)
{
	if (!t)
		return;
	struct task *k = slot_of(t, tid);
	pthread_mutex_lock(&k->lock);
	pid_t ns_tgid = k->tid == tid ? k->ids.ns_tgid : 0;
	pthread_mutex_unlock(&k->lock);
	if (!ns_tgid || changing_in(t, ns_tgid))
		return;
	char *copy = strdup(canon);
	pthread_mutex_lock(&k->lock);
	if (copy && k->tid == tid && k->ids.ns_tgid == ns_tgid) {
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
