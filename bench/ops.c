// ops.c — the benchmark's probe, linked statically and run inside each
// environment (so it needs nothing from the environment's root):
//
//   ops all N DIR     per-op microbenchmarks over DIR (file, link, dir100/,
//                     w/ as bench/run.sh makes them): one "NAME NS" line per
//                     op, NS the mean nanoseconds of one op over N loops
//   ops only OPS N DIR   the same for a comma-separated subset of the ops
//   ops time CMD...   run CMD with stdout on /dev/null and print its wall
//                     time in ns ("fail STATUS" if it did not exit 0); timing
//                     inside the environment leaves its start-up out
//   ops noop          exit 0 (the target of the execve op)
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct ctx {
	const char *dir;
	const char *self;   // absolute path of this binary, for execve
	char path[4096];
};

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static const char *at(struct ctx *c, const char *name)
{
	snprintf(c->path, sizeof(c->path), "%s/%s", c->dir, name);
	return c->path;
}

static void die(const char *op, const char *path)
{
	fprintf(stderr, "ops: %s %s: %s\n", op, path, strerror(errno));
	exit(1);
}

static void op_stat(struct ctx *c, long n)
{
	const char *p = at(c, "file");
	struct stat st;
	for (long i = 0; i < n; i++)
		if (stat(p, &st) != 0) die("stat", p);
}

static void op_open(struct ctx *c, long n)
{
	const char *p = at(c, "file");
	for (long i = 0; i < n; i++) {
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0) die("open", p);
		close(fd);
	}
}

static void op_readlink(struct ctx *c, long n)
{
	const char *p = at(c, "link");
	char buf[256];
	for (long i = 0; i < n; i++)
		if (readlink(p, buf, sizeof(buf)) < 0) die("readlink", p);
}

// open + getdents64 to the end + close: what a directory listing costs.
static void op_getdents(struct ctx *c, long n)
{
	const char *p = at(c, "dir100");
	char buf[32768];
	for (long i = 0; i < n; i++) {
		int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) die("open", p);
		long r, entries = 0;
		while ((r = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
			entries += r;
		if (r < 0) die("getdents64", p);
		if (entries == 0) { errno = ENOENT; die("getdents64 (empty)", p); }
		close(fd);
	}
}

static void op_mkdir(struct ctx *c, long n)
{
	const char *p = at(c, "w/d");
	for (long i = 0; i < n; i++) {
		if (mkdir(p, 0755) != 0) die("mkdir", p);
		if (rmdir(p) != 0) die("rmdir", p);
	}
}

static void op_creat(struct ctx *c, long n)
{
	const char *p = at(c, "w/f");
	for (long i = 0; i < n; i++) {
		int fd = creat(p, 0644);
		if (fd < 0) die("creat", p);
		close(fd);
		if (unlink(p) != 0) die("unlink", p);
	}
}

// fork + execve of this static binary + wait: a process start.
static void op_exec(struct ctx *c, long n)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) die("fork", "");
		if (pid == 0) {
			char *argv[] = { "ops", "noop", NULL };
			execv(c->self, argv);
			_exit(127);
		}
		int st;
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			errno = ECHILD;
			die("execve", c->self);
		}
	}
}

static const struct {
	const char *name;
	void (*fn)(struct ctx *, long);
	int div;    // loops = N / div: the slow ops run fewer times
} ops[] = {
	{ "stat", op_stat, 1 },         { "open", op_open, 1 },
	{ "readlink", op_readlink, 1 }, { "getdents", op_getdents, 10 },
	{ "mkdir", op_mkdir, 10 },      { "creat", op_creat, 10 },
	{ "exec", op_exec, 100 },
};

static int selected(const char *list, const char *name)
{
	if (!list) return 1;
	size_t len = strlen(name);
	for (const char *p = list; *p;) {
		const char *e = strchrnul(p, ',');
		if ((size_t)(e - p) == len && strncmp(p, name, len) == 0) return 1;
		p = *e ? e + 1 : e;
	}
	return 0;
}

static int run_ops(const char *list, long n, const char *dir, const char *self)
{
	struct ctx c = { .dir = dir, .self = self };
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (!selected(list, ops[i].name)) continue;
		long loops = n / ops[i].div > 0 ? n / ops[i].div : 1;
		ops[i].fn(&c, loops / 10 + 1);   // warm caches first
		long long t0 = now_ns();
		ops[i].fn(&c, loops);
		printf("%s %lld\n", ops[i].name, (now_ns() - t0) / loops);
		fflush(stdout);
	}
	return 0;
}

static int run_timed(char **argv)
{
	long long t0 = now_ns();
	pid_t pid = fork();
	if (pid < 0) die("fork", argv[0]);
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) dup2(fd, 1);
		execvp(argv[0], argv);
		fprintf(stderr, "ops: execvp %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0) die("waitpid", argv[0]);
	long long dt = now_ns() - t0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		printf("fail %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		return 1;
	}
	printf("%lld\n", dt);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "noop") == 0) return 0;
	if (argc >= 3 && strcmp(argv[1], "time") == 0) return run_timed(argv + 2);
	if (argc == 4 && strcmp(argv[1], "all") == 0)
		return run_ops(NULL, atol(argv[2]), argv[3], argv[0]);
	if (argc == 5 && strcmp(argv[1], "only") == 0)
		return run_ops(argv[2], atol(argv[3]), argv[4], argv[0]);
	fprintf(stderr, "usage: ops all N DIR | ops only OP,OP N DIR | ops time CMD... | ops noop\n");
	return 2;
}
