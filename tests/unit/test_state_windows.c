// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The state file's windows, isolated, wakeups and symbols sections
 * (lib/state_windows.c, state_wakeups.c, state_syms.c): a round trip gives
 * back the same worst windows (context and story), interruption logs,
 * worst wakeups, as the views show them; a daemon
 * with a smaller worst-N, flight recorder, fewer CPUs or other isolated
 * CPUs keeps what fits and says what it dropped; restored windows then
 * compete with new ones; saved kernel addresses follow their functions to
 * another boot's addresses; the worst windows' kernel stacks come back as
 * saved, and a version 1 windows section (no stacks) still loads; and
 * damaged, truncated or hostile sections (checksums fixed) are rejected or
 * survive without a crash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crc32c.h"
#include "interruptions.h"
#include "isolation.h"
#include "names.h"
#include "report.h"
#include "report_windows.h"
#include "state.h"
#include "wakeups.h"
#include "windows.h"

#define US 1000ull
#define T0 (5000 * 1000000000ull)
#define NCPUS 3
#define ISO_CPU 1
/* kernel text of the "saving boot" and the same functions on another one */
#define BASE_A 0xffffffff81000000ull
#define BASE_B 0xffffffff9a200000ull

enum fn { FN_TIMER, FN_IPI_CB, FN_CALLSITE, FN_DUP, FN_GONE, NFN };
static const char *const fn_names[NFN] = {
	"tick_sched_timer", "flush_tlb_func", "smp_call_function_many_cond", "show_one",
	"mod_gone_fn",
};
static const uint64_t fn_off[NFN] = { 0x1000, 0x3000, 0x4000, 0x5000, 0x6000 };

static uint32_t key_a(enum fn f)
{
	return (uint32_t)(BASE_A + fn_off[f]);
}

/* Boot A knows every function once; boot B has them elsewhere, FN_DUP
 * twice (ambiguous) and FN_GONE not at all (its module unloaded). */
static struct ls_ksyms *syms(uint64_t base, bool other_boot)
{
	struct ls_ksyms *ks = ls_ksyms_new();

	assert_non_null(ks);
	assert_int_equal(ls_ksyms_add(ks, base, "_stext"), 0);
	for (int f = 0; f < NFN; f++) {
		if (other_boot && f == FN_GONE)
			continue;
		assert_int_equal(ls_ksyms_add(ks, base + fn_off[f], fn_names[f]), 0);
	}
	if (other_boot)
		assert_int_equal(ls_ksyms_add(ks, base + 0x9000, fn_names[FN_DUP]), 0);
	assert_int_equal(ls_ksyms_add(ks, base + 0x10000, "_etext"), 0);
	return ks;
}

/* --- a synthetic workload on NCPUS CPUs ---------------------------------- */

static void span(struct ls_agg *a, uint8_t kind, uint16_t cpu, uint64_t ts, uint64_t dur,
		 uint32_t key, uint32_t pid)
{
	struct ls_rec r = { .ts = ts, .dur = dur, .key = key, .pid = pid, .cpu = cpu,
			    .kind = kind, .arg = LS_ARG_NONE };

	ls_agg_add(a, &r);
}

/* A timer late by `late` ns delivered by a local timer interrupt at t. */
static void late_timer(struct ls_agg *a, uint16_t cpu, uint64_t t, uint64_t late, enum fn f)
{
	struct ls_rec_hrtimer h = {
		.h = { .ts = t + 1 * US, .dur = 2 * US, .key = key_a(f), .pid = 300 + cpu,
		       .cpu = cpu, .kind = LS_K_HRTIMER, .arg = 4242 },
		.late = (int64_t)late, .soft_late = (int64_t)late, .comm = "sleeper",
		.armed = -1000000, .now_lag = 1 * US,
		.stack = f == FN_DUP ? -17 /* -EEXIST */ : (int32_t)f + 1,
	};

	ls_agg_add(a, &h.h);
	span(a, LS_K_VECTOR, cpu, t, 5 * US, LS_V_LOCAL_TIMER, 300 + cpu);
}

/* An IPI from CPU 0 delivered `lat` ns after its send to cpu, at t. */
static void late_ipi(struct ls_agg *a, uint16_t cpu, uint64_t t, uint64_t lat)
{
	struct ls_rec_ipi p = {
		.h = { .ts = t - lat, .dur = lat, .key = key_a(FN_IPI_CB), .pid = 77, .cpu = cpu,
		       .kind = LS_K_IPI, .arg = 0 },
		.callsite = key_a(FN_CALLSITE), .vector = LS_V_CALL_FUNCTION, .comm = "sender",
		.stack = -17, /* -EEXIST */
	};

	ls_agg_add(a, &p.h);
	span(a, LS_K_VECTOR, cpu, t, 3 * US, LS_V_CALL_FUNCTION, 300 + cpu);
}

static void rt_wakeup(struct ls_agg *a, uint16_t cpu, uint64_t t, uint64_t delay)
{
	struct ls_rec_wakeup k = {
		.h = { .ts = t, .dur = delay, .key = LS_SCHED_RT, .pid = 500 + cpu,
		       .arg = 600 + cpu, .cpu = cpu, .kind = LS_K_WAKEUP },
		.prio = 49, .culprit_prio = 120, .wflags = LS_WF_PREEMPT, .waker_cpu = 0,
		.comm = "rt-task", .culprit_comm = "hog",
	};

	ls_agg_add(a, &k.h);
}

/* Per CPU: hardirq and vector windows of growing lengths, late timers and
 * IPIs (inferred irq-off), softirq passes and RT wakeups (preempt-off);
 * the isolated CPU logs every interruption. */
static void workload(struct ls_agg *a, int iters)
{
	uint64_t t = T0;

	for (int i = 0; i < iters; i++)
		for (uint16_t cpu = 0; cpu < NCPUS; cpu++) {
			uint64_t v = (uint64_t)(i * 7 % 40 + 1) * US + cpu * 100;

			t += 200 * US;
			span(a, LS_K_HARDIRQ, cpu, t, v, 10 + i % 3, 300 + cpu);
			late_timer(a, cpu, t + 50 * US, v + 3 * US, i % 2 ? FN_TIMER : FN_DUP);
			late_ipi(a, cpu, t + 100 * US, v / 2 + 1 * US);
			span(a, LS_K_SOFTIRQ, cpu, t + 120 * US, v, i % LS_NR_SOFTIRQS, 300 + cpu);
			rt_wakeup(a, cpu, t + 150 * US, v * 2);
			if (i % 5 == 0)
				late_timer(a, cpu, t + 170 * US, 2 * US, FN_GONE);
		}
	ls_agg_flush(a, UINT64_MAX);
}

/* The live daemon's stack resolver stands in: stack id s + 1 has three
 * frames, the last one interrupted, and 7 more not kept. */
static void fake_stacks(void *ctx, int32_t stack, uint64_t ns, struct ls_win_stack *out)
{
	(void)ctx;
	(void)ns;
	memset(out, 0, sizeof(*out));
	if (stack <= 0) {
		out->status = stack ? LS_WSS_FAILED : LS_WSS_BELOW;
		out->err = -stack;
		return;
	}
	out->status = LS_WSS_OK;
	out->n = 3;
	out->more = 7;
	out->interrupted = 2;
	for (int i = 0; i < 3; i++) {
		out->f[i].addr = BASE_A + 0x100 * (uint64_t)stack + (uint64_t)i;
		snprintf(out->f[i].sym, sizeof(out->f[i].sym), "frame%d_of_stack%d+0x%x", i,
			 stack, i);
	}
}

static struct ls_cpuset iso_set(int cpu)
{
	struct ls_cpuset s = { { 0 } };

	if (cpu >= 0)
		ls_cpuset_set(&s, (unsigned)cpu);
	return s;
}

static struct ls_agg *sample(unsigned worst, unsigned flight, int iters)
{
	struct ls_agg *a = ls_agg_new(10000);
	struct ls_win_opts o = { .worst = worst, .flight = flight };
	struct ls_cpuset iso = iso_set(ISO_CPU);

	assert_non_null(a);
	assert_int_equal(ls_windows_set_opts(ls_agg_windows(a), &o), 0);
	assert_int_equal(ls_windows_set_isolated(ls_agg_windows(a), &iso), 0);
	ls_windows_set_stack_fn(ls_agg_windows(a), fake_stacks, NULL);
	workload(a, iters);
	return a;
}

static void encode_on(const char *boot, struct ls_agg *a, unsigned char **buf, size_t *len)
{
	struct ls_state s = { .agg = a, .ncpus = NCPUS, .version = "0.1.0" };

	snprintf(s.boot_id, sizeof(s.boot_id), "%s", boot);
	assert_int_equal(ls_state_encode(&s, (void **)buf, len), LS_STATE_OK);
}

static void encode(struct ls_agg *a, unsigned char **buf, size_t *len)
{
	encode_on("boot-A", a, buf, len);
}

struct limits {
	struct ls_state_limits l;
	struct ls_win_opts o;
	struct ls_cpuset iso;
};

static struct limits limits(unsigned worst, unsigned flight, uint32_t ncpus, int iso_cpu,
			    const struct ls_ksyms *ks)
{
	struct limits L = {
		.o = { .worst = worst, .flight = flight }, .iso = iso_set(iso_cpu),
	};

	L.l = (struct ls_state_limits){ .max_series = 10000, .ncpus = ncpus, .ksyms = ks };
	return L;
}

static int decode(const unsigned char *buf, size_t len, struct limits *L, struct ls_state *r,
		  struct ls_state_msg *m)
{
	memset(m, 0, sizeof(*m));
	L->l.win = &L->o;
	L->l.isolated = &L->iso;
	return ls_state_decode(buf, len, &L->l, r, m);
}

static void release(struct ls_state *r)
{
	ls_agg_free(r->agg);
	free(r->comms);
}

/* --- views to compare ---------------------------------------------------- */

/* The worst windows of every CPU and kind as the windows view shows them;
 * restored ones must say so, and that mark is taken out. */
static char *worst_view(const struct ls_agg *a, bool restored)
{
	json_object *v = ls_report_windows(a, NCPUS, -1, -1, LS_WIN_MAX_WORST);
	json_object *out = json_object_new_array(), *cpus;
	char *s;

	assert_true(json_object_object_get_ex(v, "cpus", &cpus));
	for (size_t c = 0; c < json_object_array_length(cpus); c++) {
		json_object *co = json_object_array_get_idx(cpus, c);
		static const char *const kinds[] = { "irqoff", "preemptoff" };

		for (int k = 0; k < 2; k++) {
			json_object *ko, *worst, *per, *total;

			assert_true(json_object_object_get_ex(co, kinds[k], &ko));
			assert_true(json_object_object_get_ex(ko, "worst", &worst));
			assert_true(json_object_object_get_ex(ko, "periods", &per));
			assert_true(json_object_object_get_ex(per, "total", &total));
			for (size_t i = 0; i < json_object_array_length(worst); i++) {
				json_object *w = json_object_array_get_idx(worst, i), *f;
				bool has = json_object_object_get_ex(w, "restored", &f);

				assert_int_equal(has, restored);
				json_object_object_del(w, "restored");
			}
			json_object_array_add(out, json_object_get(worst));
			json_object_array_add(out, json_object_get(total));
		}
	}
	s = strdup(json_object_to_json_string(out));
	json_object_put(out);
	json_object_put(v);
	return s;
}

static char *view(json_object *v)
{
	char *s = strdup(json_object_to_json_string(v));

	json_object_put(v);
	return s;
}

static char *isolated_view(const struct ls_agg *a)
{
	struct ls_isolation iso = { 0 };

	assert_int_equal(ls_isolation_override(&iso, "1"), 0);
	return view(ls_report_isolated(a, &iso, NCPUS, -1, LS_INTR_RECENT));
}

static char *wakeups_view(const struct ls_agg *a)
{
	return view(ls_report_wakeups(a, NCPUS, -1));
}

static void assert_same_view(char *x, char *y)
{
	assert_string_equal(x, y);
	free(x);
	free(y);
}

static unsigned nworst(const struct ls_agg *a, uint32_t cpu, uint32_t kind,
		       const struct ls_win_worst **e)
{
	return ls_windows_worst(ls_agg_windows(a), cpu, kind, e);
}

/* --- tests --------------------------------------------------------------- */

static void test_round_trip(void **st)
{
	struct ls_agg *a = sample(5, 12, 40);
	struct limits L = limits(5, 12, NCPUS, ISO_CPU, NULL);
	struct ls_state r;
	struct ls_state_msg m;
	struct ls_win_stats sa, sr;
	const struct ls_intr_log *la, *lr;
	const struct ls_win_worst *e;
	unsigned char *buf, *buf2;
	size_t len, len2;

	(void)st;
	encode(a, &buf, &len);
	assert_int_equal(decode(buf, len, &L, &r, &m), LS_STATE_OK);
	assert_string_equal(m.notes, "");
	/* every CPU and kind has a full list with stories; all came back */
	for (uint32_t cpu = 0; cpu < NCPUS; cpu++) {
		unsigned full = 0;

		assert_int_equal(nworst(a, cpu, LS_K_IRQOFF, &e), 5);
		for (unsigned i = 0; i < 5; i++)
			full += e[i].nstory == 12;
		assert_true(full > 0);
		assert_int_equal(nworst(a, cpu, LS_K_PREEMPTOFF, &e), 5);
	}
	assert_int_equal(r.restored.windows, NCPUS * 10);
	assert_int_equal(r.restored.wakeups, NCPUS * LS_WAKEUP_WORST);
	assert_int_equal(r.restored.isolated_logs, 1);
	/* the stacks are part of the view: some with frames, some failed */
	{
		char *v = worst_view(a, false);

		assert_non_null(strstr(v, "\"stack_status\": \"ok\""));
		assert_non_null(strstr(v, "\"sym\": \"frame2_of_stack1+0x2\", \"interrupted\": true"));
		assert_non_null(strstr(v, "\"stack_error\": \"EEXIST\""));
		free(v);
	}
	assert_same_view(worst_view(a, false), worst_view(r.agg, true));
	assert_same_view(isolated_view(a), isolated_view(r.agg));
	assert_same_view(wakeups_view(a), wakeups_view(r.agg));
	ls_windows_get_stats(ls_agg_windows(a), &sa);
	ls_windows_get_stats(ls_agg_windows(r.agg), &sr);
	assert_memory_equal(&sa, &sr, sizeof(sa));
	assert_true(sa.windows[LS_WS_TIMER] > 0 && sa.windows[LS_WS_IPI] > 0 &&
		    sa.windows[LS_WS_SOFTIRQ] > 0 && sa.windows[LS_WS_WAKEUP] > 0);
	la = ls_windows_intr(ls_agg_windows(a), ISO_CPU);
	lr = ls_windows_intr(ls_agg_windows(r.agg), ISO_CPU);
	assert_non_null(lr);
	assert_true(la->total == lr->total && la->count == LS_INTR_RECENT &&
		    lr->count == LS_INTR_RECENT);
	/* the restored state saves to the same bytes (the restored mark is not saved) */
	encode(r.agg, &buf2, &len2);
	assert_int_equal(len2, len);
	assert_memory_equal(buf, buf2, len);
	free(buf);
	free(buf2);
	release(&r);
	ls_agg_free(a);
}

/* A daemon with a smaller worst-N and flight recorder, two CPUs, and CPU 1
 * no longer isolated keeps the longest windows, the newest story records,
 * and says what it dropped. */
static void test_fit_smaller_daemon(void **st)
{
	struct ls_agg *a = sample(5, 12, 40);
	struct limits L = limits(2, 4, 2, -1, NULL);
	const struct ls_win_worst *ea, *er;
	struct ls_state r;
	struct ls_state_msg m;
	unsigned char *buf;
	size_t len;

	(void)st;
	encode(a, &buf, &len);
	assert_int_equal(decode(buf, len, &L, &r, &m), LS_STATE_OK);
	for (uint32_t cpu = 0; cpu < 2; cpu++)
		for (uint32_t kind = LS_K_IRQOFF; kind <= LS_K_PREEMPTOFF; kind++) {
			unsigned n = nworst(a, cpu, kind, &ea);

			assert_int_equal(n, 5);
			assert_int_equal(nworst(r.agg, cpu, kind, &er), 2);
			for (unsigned i = 0; i < 2; i++) {
				assert_true(er[i].w.start == ea[i].w.start && er[i].w.len == ea[i].w.len);
				assert_true(er[i].w.flags & LS_WIN_RESTORED);
				/* the newest 4 records: the end of the saved story */
				assert_int_equal(er[i].nstory, 4);
				assert_memory_equal(&er[i].story[0].h,
						    &ea[i].story[ea[i].nstory - 4].h, sizeof(struct ls_rec));
			}
		}
	assert_int_equal(nworst(r.agg, 2, LS_K_IRQOFF, &er), 0);
	assert_null(ls_windows_intr(ls_agg_windows(r.agg), ISO_CPU));
	assert_int_equal(r.restored.windows, 8);
	assert_int_equal(r.restored.wakeups, 2 * LS_WAKEUP_WORST);
	assert_int_equal(r.restored.isolated_logs, 0);
	/* 30 saved: 10 of CPU 2, and 12 beyond 2 per CPU and kind */
	assert_non_null(strstr(m.notes, "12 saved worst windows beyond this daemon's 2 per CPU "
				       "and kind (the file kept 5) dropped"));
	assert_non_null(strstr(m.notes, "8 saved window stories cut to this daemon's 4 records "
				       "(the file's were up to 12)"));
	assert_non_null(strstr(m.notes, "10 saved worst windows of CPUs this machine lacks "
				       "(it has 2) dropped"));
	assert_non_null(strstr(m.notes, "interruption logs of 1 CPUs no longer isolated dropped"));
	assert_non_null(strstr(m.notes, "worst wakeups of 1 CPUs this machine lacks dropped"));
	free(buf);
	release(&r);
	ls_agg_free(a);
}

/* After a restore the saved windows compete with new ones: the worst
 * still wins, a saved one stays ahead of an equally long new one. */
static void test_new_windows_compete(void **st)
{
	struct ls_agg *a = sample(3, 8, 40);
	struct limits L = limits(3, 8, NCPUS, ISO_CPU, NULL);
	const struct ls_win_worst *e;
	struct ls_state r;
	struct ls_state_msg m;
	uint64_t longest, third, t = T0 + 3600 * 1000000000ull;
	unsigned char *buf;
	size_t len;

	(void)st;
	encode(a, &buf, &len);
	assert_int_equal(decode(buf, len, &L, &r, &m), LS_STATE_OK);
	assert_int_equal(nworst(r.agg, 0, LS_K_IRQOFF, &e), 3);
	longest = e[0].w.len;
	third = e[2].w.len;
	/* shorter than all three: does not enter */
	span(r.agg, LS_K_HARDIRQ, 0, t, third - 1, 99, 42);
	/* as long as the third: the restored one stays ahead, the new one is out */
	span(r.agg, LS_K_HARDIRQ, 0, t + 1000 * US, third, 98, 42);
	ls_agg_flush(r.agg, UINT64_MAX);
	assert_int_equal(nworst(r.agg, 0, LS_K_IRQOFF, &e), 3);
	assert_true(e[2].w.len == third && (e[2].w.flags & LS_WIN_RESTORED));
	/* longer than the longest: enters first, the others move down */
	span(r.agg, LS_K_HARDIRQ, 0, t + 2000 * US, longest + 1, 97, 42);
	ls_agg_flush(r.agg, UINT64_MAX);
	assert_int_equal(nworst(r.agg, 0, LS_K_IRQOFF, &e), 3);
	assert_true(e[0].w.len == longest + 1 && e[0].w.key == 97 &&
		    !(e[0].w.flags & LS_WIN_RESTORED) && e[0].nstory > 0);
	assert_true(e[1].w.len == longest && (e[1].w.flags & LS_WIN_RESTORED));
	/* the next save keeps the mix; restored again, all are marked */
	free(buf);
	encode(r.agg, &buf, &len);
	release(&r);
	assert_int_equal(decode(buf, len, &L, &r, &m), LS_STATE_OK);
	assert_int_equal(nworst(r.agg, 0, LS_K_IRQOFF, &e), 3);
	assert_true(e[0].w.len == longest + 1 && (e[0].w.flags & LS_WIN_RESTORED));
	free(buf);
	release(&r);
	ls_agg_free(a);
}

/* Windows saved on another boot are flagged: their times are that boot's
 * clock (the flag is saved with them: they stay from an earlier boot). */
static void test_earlier_boot(void **st)
{
	struct ls_agg *a = sample(2, 4, 10);
	struct limits L = limits(2, 4, NCPUS, ISO_CPU, NULL);
	const struct ls_win_worst *e;
	struct ls_state r;
	struct ls_state_msg m;
	unsigned char *buf;
	size_t len;
	char *v;

	(void)st;
	encode(a, &buf, &len);
	L.l.boot_id = "boot-A";
	assert_int_equal(decode(buf, len, &L, &r, &m), LS_STATE_OK);
	assert_int_equal(nworst(r.agg, 0, LS_K_IRQOFF, &e), 2);
	assert_false(e[0].w.flags & LS_WIN_EARLIER_BOOT);
	release(&r);
	L.l.boot_id = "boot-B";
	assert_int_equal(decode(buf, len, &L, &r, &m), LS_STATE_OK);
	for (uint32_t cpu = 0; cpu < NCPUS; cpu++)
		for (uint32_t kind = LS_K_IRQOFF; kind <= LS_K_PREEMPTOFF; kind++) {
			unsigned n = nworst(r.agg, cpu, kind, &e);

			assert_int_equal(n, 2);
			for (unsigned i = 0; i < n; i++)
				assert_true(e[i].w.flags & LS_WIN_EARLIER_BOOT);
		}
	v = view(ls_report_windows(r.agg, NCPUS, 0, LS_K_IRQOFF, 1));
	assert_non_null(strstr(v, "\"earlier_boot\": true"));
	free(v);
	/* saved again on boot B and restored there: still from boot A */
	free(buf);
	encode_on("boot-B", r.agg, &buf, &len);
	release(&r);
	assert_int_equal(decode(buf, len, &L, &r, &m), LS_STATE_OK);
	assert_int_equal(nworst(r.agg, 1, LS_K_PREEMPTOFF, &e), 2);
	assert_true(e[1].w.flags & LS_WIN_EARLIER_BOOT);
	release(&r);
	free(buf);
	ls_agg_free(a);
}

/* Saved on boot A, restored on boot B: keys move to where their functions
 * are now, in series, windows, stories and logs; an ambiguous or vanished
 * name keeps its key, counted. */
static bool has_key(const struct ls_agg *a, uint32_t cls, uint32_t key)
{
	struct ls_hist h;
	size_t n;

	ls_hist_init(&h);
	n = ls_agg_merge(a, cls, -1, key, &h);
	ls_hist_free(&h);
	return n > 0;
}

static void test_rebase_symbols(void **st)
{
	struct ls_ksyms *ka = syms(BASE_A, false), *kb = syms(BASE_B, true);
	struct ls_agg *a;
	struct limits L;
	const struct ls_win_worst *e;
	const struct ls_intr_log *l;
	struct ls_state r;
	struct ls_state_msg m;
	uint32_t tb = (uint32_t)(BASE_B + fn_off[FN_TIMER]);
	unsigned char *buf;
	size_t len;
	bool seen_timer = false, seen_story = false;

	(void)st;
	ls_names_set_ksyms(ka);
	a = sample(5, 12, 40);
	encode(a, &buf, &len);
	/* the same boot: nothing moves */
	L = limits(5, 12, NCPUS, ISO_CPU, ka);
	assert_int_equal(decode(buf, len, &L, &r, &m), LS_STATE_OK);
	assert_int_equal(r.restored.rebased, 0);
	assert_string_equal(m.notes, "");
	release(&r);
	/* another boot: timer, IPI callback and callsite move; show_one is
	 * ambiguous there, mod_gone_fn gone */
	L = limits(5, 12, NCPUS, ISO_CPU, kb);
	assert_int_equal(decode(buf, len, &L, &r, &m), LS_STATE_OK);
	assert_int_equal(r.restored.rebased, 3);
	assert_non_null(strstr(m.notes, "2 saved kernel addresses name functions not found once "
				       "on this boot: kept as saved"));
	assert_true(has_key(r.agg, LS_K_HRTIMER, tb));
	assert_false(has_key(r.agg, LS_K_HRTIMER, key_a(FN_TIMER)));
	assert_true(has_key(r.agg, LS_K_HRTIMER, key_a(FN_DUP)));
	assert_true(has_key(r.agg, LS_K_IPI, (uint32_t)(BASE_B + fn_off[FN_IPI_CB])));
	assert_true(has_key(r.agg, LS_K_IPI_CALLSITE, (uint32_t)(BASE_B + fn_off[FN_CALLSITE])));
	for (uint32_t cpu = 0; cpu < NCPUS; cpu++) {
		unsigned n = nworst(r.agg, cpu, LS_K_IRQOFF, &e);

		for (unsigned i = 0; i < n; i++) {
			if (e[i].w.src == LS_WS_TIMER) {
				assert_true(e[i].w.key == tb || e[i].w.key == key_a(FN_DUP) ||
					    e[i].w.key == key_a(FN_GONE));
				seen_timer |= e[i].w.key == tb;
			}
			if (e[i].w.src == LS_WS_IPI)
				assert_int_equal(e[i].w.key, (uint32_t)(BASE_B + fn_off[FN_IPI_CB]));
			for (unsigned j = 0; j < e[i].nstory; j++)
				if (e[i].story[j].h.kind == LS_K_IPI) {
					assert_int_equal(e[i].story[j].ipi.callsite,
							 (uint32_t)(BASE_B + fn_off[FN_CALLSITE]));
					seen_story = true;
				}
		}
	}
	assert_true(seen_timer && seen_story);
	l = ls_windows_intr(ls_agg_windows(r.agg), ISO_CPU);
	for (unsigned i = 0; i < l->nkeys; i++)
		if (l->keys[i].kind == LS_K_IPI)
			assert_int_equal(l->keys[i].key, (uint32_t)(BASE_B + fn_off[FN_IPI_CB]));
	/* without a symbol table nothing moves, and that is said */
	release(&r);
	L = limits(5, 12, NCPUS, ISO_CPU, NULL);
	assert_int_equal(decode(buf, len, &L, &r, &m), LS_STATE_OK);
	assert_non_null(strstr(m.notes, "no kernel symbols to check 5 saved kernel addresses"));
	assert_true(has_key(r.agg, LS_K_HRTIMER, key_a(FN_TIMER)));
	release(&r);
	free(buf);
	ls_agg_free(a);
	ls_names_set_ksyms(NULL);
	ls_ksyms_free(ka);
	ls_ksyms_free(kb);
}

/* --- damaged and hostile files ------------------------------------------- */

static void fix_crcs(unsigned char *p, size_t len)
{
	uint32_t c = ls_crc32c(0, p + 32, len - 32);

	memcpy(p + 24, &c, 4);
	c = ls_crc32c(0, p, 28);
	memcpy(p + 28, &c, 4);
}

/* Offset of the payload of the section of this type; its length. */
static size_t payload_at(const unsigned char *p, size_t len, uint32_t type, uint64_t *plen)
{
	for (size_t off = 32; off + 16 <= len;) {
		uint32_t t;

		memcpy(&t, p + off, 4);
		memcpy(plen, p + off + 8, 8);
		if ((t & ~LS_SEC_CRITICAL) == type)
			return off + 16;
		off += 16 + *plen;
	}
	fail_msg("no section %u", type);
	return 0;
}

/* A small file with every new section: 1 worst window per CPU and kind
 * with a 3-record story, the isolated CPU's log, worst wakeups, symbols
 * (3 rounds of the workload). */
static void small_file(unsigned char **buf, size_t *len, struct ls_ksyms **ks)
{
	struct ls_agg *a;

	*ks = syms(BASE_A, false);
	ls_names_set_ksyms(*ks);
	a = sample(1, 3, 3);
	encode(a, buf, len);
	ls_agg_free(a);
	ls_names_set_ksyms(NULL);
}

/* Decoding must end in OK or INVALID; whatever was accepted must make
 * sane views and save again. */
static int decode_any(const unsigned char *buf, size_t len, struct ls_state_msg *m)
{
	struct limits L = limits(1, 3, NCPUS, ISO_CPU, NULL);
	struct ls_state r;
	int rc = decode(buf, len, &L, &r, m);

	if (rc == LS_STATE_OK) {
		unsigned char *again;
		size_t n;

		free(worst_view(r.agg, true));
		free(isolated_view(r.agg));
		free(wakeups_view(r.agg));
		encode(r.agg, &again, &n);
		free(again);
		release(&r);
	} else {
		assert_int_equal(rc, LS_STATE_INVALID);
		assert_null(r.agg);
		assert_true(m->err[0]);
	}
	return rc;
}

static void test_damaged_bytes(void **st)
{
	static const uint32_t types[] = { LS_SEC_WINDOWS, LS_SEC_ISOLATED, LS_SEC_WAKEUPS,
					  LS_SEC_SYMBOLS };
	static const unsigned char values[] = { 0xff, 0x01 };
	struct ls_ksyms *ks;
	unsigned char *buf;
	size_t len;
	struct ls_state_msg m;
	unsigned ok = 0, invalid = 0;

	(void)st;
	small_file(&buf, &len, &ks);
	/* unchecked damage is caught by the checksums */
	for (size_t i = 0; i < len; i += 7) {
		buf[i] ^= 0x10;
		assert_int_equal(decode_any(buf, len, &m), LS_STATE_INVALID);
		buf[i] ^= 0x10;
	}
	/* damage with the checksums fixed, as a hostile or buggy writer would:
	 * every byte of the new sections, several values */
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		uint64_t plen = 0;
		size_t at = payload_at(buf, len, types[t], &plen);

		for (size_t i = at; i < at + plen; i++) {
			unsigned char save = buf[i];

			for (size_t v = 0; v < sizeof(values); v++) {
				buf[i] = v ? save + values[v] : values[v];
				fix_crcs(buf, len);
				if (decode_any(buf, len, &m) == LS_STATE_OK)
					ok++;
				else
					invalid++;
			}
			buf[i] = save;
		}
	}
	fix_crcs(buf, len);
	assert_int_equal(decode_any(buf, len, &m), LS_STATE_OK);
	print_message("damaged section bytes: %u decoded (values that are still sane), "
		      "%u rejected\n", ok, invalid);
	assert_true(invalid > 0 && ok > 0);
	free(buf);
	ls_ksyms_free(ks);
}

/* A section cut short (its framing fixed to match) is rejected, at every
 * length. */
static void test_truncated_sections(void **st)
{
	static const uint32_t types[] = { LS_SEC_WINDOWS, LS_SEC_ISOLATED, LS_SEC_WAKEUPS,
					  LS_SEC_SYMBOLS };
	struct ls_ksyms *ks;
	unsigned char *buf;
	size_t len;

	(void)st;
	small_file(&buf, &len, &ks);
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		uint64_t plen = 0;
		size_t at = payload_at(buf, len, types[t], &plen);

		for (uint64_t cut = 1; cut <= plen; cut++) {
			size_t n = len - cut;
			unsigned char *p = malloc(n);
			uint64_t body = n - 32, np = plen - cut;
			struct ls_state_msg m;

			/* drop the section's last `cut` bytes */
			memcpy(p, buf, at + np);
			memcpy(p + at + np, buf + at + plen, len - at - plen);
			memcpy(p + at - 8, &np, 8);
			memcpy(p + 16, &body, 8);
			fix_crcs(p, n);
			if (decode_any(p, n, &m) != LS_STATE_INVALID)
				fail_msg("section %u cut by %llu bytes was accepted", types[t],
					 (unsigned long long)cut);
			free(p);
		}
	}
	free(buf);
	ls_ksyms_free(ks);
}

/*
 * A version 1 windows section (before stacks): made from a version 2 one by
 * taking every entry's stack out. It loads into this reader; its timer and
 * IPI windows say their stack is unavailable, the others have none.
 */
static size_t skip_str(const unsigned char *p, size_t off)
{
	uint32_t n;

	memcpy(&n, p + off, 4);
	return off + 4 + n;
}

static void test_version1_windows(void **st)
{
	struct ls_agg *a = sample(2, 4, 10);
	struct limits L = limits(2, 4, NCPUS, ISO_CPU, NULL);
	const struct ls_win_worst *e;
	struct ls_state r;
	struct ls_state_msg m;
	unsigned char *buf, *v1;
	uint64_t plen = 0, n, np, body;
	size_t len, at, off, out, nlen = 0, nstack = 0, nscalars;
	uint32_t nsrc, ver = 1;

	(void)st;
	encode(a, &buf, &len);
	at = payload_at(buf, len, LS_SEC_WINDOWS, &plen);
	v1 = malloc(len);
	assert_non_null(v1);
	memcpy(&nsrc, buf + at, 4);
	off = at + 8 + nsrc * 40;
	memcpy(&nscalars, buf + off, 4);
	nscalars &= 0xffffffff;
	off += 8 + nscalars * 8 + 8;
	memcpy(&n, buf + off, 8);
	off += 8;
	memcpy(v1, buf, off);
	out = off;
	for (uint64_t i = 0; i < n; i++) {
		size_t start = off;
		uint32_t nstory, nframes;

		off += 16 + 11 * 4;
		off = skip_str(buf, skip_str(buf, off));
		off += 16 + 4 * 4;
		memcpy(&nstory, buf + off, 4);
		off += 4;
		for (uint32_t j = 0; j < nstory; j++) {
			uint32_t rl;

			memcpy(&rl, buf + off + 4, 4);
			off += 8 + rl;
		}
		memcpy(v1 + out, buf + start, off - start); /* the entry without its stack */
		out += off - start;
		memcpy(&nframes, buf + off + 4, 4);
		nstack += nframes > 0;
		off += 5 * 4;
		for (uint32_t j = 0; j < nframes; j++)
			off = skip_str(buf, off + 8);
	}
	assert_int_equal(off, at + plen);
	assert_true(nstack > 0);
	memcpy(v1 + out, buf + off, len - off);
	nlen = out + (len - off);
	np = plen - (off - out);
	memcpy(v1 + at - 12, &ver, 4);
	memcpy(v1 + at - 8, &np, 8);
	body = nlen - 32;
	memcpy(v1 + 16, &body, 8);
	fix_crcs(v1, nlen);
	assert_int_equal(decode(v1, nlen, &L, &r, &m), LS_STATE_OK);
	assert_string_equal(m.notes, "");
	assert_int_equal(r.restored.windows, NCPUS * 4);
	for (uint32_t cpu = 0; cpu < NCPUS; cpu++) {
		unsigned k = nworst(r.agg, cpu, LS_K_IRQOFF, &e);

		for (unsigned i = 0; i < k; i++)
			assert_int_equal(e[i].stack->status,
					 e[i].w.src == LS_WS_TIMER || e[i].w.src == LS_WS_IPI ?
					 LS_WSS_UNAVAILABLE : LS_WSS_NONE);
		assert_int_equal(nworst(r.agg, cpu, LS_K_PREEMPTOFF, &e), 2);
		assert_null(e[0].stack);
	}
	release(&r);
	free(v1);
	free(buf);
	ls_agg_free(a);
}

/* Counts and lengths far beyond the bytes there: rejected with a reason,
 * nothing allocated from them. */
static void set_u32(unsigned char *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, 4);
}

static void set_u64(unsigned char *p, size_t off, uint64_t v)
{
	memcpy(p + off, &v, 8);
}

static void assert_rejected(unsigned char *buf, size_t len, const char *why)
{
	struct ls_state_msg m;

	fix_crcs(buf, len);
	assert_int_equal(decode_any(buf, len, &m), LS_STATE_INVALID);
	if (!strstr(m.err, why))
		fail_msg("expected '%s' in '%s'", why, m.err);
}

static void test_oversized_counts(void **st)
{
	struct ls_ksyms *ks;
	unsigned char *buf, *p;
	uint64_t plen = 0;
	size_t len, w, iso, wk, sy;
	/* windows payload: u32 nsrc, mask, nsrc x 40, u32 nscalars, 0,
	 * nscalars x 8, u32 worst, flight, u64 n, then entries */
	const size_t entries = 8 + LS_WS_MAX * 40 + 8 + 11 * 8 + 8 + 8;
	/* entry: 2 x u64, 11 x u32, comm and peer_comm strings, blocker
	 * 2 x u64 + 4 x u32, u32 nstory */

	(void)st;
	small_file(&buf, &len, &ks);
	p = malloc(len);
	w = payload_at(buf, len, LS_SEC_WINDOWS, &plen);
	iso = payload_at(buf, len, LS_SEC_ISOLATED, &plen);
	wk = payload_at(buf, len, LS_SEC_WAKEUPS, &plen);
	sy = payload_at(buf, len, LS_SEC_SYMBOLS, &plen);
#define FRESH() memcpy(p, buf, len)
	FRESH();
	set_u32(p, w, 0xffffffff);
	assert_rejected(p, len, "windows: 4294967295 sources do not fit");
	FRESH();
	set_u64(p, w + entries - 8, UINT64_MAX);
	assert_rejected(p, len, "truncated");
	{
		/* the first entry's strings and story count */
		size_t comm = w + entries + 16 + 11 * 4, clen, pclen;
		uint32_t v;

		memcpy(&v, buf + comm, 4);
		clen = v;
		memcpy(&v, buf + comm + 4 + clen, 4);
		pclen = v;
		FRESH();
		set_u32(p, comm, 0x7fffffff);
		assert_rejected(p, len, "windows: entry 0 truncated");
		FRESH();
		set_u32(p, comm + 8 + clen + pclen + 32, 0xffffffff);
		assert_rejected(p, len, "story of 4294967295 records (at most 1024)");
		FRESH();
		set_u32(p, comm + 8 + clen + pclen + 32, LS_WIN_MAX_FLIGHT);
		assert_rejected(p, len, "story record");
		FRESH();
		set_u32(p, w + entries + 16 + 5 * 4, 70000); /* cpu */
		assert_rejected(p, len, "entry 0 has a field out of range");
		/* the first story record: its kind and length */
		FRESH();
		set_u32(p, comm + 8 + clen + pclen + 36, 300);
		assert_rejected(p, len, "story record 0 is damaged");
		FRESH();
		set_u32(p, comm + 8 + clen + pclen + 40, 0xfffffff0);
		assert_rejected(p, len, "story record 0 is damaged");
	}
	FRESH();
	set_u64(p, iso + 8, UINT64_MAX - 1); /* number of logs */
	assert_rejected(p, len, "isolated");
	FRESH();
	set_u32(p, iso + 16 + 4, 0x10000000); /* nkeys */
	assert_rejected(p, len, "causes do not fit");
	FRESH();
	set_u64(p, iso + 16 + 8, 12345); /* total */
	assert_rejected(p, len, "causes do not add up");
	FRESH();
	set_u32(p, wk + 8, 31); /* nbuckets */
	assert_rejected(p, len, "wakeups: 3 classes of 31 buckets");
	FRESH();
	set_u32(p, wk + 4, 1000); /* nclasses */
	assert_rejected(p, len, "wakeups: 1000 classes");
	FRESH();
	set_u32(p, wk + 24 + 8, 0xffffffff); /* nworst of the first CPU */
	assert_rejected(p, len, "worst wakeup");
	FRESH();
	set_u64(p, sy, UINT64_MAX / 2);
	assert_rejected(p, len, "symbols: 9223372036854775807 entries do not fit");
	FRESH();
	set_u32(p, sy + 8, 0xffffffff); /* first key after the last one */
	assert_rejected(p, len, "symbols: keys out of order");
#undef FRESH
	free(p);
	free(buf);
	ls_ksyms_free(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_fit_smaller_daemon),
		cmocka_unit_test(test_new_windows_compete),
		cmocka_unit_test(test_earlier_boot),
		cmocka_unit_test(test_rebase_symbols),
		cmocka_unit_test(test_damaged_bytes),
		cmocka_unit_test(test_truncated_sections),
		cmocka_unit_test(test_oversized_counts),
		cmocka_unit_test(test_version1_windows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
