/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-CPU wakeup state kept by bpf/sched.bpf.c and read by the daemon
 * (docs/design.md, "Wakeup latency"): in the ls_wakeup_pcpu PERCPU_ARRAY,
 * the counters that say what happened to every wakeup that was not
 * measured, so none is lost silently, and the records staged for the next
 * batched ring write; in the ls_wakeup_hist PERCPU_ARRAY, the measured
 * wakeups that were counted, not emitted: key c (enum ls_sched_class), their
 * latency; key LS_SCHED_MAX + c, the hard expiry -> switch-in latency of
 * those their own hrtimer woke (LS_K_WAKEUP_TIMER).
 *
 * Each counter is written by one BPF program only, and a program never
 * nests in itself on a CPU (the kernel skips a nested run), so plain
 * increments are exact.
 */
#ifndef LATSCOPE_WAKEUP_STATS_H
#define LATSCOPE_WAKEUP_STATS_H

#include <linux/types.h>
#include "latscope/record.h"

/*
 * Wakeups that are not emitted as records are counted in the kernel, per
 * CPU and scheduling class, in the buckets of lib/hist.c (struct ls_hist:
 * values 0..63 exact, then 32 buckets per power of two), so the daemon
 * adds them to the same histograms the records feed without losing
 * precision. It covers [0, LS_WAKEUP_HIST_LIMIT); a longer wakeup is
 * always emitted.
 */
#define LS_WAKEUP_HIST_SUB_BITS 5
#define LS_WAKEUP_HIST_LIMIT (1ull << 32)
#define LS_WAKEUP_HIST_KEYS (2 * LS_SCHED_MAX)
#define LS_WAKEUP_HIST_BUCKETS (((31 - LS_WAKEUP_HIST_SUB_BITS) << LS_WAKEUP_HIST_SUB_BITS) + \
				(1u << (LS_WAKEUP_HIST_SUB_BITS + 1)))

struct ls_wakeup_hist {
	__u64 count;
	__u64 sum;
	__u64 max;
	__u64 b[LS_WAKEUP_HIST_BUCKETS]; /* lib/hist.c bucket index */
};

/* lib/hist.c's bucket of v < LS_WAKEUP_HIST_LIMIT, without a count-leading-
 * zeros instruction (BPF has none); tests/unit/test_wakeups.c checks it
 * against ls_hist_bucket_of(). */
static inline __u32 ls_wakeup_hist_bucket(__u64 v)
{
	__u32 e = 0, s;
	__u64 x = v;

	if (x >> 16) { x >>= 16; e += 16; }
	if (x >> 8) { x >>= 8; e += 8; }
	if (x >> 4) { x >>= 4; e += 4; }
	if (x >> 2) { x >>= 2; e += 2; }
	if (x >> 1) e += 1;
	s = e > LS_WAKEUP_HIST_SUB_BITS ? e - LS_WAKEUP_HIST_SUB_BITS : 0;
	return (s << LS_WAKEUP_HIST_SUB_BITS) + (__u32)(v >> s);
}

struct ls_wakeup_stats {
	/* sched_switch */
	__u64 ran;        /* the task was preempted (or switched out more
			   * than once) between its sched_waking and this
			   * switch-in: it was running when woken, so this is
			   * no wakeup latency */
	__u64 raced;      /* switched out once, voluntarily, after its
			   * sched_waking: the wakeup raced with the task
			   * going to sleep; measured from sched_waking */
	/* sched_waking */
	__u64 superseded; /* a new wakeup found the previous one still
			   * pending: woken again while running, or its
			   * switch-in was not seen */
	__u64 untracked;  /* no per-task storage (allocation failed, or the
			   * storage was busy on this CPU): not measured */
	/* sched_wakeup_new */
	__u64 untracked_new;
	/* sched_switch, counted (not emitted) hrtimer wakeups */
	__u64 timer_early; /* switched in before the timer's hard expiry
			    * (slack): no expiry -> switch-in latency */
};

/*
 * When every wakeup is emitted (latscoped --wakeup-emit all), records are
 * written to the ring LS_WAKEUP_BATCH at a time, as one ring sample holding
 * them back to back: a ring write costs about as much as everything else a
 * wakeup costs, so it is shared. Staged records go out when the batch is
 * full, when the CPU goes idle, when one is older than LS_WAKEUP_STAGE_NS
 * at the next completion on that CPU, and at once with an RT/DL wakeup;
 * the daemon collects what is left after detaching. Otherwise the few
 * emitted wakeups go out at once.
 */
#define LS_WAKEUP_BATCH 8
#define LS_WAKEUP_STAGE_NS 10000000ull

struct ls_wakeup_pcpu {
	struct ls_wakeup_stats st;
	__u32 nstaged;        /* records in staged[] */
	__u32 pad;
	__u64 staged_since;   /* switch-in time of staged[0] */
	struct ls_rec_wakeup staged[LS_WAKEUP_BATCH];
};

#endif /* LATSCOPE_WAKEUP_STATS_H */
