/*
 * The dentry cache: what lookups found, keyed by canonical overlay path, so
 * that a walk through known names makes no host syscall.
 *
 * Two kinds of entry, each with its own LRU list and bound:
 *   dirs   - a merged directory: the participating real dirs (fds owned by
 *            the cache), the lstat of the topmost one (for search
 *            permission) and its layer, as ovl_lookup_one gave them;
 *   leaves - anything else a final component was: a negative (the name is
 *            free), or a non-directory's type and layer, with the target
 *            of a symlink.  They hold no fd: a caller that wants the
 *            object's metadata stats it in its real dir (size and times of
 *            files change natively, through the command's own fds).
 *
 * Correctness rests on invalidation: every engine path that changes a
 * name's existence, type or layer, or a directory's participating layers,
 * opacity, owner or mode calls ovl_dcache_invalidate (see internal.h)
 * after the host change.  Walks run beside changes, so a walk that read
 * the host before an invalidation must not insert what it read after it:
 * each invalidation bumps a generation (the name's bucket's, or for a
 * subtree the table's).  A walk reads the table's when it begins (the
 * dirs it stands in may go stale in a subtree change any time after),
 * the name's bucket's before it reads the name (ovl_dcache_stamp), and
 * its insert is dropped if either moved.
 * Lowers never change.
 *
 * A walk or an entry borrows a dir's fds while it holds a pin; a dir
 * invalidated or evicted while pinned only leaves the table and is freed
 * at the last unpin, so a borrowed fd is never closed under its user.
 *
 * Bounds: at most max dirs (fds <= max * nlayers, plus pinned ones) and
 * DCACHE_MAX_LEAVES leaves (about 100 bytes and a path each).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "internal.h"

#define DCACHE_MAX 1024
#define DCACHE_MIN 8
#define DCACHE_MAX_LEAVES 32768
#define DCACHE_BUCKETS 65536    /* power of two */

/* Generations (see the top): per bucket, and the table's for subtrees. */
static uint32_t *bucket_gen(struct ovl_dcache *c, uint64_t h)
{
	return &c->bgen[h & (DCACHE_BUCKETS - 1)];
}

struct ovl_dcentry {
	struct ovl_dcentry *hnext;      /* hash chain */
	struct ovl_dcentry *prev, *next; /* LRU of its kind, most recent first */
	uint64_t hash;
	unsigned pins;                  /* dirs only */
	bool dead;                      /* out of the table: free at the last unpin */
	bool leaf;
	mode_t type;                    /* leaves: S_IFMT bits, 0 = negative */
	int layer;
	struct ovl_dir *dir;            /* dirs: the real dirs; leaves: NULL */
	struct stat *st;                /* dirs: lstat of the topmost real dir */
	char *target;                   /* symlink leaves: the link's text, or NULL */
	size_t len;
	char path[];
};

static uint64_t hash_path(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

int ovl_dcache_init(struct ovl_fs *fs)
{
	struct ovl_dcache *c = &fs->dcache;
	c->tab = calloc(DCACHE_BUCKETS, sizeof(*c->tab));
	c->bgen = calloc(DCACHE_BUCKETS, sizeof(*c->bgen));
	if (!c->tab || !c->bgen) {
		free(c->tab);
		free(c->bgen);
		c->tab = NULL;
		c->bgen = NULL;
		return -ENOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	/* Keep the cache's fds to a quarter of the soft limit: the supervisor
	 * needs the rest for tracees' files and requests in flight. */
	unsigned max = DCACHE_MAX;
	struct rlimit rl;
	int per = fs->nlayers > 0 ? fs->nlayers : 1;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 4 / (rlim_t)per < max)
		max = (unsigned)(rl.rlim_cur / 4 / (rlim_t)per);
	c->lru[0].max = max < DCACHE_MIN ? DCACHE_MIN : max;
	c->lru[1].max = DCACHE_MAX_LEAVES;
	return 0;
}

static void entry_free(struct ovl_dcentry *d)
{
	if (d->dir) {
		ovl_dir_release(d->dir);
		free(d->dir);
	}
	free(d->st);
	free(d->target);
	free(d);
}

static struct ovl_lru *lru_of(struct ovl_dcache *c, const struct ovl_dcentry *d)
{
	return &c->lru[d->leaf];
}

/* Take d out of the table and its LRU; free it unless a walk holds it. */
static void unlink_entry(struct ovl_dcache *c, struct ovl_dcentry *d)
{
	struct ovl_lru *l = lru_of(c, d);
	struct ovl_dcentry **pp = &c->tab[d->hash & (DCACHE_BUCKETS - 1)];
	while (*pp != d)
		pp = &(*pp)->hnext;
	*pp = d->hnext;
	if (d->prev)
		d->prev->next = d->next;
	else
		l->head = d->next;
	if (d->next)
		d->next->prev = d->prev;
	else
		l->tail = d->prev;
	l->n--;
	if (d->pins)
		d->dead = true;
	else
		entry_free(d);
}

void ovl_dcache_free(struct ovl_fs *fs)
{
	struct ovl_dcache *c = &fs->dcache;
	if (!c->tab)
		return;
	for (int k = 0; k < 2; k++)
		while (c->lru[k].head)
			unlink_entry(c, c->lru[k].head);  /* no walk is live at free */
	free(c->tab);
	free(c->bgen);
	c->tab = NULL;
	c->bgen = NULL;
	pthread_mutex_destroy(&c->lock);
}

void ovl_dcache_set_max(struct ovl_fs *fs, unsigned max)
{
	pthread_mutex_lock(&fs->dcache.lock);
	fs->dcache.lru[0].max = max ? max : 1;
	pthread_mutex_unlock(&fs->dcache.lock);
}

unsigned ovl_dcache_count(struct ovl_fs *fs)
{
	pthread_mutex_lock(&fs->dcache.lock);
	unsigned n = fs->dcache.lru[0].n;
	pthread_mutex_unlock(&fs->dcache.lock);
	return n;
}

static void lru_front(struct ovl_dcache *c, struct ovl_dcentry *d)
{
	struct ovl_lru *l = lru_of(c, d);
	if (l->head == d)
		return;
	d->prev->next = d->next;        /* d is not the head: it has a prev */
	if (d->next)
		d->next->prev = d->prev;
	else
		l->tail = d->prev;
	d->prev = NULL;
	d->next = l->head;
	l->head->prev = d;
	l->head = d;
}

static struct ovl_dcentry *find(struct ovl_dcache *c, const char *canon, size_t len,
				uint64_t h)
{
	for (struct ovl_dcentry *d = c->tab[h & (DCACHE_BUCKETS - 1)]; d; d = d->hnext)
		if (d->hash == h && d->len == len && !memcmp(d->path, canon, len))
			return d;
	return NULL;
}

bool ovl_dcache_find(struct ovl_fs *fs, const char *canon, bool leaves, struct ovl_dchit *hit,
		     char *target)
{
	struct ovl_dcache *c = &fs->dcache;
	if (!c->tab)
		return false;
	size_t len = strlen(canon);
	uint64_t h = hash_path(canon, len);
	pthread_mutex_lock(&c->lock);
	struct ovl_dcentry *d = find(c, canon, len, h);
	if (d && d->leaf && !leaves)
		d = NULL;
	if (d) {
		lru_front(c, d);
		*hit = (struct ovl_dchit){ .type = d->type, .layer = d->layer };
		if (!d->leaf) {
			d->pins++;
			hit->pin = d;
			hit->dir = d->dir;
			hit->st = d->st;
		} else if (target) {
			strcpy(target, d->target ? d->target : "");
		}
	}
	pthread_mutex_unlock(&c->lock);
	return d != NULL;
}

struct ovl_dcentry *ovl_dcache_get(struct ovl_fs *fs, const char *canon,
				   const struct ovl_dir **dir, const struct stat **st, int *layer)
{
	struct ovl_dchit hit;
	if (!ovl_dcache_find(fs, canon, false, &hit, NULL))
		return NULL;
	*dir = hit.dir;
	*st = hit.st;
	*layer = hit.layer;
	return hit.pin;
}

/* Drop least recently used entries of l beyond its bound; pinned dirs
 * stay (at most a couple per walk in progress) until they are unpinned. */
static void evict(struct ovl_dcache *c, struct ovl_lru *l)
{
	struct ovl_dcentry *d = l->tail;
	while (l->n > l->max && d) {
		struct ovl_dcentry *prev = d->prev;
		if (!d->pins)
			unlink_entry(c, d);
		d = prev;
	}
}

bool ovl_dcache_current(struct ovl_fs *fs, struct ovl_dcentry *d)
{
	pthread_mutex_lock(&fs->dcache.lock);
	bool current = !d->dead;
	pthread_mutex_unlock(&fs->dcache.lock);
	return current;
}

void ovl_dcache_put(struct ovl_fs *fs, struct ovl_dcentry *d)
{
	struct ovl_dcache *c = &fs->dcache;
	pthread_mutex_lock(&c->lock);
	bool last = --d->pins == 0, dead = d->dead;
	if (last && !dead && c->lru[0].n > c->lru[0].max)
		evict(c, &c->lru[0]);   /* it stayed over the bound while pinned */
	pthread_mutex_unlock(&c->lock);
	if (last && dead)
		entry_free(d);          /* out of the table: nobody finds it */
}

uint64_t ovl_dcache_gen(struct ovl_fs *fs)
{
	return __atomic_load_n(&fs->dcache.gen, __ATOMIC_SEQ_CST);
}

void ovl_dcache_stamp(struct ovl_fs *fs, const char *canon, uint64_t gen, struct ovl_dcstamp *s)
{
	struct ovl_dcache *c = &fs->dcache;
	if (!c->tab)
		return;
	/* before the host is read: what an invalidation after this sees
	 * moved (seq_cst loads, paired with the bumps under the lock) */
	s->gen = gen;
	s->bgen = __atomic_load_n(bucket_gen(c, hash_path(canon, strlen(canon))), __ATOMIC_SEQ_CST);
}

/* Put d (filled but for its links) in the table, replacing what was there;
 * false (d untouched) if an invalidation came after stamp s. */
static bool insert(struct ovl_dcache *c, struct ovl_dcentry *d, const struct ovl_dcstamp *s)
{
	if (s->gen != c->gen || s->bgen != *bucket_gen(c, d->hash))
		return false;
	struct ovl_lru *l = lru_of(c, d);
	struct ovl_dcentry *old = find(c, d->path, d->len, d->hash);
	if (old)
		unlink_entry(c, old);   /* what was just looked up wins */
	struct ovl_dcentry **b = &c->tab[d->hash & (DCACHE_BUCKETS - 1)];
	d->hnext = *b;
	*b = d;
	d->prev = NULL;
	d->next = l->head;
	if (l->head)
		l->head->prev = d;
	else
		l->tail = d;
	l->head = d;
	l->n++;
	evict(c, l);
	return true;
}

static struct ovl_dcentry *entry_new(const char *canon)
{
	size_t len = strlen(canon);
	struct ovl_dcentry *d = calloc(1, sizeof(*d) + len + 1);
	if (!d)
		return NULL;
	d->hash = hash_path(canon, len);
	d->len = len;
	memcpy(d->path, canon, len + 1);
	return d;
}

struct ovl_dcentry *ovl_dcache_add(struct ovl_fs *fs, const char *canon, struct ovl_dir *dir,
				   const struct stat *st, int layer, const struct ovl_dcstamp *s)
{
	struct ovl_dcache *c = &fs->dcache;
	if (!c->tab || dir->n == 0)
		return NULL;
	struct ovl_dcentry *d = entry_new(canon);
	if (d) {
		d->dir = malloc(sizeof(*d->dir));
		d->st = malloc(sizeof(*d->st));
	}
	if (!d || !d->dir || !d->st) {
		if (d) {
			free(d->dir);
			free(d->st);
		}
		free(d);
		return NULL;
	}
	d->pins = 1;
	*d->dir = *dir;
	*d->st = *st;
	d->layer = layer;
	d->type = S_IFDIR;
	pthread_mutex_lock(&c->lock);
	bool in = insert(c, d, s);
	pthread_mutex_unlock(&c->lock);
	if (!in) {
		d->dir->n = 0;          /* the fds stay the caller's */
		entry_free(d);
		return NULL;
	}
	dir->n = 0;                     /* the fds are the cache's now */
	return d;
}

void ovl_dcache_add_leaf(struct ovl_fs *fs, const char *canon, mode_t type, int layer,
			 const char *target, const struct ovl_dcstamp *s)
{
	struct ovl_dcache *c = &fs->dcache;
	if (!c->tab || type == S_IFDIR)
		return;
	struct ovl_dcentry *d = entry_new(canon);
	if (!d)
		return;                 /* without memory: looked up again next time */
	d->leaf = true;
	d->type = type;
	d->layer = layer;
	if (target && !(d->target = strdup(target))) {
		free(d);
		return;
	}
	pthread_mutex_lock(&c->lock);
	bool in = insert(c, d, s);
	pthread_mutex_unlock(&c->lock);
	if (!in)
		entry_free(d);
}

void ovl_dcache_invalidate(struct ovl_fs *fs, const char *canon, bool subtree)
{
	struct ovl_dcache *c = &fs->dcache;
	if (!c->tab)
		return;
	size_t len = strlen(canon);
	uint64_t h = hash_path(canon, len);
	pthread_mutex_lock(&c->lock);
	if (subtree)
		__atomic_add_fetch(&c->gen, 1, __ATOMIC_SEQ_CST);
	else
		__atomic_add_fetch(bucket_gen(c, h), 1, __ATOMIC_SEQ_CST);
	struct ovl_dcentry *d = find(c, canon, len, h);
	if (d)
		unlink_entry(c, d);
	/* Everything below: "/" covers all, "/a" covers "/a/..." only. */
	for (int k = 0; subtree && k < 2; k++) {
		for (d = c->lru[k].head; d;) {
			struct ovl_dcentry *next = d->next;
			if (len == 1 || (d->len > len && d->path[len] == '/' &&
					 !memcmp(d->path, canon, len)))
				unlink_entry(c, d);
			d = next;
		}
	}
	pthread_mutex_unlock(&c->lock);
}
