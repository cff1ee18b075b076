/*
 * Owners, modes and types a run by a user cannot give a host file (an id
 * its user namespace does not map, a device node), kept as rootless
 * containers keep them: the xattr user.containers.override_stat,
 * "UID:GID:MODE:TYPE" (MODE the permission bits in octal; TYPE one of
 * file, dir, symlink, pipe, socket, block-MAJ-MIN, char-MAJ-MIN; an older
 * form has no TYPE), which the image storage of rootless podman writes for
 * the files it unpacks and fuse-overlayfs reads.  With cfg override_stat
 * the overlay shows such a file as its record says, in every layer (an
 * image unpacked so is a lower like any other), and keeps there what a
 * chown, chmod or mknod could not make on the host.  The record is the
 * overlay's own: the command neither sees nor sets it (xattr.c).
 * Only regular files and dirs carry user.* xattrs: a device node is kept
 * as an empty regular file whose record says what it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "internal.h"

#define RECORD_MAX 96

static const struct { const char *name; mode_t type; } types[] = {
	{ "file", S_IFREG }, { "dir", S_IFDIR }, { "symlink", S_IFLNK },
	{ "pipe", S_IFIFO }, { "socket", S_IFSOCK },
};

/* Parse a record into st; -EINVAL if it is none (then ignored). */
static int parse(const char *rec, struct stat *st)
{
	unsigned long uid, gid, mode;
	char type[40] = "";
	int n = sscanf(rec, "%lu:%lu:%lo:%39s", &uid, &gid, &mode, type);
	if (n < 3 || uid > 0xfffffffeUL || gid > 0xfffffffeUL)
		return -EINVAL;
	mode_t t = st->st_mode & S_IFMT;
	dev_t rdev = st->st_rdev;
	if (n == 4) {
		unsigned maj, min;
		size_t k;
		for (k = 0; k < sizeof(types) / sizeof(types[0]); k++)
			if (!strcmp(type, types[k].name))
				break;
		if (k < sizeof(types) / sizeof(types[0])) {
			t = types[k].type;
		} else if (sscanf(type, "block-%u-%u", &maj, &min) == 2) {
			t = S_IFBLK;
			rdev = makedev(maj, min);
		} else if (sscanf(type, "char-%u-%u", &maj, &min) == 2) {
			t = S_IFCHR;
			rdev = makedev(maj, min);
		} else {
			return -EINVAL;
		}
	} else if (mode & S_IFMT) {
		t = (mode_t)mode & S_IFMT;      /* (the older form may carry it) */
		if (t != S_IFREG && t != S_IFDIR && t != S_IFIFO && t != S_IFSOCK &&
		    t != S_IFCHR && t != S_IFBLK)
			return -EINVAL;
	}
	if (mode & ~(unsigned long)(S_IFMT | 07777))
		return -EINVAL;
	/* a record turns a regular file into another kind, never a dir into
	 * a file or the reverse (the walk trusts what a dir is), nor a file
	 * into a symlink (it would have no target to read) */
	if ((t == S_IFDIR) != S_ISDIR(st->st_mode) || t == S_IFLNK)
		return -EINVAL;
	st->st_uid = (uid_t)uid;
	st->st_gid = (gid_t)gid;
	st->st_mode = t | ((mode_t)mode & 07777);
	st->st_rdev = rdev;
	if (t != S_IFREG && t != S_IFDIR)
		st->st_size = 0;
	return 0;
}

/* The record of (dirfd, name; "" for dirfd itself) applied to st, its
 * lstat: 0 whether or not it has one. */
int ovl_override_at(const struct ovl_fs *fs, int dirfd, const char *name, struct stat *st)
{
	if (!fs->override_stat || !(S_ISREG(st->st_mode) || S_ISDIR(st->st_mode)))
		return 0;
	char rec[RECORD_MAX + 1];
	ssize_t n = ovl_xattr_get_at(dirfd, name, OVL_OVERRIDE_XATTR, rec, RECORD_MAX);
	/* (none, or none the supervisor may read: a file the user cannot read,
	 * the host root's, has no record of the user's) */
	if (n <= 0)
		return 0;
	rec[n] = 0;
	(void)parse(rec, st);   /* (a record it cannot read is not the overlay's) */
	return 0;
}

int ovl_override_format(const struct stat *st, char *buf, size_t size)
{
	char type[40];
	const char *tn = NULL;
	for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++)
		if ((st->st_mode & S_IFMT) == types[k].type)
			tn = types[k].name;
	if (!tn) {
		snprintf(type, sizeof(type), "%s-%u-%u", S_ISBLK(st->st_mode) ? "block" : "char",
			 major(st->st_rdev), minor(st->st_rdev));
		tn = type;
	}
	int n = snprintf(buf, size, "%u:%u:%04o:%s", (unsigned)st->st_uid, (unsigned)st->st_gid,
			 (unsigned)(st->st_mode & 07777), tn);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : n;
}

int ovl_shown_lstat(const struct ovl_fs *fs, int dirfd, const char *name, struct stat *st)
{
	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW | (name[0] ? 0 : AT_EMPTY_PATH)))
		return -errno;
	return ovl_override_at(fs, dirfd, name, st);
}

int ovl_chown_chmod_fd(const struct ovl_fs *fs, int fd, uid_t uid, gid_t gid, mode_t mode)
{
	if (!fchown(fd, uid, gid))
		return fchmod(fd, mode & 07777) ? -errno : 0;
	/* EINVAL: an id the host takes from no one here (a run by a user) */
	if (errno != EINVAL || !fs->override_stat || fchmod(fd, mode & 07777))
		return -errno;
	return ovl_override_chown_at(fs, fd, "", uid, gid);   /* (with the mode) */
}

/* Write the record of st's owner, mode and type on fd. */
static int record_fd(int fd, const struct stat *st)
{
	char rec[RECORD_MAX], proc[64];
	int n = ovl_override_format(st, rec, sizeof(rec));
	if (n < 0)
		return n;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return setxattr(proc, OVL_OVERRIDE_XATTR, rec, (size_t)n, 0) ? -errno : 0;
}

static bool has_record(int fd)
{
	return ovl_xattr_get_at(fd, "", OVL_OVERRIDE_XATTR, NULL, 0) > 0;
}

bool ovl_override_recorded(const struct ovl_fs *fs, int fd)
{
	return fs->override_stat && has_record(fd);
}

/* An O_PATH fd of (dirfd, name; "" for dirfd) and its lstat; whether it
 * is a file or dir with a record in *recorded: the fd, or -errno. */
static int open_object(const struct ovl_fs *fs, int dirfd, const char *name, struct stat *st,
		       bool *recorded)
{
	int fd = name[0] ? openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)
			 : fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st)) {
		int err = -errno;
		close(fd);
		return err;
	}
	*recorded = fs->override_stat && (S_ISREG(st->st_mode) || S_ISDIR(st->st_mode)) &&
		    has_record(fd);
	return fd;
}

int ovl_override_chown_at(const struct ovl_fs *fs, int dirfd, const char *name, uid_t uid,
			  gid_t gid)
{
	struct stat st;
	bool recorded;
	int fd = open_object(fs, dirfd, name, &st, &recorded), err = 0;
	if (fd < 0)
		return fd;
	if (!recorded) {
		err = fchownat(fd, "", uid, gid, AT_EMPTY_PATH) ? -errno : 0;
		/* EINVAL: an id the namespace does not map */
		if (err != -EINVAL || !fs->override_stat ||
		    !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
			goto out;
	}
	struct stat shown = st;
	ovl_override_at(fs, fd, "", &shown);
	if (uid != (uid_t)-1)
		shown.st_uid = uid;
	if (gid != (gid_t)-1)
		shown.st_gid = gid;
	err = record_fd(fd, &shown);
out:
	close(fd);
	return err;
}

int ovl_override_chmod_at(const struct ovl_fs *fs, int dirfd, const char *name, mode_t mode)
{
	if (!fs->override_stat)
		return 0;
	struct stat st;
	bool recorded;
	int fd = open_object(fs, dirfd, name, &st, &recorded), err = 0;
	if (fd < 0)
		return fd;
	if (recorded) {
		ovl_override_at(fs, fd, "", &st);
		st.st_mode = (st.st_mode & S_IFMT) | (mode & 07777);
		err = record_fd(fd, &st);
	}
	close(fd);
	return err;
}

int ovl_override_node_at(const struct ovl_fs *fs, int dirfd, const char *name, mode_t mode,
			 dev_t rdev, uid_t uid, gid_t gid)
{
	if (!fs->override_stat)
		return -EPERM;
	int fd = openat(dirfd, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	struct stat st = { .st_mode = mode, .st_rdev = rdev, .st_uid = uid, .st_gid = gid };
	int err = record_fd(fd, &st);
	close(fd);
	if (err)
		(void)unlinkat(dirfd, name, 0);
	return err;
}
