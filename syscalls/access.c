/* access, faccessat, faccessat2: permission as the tracee would get it. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "ovlrun/syscalls.h"

static int64_t do_access(struct req *r, int dirfd, uint64_t path_addr, int mode, int atflags)
{
	r->intent = INTENT_READ;
	char path[PATH_MAX];
	struct ovl_entry e;
	const struct ovl_cred *cred;
	if (mode & ~(F_OK | R_OK | W_OK | X_OK))
		return -EINVAL;
	if (atflags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	int err = req_path(r, path_addr, path);
	if (err || (err = req_cred(r, &cred)))
		return err;
	/* access(2) checks with the real ids; a real root keeps its
	 * permitted capabilities for it, as the kernel does. */
	struct ovl_cred c = *cred;
	if (!(atflags & AT_EACCESS)) {
		c.fsuid = r->id.ruid;
		c.fsgid = r->id.rgid;
		c.cap_eff = r->id.ruid == 0 ? r->id.cap_prm : 0;
	}
	r->id.cred = c;  /* the walk's search checks use the same ids */
	unsigned lflags = atflags & AT_SYMLINK_NOFOLLOW ? 0 : OVL_LOOKUP_FOLLOW;
	err = req_lookup(r, dirfd, path, lflags, atflags & AT_EMPTY_PATH, &e);
	if (err)
		return err;
	if (e.type == 0) {
		err = -ENOENT;
	} else if (mode != F_OK) {
		int mask = (mode & R_OK ? OVL_MAY_READ : 0) | (mode & W_OK ? OVL_MAY_WRITE : 0) |
			   (mode & X_OK ? OVL_MAY_EXEC : 0);
		if ((mode & W_OK) && !ovl_fs_writable(r->sup->fs) && !S_ISCHR(e.type) &&
		    !S_ISBLK(e.type) && !S_ISFIFO(e.type) && !S_ISSOCK(e.type))
			err = -EROFS;
		else
			err = ovl_permission(&c, &e.st, mask);
	}
	ovl_entry_release(&e);
	return err;
}

int64_t sys_access(struct req *r)
{
	return do_access(r, AT_FDCWD, ARG(r, 0), (int)ARG(r, 1), 0);
}

int64_t sys_faccessat(struct req *r)
{
	return do_access(r, (int)ARG(r, 0), ARG(r, 1), (int)ARG(r, 2), 0);
}

int64_t sys_faccessat2(struct req *r)
{
	return do_access(r, (int)ARG(r, 0), ARG(r, 1), (int)ARG(r, 2), (int)ARG(r, 3));
}
