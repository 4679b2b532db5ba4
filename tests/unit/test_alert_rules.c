/* The alert rules engine (lib/alert_rules.c) on synthetic values: when a
 * rule fires and clears (threshold, clear level, consecutive periods),
 * cooldown suppression, percentile statistics, CPU sets, counted kinds,
 * state kept across a reconfiguration, and the class filter. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "alert_rules.h"

#define S 1000000000ull

struct log {
	unsigned n;
	struct ls_alert_event ev[32];
};

static void record(void *ctx, const struct ls_alert_event *ev)
{
	struct log *l = ctx;

	assert_true(l->n < 32);
	l->ev[l->n++] = *ev;
}

static struct ls_alert_rule rule(unsigned kind, uint64_t thr, uint64_t clr)
{
	struct ls_alert_rule r = {
		.kind = kind, .threshold = thr, .clear = clr, .period_ns = S,
		.consecutive = 1, .cooldown_ns = 0,
	};

	strcpy(r.name, "r");
	ls_cpulist_all(&r.cpus);
	return r;
}

static void feed(struct ls_alert_engine *e, uint32_t cls, unsigned cpu, uint64_t v)
{
	struct ls_alert_sample s = { .cls = cls, .cpu = cpu, .key = 3, .value = v, .pid = 0 };

	ls_alert_feed(e, &s);
}

static void test_fire_and_clear_with_hysteresis(void **st)
{
	struct ls_alert_rule r = rule(LS_AK_SOFTIRQ, 100, 50);
	struct ls_alert_engine *e = ls_alert_engine_new(&r, 1, 2, 0);
	struct log l = { 0 };

	(void)st;
	feed(e, LS_K_SOFTIRQ, 1, 99);
	ls_alert_tick(e, 1 * S, record, &l);
	assert_int_equal(l.n, 0);                     /* 99 < 100 */
	feed(e, LS_K_SOFTIRQ, 1, 20);
	feed(e, LS_K_SOFTIRQ, 1, 100);
	ls_alert_tick(e, 2 * S, record, &l);
	assert_int_equal(l.n, 1);                     /* max 100 >= 100 */
	assert_int_equal(l.ev[0].type, LS_AE_FIRE);
	assert_int_equal(l.ev[0].cpu, 1);
	assert_int_equal(l.ev[0].value, 100);
	assert_int_equal(l.ev[0].count, 2);
	assert_string_equal(l.ev[0].cause, "softirq NET_RX, task idle");
	assert_int_equal(ls_alert_firing(e), 1);
	feed(e, LS_K_SOFTIRQ, 1, 60);                 /* under threshold, over clear */
	ls_alert_tick(e, 3 * S, record, &l);
	assert_int_equal(l.n, 1);
	feed(e, LS_K_SOFTIRQ, 1, 49);
	ls_alert_tick(e, 4 * S, record, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.ev[1].type, LS_AE_CLEAR);
	assert_int_equal(l.ev[1].value, 49);
	assert_int_equal(ls_alert_firing(e), 0);
	ls_alert_engine_free(e);
}

static void test_consecutive(void **st)
{
	struct ls_alert_rule r = rule(LS_AK_HARDIRQ, 10, 10);
	struct ls_alert_engine *e;
	struct log l = { 0 };

	(void)st;
	r.consecutive = 3;
	e = ls_alert_engine_new(&r, 1, 1, 0);
	feed(e, LS_K_HARDIRQ, 0, 11);
	ls_alert_tick(e, 1 * S, record, &l);
	feed(e, LS_K_HARDIRQ, 0, 11);
	ls_alert_tick(e, 2 * S, record, &l);
	ls_alert_tick(e, 3 * S, record, &l);          /* empty period breaks the streak */
	feed(e, LS_K_HARDIRQ, 0, 11);
	ls_alert_tick(e, 4 * S, record, &l);
	feed(e, LS_K_HARDIRQ, 0, 11);
	ls_alert_tick(e, 5 * S, record, &l);
	assert_int_equal(l.n, 0);
	feed(e, LS_K_HARDIRQ, 0, 12);
	ls_alert_tick(e, 6 * S, record, &l);
	assert_int_equal(l.n, 1);
	/* clearing needs 3 quiet periods too */
	ls_alert_tick(e, 7 * S, record, &l);
	ls_alert_tick(e, 8 * S, record, &l);
	assert_int_equal(l.n, 1);
	ls_alert_tick(e, 9 * S, record, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.ev[1].type, LS_AE_CLEAR);
	assert_string_equal(l.ev[1].cause, "no values in the period");
	ls_alert_engine_free(e);
}

static void test_cooldown_suppresses_and_reports(void **st)
{
	struct ls_alert_rule r = rule(LS_AK_VECTOR, 10, 10);
	struct ls_alert_engine *e;
	struct log l = { 0 };
	uint64_t t;

	(void)st;
	r.cooldown_ns = 10 * S;
	e = ls_alert_engine_new(&r, 1, 1, 0);
	/* fire, clear, and again: the second and third fires fall in the cooldown */
	for (t = 1; t <= 6; t++) {
		if (t % 2)
			feed(e, LS_K_VECTOR, 0, 50);
		ls_alert_tick(e, t * S, record, &l);
	}
	assert_int_equal(l.n, 2);                     /* fire at 1, clear at 2 */
	for (; t <= 12; t++) {
		feed(e, LS_K_VECTOR, 0, 50);
		ls_alert_tick(e, t * S, record, &l);
	}
	/* t=3,5 suppressed (within 10 s of t=1); t=11 fires and reports them */
	assert_int_equal(l.n, 3);
	assert_int_equal(l.ev[2].type, LS_AE_FIRE);
	assert_int_equal(l.ev[2].mono_ns, 11 * S);
	assert_true(l.ev[2].suppressed >= 2);
	ls_alert_engine_free(e);
}

static void test_percentile_and_cpuset(void **st)
{
	struct ls_alert_rule r = rule(LS_AK_TIMER, 1000, 1000);
	char err[128];
	struct ls_alert_engine *e;
	struct log l = { 0 };
	int i;

	(void)st;
	r.pct = 90;
	assert_int_equal(ls_cpulist_parse("1", &r.cpus, err, sizeof(err)), 0);
	e = ls_alert_engine_new(&r, 1, 4, 0);
	for (i = 0; i < 100; i++)                     /* p90 ~ 100, max 5000 */
		feed(e, LS_K_HRTIMER_LATE, 1, i < 95 ? 100 : 5000);
	for (i = 0; i < 100; i++)                     /* CPU 2 is not in the set */
		feed(e, LS_K_HRTIMER_LATE, 2, 5000);
	ls_alert_tick(e, S, record, &l);
	assert_int_equal(l.n, 0);                     /* a max rule would fire */
	for (i = 0; i < 100; i++)                     /* now p90 = 5000 */
		feed(e, LS_K_HRTIMER_LATE, 1, i < 80 ? 100 : 5000);
	ls_alert_tick(e, 2 * S, record, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.ev[0].cpu, 1);
	assert_in_range(l.ev[0].value, 4900, 5100);
	assert_int_equal(l.ev[0].worst, 5000);
	ls_alert_engine_free(e);
}

static void test_class_filter_and_counts(void **st)
{
	struct ls_alert_rule r[2] = { rule(LS_AK_IRQOFF, 10, 10), rule(LS_AK_DROPS, 5, 1) };
	struct ls_alert_engine *e = ls_alert_engine_new(r, 2, 2, 0);
	struct log l = { 0 };

	(void)st;
	assert_true(ls_alert_wants(e, LS_K_IRQOFF));
	assert_true(ls_alert_wants(e, LS_K_IRQOFF_EXACT));
	assert_false(ls_alert_wants(e, LS_K_SOFTIRQ));
	assert_false(ls_alert_wants(NULL, LS_K_IRQOFF));
	feed(e, LS_K_SOFTIRQ, 0, 1000000);            /* not watched: ignored */
	ls_alert_feed_count(e, LS_AK_DROPS, 1, 3);
	ls_alert_feed_count(e, LS_AK_DROPS, 1, 2);
	ls_alert_tick(e, S, record, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.ev[0].rule->name, "r");
	assert_int_equal(l.ev[0].rule->kind, LS_AK_DROPS);
	assert_int_equal(l.ev[0].value, 5);
	ls_alert_engine_free(e);
}

static void test_adopt_keeps_unchanged_rules(void **st)
{
	struct ls_alert_rule a = rule(LS_AK_SOFTIRQ, 100, 100), b;
	struct ls_alert_engine *e1 = ls_alert_engine_new(&a, 1, 1, 0), *e2, *e3;
	struct log l = { 0 };

	(void)st;
	feed(e1, LS_K_SOFTIRQ, 0, 500);
	ls_alert_tick(e1, S, record, &l);
	assert_int_equal(ls_alert_firing(e1), 1);
	e2 = ls_alert_engine_new(&a, 1, 1, S);        /* same rule: firing kept */
	ls_alert_engine_adopt(e2, e1);
	ls_alert_engine_free(e1);
	assert_int_equal(ls_alert_firing(e2), 1);
	b = a;
	b.threshold = 200;                            /* changed rule: fresh */
	b.clear = 200;
	e3 = ls_alert_engine_new(&b, 1, 1, S);
	ls_alert_engine_adopt(e3, e2);
	assert_int_equal(ls_alert_firing(e3), 0);
	ls_alert_engine_free(e2);
	ls_alert_engine_free(e3);
}

static void test_stat_names(void **st)
{
	char b[16];

	(void)st;
	assert_true(ls_alert_stat_parse("max") == 0);
	assert_true(ls_alert_stat_parse("p99") == 99);
	assert_true(ls_alert_stat_parse("p99.9") == 99.9);
	assert_true(ls_alert_stat_parse("p100") < 0);
	assert_true(ls_alert_stat_parse("p0") < 0);
	assert_true(ls_alert_stat_parse("99") < 0);
	assert_true(ls_alert_stat_parse("p") < 0);
	assert_string_equal(ls_alert_stat_name(99.9, b, sizeof(b)), "p99.9");
	assert_int_equal(ls_alert_kind_parse("kvm_exit"), LS_AK_KVM_EXIT);
	assert_int_equal(ls_alert_kind_parse("KVM_EXIT"), -1);
	for (unsigned k = 0; k < LS_AK_MAX; k++)
		assert_int_equal(strlen(ls_alert_kind_info(k)->message_id), 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fire_and_clear_with_hysteresis),
		cmocka_unit_test(test_consecutive),
		cmocka_unit_test(test_cooldown_suppresses_and_reports),
		cmocka_unit_test(test_percentile_and_cpuset),
		cmocka_unit_test(test_class_filter_and_counts),
		cmocka_unit_test(test_adopt_keeps_unchanged_rules),
		cmocka_unit_test(test_stat_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
