/* unlink and rmdir: whiteouts where a lower has the name, plain removal
 * otherwise, emptiness of merged dirs, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ovl_check.h"

static void test_unlink_lower_leaves_whiteout(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[1], "d", 0755);
	tfs_mkfile(t->lower[1], "d/f", "lower", 0644);
	tfs_mkfile(t->lower[1], "d/keep", "k", 0644);
	assert_int_equal(tfs_mount(t), 0);
	struct chk_lowers snap;
	chk_lowers_take(t, &snap);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e;
	chk_lookup(t, "/d/f", &e);
	assert_int_equal(ovl_unlink(t->fs, &r, &e), 0);
	assert_int_equal(e.type, 0);
	assert_int_equal(e.layer, -1);
	chk_whiteout(t->upper, "d/f");
	chk_absent(t->upper, "d/keep");
	ovl_entry_release(&e);
	chk_lookup(t, "/d/f", &e);
	assert_int_equal(e.type, 0);
	assert_int_equal(ovl_unlink(t->fs, &r, &e), -ENOENT);
	ovl_entry_release(&e);
	chk_work_clean(t);
	chk_lowers_same(t, &snap);
}

static void test_unlink_upper_only_and_copied_up(void **state)
{
	struct tfs *t = *state;
	tfs_mkfile(t->upper, "mine", "u", 0644);
	tfs_mkfile(t->upper, "both", "u", 0644);
	tfs_mkfile(t->lower[0], "both", "l", 0644);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e;
	chk_lookup(t, "/mine", &e);
	assert_int_equal(ovl_unlink(t->fs, &r, &e), 0);
	chk_absent(t->upper, "mine");                    /* nothing below: no whiteout */
	ovl_entry_release(&e);
	chk_lookup(t, "/both", &e);
	assert_int_equal(e.layer, 0);
	assert_int_equal(ovl_unlink(t->fs, &r, &e), 0);
	chk_whiteout(t->upper, "both");                  /* the lower one must stay hidden */
	ovl_entry_release(&e);
	chk_work_clean(t);
}

static void test_unlink_errors(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "dir", 0755);
	tfs_mkfile(t->lower[0], "dir/f", "", 0644);
	tfs_mkdir(t->lower[0], "tmp", 01777);
	tfs_mkfile(t->lower[0], "tmp/rootfile", "", 0666);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred r = tfs_root_cred(), u = tfs_user_cred(1000, 1000);
	struct ovl_entry e;
	chk_lookup(t, "/dir", &e);
	assert_int_equal(ovl_unlink(t->fs, &r, &e), -EISDIR);
	ovl_entry_release(&e);
	chk_lookup(t, "/dir/f", &e);
	assert_int_equal(ovl_unlink(t->fs, &u, &e), -EACCES);
	assert_int_equal(ovl_rmdir(t->fs, &r, &e), -ENOTDIR);
	ovl_entry_release(&e);
	chk_lookup(t, "/tmp/rootfile", &e);
	assert_int_equal(ovl_unlink(t->fs, &u, &e), -EPERM);   /* sticky dir */
	ovl_entry_release(&e);
	assert_int_equal(chk_count(t->upper), 0);
}

static void test_rmdir_nonempty_and_root(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "d", 0755);
	tfs_mkfile(t->lower[1], "d", "", 0644);      /* hidden by the dir above */
	tfs_mkdir(t->lower[0], "d2", 0755);
	tfs_mkdir(t->lower[1], "d2", 0755);
	tfs_mkfile(t->lower[1], "d2/deep", "", 0644);  /* merged child from the bottom */
	tfs_mkfile(t->lower[0], "d/f", "", 0644);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e;
	chk_lookup(t, "/d", &e);
	assert_int_equal(ovl_rmdir(t->fs, &r, &e), -ENOTEMPTY);
	ovl_entry_release(&e);
	chk_lookup(t, "/d2", &e);
	assert_int_equal(ovl_rmdir(t->fs, &r, &e), -ENOTEMPTY);
	ovl_entry_release(&e);
	chk_lookup(t, "/", &e);
	assert_int_equal(ovl_rmdir(t->fs, &r, &e), -EBUSY);
	ovl_entry_release(&e);
	assert_int_equal(chk_count(t->upper), 0);
}

static void test_rmdir_merged_clears_whiteouts(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "d", 0755);
	tfs_mkfile(t->lower[0], "d/a", "", 0644);
	tfs_mkdir(t->lower[1], "d", 0755);
	tfs_mkfile(t->lower[1], "d/b", "", 0644);
	assert_int_equal(tfs_mount(t), 0);
	struct chk_lowers snap;
	chk_lowers_take(t, &snap);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e;
	chk_lookup(t, "/d/a", &e);
	assert_int_equal(ovl_unlink(t->fs, &r, &e), 0);
	ovl_entry_release(&e);
	chk_lookup(t, "/d/b", &e);
	assert_int_equal(ovl_unlink(t->fs, &r, &e), 0);
	ovl_entry_release(&e);
	chk_whiteout(t->upper, "d/a");
	chk_whiteout(t->upper, "d/b");
	chk_lookup(t, "/d", &e);
	assert_int_equal(ovl_rmdir(t->fs, &r, &e), 0);
	assert_int_equal(e.type, 0);
	chk_whiteout(t->upper, "d");
	ovl_entry_release(&e);
	chk_work_clean(t);
	chk_lowers_same(t, &snap);
}

static void test_rmdir_lower_only_and_upper_only(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "low", 0755);
	tfs_mkdir(t->upper, "up", 0755);
	tfs_whiteout(t->upper, "up/stray");   /* hides nothing: dir is still empty */
	tfs_mkdir(t->upper, "opq", 0755);
	tfs_opaque(t->upper, "opq");
	tfs_mkdir(t->lower[0], "opq", 0755);
	tfs_mkfile(t->lower[0], "opq/hidden", "", 0644);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e;
	chk_lookup(t, "/low", &e);
	assert_int_equal(ovl_rmdir(t->fs, &r, &e), 0);
	chk_whiteout(t->upper, "low");
	ovl_entry_release(&e);
	chk_lookup(t, "/up", &e);
	assert_int_equal(ovl_rmdir(t->fs, &r, &e), 0);
	chk_absent(t->upper, "up");
	ovl_entry_release(&e);
	/* Opaque upper dir over a lower one: empty in the overlay; removing it
	 * must leave a whiteout or the lower dir (and its child) comes back. */
	chk_lookup(t, "/opq", &e);
	assert_int_equal(ovl_rmdir(t->fs, &r, &e), 0);
	chk_whiteout(t->upper, "opq");
	ovl_entry_release(&e);
	chk_lookup(t, "/opq", &e);
	assert_int_equal(e.type, 0);
	ovl_entry_release(&e);
	chk_work_clean(t);
}

static void test_readonly(void **state)
{
	struct tfs *t = *state;
	tfs_mkfile(t->lower[0], "f", "", 0644);
	tfs_mkdir(t->lower[0], "d", 0755);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e;
	chk_lookup(t, "/f", &e);
	assert_int_equal(ovl_unlink(t->fs, &r, &e), -EROFS);
	ovl_entry_release(&e);
	chk_lookup(t, "/d", &e);
	assert_int_equal(ovl_rmdir(t->fs, &r, &e), -EROFS);
	ovl_entry_release(&e);
	chk_lookup(t, "/nothing", &e);
	assert_int_equal(ovl_unlink(t->fs, &r, &e), -EROFS);   /* before ENOENT, as the VFS */
	ovl_entry_release(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unlink_lower_leaves_whiteout, tfs_setup_2, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_unlink_upper_only_and_copied_up, tfs_setup_2, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_unlink_errors, tfs_setup_2, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_rmdir_nonempty_and_root, tfs_setup_2, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_rmdir_merged_clears_whiteouts, tfs_setup_2, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_rmdir_lower_only_and_upper_only, tfs_setup_2, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_readonly, tfs_setup_ro, tfs_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
