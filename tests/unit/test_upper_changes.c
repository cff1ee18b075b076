/* ovl_upper_changes: an upper's entries told against its lowers (A, C, D),
 * opaque dirs and what they hide, a dir moved with a redirect and what it
 * brings, and, without the lowers, origin records deciding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "tmpdir.h"

struct seen {
	char text[4096];
	size_t n;
};

static int note(void *ctx, const struct ovl_upper_item *it)
{
	struct seen *s = ctx;
	s->n += (size_t)snprintf(s->text + s->n, sizeof(s->text) - s->n, "%c %s%s%s%s\n", it->kind,
				 it->path, it->opaque ? " opaque" : "", it->moved ? " moved" : "",
				 it->below_opaque ? " hidden" : "");
	/* a real entry to read, but for a name an opaque dir hides */
	if (!it->below_opaque) {
		struct stat st;
		assert_int_equal(fstatat(it->dirfd, it->name, &st, AT_SYMLINK_NOFOLLOW), 0);
		assert_int_equal(st.st_ino, it->st->st_ino);
	}
	return 0;
}

static void setxa(const char *dir, const char *rel, const char *name, const char *value)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	assert_int_equal(lsetxattr(p, name, value, strlen(value), 0), 0);
}

static void test_changes(void **state)
{
	(void)state;
	struct tfs t;
	tfs_init(&t, 1, 1);
	const char *low = t.lower[0];
	tfs_mkdir(low, "keep", 0755);
	tfs_mkfile(low, "keep/f", "k", 0644);
	tfs_mkdir(low, "gone", 0755);
	tfs_mkdir(low, "op", 0755);
	tfs_mkfile(low, "op/old", "o", 0644);
	tfs_mkdir(low, "mv", 0755);
	tfs_mkfile(low, "mv/m", "m", 0644);
	char up[PATH_MAX + 8];
	snprintf(up, sizeof(up), "%s/up", t.root);
	assert_int_equal(mkdir(up, 0755), 0);
	tfs_mkdir(up, "keep", 0755);
	tfs_mkfile(up, "keep/f", "changed", 0600);
	tfs_whiteout(up, "gone");
	tfs_whiteout(up, "nothing");         /* hides nothing: not a change */
	tfs_mkdir(up, "op", 0755);
	tfs_opaque(up, "op");
	tfs_mkfile(up, "op/new", "n", 0644);
	tfs_whiteout(up, "mv");
	tfs_mkdir(up, "moved", 0755);
	setxa(up, "moved", "trusted.overlay.redirect", "mv");
	tfs_mkfile(up, "moved/added", "a", 0644);
	tfs_mkfile(up, "new", "n", 0644);
	assert_int_equal(tfs_mount(&t), 0);
	int ufd = open(up, O_RDONLY | O_DIRECTORY);
	struct seen s = { .n = 0 };
	assert_int_equal(ovl_upper_changes(t.fs, ufd, true, note, &s), 0);
	assert_string_equal(s.text,
			    "D /gone\n"
			    "C /keep\n"
			    "C /keep/f\n"
			    "A /moved opaque moved\n"
			    "A /moved/added\n"
			    "A /moved/m\n"
			    "D /mv\n"
			    "A /new\n"
			    "C /op opaque\n"
			    "D /op/old hidden\n"
			    "A /op/new\n");
	/* without the lowers: origin records decide; whiteouts are deletions */
	setxa(up, "keep", "trusted.overlay.origin", "x");
	s.n = 0;
	s.text[0] = 0;
	assert_int_equal(ovl_upper_changes(t.fs, ufd, false, note, &s), 0);
	assert_string_equal(s.text,
			    "D /gone\n"
			    "C /keep\n"
			    "A /keep/f\n"
			    "A /moved opaque moved\n"
			    "A /moved/added\n"
			    "D /mv\n"
			    "A /new\n"
			    "D /nothing\n"
			    "A /op opaque\n"
			    "A /op/new\n");
	close(ufd);
	tfs_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
