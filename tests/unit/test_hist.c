// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Histogram geometry, percentile accuracy, merge and memory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hist.h"

#define NBUCKETS (LS_HIST_OCTAVES * LS_HIST_SUB)
#define N_VALUES 200000

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

/* xorshift64*: deterministic, so a failure reproduces. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* Uniform in (0, 1). */
static double rnd_unit(void)
{
	return ((double)(rnd() >> 11) + 0.5) / 9007199254740992.0;
}

static double rnd_normal(void)
{
	return sqrt(-2.0 * log(rnd_unit())) * cos(2.0 * M_PI * rnd_unit());
}

/* A double as a value, saturating at UINT64_MAX. */
static uint64_t to_u64(double d)
{
	return d >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)d;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void test_geometry_small(void **state)
{
	unsigned prev = 0;

	(void)state;
	for (uint64_t v = 0; v <= 100000; v++) {
		unsigned idx = ls_hist_bucket_of(v);
		uint64_t lo = ls_hist_bucket_lo(idx), hi = ls_hist_bucket_hi(idx);

		assert_true(lo <= v);
		assert_true(v < hi);
		/* Indexes are monotone and contiguous: no bucket is skipped. */
		assert_true(idx == prev || idx == prev + 1);
		if (v < 64)
			assert_int_equal(hi - lo, 1);
		else
			assert_true((hi - lo) * LS_HIST_SUB <= lo);
		prev = idx;
	}
}

static void test_geometry_all_buckets(void **state)
{
	(void)state;
	for (unsigned idx = 0; idx < NBUCKETS; idx++) {
		uint64_t lo = ls_hist_bucket_lo(idx), hi = ls_hist_bucket_hi(idx);
		unsigned oct = idx / LS_HIST_SUB;

		assert_true(lo < hi);
		assert_int_equal(ls_hist_bucket_of(lo), idx);
		assert_int_equal(ls_hist_bucket_of(hi - 1), idx);
		if (idx + 1 < NBUCKETS)
			assert_true(ls_hist_bucket_lo(idx + 1) == hi);
		/* Width is 1 in octaves 0 and 1, then 2^(oct-1). */
		if (oct >= 1 && idx != NBUCKETS - 1)
			assert_true(hi - lo == 1ull << (oct - 1));
	}
	assert_int_equal(ls_hist_bucket_of(UINT64_MAX), NBUCKETS - 1);
	assert_true(ls_hist_bucket_lo(NBUCKETS - 1) == 63ull << 58);
	assert_true(ls_hist_bucket_hi(NBUCKETS - 1) == UINT64_MAX);
	assert_int_equal(ls_hist_bucket_of(1ull << 63), (LS_HIST_OCTAVES - 1) * LS_HIST_SUB);
}

static void test_geometry_random(void **state)
{
	(void)state;
	for (int i = 0; i < 1000000; i++) {
		uint64_t v = rnd() >> (rnd() % 64);
		unsigned idx = ls_hist_bucket_of(v), idx2 = ls_hist_bucket_of(v + (v < UINT64_MAX));
		uint64_t lo = ls_hist_bucket_lo(idx), hi = ls_hist_bucket_hi(idx);

		assert_true(idx < NBUCKETS);
		assert_true(lo <= v);
		assert_true(v < hi || hi == UINT64_MAX);
		assert_true(idx2 == idx || idx2 == idx + 1);
	}
}

/* Sum of the values, saturating like the histogram does. */
static uint64_t sat_sum(const uint64_t *v, size_t n)
{
	uint64_t s = 0;

	for (size_t i = 0; i < n; i++)
		if (__builtin_add_overflow(s, v[i], &s))
			return UINT64_MAX;
	return s;
}

/* Percentiles as thousandths of a percent, so the exact rank is integer math. */
static const uint64_t p_milli[] = { 100, 1000, 10000, 50000, 90000, 99000, 99900, 100000 };

/*
 * Feed v[0..n) and check every percentile of p_milli against the exact
 * nearest-rank value of the sorted data: |est - exact| <= exact / 64, the
 * documented bound. Also count/sum/min/max exactly.
 */
static void check_dist(const char *what, const uint64_t *v, size_t n)
{
	uint64_t *sorted = malloc(n * sizeof(*sorted));
	struct ls_hist h;

	assert_non_null(sorted);
	ls_hist_init(&h);
	for (size_t i = 0; i < n; i++)
		assert_true(ls_hist_add(&h, v[i]));
	memcpy(sorted, v, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_u64);

	assert_true(h.count == n);
	assert_true(h.sum == sat_sum(v, n));
	assert_true(h.min == sorted[0]);
	assert_true(h.max == sorted[n - 1]);
	for (size_t i = 0; i < sizeof(p_milli) / sizeof(p_milli[0]); i++) {
		uint64_t rank = (p_milli[i] * n + 99999) / 100000;
		uint64_t exact = sorted[(rank ? rank : 1) - 1];
		uint64_t est = ls_hist_percentile(&h, (double)p_milli[i] / 1000.0);
		unsigned __int128 err = est > exact ? est - exact : exact - est;

		if (err * 64 > exact)
			fail_msg("%s n=%zu p=%.1f: est %llu exact %llu", what, n,
				 (double)p_milli[i] / 1000.0,
				 (unsigned long long)est, (unsigned long long)exact);
	}
	assert_true(ls_hist_percentile(&h, 100.0) == sorted[n - 1]);
	ls_hist_free(&h);
	free(sorted);
}

static uint64_t *values(size_t n)
{
	uint64_t *v = malloc(n * sizeof(*v));

	assert_non_null(v);
	return v;
}

static void test_pct_uniform(void **state)
{
	uint64_t *v = values(N_VALUES);

	(void)state;
	for (size_t i = 0; i < N_VALUES; i++)
		v[i] = rnd() % 1000000;
	check_dist("uniform 0..1e6", v, N_VALUES);
	for (size_t i = 0; i < N_VALUES; i++)
		v[i] = rnd();
	check_dist("uniform 64-bit", v, N_VALUES);
	/* Small sizes, where one rank is a large step in p. */
	for (size_t n = 1; n <= 50; n++) {
		for (size_t i = 0; i < n; i++)
			v[i] = rnd() % 100000;
		check_dist("uniform small n", v, n);
	}
	free(v);
}

static void test_pct_skewed(void **state)
{
	uint64_t *v = values(N_VALUES);

	(void)state;
	for (size_t i = 0; i < N_VALUES; i++)
		v[i] = to_u64(exp(log(5000.0) + 1.5 * rnd_normal()));
	check_dist("log-normal", v, N_VALUES);
	for (size_t i = 0; i < N_VALUES; i++)
		v[i] = to_u64(-20000.0 * log(rnd_unit()));
	check_dist("exponential", v, N_VALUES);
	for (size_t i = 0; i < N_VALUES; i++)
		v[i] = rnd() % 10 ? 900 + rnd() % 200 : 900000 + rnd() % 200000;
	check_dist("bimodal", v, N_VALUES);
	free(v);
}

static void fill(uint64_t *v, size_t n, uint64_t x)
{
	for (size_t i = 0; i < n; i++)
		v[i] = x;
}

static void test_pct_adversarial(void **state)
{
	const size_t n = 10000;
	uint64_t *v = values(n);

	(void)state;
	fill(v, n, 0);
	check_dist("all zeros", v, n);
	fill(v, n, 123456789);
	check_dist("one value", v, n);
	check_dist("single sample", v, 1);
	fill(v, n, 1);
	check_dist("1 ns", v, n);
	fill(v, n, UINT64_MAX);
	check_dist("UINT64_MAX", v, n);
	for (size_t i = 0; i < n; i++)
		v[i] = UINT64_MAX - rnd() % 1000000;
	check_dist("near UINT64_MAX", v, n);
	fill(v, n, 100);
	v[n / 2] = 1000000000000ull;
	check_dist("one outlier", v, n);
	for (size_t i = 0; i < n; i++)
		v[i] = i % 2 ? UINT64_MAX : 0;
	check_dist("alternating 0/max", v, n);
	for (size_t i = 0; i < n; i++)
		v[i] = i % 2 ? (1ull << 40) : 1;
	check_dist("alternating 1/2^40", v, n);
	/* Bucket edges, where the midpoint is farthest from the value. */
	for (size_t i = 0; i < n; i++) {
		unsigned idx = 64 + rnd() % (NBUCKETS - 64);

		v[i] = i % 2 ? ls_hist_bucket_lo(idx) : ls_hist_bucket_hi(idx) - 1;
	}
	check_dist("bucket edges", v, n);
	free(v);
}

static void test_pct_edge_args(void **state)
{
	struct ls_hist h;

	(void)state;
	ls_hist_init(&h);
	assert_true(ls_hist_percentile(&h, 50) == 0);
	assert_true(ls_hist_percentile(&h, 100) == 0);
	for (uint64_t v = 1000; v < 2000; v++)
		ls_hist_add(&h, v);
	/* p <= 0 is the first rank, p > 100 the last, NaN the first. */
	assert_true(ls_hist_percentile(&h, 0) <= 1000 + 1000 / 64);
	assert_true(ls_hist_percentile(&h, -5) == ls_hist_percentile(&h, 0));
	assert_true(ls_hist_percentile(&h, NAN) == ls_hist_percentile(&h, 0));
	assert_true(ls_hist_percentile(&h, 150) == 1999);
	ls_hist_free(&h);

	/* 99.9 of 1000 values is rank 999, although 99.9 / 100 * 1000 computes
	 * as 999.0000000000001 in doubles; rank 1000 would be the outlier. */
	ls_hist_add_n(&h, 10, 999);
	ls_hist_add(&h, 1000000000);
	assert_true(ls_hist_percentile(&h, 99.9) == 10);
	assert_true(ls_hist_percentile(&h, 99.91) == 1000000000);
	/* More than 6 decimals: the floating-point path, same answers. */
	assert_true(ls_hist_percentile(&h, 99.9000001) == 1000000000);
	assert_true(ls_hist_percentile(&h, 99.8999999) == 10);
	ls_hist_free(&h);

	/* Ranks stay exact at counts a long-running daemon can reach:
	 * p50 of 2 * 5e14 + 1 values is rank 5e14 + 1. Values below 64 are
	 * stored exactly, so only the rank decides the answer. */
	ls_hist_add_n(&h, 10, 500000000000000ull);
	ls_hist_add_n(&h, 50, 500000000000001ull);
	assert_true(ls_hist_percentile(&h, 50) == 50);
	ls_hist_free(&h);
	ls_hist_add_n(&h, 10, 500000000000001ull);
	ls_hist_add_n(&h, 50, 500000000000000ull);
	assert_true(ls_hist_percentile(&h, 50) == 10);
	ls_hist_free(&h);
}

static void test_stats_exact(void **state)
{
	struct ls_hist h;

	(void)state;
	ls_hist_init(&h);
	assert_true(ls_hist_add(&h, UINT64_MAX - 1));
	assert_true(h.sum == UINT64_MAX - 1);
	assert_true(ls_hist_add(&h, 5));
	assert_true(h.sum == UINT64_MAX); /* saturated, not wrapped */
	assert_true(h.min == 5 && h.max == UINT64_MAX - 1 && h.count == 2);
	ls_hist_free(&h);
	assert_true(h.count == 0 && h.n_oct == 0 && h.buckets == NULL);

	assert_true(ls_hist_add_n(&h, 7, 1000));
	assert_true(h.count == 1000 && h.sum == 7000 && h.min == 7 && h.max == 7);
	assert_true(ls_hist_add_n(&h, 3, 0)); /* n = 0 records nothing */
	assert_true(h.count == 1000 && h.min == 7);
	assert_true(ls_hist_add_n(&h, 1ull << 62, 8));
	assert_true(h.sum == UINT64_MAX);
	ls_hist_free(&h);
}

/* Both histograms hold exactly the same buckets and stats. */
static void assert_same(const struct ls_hist *a, const struct ls_hist *b)
{
	uint64_t ca = 0, cb = 0;
	int ia = -1, ib = -1;

	assert_true(a->count == b->count && a->sum == b->sum);
	assert_true(a->min == b->min && a->max == b->max);
	do {
		ia = ls_hist_next_bucket(a, (unsigned)(ia + 1), &ca);
		ib = ls_hist_next_bucket(b, (unsigned)(ib + 1), &cb);
		assert_int_equal(ia, ib);
		if (ia >= 0)
			assert_true(ca == cb);
	} while (ia >= 0);
	for (size_t i = 0; i < sizeof(p_milli) / sizeof(p_milli[0]); i++)
		assert_true(ls_hist_percentile(a, p_milli[i] / 1000.0) ==
			    ls_hist_percentile(b, p_milli[i] / 1000.0));
}

static void test_merge(void **state)
{
	struct ls_hist all, part[4], merged, empty;

	(void)state;
	ls_hist_init(&all);
	ls_hist_init(&merged);
	ls_hist_init(&empty);
	for (int p = 0; p < 4; p++)
		ls_hist_init(&part[p]);
	/* Parts cover different ranges so merge has to grow both ways. */
	for (int i = 0; i < 100000; i++) {
		int p = (int)(rnd() % 4);
		uint64_t v = rnd() >> (p * 16 + (int)(rnd() % 16));

		ls_hist_add(&all, v);
		ls_hist_add(&part[p], v);
	}
	assert_true(ls_hist_merge(&merged, &part[1]));
	assert_true(ls_hist_merge(&merged, &part[3]));
	assert_true(ls_hist_merge(&merged, &part[0]));
	assert_true(ls_hist_merge(&merged, &part[2]));
	assert_true(ls_hist_merge(&merged, &empty));
	assert_same(&merged, &all);

	/* Merging into an empty histogram copies it. */
	assert_true(ls_hist_merge(&empty, &all));
	assert_same(&empty, &all);
	/* Merging into itself doubles every count. */
	assert_true(ls_hist_merge(&empty, &empty));
	assert_true(empty.count == 2 * all.count && empty.min == all.min &&
		    empty.max == all.max);

	ls_hist_free(&all);
	ls_hist_free(&merged);
	ls_hist_free(&empty);
	for (int p = 0; p < 4; p++)
		ls_hist_free(&part[p]);
}

static void test_memory_narrow(void **state)
{
	struct ls_hist h;
	unsigned lo_oct = ls_hist_bucket_of(1000) / LS_HIST_SUB;
	unsigned hi_oct = ls_hist_bucket_of(1500) / LS_HIST_SUB;
	uint64_t c;

	(void)state;
	ls_hist_init(&h);
	for (int i = 0; i < 100000; i++)
		ls_hist_add(&h, 1000 + rnd() % 501);
	assert_int_equal(h.lo_oct, lo_oct);
	assert_int_equal(h.n_oct, hi_oct - lo_oct + 1);
	assert_true(h.n_oct <= 2);

	/* Grow downwards then upwards: old counts must move with the array. */
	ls_hist_add(&h, 3);
	ls_hist_add(&h, 1ull << 40);
	assert_int_equal(h.lo_oct, 0);
	assert_int_equal(h.n_oct, ls_hist_bucket_of(1ull << 40) / LS_HIST_SUB + 1);
	assert_int_equal(ls_hist_next_bucket(&h, 0, &c), 3);
	assert_true(c == 1);
	assert_int_equal(ls_hist_next_bucket(&h, 4, &c), (int)ls_hist_bucket_of(1000));
	assert_true(h.count == 100002);
	ls_hist_free(&h);
}

static void test_next_bucket(void **state)
{
	static uint64_t expect[NBUCKETS];
	struct ls_hist h;
	uint64_t c, total = 0;
	int prev = -1;

	(void)state;
	ls_hist_init(&h);
	assert_int_equal(ls_hist_next_bucket(&h, 0, &c), -1);
	memset(expect, 0, sizeof(expect));
	for (int i = 0; i < 50000; i++) {
		uint64_t v = rnd() >> (20 + rnd() % 44);

		expect[ls_hist_bucket_of(v)]++;
		ls_hist_add(&h, v);
	}
	for (int i = ls_hist_next_bucket(&h, 0, &c); i >= 0;
	     i = ls_hist_next_bucket(&h, (unsigned)i + 1, &c)) {
		assert_true(i > prev);
		/* Every bucket in between was empty. */
		for (int j = prev + 1; j < i; j++)
			assert_true(expect[j] == 0);
		assert_true(c == expect[i] && c > 0);
		total += c;
		prev = i;
	}
	assert_true(total == h.count);
	assert_int_equal(ls_hist_next_bucket(&h, NBUCKETS, NULL), -1);
	ls_hist_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry_small),
		cmocka_unit_test(test_geometry_all_buckets),
		cmocka_unit_test(test_geometry_random),
		cmocka_unit_test(test_pct_uniform),
		cmocka_unit_test(test_pct_skewed),
		cmocka_unit_test(test_pct_adversarial),
		cmocka_unit_test(test_pct_edge_args),
		cmocka_unit_test(test_stats_exact),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_memory_narrow),
		cmocka_unit_test(test_next_bucket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
