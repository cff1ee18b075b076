/*
 * The notification loop: one serving thread (a cross-vCPU wake-up costs
 * more than the work of most calls; see DESIGN.md section 5), polling the
 * listener, a signalfd and init's pidfd.
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ovlrun/notify.h"
#include "ovlrun/supervisor.h"
#include "ovlrun/syscalls.h"
#include "fdpass.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

static void answer(struct sup *s, const struct seccomp_notif *n, int64_t rv)
{
	struct seccomp_notif_resp resp = { .id = n->id };
	if (rv == SC_CONTINUE)
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else if (rv < 0)
		resp.error = (int32_t)rv;
	else
		resp.val = rv;
	/* ENOENT: the tracee is gone or its call was interrupted. */
	if (ioctl(s->notify_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) && errno != ENOENT)
		fprintf(stderr, "ovlrun: NOTIF_SEND for syscall %d: %s\n", n->data.nr,
			strerror(errno));
}

static void serve_one(struct sup *s, struct seccomp_notif *n)
{
	memset(n, 0, sizeof(*n));
	if (ioctl(s->notify_fd, SECCOMP_IOCTL_NOTIF_RECV, n))
		return;  /* ENOENT: the caller went away before we got it */
	struct req r = { .sup = s, .n = n, .pid = (pid_t)n->pid };
	sc_handler h = sc_lookup(n->data.nr);
	notify_begin(s);
	int64_t rv = h ? h(&r) : -ENOSYS;
	if (s->opt.verbose)
		fprintf(stderr, "ovlrun: [%d] syscall %d -> %s%lld\n", n->pid, n->data.nr,
			rv == SC_CONTINUE ? "continue " : rv == SC_REPLIED ? "replied " : "",
			rv == SC_CONTINUE || rv == SC_REPLIED ? 0LL : (long long)rv);
	if (rv != SC_REPLIED)
		answer(s, n, rv);
}

static int exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return OVLRUN_EXIT_FAILURE;
}

int loop_run(struct sup *s)
{
	sigset_t set;
	sigemptyset(&set);
	int fwd[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM };
	for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
		sigaddset(&set, fwd[i]);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	int pidfd = (int)syscall(SYS_pidfd_open, s->init_pid, 0);
	if (sfd < 0 || pidfd < 0)
		die_setup("signalfd/pidfd_open: %s", strerror(errno));

	s->notify_fd = recv_fd(s->ctl_sock);
	close(s->ctl_sock);
	/* Placement is the first-order cost of a trap: ask the kernel to wake
	 * us on the trapping thread's CPU (6.6+; without it, ignore). */
	if (s->notify_fd >= 0)
		(void)ioctl(s->notify_fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
			    SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	/* A command that never installed its filter (setup failed) still has
	 * its status reported through init. */
	struct seccomp_notif_sizes sizes;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes))
		die_setup("SECCOMP_GET_NOTIF_SIZES: %s", strerror(errno));
	size_t nsize = sizes.seccomp_notif > sizeof(struct seccomp_notif) ?
		       sizes.seccomp_notif : sizeof(struct seccomp_notif);
	struct seccomp_notif *n = calloc(1, nsize);
	if (!n)
		die_setup("out of memory");

	for (;;) {
		struct pollfd p[5] = {
			{ .fd = s->notify_fd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = notify_fd(s, 0), .events = POLLIN },
			{ .fd = notify_fd(s, 1), .events = POLLIN },
		};
		if (poll(p, 5, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_setup("poll: %s", strerror(errno));
		}
		if ((p[3].revents | p[4].revents) & POLLIN)
			notify_relay(s);
		if (p[0].revents & POLLIN)
			serve_one(s, n);
		else if (p[0].revents & (POLLHUP | POLLNVAL | POLLERR)) {
			/* every filtered task is gone: only init is left to reap */
			close(s->notify_fd);
			s->notify_fd = -1;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_code != SI_KERNEL)
				kill(s->init_pid, (int)si.ssi_signo);
		}
		if (p[2].revents & POLLIN)
			break;
	}
	int st = 0;
	while (waitpid(s->init_pid, &st, 0) < 0 && errno == EINTR)
		;
	free(n);
	notify_free(s);
	return exit_status(st);
}
