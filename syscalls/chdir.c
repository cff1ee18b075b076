/* chdir: the kernel changes into the mirror of the overlay directory, so
 * getcwd() and /proc/self/cwd show overlay paths natively. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ovlrun/syscalls.h"
#include "ovlrun/tasks.h"
#include "shadow.h"

int64_t sys_chdir(struct req *r)
{
	r->intent = INTENT_READ;
	char path[PATH_MAX];
	struct ovl_entry e;
	const struct ovl_cred *cred;
	int err = req_path(r, ARG(r, 0), path);
	if (err || (err = req_cred(r, &cred)))
		return err;
	err = req_lookup(r, AT_FDCWD, path, OVL_LOOKUP_FOLLOW | OVL_LOOKUP_DIRECTORY, false, &e);
	if (err)
		return err;
	if (e.type == 0)
		err = -ENOENT;
	else if (!S_ISDIR(e.type))
		err = -ENOTDIR;
	else
		err = ovl_permission(cred, &e.st, OVL_MAY_EXEC);
	if (!err) {
		int fd = shadow_dir(r->sup, e.path, O_PATH);
		err = fd < 0 ? fd : 0;
		if (fd >= 0)
			close(fd);
	}
	ovl_entry_release(&e);
	if (!err)
		err = req_mirror(r, AT_FDCWD, path, OVL_LOOKUP_FOLLOW);
	if (!err)
		tasks_fs_changing(r->sup->tasks, r->pid,  /* kept cwds (tasks.h) */
				  r->have_cred ? r->id.ns_tgid : 0);
	return err ? err : SC_CONTINUE;
}
