/*
 * Calls the supervisor makes itself on an object it holds for the tracee
 * (r->obj, SC_OBJECT), instead of letting the kernel re-read the tracee's
 * arguments: the path, the struct and the fd table it checked are the only
 * ones used.  The serving thread takes the tracee's file-system identity
 * for the call (req_become), so the kernel's own permission checks are the
 * tracee's.  The object is reached through our own /proc/self/fd link or
 * with AT_EMPTY_PATH, which act on an O_PATH fd as on the file (a magic
 * link, once followed, is not followed further: a symlink object is the
 * symlink itself).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "ovlrun/syscalls.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/* Flags a reopen keeps; O_CREAT, O_EXCL (the file exists) and O_NOFOLLOW
 * (the link is ours) are the original lookup's business. */
#define REOPEN_FLAGS (O_ACCMODE | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | O_DIRECT | \
		      O_LARGEFILE | O_DIRECTORY | O_NOATIME | O_SYNC)

enum obj_op { OP_CHMOD, OP_CHOWN, OP_UTIMENS, OP_TRUNCATE, OP_SETXATTR, OP_REMOVEXATTR, OP_OPEN };

struct obj_args {
	enum obj_op op;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	const struct timespec *ts;
	off_t len;
	const char *name;
	const void *value;
	size_t size;
	int flags;
};

/* The call itself; 0, an fd for OP_OPEN, or -errno. */
static int call(int obj, const char *self, const struct obj_args *a)
{
	int rv;
	switch (a->op) {
	case OP_CHMOD:
		rv = (int)syscall(SYS_fchmodat2, obj, "", a->mode, AT_EMPTY_PATH);
		break;
	case OP_CHOWN:
		rv = fchownat(obj, "", a->uid, a->gid, AT_EMPTY_PATH);
		break;
	case OP_UTIMENS:
		rv = utimensat(obj, "", a->ts, AT_EMPTY_PATH);
		break;
	case OP_TRUNCATE:
		rv = truncate(self, a->len);
		break;
	case OP_SETXATTR:
		rv = setxattr(self, a->name, a->value, a->size, a->flags);
		break;
	case OP_REMOVEXATTR:
		rv = removexattr(self, a->name);
		break;
	default:
		/* O_NOCTTY: a terminal never becomes the supervisor's */
		rv = open(self, (a->flags & REOPEN_FLAGS) | O_NOCTTY | O_CLOEXEC);
		break;
	}
	return rv < 0 ? -errno : rv;
}

/* What the overlay's immutable and append-only flags of an upper file
 * refuse (the VFS's rules; the engine's for calls by name). */
static int prot_refuses(struct req *r, const struct obj_args *a)
{
	unsigned prot = ovl_fd_prot_flags(r->sup->fs, r->obj);
	if (!prot)
		return 0;
	if (a->op == OP_OPEN)
		return ovl_prot_refuses_open(prot, a->flags) ? -EPERM : 0;
	/* (an append-only file takes the time now) */
	bool touch = a->op == OP_UTIMENS &&
		     (!a->ts || (a->ts[0].tv_nsec == UTIME_NOW && a->ts[1].tv_nsec == UTIME_NOW));
	return touch && !(prot & FS_IMMUTABLE_FL) ? 0 : -EPERM;
}

static int act(struct req *r, const struct obj_args *a)
{
	char self[64];
	struct stat st;
	if (!r->obj_kind)
		return -EBADF;
	if (fstat(r->obj, &st))
		return -errno;
	if (a->op == OP_CHMOD && S_ISLNK(st.st_mode))
		return -EOPNOTSUPP;  /* as fchmodat2(AT_SYMLINK_NOFOLLOW) */
	int refused = S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) ? prot_refuses(r, a) : 0;
	if (refused)
		return refused;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", r->obj);
	struct req_saved sv;
	int err = req_become(r, &sv);
	if (err)
		return err;
	int rv = call(r->obj, self, a);
	req_unbecome(&sv);
	return rv;
}

int obj_chmod(struct req *r, mode_t mode)
{
	return act(r, &(struct obj_args){ .op = OP_CHMOD, .mode = mode });
}

int obj_chown(struct req *r, uid_t uid, gid_t gid)
{
	return act(r, &(struct obj_args){ .op = OP_CHOWN, .uid = uid, .gid = gid });
}

int obj_utimens(struct req *r, const struct timespec ts[2])
{
	return act(r, &(struct obj_args){ .op = OP_UTIMENS, .ts = ts });
}

int obj_truncate(struct req *r, off_t len)
{
	return act(r, &(struct obj_args){ .op = OP_TRUNCATE, .len = len });
}

int obj_setxattr(struct req *r, const char *name, const void *value, size_t size, int flags)
{
	return act(r, &(struct obj_args){ .op = OP_SETXATTR, .name = name, .value = value,
					  .size = size, .flags = flags });
}

int obj_removexattr(struct req *r, const char *name)
{
	return act(r, &(struct obj_args){ .op = OP_REMOVEXATTR, .name = name });
}

/* The access an open asks for: O_RDONLY, O_WRONLY or O_RDWR (truncating
 * writes). */
static int wanted(int flags)
{
	int acc = flags & O_ACCMODE;
	return (flags & O_TRUNC) && acc == O_RDONLY ? O_RDWR : acc;
}

int64_t obj_open(struct req *r, int flags)
{
	int fd;
	if (r->obj_kind == OBJ_MOUNTS || r->obj_kind == OBJ_MOUNTS_TABLE) {
		if (flags & O_DIRECTORY)
			return -ENOTDIR;
		fd = mountinfo_sanitized(r->obj, r->obj_kind == OBJ_MOUNTS_TABLE,
					 !ovl_fs_writable(r->sup->fs));
	} else {
		int want = wanted(flags);
		if (r->obj_kind == OBJ_HOST && !(r->obj_acc == O_RDWR ||
						 (r->obj_acc >= 0 && r->obj_acc == want)))
			return -EACCES;  /* never more than the host's fd has */
		struct stat st;
		bool fifo = !fstat(r->obj, &st) && S_ISFIFO(st.st_mode);
		/* A device is opened by the kernel for the tracee (its node
		 * bound in the shadow), never here: /dev/tty (5:0) opened by
		 * us is our terminal, not the tracee's; only a host object the
		 * tracee holds already is its own device */
		bool dev = S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode);
		if (dev && (r->obj_kind != OBJ_HOST || st.st_rdev == makedev(5, 0)))
			return -EACCES;
		/* a FIFO's open must not block the supervisor */
		fd = act(r, &(struct obj_args){ .op = OP_OPEN,
						.flags = flags | (fifo ? O_NONBLOCK : 0) });
		if (fd >= 0 && fifo && !(flags & O_NONBLOCK))
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	}
	return fd < 0 ? fd : req_addfd(r, fd, flags);
}
