/* Extended attributes of any file type, and their copy on copy-up. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "upper.h"

/*
 * Symlinks and special files cannot be opened for f*xattr (an O_PATH fd
 * gives EBADF), and there is no lsetxattr relative to a dir fd in glibc:
 * following /proc/self/fd/N of an O_PATH fd lands on the object itself.
 */
void ovl_xnode_init(struct ovl_xnode *x, int fd, bool by_path)
{
	x->fd = fd;
	x->by_path = by_path;
	x->proc[0] = 0;
	if (by_path)
		snprintf(x->proc, sizeof(x->proc), "/proc/self/fd/%d", fd);
}

int ovl_xnode_set(const struct ovl_xnode *x, const char *name, const void *v, size_t n)
{
	int r = x->by_path ? setxattr(x->proc, name, v, n, 0) : fsetxattr(x->fd, name, v, n, 0);
	return r ? -errno : 0;
}

ssize_t ovl_xnode_get(const struct ovl_xnode *x, const char *name, void *v, size_t n)
{
	ssize_t r = x->by_path ? getxattr(x->proc, name, v, n) : fgetxattr(x->fd, name, v, n);
	return r < 0 ? -errno : r;
}

ssize_t ovl_fd_xattr_get(int fd, const char *name, void *v, size_t n)
{
	struct ovl_xnode x;
	ovl_xnode_init(&x, fd, false);
	ssize_t r = ovl_xnode_get(&x, name, v, n);
	if (r == -EBADF) {              /* an O_PATH fd: through its /proc name */
		ovl_xnode_init(&x, fd, true);
		r = ovl_xnode_get(&x, name, v, n);
	}
	return r;
}

static ssize_t xnode_list(const struct ovl_xnode *x, char *buf, size_t n)
{
	ssize_t r = x->by_path ? listxattr(x->proc, buf, n) : flistxattr(x->fd, buf, n);
	return r < 0 ? -errno : r;
}

/* As the kernel: an upper that cannot store an xattr may drop it, unless
 * dropping it would change access (ACLs, security.*). */
static bool must_copy(const char *name)
{
	return !strcmp(name, "system.posix_acl_access") ||
	       !strcmp(name, "system.posix_acl_default") ||
	       !strncmp(name, "security.", 9);
}

int ovl_copy_xattrs(const struct ovl_fs *fs, const struct ovl_xnode *src,
		    const struct ovl_xnode *dst)
{
	ssize_t len = xnode_list(src, NULL, 0);
	if (len == -EOPNOTSUPP || len == 0)
		return 0;
	if (len < 0)
		return (int)len;
	char *names = malloc((size_t)len + 1), *val = NULL;
	size_t valsz = 0;
	int err = 0;
	if (!names)
		return -ENOMEM;
	len = xnode_list(src, names, (size_t)len);
	if (len < 0) {
		free(names);
		return (int)len;
	}
	for (char *name = names; name < names + len && !err; name += strlen(name) + 1) {
		if (ovl_xattr_is_private(fs, name))
			continue;       /* the overlay's own marks are not the file's (an
					 * escaped name is: xattr.c) */
		ssize_t n = ovl_xnode_get(src, name, NULL, 0);
		if (n == -ENODATA)
			continue;
		if (n < 0) {
			err = (int)n;
			break;
		}
		if ((size_t)n > valsz) {
			char *nv = realloc(val, (size_t)n);
			if (!nv) {
				err = -ENOMEM;
				break;
			}
			val = nv;
			valsz = (size_t)n;
		}
		n = ovl_xnode_get(src, name, val, valsz);
		if (n < 0) {
			err = (int)n;
			break;
		}
		err = ovl_xnode_set(dst, name, val, (size_t)n);
		if (err == -EOPNOTSUPP && !must_copy(name))
			err = 0;
	}
	free(val);
	free(names);
	return err;
}

int ovl_has_xattr_at(int parent, const char *name, const char *xattr)
{
	int fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct ovl_xnode x;
	ovl_xnode_init(&x, fd, true);
	ssize_t r = ovl_xnode_get(&x, xattr, NULL, 0);
	close(fd);
	if (r >= 0)
		return 1;
	return r == -ENODATA || r == -EOPNOTSUPP ? 0 : (int)r;
}
