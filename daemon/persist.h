/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The daemon's side of persistence (--state-dir): restore at start, save
 * every --state-interval and at shutdown, move unusable files aside, and
 * say all of it in `status`. The file format is lib/state.h.
 */
#ifndef LATSCOPED_PERSIST_H
#define LATSCOPED_PERSIST_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include "latscope/record.h"
#include "state.h"

#define LS_STATE_FILE "latscope.state"
#define LS_STATE_INTERVAL_DEFAULT 60

struct ls_persist {
	const char *dir;            /* NULL: persistence off */
	unsigned interval_s;
	char *path;                 /* dir/latscope.state */
	int dir_fd;                 /* open and flock'ed: one daemon per dir;
				     * -1 (set it before ls_persist_start) = none */
	bool disabled;              /* an existing file could be neither read
				     * nor moved aside: never overwrite it */
	char disabled_why[320];
	uint64_t next_save_mono_ns;
	/* what the restore did */
	bool restored;
	uint64_t restored_saved_unix_ns, restored_started_unix_ns;
	char restored_version[32];
	bool restored_same_boot;
	struct ls_counters restored_counters; /* the base added to the kernel's */
	uint64_t restored_agg_records, restored_series;
	struct ls_state_restored restored_more; /* windows, wakeups, logs */
	char moved_aside[4096 + 64];  /* where an unusable file went */
	char moved_aside_why[256];
	char notes[512];              /* sections skipped, values dropped */
	/* saves */
	uint64_t saves, save_errors, last_save_unix_ns, last_save_bytes;
	char last_error[256];
};

struct ls_daemon;

/* --state-dir when not given: systemd's $STATE_DIRECTORY (first of its
 * colon-separated list, set by StateDirectory=), else NULL (no persistence). */
const char *ls_persist_default_dir(void);

/* Open (create) the state dir, lock it and restore the state file into
 * d->agg, d->counters_base and d->stats_since_unix_ns. Call it after the
 * windows options and isolated CPUs are set on d->agg and d->ksyms is
 * loaded: the restored aggregator takes them over. Returns 0, or -1
 * after logging why the daemon cannot start (dir unusable or in use). */
int ls_persist_start(struct ls_daemon *d, size_t max_series);
/* Save when the interval has passed. */
void ls_persist_tick(struct ls_daemon *d, uint64_t now_mono_ns);
/* Save now (reads the kernel counters and drains the rings first). */
void ls_persist_save(struct ls_daemon *d);
void ls_persist_stop(struct ls_daemon *d);
/* The "state" member of the status result. */
json_object *ls_persist_status(const struct ls_daemon *d);

#endif
