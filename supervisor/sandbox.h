/* The sandbox side of the setup: what init and the command run before the
 * command's program starts (sandbox.c, sandbox_root.c, netns.c). */
#ifndef OVLRUN_SANDBOX_H
#define OVLRUN_SANDBOX_H

#include "ovlrun/supervisor.h"

/* One line "ovlrun: sandbox setup: WHAT: strerror(errno)", exit 125. */
void sandbox_fail(const char *what) __attribute__((noreturn));

/* In init, in its new mount namespace: /proc, /sys and the masks, then
 * pivot_root into a read-only view of the shadow root. */
void sandbox_root_setup(const struct sup *s);

/* In init, in its new network namespace: bring lo up. */
void sandbox_net_setup(void);

#endif
