// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The windows and isolated sections (docs/state.md): every CPU's worst
 * irq-off and preempt-off windows with their full context and story, the
 * derivation counters, and the interruption logs of isolated CPUs. A restore
 * offers the saved windows to the new lists as if they had just happened,
 * so the longest N stay and new windows then compete with them; what does
 * not fit (a smaller worst-N or flight recorder, a CPU this machine lacks,
 * a CPU no longer isolated) is dropped and counted in the notes.
 *
 * Windows entry, version 1 (a later version appends its fields to the
 * entry: get_entry() reads them when s->sec_version says they are there):
 *   u64 start, len; u32 key, arg, pid, peer, parts, cpu, kind, src, ctx,
 *   ctx_vec, flags; string comm, peer_comm; blocker: u64 start, len;
 *   u32 key, pid, kind, src; u32 nstory; nstory records (state_rec.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interruptions.h"
#include "state_rec.h"
#include "state_sections.h"

static const uint32_t kinds[] = { LS_K_IRQOFF, LS_K_PREEMPTOFF };
#define NKINDS 2
#define NSCALARS 9 /* the ls_win_stats counters that are not per source */

/* The ls_win_stats counters that are not per source, in file order. */
static void scalars_of(struct ls_win_stats *st, uint64_t *v[NSCALARS])
{
	uint64_t *p[NSCALARS] = {
		&st->batched, &st->soft_timers, &st->armed_late, &st->arming_unseen,
		&st->migrated_wakeups, &st->no_delivery, &st->queue_full, &st->stale,
		&st->alloc_failures,
	};

	memcpy(v, p, sizeof(p));
}

/* --- windows: save ------------------------------------------------------ */

static void put_stats(struct ls_wbuf *w, const struct ls_windows *win)
{
	struct ls_win_stats st;
	uint64_t *v[NSCALARS];

	ls_windows_get_stats(win, &st);
	scalars_of(&st, v);
	put_u32(w, LS_WS_MAX);
	put_u32(w, ls_windows_exact_mask(win));
	for (int i = 0; i < LS_WS_MAX; i++) {
		put_u64(w, st.windows[i]);
		put_u64(w, st.nested[i]);
		put_u64(w, st.idle[i]);
		put_u64(w, st.contradicted[i]);
		put_u64(w, st.superseded[i]);
	}
	put_u32(w, NSCALARS);
	put_u32(w, 0);
	for (int i = 0; i < NSCALARS; i++)
		put_u64(w, *v[i]);
}

static void put_entry(struct ls_wbuf *w, const struct ls_win_worst *e)
{
	const struct ls_window *x = &e->w;

	put_u64(w, x->start);
	put_u64(w, x->len);
	put_u32(w, x->key);
	put_u32(w, x->arg);
	put_u32(w, x->pid);
	put_u32(w, x->peer);
	put_u32(w, x->parts);
	put_u32(w, x->cpu);
	put_u32(w, x->kind);
	put_u32(w, x->src);
	put_u32(w, x->ctx);
	put_u32(w, x->ctx_vec);
	/* set again by the restore that reads it */
	put_u32(w, x->flags & ~LS_WIN_RESTORED);
	put_str(w, x->comm, sizeof(x->comm));
	put_str(w, x->peer_comm, sizeof(x->peer_comm));
	put_u64(w, x->blocker.start);
	put_u64(w, x->blocker.len);
	put_u32(w, x->blocker.key);
	put_u32(w, x->blocker.pid);
	put_u32(w, x->blocker.kind);
	put_u32(w, x->blocker.src);
	put_u32(w, e->nstory);
	for (uint32_t i = 0; i < e->nstory; i++)
		ls_state_put_rec(w, &e->story[i]);
}

void ls_state_save_windows(struct ls_wbuf *w, const struct ls_state *s)
{
	const struct ls_windows *win = ls_agg_windows(s->agg);
	struct ls_win_opts o;
	uint64_t n = 0;
	size_t n_off;

	ls_windows_get_opts(win, &o);
	put_stats(w, win);
	put_u32(w, o.worst);
	put_u32(w, o.flight);
	n_off = w->len;
	put_u64(w, 0);
	for (uint32_t cpu = 0; cpu < ls_windows_ncpus(win); cpu++)
		for (int k = 0; k < NKINDS; k++) {
			const struct ls_win_worst *e;
			unsigned ne = ls_windows_worst(win, cpu, kinds[k], &e);

			for (unsigned i = 0; i < ne; i++)
				put_entry(w, &e[i]);
			n += ne;
		}
	patch(w, n_off, n, 8);
}

/* --- windows: load ------------------------------------------------------ */

static int get_stats(struct ls_rbuf *r, struct ls_windows *win, struct ls_state_msg *m)
{
	struct ls_win_stats st = { 0 };
	uint32_t nsrc = get_u32(r), mask = get_u32(r), nscalars;
	uint64_t *scalars[NSCALARS];
	unsigned dropped = 0;

	scalars_of(&st, scalars);
	if ((uint64_t)nsrc * 40 > rb_left(r))
		return ls_state_invalid(m, "windows: %u sources do not fit", nsrc);
	for (uint32_t i = 0; i < nsrc; i++) {
		uint64_t v[5] = { get_u64(r), get_u64(r), get_u64(r), get_u64(r), get_u64(r) };

		if (i >= LS_WS_MAX) {
			dropped += v[0] || v[1] || v[2] || v[3] || v[4];
			continue;
		}
		st.windows[i] = v[0];
		st.nested[i] = v[1];
		st.idle[i] = v[2];
		st.contradicted[i] = v[3];
		st.superseded[i] = v[4];
	}
	nscalars = get_u32(r);
	get_u32(r);
	if ((uint64_t)nscalars * 8 > rb_left(r))
		return ls_state_invalid(m, "windows: %u counters do not fit", nscalars);
	for (uint32_t i = 0; i < nscalars; i++) {
		uint64_t v = get_u64(r);

		if (i < NSCALARS)
			*scalars[i] = v;
		else
			dropped += v != 0;
	}
	if (dropped)
		ls_state_note(m, "%u window counters unknown to this version dropped", dropped);
	ls_windows_add_stats(win, &st);
	ls_windows_restore_exact(win, mask & 3);
	return LS_STATE_OK;
}

/* A saved kernel address as this boot knows it (state_syms.c). */
static void rekey(uint32_t *key, void *s)
{
	*key = ls_state_rekey(s, *key);
}

/* Why an entry read cleanly is not restored. */
enum skip { KEEP, SKIP_CPU, SKIP_UNKNOWN };

struct win_load {
	struct ls_win_worst e;      /* e.story: LS_WIN_MAX_FLIGHT records */
	uint64_t skipped_cpu, skipped_unknown, not_kept, story_cut, story_unknown;
};

static bool known_window(const struct ls_window *x)
{
	const struct ls_win_blocker *b = &x->blocker;

	return ls_win_kind_name(x->kind) && ls_win_src_name(x->src) &&
	       (!b->len || (ls_win_kind_name(b->kind) && ls_win_src_name(b->src)));
}

/* One entry into c->e; LS_STATE_OK with *skip saying whether to keep it. */
static int get_entry(struct ls_rbuf *r, struct ls_state *s, struct win_load *c, uint64_t i,
		     enum skip *skip, struct ls_state_msg *m)
{
	struct ls_window *x = &c->e.w;
	uint32_t cpu, kind, src, ctx, ctx_vec, flags, bkind, bsrc, nstory;

	memset(x, 0, sizeof(*x));
	x->start = get_u64(r);
	x->len = get_u64(r);
	x->key = get_u32(r);
	x->arg = get_u32(r);
	x->pid = get_u32(r);
	x->peer = get_u32(r);
	x->parts = get_u32(r);
	cpu = get_u32(r);
	kind = get_u32(r);
	src = get_u32(r);
	ctx = get_u32(r);
	ctx_vec = get_u32(r);
	flags = get_u32(r);
	get_str(r, x->comm, sizeof(x->comm));
	get_str(r, x->peer_comm, sizeof(x->peer_comm));
	x->blocker.start = get_u64(r);
	x->blocker.len = get_u64(r);
	x->blocker.key = get_u32(r);
	x->blocker.pid = get_u32(r);
	bkind = get_u32(r);
	bsrc = get_u32(r);
	nstory = get_u32(r);
	if (r->short_read)
		return ls_state_invalid(m, "windows: entry %llu truncated", (unsigned long long)i);
	if (cpu > 0xffff || kind > 0xff || src > 0xff || ctx > 0xff || ctx_vec > 0xff ||
	    flags > 0xffff || bkind > 0xff || bsrc > 0xff)
		return ls_state_invalid(m, "windows: entry %llu has a field out of range",
					(unsigned long long)i);
	if (nstory > LS_WIN_MAX_FLIGHT)
		return ls_state_invalid(m, "windows: entry %llu has a story of %u records (at most %d)",
					(unsigned long long)i, nstory, LS_WIN_MAX_FLIGHT);
	x->cpu = (uint16_t)cpu;
	x->kind = (uint8_t)kind;
	x->src = (uint8_t)src;
	x->ctx = (uint8_t)ctx;
	x->ctx_vec = (uint8_t)ctx_vec;
	x->flags = (uint16_t)flags;
	x->blocker.kind = (uint8_t)bkind;
	x->blocker.src = (uint8_t)bsrc;
	c->e.nstory = 0;
	for (uint32_t j = 0; j < nstory; j++) {
		union ls_rec_any *rec = &c->e.story[c->e.nstory];

		switch (ls_state_get_rec(r, rec)) {
		case LS_REC_OK:
			ls_rec_kaddrs(rec, rekey, s);
			c->e.nstory++;
			break;
		case LS_REC_UNKNOWN:
			c->story_unknown++;
			break;
		case LS_REC_BAD:
			return ls_state_invalid(m, "windows: entry %llu, story record %u is damaged",
						(unsigned long long)i, j);
		}
	}
	ls_win_kaddrs(x, rekey, s);
	/* its times cannot be compared with this boot's (the meta section,
	 * first in a file, said where it was saved) */
	if (s->lim->boot_id && s->lim->boot_id[0] && s->boot_id[0] &&
	    strcmp(s->lim->boot_id, s->boot_id))
		x->flags |= LS_WIN_EARLIER_BOOT;
	if (s->lim->ncpus && cpu >= s->lim->ncpus)
		*skip = SKIP_CPU;
	else if (!known_window(x))
		*skip = SKIP_UNKNOWN;
	else
		*skip = KEEP;
	return LS_STATE_OK;
}

int ls_state_load_windows(struct ls_rbuf *r, struct ls_state *s, struct ls_state_msg *m)
{
	struct ls_windows *win = ls_agg_windows(s->agg);
	struct win_load c = { 0 };
	uint32_t saved_worst, saved_flight;
	struct ls_win_opts o;
	uint64_t n;
	int rc = get_stats(r, win, m);

	if (rc)
		return rc;
	saved_worst = get_u32(r);
	saved_flight = get_u32(r);
	n = get_u64(r);
	c.e.story = calloc(LS_WIN_MAX_FLIGHT, sizeof(*c.e.story));
	if (!c.e.story)
		return LS_STATE_NOMEM;
	ls_windows_get_opts(win, &o);
	for (uint64_t i = 0; !rc && i < n; i++) {
		enum skip skip = KEEP;

		rc = get_entry(r, s, &c, i, &skip, m);
		if (rc || skip != KEEP) {
			c.skipped_cpu += skip == SKIP_CPU;
			c.skipped_unknown += skip == SKIP_UNKNOWN;
			continue;
		}
		switch (ls_windows_restore_worst(win, &c.e)) {
		case 1:
			c.story_cut += c.e.nstory > o.flight;
			break;
		case -1:
			rc = LS_STATE_NOMEM;
			break;
		}
	}
	free(c.e.story);
	if (rc)
		return rc;
	for (uint32_t cpu = 0; cpu < ls_windows_ncpus(win); cpu++)
		for (int k = 0; k < NKINDS; k++) {
			const struct ls_win_worst *e;

			s->restored.windows += ls_windows_worst(win, cpu, kinds[k], &e);
		}
	/* offered but not in a list now: too short, or pushed out later */
	c.not_kept = n - c.skipped_cpu - c.skipped_unknown - s->restored.windows;
	if (c.not_kept)
		ls_state_note(m, "%llu saved worst windows beyond this daemon's %u per CPU and kind "
			      "(the file kept %u) dropped", (unsigned long long)c.not_kept, o.worst,
			      saved_worst);
	if (c.story_cut)
		ls_state_note(m, "%llu saved window stories cut to this daemon's %u records (the "
			      "file's were up to %u)", (unsigned long long)c.story_cut, o.flight,
			      saved_flight);
	if (c.skipped_cpu)
		ls_state_note(m, "%llu saved worst windows of CPUs this machine lacks (it has %u) "
			      "dropped", (unsigned long long)c.skipped_cpu, s->lim->ncpus);
	if (c.skipped_unknown)
		ls_state_note(m, "%llu saved worst windows of a kind or source unknown to this "
			      "version dropped", (unsigned long long)c.skipped_unknown);
	if (c.story_unknown)
		ls_state_note(m, "%llu story records of kinds unknown to this version dropped",
			      (unsigned long long)c.story_unknown);
	return LS_STATE_OK;
}

/* --- isolated: interruption logs ---------------------------------------- */

static void put_key(struct ls_wbuf *w, const struct ls_intr_key *k)
{
	put_u32(w, k->kind);
	put_u32(w, k->key);
	put_u32(w, k->sender);
	put_u32(w, 0);
	put_u64(w, k->count);
	put_u64(w, k->total_ns);
	put_u64(w, k->max_ns);
	put_u64(w, k->last_ns);
}

static void put_log(struct ls_wbuf *w, uint32_t cpu, const struct ls_intr_log *l)
{
	put_u32(w, cpu);
	put_u32(w, l->nkeys);
	put_u64(w, l->total);
	for (unsigned i = 0; i < l->nkeys; i++)
		put_key(w, &l->keys[i]);
	put_key(w, &l->other);
	put_u32(w, l->count);
	for (unsigned i = l->count; i-- > 0;) /* oldest first */
		ls_state_put_rec(w, ls_intr_recent(l, i));
}

void ls_state_save_isolated(struct ls_wbuf *w, const struct ls_state *s)
{
	const struct ls_windows *win = ls_agg_windows(s->agg);
	uint64_t n = 0;
	size_t n_off;

	put_u32(w, LS_INTR_KEYS);
	put_u32(w, LS_INTR_RECENT);
	n_off = w->len;
	put_u64(w, 0);
	for (uint32_t cpu = 0; cpu < ls_windows_ncpus(win); cpu++) {
		const struct ls_intr_log *l = ls_windows_intr(win, cpu);

		if (l) {
			put_log(w, cpu, l);
			n++;
		}
	}
	patch(w, n_off, n, 8);
}

/* A cause as saved; false when a field is out of range. */
static bool get_key(struct ls_rbuf *r, struct ls_intr_key *k, bool other)
{
	uint32_t kind = get_u32(r), key = get_u32(r), sender = get_u32(r);
	struct ls_rec probe = { .kind = (uint8_t)kind };

	get_u32(r);
	k->kind = (uint8_t)kind;
	k->key = key;
	k->sender = (uint16_t)sender;
	k->count = get_u64(r);
	k->total_ns = get_u64(r);
	k->max_ns = get_u64(r);
	k->last_ns = get_u64(r);
	if (sender > 0xffff || kind > 0xff)
		return false;
	/* `other` has no kind; the others are kinds that interrupt */
	return other ? kind == 0 : ls_intr_counts(&probe);
}

/* Causes past this version's LS_INTR_KEYS join `other`, as they would
 * have live. */
static void fold_other(struct ls_intr_key *o, const struct ls_intr_key *k)
{
	o->count += k->count;
	o->total_ns += k->total_ns;
	if (k->max_ns > o->max_ns)
		o->max_ns = k->max_ns;
	if (k->last_ns > o->last_ns)
		o->last_ns = k->last_ns;
}

struct intr_load {
	struct ls_intr_log l;
	uint64_t folded, story_unknown;
};

static int get_log(struct ls_rbuf *r, struct ls_state *s, struct intr_load *c, uint32_t *cpu,
		   struct ls_state_msg *m)
{
	struct ls_intr_log *l = &c->l;
	uint32_t nkeys, nrecent;
	uint64_t sum = 0;
	struct ls_intr_key k;

	memset(l, 0, sizeof(*l));
	*cpu = get_u32(r);
	nkeys = get_u32(r);
	l->total = get_u64(r);
	if (r->short_read || (uint64_t)nkeys * 48 > rb_left(r))
		return ls_state_invalid(m, "isolated: a log's %u causes do not fit", nkeys);
	if (*cpu > 0xffff)
		return ls_state_invalid(m, "isolated: CPU %u out of range", *cpu);
	for (uint32_t i = 0; i < nkeys; i++) {
		if (!get_key(r, &k, false))
			return ls_state_invalid(m, "isolated: CPU %u, cause %u out of range", *cpu, i);
		ls_intr_key_kaddrs(&k, rekey, s);
		if (l->nkeys < LS_INTR_KEYS) {
			l->keys[l->nkeys++] = k;
		} else {
			fold_other(&l->other, &k);
			l->other.sender = LS_INTR_NO_SENDER; /* as the live log has it */
			c->folded++;
		}
		if (__builtin_add_overflow(sum, k.count, &sum))
			return ls_state_invalid(m, "isolated: CPU %u, counts overflow", *cpu);
	}
	if (!get_key(r, &k, true))
		return ls_state_invalid(m, "isolated: CPU %u, `other` out of range", *cpu);
	if (l->other.count) /* causes were folded into it above */
		fold_other(&l->other, &k);
	else
		l->other = k;
	if (__builtin_add_overflow(sum, k.count, &sum) || sum != l->total)
		return ls_state_invalid(m, "isolated: CPU %u, causes do not add up to its %llu "
					"interruptions", *cpu, (unsigned long long)l->total);
	nrecent = get_u32(r);
	for (uint32_t i = 0; i < nrecent; i++) {
		union ls_rec_any rec;

		switch (ls_state_get_rec(r, &rec)) {
		case LS_REC_OK:
			ls_rec_kaddrs(&rec, rekey, s);
			ls_intr_push_recent(l, &rec); /* keeps the newest */
			break;
		case LS_REC_UNKNOWN:
			c->story_unknown++;
			break;
		case LS_REC_BAD:
			return ls_state_invalid(m, "isolated: CPU %u, recent record %u is damaged",
						*cpu, i);
		}
	}
	return r->short_read ? ls_state_invalid(m, "isolated: CPU %u truncated", *cpu)
			     : LS_STATE_OK;
}

int ls_state_load_isolated(struct ls_rbuf *r, struct ls_state *s, struct ls_state_msg *m)
{
	struct ls_windows *win = ls_agg_windows(s->agg);
	uint64_t n, not_isolated = 0, no_cpu = 0;
	struct intr_load *c = calloc(1, sizeof(*c));
	int rc = LS_STATE_OK;

	if (!c)
		return LS_STATE_NOMEM;
	get_u32(r); /* the saver's LS_INTR_KEYS and LS_INTR_RECENT: the */
	get_u32(r); /* counts in each log say what is there */
	n = get_u64(r);
	for (uint64_t i = 0; !rc && i < n; i++) {
		struct ls_intr_log *dst;
		uint32_t cpu;
		bool nomem;

		rc = get_log(r, s, c, &cpu, m);
		if (rc)
			break;
		if (s->lim->ncpus && cpu >= s->lim->ncpus) {
			no_cpu++;
			continue;
		}
		dst = ls_windows_restore_intr(win, cpu, &nomem);
		if (nomem)
			rc = LS_STATE_NOMEM;
		else if (!dst)
			not_isolated++;
		else if (dst->total)
			rc = ls_state_invalid(m, "isolated: CPU %u appears twice", cpu);
		else
			*dst = c->l;
		s->restored.isolated_logs += dst && !rc;
	}
	if (!rc && c->folded)
		ls_state_note(m, "%llu saved interruption causes beyond this version's %d per CPU "
			      "folded into `other`", (unsigned long long)c->folded, LS_INTR_KEYS);
	if (!rc && c->story_unknown)
		ls_state_note(m, "%llu interruption records of kinds unknown to this version "
			      "dropped", (unsigned long long)c->story_unknown);
	if (!rc && no_cpu)
		ls_state_note(m, "interruption logs of %llu CPUs this machine lacks dropped",
			      (unsigned long long)no_cpu);
	if (!rc && not_isolated)
		ls_state_note(m, "interruption logs of %llu CPUs no longer isolated dropped",
			      (unsigned long long)not_isolated);
	free(c);
	return rc;
}
