/*
 * The dentry cache: a tree of the names lookups found, so that a walk
 * through known names makes no host syscall.
 *
 * A node is one name under its parent node (the root node is "/"); the
 * table finds a child by (parent node, name).  What a node knows:
 *   dir       - a merged directory: the participating real dirs (fds owned
 *               by the cache), the lstat of the topmost one (for search
 *               permission) and its layer, as ovl_lookup_one gave them.
 *               They live in a struct ovl_dcentry of their own, the thing
 *               a walk pins: a walk borrows the fds while it holds a pin,
 *               and data dropped while pinned is freed at the last unpin,
 *               so a borrowed fd is never closed under its user;
 *   leaf      - anything else a final component was: a negative (the name
 *               is free), or a non-directory's type and layer, with the
 *               target of a symlink, and a lower's object's lstat (lowers
 *               never change: their mounts are read-only, so not even an
 *               atime moves).  No fd: a caller that wants an upper
 *               object's metadata stats it in its real dir (size, times and
 *               the set-id bits of files change natively);
 *   nothing   - a name kept only because names below it are cached (its
 *               dir data was evicted or invalidated): a walk looks it up
 *               afresh and finds its children still cached.
 * A node lives while it knows something or has children: children hold
 * their parent, so a cached name is always reachable from the root.
 *
 * Correctness rests on invalidation: every engine path that changes a
 * name's existence, type or layer, or a directory's participating layers,
 * opacity, owner or mode calls ovl_dcache_invalidate (see internal.h)
 * after the host change; a subtree invalidation drops the node and every
 * node below it, the other kind only what the node knows.  Walks run
 * beside changes, so a walk that read the host before an invalidation
 * must not insert what it read after it: each invalidation bumps a
 * generation (the bucket's of the name's path, or for a subtree the
 * table's).  A walk reads the table's when it begins (the dirs it stands
 * in may go stale in a subtree change any time after), the name's
 * bucket's before it reads the name (ovl_dcache_stamp), and its insert is
 * dropped if either moved.  Lowers never change.
 *
 * Bounds: at most max dirs with data holding at most max_fds fds (plus
 * pinned ones), DCACHE_MAX_LEAVES leaves (about 100 bytes and a name each, and a
 * struct stat for a lower's), and
 * the nodes that know nothing, each an ancestor of one of those (at most
 * one per path component of a cached name, shared by its siblings).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "internal.h"

#define DCACHE_MAX 1024
#define DCACHE_MIN 8
#define DCACHE_MAX_LEAVES 32768
#define DCACHE_BUCKETS 65536    /* power of two */

enum node_kind { NODE_NOTHING, NODE_DIR, NODE_LEAF };

struct ovl_dcnode {
	struct ovl_dcnode *parent;      /* NULL: the root */
	struct ovl_dcnode *hnext;       /* hash chain, by (parent, name) */
	struct ovl_dcnode *child;       /* first child */
	struct ovl_dcnode *sprev, *snext; /* siblings */
	struct ovl_lru lru;             /* NODE_LEAF: in the leaves' LRU */
	uint64_t hash;                  /* of (parent, name) */
	enum node_kind kind;
	struct ovl_dcentry *dir;        /* NODE_DIR: its data */
	mode_t type;                    /* NODE_LEAF: S_IFMT bits, 0 = negative */
	int layer;                      /* NODE_LEAF */
	char *target;                   /* NODE_LEAF symlink: its text, or NULL */
	struct stat *st;                /* NODE_LEAF of a lower: its lstat, else NULL */
	size_t nlen;
	char name[];
};

/* A merged dir's data: what walks pin (see the top). */
struct ovl_dcentry {
	struct ovl_dcnode *node;        /* NULL once dropped from the tree */
	struct ovl_lru lru;             /* in the dirs' LRU while node is set */
	unsigned pins;
	int layer;
	struct ovl_dir dir;
	struct stat st;
	_Atomic int prot;               /* its protected inode flags, -1 until read
					 * (fileattr.c; a change of them drops the entry) */
};

/* Generations (see the top): per bucket of paths, and the table's. */
static uint32_t *bucket_gen(struct ovl_dcache *c, uint64_t h)
{
	return &c->bgen[h & (DCACHE_BUCKETS - 1)];
}

/* The LRU lists: circular, through their head. */
static void lru_init(struct ovl_lru *head)
{
	head->prev = head->next = head;
}

static void lru_del(struct ovl_lru *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
}

static void lru_add(struct ovl_lru *head, struct ovl_lru *l)
{
	l->prev = head;
	l->next = head->next;
	head->next->prev = l;
	head->next = l;
}

static void lru_front(struct ovl_lru *head, struct ovl_lru *l)
{
	lru_del(l);
	lru_add(head, l);
}

#define LRU_ENTRY(l, type) ((type *)((char *)(l) - offsetof(type, lru)))

static uint64_t hash_bytes(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static uint64_t hash_path(const char *s)
{
	return hash_bytes(1469598103934665603ULL, s, strlen(s));
}

static uint64_t hash_child(const struct ovl_dcnode *parent, const char *name, size_t n)
{
	return hash_bytes(1469598103934665603ULL ^ ((uint64_t)(uintptr_t)parent * 0x9e3779b97f4a7c15ULL),
			  name, n);
}

/* The root node and the tables; the cache is off after. */
static void tables_free(struct ovl_dcache *c)
{
	free(c->root);
	free(c->tab);
	free(c->bgen);
	c->root = NULL;
	c->tab = NULL;
	c->bgen = NULL;
}

int ovl_dcache_init(struct ovl_fs *fs)
{
	struct ovl_dcache *c = &fs->dcache;
	c->tab = calloc(DCACHE_BUCKETS, sizeof(*c->tab));
	c->bgen = calloc(DCACHE_BUCKETS, sizeof(*c->bgen));
	c->root = calloc(1, sizeof(*c->root) + 1);
	if (!c->tab || !c->bgen || !c->root) {
		tables_free(c);
		return -ENOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	lru_init(&c->dirs);
	lru_init(&c->leaves);
	/* Keep the cache's fds to a quarter of the soft limit: the supervisor
	 * needs the rest for tracees' files and requests in flight.  Dirs
	 * count by the fds they hold (a dir in every one of 500 layers holds
	 * 500), so the bound is on fds, and on dirs as before. */
	struct rlimit rl;
	rlim_t fds = DCACHE_MAX * (rlim_t)(fs->nlayers > 0 ? fs->nlayers : 1);
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 4 < fds)
		fds = rl.rlim_cur / 4;
	c->max_fds = fds < DCACHE_MIN ? DCACHE_MIN : (unsigned)fds;
	c->max_dirs = DCACHE_MAX;
	c->max_leaves = DCACHE_MAX_LEAVES;
	return 0;
}

static void dir_free(struct ovl_dcentry *d)
{
	ovl_dir_release(&d->dir);
	free(d);
}

/* ---- what a node knows ---- */

/* Under c->lock: n knows nothing any more (its dir data is freed, or at
 * the last unpin). */
static void forget_data(struct ovl_dcache *c, struct ovl_dcnode *n)
{
	if (n->kind == NODE_DIR) {
		struct ovl_dcentry *d = n->dir;
		lru_del(&d->lru);
		c->ndirs--;
		c->nfds -= (unsigned)d->dir.n;
		d->node = NULL;
		if (!d->pins)
			dir_free(d);
		n->dir = NULL;
	} else if (n->kind == NODE_LEAF) {
		lru_del(&n->lru);
		c->nleaves--;
		free(n->target);
		n->target = NULL;
		free(n->st);
		n->st = NULL;
	}
	n->kind = NODE_NOTHING;
}

/* ---- the tree ---- */

/* Under c->lock: take n (no children, knows nothing) out and free it. */
static void node_free(struct ovl_dcache *c, struct ovl_dcnode *n)
{
	struct ovl_dcnode **pp = &c->tab[n->hash & (DCACHE_BUCKETS - 1)];
	while (*pp != n)
		pp = &(*pp)->hnext;
	*pp = n->hnext;
	if (n->sprev)
		n->sprev->snext = n->snext;
	else
		n->parent->child = n->snext;
	if (n->snext)
		n->snext->sprev = n->sprev;
	c->nnodes--;
	free(n);
}

/* Under c->lock: free n and its ancestors while they know nothing and
 * have no children. */
static void prune(struct ovl_dcache *c, struct ovl_dcnode *n)
{
	while (n && n->parent && n->kind == NODE_NOTHING && !n->child) {
		struct ovl_dcnode *p = n->parent;
		node_free(c, n);
		n = p;
	}
}

/* Under c->lock: drop everything below n (n itself stays). */
static void drop_children(struct ovl_dcache *c, struct ovl_dcnode *n)
{
	/* depth-first without recursion: descend to a node without
	 * children, free it, go on from its parent */
	struct ovl_dcnode *cur = n->child;
	while (cur) {
		if (cur->child) {
			cur = cur->child;
			continue;
		}
		struct ovl_dcnode *up = cur->parent;
		forget_data(c, cur);
		node_free(c, cur);
		cur = up == n ? n->child : up;
	}
}

static struct ovl_dcnode *child_of(struct ovl_dcache *c, const struct ovl_dcnode *p,
				   const char *name, size_t n, uint64_t h)
{
	for (struct ovl_dcnode *d = c->tab[h & (DCACHE_BUCKETS - 1)]; d; d = d->hnext)
		if (d->hash == h && d->parent == p && d->nlen == n && !memcmp(d->name, name, n))
			return d;
	return NULL;
}

/* Under c->lock: the node of canon, made (knowing nothing) with its
 * missing ancestors when make; NULL if absent or without memory. */
static struct ovl_dcnode *node_at(struct ovl_dcache *c, const char *canon, bool make)
{
	struct ovl_dcnode *n = c->root;
	for (const char *s = canon; n;) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		size_t len = strcspn(s, "/");
		uint64_t h = hash_child(n, s, len);
		struct ovl_dcnode *k = child_of(c, n, s, len, h);
		if (!k && make && (k = calloc(1, sizeof(*k) + len + 1))) {
			k->parent = n;
			k->hash = h;
			k->nlen = len;
			memcpy(k->name, s, len);
			struct ovl_dcnode **b = &c->tab[h & (DCACHE_BUCKETS - 1)];
			k->hnext = *b;
			*b = k;
			k->snext = n->child;
			if (n->child)
				n->child->sprev = k;
			n->child = k;
			c->nnodes++;
		}
		if (!k && make)
			prune(c, n);    /* no memory: leave no empty ancestors */
		n = k;
		s += len;
	}
	return n;
}

void ovl_dcache_free(struct ovl_fs *fs)
{
	struct ovl_dcache *c = &fs->dcache;
	if (!c->tab)
		return;
	/* no walk is live at free: nothing is pinned */
	drop_children(c, c->root);
	forget_data(c, c->root);
	tables_free(c);
	pthread_mutex_destroy(&c->lock);
}

void ovl_dcache_set_max(struct ovl_fs *fs, unsigned max)
{
	pthread_mutex_lock(&fs->dcache.lock);
	fs->dcache.max_dirs = max ? max : 1;
	pthread_mutex_unlock(&fs->dcache.lock);
}

void ovl_dcache_set_max_fds(struct ovl_fs *fs, unsigned max)
{
	pthread_mutex_lock(&fs->dcache.lock);
	fs->dcache.max_fds = max ? max : 1;
	pthread_mutex_unlock(&fs->dcache.lock);
}

unsigned ovl_dcache_fds(struct ovl_fs *fs)
{
	pthread_mutex_lock(&fs->dcache.lock);
	unsigned n = fs->dcache.nfds;
	pthread_mutex_unlock(&fs->dcache.lock);
	return n;
}

unsigned ovl_dcache_count(struct ovl_fs *fs)
{
	pthread_mutex_lock(&fs->dcache.lock);
	unsigned n = fs->dcache.ndirs;
	pthread_mutex_unlock(&fs->dcache.lock);
	return n;
}

unsigned ovl_dcache_nodes(struct ovl_fs *fs)
{
	pthread_mutex_lock(&fs->dcache.lock);
	unsigned n = fs->dcache.nnodes;
	pthread_mutex_unlock(&fs->dcache.lock);
	return n;
}

/* ---- LRU ---- */

/* Drop the least recently used beyond the bounds; pinned dirs stay (at
 * most a couple per walk in progress) until they are unpinned. */
/* More dirs or fds than the bounds. */
static bool over(const struct ovl_dcache *c)
{
	return c->ndirs > c->max_dirs || c->nfds > c->max_fds;
}

static void evict(struct ovl_dcache *c)
{
	for (struct ovl_lru *l = c->dirs.prev; over(c) && l != &c->dirs;) {
		struct ovl_dcentry *d = LRU_ENTRY(l, struct ovl_dcentry);
		l = l->prev;            /* prune frees no dir data: it stays */
		if (!d->pins) {
			struct ovl_dcnode *n = d->node;
			forget_data(c, n);
			prune(c, n);
		}
	}
	while (c->nleaves > c->max_leaves && c->leaves.prev != &c->leaves) {
		struct ovl_dcnode *n = LRU_ENTRY(c->leaves.prev, struct ovl_dcnode);
		forget_data(c, n);
		prune(c, n);
	}
}

/* ---- lookups ---- */

/* Under c->lock: a hit at n, or false. */
static bool hit_at(struct ovl_dcache *c, struct ovl_dcnode *n, bool leaves,
		   struct ovl_dchit *hit, char *target)
{
	if (!n || n->kind == NODE_NOTHING || (n->kind == NODE_LEAF && !leaves))
		return false;
	if (n->kind == NODE_DIR) {
		struct ovl_dcentry *d = n->dir;
		lru_front(&c->dirs, &d->lru);
		d->pins++;
		*hit = (struct ovl_dchit){ .type = S_IFDIR, .layer = d->layer, .pin = d,
					   .dir = &d->dir, .st = &d->st };
		return true;
	}
	lru_front(&c->leaves, &n->lru);
	hit->type = n->type;
	hit->layer = n->layer;
	hit->pin = NULL;
	hit->dir = NULL;
	hit->st = NULL;
	hit->has_leaf_st = n->st != NULL;
	if (n->st)
		hit->leaf_st = *n->st;
	if (target)
		strcpy(target, n->target ? n->target : "");
	return true;
}

bool ovl_dcache_find(struct ovl_fs *fs, const char *canon, bool leaves, struct ovl_dchit *hit,
		     char *target)
{
	struct ovl_dcache *c = &fs->dcache;
	if (!c->tab)
		return false;
	pthread_mutex_lock(&c->lock);
	bool found = hit_at(c, node_at(c, canon, false), leaves, hit, target);
	pthread_mutex_unlock(&c->lock);
	return found;
}

bool ovl_dcache_find_in(struct ovl_fs *fs, struct ovl_dcentry *parent, const char *name,
			const char *canon, struct ovl_dchit *hit, char *target)
{
	struct ovl_dcache *c = &fs->dcache;
	if (!c->tab)
		return false;
	pthread_mutex_lock(&c->lock);
	struct ovl_dcnode *n;
	if (parent && parent->node) {
		/* the pinned dir is still the one at its path: one step */
		size_t len = strlen(name);
		n = child_of(c, parent->node, name, len, hash_child(parent->node, name, len));
	} else {
		n = node_at(c, canon, false);
	}
	bool found = hit_at(c, n, true, hit, target);
	pthread_mutex_unlock(&c->lock);
	return found;
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

int ovl_dcache_prot(const struct ovl_dcentry *d)
{
	return d->prot;
}

void ovl_dcache_set_prot(struct ovl_dcentry *d, unsigned prot)
{
	d->prot = (int)prot;
}

bool ovl_dcache_current(struct ovl_fs *fs, struct ovl_dcentry *d)
{
	pthread_mutex_lock(&fs->dcache.lock);
	bool current = d->node != NULL;
	pthread_mutex_unlock(&fs->dcache.lock);
	return current;
}

void ovl_dcache_put(struct ovl_fs *fs, struct ovl_dcentry *d)
{
	struct ovl_dcache *c = &fs->dcache;
	pthread_mutex_lock(&c->lock);
	bool last = --d->pins == 0, dropped = d->node == NULL;
	if (last && !dropped && over(c))
		evict(c);               /* it stayed over the bound while pinned */
	pthread_mutex_unlock(&c->lock);
	if (last && dropped)
		dir_free(d);            /* out of the tree: nobody finds it */
}

/* ---- inserts and invalidation ---- */

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
	s->bgen = __atomic_load_n(bucket_gen(c, hash_path(canon)), __ATOMIC_SEQ_CST);
}

/* Under c->lock: the node canon's insert goes to, emptied (what was just
 * looked up wins), or NULL if an invalidation came after stamp s or
 * without memory. */
static struct ovl_dcnode *insert_at(struct ovl_dcache *c, const char *canon,
				    const struct ovl_dcstamp *s)
{
	if (s->gen != c->gen || s->bgen != *bucket_gen(c, hash_path(canon)))
		return NULL;
	struct ovl_dcnode *n = node_at(c, canon, true);
	if (n)
		forget_data(c, n);
	return n;
}

struct ovl_dcentry *ovl_dcache_add(struct ovl_fs *fs, const char *canon, struct ovl_dir *dir,
				   const struct stat *st, int layer, const struct ovl_dcstamp *s)
{
	struct ovl_dcache *c = &fs->dcache;
	if (!c->tab || dir->n == 0 || dir->borrowed)
		return NULL;
	struct ovl_dcentry *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->pins = 1;
	d->st = *st;
	d->layer = layer;
	d->prot = -1;
	pthread_mutex_lock(&c->lock);
	struct ovl_dcnode *n = insert_at(c, canon, s);
	if (n) {
		/* the fds are the cache's now, dir shows them while pinned */
		ovl_dir_move(&d->dir, dir);
		ovl_dir_borrow(dir, &d->dir);
		n->kind = NODE_DIR;
		n->dir = d;
		d->node = n;
		lru_add(&c->dirs, &d->lru);
		c->ndirs++;
		c->nfds += (unsigned)d->dir.n;
		evict(c);
	}
	pthread_mutex_unlock(&c->lock);
	if (!n) {
		free(d);                /* the fds stay the caller's */
		return NULL;
	}
	return d;
}

void ovl_dcache_add_leaf(struct ovl_fs *fs, const char *canon, mode_t type, int layer,
			 const char *target, const struct stat *st, const struct ovl_dcstamp *s)
{
	struct ovl_dcache *c = &fs->dcache;
	if (!c->tab || type == S_IFDIR || !strcmp(canon, "/"))
		return;
	char *t = NULL;
	struct stat *lst = NULL;
	if (st && type && layer != OVL_UPPER && !(lst = malloc(sizeof(*lst))))
		return;
	if (lst)
		*lst = *st;
	if (target && !(t = strdup(target))) {
		free(lst);
		return;                 /* without memory: looked up again next time */
	}
	pthread_mutex_lock(&c->lock);
	struct ovl_dcnode *n = insert_at(c, canon, s);
	if (n) {
		drop_children(c, n);    /* a name that is no dir has nothing below */
		n->kind = NODE_LEAF;
		n->type = type;
		n->layer = layer;
		n->target = t;
		n->st = lst;
		t = NULL;
		lst = NULL;
		lru_add(&c->leaves, &n->lru);
		c->nleaves++;
		evict(c);
	}
	pthread_mutex_unlock(&c->lock);
	free(t);
	free(lst);
}

void ovl_dcache_invalidate(struct ovl_fs *fs, const char *canon, bool subtree)
{
	struct ovl_dcache *c = &fs->dcache;
	if (!c->tab)
		return;
	pthread_mutex_lock(&c->lock);
	if (subtree)
		__atomic_add_fetch(&c->gen, 1, __ATOMIC_SEQ_CST);
	else
		__atomic_add_fetch(bucket_gen(c, hash_path(canon)), 1, __ATOMIC_SEQ_CST);
	struct ovl_dcnode *n = node_at(c, canon, false);
	if (n) {
		if (subtree)
			drop_children(c, n);
		forget_data(c, n);
		prune(c, n);
	}
	pthread_mutex_unlock(&c->lock);
}
