/*
 * The command's Landlock domain: every file-system right, but only beneath
 * its root.  What the kernel resolves for a call the supervisor answered
 * with SC_CONTINUE (handlers.h) is then bounded by the sandbox's own tree,
 * whatever a racing thread made the call name: a /proc/self/fd/N link to
 * a host file (stdio ovlrun inherited) or to a layer file the supervisor
 * opened is never opened, truncated, created in or removed from by the
 * kernel for the command.  Files the supervisor opens and hands over
 * (ADDFD) are not restricted: Landlock checks opens, not the use of an fd.
 * EXECUTE is not handled (execve is policed by the supervisor, and an
 * exec'd file is read through its own open, which READ_FILE covers).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ovlrun/syscalls.h"

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif

/* The rights of a Landlock ABI version, EXECUTE aside. */
static uint64_t rights(int abi)
{
	uint64_t fs = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
		      LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR |
		      LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
		      LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
		      LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
		      LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
	if (abi >= 2)
		fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return fs;
}

int sc_confine(void)
{
	int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
			       LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0)
		return -errno;  /* ENOSYS, EOPNOTSUPP: no Landlock in this kernel */
	struct landlock_ruleset_attr attr = { .handled_access_fs = rights(abi) };
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rs < 0)
		return -errno;
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct landlock_path_beneath_attr beneath = {
		.allowed_access = attr.handled_access_fs,
		.parent_fd = root,
	};
	int err = root < 0 ? -errno : 0;
	if (!err && syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0))
		err = -errno;
	/* the caller has set no_new_privs (Landlock requires it) */
	if (!err && syscall(SYS_landlock_restrict_self, rs, 0))
		err = -errno;
	if (root >= 0)
		close(root);
	close(rs);
	return err;
}
