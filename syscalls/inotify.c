/* inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch: the
 * sandbox's inotify on overlay paths (see include/ovlrun/notify.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ovlrun/syscalls.h"
#include "handlers.h"
#include "notify_int.h"

/* Room for about 1400 events (each message costs a socket buffer of some
 * 700 bytes): kernel memory the command can pin is bounded (instances x
 * this); when it is full, the command gets IN_Q_OVERFLOW, as from an
 * inotify queue past its max_queued_events. */
#define INST_BUFFER (1 << 20)

static int64_t do_init(struct req *r, int flags)
{
	if (flags & ~(IN_CLOEXEC | IN_NONBLOCK))
		return -EINVAL;
	struct sup *s = r->sup;
	struct notify *n = notify_get(s);
	if (!n)
		return -ENOMEM;
	if (n->ninst >= NOTIFY_MAX_INSTANCES)
		notify_sweep(s, true);
	if (n->ninst >= NOTIFY_MAX_INSTANCES)
		return -EMFILE;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	int size = INST_BUFFER;
	struct stat st;
	struct ninst *in = calloc(1, sizeof(*in));
	int err = !in ? -ENOMEM : 0;
	if (!err && (fcntl(sv[0], F_SETFL, O_NONBLOCK) || fstat(sv[1], &st) ||
		     ((flags & IN_NONBLOCK) && fcntl(sv[1], F_SETFL, O_NONBLOCK))))
		err = -errno;
	if (err) {
		free(in);
		close(sv[0]);
		close(sv[1]);
		return err;
	}
	if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	(void)setsockopt(sv[1], SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	in->sock = sv[0];
	in->ino = st.st_ino;
	in->next = n->insts;
	n->insts = in;
	n->ninst++;
	int64_t rv = req_addfd(r, sv[1], flags & IN_CLOEXEC ? O_CLOEXEC : 0);  /* closes sv[1] */
	if (rv < 0)
		notify_inst_free(s, in);
	return rv;
}

int64_t sys_inotify_init(struct req *r)
{
	return do_init(r, 0);
}

int64_t sys_inotify_init1(struct req *r)
{
	return do_init(r, (int)ARG(r, 0));
}

/* The instance behind the command's fd: EBADF if no such fd, EINVAL if it
 * is not one of ours. */
static int instance_of(struct req *r, int fd, struct ninst **out)
{
	char proc[64], link[64];
	if (fd < 0)
		return -EBADF;
	snprintf(proc, sizeof(proc), "/proc/%d/fd/%d", r->pid, fd);
	ssize_t len = readlink(proc, link, sizeof(link) - 1);
	if (len < 0)
		return errno == ENOENT ? -EBADF : -errno;
	link[len] = 0;
	unsigned long long ino;
	struct notify *n = r->sup->notify;
	if (!n || sscanf(link, "socket:[%llu]", &ino) != 1)
		return -EINVAL;
	for (struct ninst *in = n->insts; in; in = in->next)
		if (in->ino == (ino_t)ino && in->sock >= 0) {
			*out = in;
			return 0;
		}
	return -EINVAL;
}

static int raw_target(struct req *r, const struct ovl_cred *cred, const char *path,
		      uint32_t mask, char *canon, int *fd, bool *isdir);
static int64_t add_watch(struct req *r, struct ninst *in, const char *canon, bool isdir,
			 uint32_t mask, int raw_fd);

int64_t sys_inotify_add_watch(struct req *r)
{
	uint32_t mask = (uint32_t)ARG(r, 2);
	char path[PATH_MAX];
	struct ninst *in;
	const struct ovl_cred *cred;
	int err = instance_of(r, (int)ARG(r, 0), &in);
	if (err)
		return err;
	if (!(mask & IN_ALL_EVENTS))
		return -EINVAL;
	if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE))
		return -EINVAL;
	if ((err = req_path(r, ARG(r, 1), path)) || (err = req_cred(r, &cred)))
		return err;
	r->intent = INTENT_READ;
	struct ovl_entry e;
	unsigned lflags = (mask & IN_DONT_FOLLOW ? 0 : OVL_LOOKUP_FOLLOW) |
			  (mask & IN_ONLYDIR ? OVL_LOOKUP_DIRECTORY : 0);
	char canon[OVL_PATH_MAX];
	bool isdir = false;
	int raw_fd = -1;
	err = req_lookup(r, AT_FDCWD, path, lflags, false, &e);
	if (err == SC_CONTINUE) {
		/* a kernel-served mount (/dev): the object itself, watched by
		 * the kernel; unless the path climbed back out of it
		 * ("/dev/.."): then the overlay's object there */
		err = raw_target(r, cred, path, mask, canon, &raw_fd, &isdir);
		if (err == 1)
			err = req_lookup(r, AT_FDCWD, canon, lflags, false, &e);
	}
	if (!err && raw_fd < 0) {
		if (e.type == 0 || e.passthrough)
			err = -ENOENT;
		else if ((mask & IN_ONLYDIR) && !S_ISDIR(e.type))
			err = -ENOTDIR;
		else
			err = ovl_permission(cred, &e.st, OVL_MAY_READ);
		snprintf(canon, sizeof(canon), "%s", e.path);
		isdir = S_ISDIR(e.type);
		ovl_entry_release(&e);
	}
	if (err)
		return err;
	err = add_watch(r, in, canon, isdir, mask, raw_fd);
	if (raw_fd >= 0)
		close(raw_fd);
	return err;
}

/* A path the kernel serves (/dev/shm/x): opened as the kernel would
 * resolve it in the sandbox's root — never above it, never through a
 * magic link (/proc/1/root, /dev/stdin), which would be the supervisor's
 * own view.  0 with the object in *fd, 1 when the path ends in the overlay
 * (canon: where), or -errno. */
static int raw_target(struct req *r, const struct ovl_cred *cred, const char *path,
		      uint32_t mask, char *canon, int *fd, bool *isdir)
{
	char rel[PATH_MAX * 2], link[OVL_PATH_MAX];
	enum fd_kind kind;
	if (path[0] == '/') {
		snprintf(rel, sizeof(rel), "%s", path);
	} else {
		int err = req_fd_kind(r, AT_FDCWD, link, &kind);
		if (err || kind != FD_MIRROR)
			return err ? err : -ENOENT;
		if (snprintf(rel, sizeof(rel), "%s/%s", link, path) >= PATH_MAX)
			return -ENAMETOOLONG;
	}
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (mask & IN_DONT_FOLLOW ? O_NOFOLLOW : 0),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int f = (int)syscall(SYS_openat2, r->sup->shadow_fd, rel, &how, sizeof(how));
	if (f < 0)
		return -errno;
	struct stat st;
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f);
	ssize_t n = readlink(proc, link, sizeof(link) - 1);
	int err = fstat(f, &st) || n < 0 ? -errno : 0;
	if (!err) {
		link[n] = 0;
		const char *rest = link + r->sup->shadow_len;
		if ((size_t)n < r->sup->shadow_len || strncmp(link, r->sup->shadow, r->sup->shadow_len) ||
		    (*rest && *rest != '/'))
			err = -EACCES;  /* not in the sandbox's root after all */
		else
			snprintf(canon, OVL_PATH_MAX, "%s", *rest ? rest : "/");
	}
	bool served = false;
	for (int i = 0; !err && i < r->sup->npass && !served; i++) {
		size_t pl = strlen(r->sup->pass[i]);
		served = !strncmp(canon, r->sup->pass[i], pl) && (!canon[pl] || canon[pl] == '/');
	}
	if (!err && !served) {
		close(f);
		return 1;  /* an overlay path after all */
	}
	if (!err && (mask & IN_ONLYDIR) && !S_ISDIR(st.st_mode))
		err = -ENOTDIR;
	if (!err)
		err = ovl_permission(cred, &st, OVL_MAY_READ);
	if (err) {
		close(f);
		return err;
	}
	*isdir = S_ISDIR(st.st_mode);
	*fd = f;
	return 0;
}

/* The watch of instance in on canon (new, or the one there updated). */
static int64_t add_watch(struct req *r, struct ninst *in, const char *canon, bool isdir,
			 uint32_t mask, int raw_fd)
{
	struct notify *n = r->sup->notify;
	uint32_t events = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK);
	struct nwatch *same = NULL;
	/* what was done before the watch is none of its business: the
	 * native events still queued go out first (to no watch, or others);
	 * no sweep here, which could free the instance in */
	notify_relay_pending(r->sup);
	for (struct nwatch *w = notify_find(n, canon); w && !same; w = w->hnext)
		if (w->inst == in && !strcmp(w->path, canon))
			same = w;
	/* (the one on another name of the object: the kernel's is on the
	 * inode) */
	if (!same && !isdir && raw_fd < 0)
		same = notify_real_same(r->sup, in, canon);
	if (same) {
		if (mask & IN_MASK_CREATE)
			return -EEXIST;
		same->mask = mask & IN_MASK_ADD ? same->mask | events : events;
		return same->wd;
	}
	if (n->nwatch >= NOTIFY_MAX_WATCHES)
		return -ENOSPC;
	struct nwatch *w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(canon))) {
		free(w);
		return -ENOMEM;
	}
	w->inst = in;
	w->wd = ++in->next_wd;
	w->mask = events;
	w->isdir = isdir;
	w->raw = raw_fd >= 0;
	notify_watch_add(n, w);
	int err = w->raw ? notify_real_attach_raw(r->sup, w, raw_fd) : 0;
	if (err) {
		notify_watch_drop(r->sup, w, false);
		return err;
	}
	if (!w->raw)
		notify_real_attach(r->sup, w);
	return w->wd;
}

int64_t sys_inotify_rm_watch(struct req *r)
{
	struct ninst *in;
	int err = instance_of(r, (int)ARG(r, 0), &in);
	if (err)
		return err;
	int wd = (int)ARG(r, 1);
	for (struct nwatch *w = in->watches; w; w = w->inext)
		if (w->wd == wd) {
			notify_watch_drop(r->sup, w, true);
			return 0;
		}
	return -EINVAL;
}
