/*
 * What the supervisor remembers of the sandbox's threads between their
 * calls: credentials (ids, groups, capabilities, umask, ids in the
 * sandbox's pid namespace) and the overlay dir of the cwd, so that a call
 * reads no /proc file in the steady state.
 *
 * Exactness: an entry is the thread's own (it holds a pidfd of that very
 * thread: a new thread with a reused tid fails the check), and it is
 * dropped by the calls that change what it holds, all of which are
 * trapped for that reason alone:
 *   credentials  - set*id, setgroups, capset, execve (tasks_changed CRED);
 *                  they are per thread, and a thread is in that call while
 *                  it changes them, so no call of its own can refill the
 *                  entry in between;
 *   dir fds      - only mirror dirs of the shadow, checked to lead to the
 *                  same one at each use, and dropped with the cwds when a
 *                  directory moves or goes (a mirror dir goes only then;
 *                  a dir of a kernel-served mount is never kept: it can
 *                  move, or go and its inode come back, unseen);
 *   umask, cwd   - (a cwd only in the overlay, never in a kernel-served
 *                  mount, as for dir fds) umask, chdir, fchdir
 *                  (tasks_fs_changing), and a change of the overlay path
 *                  of a directory (its mirror renamed or removed, shadow.c;
 *                  tasks_changed FS, which leaves umasks be: they have a
 *                  generation of their own).  They belong to the process's fs
 *                  context, which its other threads share, and the kernel
 *                  makes the change after the trap: a sibling's call could
 *                  read the old value in between.  So the trap marks the
 *                  changing thread (a table of marks of its own), no
 *                  thread of its process keeps either while a mark is
 *                  set, and the mark goes (with a second drop of
 *                  everything kept) at the thread's next call, which shows
 *                  the change made, or when a thread of its process would
 *                  keep something and finds it dead or blocked in another
 *                  syscall (/proc/TID/syscall: read only then).
 * Residual: a process made with clone(CLONE_FS) but not CLONE_THREAD shares
 * its cwd and umask without being a thread; a call of one racing a chdir
 * or umask of the other may leave the old cwd or umask cached.  Either is
 * the process's own state (no permission rests on it).
 *
 * Locking: one mutex per slot guards it (threads whose tids share a slot
 * share it; no two slots' locks are ever held together); it is held to copy
 * an entry in or out, and around the syscalls that must see the slot's
 * pidfd still open (the liveness check, pidfd_getfd), and taken with no
 * other lock held but the caller's.  The marks' mutex is a leaf, never
 * taken with a slot's.
 * Bounds: TASKS_SLOTS entries, each holding one pidfd and two paths; 256
 * marks, each holding a pidfd (a full table keeps nothing from then on).
 */
#ifndef OVLRUN_TASKS_H
#define OVLRUN_TASKS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "ovlrun/overlay.h"

#define TASKS_SLOTS 256

struct tasks;

/* What a thread's entry holds (besides its cwd). */
struct task_ids {
	struct ovl_cred cred;
	uid_t ruid;                     /* real ids, for access(2) */
	gid_t rgid;
	uint64_t cap_prm;
	pid_t ns_tgid, ns_tid;          /* in the sandbox's pid namespace */
};

struct tasks *tasks_new(void);
void tasks_free(struct tasks *t);

/* The generations an entry read now must carry (take them before reading
 * /proc, so that a change meanwhile makes the entry stale, not wrong). */
struct tasks_gen {
	uint64_t cred, fs, umask;       /* fs: cwds and dir fds (paths); umask: umasks */
};
void tasks_gen_now(struct tasks *t, struct tasks_gen *g);

/* tid's credentials: 0 and *ids filled (*umask_ok: its umask is current
 * too), or -ENOENT when not known. */
int tasks_ids(struct tasks *t, pid_t tid, struct task_ids *ids, bool *umask_ok);
/* Remember what was just read of tid, as of generation g. */
void tasks_put_ids(struct tasks *t, pid_t tid, const struct task_ids *ids,
		   const struct tasks_gen *g);

/* tid's cwd, a canonical overlay path, into canon (OVL_PATH_MAX): 0, or
 * -ENOENT when not known (call tasks_ids first: it checks the thread). */
int tasks_cwd(struct tasks *t, pid_t tid, char *canon);
void tasks_put_cwd(struct tasks *t, pid_t tid, const char *canon, const struct tasks_gen *g);

/* The mirror dir a tracee's fd leads to (statx of its /proc link). */
struct tasks_dir {
	uint64_t mnt_id, dev, ino;
};
/* The overlay dir (canon, OVL_PATH_MAX) of tid's directory fd fd, kept from
 * an earlier call: 0 if fd still leads to that mirror dir (now) and no dir
 * moved or went since, else -ENOENT (call tasks_ids first).  No fd is
 * held: a copy of the tracee's open file would keep its flock alive after
 * the tracee closed it. */
int tasks_dirfd(struct tasks *t, pid_t tid, int fd, const struct tasks_dir *now, char *canon);
void tasks_put_dirfd(struct tasks *t, pid_t tid, int fd, const struct tasks_dir *obj,
		     const char *canon, const struct tasks_gen *g);

/* The stale-fd generation (ovl_stale_gen) as of which tid's fds were
 * last checked (0 if never, or not known: call tasks_ids first); set it
 * after a check that began at gen. */
uint64_t tasks_fds_checked(struct tasks *t, pid_t tid);
void tasks_put_fds_checked(struct tasks *t, pid_t tid, uint64_t gen);

/* A pidfd of thread tid (PIDFD_THREAD), or on Linux < 6.9, which has no
 * thread pidfds, of its process when tid leads it (a leader's tid is its
 * process's until the whole process is gone): -errno if neither.  Without
 * one nothing is kept of the thread. */
int tasks_pidfd_open(pid_t tid);

/* A copy of tid's fd fd through the pidfd its entry holds (call tasks_ids
 * first): the fd, -ENOENT when no entry is tid's, else -errno. */
int tasks_getfd(struct tasks *t, pid_t tid, int fd);

/* tid, trapped in chdir, fchdir or umask, is about to change the cwd or
 * umask of its process ns_tgid (the sandbox's pid; 0 if not known: then
 * every process keeps neither until the change is seen made). */
void tasks_fs_changing(struct tasks *t, pid_t tid, pid_t ns_tgid);

/* Something a kept entry holds may have changed, for every thread. */
#define TASKS_CRED 1
#define TASKS_FS 2
void tasks_changed(struct tasks *t, unsigned what);

#endif
