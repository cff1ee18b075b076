/*
 * Attributes: stat synthesis (one st_dev for all overlay dirs, inode
 * numbers stable across copy-up of a dir) and the setattr family, with the
 * kernel's permission rules applied to the caller's credentials before
 * anything is copied up.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "internal.h"

#define OVERLAYFS_SUPER_MAGIC 0x794c7630

/* The inode number and link count an overlay dir reports. */
static int dir_ids(struct ovl_fs *fs, const struct ovl_entry *e, uint64_t *ino, bool *merged)
{
	const struct ovl_dir *d = &e->dir;
	struct stat st;
	if (d->n == 0)
		return -ESTALE;
	/* the bottom dir survives copy-up of the dir: a stable number (the
	 * lookup's lstat is the bottom's when it is the only one) */
	if (d->n == 1)
		st.st_ino = e->st.st_ino;
	else if (fstat(d->fd[d->n - 1], &st))
		return -errno;
	*ino = ovl_dir_ino(fs, d->layer[d->n - 1], st.st_ino);
	*merged = d->n > 1;
	return 0;
}

/* The ids a non-dir reports: a copied-up one's may be its origin's (and
 * an indexed one's count the index's record); with every layer on one
 * filesystem, the overlay's device, as the kernel's. */
static void nondir_ids(struct ovl_fs *fs, const struct ovl_entry *e, dev_t *dev, ino_t *ino,
		       nlink_t *nlink)
{
	const char *name;
	bool copy = (e->layer == OVL_UPPER && e->parent.n) || e->indexed;
	int dirfd = copy ? ovl_entry_real_at(e, &name) : -1;
	if (dirfd >= 0)
		ovl_origin_ids(fs, dirfd, name, e->type, dev, ino, nlink);
	if (fs->same_dev)
		*dev = fs->dir_dev;
}

int ovl_getattr(struct ovl_fs *fs, const struct ovl_entry *e, struct stat *st)
{
	/* the lookup that made e just took the topmost object's lstat */
	if (e->type == 0)
		return -ENOENT;
	*st = e->st;
	if (!S_ISDIR(st->st_mode)) {
		nondir_ids(fs, e, &st->st_dev, &st->st_ino, &st->st_nlink);
		return 0;
	}
	uint64_t ino;
	bool merged;
	int err = dir_ids(fs, e, &ino, &merged);
	if (err)
		return err;
	st->st_dev = fs->dir_dev;
	st->st_ino = (ino_t)ino;
	if (merged)
		st->st_nlink = 1;       /* as the kernel: a merged dir's count is unknown */
	return 0;
}

int ovl_statx(struct ovl_fs *fs, const struct ovl_entry *e, unsigned mask,
	      unsigned atflags, struct statx *stx)
{
	const char *name;
	int dirfd = ovl_entry_real_at(e, &name);
	if (dirfd < 0)
		return dirfd;
	int flags = (int)(atflags & AT_STATX_SYNC_TYPE) | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH;
	if (statx(dirfd, name, flags, mask | STATX_TYPE | STATX_INO, stx))
		return -errno;
	if (fs->override_stat) {
		struct stat st = { .st_mode = stx->stx_mode, .st_uid = stx->stx_uid,
				   .st_gid = stx->stx_gid, .st_size = (off_t)stx->stx_size,
				   .st_rdev = makedev(stx->stx_rdev_major, stx->stx_rdev_minor) };
		int err = ovl_override_at(fs, dirfd, name, &st);
		if (err)
			return err;
		stx->stx_mode = (uint16_t)st.st_mode;
		stx->stx_uid = st.st_uid;
		stx->stx_gid = st.st_gid;
		stx->stx_size = (uint64_t)st.st_size;
		stx->stx_rdev_major = major(st.st_rdev);
		stx->stx_rdev_minor = minor(st.st_rdev);
	}
	if (!S_ISDIR(stx->stx_mode)) {
		dev_t dev = makedev(stx->stx_dev_major, stx->stx_dev_minor);
		ino_t ino = stx->stx_ino;
		nlink_t nlink = stx->stx_nlink;
		nondir_ids(fs, e, &dev, &ino, &nlink);
		stx->stx_dev_major = major(dev);
		stx->stx_dev_minor = minor(dev);
		stx->stx_ino = ino;
		stx->stx_nlink = (uint32_t)nlink;
		return 0;
	}
	uint64_t ino;
	bool merged;
	int err = dir_ids(fs, e, &ino, &merged);
	if (err)
		return err;
	stx->stx_dev_major = major(fs->dir_dev);
	stx->stx_dev_minor = minor(fs->dir_dev);
	stx->stx_ino = ino;
	if (merged)
		stx->stx_nlink = 1;
	return 0;
}

int ovl_statfs(struct ovl_fs *fs, struct statfs *st)
{
	int fd = fs->layers[OVL_UPPER].fd;
	for (int i = 1; fd < 0 && i < fs->nlayers; i++)
		fd = fs->layers[i].fd;
	if (fstatfs(fd, st))
		return -errno;
	st->f_type = OVERLAYFS_SUPER_MAGIC;
	return 0;
}

int ovl_readlink(struct ovl_fs *fs, const struct ovl_entry *e, char *buf, size_t size)
{
	(void)fs;
	if (e->type == 0)
		return -ENOENT;
	if (!S_ISLNK(e->type))
		return -EINVAL;
	const char *name;
	int dirfd = ovl_entry_real_at(e, &name);
	if (dirfd < 0)
		return dirfd;
	ssize_t n = readlinkat(dirfd, name, buf, size);
	return n < 0 ? -errno : (int)n;
}

/* ---- setattr ---- */

/* Copy e up and refresh its stat; on success the object is in upper. */
static int copy_up_for_setattr(struct ovl_fs *fs, struct ovl_entry *e, unsigned flags)
{
	int err = ovl_copy_up_flags(fs, e, flags);
	if (err)
		return err;
	if (e->layer != OVL_UPPER)
		return -EIO;
	return 0;
}

/* Re-read e->st from upper after a change. */
static int refresh_st(const struct ovl_fs *fs, struct ovl_entry *e)
{
	const char *name;
	int dirfd = ovl_entry_real_at(e, &name);
	if (dirfd < 0)
		return dirfd;
	return ovl_shown_lstat(fs, dirfd, name, &e->st);
}

static int upper_chmod(const struct ovl_fs *fs, struct ovl_entry *e, mode_t mode)
{
	const char *name;
	int dirfd = ovl_entry_real_at(e, &name);
	if (dirfd < 0)
		return dirfd;
	int r = name[0] ? fchmodat(dirfd, name, mode, AT_SYMLINK_NOFOLLOW) : fchmod(dirfd, mode);
	return r ? -errno : ovl_override_chmod_at(fs, dirfd, name, mode);
}

static int check_target(struct ovl_fs *fs, const struct ovl_entry *e)
{
	if (!ovl_fs_writable(fs))
		return -EROFS;
	return e->type ? 0 : -ENOENT;
}

static int chmod_held(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
		      mode_t mode)
{
	int err = check_target(fs, e);
	if (err)
		return err;
	if (S_ISLNK(e->type))
		return -EOPNOTSUPP;     /* no modes on symlinks (lchmod) */
	if (ovl_prot_flags(fs, e) || !ovl_owner_or_capable(cred, &e->st))
		return -EPERM;          /* (immutable, append-only: the VFS's first refusal) */
	mode &= 07777;
	if (!ovl_in_group(cred, e->st.st_gid) && !ovl_capable(cred, CAP_FSETID))
		mode &= ~S_ISGID;
	if ((err = copy_up_for_setattr(fs, e, 0)))
		return err;
	err = upper_chmod(fs, e, mode);
	/* a dir's mode decides search permission in cached walks */
	ovl_dcache_invalidate(fs, e->path, false);
	if (err)
		return err;
	ovl_changed_attr(fs, e, OVL_ATTR_MODE);
	return refresh_st(fs, e);
}

static int chown_held(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
		      uid_t uid, gid_t gid)
{
	int err = check_target(fs, e);
	if (err)
		return err;
	if (ovl_prot_flags(fs, e))
		return -EPERM;
	const struct stat *st = &e->st;
	bool chown_cap = ovl_capable(cred, CAP_CHOWN);
	/* an owner may only "change" the owner to itself... */
	if (uid != (uid_t)-1 && !chown_cap && !(cred->fsuid == st->st_uid && uid == st->st_uid))
		return -EPERM;
	/* ...and the group to one it is in */
	if (gid != (gid_t)-1 && !chown_cap &&
	    !(cred->fsuid == st->st_uid && (gid == st->st_gid || ovl_in_group(cred, gid))))
		return -EPERM;
	/* Non-dirs lose set-uid, and set-gid when group-executable or when
	 * the caller could not have set it (kernel: setattr_should_drop_sgid,
	 * judged against the current group). */
	mode_t mode = st->st_mode & 07777;
	if (!S_ISDIR(st->st_mode) && !S_ISLNK(st->st_mode)) {
		mode &= ~S_ISUID;
		if ((mode & S_ISGID) &&
		    ((mode & S_IXGRP) ||
		     (!ovl_in_group(cred, st->st_gid) && !ovl_capable(cred, CAP_FSETID))))
			mode &= ~S_ISGID;
	}
	if ((err = copy_up_for_setattr(fs, e, 0)))
		return err;
	const char *name;
	int dirfd = ovl_entry_real_at(e, &name);
	if (dirfd < 0)
		return dirfd;
	/* (an id the host refuses kept in a record: override.c) */
	int r = fs->override_stat ? ovl_override_chown_at(fs, dirfd, name, uid, gid)
		: fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) ? -errno : 0;
	/* owner (and maybe set-id bits) decide search permission in cached walks */
	ovl_dcache_invalidate(fs, e->path, false);
	if (r)
		return r;
	ovl_changed_attr(fs, e, OVL_ATTR_OWNER);
	if ((err = refresh_st(fs, e)))
		return err;
	/* the host kernel, acting as root, may have kept a bit the caller loses */
	if (!S_ISLNK(e->st.st_mode) && (e->st.st_mode & 07777) != mode) {
		if ((err = upper_chmod(fs, e, mode)))
			return err;
		err = refresh_st(fs, e);
	}
	return err;
}

static int utimens_held(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
			const struct timespec ts[2])
{
	if (ts && ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT)
		return 0;               /* utimensat(2) returns before anything */
	int err = check_target(fs, e);
	if (err)
		return err;
	bool touch = !ts || (ts[0].tv_nsec == UTIME_NOW && ts[1].tv_nsec == UTIME_NOW);
	/* (an append-only file takes the time now, as on Linux) */
	unsigned prot = ovl_prot_flags(fs, e);
	if (prot & (touch ? FS_IMMUTABLE_FL : FS_IMMUTABLE_FL | FS_APPEND_FL))
		return -EPERM;
	if (!ovl_owner_or_capable(cred, &e->st)) {
		if (!touch)
			return -EPERM;  /* explicit times: owner only */
		if ((err = ovl_permission(cred, &e->st, OVL_MAY_WRITE)))
			return err;
	}
	if ((err = copy_up_for_setattr(fs, e, 0)))
		return err;
	const char *name;
	int dirfd = ovl_entry_real_at(e, &name);
	if (dirfd < 0)
		return dirfd;
	int r = name[0] ? utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW) : futimens(dirfd, ts);
	if (r)
		return -errno;
	/* the cached stat of a dir is only used for permission; stay exact anyway */
	ovl_dcache_invalidate(fs, e->path, false);
	unsigned attr = OVL_ATTR_ATIME | OVL_ATTR_MTIME;
	if (ts && ts[0].tv_nsec == UTIME_OMIT)
		attr = OVL_ATTR_MTIME;
	else if (ts && ts[1].tv_nsec == UTIME_OMIT)
		attr = OVL_ATTR_ATIME;
	ovl_changed_attr(fs, e, attr);
	return refresh_st(fs, e);
}

static int truncate_held(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
			 off_t len)
{
	if (len < 0)
		return -EINVAL;
	if (e->type == 0)
		return -ENOENT;
	if (S_ISDIR(e->type))
		return -EISDIR;
	if (!S_ISREG(e->type))
		return -EINVAL;
	if (!ovl_fs_writable(fs))
		return -EROFS;
	if (ovl_prot_flags(fs, e))
		return -EPERM;
	int err = ovl_permission(cred, &e->st, OVL_MAY_WRITE);
	if (err)
		return err;
	/* truncating to zero needs none of the old data */
	if ((err = copy_up_for_setattr(fs, e, len == 0 ? OVL_COPY_UP_NODATA : 0)))
		return err;
	const char *name;
	int dirfd = ovl_entry_real_at(e, &name);
	if (dirfd < 0)
		return dirfd;
	int fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	err = ftruncate(fd, len) ? -errno : 0;
	/* a caller without CAP_FSETID loses set-id bits (should_remove_suid);
	 * the host, acting as root, keeps them */
	struct stat st;
	if (!err && !ovl_capable(cred, CAP_FSETID) && !fstat(fd, &st)) {
		mode_t m = st.st_mode & 07777;
		mode_t kill = (m & S_ISUID) | ((m & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) ? S_ISGID : 0);
		if (kill && fchmod(fd, m & ~kill))
			err = -errno;
	}
	close(fd);
	ovl_dcache_invalidate(fs, e->path, false);     /* never a dir: cheap safety */
	if (err)
		return err;
	ovl_changed_attr(fs, e, OVL_ATTR_SIZE);
	return refresh_st(fs, e);
}

/* ---- under the hold of the object's dir (internal.h: ovl_hold) ---- */

/* Who may change e's attributes at all, roughly (the checks under the
 * locks decide): worth copying its data up before them. */
bool ovl_may_change_attrs(const struct ovl_cred *cred, const struct ovl_entry *e)
{
	return ovl_owner_or_capable(cred, &e->st) || !ovl_permission(cred, &e->st, OVL_MAY_WRITE);
}

int ovl_chmod(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e, mode_t mode)
{
	OVL_HOLD(h);
	int err = ovl_hold_entry_staging(fs, &h, e, ovl_may_change_attrs(cred, e));
	return err ? err : chmod_held(fs, cred, e, mode);
}

int ovl_chown(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
	      uid_t uid, gid_t gid)
{
	OVL_HOLD(h);
	int err = ovl_hold_entry_staging(fs, &h, e,
					 ovl_may_change_attrs(cred, e) || ovl_capable(cred, CAP_CHOWN));
	return err ? err : chown_held(fs, cred, e, uid, gid);
}

int ovl_utimens(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
		const struct timespec ts[2])
{
	bool nothing = ts && ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT;
	OVL_HOLD(h);
	int err = ovl_hold_entry_staging(fs, &h, e, !nothing && ovl_may_change_attrs(cred, e));
	return err ? err : utimens_held(fs, cred, e, ts);
}

int ovl_truncate(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e, off_t len)
{
	/* truncating to 0 keeps no data */
	OVL_HOLD(h);
	int err = ovl_hold_entry_staging(fs, &h, e,
					 len > 0 && !ovl_permission(cred, &e->st, OVL_MAY_WRITE));
	return err ? err : truncate_held(fs, cred, e, len);
}
