/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The wakeup family's per-CPU kernel state (struct ls_wakeup_pcpu): the
 * counters, summed into `status` ("wakeup_tracking"); the below-floor log2
 * counts, handed to the aggregator before the wakeups view is built; and
 * the records still staged for a batch when the programs are detached.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "latscope.skel.h"
#include "latscope/wakeup_stats.h"
#include "daemon.h"
#include "wakeups.h"

/* Every CPU's state, or NULL (errno set). Free the result. */
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

int ls_daemon_wakeup_sync(struct ls_daemon *d)
{
	struct ls_wakeups *w = ls_agg_wakeups(d->agg);
	struct ls_wakeup_pcpu *v;
	int cpu, cls, err = 0;

	if (!d->tracer.wakeup_floor_ns)
		return 0; /* nothing is ever counted below a zero floor */
	v = read_pcpu(d);
	if (!v)
		return -errno;
	for (cpu = 0; cpu < d->tracer.ncpus; cpu++)
		for (cls = 0; cls < LS_SCHED_MAX; cls++)
			if (!ls_wakeups_set_below_floor(w, cpu, cls,
							(const uint64_t *)v[cpu].st.below_floor[cls]))
				err = -ENOMEM;
	free(v);
	return err;
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
	uint64_t below = 0, staged = 0;
	int cpu, cls, b;

	add_u64(o, "floor_ns", d->tracer.wakeup_floor_ns);
	if (!v) {
		json_object_object_add(o, "error", json_object_new_string(strerror(errno)));
		return o;
	}
	for (cpu = 0; cpu < d->tracer.ncpus; cpu++) {
		const struct ls_wakeup_stats *s = &v[cpu].st;

		for (cls = 0; cls < LS_SCHED_MAX; cls++)
			for (b = 0; b < LS_WAKEUP_LOG2_BUCKETS; b++)
				below += s->below_floor[cls][b];
		t.ran += s->ran;
		t.superseded += s->superseded;
		t.untracked += s->untracked + s->untracked_new;
		t.raced += s->raced;
		staged += v[cpu].nstaged;
	}
	free(v);
	add_u64(o, "staged", staged);
	add_u64(o, "below_floor", below);
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
