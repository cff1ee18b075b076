/* The inodes index (index=on): hard links of a lower file stay one file
 * across copy-up, with the overlay's link count in the entry's record;
 * the set-up checks what an earlier run recorded and drops orphans. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ovl_check.h"

/* Lower: a, b, d/c three names of one file; x another. */
static void populate(struct tfs *t)
{
	char a[PATH_MAX], b[PATH_MAX];
	tfs_mkfile(t->lower[0], "a", "data", 0644);
	tfs_mkdir(t->lower[0], "d", 0755);
	tfs_mkfile(t->lower[0], "x", "x", 0644);
	chk_path(a, t->lower[0], "a");
	chk_path(b, t->lower[0], "b");
	assert_int_equal(link(a, b), 0);
	chk_path(b, t->lower[0], "d/c");
	assert_int_equal(link(a, b), 0);
	t->index = true;
}

/* The one entry of the index (its name into name), or -1 if not one. */
static int index_entry(const struct tfs *t, char *name)
{
	char p[PATH_MAX];
	chk_path(p, t->work, OVL_WORK_INDEX);
	DIR *d = opendir(p);
	assert_non_null(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && n++ == 0)
			snprintf(name, NAME_MAX + 1, "%s", de->d_name);
	closedir(d);
	return n == 1 ? 0 : -n - 1;
}

static void chk_record(const struct tfs *t, const char *entry, const char *want)
{
	char rel[PATH_MAX], buf[16];
	snprintf(rel, sizeof(rel), "%s/%s", OVL_WORK_INDEX, entry);
	int n = chk_getxattr(t->work, rel, "trusted.overlay.nlink", buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = 0;
	assert_string_equal(buf, want);
}

static void chk_stat(struct tfs *t, const char *path, ino_t ino, nlink_t nlink)
{
	struct ovl_entry e;
	struct stat st;
	chk_lookup(t, path, &e);
	assert_int_equal(ovl_getattr(t->fs, &e, &st), 0);
	ovl_entry_release(&e);
	assert_int_equal(st.st_ino, ino);
	assert_int_equal(st.st_nlink, nlink);
}

static void test_copy_up_keeps_names_one_file(void **state)
{
	struct tfs *t = *state;
	populate(t);
	struct stat lst;
	assert_int_equal(tfs_lstat(t->lower[0], "a", &lst), 0);
	assert_int_equal(tfs_mount(t), 0);
	struct chk_lowers snap;
	chk_lowers_take(t, &snap);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e;
	chk_lookup(t, "/a", &e);
	assert_int_equal(ovl_chmod(t->fs, &r, &e, 0600), 0);
	ovl_entry_release(&e);
	/* the copy is the index entry, linked to a: the others show it */
	char name[NAME_MAX + 1];
	assert_int_equal(index_entry(t, name), 0);
	chk_record(t, name, "U+1");
	struct stat ust;
	assert_int_equal(tfs_lstat(t->upper, "a", &ust), 0);
	assert_int_equal(ust.st_nlink, 2);
	chk_absent(t->upper, "b");
	chk_lookup(t, "/b", &e);
	assert_true(e.indexed);
	assert_int_equal(e.st.st_ino, ust.st_ino);
	assert_int_equal(e.st.st_mode & 07777, 0600);
	ovl_entry_release(&e);
	chk_stat(t, "/a", lst.st_ino, 3);
	chk_stat(t, "/b", lst.st_ino, 3);
	chk_stat(t, "/d/c", lst.st_ino, 3);
	/* b's copy-up links the entry (no new data): U+0 */
	chk_lookup(t, "/b", &e);
	assert_int_equal(ovl_copy_up(t->fs, &e), 0);
	assert_int_equal(e.layer, OVL_UPPER);
	assert_false(e.indexed);
	ovl_entry_release(&e);
	assert_int_equal(tfs_lstat(t->upper, "b", &ust), 0);
	assert_int_equal(ust.st_nlink, 3);
	chk_record(t, name, "U+0");
	chk_stat(t, "/b", lst.st_ino, 3);
	chk_lowers_same(t, &snap);
}

static void test_unlink_counts_down_and_drops_entry(void **state)
{
	struct tfs *t = *state;
	populate(t);
	struct stat lst;
	assert_int_equal(tfs_lstat(t->lower[0], "a", &lst), 0);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e, n;
	chk_lookup(t, "/a", &e);
	assert_int_equal(ovl_copy_up(t->fs, &e), 0);
	ovl_entry_release(&e);
	/* a new name counts up */
	chk_lookup(t, "/a", &e);
	chk_lookup(t, "/e", &n);
	assert_int_equal(ovl_link(t->fs, &r, &e, &n), 0);
	ovl_entry_release(&e);
	ovl_entry_release(&n);
	chk_stat(t, "/b", lst.st_ino, 4);
	/* a lower name's removal links it up first, then counts down */
	const char *names[] = { "/b", "/a", "/e", "/d/c" };
	for (int i = 0; i < 4; i++) {
		chk_lookup(t, names[i], &e);
		assert_int_equal(ovl_unlink(t->fs, &r, &e), 0);
		ovl_entry_release(&e);
		if (i < 3)
			chk_stat(t, "/d/c", lst.st_ino, 3 - i);
	}
	char name[NAME_MAX + 1];
	assert_int_equal(index_entry(t, name), -1);  /* no name left: no entry */
	chk_whiteout(t->upper, "a");
	chk_whiteout(t->upper, "b");
	chk_whiteout(t->upper, "d/c");
	chk_absent(t->upper, "e");
}

static void test_rename_over_a_name_counts_down(void **state)
{
	struct tfs *t = *state;
	populate(t);
	assert_int_equal(tfs_mount(t), 0);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry o, n;
	chk_lookup(t, "/x", &o);
	chk_lookup(t, "/b", &n);
	assert_int_equal(ovl_rename(t->fs, &r, &o, &n, 0), 0);
	ovl_entry_release(&o);
	ovl_entry_release(&n);
	struct stat lst;
	assert_int_equal(tfs_lstat(t->lower[0], "a", &lst), 0);
	chk_stat(t, "/a", lst.st_ino, 2);
	chk_stat(t, "/d/c", lst.st_ino, 2);
	char name[NAME_MAX + 1];
	assert_int_equal(index_entry(t, name), 0);
	chk_record(t, name, "U+1");       /* only the entry's own link in upper */
}

static void test_set_up_checks_layers_and_drops_orphans(void **state)
{
	struct tfs *t = *state;
	populate(t);
	assert_int_equal(tfs_mount(t), 0);
	/* recorded: the upper root's origin, the index dir's upper */
	assert_true(chk_getxattr(t->upper, ".", "trusted.overlay.origin", NULL, 0) > 0);
	assert_true(chk_getxattr(t->work, OVL_WORK_INDEX, "trusted.overlay.upper", NULL, 0) > 0);
	struct ovl_cred r = tfs_root_cred();
	struct ovl_entry e;
	chk_lookup(t, "/a", &e);
	assert_int_equal(ovl_copy_up(t->fs, &e), 0);
	ovl_entry_release(&e);
	ovl_fs_free(t->fs);
	t->fs = NULL;
	/* an orphan (no upper name, count 0) goes at the next set-up; the
	 * entry a still names stays */
	char name[NAME_MAX + 1], rel[PATH_MAX];
	assert_int_equal(index_entry(t, name), 0);
	tfs_mkfile(t->lower[0], "y", "y", 0644);
	char y[PATH_MAX], y2[PATH_MAX];
	chk_path(y, t->lower[0], "y");
	chk_path(y2, t->lower[0], "y2");
	assert_int_equal(link(y, y2), 0);
	assert_int_equal(tfs_mount(t), 0);
	chk_lookup(t, "/y", &e);
	assert_int_equal(ovl_unlink(t->fs, &r, &e), 0);  /* copied up, then unlinked */
	ovl_entry_release(&e);
	ovl_fs_free(t->fs);
	t->fs = NULL;
	/* (one entry for y: count 1, no upper name, kept) */
	snprintf(rel, sizeof(rel), "%s/%s", OVL_WORK_INDEX, name);
	chk_setxattr(t->work, rel, "trusted.overlay.nlink", "U-2");  /* mangle a's: 0 */
	chk_path(y, t->upper, "a");
	assert_int_equal(unlink(y), 0);                 /* its upper name gone */
	assert_int_equal(tfs_mount(t), 0);
	char p[PATH_MAX];
	chk_path(p, t->work, rel);
	assert_int_equal(access(p, F_OK), -1);          /* the orphan went */
	ovl_fs_free(t->fs);
	t->fs = NULL;
	/* the same upper over another lower: refused, as the kernel does */
	char other[PATH_MAX];
	chk_path(other, t->root, "other");
	assert_int_equal(mkdir(other, 0755), 0);
	strcpy(t->lower[0], other);
	assert_int_equal(tfs_mount(t), -ESTALE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_copy_up_keeps_names_one_file, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_unlink_counts_down_and_drops_entry, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_rename_over_a_name_counts_down, tfs_setup_1, tfs_teardown),
		cmocka_unit_test_setup_teardown(test_set_up_checks_layers_and_drops_orphans, tfs_setup_1, tfs_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
