/*
 * Where the lower files handed out as fds are in the overlay (and the
 * files whose fds' /proc links name no overlay path: index entries, and
 * upper files deeper than a link shows, real.c).
 *
 * A command's fd of a lower file is the real layer file; a call on it that
 * acts through the overlay (fchmod, fsetxattr, a lock, a replacement after a
 * copy-up) needs the file's overlay path.  The real file's path in its
 * layer was that path while nothing moved; a dir moved with a redirect
 * (redirect.c) or a file renamed since breaks that.  So each open of a
 * lower file records (st_dev, inode) -> overlay path, as of a point in a
 * log of the renames (ovl_handed_moved appends, in O(1)); a query replays
 * the renames logged since onto the path.  A record older than the log's
 * window (HANDED_LOG renames) is unknown, as is one the table dropped: the
 * caller falls back on the layer path.  Either way a record is a hint: the
 * caller checks that the object found there is the fd's.
 *
 * Records: HANDED_BUCKETS chains, newest first, at most HANDED_MAX in all
 * (the oldest of a full chain goes).  handed_lock guards both (a leaf).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define HANDED_BUCKETS 4096u            /* a power of 2 */
#define HANDED_MAX 65536u
#define HANDED_LOG 4096u                /* a power of 2 */

struct handed_rec {
	dev_t dev;
	ino_t ino;
	uint64_t seq;                   /* the renames logged before it: path is as of then */
	char *path;
	struct handed_rec *next;
};
struct handed_move {
	char *from, *to;
	bool exchange;
};
struct ovl_handed {
	struct handed_rec *bucket[HANDED_BUCKETS];
	unsigned nrec;
	_Atomic uint64_t seq;           /* renames logged so far (read without the lock) */
	struct handed_move log[HANDED_LOG]; /* the last ones, at seq % HANDED_LOG */
};

int ovl_handed_init(struct ovl_fs *fs)
{
	pthread_mutex_init(&fs->handed_lock, NULL);
	fs->handed = calloc(1, sizeof(*fs->handed));
	return fs->handed ? 0 : -ENOMEM;
}

void ovl_handed_free(struct ovl_fs *fs)
{
	struct ovl_handed *h = fs->handed;
	if (!h)
		return;
	for (unsigned i = 0; i < HANDED_BUCKETS; i++)
		for (struct handed_rec *r = h->bucket[i], *next; r; r = next) {
			next = r->next;
			free(r->path);
			free(r);
		}
	for (unsigned i = 0; i < HANDED_LOG; i++) {
		free(h->log[i].from);
		free(h->log[i].to);
	}
	free(h);
	fs->handed = NULL;
}

uint64_t ovl_handed_seq(struct ovl_fs *fs)
{
	return fs->handed ? atomic_load(&fs->handed->seq) : 0;
}

static unsigned bucket_of(dev_t dev, ino_t ino)
{
	uint64_t x = ((uint64_t)ino ^ ((uint64_t)dev << 40)) * 0x9e3779b97f4a7c15ULL;
	return (unsigned)(x >> 52) & (HANDED_BUCKETS - 1);
}

void ovl_handed_record(struct ovl_fs *fs, dev_t dev, ino_t ino, const char *canon, uint64_t seq)
{
	struct ovl_handed *h = fs->handed;
	struct handed_rec *n = h ? malloc(sizeof(*n)) : NULL;
	char *copy = n ? strdup(canon) : NULL;
	if (!copy) {
		free(n);
		return;
	}
	*n = (struct handed_rec){ .dev = dev, .ino = ino, .seq = seq, .path = copy };
	pthread_mutex_lock(&fs->handed_lock);
	struct handed_rec **p = &h->bucket[bucket_of(dev, ino)];
	/* (one record per file: the newest open's) */
	for (struct handed_rec **q = p; *q; q = &(*q)->next)
		if ((*q)->dev == dev && (*q)->ino == ino) {
			struct handed_rec *old = *q;
			*q = old->next;
			free(old->path);
			free(old);
			h->nrec--;
			break;
		}
	if (h->nrec >= HANDED_MAX && *p) {
		struct handed_rec **last = p;   /* a full table: this chain's oldest goes */
		while ((*last)->next)
			last = &(*last)->next;
		free((*last)->path);
		free(*last);
		*last = NULL;
		h->nrec--;
	}
	n->next = *p;
	*p = n;
	h->nrec++;
	pthread_mutex_unlock(&fs->handed_lock);
}

/* The length of from if p is from or below it, else 0. */
static size_t under(const char *p, const char *from)
{
	size_t n = strlen(from);
	return !strncmp(p, from, n) && (p[n] == 0 || p[n] == '/') ? n : 0;
}

/* path after one rename (false: too long now). */
static bool replay(char *path, const struct handed_move *m)
{
	if (!m->from)
		return false;           /* a move not kept (no memory): unknown */
	const char *base = m->to;
	size_t n = under(path, m->from);
	if (!n && m->exchange && (n = under(path, m->to)))
		base = m->from;
	if (!n)
		return true;
	size_t bl = strlen(base), rest = strlen(path + n);
	if (bl + rest >= OVL_PATH_MAX)
		return false;
	memmove(path + bl, path + n, rest + 1);
	memcpy(path, base, bl);
	return true;
}

bool ovl_handed_path(struct ovl_fs *fs, dev_t dev, ino_t ino, char *canon)
{
	struct ovl_handed *h = fs->handed;
	bool known = false;
	if (!h)
		return false;
	pthread_mutex_lock(&fs->handed_lock);
	struct handed_rec *r = h->bucket[bucket_of(dev, ino)];
	while (r && (r->dev != dev || r->ino != ino))
		r = r->next;
	uint64_t now = atomic_load(&h->seq);
	if (r && now - r->seq <= HANDED_LOG) {
		char path[OVL_PATH_MAX];
		strcpy(path, r->path);
		known = true;
		for (uint64_t s = r->seq; s < now && known; s++)
			known = replay(path, &h->log[s % HANDED_LOG]);
		if (known)
			strcpy(canon, path);
	}
	pthread_mutex_unlock(&fs->handed_lock);
	return known;
}

void ovl_handed_moved(struct ovl_fs *fs, const char *from, const char *to, bool exchange)
{
	struct ovl_handed *h = fs->handed;
	char *f = h ? strdup(from) : NULL, *t = f ? strdup(to) : NULL;
	if (!h)
		return;
	pthread_mutex_lock(&fs->handed_lock);
	uint64_t seq = atomic_load(&h->seq);
	struct handed_move *m = &h->log[seq % HANDED_LOG];
	free(m->from);
	free(m->to);
	/* (no memory: a move that matches nothing, and records spanning it
	 * are no better than their layer paths) */
	*m = t ? (struct handed_move){ .from = f, .to = t, .exchange = exchange }
	       : (struct handed_move){ .from = NULL, .to = NULL };
	if (!t)
		free(f);
	atomic_store(&h->seq, seq + 1);
	pthread_mutex_unlock(&fs->handed_lock);
}
