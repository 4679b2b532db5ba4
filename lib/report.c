/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "report_windows.h"
#include "names.h"

const uint32_t ls_report_classes[] = {
	LS_K_HARDIRQ, LS_K_SOFTIRQ, LS_K_SOFTIRQ_RAISE, LS_K_VECTOR,
	LS_K_HRTIMER, LS_K_HRTIMER_LATE, LS_K_HRTIMER_EARLY, LS_K_HRTIMER_WAKEUP,
	LS_K_HRTIMER_TIMERFD,
	LS_K_IRQOFF, LS_K_PREEMPTOFF, LS_K_IRQOFF_EXACT, LS_K_PREEMPTOFF_EXACT,
	LS_K_IPI, LS_K_IPI_BY_SENDER, LS_K_IPI_CALLSITE,
	LS_K_KVM_EXIT, LS_K_KVM_GUEST,
	LS_K_NONE,
};

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static json_object *key_obj(uint32_t cls, uint32_t key)
{
	json_object *o = json_object_new_object();
	char buf[128];

	add_u64(o, "key", key);
	json_object_object_add(o, "name",
			       json_object_new_string(ls_key_name(cls, key, buf, sizeof(buf))));
	return o;
}

/* The worst key (largest max) of a class on a CPU. */
struct top_ctx {
	uint32_t cls;
	int64_t cpu;
	const struct ls_series *top;
};

static int find_top(const struct ls_series *s, void *p)
{
	struct top_ctx *c = p;

	if (s->cls == c->cls && (c->cpu < 0 || s->cpu == (uint64_t)c->cpu) &&
	    s->h.count && (!c->top || s->h.max > c->top->h.max))
		c->top = s;
	return 0;
}

static json_object *class_summary(const struct ls_agg *a, uint32_t cls, uint32_t cpu)
{
	json_object *o = json_object_new_object();
	struct top_ctx tc = { .cls = cls, .cpu = cpu };
	struct ls_hist h;

	ls_hist_init(&h);
	ls_agg_merge(a, cls, cpu, -1, &h);
	add_u64(o, "count", h.count);
	if (h.count) {
		add_u64(o, "sum_ns", h.sum);
		add_u64(o, "min_ns", h.min);
		add_u64(o, "p50_ns", ls_hist_percentile(&h, 50));
		add_u64(o, "p99_ns", ls_hist_percentile(&h, 99));
		add_u64(o, "max_ns", h.max);
		ls_agg_foreach(a, find_top, &tc);
		if (tc.top) {
			json_object_object_add(o, "top_key", key_obj(cls, tc.top->key));
			add_u64(o, "top_key_max_ns", tc.top->h.max);
		}
	}
	ls_hist_free(&h);
	return o;
}

static json_object *cpu_classes(const struct ls_agg *a, uint32_t cpu)
{
	json_object *classes = json_object_new_object();
	const uint32_t *cls;

	for (cls = ls_report_classes; *cls != LS_K_NONE; cls++)
		json_object_object_add(classes, ls_class_name(*cls), class_summary(a, *cls, cpu));
	return classes;
}

/* {"ncpus": N, "cpus": [{"cpu": c, member: fn(c)}...]} for all CPUs or one. */
static json_object *per_cpu_view(const struct ls_agg *a, unsigned ncpus, int64_t cpu,
				 const char *member,
				 json_object *(*fn)(const struct ls_agg *, uint32_t))
{
	json_object *res = json_object_new_object();
	json_object *arr = json_object_new_array();
	unsigned c;

	add_u64(res, "ncpus", ncpus);
	for (c = 0; c < ncpus; c++) {
		json_object *co;

		if (cpu >= 0 && c != (uint64_t)cpu)
			continue;
		co = json_object_new_object();
		add_u64(co, "cpu", c);
		json_object_object_add(co, member, fn(a, c));
		json_object_array_add(arr, co);
	}
	json_object_object_add(res, "cpus", arr);
	return res;
}

json_object *ls_report_per_cpu(const struct ls_agg *a, unsigned ncpus, int64_t cpu,
			       const char *member,
			       json_object *(*fn)(const struct ls_agg *, uint32_t))
{
	return per_cpu_view(a, ncpus, cpu, member, fn);
}

json_object *ls_report_cpus(const struct ls_agg *a, unsigned ncpus, int64_t cpu)
{
	json_object *res = per_cpu_view(a, ncpus, cpu, "classes", cpu_classes);
	json_object *cpus = json_object_object_get(res, "cpus");

	for (size_t i = 0; i < json_object_array_length(cpus); i++) {
		json_object *co = json_object_array_get_idx(cpus, i);

		ls_report_cpu_windows(co, a, json_object_get_uint64(
					      json_object_object_get(co, "cpu")));
	}
	return res;
}

static json_object *buckets(const struct ls_hist *h)
{
	json_object *arr = json_object_new_array();
	uint64_t count;
	int i = 0;

	while ((i = ls_hist_next_bucket(h, i, &count)) >= 0) {
		json_object *b = json_object_new_object();

		add_u64(b, "lo_ns", ls_hist_bucket_lo(i));
		add_u64(b, "hi_ns", ls_hist_bucket_hi(i));
		add_u64(b, "count", count);
		json_object_array_add(arr, b);
		i++;
	}
	return arr;
}

json_object *ls_report_hist(const struct ls_agg *a, uint32_t cls, int64_t cpu,
			    int64_t key, struct ls_err *err)
{
	json_object *o;
	struct ls_hist h;

	ls_hist_init(&h);
	ls_agg_merge(a, cls, cpu, key, &h);
	if (!h.count) {
		ls_hist_free(&h);
		ls_err_set(err, LS_E_NOT_FOUND, "no %s values%s", ls_class_name(cls),
			   cpu >= 0 || key >= 0 ? " for that cpu/key" : " yet");
		return NULL;
	}
	o = json_object_new_object();
	json_object_object_add(o, "class", json_object_new_string(ls_class_name(cls)));
	json_object_object_add(o, "cpu", cpu >= 0 ? json_object_new_int64(cpu) : NULL);
	json_object_object_add(o, "key", key >= 0 ? key_obj(cls, key) : NULL);
	add_u64(o, "count", h.count);
	add_u64(o, "sum_ns", h.sum);
	add_u64(o, "min_ns", h.min);
	add_u64(o, "max_ns", h.max);
	add_u64(o, "mean_ns", h.sum / h.count);
	add_u64(o, "p50_ns", ls_hist_percentile(&h, 50));
	add_u64(o, "p90_ns", ls_hist_percentile(&h, 90));
	add_u64(o, "p99_ns", ls_hist_percentile(&h, 99));
	add_u64(o, "p999_ns", ls_hist_percentile(&h, 99.9));
	json_object_object_add(o, "buckets", buckets(&h));
	ls_hist_free(&h);
	return o;
}

/* keys view: merge per key across the selected CPUs. */
struct keys_ctx {
	uint32_t cls;
	int64_t cpu;
	uint32_t *keys;
	size_t n, cap;
};

static int collect_key(const struct ls_series *s, void *p)
{
	struct keys_ctx *c = p;
	size_t i;

	if (s->cls != c->cls || (c->cpu >= 0 && s->cpu != (uint64_t)c->cpu))
		return 0;
	for (i = 0; i < c->n; i++)
		if (c->keys[i] == s->key)
			return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		uint32_t *k = realloc(c->keys, cap * sizeof(*k));

		if (!k)
			return 1;
		c->keys = k;
		c->cap = cap;
	}
	c->keys[c->n++] = s->key;
	return 0;
}

static int by_max_desc(const void *x, const void *y)
{
	uint64_t a = json_object_get_uint64(json_object_object_get(*(json_object *const *)x, "max_ns"));
	uint64_t b = json_object_get_uint64(json_object_object_get(*(json_object *const *)y, "max_ns"));

	return a < b ? 1 : a > b ? -1 : 0;
}

json_object *ls_report_keys(const struct ls_agg *a, uint32_t cls, int64_t cpu)
{
	struct keys_ctx c = { .cls = cls, .cpu = cpu };
	json_object *res = json_object_new_object();
	json_object *arr = json_object_new_array();
	size_t i;

	ls_agg_foreach(a, collect_key, &c);
	for (i = 0; i < c.n; i++) {
		json_object *k = key_obj(cls, c.keys[i]);
		struct ls_hist h;

		ls_hist_init(&h);
		ls_agg_merge(a, cls, cpu, c.keys[i], &h);
		add_u64(k, "count", h.count);
		add_u64(k, "p99_ns", ls_hist_percentile(&h, 99));
		add_u64(k, "max_ns", h.max);
		ls_hist_free(&h);
		json_object_array_add(arr, k);
	}
	free(c.keys);
	json_object_array_sort(arr, by_max_desc);
	json_object_object_add(res, "class", json_object_new_string(ls_class_name(cls)));
	json_object_object_add(res, "cpu", cpu >= 0 ? json_object_new_int64(cpu) : NULL);
	json_object_object_add(res, "keys", arr);
	return res;
}

int ls_report_parse_class(const char *name, uint32_t *cls, struct ls_err *err)
{
	const uint32_t *c;
	int v = ls_class_from_name(name);

	/* the wakeup classes have their own view, not a column of the
	 * per-CPU summary, but their histograms are queried the same way */
	if (v == LS_K_WAKEUP || v == LS_K_WAKEUP_TIMER) {
		*cls = v;
		return 0;
	}
	for (c = ls_report_classes; v >= 0 && *c != LS_K_NONE; c++)
		if (*c == (uint32_t)v) {
			*cls = v;
			return 0;
		}
	{
		char list[256] = "";
		size_t n = 0;

		for (c = ls_report_classes; *c != LS_K_NONE && n < sizeof(list); c++)
			n += snprintf(list + n, sizeof(list) - n, "%s%s",
				      c == ls_report_classes ? "" : ", ", ls_class_name(*c));
		ls_err_set(err, LS_E_BAD_PARAMS,
			   "class: unknown \"%.40s\" (one of: wakeup, wakeup_timer, %.90s)",
			   name, list);
	}
	return -1;
}

int ls_report_parse_key(uint32_t cls, const char *name, uint32_t *key, struct ls_err *err)
{
	if (ls_key_parse(cls, name, key) == 0)
		return 0;
	ls_err_set(err, LS_E_BAD_PARAMS, "key: \"%.40s\" is not a number or a %s name",
		   name, ls_class_name(cls));
	return -1;
}

/* Percentile summary of one (class, cpu, key) series, or NULL when empty. */
static json_object *series_summary(const struct ls_agg *a, uint32_t cls, uint32_t cpu,
				   uint32_t key)
{
	json_object *o;
	struct ls_hist h;

	ls_hist_init(&h);
	ls_agg_merge(a, cls, cpu, key, &h);
	if (!h.count) {
		ls_hist_free(&h);
		return NULL;
	}
	o = json_object_new_object();
	add_u64(o, "count", h.count);
	add_u64(o, "p50_ns", ls_hist_percentile(&h, 50));
	add_u64(o, "p99_ns", ls_hist_percentile(&h, 99));
	add_u64(o, "max_ns", h.max);
	ls_hist_free(&h);
	return o;
}

static uint64_t late_max(json_object *t)
{
	json_object *late;

	if (!json_object_object_get_ex(t, "late", &late))
		return 0;
	return json_object_get_uint64(json_object_object_get(late, "max_ns"));
}

static int by_late_desc(const void *x, const void *y)
{
	uint64_t a = late_max(*(json_object *const *)x), b = late_max(*(json_object *const *)y);

	return a < b ? 1 : a > b ? -1 : 0;
}

/* Values of one (class, cpu, key) series: for the count classes. */
static uint64_t series_count(const struct ls_agg *a, uint32_t cls, uint32_t cpu, uint32_t key)
{
	struct ls_hist h;
	uint64_t n;

	ls_hist_init(&h);
	ls_agg_merge(a, cls, cpu, key, &h);
	n = h.count;
	ls_hist_free(&h);
	return n;
}

/* Every function that expired or was cancelled on the CPU. */
static json_object *cpu_timers(const struct ls_agg *a, uint32_t cpu)
{
	struct keys_ctx c = { .cls = LS_K_HRTIMER, .cpu = cpu };
	json_object *arr = json_object_new_array();
	size_t i;

	ls_agg_foreach(a, collect_key, &c);
	c.cls = LS_K_HRTIMER_CANCEL;
	ls_agg_foreach(a, collect_key, &c);
	for (i = 0; i < c.n; i++) {
		json_object *t = json_object_new_object(), *v;
		uint32_t k = c.keys[i];

		json_object_object_add(t, "function", key_obj(LS_K_HRTIMER, k));
		if ((v = series_summary(a, LS_K_HRTIMER, cpu, k)))
			json_object_object_add(t, "run", v);
		if ((v = series_summary(a, LS_K_HRTIMER_LATE, cpu, k)))
			json_object_object_add(t, "late", v);
		if ((v = series_summary(a, LS_K_HRTIMER_EARLY, cpu, k)))
			json_object_object_add(t, "early", v);
		add_u64(t, "cancelled", series_count(a, LS_K_HRTIMER_CANCEL, cpu, k));
		json_object_array_add(arr, t);
	}
	free(c.keys);
	json_object_array_sort(arr, by_late_desc);
	return arr;
}

/* The tasks whose own timers expired on the CPU (a sleeper's hrtimer_wakeup,
 * a timerfd's timerfd_tmrproc), with the lateness each saw. */
static json_object *cpu_timer_tasks(const struct ls_agg *a, uint32_t cpu)
{
	static const uint32_t classes[] = { LS_K_HRTIMER_WAKEUP, LS_K_HRTIMER_TIMERFD };
	json_object *arr = json_object_new_array();

	for (size_t j = 0; j < sizeof(classes) / sizeof(classes[0]); j++) {
		struct keys_ctx c = { .cls = classes[j], .cpu = cpu };

		ls_agg_foreach(a, collect_key, &c);
		for (size_t i = 0; i < c.n; i++) {
			json_object *t = json_object_new_object(), *v;

			json_object_object_add(t, "class",
					       json_object_new_string(ls_class_name(c.cls)));
			json_object_object_add(t, "task", key_obj(c.cls, c.keys[i]));
			if ((v = series_summary(a, c.cls, cpu, c.keys[i])))
				json_object_object_add(t, "late", v);
			json_object_array_add(arr, t);
		}
		free(c.keys);
	}
	json_object_array_sort(arr, by_late_desc);
	return arr;
}

json_object *ls_report_timers(const struct ls_agg *a, unsigned ncpus, int64_t cpu)
{
	json_object *res = per_cpu_view(a, ncpus, cpu, "timers", cpu_timers);
	json_object *cpus = json_object_object_get(res, "cpus");

	for (size_t i = 0; i < json_object_array_length(cpus); i++) {
		json_object *co = json_object_array_get_idx(cpus, i);
		uint64_t c = json_object_get_uint64(json_object_object_get(co, "cpu"));

		json_object_object_add(co, "tasks", cpu_timer_tasks(a, (uint32_t)c));
	}
	return res;
}
