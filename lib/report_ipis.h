/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The `ipis` view (docs/protocol.md) over an aggregator. */
#ifndef LATSCOPE_REPORT_IPIS_H
#define LATSCOPE_REPORT_IPIS_H

#include <json-c/json.h>
#include "agg.h"

/*
 * IPI deliveries: the sender x target matrix (count and delivery
 * percentiles per pair of CPUs) and, per target CPU, totals and the
 * callbacks and callsites that were delivered there, most frequent first,
 * each with its count, coalesced sends and delivery percentiles. For CPUs
 * 0..ncpus-1, or only target `cpu` when cpu >= 0.
 */
json_object *ls_report_ipis(const struct ls_agg *a, unsigned ncpus, int64_t cpu);

#endif
