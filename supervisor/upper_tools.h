/*
 * ovlrun diff | commit | export: what a run left in an upper, seen, kept
 * or thrown away without running anything (upper_tools.c parses, the
 * engine tells the changes: ovl_upper_changes; upper_diff.c,
 * upper_export.c and upper_commit.c act on them).
 */
#ifndef OVLRUN_UPPER_TOOLS_H
#define OVLRUN_UPPER_TOOLS_H

#include <stdbool.h>
#include <sys/stat.h>
#include "ovlrun/overlay.h"

/* The upper and what it is told against. */
struct upper_view {
	const char *upper;              /* the path given */
	int upper_fd;
	struct ovl_fs *fs;              /* a read-only overlay of the lowers (a placeholder
					 * without them) */
	bool lowers_known;
	bool lower_oci;                 /* --lower-format=oci */
	const char *xattr_prefix;       /* the upper's: "trusted.overlay.", or "user.overlay."
					 * (--userxattr, or run by a user: a rootless upper) */
	bool records;                   /* a rootless upper: owner records are the overlay's */
	int nlower;
	char *lower[OVL_MAX_LOWER];
	char placeholder[64];           /* the empty dir made without lowers, "" if none */
};

/* argv[1] names a subcommand. */
bool upper_tool_named(const char *arg);
/* Run it: the exit status (0, 1 for a usage or an operational error). */
int upper_tool_main(int argc, char **argv);

/* fn for each xattr of dirfd/name (a symlink's too) but, with private
 * (the overlay's prefix), those with that prefix: the overlay's own, and
 * the command's own of that prefix (stored escaped), which outside the
 * overlay would read as overlay metadata; NULL: all.  0, fn's non-zero, or
 * -errno. */
typedef int (*upper_xattr_fn)(void *ctx, const char *name, const void *value, size_t size);
int upper_xattrs(const char *private, int dirfd, const char *name, upper_xattr_fn fn, void *ctx);

/* The names of regular files with several links seen so far (export and
 * commit write a second name as a link to the first). */
struct upper_link {
	dev_t dev;
	ino_t ino;
	char *name;                     /* the first one seen */
	struct upper_link *next;
};
/* A second name of st's file: its first one; else NULL (and name is
 * remembered if the file has other links). */
const char *upper_link_first(struct upper_link **links, const struct stat *st, const char *name);
void upper_links_free(struct upper_link *links);

int upper_diff(struct upper_view *v, bool stat_only);
int upper_export(struct upper_view *v);
int upper_commit(struct upper_view *v);

#endif
