// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The wakeups section (docs/state.md): per CPU the worst wakeups as whole
 * records.
 *
 * Payload: u32 saver's LS_WAKEUP_WORST, nclasses, nbuckets, 0; u64 n; per
 * CPU: u32 cpu, has_below, nworst, 0; nworst records (state_rec.h); if
 * has_below, nclasses x nbuckets u64 counts. Those counts are what earlier
 * versions kept of wakeups below the floor, in log2 buckets, outside the
 * saved histograms; this version saves none (the kernel's counts are in
 * the aggregator's histograms) and adds read ones to the histograms.
 */
#include <stdlib.h>
#include <string.h>

#include "state_rec.h"
#include "state_sections.h"
#include "wakeups.h"

#define MAX_CLASSES 64 /* a sanity bound on a saved class count */
#define BELOW_BUCKETS 32 /* log2 buckets of earlier versions' below-floor counts */

void ls_state_save_wakeups(struct ls_wbuf *w, const struct ls_state *s)
{
	const struct ls_wakeups *wk = ls_agg_wakeups(s->agg);
	uint64_t n = 0;
	size_t n_off;

	put_u32(w, LS_WAKEUP_WORST);
	put_u32(w, LS_SCHED_MAX);
	put_u32(w, BELOW_BUCKETS);
	put_u32(w, 0);
	n_off = w->len;
	put_u64(w, 0);
	for (uint32_t cpu = 0; cpu < ls_wakeups_ncpus(wk); cpu++) {
		const struct ls_rec_wakeup *worst;
		size_t nw = ls_wakeups_worst(wk, cpu, &worst);

		if (!nw)
			continue;
		put_u32(w, cpu);
		put_u32(w, 0);
		put_u32(w, (uint32_t)nw);
		put_u32(w, 0);
		for (size_t i = 0; i < nw; i++) {
			union ls_rec_any r = { .wakeup = worst[i] };

			ls_state_put_rec(w, &r);
		}
		n++;
	}
	patch(w, n_off, n, 8);
}

struct wk_load {
	uint64_t offered, no_cpu, classes_dropped;
};

/* An earlier version's below-floor log2 counts of one class, into the
 * wakeup histogram at each bucket's middle (exact to a power of two). */
static bool add_below(struct ls_agg *a, uint32_t cpu, uint32_t cls, const uint64_t *v)
{
	struct ls_hist h;
	bool ok = true;

	ls_hist_init(&h);
	for (unsigned b = 0; ok && b < BELOW_BUCKETS; b++)
		ok = ls_hist_add_n(&h, b ? (1ull << b) + (1ull << (b - 1)) : 1, v[b]);
	ok = ok && ls_agg_add_hist(a, LS_K_WAKEUP, cpu, cls, &h);
	ls_hist_free(&h);
	return ok;
}

/* One CPU's entry: its worst wakeups offered to the new lists (which keep
 * the longest LS_WAKEUP_WORST) and an earlier version's below-floor counts
 * added to the histograms. */
static int get_cpu(struct ls_rbuf *r, struct ls_state *s, uint32_t nclasses,
		   struct wk_load *c, struct ls_state_msg *m)
{
	struct ls_wakeups *wk = ls_agg_wakeups(s->agg);
	uint32_t cpu = get_u32(r), below = get_u32(r), nworst = get_u32(r);
	bool keep;

	get_u32(r);
	if (r->short_read || cpu > 0xffff || below > 1)
		return ls_state_invalid(m, "wakeups: a CPU entry is truncated or out of range");
	keep = !s->lim->ncpus || cpu < s->lim->ncpus;
	c->no_cpu += !keep;
	for (uint32_t i = 0; i < nworst; i++) {
		union ls_rec_any rec;

		if (ls_state_get_rec(r, &rec) != LS_REC_OK || rec.h.kind != LS_K_WAKEUP ||
		    rec.h.cpu != cpu)
			return ls_state_invalid(m, "wakeups: CPU %u, worst wakeup %u is damaged",
						cpu, i);
		if (!keep)
			continue;
		c->offered++;
		if (!ls_wakeups_note(wk, &rec.wakeup))
			return LS_STATE_NOMEM;
	}
	if (!below)
		return LS_STATE_OK;
	if ((uint64_t)nclasses * BELOW_BUCKETS * 8 > rb_left(r))
		return ls_state_invalid(m, "wakeups: CPU %u, below-floor counts truncated", cpu);
	for (uint32_t cls = 0; cls < nclasses; cls++) {
		uint64_t v[BELOW_BUCKETS], any = 0;

		for (int b = 0; b < BELOW_BUCKETS; b++)
			any |= v[b] = get_u64(r);
		if (cls >= LS_SCHED_MAX || !keep) {
			c->classes_dropped += cls >= LS_SCHED_MAX && any;
			continue;
		}
		if (!add_below(s->agg, cpu, cls, v))
			return LS_STATE_NOMEM;
	}
	return LS_STATE_OK;
}

int ls_state_load_wakeups(struct ls_rbuf *r, struct ls_state *s, struct ls_state_msg *m)
{
	const struct ls_wakeups *wk = ls_agg_wakeups(s->agg);
	uint32_t nclasses, nbuckets;
	struct wk_load c = { 0 };
	uint64_t n, kept = 0;
	int rc = LS_STATE_OK;

	get_u32(r); /* the saver's LS_WAKEUP_WORST: each CPU says how many */
	nclasses = get_u32(r);
	nbuckets = get_u32(r);
	get_u32(r);
	n = get_u64(r);
	if (r->short_read || nclasses > MAX_CLASSES || nbuckets != BELOW_BUCKETS)
		return ls_state_invalid(m, "wakeups: %u classes of %u buckets (this version: "
					"%d buckets)", nclasses, nbuckets, BELOW_BUCKETS);
	for (uint64_t i = 0; !rc && i < n; i++)
		rc = get_cpu(r, s, nclasses, &c, m);
	if (rc)
		return rc;
	for (uint32_t cpu = 0; cpu < ls_wakeups_ncpus(wk); cpu++) {
		const struct ls_rec_wakeup *worst;

		kept += ls_wakeups_worst(wk, cpu, &worst);
	}
	s->restored.wakeups = kept;
	if (c.offered > kept)
		ls_state_note(m, "%llu saved worst wakeups beyond this version's %d per CPU dropped",
			      (unsigned long long)(c.offered - kept), LS_WAKEUP_WORST);
	if (c.no_cpu)
		ls_state_note(m, "worst wakeups of %llu CPUs this machine lacks dropped",
			      (unsigned long long)c.no_cpu);
	if (c.classes_dropped)
		ls_state_note(m, "below-floor counts of %llu scheduling classes unknown to this "
			      "version dropped", (unsigned long long)c.classes_dropped);
	return LS_STATE_OK;
}
