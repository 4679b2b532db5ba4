/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Rolling window statistics: a ring of 60 one-second histograms, merged on
 * demand into "the last N completed seconds" (N = 1..60).
 *
 * The per-second histograms are fixed-size and compact (not lib/hist.c's
 * growable ones), so the memory of a ring is constant: 8 buckets per power
 * of two from 128 ns to 2^35 ns (~34 s), one bucket below and one above.
 * A bucket is 1/8 of its octave wide, so a percentile (bucket midpoint,
 * clamped to the exact min and max) is within 6.25% of the true value;
 * count and max are exact. See docs/windows.md.
 */
#ifndef LATSCOPE_WIN_ROLL_H
#define LATSCOPE_WIN_ROLL_H

#include <stdint.h>

#define LS_WH_SUB_BITS 3
#define LS_WH_SUB (1u << LS_WH_SUB_BITS)   /* buckets per octave */
#define LS_WH_LO_SHIFT 7                    /* values < 2^7 ns: bucket 0 */
#define LS_WH_HI_SHIFT 35                   /* values >= 2^35 ns: last bucket */
#define LS_WH_BUCKETS (2 + (LS_WH_HI_SHIFT - LS_WH_LO_SHIFT) * LS_WH_SUB)

/* One compact histogram. Bucket counts saturate at UINT32_MAX. */
struct ls_wh {
	uint64_t count;
	uint64_t min, max;
	uint32_t b[LS_WH_BUCKETS];
};

void ls_wh_reset(struct ls_wh *h);
void ls_wh_add(struct ls_wh *h, uint64_t v);
void ls_wh_merge(struct ls_wh *dst, const struct ls_wh *src);
/* Nearest-rank percentile, p in (0, 100]: the bucket's midpoint clamped to
 * [min, max]; 0 when empty. */
uint64_t ls_wh_percentile(const struct ls_wh *h, double p);
unsigned ls_wh_bucket_of(uint64_t v);
uint64_t ls_wh_bucket_lo(unsigned i);  /* inclusive */
uint64_t ls_wh_bucket_hi(unsigned i);  /* exclusive; UINT64_MAX for the last */

#define LS_ROLL_SECONDS 60

/* Slot i holds the values whose time fell in second sec[i]
 * (CLOCK_MONOTONIC / 1e9); LS_ROLL_EMPTY when it holds none. */
#define LS_ROLL_EMPTY UINT64_MAX
struct ls_roll {
	uint64_t sec[LS_ROLL_SECONDS];
	struct ls_wh slot[LS_ROLL_SECONDS];
	uint64_t cur_lo, cur_hi; /* [lo, hi) ns of the newest second: spares
				  * a division for values that fall in it */
	unsigned cur;            /* its slot */
};

void ls_roll_init(struct ls_roll *r);
/*
 * Add a value that happened at t_ns. A value older than what its slot now
 * holds (more than 60 s behind the newest) is not kept; returns 0 then,
 * 1 when added.
 */
int ls_roll_add(struct ls_roll *r, uint64_t t_ns, uint64_t v);
/* Merge the last `seconds` completed seconds before now_ns (the seconds
 * [now/1e9 - seconds, now/1e9)) into out (reset first). */
void ls_roll_sum(const struct ls_roll *r, uint64_t now_ns, unsigned seconds,
		 struct ls_wh *out);

#endif
