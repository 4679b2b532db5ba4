// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Records -> irq-off and preempt-off windows (docs/windows.md).
 *
 * Per CPU, in record order:
 *  - an outermost hardirq/vector span is an exact irq-off window; spans
 *    nested in one (LS_F_IN_HARDIRQ/VECTOR) are part of it;
 *  - a late hrtimer or a delayed IPI waits in a small queue for the
 *    interrupt span that delivered it (its record follows, since spans are
 *    written at exit); all the delays that span delivered make one inferred
 *    irq-off window ending where it began;
 *  - softirq spans back to back (gap <= LS_WIN_PASS_GAP_NS) are one pass,
 *    one exact preempt-off window, finished by the next softirq that does
 *    not continue it (or by ls_windows_flush);
 *  - an LS_WF_PREEMPT wakeup's delay is an inferred preempt-off window;
 *  - preemptirq tracepoint records are exact windows and, once they arrive,
 *    supersede the derived windows of their kind.
 * Inferred windows remember the longest exact window that overlapped them
 * (the blocker), from a short per-CPU history of exact windows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "windows.h"
#include "win_store.h"
#include "agg.h"
#include "comms.h"
#include "interruptions.h"
#include "isolation.h"

#define NKINDS 2                 /* irqoff, preemptoff */
#define MAX_CAND 16              /* inferred delays awaiting delivery */
#define RECENT_IRQ 64            /* exact irq spans kept for blockers */
#define RECENT_PASS 16           /* softirq passes kept for blockers */
/* An IPI record is written at its handler's entry, a hair before or after
 * the vector entry of the same interrupt depending on program order. */
#define DELIVERY_SLACK_NS 2000

const unsigned ls_win_period_sec[LS_WP_MAX] = { 1, 10, 60, 0 };

/* An inferred irq-off delay awaiting the span that delivered it. */
struct cand {
	uint64_t due;    /* IPI: send time; timer: unused (entry - late) */
	uint64_t entry;  /* handler entry as recorded */
	uint64_t late;   /* timer lateness / IPI delivery latency */
	uint32_t key, arg, pid, peer;
	uint8_t src;
	uint8_t flags;   /* LS_WIN_* to carry into the window */
	char peer_comm[16];
};

struct span {
	uint64_t start, end;
	uint32_t key, pid;
	uint8_t kind, src;
};

struct span_ring {
	struct span v[RECENT_IRQ];
	unsigned cap, head, count;
};

struct cpu_state {
	struct ls_flight flight;
	struct cand cand[MAX_CAND];
	unsigned ncand;
	bool pass_open;
	struct ls_window pass;
	uint64_t pass_longest;
	struct span_ring irqs, passes;
	struct ls_win_kstore *ks[NKINDS];
	uint64_t last_end;
	struct ls_intr_log *intr; /* isolated CPUs only */
};

struct ls_windows {
	struct ls_agg *agg;
	struct ls_win_opts o;
	bool started;
	bool exact[NKINDS];      /* tracepoint windows of that kind seen */
	struct ls_cpuset isolated;
	struct cpu_state **cpu;
	uint32_t ncpu;           /* allocated entries of cpu[] */
	uint32_t max_cpu;        /* highest seen + 1 */
	uint64_t last_ns;
	uint64_t now;            /* of the last flush */
	struct ls_win_stats st;
	ls_win_sink_fn sink;
	void *sink_ctx;
};

static int kidx(uint32_t kind)
{
	return kind == LS_K_PREEMPTOFF;
}

struct ls_windows *ls_windows_new(struct ls_agg *agg)
{
	struct ls_windows *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->agg = agg;
	w->o.worst = LS_WIN_DEFAULT_WORST;
	w->o.flight = LS_WIN_DEFAULT_FLIGHT;
	return w;
}

static void cpu_free(struct cpu_state *c)
{
	if (!c)
		return;
	ls_flight_free(&c->flight);
	free(c->intr);
	for (int k = 0; k < NKINDS; k++)
		ls_kstore_free(c->ks[k]);
	free(c);
}

void ls_windows_free(struct ls_windows *w)
{
	if (!w)
		return;
	for (uint32_t i = 0; i < w->ncpu; i++)
		cpu_free(w->cpu[i]);
	free(w->cpu);
	free(w);
}

int ls_windows_set_opts(struct ls_windows *w, const struct ls_win_opts *o)
{
	if (w->started || !o->worst || o->worst > LS_WIN_MAX_WORST || !o->flight ||
	    o->flight > LS_WIN_MAX_FLIGHT)
		return -1;
	w->o = *o;
	return 0;
}

void ls_windows_get_opts(const struct ls_windows *w, struct ls_win_opts *o)
{
	*o = w->o;
}

int ls_windows_set_isolated(struct ls_windows *w, const struct ls_cpuset *cpus)
{
	if (w->started)
		return -1;
	w->isolated = *cpus;
	return 0;
}

bool ls_windows_isolated(const struct ls_windows *w, uint32_t cpu)
{
	return ls_cpuset_has(&w->isolated, cpu);
}

const struct ls_intr_log *ls_windows_intr(const struct ls_windows *w, uint32_t cpu)
{
	return cpu < w->ncpu && w->cpu[cpu] ? w->cpu[cpu]->intr : NULL;
}

void ls_windows_set_sink(struct ls_windows *w, ls_win_sink_fn fn, void *ctx)
{
	w->sink = fn;
	w->sink_ctx = ctx;
}

static struct cpu_state *cpu_get(struct ls_windows *w, uint32_t cpu)
{
	struct cpu_state *c;

	if (cpu >= w->ncpu) {
		uint32_t n = w->ncpu ? w->ncpu : 8;
		struct cpu_state **v;

		while (n <= cpu)
			n *= 2;
		v = realloc(w->cpu, n * sizeof(*v));
		if (!v)
			return NULL;
		memset(v + w->ncpu, 0, (n - w->ncpu) * sizeof(*v));
		w->cpu = v;
		w->ncpu = n;
	}
	if (w->cpu[cpu])
		return w->cpu[cpu];
	c = calloc(1, sizeof(*c));
	if (!c || ls_flight_init(&c->flight, w->o.flight)) {
		free(c);
		return NULL;
	}
	if (ls_cpuset_has(&w->isolated, cpu)) {
		c->intr = calloc(1, sizeof(*c->intr));
		if (!c->intr) {
			cpu_free(c);
			return NULL;
		}
	}
	c->irqs.cap = RECENT_IRQ;
	c->passes.cap = RECENT_PASS;
	w->cpu[cpu] = c;
	if (cpu >= w->max_cpu)
		w->max_cpu = cpu + 1;
	return c;
}

static void ring_push(struct span_ring *r, const struct span *s)
{
	r->v[r->head] = *s;
	r->head = (r->head + 1) % r->cap;
	if (r->count < r->cap)
		r->count++;
}

static const struct span *ring_at(const struct span_ring *r, unsigned i)
{
	return &r->v[(r->head + r->cap - r->count + i) % r->cap];
}

static void copy_comm(char dst[16], const char *src, size_t n)
{
	size_t i;

	for (i = 0; i < 15 && i < n && src[i]; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

static void fill_comm(const struct ls_windows *w, struct ls_window *win)
{
	char buf[16], path[32];
	FILE *f;

	if (win->comm[0] || win->pid == LS_PID_UNKNOWN)
		return;
	if (win->pid == 0) {
		snprintf(win->comm, sizeof(win->comm), "swapper/%u", win->cpu);
		return;
	}
	if (ls_comm_get(win->pid, buf, sizeof(buf))) {
		copy_comm(win->comm, buf, sizeof(buf));
		return;
	}
	if (!w->o.proc_comm)
		return;
	snprintf(path, sizeof(path), "/proc/%u/comm", win->pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(win->comm, sizeof(win->comm), f))
		win->comm[strcspn(win->comm, "\n")] = '\0';
	fclose(f);
}

/* Account a finished window. */
static void store(struct ls_windows *w, struct cpu_state *c, struct ls_window *win)
{
	int k = kidx(win->kind);
	struct ls_win_worst *ws;
	bool stale;

	if (w->exact[k] && win->src != LS_WS_TRACEPOINT) {
		w->st.superseded[win->src]++;
		return;
	}
	if (!c->ks[k]) {
		c->ks[k] = ls_kstore_new(w->o.worst, w->o.flight);
		if (!c->ks[k]) {
			w->st.alloc_failures++;
			return;
		}
	}
	w->st.windows[win->src]++;
	ls_agg_add_value(w->agg, win->kind, win->cpu, win->src, win->len);
	ws = ls_kstore_add(c->ks[k], win, &c->flight, &stale);
	w->st.stale += stale;
	if (ws)
		fill_comm(w, &ws->w);
	if (w->sink)
		w->sink(win, w->sink_ctx);
}

/* Make s the blocker if it overlaps [start, end) and is longer. */
static void consider_blocker(const struct span *s, uint64_t start, uint64_t end,
			     struct ls_win_blocker *b)
{
	if (s->start < end && s->end > start && s->end - s->start > b->len) {
		b->start = s->start;
		b->len = s->end - s->start;
		b->key = s->key;
		b->pid = s->pid;
		b->kind = s->kind;
		b->src = s->src;
	}
}

static void find_blocker(const struct span_ring *r, uint64_t start, uint64_t end,
			 struct ls_win_blocker *b)
{
	for (unsigned i = 0; i < r->count; i++)
		consider_blocker(ring_at(r, i), start, end, b);
}

/*
 * An inferred irq-off window: drop it when the CPU was idle; move its start
 * past the last interrupt the CPU accepted inside it (interrupts were
 * evidently on then); name the exact window that was running at its start.
 */
static void finish_irq_inferred(struct ls_windows *w, struct cpu_state *c,
				struct ls_window *win)
{
	uint64_t end = win->start + win->len, start = win->start;

	if (win->pid == 0) {
		w->st.idle[win->src]++;
		return;
	}
	for (unsigned i = 0; i < c->irqs.count; i++) {
		const struct span *s = ring_at(&c->irqs, i);

		if (s->start > win->start && s->start < end && s->end > start)
			start = s->end;
	}
	if (start >= end) {
		w->st.contradicted[win->src]++;
		return;
	}
	if (start != win->start) {
		win->flags |= LS_WIN_CLIPPED;
		win->start = start;
		win->len = end - start;
	}
	find_blocker(&c->irqs, win->start, end, &win->blocker);
	store(w, c, win);
}

static void inferred_init(struct ls_window *win, const struct cand *cd, uint16_t cpu)
{
	memset(win, 0, sizeof(*win));
	win->cpu = cpu;
	win->kind = LS_K_IRQOFF;
	win->src = cd->src;
	win->key = cd->key;
	win->arg = cd->arg;
	win->peer = cd->peer;
	win->flags = LS_WIN_INFERRED | cd->flags;
	win->ctx_vec = LS_CTX_VEC_UNKNOWN;
	copy_comm(win->peer_comm, cd->peer_comm, sizeof(cd->peer_comm));
}

/* A queued delay whose delivering interrupt we never saw. */
static void finish_undelivered(struct ls_windows *w, struct cpu_state *c, uint16_t cpu,
			       const struct cand *cd)
{
	struct ls_window win;
	uint64_t start = cd->src == LS_WS_TIMER ? cd->entry - cd->late : cd->due;

	inferred_init(&win, cd, cpu);
	win.flags |= LS_WIN_NO_DELIVERY;
	win.start = start;
	win.len = cd->entry - start;
	win.pid = cd->pid;
	win.ctx = cd->pid == LS_PID_UNKNOWN ? LS_WC_UNKNOWN : LS_WC_TASK;
	win.parts = 1;
	w->st.no_delivery++;
	if (win.len)
		finish_irq_inferred(w, c, &win);
}

static uint8_t ctx_of(uint32_t flags)
{
	if (flags & (LS_F_IN_HARDIRQ | LS_F_IN_VECTOR))
		return LS_WC_IRQ;
	return flags & LS_F_IN_SOFTIRQ ? LS_WC_SOFTIRQ : LS_WC_TASK;
}

/* The outermost interrupt span r arrived: it delivered the queued delays
 * whose handler entry lies in it; older ones were never delivered. */
static void deliver(struct ls_windows *w, struct cpu_state *c, const struct ls_rec *r)
{
	struct ls_window win;
	const struct cand *best = NULL;
	uint64_t best_start = 0, end = r->ts;
	unsigned i, keep = 0, n = 0;

	for (i = 0; i < c->ncand; i++) {
		const struct cand *cd = &c->cand[i];
		uint64_t start;

		if (cd->entry + DELIVERY_SLACK_NS < r->ts) {
			finish_undelivered(w, c, r->cpu, cd);
			continue;
		}
		if (cd->entry > r->ts + r->dur) { /* a later interrupt's */
			c->cand[keep++] = *cd;
			continue;
		}
		start = cd->src == LS_WS_TIMER ? (cd->late < end ? end - cd->late : 0)
					       : (cd->due < end ? cd->due : end);
		if (!best || start < best_start) {
			best = cd;
			best_start = start;
		}
		n++;
	}
	if (best && best_start < end) {
		inferred_init(&win, best, r->cpu);
		win.start = best_start;
		win.len = end - best_start;
		win.pid = r->pid;
		win.ctx = ctx_of(r->flags);
		win.parts = n;
		w->st.batched += n - 1;
		finish_irq_inferred(w, c, &win);
	}
	c->ncand = keep;
}

static void queue_cand(struct ls_windows *w, struct cpu_state *c, uint16_t cpu,
		       const struct cand *cd)
{
	if (c->ncand == MAX_CAND) {
		w->st.queue_full++;
		finish_undelivered(w, c, cpu, &c->cand[0]);
		memmove(&c->cand[0], &c->cand[1], (MAX_CAND - 1) * sizeof(c->cand[0]));
		c->ncand--;
	}
	c->cand[c->ncand++] = *cd;
}

static void finish_pass(struct ls_windows *w, struct cpu_state *c)
{
	struct span s = {
		.start = c->pass.start, .end = c->pass.start + c->pass.len,
		.key = c->pass.key, .pid = c->pass.pid,
		.kind = LS_K_PREEMPTOFF, .src = LS_WS_SOFTIRQ,
	};

	c->pass_open = false;
	ring_push(&c->passes, &s);
	store(w, c, &c->pass);
}

static void on_softirq(struct ls_windows *w, struct cpu_state *c, const struct ls_rec *r)
{
	uint64_t end = c->pass.start + c->pass.len;

	if (c->pass_open && r->ts >= end && r->ts - end <= LS_WIN_PASS_GAP_NS) {
		c->pass.len = r->ts + r->dur - c->pass.start;
		c->pass.parts++;
		if (r->key < 32)
			c->pass.arg |= 1u << r->key;
		if (r->dur > c->pass_longest) {
			c->pass_longest = r->dur;
			c->pass.key = r->key;
		}
		return;
	}
	if (c->pass_open)
		finish_pass(w, c);
	memset(&c->pass, 0, sizeof(c->pass));
	c->pass.cpu = r->cpu;
	c->pass.kind = LS_K_PREEMPTOFF;
	c->pass.src = LS_WS_SOFTIRQ;
	c->pass.start = r->ts;
	c->pass.len = r->dur;
	c->pass.key = r->key;
	c->pass.arg = r->key < 32 ? 1u << r->key : 0;
	c->pass.pid = r->pid;
	c->pass.ctx = ctx_of(r->flags);
	c->pass.ctx_vec = LS_CTX_VEC_UNKNOWN;
	c->pass.parts = 1;
	c->pass_longest = r->dur;
	c->pass_open = true;
}

/* Worst inferred windows that interrupted a softirq learn which one when
 * that softirq's record arrives (it ends after them). */
static void name_softirq_ctx(struct cpu_state *c, const struct ls_rec *r)
{
	for (int k = 0; k < NKINDS; k++) {
		struct ls_win_kstore *ks = c->ks[k];

		for (unsigned i = 0; ks && i < ks->n; i++) {
			struct ls_window *win = &ks->worst[i].w;
			uint64_t end = win->start + win->len;

			/* a restored window's softirq ended in an earlier run */
			if (win->flags & LS_WIN_RESTORED)
				continue;
			if (win->ctx == LS_WC_SOFTIRQ && win->ctx_vec == LS_CTX_VEC_UNKNOWN &&
			    end >= r->ts && end <= r->ts + r->dur)
				win->ctx_vec = (uint8_t)r->key;
		}
	}
}

static void on_irq_span(struct ls_windows *w, struct cpu_state *c, const struct ls_rec *r)
{
	uint8_t src = r->kind == LS_K_HARDIRQ ? LS_WS_HARDIRQ : LS_WS_VECTOR;
	struct span s = {
		.start = r->ts, .end = r->ts + r->dur, .key = r->key, .pid = r->pid,
		.kind = LS_K_IRQOFF, .src = src,
	};
	struct ls_window win = {
		.start = r->ts, .len = r->dur, .key = r->key, .arg = r->arg,
		.pid = r->pid, .parts = 1, .cpu = r->cpu, .kind = LS_K_IRQOFF,
		.src = src, .ctx = ctx_of(r->flags), .ctx_vec = LS_CTX_VEC_UNKNOWN,
	};

	if (r->flags & (LS_F_IN_HARDIRQ | LS_F_IN_VECTOR)) {
		w->st.nested[src]++;
		return;
	}
	deliver(w, c, r);
	ring_push(&c->irqs, &s);
	store(w, c, &win);
}

static void on_hrtimer(struct ls_windows *w, struct cpu_state *c,
			const struct ls_rec_hrtimer *t)
{
	struct cand cd = {
		.entry = t->h.ts, .key = t->h.key, .pid = t->h.pid,
		.peer = t->h.arg, .src = LS_WS_TIMER,
	};

	if (t->h.flags & LS_F_SOFT) {
		w->st.soft_timers++;
		return;
	}
	if (t->late <= 0)
		return;
	cd.late = (uint64_t)t->late;
	/* A timer armed after it was due could not fire before its arming:
	 * only the lateness past max(expiry, arming) is an interrupt delay. */
	if (t->armed == LS_ARMED_UNKNOWN) {
		w->st.arming_unseen++;
		cd.flags = LS_WIN_ARMING_UNSEEN;
	} else if (t->armed > 0) {
		if ((uint64_t)t->armed >= cd.late) {
			w->st.armed_late++;
			return;
		}
		cd.late -= (uint64_t)t->armed;
	}
	if (cd.late > cd.entry)
		cd.late = cd.entry;
	copy_comm(cd.peer_comm, t->comm, sizeof(t->comm));
	queue_cand(w, c, t->h.cpu, &cd);
}

static void on_ipi(struct ls_windows *w, struct cpu_state *c, const struct ls_rec_ipi *p)
{
	struct cand cd = {
		.due = p->h.ts, .entry = p->h.ts + p->h.dur, .late = p->h.dur,
		.key = p->h.key, .arg = p->h.arg, .pid = LS_PID_UNKNOWN,
		.peer = p->h.pid, .src = LS_WS_IPI,
	};

	copy_comm(cd.peer_comm, p->comm, sizeof(p->comm));
	ls_comm_note(p->h.pid, p->comm, sizeof(p->comm));
	if (p->h.dur)
		queue_cand(w, c, p->h.cpu, &cd);
}

static void on_wakeup(struct ls_windows *w, struct cpu_state *c,
		       const struct ls_rec_wakeup *k)
{
	struct ls_window win = {
		.start = k->h.ts, .len = k->h.dur, .key = k->h.arg, .arg = k->prio,
		.pid = k->h.pid, .peer = k->h.arg, .parts = 1, .cpu = k->h.cpu,
		.kind = LS_K_PREEMPTOFF, .src = LS_WS_WAKEUP, .ctx = LS_WC_TASK,
		.ctx_vec = LS_CTX_VEC_UNKNOWN, .flags = LS_WIN_INFERRED,
	};
	uint64_t end = k->h.ts + k->h.dur;

	ls_comm_note(k->h.arg, k->comm, sizeof(k->comm));
	if (k->h.pid)
		ls_comm_note(k->h.pid, k->culprit_comm, sizeof(k->culprit_comm));
	if (!(k->wflags & LS_WF_PREEMPT) || !k->h.dur)
		return;
	if (k->wflags & LS_WF_MIGRATED) {
		w->st.migrated_wakeups++;
		return;
	}
	if (!k->h.pid) {
		w->st.idle[LS_WS_WAKEUP]++;
		return;
	}
	copy_comm(win.comm, k->culprit_comm, sizeof(k->culprit_comm));
	copy_comm(win.peer_comm, k->comm, sizeof(k->comm));
	/* What held the preemption off: a softirq pass (maybe still open) or
	 * an interrupt handler. */
	find_blocker(&c->passes, win.start, end, &win.blocker);
	if (c->pass_open) {
		struct span open = {
			.start = c->pass.start, .end = c->pass.start + c->pass.len,
			.key = c->pass.key, .pid = c->pass.pid,
			.kind = LS_K_PREEMPTOFF, .src = LS_WS_SOFTIRQ,
		};

		consider_blocker(&open, win.start, end, &win.blocker);
	}
	find_blocker(&c->irqs, win.start, end, &win.blocker);
	store(w, c, &win);
}

static void on_exact(struct ls_windows *w, struct cpu_state *c, const struct ls_rec *r)
{
	uint32_t kind = r->kind == LS_K_IRQOFF_EXACT ? LS_K_IRQOFF : LS_K_PREEMPTOFF;
	struct ls_window win = {
		.start = r->ts, .len = r->dur, .key = r->key, .arg = r->arg,
		.pid = r->pid, .parts = 1, .cpu = r->cpu, .kind = kind,
		.src = LS_WS_TRACEPOINT, .ctx = ctx_of(r->flags),
		.ctx_vec = LS_CTX_VEC_UNKNOWN,
	};

	w->exact[kidx(kind)] = true;
	if (!r->pid) { /* the idle loop sleeps with irqs/preemption off */
		w->st.idle[LS_WS_TRACEPOINT]++;
		return;
	}
	store(w, c, &win);
}

void ls_windows_add(struct ls_windows *w, const struct ls_rec *r)
{
	struct cpu_state *c = cpu_get(w, r->cpu);
	uint64_t end = r->ts + r->dur;

	w->started = true;
	if (!c) {
		w->st.alloc_failures++;
		return;
	}
	ls_flight_push(&c->flight, r);
	if (c->intr)
		ls_intr_add(c->intr, r);
	if (r->kind != LS_K_IPI && r->kind != LS_K_WAKEUP && end > c->last_end)
		c->last_end = end;
	if (c->last_end > w->last_ns)
		w->last_ns = c->last_end;
	switch (r->kind) {
	case LS_K_HARDIRQ:
	case LS_K_VECTOR:
		on_irq_span(w, c, r);
		break;
	case LS_K_SOFTIRQ:
		on_softirq(w, c, r);
		name_softirq_ctx(c, r);
		break;
	case LS_K_HRTIMER:
		on_hrtimer(w, c, (const struct ls_rec_hrtimer *)r);
		break;
	case LS_K_IPI:
		on_ipi(w, c, (const struct ls_rec_ipi *)r);
		break;
	case LS_K_WAKEUP:
		on_wakeup(w, c, (const struct ls_rec_wakeup *)r);
		break;
	case LS_K_IRQOFF_EXACT:
	case LS_K_PREEMPTOFF_EXACT:
		on_exact(w, c, r);
		break;
	default:
		break;
	}
}

void ls_windows_flush(struct ls_windows *w, uint64_t now_ns)
{
	uint64_t limit = now_ns == UINT64_MAX ? UINT64_MAX
			 : now_ns > LS_WIN_HOLD_NS ? now_ns - LS_WIN_HOLD_NS : 0;

	w->now = now_ns != UINT64_MAX ? now_ns
		 : (w->last_ns / 1000000000ull + 1) * 1000000000ull;

	for (uint32_t i = 0; i < w->ncpu; i++) {
		struct cpu_state *c = w->cpu[i];
		unsigned keep = 0;

		if (!c)
			continue;
		if (c->pass_open && c->pass.start + c->pass.len < limit)
			finish_pass(w, c);
		for (unsigned j = 0; j < c->ncand; j++) {
			if (c->cand[j].entry < limit)
				finish_undelivered(w, c, (uint16_t)i, &c->cand[j]);
			else
				c->cand[keep++] = c->cand[j];
		}
		c->ncand = keep;
	}
}

static const struct ls_win_kstore *kstore(const struct ls_windows *w, uint32_t cpu,
					  uint32_t kind)
{
	if (cpu >= w->ncpu || !w->cpu[cpu] ||
	    (kind != LS_K_IRQOFF && kind != LS_K_PREEMPTOFF))
		return NULL;
	return w->cpu[cpu]->ks[kidx(kind)];
}

void ls_windows_summary(const struct ls_windows *w, uint32_t cpu, uint32_t kind,
			enum ls_win_period p, uint64_t now_ns, struct ls_win_summary *out)
{
	const struct ls_win_kstore *k = kstore(w, cpu, kind);
	struct ls_wh h;

	memset(out, 0, sizeof(*out));
	if (!k)
		return;
	if (p == LS_WP_TOTAL) {
		struct ls_hist t;

		ls_hist_init(&t);
		ls_agg_merge(w->agg, kind, cpu, -1, &t);
		out->count = t.count;
		out->p50 = ls_hist_percentile(&t, 50);
		out->p99 = ls_hist_percentile(&t, 99);
		out->p999 = ls_hist_percentile(&t, 99.9);
		out->max = t.max;
		ls_hist_free(&t);
		return;
	}
	ls_roll_sum(&k->roll, now_ns, ls_win_period_sec[p], &h);
	out->count = h.count;
	out->p50 = ls_wh_percentile(&h, 50);
	out->p99 = ls_wh_percentile(&h, 99);
	out->p999 = ls_wh_percentile(&h, 99.9);
	out->max = h.max;
}

unsigned ls_windows_worst(const struct ls_windows *w, uint32_t cpu, uint32_t kind,
			  const struct ls_win_worst **out)
{
	const struct ls_win_kstore *k = kstore(w, cpu, kind);

	*out = k ? k->worst : NULL;
	return k ? k->n : 0;
}

uint32_t ls_windows_ncpus(const struct ls_windows *w)
{
	return w->max_cpu;
}

void ls_windows_get_stats(const struct ls_windows *w, struct ls_win_stats *st)
{
	*st = w->st;
}

uint64_t ls_windows_last_ns(const struct ls_windows *w)
{
	return w->last_ns;
}

uint64_t ls_windows_now(const struct ls_windows *w)
{
	return w->now;
}

int ls_windows_restore_worst(struct ls_windows *w, const struct ls_win_worst *e)
{
	int k = kidx(e->w.kind);
	struct ls_win_worst *slot;
	struct cpu_state *c;

	w->started = true;
	c = cpu_get(w, e->w.cpu);
	if (!c)
		return -1;
	if (!c->ks[k]) {
		c->ks[k] = ls_kstore_new(w->o.worst, w->o.flight);
		if (!c->ks[k])
			return -1;
	}
	slot = ls_kstore_restore(c->ks[k], e);
	if (!slot)
		return 0;
	slot->w.flags |= LS_WIN_RESTORED;
	return 1;
}

struct ls_intr_log *ls_windows_restore_intr(struct ls_windows *w, uint32_t cpu, bool *nomem)
{
	struct cpu_state *c;

	*nomem = false;
	w->started = true;
	if (!ls_cpuset_has(&w->isolated, cpu))
		return NULL;
	c = cpu_get(w, cpu);
	*nomem = !c;
	return c ? c->intr : NULL;
}

void ls_windows_add_stats(struct ls_windows *w, const struct ls_win_stats *st)
{
	const uint64_t *src = (const uint64_t *)st;
	uint64_t *dst = (uint64_t *)&w->st;

	_Static_assert(sizeof(*st) % sizeof(uint64_t) == 0, "ls_win_stats: u64 counters only");
	for (size_t i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		dst[i] += src[i];
}

unsigned ls_windows_exact_mask(const struct ls_windows *w)
{
	return (w->exact[0] ? 1u : 0) | (w->exact[1] ? 2u : 0);
}

void ls_windows_restore_exact(struct ls_windows *w, unsigned mask)
{
	w->exact[0] |= mask & 1;
	w->exact[1] |= (mask & 2) != 0;
}

void ls_windows_get_isolated(const struct ls_windows *w, struct ls_cpuset *out)
{
	*out = w->isolated;
}

static const char *const src_names[LS_WS_MAX] = {
	[LS_WS_HARDIRQ] = "hardirq", [LS_WS_VECTOR] = "vector",
	[LS_WS_TIMER] = "timer", [LS_WS_IPI] = "ipi",
	[LS_WS_SOFTIRQ] = "softirq", [LS_WS_WAKEUP] = "wakeup",
	[LS_WS_TRACEPOINT] = "tracepoint",
};

const char *ls_win_kind_name(uint32_t kind)
{
	return kind == LS_K_IRQOFF ? "irqoff" : kind == LS_K_PREEMPTOFF ? "preemptoff" : NULL;
}

int ls_win_kind_parse(const char *s, uint32_t *kind)
{
	if (!strcasecmp(s, "irqoff"))
		*kind = LS_K_IRQOFF;
	else if (!strcasecmp(s, "preemptoff"))
		*kind = LS_K_PREEMPTOFF;
	else
		return -1;
	return 0;
}

const char *ls_win_src_name(uint32_t src)
{
	return src < LS_WS_MAX ? src_names[src] : NULL;
}

int ls_win_src_parse(const char *s, uint32_t *src)
{
	for (uint32_t i = 0; i < LS_WS_MAX; i++)
		if (!strcasecmp(s, src_names[i])) {
			*src = i;
			return 0;
		}
	return -1;
}

const char *ls_win_ctx_name(uint32_t ctx)
{
	static const char *const n[] = { "unknown", "task", "softirq", "irq" };

	return ctx < sizeof(n) / sizeof(n[0]) ? n[ctx] : "unknown";
}
