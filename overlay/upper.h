/*
 * Private to the files that write the upper layer (copy_up.c, copy_data.c,
 * copy_xattr.c, whiteout.c, create.c, remove.c, rename.c, open.c).
 *
 * Atomicity rule shared by all of them: an object only ever appears under
 * its final name in upper complete (data, owner, mode, xattrs, times,
 * opaque mark).  It is built either unnamed (O_TMPFILE + linkat) or under a
 * temporary name in the work dir (same filesystem as upper), then renamed
 * into place.  A crash can leave garbage in the work dir, never in upper.
 */
#ifndef OVLRUN_OVERLAY_UPPER_H
#define OVLRUN_OVERLAY_UPPER_H

#include "internal.h"

/* Index in d of the given layer, -1 when d has no real dir in that layer. */
int ovl_dir_index(const struct ovl_dir *d, int layer);
/* fd of the upper dir of d, -1 if d has none. */
int ovl_dir_upper_fd(const struct ovl_dir *d);
/* a and b are entries of the same overlay directory (by path). */
bool ovl_same_parent(const struct ovl_entry *a, const struct ovl_entry *b);

/* whiteout.c: work-dir temporaries and on-disk marks. */
#define OVL_TMPNAME_MAX 40
void ovl_tmpname(struct ovl_fs *fs, char name[OVL_TMPNAME_MAX]);
int ovl_set_impure(struct ovl_fs *fs, int dirfd);
struct ovl_xnode;
int ovl_set_origin(struct ovl_fs *fs, const struct ovl_xnode *src, const struct ovl_xnode *dst);
/* Remove every whiteout in dirfd; -ENOTEMPTY if it holds anything else. */
int ovl_clear_whiteouts(struct ovl_fs *fs, int dirfd);
/* Move work/tmp to parent/name: over a whiteout (exchange, then drop the
 * whiteout) or onto a free name (RENAME_NOREPLACE). */
int ovl_install(struct ovl_fs *fs, const char *tmp, int parent, const char *name,
		bool over_whiteout);
/* Remove parent/name from upper (a dir must be empty but for whiteouts),
 * leaving a whiteout in its place when whiteout is set; atomic. */
int ovl_remove_upper(struct ovl_fs *fs, int parent, const char *name, bool is_dir,
		     bool whiteout);
/* 1 if parent/name in upper is a whiteout, 0 if absent, -EEXIST if it is
 * anything else, other -errno on failure. */
int ovl_upper_whiteout_at(int parent, const char *name);
/* Restore a directory's atime/mtime (copy-up must not show in the parent). */
void ovl_restore_times(int dirfd, const struct stat *before);

/* copy_xattr.c: xattrs of any file type, via an fd or (for symlinks and
 * special files, which cannot be opened) an O_PATH fd and its /proc name. */
struct ovl_xnode {
	int fd;
	bool by_path;
	char proc[32];
};
void ovl_xnode_init(struct ovl_xnode *x, int fd, bool by_path);
int ovl_xnode_set(const struct ovl_xnode *x, const char *name, const void *v, size_t n);
ssize_t ovl_xnode_get(const struct ovl_xnode *x, const char *name, void *v, size_t n);
/* The xattr of the object an fd of any kind refers to (O_PATH ones too). */
ssize_t ovl_fd_xattr_get(int fd, const char *name, void *v, size_t n);
/* Copy all xattrs but the overlay's private ones. */
int ovl_copy_xattrs(const struct ovl_fs *fs, const struct ovl_xnode *src,
		    const struct ovl_xnode *dst);
/* 1 if parent/name carries the xattr, 0 if not, -errno. */
int ovl_has_xattr_at(int parent, const char *name, const char *xattr);

/* copy_data.c: copy size bytes, keeping holes; clone when the fs can. */
int ovl_copy_data(int src, int dst, off_t size);

/* create.c: make the new object named by e in upper, complete and owned by
 * uid:gid, replacing a whiteout if one is there.  For S_IFREG the unnamed
 * file's fd (opened with open_flags) is returned in *fd when fd != NULL. */
struct ovl_new {
	mode_t mode;            /* type and permission bits, final */
	uid_t uid;
	gid_t gid;
	dev_t rdev;             /* S_IFCHR/S_IFBLK */
	const char *target;     /* S_IFLNK */
	int link_parent;        /* hard link: real parent dir of the source in upper... */
	const char *link_name;  /* ...and its name (mode ignored) */
	int link_flags;         /* linkat flags: AT_EMPTY_PATH links the fd link_parent */
	int open_flags;         /* S_IFREG: access mode and flags of the returned fd */
	const char *linked;     /* a hard link of this overlay path: told as LINK, not CREATE */
};
int ovl_create_upper(struct ovl_fs *fs, struct ovl_entry *e, const struct ovl_new *n, int *fd);
/* The checks and owner computation shared by every create. */
int ovl_create_prepare(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
		       mode_t mode, struct ovl_new *n);

/* dir.c: the entry parent/name carries an origin: mark new_parent impure. */
int ovl_mark_impure_for(struct ovl_fs *fs, int parent, const char *name, int new_parent);

/* remove.c: is merged dir e empty (only "." and "..")?  1, 0 or -errno. */
int ovl_dir_is_empty(struct ovl_fs *fs, const struct ovl_entry *e);

#endif
