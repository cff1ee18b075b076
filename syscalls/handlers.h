/* Every handler, one per trapped syscall. */
#ifndef OVLRUN_SYSCALLS_HANDLERS_H
#define OVLRUN_SYSCALLS_HANDLERS_H
#include "ovlrun/syscalls.h"

#define HANDLERS(X) \
	X(open) X(openat) X(openat2) X(creat) \
	X(stat) X(lstat) X(fstat) X(newfstatat) X(statx) X(statfs) X(fstatfs) \
	X(access) X(faccessat) X(faccessat2) X(readlink) X(readlinkat) \
	X(getdents) X(getdents64) \
	X(mkdir) X(mkdirat) X(mknod) X(mknodat) X(symlink) X(symlinkat) \
	X(rmdir) X(unlink) X(unlinkat) X(rename) X(renameat) X(renameat2) X(link) X(linkat) \
	X(chmod) X(fchmod) X(fchmodat) X(fchmodat2) X(chown) X(lchown) X(fchown) X(fchownat) \
	X(utime) X(utimes) X(futimesat) X(utimensat) X(truncate) X(ftruncate) \
	X(getxattr) X(lgetxattr) X(fgetxattr) X(listxattr) X(llistxattr) X(flistxattr) \
	X(setxattr) X(lsetxattr) X(fsetxattr) X(removexattr) X(lremovexattr) X(fremovexattr) \
	X(chdir) X(execve) X(execveat) X(flock) \
	X(bind) X(connect) \
	X(inotify_init) X(inotify_init1) X(inotify_add_watch) X(inotify_rm_watch)

#define DECLARE(name) int64_t sys_##name(struct req *r);
HANDLERS(DECLARE)
#undef DECLARE
/* fcntl is trapped for its lock commands only (see filter.c) */
int64_t sys_fcntl(struct req *r);
/* sendto is trapped only with a destination address */
int64_t sys_sendto(struct req *r);

#endif
