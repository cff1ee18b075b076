/* mapowners [--record] DIR UID GID [USTART UCOUNT GSTART GCOUNT] — give
 * every entry of DIR (not following links) the host owner that the id it
 * has now maps to in the user namespace ovlrun makes for the user UID:GID:
 * id 0 is the user's own, ids 1..COUNT are the user's subordinate range
 * from START.  Used by the rootless tests (root makes a user's copy of a
 * root-owned test image, so that inside the user's namespace it shows the
 * owners it had).  An id the namespace does not map is an error: the copy
 * would show the overflow id; with --record, as a rootless image store
 * unpacks an image for a user without such ids, the entry is the user's
 * and its owner, mode and type go in user.containers.override_stat
 * (regular files and dirs: the others cannot carry it and keep the user
 * as owner), and a device node, which a user cannot have, becomes an empty
 * file recorded as the node.  A chown clears set-id bits and file
 * capabilities; the mode is set back (the images carry no capabilities). */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdbool.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static unsigned long uid, gid, ustart, ucount, gstart, gcount;
static int record_mode;

static int map(unsigned long id, unsigned long self, unsigned long start, unsigned long count,
	       unsigned long *out)
{
	if (id == 0)
		*out = self;
	else if (id <= count)
		*out = start + id - 1;
	else
		return -1;
	return 0;
}

/* --record: path becomes the user's, what it was goes in its record. */
static int keep_in_record(const char *path, const struct stat *st)
{
	char rec[96], type[40];
	const char *t = S_ISDIR(st->st_mode) ? "dir" : "file";
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		snprintf(type, sizeof(type), "%s-%u-%u", S_ISBLK(st->st_mode) ? "block" : "char",
			 major(st->st_rdev), minor(st->st_rdev));
		t = type;
		int fd;
		if (unlink(path) || (fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0) {
			fprintf(stderr, "mapowners: %s: %s\n", path, strerror(errno));
			return 1;
		}
		close(fd);
	}
	if (lchown(path, (uid_t)uid, (gid_t)gid)) {
		fprintf(stderr, "mapowners: %s: lchown: %s\n", path, strerror(errno));
		return 1;
	}
	if (S_ISLNK(st->st_mode) || S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode))
		return 0;       /* (no user.* xattr there: the owner is lost) */
	snprintf(rec, sizeof(rec), "%u:%u:%04o:%s", (unsigned)st->st_uid, (unsigned)st->st_gid,
		 (unsigned)(st->st_mode & 07777), t);
	if (lsetxattr(path, "user.containers.override_stat", rec, strlen(rec), 0) ||
	    (!S_ISCHR(st->st_mode) && !S_ISBLK(st->st_mode) && chmod(path, st->st_mode & 07777))) {
		fprintf(stderr, "mapowners: %s: record: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)flag;
	(void)ftw;
	unsigned long u, g;
	bool node = S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode);
	if (map(st->st_uid, uid, ustart, ucount, &u) || map(st->st_gid, gid, gstart, gcount, &g) ||
	    (record_mode && node)) {
		if (!record_mode) {
			fprintf(stderr, "mapowners: %s: owner %u:%u is not mapped\n", path,
				(unsigned)st->st_uid, (unsigned)st->st_gid);
			return 1;
		}
		return keep_in_record(path, st);
	}
	if (lchown(path, (uid_t)u, (gid_t)g)) {
		fprintf(stderr, "mapowners: %s: lchown: %s\n", path, strerror(errno));
		return 1;
	}
	if (!S_ISLNK(st->st_mode) && chmod(path, st->st_mode & 07777)) {
		fprintf(stderr, "mapowners: %s: chmod: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--record")) {
		record_mode = 1;
		argv++;
		argc--;
	}
	if (argc != 4 && argc != 8) {
		fprintf(stderr, "usage: mapowners [--record] DIR UID GID [USTART UCOUNT GSTART GCOUNT]\n");
		return 2;
	}
	uid = strtoul(argv[2], NULL, 10);
	gid = strtoul(argv[3], NULL, 10);
	if (argc == 8) {
		ustart = strtoul(argv[4], NULL, 10);
		ucount = strtoul(argv[5], NULL, 10);
		gstart = strtoul(argv[6], NULL, 10);
		gcount = strtoul(argv[7], NULL, 10);
	}
	/* depth first: a dir's mode is set back after its entries */
	return nftw(argv[1], visit, 64, FTW_PHYS | FTW_DEPTH) ? 1 : 0;
}
