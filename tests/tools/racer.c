/* racer: concurrency workload for tests/integration/t_concurrency.sh.
 *
 *   racer setup ROOT W G    (host) make ROOT/data: the lower tree for W
 *                           workers in G groups of shared dirs
 *   racer race W G          W workers racing in the same dirs, walkers
 *                           meanwhile; again for each group
 *   racer same N            N processes racing on the same file/dir/name
 *   racer lines FILE PREFIX N   FILE is its lower lines plus "PREFIX i" for
 *                           each i < N in any order; rewritten with them in
 *                           the order of i (so that the upper is comparable)
 *
 * The final state of every subcommand does not depend on the interleaving:
 * in "race", worker k only renames, copies up, unlinks, chmods and creates
 * names carrying its own index k, but all workers' names live in the same
 * three lower dirs /data/gG/d0..d2 (with untouched "sentinel" entries), so the
 * copy-ups of those dirs, the whiteouts and the merged listings are shared.
 * Each worker keeps what it expects of each of its names in shared memory
 * and checks every step's result at once, its names again at its end, and
 * the parent checks all of them and each shared dir's exact listing after
 * the workers are done.  Walkers run meanwhile until the workers are done
 * (a pass at most per 1/WALK_PASSES of the workers' steps, so that on a fast
 * overlay they do not take the CPUs from the workers):
 *   list  readdir each shared dir and its subdirs, lstat and read entries
 *   stat  stat (and read) the names that always exist
 *   find  exec "find /data/gG -links +0" (an lstat of each entry; busybox
 *         has no -ls) and "ls -lR /data/gG": stderr only ENOENT lines
 * A walker may see ENOENT only for a name that some worker removes or moves;
 * sentinels are listed exactly once per readdir pass and keep their st_ino;
 * a file read back holds one of the full contents it may have (a torn
 * copy-up shows as a mix).  Every error names the process, operation, path
 * and errno on stderr; the exit status is 1 if any check failed.  stdout
 * only gets lines that are the same on every run.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NDIRS 3
#define NSENT 24     /* sentinel files s00.. per shared dir */
#define MAXW 16
#define MAXWANT 48
#define NSTEP 150    /* steps of a worker (each: a bounce, a create/rename/unlink) */
#define NORIG 20     /* lines of the lower files of "racer lines" */
#define BIGSIZE (4u << 20)
#define NCOMP 8      /* components of the mkdir race's path */
#define MAXN 32
#define WALK_PASSES 20 /* passes per walker and group at most (plus one) */

/* the shared dirs of the current group: /data/gG/d0..d2 */
static char D[NDIRS][32];

static void set_group(int g)
{
	for (int d = 0; d < NDIRS; d++)
		snprintf(D[d], sizeof(D[d]), "/data/g%d/d%d", g, d);
}

/* ---------------------------------------------------------------- errors */
struct shared;
static struct shared *sh;
static const char *who = "racer";

static void note_error(void);

/* shown: whether to print one more report: a walker that meets the same
 * fault on every pass shows MAXSHOWN of them (all are counted). */
#define MAXSHOWN 20
static bool shown(void)
{
	static int n;
	if (++n == MAXSHOWN + 1)
		fprintf(stderr, "racer: %s: further errors not shown\n", who);
	return n <= MAXSHOWN;
}

/* err: report a failed check ("racer: WHO: OP PATH: errno-name (text)"). */
static void err(const char *op, const char *path, int e)
{
	note_error();
	if (!shown())
		return;
	fprintf(stderr, "racer: %s: %s %s: %s (%s)\n", who, op, path,
		e ? strerrorname_np(e) : "?", e ? strerror(e) : "unexpected result");
}

/* errf: report a failed check described by a format. */
__attribute__((format(printf, 1, 2))) static void errf(const char *fmt, ...)
{
	va_list ap;
	note_error();
	if (!shown())
		return;
	va_start(ap, fmt);
	fprintf(stderr, "racer: %s: ", who);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---------------------------------------------------------------- contents */
enum kind { K_SENT = 1, K_IN, K_C, K_ROLD, K_RNEW, K_U, K_A, K_B, K_T, K_SUB, K_NEW,
	    K_X, K_F, K_BIG, K_SRC, K_VICTIM, K_MOVER };

static unsigned seed_of(enum kind kind, int k, int d)
{
	return (unsigned)kind << 24 | (unsigned)k << 12 | (unsigned)d;
}

/* size of a generated content: irregular, so that no two kinds agree */
static size_t size_of(enum kind kind, int k, int d)
{
	switch (kind) {
	case K_C: return 24000 + 517 * (size_t)k + 101 * (size_t)d;
	case K_ROLD: return 3000 + 13 * (size_t)k + (size_t)d;
	case K_RNEW: return 5000 + 17 * (size_t)k + (size_t)d;
	case K_BIG: return BIGSIZE;
	case K_T: return 300 + (size_t)d;
	default: return 200 + 7 * (size_t)k + (size_t)d;
	}
}

/* gen: the content of SEED, SIZE bytes: lines naming the seed and offset. */
static void gen(char *buf, size_t size, unsigned seed)
{
	char line[64];
	size_t off = 0;
	while (off < size) {
		int n = snprintf(line, sizeof(line), "seed %08x at %010zu abcdefghijklmnopq\n", seed, off);
		size_t m = (size_t)n < size - off ? (size_t)n : size - off;
		memcpy(buf + off, line, m);
		off += m;
	}
}

/* write_new: create PATH (O_EXCL) with gen(SEED, SIZE) + EXTRA; 0 or -errno. */
static int write_new(const char *path, unsigned seed, size_t size, const char *extra, mode_t mode)
{
	size_t n = size + strlen(extra);
	char *buf = malloc(n ? n : 1);
	if (!buf)
		return -ENOMEM;
	gen(buf, size, seed);
	memcpy(buf + size, extra, strlen(extra));
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	int rv = fd < 0 ? -errno : 0;
	for (size_t off = 0; !rv && off < n;) {
		ssize_t w = write(fd, buf + off, n - off);
		if (w < 0)
			rv = -errno;
		else
			off += (size_t)w;
	}
	if (fd >= 0 && close(fd) && !rv)
		rv = -errno;
	free(buf);
	return rv;
}

/* read_fd: the whole content of FD into *BUF (malloc'ed); 0 or -errno. */
static int read_fd(int fd, char **buf, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *b = malloc(cap);
	if (!b)
		return -ENOMEM;
	for (;;) {
		if (n == cap) {
			char *nb = realloc(b, cap *= 2);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0) {
			int e = errno;
			free(b);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*buf = b;
	*len = n;
	return 0;
}

/* read_at: the content of DIRFD/PATH; 0 or -errno. */
static int read_at(int dirfd, const char *path, char **buf, size_t *len)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	int rv = read_fd(fd, buf, len);
	close(fd);
	return rv;
}

/* is_content: BUF holds exactly gen(SEED, SIZE) + EXTRA. */
static bool is_content(const char *buf, size_t len, unsigned seed, size_t size, const char *extra)
{
	size_t x = strlen(extra);
	if (len != size + x || memcmp(buf + size, extra, x))
		return false;
	char *want = malloc(size ? size : 1);
	if (!want)
		return false;
	gen(want, size, seed);
	bool same = !memcmp(buf, want, size);
	free(want);
	return same;
}

/* ---------------------------------------------------------------- expectations */
enum wtype { W_ABSENT, W_FILE, W_DIR };

/* What a worker expects of one of its paths. */
struct want {
	char path[64];
	unsigned char type;
	unsigned seed;
	unsigned size;
	char extra[32];
	unsigned mode;
};

struct shared {
	int errors;
	int done;                       /* the workers are done: walkers stop */
	int steps;                      /* steps the workers made (a futex) */
	long passes[4];                 /* list, stat, find, ls */
	long overlapped;                /* walker passes begun before done */
	int nwant[MAXW];
	struct want want[MAXW][MAXWANT];
	int rc[MAXN][NCOMP];            /* results of the "same" races */
};

static void note_error(void)
{
	if (sh)
		__atomic_fetch_add(&sh->errors, 1, __ATOMIC_SEQ_CST);
}

/* want_set: worker K expects PATH to be TYPE (a file: gen(SEED,SIZE)+EXTRA). */
static void want_set(int k, const char *path, enum wtype type, unsigned seed, size_t size,
		     const char *extra, unsigned mode)
{
	struct want *w = NULL;
	for (int i = 0; i < sh->nwant[k]; i++)
		if (!strcmp(sh->want[k][i].path, path))
			w = &sh->want[k][i];
	if (!w) {
		if (sh->nwant[k] == MAXWANT) {
			errf("too many expectations (MAXWANT %d)", MAXWANT);
			exit(1);
		}
		w = &sh->want[k][sh->nwant[k]++];
		snprintf(w->path, sizeof(w->path), "%s", path);
	}
	w->type = (unsigned char)type;
	w->seed = seed;
	w->size = (unsigned)size;
	snprintf(w->extra, sizeof(w->extra), "%s", extra);
	w->mode = mode;
}

static struct want *want_get(int k, const char *path)
{
	for (int i = 0; i < sh->nwant[k]; i++)
		if (!strcmp(sh->want[k][i].path, path))
			return &sh->want[k][i];
	return NULL;
}

/* check_want: PATH is as W says; reports and returns -1 if not. */
static int check_want(const struct want *w, const char *when)
{
	struct stat st;
	if (lstat(w->path, &st)) {
		if (errno == ENOENT && w->type == W_ABSENT)
			return 0;
		err(when, w->path, errno);
		return -1;
	}
	if (w->type == W_ABSENT) {
		errf("%s %s: exists, expected absent (a lost unlink or rename)", when, w->path);
		return -1;
	}
	bool dir = S_ISDIR(st.st_mode);
	if ((w->type == W_DIR) != dir || (!dir && !S_ISREG(st.st_mode))) {
		errf("%s %s: type 0%o, expected a %s", when, w->path, st.st_mode & S_IFMT,
		     w->type == W_DIR ? "dir" : "regular file");
		return -1;
	}
	if ((st.st_mode & 07777) != w->mode) {
		errf("%s %s: mode %o, expected %o (a lost chmod)", when, w->path, st.st_mode & 07777, w->mode);
		return -1;
	}
	if (dir)
		return 0;
	char *buf;
	size_t len;
	int rv = read_at(AT_FDCWD, w->path, &buf, &len);
	if (rv) {
		err(when, w->path, -rv);
		return -1;
	}
	bool ok = is_content(buf, len, w->seed, w->size, w->extra);
	free(buf);
	if (!ok) {
		errf("%s %s: content of %zu bytes is not the expected %u+%zu (seed %08x): lost or torn update",
		     when, w->path, len, w->size, strlen(w->extra), w->seed);
		return -1;
	}
	return 0;
}

static int check_worker(int k, const char *when)
{
	int bad = 0;
	for (int i = 0; i < sh->nwant[k]; i++)
		bad |= check_want(&sh->want[k][i], when);
	return bad;
}

/* ---------------------------------------------------------------- processes */
/* start: fork; the child waits for the barrier's EOF, runs FN(ARG) and exits
 * with its result.  Returns the child's pid (exits on failure). */
static pid_t start(int barrier[2], int (*fn)(int), int arg)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		err("fork", "", errno);
		exit(1);
	}
	if (pid == 0) {
		char c;
		close(barrier[1]);
		while (read(barrier[0], &c, 1) < 0 && errno == EINTR)
			;
		close(barrier[0]);
		int rv = fn(arg);
		fflush(NULL);
		_exit(rv ? 1 : 0);
	}
	return pid;
}

/* reap: wait for PID; nonzero if it failed (its errors are reported by it). */
static int reap(pid_t pid, const char *what)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			err("waitpid", what, errno);
			return 1;
		}
	if (WIFSIGNALED(st)) {
		errf("%s killed by signal %d", what, WTERMSIG(st));
		return 1;
	}
	return WEXITSTATUS(st) != 0;
}

static char *pathf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static char *pathf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return buf;
}

/* ---------------------------------------------------------------- setup (host) */
static int mk(const char *root, const char *rel, enum kind kind, int k, int d)
{
	char p[4096];
	pathf(p, sizeof(p), "%s/data/%s", root, rel);
	int rv = write_new(p, seed_of(kind, k, d), size_of(kind, k, d), "", 0644);
	if (rv)
		err("create", p, -rv);
	return rv;
}

static int mkd(const char *root, const char *rel)
{
	char p[4096];
	pathf(p, sizeof(p), "%s/data/%s", root, rel);
	if (mkdir(p, 0755)) {
		err("mkdir", p, errno);
		return -errno;
	}
	return 0;
}

/* mklines: a lower file of NORIG lines "orig i". */
static int mklines(const char *root, const char *rel)
{
	char p[4096], buf[NORIG * 16];
	size_t n = 0;
	for (int i = 0; i < NORIG; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "orig %02d\n", i);
	pathf(p, sizeof(p), "%s/data/%s", root, rel);
	FILE *f = fopen(p, "wx");
	if (!f || fwrite(buf, 1, n, f) != n || fclose(f)) {
		err("create", p, errno);
		return -1;
	}
	return 0;
}

/* setup_group: group G's shared dirs and their files. */
static int setup_group(const char *root, int nw, int g)
{
	char r[64], dn[NDIRS][16];
	set_group(g);
	for (int d = 0; d < NDIRS; d++)
		snprintf(dn[d], sizeof(dn[d]), "%s", D[d] + strlen("/data/"));
	int bad = mkd(root, pathf(r, sizeof(r), "g%d", g));
	for (int d = 0; d < NDIRS; d++) {
		bad |= mkd(root, dn[d]);
		for (int i = 0; i < NSENT; i++)
			bad |= mk(root, pathf(r, sizeof(r), "%s/s%02d", dn[d], i), K_SENT, i, d);
		bad |= mkd(root, pathf(r, sizeof(r), "%s/sdir", dn[d]));
		bad |= mk(root, pathf(r, sizeof(r), "%s/sdir/in", dn[d]), K_IN, 0, d);
		for (int k = 0; k < nw; k++) {
			bad |= mk(root, pathf(r, sizeof(r), "%s/c%d", dn[d], k), K_C, k, d);
			bad |= mk(root, pathf(r, sizeof(r), "%s/r%d", dn[d], k), K_ROLD, k, d);
			bad |= mk(root, pathf(r, sizeof(r), "%s/u%d", dn[d], k), K_U, k, d);
			bad |= mk(root, pathf(r, sizeof(r), "%s/a%d", dn[d], k), K_A, k, d);
		}
	}
	for (int k = 0; k < nw; k++) {
		bad |= mk(root, pathf(r, sizeof(r), "%s/b%d", dn[0], k), K_B, k, 0);
		bad |= mkd(root, pathf(r, sizeof(r), "%s/sub%d", dn[1], k));
		for (int i = 0; i < 4; i++)
			bad |= mk(root, pathf(r, sizeof(r), "%s/sub%d/f%d", dn[1], k, i), K_SUB, k, i);
		bad |= mkd(root, pathf(r, sizeof(r), "%s/ld%d", dn[2], k));
		bad |= mk(root, pathf(r, sizeof(r), "%s/ld%d/x", dn[2], k), K_X, k, 0);
	}
	return bad;
}

static int setup(const char *root, int nw, int ng)
{
	char r[64];
	int bad = mkd(root, "") | mkd(root, "same") | mkd(root, "same/deep") | mkd(root, "same/deep/a") |
		  mkd(root, "same/deep2") | mkd(root, "same/deep2/a") | mkd(root, "same/deep2/a/b") |
		  mkd(root, "same/rmme") | mklines(root, "same/log") | mklines(root, "same/log2") |
		  mk(root, "same/big", K_BIG, 0, 0) | mk(root, "same/victim", K_VICTIM, 0, 0) |
		  mk(root, "same/mover", K_MOVER, 0, 0) | mk(root, "same/keep", K_SENT, 99, 0);
	for (int i = 0; i < MAXN; i++)
		bad |= mk(root, pathf(r, sizeof(r), "same/src%02d", i), K_SRC, 0, 0);
	for (int g = 0; g < ng; g++)
		bad |= setup_group(root, nw, g);
	return bad ? 1 : 0;
}

/* ---------------------------------------------------------------- workers */
static long futex(int *addr, int op, int val, const struct timespec *timeout)
{
	return syscall(SYS_futex, addr, op, val, timeout, NULL, 0);
}

/* progress: one more step of a worker (or the end): wake the walkers. */
static void progress(void)
{
	__atomic_fetch_add(&sh->steps, 1, __ATOMIC_SEQ_CST);
	futex(&sh->steps, FUTEX_WAKE, 1 << 30, NULL);
}

/* pace: wait until the workers made STEPS steps or are done (the timeout is
 * only a safety net: the parent wakes the walkers when the workers are done). */
static void pace(int steps)
{
	const struct timespec second = { 1, 0 };
	int now;
	while (!__atomic_load_n(&sh->done, __ATOMIC_SEQ_CST) &&
	       (now = __atomic_load_n(&sh->steps, __ATOMIC_SEQ_CST)) < steps)
		futex(&sh->steps, FUTEX_WAIT, now, &second);
}

static int nworkers;

/* The expectations of worker K before it starts (the lower tree). */
static void want_init(int k)
{
	char p[64];
	for (int d = 0; d < NDIRS; d++) {
		want_set(k, pathf(p, sizeof(p), "%s/c%d", D[d], k), W_FILE, seed_of(K_C, k, d), size_of(K_C, k, d), "", 0644);
		want_set(k, pathf(p, sizeof(p), "%s/r%d", D[d], k), W_FILE, seed_of(K_ROLD, k, d), size_of(K_ROLD, k, d), "", 0644);
		want_set(k, pathf(p, sizeof(p), "%s/.r%d.new", D[d], k), W_ABSENT, 0, 0, "", 0);
		want_set(k, pathf(p, sizeof(p), "%s/u%d", D[d], k), W_FILE, seed_of(K_U, k, d), size_of(K_U, k, d), "", 0644);
		want_set(k, pathf(p, sizeof(p), "%s/a%d", D[d], k), W_FILE, seed_of(K_A, k, d), size_of(K_A, k, d), "", 0644);
		want_set(k, pathf(p, sizeof(p), "%s/b%d", D[d], k), d ? W_ABSENT : W_FILE, seed_of(K_B, k, 0), size_of(K_B, k, 0), "", 0644);
		want_set(k, pathf(p, sizeof(p), "%s/t%d", D[d], k), W_ABSENT, 0, 0, "", 0);
		want_set(k, pathf(p, sizeof(p), "%s/m%d", D[d], k), W_ABSENT, 0, 0, "", 0);
		want_set(k, pathf(p, sizeof(p), "%s/nd%d", D[d], k), W_ABSENT, 0, 0, "", 0);
		want_set(k, pathf(p, sizeof(p), "%s/nd%d/f", D[d], k), W_ABSENT, 0, 0, "", 0);
	}
	want_set(k, pathf(p, sizeof(p), "%s/sub%d", D[1], k), W_DIR, 0, 0, "", 0755);
	for (int i = 0; i < 4; i++)
		want_set(k, pathf(p, sizeof(p), "%s/sub%d/f%d", D[1], k, i), W_FILE, seed_of(K_SUB, k, i), size_of(K_SUB, k, i), "", 0644);
	want_set(k, pathf(p, sizeof(p), "%s/sub%d/new", D[1], k), W_ABSENT, 0, 0, "", 0);
	want_set(k, pathf(p, sizeof(p), "%s/ld%d", D[2], k), W_DIR, 0, 0, "", 0755);
	want_set(k, pathf(p, sizeof(p), "%s/ld%d/x", D[2], k), W_FILE, seed_of(K_X, k, 0), size_of(K_X, k, 0), "", 0644);
	want_set(k, pathf(p, sizeof(p), "%s/ld%d.mv", D[2], k), W_ABSENT, 0, 0, "", 0);
}

/* do_op: one call's result; a failure is reported; 0 or -1. */
static int do_op(int rv, const char *op, const char *path)
{
	if (rv) {
		err(op, path, errno);
		return -1;
	}
	return 0;
}

/* verify: re-check the expectations of PATHs just changed by worker K. */
static int verify(int k, const char *op, const char *p1, const char *p2)
{
	int bad = check_want(want_get(k, p1), op);
	if (p2)
		bad |= check_want(want_get(k, p2), op);
	return bad;
}

/* bounce: move b<k> on from D[i%3] to D[(i+1)%3] (its first move copies it
 * up and leaves a whiteout; later moves come back onto whiteouts). */
static int step_bounce(int k, int i)
{
	char s[64], t[64];
	pathf(s, sizeof(s), "%s/b%d", D[i % 3], k);
	pathf(t, sizeof(t), "%s/b%d", D[(i + 1) % 3], k);
	if (do_op(rename(s, t), "rename", s))
		return -1;
	want_set(k, s, W_ABSENT, 0, 0, "", 0);
	want_set(k, t, W_FILE, seed_of(K_B, k, 0), size_of(K_B, k, 0), "", 0644);
	return verify(k, "rename", s, t);
}

/* churn: create t<k>, rename it over m<k> in the next dir, unlink that every
 * other step (upper-only names coming and going next to lower ones). */
static int step_churn(int k, int i)
{
	char s[64], t[64];
	int x = (i + k) % 3, y = (x + 1) % 3;
	pathf(s, sizeof(s), "%s/t%d", D[x], k);
	pathf(t, sizeof(t), "%s/m%d", D[y], k);
	int rv = write_new(s, seed_of(K_T, k, i), size_of(K_T, k, i), "", 0644);
	if (rv) {
		err("create", s, -rv);
		return -1;
	}
	want_set(k, s, W_FILE, seed_of(K_T, k, i), size_of(K_T, k, i), "", 0644);
	if (verify(k, "create", s, NULL) || do_op(rename(s, t), "rename", s))
		return -1;
	want_set(k, s, W_ABSENT, 0, 0, "", 0);
	want_set(k, t, W_FILE, seed_of(K_T, k, i), size_of(K_T, k, i), "", 0644);
	if (verify(k, "rename", s, t))
		return -1;
	if (i % 2 == 0)
		return 0;
	if (do_op(unlink(t), "unlink", t))
		return -1;
	want_set(k, t, W_ABSENT, 0, 0, "", 0);
	return verify(k, "unlink", t, NULL);
}

/* oneshot: one copy-up of a lower file of worker K (steps 0..11: each of
 * chmod, replace by rename, unlink, append in each dir). */
static int step_oneshot(int k, int i)
{
	int d = (i / 4 + k) % 3;
	char p[64], q[64], line[32];
	switch (i % 4) {
	case 0:
		pathf(p, sizeof(p), "%s/c%d", D[d], k);
		if (do_op(chmod(p, 0640), "chmod", p))
			return -1;
		want_get(k, p)->mode = 0640;
		return verify(k, "chmod", p, NULL);
	case 1: {
		pathf(p, sizeof(p), "%s/r%d", D[d], k);
		pathf(q, sizeof(q), "%s/.r%d.new", D[d], k);
		int rv = write_new(q, seed_of(K_RNEW, k, d), size_of(K_RNEW, k, d), "", 0644);
		if (rv) {
			err("create", q, -rv);
			return -1;
		}
		if (do_op(rename(q, p), "rename", q))
			return -1;
		want_set(k, p, W_FILE, seed_of(K_RNEW, k, d), size_of(K_RNEW, k, d), "", 0644);
		return verify(k, "rename", q, p);
	}
	case 2:
		pathf(p, sizeof(p), "%s/u%d", D[d], k);
		if (do_op(unlink(p), "unlink", p))
			return -1;
		want_set(k, p, W_ABSENT, 0, 0, "", 0);
		return verify(k, "unlink", p, NULL);
	default: {
		pathf(p, sizeof(p), "%s/a%d", D[d], k);
		int n = snprintf(line, sizeof(line), "appended by %d\n", k);
		int fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (do_op(fd < 0, "open O_APPEND", p))
			return -1;
		ssize_t w = write(fd, line, (size_t)n);
		int e = errno;
		close(fd);
		if (w != n) {
			err("append", p, w < 0 ? e : 0);
			return -1;
		}
		snprintf(want_get(k, p)->extra, sizeof(want_get(k, p)->extra), "%s", line);
		return verify(k, "append", p, NULL);
	}
	}
}

/* subdir: empty the lower dir sub<k>, remove it and make it again: a
 * whiteout, then an opaque dir. */
static int step_subdir(int k)
{
	char p[64], f[64];
	pathf(p, sizeof(p), "%s/sub%d", D[1], k);
	for (int i = 0; i < 4; i++) {
		pathf(f, sizeof(f), "%s/f%d", p, i);
		if (do_op(unlink(f), "unlink", f))
			return -1;
		want_set(k, f, W_ABSENT, 0, 0, "", 0);
	}
	if (do_op(rmdir(p), "rmdir", p))
		return -1;
	want_set(k, p, W_ABSENT, 0, 0, "", 0);
	if (verify(k, "rmdir", p, NULL) || do_op(mkdir(p, 0755), "mkdir", p))
		return -1;
	want_set(k, p, W_DIR, 0, 0, "", 0755);
	pathf(f, sizeof(f), "%s/new", p);
	int rv = write_new(f, seed_of(K_NEW, k, 0), size_of(K_NEW, k, 0), "", 0644);
	if (rv) {
		err("create", f, -rv);
		return -1;
	}
	want_set(k, f, W_FILE, seed_of(K_NEW, k, 0), size_of(K_NEW, k, 0), "", 0644);
	return check_worker(k, "recreate dir");
}

/* lowerdir: a lower dir moves (redirect_dir=on: it keeps its lower
 * content) and comes back. */
static int step_lowerdir(int k)
{
	char p[64], q[64], x[80];
	pathf(p, sizeof(p), "%s/ld%d", D[2], k);
	pathf(q, sizeof(q), "%s/ld%d.mv", D[2], k);
	if (do_op(rename(p, q), "rename", p))
		return -1;
	want_set(k, p, W_ABSENT, 0, 0, "", 0);
	want_set(k, q, W_DIR, 0, 0, "", 0755);
	want_set(k, pathf(x, sizeof(x), "%s/x", q), W_FILE, seed_of(K_X, k, 0),
		 size_of(K_X, k, 0), "", 0644);
	int bad = verify(k, "rename", p, q) | check_want(want_get(k, x), "rename");
	if (do_op(rename(q, p), "rename back", q))
		return -1;
	want_set(k, q, W_ABSENT, 0, 0, "", 0);
	want_set(k, x, W_ABSENT, 0, 0, "", 0);
	want_set(k, p, W_DIR, 0, 0, "", 0755);
	return bad | verify(k, "rename back", p, q);
}

/* newdir: an upper-only dir nd<k> with a file, then moved on across the
 * shared dirs at every later step. */
static int step_newdir(int k, int i)
{
	char p[64], q[64], f[64];
	if (i == 14) {
		pathf(p, sizeof(p), "%s/nd%d", D[0], k);
		if (do_op(mkdir(p, 0755), "mkdir", p))
			return -1;
		want_set(k, p, W_DIR, 0, 0, "", 0755);
		pathf(f, sizeof(f), "%s/f", p);
		int rv = write_new(f, seed_of(K_F, k, 0), size_of(K_F, k, 0), "", 0644);
		if (rv) {
			err("create", f, -rv);
			return -1;
		}
		want_set(k, f, W_FILE, seed_of(K_F, k, 0), size_of(K_F, k, 0), "", 0644);
		return verify(k, "mkdir", p, f);
	}
	pathf(p, sizeof(p), "%s/nd%d", D[(i - 15) % 3], k);
	pathf(q, sizeof(q), "%s/nd%d", D[(i - 14) % 3], k);
	if (do_op(rename(p, q), "rename", p))
		return -1;
	want_set(k, p, W_ABSENT, 0, 0, "", 0);
	want_set(k, strcat(strcpy(f, p), "/f"), W_ABSENT, 0, 0, "", 0);
	want_set(k, q, W_DIR, 0, 0, "", 0755);
	want_set(k, strcat(strcpy(f, q), "/f"), W_FILE, seed_of(K_F, k, 0), size_of(K_F, k, 0), "", 0644);
	return verify(k, "rename", p, f);
}

static int worker(int k)
{
	char name[32];
	snprintf(name, sizeof(name), "worker %d", k);
	who = name;
	for (int i = 0; i < NSTEP; i++) {
		int rv = step_bounce(k, i) || step_churn(k, i);
		if (!rv && i < 12)
			rv = step_oneshot(k, i);
		else if (!rv && i == 12)
			rv = step_subdir(k);
		else if (!rv && i == 13)
			rv = step_lowerdir(k);
		else if (!rv)
			rv = step_newdir(k, i);
		if (rv) {
			errf("stopped at step %d", i);
			return 1;
		}
		progress();
	}
	return check_worker(k, "final check by the worker");
}

/* ---------------------------------------------------------------- walkers */
/* What a name in a shared dir is (for walkers). */
enum ncls { N_UNKNOWN, N_SENT, N_SDIR, N_C, N_R, N_LD, N_B, N_U, N_OTHER_FILE, N_OTHER_DIR };

static ino_t sent_ino[NDIRS][NSENT], dir_ino[NDIRS];

/* num: NAME is PREFIX followed by a decimal < LIMIT (and SUFFIX); its value or -1. */
static int num(const char *name, const char *prefix, const char *suffix, int limit)
{
	size_t n = strlen(prefix);
	if (strncmp(name, prefix, n) || name[n] < '0' || name[n] > '9')
		return -1;
	char *end;
	long v = strtol(name + n, &end, 10);
	if (strcmp(end, suffix) || v >= limit)
		return -1;
	return (int)v;
}

static enum ncls classify(const char *name, int *idx)
{
	static const struct { const char *prefix, *suffix; enum ncls cls; } tab[] = {
		{ "s", "", N_SENT }, { "c", "", N_C }, { "r", "", N_R }, { "ld", "", N_LD },
		{ "b", "", N_B }, { "u", "", N_U }, { "a", "", N_OTHER_FILE }, { "t", "", N_OTHER_FILE },
		{ "m", "", N_OTHER_FILE }, { ".r", ".new", N_OTHER_FILE }, { "sub", "", N_OTHER_DIR },
		{ "nd", "", N_OTHER_DIR }, { "ld", ".mv", N_OTHER_DIR },
	};
	if (!strcmp(name, "sdir"))
		return N_SDIR;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		int lim = tab[i].cls == N_SENT ? NSENT : nworkers;
		if ((*idx = num(name, tab[i].prefix, tab[i].suffix, lim)) >= 0)
			return tab[i].cls;
	}
	return N_UNKNOWN;
}

/* check_read: DIRFD/NAME reads as one of the contents allowed (ENOENT is
 * fine when MAYGO). */
static void check_read(int dirfd, const char *dir, const char *name, bool maygo, int n,
		       const unsigned *seeds, const size_t *sizes, const char *extra)
{
	char *buf;
	size_t len;
	int rv = read_at(dirfd, name, &buf, &len);
	if (rv) {
		if (rv != -ENOENT || !maygo)
			errf("read %s/%s: %s (%s)", dir, name, strerrorname_np(-rv), strerror(-rv));
		return;
	}
	bool ok = false;
	for (int i = 0; i < n && !ok; i++)
		ok = is_content(buf, len, seeds[i], sizes[i], extra);
	if (!ok)
		errf("read %s/%s: %zu bytes, none of the %d full contents it may have (torn copy-up?)",
		     dir, name, len, n);
	free(buf);
}

/* check_entry: a walker's checks of the entry NAME of shared dir D. */
static void check_entry(int dfd, int d, const char *name, int *sent_seen, int *sdir_seen)
{
	int i;
	enum ncls cls = classify(name, &i);
	/* (ld<k> moves away and back: step_lowerdir) */
	bool always = cls == N_SENT || cls == N_SDIR || cls == N_C || cls == N_R;
	struct stat st;
	if (cls == N_UNKNOWN) {
		errf("readdir %s: unexpected entry '%s'", D[d], name);
		return;
	}
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		if (errno != ENOENT || always)
			errf("lstat %s/%s: %s (%s)", D[d], name, strerrorname_np(errno), strerror(errno));
		return;
	}
	bool isdir = cls == N_SDIR || cls == N_LD || cls == N_OTHER_DIR;
	if (isdir != S_ISDIR(st.st_mode) || (!isdir && !S_ISREG(st.st_mode)))
		errf("lstat %s/%s: type 0%o", D[d], name, st.st_mode & S_IFMT);
	unsigned seeds[2];
	size_t sizes[2];
	switch (cls) {
	case N_SENT:
		sent_seen[i]++;
		if (st.st_ino != sent_ino[d][i])
			errf("lstat %s/%s: st_ino %lu, was %lu", D[d], name, (unsigned long)st.st_ino,
			     (unsigned long)sent_ino[d][i]);
		seeds[0] = seed_of(K_SENT, i, d), sizes[0] = size_of(K_SENT, i, d);
		check_read(dfd, D[d], name, false, 1, seeds, sizes, "");
		break;
	case N_SDIR:
		(*sdir_seen)++;
		break;
	case N_C:
		seeds[0] = seed_of(K_C, i, d), sizes[0] = size_of(K_C, i, d);
		check_read(dfd, D[d], name, false, 1, seeds, sizes, "");
		break;
	case N_R:
		seeds[0] = seed_of(K_ROLD, i, d), sizes[0] = size_of(K_ROLD, i, d);
		seeds[1] = seed_of(K_RNEW, i, d), sizes[1] = size_of(K_RNEW, i, d);
		check_read(dfd, D[d], name, false, 2, seeds, sizes, "");
		break;
	case N_B:
		seeds[0] = seed_of(K_B, i, 0), sizes[0] = size_of(K_B, i, 0);
		check_read(dfd, D[d], name, true, 1, seeds, sizes, "");
		break;
	case N_U:
		seeds[0] = seed_of(K_U, i, d), sizes[0] = size_of(K_U, i, d);
		check_read(dfd, D[d], name, true, 1, seeds, sizes, "");
		break;
	default:
		break;
	}
}

/* list_sub: list a subdir of a shared dir; it may vanish unless ALWAYS. */
static void list_sub(const char *path, bool always)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT || always)
			err("open dir", path, errno);
		return;
	}
	DIR *dir = fdopendir(fd);
	if (!dir) {
		err("fdopendir", path, errno);
		close(fd);
		return;
	}
	struct dirent *e;
	struct stat st;
	for (errno = 0; (e = readdir(dir)); errno = 0)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
		    (errno != ENOENT || always))
			errf("lstat %s/%s: %s (%s)", path, e->d_name, strerrorname_np(errno), strerror(errno));
	if (errno && (errno != ENOENT || always))
		err("readdir", path, errno);
	closedir(dir);
}

/* list_shared: one readdir pass of shared dir D with the checks of each entry. */
static void list_shared(int d)
{
	int sent_seen[NSENT] = { 0 }, sdir_seen = 0, dots = 0;
	int fd = open(D[d], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err("open dir", D[d], errno);
		return;
	}
	struct stat st;
	if (fstat(fd, &st))
		err("fstat", D[d], errno);
	else if (st.st_ino != dir_ino[d])
		errf("fstat %s: st_ino %lu, was %lu", D[d], (unsigned long)st.st_ino, (unsigned long)dir_ino[d]);
	DIR *dir = fdopendir(fd);
	if (!dir) {
		err("fdopendir", D[d], errno);
		close(fd);
		return;
	}
	struct dirent *e;
	char sub[128];
	for (errno = 0; (e = readdir(dir)); errno = 0) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
			dots++;
			continue;
		}
		check_entry(fd, d, e->d_name, sent_seen, &sdir_seen);
		int i;
		enum ncls cls = classify(e->d_name, &i);
		if (cls == N_SDIR || cls == N_LD || cls == N_OTHER_DIR)
			list_sub(pathf(sub, sizeof(sub), "%s/%s", D[d], e->d_name), cls == N_SDIR);
	}
	if (errno)
		err("readdir", D[d], errno);
	closedir(dir);
	for (int i = 0; i < NSENT; i++)
		if (sent_seen[i] != 1)
			errf("readdir %s: sentinel s%02d listed %d times in one pass", D[d], i, sent_seen[i]);
	if (sdir_seen != 1 || dots != 2)
		errf("readdir %s: sdir listed %d times, . and .. %d times", D[d], sdir_seen, dots);
}

/* stat_always: stat (and read) every name that always exists. */
static void stat_always(void)
{
	char p[64];
	struct stat st;
	for (int d = 0; d < NDIRS; d++) {
		if (stat(D[d], &st))
			err("stat", D[d], errno);
		else if (st.st_ino != dir_ino[d])
			errf("stat %s: st_ino %lu, was %lu", D[d], (unsigned long)st.st_ino, (unsigned long)dir_ino[d]);
		for (int i = 0; i < NSENT; i++) {
			pathf(p, sizeof(p), "%s/s%02d", D[d], i);
			if (stat(p, &st))
				err("stat", p, errno);
			else if (st.st_ino != sent_ino[d][i])
				errf("stat %s: st_ino %lu, was %lu", p, (unsigned long)st.st_ino,
				     (unsigned long)sent_ino[d][i]);
		}
		if (stat(pathf(p, sizeof(p), "%s/sdir/in", D[d]), &st))
			err("stat", p, errno);
		int dfd = open(D[d], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0) {
			err("open dir", D[d], errno);
			continue;
		}
		for (int k = 0; k < nworkers; k++) {
			unsigned seeds[2] = { seed_of(K_ROLD, k, d), seed_of(K_RNEW, k, d) };
			size_t sizes[2] = { size_of(K_ROLD, k, d), size_of(K_RNEW, k, d) };
			check_read(dfd, D[d], pathf(p, sizeof(p), "r%d", k), false, 2, seeds, sizes, "");
			seeds[0] = seed_of(K_C, k, d), sizes[0] = size_of(K_C, k, d);
			check_read(dfd, D[d], pathf(p, sizeof(p), "c%d", k), false, 1, seeds, sizes, "");
			/* ld<k> moves to ld<k>.mv and back (step_lowerdir):
			 * its file is under one name or the other; a miss
			 * of both is a move in between, looked at again */
			bool seen = d != 2;
			for (int t = 0; t < 1000 && !seen; t++)
				seen = !stat(pathf(p, sizeof(p), "%s/ld%d%s/x", D[d], k,
						   t % 2 ? ".mv" : ""), &st);
			if (!seen)
				err("stat", p, errno);
		}
		close(dfd);
	}
}

/* run_tool: one pass of find / ls -lR: only "No such file or directory"
 * on its stderr (names removed while it walked). */
static void run_tool(const char *const *argv)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC)) {
		err("pipe", argv[0], errno);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, 1) < 0 || dup2(p[1], 2) < 0)
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	if (pid < 0) {
		err("fork", argv[0], errno);
		close(p[0]);
		return;
	}
	char *out;
	size_t len;
	int rv = read_fd(p[0], &out, &len);
	close(p[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (rv) {
		err("read stderr of", argv[0], -rv);
		return;
	}
	int enoent = 0;
	for (char *l = out, *nl; l < out + len; l = nl + 1) {
		nl = memchr(l, '\n', (size_t)(out + len - l));
		if (!nl)
			nl = out + len;
		if (memmem(l, (size_t)(nl - l), "No such file or directory", 25))
			enoent++;
		else
			errf("%s %s: stderr: %.*s", argv[0], argv[1], (int)(nl - l), l);
	}
	if (!WIFEXITED(st) || (WEXITSTATUS(st) && !enoent))
		errf("%s %s: status 0x%x without an ENOENT message", argv[0], argv[1], st);
	free(out);
}

static int walker(int kind)
{
	static const char *const names[] = { "list walker", "stat walker", "find walker", "ls walker" };
	char group[32];
	snprintf(group, sizeof(group), "%.*s", (int)(strrchr(D[0], '/') - D[0]), D[0]);
	const char *const find[] = { "find", group, "-links", "+0", NULL };
	const char *const ls[] = { "ls", "-lR", group, NULL };
	who = names[kind];
	/* at least one pass, then until the workers are done */
	int quantum = nworkers * NSTEP / WALK_PASSES;
	do {
		int next = __atomic_load_n(&sh->steps, __ATOMIC_SEQ_CST) + quantum;
		if (!__atomic_load_n(&sh->done, __ATOMIC_SEQ_CST))
			__atomic_fetch_add(&sh->overlapped, 1, __ATOMIC_SEQ_CST);
		switch (kind) {
		case 0:
			for (int d = 0; d < NDIRS; d++)
				list_shared(d);
			break;
		case 1:
			stat_always();
			break;
		case 2:
			run_tool(find);
			break;
		default:
			run_tool(ls);
			break;
		}
		__atomic_fetch_add(&sh->passes[kind], 1, __ATOMIC_SEQ_CST);
		pace(next);
	} while (!__atomic_load_n(&sh->done, __ATOMIC_SEQ_CST));
	return 0;
}

/* ---------------------------------------------------------------- race */
/* check_listing: shared dir D lists exactly the sentinels, sdir and the
 * names the workers expect there. */
static int check_listing(int d)
{
	char want[MAXW * MAXWANT + NSENT + 1][32];
	int n = 0, bad = 0;
	size_t dl = strlen(D[d]);
	for (int i = 0; i < NSENT; i++)
		snprintf(want[n++], sizeof(want[0]), "s%02d", i);
	snprintf(want[n++], sizeof(want[0]), "sdir");
	for (int k = 0; k < nworkers; k++)
		for (int i = 0; i < sh->nwant[k]; i++) {
			const struct want *w = &sh->want[k][i];
			if (w->type != W_ABSENT && !strncmp(w->path, D[d], dl) && w->path[dl] == '/' &&
			    !strchr(w->path + dl + 1, '/'))
				snprintf(want[n++], sizeof(want[0]), "%s", w->path + dl + 1);
		}
	int seen[sizeof(want) / sizeof(want[0])] = { 0 };
	DIR *dir = opendir(D[d]);
	if (!dir) {
		err("opendir", D[d], errno);
		return 1;
	}
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		int j = 0;
		while (j < n && strcmp(want[j], e->d_name))
			j++;
		if (j == n) {
			errf("final listing of %s: unexpected entry '%s'", D[d], e->d_name);
			bad = 1;
		} else if (seen[j]++) {
			errf("final listing of %s: '%s' listed twice", D[d], e->d_name);
			bad = 1;
		}
	}
	closedir(dir);
	for (int j = 0; j < n; j++)
		if (!seen[j]) {
			errf("final listing of %s: '%s' missing", D[d], want[j]);
			bad = 1;
		}
	return bad;
}

/* race_group: the race in group G's dirs; 0 or 1 (errors reported). */
static int race_group(int nw, int g)
{
	char p[64];
	struct stat st;
	set_group(g);
	for (int d = 0; d < NDIRS; d++) {
		if (stat(D[d], &st))
			return err("stat", D[d], errno), 1;
		dir_ino[d] = st.st_ino;
		for (int i = 0; i < NSENT; i++) {
			if (stat(pathf(p, sizeof(p), "%s/s%02d", D[d], i), &st))
				return err("stat", p, errno), 1;
			sent_ino[d][i] = st.st_ino;
		}
	}
	memset(sh->nwant, 0, sizeof(sh->nwant));
	__atomic_store_n(&sh->done, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&sh->steps, 0, __ATOMIC_SEQ_CST);
	for (int k = 0; k < nw; k++)
		want_init(k);
	int barrier[2];
	if (pipe2(barrier, O_CLOEXEC))
		return err("pipe", "", errno), 1;
	pid_t wpid[MAXW], lpid[5];
	static const int walkers[] = { 0, 0, 1, 2, 3 };
	for (int i = 0; i < 5; i++)
		lpid[i] = start(barrier, walker, walkers[i]);
	for (int k = 0; k < nw; k++)
		wpid[k] = start(barrier, worker, k);
	close(barrier[0]);
	close(barrier[1]);  /* go */
	int bad = 0;
	for (int k = 0; k < nw; k++)
		bad |= reap(wpid[k], "worker");
	__atomic_store_n(&sh->done, 1, __ATOMIC_SEQ_CST);
	progress();
	for (int i = 0; i < 5; i++)
		bad |= reap(lpid[i], "walker");
	for (int k = 0; k < nw; k++)
		bad |= check_worker(k, "final check");
	for (int d = 0; d < NDIRS; d++) {
		bad |= check_listing(d);
		list_shared(d);
	}
	return bad;
}

static int race(int nw, int ng)
{
	int bad = 0;
	for (int g = 0; g < ng; g++)
		bad |= race_group(nw, g);
	fprintf(stderr, "racer: race: walker passes: list %ld, stat %ld, find %ld, ls %ld; %ld begun while workers ran\n",
		sh->passes[0], sh->passes[1], sh->passes[2], sh->passes[3], sh->overlapped);
	if (bad || sh->errors)
		return 1;
	printf("race: %d workers x %d steps in %d shared dirs, %d times: every step and the final state as expected\n",
	       nw, NSTEP, NDIRS, ng);
	return 0;
}

/* ---------------------------------------------------------------- same */
static int nsame;

/* lines_check: FILE holds its NORIG lower lines, then "PREFIX i" for each
 * i < N once in any order; rewritten with those lines sorted. */
static int lines_check(const char *file, const char *prefix, int n)
{
	char *buf;
	size_t len;
	int rv = read_at(AT_FDCWD, file, &buf, &len);
	if (rv)
		return err("read", file, -rv), 1;
	char want[NORIG * 16 + MAXN * 64];
	size_t wl = 0;
	for (int i = 0; i < NORIG; i++)
		wl += (size_t)snprintf(want + wl, sizeof(want) - wl, "orig %02d\n", i);
	size_t orig = wl;
	int seen[MAXN] = { 0 }, bad = 0;
	if (len < orig || memcmp(buf, want, orig)) {
		errf("%s: the lower lines are not intact at the start", file);
		bad = 1;
	}
	for (char *l = buf + orig, *nl; !bad && l < buf + len; l = nl + 1) {
		nl = memchr(l, '\n', (size_t)(buf + len - l));
		char line[64];
		int i = -1;
		snprintf(line, sizeof(line), "%.*s", nl ? (int)(nl - l) : (int)(buf + len - l), l);
		if (!nl || strncmp(line, prefix, strlen(prefix)) || line[strlen(prefix)] != ' ' ||
		    (i = atoi(line + strlen(prefix) + 1)) < 0 || i >= n || seen[i]++) {
			errf("%s: unexpected line '%s' (lost, torn or duplicated append)", file, line);
			bad = 1;
		}
		if (!nl)
			break;
	}
	for (int i = 0; i < n && !bad; i++)
		if (!seen[i]) {
			errf("%s: line '%s %d' missing (a lost append)", file, prefix, i);
			bad = 1;
		}
	free(buf);
	if (bad)
		return 1;
	/* the appended lines in the order of i: the same file on every run */
	for (int i = 0; i < n; i++)
		wl += (size_t)snprintf(want + wl, sizeof(want) - wl, "%s %d\n", prefix, i);
	int fd = open(file, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0 || write(fd, want, wl) != (ssize_t)wl || close(fd))
		return err("rewrite", file, errno), 1;
	return 0;
}

static int same_append(int i)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "append %d\n", i);
	int fd = open("/data/same/log", O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return sh->rc[i][0] = -errno;
	ssize_t w = write(fd, line, (size_t)n);
	sh->rc[i][0] = w == n ? 0 : w < 0 ? -errno : -EIO;
	close(fd);
	return 0;
}

/* copyup: even children chmod, odd ones open O_RDWR (both copy it up), then
 * each reads the file back: the full lower content. */
static int same_copyup(int i)
{
	const char *p = "/data/same/big";
	int fd = -1;
	if (i % 2 == 0 && chmod(p, 0600))
		return sh->rc[i][0] = -errno;
	if (i % 2 == 1 && (fd = open(p, O_RDWR | O_CLOEXEC)) < 0)
		return sh->rc[i][0] = -errno;
	char *buf;
	size_t len;
	int rv = fd >= 0 ? read_fd(fd, &buf, &len) : read_at(AT_FDCWD, p, &buf, &len);
	if (fd >= 0)
		close(fd);
	if (rv)
		return sh->rc[i][0] = rv;
	sh->rc[i][0] = is_content(buf, len, seed_of(K_BIG, 0, 0), BIGSIZE, "") ? 0 : -EBADMSG;
	free(buf);
	return 0;
}

static int same_unlink(int i)
{
	sh->rc[i][0] = unlink("/data/same/victim") ? -errno : 0;
	return 0;
}

static int same_rename(int i)
{
	sh->rc[i][0] = rename("/data/same/mover", "/data/same/moved") ? -errno : 0;
	return 0;
}

/* each child renames its own lower file over the same target */
static int same_rename_over(int i)
{
	char p[64];
	sh->rc[i][0] = rename(pathf(p, sizeof(p), "/data/same/src%02d", i), "/data/same/dst") ? -errno : 0;
	return 0;
}

static int same_excl(int i)
{
	int fd = open("/data/same/excl", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return sh->rc[i][0] = -errno;
	sh->rc[i][0] = write(fd, "winner\n", 7) == 7 ? 0 : -EIO;
	close(fd);
	return 0;
}

static int same_rmdir(int i)
{
	sh->rc[i][0] = rmdir("/data/same/rmme") ? -errno : 0;
	return 0;
}

/* mkdir -p /data/same/deep/a/b/c/d/e/f/g (deep and a are lower dirs) */
static int same_mkdirp(int i)
{
	static const char *const comp[NCOMP] = { "deep", "a", "b", "c", "d", "e", "f", "g" };
	char p[128] = "/data/same";
	for (int c = 0; c < NCOMP; c++) {
		strcat(strcat(p, "/"), comp[c]);
		sh->rc[i][c] = mkdir(p, 0755) ? -errno : 0;
	}
	return 0;
}

/* run_same: N children run FN at once (a barrier); the results in sh->rc. */
static void run_same(int (*fn)(int))
{
	int barrier[2];
	pid_t pid[MAXN];
	memset(sh->rc, 0x7f, sizeof(sh->rc));
	if (pipe2(barrier, O_CLOEXEC)) {
		err("pipe", "", errno);
		exit(1);
	}
	for (int i = 0; i < nsame; i++)
		pid[i] = start(barrier, fn, i);
	close(barrier[0]);
	close(barrier[1]);
	for (int i = 0; i < nsame; i++)
		reap(pid[i], "racing process");
}

/* expect_one: of the N results in column C, exactly one is 0 and the
 * others are -E (WHAT names the race); ONE says whether one must win. */
static int expect_one(const char *what, int c, bool one, int e)
{
	int wins = 0, bad = 0;
	for (int i = 0; i < nsame; i++) {
		int rc = sh->rc[i][c];
		if (rc == 0)
			wins++;
		else if (rc != -e) {
			errf("%s: process %d: %s (%s), expected %s", what, i,
			     rc < 0 ? strerrorname_np(-rc) : "?", rc < 0 ? strerror(-rc) : "no result",
			     one ? "success or the loser's errno" : "its errno");
			bad = 1;
		}
	}
	if (wins != (one ? 1 : 0)) {
		errf("%s: %d processes succeeded, expected %d", what, wins, one ? 1 : 0);
		bad = 1;
	}
	return bad;
}

/* expect_all: every result of column 0 is 0. */
static int expect_all(const char *what)
{
	int bad = 0;
	for (int i = 0; i < nsame; i++)
		if (sh->rc[i][0]) {
			int rc = sh->rc[i][0];
			errf("%s: process %d: %s (%s)", what, i, rc < 0 ? strerrorname_np(-rc) : "?",
			     rc < 0 ? strerror(-rc) : "no result");
			bad = 1;
		}
	return bad;
}

static int expect_state(const char *path, enum wtype type, unsigned seed, size_t size, unsigned mode)
{
	struct want w = { .type = (unsigned char)type, .seed = seed, .size = (unsigned)size, .mode = mode };
	snprintf(w.path, sizeof(w.path), "%s", path);
	return check_want(&w, "after the race");
}

static int same(int n)
{
	char p[64];
	int bad = 0;
	nsame = n;
	run_same(same_append);
	bad |= expect_all("append to one lower file") | lines_check("/data/same/log", "append", n);
	run_same(same_copyup);
	bad |= expect_all("copy-up of one 4 MiB lower file by chmod and open O_RDWR, read back") |
	       expect_state("/data/same/big", W_FILE, seed_of(K_BIG, 0, 0), BIGSIZE, 0600);
	run_same(same_unlink);
	bad |= expect_one("unlink of one lower file", 0, true, ENOENT) |
	       expect_state("/data/same/victim", W_ABSENT, 0, 0, 0);
	run_same(same_rename);
	bad |= expect_one("rename of one lower file to one name", 0, true, ENOENT) |
	       expect_state("/data/same/mover", W_ABSENT, 0, 0, 0) |
	       expect_state("/data/same/moved", W_FILE, seed_of(K_MOVER, 0, 0), size_of(K_MOVER, 0, 0), 0644);
	run_same(same_rename_over);
	bad |= expect_all("rename of lower files over one name") |
	       expect_state("/data/same/dst", W_FILE, seed_of(K_SRC, 0, 0), size_of(K_SRC, 0, 0), 0644);
	for (int i = 0; i < n; i++)
		bad |= expect_state(pathf(p, sizeof(p), "/data/same/src%02d", i), W_ABSENT, 0, 0, 0);
	run_same(same_excl);
	bad |= expect_one("O_CREAT|O_EXCL of one new name", 0, true, EEXIST);
	run_same(same_rmdir);
	bad |= expect_one("rmdir of one lower dir", 0, true, ENOENT) |
	       expect_state("/data/same/rmme", W_ABSENT, 0, 0, 0);
	run_same(same_mkdirp);
	for (int c = 0; c < NCOMP; c++)
		bad |= expect_one(pathf(p, sizeof(p), "mkdir of path component %d", c), c, c >= 2, EEXIST);
	bad |= expect_state("/data/same/deep/a/b/c/d/e/f/g", W_DIR, 0, 0, 0755) |
	       expect_state("/data/same/keep", W_FILE, seed_of(K_SENT, 99, 0), size_of(K_SENT, 99, 0), 0644);
	if (bad || sh->errors)
		return 1;
	printf("same: %d processes on one file, name and path: append, copy-up, unlink, rename, "
	       "rename over, O_EXCL, rmdir, mkdir -p as expected\n", n);
	return 0;
}

/* ---------------------------------------------------------------- main */
static int usage(void)
{
	fputs("usage: racer setup ROOT W G | race W G | same N | lines FILE PREFIX N\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		sh = NULL;
		return err("mmap", "shared state", errno), 1;
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "setup") && argc == 5) {
		nworkers = atoi(argv[3]);
		int ng = atoi(argv[4]);
		return nworkers < 1 || nworkers > MAXW || ng < 1 || ng > 99 ? usage() : setup(argv[2], nworkers, ng);
	}
	if (!strcmp(argv[1], "race") && argc == 4) {
		nworkers = atoi(argv[2]);
		int ng = atoi(argv[3]);
		return nworkers < 1 || nworkers > MAXW || ng < 1 || ng > 99 ? usage() : race(nworkers, ng);
	}
	if (!strcmp(argv[1], "same") && argc == 3) {
		int n = atoi(argv[2]);
		return n < 2 || n > MAXN ? usage() : same(n);
	}
	if (!strcmp(argv[1], "lines") && argc == 5) {
		int n = atoi(argv[4]);
		return n < 1 || n > MAXN ? usage() : lines_check(argv[2], argv[3], n);
	}
	return usage();
}
