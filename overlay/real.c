/* Direct access to the real object behind an entry, for callers that hand
 * it to the kernel (bind mounts of executables and FIFOs). */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "internal.h"

int ovl_open_real(struct ovl_fs *fs, const struct ovl_entry *e, int flags)
{
	(void)fs;
	if (e->type == 0)
		return -ENOENT;
	if (e->parent.n == 0) {  /* the root: its own topmost dir */
		if (e->dir.n == 0)
			return -ENOENT;
		int fd = openat(e->dir.fd[0], ".", flags | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	for (int i = 0; i < e->parent.n; i++) {
		if (e->parent.layer[i] != e->layer)
			continue;
		int fd = openat(e->parent.fd[i], e->name, flags | O_NOFOLLOW | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	return -ENOENT;
}
