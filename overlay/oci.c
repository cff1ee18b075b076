/*
 * Lowers in the OCI image layer format (--lower-format=oci): layers as
 * image tarballs unpack them, where a whiteout is an empty file ".wh.NAME"
 * beside the name it deletes and an opaque dir holds ".wh..wh..opq" (the
 * image spec's layer changesets), instead of a 0/0 char device and the
 * opaque xattr.  Such a layer is read as if it held the kernel's forms: a
 * name with a marker and no entry of its own looks like a whiteout (a 0/0
 * char device), a dir with the opaque marker is opaque, and the markers
 * themselves are never names.  The kernel's forms count there too (layer
 * dirs made by tools that convert some).  The upper is always the
 * kernel's format.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "internal.h"

bool ovl_oci_marker(const char *name)
{
	return !strncmp(name, OVL_OCI_WHITEOUT, sizeof(OVL_OCI_WHITEOUT) - 1);
}

static bool oci(const struct ovl_fs *fs, int layer)
{
	return layer > OVL_UPPER && layer < fs->nlayers && fs->layers[layer].oci;
}

int ovl_layer_lstat(const struct ovl_fs *fs, int layer, int dirfd, const char *name,
		    struct stat *st)
{
	bool o = oci(fs, layer);
	if (o && ovl_oci_marker(name))
		return -ENOENT;
	int err = ovl_shown_lstat(fs, dirfd, name, st);
	if (err != -ENOENT || !o)
		return err;
	char wh[NAME_MAX + sizeof(OVL_OCI_WHITEOUT)];
	if (snprintf(wh, sizeof(wh), OVL_OCI_WHITEOUT "%s", name) >= (int)sizeof(wh))
		return -ENOENT;         /* (no marker can be that long) */
	if (fstatat(dirfd, wh, st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? -ENOENT : -errno;
	/* the marker's own times and owner, the whiteout's type */
	st->st_mode = S_IFCHR;
	st->st_rdev = makedev(0, 0);
	st->st_size = 0;
	return 0;
}

int ovl_oci_opaque(const struct ovl_fs *fs, int layer, int dirfd)
{
	struct stat st;
	if (!oci(fs, layer))
		return 0;
	if (!fstatat(dirfd, OVL_OCI_OPAQUE, &st, AT_SYMLINK_NOFOLLOW))
		return 1;
	return errno == ENOENT ? 0 : -errno;
}

int ovl_layer_opaque(const struct ovl_fs *fs, int layer, int dirfd)
{
	int op = ovl_is_opaque(fs, dirfd);
	return op ? op : ovl_oci_opaque(fs, layer, dirfd);
}
