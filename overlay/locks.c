/*
 * The locks of changes (the order is at the top of overlay.h).
 *
 * Directory locks are named by canonical overlay path and made on demand:
 * a table of the ones held or waited for, each freed when its last user
 * lets go, so they cost nothing for dirs nobody changes.  A path names the
 * same dir for as long as its lock is held: what could move it (a rename
 * of a dir, or across dirs) holds the rename lock exclusively and waits
 * for every change to end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define DIRLOCK_BUCKETS 64

struct ovl_dirlock {
	struct ovl_dirlock *next;       /* hash chain */
	unsigned users;                 /* holder and waiters */
	bool held;
	pthread_cond_t free;            /* signalled when held goes false */
	char path[];
};

static size_t bucket(const char *path)
{
	size_t h = 5381;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		h = h * 33 + *p;
	return h % DIRLOCK_BUCKETS;
}

int ovl_locks_init(struct ovl_fs *fs)
{
	struct ovl_locks *l = &fs->locks;
	l->tab = calloc(DIRLOCK_BUCKETS, sizeof(*l->tab));
	if (!l->tab)
		return -ENOMEM;
	/* readers first (glibc's default, said here because it matters):
	 * shared holds nest (ovl_paths_hold around an engine change) */
	pthread_rwlockattr_t a;
	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_READER_NP);
	pthread_rwlock_init(&l->rename, &a);
	pthread_rwlockattr_destroy(&a);
	pthread_mutex_init(&l->lock, NULL);
	return 0;
}

void ovl_locks_free(struct ovl_fs *fs)
{
	struct ovl_locks *l = &fs->locks;
	if (!l->tab)
		return;
	free(l->tab);                   /* empty: nothing is held once the engine goes */
	l->tab = NULL;
	pthread_rwlock_destroy(&l->rename);
	pthread_mutex_destroy(&l->lock);
}

/* Lock the dir at path; the caller holds none deeper or as deep (order). */
static int dir_lock(struct ovl_fs *fs, const char *path, struct ovl_dirlock **out)
{
	struct ovl_locks *l = &fs->locks;
	struct ovl_dirlock **b = &l->tab[bucket(path)], *d;
	pthread_mutex_lock(&l->lock);
	for (d = *b; d && strcmp(d->path, path); d = d->next)
		;
	if (!d) {
		size_t n = strlen(path);
		d = calloc(1, sizeof(*d) + n + 1);
		if (!d) {
			pthread_mutex_unlock(&l->lock);
			return -ENOMEM;
		}
		memcpy(d->path, path, n + 1);
		pthread_cond_init(&d->free, NULL);
		d->next = *b;
		*b = d;
	}
	d->users++;
	while (d->held)
		pthread_cond_wait(&d->free, &l->lock);
	d->held = true;
	pthread_mutex_unlock(&l->lock);
	*out = d;
	return 0;
}

static void dir_unlock(struct ovl_fs *fs, struct ovl_dirlock *d)
{
	struct ovl_locks *l = &fs->locks;
	pthread_mutex_lock(&l->lock);
	d->held = false;
	if (--d->users) {
		pthread_cond_signal(&d->free);
		d = NULL;
	} else {
		struct ovl_dirlock **pp = &l->tab[bucket(d->path)];
		while (*pp != d)
			pp = &(*pp)->next;
		*pp = d->next;
	}
	pthread_mutex_unlock(&l->lock);
	if (d) {
		pthread_cond_destroy(&d->free);
		free(d);
	}
}

void ovl_hold_begin(struct ovl_fs *fs, struct ovl_hold *h, bool renaming)
{
	memset(h, 0, sizeof(*h));
	h->fs = fs;
	h->renaming = renaming;
	if (renaming) {
		pthread_rwlock_wrlock(&fs->locks.rename);
		__atomic_add_fetch(&fs->locks.moves, 1, __ATOMIC_SEQ_CST);
	} else {
		pthread_rwlock_rdlock(&fs->locks.rename);
	}
	h->active = true;
}

int ovl_hold_dir(struct ovl_hold *h, const char *path)
{
	if (h->renaming)
		return 0;               /* no other change runs */
	if (h->ndirs == OVL_HOLD_DIRS)
		return -EDEADLK;        /* (a bug: never more than two) */
	int err = dir_lock(h->fs, path, &h->dirs[h->ndirs]);
	if (!err)
		h->ndirs++;
	return err;
}

/* The locks, then a and b (if any) looked up again.  a's dir is locked
 * (the root's own path stands for the root's: its attributes), and first,
 * when itself, dir a itself (deeper first: overlay.h).  staged goes to
 * the hold. */
static int hold(struct ovl_fs *fs, struct ovl_hold *h, bool renaming, bool itself,
		struct ovl_entry *a, struct ovl_entry *b, struct ovl_staged *staged)
{
	char parent[OVL_PATH_MAX];
	ovl_canon_parent(a->path, parent);
	ovl_hold_begin(fs, h, renaming);
	h->staged = staged;
	int err = itself && strcmp(a->path, parent) ? ovl_hold_dir(h, a->path) : 0;
	if (!err)
		err = ovl_hold_dir(h, parent);
	if (!err)
		err = ovl_entry_refresh(fs, a);
	if (!err && b)
		err = ovl_entry_refresh(fs, b);
	if (err)
		ovl_hold_end(h);
	return err;
}

void ovl_hold_end(struct ovl_hold *h)
{
	if (!h->active)
		return;
	while (h->ndirs)
		dir_unlock(h->fs, h->dirs[--h->ndirs]);
	if (h->renaming)
		__atomic_add_fetch(&h->fs->locks.moves, 1, __ATOMIC_SEQ_CST);
	pthread_rwlock_unlock(&h->fs->locks.rename);
	h->active = false;
	ovl_copy_up_unstage(h->fs, h->staged);  /* used or not */
	h->staged = NULL;
}

int ovl_hold_entry(struct ovl_fs *fs, struct ovl_hold *h, struct ovl_entry *e)
{
	return hold(fs, h, false, false, e, NULL, NULL);
}

int ovl_hold_entry_staging(struct ovl_fs *fs, struct ovl_hold *h, struct ovl_entry *e, bool stage)
{
	struct ovl_staged *staged = NULL;
	if (stage)
		(void)ovl_copy_up_stage(fs, e, &staged);  /* else copied under the locks */
	return hold(fs, h, false, false, e, NULL, staged);
}

int ovl_hold_dir_entry(struct ovl_fs *fs, struct ovl_hold *h, struct ovl_entry *e)
{
	return hold(fs, h, false, true, e, NULL, NULL);
}

int ovl_hold_pair(struct ovl_fs *fs, struct ovl_hold *h, struct ovl_entry *a,
		  struct ovl_entry *b, bool renaming)
{
	return hold(fs, h, renaming, false, a, b, NULL);
}

int ovl_lock_parent_of(struct ovl_fs *fs, const char *path, size_t len, struct ovl_dirlock **out)
{
	char p[OVL_PATH_MAX], parent[OVL_PATH_MAX];
	if (len >= sizeof(p))
		return -ENAMETOOLONG;
	memcpy(p, path, len);
	p[len] = 0;
	ovl_canon_parent(p, parent);
	return dir_lock(fs, parent, out);
}

void ovl_unlock_dir(struct ovl_fs *fs, struct ovl_dirlock *d)
{
	dir_unlock(fs, d);
}

void ovl_paths_hold(struct ovl_fs *fs)
{
	pthread_rwlock_rdlock(&fs->locks.rename);
}

void ovl_paths_release(struct ovl_fs *fs)
{
	pthread_rwlock_unlock(&fs->locks.rename);
}

uint64_t ovl_moves(struct ovl_fs *fs)
{
	return __atomic_load_n(&fs->locks.moves, __ATOMIC_SEQ_CST);
}
