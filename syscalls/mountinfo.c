/*
 * /proc/<pid>/mountinfo as the tracee may read it.  The kernel shows, in
 * each line's fourth field, the mount's root inside its filesystem: for the
 * supervisor's binds of layer files (executables, FIFOs) and for --bind
 * mounts that is the file's or directory's HOST path
 * ("/home/me/img/bin/busybox").  The copy served instead has, for every
 * mount whose root is not its filesystem's root, the mount point itself
 * there (as if the filesystem had been mounted at the file); every other
 * field is the kernel's.  A sealed memfd, opened read-only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "ovlrun/syscalls.h"

#define MOUNTINFO_MAX (64 << 20)

/* The whole of fd (a /proc file: read until EOF); malloc'ed, or NULL. */
static char *slurp(int fd, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			char *b = cap < MOUNTINFO_MAX ? realloc(buf, cap * 2) : NULL;
			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
		ssize_t k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0) {
				*len = n;
				return buf;
			}
			break;
		}
		n += (size_t)k;
	}
	free(buf);
	return NULL;
}

/* Field i (0-based) of a line: its start and length. */
static const char *field(const char *line, const char *end, int i, size_t *len)
{
	const char *p = line;
	for (int k = 0; k < i && p < end; k++) {
		p = memchr(p, ' ', (size_t)(end - p));
		if (!p)
			return NULL;
		p++;
	}
	const char *q = memchr(p, ' ', (size_t)(end - p));
	*len = (size_t)((q ? q : end) - p);
	return p;
}

/* Write the sanitized lines of in to out (a memfd). */
static int rewrite(const char *in, size_t len, FILE *out)
{
	for (const char *line = in; line < in + len;) {
		const char *nl = memchr(line, '\n', (size_t)(in + len - line));
		const char *end = nl ? nl : in + len;
		size_t rlen, mlen;
		const char *root = field(line, end, 3, &rlen);
		const char *mp = field(line, end, 4, &mlen);
		if (root && mp && !(rlen == 1 && root[0] == '/')) {
			/* id parent dev ROOT mountpoint ...: ROOT := mountpoint */
			fwrite(line, 1, (size_t)(root - line), out);
			fwrite(mp, 1, mlen, out);
			fwrite(root + rlen, 1, (size_t)(end - root - rlen), out);
		} else {
			fwrite(line, 1, (size_t)(end - line), out);
		}
		if (nl)
			fputc('\n', out);
		line = end + 1;
	}
	return fflush(out) ? -errno : 0;
}

int mountinfo_sanitized(int real)
{
	size_t len;
	char *in = slurp(real, &len);
	if (!in)
		return -EIO;
	int mfd = memfd_create("mountinfo", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int err = mfd < 0 ? -errno : 0;
	FILE *out = err ? NULL : fdopen(dup(mfd), "w");
	if (!err && !out)
		err = -errno;
	if (!err)
		err = rewrite(in, len, out);
	if (out && fclose(out) && !err)
		err = -EIO;
	free(in);
	int ro = -1;
	if (!err && fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL))
		err = -errno;
	if (!err) {
		/* the tracee gets a read-only description of it */
		char self[64];
		snprintf(self, sizeof(self), "/proc/self/fd/%d", mfd);
		ro = open(self, O_RDONLY | O_CLOEXEC);
		if (ro < 0)
			err = -errno;
	}
	if (mfd >= 0)
		close(mfd);
	if (err)
		fprintf(stderr, "ovlrun: mountinfo copy: %s\n", strerror(-err));
	return err ? err : ro;
}
