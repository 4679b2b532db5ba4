/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Kernel stacks for inferred irq-off windows (docs/windows.md, "Stacks"):
 * a handler that runs at least ls_stack_threshold_ns late on a non-idle
 * CPU takes the stack at its entry with bpf_get_stackid. From a tracepoint
 * in a hardirq handler the unwinder walks the interrupt path and, across
 * the interrupt stack, the context it interrupted: where interrupts had
 * just been enabled again.
 *
 * No BPF_F_REUSE_STACKID: an entry is never overwritten while it is in the
 * map, so an id always names the stack that was taken with it; a different
 * stack in the same bucket fails with -EEXIST (counted). The daemon deletes
 * entries it is done with (daemon/stacks.c).
 */
#ifndef LATSCOPE_STACKS_BPF_H
#define LATSCOPE_STACKS_BPF_H

#include "common.bpf.h"
#include "latscope/stacks.h"

#define LS_STACKS_TEMPLATE_ENTRIES 1024 /* replaced before load */

#define LS_STACKS_MAP_DEF                                                \
	struct {                                                         \
		__uint(type, BPF_MAP_TYPE_STACK_TRACE);                  \
		__uint(max_entries, LS_STACKS_TEMPLATE_ENTRIES);         \
		__uint(key_size, sizeof(__u32));                         \
		__uint(value_size, LS_STACK_DEPTH * sizeof(__u64));      \
	}

#define LS_STACK_STATS_MAP_DEF                                           \
	struct {                                                         \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                 \
		__uint(max_entries, 1);                                  \
		__type(key, __u32);                                      \
		__type(value, struct ls_stack_counters);                 \
	}

LS_MAP_STORAGE LS_STACKS_MAP_DEF ls_stacks SEC(".maps");
LS_MAP_STORAGE LS_STACK_STATS_MAP_DEF ls_stack_stats SEC(".maps");

/* Set by the daemon before load; 0 = no stacks. */
extern const volatile __u64 ls_stack_threshold_ns;

/* ls_rec_*.stack for a handler entered delay_ns late, interrupting pid. */
static __always_inline __s32 ls_take_stack(void *ctx, __s64 delay_ns, __u32 pid)
{
	struct ls_stack_counters *c;
	__u64 t0, d;
	__u32 zero = 0;
	long id;

	if (!ls_stack_threshold_ns || !pid || delay_ns < (__s64)ls_stack_threshold_ns)
		return LS_STACK_NONE;
	/* what the call costs is spent inside the handler: measured, so that
	 * status can say what taking stacks adds to the windows */
	t0 = bpf_ktime_get_ns();
	id = bpf_get_stackid(ctx, &ls_stacks, 0);
	d = bpf_ktime_get_ns() - t0;
	c = bpf_map_lookup_elem(&ls_stack_stats, &zero);
	if (c) {
		__sync_fetch_and_add(&c->ns, d);
		if (d > c->max_ns) /* racy only against a nested call: a max */
			c->max_ns = d;
		if (id >= 0)
			__sync_fetch_and_add(&c->taken, 1);
		else if (id == -17) /* EEXIST */
			__sync_fetch_and_add(&c->collision, 1);
		else if (id == -14) /* EFAULT */
			__sync_fetch_and_add(&c->fault, 1);
		else
			__sync_fetch_and_add(&c->other, 1);
	}
	return id >= 0 ? (__s32)id + 1 : (__s32)id;
}

#endif /* LATSCOPE_STACKS_BPF_H */
