/*
 * The notification loop.  The main thread polls the listener (woken on the
 * trapping thread's CPU: a cross-vCPU wake-up costs more than the work of
 * most calls; DESIGN.md section 5), a signalfd, init's pidfd and the
 * inotify relay.  OVLRUN_RECEIVERS more threads only receive calls that
 * arrive while one is being served, so none waits unreceived (where a
 * signal would interrupt it); handlers still run one at a time under
 * serve_lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
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
#include "stats.h"

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

/* Run the handler of a received call; its answer, sent by the caller. */
static int64_t handle(struct sup *s, struct seccomp_notif *n)
{
	struct req_trace tr;            /* untouched without --trace */
	struct req r = { .sup = s, .n = n, .pid = (pid_t)n->pid };
	if (s->opt.trace) {
		tr.n = 0;
		r.trace = &tr;
	}
	sc_handler h = sc_lookup(n->data.nr);
	notify_begin(s);
	int64_t rv = h ? h(&r) : -ENOSYS;
	if (r.trace)
		trace_call(&r, rv);
	return rv;
}

static void set_policy(int policy)
{
	struct sched_param sp = { .sched_priority = policy == SCHED_FIFO ? 1 : 0 };
	(void)pthread_setschedparam(pthread_self(), policy, &sp);  /* best effort */
}

/* Take a pending notification, if there is one.  Taking it at once
 * matters: until the supervisor has received a call, a signal interrupts
 * it (EINTR, even for mkdir); once received, only a fatal signal does
 * (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV).  So receivers take calls while
 * another is being served, and wait for serve_lock afterwards. */
static bool take(struct sup *s, struct seccomp_notif *n)
{
	pthread_mutex_lock(&s->recv_lock);
	struct pollfd p = { .fd = s->notify_fd, .events = POLLIN };
	bool got = poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
	if (got) {
		memset(n, 0, sizeof(*n));
		/* ENOENT: the caller went away before we got it */
		got = ioctl(s->notify_fd, SECCOMP_IOCTL_NOTIF_RECV, n) == 0;
	}
	pthread_mutex_unlock(&s->recv_lock);
	return got;
}


/*
 * The receiver threads.  They sleep on one epoll set holding the listener,
 * which is armed only while some thread serves a call: then nobody else
 * would receive.  While the main thread alone is busy no receiver wakes
 * (a wake-up per call would cost the calls more than their work).  The
 * pool grows when its last idle receiver takes a call.
 */
struct pool {
	struct sup *s;
	size_t nsize;
	int ep;                         /* the receivers' epoll set */
	int stop;                       /* eventfd in ep: the loop is over */
	pthread_mutex_t lock;           /* guards the fields below; taken alone */
	pthread_cond_t gone;            /* a receiver ended */
	int busy;                       /* threads serving or about to */
	int total, idle;                /* live receivers, receivers not serving */
	bool stopping;
};

static void *receive_loop(void *arg);

/* Under p->lock.  Receivers are detached; pool_stop waits for them. */
static void pool_grow(struct pool *p, int k)
{
	pthread_attr_t a;
	if (pthread_attr_init(&a))
		return;
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_t t;
	for (; k > 0 && !p->stopping && p->total < OVLRUN_MAX_RECEIVERS; k--) {
		if (pthread_create(&t, &a, receive_loop, p))
			break;
		p->total++;
		p->idle++;
	}
	pthread_attr_destroy(&a);
}

/* An idle receiver beyond the first OVLRUN_RECEIVERS may end (after a
 * burst of parallel calls); one that ends for any reason says so. */
static bool pool_leave(struct pool *p, bool only_if_spare)
{
	pthread_mutex_lock(&p->lock);
	bool leave = !only_if_spare || p->idle > OVLRUN_RECEIVERS;
	if (leave) {
		p->total--;
		p->idle--;
		pthread_cond_broadcast(&p->gone);
	}
	pthread_mutex_unlock(&p->lock);
	return leave;
}

/* A thread starts (d = 1) or ends (d = -1) serving a call it took. */
static void pool_busy(struct pool *p, int d, bool receiver)
{
	pthread_mutex_lock(&p->lock);
	int was = p->busy;
	p->busy += d;
	if (receiver) {
		p->idle -= d;
		if (!p->idle)
			pool_grow(p, OVLRUN_RECEIVERS);
	}
	if (!was != !p->busy) {
		struct epoll_event ev = { .events = p->busy ? EPOLLIN : 0,
					  .data.fd = p->s->notify_fd };
		(void)epoll_ctl(p->ep, EPOLL_CTL_MOD, p->s->notify_fd, &ev);
	}
	pthread_mutex_unlock(&p->lock);
}

/* Serve a call taken by this thread.  The receivers are armed from here
 * until just before the answer, after which the command's next call finds
 * the thread that served this one idle again. */
static void pool_serve(struct pool *p, struct seccomp_notif *n, bool receiver)
{
	struct timespec t0;
	if (p->s->stats)
		clock_gettime(CLOCK_MONOTONIC, &t0);
	pool_busy(p, 1, receiver);
	set_policy(SCHED_OTHER);
	pthread_mutex_lock(&p->s->serve_lock);
	int64_t rv = handle(p->s, n);
	pthread_mutex_unlock(&p->s->serve_lock);
	pool_busy(p, -1, receiver);
	answer(p->s, n, rv);
	if (p->s->stats)
		stats_add(p->s->stats, n->data.nr, rv, &t0);
	set_policy(SCHED_FIFO);
}

/* Receivers wait at real-time priority (under load they must take a call
 * at once) and serve at the ordinary one. */
static void *receive_loop(void *arg)
{
	struct pool *p = arg;
	struct seccomp_notif *n = calloc(1, p->nsize);
	if (!n) {
		fprintf(stderr, "ovlrun: receiver thread: out of memory\n");
		pool_leave(p, false);
		return NULL;
	}
	set_policy(SCHED_FIFO);
	for (;;) {
		struct epoll_event ev;
		int k = epoll_wait(p->ep, &ev, 1, OVLRUN_RECEIVER_IDLE_MS);
		if (k < 0 && errno == EINTR)
			continue;
		if (k == 0) {
			if (pool_leave(p, true)) {
				free(n);
				return NULL;
			}
			continue;
		}
		if (k < 0 || ev.data.fd == p->stop)
			break;
		if (ev.events & (EPOLLHUP | EPOLLERR)) {
			/* every filtered task is gone: out of the set (a hang-up
			 * is reported whatever the events asked), then the stop */
			(void)epoll_ctl(p->ep, EPOLL_CTL_DEL, p->s->notify_fd, NULL);
			continue;
		}
		if (take(p->s, n))
			pool_serve(p, n, true);
	}
	free(n);
	pool_leave(p, false);
	return NULL;
}

static int pool_start(struct pool *p, struct sup *s, size_t nsize)
{
	*p = (struct pool){ .s = s, .nsize = nsize, .ep = epoll_create1(EPOLL_CLOEXEC),
			    .stop = eventfd(0, EFD_CLOEXEC) };
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->gone, NULL);
	struct epoll_event lev = { .events = 0, .data.fd = s->notify_fd };
	struct epoll_event sev = { .events = EPOLLIN, .data.fd = p->stop };
	if (p->ep < 0 || p->stop < 0 || epoll_ctl(p->ep, EPOLL_CTL_ADD, s->notify_fd, &lev) ||
	    epoll_ctl(p->ep, EPOLL_CTL_ADD, p->stop, &sev))
		return -errno;
	pthread_mutex_lock(&p->lock);
	pool_grow(p, OVLRUN_RECEIVERS);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static void pool_stop(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	/* the stop stays readable: every receiver sees it */
	if (p->total && eventfd_write(p->stop, 1))
		die_setup("eventfd_write: %s", strerror(errno));
	while (p->total)
		pthread_cond_wait(&p->gone, &p->lock);
	pthread_mutex_unlock(&p->lock);
	if (p->stop >= 0)
		close(p->stop);
	if (p->ep >= 0)
		close(p->ep);
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
	/* The command sent its listener after init made its root (sandbox.c):
	 * from now on this is that root. */
	if (s->notify_fd >= 0) {
		char root[64];
		snprintf(root, sizeof(root), "/proc/%d/root", (int)s->init_pid);
		s->sandbox_root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (s->sandbox_root_fd < 0)
			die_setup("%s: open: %s", root, strerror(errno));
	}
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
	notify_prepare(s);
	if (s->opt.stats && !(s->stats = stats_new()))
		fprintf(stderr, "ovlrun: --stats: %s\n", strerror(ENOMEM));
	struct pool pool;
	if (s->notify_fd >= 0 && pool_start(&pool, s, nsize))
		fprintf(stderr, "ovlrun: receiver threads: %s\n", strerror(errno));
	set_policy(SCHED_FIFO);  /* waits like a receiver, works at the ordinary priority */
	bool listening = s->notify_fd >= 0;

	for (;;) {
		struct pollfd p[5] = {
			{ .fd = listening ? s->notify_fd : -1, .events = POLLIN },
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
		if ((p[3].revents | p[4].revents) & POLLIN) {
			set_policy(SCHED_OTHER);
			pthread_mutex_lock(&s->serve_lock);
			notify_relay(s);
			pthread_mutex_unlock(&s->serve_lock);
			set_policy(SCHED_FIFO);
		}
		if ((p[0].revents & POLLIN) && take(s, n))
			pool_serve(&pool, n, false);
		else if (p[0].revents & (POLLHUP | POLLNVAL | POLLERR))
			listening = false;  /* every filtered task is gone: only init is left */
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			/* the sandbox is a session of its own: even what the
			 * terminal sent reaches it only this way */
			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				kill(s->init_pid, (int)si.ssi_signo);
		}
		if (p[2].revents & POLLIN)
			break;
	}
	int st = 0;
	while (waitpid(s->init_pid, &st, 0) < 0 && errno == EINTR)
		;
	/* init is gone, so is every task of the sandbox */
	if (s->notify_fd >= 0)
		pool_stop(&pool);
	if (s->notify_fd >= 0)
		close(s->notify_fd);
	s->notify_fd = -1;
	free(n);
	notify_free(s);
	if (s->stats) {
		stats_print(s->stats, stderr);
		stats_free(s->stats);
		s->stats = NULL;
	}
	return exit_status(st);
}
