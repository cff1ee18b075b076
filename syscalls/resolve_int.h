/* Shared by the resolver's files: resolve.c (the overlay side) and
 * served.c (paths in kernel-served mounts: /proc, /dev, /sys, --bind). */
#ifndef OVLRUN_SYSCALLS_RESOLVE_INT_H
#define OVLRUN_SYSCALLS_RESOLVE_INT_H
#include "ovlrun/syscalls.h"

#define RESOLVE_MAX_DEPTH 8     /* nested magic links and symlinks of served mounts */

/* s under prefix (equal, or followed by '/'): the rest, "/" if equal. */
const char *resolve_under(const char *s, const char *prefix, size_t plen);
bool resolve_is_served(const struct sup *s, const char *canon);
int resolve_read_link(const char *proc, char *link);
/* What a supervisor-side readlink (link) of a magic link (proc) names:
 * 0 or -ENOENT (an unlinked object) with canon filled, FD_OTHER if none of
 * ours. */
int resolve_classify(struct sup *s, const char *proc, char *link, char *canon,
		     enum fd_kind *kind);
/* The same for fd, one of the supervisor's own (link: its readlink). */
int resolve_own_fd(struct req *r, int fd, char *canon, enum fd_kind *kind, char *link);
/* req_lookup at a nesting depth (a link followed by the supervisor). */
int resolve_lookup(struct req *r, int dirfd, const char *path, unsigned flags, bool empty_ok,
		   struct ovl_entry *e, int depth);
/* Hand fd to the handler as r->obj (SC_OBJECT). */
int resolve_hold(struct req *r, int fd, enum obj_kind kind);
/* A stat's fd (ours) of a layer's file (upper: the upper's) that reports
 * other ids than its real ones (ovl_fd_renumbered): SC_OBJECT, holding
 * fd as OBJ_RENUMBERED; else 0 (fd still the caller's).  known: fd's
 * stat just taken, NULL to take it. */
int resolve_renumbered(struct req *r, int fd, bool upper, const struct stat *known);
/* A stat's fd (ours) of a removed dir's mirror, kept by the shadow with
 * what the overlay showed of the dir: SC_OBJECT, holding fd as
 * OBJ_GONE_DIR; else 0.  id: fd's (dev, ino) if known, else NULL. */
int resolve_gone_dir(struct req *r, int fd, const struct stat *id);
/* A /proc fd link's text names a removed object (" (deleted)"). */
bool resolve_link_deleted(const char *link);

/* served.c: full is an absolute path into a kernel-served mount (reached
 * by the overlay walk, or a served dirfd plus a relative path).  0 with e
 * filled (it led back into the overlay), SC_CONTINUE (the kernel may
 * resolve the tracee's string: it reaches the same object), SC_OBJECT, or
 * -errno.  e is not released here. */
int served_lookup(struct req *r, const char *full, unsigned flags, struct ovl_entry *e,
		  int depth);
/* The policy for an fd whose object is none of the overlay's (link: its
 * readlink), acted on through the fd itself (AT_EMPTY_PATH, fchmod, ...). */
int served_fd_policy(struct req *r, const char *link);

#endif
