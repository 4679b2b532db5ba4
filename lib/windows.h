/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-CPU irq-off and preempt-off windows (docs/windows.md has the exact
 * definitions): derived from the record stream by ls_windows_add(), which
 * the aggregator calls for every record, so the live daemon and offline
 * analysis derive the same windows.
 *
 * Per CPU and window kind (LS_K_IRQOFF, LS_K_PREEMPTOFF) it keeps rolling
 * statistics (last 1/10/60 s, lib/win_roll.h) and since-start ones, and the
 * N longest windows, each with a snapshot of the CPU's flight recorder (the
 * last records seen on that CPU) taken when the window was derived. Finished
 * windows are also fed to the aggregator as classes LS_K_IRQOFF and
 * LS_K_PREEMPTOFF keyed by their source (enum ls_win_src).
 *
 * Memory is bounded independently of uptime: per CPU a flight recorder of
 * `flight` records, a few small fixed queues, and per kind (allocated on the
 * CPU's first window of that kind) a 60-slot rolling ring of compact
 * histograms, one since-start histogram and `worst` snapshots.
 *
 * Records of one CPU must arrive in the order the kernel wrote them (as a
 * ring or a capture file delivers them); records of different CPUs may
 * interleave arbitrarily.
 */
#ifndef LATSCOPE_WINDOWS_H
#define LATSCOPE_WINDOWS_H

#include <stdbool.h>
#include <stdint.h>
#include "latscope/record.h"
#include "hist.h"
#include "win_roll.h"

/* What a window was derived from (key of the LS_K_IRQOFF/PREEMPTOFF
 * classes in the aggregator). */
enum ls_win_src {
	LS_WS_HARDIRQ = 0, /* exact: outermost hardirq handler span */
	LS_WS_VECTOR,      /* exact: outermost x86 vector handler span */
	LS_WS_TIMER,       /* inferred: hrtimer expiry lateness */
	LS_WS_IPI,         /* inferred: IPI delivery latency */
	LS_WS_SOFTIRQ,     /* exact: one softirq pass (BH off) */
	LS_WS_WAKEUP,      /* inferred: delayed preemption by an RT/DL wakeup */
	LS_WS_TRACEPOINT,  /* exact: preemptirq tracepoints */
	LS_WS_MAX,
};

/* Interrupted context of a window (what was running on the CPU). */
enum ls_win_ctx {
	LS_WC_UNKNOWN = 0,
	LS_WC_TASK,       /* a task (pid), in process context */
	LS_WC_SOFTIRQ,    /* a softirq (ctx_vec when known) on top of pid */
	LS_WC_IRQ,        /* an interrupt handler */
};

/* ls_window.flags */
#define LS_WIN_INFERRED    (1u << 0) /* length is a lower bound from a delay */
#define LS_WIN_CLIPPED     (1u << 1) /* start moved past an interrupt the CPU
				      * accepted inside the delay */
#define LS_WIN_NO_DELIVERY (1u << 2) /* inferred without its delivering
				      * interrupt's record (lost or hidden) */
#define LS_WIN_ARMING_UNSEEN (1u << 3) /* timer: when it was armed is unknown,
					* so it may have been armed late */
#define LS_WIN_RESTORED    (1u << 4) /* from an earlier run, restored from the
				      * state file */
#define LS_WIN_EARLIER_BOOT (1u << 5) /* restored from a run on an earlier
				       * boot: its times are that boot's
				       * CLOCK_MONOTONIC, not this one's */

#define LS_PID_UNKNOWN 0xffffffffu
#define LS_CTX_VEC_UNKNOWN 0xff

/* The longest exact window that overlapped an inferred one: what most
 * likely held the interrupt or the preemption off. */
struct ls_win_blocker {
	uint64_t start, len; /* len 0 = none */
	uint32_t key;
	uint32_t pid;
	uint8_t kind, src;   /* LS_K_IRQOFF/PREEMPTOFF, enum ls_win_src */
};

struct ls_window {
	uint64_t start;  /* CLOCK_MONOTONIC ns */
	uint64_t len;    /* ns */
	uint32_t key;    /* cause, per source: irq, enum ls_vector, timer
			  * function and IPI callback (LS_KADDR), softirq
			  * vector (the longest of the pass), woken tid,
			  * disabling ip (LS_KADDR) */
	uint32_t arg;    /* per source: IPI sender CPU; softirq: bit mask of
			  * the vectors in the pass; wakeup: woken task's
			  * prio; tracepoint: enabling ip (LS_KADDR) */
	uint32_t pid;    /* task running on the CPU (LS_PID_UNKNOWN) */
	uint32_t peer;   /* timer: task the timer woke (0 none); IPI: sending
			  * task; wakeup: woken task */
	uint32_t parts;  /* records the window was made of */
	uint16_t cpu;
	uint8_t kind;    /* LS_K_IRQOFF / LS_K_PREEMPTOFF */
	uint8_t src;     /* enum ls_win_src */
	uint8_t ctx;     /* enum ls_win_ctx */
	uint8_t ctx_vec; /* softirq vector for LS_WC_SOFTIRQ, else unknown */
	uint16_t flags;  /* LS_WIN_* */
	char comm[16];   /* of pid, "" when unknown */
	char peer_comm[16];
	struct ls_win_blocker blocker;
};

/* Any record, by value, as the flight recorder keeps it. */
union ls_rec_any {
	struct ls_rec h;
	struct ls_rec_hrtimer hrtimer;
	struct ls_rec_ipi ipi;
	struct ls_rec_wakeup wakeup;
	struct ls_rec_kvm kvm;
};

/* One of the N longest windows of a CPU and kind, with its story: the
 * records the CPU's flight recorder held that began before the window
 * ended, oldest first. */
struct ls_win_worst {
	struct ls_window w;
	uint32_t nstory;
	union ls_rec_any *story;
};

struct ls_win_opts {
	unsigned worst;   /* windows kept per CPU and kind (1..LS_WIN_MAX_WORST) */
	unsigned flight;  /* flight recorder records per CPU (1..LS_WIN_MAX_FLIGHT) */
	bool proc_comm;   /* read /proc/PID/comm for unknown comms of worst
			   * windows (live only: pids of a capture are stale) */
};
#define LS_WIN_DEFAULT_WORST 10
#define LS_WIN_MAX_WORST 1000
#define LS_WIN_DEFAULT_FLIGHT 32
#define LS_WIN_MAX_FLIGHT 1024
/* Softirq spans this close (end to next start) on one CPU belong to one
 * __do_softirq pass; see docs/windows.md for the measurement behind it. */
#define LS_WIN_PASS_GAP_NS 1500
/* Pending windows are final once the CPU's records are this far past them,
 * or by ls_windows_flush() once now is. */
#define LS_WIN_HOLD_NS 20000000ull

/* Derivation counters: nothing is dropped silently. */
struct ls_win_stats {
	uint64_t windows[LS_WS_MAX];      /* windows derived, by source */
	uint64_t nested[LS_WS_MAX];       /* spans inside an outer irq-off span
					   * (part of its window, not their own) */
	uint64_t idle[LS_WS_MAX];         /* excluded: the CPU was idle */
	uint64_t contradicted[LS_WS_MAX]; /* inferred windows with nothing left
					   * after clipping */
	uint64_t superseded[LS_WS_MAX];   /* derived windows not rolled up
					   * because exact tracepoint windows of
					   * that kind are arriving */
	uint64_t batched;                 /* late timers/IPIs folded into the
					   * window of their delivering irq */
	uint64_t soft_timers;             /* soft hrtimer expiries (softirq
					   * context: no irq-off inference) */
	uint64_t armed_late;              /* late timers armed only after they
					   * were due, by at least their
					   * lateness: no window */
	uint64_t arming_unseen;           /* late timers whose arming was not
					   * seen (window flagged) */
	uint64_t migrated_wakeups;        /* LS_WF_PREEMPT wakeups that ran on
					   * another CPU: no window */
	uint64_t no_delivery;             /* inferred windows without their
					   * delivering interrupt record */
	uint64_t queue_full;              /* same, because the queue was full */
	uint64_t stale;                   /* too old for the rolling ring */
	uint64_t alloc_failures;
};

struct ls_windows;
struct ls_agg;
struct ls_intr_log;
struct ls_cpuset;

struct ls_windows *ls_windows_new(struct ls_agg *agg);
void ls_windows_free(struct ls_windows *w);
/* Change options; only before the first record (returns -1 after). */
int ls_windows_set_opts(struct ls_windows *w, const struct ls_win_opts *o);
void ls_windows_get_opts(const struct ls_windows *w, struct ls_win_opts *o);

/* CPUs whose interruptions are logged (lib/interruptions.h); only before
 * the first record (returns -1 after). */
int ls_windows_set_isolated(struct ls_windows *w, const struct ls_cpuset *cpus);
/* The interruption log of an isolated CPU; NULL when the CPU is not
 * isolated or has had no record yet. */
const struct ls_intr_log *ls_windows_intr(const struct ls_windows *w, uint32_t cpu);
bool ls_windows_isolated(const struct ls_windows *w, uint32_t cpu);

/* Feed one record (called by ls_agg_add). */
void ls_windows_add(struct ls_windows *w, const struct ls_rec *r);
/* Finish pending windows that ended before now_ns - LS_WIN_HOLD_NS
 * (UINT64_MAX: all of them, e.g. at the end of a capture). */
void ls_windows_flush(struct ls_windows *w, uint64_t now_ns);

/* Called for every window as it is finished (tests, offline dumps). */
typedef void (*ls_win_sink_fn)(const struct ls_window *win, void *ctx);
void ls_windows_set_sink(struct ls_windows *w, ls_win_sink_fn fn, void *ctx);

/* Rolling periods of the views. */
enum ls_win_period { LS_WP_1S, LS_WP_10S, LS_WP_60S, LS_WP_TOTAL, LS_WP_MAX };
extern const unsigned ls_win_period_sec[LS_WP_MAX]; /* 1, 10, 60, 0 */

struct ls_win_summary {
	uint64_t count, p50, p99, p999, max;
};
/* Summary of a CPU's windows of one kind over a period ending at now_ns.
 * All zero when there are none. */
void ls_windows_summary(const struct ls_windows *w, uint32_t cpu, uint32_t kind,
			enum ls_win_period p, uint64_t now_ns,
			struct ls_win_summary *out);
/* The longest windows of a CPU and kind, longest first; returns how many. */
unsigned ls_windows_worst(const struct ls_windows *w, uint32_t cpu, uint32_t kind,
			  const struct ls_win_worst **out);
/* Highest CPU number seen + 1. */
uint32_t ls_windows_ncpus(const struct ls_windows *w);
void ls_windows_get_stats(const struct ls_windows *w, struct ls_win_stats *st);
/* Latest record end seen on any CPU. */
uint64_t ls_windows_last_ns(const struct ls_windows *w);
/* The now_ns of the last ls_windows_flush(); after a flush of everything
 * (UINT64_MAX), the end of the second of the latest record, so that its
 * second counts as complete. Views compute rolling periods against it. */
uint64_t ls_windows_now(const struct ls_windows *w);

/*
 * Persistence (lib/state_windows.c). A restore happens before the first
 * record, after the options and isolated CPUs are set (they cannot change
 * after it). ls_windows_restore_worst() offers a saved worst window to its
 * CPU's list as a new one would be (the longest N stay; a saved one stays
 * ahead of an equally long new one), flagged LS_WIN_RESTORED, with the
 * newest records of its story that fit the flight recorder size. Returns 1
 * kept, 0 not long enough, -1 on ENOMEM.
 */
int ls_windows_restore_worst(struct ls_windows *w, const struct ls_win_worst *e);
/* The interruption log of an isolated CPU, to fill; NULL when the CPU is
 * not isolated (*nomem false) or on ENOMEM (*nomem true). */
struct ls_intr_log *ls_windows_restore_intr(struct ls_windows *w, uint32_t cpu, bool *nomem);
/* Add saved derivation counters to the running ones. */
void ls_windows_add_stats(struct ls_windows *w, const struct ls_win_stats *st);
/* Window kinds (bit kidx: 1 irq-off, 2 preempt-off) that exact tracepoint
 * windows have superseded; restore ORs them in. */
unsigned ls_windows_exact_mask(const struct ls_windows *w);
void ls_windows_restore_exact(struct ls_windows *w, unsigned mask);
void ls_windows_get_isolated(const struct ls_windows *w, struct ls_cpuset *out);

/* Window kinds and sources as words ("irqoff", "hardirq", ...). */
const char *ls_win_kind_name(uint32_t kind);
int ls_win_kind_parse(const char *s, uint32_t *kind); /* 0 ok, -1 unknown */
const char *ls_win_src_name(uint32_t src);
int ls_win_src_parse(const char *s, uint32_t *src);
const char *ls_win_ctx_name(uint32_t ctx);

#endif
