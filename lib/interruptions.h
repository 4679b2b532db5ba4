/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What interrupted an isolated CPU: every interrupt handler, x86 vector
 * (ticks, IPIs), softirq, hrtimer expiry and IPI delivery recorded on it,
 * counted per cause (an IPI also per sender CPU), and the most recent ones
 * kept verbatim. Bounded: LS_INTR_KEYS distinct causes (more fold into
 * `other`), LS_INTR_RECENT records.
 */
#ifndef LATSCOPE_INTERRUPTIONS_H
#define LATSCOPE_INTERRUPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include "windows.h"

#define LS_INTR_KEYS 64
#define LS_INTR_RECENT 128
#define LS_INTR_NO_SENDER 0xffffu

struct ls_intr_key {
	uint32_t key;       /* the record's key: irq, vector, softirq, timer
			     * function, IPI callback */
	uint16_t sender;    /* IPI: sender CPU; else LS_INTR_NO_SENDER */
	uint8_t kind;       /* record kind */
	uint64_t count;
	uint64_t total_ns;  /* handler time (IPI: delivery latency) */
	uint64_t max_ns;
	uint64_t last_ns;   /* start of the latest one */
};

struct ls_intr_log {
	struct ls_intr_key keys[LS_INTR_KEYS];
	unsigned nkeys;
	struct ls_intr_key other;  /* kind 0: causes beyond LS_INTR_KEYS */
	uint64_t total;
	union ls_rec_any recent[LS_INTR_RECENT];
	unsigned head, count;      /* ring: head = next slot */
};

/* Is this record an interruption of the CPU it ran on? */
bool ls_intr_counts(const struct ls_rec *r);
void ls_intr_add(struct ls_intr_log *l, const struct ls_rec *r);
/* Keep r as the newest recent record (not counted: restoring a log). */
void ls_intr_push_recent(struct ls_intr_log *l, const union ls_rec_any *r);
/* The i-th most recent record kept (0 = newest), or NULL. */
const union ls_rec_any *ls_intr_recent(const struct ls_intr_log *l, unsigned i);

#endif
