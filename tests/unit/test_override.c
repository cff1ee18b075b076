/* Owner records (user.containers.override_stat, overlay/override.c): what
 * the overlay shows of a file with one, in a lower or the upper; chmod,
 * chown and copy-up keep them; a set-gid dir's recorded group goes to new
 * files; the command never sees them; without the option they are plain
 * xattrs; a user's run refuses what the host grants root alone. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/fs.h>
#include <sys/xattr.h>
#include "ovl_check.h"
#include "../../overlay/internal.h"

static void record(const char *dir, const char *rel, const char *value)
{
	char p[PATH_MAX];
	chk_path(p, dir, rel);
	assert_int_equal(lsetxattr(p, OVL_OVERRIDE_XATTR, value, strlen(value), 0), 0);
}

static void read_record(const char *dir, const char *rel, char *out, size_t size)
{
	char p[PATH_MAX];
	chk_path(p, dir, rel);
	ssize_t n = lgetxattr(p, OVL_OVERRIDE_XATTR, out, size - 1);
	out[n > 0 ? n : 0] = 0;
}

static void shown(struct tfs *t, const char *path, struct stat *st)
{
	struct ovl_entry e;
	chk_lookup(t, path, &e);
	assert_int_equal(ovl_getattr(t->fs, &e, st), 0);
	ovl_entry_release(&e);
}

static void layers(struct tfs *t, bool on)
{
	tfs_init(t, 1, 0);
	tfs_mkfile(t->lower[0], "f", "data", 0644);
	record(t->lower[0], "f", "1234:5678:4750:file");
	tfs_mkfile(t->lower[0], "node", "", 0600);
	record(t->lower[0], "node", "0:6:0660:char-4-64");
	tfs_mkfile(t->lower[0], "old", "x", 0644);
	record(t->lower[0], "old", "7:8:0600");          /* the older form */
	tfs_mkfile(t->lower[0], "bad", "x", 0644);
	record(t->lower[0], "bad", "7:8:0600:dir");      /* a file is no dir */
	tfs_mkdir(t->lower[0], "sg", 0755);
	record(t->lower[0], "sg", "0:50:2775:dir");
	t->override_stat = on;
	assert_int_equal(tfs_mount(t), 0);
}

static void test_records_shown(void **state)
{
	(void)state;
	struct tfs t;
	struct stat st;
	layers(&t, true);
	shown(&t, "/f", &st);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 5678);
	assert_int_equal(st.st_mode, S_IFREG | 04750);
	assert_int_equal(st.st_size, 4);
	shown(&t, "/node", &st);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(st.st_rdev, makedev(4, 64));
	assert_int_equal(st.st_gid, 6);
	shown(&t, "/old", &st);
	assert_int_equal(st.st_uid, 7);
	assert_int_equal(st.st_mode, S_IFREG | 0600);
	shown(&t, "/bad", &st);
	assert_int_equal(st.st_uid, 0);                  /* ignored */
	assert_int_equal(st.st_mode, S_IFREG | 0644);
	/* never the command's: not listed, not read, not set */
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e;
	char list[256];
	chk_lookup(&t, "/f", &e);
	ssize_t n = ovl_listxattr(t.fs, &r, &e, list, sizeof(list));
	assert_true(n >= 0);
	for (char *s = list; s < list + n; s += strlen(s) + 1)
		assert_string_not_equal(s, OVL_OVERRIDE_XATTR);
	assert_int_equal(ovl_getxattr(t.fs, &r, &e, OVL_OVERRIDE_XATTR, list, sizeof(list)),
			 -ENODATA);
	assert_int_equal(ovl_setxattr(t.fs, &r, &e, OVL_OVERRIDE_XATTR, "0:0:0777:file", 13, 0),
			 -EPERM);
	ovl_entry_release(&e);
	tfs_fini(&t);
}

static void test_records_kept(void **state)
{
	(void)state;
	struct tfs t;
	struct stat st;
	char rec[128];
	layers(&t, true);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e;
	/* chmod copies up: the record goes with it, with the new mode */
	chk_lookup(&t, "/f", &e);
	assert_int_equal(ovl_chmod(t.fs, &r, &e, 0640), 0);
	ovl_entry_release(&e);
	read_record(t.upper, "f", rec, sizeof(rec));
	assert_string_equal(rec, "1234:5678:0640:file");
	shown(&t, "/f", &st);
	assert_int_equal(st.st_mode, S_IFREG | 0640);
	assert_int_equal(st.st_uid, 1234);
	/* chown of a recorded file changes the record, not the host owner */
	chk_lookup(&t, "/f", &e);
	assert_int_equal(ovl_chown(t.fs, &r, &e, 99, (gid_t)-1), 0);
	ovl_entry_release(&e);
	read_record(t.upper, "f", rec, sizeof(rec));
	assert_string_equal(rec, "99:5678:0640:file");
	assert_int_equal(tfs_lstat(t.upper, "f", &st), 0);
	assert_int_equal(st.st_uid, 0);
	/* a new file in a set-gid dir takes its recorded group */
	chk_lookup(&t, "/sg/new", &e);
	assert_int_equal(ovl_mknod(t.fs, &r, &e, S_IFREG | 0644, 0), 0);
	ovl_entry_release(&e);
	shown(&t, "/sg/new", &st);
	assert_int_equal(st.st_gid, 50);
	tfs_fini(&t);
}

static void test_records_off(void **state)
{
	(void)state;
	struct tfs t;
	struct stat st;
	layers(&t, false);
	shown(&t, "/f", &st);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_mode, S_IFREG | 0644);
	shown(&t, "/node", &st);
	assert_true(S_ISREG(st.st_mode));
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e;
	char v[64];
	chk_lookup(&t, "/f", &e);
	assert_int_equal(ovl_getxattr(t.fs, &r, &e, OVL_OVERRIDE_XATTR, v, sizeof(v)), 19);
	ovl_entry_release(&e);
	tfs_fini(&t);
}

/* A user's run: the host honours neither CAP_LINUX_IMMUTABLE nor
 * CAP_SYS_ADMIN of the caller's (chattr +i, trusted.* are EPERM for root
 * inside, as in the kernel's overlayfs mounted in a user namespace). */
static void test_user_namespace_caps(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 0);
	tfs_mkfile(t.lower[0], "f", "data", 0644);
	t.in_userns = true;
	assert_int_equal(tfs_mount(&t), 0);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e;
	chk_lookup(&t, "/f", &e);
	struct ovl_fsattr a = { .flags = FS_IMMUTABLE_FL };
	assert_int_equal(ovl_set_fsattr(t.fs, &r, &e, &a), -EPERM);
	assert_int_equal(ovl_setxattr(t.fs, &r, &e, "trusted.k", "v", 1, 0), -EPERM);
	char v[8];
	assert_int_equal(ovl_getxattr(t.fs, &r, &e, "trusted.k", v, sizeof(v)), -ENODATA);
	assert_int_equal(ovl_setxattr(t.fs, &r, &e, "user.k", "v", 1, 0), 0);
	ovl_entry_release(&e);
	tfs_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_shown),
		cmocka_unit_test(test_records_kept),
		cmocka_unit_test(test_records_off),
		cmocka_unit_test(test_user_namespace_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
