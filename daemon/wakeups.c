/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The wakeup family's kernel state: the counters (struct ls_wakeup_pcpu),
 * summed into `status` ("wakeup_tracking"); the wakeups the kernel counted
 * instead of emitting (ls_wakeup_hist), whose gain since the last read is
 * added to the aggregator's wakeup histograms; each CPU's emit bar
 * (ls_wakeup_bar), kept at what the views need; and the records still
 * staged for a batch when the programs are detached.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "latscope.skel.h"
#include "latscope/wakeup_stats.h"
#include "daemon.h"
#include "hist.h"
#include "wakeups.h"

/* What was already taken from the kernel's histograms, per CPU and class,
 * and the bar last written per CPU. */
struct ls_wakeup_sync {
	unsigned ncpus;
	struct ls_hist *taken;   /* [cpu * LS_WAKEUP_HIST_KEYS + key], buckets */
	uint64_t *taken_sum;
	uint64_t *bar;           /* UINT64_MAX: not written yet */
	struct ls_wakeup_hist *buf; /* one class, every CPU */
	uint64_t *timer_early;   /* per CPU, taken */
	uint64_t counted;        /* wakeups counted in the kernel, all taken */
};

static bool wakeup_loaded(const struct ls_daemon *d)
{
	return d->tracer.skel && bpf_map__fd(d->tracer.skel->maps.ls_wakeup_hist) >= 0 &&
	       bpf_program__fd(d->tracer.skel->progs.sched_switch) >= 0;
}

static struct ls_wakeup_sync *sync_state(struct ls_daemon *d)
{
	struct ls_wakeup_sync *w = d->wsync;
	unsigned n = (unsigned)d->tracer.ncpus;

	if (w)
		return w;
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->ncpus = n;
	w->taken = calloc((size_t)n * LS_WAKEUP_HIST_KEYS, sizeof(*w->taken));
	w->taken_sum = calloc((size_t)n * LS_WAKEUP_HIST_KEYS, sizeof(*w->taken_sum));
	w->timer_early = calloc(n, sizeof(*w->timer_early));
	w->bar = malloc(n * sizeof(*w->bar));
	w->buf = malloc(n * sizeof(*w->buf));
	if (!w->taken || !w->taken_sum || !w->timer_early || !w->bar || !w->buf) {
		ls_daemon_wakeup_free(w);
		return NULL;
	}
	for (unsigned i = 0; i < n * LS_WAKEUP_HIST_KEYS; i++)
		ls_hist_init(&w->taken[i]);
	for (unsigned i = 0; i < n; i++)
		w->bar[i] = UINT64_MAX;
	d->wsync = w;
	return w;
}

void ls_daemon_wakeup_free(struct ls_wakeup_sync *w)
{
	if (!w)
		return;
	for (unsigned i = 0; w->taken && i < w->ncpus * LS_WAKEUP_HIST_KEYS; i++)
		ls_hist_free(&w->taken[i]);
	free(w->taken);
	free(w->taken_sum);
	free(w->timer_early);
	free(w->bar);
	free(w->buf);
	free(w);
}

/*
 * What kernel histogram k gained over taken (the part already in the
 * aggregator), as a histogram; taken then equals k. The kernel's counts
 * only grow while its programs stay loaded: a bucket that went down means
 * a new tracer, whose counts are all new.
 */
static bool take_gain(const struct ls_wakeup_hist *k, struct ls_hist *taken, uint64_t *taken_sum,
		      struct ls_hist *gain)
{
	for (unsigned b = 0; b < LS_WAKEUP_HIST_BUCKETS; b++)
		if (k->b[b] < ls_hist_bucket_count(taken, b)) {
			ls_hist_free(taken);
			ls_hist_init(taken);
			*taken_sum = 0;
			break;
		}
	for (unsigned b = 0; b < LS_WAKEUP_HIST_BUCKETS; b++) {
		uint64_t had = ls_hist_bucket_count(taken, b);

		if (k->b[b] > had && (!ls_hist_add_n(gain, ls_hist_bucket_lo(b), k->b[b] - had) ||
				      !ls_hist_add_n(taken, ls_hist_bucket_lo(b), k->b[b] - had)))
			return false;
	}
	if (!gain->count)
		return true;
	/* the exact sum and largest value instead of the buckets' bounds */
	gain->sum = k->sum >= *taken_sum ? k->sum - *taken_sum : gain->sum;
	*taken_sum = k->sum;
	if (k->max > gain->max)
		gain->max = k->max;
	return true;
}

static struct ls_wakeup_pcpu *read_pcpu(struct ls_daemon *d);

/* Timer wakeups the kernel counted as switched in before their expiry,
 * since the last read, into the aggregator's count of them. */
static int take_timer_early(struct ls_daemon *d, struct ls_wakeup_sync *w)
{
	struct ls_wakeup_pcpu *v = read_pcpu(d);
	struct ls_agg_stats gain = { 0 };

	if (!v)
		return -errno;
	for (unsigned cpu = 0; cpu < w->ncpus; cpu++) {
		uint64_t now = v[cpu].st.timer_early;

		if (now < w->timer_early[cpu]) /* a new tracer */
			w->timer_early[cpu] = 0;
		if (ls_cpulist_has(&d->cfg.cpus, cpu))
			gain.wakeup_timer_early += now - w->timer_early[cpu];
		w->timer_early[cpu] = now;
	}
	free(v);
	ls_agg_add_stats(d->agg, &gain);
	return 0;
}

int ls_daemon_wakeup_sync(struct ls_daemon *d)
{
	struct ls_wakeup_sync *w;
	int err;

	if (!wakeup_loaded(d))
		return 0;
	w = sync_state(d);
	if (!w)
		return -ENOMEM;
	err = take_timer_early(d, w);
	for (__u32 key = 0; key < LS_WAKEUP_HIST_KEYS; key++) {
		uint32_t kind = key < LS_SCHED_MAX ? LS_K_WAKEUP : LS_K_WAKEUP_TIMER;
		uint32_t cls = key % LS_SCHED_MAX;

		if (bpf_map__lookup_elem(d->tracer.skel->maps.ls_wakeup_hist, &key, sizeof(key),
					 w->buf, w->ncpus * sizeof(*w->buf), 0)) {
			err = -errno;
			continue;
		}
		for (unsigned cpu = 0; cpu < w->ncpus; cpu++) {
			unsigned i = cpu * LS_WAKEUP_HIST_KEYS + key;
			struct ls_hist gain;
			bool ok;

			if (w->buf[cpu].count == w->taken[i].count)
				continue;
			ls_hist_init(&gain);
			ok = take_gain(&w->buf[cpu], &w->taken[i], &w->taken_sum[i], &gain);
			if (kind == LS_K_WAKEUP)
				w->counted += gain.count;
			/* [tracing] cpus filters these like records */
			if (ok && gain.count && ls_cpulist_has(&d->cfg.cpus, cpu))
				ok = ls_agg_add_hist(d->agg, kind, cpu, cls, &gain);
			if (!ok)
				err = -ENOMEM;
			ls_hist_free(&gain);
		}
	}
	return err;
}

/* Does an alert rule watch wakeups on cpu? It needs every value. */
static bool alert_watches(const struct ls_daemon *d, unsigned cpu)
{
	for (unsigned i = 0; i < d->cfg.nrules; i++)
		if (d->cfg.rules[i].kind == LS_AK_WAKEUP && ls_cpulist_has(&d->cfg.rules[i].cpus, cpu))
			return true;
	return false;
}

/*
 * Each CPU's bar: the floor; with --wakeup-emit worst (the default) and no
 * alert rule on wakeups there, raised to the shortest of the CPU's worst
 * wakeups once that list is full (a shorter one could not enter it). A
 * wakeup emitted because the bar was not raised yet is harmless: the
 * aggregator counts records and kernel counts alike.
 */
void ls_daemon_wakeup_bars(struct ls_daemon *d)
{
	const struct ls_wakeups *wk = ls_agg_wakeups(d->agg);
	struct ls_wakeup_sync *w;

	if (!wakeup_loaded(d) || !(w = sync_state(d)))
		return;
	for (unsigned cpu = 0; cpu < w->ncpus; cpu++) {
		uint64_t bar = d->tracer.wakeup_floor_ns;
		const struct ls_rec_wakeup *worst;
		__u32 key = cpu;

		if (!d->tracer.wakeup_emit_all && !alert_watches(d, cpu) &&
		    ls_wakeups_worst(wk, cpu, &worst) == LS_WAKEUP_WORST &&
		    worst[LS_WAKEUP_WORST - 1].h.dur > bar)
			bar = worst[LS_WAKEUP_WORST - 1].h.dur;
		if (bar == w->bar[cpu])
			continue;
		if (!bpf_map__update_elem(d->tracer.skel->maps.ls_wakeup_bar, &key, sizeof(key),
					  &bar, sizeof(bar), BPF_ANY))
			w->bar[cpu] = bar;
	}
}

/* Every CPU's counters and staged records, or NULL (errno set). Free the
 * result. */
static struct ls_wakeup_pcpu *read_pcpu(struct ls_daemon *d)
{
	struct bpf_map *m = d->tracer.skel->maps.ls_wakeup_pcpu;
	size_t n = d->tracer.ncpus;
	struct ls_wakeup_pcpu *v = calloc(n, sizeof(*v));
	__u32 zero = 0;

	if (v && bpf_map__lookup_elem(m, &zero, sizeof(zero), v, n * sizeof(*v), 0)) {
		free(v);
		return NULL;
	}
	return v;
}

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

json_object *ls_daemon_wakeup_status(struct ls_daemon *d)
{
	struct ls_wakeup_pcpu *v = read_pcpu(d);
	struct ls_wakeup_stats t = { 0 };
	json_object *o = json_object_new_object();
	uint64_t staged = 0;
	int cpu;

	add_u64(o, "floor_ns", d->tracer.wakeup_floor_ns);
	json_object_object_add(o, "emit", json_object_new_string(d->tracer.wakeup_emit_all ?
								  "all" : "worst"));
	if (d->wsync) {
		json_object *bars = json_object_new_array();

		for (unsigned cpu = 0; cpu < d->wsync->ncpus; cpu++)
			json_object_array_add(bars, json_object_new_uint64(
				d->wsync->bar[cpu] == UINT64_MAX ? 0 : d->wsync->bar[cpu]));
		json_object_object_add(o, "bar_ns", bars);
		add_u64(o, "counted_in_kernel", d->wsync->counted);
	}
	add_u64(o, "sync_errors", d->wakeup_sync_errors);
	if (!v) {
		json_object_object_add(o, "error", json_object_new_string(strerror(errno)));
		return o;
	}
	for (cpu = 0; cpu < d->tracer.ncpus; cpu++) {
		const struct ls_wakeup_stats *s = &v[cpu].st;

		t.ran += s->ran;
		t.superseded += s->superseded;
		t.untracked += s->untracked + s->untracked_new;
		t.raced += s->raced;
		staged += v[cpu].nstaged;
	}
	free(v);
	add_u64(o, "staged", staged);
	add_u64(o, "ran", t.ran);
	add_u64(o, "superseded", t.superseded);
	add_u64(o, "untracked", t.untracked);
	add_u64(o, "raced", t.raced);
	return o;
}

int ls_daemon_wakeup_unstage(struct ls_daemon *d)
{
	struct ls_wakeup_pcpu *v = read_pcpu(d);
	int cpu;

	if (!v)
		return -errno;
	for (cpu = 0; cpu < d->tracer.ncpus; cpu++) {
		__u32 n = v[cpu].nstaged < LS_WAKEUP_BATCH ? v[cpu].nstaged : LS_WAKEUP_BATCH;

		if (n)
			ls_daemon_on_record(d, v[cpu].staged, n * sizeof(v[cpu].staged[0]));
	}
	free(v);
	return 0;
}
