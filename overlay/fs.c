/*
 * The overlay's layers and configuration: layer fds (owned copies), st_dev
 * numbering, the private xattr names, hidden dirs and pass-through paths,
 * and the small predicates every other file asks about real entries.
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "internal.h"

#define OVL_DEFAULT_XATTR_PREFIX "trusted.overlay."

/* Bits at the top of a directory inode number that carry the fsidx: 8,
 * or as many as the number of filesystems needs (each of 500 lowers may
 * be one of its own). */
#define OVL_FSIDX_SHIFT 56

/* Our own copy of a layer's root fd, its st_dev and mount id in l. */
static int dup_dir(int fd, struct ovl_layer *l)
{
	struct statx stx;
	if (fd < 0 || statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_MNT_ID, &stx))
		return -EBADF;
	if (!S_ISDIR(stx.stx_mode))
		return -ENOTDIR;
	l->dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	l->mnt_id = stx.stx_mask & STATX_MNT_ID ? stx.stx_mnt_id : 0;
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	return d < 0 ? -errno : d;
}

/*
 * fsidx 0 is kept for the upper's filesystem (lowers on it share it); every
 * other distinct st_dev gets the next index, top-down, as the kernel's xino
 * numbering does.  A read-only overlay therefore has no fsidx 0.
 */
static void number_filesystems(struct ovl_fs *fs)
{
	unsigned next = 1;
	for (int i = 0; i < fs->nlayers; i++) {
		struct ovl_layer *l = &fs->layers[i];
		if (l->fd < 0)
			continue;
		if (i == OVL_UPPER) {
			l->fsidx = 0;
			continue;
		}
		bool found = false;
		for (int j = 0; j < i && !found; j++) {
			if (fs->layers[j].fd >= 0 && fs->layers[j].dev == l->dev) {
				l->fsidx = fs->layers[j].fsidx;
				found = true;
			}
		}
		if (!found)
			l->fsidx = next++;
	}
	fs->fsidx_shift = OVL_FSIDX_SHIFT;
	while ((next - 1) >> (64 - fs->fsidx_shift))
		fs->fsidx_shift--;
}

static int set_xattr_names(struct ovl_fs *fs, const char *prefix)
{
	if (!prefix)
		prefix = OVL_DEFAULT_XATTR_PREFIX;
	size_t n = strlen(prefix);
	if (n == 0 || n >= sizeof(fs->xattr_prefix))
		return -EINVAL;
	memcpy(fs->xattr_prefix, prefix, n + 1);
	fs->xattr_prefix_len = n;
	struct { char *name; const char *what; } names[] = {
		{ fs->xa_opaque, "opaque" }, { fs->xa_origin, "origin" },
		{ fs->xa_impure, "impure" }, { fs->xa_redirect, "redirect" },
		{ fs->xa_nlink, "nlink" }, { fs->xa_upper, "upper" },
		{ fs->xa_protattr, "protattr" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (snprintf(names[i].name, sizeof(fs->xa_opaque), "%s%s", prefix, names[i].what) >=
		    (int)sizeof(fs->xa_opaque))
			return -EINVAL;
	return 0;
}

/* Canonical form of a pass-through path: absolute, no trailing slash. */
static int add_passthrough(struct ovl_fs *fs, const char *p)
{
	if (!p || p[0] != '/')
		return -EINVAL;
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		n--;
	char *copy = strndup(p, n);
	if (!copy)
		return -ENOMEM;
	fs->passthrough[fs->npassthrough++] = copy;
	return 0;
}

int ovl_fs_new(const struct ovl_config *cfg, struct ovl_fs **out)
{
	*out = NULL;
	if (cfg->nlower < 1 || cfg->nlower > OVL_MAX_LOWER ||
	    cfg->npassthrough < 0 || cfg->npassthrough > OVL_MAX_PASSTHROUGH ||
	    cfg->nhide < 0 || cfg->nhide > OVL_MAX_HIDE ||
	    (cfg->upper_fd >= 0 && cfg->work_fd < 0))
		return -EINVAL;
	struct ovl_fs *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->nlayers = 1 + cfg->nlower;
	fs->layers = calloc((size_t)fs->nlayers, sizeof(*fs->layers));
	if (!fs->layers) {
		free(fs);
		return -ENOMEM;
	}
	for (int i = 0; i < fs->nlayers; i++)
		fs->layers[i].fd = -1;
	fs->work_fd = -1;
	fs->index_fd = -1;
	pthread_mutex_init(&fs->listings_lock, NULL);
	pthread_mutex_init(&fs->index_lock, NULL);
	pthread_mutex_init(&fs->staged_lock, NULL);
	int err = 0;
	if (cfg->upper_fd >= 0) {
		struct ovl_layer work;
		err = dup_dir(cfg->upper_fd, &fs->layers[0]);
		if (err >= 0) {
			fs->layers[0].fd = err;
			fs->layers[0].root_len = ovl_fd_path_len(err);
			err = dup_dir(cfg->work_fd, &work);
		}
		if (err >= 0) {
			fs->work_fd = err;
			/* work-dir renames into upper need one filesystem */
			err = work.dev == fs->layers[0].dev ? 0 : -EXDEV;
		}
	}
	for (int i = 0; i < cfg->nlower && err >= 0; i++) {
		err = dup_dir(cfg->lower_fd[i], &fs->layers[i + 1]);
		if (err >= 0)
			fs->layers[i + 1].fd = err;
		fs->layers[i + 1].oci = cfg->lower_oci;
	}
	if (err >= 0)
		err = set_xattr_names(fs, cfg->xattr_prefix);
	if (err >= 0)
		err = ovl_dcache_init(fs);
	if (err >= 0)
		err = ovl_origin_init(fs);
	if (err >= 0)
		err = ovl_handed_init(fs);
	if (err >= 0)
		err = ovl_locks_init(fs);
	for (int i = 0; i < cfg->npassthrough && err >= 0; i++)
		err = add_passthrough(fs, cfg->passthrough[i]);
	if (err < 0) {
		ovl_fs_free(fs);
		return err;
	}
	number_filesystems(fs);
	fs->same_dev = true;
	for (int i = 0; i < fs->nlayers; i++)
		if (fs->layers[i].fd >= 0 && fs->layers[i].dev != fs->layers[1].dev)
			fs->same_dev = false;
	for (int i = 1; i < fs->nlayers; i++)
		ovl_layer_uuid(&fs->layers[i]);
	fs->dir_dev = cfg->dir_dev;
	fs->no_redirect = cfg->no_redirect;
	fs->no_fh = cfg->no_file_handles;
	fs->override_stat = cfg->override_stat;
	fs->in_userns = cfg->in_userns;
	if (cfg->index && fs->work_fd >= 0 && (err = ovl_index_init(fs)) < 0) {
		ovl_fs_free(fs);
		return err;
	}
	fs->nhide = cfg->nhide;
	for (int i = 0; i < cfg->nhide; i++) {
		fs->hide[i].dev = cfg->hide[i].dev;
		fs->hide[i].ino = cfg->hide[i].ino;
	}
	*out = fs;
	return 0;
}

void ovl_fs_free(struct ovl_fs *fs)
{
	if (!fs)
		return;
	ovl_listings_free(fs);
	ovl_dcache_free(fs);
	ovl_origin_free(fs);
	ovl_handed_free(fs);
	ovl_index_free(fs);
	ovl_locks_free(fs);
	for (int i = 0; i < fs->nlayers; i++)
		if (fs->layers[i].fd >= 0)
			close(fs->layers[i].fd);
	free(fs->layers);
	if (fs->work_fd >= 0)
		close(fs->work_fd);
	for (int i = 0; i < fs->npassthrough; i++)
		free(fs->passthrough[i]);
	free(fs);
}

bool ovl_fs_writable(const struct ovl_fs *fs)
{
	return fs->layers[OVL_UPPER].fd >= 0;
}

bool ovl_fs_indexed(const struct ovl_fs *fs)
{
	return fs->index_fd >= 0;
}

int ovl_layer_of_mount(const struct ovl_fs *fs, uint64_t mnt_id)
{
	for (int i = 0; mnt_id && i < fs->nlayers; i++)
		if (fs->layers[i].fd >= 0 && fs->layers[i].mnt_id == mnt_id)
			return i;
	return -1;
}

bool ovl_is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

bool ovl_is_hidden(const struct ovl_fs *fs, const struct stat *st)
{
	for (int i = 0; i < fs->nhide; i++)
		if (fs->hide[i].dev == st->st_dev && fs->hide[i].ino == st->st_ino)
			return true;
	return false;
}

int ovl_is_opaque(const struct ovl_fs *fs, int dirfd)
{
	char v[2];
	ssize_t n = fgetxattr(dirfd, fs->xa_opaque, v, sizeof(v));
	if (n < 0) {
		/* a longer value (ERANGE) is not "y"; no xattr support means none */
		if (errno == ENODATA || errno == ERANGE || errno == ENOTSUP)
			return 0;
		return -errno;
	}
	return n == 1 && v[0] == 'y';
}

uint64_t ovl_dir_ino(const struct ovl_fs *fs, int layer, ino_t real_ino)
{
	uint64_t ino = (uint64_t)real_ino;
	unsigned idx = layer >= 0 && layer < fs->nlayers ? fs->layers[layer].fsidx : 0;
	if (idx == 0)
		return ino;
	/* Inode numbers this large are rare; fold them so the tag stays. */
	unsigned shift = fs->fsidx_shift;
	if (ino >> shift)
		ino = (ino ^ (ino >> shift)) & ((1ULL << shift) - 1);
	return ino | ((uint64_t)idx << shift);
}

int ovl_passthrough_match(const struct ovl_fs *fs, const char *canon)
{
	for (int i = 0; i < fs->npassthrough; i++) {
		const char *p = fs->passthrough[i];
		size_t n = strlen(p);
		if (n == 1 && p[0] == '/')
			return 1;
		if (!strncmp(canon, p, n) && (canon[n] == 0 || canon[n] == '/'))
			return 1;
	}
	return 0;
}

void ovl_fs_listen(struct ovl_fs *fs, ovl_change_fn fn, void *ctx)
{
	fs->on_change = fn;
	fs->change_ctx = ctx;
}

void ovl_changed(struct ovl_fs *fs, const struct ovl_change *c)
{
	if (fs->on_change)
		fs->on_change(fs->change_ctx, c);
}

void ovl_changed_attr(struct ovl_fs *fs, const struct ovl_entry *e, unsigned attr)
{
	struct ovl_change c = { .kind = OVL_CHANGE_ATTR, .path = e->path, .type = e->type,
				.attr = attr };
	ovl_changed(fs, &c);
}

void ovl_forget(struct ovl_fs *fs, const char *path, const struct stat *old)
{
	ovl_dcache_invalidate(fs, path, true);
	if (old && !S_ISDIR(old->st_mode))
		ovl_origin_forget(fs, old->st_dev, old->st_ino);  /* its number may come back */
}
