/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * JSON views of the irq-off/preempt-off windows (docs/protocol.md:
 * `windows`, the `windows` and `isolated` members of `cpus`, `isolated`,
 * and the `windows` part of `status`). Rolling periods are computed against
 * ls_windows_now(): callers flush the aggregator (ls_agg_flush) first.
 */
#ifndef LATSCOPE_REPORT_WINDOWS_H
#define LATSCOPE_REPORT_WINDOWS_H

#include <json-c/json.h>
#include "agg.h"
#include "isolation.h"
#include "windows.h"

/* kind: LS_K_IRQOFF, LS_K_PREEMPTOFF or -1 for both; cpu -1 for all;
 * n: at most that many worst windows per CPU and kind. */
json_object *ls_report_windows(const struct ls_agg *a, unsigned ncpus, int64_t cpu,
			       int64_t kind, unsigned n);
/* Adds "isolated" and "windows" (per kind: count, current/p99/max and the
 * worst window's cause) to one CPU object of the `cpus` view. */
void ls_report_cpu_windows(json_object *cpu_obj, const struct ls_agg *a, uint32_t cpu);
/* Isolated CPUs and what interrupted them: per cause counts and the n most
 * recent interruptions of each (cpu -1: all isolated CPUs). */
json_object *ls_report_isolated(const struct ls_agg *a, const struct ls_isolation *iso,
				unsigned ncpus, int64_t cpu, unsigned n);
/* Derivation counters, options and the isolation sources, for `status`. */
json_object *ls_report_windows_status(const struct ls_agg *a, const struct ls_isolation *iso);
/* One record as a JSON object, times relative to t0_ns ("t_ns"). */
json_object *ls_report_record(const union ls_rec_any *r, uint64_t t0_ns);

#endif
