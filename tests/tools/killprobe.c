/* killprobe: SIGKILL an ovlrun supervisor at a chosen point of a copy-up and
 * report, from evidence, whether the kill landed while a copy-up was in
 * progress (tests/integration/t_copyup_atomic.sh).
 *
 *   killprobe PID spawn           kill once the supervisor has a child
 *   killprobe PID copy PCT SIZE   kill once a copy-up temp file holds
 *                                 >= PCT% of SIZE bytes
 *   killprobe PID linked PATH     kill once PATH exists (copy complete)
 *
 * The supervisor is stopped (SIGSTOP, every thread) before it is judged and
 * then killed while stopped, so what is seen is exactly what the kill
 * interrupts.  "Mid-copy" means: the stopped supervisor holds an fd of a
 * copy-up temp object not yet under its final name, an O_TMPFILE in the
 * upper ("/#INO (deleted)" with no link) or a "#ovl.*" temp of the work dir.
 * Every process below the supervisor must be gone within 10 s of the kill.
 *
 * Output, one line:  "killed midcopy=0|1 survivors=N [tmp=SIZE]" or
 * "exited" (the supervisor ended before the kill).  Status 2 on errors.
 * Polls /proc every 100 us (the copy-up of tens of MiB takes milliseconds),
 * gives up waiting after 20 s and kills anyway.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_DESC 256

static int die(const char *what, const char *arg)
{
	fprintf(stderr, "killprobe: %s %s: %s\n", what, arg, strerror(errno));
	exit(2);
}

static int pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pause_poll(void)
{
	struct timespec ts = { 0, 100000 };
	nanosleep(&ts, NULL);
}

/* State letter of /proc/PID/task/TID/stat ('?' if gone). */
static char task_state(pid_t pid, const char *tid)
{
	char path[320], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid, tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return '?';
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* Every thread stopped (T/t) or gone/dead (?, Z, X). */
static bool all_stopped(pid_t pid, bool *dead)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	*dead = !d;
	if (!d)
		return true;
	bool stopped = true, any_alive = false;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char s = task_state(pid, e->d_name);
		if (s != '?' && s != 'Z' && s != 'X')
			any_alive = true;
		if (s != 'T' && s != 't' && s != '?' && s != 'Z' && s != 'X')
			stopped = false;
	}
	closedir(d);
	*dead = !any_alive;
	return stopped;
}

/* Largest copy-up temp object the process holds open: its size, or -1. */
static long long tmp_fd_size(pid_t pid)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	long long best = -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		char link[PATH_MAX + 64], target[PATH_MAX];
		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = 0;
		const char *base = strrchr(target, '/');
		base = base ? base + 1 : target;
		bool tmpfile = base[0] == '#' && strstr(base, " (deleted)");
		bool worktmp = !strncmp(base, "#ovl.", 5);
		struct stat st;
		if ((!tmpfile && !worktmp) || stat(link, &st))
			continue;
		/* an O_TMPFILE already linked in is under its final name */
		if (tmpfile && st.st_nlink != 0)
			continue;
		if ((long long)st.st_size > best)
			best = st.st_size;
	}
	closedir(d);
	return best;
}

/* Append the descendants of pid to pids[] (pidfds in fds[]). */
static void descendants(pid_t pid, int fds[], int *n)
{
	char path[96];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char cpath[320];
		snprintf(cpath, sizeof(cpath), "/proc/%d/task/%s/children", (int)pid, e->d_name);
		FILE *f = fopen(cpath, "re");
		if (!f)
			continue;
		int c;
		while (*n < MAX_DESC && fscanf(f, "%d", &c) == 1) {
			int fd = pidfd_open(c);
			if (fd < 0)
				continue;
			fds[(*n)++] = fd;
			descendants(c, fds, n);
		}
		fclose(f);
	}
	closedir(d);
}

static bool has_child(pid_t pid)
{
	char path[96];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	int c;
	bool yes = fscanf(f, "%d", &c) == 1;
	fclose(f);
	return yes;
}

/* Processes of fds[] still running 10 s after the kill. */
static int survivors(int fds[], int n)
{
	double end = now() + 10;
	int alive = n;
	struct pollfd p[MAX_DESC];
	for (int i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	while (alive > 0) {
		int left = (int)((end - now()) * 1000);
		if (left <= 0 || poll(p, (nfds_t)n, left) <= 0)
			break;
		alive = 0;
		for (int i = 0; i < n; i++) {
			if (p[i].revents)
				p[i].fd = -1;   /* exited: poll ignores it from now on */
			else if (p[i].fd >= 0)
				alive++;
		}
	}
	return alive;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return fprintf(stderr, "usage: killprobe PID spawn|copy PCT SIZE|linked PATH\n"), 2;
	pid_t pid = atoi(argv[1]);
	const char *mode = argv[2];
	long long want = 0;
	const char *path = NULL;
	if (!strcmp(mode, "copy") && argc == 5)
		want = atoll(argv[4]) / 100 * atoll(argv[3]);
	else if (!strcmp(mode, "linked") && argc == 4)
		path = argv[3];
	else if (strcmp(mode, "spawn") || argc != 3)
		return fprintf(stderr, "killprobe: bad arguments\n"), 2;
	int pidfd = pidfd_open(pid);
	if (pidfd < 0)
		die("pidfd_open", argv[1]);

	/* Wait for the kill point (or the end of the supervisor). */
	double end = now() + 20;
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	for (;;) {
		if (poll(&p, 1, 0) != 0 || now() > end)
			break;          /* (readable: it exited) */
		if (mode[0] == 's' && has_child(pid))
			break;
		if (mode[0] == 'c' && tmp_fd_size(pid) >= want)
			break;
		if (mode[0] == 'l' && !access(path, F_OK))
			break;
		pause_poll();
	}
	if (now() > end)
		fprintf(stderr, "killprobe: %s: the kill point did not come within 20 s\n", mode);

	/* Freeze it, judge, kill. */
	bool dead = false;
	if ( pidfd_signal(pidfd, SIGSTOP) && errno != ESRCH)
		die("pidfd_send_signal SIGSTOP", argv[1]);
	end = now() + 10;
	while (!dead && !all_stopped(pid, &dead)) {
		if (now() > end)
			return fprintf(stderr, "killprobe: %d did not stop within 10 s\n", (int)pid), 2;
		pause_poll();
	}
	if (dead) {
		puts("exited");
		return 0;
	}
	long long tmp = tmp_fd_size(pid);
	int fds[MAX_DESC], n = 0;
	descendants(pid, fds, &n);
	if (pidfd_signal(pidfd, SIGKILL))
		die("pidfd_send_signal SIGKILL", argv[1]);
	if (poll(&p, 1, 10000) != 1)
		return fprintf(stderr, "killprobe: %d still runs 10 s after SIGKILL\n", (int)pid), 2;
	printf("killed midcopy=%d survivors=%d", tmp >= 0, survivors(fds, n));
	if (tmp >= 0)
		printf(" tmp=%lld", tmp);
	putchar('\n');
	return 0;
}
