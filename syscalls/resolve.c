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
#include <string.h>
#include <unistd.h>
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

int req_fd_kind(struct req *r, int fd, char *canon, enum fd_kind *kind)
{
	char proc[64], link[PATH_MAX];
	struct sup *s = r->sup;
	if (fd == AT_FDCWD)
		snprintf(proc, sizeof(proc), "/proc/%d/cwd", r->pid);
	else if (fd < 0)
		return -EBADF;
	else
		snprintf(proc, sizeof(proc), "/proc/%d/fd/%d", r->pid, fd);
	ssize_t n = readlink(proc, link, sizeof(link) - 1);
	if (n < 0)
		return errno == ENOENT && fd != AT_FDCWD ? -EBADF : -ENOENT;
	link[n] = 0;
	size_t dl = sizeof(deleted_suffix) - 1;
	bool deleted = (size_t)n > dl && !strcmp(link + n - dl, deleted_suffix);
	const char *rest;
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
	if (deleted)
		return -ENOENT;
	snprintf(canon, PATH_MAX, "%s", rest);
	return 0;
}

/* Where a relative walk starts: the canonical overlay dir of dirfd/cwd. */
static int walk_base(struct req *r, int dirfd, const char *path, char *base)
{
	enum fd_kind kind;
	if (path[0] == '/') {
		strcpy(base, "/");
		return 0;
	}
	int err = req_fd_kind(r, dirfd, base, &kind);
	if (err)
		return err;
	if (kind != FD_MIRROR)
		return -ENOTDIR;
	return 0;
}

int req_mirror(struct req *r, int dirfd, const char *path, unsigned flags)
{
	char base[PATH_MAX];
	const struct ovl_cred *cred;
	int err = req_cred(r, &cred);
	if (!err)
		err = walk_base(r, dirfd, path, base);
	if (err)
		return err;
	return ovl_walk_mirror(r->sup->fs, cred, base, path, flags, shadow_mirror, r->sup);
}

int req_lookup(struct req *r, int dirfd, const char *path, unsigned flags, bool empty_ok,
	       struct ovl_entry *e)
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
		err = req_fd_kind(r, dirfd, base, &kind);
		if (err == -ENOENT && dirfd != AT_FDCWD)
			return SC_CONTINUE;
		if (err)
			return err;
		if (kind == FD_UPPER || kind == FD_OTHER)
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
	err = walk_base(r, dirfd, path, base);
	if (err)
		return err;
	if (path[0] != '/' && is_passthrough(r->sup, base))
		return SC_CONTINUE;
	err = ovl_lookup(r->sup->fs, cred, base, path, flags, e);
	if (err)
		return err;
	if (e->passthrough) {
		ovl_entry_release(e);
		err = ovl_walk_mirror(r->sup->fs, cred, base, path, flags, shadow_mirror, r->sup);
		return err ? err : SC_CONTINUE;
	}
	return 0;
}
