/*
 * Permission checks with the caller's credentials against overlay
 * metadata, following the kernel's generic_permission, may_create,
 * may_delete and inode_init_owner rules.  POSIX ACLs are not consulted.
 */
#include <errno.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include "internal.h"

bool ovl_capable(const struct ovl_cred *cred, int cap)
{
	return cap >= 0 && cap < 64 && ((cred->cap_eff >> cap) & 1);
}

bool ovl_overlay_capable(const struct ovl_cred *cred, int cap)
{
	return ovl_capable(cred, cap) || (cred->fsuid == 0 && ovl_capable(cred, CAP_FOWNER));
}

bool ovl_in_group(const struct ovl_cred *cred, gid_t gid)
{
	if (cred->fsgid == gid)
		return true;
	for (int i = 0; i < cred->ngroups && i < OVL_MAX_GROUPS; i++)
		if (cred->groups[i] == gid)
			return true;
	return false;
}

int ovl_permission(const struct ovl_cred *cred, const struct stat *st, int mask)
{
	mask &= OVL_MAY_READ | OVL_MAY_WRITE | OVL_MAY_EXEC;
	mode_t mode = st->st_mode;
	unsigned bits;
	/* only the class the caller falls in counts: an owner is never
	 * granted access by the group or other bits */
	if (cred->fsuid == st->st_uid)
		bits = (mode >> 6) & 7;
	else if (ovl_in_group(cred, st->st_gid))
		bits = (mode >> 3) & 7;
	else
		bits = mode & 7;
	if ((bits & (unsigned)mask) == (unsigned)mask)
		return 0;
	if (S_ISDIR(mode)) {
		if (!(mask & OVL_MAY_WRITE) && ovl_capable(cred, CAP_DAC_READ_SEARCH))
			return 0;
		return ovl_capable(cred, CAP_DAC_OVERRIDE) ? 0 : -EACCES;
	}
	if (mask == OVL_MAY_READ && ovl_capable(cred, CAP_DAC_READ_SEARCH))
		return 0;
	/* exec is overridable only when some exec bit is set */
	if ((!(mask & OVL_MAY_EXEC) || (mode & (S_IXUSR | S_IXGRP | S_IXOTH))) &&
	    ovl_capable(cred, CAP_DAC_OVERRIDE))
		return 0;
	return -EACCES;
}

/* lstat of the topmost real dir of e's parent. */
/* The parent dir as the overlay shows it (its owner record: override.c). */
static int parent_stat(const struct ovl_fs *fs, const struct ovl_entry *e, struct stat *st)
{
	if (e->parent.n == 0)
		return -ENOENT;
	return ovl_shown_lstat(fs, e->parent.fd[0], "", st);
}

int ovl_may_create(const struct ovl_fs *fs, const struct ovl_cred *cred, const struct ovl_entry *e)
{
	if (e->type)
		return -EEXIST;
	if (e->parent.n == 0)
		return -EEXIST;         /* the root */
	if (!ovl_fs_writable(fs))
		return -EROFS;
	struct stat pst;
	int err = parent_stat(fs, e, &pst);
	if (err)
		return err;
	if (ovl_parent_prot_flags(fs, e) & FS_IMMUTABLE_FL)
		return -EPERM;          /* (before the mode, as inode_permission) */
	return ovl_permission(cred, &pst, OVL_MAY_WRITE | OVL_MAY_EXEC);
}

int ovl_may_delete(const struct ovl_fs *fs, const struct ovl_cred *cred, const struct ovl_entry *e)
{
	if (!ovl_fs_writable(fs))
		return -EROFS;
	if (e->type == 0)
		return -ENOENT;
	if (e->parent.n == 0)
		return -EBUSY;
	struct stat pst;
	int err = parent_stat(fs, e, &pst);
	if (err)
		return err;
	/* an immutable dir (before the mode), an append-only one after */
	unsigned pprot = ovl_parent_prot_flags(fs, e);
	if (pprot & FS_IMMUTABLE_FL)
		return -EPERM;
	if ((err = ovl_permission(cred, &pst, OVL_MAY_WRITE | OVL_MAY_EXEC)))
		return err;
	if (pprot & FS_APPEND_FL)
		return -EPERM;
	/* sticky dir: only the entry's owner, the dir's owner or CAP_FOWNER */
	if ((pst.st_mode & S_ISVTX) && cred->fsuid != e->st.st_uid &&
	    cred->fsuid != pst.st_uid && !ovl_capable(cred, CAP_FOWNER))
		return -EPERM;
	/* nor an immutable or append-only object */
	return ovl_prot_flags(fs, e) ? -EPERM : 0;
}

int ovl_set_owner_for_new(const struct ovl_fs *fs, const struct ovl_cred *cred,
			  const struct ovl_entry *e, mode_t *mode, uid_t *uid, gid_t *gid)
{
	struct stat pst;
	int err = parent_stat(fs, e, &pst);
	if (err)
		return err;
	mode_t m = *mode;
	if (!S_ISLNK(m))
		m &= ~(cred->umask & 0777);
	*uid = cred->fsuid;
	if (pst.st_mode & S_ISGID) {
		*gid = pst.st_gid;
		if (S_ISDIR(m))
			m |= S_ISGID;
		else if ((m & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) &&
			 !ovl_in_group(cred, pst.st_gid) && !ovl_capable(cred, CAP_FSETID))
			m &= ~S_ISGID;  /* a set-gid file of a group the caller is not in */
	} else {
		*gid = cred->fsgid;
	}
	*mode = m;
	return 0;
}

bool ovl_owner_or_capable(const struct ovl_cred *cred, const struct stat *st)
{
	return cred->fsuid == st->st_uid || ovl_capable(cred, CAP_FOWNER);
}
