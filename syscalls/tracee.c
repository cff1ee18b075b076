/*
 * Access to the trapping thread: memory (read once, then the notification
 * id is checked), credentials, fds.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "ovlrun/notify.h"
#include "ovlrun/syscalls.h"
#include "ovlrun/tasks.h"

#ifndef PIDFD_SIGNAL_THREAD
#define PIDFD_SIGNAL_THREAD (1UL << 0)
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

int req_valid(struct req *r)
{
	uint64_t id = r->n->id;
	return ioctl(r->sup->notify_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) ? -ENOENT : 0;
}

int req_read(struct req *r, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	if (len == 0)
		return 0;
	ssize_t n = process_vm_readv(r->pid, &local, 1, &remote, 1, 0);
	if (n != (ssize_t)len)
		return n < 0 && errno == ESRCH ? -ESRCH : -EFAULT;
	return 0;
}

int req_write(struct req *r, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { .iov_base = (void *)buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	if (len == 0)
		return 0;
	/* Never write into a thread whose call was aborted meanwhile. */
	if (req_valid(r))
		return -ENOENT;
	ssize_t n = process_vm_writev(r->pid, &local, 1, &remote, 1, 0);
	return n == (ssize_t)len ? 0 : -EFAULT;
}

/* Read a NUL-terminated string page by page (a read crossing into an
 * unmapped page would fail whole). ENAMETOOLONG when size is reached. */
int req_string(struct req *r, uint64_t addr, char *buf, size_t size)
{
	size_t got = 0;
	if (!addr)
		return -EFAULT;
	while (got < size) {
		size_t chunk = 4096 - ((addr + got) & 4095);
		if (chunk > size - got)
			chunk = size - got;
		struct iovec local = { .iov_base = buf + got, .iov_len = chunk };
		struct iovec remote = { .iov_base = (void *)(uintptr_t)(addr + got), .iov_len = chunk };
		ssize_t n = process_vm_readv(r->pid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			return -EFAULT;
		char *nul = memchr(buf + got, 0, (size_t)n);
		if (nul) {
			if (r->trace)
				trace_keep(r->trace, addr, buf);
			return req_valid(r);
		}
		got += (size_t)n;
	}
	return -ENAMETOOLONG;
}

int req_path(struct req *r, uint64_t addr, char *buf)
{
	return req_string(r, addr, buf, PATH_MAX);
}

static int parse_ids(const char *line, unsigned v[4])
{
	return sscanf(line, "%u %u %u %u", &v[0], &v[1], &v[2], &v[3]) == 4 ? 0 : -EIO;
}

/* The last number of a status line ("NSpid:\t812\t5"): the id in the
 * innermost pid namespace, the sandbox's. */
static pid_t last_id(const char *s)
{
	const char *p = s + strlen(s);
	while (p > s && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	while (p > s && p[-1] >= '0' && p[-1] <= '9')
		p--;
	return (pid_t)atoi(p);
}

ssize_t req_read_proc(const char *path, char *buf, size_t size, int err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return err;
	buf[n] = 0;
	return n;
}

/* Read the thread's credentials from /proc/<tid>/status into r. */
static int read_cred(struct req *r)
{
	char path[64], buf[8192];
	snprintf(path, sizeof(path), "/proc/%d/status", r->pid);
	if (req_read_proc(path, buf, sizeof(buf), -ESRCH) < 0)
		return -ESRCH;
	struct ovl_cred *c = &r->id.cred;
	memset(c, 0, sizeof(*c));
	unsigned ids[4];
	int seen = 0;
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "Uid:", 4) && !parse_ids(line + 4, ids)) {
			r->id.ruid = ids[0];
			c->fsuid = ids[3];
			seen |= 1;
		} else if (!strncmp(line, "Gid:", 4) && !parse_ids(line + 4, ids)) {
			r->id.rgid = ids[0];
			c->fsgid = ids[3];
			seen |= 2;
		} else if (!strncmp(line, "Groups:", 7)) {
			char *p = line + 7, *end;
			while (c->ngroups < OVL_MAX_GROUPS) {
				unsigned long g = strtoul(p, &end, 10);
				if (end == p)
					break;
				c->groups[c->ngroups++] = (gid_t)g;
				p = end;
			}
		} else if (!strncmp(line, "CapEff:", 7)) {
			c->cap_eff = strtoull(line + 7, NULL, 16);
			seen |= 4;
		} else if (!strncmp(line, "CapPrm:", 7)) {
			r->id.cap_prm = strtoull(line + 7, NULL, 16);
		} else if (!strncmp(line, "Umask:", 6)) {
			c->umask = (mode_t)strtoul(line + 6, NULL, 8);
		} else if (!strncmp(line, "NStgid:", 7)) {
			r->id.ns_tgid = last_id(line + 7);
		} else if (!strncmp(line, "NSpid:", 6)) {
			r->id.ns_tid = last_id(line + 6);
		}
	}
	return seen == 7 ? 0 : -ESRCH;
}

/* Read afresh, and remember for the thread's next calls (tasks.h). */
static int cred_fresh(struct req *r)
{
	struct tasks_gen g;
	tasks_gen_now(r->sup->tasks, &g);
	int err = read_cred(r);
	if (err)
		return err;
	tasks_put_ids(r->sup->tasks, r->pid, &r->id, &g);
	r->have_cred = true;
	r->umask_ok = true;
	return 0;
}

int req_cred(struct req *r, const struct ovl_cred **out)
{
	*out = &r->id.cred;
	if (r->have_cred)
		return 0;
	if (tasks_ids(r->sup->tasks, r->pid, &r->id, &r->umask_ok))
		return cred_fresh(r);
	r->have_cred = true;
	return 0;
}

int req_cred_umask(struct req *r, const struct ovl_cred **out)
{
	int err = req_cred(r, out);
	if (err || r->umask_ok)
		return err;
	return cred_fresh(r);  /* a umask change was in flight (tasks.h) */
}

int req_fdinfo(const char *dir, int fd, int *flags, off_t *pos)
{
	char path[PATH_MAX], buf[512];
	if (fd < 0)
		return -EBADF;
	snprintf(path, sizeof(path), "%.4000s/fdinfo/%d", dir, fd);
	if (req_read_proc(path, buf, sizeof(buf), -EBADF) < 0)
		return -EBADF;
	char *p = strstr(buf, "pos:"), *q = strstr(buf, "flags:");
	if (!p || !q)
		return -EIO;
	*pos = (off_t)strtoll(p + 4, NULL, 10);
	*flags = (int)strtol(q + 6, NULL, 8);
	return 0;
}

int req_fd_state(struct req *r, int fd, int *flags, off_t *pos)
{
	char dir[32];
	snprintf(dir, sizeof(dir), "/proc/%d", r->pid);
	return req_fdinfo(dir, fd, flags, pos);
}

int req_fd_open_file(struct req *r, int fd)
{
	/* our copy shares the open file, hence its flags */
	int copy = req_getfd(r, fd);
	if (copy < 0)
		return -EBADF;
	int flags = fcntl(copy, F_GETFL);
	close(copy);
	return flags < 0 || (flags & O_PATH) ? -EBADF : 0;
}

void req_signal(struct req *r, int sig)
{
	int pidfd = (int)syscall(SYS_pidfd_open, r->pid, PIDFD_THREAD);
	if (pidfd < 0)
		return;
	(void)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, PIDFD_SIGNAL_THREAD);
	close(pidfd);
}

int req_getfd(struct req *r, int fd)
{
	/* the thread's own pidfd, kept with its credentials (tasks.h) */
	int ours = r->have_cred ? tasks_getfd(r->sup->tasks, r->pid, fd) : -ENOENT;
	if (ours != -ENOENT)
		return ours;
	int pidfd = tasks_pidfd_open(r->pid);
	if (pidfd < 0)
		return -ESRCH;
	ours = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	int err = errno;
	close(pidfd);
	return ours < 0 ? -err : ours;
}

int req_setfd(struct req *r, int fd, int target, bool cloexec)
{
	/* the tracee's fd target now holds what fd holds (lock.c, exec.c) */
	struct seccomp_notif_addfd a = {
		.id = r->n->id,
		.flags = SECCOMP_ADDFD_FLAG_SETFD,
		.srcfd = (uint32_t)fd,
		.newfd = (uint32_t)target,
		.newfd_flags = cloexec ? O_CLOEXEC : 0,
	};
	int err = ioctl(r->sup->notify_fd, SECCOMP_IOCTL_NOTIF_ADDFD, &a) < 0 ? -errno : 0;
	close(fd);
	return err;
}

int req_addfd(struct req *r, int fd, int flags)
{
	/* Without watches the fd goes with the answer (ADDFD_FLAG_SEND: one
	 * round trip to the tracee instead of two; the handler must do
	 * nothing on the tracee's side after it), in the set of sent.c until
	 * our copy is closed (an exec of the file, a lock on it wait for
	 * that).  With watches, or that set full, it is installed now and
	 * answered by the loop: our copy is closed before the command runs
	 * on, so its last close is its own, as the watches must see.  A call
	 * that was received can no longer be interrupted but by death
	 * (WAIT_KILLABLE_RECV): the fd cannot be left behind. */
	struct stat st;
	bool send = !notify_watching(r->sup) && !fstat(fd, &st) &&
		    !sent_add(r->sup->sent, st.st_dev, st.st_ino);
	struct seccomp_notif_addfd a = {
		.id = r->n->id,
		.flags = send ? SECCOMP_ADDFD_FLAG_SEND : 0,
		.srcfd = (uint32_t)fd,
		.newfd_flags = flags & O_CLOEXEC,
	};
	if (send)
		req_refresh_fds(r);  /* (the last chance: a copy-up of this call's own) */
	if (send && r->answering)
		r->answering(r);
	int nfd = ioctl(r->sup->notify_fd, SECCOMP_IOCTL_NOTIF_ADDFD, &a);
	int err = errno;
	close(fd);
	if (send)
		sent_del(r->sup->sent, st.st_dev, st.st_ino);
	if (nfd >= 0 && send)
		r->answered = true;
	return nfd < 0 ? -err : nfd;  /* e.g. EMFILE: the caller answers with it */
}

int req_identity_read(struct sup_identity *id)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	if (syscall(SYS_capget, &h, id->caps))
		return -errno;
	long n = syscall(SYS_getgroups, OVL_MAX_GROUPS, id->groups);
	if (n < 0)
		return -errno;
	id->ngroups = (int)n;
	id->fsuid = (uid_t)syscall(SYS_setfsuid, -1);
	id->fsgid = (gid_t)syscall(SYS_setfsgid, -1);
	return 0;
}

/*
 * The serving thread takes the tracee's file-system identity: fsuid, fsgid,
 * groups, effective capabilities.  The raw syscalls change this thread
 * only (glibc's setgroups would change every thread of the supervisor);
 * the permitted set stays, so req_unbecome can restore everything.  Used to
 * let the kernel make its own permission checks on an object the
 * supervisor holds (see handlers.h: no call is left to the kernel to
 * re-resolve).
 */
/* Only what differs from the thread's own identity is changed (and put
 * back): a root command's call changes the capabilities alone. */
int req_become(struct req *r, struct req_saved *sv)
{
	const struct ovl_cred *c;
	int err = req_cred(r, &c);
	if (err)
		return err;
	const struct sup_identity *self = &r->sup->self;
	*sv = (struct req_saved){ .self = self };
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct caps[2];
	memcpy(caps, self->caps, sizeof(caps));
	caps[0].effective = (uint32_t)c->cap_eff & caps[0].permitted;
	caps[1].effective = (uint32_t)(c->cap_eff >> 32) & caps[1].permitted;
	if (c->ngroups != self->ngroups ||
	    memcmp(c->groups, self->groups, sizeof(gid_t) * (size_t)c->ngroups)) {
		if (syscall(SYS_setgroups, (size_t)c->ngroups, c->groups))
			return -errno;
		sv->groups = true;
	}
	if (c->fsgid != self->fsgid) {
		sv->gid = true;
		syscall(SYS_setfsgid, c->fsgid);
		if ((gid_t)syscall(SYS_setfsgid, -1) != c->fsgid)
			err = -EPERM;
	}
	if (!err && c->fsuid != self->fsuid) {
		sv->uid = true;
		syscall(SYS_setfsuid, c->fsuid);
		if ((uid_t)syscall(SYS_setfsuid, -1) != c->fsuid)
			err = -EPERM;
	}
	/* a change of fsuid from or to 0 changes the effective set too */
	if (!err && (sv->uid || caps[0].effective != self->caps[0].effective ||
		     caps[1].effective != self->caps[1].effective)) {
		sv->caps = true;
		if (syscall(SYS_capset, &h, caps))
			err = -EPERM;
	}
	if (err)
		req_unbecome(sv);
	return err;
}

void req_unbecome(struct req_saved *sv)
{
	const struct sup_identity *self = sv->self;
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	/* capabilities first: the ids after need CAP_SETUID and CAP_SETGID */
	if ((sv->caps && syscall(SYS_capset, &h, self->caps)) ||
	    (sv->uid && syscall(SYS_setfsuid, self->fsuid) < 0) ||
	    (sv->gid && syscall(SYS_setfsgid, self->fsgid) < 0) ||
	    (sv->groups && syscall(SYS_setgroups, (size_t)self->ngroups, self->groups)))
		fprintf(stderr, "ovlrun: restoring the supervisor's credentials: %s\n", strerror(errno));
}
