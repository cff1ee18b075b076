/*
 * stalerace N: race an fd replacement (syscalls/stale.c) with a thread that
 * puts another file at the fd's number.  For each of N lower files
 * /data/xI: fd 20 holds it read-only, a lock on a second fd copies it up
 * (so fd 20 is stale), and while a trapped call (the one that replaces fd
 * 20) runs, a thread dup2s the caller's own writable file onto 20 after a
 * random delay.  Counts how fd 20 ends up: the copy with a writable access
 * mode ("widened": a root-owned file writable by the caller), the copy
 * read-only over the caller's own file ("clobbered"), or anything else.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static atomic_int phase;                /* 1: flip now, 0: done, -1: stop */
static int own_fd;
static long delay_ns;

static void busy_wait(long ns)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < ns);
}

static void *flipper(void *arg)
{
	(void)arg;
	for (;;) {
		int p;
		while ((p = atomic_load(&phase)) == 0)
			;
		if (p < 0)
			return NULL;
		busy_wait(delay_ns);
		dup2(own_fd, 20);
		atomic_store(&phase, 0);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int n = atoi(argv[1]), widened = 0, clobbered = 0, other = 0;
	own_fd = open("/tmp/own", O_RDWR | O_CREAT, 0600);
	if (own_fd < 0)
		return perror("/tmp/own"), 1;
	pthread_t t;
	pthread_create(&t, NULL, flipper, NULL);
	srand((unsigned)getpid());
	for (int i = 0; i < n; i++) {
		char p[64];
		snprintf(p, sizeof(p), "/data/x%d", i);
		int a = open(p, O_RDONLY), b = open(p, O_RDONLY);
		if (a < 0 || b < 0)
			return perror(p), 1;
		/* (high numbers: the scan meets them after fd 20) */
		dup2(a, 900);
		dup2(b, 901);
		close(a);
		close(b);
		dup2(900, 20);
		flock(901, LOCK_SH);    /* copies the file up: fds 20 and 900 are stale */
		delay_ns = rand() % 150000;
		atomic_store(&phase, 1);
		struct stat st, now;
		stat("/", &st);         /* trapped: fd 20 is replaced first */
		while (atomic_load(&phase))
			;
		if (fstat(20, &st) || stat(p, &now))
			return perror("stat"), 1;
		int acc = fcntl(20, F_GETFL) & O_ACCMODE;
		if (st.st_ino == now.st_ino && acc != O_RDONLY)
			widened++;
		else if (st.st_ino == now.st_ino)
			clobbered++;
		else
			other++;
		close(900);
		close(901);
		close(20);
	}
	atomic_store(&phase, -1);
	pthread_join(t, NULL);
	printf("widened %d clobbered %d other %d\n", widened, clobbered, other);
	return 0;
}
