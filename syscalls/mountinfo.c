/*
 * /proc/<pid>/mountinfo as the tracee may read it.  The kernel shows, in
 * each line's fourth field, the mount's root inside its filesystem: for the
 * supervisor's binds of layer files (executables, FIFOs) and for --bind
 * mounts that is the file's or directory's HOST path
 * ("/home/me/img/bin/busybox").  The copy served instead has, for every
 * mount whose root is not its filesystem's root, the mount point itself
 * there (as if the filesystem had been mounted at the file).  The root is
 * the overlay, as on overlayfs ("overlay overlay rw": its real mount is the
 * shadow's tmpfs; the kernel's lowerdir=... options would be host paths);
 * a filesystem option whose value is an absolute path is left out (a
 * layer's or a --bind's on an overlayfs: its lowerdir= and the others name
 * host dirs); every other field is the kernel's.  /proc/<pid>/mounts is made from that
 * copy, as the kernel makes it from the same mounts (show_vfsmnt: ro/rw,
 * the superblock's flags, the mount's, the filesystem's options).  A sealed
 * memfd, opened read-only.
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

/* The superblock flags the kernel shows among a filesystem's options in
 * mountinfo but before the mount's own flags in mounts. */
static bool sb_flag(const char *opt, size_t len)
{
	static const char *const flags[] = { "sync", "dirsync", "mand", "lazytime" };
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (len == strlen(flags[i]) && !memcmp(opt, flags[i], len))
			return true;
	return false;
}

/* mounts' options from mountinfo's: ro/rw and the mount's flags (mnt),
 * the superblock's options (sb: ro/rw first).  ro if either is, as the
 * kernel's show_vfsmnt says. */
static void table_options(const char *mnt, size_t mlen, const char *sb, size_t slen, FILE *out)
{
	const char *rw_end = memchr(mnt, ',', mlen);
	size_t rwlen = rw_end ? (size_t)(rw_end - mnt) : mlen;
	bool ro = (rwlen == 2 && !memcmp(mnt, "ro", 2)) || (slen >= 2 && !memcmp(sb, "ro", 2) &&
							    (slen == 2 || sb[2] == ','));
	fputs(ro ? "ro" : "rw", out);
	for (int pass = 0; pass < 2; pass++) {
		if (pass)  /* the mount's flags, after the superblock's */
			fwrite(mnt + rwlen, 1, mlen - rwlen, out);
		const char *p = memchr(sb, ',', slen);
		while (p && p < sb + slen) {
			const char *q = p + 1, *e = memchr(q, ',', (size_t)(sb + slen - q));
			size_t len = (size_t)((e ? e : sb + slen) - q);
			if (sb_flag(q, len) == !pass) {
				fputc(',', out);
				fwrite(q, 1, len, out);
			}
			p = e;
		}
	}
}

/* A filesystem's options without those whose value is an absolute path
 * (an overlayfs layer's lowerdir=, upperdir=, workdir=: host paths, when
 * a layer or a --bind lives on one); into buf (size n), its length. */
static size_t without_paths(const char *opts, size_t len, char *buf, size_t n)
{
	size_t out = 0;
	for (const char *p = opts; p < opts + len;) {
		const char *e = memchr(p, ',', (size_t)(opts + len - p));
		size_t tl = (size_t)((e ? e : opts + len) - p);
		const char *eq = memchr(p, '=', tl);
		if (!(eq && eq + 1 < p + tl && eq[1] == '/') && out + tl + 1 < n) {
			if (out)
				buf[out++] = ',';
			memcpy(buf + out, p, tl);
			out += tl;
		}
		p += tl + 1;
	}
	return out;
}

/* One mountinfo line (without its newline), sanitized, to out: as a
 * mountinfo line or as a mounts one (table). */
static void rewrite_line(const char *line, const char *end, bool table, bool ro, FILE *out)
{
	size_t rlen, mlen, olen;
	const char *root = field(line, end, 3, &rlen);
	const char *mp = field(line, end, 4, &mlen);
	const char *opts = field(line, end, 5, &olen);
	const char *sep = opts ? strstr(opts, " - ") : NULL;
	if (!root || !mp || !opts || !sep || sep >= end) {
		if (!table)
			fwrite(line, 1, (size_t)(end - line), out);
		return;
	}
	/* after the separator: type, source, the filesystem's options (the
	 * rest of the line: a few filesystems print spaces in them) */
	size_t tlen, slen, xlen;
	const char *type = field(sep + 3, end, 0, &tlen);
	const char *src = field(sep + 3, end, 1, &slen);
	const char *xopts = field(sep + 3, end, 2, &xlen);
	if (!type || !src || !xopts)
		return;
	const char *optional = opts + olen;  /* the optional fields, up to " - " */
	char fopts[4096], ropts[256];
	xlen = without_paths(xopts, (size_t)(end - xopts), fopts, sizeof(fopts));
	xopts = fopts;
	/* the root: the overlay, its mount writable and its filesystem unless
	 * read-only, as the kernel's (its real mount, the shadow, is
	 * read-only: the supervisor makes the changes) */
	if (mlen == 1 && mp[0] == '/') {
		type = src = "overlay";
		tlen = slen = strlen("overlay");
		xopts = ro ? "ro" : "rw";
		xlen = 2;
		const char *rest = memchr(opts, ',', olen);
		size_t rl = rest ? (size_t)(opts + olen - rest) : 0;
		if (rl + 2 < sizeof(ropts)) {
			memcpy(ropts, "rw", 2);
			memcpy(ropts + 2, rest, rl);
			opts = ropts;
			olen = rl + 2;
		}
	}
	if (table) {
		fprintf(out, "%.*s %.*s %.*s ", (int)slen, src, (int)mlen, mp, (int)tlen, type);
		table_options(opts, olen, xopts, xlen, out);
		fputs(" 0 0", out);
		return;
	}
	/* id parent dev ROOT mountpoint ...: ROOT := mountpoint */
	fwrite(line, 1, (size_t)(root - line), out);
	if (rlen == 1 && root[0] == '/')
		fputc('/', out);
	else
		fwrite(mp, 1, mlen, out);
	fprintf(out, " %.*s %.*s", (int)mlen, mp, (int)olen, opts);
	fwrite(optional, 1, (size_t)(sep + 3 - optional), out);
	fprintf(out, "%.*s %.*s %.*s", (int)tlen, type, (int)slen, src, (int)xlen, xopts);
}

/* Write the sanitized lines of in to out (a memfd). */
static int rewrite(const char *in, size_t len, bool table, bool ro, FILE *out)
{
	for (const char *line = in; line < in + len;) {
		const char *nl = memchr(line, '\n', (size_t)(in + len - line));
		const char *end = nl ? nl : in + len;
		long at = ftell(out);
		rewrite_line(line, end, table, ro, out);
		if (nl && ftell(out) != at)
			fputc('\n', out);
		line = end + 1;
	}
	return fflush(out) ? -errno : 0;
}

int mountinfo_sanitized(int real, bool table, bool ro)
{
	size_t len;
	char *in = slurp(real, &len);
	if (!in)
		return -EIO;
	int mfd = memfd_create(table ? "mounts" : "mountinfo", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int err = mfd < 0 ? -errno : 0;
	FILE *out = err ? NULL : fdopen(dup(mfd), "w");
	if (!err && !out)
		err = -errno;
	if (!err)
		err = rewrite(in, len, table, ro, out);
	if (out && fclose(out) && !err)
		err = -EIO;
	free(in);
	int rfd = -1;
	if (!err && fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL))
		err = -errno;
	if (!err) {
		/* the tracee gets a read-only description of it */
		char self[64];
		snprintf(self, sizeof(self), "/proc/self/fd/%d", mfd);
		rfd = open(self, O_RDONLY | O_CLOEXEC);
		if (rfd < 0)
			err = -errno;
	}
	if (mfd >= 0)
		close(mfd);
	if (err)
		fprintf(stderr, "ovlrun: mountinfo copy: %s\n", strerror(-err));
	return err ? err : rfd;
}
