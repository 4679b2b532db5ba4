/*
 * Offline pairing engine (lib/offline_pair.c and lib/offline_*.c): the
 * records it makes from small hand-written traces (nesting, missing
 * entries, spans open at the end, raise delays, hrtimer lateness from
 * hrtimer_start, IPIs, wakeups, kvm exits in the old and new formats,
 * CRLF, us and ns timestamps, counter clocks, LOST markers), and from the
 * kvm/hrtimer trace of seed 004 and the real captures in tests/unit/data
 * (run from the repository root, or set LATSCOPE_TEST_DATA).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "offline_pair.h"
#include "windows.h"

#define MAX_RECS 256

union any_rec {
	struct ls_rec h;
	struct ls_rec_hrtimer t;
	struct ls_rec_ipi i;
	struct ls_rec_wakeup w;
	struct ls_rec_kvm k;
};

struct recs {
	size_t n;
	union any_rec r[MAX_RECS];
};

static void on_rec(void *ctx, const struct ls_rec *r)
{
	struct recs *rs = ctx;
	uint32_t size = ls_rec_size(r->kind);

	assert_true(size >= sizeof(*r) && size <= sizeof(union any_rec));
	assert_true(rs->n < MAX_RECS);
	memset(&rs->r[rs->n], 0, sizeof(rs->r[0]));
	memcpy(&rs->r[rs->n++], r, size);
}

/* Feeds text (lines split at '\n', kept with any '\r') to a new engine and
 * finishes it. */
static struct ls_pair *run(const char *text, struct recs *rs)
{
	struct ls_pair *p = ls_pair_new(on_rec, rs, NULL);
	const char *line = text;

	assert_non_null(p);
	memset(rs, 0, sizeof(*rs));
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		struct ls_ft_event ev;

		ls_pair_line(p, ls_ft_parse_line(line, len, &ev), &ev);
		line += len + (nl != NULL);
	}
	ls_pair_finish(p);
	return p;
}

#define US(s, us) ((uint64_t)(s) * 1000000000ull + (uint64_t)(us) * 1000ull)

static void assert_rec(const struct ls_rec *r, uint32_t kind, uint32_t cpu, uint64_t ts,
		       uint64_t dur, uint32_t key, uint32_t pid, uint32_t arg, uint32_t flags)
{
	if (r->kind != kind || r->cpu != cpu || r->ts != ts || r->dur != dur || r->key != key ||
	    r->pid != pid || r->arg != arg || r->flags != flags)
		fail_msg("record kind %u cpu %u ts %llu dur %llu key %u pid %u arg %u flags 0x%x;\n"
			 "  want kind %u cpu %u ts %llu dur %llu key %u pid %u arg %u flags 0x%x",
			 r->kind, r->cpu, (unsigned long long)r->ts, (unsigned long long)r->dur,
			 r->key, r->pid, r->arg, r->flags, kind, cpu, (unsigned long long)ts,
			 (unsigned long long)dur, key, pid, arg, flags);
}

static uint32_t fn_key(const struct ls_pair *p, const char *name)
{
	uint64_t a = ls_ksyms_addr(ls_pair_ksyms(p), name);

	if (!a)
		fail_msg("no key for %s", name);
	return (uint32_t)a;
}

/* --- hardirq, softirq, vector ------------------------------------------- */

static const char nesting[] =
	"# tracer: nop\n"
	"            bash-123     [001] d.s1.   100.000000: softirq_raise: vec=3 [action=NET_RX]\n"
	"            bash-123     [001] d.s1.   100.000002: softirq_raise: vec=3 [action=NET_RX]\n"
	"            bash-123     [001] ..s1.   100.000010: softirq_entry: vec=3 [action=NET_RX]\n"
	"            bash-123     [001] d.H1.   100.000020: irq_handler_entry: irq=42 name=virtio3 tx\n"
	"            bash-123     [001] d.H1.   100.000025: irq_handler_exit: irq=42 ret=handled\n"
	"            bash-123     [001] d.H1.   100.000030: local_timer_entry: vector=236\n"
	"            bash-123     [001] d.H1.   100.000040: local_timer_exit: vector=236\n"
	"            bash-123     [001] ..s1.   100.000060: softirq_exit: vec=3 [action=NET_RX]\n"
	"          <idle>-0       [000] ..s1.   100.000070: softirq_entry: vec=1 [action=TIMER]\n"
	"          <idle>-0       [000] ..s1.   100.000071: softirq_exit: vec=1 [action=TIMER]\n";

static void test_nesting(void **st)
{
	struct recs rs;
	struct ls_pair *p = run(nesting, &rs);
	const struct ls_pair_stats *s = ls_pair_stats(p);

	(void)st;
	assert_int_equal(rs.n, 4);
	assert_rec(&rs.r[0].h, LS_K_HARDIRQ, 1, US(100, 20), 5000, 42, 123, 0, LS_F_IN_SOFTIRQ);
	assert_rec(&rs.r[1].h, LS_K_VECTOR, 1, US(100, 30), 10000, LS_V_LOCAL_TIMER, 123, 236,
		   LS_F_IN_SOFTIRQ);
	/* raise delay from the first of two raises */
	assert_rec(&rs.r[2].h, LS_K_SOFTIRQ, 1, US(100, 10), 50000, 3, 123, 10000, 0);
	/* no raise seen: LS_ARG_NONE */
	assert_rec(&rs.r[3].h, LS_K_SOFTIRQ, 0, US(100, 70), 1000, 1, 0, LS_ARG_NONE, 0);
	assert_int_equal(s->unpaired[LS_K_HARDIRQ] + s->unpaired[LS_K_SOFTIRQ] +
			 s->unpaired[LS_K_VECTOR], 0);
	assert_int_equal(s->malformed, 0);
	assert_int_equal(s->ncpus, 2);
	assert_true(s->first_ts == US(100, 0) && s->last_ts == US(100, 71));
	assert_int_equal(s->with_flags, 10);
	assert_int_equal(s->ts_kinds, 1u << LS_FT_TS_NS);
	/* irq names as the trace printed them, blanks included */
	assert_string_equal(ls_pair_irq_name(42, p), "virtio3 tx");
	assert_null(ls_pair_irq_name(43, p));
	ls_pair_free(p);
}

/* The same trace with CRLF line ends and without the irq-info column. */
static void test_crlf_noflags(void **st)
{
	struct recs rs, crlf;
	char *text = malloc(2 * sizeof(nesting)), *o = text;
	struct ls_pair *p = run(nesting, &rs), *q;

	(void)st;
	for (const char *s = nesting; *s; s++) {
		if (*s == '\n')
			*o++ = '\r';
		*o++ = *s;
	}
	*o = '\0';
	q = run(text, &crlf);
	assert_int_equal(crlf.n, rs.n);
	assert_memory_equal(crlf.r, rs.r, rs.n * sizeof(rs.r[0]));
	ls_pair_free(q);
	/* drop the flags column: "[001] d.s1.   100" -> "[001]   100" */
	o = text;
	for (const char *s = nesting; *s;) {
		const char *nl = strchr(s, '\n'), *e = strstr(s, "] ");

		if (e && e < nl) {
			memcpy(o, s, (size_t)(e + 1 - s));
			o += e + 1 - s;
			s = e + 2;
			while (*s != ' ')
				s++; /* the flags */
		}
		memcpy(o, s, (size_t)(nl + 1 - s));
		o += nl + 1 - s;
		s = nl + 1;
	}
	*o = '\0';
	q = run(text, &crlf);
	assert_int_equal(ls_pair_stats(q)->with_flags, 0);
	assert_int_equal(crlf.n, rs.n);
	assert_memory_equal(crlf.r, rs.r, rs.n * sizeof(rs.r[0]));
	ls_pair_free(q);
	ls_pair_free(p);
	free(text);
}

static void test_unpaired_and_open(void **st)
{
	static const char text[] =
		/* exit without entry */
		"  a-1 [000] 10.000001: irq_handler_exit: irq=5 ret=handled\n"
		/* entry twice: the first never saw its exit */
		"  a-1 [000] 10.000002: irq_handler_entry: irq=5 name=x\n"
		"  a-1 [000] 10.000004: irq_handler_entry: irq=5 name=x\n"
		"  a-1 [000] 10.000007: irq_handler_exit: irq=5 ret=handled\n"
		/* exit of another irq than the open one: unpaired, slot cleared */
		"  a-1 [000] 10.000010: irq_handler_entry: irq=6 name=y\n"
		"  a-1 [000] 10.000011: irq_handler_exit: irq=7 ret=handled\n"
		"  a-1 [000] 10.000012: irq_handler_exit: irq=6 ret=handled\n"
		/* open at the end */
		"  b-2 [001] 10.000020: softirq_entry: vec=9 [action=RCU]\n"
		"  b-2 [001] 10.000030: reschedule_entry: vector=253\n"
		/* an exit before its entry in time (a concatenated file) */
		"  a-1 [000] 10.000040: irq_handler_entry: irq=8 name=z\n"
		"  a-1 [000] 10.000035: irq_handler_exit: irq=8 ret=handled\n"
		"  a-1 [000] 10.000050: irq_handler_entry: irq=bad name=z\n";
	struct recs rs;
	struct ls_pair *p = run(text, &rs);
	const struct ls_pair_stats *s = ls_pair_stats(p);
	const struct ls_pair_open *o;
	size_t n = ls_pair_open(p, &o);

	(void)st;
	assert_int_equal(rs.n, 1);
	/* the second entry found the slot open, like the BPF program would */
	assert_rec(&rs.r[0].h, LS_K_HARDIRQ, 0, US(10, 4), 3000, 5, 1, 0, LS_F_IN_HARDIRQ);
	/* exit w/o entry, double entry, mismatched exit, then the cleared 6 */
	assert_int_equal(s->unpaired[LS_K_HARDIRQ], 4);
	assert_int_equal(s->backwards, 1);
	assert_int_equal(s->malformed, 1);
	assert_int_equal(n, 2);
	assert_int_equal(s->open_at_end[LS_K_SOFTIRQ], 1);
	assert_int_equal(s->open_at_end[LS_K_VECTOR], 1);
	assert_int_equal(o[0].kind, LS_K_SOFTIRQ);
	assert_int_equal(o[0].cpu, 1);
	assert_int_equal(o[0].key, 9);
	assert_int_equal(o[0].pid, 2);
	assert_true(o[0].ts == US(10, 20) && o[0].open_ns == 30000);
	assert_int_equal(o[1].kind, LS_K_VECTOR);
	assert_int_equal(o[1].key, LS_V_RESCHEDULE);
	assert_true(o[1].open_ns == 20000);
	ls_pair_free(p);
}

static void test_timestamps(void **st)
{
	static const char text[] =
		/* ns (trace-cmd -t, trace_clock with 9 decimals) */
		"  a-1 [000] 10.000000123: irq_handler_entry: irq=1 name=x\n"
		"  a-1 [000] 10.000001456: irq_handler_exit: irq=1 ret=handled\n"
		/* latency-format: microseconds since the buffer start */
		"  <idle>-0       1d.h1.   10us : irq_handler_entry: irq=2 name=y\n"
		"  <idle>-0       1d.h1.   17us+: irq_handler_exit: irq=2 ret=handled\n"
		/* raw counters: not time, skipped and counted */
		"  a-1 [000] d.h1. 123456789: irq_handler_entry: irq=3 name=z\n"
		"  a-1 [000] d.h1. 123456999: irq_handler_exit: irq=3 ret=handled\n";
	struct recs rs;
	struct ls_pair *p = run(text, &rs);
	const struct ls_pair_stats *s = ls_pair_stats(p);

	(void)st;
	assert_int_equal(rs.n, 2);
	assert_rec(&rs.r[0].h, LS_K_HARDIRQ, 0, 10000000123ull, 1333, 1, 1, 0, 0);
	assert_rec(&rs.r[1].h, LS_K_HARDIRQ, 1, 10000, 7000, 2, 0, 0, 0);
	assert_int_equal(s->counter_ts, 2);
	assert_int_equal(s->ts_kinds, 1u << LS_FT_TS_NS | 1u << LS_FT_TS_US);
	ls_pair_free(p);
}

static void test_lost(void **st)
{
	static const char text[] =
		"  a-1 [001] 10.000000: irq_handler_entry: irq=1 name=x\n"
		"  a-1 [001] 10.000001: softirq_raise: vec=3 [action=NET_RX]\n"
		"CPU:1 [LOST 12 EVENTS]\n"
		/* this exit may belong to another entry: not paired */
		"  a-1 [001] 10.000100: irq_handler_exit: irq=1 ret=handled\n"
		"  a-1 [001] 10.000200: softirq_entry: vec=3 [action=NET_RX]\n"
		"  a-1 [001] 10.000300: softirq_exit: vec=3 [action=NET_RX]\n";
	struct recs rs;
	struct ls_pair *p = run(text, &rs);
	const struct ls_pair_stats *s = ls_pair_stats(p);

	(void)st;
	assert_int_equal(rs.n, 1);
	/* the raise before the loss is not used for the delay */
	assert_rec(&rs.r[0].h, LS_K_SOFTIRQ, 1, US(10, 200), 100000, 3, 1, LS_ARG_NONE, 0);
	assert_int_equal(s->lost_markers, 1);
	assert_int_equal(s->lost_resets, 1);
	assert_int_equal(s->unpaired[LS_K_HARDIRQ], 1);
	ls_pair_free(p);
}

/* --- hrtimer ------------------------------------------------------------- */

static void test_hrtimer(void **st)
{
	static const char text[] =
		/* armed, expires 1500 ns late */
		"  a-1 [000] d..1. 10.000000: hrtimer_start: hrtimer=00000000707b8211 function=tick_nohz_handler expires=5000000 softexpires=5000000 mode=ABS|PINNED|HARD was_armed=0\n"
		"  a-1 [000] d.h1. 10.000010: hrtimer_expire_entry: hrtimer=00000000707b8211 function=tick_nohz_handler now=5001500\n"
		/* re-armed from its own callback: the next expiry */
		"  a-1 [000] d.h2. 10.000011: hrtimer_start: hrtimer=00000000707b8211 function=tick_nohz_handler expires=6000000 softexpires=6000000 mode=ABS was_armed=0\n"
		"  a-1 [000] d.h1. 10.000014: hrtimer_expire_exit: hrtimer=00000000707b8211\n"
		/* a sleeper with 50 us of slack fired between soft and hard expiry */
		"  s-77 [001] d..1. 10.000020: hrtimer_start: hrtimer=000000003f535bb0 function=hrtimer_wakeup expires=7050000 softexpires=7000000 mode=ABS was_armed=0\n"
		"  <idle>-0 [001] d.h1. 10.000030: hrtimer_expire_entry: hrtimer=000000003f535bb0 function=hrtimer_wakeup now=7020000\n"
		"  <idle>-0 [001] dNh4. 10.000031: sched_waking: comm=sleeper one pid=77 prio=120 target_cpu=001\n"
		"  <idle>-0 [001] dNh1. 10.000032: hrtimer_expire_exit: hrtimer=000000003f535bb0\n"
		/* never started in the trace: run time only */
		"  a-1 [000] d.h1. 10.000040: hrtimer_expire_entry: hrtimer=00000000aaaa0000 function=tick_nohz_handler now=6000100\n"
		"  a-1 [000] d.h1. 10.000041: hrtimer_expire_exit: hrtimer=00000000aaaa0000\n"
		/* cancelled: its expiry is forgotten */
		"  a-1 [000] d..1. 10.000050: hrtimer_start: hrtimer=00000000bbbb0000 function=it_real_fn expires=9000000 softexpires=9000000 mode=ABS was_armed=0\n"
		"  a-1 [000] d..1. 10.000051: hrtimer_cancel: hrtimer=00000000bbbb0000\n"
		"  a-1 [000] d.h1. 10.000052: hrtimer_expire_entry: hrtimer=00000000bbbb0000 function=it_real_fn now=9000000\n"
		"  a-1 [000] d.h1. 10.000053: hrtimer_expire_exit: hrtimer=00000000bbbb0000\n"
		/* a soft timer (mode SOFT) interrupted by a hard one */
		"  a-1 [000] d..1. 10.000060: hrtimer_start: hrtimer=00000000cccc0000 function=soft_fn expires=9500000 softexpires=9500000 mode=ABS|SOFT was_armed=0\n"
		"  a-1 [000] ..s1. 10.000070: hrtimer_expire_entry: hrtimer=00000000cccc0000 function=soft_fn now=9500700\n"
		"  a-1 [000] d.H1. 10.000071: hrtimer_expire_entry: hrtimer=00000000707b8211 function=tick_nohz_handler now=6000200\n"
		"  a-1 [000] d.H1. 10.000072: hrtimer_expire_exit: hrtimer=00000000707b8211\n"
		"  a-1 [000] ..s1. 10.000080: hrtimer_expire_exit: hrtimer=00000000cccc0000\n"
		/* exit of a timer that is not running */
		"  a-1 [000] d.h1. 10.000090: hrtimer_expire_exit: hrtimer=00000000dddd0000\n";
	struct recs rs;
	struct ls_pair *p = run(text, &rs);
	const struct ls_pair_stats *s = ls_pair_stats(p);
	uint32_t tick = fn_key(p, "tick_nohz_handler"), wake = fn_key(p, "hrtimer_wakeup");
	const struct ls_rec_hrtimer *t;

	(void)st;
	assert_int_equal(rs.n, 7);
	t = &rs.r[0].t;
	assert_rec(&t->h, LS_K_HRTIMER, 0, US(10, 10), 4000, tick, 1, 0, 0);
	assert_true(t->late == 1500 && t->soft_late == 1500);
	/* armed 10 us before it fired, 8.5 us before it was due */
	assert_true(t->armed == -8500);
	/* now= is not the line's clock here: the base's monotonic now unknown */
	assert_int_equal(t->now_lag, LS_LAG_UNKNOWN);
	assert_int_equal(t->stack, LS_STACK_NONE);
	/* sleeper: early against the hard expiry, late against the soft one */
	t = &rs.r[1].t;
	assert_rec(&t->h, LS_K_HRTIMER, 1, US(10, 30), 2000, wake, 0, 77, 0);
	assert_true(t->late == -30000 && t->soft_late == 20000);
	assert_true(t->armed == -40000);
	assert_string_equal(t->comm, "sleeper one");
	t = &rs.r[2].t;
	assert_rec(&t->h, LS_K_HRTIMER, 0, US(10, 40), 1000, tick, 1, 0, LS_F_NO_EXPIRY);
	assert_true(t->late == 0 && t->soft_late == 0 && t->armed == LS_ARMED_UNKNOWN);
	/* the cancel (was_armed in this trace: a real one), by the task */
	assert_rec(&rs.r[3].h, LS_K_HRTIMER_CANCEL, 0, US(10, 51), 0, fn_key(p, "it_real_fn"), 1,
		   1, 0);
	t = &rs.r[4].t;
	assert_rec(&t->h, LS_K_HRTIMER, 0, US(10, 52), 1000, fn_key(p, "it_real_fn"), 1, 0,
		   LS_F_NO_EXPIRY);
	/* the hard one inside the soft one: both slots, nested flag */
	t = &rs.r[5].t;
	assert_rec(&t->h, LS_K_HRTIMER, 0, US(10, 71), 1000, tick, 1, 0, LS_F_IN_HRTIMER);
	assert_true(t->late == 200);
	t = &rs.r[6].t;
	assert_rec(&t->h, LS_K_HRTIMER, 0, US(10, 70), 10000, fn_key(p, "soft_fn"), 1, 0, LS_F_SOFT);
	assert_true(t->late == 700);
	assert_int_equal(s->hrtimer_no_expiry, 2);
	assert_int_equal(s->unpaired[LS_K_HRTIMER], 1);
	assert_int_equal(s->malformed, 0);
	ls_pair_free(p);
}

/*
 * The base's now on CLOCK_MONOTONIC (record.h now_lag): now= itself when the
 * trace clock is mono (the line's time is then a little later: the clock
 * read came first; up to 1 us earlier: ftrace prints us). A now= far from
 * the line (another clock: trace_clock local, a realtime base) is unknown,
 * and the window derived from the records starts from the interrupt.
 */
static void test_hrtimer_now_lag(void **st)
{
	static const char text[] =
		"  a-1 [000] d..1. 10.000000: hrtimer_start: hrtimer=00000000707b8211 function=tick_nohz_handler expires=10000005000 softexpires=10000005000 mode=ABS was_armed=0\n"
		"  a-1 [000] d.h1. 10.000040: local_timer_entry: vector=236\n"
		/* the clock read at 10.000040700, this callback 2.3 us later */
		"  a-1 [000] d.h1. 10.000043: hrtimer_expire_entry: hrtimer=00000000707b8211 function=tick_nohz_handler now=10000040700\n"
		"  a-1 [000] d.h1. 10.000044: hrtimer_expire_exit: hrtimer=00000000707b8211\n"
		"  a-1 [000] d.h1. 10.000045: local_timer_exit: vector=236\n"
		/* the line printed 0.3 us before now= (us truncation) */
		"  a-1 [000] d..1. 10.000100: hrtimer_start: hrtimer=00000000aaaa0000 function=tick_nohz_handler expires=10000200000 softexpires=10000200000 mode=ABS was_armed=0\n"
		"  a-1 [000] d.h1. 10.000250: hrtimer_expire_entry: hrtimer=00000000aaaa0000 function=tick_nohz_handler now=10000250300\n"
		"  a-1 [000] d.h1. 10.000251: hrtimer_expire_exit: hrtimer=00000000aaaa0000\n"
		/* 26 ms apart: trace_clock local on this VM */
		"  a-1 [000] d..1. 10.000300: hrtimer_start: hrtimer=00000000bbbb0000 function=tick_nohz_handler expires=9974400000 softexpires=9974400000 mode=ABS was_armed=0\n"
		"  a-1 [000] d.h1. 10.000500: hrtimer_expire_entry: hrtimer=00000000bbbb0000 function=tick_nohz_handler now=9974500000\n"
		"  a-1 [000] d.h1. 10.000501: hrtimer_expire_exit: hrtimer=00000000bbbb0000\n";
	struct recs rs;
	struct ls_pair *p = run(text, &rs);
	struct ls_agg *a = ls_agg_new(1000);
	const struct ls_win_worst *ws;

	(void)st;
	assert_int_equal(rs.n, 4); /* 3 timers and the vector, in exit order */
	assert_int_equal(rs.r[0].t.h.kind, LS_K_HRTIMER);
	assert_int_equal(rs.r[0].t.late, 35700);
	assert_int_equal(rs.r[0].t.now_lag, 2300);
	assert_int_equal(rs.r[2].t.now_lag, -300);
	assert_int_equal(rs.r[3].t.now_lag, LS_LAG_UNKNOWN);
	/* offline, the window runs from the expiry itself to the interrupt */
	assert_non_null(a);
	for (size_t i = 0; i < 2; i++)
		ls_agg_add(a, &rs.r[i].h);
	assert_int_equal(ls_windows_worst(ls_agg_windows(a), 0, LS_K_IRQOFF, &ws), 2);
	assert_int_equal(ws[0].w.src, LS_WS_TIMER);
	assert_int_equal(ws[0].w.start, 10000005000ull);
	assert_int_equal(ws[0].w.len, 35000);
	assert_int_equal(ws[0].w.flags & LS_WIN_START_APPROX, 0);
	assert_int_equal(ws[0].stack->status, LS_WSS_UNAVAILABLE);
	ls_agg_free(a);
	ls_pair_free(p);
}

/* A timerfd's expiry names the task of its last hrtimer_start (here the
 * re-arm in read(2)); cancels of a kernel with was_armed are recorded as
 * they come, with the function of the timer's last start. */
static void test_hrtimer_timerfd(void **st)
{
	static const char text[] =
		"  probe-55 [001] d..1. 20.000000: hrtimer_start: hrtimer=00000000c0161859 function=timerfd_tmrproc expires=1000000 softexpires=1000000 mode=ABS was_armed=0\n"
		"  <idle>-0 [001] d.h1. 20.000005: hrtimer_expire_entry: hrtimer=00000000c0161859 function=timerfd_tmrproc now=1004000\n"
		"  <idle>-0 [001] dNh1. 20.000007: hrtimer_expire_exit: hrtimer=00000000c0161859\n"
		"  reader-56 [000] d..1. 20.000010: hrtimer_start: hrtimer=00000000c0161859 function=timerfd_tmrproc expires=2000000 softexpires=2000000 mode=ABS was_armed=0\n"
		"  <...>-9 [000] d.h1. 20.001005: hrtimer_expire_entry: hrtimer=00000000c0161859 function=timerfd_tmrproc now=2000500\n"
		"  <...>-9 [000] d.h1. 20.001006: hrtimer_expire_exit: hrtimer=00000000c0161859\n"
		/* armed before the trace began: the armer is unknown */
		"  <idle>-0 [001] d.h1. 20.002000: hrtimer_expire_entry: hrtimer=00000000dddd0000 function=timerfd_tmrproc now=3000000\n"
		"  <idle>-0 [001] d.h1. 20.002001: hrtimer_expire_exit: hrtimer=00000000dddd0000\n"
		/* disarmed, then armed and disarmed again; one never started here */
		"  probe-55 [001] d..1. 20.003000: hrtimer_start: hrtimer=00000000c0161859 function=timerfd_tmrproc expires=9000000 softexpires=9000000 mode=ABS was_armed=0\n"
		"  probe-55 [001] d..1. 20.003001: hrtimer_cancel: hrtimer=00000000c0161859\n"
		"  probe-55 [001] d..1. 20.003002: hrtimer_start: hrtimer=00000000c0161859 function=timerfd_tmrproc expires=9000000 softexpires=9000000 mode=ABS was_armed=0\n"
		"  probe-55 [001] d..1. 20.003003: hrtimer_cancel: hrtimer=00000000c0161859\n"
		"  probe-55 [001] d..1. 20.003004: hrtimer_cancel: hrtimer=00000000eeee0000\n";
	struct recs rs;
	struct ls_pair *p = run(text, &rs);
	const struct ls_pair_stats *s = ls_pair_stats(p);
	uint32_t tfd = fn_key(p, "timerfd_tmrproc");
	const struct ls_rec_hrtimer *t;

	(void)st;
	assert_int_equal(rs.n, 5);
	t = &rs.r[0].t;
	assert_rec(&t->h, LS_K_HRTIMER, 1, US(20, 5), 2000, tfd, 0, 55, LS_F_TIMERFD);
	assert_string_equal(t->comm, "probe");
	assert_true(t->late == 4000 && t->soft_late == 4000);
	t = &rs.r[1].t;
	assert_rec(&t->h, LS_K_HRTIMER, 0, US(20, 1005), 1000, tfd, 9, 56, LS_F_TIMERFD);
	assert_string_equal(t->comm, "reader");
	t = &rs.r[2].t;
	assert_rec(&t->h, LS_K_HRTIMER, 1, US(20, 2000), 1000, tfd, 0, 0, LS_F_NO_EXPIRY);
	assert_int_equal(s->timerfd_unattributed, 1);
	assert_rec(&rs.r[3].h, LS_K_HRTIMER_CANCEL, 1, US(20, 3001), 0, tfd, 55, 1, 0);
	assert_rec(&rs.r[4].h, LS_K_HRTIMER_CANCEL, 1, US(20, 3003), 0, tfd, 55, 1, 0);
	assert_int_equal(s->hrtimer_cancel_no_fn, 1);
	assert_int_equal(s->hrtimer_dequeues, 0);
	ls_pair_free(p);
}

/* The same kind of trace from a kernel that also traced dequeues (no
 * was_armed): a cancel right before the timer's expiry or re-arm on that
 * CPU was a dequeue; a soft timer's dequeue survives a hard timer running
 * in between; what the trace ends on is left unresolved. */
static void test_hrtimer_dequeues(void **st)
{
	static const char text[] =
		"  a-1 [000] d..1. 30.000000: hrtimer_start: hrtimer=00000000aaaa0000 function=tick_sched_timer expires=1000 softexpires=1000 mode=ABS\n"
		"  a-1 [000] d..1. 30.000001: hrtimer_start: hrtimer=00000000bbbb0000 function=soft_fn expires=2000 softexpires=2000 mode=ABS|SOFT\n"
		/* re-armed while armed: dequeue, start */
		"  a-1 [000] d..1. 30.000002: hrtimer_cancel: hrtimer=00000000aaaa0000\n"
		"  a-1 [000] d..1. 30.000003: hrtimer_start: hrtimer=00000000aaaa0000 function=tick_sched_timer expires=3000 softexpires=3000 mode=ABS\n"
		/* the soft one's dequeue, a hard expiry (with its own dequeue) in
		 * between, then its callback: two dequeues, lateness kept */
		"  a-1 [000] ..s1. 30.000010: hrtimer_cancel: hrtimer=00000000bbbb0000\n"
		"  a-1 [000] d.h1. 30.000011: hrtimer_cancel: hrtimer=00000000aaaa0000\n"
		"  a-1 [000] d.h1. 30.000011: hrtimer_expire_entry: hrtimer=00000000aaaa0000 function=tick_sched_timer now=3100\n"
		"  a-1 [000] d.h1. 30.000012: hrtimer_expire_exit: hrtimer=00000000aaaa0000\n"
		"  a-1 [000] ..s1. 30.000013: hrtimer_expire_entry: hrtimer=00000000bbbb0000 function=soft_fn now=2500\n"
		"  a-1 [000] ..s1. 30.000014: hrtimer_expire_exit: hrtimer=00000000bbbb0000\n"
		/* a real cancel: the CPU's next hard timer event is another's */
		"  a-1 [000] d..1. 30.000020: hrtimer_start: hrtimer=00000000aaaa0000 function=tick_sched_timer expires=5000 softexpires=5000 mode=ABS\n"
		"  b-2 [000] d..1. 30.000021: hrtimer_cancel: hrtimer=00000000aaaa0000\n"
		"  b-2 [000] d..1. 30.000022: hrtimer_start: hrtimer=00000000cccc0000 function=other_fn expires=9000 softexpires=9000 mode=ABS\n"
		/* the trace ends on a cancel */
		"  b-2 [000] d..1. 30.000023: hrtimer_cancel: hrtimer=00000000cccc0000\n";
	struct recs rs;
	struct ls_pair *p = run(text, &rs);
	const struct ls_pair_stats *s = ls_pair_stats(p);
	uint32_t tick = fn_key(p, "tick_sched_timer");

	(void)st;
	assert_int_equal(rs.n, 3);
	assert_rec(&rs.r[0].h, LS_K_HRTIMER, 0, US(30, 11), 1000, tick, 1, 0, 0);
	assert_true(rs.r[0].t.late == 100);
	assert_rec(&rs.r[1].h, LS_K_HRTIMER, 0, US(30, 13), 1000, fn_key(p, "soft_fn"), 1, 0,
		   LS_F_SOFT);
	assert_true(rs.r[1].t.late == 500);
	assert_rec(&rs.r[2].h, LS_K_HRTIMER_CANCEL, 0, US(30, 21), 0, tick, 2, 1, 0);
	assert_int_equal(s->hrtimer_dequeues, 3);
	assert_int_equal(s->hrtimer_cancel_unresolved, 1);
	assert_int_equal(s->hrtimer_no_expiry, 0);
	ls_pair_free(p);
}

/* The tick's expiry moved without an hrtimer_start (seen on 6.18): a timer
 * interrupt after its known expiry did not run it, so that expiry is not
 * reported as lateness. */
static void test_hrtimer_stale(void **st)
{
	static const char text[] =
		/* the clock of now= is 1 s behind the trace clock */
		"  a-1 [001] dNH4. 12.012027: hrtimer_start: hrtimer=00000000707b8211 function=tick_nohz_handler expires=11016000000 softexpires=11016000000 mode=ABS was_armed=0\n"
		/* an interrupt 192 us after that expiry runs only another timer */
		"  a-1 [001] d.h1. 12.016192: local_timer_entry: vector=236\n"
		"  a-1 [001] d.h1. 12.016196: hrtimer_expire_entry: hrtimer=00000000630958bb function=hrtimer_wakeup now=11016192617\n"
		"  a-1 [001] d.h1. 12.016199: hrtimer_expire_exit: hrtimer=00000000630958bb\n"
		"  a-1 [001] d.h1. 12.016200: local_timer_exit: vector=236\n"
		"  a-1 [001] d.h.. 12.020016: local_timer_entry: vector=236\n"
		"  a-1 [001] d.h.. 12.020019: hrtimer_expire_entry: hrtimer=00000000707b8211 function=tick_nohz_handler now=11020016596\n"
		"  a-1 [001] dNh.. 12.020029: hrtimer_expire_exit: hrtimer=00000000707b8211\n"
		"  a-1 [001] dNh1. 12.020029: hrtimer_start: hrtimer=00000000707b8211 function=tick_nohz_handler expires=11024000000 softexpires=11024000000 mode=ABS was_armed=0\n"
		"  a-1 [001] d.h.. 12.020030: local_timer_exit: vector=236\n"
		/* the next one: its interrupt is the first after the expiry */
		"  a-1 [001] d.h.. 12.024010: local_timer_entry: vector=236\n"
		"  a-1 [001] d.h.. 12.024012: hrtimer_expire_entry: hrtimer=00000000707b8211 function=tick_nohz_handler now=11024010000\n"
		"  a-1 [001] dNh.. 12.024015: hrtimer_expire_exit: hrtimer=00000000707b8211\n"
		"  a-1 [001] d.h.. 12.024016: local_timer_exit: vector=236\n";
	struct recs rs;
	struct ls_pair *p = run(text, &rs);
	const struct ls_pair_stats *s = ls_pair_stats(p);

	(void)st;
	assert_int_equal(s->records[LS_K_HRTIMER], 3);
	assert_int_equal(rs.r[2].h.kind, LS_K_HRTIMER);
	assert_true(rs.r[2].h.flags & LS_F_NO_EXPIRY);
	assert_int_equal(rs.r[4].h.kind, LS_K_HRTIMER);
	assert_false(rs.r[4].h.flags & LS_F_NO_EXPIRY);
	assert_true(rs.r[4].t.late == 10000);
	assert_int_equal(s->hrtimer_stale_expiry, 1);
	assert_int_equal(s->hrtimer_no_expiry, 2); /* and the sleeper's */
	ls_pair_free(p);
}

/* trace-cmd's hrtimer plugin: "hrtimer=0x... now=N function=f/0x0", and
 * the soft slot taken from a running HRTIMER softirq when there is no
 * irq-info column and no start. */
static void test_hrtimer_plugin(void **st)
{
	static const char text[] =
		"q1:  <idle>-0  [000]   848.872780: hrtimer_start:        hrtimer=0xffffc9000384fbf8 function=hrtimer_wakeup/0x0 expires=848846580000 softexpires=848846580000\n"
		"q1:  <idle>-0  [000]   848.872788: hrtimer_expire_entry: hrtimer=0xffffc9000384fbf8 now=848846586810 function=hrtimer_wakeup/0x0\n"
		"q1:  <idle>-0  [000]   848.872798: sched_wakeup:         memfd:sealed-91:23075 [120] CPU:000\n"
		"q1:  <idle>-0  [000]   848.872799: hrtimer_expire_exit:  hrtimer=0xffffc9000384fbf8\n"
		"q1:  <idle>-0  [000]   848.872900: softirq_entry:        vec=8 [action=HRTIMER]\n"
		"q1:  <idle>-0  [000]   848.872901: hrtimer_expire_entry: hrtimer=0xffff000000000001 now=848846700000 function=watchdog_timer_fn/0x0\n"
		"q1:  <idle>-0  [000]   848.872903: hrtimer_expire_exit:  hrtimer=0xffff000000000001\n"
		"q1:  <idle>-0  [000]   848.872904: softirq_exit:         vec=8 [action=HRTIMER]\n";
	struct recs rs;
	struct ls_pair *p = run(text, &rs);
	const struct ls_pair_stats *s = ls_pair_stats(p);

	(void)st;
	assert_int_equal(rs.n, 3);
	assert_rec(&rs.r[0].h, LS_K_HRTIMER, 0, US(848, 872788), 11000,
		   fn_key(p, "hrtimer_wakeup"), 0, 23075, 0);
	assert_true(rs.r[0].t.late == 6810);
	assert_string_equal(rs.r[0].t.comm, "memfd:sealed-91");
	assert_rec(&rs.r[1].h, LS_K_HRTIMER, 0, US(848, 872901), 2000,
		   fn_key(p, "watchdog_timer_fn"), 0, 0, LS_F_IN_SOFTIRQ | LS_F_SOFT | LS_F_NO_EXPIRY);
	assert_int_equal(rs.r[2].h.kind, LS_K_SOFTIRQ);
	assert_int_equal(s->with_instance, 8);
	assert_int_equal(s->malformed, 0);
	ls_pair_free(p);
}

/* --- IPIs ------------------------------------------------------------------ */

static void test_ipi(void **st)
{
	static const char text[] =
		/* call_function_single, two sends served by one run */
		"  bash-18537 [000] ...1. 3919.148758: ipi_send_cpu: cpu=1 callsite=on_each_cpu_cond_mask+0x20/0x60 callback=generic_smp_call_function_single_interrupt+0x0/0x10\n"
		"  bash-18537 [000] ...1. 3919.148760: ipi_send_cpu: cpu=1 callsite=on_each_cpu_cond_mask+0x20/0x60 callback=generic_smp_call_function_single_interrupt+0x0/0x10\n"
		"  <idle>-0 [001] d.h1. 3919.148770: call_function_single_entry: vector=251\n"
		"  <idle>-0 [001] d.h1. 3919.148771: call_function_single_exit: vector=251\n"
		/* reschedule (no callback), while a mask send to 1 and 2 is pending */
		"  bash-18537 [000] ...1. 3919.148800: ipi_send_cpumask: cpumask=6 callsite=smp_call_function_many_cond+0x1a0/0x4b0 callback=generic_smp_call_function_interrupt+0x0/0x10\n"
		"  bash-18537 [000] d..2. 3919.148801: ipi_send_cpu: cpu=1 callsite=resched_curr+0x5a/0x60 callback=0x0\n"
		"  <idle>-0 [001] d.h1. 3919.148805: reschedule_entry: vector=253\n"
		"  <idle>-0 [001] d.h1. 3919.148806: reschedule_exit: vector=253\n"
		"  <idle>-0 [001] d.h1. 3919.148810: call_function_entry: vector=252\n"
		"  <idle>-0 [001] d.h1. 3919.148811: call_function_exit: vector=252\n"
		/* a self IPI: irq_work */
		"  bash-18537 [000] d..1. 3919.148820: ipi_send_cpu: cpu=0 callsite=irq_work_queue+0x2b/0x50 callback=rto_push_irq_work_func+0x0/0x90\n"
		"  bash-18537 [000] d.h1. 3919.148822: irq_work_entry: vector=246\n"
		"  bash-18537 [000] d.h1. 3919.148823: irq_work_exit: vector=246\n"
		/* a handler run with no traced send */
		"  <idle>-0 [001] d.h1. 3919.148900: reschedule_entry: vector=253\n"
		"  <idle>-0 [001] d.h1. 3919.148901: reschedule_exit: vector=253\n"
		/* 6.4-6.7 kernels printed the queued function of an smp call */
		"  bash-18537 [000] ...1. 3919.148950: ipi_send_cpu: cpu=1 callsite=smp_call_function_single+0x10/0x20 callback=do_sync_core+0x0/0x30\n"
		"  <idle>-0 [001] d.h1. 3919.148957: call_function_single_entry: vector=251\n"
		"  <idle>-0 [001] d.h1. 3919.148958: call_function_single_exit: vector=251\n";
	struct recs rs;
	struct ls_pair *p = run(text, &rs);
	const struct ls_pair_stats *s = ls_pair_stats(p);
	const struct ls_pair_open *o;
	const struct ls_rec_ipi *i;
	size_t nopen = ls_pair_open(p, &o);

	(void)st;
	/* 5 IPI records, 6 vector spans */
	assert_int_equal(rs.n, 11);
	i = &rs.r[0].i;
	assert_rec(&i->h, LS_K_IPI, 1, US(3919, 148758), 12000,
		   fn_key(p, "generic_smp_call_function_single_interrupt"), 18537, 0, 0);
	assert_int_equal(i->vector, LS_V_CALL_FUNCTION_SINGLE);
	assert_int_equal(i->coalesced, 1);
	assert_true(i->callsite == fn_key(p, "on_each_cpu_cond_mask"));
	assert_string_equal(i->comm, "bash");
	assert_int_equal(rs.r[1].h.kind, LS_K_VECTOR);
	i = &rs.r[2].i;
	assert_rec(&i->h, LS_K_IPI, 1, US(3919, 148801), 4000, 0, 18537, 0, 0);
	assert_int_equal(i->vector, LS_V_RESCHEDULE);
	assert_int_equal(i->coalesced, 0);
	i = &rs.r[4].i;
	assert_rec(&i->h, LS_K_IPI, 1, US(3919, 148800), 10000,
		   fn_key(p, "generic_smp_call_function_interrupt"), 18537, 0, 0);
	assert_int_equal(i->vector, LS_V_CALL_FUNCTION);
	i = &rs.r[6].i;
	assert_rec(&i->h, LS_K_IPI, 0, US(3919, 148820), 2000,
		   fn_key(p, "rto_push_irq_work_func"), 18537, 0, 0);
	assert_int_equal(i->vector, LS_V_IRQ_WORK);
	i = &rs.r[9].i;
	assert_rec(&i->h, LS_K_IPI, 1, US(3919, 148950), 7000, fn_key(p, "do_sync_core"), 18537,
		   0, 0);
	assert_int_equal(i->vector, LS_V_CALL_FUNCTION_SINGLE);
	assert_int_equal(s->records[LS_K_IPI], 5);
	assert_int_equal(s->ipi_coalesced, 1);
	/* the handler run with no send */
	assert_int_equal(s->unpaired[LS_K_IPI], 1);
	/* the mask's send to CPU 2 was never served */
	assert_int_equal(s->open_at_end[LS_K_IPI], 1);
	assert_int_equal(nopen, 1);
	assert_int_equal(o[0].cpu, 2);
	assert_int_equal(o[0].pid, 18537);
	assert_int_equal(s->malformed, 0);
	ls_pair_free(p);
}

/* --- wakeups --------------------------------------------------------------- */

static void test_wakeup(void **st)
{
	static const char text[] =
		"  <idle>-0 [001] d..2. 50.000000: sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=CPU 0/KVM next_pid=7289 next_prio=120\n"
		/* an RT task woken onto CPU 1 while a fair task runs there */
		"  <idle>-0 [000] dNh4. 50.000010: sched_waking: comm=rt thread pid=500 prio=9 target_cpu=000\n"
		"  <idle>-0 [000] dNh4. 50.000012: sched_wakeup: comm=rt thread pid=500 prio=9 target_cpu=001\n"
		"  CPU 0/KVM-7289 [001] d..2. 50.000030: sched_switch: prev_comm=CPU 0/KVM prev_pid=7289 prev_prio=120 prev_state=R+ ==> next_comm=rt thread next_pid=500 next_prio=9\n"
		/* woken for CPU 1, runs on CPU 0: migrated */
		"  <idle>-0 [000] d..4. 50.000040: sched_waking: comm=kworker/0:1 pid=33 prio=120 target_cpu=001\n"
		"  <idle>-0 [000] d..4. 50.000041: sched_wakeup: comm=kworker/0:1 pid=33 prio=120 target_cpu=001\n"
		"  <idle>-0 [000] d..2. 50.000050: sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=kworker/0:1 next_pid=33 next_prio=120\n"
		/* a new task that never runs before the end */
		"  bash-100 [001] d..4. 50.000060: sched_wakeup_new: comm=bash pid=101 prio=120 target_cpu=001\n"
		/* a task switched in with no wakeup seen: nothing */
		"  rt thread-500 [001] d..2. 50.000070: sched_switch: prev_comm=rt thread prev_pid=500 prev_prio=9 prev_state=S ==> next_comm=CPU 0/KVM next_pid=7289 next_prio=120\n"
		/* woken twice before it runs: the later waking counts; no
		 * sched_wakeup: the target is sched_waking's (its last CPU) */
		"  <idle>-0 [000] d..4. 50.000080: sched_waking: comm=ksoftirqd/1 pid=20 prio=120 target_cpu=001\n"
		"  <idle>-0 [000] d..4. 50.000085: sched_waking: comm=ksoftirqd/1 pid=20 prio=120 target_cpu=001\n"
		"  <idle>-0 [001] d..2. 50.000090: sched_switch: prev_comm=CPU 0/KVM prev_pid=7289 prev_prio=120 prev_state=R ==> next_comm=ksoftirqd/1 next_pid=20 next_prio=120\n"
		/* woken while still going to sleep: it switches out (S) after
		 * its waking, then is activated and runs: measured, raced; the
		 * culprit is the task on CPU 1 at the waking, itself */
		"  ksoftirqd/1-20 [001] d..2. 50.000095: sched_switch: prev_comm=ksoftirqd/1 prev_pid=20 prev_prio=120 prev_state=S ==> next_comm=worker next_pid=600 next_prio=120\n"
		"  <idle>-0 [000] d..4. 50.000100: sched_waking: comm=worker pid=600 prio=120 target_cpu=001\n"
		"  worker-600 [001] d..2. 50.000110: sched_switch: prev_comm=worker prev_pid=600 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120\n"
		"  <idle>-0 [000] d..4. 50.000111: sched_wakeup: comm=worker pid=600 prio=120 target_cpu=001\n"
		"  <idle>-0 [001] d..2. 50.000120: sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=worker next_pid=600 next_prio=120\n"
		/* woken, then preempted (R+) with no switch-in seen: it was
		 * running when woken (or ftrace lost the switch-in); not
		 * recorded, and its later switch-in is no wakeup */
		"  <idle>-0 [000] d..4. 50.000130: sched_waking: comm=spin pid=601 prio=120 target_cpu=001\n"
		"  spin-601 [001] d..2. 50.000135: sched_switch: prev_comm=spin prev_pid=601 prev_prio=120 prev_state=R+ ==> next_comm=worker next_pid=600 next_prio=120\n"
		/* its late sched_wakeup starts nothing: this trace has wakings */
		"  <idle>-0 [000] d..4. 50.000136: sched_wakeup: comm=spin pid=601 prio=120 target_cpu=001\n"
		"  worker-600 [001] d..2. 50.000140: sched_switch: prev_comm=worker prev_pid=600 prev_prio=120 prev_state=R+ ==> next_comm=spin next_pid=601 next_prio=120\n";
	struct recs rs;
	struct ls_pair *p = run(text, &rs);
	const struct ls_pair_stats *s = ls_pair_stats(p);
	const struct ls_rec_wakeup *w;
	const struct ls_pair_open *o;

	(void)st;
	assert_int_equal(rs.n, 4);
	w = &rs.r[0].w;
	/* target and culprit from sched_wakeup, not sched_waking's last CPU */
	assert_rec(&w->h, LS_K_WAKEUP, 1, US(50, 10), 20000, LS_SCHED_RT, 7289, 500, 0);
	assert_int_equal(w->wflags, LS_WF_PREEMPT);
	assert_int_equal(w->waker_cpu, 0);
	assert_int_equal(w->prio, 9);
	assert_int_equal(w->culprit_prio, 120);
	assert_string_equal(w->comm, "rt thread");
	assert_string_equal(w->culprit_comm, "CPU 0/KVM");
	w = &rs.r[1].w;
	assert_rec(&w->h, LS_K_WAKEUP, 0, US(50, 40), 10000, LS_SCHED_NORMAL, 500, 33, 0);
	assert_int_equal(w->wflags, LS_WF_MIGRATED);
	assert_string_equal(w->culprit_comm, "rt thread");
	w = &rs.r[2].w;
	assert_rec(&w->h, LS_K_WAKEUP, 1, US(50, 85), 5000, LS_SCHED_NORMAL, 7289, 20, 0);
	assert_int_equal(w->wflags, 0);
	assert_string_equal(w->comm, "ksoftirqd/1");
	assert_string_equal(w->culprit_comm, "CPU 0/KVM");
	w = &rs.r[3].w;
	assert_rec(&w->h, LS_K_WAKEUP, 1, US(50, 100), 20000, LS_SCHED_NORMAL, 600, 600, 0);
	assert_int_equal(w->wflags, 0);
	assert_int_equal(s->wakeup_repeated, 1);
	assert_int_equal(s->wakeup_raced, 1);
	assert_int_equal(s->wakeup_ran, 1);
	assert_int_equal(s->unpaired[LS_K_WAKEUP], 1);
	assert_int_equal(s->open_at_end[LS_K_WAKEUP], 1);
	assert_int_equal(ls_pair_open(p, &o), 1);
	assert_int_equal(o[0].pid, 101);
	/* sched_wakeup_new starts a new task's wakeup, sched_waking others */
	assert_int_equal(s->wakeup_from_wakeup, 0);
	assert_int_equal(s->malformed, 0);
	ls_pair_free(p);
}

/* A sleeper's hrtimer wakes it: LS_WF_TIMER, time since the hard expiry. */
static void test_wakeup_timer(void **st)
{
	static const char text[] =
		"  s-77 [001] d..1. 10.000020: hrtimer_start: hrtimer=000000003f535bb0 function=hrtimer_wakeup expires=7050000 softexpires=7000000 mode=ABS was_armed=0\n"
		"  <idle>-0 [001] d..2. 10.000025: sched_switch: prev_comm=s prev_pid=77 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120\n"
		/* now = expiry + 20 us: the expiry was at 10.000010 on the trace clock */
		"  <idle>-0 [001] d.h1. 10.000030: hrtimer_expire_entry: hrtimer=000000003f535bb0 function=hrtimer_wakeup now=7070000\n"
		"  <idle>-0 [001] dNh4. 10.000031: sched_waking: comm=s pid=77 prio=120 target_cpu=001\n"
		"  <idle>-0 [001] dNh1. 10.000032: hrtimer_expire_exit: hrtimer=000000003f535bb0\n"
		"  <idle>-0 [001] d..2. 10.000040: sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=s next_pid=77 next_prio=120\n";
	struct recs rs;
	struct ls_pair *p = run(text, &rs);
	const struct ls_rec_wakeup *w;

	(void)st;
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.r[0].h.kind, LS_K_HRTIMER);
	assert_int_equal(rs.r[0].h.arg, 77);
	w = &rs.r[1].w;
	/* waking in the timer callback: LS_F_IN_HRTIMER, as live */
	assert_rec(&w->h, LS_K_WAKEUP, 1, US(10, 31), 9000, LS_SCHED_NORMAL, 0, 77, LS_F_IN_HRTIMER);
	/* no sched_wakeup in this trace: target from sched_waking */
	assert_int_equal(w->wflags, LS_WF_TIMER);
	assert_true(w->since_expiry == 30000);
	ls_pair_free(p);
}

/* trace-cmd's sched plugin formats. */
static void test_sched_plugin(void **st)
{
	static const char text[] =
		"q1:  rcu_preempt-15 [001] 848.870297: sched_switch: rcu_preempt:15 [120] W ==> swapper/1:0 [120]\n"
		"q1:  <idle>-0 [000] 848.872798: sched_wakeup: memfd:sealed-91:23075 [120] CPU:001\n"
		"q1:  <idle>-0 [001] 848.872824: sched_switch: swapper/1:0 [120] R ==> memfd:sealed-91:23075 [120]\n";
	struct recs rs;
	struct ls_pair *p = run(text, &rs);
	const struct ls_rec_wakeup *w;

	(void)st;
	assert_int_equal(rs.n, 1);
	w = &rs.r[0].w;
	assert_rec(&w->h, LS_K_WAKEUP, 1, US(848, 872798), 26000, LS_SCHED_NORMAL, 0, 23075, 0);
	assert_string_equal(w->comm, "memfd:sealed-91");
	assert_string_equal(w->culprit_comm, "swapper/1");
	assert_int_equal(ls_pair_stats(p)->malformed, 0);
	ls_pair_free(p);
}

/* --- KVM ---------------------------------------------------------------- */

/* New format: vcpu in kvm_exit, "vcpu N, rip" in kvm_entry, TGID column,
 * a thread switched out during its exit, flags, SVM names with blanks, a
 * code the table lacks, a name no table has. */
static void test_kvm_new(void **st)
{
	static const char text[] =
		"  CPU 0/KVM-7289 (7280) [002] d..1. 20.000000: kvm_entry: vcpu 0, rip 0xffffffff81000000 intr_info 0x00000000 error_code 0x00000000\n"
		"  CPU 0/KVM-7289 (7280) [002] d..1. 20.000005: kvm_exit: vcpu 0 reason EXTERNAL_INTERRUPT rip 0xffffffff81000010 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x800000ec error_code 0x00000000 requests 0x0000000000000000\n"
		"  CPU 0/KVM-7289 (7280) [002] d..1. 20.000008: kvm_entry: vcpu 0, rip 0xffffffff81000010 intr_info 0x00000000 error_code 0x00000000\n"
		/* an EPT violation that blocks: 40 of its 50 us are off CPU */
		"  CPU 0/KVM-7289 (7280) [002] d..1. 20.000010: kvm_exit: vcpu 0 reason EPT_VIOLATION rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0 requests 0x0\n"
		"  CPU 0/KVM-7289 (7280) [002] d..2. 20.000015: sched_switch: prev_comm=CPU 0/KVM prev_pid=7289 prev_prio=120 prev_state=D ==> next_comm=swapper/2 next_pid=0 next_prio=120\n"
		"  <idle>-0 (0) [003] d..2. 20.000055: sched_switch: prev_comm=swapper/3 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=CPU 0/KVM next_pid=7289 next_prio=120\n"
		"  CPU 0/KVM-7289 (7280) [003] d..1. 20.000060: kvm_entry: vcpu 0, rip 0x1 intr_info 0x0 error_code 0x0\n"
		/* a failed VM entry and an unknown VMX code */
		"  CPU 0/KVM-7289 (7280) [003] d..1. 20.000070: kvm_exit: vcpu 0 reason INVALID_STATE FAILED_VMENTRY rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0 requests 0x0\n"
		"  CPU 0/KVM-7289 (7280) [003] d..1. 20.000071: kvm_entry: vcpu 0, rip 0x1 intr_info 0x0 error_code 0x0\n"
		/* SVM vCPU 1 of another VM, no tgid known */
		"  CPU 1/KVM-8001 (-------) [001] d..1. 20.000100: kvm_exit: vcpu 1 reason DE excp rip 0x2 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0 requests 0x0\n"
		"  CPU 1/KVM-8001 (-------) [001] d..1. 20.000102: kvm_entry: vcpu 1, rip 0x2 intr_info 0x0 error_code 0x0\n"
		"  CPU 1/KVM-8001 (-------) [001] d..1. 20.000110: kvm_exit: vcpu 1 reason npf rip 0x2 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0 requests 0x0\n"
		"  CPU 1/KVM-8001 (-------) [001] d..1. 20.000113: kvm_entry: vcpu 1, rip 0x2 intr_info 0x0 error_code 0x0\n"
		"  CPU 1/KVM-8001 (-------) [001] d..1. 20.000120: kvm_exit: vcpu 1 reason 0x4d rip 0x2 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0 requests 0x0\n"
		"  CPU 1/KVM-8001 (-------) [001] d..1. 20.000121: kvm_entry: vcpu 1, rip 0x2 intr_info 0x0 error_code 0x0\n"
		"  CPU 1/KVM-8001 (-------) [001] d..1. 20.000130: kvm_exit: vcpu 1 reason NO_SUCH_REASON rip 0x2 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0 requests 0x0\n"
		"  CPU 1/KVM-8001 (-------) [001] d..1. 20.000131: kvm_entry: vcpu 1, rip 0x2 intr_info 0x0 error_code 0x0\n"
		/* an older kernel's name for SVM's io exit */
		"  CPU 1/KVM-8001 (-------) [001] d..1. 20.000140: kvm_exit: vcpu 1 reason ioio rip 0x2 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0 requests 0x0\n"
		"  CPU 1/KVM-8001 (-------) [001] d..1. 20.000142: kvm_entry: vcpu 1, rip 0x2 intr_info 0x0 error_code 0x0\n"
		"  qemu-7280 (7280) [000] ...1. 20.000200: sys_enter: NR 0\n";
	struct recs rs;
	struct ls_pair *p = run(text, &rs);
	const struct ls_pair_stats *s = ls_pair_stats(p);
	const struct ls_rec_kvm *k;

	(void)st;
	assert_int_equal(rs.n, 8);
	k = &rs.r[0].k;
	assert_rec(&k->h, LS_K_KVM_EXIT, 2, US(20, 5), 3000, 1, 7289, 0, 0);
	assert_true(k->guest_ns == 5000 && k->off_cpu_ns == 0);
	assert_int_equal(k->isa, LS_KVM_ISA_VMX);
	assert_int_equal(k->tgid, 7280);
	k = &rs.r[1].k;
	assert_rec(&k->h, LS_K_KVM_EXIT, 2, US(20, 10), 50000, 48, 7289, 0, 0);
	assert_true(k->guest_ns == 2000 && k->off_cpu_ns == 40000);
	k = &rs.r[2].k;
	assert_rec(&k->h, LS_K_KVM_EXIT, 3, US(20, 70), 1000, 0x80000000u | 33, 7289, 0, 0);
	assert_int_equal(k->isa, LS_KVM_ISA_VMX);
	k = &rs.r[3].k;
	assert_rec(&k->h, LS_K_KVM_EXIT, 1, US(20, 100), 2000, 0x40, 8001, 1, 0);
	assert_int_equal(k->isa, LS_KVM_ISA_SVM);
	assert_int_equal(k->tgid, 0);
	assert_string_equal(k->comm, "CPU 1/KVM");
	assert_true(k->guest_ns == 0); /* no entry before it in the trace */
	k = &rs.r[4].k;
	assert_rec(&k->h, LS_K_KVM_EXIT, 1, US(20, 110), 3000, 0x400, 8001, 1, 0);
	assert_true(k->guest_ns == 8000);
	k = &rs.r[5].k;
	assert_rec(&k->h, LS_K_KVM_EXIT, 1, US(20, 120), 1000, 0x4d, 8001, 1, 0);
	assert_int_equal(k->isa, LS_KVM_ISA_UNKNOWN);
	k = &rs.r[6].k;
	assert_rec(&k->h, LS_K_KVM_EXIT, 1, US(20, 130), 1000, LS_KEY_OTHER, 8001, 1, 0);
	assert_int_equal(s->kvm_unknown_reason, 1);
	k = &rs.r[7].k;
	assert_rec(&k->h, LS_K_KVM_EXIT, 1, US(20, 140), 2000, 0x7b, 8001, 1, 0);
	assert_int_equal(k->isa, LS_KVM_ISA_SVM);
	/* the first kvm_entry of each thread closes no exit */
	assert_int_equal(s->unpaired[LS_K_KVM_EXIT], 1);
	assert_int_equal(s->open_at_end[LS_K_KVM_EXIT], 0);
	assert_int_equal(s->with_tgid, 20);
	assert_int_equal(s->other_events, 1);
	assert_int_equal(s->malformed, 0);
	ls_pair_free(p);
}

/* --- seed 004 and the real captures --------------------------------------- */

static char *data_path(const char *name, char *buf, size_t len)
{
	const char *dir = getenv("LATSCOPE_TEST_DATA");

	snprintf(buf, len, "%s/%s", dir ? dir : "tests/unit/data", name);
	return buf;
}

/* Streams a data file through the reader into a new engine. */
static struct ls_pair *run_file(const char *name, struct recs *rs, struct ls_ft_counts *c)
{
	static char buf[LS_FT_LINE_MAX];
	struct ls_pair *p = ls_pair_new(on_rec, rs, NULL);
	struct ls_ft_reader r;
	struct ls_ft_event ev;
	char path[512];
	int fd = open(data_path(name, path, sizeof(path)), O_RDONLY), kind;

	if (fd < 0)
		fail_msg("%s: %s (run from the repository root)", path, strerror(errno));
	memset(rs, 0, sizeof(*rs));
	ls_ft_reader_init_fd(&r, fd, buf, sizeof(buf));
	while ((kind = ls_ft_reader_next(&r, &ev)) > 0)
		ls_pair_line(p, kind, &ev);
	assert_int_equal(kind, 0);
	ls_pair_finish(p);
	*c = r.counts;
	close(fd);
	return p;
}

/*
 * Seed 004 (tglx, LKML 2011): "We enter the guest for 2us to come back and
 * handle the APIC_EOI for 11us. Then we go back to the guest for 9us and
 * spend again 11us for handling a write to APIC_TMICT." Then 11 us in the
 * guest until the HLT exit, which the trace ends in.
 */
static void test_seed004(void **st)
{
	struct recs rs;
	struct ls_ft_counts c;
	struct ls_pair *p = run_file("ftrace_seed004_kvm.txt", &rs, &c);
	const struct ls_pair_stats *s = ls_pair_stats(p);
	const struct ls_pair_open *o;
	const struct ls_rec_kvm *k;
	uint32_t kvm_timer_fn = fn_key(p, "kvm_timer_fn");

	(void)st;
	assert_int_equal(ls_ft_classify(&c), LS_FT_KIND_EVENTS);
	assert_int_equal(rs.n, 6);
	/* kvm_timer_fn expires first thing: no hrtimer_start before it */
	assert_rec(&rs.r[0].h, LS_K_HRTIMER, 17, 316004317563000ull, 3000, kvm_timer_fn, 0, 0,
		   LS_F_NO_EXPIRY);
	/* the qemu vCPU thread (prio 19: RT) woken by it, run 3 us later */
	assert_rec(&rs.r[1].h, LS_K_WAKEUP, 17, 316004317565000ull, 3000, LS_SCHED_RT, 0, 77375,
		   LS_F_IN_HRTIMER);
	assert_string_equal(rs.r[1].w.comm, "qemu-system-x86");
	k = &rs.r[2].k;
	assert_rec(&k->h, LS_K_KVM_EXIT, 17, 316004317579000ull, 11000, 44, 77375, 1, 0);
	assert_true(k->guest_ns == 2000 && k->off_cpu_ns == 0);
	assert_int_equal(k->isa, LS_KVM_ISA_VMX);
	assert_string_equal(k->comm, "qemu-system-x86");
	/* a kernel that traced dequeues (no was_armed): the cancel before
	 * kvm_timer_fn's expiry and the one before kvm_idle_watchdog's re-arm
	 * were dequeues; its second cancel is one, known when the CPU's next
	 * hrtimer event (kvm_timer_fn's start) is another timer's */
	assert_rec(&rs.r[3].h, LS_K_HRTIMER_CANCEL, 17, 316004317574000ull, 0,
		   fn_key(p, "kvm_idle_watchdog"), 77375, 1, 0);
	assert_int_equal(s->hrtimer_dequeues, 2);
	assert_int_equal(s->hrtimer_cancel_no_fn + s->hrtimer_cancel_unresolved, 0);
	k = &rs.r[4].k;
	assert_rec(&k->h, LS_K_KVM_EXIT, 17, 316004317599000ull, 11000, 44, 77375, 1, 0);
	assert_true(k->guest_ns == 9000 && k->off_cpu_ns == 0);
	/* the HLT exit is still open: recorded as open, with the 11 us guest
	 * run that ended in it and no cost */
	k = &rs.r[5].k;
	assert_rec(&k->h, LS_K_KVM_EXIT, 17, 316004317621000ull, 0, 12, 77375, 1, 0);
	assert_int_equal(k->kflags, LS_KVM_F_OPEN);
	assert_true(k->guest_ns == 11000 && k->off_cpu_ns == 0);
	assert_string_equal(k->comm, "qemu-system-x86");
	/* and listed: 6 us until the last line, 1 us of it switched out */
	assert_int_equal(ls_pair_open(p, &o), 1);
	assert_int_equal(o[0].kind, LS_K_KVM_EXIT);
	assert_int_equal(o[0].key, 12);
	assert_int_equal(o[0].pid, 77375);
	assert_int_equal(o[0].arg, 1);
	assert_int_equal(o[0].cpu, 17);
	assert_true(o[0].ts == 316004317621000ull);
	assert_true(o[0].guest_ns == 11000);
	assert_true(o[0].open_ns == 6000);
	assert_true(o[0].off_cpu_ns == 1000);
	assert_int_equal(s->open_at_end[LS_K_KVM_EXIT], 1);
	/* the first kvm_entry closes no exit */
	assert_int_equal(s->unpaired[LS_K_KVM_EXIT], 1);
	assert_int_equal(s->hrtimer_no_expiry, 1);
	assert_int_equal(s->wakeup_from_wakeup, 1);
	assert_int_equal(s->malformed, 0);
	/* kvm_mmu_*, kvm_apic*, power_*, cpu_idle...: counted, ignored */
	assert_int_equal(s->other_events, 45 - 16);
	ls_pair_free(p);
}

/*
 * Real captures: every known event parses, and the records per family
 * equal an independent pairing of the same files with awk (per CPU, one
 * open slot per family, an exit closes it when the key matches; hrtimers
 * by pointer; a wakeup is the first sched_waking/sched_wakeup of a pid
 * until a sched_switch to it; LOST lines clear the CPU).
 */
static void test_captures(void **st)
{
	static const struct {
		const char *file;
		uint64_t hardirq, softirq, vector, hrtimer, wakeup;
	} want[] = {
		{ "ftrace_irqinfo.txt", 1, 11, 13, 13, 8 },
		{ "ftrace_noirqinfo.txt", 1, 6, 12, 11, 8 },
		{ "ftrace_tgid.txt", 0, 11, 13, 11, 9 },
		{ "ftrace_latency.txt", 10, 28, 6, 0, 0 },
		{ "ftrace_pipe_lost.txt", 2, 15, 8, 0, 0 },
		{ "ftrace_tracecmd.txt", 1, 15, 23, 22, 18 },
		{ "ftrace_tracecmd_ns.txt", 1, 9, 14, 13, 10 },
		{ "ftrace_tracecmd_lat.txt", 1, 9, 14, 13, 10 },
	};

	(void)st;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct recs rs;
		struct ls_ft_counts c;
		struct ls_pair *p = run_file(want[i].file, &rs, &c);
		const struct ls_pair_stats *s = ls_pair_stats(p);

		printf("%-26s hardirq %llu softirq %llu vector %llu hrtimer %llu wakeup %llu "
		       "ipi %llu other %llu no_expiry %llu\n", want[i].file,
		       (unsigned long long)s->records[LS_K_HARDIRQ],
		       (unsigned long long)s->records[LS_K_SOFTIRQ],
		       (unsigned long long)s->records[LS_K_VECTOR],
		       (unsigned long long)s->records[LS_K_HRTIMER],
		       (unsigned long long)s->records[LS_K_WAKEUP],
		       (unsigned long long)s->records[LS_K_IPI],
		       (unsigned long long)s->other_events,
		       (unsigned long long)s->hrtimer_no_expiry);
		assert_int_equal(s->malformed, 0);
		assert_int_equal(s->records[LS_K_HARDIRQ], want[i].hardirq);
		assert_int_equal(s->records[LS_K_SOFTIRQ], want[i].softirq);
		assert_int_equal(s->records[LS_K_VECTOR], want[i].vector);
		assert_int_equal(s->records[LS_K_HRTIMER], want[i].hrtimer);
		assert_int_equal(s->records[LS_K_WAKEUP], want[i].wakeup);
		ls_pair_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_crlf_noflags),
		cmocka_unit_test(test_unpaired_and_open),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_lost),
		cmocka_unit_test(test_hrtimer),
		cmocka_unit_test(test_hrtimer_now_lag),
		cmocka_unit_test(test_hrtimer_timerfd),
		cmocka_unit_test(test_hrtimer_dequeues),
		cmocka_unit_test(test_hrtimer_stale),
		cmocka_unit_test(test_hrtimer_plugin),
		cmocka_unit_test(test_ipi),
		cmocka_unit_test(test_wakeup),
		cmocka_unit_test(test_wakeup_timer),
		cmocka_unit_test(test_sched_plugin),
		cmocka_unit_test(test_kvm_new),
		cmocka_unit_test(test_seed004),
		cmocka_unit_test(test_captures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
