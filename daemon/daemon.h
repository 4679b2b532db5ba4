/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The daemon's state, shared by the loop (main.c), the drain, the socket
 * methods and the live view. */
#ifndef LATSCOPED_DAEMON_H
#define LATSCOPED_DAEMON_H

#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>
#include "latscope/record.h"
#include "agg.h"
#include "alerts.h"
#include "config.h"
#include "isolation.h"
#include "ksyms.h"
#include "options.h"
#include "tracer.h"
#include "persist.h"
#include "metrics.h"
#include "stacks.h"

struct ls_rates {
	uint64_t ts_ns;
	uint64_t events, records;
	double events_per_sec, records_per_sec;
};

struct ls_daemon {
	struct ls_tracer tracer;
	struct ls_agg *agg;
	struct ls_ksyms *ksyms;     /* NULL when kallsyms was unreadable */
	uint64_t modules_hash;      /* of /proc/modules, to reload ksyms */
	FILE *capture;              /* --record FILE, or NULL */
	uint64_t capture_errors;    /* records that could not be written */
	uint64_t malformed;         /* ring samples of the wrong size */
	uint64_t started_mono_ns;
	struct ls_counters *per_cpu; /* last read of the kernel counters */
	struct ls_counters total;    /* their sum */
	struct ls_rates rates;
	unsigned drain_ms;
	/* service (config.c of daemon/, alerts.c, notify.c) */
	const struct ls_cmdline *cl;  /* command line: config path, overrides */
	struct ls_config cfg;        /* the running configuration */
	int drain_fd;                /* drain timerfd, re-armed on reload */
	uint64_t filtered;           /* records of CPUs outside [tracing] cpus */
	uint64_t reloads, reload_errors;
	char last_reload_error[LS_CONFIG_ERR_MAX];
	struct ls_alerts alerts;
	struct ls_server *srv;
	uint64_t *drops_cpu;         /* scratch: drops per CPU, all kinds */
	uint64_t notify_status_ns;   /* last STATUS= sent */
	struct ls_isolation iso;     /* isolated CPUs (windows.md) */
	uint64_t started_unix_ns;        /* this process's start */
	uint64_t stats_since_unix_ns;    /* start of the statistics (restored) */
	struct ls_counters counters_base; /* restored totals, added to total */
	struct ls_persist persist;
	struct ls_metrics_export metrics;
	struct ls_stacks stacks;     /* kernel stacks of worst windows */
	struct ls_cancel_counts *cancels; /* hrtimer_cancels.c; NULL until read */
	struct ls_wakeup_sync *wsync; /* wakeups.c; NULL until used */
	uint64_t wakeup_sync_errors;  /* reads of the kernel's wakeup counts that failed */
};

/* Ring sample callback: aggregate (and capture) one record. */
int ls_daemon_on_record(void *ctx, void *data, size_t size);
/* Re-read the kernel counters and update totals and rates. */
void ls_daemon_refresh(struct ls_daemon *d, uint64_t now_ns);
/* From the 1 s tick, after a refresh: feed drops and close alert periods. */
void ls_daemon_alerts_tick(struct ls_daemon *d, uint64_t now_ns);

/* Load kallsyms at start; reload when /proc/modules changed (ksyms.c). */
void ls_daemon_ksyms_init(struct ls_daemon *d);
void ls_daemon_ksyms_refresh(struct ls_daemon *d);

/* Socket request handler (methods.c), an ls_handler_fn. */
char *ls_methods_handle(void *ctx, const char *line, size_t len, size_t *out_len);

/* Wakeup family state (wakeups.c): add what the kernel counted instead of
 * emitting since the last call to the aggregator (0 or -errno; a no-op
 * without the family); set each CPU's emit bar from the floor, the worst
 * lists and the alert rules (after every drain); status "wakeup_tracking";
 * after the programs are detached, aggregate (and capture) the records
 * still staged for a batch (0 or -errno); free the read state. */
int ls_daemon_wakeup_sync(struct ls_daemon *d);
void ls_daemon_wakeup_bars(struct ls_daemon *d);
struct json_object *ls_daemon_wakeup_status(struct ls_daemon *d);
int ls_daemon_wakeup_unstage(struct ls_daemon *d);
void ls_daemon_wakeup_free(struct ls_wakeup_sync *w);
/* hrtimer cancels (hrtimer_cancels.c): turn what the kernel's per-CPU
 * counts gained since the last read into LS_K_HRTIMER_CANCEL records (0 or
 * -errno; a no-op when hrtimer_cancel is not attached); the "cancels"
 * member of the timers result; free the read state. */
int ls_daemon_cancels_sync(struct ls_daemon *d);
struct json_object *ls_daemon_cancels_json(const struct ls_daemon *d);
void ls_daemon_cancels_free(struct ls_cancel_counts *c);
/* SIGHUP: load the configuration again and apply what can change live;
 * a bad file is rejected whole and the running configuration kept
 * (reload.c). */
void ls_daemon_reload(struct ls_daemon *d);
/* `status` member "config" (reload.c). */
json_object *ls_daemon_config_status(const struct ls_daemon *d);

/* systemd notifications (notify.c); no-ops without $NOTIFY_SOCKET. */
void ls_notify_state(const char *state);
/* From the 1 s tick: WATCHDOG=1 (when enabled), STATUS= every 5 s. */
void ls_notify_tick(struct ls_daemon *d, uint64_t now_ns);

/* Foreground live view (live.c): print one per-CPU frame to stdout. */
void ls_live_print(struct ls_daemon *d);

#endif
