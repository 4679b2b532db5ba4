/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * hrtimer expiries from ftrace text, paired like bpf/timers.bpf.c: one open
 * callback per CPU and kind (hard, soft), closed by hrtimer_expire_exit of
 * the same hrtimer pointer. The kernel program reads the expiry from the
 * timer; text only has it in hrtimer_start, so armed timers are remembered
 * (pointer -> expiry, function, mode, arming task) until they expire or are
 * cancelled. Cancels become LS_K_HRTIMER_CANCEL records (see
 * offline_pair.h for traces of kernels that also traced dequeues).
 * The base's now on CLOCK_MONOTONIC, which the kernel program reads from the
 * timer's base, is now= itself when the line's clock is that clock (see
 * now_lag).
 */
#include <stdio.h>
#include <string.h>

#include "offline_pair_int.h"

#define HRTIMER_MODE_SOFT 0x04 /* kernel's enum hrtimer_mode bit */
/* now= within this of the line's time is on the same clock: the time from
 * the hrtimer interrupt's clock read to a callback's entry (a few us, more
 * behind slow callbacks) stays far below; clocks that are not the trace's
 * sit far off (a realtime or TAI base: ~1.7e18 ns; on this VM trace_clock
 * local leads CLOCK_MONOTONIC by 26 ms, global trails it by 0.6 ms).
 * Below: ftrace prints us, a line's time is up to 1 us early. */
#define LAG_MAX_NS 10000000
#define LAG_MIN_NS (-1000)
/* An hrtimer interrupt this long after the soft expiry (trace clock) must
 * have run the timer: ftrace's us rounding and the clock reads between
 * the tracepoint and the expiry check stay well below. */
#define STALE_MARGIN_NS 20000

/* The function field v[0..n) names fn ("fn", "fn+0x1f/0x40"). */
static bool is_fn(const char *v, size_t n, const char *fn)
{
	size_t len = strlen(fn);

	return v && n >= len && !memcmp(v, fn, len) &&
	       (n == len || v[len] == '+' || v[len] == '/');
}

/* mode=ABS|PINNED|SOFT (kernel), mode=0x6 / mode=6 (older kernels):
 * 1 soft, 0 hard, -1 not printed. */
static int mode_soft(const struct ls_ft_event *ev)
{
	const char *v;
	size_t n;
	uint64_t m;

	if (ls_ft_field_str(ev, "mode", &v, &n))
		return -1;
	if (!ls_ft_parse_u64(v, n, 0, &m))
		return (m & HRTIMER_MODE_SOFT) != 0;
	return memmem(v, n, "SOFT", 4) != NULL;
}

static void start(struct ls_pair *p, const struct ls_ft_event *ev, uint64_t timer)
{
	struct armed_timer *t;
	const char *v;
	size_t n;
	uint64_t exp, soft;
	uint32_t key = 0;
	int how;

	if (ls_ft_field_u64(ev, "expires", &exp) || exp > INT64_MAX) {
		ls_pair_malformed(p);
		return;
	}
	if (ls_ft_field_u64(ev, "softexpires", &soft) || soft > INT64_MAX)
		soft = exp;
	if (!ls_ft_field_str(ev, "function", &v, &n) && ls_osyms_key(p->syms, v, n, &key))
		key = 0;
	t = ls_pmap_put(p->timers, timer, &how);
	ls_pair_evicted(p, how);
	t->start_ts = ev->ts;
	t->expires = (int64_t)exp;
	t->softexpires = (int64_t)soft;
	t->key = key;
	t->soft = (int8_t)mode_soft(ev);
	t->pid = (uint32_t)ev->pid;
	if (ls_pair_comm_known(ev->comm, ev->comm_len))
		ls_pair_copy_comm(t->comm, ev->comm, ev->comm_len);
	else
		t->comm[0] = '\0';
}

/* A cancel of the timer, as bpf/timers.bpf.c counts it: keyed by the
 * function of its last start (unknown without one: counted, not recorded);
 * its expiry is forgotten. */
static void cancelled(struct ls_pair *p, uint32_t cpu, uint64_t timer, uint64_t ts, uint32_t pid)
{
	struct armed_timer *t = ls_pmap_get(p->timers, timer);
	struct ls_rec r = { .ts = ts, .pid = pid, .arg = 1, .cpu = (uint16_t)cpu,
			    .kind = LS_K_HRTIMER_CANCEL };

	if (!t) {
		p->st.hrtimer_cancel_no_fn++;
		return;
	}
	r.key = t->key;
	ls_pmap_del(p->timers, timer);
	ls_pair_emit(p, &r);
}

/*
 * A trace that also shows dequeues: the next hrtimer event on the CPU for
 * a timer of the same kind (hard/soft; a hard interrupt may run between a
 * soft timer's dequeue and its callback) tells what a pending cancel was.
 * The same timer's expiry, or its re-arm (hrtimer_start without was_armed),
 * means a dequeue; anything else, a cancel.
 */
static void resolve(struct ls_pair *p, struct cpu_state *c, uint32_t cpu, int slot,
		    enum ev_handler h, uint64_t timer)
{
	struct pending_cancel *pc = &c->cancel[slot];

	if (!pc->open)
		return;
	pc->open = false;
	if (pc->timer == timer &&
	    (h == H_HRTIMER_ENTRY || (h == H_HRTIMER_START && p->cancels != CANCELS_REAL))) {
		p->st.hrtimer_dequeues++;
		return;
	}
	cancelled(p, cpu, pc->timer, pc->ts, pc->pid);
}

static void cancel(struct ls_pair *p, struct cpu_state *c, uint32_t cpu, int slot,
		   const struct ls_ft_event *ev, uint64_t timer)
{
	struct pending_cancel *pc = &c->cancel[slot];

	if (p->cancels == CANCELS_REAL) {
		cancelled(p, cpu, timer, ev->ts, (uint32_t)ev->pid);
		return;
	}
	pc->open = true;
	pc->timer = timer;
	pc->ts = ev->ts;
	pc->pid = (uint32_t)ev->pid;
}

/* The timer's kind (0 hard, 1 soft) as far as its start told, else hard. */
static int cancel_slot(const struct ls_pair *p, uint64_t timer)
{
	const struct armed_timer *t = ls_pmap_get(p->timers, timer);

	return t && t->soft > 0;
}

/* A timerfd's expiry reports the task that armed it. */
static void timerfd_armer(struct ls_pair *p, struct open_timer *o, const struct armed_timer *t)
{
	if (!t) {
		p->st.timerfd_unattributed++;
		return;
	}
	o->armer = t->pid;
	memcpy(o->comm, t->comm, sizeof(o->comm));
	o->flags |= LS_F_TIMERFD;
}

/* Which slot an expiry runs in: the start's mode, else the irq-info
 * column's context ('s' softirq; 'h'/'H' hardirq), else whether a HRTIMER
 * softirq (vector 8) is running there outside any interrupt. */
static int soft_slot(const struct cpu_state *c, const struct ls_ft_event *ev, int mode)
{
	if (mode >= 0)
		return mode;
	if (ev->flags_len >= 3 && ev->flags[2] != '.')
		return ev->flags[2] == 's';
	return c->softirq.open && c->softirq.key == 8 && !c->hardirq.open && !c->vector.open;
}

/*
 * Is the expiry from hrtimer_start out of date? A timer may be re-armed
 * with no hrtimer_start in the text: on 6.18 ftrace misses some re-arms
 * of the tick in the idle path that BPF programs do see (up to ~2% of its
 * expiries, then one tick period later). A hard timer expires
 * at the first hrtimer interrupt (local_timer) of its CPU whose clock has
 * reached its soft expiry; if such an interrupt came before the one this
 * expiry runs in, the timer was not due then: its expiry had moved.
 * now - ts is the timer clock's offset to the trace clock.
 */
static bool stale(const struct cpu_state *c, const struct ls_ft_event *ev,
		  const struct armed_timer *t, uint64_t now)
{
	uint64_t prev = c->vector.open && c->vector.key == LS_V_LOCAL_TIMER ? c->timer_irq[0]
									: c->timer_irq[1];
	int64_t due = t->softexpires - ((int64_t)now - (int64_t)ev->ts);

	return prev && (int64_t)prev >= due + STALE_MARGIN_NS && prev < ev->ts;
}

/*
 * ls_rec_hrtimer.now_lag: the entry's time minus the base's now. The kernel
 * side reads the base's offset to CLOCK_MONOTONIC; text has no base, so
 * now= counts as monotonic only when it is the line's own clock (trace_clock
 * mono and a monotonic or boot-time base, identical without suspend).
 * Otherwise unknown: the window then starts from the entry, flagged.
 */
static int32_t now_lag(const struct ls_ft_event *ev, uint64_t now)
{
	int64_t lag = (int64_t)ev->ts - (int64_t)now;

	return lag < LAG_MIN_NS || lag > LAG_MAX_NS ? LS_LAG_UNKNOWN : (int32_t)lag;
}

static void expire_entry(struct ls_pair *p, struct cpu_state *c, const struct ls_ft_event *ev,
			 uint64_t timer)
{
	struct armed_timer *t = ls_pmap_get(p->timers, timer);
	struct open_timer *o;
	const char *fn = NULL;
	size_t fn_len = 0;
	uint64_t now;
	uint32_t key = t ? t->key : 0;
	int soft;

	if (ls_ft_field_u64(ev, "now", &now) || now > INT64_MAX) {
		ls_pair_malformed(p);
		return;
	}
	if (!ls_ft_field_str(ev, "function", &fn, &fn_len) &&
	    ls_osyms_key(p->syms, fn, fn_len, &key))
		key = t ? t->key : 0;
	soft = soft_slot(c, ev, t ? t->soft : -1);
	if (t && !soft && stale(c, ev, t, now)) {
		p->st.hrtimer_stale_expiry++;
		ls_pmap_del(p->timers, timer);
		t = NULL;
	}
	o = &c->hrtimer[soft];
	if (o->open)
		p->st.unpaired[LS_K_HRTIMER]++;
	o->flags = ls_pair_open_flags(c) | (soft ? LS_F_SOFT : 0);
	if (t) {
		o->late = (int64_t)now - t->expires;
		o->soft_late = (int64_t)now - t->softexpires;
		/* arming time - hard expiry: late minus how long ago it was
		 * armed (trace clock), as bpf/timers.bpf.c computes it */
		o->armed = ev->ts >= t->start_ts ? o->late - (int64_t)(ev->ts - t->start_ts)
						 : LS_ARMED_UNKNOWN;
	} else {
		o->late = o->soft_late = 0;
		o->armed = LS_ARMED_UNKNOWN;
		o->flags |= LS_F_NO_EXPIRY;
		p->st.hrtimer_no_expiry++;
	}
	o->now_lag = now_lag(ev, now);
	o->timer = timer;
	o->key = key;
	o->pid = (uint32_t)ev->pid;
	o->woken = 0;
	o->armer = 0;
	o->comm[0] = '\0';
	o->wakeup_fn = is_fn(fn, fn_len, "hrtimer_wakeup");
	if (is_fn(fn, fn_len, "timerfd_tmrproc"))
		timerfd_armer(p, o, t);
	if (t) /* expired: re-armed by a new start */
		ls_pmap_del(p->timers, timer);
	o->ts = ev->ts;
	o->open = true;
}

static void expire_exit(struct ls_pair *p, struct cpu_state *c, uint32_t cpu,
			const struct ls_ft_event *ev, uint64_t timer)
{
	struct ls_rec_hrtimer r;
	struct open_timer *o = NULL;

	for (int i = 0; i < 2; i++)
		if (c->hrtimer[i].open && c->hrtimer[i].timer == timer)
			o = &c->hrtimer[i];
	if (!o) {
		p->st.unpaired[LS_K_HRTIMER]++;
		c->hrtimer[soft_slot(c, ev, -1)].open = false;
		return;
	}
	o->open = false;
	if (ev->ts < o->ts) {
		p->st.backwards++;
		return;
	}
	memset(&r, 0, sizeof(r));
	r.h.ts = o->ts;
	r.h.dur = ev->ts - o->ts;
	r.h.key = o->key;
	r.h.pid = o->pid;
	r.h.arg = o->armer ? o->armer : o->woken;
	r.h.cpu = (uint16_t)cpu;
	r.h.kind = LS_K_HRTIMER;
	r.h.flags = (uint8_t)o->flags;
	r.late = o->late;
	r.soft_late = o->soft_late;
	r.armed = o->armed;
	r.now_lag = o->now_lag;
	r.stack = LS_STACK_NONE; /* no kernel stacks in a trace */
	memcpy(r.comm, o->comm, sizeof(r.comm));
	ls_pair_emit(p, &r.h);
}

void ls_pair_hrtimer(struct ls_pair *p, enum ev_handler h, struct cpu_state *c,
		     const struct ls_ft_event *ev)
{
	uint32_t cpu = (uint32_t)ev->cpu;
	const char *v;
	uint64_t timer;
	size_t n;
	int slot;

	if (ls_ft_field_hex(ev, "hrtimer", &timer)) {
		ls_pair_malformed(p);
		return;
	}
	if (h == H_HRTIMER_START) {
		p->cancels = ls_ft_field_str(ev, "was_armed", &v, &n) ? CANCELS_WITH_DEQUEUES
								       : CANCELS_REAL;
		slot = mode_soft(ev) > 0;
	} else if (h == H_HRTIMER_CANCEL) {
		slot = cancel_slot(p, timer);
	} else {
		const struct armed_timer *t = ls_pmap_get(p->timers, timer);

		slot = soft_slot(c, ev, t ? t->soft : -1);
	}
	resolve(p, c, cpu, slot, h, timer);
	switch (h) {
	case H_HRTIMER_START:
		start(p, ev, timer);
		break;
	case H_HRTIMER_CANCEL:
		cancel(p, c, cpu, slot, ev, timer);
		break;
	case H_HRTIMER_ENTRY:
		expire_entry(p, c, ev, timer);
		break;
	default:
		expire_exit(p, c, (uint32_t)ev->cpu, ev, timer);
		break;
	}
}

bool ls_pair_hrtimer_woke(struct cpu_state *c, uint32_t pid, const char *comm,
			  uint64_t *expiry)
{
	for (int i = 0; i < 2; i++) {
		struct open_timer *o = &c->hrtimer[i];

		if (!o->open || !o->wakeup_fn || o->woken)
			continue;
		o->woken = pid;
		snprintf(o->comm, sizeof(o->comm), "%s", comm);
		/* expire_entry ran at now = expiry + late on the timer's clock */
		*expiry = o->flags & LS_F_NO_EXPIRY || (int64_t)o->ts < o->late
				  ? 0 : (uint64_t)((int64_t)o->ts - o->late);
		return true;
	}
	return false;
}

void ls_pair_hrtimer_lost(struct ls_pair *p, struct cpu_state *c)
{
	for (int i = 0; i < 2; i++) {
		p->st.lost_resets += c->cancel[i].open;
		c->cancel[i].open = false;
	}
}

void ls_pair_hrtimer_finish(struct ls_pair *p, struct cpu_state *c, uint32_t cpu)
{
	for (int i = 0; i < 2; i++) {
		const struct open_timer *o = &c->hrtimer[i];

		p->st.hrtimer_cancel_unresolved += c->cancel[i].open;

		if (o->open)
			ls_pair_note_open(p, &(struct ls_pair_open){
				.kind = LS_K_HRTIMER, .cpu = (uint16_t)cpu, .key = o->key,
				.pid = o->pid, .ts = o->ts, .open_ns = p->st.last_ts - o->ts,
			});
	}
}
