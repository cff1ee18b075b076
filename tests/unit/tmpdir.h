/* Temporary overlay layers for the engine's unit tests. */
#ifndef OVLRUN_TESTS_TMPDIR_H
#define OVLRUN_TESTS_TMPDIR_H

#include <limits.h>
#include "ovlrun/overlay.h"

struct tfs {
	char root[PATH_MAX];            /* mkdtemp dir holding everything below */
	char upper[PATH_MAX];
	char work[PATH_MAX];
	char lower[3][PATH_MAX];        /* lower[0] is the top lower */
	int nlower;
	int upper_fd, work_fd, lower_fd[3];
	bool index;                     /* mount with the inodes index (set before tfs_mount) */
	bool oci;                       /* the lowers in the OCI layer format (the same) */
	bool override_stat;             /* owner records honoured (the same) */
	bool in_userns;                 /* as a user's run (the same) */
	bool no_fh;                     /* file handles cannot be opened (the same) */
	struct ovl_fs *fs;
};

/* Make nlower (1..3) lower dirs, an upper and a work dir (upper unless
 * readonly), without opening the fs yet; populate, then tfs_mount(). */
void tfs_init(struct tfs *t, int nlower, int readonly);
int tfs_mount(struct tfs *t);
void tfs_fini(struct tfs *t);

/* Helpers on host paths under t->root; rel is relative to layer dir. */
void tfs_mkfile(const char *layer_dir, const char *rel, const char *content, mode_t mode);
void tfs_mkdir(const char *layer_dir, const char *rel, mode_t mode);
void tfs_symlink(const char *layer_dir, const char *rel, const char *target);
void tfs_whiteout(const char *layer_dir, const char *rel);
void tfs_opaque(const char *layer_dir, const char *rel);
/* Read a host file into buf (NUL-terminated); returns length or -1. */
int tfs_read(const char *layer_dir, const char *rel, char *buf, size_t size);
/* lstat of layer_dir/rel: 0 or -errno. */
int tfs_lstat(const char *layer_dir, const char *rel, struct stat *st);

/* cmocka fixtures: *state is a struct tfs with 1, 2 or 3 lowers and an
 * upper, or 1 or 2 lowers and no upper (ro); not mounted yet. */
int tfs_setup_1(void **state);
int tfs_setup_2(void **state);
int tfs_setup_3(void **state);
int tfs_setup_ro(void **state);
int tfs_setup_ro2(void **state);
int tfs_teardown(void **state);

/* Open fds of this process (leak checks). */
int tfs_count_fds(void);

struct ovl_cred tfs_root_cred(void);
struct ovl_cred tfs_user_cred(uid_t uid, gid_t gid);

#endif
