// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Aggregator: routing by kind, derived classes, series cap, merge, foreach. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agg.h"

static struct ls_rec rec(uint8_t kind, uint16_t cpu, uint32_t key,
			 uint64_t dur, uint32_t arg)
{
	struct ls_rec r = {
		.ts = 1000, .dur = dur, .key = key, .pid = 42,
		.arg = arg, .cpu = cpu, .kind = kind,
	};
	return r;
}

static void add(struct ls_agg *a, uint8_t kind, uint16_t cpu, uint32_t key,
		uint64_t dur, uint32_t arg)
{
	struct ls_rec r = rec(kind, cpu, key, dur, arg);

	ls_agg_add(a, &r);
}

/* A span nested in another interrupt span: it derives no irq-off window of
 * its own (lib/windows.c), so only its own class's series appear. */
static void add_nested(struct ls_agg *a, uint8_t kind, uint16_t cpu, uint32_t key,
		       uint64_t dur, uint32_t arg)
{
	struct ls_rec r = rec(kind, cpu, key, dur, arg);

	r.flags = LS_F_IN_VECTOR | LS_F_IN_HARDIRQ;
	ls_agg_add(a, &r);
}

static struct ls_agg_stats stats(const struct ls_agg *a)
{
	struct ls_agg_stats st;

	ls_agg_get_stats(a, &st);
	return st;
}

/* Merge of one selection; checks the number of series it covered. */
static struct ls_hist merged(const struct ls_agg *a, uint32_t cls, int64_t cpu,
			     int64_t key, size_t nseries)
{
	struct ls_hist h;

	ls_hist_init(&h);
	assert_int_equal(ls_agg_merge(a, cls, cpu, key, &h), nseries);
	return h;
}

/* The single series (cls, cpu, key) holds exactly the values lo..hi, n of them. */
static void assert_series(const struct ls_agg *a, uint32_t cls, uint32_t cpu,
			  uint32_t key, uint64_t n, uint64_t lo, uint64_t hi)
{
	struct ls_hist h = merged(a, cls, cpu, key, 1);

	assert_true(h.count == n);
	assert_true(h.min == lo);
	assert_true(h.max == hi);
	ls_hist_free(&h);
}

static void test_kinds(void **state)
{
	struct ls_agg *a = ls_agg_new(1000);
	struct ls_agg_stats st;

	(void)state;
	assert_non_null(a);
	add(a, LS_K_HARDIRQ, 1, 11, 500, 0);
	add(a, LS_K_HARDIRQ, 1, 11, 800, 0);
	add(a, LS_K_VECTOR, 0, LS_V_RESCHEDULE, 700, 0xef);
	add(a, LS_K_SOFTIRQ, 2, 3, 900, 300);

	assert_series(a, LS_K_HARDIRQ, 1, 11, 2, 500, 800);
	assert_series(a, LS_K_VECTOR, 0, LS_V_RESCHEDULE, 1, 700, 700);
	assert_series(a, LS_K_SOFTIRQ, 2, 3, 1, 900, 900);
	assert_series(a, LS_K_SOFTIRQ_RAISE, 2, 3, 1, 300, 300);
	/* Nothing leaked into other classes, cpus or keys. */
	merged(a, LS_K_HARDIRQ, 0, -1, 0);
	merged(a, LS_K_VECTOR, -1, 11, 0);
	merged(a, LS_K_NONE, -1, -1, 0);

	st = stats(a);
	assert_true(st.records == 4);
	assert_true(st.records_by_kind[LS_K_HARDIRQ] == 2);
	assert_true(st.records_by_kind[LS_K_VECTOR] == 1);
	assert_true(st.records_by_kind[LS_K_SOFTIRQ] == 1);
	assert_true(st.records_by_kind[LS_K_SOFTIRQ_RAISE] == 0);
	/* + the irq-off windows of the two outermost spans (the softirq's
	 * preempt-off window is pending until its pass is over) */
	assert_true(st.series == 6);
	assert_series(a, LS_K_IRQOFF, 1, 0 /* LS_WS_HARDIRQ */, 2, 500, 800);
	assert_series(a, LS_K_IRQOFF, 0, 1 /* LS_WS_VECTOR */, 1, 700, 700);
	assert_true(st.unknown_kind == 0 && st.series_overflow == 0);
	assert_true(st.alloc_failures == 0);
	assert_int_equal(st.max_cpu_seen, 3);
	ls_agg_free(a);
}

static void test_softirq_raise(void **state)
{
	struct ls_agg *a = ls_agg_new(1000);
	struct ls_hist h;

	(void)state;
	add(a, LS_K_SOFTIRQ, 0, 1, 100, LS_ARG_NONE);
	assert_true(stats(a).series == 1); /* no raise: no raise series */
	merged(a, LS_K_SOFTIRQ_RAISE, -1, -1, 0);

	add(a, LS_K_SOFTIRQ, 0, 1, 100, 0);
	add(a, LS_K_SOFTIRQ, 0, 1, 100, LS_ARG_SAT);
	add(a, LS_K_SOFTIRQ, 0, 1, 100, 12345);
	assert_series(a, LS_K_SOFTIRQ, 0, 1, 4, 100, 100);
	assert_series(a, LS_K_SOFTIRQ_RAISE, 0, 1, 3, 0, 0xfffffffe);
	h = merged(a, LS_K_SOFTIRQ_RAISE, 0, 1, 1);
	assert_true(h.sum == 0xfffffffeull + 12345);
	ls_hist_free(&h);
	assert_true(stats(a).records == 4);
	ls_agg_free(a);
}

static void test_unknown_kinds(void **state)
{
	struct ls_agg *a = ls_agg_new(1000);
	struct ls_agg_stats st;

	(void)state;
	add(a, LS_K_NONE, 0, 1, 10, 0);
	add(a, LS_K_SOFTIRQ_RAISE, 0, 1, 10, 0);
	add(a, 7, 0, 1, 10, 0);
	add(a, LS_K_MAX, 0, 1, 10, 0);
	add(a, 200, 9, 1, 10, 0);
	st = stats(a);
	assert_true(st.records == 5);
	assert_true(st.unknown_kind == 5);
	assert_true(st.series == 0);
	assert_true(st.records_by_kind[LS_K_NONE] == 1);
	assert_true(st.records_by_kind[LS_K_SOFTIRQ_RAISE] == 1);
	assert_true(st.records_by_kind[7] == 1);
	assert_int_equal(st.max_cpu_seen, 10);
	ls_agg_free(a);
}

/* An hrtimer record without a known expiry (offline traces) feeds its run
 * time only: no lateness is invented. */
static void test_hrtimer_no_expiry(void **state)
{
	struct ls_agg *a = ls_agg_new(1000);
	struct ls_rec_hrtimer t = {
		.h = { .ts = 1, .dur = 700, .key = 0x1000, .arg = 77, .cpu = 1,
		       .kind = LS_K_HRTIMER, .flags = LS_F_NO_EXPIRY },
		.late = 0, .soft_late = 0, .comm = "sleeper",
	};

	(void)state;
	ls_agg_add(a, &t.h);
	assert_series(a, LS_K_HRTIMER, 1, 0x1000, 1, 700, 700);
	merged(a, LS_K_HRTIMER_LATE, -1, -1, 0);
	merged(a, LS_K_HRTIMER_EARLY, -1, -1, 0);
	merged(a, LS_K_HRTIMER_WAKEUP, -1, -1, 0);
	assert_true(stats(a).hrtimer_no_expiry == 1);
	t.h.flags = 0;
	t.late = 300;
	t.soft_late = 400;
	ls_agg_add(a, &t.h);
	assert_series(a, LS_K_HRTIMER_LATE, 1, 0x1000, 1, 300, 300);
	assert_series(a, LS_K_HRTIMER_WAKEUP, 1, 77, 1, 400, 400);
	assert_true(stats(a).hrtimer_no_expiry == 1);
	ls_agg_free(a);
}

static void test_cap_and_other(void **state)
{
	struct ls_agg *a = ls_agg_new(3);
	struct ls_agg_stats st;

	(void)state;
	for (uint32_t k = 1; k <= 3; k++)
		add_nested(a, LS_K_HARDIRQ, 0, k, 100 * k, 0);
	assert_true(stats(a).series == 3 && stats(a).series_overflow == 0);

	/* Full: new keys fold into (hardirq, 0, other), one value at a time. */
	add_nested(a, LS_K_HARDIRQ, 0, 4, 400, 0);
	add_nested(a, LS_K_HARDIRQ, 0, 4, 401, 0);
	add_nested(a, LS_K_HARDIRQ, 0, 5, 500, 0);
	st = stats(a);
	assert_true(st.series == 4);
	assert_true(st.series_overflow == 3);
	assert_series(a, LS_K_HARDIRQ, 0, LS_KEY_OTHER, 3, 400, 500);
	merged(a, LS_K_HARDIRQ, 0, 4, 0);

	/* Existing keys still land in their own series. */
	add_nested(a, LS_K_HARDIRQ, 0, 2, 250, 0);
	assert_series(a, LS_K_HARDIRQ, 0, 2, 2, 200, 250);
	assert_true(stats(a).series_overflow == 3);

	/* One other series per (class, cpu), even past the cap. */
	add_nested(a, LS_K_HARDIRQ, 1, 9, 900, 0);
	add_nested(a, LS_K_SOFTIRQ, 0, 3, 30, 7);
	st = stats(a);
	assert_true(st.series == 7);
	assert_true(st.series_overflow == 6); /* softirq + its raise value */
	assert_series(a, LS_K_HARDIRQ, 1, LS_KEY_OTHER, 1, 900, 900);
	assert_series(a, LS_K_SOFTIRQ, 0, LS_KEY_OTHER, 1, 30, 30);
	assert_series(a, LS_K_SOFTIRQ_RAISE, 0, LS_KEY_OTHER, 1, 7, 7);

	/* A value aimed at "other" itself is not an overflow. */
	ls_agg_add_value(a, LS_K_HARDIRQ, 0, LS_KEY_OTHER, 1);
	assert_true(stats(a).series_overflow == 6);
	assert_series(a, LS_K_HARDIRQ, 0, LS_KEY_OTHER, 4, 1, 500);
	assert_true(stats(a).records == 9); /* add_value is not a record */
	ls_agg_free(a);
}

static void test_cap_zero(void **state)
{
	struct ls_agg *a = ls_agg_new(0);

	(void)state;
	for (uint32_t k = 0; k < 10; k++)
		add_nested(a, LS_K_VECTOR, 3, k, k, 0);
	assert_true(stats(a).series == 1);
	assert_true(stats(a).series_overflow == 10);
	assert_series(a, LS_K_VECTOR, 3, LS_KEY_OTHER, 10, 0, 9);
	ls_agg_free(a);
}

static void test_merge_select(void **state)
{
	struct ls_agg *a = ls_agg_new(1000);
	struct ls_hist h;

	(void)state;
	/* Value encodes where it came from: cpu * 100 + key. */
	for (uint16_t cpu = 0; cpu < 4; cpu++)
		for (uint32_t key = 10; key < 13; key++)
			add(a, LS_K_HARDIRQ, cpu, key, cpu * 100u + key, 0);
	add(a, LS_K_VECTOR, 0, 10, 5, 0);

	h = merged(a, LS_K_HARDIRQ, -1, -1, 12);
	assert_true(h.count == 12 && h.min == 10 && h.max == 312);
	ls_hist_free(&h);
	h = merged(a, LS_K_HARDIRQ, 2, -1, 3);
	assert_true(h.count == 3 && h.min == 210 && h.max == 212);
	ls_hist_free(&h);
	h = merged(a, LS_K_HARDIRQ, -1, 11, 4);
	assert_true(h.count == 4 && h.min == 11 && h.max == 311);
	ls_hist_free(&h);
	h = merged(a, LS_K_HARDIRQ, 3, 12, 1);
	assert_true(h.count == 1 && h.min == 312);
	ls_hist_free(&h);
	h = merged(a, LS_K_VECTOR, -1, -1, 1);
	assert_true(h.count == 1 && h.min == 5);
	ls_hist_free(&h);
	/* No match leaves out untouched. */
	h = merged(a, LS_K_HARDIRQ, 4, -1, 0);
	assert_true(h.count == 0);
	merged(a, LS_K_HARDIRQ, -1, 13, 0);
	merged(a, LS_K_HARDIRQ, -1, LS_KEY_OTHER, 0);
	merged(a, LS_K_HARDIRQ, (int64_t)1 << 40, -1, 0);
	ls_agg_free(a);
}

struct visit {
	uint8_t *seen;   /* indexed by cls * 64 * 64 + cpu * 64 + key */
	size_t visits;
	uint64_t values;
	size_t stop_after;
	const struct ls_series *first;
};

static int visit_fn(const struct ls_series *s, void *ctx)
{
	struct visit *v = ctx;

	assert_true(s->cls < LS_K_MAX && s->cpu < 64 && s->key < 64);
	v->seen[(s->cls * 64 + s->cpu) * 64 + s->key]++;
	v->values += s->h.count;
	if (!v->first)
		v->first = s;
	return ++v->visits == v->stop_after ? 7 : 0;
}

static void test_foreach(void **state)
{
	struct ls_agg *a = ls_agg_new(100000);
	struct visit v = { .seen = calloc(LS_K_MAX * 64 * 64, 1) };
	struct visit stop = { .seen = calloc(LS_K_MAX * 64 * 64, 1), .stop_after = 10 };
	const struct ls_series *first;
	uint32_t cls, cpu, key;
	size_t n = 0;

	(void)state;
	/* Thousands of series: the table and the series storage both grow. */
	for (cls = LS_K_HARDIRQ; cls <= LS_K_VECTOR; cls++)
		for (cpu = 0; cpu < 64; cpu++)
			for (key = 0; key < 64; key += 1 + cpu % 3) {
				ls_agg_add_value(a, cls, cpu, key, key);
				ls_agg_add_value(a, cls, cpu, key, cpu);
				n++;
			}
	assert_true(stats(a).series == n);
	assert_int_equal(ls_agg_foreach(a, visit_fn, &v), 0);
	assert_true(v.visits == n);
	assert_true(v.values == 2 * n);
	for (cls = 0; cls < LS_K_MAX; cls++)
		for (cpu = 0; cpu < 64; cpu++)
			for (key = 0; key < 64; key++) {
				int want = cls >= LS_K_HARDIRQ && cls <= LS_K_VECTOR &&
					   key % (1 + cpu % 3) == 0;

				assert_int_equal(v.seen[(cls * 64 + cpu) * 64 + key], want);
			}
	free(v.seen);

	/* A non-zero return stops the walk and is passed back. */
	assert_int_equal(ls_agg_foreach(a, visit_fn, &stop), 7);
	assert_true(stop.visits == 10);
	free(stop.seen);

	/* Series pointers survive growth (ASan checks the reads). */
	first = stop.first;
	cls = first->cls, cpu = first->cpu, key = first->key;
	for (uint32_t k = 0; k < 20000; k++)
		ls_agg_add_value(a, LS_K_HARDIRQ, 63, 1000 + k, 1);
	ls_agg_add_value(a, cls, cpu, key, 3);
	assert_true(first->cls == cls && first->cpu == cpu && first->key == key);
	assert_true(first->h.count == 3);
	assert_int_equal(stats(a).max_cpu_seen, 64);
	ls_agg_free(a);
}

static int count_fn(const struct ls_series *s, void *ctx)
{
	(void)s;
	++*(size_t *)ctx;
	return 0;
}

/*
 * A long random stream over many series, checked against per-series counts
 * kept on the side: exercises probing, growth and the last-series cache.
 */
static void test_random_stream(void **state)
{
	enum { CPUS = 64, KEYS = 40 };
	static uint64_t want[4][CPUS][KEYS];
	struct ls_agg *a = ls_agg_new(1000000);
	uint64_t x = 88172645463325252ull;
	size_t n = 0;

	(void)state;
	memset(want, 0, sizeof(want));
	for (int i = 0; i < 500000; i++) {
		uint8_t kinds[] = { LS_K_HARDIRQ, LS_K_SOFTIRQ, LS_K_VECTOR };
		uint8_t kind;
		uint16_t cpu;
		uint32_t key;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		kind = kinds[x % 3];
		cpu = (uint16_t)((x >> 8) % CPUS);
		key = (uint32_t)((x >> 20) % KEYS);
		/* Runs of the same source, as real interrupt storms produce. */
		for (int rep = (x >> 40) % 4 == 0 ? 3 : 1; rep; rep--) {
			add(a, kind, cpu, key, x >> 50, (uint32_t)(x >> 45));
			want[kind - 1][cpu][key]++;
			if (kind == LS_K_SOFTIRQ)
				want[LS_K_SOFTIRQ_RAISE - 1][cpu][key]++;
		}
	}
	for (uint32_t cls = 0; cls < 4; cls++)
		for (uint32_t cpu = 0; cpu < CPUS; cpu++)
			for (uint32_t key = 0; key < KEYS; key++) {
				struct ls_hist h;

				ls_hist_init(&h);
				ls_agg_merge(a, cls + 1, cpu, key, &h);
				assert_true(h.count == want[cls][cpu][key]);
				ls_hist_free(&h);
			}
	ls_agg_foreach(a, count_fn, &n);
	assert_true(n == stats(a).series);
	assert_true(stats(a).series_overflow == 0);
	ls_agg_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_softirq_raise),
		cmocka_unit_test(test_unknown_kinds),
		cmocka_unit_test(test_hrtimer_no_expiry),
		cmocka_unit_test(test_cap_and_other),
		cmocka_unit_test(test_cap_zero),
		cmocka_unit_test(test_merge_select),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_random_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
