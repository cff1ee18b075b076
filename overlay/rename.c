/*
 * rename / renameat2 as the kernel's overlayfs does it with redirect_dir=on:
 * the source (and, for RENAME_EXCHANGE, the target) is copied up; a
 * directory that exists in a lower (merged or lower-only) records where its
 * lower dirs are before it moves (redirect.c); the source name leaves a
 * whiteout if a lower still has it, made by the host rename itself
 * (RENAME_WHITEOUT) so no crash can uncover the lower entry; a directory
 * only the upper has, landing in a merged parent, becomes opaque first.
 *
 * On success both entries are looked up again at their paths: old_e then
 * describes what is left at the old name (negative, or for an exchange the
 * other object), new_e the moved object.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "upper.h"

/* a is a proper ancestor of b (canonical paths). */
static bool is_ancestor(const char *a, const char *b)
{
	size_t n = strlen(a);
	return !strncmp(a, b, n) && b[n] == '/';
}

/* A dir some lower has (after its copy-up: merged). */
static bool lower_dir(const struct ovl_entry *e)
{
	return S_ISDIR(e->type) && e->dir.n > 1;
}

/* A dir a lower has (merged, or a lower's alone). */
static bool has_lower_dir(const struct ovl_entry *e)
{
	return S_ISDIR(e->type) && (e->layer != OVL_UPPER || e->dir.n > 1);
}

static bool same_object(const struct ovl_fs *fs, const struct ovl_entry *a,
			const struct ovl_entry *b)
{
	if (!strcmp(a->path, b->path))
		return true;
	/* Hard links of one upper inode, or with the index any names of one
	 * lower file (one overlay inode: an indexed name shows the upper
	 * one): rename(2) does nothing. */
	bool one = (a->layer == OVL_UPPER && b->layer == OVL_UPPER) ||
		   (ovl_fs_indexed(fs) && a->type && !S_ISDIR(a->type) && a->type == b->type);
	return one && a->st.st_dev == b->st.st_dev && a->st.st_ino == b->st.st_ino;
}

static int check(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *old_e,
		 struct ovl_entry *new_e, unsigned flags)
{
	bool exchange = flags & RENAME_EXCHANGE;
	bool old_dir = S_ISDIR(old_e->type), new_dir = S_ISDIR(new_e->type);
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if (exchange && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
		return -EINVAL;
	if (flags & RENAME_WHITEOUT)    /* the VFS asks CAP_MKNOD, overlayfs refuses it */
		return ovl_capable(cred, CAP_MKNOD) ? -EINVAL : -EPERM;
	if (!ovl_fs_writable(fs))
		return -EROFS;
	if (old_e->type == 0 || (exchange && new_e->type == 0))
		return -ENOENT;
	if ((flags & RENAME_NOREPLACE) && new_e->type)
		return -EEXIST;
	if (old_e->parent.n == 0 || new_e->parent.n == 0)
		return -EBUSY;
	if ((!old_dir && old_e->trailing_slash) ||
	    (!(exchange ? new_dir : old_dir) && new_e->trailing_slash))
		return -ENOTDIR;
	if (is_ancestor(old_e->path, new_e->path))
		return -EINVAL;
	if (is_ancestor(new_e->path, old_e->path))
		return exchange ? -EINVAL : -ENOTEMPTY;
	if (same_object(fs, old_e, new_e))
		return 1;               /* nothing to do */

	int err = ovl_may_delete(fs, cred, old_e);
	if (!err)
		err = new_e->type ? ovl_may_delete(fs, cred, new_e) : ovl_may_create(fs, cred, new_e);
	if (err)
		return err;
	if (!exchange && new_e->type) {
		if (old_dir && !new_dir)
			return -ENOTDIR;
		if (!old_dir && new_dir)
			return -EISDIR;
	}
	bool moves = !ovl_same_parent(old_e, new_e);
	/* A directory changing parent gets a new "..": write access to it. */
	if (moves && old_dir && (err = ovl_permission(cred, &old_e->st, OVL_MAY_WRITE)))
		return err;
	if (moves && exchange && new_dir &&
	    (err = ovl_permission(cred, &new_e->st, OVL_MAY_WRITE)))
		return err;
	/* without redirects a dir a lower has cannot move: the mover copies */
	if (fs->no_redirect && (has_lower_dir(old_e) || (exchange && has_lower_dir(new_e))))
		return -EXDEV;
	if (!exchange && new_dir) {
		err = ovl_dir_is_empty(fs, new_e);
		if (err <= 0)
			return err ? err : -ENOTEMPTY;
	}
	return 0;
}

/*
 * A directory only the upper has, landing in a merged parent, is marked
 * opaque, as the kernel does: whatever a lower has, or will have, under
 * that name must not merge into it.
 */
static int opaque_if_needed(struct ovl_fs *fs, const struct ovl_entry *dir_e,
			    const struct ovl_entry *dest)
{
	if (!S_ISDIR(dir_e->type) || lower_dir(dir_e))
		return 0;               /* (a lower's dir has a redirect instead) */
	int fd = ovl_dir_upper_fd(&dir_e->dir);
	if (fd < 0)
		return -ESTALE;
	bool merged = false;
	for (int i = 0; i < dest->parent.n; i++)
		merged |= dest->parent.layer[i] != OVL_UPPER;
	if (!merged)
		return 0;
	int opaque = ovl_is_opaque(fs, fd);
	if (opaque)
		return opaque < 0 ? opaque : 0;
	return ovl_set_opaque(fs, fd);
}

static int do_exchange(struct ovl_fs *fs, struct ovl_entry *old_e, struct ovl_entry *new_e)
{
	int err = opaque_if_needed(fs, old_e, new_e);
	if (!err)
		err = opaque_if_needed(fs, new_e, old_e);
	if (err)
		return err;
	if (renameat2(old_e->parent.fd[0], old_e->name, new_e->parent.fd[0], new_e->name,
		      RENAME_EXCHANGE))
		return -errno;
	return 0;
}

/* Plain rename; the host rename does the overlay's whiteout work. */
static int do_move(struct ovl_fs *fs, struct ovl_entry *old_e, struct ovl_entry *new_e)
{
	int op = old_e->parent.fd[0], np = new_e->parent.fd[0];
	bool old_dir = S_ISDIR(old_e->type);
	int lower_old = ovl_lower_positive(fs, &old_e->parent, old_e->name);
	if (lower_old < 0)
		return lower_old;
	int err = opaque_if_needed(fs, old_e, new_e);
	if (err)
		return err;
	for (int attempt = 0;; attempt++) {
		int wh = ovl_upper_whiteout_at(np, new_e->name);
		if (wh == -EEXIST)
			wh = 0;         /* a real upper target: replaced */
		if (wh < 0)
			return wh;
		unsigned rflags = 0;
		if (lower_old)
			rflags = wh ? RENAME_EXCHANGE : RENAME_WHITEOUT;  /* switch whiteouts */
		else if (wh && old_dir)
			rflags = RENAME_EXCHANGE;       /* a dir cannot replace a non-dir */
		if (!renameat2(op, old_e->name, np, new_e->name, rflags)) {
			if (rflags == RENAME_EXCHANGE && !lower_old)
				(void)unlinkat(op, old_e->name, 0);   /* the displaced whiteout */
			return 0;
		}
		err = -errno;
		if ((rflags & RENAME_WHITEOUT) && (err == -EINVAL || err == -EOPNOTSUPP)) {
			/* Upper fs without RENAME_WHITEOUT: not atomic, see docs. */
			if (renameat2(op, old_e->name, np, new_e->name, 0))
				return -errno;
			return ovl_create_whiteout(fs, op, old_e->name);
		}
		if ((err != -ENOTEMPTY && err != -EEXIST) || attempt || !S_ISDIR(new_e->type))
			return err;
		/* The target's upper dir holds only whiteouts (it is empty in
		 * the overlay): take it away, leaving a whiteout if a lower has
		 * the name, and try again. */
		int lower_new = ovl_lower_positive(fs, &new_e->parent, new_e->name);
		if (lower_new < 0)
			return lower_new;
		err = ovl_remove_upper(fs, np, new_e->name, true, lower_new > 0);
		if (err)
			return err;
	}
}

static int rename_held(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *old_e,
		       struct ovl_entry *new_e, unsigned flags)
{
	bool exchange = flags & RENAME_EXCHANGE;
	int err = check(fs, cred, old_e, new_e, flags);
	if (err)
		return err > 0 ? 0 : err;
	/* told once done: what the names held before */
	struct ovl_change c = { .kind = OVL_CHANGE_RENAME, .path = old_e->path, .to = new_e->path,
				.type = old_e->type, .to_type = new_e->type,
				.last = ovl_object_names(new_e) <= 1,
				.exchange = exchange };
	if (new_e->type && !S_ISDIR(new_e->type)) {
		c.to_dev = new_e->st.st_dev;
		c.to_ino = new_e->st.st_ino;
	}
	if ((err = ovl_copy_up_flags(fs, old_e, 0)))
		return err;
	if (exchange && (err = ovl_copy_up_flags(fs, new_e, 0)))
		return err;
	/* Either copy-up may have made the other's parent in upper. */
	if ((err = ovl_copy_up_parent(fs, new_e)) || (err = ovl_copy_up_parent(fs, old_e)))
		return err;
	/* A dir a lower has says where its lower dirs are before it moves. */
	bool samedir = ovl_same_parent(old_e, new_e);
	if ((lower_dir(old_e) && (err = ovl_set_redirect(fs, old_e, samedir))) ||
	    (exchange && lower_dir(new_e) && (err = ovl_set_redirect(fs, new_e, samedir))))
		return err;
	/* a replaced name of an indexed object: its count goes down */
	struct ovl_index_hold ih = { .active = false };
	if (!exchange && new_e->type && (err = ovl_index_change_begin(fs, new_e, -1, &ih)))
		return err;
	if (ih.active) {
		c.last = ih.nlink <= 1;         /* (counted by the index) */
		c.to_dev = new_e->st.st_dev;    /* (its copy, linked up) */
		c.to_ino = new_e->st.st_ino;
	}
	if (!S_ISDIR(old_e->type)) {            /* (copied up by now) */
		c.dev = old_e->st.st_dev;
		c.ino = old_e->st.st_ino;
	}
	err = exchange ? do_exchange(fs, old_e, new_e) : do_move(fs, old_e, new_e);
	ovl_index_change_end(fs, &ih, !err);
	/* Both names now hold something else (and a moved dir may have been
	 * made opaque); a failed attempt may have changed some of it. */
	bool below = S_ISDIR(c.type) || S_ISDIR(c.to_type);  /* only dirs have names below */
	ovl_dcache_invalidate(fs, old_e->path, below);
	ovl_dcache_invalidate(fs, new_e->path, below);
	/* a replaced upper non-dir may be freed and its number come back
	 * (also when a later step failed: the target may be gone) */
	if (!exchange && new_e->layer == OVL_UPPER && new_e->type && !S_ISDIR(new_e->type))
		ovl_origin_forget(fs, new_e->st.st_dev, new_e->st.st_ino);
	if (err)
		return err;
	if (!ovl_same_parent(old_e, new_e)) {
		(void)ovl_mark_impure_for(fs, new_e->parent.fd[0], new_e->name, new_e->parent.fd[0]);
		if (exchange)
			(void)ovl_mark_impure_for(fs, old_e->parent.fd[0], old_e->name,
						  old_e->parent.fd[0]);
	}
	ovl_handed_moved(fs, old_e->path, new_e->path, exchange);  /* fds' paths follow */
	ovl_listing_invalidate(fs, &old_e->parent);
	ovl_listing_invalidate(fs, &new_e->parent);
	if (old_e->dir.n)
		ovl_listing_invalidate(fs, &old_e->dir);
	if (new_e->dir.n)
		ovl_listing_invalidate(fs, &new_e->dir);
	ovl_changed(fs, &c);
	err = ovl_entry_refresh(fs, old_e);
	int err2 = ovl_entry_refresh(fs, new_e);
	return err ? err : err2;
}

/* A rename that moves a dir, or a name to another dir, changes paths
 * under the other changes: it runs alone (the rename lock, exclusively).
 * The others hold their one dir. */
static bool moves_paths(const struct ovl_entry *a, const struct ovl_entry *b)
{
	return S_ISDIR(a->type) || S_ISDIR(b->type) || !ovl_same_parent(a, b);
}

int ovl_rename(struct ovl_fs *fs, const struct ovl_cred *cred, struct ovl_entry *old_e,
	       struct ovl_entry *new_e, unsigned flags)
{
	bool renaming = moves_paths(old_e, new_e);
	for (;;) {
		OVL_HOLD(h);
		int err = ovl_hold_pair(fs, &h, old_e, new_e, renaming);
		if (err)
			return err;
		if (renaming || !moves_paths(old_e, new_e))
			return rename_held(fs, cred, old_e, new_e, flags);
		renaming = true;        /* a dir came meanwhile */
	}
}
