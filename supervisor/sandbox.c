/*
 * Process model: ovlrun (supervisor) -> init -> command.
 *
 * init is pid 1 of new pid, mount, IPC, UTS and (without --net=host)
 * network namespaces, and leads a session of its own: nothing inside can
 * name a host process (pid namespace), signal or renice ovlrun's process
 * group or session (kill(0, ...), setpriority(PRIO_PGRP, 0, ...) reach only
 * the caller's own group), or see host IPC objects, sockets or interfaces.
 * It sets up the sandbox's mount namespace (sandbox_root.c: pivot_root into
 * a read-only view of the shadow root), starts the command, reaps, and
 * forwards the signals ovlrun receives.
 *
 * The command leads a session of its own too (with the sandbox's pty as its
 * controlling terminal when its stdio has a terminal: pty.c), keeps only the
 * capabilities below, runs with no_new_privs and the seccomp filter, whose
 * listener it sends back to the supervisor.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>
#include "ovlrun/supervisor.h"
#include "ovlrun/syscalls.h"
#include "fsutil.h"
#include "fdpass.h"
#include "pty.h"
#include "sandbox.h"

/*
 * What a root command keeps: what it needs to act as root on files and on
 * its own processes, nothing that acts outside the sandbox's namespaces.
 *   CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID: root's file
 *     powers; on the overlay the supervisor checks them against overlay
 *     metadata, elsewhere they act on the sandbox's own mounts (/dev/shm,
 *     --bind mounts the user gave it).  (open_by_handle_at, the one
 *     DAC_READ_SEARCH call that reaches past mounts, is refused by the filter.)
 *   SETUID, SETGID, SETPCAP: change its own credentials (su, setpriv, daemons
 *     dropping privileges).
 *   KILL: signal any process of its own pid namespace (no other is visible).
 *   SYS_CHROOT: chroot inside the sandbox (served by the supervisor).
 *   MKNOD: make device nodes in the upper (they never open host devices: the
 *     layers are reached through nodev mounts).
 *   SETFCAP: set file capabilities on its own files (package installs).
 *   NET_BIND_SERVICE: ports below 1024, only in the sandbox's own network
 *     namespace (dropped with --net=host, where it would bind the host's).
 * Dropped, among all others: AUDIT_WRITE (the audit log is the host's),
 * NET_RAW, NET_ADMIN, SYS_ADMIN, SYS_PTRACE, SYS_NICE, SYS_RESOURCE, ...
 */
static const cap_value_t kept_caps[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_KILL,
	CAP_SETGID, CAP_SETUID, CAP_SETPCAP, CAP_SYS_CHROOT, CAP_MKNOD, CAP_SETFCAP,
};

static bool cap_kept(const struct options *o, cap_value_t c)
{
	if (c == CAP_NET_BIND_SERVICE)
		return !o->net_host;
	for (size_t i = 0; i < sizeof(kept_caps) / sizeof(kept_caps[0]); i++)
		if (kept_caps[i] == c)
			return true;
	return false;
}

void sandbox_fail(const char *what)
{
	fprintf(stderr, "ovlrun: sandbox setup: %s: %s\n", what, strerror(errno));
	_exit(OVLRUN_EXIT_FAILURE);
}

static void drop_caps(const struct options *o)
{
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (!cap_kept(o, c) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL)
			sandbox_fail("PR_CAPBSET_DROP");
	cap_t caps = cap_get_proc();
	if (!caps)
		sandbox_fail("cap_get_proc");
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		if (cap_kept(o, c))
			continue;
		cap_set_flag(caps, CAP_EFFECTIVE, 1, &c, CAP_CLEAR);
		cap_set_flag(caps, CAP_PERMITTED, 1, &c, CAP_CLEAR);
		cap_set_flag(caps, CAP_INHERITABLE, 1, &c, CAP_CLEAR);
	}
	if (cap_set_proc(caps))
		sandbox_fail("cap_set_proc");
	cap_free(caps);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

/* A directory fd inherited on stdio would be a way out of the chroot. */
static void sanitize_stdio(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		struct stat st;
		if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
			continue;
		int null = open("/dev/null", O_RDWR);
		if (null < 0)
			sandbox_fail("open /dev/null");
		if (null != fd) {
			dup2(null, fd);
			close(null);
		}
	}
}

static void apply_env(const struct options *o)
{
	for (int i = 0; i < o->nenv; i++) {
		char *eq = strchr(o->env[i], '=');
		if (!eq) {
			unsetenv(o->env[i]);
			continue;
		}
		*eq = 0;
		int err = setenv(o->env[i], eq + 1, 1);
		*eq = '=';
		if (err)
			sandbox_fail("--setenv");
	}
}

/* --uid/--gid: a plain user keeps no capabilities (the kernel clears them
 * on the switch from uid 0). */
static void set_ids(const struct sup *s)
{
	const struct options *o = &s->opt;
	if (o->gid >= 0) {
		gid_t g = (gid_t)o->gid;
		if (setgroups(1, &g) || setresgid(g, g, g))
			sandbox_fail("--gid");
	}
	if (o->uid >= 0 && setresuid((uid_t)o->uid, (uid_t)o->uid, (uid_t)o->uid))
		sandbox_fail("--uid");
	/* The switch made this process undumpable, and its memory (created
	 * before a rootless supervisor's user namespace) then needs the host's
	 * CAP_SYS_PTRACE to read: the supervisor must read the path of the
	 * execve it is about to trap.  The execve sets dumpability anew. */
	if (s->rootless && (o->uid >= 0 || o->gid >= 0) && prctl(PR_SET_DUMPABLE, 1))
		sandbox_fail("--uid: PR_SET_DUMPABLE");
}

static void reset_signals(void)
{
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
}

/* A session of its own; with the sandbox's pty as its controlling terminal
 * and as each stdio fd that was the host's terminal. */
static void own_session(const struct sup *s)
{
	if (setsid() < 0)
		sandbox_fail("setsid");
	if (s->pty_index < 0)
		return;
	char slave[32];
	snprintf(slave, sizeof(slave), "/dev/pts/%d", s->pty_index);
	int fd = open(slave, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, TIOCSCTTY, 0))
		sandbox_fail(slave);
	/* the terminal is the command's, as login(1) makes it */
	if ((s->opt.uid >= 0 || s->opt.gid >= 0) &&
	    fchown(fd, (uid_t)s->opt.uid, (gid_t)s->opt.gid))
		sandbox_fail("chown of the terminal");
	for (int i = 0; i <= 2; i++)
		if (isatty(i) && dup2(fd, i) < 0)
			sandbox_fail("dup2 of the terminal");
	close(fd);
}

static __attribute__((noreturn)) void run_command(struct sup *s, int sock, int init_sock)
{
	reset_signals();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	own_session(s);
	sanitize_stdio();
	if (chdir(s->cwd[0] ? s->cwd : "/"))
		sandbox_fail("--chdir");
	apply_env(&s->opt);
	/* keep stdio and the two sockets, nothing else */
	int lo = sock < init_sock ? sock : init_sock, hi = sock ^ init_sock ^ lo;
	syscall(SYS_close_range, 3, lo - 1, 0);
	syscall(SYS_close_range, lo + 1, hi - 1, 0);
	syscall(SYS_close_range, hi + 1, ~0U, 0);
	drop_caps(&s->opt);
	set_ids(s);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		sandbox_fail("PR_SET_NO_NEW_PRIVS");
	/* What the kernel resolves for calls it finishes itself stays below
	 * the command's root, whatever a racing thread made them name
	 * (syscalls/confine.c); kernels without Landlock keep the rest. */
	int cerr = sc_confine();
	if (cerr && cerr != -ENOSYS && cerr != -EOPNOTSUPP) {
		errno = -cerr;
		sandbox_fail("Landlock");
	}
	int nfd = filter_install();
	if (send_fd(sock, nfd) || send_fd(init_sock, nfd))
		sandbox_fail("sending the seccomp listener");
	close(nfd);
	close(sock);
	close(init_sock);
	execvp(s->opt.argv[0], s->opt.argv);
	int err = errno;
	fprintf(stderr, "ovlrun: %s: %s\n", s->opt.argv[0],
		err == ENOENT ? "command not found" : strerror(err));
	_exit(err == ENOENT ? 127 : 126);
}

static pid_t command_pid;

/* Signals sent to init by the supervisor (si_code SI_USER) go to the
 * command; those the terminal sent reached the command already. */
static void forward(int sig, siginfo_t *si, void *uctx)
{
	(void)uctx;
	if (si->si_code == SI_USER && command_pid > 0)
		kill(command_pid, sig);
}

static __attribute__((noreturn)) void run_init(struct sup *s, int sock)
{
	reset_signals();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	(void)setrlimit(RLIMIT_NOFILE, &s->nofile);  /* as ovlrun got it (main.c) */
	pty_close_in_child(s);
	if (setsid() < 0)
		sandbox_fail("setsid");
	if (!s->opt.net_host)
		sandbox_net_setup();
	sandbox_root_setup(s);

	/* init holds the listener too: if the supervisor dies, trapped calls
	 * then wait (instead of failing with ENOSYS and running on) until
	 * init's death signal ends the whole namespace. */
	int isv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, isv))
		sandbox_fail("socketpair");
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	command_pid = fork();
	if (command_pid < 0)
		sandbox_fail("fork");
	if (command_pid == 0) {
		close(isv[0]);
		run_command(s, sock, isv[1]);
	}
	/* init is a fork of ovlrun: its /proc/1/cmdline, which everyone inside
	 * reads, would show ovlrun's arguments (host paths of the layers,
	 * binds, --setenv values).  The command has its own copy by now. */
	if (s->args) {
		memset(s->args, 0, s->args_len);
		snprintf(s->args, s->args_len, "ovlrun-init");
	}
	close(sock);
	close(isv[1]);
	int held = recv_fd(isv[0]);  /* -1 if the command failed before */
	close(isv[0]);
	if (held >= 0 && held != 3) {
		dup2(held, 3);
		held = 3;
	}
	syscall(SYS_close_range, held >= 0 ? 4 : 3, ~0U, 0);
	struct sigaction sa = { .sa_sigaction = forward, .sa_flags = SA_SIGINFO | SA_RESTART };
	static const int fwd[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM };
	for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
		sigaction(fwd[i], &sa, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);

	for (;;) {
		int st;
		pid_t p2 = waitpid(-1, &st, 0);
		if (p2 < 0 && errno == EINTR)
			continue;
		if (p2 < 0)
			_exit(OVLRUN_EXIT_FAILURE);
		if (p2 != command_pid)
			continue;
		/* The command is done: the namespace and its orphans end with us. */
		if (WIFEXITED(st))
			_exit(WEXITSTATUS(st));
		_exit(128 + WTERMSIG(st));
	}
}

pid_t sandbox_start(struct sup *s)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		die_setup("socketpair: %s", strerror(errno));
	fflush(NULL);
	/* A fork straight into the new pid namespace: unshare(CLONE_NEWPID)
	 * would put every later child of ours there too, and it dies with
	 * init (sanitizer runtimes fork at exit). */
	/* own mounts, IPC objects, hostname and (without --net=host) network
	 * too: see the top of this file */
	unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD;
	if (!s->opt.net_host)
		flags |= CLONE_NEWNET;
	pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, 0);
	if (pid < 0)
		die_setup("clone into a new pid namespace: %s", strerror(errno));
	if (pid == 0) {
		close(sv[0]);
		run_init(s, sv[1]);
	}
	close(sv[1]);
	s->ctl_sock = sv[0];
	return pid;
}
