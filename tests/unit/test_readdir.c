/* Merged listings: union, whiteouts, hidden, d_ino == st_ino, stable cookies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tmpdir.h"
#include "ovl_check.h"
#include "../../overlay/internal.h"

struct ent {
	char name[NAME_MAX + 1];
	uint64_t ino;
	unsigned char type;
	uint64_t next;
};

struct list {
	struct ent v[256];
	int n;
	int max;                        /* stop after this many (0 = all) */
};

static int collect(void *ctx, const char *name, uint64_t ino, unsigned char type, uint64_t next)
{
	struct list *l = ctx;
	if (l->max && l->n >= l->max)
		return 1;
	assert_true(l->n < 256);
	snprintf(l->v[l->n].name, sizeof(l->v[l->n].name), "%s", name);
	l->v[l->n].ino = ino;
	l->v[l->n].type = type;
	l->v[l->n].next = next;
	l->n++;
	return 0;
}

static const struct ent *find(const struct list *l, const char *name)
{
	const struct ent *r = NULL;
	for (int i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i].name, name)) {
			assert_null(r);         /* each name once */
			r = &l->v[i];
		}
	}
	return r;
}

static void list_dir(struct tfs *t, const char *p, uint64_t pos, struct list *l)
{
	struct ovl_entry e;
	chk_lookup(t, p, &e);
	l->n = 0;
	assert_int_equal(ovl_readdir(t->fs, &e, pos, collect, l), 0);
	ovl_entry_release(&e);
}

static uint64_t st_ino_of(struct tfs *t, const char *p)
{
	struct ovl_entry e;
	struct stat st;
	chk_lookup(t, p, &e);
	assert_int_equal(ovl_getattr(t->fs, &e, &st), 0);
	ovl_entry_release(&e);
	return st.st_ino;
}

static void setup(struct tfs *t)
{
	tfs_init(t, 2, 0);
	tfs_mkdir(t->lower[1], "d", 0755);
	tfs_mkfile(t->lower[1], "d/bottom", "b", 0644);
	tfs_mkfile(t->lower[1], "d/both", "b", 0644);
	tfs_mkdir(t->lower[1], "d/sub", 0755);
	tfs_mkdir(t->lower[1], "d/opq", 0755);
	tfs_mkfile(t->lower[1], "d/gone", "g", 0644);
	tfs_mkdir(t->lower[0], "d", 0755);
	tfs_mkfile(t->lower[0], "d/both", "top", 0644);
	tfs_mkdir(t->lower[0], "d/sub", 0755);
	tfs_symlink(t->lower[0], "d/link", "both");
	tfs_mkdir(t->upper, "d", 0755);
	tfs_mkfile(t->upper, "d/up", "u", 0644);
	tfs_whiteout(t->upper, "d/gone");
	tfs_mkdir(t->upper, "d/opq", 0755);
	tfs_opaque(t->upper, "d/opq");
	tfs_mkdir(t->upper, "d/sub", 0755);
	assert_int_equal(tfs_mount(t), 0);
}

static void test_union(void **state)
{
	(void)state;
	struct tfs t;
	setup(&t);
	struct list l = { .n = 0 };
	list_dir(&t, "/d", 0, &l);
	assert_int_equal(l.n, 2 + 6);
	assert_string_equal(l.v[0].name, ".");
	assert_string_equal(l.v[1].name, "..");
	assert_null(find(&l, "gone"));
	const char *names[] = { "bottom", "both", "sub", "opq", "link", "up" };
	const unsigned char types[] = { DT_REG, DT_REG, DT_DIR, DT_DIR, DT_LNK, DT_REG };
	for (int i = 0; i < 6; i++) {
		const struct ent *x = find(&l, names[i]);
		assert_non_null(x);
		assert_int_equal(x->type, types[i]);
		char p[64];
		snprintf(p, sizeof(p), "/d/%s", names[i]);
		assert_int_equal(x->ino, st_ino_of(&t, p));
	}
	assert_int_equal(find(&l, ".")->ino, st_ino_of(&t, "/d"));
	assert_int_equal(find(&l, "..")->ino, st_ino_of(&t, "/"));
	/* "both" is the top lower's file: its real inode */
	struct stat st;
	assert_int_equal(tfs_lstat(t.lower[0], "d/both", &st), 0);
	assert_int_equal(find(&l, "both")->ino, st.st_ino);
	/* merged "sub" counts from the bottom layer; opaque "opq" from upper */
	assert_int_equal(tfs_lstat(t.lower[1], "d/sub", &st), 0);
	assert_int_equal(find(&l, "sub")->ino, ovl_dir_ino(t.fs, 2, st.st_ino));
	assert_int_equal(tfs_lstat(t.upper, "d/opq", &st), 0);
	assert_int_equal(find(&l, "opq")->ino, ovl_dir_ino(t.fs, 0, st.st_ino));
	/* root: ".." is "/" */
	list_dir(&t, "/", 0, &l);
	assert_int_equal(find(&l, "..")->ino, find(&l, ".")->ino);
	assert_int_equal(l.n, 3);
	tfs_fini(&t);
}

static void test_cookies_stable(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 0);
	tfs_mkdir(t.lower[0], "d", 0755);
	char name[32];
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "d/f%02d", i);
		tfs_mkfile(t.lower[0], name, "x", 0644);
	}
	tfs_mkdir(t.upper, "d", 0755);
	assert_int_equal(tfs_mount(&t), 0);
	struct list all = { .n = 0 };
	list_dir(&t, "/d", 0, &all);
	assert_int_equal(all.n, 22);
	/* read the first 8, then remove some names read and some not */
	struct list part = { .n = 0, .max = 8 };
	list_dir(&t, "/d", 0, &part);
	assert_int_equal(part.n, 8);
	uint64_t resume = part.v[7].next;
	struct ovl_entry d;
	chk_lookup(&t, "/d", &d);
	for (int i = 0; i < all.n; i++) {
		if (i % 3 || i < 2)
			continue;
		/* whiteout over the lower file, as unlink would */
		if (snprintf(name, sizeof(name), "d/%s", all.v[i].name) >= (int)sizeof(name))
			fail_msg("name too long: %s", all.v[i].name);
		tfs_whiteout(t.upper, name);
	}
	tfs_mkfile(t.upper, "d/zz-new", "n", 0644);
	ovl_listing_invalidate(t.fs, &d.dir);
	struct list rest = { .n = 0 };
	rest.n = 0;
	assert_int_equal(ovl_readdir(t.fs, &d, resume, collect, &rest), 0);
	ovl_entry_release(&d);
	/* survivors after the resume point, each exactly once, then the new one */
	int expect = 0;
	for (int i = 8; i < all.n; i++)
		if (i % 3)
			assert_string_equal(rest.v[expect++].name, all.v[i].name);
	assert_string_equal(rest.v[expect].name, "zz-new");
	assert_int_equal(rest.n, expect + 1);
	/* a survivor kept its cookie */
	struct list again = { .n = 0 };
	list_dir(&t, "/d", 0, &again);
	for (int i = 0; i < again.n; i++) {
		const struct ent *x = find(&all, again.v[i].name);
		if (x)
			assert_int_equal(x->next, again.v[i].next);
	}
	assert_int_equal(again.n, 2 + 20 - 7 + 1);   /* removed: indices 3, 6, ..., 21 */
	tfs_fini(&t);
}

static void test_rebuild_without_invalidate(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 0);
	tfs_mkdir(t.lower[0], "d", 0755);
	tfs_mkfile(t.lower[0], "d/a", "x", 0644);
	assert_int_equal(tfs_mount(&t), 0);
	struct list l = { .n = 0 };
	list_dir(&t, "/d", 0, &l);
	assert_int_equal(l.n, 3);
	/* copy-up of the dir changes the set of layers: rebuilt.  The
	 * changes are made behind the engine's back (undefined for lookups,
	 * as on overlayfs): the dentries are forgotten so the next lookup
	 * sees them, but the listing must notice by itself. */
	tfs_mkdir(t.upper, "d", 0755);
	tfs_mkfile(t.upper, "d/b", "y", 0644);
	ovl_dcache_invalidate(t.fs, "/d", true);
	list_dir(&t, "/d", 0, &l);
	assert_int_equal(l.n, 4);
	assert_non_null(find(&l, "b"));
	/* a change in upper alone moves its ctime: rebuilt too */
	usleep(20000);
	tfs_mkfile(t.upper, "d/c", "z", 0644);
	ovl_dcache_invalidate(t.fs, "/d", true);
	list_dir(&t, "/d", 0, &l);
	assert_int_equal(l.n, 5);
	assert_non_null(find(&l, "c"));
	/* d_ino follows copy-up of a file */
	tfs_mkfile(t.upper, "d/a", "copied", 0644);
	ovl_dcache_invalidate(t.fs, "/d", true);
	list_dir(&t, "/d", 0, &l);
	struct stat st;
	assert_int_equal(tfs_lstat(t.upper, "d/a", &st), 0);
	assert_int_equal(find(&l, "a")->ino, st.st_ino);
	assert_int_equal(find(&l, "a")->ino, st_ino_of(&t, "/d/a"));
	tfs_fini(&t);
}

static void test_hidden_and_passthrough(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 0);
	tfs_mkdir(t.lower[0], "work", 0755);
	tfs_mkdir(t.lower[0], "sys", 0755);
	tfs_mkfile(t.lower[0], "f", "x", 0644);
	assert_int_equal(tfs_mount(&t), 0);
	struct stat st;
	assert_int_equal(tfs_lstat(t.lower[0], "work", &st), 0);
	struct ovl_config cfg = { .upper_fd = t.upper_fd, .work_fd = t.work_fd, .nlower = 1,
				  .lower_fd = { t.lower_fd[0] }, .nhide = 1, .npassthrough = 3,
				  .passthrough = { "/proc", "/sys", "/dev/pts" } };
	cfg.hide[0].dev = st.st_dev;
	cfg.hide[0].ino = st.st_ino;
	struct ovl_fs *fs;
	assert_int_equal(ovl_fs_new(&cfg, &fs), 0);
	struct ovl_cred c = tfs_root_cred();
	struct ovl_entry e;
	assert_int_equal(ovl_lookup(fs, &c, "/", "/", 0, &e), 0);
	struct list l = { .n = 0 };
	assert_int_equal(ovl_readdir(fs, &e, 0, collect, &l), 0);
	ovl_entry_release(&e);
	assert_null(find(&l, "work"));
	assert_null(find(&l, "dev"));           /* "/dev/pts" is not a child of "/" */
	assert_non_null(find(&l, "f"));
	assert_int_equal(find(&l, "proc")->type, DT_DIR);
	assert_int_equal(find(&l, "sys")->type, DT_DIR);
	assert_int_equal(l.n, 2 + 3);
	ovl_fs_free(fs);
	tfs_fini(&t);
}

static void test_errors_and_stop(void **state)
{
	(void)state;
	struct tfs t;
	setup(&t);
	struct ovl_entry e;
	chk_lookup(&t, "/d/up", &e);
	struct list l = { .n = 0 };
	assert_int_equal(ovl_readdir(t.fs, &e, 0, collect, &l), -ENOTDIR);
	ovl_entry_release(&e);
	chk_lookup(&t, "/d/nothing", &e);
	assert_int_equal(ovl_readdir(t.fs, &e, 0, collect, &l), -ENOENT);
	ovl_entry_release(&e);
	/* resuming after ".." gives the names only; after the last, nothing */
	struct list all = { .n = 0 };
	list_dir(&t, "/d", 0, &all);
	list_dir(&t, "/d", all.v[1].next, &l);
	assert_int_equal(l.n, all.n - 2);
	assert_string_equal(l.v[0].name, all.v[2].name);
	list_dir(&t, "/d", all.v[all.n - 1].next, &l);
	assert_int_equal(l.n, 0);
	tfs_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_union),
		cmocka_unit_test(test_cookies_stable),
		cmocka_unit_test(test_rebuild_without_invalidate),
		cmocka_unit_test(test_hidden_and_passthrough),
		cmocka_unit_test(test_errors_and_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
