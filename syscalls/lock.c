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
#include "handlers.h"

static int64_t do_lock(struct req *r, int fd)
{
	char canon[OVL_PATH_MAX];
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
		err = req_fd_to_upper(r, fd, copy, canon, true);
	if (copy >= 0)
		close(copy);
	return err ? err : SC_CONTINUE;
}

int64_t sys_fcntl(struct req *r)
{
	/* the trapped commands (filter.c): the lock ones, and F_NOTIFY */
	if ((int)ARG(r, 1) == F_NOTIFY)
		return dnotify_fcntl(r);
	return do_lock(r, (int)ARG(r, 0));
}

int64_t sys_flock(struct req *r)
{
	return do_lock(r, (int)ARG(r, 0));
}
