// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The aggregator: (class, cpu, key) -> histogram.
 *
 * Lookup is an open-addressing hash table (power-of-two capacity, linear
 * probing, at most 70% full) whose 16-byte slots hold the whole key and the
 * index of the series, so a hit touches one slot and the series itself.
 * Series live in fixed-size chunks that never move, so the pointers handed
 * to ls_agg_foreach callers stay valid while the table grows.
 */
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "agg_kvm.h"
#include "comms.h"
#include "wakeups.h"
#include "windows.h"

#define CHUNK_BITS 6
#define CHUNK (1u << CHUNK_BITS)   /* series per chunk */
#define MIN_SLOTS_LOG2 6

struct slot {
	uint32_t cls, cpu, key;
	uint32_t idx1;   /* series index + 1; 0 = empty slot */
};

struct ls_agg {
	struct slot *slots;
	unsigned slots_log2;
	size_t nseries;
	size_t max_series;
	struct ls_series **chunks;
	size_t nchunks;
	struct ls_wakeups *wakeups;
	struct ls_agg_stats st;  /* st.series is filled in by get_stats */
	ls_agg_observer_fn obs;
	void *obs_ctx;
	const struct ls_rec *cur; /* record being added, for the observer */
	struct ls_windows *win;
	struct ls_kvm_table *kvm; /* created at the first KVM record */
};

static size_t nslots(const struct ls_agg *a)
{
	return (size_t)1 << a->slots_log2;
}

/*
 * Pack the key into 64 bits (cls and high cpu bits may overlap: that only
 * costs distribution, the slot compares the full key), fold the high half
 * into the low one, then Fibonacci-hash: the top bits of the product depend
 * on every input bit. Without the fold, tables of thousands of series (64+
 * cpus) probed about twice as far; xoring in cls * constant instead of
 * packing it clustered badly on small tables (irqs 0..63 on a few cpus).
 */
static size_t slot_of(const struct ls_agg *a, uint32_t cls, uint32_t cpu,
		      uint32_t key)
{
	uint64_t x = (uint64_t)cls << 56 | (uint64_t)cpu << 32 | key;

	x ^= x >> 31;
	return (size_t)((x * 0x9e3779b97f4a7c15ull) >> (64 - a->slots_log2));
}

static struct ls_series *series_at(const struct ls_agg *a, size_t i)
{
	return &a->chunks[i >> CHUNK_BITS][i & (CHUNK - 1)];
}

struct ls_agg *ls_agg_new(size_t max_series)
{
	struct ls_agg *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->slots_log2 = MIN_SLOTS_LOG2;
	a->slots = calloc(nslots(a), sizeof(*a->slots));
	a->wakeups = ls_wakeups_new();
	if (!a->slots || !a->wakeups) {
		free(a->slots);
		ls_wakeups_free(a->wakeups);
		free(a);
		return NULL;
	}
	a->max_series = max_series;
	a->win = ls_windows_new(a);
	if (!a->win) {
		free(a->slots);
		free(a);
		return NULL;
	}
	return a;
}

void ls_agg_free(struct ls_agg *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nseries; i++)
		ls_hist_free(&series_at(a, i)->h);
	for (size_t c = 0; c < a->nchunks; c++)
		free(a->chunks[c]);
	free(a->chunks);
	free(a->slots);
	ls_wakeups_free(a->wakeups);
	ls_windows_free(a->win);
	ls_kvm_table_free(a->kvm);
	free(a);
}

/* Slot holding (cls, cpu, key), or the empty slot where it would go. */
static struct slot *probe(const struct ls_agg *a, uint32_t cls, uint32_t cpu,
			  uint32_t key)
{
	size_t mask = nslots(a) - 1;

	for (size_t i = slot_of(a, cls, cpu, key);; i = (i + 1) & mask) {
		struct slot *s = &a->slots[i];

		if (!s->idx1 ||
		    (s->key == key && s->cpu == cpu && s->cls == cls))
			return s;
	}
}

static bool grow_slots(struct ls_agg *a)
{
	struct slot *old = a->slots;
	size_t n = nslots(a);

	a->slots = calloc(n * 2, sizeof(*a->slots));
	if (!a->slots) {
		a->slots = old;
		return false;
	}
	a->slots_log2++;
	for (size_t i = 0; i < n; i++)
		if (old[i].idx1)
			*probe(a, old[i].cls, old[i].cpu, old[i].key) = old[i];
	free(old);
	return true;
}

/* Room for series number a->nseries: a new chunk every CHUNK series. */
static bool reserve_series(struct ls_agg *a)
{
	size_t c = a->nseries >> CHUNK_BITS;
	struct ls_series **chunks;

	if (c < a->nchunks)
		return true;
	chunks = realloc(a->chunks, (c + 1) * sizeof(*chunks));
	if (!chunks)
		return false;
	a->chunks = chunks;
	chunks[c] = calloc(CHUNK, sizeof(**chunks));
	if (!chunks[c])
		return false;
	a->nchunks = c + 1;
	return true;
}

static struct ls_series *create(struct ls_agg *a, uint32_t cls, uint32_t cpu,
				uint32_t key)
{
	struct ls_series *s;
	struct slot *slot;

	/* Keep the table at most 70% full so probe sequences stay short. */
	if ((a->nseries + 1) * 10 > nslots(a) * 7 && !grow_slots(a))
		return NULL;
	if (!reserve_series(a))
		return NULL;
	s = series_at(a, a->nseries);
	s->cls = cls;
	s->cpu = cpu;
	s->key = key;
	ls_hist_init(&s->h);
	slot = probe(a, cls, cpu, key);
	slot->cls = cls;
	slot->cpu = cpu;
	slot->key = key;
	slot->idx1 = (uint32_t)++a->nseries;
	return s;
}

/*
 * Series for (cls, cpu, key), created if missing. Past the cap a new key
 * lands in (cls, cpu, LS_KEY_OTHER), which is itself created beyond the cap
 * if needed: at most one such series per (cls, cpu).
 */
static struct ls_series *lookup(struct ls_agg *a, uint32_t cls, uint32_t cpu,
				uint32_t key, uint64_t nvalues)
{
	struct slot *slot = probe(a, cls, cpu, key);

	if (slot->idx1)
		return series_at(a, slot->idx1 - 1);
	if (a->nseries >= a->max_series && key != LS_KEY_OTHER) {
		a->st.series_overflow += nvalues;
		slot = probe(a, cls, cpu, LS_KEY_OTHER);
		if (slot->idx1)
			return series_at(a, slot->idx1 - 1);
		key = LS_KEY_OTHER;
	}
	return create(a, cls, cpu, key);
}

static void note_cpu(struct ls_agg *a, uint32_t cpu)
{
	if (cpu >= a->st.max_cpu_seen)
		a->st.max_cpu_seen = cpu == UINT32_MAX ? cpu : cpu + 1;
}

/*
 * No "last series" cache in front of the table: measured with
 * bench/agg_bench it gained nothing on bursts (a repeated probe hits a warm
 * slot anyway) and cost 1-2 ns per record on mixed streams (mispredicted
 * hits plus a store/load chain through the cached pointer).
 */
static void add_value(struct ls_agg *a, uint32_t cls, uint32_t cpu,
		      uint32_t key, uint64_t v)
{
	struct ls_series *s = lookup(a, cls, cpu, key, 1);

	if (!s || !ls_hist_add(&s->h, v))
		a->st.alloc_failures++;
	if (a->obs)
		a->obs(a->obs_ctx, cls, cpu, key, v, a->cur);
}

void ls_agg_set_observer(struct ls_agg *a, ls_agg_observer_fn fn, void *ctx)
{
	a->obs = fn;
	a->obs_ctx = ctx;
}

bool ls_agg_add_hist(struct ls_agg *a, uint32_t cls, uint32_t cpu, uint32_t key,
		     const struct ls_hist *h)
{
	struct ls_series *s;

	if (!h->count)
		return true;
	note_cpu(a, cpu);
	s = lookup(a, cls, cpu, key, h->count);
	return s && ls_hist_merge(&s->h, h);
}

void ls_agg_add_stats(struct ls_agg *a, const struct ls_agg_stats *st)
{
	a->st.records += st->records;
	for (int k = 0; k < LS_K_MAX; k++)
		a->st.records_by_kind[k] += st->records_by_kind[k];
	a->st.unknown_kind += st->unknown_kind;
	a->st.series_overflow += st->series_overflow;
	a->st.alloc_failures += st->alloc_failures;
	a->st.wakeup_before_soft += st->wakeup_before_soft;
	a->st.wakeup_timer_early += st->wakeup_timer_early;
	a->st.hrtimer_no_expiry += st->hrtimer_no_expiry;
	if (st->max_cpu_seen > a->st.max_cpu_seen)
		a->st.max_cpu_seen = st->max_cpu_seen;
}

void ls_agg_add_value(struct ls_agg *a, uint32_t cls, uint32_t cpu,
		      uint32_t key, uint64_t v)
{
	note_cpu(a, cpu);
	add_value(a, cls, cpu, key, v);
}

/*
 * One hrtimer expiry feeds: its run time; its lateness against the hard
 * expiry, split by sign into LATE and EARLY (timers with slack may fire
 * between soft and hard expiry); and, for a sleeper (hrtimer_wakeup) or a
 * timerfd whose armer is known (LS_F_TIMERFD), the lateness that task saw,
 * against the expiry it asked for, keyed by its pid. An offline trace may
 * not show the expiry (LS_F_NO_EXPIRY): run time only.
 */
static void add_hrtimer(struct ls_agg *a, const struct ls_rec_hrtimer *r)
{
	const struct ls_rec *h = &r->h;

	add_value(a, LS_K_HRTIMER, h->cpu, h->key, h->dur);
	if (h->flags & LS_F_NO_EXPIRY) { /* run time only: no lateness invented */
		a->st.hrtimer_no_expiry++;
		return;
	}
	if (r->late >= 0)
		add_value(a, LS_K_HRTIMER_LATE, h->cpu, h->key, r->late);
	else
		add_value(a, LS_K_HRTIMER_EARLY, h->cpu, h->key, -(uint64_t)r->late);
	if (!h->arg)
		return;
	ls_comm_note(h->arg, r->comm, sizeof(r->comm));
	if (r->soft_late >= 0)
		add_value(a, h->flags & LS_F_TIMERFD ? LS_K_HRTIMER_TIMERFD : LS_K_HRTIMER_WAKEUP,
			  h->cpu, h->arg, r->soft_late);
	else
		a->st.wakeup_before_soft++;
}

/* r->arg cancels of timer function r->key: a count (values of 1, like the
 * IPI send counts), not durations; the alert observer does not see it. */
static void add_cancels(struct ls_agg *a, const struct ls_rec *r)
{
	struct ls_series *s;

	if (!r->arg)
		return;
	s = lookup(a, LS_K_HRTIMER_CANCEL, r->cpu, r->key, r->arg);
	if (!s || !ls_hist_add_n(&s->h, 1, r->arg))
		a->st.alloc_failures++;
}

/*
 * A wakeup feeds its latency (waking -> switch-in) by class, is offered to
 * its CPU's worst list, and, when its hrtimer woke it, feeds the timer
 * expiry -> switch-in latency. An expiry later than the switch-in (a timer
 * with slack fired before its hard expiry) is counted, not aggregated.
 */
static void add_wakeup(struct ls_agg *a, const struct ls_rec_wakeup *r)
{
	const struct ls_rec *h = &r->h;

	add_value(a, LS_K_WAKEUP, h->cpu, h->key, h->dur);
	if (!ls_wakeups_note(a->wakeups, r))
		a->st.alloc_failures++;
	if (!(r->wflags & LS_WF_TIMER))
		return;
	if (r->since_expiry >= 0)
		add_value(a, LS_K_WAKEUP_TIMER, h->cpu, h->key, r->since_expiry);
	else
		a->st.wakeup_timer_early++;
}

/*
 * One IPI delivery feeds its delivery latency per target CPU by callback,
 * by sender CPU (the sender x target matrix) and by callsite, and the
 * number of sends the handler run served (1 + coalesced) by callback and
 * by callsite, whose sum minus count is the coalesced sends.
 */
static void add_ipi(struct ls_agg *a, const struct ls_rec_ipi *r)
{
	const struct ls_rec *h = &r->h;
	uint64_t sends = 1 + (uint64_t)r->coalesced;

	add_value(a, LS_K_IPI, h->cpu, h->key, h->dur);
	add_value(a, LS_K_IPI_BY_SENDER, h->cpu, h->arg, h->dur);
	add_value(a, LS_K_IPI_CALLSITE, h->cpu, r->callsite, h->dur);
	add_value(a, LS_K_IPI_SENDS, h->cpu, h->key, sends);
	add_value(a, LS_K_IPI_CALLSITE_SENDS, h->cpu, r->callsite, sends);
}

/*
 * One KVM exit feeds the generic series by (cpu, reason): its cost (unless
 * still open at the end of an offline trace) and the guest run that ended
 * in it; and the KVM table, which keeps the VM, vCPU and ISA axes.
 */
static void add_kvm(struct ls_agg *a, const struct ls_rec_kvm *r)
{
	const struct ls_rec *h = &r->h;

	if (!(r->kflags & LS_KVM_F_OPEN))
		add_value(a, LS_K_KVM_EXIT, h->cpu, h->key, h->dur);
	if (r->guest_ns)
		add_value(a, LS_K_KVM_GUEST, h->cpu, h->key, r->guest_ns);
	if (ls_agg_kvm_get(a))
		ls_kvm_table_add(a->kvm, r);
	else
		a->st.alloc_failures++;
}

const struct ls_kvm_table *ls_agg_kvm(const struct ls_agg *a)
{
	return a->kvm;
}

struct ls_kvm_table *ls_agg_kvm_get(struct ls_agg *a)
{
	if (!a->kvm)
		a->kvm = ls_kvm_table_new(a->max_series);
	return a->kvm;
}

static void add_record(struct ls_agg *a, const struct ls_rec *r)
{
	a->st.records++;
	note_cpu(a, r->cpu);
	if (r->kind < LS_K_MAX)
		a->st.records_by_kind[r->kind]++;
	switch (r->kind) {
	case LS_K_HARDIRQ:
	case LS_K_VECTOR:
		add_value(a, r->kind, r->cpu, r->key, r->dur);
		break;
	case LS_K_SOFTIRQ:
		add_value(a, LS_K_SOFTIRQ, r->cpu, r->key, r->dur);
		/* LS_ARG_SAT (> 4.29 s) is kept as its own value: the bucket
		 * shows the delay was at least that long. */
		if (r->arg != LS_ARG_NONE)
			add_value(a, LS_K_SOFTIRQ_RAISE, r->cpu, r->key, r->arg);
		break;
	case LS_K_HRTIMER:
		add_hrtimer(a, (const struct ls_rec_hrtimer *)r);
		break;
	case LS_K_WAKEUP:
		add_wakeup(a, (const struct ls_rec_wakeup *)r);
		break;
	case LS_K_IRQOFF_EXACT:
	case LS_K_PREEMPTOFF_EXACT: /* key = disabling call site */
		add_value(a, r->kind, r->cpu, r->key, r->dur);
		break;
	case LS_K_IPI:
		add_ipi(a, (const struct ls_rec_ipi *)r);
		break;
	case LS_K_KVM_EXIT:
		add_kvm(a, (const struct ls_rec_kvm *)r);
		break;
	case LS_K_HRTIMER_CANCEL: /* a count at read time, not a span: */
		add_cancels(a, r); /* nothing for the windows */
		return;
	default:
		a->st.unknown_kind++;
		break;
	}
	ls_windows_add(a->win, r);
}

struct ls_windows *ls_agg_windows(const struct ls_agg *a)
{
	return a->win;
}

void ls_agg_flush(struct ls_agg *a, uint64_t now_ns)
{
	ls_windows_flush(a->win, now_ns);
}

void ls_agg_add(struct ls_agg *a, const struct ls_rec *r)
{
	a->cur = r;
	add_record(a, r);
	a->cur = NULL;
}

int ls_agg_foreach(const struct ls_agg *a, ls_series_fn fn, void *ctx)
{
	for (size_t i = 0; i < a->nseries; i++) {
		int ret = fn(series_at(a, i), ctx);

		if (ret)
			return ret;
	}
	return 0;
}

size_t ls_agg_merge(const struct ls_agg *a, uint32_t cls, int64_t cpu,
		    int64_t key, struct ls_hist *out)
{
	size_t merged = 0;

	for (size_t i = 0; i < a->nseries; i++) {
		const struct ls_series *s = series_at(a, i);

		if (s->cls != cls || (cpu != -1 && s->cpu != cpu) ||
		    (key != -1 && s->key != key))
			continue;
		if (ls_hist_merge(out, &s->h))
			merged++;
	}
	return merged;
}

struct ls_wakeups *ls_agg_wakeups(const struct ls_agg *a)
{
	return a->wakeups;
}

void ls_agg_get_stats(const struct ls_agg *a, struct ls_agg_stats *st)
{
	*st = a->st;
	st->series = a->nseries;
}
