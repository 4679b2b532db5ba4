// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The `kvm` view: per exit reason and per vCPU, from the KVM table. */
#include <stdlib.h>
#include <string.h>

#include "latscope/record.h"
#include "agg_kvm.h"
#include "kvm_reasons.h"
#include "report_kvm.h"

static const char *const sort_names[] = {
	[LS_KVM_SORT_COUNT] = "count",
	[LS_KVM_SORT_TOTAL] = "total",
	[LS_KVM_SORT_P99] = "p99",
	[LS_KVM_SORT_MAX] = "max",
};

int ls_kvm_sort_parse(const char *name, enum ls_kvm_sort *out)
{
	for (size_t i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++)
		if (!strcmp(name, sort_names[i])) {
			*out = (enum ls_kvm_sort)i;
			return 0;
		}
	return -1;
}

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

/* part/whole in percent, two decimals. */
static void add_pct(json_object *o, const char *k, uint64_t part, uint64_t whole)
{
	double v = whole ? 100.0 * (double)part / (double)whole : 0;

	json_object_object_add(o, k, json_object_new_double((double)(int64_t)(v * 100 + 0.5) / 100));
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* The series the view covers. */
struct pick {
	int64_t vm, vcpu;
	const struct ls_kvm_series **v;
	size_t n, cap;
};

static int collect(const struct ls_kvm_series *s, void *p)
{
	struct pick *c = p;

	if ((c->vm >= 0 && s->tgid != (uint64_t)c->vm) ||
	    (c->vcpu >= 0 && s->vcpu != (uint64_t)c->vcpu))
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		const struct ls_kvm_series **v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return 1;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = s;
	return 0;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

static int by_reason(const void *x, const void *y)
{
	const struct ls_kvm_series *a = *(const struct ls_kvm_series *const *)x;
	const struct ls_kvm_series *b = *(const struct ls_kvm_series *const *)y;

	return a->isa != b->isa ? cmp_u32(a->isa, b->isa) : cmp_u32(a->reason, b->reason);
}

static int by_vcpu(const void *x, const void *y)
{
	const struct ls_kvm_series *a = *(const struct ls_kvm_series *const *)x;
	const struct ls_kvm_series *b = *(const struct ls_kvm_series *const *)y;

	return a->tgid != b->tgid ? cmp_u32(a->tgid, b->tgid) : cmp_u32(a->vcpu, b->vcpu);
}

/* One reason: its series merged. */
struct reason_row {
	uint8_t isa;
	uint32_t reason;
	struct ls_hist cost, on_cpu;
	uint64_t open, p99;
	uint64_t sort_key;  /* the value sorted on */
};

static uint64_t sort_value(const struct reason_row *r, enum ls_kvm_sort sort)
{
	switch (sort) {
	case LS_KVM_SORT_COUNT: return r->cost.count;
	case LS_KVM_SORT_P99: return r->p99;
	case LS_KVM_SORT_MAX: return r->cost.max;
	default: return r->cost.sum;
	}
}

static int by_sort(const void *x, const void *y)
{
	const struct reason_row *a = x, *b = y;

	if (a->sort_key != b->sort_key)
		return a->sort_key < b->sort_key ? 1 : -1;
	if (a->cost.sum != b->cost.sum)
		return a->cost.sum < b->cost.sum ? 1 : -1;
	if (a->open != b->open)
		return a->open < b->open ? 1 : -1;
	return a->isa != b->isa ? cmp_u32(a->isa, b->isa) : cmp_u32(a->reason, b->reason);
}

static json_object *reason_obj(const struct reason_row *r, uint64_t exits, uint64_t total)
{
	json_object *o = json_object_new_object(), *k = json_object_new_object();
	char name[64];

	json_object_object_add(o, "isa", json_object_new_string(ls_kvm_isa_name(r->isa)));
	add_u64(k, "key", r->reason);
	json_object_object_add(k, "name", json_object_new_string(
		r->reason == LS_KEY_OTHER && r->isa == LS_KVM_ISA_UNKNOWN ? "other" :
		ls_kvm_reason_name(r->isa, r->reason, name, sizeof(name))));
	json_object_object_add(o, "reason", k);
	add_u64(o, "count", r->cost.count);
	add_pct(o, "exits_pct", r->cost.count, exits);
	add_u64(o, "total_ns", r->cost.sum);
	add_pct(o, "time_pct", r->cost.sum, total);
	if (r->cost.count) {
		add_u64(o, "min_ns", r->cost.min);
		add_u64(o, "avg_ns", r->cost.sum / r->cost.count);
		add_u64(o, "p50_ns", ls_hist_percentile(&r->cost, 50));
		add_u64(o, "p99_ns", r->p99);
		add_u64(o, "max_ns", r->cost.max);
		add_u64(o, "on_cpu_ns", r->on_cpu.sum);
		add_u64(o, "off_cpu_ns", r->cost.sum - r->on_cpu.sum);
		add_u64(o, "on_cpu_p99_ns", ls_hist_percentile(&r->on_cpu, 99));
		add_u64(o, "on_cpu_max_ns", r->on_cpu.max);
	}
	add_u64(o, "open", r->open);
	return o;
}

/* Reasons of the picked series, sorted; also the totals over them. */
static json_object *reasons(struct pick *p, enum ls_kvm_sort sort, json_object *res)
{
	json_object *arr = json_object_new_array();
	struct reason_row *rows = calloc(p->n ? p->n : 1, sizeof(*rows));
	uint64_t exits = 0, total = 0, open = 0;
	size_t nrows = 0;

	if (!rows)
		return arr;
	if (p->n)
		qsort(p->v, p->n, sizeof(*p->v), by_reason);
	for (size_t i = 0; i < p->n; i++) {
		const struct ls_kvm_series *s = p->v[i];
		struct reason_row *r;

		if (!i || by_reason(&p->v[i - 1], &p->v[i])) {
			r = &rows[nrows++];
			r->isa = s->isa;
			r->reason = s->reason;
			ls_hist_init(&r->cost);
			ls_hist_init(&r->on_cpu);
		} else {
			r = &rows[nrows - 1];
		}
		ls_hist_merge(&r->cost, &s->cost);
		ls_hist_merge(&r->on_cpu, &s->on_cpu);
		r->open += s->open;
	}
	for (size_t i = 0; i < nrows; i++) {
		rows[i].p99 = ls_hist_percentile(&rows[i].cost, 99);
		rows[i].sort_key = sort_value(&rows[i], sort);
		exits += rows[i].cost.count;
		total = sat_add(total, rows[i].cost.sum);
		open += rows[i].open;
	}
	if (nrows)
		qsort(rows, nrows, sizeof(*rows), by_sort);
	for (size_t i = 0; i < nrows; i++) {
		json_object_array_add(arr, reason_obj(&rows[i], exits, total));
		ls_hist_free(&rows[i].cost);
		ls_hist_free(&rows[i].on_cpu);
	}
	free(rows);
	add_u64(res, "exits", exits);
	add_u64(res, "total_ns", total);
	add_u64(res, "open", open);
	return arr;
}

/*
 * Guest vs host per vCPU. host = exit cost of completed exits; guest = the
 * guest runs that ended in those exits (runs ending in an exit still open
 * are reported apart), so both cover the same kvm_entry..kvm_entry cycles.
 */
struct vcpu_sum {
	uint64_t exits, host, on_cpu, guest, guest_runs, open, open_guest_ns;
	const char *comm;
};

static json_object *vcpu_obj(const struct ls_kvm_series *s, const struct vcpu_sum *v)
{
	json_object *o = json_object_new_object(), *vm = json_object_new_object();

	add_u64(vm, "pid", s->tgid);
	json_object_object_add(vm, "comm", json_object_new_string(
		s->tgid == LS_KEY_OTHER ? "other" : v->comm ? v->comm : ""));
	json_object_object_add(o, "vm", vm);
	add_u64(o, "vcpu", s->vcpu);
	add_u64(o, "exits", v->exits);
	add_u64(o, "host_ns", v->host);
	add_u64(o, "host_on_cpu_ns", v->on_cpu);
	add_u64(o, "host_off_cpu_ns", v->host - v->on_cpu);
	add_u64(o, "guest_ns", v->guest);
	add_u64(o, "guest_runs", v->guest_runs);
	add_pct(o, "guest_pct", v->guest, sat_add(v->guest, v->host));
	add_u64(o, "open", v->open);
	add_u64(o, "open_guest_ns", v->open_guest_ns);
	return o;
}

static json_object *vcpus(struct pick *p)
{
	json_object *arr = json_object_new_array();
	struct vcpu_sum v = { 0 };

	if (p->n)
		qsort(p->v, p->n, sizeof(*p->v), by_vcpu);
	for (size_t i = 0; i < p->n; i++) {
		const struct ls_kvm_series *s = p->v[i];

		v.exits += s->cost.count;
		v.host = sat_add(v.host, s->cost.sum);
		v.on_cpu = sat_add(v.on_cpu, s->on_cpu.sum);
		v.guest = sat_add(v.guest, s->guest.sum - s->open_guest_ns);
		v.guest_runs += s->guest.count - s->open_guest;
		v.open += s->open;
		v.open_guest_ns = sat_add(v.open_guest_ns, s->open_guest_ns);
		if (s->comm[0])
			v.comm = s->comm;
		if (i + 1 == p->n || by_vcpu(&p->v[i], &p->v[i + 1])) {
			json_object_array_add(arr, vcpu_obj(s, &v));
			memset(&v, 0, sizeof(v));
		}
	}
	return arr;
}

json_object *ls_report_kvm(const struct ls_agg *a, int64_t vm, int64_t vcpu,
			   enum ls_kvm_sort sort)
{
	const struct ls_kvm_table *t = ls_agg_kvm(a);
	struct pick p = { .vm = vm, .vcpu = vcpu };
	json_object *res = json_object_new_object(), *tab = json_object_new_object();
	struct ls_kvm_stats st;

	ls_kvm_table_foreach(t, collect, &p);
	json_object_object_add(res, "vm", vm >= 0 ? json_object_new_int64(vm) : NULL);
	json_object_object_add(res, "vcpu", vcpu >= 0 ? json_object_new_int64(vcpu) : NULL);
	json_object_object_add(res, "sort", json_object_new_string(sort_names[sort]));
	json_object_object_add(res, "reasons", reasons(&p, sort, res));
	json_object_object_add(res, "vcpus", vcpus(&p));
	ls_kvm_table_stats(t, &st);
	add_u64(tab, "records", st.records);
	add_u64(tab, "series", st.series);
	add_u64(tab, "series_overflow", st.overflow);
	add_u64(tab, "alloc_failures", st.alloc_failures);
	json_object_object_add(res, "table", tab);
	free(p.v);
	return res;
}
