/* inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch: the
 * sandbox's inotify on overlay paths (see include/ovlrun/notify.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ovlrun/syscalls.h"
#include "handlers.h"
#include "notify_int.h"

/* The command's end gets room for many events: an inotify queue holds
 * 16384 by default, and a full socket means IN_Q_OVERFLOW. */
#define INST_BUFFER (8 << 20)

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
	int64_t rv = req_addfd(r, sv[1], flags & IN_CLOEXEC);  /* closes sv[1] */
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
	err = req_lookup(r, AT_FDCWD, path, lflags, false, &e);
	if (err == SC_CONTINUE && path[0] == '/') {
		/* a kernel-served mount (/dev): watched as the kernel sees it */
		err = ovl_lookup(r->sup->fs, cred, "/", path, lflags, &e);
		if (!err && !e.passthrough) {
			ovl_entry_release(&e);
			err = -EOPNOTSUPP;
		}
	} else if (err == SC_CONTINUE) {
		err = -EOPNOTSUPP;  /* a relative path into a kernel-served mount */
	}
	if (err)
		return err;
	if (!e.passthrough) {
		if (e.type == 0)
			err = -ENOENT;
		else if ((mask & IN_ONLYDIR) && !S_ISDIR(e.type))
			err = -ENOTDIR;
		else
			err = ovl_permission(cred, &e.st, OVL_MAY_READ);
	}
	char canon[PATH_MAX];
	int cl = snprintf(canon, sizeof(canon), "%s", e.path);
	if (e.passthrough && e.pt_rest[0] &&
	    snprintf(canon + cl, sizeof(canon) - (size_t)cl, "/%s", e.pt_rest) >= (int)sizeof(canon) - cl)
		err = err ? err : -ENAMETOOLONG;
	bool isdir = S_ISDIR(e.type);
	ovl_entry_release(&e);
	if (err)
		return err;

	struct notify *n = r->sup->notify;
	uint32_t events = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK);
	for (struct nwatch *w = notify_find(n, canon); w; w = w->hnext) {
		if (w->inst != in || strcmp(w->path, canon))
			continue;
		if (mask & IN_MASK_CREATE)
			return -EEXIST;
		w->mask = mask & IN_MASK_ADD ? w->mask | events : events;
		return w->wd;
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
	notify_watch_add(n, w);
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
