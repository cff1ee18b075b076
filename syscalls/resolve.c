/*
 * From a tracee's (dirfd, path) to an overlay entry.  The tracee's cwd and
 * directory fds are mirror directories in the shadow root, whose paths are
 * the overlay paths; file fds are real layer files.  readlink of the
 * tracee's /proc entries tells which.  A tracee that swaps the fd between
 * our readlink and our answer only changes which overlay path it names:
 * everything is still resolved inside the overlay.  A call that acts on
 * the fd itself and would be left to the kernel is decided on a copy of
 * the fd (pidfd_getfd), which the handler then acts on: a dup2 racing the
 * check changes nothing (handlers.h).  Paths into kernel-served mounts go
 * on in served.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "ovlrun/notify.h"
#include "ovlrun/syscalls.h"
#include "ovlrun/tasks.h"
#include "resolve_int.h"
#include "shadow.h"

static const char deleted_suffix[] = " (deleted)";

const char *resolve_under(const char *s, const char *prefix, size_t plen)
{
	if (!plen || strncmp(s, prefix, plen) || (s[plen] && s[plen] != '/'))
		return NULL;
	return s[plen] ? s + plen : "/";
}

/* What follows the mount of a lower in link (a lower i is mounted at
 * <staging>/l/i: mounts.c), or NULL: one look, whatever the number of
 * lowers. */
static const char *under_lower(const struct sup *s, const char *link)
{
	size_t n = strlen(s->staging);
	if (strncmp(link, s->staging, n) || strncmp(link + n, "/l/", 3) ||
	    link[n + 3] < '0' || link[n + 3] > '9')
		return NULL;
	long i = strtol(link + n + 3, NULL, 10);
	if (i < 0 || i >= s->opt.nlower)
		return NULL;
	return resolve_under(link, s->lower_prefix[i], strlen(s->lower_prefix[i]));
}

bool resolve_is_served(const struct sup *s, const char *canon)
{
	for (int i = 0; i < s->npass; i++)
		if (resolve_under(canon, s->pass[i], strlen(s->pass[i])))
			return true;
	return false;
}

/* What an object is, by statx of (dirfd, path, flags): its mount id (0 if
 * unknown), dev and inode, S_IFMT type and whether it is linked, and its
 * stat (the basic stats cost the statx no more, and an fstat answered
 * for the caller needs them). */
struct fd_object {
	struct tasks_dir id;
	mode_t type;
	bool linked;
	struct stat st;
	char proc[48];                  /* the magic link to read its path from */
};

static void stat_of_statx(const struct statx *x, struct stat *st)
{
	*st = (struct stat){
		.st_dev = makedev(x->stx_dev_major, x->stx_dev_minor),
		.st_ino = x->stx_ino, .st_mode = x->stx_mode, .st_nlink = x->stx_nlink,
		.st_uid = x->stx_uid, .st_gid = x->stx_gid,
		.st_rdev = makedev(x->stx_rdev_major, x->stx_rdev_minor),
		.st_size = (off_t)x->stx_size, .st_blksize = (blksize_t)x->stx_blksize,
		.st_blocks = (blkcnt_t)x->stx_blocks,
		.st_atim = { x->stx_atime.tv_sec, x->stx_atime.tv_nsec },
		.st_mtim = { x->stx_mtime.tv_sec, x->stx_mtime.tv_nsec },
		.st_ctim = { x->stx_ctime.tv_sec, x->stx_ctime.tv_nsec },
	};
}

static int object_at(int dirfd, const char *path, int flags, struct fd_object *o)
{
	struct statx stx;
	if (statx(dirfd, path, flags, STATX_MNT_ID | STATX_BASIC_STATS, &stx))
		return -errno;
	o->id.mnt_id = stx.stx_mask & STATX_MNT_ID ? stx.stx_mnt_id : 0;
	stat_of_statx(&stx, &o->st);
	o->id.dev = o->st.st_dev;
	o->id.ino = o->st.st_ino;
	o->type = stx.stx_mode & S_IFMT;
	o->linked = stx.stx_nlink != 0;
	return 0;
}

static uint64_t link_mount(const char *proc)
{
	struct fd_object o;
	return object_at(AT_FDCWD, proc, 0, &o) ? 0 : o.id.mnt_id;
}

/* What a supervisor-side readlink (link) of a tracee's magic link (proc)
 * names.  The mount tells how to read the text (shadow.h mount_kind): an
 * object of the command's namespace is named by its path inside, one of the
 * supervisor's (a layer file, a mirror dir it opened) by the supervisor's
 * path. */
static int classify_on(struct sup *s, uint64_t mnt_id, char *link, char *canon,
		       enum fd_kind *kind);

int resolve_classify(struct sup *s, const char *proc, char *link, char *canon, enum fd_kind *kind)
{
	return classify_on(s, link[0] == '/' ? link_mount(proc) : 0, link, canon, kind);
}

bool resolve_link_deleted(const char *link)
{
	size_t n = strlen(link), dl = sizeof(deleted_suffix) - 1;
	return n > dl && !strcmp(link + n - dl, deleted_suffix);
}

/* resolve_classify of a link whose mount id is known. */
static int classify_on(struct sup *s, uint64_t mnt_id, char *link, char *canon,
		       enum fd_kind *kind)
{
	size_t dl = sizeof(deleted_suffix) - 1;
	bool deleted = resolve_link_deleted(link);
	const char *rest = NULL;
	*kind = FD_OTHER;
	if (link[0] != '/')
		return 0;  /* pipes, sockets, anonymous inodes */
	switch (mount_kind(s, mnt_id)) {
	case MOUNT_SANDBOX:
		rest = link;
		*kind = FD_MIRROR;
		break;
	case MOUNT_STAGING:
		if ((rest = resolve_under(link, s->shadow, s->shadow_len))) {
			*kind = FD_MIRROR;
			break;
		}
		if (s->upper_prefix[0] &&
		    (rest = resolve_under(link, s->upper_prefix, strlen(s->upper_prefix)))) {
			*kind = FD_UPPER;
			break;
		}
		/* an index entry is an upper inode; its path, the name it
		 * was opened by (lower_canon) */
		if (s->index_prefix[0] &&
		    (rest = resolve_under(link, s->index_prefix, strlen(s->index_prefix)))) {
			*kind = FD_UPPER;
			break;
		}
		/* a removed upper file (lower_canon: its overlay path) */
		if (s->work_prefix[0] &&
		    (rest = resolve_under(link, s->work_prefix, strlen(s->work_prefix)))) {
			*kind = FD_UPPER;
			break;
		}
		if ((rest = under_lower(s, link)))
			*kind = FD_LOWER;
		break;
	case MOUNT_OTHER:
		break;
	}
	if (*kind == FD_OTHER)
		return 0;
	/* canon is filled either way; without the kernel's " (deleted)" */
	snprintf(canon, OVL_PATH_MAX, "%.*s", (int)(strlen(rest) - (deleted ? dl : 0)), rest);
	return deleted ? -ENOENT : 0;
}

int resolve_read_link(const char *proc, char *link)
{
	ssize_t n = readlink(proc, link, OVL_PATH_MAX - 1);
	if (n < 0)
		return -errno;
	link[n] = 0;
	return 0;
}

/* A magic link (proc) that readlink cannot show (ENAMETOOLONG: a dir
 * deeper than a page) is a mirror dir, or nothing the overlay serves: the
 * shadow names a mirror by walking up from it.  0, or -ENOENT for a
 * removed one (canon "/"), both FD_MIRROR; else -ENAMETOOLONG. */
static int deep_dir(struct sup *s, const char *proc, char *link, char *canon, enum fd_kind *kind)
{
	*kind = FD_OTHER;
	int fd = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -ENAMETOOLONG;
	int err = shadow_dir_path(s, fd, canon);
	close(fd);
	if (err && err != -ENOENT)
		return -ENAMETOOLONG;
	*kind = FD_MIRROR;
	if (err)
		strcpy(canon, "/");
	strcpy(link, canon);
	return err;
}

/* The cwd kept from the thread's last call (tasks.h), once its
 * credentials were taken (which checks the thread). */
static bool cwd_kept(struct req *r, char *canon, enum fd_kind *kind, char *link)
{
	if (!r->have_cred || tasks_cwd(r->sup->tasks, r->pid, canon))
		return false;
	*kind = FD_MIRROR;
	strcpy(link, canon);
	return true;
}

/* The link of an fd of an index entry (an upper inode: overlay/index.c). */
static bool index_link(const struct sup *s, const char *link)
{
	return s->index_prefix[0] && resolve_under(link, s->index_prefix, strlen(s->index_prefix));
}

/* The link of an fd of an upper file removed into the work dir. */
static bool work_link(const struct sup *s, const char *link)
{
	return s->work_prefix[0] && !index_link(s, link) &&
	       resolve_under(link, s->work_prefix, strlen(s->work_prefix));
}

/* The overlay path of an fd of an upper inode whose link names no overlay
 * path (an index entry; a file deeper than a link shows): the name it was
 * opened by, as renames carried it (engine: ovl_handed_path), if that
 * still names it; else -ENOENT, as for an unlinked file (the name was
 * removed or replaced: the fd is the object alone, as the kernel's fd of
 * a removed name). */
static int handed_canon(struct req *r, dev_t dev, ino_t ino, char *canon)
{
	struct ovl_entry e;
	struct ovl_fs *fs = r->sup->fs;
	if (!ovl_handed_path(fs, dev, ino, canon) ||
	    ovl_lookup(fs, &(struct ovl_cred){ .cap_eff = ~0ULL }, "/", canon, OVL_LOOKUP_NO_PERM, &e))
		return -ENOENT;
	bool same = e.type && e.st.st_dev == dev && e.st.st_ino == ino;
	ovl_entry_release(&e);
	return same ? 0 : -ENOENT;
}

/* A lower file's overlay path is where it was opened, as renames since
 * carried it (engine: ovl_handed_path), when known: its layer path is
 * not, once a dir above it moved with a redirect or it was renamed; an
 * index entry's has none but that (handed_canon). */
static int lower_canon(struct req *r, int err, enum fd_kind kind, dev_t dev, ino_t ino,
		       const char *link, char *canon)
{
	/* a removed upper file: where it was (an unlinked file, as said) */
	if (kind == FD_UPPER && work_link(r->sup, link)) {
		if (!ovl_handed_path(r->sup->fs, dev, ino, canon))
			strcpy(canon, "/");
		return -ENOENT;
	}
	if (!err && kind == FD_UPPER && index_link(r->sup, link))
		return handed_canon(r, dev, ino, canon);
	if (!err && kind == FD_LOWER)
		(void)ovl_handed_path(r->sup->fs, dev, ino, canon);
	return err;
}

/* A layer file whose link readlink cannot show (deeper than a page): its
 * layer by its mount, its overlay path where the engine recorded it at the
 * open (a lower one's as lower_canon's, checked by the caller; an upper
 * one's as handed_canon's). */
static int deep_file(struct req *r, const struct fd_object *o, char *link, char *canon,
		     enum fd_kind *kind)
{
	int layer = ovl_layer_of_mount(r->sup->fs, o->id.mnt_id);
	link[0] = 0;
	strcpy(canon, "/");
	*kind = FD_OTHER;
	if (layer < 0)
		return -ENAMETOOLONG;
	*kind = layer == OVL_UPPER ? FD_UPPER : FD_LOWER;
	if (layer == OVL_UPPER)
		return handed_canon(r, (dev_t)o->id.dev, (ino_t)o->id.ino, canon);
	return ovl_handed_path(r->sup->fs, (dev_t)o->id.dev, (ino_t)o->id.ino, canon) ? 0
										  : -ENAMETOOLONG;
}

/* What o is when readlink of its link said ENAMETOOLONG. */
static int deep_object(struct req *r, const struct fd_object *o, char *link, char *canon,
		       enum fd_kind *kind)
{
	return o->type && o->type != S_IFDIR ? deep_file(r, o, link, canon, kind)
					     : deep_dir(r->sup, o->proc, link, canon, kind);
}

/* The overlay path of a tracee's fd that o describes. */
static int copy_canon(struct req *r, const struct fd_object *o, char *canon, enum fd_kind *kind,
		      char *link)
{
	int err = resolve_read_link(o->proc, link);
	if (err == -ENAMETOOLONG)
		return deep_object(r, o, link, canon, kind);
	if (err)
		return -EBADF;
	err = classify_on(r->sup, link[0] == '/' ? o->id.mnt_id : 0, link, canon, kind);
	return lower_canon(r, err, *kind, (dev_t)o->id.dev, (ino_t)o->id.ino, link, canon);
}

/* fd_kind_link of a tracee's fd (not AT_FDCWD), through our copy of it (in
 * *copy, -1 if none, which the caller closes or holds): what the copy is
 * tells whether the dir kept from the thread's last call is still the one
 * (tasks.h), before its path is read and classified.  With quick, a
 * non-dir on a layer's mount is told by the mount alone: 1, the kind set,
 * canon not read (copy_canon reads it).  No /proc file of the tracee is
 * read, unless no copy can be had (a thread that is not its process's
 * leader before Linux 6.9, no fd left of ours): then its /proc link says,
 * as it did before copies, but for a caller that must act on the copy
 * (need_copy: EBADF). */
static int fd_copy_classify(struct req *r, int fd, bool quick, bool need_copy,
			    struct fd_object *o, char *canon, enum fd_kind *kind, char *link,
			    int *copy)
{
	struct tasks_gen g;
	*kind = FD_OTHER;
	link[0] = 0;
	tasks_gen_now(r->sup->tasks, &g);
	*copy = fd < 0 ? -EBADF : req_getfd(r, fd);
	int err = *copy;
	if (*copy >= 0) {
		snprintf(o->proc, sizeof(o->proc), "/proc/self/fd/%d", *copy);
		err = object_at(*copy, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, o);
	} else if (*copy != -EBADF && !need_copy) {
		snprintf(o->proc, sizeof(o->proc), "/proc/%d/fd/%d", r->pid, fd);
		err = object_at(AT_FDCWD, o->proc, 0, o);
		if (err == -ENOENT)
			err = -EBADF;
	}
	if (*copy < 0)
		*copy = -1;
	if (err == -EBADF || (err < 0 && *copy < 0 && need_copy))
		return -EBADF;
	if (err)
		o->id = (struct tasks_dir){ 0 }, o->type = 0, o->linked = false;  /* its path may still say */
	/* have_cred: the kept slot is the caller's; a removed dir is never kept */
	bool dir = o->type == S_IFDIR && o->linked && r->have_cred;
	if (dir && !tasks_dirfd(r->sup->tasks, r->pid, fd, &o->id, canon)) {
		*kind = FD_MIRROR;
		strcpy(link, canon);
		return 0;
	}
	if (quick && o->type && o->type != S_IFDIR) {
		int layer = ovl_layer_of_mount(r->sup->fs, o->id.mnt_id);
		if (layer >= 0) {
			*kind = layer == OVL_UPPER ? FD_UPPER : FD_LOWER;
			return 1;
		}
	}
	err = copy_canon(r, o, canon, kind, link);
	/* only a mirror of the shadow: a dir in a kernel-served mount can
	 * move, or go and its inode come back, without the overlay knowing */
	if (!err && dir && *kind == FD_MIRROR && !resolve_is_served(r->sup, canon))
		tasks_put_dirfd(r->sup->tasks, r->pid, fd, &o->id, canon, &g);
	return err;
}

static int fd_kind_link(struct req *r, int fd, char *canon, enum fd_kind *kind, char *link)
{
	char proc[64];
	struct tasks_gen g;
	*kind = FD_OTHER;
	link[0] = 0;
	if (fd == AT_FDCWD) {
		if (cwd_kept(r, canon, kind, link))
			return 0;
		tasks_gen_now(r->sup->tasks, &g);
		snprintf(proc, sizeof(proc), "/proc/%d/cwd", r->pid);
	} else {
		struct fd_object o;
		int copy;
		int err = fd_copy_classify(r, fd, false, false, &o, canon, kind, link, &copy);
		if (copy >= 0)
			close(copy);
		return err;
	}
	int err = resolve_read_link(proc, link);
	if (err == -ENAMETOOLONG)
		err = deep_dir(r->sup, proc, link, canon, kind);
	else if (err)
		return -ENOENT;
	else
		err = resolve_classify(r->sup, proc, link, canon, kind);
	/* as for dir fds: never one in a kernel-served mount */
	if (!err && *kind == FD_MIRROR && !resolve_is_served(r->sup, canon))
		tasks_put_cwd(r->sup->tasks, r->pid, canon, &g);
	return err;
}

int req_fd_kind(struct req *r, int fd, char *canon, enum fd_kind *kind)
{
	char link[OVL_PATH_MAX];
	return fd_kind_link(r, fd, canon, kind, link);
}

int resolve_own_fd(struct req *r, int fd, char *canon, enum fd_kind *kind, char *link)
{
	char proc[64];
	struct stat st;
	*kind = FD_OTHER;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	int err = resolve_read_link(proc, link);
	if (err == -ENAMETOOLONG) {
		struct fd_object o;
		snprintf(o.proc, sizeof(o.proc), "/proc/self/fd/%d", fd);
		return object_at(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, &o) ? err
			: deep_object(r, &o, link, canon, kind);
	}
	if (!err)
		err = resolve_classify(r->sup, proc, link, canon, kind);
	if ((*kind == FD_LOWER ||
	     (*kind == FD_UPPER && (index_link(r->sup, link) || work_link(r->sup, link)))) &&
	    !fstat(fd, &st))
		err = lower_canon(r, err, *kind, st.st_dev, st.st_ino, link, canon);
	return err;
}

int req_own_fd_kind(struct req *r, int fd, char *canon, enum fd_kind *kind)
{
	char link[OVL_PATH_MAX];
	return resolve_own_fd(r, fd, canon, kind, link);
}

bool req_unlinked_upper(struct req *r, int copy)
{
	char canon[OVL_PATH_MAX];
	enum fd_kind kind;
	struct stat st;
	return req_own_fd_kind(r, copy, canon, &kind) == -ENOENT && kind == FD_UPPER &&
	       !fstat(copy, &st) && S_ISREG(st.st_mode);
}

/* Our own copy of the tracee's cwd, classified: the object the call then
 * acts on is the one checked. */
static int cwd_copy_kind(struct req *r, char *canon, enum fd_kind *kind, char *link, int *copy)
{
	char proc[64];
	*kind = FD_OTHER;
	link[0] = 0;
	snprintf(proc, sizeof(proc), "/proc/%d/cwd", r->pid);
	*copy = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*copy < 0)
		return -ENOENT;
	return resolve_own_fd(r, *copy, canon, kind, link);
}

int resolve_hold(struct req *r, int fd, enum obj_kind kind)
{
	if (fd < 0)
		return -errno;
	r->obj = fd;
	r->obj_kind = kind;
	return SC_OBJECT;
}

int resolve_renumbered(struct req *r, int fd, bool upper, const struct stat *known)
{
	struct stat st;
	if (known)
		st = *known;
	else if (fstat(fd, &st))
		return 0;
	if (S_ISDIR(st.st_mode))
		return 0;
	r->obj_dev = st.st_dev;
	r->obj_ino = st.st_ino;
	nlink_t nlink = st.st_nlink;
	if (!ovl_fd_renumbered(r->sup->fs, fd, upper, st.st_nlink > 0, st.st_mode & S_IFMT,
			       &r->obj_dev, &r->obj_ino, &nlink))
		return 0;
	r->obj_st = st;
	r->obj_st.st_nlink = nlink;
	return resolve_hold(r, fd, OBJ_RENUMBERED);
}

int resolve_gone_dir(struct req *r, int fd, const struct stat *id)
{
	struct stat st;
	if (!id && fstat(fd, &st))
		return 0;
	const struct stat *o = id ? id : &st;
	if (!S_ISDIR(o->st_mode) || !shadow_gone_stat(r->sup, o->st_dev, o->st_ino, &r->obj_st))
		return 0;
	r->obj_dev = r->obj_st.st_dev;
	r->obj_ino = r->obj_st.st_ino;
	return resolve_hold(r, fd, OBJ_GONE_DIR);
}

void req_obj_release(struct req *r)
{
	if (r->obj_kind && r->obj >= 0)
		close(r->obj);
	r->obj_kind = 0;
	r->obj = -1;
}

/* Where a relative walk starts: the canonical overlay dir of dirfd/cwd. */
static int walk_base(struct req *r, int dirfd, const char *path, unsigned flags, char *base)
{
	enum fd_kind kind;
	/* RESOLVE_IN_ROOT: an absolute path starts at the dirfd, its root */
	if (path[0] == '/' && !(flags & OVL_LOOKUP_IN_ROOT)) {
		strcpy(base, "/");
		return 0;
	}
	int err = req_fd_kind(r, dirfd, base, &kind);
	/* A removed directory still works as itself ("." and ""), empty, as
	 * on Linux: its mirror is removed too, the kernel answers. */
	if (err == -ENOENT && kind == FD_MIRROR && (!strcmp(path, ".") || !strcmp(path, "./")))
		return SC_CONTINUE;
	if (err)
		return err;
	return kind == FD_MIRROR ? 0 : -ENOTDIR;
}

int req_mirror(struct req *r, int dirfd, const char *path, unsigned flags)
{
	char base[OVL_PATH_MAX];
	const struct ovl_cred *cred;
	int err = req_cred(r, &cred);
	if (!err)
		err = walk_base(r, dirfd, path, flags, base);
	if (err)
		return err == SC_CONTINUE ? 0 : err;  /* nothing to mirror */
	return ovl_walk_mirror(r->sup->fs, cred, base, path, flags, r->sup->shadow_ops->mirror, r->sup);
}

/* What a call on a classified fd (err, kind, its overlay path base and
 * link text) is: SC_CONTINUE for the kernel, -errno, or 1 to look base up
 * in the overlay. */
static int fd_policy(struct req *r, int dirfd, int err, enum fd_kind kind, bool upper_as_is,
		     const char *base, const char *link)
{
	if (kind == FD_OTHER && (!err || err == -ENOENT))
		return served_fd_policy(r, link);
	if (err == -ENOENT && dirfd != AT_FDCWD)
		return SC_CONTINUE;  /* removed dir, unlinked file: the object itself */
	if (err)
		return err;
	if ((kind == FD_UPPER && upper_as_is) || resolve_is_served(r->sup, base))
		return SC_CONTINUE;
	return 1;
}

/* The call targets the fd itself (AT_EMPTY_PATH, fchmod, fstat...).  Upper
 * files, lower files the overlay still shows as they are (for a stat), and
 * objects outside the overlay: the kernel's own answer on the real object
 * is the overlay's; a handler that acts itself (want_obj) gets the copy
 * that was checked. */
static int lookup_fd(struct req *r, int dirfd, unsigned flags, struct ovl_entry *e)
{
	char base[OVL_PATH_MAX], link[OVL_PATH_MAX];
	const struct ovl_cred *cred;
	enum fd_kind kind;
	struct fd_object o = { 0 };
	int copy = -1, err = req_cred(r, &cred);
	if (err)
		return err;
	struct ovl_fs *fs = r->sup->fs;
	uint64_t moves = ovl_moves(fs);  /* before the fd is read */
	bool act = r->want_obj && r->intent == INTENT_MODIFY;
	/* a watch must hear of a change: the kernel would report it by
	 * inode, which the watches' mount marks miss */
	bool watched = r->intent == INTENT_MODIFY && notify_watching(r->sup);
	/* (with the index, a change reads the fd's link: an index entry's
	 * name may not be in upper yet) */
	bool quick = !(r->intent == INTENT_MODIFY && r->sup->index_prefix[0]);
	if (dirfd != AT_FDCWD)
		err = fd_copy_classify(r, dirfd, quick, act, &o, base, &kind, link, &copy);
	else if (act || r->stat_only) {
		err = cwd_copy_kind(r, base, &kind, link, &copy);
		if (copy >= 0 && r->stat_only && object_at(copy, "", AT_EMPTY_PATH, &o))
			o = (struct fd_object){ 0 };
	} else
		err = fd_kind_link(r, dirfd, base, &kind, link);
	/* the kernel's answer on an upper file is the overlay's, but for a
	 * watched change, a statfs, or a change through an index entry's fd
	 * (the engine links its name up first, as the kernel does) */
	bool upper_as_is = !watched && !r->fs_wide && !r->via_engine &&
			   !(r->intent == INTENT_MODIFY && kind == FD_UPPER && index_link(r->sup, link)) &&
			   !(kind == FD_UPPER && copy >= 0 && ovl_override_recorded(r->sup->fs, copy));
	/* but for the ids of a copy that keeps its origin's (named or
	 * unlinked) */
	bool upper_file = kind == FD_UPPER && (err == 1 || err == 0 || err == -ENOENT);
	/* (an unlinked non-dir of the shadow is an upper file: lowers'
	 * files are never unlinked) */
	bool unlinked_file = kind == FD_MIRROR && err == -ENOENT && o.type && !S_ISDIR(o.type) &&
			     !o.linked;
	if ((upper_file || unlinked_file) && upper_as_is && r->stat_only && copy >= 0 &&
	    resolve_renumbered(r, copy, true, &o.st) == SC_OBJECT)
		return SC_OBJECT;
	/* a removed dir's mirror: as the overlay showed the dir */
	if (kind == FD_MIRROR && err == -ENOENT && o.type == S_IFDIR && r->stat_only && copy >= 0 &&
	    resolve_gone_dir(r, copy, &o.st) == SC_OBJECT)
		return SC_OBJECT;
	/* a layer's non-dir, told by its mount, that the overlay shows as it is */
	bool as_is = err == 1 && (kind == FD_UPPER ? upper_as_is
				  : r->stat_only && !ovl_maybe_copied_up(fs, o.id.dev, o.id.ino));
	/* (a lower one's device may be the overlay's) */
	if (as_is && kind == FD_LOWER && copy >= 0 &&
	    resolve_renumbered(r, copy, false, &o.st) == SC_OBJECT)
		return SC_OBJECT;
	int rv;
	if (as_is)
		rv = SC_CONTINUE;
	else {
		if (err == 1)
			err = copy_canon(r, &o, base, &kind, link);
		rv = fd_policy(r, dirfd, err, kind, upper_as_is, base, link);
	}
	if (rv == 1) {
		rv = ovl_lookup(fs, cred, "/", base, (flags & ~OVL_LOOKUP_FOLLOW) | OVL_LOOKUP_NO_PERM,
				e);
		/* a lower file's path may now name another object (its own
		 * moved on unseen): what is found must be the fd's file, or
		 * its copy; else it is gone from the overlay's names */
		bool taken = false;
		if (!rv && e->type && kind == FD_LOWER && copy >= 0 &&
		    ovl_is_origin(fs, e, copy) <= 0) {
			ovl_entry_release(e);
			e->type = 0;
			taken = true;
		}
		if (!rv && e->type == 0) {
			/* Gone from the overlay: a file is itself.  A dir's
			 * mirror is renamed after the overlay (req_lookup looks
			 * again once no such rename runs), and removed after it:
			 * in that instant the fd is a dir being removed, which
			 * the kernel answers for on the mirror, as it does once
			 * the mirror is gone (fstat of a removed dir works);
			 * a change is never made to a mirror still in place. */
			ovl_entry_release(e);
			bool moving = (moves & 1) || ovl_moves(fs) != moves;
			rv = kind == FD_MIRROR && (moving || act) ? -ENOENT : SC_CONTINUE;
			/* a change through the fd of a lower file whose name now
			 * holds another object: the kernel's copy-up of it finds
			 * the name taken */
			if (taken && act)
				rv = -EEXIST;
		}
	}
	if (rv == SC_CONTINUE && act)
		return resolve_hold(r, copy, OBJ_PASS);
	if (copy >= 0)
		close(copy);
	return rv;
}

int resolve_lookup(struct req *r, int dirfd, const char *path, unsigned flags, bool empty_ok,
		   struct ovl_entry *e, int depth)
{
	char base[OVL_PATH_MAX], full[OVL_PATH_MAX];
	const struct ovl_cred *cred;
	int err = req_cred(r, &cred);
	if (err)
		return err;
	if (!path[0])
		return empty_ok ? lookup_fd(r, dirfd, flags, e) : -ENOENT;
	err = walk_base(r, dirfd, path, flags, base);
	if (err == SC_CONTINUE && ((r->want_obj && r->intent == INTENT_MODIFY) || r->stat_only))
		return lookup_fd(r, dirfd, flags, e);  /* "." of a removed dir: the dir */
	if (err)
		return err;
	if ((path[0] != '/' || (flags & OVL_LOOKUP_IN_ROOT)) && resolve_is_served(r->sup, base)) {
		/* from a dirfd in a kernel-served mount (/proc/<pid>, /dev/shm) */
		if (snprintf(full, sizeof(full), "%s%s%s", base, path[0] == '/' ? "" : "/", path) >=
		    (int)sizeof(full))
			return -ENAMETOOLONG;
		return served_lookup(r, full, flags, e, depth);
	}
	err = ovl_lookup(r->sup->fs, cred, base, path, flags, e);
	if (err || !e->passthrough)
		return err;
	if (!resolve_is_served(r->sup, e->path))  /* where it went is unknown: the kernel's */
		err = r->want_obj && r->intent == INTENT_MODIFY ? -EACCES : SC_CONTINUE;
	else if (snprintf(full, sizeof(full), "%s%s", e->path, e->pt_rest) >= (int)sizeof(full))
		err = -ENAMETOOLONG;
	else
		err = served_lookup(r, full, flags, e, depth);
	if (err != SC_CONTINUE)
		return err;
	err = ovl_walk_mirror(r->sup->fs, cred, base, path, flags, r->sup->shadow_ops->mirror, r->sup);
	return err ? err : SC_CONTINUE;
}

int req_lookup(struct req *r, int dirfd, const char *path, unsigned flags, bool empty_ok,
	       struct ovl_entry *e)
{
	struct ovl_fs *fs = r->sup->fs;
	uint64_t moves = ovl_moves(fs);
	if (r->want_obj)
		r->obj_kind = 0;
	int err = resolve_lookup(r, dirfd, path, flags, empty_ok, e, 0);
	/* A dirfd or cwd is a mirror, which a rename that moves dirs updates
	 * after the overlay: a miss in that instant is looked at again once
	 * no such rename runs. */
	if ((err == -ENOENT || err == -ENOTDIR) && (path[0] != '/' || (flags & OVL_LOOKUP_IN_ROOT)) &&
	    ((moves & 1) || ovl_moves(fs) != moves)) {
		ovl_paths_hold(fs);
		if (r->want_obj)
			r->obj_kind = 0;
		err = resolve_lookup(r, dirfd, path, flags, empty_ok, e, 0);
		ovl_paths_release(fs);
	}
	return err;
}

/* An fd of ours on the object a tracee's /proc fd link names (path: a
 * /proc/<pid>/fd/N, or "" for dirfd itself), as the kernel would let the
 * tracee reach it; -errno, or -ENOENT if it is no such link. */
static int magic_fd(struct req *r, int dirfd, const char *path, bool empty_ok)
{
	struct proc_path pp;
	if (!path[0] && empty_ok)
		return req_getfd(r, dirfd);
	if (strncmp(path, "/proc/", 6))
		return -ENOENT;
	int err = proc_parse(r, path + 5, &pp);
	if (err || pp.kind != PROC_MAGIC || pp.fd < 0 || pp.out[0])
		return err ? err : -ENOENT;
	return proc_open_link(r, &pp);
}

int req_upper_fd(struct req *r, int dirfd, const char *path, bool empty_ok, int *out)
{
	char link[OVL_PATH_MAX], canon[OVL_PATH_MAX];
	enum fd_kind kind;
	*out = -1;
	int fd = magic_fd(r, dirfd, path, empty_ok);
	if (fd < 0)
		return path[0] ? (fd == -ENOENT ? 0 : fd) : -EBADF;
	/* what we hold is what we classify: a dup2 meanwhile changes nothing */
	int err = resolve_own_fd(r, fd, canon, &kind, link);
	if (kind != FD_UPPER || (err && err != -ENOENT)) {
		close(fd);
		return 0;
	}
	*out = fd;
	return 1;
}

int req_magic_readlink(struct req *r, int dirfd, const char *path, char *out, size_t size)
{
	char full[PATH_MAX], link[OVL_PATH_MAX], canon[OVL_PATH_MAX];
	struct proc_path pp;
	enum fd_kind kind;
	if (path[0] != '/') {
		/* relative to a dirfd in /proc (ls -l /proc/self/fd) */
		if (req_fd_kind(r, dirfd, canon, &kind) || kind != FD_MIRROR ||
		    !resolve_under(canon, "/proc", 5) ||
		    snprintf(full, sizeof(full), "%s/%s", canon, path) >= (int)sizeof(full))
			return SC_CONTINUE;
		path = full;
	}
	if (strncmp(path, "/proc/", 6) || proc_parse(r, path + 5, &pp) || pp.kind != PROC_MAGIC ||
	    pp.out[0])
		return SC_CONTINUE;
	int fd = proc_open_link(r, &pp);
	if (fd < 0)
		return fd == -ENOENT ? SC_CONTINUE : fd;
	int err = resolve_own_fd(r, fd, canon, &kind, link);
	close(fd);
	if (kind == FD_OTHER)
		return SC_CONTINUE;  /* host objects read the same either way */
	/* an overlay object reads as its overlay path (the kernel would show
	 * the supervisor's mount path); unlinked: "name (deleted)" */
	int n = snprintf(out, size, "%s%s", canon, err ? deleted_suffix : "");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : n;
}
