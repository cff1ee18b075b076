/* rename / renameat2: copy-up and whiteout of the source, EXDEV for lower
 * dirs, opaque targets, NOREPLACE / EXCHANGE, the VFS's error rules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <linux/fs.h>
#include "ovl_check.h"

/* Look both names up and rename as root. */
static int do_rename(struct tfs *t, const char *from, const char *to, unsigned flags)
{
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry o, n;
	chk_lookup(t, from, &o);
	chk_lookup(t, to, &n);
	int err = ovl_rename(t->fs, &r, &o, &n, flags);
	ovl_entry_release(&o);
	ovl_entry_release(&n);
	return err;
}

static void test_lower_file_moves_and_whiteouts(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "a", 0755);
	tfs_mkfile(t->lower[0], "a/f", "data", 0640);
	tfs_mkdir(t->upper, "pure", 0755);
	assert_int_equal(tfs_mount(t), 0);
	struct chk_lowers snap;
	chk_lowers_take(t, &snap);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry o, n;
	chk_lookup(t, "/a/f", &o);
	chk_lookup(t, "/pure/g", &n);
	assert_int_equal(ovl_rename(t->fs, &r, &o, &n, 0), 0);
	assert_int_equal(o.type, 0);                    /* entries follow the change */
	assert_true(S_ISREG(n.type));
	assert_int_equal(n.layer, 0);
	ovl_entry_release(&o);
	ovl_entry_release(&n);
	char buf[16];
	assert_int_equal(tfs_read(t->upper, "pure/g", buf, sizeof(buf)), 4);
	assert_string_equal(buf, "data");
	struct stat st;
	assert_int_equal(tfs_lstat(t->upper, "pure/g", &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0640);
	chk_whiteout(t->upper, "a/f");
	/* A copied-up entry landed in a pure dir: impure, as the kernel does. */
	assert_true(chk_has_xattr(t->upper, "pure", "trusted.overlay.impure", "y"));
	chk_work_clean(t);
	chk_lowers_same(t, &snap);
}

static void test_upper_file_no_whiteout(void **state)
{
	struct tfs *t = *state;
	tfs_mkfile(t->upper, "u", "up", 0644);
	tfs_mkfile(t->lower[0], "target", "old", 0644);
	assert_int_equal(tfs_mount(t), 0);
	assert_int_equal(do_rename(t, "/u", "/target", 0), 0);
	chk_absent(t->upper, "u");
	char buf[8];
	assert_int_equal(tfs_read(t->upper, "target", buf, sizeof(buf)), 2);
	/* Pure upper moved within a dir: no marks. */
	assert_int_equal(chk_getxattr(t->upper, ".", "trusted.overlay.impure", buf, 8), -ENODATA);
	chk_work_clean(t);
}

/* The redirect dir d (in upper) carries, "" if none. */
static void chk_redirect(const struct tfs *t, const char *d, const char *want)
{
	char buf[PATH_MAX];
	int n = chk_getxattr(t->upper, d, "trusted.overlay.redirect", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	assert_string_equal(buf, want);
}

/* The overlay shows path as type. */
static void chk_shows(struct tfs *t, const char *path, mode_t type)
{
	struct ovl_entry e;
	chk_lookup(t, path, &e);
	assert_int_equal(e.type, type);
	ovl_entry_release(&e);
}

static void test_dirs_in_lower_move_with_redirect(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "low", 0755);
	tfs_mkfile(t->lower[0], "low/f", "f", 0644);
	tfs_mkdir(t->lower[0], "merged", 0755);
	tfs_mkfile(t->lower[0], "merged/g", "g", 0644);
	tfs_mkdir(t->lower[0], "d", 0755);
	tfs_mkdir(t->upper, "merged", 0755);
	tfs_mkdir(t->upper, "mine", 0755);
	tfs_mkfile(t->upper, "mine/x", "x", 0644);
	assert_int_equal(tfs_mount(t), 0);
	/* Within its dir: its old name; the old name is whited out. */
	assert_int_equal(do_rename(t, "/low", "/low2", 0), 0);
	chk_redirect(t, "low2", "low");
	chk_whiteout(t->upper, "low");
	chk_opaque(t->upper, "low2", false);
	chk_shows(t, "/low2/f", S_IFREG);
	/* To another dir: the path where the lowers keep it; moved on
	 * within that dir, it keeps it. */
	assert_int_equal(do_rename(t, "/merged", "/d/m2", 0), 0);
	chk_redirect(t, "d/m2", "/merged");
	assert_int_equal(do_rename(t, "/d/m2", "/d/m3", 0), 0);
	chk_redirect(t, "d/m3", "/merged");
	chk_shows(t, "/d/m3/g", S_IFREG);
	/* A moved dir moves on to another dir: its lower path, through its
	 * own relative redirect. */
	assert_int_equal(do_rename(t, "/low2", "/d/l3", 0), 0);
	chk_redirect(t, "d/l3", "/low");
	/* An upper-only dir moves, with its content; landing in a merged
	 * parent (the root here) it becomes opaque, as the kernel marks it. */
	assert_int_equal(do_rename(t, "/mine", "/yours", 0), 0);
	char buf[4];
	assert_int_equal(tfs_read(t->upper, "yours/x", buf, sizeof(buf)), 1);
	chk_opaque(t->upper, "yours", true);
	chk_redirect(t, "yours", "");
	/* Within a pure upper parent: no mark. */
	tfs_mkdir(t->upper, "yours/sub", 0755);
	assert_int_equal(do_rename(t, "/yours/sub", "/yours/sub2", 0), 0);
	chk_opaque(t->upper, "yours/sub2", false);
	chk_work_clean(t);
}

static void test_dir_over_empty_merged_dir_is_opaque(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "emp", 0755);
	tfs_mkfile(t->lower[0], "emp/gone", "g", 0644);
	tfs_mkdir(t->upper, "emp", 0755);
	tfs_whiteout(t->upper, "emp/gone");  /* merged emp is empty */
	tfs_mkdir(t->upper, "src", 0700);
	tfs_mkfile(t->upper, "src/s", "s", 0644);
	assert_int_equal(tfs_mount(t), 0);
	assert_int_equal(do_rename(t, "/src", "/emp", 0), 0);
	chk_absent(t->upper, "src");                   /* nothing below src: no whiteout */
	struct stat st;
	assert_int_equal(tfs_lstat(t->upper, "emp", &st), 0);
	assert_int_equal(st.st_mode, S_IFDIR | 0700);
	chk_opaque(t->upper, "emp", true);
	char p[PATH_MAX];
	chk_path(p, t->upper, "emp");
	assert_int_equal(chk_count(p), 1);              /* just s: old whiteouts gone */
	struct ovl_entry e;
	chk_lookup(t, "/emp/gone", &e);
	assert_int_equal(e.type, 0);
	ovl_entry_release(&e);
	chk_work_clean(t);
}

static void test_dir_over_lower_only_dir_and_whiteout(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "lowdir", 0755);
	tfs_mkdir(t->lower[0], "wh", 0755);
	tfs_mkfile(t->lower[0], "wh/old", "o", 0644);
	tfs_whiteout(t->upper, "wh");
	tfs_mkdir(t->upper, "s1", 0755);
	tfs_mkdir(t->upper, "s2", 0755);
	assert_int_equal(tfs_mount(t), 0);
	assert_int_equal(do_rename(t, "/s1", "/lowdir", 0), 0);
	chk_opaque(t->upper, "lowdir", true);
	assert_int_equal(do_rename(t, "/s2", "/wh", 0), 0);
	chk_opaque(t->upper, "wh", true);
	chk_absent(t->upper, "s2");   /* the displaced whiteout is not left at the source */
	chk_absent(t->upper, "s1");
	chk_work_clean(t);
}

static void test_noreplace(void **state)
{
	struct tfs *t = *state;
	tfs_mkfile(t->lower[0], "a", "a", 0644);
	tfs_mkfile(t->lower[0], "b", "b", 0644);
	tfs_mkfile(t->lower[0], "c", "c", 0644);
	tfs_whiteout(t->upper, "c");
	assert_int_equal(tfs_mount(t), 0);
	assert_int_equal(do_rename(t, "/a", "/b", RENAME_NOREPLACE), -EEXIST);
	assert_int_equal(chk_count(t->upper), 1);
	/* A whited-out name is free in the overlay. */
	assert_int_equal(do_rename(t, "/a", "/c", RENAME_NOREPLACE), 0);
	char buf[4];
	assert_int_equal(tfs_read(t->upper, "c", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "a");
	chk_whiteout(t->upper, "a");
	chk_work_clean(t);
}

static void test_exchange(void **state)
{
	struct tfs *t = *state;
	tfs_mkfile(t->lower[0], "low", "LOW", 0644);
	tfs_mkfile(t->upper, "up", "UP", 0600);
	tfs_mkdir(t->upper, "dir", 0755);
	tfs_mkfile(t->lower[0], "x", "x", 0644);
	assert_int_equal(tfs_mount(t), 0);
	struct chk_lowers snap;
	chk_lowers_take(t, &snap);
	assert_int_equal(do_rename(t, "/low", "/up", RENAME_EXCHANGE), 0);
	char buf[8];
	assert_int_equal(tfs_read(t->upper, "low", buf, sizeof(buf)), 2);
	assert_string_equal(buf, "UP");
	assert_int_equal(tfs_read(t->upper, "up", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "LOW");
	/* File <-> pure dir; the dir lands on a name a lower has: opaque. */
	assert_int_equal(do_rename(t, "/dir", "/x", RENAME_EXCHANGE), 0);
	struct stat st;
	assert_int_equal(tfs_lstat(t->upper, "x", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	chk_opaque(t->upper, "x", true);
	assert_int_equal(tfs_lstat(t->upper, "dir", &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(do_rename(t, "/low", "/nothing", RENAME_EXCHANGE), -ENOENT);
	chk_work_clean(t);
	chk_lowers_same(t, &snap);
}

static void test_errors(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->upper, "d", 0755);
	tfs_mkdir(t->upper, "d/sub", 0755);
	tfs_mkdir(t->upper, "full", 0755);
	tfs_mkfile(t->upper, "full/f", "", 0644);
	tfs_mkdir(t->upper, "empty", 0755);
	tfs_mkfile(t->upper, "file", "", 0644);
	tfs_mkfile(t->lower[0], "lf", "", 0644);
	assert_int_equal(tfs_mount(t), 0);
	assert_int_equal(do_rename(t, "/file", "/empty", 0), -EISDIR);
	assert_int_equal(do_rename(t, "/empty", "/file", 0), -ENOTDIR);
	assert_int_equal(do_rename(t, "/empty", "/full", 0), -ENOTEMPTY);
	assert_int_equal(do_rename(t, "/d", "/d/sub/in", 0), -EINVAL);
	assert_int_equal(do_rename(t, "/d/sub", "/d", 0), -ENOTEMPTY);
	assert_int_equal(do_rename(t, "/d/sub", "/d", RENAME_EXCHANGE), -EINVAL);
	assert_int_equal(do_rename(t, "/nope", "/x", 0), -ENOENT);
	assert_int_equal(do_rename(t, "/file", "/x", RENAME_WHITEOUT), -EINVAL);
	assert_int_equal(do_rename(t, "/file", "/x", RENAME_EXCHANGE | RENAME_NOREPLACE), -EINVAL);
	assert_int_equal(do_rename(t, "/", "/x", 0), -EBUSY);
	assert_int_equal(do_rename(t, "/file", "/file", 0), 0);
	assert_int_equal(do_rename(t, "/lf", "/lf", 0), 0);
	chk_absent(t->upper, "lf");                      /* no-op: no copy-up */
	struct ovl_cred u = tfs_user_cred(1000, 1000);
	struct ovl_entry o, n;
	chk_lookup(t, "/file", &o);
	chk_lookup(t, "/x", &n);
	assert_int_equal(ovl_rename(t->fs, &u, &o, &n, 0), -EACCES);
	assert_int_equal(ovl_rename(t->fs, &u, &o, &n, RENAME_WHITEOUT), -EPERM);
	ovl_entry_release(&o);
	ovl_entry_release(&n);
	assert_int_equal(tfs_lstat(t->upper, "file", &(struct stat){0}), 0);
	chk_work_clean(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lower_file_moves_and_whiteouts, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_upper_file_no_whiteout, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_dirs_in_lower_move_with_redirect, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_dir_over_empty_merged_dir_is_opaque, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_dir_over_lower_only_dir_and_whiteout, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_noreplace, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_exchange, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_errors, tfs_setup_1, tfs_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
