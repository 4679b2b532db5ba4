/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Exact irq-off and preempt-off windows from the preemptirq tracepoints
 * (irq_disable/irq_enable, preempt_disable/preempt_enable), which only
 * kernels built with CONFIG_TRACE_IRQFLAGS / CONFIG_TRACE_PREEMPT_TOGGLE
 * have; elsewhere the daemon switches these programs off (status says
 * why) and windows are derived from the other families (docs/windows.md).
 *
 * The tracepoints fire on transitions only (interrupts going off, the
 * preempt count leaving 0), so each kind pairs with one open slot per CPU.
 * Windows shorter than ls_exact_min_ns are counted as events but not
 * written: interrupts go off and on for a few hundred ns millions of times
 * a second, and those are not what anyone looks for.
 *
 * Counters use atomic adds: an NMI can hit these tracepoints while the
 * same CPU's program is updating them.
 */
#include "common.bpf.h"

const volatile __u64 ls_exact_min_ns = 1000;

struct ls_exact_open {
	struct ls_open irq, preempt;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ls_exact_open);
} ls_exact_open_map SEC(".maps");

static __always_inline struct ls_open *slot(int preempt)
{
	__u32 zero = 0;
	struct ls_exact_open *e = bpf_map_lookup_elem(&ls_exact_open_map, &zero);

	if (!e)
		return NULL;
	return preempt ? &e->preempt : &e->irq;
}

static __always_inline void exact_begin(int preempt, __u32 kind, unsigned long ip)
{
	struct ls_pcpu *pc = ls_pcpu();
	struct ls_open *o = slot(preempt);

	if (!pc || !o)
		return;
	__sync_fetch_and_add(&pc->c.events[kind], 1);
	if (o->ts)
		__sync_fetch_and_add(&pc->c.unpaired[kind], 1);
	o->key = (__u32)ip;
	o->pid = (__u32)bpf_get_current_pid_tgid();
	o->flags = ls_open_flags(pc);
	o->ts = bpf_ktime_get_ns();
}

static __always_inline void exact_end(int preempt, __u32 kind, unsigned long ip)
{
	struct ls_pcpu *pc = ls_pcpu();
	struct ls_open *o = slot(preempt);
	__u64 now = bpf_ktime_get_ns();

	if (!pc || !o)
		return;
	__sync_fetch_and_add(&pc->c.events[kind], 1);
	if (!o->ts) {
		__sync_fetch_and_add(&pc->c.unpaired[kind], 1);
		return;
	}
	if (now - o->ts >= ls_exact_min_ns) {
		o->arg = (__u32)ip;
		ls_emit(pc, o, kind, now);
	}
	o->ts = 0;
}

SEC("tp_btf/irq_disable")
int BPF_PROG(irq_disable, unsigned long ip, unsigned long parent_ip)
{
	exact_begin(0, LS_K_IRQOFF_EXACT, ip);
	return 0;
}

SEC("tp_btf/irq_enable")
int BPF_PROG(irq_enable, unsigned long ip, unsigned long parent_ip)
{
	exact_end(0, LS_K_IRQOFF_EXACT, ip);
	return 0;
}

SEC("tp_btf/preempt_disable")
int BPF_PROG(preempt_disable, unsigned long ip, unsigned long parent_ip)
{
	exact_begin(1, LS_K_PREEMPTOFF_EXACT, ip);
	return 0;
}

SEC("tp_btf/preempt_enable")
int BPF_PROG(preempt_enable, unsigned long ip, unsigned long parent_ip)
{
	exact_end(1, LS_K_PREEMPTOFF_EXACT, ip);
	return 0;
}
