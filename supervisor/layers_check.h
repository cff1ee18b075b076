/* layers_check.c: layer combinations and filesystems refused at setup
 * (errors exit 125 with one line naming the paths). */
#ifndef OVLRUN_LAYERS_CHECK_H
#define OVLRUN_LAYERS_CHECK_H

#include <stdbool.h>
#include "ovlrun/supervisor.h"

/* Every lower exists, is a dir and is not a kernel interface (/proc, /sys,
 * /dev, cgroup, ...).  Before anything is created or mounted. */
void layers_check_lowers(const struct sup *s);
/* The same for the upper or work dir open at fd. */
void layers_check_fs(int fd, const char *what, const char *path);
/* As the kernel's overlayfs: no lower is, or is inside, the upper or work
 * dir, and upper and work are apart.  An upper or work dir inside a lower
 * is allowed (it is hidden from the merged view), but a work dir there
 * that ovlrun did not make must be empty: ovlrun clears its work dir. */
void layers_check_overlap(const struct sup *s, const char *upper, int upper_fd,
			  const char *work, int work_fd, bool work_ours);
/* A mount point below dir (not dir itself), into found (PATH_MAX): 1, 0 if
 * none, -errno. */
int layers_mount_below(const char *dir, char *found);

#endif
