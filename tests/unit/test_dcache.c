/* Directory cache: walks through cached dirs must give exactly what an
 * uncached walk gives, after every kind of change that invalidates, under
 * a tiny bound, and without leaking fds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tmpdir.h"
#include "../../overlay/internal.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif


static int lk_as(struct tfs *t, const struct ovl_cred *c, const char *path, struct ovl_entry *e)
{
	return ovl_lookup(t->fs, c, "/", path, 0, e);
}

static int lk(struct tfs *t, const char *path, struct ovl_entry *e)
{
	struct ovl_cred c = tfs_root_cred();
	return lk_as(t, &c, path, e);
}

/* What a lookup found, comparable across cached and uncached walks. */
struct seen {
	int err;
	mode_t type;
	int layer;
	dev_t dev;
	ino_t ino;
	mode_t mode;
	int pn, dn;
	uint16_t pl[4], dl[4];          /* (the tests' trees have 3 lowers) */
	ino_t pino[4];
};

static struct seen see(struct tfs *t, const struct ovl_cred *c, const char *path)
{
	struct ovl_entry e;
	struct seen s;
	memset(&s, 0, sizeof(s));
	s.err = lk_as(t, c, path, &e);
	if (s.err)
		return s;
	s.type = e.type;
	s.layer = e.layer;
	s.dev = e.st.st_dev;
	s.ino = e.st.st_ino;
	s.mode = e.st.st_mode;
	s.pn = e.parent.n;
	s.dn = e.dir.n;
	assert_true(s.pn <= 4 && s.dn <= 4);
	for (int i = 0; i < e.parent.n; i++) {
		struct stat st;
		s.pl[i] = e.parent.layer[i];
		assert_int_equal(fstat(e.parent.fd[i], &st), 0);
		s.pino[i] = st.st_ino;
	}
	for (int i = 0; i < e.dir.n; i++)
		s.dl[i] = e.dir.layer[i];
	ovl_entry_release(&e);
	return s;
}

/* Walk to each path so that the dirs on the way are cached, and check
 * that dir (the last one's parent) is. */
static void warm(struct tfs *t, const char *dir, const char *path)
{
	struct ovl_cred r = tfs_root_cred();
	(void)see(t, &r, path);
	const struct ovl_dir *d;
	const struct stat *st;
	int layer;
	struct ovl_dcentry *c = ovl_dcache_get(t->fs, dir, &d, &st, &layer);
	assert_non_null(c);
	ovl_dcache_put(t->fs, c);
}

/* Look path up through the cache (twice: fill, then hit) and with the
 * cache emptied first; all three must agree.  Returns the result. */
static struct seen same_as_uncached(struct tfs *t, const struct ovl_cred *c, const char *path)
{
	struct seen a = see(t, c, path);
	struct seen b = see(t, c, path);
	ovl_dcache_invalidate(t->fs, "/", true);
	struct seen u = see(t, c, path);
	assert_memory_equal(&a, &u, sizeof(a));
	assert_memory_equal(&b, &u, sizeof(b));
	(void)see(t, c, path);          /* leave the cache filled */
	return u;
}

/* Two paths after a change: both looked up through whatever the cache
 * holds first, then both uncached; they must agree. */
static void same2(struct tfs *t, const char *p1, const char *p2, struct seen *s1,
		  struct seen *s2)
{
	struct ovl_cred r = tfs_root_cred();
	struct seen c1 = see(t, &r, p1), c2 = see(t, &r, p2);
	ovl_dcache_invalidate(t->fs, "/", true);
	*s1 = see(t, &r, p1);
	*s2 = see(t, &r, p2);
	assert_memory_equal(&c1, s1, sizeof(c1));
	assert_memory_equal(&c2, s2, sizeof(c2));
}

static void test_cache_is_used(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "a", 0755);
	tfs_mkdir(t->lower[0], "a/b", 0755);
	tfs_mkfile(t->lower[0], "a/b/f", "x", 0644);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_entry e;
	assert_int_equal(lk(t, "/a/b/f", &e), 0);
	ovl_entry_release(&e);
	/* "/", "/a" and "/a/b" are known now; the final "f" never is */
	assert_int_equal(ovl_dcache_count(t->fs), 3);
	const struct ovl_dir *d;
	const struct stat *st;
	int layer;
	struct ovl_dcentry *c = ovl_dcache_get(t->fs, "/a/b", &d, &st, &layer);
	assert_non_null(c);
	assert_int_equal(layer, 1);
	assert_int_equal(d->n, 1);
	ovl_dcache_put(t->fs, c);
	assert_null(ovl_dcache_get(t->fs, "/a/b/f", &d, &st, &layer));
}

/* A lower dir gets an upper through a child create: cached walks must see
 * the new participation (the new child lives only in upper). */
static void test_copy_up_through_create(void **state)
{
	struct tfs *t = *state;
	struct ovl_cred r = tfs_root_cred();
	tfs_mkdir(t->lower[0], "a", 0755);
	tfs_mkdir(t->lower[0], "a/b", 0755);
	tfs_mkfile(t->lower[0], "a/b/old", "x", 0644);
	assert_int_equal(tfs_mount(t), 0);
	struct seen s = same_as_uncached(t, &r, "/a/b/old");
	assert_int_equal(s.pn, 1);
	assert_int_equal(s.pl[0], 1);

	struct ovl_entry e;
	assert_int_equal(lk(t, "/a/b/new", &e), 0);
	warm(t, "/a/b", "/a/b/old");
	assert_int_equal(ovl_mknod(t->fs, &r, &e, S_IFREG | 0644, 0), 0);
	ovl_entry_release(&e);

	s = same_as_uncached(t, &r, "/a/b/new");
	assert_int_equal(s.err, 0);
	assert_int_equal(s.type, S_IFREG);
	assert_int_equal(s.layer, OVL_UPPER);
	assert_int_equal(s.pn, 2);
	assert_int_equal(s.pl[0], OVL_UPPER);
	s = same_as_uncached(t, &r, "/a/b/old");
	assert_int_equal(s.layer, 1);
	assert_int_equal(s.pn, 2);
}

/* A copy-up of the dir itself (chmod), then a create in it. */
static void test_copy_up_of_dir(void **state)
{
	struct tfs *t = *state;
	struct ovl_cred r = tfs_root_cred();
	tfs_mkdir(t->lower[0], "a", 0755);
	tfs_mkdir(t->lower[0], "a/b", 0755);
	tfs_mkdir(t->upper, "a", 0755);        /* only a/b itself gets copied up */
	assert_int_equal(tfs_mount(t), 0);
	struct seen s = same_as_uncached(t, &r, "/a/b/x");
	assert_int_equal(s.pn, 1);
	struct ovl_entry e;
	assert_int_equal(lk(t, "/a/b", &e), 0);
	warm(t, "/a/b", "/a/b/x");
	assert_int_equal(ovl_copy_up(t->fs, &e), 0);
	ovl_entry_release(&e);
	s = same_as_uncached(t, &r, "/a/b/x");
	assert_int_equal(s.pn, 2);
	assert_int_equal(s.pl[0], OVL_UPPER);
	/* and a chmod of the (now upper) dir */
	assert_int_equal(lk(t, "/a/b", &e), 0);
	warm(t, "/a/b", "/a/b/x");
	assert_int_equal(ovl_chmod(t->fs, &r, &e, 0700), 0);
	ovl_entry_release(&e);
	struct ovl_cred u = tfs_user_cred(1000, 1000);
	assert_int_equal(same_as_uncached(t, &u, "/a/b/x").err, -EACCES);
}

/* chmod 000 of an intermediate dir: a user walking through it must get
 * EACCES, not the search permission the cache saw before. */
static void test_chmod_denies_search(void **state)
{
	struct tfs *t = *state;
	struct ovl_cred r = tfs_root_cred();
	struct ovl_cred u = tfs_user_cred(1000, 1000);
	tfs_mkdir(t->lower[0], "p", 0755);
	tfs_mkdir(t->lower[0], "p/q", 0755);
	tfs_mkfile(t->lower[0], "p/q/f", "x", 0644);
	assert_int_equal(tfs_mount(t), 0);
	struct seen s = same_as_uncached(t, &u, "/p/q/f");
	assert_int_equal(s.err, 0);

	struct ovl_entry e;
	assert_int_equal(lk(t, "/p", &e), 0);
	warm(t, "/p/q", "/p/q/f");
	assert_int_equal(ovl_chmod(t->fs, &r, &e, 0), 0);
	ovl_entry_release(&e);
	s = same_as_uncached(t, &u, "/p/q/f");
	assert_int_equal(s.err, -EACCES);
	s = same_as_uncached(t, &u, "/p/q");
	assert_int_equal(s.err, -EACCES);

	/* now an upper dir: chmod of it alone (no copy-up) must count too */
	assert_int_equal(lk(t, "/p", &e), 0);
	warm(t, "/p/q", "/p/q/f");
	assert_int_equal(ovl_chmod(t->fs, &r, &e, 0755), 0);
	ovl_entry_release(&e);
	s = same_as_uncached(t, &u, "/p/q/f");
	assert_int_equal(s.err, 0);
	assert_int_equal(lk(t, "/p", &e), 0);
	warm(t, "/p/q", "/p/q/f");
	assert_int_equal(ovl_chmod(t->fs, &r, &e, 0700), 0);
	ovl_entry_release(&e);
	s = same_as_uncached(t, &u, "/p/q/f");
	assert_int_equal(s.err, -EACCES);

	/* chown to the user gives it back */
	assert_int_equal(lk(t, "/p", &e), 0);
	warm(t, "/p/q", "/p/q/f");
	assert_int_equal(ovl_chown(t->fs, &r, &e, 1000, 1000), 0);
	ovl_entry_release(&e);
	s = same_as_uncached(t, &u, "/p/q/f");
	assert_int_equal(s.err, 0);
}

/* rmdir then mkdir of the same path: the new dir is opaque, the lower
 * children of the old one must not show. */
static void test_rmdir_mkdir_opaque(void **state)
{
	struct tfs *t = *state;
	struct ovl_cred r = tfs_root_cred();
	tfs_mkdir(t->lower[0], "r", 0755);
	tfs_mkdir(t->lower[0], "r/sub", 0755);
	tfs_mkfile(t->lower[0], "r/sub/low", "x", 0644);
	tfs_mkdir(t->upper, "r", 0755);
	tfs_mkdir(t->upper, "r/sub", 0755);
	tfs_mkfile(t->upper, "r/sub/up", "x", 0644);
	assert_int_equal(tfs_mount(t), 0);
	struct seen s = same_as_uncached(t, &r, "/r/sub/low");
	assert_int_equal(s.type, S_IFREG);
	assert_int_equal(s.pn, 2);

	struct ovl_entry e;
	assert_int_equal(lk(t, "/r/sub/low", &e), 0);
	assert_int_equal(ovl_unlink(t->fs, &r, &e), 0);
	ovl_entry_release(&e);
	assert_int_equal(lk(t, "/r/sub/up", &e), 0);
	assert_int_equal(ovl_unlink(t->fs, &r, &e), 0);
	ovl_entry_release(&e);
	assert_int_equal(lk(t, "/r/sub", &e), 0);
	warm(t, "/r/sub", "/r/sub/low");
	assert_int_equal(ovl_rmdir(t->fs, &r, &e), 0);
	ovl_entry_release(&e);
	s = same_as_uncached(t, &r, "/r/sub/low");
	assert_int_equal(s.err, -ENOENT);

	assert_int_equal(lk(t, "/r/sub", &e), 0);
	assert_int_equal(ovl_mkdir(t->fs, &r, &e, 0755), 0);
	ovl_entry_release(&e);
	s = same_as_uncached(t, &r, "/r/sub/low");
	assert_int_equal(s.err, 0);
	assert_int_equal(s.type, 0);
	assert_int_equal(s.pn, 1);      /* opaque: only the upper dir */
	assert_int_equal(s.pl[0], OVL_UPPER);
}

/* Rename of a dir: old name gone, new name leads into it, including over
 * an empty dir that was cached at the new name. */
static void test_rename_dir(void **state)
{
	struct tfs *t = *state;
	struct ovl_cred r = tfs_root_cred();
	tfs_mkdir(t->lower[0], "u", 0755);     /* a merged parent: moved dirs get opaque */
	tfs_mkdir(t->upper, "u", 0755);
	tfs_mkdir(t->upper, "u/m", 0755);
	tfs_mkfile(t->upper, "u/m/x", "x", 0644);
	tfs_mkdir(t->upper, "u/n", 0755);
	assert_int_equal(tfs_mount(t), 0);
	struct seen s = same_as_uncached(t, &r, "/u/m/x");
	assert_int_equal(s.type, S_IFREG);
	s = same_as_uncached(t, &r, "/u/n/x");
	assert_int_equal(s.err, 0);
	assert_int_equal(s.type, 0);

	struct ovl_entry o, n;
	assert_int_equal(lk(t, "/u/m", &o), 0);
	assert_int_equal(lk(t, "/u/n", &n), 0);
	warm(t, "/u/m", "/u/m/x");
	warm(t, "/u/n", "/u/n/x");
	assert_int_equal(ovl_rename(t->fs, &r, &o, &n, 0), 0);
	ovl_entry_release(&o);
	ovl_entry_release(&n);
	struct seen s2;
	same2(t, "/u/m/x", "/u/n/x", &s, &s2);
	assert_int_equal(s.err, -ENOENT);
	assert_int_equal(s2.err, 0);
	assert_int_equal(s2.type, S_IFREG);

	/* and back, to a free name */
	assert_int_equal(lk(t, "/u/n", &o), 0);
	assert_int_equal(lk(t, "/u/m", &n), 0);
	warm(t, "/u/n", "/u/n/x");
	assert_int_equal(ovl_rename(t->fs, &r, &o, &n, 0), 0);
	ovl_entry_release(&o);
	ovl_entry_release(&n);
	same2(t, "/u/n/x", "/u/m/x", &s, &s2);
	assert_int_equal(s.err, -ENOENT);
	assert_int_equal(s2.type, S_IFREG);
}

static void test_rename_exchange(void **state)
{
	struct tfs *t = *state;
	struct ovl_cred r = tfs_root_cred();
	tfs_mkdir(t->upper, "e1", 0755);
	tfs_mkfile(t->upper, "e1/one", "1", 0644);
	tfs_mkdir(t->upper, "e2", 0755);
	tfs_mkfile(t->upper, "e2/two", "2", 0644);
	assert_int_equal(tfs_mount(t), 0);
	assert_int_equal(same_as_uncached(t, &r, "/e1/one").type, S_IFREG);
	assert_int_equal(same_as_uncached(t, &r, "/e2/two").type, S_IFREG);

	struct ovl_entry o, n;
	assert_int_equal(lk(t, "/e1", &o), 0);
	assert_int_equal(lk(t, "/e2", &n), 0);
	warm(t, "/e1", "/e1/one");
	warm(t, "/e2", "/e2/two");
	assert_int_equal(ovl_rename(t->fs, &r, &o, &n, RENAME_EXCHANGE), 0);
	ovl_entry_release(&o);
	ovl_entry_release(&n);
	struct seen a, b;
	same2(t, "/e1/one", "/e2/two", &a, &b);
	assert_int_equal(a.type, 0);
	assert_int_equal(b.type, 0);
	same2(t, "/e1/two", "/e2/one", &a, &b);
	assert_int_equal(a.type, S_IFREG);
	assert_int_equal(b.type, S_IFREG);
}

/* Relative walks from a cached base, "..", "." and the root itself. */
static void test_base_dotdot_root(void **state)
{
	struct tfs *t = *state;
	struct ovl_cred r = tfs_root_cred();
	tfs_mkdir(t->lower[0], "a", 0755);
	tfs_mkdir(t->lower[0], "a/b", 0755);
	tfs_mkfile(t->lower[0], "a/f", "x", 0644);
	assert_int_equal(tfs_mount(t), 0);
	const char *paths[] = { "/", "/.", "/a/.", "/a/b/..", "/a/b/../f", "/a/b/../../a/b" };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		(void)same_as_uncached(t, &r, paths[i]);
	struct ovl_entry e;
	for (int pass = 0; pass < 2; pass++) {
		assert_int_equal(ovl_lookup(t->fs, &r, "/a/b", "../f", 0, &e), 0);
		assert_int_equal(e.type, S_IFREG);
		assert_string_equal(e.path, "/a/f");
		ovl_entry_release(&e);
	}
	/* the root's stat is fresh after a change to it */
	assert_int_equal(lk(t, "/", &e), 0);
	assert_int_equal(ovl_chmod(t->fs, &r, &e, 0700), 0);
	ovl_entry_release(&e);
	struct seen s = same_as_uncached(t, &r, "/.");
	assert_int_equal(s.mode & 07777, 0700);
	struct ovl_cred u = tfs_user_cred(1000, 1000);
	assert_int_equal(same_as_uncached(t, &u, "/a/f").err, -EACCES);
}

/* Attribute changes that need no copy-up still drop the dir's entry. */
static void test_attr_changes_invalidate(void **state)
{
	struct tfs *t = *state;
	struct ovl_cred r = tfs_root_cred();
	tfs_mkdir(t->upper, "a", 0755);
	tfs_mkdir(t->upper, "a/b", 0755);
	assert_int_equal(tfs_mount(t), 0);
	const struct ovl_dir *d;
	const struct stat *st;
	int layer;
	struct ovl_entry e;
	for (int op = 0; op < 3; op++) {
		assert_int_equal(lk(t, "/a/b", &e), 0);
		warm(t, "/a/b", "/a/b/x");
		if (op == 0)
			assert_int_equal(ovl_utimens(t->fs, &r, &e, NULL), 0);
		else if (op == 1)
			assert_int_equal(ovl_setxattr(t->fs, &r, &e, "user.k", "v", 1, 0), 0);
		else
			assert_int_equal(ovl_removexattr(t->fs, &r, &e, "user.k"), 0);
		ovl_entry_release(&e);
		assert_null(ovl_dcache_get(t->fs, "/a/b", &d, &st, &layer));
	}
}

/* A dir invalidated while a walk holds it stays usable until unpinned. */
static void test_pinned_survives_invalidation(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "a", 0755);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_entry e;
	assert_int_equal(lk(t, "/a/x", &e), 0);
	ovl_entry_release(&e);
	const struct ovl_dir *d;
	const struct stat *st;
	int layer;
	struct ovl_dcentry *c = ovl_dcache_get(t->fs, "/a", &d, &st, &layer);
	assert_non_null(c);
	int fd = d->fd[0];
	ovl_dcache_invalidate(t->fs, "/", true);
	assert_int_equal(ovl_dcache_count(t->fs), 0);
	assert_null(ovl_dcache_get(t->fs, "/a", &d, &st, &layer));
	assert_true(fcntl(fd, F_GETFD) >= 0);   /* still ours */
	ovl_dcache_put(t->fs, c);
	assert_int_equal(fcntl(fd, F_GETFD), -1); /* freed at the last unpin */
}

/* A tiny bound: results stay right, the bound holds, fds come back. */
static void test_eviction_and_fds(void **state)
{
	struct tfs *t = *state;
	struct ovl_cred r = tfs_root_cred();
	char p[64];
	for (int i = 0; i < 6; i++) {
		snprintf(p, sizeof(p), "d%d", i);
		tfs_mkdir(t->lower[1], p, 0755);
		tfs_mkdir(t->lower[0], p, 0755);
		snprintf(p, sizeof(p), "d%d/s", i);
		tfs_mkdir(t->lower[1], p, 0755);
		snprintf(p, sizeof(p), "d%d/s/f", i);
		tfs_mkfile(t->lower[1], p, "x", 0644);
	}
	assert_int_equal(tfs_mount(t), 0);
	int base = tfs_count_fds();
	for (unsigned max = 1; max <= 4; max++) {
		ovl_dcache_set_max(t->fs, max);
		for (int round = 0; round < 3; round++) {
			for (int i = 0; i < 6; i++) {
				snprintf(p, sizeof(p), "/d%d/s/f", i);
				struct seen s = see(t, &r, p);
				assert_int_equal(s.err, 0);
				assert_int_equal(s.type, S_IFREG);
				assert_int_equal(s.layer, 2);
				snprintf(p, sizeof(p), "/d%d/s/../s/f", i);
				assert_int_equal(see(t, &r, p).layer, 2);
				assert_true(ovl_dcache_count(t->fs) <= max);
				/* at most max dirs of at most 3 layers are held */
				assert_true(tfs_count_fds() <= base + (int)max * 3);
			}
		}
		(void)same_as_uncached(t, &r, "/d3/s/f");
	}
	/* a create under an evicted-then-recached dir, then everything back */
	struct ovl_entry e;
	assert_int_equal(lk(t, "/d5/s/new", &e), 0);
	assert_int_equal(ovl_mknod(t->fs, &r, &e, S_IFREG | 0644, 0), 0);
	ovl_entry_release(&e);
	assert_int_equal(same_as_uncached(t, &r, "/d5/s/new").layer, OVL_UPPER);
	ovl_dcache_set_max(t->fs, 1024);
	for (int i = 0; i < 6; i++) {
		snprintf(p, sizeof(p), "/d%d/s/f", i);
		(void)see(t, &r, p);
	}
	assert_true(tfs_count_fds() > base);
	ovl_dcache_invalidate(t->fs, "/", true);
	assert_int_equal(ovl_dcache_count(t->fs), 0);
	assert_int_equal(tfs_count_fds(), base);
}

/* The tree: a name stays cached while its dir's data is evicted (the dir
 * is kept as a node that knows nothing, looked up again by the next walk);
 * a subtree invalidation drops every node below and nothing beside; nodes
 * that know nothing go with their last child. */
static void test_tree(void **state)
{
	struct tfs *t = *state;
	struct ovl_cred r = tfs_root_cred();
	tfs_mkdir(t->lower[0], "a", 0755);
	tfs_mkdir(t->lower[0], "a/b", 0755);
	tfs_mkdir(t->lower[0], "c", 0755);
	for (int i = 0; i < 8; i++) {
		char p[32];
		snprintf(p, sizeof(p), "e%d", i);
		tfs_mkdir(t->lower[0], p, 0755);
	}
	assert_int_equal(tfs_mount(t), 0);
	char host[PATH_MAX + 8];

	/* a negative under /a/b, then /a/b's data evicted by other dirs */
	assert_int_equal(see(t, &r, "/a/b/n").type, 0);
	assert_int_equal(see(t, &r, "/c/m").type, 0);
	unsigned nodes = ovl_dcache_nodes(t->fs);
	assert_int_equal(nodes, 5);     /* a, a/b, a/b/n, c, c/m */
	ovl_dcache_set_max(t->fs, 2);
	for (int i = 0; i < 8; i++) {
		char p[32];
		snprintf(p, sizeof(p), "/e%d", i);
		(void)see(t, &r, p);
	}
	const struct ovl_dir *d;
	const struct stat *st;
	int layer;
	assert_null(ovl_dcache_get(t->fs, "/a/b", &d, &st, &layer));
	/* ...the negative is still what the cache answers (a file made
	 * behind the engine stays unseen), through a fresh /a/b */
	snprintf(host, sizeof(host), "%s/a/b/n", t->lower[0]);
	tfs_mkfile(t->lower[0], "a/b/n", "behind", 0644);
	assert_int_equal(see(t, &r, "/a/b/n").type, 0);
	ovl_dcache_set_max(t->fs, 1024);

	/* a subtree invalidation drops /a and below, not /c's */
	assert_int_equal(see(t, &r, "/c/m").type, 0);
	tfs_mkfile(t->lower[0], "c/m", "behind", 0644);
	unsigned before = ovl_dcache_nodes(t->fs);
	ovl_dcache_invalidate(t->fs, "/a", true);
	assert_int_equal(ovl_dcache_nodes(t->fs), before - 3);
	assert_int_equal(see(t, &r, "/a/b/n").type, S_IFREG);
	assert_int_equal(see(t, &r, "/c/m").type, 0);
	/* the name's own invalidation: its node goes, and so do the
	 * ancestors that know nothing and have no other child */
	before = ovl_dcache_nodes(t->fs);
	ovl_dcache_invalidate(t->fs, "/c", false);  /* /c knows nothing now */
	assert_int_equal(ovl_dcache_nodes(t->fs), before);  /* c/m holds it */
	ovl_dcache_invalidate(t->fs, "/c/m", false);
	assert_int_equal(ovl_dcache_nodes(t->fs), before - 2);
	assert_int_equal(see(t, &r, "/c/m").type, S_IFREG);

	/* everything gone: no node left, no fd held */
	ovl_dcache_invalidate(t->fs, "/", true);
	assert_int_equal(ovl_dcache_nodes(t->fs), 0);
	assert_int_equal(ovl_dcache_count(t->fs), 0);
}

/* Freeing the fs gives back every fd the cache held. */
static void test_free_releases_fds(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "a", 0755);
	tfs_mkdir(t->lower[0], "a/b", 0755);
	assert_int_equal(tfs_mount(t), 0);
	int mounted = tfs_count_fds();
	struct ovl_entry e;
	assert_int_equal(lk(t, "/a/b/c", &e), 0);
	ovl_entry_release(&e);
	assert_true(tfs_count_fds() > mounted);
	ovl_fs_free(t->fs);
	t->fs = NULL;
	/* the fs itself held its dups of upper, work and the lower */
	assert_int_equal(tfs_count_fds(), mounted - 3);
}

/* Leaves: a negative or a non-dir found once is answered from the cache
 * (a change behind the engine's back is not seen: no host syscall looked),
 * until the engine itself changes the name or is told to forget it. */
static void test_leaves(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "d", 0755);
	tfs_mkfile(t->lower[0], "d/f", "x", 0644);
	tfs_mkfile(t->lower[0], "d/t1", "1", 0644);
	tfs_mkfile(t->lower[0], "d/t2", "2", 0644);
	tfs_symlink(t->lower[0], "d/l", "t1");
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred root = tfs_root_cred();
	struct ovl_entry e;

	/* a negative, cached: a file made behind the engine stays unseen */
	assert_int_equal(lk(t, "/d/n", &e), 0);
	assert_int_equal(e.type, 0);
	ovl_entry_release(&e);
	tfs_mkfile(t->lower[0], "d/n", "behind", 0644);
	assert_int_equal(lk(t, "/d/n", &e), 0);
	assert_int_equal(e.type, 0);
	ovl_entry_release(&e);
	ovl_forget(t->fs, "/d/n", NULL);
	assert_int_equal(lk(t, "/d/n", &e), 0);
	assert_int_equal(e.type, S_IFREG);
	ovl_entry_release(&e);

	/* a negative the engine fills is seen at once */
	assert_int_equal(lk(t, "/d/m", &e), 0);
	assert_int_equal(e.type, 0);
	assert_int_equal(ovl_mknod(t->fs, &root, &e, S_IFREG | 0600, 0), 0);
	ovl_entry_release(&e);
	assert_int_equal(lk(t, "/d/m", &e), 0);
	assert_int_equal(e.type, S_IFREG);
	assert_int_equal(e.layer, OVL_UPPER);
	/* ...and one it removes is gone at once */
	assert_int_equal(ovl_unlink(t->fs, &root, &e), 0);
	ovl_entry_release(&e);
	assert_int_equal(lk(t, "/d/m", &e), 0);
	assert_int_equal(e.type, 0);
	ovl_entry_release(&e);

	/* a file's metadata is its real file's, whatever was cached */
	assert_int_equal(lk(t, "/d/f", &e), 0);
	ovl_entry_release(&e);
	assert_int_equal(lk(t, "/d/f", &e), 0);
	assert_int_equal(e.st.st_size, 1);
	/* copied up by a chmod: the cached leaf moves to the upper layer */
	assert_int_equal(ovl_chmod(t->fs, &root, &e, 0600), 0);
	ovl_entry_release(&e);
	assert_int_equal(lk(t, "/d/f", &e), 0);
	assert_int_equal(e.layer, OVL_UPPER);
	assert_int_equal(e.st.st_mode & 07777, 0600);
	ovl_entry_release(&e);

	/* a symlink's text is kept once followed */
	assert_int_equal(ovl_lookup(t->fs, &root, "/", "/d/l", OVL_LOOKUP_FOLLOW, &e), 0);
	assert_string_equal(e.name, "t1");
	ovl_entry_release(&e);
	char host[PATH_MAX + 8];
	snprintf(host, sizeof(host), "%s/d/l", t->lower[0]);
	assert_int_equal(unlink(host), 0);
	tfs_symlink(t->lower[0], "d/l", "t2");
	assert_int_equal(ovl_lookup(t->fs, &root, "/", "/d/l", OVL_LOOKUP_FOLLOW, &e), 0);
	assert_string_equal(e.name, "t1");
	ovl_entry_release(&e);
	ovl_forget(t->fs, "/d/l", NULL);
	assert_int_equal(ovl_lookup(t->fs, &root, "/", "/d/l", OVL_LOOKUP_FOLLOW, &e), 0);
	assert_string_equal(e.name, "t2");
	ovl_entry_release(&e);
}

/* OVL_LOOKUP_TYPE_ONLY (readlink's): a cached final non-symlink is taken
 * from the cache with no stat, a change through the engine is seen at
 * once. */
/* The overlay of a lower holding d/f ("x"), mounted: root's credentials. */
static struct ovl_cred mount_with_d_f(struct tfs *t)
{
	tfs_mkdir(t->lower[0], "d", 0755);
	tfs_mkfile(t->lower[0], "d/f", "x", 0644);
	assert_int_equal(tfs_mount(t), 0);
	return tfs_root_cred();
}

/* A lower's file: its lstat is cached with it (lowers never change); an
 * upper file is stat'ed at each lookup (its size, times and set-id bits
 * change natively); a copy-up drops the cached lower lstat. */
static void test_lower_leaf_stat(void **state)
{
	struct tfs *t = *state;
	struct ovl_cred root = mount_with_d_f(t);
	struct ovl_entry e;
	assert_int_equal(ovl_lookup(t->fs, &root, "/", "/d/f", 0, &e), 0);
	assert_int_equal(e.st.st_size, 1);
	ovl_entry_release(&e);
	/* changed behind the engine: the cached lstat answers */
	char host[PATH_MAX + 8];
	snprintf(host, sizeof(host), "%s/d/f", t->lower[0]);
	assert_int_equal(truncate(host, 5), 0);
	assert_int_equal(ovl_lookup(t->fs, &root, "/", "/d/f", 0, &e), 0);
	assert_int_equal(e.layer, 1);
	assert_int_equal(e.st.st_size, 1);
	assert_int_equal(e.st.st_mode, S_IFREG | 0644);
	/* a copy-up: the upper file, stat'ed afresh from now on */
	assert_int_equal(ovl_copy_up(t->fs, &e), 0);
	ovl_entry_release(&e);
	assert_int_equal(ovl_lookup(t->fs, &root, "/", "/d/f", 0, &e), 0);
	assert_int_equal(e.layer, OVL_UPPER);
	assert_int_equal(e.st.st_size, 5);
	ovl_entry_release(&e);
	snprintf(host, sizeof(host), "%s/d/f", t->upper);
	assert_int_equal(truncate(host, 7), 0);
	assert_int_equal(ovl_lookup(t->fs, &root, "/", "/d/f", 0, &e), 0);
	assert_int_equal(e.st.st_size, 7);
	ovl_entry_release(&e);
}

static void test_type_only(void **state)
{
	struct tfs *t = *state;
	struct ovl_cred root = mount_with_d_f(t);
	struct ovl_entry e;
	const unsigned to = OVL_LOOKUP_TYPE_ONLY;

	/* not cached yet: looked up, stat'ed */
	assert_int_equal(ovl_lookup(t->fs, &root, "/", "/d/f", to, &e), 0);
	assert_int_equal(e.type, S_IFREG);
	assert_int_equal(e.st.st_size, 1);
	ovl_entry_release(&e);
	/* cached: the type alone, even when the host changed behind the
	 * engine (it trusts what it cached) */
	char host[PATH_MAX + 8];
	snprintf(host, sizeof(host), "%s/d/f", t->lower[0]);
	assert_int_equal(unlink(host), 0);
	tfs_mkdir(t->lower[0], "d/f", 0755);
	assert_int_equal(ovl_lookup(t->fs, &root, "/", "/d/f", to, &e), 0);
	assert_int_equal(e.type, S_IFREG);
	assert_int_equal(e.st.st_mode, 0);
	ovl_entry_release(&e);
	ovl_forget(t->fs, "/d/f", NULL);
	assert_int_equal(ovl_lookup(t->fs, &root, "/", "/d/f", to, &e), 0);
	assert_int_equal(e.type, S_IFDIR);
	/* a change through the engine: seen at once */
	assert_int_equal(ovl_rmdir(t->fs, &root, &e), 0);
	ovl_entry_release(&e);
	assert_int_equal(ovl_lookup(t->fs, &root, "/", "/d/f", to, &e), 0);
	assert_int_equal(e.type, 0);
	assert_int_equal(ovl_mknod(t->fs, &root, &e, S_IFREG | 0600, 0), 0);
	ovl_entry_release(&e);
	assert_int_equal(ovl_lookup(t->fs, &root, "/", "/d/f", to, &e), 0);
	assert_int_equal(e.type, S_IFREG);
	assert_int_equal(e.layer, OVL_UPPER);
	ovl_entry_release(&e);
}

/* A walk beside a change: what it read before an invalidation of the name
 * (or of a subtree above it) must not go in the cache after it; read after
 * it, it does.  A hit shows what went in. */
static void test_stale_insert_dropped(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "a", 0755);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_dchit hit;
	struct ovl_dcstamp s1 = { 0 }, s2 = { 0 }, s3 = { 0 };

	ovl_dcache_stamp(t->fs, "/a/x", ovl_dcache_gen(t->fs), &s1);
	ovl_dcache_invalidate(t->fs, "/a/x", false);       /* the name changed */
	ovl_dcache_add_leaf(t->fs, "/a/x", 0, -1, NULL, NULL, &s1);
	assert_false(ovl_dcache_find(t->fs, "/a/x", true, &hit, NULL));

	ovl_dcache_stamp(t->fs, "/a/x", ovl_dcache_gen(t->fs), &s2);
	ovl_dcache_invalidate(t->fs, "/a/y", false);       /* another name: no matter */
	ovl_dcache_add_leaf(t->fs, "/a/x", 0, -1, NULL, NULL, &s2);
	assert_true(ovl_dcache_find(t->fs, "/a/x", true, &hit, NULL));
	assert_int_equal(hit.type, 0);

	ovl_dcache_stamp(t->fs, "/a/z", ovl_dcache_gen(t->fs), &s3);
	ovl_dcache_invalidate(t->fs, "/a", true);          /* a subtree above it */
	ovl_dcache_add_leaf(t->fs, "/a/z", S_IFREG, 1, NULL, NULL, &s3);
	assert_false(ovl_dcache_find(t->fs, "/a/z", true, &hit, NULL));

	/* a dir looked up before the change stays the walk's own (fds and all) */
	struct ovl_dcstamp s4 = { 0 };
	struct ovl_dir d = { .n = 0 };
	struct stat st;
	ovl_dcache_stamp(t->fs, "/a", ovl_dcache_gen(t->fs), &s4);
	int fd = openat(t->fs->layers[1].fd, "a", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(ovl_dir_push(&d, fd, 1), 0);
	ovl_dcache_invalidate(t->fs, "/a", false);
	assert_null(ovl_dcache_add(t->fs, "/a", &d, &st, 1, &s4));
	assert_int_equal(d.n, 1);                           /* still ours */
	ovl_dir_release(&d);
}

/* A walk standing in a cached dir while a change beside it copies that
 * dir up and makes a name in it (run here from the walk's mirror
 * callback, in place of another thread): what the walk then finds in its
 * stale position must not be cached, or the made name would stay unseen. */
struct beside {
	struct tfs *t;
	const char *at, *make;
	int fired;
};

static int change_beside(void *ctx, const char *canon, mode_t type, const char *target)
{
	struct beside *b = ctx;
	(void)type, (void)target;
	if (b->fired || strcmp(canon, b->at))
		return 0;
	b->fired = 1;
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e;
	int fd = -1;
	assert_int_equal(lk(b->t, b->make, &e), 0);
	assert_int_equal(ovl_open(b->t->fs, &r, &e, O_CREAT | O_WRONLY, 0644, &fd), OVL_OPEN_FILE);
	close(fd);
	ovl_entry_release(&e);
	return 0;
}

static void test_walk_beside_change(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "s", 0755);
	tfs_mkdir(t->lower[0], "s/a", 0755);
	tfs_mkdir(t->lower[0], "s/a/d", 0755);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e;
	assert_int_equal(lk(t, "/s/a/d", &e), 0);          /* /s and /s/a cached, lower only */
	ovl_entry_release(&e);
	struct beside b = { .t = t, .at = "/s/a", .make = "/s/a/new" };
	assert_int_equal(ovl_walk_mirror(t->fs, &r, "/", "/s/a/new", 0, change_beside, &b), 0);
	assert_int_equal(b.fired, 1);
	/* the walk saw no "new" (its /s/a was the lower one); nothing of that stays */
	assert_int_equal(lk(t, "/s/a/new", &e), 0);
	assert_int_equal(e.type, S_IFREG);
	assert_int_equal(e.layer, 0);
	ovl_entry_release(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cache_is_used, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_copy_up_through_create, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_copy_up_of_dir, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_chmod_denies_search, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_rmdir_mkdir_opaque, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_rename_dir, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_rename_exchange, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_base_dotdot_root, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_attr_changes_invalidate, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_pinned_survives_invalidation, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_eviction_and_fds, tfs_setup_2, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_free_releases_fds, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_leaves, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_lower_leaf_stat, tfs_setup_2, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_type_only, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_tree, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_stale_insert_dropped, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_walk_beside_change, tfs_setup_1, tfs_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
