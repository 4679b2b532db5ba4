/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The aggregator: one code path from struct ls_rec to histograms, used by the
 * live daemon and by offline analysis alike.
 *
 * Series are keyed by (class, cpu, key) and created only for keys that
 * appear. The number of series is capped (max_series); once full, new keys
 * of a (class, cpu) fold into the LS_KEY_OTHER series and are counted in
 * series_overflow, so nothing is dropped silently and memory stays bounded.
 */
#ifndef LATSCOPE_AGG_H
#define LATSCOPE_AGG_H

#include <stdint.h>
#include <stddef.h>
#include "latscope/record.h"
#include "hist.h"

#define LS_KEY_OTHER 0xffffffffu

struct ls_series {
	uint32_t cls;   /* enum ls_kind used as class */
	uint32_t cpu;
	uint32_t key;
	struct ls_hist h;
};

struct ls_agg;

struct ls_agg *ls_agg_new(size_t max_series);
void ls_agg_free(struct ls_agg *a);

/* Feed one record (any kind); it must be ls_rec_size(r->kind) bytes long
 * (callers check). Unknown kinds are counted, not aggregated. */
void ls_agg_add(struct ls_agg *a, const struct ls_rec *r);
/* Add a value directly to a series (used by derived classes and tests). */
void ls_agg_add_value(struct ls_agg *a, uint32_t cls, uint32_t cpu,
		      uint32_t key, uint64_t v);

/*
 * Observer of every value the aggregator adds, with the record it came from
 * (NULL for ls_agg_add_value): alerting sees exactly the values the views
 * show, derived classes included. One observer; NULL fn removes it.
 */
typedef void (*ls_agg_observer_fn)(void *ctx, uint32_t cls, uint32_t cpu, uint32_t key,
				   uint64_t v, const struct ls_rec *r);
void ls_agg_set_observer(struct ls_agg *a, ls_agg_observer_fn fn, void *ctx);
/* Persistence (lib/state.c): add a saved histogram to series (cls, cpu,
 * key), folded into `other` past the cap like single values (its count
 * added to series_overflow then); false on ENOMEM. */
bool ls_agg_add_hist(struct ls_agg *a, uint32_t cls, uint32_t cpu, uint32_t key,
		     const struct ls_hist *h);

/* Iterate all series; order unspecified. Return non-zero from fn to stop. */
typedef int (*ls_series_fn)(const struct ls_series *s, void *ctx);
int ls_agg_foreach(const struct ls_agg *a, ls_series_fn fn, void *ctx);

/* Merge every series matching (cls, cpu or -1 for all, key or -1 for all)
 * into out (which must be initialised). Returns number of series merged. */
size_t ls_agg_merge(const struct ls_agg *a, uint32_t cls, int64_t cpu,
		    int64_t key, struct ls_hist *out);

struct ls_agg_stats {
	uint64_t records;          /* records fed */
	uint64_t records_by_kind[LS_K_MAX];
	uint64_t unknown_kind;     /* records with a kind we do not know */
	uint64_t series;           /* live series */
	uint64_t series_overflow;  /* values folded into LS_KEY_OTHER */
	uint64_t alloc_failures;   /* values lost to ENOMEM */
	uint32_t max_cpu_seen;     /* highest cpu number seen + 1 (0 = none) */
	uint64_t wakeup_before_soft; /* hrtimer_wakeup (or timerfd) fired
				      * before its soft expiry (should never
				      * happen); not aggregated, counted here */
	uint64_t wakeup_timer_early; /* LS_WF_TIMER wakeup switched in before
				      * its hard expiry (timer slack): not
				      * aggregated, counted here */
	uint64_t hrtimer_no_expiry;  /* hrtimer records without an expiry
				      * (LS_F_NO_EXPIRY): run time only */
};
void ls_agg_get_stats(const struct ls_agg *a, struct ls_agg_stats *st);
/* Add saved stats to the running ones (series is ignored: it is counted
 * live; max_cpu_seen takes the larger). */
void ls_agg_add_stats(struct ls_agg *a, const struct ls_agg_stats *st);

/* Worst wakeups per CPU and below-floor counts (lib/wakeups.h); owned by
 * the aggregator, never NULL. */
struct ls_wakeups *ls_agg_wakeups(const struct ls_agg *a);
/* The irq-off/preempt-off windows derived from the records fed here
 * (lib/windows.h); they feed classes LS_K_IRQOFF and LS_K_PREEMPTOFF. */
struct ls_windows *ls_agg_windows(const struct ls_agg *a);
/* Finish windows still pending at now_ns (UINT64_MAX: all; see
 * ls_windows_flush). Views call this before reading. */
void ls_agg_flush(struct ls_agg *a, uint64_t now_ns);

#endif
