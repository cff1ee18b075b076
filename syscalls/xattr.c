/* The xattr family: get/set/list/remove with their l- and f- forms. */
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <stdlib.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "ovlrun/syscalls.h"

enum xa_form { XA_PATH, XA_LPATH, XA_FD };

/* Resolve the target of an xattr call; the fd forms use the fd itself. */
static int xa_target(struct req *r, enum xa_form form, struct ovl_entry *e)
{
	char path[PATH_MAX];
	if (form == XA_FD) {
		int err = req_fd_open_file(r, (int)ARG(r, 0));
		return err ? err : req_lookup(r, (int)ARG(r, 0), "", 0, true, e);
	}
	int err = req_path(r, ARG(r, 0), path);
	if (err)
		return err;
	err = req_lookup(r, AT_FDCWD, path, form == XA_PATH ? OVL_LOOKUP_FOLLOW : 0, false, e);
	if (!err && e->type == 0) {
		ovl_entry_release(e);
		return -ENOENT;
	}
	return err;
}

static int read_name(struct req *r, char *name)
{
	int err = req_string(r, ARG(r, 1), name, XATTR_NAME_MAX + 1);
	if (err == -ENAMETOOLONG)
		return -ERANGE;
	if (!err && !name[0])
		return -ERANGE;
	return err;
}

/* The fd form's fd, when it is an upper file the overlay no longer names
 * (the kernel would list or read its names as they are on the host, the
 * overlay's own among them): a copy of it, else -1. */
static int unlinked_copy(struct req *r)
{
	int copy = req_getfd(r, (int)ARG(r, 0));
	if (copy >= 0 && !req_unlinked_upper(r, copy)) {
		close(copy);
		copy = -1;
	}
	return copy < 0 ? -1 : copy;
}

static int64_t do_get(struct req *r, enum xa_form form)
{
	r->intent = INTENT_READ;
	char name[XATTR_NAME_MAX + 1];
	char *value = r->scratch;
	struct ovl_entry e;
	const struct ovl_cred *cred;
	size_t size = (size_t)ARG(r, 3);
	if (size > XATTR_SIZE_MAX)
		size = XATTR_SIZE_MAX;
	int err = read_name(r, name);
	if (err || (err = req_cred(r, &cred)))
		return err;
	ssize_t n;
	int copy;
	if ((err = xa_target(r, form, &e)) == SC_CONTINUE && form == XA_FD &&
	    (copy = unlinked_copy(r)) >= 0) {
		n = ovl_getxattr_fd(r->sup->fs, cred, copy, name, size ? value : NULL, size);
		close(copy);
		err = 0;
	} else if (err) {
		return err;
	} else {
		n = ovl_getxattr(r->sup->fs, cred, &e, name, size ? value : NULL, size);
		ovl_entry_release(&e);
	}
	if (n > 0 && size)
		err = req_write(r, ARG(r, 2), value, (size_t)n);
	return err ? err : n;
}

static int64_t do_list(struct req *r, enum xa_form form)
{
	r->intent = INTENT_READ;
	char *list = r->scratch;
	struct ovl_entry e;
	const struct ovl_cred *cred;
	size_t size = (size_t)ARG(r, 2);
	if (size > XATTR_LIST_MAX)
		size = XATTR_LIST_MAX;
	int err = req_cred(r, &cred);
	if (err)
		return err;
	ssize_t n;
	int copy;
	if ((err = xa_target(r, form, &e)) == SC_CONTINUE && form == XA_FD &&
	    (copy = unlinked_copy(r)) >= 0) {
		n = ovl_listxattr_fd(r->sup->fs, cred, copy, size ? list : NULL, size);
		close(copy);
		err = 0;
	} else if (err) {
		return err;
	} else {
		n = ovl_listxattr(r->sup->fs, cred, &e, size ? list : NULL, size);
		ovl_entry_release(&e);
	}
	if (n > 0 && size)
		err = req_write(r, ARG(r, 1), list, (size_t)n);
	return err ? err : n;
}

static int64_t do_set(struct req *r, enum xa_form form)
{
	char name[XATTR_NAME_MAX + 1];
	char *value = r->scratch;
	struct ovl_entry e;
	const struct ovl_cred *cred;
	size_t size = (size_t)ARG(r, 3);
	int flags = (int)ARG(r, 4);
	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	int err = read_name(r, name);
	if (err || (err = req_read(r, ARG(r, 2), value, size)))
		return err;
	r->want_obj = true;
	if (!(err = req_cred(r, &cred)))
		err = xa_target(r, form, &e);
	if (err == SC_OBJECT) {
		/* outside the overlay (or a removed upper file): on the object
		 * checked, as the tracee, but never the overlay's own names */
		err = ovl_xattr_reserved(r->sup->fs, name) ? -EPERM
			: obj_setxattr(r, name, value, size, flags);
		req_obj_release(r);
		return err;
	}
	if (err)
		return err;
	err = ovl_setxattr(r->sup->fs, cred, &e, name, value, size, flags);
	ovl_entry_release(&e);
	return err;
}

static int64_t do_remove(struct req *r, enum xa_form form)
{
	char name[XATTR_NAME_MAX + 1];
	struct ovl_entry e;
	const struct ovl_cred *cred;
	int err = read_name(r, name);
	r->want_obj = true;
	if (!err && !(err = req_cred(r, &cred)))
		err = xa_target(r, form, &e);
	if (err == SC_OBJECT) {
		err = ovl_xattr_reserved(r->sup->fs, name) ? -EPERM : obj_removexattr(r, name);
		req_obj_release(r);
		return err;
	}
	if (err)
		return err;
	err = ovl_removexattr(r->sup->fs, cred, &e, name);
	ovl_entry_release(&e);
	return err;
}

int64_t sys_getxattr(struct req *r) { return do_get(r, XA_PATH); }
int64_t sys_lgetxattr(struct req *r) { return do_get(r, XA_LPATH); }
int64_t sys_fgetxattr(struct req *r) { return do_get(r, XA_FD); }
int64_t sys_listxattr(struct req *r) { return do_list(r, XA_PATH); }
int64_t sys_llistxattr(struct req *r) { return do_list(r, XA_LPATH); }
int64_t sys_flistxattr(struct req *r) { return do_list(r, XA_FD); }
int64_t sys_setxattr(struct req *r) { return do_set(r, XA_PATH); }
int64_t sys_lsetxattr(struct req *r) { return do_set(r, XA_LPATH); }
int64_t sys_fsetxattr(struct req *r) { return do_set(r, XA_FD); }
int64_t sys_removexattr(struct req *r) { return do_remove(r, XA_PATH); }
int64_t sys_lremovexattr(struct req *r) { return do_remove(r, XA_LPATH); }
int64_t sys_fremovexattr(struct req *r) { return do_remove(r, XA_FD); }
