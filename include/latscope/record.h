/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one record format of latscope.
 *
 * Shared verbatim by the BPF programs (bpf/), the daemon (daemon/), the
 * aggregation library (lib/) and the offline tools. Plain __u* types only, so
 * the same bytes mean the same thing on both sides of the ring buffer and in
 * a saved capture file.
 *
 * A record describes one completed interval on one CPU: when it started, how
 * long it lasted, what it was (kind + key) and whom it interrupted (pid).
 * New event families add a new LS_K_* kind (and, if they need more payload,
 * a larger record that starts with struct ls_rec); existing kinds never change
 * meaning.
 */
#ifndef LATSCOPE_RECORD_H
#define LATSCOPE_RECORD_H

#include <linux/types.h>

#define LS_RECORD_VERSION 4 /* 2: ls_rec_hrtimer.armed; 3: LS_K_HRTIMER_CANCEL
			     * records, LS_F_TIMERFD; 4: ls_rec_hrtimer.now_lag,
			     * .stack, ls_rec_ipi.stack */

/*
 * Record kinds. Also used as the "class" axis of the aggregator: a record of
 * kind K feeds class K, and some kinds feed extra derived classes (a softirq
 * record also feeds LS_K_SOFTIRQ_RAISE with its raise->entry delay).
 * Values are part of the capture-file format: append only.
 */
enum ls_kind {
	LS_K_NONE = 0,
	LS_K_HARDIRQ = 1,       /* irq_handler_entry/exit; key = irq number */
	LS_K_SOFTIRQ = 2,       /* softirq_entry/exit; key = softirq vector */
	LS_K_SOFTIRQ_RAISE = 3, /* derived: softirq_raise -> softirq_entry delay */
	LS_K_VECTOR = 4,        /* x86 irq_vectors *_entry/exit; key = enum ls_vector */
	LS_K_HRTIMER = 5,       /* hrtimer_expire_entry/exit: struct ls_rec_hrtimer;
				 * key = timer function (LS_KADDR) */
	LS_K_HRTIMER_LATE = 6,  /* derived: expiry lateness >= 0 */
	LS_K_HRTIMER_EARLY = 7, /* derived: how early a timer with slack fired */
	LS_K_HRTIMER_WAKEUP = 8, /* derived: a sleeper's wakeup timer lateness
				  * against its requested (soft) expiry; key = pid */
	/* IPIs (bpf/ipi.bpf.c) */
	LS_K_IPI = 9,           /* struct ls_rec_ipi: one delivery, send on
				 * arg = sender cpu -> handler entry on h.cpu;
				 * key = callback (LS_KADDR, 0 = none) */
	LS_K_IPI_BY_SENDER = 10, /* derived: delivery latency, key = sender cpu */
	/* Scheduler (bpf/sched.bpf.c) */
	LS_K_WAKEUP = 11,       /* struct ls_rec_wakeup: sched_waking ->
				 * switch-in; key = enum ls_sched_class */
	LS_K_WAKEUP_TIMER = 12, /* derived: hrtimer expiry -> switch-in of the
				 * task hrtimer_wakeup woke; key = class */
	/* KVM (bpf/kvm.bpf.c) */
	LS_K_KVM_EXIT = 13,     /* struct ls_rec_kvm: kvm_exit -> next
				 * kvm_entry on the vCPU thread; key = reason */
	LS_K_KVM_GUEST = 14,    /* derived: kvm_entry -> kvm_exit (guest time) */
	/* Windows (issue 4): derived from the records above by lib/, plus the
	 * exact preemptirq records when the kernel has those tracepoints. */
	LS_K_IRQOFF = 16,       /* derived: irq-off windows */
	LS_K_PREEMPTOFF = 17,   /* derived: preempt-off windows */
	LS_K_IRQOFF_EXACT = 18, /* preemptirq:irq_disable -> irq_enable;
				 * key = disabling ip, arg = enabling ip
				 * (LS_KADDR both) */
	LS_K_PREEMPTOFF_EXACT = 19, /* preemptirq:preempt_disable -> enable;
				     * key, arg as above */
	/* IPIs, derived (lib/agg.c): per target CPU */
	LS_K_IPI_CALLSITE = 20, /* delivery latency, key = send callsite (LS_KADDR) */
	LS_K_IPI_SENDS = 21,    /* sends one handler run served (1 + coalesced),
				 * key = callback; a count, not ns */
	LS_K_IPI_CALLSITE_SENDS = 22, /* the same, key = callsite */
	/* hrtimers (bpf/timers.bpf.c) */
	LS_K_HRTIMER_CANCEL = 23, /* plain struct ls_rec: h.arg cancels
				   * (hrtimer_cancel) of timer function h.key
				   * on h.cpu; a count, not ns */
	LS_K_HRTIMER_TIMERFD = 24, /* derived: a timerfd expiry's lateness
				    * against its (soft) expiry; key = pid of
				    * the task that armed it */
	LS_K_MAX = 32,          /* room for later families; arrays are sized by it */
};

/* x86 system vectors with irq_vectors tracepoints (key of LS_K_VECTOR). */
enum ls_vector {
	LS_V_LOCAL_TIMER = 0,
	LS_V_CALL_FUNCTION,
	LS_V_CALL_FUNCTION_SINGLE,
	LS_V_RESCHEDULE,
	LS_V_IRQ_WORK,
	LS_V_X86_PLATFORM_IPI,
	LS_V_SPURIOUS_APIC,
	LS_V_ERROR_APIC,
	LS_V_THERMAL_APIC,
	LS_V_THRESHOLD_APIC,
	LS_V_DEFERRED_ERROR_APIC,
	LS_V_REBOOT,
	LS_V_MAX,
};

#define LS_NR_SOFTIRQS 10 /* HI..RCU; kernel's NR_SOFTIRQS, stable since 3.x */

/* ls_rec.flags: what else was open on this CPU when the span started. */
#define LS_F_IN_HARDIRQ (1u << 0)
#define LS_F_IN_SOFTIRQ (1u << 1)
#define LS_F_IN_VECTOR  (1u << 2)
#define LS_F_IN_HRTIMER (1u << 3)
#define LS_F_SOFT       (1u << 4) /* hrtimer ran in softirq (HRTIMER_MODE_SOFT) */
/* hrtimer: a timerfd's timer; h.arg is the task that armed it (not a woken
 * sleeper) and comm its comm */
#define LS_F_TIMERFD    (1u << 5)
/* hrtimer: the expiry is not known, so late/soft_late are not valid (only
 * offline: the trace holds no hrtimer_start for that timer); the run time is */
#define LS_F_NO_EXPIRY  (1u << 7)

/*
 * Kernel text (image and modules) lives in the top 2 GiB of the address
 * space on x86_64, so the low 32 bits of a function address identify it and
 * fit a key; LS_KADDR rebuilds the address.
 */
#define LS_KADDR(key) (0xffffffff00000000ull | (__u64)(key))

/* ls_rec.arg for softirq records when no raise was seen (e.g. raised before
 * we attached, or raised on another path without the tracepoint). */
#define LS_ARG_NONE 0xffffffffu
/* Saturation value: a delay that does not fit in 32 bits (> 4.29 s). */
#define LS_ARG_SAT  0xfffffffeu

struct ls_rec {
	__u64 ts;    /* span start, CLOCK_MONOTONIC ns (bpf_ktime_get_ns) */
	__u64 dur;   /* span length, ns */
	__u32 key;   /* per kind: irq number, softirq vector, enum ls_vector */
	__u32 pid;   /* task running when the span began (0 = idle/swapper) */
	__u32 arg;   /* per kind: softirq raise->entry ns; vector: hw vector */
	__u16 cpu;
	__u8 kind;   /* enum ls_kind */
	__u8 flags;  /* LS_F_* */
};

/*
 * LS_K_HRTIMER: one hrtimer expiry on h.cpu. h.ts = hrtimer_expire_entry,
 * h.dur = handler run time (entry -> exit), h.key = timer function's low 32
 * bits, h.pid = task running when it fired, h.arg = the task a
 * hrtimer_wakeup timer woke, or with LS_F_TIMERFD the task that last armed
 * a timerfd's timer (timerfd_settime, or the re-arm of a periodic one in
 * read(2)); 0 when neither or unknown.
 * Lateness is measured in the timer's own clock base: *now - expiry.
 * armed: when the timer was last (re)armed (hrtimer_start), relative to its
 * hard expiry, in the same clock: < 0 = that long before it was due (the
 * normal case), > 0 = only that long after it was already due (a sleeper
 * that fell behind its absolute schedule), so the lateness was not the
 * interrupt's fault for that long. LS_ARMED_UNKNOWN when the arming was not
 * seen (before we attached, or its slot was reused).
 * now_lag: h.ts minus the base's now on CLOCK_MONOTONIC. The kernel reads
 * the clock once when the hrtimer interrupt begins, before the earlier
 * callbacks of that interrupt run, so the expiry on CLOCK_MONOTONIC is
 * h.ts - now_lag - late. LS_LAG_UNKNOWN when it could not be told (offline:
 * a timer whose base is not the trace's clock).
 * stack: the kernel stack of the interrupted context (below).
 */
#define LS_ARMED_UNKNOWN (-0x7fffffffffffffffll - 1)
#define LS_LAG_UNKNOWN (-0x7fffffff - 1)
struct ls_rec_hrtimer {
	struct ls_rec h;
	__s64 late;       /* now - node.expires (hard expiry); < 0 = early */
	__s64 soft_late;  /* now - _softexpires */
	char comm[16];    /* comm of h.arg's task, when known */
	__s64 armed;      /* arming time - hard expiry, or LS_ARMED_UNKNOWN */
	__s32 now_lag;    /* h.ts - the base's now (monotonic), or LS_LAG_UNKNOWN */
	__s32 stack;      /* LS_STACK_NONE, stack id + 1, or -errno */
};

/*
 * LS_K_HRTIMER_CANCEL: h.arg (>= 1) hrtimer_cancel events of timer function
 * h.key (LS_KADDR) on h.cpu up to h.ts; dur 0. Not a span: the kernel
 * counts cancels per CPU and function (no ring record each, the tracepoint
 * is hot) and the daemon turns what the counts gained since its last read
 * into these records (h.pid 0); offline analysis writes one per cancel
 * (h.pid = the cancelling task). Only kernels whose hrtimer_start
 * tracepoint has was_armed trace real cancels alone (docs/design.md).
 */

/*
 * LS_K_IPI: one IPI delivery to h.cpu (the target). h.ts = the send
 * (ipi_send_cpu / ipi_send_cpumask, one record per target CPU of a mask),
 * h.dur = send -> entry of the receiving handler on the target,
 * h.key = callback's low 32 bits (LS_KADDR; 0 = no callback, e.g. a
 * reschedule), h.pid = sending task, h.arg = sender CPU. When one handler
 * run serves several queued sends, one record is emitted for the first
 * send and the others are counted in `coalesced` (no latency invented).
 */
struct ls_rec_ipi {
	struct ls_rec h;
	__u32 callsite;   /* low 32 bits of the send call site (LS_KADDR) */
	__u8 vector;      /* enum ls_vector of the receiving handler */
	__u8 pad;
	__u16 coalesced;  /* further sends served by this run (saturating) */
	char comm[16];    /* sending task */
	__s32 stack;      /* LS_STACK_NONE, stack id + 1, or -errno */
	__u32 pad2;
};

/*
 * ls_rec_hrtimer.stack, ls_rec_ipi.stack: for a hard timer expiry or an IPI
 * delivery at least the stack threshold late on a non-idle CPU, what
 * bpf_get_stackid() gave for the kernel stack at the handler's entry: the
 * interrupt path, then the context it interrupted (where interrupts had
 * just been enabled again). The daemon reads the stack from the map
 * (ls_stacks) by its id. LS_STACK_NONE (0): none taken (below the
 * threshold, idle, soft timer, stacks off); > 0: the stack id + 1; < 0:
 * -errno of the failed call (-EEXIST: its bucket held another stack).
 */
#define LS_STACK_NONE 0

/* Scheduling class of a woken task (key of LS_K_WAKEUP*). */
enum ls_sched_class {
	LS_SCHED_NORMAL = 0, /* fair, batch, idle policies */
	LS_SCHED_RT = 1,
	LS_SCHED_DL = 2,
	LS_SCHED_MAX,
};

/* ls_rec_wakeup.wflags */
#define LS_WF_NEW      (1u << 0) /* sched_wakeup_new (fork) */
#define LS_WF_MIGRATED (1u << 1) /* switched in on another CPU than targeted */
#define LS_WF_PREEMPT  (1u << 2) /* should have preempted the running task
				  * (RT/DL woken onto a lower-priority one) */
#define LS_WF_TIMER    (1u << 3) /* woken by hrtimer_wakeup; since_expiry set */
#define LS_WF_NO_TARGET (1u << 4) /* sched_wakeup not seen: target CPU and
				   * culprit unknown (h.pid 0, culprit_comm "") */

/*
 * LS_K_WAKEUP: one wakeup. h.ts = sched_waking (or sched_wakeup_new),
 * h.dur = -> the woken task switched in, h.cpu = CPU it ran on,
 * h.key = enum ls_sched_class, h.pid = the task running on the target CPU
 * when the wakeup arrived (the culprit of the delay), h.arg = woken tid.
 */
struct ls_rec_wakeup {
	struct ls_rec h;
	__s64 since_expiry; /* LS_WF_TIMER: hrtimer hard expiry -> switch-in */
	__u16 waker_cpu;
	__u8 prio;          /* woken task's kernel prio (0..139) */
	__u8 culprit_prio;
	__u32 wflags;       /* LS_WF_* */
	char comm[16];      /* woken task */
	char culprit_comm[16];
};

/* Instruction set of a KVM exit (kvm_exit's isa field). */
#define LS_KVM_ISA_UNKNOWN 0
#define LS_KVM_ISA_VMX 1
#define LS_KVM_ISA_SVM 2

/*
 * LS_K_KVM_EXIT: one VM exit of a vCPU thread. h.ts = kvm_exit, h.dur =
 * exit cost (kvm_exit -> next kvm_entry on the same thread), h.cpu = CPU
 * of the exit, h.key = exit reason as the tracepoint gives it (VMX: with
 * flag bits, e.g. FAILED_VMENTRY), h.pid = vCPU thread, h.arg = vcpu_id.
 */
struct ls_rec_kvm {
	struct ls_rec h;
	__u64 guest_ns;   /* previous kvm_entry -> this exit; 0 = unknown */
	__u64 off_cpu_ns; /* part of h.dur the thread was switched out */
	__u32 tgid;       /* the VM: its VMM process */
	__u8 isa;         /* LS_KVM_ISA_* */
	__u8 kflags;      /* LS_KVM_F_* */
	__u8 pad[2];
	char comm[16];    /* VMM process comm */
};

/*
 * ls_rec_kvm.kflags. LS_KVM_F_OPEN: the exit had no kvm_entry before the end
 * of the input (offline analysis of a finished trace; never set live):
 * h.dur and off_cpu_ns mean nothing, guest_ns is the guest run that ended in
 * this exit. Aggregation counts it as open and keeps its guest time.
 */
#define LS_KVM_F_OPEN (1u << 0)

/* Size of a record of this kind in a ring or capture file; 0 = unknown. */
static inline __u32 ls_rec_size(__u32 kind)
{
	switch (kind) {
	case LS_K_HARDIRQ:
	case LS_K_SOFTIRQ:
	case LS_K_VECTOR:
	case LS_K_IRQOFF_EXACT:
	case LS_K_PREEMPTOFF_EXACT:
	case LS_K_HRTIMER_CANCEL:
		return sizeof(struct ls_rec);
	case LS_K_HRTIMER:
		return sizeof(struct ls_rec_hrtimer);
	case LS_K_IPI:
		return sizeof(struct ls_rec_ipi);
	case LS_K_WAKEUP:
		return sizeof(struct ls_rec_wakeup);
	case LS_K_KVM_EXIT:
		return sizeof(struct ls_rec_kvm);
	default:
		return 0;
	}
}

/*
 * Per-CPU counters kept by the BPF programs (one slot per CPU in a
 * BPF_MAP_TYPE_PERCPU_ARRAY), indexed by kind. Each tracepoint family only
 * writes its own kind's slots and a family never nests inside itself on one
 * CPU, so plain increments are exact (no atomics on the hot path).
 */
struct ls_counters {
	__u64 events[LS_K_MAX];    /* tracepoint hits (entry, exit, raise) */
	__u64 records[LS_K_MAX];   /* records submitted to a ring */
	__u64 drops[LS_K_MAX];     /* ring reserve failures: records lost */
	__u64 unpaired[LS_K_MAX];  /* exit without entry / entry overwritten */
};

/*
 * Capture file (latscoped --record FILE): this header, then the records as
 * they came out of the rings (per shard order; not globally sorted), each
 * ls_rec_size(kind) bytes long, kind read from its struct ls_rec header.
 */
#define LS_CAPTURE_MAGIC 0x31435354414cull /* bytes "LATSC1\0\0" on disk */
struct ls_capture_hdr {
	__u64 magic;
	__u32 version;   /* LS_RECORD_VERSION */
	__u32 rec_size;  /* sizeof(struct ls_rec), the common header */
	__u32 ncpus;
	__u32 reserved;
	__u64 start_mono_ns; /* CLOCK_MONOTONIC when capture began */
};

#endif /* LATSCOPE_RECORD_H */
