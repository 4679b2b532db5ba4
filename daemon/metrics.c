/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The daemon's Prometheus exposition: data from lib/prom.c plus self
 * metrics; names in docs/metrics.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include "atomic_file.h"
#include "daemon.h"
#include "log.h"
#include "prom.h"

static uint64_t rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "re");
	unsigned long long size, resident = 0;

	if (f) {
		if (fscanf(f, "%llu %llu", &size, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void gauge(struct ls_prom *p, const char *name, const char *help, double v)
{
	ls_prom_family(p, name, "gauge", help);
	ls_prom_double(p, name, NULL, v);
}

static void counter(struct ls_prom *p, const char *name, const char *help, uint64_t v)
{
	ls_prom_family(p, name, "counter", help);
	ls_prom_u64(p, name, NULL, v);
}

static void self_metrics(struct ls_prom *p, struct ls_daemon *d)
{
	struct ls_agg_stats st;
	struct utsname u;
	const char *info[] = { "version", LS_VERSION, "kernel", u.release, NULL };

	uname(&u);
	ls_agg_get_stats(d->agg, &st);
	ls_prom_family(p, "latscope_build_info", "gauge",
		       "Always 1; labels: latscoped version and running kernel");
	ls_prom_u64(p, "latscope_build_info", info, 1);
	gauge(p, "latscope_programs_attached", "BPF programs attached",
	      d->tracer.nattached);
	gauge(p, "latscope_programs_missing",
	      "BPF programs not attached (tracepoint missing or attach failed; see latscope status)",
	      d->tracer.nprogs - d->tracer.nattached);
	gauge(p, "latscope_events_per_second", "Tracepoint hits per second over the last second",
	      d->rates.events_per_sec);
	gauge(p, "latscope_records_per_second", "Records per second over the last second",
	      d->rates.records_per_sec);
	counter(p, "latscope_aggregated_records_total", "Records the daemon aggregated",
		st.records);
	gauge(p, "latscope_series", "Histogram series (class, cpu, key) in the aggregator",
	      st.series);
	counter(p, "latscope_series_overflow_total",
		"Values folded into a key=\"other\" series because of --max-series",
		st.series_overflow);
	counter(p, "latscope_alloc_failures_total", "Values lost to out-of-memory",
		st.alloc_failures);
	counter(p, "latscope_malformed_samples_total", "Ring samples of a wrong size",
		d->malformed);
	gauge(p, "latscope_daemon_resident_memory_bytes", "Resident memory of latscoped",
	      rss_bytes());
	gauge(p, "latscope_daemon_start_time_seconds", "Start of this latscoped process, unix time",
	      d->started_unix_ns / 1e9);
	gauge(p, "latscope_stats_start_time_seconds",
	      "Start of the statistics, unix time (earlier than the process when restored from state)",
	      d->stats_since_unix_ns / 1e9);
	if (d->persist.path) {
		counter(p, "latscope_state_saves_total", "State file saves", d->persist.saves);
		counter(p, "latscope_state_save_errors_total", "State file saves that failed",
			d->persist.save_errors);
		gauge(p, "latscope_state_last_save_time_seconds",
		      "Last successful state save, unix time (0: none yet)",
		      d->persist.last_save_unix_ns / 1e9);
	}
	if (d->metrics.textfile)
		counter(p, "latscope_textfile_write_errors_total",
			"Failed writes of the metrics textfile", d->metrics.write_errors);
}

char *ls_metrics_render(struct ls_daemon *d, size_t *len)
{
	struct ls_prom p;

	if (ls_prom_open(&p))
		return NULL;
	ls_prom_histograms(&p, d->agg);
	ls_prom_counters(&p, &d->total);
	self_metrics(&p, d);
	return ls_prom_close(&p, len);
}

int ls_metrics_export(struct ls_daemon *d)
{
	struct ls_metrics_export *m = &d->metrics;
	char err[512];
	size_t len;
	char *text;
	int rc;

	ls_tracer_drain(&d->tracer);
	if (ls_daemon_wakeup_sync(d))
		d->wakeup_sync_errors++;
	text = ls_metrics_render(d, &len);
	if (!text) {
		m->write_errors++;
		log_warn("--metrics-textfile: out of memory rendering the metrics");
		return -1;
	}
	rc = ls_write_atomic(m->textfile, text, len, 0644, false, err, sizeof(err));
	free(text);
	if (rc) {
		m->write_errors++;
		log_warn("--metrics-textfile: %s", err);
		return -1;
	}
	m->writes++;
	return 0;
}

void ls_metrics_tick(struct ls_daemon *d, uint64_t now_mono_ns)
{
	struct ls_metrics_export *m = &d->metrics;

	if (!m->textfile || now_mono_ns < m->next_mono_ns)
		return;
	m->next_mono_ns = now_mono_ns + m->interval_s * 1000000000ull;
	ls_metrics_export(d);
}

json_object *ls_metrics_status(const struct ls_daemon *d)
{
	const struct ls_metrics_export *m = &d->metrics;
	json_object *o;

	if (!m->textfile)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "textfile", json_object_new_string(m->textfile));
	json_object_object_add(o, "interval_s", json_object_new_uint64(m->interval_s));
	json_object_object_add(o, "writes", json_object_new_uint64(m->writes));
	json_object_object_add(o, "write_errors", json_object_new_uint64(m->write_errors));
	return o;
}

void ls_metrics_stop(struct ls_daemon *d)
{
	if (d->metrics.textfile && unlink(d->metrics.textfile) && errno != ENOENT)
		log_warn("--metrics-textfile %s: %s", d->metrics.textfile, strerror(errno));
}
