// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "win_roll.h"

#define NS_PER_SEC 1000000000ull

void ls_wh_reset(struct ls_wh *h)
{
	memset(h, 0, sizeof(*h));
}

unsigned ls_wh_bucket_of(uint64_t v)
{
	unsigned e;

	if (v < (1ull << LS_WH_LO_SHIFT))
		return 0;
	if (v >= (1ull << LS_WH_HI_SHIFT))
		return LS_WH_BUCKETS - 1;
	e = 63 - __builtin_clzll(v); /* LO_SHIFT <= e < HI_SHIFT */
	return 1 + (e - LS_WH_LO_SHIFT) * LS_WH_SUB +
	       (unsigned)((v >> (e - LS_WH_SUB_BITS)) & (LS_WH_SUB - 1));
}

uint64_t ls_wh_bucket_lo(unsigned i)
{
	unsigned e, sub;

	if (i == 0)
		return 0;
	if (i >= LS_WH_BUCKETS - 1)
		return 1ull << LS_WH_HI_SHIFT;
	e = LS_WH_LO_SHIFT + (i - 1) / LS_WH_SUB;
	sub = (i - 1) % LS_WH_SUB;
	return (1ull << e) + ((uint64_t)sub << (e - LS_WH_SUB_BITS));
}

uint64_t ls_wh_bucket_hi(unsigned i)
{
	return i >= LS_WH_BUCKETS - 1 ? UINT64_MAX : ls_wh_bucket_lo(i + 1);
}

static void bump(uint32_t *c, uint64_t n)
{
	uint64_t s = (uint64_t)*c + n;

	*c = s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

void ls_wh_add(struct ls_wh *h, uint64_t v)
{
	if (!h->count || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	bump(&h->b[ls_wh_bucket_of(v)], 1);
}

void ls_wh_merge(struct ls_wh *dst, const struct ls_wh *src)
{
	if (!src->count)
		return;
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	for (unsigned i = 0; i < LS_WH_BUCKETS; i++)
		if (src->b[i])
			bump(&dst->b[i], src->b[i]);
}

uint64_t ls_wh_percentile(const struct ls_wh *h, double p)
{
	uint64_t rank, seen = 0, lo, hi, mid;
	unsigned i;

	if (!h->count)
		return 0;
	if (p >= 100)
		return h->max;
	rank = (uint64_t)(p / 100.0 * (double)h->count + 0.999999999);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < LS_WH_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank)
			break;
	}
	if (i == LS_WH_BUCKETS) /* saturated counts: the rank lies past them */
		return h->max;
	lo = ls_wh_bucket_lo(i);
	hi = ls_wh_bucket_hi(i);
	mid = hi == UINT64_MAX ? h->max : lo + (hi - lo) / 2;
	if (mid < h->min)
		mid = h->min;
	if (mid > h->max)
		mid = h->max;
	return mid;
}

void ls_roll_init(struct ls_roll *r)
{
	for (unsigned i = 0; i < LS_ROLL_SECONDS; i++) {
		r->sec[i] = LS_ROLL_EMPTY;
		ls_wh_reset(&r->slot[i]);
	}
	r->cur_lo = r->cur_hi = 0;
	r->cur = 0;
}

int ls_roll_add(struct ls_roll *r, uint64_t t_ns, uint64_t v)
{
	uint64_t s;
	unsigned i;

	if (t_ns >= r->cur_lo && t_ns < r->cur_hi) {
		ls_wh_add(&r->slot[r->cur], v);
		return 1;
	}
	s = t_ns / NS_PER_SEC;
	i = (unsigned)(s % LS_ROLL_SECONDS);
	if (r->sec[i] != s) {
		/* The slot holds an older second (reuse it) or a newer one
		 * (then this value is over 60 s stale: not kept). */
		if (r->sec[i] != LS_ROLL_EMPTY && r->sec[i] > s)
			return 0;
		r->sec[i] = s;
		ls_wh_reset(&r->slot[i]);
	}
	if (s * NS_PER_SEC >= r->cur_lo) { /* the newest second so far */
		r->cur_lo = s * NS_PER_SEC;
		r->cur_hi = r->cur_lo + NS_PER_SEC;
		r->cur = i;
	}
	ls_wh_add(&r->slot[i], v);
	return 1;
}

void ls_roll_sum(const struct ls_roll *r, uint64_t now_ns, unsigned seconds,
		 struct ls_wh *out)
{
	uint64_t cur = now_ns / NS_PER_SEC;

	ls_wh_reset(out);
	if (seconds > LS_ROLL_SECONDS)
		seconds = LS_ROLL_SECONDS;
	for (unsigned i = 0; i < LS_ROLL_SECONDS; i++)
		if (r->sec[i] != LS_ROLL_EMPTY && r->sec[i] < cur &&
		    r->sec[i] + seconds >= cur)
			ls_wh_merge(out, &r->slot[i]);
}
