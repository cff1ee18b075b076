/*
 * Process model: ovlrun (supervisor) -> init (pid 1 of a new pid namespace,
 * chrooted into the shadow root, reaps and forwards signals) -> command
 * (chrooted, capabilities bounded, no_new_privs, seccomp filter whose
 * listener is sent back to the supervisor).
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
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>
#include "ovlrun/supervisor.h"
#include "fsutil.h"
#include "fdpass.h"

/* What a root command keeps: what it needs to act as root on files (the
 * supervisor checks these against overlay metadata) and on its own
 * processes; nothing that reaches the host kernel's global state. */
static const cap_value_t kept_caps[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_KILL,
	CAP_SETGID, CAP_SETUID, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_MKNOD,
	CAP_AUDIT_WRITE, CAP_SETFCAP,
};

static bool cap_kept(cap_value_t c)
{
	for (size_t i = 0; i < sizeof(kept_caps) / sizeof(kept_caps[0]); i++)
		if (kept_caps[i] == c)
			return true;
	return false;
}

static void child_fail(const char *what)
{
	fprintf(stderr, "ovlrun: sandbox setup: %s: %s\n", what, strerror(errno));
	_exit(OVLRUN_EXIT_FAILURE);
}

static void drop_caps(void)
{
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (!cap_kept(c) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL)
			child_fail("PR_CAPBSET_DROP");
	cap_t caps = cap_get_proc();
	if (!caps)
		child_fail("cap_get_proc");
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		if (cap_kept(c))
			continue;
		cap_set_flag(caps, CAP_EFFECTIVE, 1, &c, CAP_CLEAR);
		cap_set_flag(caps, CAP_PERMITTED, 1, &c, CAP_CLEAR);
		cap_set_flag(caps, CAP_INHERITABLE, 1, &c, CAP_CLEAR);
	}
	if (cap_set_proc(caps))
		child_fail("cap_set_proc");
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
			child_fail("open /dev/null");
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
			child_fail("--setenv");
	}
}

/* --uid/--gid: a plain user keeps no capabilities (the kernel clears them
 * on the switch from uid 0). */
static void set_ids(const struct options *o)
{
	if (o->gid >= 0) {
		gid_t g = (gid_t)o->gid;
		if (setgroups(1, &g) || setresgid(g, g, g))
			child_fail("--gid");
	}
	if (o->uid >= 0 && setresuid((uid_t)o->uid, (uid_t)o->uid, (uid_t)o->uid))
		child_fail("--uid");
}

static void reset_signals(void)
{
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
}

static __attribute__((noreturn)) void run_command(struct sup *s, int sock, int init_sock)
{
	reset_signals();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (chroot(s->shadow) || chdir("/"))
		child_fail("chroot into the shadow root");
	sanitize_stdio();
	if (chdir(s->cwd[0] ? s->cwd : "/"))
		child_fail("--chdir");
	apply_env(&s->opt);
	/* keep stdio and the two sockets, nothing else */
	int lo = sock < init_sock ? sock : init_sock, hi = sock ^ init_sock ^ lo;
	syscall(SYS_close_range, 3, lo - 1, 0);
	syscall(SYS_close_range, lo + 1, hi - 1, 0);
	syscall(SYS_close_range, hi + 1, ~0U, 0);
	drop_caps();
	set_ids(&s->opt);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		child_fail("PR_SET_NO_NEW_PRIVS");
	int nfd = filter_install();
	if (send_fd(sock, nfd) || send_fd(init_sock, nfd))
		child_fail("sending the seccomp listener");
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

static void mask_proc(const char *shadow)
{
	static const char *const hide_files[] = { "/proc/kcore", "/proc/sysrq-trigger",
						  "/proc/keys", "/proc/timer_list",
						  "/proc/kallsyms", "/proc/kmsg" };
	static const char *const ro_dirs[] = { "/proc/sys", "/proc/bus", "/proc/irq", "/proc/fs" };
	char p[PATH_MAX], null[PATH_MAX];
	path_join(null, shadow, "/dev/null");
	for (size_t i = 0; i < sizeof(hide_files) / sizeof(hide_files[0]); i++) {
		path_join(p, shadow, hide_files[i]);
		if (access(p, F_OK) == 0 && mount(null, p, NULL, MS_BIND, NULL))
			child_fail("masking /proc file");
	}
	for (size_t i = 0; i < sizeof(ro_dirs) / sizeof(ro_dirs[0]); i++) {
		path_join(p, shadow, ro_dirs[i]);
		if (access(p, F_OK))
			continue;
		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) ||
		    mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV |
			  MS_NOEXEC, NULL))
			child_fail("read-only /proc dir");
	}
}

static __attribute__((noreturn)) void run_init(struct sup *s, int sock)
{
	char p[PATH_MAX];
	reset_signals();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	path_join(p, s->shadow, "/proc");
	if (mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		child_fail("mount /proc");
	mask_proc(s->shadow);

	/* init holds the listener too: if the supervisor dies, trapped calls
	 * then wait (instead of failing with ENOSYS and running on) until
	 * init's death signal ends the whole namespace. */
	int isv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, isv))
		child_fail("socketpair");
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	command_pid = fork();
	if (command_pid < 0)
		child_fail("fork");
	if (command_pid == 0) {
		close(isv[0]);
		run_command(s, sock, isv[1]);
	}
	close(sock);
	close(isv[1]);
	int held = recv_fd(isv[0]);  /* -1 if the command failed before */
	close(isv[0]);
	if (chroot(s->shadow) || chdir("/"))
		child_fail("chroot into the shadow root");
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
	/* own IPC objects and hostname too: SysV/POSIX IPC of the host stays out of reach */
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD,
				   NULL, NULL, NULL, 0);
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
