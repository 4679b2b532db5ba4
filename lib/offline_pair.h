/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Offline pairing engine: parsed ftrace events (lib/ftrace_text.h) in,
 * the records of include/latscope/record.h out, with the semantics of the
 * BPF programs in bpf/, so that a saved trace feeds the same
 * aggregator (ls_agg_add) and views as the live daemon.
 *
 *   irq_handler_entry/exit            LS_K_HARDIRQ   key irq
 *   softirq_raise/entry/exit          LS_K_SOFTIRQ   key vec, arg raise delay
 *   irq_vectors:<vector>_entry/exit   LS_K_VECTOR    key enum ls_vector
 *   hrtimer_start/cancel,             LS_K_HRTIMER   key timer function
 *     hrtimer_expire_entry/exit
 *   ipi_send_cpu/cpumask + the        LS_K_IPI       key callback
 *     receiving vector's _entry
 *   sched_waking/wakeup(_new),        LS_K_WAKEUP    key sched class
 *     sched_switch
 *   kvm_exit, kvm_entry               LS_K_KVM_EXIT  key exit reason
 *
 * Pairing follows the kernel side: per CPU, one open slot per family
 * (hrtimer: hard and soft); an entry finding its slot open, or an exit
 * without a matching entry, counts as unpaired; spans still open when the
 * trace ends are reported as open, never closed at an invented time (a KVM
 * exit is also recorded, flagged LS_KVM_F_OPEN, so the kvm view counts it
 * and the guest run that ended in it).
 * Where text lacks what the kernel reads directly, the engine takes it from
 * earlier events, and says so when they are missing:
 *  - hrtimer expiry: ftrace's hrtimer_expire_entry prints now= but not the
 *    expiry, which comes from the last hrtimer_start of that hrtimer
 *    pointer (same clock base as now=, so lateness is exact to the ns);
 *    that start also gives the record's arming time (LS_ARMED_UNKNOWN
 *    without one).
 *    Without one, the record carries LS_F_NO_EXPIRY: its run time counts,
 *    no lateness is reported (counted in hrtimer_no_expiry). A timer can
 *    be re-armed with no hrtimer_start in the text (ftrace on 6.18 misses
 *    some re-arms of the tick in the idle path): a hard timer not run by
 *    an earlier hrtimer interrupt (local_timer) of its CPU that came after
 *    its known expiry had been re-armed so, and is treated the same
 *    (counted in hrtimer_stale_expiry). Without irq_vectors events in the
 *    trace this cannot be seen.
 *  - hrtimer hard/soft: from hrtimer_start's mode (SOFT), else the
 *    irq-info column (softirq context), else whether a HRTIMER softirq is
 *    running on that CPU.
 *  - hrtimer_wakeup's sleeper: the first task woken on that CPU while the
 *    callback runs; a timerfd's armer: the task of its last hrtimer_start.
 *  - hrtimer_cancel (LS_K_HRTIMER_CANCEL, one record per cancel, key = the
 *    function of the timer's last hrtimer_start): a trace whose
 *    hrtimer_start prints was_armed shows real cancels only; in older ones
 *    a cancel followed on its CPU, as the next event of a timer of the same
 *    kind (hard/soft), by the same timer's expiry or re-arm was only its
 *    dequeue, and is not recorded (counted in hrtimer_dequeues).
 *  - kvm: the vCPU id comes from "vcpu N" of kvm_exit (new format) or of
 *    kvm_entry (old format "reason X rip ... info A B" has none); the
 *    reason name is turned back into the code (VMX or SVM table, flags
 *    such as FAILED_VMENTRY; a hex number when the kernel printed one).
 *  - wakeups start at sched_waking and take their target CPU (and the
 *    culprit running there) from sched_wakeup; in a trace without
 *    sched_waking events, wakeups start at sched_wakeup (counted in
 *    wakeup_from_wakeup).
 * Timestamps: ftrace's SECS.FRAC (us or ns) and latency-format "Nus" are
 * ns already; raw counters (trace_clock counter, x86-tsc) are not time and
 * such events are skipped and counted.
 *
 * Memory is bounded whatever the input size: per-CPU state for at most
 * LS_PAIR_MAX_CPUS CPUs, fixed-capacity tables for armed timers, pending
 * wakeups and vCPU threads (evictions counted), at most LS_PAIR_OTHERS
 * names of ignored events and LS_PAIR_OPEN_MAX open spans listed.
 */
#ifndef LATSCOPE_OFFLINE_PAIR_H
#define LATSCOPE_OFFLINE_PAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "latscope/record.h"
#include "ftrace_text.h"
#include "ksyms.h"

#define LS_PAIR_MAX_CPUS 8192
#define LS_PAIR_OTHERS 16     /* ignored event names kept with counts */
#define LS_PAIR_OPEN_MAX 64   /* open spans listed (all are counted) */

/* Receives every record; r is ls_rec_size(r->kind) bytes, valid during
 * the call only. */
typedef void (*ls_pair_emit_fn)(void *ctx, const struct ls_rec *r);

struct ls_pair_stats {
	uint64_t other_events;     /* events of tracepoints not paired: ignored */
	uint64_t malformed;        /* known events whose fields did not parse */
	uint64_t counter_ts;       /* events with raw counter timestamps: skipped */
	uint64_t cpu_out_of_range; /* events on a CPU >= LS_PAIR_MAX_CPUS */
	uint64_t backwards;        /* a span whose end precedes its start */
	uint64_t lost_markers;     /* LOST / DROPPED lines ... */
	uint64_t lost_resets;      /* ... and the open spans they invalidated */
	uint64_t records[LS_K_MAX];
	uint64_t unpaired[LS_K_MAX];
	uint64_t open_at_end[LS_K_MAX];
	uint64_t hrtimer_no_expiry;  /* expiries with no hrtimer_start seen, or
				      * a stale one (included) ... */
	uint64_t hrtimer_stale_expiry; /* ... its expiry had moved since */
	uint64_t hrtimer_cancel_no_fn; /* cancels of timers never started in the
					* text: function unknown, not recorded */
	uint64_t hrtimer_dequeues;   /* hrtimer_cancel that was an expiry's or a
				      * re-arm's dequeue (older kernels) */
	uint64_t hrtimer_cancel_unresolved; /* ... or might have been: the
					     * trace ended first */
	uint64_t timerfd_unattributed; /* timerfd expiries with no hrtimer_start
					* in the text: armer unknown */
	uint64_t ipi_coalesced;      /* sends served by another send's handler */
	uint64_t wakeup_from_wakeup; /* wakeups timed from sched_wakeup */
	uint64_t wakeup_repeated;    /* sched_waking of a task already waiting to
				      * run: replaces the earlier one */
	uint64_t wakeup_ran;         /* woken task preempted (or switched out
				      * twice) with no switch-in seen since:
				      * not recorded */
	uint64_t wakeup_raced;       /* woken task switched out to sleep once
				      * after its waking (measured) */
	uint64_t kvm_unknown_reason; /* exit reasons not in the tables: key other */
	uint64_t table_evictions;    /* timers/wakeups/threads lost to full tables */
	uint64_t names_overflow;     /* function names beyond LS_OSYMS_MAX */
	uint32_t ncpus;              /* highest CPU seen + 1 */
	uint32_t ts_kinds;           /* 1 << enum ls_ft_ts of the events seen */
	uint64_t first_ts, last_ts;  /* time span of the timed events, ns */
	uint64_t with_flags;         /* events with the irq-info column */
	uint64_t with_tgid;          /* events with the TGID column */
	uint64_t with_instance;      /* events with trace-cmd's buffer prefix */
};

/* A span still open when the trace ended. */
struct ls_pair_open {
	uint8_t kind;        /* LS_K_* it would have been recorded as */
	uint16_t cpu;        /* where it began */
	uint32_t key;        /* as in the record */
	uint32_t pid;        /* as in the record; LS_K_WAKEUP: the woken task */
	uint32_t arg;        /* LS_K_KVM_EXIT: vcpu id */
	uint64_t ts;         /* began */
	uint64_t open_ns;    /* until the trace's last timestamp */
	uint64_t guest_ns;   /* LS_K_KVM_EXIT: guest time before this exit */
	uint64_t off_cpu_ns; /* LS_K_KVM_EXIT: switched out since the exit */
};

/* An ignored event name and how often it occurred. */
struct ls_pair_other {
	char name[48];
	uint64_t count;
};

struct ls_pair;

/* NULL on ENOMEM. real: the traced kernel's symbols (keys become real
 * addresses, as live), or NULL (synthetic keys; see offline_syms.h). */
struct ls_pair *ls_pair_new(ls_pair_emit_fn emit, void *ctx, const struct ls_ksyms *real);
void ls_pair_free(struct ls_pair *p);

/* One line as ls_ft_parse_line / ls_ft_reader_next classified it. Events
 * are paired, LOST markers reset the CPU's open spans, the rest is left to
 * the reader's counts. */
void ls_pair_line(struct ls_pair *p, int kind, const struct ls_ft_event *ev);

/* End of input: counts (and lists) what is still open. Call once. */
void ls_pair_finish(struct ls_pair *p);

const struct ls_pair_stats *ls_pair_stats(const struct ls_pair *p);
/* Known event i (0, 1, ... until it returns -1): its name and count. */
int ls_pair_event(const struct ls_pair *p, size_t i, const char **name, uint64_t *count);
/* Ignored event names seen first, with counts (at most LS_PAIR_OTHERS). */
size_t ls_pair_others(const struct ls_pair *p, const struct ls_pair_other **out);
/* Open spans listed by ls_pair_finish (at most LS_PAIR_OPEN_MAX). */
size_t ls_pair_open(const struct ls_pair *p, const struct ls_pair_open **out);

/* Whether the trace holds events of CPU cpu (it may list fewer CPUs than
 * the machine had, e.g. a capture filtered by cpumask). */
bool ls_pair_cpu_seen(const struct ls_pair *p, uint32_t cpu);

/* Names for the views: the functions behind timer/callback keys (for
 * ls_names_set_ksyms) and the irq names the trace printed (for
 * ls_names_set_irq_names, with p as ctx). */
const struct ls_ksyms *ls_pair_ksyms(const struct ls_pair *p);
const char *ls_pair_irq_name(uint32_t irq, void *p);

#endif
