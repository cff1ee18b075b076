/* Path walk and merged lookup: layers, whiteouts, opacity, symlinks,
 * "..", RESOLVE_* rules, pass-through, errors, fd ownership. */
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
#include <sys/sysmacros.h>
#include <unistd.h>
#include "tmpdir.h"
#include "../../overlay/internal.h"


static int lk(struct tfs *t, const char *base, const char *path, unsigned flags,
	      struct ovl_entry *e)
{
	struct ovl_cred c = tfs_root_cred();
	return ovl_lookup(t->fs, &c, base, path, flags, e);
}

static void setup2(struct tfs *t)
{
	tfs_init(t, 2, 0);
	/* lower1 (bottom) */
	tfs_mkdir(t->lower[1], "d", 0755);
	tfs_mkfile(t->lower[1], "d/low", "L1", 0644);
	tfs_mkfile(t->lower[1], "d/shadowed", "bottom", 0644);
	tfs_mkdir(t->lower[1], "op", 0755);
	tfs_mkfile(t->lower[1], "op/hidden", "x", 0644);
	tfs_mkdir(t->lower[1], "underfile", 0755);
	tfs_mkfile(t->lower[1], "underfile/x", "x", 0644);
	tfs_mkfile(t->lower[1], "gone", "g", 0644);
	/* lower0 (top lower) */
	tfs_mkdir(t->lower[0], "d", 0755);
	tfs_mkfile(t->lower[0], "d/shadowed", "top", 0644);
	tfs_mkfile(t->lower[0], "underfile", "file now", 0644);
	/* upper */
	tfs_mkdir(t->upper, "d", 0755);
	tfs_mkfile(t->upper, "d/up", "U", 0644);
	tfs_mkdir(t->upper, "op", 0755);
	tfs_opaque(t->upper, "op");
	tfs_whiteout(t->upper, "gone");
	assert_int_equal(tfs_mount(t), 0);
}

static void test_layers_merge(void **state)
{
	(void)state;
	struct tfs t;
	setup2(&t);
	struct ovl_entry e;
	assert_int_equal(lk(&t, "/", "/d", 0, &e), 0);
	assert_int_equal(e.type, S_IFDIR);
	assert_int_equal(e.layer, 0);
	assert_int_equal(e.dir.n, 3);
	assert_int_equal(e.dir.layer[0], 0);
	assert_int_equal(e.dir.layer[1], 1);
	assert_int_equal(e.dir.layer[2], 2);
	assert_string_equal(e.path, "/d");
	assert_string_equal(e.name, "d");
	assert_int_equal(e.parent.n, 3);
	ovl_entry_release(&e);

	assert_int_equal(lk(&t, "/", "/d/low", 0, &e), 0);
	assert_int_equal(e.type, S_IFREG);
	assert_int_equal(e.layer, 2);
	assert_int_equal(e.st.st_size, 2);
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, "/", "/d/shadowed", 0, &e), 0);
	assert_int_equal(e.layer, 1);
	assert_int_equal(e.st.st_size, 3);      /* "top" */
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, "/", "/d/up", 0, &e), 0);
	assert_int_equal(e.layer, 0);
	ovl_entry_release(&e);
	tfs_fini(&t);
}

static void test_whiteout_opaque_nondir(void **state)
{
	(void)state;
	struct tfs t;
	setup2(&t);
	struct ovl_entry e;
	/* whiteout: negative, parent valid */
	assert_int_equal(lk(&t, "/", "/gone", 0, &e), 0);
	assert_int_equal(e.type, 0);
	assert_int_equal(e.layer, -1);
	assert_int_equal(e.parent.n, 3);
	assert_string_equal(e.name, "gone");
	ovl_entry_release(&e);
	/* opaque upper dir stops the descent */
	assert_int_equal(lk(&t, "/", "/op", 0, &e), 0);
	assert_int_equal(e.type, S_IFDIR);
	assert_int_equal(e.dir.n, 1);
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, "/", "/op/hidden", 0, &e), 0);
	assert_int_equal(e.type, 0);
	ovl_entry_release(&e);
	/* a file in lower0 hides the dir in lower1 */
	assert_int_equal(lk(&t, "/", "/underfile", 0, &e), 0);
	assert_int_equal(e.type, S_IFREG);
	assert_int_equal(e.layer, 1);
	assert_int_equal(e.dir.n, 0);
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, "/", "/underfile/x", 0, &e), -ENOTDIR);
	assert_int_equal(lk(&t, "/", "/underfile/", 0, &e), -ENOTDIR);
	/* missing intermediate */
	assert_int_equal(lk(&t, "/", "/nope/x", 0, &e), -ENOENT);
	assert_int_equal(lk(&t, "/", "/gone/x", 0, &e), -ENOENT);
	assert_int_equal(lk(&t, "/", "", 0, &e), -ENOENT);
	tfs_fini(&t);
}

static void test_opaque_without_lower_ignored(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 0);
	tfs_mkdir(t.upper, "only", 0755);
	tfs_opaque(t.upper, "only");
	assert_int_equal(tfs_mount(&t), 0);
	struct ovl_entry e;
	assert_int_equal(lk(&t, "/", "only", 0, &e), 0);
	assert_int_equal(e.type, S_IFDIR);
	assert_int_equal(e.dir.n, 1);
	assert_int_equal(e.dir.layer[0], 0);
	ovl_entry_release(&e);
	tfs_fini(&t);
}

static void test_dots_and_base(void **state)
{
	(void)state;
	struct tfs t;
	setup2(&t);
	struct ovl_entry e;
	assert_int_equal(lk(&t, "/", "/", 0, &e), 0);
	assert_string_equal(e.path, "/");
	assert_string_equal(e.name, "");
	assert_int_equal(e.parent.n, 0);
	assert_int_equal(e.dir.n, 3);
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, "/", "/..", 0, &e), 0);
	assert_string_equal(e.path, "/");
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, "/d", "up", 0, &e), 0);
	assert_string_equal(e.path, "/d/up");
	assert_int_equal(e.layer, 0);
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, "/d", "../op/./../d/./low", 0, &e), 0);
	assert_string_equal(e.path, "/d/low");
	assert_int_equal(e.layer, 2);
	assert_int_equal(e.parent.n, 3);
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, "/d", ".", 0, &e), 0);
	assert_string_equal(e.path, "/d");
	assert_string_equal(e.name, "d");
	assert_int_equal(e.type, S_IFDIR);
	assert_true(e.trailing_slash);
	assert_int_equal(e.parent.n, 3);        /* the root's three dirs */
	assert_int_equal(e.dir.n, 3);
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, "/", "d/", 0, &e), 0);
	assert_true(e.trailing_slash);
	assert_int_equal(e.type, S_IFDIR);
	ovl_entry_release(&e);
	/* negative final with trailing slash is allowed (mkdir "x/") */
	assert_int_equal(lk(&t, "/", "newdir/", 0, &e), 0);
	assert_int_equal(e.type, 0);
	assert_true(e.trailing_slash);
	assert_string_equal(e.name, "newdir");
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, "/", "d/low", OVL_LOOKUP_DIRECTORY, &e), -ENOTDIR);
	tfs_fini(&t);
}

static void test_symlinks(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 0);
	tfs_mkdir(t.lower[0], "a", 0755);
	tfs_mkdir(t.lower[0], "a/b", 0755);
	tfs_mkfile(t.lower[0], "a/b/f", "f", 0644);
	tfs_mkfile(t.lower[0], "top", "t", 0644);
	tfs_symlink(t.lower[0], "rel", "a/b");
	tfs_symlink(t.lower[0], "abs", "/a/b/f");
	tfs_symlink(t.lower[0], "a/up", "b/..");         /* a/b/.. = a */
	tfs_symlink(t.lower[0], "deep", "a/b");
	tfs_symlink(t.lower[0], "loop1", "loop2");
	tfs_symlink(t.lower[0], "loop2", "loop1");
	tfs_symlink(t.lower[0], "dangling", "nowhere");
	tfs_symlink(t.lower[0], "tofile", "top");
	assert_int_equal(tfs_mount(&t), 0);
	struct ovl_entry e;
	/* final symlink not followed by default */
	assert_int_equal(lk(&t, "/", "rel", 0, &e), 0);
	assert_int_equal(e.type, S_IFLNK);
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, "/", "rel", OVL_LOOKUP_FOLLOW, &e), 0);
	assert_int_equal(e.type, S_IFDIR);
	assert_string_equal(e.path, "/a/b");
	ovl_entry_release(&e);
	/* trailing slash follows */
	assert_int_equal(lk(&t, "/", "rel/", 0, &e), 0);
	assert_string_equal(e.path, "/a/b");
	ovl_entry_release(&e);
	/* middle symlink always followed; ".." after it is the resolved parent */
	assert_int_equal(lk(&t, "/", "deep/../b/f", 0, &e), 0);
	assert_string_equal(e.path, "/a/b/f");
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, "/", "abs", OVL_LOOKUP_FOLLOW, &e), 0);
	assert_string_equal(e.path, "/a/b/f");
	assert_int_equal(e.type, S_IFREG);
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, "/a/b", "../up/b/f", 0, &e), 0);
	assert_string_equal(e.path, "/a/b/f");
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, "/", "loop1", OVL_LOOKUP_FOLLOW, &e), -ELOOP);
	assert_int_equal(lk(&t, "/", "loop1/x", 0, &e), -ELOOP);
	assert_int_equal(lk(&t, "/", "loop1", 0, &e), 0);
	assert_int_equal(e.type, S_IFLNK);
	ovl_entry_release(&e);
	/* dangling followed: negative entry named by the target */
	assert_int_equal(lk(&t, "/", "dangling", OVL_LOOKUP_FOLLOW, &e), 0);
	assert_int_equal(e.type, 0);
	assert_string_equal(e.path, "/nowhere");
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, "/", "tofile/", 0, &e), -ENOTDIR);
	assert_int_equal(lk(&t, "/", "rel", OVL_LOOKUP_FOLLOW | OVL_LOOKUP_NO_SYMLINKS, &e), -ELOOP);
	assert_int_equal(lk(&t, "/", "rel", OVL_LOOKUP_NO_SYMLINKS, &e), 0);  /* not followed */
	ovl_entry_release(&e);
	tfs_fini(&t);
}

static void test_symlink_chain_40(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 0);
	tfs_mkfile(t.lower[0], "end", "x", 0644);
	char name[32], target[32];
	/* l0 -> l1 -> ... -> l39 -> end: 40 links resolve, 41 do not */
	for (int i = 0; i <= 40; i++) {
		snprintf(name, sizeof(name), "l%d", i);
		if (i == 40)
			snprintf(target, sizeof(target), "end");
		else
			snprintf(target, sizeof(target), "l%d", i + 1);
		tfs_symlink(t.lower[0], name, target);
	}
	assert_int_equal(tfs_mount(&t), 0);
	struct ovl_entry e;
	assert_int_equal(lk(&t, "/", "l1", OVL_LOOKUP_FOLLOW, &e), 0);
	assert_string_equal(e.path, "/end");
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, "/", "l0", OVL_LOOKUP_FOLLOW, &e), -ELOOP);
	tfs_fini(&t);
}

/* dir fd of layer_dir/<levels names of 200 bytes>, made with mkdirat
 * steps (the host path is longer than PATH_MAX); the names' overlay path
 * goes into canon. */
#define DEEP_LEVELS 24
static int deep_tree(const char *layer_dir, char *canon)
{
	int fd = open(layer_dir, O_PATH | O_DIRECTORY);
	assert_true(fd >= 0);
	size_t len = 0;
	for (int i = 0; i < DEEP_LEVELS; i++) {
		char name[201];
		memset(name, 'd', 199);
		name[199] = (char)('a' + i);
		name[200] = 0;
		(void)mkdirat(fd, name, 0755);
		int next = openat(fd, name, O_PATH | O_DIRECTORY);
		assert_true(next >= 0);
		close(fd);
		fd = next;
		len += (size_t)sprintf(canon + len, "/%s", name);
	}
	return fd;
}

/* Paths longer than PATH_MAX: absolute canonical ones (the engine's own
 * callers) and relative ones from a deep base, lookups and a copy-up of
 * every dir on the way; past OVL_PATH_MAX, ENAMETOOLONG. */
static void test_deep_paths(void **state)
{
	(void)state;
	static char canon[OVL_PATH_MAX], p[OVL_PATH_MAX + 16];
	struct tfs t;
	tfs_init(&t, 1, 0);
	int low = deep_tree(t.lower[0], canon);
	int f = openat(low, "f", O_CREAT | O_WRONLY, 0644);
	assert_true(f >= 0);
	close(f);
	close(low);
	assert_true(strlen(canon) > PATH_MAX);
	assert_int_equal(tfs_mount(&t), 0);
	struct ovl_entry e;
	snprintf(p, sizeof(p), "%s/f", canon);
	assert_int_equal(lk(&t, "/", p, 0, &e), 0);
	assert_int_equal(e.type, S_IFREG);
	assert_string_equal(e.path, p);
	ovl_entry_release(&e);
	/* relative from the deep dir, and up from it */
	assert_int_equal(lk(&t, canon, "f", 0, &e), 0);
	assert_int_equal(e.type, S_IFREG);
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, canon, "../..", 0, &e), 0);
	assert_int_equal(e.type, S_IFDIR);
	assert_int_equal(strlen(e.path), strlen(canon) - 2 * 201);
	ovl_entry_release(&e);
	/* a new dir there: all 24 dirs above it copied up */
	struct ovl_cred c = tfs_root_cred();
	assert_int_equal(lk(&t, canon, "new", 0, &e), 0);
	assert_int_equal(ovl_mkdir(t.fs, &c, &e, 0700), 0);
	ovl_entry_release(&e);
	int up = deep_tree(t.upper, p);
	struct stat st;
	assert_int_equal(fstatat(up, "new", &st, 0), 0);
	assert_true(S_ISDIR(st.st_mode));
	close(up);
	/* as long as the buffers hold, and no longer */
	memset(p, 'a', OVL_PATH_MAX + 1);
	for (size_t i = 1; i < OVL_PATH_MAX; i += 2)
		p[i] = '/';
	p[OVL_PATH_MAX + 1] = 0;
	assert_int_equal(lk(&t, "/", p, 0, &e), -ENAMETOOLONG);
	tfs_fini(&t);
}

static void test_name_too_long(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 0);
	assert_int_equal(tfs_mount(&t), 0);
	char p[NAME_MAX + 3];
	memset(p, 'a', NAME_MAX + 1);
	p[NAME_MAX + 1] = 0;
	struct ovl_entry e;
	assert_int_equal(lk(&t, "/", p, 0, &e), -ENAMETOOLONG);
	p[NAME_MAX] = 0;
	assert_int_equal(lk(&t, "/", p, 0, &e), 0);
	assert_int_equal(e.type, 0);
	ovl_entry_release(&e);
	tfs_fini(&t);
}

static void test_resolve_flags(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 0);
	tfs_mkdir(t.lower[0], "jail", 0755);
	tfs_mkdir(t.lower[0], "jail/in", 0755);
	tfs_mkfile(t.lower[0], "jail/f", "j", 0644);
	tfs_mkfile(t.lower[0], "f", "outside", 0644);
	tfs_symlink(t.lower[0], "jail/abs", "/f");
	tfs_symlink(t.lower[0], "jail/esc", "../f");
	assert_int_equal(tfs_mount(&t), 0);
	struct ovl_entry e;
	assert_int_equal(lk(&t, "/jail", "/f", OVL_LOOKUP_BENEATH, &e), -EXDEV);
	assert_int_equal(lk(&t, "/jail", "../f", OVL_LOOKUP_BENEATH, &e), -EXDEV);
	assert_int_equal(lk(&t, "/jail", "abs", OVL_LOOKUP_BENEATH | OVL_LOOKUP_FOLLOW, &e), -EXDEV);
	assert_int_equal(lk(&t, "/jail", "in/../f", OVL_LOOKUP_BENEATH, &e), 0);
	assert_string_equal(e.path, "/jail/f");
	ovl_entry_release(&e);
	/* IN_ROOT: "/" and ".." stop at base */
	assert_int_equal(lk(&t, "/jail", "/f", OVL_LOOKUP_IN_ROOT, &e), 0);
	assert_string_equal(e.path, "/jail/f");
	assert_int_equal(e.st.st_size, 1);
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, "/jail", "../../f", OVL_LOOKUP_IN_ROOT, &e), 0);
	assert_string_equal(e.path, "/jail/f");
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, "/jail", "abs", OVL_LOOKUP_IN_ROOT | OVL_LOOKUP_FOLLOW, &e), 0);
	assert_string_equal(e.path, "/jail/f");
	ovl_entry_release(&e);
	assert_int_equal(lk(&t, "/jail", "esc", OVL_LOOKUP_IN_ROOT | OVL_LOOKUP_FOLLOW, &e), 0);
	assert_string_equal(e.path, "/jail/f");
	ovl_entry_release(&e);
	tfs_fini(&t);
}

static void test_passthrough(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 0);
	tfs_mkdir(t.lower[0], "etc", 0755);
	tfs_symlink(t.lower[0], "etc/mtab", "/proc/self/mounts");
	assert_int_equal(tfs_mount(&t), 0);
	/* tmpdir.h gives no pass-through: make a second fs with one */
	struct ovl_config cfg = { .upper_fd = t.upper_fd, .work_fd = t.work_fd, .nlower = 1,
				  .lower_fd = { t.lower_fd[0] }, .npassthrough = 1,
				  .passthrough = { "/proc" } };
	struct ovl_fs *fs;
	assert_int_equal(ovl_fs_new(&cfg, &fs), 0);
	struct ovl_cred c = tfs_root_cred();
	struct ovl_entry e;
	assert_int_equal(ovl_lookup(fs, &c, "/", "/proc/self/status", 0, &e), 0);
	assert_true(e.passthrough);
	ovl_entry_release(&e);
	assert_int_equal(ovl_lookup(fs, &c, "/", "/proc", 0, &e), 0);
	assert_true(e.passthrough);
	ovl_entry_release(&e);
	assert_int_equal(ovl_lookup(fs, &c, "/", "/procfoo", 0, &e), 0);
	assert_false(e.passthrough);
	assert_int_equal(e.type, 0);
	ovl_entry_release(&e);
	assert_int_equal(ovl_lookup(fs, &c, "/etc", "mtab", OVL_LOOKUP_FOLLOW, &e), 0);
	assert_true(e.passthrough);
	ovl_entry_release(&e);
	assert_int_equal(ovl_lookup(fs, &c, "/etc", "mtab", 0, &e), 0);
	assert_false(e.passthrough);
	assert_int_equal(e.type, S_IFLNK);
	ovl_entry_release(&e);
	assert_int_equal(ovl_lookup(fs, &c, "/", "/proc/1", OVL_LOOKUP_NO_XDEV, &e), -EXDEV);
	ovl_fs_free(fs);
	tfs_fini(&t);
}

static void test_hidden(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 0);
	tfs_mkdir(t.lower[0], "tmp", 0755);
	tfs_mkdir(t.lower[0], "tmp/u", 0755);
	tfs_mkdir(t.lower[0], "tmp/keep", 0755);
	assert_int_equal(tfs_mount(&t), 0);
	struct stat st;
	assert_int_equal(tfs_lstat(t.lower[0], "tmp/u", &st), 0);
	struct ovl_config cfg = { .upper_fd = t.upper_fd, .work_fd = t.work_fd, .nlower = 1,
				  .lower_fd = { t.lower_fd[0] }, .nhide = 1 };
	cfg.hide[0].dev = st.st_dev;
	cfg.hide[0].ino = st.st_ino;
	struct ovl_fs *fs;
	assert_int_equal(ovl_fs_new(&cfg, &fs), 0);
	struct ovl_cred c = tfs_root_cred();
	struct ovl_entry e;
	assert_int_equal(ovl_lookup(fs, &c, "/", "/tmp/u", 0, &e), 0);
	assert_int_equal(e.type, 0);
	ovl_entry_release(&e);
	assert_int_equal(ovl_lookup(fs, &c, "/", "/tmp/u/x", 0, &e), -ENOENT);
	assert_int_equal(ovl_lookup(fs, &c, "/", "/tmp/keep", 0, &e), 0);
	assert_int_equal(e.type, S_IFDIR);
	ovl_entry_release(&e);
	ovl_fs_free(fs);
	tfs_fini(&t);
}

static void test_search_permission(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 0);
	tfs_mkdir(t.lower[0], "closed", 0700);
	tfs_mkfile(t.lower[0], "closed/f", "x", 0644);
	tfs_mkdir(t.lower[0], "open", 0711);
	tfs_mkfile(t.lower[0], "open/f", "x", 0644);
	assert_int_equal(tfs_mount(&t), 0);
	struct ovl_cred u = tfs_user_cred(1000, 1000);
	struct ovl_entry e;
	assert_int_equal(ovl_lookup(t.fs, &u, "/", "/closed/f", 0, &e), -EACCES);
	assert_int_equal(ovl_lookup(t.fs, &u, "/", "/closed/f", OVL_LOOKUP_NO_PERM, &e), 0);
	ovl_entry_release(&e);
	/* the dir itself can be looked up: search is checked on the parent */
	assert_int_equal(ovl_lookup(t.fs, &u, "/", "/closed", 0, &e), 0);
	ovl_entry_release(&e);
	assert_int_equal(ovl_lookup(t.fs, &u, "/", "/open/f", 0, &e), 0);
	ovl_entry_release(&e);
	assert_int_equal(ovl_lookup(t.fs, &u, "/closed", ".", 0, &e), -EACCES);
	struct ovl_cred cap = tfs_user_cred(1000, 1000);
	cap.cap_eff = 1ULL << 2;        /* CAP_DAC_READ_SEARCH */
	assert_int_equal(ovl_lookup(t.fs, &cap, "/", "/closed/f", 0, &e), 0);
	ovl_entry_release(&e);
	tfs_fini(&t);
}

static void test_no_fd_leak(void **state)
{
	(void)state;
	struct tfs t;
	setup2(&t);
	struct ovl_entry e;
	int before = tfs_count_fds();
	for (int i = 0; i < 20; i++) {
		assert_int_equal(lk(&t, "/", "/d/../d/./shadowed", 0, &e), 0);
		ovl_entry_release(&e);
		assert_int_equal(lk(&t, "/d", ".", 0, &e), 0);
		ovl_entry_release(&e);
		assert_int_equal(lk(&t, "/", "/d/nope/x", 0, &e), -ENOENT);
		assert_int_equal(lk(&t, "/", "/underfile/x", 0, &e), -ENOTDIR);
		assert_int_equal(lk(&t, "/", "/", 0, &e), 0);
		ovl_entry_release(&e);
	}
	/* the directory cache owns the fds of the dirs walked through */
	ovl_dcache_invalidate(t.fs, "/", true);
	assert_int_equal(tfs_count_fds(), before);
	tfs_fini(&t);
}

struct seen {
	char log[4096];
};

static int record(void *ctx, const char *path, mode_t type, const char *target)
{
	struct seen *s = ctx;
	char line[PATH_MAX * 2];
	snprintf(line, sizeof(line), "%s %s%s%s;", type == S_IFDIR ? "D" : "L", path,
		 target ? "->" : "", target ? target : "");
	size_t have = strlen(s->log);
	snprintf(s->log + have, sizeof(s->log) - have, "%s", line);
	return 0;
}

static void test_walk_mirror(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 0);
	tfs_mkdir(t.lower[0], "usr", 0755);
	tfs_mkdir(t.lower[0], "usr/lib", 0755);
	tfs_mkfile(t.lower[0], "usr/lib/ld.so", "elf", 0755);
	tfs_symlink(t.lower[0], "lib", "usr/lib");
	tfs_symlink(t.lower[0], "usr/lib/ld", "ld.so");
	assert_int_equal(tfs_mount(&t), 0);
	struct ovl_cred c = tfs_root_cred();
	struct seen s = { "" };
	assert_int_equal(ovl_walk_mirror(t.fs, &c, "/", "/lib/ld", 0, record, &s), 0);
	assert_string_equal(s.log, "L /lib->usr/lib;D /usr;D /usr/lib;L /usr/lib/ld->ld.so;");
	s.log[0] = 0;
	assert_int_equal(ovl_walk_mirror(t.fs, &c, "/", "/lib/ld", OVL_LOOKUP_FOLLOW, record, &s), 0);
	assert_string_equal(s.log, "L /lib->usr/lib;D /usr;D /usr/lib;L /usr/lib/ld->ld.so;");
	s.log[0] = 0;
	assert_int_equal(ovl_walk_mirror(t.fs, &c, "/", "/usr/lib", 0, record, &s), 0);
	assert_string_equal(s.log, "D /usr;D /usr/lib;");
	tfs_fini(&t);
}

static void test_refresh_and_helpers(void **state)
{
	(void)state;
	struct tfs t;
	setup2(&t);
	struct ovl_entry e;
	assert_int_equal(lk(&t, "/", "/d/low", 0, &e), 0);
	assert_int_equal(e.layer, 2);
	/* put a file over it in upper behind the engine's back */
	tfs_mkfile(t.upper, "d/low", "upper!", 0600);
	assert_int_equal(ovl_entry_refresh(t.fs, &e), 0);
	assert_int_equal(e.layer, 0);
	assert_int_equal(e.st.st_size, 6);
	assert_int_equal(ovl_lower_positive(t.fs, &e.parent, "low"), 1);
	assert_int_equal(ovl_lower_positive(t.fs, &e.parent, "up"), 0);
	assert_int_equal(ovl_lower_positive(t.fs, &e.parent, "shadowed"), 1);
	struct ovl_dir copy;
	assert_int_equal(ovl_dir_dup(&e.parent, &copy), 0);
	assert_int_equal(copy.n, e.parent.n);
	assert_true(copy.fd[0] != e.parent.fd[0]);
	ovl_dir_release(&copy);
	assert_int_equal(copy.n, 0);
	ovl_entry_release(&e);
	/* root: opaque dir below a whiteout does not show */
	assert_int_equal(lk(&t, "/", "/", 0, &e), 0);
	assert_int_equal(ovl_lower_positive(t.fs, &e.dir, "gone"), 0);
	assert_int_equal(ovl_lower_positive(t.fs, &e.dir, "op"), 1);   /* opaque upper, lower below: rmdir must whiteout */
	assert_int_equal(ovl_lower_positive(t.fs, &e.dir, "d"), 1);
	ovl_entry_release(&e);
	tfs_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layers_merge),
		cmocka_unit_test(test_whiteout_opaque_nondir),
		cmocka_unit_test(test_opaque_without_lower_ignored),
		cmocka_unit_test(test_dots_and_base),
		cmocka_unit_test(test_symlinks),
		cmocka_unit_test(test_symlink_chain_40),
		cmocka_unit_test(test_name_too_long),
		cmocka_unit_test(test_deep_paths),
		cmocka_unit_test(test_resolve_flags),
		cmocka_unit_test(test_passthrough),
		cmocka_unit_test(test_hidden),
		cmocka_unit_test(test_search_permission),
		cmocka_unit_test(test_no_fd_leak),
		cmocka_unit_test(test_walk_mirror),
		cmocka_unit_test(test_refresh_and_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
