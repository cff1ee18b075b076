/*
 * The sandbox's seccomp filter: an allowlist.  Path and dirfd syscalls are
 * sent to the supervisor (USER_NOTIF); data-path and process syscalls run
 * natively; everything else fails with ENOSYS.  Only the native x86-64 ABI
 * is accepted: other architectures are killed, x32 numbers match no rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ovlrun/supervisor.h"
#include "ovlrun/syscalls.h"

#if !defined(__x86_64__)
#error "ovlrun's filter is written for x86-64"
#endif

/* Run natively: no path or dirfd argument, or only fds the tracee already holds. */
static const char *const allowed[] = {
	"read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev",
	"preadv2", "pwritev2", "lseek", "close", "close_range", "dup", "dup2", "dup3",
	"pipe", "pipe2", "mmap", "munmap", "mprotect", "mremap", "msync", "madvise",
	"mincore", "mlock", "mlock2", "munlock", "mlockall", "munlockall", "brk",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigtimedwait",
	"rt_sigqueueinfo", "rt_tgsigqueueinfo", "rt_sigsuspend", "sigaltstack",
	"fsync", "fdatasync", "sync", "syncfs", "sync_file_range",
	"fallocate", "fadvise64", "readahead", "sendfile", "copy_file_range",
	"splice", "tee", "vmsplice", "select", "pselect6", "poll", "ppoll",
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
	"eventfd", "eventfd2", "signalfd", "signalfd4", "timerfd_create", "timerfd_settime",
	"timerfd_gettime", "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun",
	"timer_delete", "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep",
	"gettimeofday", "time", "getitimer", "setitimer", "alarm", "pause", "sched_yield",
	"sched_getaffinity", "sched_setaffinity", "sched_getparam", "sched_setparam",
	"sched_getscheduler", "sched_setscheduler", "sched_get_priority_max",
	"sched_get_priority_min", "sched_rr_get_interval", "sched_getattr", "sched_setattr",
	"getpriority", "setpriority", "getpid", "getppid", "gettid", "getuid", "geteuid", "getgid",
	"getegid", "getresuid", "getresgid", "getgroups", "getpgid", "getpgrp", "getsid",
	"setpgid", "setsid", "capget", "prctl", "arch_prctl",
	"exit", "exit_group", "wait4", "waitid", "kill", "tkill", "tgkill", "fork", "vfork",
	"futex", "futex_waitv", "set_robust_list", "get_robust_list", "set_tid_address", "rseq",
	"uname", "sysinfo", "getrlimit", "setrlimit", "prlimit64", "getrusage", "times",
	"getcwd", "socket", "socketpair", "listen", "accept",
	"accept4", "getsockname", "getpeername", "recvfrom", "sendmsg", "recvmsg",
	"sendmmsg", "recvmmsg", "shutdown", "setsockopt", "getsockopt", "shmget", "shmat",
	"shmdt", "shmctl", "semget", "semop", "semtimedop", "semctl", "msgget", "msgsnd",
	"msgrcv", "msgctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive",
	"mq_notify", "mq_getsetattr", "memfd_create", "getrandom", "membarrier", "pidfd_open",
	"pidfd_send_signal", "pidfd_getfd", "process_vm_readv", "process_vm_writev", "kcmp",
	"io_setup", "io_destroy",
	"io_getevents", "io_submit", "io_cancel", "io_pgetevents", "getcpu", "personality",
	"restart_syscall", "ioprio_get", "ioprio_set", "get_mempolicy", "set_mempolicy", "mbind",
	"set_mempolicy_home_node", "process_madvise", "landlock_create_ruleset",
	"landlock_add_rule", "landlock_restrict_self", "memfd_secret", "cachestat",
	"map_shadow_stack", "futex_wake", "futex_wait", "futex_requeue", "mseal",
	"process_mrelease",
};

/* Refused with EPERM: privileged or sandbox-breaking operations. */
static const char *const refused[] = {
	"mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount", "fsopen",
	"fsconfig", "fsmount", "fspick", "mount_setattr", "setns", "bpf", "ptrace", "kexec_load",
	"kexec_file_load", "init_module", "finit_module", "delete_module", "io_uring_setup",
	"io_uring_enter", "io_uring_register", "open_by_handle_at", "swapon", "swapoff",
	"reboot", "sethostname", "setdomainname", "acct", "quotactl", "quotactl_fd",
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm",
	"userfaultfd", "perf_event_open", "fanotify_init", "fanotify_mark", "lookup_dcookie",
	"syslog", "add_key", "request_key", "keyctl", "vhangup", "uselib", "ustat", "sysfs",
	"_sysctl", "nfsservctl", "move_pages", "migrate_pages",
};

#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | \
		  CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | 0x00000080 /* CLONE_NEWTIME */)

static void add(scmp_filter_ctx ctx, uint32_t action, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return;  /* not on this libseccomp: it stays ENOSYS */
	int err = seccomp_rule_add(ctx, action, nr, 0);
	if (err)
		die_setup("seccomp rule for %s: %s", name, strerror(-err));
}

static void add_rules(scmp_filter_ctx ctx)
{
	int n;
	const int *trapped = sc_trapped(&n);
	/* libseccomp keeps the first action given for a syscall: one that is
	 * both allowed and trapped would silently bypass its handler */
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);
		for (int j = 0; j < n; j++)
			if (nr == trapped[j])
				die_setup("filter.c: %s is both allowed and trapped", allowed[i]);
	}
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		add(ctx, SCMP_ACT_ALLOW, allowed[i]);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		add(ctx, SCMP_ACT_ERRNO(EPERM), refused[i]);
	for (int i = 0; i < n; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, trapped[i], 0))
			die_setup("seccomp notify rule for syscall %d failed", trapped[i]);
	/* fcntl: the lock commands go to the supervisor (a lock on a lower
	 * file moves the fd to the upper copy first), and F_NOTIFY (dnotify
	 * of an overlay dir: its mirror never changes); the rest run natively
	 * (libseccomp tests the equal ones before the ranges below). */
	static const int lock_cmds[] = { F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK,
					 F_OFD_SETLKW, F_NOTIFY };
	for (size_t i = 0; i < sizeof(lock_cmds) / sizeof(lock_cmds[0]); i++)
		seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(fcntl), 1,
				 SCMP_A1(SCMP_CMP_EQ, (uint64_t)lock_cmds[i]));
	_Static_assert(F_GETLK == 5 && F_SETLKW == 7 && F_OFD_GETLK == 36 && F_OFD_SETLKW == 38,
		       "the allow ranges below assume these numbers");
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1, SCMP_A1(SCMP_CMP_LT, 5));
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1, SCMP_A1(SCMP_CMP_GT, 38));
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, ~7ULL, 8));
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, ~15ULL, 16));
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, ~3ULL, 32));
	/* sendto with a destination may name an AF_UNIX path */
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendto), 1, SCMP_A4(SCMP_CMP_EQ, 0));
	seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(sendto), 1, SCMP_A4(SCMP_CMP_NE, 0));
	/* ioctl, but not those that reach the terminal's other users or the
	 * console: faking input (TIOCSTI, bubblewrap's CVE-2017-5226), line
	 * disciplines, console redirection. */
	static const unsigned long tty_cmds[] = { TIOCSTI, TIOCLINUX, TIOCSETD, TIOCCONS };
	for (size_t i = 0; i < sizeof(tty_cmds) / sizeof(tty_cmds[0]); i++)
		seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				 SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffULL, tty_cmds[i]));
	/* The inode flags (chattr, lsattr) are the overlay's (syscalls/fileattr.c). */
	static const unsigned long flag_cmds[] = { FS_IOC_GETFLAGS, FS_IOC_SETFLAGS,
						   FS_IOC_FSGETXATTR, FS_IOC_FSSETXATTR };
	for (size_t i = 0; i < sizeof(flag_cmds) / sizeof(flag_cmds[0]); i++)
		seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(ioctl), 1,
				 SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffULL, flag_cmds[i]));
	/* Everything else runs natively.  The kernel reads the command as 32
	 * bits: the refusals above compare those bits only (and come first in
	 * the generated filter); the allowed ranges cover the rest. */
	_Static_assert(TIOCSTI == 0x5412 && TIOCLINUX == 0x541C && TIOCCONS == 0x541D &&
		       TIOCSETD == 0x5423, "the ranges below assume these numbers");
	static const struct { unsigned long mask, value; } allowed_ioctl[] = {
		{ 0xffffffff, 0x5413 }, { 0xfffffffc, 0x5414 }, { 0xfffffffc, 0x5418 },
		{ 0xfffffffe, 0x541E }, { 0xfffffffe, 0x5420 }, { 0xffffffff, 0x5422 },
	};
	for (size_t i = 0; i < sizeof(allowed_ioctl) / sizeof(allowed_ioctl[0]); i++)
		seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				 SCMP_A1(SCMP_CMP_MASKED_EQ, allowed_ioctl[i].mask, allowed_ioctl[i].value));
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_LT, 0x5412));
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_GT, 0x5423));
	/* a lease would make the supervisor's own opens wait for its break */
	seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(fcntl), 1,
			 SCMP_A1(SCMP_CMP_EQ, (uint64_t)F_SETLEASE));
	/* File handles would bypass path resolution; overlayfs without
	 * nfs_export answers the same. */
	add(ctx, SCMP_ACT_ERRNO(EOPNOTSUPP), "name_to_handle_at");
	/* Threads and processes, never new namespaces (other flags: ENOSYS).  clone3 hides its flags
	 * in memory: ENOSYS makes libc fall back to clone. */
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
			 SCMP_A0(SCMP_CMP_MASKED_EQ, NS_FLAGS, 0));
	/* unshare of fd table or fs info is harmless; of namespaces refused */
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(unshare), 1,
			 SCMP_A0(SCMP_CMP_MASKED_EQ, NS_FLAGS, 0));
	/* A filter of the tracee's own with a listener would take precedence
	 * over ours for the syscalls it traps: new listeners get ENOSYS. */
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(seccomp), 1,
			 SCMP_A1(SCMP_CMP_MASKED_EQ, SECCOMP_FILTER_FLAG_NEW_LISTENER, 0));
}

int filter_install(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(ENOSYS));
	if (!ctx)
		die_setup("seccomp_init failed");
	seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	add_rules(ctx);

	/* libseccomp 2.5 has no ADDFD/WAIT_KILLABLE wrappers: export the BPF
	 * and install it with the raw syscall. */
	int mfd = memfd_create("ovlrun-filter", MFD_CLOEXEC);
	if (mfd < 0 || seccomp_export_bpf(ctx, mfd))
		die_setup("seccomp_export_bpf failed");
	off_t len = lseek(mfd, 0, SEEK_END);
	struct sock_filter *prog_buf = malloc((size_t)len);
	if (!prog_buf || pread(mfd, prog_buf, (size_t)len, 0) != len)
		die_setup("reading the exported filter failed");
	close(mfd);
	seccomp_release(ctx);
	struct sock_fprog prog = { .len = (unsigned short)(len / (off_t)sizeof(struct sock_filter)),
				   .filter = prog_buf };
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			  SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
			  &prog);
	/* Without the killable wait (Linux < 5.19) a signal could interrupt a
	 * call after the supervisor took it, half done or with an fd left
	 * behind: no fallback. */
	if (fd < 0 && errno == EINVAL)
		die_setup("installing the seccomp filter: this kernel lacks "
			  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19 or later is needed)");
	if (fd < 0)
		die_setup("installing the seccomp filter: %s", strerror(errno));
	free(prog_buf);
	return (int)fd;
}
