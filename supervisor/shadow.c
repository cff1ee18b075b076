/*
 * The shadow root (see shadow.h).  Mirror symlinks hold the tracee's
 * targets, which mean something else in the supervisor's own root, so every
 * access here goes component by component with O_NOFOLLOW from shadow_fd.
 */
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
#include "ovlrun/shadow.h"
#include "fsutil.h"

/* Open (creating with create) each component of canon as a directory. */
static int walk_dirs(struct sup *s, const char *canon, bool create)
{
	char buf[PATH_MAX];
	int cur = openat(s->shadow_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return -errno;
	snprintf(buf, sizeof(buf), "%s", canon);
	for (char *save = NULL, *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int fd = -1;
		for (int tries = 0; tries < 3 && fd < 0; tries++) {
			fd = openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0 || !create)
				break;
			if (errno == ENOTDIR || errno == ELOOP)
				remove_tree_at(cur, c, true);  /* stale mirror of another type */
			else if (errno != ENOENT)
				break;
			if (mkdirat(cur, c, 0755) && errno != EEXIST)
				break;
		}
		int err = errno;
		close(cur);
		if (fd < 0)
			return -err;
		cur = fd;
	}
	return cur;
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

int shadow_dir_for_tracee(struct sup *s, const char *canon, int open_flags)
{
	int made = walk_dirs(s, canon, true);
	if (made < 0)
		return made;
	close(made);
	if (s->sandbox_root_fd < 0)
		return -ESRCH;
	/* the same dir through the command's own root mount: ".." from it
	 * stops at the command's root, as from any dir it opened itself */
	struct open_how how = {
		.flags = (uint64_t)(O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC |
				    (open_flags & O_PATH ? O_PATH : O_RDONLY | open_flags)),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   RESOLVE_NO_XDEV,
	};
	const char *rel = canon[1] ? canon + 1 : ".";
	int fd = (int)syscall(SYS_openat2, s->sandbox_root_fd, rel, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

int shadow_find_dir(struct sup *s, const char *canon)
{
	return walk_dirs(s, canon, false);
}

/* The parent directory fd of canon in the shadow (created if create). */
static int parent_of(struct sup *s, const char *canon, const char **name, bool create)
{
	char parent[PATH_MAX];
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
	char cur[PATH_MAX];
	ssize_t n = readlinkat(dfd, name, cur, sizeof(cur) - 1);
	int err = 0;
	if (n >= 0) {
		cur[n] = 0;
		if (!strcmp(cur, target))
			goto out;
	}
	if (n >= 0 || errno != ENOENT)
		remove_tree_at(dfd, name, true);
	if (symlinkat(target, dfd, name))
		err = -errno;
out:
	close(dfd);
	return err;
}

int shadow_bind(struct sup *s, const char *canon, int fd)
{
	struct stat want, have;
	const char *name;
	if (fstat(fd, &want))
		return -errno;
	int dfd = parent_of(s, canon, &name, true);
	if (dfd < 0)
		return dfd;
	int err = 0;
	if (fstatat(dfd, name, &have, AT_SYMLINK_NOFOLLOW) == 0) {
		if (have.st_dev == want.st_dev && have.st_ino == want.st_ino)
			goto out;  /* already the right object */
		remove_tree_at(dfd, name, true);
	}
	int ph = openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (ph < 0) {
		err = -errno;
		goto out;
	}
	close(ph);
	int tree = (int)syscall(SYS_open_tree, fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
				AT_EMPTY_PATH);
	if (tree < 0) {
		err = -errno;
		goto out;
	}
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					    MOUNT_ATTR_NODEV };
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &a, sizeof(a)) ||
	    syscall(SYS_move_mount, tree, "", dfd, name, MOVE_MOUNT_F_EMPTY_PATH))
		err = -errno;
	else {
		mount_ids_changed(s);
		notify_mount_added(s, canon);
	}
	close(tree);
	if (err)
		fprintf(stderr, "ovlrun: shadow bind of %s: %s\n", canon, strerror(-err));
out:
	close(dfd);
	return err;
}

void shadow_forget(struct sup *s, const char *canon)
{
	const char *name;
	int dfd = parent_of(s, canon, &name, false);
	if (dfd < 0)
		return;
	remove_tree_at(dfd, name, true);
	close(dfd);
}

void shadow_rename(struct sup *s, const char *from, const char *to, bool exchange)
{
	const char *fname, *tname;
	int fdfd = parent_of(s, from, &fname, false);
	struct stat st;
	if (fdfd < 0 || fstatat(fdfd, fname, &st, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(st.st_mode)) {
		/* nothing mirrored to carry along */
		if (fdfd >= 0)
			close(fdfd);
		shadow_forget(s, from);
		shadow_forget(s, to);
		return;
	}
	int tdfd = parent_of(s, to, &tname, true);
	if (tdfd >= 0) {
		if (!exchange)
			remove_tree_at(tdfd, tname, true);
		if (syscall(SYS_renameat2, fdfd, fname, tdfd, tname, exchange ? RENAME_EXCHANGE : 0)) {
			shadow_forget(s, from);
			shadow_forget(s, to);
		}
		close(tdfd);
	}
	close(fdfd);
}
