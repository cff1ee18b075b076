/* Layers and their numbering, and the small predicates of fs.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "tmpdir.h"
#include "../../overlay/internal.h"

static void test_numbering_and_ownership(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 2, 0);
	assert_int_equal(tfs_mount(&t), 0);
	/* a third lower on another filesystem (tmpfs) */
	char shm[] = "/dev/shm/ovlrun-unit.XXXXXX";
	assert_non_null(mkdtemp(shm));
	struct stat a, b;
	assert_int_equal(stat(shm, &a), 0);
	assert_int_equal(stat(t.root, &b), 0);
	if (a.st_dev == b.st_dev) {
		rmdir(shm);
		tfs_fini(&t);
		skip();
	}
	int other = open(shm, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct ovl_config cfg = { .upper_fd = t.upper_fd, .work_fd = t.work_fd, .nlower = 3,
				  .lower_fd = { t.lower_fd[0], other, t.lower_fd[1] },
				  .dir_dev = makedev(0, 99) };
	struct ovl_fs *fs;
	assert_int_equal(ovl_fs_new(&cfg, &fs), 0);
	close(other);                   /* the fs keeps its own copy */
	assert_true(ovl_fs_writable(fs));
	assert_int_equal(fs->nlayers, 4);
	assert_int_equal(fs->layers[0].fsidx, 0);
	assert_int_equal(fs->layers[1].fsidx, 0);       /* same fs as upper */
	assert_int_equal(fs->layers[2].fsidx, 1);
	assert_int_equal(fs->layers[3].fsidx, 0);
	assert_int_equal(fs->layers[2].dev, a.st_dev);
	assert_int_equal(ovl_dir_ino(fs, 1, 1234), 1234);
	assert_int_equal(ovl_dir_ino(fs, 2, 1234), (1ULL << 56) | 1234);
	assert_true(ovl_dir_ino(fs, 2, 1234) != ovl_dir_ino(fs, 1, 1234));
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e;
	assert_int_equal(ovl_lookup(fs, &r, "/", "/", 0, &e), 0);
	assert_int_equal(e.dir.n, 4);
	ovl_entry_release(&e);
	assert_string_equal(fs->xa_opaque, "trusted.overlay.opaque");
	assert_string_equal(fs->xa_origin, "trusted.overlay.origin");
	assert_string_equal(fs->xa_impure, "trusted.overlay.impure");
	ovl_fs_free(fs);
	rmdir(shm);

	/* read-only: lowers never get fsidx 0 */
	struct ovl_config ro = { .upper_fd = -1, .work_fd = -1, .nlower = 1,
				 .lower_fd = { t.lower_fd[0] }, .xattr_prefix = "user.overlay." };
	assert_int_equal(ovl_fs_new(&ro, &fs), 0);
	assert_false(ovl_fs_writable(fs));
	assert_int_equal(fs->layers[1].fsidx, 1);
	assert_string_equal(fs->xa_opaque, "user.overlay.opaque");
	ovl_fs_free(fs);
	tfs_fini(&t);
}

static void test_bad_config(void **state)
{
	(void)state;
	struct ovl_fs *fs = (struct ovl_fs *)1;
	struct ovl_config none = { .upper_fd = -1, .work_fd = -1, .nlower = 0 };
	assert_int_equal(ovl_fs_new(&none, &fs), -EINVAL);
	assert_null(fs);
	struct ovl_config badfd = { .upper_fd = -1, .work_fd = -1, .nlower = 1, .lower_fd = { 999 } };
	assert_int_equal(ovl_fs_new(&badfd, &fs), -EBADF);
	int f = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
	struct ovl_config notdir = { .upper_fd = -1, .work_fd = -1, .nlower = 1, .lower_fd = { f } };
	assert_int_equal(ovl_fs_new(&notdir, &fs), -ENOTDIR);
	close(f);
	int d = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct ovl_config nowork = { .upper_fd = d, .work_fd = -1, .nlower = 1, .lower_fd = { d } };
	assert_int_equal(ovl_fs_new(&nowork, &fs), -EINVAL);
	close(d);
}

static void test_predicates(void **state)
{
	(void)state;
	struct stat st;
	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFCHR | 0600;
	st.st_rdev = makedev(0, 0);
	assert_true(ovl_is_whiteout(&st));
	st.st_rdev = makedev(1, 3);
	assert_false(ovl_is_whiteout(&st));
	st.st_mode = S_IFREG;
	st.st_rdev = 0;
	assert_false(ovl_is_whiteout(&st));

	struct tfs t;
	tfs_init(&t, 1, 0);
	tfs_mkdir(t.lower[0], "o", 0755);
	tfs_mkdir(t.lower[0], "n", 0755);
	tfs_opaque(t.lower[0], "o");
	assert_int_equal(tfs_mount(&t), 0);
	int o = openat(t.lower_fd[0], "o", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int n = openat(t.lower_fd[0], "n", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(ovl_is_opaque(t.fs, o), 1);
	assert_int_equal(ovl_is_opaque(t.fs, n), 0);
	close(o);
	close(n);
	tfs_fini(&t);

	tfs_init(&t, 1, 0);
	assert_int_equal(tfs_mount(&t), 0);
	struct ovl_config cfg = { .upper_fd = -1, .work_fd = -1, .nlower = 1,
				  .lower_fd = { t.lower_fd[0] }, .npassthrough = 2,
				  .passthrough = { "/proc", "/dev/" }, .nhide = 1 };
	cfg.hide[0].dev = 7;
	cfg.hide[0].ino = 8;
	struct ovl_fs *fs;
	assert_int_equal(ovl_fs_new(&cfg, &fs), 0);
	assert_int_equal(ovl_passthrough_match(fs, "/proc"), 1);
	assert_int_equal(ovl_passthrough_match(fs, "/proc/1/fd"), 1);
	assert_int_equal(ovl_passthrough_match(fs, "/dev"), 1);
	assert_int_equal(ovl_passthrough_match(fs, "/dev/null"), 1);
	assert_int_equal(ovl_passthrough_match(fs, "/procfs"), 0);
	assert_int_equal(ovl_passthrough_match(fs, "/"), 0);
	assert_int_equal(ovl_passthrough_match(fs, "/devices"), 0);
	memset(&st, 0, sizeof(st));
	st.st_dev = 7;
	st.st_ino = 8;
	assert_true(ovl_is_hidden(fs, &st));
	st.st_ino = 9;
	assert_false(ovl_is_hidden(fs, &st));
	ovl_fs_free(fs);
	tfs_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbering_and_ownership),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_predicates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
