/*
 * Where the lower files handed out as fds are in the overlay.
 *
 * A command's fd of a lower file is the real layer file; a call on it that
 * acts through the overlay (fchmod, fsetxattr, a lock, a replacement after a
 * copy-up) needs the file's overlay path.  The real file's path in its
 * layer was that path while nothing moved; a dir moved with a redirect
 * (redirect.c) or a file renamed since breaks that.  So each open of a
 * lower file records (st_dev, inode) -> overlay path here, and every rename
 * carries the records of what it moves along (ovl_handed_moved).  A
 * record is a hint: the caller checks that the object found there is the
 * fd's.
 *
 * One direct-mapped table (lock: a leaf); a slot taken by another file
 * forgets the older one (the caller then falls back on the layer path).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct ovl_handed_slot {
	dev_t dev;
	ino_t ino;
	char *path;                     /* canonical overlay path, NULL: free */
};
#define HANDED_SLOTS 1024u              /* a power of 2 */

int ovl_handed_init(struct ovl_fs *fs)
{
	pthread_mutex_init(&fs->handed_lock, NULL);
	fs->handed = calloc(HANDED_SLOTS, sizeof(*fs->handed));
	return fs->handed ? 0 : -ENOMEM;
}

void ovl_handed_free(struct ovl_fs *fs)
{
	for (unsigned i = 0; fs->handed && i < HANDED_SLOTS; i++)
		free(fs->handed[i].path);
	free(fs->handed);
	fs->handed = NULL;
}

static struct ovl_handed_slot *slot_of(struct ovl_fs *fs, dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)ino ^ ((uint64_t)dev << 40)) * 0x9e3779b97f4a7c15ULL;
	return &fs->handed[h >> 54 & (HANDED_SLOTS - 1)];
}

void ovl_handed_record(struct ovl_fs *fs, dev_t dev, ino_t ino, const char *canon)
{
	char *copy = fs->handed ? strdup(canon) : NULL;
	if (!copy)
		return;
	pthread_mutex_lock(&fs->handed_lock);
	struct ovl_handed_slot *s = slot_of(fs, dev, ino);
	free(s->path);
	*s = (struct ovl_handed_slot){ .dev = dev, .ino = ino, .path = copy };
	pthread_mutex_unlock(&fs->handed_lock);
}

bool ovl_handed_path(struct ovl_fs *fs, dev_t dev, ino_t ino, char *canon)
{
	if (!fs->handed)
		return false;
	pthread_mutex_lock(&fs->handed_lock);
	struct ovl_handed_slot *s = slot_of(fs, dev, ino);
	bool known = s->path && s->dev == dev && s->ino == ino;
	if (known)
		strcpy(canon, s->path);
	pthread_mutex_unlock(&fs->handed_lock);
	return known;
}

/* The length of from if p is from or below it, else 0. */
static size_t under(const char *p, const char *from)
{
	size_t n = strlen(from);
	return !strncmp(p, from, n) && (p[n] == 0 || p[n] == '/') ? n : 0;
}

void ovl_handed_moved(struct ovl_fs *fs, const char *from, const char *to, bool exchange)
{
	if (!fs->handed)
		return;
	pthread_mutex_lock(&fs->handed_lock);
	for (unsigned i = 0; i < HANDED_SLOTS; i++) {
		struct ovl_handed_slot *s = &fs->handed[i];
		if (!s->path)
			continue;
		const char *base = to;
		size_t n = under(s->path, from);
		if (!n && exchange && (n = under(s->path, to)))
			base = from;
		if (!n)
			continue;
		size_t bl = strlen(base), rest = strlen(s->path + n);
		char *p = bl + rest < PATH_MAX ? malloc(bl + rest + 1) : NULL;
		if (p) {
			memcpy(p, base, bl);
			memcpy(p + bl, s->path + n, rest + 1);
		}
		free(s->path);
		s->path = p;            /* (NULL: too long now, forgotten) */
	}
	pthread_mutex_unlock(&fs->handed_lock);
}
