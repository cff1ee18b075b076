/* pty.c: the sandbox's own terminal, relayed to the host's (see pty.c). */
#ifndef OVLRUN_PTY_H
#define OVLRUN_PTY_H

#include "ovlrun/supervisor.h"

/* When stdin, stdout or stderr is a terminal: open a pty in the sandbox's devpts (after
 * mounts_setup); sets s->pty and s->pty_index (-1: no terminal).  0 or
 * -errno. */
int pty_open(struct sup *s);
/* In the sandbox's processes: drop the supervisor's master. */
void pty_close_in_child(struct sup *s);
/* Host terminal raw, relay thread started (after sandbox_start). */
int pty_relay_start(struct sup *s);
/* After the sandbox is gone: drain, restore the host terminal, free. */
void pty_relay_finish(struct sup *s);

#endif
