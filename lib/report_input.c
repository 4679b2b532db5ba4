/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The "input" summary of `latscope analyze`; see report_input.h. */
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "report_input.h"

/* Kinds the engine records, in display order. */
static const uint32_t kinds[] = {
	LS_K_HARDIRQ, LS_K_SOFTIRQ, LS_K_VECTOR, LS_K_HRTIMER, LS_K_HRTIMER_CANCEL, LS_K_IPI,
	LS_K_WAKEUP, LS_K_KVM_EXIT,
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

const char *ls_report_kind_name(uint32_t kind)
{
	const char *name = ls_class_name(kind);

	if (name)
		return name;
	switch (kind) { /* families whose classes names.c does not list yet */
	case LS_K_IPI:
		return "ipi";
	case LS_K_WAKEUP:
		return "wakeup";
	case LS_K_KVM_EXIT:
		return "kvm_exit";
	default:
		return "unknown";
	}
}

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static json_object *format(const struct ls_ft_counts *c, const struct ls_pair_stats *s)
{
	json_object *o = json_object_new_object();
	char ts[64] = ""; /* all three: "seconds, latency-format us, raw counter" */

	add_str(o, "kind", ls_ft_kind_name(ls_ft_classify(c)));
	add_str(o, "tracer", c->tracer);
	if (s->ts_kinds & 1u << LS_FT_TS_NS)
		strcat(ts, "seconds");
	if (s->ts_kinds & 1u << LS_FT_TS_US)
		strcat(ts, *ts ? ", latency-format us" : "latency-format us");
	if (c->counter_ts)
		strcat(ts, *ts ? ", raw counter" : "raw counter");
	add_str(o, "timestamps", *ts ? ts : "none");
	json_object_object_add(o, "irq_info", json_object_new_boolean(s->with_flags > 0));
	json_object_object_add(o, "tgid", json_object_new_boolean(s->with_tgid > 0));
	json_object_object_add(o, "trace_cmd_buffers",
			       json_object_new_boolean(s->with_instance > 0));
	return o;
}

static json_object *lines(const struct ls_ft_counts *c)
{
	json_object *o = json_object_new_object();

	add_u64(o, "total", c->lines);
	add_u64(o, "events", c->events);
	add_u64(o, "function", c->functions);
	add_u64(o, "comments", c->comments);
	add_u64(o, "blank", c->blanks);
	add_u64(o, "other_text", c->garbage);
	add_u64(o, "truncated", c->truncated);
	add_u64(o, "lost_markers", c->lost_lines);
	add_u64(o, "lost_events", c->lost_events);
	add_u64(o, "overwritten", c->overwritten);
	return o;
}

static json_object *known_events(const struct ls_pair *p)
{
	json_object *o = json_object_new_object();
	const char *name;
	uint64_t n;

	for (size_t i = 0; !ls_pair_event(p, i, &name, &n); i++)
		if (n)
			add_u64(o, name, n);
	return o;
}

static json_object *ignored_events(const struct ls_pair *p)
{
	json_object *o = json_object_new_object(), *names = json_object_new_object();
	const struct ls_pair_other *ot;
	size_t n = ls_pair_others(p, &ot);

	add_u64(o, "total", ls_pair_stats(p)->other_events);
	for (size_t i = 0; i < n; i++)
		add_u64(names, ot[i].name, ot[i].count);
	json_object_object_add(o, "names", names);
	return o;
}

/* {class: v[kind]} for the kinds with a non-zero value. */
static json_object *by_kind(const uint64_t *v)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; i < NKINDS; i++)
		if (v[kinds[i]])
			add_u64(o, ls_report_kind_name(kinds[i]), v[kinds[i]]);
	return o;
}

static json_object *open_span(const struct ls_pair_open *op)
{
	json_object *o = json_object_new_object();
	char buf[128];

	add_str(o, "class", ls_report_kind_name(op->kind));
	add_u64(o, "cpu", op->cpu);
	add_u64(o, "key", op->key);
	add_str(o, "name", ls_key_name(op->kind, op->key, buf, sizeof(buf)));
	add_u64(o, "pid", op->pid);
	add_u64(o, "ts_ns", op->ts);
	add_u64(o, "open_ns", op->open_ns);
	if (op->kind == LS_K_KVM_EXIT) {
		add_u64(o, "vcpu", op->arg);
		add_u64(o, "guest_ns", op->guest_ns);
		add_u64(o, "off_cpu_ns", op->off_cpu_ns);
	}
	return o;
}

static json_object *open_list(const struct ls_pair *p)
{
	json_object *arr = json_object_new_array();
	const struct ls_pair_open *op;
	size_t n = ls_pair_open(p, &op);

	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, open_span(&op[i]));
	return arr;
}

/* What the text could not tell, and what did not fit. */
static json_object *notes(const struct ls_pair_stats *s)
{
	json_object *o = json_object_new_object();

	add_u64(o, "hrtimer_no_expiry", s->hrtimer_no_expiry);
	add_u64(o, "hrtimer_stale_expiry", s->hrtimer_stale_expiry);
	add_u64(o, "hrtimer_cancel_no_fn", s->hrtimer_cancel_no_fn);
	add_u64(o, "hrtimer_dequeues", s->hrtimer_dequeues);
	add_u64(o, "hrtimer_cancel_unresolved", s->hrtimer_cancel_unresolved);
	add_u64(o, "timerfd_unattributed", s->timerfd_unattributed);
	add_u64(o, "ipi_coalesced", s->ipi_coalesced);
	add_u64(o, "wakeup_from_wakeup", s->wakeup_from_wakeup);
	add_u64(o, "wakeup_repeated", s->wakeup_repeated);
	add_u64(o, "wakeup_ran", s->wakeup_ran);
	add_u64(o, "wakeup_raced", s->wakeup_raced);
	add_u64(o, "kvm_unknown_reason", s->kvm_unknown_reason);
	add_u64(o, "backwards", s->backwards);
	add_u64(o, "lost_resets", s->lost_resets);
	add_u64(o, "table_evictions", s->table_evictions);
	add_u64(o, "names_overflow", s->names_overflow);
	add_u64(o, "cpu_out_of_range", s->cpu_out_of_range);
	return o;
}

json_object *ls_report_input(const char *name, const struct ls_ft_counts *c,
			     const struct ls_pair *p)
{
	const struct ls_pair_stats *s = ls_pair_stats(p);
	json_object *o = json_object_new_object();

	add_str(o, "file", name);
	json_object_object_add(o, "format", format(c, s));
	json_object_object_add(o, "lines", lines(c));
	add_u64(o, "ncpus", s->ncpus);
	add_u64(o, "first_ts_ns", s->first_ts);
	add_u64(o, "last_ts_ns", s->last_ts);
	json_object_object_add(o, "events", known_events(p));
	json_object_object_add(o, "ignored_events", ignored_events(p));
	add_u64(o, "malformed", s->malformed);
	add_u64(o, "counter_ts", s->counter_ts);
	json_object_object_add(o, "records", by_kind(s->records));
	json_object_object_add(o, "unpaired", by_kind(s->unpaired));
	json_object_object_add(o, "open_at_end", by_kind(s->open_at_end));
	json_object_object_add(o, "open", open_list(p));
	json_object_object_add(o, "notes", notes(s));
	return o;
}
