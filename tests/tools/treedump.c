/* treedump: canonical, deterministic dump of a directory tree, used by the
 * tests to compare layers (tests/lib.sh: tree_dump).
 *
 *   treedump [-F] [-x XATTR]... DIR
 *
 * One line per entry, sorted by byte-wise path ("." is DIR itself):
 *   PATH  TYPE MODE UID:GID [nlink=N (not for dirs and whiteouts)] [size=N sha256=H] [-> TARGET]
 *         [rdev=MAJ:MIN] [flags=HEX] [xattr NAME=VALUE]...
 * No times, no inode numbers, no directory sizes.  Non-printable bytes and
 * backslashes in names/targets/values are escaped as \ooo.  -F adds the
 * inode flags (FS_IOC_GETFLAGS) of regular files and directories; -x NAME
 * leaves out the xattr NAME (repeatable).  Works below PATH_MAX limits by
 * walking with directory fds (fchdir), so deep trees are fine.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ---- SHA-256 (FIPS 180-4) ---- */
typedef struct { uint32_t h[8]; uint64_t len; uint8_t buf[64]; size_t n; } sha256;
static const uint32_t K[64] = {
	0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,
	0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,
	0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,
	0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,
	0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,
	0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,
	0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,
	0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2 };
#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
static void sha_block(sha256 *s, const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h;
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4*i] << 24 | (uint32_t)p[4*i+1] << 16 | (uint32_t)p[4*i+2] << 8 | p[4*i+3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i-15], 7) ^ ROR(w[i-15], 18) ^ (w[i-15] >> 3);
		uint32_t s1 = ROR(w[i-2], 17) ^ ROR(w[i-2], 19) ^ (w[i-2] >> 10);
		w[i] = w[i-16] + s0 + w[i-7] + s1;
	}
	a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
	e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
	s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}
static void sha_init(sha256 *s)
{
	static const uint32_t iv[8] = { 0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,
					0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19 };
	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->n = 0;
}
static void sha_update(sha256 *s, const uint8_t *p, size_t n)
{
	s->len += n;
	while (n) {
		size_t k = 64 - s->n < n ? 64 - s->n : n;
		memcpy(s->buf + s->n, p, k);
		s->n += k; p += k; n -= k;
		if (s->n == 64) {
			sha_block(s, s->buf);
			s->n = 0;
		}
	}
}
static void sha_final(sha256 *s, char out[65])
{
	uint64_t bits = s->len * 8;
	uint8_t pad = 0x80, z = 0, lb[8];
	sha_update(s, &pad, 1);
	while (s->n != 56)
		sha_update(s, &z, 1);
	for (int i = 0; i < 8; i++)
		lb[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha_update(s, lb, 8);
	for (int i = 0; i < 8; i++)
		sprintf(out + 8 * i, "%08x", s->h[i]);
}

/* ---- dump ---- */
static int with_flags;
static char **ignored;
static int nignored;
static int errors;

static void put_escaped(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '\\')
			printf("\\%03o", c);
		else
			putchar(c);
	}
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_ignored(const char *name)
{
	for (int i = 0; i < nignored; i++)
		if (!strcmp(ignored[i], name))
			return 1;
	return 0;
}

/* cwd is the entry's parent directory; name is relative to it. */
static void dump_entry(const char *path, const char *name, const struct stat *st)
{
	char type;
	switch (st->st_mode & S_IFMT) {
	case S_IFREG: type = 'f'; break;
	case S_IFDIR: type = 'd'; break;
	case S_IFLNK: type = 'l'; break;
	case S_IFCHR: type = 'c'; break;
	case S_IFBLK: type = 'b'; break;
	case S_IFIFO: type = 'p'; break;
	case S_IFSOCK: type = 's'; break;
	default: type = '?';
	}
	put_escaped(path, strlen(path));
	printf("  %c %04o %u:%u", type, (unsigned)(st->st_mode & 07777),
	       (unsigned)st->st_uid, (unsigned)st->st_gid);
	/* nlink of whiteouts is the kernel's whiteout-sharing bookkeeping. */
	int whiteout = type == 'c' && st->st_rdev == makedev(0, 0);
	if (type != 'd' && !whiteout)
		printf(" nlink=%lu", (unsigned long)st->st_nlink);
	if (type == 'f') {
		sha256 s;
		char hex[65];
		sha_init(&s);
		int fd = open(name, O_RDONLY | O_NOFOLLOW | O_NOCTTY);
		if (fd < 0) {
			fprintf(stderr, "treedump: open %s: %s\n", path, strerror(errno));
			errors++;
		} else {
			static uint8_t buf[1 << 16];
			ssize_t n;
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				sha_update(&s, buf, (size_t)n);
			if (n < 0) {
				fprintf(stderr, "treedump: read %s: %s\n", path, strerror(errno));
				errors++;
			}
			if (with_flags) {
				int fl = 0;
				if (ioctl(fd, FS_IOC_GETFLAGS, &fl) == 0)
					printf(" flags=%x", (unsigned)fl);
			}
			close(fd);
		}
		sha_final(&s, hex);
		printf(" size=%lld sha256=%s", (long long)st->st_size, hex);
	}
	if (type == 'd' && with_flags) {
		int fd = open(name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		int fl = 0;
		if (fd >= 0 && ioctl(fd, FS_IOC_GETFLAGS, &fl) == 0)
			printf(" flags=%x", (unsigned)fl);
		if (fd >= 0)
			close(fd);
	}
	if (type == 'l') {
		char t[8192];
		ssize_t n = readlink(name, t, sizeof(t));
		if (n < 0) {
			fprintf(stderr, "treedump: readlink %s: %s\n", path, strerror(errno));
			errors++;
			n = 0;
		}
		printf(" -> ");
		put_escaped(t, (size_t)n);
	}
	if (type == 'c' || type == 'b')
		printf(" rdev=%u:%u", major(st->st_rdev), minor(st->st_rdev));

	char list[65536];
	ssize_t n = llistxattr(name, list, sizeof(list));
	if (n < 0 && errno != ENOTSUP) {
		fprintf(stderr, "treedump: llistxattr %s: %s\n", path, strerror(errno));
		errors++;
	}
	if (n > 0) {
		char *names[1024];
		int k = 0;
		for (char *p = list; p < list + n && k < 1024; p += strlen(p) + 1)
			names[k++] = p;
		qsort(names, (size_t)k, sizeof(*names), cmpstr);
		for (int i = 0; i < k; i++) {
			if (is_ignored(names[i]))
				continue;
			char val[65536];
			ssize_t v = lgetxattr(name, names[i], val, sizeof(val));
			printf(" xattr %s=", names[i]);
			if (v < 0)
				printf("<%s>", strerror(errno));
			else {
				putchar('"');
				put_escaped(val, (size_t)v);
				putchar('"');
			}
		}
	}
	putchar('\n');
}

static void walk(const char *path)
{
	/* cwd is the directory 'path'. */
	DIR *d = opendir(".");
	if (!d) {
		fprintf(stderr, "treedump: opendir %s: %s\n", path, strerror(errno));
		errors++;
		return;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
		}
		names[n++] = strdup(e->d_name);
	}
	qsort(names, n, sizeof(*names), cmpstr);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(path) + strlen(names[i]) + 2;
		char *child = malloc(len);
		if (!strcmp(path, "."))
			snprintf(child, len, "%s", names[i]);
		else
			snprintf(child, len, "%s/%s", path, names[i]);
		struct stat st;
		if (lstat(names[i], &st) < 0) {
			fprintf(stderr, "treedump: lstat %s: %s\n", child, strerror(errno));
			errors++;
		} else {
			dump_entry(child, names[i], &st);
			if (S_ISDIR(st.st_mode)) {
				if (chdir(names[i]) < 0) {
					fprintf(stderr, "treedump: chdir %s: %s\n", child, strerror(errno));
					errors++;
				} else {
					walk(child);
					if (fchdir(dirfd(d)) < 0) {
						perror("treedump: fchdir");
						exit(2);
					}
				}
			}
		}
		free(child);
		free(names[i]);
	}
	free(names);
	closedir(d);
}

int main(int argc, char **argv)
{
	int c;
	ignored = calloc((size_t)argc, sizeof(*ignored));
	while ((c = getopt(argc, argv, "Fx:")) != -1) {
		if (c == 'F')
			with_flags = 1;
		else if (c == 'x')
			ignored[nignored++] = optarg;
		else {
			fprintf(stderr, "usage: treedump [-F] [-x XATTR]... DIR\n");
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: treedump [-F] [-x XATTR]... DIR\n");
		return 2;
	}
	if (chdir(argv[optind]) < 0) {
		fprintf(stderr, "treedump: %s: %s\n", argv[optind], strerror(errno));
		return 2;
	}
	struct stat st;
	if (lstat(".", &st) < 0) {
		perror("treedump: lstat .");
		return 2;
	}
	/* The root itself is dumped as "." (cwd is the root). */
	dump_entry(".", ".", &st);
	walk(".");
	fflush(stdout);
	return errors ? 1 : 0;
}
