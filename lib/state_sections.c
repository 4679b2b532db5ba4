// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The sections of a state file (lib/state.h, docs/state.md): one save and
 * one load function per section, and the table the framing in state.c
 * walks. Loads trust nothing: besides the checksums, each histogram is
 * checked for internal consistency (bucket counts add up to its count, min
 * and max fall in its first and last buckets...), so a well-formed but
 * wrong file is rejected rather than served.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg_kvm.h"
#include "comms.h"
#include "kvm_reasons.h"
#include "lebuf.h"
#include "names.h"
#include "state_sections.h"

#define NBUCKETS (LS_HIST_OCTAVES * LS_HIST_SUB)

/* --- per-kind arrays: written with their length, read with any length ---- */

/* Values of kinds this build cannot hold (a newer writer's): how many
 * were non-zero, so the loss is reported instead of silent. */
static unsigned get_kind_array(struct ls_rbuf *r, uint32_t nkinds, uint64_t *out)
{
	unsigned dropped = 0;

	for (uint32_t k = 0; k < nkinds && !r->short_read; k++) {
		uint64_t v = get_u64(r);

		if (k < LS_K_MAX)
			out[k] += v;
		else if (v)
			dropped++;
	}
	return dropped;
}

/* --- META ------------------------------------------------------------- */

static void save_meta(struct ls_wbuf *w, const struct ls_state *s)
{
	put_u64(w, s->stats_since_unix_ns);
	put_u64(w, s->started_unix_ns);
	put_u64(w, s->saved_unix_ns);
	put_u32(w, s->ncpus);
	put_u32(w, 0);
	put_str(w, s->version, sizeof(s->version));
	put_str(w, s->boot_id, sizeof(s->boot_id));
}

static int load_meta(struct ls_rbuf *r, struct ls_state *s, struct ls_state_msg *m)
{
	(void)m;
	s->stats_since_unix_ns = get_u64(r);
	s->started_unix_ns = get_u64(r);
	s->saved_unix_ns = get_u64(r);
	s->ncpus = get_u32(r);
	get_u32(r);
	get_str(r, s->version, sizeof(s->version));
	get_str(r, s->boot_id, sizeof(s->boot_id));
	return LS_STATE_OK;
}

/* --- COUNTERS ------------------------------------------------------------ */

static void save_counters(struct ls_wbuf *w, const struct ls_state *s)
{
	const struct ls_counters *c = &s->counters;

	put_u32(w, LS_K_MAX);
	put_u32(w, 0);
	for (int k = 0; k < LS_K_MAX; k++) {
		put_u64(w, c->events[k]);
		put_u64(w, c->records[k]);
		put_u64(w, c->drops[k]);
		put_u64(w, c->unpaired[k]);
	}
}

static int load_counters(struct ls_rbuf *r, struct ls_state *s, struct ls_state_msg *m)
{
	uint32_t nkinds = get_u32(r);
	unsigned dropped = 0;

	get_u32(r);
	if ((uint64_t)nkinds * 32 != rb_left(r))
		return ls_state_invalid(m, "counters: %u kinds do not fit %zu bytes", nkinds, rb_left(r));
	for (uint32_t k = 0; k < nkinds; k++) {
		uint64_t v[4] = { get_u64(r), get_u64(r), get_u64(r), get_u64(r) };

		if (k >= LS_K_MAX) {
			dropped += v[0] || v[1] || v[2] || v[3];
			continue;
		}
		s->counters.events[k] = v[0];
		s->counters.records[k] = v[1];
		s->counters.drops[k] = v[2];
		s->counters.unpaired[k] = v[3];
	}
	if (dropped)
		ls_state_note(m, "counters of %u kinds unknown to this version dropped", dropped);
	return LS_STATE_OK;
}

/* --- AGG -------------------------------------------------------------- */

struct save_ctx {
	struct ls_wbuf *w;
	uint64_t nseries;
};

/* u32 nbuckets; u64 count, sum, min, max; the non-empty buckets. */
static void put_hist(struct ls_wbuf *w, const struct ls_hist *h)
{
	size_t nb_off;
	uint32_t nb = 0;
	uint64_t n;
	int i;

	nb_off = w->len;
	put_u32(w, 0);
	put_u64(w, h->count);
	put_u64(w, h->sum);
	put_u64(w, h->min);
	put_u64(w, h->max);
	/* only non-empty buckets: a series spans a few octaves, sparsely */
	for (i = ls_hist_next_bucket(h, 0, &n); i >= 0;
	     i = ls_hist_next_bucket(h, (unsigned)i + 1, &n)) {
		put_u32(w, (uint32_t)i);
		put_u64(w, n);
		nb++;
	}
	patch(w, nb_off, nb, 4);
}

static int save_series(const struct ls_series *se, void *p)
{
	struct save_ctx *c = p;
	struct ls_wbuf *w = c->w;

	if (!se->h.count) /* a series whose only value failed to allocate */
		return 0;
	c->nseries++;
	put_u32(w, se->cls);
	put_u32(w, se->cpu);
	put_u32(w, se->key);
	put_hist(w, &se->h);
	return w->oom;
}

static void save_agg(struct ls_wbuf *w, const struct ls_state *s)
{
	struct ls_agg_stats st;
	struct save_ctx c = { .w = w };
	size_t n_off;

	ls_agg_get_stats(s->agg, &st);
	put_u64(w, st.records);
	put_u64(w, st.unknown_kind);
	put_u64(w, st.series_overflow);
	put_u64(w, st.alloc_failures);
	put_u64(w, st.wakeup_before_soft);
	put_u32(w, st.max_cpu_seen);
	put_u32(w, LS_K_MAX);
	for (int k = 0; k < LS_K_MAX; k++)
		put_u64(w, st.records_by_kind[k]);
	n_off = w->len;
	put_u64(w, 0);
	ls_agg_foreach(s->agg, save_series, &c);
	patch(w, n_off, c.nseries, 8);
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* Read one series' histogram into h (allocated) after checking that it is
 * one ls_hist could have produced. */
static int load_hist(struct ls_rbuf *r, struct ls_hist *h, const char *id,
		     struct ls_state_msg *m)
{
	uint32_t nb = get_u32(r), first = 0, prev = 0;
	uint64_t total = 0;
	size_t pos;

	h->count = get_u64(r);
	h->sum = get_u64(r);
	h->min = get_u64(r);
	h->max = get_u64(r);
	if (r->short_read || !nb || nb > NBUCKETS || (uint64_t)nb * 12 > rb_left(r))
		return ls_state_invalid(m, "%s: bad bucket count %u", id, nb);
	pos = r->off;
	for (uint32_t i = 0; i < nb; i++) {
		uint32_t idx = get_u32(r);
		uint64_t n = get_u64(r);

		if (idx >= NBUCKETS || (i && idx <= prev) || !n ||
		    __builtin_add_overflow(total, n, &total))
			return ls_state_invalid(m, "%s: bad bucket %u (index %u, count %llu)", id, i,
				       idx, (unsigned long long)n);
		if (!i)
			first = idx;
		prev = idx;
	}
	if (total != h->count || h->min > h->max ||
	    ls_hist_bucket_of(h->min) != first || ls_hist_bucket_of(h->max) != prev)
		return ls_state_invalid(m, "%s: buckets disagree with count/min/max", id);
	if (h->sum != UINT64_MAX &&
	    (h->sum < sat_mul(h->min, h->count) || h->sum > sat_mul(h->max, h->count)))
		return ls_state_invalid(m, "%s: sum outside count x [min, max]", id);
	h->lo_oct = (uint8_t)(first >> LS_HIST_SUB_BITS);
	h->n_oct = (uint8_t)((prev >> LS_HIST_SUB_BITS) - h->lo_oct + 1);
	h->buckets = calloc((size_t)h->n_oct * LS_HIST_SUB, sizeof(*h->buckets));
	if (!h->buckets)
		return LS_STATE_NOMEM;
	r->off = pos;
	for (uint32_t i = 0; i < nb; i++) {
		uint32_t idx = get_u32(r);

		h->buckets[idx - ((unsigned)h->lo_oct << LS_HIST_SUB_BITS)] = get_u64(r);
	}
	return LS_STATE_OK;
}

static int load_agg(struct ls_rbuf *r, struct ls_state *s, struct ls_state_msg *m)
{
	struct ls_agg_stats st = { 0 };
	uint32_t nkinds;
	uint64_t nseries;
	unsigned dropped;

	st.records = get_u64(r);
	st.unknown_kind = get_u64(r);
	st.series_overflow = get_u64(r);
	st.alloc_failures = get_u64(r);
	st.wakeup_before_soft = get_u64(r);
	st.max_cpu_seen = get_u32(r);
	nkinds = get_u32(r);
	if ((uint64_t)nkinds * 8 > rb_left(r))
		return ls_state_invalid(m, "aggregator: %u kinds do not fit", nkinds);
	dropped = get_kind_array(r, nkinds, st.records_by_kind);
	if (dropped)
		ls_state_note(m, "record counts of %u kinds unknown to this version dropped", dropped);
	ls_agg_add_stats(s->agg, &st);
	nseries = get_u64(r);
	for (uint64_t i = 0; i < nseries; i++) {
		struct ls_hist h;
		char id[64];
		uint32_t cls = get_u32(r), cpu = get_u32(r), key = get_u32(r);
		int rc;

		if (r->short_read)
			return ls_state_invalid(m, "aggregator: %llu series announced, %llu present",
				       (unsigned long long)nseries, (unsigned long long)i);
		snprintf(id, sizeof(id), "series %llu (class %u cpu %u key %u)",
			 (unsigned long long)i, cls, cpu, key);
		if (ls_class_key_is_kaddr(cls)) /* a function's address on this boot */
			key = ls_state_rekey(s, key);
		ls_hist_init(&h);
		rc = load_hist(r, &h, id, m);
		if (!rc && !ls_agg_add_hist(s->agg, cls, cpu, key, &h))
			rc = LS_STATE_NOMEM;
		ls_hist_free(&h);
		if (rc)
			return rc;
	}
	return LS_STATE_OK;
}

/* --- KVM ----------------------------------------------------------------- */

#define KVM_H_COST 1u
#define KVM_H_ON_CPU 2u
#define KVM_H_GUEST 4u

static int save_kvm_series(const struct ls_kvm_series *se, void *p)
{
	struct save_ctx *c = p;
	struct ls_wbuf *w = c->w;
	uint32_t mask = (se->cost.count ? KVM_H_COST : 0) |
			(se->on_cpu.count ? KVM_H_ON_CPU : 0) |
			(se->guest.count ? KVM_H_GUEST : 0);

	if (!mask && !se->open)
		return 0;
	c->nseries++;
	put_u32(w, se->tgid);
	put_u32(w, se->vcpu);
	put_u32(w, se->reason);
	put_u32(w, se->isa);
	put_str(w, se->comm, sizeof(se->comm));
	put_u64(w, se->open);
	put_u64(w, se->open_guest);
	put_u64(w, se->open_guest_ns);
	put_u32(w, mask);
	if (mask & KVM_H_COST)
		put_hist(w, &se->cost);
	if (mask & KVM_H_ON_CPU)
		put_hist(w, &se->on_cpu);
	if (mask & KVM_H_GUEST)
		put_hist(w, &se->guest);
	return w->oom;
}

static void save_kvm(struct ls_wbuf *w, const struct ls_state *s)
{
	const struct ls_kvm_table *t = ls_agg_kvm(s->agg);
	struct save_ctx c = { .w = w };
	struct ls_kvm_stats st;
	size_t n_off;

	ls_kvm_table_stats(t, &st);
	put_u64(w, st.records);
	put_u64(w, st.overflow);
	put_u64(w, st.alloc_failures);
	n_off = w->len;
	put_u64(w, 0);
	ls_kvm_table_foreach(t, save_kvm_series, &c);
	patch(w, n_off, c.nseries, 8);
}

/* One saved series into se (histograms allocated), checked. */
static int load_kvm_series(struct ls_rbuf *r, struct ls_kvm_series *se, uint64_t i,
			   struct ls_state_msg *m)
{
	struct ls_hist *hists[] = { &se->cost, &se->on_cpu, &se->guest };
	uint32_t mask;
	char id[80];
	int rc = LS_STATE_OK;

	se->tgid = get_u32(r);
	se->vcpu = get_u32(r);
	se->reason = get_u32(r);
	se->isa = (uint8_t)get_u32(r);
	get_str(r, se->comm, sizeof(se->comm));
	se->open = get_u64(r);
	se->open_guest = get_u64(r);
	se->open_guest_ns = get_u64(r);
	mask = get_u32(r);
	snprintf(id, sizeof(id), "kvm series %llu (vm %u vcpu %u %s reason %u)",
		 (unsigned long long)i, se->tgid, se->vcpu, ls_kvm_isa_name(se->isa), se->reason);
	if (r->short_read)
		return ls_state_invalid(m, "%s: truncated", id);
	if (se->isa > LS_KVM_ISA_SVM || mask > 7 || (!mask && !se->open))
		return ls_state_invalid(m, "%s: bad isa or histogram mask", id);
	for (unsigned h = 0; !rc && h < 3; h++)
		if (mask & (1u << h))
			rc = load_hist(r, hists[h], id, m);
	if (!rc && (se->open_guest > se->open || se->open_guest > se->guest.count ||
		    se->open_guest_ns > se->guest.sum))
		rc = ls_state_invalid(m, "%s: open exits disagree with the guest histogram", id);
	return rc;
}

static int load_kvm(struct ls_rbuf *r, struct ls_state *s, struct ls_state_msg *m)
{
	struct ls_kvm_stats st = { 0 };
	struct ls_kvm_table *t;
	uint64_t n;

	st.records = get_u64(r);
	st.overflow = get_u64(r);
	st.alloc_failures = get_u64(r);
	n = get_u64(r);
	if (r->short_read)
		return ls_state_invalid(m, "kvm: truncated");
	if (!st.records && !n)
		return LS_STATE_OK;
	t = ls_agg_kvm_get(s->agg);
	if (!t)
		return LS_STATE_NOMEM;
	ls_kvm_table_add_stats(t, &st);
	for (uint64_t i = 0; i < n; i++) {
		struct ls_kvm_series se = { 0 };
		int rc;

		ls_hist_init(&se.cost);
		ls_hist_init(&se.on_cpu);
		ls_hist_init(&se.guest);
		rc = load_kvm_series(r, &se, i, m);
		if (!rc && !ls_kvm_table_merge(t, &se))
			rc = LS_STATE_NOMEM;
		ls_hist_free(&se.cost);
		ls_hist_free(&se.on_cpu);
		ls_hist_free(&se.guest);
		if (rc)
			return rc;
	}
	return LS_STATE_OK;
}

/* --- COMMS --------------------------------------------------------------- */

struct comms_ctx {
	struct ls_state_comm *v;
	size_t n, cap;
	bool oom;
};

static void collect_comm(uint32_t pid, const char *comm, void *p)
{
	struct comms_ctx *c = p;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct ls_state_comm *v = c->oom ? NULL : realloc(c->v, cap * sizeof(*v));

		if (!v) {
			c->oom = true;
			return;
		}
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n].pid = pid;
	snprintf(c->v[c->n].comm, sizeof(c->v[c->n].comm), "%s", comm);
	c->n++;
}

int ls_state_get_comms(struct ls_state *s)
{
	struct comms_ctx c = { 0 };

	ls_comm_foreach(collect_comm, &c);
	if (c.oom) {
		free(c.v);
		return -1;
	}
	s->comms = c.v;
	s->ncomms = c.n;
	return 0;
}

static void save_comms(struct ls_wbuf *w, const struct ls_state *s)
{
	put_u64(w, s->ncomms);
	for (size_t i = 0; i < s->ncomms; i++) {
		put_u32(w, s->comms[i].pid);
		put_str(w, s->comms[i].comm, sizeof(s->comms[i].comm));
	}
}

static int load_comms(struct ls_rbuf *r, struct ls_state *s, struct ls_state_msg *m)
{
	uint64_t n = get_u64(r);

	/* each entry takes at least 8 bytes: bounds the allocation */
	if (n > rb_left(r) / 8)
		return ls_state_invalid(m, "comms: %llu entries do not fit", (unsigned long long)n);
	s->comms = calloc(n ? n : 1, sizeof(*s->comms));
	if (!s->comms)
		return LS_STATE_NOMEM;
	for (s->ncomms = 0; s->ncomms < n && !r->short_read; s->ncomms++) {
		s->comms[s->ncomms].pid = get_u32(r);
		get_str(r, s->comms[s->ncomms].comm, sizeof(s->comms[0].comm));
	}
	return LS_STATE_OK;
}

/* --- the table ----------------------------------------------------------- */

const struct ls_state_section ls_state_sections[] = {
	{ LS_SEC_META, 1, 0, true, true, "meta", save_meta, load_meta },
	/* before the sections whose kernel addresses it rebases */
	{ LS_SEC_SYMBOLS, 1, 0, false, false, "symbols", ls_state_save_syms, ls_state_load_syms },
	{ LS_SEC_COUNTERS, 1, 0, true, false, "counters", save_counters, load_counters },
	{ LS_SEC_AGG, 1, 0, true, false, "aggregator", save_agg, load_agg },
	/* names are hints: an older reader may drop them */
	{ LS_SEC_COMMS, 1, 0, false, false, "comms", save_comms, load_comms },
	/* an older reader drops the KVM view's table (the kvm_exit/kvm_guest
	 * series stay, in the aggregator section) */
	{ LS_SEC_KVM, 1, 0, false, false, "kvm", save_kvm, load_kvm },
	/* an older reader drops the worst lists and logs (the windows'
	 * histograms stay, in the aggregator section) */
	{ LS_SEC_WINDOWS, 1, 0, false, false, "windows", ls_state_save_windows,
	  ls_state_load_windows },
	{ LS_SEC_ISOLATED, 1, 0, false, false, "isolated", ls_state_save_isolated,
	  ls_state_load_isolated },
	{ LS_SEC_WAKEUPS, 1, 0, false, false, "wakeups", ls_state_save_wakeups,
	  ls_state_load_wakeups },
};
const size_t ls_state_nsections = sizeof(ls_state_sections) / sizeof(ls_state_sections[0]);
