/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Wakeup latency: sched_waking (or sched_wakeup_new) of a task -> the
 * sched_switch that puts it on a CPU. One struct ls_rec_wakeup per measured
 * wakeup, written to the ring in batches; everything else is counted in
 * struct ls_wakeup_stats (docs/design.md, "Wakeup latency", explains the
 * choices).
 *
 * Two programs per wakeup, because sched_switch is the hottest tracepoint
 * on a busy host and running any program there costs ~70 ns on this kind
 * of machine: sched_waking notes everything, sched_switch completes it.
 * sched_wakeup is not traced: the CPU the wakeup picks is the task's CPU at
 * sched_waking unless sched_migrate_task moves it before it is enqueued
 * (that tracepoint fires only when the CPU changes).
 *
 * Pending wakeups live in task local storage, not in a pid-keyed hash: the
 * entry belongs to the task itself, so pid reuse cannot pair the wrong task,
 * an exiting task takes its entry with it, and the memory is bounded by the
 * number of live tasks. sched_switch pays one storage lookup (and one store
 * of the incoming task pointer) when nothing is pending for it.
 *
 * "Was it waiting or running?" is decided with the kernel's own counts of
 * the task's switch-outs, taken at sched_waking: a task preempted since
 * (nivcsw) was runnable, i.e. running when woken, and nothing is measured;
 * one voluntary switch-out (nvcsw) is the wakeup racing with the task
 * finishing going to sleep, measured from sched_waking.
 */
#include "common.bpf.h"
#include "core_types.h"
#include "kvm_threads.bpf.h"
#include "latscope/wakeup_stats.h"
#include <bpf/bpf_core_read.h>

/* latscoped --wakeup-emit all: every measured wakeup above the floor is
 * emitted (in batches); otherwise only those at or above the CPU's bar. */
const volatile __u8 ls_wakeup_emit_all = 0;
/* latscoped --wakeup-floor-ns: shorter wakeups are never emitted, not even
 * RT/DL ones that should have preempted (the bar is never below it). */
const volatile __u64 ls_wakeup_floor_ns = 0;

struct ls_wakeup_pending {
	__u64 ts;          /* sched_waking; 0 = nothing pending */
	__u64 expiry;      /* LS_WF_TIMER: hard expiry, CLOCK_MONOTONIC */
	__u32 nvcsw;       /* the task's switch-out counts at sched_waking */
	__u32 nivcsw;
	__u32 culprit;     /* running on the target CPU when woken */
	__u16 waker_cpu;
	__u16 target_cpu;  /* the CPU the wakeup picked */
	__u8 cls;          /* enum ls_sched_class */
	__u8 prio;
	__u8 culprit_prio;
	__u8 flags;        /* LS_F_* open on the waking CPU */
	__u32 wflags;      /* LS_WF_* */
	char culprit_comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ls_wakeup_pending);
} ls_wakeups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ls_wakeup_pcpu);
} ls_wakeup_pcpu SEC(".maps");

/*
 * The task on each CPU as of its last sched_switch, for naming the culprit
 * on a remote target CPU: the kernel's runqueues are not reachable here
 * (their per-CPU symbol is only in kallsyms with CONFIG_KALLSYMS_ALL).
 * Sized to the CPU count by the daemon. Holds a pointer only (one store per
 * switch); it is read through bpf_rdonly_cast, i.e. with fault-safe loads.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ls_cpu_curr SEC(".maps");

/*
 * Per CPU, the shortest wakeup that is emitted as a record; shorter ones
 * are counted in ls_wakeup_hist. The daemon keeps it at what its views
 * need: the floor (latscoped --wakeup-floor-ns), raised to the shortest
 * of the CPU's worst wakeups once that list is full; 0 where an alert rule
 * watches wakeups (it needs every value). RT/DL wakeups that should have
 * preempted the running task are emitted from the floor up: they are
 * inferred preempt-off windows. Sized to the CPU count by the daemon.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ls_wakeup_bar SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LS_WAKEUP_HIST_KEYS);
	__type(key, __u32);
	__type(value, struct ls_wakeup_hist);
} ls_wakeup_hist SEC(".maps");

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

static __always_inline struct ls_wakeup_pcpu *wpcpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ls_wakeup_pcpu, &zero);
}

static __always_inline __u32 task_cpu(struct task_struct *p)
{
	struct task_struct___cpu *old = (void *)p;

	if (bpf_core_field_exists(p->thread_info.cpu))
		return p->thread_info.cpu;
	return old->cpu;
}

/* Kernel prio -> record: deadline tasks have prio -1, stored as 255. */
static __always_inline void set_class(struct ls_wakeup_pending *w, struct task_struct *p)
{
	int prio = p->prio;

	w->prio = (__u8)prio;
	w->cls = prio < 0 ? LS_SCHED_DL : prio < 100 ? LS_SCHED_RT : LS_SCHED_NORMAL;
}

/*
 * The CPU the wakeup goes to, and who runs there now (the culprit of any
 * delay). An RT/DL task woken onto a CPU running a lower-priority task (not
 * the idle task) should preempt it at once.
 */
static __always_inline void set_target(struct ls_wakeup_pending *w, struct task_struct *p,
				       __u32 cpu)
{
	struct task_struct *curr = NULL;
	__u64 *slot;
	int cprio;

	w->target_cpu = cpu;
	w->wflags &= ~LS_WF_PREEMPT;
	if (cpu == bpf_get_smp_processor_id()) {
		curr = bpf_get_current_task_btf();
	} else {
		slot = bpf_map_lookup_elem(&ls_cpu_curr, &cpu);
		if (slot && *slot)
			curr = bpf_rdonly_cast((void *)*slot,
					       bpf_core_type_id_kernel(struct task_struct));
	}
	if (!curr) {
		w->culprit = 0;
		w->culprit_prio = 0;
		w->culprit_comm[0] = '\0';
		return;
	}
	w->culprit = curr->pid;
	cprio = curr->prio;
	w->culprit_prio = (__u8)cprio;
	__builtin_memcpy(w->culprit_comm, curr->comm, sizeof(w->culprit_comm));
	if (w->cls != LS_SCHED_NORMAL && w->culprit && cprio > p->prio)
		w->wflags |= LS_WF_PREEMPT;
}

/* Hard expiry of the hrtimer_wakeup timer now running on this CPU for
 * task pid, in CLOCK_MONOTONIC; 0 when not woken by one. The hard slot
 * first: a hard timer can interrupt a soft one's callback. */
static __always_inline __u64 timer_expiry(struct ls_pcpu *pc, __u32 pid)
{
	struct hrtimer *t;
	__u64 expires;
	__s64 offset;
	int i;

	for (i = 0; i < 2; i++) {
		if (!pc->hrtimer[i].ts || pc->hrtimer[i].woken != pid)
			continue;
		t = (void *)pc->hrtimer[i].timer;
		expires = BPF_CORE_READ(t, node.expires);
		offset = BPF_CORE_READ(t, base, offset);
		return expires - offset;
	}
	return 0;
}

/* Everything a wakeup notes when it starts (w->expiry already set); the
 * clock last, so the program's own work is not part of the latency. */
static __always_inline void start_wakeup(struct ls_pcpu *pc, struct ls_wakeup_pending *w,
					 struct task_struct *p, __u32 wflags)
{
	w->wflags = wflags;
	w->waker_cpu = bpf_get_smp_processor_id();
	w->nvcsw = p->nvcsw;
	w->nivcsw = p->nivcsw;
	w->flags = ls_open_flags(pc);
	set_class(w, p);
	set_target(w, p, task_cpu(p));
	w->ts = bpf_ktime_get_ns();
}

SEC("tp_btf/sched_waking")
int BPF_PROG(sched_waking, struct task_struct *p)
{
	struct ls_pcpu *pc = ls_pcpu();
	struct ls_wakeup_pcpu *wp;
	struct ls_wakeup_pending *w;

	if (!pc)
		return 0;
	pc->c.events[LS_K_WAKEUP]++;
	w = bpf_task_storage_get(&ls_wakeups, p, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!w) {
		pc->c.unpaired[LS_K_WAKEUP]++;
		if ((wp = wpcpu()))
			wp->st.untracked++;
		return 0;
	}
	if (w->ts && (wp = wpcpu()))
		wp->st.superseded++;
	w->expiry = timer_expiry(pc, p->pid);
	start_wakeup(pc, w, p, w->expiry ? LS_WF_TIMER : 0);
	return 0;
}

/*
 * The CPU changes: while the wakeup is choosing it (the task is not
 * enqueued yet), that is the wakeup's target. A queued task moved later
 * (load balancing) keeps the target it was woken onto: the switch-in
 * elsewhere then shows as LS_WF_MIGRATED.
 */
SEC("tp_btf/sched_migrate_task")
int BPF_PROG(sched_migrate_task, struct task_struct *p, int dest_cpu)
{
	struct ls_wakeup_pending *w;

	if (p->on_rq)
		return 0;
	w = bpf_task_storage_get(&ls_wakeups, p, NULL, 0);
	if (w && w->ts)
		set_target(w, p, dest_cpu);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new, struct task_struct *p)
{
	struct ls_pcpu *pc = ls_pcpu();
	struct ls_wakeup_pcpu *wp = wpcpu();
	struct ls_wakeup_pending *w;

	if (!pc || !wp)
		return 0;
	pc->c.events[LS_K_WAKEUP]++;
	w = bpf_task_storage_get(&ls_wakeups, p, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!w) {
		wp->st.untracked_new++;
		pc->c.unpaired[LS_K_WAKEUP]++;
		return 0;
	}
	w->expiry = 0;
	start_wakeup(pc, w, p, LS_WF_NEW);
	return 0;
}

static __always_inline void hist_add(struct ls_wakeup_hist *h, __u64 v)
{
	__u32 b = ls_wakeup_hist_bucket(v);

	if (b < LS_WAKEUP_HIST_BUCKETS)
		h->b[b]++;
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

/* A measured wakeup below the bar: counted, not emitted (with its expiry
 * -> switch-in latency when its hrtimer woke it). 0 when it must be
 * emitted instead: beyond the histograms. */
static __always_inline int count_wakeup(struct ls_wakeup_pcpu *wp, struct ls_wakeup_pending *w,
					__u64 d, __u64 now)
{
	__u32 cls = w->cls < LS_SCHED_MAX ? w->cls : LS_SCHED_NORMAL, tcls = LS_SCHED_MAX + cls;
	struct ls_wakeup_hist *h, *th = NULL;
	__s64 since = 0;

	if (d >= LS_WAKEUP_HIST_LIMIT)
		return 0;
	if (w->wflags & LS_WF_TIMER) {
		since = (__s64)(now - w->expiry);
		if (since >= (__s64)LS_WAKEUP_HIST_LIMIT ||
		    !(th = bpf_map_lookup_elem(&ls_wakeup_hist, &tcls)))
			return 0;
	}
	h = bpf_map_lookup_elem(&ls_wakeup_hist, &cls);
	if (!h)
		return 0;
	hist_add(h, d);
	if (th && since >= 0)
		hist_add(th, since);
	else if (th)
		wp->st.timer_early++;
	return 1;
}

/* The staged records as one ring sample; counted as submitted or dropped. */
static __always_inline void flush_staged(struct ls_wakeup_pcpu *wp)
{
	__u32 n = wp->nstaged, size;
	struct ls_pcpu *pc = ls_pcpu();
	void *rb;
	long err = -1;

	wp->nstaged = 0;
	if (!pc || !n)
		return;
	if (n > LS_WAKEUP_BATCH)
		n = LS_WAKEUP_BATCH;
	size = n * sizeof(struct ls_rec_wakeup);
	rb = ls_ring(bpf_get_smp_processor_id());
	if (rb) /* query before the write: count this sample in the crossing */
		err = bpf_ringbuf_output(rb, wp->staged, size,
					 ls_submit_flags(bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA) +
							 size + 8, size));
	if (err)
		pc->c.drops[LS_K_WAKEUP] += n;
	else
		pc->c.records[LS_K_WAKEUP] += n;
}

static __always_inline void stage_wakeup(struct ls_wakeup_pcpu *wp, struct ls_wakeup_pending *w,
					 struct task_struct *next, __u64 ts, __u64 now)
{
	__u32 cpu = bpf_get_smp_processor_id(), i = wp->nstaged;
	struct ls_rec_wakeup *r;

	if (i >= LS_WAKEUP_BATCH) {
		flush_staged(wp);
		i = 0;
	}
	if (!i)
		wp->staged_since = now;
	r = &wp->staged[i];
	r->h.ts = ts;
	r->h.dur = now - ts;
	r->h.key = w->cls;
	r->h.pid = w->culprit;
	r->h.arg = next->pid;
	r->h.cpu = cpu;
	r->h.kind = LS_K_WAKEUP;
	r->h.flags = w->flags;
	r->since_expiry = w->expiry ? (__s64)(now - w->expiry) : 0;
	r->waker_cpu = w->waker_cpu;
	r->prio = w->prio;
	r->culprit_prio = w->culprit_prio;
	r->wflags = w->wflags;
	if (w->target_cpu != cpu)
		r->wflags |= LS_WF_MIGRATED;
	__builtin_memcpy(r->comm, next->comm, sizeof(r->comm));
	__builtin_memcpy(r->culprit_comm, w->culprit_comm, sizeof(r->culprit_comm));
	wp->nstaged = i + 1;
	/* RT/DL wakeups go out at once: they are the ones latency hunters
	 * watch live, they feed the inferred preempt-off windows, and they
	 * are rare enough not to matter for the cost */
	if (!ls_wakeup_emit_all || i + 1 == LS_WAKEUP_BATCH ||
	    now - wp->staged_since > LS_WAKEUP_STAGE_NS || w->cls != LS_SCHED_NORMAL)
		flush_staged(wp);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, _Bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct ls_wakeup_pending *w = bpf_task_storage_get(&ls_wakeups, next, NULL, 0);
	__u32 cpu = bpf_get_smp_processor_id(), nv, niv;
	struct ls_wakeup_pcpu *wp;
	__u64 *slot, *bar, ts, now = 0;

	slot = bpf_map_lookup_elem(&ls_cpu_curr, &cpu);
	if (slot)
		*slot = (__u64)next;
	if (ls_kvm_open_exits) {
		now = bpf_ktime_get_ns();
		kvm_handle_switch(now, prev->pid, next->pid);
	}
	if (!w || !w->ts) {
		/* going idle: nothing else will flush this CPU's batch soon */
		if (!next->pid && (wp = wpcpu()) && wp->nstaged)
			flush_staged(wp);
		return 0;
	}
	if (!now)
		now = bpf_ktime_get_ns();
	ts = w->ts;
	w->ts = 0;
	wp = wpcpu();
	if (!wp)
		return 0;
	nv = (__u32)next->nvcsw - w->nvcsw;
	niv = (__u32)next->nivcsw - w->nivcsw;
	if (niv || nv > 1) {
		wp->st.ran++;
		return 0;
	}
	if (nv)
		wp->st.raced++;
	bar = bpf_map_lookup_elem(&ls_wakeup_bar, &cpu);
	if (bar && now - ts < *bar &&
	    (!(w->wflags & LS_WF_PREEMPT) || now - ts < ls_wakeup_floor_ns) &&
	    count_wakeup(wp, w, now - ts, now))
		return 0;
	stage_wakeup(wp, w, next, ts, now);
	return 0;
}
