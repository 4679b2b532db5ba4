/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Internals of the offline pairing engine, shared by its per-family files:
 * offline_pair.c (dispatch, per-CPU state, hardirq/softirq/vector),
 * offline_hrtimer.c, offline_sched.c (wakeups), offline_ipi.c,
 * offline_kvm.c. Not for use outside lib/offline_*.c.
 */
#ifndef LATSCOPE_OFFLINE_PAIR_INT_H
#define LATSCOPE_OFFLINE_PAIR_INT_H

#include <stdbool.h>
#include "offline_pair.h"
#include "offline_syms.h"
#include "pair_map.h"

#define COMM_LEN 16
#define PRIO_UNKNOWN (-1000)

/* An open hardirq, softirq or vector span (struct ls_open in BPF). */
struct open_span {
	bool open;
	uint64_t ts;
	uint32_t key, pid, arg, flags;
};

/* A running hrtimer callback (struct ls_open_hrtimer in BPF). */
struct open_timer {
	bool open;
	bool wakeup_fn;     /* hrtimer_wakeup: its sleeper is looked for */
	uint64_t ts, timer;
	int64_t late, soft_late, armed;
	int32_t now_lag;    /* ls_rec_hrtimer.now_lag */
	uint32_t key, pid, woken, flags;
	uint32_t armer;     /* timerfd: the task that armed it (LS_F_TIMERFD) */
	char comm[COMM_LEN];
};

/* An hrtimer_cancel not yet known to be one (traces that also show the
 * dequeue of every expiry and re-arm: offline_hrtimer.c). */
struct pending_cancel {
	bool open;
	uint64_t timer, ts;
	uint32_t pid;
};

/* IPIs sent to a CPU whose handler has not run yet, per receiving class
 * (call_function and call_function_single flush one queue: one class). */
enum ipi_slot { IPI_CALL, IPI_RESCHEDULE, IPI_IRQ_WORK, IPI_SLOTS };

struct ipi_wait {
	bool pending;
	uint64_t ts;
	uint32_t pid, key, callsite, count;
	uint16_t sender_cpu;
	char comm[COMM_LEN];
};

struct cpu_state {
	bool seen;                        /* an event of this CPU was read */
	struct open_span hardirq, softirq, vector;
	struct open_timer hrtimer[2];     /* [0] hard, [1] soft */
	struct pending_cancel cancel[2];  /* of a hard / soft timer */
	uint64_t timer_irq[2];            /* the last two local_timer_entry */
	uint64_t raise_ts[LS_NR_SOFTIRQS];
	uint32_t raised;                  /* bit per vector: raise_ts valid */
	/* the task running there, from the last event line / sched_switch */
	bool curr_known;
	uint32_t curr_pid;
	int32_t curr_prio;                /* PRIO_UNKNOWN until a switch */
	char curr_comm[COMM_LEN];
	struct ipi_wait ipi[IPI_SLOTS];
};

/* An armed hrtimer (pointer -> this), from hrtimer_start. */
struct armed_timer {
	uint64_t start_ts;            /* hrtimer_start, trace clock */
	int64_t expires, softexpires; /* the timer's clock base, ns */
	uint32_t key;                 /* its function */
	int8_t soft;                  /* mode: 1 soft, 0 hard, -1 not printed */
	uint32_t pid;                 /* the task that armed it */
	char comm[COMM_LEN];          /* its comm ("" when unknown) */
};

/* What this trace's hrtimer_cancel events are, from its hrtimer_start
 * lines: kernels whose hrtimer_start prints was_armed trace only real
 * cancels; older ones also the dequeue of every expiry and re-arm. */
enum cancel_kind { CANCELS_UNKNOWN, CANCELS_REAL, CANCELS_WITH_DEQUEUES };

/* A woken task (tid -> this) not switched in yet. */
struct waiting_task {
	uint64_t ts;                  /* sched_waking (or _wakeup_new) */
	uint64_t expiry;              /* LS_WF_TIMER: hard expiry, trace clock */
	uint32_t culprit_pid, wflags;
	int32_t prio, culprit_prio;   /* PRIO_UNKNOWN when not printed */
	uint16_t waker_cpu, target_cpu; /* target: the CPU the wakeup picked */
	uint8_t flags;                /* LS_F_* open on the waking CPU */
	bool raced;                   /* switched out to sleep after waking */
	bool activated;               /* its sched_wakeup(_new) seen */
	char culprit_comm[COMM_LEN];
};

/* A vCPU thread (tid -> this). */
struct vcpu_thread {
	bool exit_open;               /* kvm_exit seen, its kvm_entry not yet */
	bool entry_known;             /* entry_ts: the guest run in progress */
	bool out;                     /* switched out since out_ts */
	uint8_t isa;
	uint16_t exit_cpu;
	uint32_t reason, vcpu, tgid;
	uint64_t exit_ts, entry_ts, guest_ns, off_cpu_ns, out_ts;
	char comm[COMM_LEN];          /* the VMM's, at the exit */
};

/* Handlers of the known events (rows of the table in offline_pair.c). */
enum ev_handler {
	H_IRQ_ENTRY, H_IRQ_EXIT, H_SOFTIRQ_RAISE, H_SOFTIRQ_ENTRY, H_SOFTIRQ_EXIT,
	H_VECTOR_ENTRY, H_VECTOR_EXIT,
	H_HRTIMER_START, H_HRTIMER_CANCEL, H_HRTIMER_ENTRY, H_HRTIMER_EXIT,
	H_IPI_SEND_CPU, H_IPI_SEND_CPUMASK,
	H_SCHED_WAKING, H_SCHED_WAKEUP, H_SCHED_WAKEUP_NEW, H_SCHED_SWITCH,
	H_KVM_EXIT, H_KVM_ENTRY,
};

struct ls_pair {
	ls_pair_emit_fn emit;
	void *ctx;
	struct cpu_state *cpus;
	uint32_t ncpus_alloc;
	struct ls_pmap *timers;   /* armed hrtimers: pointer -> struct armed_timer */
	struct ls_pmap *wakeups;  /* woken tasks not yet run: tid -> wakeup */
	struct ls_pmap *vcpus;    /* vCPU threads: tid -> vcpu state */
	struct ls_pmap *irqs;     /* irq -> name printed by irq_handler_entry */
	struct ls_osyms *syms;
	struct ls_pair_stats st;
	uint64_t *ev_counts;      /* per row of the event table */
	struct ls_pair_other others[LS_PAIR_OTHERS];
	size_t nothers;
	struct ls_pair_open open[LS_PAIR_OPEN_MAX];
	size_t nopen;
	bool ipi_seen;            /* any ipi_send_*: handler runs can be judged */
	bool waking_seen;         /* any sched_waking: wakeups start there */
	bool wakeup_seen;         /* any sched_wakeup: activations are known */
	enum cancel_kind cancels; /* offline_hrtimer.c */
	bool finished;
};

/* offline_pair.c */
uint32_t ls_pair_open_flags(const struct cpu_state *c);
void ls_pair_emit(struct ls_pair *p, const struct ls_rec *r);
void ls_pair_malformed(struct ls_pair *p);
/* State of CPU cpu, or NULL (out of range, counted) */
struct cpu_state *ls_pair_cpu(struct ls_pair *p, int64_t cpu);
/* Lists an open span (bounded) and counts it. */
void ls_pair_note_open(struct ls_pair *p, const struct ls_pair_open *o);
void ls_pair_evicted(struct ls_pair *p, int how);
/* "<...>" is ftrace's unknown comm */
bool ls_pair_comm_known(const char *comm, size_t len);
void ls_pair_copy_comm(char dst[COMM_LEN], const char *src, size_t len);
/* Signed decimal number in s[0..len) within [lo, hi]: 0 or -1. */
int ls_pair_parse_int(const char *s, size_t len, int64_t lo, int64_t hi, int64_t *out);

/* offline_hrtimer.c */
void ls_pair_hrtimer(struct ls_pair *p, enum ev_handler h, struct cpu_state *c,
		     const struct ls_ft_event *ev);
/* A task woken on this CPU: the sleeper of a running hrtimer_wakeup? Then
 * returns true and *expiry = the timer's hard expiry on the trace clock
 * (0 when unknown). */
bool ls_pair_hrtimer_woke(struct cpu_state *c, uint32_t pid, const char *comm,
			  uint64_t *expiry);
void ls_pair_hrtimer_finish(struct ls_pair *p, struct cpu_state *c, uint32_t cpu);
/* Events were lost on this CPU: forget what its cancels were waiting for. */
void ls_pair_hrtimer_lost(struct ls_pair *p, struct cpu_state *c);

/* offline_sched.c */
void ls_pair_sched(struct ls_pair *p, enum ev_handler h, struct cpu_state *c,
		   const struct ls_ft_event *ev);
void ls_pair_sched_finish(struct ls_pair *p);
/* pid runs on a CPU whose last sched_switch went to another task: its
 * switch-in is not in the trace. */
void ls_pair_sched_unseen_switch_in(struct ls_pair *p, uint32_t pid);

/* offline_ipi.c */
void ls_pair_ipi_send(struct ls_pair *p, enum ev_handler h, const struct ls_ft_event *ev);
/* A vector handler began on CPU cpu: deliver the IPIs it serves. */
void ls_pair_ipi_receive(struct ls_pair *p, struct cpu_state *c, uint32_t cpu,
			 uint32_t vector, uint64_t ts);
void ls_pair_ipi_finish(struct ls_pair *p, struct cpu_state *c);

/* offline_kvm.c */
void ls_pair_kvm(struct ls_pair *p, enum ev_handler h, const struct ls_ft_event *ev);
/* sched_switch of a task: a vCPU thread leaving or coming back while its
 * exit is open accumulates off-CPU time. */
void ls_pair_kvm_switch(struct ls_pair *p, uint32_t prev, uint32_t next, uint64_t ts);
void ls_pair_kvm_finish(struct ls_pair *p);

#endif
