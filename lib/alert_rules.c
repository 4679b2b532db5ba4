/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "alert_rules.h"
#include "comms.h"
#include "hist.h"
#include "names.h"

/* MESSAGE_IDs were generated once (random 128-bit) and never change: they
 * are what journalctl MESSAGE_ID=... filters and catalogs key on. */
static const struct ls_alert_kind_info kinds[LS_AK_MAX] = {
	[LS_AK_IRQOFF] = { "irqoff", "irq-off window",
			   { LS_K_IRQOFF, LS_K_IRQOFF_EXACT }, "5e59ca589ad042fd989d95490608bc3a" },
	[LS_AK_PREEMPTOFF] = { "preemptoff", "preempt-off window",
			       { LS_K_PREEMPTOFF, LS_K_PREEMPTOFF_EXACT },
			       "1a0facfc22e54733a92300a350c31e29" },
	[LS_AK_TIMER] = { "timer", "hrtimer expiry lateness", { LS_K_HRTIMER_LATE },
			  "25bce8538e7d4290962c67eed5fdf1b8" },
	[LS_AK_IPI] = { "ipi", "IPI delivery latency", { LS_K_IPI },
			"b96aad935687459c8902b2290355e25b" },
	[LS_AK_WAKEUP] = { "wakeup", "wakeup latency", { LS_K_WAKEUP },
			   "f114868ddc19492faef3f09a46ed5030" },
	[LS_AK_KVM_EXIT] = { "kvm_exit", "KVM exit cost", { LS_K_KVM_EXIT },
			     "6a62c80ca25a439bb77db38a8409f8a3" },
	[LS_AK_HARDIRQ] = { "hardirq", "hardirq handler duration", { LS_K_HARDIRQ },
			    "854bc33277694f669c0396d2ac650f6e" },
	[LS_AK_SOFTIRQ] = { "softirq", "softirq duration", { LS_K_SOFTIRQ },
			    "e8ee7e5dc5624517b3da3bef9a11dde6" },
	[LS_AK_VECTOR] = { "vector", "x86 vector handler duration", { LS_K_VECTOR },
			   "6d5a18dedd23461f93ea61b1e484831c" },
	[LS_AK_DROPS] = { "drops", "ring records lost", { 0 },
			  "dc722ef8ee714a288f5c0c6c34cbf821", true },
};

const struct ls_alert_kind_info *ls_alert_kind_info(unsigned kind)
{
	return kind < LS_AK_MAX ? &kinds[kind] : NULL;
}

int ls_alert_kind_parse(const char *name)
{
	for (unsigned k = 0; k < LS_AK_MAX; k++)
		if (!strcmp(kinds[k].name, name))
			return (int)k;
	return -1;
}

const char *ls_alert_stat_name(double pct, char *buf, size_t len)
{
	if (pct == 0)
		snprintf(buf, len, "max");
	else
		snprintf(buf, len, "p%g", pct);
	return buf;
}

double ls_alert_stat_parse(const char *s)
{
	char *end;
	double p;

	if (!strcmp(s, "max"))
		return 0;
	if (s[0] != 'p' || !(s[1] >= '0' && s[1] <= '9'))
		return -1;
	p = strtod(s + 1, &end);
	if (*end || !(p > 0 && p < 100))
		return -1;
	return p;
}

bool ls_alert_rule_equal(const struct ls_alert_rule *a, const struct ls_alert_rule *b)
{
	return a->kind == b->kind && ls_cpulist_equal(&a->cpus, &b->cpus) &&
	       a->threshold == b->threshold && a->clear == b->clear && a->pct == b->pct &&
	       a->period_ns == b->period_ns && a->consecutive == b->consecutive &&
	       a->cooldown_ns == b->cooldown_ns && !strcmp(a->hook, b->hook);
}

struct cpu_state {
	struct ls_hist h;        /* percentile rules only */
	uint64_t max, count;
	uint64_t worst_ts;
	char cause[LS_ALERT_CAUSE_MAX];
	unsigned above, below;   /* consecutive periods over / under */
	bool firing;
	uint64_t last_fire_ns;   /* 0 = never notified */
	uint64_t suppressed;
};

struct rule_state {
	const struct ls_alert_rule *r;
	uint64_t period_start;
	struct cpu_state *cpu;   /* [ncpus] */
};

struct ls_alert_engine {
	struct ls_alert_engine_head head; /* first */
	unsigned ncpus, nrules;
	struct ls_alert_rule *rules; /* own copy */
	struct rule_state *rs;
	/* per class, the rules watching it (indices into rs) */
	unsigned *by_cls[LS_K_MAX];
	unsigned nby_cls[LS_K_MAX];
};

struct ls_alert_engine *ls_alert_engine_new(const struct ls_alert_rule *rules, unsigned nrules,
					    unsigned ncpus, uint64_t now_ns)
{
	struct ls_alert_engine *e = calloc(1, sizeof(*e));
	unsigned i, c, j;

	if (!e)
		return NULL;
	e->ncpus = ncpus;
	e->nrules = nrules;
	e->rs = calloc(nrules ? nrules : 1, sizeof(*e->rs));
	e->rules = calloc(nrules ? nrules : 1, sizeof(*e->rules));
	if (!e->rs || !e->rules)
		goto fail;
	if (nrules)
		memcpy(e->rules, rules, nrules * sizeof(*rules));
	for (i = 0; i < nrules; i++) {
		const struct ls_alert_kind_info *k = &kinds[rules[i].kind];

		e->rs[i].r = &e->rules[i];
		e->rs[i].period_start = now_ns;
		e->rs[i].cpu = calloc(ncpus, sizeof(struct cpu_state));
		if (!e->rs[i].cpu)
			goto fail;
		for (c = 0; c < ncpus; c++)
			ls_hist_init(&e->rs[i].cpu[c].h);
		for (j = 0; j < 3 && k->classes[j]; j++) {
			uint32_t cls = k->classes[j];
			unsigned *p = realloc(e->by_cls[cls], (e->nby_cls[cls] + 1) * sizeof(*p));

			if (!p)
				goto fail;
			p[e->nby_cls[cls]++] = i;
			e->by_cls[cls] = p;
			e->head.cls_mask |= 1ull << cls;
		}
	}
	return e;
fail:
	ls_alert_engine_free(e);
	return NULL;
}

void ls_alert_engine_free(struct ls_alert_engine *e)
{
	unsigned i, c;

	if (!e)
		return;
	for (i = 0; e->rs && i < e->nrules; i++) {
		for (c = 0; e->rs[i].cpu && c < e->ncpus; c++)
			ls_hist_free(&e->rs[i].cpu[c].h);
		free(e->rs[i].cpu);
	}
	for (i = 0; i < LS_K_MAX; i++)
		free(e->by_cls[i]);
	free(e->rs);
	free(e->rules);
	free(e);
}

void ls_alert_engine_adopt(struct ls_alert_engine *e, struct ls_alert_engine *old)
{
	unsigned i, j;

	if (!old || old->ncpus != e->ncpus)
		return;
	for (i = 0; i < e->nrules; i++)
		for (j = 0; j < old->nrules; j++) {
			struct rule_state *n = &e->rs[i], *o = &old->rs[j];
			struct cpu_state *tmp;

			if (!o->cpu || strcmp(n->r->name, o->r->name) ||
			    !ls_alert_rule_equal(n->r, o->r))
				continue;
			/* swap, so the old engine frees the fresh arrays */
			tmp = n->cpu;
			n->cpu = o->cpu;
			o->cpu = tmp;
			n->period_start = o->period_start;
			break;
		}
}

static void describe(const struct ls_alert_sample *s, char *buf, size_t len)
{
	const char *cls = ls_class_name(s->cls);
	char key[64], task[40], comm[20];

	ls_key_name(s->cls, s->key, key, sizeof(key));
	if (!s->pid)
		snprintf(task, sizeof(task), "idle");
	else if (ls_comm_get(s->pid, comm, sizeof(comm)))
		snprintf(task, sizeof(task), "%s-%u", comm, s->pid);
	else
		snprintf(task, sizeof(task), "pid %u", s->pid);
	if (cls)
		snprintf(buf, len, "%s %s, task %s", cls, key, task);
	else
		snprintf(buf, len, "class %u key %s, task %s", s->cls, key, task);
}

static void add_to(struct rule_state *rs, unsigned cpu, const struct ls_alert_sample *s)
{
	struct cpu_state *st = &rs->cpu[cpu];

	st->count++;
	if (rs->r->pct > 0)
		ls_hist_add(&st->h, s->value);
	if (s->value < st->max || (st->count > 1 && s->value == st->max))
		return;
	st->max = s->value;
	st->worst_ts = s->ts_ns;
	if (s->cause)
		snprintf(st->cause, sizeof(st->cause), "%s", s->cause);
	else
		describe(s, st->cause, sizeof(st->cause));
}

void ls_alert_feed(struct ls_alert_engine *e, const struct ls_alert_sample *s)
{
	unsigned i;

	if (!ls_alert_wants(e, s->cls) || s->cpu >= e->ncpus)
		return;
	for (i = 0; i < e->nby_cls[s->cls]; i++) {
		struct rule_state *rs = &e->rs[e->by_cls[s->cls][i]];

		if (ls_cpulist_has(&rs->r->cpus, s->cpu))
			add_to(rs, s->cpu, s);
	}
}

void ls_alert_feed_count(struct ls_alert_engine *e, unsigned kind, unsigned cpu, uint64_t n)
{
	unsigned i;

	if (!e || cpu >= e->ncpus || !n)
		return;
	for (i = 0; i < e->nrules; i++) {
		struct rule_state *rs = &e->rs[i];

		if (rs->r->kind == kind && ls_cpulist_has(&rs->r->cpus, cpu)) {
			rs->cpu[cpu].count += n;
			rs->cpu[cpu].max = rs->cpu[cpu].count;
			snprintf(rs->cpu[cpu].cause, sizeof(rs->cpu[cpu].cause),
				 "%llu records lost: ring full", (unsigned long long)rs->cpu[cpu].count);
		}
	}
}

static uint64_t statistic(const struct rule_state *rs, const struct cpu_state *st)
{
	if (kinds[rs->r->kind].is_count || rs->r->pct == 0)
		return st->max;
	return ls_hist_percentile(&st->h, rs->r->pct);
}

static void emit(struct rule_state *rs, unsigned cpu, enum ls_alert_event_type type,
		 uint64_t value, uint64_t now, ls_alert_emit_fn fn, void *ctx)
{
	struct cpu_state *st = &rs->cpu[cpu];
	struct ls_alert_event ev = {
		.type = type, .rule = rs->r, .cpu = cpu, .value = value, .count = st->count,
		.worst = st->max, .worst_ts_ns = st->worst_ts, .mono_ns = now,
	};

	snprintf(ev.cause, sizeof(ev.cause), "%s", st->count ? st->cause : "no values in the period");
	if (type == LS_AE_FIRE) {
		ev.suppressed = st->suppressed;
		st->suppressed = 0;
	}
	fn(ctx, &ev);
}

/* The end of one period on one CPU. */
static void close_cpu(struct rule_state *rs, unsigned cpu, uint64_t now,
		      ls_alert_emit_fn fn, void *ctx)
{
	const struct ls_alert_rule *r = rs->r;
	struct cpu_state *st = &rs->cpu[cpu];
	uint64_t v = statistic(rs, st);

	if (!st->firing) {
		st->above = v >= r->threshold ? st->above + 1 : 0;
		if (st->above >= r->consecutive) {
			st->above = 0;
			if (st->last_fire_ns && now - st->last_fire_ns < r->cooldown_ns) {
				st->suppressed++;
			} else {
				st->firing = true;
				st->below = 0;
				st->last_fire_ns = now;
				emit(rs, cpu, LS_AE_FIRE, v, now, fn, ctx);
			}
		}
	} else {
		st->below = v < r->clear ? st->below + 1 : 0;
		if (st->below >= r->consecutive) {
			st->firing = false;
			st->below = 0;
			emit(rs, cpu, LS_AE_CLEAR, v, now, fn, ctx);
		}
	}
	st->max = st->count = 0;
	st->cause[0] = '\0';
	if (st->h.count) {
		ls_hist_free(&st->h);
		ls_hist_init(&st->h);
	}
}

void ls_alert_tick(struct ls_alert_engine *e, uint64_t now_ns, ls_alert_emit_fn fn, void *ctx)
{
	unsigned i, c;

	if (!e)
		return;
	for (i = 0; i < e->nrules; i++) {
		struct rule_state *rs = &e->rs[i];
		uint64_t p = rs->r->period_ns;

		if (now_ns - rs->period_start + 50000000ull < p)
			continue; /* the 1 s tick may run a little early */
		for (c = 0; c < e->ncpus; c++)
			if (ls_cpulist_has(&rs->r->cpus, c))
				close_cpu(rs, c, now_ns, fn, ctx);
		/* stay on the period grid unless we fell behind (suspend) */
		rs->period_start = now_ns - rs->period_start < 2 * p ? rs->period_start + p : now_ns;
	}
}

unsigned ls_alert_firing(const struct ls_alert_engine *e)
{
	unsigned i, c, n = 0;

	for (i = 0; e && i < e->nrules; i++)
		for (c = 0; c < e->ncpus; c++)
			n += e->rs[i].cpu[c].firing;
	return n;
}
