/*
 * From a tracee's (dirfd, path) to an overlay entry.  The tracee's cwd and
 * directory fds are mirror directories in the shadow root, whose paths are
 * the overlay paths; file fds are real layer files.  readlink of the
 * tracee's /proc entries tells which.  A tracee that swaps the fd between
 * our readlink and our answer only changes which overlay path it names:
 * everything is still resolved inside the overlay.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ovlrun/notify.h"
#include "ovlrun/shadow.h"
#include "ovlrun/syscalls.h"

static const char deleted_suffix[] = " (deleted)";

/* s under prefix (equal, or followed by '/'): the rest, "/" if equal. */
static const char *under(const char *s, const char *prefix, size_t plen)
{
	if (!plen || strncmp(s, prefix, plen) || (s[plen] && s[plen] != '/'))
		return NULL;
	return s[plen] ? s + plen : "/";
}

static bool is_passthrough(const struct sup *s, const char *canon)
{
	for (int i = 0; i < s->npass; i++)
		if (under(canon, s->pass[i], strlen(s->pass[i])))
			return true;
	return false;
}

/* What a supervisor-side readlink of a tracee's magic link names. */
static int classify(struct sup *s, char *link, char *canon, enum fd_kind *kind)
{
	size_t n = strlen(link), dl = sizeof(deleted_suffix) - 1;
	bool deleted = n > dl && !strcmp(link + n - dl, deleted_suffix);
	const char *rest = NULL;
	*kind = FD_OTHER;
	if ((rest = under(link, s->shadow, s->shadow_len))) {
		*kind = FD_MIRROR;
	} else if (s->upper_prefix[0] &&
		   (rest = under(link, s->upper_prefix, strlen(s->upper_prefix)))) {
		*kind = FD_UPPER;
	} else {
		for (int i = 0; i < s->opt.nlower && !rest; i++)
			if ((rest = under(link, s->lower_prefix[i], strlen(s->lower_prefix[i]))))
				*kind = FD_LOWER;
	}
	if (*kind == FD_OTHER)
		return 0;
	/* canon is filled either way; without the kernel's " (deleted)" */
	snprintf(canon, PATH_MAX, "%.*s", (int)(strlen(rest) - (deleted ? dl : 0)), rest);
	return deleted ? -ENOENT : 0;
}

static int read_link(const char *proc, char *link)
{
	ssize_t n = readlink(proc, link, PATH_MAX - 1);
	if (n < 0)
		return -errno;
	link[n] = 0;
	return 0;
}

static int fd_kind_link(struct req *r, int fd, char *canon, enum fd_kind *kind, char *link)
{
	char proc[64];
	*kind = FD_OTHER;
	link[0] = 0;
	if (fd == AT_FDCWD)
		snprintf(proc, sizeof(proc), "/proc/%d/cwd", r->pid);
	else if (fd < 0)
		return -EBADF;
	else
		snprintf(proc, sizeof(proc), "/proc/%d/fd/%d", r->pid, fd);
	int err = read_link(proc, link);
	if (err)
		return err == -ENOENT && fd != AT_FDCWD ? -EBADF : -ENOENT;
	return classify(r->sup, link, canon, kind);
}

int req_fd_kind(struct req *r, int fd, char *canon, enum fd_kind *kind)
{
	char link[PATH_MAX];
	return fd_kind_link(r, fd, canon, kind, link);
}

/* The open access mode of the tracee's fd, or -1. */
static int fd_access(struct req *r, int fd)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", r->pid, fd);
	int f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -1;
	ssize_t n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strstr(buf, "flags:");
	return p ? (int)(strtol(p + 6, NULL, 8) & O_ACCMODE) : -1;
}

/*
 * An fd the sandbox did not make: stdio inherited from the host.  Its
 * magic link leads the kernel to a host object with the tracee's root
 * powers, so the kernel may look at it and reopen it with the access the fd
 * already has, nothing more.  Pipes, sockets and anonymous inodes have no
 * path: theirs is the kernel's business.
 */
static int other_fd_policy(struct req *r, const char *link, int fd)
{
	if (link[0] != '/' || r->intent == INTENT_READ)
		return SC_CONTINUE;
	if (r->intent != INTENT_OPEN || fd < 0)
		return -EPERM;
	int have = fd_access(r, fd), want = r->open_acc;
	bool ok = have == O_RDWR || (have >= 0 && have == want);
	return ok ? SC_CONTINUE : -EACCES;
}

/*
 * "/proc/<self|thread-self|pid>/<fd/N|cwd|root|exe>" followed by tail: the
 * supervisor's own path to that magic link into proc.  0 if rest (what
 * followed "/proc") names one, 1 if not.
 */
static int proc_magic(struct req *r, const char *rest, char *proc, const char **tail)
{
	char dir[PATH_MAX];
	const char *p = rest + strspn(rest, "/");
	const char *who = p;
	p = strchrnul(p, '/');
	int wlen = (int)(p - who);
	/* Only the caller's own links: another process's are the kernel's to
	 * follow, after its ptrace access check. */
	if ((wlen == 4 && !strncmp(who, "self", 4)) ||
	    (wlen == 11 && !strncmp(who, "thread-self", 11)))
		snprintf(dir, sizeof(dir), "/proc/%d", r->pid);
	else
		return 1;
	p += strspn(p, "/");
	const char *what = p;
	p = strchrnul(p, '/');
	int len = (int)(p - what);
	if (len == 2 && !strncmp(what, "fd", 2)) {
		p += strspn(p, "/");
		const char *num = p;
		p = strchrnul(p, '/');
		int nlen = (int)(p - num);
		if (!nlen || nlen > 10 || (int)strspn(num, "0123456789") < nlen)
			return 1;
		snprintf(proc, PATH_MAX, "%.3000s/fd/%.*s", dir, nlen, num);
	} else if ((len == 3 && !strncmp(what, "cwd", 3)) || (len == 3 && !strncmp(what, "exe", 3)) ||
		   (len == 4 && !strncmp(what, "root", 4))) {
		snprintf(proc, PATH_MAX, "%.3000s/%.*s", dir, len, what);
	} else {
		return 1;
	}
	*tail = p;
	return 0;
}

/* Does a path left to resolve in a kernel-served mount contain ".."? */
static bool climbs_out(const char *rest)
{
	for (const char *p = rest; (p = strstr(p, "..")); p += 2)
		if ((p == rest || p[-1] == '/') && (p[2] == '/' || !p[2]))
			return true;
	return false;
}

/* Where a relative walk starts: the canonical overlay dir of dirfd/cwd. */
static int walk_base(struct req *r, int dirfd, const char *path, unsigned flags, char *base)
{
	enum fd_kind kind;
	/* RESOLVE_IN_ROOT: an absolute path starts at the dirfd, its root */
	if (path[0] == '/' && !(flags & OVL_LOOKUP_IN_ROOT)) {
		strcpy(base, "/");
		return 0;
	}
	int err = req_fd_kind(r, dirfd, base, &kind);
	/* A removed directory still works as itself ("." and ""), empty, as
	 * on Linux: its mirror is removed too, the kernel answers. */
	if (err == -ENOENT && kind == FD_MIRROR && (!strcmp(path, ".") || !strcmp(path, "./")))
		return SC_CONTINUE;
	if (err)
		return err;
	return kind == FD_MIRROR ? 0 : -ENOTDIR;
}

int req_mirror(struct req *r, int dirfd, const char *path, unsigned flags)
{
	char base[PATH_MAX];
	const struct ovl_cred *cred;
	int err = req_cred(r, &cred);
	if (!err)
		err = walk_base(r, dirfd, path, flags, base);
	if (err)
		return err == SC_CONTINUE ? 0 : err;  /* nothing to mirror */
	return ovl_walk_mirror(r->sup->fs, cred, base, path, flags, shadow_mirror, r->sup);
}

/*
 * A walk that reached /proc: if it goes on through a magic link to an
 * overlay object (a mirror dir, a layer file), the kernel would follow the
 * link to the overlay's own dentry, so continue the walk in the overlay
 * from there.  SC_CONTINUE when the kernel should do it.
 */
static int lookup_depth(struct req *r, int dirfd, const char *path, unsigned flags,
			bool empty_ok, struct ovl_entry *e, int depth);

static int via_proc_magic(struct req *r, struct ovl_entry *e, unsigned flags, int depth)
{
	char proc[PATH_MAX], link[PATH_MAX], canon[PATH_MAX], next[PATH_MAX];
	const char *tail;
	enum fd_kind kind;
	if (depth >= 8 || !e->pt_rest[0])
		return SC_CONTINUE;
	if (!strcmp(e->path, "/dev")) {
		/* /dev/stdin, /dev/fd/N, ...: the shadow's symlinks to /proc/self/fd */
		static const char *const alias[][2] = {
			{ "/stdin", "/proc/self/fd/0" }, { "/stdout", "/proc/self/fd/1" },
			{ "/stderr", "/proc/self/fd/2" }, { "/fd", "/proc/self/fd" },
		};
		for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++) {
			size_t n = strlen(alias[i][0]);
			if (strncmp(e->pt_rest, alias[i][0], n) || (e->pt_rest[n] && e->pt_rest[n] != '/'))
				continue;
			if (!e->pt_rest[n] && !(flags & OVL_LOOKUP_FOLLOW))
				return SC_CONTINUE;  /* the symlink itself */
			if (flags & (OVL_LOOKUP_NO_SYMLINKS | OVL_LOOKUP_NO_MAGICLINKS))
				return -ELOOP;  /* a symlink, then a magic link */
			if (snprintf(next, sizeof(next), "%s%s", alias[i][1], e->pt_rest + n) >=
			    (int)sizeof(next))
				return -ENAMETOOLONG;
			ovl_entry_release(e);
			return lookup_depth(r, AT_FDCWD, next, flags, false, e, depth + 1);
		}
		return SC_CONTINUE;
	}
	if (strcmp(e->path, "/proc"))
		return SC_CONTINUE;
	if (proc_magic(r, e->pt_rest, proc, &tail) || read_link(proc, link))
		return SC_CONTINUE;
	if (!tail[0] && !(flags & OVL_LOOKUP_FOLLOW))
		return SC_CONTINUE;  /* the link itself (lstat, readlink) */
	if (flags & (OVL_LOOKUP_NO_SYMLINKS | OVL_LOOKUP_NO_MAGICLINKS))
		return -ELOOP;  /* RESOLVE_NO_MAGICLINKS: not through a magic link */
	int err = classify(r->sup, link, canon, &kind);
	if (kind == FD_OTHER) {
		const char *fdpart = strstr(proc + 6, "/fd/");
		return other_fd_policy(r, link, fdpart ? atoi(fdpart + 4) : -1);
	}
	if (err)
		return SC_CONTINUE;  /* an unlinked layer file: the kernel's */
	if (snprintf(next, sizeof(next), "%s%s", canon, tail) >= (int)sizeof(next))
		return -ENAMETOOLONG;
	ovl_entry_release(e);
	return lookup_depth(r, AT_FDCWD, next, flags, false, e, depth + 1);
}

static int lookup_depth(struct req *r, int dirfd, const char *path, unsigned flags,
			bool empty_ok, struct ovl_entry *e, int depth)
{
	char base[PATH_MAX];
	const struct ovl_cred *cred;
	enum fd_kind kind;
	int err = req_cred(r, &cred);
	if (err)
		return err;
	if (!path[0]) {
		if (!empty_ok)
			return -ENOENT;
		/* The call targets the fd itself.  Upper files and non-overlay
		 * fds: the kernel's own answer on the real object is the
		 * overlay's. */
		char link[PATH_MAX];
		err = fd_kind_link(r, dirfd, base, &kind, link);
		if (kind == FD_OTHER && (!err || err == -ENOENT))
			return other_fd_policy(r, link, dirfd);
		if (err == -ENOENT && dirfd != AT_FDCWD)
			return SC_CONTINUE;
		if (err)
			return err;
		/* ...unless a watch must hear of a change: the kernel would
		 * report it by inode, which the watches' mount marks miss */
		if (kind == FD_UPPER && !(r->intent == INTENT_MODIFY && notify_watching(r->sup)))
			return SC_CONTINUE;
		if (is_passthrough(r->sup, base))
			return SC_CONTINUE;
		err = ovl_lookup(r->sup->fs, cred, "/", base,
				 (flags & ~OVL_LOOKUP_FOLLOW) | OVL_LOOKUP_NO_PERM, e);
		if (!err && e->type == 0) {
			ovl_entry_release(e);
			return kind == FD_MIRROR ? -ENOENT : SC_CONTINUE;
		}
		return err;
	}
	err = walk_base(r, dirfd, path, flags, base);
	if (err)
		return err;
	if ((path[0] != '/' || (flags & OVL_LOOKUP_IN_ROOT)) && is_passthrough(r->sup, base))
		return SC_CONTINUE;
	err = ovl_lookup(r->sup->fs, cred, base, path, flags, e);
	if (err)
		return err;
	if (e->passthrough) {
		err = via_proc_magic(r, e, flags, depth);
		if (err != SC_CONTINUE)
			return err;
		/* "/dev/../x" would have the kernel change the shadow root
		 * itself: only looking is let through that way. */
		bool looks = r->intent == INTENT_READ ||
			     (r->intent == INTENT_OPEN && r->open_acc == O_RDONLY);
		if (!looks && climbs_out(e->pt_rest))
			return -EACCES;
		ovl_entry_release(e);
		err = ovl_walk_mirror(r->sup->fs, cred, base, path, flags, shadow_mirror, r->sup);
		return err ? err : SC_CONTINUE;
	}
	return 0;
}

int req_lookup(struct req *r, int dirfd, const char *path, unsigned flags, bool empty_ok,
	       struct ovl_entry *e)
{
	return lookup_depth(r, dirfd, path, flags, empty_ok, e, 0);
}

int req_upper_fd(struct req *r, int dirfd, const char *path, bool empty_ok, int *out)
{
	char proc[PATH_MAX], link[PATH_MAX], canon[PATH_MAX];
	const char *tail = "";
	enum fd_kind kind;
	*out = -1;
	if (!path[0] && empty_ok)
		snprintf(proc, sizeof(proc), "/proc/%d/fd/%d", r->pid, dirfd);
	else if (strncmp(path, "/proc/", 6) || proc_magic(r, path + 5, proc, &tail) || tail[0])
		return 0;
	if (read_link(proc, link))
		return path[0] ? 0 : -EBADF;
	int err = classify(r->sup, link, canon, &kind);
	if (kind != FD_UPPER || (err && err != -ENOENT))
		return 0;
	int fd = open(proc, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*out = fd;
	return 1;
}

int req_magic_readlink(struct req *r, const char *path, char *out, size_t size)
{
	char proc[PATH_MAX], link[PATH_MAX], canon[PATH_MAX];
	const char *tail;
	enum fd_kind kind;
	if (strncmp(path, "/proc/", 6) || proc_magic(r, path + 5, proc, &tail) || tail[0] ||
	    read_link(proc, link))
		return SC_CONTINUE;
	int err = classify(r->sup, link, canon, &kind);
	if (kind != FD_LOWER && kind != FD_UPPER)
		return SC_CONTINUE;  /* mirrors and host objects read the same either way */
	/* an unlinked layer file reads as the kernel writes it: "name (deleted)" */
	int n = snprintf(out, size, "%s%s", canon, err ? deleted_suffix : "");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : n;
}
