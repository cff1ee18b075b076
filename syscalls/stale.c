/*
 * Fds of lower files that were copied up after they were opened.
 *
 * The command reads and maps the real layer file of an fd natively.  An fd
 * opened on a lower file before that file was copied up would go on
 * reading the lower data; since Linux 4.19 overlayfs reads the copy through
 * it.  So, at the holder's next trapped call, each such fd is replaced by an
 * fd of the copy: same number, access mode, status flags, offset and
 * close-on-exec flag (ADDFD with SETFD, as dup2 would).
 *
 * In the steady state this costs one atomic load per call: the engine
 * counts copy-ups of lower files it ever handed out (ovl_stale_gen), and a
 * thread looks at its fd table (/proc/TID/fd) only when that count moved
 * since its last look (tasks_fds_checked).
 *
 * Safety: the replacement is read-only, as every fd of a lower file is,
 * with the status flags and offset of our own copy of the fd (the same open
 * file description), and is installed only if the fd number still holds
 * that description (kcmp): a thread that puts another file there meanwhile
 * never gets more access.  What is left of that race is the instant
 * between the check and ADDFD: a dup2 onto the number then is undone by the
 * read-only replacement.
 *
 * Limits (README, Differences): the copy is found under the fd's overlay
 * path (where it was opened, carried along by renames: overlay/handed.c; a
 * copy removed before the holder's next call is not found: the fd keeps
 * the lower file); O_PATH fds stay (ADDFD cannot
 * install one); fds sharing an open file description share the new one
 * while the fd that got it first holds it (struct stale: the last 32); the
 * shared description of a process that makes no trapped call (a shell
 * waiting for its children) stays the lower file's, and so do the locks
 * on it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "ovlrun/notify.h"
#include "ovlrun/syscalls.h"

/* Open file descriptions replaced: our copy of the old one (a lower
 * file's) and where its replacement went (a thread's fd: its pidfd, the
 * fd's number, the upper inode), so that every fd sharing the old one, in
 * this process or another (dup, fork), gets the same new one while that fd
 * holds it, and they go on sharing an offset and flock/OFD locks.  The new
 * description itself is not held: our copy would keep a lock on it alive
 * after the command's last close.  Bounded (the oldest goes first).  lock
 * guards the table (a leaf). */
#define STALE_KEPT 32
struct replacement {
	int old;                        /* our copy of the old description */
	int pidfd;                      /* of the thread whose fd got the new one */
	int fd;                         /* that fd */
	int flags;                      /* what it was given (copy_flags) */
	dev_t dev;                      /* the upper file */
	ino_t ino;
};
struct stale {
	pthread_mutex_t lock;
	_Atomic int n;
	struct replacement e[STALE_KEPT];
};

struct stale *stale_new(void)
{
	struct stale *t = calloc(1, sizeof(*t));
	if (t)
		pthread_mutex_init(&t->lock, NULL);
	return t;
}

/* Under the lock. */
static void drop(struct stale *t, int i)
{
	close(t->e[i].old);
	close(t->e[i].pidfd);
	t->e[i] = t->e[--t->n];
}

void stale_free(struct stale *t)
{
	if (!t)
		return;
	while (t->n)
		drop(t, 0);
	free(t);
}

static bool same_description(int a, int b)
{
	pid_t self = getpid();
	return syscall(SYS_kcmp, self, self, KCMP_FILE, a, b) == 0;
}

#define STATUS_FLAGS (O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME | O_SYNC)

/* The flags a replacement of copy's description gets: read-only (a lower
 * file's fds are never writable: an open for writing copies up first), its
 * status flags; -1 for an fd that is not read-only, or O_PATH (which ADDFD
 * cannot install), which keeps its file. */
static int copy_flags(int copy)
{
	int fl = fcntl(copy, F_GETFL);
	if (fl < 0 || (fl & O_PATH) || (fl & O_ACCMODE) != O_RDONLY)
		return -1;
	return O_RDONLY | (fl & STATUS_FLAGS);
}

/* The replacement made already for copy's description, if its fd still
 * holds it (the upper file, with the flags it was given): a copy of it;
 * else -1. */
static int replaced(struct stale *t, int copy)
{
	int nfd = -1;
	if (!t || !atomic_load(&t->n))
		return -1;
	pthread_mutex_lock(&t->lock);
	for (int i = 0; i < t->n; i++) {
		struct replacement *e = &t->e[i];
		if (!same_description(copy, e->old))
			continue;
		struct stat st;
		nfd = (int)syscall(SYS_pidfd_getfd, e->pidfd, e->fd, 0);
		if (nfd >= 0 && (fstat(nfd, &st) || st.st_dev != e->dev || st.st_ino != e->ino ||
				 (fcntl(nfd, F_GETFL) & (O_ACCMODE | O_PATH | STATUS_FLAGS)) != e->flags)) {
			close(nfd);
			nfd = -1;
		}
		if (nfd < 0)
			drop(t, i);     /* closed or reused there: a new one is made */
		break;
	}
	pthread_mutex_unlock(&t->lock);
	return nfd;
}

/* The tracee's fd (its old description: copy) now holds nfd's. */
static void remember(struct req *r, int copy, int fd, int nfd, int flags)
{
	struct stale *t = r->sup->stale;
	struct stat st;
	if (!t || fstat(nfd, &st))
		return;
	struct replacement e = { .old = fcntl(copy, F_DUPFD_CLOEXEC, 3),
				 .pidfd = tasks_pidfd_open(r->pid), .fd = fd, .flags = flags,
				 .dev = st.st_dev, .ino = st.st_ino };
	pthread_mutex_lock(&t->lock);
	if (e.old >= 0 && e.pidfd >= 0) {
		if (t->n == STALE_KEPT)
			drop(t, 0);
		t->e[t->n++] = e;
		e.old = e.pidfd = -1;
	}
	pthread_mutex_unlock(&t->lock);
	if (e.old >= 0)
		close(e.old);
	if (e.pidfd >= 0)
		close(e.pidfd);
}

/* nfd (closed) replaces the tracee's fd n, if n still holds copy's open
 * file description: another thread may have put something else there
 * since it was read (what is left of that race: the instant between this
 * check and ADDFD, where a dup2 onto n is undone by a read-only fd of the
 * same file).  1 if installed. */
static int install(struct req *r, int nfd, int n, int copy)
{
	int flags;
	off_t pos;
	int err = req_fd_state(r, n, &flags, &pos);  /* (its close-on-exec flag) */
	if (!err && syscall(SYS_kcmp, r->pid, getpid(), KCMP_FILE, n, copy) != 0)
		err = -ESTALE;
	if (err) {
		close(nfd);
		return err == -ESTALE ? 0 : err;
	}
	err = req_setfd(r, nfd, n, flags & O_CLOEXEC);
	return err ? err : 1;
}

/* An fd of the upper copy of the file the tracee's fd holds (copy: ours,
 * canon: its overlay path), made first when copy_up, at the fd's offset
 * and with flags (copy_flags); -ENOENT when there is none (gone, replaced,
 * not copied): the fd keeps its file. */
static int open_copy(struct req *r, int copy, const char *canon, bool copy_up, int flags)
{
	struct ovl_fs *fs = r->sup->fs;
	struct ovl_entry e;
	if (!ovl_fs_writable(fs))
		return -ENOENT;  /* nothing is ever copied up: the lower inode is the one */
	int err = ovl_lookup(fs, &(struct ovl_cred){ .cap_eff = ~0ULL }, "/", canon,
			     OVL_LOOKUP_NO_PERM, &e);
	if (err)
		return err == -ENOMEM || err == -EIO ? err : -ENOENT;  /* no copy there: the fd keeps its file */
	/* The name may have moved on (renamed, replaced) since the fd was
	 * opened: only the file the fd holds is moved to its copy. */
	int same = ovl_is_origin(fs, &e, copy);
	if (same > 0 && copy_up) {
		err = ovl_copy_up(fs, &e);
		/* the copy-up looks the name up again: still the fd's file?
		 * (a rename beside us may have put another one there) */
		if (!err)
			same = ovl_is_origin(fs, &e, copy);
		if (!err && same > 0)
			notify_changed(r->sup, e.path);
	}
	/* (an indexed name shows its copy: the index entry) */
	if (!err && (same <= 0 || (e.layer != OVL_UPPER && !e.indexed))) {
		ovl_entry_release(&e);
		return -ENOENT;
	}
	int nfd = err ? err : ovl_open_handed(fs, &e, flags);
	ovl_entry_release(&e);
	if (nfd == -ESTALE)
		return -ENOENT;  /* replaced since the copy-up */
	/* (our copy shares the tracee's open file description: its offset) */
	if (nfd >= 0)
		lseek(nfd, lseek(copy, 0, SEEK_CUR), SEEK_SET);
	return nfd;
}

int req_fd_to_upper(struct req *r, int fd, int copy, const char *canon, bool copy_up)
{
	int flags = copy < 0 ? -1 : copy_flags(copy);
	if (flags < 0)
		return 0;
	int nfd = open_copy(r, copy, canon, copy_up, flags);
	if (nfd == -ENOENT)
		return 0;
	if (nfd < 0)
		return nfd;
	int dup = fcntl(nfd, F_DUPFD_CLOEXEC, 3);
	int err = install(r, nfd, fd, copy);
	if (err > 0 && dup >= 0)
		remember(r, copy, fd, dup, flags);
	if (dup >= 0)
		close(dup);
	return err < 0 ? err : 0;
}

/* The tracee's fd n, a lower regular file that may have been copied up. */
static void refresh_one(struct req *r, int n)
{
	char canon[OVL_PATH_MAX];
	enum fd_kind kind;
	int copy = req_getfd(r, n);
	if (copy < 0)
		return;
	int nfd = replaced(r->sup->stale, copy);
	if (nfd >= 0)
		(void)install(r, nfd, n, copy);  /* a description shared with one replaced before */
	else if (!req_own_fd_kind(r, copy, canon, &kind) && kind == FD_LOWER)
		(void)req_fd_to_upper(r, n, copy, canon, false);
	close(copy);
}

void req_refresh_fds(struct req *r)
{
	struct ovl_fs *fs = r->sup->fs;
	const struct ovl_cred *cred;
	uint64_t gen = ovl_stale_gen(fs);
	/* (again before the answer: nothing to do unless the call itself
	 * copied an opened file up) */
	if (!gen || gen == r->stale_seen)
		return;
	r->stale_seen = gen;
	/* (req_cred: the thread's tasks slot, which holds what it looked at) */
	if (req_cred(r, &cred) || tasks_fds_checked(r->sup->tasks, r->pid) == gen)
		return;
	char path[48];
	snprintf(path, sizeof(path), "/proc/%d/fd", r->pid);
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;  /* gone: nothing to replace */
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		struct statx stx;
		char *end;
		long n = strtol(de->d_name, &end, 10);
		if (*end || end == de->d_name ||
		    statx(dfd, de->d_name, AT_STATX_DONT_SYNC, STATX_TYPE | STATX_INO | STATX_MNT_ID,
			  &stx) ||
		    !S_ISREG(stx.stx_mode) || !(stx.stx_mask & STATX_MNT_ID))
			continue;
		/* a lower's file (not the upper, layer 0) that may have a copy */
		if (ovl_layer_of_mount(fs, stx.stx_mnt_id) > OVL_UPPER &&
		    ovl_maybe_copied_up(fs, makedev(stx.stx_dev_major, stx.stx_dev_minor),
					stx.stx_ino))
			refresh_one(r, (int)n);
	}
	closedir(d);
	tasks_put_fds_checked(r->sup->tasks, r->pid, gen);
}
