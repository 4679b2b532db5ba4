/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * cyclictest_compare: latscope's timer expiry -> switch-in latency of
 * cyclictest's threads against cyclictest's own per-cycle latencies
 * (`cyclictest -v`), cycle by cycle, with the kernel's ftrace stream of the
 * threads' sched_waking/sched_switch as the arbiter for cycles latscope has
 * no record of.
 *
 *   cyclictest_compare [--exclude-tgid P] CAPTURE FTRACE VERBOSE
 *                      THREAD:TID...
 *
 * Cycles: each cycle ends with one timer wakeup of the thread, a
 * sched_waking in hard interrupt context (cyclictest sleeps every cycle; when
 * late it skips expiries rather than cycles), so the k-th such waking in the
 * ftrace stream (started before cyclictest) is cycle k; there must be at
 * least as many as cycles (when one thread finishes, cyclictest stops
 * printing the others' cycles while they still run one or two more).
 * A latscope record is the thread's last waking at or before its stamp.
 * A cycle without a record is a wakeup BPF cannot see on this sandbox when a
 * thread of process P was current at its waking or is the task its
 * switch-in replaced, or a wakeup with no switch-in to measure: the timer
 * fired before the thread got off the CPU (no switch-in before the next
 * waking, or a switch-out first: latscope's rule for a task running when
 * woken). Anything else is a miss.
 *
 * Per thread it prints cyclictest's avg and max (all cycles; cyclictest's
 * own figures), latscope's (all its records), the max over the cycles both
 * have, how the other cycles are explained, and where cyclictest's max
 * lies, then "RESULT thread ct_avg ct_max ls_avg ls_max shared_ct_max
 * shared_ls_max shared_ct_avg shared_ls_avg unmeasurable_cycles". Checks: no missed cycle, no record on no cycle, and on
 * every shared cycle latscope's value at most cyclictest's + 1 us (the
 * kernel switches the thread in before it reads the clock; cyclictest
 * truncates to microseconds).
 *
 * Exit: 0 consistent, 1 not, 2 bad input. The avg/max tolerances are the
 * test script's.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "latscope/record.h"

#define MAX_THREADS 64

/* A latscope record belongs to the thread's last ftrace waking at or before
 * its own stamp: ftrace's probe runs first, latscope's can be held up
 * (other probes, a VM exit) but never by a whole cycle. ftrace rounds to
 * microseconds. */
#define ROUND_NS 1000
#define MAX_GAP_NS 100000

enum { WK_PENDING, WK_SWITCHED_IN, WK_RAN };

struct sample {
	int64_t waking, since;   /* sched_waking, expiry -> switch-in; ns */
};

struct thread {
	int index;
	uint32_t tid;
	long *ct;                /* cyclictest's latency per cycle, us */
	size_t ncycles, cap;
	struct sample *ls;       /* latscope's timer wakeups */
	size_t nls, lscap;
	int64_t *wk;             /* ftrace: timer wakings (hard irq) */
	int *wk_hidden;
	int *wk_state;           /* WK_* */
	size_t nwk, wkcap;
};

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "cyclictest_compare: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 4096;
	p = realloc(p, *cap * size);
	if (!p)
		die("%s", "out of memory");
	return p;
}

static struct thread *by_tid(struct thread *t, int n, uint32_t tid)
{
	for (int i = 0; i < n; i++)
		if (t[i].tid == tid)
			return &t[i];
	return NULL;
}

static void read_verbose(const char *path, struct thread *t, int n)
{
	FILE *f = fopen(path, "r");
	char line[256];
	long thr, cyc, lat;

	if (!f)
		die("cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		struct thread *th = NULL;

		if (sscanf(line, " %ld: %ld: %ld", &thr, &cyc, &lat) != 3)
			continue;
		for (int i = 0; i < n; i++)
			if (t[i].index == thr)
				th = &t[i];
		if (!th)
			continue;
		if (cyc != (long)th->ncycles)
			die("%s: cycles out of order", path);
		th->ct = grow(th->ct, &th->cap, th->ncycles, sizeof(*th->ct));
		th->ct[th->ncycles++] = lat;
	}
	fclose(f);
}

static void read_capture(const char *path, struct thread *t, int n)
{
	struct ls_capture_hdr h;
	struct ls_rec_wakeup w;
	FILE *f = fopen(path, "rb");

	if (!f || fread(&h, sizeof(h), 1, f) != 1 || h.magic != LS_CAPTURE_MAGIC)
		die("%s: not a latscope capture", path);
	while (fread(&w.h, sizeof(w.h), 1, f) == 1) {
		unsigned size = ls_rec_size(w.h.kind);
		struct thread *th;

		if (!size || size > sizeof(w) ||
		    (size > sizeof(w.h) &&
		     fread((char *)&w + sizeof(w.h), size - sizeof(w.h), 1, f) != 1))
			die("%s: bad or truncated record", path);
		if (w.h.kind != LS_K_WAKEUP || !(w.wflags & LS_WF_TIMER) ||
		    !(th = by_tid(t, n, w.h.arg)))
			continue;
		th->ls = grow(th->ls, &th->lscap, th->nls, sizeof(*th->ls));
		th->ls[th->nls++] = (struct sample){ (int64_t)w.h.ts, w.since_expiry };
	}
	fclose(f);
}

/* "(  TGID)" column, irq-info flags (hard irq: 'h'/'H') and "SECS.USECS: "
 * of an ftrace line. */
static int ftrace_fields(const char *l, long *tgid, int *hardirq, int64_t *ts)
{
	const char *p = strchr(l, '(');
	char *end;
	double s;

	*tgid = p ? strtol(p + 1, &end, 10) : -1;
	p = strchr(l, ']');
	*hardirq = p && strcspn(p, "hH") < strcspn(p, ":");
	for (; p && *p; p++) {
		if (*p >= '0' && *p <= '9') {
			s = strtod(p, &end);
			if (*end == ':') {
				*ts = (int64_t)(s * 1e6 + 0.5) * 1000;
				return 0;
			}
			p = end;
		}
	}
	return -1;
}

static void add_waking(struct thread *th, int64_t ts, int hidden)
{
	th->wk = grow(th->wk, &th->wkcap, th->nwk, sizeof(*th->wk));
	th->wk_hidden = realloc(th->wk_hidden, th->wkcap * sizeof(int));
	th->wk_state = realloc(th->wk_state, th->wkcap * sizeof(int));
	if (!th->wk_hidden || !th->wk_state)
		die("%s", "out of memory");
	th->wk[th->nwk] = ts;
	th->wk_hidden[th->nwk] = hidden;
	th->wk_state[th->nwk++] = WK_PENDING;
}

/* Timer wakings of each thread: hidden when process excl was current at
 * the waking or at the switch-in that ended it; WK_RAN when the thread was
 * switched out before its next switch-in. */
static void read_ftrace(const char *path, struct thread *t, int n, long excl)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int64_t ts;
	long tgid;
	int hardirq;

	if (!f)
		die("cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		const char *p, *sw;
		struct thread *th;

		if (line[0] == '#' || ftrace_fields(line, &tgid, &hardirq, &ts))
			continue;
		if (hardirq && (p = strstr(line, "sched_waking: ")) && (p = strstr(p, " pid=")) &&
		    (th = by_tid(t, n, strtoul(p + 5, NULL, 10)))) {
			add_waking(th, ts, tgid == excl);
			continue;
		}
		if (!(sw = strstr(line, "sched_switch: ")))
			continue;
		if ((p = strstr(sw, "prev_pid=")) && (th = by_tid(t, n, strtoul(p + 9, NULL, 10))) &&
		    th->nwk && th->wk_state[th->nwk - 1] == WK_PENDING)
			th->wk_state[th->nwk - 1] = WK_RAN;
		if ((p = strstr(sw, "next_pid=")) && (th = by_tid(t, n, strtoul(p + 9, NULL, 10))) &&
		    th->nwk && th->wk_state[th->nwk - 1] == WK_PENDING) {
			th->wk_state[th->nwk - 1] = WK_SWITCHED_IN;
			if (tgid == excl)
				th->wk_hidden[th->nwk - 1] = 1;
		}
	}
	fclose(f);
}

static int by_waking(const void *a, const void *b)
{
	int64_t x = ((const struct sample *)a)->waking, y = ((const struct sample *)b)->waking;

	return x < y ? -1 : x > y;
}

static int compare(struct thread *th)
{
	size_t i, j, shared = 0, hidden = 0, on_cpu = 0, missed = 0, extra = 0, above = 0;
	size_t nls = 0;
	long ct_max = -1, ct_max_at = 0, sh_ct_max = 0, *rec;
	double ct_sum = 0, ls_sum = 0, sh_ct = 0, sh_ls = 0;
	int64_t ls_max = 0, sh_ls_max = 0;
	int rc = 0;

	if (!th->ncycles || !th->nls || th->nwk < th->ncycles) {
		printf("thread %d (tid %u): %zu cycles, %zu timer wakings in ftrace, %zu latscope "
		       "records: cannot match them\n", th->index, th->tid, th->ncycles, th->nwk,
		       th->nls);
		return 1;
	}
	/* rec[k]: latscope's record of cycle k, or -1 */
	rec = malloc(th->nwk * sizeof(*rec));
	if (!rec)
		die("%s", "out of memory");
	for (i = 0; i < th->nwk; i++)
		rec[i] = -1;
	qsort(th->ls, th->nls, sizeof(*th->ls), by_waking);
	for (i = j = 0; i < th->nls; i++) {
		/* j: the first waking after the record's stamp */
		while (j < th->nwk && th->wk[j] <= th->ls[i].waking + ROUND_NS)
			j++;
		if (j && rec[j - 1] < 0 && th->ls[i].waking - th->wk[j - 1] <= MAX_GAP_NS) {
			rec[j - 1] = i;
			if (j - 1 >= th->ncycles)
				continue; /* after cyclictest's last printed cycle */
		} else {
			extra++;
		}
		nls++;
		ls_sum += th->ls[i].since;
		if (th->ls[i].since > ls_max)
			ls_max = th->ls[i].since;
	}
	for (i = 0; i < th->ncycles; i++) {
		ct_sum += th->ct[i];
		if (th->ct[i] > ct_max) {
			ct_max = th->ct[i];
			ct_max_at = i;
		}
		if (rec[i] < 0) {
			if (th->wk_hidden[i])
				hidden++;
			else if (th->wk_state[i] != WK_SWITCHED_IN)
				on_cpu++;
			else if (missed++ < 5)
				printf("  cycle %zu (waking %.6f): latscope has no record\n", i,
				       th->wk[i] / 1e9);
			continue;
		}
		shared++;
		sh_ct += th->ct[i];
		sh_ls += th->ls[rec[i]].since;
		if (th->ct[i] > sh_ct_max)
			sh_ct_max = th->ct[i];
		if (th->ls[rec[i]].since > sh_ls_max)
			sh_ls_max = th->ls[rec[i]].since;
		if (th->ls[rec[i]].since > th->ct[i] * 1000 + 1000 && above++ < 5)
			printf("  cycle %zu: latscope %.3f us > cyclictest %ld us\n", i,
			       th->ls[rec[i]].since / 1e3, th->ct[i]);
	}
	printf("thread %d (tid %u): cyclictest %zu cycles avg %.3f us max %ld us (cycle %ld, %s); "
	       "latscope %zu wakeups avg %.3f us max %.3f us\n", th->index, th->tid, th->ncycles,
	       ct_sum / th->ncycles, ct_max, ct_max_at,
	       rec[ct_max_at] >= 0 ? "a wakeup latscope measured" :
	       th->wk_hidden[ct_max_at] ? "a wakeup BPF could not see" :
	       th->wk_state[ct_max_at] != WK_SWITCHED_IN ? "no switch-in to measure" : "missed",
	       nls, nls ? ls_sum / nls / 1e3 : 0, ls_max / 1e3);
	printf("  on the %zu cycles both have: cyclictest avg %.3f max %ld us, latscope avg %.3f "
	       "max %.3f us\n", shared, shared ? sh_ct / shared : 0, sh_ct_max,
	       shared ? sh_ls / shared / 1e3 : 0, sh_ls_max / 1e3);
	printf("  other cycles: %zu wakeups BPF could not see, %zu woken before leaving the CPU "
	       "(no switch-in to measure), %zu missed; %zu records on no cycle; %zu records "
	       "above cyclictest's value; %zu wakeups after its last printed cycle (ignored)\n",
	       hidden, on_cpu, missed, extra, above, th->nwk - th->ncycles);
	printf("RESULT %d %.3f %ld %.3f %.3f %ld %.3f %.3f %.3f %zu\n", th->index,
	       ct_sum / th->ncycles, ct_max, nls ? ls_sum / nls / 1e3 : 0, ls_max / 1e3,
	       sh_ct_max, sh_ls_max / 1e3, shared ? sh_ct / shared : 0,
	       shared ? sh_ls / shared / 1e3 : 0, hidden + on_cpu);
	if (missed || extra || above)
		rc = 1;
	free(rec);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "exclude-tgid", required_argument, NULL, 'x' },
		{ 0 },
	};
	struct thread t[MAX_THREADS];
	long excl = -1;
	int o, n = 0, rc = 0;

	memset(t, 0, sizeof(t));
	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (o == 'x')
			excl = strtol(optarg, NULL, 10);
		else
			return 2;
	}
	if (argc - optind < 4) {
		fprintf(stderr, "usage: cyclictest_compare [--exclude-tgid P] "
			"CAPTURE FTRACE VERBOSE THREAD:TID...\n");
		return 2;
	}
	for (int i = optind + 3; i < argc && n < MAX_THREADS; i++, n++)
		if (sscanf(argv[i], "%d:%u", &t[n].index, &t[n].tid) != 2)
			die("bad THREAD:TID '%s'", argv[i]);
	read_verbose(argv[optind + 2], t, n);
	read_capture(argv[optind], t, n);
	read_ftrace(argv[optind + 1], t, n, excl);
	for (int i = 0; i < n; i++) {
		rc |= compare(&t[i]);
		free(t[i].ct);
		free(t[i].ls);
		free(t[i].wk);
		free(t[i].wk_hidden);
		free(t[i].wk_state);
	}
	return rc;
}
