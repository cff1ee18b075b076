/*
 * churn: many file-system operations over many distinct files, in a fixed
 * pseudo-random order, checking each result (tests/integration/
 * t_engine_bounds.sh measures the supervisor while it runs).  Built static:
 * it makes the tree on the host and churns inside ovlrun.
 *
 *   churn --make NFILES ROOT   create the tree below (on the host, in a lower)
 *   churn OPS NFILES ROOT      do OPS operations on it
 *
 * The tree: entry i (0 <= i < NFILES) is ROOT/dDDD/fFFFF with D = i / 1000,
 * F = i % 1000; it is an empty regular file (0644), except when i % 10 == 9:
 * then a symlink to its neighbour "fFFFF" (F - 1, a regular file).
 *
 * Each operation draws an entry and a kind from an LCG with a fixed seed,
 * so every run does the same calls in the same order:
 *   40% stat or lstat of the entry             success
 *   20% open O_RDONLY + close                  success
 *   10% readlink of the nearest symlink        its target
 *    5% stat of ROOT/dDDD/nFFFF (never made)   ENOENT: negative lookups
 *    5% open the dir + getdents64 to the end   files in the dir + "." ".."
 *   10% fstatat through a dir fd held open     success
 *    5% create tFFFF, rename to uFFFF, unlink  ENOENT for both names after
 *    5% unlink a regular entry, recreate it    ENOENT in between: whiteouts,
 *                                              then upper files over them
 * The namespace is the same after every operation, so each expectation
 * holds whatever came before.  Every OPS/10 operations (and after the last)
 * it prints "ops N" on stdout, flushed; at the end "counts KIND=N ...",
 * and then it reads its stdin to the end before it exits, so that the
 * caller can look at the sandbox while churn is still in it (stdin
 * /dev/null: it exits at once).
 * Exit 0, or 1 with a message naming the operation, path and errno on the
 * first unexpected result (2: usage).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PER_DIR 1000u
#define MAX_DIRS 1000u

enum kind { K_STAT, K_OPEN, K_READLINK, K_NEG, K_GETDENTS, K_DIRFD, K_TEMP, K_RECREATE, K_N };
static const char *const kind_name[K_N] = {
	"stat", "open", "readlink", "negative", "getdents", "dirfd", "temp", "recreate",
};
/* Cumulative percentages of the kinds, in enum order. */
static const unsigned kind_until[K_N] = { 40, 60, 70, 75, 80, 90, 95, 100 };

static const char *root;
static unsigned nfiles;
static unsigned long op_no;             /* current operation, for messages */
static int dirfds[MAX_DIRS];

static bool is_link(unsigned i) { return i % 10 == 9; }
static unsigned ndirs(void) { return (nfiles + PER_DIR - 1) / PER_DIR; }
static unsigned files_in_dir(unsigned d)
{
	return d + 1 < ndirs() ? PER_DIR : nfiles - d * PER_DIR;
}

/* ROOT/dDDD/<c>FFFF of entry i (c: f entry, n never made, t/u temporaries) */
static void entry_path(char *buf, size_t n, unsigned i, char c)
{
	snprintf(buf, n, "%s/d%03u/%c%04u", root, i / PER_DIR, c, i % PER_DIR);
}
static void dir_path(char *buf, size_t n, unsigned d)
{
	snprintf(buf, n, "%s/d%03u", root, d);
}

/* Report an unexpected result (err: -errno, or 0 for "succeeded") and exit. */
static void die(const char *what, const char *path, int err, const char *expected)
{
	fprintf(stderr, "churn: op %lu: %s %s: %s (expected %s)\n", op_no, what, path,
		err ? strerror(-err) : "succeeded", expected);
	exit(1);
}
static void expect_ok(int rc, const char *what, const char *path)
{
	if (rc < 0)
		die(what, path, -errno, "success");
}
static void expect_enoent(int rc, const char *what, const char *path)
{
	if (rc == 0)
		die(what, path, 0, "ENOENT");
	if (errno != ENOENT)
		die(what, path, -errno, "ENOENT");
}

/* ---------------------------------------------------------------- make */
static int make_entry(unsigned i)
{
	char path[4096], target[16];
	entry_path(path, sizeof(path), i, 'f');
	if (is_link(i)) {
		snprintf(target, sizeof(target), "f%04u", i % PER_DIR - 1);
		return symlink(target, path) < 0 ? -errno : 0;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int make_tree(void)
{
	char path[4096];
	if (mkdir(root, 0755) < 0 && errno != EEXIST) {
		int err = errno;
		fprintf(stderr, "churn: mkdir %s: %s\n", root, strerror(err));
		return -err;
	}
	for (unsigned d = 0; d < ndirs(); d++) {
		dir_path(path, sizeof(path), d);
		if (mkdir(path, 0755) < 0) {
			int err = errno;
			fprintf(stderr, "churn: mkdir %s: %s\n", path, strerror(err));
			return -err;
		}
	}
	for (unsigned i = 0; i < nfiles; i++) {
		int rc = make_entry(i);
		if (rc < 0) {
			entry_path(path, sizeof(path), i, 'f');
			fprintf(stderr, "churn: create %s: %s\n", path, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- ops */
static void op_stat(unsigned i, unsigned r)
{
	char path[4096];
	struct stat st;
	entry_path(path, sizeof(path), i, 'f');
	if (r & 1)
		expect_ok(lstat(path, &st), "lstat", path);
	else
		expect_ok(stat(path, &st), "stat", path);
}

static void op_open(unsigned i)
{
	char path[4096];
	entry_path(path, sizeof(path), i, 'f');
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	expect_ok(fd, "open", path);
	close(fd);
}

static void op_readlink(unsigned i)
{
	char path[4096], want[16], got[64];
	i = i - i % 10 + 9;             /* the symlink of i's group of ten */
	if (i >= nfiles)
		i -= 10;
	entry_path(path, sizeof(path), i, 'f');
	ssize_t n = readlink(path, got, sizeof(got) - 1);
	expect_ok((int)n, "readlink", path);
	got[n] = '\0';
	snprintf(want, sizeof(want), "f%04u", i % PER_DIR - 1);
	if (strcmp(got, want) != 0) {
		fprintf(stderr, "churn: op %lu: readlink %s: \"%s\" (expected \"%s\")\n", op_no,
			path, got, want);
		exit(1);
	}
}

static void op_negative(unsigned i)
{
	char path[4096];
	struct stat st;
	entry_path(path, sizeof(path), i, 'n');
	expect_enoent(stat(path, &st), "stat", path);
}

/* Count the entries of an open dir with getdents64; -errno on failure. */
static long count_dirents(int fd)
{
	char buf[32768];
	long count = 0;
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		if (n == 0)
			return count;
		for (long off = 0; off < n;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			count++;
			off += de->d_reclen;
		}
	}
}

static void op_getdents(unsigned i)
{
	char path[4096];
	unsigned d = i / PER_DIR;
	dir_path(path, sizeof(path), d);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	expect_ok(fd, "open", path);
	long count = count_dirents(fd);
	if (count < 0)
		die("getdents64", path, (int)count, "success");
	close(fd);
	if (count != (long)files_in_dir(d) + 2) {
		fprintf(stderr, "churn: op %lu: getdents64 %s: %ld entries (expected %u)\n",
			op_no, path, count, files_in_dir(d) + 2);
		exit(1);
	}
}

static void op_dirfd(unsigned i, unsigned r)
{
	char name[16], path[4096];
	struct stat st;
	snprintf(name, sizeof(name), "f%04u", i % PER_DIR);
	entry_path(path, sizeof(path), i, 'f');
	int flags = (r & 1) ? AT_SYMLINK_NOFOLLOW : 0;
	expect_ok(fstatat(dirfds[i / PER_DIR], name, &st, flags), "fstatat(dirfd)", path);
}

static void op_temp(unsigned i)
{
	char t[4096], u[4096];
	struct stat st;
	entry_path(t, sizeof(t), i, 't');
	entry_path(u, sizeof(u), i, 'u');
	int fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	expect_ok(fd, "create", t);
	close(fd);
	expect_ok(rename(t, u), "rename to u", t);
	expect_enoent(stat(t, &st), "stat after rename", t);
	expect_ok(stat(u, &st), "stat after rename", u);
	expect_ok(unlink(u), "unlink", u);
	expect_enoent(stat(u, &st), "stat after unlink", u);
}

static void op_recreate(unsigned i)
{
	char path[4096];
	struct stat st;
	if (is_link(i))
		i--;                    /* a regular file: the namespace stays the same */
	entry_path(path, sizeof(path), i, 'f');
	expect_ok(unlink(path), "unlink", path);
	expect_enoent(stat(path, &st), "stat after unlink", path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	expect_ok(fd, "create", path);
	close(fd);
}

/* ---------------------------------------------------------------- main */
static uint64_t lcg = 0x2545f4914f6cdd1dULL;     /* fixed seed */
static uint32_t next_rand(void)
{
	lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(lcg >> 33);
}

static int open_dirfds(void)
{
	char path[4096];
	for (unsigned d = 0; d < ndirs(); d++) {
		dir_path(path, sizeof(path), d);
		dirfds[d] = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfds[d] < 0) {
			int err = errno;
			fprintf(stderr, "churn: open %s: %s\n", path, strerror(err));
			return -err;
		}
	}
	return 0;
}

static void churn(unsigned long ops, unsigned long counts[K_N])
{
	unsigned long step = ops / 10 ? ops / 10 : 1;
	for (op_no = 0; op_no < ops; op_no++) {
		unsigned i = next_rand() % nfiles, r = next_rand(), pct = r % 100;
		enum kind k = K_STAT;
		while (pct >= kind_until[k])
			k++;
		counts[k]++;
		switch (k) {
		case K_STAT: op_stat(i, r / 100); break;
		case K_OPEN: op_open(i); break;
		case K_READLINK: op_readlink(i); break;
		case K_NEG: op_negative(i); break;
		case K_GETDENTS: op_getdents(i); break;
		case K_DIRFD: op_dirfd(i, r / 100); break;
		case K_TEMP: op_temp(i); break;
		case K_RECREATE: op_recreate(i); break;
		case K_N: break;
		}
		if ((op_no + 1) % step == 0 || op_no + 1 == ops) {
			printf("ops %lu\n", op_no + 1);
			fflush(stdout);
		}
	}
}

/* Wait for the caller: read stdin until EOF (or an error). */
static void drain_stdin(void)
{
	char buf[256];
	ssize_t n;
	while ((n = read(0, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		;
}

static int usage(void)
{
	fprintf(stderr, "usage: churn --make NFILES ROOT | churn OPS NFILES ROOT\n");
	return 2;
}

static bool parse_ul(const char *s, unsigned long *v)
{
	char *end;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno == 0 && *s && !*end;
}

int main(int argc, char **argv)
{
	unsigned long ops = 0, n;
	bool make = argc == 4 && strcmp(argv[1], "--make") == 0;
	if (argc != 4 || (!make && !parse_ul(argv[1], &ops)) || !parse_ul(argv[2], &n) ||
	    n < 10 || n > (unsigned long)PER_DIR * MAX_DIRS)
		return usage();
	nfiles = (unsigned)n;
	root = argv[3];
	if (make)
		return make_tree() < 0 ? 1 : 0;
	if (open_dirfds() < 0)
		return 1;
	unsigned long counts[K_N] = { 0 };
	churn(ops, counts);
	printf("counts");
	for (int k = 0; k < K_N; k++)
		printf(" %s=%lu", kind_name[k], counts[k]);
	printf("\n");
	fflush(stdout);
	drain_stdin();
	return 0;
}
