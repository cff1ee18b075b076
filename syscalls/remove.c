/* rmdir, unlink, unlinkat. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include "ovlrun/syscalls.h"
#include "names.h"

static int64_t do_remove(struct req *r, int dirfd, uint64_t path_addr, bool dir)
{
	char path[PATH_MAX];
	struct ovl_entry e;
	const struct ovl_cred *cred;
	int err = req_path(r, path_addr, path);
	if (err || (err = req_cred(r, &cred)))
		return err;
	switch (last_is_dot(path)) {
	case 1:
		return dir ? -EINVAL : -EISDIR;
	case 2:
		return dir ? -ENOTEMPTY : -EISDIR;
	case 3:
		return dir ? -EBUSY : -EISDIR;
	}
	err = req_lookup(r, dirfd, path, 0, false, &e);
	if (err)
		return err;
	if (e.type == 0)
		err = -ENOENT;
	else if (dir)
		err = S_ISDIR(e.type) ? ovl_rmdir(r->sup->fs, cred, &e) : -ENOTDIR;
	else if (S_ISDIR(e.type))
		err = -EISDIR;
	else if (e.trailing_slash)
		err = -ENOTDIR;
	else
		err = ovl_unlink(r->sup->fs, cred, &e);
	ovl_entry_release(&e);
	return err;
}

int64_t sys_rmdir(struct req *r)
{
	return do_remove(r, AT_FDCWD, ARG(r, 0), true);
}

int64_t sys_unlink(struct req *r)
{
	return do_remove(r, AT_FDCWD, ARG(r, 0), false);
}

int64_t sys_unlinkat(struct req *r)
{
	int flags = (int)ARG(r, 2);
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	return do_remove(r, (int)ARG(r, 0), ARG(r, 1), flags & AT_REMOVEDIR);
}
