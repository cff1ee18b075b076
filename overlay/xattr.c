/*
 * Extended attributes of the topmost real object, symlinks included.
 *
 * The overlay's own xattrs (the configured prefix, "trusted.overlay.") are
 * its bookkeeping on the real objects, never shown nor reachable.  A name
 * a caller gives under that prefix is escaped as Linux 6.7's overlayfs
 * does: stored with "overlay." after the prefix ("trusted.overlay.x" is
 * "trusted.overlay.overlay.x" on the upper file, which the kernel's
 * overlayfs reads back as "trusted.overlay.x"), and shown without it.
 * The namespace rules are the VFS's xattr_permission plus commoncap's
 * security.* rules, judged with the caller's credentials; trusted.* needs
 * CAP_SYS_ADMIN, which the sandbox never grants, so root inside (fsuid 0
 * holding CAP_FOWNER, which it is given) counts as having it for the
 * overlay's files: they are the sandbox's filesystem to administer.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "internal.h"

/* *xattrat(2), Linux 6.13; one number on every architecture. */
#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#define SYS_getxattrat 464
#define SYS_listxattrat 465
#define SYS_removexattrat 466
#endif

struct xattr_args_v0 {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

#define PFX(s, p) (!strncmp((s), (p), sizeof(p) - 1))

/* The overlay's own name space, and the escaped names in it (the kernel
 * takes the prefix and "overlay" without its dot). */
static bool is_own(const struct ovl_fs *fs, const char *name)
{
	return !strncmp(name, fs->xattr_prefix, fs->xattr_prefix_len);
}

static bool is_escaped(const struct ovl_fs *fs, const char *name)
{
	return is_own(fs, name) && PFX(name + fs->xattr_prefix_len, "overlay");
}

bool ovl_xattr_is_private(const struct ovl_fs *fs, const char *name)
{
	return is_own(fs, name) && !is_escaped(fs, name);
}

/* The owner records (override.c): the command never sees nor sets them
 * (a name as the caller gives it and as it is on the object: it is not
 * in the overlay's own name space), while copy-up copies them. */
static bool is_record(const struct ovl_fs *fs, const char *name)
{
	return fs->override_stat && !strcmp(name, OVL_OVERRIDE_XATTR);
}

bool ovl_xattr_reserved(const struct ovl_fs *fs, const char *name)
{
	return is_own(fs, name) || is_record(fs, name);
}

/* The name on the real object for a caller's name (real: XATTR_NAME_MAX
 * + 1 bytes). */
static int real_name(const struct ovl_fs *fs, const char *name, char *real)
{
	const char *esc = is_own(fs, name) ? "overlay." : "";
	size_t p = is_own(fs, name) ? fs->xattr_prefix_len : 0;
	if (strlen(name) + strlen(esc) > XATTR_NAME_MAX)
		return -EOPNOTSUPP;     /* as the kernel, for an escape too long */
	snprintf(real, XATTR_NAME_MAX + 1, "%.*s%s%s", (int)p, name, esc, name + p);
	return 0;
}

/* trusted.*: CAP_SYS_ADMIN, or root inside (see the top). */
static bool trusted_capable(const struct ovl_fs *fs, const struct ovl_cred *cred)
{
	/* (the host honours CAP_SYS_ADMIN for them in its initial user
	 * namespace alone: never in a run by a user) */
	return !fs->in_userns && ovl_overlay_capable(cred, CAP_SYS_ADMIN);
}

/* The VFS's xattr_permission (mask OVL_MAY_READ or OVL_MAY_WRITE). */
static int xattr_permission(const struct ovl_fs *fs, const struct ovl_cred *cred,
			    const struct stat *st, const char *name, int mask)
{
	bool write = mask & OVL_MAY_WRITE;
	if (PFX(name, "security.") || PFX(name, "system."))
		return 0;               /* left to the LSM / the ACL handler */
	if (PFX(name, "trusted.")) {
		if (!trusted_capable(fs, cred))
			return write ? -EPERM : -ENODATA;
		return 0;
	}
	if (PFX(name, "user.")) {
		if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
			return write ? -EPERM : -ENODATA;
		if (S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) && write &&
		    !ovl_owner_or_capable(cred, st))
			return -EPERM;
	}
	return ovl_permission(cred, st, mask);
}

/* What the LSM (commoncap) and ACL handlers add for set and remove. */
static int xattr_set_permission(const struct ovl_cred *cred, const struct stat *st,
				const char *name)
{
	if (!strcmp(name, "security.capability"))
		return ovl_capable(cred, CAP_SETFCAP) ? 0 : -EPERM;
	if (PFX(name, "security."))
		return ovl_capable(cred, CAP_SYS_ADMIN) ? 0 : -EPERM;
	if (!strcmp(name, "system.posix_acl_access") || !strcmp(name, "system.posix_acl_default"))
		return ovl_owner_or_capable(cred, st) ? 0 : -EPERM;
	return 0;
}

static bool known_namespace(const char *name)
{
	return PFX(name, "user.") || PFX(name, "trusted.") || PFX(name, "security.") ||
	       PFX(name, "system.");
}

/* ---- the real object: *xattrat, else an O_PATH fd and its /proc name ---- */

struct xtarget {
	int dirfd;
	const char *name;               /* "" for the root: AT_EMPTY_PATH */
	int opath;                      /* fallback fd, -1 until needed */
	char proc[32];
};

static int xt_init(const struct ovl_entry *e, struct xtarget *t)
{
	t->opath = -1;
	t->dirfd = ovl_entry_real_at(e, &t->name);
	return t->dirfd < 0 ? t->dirfd : 0;
}

/* Before 6.13 none; and an O_PATH fd itself ("" name) is EBADF to them,
 * as to fgetxattr: its /proc name serves both. */
static bool no_xattrat(const struct xtarget *t, int err)
{
	return err == ENOSYS || (err == EBADF && !t->name[0]);
}

/* Following /proc/self/fd/N of an O_PATH fd lands on the object itself,
 * even a symlink. */
static int xt_fallback(struct xtarget *t)
{
	if (t->opath >= 0)
		return 0;
	t->opath = openat(t->dirfd, t->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (t->opath < 0 && !t->name[0])
		t->opath = fcntl(t->dirfd, F_DUPFD_CLOEXEC, 3);
	if (t->opath < 0)
		return -errno;
	snprintf(t->proc, sizeof(t->proc), "/proc/self/fd/%d", t->opath);
	return 0;
}

static void xt_fini(struct xtarget *t)
{
	if (t->opath >= 0)
		close(t->opath);
}

static ssize_t xt_get(struct xtarget *t, const char *name, void *buf, size_t size)
{
	struct xattr_args_v0 a = { .value = (uintptr_t)buf, .size = (uint32_t)size };
	long r = syscall(SYS_getxattrat, t->dirfd, t->name, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH,
			 name, &a, sizeof(a));
	if (r >= 0)
		return r;
	if (!no_xattrat(t, errno))
		return -errno;
	int err = xt_fallback(t);
	if (err)
		return err;
	ssize_t n = getxattr(t->proc, name, buf, size);
	return n < 0 ? -errno : n;
}

static ssize_t xt_list(struct xtarget *t, char *buf, size_t size)
{
	long r = syscall(SYS_listxattrat, t->dirfd, t->name, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH,
			 buf, size);
	if (r >= 0)
		return r;
	if (!no_xattrat(t, errno))
		return -errno;
	int err = xt_fallback(t);
	if (err)
		return err;
	ssize_t n = listxattr(t->proc, buf, size);
	return n < 0 ? -errno : n;
}

ssize_t ovl_xattr_get_at(int dirfd, const char *name, const char *xattr, void *buf, size_t size)
{
	struct xtarget t = { .dirfd = dirfd, .name = name, .opath = -1 };
	ssize_t n = xt_get(&t, xattr, buf, size);
	xt_fini(&t);
	return n;
}

static int xt_set(struct xtarget *t, const char *name, const void *v, size_t size, int flags)
{
	struct xattr_args_v0 a = { .value = (uintptr_t)v, .size = (uint32_t)size,
				   .flags = (uint32_t)flags };
	long r = syscall(SYS_setxattrat, t->dirfd, t->name, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH,
			 name, &a, sizeof(a));
	if (r == 0)
		return 0;
	if (!no_xattrat(t, errno))
		return -errno;
	int err = xt_fallback(t);
	if (err)
		return err;
	return setxattr(t->proc, name, v, size, flags) ? -errno : 0;
}

static int xt_remove(struct xtarget *t, const char *name)
{
	long r = syscall(SYS_removexattrat, t->dirfd, t->name, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH,
			 name);
	if (r == 0)
		return 0;
	if (!no_xattrat(t, errno))
		return -errno;
	int err = xt_fallback(t);
	if (err)
		return err;
	return removexattr(t->proc, name) ? -errno : 0;
}

/* ---- the operations ---- */

/* A get on t, the real object of an overlay object shown as st. */
static ssize_t get_on(struct ovl_fs *fs, const struct ovl_cred *cred, const struct stat *st,
		      struct xtarget *t, const char *name, void *buf, size_t size)
{
	char real[XATTR_NAME_MAX + 1];
	int err = xattr_permission(fs, cred, st, name, OVL_MAY_READ);
	if (err)
		return err;
	if (!known_namespace(name))
		return -EOPNOTSUPP;
	if (is_record(fs, name))
		return -ENODATA;
	if ((err = real_name(fs, name, real)))
		return err;
	return xt_get(t, real, buf, size);
}

ssize_t ovl_getxattr(struct ovl_fs *fs, const struct ovl_cred *cred, const struct ovl_entry *e,
		     const char *name, void *buf, size_t size)
{
	if (e->type == 0)
		return -ENOENT;
	struct xtarget t;
	int err = xt_init(e, &t);
	if (err)
		return err;
	ssize_t n = get_on(fs, cred, &e->st, &t, name, buf, size);
	xt_fini(&t);
	return n;
}

/* An upper file the overlay no longer names, by an fd of it: its own. */
static int fd_target(struct ovl_fs *fs, int fd, struct xtarget *t, struct stat *st)
{
	*t = (struct xtarget){ .dirfd = fd, .name = "", .opath = -1 };
	return ovl_shown_lstat(fs, fd, "", st);
}

ssize_t ovl_getxattr_fd(struct ovl_fs *fs, const struct ovl_cred *cred, int fd, const char *name,
			void *buf, size_t size)
{
	struct xtarget t;
	struct stat st;
	int err = fd_target(fs, fd, &t, &st);
	if (err)
		return err;
	ssize_t n = get_on(fs, cred, &st, &t, name, buf, size);
	xt_fini(&t);
	return n;
}

/* Keep the names the caller may see, an escaped one as the caller named
 * it; returns the filtered length. */
static size_t filter_names(const struct ovl_fs *fs, const struct ovl_cred *cred, char *list,
			   size_t len)
{
	size_t out = 0, p = fs->xattr_prefix_len, esc = strlen("overlay.");
	for (size_t i = 0; i < len;) {
		const char *s = list + i;
		size_t n = strnlen(s, len - i) + 1;
		bool keep = !ovl_xattr_is_private(fs, s) && !is_record(fs, s) &&
			    (!PFX(s, "trusted.") || trusted_capable(fs, cred));
		/* "<prefix>overlay" alone has nothing to drop */
		bool unescape = keep && is_escaped(fs, s) && n - 1 >= p + esc;
		if (unescape) {
			memmove(list + out, s, p);
			memmove(list + out + p, s + p + esc, n - p - esc);
			out += n - esc;
		} else if (keep) {
			memmove(list + out, s, n);
			out += n;
		}
		i += n;
	}
	return out;
}

/* A listing of t (a real object), filtered; t is released. */
static ssize_t list_on(struct ovl_fs *fs, const struct ovl_cred *cred, struct xtarget t,
		       char *buf, size_t size)
{
	/* the real list is longer than the filtered one: read it whole */
	ssize_t n;
	char *list = NULL;
	for (;;) {
		n = xt_list(&t, NULL, 0);
		if (n <= 0)
			break;
		free(list);
		list = malloc((size_t)n);
		if (!list) {
			n = -ENOMEM;
			break;
		}
		ssize_t m = xt_list(&t, list, (size_t)n);
		if (m == -ERANGE)
			continue;       /* grew in between */
		n = m;
		break;
	}
	xt_fini(&t);
	if (n == -EOPNOTSUPP)
		n = 0;
	if (n > 0) {
		n = (ssize_t)filter_names(fs, cred, list, (size_t)n);
		if (size && (size_t)n > size)
			n = -ERANGE;
		else if (size)
			memcpy(buf, list, (size_t)n);
	}
	free(list);
	return n;
}

ssize_t ovl_listxattr(struct ovl_fs *fs, const struct ovl_cred *cred, const struct ovl_entry *e,
		      char *buf, size_t size)
{
	if (e->type == 0)
		return -ENOENT;
	struct xtarget t;
	int err = xt_init(e, &t);
	return err ? err : list_on(fs, cred, t, buf, size);
}

ssize_t ovl_listxattr_fd(struct ovl_fs *fs, const struct ovl_cred *cred, int fd, char *buf,
			 size_t size)
{
	struct xtarget t;
	struct stat st;
	int err = fd_target(fs, fd, &t, &st);
	return err ? err : list_on(fs, cred, t, buf, size);
}

/* Checks shared by set and remove, before any copy-up. */
static int may_change(struct ovl_fs *fs, const struct ovl_cred *cred, const struct ovl_entry *e,
		      const char *name)
{
	if (e->type == 0)
		return -ENOENT;
	if (!ovl_fs_writable(fs))
		return -EROFS;
	if (ovl_prot_flags(fs, e))
		return -EPERM;          /* immutable or append-only */
	int err = xattr_permission(fs, cred, &e->st, name, OVL_MAY_WRITE);
	if (err)
		return err;
	if (is_record(fs, name))
		return -EPERM;
	if (!known_namespace(name))
		return -EOPNOTSUPP;
	return xattr_set_permission(cred, &e->st, name);
}

static int setxattr_held(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
			 const char *name, const void *value, size_t size, int flags)
{
	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	char real[XATTR_NAME_MAX + 1];
	int err = may_change(fs, cred, e, name);
	if (err || (err = real_name(fs, name, real)) || (err = ovl_copy_up_flags(fs, e, 0)))
		return err;
	struct xtarget t;
	if ((err = xt_init(e, &t)))
		return err;
	err = xt_set(&t, real, value, size, flags);
	xt_fini(&t);
	/* e.g. a POSIX ACL: what a cached dir allows may change */
	ovl_dcache_invalidate(fs, e->path, false);
	if (!err)
		ovl_changed_attr(fs, e, OVL_ATTR_XATTR);
	return err;
}

static int removexattr_held(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
			    const char *name)
{
	char real[XATTR_NAME_MAX + 1];
	int err = may_change(fs, cred, e, name);
	if (err || (err = real_name(fs, name, real)))
		return err;
	/* nothing to remove: no copy-up for a failing call */
	struct xtarget t;
	if ((err = xt_init(e, &t)))
		return err;
	ssize_t n = xt_get(&t, real, NULL, 0);
	xt_fini(&t);
	if (n < 0)
		return (int)n;
	if ((err = ovl_copy_up_flags(fs, e, 0)) || (err = xt_init(e, &t)))
		return err;
	err = xt_remove(&t, real);
	xt_fini(&t);
	ovl_dcache_invalidate(fs, e->path, false);
	if (!err)
		ovl_changed_attr(fs, e, OVL_ATTR_XATTR);
	return err;
}

/* ---- under the hold of the object's dir (internal.h: ovl_hold) ---- */

int ovl_setxattr(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
		 const char *name, const void *value, size_t size, int flags)
{
	OVL_HOLD(h);
	int err = ovl_hold_entry_staging(fs, &h, e, ovl_may_change_attrs(cred, e));
	return err ? err : setxattr_held(fs, cred, e, name, value, size, flags);
}

int ovl_removexattr(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
		    const char *name)
{
	OVL_HOLD(h);
	int err = ovl_hold_entry_staging(fs, &h, e, ovl_may_change_attrs(cred, e));
	return err ? err : removexattr_held(fs, cred, e, name);
}
