/* open, openat, creat, openat2. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/inotify.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ovlrun/notify.h"
#include "ovlrun/syscalls.h"
#include "handlers.h"
#include "shadow.h"

#define VALID_OPEN_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | \
			  O_NONBLOCK | O_DSYNC | O_ASYNC | O_DIRECT | O_LARGEFILE | \
			  O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC | O_PATH | \
			  O_TMPFILE)

static unsigned resolve_flags(uint64_t resolve)
{
	unsigned f = 0;
	if (resolve & RESOLVE_BENEATH)
		f |= OVL_LOOKUP_BENEATH;
	if (resolve & RESOLVE_IN_ROOT)
		f |= OVL_LOOKUP_IN_ROOT;
	if (resolve & RESOLVE_NO_SYMLINKS)
		f |= OVL_LOOKUP_NO_SYMLINKS;
	if (resolve & RESOLVE_NO_MAGICLINKS)
		f |= OVL_LOOKUP_NO_MAGICLINKS;
	if (resolve & RESOLVE_NO_XDEV)
		f |= OVL_LOOKUP_NO_XDEV;
	return f;
}

/* A FIFO, socket or device: the kernel opens the real node, bound into the
 * shadow at its overlay path, so a blocking open blocks the tracee, not us.
 * A device's bind is nodev (EACCES) unless it is one of the sandbox's own
 * /dev devices (null, zero, full, random, urandom, tty: the shadow
 * decides), which a node anywhere in the overlay opens, as on overlayfs. */
static int64_t open_special(struct req *r, int dirfd, const char *path, unsigned lflags,
			    struct ovl_entry *e, int flags)
{
	if (flags & O_PATH)
		return -EOPNOTSUPP;
	int fd = ovl_open_real(r->sup->fs, e, O_PATH);
	int err = fd;
	if (fd >= 0) {
		err = shadow_bind(r->sup, e->path, fd);
		close(fd);
	}
	if (!err)
		err = req_mirror(r, dirfd, path, lflags);
	return err ? err : SC_CONTINUE;
}

/* A change beside us may have removed or moved the dir between our
 * lookup and its mirror, after the shadow forgot it or moved it along: a
 * mirror made then is stale.  True (the mirror dropped) if so: the open
 * is done again, as if it had come after the change. */
static bool mirror_stale(struct req *r, const struct ovl_cred *cred, const char *canon)
{
	struct ovl_entry e;
	int err = ovl_lookup(r->sup->fs, cred, "/", canon, OVL_LOOKUP_NO_PERM, &e);
	bool dir = !err && S_ISDIR(e.type) && !e.passthrough;
	if (!err)
		ovl_entry_release(&e);
	if (!dir)
		shadow_forget(r->sup, canon);
	return !dir;
}

/* A directory: the command gets its mirror, made and checked while no
 * rename moves paths, so that it is where the overlay dir is (later moves
 * take it along); -ESTALE if the dir went meanwhile. */
static int64_t open_dir(struct req *r, const struct ovl_cred *cred, const struct ovl_entry *e,
			int flags)
{
	ovl_paths_hold(r->sup->fs);
	int mfd = shadow_dir_for_tracee(r->sup, e->path, 0);
	bool stale = mfd >= 0 && mirror_stale(r, cred, e->path);
	ovl_paths_release(r->sup->fs);
	if (stale) {
		close(mfd);
		return -ESTALE;
	}
	if (mfd < 0)
		return mfd;
	notify_path(r->sup, e->path, IN_OPEN, true);
	return req_addfd(r, mfd, flags & O_CLOEXEC);  /* a dir: read-only */
}

/* O_PATH: the kernel cannot take an O_PATH file from us (ADDFD wants a
 * real open file), so the shadow gets the object at its overlay path — the
 * mirror dir, the mirror symlink, or a bind of the real file — and the
 * kernel opens it there. */
static int64_t open_path(struct req *r, int dirfd, const char *path, unsigned lflags,
			 struct ovl_entry *e)
{
	int err = 0;
	if (e->type == 0)
		return -ENOENT;
	if (S_ISDIR(e->type)) {
		int mfd = shadow_dir(r->sup, e->path, O_PATH);
		err = mfd < 0 ? mfd : 0;
		if (mfd >= 0)
			close(mfd);
	} else if (!S_ISLNK(e->type)) {
		int fd = ovl_open_real(r->sup->fs, e, O_PATH);
		err = fd < 0 ? fd : shadow_bind(r->sup, e->path, fd);
		if (fd >= 0)
			close(fd);
	}
	/* the walk mirrors every dir and symlink on the way, the final
	 * symlink (O_NOFOLLOW) included */
	if (!err)
		err = req_mirror(r, dirfd, path, lflags);
	return err ? err : SC_CONTINUE;
}

/* What the kernel reports for an open (its CREATE came from the engine's
 * change event) that truncated a file. */
static void notify_opened(struct req *r, const struct ovl_entry *e, bool existed, int flags)
{
	notify_path(r->sup, e->path, IN_OPEN, false);
	if (existed && (flags & O_TRUNC) && S_ISREG(e->type))
		notify_path(r->sup, e->path, IN_MODIFY, false);
}

static int64_t do_open(struct req *r, int dirfd, uint64_t path_addr, uint64_t flags64,
		       mode_t mode, uint64_t resolve)
{
	char path[PATH_MAX];
	struct ovl_entry e;
	const struct ovl_cred *cred;
	int flags = (int)flags64;

	if (flags64 & ~(uint64_t)VALID_OPEN_FLAGS)
		flags &= VALID_OPEN_FLAGS;  /* open(2) ignores unknown flags */
	if ((flags & O_TMPFILE) == O_TMPFILE && !(flags & (O_WRONLY | O_RDWR)))
		return -EINVAL;
	if ((flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY))
		return -EINVAL;
	int err = req_path(r, path_addr, path);
	if (err)
		return err;
	if ((err = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ?
		   req_cred_umask(r, &cred) : req_cred(r, &cred)))
		return err;

	bool tmpfile = (flags & O_TMPFILE) == O_TMPFILE;
	r->intent = flags & O_PATH ? INTENT_READ : INTENT_OPEN;
	r->open_acc = flags & O_ACCMODE;
	if (flags & (O_TRUNC | O_CREAT))
		r->open_acc = flags & O_ACCMODE ? flags & O_ACCMODE : O_RDWR;
	unsigned lflags = resolve_flags(resolve);
	if (tmpfile)
		lflags |= OVL_LOOKUP_FOLLOW | OVL_LOOKUP_DIRECTORY;
	else if (!(flags & O_NOFOLLOW) && (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL))
		lflags |= OVL_LOOKUP_FOLLOW;
	if ((flags & O_DIRECTORY) && !tmpfile)
		lflags |= OVL_LOOKUP_DIRECTORY;
	/* a magic link to a host object or an unlinked file, a mountinfo:
	 * opened here (SC_OBJECT), the kernel re-reads nothing */
	r->want_obj = !(flags & O_PATH);
	int tries = 0;
again:
	err = req_lookup(r, dirfd, path, lflags, false, &e);
	if (err == SC_OBJECT) {
		int64_t rv = obj_open(r, flags);
		req_obj_release(r);
		return rv;
	}
	if (err)
		return err;

	if (flags & O_PATH) {
		ovl_paths_hold(r->sup->fs);   /* what it mirrors stays where it is */
		int64_t rv = open_path(r, dirfd, path, lflags, &e);
		ovl_paths_release(r->sup->fs);
		ovl_entry_release(&e);
		if (rv == -ESTALE && tries++ < 8)
			goto again;     /* another object under the name by now */
		return rv;
	}
	int fd = -1;
	bool existed = e.type != 0;
	bool writes = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
	/* (after the permission the kernel checks first) */
	if (writes && existed && !ovl_permission(cred, &e.st, OVL_MAY_WRITE) &&
	    (err = busy_check(r, &e))) {
		ovl_entry_release(&e);
		return err;
	}
	int kind = ovl_open(r->sup->fs, cred, &e, flags, mode & 07777, &fd);
	int64_t rv;
	/* events go out before the answer: the command may act on the fd
	 * (and cause native events) as soon as it has it */
	if (kind == OVL_OPEN_FILE) {
		if (!tmpfile)
			notify_opened(r, &e, existed, flags);
		rv = req_addfd(r, fd, flags);
	} else if (kind == OVL_OPEN_DIR) {
		rv = open_dir(r, cred, &e, flags);
	} else if (kind == OVL_OPEN_SPECIAL) {
		ovl_paths_hold(r->sup->fs);   /* what it binds and mirrors stays */
		rv = open_special(r, dirfd, path, lflags, &e, flags);
		ovl_paths_release(r->sup->fs);
	} else {
		rv = kind;
	}
	ovl_entry_release(&e);
	/* another object under the name by now (ovl_open_real, open_dir):
	 * looking was all this did, so again */
	if (rv == -ESTALE && tries++ < 8)
		goto again;
	return rv;
}

int64_t sys_open(struct req *r)
{
	return do_open(r, AT_FDCWD, ARG(r, 0), ARG(r, 1), (mode_t)ARG(r, 2), 0);
}

int64_t sys_openat(struct req *r)
{
	return do_open(r, (int)ARG(r, 0), ARG(r, 1), ARG(r, 2), (mode_t)ARG(r, 3), 0);
}

int64_t sys_creat(struct req *r)
{
	return do_open(r, AT_FDCWD, ARG(r, 0), O_CREAT | O_WRONLY | O_TRUNC, (mode_t)ARG(r, 1), 0);
}

int64_t sys_openat2(struct req *r)
{
	struct open_how how = { 0 };
	size_t size = (size_t)ARG(r, 3);
	if (size < sizeof(uint64_t) * 3)  /* OPEN_HOW_SIZE_VER0 */
		return -EINVAL;
	if (size > 4096)
		return -E2BIG;
	unsigned char buf[4096];
	int err = req_read(r, ARG(r, 2), buf, size);
	if (err)
		return err;
	for (size_t i = sizeof(how); i < size; i++)
		if (buf[i])
			return -E2BIG;  /* extension we do not know */
	memcpy(&how, buf, size < sizeof(how) ? size : sizeof(how));
	if (how.flags & ~(uint64_t)VALID_OPEN_FLAGS)
		return -EINVAL;
	if (how.resolve & ~(uint64_t)(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS |
				      RESOLVE_BENEATH | RESOLVE_IN_ROOT | RESOLVE_CACHED))
		return -EINVAL;
	if ((how.resolve & RESOLVE_BENEATH) && (how.resolve & RESOLVE_IN_ROOT))
		return -EINVAL;
	if (how.mode & ~07777ULL)
		return -EINVAL;
	if (how.mode && !(how.flags & O_CREAT) && (how.flags & O_TMPFILE) != O_TMPFILE)
		return -EINVAL;
	return do_open(r, (int)ARG(r, 0), ARG(r, 1), how.flags, (mode_t)how.mode, how.resolve);
}
