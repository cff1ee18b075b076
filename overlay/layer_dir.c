/* Small lookups into an ovl_dir / ovl_entry shared by the write paths. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include "upper.h"

int ovl_dir_index(const struct ovl_dir *d, int layer)
{
	for (int i = 0; i < d->n; i++)
		if (d->layer[i] == layer)
			return i;
	return -1;
}

int ovl_dir_upper_fd(const struct ovl_dir *d)
{
	return d->n > 0 && d->layer[0] == OVL_UPPER ? d->fd[0] : -1;
}

/* Do a and b name entries of the same overlay directory? */
bool ovl_same_parent(const struct ovl_entry *a, const struct ovl_entry *b)
{
	size_t la = (size_t)(a->name - a->path), lb = (size_t)(b->name - b->path);
	return la == lb && !memcmp(a->path, b->path, la);
}
