/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The hrtimer programs (bpf/timers.bpf.c) seen from the daemon: whether
 * this kernel's hrtimer_cancel tracepoint can be counted as cancels, and
 * the per-CPU cancel counts turned into records.
 */
#ifndef LATSCOPED_TRACER_TIMERS_H
#define LATSCOPED_TRACER_TIMERS_H

#include <stdbool.h>
#include <bpf/btf.h>

struct ls_tracer;

/*
 * Before load. Until hrtimer_start gained its was_armed argument, the
 * kernel also traced hrtimer_cancel for every expiry and every re-arm of an
 * armed timer (the dequeue inside hrtimer_start): counting those as cancels
 * would be wrong, and telling them apart would take per-event state on a
 * hot path. There the program stays off, with the reason in `status`.
 */
void ls_timers_probe(struct ls_tracer *t, const struct btf *vmlinux);
/* Whether hrtimer_cancel is attached (cancels are counted). */
bool ls_timers_cancels_counted(const struct ls_tracer *t);

#endif
