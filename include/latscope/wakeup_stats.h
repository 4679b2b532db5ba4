/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-CPU wakeup state kept by bpf/sched.bpf.c (one struct ls_wakeup_pcpu
 * per CPU in the ls_wakeup_pcpu PERCPU_ARRAY) and read by the daemon: the
 * counters that say what happened to every wakeup that did not become an
 * LS_K_WAKEUP record, so none is lost silently, and the records staged for
 * the next batched ring write (docs/design.md, "Wakeup latency").
 *
 * Each counter is written by one BPF program only, and a program never
 * nests in itself on a CPU (the kernel skips a nested run), so plain
 * increments are exact.
 */
#ifndef LATSCOPE_WAKEUP_STATS_H
#define LATSCOPE_WAKEUP_STATS_H

#include <linux/types.h>
#include "latscope/record.h"

/* Below-floor log2 histogram: bucket b counts latencies in [2^b, 2^(b+1))
 * ns (bucket 0 also holds 0 and 1); the floor is capped well below 2^31. */
#define LS_WAKEUP_LOG2_BUCKETS 32

struct ls_wakeup_stats {
	/* sched_switch */
	__u64 below_floor[LS_SCHED_MAX][LS_WAKEUP_LOG2_BUCKETS];
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
};

/*
 * Wakeup records are written to the ring LS_WAKEUP_BATCH at a time, as one
 * ring sample holding them back to back: a ring write costs about as much
 * as everything else a wakeup costs, so it is shared. Staged records go
 * out when the batch is full, when the CPU goes idle, when one is older
 * than LS_WAKEUP_STAGE_NS at the next completion on that CPU, and at once
 * with an RT/DL wakeup; the daemon collects what is left after detaching.
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
