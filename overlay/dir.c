/* mkdir, mknod, symlink, link: new names in the overlay (see create.c for
 * how the object is made in upper).  On success e is re-looked up and
 * describes the new upper object. */
#include <errno.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <fcntl.h>
#include "upper.h"

static int mkdir_held(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
		      mode_t mode)
{
	struct ovl_new n;
	/* mkdir takes no set-id bits from the caller (sgid comes from the
	 * parent); ovl_set_owner_for_new applies the umask. */
	int err = ovl_create_prepare(fs, cred, e,
				     S_IFDIR | (mode & (0777 | S_ISVTX)), &n);
	return err ? err : ovl_create_upper(fs, e, &n, NULL);
}

int ovl_mknod_check(mode_t mode)
{
	switch (mode & S_IFMT) {
	case 0: case S_IFREG: case S_IFCHR: case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		return 0;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
}

static int mknod_held(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
		      mode_t mode, dev_t rdev)
{
	struct ovl_new n;
	mode_t type = (mode & S_IFMT) ? mode & S_IFMT : S_IFREG;
	int err = ovl_mknod_check(mode);
	if (err)
		return err;
	if (!e->type && e->trailing_slash)
		return -ENOENT;
	err = ovl_create_prepare(fs, cred, e, type | (mode & 07777), &n);
	if (err)
		return err;
	if (S_ISCHR(type) || S_ISBLK(type)) {
		if (!ovl_capable(cred, CAP_MKNOD))
			return -EPERM;
		/* chr 0/0 is the on-disk whiteout: the kernel refuses it too. */
		if (S_ISCHR(type) && rdev == makedev(0, 0))
			return -EPERM;
		n.rdev = rdev;
	}
	return ovl_create_upper(fs, e, &n, NULL);
}

static int symlink_held(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
			const char *target)
{
	struct ovl_new n;
	if (!target[0])
		return -ENOENT;
	if (!e->type && e->trailing_slash)
		return -ENOENT;
	int err = ovl_create_prepare(fs, cred, e, S_IFLNK | 0777, &n);
	if (err)
		return err;
	n.mode = S_IFLNK | 0777;
	n.target = target;
	return ovl_create_upper(fs, e, &n, NULL);
}

/* fs.protected_hardlinks (on by default): who is not the owner may only
 * link a regular, non-set-id file it can read and write. */
static int may_link(const struct ovl_cred *cred, const struct stat *st)
{
	if (cred->fsuid == st->st_uid || ovl_capable(cred, CAP_FOWNER))
		return 0;
	if (!S_ISREG(st->st_mode) || (st->st_mode & S_ISUID) ||
	    (st->st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) ||
	    ovl_permission(cred, st, OVL_MAY_READ | OVL_MAY_WRITE))
		return -EPERM;
	return 0;
}

/* The moved or linked entry carries an origin: the new parent becomes
 * "impure", as the kernel marks it. */
int ovl_mark_impure_for(struct ovl_fs *fs, int parent, const char *name, int new_parent)
{
	int has = ovl_has_xattr_at(parent, name, fs->xa_origin);
	if (has <= 0)
		return has;
	return ovl_set_impure(fs, new_parent);
}

/* 1: old_e must be copied up first (a change in its own dir, which the
 * hold of new_e's must not be held for: ovl_link does it, then again). */
static int link_held(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *old_e,
		     struct ovl_entry *new_e)
{
	struct ovl_new n;
	if (old_e->type == 0)
		return -ENOENT;
	if (!new_e->type && new_e->trailing_slash)
		return -ENOENT;
	/* Linux's order: the new name free, a writable mount, then the
	 * protected-hardlink check, then the new name's dir, then the type */
	if (new_e->type)
		return -EEXIST;
	if (!ovl_fs_writable(fs))
		return -EROFS;
	int err = may_link(cred, &old_e->st);
	if (err || (err = ovl_create_prepare(fs, cred, new_e, old_e->st.st_mode, &n)))
		return err;
	if (S_ISDIR(old_e->type) || ovl_prot_flags(fs, old_e))
		return -EPERM;          /* (nor an immutable or append-only object) */
	if (old_e->layer != OVL_UPPER)
		return 1;
	if ((err = ovl_copy_up_parent(fs, new_e)))
		return err;
	/* old_e's dir is not ours to lock (only new_e's is): link the object
	 * checked to be old_e's, whatever its name holds by now (-ESTALE:
	 * another object already; ovl_link looks again) */
	int ofd = ovl_open_real(fs, old_e, O_PATH);
	if (ofd < 0)
		return ofd;
	n.link_parent = ofd;
	n.link_name = "";
	n.link_flags = AT_EMPTY_PATH;
	n.linked = old_e->path;
	/* an indexed object's count goes up with it */
	struct ovl_index_hold ih;
	if ((err = ovl_index_change_begin(fs, old_e, +1, &ih))) {
		close(ofd);
		return err;
	}
	err = ovl_create_upper(fs, new_e, &n, NULL);
	ovl_index_change_end(fs, &ih, !err);
	if (!err && !ovl_same_parent(old_e, new_e))
		(void)ovl_mark_impure_for(fs, new_e->parent.fd[0], new_e->name, new_e->parent.fd[0]);
	/* Its link count changed. */
	if (!err)
		(void)fstat(ofd, &old_e->st);
	close(ofd);
	return err;
}

static int link_fd_held(struct ovl_fs *fs, const struct ovl_cred *cred, int fd,
			struct ovl_entry *new_e)
{
	struct ovl_new n;
	struct stat st;
	if (fstat(fd, &st))
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EPERM;
	if (!new_e->type && new_e->trailing_slash)
		return -ENOENT;
	int err = ovl_create_prepare(fs, cred, new_e, st.st_mode, &n);
	if (err || (err = may_link(cred, &st)) || (err = ovl_copy_up_parent(fs, new_e)))
		return err;
	/* a copy carrying an origin: its new dir is "impure" first, as the
	 * kernel marks it (getdents then gives the origin's number too) */
	struct ovl_xnode x;
	ovl_xnode_init(&x, fd, true);
	if (ovl_xnode_get(&x, fs->xa_origin, NULL, 0) >= 0 &&
	    (err = ovl_set_impure(fs, new_e->parent.fd[0])))
		return err;
	/* An O_TMPFILE made with O_EXCL refuses this, as on Linux. */
	n.link_parent = fd;
	n.link_name = "";
	n.link_flags = AT_EMPTY_PATH;
	return ovl_create_upper(fs, new_e, &n, NULL);
}

/* ---- under the hold of the new name's dir (internal.h: ovl_hold) ---- */

int ovl_mkdir(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e, mode_t mode)
{
	OVL_HOLD(h);
	int err = ovl_hold_entry(fs, &h, e);
	return err ? err : mkdir_held(fs, cred, e, mode);
}

int ovl_mknod(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
	      mode_t mode, dev_t rdev)
{
	OVL_HOLD(h);
	int err = ovl_hold_entry(fs, &h, e);
	return err ? err : mknod_held(fs, cred, e, mode, rdev);
}

int ovl_symlink(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
		const char *target)
{
	OVL_HOLD(h);
	int err = ovl_hold_entry(fs, &h, e);
	return err ? err : symlink_held(fs, cred, e, target);
}

int ovl_link(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *old_e,
	     struct ovl_entry *new_e)
{
	int err = 1;
	/* a lower old_e is copied up on its own, then the link made; again
	 * if a change came between (rarely more than once) */
	for (int tries = 0; (err == 1 || err == -ESTALE) && tries < 8; tries++) {
		OVL_HOLD(h);
		if ((err = ovl_hold_entry(fs, &h, new_e)) ||
		    (err = ovl_entry_refresh(fs, old_e)))
			return err;
		if ((err = link_held(fs, cred, old_e, new_e)) != 1)
			continue;       /* done, failed, or -ESTALE: again */
		ovl_hold_end(&h);
		err = ovl_copy_up(fs, old_e);
		if (!err)
			err = 1;
	}
	return err == 1 || err == -ESTALE ? -EAGAIN : err;
}

int ovl_link_fd(struct ovl_fs *fs, const struct ovl_cred *cred, int fd, struct ovl_entry *new_e)
{
	OVL_HOLD(h);
	int err = ovl_hold_entry(fs, &h, new_e);
	return err ? err : link_fd_held(fs, cred, fd, new_e);
}
