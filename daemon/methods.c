/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The socket methods of docs/protocol.md: status, cpus, hist, keys,
 * timers, ipis, metrics, kvm, windows, isolated, wakeups. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include "daemon.h"
#include "names.h"
#include "proto.h"
#include "report.h"
#include "report_windows.h"
#include "windows.h"
#include "interruptions.h"
#include "report_ipis.h"
#include "server.h"
#include "report_kvm.h"
#include "tracer_kvm.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static json_object *programs(const struct ls_tracer *t)
{
	json_object *arr = json_object_new_array();
	unsigned i;

	for (i = 0; i < t->nprogs; i++) {
		const struct ls_prog_state *p = &t->progs[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(p->name));
		json_object_object_add(o, "family", json_object_new_string(p->family));
		json_object_object_add(o, "attached", json_object_new_boolean(p->attached));
		if (!p->attached)
			json_object_object_add(o, "reason", json_object_new_string(p->reason));
		else
			add_u64(o, "recursion_misses", ls_tracer_prog_misses(t, i));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* What this kernel cannot give, beyond single missing programs. */
static json_object *notes(const struct ls_tracer *t)
{
	json_object *arr = json_object_new_array();

	if (!t->ipi_send_side)
		json_object_array_add(arr, json_object_new_string(
			"ipi: receive only (no ipi_send_* tracepoints, kernel < 6.4): "
			"no IPI origin or delivery latency"));
	return arr;
}

static json_object *by_class(const struct ls_counters *c)
{
	json_object *arr = json_object_new_array();
	int k;

	for (k = 1; k < LS_K_MAX; k++) {
		json_object *o;

		if (!ls_class_name(k))
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "class", json_object_new_string(ls_class_name(k)));
		add_u64(o, "events", c->events[k]);
		add_u64(o, "records", c->records[k]);
		add_u64(o, "drops", c->drops[k]);
		add_u64(o, "unpaired", c->unpaired[k]);
		json_object_array_add(arr, o);
	}
	return arr;
}

static uint64_t sum_k(const __u64 *v)
{
	uint64_t s = 0;
	int k;

	for (k = 0; k < LS_K_MAX; k++)
		s += v[k];
	return s;
}

static json_object *status(struct ls_daemon *d)
{
	const struct ls_tracer *t = &d->tracer;
	json_object *o = json_object_new_object();
	json_object *rings = json_object_new_object();
	json_object *agg = json_object_new_object();
	struct ls_agg_stats st;
	struct utsname u;
	uint64_t now = mono_ns();

	/* counters first, then drain: every record counted as submitted is
	 * then also aggregated, so agg.records >= records always holds */
	ls_daemon_refresh(d, now);
	ls_tracer_drain(&d->tracer);
	ls_agg_get_stats(d->agg, &st);
	uname(&u);
	json_object_object_add(o, "version", json_object_new_string(LS_VERSION));
	json_object_object_add(o, "kernel", json_object_new_string(u.release));
	add_u64(o, "pid", getpid());
	add_u64(o, "uptime_ns", now - d->started_mono_ns);
	add_u64(o, "started_mono_ns", d->started_mono_ns);
	add_u64(o, "ncpus", t->ncpus);
	add_u64(rings, "shards", t->nshards);
	add_u64(rings, "cpus_per_shard", t->cpus_per_shard);
	add_u64(rings, "bytes_per_shard", t->ring_bytes);
	add_u64(rings, "wakeup_bytes", t->wakeup_bytes);
	add_u64(rings, "drain_period_ms", d->drain_ms);
	json_object_object_add(o, "rings", rings);
	json_object_object_add(o, "programs", programs(t));
	json_object_object_add(o, "notes", notes(t));
	add_u64(o, "programs_attached", t->nattached);
	add_u64(o, "programs_missing", t->nprogs - t->nattached);
	add_u64(o, "events", d->rates.events);
	json_object_object_add(o, "events_per_sec", json_object_new_double(d->rates.events_per_sec));
	add_u64(o, "records", d->rates.records);
	json_object_object_add(o, "records_per_sec", json_object_new_double(d->rates.records_per_sec));
	add_u64(o, "drops", sum_k(d->total.drops));
	add_u64(o, "unpaired", sum_k(d->total.unpaired));
	json_object_object_add(o, "by_class", by_class(&d->total));
	json_object_object_add(o, "kvm", ls_kvm_status(t));
	add_u64(agg, "records", st.records);
	add_u64(agg, "series", st.series);
	add_u64(agg, "series_overflow", st.series_overflow);
	add_u64(agg, "alloc_failures", st.alloc_failures);
	add_u64(agg, "unknown_kind", st.unknown_kind);
	add_u64(agg, "malformed", d->malformed);
	add_u64(agg, "wakeup_timer_early", st.wakeup_timer_early);
	json_object_object_add(o, "agg", agg);
	json_object_object_add(o, "wakeup_tracking", ls_daemon_wakeup_status(d));
	json_object_object_add(o, "state", ls_persist_status(d));
	if (d->metrics.textfile)
		json_object_object_add(o, "metrics_export", ls_metrics_status(d));
	ls_agg_flush(d->agg, now);
	json_object_object_add(o, "windows", ls_report_windows_status(d->agg, &d->iso));
	json_object_object_add(json_object_object_get(o, "windows"), "stacks",
			       ls_stacks_status(&d->stacks));
	if (d->capture) {
		json_object *cap = json_object_new_object();

		add_u64(cap, "write_errors", d->capture_errors);
		json_object_object_add(o, "capture", cap);
	}
	json_object_object_add(o, "config", ls_daemon_config_status(d));
	return o;
}

/* Prometheus text in a JSON string: the CLI prints it raw. */
static json_object *metrics(struct ls_daemon *d, struct ls_err *err)
{
	json_object *o;
	size_t len;
	char *text = ls_metrics_render(d, &len);

	if (!text) {
		ls_err_set(err, LS_E_INTERNAL, "out of memory rendering the metrics");
		return NULL;
	}
	o = json_object_new_object();
	json_object_object_add(o, "content_type",
			       json_object_new_string("text/plain; version=0.0.4"));
	json_object_object_add(o, "text", json_object_new_string_len(text, (int)len));
	free(text);
	return o;
}

/* cpu parameter: must name a possible CPU. Returns -1 when absent. */
static int get_cpu(const struct ls_req *rq, const struct ls_daemon *d, int64_t *cpu,
		   struct ls_err *err)
{
	uint64_t v;
	int r = ls_req_uint(rq, "cpu", (uint64_t)d->tracer.ncpus - 1, &v, err);

	*cpu = r == 1 ? (int64_t)v : -1;
	return r < 0 ? -1 : 0;
}

static int get_class(const struct ls_req *rq, uint32_t *cls, struct ls_err *err)
{
	const char *name = NULL;
	int r = ls_req_str(rq, "class", &name, err);

	if (r == 0) {
		ls_err_set(err, LS_E_BAD_PARAMS, "class: required");
		return -1;
	}
	return r < 0 ? -1 : ls_report_parse_class(name, cls, err);
}

static int get_key(const struct ls_req *rq, uint32_t cls, int64_t *key, struct ls_err *err)
{
	const char *name;
	uint64_t num = 0;
	uint32_t k;
	int r = ls_req_num_or_str(rq, "key", &num, &name, err);

	*key = -1;
	if (r <= 0)
		return r;
	if (name) {
		if (ls_report_parse_key(cls, name, &k, err))
			return -1;
		num = k;
	}
	*key = (int64_t)num;
	return 0;
}

/* kind parameter of `windows`: "irqoff" or "preemptoff"; -1 when absent. */
static int get_kind(const struct ls_req *rq, int64_t *kind, struct ls_err *err)
{
	const char *name;
	uint32_t k;
	int r = ls_req_str(rq, "kind", &name, err);

	*kind = -1;
	if (r <= 0)
		return r;
	if (ls_win_kind_parse(name, &k)) {
		ls_err_set(err, LS_E_BAD_PARAMS, "kind: unknown \"%.40s\" (irqoff or preemptoff)",
			   name);
		return -1;
	}
	*kind = k;
	return 0;
}

/* n parameter: how many windows/interruptions per CPU, 1..max. */
static int get_n(const struct ls_req *rq, unsigned dflt, unsigned max, unsigned *n,
		 struct ls_err *err)
{
	uint64_t v;
	int r = ls_req_uint(rq, "n", max, &v, err);

	if (r < 0)
		return -1;
	if (r == 1 && v == 0) {
		ls_err_set(err, LS_E_BAD_PARAMS, "n: expected 1..%u", max);
		return -1;
	}
	*n = r == 1 ? (unsigned)v : dflt;
	return 0;
}

/* kvm parameters: vm (tgid), vcpu, sort. */
static int get_kvm(const struct ls_req *rq, int64_t *vm, int64_t *vcpu,
		   enum ls_kvm_sort *sort, struct ls_err *err)
{
	const char *name = NULL;
	uint64_t v;
	int r;

	*vm = *vcpu = -1;
	*sort = LS_KVM_SORT_DEFAULT;
	if ((r = ls_req_uint(rq, "vm", UINT32_MAX, &v, err)) < 0)
		return -1;
	if (r)
		*vm = (int64_t)v;
	if ((r = ls_req_uint(rq, "vcpu", UINT32_MAX, &v, err)) < 0)
		return -1;
	if (r)
		*vcpu = (int64_t)v;
	if ((r = ls_req_str(rq, "sort", &name, err)) < 0)
		return -1;
	if (r && ls_kvm_sort_parse(name, sort)) {
		ls_err_set(err, LS_E_BAD_PARAMS, "sort: unknown \"%.40s\" (one of: "
			   LS_KVM_SORT_NAMES ")", name);
		return -1;
	}
	return 0;
}

static json_object *dispatch(struct ls_daemon *d, const struct ls_req *rq, struct ls_err *err)
{
	static const char *const none[] = { NULL };
	static const char *const cpu_only[] = { "cpu", NULL };
	static const char *const hist_p[] = { "class", "cpu", "key", NULL };
	static const char *const keys_p[] = { "class", "cpu", NULL };
	static const char *const kvm_p[] = { "vm", "vcpu", "sort", NULL };
	static const char *const windows_p[] = { "cpu", "kind", "n", NULL };
	static const char *const isolated_p[] = { "cpu", "n", NULL };
	struct ls_win_opts wo;
	enum ls_kvm_sort sort;
	uint32_t cls;
	int64_t cpu, key, vm, vcpu, kind;
	unsigned n;

	/* serve from up-to-date data: pull whatever the rings hold now */
	if (strcmp(rq->method, "status")) {
		ls_tracer_drain(&d->tracer);
		ls_daemon_cancels_sync(d);
		if (ls_daemon_wakeup_sync(d))
			d->wakeup_sync_errors++;
		ls_agg_flush(d->agg, mono_ns());
	}
	if (!strcmp(rq->method, "status")) {
		if (ls_req_check_members(rq, none, err))
			return NULL;
		return status(d);
	}
	if (!strcmp(rq->method, "cpus")) {
		if (ls_req_check_members(rq, cpu_only, err) || get_cpu(rq, d, &cpu, err))
			return NULL;
		return ls_report_cpus(d->agg, d->tracer.ncpus, cpu);
	}
	if (!strcmp(rq->method, "hist")) {
		if (ls_req_check_members(rq, hist_p, err) || get_class(rq, &cls, err) ||
		    get_cpu(rq, d, &cpu, err) || get_key(rq, cls, &key, err))
			return NULL;
		return ls_report_hist(d->agg, cls, cpu, key, err);
	}
	if (!strcmp(rq->method, "timers")) {
		json_object *res;

		if (ls_req_check_members(rq, cpu_only, err) || get_cpu(rq, d, &cpu, err))
			return NULL;
		res = ls_report_timers(d->agg, d->tracer.ncpus, cpu);
		json_object_object_add(res, "cancels", ls_daemon_cancels_json(d));
		return res;
	}
	if (!strcmp(rq->method, "ipis")) {
		json_object *res;

		if (ls_req_check_members(rq, cpu_only, err) || get_cpu(rq, d, &cpu, err))
			return NULL;
		res = ls_report_ipis(d->agg, d->tracer.ncpus, cpu);
		json_object_object_add(res, "send_side",
				       json_object_new_boolean(d->tracer.ipi_send_side));
		return res;
	}
	if (!strcmp(rq->method, "metrics")) {
		if (ls_req_check_members(rq, none, err))
			return NULL;
		return metrics(d, err);
	}
	if (!strcmp(rq->method, "wakeups")) {
		if (ls_req_check_members(rq, cpu_only, err) || get_cpu(rq, d, &cpu, err))
			return NULL;
		return ls_report_wakeups(d->agg, d->tracer.ncpus, cpu);
	}
	if (!strcmp(rq->method, "keys")) {
		if (ls_req_check_members(rq, keys_p, err) || get_class(rq, &cls, err) ||
		    get_cpu(rq, d, &cpu, err))
			return NULL;
		return ls_report_keys(d->agg, cls, cpu);
	}
	if (!strcmp(rq->method, "watch")) {
		json_object *o;

		if (ls_req_check_members(rq, none, err))
			return NULL;
		ls_server_watch_current(d->srv);
		o = json_object_new_object();
		json_object_object_add(o, "watching", json_object_new_boolean(1));
		return o;
	}
	if (!strcmp(rq->method, "kvm")) {
		if (ls_req_check_members(rq, kvm_p, err) || get_kvm(rq, &vm, &vcpu, &sort, err))
			return NULL;
		return ls_report_kvm(d->agg, vm, vcpu, sort);
	}
	if (!strcmp(rq->method, "windows")) {
		ls_windows_get_opts(ls_agg_windows(d->agg), &wo);
		if (ls_req_check_members(rq, windows_p, err) || get_cpu(rq, d, &cpu, err) ||
		    get_kind(rq, &kind, err) || get_n(rq, wo.worst, LS_WIN_MAX_WORST, &n, err))
			return NULL;
		return ls_report_windows(d->agg, d->tracer.ncpus, cpu, kind, n);
	}
	if (!strcmp(rq->method, "isolated")) {
		if (ls_req_check_members(rq, isolated_p, err) || get_cpu(rq, d, &cpu, err) ||
		    get_n(rq, 20, LS_INTR_RECENT, &n, err))
			return NULL;
		return ls_report_isolated(d->agg, &d->iso, d->tracer.ncpus, cpu, n);
	}
	ls_err_set(err, LS_E_UNKNOWN_METHOD, "unknown method \"%.40s\" (status, cpus, hist, keys, timers, "
		   "ipis, metrics, kvm, windows, isolated, watch, wakeups)", rq->method);
	return NULL;
}

char *ls_methods_handle(void *ctx, const char *line, size_t len, size_t *out_len)
{
	struct ls_daemon *d = ctx;
	struct ls_err err = { 0 };
	struct ls_req rq;
	json_object *res = NULL;
	char *out;

	if (ls_req_parse(line, len, &rq, &err) == 0)
		res = dispatch(d, &rq, &err);
	if (res)
		out = ls_resp_ok(rq.id, res, out_len);
	else
		out = ls_resp_err(rq.id, err.code ? &err : &(struct ls_err){ LS_E_INTERNAL, "failed" },
				  out_len);
	ls_req_free(&rq);
	return out;
}
