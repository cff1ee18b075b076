/*
 * Making a new object in upper, shared by mkdir, mknod, symlink, link and
 * open(O_CREAT / O_TMPFILE).
 *
 * The supervisor is root, so the object is created as root and then given
 * the caller's owner; to never show a root-owned (or, over a whiteout,
 * non-opaque) object under the final name, it is completed unnamed
 * (O_TMPFILE) or in the work dir, then linked or renamed in.  Over a
 * whiteout the rename is an exchange, so the name never becomes free and
 * the lower entry it hid never shows through (a directory made there, or
 * in a merged directory, is marked opaque first, as the kernel does).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "upper.h"

int ovl_create_prepare(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
		       mode_t mode, struct ovl_new *n)
{
	/* Same order as the VFS: EEXIST, then EROFS, then permission. */
	if (e->type)
		return -EEXIST;
	if (!ovl_fs_writable(fs))
		return -EROFS;
	int err = ovl_may_create(fs, cred, e);
	if (err)
		return err;
	memset(n, 0, sizeof(*n));
	n->link_parent = -1;
	err = ovl_set_owner_for_new(fs, cred, e, &mode, &n->uid, &n->gid);
	n->mode = mode;
	return err;
}

static int chown_chmod_fd(const struct ovl_fs *fs, int fd, const struct ovl_new *n)
{
	/* (the supervisor's own 0:0 needs no chown; an id the host refuses,
	 * a set-gid dir's recorded group, goes in a record) */
	if (!n->uid && !n->gid)
		return fchmod(fd, n->mode & 07777) ? -errno : 0;
	return ovl_chown_chmod_fd(fs, fd, n->uid, n->gid, n->mode);
}

/* A regular file onto a free name: unnamed, then linked in. */
static int create_reg_unnamed(const struct ovl_fs *fs, int parent, const char *name,
			      const struct ovl_new *n, int *fdp)
{
	int acc = n->open_flags & O_ACCMODE;
	int oflags = (n->open_flags & ~O_ACCMODE) | (acc == O_RDONLY ? O_RDWR : acc);
	int fd = openat(parent, ".", O_TMPFILE | oflags | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int err = chown_chmod_fd(fs, fd, n);
	if (!err && linkat(fd, "", parent, name, AT_EMPTY_PATH)) {
		char proc[32];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (linkat(AT_FDCWD, proc, parent, name, AT_SYMLINK_FOLLOW))
			err = -errno;
	}
	/* The fd handed out is opened by its name: the unnamed file's own
	 * dentry keeps the name "#<ino>", which inotify events and
	 * /proc/self/fd would show; and the caller may want a read-only fd. */
	if (!err && fdp) {
		close(fd);
		fd = openat(parent, name, n->open_flags | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	if (err || !fdp)
		close(fd);
	else
		*fdp = fd;
	return err;
}

/* Build the object as work/tmp, complete; returns an fd for S_IFREG. */
static int build_in_work(struct ovl_fs *fs, const char *tmp, const struct ovl_new *n,
			 bool opaque, int *fdp)
{
	int w = fs->work_fd, fd = -1, err = 0;
	mode_t type = n->mode & S_IFMT;
	if (n->link_name)
		return linkat(n->link_parent, n->link_name, w, tmp, n->link_flags) ? -errno : 0;
	if (S_ISREG(type)) {
		fd = openat(w, tmp, (n->open_flags & ~O_ACCMODE) | O_RDWR | O_CREAT | O_EXCL |
			    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		err = chown_chmod_fd(fs, fd, n);
		if (!err && fdp && (n->open_flags & O_ACCMODE) != O_RDWR) {
			/* Reopen for the access mode asked (the file is complete). */
			int fd2 = openat(w, tmp, n->open_flags | O_NOFOLLOW | O_CLOEXEC);
			if (fd2 < 0)
				err = -errno;
			close(fd);
			fd = fd2;
		}
		if (err || !fdp) {
			if (fd >= 0)
				close(fd);
		} else {
			*fdp = fd;
		}
		return err;
	}
	if (S_ISDIR(type)) {
		if (mkdirat(w, tmp, 0700))
			return -errno;
		fd = openat(w, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		err = chown_chmod_fd(fs, fd, n);
		if (!err && opaque)
			err = ovl_set_opaque(fs, fd);
		close(fd);
		return err;
	}
	if (S_ISLNK(type)) {
		if (symlinkat(n->target, w, tmp))
			return -errno;
		if ((n->uid || n->gid) && fchownat(w, tmp, n->uid, n->gid, AT_SYMLINK_NOFOLLOW))
			return -errno;
		return 0;
	}
	if (mknodat(w, tmp, type | 0600, n->rdev)) {
		/* a device node a user may not make: an empty file recorded as it */
		if (errno == EPERM && fs->override_stat && (S_ISCHR(type) || S_ISBLK(type)))
			return ovl_override_node_at(fs, w, tmp, type | (n->mode & 07777), n->rdev,
						    n->uid, n->gid);
		return -errno;
	}
	if ((n->uid || n->gid) && fchownat(w, tmp, n->uid, n->gid, AT_SYMLINK_NOFOLLOW))
		return -errno;
	return fchmodat(w, tmp, n->mode & 07777, 0) ? -errno : 0;
}

int ovl_create_upper(struct ovl_fs *fs, struct ovl_entry *e, const struct ovl_new *n, int *fdp)
{
	int err = ovl_copy_up_parent(fs, e);
	if (err)
		return err;
	int parent = e->parent.fd[0];
	int wh = ovl_upper_whiteout_at(parent, e->name);
	if (wh < 0)
		return wh;
	if (fdp)
		*fdp = -1;

	/* Onto a free name, a file or a hard link appears complete in one step. */
	if (!wh && n->link_name)
		err = linkat(n->link_parent, n->link_name, parent, e->name, n->link_flags) ? -errno : 0;
	else if (!wh && S_ISREG(n->mode))
		err = create_reg_unnamed(fs, parent, e->name, n, fdp);
	else {
		char tmp[OVL_TMPNAME_MAX];
		int berr = -EEXIST;
		/* a new dir in a merged one is opaque too, as the kernel makes
		 * it with redirect_dir or the index (nothing a lower gets later
		 * merges); without either it allows offline changes of the
		 * lowers, and does not (its userxattr mounts) */
		bool opaque = wh || (S_ISDIR(n->mode) && !n->link_name && e->parent.n > 1 &&
				     (!fs->no_redirect || fs->index_fd >= 0));
		for (int i = 0; i < 8 && berr == -EEXIST; i++) {
			ovl_tmpname(fs, tmp);
			berr = build_in_work(fs, tmp, n, opaque, fdp);
		}
		err = berr ? berr : ovl_install(fs, tmp, parent, e->name, wh);
		if (err && berr != -EEXIST)     /* tmp exists: it is garbage now */
			(void)unlinkat(fs->work_fd, tmp,
				       S_ISDIR(n->mode) && !n->link_name ? AT_REMOVEDIR : 0);
		if (err && fdp && *fdp >= 0) {
			close(*fdp);
			*fdp = -1;
		}
	}
	/* A new dir (perhaps opaque over a whiteout) or anything else now
	 * lives at this path: its negative goes.  Nothing below a free name
	 * is ever cached (a walk through it fails first), so only the name. */
	ovl_dcache_invalidate(fs, e->path, false);
	if (err)
		return err;
	ovl_listing_invalidate(fs, &e->parent);
	struct ovl_change c = { .kind = n->linked ? OVL_CHANGE_LINK : OVL_CHANGE_CREATE,
				.path = n->linked ? n->linked : e->path, .to = e->path,
				.type = n->mode & S_IFMT };
	ovl_changed(fs, &c);
	err = ovl_entry_refresh(fs, e);
	if (err && fdp && *fdp >= 0) {  /* made, but e is unusable: report it, leak nothing */
		close(*fdp);
		*fdp = -1;
	}
	return err;
}
