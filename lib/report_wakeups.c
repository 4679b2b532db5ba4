// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The wakeups view (docs/protocol.md): per CPU the woken task ran on and
 * per scheduling class, sched_waking -> switch-in latency and, for sleepers
 * woken by their own hrtimer, hard expiry -> switch-in; then the worst
 * wakeups of the CPU with the woken task (victim) and the task that was
 * running on the target CPU when the wakeup arrived (culprit).
 */
#include <string.h>

#include "names.h"
#include "report.h"
#include "wakeups.h"

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

/* count/p50/p99/max of (cls, cpu, sched class): the records and what the
 * kernel counted instead of emitting are in the same histogram. */
static json_object *summary(const struct ls_agg *a, uint32_t cls, uint32_t cpu, uint32_t sc)
{
	json_object *o = json_object_new_object();
	struct ls_hist h;

	ls_hist_init(&h);
	ls_agg_merge(a, cls, cpu, sc, &h);
	add_u64(o, "count", h.count);
	if (h.count) {
		add_u64(o, "p50_ns", ls_hist_percentile(&h, 50));
		add_u64(o, "p99_ns", ls_hist_percentile(&h, 99));
		add_u64(o, "max_ns", h.max);
	}
	ls_hist_free(&h);
	return o;
}

static json_object *by_class(const struct ls_agg *a, uint32_t cls, uint32_t cpu)
{
	json_object *o = json_object_new_object();
	uint32_t sc;

	for (sc = 0; sc < LS_SCHED_MAX; sc++)
		json_object_object_add(o, ls_sched_class_name(sc), summary(a, cls, cpu, sc));
	return o;
}

static json_object *str_n(const char *s, size_t max)
{
	return json_object_new_string_len(s, (int)strnlen(s, max));
}

/* Kernel prio as stored (u8): deadline tasks (-1) come back as 255. */
static json_object *prio_obj(uint8_t prio)
{
	return json_object_new_int(prio == 255 ? -1 : prio);
}

static json_object *task_obj(const char *id_name, uint32_t id, const char *comm, uint8_t prio)
{
	json_object *o = json_object_new_object();

	add_u64(o, id_name, id);
	json_object_object_add(o, "comm", str_n(comm, 16));
	json_object_object_add(o, "prio", prio_obj(prio));
	return o;
}

static json_object *flags_arr(uint32_t wf)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ LS_WF_NEW, "new" }, { LS_WF_MIGRATED, "migrated" },
		{ LS_WF_PREEMPT, "preempt" }, { LS_WF_TIMER, "timer" },
		{ LS_WF_NO_TARGET, "no_target" },
	};
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (wf & names[i].bit)
			json_object_array_add(arr, json_object_new_string(names[i].name));
	return arr;
}

static json_object *worst_obj(const struct ls_rec_wakeup *r)
{
	json_object *o = json_object_new_object();
	const char *cls = ls_sched_class_name(r->h.key);

	add_u64(o, "latency_ns", r->h.dur);
	add_u64(o, "waking_mono_ns", r->h.ts);
	json_object_object_add(o, "class", json_object_new_string(cls ? cls : "unknown"));
	json_object_object_add(o, "victim", task_obj("tid", r->h.arg, r->comm, r->prio));
	json_object_object_add(o, "culprit", r->wflags & LS_WF_NO_TARGET ? NULL :
			       task_obj("pid", r->h.pid, r->culprit_comm, r->culprit_prio));
	add_u64(o, "waker_cpu", r->waker_cpu);
	json_object_object_add(o, "flags", flags_arr(r->wflags));
	if (r->wflags & LS_WF_TIMER)
		json_object_object_add(o, "since_expiry_ns", json_object_new_int64(r->since_expiry));
	return o;
}

static json_object *cpu_wakeups(const struct ls_agg *a, uint32_t cpu)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	const struct ls_rec_wakeup *worst;
	size_t i, n = ls_wakeups_worst(ls_agg_wakeups(a), cpu, &worst);

	json_object_object_add(o, "classes", by_class(a, LS_K_WAKEUP, cpu));
	json_object_object_add(o, "timer", by_class(a, LS_K_WAKEUP_TIMER, cpu));
	for (i = 0; i < n; i++)
		json_object_array_add(arr, worst_obj(&worst[i]));
	json_object_object_add(o, "worst", arr);
	return o;
}

json_object *ls_report_wakeups(const struct ls_agg *a, unsigned ncpus, int64_t cpu)
{
	json_object *res = ls_report_per_cpu(a, ncpus, cpu, "wakeups", cpu_wakeups);

	add_u64(res, "floor_ns", ls_wakeups_floor(ls_agg_wakeups(a)));
	return res;
}
