/*
 * Inode flags (chattr/lsattr: FS_IOC_GETFLAGS, FS_IOC_SETFLAGS), as the
 * kernel's overlayfs keeps them.
 *
 * An object shows its real object's flags.  Setting flags copies it up
 * first; immutable and append-only live only in the upper object's
 * "protattr" xattr ("a", "i", "ai": the kernel's format), never on the
 * real inode (which would refuse the copy-up machinery, and leave the host
 * files a command made that its owner cannot simply remove); the others go
 * to the real upper object.  A copy-up carries a lower object's sync,
 * noatime, append-only and immutable flags the same way (a new index
 * entry's; a link-up keeps the entry's).  The engine refuses what the VFS
 * refuses for the two protected ones (ovl_prot_flags: opens for writing,
 * attribute and xattr changes, links, names made in or removed from a
 * dir; a lower object's are its real inode's, as the kernel's overlay
 * inode takes them), and so does the supervisor for calls through fds
 * (ovl_fd_prot_flags); writes through an fd go on, as on Linux, but for an
 * fd's data calls that an append-only inode would refuse (README
 * Differences).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "upper.h"

#define PROT_FLAGS (FS_APPEND_FL | FS_IMMUTABLE_FL)
#define COPY_FLAGS (FS_SYNC_FL | FS_NOATIME_FL | PROT_FLAGS)
#define PROTATTR_MAX 32

/* May change the immutable and append-only flags: CAP_LINUX_IMMUTABLE,
 * which the host honours in its initial user namespace alone (a run by a
 * user: never, as the kernel's overlayfs mounted there refuses it). */
static bool immutable_capable(const struct ovl_fs *fs, const struct ovl_cred *cred)
{
	return !fs->in_userns && ovl_overlay_capable(cred, CAP_LINUX_IMMUTABLE);
}

/* An fd to ask e's real object for its flags: regular files and dirs
 * (the ioctl of any other type is its driver's, or nothing: ENOTTY). */
static int open_flags_fd(struct ovl_fs *fs, const struct ovl_entry *e)
{
	if (!S_ISREG(e->type) && !S_ISDIR(e->type))
		return -ENOTTY;
	return ovl_open_real(fs, e, O_RDONLY | O_NONBLOCK);
}

static int set_protattr(struct ovl_fs *fs, int fd, unsigned flags)
{
	char buf[2];
	size_t n = 0;
	if (flags & FS_APPEND_FL)
		buf[n++] = 'a';
	if (flags & FS_IMMUTABLE_FL)
		buf[n++] = 'i';
	struct ovl_xnode x;
	ovl_xnode_init(&x, fd, false);
	if (n)
		return ovl_xnode_set(&x, fs->xa_protattr, buf, n);
	int err = fremovexattr(fd, fs->xa_protattr) ? -errno : 0;
	return err == -ENODATA ? 0 : err;
}

/* The two forms of the ioctls' attributes (struct ovl_fsattr). */
_Static_assert(sizeof(struct fsxattr) == sizeof(((struct ovl_fsattr *)0)->fsx), "fsxattr size");

static int real_get(int fd, struct ovl_fsattr *a)
{
	struct fsxattr x;
	if (!a->x)
		return ioctl(fd, FS_IOC_GETFLAGS, &a->flags) ? -errno : 0;
	if (ioctl(fd, FS_IOC_FSGETXATTR, &x))
		return -errno;
	memcpy(a->fsx, &x, sizeof(x));
	return 0;
}

static int real_set(int fd, const struct ovl_fsattr *a)
{
	struct fsxattr x;
	memcpy(&x, a->fsx, sizeof(x));
	return ioctl(fd, a->x ? FS_IOC_FSSETXATTR : FS_IOC_SETFLAGS,
		     a->x ? (void *)&x : (void *)&a->flags) ? -errno : 0;
}

/* Its protected flags, as FS_*_FL bits; set (or clear) them. */
static unsigned prot_bits(const struct ovl_fsattr *a)
{
	if (!a->x)
		return a->flags & PROT_FLAGS;
	struct fsxattr x;
	memcpy(&x, a->fsx, sizeof(x));
	return (x.fsx_xflags & FS_XFLAG_APPEND ? FS_APPEND_FL : 0) |
	       (x.fsx_xflags & FS_XFLAG_IMMUTABLE ? FS_IMMUTABLE_FL : 0);
}

static void set_prot(struct ovl_fsattr *a, unsigned prot)
{
	if (!a->x) {
		a->flags = (a->flags & ~PROT_FLAGS) | prot;
		return;
	}
	struct fsxattr x;
	memcpy(&x, a->fsx, sizeof(x));
	x.fsx_xflags &= ~(FS_XFLAG_APPEND | FS_XFLAG_IMMUTABLE);
	x.fsx_xflags |= (prot & FS_APPEND_FL ? FS_XFLAG_APPEND : 0) |
			(prot & FS_IMMUTABLE_FL ? FS_XFLAG_IMMUTABLE : 0);
	memcpy(a->fsx, &x, sizeof(x));
}

static bool same(const struct ovl_fsattr *a, const struct ovl_fsattr *b)
{
	return a->x ? !memcmp(a->fsx, b->fsx, sizeof(a->fsx)) : a->flags == b->flags;
}

/* New attributes of a real upper object (fd; its real ones cur, prot
 * the protected flags it records): the record, then the rest on the
 * inode, without the protected flags. */
static int apply(struct ovl_fs *fs, int fd, const struct ovl_fsattr *cur, unsigned prot,
		 const struct ovl_fsattr *want)
{
	unsigned wprot = prot_bits(want);
	int err = (prot | wprot) & PROT_FLAGS ? set_protattr(fs, fd, wprot) : 0;
	struct ovl_fsattr real = *want;
	set_prot(&real, 0);
	if (!err && !same(&real, cur))
		err = real_set(fd, &real);
	return err;
}

#ifndef SYS_getxattrat
#define SYS_getxattrat 464
#endif
struct xattr_args_v0 {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

/* The protattr record of dirfd/name ("": dirfd itself) into buf. */
static ssize_t protattr_at(const struct ovl_fs *fs, int dirfd, const char *name, char *buf,
			   size_t n)
{
	if (!name[0])
		return fgetxattr(dirfd, fs->xa_protattr, buf, n);
	/* one call without opening the object (Linux 6.13), else by its
	 * /proc name */
	struct xattr_args_v0 args = { .value = (uintptr_t)buf, .size = (uint32_t)n };
	ssize_t r = syscall(SYS_getxattrat, dirfd, name, AT_SYMLINK_NOFOLLOW, fs->xa_protattr,
			    &args, sizeof(args));
	/* (refused or unknown, as a container's seccomp profile may: by
	 * the /proc name, never "none") */
	if (r >= 0 || errno == ENODATA || errno == ENOENT || errno == ENOTSUP)
		return r;
	char proc[PATH_MAX];
	if (snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", dirfd, name) >= (int)sizeof(proc))
		return -1;
	return lgetxattr(proc, fs->xa_protattr, buf, n);
}

/* A record's flags: 'a' and 'i' only, or none (the kernel drops a record
 * with anything else in it). */
static unsigned parse_protattr(const char *buf, ssize_t n)
{
	unsigned flags = 0;
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] != 'a' && buf[i] != 'i')
			return 0;
		flags |= buf[i] == 'a' ? FS_APPEND_FL : FS_IMMUTABLE_FL;
	}
	return flags;
}

static unsigned prot_of(const struct ovl_fs *fs, int dirfd, const char *name)
{
	char buf[PROTATTR_MAX];
	return parse_protattr(buf, protattr_at(fs, dirfd, name, buf, sizeof(buf)));
}

unsigned ovl_fd_prot_flags(const struct ovl_fs *fs, int fd)
{
	char buf[PROTATTR_MAX];
	return parse_protattr(buf, ovl_fd_xattr_get(fd, fs->xa_protattr, buf, sizeof(buf)));
}

bool ovl_prot_refuses_open(unsigned prot, int flags)
{
	bool writes = (flags & O_ACCMODE) != O_RDONLY, trunc = flags & O_TRUNC;
	return ((prot & FS_IMMUTABLE_FL) && (writes || trunc)) ||
	       ((prot & FS_APPEND_FL) && ((writes && !(flags & O_APPEND)) || trunc));
}

/* A real object's own immutable and append-only (a lower's: the kernel's
 * overlay inode takes them from it). */
static unsigned real_prot(int dirfd, const char *name)
{
	struct statx x;
	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | (name[0] ? 0 : AT_EMPTY_PATH), 0, &x))
		return 0;
	return (x.stx_attributes & STATX_ATTR_IMMUTABLE ? FS_IMMUTABLE_FL : 0) |
	       (x.stx_attributes & STATX_ATTR_APPEND ? FS_APPEND_FL : 0);
}

unsigned ovl_prot_flags(const struct ovl_fs *fs, const struct ovl_entry *e)
{
	const char *name;
	if (!e->type)
		return 0;
	int dirfd = ovl_entry_real_at(e, &name);
	if (dirfd < 0)
		return 0;
	/* an upper object's are in its record, a lower's its own */
	return e->layer == OVL_UPPER || e->indexed ? prot_of(fs, dirfd, name)
						   : real_prot(dirfd, name);
}

unsigned ovl_parent_prot_flags(const struct ovl_fs *fs, const struct ovl_entry *e)
{
	if (e->parent.n == 0)
		return 0;
	/* (a cached dir's, read once: every create and removal asks) */
	int known = e->parent_pin ? ovl_dcache_prot(e->parent_pin) : -1;
	if (known >= 0)
		return (unsigned)known;
	unsigned prot = e->parent.layer[0] == OVL_UPPER ? prot_of(fs, e->parent.fd[0], "")
							: real_prot(e->parent.fd[0], "");
	if (e->parent_pin)
		ovl_dcache_set_prot(e->parent_pin, prot);
	return prot;
}

int ovl_get_fsattr(struct ovl_fs *fs, const struct ovl_entry *e, struct ovl_fsattr *a)
{
	if (e->type == 0)
		return -ENOENT;
	int fd = open_flags_fd(fs, e);
	if (fd < 0)
		return fd;
	int err = real_get(fd, a);
	if (!err && (e->layer == OVL_UPPER || e->indexed))
		set_prot(a, prot_bits(a) | prot_of(fs, fd, ""));
	close(fd);
	return err;
}

static int set_held(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
		    const struct ovl_fsattr *want)
{
	if (e->type == 0)
		return -ENOENT;
	if (!ovl_fs_writable(fs))
		return -EROFS;
	struct ovl_fsattr cur = { .x = want->x };
	int err = ovl_get_fsattr(fs, e, &cur);
	if (err)
		return err;
	/* the VFS's order: the owner, then the protected flags' capability */
	if (!ovl_owner_or_capable(cred, &e->st))
		return -EPERM;
	if ((prot_bits(&cur) ^ prot_bits(want)) && !immutable_capable(fs, cred))
		return -EPERM;
	if ((err = ovl_copy_up_flags(fs, e, 0)))
		return err;
	int fd = open_flags_fd(fs, e);
	if (fd < 0)
		return fd;
	if (!(err = real_get(fd, &cur)))
		err = apply(fs, fd, &cur, prot_bits(&cur) | prot_of(fs, fd, ""), want);
	/* a dir's flags are cached with it (ovl_parent_prot_flags) */
	if (S_ISDIR(e->type))
		ovl_dcache_invalidate(fs, e->path, false);
	if (!err && fstat(fd, &e->st))
		err = -errno;
	close(fd);
	return err;
}

int ovl_set_fsattr(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
		   const struct ovl_fsattr *a)
{
	OVL_HOLD(h);
	int err = ovl_hold_entry(fs, &h, e);
	return err ? err : set_held(fs, cred, e, a);
}

int ovl_get_fsattr_fd(struct ovl_fs *fs, int fd, struct ovl_fsattr *a)
{
	int err = real_get(fd, a);
	if (!err)
		set_prot(a, prot_bits(a) | ovl_fd_prot_flags(fs, fd));
	return err;
}

int ovl_set_fsattr_fd(struct ovl_fs *fs, const struct ovl_cred *cred, int fd,
		      const struct ovl_fsattr *want)
{
	struct ovl_fsattr real = { .x = want->x };
	struct stat st;
	int err = fstat(fd, &st) ? -errno : real_get(fd, &real);
	if (err)
		return err;
	unsigned prot = prot_bits(&real) | ovl_fd_prot_flags(fs, fd);
	/* as set_held: the owner, then the protected flags' capability */
	if (!ovl_owner_or_capable(cred, &st))
		return -EPERM;
	if ((prot ^ prot_bits(want)) && !immutable_capable(fs, cred))
		return -EPERM;
	return apply(fs, fd, &real, prot, want);
}

int ovl_copy_fsflags(struct ovl_fs *fs, int src, int parent, const char *name)
{
	struct ovl_fsattr lower = { .x = false }, cur = { .x = false };
	if (real_get(src, &lower) || !(lower.flags & COPY_FLAGS))
		return 0;               /* none to carry (or no flags there) */
	int fd = openat(parent, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int err = real_get(fd, &cur);
	if (!err) {
		struct ovl_fsattr want = { .flags = (cur.flags & ~COPY_FLAGS) |
						    (lower.flags & COPY_FLAGS) };
		err = apply(fs, fd, &cur, 0, &want);
	}
	close(fd);
	/* (a filesystem without these flags: as the kernel, nothing to keep) */
	return err == -ENOTTY || err == -EOPNOTSUPP || err == -EINVAL ? 0 : err;
}
