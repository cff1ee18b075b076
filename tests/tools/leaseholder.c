/*
 * leaseholder FILE READY BROKEN RELEASE: hold a write lease on FILE, so
 * that any open of it (the supervisor's copy-up reading a lower file)
 * blocks in the kernel until the lease is let go, as on a hung host
 * filesystem.
 *
 * Writes a line to the FIFO READY once the lease is held, one to the FIFO
 * BROKEN once an open started to break it (that opener is blocked now),
 * and lets the lease go when a line arrives on the FIFO RELEASE.  The
 * kernel breaks a lease by force after /proc/sys/fs/lease-break-time
 * seconds (45 by default): no opener waits longer than that.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void line_to(const char *fifo)
{
	FILE *f = fopen(fifo, "w");
	if (!f || fputs("x\n", f) == EOF || fclose(f)) {
		perror(fifo);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: leaseholder FILE READY BROKEN RELEASE\n");
		return 2;
	}
	/* the break is told by SIGIO, taken synchronously */
	sigset_t io;
	sigemptyset(&io);
	sigaddset(&io, SIGIO);
	sigprocmask(SIG_BLOCK, &io, NULL);
	/* a write lease wants its holder a writer, and no other opener */
	int fd = open(argv[1], O_WRONLY | O_CLOEXEC);
	if (fd < 0 || fcntl(fd, F_SETLEASE, F_WRLCK)) {
		perror(argv[1]);
		return 1;
	}
	line_to(argv[2]);
	int sig;
	if (sigwait(&io, &sig))
		return 1;
	line_to(argv[3]);
	char buf[16];
	FILE *f = fopen(argv[4], "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		perror(argv[4]);
		return 1;
	}
	fclose(f);
	if (fcntl(fd, F_SETLEASE, F_UNLCK)) {
		perror("F_UNLCK");
		return 1;
	}
	close(fd);
	return 0;
}
