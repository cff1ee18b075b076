/*
 * ovlrun export: the upper's changes as an OCI image layer (the image
 * spec's layer format, as docker import and podman take it): a POSIX tar
 * (PAX headers: long names, xattrs) of the added and changed entries with
 * their metadata; a deleted name is an empty ".wh.NAME" beside it, an
 * opaque dir (one that hides the lowers', a moved one too) carries
 * ".wh..wh..opq".  The overlay's own xattrs stay out; an owner record (a
 * rootless upper's) is the entry's owner, mode and type, as a rootless
 * store exports its layers.  A dir moved with a
 * redirect has no place in that format: it goes out whole, which needs the
 * lowers (--lower).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "upper_tools.h"

#define WHITEOUT ".wh."
#define OPAQUE ".wh..wh..opq"

struct exporter {
	struct archive *a;
	struct upper_link *links;       /* files with several names: their first written */
	const char *upper;
	const char *private;            /* the overlay's xattr prefix */
	bool records;                   /* owner records are the overlay's (a rootless upper) */
};

/* The tar name of overlay path p (relative, no leading "/"). */
static const char *tar_name(const char *p)
{
	return p[1] ? p + 1 : ".";
}

static int fail(struct exporter *x, const char *what, const char *path)
{
	fprintf(stderr, "ovlrun export %s: %s %s: %s\n", x->upper, what, path,
		archive_error_string(x->a) ? archive_error_string(x->a) : "failed");
	return -EIO;
}

/* An empty regular file named name in dir p: a whiteout or the opaque mark. */
static int marker(struct exporter *x, const char *dir, const char *name, const struct stat *st)
{
	char *p = malloc(OVL_PATH_MAX);
	if (!p)
		return -ENOMEM;
	int n = snprintf(p, OVL_PATH_MAX, "%s%s", dir[1] ? dir + 1 : "", dir[1] ? "/" : "");
	snprintf(p + n, (size_t)(OVL_PATH_MAX - n), "%s", name);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, p);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 0);
	if (st)
		archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	int err = archive_write_header(x->a, e) == ARCHIVE_OK ? 0 : fail(x, "writing", p);
	archive_entry_free(e);
	free(p);
	return err;
}

struct xattr_sink {
	struct archive_entry *e;
	bool records;
};

static int add_xattr(void *ctx, const char *name, const void *value, size_t size)
{
	struct xattr_sink *k = ctx;
	/* (a record went into the header) */
	if (!k->records || strcmp(name, OVL_OVERRIDE_XATTR))
		archive_entry_xattr_add_entry(k->e, name, value, size);
	return 0;
}

static int copy_data(struct exporter *x, int dirfd, const char *name, const char *path)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ovlrun export %s: open %s: %s\n", x->upper, path, strerror(errno));
		return -errno;
	}
	char buf[65536];
	ssize_t n;
	int err = 0;
	while (!err && (n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(x->a, buf, (size_t)n) != n)
			err = fail(x, "writing", path);
	if (!err && n < 0) {
		err = -errno;
		fprintf(stderr, "ovlrun export %s: read %s: %s\n", x->upper, path, strerror(errno));
	}
	close(fd);
	return err;
}

static int entry(struct exporter *x, const struct ovl_upper_item *it)
{
	const struct stat *st = it->shown;
	if (S_ISSOCK(st->st_mode))
		return 0;               /* a tar holds no socket */
	struct archive_entry *e = archive_entry_new();
	if (!e)
		return -ENOMEM;
	archive_entry_set_pathname(e, tar_name(it->path));
	archive_entry_copy_stat(e, st);
	const char *first = upper_link_first(&x->links, st, tar_name(it->path));
	char target[PATH_MAX];
	int err = 0;
	if (first) {
		archive_entry_set_hardlink(e, first);
		archive_entry_set_size(e, 0);
	} else if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlinkat(it->dirfd, it->name, target, sizeof(target) - 1);
		if (n < 0)
			err = -errno;
		else {
			target[n] = 0;
			archive_entry_set_symlink(e, target);
		}
	}
	if (!S_ISREG(st->st_mode))
		archive_entry_set_size(e, 0);
	if (!err)
		err = upper_xattrs(x->private, it->dirfd, it->name, add_xattr,
				   &(struct xattr_sink){ e, x->records });
	if (!err && archive_write_header(x->a, e) != ARCHIVE_OK)
		err = fail(x, "writing", it->path);
	if (!err && !first && S_ISREG(st->st_mode))
		err = copy_data(x, it->dirfd, it->name, it->path);
	archive_entry_free(e);
	return err;
}

static int one(void *ctx, const struct ovl_upper_item *it)
{
	struct exporter *x = ctx;
	if (it->kind == 'D') {
		if (it->below_opaque)
			return 0;       /* the opaque mark deletes them */
		char *dir = strdup(it->path), *slash = dir ? strrchr(dir, '/') : NULL;
		if (!slash) {
			free(dir);
			return -ENOMEM;
		}
		slash[slash == dir] = 0;
		char name[NAME_MAX + sizeof(WHITEOUT)];
		snprintf(name, sizeof(name), WHITEOUT "%s", strrchr(it->path, '/') + 1);
		int err = marker(x, dir, name, it->st);
		free(dir);
		return err;
	}
	int err = entry(x, it);
	if (!err && it->opaque)
		err = marker(x, it->path, OPAQUE, it->st);
	return err;
}

/* Without the lowers, a moved dir cannot go out whole: said before any
 * of the tar is written. */
static int needs_lowers(void *ctx, const struct ovl_upper_item *it)
{
	if (!it->moved)
		return 0;
	fprintf(stderr, "ovlrun export %s: %s was moved with a redirect: a layer holds it whole, "
		"which needs the lowers it came from (--lower)\n", (const char *)ctx, it->path);
	return -EINVAL;
}

int upper_export(struct upper_view *v)
{
	if (!v->lowers_known) {
		int err = ovl_upper_changes(v->fs, v->upper_fd, false, needs_lowers, (void *)v->upper);
		if (err && err != -EINVAL)
			fprintf(stderr, "ovlrun export %s: %s\n", v->upper, strerror(-err));
		if (err)
			return err;
	}
	if (isatty(STDOUT_FILENO)) {
		fprintf(stderr, "ovlrun export %s: the layer is a tar on stdout: redirect it "
			"(ovlrun export %s > layer.tar)\n", v->upper, v->upper);
		return -EINVAL;
	}
	struct exporter x = { .a = archive_write_new(), .upper = v->upper,
			      .private = v->xattr_prefix, .records = v->records };
	/* xattrs as SCHILY.xattr records, which GNU tar and Go's archive/tar
	 * (docker, podman) read */
	if (!x.a || archive_write_set_format_pax_restricted(x.a) != ARCHIVE_OK ||
	    archive_write_set_options(x.a, "xattrheader=SCHILY") != ARCHIVE_OK ||
	    archive_write_open_fd(x.a, STDOUT_FILENO) != ARCHIVE_OK) {
		fprintf(stderr, "ovlrun export %s: starting the tar: %s\n", v->upper,
			x.a && archive_error_string(x.a) ? archive_error_string(x.a) : "no memory");
		if (x.a)
			archive_write_free(x.a);
		return -EIO;
	}
	int err = ovl_upper_changes(v->fs, v->upper_fd, v->lowers_known, one, &x);
	if (archive_write_close(x.a) != ARCHIVE_OK && !err)
		err = fail(&x, "closing", "the tar");
	archive_write_free(x.a);
	upper_links_free(x.links);
	if (err && err != -EIO && err != -EINVAL)
		fprintf(stderr, "ovlrun export %s: %s\n", v->upper, strerror(-err));
	return err;
}
