/*
 * Every handler, one per trapped syscall.
 *
 * SC_CONTINUE lets the kernel run the call itself, and it then reads the
 * tracee's memory (path, open_how, sockaddr) and fd table again: a sibling
 * thread, or a process that shares them, can change both after the check.
 * So no decision that depends on them ends in SC_CONTINUE unless whatever
 * the kernel may then reach is harmless.  Where the rules below say "the
 * root", they mean the command's root: the read-only view of the shadow
 * (mirror dirs and symlinks, read-only nosuid nodev binds of layer files)
 * with the kernel-served mounts (/proc, /dev, /sys, --bind), and its
 * Landlock domain (confine.c), which gives no file-system right outside it:
 * a /proc/<pid>/fd/N link to a host file or a layer file, which a flipped
 * path can always name, is never opened, truncated, created in or removed
 * from by the kernel for the command.
 *
 * Performed by the supervisor (never SC_CONTINUE):
 *   every call on an overlay path or on an fd of an overlay object, with
 *   the path and struct read once (req_path, req_read) and layer fds;
 *   open of a magic link to a host object (stdio ovlrun inherited: never
 *   more access than its fd has) or to an unlinked file, and of
 *   /proc/<pid>/mountinfo (a copy without host paths): SC_OBJECT, obj_open;
 *   chmod, chown, utimes, truncate, setxattr, removexattr on a path in a
 *   kernel-served mount or on an fd the overlay does not own (an upper
 *   file, an unlinked file, a /dev/shm file...): on the object resolved,
 *   or on a pidfd_getfd copy of the fd (the one classified), as the tracee
 *   (req_become), SC_OBJECT, refused first where the overlay's immutable
 *   or append-only record forbids it (object.c);
 *   a writing open or truncate of a file a sandbox process runs from a
 *   lower: ETXTBSY (busy.c), as the kernel's deny_write_access;
 *   linkat from an fd (the copy it classified), bind of an AF_UNIX path.
 *
 * SC_CONTINUE, the fd's own authority (a dup2 changes which object, never
 * what the call may do with it: the right is the open file's):
 *   ioctl of the inode flags (fileattr.c: an overlay object's are the
 *   engine's; the rest, the kernel's with the command's capabilities, which
 *   hold no LINUX_IMMUTABLE), ftruncate (write access of the file; an
 *   overlay append-only file's refused first), fcntl/flock locks (a lock on a
 *   lower file moves the fd to the upper first; a racing dup2 only puts
 *   the caller's own lock elsewhere), getdents of a served dir fd (read
 *   access), execveat(fd, "", AT_EMPTY_PATH) (exec checks the file itself,
 *   no_new_privs: nothing gained that reading the fd does not give).
 *
 * SC_CONTINUE, no path and no fd to check: set*id, setgroups, capset,
 *   umask, fchdir are trapped only to drop what tasks.h keeps (identity.c).
 *
 * SC_CONTINUE, looking only (a flipped argument reads other metadata, of
 * objects the command can name anyway):
 *   stat, lstat, fstat, newfstatat, statx, statfs, fstatfs, access family,
 *   readlink of a served path or of a host object's fd link.  Residual: a
 *   readlink flipped to a layer file's /proc fd link reads the supervisor's
 *   mount path of the layer (its staging area, no host data).
 *
 * SC_CONTINUE, the kernel resolves a path in the root (a flipped path or
 * open_how reaches only the root; the overlay's objects in it are
 * read-only, the served mounts apply the kernel's own checks to the
 * tracee, and Landlock keeps the kernel inside the root):
 *   execve, execveat (the binary, its #! and ELF interpreters are bound at
 *   their overlay paths);  chdir (a mirror dir: later calls read it back);
 *   connect, sendto to an AF_UNIX path (the socket inode bound in; the
 *   kernel checks write permission on it); bind with an abstract or
 *   unnamed address, another family, or a path in a served mount;
 *   open of a path in a served mount, of a FIFO (bound in; its open blocks
 *   in the tracee) and with O_PATH (ADDFD cannot install O_PATH files; the
 *   object at the path is a mirror or a read-only bind, so O_PATH flipped
 *   to O_RDWR, O_CREAT or O_TRUNC gets EROFS or the kernel's own permission
 *   check on the real file);  mkdir, mknod, symlink, unlink, rmdir in a
 *   served mount.  Symlinks met in served mounts were followed by the
 *   supervisor first (served.c), so a path that leads back into the
 *   overlay or to a magic link is answered there.  Residual: a string
 *   flipped, or a name in /dev/shm or a --bind dir swapped for a symlink,
 *   after the check can still reach any /proc file the command could open
 *   itself, among them the real /proc/<pid>/mountinfo (host paths in its
 *   root fields) and /proc/<pid>/autogroup for writing (the sandbox's own
 *   session's group).
 */
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
	X(inotify_init) X(inotify_init1) X(inotify_add_watch) X(inotify_rm_watch) \
	X(setuid) X(setgid) X(setreuid) X(setregid) X(setresuid) X(setresgid) \
	X(setfsuid) X(setfsgid) X(setgroups) X(capset) X(umask) X(fchdir)

#define DECLARE(name) int64_t sys_##name(struct req *r);
HANDLERS(DECLARE)
#undef DECLARE
/* fcntl is trapped for its lock commands and F_NOTIFY only (see filter.c) */
int64_t sys_fcntl(struct req *r);
/* dnotify.c: fcntl(F_NOTIFY), from sys_fcntl */
int64_t dnotify_fcntl(struct req *r);
/* busy.c: -ETXTBSY if e is a file a sandbox process runs from a lower (or
 * its index entry) that a write through e would reach, as on Linux. */
int busy_check(struct req *r, const struct ovl_entry *e);
/* ioctl is trapped for the inode flags' commands only (fileattr.c, filter.c) */
int64_t sys_ioctl(struct req *r);
/* sendto is trapped only with a destination address */
int64_t sys_sendto(struct req *r);

#endif
