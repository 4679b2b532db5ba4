/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Views over an aggregator, as JSON objects in the shape docs/protocol.md
 * gives for the `cpus`, `hist` and `keys` results. The daemon serves these;
 * offline analysis prints the same objects, so both share one path from
 * records to report.
 */
#ifndef LATSCOPE_REPORT_H
#define LATSCOPE_REPORT_H

#include <json-c/json.h>
#include "agg.h"
#include "proto.h"

/* The classes views iterate over, in display order; LS_K_NONE ends it. */
extern const uint32_t ls_report_classes[];

/* cpus view for CPUs 0..ncpus-1, or only `cpu` when cpu >= 0. */
json_object *ls_report_cpus(const struct ls_agg *a, unsigned ncpus, int64_t cpu);
/* hist view; cpu/key < 0 merge all. NULL + err (not_found) when empty. */
json_object *ls_report_hist(const struct ls_agg *a, uint32_t cls, int64_t cpu,
			    int64_t key, struct ls_err *err);
/* timers view: per CPU (or only `cpu`), per timer function: expiry count,
 * lateness (late/early split), run time and cancels, worst lateness first;
 * then the tasks whose own timers (sleepers, timerfds) expired there, with
 * the lateness each saw. */
json_object *ls_report_timers(const struct ls_agg *a, unsigned ncpus, int64_t cpu);
/* {"ncpus": N, "cpus": [{"cpu": c, member: fn(a, c)}...]} for CPUs
 * 0..ncpus-1, or only `cpu` when cpu >= 0: the shape of per-CPU views. */
json_object *ls_report_per_cpu(const struct ls_agg *a, unsigned ncpus, int64_t cpu,
			       const char *member,
			       json_object *(*fn)(const struct ls_agg *, uint32_t));
/* wakeups view (lib/report_wakeups.c): per CPU and scheduling class,
 * wakeup latency and timer expiry -> switch-in latency, and the worst
 * wakeups with their victim and culprit. */
json_object *ls_report_wakeups(const struct ls_agg *a, unsigned ncpus, int64_t cpu);
/* keys view, sorted by max descending. */
json_object *ls_report_keys(const struct ls_agg *a, uint32_t cls, int64_t cpu);

/* Resolve user-facing class/key strings; -1 + err (bad_params) on failure. */
int ls_report_parse_class(const char *name, uint32_t *cls, struct ls_err *err);
int ls_report_parse_key(uint32_t cls, const char *name, uint32_t *key, struct ls_err *err);

#endif
