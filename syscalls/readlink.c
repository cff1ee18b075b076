/* readlink, readlinkat. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include "ovlrun/syscalls.h"

static int64_t do_readlink(struct req *r, int dirfd, uint64_t path_addr, uint64_t buf, int64_t size)
{
	r->intent = INTENT_READ;
	char path[PATH_MAX], target[PATH_MAX];
	struct ovl_entry e;
	if (size <= 0)
		return -EINVAL;
	int err = req_path(r, path_addr, path);
	if (err)
		return err;
	ssize_t n = req_magic_readlink(r, dirfd, path, target, sizeof(target));
	if (n == SC_CONTINUE) {
		/* readlinkat(fd, "") reads the symlink an O_PATH fd refers to */
		err = req_lookup(r, dirfd, path, path[0] ? OVL_LOOKUP_TYPE_ONLY : 0, true, &e);
		if (err)
			return err;
		n = e.type == 0 ? -ENOENT : !S_ISLNK(e.type) ? -EINVAL :
		    ovl_readlink(r->sup->fs, &e, target, sizeof(target));
		ovl_entry_release(&e);
	}
	if (n < 0)
		return n;
	if (n > size)
		n = size;
	err = req_write(r, buf, target, (size_t)n);
	return err ? err : n;
}

int64_t sys_readlink(struct req *r)
{
	return do_readlink(r, AT_FDCWD, ARG(r, 0), ARG(r, 1), (int64_t)(int)ARG(r, 2));
}

int64_t sys_readlinkat(struct req *r)
{
	return do_readlink(r, (int)ARG(r, 0), ARG(r, 1), ARG(r, 2), (int64_t)(int)ARG(r, 3));
}
