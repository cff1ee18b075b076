/* mkdir, mkdirat, mknod, mknodat, symlink, symlinkat. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include "ovlrun/syscalls.h"
#include "names.h"

/* Look up the name a create call makes; 0 with a negative entry ready,
 * or what to answer. */
static int create_target(struct req *r, int dirfd, uint64_t path_addr, struct ovl_entry *e,
			 const struct ovl_cred **cred)
{
	char path[PATH_MAX];
	int err = req_path(r, path_addr, path);
	if (err || (err = req_cred_umask(r, cred)))
		return err;
	if (last_is_dot(path))
		return -EEXIST;
	err = req_lookup(r, dirfd, path, 0, false, e);
	if (err)
		return err;
	if (e->type) {
		ovl_entry_release(e);
		return -EEXIST;
	}
	return 0;
}

static int64_t do_mkdir(struct req *r, int dirfd, uint64_t path_addr, mode_t mode)
{
	struct ovl_entry e;
	const struct ovl_cred *cred;
	int err = create_target(r, dirfd, path_addr, &e, &cred);
	if (err)
		return err;
	err = ovl_mkdir(r->sup->fs, cred, &e, mode & 07777);
	ovl_entry_release(&e);
	return err;
}

int64_t sys_mkdir(struct req *r)
{
	return do_mkdir(r, AT_FDCWD, ARG(r, 0), (mode_t)ARG(r, 1));
}

int64_t sys_mkdirat(struct req *r)
{
	return do_mkdir(r, (int)ARG(r, 0), ARG(r, 1), (mode_t)ARG(r, 2));
}

static int64_t do_mknod(struct req *r, int dirfd, uint64_t path_addr, mode_t mode, dev_t dev)
{
	struct ovl_entry e;
	const struct ovl_cred *cred;
	int err = ovl_mknod_check(mode);
	if (err || (err = create_target(r, dirfd, path_addr, &e, &cred)))
		return err;
	err = ovl_mknod(r->sup->fs, cred, &e, mode, dev);
	ovl_entry_release(&e);
	return err;
}

int64_t sys_mknod(struct req *r)
{
	return do_mknod(r, AT_FDCWD, ARG(r, 0), (mode_t)ARG(r, 1), (dev_t)(unsigned)ARG(r, 2));
}

int64_t sys_mknodat(struct req *r)
{
	return do_mknod(r, (int)ARG(r, 0), ARG(r, 1), (mode_t)ARG(r, 2), (dev_t)(unsigned)ARG(r, 3));
}

static int64_t do_symlink(struct req *r, uint64_t target_addr, int dirfd, uint64_t path_addr)
{
	char target[PATH_MAX];
	struct ovl_entry e;
	const struct ovl_cred *cred;
	int err = req_path(r, target_addr, target);
	if (err)
		return err;
	if (!target[0])
		return -ENOENT;
	err = create_target(r, dirfd, path_addr, &e, &cred);
	if (err)
		return err;
	err = ovl_symlink(r->sup->fs, cred, &e, target);
	ovl_entry_release(&e);
	return err;
}

int64_t sys_symlink(struct req *r)
{
	return do_symlink(r, ARG(r, 0), AT_FDCWD, ARG(r, 1));
}

int64_t sys_symlinkat(struct req *r)
{
	return do_symlink(r, ARG(r, 0), (int)ARG(r, 1), ARG(r, 2));
}
