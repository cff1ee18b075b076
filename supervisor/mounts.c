/*
 * The supervisor's private mount namespace: a staging tmpfs holding the
 * shadow root (the sandbox's kernel root) and the layer mounts the
 * supervisor works through (lowers read-only, all nosuid and nodev).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ovlrun/supervisor.h"
#include "fsutil.h"
#include "ovlrun/shadow.h"

static int clone_tree(int fd, bool recursive, unsigned attrs, const char *what)
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

static void attach(int tree, const char *target, const char *what)
{
	if (syscall(SYS_move_mount, tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH))
		die_setup("%s: move_mount to %s: %s", what, target, strerror(errno));
	close(tree);
}

/* mkdir -p; 0 or -1 with errno. */
static int mkdir_p(const char *path, mode_t mode)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, mode) && errno != EEXIST ? -1 : 0;
}

static void xmkdir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) && errno != EEXIST)
		die_setup("mkdir %s: %s", path, strerror(errno));
}

static int open_dir(const char *path, const char *what)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die_setup("%s %s: %s", what, path, strerror(errno));
	return fd;
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;
	return !fstat(a, &sa) && !fstat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Longest common directory prefix of two absolute canonical paths. */
static void common_ancestor(const char *a, const char *b, char *out)
{
	size_t i = 0, last = 0;
	while (a[i] && a[i] == b[i]) {
		if (a[i] == '/')
			last = i;
		i++;
	}
	if ((!a[i] && b[i] == '/') || (!b[i] && a[i] == '/'))
		last = i;
	if (last == 0) {
		strcpy(out, "/");
		return;
	}
	memcpy(out, a, last);
	out[last] = 0;
}

/* Validate and lock the upper, before anything is mounted or created
 * that an error exit would leave behind; anc gets the dir to clone. */
static void open_upper(struct sup *s, int *upper_host_fd, int *work_host_fd, char *anc)
{
	char upper[PATH_MAX], work[PATH_MAX];

	/* 0755: the upper's root is the overlay's root dir (as on Linux);
	 * README says to keep uppers out of other host users' reach */
	if (mkdir_p(s->opt.upper, 0755))
		die_setup("upper dir %s: mkdir: %s", s->opt.upper, strerror(errno));
	if (!realpath(s->opt.upper, upper))
		die_setup("upper dir %s: %s", s->opt.upper, strerror(errno));
	if (s->opt.work) {
		if (mkdir_p(s->opt.work, 0700))
			die_setup("work dir %s: mkdir: %s", s->opt.work, strerror(errno));
	} else {
		char tmp[PATH_MAX], tmp2[PATH_MAX];
		strcpy(tmp, upper);
		strcpy(tmp2, upper);
		int n = snprintf(s->work_path, sizeof(s->work_path), "%s/.%s.ovlrun-work",
				 dirname(tmp), basename(tmp2));
		if (n >= (int)sizeof(s->work_path))
			die_setup("upper dir %s: path too long", upper);
		if (mkdir(s->work_path, 0700) == 0)
			s->work_created = true;
		else if (errno != EEXIST)
			die_setup("work dir %s: mkdir: %s", s->work_path, strerror(errno));
		s->opt.work = s->work_path;
	}
	if (!realpath(s->opt.work, work))
		die_setup("work dir %s: %s", s->opt.work, strerror(errno));
	if (!strcmp(upper, work) || !strncmp(work, upper, strlen(upper)) ||
	    !strncmp(upper, work, strlen(work)))
		die_setup("work dir %s and upper dir %s must not contain each other", work, upper);

	*upper_host_fd = open_dir(upper, "upper dir");
	*work_host_fd = open_dir(work, "work dir");
	/* One ovlrun per upper, as the kernel does with its work dir. */
	if (flock(*upper_host_fd, LOCK_EX | LOCK_NB))
		die_setup("upper dir %s is in use by another ovlrun", upper);
	struct stat su, sw;
	fstat(*upper_host_fd, &su);
	fstat(*work_host_fd, &sw);
	if (su.st_dev != sw.st_dev)
		die_setup("work dir %s is not on the filesystem of upper dir %s", work, upper);
	if (clear_dir(*work_host_fd))
		die_setup("work dir %s: cannot clear leftovers: %s", work, strerror(errno));

	common_ancestor(upper, work, anc);
	size_t skip = strcmp(anc, "/") ? strlen(anc) : 0;
	snprintf(s->upper_rel, sizeof(s->upper_rel), "%s", upper + skip);
	snprintf(s->work_rel, sizeof(s->work_rel), "%s", work + skip);
}

/* Work through one nosuid,nodev mount holding upper and work, so renames
 * from work into upper stay on one mount. */
static void attach_upper(struct sup *s, int upper_host_fd, int work_host_fd, const char *anc)
{
	int anc_fd = open_dir(anc, "upper's parent");
	int tree = clone_tree(anc_fd, false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, "upper");
	close(anc_fd);
	char target[PATH_MAX];
	path_join(target, s->staging, "/u");
	xmkdir(target, 0700);
	attach(tree, target, "upper");
	char work_at[PATH_MAX];
	path_join(s->upper_prefix, target, s->upper_rel);
	path_join(work_at, target, s->work_rel);
	s->upper_fd = open_dir(s->upper_prefix, "upper dir");
	s->work_fd = open_dir(work_at, "work dir");
	if (!same_file(s->upper_fd, upper_host_fd) || !same_file(s->work_fd, work_host_fd))
		die_setup("upper dir %s and work dir %s must be on one mount", s->opt.upper,
			  s->opt.work);
}

static void bind_dev_node(int devfd, const char *name)
{
	char src[64], dst[64];
	int fd = openat(devfd, name, O_CREAT | O_WRONLY | O_CLOEXEC, 0);
	if (fd < 0)
		die_setup("shadow /dev/%s: %s", name, strerror(errno));
	close(fd);
	snprintf(src, sizeof(src), "/dev/%s", name);
	snprintf(dst, sizeof(dst), "/proc/self/fd/%d/%s", devfd, name);
	if (mount(src, dst, NULL, MS_BIND, NULL))
		die_setup("bind /dev/%s: %s", name, strerror(errno));
	/* The node is the host's: its inode must not be chmod-ed or
	 * re-owned from inside (device reads and writes still work). */
	if (mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC, NULL))
		die_setup("remount /dev/%s read-only: %s", name, strerror(errno));
}

/* A minimal /dev: the usual character devices, a private devpts, shm. */
static void setup_dev(struct sup *s)
{
	char dev[PATH_MAX], p[PATH_MAX];
	path_join(dev, s->shadow, "/dev");
	if (mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k"))
		die_setup("mount tmpfs on shadow /dev: %s", strerror(errno));
	int devfd = open_dir(dev, "shadow /dev");
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		bind_dev_node(devfd, nodes[i]);
	if (mkdirat(devfd, "pts", 0755) || mkdirat(devfd, "shm", 01777))
		die_setup("shadow /dev: mkdir: %s", strerror(errno));
	path_join(p, dev, "/pts");
	if (mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"))
		die_setup("mount devpts: %s", strerror(errno));
	path_join(p, dev, "/shm");
	if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"))
		die_setup("mount /dev/shm: %s", strerror(errno));
	static const char *const links[][2] = {
		{ "ptmx", "pts/ptmx" }, { "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i][1], devfd, links[i][0]))
			die_setup("shadow /dev/%s: %s", links[i][0], strerror(errno));
	close(devfd);
	if (mount(NULL, dev, NULL, MS_REMOUNT | MS_NOSUID | MS_NOEXEC | MS_RDONLY, NULL))
		die_setup("remount shadow /dev read-only: %s", strerror(errno));
}

static void setup_sys(struct sup *s)
{
	char p[PATH_MAX];
	int fd = open("/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	int tree = clone_tree(fd, true, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			      MOUNT_ATTR_NOEXEC, "/sys");
	close(fd);
	path_join(p, s->shadow, "/sys");
	attach(tree, p, "/sys");
}

/* --tmp-upper: upper and work in a fresh dir of our own. */
static void make_tmp_upper(struct sup *s)
{
	static char upper[PATH_MAX], work[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	snprintf(s->tmp_upper, sizeof(s->tmp_upper), "%s/ovlrun-upper.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s->tmp_upper))
		die_setup("--tmp-upper: mkdtemp %s: %s", s->tmp_upper, strerror(errno));
	path_join(upper, s->tmp_upper, "/upper");
	path_join(work, s->tmp_upper, "/work");
	s->opt.upper = upper;
	s->opt.work = work;
}

/* A clean absolute path: no "." or ".." components, no doubled or
 * trailing slashes; not "/" and not under a kernel-served dir. */
static void check_bind_dst(const char *dst)
{
	bool bad = dst[0] != '/' || !dst[1] || strstr(dst, "//") || dst[strlen(dst) - 1] == '/' ||
		   strstr(dst, "/./") || strstr(dst, "/../") || !strcmp(strrchr(dst, '/'), "/.") ||
		   !strcmp(strrchr(dst, '/'), "/..");
	static const char *const reserved[] = { "/proc", "/dev", "/sys" };
	for (size_t i = 0; i < 3 && !bad; i++) {
		size_t n = strlen(reserved[i]);
		bad = !strncmp(dst, reserved[i], n) && (!dst[n] || dst[n] == '/');
	}
	if (bad)
		die_setup("bind destination %s: must be a plain absolute path outside /proc, /dev, /sys",
			  dst);
}

static int clone_bind(const struct bind_opt *b, bool *is_dir)
{
	struct stat st;
	check_bind_dst(b->dst);
	int fd = open(b->src, O_PATH | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		die_setup("bind source %s: %s", b->src, strerror(errno));
	*is_dir = S_ISDIR(st.st_mode);
	unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (b->ro ? MOUNT_ATTR_RDONLY : 0);
	int tree = clone_tree(fd, true, attrs, b->src);
	close(fd);
	return tree;
}

/* Put a bind's mount at its place in the shadow root. */
static void attach_bind(struct sup *s, const struct bind_opt *b, int tree, bool is_dir)
{
	int target;
	if (is_dir) {
		target = shadow_dir(s, b->dst, O_PATH);
	} else {
		char parent[PATH_MAX];
		const char *name;
		split_parent(b->dst, parent, &name);
		int dfd = shadow_dir(s, parent, O_PATH);
		target = dfd < 0 ? dfd : openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW |
						 O_CLOEXEC, 0);
		if (dfd >= 0)
			close(dfd);
	}
	if (target < 0)
		die_setup("bind destination %s: %s", b->dst, strerror(target == -1 ? errno : -target));
	if (syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH |
		    MOVE_MOUNT_T_EMPTY_PATH))
		die_setup("bind %s on %s: move_mount: %s", b->src, b->dst, strerror(errno));
	close(target);
	close(tree);
}

/* The dirs above a bind's destination must exist in the overlay for the
 * command to reach it: make missing ones in the upper, as container
 * runtimes make mountpoints in the container's root. */
static void bind_parents(struct sup *s, const char *dst)
{
	struct ovl_cred root = { .cap_eff = ~0ULL, .umask = 022 };
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s", dst);
	for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		struct ovl_entry e;
		*slash = 0;
		int err = ovl_lookup(s->fs, &root, "/", path, 0, &e);
		if (!err && !e.passthrough) {
			if (e.type == 0)
				err = ovl_fs_writable(s->fs) ? ovl_mkdir(s->fs, &root, &e, 0755) : -ENOENT;
			else if (!S_ISDIR(e.type))
				err = -ENOTDIR;
			ovl_entry_release(&e);
		}
		if (err)
			die_setup("bind destination %s: %s: %s", dst, path, strerror(-err));
		*slash = '/';
	}
}

/* --chdir: the overlay dir, mirrored, where the command starts. */
static void initial_cwd(struct sup *s)
{
	struct ovl_cred root = { .cap_eff = ~0ULL, .umask = 022 };
	struct ovl_entry e;
	const char *dir = s->opt.chdir ? s->opt.chdir : "/";
	int err = ovl_lookup(s->fs, &root, "/", dir, OVL_LOOKUP_FOLLOW | OVL_LOOKUP_DIRECTORY, &e);
	if (!err && e.passthrough) {
		snprintf(s->cwd, sizeof(s->cwd), "%s", dir);  /* the kernel's own */
		return;
	}
	if (!err) {
		if (e.type == 0) {
			err = -ENOENT;
		} else {
			snprintf(s->cwd, sizeof(s->cwd), "%s", e.path);
			int fd = shadow_dir(s, e.path, O_PATH);
			err = fd < 0 ? fd : 0;
			if (fd >= 0)
				close(fd);
		}
		ovl_entry_release(&e);
	}
	if (err)
		die_setup("--chdir=%s: %s", dir, strerror(-err));
}

int mounts_setup(struct sup *s)
{
	int lower_tree[OVL_MAX_LOWER], bind_tree[OVLRUN_MAX_BINDS];
	bool bind_is_dir[OVLRUN_MAX_BINDS];
	int upper_host_fd = -1, work_host_fd = -1;
	struct stat staging_st, tmp_st;
	struct ovl_config cfg = { .upper_fd = -1, .work_fd = -1 };
	char p[PATH_MAX];

	/* Clone the lowers before anything is mounted, and while their mounts
	 * are still in our namespace (open_tree clones only from there). */
	for (int i = 0; i < s->opt.nlower; i++) {
		int fd = open(s->opt.lower[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			die_setup("lower dir %s: %s", s->opt.lower[i], strerror(errno));
		lower_tree[i] = clone_tree(fd, true, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					   MOUNT_ATTR_NODEV, s->opt.lower[i]);
		close(fd);
	}
	for (int i = 0; i < s->opt.nbind; i++)
		bind_tree[i] = clone_bind(&s->opt.bind[i], &bind_is_dir[i]);
	char anc[PATH_MAX];
	if (s->opt.tmp_upper)
		make_tmp_upper(s);
	if (s->opt.upper)
		open_upper(s, &upper_host_fd, &work_host_fd, anc);
	if (unshare(CLONE_NEWNS))
		die_setup("unshare mount namespace: %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		die_setup("make mounts private: %s", strerror(errno));

	const char *tmp = getenv("TMPDIR");
	snprintf(s->staging, sizeof(s->staging), "%s/ovlrun.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s->staging))
		die_setup("staging dir %s: %s", s->staging, strerror(errno));
	if (stat(s->staging, &staging_st))
		die_setup("staging dir %s: %s", s->staging, strerror(errno));
	/* bounded: the command can create sockets and, through /dev/.., files here */
	if (mount("tmpfs", s->staging, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700,size=64m"))
		die_setup("mount staging tmpfs: %s", strerror(errno));

	if (s->opt.upper) {
		attach_upper(s, upper_host_fd, work_host_fd, anc);
		cfg.upper_fd = s->upper_fd;
		cfg.work_fd = s->work_fd;
	} else {
		s->upper_fd = s->work_fd = -1;
	}
	path_join(p, s->staging, "/l");
	xmkdir(p, 0700);
	for (int i = 0; i < s->opt.nlower; i++) {
		char idx[16];
		snprintf(idx, sizeof(idx), "/l/%d", i);
		path_join(s->lower_prefix[i], s->staging, idx);
		xmkdir(s->lower_prefix[i], 0700);
		attach(lower_tree[i], s->lower_prefix[i], s->opt.lower[i]);
		cfg.lower_fd[i] = open_dir(s->lower_prefix[i], "lower dir");
	}
	cfg.nlower = s->opt.nlower;

	path_join(s->shadow, s->staging, "/root");
	s->shadow_len = strlen(s->shadow);
	xmkdir(s->shadow, 0755);
	if (chmod(s->staging, 0755))
		die_setup("chmod staging: %s", strerror(errno));
	s->shadow_fd = open_dir(s->shadow, "shadow root");
	for (const char *const *d = (const char *const[]){ "proc", "dev", "sys", NULL }; *d; d++)
		if (mkdirat(s->shadow_fd, *d, 0755))
			die_setup("shadow /%s: %s", *d, strerror(errno));
	setup_dev(s);
	setup_sys(s);
	for (int i = 0; i < s->opt.nbind; i++)
		attach_bind(s, &s->opt.bind[i], bind_tree[i], bind_is_dir[i]);

	struct stat st;
	fstat(s->shadow_fd, &st);
	cfg.dir_dev = st.st_dev;
	s->pass[s->npass++] = "/proc";
	s->pass[s->npass++] = "/dev";
	s->pass[s->npass++] = "/sys";
	for (int i = 0; i < s->opt.nbind; i++)
		s->pass[s->npass++] = s->opt.bind[i].dst;
	cfg.npassthrough = s->npass;
	for (int i = 0; i < s->npass; i++)
		cfg.passthrough[i] = s->pass[i];
	/* An upper or work dir inside a lower must not show in the merged view. */
	if (upper_host_fd >= 0) {
		fstat(upper_host_fd, &st);
		cfg.hide[cfg.nhide].dev = st.st_dev;
		cfg.hide[cfg.nhide++].ino = st.st_ino;
		fstat(work_host_fd, &st);
		cfg.hide[cfg.nhide].dev = st.st_dev;
		cfg.hide[cfg.nhide++].ino = st.st_ino;
		/* the flock lives on upper_host_fd: keep it open */
		close(work_host_fd);
	}
	/* Our own dirs inside a lower (--lower=/) stay out of the merged view. */
	cfg.hide[cfg.nhide].dev = staging_st.st_dev;
	cfg.hide[cfg.nhide++].ino = staging_st.st_ino;
	if (s->tmp_upper[0] && stat(s->tmp_upper, &tmp_st) == 0) {
		cfg.hide[cfg.nhide].dev = tmp_st.st_dev;
		cfg.hide[cfg.nhide++].ino = tmp_st.st_ino;
	}
	int err = ovl_fs_new(&cfg, &s->fs);
	if (err)
		die_setup("overlay setup: %s", strerror(-err));
	for (int i = 0; i < s->opt.nbind; i++)
		bind_parents(s, s->opt.bind[i].dst);
	initial_cwd(s);
	return 0;
}

void mounts_teardown(struct sup *s)
{
	if (s->fs)
		ovl_fs_free(s->fs);
	umount2(s->staging, MNT_DETACH);
	rmdir(s->staging);
	if (s->work_created)
		rmdir(s->work_path);
	if (s->tmp_upper[0])
		remove_tree_at(AT_FDCWD, s->tmp_upper, false);
}
