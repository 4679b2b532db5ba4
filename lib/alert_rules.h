/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Alert rules and their evaluation, without any I/O: values come in through
 * ls_alert_feed (one per aggregated value: the daemon's drain feeds it from
 * the aggregator, derived-window code may call it directly), periods are
 * closed by ls_alert_tick, and fire/clear decisions go out through a
 * callback (daemon/alerts.c turns them into journal entries, stderr lines,
 * socket events and hooks).
 *
 * A rule watches one kind on a set of CPUs. For each of those CPUs it keeps
 * one period's statistic (max, or a percentile from a histogram) and the
 * worst value's attribution; memory is per rule x CPU, bounded, reset every
 * period. Periods are back to back (tumbling) and closed on the daemon's
 * 1 s tick, so a value belongs to the period in which it was drained.
 *
 *   OK     --(stat >= threshold for `consecutive` periods)-->  FIRING (fire)
 *   FIRING --(stat <  clear     for `consecutive` periods)-->  OK     (clear)
 *
 * A fire within `cooldown` of the rule's previous fire on that CPU is not
 * notified: it is counted in `suppressed`, reported with the next fire.
 */
#ifndef LATSCOPE_ALERT_RULES_H
#define LATSCOPE_ALERT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "latscope/record.h"
#include "cpulist.h"

enum ls_alert_kind {
	LS_AK_IRQOFF,
	LS_AK_PREEMPTOFF,
	LS_AK_TIMER,      /* hrtimer expiry lateness */
	LS_AK_IPI,        /* IPI delivery latency */
	LS_AK_WAKEUP,     /* wakeup -> switch-in latency */
	LS_AK_KVM_EXIT,   /* KVM exit cost */
	LS_AK_HARDIRQ,    /* hardirq handler duration */
	LS_AK_SOFTIRQ,    /* softirq run duration */
	LS_AK_VECTOR,     /* x86 system vector handler duration */
	LS_AK_DROPS,      /* ring records lost per period (a count) */
	LS_AK_MAX,
};

struct ls_alert_kind_info {
	const char *name;       /* as written in the config: "irqoff" */
	const char *what;       /* human: "irq-off window" */
	uint32_t classes[3];    /* aggregator classes feeding it; 0 ends */
	const char *message_id; /* journal MESSAGE_ID (128 bits, hex) */
	bool is_count;          /* threshold is a count, not a duration */
};

const struct ls_alert_kind_info *ls_alert_kind_info(unsigned kind);
/* Kind by name; -1 if unknown. */
int ls_alert_kind_parse(const char *name);
/* MESSAGE_ID of the "suppressed N" rate-limit summary. */
#define LS_ALERT_SUPPRESSED_MESSAGE_ID "9f737d3ed98548b184d13e830bb5d600"

#define LS_ALERT_NAME_MAX 64
#define LS_ALERT_CAUSE_MAX 160

struct ls_alert_rule {
	char name[LS_ALERT_NAME_MAX];
	unsigned kind;          /* enum ls_alert_kind */
	struct ls_cpulist cpus;
	uint64_t threshold;     /* ns (count for drops); fires at >= */
	uint64_t clear;         /* ns (count); clears below; <= threshold */
	double pct;             /* statistic: 0 = max, else percentile 0<p<100 */
	uint64_t period_ns;     /* multiple of 1 s */
	unsigned consecutive;   /* periods in a row to fire, and to clear */
	uint64_t cooldown_ns;
	char hook[256];         /* "": the [alerts] hook (which may be none) */
};

/* "max", "p99", "p99.9" for a rule's statistic into buf. */
const char *ls_alert_stat_name(double pct, char *buf, size_t len);
/* Inverse: 0 for "max", else the percentile; -1 if not valid. */
double ls_alert_stat_parse(const char *s);
/* Do two rules mean the same thing (name aside)? */
bool ls_alert_rule_equal(const struct ls_alert_rule *a, const struct ls_alert_rule *b);

/* One value for the rules. cause may be NULL: it is then built from
 * (cls, key, pid), only when the value becomes a period's worst. */
struct ls_alert_sample {
	uint32_t cls, cpu, key;
	uint32_t pid;           /* task running when it happened (0 = idle) */
	uint64_t value;         /* ns */
	uint64_t ts_ns;         /* CLOCK_MONOTONIC */
	const char *cause;
};

enum ls_alert_event_type { LS_AE_FIRE, LS_AE_CLEAR };

struct ls_alert_event {
	enum ls_alert_event_type type;
	const struct ls_alert_rule *rule;
	unsigned cpu;
	uint64_t value;         /* the period's statistic that decided */
	uint64_t count;         /* values in that period */
	uint64_t worst;         /* largest value of the period, and its context */
	uint64_t worst_ts_ns;
	char cause[LS_ALERT_CAUSE_MAX];
	uint64_t suppressed;    /* fires held back by the cooldown since the
				 * last notified fire */
	uint64_t mono_ns;       /* when decided */
};

typedef void (*ls_alert_emit_fn)(void *ctx, const struct ls_alert_event *ev);

struct ls_alert_engine;

/* The rules are copied. ncpus: possible CPUs. */
struct ls_alert_engine *ls_alert_engine_new(const struct ls_alert_rule *rules, unsigned nrules,
					    unsigned ncpus, uint64_t now_ns);
void ls_alert_engine_free(struct ls_alert_engine *e);
/* Take over the state (periods, streaks, firing, cooldowns) of old rules
 * that have the same name and definition in e; the rest start fresh. */
void ls_alert_engine_adopt(struct ls_alert_engine *e, struct ls_alert_engine *old);

void ls_alert_feed(struct ls_alert_engine *e, const struct ls_alert_sample *s);
/* Counted kinds (drops): add n for cpu in the current period. */
void ls_alert_feed_count(struct ls_alert_engine *e, unsigned kind, unsigned cpu, uint64_t n);
/* Close every period that ended by now, emitting fires and clears. */
void ls_alert_tick(struct ls_alert_engine *e, uint64_t now_ns, ls_alert_emit_fn fn, void *ctx);
/* (rule, cpu) pairs currently firing. */
unsigned ls_alert_firing(const struct ls_alert_engine *e);

/* The engine starts with this, so the hot path can test it inline. */
struct ls_alert_engine_head {
	uint64_t cls_mask; /* bit per class some rule watches */
};
/* Cheap test for the hot path: does any rule watch class cls? */
static inline bool ls_alert_wants(const struct ls_alert_engine *e, uint32_t cls)
{
	return e && cls < 64 && (((const struct ls_alert_engine_head *)e)->cls_mask >> cls & 1);
}

#endif
