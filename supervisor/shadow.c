/*
 * The shadow root (see shadow.h).  Mirror symlinks hold the tracee's
 * targets, which mean something else in the supervisor's own root, so every
 * access here goes component by component with O_NOFOLLOW from shadow_fd.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ovlrun/notify.h"
#include "fsutil.h"
#include "shadow.h"
#include "shadow_binds.h"
#include "shadow_gone.h"

/* canon's dir in the shadow in one call (O_PATH), when every component
 * is a dir already: no symlink followed, nothing above the shadow. */
static int open_beneath(struct sup *s, const char *canon)
{
	struct open_how how = {
		.flags = (uint64_t)(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	return openat2_long(s->shadow_fd, canon[1] ? canon + 1 : ".", &how);
}

/* The common miss: the parent is there, canon is not yet. */
static int make_last(struct sup *s, const char *canon)
{
	char parent[OVL_PATH_MAX];
	const char *name;
	if (split_parent(canon, parent, &name))
		return -EINVAL;
	int dfd = open_beneath(s, parent);
	if (dfd < 0)
		return dfd;
	int fd = -1;
	if (!mkdirat(dfd, name, 0755) || errno == EEXIST)
		fd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int err = errno;
	close(dfd);
	return fd < 0 ? -err : fd;
}

/* Make canon's dirs, once canon was found missing (err from a look
 * at the whole path): make the last component, else go component by
 * component (something in the way, or more than the last missing). */
static int make_dirs(struct sup *s, const char *canon, int err)
{
	int fast;
	if (err == -ENOENT && (fast = make_last(s, canon)) >= 0)
		return fast;
	char buf[OVL_PATH_MAX];
	int cur = openat(s->shadow_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return -errno;
	snprintf(buf, sizeof(buf), "%s", canon);
	for (char *save = NULL, *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int fd = -1;
		for (int tries = 0; tries < 3 && fd < 0; tries++) {
			fd = openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0)
				break;
			if (errno == ENOTDIR || errno == ELOOP)
				remove_tree_at(cur, c, true);  /* stale mirror of another type */
			else if (errno != ENOENT)
				break;
			if (mkdirat(cur, c, 0755) && errno != EEXIST)
				break;
		}
		int e = errno;
		close(cur);
		if (fd < 0)
			return -e;
		cur = fd;
	}
	return cur;
}

/* Open (creating with create) each component of canon as a directory:
 * in one call when all are there. */
static int walk_dirs(struct sup *s, const char *canon, bool create)
{
	int fast = open_beneath(s, canon);
	return fast >= 0 || !create ? fast : make_dirs(s, canon, fast);
}

int shadow_dir(struct sup *s, const char *canon, int open_flags)
{
	int path_fd = walk_dirs(s, canon, true);
	if (path_fd < 0)
		return path_fd;
	if (open_flags & O_PATH)
		return path_fd;
	int fd = openat(path_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | open_flags);
	int err = errno;
	close(path_fd);
	return fd < 0 ? -err : fd;
}

/* canon's mirror dir through the command's own root mount: ".." from it
 * stops at the command's root, as from any dir it opened itself. */
static int open_for_tracee(struct sup *s, const char *canon, int open_flags)
{
	struct open_how how = {
		.flags = (uint64_t)(O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC |
				    (open_flags & O_PATH ? O_PATH : O_RDONLY | open_flags)),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   RESOLVE_NO_XDEV,
	};
	return openat2_long(s->sandbox_root_fd, canon[1] ? canon + 1 : ".", &how);
}

int shadow_dir_for_tracee(struct sup *s, const char *canon, int open_flags)
{
	if (s->sandbox_root_fd < 0)
		return -ESRCH;
	/* Mirrors follow the overlay (shadow_forget, shadow_rename), so one
	 * that is there is right: one call.  Else make it (a symlink or
	 * file in the way is stale), then open it. */
	int fd = open_for_tracee(s, canon, open_flags);
	if (fd >= 0)
		return fd;
	int made = make_dirs(s, canon, fd);  /* the same tree: not there */
	if (made < 0)
		return made;
	close(made);
	return open_for_tracee(s, canon, open_flags);
}

int shadow_find_dir(struct sup *s, const char *canon)
{
	return walk_dirs(s, canon, false);
}

/* The parent directory fd of canon in the shadow (created if create). */
static int parent_of(struct sup *s, const char *canon, const char **name, bool create)
{
	char parent[OVL_PATH_MAX];
	if (split_parent(canon, parent, name))
		return -EINVAL;
	return walk_dirs(s, parent, create);
}

int shadow_mirror(void *ctx, const char *canon, mode_t type, const char *target)
{
	struct sup *s = ctx;
	if (type == S_IFDIR) {
		int fd = walk_dirs(s, canon, true);
		if (fd < 0)
			return fd;
		close(fd);
		return 0;
	}
	if (type != S_IFLNK)
		return 0;
	const char *name;
	int dfd = parent_of(s, canon, &name, true);
	if (dfd < 0)
		return dfd;
	char cur[OVL_PATH_MAX];
	int err = -EEXIST;
	/* Lookups mirror at once (serve_lock shared): another one may make
	 * the same link between our look and our symlinkat; it is right. */
	for (int tries = 0; tries < 3 && err == -EEXIST; tries++) {
		ssize_t n = readlinkat(dfd, name, cur, sizeof(cur) - 1);
		if (n >= 0) {
			cur[n] = 0;
			if (!strcmp(cur, target)) {
				err = 0;
				break;
			}
		}
		if (n >= 0 || errno != ENOENT)
			remove_tree_at(dfd, name, true);
		err = symlinkat(target, dfd, name) ? -errno : 0;
	}
	close(dfd);
	return err;
}

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x4000U  /* Linux 6.8: never reused, unlike STATX_MNT_ID */
#endif
#define EVICT_TRIES 8  /* unmount attempts per request: binds in use are skipped */

/* The id of the mount at dirfd/name (or of the mount fd itself, name "");
 * the unique id where the kernel has one.  0 if unknown. */
static uint64_t mount_id_at(int dirfd, const char *name)
{
	struct statx stx;
	int flags = AT_SYMLINK_NOFOLLOW | (name[0] ? 0 : AT_EMPTY_PATH);
	if (statx(dirfd, name, flags, STATX_MNT_ID | STATX_MNT_ID_UNIQUE, &stx) ||
	    !(stx.stx_mask & (STATX_MNT_ID | STATX_MNT_ID_UNIQUE)))
		return 0;
	return stx.stx_mnt_id;
}

/* Unmount our bind at canon if it is still mount mnt_id and nothing uses
 * it (no MNT_DETACH: the kernel says EBUSY while a file is open or mapped
 * through it or through its copy in the command's namespace), and remove
 * its placeholder.  0; -ENOENT if that mount is not there any more (moved
 * or removed with its mirror); -EBUSY; or another -errno. */
static int unbind(struct sup *s, const char *canon, uint64_t mnt_id)
{
	const char *name;
	int dfd = parent_of(s, canon, &name, false);
	if (dfd < 0)
		return -ENOENT;
	int err = 0;
	if (!mnt_id || mount_id_at(dfd, name) != mnt_id) {
		err = -ENOENT;
	} else {
		char p[64 + NAME_MAX];
		snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", dfd, name);
		if (umount2(p, UMOUNT_NOFOLLOW))
			err = -errno;
	}
	struct stat st, root;
	/* the empty file the bind covered (not a mount of anything else) */
	if (!err && !fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) && !fstat(s->shadow_fd, &root) &&
	    S_ISREG(st.st_mode) && st.st_dev == root.st_dev && st.st_size == 0)
		unlinkat(dfd, name, 0);
	close(dfd);
	if (err && err != -EBUSY && err != -ENOENT)
		fprintf(stderr, "ovlrun: unmount shadow bind of %s: %s\n", canon, strerror(-err));
	return err;
}

/* Keep the number of binds to the table's bound (shadow_binds.c). */
static int evict(struct sup *s, struct shadow_binds *b)
{
	char canon[OVL_PATH_MAX];
	uint64_t id;
	int gone = 0;
	for (int i = 0; i < EVICT_TRIES && binds_victim(b, canon, &id); i++) {
		int err = unbind(s, canon, id);
		binds_done(b, canon, err == 0 || err == -ENOENT);
		gone += err == 0;
	}
	return gone;
}

/* A character device of the sandbox's own /dev (null, zero, full, random,
 * urandom, tty): a node of it in the overlay opens it, as on overlayfs; any
 * other device node stays behind nodev. */
static bool sandbox_device(const struct sup *s, const struct stat *st)
{
	for (int i = 0; S_ISCHR(st->st_mode) && i < s->ndev_nodes; i++)
		if (s->dev_nodes[i] == st->st_rdev)
			return true;
	return false;
}

/* Mount the real object fd at dfd/name (absent), nodev unless dev; its
 * mount id in *id. */
static int mount_object(int dfd, const char *name, int fd, bool dev, uint64_t *id)
{
	int ph = openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (ph < 0)
		return -errno;
	close(ph);
	int tree = (int)syscall(SYS_open_tree, fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
				AT_EMPTY_PATH);
	if (tree < 0)
		return -errno;
	int err = 0;
	/* (a layer's mounts are nodev: the clone's flag is cleared, not
	 * merely left unset) */
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					    (dev ? 0 : MOUNT_ATTR_NODEV),
				.attr_clr = dev ? MOUNT_ATTR_NODEV : 0 };
	*id = mount_id_at(tree, "");
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &a, sizeof(a)) ||
	    syscall(SYS_move_mount, tree, "", dfd, name, MOVE_MOUNT_F_EMPTY_PATH))
		err = -errno;
	close(tree);
	return err;
}

/* With the table locked: make canon the object want (of fd).  1 if it
 * mounted something, 0 if canon already was that object, or -errno. */
static int bind_locked(struct sup *s, struct shadow_binds *b, const char *canon, int fd,
		       const struct stat *want)
{
	struct stat have;
	const char *name;
	int dfd = parent_of(s, canon, &name, true);
	if (dfd < 0)
		return dfd;
	int err;
	uint64_t id = 0;
	if (fstatat(dfd, name, &have, AT_SYMLINK_NOFOLLOW) == 0) {
		if (have.st_dev == want->st_dev && have.st_ino == want->st_ino) {
			/* already the right object: bound before */
			if (!binds_touch(b, canon) && (id = mount_id_at(dfd, name)))
				(void)binds_add(b, canon, id);
			close(dfd);
			return 0;
		}
		/* another object (replaced in the overlay): detached, not
		 * stacked; a program still running it keeps its mount */
		remove_tree_at(dfd, name, true);
		binds_forget(b, canon, S_ISDIR(have.st_mode));
	}
	err = mount_object(dfd, name, fd, sandbox_device(s, want), &id);
	close(dfd);
	if (err) {
		if (err != -ENOENT)     /* the object went meanwhile: the caller looks again */
			fprintf(stderr, "ovlrun: shadow bind of %s: %s\n", canon, strerror(-err));
		return err;
	}
	if (binds_add(b, canon, id))
		fprintf(stderr, "ovlrun: shadow bind of %s: not tracked: %s\n", canon,
			strerror(ENOMEM));
	return 1;
}

int shadow_bind(struct sup *s, const char *canon, int fd)
{
	struct stat want;
	if (fstat(fd, &want))
		return -errno;
	struct shadow_binds *b = binds_lock(s);
	if (!b)
		return -ENOMEM;
	int made = bind_locked(s, b, canon, fd, &want);
	int gone = evict(s, b);
	binds_unlock(b);
	/* the other modules' state, after our lock is released */
	if (made > 0 || gone)
		mount_ids_changed(s);
	if (made > 0)
		notify_mount_added(s, canon);
	return made < 0 ? made : 0;
}

/* With the table (b, NULL without memory) locked: drop canon's mirror. */
static void forget_locked(struct sup *s, struct shadow_binds *b, const char *canon)
{
	const char *name;
	struct stat st;
	int dfd = parent_of(s, canon, &name, false);
	if (dfd < 0)
		return;
	bool seen = !fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW);
	if (!seen && errno == ENOENT) {
		/* nothing mirrored, so nothing mounted there either (the
		 * usual case: a name made or removed in a dir) */
		close(dfd);
		if (b)
			binds_forget(b, canon, false);
		return;
	}
	/* a dir takes the binds under it along */
	bool dir = seen && S_ISDIR(st.st_mode);
	/* A file's bind stays: a call we answered may be about to reach it
	 * (an exec racing a rename over the name then runs the file as
	 * before the rename, not an empty placeholder), and whoever needs the
	 * name next binds it anew (bind_locked replaces another object), or
	 * the LRU unmounts it. */
	if (!dir && b && binds_has(b, canon)) {
		close(dfd);
		return;
	}
	remove_tree_at(dfd, name, true);
	close(dfd);
	if (b)
		binds_forget(b, canon, dir);
}

void shadow_forget(struct sup *s, const char *canon)
{
	struct shadow_binds *b = binds_lock(s);
	forget_locked(s, b, canon);
	if (b)
		binds_unlock(b);
}

/* With the table (b, NULL without memory) locked: shadow_rename. */
static void rename_locked(struct sup *s, struct shadow_binds *b, const char *from, const char *to,
			  bool exchange)
{
	const char *fname, *tname;
	int fdfd = parent_of(s, from, &fname, false);
	struct stat st;
	if (fdfd < 0 || fstatat(fdfd, fname, &st, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(st.st_mode)) {
		/* nothing mirrored to carry along */
		if (fdfd >= 0)
			close(fdfd);
		forget_locked(s, b, from);
		forget_locked(s, b, to);
		return;
	}
	int tdfd = parent_of(s, to, &tname, true);
	if (tdfd >= 0) {
		if (!exchange)
			remove_tree_at(tdfd, tname, true);
		if (syscall(SYS_renameat2, fdfd, fname, tdfd, tname, exchange ? RENAME_EXCHANGE : 0)) {
			forget_locked(s, b, from);
			forget_locked(s, b, to);
		} else if (b) {
			/* the binds under the dir moved with it */
			binds_rename(b, from, to, exchange);
		}
		close(tdfd);
	}
	close(fdfd);
}

void shadow_rename(struct sup *s, const char *from, const char *to, bool exchange)
{
	struct shadow_binds *b = binds_lock(s);
	rename_locked(s, b, from, to, exchange);
	if (b)
		binds_unlock(b);
}

/* The name of dir child in dir p: an entry readdir lists with its inode,
 * confirmed by a stat (a mount point's d_ino is the dir below it). */
static int name_in(int p, const struct stat *child, char *name)
{
	int dfd = openat(p, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		int err = -errno;
		if (dfd >= 0)
			close(dfd);
		return err;
	}
	int err = -ENOENT;
	for (struct dirent *de; err == -ENOENT && (de = readdir(d));) {
		struct stat st;
		if (de->d_ino == child->st_ino && strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    !fstatat(p, de->d_name, &st, AT_SYMLINK_NOFOLLOW) && st.st_dev == child->st_dev &&
		    st.st_ino == child->st_ino) {
			snprintf(name, NAME_MAX + 1, "%s", de->d_name);
			err = 0;
		}
	}
	closedir(d);
	return err;
}

/* Mirror dirs are where the overlay's dirs are, so a mirror's names up to
 * the shadow root are its overlay path: read through "..", as getcwd(3)
 * does where the kernel's answer would not fit.  Built from the end of
 * canon backwards. */
static int shadow_dir_path(struct sup *s, int fd, char *canon)
{
	struct stat root, cur;
	if (fstat(s->shadow_fd, &root) || fstat(fd, &cur))
		return -errno;
	size_t pos = OVL_PATH_MAX - 1;
	canon[pos] = 0;
	int c = openat(fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC), err = c < 0 ? -errno : 0;
	while (!err && (cur.st_dev != root.st_dev || cur.st_ino != root.st_ino)) {
		char name[NAME_MAX + 1];
		struct stat up = cur;
		if (cur.st_dev != root.st_dev)
			err = -ENAMETOOLONG;    /* in a mount on the shadow: not a mirror */
		int p = err ? -1 : openat(c, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (!err && (p < 0 || fstat(p, &up)))
			err = -errno;           /* ENOENT: a removed dir */
		else if (!err && up.st_dev == cur.st_dev && up.st_ino == cur.st_ino)
			err = -ENAMETOOLONG;    /* a root that is not the shadow's */
		else if (!err && !(err = name_in(p, &cur, name))) {
			size_t n = strlen(name);
			if (pos < n + 1)
				err = -ENAMETOOLONG;
			pos -= err ? 0 : n + 1;
			if (!err) {
				canon[pos] = '/';
				memcpy(canon + pos + 1, name, n);
			}
		}
		close(c);
		c = p;
		cur = up;
	}
	if (c >= 0)
		close(c);
	if (err)
		return err;
	if (!canon[pos])
		canon[--pos] = '/';     /* the root itself */
	memmove(canon, canon + pos, OVL_PATH_MAX - pos);
	return 0;
}

void shadow_dir_removed(struct sup *s, const char *canon, const struct stat *st)
{
	struct stat m;
	int fd = shadow_find_dir(s, canon);
	if (fd < 0)
		return;                 /* no mirror: nothing can be on it */
	if (!fstat(fd, &m))
		gone_put(s->gone, m.st_dev, m.st_ino, st);
	close(fd);
}

static bool shadow_gone_stat(struct sup *s, dev_t dev, ino_t ino, struct stat *st)
{
	return gone_get(s->gone, dev, ino, st);
}

const struct shadow_ops shadow_root_ops = {
	.dir = shadow_dir,
	.dir_for_tracee = shadow_dir_for_tracee,
	.mirror = shadow_mirror,
	.bind = shadow_bind,
	.forget = shadow_forget,
	.mount_kind = mount_kind,
	.dir_path = shadow_dir_path,
	.gone_stat = shadow_gone_stat,
};
