/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * hrtimer expiries (timer:hrtimer_expire_entry/exit), passively, with no
 * timer of our own: lateness = *now - timer->node.expires in the timer's own
 * clock base (never against bpf_ktime_get_ns, which may be another clock),
 * and the callback's run time. Timers with slack may fire before their hard
 * expiry: lateness is then negative and is kept so.
 *
 * hrtimer_start (every (re)arm, including restarts from a callback) notes
 * when each timer was last armed, so an expiry can say whether its timer
 * was armed only after it was already due (then its lateness is not an
 * interrupt delay; docs/windows.md).
 *
 * A timerfd's timer (function timerfd_tmrproc) does not say whose it is: the
 * task that armed it is noted at hrtimer_start (timerfd_settime, and the
 * re-arm of a periodic timerfd in read(2) or timerfd_gettime, all in that
 * task's context) and reported with its expiry (LS_F_TIMERFD).
 *
 * hrtimer_cancel is counted per CPU and timer function in the kernel, not
 * recorded one by one (docs/design.md, "hrtimer cancels").
 *
 * Counters here use atomic adds: a soft hrtimer's tracepoint runs with
 * interrupts enabled, so a hard hrtimer's program can interrupt it on the
 * same CPU while both update the LS_K_HRTIMER counters.
 */
#include "common.bpf.h"
#include "core_types.h"
#include "stacks.bpf.h"
#include <bpf/bpf_core_read.h>

/* Address of hrtimer_wakeup (from kallsyms, set before load; 0 = unknown):
 * for those timers the sleeper's task is read and reported. */
const volatile __u64 ls_hrtimer_wakeup_fn = 0;
/* Address of timerfd_tmrproc (likewise): those timers report their armer. */
const volatile __u64 ls_timerfd_fn = 0;

/*
 * When each timer was last armed: a direct-mapped table indexed by a hash
 * of the timer's address (no locks, no allocation). Two timers sharing a
 * slot, or two CPUs writing one at once, leave a slot whose timer does not
 * match: the expiry then reports LS_ARMED_UNKNOWN, never a wrong time.
 */
#define LS_ARMED_SLOTS_LOG2 12
struct ls_armed {
	__u64 timer;
	__u64 ts;    /* bpf_ktime_get_ns() at hrtimer_start */
	__u64 check; /* timer ^ ts: detects a torn pair of concurrent writes */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << LS_ARMED_SLOTS_LOG2);
	__type(key, __u32);
	__type(value, struct ls_armed);
} ls_hrtimer_armed SEC(".maps");

/*
 * Who armed each timerfd timer, direct-mapped by the timer's address like
 * ls_hrtimer_armed but written only for timerfd timers: a table of its own,
 * so that the thousands of other timers armed per second (sleepers on
 * stacks, ticks) cannot evict a periodic timerfd's slot between its re-arm
 * and its expiry. A slot whose timer or check does not match (two timerfds
 * sharing it, or a torn pair of concurrent writes) leaves the expiry
 * unattributed: counted, never guessed.
 */
#define LS_TIMERFD_SLOTS_LOG2 10
struct ls_timerfd_armer {
	__u64 timer;
	__u64 check;  /* armer_check() of the other fields */
	__u32 pid;
	__u32 pad;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << LS_TIMERFD_SLOTS_LOG2);
	__type(key, __u32);
	__type(value, struct ls_timerfd_armer);
} ls_timerfd_armers SEC(".maps");

/*
 * hrtimer_cancel counts per timer function (low 32 bits), per CPU; the
 * daemon reads and diffs them (daemon/hrtimer_cancels.c). Functions beyond
 * max_entries are counted in drops[LS_K_HRTIMER_CANCEL].
 */
#define LS_CANCEL_FNS 512
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, LS_CANCEL_FNS);
	__type(key, __u32);
	__type(value, __u64);
} ls_hrtimer_cancels SEC(".maps");

/* The timer's address as a plain number (the verifier allows no
 * arithmetic on the typed pointer itself): read from the program's ctx,
 * where the first tracepoint argument is stored. */
static __always_inline __u64 first_arg(const __u64 *ctx)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), ctx);
	return v;
}

static __always_inline struct ls_armed *armed_slot(__u64 timer)
{
	__u32 slot = (__u32)((timer * 0x9e3779b97f4a7c15ull) >> (64 - LS_ARMED_SLOTS_LOG2));

	return bpf_map_lookup_elem(&ls_hrtimer_armed, &slot);
}

static __always_inline struct ls_timerfd_armer *armer_slot(__u64 timer)
{
	__u32 slot = (__u32)((timer * 0x9e3779b97f4a7c15ull) >> (64 - LS_TIMERFD_SLOTS_LOG2));

	return bpf_map_lookup_elem(&ls_timerfd_armers, &slot);
}

/* Mixes every field, so that a slot whose fields come from two writers
 * does not match (unless both wrote the same values). */
static __always_inline __u64 armer_check(__u64 timer, __u32 pid, const char *comm)
{
	__u64 c[2];

	__builtin_memcpy(c, comm, sizeof(c));
	return timer ^ ((__u64)pid * 0x9e3779b97f4a7c15ull) ^ c[0] ^ (c[1] << 1 | c[1] >> 63);
}

/* A timerfd was (re)armed by the current task: note it. */
static __always_inline void note_armer(__u64 timer)
{
	struct ls_timerfd_armer *a = armer_slot(timer);
	char comm[16];
	__u32 pid;

	if (!a)
		return;
	pid = (__u32)bpf_get_current_pid_tgid();
	bpf_get_current_comm(comm, sizeof(comm));
	a->timer = timer;
	a->pid = pid;
	__builtin_memcpy(a->comm, comm, sizeof(comm));
	a->check = armer_check(timer, pid, comm);
}

SEC("tp_btf/hrtimer_start")
int BPF_PROG(hrtimer_start, struct hrtimer *t)
{
	__u64 timer = first_arg(ctx), now = bpf_ktime_get_ns();
	struct ls_armed *a = armed_slot(timer);
	struct ls_pcpu *pc = ls_pcpu();

	if (pc)
		__sync_fetch_and_add(&pc->c.events[LS_K_HRTIMER], 1);
	if (a) {
		a->timer = timer;
		a->ts = now;
		a->check = timer ^ now;
	}
	if (ls_timerfd_fn && (__u64)BPF_CORE_READ(t, function) == ls_timerfd_fn)
		note_armer(timer);
	return 0;
}

/* Count one cancel of function fn on this CPU. */
static __always_inline void count_cancel(struct ls_pcpu *pc, __u32 fn)
{
	__u64 one = 1, *n = bpf_map_lookup_elem(&ls_hrtimer_cancels, &fn);

	if (!n && !bpf_map_update_elem(&ls_hrtimer_cancels, &fn, &one, BPF_NOEXIST))
		return;
	if (!n) /* inserted meanwhile (here, nested, or on another CPU), or full */
		n = bpf_map_lookup_elem(&ls_hrtimer_cancels, &fn);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		__sync_fetch_and_add(&pc->c.drops[LS_K_HRTIMER_CANCEL], 1);
}

/*
 * Attached only where hrtimer_cancel means a cancel (daemon/tracer_timers.c):
 * then no expiry follows without a new hrtimer_start, so the timer's
 * arming notes are stale and are cleared.
 */
SEC("tp_btf/hrtimer_cancel")
int BPF_PROG(hrtimer_cancel, struct hrtimer *t)
{
	__u64 timer = first_arg(ctx);
	struct ls_pcpu *pc = ls_pcpu();
	struct ls_timerfd_armer *f;
	struct ls_armed *a;

	if (!pc)
		return 0;
	__sync_fetch_and_add(&pc->c.events[LS_K_HRTIMER_CANCEL], 1);
	count_cancel(pc, (__u32)(__u64)BPF_CORE_READ(t, function));
	a = armed_slot(timer);
	if (a && a->timer == timer)
		a->timer = 0;
	f = armer_slot(timer);
	if (f && f->timer == timer)
		f->timer = 0;
	return 0;
}

/* Arming time relative to the hard expiry, in the timer's clock (see
 * record.h): its base's now - expiry (late) minus how long ago it was
 * armed, measured on the monotonic clock. */
static __always_inline __s64 armed_rel(__u64 timer, __s64 late, __u64 mono_now)
{
	struct ls_armed *a = armed_slot(timer);
	__u64 t, ts;

	if (!a)
		return LS_ARMED_UNKNOWN;
	t = a->timer;
	ts = a->ts;
	if (t != timer || a->check != (t ^ ts) || ts > mono_now)
		return LS_ARMED_UNKNOWN;
	return late - (__s64)(mono_now - ts);
}

/* ls_rec_hrtimer.now_lag: the base's now is its clock, which is
 * CLOCK_MONOTONIC plus the base's offset (0 for the monotonic base). */
static __always_inline __s32 now_lag(struct hrtimer *t, ktime_t nowv, __u64 entry)
{
	__s64 lag = (__s64)entry - (nowv - BPF_CORE_READ(t, base, offset));

	return lag > 0x7fffffff || lag < -0x7fffffff ? LS_LAG_UNKNOWN : (__s32)lag;
}

/* The task that armed this timerfd timer, from its slot; counted as
 * unattributed when the slot holds another timer or a torn write. */
static __always_inline void read_armer(struct ls_pcpu *pc, __u64 timer,
				       struct ls_open_hrtimer *o)
{
	struct ls_timerfd_armer *a = armer_slot(timer);
	char comm[16];
	__u32 pid;

	__sync_fetch_and_add(&pc->c.events[LS_K_HRTIMER_TIMERFD], 1);
	if (!a || a->timer != timer) {
		__sync_fetch_and_add(&pc->c.unpaired[LS_K_HRTIMER_TIMERFD], 1);
		return;
	}
	pid = a->pid;
	__builtin_memcpy(comm, a->comm, sizeof(comm));
	if (a->check != armer_check(timer, pid, comm) || !pid) {
		__sync_fetch_and_add(&pc->c.unpaired[LS_K_HRTIMER_TIMERFD], 1);
		return;
	}
	o->armer = pid;
	__builtin_memcpy(o->comm, comm, sizeof(comm));
	o->flags |= LS_F_TIMERFD;
}

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
	o->armer = 0;
	o->comm[0] = '\0';
	if (ls_hrtimer_wakeup_fn && fn == ls_hrtimer_wakeup_fn)
		read_sleeper(t, o);
	else if (ls_timerfd_fn && fn == ls_timerfd_fn)
		read_armer(pc, first_arg(ctx), o);
	o->ts = bpf_ktime_get_ns();
	o->armed = armed_rel(first_arg(ctx), o->late, o->ts);
	o->now_lag = now_lag(t, nowv, o->ts);
	/* a soft timer runs with interrupts on: no irq-off window to explain */
	o->stack = soft ? LS_STACK_NONE
			: ls_take_stack(ctx, o->late - (o->armed > 0 ? o->armed : 0), o->pid);
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
	r->h.arg = o->armer ? o->armer : o->woken;
	r->h.cpu = cpu;
	r->h.kind = LS_K_HRTIMER;
	r->h.flags = o->flags;
	r->late = o->late;
	r->soft_late = o->soft_late;
	r->armed = o->armed;
	r->now_lag = o->now_lag;
	r->stack = o->stack;
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
