/*
 * Paths into the kernel-served mounts of the shadow root: /proc, /dev,
 * /sys and --bind mounts.  The kernel resolves these itself (SC_CONTINUE),
 * so the supervisor first makes sure its resolution reaches what the
 * overlay would:
 *
 *  - a symlink in them (/dev/stdin, a link made in /dev/shm or a --bind
 *    dir, /sys's own) is followed here: where it leads back into the
 *    overlay or into /proc, the lookup goes on from there;
 *  - /proc magic links of every process and thread (procfs.c) are followed
 *    in the overlay, as for /proc/self, after the kernel's ptrace access
 *    check made as the tracee; one to a host object (stdio from the host)
 *    is opened by the supervisor, never with more access than its fd has;
 *  - /proc/<pid>/mountinfo is served from a copy without host paths
 *    (mountinfo.c), /proc/<pid>/autogroup is never opened for writing;
 *  - a call that changes what the path names (chmod, chown, utimes,
 *    truncate, xattrs) is made by the supervisor, as the tracee, on the
 *    object it resolved (SC_OBJECT): nothing is left to re-resolve.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ovlrun/syscalls.h"
#include "resolve_int.h"

#define SCOPED (OVL_LOOKUP_BENEATH | OVL_LOOKUP_IN_ROOT)

static bool acts(const struct req *r)
{
	return r->want_obj && r->intent == INTENT_MODIFY;
}

/* Only looking: a read-only open, stat, readlink... */
static bool looks(const struct req *r)
{
	return r->intent == INTENT_READ || (r->intent == INTENT_OPEN && r->open_acc == O_RDONLY);
}

/* An O_PATH fd of path resolved in the tracee's root as the kernel would
 * for it (search permission as the tracee), with no symlink on the way:
 * they were followed before (expand), so one now is a race. */
static int pass_object(struct req *r, const char *path, unsigned flags)
{
	char root[64];
	snprintf(root, sizeof(root), "/proc/%d/root", r->pid);
	int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return -errno;
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (flags & OVL_LOOKUP_FOLLOW ? 0 : O_NOFOLLOW),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	struct req_saved sv;
	int err = req_become(r, &sv);
	if (!err) {
		int fd = (int)syscall(SYS_openat2, rfd, path, &how, sizeof(how));
		err = fd < 0 ? -errno : 0;
		req_unbecome(&sv);
		if (!err)
			err = resolve_hold(r, fd, OBJ_PASS);
	}
	close(rfd);
	return err;
}

/* The access mode of fd N of a process (dir: its /proc dir), -1 for an
 * O_PATH fd or an unknown one. */
static int fdinfo_access(const char *dir, int fd)
{
	int flags;
	off_t pos;
	if (req_fdinfo(dir, fd, &flags, &pos) || (flags & O_PATH))
		return -1;
	return flags & O_ACCMODE;
}

int served_fd_policy(struct req *r, const char *link)
{
	/* Pipes, sockets and anonymous inodes have no path: theirs is the
	 * kernel's business.  A host object (stdio from the host) may be
	 * looked at, never changed through its fd. */
	if (link[0] != '/' || r->intent == INTENT_READ)
		return SC_CONTINUE;
	return -EPERM;
}

/*
 * A magic link to an fd the sandbox did not make: stdio inherited from the
 * host.  The kernel would follow it to a host object with the tracee's root
 * powers; it may be looked at, and reopened with the access the fd already
 * has, nothing more: by the supervisor, on the object it checked (obj, an
 * O_PATH fd of it; consumed).
 */
static int host_object(struct req *r, const struct proc_path *pp, const char *link, int obj)
{
	if (served_fd_policy(r, link) == SC_CONTINUE) {
		if (acts(r))
			return resolve_hold(r, obj, OBJ_PASS);
		close(obj);
		return SC_CONTINUE;
	}
	if (r->intent != INTENT_OPEN || pp->fd < 0) {
		close(obj);
		return -EPERM;
	}
	/* the mode of the fd the link still names (a dup2 meanwhile: refused) */
	int held = fdinfo_access(pp->dir, pp->fd);
	struct stat a, b;
	bool same = !fstat(obj, &a) && !stat(pp->file, &b) && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino;
	bool ok = same && (held == O_RDWR || (held >= 0 && held == r->open_acc));
	if (!ok || !r->want_obj || S_ISFIFO(a.st_mode)) {
		/* a FIFO's open blocks: the tracee's own, in the kernel */
		close(obj);
		return ok ? SC_CONTINUE : -EACCES;
	}
	r->obj_acc = held;
	return resolve_hold(r, obj, OBJ_HOST);
}

static int via_magic(struct req *r, const struct proc_path *pp, unsigned flags,
		     struct ovl_entry *e, int depth)
{
	char link[OVL_PATH_MAX], canon[OVL_PATH_MAX], next[OVL_PATH_MAX];
	enum fd_kind kind;
	int obj = proc_open_link(r, pp);
	if (obj < 0)
		return obj;
	int err = 0;
	if (flags & (OVL_LOOKUP_NO_SYMLINKS | OVL_LOOKUP_NO_MAGICLINKS))
		err = -ELOOP;  /* RESOLVE_NO_MAGICLINKS: not through a magic link */
	else if (flags & SCOPED)
		err = -EXDEV;  /* RESOLVE_BENEATH, RESOLVE_IN_ROOT: neither */
	if (err) {
		close(obj);
		return err;
	}
	/* what is held is what is classified: a dup2 meanwhile changes nothing */
	err = resolve_own_fd(r, obj, canon, &kind, link);
	if (kind == FD_OTHER) {
		/* an upper file whose name went while another remains: its
		 * link names the work dir, where its removed name went */
		if (r->stat_only && !pp->out[0] && resolve_link_deleted(link) &&
		    resolve_renumbered(r, obj, true, NULL) == SC_OBJECT)
			return SC_OBJECT;
		return host_object(r, pp, link, obj);
	}
	if (err) {
		/* an unlinked object, outside the overlay's names: the object
		 * itself, which the kernel would reach through the link */
		if (r->want_obj && r->intent != INTENT_READ)
			return resolve_hold(r, obj, kind == FD_MIRROR ? OBJ_PASS : OBJ_UNLINKED);
		if (r->stat_only && kind != FD_MIRROR && !pp->out[0] &&
		    resolve_renumbered(r, obj, true, NULL) == SC_OBJECT)
			return SC_OBJECT;  /* a copy that reports its origin's ids */
		if (r->stat_only && kind == FD_MIRROR && !pp->out[0] &&
		    resolve_gone_dir(r, obj, NULL) == SC_OBJECT)
			return SC_OBJECT;  /* a removed dir, as the overlay showed it */
		struct stat st;  /* (an exec of it: not while a copy of ours is open, sent.c) */
		if (!fstat(obj, &st))
			sent_wait(r->sup->sent, st.st_dev, st.st_ino);
		close(obj);
		return SC_CONTINUE;
	}
	close(obj);
	/* an overlay object: the kernel would follow the link to the
	 * overlay's own dentry, so the walk goes on in the overlay */
	if (snprintf(next, sizeof(next), "%s%s", canon, pp->out) >= (int)sizeof(next))
		return -ENAMETOOLONG;
	return resolve_lookup(r, AT_FDCWD, next, flags, false, e, depth + 1);
}

static int via_proc(struct req *r, const char *rest, unsigned flags, struct ovl_entry *e,
		    int depth)
{
	struct proc_path pp;
	int err = proc_parse(r, rest, &pp);
	if (err)
		return err;
	switch (pp.kind) {
	case PROC_OUT:
		/* "/proc/../x": in the overlay, only to look (as from /dev) */
		if (!looks(r))
			return -EACCES;
		if (flags & SCOPED)
			break;
		return resolve_lookup(r, AT_FDCWD, pp.out, flags, false, e, depth + 1);
	case PROC_MAGIC:
		if (pp.out[0] || (flags & OVL_LOOKUP_FOLLOW))
			return via_magic(r, &pp, flags, e, depth);
		break;  /* the link itself (lstat, lchown) */
	case PROC_MOUNTS:
		/* the mount table without host paths, its root an overlay;
		 * mounts is made from mountinfo; mountstats has no root
		 * field: it shows none */
		if (r->intent == INTENT_OPEN && r->want_obj &&
		    (!strcmp(pp.name, "mountinfo") || !strcmp(pp.name, "mounts"))) {
			char info[PATH_MAX + 16];
			if (r->open_acc != O_RDONLY)
				return -EACCES;
			snprintf(info, sizeof(info), "%s/mountinfo", pp.dir);
			return resolve_hold(r, open(info, O_RDONLY | O_CLOEXEC),
					    strcmp(pp.name, "mounts") ? OBJ_MOUNTS : OBJ_MOUNTS_TABLE);
		}
		break;
	case PROC_AUTOGROUP:
		/* renicing a whole session's scheduling group: never */
		if (r->intent == INTENT_OPEN && r->open_acc != O_RDONLY)
			return -EACCES;
		break;
	case PROC_OTHER:
		return acts(r) ? pass_object(r, pp.out, flags) : SC_CONTINUE;
	}
	if (acts(r))
		return resolve_hold(r, open(pp.file, O_PATH | O_NOFOLLOW | O_CLOEXEC), OBJ_PASS);
	return SC_CONTINUE;
}

/* An O_PATH fd of path in the supervisor's view of the shadow root,
 * without following any symlink; -errno. */
static int open_nolinks(struct sup *s, const char *path, bool follow)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS,
	};
	int fd = (int)syscall(SYS_openat2, s->shadow_fd, path, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

/* No ".", ".." or empty component: the kernel's walk is lexical. */
static bool clean(const char *p)
{
	for (; *p; p++) {
		if (p[0] != '/' || p[1] == '/')
			continue;
		if (p[1] == '.' && (!p[2] || p[2] == '/' || (p[2] == '.' && (!p[3] || p[3] == '/'))))
			return false;
	}
	return true;
}

/* Does the kernel's walk of full meet no symlink and no ".."?  (The usual
 * case, /dev/null: one openat2.)  For a missing name, its parent's walk. */
static bool plain(struct sup *s, const char *full, bool follow)
{
	if (!clean(full))
		return false;
	int fd = open_nolinks(s, full, follow);
	if (fd == -ENOENT) {
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", full);
		char *slash = strrchr(parent, '/');
		if (slash && slash != parent) {
			*slash = 0;
			fd = open_nolinks(s, parent, true);
		}
	}
	if (fd >= 0)
		close(fd);
	return fd != -ELOOP;
}

/*
 * Walk full (absolute) as the kernel would, following the symlinks met in
 * kernel-served mounts other than /proc.  out: where the walk leaves them
 * (into the overlay, or into /proc) followed by the rest, or the walk's
 * symlink-free result; *climbed if a ".." left them.  0, or -ELOOP (too
 * many links, or RESOLVE_NO_SYMLINKS).
 */
static int expand(struct sup *s, const char *full, unsigned flags, char *out, bool *climbed)
{
	char cur[PATH_MAX] = "", todo[2 * PATH_MAX], next[2 * PATH_MAX], target[PATH_MAX];
	int links = 0;
	/* the part before the served mount is the overlay's, already walked */
	for (int i = 0; i < s->npass; i++) {
		size_t n = strlen(s->pass[i]);
		if (resolve_under(full, s->pass[i], n) && n > strlen(cur))
			memcpy(cur, full, n + 1), cur[n] = 0;
	}
	snprintf(todo, sizeof(todo), "%s", full + strlen(cur));
	const char *p = todo, *after = "";
	for (;;) {
		p += strspn(p, "/");
		if (!*p)
			break;
		size_t len = strcspn(p, "/");
		after = p + len;
		if (len == 1 && p[0] == '.') {
			p = after;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(cur, '/');
			if (slash)
				*slash = 0;
			if (!cur[0] || !resolve_is_served(s, cur))
				*climbed = true;
			p = after;
			continue;
		}
		char cand[PATH_MAX];
		if (snprintf(cand, sizeof(cand), "%s/%.*s", cur, (int)len, p) >= (int)sizeof(cand))
			return -ENAMETOOLONG;
		bool last = !after[strspn(after, "/")];
		int fd = -1;
		if (resolve_is_served(s, cand) && !resolve_under(cand, "/proc", 5))
			fd = open_nolinks(s, cand, false);
		if (fd < 0) {
			/* out of the served mounts, or a name the kernel will not
			 * find either: the rest is the lookup's */
			return snprintf(out, PATH_MAX, "%s%s", cand, after) >= PATH_MAX ? -ENAMETOOLONG
											 : 0;
		}
		struct stat st;
		bool link = !fstat(fd, &st) && S_ISLNK(st.st_mode) &&
			    (!last || (flags & OVL_LOOKUP_FOLLOW));
		ssize_t n = link ? readlinkat(fd, "", target, sizeof(target) - 1) : 0;
		close(fd);
		if (!link) {
			memcpy(cur, cand, sizeof(cur));
			p = after;
			continue;
		}
		if ((flags & OVL_LOOKUP_NO_SYMLINKS) || ++links > OVL_MAX_SYMLINKS || n <= 0)
			return -ELOOP;
		target[n] = 0;
		if (target[0] == '/')
			cur[0] = 0;
		if (snprintf(next, sizeof(next), "%s%s", target, after) >= PATH_MAX)
			return -ENAMETOOLONG;
		memcpy(todo, next, sizeof(todo));
		p = todo;
		after = "";
	}
	snprintf(out, PATH_MAX, "%s%s", cur[0] ? cur : "/", after[0] && cur[0] ? "/" : "");
	return 0;
}

int served_lookup(struct req *r, const char *full, unsigned flags, struct ovl_entry *e, int depth)
{
	char out[PATH_MAX];
	if (depth >= RESOLVE_MAX_DEPTH)
		return -ELOOP;
	/* (below a dir fd deep in a served mount: its paths are the
	 * kernel's, served here up to PATH_MAX) */
	if (strlen(full) >= PATH_MAX)
		return -ENAMETOOLONG;
	const char *rest = resolve_under(full, "/proc", 5);
	if (rest)
		return via_proc(r, rest, flags, e, depth);
	if (!plain(r->sup, full, flags & OVL_LOOKUP_FOLLOW)) {
		bool climbed = false;
		int err = expand(r->sup, full, flags, out, &climbed);
		if (err)
			return err;
		/* "/dev/../x" goes on in the overlay, only to look (a change
		 * there is refused, as the kernel would have made it in the
		 * shadow root) */
		if (climbed && !looks(r))
			return -EACCES;
		/* scoped walks (RESOLVE_BENEATH, IN_ROOT) are the kernel's: it
		 * keeps them below their dirfd, magic links refused */
		if (strcmp(out, full) && !(flags & SCOPED))
			return resolve_lookup(r, AT_FDCWD, out, flags, false, e, depth + 1);
		full = out;
	}
	return acts(r) ? pass_object(r, full, flags) : SC_CONTINUE;
}
