/*
 * The table of the bind mounts the supervisor made in the shadow root
 * (shadow.c: executables, ELF interpreters, FIFOs, sockets): overlay path
 * -> mount, in least-recently-used order, so that the shadow holds a
 * bounded number of them (shadow_binds.c says which may go and when).
 *
 * Locking: each table has its own mutex.  shadow.c holds it across the
 * check-and-mount or check-and-unmount at a bound path (so two of those on
 * one path never interleave) and calls only fsutil.c and system calls
 * under it: it is a leaf lock, taken with or without serve_lock held, and
 * nothing that takes another lock (mount_ids_changed, notify_mount_added)
 * is called while it is held.
 */
#ifndef OVLRUN_SHADOW_BINDS_H
#define OVLRUN_SHADOW_BINDS_H

#include <stdbool.h>
#include <stdint.h>
#include "ovlrun/supervisor.h"

struct shadow_binds;

/* Made before the loop's threads start, freed after they end (the mounts
 * go with the staging area); NULL without memory. */
struct shadow_binds *binds_new(void);
void binds_free(struct shadow_binds *b);
/* s's table with its lock taken; NULL if there is none (no bind is then
 * kept track of: the shadow works as before, without the bound). */
struct shadow_binds *binds_lock(struct sup *s);
void binds_unlock(struct shadow_binds *b);

/* The rest: with the table's lock held.  canon: an overlay path. */

/* canon was asked for again: true if known (now the most recent). */
bool binds_touch(struct shadow_binds *b, const char *canon);
/* canon is one of the binds (no LRU change). */
bool binds_has(struct shadow_binds *b, const char *canon);
/* canon is (now) mount mnt_id, the most recent; 0 or -ENOMEM. */
int binds_add(struct shadow_binds *b, const char *canon, uint64_t mnt_id);
/* The shadow dropped canon (below: and everything under it). */
void binds_forget(struct shadow_binds *b, const char *canon, bool below);
/* The shadow's dir from moved to to (exchange: and to to from). */
void binds_rename(struct shadow_binds *b, const char *from, const char *to, bool exchange);
/* The bind to unmount now to keep the bound, if any: its path (OVL_PATH_MAX)
 * and mount id.  Then binds_done: gone (unmounted, or found not to be
 * there any more) drops it, else (in use) it counts as used now. */
bool binds_victim(struct shadow_binds *b, char *canon, uint64_t *mnt_id);
void binds_done(struct shadow_binds *b, const char *canon, bool gone);

#endif
