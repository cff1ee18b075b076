/*
 * Directory cache: merged directories already walked through, keyed by
 * canonical overlay path, so that a walk through known directories makes
 * no host syscall.  An entry holds the participating real dirs (fds owned
 * by the cache), the lstat of the topmost one (for search permission) and
 * its layer: exactly what ovl_lookup_one gave when it was inserted.
 *
 * Only directories reached as intermediate components (and the root) are
 * cached; the final component of every lookup is always looked up fresh,
 * so entries handed to callers never carry cached stat data.
 *
 * Correctness rests on invalidation: every engine path that can change a
 * directory's participating layers, opacity, owner/mode or existence calls
 * ovl_dcache_invalidate (see internal.h).  Lowers never change.
 *
 * A walk borrows an entry's fds while it holds a pin; an entry invalidated
 * or evicted while pinned only leaves the hash table and is freed at the
 * last unpin, so a borrowed fd is never closed under a walk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "internal.h"

#define DCACHE_MAX 1024
#define DCACHE_MIN 8
#define DCACHE_BUCKETS 2048     /* power of two, >= DCACHE_MAX */

struct ovl_dcentry {
	struct ovl_dcentry *hnext;      /* hash chain */
	struct ovl_dcentry *prev, *next; /* LRU, most recent first */
	uint64_t hash;
	unsigned pins;
	bool dead;                      /* out of the table: free at the last unpin */
	struct ovl_dir dir;
	struct stat st;
	int layer;
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
	if (!c->tab)
		return -ENOMEM;
	/* Keep the cache's fds to a quarter of the soft limit: the supervisor
	 * needs the rest for tracees' files and requests in flight. */
	unsigned max = DCACHE_MAX;
	struct rlimit rl;
	int per = fs->nlayers > 0 ? fs->nlayers : 1;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 4 / (rlim_t)per < max)
		max = (unsigned)(rl.rlim_cur / 4 / (rlim_t)per);
	c->max = max < DCACHE_MIN ? DCACHE_MIN : max;
	return 0;
}

static void entry_free(struct ovl_dcentry *d)
{
	ovl_dir_release(&d->dir);
	free(d);
}

/* Take d out of the table and the LRU; free it unless a walk holds it. */
static void unlink_entry(struct ovl_dcache *c, struct ovl_dcentry *d)
{
	struct ovl_dcentry **pp = &c->tab[d->hash & (DCACHE_BUCKETS - 1)];
	while (*pp != d)
		pp = &(*pp)->hnext;
	*pp = d->hnext;
	if (d->prev)
		d->prev->next = d->next;
	else
		c->head = d->next;
	if (d->next)
		d->next->prev = d->prev;
	else
		c->tail = d->prev;
	c->n--;
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
	while (c->head)
		unlink_entry(c, c->head);  /* pinned ones leak only if a walk is live: none at free */
	free(c->tab);
	c->tab = NULL;
}

void ovl_dcache_set_max(struct ovl_fs *fs, unsigned max)
{
	fs->dcache.max = max ? max : 1;
}

unsigned ovl_dcache_count(const struct ovl_fs *fs)
{
	return fs->dcache.n;
}

static void lru_front(struct ovl_dcache *c, struct ovl_dcentry *d)
{
	if (c->head == d)
		return;
	d->prev->next = d->next;        /* d is not the head: it has a prev */
	if (d->next)
		d->next->prev = d->prev;
	else
		c->tail = d->prev;
	d->prev = NULL;
	d->next = c->head;
	c->head->prev = d;
	c->head = d;
}

static struct ovl_dcentry *find(struct ovl_dcache *c, const char *canon, size_t len,
				uint64_t h)
{
	for (struct ovl_dcentry *d = c->tab[h & (DCACHE_BUCKETS - 1)]; d; d = d->hnext)
		if (d->hash == h && d->len == len && !memcmp(d->path, canon, len))
			return d;
	return NULL;
}

struct ovl_dcentry *ovl_dcache_get(struct ovl_fs *fs, const char *canon,
				   const struct ovl_dir **dir, const struct stat **st, int *layer)
{
	struct ovl_dcache *c = &fs->dcache;
	if (!c->tab)
		return NULL;
	size_t len = strlen(canon);
	struct ovl_dcentry *d = find(c, canon, len, hash_path(canon, len));
	if (!d)
		return NULL;
	lru_front(c, d);
	d->pins++;
	*dir = &d->dir;
	*st = &d->st;
	*layer = d->layer;
	return d;
}

/* Drop least recently used entries beyond the bound; pinned ones stay (at
 * most a couple per walk in progress) until they are unpinned. */
static void evict(struct ovl_dcache *c)
{
	struct ovl_dcentry *d = c->tail;
	while (c->n > c->max && d) {
		struct ovl_dcentry *prev = d->prev;
		if (!d->pins)
			unlink_entry(c, d);
		d = prev;
	}
}

void ovl_dcache_put(struct ovl_fs *fs, struct ovl_dcentry *d)
{
	if (--d->pins)
		return;
	if (d->dead)
		entry_free(d);
	else if (fs->dcache.n > fs->dcache.max)
		evict(&fs->dcache);     /* it stayed over the bound while pinned */
}

struct ovl_dcentry *ovl_dcache_add(struct ovl_fs *fs, const char *canon, struct ovl_dir *dir,
				   const struct stat *st, int layer)
{
	struct ovl_dcache *c = &fs->dcache;
	if (!c->tab || dir->n == 0)
		return NULL;
	size_t len = strlen(canon);
	uint64_t h = hash_path(canon, len);
	struct ovl_dcentry *old = find(c, canon, len, h);
	if (old)
		unlink_entry(c, old);   /* what was just looked up wins */
	struct ovl_dcentry *d = malloc(sizeof(*d) + len + 1);
	if (!d)
		return NULL;
	d->hash = h;
	d->pins = 1;
	d->dead = false;
	d->dir = *dir;
	dir->n = 0;                     /* the fds are the cache's now */
	d->st = *st;
	d->layer = layer;
	d->len = len;
	memcpy(d->path, canon, len + 1);
	struct ovl_dcentry **b = &c->tab[h & (DCACHE_BUCKETS - 1)];
	d->hnext = *b;
	*b = d;
	d->prev = NULL;
	d->next = c->head;
	if (c->head)
		c->head->prev = d;
	else
		c->tail = d;
	c->head = d;
	c->n++;
	evict(c);
	return d;
}

void ovl_dcache_invalidate(struct ovl_fs *fs, const char *canon, bool subtree)
{
	struct ovl_dcache *c = &fs->dcache;
	if (!c->tab)
		return;
	size_t len = strlen(canon);
	struct ovl_dcentry *d = find(c, canon, len, hash_path(canon, len));
	if (d)
		unlink_entry(c, d);
	if (!subtree)
		return;
	/* Everything below: "/" covers all, "/a" covers "/a/..." only. */
	for (d = c->head; d;) {
		struct ovl_dcentry *next = d->next;
		if (len == 1 || (d->len > len && d->path[len] == '/' &&
				 !memcmp(d->path, canon, len)))
			unlink_entry(c, d);
		d = next;
	}
}
