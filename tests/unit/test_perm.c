/* Permission rules: generic_permission, may_create/may_delete, owner of new objects. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tmpdir.h"
#include "ovl_check.h"
#include "../../overlay/internal.h"

static struct stat mk(mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st;
	memset(&st, 0, sizeof(st));
	st.st_mode = mode;
	st.st_uid = uid;
	st.st_gid = gid;
	return st;
}

static void test_classes(void **state)
{
	(void)state;
	struct ovl_cred u = tfs_user_cred(1000, 100);
	struct stat st = mk(S_IFREG | 0640, 1000, 200);
	assert_int_equal(ovl_permission(&u, &st, OVL_MAY_READ | OVL_MAY_WRITE), 0);
	assert_int_equal(ovl_permission(&u, &st, OVL_MAY_EXEC), -EACCES);
	/* owner class only: group bits do not help the owner */
	st = mk(S_IFREG | 0070, 1000, 100);
	assert_int_equal(ovl_permission(&u, &st, OVL_MAY_READ), -EACCES);
	/* group via fsgid and supplementary groups */
	st = mk(S_IFREG | 0040, 0, 100);
	assert_int_equal(ovl_permission(&u, &st, OVL_MAY_READ), 0);
	st = mk(S_IFREG | 0040, 0, 300);
	assert_int_equal(ovl_permission(&u, &st, OVL_MAY_READ), -EACCES);
	u.ngroups = 2;
	u.groups[0] = 5;
	u.groups[1] = 300;
	assert_int_equal(ovl_permission(&u, &st, OVL_MAY_READ), 0);
	/* group class excludes other bits */
	st = mk(S_IFREG | 0004, 0, 300);
	assert_int_equal(ovl_permission(&u, &st, OVL_MAY_READ), -EACCES);
	st = mk(S_IFREG | 0004, 0, 301);
	assert_int_equal(ovl_permission(&u, &st, OVL_MAY_READ), 0);
}

static void test_caps(void **state)
{
	(void)state;
	struct ovl_cred c = tfs_user_cred(1000, 1000);
	struct stat f = mk(S_IFREG | 0600, 0, 0);
	struct stat noexec = mk(S_IFREG | 0644, 0, 0);
	struct stat someexec = mk(S_IFREG | 0100, 0, 0);
	struct stat d = mk(S_IFDIR | 0700, 0, 0);
	c.cap_eff = 1ULL << CAP_DAC_OVERRIDE;
	assert_int_equal(ovl_permission(&c, &f, OVL_MAY_READ | OVL_MAY_WRITE), 0);
	assert_int_equal(ovl_permission(&c, &noexec, OVL_MAY_EXEC), -EACCES);
	assert_int_equal(ovl_permission(&c, &someexec, OVL_MAY_EXEC), 0);
	assert_int_equal(ovl_permission(&c, &d, OVL_MAY_EXEC | OVL_MAY_WRITE), 0);
	c.cap_eff = 1ULL << CAP_DAC_READ_SEARCH;
	assert_int_equal(ovl_permission(&c, &f, OVL_MAY_READ), 0);
	assert_int_equal(ovl_permission(&c, &f, OVL_MAY_WRITE), -EACCES);
	assert_int_equal(ovl_permission(&c, &d, OVL_MAY_READ | OVL_MAY_EXEC), 0);
	assert_int_equal(ovl_permission(&c, &d, OVL_MAY_WRITE), -EACCES);
	assert_true(ovl_capable(&c, CAP_DAC_READ_SEARCH));
	assert_false(ovl_capable(&c, CAP_CHOWN));
	assert_false(ovl_capable(&c, 64));
	assert_false(ovl_capable(&c, -1));
}

/* chown/chmod of layer_dir/rel on the host. */
static void hchown(const char *dir, const char *rel, uid_t uid, gid_t gid)
{
	char p[2 * PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	assert_int_equal(lchown(p, uid, gid), 0);
}

static void test_create_delete(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 0);
	tfs_mkdir(t.lower[0], "ro", 0755);
	tfs_mkdir(t.lower[0], "rw", 0777);
	tfs_mkdir(t.lower[0], "sticky", 01777);
	tfs_mkfile(t.lower[0], "sticky/theirs", "x", 0644);
	tfs_mkfile(t.lower[0], "sticky/mine", "x", 0644);
	tfs_mkfile(t.lower[0], "rw/f", "x", 0644);
	assert_int_equal(chown(t.lower[0], 0, 0), 0);
	hchown(t.lower[0], "sticky/mine", 1000, 1000);
	hchown(t.lower[0], "sticky/theirs", 2000, 2000);
	assert_int_equal(tfs_mount(&t), 0);
	struct ovl_cred u = tfs_user_cred(1000, 1000);
	struct ovl_entry e;
	chk_lookup(&t, "/ro/new", &e);
	assert_int_equal(ovl_may_create(t.fs, &u, &e), -EACCES);
	ovl_entry_release(&e);
	chk_lookup(&t, "/rw/new", &e);
	assert_int_equal(ovl_may_create(t.fs, &u, &e), 0);
	ovl_entry_release(&e);
	chk_lookup(&t, "/rw/f", &e);
	assert_int_equal(ovl_may_create(t.fs, &u, &e), -EEXIST);
	assert_int_equal(ovl_may_delete(t.fs, &u, &e), 0);
	ovl_entry_release(&e);
	chk_lookup(&t, "/sticky/theirs", &e);
	assert_int_equal(ovl_may_delete(t.fs, &u, &e), -EPERM);
	struct ovl_cred fowner = u;
	fowner.cap_eff = 1ULL << CAP_FOWNER;
	assert_int_equal(ovl_may_delete(t.fs, &fowner, &e), 0);
	ovl_entry_release(&e);
	chk_lookup(&t, "/sticky/mine", &e);
	assert_int_equal(ovl_may_delete(t.fs, &u, &e), 0);
	ovl_entry_release(&e);
	chk_lookup(&t, "/ro", &e);
	assert_int_equal(ovl_may_delete(t.fs, &u, &e), -EACCES);  /* "/" is 0755 root */
	ovl_entry_release(&e);
	chk_lookup(&t, "/", &e);
	assert_int_equal(ovl_may_delete(t.fs, &u, &e), -EBUSY);
	ovl_entry_release(&e);
	tfs_fini(&t);

	/* read-only overlay */
	tfs_init(&t, 1, 1);
	assert_int_equal(tfs_mount(&t), 0);
	assert_false(ovl_fs_writable(t.fs));
	chk_lookup(&t, "/x", &e);
	struct ovl_cred r = tfs_root_cred();
	assert_int_equal(ovl_may_create(t.fs, &r, &e), -EROFS);
	ovl_entry_release(&e);
	tfs_fini(&t);
}

static void test_owner_for_new(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 0);
	tfs_mkdir(t.lower[0], "plain", 0777);
	tfs_mkdir(t.lower[0], "sgid", 02777);
	hchown(t.lower[0], "sgid", 0, 555);
	tfs_mkdir(t.lower[0], "sgid", 02777);   /* chown dropped nothing on a dir, but be sure */
	assert_int_equal(tfs_mount(&t), 0);
	struct ovl_cred u = tfs_user_cred(1000, 1000);
	u.umask = 027;
	struct ovl_entry e;
	mode_t m;
	uid_t uid;
	gid_t gid;
	chk_lookup(&t, "/plain/n", &e);
	m = S_IFREG | 0777;
	assert_int_equal(ovl_set_owner_for_new(t.fs, &u, &e, &m, &uid, &gid), 0);
	assert_int_equal(m, S_IFREG | 0750);
	assert_int_equal(uid, 1000);
	assert_int_equal(gid, 1000);
	m = S_IFLNK | 0777;
	assert_int_equal(ovl_set_owner_for_new(t.fs, &u, &e, &m, &uid, &gid), 0);
	assert_int_equal(m, S_IFLNK | 0777);
	ovl_entry_release(&e);

	chk_lookup(&t, "/sgid/n", &e);
	m = S_IFDIR | 0777;
	assert_int_equal(ovl_set_owner_for_new(t.fs, &u, &e, &m, &uid, &gid), 0);
	assert_int_equal(gid, 555);
	assert_int_equal(m, S_IFDIR | S_ISGID | 0750);
	/* set-gid + group-exec file in a group the caller is not in: stripped */
	m = S_IFREG | S_ISGID | 0770;
	assert_int_equal(ovl_set_owner_for_new(t.fs, &u, &e, &m, &uid, &gid), 0);
	assert_int_equal(m, S_IFREG | 0750);
	u.ngroups = 1;
	u.groups[0] = 555;
	m = S_IFREG | S_ISGID | 0770;
	assert_int_equal(ovl_set_owner_for_new(t.fs, &u, &e, &m, &uid, &gid), 0);
	assert_int_equal(m, S_IFREG | S_ISGID | 0750);
	u.ngroups = 0;
	u.cap_eff = 1ULL << CAP_FSETID;
	m = S_IFREG | S_ISGID | 0770;
	assert_int_equal(ovl_set_owner_for_new(t.fs, &u, &e, &m, &uid, &gid), 0);
	assert_int_equal(m, S_IFREG | S_ISGID | 0750);
	ovl_entry_release(&e);
	tfs_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_create_delete),
		cmocka_unit_test(test_owner_for_new),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
