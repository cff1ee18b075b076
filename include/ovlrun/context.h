/*
 * The supervisor context: the one explicit piece of state shared by the
 * supervisor's modules and the syscall handlers.  It declares no
 * functions: the modules depend one way, supervisor -> syscalls ->
 * overlay (tests/integration/t_layering.sh), so what the handlers need of
 * the supervisor's shadow root reaches them through struct shadow_ops,
 * which the supervisor fills (supervisor/shadow.h).
 *
 * Locking: serve_lock, a readers-writer lock, is held while a handler runs
 * and while inotify events are relayed.  Calls hold it shared and run at
 * once: the overlay engine locks what it changes itself (overlay.h), and
 * what else they touch has a lock of its own, a leaf taken under
 * serve_lock and never the other way: the engine's caches
 * (overlay/internal.h), mount ids (mount_ids.c), kept thread state
 * (tasks.h), the shadow's binds (shadow_binds.h), the files sent with
 * answers (sent.c) and the fds replaced after copy-ups (stale.c).  Held
 * exclusively it guards the inotify state: a call runs alone while an
 * instance of the sandbox's inotify or a dnotify registration exists (its
 * events must follow the changes in order), and so do the calls of
 * sc_alone (inotify's own, F_NOTIFY, and bind, which moves the
 * supervisor's cwd).  Calls that mirror what they looked up also
 * hold the engine's paths still (ovl_paths_hold: sc_keeps_paths, and
 * open where it mirrors).  Setup fields (opt ... shadow_fd) are written
 * before the threads start and only read after.
 */
#ifndef OVLRUN_CONTEXT_H
#define OVLRUN_CONTEXT_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>
#include "ovlrun/overlay.h"

#define OVLRUN_MAX_BINDS 16
#define OVLRUN_MAX_ENV 64

struct pty_relay;
struct sup;
struct mount_ids;
struct shadow_binds;
struct stats;
struct tasks;
struct sent;

/* Where a tracee's object lives, by its mount id (statx STATX_MNT_ID):
 * the command's own namespace (a readlink names it by its path inside the
 * sandbox), the supervisor's mounts in its staging area (layers and its
 * side of the shadow: by the supervisor's path), or elsewhere (a host
 * object the command inherited). */
enum mount_kind { MOUNT_OTHER, MOUNT_SANDBOX, MOUNT_STAGING };

/*
 * The shadow root as the handlers use it (syscalls/shadow.h wraps the
 * calls); the supervisor implements it (supervisor/shadow.c, mount_ids.c)
 * and sets sup.shadow_ops before the threads start.  The shadow root is
 * the sandbox's kernel root, a tmpfs that mirrors the overlay only where
 * the kernel itself must resolve a path (directories, symlinks, bind
 * mounts of executables, FIFOs).  Canon: a canonical overlay path.
 */
struct shadow_ops {
	/* mkdir -p of dir canon in the shadow; an O_DIRECTORY fd of the
	 * mirror (caller closes) or -errno.  open_flags are added to
	 * O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC (e.g. O_PATH). */
	int (*dir)(struct sup *s, const char *canon, int open_flags);
	/* The same, but opened through the command's own root (its mount
	 * namespace): the only kind of mirror fd to hand to the command,
	 * since ".." from a dir of the supervisor's mount would climb past
	 * the command's root. */
	int (*dir_for_tracee)(struct sup *s, const char *canon, int open_flags);
	/* For ovl_walk_mirror: recreate a traversed dir or symlink; ctx is
	 * the struct sup. */
	ovl_mirror_fn mirror;
	/* Make canon in the shadow a bind mount of the real object fd (an
	 * executable, a FIFO, a socket, a device node: nodev unless one of
	 * the sandbox's /dev devices), or find it already is one.  The
	 * shadow keeps a bounded number of them (the least recently asked for
	 * that no process uses are unmounted), so call this on every request
	 * that needs one, just before the kernel resolves the path. */
	int (*bind)(struct sup *s, const char *canon, int fd);
	/* The overlay changed at canon: drop what the shadow holds there. */
	void (*forget)(struct sup *s, const char *canon);
	/* Where the object of mount mnt_id lives. */
	enum mount_kind (*mount_kind)(struct sup *s, uint64_t mnt_id);
	/* The overlay path (canon, OVL_PATH_MAX) of mirror dir fd, by its
	 * names in the shadow: for a dir deeper than /proc's links show (a
	 * page).  0, -ENOENT for a removed one, -ENAMETOOLONG for no mirror. */
	int (*dir_path)(struct sup *s, int fd, char *canon);
	/* What the overlay showed of the dir whose removed mirror is (dev,
	 * ino), as the kernel's overlayfs stats a removed dir: false if not
	 * known. */
	bool (*gone_stat)(struct sup *s, dev_t dev, ino_t ino, struct stat *st);
};

struct bind_opt {
	char *src;                      /* host path */
	char *dst;                      /* path inside the sandbox */
	bool ro;
};

struct options {
	int nlower;
	char *lower[OVL_MAX_LOWER];
	char *upper;                    /* NULL: read-only overlay */
	char *work;                     /* NULL: default sibling of upper */
	bool index;                     /* --index=on */
	bool lower_oci;                 /* --lower-format=oci, or an oci: image among the lowers */
	const char *oci_cache;          /* --oci-cache, NULL: OVLRUN_OCI_CACHE_DEFAULT */
	bool tmp_upper;                 /* make an upper, remove it at exit */
	unsigned long long tmp_upper_size; /* --tmp-upper=SIZE: a sized tmpfs holds it; 0: $TMPDIR */
	bool allow_shared_upper;        /* root command, upper other users can reach: the user knows */
	bool net_host;                  /* --net=host: share the host's network namespace */
	unsigned long long shm_size;    /* bytes of the sandbox's /dev/shm tmpfs */
	int nbind;
	struct bind_opt bind[OVLRUN_MAX_BINDS];
	char *chdir;                    /* initial cwd inside, NULL: "/" */
	int nenv;
	char *env[OVLRUN_MAX_ENV];      /* "K=V" sets, "K" unsets, in order */
	long uid, gid;                  /* -1: keep */
	char **argv;                    /* command and arguments */
	bool trace;                     /* --trace, -v: each trapped call to stderr (trace.c) */
	bool stats;                     /* --stats: a table of the calls at exit (stats.c) */
};

/* A serving thread's file-system identity (what req_become changes). */
struct sup_identity {
	uid_t fsuid;
	gid_t fsgid;
	int ngroups;
	gid_t groups[OVL_MAX_GROUPS];
	struct { uint32_t effective, permitted, inheritable; } caps[2];
};

struct sup {
	struct options opt;
	struct ovl_fs *fs;
	int notify_fd;                  /* seccomp listener, -1 until received */
	pid_t init_pid;                 /* host pid of the sandbox's init */
	char staging[PATH_MAX];         /* supervisor-only tmpfs holding shadow root and layer mounts */
	char shadow[PATH_MAX];          /* staging + "/root": the sandbox's kernel root */
	size_t shadow_len;
	const struct shadow_ops *shadow_ops; /* the shadow root's calls for the handlers */
	int shadow_fd;                  /* O_DIRECTORY fd of the shadow root */
	int sandbox_root_fd;            /* O_PATH fd of the command's root (its copy of the shadow), -1 until it runs */
	dev_t dev_nodes[8];             /* the devices of the sandbox's /dev (null, zero, ...), set
					 * before the command runs: the only ones a node in the
					 * overlay may open (shadow.c) */
	int ndev_nodes;
	char **lower_prefix;            /* where lower i is mounted, as readlink shows it (nlower) */
	char upper_prefix[PATH_MAX];    /* where the upper dir is reachable, "" if read-only */
	char index_prefix[PATH_MAX];    /* --index=on: the work dir's index the same way, else "" */
	char work_prefix[PATH_MAX];     /* the work dir the same way ("" without an upper) */
	struct mount_ids *mnt;          /* which mounts are whose (mount_ids.c) */
	struct shadow_binds *binds;     /* the shadow's bind mounts, bounded: own lock (shadow_binds.h) */
	struct shadow_gone *gone;       /* removed dirs' stats by mirror: own lock (shadow_gone.h) */
	int upper_fd, work_fd;          /* through the nosuid,nodev upper mount */
	bool work_created;              /* remove the work dir at exit */
	bool rootless;                  /* run by a user: root of a user namespace of our own,
					 * the upper in the userxattr format (rootless.c) */
	unsigned long mapped_ids;       /* rootless: ids 1..mapped_ids are mapped (0: the user
					 * alone) */
	char work_path[PATH_MAX];
	char upper_rel[PATH_MAX];       /* upper and work dirs relative to the dir whose */
	char work_rel[PATH_MAX];        /* mount clone holds both */
	char tmp_upper[PATH_MAX];       /* --tmp-upper: dir holding upper and work, removed at exit */
	char cwd[PATH_MAX];             /* the command's initial cwd (canonical overlay path) */
	int npass;
	const char *pass[OVL_MAX_PASSTHROUGH]; /* kernel-served overlay paths: /proc, /dev, /sys */
	struct notify *notify;          /* the sandbox's inotify (notify.h), NULL until used */
	int ctl_sock;                   /* receives the listener fd from the command */
	char *args;                     /* ovlrun's own argument strings (argv[0] on), */
	size_t args_len;                /* which the sandbox's init blanks out */
	struct rlimit nofile;           /* RLIMIT_NOFILE as ovlrun got it: the sandbox's (the
					 * supervisor raises its own soft limit to the hard one) */
	struct pty_relay *pty;          /* the sandbox's terminal (pty.c), NULL without one */
	struct stats *stats;            /* --stats (stats.h; its own atomics), else NULL */
	struct tasks *tasks;            /* the threads' credentials and cwds (tasks.h; its own lock) */
	struct sent *sent;              /* files sent with answers, our copy open (syscalls.h; its
					 * own lock) */
	struct stale *stale;            /* fds of lower files replaced by their copies' (syscalls.h;
					 * its own lock) */
	int pty_index;                  /* its /dev/pts number inside, -1 without one */
	pthread_rwlock_t serve_lock;    /* see the top of this file */
	struct sup_identity self;       /* every serving thread's own, set before they start */
};

#endif
