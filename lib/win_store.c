// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "win_store.h"

int ls_flight_init(struct ls_flight *f, unsigned cap)
{
	memset(f, 0, sizeof(*f));
	f->rec = calloc(cap, sizeof(*f->rec));
	if (!f->rec)
		return -1;
	f->cap = cap;
	return 0;
}

void ls_flight_free(struct ls_flight *f)
{
	free(f->rec);
	memset(f, 0, sizeof(*f));
}

void ls_flight_push(struct ls_flight *f, const struct ls_rec *r)
{
	union ls_rec_any *slot = &f->rec[f->head];
	size_t n = ls_rec_size(r->kind);

	/* no clearing: a slot is only ever read as its own kind */
	if (!n || n > sizeof(*slot))
		n = sizeof(*r);
	memcpy(slot, r, n);
	f->head = (f->head + 1) % f->cap;
	if (f->count < f->cap)
		f->count++;
}

unsigned ls_flight_snapshot(const struct ls_flight *f, uint64_t t_ns,
			    union ls_rec_any *out, unsigned max)
{
	unsigned first = (f->head + f->cap - f->count) % f->cap;
	unsigned n = 0, skip, i;

	for (i = 0; i < f->count; i++)
		if (f->rec[(first + i) % f->cap].h.ts < t_ns)
			n++;
	skip = n > max ? n - max : 0;
	n = 0;
	for (i = 0; i < f->count; i++) {
		const union ls_rec_any *r = &f->rec[(first + i) % f->cap];

		if (r->h.ts >= t_ns)
			continue;
		if (skip) {
			skip--;
			continue;
		}
		out[n++] = *r;
	}
	return n;
}

struct ls_win_kstore *ls_kstore_new(unsigned worst, unsigned flight)
{
	struct ls_win_kstore *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->worst = calloc(worst, sizeof(*k->worst));
	k->stories = calloc((size_t)worst * flight, sizeof(*k->stories));
	if (!k->worst || !k->stories) {
		ls_kstore_free(k);
		return NULL;
	}
	k->cap = worst;
	k->story_cap = flight;
	for (unsigned i = 0; i < worst; i++)
		k->worst[i].story = &k->stories[(size_t)i * flight];
	ls_roll_init(&k->roll);
	return k;
}

void ls_kstore_free(struct ls_win_kstore *k)
{
	if (!k)
		return;
	free(k->worst);
	free(k->stories);
	free(k);
}

/*
 * A slot of the worst list for w (longest first; among equal lengths the
 * earlier entry stays ahead), with w copied in; NULL if w is not long
 * enough. Story buffers belong to slots, so moving entries swaps story
 * pointers rather than copying records; the caller fills the story.
 */
static struct ls_win_worst *take_slot(struct ls_win_kstore *k, const struct ls_window *w)
{
	struct ls_win_worst tmp;
	unsigned pos;

	if (k->n == k->cap && w->len <= k->worst[k->n - 1].w.len)
		return NULL;
	pos = k->n < k->cap ? k->n++ : k->n - 1; /* the free slot or the last */
	tmp = k->worst[pos];
	while (pos > 0 && k->worst[pos - 1].w.len < w->len) {
		k->worst[pos] = k->worst[pos - 1];
		pos--;
	}
	k->worst[pos].w = *w;
	k->worst[pos].story = tmp.story;
	return &k->worst[pos];
}

static struct ls_win_worst *insert_worst(struct ls_win_kstore *k, const struct ls_window *w,
					 const struct ls_flight *fl)
{
	struct ls_win_worst *e = take_slot(k, w);

	if (e)
		e->nstory = ls_flight_snapshot(fl, w->start + w->len, e->story, k->story_cap);
	return e;
}

struct ls_win_worst *ls_kstore_add(struct ls_win_kstore *k, const struct ls_window *w,
				   const struct ls_flight *fl, bool *stale)
{
	*stale = !ls_roll_add(&k->roll, w->start + w->len, w->len);
	return insert_worst(k, w, fl);
}

struct ls_win_worst *ls_kstore_restore(struct ls_win_kstore *k, const struct ls_win_worst *e)
{
	struct ls_win_worst *slot = take_slot(k, &e->w);
	unsigned skip = e->nstory > k->story_cap ? e->nstory - k->story_cap : 0;

	if (!slot)
		return NULL;
	slot->nstory = e->nstory - skip;
	memcpy(slot->story, e->story + skip, slot->nstory * sizeof(*slot->story));
	return slot;
}
