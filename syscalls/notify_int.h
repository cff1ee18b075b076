/*
 * Internals of the sandbox's inotify (see include/ovlrun/notify.h): the
 * instances, the watches, and the real kernel watches behind them.
 *
 * Ownership: struct notify (in struct sup) owns the instances; an instance
 * owns its watches; a watch owns its attachments to real watches.  All of
 * it is touched only under the supervisor's serve_lock.
 */
#ifndef OVLRUN_SYSCALLS_NOTIFY_INT_H
#define OVLRUN_SYSCALLS_NOTIFY_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "ovlrun/notify.h"
#include "ovlrun/overlay.h"

#define NOTIFY_MAX_INSTANCES 128        /* fs.inotify.max_user_instances */
#define NOTIFY_MAX_WATCHES 65536        /* a bound on supervisor memory */
#define NOTIFY_HASH 4096
#define NOTIFY_MAX_REAL (OVL_MAX_LAYERS + 1) /* a dir in every layer, or a file */

/* What a real object stands for, for the one watch attached to it. */
enum real_role {
	ROLE_LAYER_DIR,                 /* a real dir of a merged dir: its files' data events */
	ROLE_FILE,                      /* the real object of a watched non-directory */
	ROLE_RAW,                       /* a kernel-served path (/dev): a kernel inotify watch */
	ROLE_MIRROR,                    /* rootless: the watched dir's mirror in the shadow
					 * (inode marks: a dir fd's close comes from it) */
};

#define NOTIFY_MAX_HANDLE 128           /* MAX_HANDLE_SZ */

/* A real object as fanotify names it: filesystem id and file handle. */
struct nkey {
	uint64_t fsid;
	int type;
	unsigned len;
	unsigned char h[NOTIFY_MAX_HANDLE];
};

struct nwatch;

/* One real object serving one watch (several watches may share one). */
struct nreal {
	struct nkey key;                /* ROLE_RAW: the inotify wd's bytes */
	int rwd;                        /* ROLE_RAW: the kernel inotify wd */
	enum real_role role;
	dev_t dev;                      /* the object's st_dev, st_ino (not ROLE_RAW) */
	ino_t ino;
	struct nwatch *w;
	struct nreal *next;             /* chain of notify.real_hash */
};

struct ninst;

struct nwatch {
	struct ninst *inst;             /* not valid once dead */
	int wd;
	uint32_t mask;                  /* IN_* events and IN_ONESHOT/IN_EXCL_UNLINK */
	bool isdir;
	bool has_upper;                 /* attached to the upper layer's object (final) */
	bool dead;                      /* removed; freed at the next sweep */
	bool raw;                       /* in a kernel-served mount: one ROLE_RAW attachment */
	bool multi;                     /* a non-dir with several names when attached: the
					 * others' events reach it (notify_real_aliases) */
	char *path;                     /* canonical overlay path, owned */
	int nreal, creal;               /* real[]: in use, room (grown as needed) */
	struct nreal **real;
	struct nwatch *hnext;           /* chain of notify.hash (by path); graveyard link when dead */
	struct nwatch *inext;           /* the instance's watches */
};

/* The last event queued to an instance: an identical event that follows
 * while it is unread is merged into it, as the kernel does. */
struct nlast {
	bool valid;
	int wd;
	uint32_t mask, cookie;
	char name[NAME_MAX + 1];
};

struct ninst {
	int sock;                       /* supervisor's end of the pair, -1 when closed */
	ino_t ino;                      /* inode of the command's end (socket:[ino]) */
	int next_wd;
	bool overflow;                  /* an event was lost: IN_Q_OVERFLOW owed */
	struct nlast last;
	struct nwatch *watches;
	struct ndnotify *dn;            /* a dnotify registration (dnotify.c), NULL for inotify */
	struct ninst *next;
};

struct notify {
	int ffd;                        /* fanotify on the sandbox's mounts (made before the
					 * loop's threads start: they poll it), -1 if none */
	bool marked;                    /* the sandbox's mounts are marked (first watch) */
	bool inode_marks;               /* rootless: no mount marks (they need the host's
					 * CAP_SYS_ADMIN): each real object a watch is on is
					 * marked instead, once, for the run (notify_real.c) */
	int ifd;                        /* kernel inotify for ROLE_RAW, made with ffd */
	uint64_t shadow_fsid;           /* the shadow root's filesystem id */
	int ninst;
	size_t nwatch;
	size_t nreal;
	size_t nmulti;                  /* watches with multi set */
	uint32_t cookie;
	struct ninst *insts;
	struct nwatch *graveyard;       /* dead watches, freed by notify_sweep */
	struct nwatch *hash[NOTIFY_HASH];
	struct nreal *real_hash[NOTIFY_HASH];
	struct ovl_cred root;           /* lookups made for the supervisor's own watches */
};

struct sup;
struct notify *notify_get(struct sup *s);      /* allocates on first use */

/* notify.c */
void notify_deliver(struct sup *s, struct nwatch *w, uint32_t mask, uint32_t cookie,
		    const char *name);
struct nwatch *notify_find(struct notify *n, const char *path);
void notify_watch_add(struct notify *n, struct nwatch *w);
/* Remove a watch (after IN_IGNORED to its instance if ignored); its memory
 * stays until the next notify_sweep, so loops over watches may go on. */
void notify_watch_drop(struct sup *s, struct nwatch *w, bool ignored);
void notify_inst_free(struct sup *s, struct ninst *in);

/* dnotify.c: a registration's fd still holds its description; the
 * signals for an event of its watch (true: a one-shot one is spent);
 * free it. */
struct ndnotify;
bool dnotify_alive(const struct ndnotify *dn);
bool dnotify_event(struct ndnotify *dn, uint32_t mask, uint32_t cookie);
void dnotify_free(struct ndnotify *dn);

/* notify_real.c */
/* Attach w to the real objects now behind its path. */
void notify_real_attach(struct sup *s, struct nwatch *w);
/* Attach a raw watch to the object fd (a kernel inotify watch on it). */
int notify_real_attach_raw(struct sup *s, struct nwatch *w, int fd);
void notify_real_detach(struct sup *s, struct nwatch *w);
/* Re-attach the watches on path and on its parents if the objects behind
 * them changed (copy-up, a new upper or mirror dir). */
void notify_real_refresh(struct sup *s, const char *path);
/* w is attached to the real object of key k (or, k NULL, of ids obj). */
struct nkey;
bool notify_watch_on(const struct nwatch *w, const struct nkey *k, const struct notify_obj *obj);
/* The watch of instance in on the non-dir at canon under another of its
 * names (the kernel's watches are on inodes: one per object), NULL if none. */
struct nwatch *notify_real_same(struct sup *s, struct ninst *in, const char *canon);
/* An event on the object obj (NULL: the one at path now), for the watches
 * on its other names (the kernel's watches are on inodes): delivered to
 * each. */
void notify_real_aliases(struct sup *s, const char *path, const struct notify_obj *obj,
			 uint32_t mask, uint32_t cookie);
/* notify_relay without the sweep: no instance is freed (a caller that
 * holds one goes on with it). */
void notify_relay_pending(struct sup *s);
/* Free the instances the command closed for good (check: ask poll too),
 * and the dead watches. */
void notify_sweep(struct sup *s, bool check);

#endif
