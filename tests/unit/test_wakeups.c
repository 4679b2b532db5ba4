// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Wakeup records through the aggregator and the wakeups view: classes,
 * timer latency, worst lists, below-floor counts, names; and the wakeup
 * structs the BPF object shares with the daemon have one layout. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <cmocka.h>
#include <bpf/btf.h>

#include "agg.h"
#include "names.h"
#include "report.h"
#include "wakeups.h"

static char obj_path[4096];

/* Byte offset of member name in BTF struct t, or -1. */
static long btf_offset(const struct btf *btf, const struct btf_type *t, const char *name)
{
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), name))
			return btf_member_bit_offset(t, i) / 8;
	return -1;
}

static const struct btf_type *btf_struct(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);

	assert_true(id > 0);
	return btf__type_by_id(btf, id);
}

#define SAME_OFFSET(btf, t, type, field) \
	assert_int_equal(btf_offset(btf, t, #field), offsetof(type, field))

static void test_layout_matches_bpf(void **state)
{
	struct btf *btf = btf__parse(obj_path, NULL);
	const struct btf_type *t;

	(void)state;
	assert_non_null(btf);
	t = btf_struct(btf, "ls_rec_wakeup");
	assert_int_equal(t->size, sizeof(struct ls_rec_wakeup));
	SAME_OFFSET(btf, t, struct ls_rec_wakeup, since_expiry);
	SAME_OFFSET(btf, t, struct ls_rec_wakeup, waker_cpu);
	SAME_OFFSET(btf, t, struct ls_rec_wakeup, prio);
	SAME_OFFSET(btf, t, struct ls_rec_wakeup, culprit_prio);
	SAME_OFFSET(btf, t, struct ls_rec_wakeup, wflags);
	SAME_OFFSET(btf, t, struct ls_rec_wakeup, comm);
	SAME_OFFSET(btf, t, struct ls_rec_wakeup, culprit_comm);
	t = btf_struct(btf, "ls_wakeup_pcpu");
	assert_int_equal(t->size, sizeof(struct ls_wakeup_pcpu));
	SAME_OFFSET(btf, t, struct ls_wakeup_pcpu, nstaged);
	SAME_OFFSET(btf, t, struct ls_wakeup_pcpu, staged);
	t = btf_struct(btf, "ls_wakeup_stats");
	assert_int_equal(t->size, sizeof(struct ls_wakeup_stats));
	SAME_OFFSET(btf, t, struct ls_wakeup_stats, ran);
	SAME_OFFSET(btf, t, struct ls_wakeup_stats, untracked_new);
	btf__free(btf);
}

static struct ls_rec_wakeup wk(uint16_t cpu, uint32_t cls, uint64_t dur, uint32_t tid)
{
	struct ls_rec_wakeup r;

	memset(&r, 0, sizeof(r));
	r.h.ts = 1000000 + tid;
	r.h.dur = dur;
	r.h.key = cls;
	r.h.pid = 77;
	r.h.arg = tid;
	r.h.cpu = cpu;
	r.h.kind = LS_K_WAKEUP;
	r.waker_cpu = 1;
	r.prio = cls == LS_SCHED_RT ? 9 : cls == LS_SCHED_DL ? 255 : 120;
	r.culprit_prio = 120;
	memcpy(r.comm, "victim", 7);
	memcpy(r.culprit_comm, "hog", 4);
	return r;
}

static void add(struct ls_agg *a, const struct ls_rec_wakeup *r)
{
	ls_agg_add(a, &r->h);
}

static struct ls_hist merged(const struct ls_agg *a, uint32_t cls, int64_t cpu, int64_t key)
{
	struct ls_hist h;

	ls_hist_init(&h);
	ls_agg_merge(a, cls, cpu, key, &h);
	return h;
}

static void test_record_size(void **state)
{
	(void)state;
	assert_int_equal(ls_rec_size(LS_K_WAKEUP), sizeof(struct ls_rec_wakeup));
	assert_int_equal(sizeof(struct ls_rec_wakeup) % 8, 0);
	assert_int_equal(ls_rec_size(LS_K_WAKEUP_TIMER), 0); /* derived, never in a ring */
}

static void test_classes_and_timer(void **state)
{
	struct ls_agg *a = ls_agg_new(1000);
	struct ls_rec_wakeup r;
	struct ls_agg_stats st;
	struct ls_hist h;

	(void)state;
	r = wk(0, LS_SCHED_NORMAL, 5000, 1);
	add(a, &r);
	r = wk(0, LS_SCHED_NORMAL, 7000, 2);
	add(a, &r);
	r = wk(1, LS_SCHED_RT, 3000, 3);
	r.wflags = LS_WF_TIMER | LS_WF_PREEMPT;
	r.since_expiry = 4500;
	add(a, &r);
	r = wk(1, LS_SCHED_RT, 2000, 4);
	r.wflags = LS_WF_TIMER;
	r.since_expiry = -300; /* fired early (slack): counted, not aggregated */
	add(a, &r);

	h = merged(a, LS_K_WAKEUP, 0, LS_SCHED_NORMAL);
	assert_true(h.count == 2 && h.min == 5000 && h.max == 7000);
	ls_hist_free(&h);
	h = merged(a, LS_K_WAKEUP, 1, LS_SCHED_RT);
	assert_true(h.count == 2 && h.min == 2000 && h.max == 3000);
	ls_hist_free(&h);
	h = merged(a, LS_K_WAKEUP_TIMER, -1, -1);
	assert_true(h.count == 1 && h.min == 4500 && h.max == 4500);
	ls_hist_free(&h);
	h = merged(a, LS_K_WAKEUP, 0, LS_SCHED_RT);
	assert_true(h.count == 0);
	ls_hist_free(&h);
	ls_agg_get_stats(a, &st);
	assert_true(st.wakeup_timer_early == 1);
	assert_true(st.records_by_kind[LS_K_WAKEUP] == 4);
	assert_true(st.unknown_kind == 0);
	ls_agg_free(a);
}

static void test_worst_bounded_sorted(void **state)
{
	struct ls_agg *a = ls_agg_new(1000);
	const struct ls_rec_wakeup *w;
	size_t n, i;

	(void)state;
	/* 100 wakeups on CPU 3 with durations in a scrambled order */
	for (i = 0; i < 100; i++) {
		struct ls_rec_wakeup r = wk(3, LS_SCHED_NORMAL, 1000 + (i * 37) % 100 * 10, i);

		add(a, &r);
	}
	{
		struct ls_rec_wakeup r = wk(2, LS_SCHED_NORMAL, 999999, 500);

		add(a, &r);
	}
	n = ls_wakeups_worst(ls_agg_wakeups(a), 3, &w);
	assert_int_equal(n, LS_WAKEUP_WORST);
	for (i = 0; i < n; i++)
		assert_true(w[i].h.dur == 1000 + (99 - i) * 10); /* the 8 longest, longest first */
	n = ls_wakeups_worst(ls_agg_wakeups(a), 2, &w);
	assert_int_equal(n, 1);
	assert_true(w[0].h.arg == 500);
	assert_int_equal(ls_wakeups_worst(ls_agg_wakeups(a), 0, &w), 0);
	assert_int_equal(ls_wakeups_worst(ls_agg_wakeups(a), 4000, &w), 0);
	ls_agg_free(a);
}

static json_object *cpu_obj(json_object *res, size_t i)
{
	json_object *cpus = json_object_object_get(res, "cpus");

	assert_non_null(cpus);
	return json_object_object_get(json_object_array_get_idx(cpus, i), "wakeups");
}

static uint64_t u64_at(json_object *o, const char *a, const char *b, const char *k)
{
	json_object *x = json_object_object_get(json_object_object_get(o, a), b);

	assert_non_null(x);
	return json_object_get_uint64(json_object_object_get(x, k));
}

static void test_report(void **state)
{
	struct ls_agg *a = ls_agg_new(1000);
	struct ls_rec_wakeup r;
	json_object *res, *c, *worst, *e;

	(void)state;
	r = wk(1, LS_SCHED_NORMAL, 4000, 10);
	add(a, &r);
	r = wk(1, LS_SCHED_DL, 90000, 11);
	r.wflags = LS_WF_TIMER | LS_WF_MIGRATED;
	r.since_expiry = 95000;
	add(a, &r);
	r = wk(1, LS_SCHED_RT, 20000, 12);
	r.wflags = LS_WF_NO_TARGET;
	add(a, &r);

	res = ls_report_wakeups(a, 2, -1);
	assert_int_equal(json_object_array_length(json_object_object_get(res, "cpus")), 2);
	assert_int_equal(json_object_get_uint64(json_object_object_get(res, "floor_ns")), 0);
	c = cpu_obj(res, 0); /* no wakeups: every class present with count 0 */
	assert_true(u64_at(c, "classes", "normal", "count") == 0);
	assert_null(json_object_object_get(json_object_object_get(json_object_object_get(c, "classes"), "normal"), "p50_ns"));
	c = cpu_obj(res, 1);
	assert_true(u64_at(c, "classes", "normal", "count") == 1);
	assert_true(u64_at(c, "classes", "dl", "max_ns") == 90000);
	assert_true(u64_at(c, "timer", "dl", "count") == 1);
	assert_true(u64_at(c, "timer", "normal", "count") == 0);
	worst = json_object_object_get(c, "worst");
	assert_int_equal(json_object_array_length(worst), 3);
	e = json_object_array_get_idx(worst, 0);
	assert_true(json_object_get_uint64(json_object_object_get(e, "latency_ns")) == 90000);
	assert_string_equal(json_object_get_string(json_object_object_get(e, "class")), "dl");
	assert_int_equal(json_object_get_int(json_object_object_get(
		json_object_object_get(e, "victim"), "prio")), -1);
	assert_string_equal(json_object_get_string(json_object_object_get(
		json_object_object_get(e, "culprit"), "comm")), "hog");
	assert_string_equal(json_object_get_string(json_object_object_get(e, "flags")),
			    "[ \"migrated\", \"timer\" ]");
	assert_true(json_object_get_int64(json_object_object_get(e, "since_expiry_ns")) == 95000);
	e = json_object_array_get_idx(worst, 1);
	assert_true(json_object_get_uint64(json_object_object_get(
		json_object_object_get(e, "victim"), "tid")) == 12);
	assert_true(json_object_object_get_ex(e, "culprit", NULL));
	assert_null(json_object_object_get(e, "culprit")); /* no_target: unknown */
	assert_null(json_object_object_get(e, "since_expiry_ns"));
	json_object_put(res);

	res = ls_report_wakeups(a, 2, 1); /* one CPU */
	assert_int_equal(json_object_array_length(json_object_object_get(res, "cpus")), 1);
	assert_true(json_object_get_uint64(json_object_object_get(
		json_object_array_get_idx(json_object_object_get(res, "cpus"), 0), "cpu")) == 1);
	json_object_put(res);
	ls_agg_free(a);
}

/* The kernel's bucket of a wakeup (bpf/sched.bpf.c) is lib/hist.c's. */
static void test_kernel_bucket(void **state)
{
	uint64_t v;

	(void)state;
	for (v = 0; v < 70000; v++)
		assert_int_equal(ls_wakeup_hist_bucket(v), ls_hist_bucket_of(v));
	for (unsigned e = 16; e < 32; e++)
		for (int d = -40; d <= 40; d++) {
			v = (1ull << e) + (uint64_t)(int64_t)d;
			assert_int_equal(ls_wakeup_hist_bucket(v), ls_hist_bucket_of(v));
		}
	for (v = 1; v < LS_WAKEUP_HIST_LIMIT; v = v * 3 + 7)
		assert_int_equal(ls_wakeup_hist_bucket(v), ls_hist_bucket_of(v));
	assert_int_equal(ls_wakeup_hist_bucket(LS_WAKEUP_HIST_LIMIT - 1),
			 LS_WAKEUP_HIST_BUCKETS - 1);
}

/* Wakeups the kernel counted join the records in the view's histogram. */
static void test_counted_in_kernel(void **state)
{
	struct ls_agg *a = ls_agg_new(1000);
	struct ls_rec_wakeup r;
	json_object *res, *c, *n;
	struct ls_hist h;

	(void)state;
	ls_wakeups_set_floor(ls_agg_wakeups(a), 50000);
	ls_hist_init(&h);
	assert_true(ls_hist_add_n(&h, 1500, 5));
	assert_true(ls_hist_add_n(&h, 40000, 2));
	assert_true(ls_agg_add_hist(a, LS_K_WAKEUP, 0, LS_SCHED_NORMAL, &h));
	ls_hist_free(&h);
	r = wk(0, LS_SCHED_NORMAL, 80000, 1);
	add(a, &r);

	res = ls_report_wakeups(a, 1, -1);
	assert_int_equal(json_object_get_uint64(json_object_object_get(res, "floor_ns")), 50000);
	c = cpu_obj(res, 0);
	n = json_object_object_get(json_object_object_get(c, "classes"), "normal");
	assert_true(json_object_get_uint64(json_object_object_get(n, "count")) == 8);
	assert_in_range(json_object_get_uint64(json_object_object_get(n, "p50_ns")), 1480, 1530);
	assert_true(json_object_get_uint64(json_object_object_get(n, "max_ns")) == 80000);
	/* only the record is a worst wakeup */
	assert_int_equal(json_object_array_length(json_object_object_get(c, "worst")), 1);
	json_object_put(res);
	ls_agg_free(a);
}

static void test_names(void **state)
{
	char buf[32];
	uint32_t k;

	(void)state;
	assert_string_equal(ls_class_name(LS_K_WAKEUP), "wakeup");
	assert_string_equal(ls_class_name(LS_K_WAKEUP_TIMER), "wakeup_timer");
	assert_int_equal(ls_class_from_name("wakeup_timer"), LS_K_WAKEUP_TIMER);
	assert_string_equal(ls_key_name(LS_K_WAKEUP, LS_SCHED_RT, buf, sizeof(buf)), "rt");
	assert_string_equal(ls_key_name(LS_K_WAKEUP_TIMER, LS_SCHED_DL, buf, sizeof(buf)), "dl");
	assert_string_equal(ls_key_name(LS_K_WAKEUP, 7, buf, sizeof(buf)), "7");
	assert_int_equal(ls_key_parse(LS_K_WAKEUP, "Normal", &k), 0);
	assert_int_equal(k, LS_SCHED_NORMAL);
	assert_int_equal(ls_key_parse(LS_K_WAKEUP_TIMER, "dl", &k), 0);
	assert_int_equal(k, LS_SCHED_DL);
	assert_int_equal(ls_key_parse(LS_K_WAKEUP, "fifo", &k), -1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_size),
		cmocka_unit_test(test_layout_matches_bpf),
		cmocka_unit_test(test_classes_and_timer),
		cmocka_unit_test(test_worst_bounded_sorted),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_kernel_bucket),
		cmocka_unit_test(test_counted_in_kernel),
		cmocka_unit_test(test_names),
	};

	char self[4096];

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(obj_path, sizeof(obj_path), "%s/../latscope.bpf.o", dirname(self));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
