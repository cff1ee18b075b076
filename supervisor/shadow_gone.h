/*
 * What the overlay showed of directories removed while their mirror was
 * there (a cwd or dir fd may still be on it): the kernel's overlayfs
 * stats such a dir as its inode was (mode, owner, times, its count: 1 for
 * a merged dir, the lower's for a lower one, 0 for an upper one), where
 * the mirror shows a tmpfs dir.  Keyed by the mirror's (dev, ino), the
 * last GONE_MAX of them (the oldest is forgotten: a stat of it then shows
 * the mirror, as before).
 *
 * Locking: one mutex per table, a leaf (nothing else is taken under it).
 */
#ifndef OVLRUN_SHADOW_GONE_H
#define OVLRUN_SHADOW_GONE_H

#include <stdbool.h>
#include <sys/stat.h>

struct shadow_gone;

/* Made before the loop's threads start, freed after they end; NULL
 * without memory. */
struct shadow_gone *gone_new(void);
void gone_free(struct shadow_gone *g);
/* Mirror (dev, ino) was the dir the overlay showed as st. */
void gone_put(struct shadow_gone *g, dev_t dev, ino_t ino, const struct stat *st);
/* What the overlay showed of removed mirror (dev, ino): false if unknown. */
bool gone_get(struct shadow_gone *g, dev_t dev, ino_t ino, struct stat *st);

#endif
