/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the wakeup view needs beyond histograms, kept next to the aggregator
 * (ls_agg_wakeups): the worst wakeups per CPU as whole records (victim,
 * culprit, flags), bounded to LS_WAKEUP_WORST per CPU. The wakeups the
 * kernel counts instead of emitting join the aggregator's histograms
 * (daemon/wakeups.c); the daemon keeps each CPU's emit bar at the shortest
 * of a full worst list, so no wakeup that belongs here is only counted.
 */
#ifndef LATSCOPE_WAKEUPS_H
#define LATSCOPE_WAKEUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "latscope/record.h"
#include "latscope/wakeup_stats.h"

#define LS_WAKEUP_WORST 8 /* worst wakeups kept per CPU */

struct ls_wakeups;

struct ls_wakeups *ls_wakeups_new(void);
void ls_wakeups_free(struct ls_wakeups *w);

/* Offer a record to its CPU's worst list. False only on allocation
 * failure (record not considered). */
bool ls_wakeups_note(struct ls_wakeups *w, const struct ls_rec_wakeup *r);
/* The worst wakeups of cpu, longest first; returns how many (<= LS_WAKEUP_WORST). */
size_t ls_wakeups_worst(const struct ls_wakeups *w, uint32_t cpu,
			const struct ls_rec_wakeup **out);

/* The emit floor in force (latscoped --wakeup-floor-ns), for the view. */
void ls_wakeups_set_floor(struct ls_wakeups *w, uint64_t floor_ns);
uint64_t ls_wakeups_floor(const struct ls_wakeups *w);
/* Persistence (lib/state_wakeups.c): CPUs with a slot (highest + 1). */
size_t ls_wakeups_ncpus(const struct ls_wakeups *w);

#endif
