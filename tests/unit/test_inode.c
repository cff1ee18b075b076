/* Stat synthesis and the setattr family. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "ovl_check.h"
#include "../../overlay/internal.h"

static void getattr(struct tfs *t, const char *p, struct stat *st)
{
	struct ovl_entry e;
	chk_lookup(t, p, &e);
	assert_int_equal(ovl_getattr(t->fs, &e, st), 0);
	ovl_entry_release(&e);
}

static void test_getattr(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 2, 0);
	tfs_mkdir(t.lower[1], "m", 0755);
	tfs_mkdir(t.lower[0], "m", 0700);
	tfs_mkdir(t.lower[1], "solo", 0755);
	tfs_mkdir(t.lower[1], "solo/a", 0755);
	tfs_mkfile(t.lower[0], "f", "12345", 0640);
	tfs_symlink(t.lower[0], "l", "f");
	assert_int_equal(tfs_mount(&t), 0);
	struct stat st, real;
	getattr(&t, "/m", &st);
	assert_int_equal(st.st_dev, makedev(0, 4242));
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(st.st_mode, S_IFDIR | 0700);        /* topmost's mode */
	assert_int_equal(tfs_lstat(t.lower[1], "m", &real), 0);
	assert_int_equal(st.st_ino, ovl_dir_ino(t.fs, 2, real.st_ino));
	getattr(&t, "/solo", &st);
	assert_int_equal(st.st_nlink, 3);                     /* one layer: real count */
	getattr(&t, "/f", &st);
	assert_int_equal(tfs_lstat(t.lower[0], "f", &real), 0);
	/* every layer on one filesystem: the overlay's device, as the kernel's */
	assert_int_equal(st.st_dev, makedev(0, 4242));
	assert_int_equal(st.st_ino, real.st_ino);
	assert_int_equal(st.st_size, 5);
	assert_int_equal(st.st_mode, S_IFREG | 0640);
	getattr(&t, "/l", &st);
	assert_true(S_ISLNK(st.st_mode));
	getattr(&t, "/", &st);
	assert_int_equal(st.st_dev, makedev(0, 4242));
	assert_int_equal(st.st_nlink, 1);

	struct ovl_entry e;
	struct statx sx;
	chk_lookup(&t, "/m", &e);
	assert_int_equal(ovl_statx(t.fs, &e, STATX_BASIC_STATS, 0, &sx), 0);
	getattr(&t, "/m", &st);
	assert_int_equal(sx.stx_ino, st.st_ino);
	assert_int_equal(makedev(sx.stx_dev_major, sx.stx_dev_minor), makedev(0, 4242));
	assert_int_equal(sx.stx_nlink, 1);
	ovl_entry_release(&e);
	chk_lookup(&t, "/f", &e);
	assert_int_equal(ovl_statx(t.fs, &e, STATX_BASIC_STATS, 0, &sx), 0);
	assert_int_equal(sx.stx_ino, real.st_ino);
	assert_int_equal(sx.stx_size, 5);
	ovl_entry_release(&e);

	char buf[16];
	chk_lookup(&t, "/l", &e);
	assert_int_equal(ovl_readlink(t.fs, &e, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'f');
	ovl_entry_release(&e);
	chk_lookup(&t, "/f", &e);
	assert_int_equal(ovl_readlink(t.fs, &e, buf, sizeof(buf)), -EINVAL);
	ovl_entry_release(&e);

	struct statfs sf;
	assert_int_equal(ovl_statfs(t.fs, &sf), 0);
	assert_int_equal(sf.f_type, 0x794c7630);
	tfs_fini(&t);
}

static void test_dir_ino_stable_across_copy_up(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 0);
	tfs_mkdir(t.lower[0], "d", 0755);
	tfs_mkdir(t.lower[0], "d/e", 0755);
	assert_int_equal(tfs_mount(&t), 0);
	struct stat before_d, before_e, after;
	getattr(&t, "/d", &before_d);
	getattr(&t, "/d/e", &before_e);
	struct chk_lowers snap;
	chk_lowers_take(&t, &snap);
	struct ovl_entry e;
	struct ovl_cred r = tfs_root_cred();
	chk_lookup(&t, "/d/e", &e);
	assert_int_equal(ovl_chmod(t.fs, &r, &e, 0700), 0);   /* copies d and e up */
	assert_int_equal(e.layer, 0);
	assert_int_equal(e.st.st_mode, S_IFDIR | 0700);
	ovl_entry_release(&e);
	struct stat up;
	assert_int_equal(tfs_lstat(t.upper, "d/e", &up), 0);
	assert_int_equal(up.st_mode, S_IFDIR | 0700);
	getattr(&t, "/d", &after);
	assert_int_equal(after.st_ino, before_d.st_ino);
	getattr(&t, "/d/e", &after);
	assert_int_equal(after.st_ino, before_e.st_ino);
	assert_int_equal(after.st_mode, S_IFDIR | 0700);
	chk_lowers_same(&t, &snap);
	tfs_fini(&t);
}

/* Without file handles a copy keeps its lower number for the run: through
 * its fd after its last name went too; a number that comes back is another
 * object's, which does not take it up. */
static void test_copy_number_no_fh(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 0);
	t.no_fh = true;
	tfs_mkfile(t.lower[0], "a", "a", 0644);
	assert_int_equal(tfs_mount(&t), 0);
	struct ovl_cred r = tfs_root_cred();
	struct stat low, st, up;
	assert_int_equal(tfs_lstat(t.lower[0], "a", &low), 0);
	struct ovl_entry e;
	chk_lookup(&t, "/a", &e);
	assert_int_equal(ovl_chmod(t.fs, &r, &e, 0600), 0);
	ovl_entry_release(&e);
	getattr(&t, "/a", &st);
	assert_int_equal(st.st_ino, low.st_ino);
	int fd = openat(t.upper_fd, "a", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	chk_lookup(&t, "/a", &e);
	assert_int_equal(ovl_unlink(t.fs, &r, &e), 0);
	ovl_entry_release(&e);
	assert_int_equal(fstat(fd, &up), 0);
	dev_t dev = up.st_dev;
	ino_t ino = up.st_ino;
	assert_true(ovl_fd_renumbered(t.fs, fd, true, false, S_IFREG, &dev, &ino, NULL));
	assert_int_equal(ino, low.st_ino);
	close(fd);
	/* a file made anew whose number was a copy's (its inode freed and
	 * reused; told here) keeps its own: it has no origin record */
	chk_lookup(&t, "/n", &e);
	assert_int_equal(ovl_mknod(t.fs, &r, &e, S_IFREG | 0644, 0), 0);
	ovl_entry_release(&e);
	assert_int_equal(tfs_lstat(t.upper, "n", &up), 0);
	ovl_origin_remember(t.fs, S_IFREG, up.st_dev, up.st_ino, low.st_dev, low.st_ino);
	getattr(&t, "/n", &st);
	assert_int_equal(st.st_ino, up.st_ino);
	tfs_fini(&t);
}

static void test_chmod_chown(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 0);
	tfs_mkfile(t.lower[0], "mine", "x", 0644);
	tfs_mkfile(t.lower[0], "theirs", "x", 0644);
	tfs_mkfile(t.lower[0], "suid", "x", 06755);
	chk_chown(t.lower[0], "mine", 1000, 1000);
	chk_chown(t.lower[0], "theirs", 2000, 2000);
	chk_chown(t.lower[0], "suid", 1000, 1000);
	chk_chmod(t.lower[0], "suid", 06755);
	tfs_symlink(t.lower[0], "l", "mine");
	assert_int_equal(tfs_mount(&t), 0);
	struct chk_lowers snap;
	chk_lowers_take(&t, &snap);
	struct ovl_cred u = tfs_user_cred(1000, 1000);
	u.ngroups = 1;
	u.groups[0] = 50;
	struct ovl_entry e;
	struct stat st;

	chk_lookup(&t, "/theirs", &e);
	assert_int_equal(ovl_chmod(t.fs, &u, &e, 0600), -EPERM);
	assert_int_equal(ovl_chown(t.fs, &u, &e, (uid_t)-1, 50), -EPERM);
	assert_int_equal(e.layer, 1);                   /* nothing copied up */
	ovl_entry_release(&e);
	chk_absent(t.upper, "theirs");

	chk_lookup(&t, "/mine", &e);
	/* S_ISGID dropped: the file's group 1000 is the caller's, so kept */
	assert_int_equal(ovl_chmod(t.fs, &u, &e, 02750), 0);
	assert_int_equal(tfs_lstat(t.upper, "mine", &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 02750);
	assert_int_equal(ovl_chown(t.fs, &u, &e, 2000, (gid_t)-1), -EPERM);
	assert_int_equal(ovl_chown(t.fs, &u, &e, 1000, 77), -EPERM);  /* not its group */
	assert_int_equal(ovl_chown(t.fs, &u, &e, (uid_t)-1, 50), 0);
	assert_int_equal(tfs_lstat(t.upper, "mine", &st), 0);
	assert_int_equal(st.st_gid, 50);
	assert_int_equal(st.st_mode, S_IFREG | 0750);    /* set-gid + g+x: dropped */
	assert_int_equal(e.st.st_gid, 50);
	/* not in the file's new group: set-gid cannot be set */
	u.ngroups = 0;
	assert_int_equal(ovl_chmod(t.fs, &u, &e, 02755), 0);
	assert_int_equal(tfs_lstat(t.upper, "mine", &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0755);
	ovl_entry_release(&e);

	/* chown clears set-uid even for root; set-gid with g+x too */
	struct ovl_cred r = tfs_root_cred();
	chk_lookup(&t, "/suid", &e);
	assert_int_equal(ovl_chown(t.fs, &r, &e, 3000, 3000), 0);
	assert_int_equal(tfs_lstat(t.upper, "suid", &st), 0);
	assert_int_equal(st.st_uid, 3000);
	assert_int_equal(st.st_mode, S_IFREG | 0755);
	ovl_entry_release(&e);

	chk_lookup(&t, "/l", &e);
	assert_int_equal(ovl_chmod(t.fs, &r, &e, 0777), -EOPNOTSUPP);
	assert_int_equal(ovl_chown(t.fs, &r, &e, 5, 5), 0);        /* lchown */
	assert_int_equal(tfs_lstat(t.upper, "l", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(st.st_uid, 5);
	ovl_entry_release(&e);
	chk_lowers_same(&t, &snap);
	tfs_fini(&t);
}

static void test_utimens_truncate(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 0);
	tfs_mkfile(t.lower[0], "w", "0123456789", 0666);
	tfs_mkfile(t.lower[0], "ro", "0123456789", 0644);
	tfs_mkfile(t.lower[0], "suid", "0123456789", 06777);
	chk_chmod(t.lower[0], "suid", 06777);
	tfs_mkdir(t.lower[0], "dir", 0777);
	tfs_symlink(t.lower[0], "sym", "w");
	assert_int_equal(tfs_mount(&t), 0);
	struct chk_lowers snap;
	chk_lowers_take(&t, &snap);
	struct ovl_cred u = tfs_user_cred(1000, 1000);
	struct ovl_entry e;
	struct stat st;
	struct timespec ts[2] = { { 1000000, 0 }, { 2000000, 0 } };
	struct timespec now[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	struct timespec omit[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };

	chk_lookup(&t, "/ro", &e);
	assert_int_equal(ovl_utimens(t.fs, &u, &e, omit), 0);
	assert_int_equal(ovl_utimens(t.fs, &u, &e, NULL), -EACCES);
	assert_int_equal(ovl_utimens(t.fs, &u, &e, ts), -EPERM);
	assert_int_equal(ovl_truncate(t.fs, &u, &e, 0), -EACCES);
	ovl_entry_release(&e);
	chk_absent(t.upper, "ro");

	chk_lookup(&t, "/w", &e);
	assert_int_equal(ovl_utimens(t.fs, &u, &e, ts), -EPERM);  /* not owner */
	assert_int_equal(ovl_utimens(t.fs, &u, &e, now), 0);     /* write permission */
	struct ovl_cred r = tfs_root_cred();
	assert_int_equal(ovl_utimens(t.fs, &r, &e, ts), 0);
	assert_int_equal(tfs_lstat(t.upper, "w", &st), 0);
	assert_int_equal(st.st_mtim.tv_sec, 2000000);
	assert_int_equal(st.st_atim.tv_sec, 1000000);
	assert_int_equal(ovl_truncate(t.fs, &u, &e, 4), 0);
	char buf[32];
	assert_int_equal(tfs_read(t.upper, "w", buf, sizeof(buf)), 4);
	assert_string_equal(buf, "0123");
	assert_int_equal(e.st.st_size, 4);
	assert_int_equal(ovl_truncate(t.fs, &u, &e, -1), -EINVAL);
	ovl_entry_release(&e);

	chk_lookup(&t, "/suid", &e);
	assert_int_equal(ovl_truncate(t.fs, &u, &e, 0), 0);
	assert_int_equal(tfs_lstat(t.upper, "suid", &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_mode, S_IFREG | 0777);
	ovl_entry_release(&e);

	chk_lookup(&t, "/dir", &e);
	assert_int_equal(ovl_truncate(t.fs, &r, &e, 0), -EISDIR);
	ovl_entry_release(&e);
	chk_lookup(&t, "/sym", &e);
	assert_int_equal(ovl_truncate(t.fs, &r, &e, 0), -EINVAL);
	assert_int_equal(ovl_utimens(t.fs, &r, &e, ts), 0);        /* the link itself */
	assert_int_equal(tfs_lstat(t.upper, "sym", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(st.st_mtim.tv_sec, 2000000);
	ovl_entry_release(&e);
	chk_lowers_same(&t, &snap);
	tfs_fini(&t);
}

static void test_readonly(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 1);
	tfs_mkfile(t.lower[0], "f", "x", 0644);
	assert_int_equal(tfs_mount(&t), 0);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e;
	chk_lookup(&t, "/f", &e);
	assert_int_equal(ovl_chmod(t.fs, &r, &e, 0600), -EROFS);
	assert_int_equal(ovl_chown(t.fs, &r, &e, 1, 1), -EROFS);
	assert_int_equal(ovl_utimens(t.fs, &r, &e, NULL), -EROFS);
	assert_int_equal(ovl_truncate(t.fs, &r, &e, 0), -EROFS);
	ovl_entry_release(&e);
	struct statfs sf;
	assert_int_equal(ovl_statfs(t.fs, &sf), 0);
	assert_int_equal(sf.f_type, 0x794c7630);
	tfs_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getattr),
		cmocka_unit_test(test_dir_ino_stable_across_copy_up),
		cmocka_unit_test(test_copy_number_no_fh),
		cmocka_unit_test(test_chmod_chown),
		cmocka_unit_test(test_utimens_truncate),
		cmocka_unit_test(test_readonly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
