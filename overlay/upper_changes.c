/*
 * What an upper layer changed, for ovlrun diff, export and commit: its
 * entries, name by name (parents first), each told against the lowers'
 * view at the same path, as overlayfs.rst defines the layers:
 *   a whiteout deletes the lowers' name (D);
 *   an entry the lowers also have is changed (C), one they do not is
 *     added (A); a dir is opaque when nothing of the lowers shows below it,
 *     and the lowers' names it hides are deleted (D, below_opaque);
 *   a dir moved with a redirect is added at its new place (A, opaque: a
 *     layer without redirects must replace whatever is there), and every
 *     name of its merged content comes with it as added, the lowers' ones
 *     found where the redirect says (their real file in dirfd/name).
 * Without the lowers (lowers_known false: fs is then a placeholder), an
 * entry is changed when it has a copy-up origin record, else added.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "internal.h"
#include "upper.h"

struct uwalk {
	struct ovl_fs *fs;
	bool lowers_known;
	ovl_upper_fn fn;
	void *ctx;
	struct ovl_cred root;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct names {
	char **v;
	size_t n, cap;
};

static int names_add(struct names *ns, const char *name)
{
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? 2 * ns->cap : 16;
		char **v = realloc(ns->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		ns->v = v;
		ns->cap = cap;
	}
	if (!(ns->v[ns->n] = strdup(name)))
		return -ENOMEM;
	ns->n++;
	return 0;
}

static void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

static bool names_has(const struct names *ns, const char *name)
{
	return ns->n && bsearch(&name, ns->v, ns->n, sizeof(*ns->v), by_name);
}

/* The names of real dir fd (none for -1), sorted. */
static int list_real(int fd, struct names *ns)
{
	if (fd < 0)
		return 0;
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		int err = -errno;
		if (dfd >= 0)
			close(dfd);
		return err;
	}
	int err = 0;
	for (struct dirent *de; !err && (de = readdir(d));)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			err = names_add(ns, de->d_name);
	closedir(d);
	if (!err && ns->n)
		qsort(ns->v, ns->n, sizeof(*ns->v), by_name);
	return err;
}

static int add_dirent(void *ctx, const char *name, uint64_t ino, unsigned char d_type,
		      uint64_t next)
{
	(void)ino, (void)d_type, (void)next;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	return names_add(ctx, name);
}

/* The lowers' merged dir at lower (NULL: none) and its names, sorted. */
static int list_lower(struct uwalk *u, const char *lower, struct names *ns)
{
	if (!lower || !u->lowers_known)
		return 0;
	struct ovl_entry e;
	int err = ovl_lookup(u->fs, &u->root, "/", lower, OVL_LOOKUP_NO_PERM, &e);
	if (err)
		return err == -ENOENT || err == -ENOTDIR ? 0 : err;
	if (e.type == S_IFDIR)
		err = ovl_readdir(u->fs, &e, 0, add_dirent, ns);
	ovl_entry_release(&e);
	if (!err && ns->n)
		qsort(ns->v, ns->n, sizeof(*ns->v), by_name);
	return err < 0 ? err : 0;
}

/* Whether the lowers have path; *e (when they do and e is non-NULL) is
 * their entry, to release. */
static int in_lowers(struct uwalk *u, const char *path, struct ovl_entry *e)
{
	struct ovl_entry own;
	struct ovl_entry *x = e ? e : &own;
	int err = ovl_lookup(u->fs, &u->root, "/", path, OVL_LOOKUP_NO_PERM, x);
	if (err)
		return err == -ENOENT || err == -ENOTDIR ? 0 : err;
	bool has = x->type != 0;
	if (!has || !e)
		ovl_entry_release(x);
	return has;
}

static int join(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, OVL_PATH_MAX, "%s%s%s", dir, dir[1] ? "/" : "", name);
	return n < 0 || n >= OVL_PATH_MAX ? -ENAMETOOLONG : 0;
}

/* Where the lowers keep what a moved dir brings (at, NULL if nothing:
 * where the lowers would have it unmoved): an absolute redirect is that, a
 * relative one a name beside it. */
static int redirect_source(const char *redirect, const char *at, char *out)
{
	if (redirect[0] == '/')
		return snprintf(out, OVL_PATH_MAX, "%s", redirect) < OVL_PATH_MAX ? 0 : -ENAMETOOLONG;
	if (!at) {
		out[0] = 0;
		return 0;
	}
	char *parent = malloc(OVL_PATH_MAX);
	if (!parent)
		return -ENOMEM;
	ovl_canon_parent(at, parent);
	int err = join(out, parent, redirect);
	free(parent);
	return err;
}

static int walk_dir(struct uwalk *u, int ufd, const char *path, const char *lower, bool added);

/* An entry of the upper (ufd/name) at path; added: inside a dir that is
 * new at its place (all is added), whose lowers' content is at lower. */
static int upper_entry(struct uwalk *u, int ufd, const char *name, const char *path,
		       const char *lower, bool added)
{
	struct stat st, shown;
	if (fstatat(ufd, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	shown = st;
	int err = ovl_override_at(u->fs, ufd, name, &shown);
	if (err)
		return err;
	if (ovl_is_hidden(u->fs, &st))
		return 0;
	if (ovl_is_whiteout(&st)) {
		if (added)
			return 0;       /* hides a name of what a moved dir brings */
		int has = u->lowers_known ? in_lowers(u, path, NULL) : 1;
		return has <= 0 ? has : u->fn(u->ctx, &(struct ovl_upper_item){ .path = path, .kind = 'D',
							.st = &st, .shown = &st, .dirfd = ufd,
							.name = name });
	}
	bool was = false;
	if (!added) {
		int has = u->lowers_known ? in_lowers(u, path, NULL)
					  : ovl_has_xattr_at(ufd, name, u->fs->xa_origin);
		if (has < 0)
			return has;
		was = has;
	}
	struct ovl_upper_item it = { .path = path, .kind = was ? 'C' : 'A', .st = &st, .shown = &shown,
				     .dirfd = ufd, .name = name };
	if (!S_ISDIR(st.st_mode))
		return u->fn(u->ctx, &it);
	int dfd = openat(ufd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	bool opaque;
	char redirect[PATH_MAX], *src = malloc(OVL_PATH_MAX);
	err = src ? ovl_dir_marks(u->fs, dfd, &opaque, redirect) : -ENOMEM;
	if (!err && redirect[0])
		err = redirect_source(redirect, added ? lower : path, src);
	if (!err) {
		/* a moved dir is new at its place: opaque, it replaces what was there */
		bool moved = redirect[0] != 0;
		const char *below = moved ? (src[0] ? src : NULL) : opaque ? NULL : added ? lower : path;
		it.kind = moved ? 'A' : it.kind;
		it.opaque = opaque || moved;
		it.moved = moved;
		err = u->fn(u->ctx, &it);
		/* what an opaque dir hides of the lowers is gone */
		struct names gone = { 0 }, here = { 0 };
		if (!err && opaque && was && !moved && !(err = list_lower(u, path, &gone)) &&
		    !(err = list_real(dfd, &here))) {
			char *p = malloc(OVL_PATH_MAX);
			for (size_t i = 0; !err && i < gone.n; i++)
				if (!names_has(&here, gone.v[i]))
					err = !p ? -ENOMEM : join(p, path, gone.v[i]) ? -ENAMETOOLONG
					      : u->fn(u->ctx, &(struct ovl_upper_item){ .path = p, .kind = 'D',
							.dirfd = -1, .name = gone.v[i],
							.below_opaque = true });
			free(p);
		}
		names_free(&gone);
		names_free(&here);
		if (!err)
			err = walk_dir(u, dfd, path, below, added || moved || !was);
	}
	free(src);
	close(dfd);
	return err;
}

/* A name only the lowers' content of a moved dir has (at lower): added,
 * with its real file. */
static int lower_entry(struct uwalk *u, const char *path, const char *lower)
{
	struct ovl_entry e;
	int has = in_lowers(u, lower, &e);
	if (has <= 0)
		return has;
	const char *name;
	struct stat st;
	int dirfd = ovl_entry_real_at(&e, &name);
	/* (the entry's stat is as shown; st is the real one's) */
	int err = dirfd < 0 ? dirfd
		  : fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW | (name[0] ? 0 : AT_EMPTY_PATH))
		  ? -errno
		  : u->fn(u->ctx, &(struct ovl_upper_item){ .path = path, .kind = 'A', .st = &st,
							   .shown = &e.st, .dirfd = dirfd,
							   .name = name });
	if (!err && e.type == S_IFDIR)
		err = walk_dir(u, -1, path, lower, true);
	ovl_entry_release(&e);
	return err;
}

/* Dir path: the upper's part (ufd, -1 if none) and, for one that is new at
 * its place (added), the lowers' part it brings (at lower, NULL if none). */
static int walk_dir(struct uwalk *u, int ufd, const char *path, const char *lower, bool added)
{
	struct names up = { 0 }, low = { 0 };
	char *p = malloc(OVL_PATH_MAX), *lp = malloc(OVL_PATH_MAX);
	int err = !p || !lp ? -ENOMEM : list_real(ufd, &up);
	if (!err && added)
		err = list_lower(u, lower, &low);
	/* both lists in name order, merged */
	size_t i = 0, j = 0;
	while (!err && (i < up.n || j < low.n)) {
		int c = i == up.n ? 1 : j == low.n ? -1 : strcmp(up.v[i], low.v[j]);
		const char *name = c <= 0 ? up.v[i] : low.v[j];
		if ((err = join(p, path, name)) || (lower && (err = join(lp, lower, name))))
			break;
		if (c <= 0)
			err = upper_entry(u, ufd, name, p, lower ? lp : NULL, added);
		else
			err = lower_entry(u, p, lp);
		i += c <= 0;
		j += c >= 0;
	}
	names_free(&up);
	names_free(&low);
	free(p);
	free(lp);
	return err;
}

int ovl_upper_changes(struct ovl_fs *fs, int upper_fd, bool lowers_known, ovl_upper_fn fn,
		      void *ctx)
{
	struct uwalk u = { .fs = fs, .lowers_known = lowers_known, .fn = fn, .ctx = ctx,
			   .root = { .cap_eff = ~0ULL } };
	return walk_dir(&u, upper_fd, "/", NULL, false);
}
