/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * windows_check: latscope's irq-off/preempt-off windows against the kernel's
 * own ftrace stream of the same interval, and the live daemon's views
 * against the same records replayed offline.
 *
 *   windows_check [--exclude-tgid P] [--windows-json F] [--isolated-json F
 *                 --prefix N] CAPTURE FTRACE
 *
 * CAPTURE: a `latscoped --record` file. FTRACE: the trace of a tracefs
 * instance (trace_clock mono, options/record-tgid) with irq:irq_handler_*,
 * irq:softirq_*, irq_vectors:*_entry/_exit, timer:hrtimer_start,
 * timer:hrtimer_cancel, timer:tick_stop and timer:hrtimer_expire_entry
 * enabled before latscoped started.
 *
 * The capture goes through the library (ls_agg_add), which derives the
 * windows as the daemon does; a sink collects every one. The ftrace side
 * derives the same kinds of windows here, from its own events, with its
 * own code: outermost interrupt spans, softirq passes, and timer windows
 * (per delivering interrupt: from the earliest max(expiry, arming) among
 * the timers it ran, with expiry and arming taken from hrtimer_start, to
 * the interrupt's start; clipped after interrupts accepted inside, idle
 * excluded). The expiry is on the trace clock (mono) when now= is: then
 * it is hrtimer_start's expires itself; else it is taken as the
 * interrupt's start minus the lateness, as latscope does without the
 * base's now (LS_WIN_START_APPROX). Events of the excluded process (the
 * sandbox's PID 1, which BPF programs never see) are dropped from ftrace's
 * side before anything is derived, so both sides see the same CPU history.
 *
 * Checks, over the overlap of both coverages minus 200 ms at each end:
 *  exact:   per CPU, equal numbers of exact irq-off windows, pairing up
 *           span for span (see check_exact); the longest within 2 us;
 *  passes:  softirq spans pair up with ftrace's; the passes are the gap
 *           rule on them; the longest bracketed by ftrace's (check_passes);
 *  timers:  timer windows of 10 us or more on either side have a partner on
 *           the other (same CPU, ends within 20 us of where that side saw
 *           the delivering interrupt begin, lengths within 3 us once
 *           latscope's probe delays at the paired spans are taken out: see
 *           ftrace_measure), at most 2% (or 2) unmatched; each side's
 *           longest is the same delay on the other, within 3 us unless one
 *           side clipped it;
 *  live:    (--windows-json) every window in the daemon's worst lists is a
 *           window of the replay, and no longer replayed window that ended
 *           before the daemon's now - hold is missing from them;
 *  isolated:(--isolated-json, --prefix N: the records the daemon had
 *           aggregated) per cause counts equal the capture's first N
 *           records on that CPU.
 * Exit 0 all passed, 1 a check failed, 2 bad input.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "agg.h"
#include "ftrace_text.h"
#include "interruptions.h"
#include "isolation.h"
#include "windows.h"

#define US 1000ll
#define MARGIN_NS 200000000ll
#define MAX_CPUS 256
#define EXACT_TOL_NS (2 * US)
#define TIMER_TOL_NS (3 * US)
/* A window is identified by its CPU and an end within this of where the
 * other side saw its delivering interrupt begin (the paired span's start,
 * when check_exact paired the spans), then its length must agree within
 * 3 us. */
#define TIMER_END_TOL_NS (20 * US)
#define TIMER_MIN_NS (10 * US)

static int failures;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failures += !ok;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "windows_check: out of memory\n");
		exit(2);
	}
	return p;
}

/* A growable array of windows: start, len, source, key. */
struct win {
	int64_t start, len;
	uint32_t key;
	uint16_t cpu;
	uint8_t src, kind, flags;
};

struct wins {
	struct win *v;
	size_t n, cap;
};

static void push(struct wins *w, const struct win *x)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 1024;
		w->v = xrealloc(w->v, w->cap * sizeof(*w->v));
	}
	w->v[w->n++] = *x;
}

/* ---- latscope side: the capture replayed through the library ---------- */

struct replay {
	struct ls_agg *agg;
	struct wins w;
	struct wins sirq[MAX_CPUS]; /* the capture's softirq spans, per CPU */
	int64_t first, last;   /* record coverage */
	uint64_t nrec;
};

static void sink(const struct ls_window *lw, void *ctx)
{
	struct replay *r = ctx;
	struct win x = {
		.start = (int64_t)lw->start, .len = (int64_t)lw->len, .key = lw->key,
		.cpu = lw->cpu, .src = lw->src, .kind = lw->kind, .flags = (uint8_t)lw->flags,
	};

	push(&r->w, &x);
}

/* Per (cpu, kind, key[, sender]) counts of the first `prefix` records on
 * the isolated CPU, for the isolated check. */
struct icount {
	uint8_t kind;
	uint32_t key;
	int sender; /* IPI: sender CPU; else -1 */
	uint64_t n;
};

static struct icount icounts[4096];
static size_t nicounts;

static void icount_add(const struct ls_rec *r)
{
	int sender = r->kind == LS_K_IPI ? (int)r->arg : -1;

	for (size_t i = 0; i < nicounts; i++)
		if (icounts[i].kind == r->kind && icounts[i].key == r->key &&
		    icounts[i].sender == sender) {
			icounts[i].n++;
			return;
		}
	if (nicounts < sizeof(icounts) / sizeof(icounts[0]))
		icounts[nicounts++] = (struct icount){ r->kind, r->key, sender, 1 };
}

static int replay(const char *path, struct replay *rp, int iso_cpu, uint64_t prefix)
{
	struct ls_capture_hdr h;
	union ls_rec_any r;
	FILE *f = fopen(path, "rb");

	if (!f || fread(&h, sizeof(h), 1, f) != 1 || h.magic != LS_CAPTURE_MAGIC ||
	    h.version != LS_RECORD_VERSION) {
		fprintf(stderr, "windows_check: %s: not a version %d latscope capture\n", path,
			LS_RECORD_VERSION);
		return -1;
	}
	rp->agg = ls_agg_new(1u << 20);
	if (iso_cpu >= 0) {
		struct ls_cpuset s = { 0 };

		ls_cpuset_set(&s, (unsigned)iso_cpu);
		ls_windows_set_isolated(ls_agg_windows(rp->agg), &s);
	}
	ls_windows_set_sink(ls_agg_windows(rp->agg), sink, rp);
	rp->first = INT64_MAX;
	while (fread(&r.h, sizeof(r.h), 1, f) == 1) {
		size_t size = ls_rec_size(r.h.kind);

		if (!size || size > sizeof(r) ||
		    (size > sizeof(r.h) && fread((char *)&r + sizeof(r.h), size - sizeof(r.h), 1, f) != 1)) {
			fprintf(stderr, "windows_check: %s: bad record %llu\n", path,
				(unsigned long long)rp->nrec);
			fclose(f);
			return -1;
		}
		if (rp->nrec < prefix && (int)r.h.cpu == iso_cpu && ls_intr_counts(&r.h))
			icount_add(&r.h);
		rp->nrec++;
		if (r.h.kind == LS_K_SOFTIRQ && r.h.cpu < MAX_CPUS) {
			struct win x = {
				.start = (int64_t)r.h.ts, .len = (int64_t)r.h.dur, .key = r.h.key,
				.cpu = r.h.cpu, .src = LS_WS_SOFTIRQ, .kind = LS_K_PREEMPTOFF,
			};

			push(&rp->sirq[r.h.cpu], &x);
		}
		ls_agg_add(rp->agg, &r.h);
		if ((int64_t)r.h.ts < rp->first)
			rp->first = (int64_t)r.h.ts;
		if ((int64_t)(r.h.ts + r.h.dur) > rp->last)
			rp->last = (int64_t)(r.h.ts + r.h.dur);
	}
	fclose(f);
	ls_agg_flush(rp->agg, UINT64_MAX);
	return 0;
}

/* ---- ftrace side ------------------------------------------------------- */

struct hstart { /* last hrtimer_start of a timer */
	uint64_t timer;
	int64_t ts, expires;
	int soft;
	int stale;  /* cancelled since: a later arming went unseen */
};

#define HSLOTS (1u << 16)
static struct hstart hstarts[HSLOTS];

static struct hstart *hslot(uint64_t timer)
{
	uint32_t i = (uint32_t)((timer * 0x9e3779b97f4a7c15ull) >> 48);

	while (hstarts[i].timer && hstarts[i].timer != timer)
		i = (i + 1) & (HSLOTS - 1);
	return &hstarts[i];
}

#define VEC_BIT (1u << 31) /* open-span keys: vectors apart from irq numbers */

struct open_span {
	int64_t ts;
	uint32_t key;
	int pid;
	int outer;        /* no other irq span was open at its entry */
	int64_t due;      /* earliest start of a timer delay it delivered;
			   * INT64_MAX none */
	int due_idle;
};

struct fcpu {
	struct open_span irq[8];  /* hardirq/vector spans open, innermost last */
	int nirq;
	int64_t sirq_ts;          /* open softirq start, 0 none */
	uint32_t sirq_key;
	struct wins spans;        /* outermost irq spans (kind irqoff, src hardirq/vector) */
	struct wins sirqs;        /* softirq spans */
	struct wins timers;       /* derived timer windows */
	uint64_t tick_timer;      /* the CPU's tick hrtimer, once seen armed */
	struct wins unknown;      /* expiries whose arming ftrace did not see
				   * (start = expiry time): no opinion there */
};

static struct fcpu fc[MAX_CPUS];

/* check_exact's pairing of the outermost interrupt spans, per CPU, sorted
 * by start (outermost spans do not overlap, so also by end): the i-th of
 * each is the same interrupt. Empty when the counts differ. */
static struct wins paired_ls[MAX_CPUS], paired_ft[MAX_CPUS];

struct fstate {
	int64_t first, last;
	uint64_t events, hidden, unmatched;
	int exclude_tgid;
};

static int name_is(const struct ls_ft_event *ev, const char *s)
{
	return ev->name_len == strlen(s) && !memcmp(ev->name, s, ev->name_len);
}

static int ends_with(const struct ls_ft_event *ev, const char *suffix)
{
	size_t n = strlen(suffix);

	return ev->name_len > n && !memcmp(ev->name + ev->name_len - n, suffix, n);
}

static uint32_t vector_key(const char *name, size_t len)
{
	static const char *const v[] = {
		"local_timer", "call_function", "call_function_single", "reschedule",
		"irq_work", "x86_platform_ipi", "spurious_apic", "error_apic",
		"thermal_apic", "threshold_apic", "deferred_error_apic", "reboot",
	};

	for (uint32_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (strlen(v[i]) == len && !memcmp(v[i], name, len))
			return i;
	return 99;
}

static void irq_enter(struct fcpu *c, const struct ls_ft_event *ev, uint32_t key)
{
	/* a handler does not nest in itself: an open one of the same key
	 * lost its exit (e.g. the exit event was not enabled yet) */
	for (int i = 0; i < c->nirq; i++)
		if (c->irq[i].key == key) {
			c->nirq = i;
			break;
		}
	if (c->nirq == 8)
		return;
	c->irq[c->nirq] = (struct open_span){
		.ts = (int64_t)ev->ts, .key = key, .pid = ev->pid, .outer = c->nirq == 0,
		.due = INT64_MAX,
	};
	c->nirq++;
}

/* Clip and store the timer window a finished delivering span carried. */
static void timer_window(struct fcpu *c, int cpu, const struct open_span *s)
{
	struct win w = { .cpu = (uint16_t)cpu, .src = LS_WS_TIMER, .kind = LS_K_IRQOFF };
	int64_t end = s->ts, start = s->due;

	if (s->due >= end || s->due_idle)
		return;
	for (size_t i = 0; i < c->spans.n; i++) {
		const struct win *p = &c->spans.v[i];

		if (p->start > start && p->start < end && p->start + p->len > start)
			start = p->start + p->len;
	}
	if (start >= end)
		return;
	if (start != s->due)
		w.flags = LS_WIN_CLIPPED;
	w.start = start;
	w.len = end - start;
	push(&c->timers, &w);
}

static int irq_exit(struct fcpu *c, int cpu, const struct ls_ft_event *ev, uint32_t key,
		    uint8_t src)
{
	struct open_span s;

	if (!c->nirq || c->irq[c->nirq - 1].key != key)
		return -1;
	s = c->irq[--c->nirq];
	if (s.outer) {
		struct win w = {
			.start = s.ts, .len = (int64_t)ev->ts - s.ts, .key = key & ~VEC_BIT,
			.cpu = (uint16_t)cpu, .src = src, .kind = LS_K_IRQOFF,
		};

		timer_window(c, cpu, &s); /* before pushing s: it is not inside */
		push(&c->spans, &w);
	}
	return 0;
}

static void hrtimer_expire(struct fcpu *c, const struct ls_ft_event *ev, struct fstate *st)
{
	uint64_t timer, now;
	struct hstart *h;
	int64_t late, armed, lag, due;

	if (ls_ft_field_hex(ev, "hrtimer", &timer) || ls_ft_field_u64(ev, "now", &now) ||
	    !c->nirq)
		return;
	h = hslot(timer);
	if (!h->timer || h->stale) {
		struct win u = { .start = (int64_t)ev->ts, .cpu = (uint16_t)ev->cpu };

		push(&c->unknown, &u);
		st->unmatched++;
		return;
	}
	if (h->soft)
		return;
	late = (int64_t)now - h->expires;
	/* armed relative to expiry, in the timer's clock: as in BPF */
	armed = late - ((int64_t)ev->ts - h->ts);
	if (armed > 0)
		late -= armed;
	if (late <= 0)
		return;
	/* now= on the trace's clock (within 10 ms, 1 us of printing): the
	 * delay began at now - late, on it */
	lag = (int64_t)ev->ts - (int64_t)now;
	due = lag >= -1000 && lag <= 10000000 ? (int64_t)now - late : c->irq[0].ts - late;
	if (due < c->irq[0].due) {
		c->irq[0].due = due;
		c->irq[0].due_idle = ev->pid == 0;
	}
}

static int ftrace_event(struct fstate *st, const struct ls_ft_event *ev)
{
	struct fcpu *c;
	uint64_t v;
	int cpu = ev->cpu;

	if (cpu < 0 || cpu >= MAX_CPUS || ev->ts_kind != LS_FT_TS_NS)
		return 0;
	st->events++;
	/* An arming under the hidden process still sets the expiry that later
	 * expiries are measured against (latscope reads it from the timer
	 * itself), so hrtimer_start is kept; everything else it runs is left
	 * out, as BPF never sees it. */
	if (ev->tgid == st->exclude_tgid && !name_is(ev, "hrtimer_start")) {
		st->hidden++;
		return 0;
	}
	if (!st->first)
		st->first = (int64_t)ev->ts;
	st->last = (int64_t)ev->ts;
	c = &fc[cpu];
	/* Idle stops or defers the tick by reprogramming it without any
	 * hrtimer event (tick_stop is not always traced): after idle, the
	 * tick's expiry is unknown to ftrace until it is armed again. */
	if (ev->pid == 0 && c->tick_timer && !name_is(ev, "hrtimer_start"))
		hslot(c->tick_timer)->stale = 1;
	if (name_is(ev, "irq_handler_entry")) {
		if (!ls_ft_field_u64(ev, "irq", &v))
			irq_enter(c, ev, (uint32_t)v);
	} else if (name_is(ev, "irq_handler_exit")) {
		if (!ls_ft_field_u64(ev, "irq", &v))
			irq_exit(c, cpu, ev, (uint32_t)v, LS_WS_HARDIRQ);
	} else if (name_is(ev, "softirq_entry")) {
		if (!ls_ft_field_u64(ev, "vec", &v)) {
			c->sirq_ts = (int64_t)ev->ts;
			c->sirq_key = (uint32_t)v;
		}
	} else if (name_is(ev, "softirq_exit")) {
		if (!ls_ft_field_u64(ev, "vec", &v) && c->sirq_ts && v == c->sirq_key) {
			struct win w = {
				.start = c->sirq_ts, .len = (int64_t)ev->ts - c->sirq_ts,
				.key = (uint32_t)v, .cpu = (uint16_t)cpu, .src = LS_WS_SOFTIRQ,
				.kind = LS_K_PREEMPTOFF,
			};

			push(&c->sirqs, &w);
		}
		c->sirq_ts = 0;
	} else if (name_is(ev, "hrtimer_start")) {
		uint64_t timer, exp;
		const char *mode;
		size_t mlen;

		if (ls_ft_field_hex(ev, "hrtimer", &timer) || ls_ft_field_u64(ev, "expires", &exp))
			return 0;
		struct hstart *h = hslot(timer);

		h->timer = timer;
		h->ts = (int64_t)ev->ts;
		h->expires = (int64_t)exp;
		h->stale = 0;
		h->soft = !ls_ft_field_str(ev, "mode", &mode, &mlen) &&
			  memmem(mode, mlen, "SOFT", 4) != NULL;
		if (!ls_ft_field_str(ev, "function", &mode, &mlen) && mlen > 5 &&
		    !memcmp(mode, "tick_", 5))
			c->tick_timer = timer;
	} else if (name_is(ev, "hrtimer_cancel")) {
		/* the tick stopped in idle is cancelled, then re-armed on a path
		 * ftrace may not show: its next expiry is not measured here */
		uint64_t timer;

		if (!ls_ft_field_hex(ev, "hrtimer", &timer) && hslot(timer)->timer)
			hslot(timer)->stale = 1;
	} else if (name_is(ev, "tick_stop")) {
		/* a stopped tick gets a new expiry without hrtimer_start (only
		 * its clock event is reprogrammed): stale until re-armed */
		if (!ls_ft_field_u64(ev, "success", &v) && v == 1 && c->tick_timer)
			hslot(c->tick_timer)->stale = 1;
	} else if (name_is(ev, "hrtimer_expire_entry")) {
		hrtimer_expire(c, ev, st);
	} else if (ends_with(ev, "_entry") && !name_is(ev, "hrtimer_expire_entry")) {
		irq_enter(c, ev, VEC_BIT | vector_key(ev->name, ev->name_len - 6));
	} else if (ends_with(ev, "_exit")) {
		irq_exit(c, cpu, ev, VEC_BIT | vector_key(ev->name, ev->name_len - 5), LS_WS_VECTOR);
	}
	return 0;
}

static int read_ftrace(const char *path, struct fstate *st)
{
	static char buf[LS_FT_LINE_MAX];
	struct ls_ft_reader rd;
	struct ls_ft_event ev;
	int fd = open(path, O_RDONLY | O_CLOEXEC), k;

	if (fd < 0) {
		fprintf(stderr, "windows_check: %s: %s\n", path, strerror(errno));
		return -1;
	}
	ls_ft_reader_init_fd(&rd, fd, buf, sizeof(buf));
	while ((k = ls_ft_reader_next(&rd, &ev)) > 0)
		if (k == LS_FT_EVENT)
			ftrace_event(st, &ev);
	close(fd);
	if (k < 0 || rd.counts.lost_events) {
		fprintf(stderr, "windows_check: %s: %s\n", path,
			k < 0 ? "read error" : "ftrace lost events");
		return -1;
	}
	return 0;
}

/* ---- comparisons -------------------------------------------------------- */

static int in_range(const struct win *w, int64_t t0, int64_t t1)
{
	return w->start >= t0 && w->start + w->len < t1;
}

/* Longest window of ws on cpu in range, optionally of one source; NULL. */
static const struct win *longest(const struct wins *ws, int cpu, int src, int kind,
				 int64_t t0, int64_t t1, size_t *count)
{
	const struct win *best = NULL;

	*count = 0;
	for (size_t i = 0; i < ws->n; i++) {
		const struct win *w = &ws->v[i];

		if (w->cpu != cpu || (src >= 0 && w->src != src) || w->kind != kind ||
		    !in_range(w, t0, t1))
			continue;
		(*count)++;
		if (!best || w->len > best->len)
			best = w;
	}
	return best;
}

static int starts_in(const struct win *w, int64_t t0, int64_t t1)
{
	return w->start >= t0 && w->start < t1;
}

static int is_exact_irq(const struct win *w)
{
	return w->kind == LS_K_IRQOFF && (w->src == LS_WS_HARDIRQ || w->src == LS_WS_VECTOR);
}

static int by_start(const void *x, const void *y)
{
	const struct win *a = x, *b = y;

	return a->start < b->start ? -1 : a->start > b->start;
}

/*
 * Exact irq-off windows are the outermost spans, so with equal counts the
 * i-th of each side (by start) is the same span: same source and key, and
 * latscope's probes, which run after ftrace's on the same tracepoint, see
 * it start and end no earlier than ftrace did (1 us of rounding allowed).
 * A pair more than 1.5 us apart at either end is "delayed" (the VM ran
 * something between the two probes): at most 2% of them. The longest of
 * the other ("alike") pairs must agree within 2 us on both sides.
 */
static void check_exact(const struct replay *rp, int cpu, int64_t t0, int64_t t1)
{
	struct wins ls = { 0 }, ft = { 0 };
	size_t delayed = 0, wrong = 0, n;
	const struct win *lb = NULL, *fb = NULL;

	for (size_t i = 0; i < rp->w.n; i++)
		if (rp->w.v[i].cpu == cpu && is_exact_irq(&rp->w.v[i]) && starts_in(&rp->w.v[i], t0, t1))
			push(&ls, &rp->w.v[i]);
	for (size_t i = 0; i < fc[cpu].spans.n; i++)
		if (starts_in(&fc[cpu].spans.v[i], t0, t1))
			push(&ft, &fc[cpu].spans.v[i]);
	qsort(ls.v, ls.n, sizeof(*ls.v), by_start);
	qsort(ft.v, ft.n, sizeof(*ft.v), by_start);
	check(ls.n == ft.n, "cpu %d: %zu exact irq-off windows, ftrace has %zu outermost "
	      "hardirq/vector spans", cpu, ls.n, ft.n);
	n = ls.n < ft.n ? ls.n : ft.n;
	if (ls.n == ft.n) {
		paired_ls[cpu] = ls;
		paired_ft[cpu] = ft;
	}
	for (size_t i = 0; ls.n == ft.n && i < n; i++) {
		const struct win *l = &ls.v[i], *f = &ft.v[i];
		int64_t ds = l->start - f->start, de = (l->start + l->len) - (f->start + f->len);

		if (l->src != f->src || l->key != f->key || ds < -US || de < -US) {
			if (wrong++ < 3)
				printf("  cpu %d pair %zu differs: latscope %s %u at %lld +%lld, ftrace "
				       "%s %u at %lld +%lld\n", cpu, i, ls_win_src_name(l->src), l->key,
				       (long long)l->start, (long long)l->len, ls_win_src_name(f->src),
				       f->key, (long long)f->start, (long long)f->len);
			continue;
		}
		if (ds > 3 * US / 2 || de > 3 * US / 2) {
			delayed++;
			continue;
		}
		if (!lb || l->len > lb->len)
			lb = l;
		if (!fb || f->len > fb->len)
			fb = f;
	}
	if (ls.n == ft.n)
		check(!wrong && delayed <= 2 + n / 50,
		      "cpu %d: spans pair up (%zu differ; %zu delayed by a late latscope probe, "
		      "at most 2%% + 2)", cpu, wrong, delayed);
	if (lb && fb)
		check(llabs(lb->len - fb->len) <= EXACT_TOL_NS,
		      "cpu %d: longest exact irq-off window %lld ns (%s %u), ftrace's longest "
		      "span %lld ns (%s %u): within 2 us", cpu, (long long)lb->len,
		      ls_win_src_name(lb->src), lb->key, (long long)fb->len,
		      ls_win_src_name(fb->src), fb->key);
	if (ls.n != ft.n) {
		free(ls.v);
		free(ft.v);
	}
}

static int64_t w_end(const struct win *w)
{
	return w->start + w->len;
}

static int by_end(const void *x, const void *y)
{
	int64_t a = w_end(x), b = w_end(y);

	return a < b ? -1 : a > b;
}

/* First index of v (sorted by key) whose key is >= k. */
static size_t lower(const struct wins *v, int64_t k, int64_t (*key)(const struct win *))
{
	size_t lo = 0, hi = v->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (key(&v->v[mid]) < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int64_t w_start(const struct win *w)
{
	return w->start;
}

/* ftrace's softirq passes with a gap threshold. */
static void passes(const struct wins *s, int cpu, int64_t gap, struct wins *out)
{
	struct win p = { .cpu = (uint16_t)cpu, .src = LS_WS_SOFTIRQ, .kind = LS_K_PREEMPTOFF };
	int64_t pe = 0;

	for (size_t i = 0; i <= s->n; i++) {
		const struct win *w = i < s->n ? &s->v[i] : NULL;

		if (w && pe && w->start >= pe && w->start - pe <= gap) {
			pe = w->start + w->len;
			continue;
		}
		if (pe) {
			p.len = pe - p.start;
			push(out, &p);
		}
		if (w) {
			p.start = w->start;
			pe = w->start + w->len;
		}
	}
}

/* Passes of a (>= TIMER_MIN_NS, in range) without a partner in b (sorted
 * by start): same start and length within 3 us. */
static size_t lone_passes(const struct wins *a, const struct wins *b, int cpu, int64_t t0,
			  int64_t t1, size_t *total, const char *what)
{
	size_t miss = 0;

	*total = 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct win *w = &a->v[i];
		int found = 0;

		if (w->cpu != cpu || w->src != LS_WS_SOFTIRQ || w->len < TIMER_MIN_NS ||
		    !in_range(w, t0, t1))
			continue;
		(*total)++;
		for (size_t j = lower(b, w->start - TIMER_TOL_NS, w_start);
		     j < b->n && b->v[j].start <= w->start + TIMER_TOL_NS && !found; j++)
			found = b->v[j].cpu == cpu && b->v[j].src == LS_WS_SOFTIRQ &&
				llabs(b->v[j].len - w->len) <= TIMER_TOL_NS;
		if (!found && miss++ < 3)
			printf("  %s softirq pass without partner: cpu %d start %lld len %lld ns\n",
			       what, cpu, (long long)w->start, (long long)w->len);
	}
	return miss;
}

/*
 * Softirq passes, in three parts:
 *  - the inputs: the capture's softirq spans pair up with ftrace's one for
 *    one, as exact irq spans do (check_exact's rule: latscope's probes run
 *    after ftrace's; at most 2% + 2 pairs delayed by the VM between them);
 *  - the derivation on real data: the replay's passes are exactly the gap
 *    rule applied to the capture's own spans (computed here);
 *  - the worst: latscope's longest pass is no longer than ftrace's with a
 *    rule 0.5 us looser (+2 us), and no shorter than ftrace's with a rule
 *    0.5 us stricter (-2 us) unless a delayed probe split that one.
 * Matching passes one by one against ftrace's instead is not robust here:
 * ftrace's own probes put ~1 us into every gap inside a pass, next to the
 * rule's 1.5 us, and one delayed probe among a pass's spans moves it.
 */
static size_t pair_spans(const struct wins *ls, const struct wins *ft, size_t *delayed,
			 int cpu, const char *what)
{
	size_t wrong = 0;

	*delayed = 0;
	for (size_t i = 0; i < ls->n && i < ft->n; i++) {
		const struct win *l = &ls->v[i], *f = &ft->v[i];
		int64_t ds = l->start - f->start, de = w_end(l) - w_end(f);

		if (l->key != f->key || ds < -US || de < -US) {
			if (wrong++ < 3)
				printf("  cpu %d %s pair %zu differs: latscope %u at %lld +%lld, ftrace %u "
				       "at %lld +%lld\n", cpu, what, i, l->key, (long long)l->start,
				       (long long)l->len, f->key, (long long)f->start, (long long)f->len);
		} else if (ds > 3 * US / 2 || de > 3 * US / 2) {
			(*delayed)++;
		}
	}
	return wrong;
}

static void check_passes(const struct replay *rp, int cpu, int64_t t0, int64_t t1)
{
	struct wins ls = { 0 }, ft = { 0 }, mine = { 0 }, got = { 0 }, loose = { 0 }, strict = { 0 };
	struct wins one = { 0 };
	const struct win *lb, *fl, *fs;
	size_t delayed, wrong, n, tot, diff = 0;
	int split;

	for (size_t i = 0; i < rp->sirq[cpu].n; i++)
		if (starts_in(&rp->sirq[cpu].v[i], t0, t1))
			push(&ls, &rp->sirq[cpu].v[i]);
	for (size_t i = 0; i < fc[cpu].sirqs.n; i++)
		if (starts_in(&fc[cpu].sirqs.v[i], t0, t1))
			push(&ft, &fc[cpu].sirqs.v[i]);
	check(ls.n == ft.n, "cpu %d: %zu softirq spans, ftrace has %zu", cpu, ls.n, ft.n);
	if (ls.n == ft.n) {
		wrong = pair_spans(&ls, &ft, &delayed, cpu, "softirq");
		check(!wrong && delayed <= 2 + ls.n / 50,
		      "cpu %d: softirq spans pair up (%zu differ; %zu delayed by a late latscope "
		      "probe, at most 2%% + 2)", cpu, wrong, delayed);
	}
	/* the replay's passes = the rule on the capture's spans (all of them:
	 * passes at the edges of the range depend on spans outside it) */
	passes(&rp->sirq[cpu], cpu, LS_WIN_PASS_GAP_NS, &mine);
	for (size_t i = 0; i < rp->w.n; i++)
		if (rp->w.v[i].cpu == cpu && rp->w.v[i].src == LS_WS_SOFTIRQ)
			push(&got, &rp->w.v[i]);
	qsort(got.v, got.n, sizeof(*got.v), by_start);
	for (size_t i = 0; i < mine.n || i < got.n; i++)
		if (i >= mine.n || i >= got.n || mine.v[i].start != got.v[i].start ||
		    mine.v[i].len != got.v[i].len)
			if (diff++ < 3)
				printf("  cpu %d pass %zu: replay %lld +%lld, rule %lld +%lld\n", cpu, i,
				       i < got.n ? (long long)got.v[i].start : -1LL,
				       i < got.n ? (long long)got.v[i].len : -1LL,
				       i < mine.n ? (long long)mine.v[i].start : -1LL,
				       i < mine.n ? (long long)mine.v[i].len : -1LL);
	check(!diff && got.n, "cpu %d: the %zu softirq passes are the %.1f us gap rule applied to "
	      "the capture's %zu spans", cpu, got.n, LS_WIN_PASS_GAP_NS / 1e3, rp->sirq[cpu].n);
	passes(&fc[cpu].sirqs, cpu, LS_WIN_PASS_GAP_NS + US / 2, &loose);
	passes(&fc[cpu].sirqs, cpu, LS_WIN_PASS_GAP_NS - US / 2, &strict);
	lb = longest(&got, cpu, LS_WS_SOFTIRQ, LS_K_PREEMPTOFF, t0, t1, &n);
	fl = longest(&loose, cpu, LS_WS_SOFTIRQ, LS_K_PREEMPTOFF, t0, t1, &n);
	fs = longest(&strict, cpu, LS_WS_SOFTIRQ, LS_K_PREEMPTOFF, t0, t1, &n);
	if (lb && fl && fs) {
		int64_t late_exit = 0;

		/* a late latscope probe at the pass's last exit lengthens it */
		for (size_t i = 0; ls.n == ft.n && i < ls.n; i++)
			if (w_end(&ls.v[i]) == w_end(lb) && w_end(&ls.v[i]) - w_end(&ft.v[i]) > late_exit)
				late_exit = w_end(&ls.v[i]) - w_end(&ft.v[i]);
		int64_t bridged = 0; /* ftrace's extent of lb's spans, when merged by delay */
		int by_delay = 0;
		size_t first = SIZE_MAX;

		/*
		 * A late latscope probe at a span's entry (or exit) shortens (or
		 * lengthens) the gap latscope sees before it: where ftrace's gap
		 * splits even the loose rule but latscope's merges, the pass is
		 * longer by that probe delay alone. Then the bound is ftrace's own
		 * extent of the same spans (first start .. last end).
		 */
		for (size_t i = 0; ls.n == ft.n && i < ls.n; i++) {
			if (ls.v[i].start < lb->start || w_end(&ls.v[i]) > w_end(lb))
				continue;
			if (first == SIZE_MAX)
				first = i;
			else if (ft.v[i].start - w_end(&ft.v[i - 1]) > LS_WIN_PASS_GAP_NS + US / 2 &&
				 ls.v[i].start - w_end(&ls.v[i - 1]) <= LS_WIN_PASS_GAP_NS)
				by_delay = 1;
			if (by_delay)
				bridged = w_end(&ft.v[i]) - ft.v[first].start;
		}
		push(&one, fs);
		split = lone_passes(&one, &got, cpu, t0, t1, &tot, "ftrace's longest (strict)") > 0;
		if (by_delay)
			printf("  cpu %d: latscope's longest pass bridges a gap only through a late "
			       "probe; ftrace's extent of its spans: %lld ns\n", cpu, (long long)bridged);
		check((lb->len <= fl->len + EXACT_TOL_NS + late_exit ||
		       (by_delay && lb->len <= bridged + EXACT_TOL_NS + late_exit)) &&
		      (lb->len + EXACT_TOL_NS >= fs->len || split),
		      "cpu %d: longest softirq pass %lld ns within ftrace's %lld..%lld ns "
		      "(rule -+0.5 us) +-2 us%s", cpu, (long long)lb->len, (long long)fs->len,
		      (long long)fl->len, split ? " (ftrace's strict longest split here)" : "");
	}
	free(ls.v);
	free(ft.v);
	free(mine.v);
	free(got.v);
	free(loose.v);
	free(strict.v);
	free(one.v);
}

/*
 * How much later latscope's probes saw the span of cpu at time t (a start
 * if at_start, else an end) than ftrace's did, the span given on either
 * side (ls_side): 0 when t is no such span's time on that side. Both sides'
 * probes on one tracepoint run back to back, ftrace's first; the VM now and
 * then stalls for 5-7 us between them (check_exact counts those pairs as
 * delayed: about 1% of CPU 1's spans here, under the IPI storm).
 */
static int64_t probe_delay(int cpu, int64_t t, int at_start, int ls_side)
{
	const struct wins *own = ls_side ? &paired_ls[cpu] : &paired_ft[cpu];
	int64_t (*key)(const struct win *) = at_start ? w_start : w_end;
	size_t i = lower(own, t, key);

	if (i == own->n || key(&own->v[i]) != t)
		return 0;
	return key(&paired_ls[cpu].v[i]) - key(&paired_ft[cpu].v[i]);
}

/*
 * A timer window ends where its delivering interrupt's span began; a
 * clipped one starts where the last interrupt accepted inside it ended.
 * Both are span times, seen by each side's own probes; an unclipped one
 * starts at the expiry, a time both sides read from the kernel. So a
 * latscope probe that ran late at the entry lengthens the window (at the
 * clip's exit, shortens it) by that probe's delay: its length as ftrace's
 * probes would have measured it takes the measured delays of the paired
 * spans out. (A window whose start was taken from the entry,
 * LS_WIN_START_APPROX and unclipped, is the lateness on both sides.)
 */
static int64_t ftrace_measure(const struct win *l)
{
	int64_t len = l->len;

	if ((l->flags & (LS_WIN_START_APPROX | LS_WIN_CLIPPED)) == LS_WIN_START_APPROX)
		return len;
	len -= probe_delay(l->cpu, w_end(l), 1, 1);
	if (l->flags & LS_WIN_CLIPPED)
		len += probe_delay(l->cpu, l->start, 0, 1);
	return len;
}

/*
 * The same timer delay seen by latscope (l) and ftrace (f): lengths within
 * 3 us (l's as ftrace's probes would have measured it), or one side
 * clipped it after an interrupt whose entry the other side's probe saw
 * before the delay began (probes on one tracepoint can run microseconds
 * apart on this VM): then the clipped side is the shorter. *by_delay (if
 * given) says whether only the probe delays made them agree.
 */
static int same_delay(const struct win *l, const struct win *f, int *by_delay)
{
	int64_t len;

	if (by_delay)
		*by_delay = 0;
	if (!l || !f)
		return 0;
	len = ftrace_measure(l);
	if (llabs(len - f->len) <= TIMER_TOL_NS) {
		if (by_delay)
			*by_delay = llabs(l->len - f->len) > TIMER_TOL_NS;
		return 1;
	}
	if ((l->flags ^ f->flags) & LS_WIN_CLIPPED)
		return (l->flags & LS_WIN_CLIPPED) ? len < f->len : f->len < l->len;
	return 0;
}

/* Where the other side saw w's delivering interrupt begin, i.e. ended its
 * window for the same delay: a stall between the two probes can exceed
 * TIMER_END_TOL_NS (51 us seen here). */
static int64_t other_end(const struct win *w, int ls_side)
{
	int64_t d = probe_delay(w->cpu, w_end(w), 1, ls_side);

	return ls_side ? w_end(w) - d : w_end(w) + d;
}

/* An expiry whose arming ftrace did not see (unknown, sorted by start) just
 * after w's end: ftrace cannot tell that interrupt's delay, no opinion. */
static int near_unknown(const struct win *w, const struct wins *unknown)
{
	size_t j = lower(unknown, w_end(w), w_start);

	return j < unknown->n && unknown->v[j].start <= w_end(w) + TIMER_END_TOL_NS;
}

/* Timer windows of a (latscope's if a_is_ls, else ftrace's) with >=
 * TIMER_MIN_NS and no partner in b (the other side's, sorted by end):
 * count. *by_delay counts those whose partner agrees only once latscope's
 * probe delays are taken out. */
static size_t unmatched(const struct wins *a, const struct wins *b, int a_is_ls, int cpu,
			int64_t t0, int64_t t1, size_t *total, size_t *by_delay,
			const struct wins *unknown, size_t *skipped)
{
	const char *what = a_is_ls ? "latscope" : "ftrace";
	size_t miss = 0;
	int64_t end;

	*total = 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct win *w = &a->v[i];
		int found = 0, delayed = 0;

		if (w->cpu != cpu || w->src != LS_WS_TIMER || w->len < TIMER_MIN_NS ||
		    !in_range(w, t0, t1))
			continue;
		if (unknown && near_unknown(w, unknown)) {
			(*skipped)++;
			continue;
		}
		(*total)++;
		end = other_end(w, a_is_ls);
		for (size_t j = lower(b, end - TIMER_END_TOL_NS, w_end);
		     j < b->n && w_end(&b->v[j]) <= end + TIMER_END_TOL_NS && !found; j++) {
			const struct win *x = &b->v[j];

			found = x->cpu == cpu && x->src == LS_WS_TIMER &&
				(a_is_ls ? same_delay(w, x, &delayed) : same_delay(x, w, &delayed));
		}
		*by_delay += found && delayed;
		if (!found && miss++ < 5)
			printf("  %s timer window without partner: cpu %d end %lld len %lld ns\n",
			       what, cpu, (long long)(w->start + w->len), (long long)w->len);
	}
	return miss;
}

/* The window of b (sorted by end; the other side's) ending nearest where
 * that side saw w's delivering interrupt begin, within 20 us. */
static const struct win *partner(const struct wins *b, const struct win *w, int w_is_ls)
{
	const struct win *best = NULL;
	int64_t end = other_end(w, w_is_ls);

	for (size_t j = lower(b, end - TIMER_END_TOL_NS, w_end);
	     j < b->n && w_end(&b->v[j]) <= end + TIMER_END_TOL_NS; j++)
		if (!best || llabs(w_end(&b->v[j]) - end) < llabs(w_end(best) - end))
			best = &b->v[j];
	return best;
}

static void check_timers(const struct replay *rp, int cpu, int64_t t0, int64_t t1)
{
	struct wins ls = { 0 }, all = { 0 }, ft = { 0 }, lk = { 0 }, fk = { 0 };
	size_t nl, nf, ml, mf, n, skipped = 0, skipped_f = 0, dl = 0, df = 0;
	const struct win *lb, *fb;

	/* latscope's timer windows whose inputs were complete; an ftrace
	 * window may also pair with one whose arming or delivery latscope
	 * did not see */
	for (size_t i = 0; i < rp->w.n; i++) {
		const struct win *w = &rp->w.v[i];

		if (w->src != LS_WS_TIMER || w->cpu != cpu)
			continue;
		push(&all, w);
		if (!(w->flags & (LS_WIN_NO_DELIVERY | LS_WIN_ARMING_UNSEEN)))
			push(&ls, w);
	}
	for (size_t i = 0; i < fc[cpu].timers.n; i++)
		push(&ft, &fc[cpu].timers.v[i]);
	qsort(ft.v, ft.n, sizeof(*ft.v), by_end);
	qsort(all.v, all.n, sizeof(*all.v), by_end);
	ml = unmatched(&ls, &ft, 1, cpu, t0, t1, &nl, &dl, &fc[cpu].unknown, &skipped);
	/* an ftrace window whose interrupt also delivered an expiry of unknown
	 * arming lacks that part of the batch: no opinion either */
	mf = unmatched(&ft, &all, 0, cpu, t0, t1, &nf, &df, &fc[cpu].unknown, &skipped_f);
	check(ml <= 2 + nl / 50 && mf <= 2 + nf / 50,
	      "cpu %d: timer windows >= 10 us: latscope %zu (%zu unmatched), ftrace %zu (%zu "
	      "unmatched), %zu/%zu more at expiries whose arming ftrace did not see; at most 2%% "
	      "+ 2 unmatched; %zu/%zu pairs clipped alike agree only without latscope's probe "
	      "delays at their spans", cpu, nl, ml, nf, mf, skipped, skipped_f, dl, df);
	/* the longest on each side among those ftrace has an opinion on */
	for (size_t i = 0; i < ls.n; i++)
		if (!near_unknown(&ls.v[i], &fc[cpu].unknown))
			push(&lk, &ls.v[i]);
	for (size_t i = 0; i < ft.n; i++)
		if (!near_unknown(&ft.v[i], &fc[cpu].unknown))
			push(&fk, &ft.v[i]);
	lb = longest(&lk, cpu, LS_WS_TIMER, LS_K_IRQOFF, t0, t1, &n);
	fb = longest(&fk, cpu, LS_WS_TIMER, LS_K_IRQOFF, t0, t1, &n);
	if (lb && fb && (lb->len >= TIMER_MIN_NS || fb->len >= TIMER_MIN_NS)) {
		const struct win *p = partner(&ft, lb, 1), *q = partner(&all, fb, 0);

		check(same_delay(lb, p, NULL) && same_delay(q, fb, NULL),
		      "cpu %d: longest timer window %lld ns%s (ends %lld; ftrace: %lld ns%s), "
		      "ftrace's %lld ns%s (ends %lld; latscope: %lld ns%s): the same delay, "
		      "within 3 us unless one side clipped it", cpu, (long long)lb->len,
		      lb->flags & LS_WIN_CLIPPED ? " clipped" : "", (long long)w_end(lb),
		      p ? (long long)p->len : -1LL, p && p->flags & LS_WIN_CLIPPED ? " clipped" : "",
		      (long long)fb->len, fb->flags & LS_WIN_CLIPPED ? " clipped" : "",
		      (long long)w_end(fb), q ? (long long)q->len : -1LL,
		      q && q->flags & LS_WIN_CLIPPED ? " clipped" : "");
	}
	free(ls.v);
	free(all.v);
	free(ft.v);
	free(lk.v);
	free(fk.v);
}

static json_object *load_json(const char *path)
{
	json_object *o = json_object_from_file(path), *r;

	if (!o || !json_object_object_get_ex(o, "result", &r)) {
		fprintf(stderr, "windows_check: %s: not a latscoped response\n", path);
		exit(2);
	}
	return o;
}

static uint64_t jnum(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_uint64(v) : 0;
}

/* The daemon's worst lists are the replay's longest windows. */
static void check_live(const struct replay *rp, const char *path)
{
	json_object *doc = load_json(path), *res = json_object_object_get(doc, "result");
	json_object *cpus = json_object_object_get(res, "cpus");
	uint64_t now = jnum(res, "now_mono_ns");
	size_t listed = 0, found = 0, missing = 0;
	static const char *const kinds[] = { "irqoff", "preemptoff" };

	for (size_t i = 0; i < json_object_array_length(cpus); i++) {
		json_object *c = json_object_array_get_idx(cpus, i);
		int cpu = (int)jnum(c, "cpu");

		for (int k = 0; k < 2; k++) {
			json_object *worst = json_object_object_get(
				json_object_object_get(c, kinds[k]), "worst");
			size_t n = json_object_array_length(worst);
			int64_t shortest = INT64_MAX;

			for (size_t j = 0; j < n; j++) {
				json_object *w = json_object_array_get_idx(worst, j);
				int64_t st = (int64_t)jnum(w, "start_mono_ns"), len = (int64_t)jnum(w, "len_ns");
				int hit = 0;

				listed++;
				if (len < shortest)
					shortest = len;
				for (size_t x = 0; x < rp->w.n && !hit; x++)
					hit = rp->w.v[x].cpu == cpu && rp->w.v[x].start == st &&
					      rp->w.v[x].len == len;
				found += hit;
				if (!hit)
					printf("  daemon window not in the replay: cpu %d %s start %lld len %lld\n",
					       cpu, kinds[k], (long long)st, (long long)len);
			}
			/* a full list: nothing longer than its shortest is missing */
			for (size_t x = 0; n && x < rp->w.n; x++) {
				const struct win *w = &rp->w.v[x];
				int listed_here = 0;

				if (w->cpu != cpu || w->kind != (k ? LS_K_PREEMPTOFF : LS_K_IRQOFF) ||
				    w->len <= shortest ||
				    (uint64_t)(w->start + w->len) + LS_WIN_HOLD_NS >= now)
					continue;
				for (size_t j = 0; j < n && !listed_here; j++) {
					json_object *o = json_object_array_get_idx(worst, j);

					listed_here = (int64_t)jnum(o, "start_mono_ns") == w->start;
				}
				if (!listed_here && missing++ < 5)
					printf("  replay window missing from the daemon's list: cpu %d %s "
					       "start %lld len %lld\n", cpu, kinds[k],
					       (long long)w->start, (long long)w->len);
			}
		}
	}
	check(listed > 0 && found == listed && !missing,
	      "live worst windows (%zu listed) are the replay's longest: %zu found, %zu missing",
	      listed, found, missing);
	json_object_put(doc);
}

static void check_isolated(const char *path)
{
	json_object *doc = load_json(path), *res = json_object_object_get(doc, "result");
	json_object *cpus = json_object_object_get(res, "isolated_cpus");
	json_object *c = json_object_array_get_idx(cpus, 0);
	json_object *causes = json_object_object_get(c, "causes");
	size_t equal = 0, n = json_object_array_length(causes);
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		json_object *k = json_object_array_get_idx(causes, i);
		const char *kind = json_object_get_string(json_object_object_get(k, "kind"));
		uint32_t key = (uint32_t)jnum(json_object_object_get(k, "key"), "key");
		uint64_t cnt = jnum(k, "count"), want = 0;
		json_object *sc = json_object_object_get(k, "sender_cpu");
		int sender = sc ? json_object_get_int(sc) : -1;
		int kv = !strcmp(kind, "hardirq") ? LS_K_HARDIRQ : !strcmp(kind, "vector") ? LS_K_VECTOR
			 : !strcmp(kind, "softirq") ? LS_K_SOFTIRQ : !strcmp(kind, "hrtimer") ? LS_K_HRTIMER
			 : !strcmp(kind, "ipi") ? LS_K_IPI : -1;

		for (size_t j = 0; j < nicounts; j++)
			if (icounts[j].kind == kv && icounts[j].key == key &&
			    icounts[j].sender == sender)
				want = icounts[j].n;
		if (cnt == want)
			equal++;
		else
			printf("  cpu %llu %s %u: isolated view %llu, capture %llu\n",
			       (unsigned long long)jnum(c, "cpu"), kind, key,
			       (unsigned long long)cnt, (unsigned long long)want);
		total += cnt;
	}
	check(c && n > 0 && equal == n && n == nicounts && total == jnum(c, "interruptions"),
	      "isolated cpu %llu: %zu causes, %llu interruptions, all equal to the capture's",
	      (unsigned long long)jnum(c, "cpu"), n, (unsigned long long)total);
	json_object_put(doc);
}

/* Move t (by dir = +1 or -1) to where no interrupt or softirq span of
 * either side starts within 5 us, so rounding cannot move one across it. */
static int64_t quiet(const struct replay *rp, int ncpu, int64_t t, int dir)
{
	for (int moved = 1; moved;) {
		moved = 0;
		for (size_t i = 0; i < rp->w.n; i++)
			if (is_exact_irq(&rp->w.v[i]) && llabs(rp->w.v[i].start - t) < 5 * US) {
				t = rp->w.v[i].start + dir * 5 * US;
				moved = 1;
			}
		for (int c = 0; c < ncpu; c++) {
			const struct wins *lists[] = { &fc[c].spans, &fc[c].sirqs, &rp->sirq[c] };

			for (size_t l = 0; l < 3; l++)
				for (size_t i = 0; i < lists[l]->n; i++)
					if (llabs(lists[l]->v[i].start - t) < 5 * US) {
						t = lists[l]->v[i].start + dir * 5 * US;
						moved = 1;
					}
		}
	}
	return t;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "exclude-tgid", required_argument, NULL, 'x' },
		{ "windows-json", required_argument, NULL, 'w' },
		{ "isolated-json", required_argument, NULL, 'i' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "isolated-cpu", required_argument, NULL, 'c' },
		{ 0 },
	};
	struct fstate st = { .exclude_tgid = -100 };
	const char *wjson = NULL, *ijson = NULL;
	struct replay rp = { 0 };
	uint64_t prefix = 0;
	int iso_cpu = -1, o, ncpu = 0;
	int64_t t0, t1;

	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 'x': st.exclude_tgid = atoi(optarg); break;
		case 'w': wjson = optarg; break;
		case 'i': ijson = optarg; break;
		case 'p': prefix = strtoull(optarg, NULL, 10); break;
		case 'c': iso_cpu = atoi(optarg); break;
		default: return 2;
		}
	}
	if (argc - optind != 2 || (ijson && (iso_cpu < 0 || !prefix))) {
		fprintf(stderr, "usage: windows_check [--exclude-tgid P] [--windows-json F] "
			"[--isolated-json F --isolated-cpu C --prefix N] CAPTURE FTRACE\n");
		return 2;
	}
	if (replay(argv[optind], &rp, iso_cpu, prefix) || read_ftrace(argv[optind + 1], &st))
		return 2;
	for (int cpu = 0; cpu < MAX_CPUS; cpu++)
		if (fc[cpu].spans.n)
			ncpu = cpu + 1;
	t0 = quiet(&rp, ncpu, (rp.first > st.first ? rp.first : st.first) + MARGIN_NS, 1);
	t1 = quiet(&rp, ncpu, (rp.last < st.last ? rp.last : st.last) - MARGIN_NS, -1);
	printf("capture: %llu records, %zu windows; ftrace: %llu events, %llu of tgid %d left "
	       "out (BPF never sees them), %llu expiries without hrtimer_start\n",
	       (unsigned long long)rp.nrec, rp.w.n, (unsigned long long)st.events,
	       (unsigned long long)st.hidden, st.exclude_tgid, (unsigned long long)st.unmatched);
	check(t1 - t0 >= 1000000000ll, "compared interval %.2f s", (t1 - t0) / 1e9);
	for (int cpu = 0; cpu < ncpu; cpu++) {
		check_exact(&rp, cpu, t0, t1);
		check_passes(&rp, cpu, t0, t1);
		check_timers(&rp, cpu, t0, t1);
	}
	if (wjson)
		check_live(&rp, wjson);
	if (ijson)
		check_isolated(ijson);
	ls_agg_free(rp.agg);
	free(rp.w.v);
	for (int c = 0; c < MAX_CPUS; c++) {
		free(rp.sirq[c].v);
		free(fc[c].spans.v);
		free(fc[c].sirqs.v);
		free(fc[c].timers.v);
		free(fc[c].unknown.v);
		free(paired_ls[c].v);
		free(paired_ft[c].v);
	}
	printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
