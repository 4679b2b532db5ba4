/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ipi_compare: checks latscope's IPI deliveries against the kernel's own
 * ftrace stream of the same interval.
 *
 *   ipi_compare --from NS --to NS [--hidden-tgid P] [--sender-tid T]
 *               [--tol-ns N] CAPTURE FTRACE
 *
 * CAPTURE is a `latscoped --record` file, FTRACE the `trace` file of a
 * tracefs instance (trace_clock mono, options/record-tgid) with
 * ipi:ipi_send_cpu, ipi:ipi_send_cpumask and irq_vectors
 * call_function[_single]_entry, reschedule_entry, irq_work_entry enabled
 * before latscoped attached. The ftrace side is paired here, on its own:
 * the events in file order (the kernel merges its per-CPU buffers by
 * exact time), a cpumask expanded into its targets, each send classified
 * by the handler that serves it, and per (target CPU, class) the sends
 * since the last handler run form a round that the next run takes: one
 * delivery timed from the round's first send, the others coalesced. The
 * symbols are ftrace's own (%pS); latscope's addresses are named from
 * /proc/kallsyms.
 *
 * --hidden-tgid P: the kernel runs no BPF program while a thread of P is
 * current (this sandbox's PID 1). Such sends are left out; such a handler
 * run is left out too, and the next round BPF sees taken on that CPU is
 * dropped, as latscope does when the target's irq_stat shows a run it did
 * not see since the last it saw.
 *
 * Window: from --from + 50 ms to --to (CLOCK_MONOTONIC ns: times at which
 * latscoped answered, so every program was attached; the 50 ms let rounds
 * begun before the send programs attached meet their handler run), ends
 * moved to quiet points (no handler entry within 20 us on either side).
 * Deliveries whose handler entered in it are paired by handler run
 * (latscope's entry time is taken right after ftrace's at the same
 * tracepoint, so it falls in the run ftrace timed) and compared:
 *   - each run: the same delivery on both sides (same first send: sender
 *     CPU, task and callsite, latscope's send and entry times no earlier
 *     than ftrace's, 1 us for ftrace's rounding; as many coalesced sends),
 *     or none on both. A run that differs is excused only when a send to
 *     its target and class was within 3 us of it or of the run before in
 *     ftrace's stream: BPF's probes, each right after ftrace's, may see
 *     the two in the other order and move the send to the neighbouring
 *     round (counted and printed); any other difference fails;
 *   - per (target, class, callback, callsite), without the excused runs:
 *     count and coalesced sends equal, exactly;
 *   - latency: latscope's minus ftrace's is latscope's probe delay at the
 *     entry minus the one at the send; the median of its size within 1 us,
 *     and at most 10% of the pairs with a probe more than N ns (default
 *     2000) late at one end ("delayed": the vCPU lost the CPU, or a VM exit
 *     landed, between the two probes; 0.1-1% on this machine, a few % when
 *     the host is loaded).
 * --sender-tid T: also count the deliveries sent by thread T.
 *
 * BPF programs also stop running for whole periods at times on this
 * sandbox (seen while other tools load and unload programs on the same
 * tracepoints). latscope's own vector spans (bpf/vectors.bpf.c, another
 * program at the same tracepoints) witness that BPF ran at a handler entry;
 * an entry in [--from, --to) with no witness is treated like a hidden one
 * and counted. Sends have no such witness.
 *
 * Exit: 0 agreement, 1 mismatch or too little compared, 2 bad input,
 * 3 mismatch while BPF was seen blind (the caller may try again).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "latscope/ipi.h"
#include "latscope/record.h"
#include "ftrace_text.h"
#include "ksyms.h"

#define MAX_CPUS 1024
#define SYM 96
#define QUIET_NS 20000
#define MAX_DELAYED_PCT 10.0
#define TYPICAL_NS 1000
#define MIN_DELIVERIES 500
#define START_MARGIN_NS 50000000
#define WITNESS_BEFORE_NS 1000  /* ftrace rounds to the us */
#define RACE_NS 3000
#define WITNESS_AFTER_NS 50000  /* latscope's probe runs after ftrace's */

struct delivery {
	int64_t send, entry; /* ns */
	uint32_t target, cls, sender, pid, coalesced;
	size_t entry_idx;    /* its handler run: index in cls_entries */
	int excused;         /* differs, at a run a send raced */
	char callback[SYM], callsite[SYM];
};

struct deliveries {
	struct delivery *v;
	size_t n, cap;
};

struct pending {
	uint32_t n;
	int unseen_run; /* a hidden run since the last run BPF saw */
	int racy_runs;  /* upcoming runs whose rounds a racing send may change */
	size_t next;    /* index of the next handler entry of this slot */
	struct delivery first;
};

static struct {
	struct deliveries ls, ft;
	struct pending slot[MAX_CPUS][LS_IPI_NCLASS];
	long hidden_tgid;
	uint32_t *hidden_tids;
	size_t n_hidden_tids;
	long sender_tid;
	uint64_t hidden_sends, hidden_runs, dropped_rounds, dropped_sends, ft_unpaired;
	uint64_t ft_lost, ft_events;
	int64_t cover_lo, cover_hi;
	int64_t from, to;
	uint64_t blind_runs;
	/* entries of latscope's vector spans (bpf/vectors.bpf.c) per CPU and
	 * IPI vector, sorted, with a cursor: the witnesses that BPF ran */
	struct witness {
		int64_t *v;
		size_t n, cap, next;
	} seen[MAX_CPUS][LS_V_IRQ_WORK + 1], ft_entries[MAX_CPUS][LS_V_IRQ_WORK + 1],
	  cls_entries[MAX_CPUS][LS_IPI_NCLASS];
	/* per cls_entries entry: a send raced it (tracers may order them
	 * differently), so its delivery is not compared */
	uint8_t *racy[MAX_CPUS][LS_IPI_NCLASS];
	const struct ls_ksyms *ks;
} g = { .hidden_tgid = -1, .sender_tid = -1 };

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "ipi_compare: out of memory\n");
		exit(2);
	}
	return p;
}

static void push(struct deliveries *d, const struct delivery *x)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 4096;
		d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	d->v[d->n++] = *x;
}

static void push_time(struct witness *w, int64_t t)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 1024;
		w->v = xrealloc(w->v, w->cap * sizeof(*w->v));
	}
	w->v[w->n++] = t;
}

static uint32_t class_of_vector(uint32_t v)
{
	return v == LS_V_RESCHEDULE ? LS_IPI_RESCHED : v == LS_V_IRQ_WORK ? LS_IPI_WORK
									    : LS_IPI_CALL;
}

static const char *const class_name[LS_IPI_NCLASS] = { "call", "resched", "irq_work" };

/* --- the capture --------------------------------------------------------- */

static void name_kaddr(uint32_t key, char *buf)
{
	if (!key)
		snprintf(buf, SYM, "none");
	else
		ls_ksyms_format(g.ks, LS_KADDR(key), buf, SYM);
}

static void read_capture(const char *path)
{
	struct ls_capture_hdr h;
	union {
		struct ls_rec h;
		struct ls_rec_ipi ipi;
		char any[512]; /* the largest record of any kind */
	} u;
	struct ls_rec_ipi r;
	FILE *f = fopen(path, "rb");

	if (!f || fread(&h, sizeof(h), 1, f) != 1 || h.magic != LS_CAPTURE_MAGIC ||
	    h.version != LS_RECORD_VERSION || h.rec_size != sizeof(struct ls_rec)) {
		fprintf(stderr, "ipi_compare: %s: not a latscope capture\n", path);
		exit(2);
	}
	g.cover_lo = INT64_MAX;
	while (fread(&u.h, sizeof(u.h), 1, f) == 1) {
		uint32_t size = ls_rec_size(u.h.kind);
		struct delivery d = { 0 };

		if (!size || size > sizeof(u) ||
		    (size > sizeof(u.h) &&
		     fread(u.any + sizeof(u.h), size - sizeof(u.h), 1, f) != 1)) {
			fprintf(stderr, "ipi_compare: %s: bad or truncated record (kind %u)\n",
				path, u.h.kind);
			exit(2);
		}
		r = u.ipi;
		if ((int64_t)r.h.ts < g.cover_lo)
			g.cover_lo = r.h.ts;
		if ((int64_t)(r.h.ts + r.h.dur) > g.cover_hi)
			g.cover_hi = r.h.ts + r.h.dur;
		if (r.h.kind == LS_K_VECTOR && r.h.cpu < MAX_CPUS && r.h.key >= LS_V_CALL_FUNCTION &&
		    r.h.key <= LS_V_IRQ_WORK)
			push_time(&g.seen[r.h.cpu][r.h.key], r.h.ts);
		if (r.h.kind != LS_K_IPI)
			continue;
		if (r.h.cpu >= MAX_CPUS || r.vector >= LS_V_MAX) {
			fprintf(stderr, "ipi_compare: %s: IPI record with cpu %u vector %u\n",
				path, r.h.cpu, r.vector);
			exit(2);
		}
		d.send = r.h.ts;
		d.entry = r.h.ts + r.h.dur;
		d.target = r.h.cpu;
		d.cls = class_of_vector(r.vector);
		d.sender = r.h.arg;
		d.pid = r.h.pid;
		d.coalesced = r.coalesced;
		name_kaddr(r.h.key, d.callback);
		name_kaddr(r.callsite, d.callsite);
		push(&g.ls, &d);
	}
	fclose(f);
}

/* --- the ftrace stream ---------------------------------------------------- */

/* ftrace's %pS "func+0x20/0x60" as latscope names it: "func+0x20",
 * "func" at offset 0, "none" for a NULL callback. */
static int field_sym(const struct ls_ft_event *ev, const char *key, char *out)
{
	const char *v;
	size_t n, i;

	if (ls_ft_field_str(ev, key, &v, &n))
		return -1;
	for (i = 0; i < n && v[i] != '/'; i++)
		;
	n = i;
	if (n >= 4 && !memcmp(v + n - 4, "+0x0", 4))
		n -= 4;
	if (n >= SYM)
		n = SYM - 1;
	memcpy(out, v, n);
	out[n] = '\0';
	if (!strcmp(out, "0x0"))
		strcpy(out, "none");
	return 0;
}

static int is_hidden(const struct ls_ft_event *ev)
{
	size_t i;

	if (g.hidden_tgid < 0)
		return 0;
	if (ev->tgid == g.hidden_tgid || ev->pid == g.hidden_tgid)
		return 1;
	if (ev->tgid >= 0)
		return 0;
	for (i = 0; i < g.n_hidden_tids; i++)
		if (g.hidden_tids[i] == (uint32_t)ev->pid)
			return 1;
	return 0;
}

/* The handler that serves a send: as bpf/ipi.bpf.c decides, from ftrace's
 * symbol names instead of addresses. */
static uint32_t class_of_send(const char *callback, uint32_t target, uint32_t sender)
{
	if (!strcmp(callback, "none"))
		return LS_IPI_RESCHED;
	if (!strcmp(callback, "generic_smp_call_function_single_interrupt"))
		return LS_IPI_CALL;
	return target == sender ? LS_IPI_WORK : LS_IPI_CALL;
}

/*
 * A send this close to a handler entry of its slot (before or after it in
 * ftrace's order) races it: BPF's probes run after ftrace's on both CPUs
 * and may see the two the other way round, and then the send belongs to
 * the other run's round. The rounds of the runs on either side are not
 * compared; mark them.
 */
static void note_race(struct pending *p, uint32_t target, uint32_t cls, int64_t t)
{
	const struct witness *e = &g.cls_entries[target][cls];

	if (p->next < e->n && e->v[p->next] - t < RACE_NS) {
		p->racy_runs = 2; /* the run after the send, and the one after it */
	} else if (p->next > 0 && t - e->v[p->next - 1] < RACE_NS) {
		g.racy[target][cls][p->next - 1] = 1;
		p->racy_runs = 1;
	}
}

static void send_one(const struct delivery *s, uint32_t target)
{
	uint32_t cls = class_of_send(s->callback, target, s->sender);
	struct pending *p;

	if (target >= MAX_CPUS)
		return;
	p = &g.slot[target][cls];
	note_race(p, target, cls, s->send);
	if (!p->n++) {
		p->first = *s;
		p->first.target = target;
		p->first.cls = class_of_send(s->callback, target, s->sender);
	}
}

/* "0-3,5" */
static int send_mask(const struct delivery *s, const char *v, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint64_t lo, hi;
		size_t j = i;

		while (j < n && v[j] >= '0' && v[j] <= '9')
			j++;
		if (j == i || ls_ft_parse_u64(v + i, j - i, 0, &lo))
			return -1;
		hi = lo;
		if (j < n && v[j] == '-') {
			size_t k = ++j;

			while (j < n && v[j] >= '0' && v[j] <= '9')
				j++;
			if (j == k || ls_ft_parse_u64(v + k, j - k, 0, &hi) || hi < lo)
				return -1;
		}
		for (uint64_t c = lo; c <= hi && c < MAX_CPUS; c++)
			send_one(s, (uint32_t)c);
		if (j < n && v[j] != ',')
			return -1;
		i = j + 1;
	}
	return 0;
}

/*
 * Did BPF programs run at this handler entry? latscope's own vector span of
 * it (another program at the same tracepoint, entered right after ftrace's
 * probe) says so. Sorted on both sides, so a cursor walks the spans.
 */
static int witnessed(const struct ls_ft_event *ev, uint32_t vector)
{
	struct witness *w = &g.seen[ev->cpu][vector], *f = &g.ft_entries[ev->cpu][vector];
	int64_t until = (int64_t)ev->ts + WITNESS_AFTER_NS;

	/* a span entered before the next handler run of that vector */
	while (f->next < f->n && f->v[f->next] <= (int64_t)ev->ts)
		f->next++;
	if (f->next < f->n && f->v[f->next] - WITNESS_BEFORE_NS < until)
		until = f->v[f->next] - WITNESS_BEFORE_NS;
	while (w->next < w->n && w->v[w->next] < (int64_t)ev->ts - WITNESS_BEFORE_NS)
		w->next++;
	if (w->next < w->n && w->v[w->next] < until) {
		w->next++;
		return 1;
	}
	return 0;
}

static void entry(const struct ls_ft_event *ev, uint32_t vector)
{
	uint32_t cls = class_of_vector(vector);
	int hidden, blind = 0;
	struct pending *p;
	struct delivery d;
	size_t idx;

	if (ev->cpu < 0 || ev->cpu >= MAX_CPUS)
		return;
	p = &g.slot[ev->cpu][cls];
	idx = p->next++;
	if (p->racy_runs > 0 && idx < g.cls_entries[ev->cpu][cls].n) {
		g.racy[ev->cpu][cls][idx] = 1;
		p->racy_runs--;
	}
	hidden = is_hidden(ev);
	if ((int64_t)ev->ts >= g.from && (int64_t)ev->ts < g.to)
		blind = !witnessed(ev, vector) && !hidden;
	if (hidden || blind) {
		g.hidden_runs += hidden;
		g.blind_runs += blind;
		p->unseen_run = 1;
		return;
	}
	if (!p->n) {
		g.ft_unpaired++;
		p->unseen_run = 0;
		return;
	}
	if (p->unseen_run) {
		g.dropped_rounds++;
		g.dropped_sends += p->n;
		p->unseen_run = 0;
	} else {
		d = p->first;
		d.entry = ev->ts;
		d.entry_idx = idx;
		d.coalesced = p->n - 1 > 0xffff ? 0xffff : p->n - 1;
		push(&g.ft, &d);
	}
	p->n = 0;
}

static const struct {
	const char *name;
	uint32_t vector;
} entries[] = {
	{ "call_function_entry", LS_V_CALL_FUNCTION },
	{ "call_function_single_entry", LS_V_CALL_FUNCTION_SINGLE },
	{ "reschedule_entry", LS_V_RESCHEDULE },
	{ "irq_work_entry", LS_V_IRQ_WORK },
};

static int name_is(const struct ls_ft_event *ev, const char *s)
{
	return ev->name_len == strlen(s) && !memcmp(ev->name, s, ev->name_len);
}

/* The vector of a handler entry event, 0 for other events. */
static uint32_t entry_vector(const struct ls_ft_event *ev)
{
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		if (name_is(ev, entries[i].name))
			return entries[i].vector;
	return 0;
}

static void bad_line(const char *path, const struct ls_ft_event *ev)
{
	fprintf(stderr, "ipi_compare: %s: malformed %.*s event: %.*s\n", path,
		(int)ev->name_len, ev->name, (int)ev->fields_len, ev->fields);
	exit(2);
}

static void ftrace_event(const char *path, const struct ls_ft_event *ev)
{
	struct delivery s = { 0 };
	const char *v;
	size_t n, i;
	uint64_t cpu;

	for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		if (name_is(ev, entries[i].name)) {
			g.ft_events++;
			entry(ev, entries[i].vector);
			return;
		}
	if (!name_is(ev, "ipi_send_cpu") && !name_is(ev, "ipi_send_cpumask"))
		return;
	g.ft_events++;
	if (is_hidden(ev)) {
		g.hidden_sends++;
		return;
	}
	if (ev->cpu < 0 || field_sym(ev, "callsite", s.callsite) ||
	    field_sym(ev, "callback", s.callback))
		bad_line(path, ev);
	s.send = ev->ts;
	s.sender = ev->cpu;
	s.pid = ev->pid;
	if (name_is(ev, "ipi_send_cpu")) {
		if (ls_ft_field_u64(ev, "cpu", &cpu))
			bad_line(path, ev);
		send_one(&s, (uint32_t)cpu);
	} else if (ls_ft_field_str(ev, "cpumask", &v, &n) || send_mask(&s, v, n)) {
		bad_line(path, ev);
	}
}

/* Pass 1 learns the threads of the hidden process (lines whose TGID
 * ftrace did not know are judged by their thread ID) and the times of the
 * handler entries; pass 2 pairs. */
static void read_ftrace(const char *path, int pass)
{
	static char buf[LS_FT_LINE_MAX];
	struct ls_ft_reader rd;
	struct ls_ft_event ev;
	int fd = open(path, O_RDONLY | O_CLOEXEC), k;

	if (fd < 0) {
		fprintf(stderr, "ipi_compare: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	ls_ft_reader_init_fd(&rd, fd, buf, sizeof(buf));
	while ((k = ls_ft_reader_next(&rd, &ev)) > 0) {
		if (k == LS_FT_LOST && pass == 2)
			g.ft_lost += ev.lost ? ev.lost : 1;
		if (k != LS_FT_EVENT)
			continue;
		if (pass == 2) {
			if (ev.ts_kind != LS_FT_TS_NS) {
				fprintf(stderr, "ipi_compare: %s: timestamps are not ns "
					"(trace_clock mono expected)\n", path);
				exit(2);
			}
			ftrace_event(path, &ev);
			continue;
		}
		if (entry_vector(&ev) && ev.cpu >= 0 && ev.cpu < MAX_CPUS) {
			push_time(&g.ft_entries[ev.cpu][entry_vector(&ev)], ev.ts);
			push_time(&g.cls_entries[ev.cpu][class_of_vector(entry_vector(&ev))], ev.ts);
		}
		if (g.hidden_tgid >= 0 && ev.tgid == g.hidden_tgid && ev.pid > 0) {
			size_t i;

			for (i = 0; i < g.n_hidden_tids && g.hidden_tids[i] != (uint32_t)ev.pid; i++)
				;
			if (i == g.n_hidden_tids) {
				g.hidden_tids = xrealloc(g.hidden_tids,
							 (g.n_hidden_tids + 1) * sizeof(uint32_t));
				g.hidden_tids[g.n_hidden_tids++] = ev.pid;
			}
		}
	}
	if (k < 0) {
		fprintf(stderr, "ipi_compare: %s: %s\n", path, strerror(-k));
		exit(2);
	}
	close(fd);
}

/* --- comparison ----------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Move t (direction dir = +1 / -1) to a time with no entry within QUIET_NS. */
static int64_t quiet_point(const int64_t *e, size_t n, int64_t t, int dir)
{
	for (;;) {
		size_t i;
		int busy = 0;

		for (i = 0; i < n && !busy; i++)
			busy = e[i] > t - QUIET_NS && e[i] < t + QUIET_NS;
		if (!busy)
			return t;
		t += dir * QUIET_NS;
	}
}

static void window(int64_t from, int64_t to, int64_t *t0, int64_t *t1)
{
	size_t n = 0, i;
	int64_t *e = xrealloc(NULL, (g.ls.n + g.ft.n) * sizeof(*e));

	for (i = 0; i < g.ls.n; i++)
		e[n++] = g.ls.v[i].entry;
	for (i = 0; i < g.ft.n; i++)
		e[n++] = g.ft.v[i].entry;
	qsort(e, n, sizeof(*e), cmp_i64);
	*t0 = quiet_point(e, n, from + START_MARGIN_NS, +1);
	*t1 = quiet_point(e, n, to, -1);
	free(e);
}

static void select_window(struct deliveries *d, int64_t t0, int64_t t1)
{
	size_t i, n = 0;

	for (i = 0; i < d->n; i++)
		if (d->v[i].entry >= t0 && d->v[i].entry < t1)
			d->v[n++] = d->v[i];
	d->n = n;
}

/* The ftrace entry a latscope delivery is: the last one of its class on
 * its CPU at or before latscope's entry time (plus ftrace's rounding). */
static size_t ftrace_entry_of(const struct delivery *d)
{
	const struct witness *e = &g.cls_entries[d->target][d->cls];
	size_t lo = 0, hi = e->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (e->v[mid] <= d->entry + 1000)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : SIZE_MAX;
}

/* By handler run: target, class, then the run's ftrace entry. */
static int cmp_run(const void *a, const void *b)
{
	const struct delivery *x = a, *y = b;

	if (x->target != y->target)
		return x->target < y->target ? -1 : 1;
	if (x->cls != y->cls)
		return x->cls < y->cls ? -1 : 1;
	return x->entry_idx < y->entry_idx ? -1 : x->entry_idx > y->entry_idx;
}

struct group {
	uint32_t target, cls;
	char callback[SYM], callsite[SYM];
	uint64_t n[2], coalesced[2]; /* [0] latscope, [1] ftrace */
};

static struct group *groups;
static size_t ngroups;

static void tally(const struct delivery *d, int side)
{
	size_t i;

	for (i = 0; i < ngroups; i++)
		if (groups[i].target == d->target && groups[i].cls == d->cls &&
		    !strcmp(groups[i].callback, d->callback) &&
		    !strcmp(groups[i].callsite, d->callsite))
			break;
	if (i == ngroups) {
		groups = xrealloc(groups, (ngroups + 1) * sizeof(*groups));
		memset(&groups[i], 0, sizeof(*groups));
		groups[i].target = d->target;
		groups[i].cls = d->cls;
		strcpy(groups[i].callback, d->callback);
		strcpy(groups[i].callsite, d->callsite);
		ngroups++;
	}
	groups[i].n[side]++;
	groups[i].coalesced[side] += d->coalesced;
}

static int cmp_abs(const void *a, const void *b)
{
	int64_t x = llabs(*(const int64_t *)a), y = llabs(*(const int64_t *)b);

	return x < y ? -1 : x > y;
}

static void show(const char *what, const struct delivery *d)
{
	printf("  %s: cpu%u %s send %lld from cpu%u pid %u %s, entry %lld (+%lld ns), "
	       "coalesced %u\n", what, d->target, class_name[d->cls], (long long)d->send,
	       d->sender, d->pid, d->callsite, (long long)d->entry,
	       (long long)(d->entry - d->send), d->coalesced);
}

/*
 * Is l (latscope) the delivery f (ftrace)? Same sender CPU, task and
 * callsite, as many sends, and each of latscope's probes ran after
 * ftrace's at the same tracepoint (1 us for ftrace's rounding), the send
 * before the delivery.
 */
static int same(const struct delivery *l, const struct delivery *f)
{
	return l->sender == f->sender && l->pid == f->pid && !strcmp(l->callsite, f->callsite) &&
	       l->coalesced == f->coalesced && l->send >= f->send - 1000 &&
	       l->send <= f->entry && l->entry >= f->entry - 1000;
}

struct verdict {
	size_t pairs, delayed, differ, excused, ours;
	int64_t *diff, *sdiff;
};

/* A handler run where the two sides differ: excused when a send raced it. */
static void differ(struct verdict *v, struct delivery *l, struct delivery *f)
{
	const struct delivery *d = l ? l : f;

	if (d->entry_idx != SIZE_MAX && g.racy[d->target][d->cls][d->entry_idx]) {
		v->excused++;
		if (l)
			l->excused = 1;
		if (f)
			f->excused = 1;
		return;
	}
	if (v->differ++ < 5) {
		if (l)
			show(f ? "latscope" : "only latscope", l);
		if (f)
			show(l ? "  ftrace" : "only ftrace", f);
	}
}

/*
 * Pair the deliveries of both sides by handler run (latscope's entry time
 * is taken right after ftrace's at the same tracepoint, so it falls in the
 * run ftrace timed), then check each pair and the latencies.
 */
static void pair_runs(struct verdict *v, int64_t tol)
{
	size_t i = 0, j = 0;

	for (i = 0; i < g.ls.n; i++)
		g.ls.v[i].entry_idx = g.cls_entries[g.ls.v[i].target][g.ls.v[i].cls].n ?
				      ftrace_entry_of(&g.ls.v[i]) : SIZE_MAX;
	qsort(g.ls.v, g.ls.n, sizeof(*g.ls.v), cmp_run);
	qsort(g.ft.v, g.ft.n, sizeof(*g.ft.v), cmp_run);
	v->diff = xrealloc(NULL, (g.ls.n + 1) * sizeof(int64_t));
	v->sdiff = xrealloc(NULL, (g.ls.n + 1) * sizeof(int64_t));
	for (i = 0; i < g.ls.n || j < g.ft.n;) {
		struct delivery *l = i < g.ls.n ? &g.ls.v[i] : NULL;
		struct delivery *f = j < g.ft.n ? &g.ft.v[j] : NULL;
		int c = !l ? 1 : !f ? -1 : cmp_run(l, f);

		if (c) {
			differ(v, c < 0 ? l : NULL, c > 0 ? f : NULL);
			i += c < 0;
			j += c > 0;
			continue;
		}
		i++;
		j++;
		if (!same(l, f)) {
			differ(v, l, f);
			continue;
		}
		v->sdiff[v->pairs] = l->send - f->send;
		v->diff[v->pairs++] = (l->entry - l->send) - (f->entry - f->send);
		/* a probe of latscope's ran late at one end */
		if ((l->send - f->send > tol || l->entry - f->entry > tol) && v->delayed++ < 5) {
			show("delayed, latscope", l);
			show("           ftrace", f);
		}
		v->ours += g.sender_tid >= 0 && l->pid == g.sender_tid;
	}
}

/* Latency agreement over the pairs; returns the number of failed checks. */
static int judge_latency(struct verdict *v, int64_t tol)
{
	size_t n = v->pairs;
	int fails = 0;

	if (!n)
		return 0;
	qsort(v->diff, n, sizeof(int64_t), cmp_abs);
	qsort(v->sdiff, n, sizeof(int64_t), cmp_i64);
	printf("latency, latscope - ftrace, over %zu pairs: |diff| p50 %lld ns, p99 %lld ns, "
	       "max %lld ns; %zu pairs with a latscope probe more than %lld ns after ftrace's "
	       "(%.2f%%)\n", n, (long long)llabs(v->diff[n / 2]),
	       (long long)llabs(v->diff[n * 99 / 100]), (long long)llabs(v->diff[n - 1]),
	       v->delayed, (long long)tol, 100.0 * v->delayed / n);
	printf("send time, latscope - ftrace: p1 %lld ns, p50 %lld ns, p99 %lld ns\n",
	       (long long)v->sdiff[n / 100], (long long)v->sdiff[n / 2],
	       (long long)v->sdiff[n * 99 / 100]);
	if (100.0 * v->delayed / n > MAX_DELAYED_PCT) {
		printf("MISMATCH: more than %.0f%% of the pairs have a latscope probe more than "
		       "%lld ns late\n", MAX_DELAYED_PCT, (long long)tol);
		fails++;
	}
	if (llabs(v->diff[n / 2]) > TYPICAL_NS) {
		printf("MISMATCH: median latency difference above %d ns\n", TYPICAL_NS);
		fails++;
	}
	return fails;
}

/* Per (target, class, callback, callsite) counts without the excused runs:
 * equal on both sides, exactly. Returns the number of failed checks. */
static int judge_groups(void)
{
	uint64_t total[2] = { 0 };
	size_t i, mism = 0;
	int fails = 0;

	for (i = 0; i < g.ls.n; i++)
		if (!g.ls.v[i].excused)
			tally(&g.ls.v[i], 0);
	for (i = 0; i < g.ft.n; i++)
		if (!g.ft.v[i].excused)
			tally(&g.ft.v[i], 1);
	printf("%-6s %-8s %-44s %-36s %9s %9s %9s %9s\n", "TARGET", "CLASS", "CALLBACK",
	       "CALLSITE", "LATSCOPE", "FTRACE", "COAL_LS", "COAL_FT");
	for (i = 0; i < ngroups; i++) {
		const struct group *gr = &groups[i];
		int bad = gr->n[0] != gr->n[1] || gr->coalesced[0] != gr->coalesced[1];

		printf("cpu%-3u %-8s %-44s %-36s %9llu %9llu %9llu %9llu%s\n", gr->target,
		       class_name[gr->cls], gr->callback, gr->callsite,
		       (unsigned long long)gr->n[0], (unsigned long long)gr->n[1],
		       (unsigned long long)gr->coalesced[0], (unsigned long long)gr->coalesced[1],
		       bad ? "  MISMATCH" : "");
		mism += bad;
		total[0] += gr->n[0];
		total[1] += gr->n[1];
	}
	printf("deliveries: latscope %llu, ftrace %llu, in %zu groups, %zu mismatched\n",
	       (unsigned long long)total[0], (unsigned long long)total[1], ngroups, mism);
	fails += mism > 0;
	if (total[1] < MIN_DELIVERIES) {
		printf("MISMATCH: only %llu deliveries compared (< %d): vacuous\n",
		       (unsigned long long)total[1], MIN_DELIVERIES);
		fails++;
	}
	return fails;
}

static void usage(void)
{
	fprintf(stderr, "usage: ipi_compare --from NS --to NS [--hidden-tgid P] [--sender-tid T] "
		"[--tol-ns N] CAPTURE FTRACE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hidden-tgid", required_argument, NULL, 'h' },
		{ "sender-tid", required_argument, NULL, 's' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 'T' },
		{ "tol-ns", required_argument, NULL, 't' },
		{ 0 },
	};
	int64_t from = 0, to = 0, tol = 2000, t0, t1;
	struct verdict v = { 0 };
	int c, fails = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'h')
			g.hidden_tgid = atol(optarg);
		else if (c == 's')
			g.sender_tid = atol(optarg);
		else if (c == 'f')
			from = atoll(optarg);
		else if (c == 'T')
			to = atoll(optarg);
		else if (c == 't')
			tol = atoll(optarg);
		else
			usage();
	}
	if (argc - optind != 2 || from <= 0 || to <= from)
		usage();
	g.ks = ls_ksyms_load(NULL);
	if (!g.ks) {
		fprintf(stderr, "ipi_compare: /proc/kallsyms: %s\n", strerror(errno));
		return 2;
	}
	read_capture(argv[optind]);
	for (int cpu = 0; cpu < MAX_CPUS; cpu++)
		for (int v = 0; v <= LS_V_IRQ_WORK; v++)
			if (g.seen[cpu][v].n)
				qsort(g.seen[cpu][v].v, g.seen[cpu][v].n, sizeof(int64_t), cmp_i64);
	g.from = from;
	g.to = to;
	read_ftrace(argv[optind + 1], 1);
	for (int cpu = 0; cpu < MAX_CPUS; cpu++)
		for (int c = 0; c < LS_IPI_NCLASS; c++)
			g.racy[cpu][c] = calloc(g.cls_entries[cpu][c].n + 1, 1);
	read_ftrace(argv[optind + 1], 2);
	/* the capture may end a little before --to: nothing happened after */
	if (from < g.cover_lo - 1000000000 || to > g.cover_hi + 1000000000 ||
	    to - from < 2 * START_MARGIN_NS) {
		fprintf(stderr, "ipi_compare: --from/--to (%lld..%lld) not inside the capture "
			"(%lld..%lld) or too short\n", (long long)from, (long long)to,
			(long long)g.cover_lo, (long long)g.cover_hi);
		return 1;
	}
	window(from, to, &t0, &t1);
	select_window(&g.ls, t0, t1);
	select_window(&g.ft, t0, t1);
	pair_runs(&v, tol);
	printf("window %.3f s (capture %.3f s); ftrace: %llu IPI events, %llu lost; "
	       "left out for tgid %ld: %llu sends, %llu handler runs (%zu threads), "
	       "%llu rounds of %llu sends dropped after them; %llu runs with no send\n",
	       (t1 - t0) / 1e9, (g.cover_hi - g.cover_lo) / 1e9,
	       (unsigned long long)g.ft_events, (unsigned long long)g.ft_lost, g.hidden_tgid,
	       (unsigned long long)g.hidden_sends, (unsigned long long)g.hidden_runs,
	       g.n_hidden_tids, (unsigned long long)g.dropped_rounds,
	       (unsigned long long)g.dropped_sends, (unsigned long long)g.ft_unpaired);
	printf("handler runs BPF did not see (latscope's vector spans miss them too; "
	       "left out like tgid %ld's): %llu\n", g.hidden_tgid,
	       (unsigned long long)g.blind_runs);
	printf("handler runs where the two sides differ: %zu with a send within %d ns of the "
	       "run (the tracers may see the two in either order), %zu otherwise\n",
	       v.excused, RACE_NS, v.differ);
	fails += judge_groups();
	if (v.differ) {
		printf("MISMATCH: %zu handler runs differ with no race to explain them\n", v.differ);
		fails++;
	}
	if (g.ft_lost) {
		printf("MISMATCH: ftrace lost events\n");
		fails++;
	}
	fails += judge_latency(&v, tol);
	if (g.sender_tid >= 0)
		printf("deliveries sent by tid %ld: %zu, paired\n", g.sender_tid, v.ours);
	free(v.diff);
	free(v.sdiff);
	if (fails && g.blind_runs) {
		printf("BPF went blind for %llu handler runs beyond tgid %ld: the mismatches may be "
		       "sends it missed then too (exit 3)\n", (unsigned long long)g.blind_runs,
		       g.hidden_tgid);
		return 3;
	}
	return fails ? 1 : 0;
}
