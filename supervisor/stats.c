/*
 * --stats collection and the exit table.
 *
 * The median needs the distribution of each syscall's times, bounded in
 * memory.  A log-linear histogram (HdrHistogram-like: each power of two of
 * nanoseconds split into SUB linear sub-buckets) is kept rather than a
 * reservoir of samples: recording is one atomic increment with no lock and
 * no random numbers, so it stays cheap with concurrent serving threads; its
 * size is fixed whatever the number of calls; it sees every call instead of
 * a sample; and the median, interpolated linearly inside its sub-bucket, is
 * off by at most the bucket's width, 1/SUB of the values in it (12.5% with
 * SUB = 8; interpolation usually does better): enough to compare syscalls.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ovlrun/syscalls.h"
#include "stats.h"

#define NR_MAX 512                      /* x86-64 syscall numbers are below this */
#define SUB_BITS 3
#define SUB (1 << SUB_BITS)
#define OCTAVES 40                      /* below 2^42 ns (73 min); longer ones count there */
#define BUCKETS (SUB * OCTAVES)

struct sc_stats {
	_Atomic uint64_t calls, errors, ns;
	_Atomic uint64_t hist[BUCKETS];
};

struct stats {
	struct sc_stats sc[NR_MAX];     /* 1.3 MiB of calloc: pages of unseen calls stay untouched */
};

/* Bucket of a time: values below SUB are exact; then SUB sub-buckets per
 * power of two. */
static unsigned bucket_of(uint64_t v)
{
	if (v < SUB)
		return (unsigned)v;
	unsigned k = 63 - (unsigned)__builtin_clzll(v);          /* k >= SUB_BITS */
	unsigned b = SUB * (k - SUB_BITS + 1) + (unsigned)((v >> (k - SUB_BITS)) & (SUB - 1));
	return b < BUCKETS ? b : BUCKETS - 1;
}

/* The lowest value of bucket b and its width. */
static void bucket_range(unsigned b, double *lo, double *width)
{
	if (b < SUB) {
		*lo = b;
		*width = 1;
		return;
	}
	unsigned k = b / SUB + SUB_BITS - 1, sub = b % SUB;
	*width = (double)(1ULL << (k - SUB_BITS));
	*lo = (double)(SUB + sub) * *width;
}

struct stats *stats_new(void)
{
	return calloc(1, sizeof(struct stats));
}

void stats_free(struct stats *st)
{
	free(st);
}

void stats_add(struct stats *st, int nr, int64_t rv, const struct timespec *t0,
	       const struct timespec *end)
{
	struct timespec t1;
	if (end)
		t1 = *end;
	else
		clock_gettime(CLOCK_MONOTONIC, &t1);
	int64_t d = (int64_t)(t1.tv_sec - t0->tv_sec) * 1000000000 + (t1.tv_nsec - t0->tv_nsec);
	uint64_t ns = d > 0 ? (uint64_t)d : 0;
	if (nr < 0 || nr >= NR_MAX)
		return;
	struct sc_stats *c = &st->sc[nr];
	atomic_fetch_add_explicit(&c->calls, 1, memory_order_relaxed);
	if (rv < 0 && rv != SC_CONTINUE)
		atomic_fetch_add_explicit(&c->errors, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&c->ns, ns, memory_order_relaxed);
	atomic_fetch_add_explicit(&c->hist[bucket_of(ns)], 1, memory_order_relaxed);
}

/* The median of a histogram of n values, in ns, interpolated in its bucket. */
static double median(const uint64_t *hist, uint64_t n)
{
	double half = n / 2.0, seen = 0;
	for (unsigned b = 0; b < BUCKETS; b++) {
		if (!hist[b] || seen + (double)hist[b] < half) {
			seen += (double)hist[b];
			continue;
		}
		double lo, width;
		bucket_range(b, &lo, &width);
		return lo + width * (half - seen) / (double)hist[b];
	}
	return 0;
}

struct row {
	char name[24];                  /* "syscall_N" for a number without a name */
	uint64_t calls, errors, ns;
	uint64_t hist[BUCKETS];
};

static int by_time(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->ns != y->ns)
		return x->ns < y->ns ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void print_row(FILE *out, const struct row *r, uint64_t total_ns)
{
	char errors[24] = "";
	if (r->errors)
		snprintf(errors, sizeof(errors), "%llu", (unsigned long long)r->errors);
	fprintf(out, "%6.2f %11.6f %11.2f %9llu %9s %s\n",
		total_ns ? 100.0 * (double)r->ns / (double)total_ns : 0.0, (double)r->ns / 1e9,
		median(r->hist, r->calls) / 1e3, (unsigned long long)r->calls, errors, r->name);
}

void stats_print(const struct stats *st, FILE *out)
{
	static const char line[] = "------ ----------- ----------- --------- --------- ----------------\n";
	struct row *rows = calloc(NR_MAX + 1, sizeof(*rows));
	if (!rows) {
		fprintf(stderr, "ovlrun: --stats: the table: %s\n", strerror(ENOMEM));
		return;
	}
	struct row *total = &rows[NR_MAX];
	snprintf(total->name, sizeof(total->name), "total");
	int n = 0;
	for (int nr = 0; nr < NR_MAX; nr++) {
		const struct sc_stats *c = &st->sc[nr];
		struct row *r = &rows[n];
		r->calls = atomic_load_explicit(&c->calls, memory_order_relaxed);
		if (!r->calls)
			continue;
		r->errors = atomic_load_explicit(&c->errors, memory_order_relaxed);
		r->ns = atomic_load_explicit(&c->ns, memory_order_relaxed);
		const char *name = sc_name(nr);
		if (name)
			snprintf(r->name, sizeof(r->name), "%s", name);
		else
			snprintf(r->name, sizeof(r->name), "syscall_%d", nr);
		total->calls += r->calls;
		total->errors += r->errors;
		total->ns += r->ns;
		for (unsigned b = 0; b < BUCKETS; b++) {
			r->hist[b] = atomic_load_explicit(&c->hist[b], memory_order_relaxed);
			total->hist[b] += r->hist[b];
		}
		n++;
	}
	qsort(rows, (size_t)n, sizeof(*rows), by_time);
	fprintf(out, "%% time     seconds   median us     calls    errors syscall\n%s", line);
	for (int i = 0; i < n; i++)
		print_row(out, &rows[i], total->ns);
	fputs(line, out);
	print_row(out, total, total->ns);
	free(rows);
}
