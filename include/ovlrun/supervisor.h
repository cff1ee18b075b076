/*
 * The supervisor's own modules: their entry points, called by main.c and
 * by each other.  The state they share with the syscall handlers, and its
 * locking, is struct sup (context.h); the handlers never include this
 * file (tests/integration/t_layering.sh).
 */
#ifndef OVLRUN_SUPERVISOR_H
#define OVLRUN_SUPERVISOR_H

#include <stdio.h>
#include <sys/types.h>
#include "ovlrun/context.h"

#define OVLRUN_EXIT_FAILURE 125

#define OVLRUN_SHM_SIZE_DEFAULT (64ULL << 20)
#define OVLRUN_OCI_CACHE_DEFAULT "/var/cache/ovlrun/oci"   /* unpacked image layers */
#define OVLRUN_MAX_SERVERS 512          /* threads serving calls (loop.c): as many as calls are
					 * served at once, never more than this */

/* options.c */
int options_parse(int argc, char **argv, struct options *o);
/* Not run as root: root of a user namespace of ovlrun's own, with a mount
 * namespace it owns; sets sup.rootless (rootless.c).  Exits 125 naming
 * what failed. */
void rootless_enter(struct sup *s);
/* Its namespaces alone (the upper tools read a user's upper there, with
 * the owners a run shows): how many ids past 0 it maps. */
unsigned long rootless_userns(void);
/* oci_image.c, for --lower=oci:DIR[:TAG]: the cache checked (with the
 * host's ids: before rootless_enter), then those entries replaced by their
 * images' layers, unpacked into it (after: a user's run unpacks as root of
 * its namespace); both exit 125 naming what failed. */
void oci_cache_check(struct options *o);
void oci_expand_lowers(struct sup *s);
/* --lower-format's argument: true for oci (exits 125 naming a bad one). */
bool options_lower_format(const char *arg);
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
