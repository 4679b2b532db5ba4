/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Alert delivery: the rules engine (lib/alert_rules.c) decides, this file
 * tells. Each fire/clear becomes, within the rate limit:
 *   - a structured journal entry (sd_journal_send; MESSAGE_ID per kind), or,
 *     without a journal, one line on stderr (format in latscope.conf(5));
 *   - an NDJSON event to every `watch` subscriber of the socket;
 *   - optionally an exec hook with the facts in LATSCOPE_* environment
 *     variables, spawned without blocking the loop, at most hook_max at once,
 *     killed after hook_timeout, reaped through a pidfd in the epoll set.
 * Notifications over rate_limit per rate_window are suppressed and summed
 * up in one "suppressed N" notification when the window ends.
 */
#ifndef LATSCOPED_ALERTS_H
#define LATSCOPED_ALERTS_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include "alert_rules.h"
#include "config.h"
#include "epoll_tag.h"

struct ls_server;

#define LS_HOOKS_MAX 64

struct ls_hook_proc {
	struct ls_ep ep;      /* first: LS_EP_HOOK, fd = pidfd (-1 = none) */
	int pid;              /* 0 = free slot */
	uint64_t deadline_ns;
	bool killed;
	char rule[LS_ALERT_NAME_MAX];
};

struct ls_alerts {
	struct ls_alert_engine *engine;
	const struct ls_config *cfg;  /* the running configuration */
	struct ls_server *srv;
	int epfd;
	bool journal;                 /* deliver to the journal, else stderr */
	uint64_t window_start_ns;     /* rate limit: current window */
	uint64_t window_sent, window_suppressed;
	struct ls_hook_proc hooks[LS_HOOKS_MAX];
	uint64_t *drops_seen;         /* per CPU, kernel drop counter last tick */
	unsigned ncpus;
	/* counters for `status` */
	uint64_t fired, cleared, rate_suppressed, journal_errors;
	uint64_t hooks_run, hooks_failed, hooks_killed, hooks_skipped;
};

/* foreground: -f was given (then auto output means stderr unless systemd
 * started us). Returns 0 or -1 (logged). */
int ls_alerts_init(struct ls_alerts *a, const struct ls_config *cfg, unsigned ncpus, int epfd,
		   bool foreground, uint64_t now_ns);
/* A new configuration was accepted (cfg points to the running one again):
 * rebuild the rules, keeping the state of unchanged rules. */
int ls_alerts_reconfigure(struct ls_alerts *a, const struct ls_config *cfg, bool foreground,
			  uint64_t now_ns);
/* The aggregator observer (ls_agg_observer_fn). */
void ls_alerts_observe(void *ctx, uint32_t cls, uint32_t cpu, uint32_t key, uint64_t v,
		       const struct ls_rec *r);
/* 1 s tick: drop counters per CPU (array of ncpus totals), close periods,
 * notify, police hook timeouts, roll the rate-limit window. */
void ls_alerts_tick(struct ls_alerts *a, const uint64_t *drops_per_cpu, uint64_t now_ns);
/* A hook's pidfd became readable. */
void ls_alerts_hook_event(struct ls_alerts *a, struct ls_ep *tag);
json_object *ls_alerts_status(const struct ls_alerts *a);
void ls_alerts_free(struct ls_alerts *a);

#endif
