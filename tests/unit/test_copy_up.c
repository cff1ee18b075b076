/* Copy-up: data, metadata, xattrs, parents, marks, atomicity leftovers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ovl_check.h"
#include "../../overlay/internal.h"

/* An origin xattr in the kernel's format: empty ("origin unknown") or a
 * file handle record (version 0, magic 0xfb, its own length first). */
static void assert_origin(const char *layer, const char *rel)
{
	unsigned char v[256];
	int n = chk_getxattr(layer, rel, "trusted.overlay.origin", (char *)v, sizeof(v));
	assert_true(n >= 0);
	if (n > 0) {
		assert_true(n >= 21);
		assert_int_equal(v[0], 0);
		assert_int_equal(v[1], 0xfb);
		assert_int_equal(v[2], n);
	}
}

static void mount_ok(struct tfs *t)
{
	assert_int_equal(tfs_mount(t), 0);
}

static void test_regular_file_all_metadata(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "d", 0755);
	tfs_mkfile(t->lower[0], "d/f", "hello world\n", 0640);
	chk_chown(t->lower[0], "d/f", 1234, 5678);
	chk_chmod(t->lower[0], "d/f", 04751);
	chk_setxattr(t->lower[0], "d/f", "user.foo", "bar");
	chk_setxattr(t->lower[0], "d/f", "trusted.keep", "1");
	chk_setxattr(t->lower[0], "d/f", "trusted.overlay.secret", "x");
	/* File capabilities (v2, cap_net_raw+ep): a chown after the xattr
	 * copy would drop them. */
	const uint32_t fcap[5] = { 0x02000001, 1u << 13, 0, 0, 0 };
	char lp[PATH_MAX];
	chk_path(lp, t->lower[0], "d/f");
	assert_int_equal(lsetxattr(lp, "security.capability", fcap, sizeof(fcap), 0), 0);
	chk_set_times(t->lower[0], "d/f", 1000000000, 1100000000);
	mount_ok(t);
	struct chk_lowers snap;
	chk_lowers_take(t, &snap);

	struct stat lst;     /* reading it for the snapshot moved its atime */
	assert_int_equal(tfs_lstat(t->lower[0], "d/f", &lst), 0);
	struct ovl_entry e;
	chk_lookup(t, "/d/f", &e);
	assert_int_equal(e.layer, 1);
	assert_int_equal(ovl_copy_up(t->fs, &e), 0);
	assert_int_equal(e.layer, 0);

	struct stat st;
	char buf[64];
	assert_int_equal(tfs_lstat(t->upper, "d/f", &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 04751);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 5678);
	assert_int_equal(st.st_atim.tv_sec, lst.st_atim.tv_sec);
	assert_int_equal(st.st_atim.tv_nsec, lst.st_atim.tv_nsec);
	assert_int_equal(st.st_mtim.tv_sec, 1100000000);
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(e.st.st_ino, st.st_ino);
	assert_int_equal(e.st.st_dev, st.st_dev);
	assert_int_equal(tfs_read(t->upper, "d/f", buf, sizeof(buf)), 12);
	assert_string_equal(buf, "hello world\n");
	assert_true(chk_has_xattr(t->upper, "d/f", "user.foo", "bar"));
	assert_true(chk_has_xattr(t->upper, "d/f", "trusted.keep", "1"));
	uint32_t ucap[5] = { 0 };
	assert_int_equal(chk_getxattr(t->upper, "d/f", "security.capability", (char *)ucap,
				      sizeof(ucap)), sizeof(fcap));
	assert_memory_equal(ucap, fcap, sizeof(fcap));
	/* The overlay's own xattrs are not the file's: not copied. */
	assert_int_equal(chk_getxattr(t->upper, "d/f", "trusted.overlay.secret", buf, 64), -ENODATA);
	/* The kernel's origin record: its file-handle format. */
	assert_origin(t->upper, "d/f");
	/* Parent copied up first, marked impure like the kernel does. */
	assert_true(chk_has_xattr(t->upper, "d", "trusted.overlay.impure", "y"));
	assert_true(chk_has_xattr(t->upper, ".", "trusted.overlay.impure", "y"));
	assert_origin(t->upper, "d");
	chk_opaque(t->upper, "d", false);
	chk_work_clean(t);
	chk_lowers_same(t, &snap);
	ovl_entry_release(&e);
}

static void test_nested_parents_keep_metadata(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[1], "a", 0711);
	tfs_mkdir(t->lower[1], "a/b", 0750);
	tfs_mkdir(t->lower[0], "a", 0700);       /* top lower wins for a */
	tfs_mkdir(t->lower[0], "a/b", 0750);
	tfs_mkdir(t->lower[0], "a/b/c", 0705);
	tfs_mkfile(t->lower[1], "a/b/other", "deep", 0600);
	tfs_mkfile(t->lower[0], "a/b/c/file2", "deeper", 0644);
	chk_chown(t->lower[0], "a/b", 42, 43);
	chk_set_times(t->lower[0], "a/b/c", 1200000000, 1200000001);
	chk_set_times(t->lower[0], "a/b", 1300000000, 1300000001);
	mount_ok(t);
	struct chk_lowers snap;
	chk_lowers_take(t, &snap);

	struct ovl_entry e;
	chk_lookup(t, "/a/b/c/file2", &e);
	assert_int_equal(ovl_copy_up(t->fs, &e), 0);
	struct stat st;
	assert_int_equal(tfs_lstat(t->upper, "a", &st), 0);
	assert_int_equal(st.st_mode, S_IFDIR | 0700);
	assert_int_equal(tfs_lstat(t->upper, "a/b", &st), 0);
	assert_int_equal(st.st_mode, S_IFDIR | 0750);
	assert_int_equal(st.st_uid, 42);
	assert_int_equal(st.st_gid, 43);
	/* b's mtime survives c being copied into it; c's survives file2. */
	assert_int_equal(st.st_mtim.tv_sec, 1300000001);
	assert_int_equal(tfs_lstat(t->upper, "a/b/c", &st), 0);
	assert_int_equal(st.st_mode, S_IFDIR | 0705);
	assert_int_equal(st.st_mtim.tv_sec, 1200000001);
	/* Only the path was copied, not siblings. */
	assert_int_equal(chk_count(t->upper), 1);
	char p[PATH_MAX];
	chk_path(p, t->upper, "a/b/c");
	assert_int_equal(chk_count(p), 1);
	for (const char *d = "a"; d; d = !strcmp(d, "a") ? "a/b" : !strcmp(d, "a/b") ? "a/b/c" : NULL) {
		assert_true(chk_has_xattr(t->upper, d, "trusted.overlay.impure", "y"));
		chk_opaque(t->upper, d, false);
	}
	chk_work_clean(t);
	chk_lowers_same(t, &snap);
	ovl_entry_release(&e);
}

static void test_parent_times_restored(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->upper, "d", 0755);
	tfs_mkdir(t->lower[0], "d", 0755);
	tfs_mkfile(t->lower[0], "d/f", "x", 0644);
	chk_set_times(t->upper, "d", 1000000000, 1000000005);
	mount_ok(t);
	struct ovl_entry e;
	chk_lookup(t, "/d/f", &e);
	assert_int_equal(ovl_copy_up(t->fs, &e), 0);
	struct stat st;
	assert_int_equal(tfs_lstat(t->upper, "d", &st), 0);
	assert_int_equal(st.st_mtim.tv_sec, 1000000005);
	assert_int_equal(st.st_atim.tv_sec, 1000000000);
	ovl_entry_release(&e);
}

static void test_symlink(void **state)
{
	struct tfs *t = *state;
	tfs_symlink(t->lower[0], "sl", "some/where/else");
	chk_chown(t->lower[0], "sl", 7, 8);
	chk_setxattr(t->lower[0], "sl", "trusted.lx", "v");
	chk_set_times(t->lower[0], "sl", 1000000000, 1000000001);
	mount_ok(t);
	struct chk_lowers snap;
	chk_lowers_take(t, &snap);
	struct ovl_entry e;
	chk_lookup(t, "/sl", &e);
	assert_int_equal(ovl_copy_up(t->fs, &e), 0);
	assert_int_equal(e.layer, 0);
	assert_true(S_ISLNK(e.type));
	char p[PATH_MAX], tgt[64] = "";
	chk_path(p, t->upper, "sl");
	assert_int_equal(readlink(p, tgt, sizeof(tgt)), 15);
	assert_string_equal(tgt, "some/where/else");
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_uid, 7);
	assert_int_equal(st.st_gid, 8);
	assert_int_equal(st.st_mtim.tv_sec, 1000000001);
	assert_true(chk_has_xattr(t->upper, "sl", "trusted.lx", "v"));
	assert_origin(t->upper, "sl");
	chk_work_clean(t);
	chk_lowers_same(t, &snap);
	ovl_entry_release(&e);
}

static void test_fifo(void **state)
{
	struct tfs *t = *state;
	char p[PATH_MAX];
	chk_path(p, t->lower[0], "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	chk_chmod(t->lower[0], "fifo", 0641);
	chk_chown(t->lower[0], "fifo", 3, 4);
	mount_ok(t);
	struct ovl_entry e;
	chk_lookup(t, "/fifo", &e);
	assert_int_equal(ovl_copy_up(t->fs, &e), 0);
	struct stat st;
	assert_int_equal(tfs_lstat(t->upper, "fifo", &st), 0);
	assert_int_equal(st.st_mode, S_IFIFO | 0641);
	assert_int_equal(st.st_uid, 3);
	assert_int_equal(st.st_gid, 4);
	assert_origin(t->upper, "fifo");
	chk_work_clean(t);
	ovl_entry_release(&e);
}

/* The filter of lower non-dirs copied up (overlay/copied.c): a file and a
 * symlink copied up are "maybe", the ones left in the lower are not, and a
 * dir copy-up marks nothing (an fd on a dir is looked up by its path). */
static void test_copied_filter(void **state)
{
	struct tfs *t = *state;
	tfs_mkfile(t->lower[0], "f", "f", 0644);
	tfs_mkfile(t->lower[0], "g", "g", 0644);
	tfs_symlink(t->lower[0], "sl", "f");
	tfs_mkdir(t->lower[0], "d", 0755);
	mount_ok(t);
	struct stat f, g, sl, d;
	assert_int_equal(tfs_lstat(t->lower[0], "f", &f), 0);
	assert_int_equal(tfs_lstat(t->lower[0], "g", &g), 0);
	assert_int_equal(tfs_lstat(t->lower[0], "sl", &sl), 0);
	assert_int_equal(tfs_lstat(t->lower[0], "d", &d), 0);
	assert_false(ovl_maybe_copied_up(t->fs, f.st_dev, f.st_ino));
	const char *names[] = { "/f", "/sl", "/d" };
	for (int i = 0; i < 3; i++) {
		struct ovl_entry e;
		chk_lookup(t, names[i], &e);
		assert_int_equal(ovl_copy_up(t->fs, &e), 0);
		ovl_entry_release(&e);
	}
	assert_true(ovl_maybe_copied_up(t->fs, f.st_dev, f.st_ino));
	assert_true(ovl_maybe_copied_up(t->fs, sl.st_dev, sl.st_ino));
	assert_false(ovl_maybe_copied_up(t->fs, g.st_dev, g.st_ino));
	assert_false(ovl_maybe_copied_up(t->fs, d.st_dev, d.st_ino));
}

static void test_directory_alone(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "dir", 01777);
	tfs_mkfile(t->lower[0], "dir/child", "c", 0644);
	chk_setxattr(t->lower[0], "dir", "user.d", "dv");
	mount_ok(t);
	struct ovl_entry e;
	chk_lookup(t, "/dir", &e);
	assert_int_equal(ovl_copy_up(t->fs, &e), 0);
	assert_int_equal(e.layer, 0);
	struct stat st;
	assert_int_equal(tfs_lstat(t->upper, "dir", &st), 0);
	assert_int_equal(st.st_mode, S_IFDIR | 01777);
	assert_true(chk_has_xattr(t->upper, "dir", "user.d", "dv"));
	chk_opaque(t->upper, "dir", false);
	char p[PATH_MAX];
	chk_path(p, t->upper, "dir");
	assert_int_equal(chk_count(p), 0);  /* children stay below */
	/* Merged: the child is still visible through the copied-up dir. */
	struct ovl_entry c;
	chk_lookup(t, "/dir/child", &c);
	assert_int_equal(c.layer, 1);
	ovl_entry_release(&c);
	chk_work_clean(t);
	ovl_entry_release(&e);
}

static void test_sparse_and_large(void **state)
{
	struct tfs *t = *state;
	char p[PATH_MAX];
	chk_path(p, t->lower[0], "sparse");
	int fd = open(p, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "end", 3, 64 << 20), 3);
	close(fd);
	chk_path(p, t->lower[0], "big");
	fd = open(p, O_CREAT | O_WRONLY, 0644);
	char block[4096];
	for (int i = 0; i < 1024; i++) {  /* 4 MiB of non-repeating data */
		for (size_t j = 0; j < sizeof(block); j++)
			block[j] = (char)(i * 31 + j * 7);
		assert_int_equal(write(fd, block, sizeof(block)), sizeof(block));
	}
	close(fd);
	mount_ok(t);
	struct chk_lowers snap;
	chk_lowers_take(t, &snap);
	struct ovl_entry e;
	chk_lookup(t, "/sparse", &e);
	assert_int_equal(ovl_copy_up(t->fs, &e), 0);
	struct stat st;
	assert_int_equal(tfs_lstat(t->upper, "sparse", &st), 0);
	assert_int_equal(st.st_size, (64 << 20) + 3);
	assert_true(st.st_blocks < 1024);   /* the hole stayed a hole */
	ovl_entry_release(&e);
	chk_lookup(t, "/big", &e);
	assert_int_equal(ovl_copy_up(t->fs, &e), 0);
	ovl_entry_release(&e);
	/* Same content, byte for byte. */
	assert_true(chk_hash(t->lower[0], "big") == chk_hash(t->upper, "big"));
	assert_true(chk_hash(t->lower[0], "sparse") == chk_hash(t->upper, "sparse"));
	chk_work_clean(t);
	chk_lowers_same(t, &snap);
}

static void test_nodata(void **state)
{
	struct tfs *t = *state;
	tfs_mkfile(t->lower[0], "f", "some data", 0604);
	mount_ok(t);
	struct ovl_entry e;
	chk_lookup(t, "/f", &e);
	assert_int_equal(ovl_copy_up_flags(t->fs, &e, OVL_COPY_UP_NODATA), 0);
	struct stat st;
	assert_int_equal(tfs_lstat(t->upper, "f", &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_mode, S_IFREG | 0604);
	assert_int_equal(e.st.st_size, 0);
	ovl_entry_release(&e);
}

static void test_upper_is_noop(void **state)
{
	struct tfs *t = *state;
	tfs_mkfile(t->upper, "u", "up", 0644);
	chk_set_times(t->upper, "u", 1000000000, 1000000000);
	mount_ok(t);
	struct ovl_entry e;
	chk_lookup(t, "/u", &e);
	assert_int_equal(ovl_copy_up(t->fs, &e), 0);
	char buf[8];
	assert_int_equal(chk_getxattr(t->upper, "u", "trusted.overlay.origin", buf, 8), -ENODATA);
	ovl_entry_release(&e);
}

static void test_readonly(void **state)
{
	struct tfs *t = *state;
	tfs_mkfile(t->lower[0], "f", "x", 0644);
	mount_ok(t);
	struct ovl_entry e;
	chk_lookup(t, "/f", &e);
	assert_int_equal(ovl_copy_up(t->fs, &e), -EROFS);
	assert_int_equal(e.layer, 1);
	ovl_entry_release(&e);
}

/* What a crash leaves in the work dir is removed at the next start; what
 * is not ours is left alone. */
static void test_work_clean(void **state)
{
	struct tfs *t = *state;
	tfs_mkfile(t->work, "#ovl.1.2", "partial", 0600);
	tfs_mkdir(t->work, "#ovl.1.3", 0700);
	tfs_whiteout(t->work, "#ovl.1.3/x");
	tfs_mkdir(t->work, "#ovl.1.4", 0700);
	tfs_symlink(t->work, "#ovl.1.5", "t");
	tfs_mkfile(t->work, "not-ours", "", 0600);
	mount_ok(t);
	assert_int_equal(ovl_work_clean(t->fs), 0);
	assert_int_equal(chk_count(t->work), 1);
	chk_absent(t->work, "#ovl.1.3");
	struct stat st;
	assert_int_equal(tfs_lstat(t->work, "not-ours", &st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_regular_file_all_metadata, tfs_setup_2, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_nested_parents_keep_metadata, tfs_setup_2, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_parent_times_restored, tfs_setup_2, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_symlink, tfs_setup_2, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_fifo, tfs_setup_2, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_copied_filter, tfs_setup_2, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_directory_alone, tfs_setup_2, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_sparse_and_large, tfs_setup_2, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_nodata, tfs_setup_2, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_upper_is_noop, tfs_setup_2, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_readonly, tfs_setup_ro, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_work_clean, tfs_setup_2, tfs_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
