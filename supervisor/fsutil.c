/* Small host-filesystem helpers of the supervisor. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include "ovlrun/overlay.h"
#include "fsutil.h"
#include "ovlrun/supervisor.h"

/* Detach every mount stacked on dirfd/name; a mirror may carry a bind. */
static void umount_at(int parent, const char *name)
{
	char p[64 + NAME_MAX];
	snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", parent, name);
	for (int i = 0; i < 16 && umount2(p, MNT_DETACH | UMOUNT_NOFOLLOW) == 0; i++)
		;
}

/* Remove everything inside the directory fd (not closed) but keep. */
static int remove_children(int fd, bool umount_first, const char *keep)
{
	int dup_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dup_fd < 0)
		return -errno;
	DIR *d = fdopendir(dup_fd);
	if (!d) {
		close(dup_fd);
		return -errno;
	}
	int err = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (keep && !strcmp(de->d_name, keep)))
			continue;
		int r = remove_tree_at(fd, de->d_name, umount_first);
		if (r && !err)
			err = r;
	}
	closedir(d);
	return err;
}

int remove_tree_at(int parent, const char *name, bool umount_first)
{
	struct stat st;
	if (umount_first)
		umount_at(parent, name);
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(parent, name, 0) ? -errno : 0;
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int err = remove_children(fd, umount_first, NULL);
	close(fd);
	if (unlinkat(parent, name, AT_REMOVEDIR) && !err)
		err = -errno;
	return err;
}

int clear_work_dir(int fd)
{
	return remove_children(fd, false, OVL_WORK_INDEX);
}

int remove_work_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	int err = clear_work_dir(fd);
	/* an empty index goes; one that holds entries keeps the dir */
	if (unlinkat(fd, OVL_WORK_INDEX, AT_REMOVEDIR) && errno != ENOENT && errno != ENOTEMPTY &&
	    !err)
		err = -errno;
	close(fd);
	if (rmdir(path) && errno != ENOTEMPTY && !err)
		err = -errno;
	return err;
}

int split_parent(const char *canon, char *parent, const char **name)
{
	const char *slash = strrchr(canon, '/');
	if (!slash || !slash[1])
		return -EINVAL;
	size_t n = (size_t)(slash - canon);
	if (n == 0)
		n = 1;  /* parent of "/x" is "/" */
	memcpy(parent, canon, n);
	parent[n] = 0;
	*name = slash + 1;
	return 0;
}

static int openat2_one(int dirfd, const char *rel, const struct open_how *how)
{
	int fd = (int)syscall(SYS_openat2, dirfd, rel, how, sizeof(*how));
	return fd < 0 ? -errno : fd;
}

int openat2_long(int dirfd, const char *rel, const struct open_how *how)
{
	size_t len = strlen(rel);
	if (len < PATH_MAX)
		return openat2_one(dirfd, rel, how);
	/* the longest part that ends at a '/' and fits */
	const char *cut = rel + PATH_MAX - 1;
	while (cut > rel && *cut != '/')
		cut--;
	if (cut == rel)
		return -ENAMETOOLONG;
	char part[PATH_MAX];
	memcpy(part, rel, (size_t)(cut - rel));
	part[cut - rel] = 0;
	struct open_how dir = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC | (how->flags & O_NOFOLLOW),
		.resolve = how->resolve,
	};
	int fd = openat2_one(dirfd, part, &dir);
	if (fd < 0)
		return fd;
	while (*cut == '/')
		cut++;
	int next = openat2_long(fd, *cut ? cut : ".", how);
	close(fd);
	return next;
}

void path_join(char *out, const char *a, const char *b)
{
	int n = snprintf(out, PATH_MAX, "%s%s", a, b);
	if (n < 0 || n >= PATH_MAX)
		die_setup("path too long: %s%s", a, b);
}

/* Setup-time mount helpers: they exit 125 with a message on failure. */

int clone_tree(int fd, bool recursive, unsigned attrs, const char *what)
{
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
	if (recursive)
		flags |= AT_RECURSIVE;
	int tree = (int)syscall(SYS_open_tree, fd, "", flags);
	if (tree < 0)
		die_setup("%s: open_tree: %s", what, strerror(errno));
	struct mount_attr a = { .attr_set = attrs };
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0),
		    &a, sizeof(a)))
		die_setup("%s: mount_setattr: %s", what, strerror(errno));
	return tree;
}

void attach_tree(int tree, const char *target, const char *what)
{
	if (syscall(SYS_move_mount, tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH))
		die_setup("%s: move_mount to %s: %s", what, target, strerror(errno));
	close(tree);
}

int open_dir(const char *path, const char *what)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die_setup("%s %s: %s", what, path, strerror(errno));
	return fd;
}


void xmkdir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) && errno != EEXIST)
		die_setup("mkdir %s: %s", path, strerror(errno));
}
