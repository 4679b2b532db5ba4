/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * wakeup_compare: checks the wakeup records of a latscope capture against
 * the kernel's ftrace stream of sched_waking, sched_wakeup,
 * sched_wakeup_new and sched_switch over the same interval.
 *
 *   wakeup_compare [--exclude-tgid P] [--tol-us T] [--margin-ms M] [--show N]
 *                  CAPTURE FTRACE
 *
 * FTRACE: the `trace` file of a tracefs instance with trace_clock=mono and
 * options/record-tgid, enabled before latscoped attached. The ftrace side is
 * paired here, independently of latscope's code, with the rule of
 * docs/design.md: sched_waking (or sched_wakeup_new) of a tid opens a
 * wakeup; sched_wakeup notes the tid's switch-out count; its next switch-in
 * completes it if the tid was not switched out in between (else the task was
 * running when woken and nothing is measured).
 *
 * --exclude-tgid P: BPF programs do not run while a thread of process P is
 * current (the sandbox's PID 1). A wakeup is left out when P was current at
 * its sched_waking, at its switch-in (the switched-out task), or at a
 * sched_wakeup that latscope needed (the count had changed): latscope could
 * not have seen it. Latscope records that match such a wakeup are left out
 * too; how many, is printed.
 *
 * ftrace itself fails to record events in the idle task's own context on
 * this sandbox (on one CPU: its switches from idle, the wakeups it runs from
 * the idle loop; interrupt-context events are recorded). A missing switch
 * from idle shows as a task current on a CPU whose last recorded switch
 * went to idle; the wakeup it completed is left out too, but latscope's
 * switch-in must fall between the idle switch and that first sign of the
 * task (checked; 1 + 0.1% exceptions, for pairs shifted by a sched_waking
 * ftrace missed in the idle task's context).
 *
 * Window: wakeups whose sched_waking is after the capture started and
 * before the last latscope record ended, minus M ms (100) at each end.
 * Pairs: same tid, sched_waking within 20 us (see PAIR_NS); latscope's
 * stamps never precede ftrace's by more than its rounding (1 + 0.01% of the
 * pairs may, where ftrace failed to record the event that ended the wakeup).
 * Checks: every compared wakeup is on both sides (each side's unmatched
 * count at most 0.5% of the compared wakeups: cross-CPU events closer than
 * ftrace's resolution can be ordered differently), each pair on the same
 * CPU, durations within T us (2) for all but 2% of the pairs (a VM exit
 * between the two probes delays one side), p50/p90/p99 of all compared
 * wakeups within T us or 2%, at least 1000 wakeups.
 *
 * --show N: print the first N (5) unmatched wakeups of each side.
 *
 * Exit: 0 agreement, 1 mismatch, 2 bad input.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ftrace_text.h"
#include "latscope/record.h"

/* The same wakeup on both sides: same tid, sched_waking this close. Not
 * just ftrace's rounding (500 ns): other probes on the tracepoint (other
 * tracers on the machine) run between ftrace's and latscope's, and a
 * probe can be held up (a VM exit), so latscope's stamp may come later. */
#define PAIR_NS 20000
#define EARLY_NS 1000          /* latscope before ftrace: rounding only */
#define MAX_UNMATCHED_PCT 0.5
#define MAX_DELAYED_PCT 2.0
#define MIN_WAKEUPS 1000

enum hidden {
	SEEN = 0,
	HID_TGID,      /* the excluded process was current: latscope blind */
	HID_IDLE,      /* ftrace did not record its switch-in from idle */
};

struct wakeup {
	int64_t ts, dur;
	int64_t end_lo, end_hi; /* HID_IDLE: when the switch-in happened */
	uint32_t tid, cpu;
	int hidden;    /* enum hidden (ftrace side; copied to a matching record) */
	int matched;
};

struct list {
	struct wakeup *v;
	size_t n, cap;
};

/* ftrace side: per tid, open-addressing table. */
struct task {
	uint32_t tid;         /* 0 = empty slot */
	uint64_t outs;        /* switch-outs seen */
	int pending, hidden;
	int64_t ts;
	uint64_t outs_at;     /* outs when the wakeup activated it */
};

struct tasks {
	struct task *v;
	size_t cap, n;
};

struct counts {
	uint64_t wakings, completed, ran, superseded, idle_unrecorded;
};

/* What ftrace last recorded running on each CPU. */
#define MAX_CPUS 4096
struct cpu_now {
	uint32_t pid;
	int known;
	int64_t since;
};

static void die(const char *what, const char *fmt, const char *arg)
{
	fprintf(stderr, "wakeup_compare: %s: ", what);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static void push(struct list *l, struct wakeup w)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 65536;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			die("memory", "%s", "out of memory");
	}
	l->v[l->n++] = w;
}

static struct task *task_of(struct tasks *t, uint32_t tid)
{
	size_t i;

	if ((t->n + 1) * 2 > t->cap) {
		struct tasks g = { calloc(t->cap ? t->cap * 2 : 4096, sizeof(struct task)),
				   t->cap ? t->cap * 2 : 4096, 0 };

		if (!g.v)
			die("memory", "%s", "out of memory");
		for (i = 0; i < t->cap; i++)
			if (t->v[i].tid)
				*task_of(&g, t->v[i].tid) = t->v[i];
		g.n = t->n;
		free(t->v);
		*t = g;
	}
	for (i = (tid * 2654435761u) & (t->cap - 1);; i = (i + 1) & (t->cap - 1))
		if (!t->v[i].tid || t->v[i].tid == tid)
			break;
	if (!t->v[i].tid) {
		t->v[i].tid = tid;
		t->n++;
	}
	return &t->v[i];
}

static uint32_t field_u32(const struct ls_ft_event *ev, const char *key, const char *path)
{
	uint64_t v;

	if (ls_ft_field_u64(ev, key, &v) || v > UINT32_MAX)
		die(path, "an event without a numeric %s", key);
	return (uint32_t)v;
}

static int is(const struct ls_ft_event *ev, const char *name)
{
	return ev->name_len == strlen(name) && !memcmp(ev->name, name, ev->name_len);
}

/* A switch-in of tid on cpu at ts (or, unrecorded, in [lo, ts]): complete
 * its pending wakeup. */
static void switch_in(struct task *t, uint32_t cpu, int64_t ts, int64_t lo, int hidden,
		      struct list *out, struct counts *c)
{
	if (!t->pending)
		return;
	t->pending = 0;
	/* Not for an unrecorded switch from idle: the idle task's other
	 * task-context events (a sched_wakeup run from the idle loop) are
	 * missing too, so "ran" cannot be told from "raced". */
	if (t->outs != t->outs_at && hidden != HID_IDLE) {
		c->ran++;
		return;
	}
	c->completed++;
	push(out, (struct wakeup){ .ts = t->ts, .dur = ts - t->ts, .end_lo = lo, .end_hi = ts,
				   .tid = t->tid, .cpu = cpu,
				   .hidden = t->hidden ? t->hidden : hidden });
}

/* Pair the ftrace stream; completed wakeups go to out. */
static void read_ftrace(const char *path, long excl, struct list *out, struct counts *c)
{
	static char buf[LS_FT_LINE_MAX];
	static struct cpu_now now[MAX_CPUS];
	struct tasks tasks = { 0 };
	struct ls_ft_reader rd;
	struct ls_ft_event ev;
	int fd = open(path, O_RDONLY), k;

	if (fd < 0)
		die(path, "cannot open: %s", strerror(errno));
	ls_ft_reader_init_fd(&rd, fd, buf, sizeof(buf));
	while ((k = ls_ft_reader_next(&rd, &ev)) > 0) {
		int cur_hidden;
		struct cpu_now *cn;
		struct task *t;

		if (k == LS_FT_LOST)
			die(path, "%s", "ftrace lost events");
		if (k != LS_FT_EVENT)
			continue;
		if (ev.ts_kind != LS_FT_TS_NS)
			die(path, "%s", "timestamps are not nanoseconds (trace_clock mono?)");
		if (ev.cpu < 0 || ev.cpu >= MAX_CPUS || ev.pid < 0)
			die(path, "%s", "an event without CPU or pid");
		cn = &now[ev.cpu];
		cur_hidden = excl >= 0 && ev.tgid == excl ? HID_TGID : SEEN;
		/* a task running where ftrace last saw idle: a switch from idle
		 * went unrecorded */
		if (cn->known && !cn->pid && ev.pid) {
			c->idle_unrecorded++;
			switch_in(task_of(&tasks, ev.pid), ev.cpu, ev.ts, cn->since, HID_IDLE, out, c);
			cn->pid = ev.pid;
			cn->since = ev.ts;
		}
		if (is(&ev, "sched_waking") || is(&ev, "sched_wakeup_new")) {
			t = task_of(&tasks, field_u32(&ev, "pid", path));
			c->wakings++;
			if (t->pending)
				c->superseded++;
			t->pending = 1;
			t->hidden = cur_hidden;
			t->ts = ev.ts;
			t->outs_at = t->outs;
		} else if (is(&ev, "sched_wakeup")) {
			t = task_of(&tasks, field_u32(&ev, "pid", path));
			if (!t->pending)
				continue;
			if (cur_hidden && t->outs_at != t->outs)
				t->hidden = HID_TGID; /* latscope missed a refresh it needed */
			t->outs_at = t->outs;
		} else if (is(&ev, "sched_switch")) {
			uint32_t prev = field_u32(&ev, "prev_pid", path);
			uint32_t next = field_u32(&ev, "next_pid", path);

			cn->known = 1;
			cn->pid = next;
			cn->since = ev.ts;
			if (prev)
				task_of(&tasks, prev)->outs++;
			if (next)
				switch_in(task_of(&tasks, next), ev.cpu, ev.ts, ev.ts, cur_hidden,
					  out, c);
		}
	}
	if (k < 0)
		die(path, "read error: %s", strerror(-k));
	if (rd.counts.overwritten)
		die(path, "%s", "the ftrace buffer overran: events are missing");
	close(fd);
	free(tasks.v);
}

/* Returns the capture's start time; wakeup records go to out. */
static int64_t read_capture(const char *path, struct list *out)
{
	struct ls_capture_hdr h;
	struct ls_rec_wakeup w;
	FILE *f = fopen(path, "rb");

	if (!f || fread(&h, sizeof(h), 1, f) != 1 || h.magic != LS_CAPTURE_MAGIC)
		die(path, "%s", "not a latscope capture");
	while (fread(&w.h, sizeof(w.h), 1, f) == 1) {
		unsigned size = ls_rec_size(w.h.kind);

		if (!size || size > sizeof(w) ||
		    (size > sizeof(w.h) &&
		     fread((char *)&w + sizeof(w.h), size - sizeof(w.h), 1, f) != 1))
			die(path, "%s", "bad or truncated record");
		if (w.h.kind == LS_K_WAKEUP)
			push(out, (struct wakeup){ .ts = (int64_t)w.h.ts, .dur = (int64_t)w.h.dur,
						   .tid = w.h.arg, .cpu = w.h.cpu });
	}
	fclose(f);
	return (int64_t)h.start_mono_ns;
}

static int by_tid_ts(const void *a, const void *b)
{
	const struct wakeup *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Durations of the compared wakeups (in window, not hidden), sorted. */
static size_t durations(const struct list *l, int64_t t0, int64_t t1, int64_t *out)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		if (l->v[i].ts >= t0 && l->v[i].ts < t1 && !l->v[i].hidden)
			out[n++] = l->v[i].dur;
	qsort(out, n, sizeof(*out), cmp_i64);
	return n;
}

static int64_t pct(const int64_t *v, size_t n, double p)
{
	size_t i = (size_t)(p / 100 * n);

	return n ? v[i < n ? i : n - 1] : 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "exclude-tgid", required_argument, NULL, 'x' },
		{ "tol-us", required_argument, NULL, 't' },
		{ "margin-ms", required_argument, NULL, 'm' },
		{ "show", required_argument, NULL, 's' },
		{ 0 },
	};
	struct list ls = { 0 }, ft = { 0 };
	struct counts c = { 0 };
	long excl = -1, show = 5;
	int64_t tol = 2000, margin = 100000000, t0, t1, end = 0, *dl, *df;
	size_t i, j, nl = 0, nf = 0, matched = 0, delayed = 0, cpu_diff = 0, hid_ls = 0;
	size_t hid_ft[3] = { 0 }, only_ls = 0, only_ft = 0, late_end = 0, outside = 0;
	int64_t worst = 0, gap, worst_gap = 0;
	size_t late_waking = 0, early = 0;
	double ps[] = { 50, 90, 99 };
	int o, rc = 0;

	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (o == 'x')
			excl = strtol(optarg, NULL, 10);
		else if (o == 't')
			tol = (int64_t)(strtod(optarg, NULL) * 1000);
		else if (o == 'm')
			margin = (int64_t)(strtod(optarg, NULL) * 1e6);
		else if (o == 's')
			show = strtol(optarg, NULL, 10);
		else
			return 2;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: wakeup_compare [--exclude-tgid P] [--tol-us T] "
			"[--margin-ms M] CAPTURE FTRACE\n");
		return 2;
	}
	t0 = read_capture(argv[optind], &ls) + margin;
	read_ftrace(argv[optind + 1], excl, &ft, &c);
	for (i = 0; i < ls.n; i++)
		if (ls.v[i].ts + ls.v[i].dur > end)
			end = ls.v[i].ts + ls.v[i].dur;
	t1 = end - margin;
	printf("ftrace: %llu wakings, %llu completed, %llu running when woken, %llu superseded\n",
	       (unsigned long long)c.wakings, (unsigned long long)c.completed,
	       (unsigned long long)c.ran, (unsigned long long)c.superseded);
	if (t1 <= t0) {
		printf("FAIL: no compared window (capture too short)\n");
		return 1;
	}
	qsort(ls.v, ls.n, sizeof(*ls.v), by_tid_ts);
	qsort(ft.v, ft.n, sizeof(*ft.v), by_tid_ts);
	/* merge by (tid, ts): both lists are sorted the same way */
	for (i = j = 0; i < ls.n && j < ft.n;) {
		struct wakeup *a = &ls.v[i], *b = &ft.v[j];

		if (a->tid == b->tid && llabs(a->ts - b->ts) <= PAIR_NS) {
			a->matched = b->matched = 1;
			a->hidden = b->hidden;
			if (b->hidden == HID_IDLE && a->ts >= t0 && a->ts < t1 &&
			    (a->ts + a->dur < b->end_lo - EARLY_NS ||
			     a->ts + a->dur > b->end_hi + PAIR_NS)) {
				outside++;
				printf("switch-in outside ftrace's bounds: tid %u waking %.6f "
				       "latscope %.6f, ftrace [%.6f, %.6f]\n", a->tid, a->ts / 1e9,
				       (a->ts + a->dur) / 1e9, b->end_lo / 1e9, b->end_hi / 1e9);
			}
			if (a->ts >= t0 && a->ts < t1 && !b->hidden) {
				int64_t d = a->dur - b->dur;

				matched++;
				gap = a->ts - b->ts;
				late_waking += gap > EARLY_NS;
				if (gap < -EARLY_NS || a->ts + a->dur < b->ts + b->dur - EARLY_NS) {
					if (early++ < (size_t)show)
						printf("latscope before ftrace: tid %u waking %.6f/%.6f "
						       "switch-in %.6f/%.6f\n", a->tid, a->ts / 1e9,
						       b->ts / 1e9, (a->ts + a->dur) / 1e9,
						       (b->ts + b->dur) / 1e9);
				}
				if (gap > worst_gap)
					worst_gap = gap;
				cpu_diff += a->cpu != b->cpu;
				if (llabs(d) > tol) {
					delayed++;
					if (llabs(d) > llabs(worst))
						worst = d;
				}
			}
			i++, j++;
		} else if (by_tid_ts(a, b) < 0) {
			i++;
		} else {
			j++;
		}
	}
	for (i = 0; i < ls.n; i++)
		if (ls.v[i].ts >= t0 && ls.v[i].ts < t1) {
			hid_ls += ls.v[i].hidden != SEEN;
			if (!ls.v[i].matched && only_ls++ < (size_t)show)
				printf("only in latscope: tid %u waking %.6f latency %.1f us cpu %u\n",
				       ls.v[i].tid, ls.v[i].ts / 1e9, ls.v[i].dur / 1e3, ls.v[i].cpu);
		}
	for (i = 0; i < ft.n; i++)
		if (ft.v[i].ts >= t0 && ft.v[i].ts < t1) {
			hid_ft[ft.v[i].hidden]++;
			if (!ft.v[i].matched && !ft.v[i].hidden) {
				/* completed after latscope stopped: not comparable */
				if (ft.v[i].ts + ft.v[i].dur > end)
					late_end++;
				else if (only_ft++ < (size_t)show)
					printf("only in ftrace: tid %u waking %.6f latency %.1f us cpu %u\n",
					       ft.v[i].tid, ft.v[i].ts / 1e9, ft.v[i].dur / 1e3,
					       ft.v[i].cpu);
			}
		}
	printf("window: [%.6f, %.6f) s\n", t0 / 1e9, t1 / 1e9);
	printf("left out: %zu wakeups latscope could not see (process %ld current), %zu whose "
	       "switch-in from idle ftrace did not record (%llu such switches in all); "
	       "%zu of them in latscope's capture\n", hid_ft[HID_TGID], excl, hid_ft[HID_IDLE],
	       (unsigned long long)c.idle_unrecorded, hid_ls);
	printf("compared: %zu matched, %zu only in latscope, %zu only in ftrace, "
	       "%zu completed after latscope stopped\n", matched, only_ls, only_ft, late_end);
	printf("pairs on different CPUs: %zu; durations further apart than %.1f us: %zu "
	       "(%.2f%%, worst %+.1f us)\n", cpu_diff, tol / 1e3, delayed,
	       matched ? 100.0 * delayed / matched : 0.0, worst / 1e3);
	printf("latscope's sched_waking stamp after ftrace's by more than %.1f us: %zu "
	       "(worst %.1f us); latscope before ftrace: %zu\n", EARLY_NS / 1e3, late_waking,
	       worst_gap / 1e3, early);
	dl = malloc((ls.n + 1) * sizeof(*dl));
	df = malloc((ft.n + 1) * sizeof(*df));
	if (!dl || !df)
		die("memory", "%s", "out of memory");
	nl = durations(&ls, t0, t1, dl);
	nf = durations(&ft, t0, t1, df);
	for (i = 0; i < 3; i++) {
		int64_t a = pct(dl, nl, ps[i]), b = pct(df, nf, ps[i]);
		int ok = llabs(a - b) <= tol || llabs(a - b) <= b / 50;

		printf("p%-3g latscope %9.1f us  ftrace %9.1f us  %s\n", ps[i], a / 1e3, b / 1e3,
		       ok ? "ok" : "DIFFERENT");
		rc |= !ok;
	}
	printf("max  latscope %9.1f us  ftrace %9.1f us\n", pct(dl, nl, 100) / 1e3,
	       pct(df, nf, 100) / 1e3);
	if (only_ls > (matched + only_ls) * MAX_UNMATCHED_PCT / 100 ||
	    only_ft > (matched + only_ft) * MAX_UNMATCHED_PCT / 100) {
		printf("FAIL: more than %.1f%% of the wakeups on one side only\n", MAX_UNMATCHED_PCT);
		rc = 1;
	}
	if (cpu_diff) {
		printf("FAIL: pairs disagree on the CPU\n");
		rc = 1;
	}
	/* ftrace also misses sched_waking run in the idle task's context, which
	 * can pair a record with the wakeup after its own: each such case comes
	 * with a waking only latscope has, so allow at most that many (+1) */
	if (outside > 1 + only_ls) {
		printf("FAIL: %zu switch-ins outside the interval ftrace bounds them to\n", outside);
		rc = 1;
	}
	/* ftrace's probe runs first, so latscope can only stamp later, unless
	 * ftrace did not record the event (as it misses some here): a few */
	if (early > 1 + matched / 10000) {
		printf("FAIL: latscope stamped before ftrace too often\n");
		rc = 1;
	}
	if (delayed > matched * MAX_DELAYED_PCT / 100) {
		printf("FAIL: more than %.1f%% of the pairs further apart than %.1f us\n",
		       MAX_DELAYED_PCT, tol / 1e3);
		rc = 1;
	}
	if (matched < MIN_WAKEUPS) {
		printf("FAIL: only %zu wakeups compared (need %d)\n", matched, MIN_WAKEUPS);
		rc = 1;
	}
	printf("%s\n", rc ? "FAIL" : "PASS: latscope's wakeups agree with ftrace");
	free(dl);
	free(df);
	free(ls.v);
	free(ft.v);
	return rc;
}
