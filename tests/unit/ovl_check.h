/*
 * Assertions on the on-disk result of engine operations, shared by the
 * copy-up / dir / remove / rename / open tests.  Include after cmocka.h.
 */
#ifndef OVLRUN_TESTS_OVL_CHECK_H
#define OVLRUN_TESTS_OVL_CHECK_H

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
#include "tmpdir.h"

static inline void chk_path(char *out, const char *dir, const char *rel)
{
	/* a used return value keeps -Wformat-truncation quiet */
	assert_true(snprintf(out, PATH_MAX, "%s/%s", dir, rel) < PATH_MAX);
}

/* Look path up as root, without following a final symlink. */
static inline void chk_lookup(struct tfs *t, const char *path, struct ovl_entry *e)
{
	struct ovl_cred c = tfs_root_cred();
	int err = ovl_lookup(t->fs, &c, "/", path, 0, e);
	if (err)
		fprintf(stderr, "lookup %s: %s\n", path, strerror(-err));
	assert_int_equal(err, 0);
}

static inline void chk_whiteout(const char *dir, const char *rel)
{
	struct stat st;
	assert_int_equal(tfs_lstat(dir, rel, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(0, 0));
}

static inline void chk_absent(const char *dir, const char *rel)
{
	struct stat st;
	assert_int_equal(tfs_lstat(dir, rel, &st), -ENOENT);
}

/* Value of an xattr on dir/rel (not following symlinks); -errno if none. */
static inline int chk_getxattr(const char *dir, const char *rel, const char *name,
			       char *buf, size_t size)
{
	char p[PATH_MAX];
	chk_path(p, dir, rel);
	ssize_t n = lgetxattr(p, name, buf, size);
	return n < 0 ? -errno : (int)n;
}

static inline bool chk_has_xattr(const char *dir, const char *rel, const char *name,
				 const char *value)
{
	char buf[256];
	int n = chk_getxattr(dir, rel, name, buf, sizeof(buf));
	if (n < 0)
		return false;
	return !value || ((size_t)n == strlen(value) && !memcmp(buf, value, (size_t)n));
}

static inline void chk_opaque(const char *dir, const char *rel, bool expect)
{
	assert_int_equal(chk_has_xattr(dir, rel, "trusted.overlay.opaque", "y"), expect);
}

/* Entries in a host dir other than . and .. */
static inline int chk_count(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* The work dir must be left empty after every operation. */
static inline void chk_work_clean(const struct tfs *t)
{
	assert_int_equal(chk_count(t->work), 0);
}

/* FNV-1a of a file's content. */
static inline unsigned long long chk_hash(const char *dir, const char *rel)
{
	char p[PATH_MAX];
	chk_path(p, dir, rel);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	unsigned long long h = 1469598103934665603ULL;
	unsigned char b[65536];
	ssize_t n;
	while ((n = read(fd, b, sizeof(b))) > 0)
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ b[i]) * 1099511628211ULL;
	close(fd);
	return h;
}

/* A text description of a tree: names, types, modes, owners, sizes,
 * mtimes, device numbers, link targets, contents, xattrs.  Compared before
 * and after to prove lower layers are unchanged (atime aside). */
static inline void chk_snap_rec(const char *root, const char *rel, FILE *out)
{
	char p[PATH_MAX];
	chk_path(p, root, rel);
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	fprintf(out, "%s %o %u:%u %lld %lld.%09ld %u:%u", rel, st.st_mode, st.st_uid, st.st_gid,
		(long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		major(st.st_rdev), minor(st.st_rdev));
	if (S_ISLNK(st.st_mode)) {
		char tgt[PATH_MAX] = "";
		ssize_t n = readlink(p, tgt, sizeof(tgt) - 1);
		if (n > 0)
			tgt[n] = 0;
		fprintf(out, " -> %s", tgt);
	} else if (S_ISREG(st.st_mode)) {
		fprintf(out, " #%llx", chk_hash(root, rel));
	}
	char names[4096];
	ssize_t nl = llistxattr(p, names, sizeof(names));
	for (ssize_t i = 0; i < nl; i += (ssize_t)strlen(names + i) + 1) {
		char v[256];
		ssize_t vn = lgetxattr(p, names + i, v, sizeof(v) - 1);
		v[vn < 0 ? 0 : vn] = 0;
		fprintf(out, " [%s=%s]", names + i, v);
	}
	fputc('\n', out);
	if (!S_ISDIR(st.st_mode))
		return;
	struct dirent **list;
	int n = scandir(p, &list, NULL, alphasort);
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		if (strcmp(list[i]->d_name, ".") && strcmp(list[i]->d_name, "..")) {
			char sub[PATH_MAX];
			assert_true(snprintf(sub, sizeof(sub), "%s/%s", rel, list[i]->d_name) <
				    (int)sizeof(sub));
			chk_snap_rec(root, sub, out);
		}
		free(list[i]);
	}
	free(list);
}

/* Caller frees. */
static inline char *chk_snapshot(const char *root)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	chk_snap_rec(root, ".", out);
	assert_int_equal(fclose(out), 0);
	return buf;
}

/* Snapshot of every lower of t. */
struct chk_lowers {
	char *snap[3];
	int n;
};

static inline void chk_lowers_take(const struct tfs *t, struct chk_lowers *s)
{
	s->n = t->nlower;
	for (int i = 0; i < t->nlower; i++)
		s->snap[i] = chk_snapshot(t->lower[i]);
}

static inline void chk_lowers_same(const struct tfs *t, struct chk_lowers *s)
{
	for (int i = 0; i < s->n; i++) {
		char *now = chk_snapshot(t->lower[i]);
		assert_string_equal(now, s->snap[i]);
		free(now);
		free(s->snap[i]);
	}
	s->n = 0;
}

static inline void chk_set_times(const char *dir, const char *rel, time_t atime, time_t mtime)
{
	char p[PATH_MAX];
	struct timespec ts[2] = { { atime, 0 }, { mtime, 0 } };
	chk_path(p, dir, rel);
	assert_int_equal(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), 0);
}

static inline void chk_chown(const char *dir, const char *rel, uid_t uid, gid_t gid)
{
	char p[PATH_MAX];
	chk_path(p, dir, rel);
	assert_int_equal(lchown(p, uid, gid), 0);
}

static inline void chk_chmod(const char *dir, const char *rel, mode_t mode)
{
	char p[PATH_MAX];
	chk_path(p, dir, rel);
	assert_int_equal(chmod(p, mode), 0);
}

static inline void chk_setxattr(const char *dir, const char *rel, const char *name,
				const char *value)
{
	char p[PATH_MAX];
	chk_path(p, dir, rel);
	assert_int_equal(lsetxattr(p, name, value, strlen(value), 0), 0);
}

#endif
