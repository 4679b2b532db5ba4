/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What every latscope BPF program shares: the per-CPU state map, the sharded
 * ring buffers, the knobs the daemon sets before load, and the span helpers
 * that pair entry/exit on one CPU and emit one struct ls_rec per span.
 *
 * The maps and knobs are defined once in maps.bpf.c and declared extern here;
 * `bpftool gen object` links every bpf/X.bpf.c into one object and skeleton.
 */
#ifndef LATSCOPE_COMMON_BPF_H
#define LATSCOPE_COMMON_BPF_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "latscope/record.h"

/* One open (entered, not yet exited) span of a family on this CPU. */
struct ls_open {
	__u64 ts;     /* 0 = nothing open */
	__u32 key;
	__u32 pid;
	__u32 arg;
	__u32 flags;
};

/* An hrtimer callback that is running on this CPU. */
struct ls_open_hrtimer {
	__u64 ts;     /* 0 = none */
	__u64 timer;  /* the struct hrtimer * whose exit closes it */
	__s64 late;
	__s64 soft_late;
	__s64 armed;  /* ls_rec_hrtimer.armed */
	__s32 now_lag; /* ls_rec_hrtimer.now_lag */
	__s32 stack;  /* ls_rec_hrtimer.stack */
	__u32 key;
	__u32 pid;
	__u32 woken;
	__u32 flags;
	char comm[16];
	__u32 armer;  /* timerfd: the task that armed it (LS_F_TIMERFD) */
};

/*
 * Per-CPU state. A family (hardirq, softirq, vector) never nests inside
 * itself on one CPU, so one slot per family is enough, and each slot and
 * counter is only written by that family's programs: no atomics needed.
 */
struct ls_pcpu {
	struct ls_counters c;
	struct ls_open hardirq;
	struct ls_open softirq;
	struct ls_open vector;
	__u64 raise_ts[LS_NR_SOFTIRQS]; /* first pending raise per vector */
	/* [0] hard (hardirq context), [1] soft (HRTIMER_SOFTIRQ): a hard
	 * timer can expire while a soft one's callback runs */
	struct ls_open_hrtimer hrtimer[2];
};

#define LS_RING_TEMPLATE_BYTES (256 * 1024) /* replaced before load */

struct ls_ringbuf {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, LS_RING_TEMPLATE_BYTES);
};

/* Rings sharded by CPU group so big hosts do not all contend on one
 * reserve spinlock; the daemon sizes this and fills it after load. */
#define LS_RINGS_MAP_DEF                                         \
	struct {                                                 \
		__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);        \
		__uint(max_entries, 1);                          \
		__type(key, __u32);                              \
		__array(values, struct ls_ringbuf);              \
	}

#define LS_PCPU_MAP_DEF                                          \
	struct {                                                 \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);         \
		__uint(max_entries, 1);                          \
		__type(key, __u32);                              \
		__type(value, struct ls_pcpu);                   \
	}

#ifdef LS_DEFINE_MAPS /* only maps.bpf.c */
#define LS_MAP_STORAGE
#else
#define LS_MAP_STORAGE extern
#endif
LS_MAP_STORAGE LS_RINGS_MAP_DEF ls_rings SEC(".maps");
LS_MAP_STORAGE LS_PCPU_MAP_DEF ls_pcpu_map SEC(".maps");

/* Knobs, written by the daemon into .rodata before load. */
extern const volatile __u32 ls_shard_shift;  /* shard = cpu >> shift */
extern const volatile __u32 ls_wakeup_bytes; /* wake reader past this */

static __always_inline struct ls_pcpu *ls_pcpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ls_pcpu_map, &zero);
}

static __always_inline __u32 ls_open_flags(const struct ls_pcpu *pc)
{
	return (pc->hardirq.ts ? LS_F_IN_HARDIRQ : 0) |
	       (pc->softirq.ts ? LS_F_IN_SOFTIRQ : 0) |
	       (pc->vector.ts ? LS_F_IN_VECTOR : 0) |
	       (pc->hrtimer[0].ts || pc->hrtimer[1].ts ? LS_F_IN_HRTIMER : 0);
}

static __always_inline void ls_span_begin(struct ls_pcpu *pc, struct ls_open *o,
					  __u32 kind, __u32 key, __u32 arg)
{
	pc->c.events[kind]++;
	if (o->ts) /* the previous entry never saw its exit */
		pc->c.unpaired[kind]++;
	o->flags = ls_open_flags(pc);
	o->key = key;
	o->arg = arg;
	o->pid = (__u32)bpf_get_current_pid_tgid();
	o->ts = bpf_ktime_get_ns();
}

/*
 * Submit without a wakeup: the daemon drains on a short timer. Only when a
 * record pushes the pending data across ls_wakeup_bytes do we force one
 * wakeup, so a burst cannot overrun the ring between two drains.
 */
static __always_inline __u64 ls_submit_flags(__u64 avail, __u32 size)
{
	if (avail >= ls_wakeup_bytes && avail < ls_wakeup_bytes + 2 * (size + 8))
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* avail counts the record just reserved: the crossing is caught with it. */
static __always_inline void ls_submit(void *rb, void *r, __u32 size)
{
	bpf_ringbuf_submit(r, ls_submit_flags(bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA), size));
}

/* The ring of this CPU's shard. */
static __always_inline void *ls_ring(__u32 cpu)
{
	__u32 shard = cpu >> ls_shard_shift;

	return bpf_map_lookup_elem(&ls_rings, &shard);
}

static __always_inline void ls_emit(struct ls_pcpu *pc, const struct ls_open *o,
				    __u32 kind, __u64 now)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct ls_rec *r;
	void *rb;

	rb = ls_ring(cpu);
	if (!rb) {
		pc->c.drops[kind]++;
		return;
	}
	r = bpf_ringbuf_reserve(rb, sizeof(*r), 0);
	if (!r) {
		pc->c.drops[kind]++;
		return;
	}
	r->ts = o->ts;
	r->dur = now - o->ts;
	r->key = o->key;
	r->pid = o->pid;
	r->arg = o->arg;
	r->cpu = cpu;
	r->kind = kind;
	r->flags = o->flags;
	pc->c.records[kind]++;
	ls_submit(rb, r, sizeof(*r));
}

/* Close the open span of a family; key must match what was opened. */
static __always_inline void ls_span_end(struct ls_pcpu *pc, struct ls_open *o,
					__u32 kind, __u32 key)
{
	__u64 now = bpf_ktime_get_ns();

	pc->c.events[kind]++;
	if (!o->ts || o->key != key) {
		pc->c.unpaired[kind]++;
		o->ts = 0;
		return;
	}
	ls_emit(pc, o, kind, now);
	o->ts = 0;
}

#endif /* LATSCOPE_COMMON_BPF_H */
