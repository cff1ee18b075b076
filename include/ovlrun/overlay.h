/*
 * ovlrun overlay engine: a pure C library over host directory fds.
 *
 * It knows nothing of seccomp, of tracee processes or of the shadow root:
 * callers hand it credentials and overlay paths, it answers with real host
 * fds, synthesized metadata and negative errnos.
 *
 * Layers are numbered top-down: layer 0 is the upper (absent in a read-only
 * overlay: layers[0].fd == -1), layers 1..nlayers-1 are the lowers, leftmost
 * --lower first.  Every host operation is relative to a layer fd
 * (openat-style); no full host path is ever built.
 *
 * Locking: every call may run beside any other; an ovl_entry belongs to
 * the thread that looked it up.  Lookups, getattr, readlink, readdir,
 * getxattr and opens for reading take no lock but the caches' leaves.
 * A change takes, in this order (overlay/locks.c):
 *   1. the rename lock, shared; exclusively for a rename that moves a
 *      directory or a name to another directory (paths below change), so
 *      it runs alone;
 *   2. the lock of the directory whose names it changes (for attribute
 *      changes and copy-up: the object's parent); rmdir first the removed
 *      dir's own, then its parent's;
 *   3. while copying up the missing ancestors of that directory, the lock
 *      of one ancestor's parent at a time;
 *   4. with the index (index.c), its lock, around the copy-up of a
 *      hard-linked lower file and each change of an indexed object's
 *      names; it takes no directory lock itself.
 * A thread only ever waits for a directory lock shallower than every one
 * it holds, so waits run towards the root and cannot close a cycle.
 * Under the locks the change looks its entries up again (what the caller
 * looked up may have changed before).  What the caches may keep of a
 * walk that ran beside a change: internal.h (struct ovl_dcache).  The
 * data of a copy-up (for writing, truncating, attribute and xattr
 * changes) is copied before any lock is taken (copy_up.c: staged
 * copies), so a large file stalls only its caller.  The rename lock
 * prefers readers: a moving rename waits until no change runs.
 *
 * Bounds (what a long run may hold, whatever the command does): the
 * dentry cache (a tree of names, overlay/dcache.c) keeps at most 1024
 * merged dirs with their fds (fewer if they would hold more than a quarter
 * of RLIMIT_NOFILE: a dir holds one per layer it is in), 32768 leaves of about 100
 * bytes and a name each, and as nodes that know nothing only ancestors of
 * those (shared by siblings: a few per cached dir in real trees, at worst
 * one per path component of every leaf, about 120 bytes each); the
 * listing cache
 * 512 merged listings (readdir.c: OVL_LISTINGS_MAX); the inode numbers of
 * 4096 copies (origin.c); the overlay paths of 65536 lower files handed
 * out and the last 4096 renames (handed.c, a few MiB at most).
 * tests/integration/t_engine_bounds.sh checks the supervisor against 64 MiB
 * of RSS and 4096 fds over 10^6 operations.
 *
 * On-disk format is the kernel's with redirect_dir=on (and index=on with
 * the index: overlay/index.c): whiteout = char
 * device 0/0, opaque dir = xattr "<prefix>opaque" = "y", copy-up marks
 * "<prefix>origin" (a file handle of the lower object and its
 * filesystem's uuid) and the parent "<prefix>impure" = "y", a moved dir a
 * lower has "<prefix>redirect" (redirect.c).
 */
#ifndef OVLRUN_OVERLAY_H
#define OVLRUN_OVERLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <limits.h>
#include <time.h>

/* As the kernel's overlayfs (OVL_MAX_STACK): at most 500 lowers.  What
 * depends on the number of layers is sized for the layers there are: a
 * merged dir holds one fd per real dir taking part in it (struct ovl_dir). */
#define OVL_MAX_LOWER 500
#define OVL_MAX_LAYERS (OVL_MAX_LOWER + 1)
#define OVL_MAX_PASSTHROUGH 32
#define OVL_MAX_HIDE 4
#define OVL_MAX_GROUPS 256
#define OVL_MAX_SYMLINKS 40
/* Room for a canonical overlay path.  A path argument of a call is at most
 * PATH_MAX, but relative to a dir fd or the cwd it reaches deeper: the
 * kernel's own filesystems set no bound on a file's depth, so the overlay's
 * paths are kept in buffers of this size (a walk's step and the entry's
 * path; what outlives a call is strdup'ed at its length). */
#define OVL_PATH_MAX 65536
#define OVL_UPPER 0
/* An index entry's name: the hex of an origin record (overlay/origin.c). */
#define OVL_INDEX_NAME_MAX 300
/* The index dir's name in the work dir, as the kernel's. */
#define OVL_WORK_INDEX "index"

/* Credentials of the caller of an operation (the tracee thread). */
struct ovl_cred {
	uid_t fsuid;
	gid_t fsgid;
	int ngroups;                    /* supplementary groups, at most OVL_MAX_GROUPS */
	gid_t groups[OVL_MAX_GROUPS];
	uint64_t cap_eff;               /* effective capability set, bit n = CAP n */
	mode_t umask;
};

/*
 * Changes the engine made, told to the listener once each is done, under
 * the change's locks (so in order for one name; changes in different dirs
 * are told from their own threads, at once): the one way by which what
 * lives beside the engine (the shadow root, kept cwds, inotify watches)
 * follows the overlay.  The engine's own caches follow inside it.
 */
enum ovl_change_kind {
	OVL_CHANGE_CREATE,              /* path was made (type) */
	OVL_CHANGE_REMOVE,              /* path was removed (type); last: its object's last link */
	OVL_CHANGE_RENAME,              /* path (type) moved to to; to_type: what to held (0:
					 * nothing), last: its last link; exchange: swapped */
	OVL_CHANGE_LINK,                /* to is a new name of the object at path (type) */
	OVL_CHANGE_ATTR,                /* path's metadata (attr: OVL_ATTR_* bits) */
};
#define OVL_ATTR_MODE  0x01
#define OVL_ATTR_OWNER 0x02
#define OVL_ATTR_ATIME 0x04
#define OVL_ATTR_MTIME 0x08
#define OVL_ATTR_SIZE  0x10
#define OVL_ATTR_XATTR 0x20
struct ovl_change {
	enum ovl_change_kind kind;
	const char *path;               /* canonical overlay paths */
	const char *to;
	mode_t type, to_type;           /* S_IFMT bits */
	bool last, exchange;
	unsigned attr;
	dev_t dev, to_dev;              /* a non-dir's real object (its layer's ids; 0: none */
	ino_t ino, to_ino;              /* or a dir): the one path named (REMOVE, RENAME), the
					 * one to named (RENAME: replaced or exchanged) */
	const struct stat *st;          /* REMOVE of a dir: how the overlay shows it now that
					 * it is gone (a cwd or fd may be on it), else NULL */
};
typedef void (*ovl_change_fn)(void *ctx, const struct ovl_change *c);

struct ovl_config {
	int upper_fd;                   /* O_DIRECTORY fd of the upper dir, -1 = read-only overlay */
	int work_fd;                    /* O_DIRECTORY fd of the work dir (same mount as upper), -1 without upper */
	int nlower;
	int lower_fd[OVL_MAX_LOWER];    /* O_DIRECTORY fds, top-down, opened through ro,nodev,nosuid mounts */
	dev_t dir_dev;                  /* st_dev reported for every overlay directory */
	int npassthrough;
	const char *passthrough[OVL_MAX_PASSTHROUGH]; /* canonical overlay paths served by the kernel ("/proc") */
	int nhide;
	struct { dev_t dev; ino_t ino; } hide[OVL_MAX_HIDE]; /* real dirs invisible in lowers (upper/work inside a lower) */
	const char *xattr_prefix;       /* "trusted.overlay." ; NULL means that */
	bool no_redirect;               /* the kernel's redirect_dir=nofollow (as its userxattr
					 * mounts): a dir a lower has cannot move (EXDEV),
					 * redirects are not followed */
	bool no_file_handles;           /* file handles cannot be opened (a user namespace:
					 * open_by_handle_at needs the host's
					 * CAP_DAC_READ_SEARCH): as the kernel's overlayfs
					 * there (its nofh), no origin records and no index */
	bool in_userns;                 /* run in a user namespace (a user's run): the host
					 * honours no capability the caller has only there
					 * (CAP_LINUX_IMMUTABLE: chattr +i/+a is EPERM) */
	bool override_stat;             /* owners, modes and types the host cannot take kept in
					 * user.containers.override_stat, as rootless
					 * containers keep them (overlay/override.c) */
	bool lower_oci;                 /* the lowers are OCI image layers as unpacked: ".wh."
					 * files are whiteouts, ".wh..wh..opq" marks an opaque
					 * dir (overlay/oci.c) */
	bool index;                     /* the kernel's index=on: hard links of lowers stay
					 * one object across copy-up (overlay/index.c); the
					 * index lives in the work dir, which must persist */
};

struct ovl_fs;

int ovl_fs_new(const struct ovl_config *cfg, struct ovl_fs **out);
/* From now on changes are told to fn (see ovl_change); before any
 * concurrent use.  What the caller set up before is its own business. */
void ovl_fs_listen(struct ovl_fs *fs, ovl_change_fn fn, void *ctx);
void ovl_fs_free(struct ovl_fs *fs);
bool ovl_fs_writable(const struct ovl_fs *fs);
/* The inodes index is on (ovl_config.index). */
bool ovl_fs_indexed(const struct ovl_fs *fs);

/* The layer (OVL_UPPER, or 1 + the lower's index) whose root is on the
 * mount with id mnt_id (statx STATX_MNT_ID), -1 if none: a real non-dir
 * on that mount is that layer's (a lower's submounts are not told). */
int ovl_layer_of_mount(const struct ovl_fs *fs, uint64_t mnt_id);
/* False if the lower non-dir (dev, ino) was surely not copied up in this
 * run, so that an fd opened on it still shows what the overlay does
 * (overlay/copied.c); true when it may have been. */
bool ovl_maybe_copied_up(struct ovl_fs *fs, dev_t dev, ino_t ino);
/* Where the lower file (dev, ino), handed out as an fd, was last seen in
 * the overlay (its open's path, carried along by renames), into canon
 * (OVL_PATH_MAX): false if not known.  A hint: the caller checks the object
 * found there is the fd's. */
bool ovl_handed_path(struct ovl_fs *fs, dev_t dev, ino_t ino, char *canon);
/* Bumped after each copy-up of a lower regular file that may have been
 * handed out as an fd (ovl_open): fds of such a file opened before its
 * copy-up still read the lower one, and are to be replaced by the copy's
 * (0: none so far). */
uint64_t ovl_stale_gen(struct ovl_fs *fs);
/* True if the non-dir of type that fd refers to, a layer's (upper: the
 * upper's) inode (*dev, *ino), reports another device or inode number
 * than its real ones, which then replace them: a copy its origin's
 * (overlay/origin.c), any file the overlay's device when every layer is
 * on one filesystem; linked: it has a name; *nlink (its real count) the
 * overlay's count of an indexed one. */
bool ovl_fd_renumbered(struct ovl_fs *fs, int fd, bool upper, bool linked, mode_t type,
		       dev_t *dev, ino_t *ino, nlink_t *nlink);

/* One merged directory: the real directories that take part in it,
 * top-down: n O_RDONLY|O_DIRECTORY fds and their layers (arrays of one
 * allocation, sized for what the dir has: a dir in 2 of 500 layers holds
 * 2).  Owned (the arrays and the fds: closed by the release), or
 * borrowed from the engine's cache under a pin (never closed through
 * this one).  Zeroed ({ .n = 0 }) is empty.  Engine-internal helpers
 * move, borrow, dup and release it; it is never copied by value. */
struct ovl_dir {
	int n;
	int cap;                        /* owned: room in the arrays */
	bool borrowed;
	int *fd;
	uint16_t *layer;
};

struct ovl_dcentry;

/* Result of a lookup; release with ovl_entry_release().  Its dirs' fds are
 * its own or borrowed from the engine's cache under a pin (the *_pin
 * fields, engine-internal): either way valid until the release. */
struct ovl_entry {
	struct ovl_fs *fs;              /* the lookup's: the release gives the pins back to it */
	struct ovl_dir parent;          /* merged parent (n == 0 for the root) */
	struct ovl_dir dir;             /* the entry itself when it is a directory (opened on lookup) */
	struct ovl_dcentry *parent_pin, *dir_pin; /* non-NULL: parent / dir fds are borrowed */
	char path[OVL_PATH_MAX];            /* canonical overlay path, "/" for the root */
	const char *name;               /* last component, points into path; "" for the root */
	mode_t type;                    /* S_IFMT bits of the entry; 0 = negative (name free) */
	int layer;                      /* topmost layer holding it, -1 if negative */
	struct stat st;                 /* lstat of the topmost real entry (valid if type != 0) */
	bool trailing_slash;            /* path ended in '/' (or "/.") */
	bool passthrough;               /* path leads into a kernel-served mount: caller lets the kernel do it */
	char pt_rest[PATH_MAX];         /* passthrough: what was left to resolve after e->path
					 * (the mount reached), "" when unknown */
	uint64_t handed_seq;            /* engine-internal: the renames logged when the
					 * lookup began (overlay/handed.c) */
	bool indexed;                   /* a lower hard link whose object another name's
					 * copy-up put in the index: e->st and the real
					 * object are the index entry's (overlay/index.c) */
	char index_name[OVL_INDEX_NAME_MAX]; /* indexed: its name in the index dir */
	dev_t lower_dev;                /* indexed: the lower object's ids */
	ino_t lower_ino;
};

/* Lookup flags. */
#define OVL_LOOKUP_FOLLOW       0x0001  /* follow a final symlink */
#define OVL_LOOKUP_DIRECTORY    0x0002  /* the final entry must be a directory (ENOTDIR) */
#define OVL_LOOKUP_BENEATH      0x0010  /* RESOLVE_BENEATH: never above base, no absolute paths (EXDEV) */
#define OVL_LOOKUP_IN_ROOT      0x0020  /* RESOLVE_IN_ROOT: base acts as "/" */
#define OVL_LOOKUP_NO_SYMLINKS  0x0040  /* RESOLVE_NO_SYMLINKS: any symlink gives ELOOP */
#define OVL_LOOKUP_NO_XDEV      0x0080  /* RESOLVE_NO_XDEV: entering a pass-through mount gives EXDEV */
#define OVL_LOOKUP_NO_PERM      0x0100  /* skip search-permission checks (internal use) */
#define OVL_LOOKUP_NO_MAGICLINKS 0x0200 /* RESOLVE_NO_MAGICLINKS: for the caller's /proc
					 * magic links (the engine has none) */
#define OVL_LOOKUP_TYPE_ONLY    0x0400  /* the caller wants the final entry's type (and a
					 * symlink's text), not its metadata: a cached
					 * final non-symlink is not stat'ed, e->st is zero */

/*
 * Resolve path (absolute, or relative to the canonical overlay dir base)
 * against the overlay, checking search permission with cred.  A missing
 * final component is not an error: e->type == 0, e->parent valid.  A missing
 * or non-directory intermediate component gives ENOENT / ENOTDIR; 40 nested
 * symlinks ELOOP; a component over NAME_MAX ENAMETOOLONG; a dir's invalid
 * redirect EINVAL, or EACCES for a "." or ".." in it.  Reaching a
 * pass-through mount sets e->passthrough and returns 0 early.
 */
int ovl_lookup(struct ovl_fs *fs, const struct ovl_cred *cred, const char *base,
	       const char *path, unsigned flags, struct ovl_entry *e);
void ovl_entry_release(struct ovl_entry *e);

/*
 * Walk like ovl_lookup and report every directory and symlink the kernel
 * would traverse for the same string, so the caller can mirror them.
 * type is S_IFDIR or S_IFLNK; target is the link text for symlinks.
 */
typedef int (*ovl_mirror_fn)(void *ctx, const char *canon_path, mode_t type,
			     const char *target);
int ovl_walk_mirror(struct ovl_fs *fs, const struct ovl_cred *cred, const char *base,
		    const char *path, unsigned flags, ovl_mirror_fn fn, void *ctx);

/* Metadata, synthesized: dirs get cfg.dir_dev and a stable inode number.
 * ovl_getattr uses e->st, taken by the lookup (no second stat). */
int ovl_getattr(struct ovl_fs *fs, const struct ovl_entry *e, struct stat *st);
int ovl_statx(struct ovl_fs *fs, const struct ovl_entry *e, unsigned mask,
	      unsigned atflags, struct statx *stx);
int ovl_statfs(struct ovl_fs *fs, struct statfs *st);

/* Permission: mask of MAY_* below, checked against st with cred. */
#define OVL_MAY_EXEC  1
#define OVL_MAY_WRITE 2
#define OVL_MAY_READ  4
int ovl_permission(const struct ovl_cred *cred, const struct stat *st, int mask);
bool ovl_capable(const struct ovl_cred *cred, int cap);

/*
 * Open.  Returns OVL_OPEN_FILE with *fd set to a host fd of the real file
 * (lower files read-only), OVL_OPEN_DIR when the entry is a directory (the
 * caller hands out a mirror directory; no fd), OVL_OPEN_SPECIAL for FIFOs,
 * sockets and devices (the caller decides), or a negative errno.  Handles
 * O_CREAT/O_EXCL (creating in upper with the cred's owner and umask),
 * O_TRUNC (copy-up without data), write access (copy-up), O_NOFOLLOW
 * (ELOOP on a final symlink), O_DIRECTORY, O_PATH and O_TMPFILE (e is the
 * directory).  e is updated after a create or copy-up.
 */
#define OVL_OPEN_FILE    0
#define OVL_OPEN_DIR     1
#define OVL_OPEN_SPECIAL 2
int ovl_open(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
	     int flags, mode_t mode, int *fd);

/* Namespace operations; e (and new_e) come from ovl_lookup without FOLLOW. */
int ovl_mkdir(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e, mode_t mode);
/* The file type mknod(2) accepts: 0, or -EPERM (a dir) / -EINVAL, which
 * the kernel answers before looking the name up. */
int ovl_mknod_check(mode_t mode);
int ovl_mknod(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
	      mode_t mode, dev_t rdev);
int ovl_symlink(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
		const char *target);
int ovl_link(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *old_e,
	     struct ovl_entry *new_e);
/* Give a name to fd, a file of the upper layer (an O_TMPFILE, or an open
 * file that was unlinked): linkat(fd, "", ..., AT_EMPTY_PATH). */
int ovl_link_fd(struct ovl_fs *fs, const struct ovl_cred *cred, int fd, struct ovl_entry *new_e);
int ovl_unlink(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e);
int ovl_rmdir(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e);
/* flags: RENAME_NOREPLACE, RENAME_EXCHANGE (RENAME_WHITEOUT: EINVAL) */
int ovl_rename(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *old_e,
	       struct ovl_entry *new_e, unsigned flags);
int ovl_readlink(struct ovl_fs *fs, const struct ovl_entry *e, char *buf, size_t size);

/* Attribute changes (copy up first).  uid/gid (uid_t)-1 keep the value;
 * ts NULL means now, tv_nsec UTIME_NOW/UTIME_OMIT as utimensat(2). */
int ovl_chmod(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e, mode_t mode);
int ovl_chown(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
	      uid_t uid, gid_t gid);
int ovl_utimens(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
		const struct timespec ts[2]);
int ovl_truncate(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e, off_t len);

/* Extended attributes; the overlay's own xattrs are invisible.  get/list
 * return the length (size 0 asks for the length). */
ssize_t ovl_getxattr(struct ovl_fs *fs, const struct ovl_cred *cred, const struct ovl_entry *e,
		     const char *name, void *buf, size_t size);
/* The same on an upper file the overlay no longer names (removed while
 * open), by an fd of it. */
ssize_t ovl_getxattr_fd(struct ovl_fs *fs, const struct ovl_cred *cred, int fd, const char *name,
			void *buf, size_t size);
ssize_t ovl_listxattr_fd(struct ovl_fs *fs, const struct ovl_cred *cred, int fd, char *buf,
			 size_t size);
ssize_t ovl_listxattr(struct ovl_fs *fs, const struct ovl_cred *cred, const struct ovl_entry *e,
		      char *buf, size_t size);
int ovl_setxattr(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
		 const char *name, const void *value, size_t size, int flags);
int ovl_removexattr(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
		    const char *name);

/* Inode flags (chattr, lsattr: FS_IOC_GETFLAGS/SETFLAGS, or the fsxattr
 * form FS_IOC_FSGETXATTR/FSSETXATTR) of a regular file or dir (else
 * -ENOTTY), as overlayfs keeps them: setting copies e up; immutable and
 * append-only live in its "protattr" xattr, the rest on the real upper
 * object (overlay/fileattr.c). */
/* The protected flags (FS_APPEND_FL, FS_IMMUTABLE_FL) the overlay records
 * on the upper object fd refers to; 0 for any other object. */
unsigned ovl_fd_prot_flags(const struct ovl_fs *fs, int fd);
/* An open with flags of an object with those protected flags is refused
 * (EPERM), as may_open refuses it. */
bool ovl_prot_refuses_open(unsigned prot, int flags);
struct ovl_fsattr {
	bool x;                         /* the fsxattr form (fsx), else flags */
	unsigned flags;                 /* FS_*_FL */
	uint32_t fsx[7];                /* a struct fsxattr, as the ioctl has it */
};
int ovl_get_fsattr(struct ovl_fs *fs, const struct ovl_entry *e, struct ovl_fsattr *a);
int ovl_set_fsattr(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e,
		   const struct ovl_fsattr *a);
/* The same through fd, an upper file the overlay no longer names (removed
 * while open): its flags are on it, as on the kernel's upper inode. */
int ovl_get_fsattr_fd(struct ovl_fs *fs, int fd, struct ovl_fsattr *a);
int ovl_set_fsattr_fd(struct ovl_fs *fs, const struct ovl_cred *cred, int fd,
		      const struct ovl_fsattr *a);

/* The caller changed the object at path behind the engine's back (it
 * swapped the inode under a name the engine made, old: the one it
 * removed, or NULL): what the engine cached there is forgotten. */
void ovl_forget(struct ovl_fs *fs, const char *path, const struct stat *old);

/* An fd of the real topmost object of e, opened with flags (plus
 * O_NOFOLLOW|O_CLOEXEC), for handing the object itself to the kernel.
 * -ESTALE when the name holds another object than e's by now (a change
 * ran beside the lookup): look up again. */
int ovl_open_real(struct ovl_fs *fs, const struct ovl_entry *e, int flags);
/* The same for an fd the command gets: an indexed name's is recorded as
 * opened by that name (its /proc link names the index). */
int ovl_open_handed(struct ovl_fs *fs, const struct ovl_entry *e, int flags);
/* The lower object (its real ids) upper non-dir e is one overlay object
 * with, as the kernel's overlayfs keeps them: e's copy-up origin when it
 * had one name, or the index keeps its names one; false if none. */
bool ovl_entry_origin(struct ovl_fs *fs, const struct ovl_entry *e, dev_t *dev, ino_t *ino);

/* 1 if real_fd (a lower file) is the object e is, or was copied up from
 * (its origin record); 0 if not or unknown; -errno. */
int ovl_is_origin(struct ovl_fs *fs, const struct ovl_entry *e, int real_fd);

/* Keep every path where it is (no rename that moves a dir or crosses
 * dirs runs) while the caller acts on what its lookups found, e.g.
 * mirrors it: the rename lock, shared (overlay/locks.c); it nests with the
 * engine's own holds. */
void ovl_paths_hold(struct ovl_fs *fs);
void ovl_paths_release(struct ovl_fs *fs);
/* Counts the renames that move paths: odd while one runs.  What the
 * caller keeps by path beside the engine (mirrors) follows such a rename
 * only at its end: a lookup from there that failed while the count moved
 * is worth one more, under ovl_paths_hold. */
uint64_t ovl_moves(struct ovl_fs *fs);

/* Copy e up to the upper layer (atomic), and its parents; updates e. */
int ovl_copy_up(struct ovl_fs *fs, struct ovl_entry *e);

/*
 * Merged listing of directory e, resumed at cookie pos (0 = start).  Entries
 * have stable cookies: an entry keeps its cookie while it exists, so a
 * listing interleaved with unlinks never skips or repeats a survivor.
 * "." and ".." come first.  fn returns 0 to go on, > 0 to stop before this
 * entry (buffer full), < 0 to fail; next is the cookie to resume after it.
 * d_ino equals the st_ino that ovl_getattr gives for the same entry.
 */
typedef int (*ovl_dirent_fn)(void *ctx, const char *name, uint64_t ino,
			     unsigned char d_type, uint64_t next);
int ovl_readdir(struct ovl_fs *fs, const struct ovl_entry *e, uint64_t pos,
		ovl_dirent_fn fn, void *ctx);

/*
 * What an upper layer changed (ovlrun diff, export, commit;
 * overlay/upper_changes.c): the entries of upper dir upper_fd, in name
 * order with parents first, told against fs, a read-only overlay of the
 * lowers it was made on (lowers_known false: none known, fs a placeholder;
 * an entry with a copy-up origin record is then changed, any other added).
 * fn's non-zero return stops the walk and is returned.
 */
struct ovl_upper_item {
	const char *path;               /* canonical overlay path */
	char kind;                      /* 'A' added, 'C' changed, 'D' deleted */
	const struct stat *st;          /* lstat of the real entry (a whiteout for a
					 * deleted name; NULL below_opaque) */
	const struct stat *shown;       /* st as the overlay shows it: its owner record
					 * applied (cfg override_stat), else st */
	int dirfd;                      /* the real entry is name in dirfd: the upper's, */
	const char *name;               /* or a lower's for what a moved dir brings */
	bool opaque;                    /* a dir that hides the lowers' (a moved dir too:
					 * it replaces what is at its place) */
	bool below_opaque;              /* a deleted name an opaque dir hides */
	bool moved;                     /* a dir moved with a redirect (its lowers' content
					 * follows as added, when the lowers are known) */
};
typedef int (*ovl_upper_fn)(void *ctx, const struct ovl_upper_item *it);
int ovl_upper_changes(struct ovl_fs *fs, int upper_fd, bool lowers_known, ovl_upper_fn fn,
		      void *ctx);

/* Owner records (overlay/override.c): the xattr rootless containers keep
 * an owner, mode and type the host cannot take in, and its text for st
 * ("UID:GID:MODE:TYPE"; its length, or -ENAMETOOLONG if size is short). */
#define OVL_OVERRIDE_XATTR "user.containers.override_stat"
int ovl_override_format(const struct stat *st, char *buf, size_t size);
/* name is one the overlay keeps for itself on real objects (its own
 * prefix, the owner records): a change of it made on an object directly
 * (not through the engine's escaping) is refused. */
bool ovl_xattr_reserved(const struct ovl_fs *fs, const char *name);
/* fd's object has an owner record the overlay shows (then the kernel's
 * own answer on it, its fstat, is not the overlay's). */
bool ovl_override_recorded(const struct ovl_fs *fs, int fd);

#endif
