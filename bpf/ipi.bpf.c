/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPIs: who sent them and how long they took to arrive (docs/design.md,
 * "IPIs").
 *
 * Send side, ipi:ipi_send_cpu and ipi:ipi_send_cpumask (kernel >= 6.4; the
 * daemon switches these programs off where the tracepoints are missing):
 * each target of a send is counted in its slot of ls_ipi_slots, keyed by
 * (target CPU, receiving class); the first send of a round also leaves its
 * time, sender CPU and task, callsite and callback there.
 *
 * Receive side, irq_vectors call_function[_single]_entry, reschedule_entry
 * and irq_work_entry: a handler run on the target takes the whole round of
 * its class and emits one struct ls_rec_ipi, timed from the round's first
 * send; the other sends of the round are counted in `coalesced`.
 *
 * A slot is written by senders on any CPU, in any context (task, softirq,
 * hardirq, NMI for irq_work) and possibly nested on one CPU, while the
 * target takes the round. Tracing programs cannot take a bpf_spin_lock, so
 * the slot is lock-free:
 *   state = round << 32 | sends in the round. A sender's atomic add that
 *     finds 0 sends makes it the round's first; only the target changes
 *     the round (atomic exchange to round + 1 with 0 sends).
 *   The first sender writes tag_a = round + 1, its fields, then tag_b =
 *     round + 1. The target reads tag_b, the fields, then tag_a, and then
 *     takes the round: unless both tags equal round + 1 the fields are not
 *     that round's first send's (not written yet, or being written while
 *     read), and the round is counted, not reported. Reading before the
 *     take keeps the next round's first sender from overwriting them.
 *
 * A handler run we do not see (the kernel skips BPF programs in some
 * contexts; programs attach one by one) would leave its round pending and
 * a later run would report it with an invented delay. x86 counts every
 * handler run in the per-CPU irq_stat right after the entry tracepoint
 * (since 5.8), so the first send stores the target's count and the target
 * compares it with its own: a run in between that we did not see means the
 * round was served by that run, and it is counted as unpaired.
 *
 * Counters (LS_K_IPI, this CPU's slot in ls_pcpu): events = send
 * tracepoint hits + handler runs; records = deliveries emitted; drops =
 * ring full, or a target beyond LS_IPI_MAX_CPUS; unpaired = handler runs
 * with no send we saw + sends no run we saw was found to serve. Atomic:
 * send programs nest in each other and in the receive programs on one CPU.
 */
#include "common.bpf.h"
#include "stacks.bpf.h"
#include "latscope/ipi.h"
#include <bpf/bpf_core_read.h>

/* Set by the daemon before load. */
const volatile __u32 ls_ipi_ncpus = 1;       /* CPUs tracked: possible ones, at most
					      * LS_IPI_MAX_CPUS */
const volatile __u32 ls_ipi_possible = 1;    /* possible CPUs */
const volatile __u64 ls_ipi_smp_call_fn = 0; /* generic_smp_call_function_single_interrupt;
					      * 0 = unknown */
const volatile __u32 ls_ipi_send_side = 0;   /* send programs loaded: pair runs with
					      * sends; else only count runs */
const volatile __s64 ls_ipi_irq_stat_from_rq = 0; /* &irq_stat - &runqueues, per-CPU */
const volatile __u32 ls_ipi_irq_stat_known = 0;

struct ls_ipi_slot {
	__u64 state;     /* round << 32 | sends in the round */
	__u64 ts;        /* the round's first send (bpf_ktime_get_ns) */
	__u64 callback;
	__u64 callsite;
	__u32 tag_a;     /* round + 1: first send's fields being written */
	__u32 tag_b;     /* round + 1: first send's fields complete */
	__u32 pid;       /* sending task */
	__u32 runs;      /* target's handler runs (irq_stat) at the first send */
	__u16 sender;    /* sender CPU */
	__u8 has_runs;   /* runs is known */
	__u8 last_ok;    /* target only: last_run is known */
	__u32 last_run;  /* target only: irq_stat count at the last run we saw */
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LS_IPI_NCLASS); /* ncpus * LS_IPI_NCLASS, set before load */
	__type(key, __u32);
	__type(value, struct ls_ipi_slot);
} ls_ipi_slots SEC(".maps");

/*
 * x86's per-CPU interrupt statistics count every IPI handler run right
 * after its entry tracepoint (since 5.8), runs our programs miss included
 * (arch/x86/include/asm/hardirq.h). Only the fields we read; absent ones
 * are probed.
 */
typedef struct {
	unsigned int apic_irq_work_irqs;
	unsigned int irq_resched_count;
	unsigned int irq_call_count;
} __attribute__((preserve_access_index)) irq_cpustat_t;

/* The way to this CPU's runqueue: current task -> its cfs_rq -> rq
 * (CONFIG_FAIR_GROUP_SCHED). ___ipi: CO-RE flavours of the kernel types. */
struct rq___ipi {
	int cpu;
} __attribute__((preserve_access_index));

struct cfs_rq___ipi {
	struct rq___ipi *rq;
} __attribute__((preserve_access_index));

struct sched_entity___ipi {
	struct cfs_rq___ipi *cfs_rq;
} __attribute__((preserve_access_index));

struct task_struct___ipi {
	struct sched_entity___ipi se;
} __attribute__((preserve_access_index));

struct cpumask;

#define ls_barrier() asm volatile("" ::: "memory")
#define LS_READ_ONCE(x) (*(volatile typeof(x) *)&(x))

/*
 * Address of this CPU's irq_stat, 0 when unknown. Data symbols are often
 * missing from kallsyms (no CONFIG_KALLSYMS_ALL), which rules out a __ksym;
 * instead: this CPU's runqueue (a per-CPU variable too) plus the distance
 * between the two variables in the per-CPU section, which the daemon reads
 * from the kernel's BTF.
 */
static __always_inline __u64 this_irq_stat(void)
{
	struct task_struct___ipi *t = (void *)bpf_get_current_task();
	struct rq___ipi *rq;

	if (!ls_ipi_irq_stat_known || !bpf_core_field_exists(struct sched_entity___ipi, cfs_rq) ||
	    !bpf_core_field_exists(struct cfs_rq___ipi, rq) ||
	    !bpf_core_field_exists(struct rq___ipi, cpu))
		return 0;
	rq = BPF_CORE_READ(t, se.cfs_rq, rq);
	if (!rq || BPF_CORE_READ(rq, cpu) != (int)bpf_get_smp_processor_id())
		return 0;
	return (__u64)rq + ls_ipi_irq_stat_from_rq;
}

/* Handler runs of class cls counted in the irq_stat at st; 0 = unknown. */
static __always_inline int runs_at(__u64 st, __u32 cls, __u32 *runs)
{
	__u64 off;

	if (!st)
		return 0;
	switch (cls) {
	case LS_IPI_CALL:
		if (!bpf_core_field_exists(irq_cpustat_t, irq_call_count))
			return 0;
		off = bpf_core_field_offset(irq_cpustat_t, irq_call_count);
		break;
	case LS_IPI_RESCHED:
		if (!bpf_core_field_exists(irq_cpustat_t, irq_resched_count))
			return 0;
		off = bpf_core_field_offset(irq_cpustat_t, irq_resched_count);
		break;
	default:
		if (!bpf_core_field_exists(irq_cpustat_t, apic_irq_work_irqs))
			return 0;
		off = bpf_core_field_offset(irq_cpustat_t, apic_irq_work_irqs);
		break;
	}
	return !bpf_probe_read_kernel(runs, sizeof(*runs), (void *)(st + off));
}

/*
 * Runs counted on another CPU: its irq_stat is as far from ours as its
 * copy of a per-CPU map value is from our copy.
 */
static __always_inline int runs_on(struct ls_pcpu *pc, __u32 cpu, __u32 cls, __u32 *runs)
{
	__u32 zero = 0;
	__u64 st = this_irq_stat();
	void *there;

	if (!st)
		return 0;
	there = bpf_map_lookup_percpu_elem(&ls_pcpu_map, &zero, cpu);
	if (!there)
		return 0;
	return runs_at(st + ((__u64)there - (__u64)pc), cls, runs);
}

static __always_inline void count(__u64 *c, __u64 n)
{
	__sync_fetch_and_add(c, n);
}

/*
 * Receive side, first: programs attach in the order they are defined, and
 * the handler runs must be watched before sends are, or a round begun in
 * between would meet its first run unseen and be dropped (detected, but
 * lost) together with the sends after it.
 */

/* Emit the delivery of a round on this CPU; fields were checked. */
static __always_inline void emit_ipi(struct ls_pcpu *pc, const struct ls_ipi_slot *f,
				     __u32 cpu, __u32 vector, __u32 n, __u64 now, __s32 stack)
{
	struct ls_rec_ipi *r;
	void *rb = ls_ring(cpu);

	r = rb ? bpf_ringbuf_reserve(rb, sizeof(*r), 0) : NULL;
	if (!r) {
		count(&pc->c.drops[LS_K_IPI], 1);
		return;
	}
	r->h.ts = f->ts;
	r->h.dur = now - f->ts;
	r->h.key = (__u32)f->callback;
	r->h.pid = f->pid;
	r->h.arg = f->sender;
	r->h.cpu = cpu;
	r->h.kind = LS_K_IPI;
	r->h.flags = 0;
	r->callsite = (__u32)f->callsite;
	r->vector = vector;
	r->pad = 0;
	r->coalesced = n - 1 > 0xffff ? 0xffff : n - 1;
	__builtin_memcpy(r->comm, f->comm, sizeof(r->comm));
	r->stack = stack;
	r->pad2 = 0;
	count(&pc->c.records[LS_K_IPI], 1);
	ls_submit(rb, r, sizeof(*r));
}

/*
 * Was the round served by a run we did not see? runs = this run's count
 * (taken before the handler increments it), last = the count at the
 * previous run we saw: a run numbered in between was not seen, and it came
 * after that previous run, so it served whatever was pending, maybe this
 * round (we cannot tell whether it came before the round's first send;
 * the round is dropped either way). Only for the first run we see on this
 * CPU, f->runs = the target's count at the first send: runs numbered from
 * it up to runs - 1 came after the send.
 */
static __always_inline int served_unseen(const struct ls_ipi_slot *f, __u32 runs,
					 int has_runs, __u32 last, int last_ok)
{
	if (!has_runs)
		return 0;
	if (last_ok)
		return (__s32)(runs - last - 1) > 0;
	return f->has_runs && (__s32)(runs - f->runs) > 0;
}

static __always_inline void receive(void *ctx, __u32 cls, __u32 vector)
{
	struct ls_pcpu *pc = ls_pcpu();
	__u32 cpu = bpf_get_smp_processor_id(), idx, tag, runs = 0, last, n;
	struct ls_ipi_slot *sl, f;
	int has_runs, last_ok;
	__u64 old, now;

	if (!pc)
		return;
	count(&pc->c.events[LS_K_IPI], 1);
	if (!ls_ipi_send_side)
		return;
	idx = cpu * LS_IPI_NCLASS + cls;
	sl = bpf_map_lookup_elem(&ls_ipi_slots, &idx);
	if (!sl)
		return;
	has_runs = runs_at(this_irq_stat(), cls, &runs);
	/* Only this CPU changes the round, so the first send's fields can be
	 * read before taking it: the next round's first sender, which would
	 * overwrite them, cannot start before the take. */
	tag = (__u32)(LS_READ_ONCE(sl->state) >> 32) + 1;
	f.tag_b = LS_READ_ONCE(sl->tag_b);
	ls_barrier();
	f.ts = sl->ts;
	f.callback = sl->callback;
	f.callsite = sl->callsite;
	f.pid = sl->pid;
	f.sender = sl->sender;
	f.runs = sl->runs;
	f.has_runs = sl->has_runs;
	__builtin_memcpy(f.comm, sl->comm, sizeof(f.comm));
	ls_barrier();
	f.tag_a = LS_READ_ONCE(sl->tag_a);
	/* take the round, open the next one */
	old = __sync_lock_test_and_set(&sl->state, (__u64)tag << 32);
	now = bpf_ktime_get_ns(); /* after the take: never before a send it took */
	n = (__u32)old;
	last = sl->last_run;
	last_ok = sl->last_ok;
	sl->last_run = runs;
	sl->last_ok = has_runs;
	if (!n) {
		count(&pc->c.unpaired[LS_K_IPI], 1); /* no send we saw */
		return;
	}
	if (f.tag_a != tag || f.tag_b != tag ||
	    served_unseen(&f, runs, has_runs, last, last_ok)) {
		/* the round's sends and this run stay unmatched */
		count(&pc->c.unpaired[LS_K_IPI], n + 1);
		return;
	}
	emit_ipi(pc, &f, cpu, vector, n, now,
		 ls_take_stack(ctx, (__s64)(now - f.ts), (__u32)bpf_get_current_pid_tgid()));
}

SEC("tp_btf/call_function_entry")
int BPF_PROG(ipi_call_function_entry, int vector)
{
	receive(ctx, LS_IPI_CALL, LS_V_CALL_FUNCTION);
	return 0;
}

SEC("tp_btf/call_function_single_entry")
int BPF_PROG(ipi_call_function_single_entry, int vector)
{
	receive(ctx, LS_IPI_CALL, LS_V_CALL_FUNCTION_SINGLE);
	return 0;
}

SEC("tp_btf/reschedule_entry")
int BPF_PROG(ipi_reschedule_entry, int vector)
{
	receive(ctx, LS_IPI_RESCHED, LS_V_RESCHEDULE);
	return 0;
}

SEC("tp_btf/irq_work_entry")
int BPF_PROG(ipi_irq_work_entry, int vector)
{
	receive(ctx, LS_IPI_WORK, LS_V_IRQ_WORK);
	return 0;
}

/* Send side. */

/* What every target of one send shares. */
struct ipi_send {
	__u64 ts;
	__u64 callback;
	__u64 callsite;
	__u32 pid;
	__u32 cpu;
	char comm[16];
};

static __always_inline void send_init(struct ipi_send *s, __u64 callsite, __u64 callback)
{
	s->ts = bpf_ktime_get_ns();
	s->callback = callback;
	s->callsite = callsite;
	s->pid = (__u32)bpf_get_current_pid_tgid();
	s->cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(s->comm, sizeof(s->comm));
}

/*
 * Which handler serves a send (docs/design.md): no callback is a
 * reschedule; smp calls carry generic_smp_call_function_single_interrupt
 * (the first kernels with the tracepoint traced the queued function
 * instead, always remote);
 * anything else sent to the sender's own CPU is an irq_work self-IPI.
 */
static __always_inline __u32 class_of(const struct ipi_send *s, __u32 target)
{
	if (!s->callback)
		return LS_IPI_RESCHED;
	if (ls_ipi_smp_call_fn && s->callback == ls_ipi_smp_call_fn)
		return LS_IPI_CALL;
	return target == s->cpu ? LS_IPI_WORK : LS_IPI_CALL;
}

static __always_inline void send_one(struct ls_pcpu *pc, const struct ipi_send *s,
				     __u32 target)
{
	__u32 cls = class_of(s, target), idx, tag, runs = 0;
	struct ls_ipi_slot *sl;
	int has_runs;
	__u64 old;

	if (target >= ls_ipi_ncpus) {
		count(&pc->c.drops[LS_K_IPI], 1);
		return;
	}
	idx = target * LS_IPI_NCLASS + cls;
	sl = bpf_map_lookup_elem(&ls_ipi_slots, &idx);
	if (!sl) {
		count(&pc->c.drops[LS_K_IPI], 1);
		return;
	}
	has_runs = runs_on(pc, target, cls, &runs);
	old = __sync_fetch_and_add(&sl->state, 1);
	if ((__u32)old)
		return; /* the round's first send is still pending: same run */
	tag = (__u32)(old >> 32) + 1;
	sl->tag_a = tag;
	ls_barrier();
	sl->ts = s->ts;
	sl->callback = s->callback;
	sl->callsite = s->callsite;
	sl->pid = s->pid;
	sl->sender = s->cpu;
	sl->runs = runs;
	sl->has_runs = has_runs;
	__builtin_memcpy(sl->comm, s->comm, sizeof(sl->comm));
	ls_barrier();
	__sync_lock_test_and_set(&sl->tag_b, tag);
}

SEC("tp_btf/ipi_send_cpu")
int BPF_PROG(ipi_send_cpu, unsigned int cpu, unsigned long callsite, void *callback)
{
	struct ls_pcpu *pc = ls_pcpu();
	struct ipi_send s;

	if (!pc)
		return 0;
	count(&pc->c.events[LS_K_IPI], 1);
	send_init(&s, callsite, (__u64)callback);
	send_one(pc, &s, cpu);
	return 0;
}

struct mask_walk {
	struct ipi_send s;
	__u64 mask;  /* address of the struct cpumask */
	__u64 lost;  /* targets at or beyond LS_IPI_MAX_CPUS */
};

/* bpf_loop callback: the targets in word w of the mask. */
static long walk_word(__u32 w, void *ctx)
{
	struct mask_walk *m = ctx;
	struct ls_pcpu *pc = ls_pcpu();
	__u64 bits = 0;
	__u32 j;

	if (!pc)
		return 1;
	if (bpf_probe_read_kernel(&bits, sizeof(bits), (void *)(m->mask + w * 8))) {
		count(&pc->c.drops[LS_K_IPI], 1); /* this word's targets, at least one */
		return 1;
	}
#pragma clang loop unroll(disable)
	for (j = 0; j < 64 && bits; j++, bits >>= 1)
		if (bits & 1)
			send_one(pc, &m->s, w * 64 + j);
	return 0;
}

/* bpf_loop callback: count the targets in word w (beyond our bound). */
static long count_word(__u32 w, void *ctx)
{
	struct mask_walk *m = ctx;
	__u64 bits = 0;
	__u32 j;

	if (bpf_probe_read_kernel(&bits, sizeof(bits),
				  (void *)(m->mask + (LS_IPI_MAX_CPUS / 64 + w) * 8)))
		return 1;
#pragma clang loop unroll(disable)
	for (j = 0; j < 64 && bits; j++, bits >>= 1)
		m->lost += bits & 1;
	return 0;
}

SEC("tp_btf/ipi_send_cpumask")
int BPF_PROG(ipi_send_cpumask, const struct cpumask *mask, unsigned long callsite,
	     void *callback)
{
	struct ls_pcpu *pc = ls_pcpu();
	struct mask_walk m = { .mask = (__u64)mask };

	if (!pc)
		return 0;
	count(&pc->c.events[LS_K_IPI], 1);
	send_init(&m.s, callsite, (__u64)callback);
	bpf_loop((ls_ipi_ncpus + 63) / 64, walk_word, &m, 0);
	if (ls_ipi_possible > LS_IPI_MAX_CPUS) {
		bpf_loop((ls_ipi_possible + 63) / 64 - LS_IPI_MAX_CPUS / 64, count_word, &m, 0);
		if (m.lost)
			count(&pc->c.drops[LS_K_IPI], m.lost);
	}
	return 0;
}
