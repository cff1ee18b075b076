/*
 * inotify for the sandbox, on overlay paths.
 *
 * An inotify instance of the sandbox is a SOCK_SEQPACKET socket pair: the
 * command holds one end (read, poll, FIONREAD work on it), the supervisor
 * writes struct inotify_event messages into the other.  Events come from
 * two sources:
 *
 *  - synthesized: every namespace and metadata change goes through a
 *    handler, which reports what the call meant on the overlay (create,
 *    delete, move, attrib, open) — never the whiteouts, copy-ups and
 *    renames in the work dir it took to do it;
 *  - relayed: data I/O is native (the command reads and writes real layer
 *    files), so the supervisor watches the real objects behind each watch
 *    through the sandbox's own mounts with fanotify and relays ACCESS,
 *    MODIFY, OPEN and CLOSE_* (its own accesses, known by pid, dropped).
 *
 * Watches follow overlay paths: a rename of a watched object or of one of
 * its parents moves the watch.  Every function here is called with the
 * supervisor's serve_lock held (include/ovlrun/context.h).
 */
#ifndef OVLRUN_NOTIFY_H
#define OVLRUN_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct sup;

/* Before the loop's threads start: the fds they poll. */
void notify_prepare(struct sup *s);
void notify_free(struct sup *s);
/* The supervisor's fds to poll (which: 0 fanotify, 1 inotify), -1 while
 * there is none. */
int notify_fd(const struct sup *s, int which);
/* Any watch at all (handlers then keep the command's closes its own). */
bool notify_watching(const struct sup *s);
/* Any instance, watch or leftover to sweep: calls that only look must
 * then run alone too (they report opens and reads, notify_begin sweeps).
 * Changes only with the serve_lock held exclusively. */
bool notify_in_use(const struct sup *s);
/* A mount was made for the sandbox (a bind in the shadow root): its
 * accesses are the sandbox's too.  canon: where, inside the sandbox. */
void notify_mount_added(struct sup *s, const char *canon);
/* Relay the real events that are pending (native I/O of the command). */
void notify_relay(struct sup *s);
/* Before each handler: what the command did natively comes first. */
void notify_begin(struct sup *s);

/* What a handler did, on canonical overlay paths (no-ops without watches). */
/* An event on the object at path: its own watches and its parent's. */
void notify_path(struct sup *s, const char *path, uint32_t mask, bool isdir);
/* A new name: CREATE in the parent. */
void notify_create(struct sup *s, const char *path, bool isdir);
/* A non-dir's real object (st_dev, st_ino of the layer's inode; zero if
 * unknown): the watches on its other names hear what is done to it. */
struct notify_obj {
	dev_t dev;
	ino_t ino;
};
/* A name removed; last: it was the object's last link; obj: what it was. */
void notify_remove(struct sup *s, const char *path, bool isdir, bool last,
		   const struct notify_obj *obj);
/* A new link to an existing object (ATTRIB on it, CREATE in new's parent). */
void notify_link(struct sup *s, const char *old, const char *new_path);
/* The objects behind path changed without an event (a copy-up for a lock). */
void notify_changed(struct sup *s, const char *path);
/* rename(from, to): isdir is the moved object's type; replaced: to existed
 * and was replaced (replaced_last: it was its last link); exchange: the
 * two were swapped (to_isdir is then the other object's type). */
struct notify_move {
	const char *from, *to;
	bool isdir, replaced, replaced_isdir, replaced_last, exchange;
	struct notify_obj obj, to_obj;  /* the moved object, the replaced or exchanged one */
};
void notify_move(struct sup *s, const struct notify_move *m);

#endif
