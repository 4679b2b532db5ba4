// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "interruptions.h"

bool ls_intr_counts(const struct ls_rec *r)
{
	switch (r->kind) {
	case LS_K_HARDIRQ:
	case LS_K_VECTOR:
	case LS_K_SOFTIRQ:
	case LS_K_HRTIMER:
	case LS_K_IPI:
		return true;
	default:
		return false;
	}
}

static void count(struct ls_intr_key *k, const struct ls_rec *r)
{
	k->count++;
	k->total_ns += r->dur;
	if (r->dur > k->max_ns)
		k->max_ns = r->dur;
	if (r->ts > k->last_ns)
		k->last_ns = r->ts;
}

void ls_intr_add(struct ls_intr_log *l, const struct ls_rec *r)
{
	uint16_t sender = r->kind == LS_K_IPI ? (uint16_t)r->arg : LS_INTR_NO_SENDER;
	union ls_rec_any rec;
	size_t size = ls_rec_size(r->kind);
	unsigned i;

	if (!ls_intr_counts(r))
		return;
	l->total++;
	for (i = 0; i < l->nkeys; i++) {
		struct ls_intr_key *k = &l->keys[i];

		if (k->kind == r->kind && k->key == r->key && k->sender == sender)
			break;
	}
	if (i < l->nkeys) {
		count(&l->keys[i], r);
	} else if (l->nkeys < LS_INTR_KEYS) {
		struct ls_intr_key *k = &l->keys[l->nkeys++];

		memset(k, 0, sizeof(*k));
		k->kind = r->kind;
		k->key = r->key;
		k->sender = sender;
		count(k, r);
	} else {
		l->other.sender = LS_INTR_NO_SENDER;
		count(&l->other, r);
	}
	memset(&rec, 0, sizeof(rec));
	memcpy(&rec, r, size && size <= sizeof(rec) ? size : sizeof(*r));
	ls_intr_push_recent(l, &rec);
}

void ls_intr_push_recent(struct ls_intr_log *l, const union ls_rec_any *r)
{
	l->recent[l->head] = *r;
	l->head = (l->head + 1) % LS_INTR_RECENT;
	if (l->count < LS_INTR_RECENT)
		l->count++;
}

const union ls_rec_any *ls_intr_recent(const struct ls_intr_log *l, unsigned i)
{
	if (i >= l->count)
		return NULL;
	return &l->recent[(l->head + LS_INTR_RECENT - 1 - i) % LS_INTR_RECENT];
}
