/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * hrtimer expiries (timer:hrtimer_expire_entry/exit), passively, with no
 * timer of our own: lateness = *now - timer->node.expires in the timer's own
 * clock base (never against bpf_ktime_get_ns, which may be another clock),
 * and the callback's run time. Timers with slack may fire before their hard
 * expiry: lateness is then negative and is kept so.
 *
 * Counters here use atomic adds: a soft hrtimer's tracepoint runs with
 * interrupts enabled, so a hard hrtimer's program can interrupt it on the
 * same CPU while both update the LS_K_HRTIMER counters.
 */
#include "common.bpf.h"
#include "core_types.h"
#include <bpf/bpf_core_read.h>

/* Address of hrtimer_wakeup (from kallsyms, set before load; 0 = unknown):
 * for those timers the sleeper's task is read and reported. */
const volatile __u64 ls_hrtimer_wakeup_fn = 0;

static __always_inline int timer_is_soft(struct hrtimer *t)
{
	if (bpf_core_field_exists(t->is_soft))
		return BPF_CORE_READ(t, is_soft) ? 1 : 0;
	return 0;
}

static __always_inline void read_sleeper(struct hrtimer *t, struct ls_open_hrtimer *o)
{
	struct hrtimer_sleeper *sl;
	struct task_struct *task;

	sl = (void *)t - bpf_core_field_offset(struct hrtimer_sleeper, timer);
	task = BPF_CORE_READ(sl, task);
	if (!task)
		return;
	o->woken = BPF_CORE_READ(task, pid);
	BPF_CORE_READ_STR_INTO(&o->comm, task, comm);
}

SEC("tp_btf/hrtimer_expire_entry")
int BPF_PROG(hrtimer_expire_entry, struct hrtimer *t, ktime_t *now)
{
	struct ls_pcpu *pc = ls_pcpu();
	struct ls_open_hrtimer *o;
	ktime_t nowv = 0;
	__u64 fn;
	int soft;

	if (!pc)
		return 0;
	soft = timer_is_soft(t);
	o = &pc->hrtimer[soft];
	__sync_fetch_and_add(&pc->c.events[LS_K_HRTIMER], 1);
	if (o->ts)
		__sync_fetch_and_add(&pc->c.unpaired[LS_K_HRTIMER], 1);
	bpf_probe_read_kernel(&nowv, sizeof(nowv), now);
	fn = (__u64)BPF_CORE_READ(t, function);
	o->flags = ls_open_flags(pc) | (soft ? LS_F_SOFT : 0);
	o->timer = (__u64)t;
	o->key = (__u32)fn;
	o->pid = (__u32)bpf_get_current_pid_tgid();
	o->late = nowv - BPF_CORE_READ(t, node.expires);
	o->soft_late = nowv - BPF_CORE_READ(t, _softexpires);
	o->woken = 0;
	o->comm[0] = '\0';
	if (ls_hrtimer_wakeup_fn && fn == ls_hrtimer_wakeup_fn)
		read_sleeper(t, o);
	o->ts = bpf_ktime_get_ns();
	return 0;
}

static __always_inline void emit_hrtimer(struct ls_pcpu *pc, struct ls_open_hrtimer *o,
					 __u64 now)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct ls_rec_hrtimer *r;
	void *rb = ls_ring(cpu);

	r = rb ? bpf_ringbuf_reserve(rb, sizeof(*r), 0) : NULL;
	if (!r) {
		__sync_fetch_and_add(&pc->c.drops[LS_K_HRTIMER], 1);
		return;
	}
	r->h.ts = o->ts;
	r->h.dur = now - o->ts;
	r->h.key = o->key;
	r->h.pid = o->pid;
	r->h.arg = o->woken;
	r->h.cpu = cpu;
	r->h.kind = LS_K_HRTIMER;
	r->h.flags = o->flags;
	r->late = o->late;
	r->soft_late = o->soft_late;
	__builtin_memcpy(r->comm, o->comm, sizeof(r->comm));
	__sync_fetch_and_add(&pc->c.records[LS_K_HRTIMER], 1);
	ls_submit(rb, r, sizeof(*r));
}

SEC("tp_btf/hrtimer_expire_exit")
int BPF_PROG(hrtimer_expire_exit, struct hrtimer *t)
{
	struct ls_pcpu *pc = ls_pcpu();
	struct ls_open_hrtimer *o;
	__u64 now = bpf_ktime_get_ns();

	if (!pc)
		return 0;
	o = &pc->hrtimer[timer_is_soft(t)];
	__sync_fetch_and_add(&pc->c.events[LS_K_HRTIMER], 1);
	if (!o->ts || o->timer != (__u64)t) {
		__sync_fetch_and_add(&pc->c.unpaired[LS_K_HRTIMER], 1);
		o->ts = 0;
		return 0;
	}
	emit_hrtimer(pc, o, now);
	o->ts = 0;
	return 0;
}
