/*
 * The shadow root: the sandbox's kernel root, a tmpfs that mirrors the
 * overlay only where the kernel itself must resolve a path (directories,
 * symlinks, bind mounts of executables, FIFOs).  Every supervisor access
 * below the shadow root is made without following symlinks, because mirror
 * symlinks are the tracee's and point anywhere.
 */
#ifndef OVLRUN_SHADOW_H
#define OVLRUN_SHADOW_H

#include <sys/types.h>
#include "ovlrun/supervisor.h"

/* mkdir -p of canonical overlay dir path in the shadow; returns an
 * O_DIRECTORY fd of the mirror (caller closes) or -errno. open_flags are
 * added to O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC (e.g. O_PATH). */
int shadow_dir(struct sup *s, const char *canon, int open_flags);
/* An O_PATH fd of the mirror of canon if it exists (not made), or -errno. */
int shadow_find_dir(struct sup *s, const char *canon);
/* ovl_mirror_fn: recreate a traversed dir or symlink. ctx is struct sup. */
int shadow_mirror(void *ctx, const char *canon, mode_t type, const char *target);
/* Make canon in the shadow a bind mount of the real object fd (an
 * executable, a FIFO, a socket). */
int shadow_bind(struct sup *s, const char *canon, int fd);
/* The overlay changed at canon: drop what the shadow holds there. */
void shadow_forget(struct sup *s, const char *canon);
/* A directory moved in the overlay: move its mirror so cwds follow. */
void shadow_rename(struct sup *s, const char *from, const char *to, bool exchange);

#endif
