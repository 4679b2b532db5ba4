// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_windows.h"
#include "windows.h"
#include "interruptions.h"
#include "names.h"
#include "comms.h"

static const uint32_t kinds[] = { LS_K_IRQOFF, LS_K_PREEMPTOFF };
#define NKINDS 2

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_bool(json_object *o, const char *k, bool v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

/* Record kinds by name; the families that land later name theirs in
 * lib/names.c, these are the fallbacks for the kinds windows read. */
static const char *kind_word(uint32_t kind)
{
	const char *n = ls_class_name(kind);

	if (n)
		return n;
	switch (kind) {
	case LS_K_IPI: return "ipi";
	case LS_K_WAKEUP: return "wakeup";
	case LS_K_KVM_EXIT: return "kvm_exit";
	default: return "unknown";
	}
}

/* {"pid": P, "comm": C} with comm from the record, the comm table, or
 * absent; pid LS_PID_UNKNOWN gives null. */
static json_object *task_obj(uint32_t pid, const char *comm)
{
	json_object *o;
	char buf[16];

	if (pid == LS_PID_UNKNOWN)
		return NULL;
	o = json_object_new_object();
	add_u64(o, "pid", pid);
	if ((!comm || !comm[0]) && pid)
		comm = ls_comm_get(pid, buf, sizeof(buf));
	if (comm && comm[0])
		add_str(o, "comm", comm);
	return o;
}

static json_object *key_obj(uint32_t key, const char *name)
{
	json_object *o = json_object_new_object();

	add_u64(o, "key", key);
	add_str(o, "name", name);
	return o;
}

/* Name of a record's key, per kind. */
static const char *rec_key_name(uint32_t kind, uint32_t key, char *buf, size_t len)
{
	switch (kind) {
	case LS_K_IPI:
		return key ? ls_kaddr_name(key, buf, len) : "none";
	case LS_K_WAKEUP:
		return key == LS_SCHED_RT ? "rt" : key == LS_SCHED_DL ? "dl" : "normal";
	case LS_K_IRQOFF_EXACT:
	case LS_K_PREEMPTOFF_EXACT:
		return ls_kaddr_name(key, buf, len);
	default:
		return ls_key_name(kind, key, buf, len);
	}
}

static json_object *flag_list(uint32_t flags)
{
	static const char *const names[] = {
		"in_hardirq", "in_softirq", "in_vector", "in_hrtimer", "soft",
	};
	json_object *a = json_object_new_array();

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (flags & (1u << i))
			json_object_array_add(a, json_object_new_string(names[i]));
	return a;
}

json_object *ls_report_record(const union ls_rec_any *r, uint64_t t0_ns)
{
	const struct ls_rec *h = &r->h;
	json_object *o = json_object_new_object();
	char buf[128];

	json_object_object_add(o, "t_ns", json_object_new_int64((int64_t)(h->ts - t0_ns)));
	add_str(o, "kind", kind_word(h->kind));
	add_u64(o, "dur_ns", h->dur);
	json_object_object_add(o, "key", key_obj(h->key, rec_key_name(h->kind, h->key, buf,
								      sizeof(buf))));
	add_u64(o, "pid", h->pid);
	json_object_object_add(o, "flags", flag_list(h->flags));
	switch (h->kind) {
	case LS_K_HRTIMER:
		json_object_object_add(o, "late_ns", json_object_new_int64(r->hrtimer.late));
		if (r->hrtimer.armed != LS_ARMED_UNKNOWN)
			json_object_object_add(o, "armed_ns",
					       json_object_new_int64(r->hrtimer.armed));
		if (h->arg)
			json_object_object_add(o, "woken", task_obj(h->arg, r->hrtimer.comm));
		break;
	case LS_K_IPI:
		add_u64(o, "sender_cpu", h->arg);
		json_object_object_add(o, "sender", task_obj(h->pid, r->ipi.comm));
		add_u64(o, "coalesced", r->ipi.coalesced);
		break;
	case LS_K_WAKEUP:
		json_object_object_add(o, "woken", task_obj(h->arg, r->wakeup.comm));
		json_object_object_add(o, "culprit", task_obj(h->pid, r->wakeup.culprit_comm));
		add_u64(o, "prio", r->wakeup.prio);
		add_u64(o, "culprit_prio", r->wakeup.culprit_prio);
		add_u64(o, "wflags", r->wakeup.wflags);
		break;
	case LS_K_SOFTIRQ:
		if (h->arg != LS_ARG_NONE)
			add_u64(o, "raise_delay_ns", h->arg);
		break;
	default:
		break;
	}
	return o;
}

/* The cause of a window, per source. */
static json_object *cause_obj(const struct ls_window *w)
{
	json_object *o = json_object_new_object();
	char buf[128];

	switch (w->src) {
	case LS_WS_HARDIRQ:
		add_str(o, "name", ls_key_name(LS_K_HARDIRQ, w->key, buf, sizeof(buf)));
		add_u64(o, "irq", w->key);
		break;
	case LS_WS_VECTOR:
		add_str(o, "name", ls_key_name(LS_K_VECTOR, w->key, buf, sizeof(buf)));
		break;
	case LS_WS_TIMER:
		add_str(o, "name", ls_kaddr_name(w->key, buf, sizeof(buf)));
		add_str(o, "what", "hrtimer expired late");
		if (w->peer)
			json_object_object_add(o, "woken", task_obj(w->peer, w->peer_comm));
		break;
	case LS_WS_IPI:
		add_str(o, "name", w->key ? ls_kaddr_name(w->key, buf, sizeof(buf)) : "none");
		add_str(o, "what", "IPI delivered late");
		add_u64(o, "sender_cpu", w->arg);
		json_object_object_add(o, "sender", task_obj(w->peer, w->peer_comm));
		break;
	case LS_WS_SOFTIRQ: {
		json_object *vecs = json_object_new_array();

		add_str(o, "name", ls_key_name(LS_K_SOFTIRQ, w->key, buf, sizeof(buf)));
		for (uint32_t v = 0; v < LS_NR_SOFTIRQS; v++)
			if (w->arg & (1u << v))
				json_object_array_add(vecs, json_object_new_string(
					ls_key_name(LS_K_SOFTIRQ, v, buf, sizeof(buf))));
		json_object_object_add(o, "vectors", vecs);
		break;
	}
	case LS_WS_WAKEUP:
		if (w->peer_comm[0])
			snprintf(buf, sizeof(buf), "%s-%u", w->peer_comm, w->peer);
		else
			snprintf(buf, sizeof(buf), "%u", w->peer);
		add_str(o, "name", buf);
		add_str(o, "what", "preemption by a woken RT/DL task delayed");
		json_object_object_add(o, "woken", task_obj(w->peer, w->peer_comm));
		add_u64(o, "woken_prio", w->arg);
		break;
	case LS_WS_TRACEPOINT:
		add_str(o, "name", ls_kaddr_name(w->key, buf, sizeof(buf)));
		add_str(o, "enabled_at", ls_kaddr_name(w->arg, buf, sizeof(buf)));
		break;
	default:
		add_str(o, "name", "unknown");
	}
	add_u64(o, "key", w->key);
	return o;
}

static const char *blocker_name(const struct ls_win_blocker *b, char *buf, size_t len)
{
	switch (b->src) {
	case LS_WS_HARDIRQ: return ls_key_name(LS_K_HARDIRQ, b->key, buf, len);
	case LS_WS_VECTOR: return ls_key_name(LS_K_VECTOR, b->key, buf, len);
	case LS_WS_SOFTIRQ: return ls_key_name(LS_K_SOFTIRQ, b->key, buf, len);
	default: return "unknown";
	}
}

static json_object *window_obj(const struct ls_window *w, const union ls_rec_any *story,
			       unsigned nstory)
{
	json_object *o = json_object_new_object(), *ctx = json_object_new_object();
	char buf[128];

	add_u64(o, "start_mono_ns", w->start);
	add_u64(o, "len_ns", w->len);
	add_str(o, "kind", ls_win_kind_name(w->kind));
	add_str(o, "source", ls_win_src_name(w->src));
	add_bool(o, "inferred", w->flags & LS_WIN_INFERRED);
	if (w->flags & LS_WIN_CLIPPED)
		add_bool(o, "clipped", true);
	if (w->flags & LS_WIN_NO_DELIVERY)
		add_bool(o, "delivery_unseen", true);
	if (w->flags & LS_WIN_ARMING_UNSEEN)
		add_bool(o, "arming_unseen", true);
	if (w->flags & LS_WIN_RESTORED)
		add_bool(o, "restored", true);
	if (w->flags & LS_WIN_EARLIER_BOOT)
		add_bool(o, "earlier_boot", true);
	add_u64(o, "parts", w->parts);
	json_object_object_add(o, "cause", cause_obj(w));
	json_object_object_add(o, "task", task_obj(w->pid, w->comm));
	add_str(ctx, "kind", ls_win_ctx_name(w->ctx));
	if (w->ctx == LS_WC_SOFTIRQ && w->ctx_vec != LS_CTX_VEC_UNKNOWN)
		add_str(ctx, "softirq", ls_key_name(LS_K_SOFTIRQ, w->ctx_vec, buf, sizeof(buf)));
	json_object_object_add(o, "context", ctx);
	if (w->blocker.len) {
		json_object *b = json_object_new_object();

		add_str(b, "kind", ls_win_kind_name(w->blocker.kind));
		add_str(b, "source", ls_win_src_name(w->blocker.src));
		add_str(b, "name", blocker_name(&w->blocker, buf, sizeof(buf)));
		add_u64(b, "start_mono_ns", w->blocker.start);
		add_u64(b, "len_ns", w->blocker.len);
		add_u64(b, "pid", w->blocker.pid);
		json_object_object_add(o, "blocker", b);
	}
	if (story) {
		json_object *s = json_object_new_array();

		for (unsigned i = 0; i < nstory; i++)
			json_object_array_add(s, ls_report_record(&story[i], w->start));
		json_object_object_add(o, "story", s);
	}
	return o;
}

static json_object *summary_obj(const struct ls_win_summary *s)
{
	json_object *o = json_object_new_object();

	add_u64(o, "count", s->count);
	if (s->count) {
		add_u64(o, "p50_ns", s->p50);
		add_u64(o, "p99_ns", s->p99);
		add_u64(o, "p999_ns", s->p999);
		add_u64(o, "max_ns", s->max);
	}
	return o;
}

static json_object *kind_obj(const struct ls_windows *w, uint32_t cpu, uint32_t kind,
			     unsigned n)
{
	static const char *const pname[LS_WP_MAX] = { "1s", "10s", "60s", "total" };
	json_object *o = json_object_new_object(), *per = json_object_new_object();
	json_object *arr = json_object_new_array();
	const struct ls_win_worst *ws;
	unsigned nw = ls_windows_worst(w, cpu, kind, &ws);

	for (int p = 0; p < LS_WP_MAX; p++) {
		struct ls_win_summary s;

		ls_windows_summary(w, cpu, kind, p, ls_windows_now(w), &s);
		json_object_object_add(per, pname[p], summary_obj(&s));
	}
	json_object_object_add(o, "periods", per);
	for (unsigned i = 0; i < nw && i < n; i++)
		json_object_array_add(arr, window_obj(&ws[i].w, ws[i].story, ws[i].nstory));
	json_object_object_add(o, "worst", arr);
	return o;
}

json_object *ls_report_windows(const struct ls_agg *a, unsigned ncpus, int64_t cpu,
			       int64_t kind, unsigned n)
{
	const struct ls_windows *w = ls_agg_windows(a);
	json_object *res = json_object_new_object(), *arr = json_object_new_array();

	add_u64(res, "now_mono_ns", ls_windows_now(w));
	add_u64(res, "ncpus", ncpus);
	for (unsigned c = 0; c < ncpus; c++) {
		json_object *co;

		if (cpu >= 0 && c != (uint64_t)cpu)
			continue;
		co = json_object_new_object();
		add_u64(co, "cpu", c);
		add_bool(co, "isolated", ls_windows_isolated(w, c));
		for (int k = 0; k < NKINDS; k++)
			if (kind < 0 || kind == kinds[k])
				json_object_object_add(co, ls_win_kind_name(kinds[k]),
						       kind_obj(w, c, kinds[k], n));
		json_object_array_add(arr, co);
	}
	json_object_object_add(res, "cpus", arr);
	return res;
}

void ls_report_cpu_windows(json_object *cpu_obj, const struct ls_agg *a, uint32_t cpu)
{
	const struct ls_windows *w = ls_agg_windows(a);
	json_object *wo = json_object_new_object();

	add_bool(cpu_obj, "isolated", ls_windows_isolated(w, cpu));
	for (int k = 0; k < NKINDS; k++) {
		json_object *o = json_object_new_object();
		struct ls_win_summary cur, tot;
		const struct ls_win_worst *ws;

		ls_windows_summary(w, cpu, kinds[k], LS_WP_1S, ls_windows_now(w), &cur);
		ls_windows_summary(w, cpu, kinds[k], LS_WP_TOTAL, 0, &tot);
		add_u64(o, "count", tot.count);
		if (tot.count) {
			add_u64(o, "current_ns", cur.max);
			add_u64(o, "p99_ns", tot.p99);
			add_u64(o, "max_ns", tot.max);
		}
		if (ls_windows_worst(w, cpu, kinds[k], &ws))
			json_object_object_add(o, "worst", window_obj(&ws[0].w, NULL, 0));
		json_object_object_add(wo, ls_win_kind_name(kinds[k]), o);
	}
	json_object_object_add(cpu_obj, "windows", wo);
}

static json_object *sources_list(unsigned src)
{
	static const char *const names[] = { "isolcpus", "nohz_full", "cpuset", "option" };
	json_object *a = json_object_new_array();

	for (unsigned i = 0; i < 4; i++)
		if (src & (1u << i))
			json_object_array_add(a, json_object_new_string(names[i]));
	return a;
}

static json_object *cause_count(const struct ls_intr_key *k)
{
	json_object *o = json_object_new_object();
	char buf[128];

	add_str(o, "kind", k->kind ? kind_word(k->kind) : "other");
	if (k->kind)
		json_object_object_add(o, "key", key_obj(k->key, rec_key_name(k->kind, k->key,
									     buf, sizeof(buf))));
	if (k->sender != LS_INTR_NO_SENDER)
		add_u64(o, "sender_cpu", k->sender);
	add_u64(o, "count", k->count);
	add_u64(o, "total_ns", k->total_ns);
	add_u64(o, "max_ns", k->max_ns);
	add_u64(o, "last_mono_ns", k->last_ns);
	return o;
}

static int by_count_desc(const void *x, const void *y)
{
	uint64_t a = json_object_get_uint64(json_object_object_get(*(json_object *const *)x, "count"));
	uint64_t b = json_object_get_uint64(json_object_object_get(*(json_object *const *)y, "count"));

	return a < b ? 1 : a > b ? -1 : 0;
}

static json_object *isolated_cpu(const struct ls_windows *w, const struct ls_isolation *iso,
				 uint32_t cpu, unsigned n)
{
	const struct ls_intr_log *l = ls_windows_intr(w, cpu);
	json_object *o = json_object_new_object();
	json_object *causes = json_object_new_array(), *recent = json_object_new_array();

	add_u64(o, "cpu", cpu);
	json_object_object_add(o, "sources", sources_list(ls_isolation_of(iso, cpu)));
	add_u64(o, "interruptions", l ? l->total : 0);
	for (unsigned i = 0; l && i < l->nkeys; i++)
		json_object_array_add(causes, cause_count(&l->keys[i]));
	if (l && l->other.count)
		json_object_array_add(causes, cause_count(&l->other));
	json_object_array_sort(causes, by_count_desc);
	json_object_object_add(o, "causes", causes);
	for (unsigned i = 0; l && i < n; i++) {
		const union ls_rec_any *r = ls_intr_recent(l, i);
		json_object *ro;

		if (!r)
			break;
		ro = ls_report_record(r, 0);
		json_object_object_del(ro, "t_ns");
		add_u64(ro, "start_mono_ns", r->h.ts);
		json_object_array_add(recent, ro);
	}
	json_object_object_add(o, "recent", recent);
	return o;
}

static json_object *isolation_obj(const struct ls_isolation *iso)
{
	json_object *o = json_object_new_object();
	struct ls_cpuset all;
	char buf[1024];

	ls_isolation_all(iso, &all);
	add_str(o, "source", iso->overridden ? "option" : "sysfs");
	add_str(o, "cpus", ls_cpuset_format(&all, buf, sizeof(buf)));
	if (iso->overridden) {
		add_str(o, "option", ls_cpuset_format(&iso->option, buf, sizeof(buf)));
	} else {
		add_str(o, "isolcpus", ls_cpuset_format(&iso->isolcpus, buf, sizeof(buf)));
		add_str(o, "nohz_full", ls_cpuset_format(&iso->nohz_full, buf, sizeof(buf)));
		add_str(o, "cpuset", ls_cpuset_format(&iso->cpuset, buf, sizeof(buf)));
		if (iso->cpuset_file[0])
			add_str(o, "cpuset_file", iso->cpuset_file);
	}
	if (iso->error[0])
		add_str(o, "error", iso->error);
	return o;
}

json_object *ls_report_isolated(const struct ls_agg *a, const struct ls_isolation *iso,
				unsigned ncpus, int64_t cpu, unsigned n)
{
	const struct ls_windows *w = ls_agg_windows(a);
	json_object *res = isolation_obj(iso), *arr = json_object_new_array();

	for (unsigned c = 0; c < ncpus; c++)
		if ((cpu < 0 || c == (uint64_t)cpu) && ls_windows_isolated(w, c))
			json_object_array_add(arr, isolated_cpu(w, iso, c, n));
	json_object_object_add(res, "isolated_cpus", arr);
	return res;
}

static json_object *by_src(const uint64_t *v)
{
	json_object *o = json_object_new_object();

	for (uint32_t s = 0; s < LS_WS_MAX; s++)
		add_u64(o, ls_win_src_name(s), v[s]);
	return o;
}

json_object *ls_report_windows_status(const struct ls_agg *a, const struct ls_isolation *iso)
{
	const struct ls_windows *w = ls_agg_windows(a);
	json_object *o = json_object_new_object();
	struct ls_win_stats st;
	struct ls_win_opts opt;

	ls_windows_get_stats(w, &st);
	ls_windows_get_opts(w, &opt);
	add_u64(o, "worst", opt.worst);
	add_u64(o, "flight", opt.flight);
	add_u64(o, "hold_ns", LS_WIN_HOLD_NS);
	add_u64(o, "softirq_pass_gap_ns", LS_WIN_PASS_GAP_NS);
	json_object_object_add(o, "windows", by_src(st.windows));
	json_object_object_add(o, "nested", by_src(st.nested));
	json_object_object_add(o, "idle_excluded", by_src(st.idle));
	json_object_object_add(o, "contradicted", by_src(st.contradicted));
	json_object_object_add(o, "superseded", by_src(st.superseded));
	add_u64(o, "batched", st.batched);
	add_u64(o, "soft_timers", st.soft_timers);
	add_u64(o, "armed_late", st.armed_late);
	add_u64(o, "arming_unseen", st.arming_unseen);
	add_u64(o, "migrated_wakeups", st.migrated_wakeups);
	add_u64(o, "delivery_unseen", st.no_delivery);
	add_u64(o, "queue_full", st.queue_full);
	add_u64(o, "stale", st.stale);
	add_u64(o, "alloc_failures", st.alloc_failures);
	json_object_object_add(o, "isolation", isolation_obj(iso));
	return o;
}
