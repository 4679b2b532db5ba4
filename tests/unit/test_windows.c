// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Window derivation on synthetic record sequences (docs/windows.md):
 * nesting, timer batches, idle exclusion, clipping and blockers, softirq
 * passes, wakeups, IPIs, exact tracepoint windows, out-of-order CPUs,
 * rolling-period expiry and slot reuse, counter saturation, worst-N order
 * and flight-recorder stories.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agg.h"
#include "windows.h"
#include "win_roll.h"

#define US 1000ull
#define SEC 1000000000ull
#define T0 (100 * SEC) /* records start here */

/* Every finished window, in order. */
struct sink {
	struct ls_window v[256];
	unsigned n;
};

static void collect(const struct ls_window *w, void *ctx)
{
	struct sink *s = ctx;

	assert_true(s->n < 256);
	s->v[s->n++] = *w;
}

struct fx {
	struct ls_agg *a;
	struct ls_windows *w;
	struct sink s;
};

static struct fx *fx_new(unsigned worst, unsigned flight)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ls_win_opts o = { .worst = worst, .flight = flight };

	assert_non_null(f);
	f->a = ls_agg_new(10000);
	assert_non_null(f->a);
	f->w = ls_agg_windows(f->a);
	assert_int_equal(ls_windows_set_opts(f->w, &o), 0);
	ls_windows_set_sink(f->w, collect, &f->s);
	return f;
}

static void fx_free(struct fx *f)
{
	ls_agg_free(f->a);
	free(f);
}

static struct ls_win_stats wstats(const struct fx *f)
{
	struct ls_win_stats st;

	ls_windows_get_stats(f->w, &st);
	return st;
}

static void span(struct fx *f, uint8_t kind, uint16_t cpu, uint64_t ts, uint64_t dur,
		 uint32_t key, uint32_t pid, uint8_t flags)
{
	struct ls_rec r = {
		.ts = ts, .dur = dur, .key = key, .pid = pid, .cpu = cpu,
		.kind = kind, .flags = flags,
	};

	ls_agg_add(f->a, &r);
}

/* A timer whose handler began at ts, now_lag after the base's clock read
 * (record.h), having taken stack (LS_STACK_NONE, id + 1 or -errno). */
static void timer_full(struct fx *f, uint16_t cpu, uint64_t ts, int64_t late, int64_t armed,
		       int32_t now_lag, int32_t stack, uint32_t fn, uint32_t pid, uint8_t flags,
		       uint32_t woken, const char *comm)
{
	struct ls_rec_hrtimer t = {
		.h = { .ts = ts, .dur = 500, .key = fn, .pid = pid, .arg = woken,
		       .cpu = cpu, .kind = LS_K_HRTIMER, .flags = flags },
		.late = late, .soft_late = late, .armed = armed, .now_lag = now_lag,
		.stack = stack,
	};

	if (comm)
		strncpy(t.comm, comm, sizeof(t.comm) - 1);
	ls_agg_add(f->a, &t.h);
}

/* The tests' timers mostly begin 1 us into their interrupt (entry v + 1 us
 * for a vector span at v), where the kernel read the clock at v. */
static void timer_armed(struct fx *f, uint16_t cpu, uint64_t ts, int64_t late, int64_t armed,
			uint32_t fn, uint32_t pid, uint8_t flags, uint32_t woken, const char *comm)
{
	timer_full(f, cpu, ts, late, armed, 1 * US, LS_STACK_NONE, fn, pid, flags, woken, comm);
}

/* A timer armed well before it was due (the normal case). */
static void timer(struct fx *f, uint16_t cpu, uint64_t ts, int64_t late, uint32_t fn,
		  uint32_t pid, uint8_t flags, uint32_t woken, const char *comm)
{
	timer_armed(f, cpu, ts, late, -1000000, fn, pid, flags, woken, comm);
}

static void ipi(struct fx *f, uint16_t target, uint64_t sent, uint64_t lat, uint32_t fn,
		uint16_t sender_cpu, uint32_t sender_pid)
{
	struct ls_rec_ipi p = {
		.h = { .ts = sent, .dur = lat, .key = fn, .pid = sender_pid,
		       .arg = sender_cpu, .cpu = target, .kind = LS_K_IPI },
		.vector = LS_V_CALL_FUNCTION_SINGLE,
	};

	strcpy(p.comm, "sender");
	ls_agg_add(f->a, &p.h);
}

static void wakeup(struct fx *f, uint16_t cpu, uint64_t ts, uint64_t dur, uint32_t woken,
		   uint32_t culprit, uint32_t wflags)
{
	struct ls_rec_wakeup k = {
		.h = { .ts = ts, .dur = dur, .key = LS_SCHED_RT, .pid = culprit,
		       .arg = woken, .cpu = cpu, .kind = LS_K_WAKEUP },
		.prio = 4, .culprit_prio = 120, .wflags = wflags,
	};

	strcpy(k.comm, "rtapp");
	strcpy(k.culprit_comm, "hog");
	ls_agg_add(f->a, &k.h);
}

/* Outermost hardirq/vector spans are exact irq-off windows; spans nested in
 * them are part of theirs; a hardirq over a softirq is outermost. */
static void test_exact_and_nesting(void **state)
{
	struct fx *f = fx_new(10, 32);
	struct ls_hist h;

	(void)state;
	span(f, LS_K_HARDIRQ, 0, T0 + 10 * US, 2 * US, 11, 0, LS_F_IN_VECTOR);
	span(f, LS_K_VECTOR, 0, T0 + 5 * US, 20 * US, LS_V_LOCAL_TIMER, 42, 0);
	span(f, LS_K_HARDIRQ, 0, T0 + 100 * US, 3 * US, 11, 42, LS_F_IN_SOFTIRQ);
	assert_int_equal(f->s.n, 2);
	assert_int_equal(f->s.v[0].src, LS_WS_VECTOR);
	assert_int_equal(f->s.v[0].len, 20 * US);
	assert_int_equal(f->s.v[0].start, T0 + 5 * US);
	assert_int_equal(f->s.v[0].pid, 42);
	assert_int_equal(f->s.v[0].ctx, LS_WC_TASK);
	assert_int_equal(f->s.v[0].flags & LS_WIN_INFERRED, 0);
	assert_int_equal(f->s.v[1].src, LS_WS_HARDIRQ);
	assert_int_equal(f->s.v[1].key, 11);
	assert_int_equal(f->s.v[1].ctx, LS_WC_SOFTIRQ);
	assert_int_equal(wstats(f).nested[LS_WS_HARDIRQ], 1);
	/* Fed to the aggregator as class irqoff keyed by source. */
	ls_hist_init(&h);
	assert_int_equal(ls_agg_merge(f->a, LS_K_IRQOFF, 0, LS_WS_VECTOR, &h), 1);
	assert_int_equal(h.count, 1);
	assert_int_equal(h.max, 20 * US);
	ls_hist_free(&h);
	fx_free(f);
}

/* Late hrtimers wait for the interrupt that ran them; all the timers one
 * interrupt delivered make one window as long as the largest lateness,
 * ending where that interrupt began. */
static void test_timer_batch(void **state)
{
	struct fx *f = fx_new(10, 32);
	uint64_t v = T0 + 1000 * US;

	(void)state;
	timer(f, 1, v + 1 * US, 30 * US, 0x1111, 7, LS_F_IN_VECTOR, 99, "sleeper");
	timer(f, 1, v + 2 * US, 12 * US, 0x2222, 7, LS_F_IN_VECTOR, 0, NULL);
	timer(f, 1, v + 3 * US, -5 * US, 0x3333, 7, LS_F_IN_VECTOR, 0, NULL); /* early */
	assert_int_equal(f->s.n, 0); /* waiting for the vector */
	span(f, LS_K_VECTOR, 1, v, 5 * US, LS_V_LOCAL_TIMER, 7, 0);
	assert_int_equal(f->s.n, 2);
	assert_int_equal(f->s.v[0].src, LS_WS_TIMER);
	assert_int_equal(f->s.v[0].len, 30 * US);
	assert_int_equal(f->s.v[0].start, v - 30 * US);
	assert_int_equal(f->s.v[0].key, 0x1111);
	assert_int_equal(f->s.v[0].peer, 99);
	assert_string_equal(f->s.v[0].peer_comm, "sleeper");
	assert_int_equal(f->s.v[0].parts, 2);
	assert_int_equal(f->s.v[0].pid, 7);
	assert_true(f->s.v[0].flags & LS_WIN_INFERRED);
	assert_int_equal(f->s.v[0].flags & LS_WIN_NO_DELIVERY, 0);
	assert_int_equal(f->s.v[1].src, LS_WS_VECTOR); /* the vector itself */
	assert_int_equal(wstats(f).batched, 1);
	fx_free(f);
}

/* A timer armed after it was already due could not fire earlier: only the
 * lateness past its arming is a window; an unseen arming is flagged. */
static void test_armed_late(void **state)
{
	struct fx *f = fx_new(10, 32);
	uint64_t v = T0 + 5000 * US;

	(void)state;
	timer_armed(f, 0, v + US, 500 * US, 480 * US, 0x1111, 7, LS_F_IN_VECTOR, 9, NULL);
	span(f, LS_K_VECTOR, 0, v, 2 * US, LS_V_LOCAL_TIMER, 7, 0);
	assert_int_equal(f->s.n, 2);
	assert_int_equal(f->s.v[0].src, LS_WS_TIMER);
	assert_int_equal(f->s.v[0].len, 20 * US);
	assert_int_equal(f->s.v[0].start, v - 20 * US);
	timer_armed(f, 0, v + 1001 * US, 500 * US, 600 * US, 0x1111, 7, LS_F_IN_VECTOR, 9, NULL);
	span(f, LS_K_VECTOR, 0, v + 1000 * US, 2 * US, LS_V_LOCAL_TIMER, 7, 0);
	assert_int_equal(f->s.n, 3); /* just the vector */
	assert_int_equal(wstats(f).armed_late, 1);
	timer_armed(f, 0, v + 2001 * US, 70 * US, LS_ARMED_UNKNOWN, 0x1111, 7, LS_F_IN_VECTOR, 9, NULL);
	span(f, LS_K_VECTOR, 0, v + 2000 * US, 2 * US, LS_V_LOCAL_TIMER, 7, 0);
	assert_int_equal(f->s.n, 5);
	assert_int_equal(f->s.v[3].len, 70 * US);
	assert_true(f->s.v[3].flags & LS_WIN_ARMING_UNSEEN);
	assert_int_equal(wstats(f).arming_unseen, 1);
	fx_free(f);
}

/*
 * A timer window starts at its expiry on CLOCK_MONOTONIC: the base's now
 * (read once as the interrupt began) minus the lateness, not the handler's
 * entry minus it: callbacks that ran before it in the same interrupt delay
 * its entry, not its expiry. Without that now (LS_LAG_UNKNOWN) the start is
 * the delivering span's start minus the lateness, flagged.
 */
static void test_timer_start(void **state)
{
	struct fx *f = fx_new(10, 32);
	uint64_t v = T0 + 1000 * US;

	(void)state;
	/* the clock read at v + 2us; this callback entered 40us later, behind
	 * a slow one: 30us late on the base's clock */
	timer_full(f, 1, v + 42 * US, 30 * US, -SEC, 40 * US, LS_STACK_NONE, 0x1111, 7,
		   LS_F_IN_VECTOR, 0, NULL);
	span(f, LS_K_VECTOR, 1, v, 60 * US, LS_V_LOCAL_TIMER, 7, 0);
	assert_int_equal(f->s.n, 2);
	assert_int_equal(f->s.v[0].start, v + 2 * US - 30 * US);
	assert_int_equal(f->s.v[0].len, 28 * US); /* ends where the interrupt began */
	assert_int_equal(f->s.v[0].flags & LS_WIN_START_APPROX, 0);
	/* due only after the interrupt began (expired between its entry and
	 * the clock read): no window */
	timer_full(f, 1, v + 1001 * US, 1 * US, -SEC, 0, LS_STACK_NONE, 0x1111, 7,
		   LS_F_IN_VECTOR, 0, NULL);
	span(f, LS_K_VECTOR, 1, v + 1000 * US, 3 * US, LS_V_LOCAL_TIMER, 7, 0);
	assert_int_equal(f->s.n, 3);
	assert_int_equal(f->s.v[2].src, LS_WS_VECTOR);
	assert_int_equal(wstats(f).after_entry, 1);
	/* the base's now unknown: the span's start - lateness, flagged */
	timer_full(f, 1, v + 2042 * US, 30 * US, -SEC, LS_LAG_UNKNOWN, LS_STACK_NONE, 0x1111, 7,
		   LS_F_IN_VECTOR, 0, NULL);
	span(f, LS_K_VECTOR, 1, v + 2000 * US, 60 * US, LS_V_LOCAL_TIMER, 7, 0);
	assert_int_equal(f->s.n, 5);
	assert_int_equal(f->s.v[3].start, v + 2000 * US - 30 * US);
	assert_int_equal(f->s.v[3].len, 30 * US);
	assert_true(f->s.v[3].flags & LS_WIN_START_APPROX);
	/* ... and undelivered: its entry - lateness */
	timer_full(f, 1, v + 3042 * US, 30 * US, -SEC, LS_LAG_UNKNOWN, LS_STACK_NONE, 0x1111, 7,
		   LS_F_IN_VECTOR, 0, NULL);
	ls_windows_flush(f->w, UINT64_MAX);
	assert_int_equal(f->s.n, 6);
	assert_int_equal(f->s.v[5].start, v + 3012 * US);
	assert_int_equal(f->s.v[5].len, 30 * US);
	assert_int_equal(f->s.v[5].flags & (LS_WIN_START_APPROX | LS_WIN_NO_DELIVERY),
			 LS_WIN_START_APPROX | LS_WIN_NO_DELIVERY);
	assert_int_equal(wstats(f).start_approx, 2);
	fx_free(f);
}

/* Idle: an inferred window of a CPU in the idle task is not latency; the
 * handler spans themselves are. Soft timers give no irq-off inference. */
static void test_idle_exclusion(void **state)
{
	struct fx *f = fx_new(10, 32);
	uint64_t v = T0 + 50 * US;

	(void)state;
	timer(f, 0, v + US, 80 * US, 0x1111, 0, LS_F_IN_VECTOR, 0, NULL);
	span(f, LS_K_VECTOR, 0, v, 4 * US, LS_V_LOCAL_TIMER, 0, 0);
	timer(f, 0, v + 200 * US, 80 * US, 0x1111, 5, LS_F_SOFT | LS_F_IN_SOFTIRQ, 0, NULL);
	ipi(f, 0, v + 300 * US, 40 * US, 0x4444, 1, 77);
	span(f, LS_K_VECTOR, 0, v + 340 * US, 2 * US, LS_V_CALL_FUNCTION_SINGLE, 0, 0);
	wakeup(f, 0, v + 400 * US, 90 * US, 1234, 0, LS_WF_PREEMPT);
	assert_int_equal(f->s.n, 2); /* just the two vector spans */
	assert_int_equal(f->s.v[0].src, LS_WS_VECTOR);
	assert_int_equal(f->s.v[0].pid, 0);
	assert_string_equal(f->s.v[0].comm, "");
	assert_int_equal(wstats(f).idle[LS_WS_TIMER], 1);
	assert_int_equal(wstats(f).idle[LS_WS_IPI], 1);
	assert_int_equal(wstats(f).idle[LS_WS_WAKEUP], 1);
	assert_int_equal(wstats(f).soft_timers, 1);
	fx_free(f);
}

/* An interrupt accepted inside the delay proves interrupts were on: the
 * window starts after it. One running when the delay began is its blocker. */
static void test_clip_and_blocker(void **state)
{
	struct fx *f = fx_new(10, 32);
	uint64_t v = T0 + 1000 * US;

	(void)state;
	/* due at v-100us; a disk irq accepted at v-60us for 10us */
	span(f, LS_K_HARDIRQ, 2, v - 60 * US, 10 * US, 24, 9, 0);
	timer(f, 2, v + US, 100 * US, 0x1111, 9, LS_F_IN_VECTOR, 0, NULL);
	span(f, LS_K_VECTOR, 2, v, 3 * US, LS_V_LOCAL_TIMER, 9, 0);
	assert_int_equal(f->s.n, 3);
	assert_int_equal(f->s.v[1].src, LS_WS_TIMER);
	assert_true(f->s.v[1].flags & LS_WIN_CLIPPED);
	assert_int_equal(f->s.v[1].start, v - 50 * US);
	assert_int_equal(f->s.v[1].len, 50 * US);
	assert_int_equal(f->s.v[1].blocker.len, 0);

	/* due at w-30us while a 40us hardirq (started w-50us) ran */
	uint64_t w = v + 5000 * US;
	span(f, LS_K_HARDIRQ, 2, w - 50 * US, 40 * US, 25, 9, 0);
	timer(f, 2, w + US, 30 * US, 0x1111, 9, LS_F_IN_VECTOR, 0, NULL);
	span(f, LS_K_VECTOR, 2, w, 3 * US, LS_V_LOCAL_TIMER, 9, 0);
	assert_int_equal(f->s.n, 6);
	assert_int_equal(f->s.v[4].src, LS_WS_TIMER);
	assert_int_equal(f->s.v[4].flags & LS_WIN_CLIPPED, 0);
	assert_int_equal(f->s.v[4].len, 30 * US);
	assert_int_equal(f->s.v[4].blocker.len, 40 * US);
	assert_int_equal(f->s.v[4].blocker.key, 25);
	assert_int_equal(f->s.v[4].blocker.src, LS_WS_HARDIRQ);

	/* an interrupt accepted right before the delivering one leaves nothing */
	uint64_t x = w + 5000 * US;
	span(f, LS_K_HARDIRQ, 2, x - 20 * US, 20 * US, 24, 9, 0);
	timer(f, 2, x + US, 25 * US, 0x1111, 9, LS_F_IN_VECTOR, 0, NULL);
	span(f, LS_K_VECTOR, 2, x, 3 * US, LS_V_LOCAL_TIMER, 9, 0);
	assert_int_equal(f->s.n, 8);
	assert_int_equal(wstats(f).contradicted[LS_WS_TIMER], 1);
	fx_free(f);
}

/* Softirqs back to back are one pass; the pass is final once the next
 * softirq does not continue it (or on flush): records of other kinds never
 * end it, whatever their nesting flags say. */
static void test_softirq_pass(void **state)
{
	struct fx *f = fx_new(10, 32);

	(void)state;
	span(f, LS_K_SOFTIRQ, 0, T0, 10 * US, 1 /* TIMER */, 5, 0);
	span(f, LS_K_HARDIRQ, 0, T0 + 10 * US + 400, 1 * US, 11, 5, LS_F_IN_SOFTIRQ);
	span(f, LS_K_SOFTIRQ, 0, T0 + 10 * US + 300, 30 * US, 3 /* NET_RX */, 5, 0);
	/* an interrupt inside the next softirq, its flag missing */
	span(f, LS_K_VECTOR, 0, T0 + 45 * US, 1 * US, LS_V_LOCAL_TIMER, 5, 0);
	span(f, LS_K_SOFTIRQ, 0, T0 + 40 * US + 1000, 8 * US, 9 /* RCU */, 5, 0);
	assert_int_equal(f->s.n, 2); /* the hardirq and the vector */
	span(f, LS_K_SOFTIRQ, 0, T0 + 90 * US, 1 * US, 1, 5, 0);
	assert_int_equal(f->s.n, 3);
	assert_int_equal(f->s.v[2].src, LS_WS_SOFTIRQ);
	assert_int_equal(f->s.v[2].kind, LS_K_PREEMPTOFF);
	assert_int_equal(f->s.v[2].start, T0);
	assert_int_equal(f->s.v[2].len, 49 * US);
	assert_int_equal(f->s.v[2].parts, 3);
	assert_int_equal(f->s.v[2].key, 3);
	assert_int_equal(f->s.v[2].arg, (1u << 1) | (1u << 3) | (1u << 9));
	/* a gap larger than LS_WIN_PASS_GAP_NS starts a new pass */
	span(f, LS_K_SOFTIRQ, 0, T0 + 91 * US + LS_WIN_PASS_GAP_NS + 1, 5 * US, 1, 5, 0);
	assert_int_equal(f->s.n, 4);
	assert_int_equal(f->s.v[3].len, 1 * US);
	ls_windows_flush(f->w, T0 + 97 * US); /* too recent: still pending */
	assert_int_equal(f->s.n, 4);
	ls_windows_flush(f->w, T0 + 98 * US + LS_WIN_HOLD_NS);
	assert_int_equal(f->s.n, 5);
	assert_int_equal(f->s.v[4].len, 5 * US);
	fx_free(f);
}

/* RT wakeups that should have preempted: a preempt-off window named after
 * the culprit, with the softirq pass that held preemption off (still open
 * when the wakeup record arrives) as blocker. */
static void test_wakeup(void **state)
{
	struct fx *f = fx_new(10, 32);

	(void)state;
	span(f, LS_K_SOFTIRQ, 1, T0, 300 * US, 3, 66, 0);
	wakeup(f, 1, T0 + 100 * US, 210 * US, 1234, 66, LS_WF_PREEMPT | LS_WF_TIMER);
	wakeup(f, 1, T0 + 400 * US, 50 * US, 1235, 66, LS_WF_PREEMPT | LS_WF_MIGRATED);
	wakeup(f, 1, T0 + 500 * US, 50 * US, 1236, 66, 0); /* no preemption due */
	assert_int_equal(f->s.n, 1);
	assert_int_equal(f->s.v[0].src, LS_WS_WAKEUP);
	assert_int_equal(f->s.v[0].kind, LS_K_PREEMPTOFF);
	assert_int_equal(f->s.v[0].len, 210 * US);
	assert_int_equal(f->s.v[0].pid, 66);
	assert_string_equal(f->s.v[0].comm, "hog");
	assert_int_equal(f->s.v[0].peer, 1234);
	assert_string_equal(f->s.v[0].peer_comm, "rtapp");
	assert_int_equal(f->s.v[0].blocker.src, LS_WS_SOFTIRQ);
	assert_int_equal(f->s.v[0].blocker.len, 300 * US);
	assert_int_equal(wstats(f).migrated_wakeups, 1);
	fx_free(f);
}

/* An IPI's delay ends where the vector that ran it began; the interrupted
 * task comes from that vector's record; the sender is the peer. */
static void test_ipi(void **state)
{
	struct fx *f = fx_new(10, 32);
	uint64_t v = T0 + 500 * US;

	(void)state;
	ipi(f, 1, v - 25 * US, 25 * US + 300, 0xabcd, 0, 4321);
	span(f, LS_K_VECTOR, 1, v, 2 * US, LS_V_CALL_FUNCTION_SINGLE, 88, 0);
	assert_int_equal(f->s.n, 2);
	assert_int_equal(f->s.v[0].src, LS_WS_IPI);
	assert_int_equal(f->s.v[0].len, 25 * US);
	assert_int_equal(f->s.v[0].key, 0xabcd);
	assert_int_equal(f->s.v[0].arg, 0);
	assert_int_equal(f->s.v[0].pid, 88);
	assert_int_equal(f->s.v[0].peer, 4321);
	assert_string_equal(f->s.v[0].peer_comm, "sender");
	/* a timer and an IPI delivered by one interrupt: one window */
	uint64_t w = v + 1000 * US;
	ipi(f, 1, w - 10 * US, 10 * US, 0xabcd, 0, 4321);
	timer(f, 1, w + US, 15 * US, 0x1111, 88, LS_F_IN_VECTOR, 0, NULL);
	span(f, LS_K_VECTOR, 1, w, 4 * US, LS_V_LOCAL_TIMER, 88, 0);
	assert_int_equal(f->s.n, 4);
	assert_int_equal(f->s.v[2].src, LS_WS_TIMER);
	assert_int_equal(f->s.v[2].len, 15 * US);
	assert_int_equal(f->s.v[2].parts, 2);
	fx_free(f);
}

/* A delay whose delivering interrupt never shows up (lost, or hidden) is
 * still a window, ending at the recorded handler entry. */
static void test_undelivered(void **state)
{
	struct fx *f = fx_new(10, 32);

	(void)state;
	timer(f, 0, T0 + 100 * US, 20 * US, 0x1111, 5, LS_F_IN_VECTOR, 0, NULL);
	span(f, LS_K_VECTOR, 0, T0 + 900 * US, 2 * US, LS_V_LOCAL_TIMER, 5, 0);
	assert_int_equal(f->s.n, 2);
	assert_true(f->s.v[0].flags & LS_WIN_NO_DELIVERY);
	/* from the expiry (the base's now T0+99us - 20us) to that now: the
	 * interrupt had begun by then */
	assert_int_equal(f->s.v[0].start, T0 + 79 * US);
	assert_int_equal(f->s.v[0].len, 20 * US);
	/* pending at the end of a capture: flushed */
	ipi(f, 0, T0 + 2000 * US, 7 * US, 0xabcd, 1, 3);
	assert_int_equal(f->s.n, 2);
	ls_windows_flush(f->w, UINT64_MAX);
	assert_int_equal(f->s.n, 3);
	assert_int_equal(f->s.v[2].src, LS_WS_IPI);
	assert_int_equal(f->s.v[2].pid, LS_PID_UNKNOWN);
	assert_int_equal(wstats(f).no_delivery, 2);
	fx_free(f);
}

/* Exact tracepoint windows: the idle loop's are excluded, and once they
 * arrive the derived windows of that kind are no longer rolled up. */
static void test_exact_tracepoints(void **state)
{
	struct fx *f = fx_new(10, 32);
	struct ls_win_summary s;

	(void)state;
	span(f, LS_K_HARDIRQ, 0, T0, 5 * US, 11, 5, 0);
	span(f, LS_K_IRQOFF_EXACT, 0, T0 + 10 * US, 800 * US, 0x8000, 0, 0);
	span(f, LS_K_IRQOFF_EXACT, 0, T0 + 900 * US, 60 * US, 0x8000, 5, 0);
	span(f, LS_K_HARDIRQ, 0, T0 + 1000 * US, 5 * US, 11, 5, 0);
	span(f, LS_K_SOFTIRQ, 0, T0 + 2000 * US, 5 * US, 1, 5, 0);
	ls_windows_flush(f->w, UINT64_MAX);
	assert_int_equal(f->s.n, 3);
	assert_int_equal(f->s.v[1].src, LS_WS_TRACEPOINT);
	assert_int_equal(f->s.v[1].len, 60 * US);
	assert_int_equal(f->s.v[1].key, 0x8000);
	assert_int_equal(f->s.v[2].src, LS_WS_SOFTIRQ); /* other kind: kept */
	assert_int_equal(wstats(f).idle[LS_WS_TRACEPOINT], 1);
	assert_int_equal(wstats(f).superseded[LS_WS_HARDIRQ], 1);
	ls_windows_summary(f->w, 0, LS_K_IRQOFF, LS_WP_TOTAL, 0, &s);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.max, 60 * US);
	fx_free(f);
}

/* The records of one CPU arrive in order, CPUs interleave arbitrarily: the
 * windows per CPU are the same as with each CPU fed alone. */
static void feed_cpu_seq(struct fx *f, uint16_t cpu, int step)
{
	uint64_t b = T0 + cpu * 7 * US;

	switch (step) {
	case 0: span(f, LS_K_SOFTIRQ, cpu, b, 10 * US, 3, 5, 0); break;
	case 1: timer(f, cpu, b + 101 * US, 40 * US, 0x1111, 5, LS_F_IN_VECTOR, 0, NULL); break;
	case 2: span(f, LS_K_VECTOR, cpu, b + 100 * US, 3 * US, LS_V_LOCAL_TIMER, 5, 0); break;
	case 3: span(f, LS_K_SOFTIRQ, cpu, b + 103 * US + 200, 9 * US, 1, 5, 0); break;
	case 4: span(f, LS_K_HARDIRQ, cpu, b + 300 * US, 2 * US, 11, 5, 0); break;
	}
}

static int cmp_win(const void *x, const void *y)
{
	const struct ls_window *a = x, *b = y;

	if (a->cpu != b->cpu)
		return a->cpu - b->cpu;
	return a->start < b->start ? -1 : a->start > b->start;
}

static void test_out_of_order_cpus(void **state)
{
	struct fx *alone = fx_new(10, 32), *mixed = fx_new(10, 32);
	static const int order[][2] = { /* (cpu, step) */
		{ 1, 0 }, { 0, 0 }, { 2, 0 }, { 2, 1 }, { 0, 1 }, { 2, 2 }, { 1, 1 },
		{ 1, 2 }, { 1, 3 }, { 0, 2 }, { 2, 3 }, { 0, 3 }, { 0, 4 }, { 2, 4 },
		{ 1, 4 },
	};

	(void)state;
	for (uint16_t cpu = 0; cpu < 3; cpu++)
		for (int step = 0; step < 5; step++)
			feed_cpu_seq(alone, cpu, step);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		feed_cpu_seq(mixed, order[i][0], order[i][1]);
	ls_windows_flush(alone->w, UINT64_MAX);
	ls_windows_flush(mixed->w, UINT64_MAX);
	assert_int_equal(alone->s.n, 15); /* per cpu: 2 passes, timer, vector, hardirq */
	assert_int_equal(mixed->s.n, alone->s.n);
	qsort(alone->s.v, alone->s.n, sizeof(alone->s.v[0]), cmp_win);
	qsort(mixed->s.v, mixed->s.n, sizeof(mixed->s.v[0]), cmp_win);
	assert_memory_equal(alone->s.v, mixed->s.v, alone->s.n * sizeof(alone->s.v[0]));
	for (unsigned i = 0; i < mixed->s.n; i++)
		if (mixed->s.v[i].src == LS_WS_SOFTIRQ) /* the vector sits between */
			assert_int_equal(mixed->s.v[i].parts, 1);
	fx_free(alone);
	fx_free(mixed);
}

/* Rolling periods: a window counts in "last N s" for the N completed
 * seconds after the one it ended in, then expires; since-start keeps it. */
static void test_rolling_expiry(void **state)
{
	struct fx *f = fx_new(10, 32);
	struct ls_win_summary s;
	uint64_t t = 5 * SEC + SEC / 2;

	(void)state;
	span(f, LS_K_HARDIRQ, 0, t, 10 * US, 11, 5, 0);
	span(f, LS_K_HARDIRQ, 0, t + 100 * US, 30 * US, 11, 5, 0);
	ls_windows_summary(f->w, 0, LS_K_IRQOFF, LS_WP_1S, 5 * SEC + SEC - 1, &s);
	assert_int_equal(s.count, 0); /* its second is not complete yet */
	ls_windows_summary(f->w, 0, LS_K_IRQOFF, LS_WP_1S, 6 * SEC, &s);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.max, 30 * US);
	ls_windows_summary(f->w, 0, LS_K_IRQOFF, LS_WP_1S, 7 * SEC, &s);
	assert_int_equal(s.count, 0);
	ls_windows_summary(f->w, 0, LS_K_IRQOFF, LS_WP_10S, 15 * SEC, &s);
	assert_int_equal(s.count, 2);
	ls_windows_summary(f->w, 0, LS_K_IRQOFF, LS_WP_10S, 16 * SEC, &s);
	assert_int_equal(s.count, 0);
	ls_windows_summary(f->w, 0, LS_K_IRQOFF, LS_WP_60S, 65 * SEC, &s);
	assert_int_equal(s.count, 2);
	ls_windows_summary(f->w, 0, LS_K_IRQOFF, LS_WP_60S, 66 * SEC, &s);
	assert_int_equal(s.count, 0);
	ls_windows_summary(f->w, 0, LS_K_IRQOFF, LS_WP_TOTAL, 1000 * SEC, &s);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.max, 30 * US);
	/* other CPUs and kinds are empty */
	ls_windows_summary(f->w, 1, LS_K_IRQOFF, LS_WP_TOTAL, 0, &s);
	assert_int_equal(s.count, 0);
	ls_windows_summary(f->w, 0, LS_K_PREEMPTOFF, LS_WP_TOTAL, 0, &s);
	assert_int_equal(s.count, 0);
	fx_free(f);
}

/* The ring's index wraps every 60 s: a reused slot forgets its old second;
 * a value older than its slot's second is stale, not mixed in. */
static void test_ring_wrap(void **state)
{
	struct ls_roll *r = malloc(sizeof(*r));
	struct ls_wh h;

	(void)state;
	ls_roll_init(r);
	assert_int_equal(ls_roll_add(r, 5 * SEC, 100), 1);
	assert_int_equal(ls_roll_add(r, 65 * SEC, 200), 1);   /* same slot */
	assert_int_equal(ls_roll_add(r, 5 * SEC + 1, 300), 0); /* stale */
	ls_roll_sum(r, 66 * SEC, 60, &h);
	assert_int_equal(h.count, 1);
	assert_int_equal(h.max, 200);
	for (uint64_t s = 0; s < 200; s++) /* many wraps */
		assert_int_equal(ls_roll_add(r, (70 + s) * SEC, s + 1), 1);
	ls_roll_sum(r, 270 * SEC, 60, &h);
	assert_int_equal(h.count, 60);
	assert_int_equal(h.min, 141);
	assert_int_equal(h.max, 200);
	free(r);
}

/* Bucket counts saturate instead of wrapping; percentiles stay in range
 * and within 6.25% of the exact value. */
static void test_hist_saturation_and_accuracy(void **state)
{
	struct ls_wh a, b;
	uint64_t exact50 = 0, exact99 = 0, v;
	unsigned i;

	(void)state;
	ls_wh_reset(&a);
	ls_wh_reset(&b);
	ls_wh_add(&a, 5000);
	b = a;
	b.b[ls_wh_bucket_of(5000)] = UINT32_MAX - 1;
	b.count = UINT32_MAX - 1;
	ls_wh_merge(&b, &a);
	ls_wh_merge(&b, &a);
	assert_int_equal(b.b[ls_wh_bucket_of(5000)], UINT32_MAX);
	assert_true(b.count == (uint64_t)UINT32_MAX + 1);
	assert_int_equal(ls_wh_percentile(&b, 99.9), 5000);
	/* geometry: contiguous, increasing */
	for (i = 0; i + 1 < LS_WH_BUCKETS; i++) {
		assert_true(ls_wh_bucket_lo(i) < ls_wh_bucket_lo(i + 1));
		assert_int_equal(ls_wh_bucket_hi(i), ls_wh_bucket_lo(i + 1));
		assert_int_equal(ls_wh_bucket_of(ls_wh_bucket_lo(i)), i);
		assert_int_equal(ls_wh_bucket_of(ls_wh_bucket_hi(i) - 1), i);
	}
	assert_int_equal(ls_wh_bucket_of(UINT64_MAX), LS_WH_BUCKETS - 1);
	ls_wh_reset(&a);
	for (v = 1; v <= 100000; v++)
		ls_wh_add(&a, v * 37);
	exact50 = 50000 * 37;
	exact99 = 99000 * 37;
	assert_true(llabs((long long)ls_wh_percentile(&a, 50) - (long long)exact50) <= exact50 / 16);
	assert_true(llabs((long long)ls_wh_percentile(&a, 99) - (long long)exact99) <= exact99 / 16);
	assert_int_equal(ls_wh_percentile(&a, 100), 100000 * 37);
	assert_int_equal(a.min, 37);
}

/* Worst-N: longest first, equal lengths keep arrival order, shorter than
 * the N-th never enter. */
/* A test double for the daemon's stack resolver: records what it was asked
 * and gives one frame holding the stack field. */
struct resolver {
	unsigned calls;
	int32_t stack;
	uint64_t ns;
};

static void fake_resolve(void *ctx, int32_t stack, uint64_t ns, struct ls_win_stack *out)
{
	struct resolver *r = ctx;

	r->calls++;
	r->stack = stack;
	r->ns = ns;
	memset(out, 0, sizeof(*out));
	if (stack <= 0) {
		out->status = stack ? LS_WSS_FAILED : LS_WSS_BELOW;
		out->err = -stack;
		return;
	}
	out->status = LS_WSS_OK;
	out->n = 1;
	out->f[0].addr = (uint64_t)stack;
	out->interrupted = -1;
}

/*
 * Worst inferred irq-off windows get their stack from the resolver when
 * they enter the list (the one of the record that started the window, with
 * the time the handler took it); windows that do not enter are not
 * resolved; exact windows have none; preempt-off entries have no room;
 * offline (no resolver) it is unavailable.
 */
static void test_stacks(void **state)
{
	struct fx *f = fx_new(2, 8);
	struct resolver rs = { 0 };
	const struct ls_win_worst *ws;
	uint64_t v = T0 + 1000 * US;

	(void)state;
	ls_windows_set_stack_fn(f->w, fake_resolve, &rs);
	/* two timers in one interrupt: the longest one's stack is the window's */
	timer_full(f, 0, v + 1 * US, 300 * US, -SEC, 1 * US, 6, 0x1111, 7, LS_F_IN_VECTOR, 0, NULL);
	timer_full(f, 0, v + 2 * US, 200 * US, -SEC, 2 * US, 8, 0x2222, 7, LS_F_IN_VECTOR, 0, NULL);
	span(f, LS_K_VECTOR, 0, v, 3 * US, LS_V_LOCAL_TIMER, 7, 0);
	assert_int_equal(rs.calls, 1); /* the vector span is exact: not resolved */
	assert_int_equal(rs.stack, 6);
	assert_int_equal(rs.ns, v + 1 * US);
	assert_int_equal(ls_windows_worst(f->w, 0, LS_K_IRQOFF, &ws), 2);
	assert_int_equal(ws[0].w.src, LS_WS_TIMER);
	assert_int_equal(ws[0].stack->status, LS_WSS_OK);
	assert_int_equal(ws[0].stack->f[0].addr, 6);
	assert_int_equal(ws[1].w.src, LS_WS_VECTOR);
	assert_int_equal(ws[1].stack->status, LS_WSS_NONE);
	/* an IPI that took no stack, longer than the vector: the resolver
	 * says why (here: below the threshold) */
	ipi(f, 0, v + 500 * US, 100 * US, 0xabcd, 1, 3);
	span(f, LS_K_VECTOR, 0, v + 600 * US, 2 * US, LS_V_CALL_FUNCTION_SINGLE, 7, 0);
	assert_int_equal(rs.calls, 2);
	assert_int_equal(ls_windows_worst(f->w, 0, LS_K_IRQOFF, &ws), 2);
	assert_int_equal(ws[1].w.src, LS_WS_IPI);
	assert_int_equal(ws[1].stack->status, LS_WSS_BELOW);
	/* too short for the list: not resolved, and the entries keep theirs */
	timer_full(f, 0, v + 2001 * US, 20 * US, -SEC, 1 * US, 9, 0x1111, 7, LS_F_IN_VECTOR, 0,
		   NULL);
	span(f, LS_K_VECTOR, 0, v + 2000 * US, 2 * US, LS_V_LOCAL_TIMER, 7, 0);
	assert_int_equal(rs.calls, 2);
	assert_int_equal(ws[0].stack->f[0].addr, 6);
	assert_ptr_not_equal(ws[0].stack, ws[1].stack);
	/* preempt-off worst entries have no stack */
	span(f, LS_K_SOFTIRQ, 0, v + 3000 * US, 10 * US, 3, 7, 0);
	ls_windows_flush(f->w, UINT64_MAX);
	assert_int_equal(ls_windows_worst(f->w, 0, LS_K_PREEMPTOFF, &ws), 1);
	assert_null(ws[0].stack);
	fx_free(f);

	/* no resolver (offline analysis): unavailable, whatever the record says */
	f = fx_new(2, 8);
	timer_full(f, 0, v + 1 * US, 300 * US, -SEC, 1 * US, 6, 0x1111, 7, LS_F_IN_VECTOR, 0, NULL);
	span(f, LS_K_VECTOR, 0, v, 3 * US, LS_V_LOCAL_TIMER, 7, 0);
	assert_int_equal(ls_windows_worst(f->w, 0, LS_K_IRQOFF, &ws), 2);
	assert_int_equal(ws[0].stack->status, LS_WSS_UNAVAILABLE);
	assert_string_equal(ls_win_stack_status_name(LS_WSS_UNAVAILABLE), "unavailable");
	fx_free(f);
}

static void test_worst_order(void **state)
{
	struct fx *f = fx_new(5, 8);
	static const unsigned lens[] = { 7, 3, 9, 9, 1, 12, 5, 9, 2, 11, 4 };
	const struct ls_win_worst *ws;
	unsigned n;

	(void)state;
	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		span(f, LS_K_HARDIRQ, 3, T0 + i * 1000 * US, lens[i] * US, 100 + i, 5, 0);
	n = ls_windows_worst(f->w, 3, LS_K_IRQOFF, &ws);
	assert_int_equal(n, 5);
	assert_int_equal(ws[0].w.len, 12 * US);
	assert_int_equal(ws[1].w.len, 11 * US);
	assert_int_equal(ws[2].w.len, 9 * US);
	assert_int_equal(ws[2].w.key, 102);
	assert_int_equal(ws[3].w.key, 103);
	assert_int_equal(ws[4].w.key, 107);
	/* distinct story buffers survived the reshuffles */
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++)
			assert_ptr_not_equal(ws[i].story, ws[j].story);
	assert_int_equal(ls_windows_worst(f->w, 3, LS_K_PREEMPTOFF, &ws), 0);
	assert_int_equal(ls_windows_worst(f->w, 9, LS_K_IRQOFF, &ws), 0);
	fx_free(f);
}

/* The story of a worst window: the CPU's last records that began before
 * the window ended, oldest first, at most `flight` of them. */
static void test_flight_story(void **state)
{
	struct fx *f = fx_new(2, 6);
	const struct ls_win_worst *ws;
	uint64_t v = T0 + 10000 * US;

	(void)state;
	for (int i = 0; i < 6; i++)
		span(f, LS_K_SOFTIRQ, 0, T0 + i * 100 * US, 2 * US, i, 5, LS_F_IN_HARDIRQ);
	span(f, LS_K_HARDIRQ, 1, T0, 1 * US, 11, 5, 0);  /* other CPU: not in it */
	timer(f, 0, v + US, 200 * US, 0x1111, 5, LS_F_IN_VECTOR, 0, NULL);
	span(f, LS_K_VECTOR, 0, v, 3 * US, LS_V_LOCAL_TIMER, 5, 0);
	assert_int_equal(ls_windows_worst(f->w, 0, LS_K_IRQOFF, &ws), 2);
	assert_int_equal(ws[0].w.src, LS_WS_TIMER);
	/* The recorder holds softirqs 2..5, the timer and the vector; the
	 * window ended at v, before the timer and vector records began. */
	assert_int_equal(ws[0].nstory, 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(ws[0].story[i].h.kind, LS_K_SOFTIRQ);
		assert_int_equal(ws[0].story[i].h.key, i + 2);
		assert_int_equal(ws[0].story[i].h.cpu, 0);
	}
	/* the vector's own window's story ends with the timer and the vector */
	assert_int_equal(ws[1].w.src, LS_WS_VECTOR);
	assert_int_equal(ws[1].nstory, 6);
	assert_int_equal(ws[1].story[4].h.kind, LS_K_HRTIMER);
	assert_int_equal(ws[1].story[4].hrtimer.late, 200 * US);
	assert_int_equal(ws[1].story[5].h.kind, LS_K_VECTOR);
	fx_free(f);
}

/* A worst inferred window that interrupted a softirq learns which one when
 * the softirq's record arrives. */
static void test_softirq_context(void **state)
{
	struct fx *f = fx_new(3, 8);
	const struct ls_win_worst *ws;
	uint64_t v = T0 + 1000 * US;

	(void)state;
	timer(f, 0, v + US, 50 * US, 0x1111, 5, LS_F_IN_VECTOR | LS_F_IN_SOFTIRQ, 0, NULL);
	span(f, LS_K_VECTOR, 0, v, 3 * US, LS_V_LOCAL_TIMER, 5, LS_F_IN_SOFTIRQ);
	span(f, LS_K_SOFTIRQ, 0, v - 200 * US, 400 * US, 3, 5, 0);
	assert_int_equal(ls_windows_worst(f->w, 0, LS_K_IRQOFF, &ws), 2);
	assert_int_equal(ws[0].w.ctx, LS_WC_SOFTIRQ);
	assert_int_equal(ws[0].w.ctx_vec, 3);
	fx_free(f);
}

/* Options are fixed once records flow; names round-trip. */
static void test_opts_and_names(void **state)
{
	struct fx *f = fx_new(10, 32);
	struct ls_win_opts o = { .worst = 0, .flight = 4 };
	uint32_t v;

	(void)state;
	assert_int_equal(ls_windows_set_opts(f->w, &o), -1);
	o.worst = LS_WIN_MAX_WORST + 1;
	assert_int_equal(ls_windows_set_opts(f->w, &o), -1);
	span(f, LS_K_HARDIRQ, 0, T0, US, 11, 5, 0);
	o.worst = 3;
	assert_int_equal(ls_windows_set_opts(f->w, &o), -1);
	for (uint32_t s = 0; s < LS_WS_MAX; s++) {
		assert_int_equal(ls_win_src_parse(ls_win_src_name(s), &v), 0);
		assert_int_equal(v, s);
	}
	assert_int_equal(ls_win_kind_parse("IRQOFF", &v), 0);
	assert_int_equal(v, LS_K_IRQOFF);
	assert_int_equal(ls_win_kind_parse("preemptoff", &v), 0);
	assert_int_equal(v, LS_K_PREEMPTOFF);
	assert_int_equal(ls_win_kind_parse("irq", &v), -1);
	assert_int_equal(ls_windows_ncpus(f->w), 1);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_and_nesting),
		cmocka_unit_test(test_timer_batch),
		cmocka_unit_test(test_timer_start),
		cmocka_unit_test(test_stacks),
		cmocka_unit_test(test_armed_late),
		cmocka_unit_test(test_idle_exclusion),
		cmocka_unit_test(test_clip_and_blocker),
		cmocka_unit_test(test_softirq_pass),
		cmocka_unit_test(test_wakeup),
		cmocka_unit_test(test_ipi),
		cmocka_unit_test(test_undelivered),
		cmocka_unit_test(test_exact_tracepoints),
		cmocka_unit_test(test_out_of_order_cpus),
		cmocka_unit_test(test_rolling_expiry),
		cmocka_unit_test(test_ring_wrap),
		cmocka_unit_test(test_hist_saturation_and_accuracy),
		cmocka_unit_test(test_worst_order),
		cmocka_unit_test(test_flight_story),
		cmocka_unit_test(test_softirq_context),
		cmocka_unit_test(test_opts_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
