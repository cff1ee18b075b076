/* chmod, fchmod, fchmodat, fchmodat2; chown, lchown, fchown, fchownat;
 * utime, utimes, futimesat, utimensat; truncate. */
#include <errno.h>
#include <linux/fs.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <utime.h>
#include "ovlrun/notify.h"
#include "ovlrun/syscalls.h"
#include "handlers.h"

enum attr_op { OP_CHMOD, OP_CHOWN, OP_UTIMES, OP_TRUNCATE };

struct attr_args {
	enum attr_op op;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	const struct timespec *ts;
	off_t len;
};

/* The change on an object outside the overlay (SC_OBJECT): made by the
 * supervisor, as the tracee, on the object it checked. */
static int apply_object(struct req *r, const struct attr_args *a)
{
	int err;
	if (a->op == OP_CHMOD)
		err = obj_chmod(r, a->mode);
	else if (a->op == OP_CHOWN)
		err = obj_chown(r, a->uid, a->gid);
	else if (a->op == OP_UTIMES)
		err = obj_utimens(r, a->ts);
	else
		err = obj_truncate(r, a->len);
	req_obj_release(r);
	return err;
}

static int64_t apply(struct req *r, int dirfd, const char *path, unsigned lflags,
		     bool empty_ok, const struct attr_args *a)
{
	struct ovl_entry e;
	const struct ovl_cred *cred;
	r->want_obj = true;
	/* (run by a user, an owner past the mapped ids goes in the file's
	 * owner record, which the kernel's fchown on the file would refuse) */
	r->via_engine = a->op == OP_CHOWN && r->sup->rootless;
	int err = req_cred(r, &cred);
	if (!err)
		err = req_lookup(r, dirfd, path, lflags, empty_ok, &e);
	if (err == SC_OBJECT)
		return apply_object(r, a);
	if (err)
		return err;
	struct ovl_fs *fs = r->sup->fs;
	if (e.type == 0)
		err = -ENOENT;
	else if (a->op == OP_CHMOD)
		err = S_ISLNK(e.type) ? -EOPNOTSUPP : ovl_chmod(fs, cred, &e, a->mode);
	else if (a->op == OP_CHOWN)
		err = ovl_chown(fs, cred, &e, a->uid, a->gid);
	else if (a->op == OP_UTIMES)
		err = ovl_utimens(fs, cred, &e, a->ts);
	else if (ovl_permission(cred, &e.st, OVL_MAY_WRITE) || !(err = busy_check(r, &e)))
		err = ovl_truncate(fs, cred, &e, a->len);
	ovl_entry_release(&e);
	return err;
}

static int64_t path_op(struct req *r, int dirfd, uint64_t path_addr, int atflags,
		       int allowed_flags, const struct attr_args *a)
{
	char path[PATH_MAX];
	if (atflags & ~allowed_flags)
		return -EINVAL;
	int err = req_path(r, path_addr, path);
	if (err == -EFAULT && (atflags & AT_EMPTY_PATH) && !path_addr)
		path[0] = 0, err = 0;
	if (err)
		return err;
	unsigned lflags = atflags & AT_SYMLINK_NOFOLLOW ? 0 : OVL_LOOKUP_FOLLOW;
	return apply(r, dirfd, path, lflags, atflags & AT_EMPTY_PATH, a);
}

int64_t sys_chmod(struct req *r)
{
	struct attr_args a = { .op = OP_CHMOD, .mode = (mode_t)ARG(r, 1) & 07777 };
	return path_op(r, AT_FDCWD, ARG(r, 0), 0, 0, &a);
}

/* The fd-only forms: the fd must be an open file (not O_PATH). */
static int64_t fd_op(struct req *r, int fd, const struct attr_args *a)
{
	int err = req_fd_open_file(r, fd);
	return err ? err : apply(r, fd, "", 0, true, a);
}

int64_t sys_fchmod(struct req *r)
{
	struct attr_args a = { .op = OP_CHMOD, .mode = (mode_t)ARG(r, 1) & 07777 };
	return fd_op(r, (int)ARG(r, 0), &a);
}

int64_t sys_fchmodat(struct req *r)
{
	struct attr_args a = { .op = OP_CHMOD, .mode = (mode_t)ARG(r, 2) & 07777 };
	return path_op(r, (int)ARG(r, 0), ARG(r, 1), 0, 0, &a);
}

int64_t sys_fchmodat2(struct req *r)
{
	struct attr_args a = { .op = OP_CHMOD, .mode = (mode_t)ARG(r, 2) & 07777 };
	return path_op(r, (int)ARG(r, 0), ARG(r, 1), (int)ARG(r, 3),
		       AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH, &a);
}

int64_t sys_chown(struct req *r)
{
	struct attr_args a = { .op = OP_CHOWN, .uid = (uid_t)ARG(r, 1), .gid = (gid_t)ARG(r, 2) };
	return path_op(r, AT_FDCWD, ARG(r, 0), 0, 0, &a);
}

int64_t sys_lchown(struct req *r)
{
	struct attr_args a = { .op = OP_CHOWN, .uid = (uid_t)ARG(r, 1), .gid = (gid_t)ARG(r, 2) };
	return path_op(r, AT_FDCWD, ARG(r, 0), AT_SYMLINK_NOFOLLOW, AT_SYMLINK_NOFOLLOW, &a);
}

int64_t sys_fchown(struct req *r)
{
	struct attr_args a = { .op = OP_CHOWN, .uid = (uid_t)ARG(r, 1), .gid = (gid_t)ARG(r, 2) };
	return fd_op(r, (int)ARG(r, 0), &a);
}

int64_t sys_fchownat(struct req *r)
{
	struct attr_args a = { .op = OP_CHOWN, .uid = (uid_t)ARG(r, 2), .gid = (gid_t)ARG(r, 3) };
	return path_op(r, (int)ARG(r, 0), ARG(r, 1), (int)ARG(r, 4),
		       AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH, &a);
}

int64_t sys_truncate(struct req *r)
{
	struct attr_args a = { .op = OP_TRUNCATE, .len = (off_t)ARG(r, 1) };
	if (a.len < 0)
		return -EINVAL;
	return path_op(r, AT_FDCWD, ARG(r, 0), 0, 0, &a);
}

/* ftruncate is native, but the kernel reports its MODIFY by inode only,
 * which the mount marks of notify_real.c do not see: with watches, the
 * supervisor truncates through the command's own open file (FD, a copy)
 * and says so. */
static int64_t ftruncate_told(struct req *r, int fd)
{
	char canon[OVL_PATH_MAX];
	enum fd_kind kind;
	int err = req_fd_kind(r, (int)ARG(r, 0), canon, &kind);
	if ((err && err != -ENOENT) || (kind != FD_UPPER && kind != FD_LOWER))
		return SC_CONTINUE;
	/* the command's file size limit, not ours: SIGXFSZ and EFBIG */
	struct rlimit fsize;
	off_t len = (off_t)ARG(r, 1);
	if (!prlimit(r->pid, RLIMIT_FSIZE, NULL, &fsize) && fsize.rlim_cur != RLIM_INFINITY &&
	    len >= 0 && (rlim_t)len > fsize.rlim_cur) {
		req_signal(r, SIGXFSZ);
		return -EFBIG;
	}
	err = ftruncate(fd, len) ? -errno : 0;
	if (!err && kind == FD_UPPER)
		notify_path(r->sup, canon, IN_MODIFY, false);
	return err;
}

int64_t sys_ftruncate(struct req *r)
{
	int fd = req_getfd(r, (int)ARG(r, 0));
	if (fd < 0)
		return SC_CONTINUE;     /* the kernel reports the bad fd itself */
	/* the overlay's append-only refuses it, as Linux (an upper file's
	 * record: the real inode has no flag; an fd opened for writing before
	 * immutable was set truncates, as on Linux) */
	int64_t ret = ovl_fd_prot_flags(r->sup->fs, fd) & FS_APPEND_FL ? -EPERM
		    : notify_watching(r->sup)                       ? ftruncate_told(r, fd)
		                                                    : SC_CONTINUE;
	close(fd);
	return ret;
}

/* Times from struct timeval[2] (utimes, futimesat) or utimbuf (utime). */
static int read_timeval_pair(struct req *r, uint64_t addr, struct timespec ts[2])
{
	struct timeval tv[2];
	int err = req_read(r, addr, tv, sizeof(tv));
	if (err)
		return err;
	for (int i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return -EINVAL;
		ts[i].tv_sec = tv[i].tv_sec;
		ts[i].tv_nsec = tv[i].tv_usec * 1000;
	}
	return 0;
}

int64_t sys_utime(struct req *r)
{
	struct timespec ts[2];
	struct attr_args a = { .op = OP_UTIMES, .ts = NULL };
	if (ARG(r, 1)) {
		struct utimbuf ub;
		int err = req_read(r, ARG(r, 1), &ub, sizeof(ub));
		if (err)
			return err;
		ts[0] = (struct timespec){ .tv_sec = ub.actime };
		ts[1] = (struct timespec){ .tv_sec = ub.modtime };
		a.ts = ts;
	}
	return path_op(r, AT_FDCWD, ARG(r, 0), 0, 0, &a);
}

static int64_t do_utimes(struct req *r, int dirfd, uint64_t path_addr, uint64_t tv_addr)
{
	struct timespec ts[2];
	struct attr_args a = { .op = OP_UTIMES, .ts = NULL };
	if (tv_addr) {
		int err = read_timeval_pair(r, tv_addr, ts);
		if (err)
			return err;
		a.ts = ts;
	}
	return path_op(r, dirfd, path_addr, 0, 0, &a);
}

int64_t sys_utimes(struct req *r)
{
	return do_utimes(r, AT_FDCWD, ARG(r, 0), ARG(r, 1));
}

int64_t sys_futimesat(struct req *r)
{
	return do_utimes(r, (int)ARG(r, 0), ARG(r, 1), ARG(r, 2));
}

int64_t sys_utimensat(struct req *r)
{
	struct timespec ts[2];
	struct attr_args a = { .op = OP_UTIMES, .ts = NULL };
	int atflags = (int)ARG(r, 3);
	if (atflags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (ARG(r, 2)) {
		int err = req_read(r, ARG(r, 2), ts, sizeof(ts));
		if (err)
			return err;
		for (int i = 0; i < 2; i++)
			if (ts[i].tv_nsec != UTIME_NOW && ts[i].tv_nsec != UTIME_OMIT &&
			    (ts[i].tv_nsec < 0 || ts[i].tv_nsec >= 1000000000))
				return -EINVAL;
		if (ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT)
			return 0;
		a.ts = ts;
	}
	if (!ARG(r, 1)) {
		/* futimens(fd): the fd itself, AT_SYMLINK_NOFOLLOW is invalid */
		if (atflags & AT_SYMLINK_NOFOLLOW)
			return -EINVAL;
		return fd_op(r, (int)ARG(r, 0), &a);
	}
	return path_op(r, (int)ARG(r, 0), ARG(r, 1), atflags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH, &a);
}
