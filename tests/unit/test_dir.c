/* mkdir, mknod, symlink, link: owner, mode, whiteout replacement, opaque,
 * errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ovl_check.h"

static void test_mkdir_owner_mode(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "pub", 0777);
	tfs_mkfile(t->lower[0], "pub/old", "o", 0644);
	assert_int_equal(tfs_mount(t), 0);
	struct chk_lowers snap;
	chk_lowers_take(t, &snap);
	struct ovl_cred u = tfs_user_cred(1000, 1000);
	u.umask = 027;
	struct ovl_entry e;
	chk_lookup(t, "/pub/new", &e);
	assert_int_equal(ovl_mkdir(t->fs, &u, &e, 06777), 0);
	assert_int_equal(e.type, S_IFDIR);
	assert_int_equal(e.layer, 0);
	struct stat st;
	assert_int_equal(tfs_lstat(t->upper, "pub/new", &st), 0);
	assert_int_equal(st.st_mode, S_IFDIR | 0750);  /* no set-id from mkdir, umask applied */
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_gid, 1000);
	assert_int_equal(e.st.st_ino, st.st_ino);
	/* in a merged dir: opaque, as the kernel makes it (redirect_dir=on) */
	chk_opaque(t->upper, "pub/new", true);
	/* pub was copied up to hold it, with its own metadata. */
	assert_int_equal(tfs_lstat(t->upper, "pub", &st), 0);
	assert_int_equal(st.st_mode, S_IFDIR | 0777);
	assert_int_equal(ovl_mkdir(t->fs, &u, &e, 0755), -EEXIST);
	chk_work_clean(t);
	chk_lowers_same(t, &snap);
	ovl_entry_release(&e);
}

static void test_mkdir_over_whiteout_is_opaque(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "x", 0755);
	tfs_mkfile(t->lower[0], "x/hidden", "h", 0644);
	tfs_whiteout(t->upper, "x");
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e;
	chk_lookup(t, "/x", &e);
	assert_int_equal(e.type, 0);
	assert_int_equal(ovl_mkdir(t->fs, &r, &e, 0700), 0);
	struct stat st;
	assert_int_equal(tfs_lstat(t->upper, "x", &st), 0);
	assert_int_equal(st.st_mode, S_IFDIR | 0700);
	chk_opaque(t->upper, "x", true);
	char p[PATH_MAX];
	chk_path(p, t->upper, "x");
	assert_int_equal(chk_count(p), 0);
	struct ovl_entry h;
	chk_lookup(t, "/x/hidden", &h);
	assert_int_equal(h.type, 0);                   /* the lower child stays gone */
	ovl_entry_release(&h);
	chk_work_clean(t);
	ovl_entry_release(&e);
}

static void test_mkdir_errors(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "closed", 0755);
	tfs_mkfile(t->lower[0], "file", "", 0644);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred u = tfs_user_cred(1000, 1000), r = tfs_root_cred();
	struct ovl_entry e;
	chk_lookup(t, "/closed/n", &e);
	assert_int_equal(ovl_mkdir(t->fs, &u, &e, 0755), -EACCES);
	ovl_entry_release(&e);
	chk_lookup(t, "/file", &e);
	assert_int_equal(ovl_mkdir(t->fs, &r, &e, 0755), -EEXIST);
	ovl_entry_release(&e);
	assert_int_equal(chk_count(t->upper), 0);       /* failures change nothing */
	chk_work_clean(t);
}

static void test_readonly_create(void **state)
{
	struct tfs *t = *state;
	tfs_mkfile(t->lower[0], "file", "", 0644);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e, f;
	chk_lookup(t, "/n", &e);
	chk_lookup(t, "/file", &f);
	assert_int_equal(ovl_mkdir(t->fs, &r, &e, 0755), -EROFS);
	assert_int_equal(ovl_mknod(t->fs, &r, &e, S_IFIFO | 0644, 0), -EROFS);
	assert_int_equal(ovl_symlink(t->fs, &r, &e, "t"), -EROFS);
	assert_int_equal(ovl_link(t->fs, &r, &f, &e), -EROFS);
	assert_int_equal(ovl_mkdir(t->fs, &r, &f, 0755), -EEXIST); /* EEXIST wins, as the VFS */
	ovl_entry_release(&e);
	ovl_entry_release(&f);
}

static void test_mknod(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "d", 0777);
	tfs_mkfile(t->lower[0], "d/was", "w", 0644);
	tfs_mkdir(t->upper, "d", 0777);
	tfs_whiteout(t->upper, "d/was");
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred u = tfs_user_cred(1000, 1000), r = tfs_root_cred();
	struct ovl_entry e;
	chk_lookup(t, "/d/fifo", &e);
	assert_int_equal(ovl_mknod(t->fs, &u, &e, S_IFIFO | 0666, 0), 0);
	struct stat st;
	assert_int_equal(tfs_lstat(t->upper, "d/fifo", &st), 0);
	assert_int_equal(st.st_mode, S_IFIFO | 0644);
	assert_int_equal(st.st_uid, 1000);
	ovl_entry_release(&e);
	/* Over a whiteout: replaced in one step. */
	chk_lookup(t, "/d/was", &e);
	assert_int_equal(ovl_mknod(t->fs, &u, &e, S_IFREG | 0600, 0), 0);
	assert_int_equal(tfs_lstat(t->upper, "d/was", &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0600);
	assert_int_equal(st.st_size, 0);
	ovl_entry_release(&e);
	/* Devices: CAP_MKNOD, and never the whiteout device. */
	chk_lookup(t, "/d/dev", &e);
	assert_int_equal(ovl_mknod(t->fs, &u, &e, S_IFCHR | 0600, makedev(1, 3)), -EPERM);
	assert_int_equal(ovl_mknod(t->fs, &r, &e, S_IFCHR | 0600, makedev(0, 0)), -EPERM);
	assert_int_equal(ovl_mknod(t->fs, &r, &e, S_IFDIR | 0600, 0), -EPERM);
	assert_int_equal(ovl_mknod(t->fs, &r, &e, S_IFCHR | 0600, makedev(1, 3)), 0);
	assert_int_equal(tfs_lstat(t->upper, "d/dev", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(1, 3));
	ovl_entry_release(&e);
	chk_work_clean(t);
}

static void test_symlink(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "d", 0777);
	tfs_symlink(t->lower[0], "d/l", "lower-target");
	tfs_mkdir(t->upper, "d", 0777);
	tfs_whiteout(t->upper, "d/l");
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred u = tfs_user_cred(1000, 1001);
	struct ovl_entry e;
	chk_lookup(t, "/d/l", &e);
	assert_int_equal(ovl_symlink(t->fs, &u, &e, "new/target"), 0);
	assert_true(S_ISLNK(e.type));
	char p[PATH_MAX], tgt[32] = "";
	chk_path(p, t->upper, "d/l");
	assert_int_equal(readlink(p, tgt, sizeof(tgt)), 10);
	assert_string_equal(tgt, "new/target");
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_gid, 1001);
	assert_int_equal(ovl_symlink(t->fs, &u, &e, "again"), -EEXIST);
	ovl_entry_release(&e);
	chk_lookup(t, "/d/empty", &e);
	assert_int_equal(ovl_symlink(t->fs, &u, &e, ""), -ENOENT);
	ovl_entry_release(&e);
	chk_work_clean(t);
}

static void test_link_copies_up(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "src", 0755);
	tfs_mkfile(t->lower[0], "src/f", "linked", 0644);
	tfs_mkdir(t->upper, "pure", 0755);
	tfs_mkdir(t->lower[0], "adir", 0755);
	assert_int_equal(tfs_mount(t), 0);
	struct chk_lowers snap;
	chk_lowers_take(t, &snap);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry o, n;
	chk_lookup(t, "/src/f", &o);
	chk_lookup(t, "/pure/g", &n);
	assert_int_equal(ovl_link(t->fs, &r, &o, &n), 0);
	struct stat a, b;
	assert_int_equal(tfs_lstat(t->upper, "src/f", &a), 0);
	assert_int_equal(tfs_lstat(t->upper, "pure/g", &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_nlink, 2);
	assert_int_equal(o.st.st_nlink, 2);
	assert_int_equal(n.layer, 0);
	char buf[16];
	assert_int_equal(tfs_read(t->upper, "pure/g", buf, sizeof(buf)), 6);
	/* The kernel marks the dir that received a copied-up entry. */
	assert_true(chk_has_xattr(t->upper, "pure", "trusted.overlay.impure", "y"));
	assert_int_equal(ovl_link(t->fs, &r, &o, &n), -EEXIST);
	ovl_entry_release(&n);
	chk_lookup(t, "/adir", &n);
	struct ovl_entry n2;
	chk_lookup(t, "/pure/dirlink", &n2);
	assert_int_equal(ovl_link(t->fs, &r, &n, &n2), -EPERM);
	ovl_entry_release(&n2);
	ovl_entry_release(&n);
	ovl_entry_release(&o);
	chk_work_clean(t);
	chk_lowers_same(t, &snap);
}

static void test_link_protected(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "pub", 0777);
	tfs_mkfile(t->lower[0], "pub/rootfile", "r", 0644);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred u = tfs_user_cred(1000, 1000);
	struct ovl_entry o, n;
	chk_lookup(t, "/pub/rootfile", &o);
	chk_lookup(t, "/pub/mine", &n);
	/* fs.protected_hardlinks: not owner, cannot write it. */
	assert_int_equal(ovl_link(t->fs, &u, &o, &n), -EPERM);
	ovl_entry_release(&o);
	ovl_entry_release(&n);
	assert_int_equal(chk_count(t->upper), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mkdir_owner_mode, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_over_whiteout_is_opaque, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_errors, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_readonly_create, tfs_setup_ro, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_mknod, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_symlink, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_link_copies_up, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_link_protected, tfs_setup_1, tfs_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
