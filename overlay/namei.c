/*
 * Lookup in merged directories and the path walk.
 *
 * One component (ovl_lookup_one) is looked up top-down as Linux overlayfs
 * does: a whiteout hides everything below, a non-directory ends the
 * descent, an opaque directory ends it too, a redirect (redirect.c) sends
 * the layers below to another name or, from their roots, another path, and
 * entries listed in cfg.hide are absent.  The walk (ovl_lookup, ovl_walk_mirror) follows the kernel's
 * path_lookupat rules on canonical overlay paths: "." and "..", symlinks,
 * RESOLVE_* restrictions and pass-through mounts.
 *
 * Names the walk meets come from the dentry tree (dcache.c) when known:
 * directories with their fds, which the walk and then the returned entry
 * borrow under a pin instead of opening every layer again, and leaves
 * (negatives, non-directories, symlinks with their text); a name in the
 * pinned dir the walk stands in is one step in the tree.  A cached lookup
 * makes no host syscall but one stat of the final object, whose size and
 * times change natively.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "internal.h"

#define DIR_OPEN_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* ---- struct ovl_dir (internal.h) ---- */

void ovl_dir_release(struct ovl_dir *d)
{
	if (!d->borrowed) {
		for (int i = 0; i < d->n; i++)
			if (d->fd[i] >= 0)
				close(d->fd[i]);
		free(d->fd);            /* the arrays' one allocation */
	}
	*d = (struct ovl_dir){ .n = 0 };
}

int ovl_dir_push(struct ovl_dir *d, int fd, int layer)
{
	if (d->borrowed)
		return -EINVAL;
	if (d->n == d->cap) {
		/* most dirs are in 1 to 3 layers: room for 4 first */
		int cap = d->cap ? 2 * d->cap : 4;
		int *fds = malloc((size_t)cap * (sizeof(int) + sizeof(uint16_t)));
		if (!fds)
			return -ENOMEM;
		uint16_t *layers = (uint16_t *)(fds + cap);
		if (d->n) {
			memcpy(fds, d->fd, (size_t)d->n * sizeof(int));
			memcpy(layers, d->layer, (size_t)d->n * sizeof(uint16_t));
		}
		free(d->fd);
		d->fd = fds;
		d->layer = layers;
		d->cap = cap;
	}
	d->fd[d->n] = fd;
	d->layer[d->n++] = (uint16_t)layer;
	return 0;
}

void ovl_dir_move(struct ovl_dir *dst, struct ovl_dir *src)
{
	if (dst == src)
		return;
	ovl_dir_release(dst);
	*dst = *src;
	*src = (struct ovl_dir){ .n = 0 };
}

void ovl_dir_borrow(struct ovl_dir *dst, const struct ovl_dir *src)
{
	ovl_dir_release(dst);
	*dst = (struct ovl_dir){ .n = src->n, .borrowed = true, .fd = src->fd,
				 .layer = src->layer };
}

int ovl_dir_dup(const struct ovl_dir *src, struct ovl_dir *dst)
{
	struct ovl_dir tmp = { .n = 0 };
	for (int i = 0; i < src->n; i++) {
		int fd = fcntl(src->fd[i], F_DUPFD_CLOEXEC, 3), err = fd < 0 ? -errno : 0;
		if (!err && (err = ovl_dir_push(&tmp, fd, src->layer[i])))
			close(fd);
		if (err) {
			ovl_dir_release(&tmp);
			return err;
		}
	}
	*dst = tmp;                     /* (dst was empty: a move) */
	return 0;
}

/* What a layer below the first holding an entry looks for (redirects): a
 * name in its real dir of the parent, or a path from its root. */
struct target {
	bool abs;
	char path[PATH_MAX];
};

/* (a target is a PATH_MAX buffer: copy what it holds, not all of it) */
static void target_copy(struct target *dst, const struct target *src)
{
	dst->abs = src->abs;
	strcpy(dst->path, src->path);
}

/* One name in real dir pfd: what is there, and for a dir (opened in *fd)
 * what it says of the layers below (below: there are some). */
struct comp {
	struct stat st;
	bool found, whiteout, opaque;
	int fd;                         /* the dir, or -1 */
	char redirect[PATH_MAX];        /* "" if none */
};

static int component(struct ovl_fs *fs, int layer, int pfd, const char *name, bool below,
		     struct comp *c)
{
	c->found = c->whiteout = c->opaque = false;
	c->fd = -1;
	c->redirect[0] = 0;
	int err = ovl_layer_lstat(fs, layer, pfd, name, &c->st);
	if (err)
		return err == -ENOENT ? 0 : err;
	if (ovl_is_hidden(fs, &c->st))
		return 0;
	if (ovl_is_whiteout(&c->st)) {
		c->whiteout = true;
		return 0;
	}
	c->found = true;
	if (!S_ISDIR(c->st.st_mode))
		return 0;
	c->fd = openat(pfd, name, DIR_OPEN_FLAGS);
	if (c->fd < 0)
		return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? -ESTALE : -errno;
	err = below ? ovl_dir_marks(fs, c->fd, &c->opaque, c->redirect) : 0;
	if (!err && below && !c->opaque) {
		int op = ovl_oci_opaque(fs, layer, c->fd);
		err = op < 0 ? op : 0;
		c->opaque = op > 0;
	}
	if (err) {
		close(c->fd);
		c->fd = -1;
	}
	return err;
}

/* prefix (with n bytes) + "/" + a name or an absolute path restarting it. */
static int path_add(char *prefix, size_t *n, const char *name)
{
	if (name[0] == '/')
		*n = 0;
	int k = snprintf(prefix + *n, PATH_MAX - *n, "%s%s", name[0] == '/' ? "" : "/", name);
	if (k < 0 || (size_t)k >= PATH_MAX - *n)
		return -ENAMETOOLONG;
	*n += (size_t)k;
	return 0;
}

/*
 * Look t up in one layer (pfd: its real dir of the parent, or its root for
 * an absolute target): the object into c, and in *next what the layers
 * below look for, which this layer's redirects change (each component of
 * an absolute path can have one), as the kernel's lookup does; *stop when
 * nothing below counts (a whiteout, an opaque dir, a non-dir on the way).
 */
static int layer_lookup(struct ovl_fs *fs, int layer, int pfd, const struct target *t,
			bool below, struct comp *c, struct target *next, bool *stop)
{
	target_copy(next, t);
	if (!t->abs) {
		int err = component(fs, layer, pfd, t->path, below, c);
		if (err || !c->found) {
			*stop = c->whiteout;
			return err;
		}
		*stop = c->opaque;
		if (c->redirect[0]) {
			next->abs = c->redirect[0] == '/';
			snprintf(next->path, sizeof(next->path), "%s", c->redirect);
		}
		return 0;
	}
	/* an absolute path: walked from the root, each step's redirect
	 * rewriting what the layers below walk */
	char walked[PATH_MAX] = "";
	size_t wn = 0;
	int cur = pfd, err = 0;
	const char *s = t->path, *rest = s;    /* rest: what was not walked */
	c->found = false;
	c->fd = -1;
	while (!err) {
		while (*s == '/')
			s++;
		rest = s;
		const char *end = strchrnul(s, '/');
		char name[NAME_MAX + 1];
		snprintf(name, sizeof(name), "%.*s", (int)(end - s), s);
		s = end;
		bool last = !*end || !end[strspn(end, "/")];
		struct comp step;
		if ((err = component(fs, layer, cur, name, below, &step)))
			break;
		if (!step.found) {
			*stop |= step.whiteout;
			break;
		}
		if (!S_ISDIR(step.st.st_mode) && !last) {
			*stop = true;   /* a non-dir on the way: nothing below either */
			break;
		}
		*stop |= step.opaque;
		err = path_add(walked, &wn, step.redirect[0] ? step.redirect : name);
		rest = s;
		if (err || last) {
			if (!err)
				*c = step;
			else if (step.fd >= 0)
				close(step.fd);
			break;
		}
		if (cur != pfd)
			close(cur);
		cur = step.fd;
	}
	if (cur != pfd)
		close(cur);
	/* what the walk did not reach is looked for as it was */
	while (*rest == '/')
		rest++;
	if (!err && (!*rest || !(err = path_add(walked, &wn, rest)))) {
		next->abs = true;
		memcpy(next->path, walked, wn + 1);
	}
	if (err && c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
		c->found = false;
	}
	return err;
}

int ovl_lookup_one(struct ovl_fs *fs, const struct ovl_dir *d, const char *name,
		   mode_t *type, int *layer, struct stat *st, struct ovl_dir *child)
{
	struct ovl_dir c = { .n = 0 };
	struct target t = { .abs = false };
	int err = 0, i = 0, next_layer = 0;
	bool stop = false;
	*type = 0;
	*layer = -1;
	snprintf(t.path, sizeof(t.path), "%s", name);
	while (!stop) {
		/* the parent's real dirs, top-down; after an absolute redirect,
		 * every layer below the one that had it, from its root */
		int pfd, lay;
		if (!t.abs) {
			if (i >= d->n)
				break;
			pfd = d->fd[i];
			lay = d->layer[i++];
		} else {
			while (next_layer < fs->nlayers && fs->layers[next_layer].fd < 0)
				next_layer++;
			if (next_layer >= fs->nlayers)
				break;
			lay = next_layer++;
			pfd = fs->layers[lay].fd;
		}
		bool below = lay + 1 < fs->nlayers;
		struct comp o;
		struct target nt;
		if ((err = layer_lookup(fs, lay, pfd, &t, below, &o, &nt, &stop)))
			break;
		if (nt.abs && !t.abs)
			next_layer = lay + 1;
		target_copy(&t, &nt);
		if (!o.found)
			continue;
		if (*type == 0) {
			*type = o.st.st_mode & S_IFMT;
			*layer = lay;
			*st = o.st;
		} else if (!S_ISDIR(o.st.st_mode)) {
			break;                  /* a non-dir under a dir is not merged */
		}
		if (!S_ISDIR(o.st.st_mode))
			break;
		if (!child) {
			close(o.fd);
		} else if ((err = ovl_dir_push(&c, o.fd, lay))) {
			close(o.fd);
			break;
		}
	}
	if (err) {
		ovl_dir_release(&c);
		*type = 0;
		*layer = -1;
		return err;
	}
	if (child)
		ovl_dir_move(child, &c);
	return 0;
}

int ovl_lower_positive(struct ovl_fs *fs, const struct ovl_dir *d, const char *name)
{
	/* As the kernel: below the topmost layer holding name, the first
	 * layer that has it decides (a whiteout there means nothing shows
	 * through); the topmost one's type and opacity do not matter. */
	bool seen_top = false;
	struct stat s;
	for (int i = 0; i < d->n; i++) {
		int err = ovl_layer_lstat(fs, d->layer[i], d->fd[i], name, &s);
		if (err == -ENOENT)
			continue;
		if (err)
			return err;
		if (ovl_is_hidden(fs, &s))
			continue;
		if (seen_top)
			return !ovl_is_whiteout(&s);
		if (ovl_is_whiteout(&s))
			return 0;       /* the name is free: nothing below shows */
		seen_top = true;
	}
	return 0;
}

/* ---- the path walk ---- */

struct walk {
	struct ovl_fs *fs;
	const struct ovl_cred *cred;
	unsigned flags;
	ovl_mirror_fn fn;               /* NULL for a plain lookup */
	void *ctx;
	char canon[OVL_PATH_MAX];       /* canonical path of cur */
	size_t clen;
	struct ovl_dir cur;             /* merged dir at canon */
	struct ovl_dcentry *pin;        /* non-NULL: cur's fds are borrowed from this cache entry */
	bool cacheable;                 /* canon is canonical (no "." / ".."): may key the cache */
	struct stat cur_st;             /* lstat of cur's topmost real dir */
	int cur_layer;
	const char *root;               /* where "/" and ".." stop: "/" or base (IN_ROOT) */
	const char *base;               /* BENEATH boundary (the caller's string) */
	int nlinks;
	bool passthrough;
	char *rest;                     /* do_walk: what is left to resolve (rest_cap) */
	size_t rest_cap;
	char *target;                   /* do_walk: a symlink's text (PATH_MAX) */
	uint64_t gen;                   /* the dcache's subtree generation when the walk began */
	struct ovl_dcstamp stamp;       /* taken by lookup_name before it read the host */
};

/* A walk that stands nowhere yet, with no caller behind it (walk_to's
 * use: "..", refresh); field by field, as canon is 64 KB. */
static void walk_init(struct walk *w, struct ovl_fs *fs)
{
	w->fs = fs;
	w->cred = NULL;
	w->flags = 0;
	w->fn = NULL;
	w->ctx = NULL;
	w->canon[0] = 0;
	w->clen = 0;
	w->cur = (struct ovl_dir){ .n = 0 };
	w->pin = NULL;
	w->cacheable = false;
	w->root = w->base = "/";
	w->nlinks = 0;
	w->passthrough = false;
	w->rest = w->target = NULL;
	w->rest_cap = 0;
}

/* Drop a position: unpin a cached dir, close an owned one. */
static void pos_release(struct ovl_fs *fs, struct ovl_dir *d, struct ovl_dcentry **pin)
{
	ovl_dir_release(d);             /* (borrowed: forgotten before the unpin) */
	if (*pin) {
		ovl_dcache_put(fs, *pin);
		*pin = NULL;
	}
}

/* Cache a dir just looked up at canon: on success d's fds become the
 * cache's, d borrows them and *pin holds them for us; else d stays owned. */
static void pos_cache(struct ovl_fs *fs, const char *canon, struct ovl_dir *d,
		      struct ovl_dcentry **pin, const struct stat *st, int layer,
		      const struct ovl_dcstamp *stamp)
{
	struct ovl_dcentry *c = ovl_dcache_add(fs, canon, d, st, layer, stamp);
	if (c)
		*pin = c;
}

static void cur_release(struct walk *w)
{
	pos_release(w->fs, &w->cur, &w->pin);
}

/* The walk's position becomes e's parent, pin and all. */
static void take_parent(struct walk *w, struct ovl_entry *e)
{
	ovl_dir_move(&e->parent, &w->cur);
	e->parent_pin = w->pin;
	w->pin = NULL;
}

/* Is p in the form cache keys have: absolute, no empty, "." or ".."
 * component, no trailing slash ("/" itself is fine)? */
static bool is_canonical(const char *p)
{
	if (p[0] != '/')
		return false;
	if (!p[1])
		return true;
	for (const char *s = p + 1;;) {
		const char *e = strchrnul(s, '/');
		size_t n = (size_t)(e - s);
		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		if (!*e)
			return true;
		s = e + 1;
	}
}

static int root_dir(struct ovl_fs *fs, struct ovl_dir *d, struct stat *st, int *layer)
{
	ovl_dir_release(d);
	*layer = -1;
	for (int i = 0; i < fs->nlayers; i++) {
		if (fs->layers[i].fd < 0)
			continue;
		int fd = -1, err = 0;
		if (*layer < 0 && fstat(fs->layers[i].fd, st))
			err = -errno;
		else if ((fd = openat(fs->layers[i].fd, ".", DIR_OPEN_FLAGS)) < 0)
			err = -errno;
		else if ((err = ovl_dir_push(d, fd, i)))
			close(fd);
		if (err) {
			ovl_dir_release(d);
			return err;
		}
		if (*layer < 0)
			*layer = i;
	}
	return 0;
}

static int mirror(struct walk *w, const char *path, mode_t type, const char *target)
{
	return w->fn ? w->fn(w->ctx, path, type, target) : 0;
}

/* Take cached dir canon into a position; false on a miss. */
static bool pos_get(struct ovl_fs *fs, const char *canon, struct ovl_dir *d,
		    struct ovl_dcentry **pin, struct stat *st, int *layer)
{
	const struct ovl_dir *cd;
	const struct stat *cst;
	int cl;
	struct ovl_dcentry *c = ovl_dcache_get(fs, canon, &cd, &cst, &cl);
	if (!c)
		return false;
	pos_release(fs, d, pin);
	*pin = c;
	ovl_dir_borrow(d, cd);
	*st = *cst;
	*layer = cl;
	return true;
}

/* Go to canonical path p (absolute, canonical) from the overlay root with
 * no permission checks: used for "..", base and refresh.  Known dirs come
 * from the cache; the others are looked up and cached. */
static int walk_to(struct walk *w, const char *p, bool report)
{
	struct ovl_fs *fs = w->fs;
	struct ovl_dir d = { .n = 0 };
	struct ovl_dcentry *pin = NULL;
	struct stat st;
	int layer = -1, err = 0;
	bool cacheable = is_canonical(p);
	size_t clen = 1;
	char canon[OVL_PATH_MAX];       /* (not zeroed: 64 KB) */
	uint64_t gen = ovl_dcache_gen(fs);  /* before any dir is taken */
	/* Fast path: the whole path is known (no pass-through on the way, or
	 * it would never have been cached, and none is added later). */
	canon[0] = '/';
	canon[1] = 0;
	if (cacheable && !report && strlen(p) < OVL_PATH_MAX && !ovl_passthrough_match(fs, p) &&
	    pos_get(fs, p, &d, &pin, &st, &layer)) {
		clen = strlen(p);
		memcpy(canon, p, clen + 1);
		goto done;
	}
	if (!(cacheable && pos_get(fs, "/", &d, &pin, &st, &layer))) {
		struct ovl_dcstamp stamp = { 0 };
		ovl_dcache_stamp(fs, "/", gen, &stamp);
		if ((err = root_dir(fs, &d, &st, &layer)))
			return err;
		if (cacheable)
			pos_cache(fs, "/", &d, &pin, &st, layer, &stamp);
	}
	const char *s = p;
	while (!err) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		const char *e = strchrnul(s, '/');
		size_t n = (size_t)(e - s);
		if (n > NAME_MAX || clen + n + 2 > OVL_PATH_MAX) {
			err = -ENAMETOOLONG;
			break;
		}
		if (clen > 1)
			canon[clen++] = '/';
		memcpy(canon + clen, s, n);
		clen += n;
		canon[clen] = 0;
		s = e;
		if (ovl_passthrough_match(fs, canon)) {
			w->passthrough = true;
			break;
		}
		if (!(cacheable && pos_get(fs, canon, &d, &pin, &st, &layer))) {
			char name[NAME_MAX + 1];
			memcpy(name, canon + clen - n, n + 1);
			struct ovl_dir c = { .n = 0 };
			mode_t type;
			struct stat cst;
			int cl;
			struct ovl_dcstamp stamp = { 0 };
			ovl_dcache_stamp(fs, canon, gen, &stamp);
			err = ovl_lookup_one(fs, &d, name, &type, &cl, &cst, &c);
			if (err)
				break;
			if (type != S_IFDIR) {
				if (type)
					ovl_dir_release(&c);
				err = type ? -ENOTDIR : -ENOENT;
				break;
			}
			pos_release(fs, &d, &pin);
			ovl_dir_move(&d, &c);
			st = cst;
			layer = cl;
			if (cacheable)
				pos_cache(fs, canon, &d, &pin, &st, layer, &stamp);
		}
		if (report)
			err = mirror(w, canon, S_IFDIR, NULL);
	}
	if (err) {
		pos_release(fs, &d, &pin);
		return err;
	}
done:
	cur_release(w);
	ovl_dir_move(&w->cur, &d);
	w->pin = pin;
	w->cur_st = st;
	w->cur_layer = layer;
	w->cacheable = cacheable;
	memcpy(w->canon, canon, clen + 1);
	w->clen = clen;
	return 0;
}

static bool is_dot(const char *s, size_t n)
{
	return n == 1 && s[0] == '.';
}

static bool is_dotdot(const char *s, size_t n)
{
	return n == 2 && s[0] == '.' && s[1] == '.';
}

void ovl_canon_parent(const char *p, char *out)
{
	const char *slash = strrchr(p, '/');
	size_t n = slash && slash != p ? (size_t)(slash - p) : 1;
	memcpy(out, p, n);
	out[n] = 0;
}

/* Fill e for the directory w->cur itself (reached by "/", "." or ".."):
 * it is the final component, so it is looked up afresh in its parent
 * (cur may be cached), and the parent comes from walking to the canonical
 * parent. */
static int finish_at_cur(struct walk *w, struct ovl_entry *e)
{
	memcpy(e->path, w->canon, w->clen + 1);
	e->type = S_IFDIR;
	e->name = w->clen == 1 ? e->path + 1 : strrchr(e->path, '/') + 1;
	/* a cached dir: the entry borrows it as the walk did, its metadata
	 * afresh; else it is looked up in its parent (or is the root) */
	bool cached = w->pin && !fstat(w->cur.fd[0], &e->st);
	if (cached) {
		e->layer = w->cur_layer;
		ovl_dir_move(&e->dir, &w->cur);
		e->dir_pin = w->pin;
		w->pin = NULL;
	} else {
		cur_release(w);
	}
	if (w->clen == 1)
		return cached ? 0 : root_dir(w->fs, &e->dir, &e->st, &e->layer);
	char parent[OVL_PATH_MAX];
	ovl_canon_parent(w->canon, parent);
	struct walk pw;
	walk_init(&pw, w->fs);
	int err = walk_to(&pw, parent, false);
	if (!err && pw.passthrough)
		err = -ESTALE;
	if (!err && !cached) {
		mode_t type;
		struct ovl_dir child = { .n = 0 };
		err = ovl_lookup_one(w->fs, &pw.cur, e->name, &type, &e->layer, &e->st, &child);
		if (!err && type != S_IFDIR) {
			if (type)
				ovl_dir_release(&child);
			err = -ESTALE;
		}
		if (!err)
			ovl_dir_move(&e->dir, &child);
	}
	if (!err)
		take_parent(&pw, e);
	cur_release(&pw);
	return err == -ENOENT || err == -ENOTDIR ? -ESTALE : err;
}

static int check_exec(struct walk *w)
{
	if (w->flags & OVL_LOOKUP_NO_PERM)
		return 0;
	return ovl_permission(w->cred, &w->cur_st, OVL_MAY_EXEC);
}

/* Readlink of name in the real dir of layer within cur. */
static int read_link(struct walk *w, const char *name, int layer, char *buf)
{
	for (int i = 0; i < w->cur.n; i++) {
		if (w->cur.layer[i] != layer)
			continue;
		ssize_t n = readlinkat(w->cur.fd[i], name, buf, PATH_MAX);
		if (n < 0)
			return -errno;
		if (n >= PATH_MAX)
			return -ENAMETOOLONG;
		buf[n] = 0;
		return 0;
	}
	return -ESTALE;
}

/* The real dir of layer among d's, or -1. */
static int dir_fd_of_layer(const struct ovl_dir *d, int layer)
{
	for (int i = 0; i < d->n; i++)
		if (d->layer[i] == layer)
			return d->fd[i];
	return -1;
}

/* What the walk needs of name (canon), from the cache: 0 if it was known,
 * 1 if not.  A dir's fds come pinned in *child_pin; a symlink the walk
 * follows (follow) comes with its text (*have_target) and no stat; a
 * lower's object with its cached lstat; an upper object is stat'ed in its
 * real dir, the one syscall of a cached lookup (size, times and set-id
 * bits change natively). */
static int lookup_cached(struct walk *w, const char *canon, const char *name, bool last,
			 bool follow, mode_t *type, int *layer, struct stat *st,
			 struct ovl_dir *child, struct ovl_dcentry **child_pin, char *target,
			 bool *have_target)
{
	struct ovl_dchit hit;
	if (!ovl_dcache_find_in(w->fs, w->pin, name, canon, &hit, target))
		return 1;
	*type = hit.type;
	*layer = hit.layer;
	bool type_only = last && (w->flags & OVL_LOOKUP_TYPE_ONLY) && hit.type != S_IFLNK;
	if (hit.pin) {
		ovl_dir_borrow(child, hit.dir);
		*child_pin = hit.pin;
		/* a dir only lowers make up never changes (a change copies it
		 * up first, which drops it) */
		if (!last || type_only || hit.layer != OVL_UPPER) {
			*st = *hit.st;
			return 0;
		}
		if (!fstat(hit.dir->fd[0], st))
			return 0;
		ovl_dir_release(child);
		ovl_dcache_put(w->fs, hit.pin);
		*child_pin = NULL;
		return 1;
	}
	if (hit.type == 0)
		return 0;
	if (type_only) {
		/* the type of a name changes only with a change of the
		 * name, which drops the entry */
		memset(st, 0, sizeof(*st));
		return 0;
	}
	*have_target = hit.type == S_IFLNK && target[0];
	if (*have_target && follow)
		return 0;
	if (hit.has_leaf_st) {
		*st = hit.leaf_st;
		return 0;
	}
	int fd = dir_fd_of_layer(&w->cur, hit.layer);
	if (fd < 0 || ovl_shown_lstat(w->fs, fd, name, st) || (st->st_mode & S_IFMT) != hit.type) {
		*have_target = false;
		return 1;               /* looked up afresh, which replaces the entry */
	}
	return 0;
}

/* Look name (canon) up in the walk's dir: from the cache when known, else
 * afresh, remembering what was found (a symlink once its text is read:
 * remember_link). */
static int lookup_name(struct walk *w, const char *canon, const char *name, bool last,
		       bool follow, mode_t *type, int *layer, struct stat *st,
		       struct ovl_dir *child, struct ovl_dcentry **child_pin, char *target,
		       bool *have_target)
{
	*have_target = false;
	*child_pin = NULL;
	*child = (struct ovl_dir){ .n = 0 };
	ovl_dcache_stamp(w->fs, canon, w->gen, &w->stamp);
	if (w->cacheable && !lookup_cached(w, canon, name, last, follow, type, layer, st, child,
					   child_pin, target, have_target))
		return 0;
	int err = ovl_lookup_one(w->fs, &w->cur, name, type, layer, st, child);
	if (err || !w->cacheable)
		return err;
	if (*type == S_IFDIR) {
		if (last)  /* (on the way, the walk caches it as its position) */
			pos_cache(w->fs, canon, child, child_pin, st, *layer, &w->stamp);
	} else if (*type != S_IFLNK) {
		ovl_dcache_add_leaf(w->fs, canon, *type, *layer, NULL, st, &w->stamp);
	}
	return 0;
}

static void remember_link(struct walk *w, const char *canon, int layer, const char *target)
{
	if (w->cacheable)
		ovl_dcache_add_leaf(w->fs, canon, S_IFLNK, layer, target, NULL, &w->stamp);
}

/* Restart at the root for "/..." (absolute path or link target). */
static int go_root(struct walk *w)
{
	if (w->flags & OVL_LOOKUP_BENEATH)
		return -EXDEV;
	return walk_to(w, w->root, false);
}

/* One component of the walk. */
struct step {
	char name[NAME_MAX + 1];
	size_t n;
	char canon[OVL_PATH_MAX];       /* the walk's canon + "/" + name */
	size_t clen;
	char *end;                      /* what follows the name in rest */
	bool last;                      /* nothing but slashes follows */
	bool slash;                     /* the last one, followed by a slash */
};

/* Set the walk up at its start: rest holds the path (target: room for
 * link texts), and the walk stands at the root or at base. */
static int walk_begin(struct walk *w, const char *base, const char *path)
{
	size_t plen = strlen(path);
	if (plen == 0)
		return -ENOENT;
	memcpy(w->rest, path, plen + 1);
	if (!base || base[0] != '/')
		base = "/";
	if (strlen(base) >= OVL_PATH_MAX)
		return -ENAMETOOLONG;
	w->base = base;
	w->root = (w->flags & OVL_LOOKUP_IN_ROOT) ? base : "/";
	return w->rest[0] == '/' ? go_root(w) : walk_to(w, base, w->fn != NULL);
}

/* ".." from the walk's dir, as the kernel takes it. */
static int step_dotdot(struct walk *w)
{
	if (!strcmp(w->canon, w->root))
		return 0;               /* ".." of the root is the root */
	if ((w->flags & OVL_LOOKUP_BENEATH) && !strcmp(w->canon, w->base))
		return -EXDEV;
	char parent[OVL_PATH_MAX];
	ovl_canon_parent(w->canon, parent);
	return walk_to(w, parent, false);
}

/* The component reaches a kernel-served mount: tell the caller where, and
 * what is left, so it can resolve /proc magic links through the overlay. */
static int step_passthrough(struct walk *w, const struct step *st, struct ovl_entry *e)
{
	if (w->flags & OVL_LOOKUP_NO_XDEV)
		return -EXDEV;
	w->passthrough = true;
	if (strlen(st->end) < sizeof(e->pt_rest)) {
		memcpy(e->path, st->canon, st->clen + 1);
		strcpy(e->pt_rest, st->end);
	}
	return 0;
}

/* Follow the symlink of the component: its text goes in front of what is
 * left in rest, and the walk goes on from the root or from here. */
static int step_link(struct walk *w, const struct step *st, int layer, bool have_target,
		     char **s)
{
	if (w->flags & OVL_LOOKUP_NO_SYMLINKS)
		return -ELOOP;
	if (++w->nlinks > OVL_MAX_SYMLINKS)
		return -ELOOP;
	int err;
	if (!have_target) {
		if ((err = read_link(w, st->name, layer, w->target)))
			return err;
		remember_link(w, st->canon, layer, w->target);
	}
	if ((err = mirror(w, st->canon, S_IFLNK, w->target)))
		return err;
	if (!w->target[0])
		return -ENOENT;
	size_t tl = strlen(w->target), rl = strlen(st->end);
	if (tl + rl + 1 > w->rest_cap)
		return -ENAMETOOLONG;
	/* end points into rest: move the tail, then put the text in front */
	memmove(w->rest + tl, st->end, rl + 1);
	memcpy(w->rest, w->target, tl);
	*s = w->rest;
	return w->target[0] == '/' ? go_root(w) : 0;
}

/* Go down into the dir of the component (on the way): child becomes the
 * walk's position, cached unless it came from the cache. */
static int step_into(struct walk *w, const struct step *st, struct ovl_dir *child,
		     struct ovl_dcentry *child_pin, const struct stat *cst, int layer)
{
	cur_release(w);
	ovl_dir_move(&w->cur, child);
	w->pin = child_pin;
	w->cur_st = *cst;
	w->cur_layer = layer;
	if (w->cacheable && !w->pin)
		pos_cache(w->fs, st->canon, &w->cur, &w->pin, cst, layer, &w->stamp);
	memcpy(w->canon, st->canon, st->clen + 1);
	w->clen = st->clen;
	return mirror(w, st->canon, S_IFDIR, NULL);
}

/* Fill e with the final component (type 0: a free name). */
static int step_final(struct walk *w, const struct step *st, mode_t type, int layer,
		      const struct stat *ost, struct ovl_dir *child, struct ovl_dcentry *child_pin,
		      bool have_target, struct ovl_entry *e)
{
	int err;
	if (type == S_IFLNK && w->fn && !have_target) {
		if ((err = read_link(w, st->name, layer, w->target)))
			return err;
		remember_link(w, st->canon, layer, w->target);
	}
	e->trailing_slash = st->slash;
	memcpy(e->path, st->canon, st->clen + 1);
	e->name = e->path + st->clen - st->n;
	e->type = type;
	e->layer = type ? layer : -1;
	if (type)
		e->st = *ost;
	ovl_dir_move(&e->dir, child);
	e->dir_pin = child_pin;
	take_parent(w, e);
	if (type && type != S_IFDIR && (err = ovl_index_lookup(w->fs, e)))
		return err;
	if (type == S_IFDIR)
		return mirror(w, st->canon, S_IFDIR, NULL);
	if (type == S_IFLNK)
		return mirror(w, st->canon, S_IFLNK, w->target);
	return 0;
}

/* Cut the next component off *s into st (s then points past it). */
static int step_parse(char **s, struct step *st)
{
	char *end = strchrnul(*s, '/');
	st->n = (size_t)(end - *s);
	char *after = end;
	while (*after == '/')
		after++;
	st->last = !*after;
	st->slash = st->last && *end == '/';
	st->end = end;
	if (st->n > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(st->name, *s, st->n);
	st->name[st->n] = 0;
	*s = end;
	return 0;
}

/* The canonical path of the component, below the walk's dir. */
static int step_canon(struct walk *w, struct step *st)
{
	if (w->clen + st->n + 2 > OVL_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(st->canon, w->canon, w->clen);
	st->clen = w->clen;
	if (st->clen > 1)
		st->canon[st->clen++] = '/';
	memcpy(st->canon + st->clen, st->name, st->n + 1);
	st->clen += st->n;
	return 0;
}

/* One component: 0 to go on (*s moved on), 1 when e is filled, -errno. */
static int walk_step(struct walk *w, char **s, struct ovl_entry *e)
{
	struct step st;
	int err = step_parse(s, &st);
	if (err || (err = check_exec(w)))
		return err;
	if (is_dot(st.name, st.n) || is_dotdot(st.name, st.n)) {
		if (st.last)
			e->trailing_slash = true;
		return is_dot(st.name, st.n) ? 0 : step_dotdot(w);
	}
	if ((err = step_canon(w, &st)))
		return err;
	if (ovl_passthrough_match(w->fs, st.canon))
		return step_passthrough(w, &st, e);
	mode_t type;
	int layer;
	struct stat ost;
	struct ovl_dir child = { .n = 0 };
	struct ovl_dcentry *child_pin = NULL;
	bool have_target, follow = !st.last || st.slash || (w->flags & OVL_LOOKUP_FOLLOW);
	if ((err = lookup_name(w, st.canon, st.name, st.last, follow, &type, &layer, &ost, &child,
			       &child_pin, w->target, &have_target)))
		return err;
	if (type == 0 && !st.last)
		return -ENOENT;
	if (type == S_IFLNK && follow)
		return step_link(w, &st, layer, have_target, s);
	if (type == S_IFDIR && !st.last)
		return step_into(w, &st, &child, child_pin, &ost, layer);
	if (type && type != S_IFDIR && (!st.last || st.slash))
		return -ENOTDIR;
	err = step_final(w, &st, type, layer, &ost, &child, child_pin, have_target, e);
	return err ? err : 1;
}

static int do_walk(struct walk *w, const char *base, const char *path, struct ovl_entry *e)
{
	/* rest holds what is left to resolve; link texts are spliced in
	 * front of it, so it needs room beyond the path.  (A call's path is
	 * at most PATH_MAX; the engine's own callers walk canonical paths,
	 * which may be longer.) */
	size_t plen = strlen(path);
	if (plen >= OVL_PATH_MAX)
		return -ENAMETOOLONG;
	w->rest_cap = plen + 2 * PATH_MAX;
	w->rest = malloc(w->rest_cap);
	w->target = malloc(PATH_MAX);
	w->gen = ovl_dcache_gen(w->fs);    /* before any dir is taken */
	int err = !w->rest || !w->target ? -ENOMEM : walk_begin(w, base, path);
	for (char *s = w->rest; !err && !w->passthrough;) {
		while (*s == '/')
			s++;
		if (!*s) {
			/* ended on a directory: "/", "x/." or a link to "/" */
			e->trailing_slash = true;
			if (!(err = finish_at_cur(w, e)))
				err = mirror(w, e->path, S_IFDIR, NULL);
			break;
		}
		err = walk_step(w, &s, e);
		if (err == 1) {
			err = 0;
			break;
		}
	}
	free(w->rest);
	free(w->target);
	w->rest = w->target = NULL;
	cur_release(w);
	return err;
}

static void entry_init(struct ovl_fs *fs, struct ovl_entry *e)
{
	e->fs = fs;
	e->parent = (struct ovl_dir){ .n = 0 };
	e->dir = (struct ovl_dir){ .n = 0 };
	e->parent_pin = NULL;
	e->dir_pin = NULL;
	e->path[0] = 0;
	e->name = e->path;
	e->type = 0;
	e->layer = -1;
	memset(&e->st, 0, sizeof(e->st));
	e->trailing_slash = false;
	e->passthrough = false;
	e->pt_rest[0] = 0;
	e->handed_seq = ovl_handed_seq(fs);
	e->indexed = false;
}

void ovl_entry_drop_parent(struct ovl_entry *e)
{
	pos_release(e->fs, &e->parent, &e->parent_pin);
}

void ovl_entry_drop_dir(struct ovl_entry *e)
{
	pos_release(e->fs, &e->dir, &e->dir_pin);
}

void ovl_entry_release(struct ovl_entry *e)
{
	ovl_entry_drop_parent(e);
	ovl_entry_drop_dir(e);
	e->type = 0;
	e->layer = -1;
}

static int walk_entry(struct ovl_fs *fs, const struct ovl_cred *cred, const char *base,
		      const char *path, unsigned flags, ovl_mirror_fn fn, void *ctx,
		      struct ovl_entry *e)
{
	struct walk *w = malloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	walk_init(w, fs);
	w->cred = cred;
	w->flags = flags;
	w->fn = fn;
	w->ctx = ctx;
	int err = do_walk(w, base, path, e);
	if (!err && w->passthrough) {
		ovl_entry_release(e);
		e->passthrough = true;
		if (flags & OVL_LOOKUP_NO_XDEV)
			err = -EXDEV;
	}
	free(w);
	if (!err && !e->passthrough && (flags & OVL_LOOKUP_DIRECTORY) &&
	    e->type && e->type != S_IFDIR)
		err = -ENOTDIR;
	if (err)
		ovl_entry_release(e);
	return err;
}

int ovl_lookup(struct ovl_fs *fs, const struct ovl_cred *cred, const char *base,
	       const char *path, unsigned flags, struct ovl_entry *e)
{
	entry_init(fs, e);
	return walk_entry(fs, cred, base, path, flags, NULL, NULL, e);
}

int ovl_walk_mirror(struct ovl_fs *fs, const struct ovl_cred *cred, const char *base,
		    const char *path, unsigned flags, ovl_mirror_fn fn, void *ctx)
{
	struct ovl_entry *e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	entry_init(fs, e);
	int err = walk_entry(fs, cred, base, path, flags, fn, ctx, e);
	ovl_entry_release(e);
	free(e);
	return err;
}

int ovl_entry_refresh(struct ovl_fs *fs, struct ovl_entry *e)
{
	if (e->passthrough)
		return 0;
	bool root = e->path[1] == 0;
	/* The parent anew too unless the cache still holds the one e
	 * borrows: it may have been copied up, or (before a hold began)
	 * removed or moved since e was looked up; known dirs come from the
	 * cache, at no syscall. */
	int err = 0;
	if (!root && (!e->parent_pin || !ovl_dcache_current(fs, e->parent_pin))) {
		struct walk *w = malloc(sizeof(*w));
		if (!w)
			return -ENOMEM;
		walk_init(w, fs);
		char parent[OVL_PATH_MAX];
		ovl_canon_parent(e->path, parent);
		err = walk_to(w, parent, false);
		if (!err && w->passthrough)
			err = -ESTALE;
		if (!err) {
			ovl_entry_drop_parent(e);
			take_parent(w, e);  /* the walk's pin goes with it */
		}
		cur_release(w);
		free(w);
		if (err)
			return err;
	}
	mode_t type = S_IFDIR;
	int layer;
	struct stat st;
	struct ovl_dir child = { .n = 0 };
	/* the root itself: its own fds and stat, fresh */
	err = root ? root_dir(fs, &child, &st, &layer) :
		     ovl_lookup_one(fs, &e->parent, e->name, &type, &layer, &st, &child);
	if (err)
		return err;
	ovl_entry_drop_dir(e);
	ovl_dir_move(&e->dir, &child);
	e->type = type;
	e->layer = layer;
	if (type)
		e->st = st;
	else
		memset(&e->st, 0, sizeof(e->st));
	return ovl_index_lookup(fs, e);
}

int ovl_entry_real_at(const struct ovl_entry *e, const char **name)
{
	if (e->type == 0)
		return -ENOENT;
	if (e->indexed) {
		*name = e->index_name;
		return e->fs->index_fd;
	}
	if (e->parent.n == 0) {
		*name = "";
		return e->dir.n ? e->dir.fd[0] : -ENOENT;
	}
	for (int i = 0; i < e->parent.n; i++) {
		if (e->parent.layer[i] == e->layer) {
			*name = e->name;
			return e->parent.fd[i];
		}
	}
	return -ESTALE;
}
