/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where finished windows go, per CPU and kind: the rolling ring, the
 * since-start histogram and the N longest windows with their stories; and
 * per CPU the flight recorder those stories are copied from. Private to
 * lib/windows.c (which derives the windows) and its tests.
 */
#ifndef LATSCOPE_WIN_STORE_H
#define LATSCOPE_WIN_STORE_H

#include "windows.h"

/* The last `cap` records of one CPU, oldest overwritten first. */
struct ls_flight {
	union ls_rec_any *rec;
	unsigned cap, head, count; /* head: next slot to write */
};

int ls_flight_init(struct ls_flight *f, unsigned cap);
void ls_flight_free(struct ls_flight *f);
void ls_flight_push(struct ls_flight *f, const struct ls_rec *r);
/* Copy the newest (at most max) records that began before t_ns into out,
 * oldest first; returns how many. */
unsigned ls_flight_snapshot(const struct ls_flight *f, uint64_t t_ns,
			    union ls_rec_any *out, unsigned max);

/* Per CPU and kind (the since-start distribution is the aggregator's
 * series of that class and CPU). */
struct ls_win_kstore {
	struct ls_roll roll;
	unsigned cap, n;            /* worst: capacity, entries in use */
	struct ls_win_worst *worst; /* longest first */
	union ls_rec_any *stories;  /* cap * flight records */
	unsigned story_cap;         /* flight */
};

struct ls_win_kstore *ls_kstore_new(unsigned worst, unsigned flight);
void ls_kstore_free(struct ls_win_kstore *k);
/*
 * Account a finished window: rolling ring (by its end time) and the worst
 * list when it is long enough, with a story from fl. Returns the worst
 * entry it took (NULL if none); *stale set when it was too old for the ring.
 */
struct ls_win_worst *ls_kstore_add(struct ls_win_kstore *k, const struct ls_window *w,
				   const struct ls_flight *fl, bool *stale);
/* Offer a saved worst window (story included, cut to its newest story_cap
 * records) to the worst list; the rolling ring is not touched. Returns the
 * entry it took, NULL if not long enough. */
struct ls_win_worst *ls_kstore_restore(struct ls_win_kstore *k, const struct ls_win_worst *e);

#endif
