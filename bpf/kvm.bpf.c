/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * KVM exit cost, paired per vCPU thread in the kernel:
 *   exit cost  = kvm_exit  -> next kvm_entry on the same thread (h.dur)
 *   guest time = kvm_entry -> next kvm_exit on the same thread (guest_ns)
 * and the part of the exit cost the thread spent switched out (sched_switch),
 * because a HLT exit that blocks is waiting, not cost.
 *
 * A vCPU thread's exit, entry and switch-out all run on the CPU the thread
 * is on, and its switch-in runs before it can run anywhere, so one thread's
 * state is never written concurrently: plain stores. The globals and the
 * LS_K_KVM_EXIT counters are shared by every CPU and by kvm_inject (which
 * runs preemptible), so they use atomic adds.
 *
 * The daemon loads these programs in a second instance of the object that
 * reuses this instance's maps (daemon/tracer_kvm.c), when and if KVM is
 * present; with KVM absent none of them costs anything. Switch-outs during
 * an exit are timed by sched.bpf.c's sched_switch program (one program per
 * switch for both families); kvm_switch here is attached only when that one
 * is not (the wakeup family off).
 */
#include "common.bpf.h"
#include "core_types.h"
#include "kvm_types.h"
#define LS_KVM_DEFINE_THREADS
#include "kvm_threads.bpf.h"
#include "latscope/kvm_inject.h"
#include <bpf/bpf_core_read.h>

#define EINVAL 22

/* Puts the record type into the object's BTF for tests/unit/test_kvm.c
 * (kvm_inject's context type is there as its argument). */
const struct ls_rec_kvm *ls_btf_rec_kvm __attribute__((unused));

/* One kvm_exit or kvm_entry with everything the handlers need explicit. */
struct kvm_ev {
	__u64 ts;
	__u32 cpu;
	__u32 tid;
	__u32 tgid;
	__u32 reason;
	__u32 vcpu_id;
	__u32 isa;
};

#define KVM_COUNT(pc, what) __sync_fetch_and_add(&(pc)->c.what[LS_K_KVM_EXIT], 1)

/*
 * The state of thread e->tid, created when first seen. comm: the VMM's
 * comm, or NULL to read it from the current task's group leader (only on
 * creation: a VMM names itself before it creates vCPU threads).
 */
static __always_inline struct ls_kvm_thread *thread_get(const struct kvm_ev *e,
							const char *comm)
{
	struct ls_kvm_thread *s = bpf_map_lookup_elem(&ls_kvm_threads, &e->tid);
	struct ls_kvm_thread init = {};
	long err;

	if (s)
		return s;
	init.tgid = e->tgid;
	if (comm) {
		__builtin_memcpy(init.comm, comm, sizeof(init.comm));
	} else {
		struct task_struct *task = (void *)bpf_get_current_task();

		BPF_CORE_READ_STR_INTO(&init.comm, task, group_leader, comm);
	}
	err = bpf_map_update_elem(&ls_kvm_threads, &e->tid, &init, BPF_NOEXIST);
	if (!err)
		__sync_fetch_and_add(&ls_kvm_nthreads, 1);
	else if (err != -17 /* EEXIST: created meanwhile */) {
		__sync_fetch_and_add(&ls_kvm_untracked, 1);
		return NULL;
	}
	return bpf_map_lookup_elem(&ls_kvm_threads, &e->tid);
}

static __always_inline void kvm_emit(struct ls_pcpu *pc, const struct ls_kvm_thread *s,
				     __u32 tid, __u64 now)
{
	__u64 dur = now - s->exit_ts, off = s->off_ns;
	struct ls_rec_kvm *r;
	void *rb;

	if (s->off_ts && now > s->off_ts) /* switch-in not seen (injected input) */
		off += now - s->off_ts;
	rb = ls_ring(bpf_get_smp_processor_id());
	r = rb ? bpf_ringbuf_reserve(rb, sizeof(*r), 0) : NULL;
	if (!r) {
		KVM_COUNT(pc, drops);
		return;
	}
	r->h.ts = s->exit_ts;
	r->h.dur = dur;
	r->h.key = s->reason;
	r->h.pid = tid;
	r->h.arg = s->vcpu_id;
	r->h.cpu = s->cpu;
	r->h.kind = LS_K_KVM_EXIT;
	r->h.flags = 0;
	r->guest_ns = s->guest_ns;
	r->off_cpu_ns = off < dur ? off : dur;
	r->tgid = s->tgid;
	r->isa = s->isa;
	r->kflags = 0;
	r->pad[0] = 0;
	r->pad[1] = 0;
	__builtin_memcpy(r->comm, s->comm, sizeof(r->comm));
	KVM_COUNT(pc, records);
	ls_submit(rb, r, sizeof(*r));
}

/* kvm_exit: open an exit; the guest run since the last entry ends here. */
static __always_inline void kvm_handle_exit(const struct kvm_ev *e, const char *comm)
{
	struct ls_pcpu *pc = ls_pcpu();
	struct ls_kvm_thread *s;

	if (!pc)
		return;
	KVM_COUNT(pc, events);
	s = thread_get(e, comm);
	if (!s)
		return;
	if (s->exit_ts) /* the previous exit never saw its entry */
		KVM_COUNT(pc, unpaired);
	else
		__sync_fetch_and_add(&ls_kvm_open_exits, 1);
	s->guest_ns = s->entry_ts && e->ts > s->entry_ts ? e->ts - s->entry_ts : 0;
	s->entry_ts = 0;
	s->off_ts = 0;
	s->off_ns = 0;
	s->reason = e->reason;
	s->vcpu_id = e->vcpu_id;
	s->isa = e->isa;
	s->cpu = e->cpu;
	s->exit_ts = e->ts;
}

/* kvm_entry: close the open exit (one record) and start a guest run. */
static __always_inline void kvm_handle_entry(const struct kvm_ev *e, const char *comm)
{
	struct ls_pcpu *pc = ls_pcpu();
	struct ls_kvm_thread *s;

	if (!pc)
		return;
	KVM_COUNT(pc, events);
	s = thread_get(e, comm);
	if (!s)
		return;
	if (!s->exit_ts) {
		/* first event of this thread since we attached, or its exit lost */
		KVM_COUNT(pc, unpaired);
	} else {
		if (s->vcpu_id == e->vcpu_id && e->ts >= s->exit_ts)
			kvm_emit(pc, s, e->tid, e->ts);
		else
			KVM_COUNT(pc, unpaired);
		s->exit_ts = 0;
		__sync_fetch_and_add(&ls_kvm_open_exits, -1);
	}
	s->off_ts = 0;
	s->entry_ts = e->ts;
}

/* A thread exits: forget it (an exit still open never gets its entry). */
static __always_inline void kvm_handle_task_exit(__u32 tid)
{
	struct ls_pcpu *pc = ls_pcpu();
	struct ls_kvm_thread *s = bpf_map_lookup_elem(&ls_kvm_threads, &tid);

	if (!s || !pc)
		return;
	if (s->exit_ts) {
		KVM_COUNT(pc, unpaired);
		__sync_fetch_and_add(&ls_kvm_open_exits, -1);
	}
	if (!bpf_map_delete_elem(&ls_kvm_threads, &tid))
		__sync_fetch_and_add(&ls_kvm_nthreads, -1);
}

static __always_inline void kvm_live_ev(struct kvm_ev *e)
{
	__u64 id = bpf_get_current_pid_tgid();

	e->ts = bpf_ktime_get_ns();
	e->cpu = bpf_get_smp_processor_id();
	e->tid = (__u32)id;
	e->tgid = id >> 32;
}

/* Kernels >= 5.16 (and those whose record has vcpu_id): the record. */
SEC("tp/kvm/kvm_exit")
int kvm_exit_tp(struct trace_event_raw_kvm_exit *ctx)
{
	struct kvm_ev e = {};

	kvm_live_ev(&e);
	e.reason = ctx->exit_reason;
	e.vcpu_id = ctx->vcpu_id;
	e.isa = bpf_core_field_exists(ctx->isa) ? ctx->isa : LS_KVM_ISA_UNKNOWN;
	kvm_handle_exit(&e, NULL);
	return 0;
}

/* Older kernels whose record lacks vcpu_id pass the reason as an argument. */
SEC("raw_tp/kvm_exit")
int BPF_PROG(kvm_exit_raw, unsigned int exit_reason, struct kvm_vcpu *vcpu, __u32 isa)
{
	struct kvm_ev e = {};

	kvm_live_ev(&e);
	e.reason = exit_reason;
	e.vcpu_id = BPF_CORE_READ(vcpu, vcpu_id);
	e.isa = isa;
	kvm_handle_exit(&e, NULL);
	return 0;
}

SEC("tp/kvm/kvm_entry")
int kvm_entry(struct trace_event_raw_kvm_entry *ctx)
{
	struct kvm_ev e = {};

	kvm_live_ev(&e);
	e.vcpu_id = ctx->vcpu_id;
	kvm_handle_entry(&e, NULL);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(kvm_switch, __u8 preempt, struct task_struct *prev, struct task_struct *next)
{
	/* The only work every switch pays while no exit is open. */
	if (!ls_kvm_open_exits)
		return 0;
	kvm_handle_switch(bpf_ktime_get_ns(), prev->pid, next->pid);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(kvm_task_exit, struct task_struct *p)
{
	if (!ls_kvm_nthreads)
		return 0;
	kvm_handle_task_exit(p->pid);
	return 0;
}

static __always_inline int synthetic(__u32 id)
{
	return id >= LS_KVM_INJECT_MIN_ID;
}

/*
 * Test entry point (include/latscope/kvm_inject.h): one event with explicit
 * values through the same handlers. Run only by BPF_PROG_TEST_RUN; refuses
 * ids a real task can have, so it cannot disturb real vCPU threads.
 */
SEC("syscall")
int kvm_inject(struct ls_kvm_inject *ctx)
{
	struct kvm_ev e = {
		.ts = ctx->ts, .cpu = ctx->cpu, .tid = ctx->tid, .tgid = ctx->tgid,
		.reason = ctx->reason, .vcpu_id = ctx->vcpu_id, .isa = ctx->isa,
	};
	char comm[16];

	__builtin_memcpy(comm, ctx->comm, sizeof(comm));
	if (!e.ts || !synthetic(e.tid) || e.cpu > 0xffff || e.isa > LS_KVM_ISA_SVM)
		return -EINVAL;
	switch (ctx->type) {
	case LS_KVM_INJ_EXIT:
	case LS_KVM_INJ_ENTRY:
		if (!synthetic(e.tgid))
			return -EINVAL;
		if (ctx->type == LS_KVM_INJ_EXIT)
			kvm_handle_exit(&e, comm);
		else
			kvm_handle_entry(&e, comm);
		return 0;
	case LS_KVM_INJ_SWITCH:
		if (!synthetic(ctx->next_tid))
			return -EINVAL;
		if (ls_kvm_open_exits) /* as kvm_switch */
			kvm_handle_switch(e.ts, e.tid, ctx->next_tid);
		return 0;
	case LS_KVM_INJ_TASK_EXIT:
		if (ls_kvm_nthreads)
			kvm_handle_task_exit(e.tid);
		return 0;
	}
	return -EINVAL;
}
