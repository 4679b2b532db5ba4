/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Log-linear latency histogram (see docs/histogram.md for the scheme).
 *
 * Values 0..31 ns get one exact bucket each. Above that every power-of-two
 * range [2^e, 2^(e+1)) is cut into 32 equal buckets, so a bucket is at most
 * 1/32 of its lower bound wide. Percentiles report the bucket midpoint clamped
 * to [min, max]: the relative error is at most 1/64 (1.6%) at any percentile.
 *
 * Buckets live in one array that covers only the octaves that have been
 * seen (grown on demand), so memory is proportional to the value range
 * actually observed, never to uptime.
 */
#ifndef LATSCOPE_HIST_H
#define LATSCOPE_HIST_H

#include <stdint.h>
#include <stdbool.h>

#define LS_HIST_SUB_BITS 5
#define LS_HIST_SUB (1u << LS_HIST_SUB_BITS)      /* buckets per octave */
#define LS_HIST_OCTAVES (64 - LS_HIST_SUB_BITS + 1) /* octave 0 = exact 0..31 */

struct ls_hist {
	uint64_t count;
	uint64_t sum;     /* saturates at UINT64_MAX instead of wrapping */
	uint64_t min;
	uint64_t max;
	uint8_t lo_oct;   /* first octave present in buckets[] */
	uint8_t n_oct;    /* number of octaves in buckets[] (0 = none yet) */
	uint64_t *buckets; /* n_oct * LS_HIST_SUB counts */
};

void ls_hist_init(struct ls_hist *h);
void ls_hist_free(struct ls_hist *h);
/* Returns false only on allocation failure (value not recorded). */
bool ls_hist_add(struct ls_hist *h, uint64_t v);
bool ls_hist_add_n(struct ls_hist *h, uint64_t v, uint64_t n);
/* dst += src; false on allocation failure. */
bool ls_hist_merge(struct ls_hist *dst, const struct ls_hist *src);
/* Nearest-rank percentile estimate, p in [0,100]. 0 when empty. */
uint64_t ls_hist_percentile(const struct ls_hist *h, double p);

/* Bucket geometry, for printing and tests. idx is a global bucket index
 * (octave * LS_HIST_SUB + sub). */
unsigned ls_hist_bucket_of(uint64_t v);
uint64_t ls_hist_bucket_lo(unsigned idx);   /* inclusive */
uint64_t ls_hist_bucket_hi(unsigned idx);   /* exclusive (saturating) */

/* Count in global bucket idx (0 when outside the octaves present). */
uint64_t ls_hist_bucket_count(const struct ls_hist *h, unsigned idx);

/* Iterate non-empty buckets: returns next global index >= from with a
 * non-zero count, or -1. */
int ls_hist_next_bucket(const struct ls_hist *h, unsigned from, uint64_t *count);

#endif
