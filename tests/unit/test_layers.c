/* Many layers: struct ovl_dir's helpers (sized per dir, moved, borrowed,
 * duplicated, released) and an overlay of 500 lowers, the most there may
 * be, where lookups, listings, copy-up and the dcache's fd bound meet
 * dirs in every layer. */
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "tmpdir.h"
#include "../../overlay/internal.h"

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void test_dir_helpers(void **state)
{
	(void)state;
	int before = tfs_count_fds();
	struct ovl_dir d = { .n = 0 };
	for (int i = 0; i < 10; i++) {         /* grows past its first room */
		int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(fd >= 0);
		assert_int_equal(ovl_dir_push(&d, fd, 300 + i), 0);
	}
	assert_int_equal(d.n, 10);
	assert_true(d.cap >= 10);
	for (int i = 0; i < 10; i++)
		assert_int_equal(d.layer[i], 300 + i);  /* uint16_t: past 255 */
	assert_int_equal(tfs_count_fds(), before + 10);

	/* dup: fds of its own, same layers */
	struct ovl_dir c = { .n = 0 };
	assert_int_equal(ovl_dir_dup(&d, &c), 0);
	assert_int_equal(c.n, 10);
	assert_true(c.fd[0] != d.fd[0]);
	assert_int_equal(c.layer[9], 309);
	assert_int_equal(tfs_count_fds(), before + 20);

	/* borrow: the same fds, which its release leaves open; no push */
	struct ovl_dir b = { .n = 0 };
	ovl_dir_borrow(&b, &d);
	assert_true(b.borrowed);
	assert_int_equal(b.n, 10);
	assert_ptr_equal(b.fd, d.fd);
	int fd0 = d.fd[0];
	assert_int_equal(ovl_dir_push(&b, 0, 1), -EINVAL);
	ovl_dir_release(&b);
	assert_int_equal(b.n, 0);
	assert_false(b.borrowed);
	assert_true(fd_open(fd0));

	/* move: dst takes them (its own released first), src is empty */
	struct ovl_dir m = { .n = 0 };
	ovl_dir_move(&m, &d);
	assert_int_equal(d.n, 0);
	assert_null(d.fd);
	assert_int_equal(m.n, 10);
	assert_int_equal(m.fd[0], fd0);
	ovl_dir_move(&m, &c);                   /* m's own are closed */
	assert_false(fd_open(fd0));
	assert_int_equal(tfs_count_fds(), before + 10);
	ovl_dir_release(&m);
	ovl_dir_release(&m);                    /* twice: nothing more */
	ovl_dir_release(&c);
	assert_int_equal(tfs_count_fds(), before);
}

#define NL 500

struct many {
	char root[PATH_MAX];
	int upper_fd, work_fd;
	int lower_fd[NL];
	struct ovl_fs *fs;
};

static void mk(const char *root, const char *rel, const char *content)
{
	char p[PATH_MAX + 64];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (!content) {
		assert_int_equal(mkdir(p, 0755), 0);
		return;
	}
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

/* Lower i (0: top) holds all/f<i> (all: a dir in every layer), all/sub
 * (likewise), lower 99 a whiteout of lower 100's file, opq in lowers
 * 200.. with o<i> and opaque in lower 250. */
static int many_setup(void **state)
{
	struct many *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	strcpy(m->root, "/tmp/ovlrun-unit.XXXXXX");
	assert_non_null(mkdtemp(m->root));
	char p[PATH_MAX], rel[64], text[32];
	assert_true(snprintf(p, sizeof(p), "%s/upper", m->root) < (int)sizeof(p));
	assert_int_equal(mkdir(p, 0755), 0);
	m->upper_fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(snprintf(p, sizeof(p), "%s/work", m->root) < (int)sizeof(p));
	assert_int_equal(mkdir(p, 0700), 0);
	m->work_fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct ovl_config cfg = { .upper_fd = m->upper_fd, .work_fd = m->work_fd, .nlower = NL,
				  .dir_dev = makedev(0, 4242) };
	for (int i = 0; i < NL; i++) {
		char l[PATH_MAX];
		assert_true(snprintf(l, sizeof(l), "%s/%d", m->root, i) < (int)sizeof(l));
		assert_int_equal(mkdir(l, 0755), 0);
		mk(l, "all", NULL);
		mk(l, "all/sub", NULL);
		snprintf(rel, sizeof(rel), "all/f%d", i);
		snprintf(text, sizeof(text), "%d\n", i);
		mk(l, rel, text);
		if (i == 99)
			tfs_whiteout(l, "all/f100");
		if (i >= 200) {
			mk(l, "opq", NULL);
			snprintf(rel, sizeof(rel), "opq/o%d", i);
			mk(l, rel, text);
			if (i == 250)
				tfs_opaque(l, "opq");
		}
		cfg.lower_fd[i] = m->lower_fd[i] = open(l, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(m->lower_fd[i] >= 0);
	}
	assert_int_equal(ovl_fs_new(&cfg, &m->fs), 0);
	*state = m;
	return 0;
}

static int many_teardown(void **state)
{
	struct many *m = *state;
	ovl_fs_free(m->fs);
	close(m->upper_fd);
	close(m->work_fd);
	for (int i = 0; i < NL; i++)
		close(m->lower_fd[i]);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", m->root);
	assert_int_equal(system(cmd), 0);
	free(m);
	return 0;
}

static int lk(struct many *m, const char *path, struct ovl_entry *e)
{
	struct ovl_cred c = tfs_root_cred();
	return ovl_lookup(m->fs, &c, "/", path, 0, e);
}

static int count(void *ctx, const char *name, uint64_t ino, unsigned char type, uint64_t next)
{
	(void)ino, (void)type, (void)next;
	if (strcmp(name, ".") && strcmp(name, ".."))
		(*(int *)ctx)++;
	return 0;
}

static void test_500_lowers(void **state)
{
	struct many *m = *state;
	struct ovl_entry e;
	/* a dir in every layer: the root's 501 real dirs, /all's 500 */
	assert_int_equal(lk(m, "/all", &e), 0);
	assert_int_equal(e.type, S_IFDIR);
	assert_int_equal(e.parent.n, NL + 1);
	assert_int_equal(e.dir.n, NL);
	assert_int_equal(e.dir.layer[0], 1);
	assert_int_equal(e.dir.layer[NL - 1], NL);
	int n = 0;
	assert_int_equal(ovl_readdir(m->fs, &e, 0, count, &n), 0);
	assert_int_equal(n, NL - 1 + 1);        /* f0..f499 but f100, and sub */
	ovl_entry_release(&e);
	/* the bottom layer's file, the one a whiteout hides, a dir in all
	 * below another (the walk holds both) */
	assert_int_equal(lk(m, "/all/f499", &e), 0);
	assert_int_equal(e.layer, NL);
	ovl_entry_release(&e);
	assert_int_equal(lk(m, "/all/f100", &e), 0);
	assert_int_equal(e.type, 0);
	ovl_entry_release(&e);
	assert_int_equal(lk(m, "/all/sub", &e), 0);
	assert_int_equal(e.dir.n, NL);
	assert_int_equal(e.parent.n, NL);
	ovl_entry_release(&e);
	/* opaque in lower 250 (layer 251): layers 201..251 */
	assert_int_equal(lk(m, "/opq", &e), 0);
	assert_int_equal(e.dir.n, 51);
	assert_int_equal(e.dir.layer[50], 251);
	n = 0;
	assert_int_equal(ovl_readdir(m->fs, &e, 0, count, &n), 0);
	assert_int_equal(n, 51);
	ovl_entry_release(&e);
	assert_int_equal(lk(m, "/opq/o251", &e), 0);
	assert_int_equal(e.type, 0);
	ovl_entry_release(&e);
	/* a copy-up from the bottom layer: /all comes up first */
	assert_int_equal(lk(m, "/all/f499", &e), 0);
	assert_int_equal(ovl_copy_up(m->fs, &e), 0);
	assert_int_equal(e.layer, OVL_UPPER);
	assert_int_equal(e.parent.n, NL + 1);
	assert_int_equal(e.parent.layer[0], OVL_UPPER);
	ovl_entry_release(&e);
	struct stat st;
	assert_int_equal(fstatat(m->upper_fd, "all/f499", &st, 0), 0);
	assert_int_equal(st.st_size, 4);
}

/* The dcache bounds the fds its dirs hold, not their number alone. */
static void test_dcache_fd_bound(void **state)
{
	struct many *m = *state;
	ovl_dcache_set_max_fds(m->fs, 3 * NL);
	const char *paths[] = { "/all/sub/x", "/opq/x", "/all/x" };
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			struct ovl_entry e;
			assert_int_equal(lk(m, paths[i], &e), 0);
			ovl_entry_release(&e);
			/* "/" (501) and /all (500), /all/sub (500) or /opq (51) */
			assert_true(ovl_dcache_fds(m->fs) <= 3 * NL);
		}
	}
	assert_true(ovl_dcache_count(m->fs) >= 2);
	ovl_dcache_set_max_fds(m->fs, 1);       /* only what is pinned stays over */
	struct ovl_entry e;
	assert_int_equal(lk(m, "/all/sub", &e), 0);
	ovl_entry_release(&e);
	assert_int_equal(ovl_dcache_fds(m->fs), 0);
	/* uncached, the same answers */
	assert_int_equal(lk(m, "/all/sub", &e), 0);
	assert_int_equal(e.dir.n, NL);
	ovl_entry_release(&e);
}

int main(void)
{
	/* as the supervisor does (500 layers: a few thousand fds) */
	struct rlimit rl;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dir_helpers),
		cmocka_unit_test_setup_teardown(test_500_lowers, many_setup, many_teardown),
		cmocka_unit_test_setup_teardown(test_dcache_fd_bound, many_setup, many_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
