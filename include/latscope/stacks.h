/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the BPF programs and the daemon agree on about the kernel stacks of
 * inferred irq-off windows (docs/windows.md, "Stacks"): the depth of the
 * stack map's entries and the per-CPU counters of bpf_get_stackid's
 * outcomes.
 */
#ifndef LATSCOPE_STACKS_H
#define LATSCOPE_STACKS_H

#include <linux/types.h>

/* Frames a stack map entry holds: the BPF glue above the tracepoint takes
 * 2-3 and the interrupt path about 5; the rest is the interrupted context
 * (the daemon keeps 16 past the glue). Fewer frames did not make the call
 * cheaper here (docs/windows.md, "Stacks"). */
#define LS_STACK_DEPTH 20

/* Per CPU (BPF_MAP_TYPE_PERCPU_ARRAY ls_stack_stats, one slot). */
struct ls_stack_counters {
	__u64 taken;     /* bpf_get_stackid gave an id */
	__u64 collision; /* -EEXIST: the bucket held another stack */
	__u64 fault;     /* -EFAULT: the unwinder found no stack */
	__u64 other;     /* any other error */
	__u64 ns;        /* time spent in the calls, all outcomes */
	__u64 max_ns;    /* the longest call */
};

#endif
