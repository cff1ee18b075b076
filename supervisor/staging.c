/*
 * The staging area: a directory in $TMPDIR (or /tmp) on which ovlrun's
 * private mount namespace mounts a tmpfs holding the layer mounts and the
 * shadow root.  On the host it is an empty dir; a run killed with SIGKILL
 * skips every cleanup and leaves it behind.  Each run holds a flock on its
 * own staging dir for as long as it lives, so a later run can tell a stale
 * one (empty, unlocked, made over a minute ago: a new run locks its dir right
 * after making it) and remove it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "ovlrun/supervisor.h"
#include "staging.h"

#define STAGING_PREFIX "ovlrun."
#define STALE_AFTER_S 60

static void sweep_stale(const char *tmp)
{
	DIR *d = opendir(tmp);
	if (!d)
		return;
	time_t now = time(NULL);
	struct dirent *de;
	while ((de = readdir(d))) {
		/* mkdtemp's names only: "ovlrun." and six characters */
		if (strncmp(de->d_name, STAGING_PREFIX, strlen(STAGING_PREFIX)) ||
		    strlen(de->d_name) != strlen(STAGING_PREFIX) + 6)
			continue;
		int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		if (fd < 0)
			continue;
		if (!fstat(fd, &st) && st.st_uid == geteuid() && (st.st_mode & 07777) == 0700 &&
		    now - st.st_mtime > STALE_AFTER_S && !flock(fd, LOCK_EX | LOCK_NB))
			(void)unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);  /* fails if not empty */
		close(fd);
	}
	closedir(d);
}

void staging_make(struct sup *s, struct stat *st)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	sweep_stale(tmp);
	snprintf(s->staging, sizeof(s->staging), "%s/" STAGING_PREFIX "XXXXXX", tmp);
	if (!mkdtemp(s->staging))
		die_setup("staging dir %s: %s", s->staging, strerror(errno));
	/* held for ovlrun's lifetime (the sandbox's processes close their copies) */
	int lock = open(s->staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) || fstat(lock, st))
		die_setup("staging dir %s: %s", s->staging, strerror(errno));
	/* only mount points live here (the shadow root is a tmpfs of its own) */
	if (mount("tmpfs", s->staging, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700,size=1m"))
		die_setup("mount staging tmpfs on %s: %s", s->staging, strerror(errno));
}
