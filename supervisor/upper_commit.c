/*
 * ovlrun commit UPPER --lower=DIR: the upper's changes applied to DIR, so
 * that DIR alone then shows what the overlay of DIR and UPPER showed; then
 * UPPER is emptied.
 *
 * First everything new is built in a staging dir inside DIR (same
 * filesystem, so renames place it): every added or changed entry, with its
 * data, owner, mode, times and xattrs (the overlay's own left out), hard
 * links of the upper linked again.  Reading the lowers (a moved dir's
 * content) is done before DIR changes at all.  Then, in the changes' order
 * (parents first): a deleted name is removed; a dir that replaces what is
 * at its place (new, opaque, moved) goes in whole by one rename; a changed
 * dir that merges takes its metadata and its changed names one by one; a
 * file goes in by a rename over the old one.  So each file changes
 * atomically; a run that fails midway leaves DIR with some changes made
 * and the upper as it was (run it again: what is in place already is
 * replaced by the same).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <linux/openat2.h>
#include <unistd.h>
#include "fsutil.h"
#include "layers_check.h"
#include "upper_tools.h"

struct change {
	char *path;                     /* canonical overlay path */
	char kind;
	bool dir, replaces;             /* a dir; one that goes in whole */
	struct timespec times[2];       /* a dir's, set once its names are in */
	struct change *next;
};

struct committer {
	const char *upper, *target;
	int tfd;                        /* DIR */
	int sfd;                        /* the staging dir in it */
	char stage[32];                 /* its name */
	struct change *head, **tail;
	struct upper_link *links;       /* files with several names: their first staged */
	const char *replacing;          /* the last dir that goes in whole: below it, staged only */
	const char *private;            /* the overlay's xattr prefix */
};

static const char *rel(const char *path)
{
	return path[1] ? path + 1 : ".";
}

static int report(struct committer *c, const char *what, const char *path, int err)
{
	fprintf(stderr, "ovlrun commit %s: %s %s: %s\n", c->upper, what, path, strerror(-err));
	return err;
}

static int set_xattr(void *ctx, const char *name, const void *value, size_t size)
{
	return lsetxattr(ctx, name, value, size, 0) ? -errno : 0;
}

/* Owner, mode, xattrs and times of st on staged path p. */
static int set_meta(struct committer *c, const char *p, const struct stat *st, int sdirfd,
		    const char *sname)
{
	char proc[64 + PATH_MAX];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", c->sfd, p);
	int err = fchownat(c->sfd, p, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
	if (!err && !S_ISLNK(st->st_mode) && fchmodat(c->sfd, p, st->st_mode & 07777, 0))
		err = -errno;
	if (!err)
		err = upper_xattrs(c->private, sdirfd, sname, set_xattr, proc);
	struct timespec t[2] = { st->st_atim, st->st_mtim };
	if (!err && utimensat(c->sfd, p, t, AT_SYMLINK_NOFOLLOW))
		err = -errno;
	return err;
}

static int copy_file(int from, int to)
{
	for (;;) {
		ssize_t n = copy_file_range(from, NULL, to, NULL, 1 << 30, 0);
		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno != EXDEV && errno != ENOSYS && errno != EOPNOTSUPP && errno != EINVAL)
			return -errno;
		char buf[65536];
		while ((n = read(from, buf, sizeof(buf))) > 0)
			if (write(to, buf, (size_t)n) != n)
				return -EIO;
		return n < 0 ? -errno : 0;
	}
}

/* The entry of it, made in the staging dir at its path. */
static int stage(struct committer *c, const struct ovl_upper_item *it)
{
	const struct stat *st = it->st;
	const char *p = rel(it->path);
	const char *first = upper_link_first(&c->links, st, p);
	if (first)
		return linkat(c->sfd, first, c->sfd, p, 0) ? -errno : 0;
	int err = 0;
	if (S_ISDIR(st->st_mode)) {
		err = mkdirat(c->sfd, p, 0700) ? -errno : 0;
	} else if (S_ISREG(st->st_mode)) {
		int from = openat(it->dirfd, it->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		int to = from < 0 ? -1 : openat(c->sfd, p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		err = from < 0 || to < 0 ? -errno : copy_file(from, to);
		if (from >= 0)
			close(from);
		if (to >= 0)
			close(to);
	} else if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(it->dirfd, it->name, target, sizeof(target) - 1);
		err = n < 0 ? -errno : (target[n] = 0, symlinkat(target, c->sfd, p) ? -errno : 0);
	} else if (S_ISSOCK(st->st_mode)) {
		return 0;               /* a socket is its listener's: none to keep */
	} else {
		err = mknodat(c->sfd, p, st->st_mode & S_IFMT, st->st_rdev) ? -errno : 0;
	}
	if (!err)
		err = set_meta(c, p, st, it->dirfd, it->name);
	return err;
}

static int remember(struct committer *c, const struct ovl_upper_item *it, bool replaces)
{
	struct change *ch = calloc(1, sizeof(*ch));
	if (!ch || !(ch->path = strdup(it->path))) {
		free(ch);
		return -ENOMEM;
	}
	ch->kind = it->kind;
	ch->dir = it->st && S_ISDIR(it->st->st_mode);
	ch->replaces = replaces;
	if (it->st) {
		ch->times[0] = it->st->st_atim;
		ch->times[1] = it->st->st_mtim;
	}
	*c->tail = ch;
	c->tail = &ch->next;
	return 0;
}

/* The dir in DIR that holds path (an O_PATH fd) and path's last name: its
 * dirs taken beneath DIR and through no symlink, so that no change of the
 * commit lands outside DIR, whatever DIR holds (one that is not the lower
 * the upper was made on may have a symlink where the upper has a dir).
 * -ELOOP, -EXDEV or -ENOTDIR then. */
static int parent_in(const struct committer *c, const char *path, const char **name)
{
	char dir[OVL_PATH_MAX];
	if (split_parent(path, dir, name))
		return -EINVAL;
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	return openat2_long(c->tfd, dir[1] ? dir + 1 : ".", &how);
}

/* lstat of path in DIR (parent_in's rules): 0, -ENOENT, -errno. */
static int target_stat(const struct committer *c, const char *path, struct stat *st)
{
	const char *name;
	int pfd = parent_in(c, path, &name);
	if (pfd < 0)
		return pfd;
	int err = fstatat(pfd, name, st, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
	close(pfd);
	return err;
}

static bool below(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) && path[n] == '/';
}

static int one(void *ctx, const struct ovl_upper_item *it)
{
	struct committer *c = ctx;
	bool inside = c->replacing && below(it->path, c->replacing);
	if (it->kind == 'D')
		return it->below_opaque || inside ? 0 : remember(c, it, false);
	int err = stage(c, it);
	if (err)
		return report(c, "staging", it->path, err);
	if (inside)
		return 0;       /* goes in with the dir above it */
	struct stat t;
	bool dir = S_ISDIR(it->st->st_mode);
	int there = target_stat(c, it->path, &t);
	if (there && there != -ENOENT)
		return report(c, "looking in the target at", it->path, there);
	/* a dir goes in whole unless it merges with one there */
	bool replaces = dir && (it->opaque || it->moved || it->kind == 'A' || there ||
				!S_ISDIR(t.st_mode));
	if (replaces) {
		free((char *)c->replacing);
		c->replacing = strdup(it->path);
		if (!c->replacing)
			return -ENOMEM;
	}
	return remember(c, it, replaces);
}

/* Put the staged entry at path into DIR, over what is there. */
static int place(struct committer *c, const struct change *ch)
{
	const char *p = rel(ch->path), *name;
	int pfd = parent_in(c, ch->path, &name);
	if (pfd < 0)
		return pfd;
	struct stat t, s;
	bool there = !fstatat(pfd, name, &t, AT_SYMLINK_NOFOLLOW);
	int err = 0;
	if (ch->dir && !ch->replaces) {
		/* merges with the dir there: its metadata, its names later */
		int dfd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dfd);
		if (dfd < 0 || fstatat(c->sfd, p, &s, AT_SYMLINK_NOFOLLOW) ||
		    fchown(dfd, s.st_uid, s.st_gid) || fchmod(dfd, s.st_mode & 07777))
			err = -errno;
		if (!err)
			err = upper_xattrs(NULL, c->sfd, p, set_xattr, proc);  /* (staged: as is) */
		if (dfd >= 0)
			close(dfd);
	} else {
		/* a dir (or a file over a dir) cannot be renamed over a dir with names */
		if (there && (S_ISDIR(t.st_mode) || ch->dir))
			err = remove_tree_at(pfd, name, false);
		if (!err && renameat(c->sfd, p, pfd, name))
			err = -errno;
	}
	close(pfd);
	return err;
}

static int apply(struct committer *c)
{
	int err = 0;
	for (struct change *ch = c->head; !err && ch; ch = ch->next) {
		if (ch->kind == 'D') {
			const char *name;
			struct stat t;
			int pfd = parent_in(c, ch->path, &name);
			err = pfd < 0 ? pfd : 0;
			if (!err && !fstatat(pfd, name, &t, AT_SYMLINK_NOFOLLOW))
				err = remove_tree_at(pfd, name, false);
			if (pfd >= 0)
				close(pfd);
			/* (no parent there: nothing to remove) */
			if (err == -ENOENT)
				err = 0;
			if (err)
				report(c, "removing", ch->path, err);
			continue;
		}
		if ((err = place(c, ch)))
			report(c, "placing", ch->path, err);
	}
	/* a merged dir's times once its names changed */
	for (struct change *ch = c->head; !err && ch; ch = ch->next) {
		if (!ch->dir || ch->replaces || ch->kind == 'D')
			continue;
		const char *name;
		int pfd = parent_in(c, ch->path, &name);
		err = pfd < 0 ? pfd : utimensat(pfd, name, ch->times, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
		if (pfd >= 0)
			close(pfd);
		if (err)
			report(c, "setting the times of", ch->path, err);
	}
	return err;
}

/* Everything in the upper dir goes: it then adds nothing to DIR. */
static int empty_upper(struct committer *c, int ufd)
{
	int dfd = openat(ufd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d)
		return report(c, "emptying", c->upper, -errno);
	int err = 0;
	for (struct dirent *de; !err && (de = readdir(d));)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			err = remove_tree_at(ufd, de->d_name, false);
	closedir(d);
	return err ? report(c, "emptying", c->upper, err) : 0;
}

int upper_commit(struct upper_view *v)
{
	struct committer c = { .upper = v->upper, .target = v->lower[0], .sfd = -1,
			       .private = v->xattr_prefix };
	c.tail = &c.head;
	/* its removals would reach into a mount below it (a bind of host data) */
	char mount[PATH_MAX];
	int below = layers_mount_below(c.target, mount);
	if (below < 0)
		return report(&c, "reading the mounts below", c.target, below);
	if (below) {
		fprintf(stderr, "ovlrun commit %s: %s has a mount below it (%s): its removals "
			"would reach into it; commit into a dir with no mounts below\n", c.upper,
			c.target, mount);
		return -EXDEV;
	}
	c.tfd = open(c.target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.tfd < 0)
		return report(&c, "opening", c.target, -errno);
	int err = 0;
	for (unsigned i = 0; i < 100; i++) {
		snprintf(c.stage, sizeof(c.stage), ".ovlrun-commit.%u.%u", (unsigned)getpid(), i);
		if (!mkdirat(c.tfd, c.stage, 0700) || errno != EEXIST)
			break;
	}
	c.sfd = openat(c.tfd, c.stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c.sfd < 0)
		err = report(&c, "making the staging dir in", c.target, -errno);
	if (!err)
		err = ovl_upper_changes(v->fs, v->upper_fd, true, one, &c);
	if (!err)
		err = apply(&c);
	if (!err)
		err = empty_upper(&c, v->upper_fd);
	if (c.sfd >= 0)
		close(c.sfd);
	remove_tree_at(c.tfd, c.stage, false);
	close(c.tfd);
	free((char *)c.replacing);
	for (struct change *ch = c.head, *next; ch; ch = next) {
		next = ch->next;
		free(ch->path);
		free(ch);
	}
	upper_links_free(c.links);
	return err;
}
