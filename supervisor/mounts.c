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
#include "shadow.h"
#include "staging.h"
#include "upper.h"


static void bind_dev_node(struct sup *s, int devfd, const char *name)
{
	char src[64], dst[64];
	struct stat st;
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
	/* a node of the same device in the overlay opens it too (shadow.c) */
	if (stat(dst, &st) || !S_ISCHR(st.st_mode))
		die_setup("shadow /dev/%s: not a character device", name);
	if (s->ndev_nodes < (int)(sizeof(s->dev_nodes) / sizeof(s->dev_nodes[0])))
		s->dev_nodes[s->ndev_nodes++] = st.st_rdev;
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
		bind_dev_node(s, devfd, nodes[i]);
	if (mkdirat(devfd, "pts", 0755) || mkdirat(devfd, "shm", 01777))
		die_setup("shadow /dev: mkdir: %s", strerror(errno));
	path_join(p, dev, "/pts");
	/* max: the host's ptys beyond its reserve are shared by every devpts
	 * instance; one sandbox must not take them all */
	if (mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620,max=64"))
		die_setup("mount devpts: %s", strerror(errno));
	/* bounded: every sandbox would otherwise get half of the host's RAM;
	 * inodes too (empty files cost kernel memory that "size" does not
	 * count): one per 4 KiB of size, at least 1024 */
	char opts[96];
	unsigned long long inodes = s->opt.shm_size / 4096 > 1024 ? s->opt.shm_size / 4096 : 1024;
	snprintf(opts, sizeof(opts), "mode=1777,size=%llu,nr_inodes=%llu", s->opt.shm_size, inodes);
	path_join(p, dev, "/shm");
	if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, opts))
		die_setup("mount /dev/shm (%s): %s", opts, strerror(errno));
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
		} else if (strlen(e.path) >= sizeof(s->cwd)) {
			err = -ENAMETOOLONG;
		} else {
			memcpy(s->cwd, e.path, strlen(e.path) + 1);
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
	int bind_tree[OVLRUN_MAX_BINDS];
	int *lower_tree = calloc((size_t)s->opt.nlower, sizeof(*lower_tree));
	s->lower_prefix = calloc((size_t)s->opt.nlower, sizeof(*s->lower_prefix));
	if (!lower_tree || !s->lower_prefix)
		die_setup("no memory for %d lowers", s->opt.nlower);
	bool bind_is_dir[OVLRUN_MAX_BINDS];
	int upper_host_fd = -1, work_host_fd = -1;
	struct stat staging_st, tmp_st;
	struct ovl_config cfg = { .upper_fd = -1, .work_fd = -1 };
	char p[PATH_MAX];

	layers_check_lowers(s);
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
		upper_make_tmp(s);
	if (s->opt.upper)
		upper_open(s, &upper_host_fd, &work_host_fd, anc);
	if (unshare(CLONE_NEWNS))
		die_setup("unshare mount namespace: %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		die_setup("make mounts private: %s", strerror(errno));

	staging_make(s, &staging_st);

	if (s->opt.upper) {
		upper_attach(s, upper_host_fd, work_host_fd, anc);
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
		path_join(p, s->staging, idx);
		if (!(s->lower_prefix[i] = strdup(p)))
			die_setup("no memory for %d lowers", s->opt.nlower);
		xmkdir(s->lower_prefix[i], 0700);
		attach_tree(lower_tree[i], s->lower_prefix[i], s->opt.lower[i]);
		cfg.lower_fd[i] = open_dir(s->lower_prefix[i], "lower dir");
	}
	free(lower_tree);
	cfg.nlower = s->opt.nlower;
	/* (a user namespace may not write trusted.*: the kernel's userxattr form) */
	if (s->rootless) {
		cfg.xattr_prefix = "user.overlay.";
		cfg.no_redirect = true; /* (userxattr mounts do not follow redirects) */
		cfg.no_file_handles = true;
		cfg.override_stat = true;
		cfg.in_userns = true;
	}
	cfg.lower_oci = s->opt.lower_oci;

	path_join(s->shadow, s->staging, "/root");
	s->shadow_len = strlen(s->shadow);
	xmkdir(s->shadow, 0755);
	/* The shadow is a filesystem of its own, so that the command's
	 * namespace can hold it and nothing of the staging area, and a shared
	 * mount, so that what the supervisor mounts in it later (executables,
	 * FIFOs, sockets) reaches the command's copy, which is its slave
	 * (sandbox_root.c).  Bounded: it holds only mirrors, one inode per
	 * overlay dir or symlink the command reached (issue 8 evicts them). */
	if (mount("tmpfs", s->shadow, "tmpfs", MS_NOSUID | MS_NODEV,
		  "mode=0755,size=16m,nr_inodes=262144") ||
	    mount(NULL, s->shadow, NULL, MS_SHARED, NULL))
		die_setup("mount shadow root tmpfs on %s: %s", s->shadow, strerror(errno));
	s->shadow_fd = open_dir(s->shadow, "shadow root");
	s->shadow_ops = &shadow_root_ops;
	for (const char *const *d = (const char *const[]){ "proc", "dev", "sys", NULL }; *d; d++)
		if (mkdirat(s->shadow_fd, *d, 0755))
			die_setup("shadow /%s: %s", *d, strerror(errno));
	setup_dev(s);
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
	cfg.index = s->opt.index;
	int err = ovl_fs_new(&cfg, &s->fs);
	if (err == -ESTALE && cfg.index)
		die_setup("--index=on: upper dir %s or work dir %s: made with other layers (its "
			  "recorded origin differs, as the kernel's index=on checks; %s): use the "
			  "layers it was made with, remove the work dir's index and the upper root's "
			  "origin xattr, or run with --index=off",
			  s->opt.upper ? s->opt.upper : s->tmp_upper, s->opt.work ? s->opt.work : "",
			  strerror(-err));
	if (err == -EINVAL && cfg.index)
		die_setup("--index=on: work dir %s: its index holds an entry that is not the "
			  "kernel's (a name that is no file handle, or no origin record), which its "
			  "overlayfs refuses to mount with (%s): remove the work dir's index or run "
			  "with --index=off", s->opt.work ? s->opt.work : "", strerror(-err));
	if (err)
		die_setup("overlay setup: %s", strerror(-err));
	if (cfg.index && !ovl_fs_indexed(s->fs))
		s->index_prefix[0] = 0;         /* (no index fds: the quick way again) */
	if (cfg.index && !ovl_fs_indexed(s->fs))
		fprintf(stderr, "ovlrun: --index=on: %s: going on with --index=off, as the "
			"kernel's overlayfs falls back\n",
			cfg.no_file_handles ? "a run by a user cannot open file handles"
					    : "a layer's filesystem cannot make file handles");
	for (int i = 0; i < cfg.nlower; i++)
		close(cfg.lower_fd[i]);         /* the engine has its own */
	for (int i = 0; i < s->opt.nbind; i++)
		bind_parents(s, s->opt.bind[i].dst);
	initial_cwd(s);
	err = mount_ids_init(s);
	if (err)
		die_setup("reading the staging mounts: %s", strerror(-err));
	return 0;
}

void mounts_teardown(struct sup *s)
{
	if (s->fs)
		ovl_fs_free(s->fs);
	mount_ids_free(s);
	umount2(s->staging, MNT_DETACH);
	rmdir(s->staging);
	upper_cleanup(s);
}
