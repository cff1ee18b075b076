/* Direct access to the real object behind an entry: for the engine's own
 * opens and for callers that hand the object to the kernel (bind mounts of
 * executables, FIFOs and sockets). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "internal.h"

static bool same_object(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       (a->st_mode & S_IFMT) == (b->st_mode & S_IFMT);
}

/* Another object is under e's name: what is cached of the name goes, so
 * that the caller's next lookup reads the host (a lower file the host
 * replaced, outside changes being undefined, would else stay ESTALE). */
static int stale(struct ovl_fs *fs, const struct ovl_entry *e)
{
	ovl_dcache_invalidate(fs, e->path, false);
	return -ESTALE;
}

int ovl_open_real(struct ovl_fs *fs, const struct ovl_entry *e, int flags)
{
	const char *name;
	int dirfd = ovl_entry_real_at(e, &name);
	if (dirfd < 0)
		return dirfd;
	/* the root is its own topmost dir ("" with AT_EMPTY_PATH semantics) */
	const char *at = name[0] ? name : ".";
	int fd = openat(dirfd, at, flags | O_NOFOLLOW | O_CLOEXEC);
	int open_err = errno;
	/* A change beside the caller's lookup may have put another object
	 * under the name since (a whiteout, a dir, another file): never hand
	 * that out; the caller looks up again. */
	struct stat st;
	if (fd >= 0 ? fstat(fd, &st) : fstatat(dirfd, at, &st, AT_SYMLINK_NOFOLLOW)) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		return err == ENOENT ? stale(fs, e) : -err;
	}
	if (!same_object(&st, &e->st)) {
		if (fd >= 0)
			close(fd);
		return stale(fs, e);
	}
	return fd < 0 ? -open_err : fd;
}

size_t ovl_fd_path_len(int fd)
{
	char proc[32], buf[PATH_MAX];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(proc, buf, sizeof(buf));
	return n > 0 && n < PATH_MAX ? (size_t)n : 0;
}

bool ovl_upper_path_deep(const struct ovl_fs *fs, const char *canon)
{
	size_t root = fs->layers[OVL_UPPER].root_len;
	return (root ? root : PATH_MAX / 2) + strlen(canon) >= PATH_MAX - 1;
}

static bool deep_upper(const struct ovl_fs *fs, const struct ovl_entry *e)
{
	return e->layer == OVL_UPPER && !S_ISDIR(e->type) && ovl_upper_path_deep(fs, e->path);
}

int ovl_open_handed(struct ovl_fs *fs, const struct ovl_entry *e, int flags)
{
	int fd = ovl_open_real(fs, e, flags);
	/* an index entry's fd reads as the name it was opened by (its link
	 * names the index), a deep upper file's has none: where it was
	 * opened is recorded (overlay/handed.c), as for a lower one's */
	if (fd >= 0 && (e->indexed || deep_upper(fs, e)))
		ovl_handed_record(fs, e->st.st_dev, e->st.st_ino, e->path, e->handed_seq);
	return fd;
}
