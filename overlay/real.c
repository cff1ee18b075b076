/* Direct access to the real object behind an entry: for the engine's own
 * opens and for callers that hand the object to the kernel (bind mounts of
 * executables, FIFOs and sockets). */
#include <errno.h>
#include <fcntl.h>
#include "internal.h"

int ovl_open_real(struct ovl_fs *fs, const struct ovl_entry *e, int flags)
{
	(void)fs;
	const char *name;
	int dirfd = ovl_entry_real_at(e, &name);
	if (dirfd < 0)
		return dirfd;
	/* the root is its own topmost dir ("" with AT_EMPTY_PATH semantics) */
	int fd = openat(dirfd, name[0] ? name : ".", flags | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}
