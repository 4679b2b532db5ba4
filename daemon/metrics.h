/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Prometheus metrics of the daemon: the whole exposition (histograms and
 * counters from lib/prom.c plus self metrics) for the `metrics` method, and
 * the optional periodic node_exporter textfile (--metrics-textfile).
 */
#ifndef LATSCOPED_METRICS_H
#define LATSCOPED_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#define LS_METRICS_INTERVAL_DEFAULT 15

struct ls_metrics_export {
	const char *textfile;     /* NULL: no export */
	unsigned interval_s;
	uint64_t next_mono_ns;
	uint64_t writes, write_errors;
};

struct ls_daemon;

/* The exposition text (malloc'ed) and its length; NULL when out of memory. */
char *ls_metrics_render(struct ls_daemon *d, size_t *len);
/* Write the textfile now; 0, or -1 after logging why. */
int ls_metrics_export(struct ls_daemon *d);
/* Export when the interval has passed. */
void ls_metrics_tick(struct ls_daemon *d, uint64_t now_mono_ns);
/* Clean exit: remove the textfile, so node_exporter does not keep serving
 * frozen values (after a crash, node_textfile_mtime_seconds shows it). */
void ls_metrics_stop(struct ls_daemon *d);
/* The "metrics_export" member of the status result; NULL without a textfile. */
json_object *ls_metrics_status(const struct ls_daemon *d);

#endif
