/*
 * Layer checks at setup.  What the kernel's overlayfs refuses at mount time
 * (fs/overlayfs/super.c; checked with mount -t overlay on 6.18): a lower
 * that is the upper or work dir ("conflicting lowerdir path") or inside
 * one ("overlapping lowerdir path"), upper and work inside one another
 * ("must be separate subtrees").  It allows an upper or work dir inside a
 * lower (lookups there fail with ELOOP; ovlrun hides them instead), and so
 * do we.  Unlike the kernel we allow a lower inside another lower: both are
 * read-only, nothing can change through it.
 *
 * Containment is decided on the objects, not on path strings: dev/ino while
 * walking ".." up from a dir (symlinks, bind mounts above it), and at each
 * mount root on the way the path of that mount's root in its filesystem
 * (mountinfo): a bind mount of a dir below the upper has no ".." leading
 * into the upper, but the kernel walks the filesystem's dentries and so
 * sees it; so do we.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "layers_check.h"

struct mnt_info {
	char root[PATH_MAX];    /* the mount's root, as a path in its filesystem */
	char point[PATH_MAX];   /* where it is mounted */
	char fstype[64];
};

/* A dir as a layer: its identity and its path in its filesystem. */
struct layer {
	dev_t dev;
	ino_t ino;
	bool has_fs_path;
	char fs_path[PATH_MAX];
};

static int mnt_id_of(int fd, uint64_t *id)
{
	struct statx stx;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx))
		return -errno;
	if (!(stx.stx_mask & STATX_MNT_ID))
		return -ENOSYS;
	*id = stx.stx_mnt_id;
	return 0;
}

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* mountinfo writes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (s[0] == '\\' && is_octal(s[1]) && is_octal(s[2]) && is_octal(s[3])) {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

/* fn for each line of our mountinfo (its id, root, mount point and type,
 * unescaped) until it returns other than -ENOENT: that, or -ENOENT. */
static int each_mount(int (*fn)(void *ctx, uint64_t id, const char *root, const char *point,
				const char *fstype),
		      void *ctx)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	char *line = NULL, *save, *tok[6];
	size_t cap = 0;
	int err = -ENOENT;
	while (err == -ENOENT && getline(&line, &cap, f) > 0) {
		/* id parent maj:min root point options [optional...] - type ... */
		int n = 0;
		char *t = strtok_r(line, " \n", &save);
		while (t && n < 6) {
			tok[n++] = t;
			t = n < 6 ? strtok_r(NULL, " \n", &save) : NULL;
		}
		if (n < 6)
			continue;
		while ((t = strtok_r(NULL, " \n", &save)) && strcmp(t, "-"))
			;
		t = t ? strtok_r(NULL, " \n", &save) : NULL;
		if (!t)
			continue;
		unescape(tok[3]);
		unescape(tok[4]);
		err = fn(ctx, strtoull(tok[0], NULL, 10), tok[3], tok[4], t);
	}
	free(line);
	fclose(f);
	return err;
}

struct id_query {
	uint64_t id;
	struct mnt_info *mi;
};

static int id_matches(void *ctx, uint64_t id, const char *root, const char *point,
		      const char *fstype)
{
	struct id_query *q = ctx;
	if (id != q->id)
		return -ENOENT;
	snprintf(q->mi->root, sizeof(q->mi->root), "%s", root);
	snprintf(q->mi->point, sizeof(q->mi->point), "%s", point);
	snprintf(q->mi->fstype, sizeof(q->mi->fstype), "%s", fstype);
	return 0;
}

/* The mountinfo line of the mount with this id; 0 or -errno. */
static int mount_info(uint64_t id, struct mnt_info *mi)
{
	return each_mount(id_matches, &(struct id_query){ .id = id, .mi = mi });
}

/* The mount dir fd is on: its id and mountinfo line. */
static int mount_of(int fd, uint64_t *id, struct mnt_info *mi)
{
	int err = mnt_id_of(fd, id);
	return err ? err : mount_info(*id, mi);
}

/* Is path a equal to, or below, path b? */
static bool path_within(const char *a, const char *b)
{
	size_t n = strlen(b);
	return !strcmp(b, "/") || (!strncmp(a, b, n) && (!a[n] || a[n] == '/'));
}

struct below_query {
	const char *dir;
	char *found;
};

static int mounted_below(void *ctx, uint64_t id, const char *root, const char *point,
			 const char *fstype)
{
	(void)id, (void)root, (void)fstype;
	struct below_query *q = ctx;
	if (!strcmp(point, q->dir) || !path_within(point, q->dir))
		return -ENOENT;
	snprintf(q->found, PATH_MAX, "%s", point);
	return 0;
}

int layers_mount_below(const char *dir, char *found)
{
	char real[PATH_MAX];
	if (!realpath(dir, real))
		return -errno;
	int err = each_mount(mounted_below, &(struct below_query){ .dir = real, .found = found });
	return err == -ENOENT ? 0 : err ? err : 1;
}

/* The path of dir fd in its filesystem: its mount's root followed by the
 * part of its path below the mount point.  0 or -errno. */
static int fs_path(int fd, char *out)
{
	uint64_t id;
	struct mnt_info mi;
	int err = mount_of(fd, &id, &mi);
	if (err)
		return err;
	char link[64], p[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, p, sizeof(p) - 1);
	if (n < 0)
		return -errno;
	p[n] = 0;
	if (!path_within(p, mi.point))
		return -EXDEV;  /* not reachable from our root: no fs path */
	const char *below = strcmp(mi.point, "/") ? p + strlen(mi.point) : p;
	if (!strcmp(below, "/"))
		below = "";
	if (!strcmp(mi.root, "/"))
		n = snprintf(out, PATH_MAX, "%s", *below ? below : "/");
	else
		n = snprintf(out, PATH_MAX, "%s%s", mi.root, below);
	return n < PATH_MAX ? 0 : -ENAMETOOLONG;
}

static void layer_load(struct layer *l, int fd, const char *what, const char *path)
{
	struct stat st;
	if (fstat(fd, &st))
		die_setup("%s %s: fstat: %s", what, path, strerror(errno));
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	/* without it, only the dev/ino walk decides */
	l->has_fs_path = fs_path(fd, l->fs_path) == 0;
}

/* Is dir cur a mount root whose mount shows a subtree of its filesystem
 * that lies inside outer? */
static bool mount_root_inside(int cur, int parent, const struct layer *outer)
{
	uint64_t id, pid;
	struct mnt_info mi;
	if (!outer->has_fs_path || mnt_id_of(cur, &id) || mnt_id_of(parent, &pid))
		return false;
	if (id == pid) {
		struct stat a, b;
		/* the same mount: a mount root only at the top of our tree */
		if (fstat(cur, &a) || fstat(parent, &b) || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
			return false;
	}
	return !mount_info(id, &mi) && strcmp(mi.root, "/") && path_within(mi.root, outer->fs_path);
}

/* Where dir fd lies relative to outer: 0 apart, 1 the same dir, 2 inside. */
static int placed_in(int fd, const struct layer *outer)
{
	int cur = openat(fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int res = 0;
	for (int depth = 0; cur >= 0 && !res; depth++) {
		struct stat st, pst;
		int parent = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (parent < 0 || fstat(cur, &st) || fstat(parent, &pst))
			die_setup("layer check: walking up: %s", strerror(errno));
		if (st.st_dev == outer->dev && st.st_ino == outer->ino)
			res = depth ? 2 : 1;
		else if (st.st_dev == outer->dev && mount_root_inside(cur, parent, outer))
			res = 2;
		bool top = st.st_dev == pst.st_dev && st.st_ino == pst.st_ino;
		close(cur);
		cur = parent;
		if (top) {
			close(parent);
			cur = -1;
		}
	}
	if (cur >= 0)
		close(cur);
	return res;
}

static bool dir_empty(int fd)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d)
		die_setup("work dir: opendir: %s", strerror(errno));
	struct dirent *de;
	while ((de = readdir(d)) && (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")))
		;
	closedir(d);
	return !de;
}

/* Filesystems that are kernel interfaces, not trees of files: as a layer
 * they would show host state (and magic links) and take writes as
 * commands. devtmpfs is TMPFS_MAGIC to statfs, so types come by name. */
static const char *const kernel_fs[] = {
	"proc", "sysfs", "devtmpfs", "devpts", "debugfs", "tracefs", "securityfs",
	"cgroup", "cgroup2", "bpf", "configfs", "fusectl", "pstore", "efivarfs",
	"binfmt_misc", "selinuxfs", "mqueue", "nsfs", "rpc_pipefs", "nfsd",
};

void layers_check_fs(int fd, const char *what, const char *path)
{
	uint64_t id;
	struct mnt_info mi;
	int err = mount_of(fd, &id, &mi);
	if (err)
		die_setup("%s %s: finding its mount: %s", what, path, strerror(-err));
	for (size_t i = 0; i < sizeof(kernel_fs) / sizeof(kernel_fs[0]); i++)
		if (!strcmp(mi.fstype, kernel_fs[i]))
			die_setup("%s %s: on %s, a kernel interface, not a directory tree", what, path,
				  mi.fstype);
}

static int open_lower(const char *path)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die_setup("lower dir %s: %s", path, strerror(errno));
	return fd;
}

void layers_check_lowers(const struct sup *s)
{
	for (int i = 0; i < s->opt.nlower; i++) {
		int fd = open_lower(s->opt.lower[i]);
		layers_check_fs(fd, "lower dir", s->opt.lower[i]);
		close(fd);
	}
}

void layers_check_overlap(const struct sup *s, const char *upper, int upper_fd,
			  const char *work, int work_fd, bool work_ours)
{
	struct layer u, w, l;
	layer_load(&u, upper_fd, "upper dir", upper);
	layer_load(&w, work_fd, "work dir", work);
	if (placed_in(work_fd, &u) || placed_in(upper_fd, &w))
		die_setup("work dir %s and upper dir %s must not contain each other", work, upper);
	for (int i = 0; i < s->opt.nlower; i++) {
		const char *lower = s->opt.lower[i];
		int fd = open_lower(lower);
		for (int k = 0; k < 2; k++) {
			int r = placed_in(fd, k ? &w : &u);
			if (r)
				die_setup("lower dir %s is %s %s dir %s: overlapping layers, the command "
					  "could change the lower", lower, r == 1 ? "the" : "inside the",
					  k ? "work" : "upper", k ? work : upper);
		}
		layer_load(&l, fd, "lower dir", lower);
		close(fd);
		if (!work_ours && placed_in(work_fd, &l) && !dir_empty(work_fd))
			die_setup("work dir %s is inside lower dir %s and not empty: ovlrun would "
				  "clear it", work, lower);
	}
}
