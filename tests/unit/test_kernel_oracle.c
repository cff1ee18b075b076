/*
 * Differential test of copy-up / dir / rename / open against the kernel's
 * overlayfs: the same operations run once through a real overlay mount
 * (redirect_dir=on, index=off, metacopy=off, xino=off) and once through
 * the engine, on identical lowers; return codes and the resulting upper
 * trees (entries, types, modes, owners, contents, whiteouts, opaque /
 * impure / origin marks) must be the same.  Skipped where the kernel
 * overlay cannot be mounted (not root, no overlayfs, no unshare).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <linux/fs.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include "ovl_check.h"

enum op_kind { APPEND, TRUNC, CREAT, UNLINK, RMDIR, MKDIR, MKFIFO, SYMLINK, LINK, RENAME };

struct op {
	enum op_kind kind;
	const char *a, *b;
	unsigned flags;
};

#define MAX_OPS 32

static void populate_one(const struct tfs *t)
{
	const char *lower = t->lower[0];
	tfs_mkdir(lower, "d", 0755);
	tfs_mkdir(lower, "d/sub", 0750);
	tfs_mkfile(lower, "d/f", "hello\n", 0644);
	chk_setxattr(lower, "d/f", "user.k", "v");
	tfs_symlink(lower, "d/sl", "target");
	tfs_mkdir(lower, "full", 0755);
	tfs_mkfile(lower, "full/a", "a", 0600);
	tfs_mkdir(lower, "full/inner", 0755);
	tfs_mkfile(lower, "full/inner/b", "b", 0644);
	tfs_mkdir(lower, "emp", 0755);
	tfs_mkfile(lower, "top", "top\n", 04755);
	tfs_mkfile(lower, "other", "other\n", 0640);
	tfs_mkdir(lower, "g", 0755);
	tfs_mkfile(lower, "g/gg", "gg", 0644);
}

static const struct op one_lower[] = {
	{ APPEND, "d/f", NULL, 0 },
	{ UNLINK, "full/inner/b", NULL, 0 },
	{ RMDIR, "full/inner", NULL, 0 },
	{ MKDIR, "full/inner", NULL, 0 },           /* over the whiteout: opaque */
	{ RMDIR, "full", NULL, 0 },                 /* ENOTEMPTY: a is left */
	{ RENAME, "d/sl", "d/sl2", 0 },
	{ MKDIR, "new", NULL, 0 },
	{ CREAT, "new/file", NULL, 0 },
	{ RENAME, "top", "new/top2", 0 },
	{ LINK, "new/top2", "d/hard", 0 },
	{ MKDIR, "pd", NULL, 0 },
	{ RENAME, "pd", "emp", 0 },                 /* pure dir over empty lower dir */
	{ RENAME, "g", "g2", 0 },                   /* EXDEV */
	{ RENAME, "other", "d/f", RENAME_EXCHANGE },
	{ TRUNC, "g/gg", NULL, 0 },
	{ RENAME, "g/gg", "new/gg", RENAME_NOREPLACE },
	{ RENAME, "new/gg", "new/file", RENAME_NOREPLACE }, /* EEXIST */
	{ MKFIFO, "d/sub/fifo", NULL, 0 },
	{ SYMLINK, "somewhere", "d/sub/ln", 0 },
	{ UNLINK, "full/a", NULL, 0 },
	{ RMDIR, "full/inner", NULL, 0 },           /* upper-only (opaque) now */
	{ RMDIR, "full", NULL, 0 },
	{ RENAME, "new", "d/sub/n", 0 },            /* pure dir into a merged dir */
};

/* Two lowers: whiteouts and opaque dirs in the top lower, names that only
 * the bottom lower has, a file over a dir across layers. */
static void populate_two(const struct tfs *t)
{
	const char *top = t->lower[0], *bot = t->lower[1];
	tfs_mkdir(bot, "m", 0755);
	tfs_mkfile(bot, "m/deep", "deep", 0644);
	tfs_mkdir(top, "m", 0711);
	tfs_mkfile(top, "m/mid", "mid", 0644);
	tfs_mkdir(bot, "o", 0755);
	tfs_mkfile(bot, "o/hidden", "h", 0644);
	tfs_mkdir(top, "o", 0755);
	tfs_opaque(top, "o");
	tfs_mkfile(bot, "gone", "g", 0644);
	tfs_whiteout(top, "gone");
	tfs_mkdir(bot, "fd", 0755);
	tfs_mkfile(top, "fd", "file over dir", 0644);
	tfs_mkfile(bot, "b", "bottom only", 0600);
}

static const struct op two_lowers[] = {
	{ APPEND, "m/deep", NULL, 0 },              /* from the bottom, via a merged dir */
	{ UNLINK, "m/mid", NULL, 0 },
	{ UNLINK, "m/deep", NULL, 0 },
	{ RMDIR, "m", NULL, 0 },
	{ RMDIR, "o", NULL, 0 },                    /* opaque in top lower: empty */
	{ MKDIR, "gone", NULL, 0 },                 /* whited out in a lower */
	{ UNLINK, "fd", NULL, 0 },                  /* the dir below must stay hidden */
	{ MKDIR, "fd", NULL, 0 },
	{ RENAME, "b", "b2", 0 },
	{ TRUNC, "b2", NULL, 0 },
	{ RENAME, "gone", "m", 0 },
};

struct scenario {
	int nlower;
	void (*populate)(const struct tfs *t);
	const struct op *ops;
	size_t nops;
};

/* ---- the kernel side: plain syscalls on the mounted overlay ---- */

static int kernel_op(const char *m, const struct op *o)
{
	char a[PATH_MAX], b[PATH_MAX];
	chk_path(a, m, o->a);
	if (o->b)
		chk_path(b, m, o->b);
	int fd, r = 0;
	switch (o->kind) {
	case APPEND:
	case TRUNC:
	case CREAT:
		fd = open(a, O_WRONLY | (o->kind == APPEND ? O_APPEND : o->kind == TRUNC ? O_TRUNC
						    : O_CREAT | O_EXCL), 0644);
		if (fd < 0)
			return -errno;
		if (o->kind != TRUNC && write(fd, "more\n", 5) != 5)
			r = -EIO;
		close(fd);
		return r;
	case UNLINK:
		return unlink(a) ? -errno : 0;
	case RMDIR:
		return rmdir(a) ? -errno : 0;
	case MKDIR:
		return mkdir(a, 0755) ? -errno : 0;
	case MKFIFO:
		return mkfifo(a, 0640) ? -errno : 0;
	case SYMLINK:
		return symlink(o->a, b) ? -errno : 0;
	case LINK:
		return link(a, b) ? -errno : 0;
	case RENAME:
		return renameat2(AT_FDCWD, a, AT_FDCWD, b, o->flags) ? -errno : 0;
	}
	return -EINVAL;
}

/* In a child with its own mount namespace; results go through a pipe.
 * Returns false when the kernel overlay is not available here. */
static bool run_kernel(const struct tfs *t, const struct scenario *sc, int *results)
{
	const char *root = t->root;
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		char opts[4 * PATH_MAX], m[PATH_MAX];
		char lowers[3 * PATH_MAX + 4] = "";
		for (int i = 0; i < t->nlower; i++)
			snprintf(lowers + strlen(lowers), sizeof(lowers) - strlen(lowers), "%s%s",
				 i ? ":" : "", t->lower[i]);
		if (snprintf(opts, sizeof(opts),
			     "lowerdir=%s,upperdir=%s,workdir=%s/kwork,redirect_dir=on,"
			     "index=off,metacopy=off,xino=off", lowers, t->upper, root) >=
		    (int)sizeof(opts))
			_exit(1);
		chk_path(m, root, "mnt");
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mkdir(m, 0755) || mount("overlay", m, "overlay", 0, opts))
			_exit(77);
		int res[MAX_OPS];
		for (size_t i = 0; i < sc->nops; i++)
			res[i] = kernel_op(m, &sc->ops[i]);
		ssize_t want = (ssize_t)(sizeof(int) * sc->nops);
		_exit(write(pfd[1], res, (size_t)want) == want ? 0 : 1);
	}
	close(pfd[1]);
	ssize_t n = read(pfd[0], results, sizeof(int) * sc->nops);
	close(pfd[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		return false;
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(n, (ssize_t)(sizeof(int) * sc->nops));
	return true;
}

/* ---- the engine side ---- */

static int engine_op(struct tfs *t, const struct op *o)
{
	struct ovl_cred c = tfs_root_cred();
	struct ovl_entry e, n;
	char a[PATH_MAX], b[PATH_MAX];
	snprintf(a, sizeof(a), "/%s", o->a);
	if (o->b)
		snprintf(b, sizeof(b), "/%s", o->b);
	int r = ovl_lookup(t->fs, &c, "/", o->kind == SYMLINK ? b : a, 0, &e);
	if (r)
		return r;
	int fd = -1;
	switch (o->kind) {
	case APPEND:
	case TRUNC:
	case CREAT:
		r = ovl_open(t->fs, &c, &e, O_WRONLY | (o->kind == APPEND ? O_APPEND
			     : o->kind == TRUNC ? O_TRUNC : O_CREAT | O_EXCL), 0644, &fd);
		if (r >= 0) {
			r = o->kind != TRUNC && write(fd, "more\n", 5) != 5 ? -EIO : 0;
			close(fd);
		}
		break;
	case UNLINK:
		r = ovl_unlink(t->fs, &c, &e);
		break;
	case RMDIR:
		r = ovl_rmdir(t->fs, &c, &e);
		break;
	case MKDIR:
		r = ovl_mkdir(t->fs, &c, &e, 0755);
		break;
	case MKFIFO:
		r = ovl_mknod(t->fs, &c, &e, S_IFIFO | 0640, 0);
		break;
	case SYMLINK:
		r = ovl_symlink(t->fs, &c, &e, o->a);
		break;
	case LINK:
	case RENAME:
		r = ovl_lookup(t->fs, &c, "/", b, 0, &n);
		if (r)
			break;
		r = o->kind == LINK ? ovl_link(t->fs, &c, &e, &n)
				    : ovl_rename(t->fs, &c, &e, &n, o->flags);
		ovl_entry_release(&n);
		break;
	}
	ovl_entry_release(&e);
	return r;
}

/* ---- comparing the two uppers ---- */

/* Like chk_snapshot, but only what both must agree on: no times, no dir
 * sizes, no link counts (the kernel shares one whiteout inode), origin
 * values (the kernel stores a file handle, we the "unknown" null) and the
 * kernel's mount-time uuid mark left out. */
static void norm_rec(const char *root, const char *rel, FILE *out)
{
	char p[PATH_MAX];
	chk_path(p, root, rel);
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	fprintf(out, "%s %o %u:%u", rel, st.st_mode, st.st_uid, st.st_gid);
	if (S_ISREG(st.st_mode))
		fprintf(out, " %lld #%llx", (long long)st.st_size, chk_hash(root, rel));
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		fprintf(out, " %u:%u", major(st.st_rdev), minor(st.st_rdev));
	if (S_ISLNK(st.st_mode)) {
		char tgt[PATH_MAX] = "";
		ssize_t n = readlink(p, tgt, sizeof(tgt) - 1);
		fprintf(out, " -> %.*s", (int)(n < 0 ? 0 : n), tgt);
	}
	char names[4096];
	ssize_t nl = llistxattr(p, names, sizeof(names));
	for (ssize_t i = 0; i < nl; i += (ssize_t)strlen(names + i) + 1) {
		const char *name = names + i;
		if (!strcmp(name, "trusted.overlay.uuid"))
			continue;
		if (!strcmp(name, "trusted.overlay.origin")) {
			fprintf(out, " [origin]");
			continue;
		}
		char v[256];
		ssize_t vn = lgetxattr(p, name, v, sizeof(v) - 1);
		fprintf(out, " [%s=%.*s]", name, (int)(vn < 0 ? 0 : vn), v);
	}
	fputc('\n', out);
	if (!S_ISDIR(st.st_mode))
		return;
	struct dirent **list;
	int n = scandir(p, &list, NULL, alphasort);
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		if (strcmp(list[i]->d_name, ".") && strcmp(list[i]->d_name, "..")) {
			char sub[PATH_MAX];
			assert_true(snprintf(sub, sizeof(sub), "%s/%s", rel, list[i]->d_name) <
				    (int)sizeof(sub));
			norm_rec(root, sub, out);
		}
		free(list[i]);
	}
	free(list);
}

static char *normalized(const char *root)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	norm_rec(root, ".", out);
	assert_int_equal(fclose(out), 0);
	return buf;
}

static void run_scenario(const struct scenario *sc)
{
	struct tfs k, e;
	int kres[MAX_OPS], eres[MAX_OPS];
	assert_true(sc->nops <= MAX_OPS);

	tfs_init(&k, sc->nlower, 0);
	sc->populate(&k);
	char kwork[PATH_MAX];
	chk_path(kwork, k.root, "kwork");
	assert_int_equal(mkdir(kwork, 0700), 0);
	bool have_kernel = run_kernel(&k, sc, kres);

	tfs_init(&e, sc->nlower, 0);
	sc->populate(&e);
	assert_int_equal(tfs_mount(&e), 0);
	for (size_t i = 0; i < sc->nops; i++)
		eres[i] = engine_op(&e, &sc->ops[i]);

	if (!have_kernel) {
		tfs_fini(&k);
		tfs_fini(&e);
		skip();
	}
	for (size_t i = 0; i < sc->nops; i++) {
		if (kres[i] != eres[i])
			fprintf(stderr, "op %zu (%s %s): kernel %d, engine %d\n", i, sc->ops[i].a,
				sc->ops[i].b ? sc->ops[i].b : "", kres[i], eres[i]);
		assert_int_equal(eres[i], kres[i]);
	}
	char *ks = normalized(k.upper), *es = normalized(e.upper);
	if (strcmp(ks, es))
		fprintf(stderr, "kernel upper:\n%s\nengine upper:\n%s\n", ks, es);
	assert_string_equal(es, ks);
	free(ks);
	free(es);
	chk_work_clean(&e);
	tfs_fini(&k);
	tfs_fini(&e);
}

static void test_one_lower(void **state)
{
	(void)state;
	const struct scenario sc = { 1, populate_one, one_lower,
				     sizeof(one_lower) / sizeof(one_lower[0]) };
	run_scenario(&sc);
}

static void test_two_lowers(void **state)
{
	(void)state;
	const struct scenario sc = { 2, populate_two, two_lowers,
				     sizeof(two_lowers) / sizeof(two_lowers[0]) };
	run_scenario(&sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_lower),
		cmocka_unit_test(test_two_lowers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
