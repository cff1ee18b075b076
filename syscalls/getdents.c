/*
 * getdents, getdents64 on mirror directories: the merged listing.  The
 * resume cookie lives in the file position of the tracee's own open file
 * description, so lseek/rewinddir/telldir work natively and dup'ed fds
 * share it, as on Linux.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include "ovlrun/notify.h"
#include "ovlrun/syscalls.h"

struct fill {
	char *buf;
	size_t size, used;
	bool old_format;           /* getdents: linux_dirent with d_type last */
	uint64_t pos;              /* cookie after the last entry written */
	bool full;                 /* an entry did not fit */
};

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static int fill_one(void *ctx, const char *name, uint64_t ino, unsigned char type, uint64_t next)
{
	struct fill *f = ctx;
	size_t nlen = strlen(name);
	size_t reclen;
	if (f->old_format)  /* ino, off, reclen, name, NUL, d_type */
		reclen = align8(8 + 8 + 2 + nlen + 2);
	else
		reclen = align8(offsetof(struct dirent64, d_name) + nlen + 1);
	if (f->used + reclen > f->size) {
		f->full = true;
		return 1;
	}
	char *p = f->buf + f->used;
	memset(p, 0, reclen);
	if (f->old_format) {
		unsigned long d_ino = ino, d_off = next;
		unsigned short rl = (unsigned short)reclen;
		memcpy(p, &d_ino, 8);
		memcpy(p + 8, &d_off, 8);
		memcpy(p + 16, &rl, 2);
		memcpy(p + 18, name, nlen);
		p[reclen - 1] = (char)type;
	} else {
		struct dirent64 *d = (struct dirent64 *)p;
		d->d_ino = ino;
		d->d_off = (int64_t)next;
		d->d_reclen = (unsigned short)reclen;
		d->d_type = type;
		memcpy(d->d_name, name, nlen);
	}
	f->used += reclen;
	f->pos = next;
	return 0;
}

static int64_t do_getdents(struct req *r, bool old_format)
{
	int tfd = (int)ARG(r, 0);
	size_t count = (size_t)(unsigned)ARG(r, 2);
	struct ovl_entry e;
	/* Only mirror dirs are listed here; the kernel answers for the rest
	 * (/proc and friends, removed dirs: ENOENT, non-dirs: ENOTDIR). */
	r->intent = INTENT_READ;
	int err = req_lookup(r, tfd, "", 0, true, &e);
	if (err)
		return err;
	if (!S_ISDIR(e.type)) {
		ovl_entry_release(&e);
		return -ENOTDIR;
	}
	if (count > REQ_SCRATCH_SIZE)
		count = REQ_SCRATCH_SIZE;
	int fd = req_getfd(r, tfd);
	if (fd < 0) {
		ovl_entry_release(&e);
		return fd;
	}
	/* an O_PATH fd lists nothing (and has no offset) */
	int fl = fcntl(fd, F_GETFL);
	off_t pos = fl < 0 || (fl & O_PATH) ? -1 : lseek(fd, 0, SEEK_CUR);
	if (pos < 0) {
		close(fd);
		ovl_entry_release(&e);
		return -EBADF;
	}
	char *buf = r->scratch;
	struct fill f = { .buf = buf, .size = count, .old_format = old_format,
			  .pos = (uint64_t)pos };
	err = ovl_readdir(r->sup->fs, &e, f.pos, fill_one, &f);
	if (!err)
		notify_path(r->sup, e.path, IN_ACCESS, true);
	ovl_entry_release(&e);
	if (!err && f.used == 0 && f.full)
		err = -EINVAL;  /* the buffer cannot hold the next entry */
	if (!err && f.used)
		err = req_write(r, ARG(r, 1), buf, f.used);
	if (!err)
		lseek(fd, (off_t)f.pos, SEEK_SET);
	close(fd);
	return err ? err : (int64_t)f.used;
}

int64_t sys_getdents64(struct req *r)
{
	return do_getdents(r, false);
}

int64_t sys_getdents(struct req *r)
{
	return do_getdents(r, true);
}
