/*
 * Redirects of moved directories, in the kernel's redirect_dir format.
 *
 * A directory that a lower has cannot move in the lowers.  Moving it copies
 * the directory itself up (not what it holds) and renames the copy, which
 * records where its lower dirs are: the "redirect" xattr, its old name when
 * it stays in its dir, else the path from the root under which the lowers
 * keep it ("/a/b").  A lookup that meets a redirect looks in the layers
 * below under that name, or from their roots (namei.c), so the moved dir
 * still merges with what it merged with; its old name gets a whiteout as
 * any moved entry's does.
 *
 * Redirects are trusted as the kernel trusts them: they act like symlinks
 * into the lowers, without permission checks on the way.  They are read
 * only from the overlay's private xattrs, which no command can write
 * (xattr.c escapes its names), and each is checked: a relative one is one
 * name, an absolute one has no empty, "." or ".." component (a lookup
 * through such a redirect fails, as the kernel's does).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "upper.h"

/* The kernel's default redirect_max: a longer absolute redirect is not
 * made (EXDEV: the mover copies). */
#define REDIRECT_MAX 256

/* One name of a redirect: 0, -EINVAL for an empty or too long one (the
 * kernel refuses the redirect), -EACCES for "." and ".." (its lookup of
 * them fails so). */
static int check_name(const char *s, size_t n)
{
	if (n == 0 || n > NAME_MAX || memchr(s, '/', n))
		return -EINVAL;
	return (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.') ? -EACCES : 0;
}

static int check_redirect(const char *v, size_t n)
{
	if (v[0] != '/')
		return check_name(v, n);
	int err = 0;
	for (size_t i = 0; i < n && err != -EINVAL;) {
		size_t j = i + 1;
		while (j < n && v[j] != '/')
			j++;
		int e = check_name(v + i + 1, j - i - 1);
		err = e ? e : err;
		i = j;
	}
	return err;
}

int ovl_dir_marks(const struct ovl_fs *fs, int dirfd, bool *opaque, char *redirect)
{
	*opaque = false;
	redirect[0] = 0;
	/* one syscall when the dir has neither (most): which marks it has */
	char names[1024];
	bool has_opaque = true, has_redirect = true;
	ssize_t n = flistxattr(dirfd, names, sizeof(names));
	if (n >= 0) {
		has_opaque = has_redirect = false;
		for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
			has_opaque |= !strcmp(names + i, fs->xa_opaque);
			has_redirect |= !strcmp(names + i, fs->xa_redirect);
		}
	} else if (errno == ENOTSUP) {
		return 0;               /* no xattrs: no marks */
	} else if (errno != ERANGE) {
		return -errno;
	}
	if (has_opaque) {
		int op = ovl_is_opaque(fs, dirfd);
		if (op)
			return *opaque = op > 0, op < 0 ? op : 0;  /* opaque: no redirect followed */
	}
	if (!has_redirect)
		return 0;
	/* nofollow (a userxattr mount): a dir whose redirect would lead the
	 * lookup on below is refused, as the kernel refuses to follow it */
	if (fs->no_redirect)
		return -EPERM;
	ssize_t r = fgetxattr(dirfd, fs->xa_redirect, redirect, PATH_MAX - 1);
	if (r < 0) {
		redirect[0] = 0;
		if (errno == ENODATA || errno == ENOTSUP)
			return 0;
		return errno == ERANGE ? -EINVAL : -errno;
	}
	redirect[r] = 0;
	int err = r == 0 || strlen(redirect) != (size_t)r ? -EINVAL
							: check_redirect(redirect, (size_t)r);
	if (err)
		redirect[0] = 0;        /* as the kernel: the lookup fails */
	return err;
}

/* Where the lowers keep the dir at overlay path (every dir on the way in
 * upper): its path, each component replaced by its dir's redirect (an
 * absolute one restarts it). */
static int lower_path(const struct ovl_fs *fs, const char *path, char *out)
{
	int cur = openat(fs->layers[OVL_UPPER].fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return -errno;
	size_t len = 0;
	int err = 0;
	out[0] = 0;
	for (const char *s = path; !err;) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		const char *end = strchrnul(s, '/');
		char name[NAME_MAX + 1], r[PATH_MAX];
		bool opaque;
		snprintf(name, sizeof(name), "%.*s", (int)(end - s), s);
		s = end;
		int next = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(cur);
		cur = next;
		if (cur < 0)
			return errno == ENOENT || errno == ENOTDIR ? -ESTALE : -errno;
		if ((err = ovl_dir_marks(fs, cur, &opaque, r)))
			break;
		const char *use = r[0] ? r : name;
		if (use[0] == '/')
			len = 0;
		int n = snprintf(out + len, PATH_MAX - len, "%s%s", use[0] == '/' ? "" : "/", use);
		if (n < 0 || len + (size_t)n > REDIRECT_MAX)
			err = -EXDEV;   /* as the kernel: too long, the mover copies */
		else
			len += (size_t)n;
	}
	close(cur);
	return err;
}

int ovl_set_redirect(struct ovl_fs *fs, const struct ovl_entry *e, bool samedir)
{
	int fd = ovl_dir_upper_fd(&e->dir);
	if (fd < 0)
		return -ESTALE;
	bool opaque;
	char have[PATH_MAX], want[PATH_MAX];
	int err = ovl_dir_marks(fs, fd, &opaque, have);
	if (err)
		return err;
	if (have[0] && (samedir || have[0] == '/'))
		return 0;               /* it says where the lowers keep it already */
	if (samedir)
		snprintf(want, sizeof(want), "%s", e->name);
	else if ((err = lower_path(fs, e->path, want)))
		return err;
	/* as the kernel: whatever fails, the mover copies instead */
	return fsetxattr(fd, fs->xa_redirect, want, strlen(want), 0) ? -EXDEV : 0;
}
