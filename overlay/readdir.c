/*
 * Merged directory listings with stable cookies.
 *
 * A listing is built from the real dirs of a merged directory top-down:
 * each name once, the topmost layer's type, whiteouts and hidden entries
 * removed.  Listings are cached per directory, keyed by the bottom
 * participating real dir (which copy-up of the directory does not change),
 * most recently used first and at most OVL_LISTINGS_MAX of them.
 *
 * Cookies: "." is 1, ".." is 2, names get 3, 4, ... the first time they are
 * listed and keep their cookie across rebuilds; names new to a rebuild get
 * larger cookies.  Entries are kept in cookie order, so resuming after
 * cookie c (entries with a larger cookie) never skips or repeats a name
 * that survived in between.
 *
 * A cached listing is rebuilt when it was invalidated (create, unlink,
 * rename call ovl_listing_invalidate), when the set of participating dirs
 * changed (copy-up of the dir, a new opaque upper), or when the upper dir's
 * ctime moved (any change made to it, even by a path that forgot to
 * invalidate; lowers never change).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "internal.h"

#define OVL_LISTINGS_MAX 512
#define COOKIE_DOT 1
#define COOKIE_DOTDOT 2
#define COOKIE_FIRST 3
/* d_ino given to a pass-through mountpoint that no layer has */
#define PASSTHROUGH_INO_TAG (0xffULL << 56)

struct ovl_lentry {
	char *name;
	uint64_t cookie;
	uint64_t ino;
	unsigned char d_type;
};

/* One real dir a listing was built from. */
struct sdir {
	ino_t ino;
	uint16_t layer;
};

struct ovl_listing {
	struct ovl_listing *next;
	dev_t key_dev;
	ino_t key_ino;
	bool stale;
	/* what it was built from (struct stamp) */
	int ndirs;
	struct sdir *dirs;              /* ndirs of them */
	struct timespec upper_ctime;
	uint64_t next_cookie;
	size_t n;
	struct ovl_lentry *ents;        /* ascending cookies */
	/* name -> index into ents, open addressing, size a power of two */
	uint32_t *tab;
	size_t tabsz;
};

/* ---- name hash ---- */

static uint64_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

#define TAB_EMPTY UINT32_MAX

/* Index table over names[i] (i < n); returns NULL on ENOMEM. */
static uint32_t *tab_build(char *const *names, size_t n, size_t stride, size_t *tabsz)
{
	size_t sz = 16;
	while (sz < 2 * n + 2)
		sz <<= 1;
	uint32_t *tab = malloc(sz * sizeof(*tab));
	if (!tab)
		return NULL;
	memset(tab, 0xff, sz * sizeof(*tab));
	for (size_t i = 0; i < n; i++) {
		const char *name = *(char *const *)((const char *)names + i * stride);
		size_t h = hash_name(name) & (sz - 1);
		while (tab[h] != TAB_EMPTY)
			h = (h + 1) & (sz - 1);
		tab[h] = (uint32_t)i;
	}
	*tabsz = sz;
	return tab;
}

static long tab_find(const uint32_t *tab, size_t sz, char *const *names, size_t stride,
		     const char *name)
{
	if (!tab)
		return -1;
	size_t h = hash_name(name) & (sz - 1);
	while (tab[h] != TAB_EMPTY) {
		const char *s = *(char *const *)((const char *)names + tab[h] * stride);
		if (!strcmp(s, name))
			return tab[h];
		h = (h + 1) & (sz - 1);
	}
	return -1;
}

/* ---- building a merged listing ---- */

struct bent {
	char *name;                     /* first: tab_* read names through it */
	uint64_t ino;
	unsigned char d_type;
	bool whiteout;
	bool stopped;                   /* no lower layer merges into this dir */
	int bottom;                     /* index in the ovl_dir of the bottom dir */
	int first;                      /* index of the dir that listed it first */
};

struct build {
	struct bent *v;
	size_t n, cap;
	uint32_t *tab;
	size_t tabsz;
	bool impure;                    /* the upper dir may hold copied-up entries */
};

static int build_add(struct build *b, const struct bent *be)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		struct bent *v = realloc(b->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		b->v = v;
		b->cap = cap;
	}
	if (2 * (b->n + 1) + 2 > b->tabsz) {
		free(b->tab);
		b->tab = tab_build((char *const *)b->v, b->n, sizeof(*b->v), &b->tabsz);
		if (!b->tab)
			return -ENOMEM;
	}
	b->v[b->n] = *be;
	size_t h = hash_name(be->name) & (b->tabsz - 1);
	while (b->tab[h] != TAB_EMPTY)
		h = (h + 1) & (b->tabsz - 1);
	b->tab[h] = (uint32_t)b->n++;
	return 0;
}

static void build_free(struct build *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->v[i].name);
	free(b->v);
	free(b->tab);
}

static unsigned char dtype_of(mode_t m)
{
	return (unsigned char)IFTODT(m);
}

static int merged_dir_ino(struct ovl_fs *fs, const struct ovl_dir *d, uint64_t *ino);

/* An upper subdir name of d that has a redirect: 1 and its st_ino (its
 * lower dirs are elsewhere: looked up), 0 if it has none. */
static int redirected_ino(struct ovl_fs *fs, const struct ovl_dir *d, const char *name,
			  uint64_t *ino)
{
	char redirect[PATH_MAX];
	bool opaque;
	int fd = openat(d->fd[0], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	int err = ovl_dir_marks(fs, fd, &opaque, redirect);
	close(fd);
	if (err || !redirect[0])
		return err;
	mode_t type;
	int layer;
	struct stat st;
	struct ovl_dir child = { .n = 0 };
	err = ovl_lookup_one(fs, d, name, &type, &layer, &st, &child);
	if (!err && type == S_IFDIR)
		err = merged_dir_ino(fs, &child, ino);
	ovl_dir_release(&child);
	return err ? err : type == S_IFDIR;
}

/* One name of real dir d->fd[i]. */
static int merge_name(struct ovl_fs *fs, const struct ovl_dir *d, int i, const char *name,
		      unsigned char dt, uint64_t d_ino, struct build *b)
{
	long k = tab_find(b->tab, b->tabsz, (char *const *)b->v, sizeof(*b->v), name);
	if (k >= 0 && b->v[k].stopped)
		return 0;
	struct stat st;
	bool have_st = false;
	/* dirs: st_ino (what getattr reports) and the hide check; char devs
	 * and unknown types: whiteout or not */
	if (dt == DT_DIR || dt == DT_CHR || dt == DT_UNKNOWN) {
		if (fstatat(d->fd[i], name, &st, AT_SYMLINK_NOFOLLOW))
			return errno == ENOENT ? 0 : -errno;
		have_st = true;
		dt = dtype_of(st.st_mode);
		if (ovl_is_hidden(fs, &st))
			return 0;
	}
	bool wh = have_st && ovl_is_whiteout(&st);
	/* d_ino is the st_ino getattr gives: a copied-up entry's origin's */
	if (k < 0 && !wh && b->impure && i == 0 && dt != DT_DIR) {
		dev_t dev = fs->layers[OVL_UPPER].dev;
		ino_t ino = have_st ? st.st_ino : (ino_t)d_ino;
		ovl_origin_ids(fs, d->fd[0], name, DTTOIF(dt), &dev, &ino, NULL);
		d_ino = ino;
		have_st = false;
	}
	/* a moved dir's lower dirs are not under its name: its own number */
	uint64_t moved_ino;
	int moved = k < 0 && !wh && b->impure && i == 0 && dt == DT_DIR ?
		    redirected_ino(fs, d, name, &moved_ino) : 0;
	if (moved == -EINVAL || moved == -EACCES || moved == -EPERM)
		return 0;       /* a bad redirect, or one not followed (nofollow): not
				 * listed, as the kernel does */
	if (moved < 0)
		return moved;
	if (k < 0) {
		struct bent be = {
			.name = strdup(name),
			.ino = have_st ? (uint64_t)st.st_ino : d_ino,
			.d_type = dt,
			.whiteout = wh,
			.stopped = wh || dt != DT_DIR || i + 1 >= d->n,
			.bottom = i,
			.first = i,
		};
		if (!be.name)
			return -ENOMEM;
		if (moved) {
			be.ino = moved_ino;
			be.bottom = -1;         /* (final: not mapped again) */
			be.stopped = true;
		}
		int err = build_add(b, &be);
		if (err)
			free(be.name);
		return err;
	}
	/* A dir from an upper layer meets the same name below. */
	struct bent *be = &b->v[k];
	if (dt != DT_DIR) {
		be->stopped = true;
		return 0;
	}
	int fd = openat(d->fd[be->bottom], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	int op = ovl_layer_opaque(fs, d->layer[be->bottom], fd);
	close(fd);
	if (op < 0)
		return op;
	if (op) {
		be->stopped = true;
		return 0;
	}
	be->bottom = i;
	be->ino = st.st_ino;
	be->stopped = i + 1 >= d->n;
	return 0;
}

/* An OCI layer's whiteout marker for name in the merged dir's layer i,
 * once that layer's own names are in: the name is deleted below it
 * (unless the layer has it itself). */
static int merge_whiteout(const char *name, int i, struct build *b)
{
	long k = tab_find(b->tab, b->tabsz, (char *const *)b->v, sizeof(*b->v), name);
	if (k >= 0) {
		if (b->v[k].first != i)
			b->v[k].stopped = true;         /* an upper layer's: nothing more below */
		return 0;
	}
	struct bent be = { .name = strdup(name), .d_type = DT_CHR, .whiteout = true,
			   .stopped = true, .bottom = i, .first = i };
	if (!be.name)
		return -ENOMEM;
	int err = build_add(b, &be);
	if (err)
		free(be.name);
	return err;
}

static int read_layer(struct ovl_fs *fs, const struct ovl_dir *d, int i, struct build *b)
{
	bool oci = fs->layers[d->layer[i]].oci;
	char **marks = NULL;            /* an OCI layer's whiteout markers' names */
	size_t nmarks = 0;
	/* own open file description: the shared fd's offset is not ours */
	int fd = openat(d->fd[i], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t bufsz = 32768;
	char *buf = malloc(bufsz);
	int err = buf ? 0 : -ENOMEM;
	while (!err) {
		long n = syscall(SYS_getdents64, fd, buf, bufsz);
		if (n < 0)
			err = -errno;
		if (n <= 0)
			break;
		for (long off = 0; off < n && !err;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			off += de->d_reclen;
			const char *nm = de->d_name;
			if (nm[0] == '.' && (!nm[1] || (nm[1] == '.' && !nm[2])))
				continue;
			if (oci && ovl_oci_marker(nm)) {
				const char *name = nm + sizeof(OVL_OCI_WHITEOUT) - 1;
				if (!strcmp(nm, OVL_OCI_OPAQUE) || !name[0])
					continue;       /* (opaque: the lookup stopped there) */
				char **grown = realloc(marks, (nmarks + 1) * sizeof(*marks));
				if (grown)
					marks = grown;
				if (!grown || !(marks[nmarks] = strdup(name)))
					err = -ENOMEM;
				else
					nmarks++;
				continue;
			}
			err = merge_name(fs, d, i, nm, de->d_type, de->d_ino, b);
		}
	}
	for (size_t m = 0; m < nmarks; m++) {
		if (!err)
			err = merge_whiteout(marks[m], i, b);
		free(marks[m]);
	}
	free(marks);
	free(buf);
	close(fd);
	return err;
}

static int cmp_cookie(const void *a, const void *b)
{
	const struct ovl_lentry *x = a, *y = b;
	return x->cookie < y->cookie ? -1 : x->cookie > y->cookie;
}

/* Build the entries of merged dir d into l, reusing old's cookies. */
static int build_listing(struct ovl_fs *fs, const struct ovl_dir *d, const char *canon,
			 const struct ovl_listing *old, struct ovl_listing *l)
{
	struct build b = { 0 };
	int err = 0;
	char v;
	b.impure = d->n && d->layer[0] == OVL_UPPER &&
		   fgetxattr(d->fd[0], fs->xa_impure, &v, 1) == 1 && v == 'y';
	for (int i = 0; i < d->n && !err; i++)
		err = read_layer(fs, d, i, &b);
	/* pass-through mountpoints show in their parent even if no layer has them */
	size_t clen = strlen(canon);
	for (int i = 0; !err && i < fs->npassthrough; i++) {
		const char *p = fs->passthrough[i];
		const char *slash = strrchr(p, '/');
		size_t plen = slash ? (size_t)(slash - p) : 0;
		if (!slash || !slash[1] || (plen ? plen != clen || strncmp(p, canon, plen) :
						  strcmp(canon, "/")))
			continue;
		if (tab_find(b.tab, b.tabsz, (char *const *)b.v, sizeof(*b.v), slash + 1) >= 0)
			continue;
		struct bent be = { .name = strdup(slash + 1), .d_type = DT_DIR, .stopped = true,
				   .bottom = -1, .first = -1,
				   .ino = PASSTHROUGH_INO_TAG | (uint64_t)(i + 1) };
		if (!be.name)
			err = -ENOMEM;
		else if ((err = build_add(&b, &be)))
			free(be.name);
	}
	if (err) {
		build_free(&b);
		return err;
	}
	size_t n = 0;
	struct ovl_lentry *ents = malloc((b.n ? b.n : 1) * sizeof(*ents));
	if (!ents) {
		build_free(&b);
		return -ENOMEM;
	}
	uint64_t next = old ? old->next_cookie : COOKIE_FIRST;
	/* New names get cookies in the kernel's order: in a merged dir the
	 * names only the lowest dir has come first, then the others top-down
	 * (so unsorted listings, tar archives among them, match). */
	int lowest = d->n > 1 ? d->n - 1 : -2;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < b.n; i++) {
			struct bent *be = &b.v[i];
			if (be->whiteout || (be->first == lowest) != (pass == 0))
				continue;
			uint64_t ino = be->ino;
			if (be->d_type == DT_DIR && be->bottom >= 0)
				ino = ovl_dir_ino(fs, d->layer[be->bottom], (ino_t)be->ino);
			long k = old ? tab_find(old->tab, old->tabsz, (char *const *)old->ents,
						sizeof(*old->ents), be->name) : -1;
			ents[n].name = be->name;
			ents[n].ino = ino;
			ents[n].d_type = be->d_type;
			ents[n].cookie = k >= 0 ? old->ents[k].cookie : next++;
			n++;
		}
	}
	for (size_t i = 0; i < b.n; i++)
		if (b.v[i].whiteout)
			free(b.v[i].name);
	free(b.v);
	free(b.tab);
	qsort(ents, n, sizeof(*ents), cmp_cookie);
	l->tab = tab_build((char *const *)ents, n, sizeof(*ents), &l->tabsz);
	if (!l->tab) {
		for (size_t i = 0; i < n; i++)
			free(ents[i].name);
		free(ents);
		return -ENOMEM;
	}
	l->ents = ents;
	l->n = n;
	l->next_cookie = next;
	return 0;
}

static void listing_free_entries(struct ovl_listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->ents[i].name);
	free(l->ents);
	free(l->tab);
	l->ents = NULL;
	l->tab = NULL;
	l->n = 0;
}

/* ---- the cache ---- */

/* The key of merged dir d: its bottom real dir. */
static int dir_key(const struct ovl_dir *d, dev_t *dev, ino_t *ino)
{
	struct stat st;
	if (d->n == 0)
		return -ENOENT;
	if (fstat(d->fd[d->n - 1], &st))
		return -errno;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

static struct ovl_listing *cache_find(struct ovl_fs *fs, dev_t dev, ino_t ino, bool to_front)
{
	struct ovl_listing **pp = &fs->listings;
	for (; *pp; pp = &(*pp)->next) {
		struct ovl_listing *l = *pp;
		if (l->key_dev != dev || l->key_ino != ino)
			continue;
		if (to_front && pp != &fs->listings) {
			*pp = l->next;
			l->next = fs->listings;
			fs->listings = l;
		}
		return l;
	}
	return NULL;
}

static void cache_trim(struct ovl_fs *fs)
{
	if (fs->nlistings <= OVL_LISTINGS_MAX)
		return;
	struct ovl_listing **pp = &fs->listings;
	while ((*pp)->next)
		pp = &(*pp)->next;
	listing_free_entries(*pp);
	free((*pp)->dirs);
	free(*pp);
	*pp = NULL;
	fs->nlistings--;
}

void ovl_listing_invalidate(struct ovl_fs *fs, const struct ovl_dir *d)
{
	dev_t dev;
	ino_t ino;
	if (dir_key(d, &dev, &ino))
		return;
	pthread_mutex_lock(&fs->listings_lock);
	struct ovl_listing *l = cache_find(fs, dev, ino, false);
	if (l)
		l->stale = true;
	pthread_mutex_unlock(&fs->listings_lock);
}

void ovl_listings_free(struct ovl_fs *fs)
{
	while (fs->listings) {
		struct ovl_listing *l = fs->listings;
		fs->listings = l->next;
		listing_free_entries(l);
		free(l->dirs);
		free(l);
	}
	fs->nlistings = 0;
}

/* What the listing of d must have been built from to still be right:
 * its real dirs (in v: inl for a few, else allocated). */
#define STAMP_INLINE 4
struct stamp {
	int ndirs;
	struct sdir *v;
	struct sdir inl[STAMP_INLINE];
	struct timespec upper_ctime;
};

static void stamp_free(struct stamp *s)
{
	if (s->v != s->inl)
		free(s->v);
	s->v = NULL;
}

static int take_stamp(const struct ovl_dir *d, struct stamp *s)
{
	memset(s, 0, sizeof(*s));
	s->ndirs = d->n;
	s->v = d->n <= STAMP_INLINE ? s->inl : malloc((size_t)d->n * sizeof(*s->v));
	if (!s->v)
		return -ENOMEM;
	for (int i = 0; i < d->n; i++) {
		struct stat st;
		if (fstat(d->fd[i], &st)) {
			int err = -errno;
			stamp_free(s);
			return err;
		}
		s->v[i] = (struct sdir){ .ino = st.st_ino, .layer = d->layer[i] };
		if (d->layer[i] == OVL_UPPER)
			s->upper_ctime = st.st_ctim;
	}
	return 0;
}

static bool stamp_matches(const struct ovl_listing *l, const struct stamp *s)
{
	if (l->ndirs != s->ndirs || l->upper_ctime.tv_sec != s->upper_ctime.tv_sec ||
	    l->upper_ctime.tv_nsec != s->upper_ctime.tv_nsec)
		return false;
	for (int i = 0; i < s->ndirs; i++)
		if (l->dirs[i].ino != s->v[i].ino || l->dirs[i].layer != s->v[i].layer)
			return false;
	return true;
}

static int get_listing(struct ovl_fs *fs, const struct ovl_entry *e, struct ovl_listing **out)
{
	const struct ovl_dir *d = &e->dir;
	dev_t dev = 0;
	ino_t ino = 0;
	struct stamp s;
	int err = dir_key(d, &dev, &ino);
	if (!err)
		err = take_stamp(d, &s);
	if (err)
		return err;
	struct ovl_listing *l = cache_find(fs, dev, ino, true);
	if (l && !l->stale && stamp_matches(l, &s)) {
		stamp_free(&s);
		*out = l;
		return 0;
	}
	struct ovl_listing fresh = { 0 };
	err = build_listing(fs, d, e->path, l, &fresh);
	if (err) {
		stamp_free(&s);
		return err;
	}
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l) {
			listing_free_entries(&fresh);
			stamp_free(&s);
			return -ENOMEM;
		}
		l->key_dev = dev;
		l->key_ino = ino;
		l->next = fs->listings;
		fs->listings = l;
		fs->nlistings++;
	} else {
		listing_free_entries(l);
	}
	l->ents = fresh.ents;
	l->n = fresh.n;
	l->tab = fresh.tab;
	l->tabsz = fresh.tabsz;
	l->next_cookie = fresh.next_cookie;
	l->stale = false;
	free(l->dirs);
	l->dirs = s.v == s.inl ? malloc((size_t)s.ndirs * sizeof(*s.v)) : s.v;
	if (l->dirs && s.v == s.inl)
		memcpy(l->dirs, s.v, (size_t)s.ndirs * sizeof(*s.v));
	l->ndirs = l->dirs ? s.ndirs : -1;     /* (without memory: never matches) */
	l->upper_ctime = s.upper_ctime;
	cache_trim(fs);
	*out = l;
	return 0;
}

/* The st_ino ovl_getattr gives merged dir d. */
static int merged_dir_ino(struct ovl_fs *fs, const struct ovl_dir *d, uint64_t *ino)
{
	struct stat st;
	if (d->n == 0)
		return -ENOENT;
	if (fstat(d->fd[d->n - 1], &st))
		return -errno;
	*ino = ovl_dir_ino(fs, d->layer[d->n - 1], st.st_ino);
	return 0;
}

int ovl_readdir(struct ovl_fs *fs, const struct ovl_entry *e, uint64_t pos,
		ovl_dirent_fn fn, void *ctx)
{
	if (e->type == 0)
		return -ENOENT;
	if (!S_ISDIR(e->type))
		return -ENOTDIR;
	uint64_t self, parent;
	int err = merged_dir_ino(fs, &e->dir, &self);
	if (err)
		return err;
	parent = self;                  /* ".." of "/" is "/" */
	if (e->parent.n && (err = merged_dir_ino(fs, &e->parent, &parent)))
		return err;
	struct ovl_listing *l;
	pthread_mutex_lock(&fs->listings_lock);
	if ((err = get_listing(fs, e, &l))) {
		pthread_mutex_unlock(&fs->listings_lock);
		return err;
	}
	int r = 0;
	if (pos < COOKIE_DOT)
		r = fn(ctx, ".", self, DT_DIR, COOKIE_DOT);
	if (!r && pos < COOKIE_DOTDOT)
		r = fn(ctx, "..", parent, DT_DIR, COOKIE_DOTDOT);
	/* first entry with a cookie after pos */
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (l->ents[mid].cookie <= pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* fn must not call back into the engine: l stays valid meanwhile */
	for (size_t i = lo; i < l->n && !r; i++)
		r = fn(ctx, l->ents[i].name, l->ents[i].ino, l->ents[i].d_type, l->ents[i].cookie);
	pthread_mutex_unlock(&fs->listings_lock);
	return r < 0 ? r : 0;
}
