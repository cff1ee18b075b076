/* rename, renameat, renameat2; link, linkat. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ovlrun/syscalls.h"
#include "names.h"

/* Both names of a two-path call (rename, or link when is_link), without
 * following final symlinks. */
static int two_entries(struct req *r, int olddirfd, uint64_t old_addr, unsigned old_flags,
		       int newdirfd, uint64_t new_addr, bool old_empty_ok, bool is_link,
		       struct ovl_entry *o, struct ovl_entry *n)
{
	char oldp[PATH_MAX], newp[PATH_MAX];
	int err = req_path(r, old_addr, oldp);
	if (err == -EFAULT && old_empty_ok && !old_addr)
		oldp[0] = 0, err = 0;
	if (err || (err = req_path(r, new_addr, newp)))
		return err;
	/* rename refuses "." and ".." names at once; link looks the old
	 * name up first and finds the new one taken */
	if (!is_link && (last_is_dot(oldp) || last_is_dot(newp)))
		return -EBUSY;
	err = req_lookup(r, olddirfd, oldp, old_flags, old_empty_ok, o);
	if (err == SC_CONTINUE) {
		/* the old name in a kernel-served mount (/dev/shm, a --bind):
		 * the kernel's call if the new one is in one too (the same,
		 * or it says EXDEV itself), as unlink there is */
		struct ovl_entry tmp;
		int nerr = req_lookup(r, newdirfd, newp, 0, false, &tmp);
		if (!nerr)
			ovl_entry_release(&tmp);
		return nerr == SC_CONTINUE ? SC_CONTINUE : nerr ? nerr : -EXDEV;
	}
	if (err)
		return err;
	if (is_link && last_is_dot(newp)) {
		err = o->type == 0 ? -ENOENT : -EEXIST;
		ovl_entry_release(o);
		return err;
	}
	err = req_lookup(r, newdirfd, newp, 0, false, n);
	if (err) {
		ovl_entry_release(o);
		return err == SC_CONTINUE ? -EXDEV : err;
	}
	return 0;
}

static int64_t do_rename(struct req *r, int olddirfd, uint64_t old_addr, int newdirfd,
			 uint64_t new_addr, unsigned flags)
{
	struct ovl_entry o, n;
	const struct ovl_cred *cred;
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
		return -EINVAL;
	int err = req_cred(r, &cred);
	if (err || (err = two_entries(r, olddirfd, old_addr, 0, newdirfd, new_addr, false, false,
				      &o, &n)))
		return err;
	err = ovl_rename(r->sup->fs, cred, &o, &n, flags);
	ovl_entry_release(&o);
	ovl_entry_release(&n);
	return err;
}

int64_t sys_rename(struct req *r)
{
	return do_rename(r, AT_FDCWD, ARG(r, 0), AT_FDCWD, ARG(r, 1), 0);
}

int64_t sys_renameat(struct req *r)
{
	return do_rename(r, (int)ARG(r, 0), ARG(r, 1), (int)ARG(r, 2), ARG(r, 3), 0);
}

int64_t sys_renameat2(struct req *r)
{
	return do_rename(r, (int)ARG(r, 0), ARG(r, 1), (int)ARG(r, 2), ARG(r, 3), (unsigned)ARG(r, 4));
}

/* linkat of an upper file held open (O_TMPFILE, or unlinked meanwhile),
 * named by AT_EMPTY_PATH or /proc/self/fd/N: SC_CONTINUE if not that. */
static int64_t link_from_fd(struct req *r, const struct ovl_cred *cred, int olddirfd,
			    uint64_t old_addr, int newdirfd, uint64_t new_addr, int flags)
{
	char oldp[PATH_MAX], newp[PATH_MAX];
	struct ovl_entry n;
	int fd;
	int err = req_path(r, old_addr, oldp);
	if (err == -EFAULT && (flags & AT_EMPTY_PATH) && !old_addr)
		oldp[0] = 0, err = 0;
	if (err)
		return err;
	if (oldp[0] && !(flags & AT_SYMLINK_FOLLOW))
		return SC_CONTINUE;
	err = req_upper_fd(r, olddirfd, oldp, flags & AT_EMPTY_PATH, &fd);
	if (err <= 0)
		return err ? err : SC_CONTINUE;
	if (!(err = req_path(r, new_addr, newp)) && !(err = req_lookup(r, newdirfd, newp, 0, false, &n))) {
		err = n.type ? -EEXIST : ovl_link_fd(r->sup->fs, cred, fd, &n);
		ovl_entry_release(&n);
	}
	close(fd);
	return err == SC_CONTINUE ? -EXDEV : err;
}

static int64_t do_link(struct req *r, int olddirfd, uint64_t old_addr, int newdirfd,
		       uint64_t new_addr, int flags)
{
	struct ovl_entry o, n;
	const struct ovl_cred *cred;
	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	int err = req_cred(r, &cred);
	if (err)
		return err;
	int64_t rv = link_from_fd(r, cred, olddirfd, old_addr, newdirfd, new_addr, flags);
	if (rv != SC_CONTINUE)
		return rv;
	err = two_entries(r, olddirfd, old_addr, flags & AT_SYMLINK_FOLLOW ? OVL_LOOKUP_FOLLOW : 0,
			  newdirfd, new_addr, flags & AT_EMPTY_PATH, true, &o, &n);
	if (err)
		return err;
	/* Linux's order: the old name, then the new one free, writable and
	 * the caller's to make (ovl_link), then the old one no dir (there) */
	if (o.type == 0)
		err = -ENOENT;
	else
		err = ovl_link(r->sup->fs, cred, &o, &n);
	ovl_entry_release(&o);
	ovl_entry_release(&n);
	return err;
}

int64_t sys_link(struct req *r)
{
	return do_link(r, AT_FDCWD, ARG(r, 0), AT_FDCWD, ARG(r, 1), 0);
}

int64_t sys_linkat(struct req *r)
{
	return do_link(r, (int)ARG(r, 0), ARG(r, 1), (int)ARG(r, 2), ARG(r, 3), (int)ARG(r, 4));
}
