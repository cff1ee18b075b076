/* The listener of the overlay engine's change events (changes.c). */
#ifndef OVLRUN_SUPERVISOR_CHANGES_H
#define OVLRUN_SUPERVISOR_CHANGES_H
#include "ovlrun/overlay.h"
#include "ovlrun/supervisor.h"

/* ovl_change_fn; ctx is the struct sup. */
void changes_on(void *ctx, const struct ovl_change *c);

#endif
