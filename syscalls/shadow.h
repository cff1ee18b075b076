/*
 * The handlers' calls to the shadow root, which the supervisor implements
 * (supervisor/shadow.c): through sup.shadow_ops (ovlrun/context.h, where
 * each is described), so that syscalls/ depends on no supervisor code.
 */
#ifndef OVLRUN_SYSCALLS_SHADOW_H
#define OVLRUN_SYSCALLS_SHADOW_H

#include <stdint.h>
#include "ovlrun/context.h"

static inline int shadow_dir(struct sup *s, const char *canon, int open_flags)
{
	return s->shadow_ops->dir(s, canon, open_flags);
}

static inline int shadow_dir_for_tracee(struct sup *s, const char *canon, int open_flags)
{
	return s->shadow_ops->dir_for_tracee(s, canon, open_flags);
}

static inline int shadow_bind(struct sup *s, const char *canon, int fd)
{
	return s->shadow_ops->bind(s, canon, fd);
}

static inline void shadow_forget(struct sup *s, const char *canon)
{
	s->shadow_ops->forget(s, canon);
}

static inline int shadow_dir_path(struct sup *s, int fd, char *canon)
{
	return s->shadow_ops->dir_path(s, fd, canon);
}

static inline bool shadow_gone_stat(struct sup *s, dev_t dev, ino_t ino, struct stat *st)
{
	return s->shadow_ops->gone_stat(s, dev, ino, st);
}

static inline enum mount_kind mount_kind(struct sup *s, uint64_t mnt_id)
{
	return s->shadow_ops->mount_kind(s, mnt_id);
}

#endif
