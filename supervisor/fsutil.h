/* Small host-filesystem helpers of the supervisor. */
#ifndef OVLRUN_FSUTIL_H
#define OVLRUN_FSUTIL_H

#include <dirent.h>
#include <stdbool.h>
#include <sys/types.h>

/* rm -rf of dirfd/name without following symlinks; umount_first detaches
 * mounts found on the way (shadow root). 0 or -errno. */
int remove_tree_at(int dirfd, const char *name, bool umount_first);
/* Empty a work dir but for the overlay's index (OVL_WORK_INDEX), which
 * outlives runs as the kernel's does. */
int clear_work_dir(int fd);
/* Remove a work dir of ours: all but an index that holds entries. */
int remove_work_dir(const char *path);
/* "/a/b" -> parent "/a", name "b"; "/a" -> "/", "a". parent: as long
 * as canon (OVL_PATH_MAX for an overlay path). */
int split_parent(const char *canon, char *parent, const char **name);

/* openat2(dirfd, rel, how) for a rel of any length: the kernel takes at
 * most PATH_MAX at once, so a longer one is opened a part at a time (each
 * part but the last as an O_PATH dir, under how's resolve flags: a part
 * cannot climb above where the one before it ended, so a RESOLVE_BENEATH
 * or RESOLVE_IN_ROOT walk stays beneath dirfd).  An fd or -errno. */
struct open_how;
int openat2_long(int dirfd, const char *rel, const struct open_how *how);

/* out (PATH_MAX) = a followed by b; exits 125 when too long. */
void path_join(char *out, const char *a, const char *b);

/* Setup only (exit 125 naming what failed): a detached clone of the
 * mount tree at fd with attrs set; move it onto target; open a dir. */
int clone_tree(int fd, bool recursive, unsigned attrs, const char *what);
void attach_tree(int tree, const char *target, const char *what);
int open_dir(const char *path, const char *what);
void xmkdir(const char *path, mode_t mode);

#endif
