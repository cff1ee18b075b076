/*
 * POSIX (fcntl), OFD and flock locks.  The kernel keeps them per host
 * inode; an overlay file has two (lower, then upper after a copy-up).  So
 * that every lock on one overlay file lives on one inode, a lock call on an
 * fd of a lower file copies the file up and replaces the tracee's fd by one
 * of the upper copy (ADDFD with SETFD) before the kernel takes the lock.
 * A blocking F_SETLKW/flock then blocks in the tracee, interruptibly.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ovlrun/notify.h"
#include "ovlrun/syscalls.h"

/* Move fd (an fd of a lower file; tfd our copy of it, -1 if none) to the
 * file's upper copy. */
static int move_to_upper(struct req *r, int fd, int tfd, const char *canon)
{
	struct ovl_entry e;
	int flags;
	off_t pos;
	if (!ovl_fs_writable(r->sup->fs))
		return 0;  /* nothing is ever copied up: the lower inode is the one */
	int err = req_fd_state(r, fd, &flags, &pos);
	if (err)
		return err;
	err = ovl_lookup(r->sup->fs, &(struct ovl_cred){ .cap_eff = ~0ULL }, "/", canon,
			 OVL_LOOKUP_NO_PERM, &e);
	if (err)
		return err;
	/* The name may have moved on (renamed, replaced) since the fd was
	 * opened: only the file the fd holds is moved to its copy. */
	int same = tfd < 0 ? -EBADF : ovl_is_origin(r->sup->fs, &e, tfd);
	if (same > 0) {
		err = ovl_copy_up(r->sup->fs, &e);
		/* the copy-up looks the name up again: still the fd's file?
		 * (a rename beside us may have put another one there) */
		if (!err)
			same = ovl_is_origin(r->sup->fs, &e, tfd);
	}
	if (!err && same <= 0) {
		ovl_entry_release(&e);
		return 0;  /* gone or replaced meanwhile: lock what the fd holds */
	}
	if (!err)
		notify_changed(r->sup, e.path);
	int nfd = err ? err : ovl_open_real(r->sup->fs, &e, flags & (O_ACCMODE | O_APPEND |
						   O_NONBLOCK | O_DIRECT | O_NOATIME | O_SYNC));
	ovl_entry_release(&e);
	if (nfd == -ESTALE)
		return 0;  /* replaced since the copy-up: lock what the fd holds */
	if (nfd < 0)
		return nfd;
	lseek(nfd, pos, SEEK_SET);
	return req_setfd(r, nfd, fd, flags & O_CLOEXEC);
}

static int64_t do_lock(struct req *r, int fd)
{
	char canon[PATH_MAX];
	enum fd_kind kind;
	/* one copy of the fd: waited on while a copy of ours sent with an
	 * answer keeps its open file alive (sent.c), classified, moved */
	struct stat st;
	int copy = req_getfd(r, fd);
	if (copy >= 0 && !fstat(copy, &st))
		sent_wait(r->sup->sent, st.st_dev, st.st_ino);
	int err = copy >= 0 ? req_own_fd_kind(r, copy, canon, &kind)
			    : req_fd_kind(r, fd, canon, &kind);
	if (err == -ENOENT)
		err = 0, kind = FD_OTHER;  /* an unlinked file: its inode is the only one */
	if (!err && kind == FD_LOWER)
		err = move_to_upper(r, fd, copy, canon);
	if (copy >= 0)
		close(copy);
	return err ? err : SC_CONTINUE;
}

int64_t sys_fcntl(struct req *r)
{
	return do_lock(r, (int)ARG(r, 0));
}

int64_t sys_flock(struct req *r)
{
	return do_lock(r, (int)ARG(r, 0));
}
