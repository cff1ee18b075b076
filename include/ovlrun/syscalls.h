/*
 * Syscall handlers: decode a notification's arguments, call the overlay
 * engine, answer.  They know nothing of layers; the overlay paths they pass
 * are canonical overlay paths.
 */
#ifndef OVLRUN_SYSCALLS_H
#define OVLRUN_SYSCALLS_H

#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "ovlrun/overlay.h"
#include "ovlrun/supervisor.h"

/* Handler results besides a value >= 0 or a negative errno. */
#define SC_CONTINUE (-100000)   /* let the kernel run the call (inside the shadow root) */

/* What the call will do with what it names; decides how far the kernel
 * may act on an fd the sandbox did not make (stdio from the host). */
enum req_intent {
	INTENT_MODIFY = 0,              /* change metadata or names (the default) */
	INTENT_READ,                    /* look only: stat, readlink, getxattr, exec */
	INTENT_OPEN,                    /* open with the access in open_acc */
};

struct req {
	struct sup *sup;
	enum req_intent intent;
	int open_acc;                   /* INTENT_OPEN: O_RDONLY, O_WRONLY or O_RDWR */
	const struct seccomp_notif *n;
	pid_t pid;                      /* the trapping thread (supervisor's pid ns) */
	bool have_cred;
	struct ovl_cred cred;           /* lazily read */
	uid_t ruid;                     /* real ids, for access(2) */
	gid_t rgid;
	uint64_t cap_prm;
};

#define ARG(r, i) ((r)->n->data.args[i])

typedef int64_t (*sc_handler)(struct req *r);

/* table.c: the handler of a syscall number, NULL if none */
sc_handler sc_lookup(int nr);
/* The trapped syscall numbers (for the filter). */
const int *sc_trapped(int *count);

/* common.c: tracee access */
int req_cred(struct req *r, const struct ovl_cred **c);
int req_string(struct req *r, uint64_t addr, char *buf, size_t size);
int req_path(struct req *r, uint64_t addr, char *buf);      /* PATH_MAX buffer */
int req_read(struct req *r, uint64_t addr, void *buf, size_t len);
int req_write(struct req *r, uint64_t addr, const void *buf, size_t len);
int req_valid(struct req *r);
int req_getfd(struct req *r, int fd);                         /* dup of the tracee's fd */
void req_signal(struct req *r, int sig);                      /* to the trapping thread */
/* The open flags and offset of the tracee's fd (its fdinfo). */
int req_fd_state(struct req *r, int fd, int *flags, off_t *pos);
/* 0 if fd is an open file the fd-only calls (fchmod, fgetxattr, getdents,
 * ...) take; -EBADF for a closed or O_PATH fd, as the kernel answers. */
int req_fd_open_file(struct req *r, int fd);
int req_addfd(struct req *r, int fd, bool cloexec);           /* install fd (closed) in the tracee: its number */

/* common.c: what a tracee fd or cwd is */
enum fd_kind { FD_MIRROR, FD_LOWER, FD_UPPER, FD_OTHER };
int req_fd_kind(struct req *r, int fd, char *canon, enum fd_kind *kind);
/* Resolve (dirfd, path) in the overlay; returns 0, SC_CONTINUE (the walk
 * reached a kernel-served mount: the shadow was made to agree) or -errno.
 * AT_EMPTY_PATH semantics when empty_ok and path is "". */
int req_lookup(struct req *r, int dirfd, const char *path, unsigned flags,
	       bool empty_ok, struct ovl_entry *e);
/* If (dirfd, path) names a file of the upper layer through a tracee fd
 * (AT_EMPTY_PATH, or /proc/<pid>/fd/N), even an unlinked one: 1 and an
 * O_PATH fd of it in *out; 0 if not. */
int req_upper_fd(struct req *r, int dirfd, const char *path, bool empty_ok, int *out);
/* readlink of /proc/self/{fd/N,cwd,exe,root} naming a layer file: its
 * overlay path (the kernel would show the supervisor's own mount path).
 * The length, SC_CONTINUE if not such a link, or -errno. */
int req_magic_readlink(struct req *r, const char *path, char *out, size_t size);
/* Make the shadow agree with the overlay along (dirfd, path). */
int req_mirror(struct req *r, int dirfd, const char *path, unsigned flags);

#endif
