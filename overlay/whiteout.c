/*
 * On-disk marks of the overlay (whiteouts, opaque, impure) and the
 * work-dir moves that keep every change in upper atomic.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "upper.h"

void ovl_tmpname(struct ovl_fs *fs, char name[OVL_TMPNAME_MAX])
{
	/* The pid keeps us clear of leftovers of an earlier, crashed run. */
	snprintf(name, OVL_TMPNAME_MAX, "#ovl.%d.%llx", (int)getpid(),
		 (unsigned long long)__atomic_fetch_add(&fs->tmp_seq, 1, __ATOMIC_RELAXED));
}

/*
 * mknod straight under the final name: only used where the name is free in
 * upper, and a single mknod makes the whiteout complete in one step (owner
 * root, mode 0, no xattrs to add), so there is no partial state to hide.
 * Replacing an existing upper entry goes through ovl_remove_upper instead.
 */
int ovl_create_whiteout(struct ovl_fs *fs, int upper_dirfd, const char *name)
{
	(void)fs;
	return mknodat(upper_dirfd, name, S_IFCHR | 0, makedev(0, 0)) ? -errno : 0;
}

int ovl_set_opaque(struct ovl_fs *fs, int dirfd)
{
	return fsetxattr(dirfd, fs->xa_opaque, "y", 1, 0) ? -errno : 0;
}

/* "impure": the dir may hold copied-up entries (the kernel uses it to find
 * entries whose origin, hence inode number, it must look up). */
int ovl_set_impure(struct ovl_fs *fs, int dirfd)
{
	char v;
	if (fgetxattr(dirfd, fs->xa_impure, &v, 1) == 1 && v == 'y')
		return 0;       /* do not touch ctime needlessly */
	if (fsetxattr(dirfd, fs->xa_impure, "y", 1, 0) && errno != EOPNOTSUPP)
		return -errno;
	return 0;
}

int ovl_upper_whiteout_at(int parent, const char *name)
{
	struct stat st;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	return ovl_is_whiteout(&st) ? 1 : -EEXIST;
}

void ovl_restore_times(int dirfd, const struct stat *before)
{
	struct timespec ts[2] = { before->st_atim, before->st_mtim };
	(void)futimens(dirfd, ts);     /* cosmetic: never fail the operation for it */
}

int ovl_clear_whiteouts(struct ovl_fs *fs, int dirfd)
{
	(void)fs;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	int err = 0;
	/* Two passes: refuse before removing anything if a real entry is there. */
	for (int pass = 0; pass < 2 && !err; pass++) {
		struct dirent *de;
		rewinddir(dir);
		errno = 0;
		while ((de = readdir(dir))) {
			struct stat st;
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
				err = -errno;
				break;
			}
			if (!ovl_is_whiteout(&st)) {
				err = -ENOTEMPTY;
				break;
			}
			if (pass == 1 && unlinkat(dirfd, de->d_name, 0) && errno != ENOENT) {
				err = -errno;
				break;
			}
		}
	}
	closedir(dir);
	return err;
}

int ovl_install(struct ovl_fs *fs, const char *tmp, int parent, const char *name,
		bool over_whiteout)
{
	if (!over_whiteout)
		return renameat2(fs->work_fd, tmp, parent, name, RENAME_NOREPLACE) ? -errno : 0;
	/* Swap with the whiteout: the name is never free, so the lower entry
	 * it hides can never show through. */
	if (renameat2(fs->work_fd, tmp, parent, name, RENAME_EXCHANGE))
		return -errno;
	(void)unlinkat(fs->work_fd, tmp, 0);   /* the old whiteout; garbage if it stays */
	return 0;
}

/* Get rid of a victim already moved into the work dir. */
static void drop_from_work(struct ovl_fs *fs, const char *tmp, bool is_dir)
{
	if (!is_dir) {
		(void)unlinkat(fs->work_fd, tmp, 0);
		return;
	}
	int fd = openat(fs->work_fd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		(void)ovl_clear_whiteouts(fs, fd);
		close(fd);
	}
	(void)unlinkat(fs->work_fd, tmp, AT_REMOVEDIR);
}

/* Whiteout in work, then swap it with the victim: for filesystems without
 * RENAME_WHITEOUT. */
static int exchange_with_whiteout(struct ovl_fs *fs, int parent, const char *name,
				  char tmp[OVL_TMPNAME_MAX])
{
	int err = -EEXIST;
	for (int i = 0; i < 8 && err == -EEXIST; i++) {
		ovl_tmpname(fs, tmp);
		err = ovl_create_whiteout(fs, fs->work_fd, tmp);
	}
	if (err)
		return err;
	if (renameat2(fs->work_fd, tmp, parent, name, RENAME_EXCHANGE)) {
		err = -errno;
		(void)unlinkat(fs->work_fd, tmp, 0);
	}
	return err;
}

int ovl_remove_upper(struct ovl_fs *fs, int parent, const char *name, bool is_dir,
		     bool whiteout)
{
	char tmp[OVL_TMPNAME_MAX];
	if (!whiteout) {
		if (!unlinkat(parent, name, is_dir ? AT_REMOVEDIR : 0))
			return 0;
		if (!is_dir || (errno != ENOTEMPTY && errno != EEXIST))
			return -errno;
		/* Only whiteouts left inside: move the dir out of sight first,
		 * so it disappears from upper in one step. */
	}
	int err = -EEXIST;
	for (int i = 0; i < 8 && err == -EEXIST; i++) {
		ovl_tmpname(fs, tmp);
		if (!renameat2(parent, name, fs->work_fd, tmp,
			       RENAME_NOREPLACE | (whiteout ? RENAME_WHITEOUT : 0)))
			err = 0;
		else
			err = -errno;
	}
	if (whiteout && (err == -EINVAL || err == -EOPNOTSUPP))
		err = exchange_with_whiteout(fs, parent, name, tmp);
	if (err)
		return err;
	drop_from_work(fs, tmp, is_dir);
	return 0;
}

/*
 * Remove what a crashed run left in the work dir: only our own temporaries
 * ("#ovl.*"), which are never reachable from upper.  A directory there is
 * empty or holds whiteouts only (a removed upper dir being emptied);
 * anything else is left alone rather than guessed at.
 */
int ovl_work_clean(struct ovl_fs *fs)
{
	if (fs->work_fd < 0)
		return 0;
	int fd = openat(fs->work_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "#ovl.", 5))
			continue;
		if (!unlinkat(fs->work_fd, de->d_name, 0) || errno != EISDIR)
			continue;
		int d = openat(fs->work_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			       O_CLOEXEC);
		if (d >= 0) {
			if (!ovl_clear_whiteouts(fs, d))
				(void)unlinkat(fs->work_fd, de->d_name, AT_REMOVEDIR);
			close(d);
		}
	}
	closedir(dir);
	return 0;
}
