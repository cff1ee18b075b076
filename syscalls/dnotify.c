/*
 * dnotify: fcntl(F_NOTIFY) on an overlay directory.
 *
 * The command's directory fds are mirror dirs of the shadow, which see
 * none of the overlay's changes: the kernel's own dnotify on them would
 * never fire (or fire for the shadow's own work).  So F_NOTIFY on an
 * overlay dir is answered here: a registration is a watch of notify.c on
 * the dir's overlay path (the same synthesized and relayed events as
 * inotify's, DN_* mapped to IN_*), owned by an instance of its own, and an
 * event sends the signal dnotify sends: the fd's F_SETSIG signal (SIGIO by
 * default) to the fd's owner (F_SETOWN; a registration makes the caller
 * the owner if there is none, as the kernel does), with si_fd for a
 * real-time one; to another process than the one that registered only if
 * that one could signal it (the kernel checks the owner-setter's rights).
 * Like the rest of notify.c, everything here runs under the serve_lock
 * held exclusively (table.c: sc_alone).
 *
 * Differences (README): si_code is SI_QUEUE, not POLL_MSG (a process may
 * send another no code of the kernel's); a registration ends when its fd
 * no longer holds the description it was made on, seen at its next event,
 * not at the close; past NOTIFY_MAX_WATCHES watches of both
 * kinds a registration fails with ENOSPC.  Dirs outside the overlay
 * (kernel-served mounts, host fds) and removed ones get the kernel's own
 * dnotify.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ovlrun/context.h"
#include "notify_int.h"
#include "resolve_int.h"

struct ndnotify {
	pid_t tgid;                     /* the registering process (supervisor's pid ns) */
	int pidfd;                      /* of that process */
	int fd;                         /* its fd number */
	int copy;                       /* our copy of that fd's open file description */
	unsigned long mask;             /* DN_* */
	bool oneshot;                   /* no DN_MULTISHOT: ends with its first signal */
	uint32_t from_cookie;           /* the last MOVED_FROM's: a rename within the dir */
};

static uint32_t dn_to_in(unsigned long arg)
{
	uint32_t m = 0;
	if (arg & DN_ACCESS)
		m |= IN_ACCESS;
	if (arg & DN_MODIFY)
		m |= IN_MODIFY;
	if (arg & DN_CREATE)
		m |= IN_CREATE | IN_MOVED_TO;
	if (arg & DN_DELETE)
		m |= IN_DELETE | IN_MOVED_FROM;
	if (arg & DN_RENAME)
		m |= IN_MOVED_FROM | IN_MOVED_TO;  /* (dnotify_event: within the dir only) */
	if (arg & DN_ATTRIB)
		m |= IN_ATTRIB;
	return m;
}

bool dnotify_alive(const struct ndnotify *dn)
{
	return syscall(SYS_kcmp, dn->tgid, getpid(), KCMP_FILE, dn->fd, dn->copy) == 0;
}

/* The process (thread group) of thread tid: its id in our pid ns. */
static pid_t tgid_of(pid_t tid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	if (req_read_proc(path, buf, sizeof(buf), -ENOENT) < 0)
		return -1;
	const char *t = strstr(buf, "\nTgid:");
	return t ? (pid_t)atoi(t + 6) : -1;
}

/* A process's real and effective uid, from its status (supervisor's pid
 * namespace); false if gone. */
static bool uids_of(pid_t pid, uid_t *ruid, uid_t *euid)
{
	char path[48], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	bool found = false;
	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "Uid: %u %u", ruid, euid) == 2;
	if (f)
		fclose(f);
	return found;
}

/* May the registering process signal pid (kill(2)'s rule; root inside
 * keeps CAP_KILL)? */
static bool may_signal(const struct ndnotify *dn, pid_t pid)
{
	uid_t r, e, tr, te;
	if (pid == dn->tgid)
		return true;
	if (!uids_of(dn->tgid, &r, &e) || !uids_of(pid, &tr, &te))
		return false;
	return e == 0 || r == tr || r == te || e == tr || e == te;
}

static void dnotify_signal(const struct ndnotify *dn)
{
	struct f_owner_ex owner;
	int sig = fcntl(dn->copy, F_GETSIG);  /* F_SETSIG's: per open file description */
	if (fcntl(dn->copy, F_GETOWN_EX, &owner) || owner.pid <= 0)
		return;                         /* no owner: no signal, as send_sigio */
	pid_t tgid = owner.type == F_OWNER_TID ? tgid_of(owner.pid) : owner.pid;
	if (owner.type == F_OWNER_PGRP || tgid <= 0 || !may_signal(dn, tgid)) {
		/* (a process group: its processes as kill(2) would, by the
		 * registrant's right, which kill checks itself only for us) */
		if (owner.type == F_OWNER_PGRP && may_signal(dn, dn->tgid) && dn->tgid > 0)
			(void)kill(-owner.pid, sig > 0 ? sig : SIGIO);
		return;
	}
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = sig > 0 ? sig : SIGIO;
	si.si_code = SI_QUEUE;
	si.si_band = POLLIN | POLLRDNORM | POLLMSG;
	if (sig > 0)
		si.si_fd = dn->fd;
	if (owner.type == F_OWNER_TID)
		(void)syscall(SYS_rt_tgsigqueueinfo, tgid, owner.pid, si.si_signo, &si);
	else if (sig > 0)
		(void)syscall(SYS_rt_sigqueueinfo, tgid, si.si_signo, &si);
	else
		(void)kill(tgid, SIGIO);
}

bool dnotify_event(struct ndnotify *dn, uint32_t mask, uint32_t cookie)
{
	/* one signal per dnotify event the kernel would make of it: a move
	 * out is a DELETE, a move in a CREATE, and the second half of a
	 * rename within the dir also a RENAME */
	int n = !!(mask & IN_ACCESS && dn->mask & DN_ACCESS) +
		!!(mask & IN_MODIFY && dn->mask & DN_MODIFY) +
		!!(mask & (IN_CREATE | IN_MOVED_TO) && dn->mask & DN_CREATE) +
		!!(mask & (IN_DELETE | IN_MOVED_FROM) && dn->mask & DN_DELETE) +
		!!(mask & IN_ATTRIB && dn->mask & DN_ATTRIB);
	if (mask & IN_MOVED_TO)
		n += cookie && cookie == dn->from_cookie && (dn->mask & DN_RENAME);
	dn->from_cookie = mask & IN_MOVED_FROM ? cookie : 0;
	for (int i = 0; i < n && !(i && dn->oneshot); i++)
		dnotify_signal(dn);
	return n && dn->oneshot;
}

void dnotify_free(struct ndnotify *dn)
{
	close(dn->pidfd);
	close(dn->copy);
	free(dn);
}


/* The registration of process tgid on copy's description, or NULL. */
static struct ninst *registered(struct notify *n, pid_t tgid, int copy)
{
	pid_t self = getpid();
	for (struct ninst *in = n->insts; in; in = in->next)
		if (in->dn && in->dn->tgid == tgid &&
		    syscall(SYS_kcmp, self, self, KCMP_FILE, copy, in->dn->copy) == 0)
			return in;
	return NULL;
}

/* A new registration of process tgid (its fd, our copy: taken) on dir. */
static int add(struct sup *s, const char *dir, unsigned long arg, pid_t tgid, int fd, int copy)
{
	struct notify *n = s->notify;
	if (n->nwatch >= NOTIFY_MAX_WATCHES) {
		close(copy);
		return -ENOSPC;         /* a bound on the supervisor's memory, as for inotify */
	}
	struct ndnotify *dn = calloc(1, sizeof(*dn));
	struct ninst *in = calloc(1, sizeof(*in));
	struct nwatch *w = calloc(1, sizeof(*w));
	int pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	char *path = strdup(dir);
	if (!dn || !in || !w || pidfd < 0 || !path) {
		int err = pidfd < 0 ? -errno : -ENOMEM;
		free(dn), free(in), free(w), free(path);
		if (pidfd >= 0)
			close(pidfd);
		close(copy);
		return err;
	}
	*dn = (struct ndnotify){ .tgid = tgid, .pidfd = pidfd, .fd = fd, .copy = copy,
				 .mask = arg & ~DN_MULTISHOT, .oneshot = !(arg & DN_MULTISHOT) };
	in->sock = -1;
	in->dn = dn;
	in->next = n->insts;
	n->insts = in;
	n->ninst++;
	w->inst = in;
	w->wd = ++in->next_wd;
	w->mask = dn_to_in(arg);
	w->isdir = true;
	w->path = path;
	notify_watch_add(n, w);
	notify_real_attach(s, w);
	return 0;
}

int64_t dnotify_fcntl(struct req *r)
{
	int fd = (int)ARG(r, 0);
	unsigned long arg = ARG(r, 2);
	char canon[OVL_PATH_MAX];
	enum fd_kind kind;
	int copy = req_getfd(r, fd);
	if (copy < 0)
		return copy == -EBADF ? -EBADF : SC_CONTINUE;
	/* an overlay dir's mirror: ours; anything else the kernel's */
	int err = req_own_fd_kind(r, copy, canon, &kind);
	pid_t tgid = tgid_of(r->pid);
	struct notify *n = notify_get(r->sup);
	if (err || kind != FD_MIRROR || resolve_is_served(r->sup, canon) || tgid <= 0 || !n) {
		close(copy);
		return SC_CONTINUE;
	}
	struct ninst *in = registered(n, tgid, copy);
	uint32_t mask = dn_to_in(arg);
	if (in && (!mask || !in->watches)) {
		notify_inst_free(r->sup, in);  /* removed, or a one-shot one spent */
		in = NULL;
	}
	if (!mask) {
		close(copy);
		return 0;
	}
	/* as the kernel, a registration makes the process the fd's owner
	 * (F_GETOWN) if it has none: on the description our copy shares */
	if (fcntl(copy, F_GETOWN) == 0)
		(void)fcntl(copy, F_SETOWN, tgid);
	if (in) {
		/* as the kernel: the events add up; the last call says one-shot or not */
		in->dn->mask |= arg & ~DN_MULTISHOT;
		in->dn->oneshot = !(arg & DN_MULTISHOT);
		in->watches->mask = dn_to_in(in->dn->mask);
		in->dn->fd = fd;
		close(copy);
		return 0;
	}
	return add(r->sup, canon, arg, tgid, fd, copy);
}
