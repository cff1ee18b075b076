/* ioctl(FS_IOC_GETFLAGS / FS_IOC_SETFLAGS, and the fsxattr form
 * FS_IOC_FSGETXATTR / FS_IOC_FSSETXATTR): chattr and lsattr on overlay
 * objects (the only ioctls trapped: filter.c).  The fd's object is looked
 * up in the overlay (an upper file's too: the flags it records beside the
 * file are the engine's), and the engine answers (overlay/fileattr.c). */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <unistd.h>
#include "ovlrun/syscalls.h"

static int64_t fsattr(struct req *r, bool set, bool x)
{
	struct ovl_entry e;
	const struct ovl_cred *cred;
	struct ovl_fsattr a = { .x = x };
	void *arg = x ? (void *)a.fsx : (void *)&a.flags;
	size_t size = x ? sizeof(a.fsx) : sizeof(a.flags);
	/* an ioctl needs an open file: AT_FDCWD and O_PATH fds are EBADF */
	int fd = (int)ARG(r, 0), copy = fd < 0 ? -EBADF : req_getfd(r, fd);
	if (copy < 0)
		return copy == -EBADF ? -EBADF : SC_CONTINUE;
	int fl = fcntl(copy, F_GETFL);
	if (fl >= 0 && (fl & O_PATH)) {
		close(copy);
		return -EBADF;
	}
	int err = set ? req_read(r, ARG(r, 2), arg, size) : 0;
	r->intent = set ? INTENT_MODIFY : INTENT_READ;
	r->via_engine = true;
	if (!err && !(err = req_cred(r, &cred)))
		err = req_lookup(r, fd, "", 0, true, &e);
	if (err == SC_CONTINUE && req_unlinked_upper(r, copy))
		err = set ? ovl_set_fsattr_fd(r->sup->fs, cred, copy, &a)
			  : ovl_get_fsattr_fd(r->sup->fs, copy, &a);
	else if (!err) {
		err = set ? ovl_set_fsattr(r->sup->fs, cred, &e, &a)
			  : ovl_get_fsattr(r->sup->fs, &e, &a);
		ovl_entry_release(&e);
	}
	close(copy);
	if (!err && !set)
		err = req_write(r, ARG(r, 2), arg, size);
	return err;     /* (SC_CONTINUE: not an overlay object) */
}

int64_t sys_ioctl(struct req *r)
{
	switch ((unsigned)ARG(r, 1)) {
	case FS_IOC_GETFLAGS:
		return fsattr(r, false, false);
	case FS_IOC_SETFLAGS:
		return fsattr(r, true, false);
	case FS_IOC_FSGETXATTR:
		return fsattr(r, false, true);
	case FS_IOC_FSSETXATTR:
		return fsattr(r, true, true);
	default:
		return SC_CONTINUE;
	}
}
