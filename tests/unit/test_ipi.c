// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* IPI records: aggregation into the ipi classes, the ipis view, key names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agg.h"
#include "ksyms.h"
#include "names.h"
#include "prom.h"
#include "report_ipis.h"

/* A made-up kernel: two callbacks and the functions holding two callsites. */
#define SMP_FN   0xffffffff81443290ull /* generic_smp_call_function_single_interrupt */
#define WORK_FN  0xffffffff81200000ull /* bpf_mem_refill */
#define TTWU     0xffffffff81100000ull /* ttwu_queue_wakelist */
#define RESCHED  0xffffffff81180000ull /* resched_curr */
#define TTWU_SITE (TTWU + 0x11d)
#define RESCHED_SITE (RESCHED + 0x40)

static struct ls_ksyms *ks;

static int setup_ksyms(void **state)
{
	char path[] = "/tmp/latscope-test-ipi-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	(void)state;
	if (!f)
		return -1;
	fprintf(f, "%llx T ttwu_queue_wakelist\n%llx t resched_curr\n"
		"%llx T bpf_mem_refill\n%llx T generic_smp_call_function_single_interrupt\n"
		"%llx T zzz_after\n", TTWU, RESCHED, WORK_FN, SMP_FN, SMP_FN + 0x10);
	fclose(f);
	ks = ls_ksyms_load(path);
	unlink(path);
	if (!ks)
		return -1;
	ls_names_set_ksyms(ks);
	return 0;
}

static int teardown_ksyms(void **state)
{
	(void)state;
	ls_names_set_ksyms(NULL);
	ls_ksyms_free(ks);
	return 0;
}

static void add_ipi(struct ls_agg *a, uint16_t target, uint16_t sender, uint64_t callback,
		    uint64_t callsite, uint64_t dur, uint16_t coalesced)
{
	struct ls_rec_ipi r = {
		.h = { .ts = 1000, .dur = dur, .key = (uint32_t)callback, .pid = 77,
		       .arg = sender, .cpu = target, .kind = LS_K_IPI },
		.callsite = (uint32_t)callsite,
		.vector = LS_V_CALL_FUNCTION_SINGLE,
		.coalesced = coalesced,
		.comm = "sender",
	};

	ls_agg_add(a, &r.h);
}

/* The single series (cls, cpu, key): n values, and their sum. */
static void assert_series(const struct ls_agg *a, uint32_t cls, uint32_t cpu, uint32_t key,
			  uint64_t n, uint64_t sum)
{
	struct ls_hist h;

	ls_hist_init(&h);
	assert_int_equal(ls_agg_merge(a, cls, cpu, key, &h), 1);
	assert_true(h.count == n);
	assert_true(h.sum == sum);
	ls_hist_free(&h);
}

/*
 * The workload of the view tests. Target 1: 10 smp calls from CPU 0 at
 * ttwu (1..10 us, 3 of them served 2 more sends each), 2 reschedules
 * from CPU 0 (50 us). Target 0: 4 smp calls from CPU 1 (20 us), 1 irq_work
 * self-IPI (8 us, saturated coalescing).
 */
static struct ls_agg *workload(void)
{
	struct ls_agg *a = ls_agg_new(1000);

	assert_non_null(a);
	for (int i = 1; i <= 10; i++)
		add_ipi(a, 1, 0, SMP_FN, TTWU_SITE, i * 1000ull, i <= 3 ? 2 : 0);
	add_ipi(a, 1, 0, 0, RESCHED_SITE, 50000, 0);
	add_ipi(a, 1, 0, 0, RESCHED_SITE, 50000, 0);
	for (int i = 0; i < 4; i++)
		add_ipi(a, 0, 1, SMP_FN, TTWU_SITE, 20000, 0);
	add_ipi(a, 0, 0, WORK_FN, WORK_FN + 0x29, 8000, 0xffff);
	return a;
}

static void test_routing(void **state)
{
	struct ls_agg *a = workload();
	struct ls_agg_stats st;

	(void)state;
	assert_series(a, LS_K_IPI, 1, (uint32_t)SMP_FN, 10, 55000);
	assert_series(a, LS_K_IPI, 1, 0, 2, 100000);
	assert_series(a, LS_K_IPI_BY_SENDER, 1, 0, 12, 155000);
	assert_series(a, LS_K_IPI_BY_SENDER, 0, 1, 4, 80000);
	assert_series(a, LS_K_IPI_BY_SENDER, 0, 0, 1, 8000);
	assert_series(a, LS_K_IPI_CALLSITE, 1, (uint32_t)TTWU_SITE, 10, 55000);
	assert_series(a, LS_K_IPI_CALLSITE, 0, (uint32_t)TTWU_SITE, 4, 80000);
	/* sends per run: 3 runs served 3 sends, 7 served 1 */
	assert_series(a, LS_K_IPI_SENDS, 1, (uint32_t)SMP_FN, 10, 16);
	assert_series(a, LS_K_IPI_CALLSITE_SENDS, 1, (uint32_t)TTWU_SITE, 10, 16);
	assert_series(a, LS_K_IPI_SENDS, 0, (uint32_t)WORK_FN, 1, 65536);
	ls_agg_get_stats(a, &st);
	assert_int_equal(st.records_by_kind[LS_K_IPI], 17);
	assert_int_equal(st.unknown_kind, 0);
	ls_agg_free(a);
}

static json_object *member(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		fail_msg("no member \"%s\" in %s", k, json_object_to_json_string(o));
	return v;
}

static uint64_t u64(json_object *o, const char *k)
{
	return json_object_get_uint64(member(o, k));
}

static const char *name_of(json_object *o, const char *k)
{
	return json_object_get_string(member(member(o, k), "name"));
}

/* The view's percentiles are the aggregated histogram's. */
static void assert_latency(json_object *e, const uint64_t *v, size_t n)
{
	struct ls_hist h;

	ls_hist_init(&h);
	for (size_t i = 0; i < n; i++)
		ls_hist_add(&h, v[i]);
	assert_int_equal(u64(e, "count"), n);
	assert_int_equal(u64(e, "p50_ns"), ls_hist_percentile(&h, 50));
	assert_int_equal(u64(e, "p99_ns"), ls_hist_percentile(&h, 99));
	assert_int_equal(u64(e, "max_ns"), h.max);
	ls_hist_free(&h);
}

static void test_view(void **state)
{
	static const uint64_t smp1[] = { 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000 };
	static const uint64_t all1[] = { 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000,
					 50000, 50000 };
	struct ls_agg *a = workload();
	json_object *v = ls_report_ipis(a, 2, -1), *m, *c0, *c1, *cb, *cs;

	(void)state;
	assert_int_equal(u64(v, "ncpus"), 2);
	/* matrix: by target, then sender */
	m = member(v, "matrix");
	assert_int_equal(json_object_array_length(m), 3);
	assert_string_equal(name_of(json_object_array_get_idx(m, 0), "sender"), "cpu0");
	assert_int_equal(u64(json_object_array_get_idx(m, 0), "target"), 0);
	assert_int_equal(u64(json_object_array_get_idx(m, 0), "count"), 1);
	assert_string_equal(name_of(json_object_array_get_idx(m, 1), "sender"), "cpu1");
	assert_int_equal(u64(json_object_array_get_idx(m, 1), "count"), 4);
	assert_int_equal(u64(json_object_array_get_idx(m, 1), "p99_ns"), 20000);
	assert_latency(json_object_array_get_idx(m, 2), all1, 12);
	assert_int_equal(u64(json_object_array_get_idx(m, 2), "target"), 1);

	c0 = json_object_array_get_idx(member(v, "cpus"), 0);
	c1 = json_object_array_get_idx(member(v, "cpus"), 1);
	assert_int_equal(u64(c0, "cpu"), 0);
	assert_int_equal(u64(c0, "count"), 5);
	assert_int_equal(u64(c0, "coalesced"), 65535);
	assert_int_equal(u64(c1, "cpu"), 1);
	assert_latency(c1, all1, 12);
	assert_int_equal(u64(c1, "coalesced"), 6);

	/* callbacks on CPU 1, most frequent first; reschedules have none */
	cb = member(c1, "callbacks");
	assert_int_equal(json_object_array_length(cb), 2);
	assert_string_equal(name_of(json_object_array_get_idx(cb, 0), "callback"),
			    "generic_smp_call_function_single_interrupt");
	assert_latency(json_object_array_get_idx(cb, 0), smp1, 10);
	assert_int_equal(u64(json_object_array_get_idx(cb, 0), "coalesced"), 6);
	assert_string_equal(name_of(json_object_array_get_idx(cb, 1), "callback"), "none");
	assert_int_equal(u64(member(json_object_array_get_idx(cb, 1), "callback"), "key"), 0);
	assert_int_equal(u64(json_object_array_get_idx(cb, 1), "count"), 2);
	assert_int_equal(u64(json_object_array_get_idx(cb, 1), "coalesced"), 0);

	cs = member(c1, "callsites");
	assert_int_equal(json_object_array_length(cs), 2);
	assert_string_equal(name_of(json_object_array_get_idx(cs, 0), "callsite"),
			    "ttwu_queue_wakelist+0x11d");
	assert_int_equal(u64(json_object_array_get_idx(cs, 0), "coalesced"), 6);
	assert_string_equal(name_of(json_object_array_get_idx(cs, 1), "callsite"),
			    "resched_curr+0x40");

	cs = member(c0, "callsites");
	assert_string_equal(name_of(json_object_array_get_idx(cs, 0), "callsite"),
			    "ttwu_queue_wakelist+0x11d");
	assert_string_equal(name_of(json_object_array_get_idx(cs, 1), "callsite"),
			    "bpf_mem_refill+0x29");
	json_object_put(v);
	ls_agg_free(a);
}

static void test_cpu_filter(void **state)
{
	struct ls_agg *a = workload();
	json_object *v = ls_report_ipis(a, 2, 0), *cpus, *m;

	(void)state;
	m = member(v, "matrix");
	assert_int_equal(json_object_array_length(m), 2);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(u64(json_object_array_get_idx(m, i), "target"), 0);
	cpus = member(v, "cpus");
	assert_int_equal(json_object_array_length(cpus), 1);
	assert_int_equal(u64(json_object_array_get_idx(cpus, 0), "cpu"), 0);
	json_object_put(v);
	ls_agg_free(a);
}

static void test_empty(void **state)
{
	struct ls_agg *a = ls_agg_new(10);
	json_object *v = ls_report_ipis(a, 3, -1), *c;
	json_object *unused;

	(void)state;
	assert_int_equal(json_object_array_length(member(v, "matrix")), 0);
	assert_int_equal(json_object_array_length(member(v, "cpus")), 3);
	c = json_object_array_get_idx(member(v, "cpus"), 2);
	assert_int_equal(u64(c, "cpu"), 2);
	assert_int_equal(u64(c, "count"), 0);
	assert_int_equal(u64(c, "coalesced"), 0);
	assert_false(json_object_object_get_ex(c, "p99_ns", &unused));
	assert_int_equal(json_object_array_length(member(c, "callbacks")), 0);
	assert_int_equal(json_object_array_length(member(c, "callsites")), 0);
	json_object_put(v);
	ls_agg_free(a);
}

/* Past the series cap new callbacks fold into "other" on each target. */
static void test_cap(void **state)
{
	struct ls_agg *a = ls_agg_new(5);
	json_object *v, *cb;
	struct ls_agg_stats st;

	(void)state;
	for (int i = 0; i < 4; i++)
		add_ipi(a, 0, 1, SMP_FN + 0x1000 * i, TTWU_SITE, 1000, 0);
	v = ls_report_ipis(a, 1, -1);
	cb = member(json_object_array_get_idx(member(v, "cpus"), 0), "callbacks");
	assert_string_equal(name_of(json_object_array_get_idx(cb, 0), "callback"), "other");
	assert_int_equal(u64(json_object_array_get_idx(cb, 0), "count"), 3);
	assert_int_equal(u64(json_object_array_get_idx(member(v, "cpus"), 0), "count"), 4);
	ls_agg_get_stats(a, &st);
	assert_true(st.series_overflow > 0);
	json_object_put(v);
	ls_agg_free(a);
}

/* The sends classes are counts: not exported as latency histograms. */
static void test_prom(void **state)
{
	struct ls_agg *a = workload();
	struct ls_prom p;
	char *text;
	size_t len;

	(void)state;
	assert_true(ls_class_is_count(LS_K_IPI_SENDS));
	assert_true(ls_class_is_count(LS_K_IPI_CALLSITE_SENDS));
	assert_false(ls_class_is_count(LS_K_IPI));
	assert_false(ls_class_is_count(LS_K_IPI_CALLSITE));
	assert_int_equal(ls_prom_open(&p), 0);
	ls_prom_histograms(&p, a);
	text = ls_prom_close(&p, &len);
	assert_non_null(text);
	assert_non_null(strstr(text, "class=\"ipi\""));
	assert_non_null(strstr(text, "class=\"ipi_callsite\""));
	assert_null(strstr(text, "ipi_sends"));
	assert_null(strstr(text, "ipi_callsite_sends"));
	free(text);
	ls_agg_free(a);
}

static void expect_parse(uint32_t cls, const char *s, uint32_t want)
{
	uint32_t key = 12345;

	if (ls_key_parse(cls, s, &key))
		fail_msg("class %s: \"%s\" did not parse", ls_class_name(cls), s);
	assert_int_equal(key, want);
}

static void test_names(void **state)
{
	static const uint32_t kaddr[] = {
		LS_K_IPI, LS_K_IPI_CALLSITE, LS_K_IPI_SENDS, LS_K_IPI_CALLSITE_SENDS,
	};
	char buf[128];
	uint32_t key;

	(void)state;
	assert_string_equal(ls_class_name(LS_K_IPI), "ipi");
	assert_string_equal(ls_class_name(LS_K_IPI_BY_SENDER), "ipi_by_sender");
	assert_string_equal(ls_class_name(LS_K_IPI_CALLSITE), "ipi_callsite");
	assert_string_equal(ls_class_name(LS_K_IPI_SENDS), "ipi_sends");
	assert_string_equal(ls_class_name(LS_K_IPI_CALLSITE_SENDS), "ipi_callsite_sends");
	for (size_t i = 0; i < sizeof(kaddr) / sizeof(kaddr[0]); i++) {
		uint32_t c = kaddr[i];

		/* what is printed parses back */
		expect_parse(c, ls_key_name(c, (uint32_t)TTWU_SITE, buf, sizeof(buf)),
			     (uint32_t)TTWU_SITE);
		assert_string_equal(buf, "ttwu_queue_wakelist+0x11d");
		expect_parse(c, ls_key_name(c, (uint32_t)SMP_FN, buf, sizeof(buf)), (uint32_t)SMP_FN);
		expect_parse(c, ls_key_name(c, 0, buf, sizeof(buf)), 0);
		assert_string_equal(buf, "none");
		/* an address below every symbol prints raw and parses back */
		expect_parse(c, ls_key_name(c, 0x1000, buf, sizeof(buf)), 0x1000);
		assert_string_equal(buf, "0xffffffff00001000");
		expect_parse(c, "NONE", 0);
		assert_int_equal(ls_key_parse(c, "ttwu_queue_wakelist+11d", &key), -1);
		assert_int_equal(ls_key_parse(c, "ttwu_queue_wakelist+0x", &key), -1);
		assert_int_equal(ls_key_parse(c, "no_such_function", &key), -1);
		assert_int_equal(ls_key_parse(c, "0x81100000", &key), -1); /* not kernel text */
		assert_int_equal(ls_key_parse(c, "0x", &key), -1);
		assert_int_equal(ls_key_parse(c, "+0x10", &key), -1);
	}
	assert_string_equal(ls_key_name(LS_K_IPI_BY_SENDER, 7, buf, sizeof(buf)), "cpu7");
	expect_parse(LS_K_IPI_BY_SENDER, "cpu7", 7);
	expect_parse(LS_K_IPI_BY_SENDER, "CPU12", 12);
	expect_parse(LS_K_IPI_BY_SENDER, "3", 3);
	assert_int_equal(ls_key_parse(LS_K_IPI_BY_SENDER, "cpu", &key), -1);
	assert_int_equal(ls_key_parse(LS_K_IPI_BY_SENDER, "cpu-1", &key), -1);
	assert_int_equal(ls_key_parse(LS_K_IPI_BY_SENDER, "ttwu_queue_wakelist", &key), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routing),
		cmocka_unit_test(test_view),
		cmocka_unit_test(test_cpu_filter),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_prom),
	};

	return cmocka_run_group_tests(tests, setup_ksyms, teardown_ksyms);
}
