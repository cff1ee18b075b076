/*
 * The notification loop.  Up to one serving thread per CPU (receivers)
 * blocks in SECCOMP_IOCTL_NOTIF_RECV: a call wakes every thread waiting
 * there, and the kernel hands it to one of them, so more would only be
 * woken for nothing.  When the last receiver takes a call, a spare thread
 * (one that finished a call and waits on a condition) becomes a receiver
 * in its place, or a new thread is started if there is no spare: no call
 * waits unreceived behind a slow one (a large copy-up, calls queued on the
 * engine's lock), since until it is received a signal would interrupt it,
 * and once received only a fatal one can (WAIT_KILLABLE_RECV).  Threads
 * are only ever made, never ended before the loop is over: their number
 * is the most calls served at once (at most OVLRUN_MAX_SERVERS), with no
 * churn.  No thread changes its scheduling or an epoll set per call, and
 * a command making one call after another is served without a wake-up of
 * another thread: a trapped call costs the receive, the handler and the
 * answer.
 *
 * The main thread only forwards signals, watches init and relays the
 * command's native inotify events.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "ovlrun/notify.h"
#include "ovlrun/supervisor.h"
#include "ovlrun/syscalls.h"
#include "ovlrun/tasks.h"
#include "changes.h"
#include "fdpass.h"
#include "shadow_binds.h"
#include "shadow_gone.h"
#include "stats.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* Interrupts a server's blocking receive when the loop is over; its
 * handler does nothing (no SA_RESTART: the ioctl returns EINTR). */
#define WAKE_SIGNAL SIGURG

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

/* Run the handler of a received call; its answer, sent by the caller
 * unless it went already (*answered: with an added fd). */
static int64_t handle(struct sup *s, struct seccomp_notif *n, char *scratch, bool *answered,
		      void (*answering)(struct req *), void *answering_arg)
{
	struct req_trace tr;            /* untouched without --trace */
	struct req r = { .sup = s, .n = n, .pid = (pid_t)n->pid, .scratch = scratch };
	r.answering = answering;
	r.answering_arg = answering_arg;
	if (s->opt.trace) {
		tr.n = 0;
		r.trace = &tr;
	}
	sc_handler h = sc_lookup(n->data.nr);
	/* the inotify state changes only under the exclusive hold: read it
	 * under either */
	bool shared = !sc_alone(&n->data);
	if (shared) {
		pthread_rwlock_rdlock(&s->serve_lock);
		if (notify_in_use(s)) {
			pthread_rwlock_unlock(&s->serve_lock);
			shared = false;
		}
	}
	if (!shared) {
		pthread_rwlock_wrlock(&s->serve_lock);
		notify_begin(s);
	}
	bool keep = sc_keeps_paths(&n->data);
	if (keep)
		ovl_paths_hold(s->fs);
	if (h)
		req_refresh_fds(&r);  /* before the call sees any of its fds */
	int64_t rv = h ? h(&r) : -ENOSYS;
	/* and after it, before the answer: its own copy-up (an append to
	 * the script a shell reads) moves the caller's fds at once */
	if (h && !r.answered)
		req_refresh_fds(&r);
	if (keep)
		ovl_paths_release(s->fs);
	pthread_rwlock_unlock(&s->serve_lock);
	if (r.trace)
		trace_call(&r, rv);
	*answered = r.answered;
	return rv;
}

struct server {
	pthread_t t;
	struct server *prev, *next;
};

struct pool {
	struct sup *s;
	size_t nsize;
	int max_receivers;              /* the CPUs */
	/* in receive, or on their way to it: changed without the lock (a
	 * call's way in and out takes no lock but when none is left) */
	_Atomic int receivers;
	_Atomic bool stopping;          /* set under lock too */
	_Atomic int last_caller;        /* the tid of the call received last (rejoin) */
	_Atomic int prev_caller;        /* ...and of the one before */
	pthread_mutex_t lock;           /* guards the fields below; taken alone */
	pthread_cond_t gone;            /* a server ended */
	pthread_cond_t wanted;          /* a spare may become a receiver */
	struct server *servers;         /* the live ones, for the stop signal */
	int total;                      /* live servers */
	int spares;                     /* waiting on wanted */
};

/* Count the caller in as a receiver if there is room. */
static bool receiver_slot(struct pool *p)
{
	int n = atomic_load(&p->receivers);
	while (n < p->max_receivers)
		if (atomic_compare_exchange_weak(&p->receivers, &n, n + 1))
			return true;
	return false;
}

static void *serve_loop(void *arg);

struct start {
	struct pool *p;
	struct server *me;
};

/* Under p->lock: start k more servers (fewer if threads cannot be made:
 * the ones there still serve, calls only wait longer). */
static void pool_grow(struct pool *p, int k)
{
	pthread_attr_t a;
	if (pthread_attr_init(&a))
		return;
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	for (; k > 0 && !atomic_load(&p->stopping) && p->total < OVLRUN_MAX_SERVERS; k--) {
		struct server *sv = calloc(1, sizeof(*sv));
		struct start *st = malloc(sizeof(*st));
		if (!sv || !st) {
			free(sv);
			free(st);
			break;
		}
		*st = (struct start){ .p = p, .me = sv };
		/* listed before it runs, so that a stop signals it too */
		sv->next = p->servers;
		if (p->servers)
			p->servers->prev = sv;
		p->servers = sv;
		if (pthread_create(&sv->t, &a, serve_loop, st)) {
			p->servers = sv->next;
			if (sv->next)
				sv->next->prev = NULL;
			free(sv);
			free(st);
			break;
		}
		p->total++;
	}
	pthread_attr_destroy(&a);
}

/* Under p->lock: me ends. */
static void pool_leave(struct pool *p, struct server *me)
{
	if (me->prev)
		me->prev->next = me->next;
	else
		p->servers = me->next;
	if (me->next)
		me->next->prev = me->prev;
	free(me);
	p->total--;
	pthread_cond_broadcast(&p->gone);
}

/* One server's call: the pool and whether the server counts as a
 * receiver again already (rejoin). */
struct turn {
	struct pool *p;
	bool rejoined;
	bool ended;                     /* end: when the answer went (--stats) */
	struct timespec end;
};

/* Just before a call's answer goes: the answered tracee may run on this
 * CPU at once (SYNC_WAKE_UP) and call again before this thread is back in
 * its receive.  Counting it as a receiver from now on (it only goes back
 * there) spares the wake-up of a spare that the other receiver would
 * otherwise make for nearly every call of a single busy tracee. */
static void rejoin(struct turn *t, pid_t caller)
{
	struct pool *p = t->p;
	if (t->rejoined || atomic_load(&p->stopping))
		return;
	/* only while one thread calls alone: with several calling, a spare
	 * in receive serves them sooner (measured: 2 parallel find -ls were
	 * 10% slower when every server rejoined, 1 was 15% faster) */
	if (atomic_load(&p->last_caller) == caller && atomic_load(&p->prev_caller) == caller &&
	    receiver_slot(p))
		t->rejoined = true;
}

/* req.answering: the call's time ends here (what follows, the tracee's
 * run on this CPU included, is not the supervisor's), and the server may
 * count as a receiver again (not with --trace: the thread writes the call
 * out after the answer). */
static void answering(struct req *r)
{
	struct turn *t = r->answering_arg;
	if (!t->ended && t->p->s->stats) {
		clock_gettime(CLOCK_MONOTONIC, &t->end);
		t->ended = true;
	}
	if (!t->p->s->opt.trace)
		rejoin(t, r->pid);
}

/* Serve n; true when the server counts as a receiver already. */
static bool serve_one(struct pool *p, struct seccomp_notif *n, char *scratch)
{
	struct timespec t0;
	if (p->s->stats)
		clock_gettime(CLOCK_MONOTONIC, &t0);
	bool answered;
	struct turn t = { .p = p };
	int64_t rv = handle(p->s, n, scratch, &answered, answering, &t);
	if (!answered) {
		struct req r = { .answering_arg = &t, .pid = (pid_t)n->pid };
		answering(&r);
	}
	if (p->s->stats)
		stats_add(p->s->stats, n->data.nr, rv, &t0, t.ended ? &t.end : NULL);
	if (!answered)
		answer(p->s, n, rv);
	return t.rejoined;
}

/* Under p->lock: wait to be a receiver; false when the loop is over. */
static bool become_receiver(struct pool *p)
{
	for (;;) {
		if (atomic_load(&p->stopping))
			return false;
		if (receiver_slot(p))
			return true;
		p->spares++;
		pthread_cond_wait(&p->wanted, &p->lock);
		p->spares--;
	}
}

/* A receiver took a call (or left) and none is left: a spare or a new
 * thread takes the place (while another waits in receive nothing needs
 * doing: a wake-up per call costs more than most calls). */
static void replace_receiver(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	if (atomic_load(&p->receivers) == 0) {
		if (p->spares)
			pthread_cond_signal(&p->wanted);
		else
			pool_grow(p, 1);
	}
	pthread_mutex_unlock(&p->lock);
}

static void *serve_loop(void *arg)
{
	struct start st = *(struct start *)arg;
	struct pool *p = st.p;
	free(arg);
	sigset_t wake;
	sigemptyset(&wake);
	sigaddset(&wake, WAKE_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &wake, NULL);
	struct seccomp_notif *n = calloc(1, p->nsize);
	char *scratch = malloc(REQ_SCRATCH_SIZE);
	if (!n || !scratch)
		fprintf(stderr, "ovlrun: loop.c: server thread: %s\n", strerror(ENOMEM));
	bool counted = false;           /* in receivers already (since its answer) */
	while (n && scratch) {
		if (!counted) {
			pthread_mutex_lock(&p->lock);
			bool in = become_receiver(p);
			pthread_mutex_unlock(&p->lock);
			if (!in)
				break;
		}
		counted = false;
		memset(n, 0, p->nsize);
		int rc = ioctl(p->s->notify_fd, SECCOMP_IOCTL_NOTIF_RECV, n);
		int err = errno;
		bool last = atomic_fetch_sub(&p->receivers, 1) == 1;
		if (atomic_load(&p->stopping))
			break;
		if (rc) {
			/* ENOENT: the caller went away before we got it; EINTR:
			 * a signal, the stop's or not */
			if (err == ENOENT || err == EINTR)
				continue;
			fprintf(stderr, "ovlrun: loop.c: NOTIF_RECV: %s\n", strerror(err));
			if (last)
				replace_receiver(p);
			break;
		}
		atomic_store(&p->prev_caller, atomic_exchange(&p->last_caller, (int)n->pid));
		if (last)
			replace_receiver(p);
		counted = serve_one(p, n, scratch);
	}
	pthread_mutex_lock(&p->lock);
	pool_leave(p, st.me);
	pthread_mutex_unlock(&p->lock);
	free(n);
	free(scratch);
	return NULL;
}

static void on_wake(int sig)
{
	(void)sig;
}

static int pool_start(struct pool *p, struct sup *s, size_t nsize)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	*p = (struct pool){ .s = s, .nsize = nsize, .max_receivers = cpus > 1 ? (int)cpus : 1 };
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->gone, NULL);
	pthread_cond_init(&p->wanted, NULL);
	struct sigaction sa = { .sa_handler = on_wake };  /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	if (sigaction(WAKE_SIGNAL, &sa, NULL))
		return -errno;
	pthread_mutex_lock(&p->lock);
	pool_grow(p, p->max_receivers);
	int started = p->total;
	pthread_mutex_unlock(&p->lock);
	return started ? 0 : -EAGAIN;
}

/* Every task of the sandbox is gone: no call comes any more.  A server may
 * be between its check of stopping and its receive when signalled, so the
 * signal is repeated until all have ended. */
static void pool_stop(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	atomic_store(&p->stopping, true);
	pthread_cond_broadcast(&p->wanted);
	while (p->total) {
		for (struct server *sv = p->servers; sv; sv = sv->next)
			pthread_kill(sv->t, WAKE_SIGNAL);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 10 * 1000 * 1000;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->gone, &p->lock, &until);
	}
	pthread_mutex_unlock(&p->lock);
}

static int exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return OVLRUN_EXIT_FAILURE;
}

/* The listener arrives from the command once init has made its root
 * (sandbox.c): from then on that root is the one to open mirrors through. */
static void take_listener(struct sup *s)
{
	s->notify_fd = recv_fd(s->ctl_sock);
	close(s->ctl_sock);
	if (s->notify_fd < 0)
		return;  /* setup failed: init still reports the status */
	char root[64];
	snprintf(root, sizeof(root), "/proc/%d/root", (int)s->init_pid);
	s->sandbox_root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->sandbox_root_fd < 0)
		die_setup("%s: open: %s", root, strerror(errno));
	/* the answered tracee wakes on the CPU of the thread that answered
	 * (6.6+; without it, ignore) */
	(void)ioctl(s->notify_fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
		    SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
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
	take_listener(s);
	struct seccomp_notif_sizes sizes;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes))
		die_setup("SECCOMP_GET_NOTIF_SIZES: %s", strerror(errno));
	size_t nsize = sizes.seccomp_notif > sizeof(struct seccomp_notif) ?
		       sizes.seccomp_notif : sizeof(struct seccomp_notif);
	notify_prepare(s);
	/* the shadow, kept cwds and watches follow the overlay from here on
	 * (setup made its own parent dirs for binds, and the shadow to match) */
	ovl_fs_listen(s->fs, changes_on, s);
	if (!(s->tasks = tasks_new()) || !(s->binds = binds_new()) || !(s->gone = gone_new()) ||
	    !(s->sent = sent_new()) || !(s->stale = stale_new()))
		die_setup("loop.c: the threads' cache, the shadow's binds and removed dirs, the sent "
			  "and replaced files: %s", strerror(ENOMEM));
	if (s->opt.stats && !(s->stats = stats_new()))
		fprintf(stderr, "ovlrun: --stats: %s\n", strerror(ENOMEM));
	/* what a server goes back to after it took a caller's identity */
	if (req_identity_read(&s->self))
		die_setup("loop.c: reading the supervisor's credentials: %s", strerror(errno));
	struct pool pool;
	bool serving = s->notify_fd >= 0;
	if (serving && pool_start(&pool, s, nsize))
		die_setup("loop.c: starting the server threads: %s", strerror(errno));

	for (;;) {
		struct pollfd p[4] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = notify_fd(s, 0), .events = POLLIN },
			{ .fd = notify_fd(s, 1), .events = POLLIN },
		};
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_setup("poll: %s", strerror(errno));
		}
		if ((p[2].revents | p[3].revents) & POLLIN) {
			pthread_rwlock_wrlock(&s->serve_lock);
			notify_relay(s);
			pthread_rwlock_unlock(&s->serve_lock);
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			/* the sandbox is a session of its own: even what the
			 * terminal sent reaches it only this way */
			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				kill(s->init_pid, (int)si.ssi_signo);
		}
		if (p[1].revents & POLLIN)
			break;
	}
	int st = 0;
	while (waitpid(s->init_pid, &st, 0) < 0 && errno == EINTR)
		;
	/* init is gone, so is every task of the sandbox */
	if (serving)
		pool_stop(&pool);
	if (s->notify_fd >= 0)
		close(s->notify_fd);
	s->notify_fd = -1;
	close(sfd);
	close(pidfd);
	notify_free(s);
	tasks_free(s->tasks);
	s->tasks = NULL;
	sent_free(s->sent);
	stale_free(s->stale);
	s->stale = NULL;
	s->sent = NULL;
	binds_free(s->binds);
	s->binds = NULL;
	gone_free(s->gone);
	s->gone = NULL;
	if (s->stats) {
		stats_print(s->stats, stderr);
		stats_free(s->stats);
		s->stats = NULL;
	}
	return exit_status(st);
}
