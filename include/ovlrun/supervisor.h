/*
 * The supervisor context: the one explicit piece of state shared by the
 * supervisor's modules and the syscall handlers.
 *
 * Locking: serve_lock, a readers-writer lock, is held while a handler runs
 * and while inotify events are relayed.  Held exclusively it guards every
 * field below, the overlay engine and the inotify state, so a call that
 * changes anything runs alone.  The calls that only look (sc_shared: the
 * stat, access, readlink, getdents and getxattr families, opens that
 * neither create, truncate nor write, and the calls trapped only to drop
 * kept state) hold it shared and run at once, while no instance of the
 * sandbox's inotify exists; what they touch that is shared has a lock of
 * its own, a leaf taken under serve_lock and never the other way: the
 * engine's dcache and listing cache (overlay/internal.h), mount ids
 * (mount_ids.c), kept thread state (tasks.h), the shadow's binds
 * (shadow_binds.h).  Setup fields (opt ... shadow_fd) are written before
 * the threads start and only read after.
 */
#ifndef OVLRUN_SUPERVISOR_H
#define OVLRUN_SUPERVISOR_H

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <sys/types.h>
#include "ovlrun/overlay.h"

#define OVLRUN_EXIT_FAILURE 125

#define OVLRUN_MAX_BINDS 16
#define OVLRUN_SHM_SIZE_DEFAULT (64ULL << 20)
#define OVLRUN_MAX_ENV 64
#define OVLRUN_MAX_SERVERS 512          /* threads serving calls (loop.c): as many as calls are
					 * served at once, never more than this */

struct pty_relay;
struct mount_ids;
struct shadow_binds;
struct stats;
struct tasks;

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

struct sup {
	struct options opt;
	struct ovl_fs *fs;
	int notify_fd;                  /* seccomp listener, -1 until received */
	pid_t init_pid;                 /* host pid of the sandbox's init */
	char staging[PATH_MAX];         /* supervisor-only tmpfs holding shadow root and layer mounts */
	char shadow[PATH_MAX];          /* staging + "/root": the sandbox's kernel root */
	size_t shadow_len;
	int shadow_fd;                  /* O_DIRECTORY fd of the shadow root */
	int sandbox_root_fd;            /* O_PATH fd of the command's root (its copy of the shadow), -1 until it runs */
	char lower_prefix[OVL_MAX_LOWER][PATH_MAX]; /* where lower i is mounted, as readlink shows it */
	char upper_prefix[PATH_MAX];    /* where the upper dir is reachable, "" if read-only */
	struct mount_ids *mnt;          /* which mounts are whose (shadow.h: mount_kind) */
	struct shadow_binds *binds;     /* the shadow's bind mounts, bounded: own lock (shadow_binds.h) */
	int upper_fd, work_fd;          /* through the nosuid,nodev upper mount */
	bool work_created;              /* remove the work dir at exit */
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
	struct pty_relay *pty;          /* the sandbox's terminal (pty.c), NULL without one */
	struct stats *stats;            /* --stats (stats.h; its own atomics), else NULL */
	struct tasks *tasks;            /* the threads' credentials and cwds (tasks.h; its own lock) */
	int pty_index;                  /* its /dev/pts number inside, -1 without one */
	pthread_rwlock_t serve_lock;    /* see the top of this file */
};

/* options.c */
int options_parse(int argc, char **argv, struct options *o);
void options_usage(FILE *out);

/* mounts.c: staging area, layer mounts, shadow root skeleton */
int mounts_setup(struct sup *s);
void mounts_teardown(struct sup *s);

/* sandbox.c: start the sandbox's init and the command; returns init's host
 * pid and leaves the control socket in s->ctl_sock */
pid_t sandbox_start(struct sup *s);

/* filter.c: build and install the filter; returns the listener fd */
int filter_install(void);

/* loop.c: serve notifications until init exits; returns the exit status */
int loop_run(struct sup *s);

void die_setup(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
