/*
 * A terminal of the sandbox's own.  The sandbox is a session of its own
 * (nothing inside may signal or renice ovlrun's process group), so the
 * host's terminal cannot be its controlling terminal, and the command must
 * not hold the host's terminal at all (its ioctls would resize, reconfigure
 * or lock it).  When any of stdin, stdout and stderr is a terminal, the
 * supervisor opens a pty in the sandbox's devpts instance, the command
 * makes the slave its controlling terminal and each stdio fd that was a
 * terminal, and a relay thread copies bytes between the host terminal and
 * the master, as script(1) and podman do.  With stdin a terminal, the host
 * terminal goes raw and its input is relayed: Ctrl-C, Ctrl-Z and job
 * control are the inner line discipline's.  Window size changes follow
 * SIGWINCH.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>
#include "fsutil.h"
#include "pty.h"

struct pty_relay {
	int master;
	int in, out;                    /* host terminal: input (-1: not a terminal), where output goes */
	int size_from;                  /* a host terminal fd to take the window size from */
	int winch;                      /* signalfd for SIGWINCH */
	int stop;                       /* eventfd: the sandbox is gone, drain and end */
	bool raw;                       /* saved holds the host terminal's settings */
	struct termios saved;
	pthread_t thread;
	bool running;
};

static void copy_winsize(struct pty_relay *p)
{
	struct winsize ws;
	if (ioctl(p->size_from, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(p->master, TIOCSWINSZ, &ws);
}

int pty_open(struct sup *s)
{
	char ptmx[PATH_MAX];
	s->pty_index = -1;
	int tty = isatty(STDIN_FILENO) ? STDIN_FILENO : isatty(STDOUT_FILENO) ? STDOUT_FILENO :
		  isatty(STDERR_FILENO) ? STDERR_FILENO : -1;
	if (tty < 0)
		return 0;
	struct pty_relay *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->in = isatty(STDIN_FILENO) ? STDIN_FILENO : -1;
	p->out = isatty(STDOUT_FILENO) ? STDOUT_FILENO : isatty(STDERR_FILENO) ? STDERR_FILENO : -1;
	p->size_from = tty;
	p->winch = p->stop = -1;
	path_join(ptmx, s->shadow, "/dev/pts/ptmx");
	p->master = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
	int unlock = 0, index = -1;
	if (p->master < 0 || ioctl(p->master, TIOCSPTLCK, &unlock) ||
	    ioctl(p->master, TIOCGPTN, &index)) {
		int err = -errno;
		fprintf(stderr, "ovlrun: %s: open pty master: %s\n", ptmx, strerror(errno));
		if (p->master >= 0)
			close(p->master);
		free(p);
		return err;
	}
	copy_winsize(p);
	/* The inner terminal starts as the host's was (line discipline,
	 * control characters); the host's goes raw once the relay starts.
	 * Output only: the host's terminal stays as it is and does the output
	 * processing (newline to CR-LF) itself. */
	struct termios t;
	if (tcgetattr(tty, &t) == 0) {
		if (p->in < 0)
			t.c_oflag &= ~(tcflag_t)OPOST;
		(void)tcsetattr(p->master, TCSANOW, &t);
	}
	s->pty = p;
	s->pty_index = index;
	return 0;
}

void pty_close_in_child(struct sup *s)
{
	if (s->pty)
		close(s->pty->master);
}

static int write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy what the master has; false once the slave side is gone. */
static bool from_master(struct pty_relay *p)
{
	char buf[4096];
	ssize_t n = read(p->master, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;  /* EIO: every slave fd is closed */
	if (p->out >= 0 && write_all(p->out, buf, (size_t)n))
		p->out = -1;  /* the host terminal went away: keep draining */
	return true;
}

static void *relay(void *arg)
{
	struct pty_relay *p = arg;
	bool in_open = true, stopping = false;
	char buf[4096];
	for (;;) {
		struct pollfd f[4] = {
			{ .fd = p->master, .events = POLLIN },
			{ .fd = in_open ? p->in : -1, .events = POLLIN },  /* -1: ignored */
			{ .fd = p->winch, .events = POLLIN },
			{ .fd = stopping ? -1 : p->stop, .events = POLLIN },
		};
		/* once the sandbox is gone, only what is left in the master */
		if (poll(f, 4, stopping ? 0 : -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (f[0].revents & POLLIN) {
			if (!from_master(p))
				break;
		} else if (f[0].revents & (POLLHUP | POLLERR)) {
			break;
		} else if (stopping) {
			break;  /* drained */
		}
		if (f[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(p->in, buf, sizeof(buf));
			if (n > 0)
				(void)write_all(p->master, buf, (size_t)n);
			else if (n == 0 || (errno != EINTR && errno != EAGAIN))
				in_open = false;  /* hung up, or ovlrun is in the background */
		}
		if (f[2].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(p->winch, &si, sizeof(si)) == sizeof(si))
				copy_winsize(p);
		}
		if (f[3].revents & POLLIN)
			stopping = true;
	}
	return NULL;
}

int pty_relay_start(struct sup *s)
{
	struct pty_relay *p = s->pty;
	if (!p)
		return 0;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	p->winch = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	p->stop = eventfd(0, EFD_CLOEXEC);
	if (p->winch < 0 || p->stop < 0)
		return -errno;
	/* Raw only while ovlrun is the terminal's foreground job: in the
	 * background, the terminal is the user's shell's (its input then
	 * stays there; the relay reads EIO and stops reading). */
	if (p->in >= 0 && tcgetpgrp(p->in) == getpgrp() && tcgetattr(p->in, &p->saved) == 0) {
		struct termios raw = p->saved;
		cfmakeraw(&raw);
		p->raw = tcsetattr(p->in, TCSADRAIN, &raw) == 0;
	}
	int err = pthread_create(&p->thread, NULL, relay, p);
	if (err) {
		fprintf(stderr, "ovlrun: pty relay thread: %s\n", strerror(err));
		return -err;
	}
	p->running = true;
	return 0;
}

void pty_relay_finish(struct sup *s)
{
	struct pty_relay *p = s->pty;
	if (!p)
		return;
	if (p->running) {
		(void)eventfd_write(p->stop, 1);
		pthread_join(p->thread, NULL);
	}
	if (p->raw)
		(void)tcsetattr(p->in, TCSADRAIN, &p->saved);
	close(p->master);
	if (p->winch >= 0)
		close(p->winch);
	if (p->stop >= 0)
		close(p->stop);
	free(p);
	s->pty = NULL;
}
