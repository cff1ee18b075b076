/*
 * --stats: per trapped syscall, the calls, errors, and the time each spent
 * in the supervisor from its receipt to its answer; a table like
 * `strace -c` at exit.  Recording is lock-free (atomics), so any number of
 * serving threads record at once.
 */
#ifndef OVLRUN_STATS_H
#define OVLRUN_STATS_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct stats;

/* NULL if out of memory. */
struct stats *stats_new(void);
void stats_free(struct stats *st);
/* A call of syscall nr, received at t0 (CLOCK_MONOTONIC), answered rv at
 * end (NULL: now). */
void stats_add(struct stats *st, int nr, int64_t rv, const struct timespec *t0,
	       const struct timespec *end);
/* The table, sorted by total time; after the last stats_add. */
void stats_print(const struct stats *st, FILE *out);

#endif
