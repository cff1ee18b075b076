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
#include "ovlrun/context.h"
#include "ovlrun/overlay.h"
#include "ovlrun/tasks.h"

/* Handler results besides a value >= 0 or a negative errno. */
#define SC_CONTINUE (-100000)   /* let the kernel run the call (inside the shadow root);
				 * handlers.h lists where and why that is safe */
/* req_lookup result for a handler that set want_obj: the call acts on
 * r->obj, an object outside the overlay that the supervisor holds. */
#define SC_OBJECT (-100001)

/* What the call will do with what it names; decides how far the kernel
 * may act on an fd the sandbox did not make (stdio from the host). */
enum req_intent {
	INTENT_MODIFY = 0,              /* change metadata or names (the default) */
	INTENT_READ,                    /* look only: stat, readlink, getxattr, exec */
	INTENT_OPEN,                    /* open with the access in open_acc */
};

/* What r->obj is (SC_OBJECT). */
enum obj_kind {
	OBJ_NONE = 0,                   /* r->obj holds nothing */
	OBJ_PASS,                       /* in a kernel-served mount, or a copy of the tracee's fd:
					 * the kernel's own checks, made as the tracee, decide */
	OBJ_HOST,                       /* a host object through a /proc fd link: never more
					 * access than that fd has (obj_acc) */
	OBJ_UNLINKED,                   /* an unlinked layer file through a /proc fd link */
	OBJ_MOUNTS,                     /* a /proc/<pid>/mountinfo: an O_RDONLY fd of the real one */
	OBJ_MOUNTS_TABLE,               /* a /proc/<pid>/mounts: the same (mountinfo's) */
	OBJ_RENUMBERED,                 /* a stat's copy of the tracee's fd of an upper file
					 * that reports other ids (obj_dev, obj_ino) */
	OBJ_GONE_DIR,                   /* a stat's copy of a removed dir's mirror: obj_st is
					 * what it reports (the shadow kept it) */
};

/* --trace: the strings the handler read (req_string), so that the trace
 * shows them without reading the tracee's memory again (trace.c). */
#define REQ_TRACE_STRINGS 3
struct req_trace {
	int n;
	uint64_t addr[REQ_TRACE_STRINGS];
	char str[REQ_TRACE_STRINGS][PATH_MAX];
};

struct req {
	struct sup *sup;
	enum req_intent intent;
	int open_acc;                   /* INTENT_OPEN: O_RDONLY, O_WRONLY or O_RDWR */
	bool stat_only;                 /* a stat: the kernel's answer on a real file the
					 * overlay shows as it is would be the call's */
	bool fs_wide;                   /* a statfs: every object of the overlay answers as
					 * the overlay, never as its real file's filesystem */
	bool via_engine;                /* an upper file's call goes through the engine too
					 * (it keeps state beside the file: inode flags) */
	const struct seccomp_notif *n;
	pid_t pid;                      /* the trapping thread (supervisor's pid ns) */
	bool have_cred;
	bool umask_ok;                  /* id.cred.umask is current (req_cred_umask) */
	struct task_ids id;             /* lazily read, or kept from the thread's last call
					 * (tasks.h): credentials, real ids, its ids in the
					 * sandbox's pid namespace */
	/* Set by a handler that acts itself on what the kernel would have
	 * re-resolved (an INTENT_MODIFY or INTENT_OPEN call): req_lookup then
	 * answers SC_OBJECT instead of SC_CONTINUE where it can hold the object,
	 * which the handler closes. */
	bool want_obj;
	int obj;                        /* an O_PATH fd, or as obj_kind says */
	enum obj_kind obj_kind;
	int obj_acc;                    /* OBJ_HOST: O_RDONLY, O_WRONLY, O_RDWR or -1 (none) */
	dev_t obj_dev;                  /* OBJ_RENUMBERED: the st_dev and st_ino to report, */
	ino_t obj_ino;
	struct stat obj_st;             /* and the object's own stat, just taken */
	uint64_t stale_seen;            /* stale.c: the generation this call's fds were
					 * last brought up to (0: not yet) */
	struct req_trace *trace;        /* NULL without --trace */
	bool answered;                  /* the answer went with an added fd (req_addfd) */
	/* Called by whoever sends the answer, just before it goes (NULL: no
	 * one to tell): from then on the tracee runs on, and the serving
	 * thread does nothing that could block before it receives again. */
	void (*answering)(struct req *r);
	void *answering_arg;
	char *scratch;                  /* the serving thread's buffer of REQ_SCRATCH_SIZE bytes
					 * (directory listings, xattr values and lists) */
};
#define REQ_SCRATCH_SIZE (1 << 20)

#define ARG(r, i) ((r)->n->data.args[i])

typedef int64_t (*sc_handler)(struct req *r);

/* confine.c: called by the command (after no_new_privs, before its
 * filter): a Landlock domain with every file-system right beneath its root
 * and none elsewhere, which bounds what the kernel resolves for it.  0, or
 * -errno (ENOSYS, EOPNOTSUPP: no Landlock). */
int sc_confine(void);

/* table.c: the handler of a syscall number, NULL if none */
sc_handler sc_lookup(int nr);
/* The trapped syscall numbers (for the filter). */
const int *sc_trapped(int *count);
/* The name of a trapped syscall number, NULL if none. */
const char *sc_name(int nr);
/* The call must run alone (context.h: locking). */
bool sc_alone(const struct seccomp_data *d);
/* The call makes mirrors or binds in the shadow of what it looked up:
 * paths must not move meanwhile (overlay.h: ovl_paths_hold).  open holds
 * them itself, only where it mirrors (a copy-up must not hold them). */
bool sc_keeps_paths(const struct seccomp_data *d);

/* trace.c (--trace): keep a string the handler read; print the call as
 * strace does, in one write to stderr. */
void trace_keep(struct req_trace *t, uint64_t addr, const char *str);
void trace_call(const struct req *r, int64_t rv);

/* common.c: tracee access */
int req_cred(struct req *r, const struct ovl_cred **c);
/* The same with a current umask, for calls that create. */
int req_cred_umask(struct req *r, const struct ovl_cred **c);
int req_string(struct req *r, uint64_t addr, char *buf, size_t size);
int req_path(struct req *r, uint64_t addr, char *buf);      /* PATH_MAX buffer */
int req_read(struct req *r, uint64_t addr, void *buf, size_t len);
int req_write(struct req *r, uint64_t addr, const void *buf, size_t len);
int req_valid(struct req *r);
/* A small /proc file, NUL-terminated: its length, or err. */
ssize_t req_read_proc(const char *path, char *buf, size_t size, int err);
int req_getfd(struct req *r, int fd);                         /* dup of the tracee's fd */
void req_signal(struct req *r, int sig);                      /* to the trapping thread */
/* The open flags and offset of the tracee's fd (its fdinfo). */
int req_fd_state(struct req *r, int fd, int *flags, off_t *pos);
/* The same for fd N of the process whose /proc dir is dir (a task dir too). */
int req_fdinfo(const char *dir, int fd, int *flags, off_t *pos);
/* 0 if fd is an open file the fd-only calls (fchmod, fgetxattr, getdents,
 * ...) take; -EBADF for a closed or O_PATH fd, as the kernel answers. */
int req_fd_open_file(struct req *r, int fd);
/* Install fd (closed) in the tracee: its number, which the handler then
 * returns at once (it may be the answer already: r->answered).  flags:
 * what fd was opened with (O_CLOEXEC, the access mode). */
int req_addfd(struct req *r, int fd, int flags);

/* sent.c: files given to the command with the answer while our copy is
 * still open; an exec of one (ETXTBSY) and a lock call on one (the lock
 * would outlive the command's close) wait for it. */
struct sent *sent_new(void);
void sent_free(struct sent *w);
/* -ENOSPC when full: then the fd is not sent with the answer. */
int sent_add(struct sent *w, dev_t dev, ino_t ino);
void sent_del(struct sent *w, dev_t dev, ino_t ino);
/* Return once no such copy of (dev, ino) is open (NULL: none kept). */
void sent_wait(struct sent *w, dev_t dev, ino_t ino);
int req_setfd(struct req *r, int fd, int target, bool cloexec); /* fd (closed) replaces the tracee's target */

/* stale.c: the tracee's fd (a lower file's at overlay path canon; copy: our
 * copy of it) replaced by an fd of the file's upper copy, made first when
 * copy_up; 0 also when there is none (then the fd keeps its file). */
int req_fd_to_upper(struct req *r, int fd, int copy, const char *canon, bool copy_up);
/* Before a call is handled, and before it is answered: replace the
 * calling process's fds of lower files copied up since its last look
 * (cheap when nothing was). */
void req_refresh_fds(struct req *r);
/* The replacements made (stale.c), so that fds sharing a description
 * share its replacement. */
struct stale *stale_new(void);
void stale_free(struct stale *t);

/* tracee.c: the tracee's file-system identity on the serving thread (only),
 * so the kernel checks what the supervisor does for it as it would check
 * the tracee; req_unbecome restores the supervisor's. */
struct req_saved {
	const struct sup_identity *self; /* what to go back to */
	bool groups, gid, uid, caps;    /* what was changed */
};
int req_become(struct req *r, struct req_saved *sv);
void req_unbecome(struct req_saved *sv);
/* Read the calling thread's identity (before the serving threads start). */
int req_identity_read(struct sup_identity *id);

/* common.c: what a tracee fd or cwd is */
enum fd_kind { FD_MIRROR, FD_LOWER, FD_UPPER, FD_OTHER };
int req_fd_kind(struct req *r, int fd, char *canon, enum fd_kind *kind);
/* The same for an fd of the supervisor's own (a copy it took). */
int req_own_fd_kind(struct req *r, int fd, char *canon, enum fd_kind *kind);
/* copy (the supervisor's copy of a tracee fd) is an upper file the overlay
 * no longer names (removed while open): the engine answers for it by the
 * fd (its flags, its xattrs' names), the kernel for the rest. */
bool req_unlinked_upper(struct req *r, int copy);
/* Resolve (dirfd, path) in the overlay; returns 0, SC_CONTINUE (the walk
 * reached a kernel-served mount: the shadow was made to agree) or -errno.
 * AT_EMPTY_PATH semantics when empty_ok and path is "". */
int req_lookup(struct req *r, int dirfd, const char *path, unsigned flags,
	       bool empty_ok, struct ovl_entry *e);
/* If (dirfd, path) names a file of the upper layer through a tracee fd
 * (AT_EMPTY_PATH, or /proc/<pid>/fd/N), even an unlinked one: 1 and an
 * O_PATH fd of it in *out; 0 if not. */
int req_upper_fd(struct req *r, int dirfd, const char *path, bool empty_ok, int *out);
/* readlink of a /proc/<pid>[/task/<tid>]/{fd/N,cwd,exe,root} (every pid
 * form; path may be relative to a /proc dirfd) naming an overlay object: its
 * overlay path (the kernel would show the supervisor's own mount path).
 * The length, SC_CONTINUE if not such a link, or -errno (EACCES: another
 * process the kernel's ptrace rules keep the tracee from). */
int req_magic_readlink(struct req *r, int dirfd, const char *path, char *out, size_t size);
/* Make the shadow agree with the overlay along (dirfd, path). */
int req_mirror(struct req *r, int dirfd, const char *path, unsigned flags);
/* Close r->obj if held. */
void req_obj_release(struct req *r);

/* object.c: what the supervisor does itself on r->obj (SC_OBJECT), as the
 * tracee.  Open it (flags of open(2)): the fd installed in the tracee, or
 * -errno. */
int64_t obj_open(struct req *r, int flags);
/* The attribute and xattr calls on it: 0 or -errno. */
int obj_chmod(struct req *r, mode_t mode);
int obj_chown(struct req *r, uid_t uid, gid_t gid);
int obj_utimens(struct req *r, const struct timespec ts[2]);
int obj_truncate(struct req *r, off_t len);
int obj_setxattr(struct req *r, const char *name, const void *value, size_t size, int flags);
int obj_removexattr(struct req *r, const char *name);

/* procfs.c: a path under /proc as the kernel resolves it for the tracee. */
enum proc_kind {
	PROC_OTHER,                     /* the kernel's: a /proc path without magic */
	PROC_MAGIC,                     /* <pid>[/task/<tid>]/{fd/N,cwd,root,exe} + tail */
	PROC_MOUNTS,                    /* <pid>[/task/<tid>]/{mountinfo,mounts,mountstats} */
	PROC_AUTOGROUP,                 /* <pid>/autogroup */
	PROC_OUT,                       /* ".." left /proc: out holds the absolute path */
};
struct proc_path {
	enum proc_kind kind;
	char dir[PATH_MAX];             /* the supervisor's path of /proc/<pid>[/task/<tid>] */
	char file[PATH_MAX];            /* MAGIC, MOUNTS, AUTOGROUP: dir + "/fd/N", "/cwd", ... */
	const char *name;               /* "fd", "cwd", "mountinfo", ... */
	int fd;                         /* MAGIC fd/N: N, else -1 */
	bool own;                       /* the tracee's own thread group */
	char out[PATH_MAX];             /* MAGIC: what follows the link; OUT: where it went */
};
/* rest follows "/proc" ("/self/fd/3/x"); 0, or -errno (ENAMETOOLONG). */
int proc_parse(struct req *r, const char *rest, struct proc_path *pp);
/* An O_PATH fd of what the magic link pp->file leads to, reached as the
 * kernel lets the tracee reach it: its ptrace access rules for another
 * process's links.  The fd, or -errno (EACCES, ENOENT). */
int proc_open_link(struct req *r, const struct proc_path *pp);

/* mountinfo.c: the tracee's view of a /proc/<pid>/mountinfo (real: an fd
 * of the real one), without host paths and with the root an overlay (ro:
 * a read-only one), or as /proc/<pid>/mounts (table) made from it; a sealed
 * read-only memfd or -errno. */
int mountinfo_sanitized(int real, bool table, bool ro);

#endif
