/* Lowers in the OCI layer format: ".wh.NAME" markers delete NAME below
 * their layer, ".wh..wh..opq" makes a dir opaque, markers are no names,
 * a name beside its own marker shows; lookups and listings agree. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "tmpdir.h"

static int lk(struct tfs *t, const char *path, struct ovl_entry *e)
{
	struct ovl_cred c = tfs_root_cred();
	return ovl_lookup(t->fs, &c, "/", path, 0, e);
}

static mode_t type_of(struct tfs *t, const char *path)
{
	struct ovl_entry e;
	assert_int_equal(lk(t, path, &e), 0);
	mode_t m = e.type;
	ovl_entry_release(&e);
	return m;
}

static int add(void *ctx, const char *name, uint64_t ino, unsigned char d_type, uint64_t next)
{
	(void)ino, (void)d_type, (void)next;
	char *s = ctx;
	if (strcmp(name, ".") && strcmp(name, ".."))
		strcat(strcat(s, name), " ");
	return 0;
}

/* The names of dir path, sorted, space-separated. */
static void listing(struct tfs *t, const char *path, char *out)
{
	char raw[1024] = "";
	struct ovl_entry e;
	assert_int_equal(lk(t, path, &e), 0);
	assert_true(ovl_readdir(t->fs, &e, 0, add, raw) >= 0);
	ovl_entry_release(&e);
	char *v[64];
	int n = 0;
	for (char *save = NULL, *s = strtok_r(raw, " ", &save); s && n < 64;
	     s = strtok_r(NULL, " ", &save))
		v[n++] = s;
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	out[0] = 0;
	for (int i = 0; i < n; i++)
		strcat(strcat(out, v[i]), i + 1 < n ? " " : "");
}

static void test_oci_markers(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 2, 0);
	t.oci = true;
	const char *top = t.lower[0], *bottom = t.lower[1];
	tfs_mkdir(bottom, "d", 0755);
	tfs_mkfile(bottom, "d/gone", "g", 0644);
	tfs_mkfile(bottom, "d/kept", "k", 0644);
	tfs_mkfile(bottom, "d/back", "b", 0644);
	tfs_mkdir(bottom, "op", 0755);
	tfs_mkfile(bottom, "op/hidden", "h", 0644);
	tfs_mkdir(bottom, "sub", 0755);
	tfs_mkfile(bottom, "sub/below", "x", 0644);
	tfs_mkdir(top, "d", 0755);
	tfs_mkfile(top, "d/.wh.gone", "", 0644);
	tfs_mkfile(top, "d/.wh.back", "", 0644);   /* and back again in the same layer */
	tfs_mkfile(top, "d/back", "new", 0644);
	tfs_mkfile(top, "d/.wh.never", "", 0644);  /* deletes nothing */
	tfs_mkdir(top, "op", 0755);
	tfs_mkfile(top, "op/.wh..wh..opq", "", 0644);
	tfs_mkfile(top, "op/mine", "m", 0644);
	tfs_mkfile(top, ".wh.sub", "", 0644);
	assert_int_equal(tfs_mount(&t), 0);
	char names[1024];
	listing(&t, "/d", names);
	assert_string_equal(names, "back kept");
	listing(&t, "/op", names);
	assert_string_equal(names, "mine");
	listing(&t, "/", names);
	assert_string_equal(names, "d op");
	assert_int_equal(type_of(&t, "/d/gone"), 0);
	assert_int_equal(type_of(&t, "/d/.wh.gone"), 0);
	assert_int_equal(type_of(&t, "/op/hidden"), 0);
	assert_int_equal(type_of(&t, "/op/.wh..wh..opq"), 0);
	assert_int_equal(type_of(&t, "/sub"), 0);
	assert_int_equal(type_of(&t, "/d/back"), S_IFREG);
	assert_int_equal(type_of(&t, "/d/kept"), S_IFREG);
	/* removing a name a marker deleted below: ENOENT; one that shows: a
	 * whiteout in upper, as over the kernel's form */
	struct ovl_cred c = tfs_root_cred();
	struct ovl_entry e;
	assert_int_equal(lk(&t, "/d/kept", &e), 0);
	assert_int_equal(ovl_unlink(t.fs, &c, &e), 0);
	ovl_entry_release(&e);
	struct stat st;
	assert_int_equal(tfs_lstat(t.upper, "d/kept", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	listing(&t, "/d", names);
	assert_string_equal(names, "back");
	tfs_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oci_markers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
