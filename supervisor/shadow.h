/*
 * The shadow root: the sandbox's kernel root, a tmpfs that mirrors the
 * overlay only where the kernel itself must resolve a path (directories,
 * symlinks, bind mounts of executables, FIFOs).  Every supervisor access
 * below the shadow root is made without following symlinks, because mirror
 * symlinks are the tracee's and point anywhere.
 *
 * The supervisor's side: the handlers reach what they need of it only
 * through struct shadow_ops (ovlrun/context.h), shadow_root_ops here.
 */
#ifndef OVLRUN_SUPERVISOR_SHADOW_H
#define OVLRUN_SUPERVISOR_SHADOW_H

#include <stdint.h>
#include <sys/types.h>
#include "ovlrun/supervisor.h"

/* shadow_dir, shadow_dir_for_tracee, shadow_mirror, shadow_bind,
 * shadow_forget and mount_kind, for sup.shadow_ops (set with shadow_fd, before any thread
 * serves calls). */
extern const struct shadow_ops shadow_root_ops;

/* mkdir -p of canonical overlay dir path in the shadow; returns an
 * O_DIRECTORY fd of the mirror (caller closes) or -errno. open_flags are
 * added to O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC (e.g. O_PATH). */
int shadow_dir(struct sup *s, const char *canon, int open_flags);
/* The same, made as shadow_dir does, but opened through the command's own
 * root (its mount namespace): the only kind of mirror fd to hand to the
 * command, since ".." from a dir of the supervisor's mount would climb
 * past the command's root. */
int shadow_dir_for_tracee(struct sup *s, const char *canon, int open_flags);
/* An O_PATH fd of the mirror of canon if it exists (not made), or -errno. */
int shadow_find_dir(struct sup *s, const char *canon);
/* ovl_mirror_fn: recreate a traversed dir or symlink. ctx is struct sup. */
int shadow_mirror(void *ctx, const char *canon, mode_t type, const char *target);
/* Make canon in the shadow a bind mount of the real object fd (an
 * executable, a FIFO, a socket), or find it already is one.  The shadow
 * keeps a bounded number of them: the least recently asked for that no
 * process uses are unmounted (shadow_binds.c), so call this on every
 * request that needs one, just before the kernel resolves the path. */
int shadow_bind(struct sup *s, const char *canon, int fd);
/* Dir canon is removed from the overlay, which showed it as st: kept for
 * its mirror, which a cwd or fd may still be on (shadow_gone.h).  Before
 * shadow_forget drops the mirror. */
void shadow_dir_removed(struct sup *s, const char *canon, const struct stat *st);
/* The overlay changed at canon: drop what the shadow holds there. */
void shadow_forget(struct sup *s, const char *canon);
/* A directory moved in the overlay: move its mirror so cwds follow. */
void shadow_rename(struct sup *s, const char *from, const char *to, bool exchange);

/* Where a tracee's object lives, by its mount id (enum mount_kind,
 * context.h).  mount_ids.c */
enum mount_kind mount_kind(struct sup *s, uint64_t mnt_id);
/* After the staging area is complete; freed at exit.  0 or -errno. */
int mount_ids_init(struct sup *s);
void mount_ids_free(struct sup *s);
/* The supervisor mounted something in the shadow: ids may be new. */
void mount_ids_changed(struct sup *s);

#endif
