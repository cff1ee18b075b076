/*
 * Which lower non-directories may have been copied up in this run: a Bloom
 * filter of their (st_dev, inode), marked before each copy-up begins.
 *
 * Why: a tracee's fd opened on a lower file goes on naming that lower file,
 * which is what the overlay shows for as long as it was not copied up (it
 * may be renamed away or removed, and the fd still shows the same object,
 * as on overlayfs).  A "no" here lets a call on such an fd (fstat) be
 * answered by the kernel from the real file, without reading the fd's path
 * and looking it up; a "maybe" (a copy-up, or a collision) costs that
 * lookup.  Copy-ups of earlier runs do not matter: an fd opened in this run
 * on a lower file was opened because nothing was copied up then.
 *
 * Fixed size and lock-free (marks are atomic ORs): it fills as copy-ups
 * accumulate, so that after ~10^5 copy-ups most answers are "maybe", which
 * is slower, never wrong.
 */
#include <stdatomic.h>
#include "internal.h"

static uint64_t mix(uint64_t x)
{
	/* splitmix64's finalizer */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The filter's two bit numbers for an object. */
static void bits(dev_t dev, ino_t ino, uint32_t b[2])
{
	uint64_t h = mix((uint64_t)ino ^ mix((uint64_t)dev));
	b[0] = (uint32_t)h % OVL_COPIED_BITS;
	b[1] = (uint32_t)(h >> 32) % OVL_COPIED_BITS;
}

static void mark(_Atomic uint64_t *filter, dev_t dev, ino_t ino)
{
	uint32_t b[2];
	bits(dev, ino, b);
	for (int i = 0; i < 2; i++)
		atomic_fetch_or(&filter[b[i] / 64], 1ULL << (b[i] % 64));
}

static bool maybe(_Atomic uint64_t *filter, dev_t dev, ino_t ino)
{
	uint32_t b[2];
	bits(dev, ino, b);
	for (int i = 0; i < 2; i++)
		if (!(atomic_load_explicit(&filter[b[i] / 64], memory_order_acquire) &
		      (1ULL << (b[i] % 64))))
			return false;
	return true;
}

void ovl_copied_mark(struct ovl_fs *fs, dev_t dev, ino_t ino)
{
	mark(fs->copied, dev, ino);
}

bool ovl_maybe_copied_up(struct ovl_fs *fs, dev_t dev, ino_t ino)
{
	return maybe(fs->copied, dev, ino);
}

/*
 * The same for lower regular files handed out as fds (ovl_open): a copy-up
 * of one of them may have left fds on the lower file behind, which the
 * caller replaces (ovl_stale_gen).  Copy-ups of files never opened, which
 * most are (an open for writing copies up before it opens), move nothing.
 */
void ovl_opened_mark(struct ovl_fs *fs, dev_t dev, ino_t ino)
{
	mark(fs->opened, dev, ino);
}

void ovl_copied_done(struct ovl_fs *fs, dev_t dev, ino_t ino)
{
	if (maybe(fs->opened, dev, ino))
		ovl_stale_bump(fs);
}

void ovl_stale_bump(struct ovl_fs *fs)
{
	atomic_fetch_add(&fs->stale_gen, 1);
}

uint64_t ovl_stale_gen(struct ovl_fs *fs)
{
	return atomic_load(&fs->stale_gen);
}
