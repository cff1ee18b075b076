/*
 * Private to the overlay engine: the ovl_fs structure and the helpers that
 * its files share.  Nothing outside overlay/ includes this.
 */
#ifndef OVLRUN_OVERLAY_INTERNAL_H
#define OVLRUN_OVERLAY_INTERNAL_H

#include <pthread.h>
#include "ovlrun/overlay.h"

struct ovl_listing;                     /* readdir.c: cached merged listing of one dir */
struct ovl_dcnode;                      /* dcache.c: one name of the dentry tree */
struct ovl_dcentry;                     /* dcache.c: one cached merged directory's data */

/* Dentry cache (dcache.c).  lock guards every field, the tree's links and
 * each node and dir data's fields, pins and LRU links; it is a leaf lock
 * (nothing else is taken under it) held only inside dcache.c.  The
 * generations are bumped under it and read without it (atomics): a walk's
 * insert is dropped when what it read may predate an invalidation
 * (dcache.c). */
struct ovl_lru {                        /* a link of an LRU list; the list's own is its head */
	struct ovl_lru *prev, *next;
};
struct ovl_dcache {
	pthread_mutex_t lock;
	struct ovl_dcnode **tab;        /* hash buckets by (parent, name); NULL = cache off */
	struct ovl_dcnode *root;        /* "/", never freed before the cache */
	struct ovl_lru dirs;            /* dirs with data, most recent first */
	unsigned ndirs, max_dirs;       /* dirs with data */
	unsigned nfds, max_fds;         /* the fds they hold (+ pinned ones over the bound) */
	struct ovl_lru leaves;          /* leaves, most recent first */
	unsigned nleaves, max_leaves;
	unsigned nnodes;                /* nodes but the root, of every kind */
	uint32_t *bgen;                 /* per bucket of paths: bumped by an invalidation of a name in it */
	uint64_t gen;                   /* bumped by an invalidation of a subtree */
};
/* What a walk saw of the generations before it read the host. */
struct ovl_dcstamp {
	uint64_t gen;
	uint32_t bgen;
};

/* Change locks (locks.c; the order is at the top of overlay.h).  rename:
 * shared by every change, exclusive for a rename that moves a dir or
 * crosses dirs.  lock guards the table of dir locks (a leaf). */
struct ovl_dirlock;
struct ovl_locks {
	pthread_rwlock_t rename;
	uint64_t moves;                 /* bumped as exclusive holds begin and end (atomic) */
	pthread_mutex_t lock;
	struct ovl_dirlock **tab;       /* the dir locks held or waited for */
};

struct ovl_layer {
	int fd;                         /* layer root, O_DIRECTORY; -1 for a missing upper */
	dev_t dev;                      /* st_dev of the layer root */
	unsigned fsidx;                 /* index among the distinct st_dev of all layers */
	uint64_t mnt_id;                /* id of the mount its root is on, 0 if unknown */
	bool has_uuid;                  /* uuid: its filesystem's (FS_IOC_GETFSUUID) */
	unsigned char uuid[16];
	size_t root_len;                /* upper: the length of its root's path as /proc
					 * shows it (0 if unknown; real.c) */
	bool oci;                       /* a lower in the OCI layer format (oci.c) */
};

/* copied.c: bits of the filter of lower non-dirs copied up (a power of 2) */
#define OVL_COPIED_BITS (1u << 20)
/* Before a lower non-dir (its st_dev, inode) is copied up. */
void ovl_copied_mark(struct ovl_fs *fs, dev_t dev, ino_t ino);
/* A lower regular file is handed out as an fd; after one is copied up (its
 * copy in place, what was cached of its name forgotten). */
void ovl_opened_mark(struct ovl_fs *fs, dev_t dev, ino_t ino);
void ovl_copied_done(struct ovl_fs *fs, dev_t dev, ino_t ino);
/* Some fd of a lower file may be stale now (ovl_stale_gen moves). */
void ovl_stale_bump(struct ovl_fs *fs);

struct ovl_fs {
	/* Immutable after ovl_fs_new. */
	int nlayers;                    /* 1 + number of lowers; layers[0] is the upper slot */
	struct ovl_layer *layers;       /* nlayers of them */
	unsigned fsidx_shift;           /* where a dir's inode number carries its fsidx (fs.c) */
	int work_fd;                    /* -1 without upper */
	dev_t dir_dev;
	bool no_redirect;               /* cfg's: redirect_dir=nofollow */
	bool no_fh;                     /* cfg's no_file_handles: no origins, no index */
	bool override_stat;             /* cfg's: owners, modes, types in records (override.c) */
	bool in_userns;                 /* cfg's: no caller capability of the initial namespace */
	bool same_dev;                  /* every layer on one filesystem: non-dirs report
					 * dir_dev too, as the kernel's st_dev then is one */
	int npassthrough;
	char *passthrough[OVL_MAX_PASSTHROUGH];
	int nhide;
	struct { dev_t dev; ino_t ino; } hide[OVL_MAX_HIDE];
	char xattr_prefix[32];          /* "trusted.overlay." */
	size_t xattr_prefix_len;
	char xa_opaque[48], xa_origin[48], xa_impure[48], xa_redirect[48]; /* full names, */
	char xa_nlink[48], xa_upper[48], xa_protattr[48]; /* all of one size */

	/* index.c: the index dir (work/index), -1 with the index off;
	 * index_lock serializes the changes of an indexed object's links and
	 * its nlink record (taken under a change's hold; under it only the
	 * leaf locks, and the change listener, told of a removal or rename
	 * while it is held: the listener takes no engine lock but leaves). */
	int index_fd;
	pthread_mutex_t index_lock;

	/* readdir cache (readdir.c): guarded by listings_lock, held through
	 * one ovl_readdir (its callback must not call back); a listing built
	 * under it takes origin_lock (d_ino of copies), which is a leaf. */
	pthread_mutex_t listings_lock;
	struct ovl_listing *listings;   /* list, most recently used first */
	unsigned nlistings;
	uint64_t tmp_seq;               /* names for work-dir temporaries (atomic) */

	struct ovl_locks locks;
	pthread_mutex_t staged_lock;    /* a leaf: guards staged */
	struct ovl_staged *staged;      /* copies made before the locks (copy_up.c) */

	ovl_change_fn on_change;        /* set before concurrent use (ovl_fs_listen) */
	void *change_ctx;

	/* dcache: its own lock, see struct ovl_dcache. */
	struct ovl_dcache dcache;

	/* origin.c: the numbers upper non-dirs report, by upper inode;
	 * origin_lock guards the table (a leaf lock). */
	pthread_mutex_t origin_lock;
	struct ovl_origin_slot *origins;
	uint64_t origin_gen;            /* bumped by each ovl_origin_forget (origin_lock) */
	/* no_fh: which lower inode each copy of this run came from, exactly
	 * (no record says it there); open addressing, origin_lock */
	struct ovl_copy_rec { dev_t udev, ldev; ino_t uino, lino; mode_t type; } *copies;
	size_t ncopies, ccopies;        /* used, capacity (a power of 2) */

	/* handed.c: overlay paths of lower files handed out, by (dev, ino),
	 * and the renames since; handed_lock guards them (a leaf lock). */
	pthread_mutex_t handed_lock;
	struct ovl_handed *handed;

	/* copied.c: lock-free, bits only ever set (atomic OR) */
	_Atomic uint64_t copied[OVL_COPIED_BITS / 64];
	_Atomic uint64_t opened[OVL_COPIED_BITS / 64];
	_Atomic uint64_t stale_gen;     /* copy-ups of lower files opened for a caller */
};

/* locks.c: what a change holds, released by ovl_hold_end (or when an
 * OVL_HOLD variable goes out of scope).  A change of the names in one dir
 * (and of their objects) holds the rename lock shared and that dir's
 * lock; rmdir also the removed dir's, taken first. */
#define OVL_HOLD_DIRS 2
struct ovl_staged;
struct ovl_hold {
	struct ovl_fs *fs;
	bool active, renaming;
	int ndirs;
	struct ovl_dirlock *dirs[OVL_HOLD_DIRS];
	struct ovl_staged *staged;      /* a copy made before the locks, dropped at the end */
};
void ovl_hold_end(struct ovl_hold *h);
#define OVL_HOLD(h) struct ovl_hold h __attribute__((cleanup(ovl_hold_end))) = { .active = false }
int ovl_locks_init(struct ovl_fs *fs);
void ovl_locks_free(struct ovl_fs *fs);
/* The rename lock, exclusive when renaming. */
void ovl_hold_begin(struct ovl_fs *fs, struct ovl_hold *h, bool renaming);
/* Then the lock of dir path (none while renaming: nothing else changes). */
int ovl_hold_dir(struct ovl_hold *h, const char *path);
/* A change of e in its parent dir: both locks, then e looked up again
 * (what the caller looked up may have changed before). */
int ovl_hold_entry(struct ovl_fs *fs, struct ovl_hold *h, struct ovl_entry *e);
/* The same for a change that copies e up (writing, attributes): a large
 * lower file's data is copied first, before any lock, so that only the
 * caller waits for it (copy_up.c: staged copies); stage says the caller
 * looks allowed to (its checks under the locks decide). */
int ovl_hold_entry_staging(struct ovl_fs *fs, struct ovl_hold *h, struct ovl_entry *e, bool stage);
/* The same, and first the lock of dir e itself (rmdir: nothing is made
 * in it meanwhile). */
int ovl_hold_dir_entry(struct ovl_fs *fs, struct ovl_hold *h, struct ovl_entry *e);
/* Two names: in one dir (a's), or anywhere when renaming. */
int ovl_hold_pair(struct ovl_fs *fs, struct ovl_hold *h, struct ovl_entry *a,
		  struct ovl_entry *b, bool renaming);
/* A copy-up on the way down (ovl_copy_up_parent), under a hold of a dir
 * below: the lock of the parent of path[0..len), for that one step. */
int ovl_lock_parent_of(struct ovl_fs *fs, const char *path, size_t len, struct ovl_dirlock **out);
void ovl_unlock_dir(struct ovl_fs *fs, struct ovl_dirlock *d);

/* handed.c */
struct ovl_handed;
int ovl_handed_init(struct ovl_fs *fs);
void ovl_handed_free(struct ovl_fs *fs);
/* The renames logged so far (a walk takes it when it begins). */
uint64_t ovl_handed_seq(struct ovl_fs *fs);
/* A file (dev, ino) is handed out as an fd at overlay path canon, found
 * by a walk that began at rename seq: a lower one, an index entry, an
 * upper one too deep for its fd's /proc link (real.c). */
/* The length of fd's path as /proc shows it, 0 if it cannot. */
size_t ovl_fd_path_len(int fd);
/* An upper object at canon has a host path longer than /proc's links show
 * (a page): its fds' links name nothing (real.c records where they are). */
bool ovl_upper_path_deep(const struct ovl_fs *fs, const char *canon);
void ovl_handed_record(struct ovl_fs *fs, dev_t dev, ino_t ino, const char *canon, uint64_t seq);
/* Names from (and, exchanged, to) moved: logged, records follow. */
void ovl_handed_moved(struct ovl_fs *fs, const char *from, const char *to, bool exchange);

/* origin.c */
struct ovl_origin_slot;
void ovl_layer_uuid(struct ovl_layer *l);
int ovl_origin_init(struct ovl_fs *fs);
void ovl_origin_free(struct ovl_fs *fs);
/* The (st_dev, st_ino) upper non-dir parent/name of type reports: its
 * origin's, or (unchanged) its own; nlink (its real count in, NULL if not
 * wanted) the overlay's count of an indexed one. */
void ovl_origin_ids(struct ovl_fs *fs, int parent, const char *name, mode_t type, dev_t *dev,
		    ino_t *ino, nlink_t *nlink);
/* The lower object upper inode fd (of type) records as its origin, its
 * lstat: -ENOENT if none is found. */
int ovl_origin_of(struct ovl_fs *fs, int fd, mode_t type, struct stat *lower);
/* The kernel's origin record of the object at (dirfd, name; "" for dirfd
 * itself) into rec (ORIGIN_MAX bytes); its length, 0 if none can be made. */
#define OVL_ORIGIN_MAX (5 + 16 + 128)
size_t ovl_origin_record_at(const struct ovl_fs *fs, int dirfd, const char *name,
			    unsigned char *rec);
/* The upper inode (dev, ino) is going away: its number may come back. */
void ovl_origin_forget(struct ovl_fs *fs, dev_t dev, ino_t ino);
/* no_fh: the copy (udev, uino; of type) of this run is of the lower inode (ldev,
 * lino) (copy_up.c), which ovl_is_origin and the copy's number then tell. */
void ovl_origin_remember(struct ovl_fs *fs, mode_t type, dev_t udev, ino_t uino, dev_t ldev,
			 ino_t lino);

/* redirect.c: a dir's marks for the layers below it, read once: opaque
 * (nothing below), or a redirect (where they keep it: a name in the
 * parent's dirs, or a path from their roots), validated; its text goes
 * into redirect (PATH_MAX), "" if none. */
int ovl_dir_marks(const struct ovl_fs *fs, int dirfd, bool *opaque, char *redirect);
/* A dir that a lower has (merged, or a lower's copied up just now: e,
 * held) moves (samedir: within its dir): record where its lower dirs are,
 * as the kernel's redirect_dir does, unless what it has says it already. */
int ovl_set_redirect(struct ovl_fs *fs, const struct ovl_entry *e, bool samedir);

/* index.c: the kernel's inodes index (index=on).  Every function is a
 * no-op (0, false) with the index off. */
/* 1: the index cannot be kept (a layer's filesystem makes no file
 * handles): the overlay goes on without it, as the kernel falls back. */
int ovl_index_init(struct ovl_fs *fs);
void ovl_index_free(struct ovl_fs *fs);
/* An index entry's name: the hex of an origin record. */
void ovl_index_hex(const unsigned char *rec, size_t len, char *hex);
/* The index entry hex is the inode (dev, ino). */
bool ovl_index_holds(struct ovl_fs *fs, const char *hex, dev_t dev, ino_t ino);
/* The overlay's link count from an index inode's nlink record (rec, n
 * bytes, n < 0: none), the inode's own count upper and its origin's lower:
 * upper when the record is missing or bad, as the kernel falls back. */
#define OVL_NLINK_REC_MAX 13
nlink_t ovl_index_nlink_of(const char *rec, ssize_t n, nlink_t upper, nlink_t lower);
/* After a lookup: a lower hard link whose object is in the index shows
 * the index entry (e->indexed). */
int ovl_index_lookup(struct ovl_fs *fs, struct ovl_entry *e);
/* Copy-up of src_parent/name (st: its lstat, a lower non-dir) to
 * parent/name goes through the index: 1 (*hex: its entry) if so. */
bool ovl_index_wanted(struct ovl_fs *fs, int src_parent, const char *name,
		      const struct stat *st, char *hex);
/* The index entry hex, just made for a lower object of lower_nlink
 * links: its record says the overlay has them all. */
int ovl_index_made(struct ovl_fs *fs, const char *hex, nlink_t lower_nlink);
/* Link the index entry hex (lower_nlink: its origin's count) to
 * parent/name, keeping the overlay's count. */
int ovl_index_link_up(struct ovl_fs *fs, const char *hex, nlink_t lower_nlink, int parent,
		      const char *name);
/* Around a change of the names of e's object (unlink, link, a rename
 * over it): e is copied up first if it is a lower hard link the index
 * keeps; *h says what ovl_index_change_end must do (delta: the names the
 * change adds, -1 or +1). */
struct ovl_index_hold {
	bool active;
	char hex[OVL_INDEX_NAME_MAX];
	nlink_t nlink;                  /* the overlay's count before the change */
	int delta;
};
int ovl_index_change_begin(struct ovl_fs *fs, struct ovl_entry *e, int delta,
			   struct ovl_index_hold *h);
void ovl_index_change_end(struct ovl_fs *fs, struct ovl_index_hold *h, bool done);

/* fileattr.c: after a copy-up of src (a regular file or dir) to
 * parent/name: its flags that the overlay keeps (sync, noatime,
 * append-only, immutable; the last two also in its protattr record). */
int ovl_copy_fsflags(struct ovl_fs *fs, int src, int parent, const char *name);
/* The protected flags (FS_APPEND_FL, FS_IMMUTABLE_FL) of e's object, of
 * e's parent dir: what the VFS refuses changes for (0 for lower ones). */
unsigned ovl_prot_flags(const struct ovl_fs *fs, const struct ovl_entry *e);
unsigned ovl_parent_prot_flags(const struct ovl_fs *fs, const struct ovl_entry *e);

/* fs.c */
/* Tell the listener (overlay.h: ovl_change) what was just changed. */
void ovl_changed(struct ovl_fs *fs, const struct ovl_change *c);
void ovl_changed_attr(struct ovl_fs *fs, const struct ovl_entry *e, unsigned attr);
bool ovl_is_whiteout(const struct stat *st);
bool ovl_is_hidden(const struct ovl_fs *fs, const struct stat *st);
int ovl_is_opaque(const struct ovl_fs *fs, int dirfd);  /* 1, 0 or -errno */
uint64_t ovl_dir_ino(const struct ovl_fs *fs, int layer, ino_t real_ino);
int ovl_passthrough_match(const struct ovl_fs *fs, const char *canon); /* 1 if canon is (under) one */

/* namei.c: struct ovl_dir (overlay.h).  Release: an owned dir's fds
 * closed and arrays freed, a borrowed one forgotten (its pin is the
 * caller's); empty after.  Push: one more real dir (fd taken on success;
 * -ENOMEM leaves it the caller's); d owned or empty.  Move: dst (released
 * first) takes src's, src is empty.  Borrow: dst (released first) shows
 * src's fds, which stay src's: valid while src is (a cache entry: while
 * pinned).  Dup: dst gets fds of its own of src's dirs (dst empty). */
void ovl_dir_release(struct ovl_dir *d);
int ovl_dir_push(struct ovl_dir *d, int fd, int layer);
void ovl_dir_move(struct ovl_dir *dst, struct ovl_dir *src);
void ovl_dir_borrow(struct ovl_dir *dst, const struct ovl_dir *src);
int ovl_dir_dup(const struct ovl_dir *src, struct ovl_dir *dst);
/* Look name up in merged dir d: fills type/layer/st and, for a directory,
 * child (opened).  Returns 0 (type 0 if negative) or -errno. */
int ovl_lookup_one(struct ovl_fs *fs, const struct ovl_dir *d, const char *name,
		   mode_t *type, int *layer, struct stat *st, struct ovl_dir *child);
/* True when a layer below the topmost holds name (unlink must whiteout). */
int ovl_lower_positive(struct ovl_fs *fs, const struct ovl_dir *d, const char *name);
/* Give back e's parent or dir (closed, or unpinned if borrowed); the
 * caller then sets a new one, its own. */
void ovl_entry_drop_parent(struct ovl_entry *e);
void ovl_entry_drop_dir(struct ovl_entry *e);
/* The canonical parent of canonical path p into out ("/" for "/"). */
void ovl_canon_parent(const char *p, char *out);
/* Re-look e up, its parent included (same path, no permission checks):
 * after a change below it, and when a hold begins. */
int ovl_entry_refresh(struct ovl_fs *fs, struct ovl_entry *e);
/* Where e's topmost real object is: returns the real dir fd (borrowed from
 * e) and sets *name; for the root, the dir itself and "" (use AT_EMPTY_PATH).
 * -ENOENT for a negative entry. */
int ovl_entry_real_at(const struct ovl_entry *e, const char **name);

/* dcache.c: what lookups found by canonical path: merged directories
 * (with their fds) and leaves (negatives, non-directories). */
int ovl_dcache_init(struct ovl_fs *fs);
void ovl_dcache_free(struct ovl_fs *fs);
/* Hit: pins the entry and returns it with its dir (fds borrowed while
 * pinned), topmost stat and layer; NULL on a miss. */
struct ovl_dcentry *ovl_dcache_get(struct ovl_fs *fs, const char *canon,
				   const struct ovl_dir **dir, const struct stat **st, int *layer);
void ovl_dcache_put(struct ovl_fs *fs, struct ovl_dcentry *d);
/* A pinned dir is still what the cache holds at its path (nothing
 * invalidated or evicted it since). */
bool ovl_dcache_current(struct ovl_fs *fs, struct ovl_dcentry *d);
/* The subtree generation, read when a walk begins (before it takes any
 * dir); then, before reading the host for what is added at canon, a
 * stamp s with it. */
uint64_t ovl_dcache_gen(struct ovl_fs *fs);
void ovl_dcache_stamp(struct ovl_fs *fs, const char *canon, uint64_t gen, struct ovl_dcstamp *s);
/* Insert dir (just looked up, owned) at canon: on success the cache owns
 * its fds, dir borrows them, and the new entry is returned pinned; NULL
 * leaves dir untouched (no memory, or canon was invalidated since stamp
 * s: the caller goes on uncached). */
/* A cached dir's protected inode flags (fileattr.c): -1 until set; no
 * lock (one value, set once per entry, whichever reader comes first). */
int ovl_dcache_prot(const struct ovl_dcentry *d);
void ovl_dcache_set_prot(struct ovl_dcentry *d, unsigned prot);
struct ovl_dcentry *ovl_dcache_add(struct ovl_fs *fs, const char *canon, struct ovl_dir *dir,
				   const struct stat *st, int layer, const struct ovl_dcstamp *s);
/* What the cache holds at canon, dirs and (with leaves) leaves: false if
 * nothing.  A dir comes pinned (give it back with ovl_dcache_put); a
 * symlink leaf's text goes into target (PATH_MAX; "" if not kept) when
 * target is non-NULL. */
struct ovl_dchit {
	mode_t type;                    /* S_IFDIR: a dir; else a leaf's type, 0 = negative */
	int layer;                      /* topmost layer holding it */
	struct ovl_dcentry *pin;        /* a dir: the pinned entry */
	const struct ovl_dir *dir;      /* a dir: its real dirs, borrowed while pinned */
	const struct stat *st;          /* a dir: lstat of its topmost real dir */
	bool has_leaf_st;               /* a leaf of a lower: leaf_st is its lstat */
	struct stat leaf_st;            /* (copied: a leaf is not pinned) */
};
bool ovl_dcache_find(struct ovl_fs *fs, const char *canon, bool leaves, struct ovl_dchit *hit,
		     char *target);
/* The same for name in the pinned dir parent (canon is parent's path and
 * name): one step in the tree while parent is current, else from the root.
 * Leaves included. */
bool ovl_dcache_find_in(struct ovl_fs *fs, struct ovl_dcentry *parent, const char *name,
			const char *canon, struct ovl_dchit *hit, char *target);
/* Remember what a final component was: type 0 (negative) or a non-dir in
 * layer; target: a symlink's text, or NULL; st: its lstat, kept for a
 * lower's object only (lowers never change), or NULL. */
void ovl_dcache_add_leaf(struct ovl_fs *fs, const char *canon, mode_t type, int layer,
			 const char *target, const struct stat *st, const struct ovl_dcstamp *s);
/* Forget canon (and, with subtree, everything below it).  Call after any
 * change to a directory's participating layers, opacity, owner, mode or
 * existence at canon; when in doubt, call it. */
void ovl_dcache_invalidate(struct ovl_fs *fs, const char *canon, bool subtree);
/* For tests: the dirs' bound, how many dirs have data, how many nodes the
 * tree has (the root aside). */
void ovl_dcache_set_max(struct ovl_fs *fs, unsigned max);
/* The same for the fds the dirs hold, and how many they hold. */
void ovl_dcache_set_max_fds(struct ovl_fs *fs, unsigned max);
unsigned ovl_dcache_fds(struct ovl_fs *fs);
unsigned ovl_dcache_count(struct ovl_fs *fs);
unsigned ovl_dcache_nodes(struct ovl_fs *fs);

/* xattr.c: name is one of the overlay's own marks (its prefix, not an
 * escaped caller's name). */
bool ovl_xattr_is_private(const struct ovl_fs *fs, const char *name);

/* copy_up.c */
/* Make sure the merged dir of e's parent exists in upper; on success
 * e->parent.fd[0] is the upper parent (layer 0). */
int ovl_copy_up_parent(struct ovl_fs *fs, struct ovl_entry *e);
int ovl_set_opaque(struct ovl_fs *fs, int dirfd);
int ovl_create_whiteout(struct ovl_fs *fs, int upper_dirfd, const char *name);
/* Copy-up with options: OVL_COPY_UP_NODATA copies metadata only (an
 * O_TRUNC open or truncate to 0 needs no data). */
#define OVL_COPY_UP_NODATA 0x1
int ovl_copy_up_flags(struct ovl_fs *fs, struct ovl_entry *e, unsigned flags);  /* held */
/* Copy the data of a lower regular file e before the locks are taken
 * (copy_up.c: struct ovl_staged); a copy-up of that object under them
 * uses it.  *s is NULL when there is nothing to stage.  Unstage once the
 * change is done, used or not. */
struct ovl_staged;
int ovl_copy_up_stage(struct ovl_fs *fs, const struct ovl_entry *e, struct ovl_staged **s);
void ovl_copy_up_unstage(struct ovl_fs *fs, struct ovl_staged *s);
/* Remove temporaries a crashed run left in the work dir (call once, when
 * the upper is taken, before any operation). */
int ovl_work_clean(struct ovl_fs *fs);

/* readdir.c */
void ovl_listing_invalidate(struct ovl_fs *fs, const struct ovl_dir *d);
void ovl_listings_free(struct ovl_fs *fs);

/* perm.c helpers used by the namespace ops */
int ovl_may_create(const struct ovl_fs *fs, const struct ovl_cred *cred, const struct ovl_entry *e);
int ovl_may_delete(const struct ovl_fs *fs, const struct ovl_cred *cred, const struct ovl_entry *e);
int ovl_set_owner_for_new(const struct ovl_fs *fs, const struct ovl_cred *cred,
			  const struct ovl_entry *e, mode_t *mode, uid_t *uid, gid_t *gid);
/* cred's fsgid or one of its supplementary groups is gid. */
bool ovl_in_group(const struct ovl_cred *cred, gid_t gid);
/* inode.c: the caller may plausibly change e's attributes (worth staging
 * its copy-up before the locks). */
bool ovl_may_change_attrs(const struct ovl_cred *cred, const struct ovl_entry *e);
/* fsuid owns st, or CAP_FOWNER (inode_owner_or_capable). */
bool ovl_owner_or_capable(const struct ovl_cred *cred, const struct stat *st);
/* A capability the sandbox withholds (SYS_ADMIN for trusted.* xattrs,
 * LINUX_IMMUTABLE for the protected inode flags), held for the overlay's
 * own files by root inside (fsuid 0 holding CAP_FOWNER, which it is
 * given): they are the sandbox's filesystem to administer, and what it
 * sets there is the overlay's record, never a host inode's power. */
bool ovl_overlay_capable(const struct ovl_cred *cred, int cap);

/* OCI layer format lowers (oci.c): a marker name (".wh." first) is never
 * an entry of such a layer. */
#define OVL_OCI_WHITEOUT ".wh."
#define OVL_OCI_OPAQUE ".wh..wh..opq"
bool ovl_oci_marker(const char *name);
/* lstat of name in real dir dirfd of layer: 0, -ENOENT if none, -errno;
 * an OCI layer's whiteout marker reads as a whiteout (0/0 char device). */
int ovl_layer_lstat(const struct ovl_fs *fs, int layer, int dirfd, const char *name,
		    struct stat *st);
/* Real dir dirfd of layer hides the layers below: 1, 0 or -errno (the
 * opaque xattr; an OCI layer's marker too); the marker alone (0 for a
 * layer of the kernel's format, at no syscall). */
int ovl_layer_opaque(const struct ovl_fs *fs, int layer, int dirfd);
int ovl_oci_opaque(const struct ovl_fs *fs, int layer, int dirfd);

/* How many names e's non-dir object has in the overlay, as far as its
 * real one tells (an indexed object's count is the index's): without the
 * index, a lower file's names are objects apart, as the kernel's
 * overlayfs keeps them, so each is its object's only one. */
static inline nlink_t ovl_object_names(const struct ovl_entry *e)
{
	return e->layer == OVL_UPPER ? e->st.st_nlink : 1;
}

/* xattr.c: the xattr of (dirfd, name; "" for dirfd), not following a
 * symlink: its length or -errno (*xattrat, else an O_PATH fd's /proc name). */
ssize_t ovl_xattr_get_at(int dirfd, const char *name, const char *xattr, void *buf, size_t size);
/* override.c: owners, modes and types kept in user.containers.override_stat
 * (cfg override_stat).  ovl_override_at applies the record of (dirfd, name;
 * "" for dirfd) to st, its lstat.  ovl_override_chown_at changes the owner,
 * in the record when the file has one or the host refuses the ids (EINVAL);
 * ovl_override_chmod_at keeps a record's mode with the file's;
 * ovl_override_node_at makes name an empty file recorded as the node. */
int ovl_override_at(const struct ovl_fs *fs, int dirfd, const char *name, struct stat *st);
/* The lstat of (dirfd, name; "" for dirfd) as the overlay shows it: with
 * its record applied.  0 or -errno. */
int ovl_shown_lstat(const struct ovl_fs *fs, int dirfd, const char *name, struct stat *st);
/* chown then chmod of fd (chown clears set-id bits), the owner in a record
 * when the host refuses its ids. */
int ovl_chown_chmod_fd(const struct ovl_fs *fs, int fd, uid_t uid, gid_t gid, mode_t mode);
int ovl_override_chown_at(const struct ovl_fs *fs, int dirfd, const char *name, uid_t uid,
			  gid_t gid);
int ovl_override_chmod_at(const struct ovl_fs *fs, int dirfd, const char *name, mode_t mode);
int ovl_override_node_at(const struct ovl_fs *fs, int dirfd, const char *name, mode_t mode,
			 dev_t rdev, uid_t uid, gid_t gid);

#endif
