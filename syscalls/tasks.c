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
	int pidfd;                      /* of this very thread (tasks_pidfd_open) */
	struct tasks_gen gen;           /* as of which changes the entry was read */
	struct task_ids ids;
	bool umask_kept;                /* ids.cred.umask may be used (no change was in flight) */
	struct kept_dir cwd;
	/* the dir fd of its last relative call: the tracee's number, the
	 * mirror dir it held, its overlay dir */
	int dirfd;
	struct tasks_dir dirfd_obj;
	struct kept_dir dir;
	uint64_t fds_gen;               /* stale-fd generation its fds were checked at */
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

/* A thread in a change of its process's cwd or umask (tid 0: free). */
struct mark {
	pid_t tid;
	pid_t ns_tgid;                  /* its process, 0 if unknown (then any) */
	int pidfd;                      /* of the thread, -1 if none could be had */
};
#define TASKS_MARKS 256

struct tasks {
	_Atomic uint64_t cred_gen, fs_gen, umask_gen;
	struct task slots[TASKS_SLOTS];
	/* The threads trapped in a change of their process's cwd or umask
	 * that have not shown it made (tasks_fs_changing): their own table,
	 * not their slots, which a slot-mate may take meanwhile. */
	pthread_mutex_t marks_lock;     /* a leaf: guards marks */
	_Atomic unsigned nmarks;        /* marks in use, read without the lock */
	_Atomic bool untracked;         /* a mark found the table full: keep no cwd, no umask */
	struct mark marks[TASKS_MARKS];
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
	pthread_mutex_init(&t->marks_lock, NULL);
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
	k->gen = (struct tasks_gen){ 0, 0, 0 };
	k->ids = (struct task_ids){ 0 };
	k->umask_kept = false;
	k->cwd = k->dir = (struct kept_dir){ NULL, 0 };
	k->dirfd = 0;
	k->dirfd_obj = (struct tasks_dir){ 0, 0, 0 };
	k->fds_gen = 0;
}

void tasks_free(struct tasks *t)
{
	if (!t)
		return;
	for (int i = 0; i < TASKS_SLOTS; i++) {
		slot_clear(&t->slots[i]);
		pthread_mutex_destroy(&t->slots[i].lock);
	}
	for (int i = 0; i < TASKS_MARKS; i++)
		if (t->marks[i].tid && t->marks[i].pidfd >= 0)
			close(t->marks[i].pidfd);
	pthread_mutex_destroy(&t->marks_lock);
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

int tasks_pidfd_open(pid_t tid)
{
	int pidfd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
	if (pidfd < 0 && errno == EINVAL)
		pidfd = (int)syscall(SYS_pidfd_open, tid, 0);  /* a leader, before 6.9 */
	return pidfd < 0 ? -errno : pidfd;
}

/* The thread behind pidfd still lives: then it is the caller, the only
 * live thread with this tid. */
static bool alive(int pidfd)
{
	return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}

/* Under marks_lock: m's change of cwd or umask is made (its thread called
 * again, is blocked in another syscall, or died): everything kept before
 * is dropped again, since what was read while it was in flight may be the
 * old value. */
static void settle(struct tasks *t, struct mark *m)
{
	atomic_fetch_add(&t->fs_gen, 1);
	atomic_fetch_add(&t->umask_gen, 1);
	if (m->pidfd >= 0)
		close(m->pidfd);
	*m = (struct mark){ 0, 0, -1 };
	atomic_fetch_sub(&t->nmarks, 1);
}

/* m's thread is blocked in a syscall other than the changes, so it made
 * its own (a thread runs one syscall at a time); "running" tells nothing.
 * Read only while a mark is set and a thread of its process would keep
 * something.  (Were the thread gone and its tid taken, the new thread's
 * state is no worse a sign: the marked one is done either way.) */
static bool blocked_elsewhere(const struct mark *m)
{
	char path[64], buf[64], *end;
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)m->tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH;  /* no such thread: gone */
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	long nr = strtol(buf, &end, 10);
	return end != buf && nr >= 0 && nr != SYS_chdir && nr != SYS_fchdir && nr != SYS_umask;
}

/* A thread of the process ns_tgid (the sandbox's pid) is in a change of
 * the process's cwd or umask that it may not have made yet: what the
 * caller read of either (before this check) cannot be kept.  Marks found
 * made on the way are settled. */
static bool changing_in(struct tasks *t, pid_t ns_tgid)
{
	if (atomic_load(&t->untracked))
		return true;
	if (!atomic_load(&t->nmarks))
		return false;
	bool any = false;
	pthread_mutex_lock(&t->marks_lock);
	for (int i = 0; i < TASKS_MARKS && !any; i++) {
		struct mark *m = &t->marks[i];
		if (!m->tid || (m->ns_tgid && ns_tgid && m->ns_tgid != ns_tgid))
			continue;
		if ((m->pidfd >= 0 && !alive(m->pidfd)) || blocked_elsewhere(m))
			settle(t, m);
		else
			any = true;
	}
	pthread_mutex_unlock(&t->marks_lock);
	return any;
}

/* tid calls again: a change it was trapped in is made.  True if there was
 * one. */
static bool settle_own(struct tasks *t, pid_t tid)
{
	if (!atomic_load(&t->nmarks))
		return false;
	bool found = false;
	pthread_mutex_lock(&t->marks_lock);
	for (int i = 0; i < TASKS_MARKS && !found; i++) {
		if (t->marks[i].tid == tid) {
			settle(t, &t->marks[i]);
			found = true;
		}
	}
	pthread_mutex_unlock(&t->marks_lock);
	return found;
}

int tasks_ids(struct tasks *t, pid_t tid, struct task_ids *ids, bool *umask_ok)
{
	if (!t)
		return -ENOENT;
	bool settled = settle_own(t, tid);
	struct tasks_gen now;
	tasks_gen_now(t, &now);
	struct task *k = slot_of(t, tid);
	int err = -ENOENT;
	/* the check under the lock: a thread whose tid shares the slot may
	 * replace the entry, and close its pidfd, at any time */
	pthread_mutex_lock(&k->lock);
	if (k->tid == tid && alive(k->pidfd) && k->gen.cred == now.cred) {
		*ids = k->ids;
		*umask_ok = k->umask_kept && !settled && k->gen.umask == now.umask;
		err = 0;
	}
	pthread_mutex_unlock(&k->lock);
	return err;
}

void tasks_fs_changing(struct tasks *t, pid_t tid, pid_t ns_tgid)
{
	if (!t)
		return;
	/* its own pidfd: the mark outlives any slot (a fresh one, as a
	 * slot-mate may close the slot's); none for a thread that does not
	 * lead its process on Linux < 6.9 */
	int pidfd = tasks_pidfd_open(tid);
	pthread_mutex_lock(&t->marks_lock);
	struct mark *m = NULL;
	for (int i = 0; i < TASKS_MARKS && !m; i++)
		if (t->marks[i].tid == tid)
			m = &t->marks[i];
	/* a free entry; when none, the marks of threads that died first (a
	 * subshell that ran cd and exited never calls again) */
	for (int pass = 0; pass < 2 && !m; pass++) {
		for (int i = 0; i < TASKS_MARKS && !m; i++) {
			struct mark *k = &t->marks[i];
			if (pass && k->tid && k->pidfd >= 0 && !alive(k->pidfd))
				settle(t, k);
			if (!k->tid) {
				m = k;
				atomic_fetch_add(&t->nmarks, 1);
			}
		}
	}
	if (m) {
		if (m->tid && m->pidfd >= 0)
			close(m->pidfd);
		*m = (struct mark){ tid, ns_tgid, pidfd };
	} else {
		/* 256 live threads marked, none seen done: keep nothing of
		 * any process from now on */
		atomic_store(&t->untracked, true);
		if (pidfd >= 0)
			close(pidfd);
	}
	pthread_mutex_unlock(&t->marks_lock);
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
	pthread_mutex_unlock(&k->lock);
	int pidfd = -1;
	if (!same && (pidfd = tasks_pidfd_open(tid)) < 0)
		return;  /* gone, or not a leader on Linux < 6.9: nothing kept */
	pthread_mutex_lock(&k->lock);
	if (pidfd >= 0) {
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

uint64_t tasks_fds_checked(struct tasks *t, pid_t tid)
{
	if (!t)
		return 0;
	struct task *k = slot_of(t, tid);
	pthread_mutex_lock(&k->lock);
	uint64_t gen = k->tid == tid ? k->fds_gen : 0;
	pthread_mutex_unlock(&k->lock);
	return gen;
}

void tasks_put_fds_checked(struct tasks *t, pid_t tid, uint64_t gen)
{
	if (!t)
		return;
	struct task *k = slot_of(t, tid);
	pthread_mutex_lock(&k->lock);
	if (k->tid == tid)
		k->fds_gen = gen;
	pthread_mutex_unlock(&k->lock);
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
