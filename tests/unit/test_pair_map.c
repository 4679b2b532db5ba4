/*
 * Bounded u64 table of the offline pairing engine (lib/pair_map.c):
 * insert, lookup, delete (backward shift) against a plain reference array
 * over a random workload with heavy collisions, eviction when full, and
 * the function-name keys built on it (lib/offline_syms.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "offline_syms.h"
#include "pair_map.h"

struct val {
	uint64_t key_copy;
	uint32_t n;
};

static void test_basic(void **st)
{
	struct ls_pmap *m = ls_pmap_new(4, sizeof(struct val));
	struct val *v;
	int how;

	(void)st;
	assert_non_null(m);
	assert_null(ls_pmap_get(m, 7));
	v = ls_pmap_put(m, 7, &how);
	assert_int_equal(how, LS_PMAP_NEW);
	assert_int_equal(v->n, 0);
	v->n = 5;
	v = ls_pmap_put(m, 7, &how);
	assert_int_equal(how, LS_PMAP_FOUND);
	assert_int_equal(v->n, 5);
	assert_int_equal(ls_pmap_count(m), 1);
	assert_int_equal(ls_pmap_del(m, 7), 1);
	assert_int_equal(ls_pmap_del(m, 7), 0);
	assert_null(ls_pmap_get(m, 7));
	assert_int_equal(ls_pmap_count(m), 0);
	assert_null(ls_pmap_new(3, 8));
	assert_null(ls_pmap_new(25, 8));
	assert_null(ls_pmap_new(8, 0));
	ls_pmap_free(m);
}

/* Full table: 12 of 16 slots; the 13th key evicts one, others stay. */
static void test_evict(void **st)
{
	struct ls_pmap *m = ls_pmap_new(4, sizeof(struct val));
	int how, present = 0;
	struct val *v;

	(void)st;
	for (uint64_t k = 1; k <= 12; k++) {
		v = ls_pmap_put(m, k, &how);
		assert_int_equal(how, LS_PMAP_NEW);
		v->key_copy = k;
	}
	v = ls_pmap_put(m, 1000, &how);
	assert_int_equal(how, LS_PMAP_EVICTED);
	v->key_copy = 1000;
	assert_int_equal(ls_pmap_count(m), 12);
	for (uint64_t k = 1; k <= 12; k++) {
		v = ls_pmap_get(m, k);
		if (v) {
			assert_true(v->key_copy == k);
			present++;
		}
	}
	assert_int_equal(present, 11);
	v = ls_pmap_get(m, 1000);
	assert_non_null(v);
	assert_true(v->key_copy == 1000);
	ls_pmap_free(m);
}

static int count_entry(uint64_t key, void *value, void *ctx)
{
	const struct val *v = value;

	assert_true(v->key_copy == key);
	(*(size_t *)ctx)++;
	return 0;
}

/* Random puts and dels over few keys in a small table, checked against a
 * reference after each step: probe chains survive every deletion. */
static void test_random(void **st)
{
	enum { KEYS = 40, STEPS = 200000 };
	struct ls_pmap *m = ls_pmap_new(6, sizeof(struct val)); /* 48 usable */
	uint32_t ref[KEYS] = { 0 };
	unsigned seed = 12345;
	size_t n;

	(void)st;
	for (int i = 0; i < STEPS; i++) {
		/* keys that share home slots: multiples of a large power of 2 */
		uint64_t k = (uint64_t)(rand_r(&seed) % KEYS) << 40;
		size_t idx = (size_t)(k >> 40);
		struct val *v;
		int how;

		if (rand_r(&seed) % 3) {
			v = ls_pmap_put(m, k, &how);
			assert_int_equal(how, ref[idx] ? LS_PMAP_FOUND : LS_PMAP_NEW);
			if (!ref[idx])
				v->key_copy = k;
			v->n++;
			ref[idx]++;
		} else {
			assert_int_equal(ls_pmap_del(m, k), ref[idx] != 0);
			ref[idx] = 0;
		}
		for (size_t j = 0; j < KEYS; j++) {
			v = ls_pmap_get(m, (uint64_t)j << 40);
			if (ref[j])
				assert_true(v && v->n == ref[j]);
			else
				assert_null(v);
		}
	}
	n = 0;
	ls_pmap_foreach(m, count_entry, &n);
	assert_int_equal(n, ls_pmap_count(m));
	ls_pmap_free(m);
}

static uint32_t key_of(struct ls_osyms *s, const char *txt)
{
	uint32_t key = 12345;

	assert_int_equal(ls_osyms_key(s, txt, strlen(txt), &key), 0);
	return key;
}

static void test_osyms(void **st)
{
	struct ls_osyms *s = ls_osyms_new(NULL);
	uint32_t a, b;
	char buf[64];
	uint32_t key;

	(void)st;
	a = key_of(s, "tick_nohz_handler");
	assert_true(a == LS_OSYMS_BASE);
	/* the same function however it is printed */
	assert_true(key_of(s, "tick_nohz_handler+0x0/0x120") == a);
	assert_true(key_of(s, "tick_nohz_handler/0x0") == a);
	b = key_of(s, "hrtimer_wakeup");
	assert_true(b == LS_OSYMS_BASE + 16);
	assert_string_equal(ls_ksyms_format(ls_osyms_table(s), LS_KADDR(a), buf, sizeof(buf)),
			    "tick_nohz_handler");
	assert_string_equal(ls_ksyms_format(ls_osyms_table(s), LS_KADDR(b), buf, sizeof(buf)),
			    "hrtimer_wakeup");
	/* raw addresses keep their low 32 bits; no function is 0 */
	assert_true(key_of(s, "0xffffffff81234567") == 0x81234567u);
	assert_true(key_of(s, "0x0") == 0);
	assert_true(key_of(s, "0") == 0);
	assert_true(key_of(s, "(nil)") == 0);
	assert_string_equal(ls_ksyms_format(ls_osyms_table(s), LS_KADDR(0x81234567u), buf,
					    sizeof(buf)), "0xffffffff81234567");
	assert_int_equal(ls_osyms_count(s), 2);
	assert_int_equal(ls_osyms_key(s, "", 0, &key), -1);
	assert_int_equal(ls_osyms_key(s, "a b", 3, &key), -1);
	assert_int_equal(ls_osyms_key(s, "0xzz", 4, &key), -1);
	/* bounded: names beyond the cap share the "other" key */
	for (int i = 2; i < LS_OSYMS_MAX; i++) {
		snprintf(buf, sizeof(buf), "fn_%d", i);
		assert_true(key_of(s, buf) == LS_OSYMS_BASE + 16u * (uint32_t)i);
	}
	assert_true(key_of(s, "one_too_many") == LS_KEY_OTHER);
	assert_true(key_of(s, "fn_7") == LS_OSYMS_BASE + 16 * 7);
	assert_int_equal(ls_osyms_overflow(s), 1);
	ls_osyms_free(s);
}

/* With the traced kernel's symbols, keys are the real addresses. */
static void test_osyms_real(void **st)
{
	struct ls_ksyms *real = ls_ksyms_new();
	struct ls_osyms *s;

	(void)st;
	assert_int_equal(ls_ksyms_add(real, 0xffffffff81100000ull, "tick_nohz_handler"), 0);
	assert_int_equal(ls_ksyms_add(real, 0xffffffff81000000ull, "hrtimer_wakeup"), 0);
	s = ls_osyms_new(real);
	assert_true(key_of(s, "tick_nohz_handler") == 0x81100000u);
	assert_true(key_of(s, "hrtimer_wakeup/0x0") == 0x81000000u);
	assert_true(key_of(s, "not_in_table") == LS_OSYMS_BASE + 16 * 2);
	ls_osyms_free(s);
	ls_ksyms_free(real);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_evict),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_osyms),
		cmocka_unit_test(test_osyms_real),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
