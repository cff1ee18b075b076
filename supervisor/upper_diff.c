/* ovlrun diff: the upper's changes as docker diff lists a layer's ("A
 * /path", "C /path", "D /path"), or with --stat their counts. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "upper_tools.h"

struct counts {
	bool stat_only;
	unsigned long long n[3];        /* added, changed, deleted */
	unsigned long long bytes;       /* of the added and changed regular files */
};

static int one(void *ctx, const struct ovl_upper_item *it)
{
	struct counts *c = ctx;
	c->n[it->kind == 'A' ? 0 : it->kind == 'C' ? 1 : 2]++;
	if (it->kind != 'D' && it->st && S_ISREG(it->st->st_mode))
		c->bytes += (unsigned long long)it->st->st_size;
	if (!c->stat_only && printf("%c %s\n", it->kind, it->path) < 0)
		return -EIO;
	return 0;
}

int upper_diff(struct upper_view *v, bool stat_only)
{
	struct counts c = { .stat_only = stat_only };
	int err = ovl_upper_changes(v->fs, v->upper_fd, v->lowers_known, one, &c);
	if (!err && stat_only)
		printf("%llu added, %llu changed, %llu deleted; %llu bytes in added and changed files\n",
		       c.n[0], c.n[1], c.n[2], c.bytes);
	if (fflush(stdout))
		err = err ? err : -EIO;
	if (err)
		fprintf(stderr, "ovlrun diff %s: %s\n", v->upper, strerror(-err));
	return err;
}
