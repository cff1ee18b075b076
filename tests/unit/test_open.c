/* ovl_open: read-only lower opens, copy-up on write, O_TRUNC without data,
 * O_CREAT / O_EXCL / O_TMPFILE, O_PATH, special files, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ovl_check.h"

/* Look path up and open it with cred; returns ovl_open's result. */
static int do_open(struct tfs *t, const struct ovl_cred *c, const char *path, int flags,
		   mode_t mode, int *fd)
{
	struct ovl_entry e;
	chk_lookup(t, path, &e);
	int r = ovl_open(t->fs, c, &e, flags, mode, fd);
	ovl_entry_release(&e);
	return r;
}

static void test_read_lower_no_copy_up(void **state)
{
	struct tfs *t = *state;
	tfs_mkfile(t->lower[0], "f", "lower data", 0644);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred u = tfs_user_cred(1000, 1000);
	int fd = -1;
	assert_int_equal(do_open(t, &u, "/f", O_RDONLY | O_APPEND, 0, &fd), OVL_OPEN_FILE);
	assert_true(fd >= 0);
	char buf[32] = "";
	assert_int_equal(read(fd, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "lower data");
	int fl = fcntl(fd, F_GETFL);
	assert_int_equal(fl & O_ACCMODE, O_RDONLY);
	assert_true(fl & O_APPEND);                      /* passed through */
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);    /* supervisor's own safety */
	struct stat a, b;
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(tfs_lstat(t->lower[0], "f", &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);            /* the lower file itself */
	close(fd);
	assert_int_equal(chk_count(t->upper), 0);
}

static void test_write_copies_up(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "d", 0755);
	tfs_mkfile(t->lower[0], "d/f", "0123456789", 0666);
	assert_int_equal(tfs_mount(t), 0);
	struct chk_lowers snap;
	chk_lowers_take(t, &snap);
	struct ovl_cred u = tfs_user_cred(1000, 1000);
	int fd = -1;
	struct ovl_entry e;
	chk_lookup(t, "/d/f", &e);
	assert_int_equal(ovl_open(t->fs, &u, &e, O_WRONLY, 0, &fd), OVL_OPEN_FILE);
	assert_int_equal(e.layer, 0);                    /* e follows the copy-up */
	ovl_entry_release(&e);
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
	assert_int_equal(write(fd, "AB", 2), 2);
	close(fd);
	char buf[32];
	assert_int_equal(tfs_read(t->upper, "d/f", buf, sizeof(buf)), 10);
	assert_string_equal(buf, "AB23456789");
	chk_work_clean(t);
	chk_lowers_same(t, &snap);
}

static void test_trunc_copies_no_data(void **state)
{
	struct tfs *t = *state;
	tfs_mkfile(t->lower[0], "f", "old content", 0606);
	assert_int_equal(tfs_mount(t), 0);
	struct chk_lowers snap;
	chk_lowers_take(t, &snap);
	struct ovl_cred u = tfs_user_cred(1000, 1000);
	int fd = -1;
	assert_int_equal(do_open(t, &u, "/f", O_RDWR | O_TRUNC, 0, &fd), OVL_OPEN_FILE);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_mode, S_IFREG | 0606);
	close(fd);
	assert_int_equal(tfs_lstat(t->upper, "f", &st), 0);
	assert_int_equal(st.st_size, 0);
	chk_work_clean(t);
	chk_lowers_same(t, &snap);
}

static void test_create(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "pub", 0777);
	tfs_mkfile(t->lower[0], "pub/was", "w", 0644);
	tfs_mkdir(t->upper, "pub", 0777);
	tfs_whiteout(t->upper, "pub/was");
	tfs_mkfile(t->lower[0], "exists", "e", 0644);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred u = tfs_user_cred(1000, 1001);
	u.umask = 027;
	int fd = -1;
	assert_int_equal(do_open(t, &u, "/pub/new", O_WRONLY | O_CREAT | O_EXCL, 0666, &fd),
			 OVL_OPEN_FILE);
	assert_int_equal(write(fd, "hi", 2), 2);
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
	close(fd);
	struct stat st;
	assert_int_equal(tfs_lstat(t->upper, "pub/new", &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0640);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_gid, 1001);
	assert_int_equal(st.st_size, 2);
	/* Over a whiteout, read-only access asked: still created. */
	assert_int_equal(do_open(t, &u, "/pub/was", O_RDONLY | O_CREAT, 0600, &fd), OVL_OPEN_FILE);
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	close(fd);
	assert_int_equal(tfs_lstat(t->upper, "pub/was", &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0600);
	assert_int_equal(st.st_size, 0);
	struct ovl_cred r = tfs_root_cred();
	assert_int_equal(do_open(t, &r, "/exists", O_WRONLY | O_CREAT | O_EXCL, 0644, &fd), -EEXIST);
	assert_int_equal(do_open(t, &r, "/nope", O_RDONLY, 0, &fd), -ENOENT);
	assert_int_equal(do_open(t, &u, "/denied", O_WRONLY | O_CREAT, 0644, &fd), -EACCES);
	chk_absent(t->upper, "exists");
	chk_work_clean(t);
}

static void test_dirs_and_kinds(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "d", 0755);
	tfs_mkfile(t->lower[0], "f", "f", 0644);
	tfs_symlink(t->lower[0], "l", "f");
	char p[PATH_MAX];
	chk_path(p, t->lower[0], "fifo");
	assert_int_equal(mkfifo(p, 0666), 0);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred r = tfs_root_cred();
	int fd = -1;
	assert_int_equal(do_open(t, &r, "/d", O_RDONLY | O_DIRECTORY, 0, &fd), OVL_OPEN_DIR);
	assert_int_equal(fd, -1);
	assert_int_equal(do_open(t, &r, "/d", O_WRONLY, 0, &fd), -EISDIR);
	assert_int_equal(do_open(t, &r, "/d", O_RDONLY | O_CREAT, 0644, &fd), -EISDIR);
	assert_int_equal(do_open(t, &r, "/d", O_RDONLY | O_CREAT | O_DIRECTORY, 0644, &fd), -EINVAL);
	assert_int_equal(do_open(t, &r, "/f", O_RDONLY | O_DIRECTORY, 0, &fd), -ENOTDIR);
	assert_int_equal(do_open(t, &r, "/l", O_RDONLY | O_NOFOLLOW, 0, &fd), -ELOOP);
	/* O_WRONLY on a FIFO: never opened here (it would block). */
	assert_int_equal(do_open(t, &r, "/fifo", O_WRONLY, 0, &fd), OVL_OPEN_SPECIAL);
	assert_int_equal(fd, -1);
	assert_int_equal(chk_count(t->upper), 0);       /* FIFOs are not copied up */
	assert_int_equal(do_open(t, &r, "/l", O_PATH | O_NOFOLLOW, 0, &fd), OVL_OPEN_FILE);
	struct stat st;
	assert_int_equal(fstatat(fd, "", &st, AT_EMPTY_PATH), 0);
	assert_true(S_ISLNK(st.st_mode));
	close(fd);
	assert_int_equal(do_open(t, &r, "/d", O_PATH, 0, &fd), OVL_OPEN_DIR);
	assert_int_equal(do_open(t, &r, "/fifo", O_PATH, 0, &fd), OVL_OPEN_SPECIAL);
	assert_int_equal(do_open(t, &r, "/f", O_PATH, 0, &fd), OVL_OPEN_FILE);
	assert_int_equal(fcntl(fd, F_GETFL) & O_PATH, O_PATH);
	close(fd);
}

static void test_permissions(void **state)
{
	struct tfs *t = *state;
	tfs_mkfile(t->lower[0], "secret", "s", 0600);
	tfs_mkfile(t->lower[0], "pub", "p", 0666);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred u = tfs_user_cred(1000, 1000);
	int fd = -1;
	assert_int_equal(do_open(t, &u, "/secret", O_RDONLY, 0, &fd), -EACCES);
	assert_int_equal(do_open(t, &u, "/secret", O_WRONLY | O_TRUNC, 0, &fd), -EACCES);
	assert_int_equal(do_open(t, &u, "/pub", O_RDONLY | O_NOATIME, 0, &fd), -EPERM);
	assert_int_equal(chk_count(t->upper), 0);       /* refused opens copy nothing */
	struct ovl_cred r = tfs_root_cred();
	assert_int_equal(do_open(t, &r, "/pub", O_RDONLY | O_NOATIME, 0, &fd), OVL_OPEN_FILE);
	close(fd);
}

static void test_tmpfile(void **state)
{
	struct tfs *t = *state;
	tfs_mkdir(t->lower[0], "d", 0777);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred u = tfs_user_cred(1000, 1000);
	int fd = -1;
	assert_int_equal(do_open(t, &u, "/d", O_TMPFILE | O_RDWR, 0640, &fd), OVL_OPEN_FILE);
	struct stat st, dst;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0640);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_nlink, 0);
	assert_int_equal(tfs_lstat(t->upper, "d", &dst), 0);  /* the dir was copied up */
	assert_int_equal(st.st_dev, dst.st_dev);
	close(fd);
	char p[PATH_MAX];
	chk_path(p, t->upper, "d");
	assert_int_equal(chk_count(p), 0);
	assert_int_equal(do_open(t, &u, "/d", O_TMPFILE | O_RDONLY, 0640, &fd), -EINVAL);
	chk_work_clean(t);
}

static void test_readonly(void **state)
{
	struct tfs *t = *state;
	tfs_mkfile(t->lower[0], "f", "f", 0666);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred r = tfs_root_cred();
	int fd = -1;
	assert_int_equal(do_open(t, &r, "/f", O_WRONLY, 0, &fd), -EROFS);
	assert_int_equal(do_open(t, &r, "/f", O_RDONLY | O_TRUNC, 0, &fd), -EROFS);
	assert_int_equal(do_open(t, &r, "/n", O_WRONLY | O_CREAT, 0644, &fd), -EROFS);
	assert_int_equal(do_open(t, &r, "/f", O_RDONLY, 0, &fd), OVL_OPEN_FILE);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_lower_no_copy_up, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_write_copies_up, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_trunc_copies_no_data, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_create, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_dirs_and_kinds, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_permissions, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_tmpfile, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_readonly, tfs_setup_ro, tfs_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
