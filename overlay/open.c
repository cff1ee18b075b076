/*
 * open(2) on the overlay: checks in the VFS's order, copy-up on write
 * access (without data for O_TRUNC), creation with O_CREAT / O_TMPFILE,
 * and the host open of the real file.  Lower files are opened read-only
 * through their (read-only) layer fd.  FIFOs, sockets and devices are never
 * opened here: a FIFO would block the supervisor, a device must never be
 * opened; the caller gets OVL_OPEN_SPECIAL.  Directories give OVL_OPEN_DIR
 * (the caller hands out a mirror dir).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "upper.h"

/* Flags handed to the host open as the caller asked them. */
#define PASS_FLAGS (O_ACCMODE | O_APPEND | O_NONBLOCK | O_SYNC | O_DSYNC | O_DIRECT | \
		    O_LARGEFILE | O_NOATIME | O_TRUNC)
/* Always, for the supervisor's safety; the caller sets the tracee's cloexec. */
#define SAFE_FLAGS (O_NOCTTY | O_NOFOLLOW | O_CLOEXEC)

static int access_mask(int flags)
{
	int acc = flags & O_ACCMODE, mask = 0;
	if (acc == O_RDONLY || acc == O_RDWR || acc == O_ACCMODE)
		mask |= OVL_MAY_READ;
	if (acc != O_RDONLY || (flags & O_TRUNC))
		mask |= OVL_MAY_WRITE;
	return mask;
}

/* O_NOATIME is for the owner (or CAP_FOWNER) only. */
static int may_noatime(const struct ovl_cred *cred, const struct stat *st, int flags)
{
	if (!(flags & O_NOATIME) || cred->fsuid == st->st_uid || ovl_capable(cred, CAP_FOWNER))
		return 0;
	return -EPERM;
}

/* An fd of e's real file for the caller (flags: the real open's).  A
 * lower file is marked first (copied.c): a copy-up that ends before the
 * fd shows must count it; and where it is in the overlay is recorded. */
static int hand_out(struct ovl_fs *fs, const struct ovl_entry *e, int flags, int *fd)
{
	/* (an indexed name's object is the index entry: an upper one) */
	bool lower = e->layer != OVL_UPPER && !e->indexed && !S_ISDIR(e->type);
	if (lower) {
		if (S_ISREG(e->type))
			ovl_opened_mark(fs, e->st.st_dev, e->st.st_ino);
		ovl_handed_record(fs, e->st.st_dev, e->st.st_ino, e->path, e->handed_seq);
	}
	*fd = ovl_open_handed(fs, e, flags);
	/* a copy-up that ended between the lookup and the mark counted no
	 * open: the fd is stale already, moved at the holder's next call */
	if (*fd >= 0 && lower && S_ISREG(e->type) &&
	    ovl_maybe_copied_up(fs, e->st.st_dev, e->st.st_ino))
		ovl_stale_bump(fs);
	return *fd < 0 ? *fd : OVL_OPEN_FILE;
}

static int open_path(struct ovl_fs *fs, struct ovl_entry *e, int flags, int *fd)
{
	if (e->type == 0)
		return -ENOENT;
	if (S_ISDIR(e->type))
		return OVL_OPEN_DIR;
	if ((flags & O_DIRECTORY) || e->trailing_slash)
		return -ENOTDIR;
	/* Even an O_PATH fd of a device could be reopened through /proc by the
	 * tracee: the caller decides for special files. */
	if (!S_ISREG(e->type) && !S_ISLNK(e->type))
		return OVL_OPEN_SPECIAL;
	/* A symlink here was not followed (O_NOFOLLOW): O_PATH gives the link. */
	return hand_out(fs, e, O_PATH | SAFE_FLAGS, fd);
}

/* An unnamed file in the upper copy of directory e. */
static int open_tmpfile(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
			int flags, mode_t mode, int *fd)
{
	int acc = flags & O_ACCMODE;
	if ((flags & O_CREAT) || (acc != O_WRONLY && acc != O_RDWR))
		return -EINVAL;
	if (e->type == 0)
		return -ENOENT;
	if (!S_ISDIR(e->type))
		return -ENOTDIR;
	if (!ovl_fs_writable(fs))
		return -EROFS;
	int err = ovl_permission(cred, &e->st, OVL_MAY_WRITE | OVL_MAY_EXEC);
	if (err)
		return err;

	/* Owner as for a file created in e: the owner rules look at the new
	 * entry's parent, which here is e itself. */
	static const char child_name[] = "";
	struct ovl_entry *child = calloc(1, sizeof(*child));
	if (!child)
		return -ENOMEM;
	ovl_dir_borrow(&child->parent, &e->dir);  /* never released through child */
	memcpy(child->path, e->path, strlen(e->path) + 1);
	child->name = child_name;
	child->layer = -1;
	mode_t m = S_IFREG | (mode & 07777);
	uid_t uid;
	gid_t gid;
	err = ovl_set_owner_for_new(fs, cred, child, &m, &uid, &gid);
	free(child);
	if (err)
		return err;

	if ((err = ovl_copy_up_flags(fs, e, 0)))
		return err;
	int dir = ovl_dir_upper_fd(&e->dir);
	if (dir < 0)
		return -ESTALE;
	int f = openat(dir, ".", O_TMPFILE | (flags & (PASS_FLAGS & ~O_TRUNC)) | (flags & O_EXCL) |
		       SAFE_FLAGS, 0600);
	if (f < 0)
		return -errno;
	if (((uid || gid) && fchown(f, uid, gid)) || fchmod(f, m & 07777)) {
		err = -errno;
		close(f);
		return err;
	}
	*fd = f;
	return OVL_OPEN_FILE;
}

static int open_create(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
		       int flags, mode_t mode, int *fd)
{
	struct ovl_new n;
	if (e->trailing_slash)
		return -EISDIR;
	int err = ovl_create_prepare(fs, cred, e, S_IFREG | (mode & 07777), &n);
	if (err)
		return err;
	/* A new file is opened without permission checks and not truncated. */
	n.open_flags = (flags & PASS_FLAGS & ~O_TRUNC) | SAFE_FLAGS;
	err = ovl_create_upper(fs, e, &n, fd);
	struct stat st;
	/* (a deep one's fd reads as no path: where it is, as hand_out) */
	if (!err && ovl_upper_path_deep(fs, e->path) && !fstat(*fd, &st))
		ovl_handed_record(fs, st.st_dev, st.st_ino, e->path, e->handed_seq);
	return err ? err : OVL_OPEN_FILE;
}

static int open_entry(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
		      int flags, mode_t mode, int *fd)
{
	*fd = -1;
	if ((flags & O_TMPFILE) == O_TMPFILE)
		return open_tmpfile(fs, cred, e, flags, mode, fd);
	if (flags & O_PATH)
		return open_path(fs, e, flags, fd);
	if ((flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY))
		return -EINVAL;
	if (e->type == 0)
		return flags & O_CREAT ? open_create(fs, cred, e, flags, mode, fd) : -ENOENT;
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return -EEXIST;
	if (S_ISLNK(e->type))
		return -ELOOP;          /* a final symlink left unfollowed: O_NOFOLLOW */

	int mask = access_mask(flags), err;
	if (S_ISDIR(e->type)) {
		if ((flags & O_CREAT) || (mask & OVL_MAY_WRITE))
			return -EISDIR;
		if ((err = ovl_permission(cred, &e->st, mask)) ||
		    (err = may_noatime(cred, &e->st, flags)))
			return err;
		return OVL_OPEN_DIR;
	}
	if ((flags & O_DIRECTORY) || e->trailing_slash)
		return -ENOTDIR;
	bool reg = S_ISREG(e->type);
	/* As the VFS: only regular files (and dirs) are read-only on a
	 * read-only fs; writing a FIFO or a device is no change of the fs. */
	if (reg && (mask & OVL_MAY_WRITE) && !ovl_fs_writable(fs))
		return -EROFS;
	/* an immutable file takes no writer (before the mode), an append-only
	 * one only appending ones (after it), as may_open */
	unsigned prot = reg && (mask & OVL_MAY_WRITE) ? ovl_prot_flags(fs, e) : 0;
	if (prot & FS_IMMUTABLE_FL)
		return -EPERM;
	if ((err = ovl_permission(cred, &e->st, mask)))
		return err;
	if (ovl_prot_refuses_open(prot, flags))
		return -EPERM;
	if ((err = may_noatime(cred, &e->st, flags)))
		return err;
	if (!reg)
		return OVL_OPEN_SPECIAL;

	int hflags = (flags & PASS_FLAGS) | SAFE_FLAGS;
	if (mask & OVL_MAY_WRITE) {
		err = ovl_copy_up_flags(fs, e, flags & O_TRUNC ? OVL_COPY_UP_NODATA : 0);
		if (err)
			return err;
	} else if (e->layer != OVL_UPPER) {
		hflags = (hflags & ~(O_ACCMODE | O_TRUNC)) | O_RDONLY;
	}
	return hand_out(fs, e, hflags, fd);
}

/* An open that may make, copy up or truncate runs under the hold of the
 * dir of the name (internal.h: ovl_hold); the others only look. */
int ovl_open(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
	     int flags, mode_t mode, int *fd)
{
	*fd = -1;
	bool changes = (flags & O_TMPFILE) == O_TMPFILE || (flags & (O_CREAT | O_TRUNC)) ||
		       (!(flags & O_PATH) && (flags & O_ACCMODE) != O_RDONLY);
	if (!changes || !ovl_fs_writable(fs))
		return open_entry(fs, cred, e, flags, mode, fd);
	/* a copy-up for writing keeps its data (not so O_TRUNC) */
	bool stage = !(flags & (O_TRUNC | O_PATH)) && (flags & O_TMPFILE) != O_TMPFILE &&
		     !ovl_permission(cred, &e->st, access_mask(flags));
	OVL_HOLD(h);
	int err = ovl_hold_entry_staging(fs, &h, e, stage);
	return err ? err : open_entry(fs, cred, e, flags, mode, fd);
}
