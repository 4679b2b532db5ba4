/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * hrtimer cancels: bpf/timers.bpf.c counts them per CPU and timer function
 * (ls_hrtimer_cancels). Each read turns what a count gained since the
 * previous read into one LS_K_HRTIMER_CANCEL record per (CPU, function),
 * aggregated (and captured) like the records from the rings, so live and
 * offline analysis (lib/offline_hrtimer.c, a record per cancel) go through
 * the same aggregator code.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "latscope.skel.h"
#include "daemon.h"
#include "tracer_timers.h"

struct ls_cancel_counts {
	unsigned ncpus, n, cap;
	uint32_t *keys;   /* functions seen so far */
	uint64_t *last;   /* [n][ncpus]: their counts at the previous read */
	uint64_t *vals;   /* one lookup's per-CPU values */
	uint64_t read_from_ns, read_to_ns; /* the last read, CLOCK_MONOTONIC */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct ls_cancel_counts *counts_new(const struct ls_daemon *d)
{
	struct ls_cancel_counts *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->ncpus = (unsigned)d->tracer.ncpus;
	c->cap = bpf_map__max_entries(d->tracer.skel->maps.ls_hrtimer_cancels);
	c->keys = calloc(c->cap, sizeof(*c->keys));
	c->last = calloc((size_t)c->cap * c->ncpus, sizeof(*c->last));
	c->vals = calloc(c->ncpus, sizeof(*c->vals));
	if (!c->keys || !c->last || !c->vals) {
		ls_daemon_cancels_free(c);
		return NULL;
	}
	return c;
}

void ls_daemon_cancels_free(struct ls_cancel_counts *c)
{
	if (!c)
		return;
	free(c->keys);
	free(c->last);
	free(c->vals);
	free(c);
}

/* Previous counts of function key (a few dozen functions: a scan will do);
 * NULL when the table is full, which the map's own size prevents. */
static uint64_t *last_of(struct ls_cancel_counts *c, uint32_t key)
{
	unsigned i;

	for (i = 0; i < c->n; i++)
		if (c->keys[i] == key)
			return &c->last[(size_t)i * c->ncpus];
	if (c->n == c->cap)
		return NULL;
	c->keys[c->n] = key;
	return &c->last[(size_t)c->n++ * c->ncpus];
}

/* What CPU cpu's count of key gained, as records of at most 2^32-1 each. */
static void emit(struct ls_daemon *d, uint32_t cpu, uint32_t key, uint64_t n, uint64_t ts)
{
	while (n) {
		uint32_t part = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
		struct ls_rec r = {
			.ts = ts, .key = key, .arg = part, .cpu = (__u16)cpu,
			.kind = LS_K_HRTIMER_CANCEL,
		};

		ls_daemon_on_record(d, &r, sizeof(r));
		n -= part;
	}
}

int ls_daemon_cancels_sync(struct ls_daemon *d)
{
	struct bpf_map *m;
	struct ls_cancel_counts *c;
	uint32_t key, prev;
	bool first = true;
	int err = 0;

	if (!d->tracer.skel || !ls_timers_cancels_counted(&d->tracer))
		return 0;
	c = d->cancels ? d->cancels : (d->cancels = counts_new(d));
	if (!c)
		return -ENOMEM;
	m = d->tracer.skel->maps.ls_hrtimer_cancels;
	c->read_from_ns = mono_ns();
	/* keys are never deleted: a walk from the start sees every function
	 * inserted before it began */
	while (!bpf_map__get_next_key(m, first ? NULL : &prev, &key, sizeof(key))) {
		uint64_t *last, now;

		first = false;
		prev = key;
		if (bpf_map__lookup_elem(m, &key, sizeof(key), c->vals,
					 c->ncpus * sizeof(*c->vals), 0)) {
			err = -errno;
			continue;
		}
		now = mono_ns();
		last = last_of(c, key);
		if (!last) {
			err = -ENOSPC;
			continue;
		}
		for (unsigned cpu = 0; cpu < c->ncpus; cpu++) {
			if (c->vals[cpu] > last[cpu])
				emit(d, cpu, key, c->vals[cpu] - last[cpu], now);
			last[cpu] = c->vals[cpu];
		}
	}
	c->read_to_ns = mono_ns();
	return err;
}

json_object *ls_daemon_cancels_json(const struct ls_daemon *d)
{
	json_object *o = json_object_new_object();
	bool counted = d->tracer.skel && ls_timers_cancels_counted(&d->tracer);

	json_object_object_add(o, "counted", json_object_new_boolean(counted));
	if (counted && d->cancels) {
		json_object_object_add(o, "read_from_mono_ns",
				       json_object_new_uint64(d->cancels->read_from_ns));
		json_object_object_add(o, "read_to_mono_ns",
				       json_object_new_uint64(d->cancels->read_to_ns));
	}
	return o;
}
