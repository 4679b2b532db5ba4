// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Prometheus text exposition (format 0.0.4); see lib/prom.h, docs/metrics.md. */
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "prom.h"

const uint64_t ls_prom_bounds_ns[LS_PROM_NBOUNDS] = {
	100, 200, 500,
	1000, 2000, 5000,
	10000, 20000, 50000,
	100000, 200000, 500000,
	1000000, 2000000, 5000000,
	10000000, 20000000, 50000000,
	100000000, 200000000, 500000000,
	1000000000, 2000000000, 5000000000,
	10000000000,
};

int ls_prom_open(struct ls_prom *p)
{
	p->buf = NULL;
	p->len = 0;
	p->failed = 0;
	p->f = open_memstream(&p->buf, &p->len);
	return p->f ? 0 : -1;
}

char *ls_prom_close(struct ls_prom *p, size_t *len)
{
	/* a failed write sets the stream's error flag; after fclose, buf is
	 * ours to free either way */
	int bad = ferror(p->f) || p->failed;

	if (fclose(p->f) || bad) {
		free(p->buf);
		return NULL;
	}
	*len = p->len;
	return p->buf;
}

/* HELP text escapes backslash and newline; label values also the quote. */
static void escaped(FILE *f, const char *s, int quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' && quote)
			fputs("\\\"", f);
		else
			putc(*s, f);
	}
}

void ls_prom_family(struct ls_prom *p, const char *name, const char *type,
		    const char *help)
{
	fprintf(p->f, "# HELP %s ", name);
	escaped(p->f, help, 0);
	fprintf(p->f, "\n# TYPE %s %s\n", name, type);
}

static void sample_start(struct ls_prom *p, const char *name, const char *const *labels)
{
	fputs(name, p->f);
	if (!labels || !labels[0])
		return;
	putc('{', p->f);
	for (const char *const *l = labels; l[0]; l += 2) {
		fprintf(p->f, "%s%s=\"", l == labels ? "" : ",", l[0]);
		escaped(p->f, l[1], 1);
		putc('"', p->f);
	}
	putc('}', p->f);
}

void ls_prom_u64(struct ls_prom *p, const char *name, const char *const *labels,
		 uint64_t v)
{
	sample_start(p, name, labels);
	fprintf(p->f, " %llu\n", (unsigned long long)v);
}

void ls_prom_double(struct ls_prom *p, const char *name, const char *const *labels,
		    double v)
{
	sample_start(p, name, labels);
	fprintf(p->f, " %.17g\n", v);
}

void ls_prom_cumulative(const struct ls_hist *h, uint64_t cum[LS_PROM_NBOUNDS])
{
	uint64_t n, acc = 0;
	int j = 0, i = ls_hist_next_bucket(h, 0, &n);

	for (; j < LS_PROM_NBOUNDS; j++) {
		uint64_t b = ls_prom_bounds_ns[j];

		/* buckets whose every value (lo .. hi-1) is <= b */
		while (i >= 0 && ls_hist_bucket_hi((unsigned)i) - 1 <= b) {
			acc += n;
			i = ls_hist_next_bucket(h, (unsigned)i + 1, &n);
		}
		/* min and max are exact: use them where they decide */
		cum[j] = !h->count || h->min > b ? 0 : h->max <= b ? h->count : acc;
	}
}

/* name_bucket{labels..., le}, name_sum, name_count for one histogram. */
static void histogram(struct ls_prom *p, const char *name, const char **labels,
		      int nlabels, const struct ls_hist *h)
{
	char metric[128], le[32];
	uint64_t cum[LS_PROM_NBOUNDS];

	ls_prom_cumulative(h, cum);
	snprintf(metric, sizeof(metric), "%s_bucket", name);
	labels[2 * nlabels] = "le";
	labels[2 * nlabels + 1] = le;
	labels[2 * nlabels + 2] = NULL;
	for (int j = 0; j < LS_PROM_NBOUNDS; j++) {
		snprintf(le, sizeof(le), "%g", ls_prom_bounds_ns[j] / 1e9);
		ls_prom_u64(p, metric, labels, cum[j]);
	}
	strcpy(le, "+Inf");
	ls_prom_u64(p, metric, labels, h->count);
	labels[2 * nlabels] = NULL;
	/* the sum in seconds, printed exactly from integer nanoseconds */
	snprintf(metric, sizeof(metric), "%s_sum", name);
	sample_start(p, metric, labels);
	fprintf(p->f, " %llu.%09llu\n", (unsigned long long)(h->sum / 1000000000u),
		(unsigned long long)(h->sum % 1000000000u));
	snprintf(metric, sizeof(metric), "%s_count", name);
	ls_prom_u64(p, metric, labels, h->count);
}

/* Classes whose key is a pid: one series per thread ever seen is too many
 * for a time-series database; `latscope hist` has them. */
static int key_unbounded(uint32_t cls)
{
	return cls == LS_K_HRTIMER_WAKEUP || cls == LS_K_HRTIMER_TIMERFD;
}

struct entry {
	const struct ls_series *s;
	char name[128];   /* key name (by-key view) */
};

struct collect {
	struct entry *e;
	size_t n, cap;
	int by_key;
	int oom;
};

static int collect(const struct ls_series *s, void *p)
{
	struct collect *c = p;

	if (!s->h.count || !ls_class_name(s->cls) || ls_class_is_count(s->cls) ||
	    (c->by_key && key_unbounded(s->cls)))
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct entry *e = realloc(c->e, cap * sizeof(*e));

		if (!e) {
			c->oom = 1;
			return 1;
		}
		c->e = e;
		c->cap = cap;
	}
	c->e[c->n].s = s;
	c->e[c->n].name[0] = 0;
	if (c->by_key)
		ls_key_name(s->cls, s->key, c->e[c->n].name, sizeof(c->e[c->n].name));
	c->n++;
	return 0;
}

static int by_cls_cpu(const void *x, const void *y)
{
	const struct ls_series *a = ((const struct entry *)x)->s, *b = ((const struct entry *)y)->s;

	if (a->cls != b->cls)
		return a->cls < b->cls ? -1 : 1;
	if (a->cpu != b->cpu)
		return a->cpu < b->cpu ? -1 : 1;
	return a->key < b->key ? -1 : a->key > b->key;
}

/* By name, not key number: two keys with one name (say, static functions
 * of two modules) must become one series, not two with equal labels. */
static int by_cls_name(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;
	int c;

	if (a->s->cls != b->s->cls)
		return a->s->cls < b->s->cls ? -1 : 1;
	c = strcmp(a->name, b->name);
	return c ? c : by_cls_cpu(x, y);
}

static int same_group(const struct entry *a, const struct entry *b, int by_key)
{
	if (a->s->cls != b->s->cls)
		return 0;
	return by_key ? !strcmp(a->name, b->name) : a->s->cpu == b->s->cpu;
}

static void family(struct ls_prom *p, const struct ls_agg *a, int by_key)
{
	const char *name = by_key ? "latscope_latency_by_key_seconds" : "latscope_latency_seconds";
	struct collect c = { .by_key = by_key };

	ls_agg_foreach(a, collect, &c);
	/* a partial family would make series vanish and reappear: fail whole */
	p->failed |= c.oom;
	if (!c.n || c.oom) {
		free(c.e);
		return;
	}
	qsort(c.e, c.n, sizeof(*c.e), by_key ? by_cls_name : by_cls_cpu);
	ls_prom_family(p, name, "histogram", by_key ?
		       "Latency per class and key, all CPUs merged (classes keyed by pid left out)" :
		       "Latency per class and CPU, all keys merged");
	for (size_t i = 0, j; i < c.n; i = j) {
		const char *labels[8];
		char cpu[16];
		struct ls_hist h;

		ls_hist_init(&h);
		for (j = i; j < c.n && same_group(&c.e[i], &c.e[j], by_key); j++)
			p->failed |= !ls_hist_merge(&h, &c.e[j].s->h);
		labels[0] = "class";
		labels[1] = ls_class_name(c.e[i].s->cls);
		labels[2] = by_key ? "key" : "cpu";
		snprintf(cpu, sizeof(cpu), "%u", c.e[i].s->cpu);
		labels[3] = by_key ? c.e[i].name : cpu;
		histogram(p, name, labels, 2, &h);
		ls_hist_free(&h);
	}
	free(c.e);
}

void ls_prom_histograms(struct ls_prom *p, const struct ls_agg *a)
{
	family(p, a, 0);
	family(p, a, 1);
}

void ls_prom_counters(struct ls_prom *p, const struct ls_counters *c)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fams[] = {
		{ "latscope_events_total", "Tracepoint hits counted in the kernel",
		  offsetof(struct ls_counters, events) },
		{ "latscope_records_total", "Records submitted to the ring buffers",
		  offsetof(struct ls_counters, records) },
		{ "latscope_dropped_records_total",
		  "Records lost because a ring buffer was full",
		  offsetof(struct ls_counters, drops) },
		{ "latscope_unpaired_events_total",
		  "Exits without a matching entry, and entries overwritten before their exit",
		  offsetof(struct ls_counters, unpaired) },
	};
	int active[LS_K_MAX], any = 0;

	for (int k = 0; k < LS_K_MAX; k++)
		any |= active[k] = ls_class_name(k) && (c->events[k] || c->records[k] ||
							c->drops[k] || c->unpaired[k]);
	for (size_t f = 0; any && f < sizeof(fams) / sizeof(fams[0]); f++) {
		const __u64 *v = (const __u64 *)((const char *)c + fams[f].off);

		ls_prom_family(p, fams[f].name, "counter", fams[f].help);
		for (int k = 0; k < LS_K_MAX; k++) {
			const char *labels[] = { "class", ls_class_name(k), NULL };

			if (active[k])
				ls_prom_u64(p, fams[f].name, labels, v[k]);
		}
	}
}
