// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The aggregator's KVM table: (tgid, vcpu, isa, reason) -> exit cost,
 * on-CPU part and guest time histograms. An open-addressing index (at most
 * 70% full) over series kept in fixed chunks that never move.
 */
#include <stdlib.h>
#include <string.h>

#include "agg_kvm.h"
#include "kvm_reasons.h"

#define KCHUNK_BITS 6
#define KCHUNK (1u << KCHUNK_BITS)

struct ls_kvm_table {
	uint32_t *slots;        /* series index + 1; 0 = empty */
	unsigned slots_log2;
	size_t nseries, max_series;
	struct ls_kvm_series **chunks;
	size_t nchunks;
	struct ls_kvm_stats st;
};

static struct ls_kvm_series *kseries_at(const struct ls_kvm_table *t, size_t i)
{
	return &t->chunks[i >> KCHUNK_BITS][i & (KCHUNK - 1)];
}

static size_t kslot_of(unsigned log2, uint32_t tgid, uint32_t vcpu, uint32_t reason,
		      uint8_t isa)
{
	uint64_t x = ((uint64_t)tgid << 32 | vcpu) ^
		     ((uint64_t)reason << 7 | isa) * 0xff51afd7ed558ccdull;

	x ^= x >> 31;
	return (size_t)((x * 0x9e3779b97f4a7c15ull) >> (64 - log2));
}

static bool ksame(const struct ls_kvm_series *s, uint32_t tgid, uint32_t vcpu,
		 uint32_t reason, uint8_t isa)
{
	return s->tgid == tgid && s->vcpu == vcpu && s->reason == reason && s->isa == isa;
}

/* Slot holding the key, or the empty slot where it would go. */
static uint32_t *kprobe(const struct ls_kvm_table *t, uint32_t tgid, uint32_t vcpu,
		       uint32_t reason, uint8_t isa)
{
	size_t mask = ((size_t)1 << t->slots_log2) - 1;

	for (size_t i = kslot_of(t->slots_log2, tgid, vcpu, reason, isa);; i = (i + 1) & mask) {
		uint32_t *s = &t->slots[i];

		if (!*s || ksame(kseries_at(t, *s - 1), tgid, vcpu, reason, isa))
			return s;
	}
}

struct ls_kvm_table *ls_kvm_table_new(size_t max_series)
{
	struct ls_kvm_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->slots_log2 = 6;
	t->slots = calloc((size_t)1 << t->slots_log2, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	t->max_series = max_series;
	return t;
}

void ls_kvm_table_free(struct ls_kvm_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nseries; i++) {
		struct ls_kvm_series *s = kseries_at(t, i);

		ls_hist_free(&s->cost);
		ls_hist_free(&s->on_cpu);
		ls_hist_free(&s->guest);
	}
	for (size_t c = 0; c < t->nchunks; c++)
		free(t->chunks[c]);
	free(t->chunks);
	free(t->slots);
	free(t);
}

static bool kgrow_slots(struct ls_kvm_table *t)
{
	uint32_t *old = t->slots;
	size_t n = (size_t)1 << t->slots_log2;

	t->slots = calloc(n * 2, sizeof(*t->slots));
	if (!t->slots) {
		t->slots = old;
		return false;
	}
	t->slots_log2++;
	for (size_t i = 0; i < n; i++)
		if (old[i]) {
			const struct ls_kvm_series *s = kseries_at(t, old[i] - 1);

			*kprobe(t, s->tgid, s->vcpu, s->reason, s->isa) = old[i];
		}
	free(old);
	return true;
}

static struct ls_kvm_series *kcreate(struct ls_kvm_table *t, uint32_t tgid, uint32_t vcpu,
				    uint32_t reason, uint8_t isa)
{
	size_t c = t->nseries >> KCHUNK_BITS;
	struct ls_kvm_series *s;

	if ((t->nseries + 1) * 10 > ((size_t)7 << t->slots_log2) && !kgrow_slots(t))
		return NULL;
	if (c == t->nchunks) {
		struct ls_kvm_series **chunks = realloc(t->chunks, (c + 1) * sizeof(*chunks));

		if (!chunks)
			return NULL;
		t->chunks = chunks;
		chunks[c] = calloc(KCHUNK, sizeof(**chunks));
		if (!chunks[c])
			return NULL;
		t->nchunks = c + 1;
	}
	s = kseries_at(t, t->nseries);
	s->tgid = tgid;
	s->vcpu = vcpu;
	s->reason = reason;
	s->isa = isa;
	ls_hist_init(&s->cost);
	ls_hist_init(&s->on_cpu);
	ls_hist_init(&s->guest);
	*kprobe(t, tgid, vcpu, reason, isa) = (uint32_t)++t->nseries;
	return s;
}

/* The series of a key, created if missing; past the cap, the one "other"
 * series (created beyond the cap if needed). */
static struct ls_kvm_series *klookup(struct ls_kvm_table *t, uint32_t tgid, uint32_t vcpu,
				    uint32_t reason, uint8_t isa)
{
	uint32_t *slot = kprobe(t, tgid, vcpu, reason, isa);

	if (*slot)
		return kseries_at(t, *slot - 1);
	if (t->nseries >= t->max_series) {
		t->st.overflow++;
		tgid = vcpu = reason = LS_KEY_OTHER;
		isa = LS_KVM_ISA_UNKNOWN;
		slot = kprobe(t, tgid, vcpu, reason, isa);
		if (*slot)
			return kseries_at(t, *slot - 1);
	}
	return kcreate(t, tgid, vcpu, reason, isa);
}

void ls_kvm_table_add(struct ls_kvm_table *t, const struct ls_rec_kvm *r)
{
	const struct ls_rec *h = &r->h;
	struct ls_kvm_series *s;
	bool ok = true;

	t->st.records++;
	ls_kvm_note_isa(r->isa);
	s = klookup(t, r->tgid, h->arg, h->key, r->isa);
	if (!s) {
		t->st.alloc_failures++;
		return;
	}
	if (r->comm[0]) {
		size_t n = strnlen(r->comm, sizeof(r->comm));

		memcpy(s->comm, r->comm, n);
		memset(s->comm + n, 0, sizeof(s->comm) - n);
		s->comm[sizeof(s->comm) - 1] = '\0';
	}
	if (r->guest_ns)
		ok = ls_hist_add(&s->guest, r->guest_ns);
	if (r->kflags & LS_KVM_F_OPEN) {
		s->open++;
		if (r->guest_ns) {
			s->open_guest++;
			s->open_guest_ns += r->guest_ns;
		}
	} else {
		uint64_t off = r->off_cpu_ns < h->dur ? r->off_cpu_ns : h->dur;

		ok = ls_hist_add(&s->cost, h->dur) & ok;
		ok = ls_hist_add(&s->on_cpu, h->dur - off) & ok;
	}
	if (!ok)
		t->st.alloc_failures++;
}

bool ls_kvm_table_merge(struct ls_kvm_table *t, const struct ls_kvm_series *src)
{
	struct ls_kvm_series *s = klookup(t, src->tgid, src->vcpu, src->reason, src->isa);

	if (!s)
		return false;
	if (src->comm[0])
		memcpy(s->comm, src->comm, sizeof(s->comm));
	s->comm[sizeof(s->comm) - 1] = '\0';
	s->open += src->open;
	s->open_guest += src->open_guest;
	s->open_guest_ns += src->open_guest_ns;
	return ls_hist_merge(&s->cost, &src->cost) && ls_hist_merge(&s->on_cpu, &src->on_cpu) &&
	       ls_hist_merge(&s->guest, &src->guest);
}

void ls_kvm_table_add_stats(struct ls_kvm_table *t, const struct ls_kvm_stats *st)
{
	t->st.records += st->records;
	t->st.overflow += st->overflow;
	t->st.alloc_failures += st->alloc_failures;
}

int ls_kvm_table_foreach(const struct ls_kvm_table *t, ls_kvm_series_fn fn, void *ctx)
{
	for (size_t i = 0; t && i < t->nseries; i++) {
		int ret = fn(kseries_at(t, i), ctx);

		if (ret)
			return ret;
	}
	return 0;
}

void ls_kvm_table_stats(const struct ls_kvm_table *t, struct ls_kvm_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!t)
		return;
	*st = t->st;
	st->series = t->nseries;
}
