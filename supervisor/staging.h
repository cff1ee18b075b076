/* staging.c: the supervisor's staging area (setup; errors exit 125). */
#ifndef OVLRUN_STAGING_H
#define OVLRUN_STAGING_H

#include <sys/stat.h>
#include "ovlrun/supervisor.h"

/* In ovlrun's private mount namespace: remove stale staging dirs of killed
 * runs, make and lock s->staging, mount its tmpfs; st: the dir's stat (the
 * overlay hides it when it lies inside a lower). */
void staging_make(struct sup *s, struct stat *st);

#endif
