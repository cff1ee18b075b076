/*
 * The inodes index (the kernel's index=on): hard links of a lower object
 * stay one object across copy-up.
 *
 * The first copy-up of a lower non-dir with several names puts the copy
 * in the work dir's index/, named by the hex of its origin record, and
 * links it to the copied-up name; a lookup of any other name of the lower
 * object finds the entry and shows it (e->indexed), and its copy-up only
 * links the entry to its name ("link-up").  So every name shows one
 * object, with the origin's inode number, in this run, the next and the
 * kernel's mount of the same upper and work dir.
 *
 * The overlay's link count of such an object (its upper names and the
 * lower names no upper entry covers) is kept in the index inode's
 * "nlink" record, relative to the upper inode's own count ("U+N") or to
 * the origin's ("L-N"), written before each change of its names so that
 * it holds whether the change succeeds or not, as the kernel does.  The
 * entry goes when that count reaches 0.  index_lock serializes these
 * read-modify-writes (struct ovl_fs).
 *
 * Set up as the kernel mounts with index=on: the upper root records the
 * top lower root as its origin, the index dir the upper root ("upper"),
 * and either must match what an earlier run recorded (-ESTALE: the upper
 * belongs to other layers); stale and orphan entries are removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "upper.h"

#define INDEX_DIR OVL_WORK_INDEX
#define FH_FLAG_PATH_UPPER 4            /* the kernel's OVL_FH_FLAG_PATH_UPPER */

void ovl_index_hex(const unsigned char *rec, size_t len, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		hex[2 * i] = digits[rec[i] >> 4];
		hex[2 * i + 1] = digits[rec[i] & 15];
	}
	hex[2 * len] = 0;
}

bool ovl_index_holds(struct ovl_fs *fs, const char *hex, dev_t dev, ino_t ino)
{
	struct stat st;
	return fs->index_fd >= 0 && !fstatat(fs->index_fd, hex, &st, AT_SYMLINK_NOFOLLOW) &&
	       st.st_dev == dev && st.st_ino == ino;
}

/* A record: its base ('U', 'L') and the difference. */
static bool parse_rec(const char *rec, ssize_t n, char *base, long *diff)
{
	if (n < 3 || n >= OVL_NLINK_REC_MAX || (rec[0] != 'U' && rec[0] != 'L') ||
	    (rec[1] != '+' && rec[1] != '-'))
		return false;
	char buf[OVL_NLINK_REC_MAX], *end;
	memcpy(buf, rec + 1, (size_t)n - 1);
	buf[n - 1] = 0;
	*diff = strtol(buf, &end, 10);
	*base = rec[0];
	return !*end;
}

/* The count a record gives, <= 0 when bad or missing. */
static long rec_nlink(const char *rec, ssize_t n, nlink_t upper, nlink_t lower)
{
	char base;
	long diff;
	if (!parse_rec(rec, n, &base, &diff))
		return 0;
	return (long)(base == 'L' ? lower : upper) + diff;
}

nlink_t ovl_index_nlink_of(const char *rec, ssize_t n, nlink_t upper, nlink_t lower)
{
	long nlink = rec_nlink(rec, n, upper, lower);
	return nlink <= 0 ? upper : (nlink_t)nlink;
}

/* The record of index inode fd, n < 0 if none. */
static ssize_t get_rec(struct ovl_fs *fs, int fd, char *rec)
{
	struct ovl_xnode x;
	ovl_xnode_init(&x, fd, true);
	return ovl_xnode_get(&x, fs->xa_nlink, rec, OVL_NLINK_REC_MAX - 1);
}

/* The record of an index inode (fd), "U" or "L" relative. */
static int set_nlink(struct ovl_fs *fs, int fd, char base, long diff)
{
	char rec[OVL_NLINK_REC_MAX];
	int n = snprintf(rec, sizeof(rec), "%c%+ld", base, diff);
	if (n < 0 || n >= (int)sizeof(rec))
		return -EIO;
	struct ovl_xnode x;
	ovl_xnode_init(&x, fd, true);
	return ovl_xnode_set(&x, fs->xa_nlink, rec, (size_t)n);
}

/* The overlay's count of index inode fd (upper: its own count). */
static nlink_t overlay_nlink(struct ovl_fs *fs, int fd, nlink_t upper, nlink_t lower)
{
	char rec[OVL_NLINK_REC_MAX];
	return ovl_index_nlink_of(rec, get_rec(fs, fd, rec), upper, lower);
}

/* The entry's name for the lower object at (dirfd, name). */
static bool name_of(struct ovl_fs *fs, int dirfd, const char *name, char *hex)
{
	unsigned char rec[OVL_ORIGIN_MAX];
	size_t len = ovl_origin_record_at(fs, dirfd, name, rec);
	/* (a handle too long to name an entry: none, as the kernel warns) */
	if (!len || 2 * len > NAME_MAX)
		return false;
	ovl_index_hex(rec, len, hex);
	return true;
}

int ovl_index_lookup(struct ovl_fs *fs, struct ovl_entry *e)
{
	e->indexed = false;
	/* (a lookup for the type only has no count: the entry is of the
	 * same type, or the kernel's EIO, which a real use then sees) */
	if (fs->index_fd < 0 || !e->type || S_ISDIR(e->type) || e->layer == OVL_UPPER ||
	    e->st.st_nlink <= 1)
		return 0;
	const char *name;
	char hex[OVL_INDEX_NAME_MAX];
	int dirfd = ovl_entry_real_at(e, &name);
	if (dirfd < 0 || !name_of(fs, dirfd, name, hex))
		return 0;
	struct stat st;
	if (fstatat(fs->index_fd, hex, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;    /* (no name over NAME_MAX: name_of) */
	/* the kernel's "bad index": not the origin's type, or a whiteout */
	if ((st.st_mode & S_IFMT) != e->type)
		return -EIO;
	e->lower_dev = e->st.st_dev;
	e->lower_ino = e->st.st_ino;
	e->st = st;
	strcpy(e->index_name, hex);
	e->indexed = true;
	return 0;
}

bool ovl_index_wanted(struct ovl_fs *fs, int src_parent, const char *name,
		      const struct stat *st, char *hex)
{
	return fs->index_fd >= 0 && !S_ISDIR(st->st_mode) && st->st_nlink > 1 &&
	       name_of(fs, src_parent, name, hex);
}

int ovl_index_made(struct ovl_fs *fs, const char *hex, nlink_t lower_nlink)
{
	int fd = openat(fs->index_fd, hex, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* the overlay has every lower name; the inode, the entry's only */
	int err = set_nlink(fs, fd, 'U', (long)lower_nlink - 1);
	close(fd);
	return err;
}

int ovl_index_link_up(struct ovl_fs *fs, const char *hex, nlink_t lower_nlink, int parent,
		      const char *name)
{
	struct stat st;
	int fd = openat(fs->index_fd, hex, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int err = fstat(fd, &st) ? -errno : 0;
	nlink_t cur = err ? 0 : overlay_nlink(fs, fd, st.st_nlink, lower_nlink);
	/* the count holds before the link (relative to the lower's, which
	 * it does not change) and after (relative to the upper's) */
	if (!err)
		err = ovl_set_impure(fs, parent);
	if (!err)
		err = set_nlink(fs, fd, 'L', (long)cur - (long)lower_nlink);
	if (!err && linkat(fs->index_fd, hex, parent, name, 0))
		err = -errno;
	if (!err)
		err = set_nlink(fs, fd, 'U', (long)cur - (long)st.st_nlink - 1);
	close(fd);
	return err;
}

int ovl_index_change_begin(struct ovl_fs *fs, struct ovl_entry *e, int delta,
			   struct ovl_index_hold *h)
{
	h->active = false;
	if (fs->index_fd < 0 || !e->type || S_ISDIR(e->type))
		return 0;
	/* a lower name of a hard-linked object: copied up first, so that
	 * the index inode exists to count the change (as the kernel does);
	 * e's dir is held by the caller */
	int err;
	bool lower_link = e->indexed || (e->layer != OVL_UPPER && e->st.st_nlink > 1);
	if (lower_link && (err = ovl_copy_up_flags(fs, e, 0)))
		return err;
	const char *name;
	int dirfd = e->layer == OVL_UPPER ? ovl_entry_real_at(e, &name) : -1;
	if (dirfd < 0)
		return 0;
	unsigned char rec[OVL_ORIGIN_MAX];
	int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct ovl_xnode x;
	struct stat st;
	ovl_xnode_init(&x, fd, true);
	ssize_t n = ovl_xnode_get(&x, fs->xa_origin, rec, sizeof(rec));
	if (n <= 0 || fstat(fd, &st)) {
		close(fd);
		return 0;               /* no origin: no index entry */
	}
	ovl_index_hex(rec, (size_t)n, h->hex);
	pthread_mutex_lock(&fs->index_lock);
	if (!ovl_index_holds(fs, h->hex, st.st_dev, st.st_ino)) {
		pthread_mutex_unlock(&fs->index_lock);
		close(fd);
		return 0;
	}
	dev_t odev = st.st_dev;
	ino_t oino = st.st_ino;
	nlink_t cur = st.st_nlink;
	ovl_origin_ids(fs, dirfd, name, e->type, &odev, &oino, &cur);
	err = set_nlink(fs, fd, 'U', (long)cur - (long)st.st_nlink);
	close(fd);
	if (err) {
		pthread_mutex_unlock(&fs->index_lock);
		return err;
	}
	h->active = true;
	h->delta = delta;
	h->nlink = cur;
	return 0;                       /* index_lock held until the end */
}

void ovl_index_change_end(struct ovl_fs *fs, struct ovl_index_hold *h, bool done)
{
	if (!h->active)
		return;
	h->active = false;
	struct stat st;
	char rec[OVL_NLINK_REC_MAX];
	int fd = done && h->delta < 0 ?
		 openat(fs->index_fd, h->hex, O_PATH | O_NOFOLLOW | O_CLOEXEC) : -1;
	/* no name left (the record is relative to the upper inode's count
	 * since the begin): the entry goes; if the upper has names still,
	 * the count is mended to them instead, as the kernel's cleanup does */
	if (fd >= 0 && !fstat(fd, &st) && !S_ISDIR(st.st_mode) &&
	    rec_nlink(rec, get_rec(fs, fd, rec), st.st_nlink, 0) <= 0) {
		if (st.st_nlink == 1) {
			ovl_origin_forget(fs, st.st_dev, st.st_ino);
			(void)unlinkat(fs->index_fd, h->hex, 0);
		} else {
			(void)set_nlink(fs, fd, 'U', -1);
		}
	}
	if (fd >= 0)
		close(fd);
	pthread_mutex_unlock(&fs->index_lock);
}

/* ---- set-up ---- */

/* xa on fd is rec, or is set to it when missing: -ESTALE if it differs. */
static int verify_or_set(int fd, const char *xa, const unsigned char *rec,
			 size_t len)
{
	unsigned char have[OVL_ORIGIN_MAX];
	struct ovl_xnode x;
	ovl_xnode_init(&x, fd, false);
	ssize_t n = ovl_xnode_get(&x, xa, have, sizeof(have));
	if (n == -ENODATA)
		return ovl_xnode_set(&x, xa, rec, len);
	if (n < 0)
		return (int)n;
	return (size_t)n == len && !memcmp(have, rec, len) ? 0 : -ESTALE;
}

/* The set-up's check of an entry, as the kernel's mount checks it: 1 to
 * remove it (stale: its record names another origin, or one that is gone,
 * with no upper name left; orphan: no upper name and a count of 0, a lower
 * with one name counting 0), 0 to keep it (whiteouts, dirs, entries upper
 * names share), -EINVAL for what the kernel refuses to mount with (a name
 * that is no handle, an entry without an origin record). */
static int check_entry(struct ovl_fs *fs, const char *name)
{
	size_t n = strlen(name);
	if (name[0] == '#')
		return 0;               /* the kernel's own temporaries and shared whiteout */
	if (n < 2 * (5 + 16) || n % 2 || n >= OVL_INDEX_NAME_MAX || strspn(name, "0123456789abcdef") != n)
		return -EINVAL;
	int fd = openat(fs->index_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st, lower;
	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	int rv = 0;
	unsigned char rec[OVL_ORIGIN_MAX];
	char hex[OVL_INDEX_NAME_MAX], nrec[OVL_NLINK_REC_MAX];
	struct ovl_xnode x;
	ovl_xnode_init(&x, fd, true);
	ssize_t len = S_ISDIR(st.st_mode) || ovl_is_whiteout(&st) ? 0
		      : ovl_xnode_get(&x, fs->xa_origin, rec, sizeof(rec));
	if (S_ISDIR(st.st_mode) || ovl_is_whiteout(&st))
		rv = 0;
	else if (len <= 0)
		rv = -EINVAL;
	else if ((ovl_index_hex(rec, (size_t)len, hex), strcmp(hex, name)))
		rv = 1;                 /* another origin's: stale */
	else if (st.st_nlink == 1)
		rv = ovl_origin_of(fs, fd, st.st_mode & S_IFMT, &lower) || lower.st_nlink == 1 ||
		     rec_nlink(nrec, get_rec(fs, fd, nrec), st.st_nlink, lower.st_nlink) <= 0;
	close(fd);
	return rv;
}

static int cleanup(struct ovl_fs *fs)
{
	int fd = openat(fs->index_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	struct dirent *de;
	int err = 0;
	while (!err && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		int rv = check_entry(fs, de->d_name);
		if (rv > 0)
			(void)unlinkat(fs->index_fd, de->d_name, 0);
		else
			err = rv;
	}
	closedir(d);
	return err;
}

/* Every layer's filesystem makes file handles (the index is made of
 * them): else the kernel falls back to index=off. */
static bool handles_everywhere(struct ovl_fs *fs)
{
	unsigned char rec[OVL_ORIGIN_MAX];
	for (int i = 0; i < fs->nlayers; i++)
		if (fs->layers[i].fd >= 0 && !ovl_origin_record_at(fs, fs->layers[i].fd, "", rec))
			return false;
	return true;
}

int ovl_index_init(struct ovl_fs *fs)
{
	unsigned char rec[OVL_ORIGIN_MAX];
	if (!handles_everywhere(fs))
		return 1;
	if (mkdirat(fs->work_fd, INDEX_DIR, 0700) && errno != EEXIST)
		return -errno;
	fs->index_fd = openat(fs->work_fd, INDEX_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			      O_CLOEXEC);
	if (fs->index_fd < 0)
		return -errno;
	/* the top lower's root is the upper root's origin */
	size_t len = ovl_origin_record_at(fs, fs->layers[1].fd, "", rec);
	int err = verify_or_set(fs->layers[OVL_UPPER].fd, fs->xa_origin, rec, len);
	if (err)
		return err;
	/* and the index dir says whose upper it indexes */
	len = ovl_origin_record_at(fs, fs->layers[OVL_UPPER].fd, "", rec);
	struct ovl_layer upper = fs->layers[OVL_UPPER];
	ovl_layer_uuid(&upper);
	memset(rec + 5, 0, 16);
	if (upper.has_uuid)
		memcpy(rec + 5, upper.uuid, 16);
	rec[3] |= FH_FLAG_PATH_UPPER;
	if ((err = verify_or_set(fs->index_fd, fs->xa_upper, rec, len)))
		return err;
	return cleanup(fs);
}

void ovl_index_free(struct ovl_fs *fs)
{
	if (fs->index_fd >= 0)
		close(fs->index_fd);
	fs->index_fd = -1;
}
