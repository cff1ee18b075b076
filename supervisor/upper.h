/* upper.c: the upper and work dirs (setup; errors exit 125). */
#ifndef OVLRUN_UPPER_H
#define OVLRUN_UPPER_H

#include "ovlrun/supervisor.h"
#include "layers_check.h"  /* layers_check_lowers(), called by mounts_setup() */

/* --tmp-upper: make the dir holding upper and work; sets opt.upper/work. */
void upper_make_tmp(struct sup *s);
/* Create (if missing), validate and lock upper and work; fds of both on
 * the host, and in anc the dir whose mount clone holds both. */
void upper_open(struct sup *s, int *upper_host_fd, int *work_host_fd, char *anc);
/* After our mount namespace is made: attach the nosuid,nodev clone holding
 * both (or --tmp-upper=SIZE's tmpfs) under the staging area; sets upper_fd,
 * work_fd, upper_prefix. */
void upper_attach(struct sup *s, int upper_host_fd, int work_host_fd, const char *anc);
/* Remove what this run made and does not keep: the default work dir, the
 * --tmp-upper dir, and, if the command never ran (init_pid unset), a new
 * upper and --work dir.  Idempotent; also run at exit. */
void upper_cleanup(struct sup *s);

#endif
