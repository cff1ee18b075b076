/*
 * The calls that change what tasks.h keeps of a thread: its credentials
 * (set*id, setgroups, capset) and its process's umask and cwd (umask,
 * fchdir; chdir and execve say so in their own handlers).  They are
 * trapped only to drop what was kept; the kernel then runs them as
 * always (no argument is a path: nothing to re-resolve).
 */
#include "ovlrun/tasks.h"
#include "handlers.h"

#define CHANGES(name, what)                            \
	int64_t sys_##name(struct req *r)              \
	{                                              \
		tasks_changed(r->sup->tasks, what);    \
		return SC_CONTINUE;                    \
	}

CHANGES(setuid, TASKS_CRED)
CHANGES(setgid, TASKS_CRED)
CHANGES(setreuid, TASKS_CRED)
CHANGES(setregid, TASKS_CRED)
CHANGES(setresuid, TASKS_CRED)
CHANGES(setresgid, TASKS_CRED)
CHANGES(setfsuid, TASKS_CRED)
CHANGES(setfsgid, TASKS_CRED)
CHANGES(setgroups, TASKS_CRED)
CHANGES(capset, TASKS_CRED)
/* The cwd and umask are the process's: its other threads keep neither
 * until the change is seen made (tasks.h).  The caller's credentials first:
 * they name its process. */
#define CHANGES_FS(name)                                                     \
	int64_t sys_##name(struct req *r)                                    \
	{                                                                    \
		const struct ovl_cred *cred;                                 \
		(void)req_cred(r, &cred);                                    \
		tasks_fs_changing(r->sup->tasks, r->pid,                     \
				  r->have_cred ? r->id.ns_tgid : 0);         \
		return SC_CONTINUE;                                          \
	}

CHANGES_FS(umask)
CHANGES_FS(fchdir)
