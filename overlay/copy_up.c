/*
 * Copy-up: make the topmost lower object of an entry (and first every
 * ancestor directory missing from upper) a complete upper object, as the
 * kernel's overlayfs does with index=off, metacopy=off.
 *
 * Never a partial object under its final name: regular files are built
 * unnamed (O_TMPFILE in the upper parent) and linked in when complete; the
 * rest is built under a temporary name in the work dir and renamed in with
 * RENAME_NOREPLACE.  Order matters: data, then owner (chown clears suid and
 * security.capability), then mode, then xattrs, then times (every earlier
 * step touches them).  The upper parent's atime/mtime are restored after,
 * as the kernel does: a copy-up is not a change of the directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "upper.h"

/* Lower objects are read with O_NOATIME where allowed: copy-up is no access. */
static int open_source(int parent, const char *name, int flags)
{
	int fd = openat(parent, name, flags | O_NOATIME | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EPERM)
		fd = openat(parent, name, flags | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Owner, mode, xattrs, origin and times on an object we hold an fd of
 * (regular file, directory). */
static int set_meta_fd(struct ovl_fs *fs, int fd, const struct ovl_xnode *src,
		       const struct stat *st)
{
	struct ovl_xnode dst;
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	ovl_xnode_init(&dst, fd, false);
	int err = ovl_chown_chmod_fd(fs, fd, st->st_uid, st->st_gid, st->st_mode);
	if (!err)
		err = ovl_copy_xattrs(fs, src, &dst);
	if (!err)
		err = ovl_set_origin(fs, src, &dst);
	if (!err && futimens(fd, ts))
		err = -errno;
	return err;
}

/* The same for a symlink or special file named tmp in the work dir. */
static int set_meta_at(struct ovl_fs *fs, const char *tmp, const struct ovl_xnode *src,
		       const struct stat *st)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	int w = fs->work_fd;
	if (fchownat(w, tmp, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (!S_ISLNK(st->st_mode) && fchmodat(w, tmp, st->st_mode & 07777, 0))
		return -errno;
	int fd = openat(w, tmp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct ovl_xnode dst;
	ovl_xnode_init(&dst, fd, true);
	int err = ovl_copy_xattrs(fs, src, &dst);
	if (!err)
		err = ovl_set_origin(fs, src, &dst);
	close(fd);
	if (!err && utimensat(w, tmp, ts, AT_SYMLINK_NOFOLLOW))
		err = -errno;
	return err;
}

/* linkat of an O_TMPFILE fd: AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH, the
 * /proc form works without it. */
static int link_tmpfile(int fd, int parent, const char *name)
{
	if (!linkat(fd, "", parent, name, AT_EMPTY_PATH))
		return 0;
	if (errno != ENOENT && errno != EPERM)
		return -errno;
	char proc[32];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, parent, name, AT_SYMLINK_FOLLOW) ? -errno : 0;
}

/* Data (unless nodata) and metadata of src into fd, a new regular file. */
static int fill_reg(struct ovl_fs *fs, int fd, int src, const struct stat *st, bool nodata)
{
	struct ovl_xnode sx;
	ovl_xnode_init(&sx, src, false);
	int err = nodata ? 0 : ovl_copy_data(src, fd, st->st_size);
	return err ? err : set_meta_fd(fs, fd, &sx, st);
}

/* ---- copies made before the locks ---- */

/* A complete, unnamed copy of a lower file (O_TMPFILE in the work dir),
 * made by a change before it takes its locks, so that a large file's data
 * moves while every other change goes on; the copy-up under the locks
 * links it in (take_staged) if it is still the same lower object. */
struct ovl_staged {
	struct ovl_staged *next;        /* fs->staged, under fs->staged_lock */
	dev_t dev;                      /* the source */
	ino_t ino;
	int fd;                         /* -1 once taken */
};

int ovl_copy_up_stage(struct ovl_fs *fs, const struct ovl_entry *e, struct ovl_staged **out)
{
	*out = NULL;
	const char *name;
	int dirfd;
	/* (an indexed name's copy-up is a link) */
	if (!S_ISREG(e->type) || e->layer == OVL_UPPER || e->indexed || !ovl_fs_writable(fs) ||
	    fs->work_fd < 0 || (dirfd = ovl_entry_real_at(e, &name)) < 0)
		return 0;
	int src = open_source(dirfd, name, O_RDONLY);
	if (src < 0)
		return src;
	struct ovl_staged *s = calloc(1, sizeof(*s));
	struct stat st;
	int err = !s ? -ENOMEM : fstat(src, &st) ? -errno : 0;
	int fd = err ? -1 : openat(fs->work_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (!err && fd < 0)
		err = -errno;
	if (!err)
		err = fill_reg(fs, fd, src, &st, false);
	close(src);
	if (err) {
		if (fd >= 0)
			close(fd);
		free(s);
		return err;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->fd = fd;
	pthread_mutex_lock(&fs->staged_lock);
	s->next = fs->staged;
	fs->staged = s;
	pthread_mutex_unlock(&fs->staged_lock);
	*out = s;
	return 0;
}

void ovl_copy_up_unstage(struct ovl_fs *fs, struct ovl_staged *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&fs->staged_lock);
	struct ovl_staged **pp = &fs->staged;
	while (*pp != s)
		pp = &(*pp)->next;
	*pp = s->next;
	pthread_mutex_unlock(&fs->staged_lock);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

/* A staged copy of the object st describes, now ours to link; -1 if none. */
static int take_staged(struct ovl_fs *fs, const struct stat *st)
{
	int fd = -1;
	pthread_mutex_lock(&fs->staged_lock);
	for (struct ovl_staged *s = fs->staged; s && fd < 0; s = s->next) {
		if (s->fd >= 0 && s->dev == st->st_dev && s->ino == st->st_ino) {
			fd = s->fd;
			s->fd = -1;
		}
	}
	pthread_mutex_unlock(&fs->staged_lock);
	return fd;
}

static int copy_up_reg(struct ovl_fs *fs, int parent, const char *name, int src,
		       const struct stat *st, unsigned flags)
{
	int staged = flags & OVL_COPY_UP_NODATA ? -1 : take_staged(fs, st);
	if (staged >= 0) {
		int err = link_tmpfile(staged, parent, name);
		close(staged);
		return err;
	}
	char tmp[OVL_TMPNAME_MAX] = "";
	int fd = openat(parent, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return -errno;
	for (int i = 0; fd < 0 && i < 8; i++) {    /* no O_TMPFILE here: work dir */
		ovl_tmpname(fs, tmp);
		fd = openat(fs->work_fd, tmp, O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			return -errno;
	}
	if (fd < 0)
		return -EEXIST;
	int err = fill_reg(fs, fd, src, st, flags & OVL_COPY_UP_NODATA);
	if (!err)
		err = tmp[0] ? ovl_install(fs, tmp, parent, name, false)
			     : link_tmpfile(fd, parent, name);
	if (err && tmp[0])
		(void)unlinkat(fs->work_fd, tmp, 0);
	close(fd);
	return err;
}

static int copy_up_dir(struct ovl_fs *fs, int parent, const char *name, int src,
		       const struct stat *st)
{
	char tmp[OVL_TMPNAME_MAX];
	int err = -EEXIST;
	for (int i = 0; i < 8 && err == -EEXIST; i++) {
		ovl_tmpname(fs, tmp);
		err = mkdirat(fs->work_fd, tmp, 0700) ? -errno : 0;
	}
	if (err)
		return err;
	int fd = openat(fs->work_fd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
	} else {
		struct ovl_xnode sx;
		ovl_xnode_init(&sx, src, false);
		err = set_meta_fd(fs, fd, &sx, st);
		close(fd);
	}
	if (!err)
		err = ovl_install(fs, tmp, parent, name, false);
	if (err)
		(void)unlinkat(fs->work_fd, tmp, AT_REMOVEDIR);
	return err;
}

/* Symlinks, FIFOs, sockets, devices. */
static int copy_up_node(struct ovl_fs *fs, int parent, const char *name, int src,
			const struct stat *st)
{
	char tmp[OVL_TMPNAME_MAX], target[PATH_MAX];
	ssize_t len = 0;
	if (S_ISLNK(st->st_mode)) {
		len = readlinkat(src, "", target, sizeof(target) - 1);
		if (len < 0)
			return -errno;
		target[len] = 0;
	}
	int err = -EEXIST;
	for (int i = 0; i < 8 && err == -EEXIST; i++) {
		ovl_tmpname(fs, tmp);
		int r = S_ISLNK(st->st_mode)
			? symlinkat(target, fs->work_fd, tmp)
			: mknodat(fs->work_fd, tmp, (st->st_mode & S_IFMT) | 0600, st->st_rdev);
		err = r ? -errno : 0;
	}
	if (err)
		return err;
	struct ovl_xnode sx;
	ovl_xnode_init(&sx, src, true);
	err = set_meta_at(fs, tmp, &sx, st);
	if (!err)
		err = ovl_install(fs, tmp, parent, name, false);
	if (err)
		(void)unlinkat(fs->work_fd, tmp, 0);
	return err;
}

/* A lower hard link, index on: its copy is (or already was) made as index
 * entry hex, and linked to parent/name. */
static int copy_up_indexed(struct ovl_fs *fs, int parent, const char *name, int src,
			   const struct stat *st, unsigned flags, const char *hex)
{
	struct stat ist;
	int err = 0, copy = -1;
	/* A regular file's copy is made unnamed before the index lock (as a
	 * staged one, or here): a large file stalls only its caller. */
	if (S_ISREG(st->st_mode) && fstatat(fs->index_fd, hex, &ist, AT_SYMLINK_NOFOLLOW)) {
		if (!(flags & OVL_COPY_UP_NODATA))
			copy = take_staged(fs, st);
		if (copy < 0) {
			copy = openat(fs->index_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
			if (copy >= 0 &&
			    (err = fill_reg(fs, copy, src, st, flags & OVL_COPY_UP_NODATA))) {
				close(copy);
				return err;
			}
		}
	}
	pthread_mutex_lock(&fs->index_lock);
	if (fstatat(fs->index_fd, hex, &ist, AT_SYMLINK_NOFOLLOW)) {
		err = errno == ENOENT ? 0 : -errno;
		if (!err)
			err = copy >= 0 ? link_tmpfile(copy, fs->index_fd, hex)
			      : S_ISREG(st->st_mode) ? copy_up_reg(fs, fs->index_fd, hex, src, st, flags)
						     : copy_up_node(fs, fs->index_fd, hex, src, st);
		/* (a new entry's flags: a link-up's are the entry's already) */
		if (!err && (S_ISREG(st->st_mode) || S_ISDIR(st->st_mode)))
			err = ovl_copy_fsflags(fs, src, fs->index_fd, hex);
		if (!err)
			err = ovl_index_made(fs, hex, st->st_nlink);
	} else if ((ist.st_mode & S_IFMT) != (st->st_mode & S_IFMT)) {
		err = -EIO;             /* the kernel's "bad index" */
	}
	if (!err)
		err = ovl_index_link_up(fs, hex, st->st_nlink, parent, name);
	pthread_mutex_unlock(&fs->index_lock);
	if (copy >= 0)
		close(copy);            /* (not linked: another's copy was first) */
	return err;
}

/* Copy src_parent/name (a lower) to parent/name (upper, name free). */
static int copy_up_one(struct ovl_fs *fs, int parent, const char *name, int src_parent,
		       unsigned flags)
{
	struct stat st, pst;
	if (fstatat(src_parent, name, &st, AT_SYMLINK_NOFOLLOW) || fstat(parent, &pst))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		ovl_copied_mark(fs, st.st_dev, st.st_ino);  /* before the copy can show */
	int oflags = S_ISREG(st.st_mode) ? O_RDONLY
		   : S_ISDIR(st.st_mode) ? O_RDONLY | O_DIRECTORY : O_PATH;
	int src = open_source(src_parent, name, oflags);
	if (src < 0)
		return src;
	/* Before the object appears: "impure" is only ever a superset. */
	int err = ovl_set_impure(fs, parent);
	char hex[OVL_INDEX_NAME_MAX];
	bool indexed = !err && ovl_index_wanted(fs, src_parent, name, &st, hex);
	if (!err) {
		if (indexed)
			err = copy_up_indexed(fs, parent, name, src, &st, flags, hex);
		else if (S_ISREG(st.st_mode))
			err = copy_up_reg(fs, parent, name, src, &st, flags);
		else if (S_ISDIR(st.st_mode))
			err = copy_up_dir(fs, parent, name, src, &st);
		else
			err = copy_up_node(fs, parent, name, src, &st);
	}
	/* (the flags last: immutable or append-only would refuse the rest) */
	if (!err && !indexed && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
		err = ovl_copy_fsflags(fs, src, parent, name);
	close(src);
	/* no_fh: which lower file the copy is, for this run (no record can
	 * say it; origin.c) */
	struct stat ust;
	if (!err && fs->no_fh && !S_ISDIR(st.st_mode) && st.st_nlink == 1 &&
	    !fstatat(parent, name, &ust, AT_SYMLINK_NOFOLLOW))
		ovl_origin_remember(fs, st.st_mode & S_IFMT, ust.st_dev, ust.st_ino, st.st_dev,
				    st.st_ino);
	if (!err)
		ovl_restore_times(parent, &pst);
	return err;
}

/* The merged root: every layer's root, top-down. */
static int root_dir(struct ovl_fs *fs, struct ovl_dir *d)
{
	for (int i = 0; i < fs->nlayers; i++) {
		if (fs->layers[i].fd < 0)
			continue;
		int fd = openat(fs->layers[i].fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int err = fd < 0 ? -errno : ovl_dir_push(d, fd, i);
		if (err) {
			if (fd >= 0)
				close(fd);
			ovl_dir_release(d);
			return err;
		}
	}
	return 0;
}

/* Drop the cached dir at path[0..len) and below. */
static void invalidate_prefix(struct ovl_fs *fs, const char *path, size_t len)
{
	char p[OVL_PATH_MAX];
	memcpy(p, path, len);
	p[len] = 0;
	ovl_dcache_invalidate(fs, p, true);
}

int ovl_copy_up_parent(struct ovl_fs *fs, struct ovl_entry *e)
{
	if (ovl_dir_upper_fd(&e->parent) >= 0)
		return 0;
	if (!ovl_fs_writable(fs) || fs->work_fd < 0)
		return -EROFS;
	if (e->parent.n == 0)
		return -EINVAL;         /* the root has no parent */

	/* Walk down from the root, copying up each missing directory. */
	struct ovl_dir cur = { .n = 0 };
	int err = root_dir(fs, &cur);
	if (err)
		return err;
	size_t plen = (size_t)(e->name - e->path);
	for (size_t i = 0; i < plen && !err;) {
		char comp[NAME_MAX + 1];
		size_t n = 0;
		while (i < plen && e->path[i] == '/')
			i++;
		while (i < plen && e->path[i] != '/' && n < NAME_MAX)
			comp[n++] = e->path[i++];
		comp[n] = 0;
		if (!n)
			break;
		struct ovl_dir child = { .n = 0 };
		struct stat st;
		mode_t type;
		int layer;
		/* looked at, then again under its parent's lock (another
		 * change may copy it up meanwhile), then copied up */
		struct ovl_dirlock *lock = NULL;
		for (int pass = 0; pass < 3 && !err; pass++) {
			err = ovl_lookup_one(fs, &cur, comp, &type, &layer, &st, &child);
			if (!err && type != S_IFDIR)
				err = type ? -ENOTDIR : -ENOENT;
			if (err || ovl_dir_upper_fd(&child) >= 0)
				break;
			if (pass == 2 || child.n == 0) {
				err = -EIO;     /* copied up, yet not found in upper */
				break;
			}
			int src = child.layer[0];
			ovl_dir_release(&child);
			if (!lock) {
				err = ovl_lock_parent_of(fs, e->path, i, &lock);
				continue;
			}
			err = copy_up_one(fs, cur.fd[0], comp,
					  cur.fd[ovl_dir_index(&cur, src)], 0);
			/* the dir gained an upper: its cached layers are wrong */
			invalidate_prefix(fs, e->path, i);
		}
		if (lock)
			ovl_unlock_dir(fs, lock);
		ovl_dir_move(&cur, &child);
	}
	if (err) {
		ovl_dir_release(&cur);
		return err;
	}
	ovl_entry_drop_parent(e);
	ovl_dir_move(&e->parent, &cur);
	return 0;
}

int ovl_copy_up_flags(struct ovl_fs *fs, struct ovl_entry *e, unsigned flags)
{
	if (e->type == 0)
		return -ENOENT;
	if (e->layer == OVL_UPPER)
		return 0;
	if (!ovl_fs_writable(fs) || fs->work_fd < 0)
		return -EROFS;
	if (e->parent.n == 0)
		return 0;               /* the root's upper always exists */
	int err = ovl_copy_up_parent(fs, e);
	if (err)
		return err;
	int i = ovl_dir_index(&e->parent, e->layer);
	if (i < 0)
		return -ESTALE;
	err = copy_up_one(fs, e->parent.fd[0], e->name, e->parent.fd[i], flags);
	/* A copied-up object lives in a new layer, a dir has new
	 * participating layers (even after a failure, to be safe): forget it
	 * and, for a dir, what was cached below it. */
	ovl_dcache_invalidate(fs, e->path, S_ISDIR(e->type));
	if (err)
		return err;
	/* (an indexed name's object was the index entry already) */
	if (S_ISREG(e->type) && !e->indexed)
		ovl_copied_done(fs, e->st.st_dev, e->st.st_ino);
	/* Same names, but the entry's real inode (hence d_ino) is new. */
	ovl_listing_invalidate(fs, &e->parent);
	return ovl_entry_refresh(fs, e);
}

int ovl_copy_up(struct ovl_fs *fs, struct ovl_entry *e)
{
	if (e->type == 0)
		return -ENOENT;
	if (e->layer == OVL_UPPER)
		return 0;
	OVL_HOLD(h);
	int err = ovl_hold_entry(fs, &h, e);
	return err ? err : ovl_copy_up_flags(fs, e, 0);
}
