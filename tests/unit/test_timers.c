// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* hrtimer family in the aggregator and the timers view: a timerfd expiry
 * feeds the per-task class of the task that armed it, cancel counts are a
 * count class kept apart from the windows, and the view shows both. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "agg.h"
#include "names.h"
#include "report.h"
#include "windows.h"

#define FN_TIMERFD 0x81735d10u
#define FN_WAKEUP 0x81200000u
#define FN_TICK 0x81300000u

static uint64_t count_of(const struct ls_agg *a, uint32_t cls, int64_t cpu, int64_t key)
{
	struct ls_hist h;
	uint64_t n;

	ls_hist_init(&h);
	ls_agg_merge(a, cls, cpu, key, &h);
	n = h.count;
	ls_hist_free(&h);
	return n;
}

static struct ls_rec_hrtimer expiry(uint32_t fn, uint32_t task, uint8_t flags, int64_t late,
				    const char *comm)
{
	struct ls_rec_hrtimer t = {
		.h = { .ts = 5000, .dur = 900, .key = fn, .pid = 0, .arg = task, .cpu = 1,
		       .kind = LS_K_HRTIMER, .flags = flags },
		.late = late, .soft_late = late, .armed = LS_ARMED_UNKNOWN,
	};

	strncpy(t.comm, comm, sizeof(t.comm) - 1);
	return t;
}

static struct ls_rec cancels(uint16_t cpu, uint32_t fn, uint32_t n)
{
	struct ls_rec r = { .ts = 9000, .key = fn, .arg = n, .cpu = cpu,
			    .kind = LS_K_HRTIMER_CANCEL };

	return r;
}

/* A timerfd's armer gets its own per-task class; a sleeper keeps its own;
 * one without a known armer counts for its function only. */
static void test_timerfd_class(void **state)
{
	struct ls_agg *a = ls_agg_new(1000);
	struct ls_rec_hrtimer fd = expiry(FN_TIMERFD, 4242, LS_F_TIMERFD, 7000, "probe");
	struct ls_rec_hrtimer sl = expiry(FN_WAKEUP, 4242, 0, 3000, "probe");
	struct ls_rec_hrtimer anon = expiry(FN_TIMERFD, 0, 0, 5000, "");
	char buf[64];

	(void)state;
	ls_agg_add(a, &fd.h);
	ls_agg_add(a, &fd.h);
	ls_agg_add(a, &sl.h);
	ls_agg_add(a, &anon.h);
	assert_true(count_of(a, LS_K_HRTIMER_TIMERFD, 1, 4242) == 2);
	assert_true(count_of(a, LS_K_HRTIMER_WAKEUP, 1, 4242) == 1);
	assert_true(count_of(a, LS_K_HRTIMER_TIMERFD, -1, -1) == 2);
	assert_true(count_of(a, LS_K_HRTIMER_LATE, 1, FN_TIMERFD) == 3);
	assert_string_equal(ls_key_name(LS_K_HRTIMER_TIMERFD, 4242, buf, sizeof(buf)),
			    "probe-4242");
	assert_string_equal(ls_class_name(LS_K_HRTIMER_TIMERFD), "hrtimer_timerfd");
	assert_int_equal(ls_class_from_name("hrtimer_cancel"), LS_K_HRTIMER_CANCEL);
	ls_agg_free(a);
}

/* Cancel counts add up per (cpu, function), never reach the windows and
 * are not a latency class. */
static void test_cancel_counts(void **state)
{
	struct ls_agg *a = ls_agg_new(1000);
	struct ls_rec r = cancels(0, FN_TIMERFD, 20);
	struct ls_agg_stats st;
	uint32_t cls;

	(void)state;
	ls_agg_add(a, &r);
	r.arg = 5;
	ls_agg_add(a, &r);
	r.cpu = 1;
	r.arg = 0; /* nothing: no series */
	ls_agg_add(a, &r);
	assert_true(count_of(a, LS_K_HRTIMER_CANCEL, 0, FN_TIMERFD) == 25);
	assert_true(count_of(a, LS_K_HRTIMER_CANCEL, 1, -1) == 0);
	ls_agg_get_stats(a, &st);
	assert_true(st.series == 1);
	assert_true(st.records_by_kind[LS_K_HRTIMER_CANCEL] == 3);
	assert_true(st.unknown_kind == 0);
	assert_true(ls_class_is_count(LS_K_HRTIMER_CANCEL));
	assert_int_equal(ls_report_parse_class("hrtimer_cancel", &cls, &(struct ls_err){ 0 }), -1);
	assert_int_equal(ls_report_parse_class("hrtimer_timerfd", &cls, &(struct ls_err){ 0 }), 0);
	/* a count read at 9000 ns did not advance the windows' clock */
	assert_true(ls_windows_last_ns(ls_agg_windows(a)) == 0);
	ls_agg_free(a);
}

static json_object *cpu_entry(json_object *view, uint32_t cpu)
{
	json_object *cpus = json_object_object_get(view, "cpus");

	for (size_t i = 0; i < json_object_array_length(cpus); i++) {
		json_object *c = json_object_array_get_idx(cpus, i);

		if (json_object_get_uint64(json_object_object_get(c, "cpu")) == cpu)
			return c;
	}
	return NULL;
}

static json_object *timer_named(json_object *c, const char *fn)
{
	json_object *timers = json_object_object_get(c, "timers");

	for (size_t i = 0; i < json_object_array_length(timers); i++) {
		json_object *t = json_object_array_get_idx(timers, i);
		json_object *f = json_object_object_get(t, "function");

		if (!strcmp(json_object_get_string(json_object_object_get(f, "name")), fn))
			return t;
	}
	return NULL;
}

/* The view lists a function that was only cancelled (a stopped tick), the
 * cancel counts, and the tasks of both per-task classes. */
static void test_timers_view(void **state)
{
	struct ls_agg *a = ls_agg_new(1000);
	struct ls_rec_hrtimer fd = expiry(FN_TIMERFD, 4242, LS_F_TIMERFD, 7000, "probe");
	struct ls_rec_hrtimer sl = expiry(FN_WAKEUP, 77, 0, 3000, "sleeper");
	struct ls_rec c1 = cancels(1, FN_TIMERFD, 3), c2 = cancels(1, FN_TICK, 1);
	json_object *v, *c, *t, *tasks, *first;

	(void)state;
	ls_agg_add(a, &fd.h);
	ls_agg_add(a, &sl.h);
	ls_agg_add(a, &c1);
	ls_agg_add(a, &c2);
	v = ls_report_timers(a, 2, -1);
	c = cpu_entry(v, 1);
	assert_non_null(c);
	t = timer_named(c, "0xffffffff81735d10");
	assert_non_null(t);
	assert_true(json_object_get_uint64(json_object_object_get(t, "cancelled")) == 3);
	t = timer_named(c, "0xffffffff81300000");
	assert_non_null(t);
	assert_true(json_object_get_uint64(json_object_object_get(t, "cancelled")) == 1);
	assert_null(json_object_object_get(t, "run"));
	tasks = json_object_object_get(c, "tasks");
	assert_int_equal(json_object_array_length(tasks), 2);
	first = json_object_array_get_idx(tasks, 0); /* worst lateness first */
	assert_string_equal(json_object_get_string(json_object_object_get(first, "class")),
			    "hrtimer_timerfd");
	assert_string_equal(json_object_get_string(json_object_object_get(
				    json_object_object_get(first, "task"), "name")), "probe-4242");
	assert_int_equal(json_object_array_length(json_object_object_get(cpu_entry(v, 0),
									 "tasks")), 0);
	json_object_put(v);
	ls_agg_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timerfd_class),
		cmocka_unit_test(test_cancel_counts),
		cmocka_unit_test(test_timers_view),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
