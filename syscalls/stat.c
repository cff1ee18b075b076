/* stat, lstat, fstat, newfstatat, statx, statfs, fstatfs. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include "ovlrun/syscalls.h"

#define STAT_AT_FLAGS (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)

/* SC_OBJECT of a stat (OBJ_RENUMBERED): the kernel's answer on the
 * object, with the ids the overlay reports; OBJ_GONE_DIR: obj_st. */
static int obj_stat(struct req *r, struct stat *st)
{
	int err = 0;
	*st = r->obj_st;                /* (taken when the object was held) */
	st->st_dev = r->obj_dev;
	st->st_ino = r->obj_ino;
	req_obj_release(r);
	return err;
}

static int obj_statx(struct req *r, unsigned mask, int atflags, struct statx *stx)
{
	int err = statx(r->obj, "", AT_EMPTY_PATH | (atflags & AT_STATX_SYNC_TYPE), mask, stx) ?
		  -errno : 0;
	stx->stx_dev_major = major(r->obj_dev);
	stx->stx_dev_minor = minor(r->obj_dev);
	stx->stx_ino = r->obj_ino;
	if (!err)
		stx->stx_nlink = (uint32_t)r->obj_st.st_nlink;
	const struct stat *st = &r->obj_st;
	if (!err && r->obj_kind == OBJ_GONE_DIR) {
		stx->stx_mode = (uint16_t)st->st_mode;
		stx->stx_uid = st->st_uid;
		stx->stx_gid = st->st_gid;
		stx->stx_size = (uint64_t)st->st_size;
		stx->stx_blocks = (uint64_t)st->st_blocks;
		stx->stx_atime = (struct statx_timestamp){ st->st_atim.tv_sec, (uint32_t)st->st_atim.tv_nsec, 0 };
		stx->stx_mtime = (struct statx_timestamp){ st->st_mtim.tv_sec, (uint32_t)st->st_mtim.tv_nsec, 0 };
		stx->stx_ctime = (struct statx_timestamp){ st->st_ctim.tv_sec, (uint32_t)st->st_ctim.tv_nsec, 0 };
	}
	req_obj_release(r);
	return err;
}

static int64_t do_stat(struct req *r, int dirfd, uint64_t path_addr, int atflags, uint64_t buf)
{
	r->intent = INTENT_READ;
	r->stat_only = true;
	char path[PATH_MAX];
	struct ovl_entry e;
	struct stat st;
	if (atflags & ~STAT_AT_FLAGS)
		return -EINVAL;
	int err = req_path(r, path_addr, path);
	if (err == -EFAULT && (atflags & AT_EMPTY_PATH) && !path_addr)
		path[0] = 0, err = 0;  /* 6.11+: NULL path with AT_EMPTY_PATH */
	if (err)
		return err;
	unsigned lflags = atflags & AT_SYMLINK_NOFOLLOW ? 0 : OVL_LOOKUP_FOLLOW;
	err = req_lookup(r, dirfd, path, lflags, atflags & AT_EMPTY_PATH, &e);
	if (err == SC_OBJECT)
		return (err = obj_stat(r, &st)) ? err : req_write(r, buf, &st, sizeof(st));
	if (err)
		return err;
	if (e.type == 0)
		err = -ENOENT;
	else
		err = ovl_getattr(r->sup->fs, &e, &st);
	ovl_entry_release(&e);
	if (err)
		return err;
	return req_write(r, buf, &st, sizeof(st));
}

int64_t sys_stat(struct req *r)
{
	return do_stat(r, AT_FDCWD, ARG(r, 0), 0, ARG(r, 1));
}

int64_t sys_lstat(struct req *r)
{
	return do_stat(r, AT_FDCWD, ARG(r, 0), AT_SYMLINK_NOFOLLOW, ARG(r, 1));
}

int64_t sys_fstat(struct req *r)
{
	r->intent = INTENT_READ;
	r->stat_only = true;
	struct ovl_entry e;
	struct stat st;
	int err = req_lookup(r, (int)ARG(r, 0), "", 0, true, &e);
	if (err == SC_OBJECT)
		return (err = obj_stat(r, &st)) ? err : req_write(r, ARG(r, 1), &st, sizeof(st));
	if (err)
		return err;
	err = ovl_getattr(r->sup->fs, &e, &st);
	ovl_entry_release(&e);
	return err ? err : req_write(r, ARG(r, 1), &st, sizeof(st));
}

int64_t sys_newfstatat(struct req *r)
{
	return do_stat(r, (int)ARG(r, 0), ARG(r, 1), (int)ARG(r, 3), ARG(r, 2));
}

int64_t sys_statx(struct req *r)
{
	r->intent = INTENT_READ;
	r->stat_only = true;
	char path[PATH_MAX];
	struct ovl_entry e;
	struct statx stx;
	int atflags = (int)ARG(r, 2);
	unsigned mask = (unsigned)ARG(r, 3);
	if (atflags & ~(STAT_AT_FLAGS | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((atflags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	if (mask & STATX__RESERVED)
		return -EINVAL;
	int err = req_path(r, ARG(r, 1), path);
	if (err == -EFAULT && (atflags & AT_EMPTY_PATH) && !ARG(r, 1))
		path[0] = 0, err = 0;
	if (err)
		return err;
	unsigned lflags = atflags & AT_SYMLINK_NOFOLLOW ? 0 : OVL_LOOKUP_FOLLOW;
	err = req_lookup(r, (int)ARG(r, 0), path, lflags, atflags & AT_EMPTY_PATH, &e);
	if (err == SC_OBJECT) {
		err = obj_statx(r, mask, atflags, &stx);
		return err ? err : req_write(r, ARG(r, 4), &stx, sizeof(stx));
	}
	if (err)
		return err;
	err = e.type ? ovl_statx(r->sup->fs, &e, mask, atflags & AT_STATX_SYNC_TYPE, &stx) : -ENOENT;
	ovl_entry_release(&e);
	return err ? err : req_write(r, ARG(r, 4), &stx, sizeof(stx));
}

static int64_t do_statfs(struct req *r, int dirfd, const char *path, uint64_t buf)
{
	r->intent = INTENT_READ;
	r->fs_wide = true;
	struct ovl_entry e;
	struct statfs sfs;
	int err = req_lookup(r, dirfd, path, OVL_LOOKUP_FOLLOW, true, &e);
	if (err)
		return err;
	err = e.type ? ovl_statfs(r->sup->fs, &sfs) : -ENOENT;
	ovl_entry_release(&e);
	return err ? err : req_write(r, buf, &sfs, sizeof(sfs));
}

int64_t sys_statfs(struct req *r)
{
	char path[PATH_MAX];
	int err = req_path(r, ARG(r, 0), path);
	return err ? err : do_statfs(r, AT_FDCWD, path, ARG(r, 1));
}

int64_t sys_fstatfs(struct req *r)
{
	return do_statfs(r, (int)ARG(r, 0), "", ARG(r, 1));
}
