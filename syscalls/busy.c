/*
 * ETXTBSY for overlay files a sandbox process runs.  Linux refuses write
 * access to a file being executed; on overlayfs the running file is the
 * overlay inode, so a write through any of its names is refused, before
 * anything is copied up.  A program ovlrun runs from a lower file is a
 * bind of the lower file (exec.c), which nothing writes: the open or
 * truncate that would copy the file up is refused here instead.  (An
 * upper file runs as itself, and the kernel refuses its writers.)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ovlrun/syscalls.h"
#include "handlers.h"

/* Whether some process of the sandbox runs the file (dev, ino), and, when
 * canon is given, runs it by that name (the executable's /proc link, as
 * the sandbox sees it). */
static bool runs(struct sup *s, dev_t dev, ino_t ino, const char *canon)
{
	char proc[64], p[64 + NAME_MAX + 8], link[PATH_MAX];
	/* the sandbox's own /proc, through its init's root: its pids only */
	snprintf(proc, sizeof(proc), "/proc/%d/root/proc", (int)s->init_pid);
	DIR *d = opendir(proc);
	if (!d)
		return false;
	bool found = false;
	struct dirent *de;
	while (!found && (de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(p, sizeof(p), "%s/%s/exe", proc, de->d_name);
		if (stat(p, &st) || st.st_dev != dev || st.st_ino != ino)
			continue;
		ssize_t n = canon ? readlink(p, link, sizeof(link) - 1) : 0;
		if (n >= 0)
			link[n] = 0;
		found = !canon || (n >= 0 && !strcmp(link, canon));
	}
	closedir(d);
	return found;
}

int busy_check(struct req *r, const struct ovl_entry *e)
{
	/* only a lower file (or an indexed name's) can run from an object
	 * the write would not reach; only an executable one runs at all */
	struct ovl_fs *fs = r->sup->fs;
	dev_t odev;
	ino_t oino;
	/* (a read-only overlay's refusal is EROFS, the engine's) */
	if (!S_ISREG(e->type) || !(e->st.st_mode & 0111) || r->sup->init_pid <= 0 ||
	    !ovl_fs_writable(fs))
		return 0;
	/* an upper copy the overlay keeps one object with its lower (its
	 * origin): a process may run the lower one (exec'd before the copy-up) */
	if (e->layer == OVL_UPPER && !e->indexed)
		return ovl_entry_origin(fs, e, &odev, &oino) &&
		       runs(r->sup, odev, oino, NULL) ? -ETXTBSY : 0;
	/* the names of a lower file with several are one overlay inode only
	 * with the index (else each copies up apart) */
	bool one = ovl_fs_indexed(fs) || e->st.st_nlink <= 1;
	if (e->indexed && runs(r->sup, e->st.st_dev, e->st.st_ino, NULL))
		return -ETXTBSY;        /* the index entry, linked up and run */
	dev_t dev = e->indexed ? e->lower_dev : e->st.st_dev;
	ino_t ino = e->indexed ? e->lower_ino : e->st.st_ino;
	return runs(r->sup, dev, ino, one ? NULL : e->path) ? -ETXTBSY : 0;
}
