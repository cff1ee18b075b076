/*
 * Copy-up origins and the inode numbers they keep.
 *
 * A copy-up records where the copy came from in the kernel's format (an
 * "origin" xattr holding a file handle of the lower object and its
 * filesystem's uuid).  As on overlayfs, an upper non-dir with an origin
 * reports the origin's (st_dev, st_ino) when the lower object had one name
 * (a hard-linked lower's names may have been copied up apart, so they could
 * not share its number): chmod, write, link or rename of a lower file keep
 * its number, in this run and the next, and in the kernel's mount of the
 * same upper.
 *
 * The answer is kept per upper inode (one direct-mapped table, origin_lock,
 * a leaf lock): an origin never changes once the object shows, so an entry
 * only goes when its inode is freed and its number may come back
 * (ovl_origin_forget, at every removal of an upper non-dir).
 *
 * Without file handles (no_fh: a user namespace) the records are empty
 * and the copies of the run say it (ovl_origin_remember): a copy keeps its
 * lower number while the run lasts, an fd of it after its last name went
 * too, as the kernel's inode does while open.  So a copy's entry stays
 * when its names go; a freed number that comes back is another object's,
 * which only counts as the copy if it has an (empty) origin record: a copy
 * made later overwrites the entry, a file made anew has none.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "upper.h"

#ifndef FS_IOC_GETFSUUID
struct fsuuid2 {
	unsigned char len;
	unsigned char uuid[16];
};
#define FS_IOC_GETFSUUID _IOR(0x15, 0, struct fsuuid2)
#endif
/* The kernel's record: version 0, magic 0xfb, length, flags, handle type,
 * the filesystem's uuid, the handle. */
enum { FB_HEAD = 5, UUID_LEN = 16, MAX_HANDLE = 128, ORIGIN_MAX = FB_HEAD + UUID_LEN + MAX_HANDLE };

struct ovl_origin_slot {
	dev_t dev;                      /* the upper inode... */
	ino_t ino;
	dev_t odev;                     /* ...and what it reports, when has */
	ino_t oino;
	bool used, has;
	bool indexed;                   /* has: a hard-linked lower's, this inode its index
					 * entry's: its link count is the index's record */
	nlink_t lower_nlink;            /* indexed: the origin's */
};
#define ORIGIN_SLOTS 4096u              /* a power of 2 */

void ovl_layer_uuid(struct ovl_layer *l)
{
	struct fsuuid2 u = { .len = UUID_LEN };
	/* (the root fd may be O_PATH, which ioctl refuses) */
	int fd = openat(l->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	l->has_uuid = fd >= 0 && !ioctl(fd, FS_IOC_GETFSUUID, &u) && u.len == UUID_LEN;
	if (l->has_uuid)
		memcpy(l->uuid, u.uuid, UUID_LEN);
	if (fd >= 0)
		close(fd);
}

int ovl_origin_init(struct ovl_fs *fs)
{
	pthread_mutex_init(&fs->origin_lock, NULL);
	fs->origins = calloc(ORIGIN_SLOTS, sizeof(*fs->origins));
	return fs->origins ? 0 : -ENOMEM;
}

void ovl_origin_free(struct ovl_fs *fs)
{
	free(fs->origins);
	fs->origins = NULL;
	free(fs->copies);
	fs->copies = NULL;
}

/* ---- no_fh: the copies of this run (origin_lock) ---- */

/* An inode's hash, for the copies and the origin slots alike. */
static uint64_t inode_hash(dev_t dev, ino_t ino)
{
	return ((uint64_t)ino ^ ((uint64_t)dev << 40)) * 0x9e3779b97f4a7c15ULL;
}

static size_t copy_hash(const struct ovl_fs *fs, dev_t dev, ino_t ino)
{
	return (size_t)(inode_hash(dev, ino) >> 20) & (fs->ccopies - 1);
}

/* Its record, or where it goes (a free one: uino 0). */
static struct ovl_copy_rec *copy_slot(struct ovl_fs *fs, dev_t dev, ino_t ino)
{
	for (size_t i = copy_hash(fs, dev, ino);; i = (i + 1) & (fs->ccopies - 1)) {
		struct ovl_copy_rec *c = &fs->copies[i];
		if (!c->uino || (c->udev == dev && c->uino == ino))
			return c;
	}
}

void ovl_origin_remember(struct ovl_fs *fs, mode_t type, dev_t udev, ino_t uino, dev_t ldev,
			 ino_t lino)
{
	pthread_mutex_lock(&fs->origin_lock);
	/* twice the size at half full (an entry per upper inode number a copy
	 * had in the run: a number that comes back takes its old entry) */
	if (2 * (fs->ncopies + 1) > fs->ccopies) {
		size_t oc = fs->ccopies, nc = !oc ? 64 : 2 * oc;
		struct ovl_copy_rec *old = fs->copies, *t = calloc(nc, sizeof(*t));
		if (t) {
			fs->copies = t;
			fs->ccopies = nc;
			for (size_t i = 0; i < oc; i++)
				if (old[i].uino)
					*copy_slot(fs, old[i].udev, old[i].uino) = old[i];
			free(old);
		}
	}
	if (fs->copies && 2 * (fs->ncopies + 1) <= fs->ccopies) {
		struct ovl_copy_rec *c = copy_slot(fs, udev, uino);
		fs->ncopies += !c->uino;
		*c = (struct ovl_copy_rec){ .udev = udev, .uino = uino, .ldev = ldev, .lino = lino,
					    .type = type };
	}
	pthread_mutex_unlock(&fs->origin_lock);
	/* what the copy's number was read as before this (its own) goes */
	ovl_origin_forget(fs, udev, uino);
}

static ssize_t read_at(const char *xa, int parent, const char *name, dev_t dev, ino_t ino,
		       void *buf, size_t n);

/* The lower inode that (dev, ino) of type, at fd or else (parent, name),
 * is a copy of in this run.  Its number may be a freed copy's: only a copy
 * of the type counts, and a file, which can, must carry an origin record
 * (a symlink or special file has no user.* record to tell: taken by type). */
static bool copy_of(struct ovl_fs *fs, int fd, int parent, const char *name, mode_t type,
		    dev_t dev, ino_t ino, dev_t *ldev, ino_t *lino)
{
	struct ovl_copy_rec c = { 0 };
	pthread_mutex_lock(&fs->origin_lock);
	if (fs->ccopies)
		c = *copy_slot(fs, dev, ino);
	pthread_mutex_unlock(&fs->origin_lock);
	if (!c.uino || c.type != (type & S_IFMT))
		return false;
	if ((S_ISREG(type) || strncmp(fs->xa_origin, "user.", 5)) &&
	    (fd >= 0 ? ovl_fd_xattr_get(fd, fs->xa_origin, NULL, 0)
		     : read_at(fs->xa_origin, parent, name, dev, ino, NULL, 0)) < 0)
		return false;
	*ldev = c.ldev;
	*lino = c.lino;
	return true;
}

/* The lower layer whose filesystem holds st_dev, or NULL. */
static const struct ovl_layer *layer_of_dev(const struct ovl_fs *fs, dev_t dev)
{
	for (int i = 1; i < fs->nlayers; i++)
		if (fs->layers[i].fd >= 0 && fs->layers[i].dev == dev)
			return &fs->layers[i];
	return NULL;
}

/* The origin record of the object at (dirfd, name; "" for dirfd itself);
 * its length, 0 if the filesystem cannot encode handles (the kernel's
 * "origin unknown"). */
size_t ovl_origin_record_at(const struct ovl_fs *fs, int dirfd, const char *name,
			    unsigned char *fb)
{
	union { struct file_handle fh; char buf[sizeof(struct file_handle) + MAX_HANDLE]; } h;
	struct stat st;
	int mnt, at = name[0] ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW;
	if (fs->no_fh)
		return 0;
	h.fh.handle_bytes = MAX_HANDLE;
	if (name_to_handle_at(dirfd, name, &h.fh, &mnt, name[0] ? 0 : AT_EMPTY_PATH) ||
	    h.fh.handle_bytes > MAX_HANDLE || h.fh.handle_type < 0 || h.fh.handle_type >= 256)
		return 0;
	size_t len = FB_HEAD + UUID_LEN + h.fh.handle_bytes;
	memset(fb, 0, FB_HEAD + UUID_LEN);
	fb[1] = 0xfb;
	fb[2] = (unsigned char)len;
	fb[4] = (unsigned char)h.fh.handle_type;
	/* the kernel decodes a record only on the filesystem of its uuid (a
	 * null one where the filesystem says none) */
	const struct ovl_layer *l = fstatat(dirfd, name, &st, at) ? NULL : layer_of_dev(fs, st.st_dev);
	if (l && l->has_uuid)
		memcpy(fb + FB_HEAD, l->uuid, UUID_LEN);
	memcpy(fb + FB_HEAD + UUID_LEN, h.fh.f_handle, h.fh.handle_bytes);
	return len;
}

static size_t origin_record(const struct ovl_fs *fs, int fd, unsigned char *fb)
{
	return ovl_origin_record_at(fs, fd, "", fb);
}

int ovl_set_origin(struct ovl_fs *fs, const struct ovl_xnode *src, const struct ovl_xnode *dst)
{
	unsigned char fb[ORIGIN_MAX];
	size_t len = origin_record(fs, src->fd, fb);
	/* (origin unknown, len 0: an empty record still says "copied up", as
	 * the kernel's null one) */
	int err = ovl_xnode_set(dst, fs->xa_origin, fb, len);
	/* user.* xattrs exist on regular files and dirs alone: a symlink or
	 * special file copied up in the unprivileged format has no record, as
	 * the kernel's userxattr mount keeps none */
	if (err == -EPERM && !strncmp(fs->xa_origin, "user.", 5))
		return 0;
	return err == -EOPNOTSUPP ? 0 : err;
}

int ovl_is_origin(struct ovl_fs *fs, const struct ovl_entry *e, int real_fd)
{
	struct stat st;
	if (fstat(real_fd, &st))
		return -errno;
	if (e->type == 0 || S_ISDIR(e->type))
		return 0;
	unsigned char want[ORIGIN_MAX], have[ORIGIN_MAX];
	if (e->indexed) {
		/* the index entry of the fd's lower object is named by it */
		char hex[OVL_INDEX_NAME_MAX];
		size_t wl = origin_record(fs, real_fd, want);
		if (!wl)
			return 0;
		ovl_index_hex(want, wl, hex);
		return !strcmp(hex, e->index_name);
	}
	if (e->layer != OVL_UPPER)
		return st.st_dev == e->st.st_dev && st.st_ino == e->st.st_ino;
	if (fs->no_fh) {
		/* no record to compare (a user namespace): the copies of this
		 * run say it; else the topmost lower object at the copy's own
		 * name (through the parent's layer dirs: any depth) */
		dev_t ldev;
		ino_t lino;
		if (copy_of(fs, -1, e->parent.fd[0], e->name, e->type, e->st.st_dev, e->st.st_ino,
			    &ldev, &lino))
			return ldev == st.st_dev && lino == st.st_ino;
		/* (only a copy: its origin record, empty, says it is one; a file
		 * made anew under the name is not the fd's) */
		if (read_at(fs->xa_origin, e->parent.fd[0], e->name, e->st.st_dev, e->st.st_ino,
			    NULL, 0) < 0)
			return 0;
		struct stat ls;
		for (int i = 0; i < e->parent.n; i++)
			if (e->parent.layer[i] != OVL_UPPER &&
			    !fstatat(e->parent.fd[i], e->name, &ls, AT_SYMLINK_NOFOLLOW))
				return ls.st_dev == st.st_dev && ls.st_ino == st.st_ino;
		return 0;
	}
	size_t wl = origin_record(fs, real_fd, want);
	int fd = ovl_open_real(fs, e, O_PATH);
	if (fd < 0)
		return fd;
	struct ovl_xnode x;
	ovl_xnode_init(&x, fd, true);
	ssize_t hl = ovl_xnode_get(&x, fs->xa_origin, have, sizeof(have));
	close(fd);
	return wl && hl == (ssize_t)wl && !memcmp(want, have, wl);
}

/* The lower object a record names: decoded on each lower filesystem the
 * uuid allows (any, for a null one), of type; its lstat. */
static bool origin_find(const struct ovl_fs *fs, const unsigned char *fb, ssize_t len,
			mode_t type, struct stat *out)
{
	if (len <= FB_HEAD + UUID_LEN || len > ORIGIN_MAX || fb[0] != 0 || fb[1] != 0xfb ||
	    fb[2] != len)
		return false;
	/* flags, as the kernel reads them: unknown ones, a big-endian handle
	 * on this little-endian machine, an upper's handle: origin unknown */
	if ((fb[3] & ~7u) || ((fb[3] & 1) && !(fb[3] & 2)) || (fb[3] & 4))
		return false;
	static const unsigned char null_uuid[UUID_LEN];
	const unsigned char *uuid = fb + FB_HEAD;
	bool any = !memcmp(uuid, null_uuid, UUID_LEN);
	union { struct file_handle fh; char buf[sizeof(struct file_handle) + MAX_HANDLE]; } h;
	h.fh.handle_bytes = (unsigned)(len - FB_HEAD - UUID_LEN);
	h.fh.handle_type = fb[4];
	memcpy(h.fh.f_handle, fb + FB_HEAD + UUID_LEN, h.fh.handle_bytes);
	for (int i = 1; i < fs->nlayers; i++) {
		const struct ovl_layer *l = &fs->layers[i];
		if (l->fd < 0 || layer_of_dev(fs, l->dev) != l)
			continue;       /* one try per filesystem */
		if (!any && l->has_uuid && memcmp(l->uuid, uuid, UUID_LEN))
			continue;
		int fd = open_by_handle_at(l->fd, &h.fh, O_PATH | O_CLOEXEC);
		if (fd < 0)
			continue;
		int r = fstat(fd, out);
		close(fd);
		if (!r && (out->st_mode & S_IFMT) == type)
			return true;
	}
	return false;
}

/* Its ids, if the copy (s->dev, s->ino) reports them: the lower object has
 * one name, or several and the copy is their index entry (s->indexed). */
static bool origin_decode(struct ovl_fs *fs, const unsigned char *fb, ssize_t len,
			  mode_t type, struct ovl_origin_slot *s)
{
	struct stat st;
	if (!origin_find(fs, fb, len, type, &st))
		return false;
	if (st.st_nlink != 1) {
		char hex[OVL_INDEX_NAME_MAX];
		ovl_index_hex(fb, (size_t)len, hex);
		if (!ovl_index_holds(fs, hex, s->dev, s->ino))
			return false;
		s->indexed = true;
		s->lower_nlink = st.st_nlink;
	}
	s->odev = st.st_dev;
	s->oino = st.st_ino;
	return true;
}

static struct ovl_origin_slot *slot_of(struct ovl_fs *fs, dev_t dev, ino_t ino)
{
	return &fs->origins[inode_hash(dev, ino) >> 52 & (ORIGIN_SLOTS - 1)];
}

/* Also the removals generation as of the lookup (see cache_put). */
static bool cache_get(struct ovl_fs *fs, dev_t dev, ino_t ino, struct ovl_origin_slot *out,
		      uint64_t *gen)
{
	pthread_mutex_lock(&fs->origin_lock);
	*gen = fs->origin_gen;
	struct ovl_origin_slot *s = slot_of(fs, dev, ino);
	bool hit = s->used && s->dev == dev && s->ino == ino;
	if (hit)
		*out = *s;
	pthread_mutex_unlock(&fs->origin_lock);
	return hit;
}

/* Unless an inode was forgotten since gen: what was read may be a freed
 * one's. */
static void cache_put(struct ovl_fs *fs, const struct ovl_origin_slot *v, uint64_t gen)
{
	pthread_mutex_lock(&fs->origin_lock);
	if (fs->origin_gen == gen)
		*slot_of(fs, v->dev, v->ino) = *v;
	pthread_mutex_unlock(&fs->origin_lock);
}

void ovl_origin_forget(struct ovl_fs *fs, dev_t dev, ino_t ino)
{
	pthread_mutex_lock(&fs->origin_lock);
	struct ovl_origin_slot *s = slot_of(fs, dev, ino);
	if (s->used && s->dev == dev && s->ino == ino)
		s->used = false;
	fs->origin_gen++;
	pthread_mutex_unlock(&fs->origin_lock);
}

/* The xattr xa of parent/name, not following a symlink, if that is
 * still the inode (dev, ino): else -ESTALE (moved or replaced since the
 * caller's lstat; what was read would belong to another inode). */
static ssize_t read_at(const char *xa, int parent, const char *name, dev_t dev, ino_t ino,
		       void *buf, size_t n)
{
	struct stat st;
	int fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t r = -ESTALE;
	if (!fstat(fd, &st) && st.st_dev == dev && st.st_ino == ino) {
		struct ovl_xnode x;
		ovl_xnode_init(&x, fd, true);
		r = ovl_xnode_get(&x, xa, buf, n);
	}
	close(fd);
	return r;
}


/* What the upper inode (dev, ino) of type, *nlink links, reports, read
 * through (parent, name) or fd on a miss; false when its own number (and
 * count).  An error reading the record is not remembered, nor what an
 * unlinked inode's fd says (cache: false; its number comes back once it is
 * freed, unseen).  An indexed one's count is read each time: links and
 * unlinks change it. */
static bool renumbered(struct ovl_fs *fs, int parent, const char *name, int fd, bool cache,
		       mode_t type, dev_t *dev, ino_t *ino, nlink_t *nlink)
{
	struct ovl_origin_slot s;
	uint64_t gen;
	if (S_ISDIR(type) || !fs->origins)
		return false;
	dev_t udev = *dev;
	ino_t uino = *ino;
	if (!cache_get(fs, *dev, *ino, &s, &gen)) {
		s = (struct ovl_origin_slot){ .dev = *dev, .ino = *ino, .used = true };
		if (fs->no_fh) {
			/* no record to decode: a copy of this run keeps its lower
			 * number, as the kernel's inode does while mounted and
			 * cached; later runs see the copy's own */
			s.has = copy_of(fs, fd, parent, name, type, *dev, *ino, &s.odev, &s.oino);
		} else {
			unsigned char fb[ORIGIN_MAX];
			ssize_t n = fd >= 0 ? ovl_fd_xattr_get(fd, fs->xa_origin, fb, sizeof(fb))
					    : read_at(fs->xa_origin, parent, name, *dev, *ino, fb,
						      sizeof(fb));
			if (n < 0 && n != -ENODATA && n != -ERANGE && n != -EOPNOTSUPP)
				return false;
			s.has = n > 0 && origin_decode(fs, fb, n, type, &s);
		}
		if (cache)
			cache_put(fs, &s, gen);
	}
	if (!s.has)
		return false;
	*dev = s.odev;
	*ino = s.oino;
	if (s.indexed && nlink) {
		char rec[OVL_NLINK_REC_MAX];
		ssize_t n = fd >= 0 ? ovl_fd_xattr_get(fd, fs->xa_nlink, rec, sizeof(rec) - 1)
				    : read_at(fs->xa_nlink, parent, name, udev, uino, rec,
					      sizeof(rec) - 1);
		*nlink = ovl_index_nlink_of(rec, n, *nlink, s.lower_nlink);
	}
	return true;
}

void ovl_origin_ids(struct ovl_fs *fs, int parent, const char *name, mode_t type, dev_t *dev,
		    ino_t *ino, nlink_t *nlink)
{
	(void)renumbered(fs, parent, name, -1, true, type, dev, ino, nlink);
}

int ovl_origin_of(struct ovl_fs *fs, int fd, mode_t type, struct stat *lower)
{
	unsigned char fb[ORIGIN_MAX];
	ssize_t n = ovl_fd_xattr_get(fd, fs->xa_origin, fb, sizeof(fb));
	return n > 0 && origin_find(fs, fb, n, type, lower) ? 0 : -ENOENT;
}

bool ovl_fd_renumbered(struct ovl_fs *fs, int fd, bool upper, bool linked, mode_t type,
		       dev_t *dev, ino_t *ino, nlink_t *nlink)
{
	if (S_ISDIR(type))
		return false;
	/* only the upper's files have origins that count */
	bool changed = upper && fs->layers[OVL_UPPER].fd >= 0 &&
		       *dev == fs->layers[OVL_UPPER].dev &&
		       renumbered(fs, -1, NULL, fd, linked, type, dev, ino, nlink);
	if (fs->same_dev && *dev != fs->dir_dev) {
		*dev = fs->dir_dev;     /* as inode.c: nondir_ids */
		changed = true;
	}
	return changed;
}

bool ovl_entry_origin(struct ovl_fs *fs, const struct ovl_entry *e, dev_t *dev, ino_t *ino)
{
	const char *name;
	int dirfd = e->layer == OVL_UPPER ? ovl_entry_real_at(e, &name) : -1;
	if (dirfd < 0)
		return false;
	*dev = e->st.st_dev;
	*ino = e->st.st_ino;
	return renumbered(fs, dirfd, name, -1, true, e->type, dev, ino, NULL);
}
