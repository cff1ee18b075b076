/* Extended attributes: private ones invisible, the overlay's name space
 * escaped, namespace rules, copy-up on change. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/xattr.h>
#include "ovl_check.h"

static void setup(struct tfs *t)
{
	tfs_init(t, 1, 0);
	tfs_mkdir(t->lower[0], "d", 0755);
	tfs_opaque(t->lower[0], "d");
	chk_setxattr(t->lower[0], "d", "user.color", "blue");
	chk_setxattr(t->lower[0], "d", "trusted.secret", "s");
	chk_setxattr(t->lower[0], "d", "trusted.overlay.overlay.k", "v");  /* escaped */
	tfs_mkfile(t->lower[0], "f", "x", 0666);
	chk_setxattr(t->lower[0], "f", "user.a", "1");
	chk_setxattr(t->lower[0], "f", "trusted.overlay.overlay.k", "v");
	tfs_symlink(t->lower[0], "l", "f");
	chk_setxattr(t->lower[0], "l", "trusted.onlink", "L");
	assert_int_equal(tfs_mount(t), 0);
}

/* NUL-separated list to "a,b," for comparison. */
static void flat(const char *list, ssize_t n, char *out)
{
	out[0] = 0;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1) {
		strcat(out, list + i);
		strcat(out, ",");
	}
}

static bool has(const char *flatlist, const char *name)
{
	char needle[128];
	snprintf(needle, sizeof(needle), "%s,", name);
	return strstr(flatlist, needle) != NULL;
}

static void test_get_and_list(void **state)
{
	(void)state;
	struct tfs t;
	setup(&t);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_cred u = tfs_user_cred(1000, 1000);
	struct ovl_entry e;
	char buf[256], fl[512];
	chk_lookup(&t, "/d", &e);
	assert_int_equal(ovl_getxattr(t.fs, &r, &e, "user.color", buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "blue", 4);
	assert_int_equal(ovl_getxattr(t.fs, &r, &e, "user.color", NULL, 0), 4);
	assert_int_equal(ovl_getxattr(t.fs, &r, &e, "user.color", buf, 2), -ERANGE);
	/* the overlay's own mark is out of reach: the name is escaped */
	assert_int_equal(ovl_getxattr(t.fs, &r, &e, "trusted.overlay.opaque", buf, sizeof(buf)),
			 -ENODATA);
	assert_int_equal(ovl_getxattr(t.fs, &r, &e, "trusted.overlay.k", buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'v');
	assert_int_equal(ovl_getxattr(t.fs, &r, &e, "trusted.secret", buf, sizeof(buf)), 1);
	assert_int_equal(ovl_getxattr(t.fs, &u, &e, "trusted.secret", buf, sizeof(buf)), -ENODATA);
	/* root inside: fsuid 0 with CAP_FOWNER stands for CAP_SYS_ADMIN */
	struct ovl_cred inside = r, dropped = r;
	inside.cap_eff &= ~(1ULL << CAP_SYS_ADMIN);
	dropped.cap_eff &= ~(1ULL << CAP_SYS_ADMIN | 1ULL << CAP_FOWNER);
	assert_int_equal(ovl_getxattr(t.fs, &inside, &e, "trusted.secret", buf, sizeof(buf)), 1);
	assert_int_equal(ovl_getxattr(t.fs, &dropped, &e, "trusted.secret", buf, sizeof(buf)),
			 -ENODATA);
	assert_int_equal(ovl_getxattr(t.fs, &r, &e, "user.none", buf, sizeof(buf)), -ENODATA);
	ssize_t n = ovl_listxattr(t.fs, &r, &e, buf, sizeof(buf));
	assert_true(n > 0);
	flat(buf, n, fl);
	assert_true(has(fl, "user.color"));
	assert_true(has(fl, "trusted.secret"));
	assert_false(has(fl, "trusted.overlay.opaque"));
	assert_true(has(fl, "trusted.overlay.k"));
	assert_false(has(fl, "trusted.overlay.overlay.k"));
	assert_int_equal(ovl_listxattr(t.fs, &r, &e, NULL, 0), n);
	assert_int_equal(ovl_listxattr(t.fs, &r, &e, buf, 3), -ERANGE);
	n = ovl_listxattr(t.fs, &u, &e, buf, sizeof(buf));
	flat(buf, n, fl);
	assert_true(has(fl, "user.color"));
	assert_false(has(fl, "trusted.secret"));
	ovl_entry_release(&e);

	/* symlinks: the link's own xattrs; user.* never on links */
	chk_lookup(&t, "/l", &e);
	assert_int_equal(ovl_getxattr(t.fs, &r, &e, "trusted.onlink", buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'L');
	assert_int_equal(ovl_getxattr(t.fs, &r, &e, "user.a", buf, sizeof(buf)), -ENODATA);
	ovl_entry_release(&e);
	tfs_fini(&t);
}

static void test_set_remove(void **state)
{
	(void)state;
	struct tfs t;
	setup(&t);
	struct chk_lowers snap;
	chk_lowers_take(&t, &snap);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_cred u = tfs_user_cred(1000, 1000);
	struct ovl_entry e;
	char buf[64];

	chk_lookup(&t, "/d", &e);
	assert_int_equal(ovl_setxattr(t.fs, &u, &e, "user.x", "1", 1, 0), -EACCES);
	assert_int_equal(ovl_removexattr(t.fs, &r, &e, "trusted.overlay.opaque"), -ENODATA);
	assert_int_equal(ovl_setxattr(t.fs, &u, &e, "trusted.x", "1", 1, 0), -EPERM);
	assert_int_equal(ovl_setxattr(t.fs, &r, &e, "bogus.x", "1", 1, 0), -EOPNOTSUPP);
	assert_int_equal(e.layer, 1);
	chk_absent(t.upper, "d");
	ovl_entry_release(&e);

	chk_lookup(&t, "/f", &e);
	assert_int_equal(ovl_setxattr(t.fs, &u, &e, "user.b", "22", 2, 0), 0);  /* 0666 */
	assert_int_equal(e.layer, 0);
	assert_true(chk_has_xattr(t.upper, "f", "user.b", "22"));
	assert_true(chk_has_xattr(t.upper, "f", "user.a", "1"));   /* copied up */
	assert_true(chk_has_xattr(t.upper, "f", "trusted.overlay.overlay.k", "v"));  /* escaped: too */
	/* a name in the overlay's space is stored escaped, never as a mark */
	assert_int_equal(ovl_setxattr(t.fs, &r, &e, "trusted.overlay.opaque", "y", 1, 0), 0);
	assert_true(chk_has_xattr(t.upper, "f", "trusted.overlay.overlay.opaque", "y"));
	assert_false(chk_has_xattr(t.upper, "f", "trusted.overlay.opaque", NULL));
	assert_int_equal(ovl_getxattr(t.fs, &r, &e, "trusted.overlay.opaque", buf, sizeof(buf)), 1);
	assert_int_equal(ovl_removexattr(t.fs, &r, &e, "trusted.overlay.opaque"), 0);
	assert_false(chk_has_xattr(t.upper, "f", "trusted.overlay.overlay.opaque", NULL));
	assert_int_equal(ovl_setxattr(t.fs, &u, &e, "user.b", "3", 1, XATTR_CREATE), -EEXIST);
	assert_int_equal(ovl_setxattr(t.fs, &u, &e, "security.capability", "x", 1, 0), -EPERM);
	assert_int_equal(ovl_removexattr(t.fs, &u, &e, "user.a"), 0);
	assert_false(chk_has_xattr(t.upper, "f", "user.a", NULL));
	assert_int_equal(ovl_removexattr(t.fs, &u, &e, "user.a"), -ENODATA);
	assert_int_equal(ovl_getxattr(t.fs, &u, &e, "user.b", buf, sizeof(buf)), 2);
	ovl_entry_release(&e);

	chk_lookup(&t, "/l", &e);
	assert_int_equal(ovl_setxattr(t.fs, &r, &e, "user.x", "1", 1, 0), -EPERM);
	assert_int_equal(ovl_setxattr(t.fs, &r, &e, "trusted.more", "M", 1, 0), 0);
	assert_true(chk_has_xattr(t.upper, "l", "trusted.more", "M"));
	assert_true(chk_has_xattr(t.upper, "l", "trusted.onlink", "L"));
	assert_false(chk_has_xattr(t.upper, "f", "trusted.more", NULL));  /* not followed */
	ovl_entry_release(&e);

	/* the root */
	chk_lookup(&t, "/", &e);
	assert_int_equal(ovl_setxattr(t.fs, &r, &e, "user.root", "R", 1, 0), 0);
	assert_int_equal(ovl_getxattr(t.fs, &r, &e, "user.root", buf, sizeof(buf)), 1);
	assert_true(chk_has_xattr(t.upper, ".", "user.root", "R"));
	ovl_entry_release(&e);
	chk_lowers_same(&t, &snap);
	tfs_fini(&t);
}

static void test_readonly(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 1);
	tfs_mkfile(t.lower[0], "f", "x", 0666);
	assert_int_equal(tfs_mount(&t), 0);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e;
	chk_lookup(&t, "/f", &e);
	assert_int_equal(ovl_setxattr(t.fs, &r, &e, "user.b", "1", 1, 0), -EROFS);
	assert_int_equal(ovl_removexattr(t.fs, &r, &e, "user.b"), -EROFS);
	ovl_entry_release(&e);
	tfs_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_and_list),
		cmocka_unit_test(test_set_remove),
		cmocka_unit_test(test_readonly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
