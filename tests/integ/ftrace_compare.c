/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ftrace_compare: checks a latscope capture against the kernel's own ftrace
 * record of the same tracepoints over the same interval.
 *
 *   ftrace_compare [--margin-us N] [--tol-us T] [--exclude-tgid P] CAPTURE FTRACE
 *
 * CAPTURE is a `latscoped --record` file; FTRACE the `trace` file of a
 * tracefs instance with trace_clock=mono (the records' clock) that had
 * irq:irq_handler_*, irq:softirq_* and irq_vectors:*_entry/_exit enabled
 * *before* latscoped attached, so ftrace's probe runs first at every hit.
 * The ftrace side is parsed and paired here, independently of latscope's
 * code: per CPU and family, an exit closes the latest open entry of its key.
 *
 * Window: the overlap of both coverages minus a margin at each end, then T0
 * and T1 moved to quiet points where no span of either side starts within
 * +-5 us, so rounding to ftrace's microseconds cannot move a span across.
 *
 * Spans starting in [T0, T1) are grouped by (cpu, family, key). Per group:
 * counts must be equal and p50 durations (groups >= 5) within T us. The
 * spans of a group follow each other on one CPU, so with equal counts the
 * i-th of each side is the same span, and the max check is done pair by
 * pair: each pair's durations agree within T ("alike"), or latscope's probe
 * ran measurably after ftrace's at entry or exit ("delayed": something, e.g.
 * a VM exit, landed between the two probes; allowed for at most 2% of the
 * pairs). A pair where latscope's timestamps precede ftrace's by more than
 * rounding cannot be explained that way and is a mismatch. So the max of
 * the alike pairs agrees within T on both sides; a raw max that differs is
 * reported with the delayed pair that causes it.
 *
 * --exclude-tgid P drops, on both sides, spans that interrupted a thread of
 * process P (needs ftrace's TGID column, options/record-tgid): for tasks
 * the kernel hides from BPF programs.
 *
 * Exit: 0 agreement, 1 mismatch or too little data compared, 2 bad input.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "latscope/record.h"

#define QUIET_NS 5000              /* no span starts this close to T0 / T1 */
#define EARLY_NS 1000              /* ftrace rounds to the nearest us: 500 ns, + slack */
#define MAX_DELAYED_PCT 2.0        /* pairs timed apart by a late latscope probe */
#define MIN_SPANS 1000             /* fewer compared spans: vacuous, fail */
#define MIN_WINDOW_NS 1000000000ll
#define MIN_P50_COUNT 5
#define MAX_CPUS 4096
#define MAX_NEST 4                 /* open spans per CPU and family */
#define TGID_UNKNOWN (-1)          /* "(-------)": ftrace did not learn it */
#define TGID_ABSENT (-2)           /* no TGID column */

enum family { FAM_HARDIRQ, FAM_SOFTIRQ, FAM_VECTOR, NFAM };

static const char *const fam_name[NFAM] = { "hardirq", "softirq", "vector" };

static const char *const softirq_name[LS_NR_SOFTIRQS] = {
	"HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED",
	"HRTIMER", "RCU",
};

/* irq_vectors tracepoint name prefixes, indexed by enum ls_vector */
static const char *const vector_name[LS_V_MAX] = {
	[LS_V_LOCAL_TIMER] = "local_timer",
	[LS_V_CALL_FUNCTION] = "call_function",
	[LS_V_CALL_FUNCTION_SINGLE] = "call_function_single",
	[LS_V_RESCHEDULE] = "reschedule",
	[LS_V_IRQ_WORK] = "irq_work",
	[LS_V_X86_PLATFORM_IPI] = "x86_platform_ipi",
	[LS_V_SPURIOUS_APIC] = "spurious_apic",
	[LS_V_ERROR_APIC] = "error_apic",
	[LS_V_THERMAL_APIC] = "thermal_apic",
	[LS_V_THRESHOLD_APIC] = "threshold_apic",
	[LS_V_DEFERRED_ERROR_APIC] = "deferred_error_apic",
	[LS_V_REBOOT] = "reboot",
};

/* Times are signed so that differences between the sides are plain. */
struct span {
	int64_t ts, dur; /* ns */
	uint32_t key, tid;
	uint16_t cpu;
	uint8_t fam;
};

struct spans {
	struct span *v;
	size_t n, cap;
	int64_t first, last; /* coverage: earliest and latest time seen */
};

/* Thread IDs of the excluded process, as ftrace saw them. */
struct tids {
	uint32_t *v;
	size_t n, cap;
};

static void die_bad(const char *file, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ftrace_compare: %s: ", file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "ftrace_compare: out of memory\n");
		exit(2);
	}
	return p;
}

static void cover(struct spans *s, int64_t t)
{
	if (!s->first || t < s->first)
		s->first = t;
	if (t > s->last)
		s->last = t;
}

static void push(struct spans *s, struct span sp)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 65536;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = sp;
}

static int has_tid(const struct tids *t, uint32_t tid)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i] == tid)
			return 1;
	return 0;
}

static void add_tid(struct tids *t, uint32_t tid)
{
	if (has_tid(t, tid))
		return;
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n++] = tid;
}

/* --- the capture -------------------------------------------------------- */

static int family_of_kind(unsigned kind)
{
	switch (kind) {
	case LS_K_HARDIRQ: return FAM_HARDIRQ;
	case LS_K_SOFTIRQ: return FAM_SOFTIRQ;
	case LS_K_VECTOR: return FAM_VECTOR;
	default: return -1;
	}
}

static void check_header(const char *path, const struct ls_capture_hdr *h)
{
	if (h->magic != LS_CAPTURE_MAGIC)
		die_bad(path, "bad magic 0x%llx (expected 0x%llx): not a latscope capture",
			(unsigned long long)h->magic, LS_CAPTURE_MAGIC);
	if (h->version != LS_RECORD_VERSION)
		die_bad(path, "record version %u, this tool reads version %u",
			h->version, LS_RECORD_VERSION);
	if (h->rec_size != sizeof(struct ls_rec))
		die_bad(path, "record size %u, expected %zu", h->rec_size, sizeof(struct ls_rec));
	if (h->ncpus == 0 || h->ncpus > MAX_CPUS)
		die_bad(path, "header says %u CPUs (expected 1..%d)", h->ncpus, MAX_CPUS);
}

static void check_record(const char *path, size_t i, const struct ls_rec *r, unsigned ncpus)
{
	if (r->cpu >= ncpus)
		die_bad(path, "record %zu: cpu %u, but the header says %u CPUs", i, r->cpu, ncpus);
	if (r->kind == LS_K_SOFTIRQ && r->key >= LS_NR_SOFTIRQS)
		die_bad(path, "record %zu: softirq vector %u out of range", i, r->key);
	if (r->kind == LS_K_VECTOR && r->key >= LS_V_MAX)
		die_bad(path, "record %zu: vector key %u out of range", i, r->key);
	if (r->ts > INT64_MAX / 2 || r->dur > INT64_MAX / 2)
		die_bad(path, "record %zu: ts %llu / dur %llu out of range", i,
			(unsigned long long)r->ts, (unsigned long long)r->dur);
}

/* Returns the capture's CPU count. */
static unsigned read_capture(const char *path, struct spans *out)
{
	struct ls_capture_hdr h;
	struct ls_rec r;
	size_t i = 0, got;
	FILE *f = fopen(path, "rb");

	if (!f)
		die_bad(path, "cannot open: %s", strerror(errno));
	if (fread(&h, sizeof(h), 1, f) != 1)
		die_bad(path, "shorter than the %zu-byte capture header", sizeof(h));
	check_header(path, &h);
	while ((got = fread(&r, 1, sizeof(r), f)) == sizeof(r)) {
		int fam = family_of_kind(r.kind);
		__u32 size = ls_rec_size(r.kind);

		/* records of other families may be longer: skip their tail */
		if (!size)
			die_bad(path, "record %zu: unknown kind %u", i, r.kind);
		if (size > sizeof(r) && fseek(f, size - sizeof(r), SEEK_CUR))
			die_bad(path, "record %zu: truncated", i);
		check_record(path, i++, &r, h.ncpus);
		if (fam < 0)
			continue;
		push(out, (struct span){ r.ts, r.dur, r.key, r.pid, r.cpu, fam });
		cover(out, r.ts);
		cover(out, r.ts + r.dur);
	}
	if (ferror(f))
		die_bad(path, "read error after record %zu", i);
	if (got)
		die_bad(path, "truncated: %zu stray bytes after record %zu", got, i);
	fclose(f);
	return h.ncpus;
}

/* --- the ftrace text ---------------------------------------------------- */

struct ft_event {
	int64_t ts;
	unsigned cpu;
	uint32_t tid, key;
	long tgid;
	int fam, is_exit;
};

/* "SECONDS.FRACTION:" -> ns; returns the char after ':' or NULL. */
static const char *parse_ts(const char *p, int64_t *ns)
{
	int64_t sec = 0, frac = 0, scale = 1000000000;

	if (*p < '0' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9' && sec < INT64_MAX / 100000000000ll)
		sec = sec * 10 + (*p++ - '0');
	if (*p++ != '.' || *p < '0' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9') {
		if (scale == 1)
			return NULL;
		scale /= 10;
		frac += (*p++ - '0') * scale;
	}
	if (*p != ':')
		return NULL;
	*ns = sec * 1000000000 + frac;
	return p + 1;
}

static const char *skip_spaces(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

/*
 * At p == '[': "[CPU] [FLAGS] TIMESTAMP: EVENT: ..." (FLAGS is the irq-info
 * column, absent when that option is off). Fills cpu, ts and the event name
 * span and returns the payload, or NULL when p does not start that pattern.
 */
static const char *parse_at(const char *p, struct ft_event *e, const char **ev, size_t *evlen)
{
	char *end;
	const char *q;
	unsigned long c = strtoul(p + 1, &end, 10);

	if (end == p + 1 || end[0] != ']' || end[1] != ' ' || c >= MAX_CPUS)
		return NULL;
	p = skip_spaces(end + 2);
	q = parse_ts(p, &e->ts);
	if (!q) { /* the irq-info flags, then the timestamp */
		p = strchr(p, ' ');
		q = p ? parse_ts(skip_spaces(p), &e->ts) : NULL;
	}
	if (!q || *q != ' ')
		return NULL;
	*ev = q + 1;
	*evlen = strspn(*ev, "abcdefghijklmnopqrstuvwxyz0123456789_");
	if (!*evlen || (*ev)[*evlen] != ':')
		return NULL;
	e->cpu = c;
	return *ev + *evlen + 1;
}

/* Backwards over the decimal number ending just before p; *start gets its
 * first digit. Returns -1 when there is none. */
static long number_before(const char *line, const char *p, const char **start)
{
	const char *q = p;

	while (q > line && q[-1] >= '0' && q[-1] <= '9')
		q--;
	if (q == p || p - q > 10)
		return -1;
	*start = q;
	return strtol(q, NULL, 10);
}

/* "TASK-PID [(TGID)] " ends just before the '[' at p (TASK may hold
 * anything, including dashes and spaces). Returns 0 or -1. */
static int parse_task(const char *line, const char *p, struct ft_event *e)
{
	const char *q;
	long v;

	while (p > line && p[-1] == ' ')
		p--;
	e->tgid = TGID_ABSENT;
	if (p > line && p[-1] == ')') {
		const char *open = p - 1;

		while (open > line && *open != '(')
			open--;
		if (*open != '(')
			return -1;
		v = number_before(line, p - 1, &q);
		e->tgid = v >= 0 ? v : TGID_UNKNOWN;
		for (p = open; p > line && p[-1] == ' '; p--)
			;
	}
	v = number_before(line, p, &q);
	if (v < 0 || v > UINT32_MAX || q == line || q[-1] != '-')
		return -1;
	e->tid = v;
	return 0;
}

/* Finds the fields after "TASK-PID": try each '[' until the whole pattern
 * matches. Returns the payload or NULL. */
static const char *parse_fields(const char *line, struct ft_event *e, const char **ev,
				size_t *evlen)
{
	const char *p, *payload;

	for (p = strchr(line, '['); p; p = strchr(p + 1, '['))
		if ((payload = parse_at(p, e, ev, evlen)) && parse_task(line, p, e) == 0)
			return payload;
	return NULL;
}

static int name_is(const char *ev, size_t len, const char *name)
{
	return strlen(name) == len && !memcmp(ev, name, len);
}

/* Event name -> family, entry/exit and (vectors) key; -1 if not ours. */
static int classify(const char *ev, size_t len, struct ft_event *e)
{
	int v;

	e->is_exit = len > 5 && !memcmp(ev + len - 5, "_exit", 5);
	if (!e->is_exit && !(len > 6 && !memcmp(ev + len - 6, "_entry", 6)))
		return -1;
	len -= e->is_exit ? 5 : 6;
	if (name_is(ev, len, "irq_handler"))
		return e->fam = FAM_HARDIRQ;
	if (name_is(ev, len, "softirq"))
		return e->fam = FAM_SOFTIRQ;
	for (v = 0; v < LS_V_MAX; v++)
		if (name_is(ev, len, vector_name[v])) {
			e->key = v;
			return e->fam = FAM_VECTOR;
		}
	return -1;
}

/* The payload's "NAME=NUMBER" field. */
static int payload_num(const char *payload, const char *name, uint32_t *out)
{
	const char *p = strstr(payload, name);
	char *end;
	unsigned long v;

	if (!p || (p != payload && p[-1] != ' '))
		return -1;
	p += strlen(name);
	v = strtoul(p, &end, 10);
	if (end == p || (*end && *end != ' ') || v > UINT32_MAX)
		return -1;
	*out = v;
	return 0;
}

static void parse_payload(const char *path, size_t lineno, const char *payload,
			  struct ft_event *e)
{
	static const char *const field[NFAM] = { "irq=", "vec=", "vector=" };
	uint32_t v;

	if (payload_num(payload, field[e->fam], &v))
		die_bad(path, "line %zu: %s event without a numeric %s", lineno,
			fam_name[e->fam], field[e->fam]);
	if (e->fam == FAM_SOFTIRQ && v >= LS_NR_SOFTIRQS)
		die_bad(path, "line %zu: softirq vec=%u out of range", lineno, v);
	if (e->fam != FAM_VECTOR)
		e->key = v;
}

/* Lines that mean the trace is incomplete; anything else starting with '#'
 * is a comment. */
static void check_meta(const char *path, size_t lineno, const char *line)
{
	unsigned long in_buf, written;
	const char *p;

	if (!strncmp(line, "#####", 5))
		die_bad(path, "line %zu: '%.60s': a CPU buffer was overwritten, "
			"events are missing", lineno, line);
	if (strstr(line, "[LOST "))
		die_bad(path, "line %zu: '%.60s': ftrace lost events", lineno, line);
	p = strstr(line, "entries-in-buffer/entries-written:");
	if (p && sscanf(p + 35, "%lu/%lu", &in_buf, &written) == 2 && in_buf != written)
		die_bad(path, "line %zu: %lu events in the buffer but %lu written: "
			"the buffer overran", lineno, in_buf, written);
}

/* Returns 1 for one of our events, 0 for a line to skip. */
static int parse_line(const char *path, size_t lineno, const char *line, unsigned ncpus,
		      struct ft_event *e)
{
	const char *payload, *ev;
	size_t evlen;

	check_meta(path, lineno, line);
	if (line[0] == '#' || line[strspn(line, " \t")] == '\0')
		return 0;
	payload = parse_fields(line, e, &ev, &evlen);
	if (!payload)
		die_bad(path, "line %zu: no 'TASK-PID [CPU] FLAGS SECONDS.USEC: EVENT:' "
			"fields in '%.100s'", lineno, line);
	if (classify(ev, evlen, e) < 0)
		return 0;
	if (e->cpu >= ncpus)
		die_bad(path, "line %zu: CPU %u, but the capture has %u CPUs", lineno, e->cpu, ncpus);
	parse_payload(path, lineno, payload, e);
	return 1;
}

/* Entries still open on one CPU in one family, oldest first. */
struct open_spans {
	int64_t ts[MAX_NEST];
	uint32_t key[MAX_NEST], tid[MAX_NEST];
	int depth;
};

struct pairing {
	struct open_spans *open; /* [cpu * NFAM + fam] */
	int64_t *last_ts;        /* [cpu]: ftrace prints each CPU in time order */
	uint64_t unpaired;
};

static void drop_oldest(struct open_spans *o)
{
	memmove(o->ts, o->ts + 1, sizeof(o->ts[0]) * (MAX_NEST - 1));
	memmove(o->key, o->key + 1, sizeof(o->key[0]) * (MAX_NEST - 1));
	memmove(o->tid, o->tid + 1, sizeof(o->tid[0]) * (MAX_NEST - 1));
	o->depth--;
}

static void pair_entry(struct pairing *pr, struct open_spans *o, const struct ft_event *e)
{
	if (o->depth == MAX_NEST) {
		drop_oldest(o);
		pr->unpaired++;
	}
	o->ts[o->depth] = e->ts;
	o->key[o->depth] = e->key;
	o->tid[o->depth++] = e->tid;
}

/* An exit closes the latest open entry of its key; entries opened after
 * that one never saw their exit. */
static void pair_exit(struct pairing *pr, struct open_spans *o, const struct ft_event *e,
		      struct spans *out)
{
	int i = o->depth - 1;

	while (i >= 0 && o->key[i] != e->key)
		i--;
	if (i < 0) {
		pr->unpaired++;
		return;
	}
	push(out, (struct span){ o->ts[i], e->ts - o->ts[i], e->key, o->tid[i], e->cpu, e->fam });
	pr->unpaired += o->depth - 1 - i;
	o->depth = i;
}

static void pair_event(const char *path, size_t lineno, struct pairing *pr,
		       const struct ft_event *e, struct spans *out)
{
	struct open_spans *o = &pr->open[e->cpu * NFAM + e->fam];

	if (e->ts < pr->last_ts[e->cpu])
		die_bad(path, "line %zu: CPU %u goes back in time", lineno, e->cpu);
	pr->last_ts[e->cpu] = e->ts;
	cover(out, e->ts);
	if (e->is_exit)
		pair_exit(pr, o, e, out);
	else
		pair_entry(pr, o, e);
}

/* Notes the threads of the excluded process (exclude_tgid < 0: none). */
static void note_tgid(const char *path, size_t lineno, const struct ft_event *e,
		      long exclude_tgid, struct tids *excl)
{
	if (exclude_tgid < 0)
		return;
	if (e->tgid == TGID_ABSENT)
		die_bad(path, "line %zu: no TGID column, which --exclude-tgid needs "
			"(set options/record-tgid in the instance)", lineno);
	if (e->tgid == exclude_tgid)
		add_tid(excl, e->tid);
}

/* Returns the number of unpaired entries and exits. */
static uint64_t read_ftrace(const char *path, unsigned ncpus, long exclude_tgid,
			    struct spans *out, struct tids *excl)
{
	struct pairing pr = { 0 };
	struct ft_event e;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		die_bad(path, "cannot open: %s", strerror(errno));
	pr.open = xrealloc(NULL, sizeof(*pr.open) * ncpus * NFAM);
	pr.last_ts = xrealloc(NULL, sizeof(*pr.last_ts) * ncpus);
	memset(pr.open, 0, sizeof(*pr.open) * ncpus * NFAM);
	memset(pr.last_ts, 0, sizeof(*pr.last_ts) * ncpus);
	while (getline(&line, &cap, f) >= 0) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!parse_line(path, ++lineno, line, ncpus, &e))
			continue;
		note_tgid(path, lineno, &e, exclude_tgid, excl);
		pair_event(path, lineno, &pr, &e, out);
	}
	if (ferror(f))
		die_bad(path, "read error after line %zu", lineno);
	fclose(f);
	free(line);
	free(pr.open);
	free(pr.last_ts);
	return pr.unpaired;
}

/* Drops the spans that interrupted an excluded thread; returns how many. */
static size_t exclude(struct spans *s, const struct tids *excl)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		if (!has_tid(excl, s->v[i].tid))
			s->v[n++] = s->v[i];
	i = s->n - n;
	s->n = n;
	return i;
}

/* --- the window --------------------------------------------------------- */

static int cmp_i64(int64_t x, int64_t y)
{
	return x < y ? -1 : x > y;
}

static int cmp_i64_ptr(const void *a, const void *b)
{
	return cmp_i64(*(const int64_t *)a, *(const int64_t *)b);
}

/* Every span start of both sides, sorted. */
static int64_t *all_starts(const struct spans *a, const struct spans *b)
{
	int64_t *t = xrealloc(NULL, sizeof(*t) * (a->n + b->n));
	size_t i;

	for (i = 0; i < a->n; i++)
		t[i] = a->v[i].ts;
	for (i = 0; i < b->n; i++)
		t[a->n + i] = b->v[i].ts;
	qsort(t, a->n + b->n, sizeof(*t), cmp_i64_ptr);
	return t;
}

/* Index of the first start >= t. */
static size_t lower_bound(const int64_t *s, size_t n, int64_t t)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The earliest t' >= t (dir > 0) or latest t' <= t (dir < 0) with no start
 * in [t' - QUIET_NS, t' + QUIET_NS]. */
static int64_t quiet_point(const int64_t *s, size_t n, int64_t t, int dir)
{
	for (;;) {
		size_t i = lower_bound(s, n, t - QUIET_NS);

		if (i == n || s[i] > t + QUIET_NS)
			return t;
		if (dir < 0) /* the latest start near t */
			i = lower_bound(s, n, t + QUIET_NS + 1) - 1;
		t = dir > 0 ? s[i] + QUIET_NS + 1 : s[i] - QUIET_NS - 1;
	}
}

struct window {
	int64_t t0, t1;
	int64_t nudge0, nudge1;
};

/* Returns 0, or -1 (after saying why) when there is no usable window. */
static int choose_window(const struct spans *ls, const struct spans *ft, const char *ft_path,
			 int64_t margin, struct window *w)
{
	int64_t lo = ls->first > ft->first ? ls->first : ft->first;
	int64_t hi = ls->last < ft->last ? ls->last : ft->last;
	int64_t *starts;

	if (hi <= lo)
		die_bad(ft_path, "its times [%.6f, %.6f] s do not overlap the capture's "
			"[%.6f, %.6f] s: was trace_clock mono?", ft->first / 1e9, ft->last / 1e9,
			ls->first / 1e9, ls->last / 1e9);
	if (hi - lo <= 2 * margin + 2 * QUIET_NS) {
		printf("FAIL: the coverages overlap for %.3f s, no more than the margins\n",
		       (hi - lo) / 1e9);
		return -1;
	}
	starts = all_starts(ls, ft);
	w->t0 = quiet_point(starts, ls->n + ft->n, lo + margin, 1);
	w->t1 = quiet_point(starts, ls->n + ft->n, hi - margin, -1);
	w->nudge0 = w->t0 - (lo + margin);
	w->nudge1 = (hi - margin) - w->t1;
	free(starts);
	if (w->t1 <= w->t0) {
		printf("FAIL: no quiet points inside the overlap\n");
		return -1;
	}
	return 0;
}

/* --- the comparison ----------------------------------------------------- */

static int cmp_group(const struct span *x, const struct span *y)
{
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	if (x->fam != y->fam)
		return x->fam < y->fam ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return cmp_group(x, y) ? cmp_group(x, y) : cmp_i64(x->ts, y->ts);
}

/* Keeps the spans starting in [t0, t1), sorted by group then time. */
static void clip_sort(struct spans *s, const struct window *w)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		if (s->v[i].ts >= w->t0 && s->v[i].ts < w->t1)
			s->v[n++] = s->v[i];
	s->n = n;
	qsort(s->v, n, sizeof(*s->v), cmp_span);
}

/* One (cpu, family, key) group on one side: a run of sorted spans. */
struct group {
	const struct span *v;
	size_t n;
};

static struct group next_group(const struct spans *s, size_t *pos)
{
	struct group g = { s->v + *pos, 1 };

	while (*pos + g.n < s->n && !cmp_group(&g.v[0], &g.v[g.n]))
		g.n++;
	*pos += g.n;
	return g;
}

struct dist {
	int64_t p50, max;
};

static struct dist distribution(const struct group *g, int64_t *scratch)
{
	size_t i;

	if (!g->n)
		return (struct dist){ 0, 0 };
	for (i = 0; i < g->n; i++)
		scratch[i] = g->v[i].dur;
	qsort(scratch, g->n, sizeof(*scratch), cmp_i64_ptr);
	return (struct dist){ scratch[(g->n - 1) / 2], scratch[g->n - 1] };
}

/* How the pairs of a group with equal counts were timed. */
struct pairs {
	size_t alike, delayed, contra;
	int64_t worst_alike, worst_delay; /* |dur diff| of alike, latscope lateness */
};

static int64_t abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

static struct pairs pair_up(const struct group *a, const struct group *f, int64_t tol)
{
	struct pairs p = { 0 };
	size_t i;

	for (i = 0; i < a->n; i++) {
		const struct span *x = &a->v[i], *y = &f->v[i];
		int64_t late_in = x->ts - y->ts, late_out = x->ts + x->dur - (y->ts + y->dur);
		int64_t d = abs64(x->dur - y->dur);

		if (late_in < -EARLY_NS || late_out < -EARLY_NS) {
			p.contra++;
		} else if (d > tol) {
			p.delayed++;
			if (late_in > p.worst_delay || late_out > p.worst_delay)
				p.worst_delay = late_in > late_out ? late_in : late_out;
		} else {
			p.alike++;
			if (d > p.worst_alike)
				p.worst_alike = d;
		}
	}
	return p;
}

struct tally {
	size_t spans[2][NFAM]; /* [0] latscope, [1] ftrace */
	size_t rows, mismatches;
	struct pairs pairs;    /* summed; worst_* are maxima */
	int64_t worst_p50;
	char worst_p50_at[48], worst_alike_at[48];
};

static void group_label(const struct span *s, char *buf, size_t len)
{
	const char *key = s->fam == FAM_SOFTIRQ ? softirq_name[s->key]
			: s->fam == FAM_VECTOR ? vector_name[s->key] : NULL;

	if (key)
		snprintf(buf, len, "%3u %-8s %-20s", s->cpu, fam_name[s->fam], key);
	else
		snprintf(buf, len, "%3u %-8s irq %-16u", s->cpu, fam_name[s->fam], s->key);
}

static void add_pairs(struct tally *t, const struct pairs *p, const char *label)
{
	t->pairs.alike += p->alike;
	t->pairs.delayed += p->delayed;
	t->pairs.contra += p->contra;
	if (p->worst_delay > t->pairs.worst_delay)
		t->pairs.worst_delay = p->worst_delay;
	if (p->worst_alike >= t->pairs.worst_alike) {
		t->pairs.worst_alike = p->worst_alike;
		snprintf(t->worst_alike_at, sizeof(t->worst_alike_at), "%s", label);
	}
}

static void compare_row(const struct group *a, const struct group *f, int64_t tol,
			int64_t *scratch, struct tally *t)
{
	const struct span *s = a->n ? a->v : f->v;
	struct dist da = distribution(a, scratch), df = distribution(f, scratch);
	struct pairs p = { 0 };
	int count_ok = a->n == f->n, p50_checked = count_ok && a->n >= MIN_P50_COUNT;
	int p50_ok = !p50_checked || abs64(da.p50 - df.p50) <= tol;
	char label[48];

	group_label(s, label, sizeof(label));
	if (count_ok)
		p = pair_up(a, f, tol);
	add_pairs(t, &p, label);
	if (p50_checked && abs64(da.p50 - df.p50) >= t->worst_p50) {
		t->worst_p50 = abs64(da.p50 - df.p50);
		snprintf(t->worst_p50_at, sizeof(t->worst_p50_at), "%s", label);
	}
	t->rows++;
	t->spans[0][s->fam] += a->n;
	t->spans[1][s->fam] += f->n;
	t->mismatches += !count_ok || !p50_ok || p.contra;
	printf("%s %9zu %9zu %8.3f %8.3f %9.3f %9.3f %6zu  %s%s%s%s%s\n", label, a->n, f->n,
	       da.p50 / 1e3, df.p50 / 1e3, da.max / 1e3, df.max / 1e3, p.delayed,
	       count_ok && p50_ok && !p.contra ? "OK" : "MISMATCH",
	       count_ok ? "" : " count", p50_ok ? "" : " p50",
	       p.contra ? " latscope-before-ftrace" : "",
	       count_ok && abs64(da.max - df.max) > tol ? " (max apart: delayed pair)" : "");
}

static void compare(const struct spans *ls, const struct spans *ft, int64_t tol,
		    struct tally *t)
{
	int64_t *scratch = xrealloc(NULL, sizeof(*scratch) * (ls->n > ft->n ? ls->n : ft->n));
	size_t i = 0, j = 0;

	printf("cpu family   key                   n latscope  n ftrace   p50 ls   p50 ft"
	       "    max ls    max ft delayd  (us)\n");
	while (i < ls->n || j < ft->n) {
		int c = i == ls->n ? 1 : j == ft->n ? -1 : cmp_group(&ls->v[i], &ft->v[j]);
		struct group a = { 0 }, f = { 0 };

		if (c <= 0)
			a = next_group(ls, &i);
		if (c >= 0)
			f = next_group(ft, &j);
		compare_row(&a, &f, tol, scratch, t);
	}
	free(scratch);
}

/* --- main --------------------------------------------------------------- */

struct opts {
	int64_t margin, tol;
	long exclude_tgid;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: ftrace_compare [--margin-us N] [--tol-us T] [--exclude-tgid P] CAPTURE FTRACE\n"
		   "Compare a latscoped --record capture with the `trace` file of a tracefs\n"
		   "instance (trace_clock=mono, events enabled before latscoped started):\n"
		   "per-CPU span counts per key equal, p50 and per-span durations within T us\n"
		   "(default 2). N: margin inside both coverages (default 100000). P: ignore\n"
		   "spans that interrupted threads of process P (needs options/record-tgid).\n"
		   "Exit 0 agree, 1 mismatch or too little data, 2 bad input.\n");
}

static int parse_num(const char *opt, const char *s, double max, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v >= 0 && v <= max)) {
		fprintf(stderr, "ftrace_compare: invalid %s '%s'\n", opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "margin-us", required_argument, NULL, 'm' },
		{ "tol-us", required_argument, NULL, 't' },
		{ "exclude-tgid", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	double v;
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'm':
		case 't':
			if (parse_num(c == 'm' ? "--margin-us" : "--tol-us", optarg, 3600e6, &v))
				return -1;
			*(c == 'm' ? &o->margin : &o->tol) = (int64_t)(v * 1000 + 0.5);
			break;
		case 'x':
			if (parse_num("--exclude-tgid", optarg, 1 << 30, &v) || v != (long)v)
				return -1;
			o->exclude_tgid = (long)v;
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static void print_coverage(const char *what, const struct spans *s)
{
	printf("%s: %zu spans, covering [%.6f, %.6f] s\n", what, s->n, s->first / 1e9,
	       s->last / 1e9);
}

/* Exit status of the run. */
static int summarize(const struct tally *t, const struct window *w, int64_t tol)
{
	const struct pairs *p = &t->pairs;
	size_t n[2] = { 0, 0 }, npairs = p->alike + p->delayed + p->contra;
	int fam, side;

	for (side = 0; side < 2; side++)
		for (fam = 0; fam < NFAM; fam++)
			n[side] += t->spans[side][fam];
	printf("window: [%.6f, %.6f) s = %.3f s (start moved +%.1f us, end -%.1f us to quiet points)\n",
	       w->t0 / 1e9, w->t1 / 1e9, (w->t1 - w->t0) / 1e9, w->nudge0 / 1e3, w->nudge1 / 1e3);
	for (fam = 0; fam < NFAM; fam++)
		printf("%-8s spans compared: latscope %zu, ftrace %zu\n", fam_name[fam],
		       t->spans[0][fam], t->spans[1][fam]);
	printf("total    spans compared: latscope %zu, ftrace %zu in %zu groups\n", n[0], n[1],
	       t->rows);
	printf("worst |p50 diff| %.3f us (%s); tolerance %.3f us\n", t->worst_p50 / 1e3,
	       t->worst_p50_at, tol / 1e3);
	printf("pairs: %zu alike (worst |dur diff| %.3f us, %s), %zu delayed (%.3f%%, "
	       "latscope's probe up to %.1f us after ftrace's), %zu latscope-before-ftrace\n",
	       p->alike, p->worst_alike / 1e3, t->worst_alike_at, p->delayed,
	       npairs ? 100.0 * p->delayed / npairs : 0.0, p->worst_delay / 1e3, p->contra);
	if (t->mismatches) {
		printf("FAIL: %zu of %zu groups disagree\n", t->mismatches, t->rows);
		return 1;
	}
	if (p->delayed > npairs * MAX_DELAYED_PCT / 100) {
		printf("FAIL: more than %.1f%% of the pairs timed apart\n", MAX_DELAYED_PCT);
		return 1;
	}
	if (w->t1 - w->t0 < MIN_WINDOW_NS || n[1] < MIN_SPANS) {
		printf("FAIL: too little compared (need >= %.1f s and >= %d spans)\n",
		       MIN_WINDOW_NS / 1e9, MIN_SPANS);
		return 1;
	}
	printf("PASS: latscope agrees with ftrace\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .margin = 100000000, .tol = 2000, .exclude_tgid = -1 };
	struct spans ls = { 0 }, ft = { 0 };
	struct tids excl = { 0 };
	struct tally t = { 0 };
	struct window w;
	uint64_t unpaired;
	unsigned ncpus;
	int rc = 1;

	if (parse_opts(argc, argv, &o))
		return 2;
	ncpus = read_capture(argv[optind], &ls);
	unpaired = read_ftrace(argv[optind + 1], ncpus, o.exclude_tgid, &ft, &excl);
	print_coverage("capture", &ls);
	print_coverage("ftrace ", &ft);
	printf("ftrace: %llu entries/exits without their pair\n", (unsigned long long)unpaired);
	if (o.exclude_tgid >= 0) {
		size_t nl = exclude(&ls, &excl), nf = exclude(&ft, &excl);

		printf("excluded process %ld (%zu threads seen): %zu latscope, %zu ftrace spans\n",
		       o.exclude_tgid, excl.n, nl, nf);
	}
	if (!ls.n || !ft.n) {
		printf("FAIL: %s has no spans\n", ls.n ? "the ftrace text" : "the capture");
	} else if (choose_window(&ls, &ft, argv[optind + 1], o.margin, &w) == 0) {
		clip_sort(&ls, &w);
		clip_sort(&ft, &w);
		compare(&ls, &ft, o.tol, &t);
		rc = summarize(&t, &w, o.tol);
	}
	free(ls.v);
	free(ft.v);
	free(excl.v);
	return rc;
}
