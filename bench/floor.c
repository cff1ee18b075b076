// floor.c — the least a seccomp-unotify supervisor can do per trapped call,
// as the floor for bench/run.sh's per-op rows:
//
//   floor ROOT CMD [ARGS...]
//
// runs CMD chrooted into ROOT with newfstatat and openat trapped by
// SECCOMP_RET_USER_NOTIF.  For each call with an absolute path it reads the
// path with one process_vm_readv, checks that the request is still valid
// (SECCOMP_IOCTL_NOTIF_ID_VALID), performs the host call itself relative to
// ROOT (fstatat + process_vm_writev of the result; openat + ADDFD_FLAG_SEND)
// and answers.  Anything else (relative paths, other dirfds) is let through
// with SECCOMP_USER_NOTIF_FLAG_CONTINUE.  One thread serves, with
// SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP as ovlrun sets it.  No overlay, no
// containment: a measuring device, not a sandbox.  Exit status: CMD's.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

static void fatal(const char *op)
{
	fprintf(stderr, "floor: %s: %s\n", op, strerror(errno));
	exit(125);
}

static int install_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_newfstatat, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -errno;
	int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			      SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	return fd < 0 ? -errno : fd;
}

// The child: chroot, install the filter, hand the listener's number to the
// parent and wait until the parent holds it before exec.
static void child(const char *root, char **argv, int tell, int ack)
{
	if (chroot(root) != 0 || chdir("/") != 0) fatal("chroot");
	int fd = install_filter();
	if (fd < 0) { errno = -fd; fatal("seccomp"); }
	char c;
	if (write(tell, &fd, sizeof(fd)) != sizeof(fd) || read(ack, &c, 1) != 1)
		fatal("handshake");
	close(fd);
	execvp(argv[0], argv);
	fprintf(stderr, "floor: execvp %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void *reaper(void *arg)
{
	pid_t pid = *(pid_t *)arg;
	int st;
	if (waitpid(pid, &st, 0) < 0) fatal("waitpid");
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static int read_path(pid_t pid, unsigned long addr, char *buf, size_t len)
{
	struct iovec local = { buf, len - 1 }, remote = { (void *)addr, len - 1 };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n <= 0) return -EFAULT;
	buf[n] = '\0';
	return strnlen(buf, (size_t)n) < (size_t)n ? 0 : -ENAMETOOLONG;
}

// Serve one request; fills resp.  Returns the fd to close after sending.
static int serve(int lfd, int rootfd, struct seccomp_notif *req,
		 struct seccomp_notif_resp *resp)
{
	char path[4096];
	const unsigned long long *a = req->data.args;
	resp->id = req->id;
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if ((int)a[0] != AT_FDCWD || read_path(req->pid, a[1], path, sizeof(path)) != 0 ||
	    path[0] != '/')
		return -1;
	if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) != 0) return -1;
	const char *rel = path[1] ? path + 1 : ".";
	resp->flags = 0;
	if (req->data.nr == SYS_newfstatat) {
		struct stat st;
		if (fstatat(rootfd, rel, &st, (int)a[3]) != 0) { resp->error = -errno; return -1; }
		struct iovec local = { &st, sizeof(st) }, remote = { (void *)a[2], sizeof(st) };
		if (process_vm_writev(req->pid, &local, 1, &remote, 1, 0) != sizeof(st))
			resp->error = -EFAULT;
		return -1;
	}
	int fd = openat(rootfd, rel, (int)a[2] | O_CLOEXEC, (mode_t)a[3]);
	if (fd < 0) { resp->error = -errno; return -1; }
	struct seccomp_notif_addfd add = {
		.id = req->id, .flags = SECCOMP_ADDFD_FLAG_SEND, .srcfd = (unsigned)fd,
		.newfd_flags = (unsigned)a[2] & O_CLOEXEC,
	};
	int r = ioctl(lfd, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	resp->id = 0;   // answered by ADDFD_FLAG_SEND (or gone)
	if (r < 0 && errno != ENOENT) fprintf(stderr, "floor: addfd: %s\n", strerror(errno));
	return fd;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: floor ROOT CMD [ARGS...]\n");
		return 125;
	}
	int rootfd = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) fatal(argv[1]);
	int tell[2], ack[2];
	if (pipe(tell) != 0 || pipe(ack) != 0) fatal("pipe");
	pid_t pid = fork();
	if (pid < 0) fatal("fork");
	if (pid == 0) child(argv[1], argv + 2, tell[1], ack[0]);
	int cfd;
	if (read(tell[0], &cfd, sizeof(cfd)) != sizeof(cfd)) fatal("handshake");
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int lfd = pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, cfd, 0);
	if (lfd < 0) fatal("pidfd_getfd");
	(void)ioctl(lfd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	if (write(ack[1], "x", 1) != 1) fatal("handshake");
	pthread_t t;
	if (pthread_create(&t, NULL, reaper, &pid) != 0) fatal("pthread_create");
	for (;;) {
		struct seccomp_notif req;
		struct seccomp_notif_resp resp;
		memset(&req, 0, sizeof(req));
		memset(&resp, 0, sizeof(resp));
		if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
			if (errno == EINTR || errno == ENOENT) continue;
			fatal("notif_recv");
		}
		int fd = serve(lfd, rootfd, &req, &resp);
		if (resp.id && ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0 && errno != ENOENT)
			fprintf(stderr, "floor: notif_send: %s\n", strerror(errno));
		if (fd >= 0) close(fd);
	}
}
