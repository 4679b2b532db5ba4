// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-CPU worst wakeups. A CPU's slot is created
 * the first time one of its wakeups is seen; the worst list is a small
 * array kept sorted longest first, so a record that does not beat the
 * shortest of a full list costs one comparison.
 */
#include <stdlib.h>
#include <string.h>

#include "wakeups.h"

#define WK_MAX_CPUS 65536 /* ls_rec.cpu is 16 bits */

struct wk_cpu {
	struct ls_rec_wakeup worst[LS_WAKEUP_WORST];
	size_t nworst;
};

struct ls_wakeups {
	struct wk_cpu **cpus;
	size_t ncpus;
	uint64_t floor_ns;
};

struct ls_wakeups *ls_wakeups_new(void)
{
	return calloc(1, sizeof(struct ls_wakeups));
}

void ls_wakeups_free(struct ls_wakeups *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->ncpus; i++)
		free(w->cpus[i]);
	free(w->cpus);
	free(w);
}

static struct wk_cpu *wk_cpu_slot(struct ls_wakeups *w, uint32_t cpu)
{
	if (cpu >= WK_MAX_CPUS)
		return NULL;
	if (cpu >= w->ncpus) {
		size_t n = (size_t)cpu + 1;
		struct wk_cpu **c = realloc(w->cpus, n * sizeof(*c));

		if (!c)
			return NULL;
		memset(c + w->ncpus, 0, (n - w->ncpus) * sizeof(*c));
		w->cpus = c;
		w->ncpus = n;
	}
	if (!w->cpus[cpu])
		w->cpus[cpu] = calloc(1, sizeof(struct wk_cpu));
	return w->cpus[cpu];
}

static const struct wk_cpu *wk_cpu_get(const struct ls_wakeups *w, uint32_t cpu)
{
	return cpu < w->ncpus ? w->cpus[cpu] : NULL;
}

bool ls_wakeups_note(struct ls_wakeups *w, const struct ls_rec_wakeup *r)
{
	struct wk_cpu *c;
	size_t i;

	if (r->h.cpu < w->ncpus && (c = w->cpus[r->h.cpu]) && c->nworst == LS_WAKEUP_WORST &&
	    r->h.dur <= c->worst[LS_WAKEUP_WORST - 1].h.dur)
		return true;
	c = wk_cpu_slot(w, r->h.cpu);
	if (!c)
		return false;
	i = c->nworst < LS_WAKEUP_WORST ? c->nworst++ : LS_WAKEUP_WORST - 1;
	for (; i > 0 && c->worst[i - 1].h.dur < r->h.dur; i--)
		c->worst[i] = c->worst[i - 1];
	c->worst[i] = *r;
	return true;
}

size_t ls_wakeups_worst(const struct ls_wakeups *w, uint32_t cpu,
			const struct ls_rec_wakeup **out)
{
	const struct wk_cpu *c = wk_cpu_get(w, cpu);

	*out = c ? c->worst : NULL;
	return c ? c->nworst : 0;
}

void ls_wakeups_set_floor(struct ls_wakeups *w, uint64_t floor_ns)
{
	w->floor_ns = floor_ns;
}

uint64_t ls_wakeups_floor(const struct ls_wakeups *w)
{
	return w->floor_ns;
}

size_t ls_wakeups_ncpus(const struct ls_wakeups *w)
{
	return w->ncpus;
}
