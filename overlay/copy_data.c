/* File data for copy-up: reflink if the fs can, else copy_file_range of the
 * data segments only (holes stay holes), else read/write. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "upper.h"

static int copy_rw(int src, int dst, off_t off, off_t len)
{
	char buf[65536];
	while (len > 0) {
		ssize_t n = pread(src, buf, len < (off_t)sizeof(buf) ? (size_t)len : sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;       /* source shrank: ftruncate sets the size */
		for (ssize_t done = 0; done < n;) {
			ssize_t w = pwrite(dst, buf + done, (size_t)(n - done), off + done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -errno;
			done += w;
		}
		off += n;
		len -= n;
	}
	return 0;
}

static int copy_range(int src, int dst, off_t off, off_t len)
{
	loff_t in = off, out = off;
	while (len > 0) {
		ssize_t n = copy_file_range(src, &in, dst, &out, (size_t)len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP ||
			      errno == ENOSYS || errno == EBADF))
			return copy_rw(src, dst, in, len);
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		len -= n;
	}
	return 0;
}

int ovl_copy_data(int src, int dst, off_t size)
{
	if (size == 0)
		return 0;
	if (!ioctl(dst, FICLONE, src))
		return 0;
	for (off_t pos = 0; pos < size;) {
		off_t data = lseek(src, pos, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break;                  /* only a hole is left */
		if (data < 0)
			data = pos;             /* no SEEK_DATA: copy everything */
		if (data >= size)
			break;
		off_t hole = lseek(src, data, SEEK_HOLE);
		if (hole < 0 || hole > size)
			hole = size;
		int err = copy_range(src, dst, data, hole - data);
		if (err)
			return err;
		pos = hole;
	}
	return ftruncate(dst, size) ? -errno : 0;
}
