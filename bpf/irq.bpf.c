/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Hardirq and softirq spans: irq:irq_handler_entry/exit,
 * irq:softirq_entry/exit, and softirq_raise for the raise->entry delay.
 */
#include "common.bpf.h"

SEC("tp_btf/irq_handler_entry")
int BPF_PROG(irq_handler_entry, int irq, void *action)
{
	struct ls_pcpu *pc = ls_pcpu();

	if (pc)
		ls_span_begin(pc, &pc->hardirq, LS_K_HARDIRQ, irq, 0);
	return 0;
}

SEC("tp_btf/irq_handler_exit")
int BPF_PROG(irq_handler_exit, int irq, void *action, int ret)
{
	struct ls_pcpu *pc = ls_pcpu();

	if (pc)
		ls_span_end(pc, &pc->hardirq, LS_K_HARDIRQ, irq);
	return 0;
}

/*
 * Softirqs are raised and run on the same CPU. Remember the first raise of
 * each vector until it runs; later raises before the run coalesce into it.
 */
SEC("tp_btf/softirq_raise")
int BPF_PROG(softirq_raise, unsigned int vec)
{
	struct ls_pcpu *pc = ls_pcpu();

	if (!pc)
		return 0;
	pc->c.events[LS_K_SOFTIRQ_RAISE]++;
	if (vec < LS_NR_SOFTIRQS && !pc->raise_ts[vec])
		pc->raise_ts[vec] = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(softirq_entry, unsigned int vec)
{
	struct ls_pcpu *pc = ls_pcpu();
	__u32 delay = LS_ARG_NONE;
	__u64 raised, now;

	if (!pc)
		return 0;
	if (vec < LS_NR_SOFTIRQS) {
		raised = pc->raise_ts[vec];
		if (raised) {
			pc->raise_ts[vec] = 0;
			now = bpf_ktime_get_ns();
			delay = now - raised >= LS_ARG_SAT ? LS_ARG_SAT
							   : (__u32)(now - raised);
		}
	}
	ls_span_begin(pc, &pc->softirq, LS_K_SOFTIRQ, vec, delay);
	return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(softirq_exit, unsigned int vec)
{
	struct ls_pcpu *pc = ls_pcpu();

	if (pc)
		ls_span_end(pc, &pc->softirq, LS_K_SOFTIRQ, vec);
	return 0;
}
