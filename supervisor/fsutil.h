/* Small host-filesystem helpers of the supervisor. */
#ifndef OVLRUN_FSUTIL_H
#define OVLRUN_FSUTIL_H

#include <dirent.h>
#include <stdbool.h>

/* rm -rf of dirfd/name without following symlinks; umount_first detaches
 * mounts found on the way (shadow root). 0 or -errno. */
int remove_tree_at(int dirfd, const char *name, bool umount_first);
/* Remove everything inside directory fd. */
int clear_dir(int fd);
/* "/a/b" -> parent "/a", name "b"; "/a" -> "/", "a". parent: PATH_MAX. */
int split_parent(const char *canon, char *parent, const char **name);

/* out (PATH_MAX) = a followed by b; exits 125 when too long. */
void path_join(char *out, const char *a, const char *b);

#endif
