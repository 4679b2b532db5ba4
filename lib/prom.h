/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Prometheus text exposition format 0.0.4: a writer (families, samples,
 * label escaping) and the renderings of the aggregator's histograms and the
 * kernel counters. The daemon adds its self metrics (daemon/metrics.c).
 * Metric names and the bucket mapping are documented in docs/metrics.md.
 */
#ifndef LATSCOPE_PROM_H
#define LATSCOPE_PROM_H

#include <stdint.h>
#include <stdio.h>
#include "latscope/record.h"
#include "agg.h"

/* Histogram bucket bounds: 100 ns .. 10 s in a 1-2-5 series, plus +Inf. */
#define LS_PROM_NBOUNDS 25
extern const uint64_t ls_prom_bounds_ns[LS_PROM_NBOUNDS];

struct ls_prom {
	FILE *f;       /* an open_memstream over buf */
	char *buf;
	size_t len;
	int failed;    /* out of memory while rendering */
};

/* 0, or -1 (ENOMEM). */
int ls_prom_open(struct ls_prom *p);
/* The text (malloc'ed, NUL-terminated, caller frees) and its length, or
 * NULL when out of memory. */
char *ls_prom_close(struct ls_prom *p, size_t *len);

/* # HELP and # TYPE lines of a family; type is counter, gauge or histogram. */
void ls_prom_family(struct ls_prom *p, const char *name, const char *type,
		    const char *help);
/* One sample line. labels: NULL, or "name", "value", ..., NULL; values are
 * escaped here. */
void ls_prom_u64(struct ls_prom *p, const char *name, const char *const *labels,
		 uint64_t v);
void ls_prom_double(struct ls_prom *p, const char *name, const char *const *labels,
		    double v);

/*
 * Cumulative counts for the bounds: cum[j] counts the values in buckets lying
 * wholly at or below ls_prom_bounds_ns[j] (all of them once max <= bound,
 * none while min > bound). A value of the one bucket straddling a bound is
 * counted at the next bound: le=b counts exactly the values <= b' for some
 * b' in [b * 31/32, b].
 */
void ls_prom_cumulative(const struct ls_hist *h, uint64_t cum[LS_PROM_NBOUNDS]);

/*
 * latscope_latency_seconds{class, cpu} (keys merged) and
 * latscope_latency_by_key_seconds{class, key} (CPUs merged; classes keyed by
 * pid are left out, their keys are unbounded). Only series with values.
 */
void ls_prom_histograms(struct ls_prom *p, const struct ls_agg *a);
/* latscope_{events,records,dropped_records,unpaired_events}_total{class}
 * for every class with any non-zero counter. */
void ls_prom_counters(struct ls_prom *p, const struct ls_counters *c);

#endif
