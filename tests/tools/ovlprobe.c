/* ovlprobe: a small multi-tool installed in the test image (see
 * scripts/make-image.sh).  It is linked dynamically against an ELF
 * interpreter that exists only inside the image (/opt/ovl-ld/ld.so), so
 * running it at all proves that execve took PT_INTERP from the overlay.
 * The subcommands cover what busybox cannot do: xattrs, fd-based metadata
 * calls, directory-fd ".." walks, running as another uid.
 *
 * Output is deterministic (no inode numbers, no times, no pids).
 * Errors: "ovlprobe: OP ARG: strerror" on stderr, exit status 1.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <poll.h>
#include <sys/wait.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <termios.h>
#include <unistd.h>

static int fail(const char *op, const char *arg)
{
	fprintf(stderr, "ovlprobe: %s %s: %s\n", op, arg, strerror(errno));
	return 1;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Print the sorted names of the directory open at fd (without . and ..). */
static int list_fd(int fd, const char *what)
{
	int dup_fd = dup(fd);
	if (dup_fd < 0)
		return fail("dup", what);
	DIR *d = fdopendir(dup_fd);
	if (!d)
		return fail("fdopendir", what);
	rewinddir(d);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				return fail("realloc", what);
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmpstr);
	for (size_t i = 0; i < n; i++) {
		printf("%s\n", names[i]);
		free(names[i]);
	}
	free(names);
	return 0;
}

/* threads-fs: a second thread changes the process's cwd or umask between
 * the first thread's calls (each step waits for the other: no race). */
struct fs_step {
	const char *dir;                /* chdir there, or */
	mode_t umask;                   /* umask this */
};

static void *fs_changer(void *arg)
{
	struct fs_step *st = arg;
	if (st->dir && chdir(st->dir))
		return (void *)(intptr_t)errno;
	if (!st->dir)
		umask(st->umask);
	return NULL;
}

static int fs_in_thread(const char *dir, mode_t mask)
{
	struct fs_step st = { dir, mask };
	pthread_t t;
	void *rv;
	if (pthread_create(&t, NULL, fs_changer, &st) || pthread_join(t, &rv))
		return fail("pthread", dir ? dir : "umask");
	if (rv)
		return errno = (int)(intptr_t)rv, fail("chdir", dir);
	return 0;
}

/* Which of A/name and B/name the relative "name" is (by inode). */
static const char *which(const char *a, const char *b)
{
	struct stat sa, sb, s;
	char pa[PATH_MAX], pb[PATH_MAX];
	snprintf(pa, sizeof(pa), "%s/name", a);
	snprintf(pb, sizeof(pb), "%s/name", b);
	if (stat("name", &s) || stat(pa, &sa) || stat(pb, &sb))
		return "?";
	return s.st_ino == sa.st_ino ? "A" : s.st_ino == sb.st_ino ? "B" : "other";
}

/* The race: the second thread chdirs back and forth, each time when told,
 * while the first one stats "name" relative to the cwd without pause; once
 * the chdir is done, the first one's next stat must see it. */
struct fs_race {
	const char *a, *b;
	int rounds;
	_Atomic int step;               /* 2i: go for round i; 2i+1: its chdir is done */
};

static void *fs_racer(void *arg)
{
	struct fs_race *fr = arg;
	for (int i = 0; i < fr->rounds; i++) {
		while (atomic_load(&fr->step) != 2 * i)
			sched_yield();
		if (chdir(i % 2 ? fr->a : fr->b))
			return (void *)(intptr_t)errno;
		atomic_store(&fr->step, 2 * i + 1);
	}
	return NULL;
}

static int fs_race(const char *a, const char *b, int rounds)
{
	struct fs_race fr = { a, b, rounds, -1 };
	pthread_t t;
	if (chdir(a) || pthread_create(&t, NULL, fs_racer, &fr))
		return fail("race", a);
	int right = 0;
	for (int i = 0; i < rounds; i++) {
		atomic_store(&fr.step, 2 * i);
		struct stat s;
		while (atomic_load(&fr.step) != 2 * i + 1)
			(void)stat("name", &s);
		right += !strcmp(which(a, b), i % 2 ? "A" : "B");
	}
	void *rv;
	pthread_join(t, &rv);
	printf("race: %s\n", right == rounds ? "every stat after a chdir saw it" : "a stale cwd");
	return 0;
}

static int probe_threads_fs(const char *a, const char *b)
{
	if (chdir(a))
		return fail("chdir", a);
	printf("cwd %s\n", which(a, b));
	printf("cwd %s\n", which(a, b));  /* kept from the call before */
	for (int i = 0; i < 3; i++) {
		if (fs_in_thread(i % 2 ? a : b, 0))
			return 1;
		printf("after a thread's chdir: cwd %s\n", which(a, b));
		printf("again: cwd %s\n", which(a, b));
	}
	if (chdir(b))
		return fail("chdir", b);
	printf("after its own chdir: cwd %s\n", which(a, b));
	mode_t masks[] = { 077, 022, 0 };
	for (int i = 0; i < 3; i++) {
		char name[32];
		struct stat s;
		snprintf(name, sizeof(name), "made%d", i);
		if (i && fs_in_thread(NULL, masks[i - 1]))
			return 1;
		int fd = open(name, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
		if (fd < 0 || fstat(fd, &s))
			return fail("create", name);
		close(fd);
		printf("%s: mode %04o\n", name, s.st_mode & 07777);
	}
	return fs_race(a, b, 500);
}

static void usage(void);

/* dnotify DIR MODE CMD...: F_NOTIFY (create, delete, rename, attrib,
 * modify) on DIR with SIGRTMIN (F_SETSIG), one-shot or multishot; closed:
 * multishot, then the fd closed; removed: multishot, then F_NOTIFY 0.
 * Then each CMD run by /bin/sh in a child; after each, whether the signal
 * came and carried the fd (si_fd).  A stat of DIR first lets a relayed
 * native write in. */
static int probe_dnotify(const char *dir, const char *mode, int n, char **cmds)
{
	bool multishot = strcmp(mode, "oneshot");
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fail("open", dir);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (fcntl(fd, F_SETSIG, SIGRTMIN) ||
	    fcntl(fd, F_NOTIFY, DN_CREATE | DN_DELETE | DN_RENAME | DN_ATTRIB | DN_MODIFY |
				(multishot ? DN_MULTISHOT : 0)))
		return fail("fcntl", dir);
	if (!strcmp(mode, "removed") && fcntl(fd, F_NOTIFY, 0))
		return fail("fcntl", dir);
	int dup_fd = dup(fd);  /* (a later fd must not take the closed one's number) */
	if (!strcmp(mode, "closed"))
		close(fd);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			execl("/bin/sh", "sh", "-c", cmds[i], (char *)NULL);
			_exit(127);
		}
		int st;
		struct stat sb;
		waitpid(pid, &st, 0);
		(void)stat(dir, &sb);
		siginfo_t si;
		struct timespec zero = { 0, 0 };
		int got = 0, fd_ok = 0;
		while (sigtimedwait(&set, &si, &zero) == SIGRTMIN) {
			got++;
			fd_ok += si.si_fd == fd;
		}
		printf("%s: %s%s\n", cmds[i], got ? "signal" : "no signal",
		       got ? (fd_ok == got ? ", si_fd is the fd" : ", si_fd is another") : "");
	}
	close(fd);
	close(dup_fd);
	return 0;
}

/* ids MODE A [B]: whether the inode numbers an object reports through its
 * fds, /proc/self/fd links and names agree with the one A had (same or
 * different, never numbers). */
static const char *same_ino(ino_t a, ino_t b)
{
	return a == b ? "same" : "different";
}

static ino_t ino_of_fd(int fd, int how)
{
	struct stat st;
	struct statx sx;
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	switch (how) {
	case 0: return fstat(fd, &st) ? 0 : st.st_ino;
	case 1: return statx(fd, "", AT_EMPTY_PATH, STATX_INO, &sx) ? 0 : (ino_t)sx.stx_ino;
	case 2: return fstatat(fd, "", &st, AT_EMPTY_PATH) ? 0 : st.st_ino;
	default: return stat(p, &st) ? 0 : st.st_ino;
	}
}

static ino_t dino_of(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	const char *name = slash ? slash + 1 : path;
	if (slash)
		*slash = 0;
	DIR *d = opendir(slash ? (dir[0] ? dir : "/") : ".");
	struct dirent *e;
	ino_t ino = 0;
	while (d && (e = readdir(d)))
		if (!strcmp(e->d_name, name))
			ino = e->d_ino;
	if (d)
		closedir(d);
	return ino;
}

static int probe_ids(const char *mode, const char *a, const char *b)
{
	struct stat st;
	if (lstat(a, &st))
		return fail("lstat", a);
	ino_t before = st.st_ino;
	bool opath = !strcmp(mode, "unlinked-opath");
	int fd = open(a, opath ? O_PATH | O_NOFOLLOW : O_RDONLY);
	if (fd < 0)
		return fail("open", a);
	if (!strncmp(mode, "unlinked", 8)) {
		if (unlink(a))
			return fail("unlink", a);
	} else if (!strcmp(mode, "openlink") && b) {
		if (link(a, b) || unlink(a))
			return fail("link/unlink", a);
		if (lstat(b, &st))
			return fail("lstat", b);
		printf("%s: %s\n", b, same_ino(before, st.st_ino));
	} else if (!strncmp(mode, "linkfd-", 7) && b) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		if (!strcmp(mode, "linkfd-empty") ? linkat(fd, "", AT_FDCWD, b, AT_EMPTY_PATH)
						   : linkat(AT_FDCWD, p, AT_FDCWD, b, AT_SYMLINK_FOLLOW))
			return fail("linkat", b);
		if (lstat(b, &st))
			return fail("lstat", b);
		printf("%s: %s, d_ino %s\n", b, same_ino(before, st.st_ino),
		       same_ino(before, dino_of(b)));
	} else {
		return usage(), 2;
	}
	static const char *const how[] = { "fstat", "statx", "fstatat", "/proc/self/fd" };
	for (int i = 0; i < 4; i++)
		if (!(opath && i == 3))
			printf("%s: %s\n", how[i], same_ino(before, ino_of_fd(fd, i)));
	close(fd);
	return 0;
}

static void usage(void)
{
	fputs("usage: ovlprobe hello | exe | getxattr P N | lgetxattr P N | setxattr P N V |\n"
	      "  lsetxattr P N V | listxattr P | removexattr P N | fsetxattr P N V |\n"
	      "  fchmod P MODE | fchown P UID GID | futimens P | setflags P |\n"
	      "  ftruncate P LEN | dotdot N | dirfd-dotdot DIR N PATH |\n"
	      "  cat-at DIR PATH | dirfd-hold DIR NAME [cwd] | rename OLD NEW |\n"
	      "  rename2 OLD NEW noreplace|exchange |\n"
	      "  tmpfile DIR NAME | dino DIR | fstat FD PATH | fstatfs FD... | threads-fs A B |\n"
	      "  ids unlinked|unlinked-opath|openlink|linkfd-empty|linkfd-proc A [B] |\n"
	      "  dnotify DIR oneshot|multishot|closed|removed CMD... |\n"
	      "  reopen-unlinked PATH |\n"
	      "  runas UID GID CMD [ARGS] |\n"
	      "  lock P posix-r|posix-w|ofd-w|flock-s|flock-x MS | lock-reopen P | tiocsti C |\n"
	      "  unix-serve PATH | unix-send PATH MSG |\n"
	      "  inotify [-e EV,EV] [-o] PATH... -- CMD [ARGS] |\n"
	      "  race KIND TRIES SECONDS [direct]   (KIND: open-path open-how open-how-lower\n"
	      "    empty-chown chmod-path fchmod-dup2 setxattr-path truncate-path)\n", stderr);
}

static const struct { uint32_t bit; const char *name; } in_names[] = {
	{ IN_ACCESS, "ACCESS" }, { IN_MODIFY, "MODIFY" }, { IN_ATTRIB, "ATTRIB" },
	{ IN_CLOSE_WRITE, "CLOSE_WRITE" }, { IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" },
	{ IN_OPEN, "OPEN" }, { IN_MOVED_FROM, "MOVED_FROM" }, { IN_MOVED_TO, "MOVED_TO" },
	{ IN_CREATE, "CREATE" }, { IN_DELETE, "DELETE" }, { IN_DELETE_SELF, "DELETE_SELF" },
	{ IN_MOVE_SELF, "MOVE_SELF" }, { IN_UNMOUNT, "UNMOUNT" }, { IN_Q_OVERFLOW, "Q_OVERFLOW" },
	{ IN_IGNORED, "IGNORED" }, { IN_ISDIR, "ISDIR" },
};

static uint32_t in_parse(char *list)
{
	uint32_t m = 0;
	for (char *t = strtok(list, ","); t; t = strtok(NULL, ","))
		for (size_t i = 0; i < sizeof(in_names) / sizeof(in_names[0]); i++)
			if (!strcasecmp(t, in_names[i].name))
				m |= in_names[i].bit;
	return m;
}

/* inotify [-e EV,EV] [-o] PATH... -- CMD: watch each PATH (all events, or
 * those of -e; -o: IN_ONLYDIR), run CMD, then print the events that came,
 * until 300 ms pass without one: "PATH EV,EV [NAME] [mN]" where mN pairs a
 * MOVED_FROM with its MOVED_TO (cookies are numbered as they appear). */
static int probe_inotify(int argc, char **argv)
{
	uint32_t mask = IN_ALL_EVENTS;
	int i = 2;
	for (; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-e") && i + 1 < argc)
			mask = (mask & ~IN_ALL_EVENTS) | in_parse(argv[++i]);
		else if (!strcmp(argv[i], "-o"))
			mask |= IN_ONLYDIR;
		else
			return usage(), 2;
	}
	int ifd = inotify_init1(IN_CLOEXEC);
	if (ifd < 0)
		return fail("inotify_init1", "");
	char *paths[64];
	int wds[64], nw = 0;
	for (; i < argc && strcmp(argv[i], "--") && nw < 64; i++) {
		int wd = inotify_add_watch(ifd, argv[i], mask);
		if (wd < 0) {
			printf("add_watch %s: %s\n", argv[i], strerror(errno));
			continue;
		}
		paths[nw] = argv[i];
		wds[nw++] = wd;
	}
	if (i >= argc - 1)
		return usage(), 2;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execvp(argv[i + 1], argv + i + 1);
		_exit(fail("execvp", argv[i + 1]));
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return fail("run", argv[i + 1]);
	uint32_t cookies[64];
	int ncookies = 0;
	_Alignas(struct inotify_event) char ev[65536];
	struct pollfd p = { .fd = ifd, .events = POLLIN };
	while (poll(&p, 1, 300) > 0) {
		ssize_t n = read(ifd, ev, sizeof(ev));
		if (n <= 0)
			return fail("read", "inotify");
		for (char *q = ev; q < ev + n;) {
			struct inotify_event *e = (struct inotify_event *)q;
			const char *wp = "?";
			for (int k = 0; k < nw; k++)
				if (wds[k] == e->wd)
					wp = paths[k];
			printf("%s ", wp);
			bool first = true;
			for (size_t k = 0; k < sizeof(in_names) / sizeof(in_names[0]); k++)
				if (e->mask & in_names[k].bit) {
					printf("%s%s", first ? "" : ",", in_names[k].name);
					first = false;
				}
			if (e->len)
				printf(" %s", e->name);
			if (e->cookie) {
				int c = 0;
				while (c < ncookies && cookies[c] != e->cookie)
					c++;
				if (c == ncookies && ncookies < 64)
					cookies[ncookies++] = e->cookie;
				printf(" m%d", c);
			}
			putchar('\n');
			q += sizeof(*e) + e->len;
		}
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}


/*
 * race KIND TRIES SECONDS: a sibling thread flips an argument of the main
 * thread's call in a loop, between a benign value and one naming the host
 * file on fd 0 (stdin, opened read-only), until TRIES calls or SECONDS are
 * done.  A supervisor that checks the first value and lets the kernel read
 * the argument again loses: the call then acts on the host file.  Prints
 * "KIND: wins W benign B refused R tries T": W calls changed the host file
 * (the first stops the run), B succeeded on the benign object, R were
 * refused (both > 0: the supervisor saw both values while racing).
 *   open-path      open(P, O_RDWR), P = /dev/null | /proc/self/fd/0
 *   open-how       openat2(/proc/self/fd/0, how), how.flags = O_PATH | O_RDWR
 *   open-how-lower openat2(/etc/hostname, how), how.flags = O_PATH | O_RDWR;
 *                  every writable fd gets "RACE-WIN" (a benign success: the
 *                  test checks whether it reached the lower)
 *   empty-chown    fchownat(F, P, 4321, 4321, AT_EMPTY_PATH), F a new file,
 *                  P = "" | /proc/self/fd/0
 *   chmod-path     chmod(P, 0606), P = /dev/shm/race | /proc/self/fd/0
 *   fchmod-dup2    fchmod(N, 0606), N dup2'ed from /dev/shm/race or fd 0
 *   setxattr-path  setxattr(P, user.race), P = /dev/shm/race | /proc/self/fd/0
 *   truncate-path  truncate(P, 0), P = /dev/shm/race | /proc/self/fd/0
 */
struct race {
	const char *kind;
	char path[2][64];               /* benign, host */
	_Alignas(8) char cur[64];       /* the argument the sibling flips */
	struct open_how how;
	int flags[2];                   /* open-how: benign, bad */
	int fd[2];                      /* fchmod-dup2: benign fd, host fd */
	int target;                     /* fchmod-dup2: the fd number flipped */
	atomic_bool stop;
	struct stat host;               /* fd 0 at the start */
};

static void *race_flipper(void *arg)
{
	struct race *r = arg;
	for (unsigned i = 0; !atomic_load_explicit(&r->stop, memory_order_relaxed); i++) {
		int k = i & 1;
		if (!strcmp(r->kind, "fchmod-dup2"))
			dup2(r->fd[k], r->target);
		else if (!strncmp(r->kind, "open-how", 8))
			*(volatile unsigned long long *)&r->how.flags = (unsigned long long)r->flags[k];
		else
			memcpy((char *)r->cur, r->path[k], sizeof(r->cur));
	}
	return NULL;
}

/* Did the last call change the host file (fd 0)? */
static bool host_changed(struct race *r)
{
	struct stat now;
	char v[8];
	if (fstat(0, &now))
		return false;
	return now.st_mode != r->host.st_mode || now.st_uid != r->host.st_uid ||
	       now.st_size != r->host.st_size || fgetxattr(0, "user.race", v, sizeof(v)) >= 0;
}

/* One call; 1 benign success, 0 refused, 2 a win. */
static int race_call(struct race *r, int file)
{
	const char *k = r->kind;
	int rv;
	if (!strcmp(k, "open-path") || !strncmp(k, "open-how", 8)) {
		int fd = !strcmp(k, "open-path") ? open(r->cur, O_RDWR)
			 : (int)syscall(SYS_openat2, AT_FDCWD, r->path[0], &r->how, sizeof(r->how));
		if (fd < 0)
			return 0;
		struct stat st;
		int fl = fcntl(fd, F_GETFL);
		bool writable = fl >= 0 && !(fl & O_PATH) && (fl & O_ACCMODE) != O_RDONLY;
		bool host = !fstat(fd, &st) && st.st_dev == r->host.st_dev && st.st_ino == r->host.st_ino;
		if (writable && !strcmp(k, "open-how-lower")) {
			/* whether this reached the lower: the test looks there */
			rv = pwrite(fd, "RACE-WIN\n", 9, 0) == 9;
			close(fd);
			return rv;
		}
		if (writable && host && write(fd, "RACE-WIN\n", 9) == 9) {
			close(fd);
			return 2;
		}
		close(fd);
		return 1;
	}
	if (!strcmp(k, "empty-chown"))
		rv = fchownat(file, r->cur, 4321, 4321, AT_EMPTY_PATH);
	else if (!strcmp(k, "chmod-path"))
		rv = chmod(r->cur, 0606);
	else if (!strcmp(k, "fchmod-dup2"))
		rv = fchmod(r->target, 0606);
	else if (!strcmp(k, "setxattr-path"))
		rv = setxattr(r->cur, "user.race", "x", 1, 0);
	else
		rv = truncate(r->cur, 0);
	if (host_changed(r))
		return 2;
	return rv == 0;
}

static int probe_race(int argc, char **argv)
{
	static struct race r;
	if (argc != 5 && (argc != 6 || strcmp(argv[5], "direct")))
		return usage(), 2;
	/* direct: no race, the harmful value from the start (what a race that
	 * wins makes the kernel read; the baseline without a sandbox) */
	bool direct = argc == 6;
	r.kind = argv[2];
	long tries = atol(argv[3]), secs = atol(argv[4]);
	snprintf(r.path[0], sizeof(r.path[0]), "%s", "/dev/shm/race");
	snprintf(r.path[1], sizeof(r.path[1]), "%s", "/proc/self/fd/0");
	int file = -1;
	if (!strcmp(r.kind, "open-path")) {
		snprintf(r.path[0], sizeof(r.path[0]), "%s", "/dev/null");
	} else if (!strncmp(r.kind, "open-how", 8)) {
		snprintf(r.path[0], sizeof(r.path[0]), "%s",
			 strcmp(r.kind, "open-how-lower") ? "/proc/self/fd/0" : "/etc/hostname");
		r.flags[0] = O_PATH;
		r.flags[1] = O_RDWR;
		r.how.flags = O_PATH;
	} else if (!strcmp(r.kind, "empty-chown")) {
		r.path[0][0] = 0;
		file = open("/tmp/race-file", O_RDWR | O_CREAT, 0644);
		if (file < 0)
			return fail("open", "/tmp/race-file");
	} else {
		int fd = open(r.path[0], O_RDWR | O_CREAT, 0644);
		if (fd < 0)
			return fail("open", r.path[0]);
		r.fd[0] = fd;
		r.fd[1] = 0;
		r.target = 100;
		if (dup2(fd, r.target) < 0)
			return fail("dup2", r.path[0]);
	}
	memcpy(r.cur, r.path[direct], sizeof(r.cur));
	if (direct) {
		r.how.flags = (unsigned long long)r.flags[1];
		if (!strcmp(r.kind, "fchmod-dup2") && dup2(r.fd[1], r.target) < 0)
			return fail("dup2", "stdin");
	}
	if (fstat(0, &r.host))
		return fail("fstat", "stdin");
	pthread_t t;
	if (!direct && pthread_create(&t, NULL, race_flipper, &r))
		return fail("pthread_create", r.kind);
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long wins = 0, benign = 0, refused = 0, n = 0;
	for (; n < tries && !wins; n++) {
		int k = race_call(&r, file);
		wins += k == 2;
		benign += k == 1;
		refused += k == 0;
		if (!(n & 255)) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - t0.tv_sec >= secs)
				break;
		}
	}
	atomic_store(&r.stop, true);
	if (!direct)
		pthread_join(t, NULL);
	printf("%s: wins %ld benign %ld refused %ld tries %ld\n", r.kind, wins, benign, refused, n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return 2;
	}
	const char *cmd = argv[1];
	char buf[65536];

	if (!strcmp(cmd, "inotify"))
		return probe_inotify(argc, argv);
	if (!strcmp(cmd, "race"))
		return probe_race(argc, argv);
	if (!strcmp(cmd, "hello")) {
		printf("hello from ovlprobe (dynamic, interpreter %s)\n", "/opt/ovl-ld/ld.so");
		return 0;
	}
	if (!strcmp(cmd, "exe")) {
		/* argv[0], AT_EXECFN, /proc/self/exe, getcwd() */
		ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
		if (n < 0)
			return fail("readlink", "/proc/self/exe");
		buf[n] = 0;
		printf("argv0=%s\n", argv[0]);
		printf("execfn=%s\n", (const char *)getauxval(AT_EXECFN));
		printf("exe=%s\n", buf);
		if (!getcwd(buf, sizeof(buf)))
			return fail("getcwd", ".");
		printf("cwd=%s\n", buf);
		return 0;
	}
	if ((!strcmp(cmd, "getxattr") || !strcmp(cmd, "lgetxattr")) && argc == 4) {
		ssize_t n = cmd[0] == 'l' ? lgetxattr(argv[2], argv[3], buf, sizeof(buf))
					  : getxattr(argv[2], argv[3], buf, sizeof(buf));
		if (n < 0)
			return fail(cmd, argv[2]);
		printf("%s=\"%.*s\"\n", argv[3], (int)n, buf);
		return 0;
	}
	if ((!strcmp(cmd, "setxattr") || !strcmp(cmd, "lsetxattr")) && argc == 5) {
		int r = cmd[0] == 'l' ? lsetxattr(argv[2], argv[3], argv[4], strlen(argv[4]), 0)
				      : setxattr(argv[2], argv[3], argv[4], strlen(argv[4]), 0);
		if (r < 0)
			return fail(cmd, argv[2]);
		return 0;
	}
	if (!strcmp(cmd, "removexattr") && argc == 4) {
		if (removexattr(argv[2], argv[3]) < 0)
			return fail(cmd, argv[2]);
		return 0;
	}
	if (!strcmp(cmd, "listxattr") && argc == 3) {
		ssize_t n = llistxattr(argv[2], buf, sizeof(buf));
		if (n < 0)
			return fail(cmd, argv[2]);
		char *names[1024];
		size_t k = 0;
		for (char *p = buf; p < buf + n && k < 1024; p += strlen(p) + 1)
			names[k++] = p;
		qsort(names, k, sizeof(*names), cmpstr);
		for (size_t i = 0; i < k; i++)
			printf("%s\n", names[i]);
		return 0;
	}
	if (!strcmp(cmd, "fsetxattr") && argc == 5) {
		int fd = open(argv[2], O_RDONLY);
		if (fd < 0)
			return fail("open", argv[2]);
		if (fsetxattr(fd, argv[3], argv[4], strlen(argv[4]), 0) < 0)
			return fail(cmd, argv[2]);
		return 0;
	}
	if (!strcmp(cmd, "fchmod") && argc == 4) {
		int fd = open(argv[2], O_RDONLY);
		if (fd < 0)
			return fail("open", argv[2]);
		if (fchmod(fd, (mode_t)strtoul(argv[3], NULL, 8)) < 0)
			return fail(cmd, argv[2]);
		return 0;
	}
	if (!strcmp(cmd, "fchown") && argc == 5) {
		int fd = open(argv[2], O_RDONLY);
		if (fd < 0)
			return fail("open", argv[2]);
		if (fchown(fd, (uid_t)atoi(argv[3]), (gid_t)atoi(argv[4])) < 0)
			return fail(cmd, argv[2]);
		return 0;
	}
	if (!strcmp(cmd, "futimens") && argc == 3) {
		int fd = open(argv[2], O_RDONLY);
		if (fd < 0)
			return fail("open", argv[2]);
		struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
		if (futimens(fd, ts) < 0)
			return fail(cmd, argv[2]);
		return 0;
	}
	if (!strcmp(cmd, "setflags") && argc == 3) {
		/* FS_NOATIME_FL: harmless, but visible in the lower's dump (-F). */
		int fd = open(argv[2], O_RDONLY);
		if (fd < 0)
			return fail("open", argv[2]);
		int flags = 0;
		if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
			return fail("FS_IOC_GETFLAGS", argv[2]);
		flags |= FS_NOATIME_FL;
		if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0)
			return fail("FS_IOC_SETFLAGS", argv[2]);
		return 0;
	}
	if (!strcmp(cmd, "ftruncate") && argc == 4) {
		int fd = open(argv[2], O_RDONLY);
		if (fd < 0)
			return fail("open", argv[2]);
		if (ftruncate(fd, atol(argv[3])) < 0)
			return fail(cmd, argv[2]);
		return 0;
	}
	if (!strcmp(cmd, "dotdot") && argc == 3) {
		/* Open "/", then walk ".." N times through directory fds;
		 * fchdir there and print getcwd() and the listing. */
		int fd = open("/", O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			return fail("open", "/");
		for (int i = 0; i < atoi(argv[2]); i++) {
			int nfd = openat(fd, "..", O_RDONLY | O_DIRECTORY);
			if (nfd < 0)
				return fail("openat", "..");
			close(fd);
			fd = nfd;
		}
		if (fchdir(fd) < 0)
			return fail("fchdir", "..");
		if (!getcwd(buf, sizeof(buf)))
			return fail("getcwd", "..");
		printf("cwd=%s\n", buf);
		return list_fd(fd, "..");
	}
	if (!strcmp(cmd, "dirfd-dotdot") && argc == 5) {
		/* Keep a dir fd of DIR open, chdir("/"), then openat(fd, "..")
		 * N times and finally read PATH relative to the result. */
		int fd = open(argv[2], O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			return fail("open", argv[2]);
		if (chdir("/") < 0)
			return fail("chdir", "/");
		for (int i = 0; i < atoi(argv[3]); i++) {
			int nfd = openat(fd, "..", O_RDONLY | O_DIRECTORY);
			if (nfd < 0)
				return fail("openat", "..");
			close(fd);
			fd = nfd;
		}
		int f = openat(fd, argv[4], O_RDONLY);
		if (f < 0)
			return fail("openat", argv[4]);
		ssize_t n;
		while ((n = read(f, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, (size_t)n, stdout);
		return 0;
	}
	if (!strcmp(cmd, "dirfd-hold") && (argc == 4 || (argc == 5 && !strcmp(argv[4], "cwd")))) {
		/* Use a dir fd of DIR (with "cwd": DIR as the cwd) for NAME
		 * twice, say "ready", wait for a line on stdin (meanwhile the
		 * dir may move), then chmod NAME 0600 through the fd and print
		 * its mode. */
		int fd = argc == 5 ? AT_FDCWD : open(argv[2], O_RDONLY | O_DIRECTORY);
		if (argc == 5 && chdir(argv[2]))
			return fail("chdir", argv[2]);
		if (argc == 4 && fd < 0)
			return fail("open", argv[2]);
		struct stat st;
		for (int i = 0; i < 2; i++)
			if (fstatat(fd, argv[3], &st, AT_SYMLINK_NOFOLLOW))
				return fail("fstatat", argv[3]);
		printf("ready\n");
		fflush(stdout);
		if (!fgets(buf, sizeof(buf), stdin))
			return fail("read", "stdin");
		if (fchmodat(fd, argv[3], 0600, 0))
			return fail("fchmodat", argv[3]);
		if (fstatat(fd, argv[3], &st, AT_SYMLINK_NOFOLLOW))
			return fail("fstatat", argv[3]);
		printf("mode %o\n", (unsigned)(st.st_mode & 07777));
		return 0;
	}
	if (!strcmp(cmd, "cat-at") && argc == 4) {
		int fd = open(argv[2], O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			return fail("open", argv[2]);
		int f = openat(fd, argv[3], O_RDONLY);
		if (f < 0)
			return fail("openat", argv[3]);
		ssize_t n;
		while ((n = read(f, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, (size_t)n, stdout);
		return 0;
	}
	if (!strcmp(cmd, "reopen-unlinked") && argc == 3) {
		/* O_PATH fd of PATH, PATH unlinked, the fd reopened read-write
		 * through /proc/self/fd: "opened" or the errno's text. */
		char self[64];
		int p = open(argv[2], O_PATH | O_CLOEXEC);
		if (p < 0)
			return fail("open", argv[2]);
		if (unlink(argv[2]))
			return fail("unlink", argv[2]);
		snprintf(self, sizeof(self), "/proc/self/fd/%d", p);
		int fd = open(self, O_RDWR | O_CLOEXEC);
		printf("%s\n", fd >= 0 ? "opened" : strerror(errno));
		return 0;
	}
	if (!strcmp(cmd, "fstatfs") && argc >= 3) {
		/* Which filesystem fstatfs of each inherited fd says it is on:
		 * the overlay, or another one (no numbers). */
		for (int i = 2; i < argc; i++) {
			struct statfs sf;
			if (fstatfs(atoi(argv[i]), &sf))
				return fail("fstatfs", argv[i]);
			printf("fd %s: %s\n", argv[i],
			       sf.f_type == 0x794c7630 ? "overlay" : "another filesystem");
		}
		return 0;
	}
	if (!strcmp(cmd, "threads-fs") && argc == 4)
		return probe_threads_fs(argv[2], argv[3]);
	if (!strcmp(cmd, "fstat") && argc == 4) {
		/* What fstat and statx (AT_EMPTY_PATH) of an inherited fd say,
		 * whether they agree, and whether it is the object PATH names
		 * now: relations and modes, never numbers that vary. */
		int fd = atoi(argv[2]);
		struct stat st, now;
		struct statx stx;
		if (fstat(fd, &st))
			return fail("fstat", argv[2]);
		if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx))
			return fail("statx", argv[2]);
		bool agree = stx.stx_ino == st.st_ino && stx.stx_size == (uint64_t)st.st_size &&
			     stx.stx_nlink == st.st_nlink && stx.stx_mode == st.st_mode &&
			     makedev(stx.stx_dev_major, stx.stx_dev_minor) == st.st_dev;
		const char *rel = lstat(argv[3], &now) ? "gone"
				: now.st_dev == st.st_dev && now.st_ino == st.st_ino ? "same object"
				: "another object";
		printf("fd %d: %s size=%lld nlink=%lu mode=%04o; statx %s; %s: %s\n", fd,
		       S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ? "file" : "other",
		       S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size, (unsigned long)st.st_nlink,
		       st.st_mode & 07777, agree ? "agrees" : "disagrees", argv[3], rel);
		return 0;
	}
	if (!strcmp(cmd, "dnotify") && argc >= 5)
		return probe_dnotify(argv[2], argv[3], argc - 4, argv + 4);
	if (!strcmp(cmd, "ids") && argc >= 4)
		return probe_ids(argv[2], argv[3], argc > 4 ? argv[4] : NULL);
	if (!strcmp(cmd, "dino") && argc == 3) {
		/* For each entry of DIR (sorted): does getdents' d_ino equal
		 * lstat's st_ino?  Prints relations only, never numbers. */
		DIR *d = opendir(argv[2]);
		if (!d)
			return fail("opendir", argv[2]);
		char *lines[4096];
		size_t n = 0;
		struct dirent *e;
		while ((e = readdir(d)) && n < 4096) {
			if (!strcmp(e->d_name, ".."))
				continue; /* ".." of a dir may be above a mount */
			struct stat st;
			if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				return fail("fstatat", e->d_name);
			char *l;
			if (asprintf(&l, "%s: d_ino %s st_ino", e->d_name,
				     e->d_ino == st.st_ino ? "==" : "!=") < 0)
				return fail("asprintf", e->d_name);
			lines[n++] = l;
		}
		closedir(d);
		qsort(lines, n, sizeof(*lines), cmpstr);
		for (size_t i = 0; i < n; i++)
			printf("%s\n", lines[i]);
		return 0;
	}
	if (!strcmp(cmd, "rename") && argc == 4) {
		/* rename(2) itself, without mv's EXDEV fallback */
		if (rename(argv[2], argv[3]) < 0)
			return fail(cmd, argv[2]);
		return 0;
	}
	if (!strcmp(cmd, "rename2") && argc == 5) {
		unsigned flags = !strcmp(argv[4], "noreplace") ? RENAME_NOREPLACE
			       : !strcmp(argv[4], "exchange") ? RENAME_EXCHANGE : 0;
		if (renameat2(AT_FDCWD, argv[2], AT_FDCWD, argv[3], flags) < 0)
			return fail(cmd, argv[2]);
		return 0;
	}
	if (!strcmp(cmd, "tmpfile") && argc == 4) {
		/* O_TMPFILE in DIR, write, then link it as NAME */
		int fd = open(argv[2], O_TMPFILE | O_RDWR, 0640);
		if (fd < 0)
			return fail("open O_TMPFILE", argv[2]);
		if (write(fd, "tmpfile\n", 8) != 8)
			return fail("write", argv[2]);
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, argv[3], AT_SYMLINK_FOLLOW) < 0)
			return fail("linkat", argv[3]);
		return 0;
	}
	if ((!strcmp(cmd, "unix-serve") || !strcmp(cmd, "unix-send")) && argc >= 3) {
		/* unix-serve PATH: bind, listen, print the first line received;
		 * unix-send PATH MSG: connect and send MSG */
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[2]);
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (s < 0)
			return fail("socket", argv[2]);
		if (!strcmp(cmd, "unix-send")) {
			if (argc != 4)
				return usage(), 2;
			if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) < 0)
				return fail("connect", argv[2]);
			if (write(s, argv[3], strlen(argv[3])) < 0)
				return fail("write", argv[2]);
			return 0;
		}
		if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(s, 1) < 0)
			return fail("bind", argv[2]);
		printf("listening\n");
		fflush(stdout);
		int c = accept(s, NULL, NULL);
		if (c < 0)
			return fail("accept", argv[2]);
		char buf[256];
		ssize_t n = read(c, buf, sizeof(buf) - 1);
		if (n < 0)
			return fail("read", argv[2]);
		buf[n] = 0;
		printf("got %s\n", buf);
		return 0;
	}
	if (!strcmp(cmd, "tiocsti") && argc == 3) {
		/* push one byte into the input of the terminal on fd 0 */
		char c = argv[2][0];
		if (ioctl(0, TIOCSTI, &c) < 0)
			return fail("ioctl TIOCSTI", "stdin");
		puts("injected");
		return 0;
	}
	if (!strcmp(cmd, "lock-reopen") && argc == 3) {
		/* Create PATH, flock and OFD-lock it, close it; open it again
		 * and take both without waiting: exit 1 if either is refused. */
		int bad = 0;
		for (int pass = 0; pass < 2; pass++) {
			int fd = open(argv[2], pass ? O_RDWR : O_RDWR | O_CREAT | O_TRUNC, 0644);
			if (fd < 0)
				return fail("open", argv[2]);
			struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 1 };
			if (flock(fd, LOCK_EX | LOCK_NB) || fcntl(fd, F_OFD_SETLK, &fl)) {
				if (!pass || (errno != EAGAIN && errno != EWOULDBLOCK))
					return fail("lock", argv[2]);
				bad = 1;
			}
			close(fd);
		}
		return bad;
	}
	if (!strcmp(cmd, "lock") && argc == 5) {
		/* lock PATH KIND MS: try a lock without waiting, print locked or
		 * busy, hold it MS milliseconds, or until stdin ends for "stdin".
		 * KIND: posix-r posix-w ofd-w flock-s flock-x (the write kinds
		 * open the file read-write). */
		const char *k = argv[3];
		bool wr = !strcmp(k, "posix-w") || !strcmp(k, "ofd-w");
		int fd = open(argv[2], wr ? O_RDWR : O_RDONLY);
		if (fd < 0)
			return fail("open", argv[2]);
		int rc;
		if (!strncmp(k, "flock", 5)) {
			rc = flock(fd, (!strcmp(k, "flock-x") ? LOCK_EX : LOCK_SH) | LOCK_NB);
		} else {
			struct flock fl = { .l_type = wr ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET };
			rc = fcntl(fd, !strcmp(k, "ofd-w") ? F_OFD_SETLK : F_SETLK, &fl);
		}
		if (rc < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EACCES)
			return fail("lock", argv[2]);
		printf("%s\n", rc < 0 ? "busy" : "locked");
		fflush(stdout);
		if (!strcmp(argv[4], "stdin")) {
			char b[64];
			while (read(0, b, sizeof(b)) > 0)
				;
		} else {
			usleep((useconds_t)atoi(argv[4]) * 1000);
		}
		return 0;
	}
	if (!strcmp(cmd, "runas") && argc >= 5) {
		gid_t g = (gid_t)atoi(argv[3]);
		if (setgroups(1, &g) < 0)
			return fail("setgroups", argv[3]);
		if (setresgid(g, g, g) < 0)
			return fail("setresgid", argv[3]);
		uid_t u = (uid_t)atoi(argv[2]);
		if (setresuid(u, u, u) < 0)
			return fail("setresuid", argv[2]);
		execvp(argv[4], argv + 4);
		return fail("execvp", argv[4]);
	}
	usage();
	return 2;
}
