/*
 * Which namespace a tracee's object lives in, by the id of its mount.
 *
 * The command's root is its own copy of the shadow (sandbox_root.c), so a
 * supervisor-side readlink of a tracee's cwd or fd names an object there by
 * its path inside the sandbox ("/tmp/a"), an object of the supervisor's
 * own mounts in its staging area (layers, its side of the shadow: the
 * files and mirror dirs it opened for the command) by the supervisor's
 * path ("<staging>/l/0/etc/passwd"), and a host object the command
 * inherited by its host path.  The text alone cannot tell a sandbox path
 * from the others (the command can make any directory), the mount can.
 * Both sets are read from mountinfo, again when an id is not known (the
 * supervisor adds binds for executables as the command runs).  Ids found
 * in neither (host objects the command inherited) are remembered, so a
 * command working on its stdin file does not re-read both tables per call,
 * until the supervisor mounts something new (a freed id may come back).
 * Its own lock (a leaf: held around the sets, reading mountinfo included)
 * lets handlers that run at once ask.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "shadow.h"

struct id_set {
	size_t n, cap;
	uint64_t *id;
};

struct mount_ids {
	struct id_set staging;          /* the supervisor's mounts in its staging area */
	struct id_set sandbox;          /* the command's namespace, as last read */
	struct id_set other;            /* known to be neither, since the last mount_ids_changed */
	uint64_t sandbox_root;          /* its root: the shadow copy holding the mirrors */
	pthread_mutex_t lock;           /* guards the sets and sandbox_root after init */
};

static bool has(const struct id_set *set, uint64_t id)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->id[i] == id)
			return true;
	return false;
}

static int add(struct id_set *set, uint64_t id)
{
	if (set->n == set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 64;
		uint64_t *id2 = realloc(set->id, cap * sizeof(*id2));
		if (!id2)
			return -ENOMEM;
		set->id = id2;
		set->cap = cap;
	}
	set->id[set->n++] = id;
	return 0;
}

/* Each mount of a mountinfo whose mount point is under prefix (all if
 * prefix is NULL) goes into set; root gets the id of the one at "/". */
static int read_mountinfo(const char *file, const char *const *prefix, int nprefix,
			  struct id_set *set, uint64_t *root)
{
	FILE *f = fopen(file, "re");
	if (!f)
		return -errno;
	char line[8192], mp[4096];
	uint64_t id;
	int err = 0;
	set->n = 0;
	while (!err && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNu64 " %*u %*s %*s %4095s", &id, mp) != 2)
			continue;
		bool want = nprefix == 0;
		for (int i = 0; i < nprefix && !want; i++) {
			size_t n = strlen(prefix[i]);
			want = !strncmp(mp, prefix[i], n) && (!mp[n] || mp[n] == '/');
		}
		if (want)
			err = add(set, id);
		if (root && !strcmp(mp, "/"))
			*root = id;
	}
	fclose(f);
	return err;
}

static int read_staging(struct sup *s)
{
	const char *prefix = s->staging;
	return read_mountinfo("/proc/self/mountinfo", &prefix, 1, &s->mnt->staging, NULL);
}

int mount_ids_init(struct sup *s)
{
	s->mnt = calloc(1, sizeof(*s->mnt));
	if (!s->mnt)
		return -ENOMEM;
	pthread_mutex_init(&s->mnt->lock, NULL);
	return read_staging(s);
}

void mount_ids_free(struct sup *s)
{
	if (!s->mnt)
		return;
	free(s->mnt->staging.id);
	free(s->mnt->sandbox.id);
	free(s->mnt->other.id);
	pthread_mutex_destroy(&s->mnt->lock);
	free(s->mnt);
	s->mnt = NULL;
}

static int read_sandbox(struct sup *s)
{
	char file[64];
	snprintf(file, sizeof(file), "/proc/%d/mountinfo", (int)s->init_pid);
	return read_mountinfo(file, NULL, 0, &s->mnt->sandbox, &s->mnt->sandbox_root);
}

static enum mount_kind kind_locked(struct sup *s, struct mount_ids *m, uint64_t id)
{
	if (id == m->sandbox_root || has(&m->sandbox, id))
		return MOUNT_SANDBOX;
	if (has(&m->staging, id))
		return MOUNT_STAGING;
	if (has(&m->other, id))
		return MOUNT_OTHER;
	if (read_sandbox(s) == 0 && has(&m->sandbox, id))
		return MOUNT_SANDBOX;
	if (read_staging(s) == 0 && has(&m->staging, id))
		return MOUNT_STAGING;
	(void)add(&m->other, id);  /* (without memory: read again next time) */
	return MOUNT_OTHER;
}

enum mount_kind mount_kind(struct sup *s, uint64_t id)
{
	struct mount_ids *m = s->mnt;
	if (!m || !id)
		return MOUNT_OTHER;
	pthread_mutex_lock(&m->lock);
	enum mount_kind k = kind_locked(s, m, id);
	pthread_mutex_unlock(&m->lock);
	return k;
}

void mount_ids_changed(struct sup *s)
{
	if (!s->mnt)
		return;
	/* an unmounted bind's id is free for any new mount of the host's:
	 * every set is read again when next asked */
	pthread_mutex_lock(&s->mnt->lock);
	s->mnt->other.n = 0;
	s->mnt->sandbox.n = 0;
	s->mnt->staging.n = 0;
	pthread_mutex_unlock(&s->mnt->lock);
}
