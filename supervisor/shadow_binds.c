/*
 * The shadow root's bind mounts, bounded (shadow_binds.h).
 *
 * A bind is needed while the kernel resolves the path of the call that
 * asked for it (the execve, open or connect answered with CONTINUE), and
 * afterwards while something holds an object opened through it: a running
 * program's executable and ELF interpreter (its mm maps them, and
 * /proc/<pid>/exe names the bind), an open FIFO, an O_PATH fd.  What nobody
 * uses any more can go; asked for again, it is bound again (shadow_bind
 * checks the shadow on every request).  A file's bind also outlives a
 * change of its name in the overlay (shadow.c: forget_locked): a call
 * answered just before the change still reaches the file it was checked
 * against, and the next request for the name replaces it.
 *
 * Policy, with the table in least-recently-used order: while it holds more
 * than SHADOW_BINDS_MAX binds, the least recently used one is unmounted if
 *  - it was last asked for SHADOW_BINDS_KEEP_MS ago or more, or the table
 *    holds more than SHADOW_BINDS_HARD_MAX (so, with the bound itself, an
 *    exec still in flight between our CONTINUE and the kernel's open of
 *    its file would need hundreds of newer binds AND a long preemption to
 *    lose its bind; it would then fail with EACCES/ENOENT, never run
 *    another file), and
 *  - nothing uses it: shadow.c unmounts without MNT_DETACH, so the kernel
 *    refuses (EBUSY) while a file is open or mapped through the bind or its
 *    copy in the command's namespace (a slave: the unmount propagates to it
 *    and the busy check covers it).  A lazy detach would leave running
 *    programs with a /proc/<pid>/exe of "/" (the kernel's path of a file in
 *    a detached mount).  A bind in use counts as just used and is tried
 *    again when it comes round.
 * So the shadow holds SHADOW_BINDS_MAX binds, more for a moment after a
 * burst (those younger than SHADOW_BINDS_KEEP_MS, up to
 * SHADOW_BINDS_HARD_MAX), plus those in use beyond these (bounded by what
 * the sandbox's processes hold open or run).  Each request tries at most
 * a few unmounts (shadow.c), so a bound exceeded by binds in use costs
 * little.
 *
 * The table follows the shadow: binds_forget when shadow.c removes a
 * mirror, binds_rename when it moves a mirror dir (the binds under it move
 * along).  An entry can still go stale (a mirror replaced by walk_dirs or
 * shadow_mirror): shadow.c checks the mount id at the path before it
 * unmounts, and drops the entry if it is not that mount.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "shadow_binds.h"

/* Binds kept: beyond this, the least recently used that nobody uses go
 * (each costs a mount in the supervisor's and in the command's namespace;
 * fs.mount-max is 100000 per namespace, and the mount tables are read
 * often: mount_ids.c, mountinfo.c). */
#define SHADOW_BINDS_MAX 256
/* A bind asked for less than this ago stays (an exec of it may still be
 * on its way to the kernel's open) unless the table is over the hard bound. */
#define SHADOW_BINDS_KEEP_MS 1000
#define SHADOW_BINDS_HARD_MAX 1024
#define NBUCKETS 2048  /* hash chains; a power of two */

struct bind {
	struct bind *hnext;             /* hash chain */
	struct bind *newer, *older;     /* LRU list */
	uint64_t mnt_id;                /* the supervisor's mount (statx: unique id if the kernel has it) */
	uint64_t used_ns;               /* CLOCK_MONOTONIC of the last request */
	uint32_t hash;
	char path[];                    /* canonical overlay path */
};

struct shadow_binds {
	pthread_mutex_t lock;           /* guards everything below */
	struct bind *bucket[NBUCKETS];
	struct bind *newest, *oldest;
	size_t n;
};

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint32_t hash_of(const char *p)
{
	uint32_t h = 2166136261u;  /* FNV-1a */
	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

struct shadow_binds *binds_new(void)
{
	struct shadow_binds *b = calloc(1, sizeof(*b));
	if (b)
		pthread_mutex_init(&b->lock, NULL);
	return b;
}

void binds_free(struct shadow_binds *b)
{
	if (!b)
		return;
	for (struct bind *e = b->newest, *next; e; e = next) {
		next = e->older;
		free(e);
	}
	pthread_mutex_destroy(&b->lock);
	free(b);
}

struct shadow_binds *binds_lock(struct sup *s)
{
	struct shadow_binds *b = s->binds;
	if (b)
		pthread_mutex_lock(&b->lock);
	return b;
}

void binds_unlock(struct shadow_binds *b)
{
	pthread_mutex_unlock(&b->lock);
}

static struct bind *find(struct shadow_binds *b, const char *canon, uint32_t h)
{
	for (struct bind *e = b->bucket[h & (NBUCKETS - 1)]; e; e = e->hnext)
		if (e->hash == h && !strcmp(e->path, canon))
			return e;
	return NULL;
}

static void lru_unlink(struct shadow_binds *b, struct bind *e)
{
	*(e->newer ? &e->newer->older : &b->newest) = e->older;
	*(e->older ? &e->older->newer : &b->oldest) = e->newer;
	e->newer = e->older = NULL;
}

static void lru_push(struct shadow_binds *b, struct bind *e)
{
	e->older = b->newest;
	e->newer = NULL;
	*(b->newest ? &b->newest->newer : &b->oldest) = e;
	b->newest = e;
}

static void hash_unlink(struct shadow_binds *b, struct bind *e)
{
	struct bind **pp = &b->bucket[e->hash & (NBUCKETS - 1)];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
}

static void hash_push(struct shadow_binds *b, struct bind *e)
{
	struct bind **head = &b->bucket[e->hash & (NBUCKETS - 1)];
	e->hnext = *head;
	*head = e;
}

static void drop(struct shadow_binds *b, struct bind *e)
{
	hash_unlink(b, e);
	lru_unlink(b, e);
	b->n--;
	free(e);
}

static void use(struct shadow_binds *b, struct bind *e)
{
	e->used_ns = now_ns();
	lru_unlink(b, e);
	lru_push(b, e);
}

bool binds_has(struct shadow_binds *b, const char *canon)
{
	return find(b, canon, hash_of(canon)) != NULL;
}

bool binds_touch(struct shadow_binds *b, const char *canon)
{
	struct bind *e = find(b, canon, hash_of(canon));
	if (e)
		use(b, e);
	return e != NULL;
}

int binds_add(struct shadow_binds *b, const char *canon, uint64_t mnt_id)
{
	uint32_t h = hash_of(canon);
	struct bind *e = find(b, canon, h);
	if (!e) {
		size_t len = strlen(canon) + 1;
		e = calloc(1, sizeof(*e) + len);
		if (!e)
			return -ENOMEM;
		memcpy(e->path, canon, len);
		e->hash = h;
		hash_push(b, e);
		lru_push(b, e);
		b->n++;
	}
	e->mnt_id = mnt_id;
	use(b, e);
	return 0;
}

/* Is p canon or (below) under it? */
static bool covers(const char *canon, size_t len, const char *p, bool below)
{
	if (strncmp(p, canon, len))
		return false;
	if (!p[len])
		return true;
	return below && (p[len] == '/' || (len == 1 && canon[0] == '/'));
}

void binds_forget(struct shadow_binds *b, const char *canon, bool below)
{
	if (!below) {
		struct bind *e = find(b, canon, hash_of(canon));
		if (e)
			drop(b, e);
		return;
	}
	size_t len = strlen(canon);
	for (struct bind *e = b->oldest, *next; e; e = next) {
		next = e->newer;
		if (covers(canon, len, e->path, true))
			drop(b, e);
	}
}

/* e's path now starts with to instead of its first flen bytes; false if
 * that is too long (the entry is dropped: its bind stays, untracked). */
static bool repath(struct shadow_binds *b, struct bind **ep, size_t flen, const char *to)
{
	struct bind *e = *ep;
	size_t tlen = strlen(to), rest = strlen(e->path + flen);
	if (tlen + rest >= OVL_PATH_MAX) {
		drop(b, e);
		return false;
	}
	hash_unlink(b, e);
	struct bind *n = malloc(sizeof(*n) + tlen + rest + 1);
	if (!n) {
		lru_unlink(b, e);
		b->n--;
		free(e);
		return false;
	}
	*n = *e;
	memcpy(n->path, to, tlen);
	memcpy(n->path + tlen, e->path + flen, rest + 1);
	n->hash = hash_of(n->path);
	/* n takes e's place in the LRU list */
	*(e->newer ? &e->newer->older : &b->newest) = n;
	*(e->older ? &e->older->newer : &b->oldest) = n;
	free(e);
	*ep = n;
	return true;
}

void binds_rename(struct shadow_binds *b, const char *from, const char *to, bool exchange)
{
	size_t flen = strlen(from), tlen = strlen(to);
	struct bind *moved = NULL;  /* rehashed after the walk: no entry is renamed twice */
	for (struct bind *e = b->oldest, *next; e; e = next) {
		next = e->newer;
		bool in_from = covers(from, flen, e->path, true);
		bool in_to = covers(to, tlen, e->path, true);
		if (!in_from && !in_to)
			continue;
		if (in_from && in_to) {
			/* one inside the other (the overlay refuses that rename) */
			drop(b, e);
			continue;
		}
		if (in_to && !exchange) {
			drop(b, e);  /* replaced: its mounts went with it */
			continue;
		}
		if (repath(b, &e, in_from ? flen : tlen, in_from ? to : from)) {
			e->hnext = moved;
			moved = e;
		}
	}
	while (moved) {
		struct bind *e = moved;
		moved = e->hnext;
		hash_push(b, e);
	}
}

bool binds_victim(struct shadow_binds *b, char *canon, uint64_t *mnt_id)
{
	struct bind *e = b->oldest;
	if (b->n <= SHADOW_BINDS_MAX || !e)
		return false;
	if (b->n <= SHADOW_BINDS_HARD_MAX &&
	    now_ns() - e->used_ns < (uint64_t)SHADOW_BINDS_KEEP_MS * 1000000u)
		return false;  /* so are all the newer ones */
	snprintf(canon, OVL_PATH_MAX, "%s", e->path);
	*mnt_id = e->mnt_id;
	return true;
}

void binds_done(struct shadow_binds *b, const char *canon, bool gone)
{
	struct bind *e = find(b, canon, hash_of(canon));
	if (!e)
		return;
	if (gone)
		drop(b, e);
	else
		use(b, e);
}
