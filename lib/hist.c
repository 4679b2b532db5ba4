// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Log-linear latency histogram; geometry and error bound in docs/histogram.md. */
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "hist.h"

#define NBUCKETS (LS_HIST_OCTAVES * LS_HIST_SUB)

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

/*
 * With s = max(floor(log2 v) - 5, 0), v >> s is v itself below 32 and a
 * number in [32, 63] above, so (s << 5) + (v >> s) is exactly
 * octave * 32 + sub for both octave 0 and the log-linear octaves, without a
 * branch. v | 1 keeps clzll defined for v == 0.
 */
unsigned ls_hist_bucket_of(uint64_t v)
{
	int s = 63 - __builtin_clzll(v | 1) - LS_HIST_SUB_BITS;

	if (s < 0)
		s = 0;
	return ((unsigned)s << LS_HIST_SUB_BITS) + (unsigned)(v >> s);
}

uint64_t ls_hist_bucket_lo(unsigned idx)
{
	unsigned oct = idx >> LS_HIST_SUB_BITS, sub = idx & (LS_HIST_SUB - 1);

	if (idx >= NBUCKETS)
		return UINT64_MAX;
	if (oct == 0)
		return sub;
	return (uint64_t)(LS_HIST_SUB + sub) << (oct - 1);
}

uint64_t ls_hist_bucket_hi(unsigned idx)
{
	unsigned oct = idx >> LS_HIST_SUB_BITS, sub = idx & (LS_HIST_SUB - 1);
	uint64_t mult = LS_HIST_SUB + sub + 1;

	if (idx >= NBUCKETS)
		return UINT64_MAX;
	if (oct == 0)
		return sub + 1;
	/* Only the very last bucket (64 << 58 == 2^64) does not fit. */
	if (mult > UINT64_MAX >> (oct - 1))
		return UINT64_MAX;
	return mult << (oct - 1);
}

void ls_hist_init(struct ls_hist *h)
{
	/* All zero, so a calloc'ed histogram is a valid empty one too. */
	memset(h, 0, sizeof(*h));
}

void ls_hist_free(struct ls_hist *h)
{
	free(h->buckets);
	ls_hist_init(h);
}

/*
 * Make buckets[] cover octaves [lo, hi] (plus what it covers already).
 * There are only LS_HIST_OCTAVES octaves, so a histogram reallocates at most
 * that many times over its life: add stays O(1) amortised.
 */
static bool cover(struct ls_hist *h, unsigned lo, unsigned hi)
{
	unsigned old_lo = h->lo_oct, old_n = h->n_oct;
	unsigned new_lo, new_hi, new_n, shift, tail;
	uint64_t *b;

	if (old_n) {
		if (lo >= old_lo && hi < old_lo + old_n)
			return true;
		new_lo = lo < old_lo ? lo : old_lo;
		new_hi = hi > old_lo + old_n - 1 ? hi : old_lo + old_n - 1;
	} else {
		new_lo = lo;
		new_hi = hi;
	}
	new_n = new_hi - new_lo + 1;
	b = realloc(h->buckets, (size_t)new_n * LS_HIST_SUB * sizeof(*b));
	if (!b)
		return false;
	/* Old octaves move up by shift when grown downwards; zero the rest. */
	shift = old_n ? old_lo - new_lo : 0;
	tail = shift + old_n;
	if (shift)
		memmove(b + (size_t)shift * LS_HIST_SUB, b,
			(size_t)old_n * LS_HIST_SUB * sizeof(*b));
	memset(b, 0, (size_t)shift * LS_HIST_SUB * sizeof(*b));
	memset(b + (size_t)tail * LS_HIST_SUB, 0,
	       (size_t)(new_n - tail) * LS_HIST_SUB * sizeof(*b));
	h->buckets = b;
	h->lo_oct = (uint8_t)new_lo;
	h->n_oct = (uint8_t)new_n;
	return true;
}

/* Call before count is bumped: min of an empty histogram is 0, not a bound. */
static void note_minmax(struct ls_hist *h, uint64_t lo, uint64_t hi)
{
	if (!h->count || lo < h->min)
		h->min = lo;
	if (hi > h->max)
		h->max = hi;
}

/* Shared by add and add_n; inlined so the n == 1 case loses the multiply. */
static inline bool add_n(struct ls_hist *h, uint64_t v, uint64_t n)
{
	unsigned idx = ls_hist_bucket_of(v);
	unsigned rel = idx - ((unsigned)h->lo_oct << LS_HIST_SUB_BITS);

	/* One unsigned compare: below lo_oct, rel wraps to a huge value. */
	if (rel >= (unsigned)h->n_oct << LS_HIST_SUB_BITS) {
		unsigned oct = idx >> LS_HIST_SUB_BITS;

		if (!cover(h, oct, oct))
			return false;
		rel = idx - ((unsigned)h->lo_oct << LS_HIST_SUB_BITS);
	}
	note_minmax(h, v, v);
	h->buckets[rel] += n;
	h->count += n;
	h->sum = sat_add(h->sum, sat_mul(v, n));
	return true;
}

uint64_t ls_hist_bucket_count(const struct ls_hist *h, unsigned idx)
{
	unsigned rel = idx - ((unsigned)h->lo_oct << LS_HIST_SUB_BITS);

	return rel < ((unsigned)h->n_oct << LS_HIST_SUB_BITS) ? h->buckets[rel] : 0;
}

bool ls_hist_add(struct ls_hist *h, uint64_t v)
{
	return add_n(h, v, 1);
}

bool ls_hist_add_n(struct ls_hist *h, uint64_t v, uint64_t n)
{
	return n ? add_n(h, v, n) : true;
}

bool ls_hist_merge(struct ls_hist *dst, const struct ls_hist *src)
{
	size_t off, n;

	if (!src->count)
		return true;
	if (!cover(dst, src->lo_oct, src->lo_oct + src->n_oct - 1u))
		return false;
	off = (size_t)(src->lo_oct - dst->lo_oct) * LS_HIST_SUB;
	n = (size_t)src->n_oct * LS_HIST_SUB;
	for (size_t i = 0; i < n; i++)
		dst->buckets[off + i] += src->buckets[i];
	note_minmax(dst, src->min, src->max);
	dst->count += src->count;
	dst->sum = sat_add(dst->sum, src->sum);
	return true;
}

/*
 * Nearest rank: the smallest r >= p/100 * count, at least 1. Done in
 * floating point, a p like 99.9 (not exact in binary) can land a hair above
 * an integer (99.9 / 100 * 1000 = 999.0000000000001) and skip a rank. Any p
 * with up to 6 decimals, i.e. every percentile anyone asks for, is exact as
 * a count of 1e-6 percent, and then so is the rank in 128-bit integers.
 */
#define MICRO_PCT 100000000u /* 100% in units of 1e-6 percent */

static uint64_t nearest_rank(uint64_t count, double p)
{
	double micro = nearbyint(p * 1e6);
	unsigned __int128 r;

	if (fabs(p * 1e6 - micro) < 1e-3)
		r = ((unsigned __int128)micro * count + MICRO_PCT - 1) / MICRO_PCT;
	else
		r = (unsigned __int128)ceill((long double)p * count / 100.0L);
	if (r < 1)
		return 1;
	return r > count ? count : (uint64_t)r;
}

static uint64_t clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

uint64_t ls_hist_percentile(const struct ls_hist *h, double p)
{
	uint64_t rank, seen = 0;
	unsigned base = (unsigned)h->lo_oct << LS_HIST_SUB_BITS;
	size_t n = (size_t)h->n_oct * LS_HIST_SUB;

	if (!h->count)
		return 0;
	if (!(p > 0.0)) /* also catches NaN */
		p = 0.0;
	rank = nearest_rank(h->count, p > 100.0 ? 100.0 : p);
	/* The last rank is the maximum, which we know exactly. */
	if (rank == h->count)
		return h->max;
	for (size_t i = 0; i < n; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t lo = ls_hist_bucket_lo(base + (unsigned)i);
			uint64_t hi = ls_hist_bucket_hi(base + (unsigned)i);

			return clamp(lo + (hi - lo) / 2, h->min, h->max);
		}
	}
	return h->max;
}

int ls_hist_next_bucket(const struct ls_hist *h, unsigned from, uint64_t *count)
{
	unsigned base = (unsigned)h->lo_oct << LS_HIST_SUB_BITS;
	unsigned end = base + ((unsigned)h->n_oct << LS_HIST_SUB_BITS);

	for (unsigned i = from > base ? from : base; i < end; i++) {
		if (h->buckets[i - base]) {
			if (count)
				*count = h->buckets[i - base];
			return (int)i;
		}
	}
	return -1;
}
