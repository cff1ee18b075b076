/*
 * unlink and rmdir.  An entry some lower still has leaves a whiteout (made
 * atomically: RENAME_WHITEOUT, or mknod onto the name when only a lower
 * had it); an upper-only entry is just removed.  A directory's upper copy
 * may hold whiteouts: it is moved out to the work dir and emptied there.
 * On success e becomes negative (type 0, layer -1, no dir).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include "upper.h"

static int count_entry(void *ctx, const char *name, uint64_t ino, unsigned char d_type,
		       uint64_t next)
{
	(void)ino, (void)d_type, (void)next;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	*(int *)ctx += 1;
	return 1;       /* one is enough */
}

int ovl_dir_is_empty(struct ovl_fs *fs, const struct ovl_entry *e)
{
	int count = 0;
	int err = ovl_readdir(fs, e, 0, count_entry, &count);
	if (err < 0)
		return err;
	return count == 0;
}

static void make_negative(struct ovl_fs *fs, struct ovl_entry *e)
{
	if (e->dir.n)
		ovl_listing_invalidate(fs, &e->dir);
	ovl_entry_drop_dir(e);
	memset(&e->st, 0, sizeof(e->st));
	e->type = 0;
	e->layer = -1;
}

/* nlink: the object's link count in the overlay before (an indexed
 * object's, counted by the index; else its real one's). */
static int remove_entry(struct ovl_fs *fs, struct ovl_entry *e, bool is_dir, nlink_t nlink)
{
	int err;
	/* A removed dir stats as its inode was, as the kernel's: a merged
	 * dir's count stays 1 and a lower one's its lower's, an upper one's
	 * real dir goes to 0. */
	struct stat gone;
	bool have_gone = is_dir && !ovl_getattr(fs, e, &gone);
	if (have_gone && e->dir.n == 1 && e->dir.layer[0] == OVL_UPPER)
		gone.st_nlink = 0;
	if (e->layer != OVL_UPPER) {
		/* Only lowers have it: the name is free in upper. */
		if ((err = ovl_copy_up_parent(fs, e)))
			return err;
		err = ovl_create_whiteout(fs, e->parent.fd[0], e->name);
	} else {
		int lower = ovl_lower_positive(fs, &e->parent, e->name);
		if (lower < 0)
			return lower;
		/* (a file whiteout-removed ends in the work dir: its fds read
		 * as its overlay path, "(deleted)": overlay/handed.c) */
		if (lower > 0 && !is_dir && e->st.st_nlink <= 1)
			ovl_handed_record(fs, e->st.st_dev, e->st.st_ino, e->path, e->handed_seq);
		err = ovl_remove_upper(fs, e->parent.fd[0], e->name, is_dir, lower > 0);
	}
	/* The dir (or whatever was here) is gone, maybe only partly on error. */
	ovl_dcache_invalidate(fs, e->path, is_dir);  /* only a dir has names below */
	if (err)
		return err;
	/* a freed upper inode's number may come back (one with other names
	 * lives on, and keeps what it reports) */
	if (e->layer == OVL_UPPER && !is_dir && e->st.st_nlink <= 1)
		ovl_origin_forget(fs, e->st.st_dev, e->st.st_ino);
	ovl_listing_invalidate(fs, &e->parent);
	struct ovl_change c = { .kind = OVL_CHANGE_REMOVE, .path = e->path, .type = e->type,
				.last = is_dir || nlink <= 1, .st = have_gone ? &gone : NULL };
	if (!is_dir) {
		c.dev = e->st.st_dev;
		c.ino = e->st.st_ino;
	}
	ovl_changed(fs, &c);
	make_negative(fs, e);
	return 0;
}

static int unlink_held(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e)
{
	/* As the VFS: EROFS before the lookup's ENOENT. */
	if (!ovl_fs_writable(fs))
		return -EROFS;
	if (e->type == 0)
		return -ENOENT;
	if (S_ISDIR(e->type))
		return -EISDIR;
	int err = ovl_may_delete(fs, cred, e);
	if (err)
		return err;
	/* a name of an indexed object: its count goes down with it */
	struct ovl_index_hold ih;
	if ((err = ovl_index_change_begin(fs, e, -1, &ih)))
		return err;
	err = remove_entry(fs, e, false, ih.active ? ih.nlink : ovl_object_names(e));
	ovl_index_change_end(fs, &ih, !err);
	return err;
}

static int rmdir_held(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e)
{
	if (!ovl_fs_writable(fs))
		return -EROFS;
	if (e->type == 0)
		return -ENOENT;
	if (!S_ISDIR(e->type))
		return -ENOTDIR;
	if (e->parent.n == 0)
		return -EBUSY;
	int err = ovl_may_delete(fs, cred, e);
	if (err)
		return err;
	err = ovl_dir_is_empty(fs, e);
	if (err <= 0)
		return err ? err : -ENOTEMPTY;
	return remove_entry(fs, e, true, 0);
}

int ovl_unlink(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e)
{
	OVL_HOLD(h);
	int err = ovl_hold_entry(fs, &h, e);
	return err ? err : unlink_held(fs, cred, e);
}

int ovl_rmdir(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *e)
{
	/* a dir needs its own lock too (nothing may be made in it); what is
	 * no dir fails without it */
	bool dir = S_ISDIR(e->type);
	for (;;) {
		OVL_HOLD(h);
		int err = dir ? ovl_hold_dir_entry(fs, &h, e) : ovl_hold_entry(fs, &h, e);
		if (err)
			return err;
		if (dir || !S_ISDIR(e->type))
			return rmdir_held(fs, cred, e);
		dir = true;             /* it became one meanwhile */
	}
}
