// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The ipis view. It reads the classes an IPI delivery feeds (lib/agg.c):
 * ipi (delivery latency by callback), ipi_callsite (by callsite),
 * ipi_by_sender (by sender CPU: the matrix), and ipi_sends /
 * ipi_callsite_sends (sends per handler run), whose sum minus count is the
 * number of sends coalesced into another send's handler run.
 */
#include <stdlib.h>

#include "names.h"
#include "report_ipis.h"

/* Series pointers of one selection (class set and CPU filter). */
struct picked {
	const uint32_t *classes; /* LS_K_NONE-terminated */
	int64_t cpu;             /* -1 = all */
	const struct ls_series **v;
	size_t n, cap;
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

static int pick(const struct ls_series *s, void *p)
{
	struct picked *k = p;
	const uint32_t *c;

	if (k->cpu >= 0 && s->cpu != (uint64_t)k->cpu)
		return 0;
	for (c = k->classes; *c != LS_K_NONE && *c != s->cls; c++)
		;
	if (*c == LS_K_NONE || !s->h.count)
		return 0;
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 32;
		const struct ls_series **v = realloc(k->v, cap * sizeof(*v));

		if (!v)
			return 1; /* the view shows what fitted */
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n++] = s;
	return 0;
}

static const struct ls_series *find(const struct picked *k, uint32_t cls, uint32_t key)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->v[i]->cls == cls && k->v[i]->key == key)
			return k->v[i];
	return NULL;
}

/* count, coalesced (when the sends are known), p50/p99/max of latency h. */
static void add_summary(json_object *o, const struct ls_hist *h, const struct ls_hist *sends)
{
	add_u64(o, "count", h->count);
	if (sends)
		add_u64(o, "coalesced", sends->sum - sends->count);
	if (!h->count)
		return;
	add_u64(o, "p50_ns", ls_hist_percentile(h, 50));
	add_u64(o, "p99_ns", ls_hist_percentile(h, 99));
	add_u64(o, "max_ns", h->max);
}

static int by_count_desc(const void *x, const void *y)
{
	uint64_t a = json_object_get_uint64(json_object_object_get(*(json_object *const *)x, "count"));
	uint64_t b = json_object_get_uint64(json_object_object_get(*(json_object *const *)y, "count"));

	return a < b ? 1 : a > b ? -1 : 0;
}

/* Callbacks (or callsites) delivered to one CPU, most frequent first. */
static json_object *top_keys(const struct picked *k, uint32_t cls, uint32_t sends_cls,
			     const char *member)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < k->n; i++) {
		const struct ls_series *s = k->v[i], *sends;
		json_object *e;

		if (s->cls != cls)
			continue;
		sends = find(k, sends_cls, s->key);
		e = json_object_new_object();
		json_object_object_add(e, member, key_obj(cls, s->key));
		add_summary(e, &s->h, sends ? &sends->h : NULL);
		json_object_array_add(arr, e);
	}
	json_object_array_sort(arr, by_count_desc);
	return arr;
}

static json_object *target(const struct ls_agg *a, uint32_t cpu)
{
	static const uint32_t classes[] = {
		LS_K_IPI, LS_K_IPI_SENDS, LS_K_IPI_CALLSITE, LS_K_IPI_CALLSITE_SENDS, LS_K_NONE,
	};
	struct picked k = { .classes = classes, .cpu = cpu };
	json_object *o = json_object_new_object();
	struct ls_hist lat, sends;

	ls_hist_init(&lat);
	ls_hist_init(&sends);
	ls_agg_foreach(a, pick, &k);
	for (size_t i = 0; i < k.n; i++)
		if (k.v[i]->cls == LS_K_IPI)
			ls_hist_merge(&lat, &k.v[i]->h);
		else if (k.v[i]->cls == LS_K_IPI_SENDS)
			ls_hist_merge(&sends, &k.v[i]->h);
	add_u64(o, "cpu", cpu);
	add_summary(o, &lat, &sends);
	json_object_object_add(o, "callbacks", top_keys(&k, LS_K_IPI, LS_K_IPI_SENDS, "callback"));
	json_object_object_add(o, "callsites", top_keys(&k, LS_K_IPI_CALLSITE,
							LS_K_IPI_CALLSITE_SENDS, "callsite"));
	ls_hist_free(&lat);
	ls_hist_free(&sends);
	free(k.v);
	return o;
}

static int by_target_sender(const void *x, const void *y)
{
	const struct ls_series *a = *(const struct ls_series *const *)x;
	const struct ls_series *b = *(const struct ls_series *const *)y;

	if (a->cpu != b->cpu)
		return a->cpu < b->cpu ? -1 : 1;
	return a->key < b->key ? -1 : a->key > b->key;
}

/* One entry per (sender, target) pair with deliveries. */
static json_object *matrix(const struct ls_agg *a, int64_t cpu)
{
	static const uint32_t classes[] = { LS_K_IPI_BY_SENDER, LS_K_NONE };
	struct picked k = { .classes = classes, .cpu = cpu };
	json_object *arr = json_object_new_array();

	ls_agg_foreach(a, pick, &k);
	if (k.n)
		qsort(k.v, k.n, sizeof(*k.v), by_target_sender);
	for (size_t i = 0; i < k.n; i++) {
		json_object *e = json_object_new_object();

		/* LS_KEY_OTHER only past the series cap: senders folded together */
		json_object_object_add(e, "sender", key_obj(LS_K_IPI_BY_SENDER, k.v[i]->key));
		add_u64(e, "target", k.v[i]->cpu);
		add_summary(e, &k.v[i]->h, NULL);
		json_object_array_add(arr, e);
	}
	free(k.v);
	return arr;
}

json_object *ls_report_ipis(const struct ls_agg *a, unsigned ncpus, int64_t cpu)
{
	json_object *res = json_object_new_object();
	json_object *cpus = json_object_new_array();

	add_u64(res, "ncpus", ncpus);
	json_object_object_add(res, "matrix", matrix(a, cpu));
	for (unsigned c = 0; c < ncpus; c++)
		if (cpu < 0 || c == (uint64_t)cpu)
			json_object_array_add(cpus, target(a, c));
	json_object_object_add(res, "cpus", cpus);
	return res;
}
