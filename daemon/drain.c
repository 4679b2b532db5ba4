/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* From the rings into the aggregator (and the capture file), and the
 * kernel-side counters into totals and rates. */
#include "daemon.h"

/* A ring sample holds one record, or several back to back (wakeups are
 * written in batches); each record's kind gives its size. */
int ls_daemon_on_record(void *ctx, void *data, size_t size)
{
	struct ls_daemon *d = ctx;
	const char *p = data;

	while (size) {
		const struct ls_rec *r = (const void *)p;
		__u32 need = size >= sizeof(*r) ? ls_rec_size(r->kind) : 0;

		if (!need || size < need) {
			d->malformed++;
			return 0;
		}
		ls_stacks_note(&d->stacks, r); /* filtered or not: its id is done */
		if (!ls_cpulist_has(&d->cfg.cpus, r->cpu)) {
			d->filtered++; /* [tracing] cpus: a filter on records, in the daemon */
		} else {
			ls_agg_add(d->agg, r);
			if (d->capture && fwrite(r, need, 1, d->capture) != 1)
				d->capture_errors++;
		}
		p += need;
		size -= need;
	}
	return 0;
}

void ls_daemon_refresh(struct ls_daemon *d, uint64_t now_ns)
{
	struct ls_rates *r = &d->rates;
	uint64_t ev = 0, rec = 0;
	int cpu, k;

	if (ls_tracer_counters(&d->tracer, d->per_cpu))
		return;
	/* a restored state's totals are the base: counters never go back */
	d->total = d->counters_base;
	for (cpu = 0; cpu < d->tracer.ncpus; cpu++)
		for (k = 0; k < LS_K_MAX; k++) {
			d->total.events[k] += d->per_cpu[cpu].events[k];
			d->total.records[k] += d->per_cpu[cpu].records[k];
			d->total.drops[k] += d->per_cpu[cpu].drops[k];
			d->total.unpaired[k] += d->per_cpu[cpu].unpaired[k];
		}
	for (k = 0; k < LS_K_MAX; k++) {
		ev += d->total.events[k];
		rec += d->total.records[k];
	}
	if (r->ts_ns && now_ns > r->ts_ns) {
		double dt = (now_ns - r->ts_ns) / 1e9;

		r->events_per_sec = (ev - r->events) / dt;
		r->records_per_sec = (rec - r->records) / dt;
	}
	r->ts_ns = now_ns;
	r->events = ev;
	r->records = rec;
	ls_daemon_cancels_sync(d);
	if (ls_daemon_wakeup_sync(d))
		d->wakeup_sync_errors++;
}

void ls_daemon_alerts_tick(struct ls_daemon *d, uint64_t now_ns)
{
	int cpu, k;

	for (cpu = 0; cpu < d->tracer.ncpus; cpu++) {
		d->drops_cpu[cpu] = 0;
		for (k = 0; k < LS_K_MAX; k++)
			d->drops_cpu[cpu] += d->per_cpu[cpu].drops[k];
	}
	ls_alerts_tick(&d->alerts, d->drops_cpu, now_ns);
}
