/* Temporary overlay layers for the engine's unit tests. */
#include "tmpdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static void die(const char *what, const char *path)
{
	fprintf(stderr, "tmpdir: %s %s: %s\n", what, path, strerror(errno));
	abort();
}

static void join(char *out, const char *dir, const char *rel)
{
	if (snprintf(out, PATH_MAX, "%s/%s", dir, rel) >= PATH_MAX)
		die("path too long", rel);
}

void tfs_init(struct tfs *t, int nlower, int readonly)
{
	memset(t, 0, sizeof(*t));
	strcpy(t->root, "/tmp/ovlrun-unit.XXXXXX");
	if (!mkdtemp(t->root))
		die("mkdtemp", t->root);
	t->nlower = nlower;
	t->upper_fd = t->work_fd = -1;
	if (!readonly) {
		join(t->upper, t->root, "upper");
		join(t->work, t->root, "work");
		if (mkdir(t->upper, 0755) || mkdir(t->work, 0700))
			die("mkdir", t->upper);
	}
	for (int i = 0; i < nlower; i++) {
		char name[16];
		snprintf(name, sizeof(name), "lower%d", i);
		join(t->lower[i], t->root, name);
		if (mkdir(t->lower[i], 0755))
			die("mkdir", t->lower[i]);
		t->lower_fd[i] = -1;
	}
}

int tfs_mount(struct tfs *t)
{
	struct ovl_config cfg = { .upper_fd = -1, .work_fd = -1, .nlower = t->nlower };
	struct stat st;
	if (t->upper[0]) {
		t->upper_fd = open(t->upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		t->work_fd = open(t->work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		cfg.upper_fd = t->upper_fd;
		cfg.work_fd = t->work_fd;
	}
	for (int i = 0; i < t->nlower; i++) {
		t->lower_fd[i] = open(t->lower[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		cfg.lower_fd[i] = t->lower_fd[i];
	}
	if (stat(t->root, &st))
		die("stat", t->root);
	cfg.dir_dev = makedev(0, 4242);
	cfg.index = t->index;
	cfg.lower_oci = t->oci;
	cfg.override_stat = t->override_stat;
	cfg.in_userns = t->in_userns;
	cfg.no_file_handles = t->no_fh;
	return ovl_fs_new(&cfg, &t->fs);
}

static int rm_rf(const char *path)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	return system(cmd);
}

void tfs_fini(struct tfs *t)
{
	if (t->fs)
		ovl_fs_free(t->fs);
	if (t->upper_fd >= 0)
		close(t->upper_fd);
	if (t->work_fd >= 0)
		close(t->work_fd);
	for (int i = 0; i < t->nlower; i++)
		if (t->lower_fd[i] >= 0)
			close(t->lower_fd[i]);
	if (t->root[0])
		rm_rf(t->root);
}

void tfs_mkfile(const char *layer_dir, const char *rel, const char *content, mode_t mode)
{
	char p[PATH_MAX];
	join(p, layer_dir, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		die("create", p);
	size_t n = strlen(content);
	if (write(fd, content, n) != (ssize_t)n)
		die("write", p);
	if (fchmod(fd, mode))
		die("fchmod", p);
	close(fd);
}

void tfs_mkdir(const char *layer_dir, const char *rel, mode_t mode)
{
	char p[PATH_MAX];
	join(p, layer_dir, rel);
	if (mkdir(p, mode) && errno != EEXIST)
		die("mkdir", p);
	if (chmod(p, mode))
		die("chmod", p);
}

void tfs_symlink(const char *layer_dir, const char *rel, const char *target)
{
	char p[PATH_MAX];
	join(p, layer_dir, rel);
	if (symlink(target, p))
		die("symlink", p);
}

void tfs_whiteout(const char *layer_dir, const char *rel)
{
	char p[PATH_MAX];
	join(p, layer_dir, rel);
	if (mknod(p, S_IFCHR | 0, makedev(0, 0)))
		die("mknod whiteout", p);
}

void tfs_opaque(const char *layer_dir, const char *rel)
{
	char p[PATH_MAX];
	join(p, layer_dir, rel);
	if (setxattr(p, "trusted.overlay.opaque", "y", 1, 0))
		die("setxattr opaque", p);
}

int tfs_read(const char *layer_dir, const char *rel, char *buf, size_t size)
{
	char p[PATH_MAX];
	join(p, layer_dir, rel);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return (int)n;
}

int tfs_lstat(const char *layer_dir, const char *rel, struct stat *st)
{
	char p[PATH_MAX];
	join(p, layer_dir, rel);
	return lstat(p, st) ? -errno : 0;
}

struct ovl_cred tfs_root_cred(void)
{
	struct ovl_cred c = { .fsuid = 0, .fsgid = 0, .cap_eff = ~0ULL, .umask = 022 };
	return c;
}

struct ovl_cred tfs_user_cred(uid_t uid, gid_t gid)
{
	struct ovl_cred c = { .fsuid = uid, .fsgid = gid, .cap_eff = 0, .umask = 022 };
	return c;
}

static int tfs_setup(void **state, int nlower, int readonly)
{
	struct tfs *t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	tfs_init(t, nlower, readonly);
	*state = t;
	return 0;
}

int tfs_setup_1(void **state) { return tfs_setup(state, 1, 0); }
int tfs_setup_2(void **state) { return tfs_setup(state, 2, 0); }
int tfs_setup_3(void **state) { return tfs_setup(state, 3, 0); }
int tfs_setup_ro(void **state) { return tfs_setup(state, 1, 1); }
int tfs_setup_ro2(void **state) { return tfs_setup(state, 2, 1); }

int tfs_teardown(void **state)
{
	tfs_fini(*state);
	free(*state);
	return 0;
}

int tfs_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}
