/*
 * ftrace text parser (lib/ftrace_text.c): every line class, the seed traces
 * and real captures from tests/unit/data (run from the repository root, or
 * set LATSCOPE_TEST_DATA), comms, timestamps, field helpers, malformed and
 * truncated lines, and the streaming reader.
 *
 * tests/unit/data/ftrace_*:
 *   seed000_preemptirqsoff, seed001_function_graph, seed004_kvm: traces
 *     pasted in mails (latency-format function trace, function_graph,
 *     kvm/hrtimer/sched events), with the mail text around them.
 *   irqinfo, noirqinfo, tgid, counter, latency: a tracefs instance's
 *     `trace` on a 6.18 x86 VM with irq, irq_vectors, ipi, timer,
 *     sched_switch and sched_wakeup events: default options;
 *     options/irq-info 0; options/record-tgid 1; trace_clock counter;
 *     options/latency-format 1 (irq, irq_vectors, sched_switch only). The
 *     header plus a slice of the events chosen for varied comms.
 *   pipe_lost: the start of trace_pipe on an 8 KB buffer (LOST lines).
 *   tracecmd, tracecmd_ns, tracecmd_lat: `trace-cmd extract -B` of an
 *     instance, then `trace-cmd report` plain, -t (ns) and -l (latency).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ftrace_text.h"

/* --- helpers -------------------------------------------------------------- */

static int parse(const char *line, struct ls_ft_event *ev)
{
	return ls_ft_parse_line(line, strlen(line), ev);
}

static void assert_span(const char *p, size_t len, const char *want)
{
	if (len != strlen(want) || memcmp(p, want, len))
		fail_msg("got '%.*s', want '%s'", (int)len, p ? p : "", want);
}

#define assert_comm(ev, s) assert_span((ev)->comm, (ev)->comm_len, s)
#define assert_name(ev, s) assert_span((ev)->name, (ev)->name_len, s)
#define assert_fields(ev, s) assert_span((ev)->fields, (ev)->fields_len, s)
#define assert_flags(ev, s) assert_span((ev)->flags, (ev)->flags_len, s)

static void expect_str(const struct ls_ft_event *ev, const char *key, const char *want)
{
	const char *v;
	size_t n;

	assert_int_equal(ls_ft_field_str(ev, key, &v, &n), 0);
	assert_span(v, n, want);
}

static void expect_text(const struct ls_ft_event *ev, const char *key, const char *want)
{
	const char *v;
	size_t n;

	assert_int_equal(ls_ft_field_text(ev, key, &v, &n), 0);
	assert_span(v, n, want);
}

static void expect_u64(const struct ls_ft_event *ev, const char *key, uint64_t want)
{
	uint64_t v = 0;

	assert_int_equal(ls_ft_field_u64(ev, key, &v), 0);
	assert_true(v == want);
}

static void expect_word(const struct ls_ft_event *ev, const char *key, const char *want)
{
	const char *v;
	size_t n;

	assert_int_equal(ls_ft_word_after(ev, key, &v, &n), 0);
	assert_span(v, n, want);
}

static void expect_ts(const char *line, enum ls_ft_ts kind, uint64_t ts)
{
	struct ls_ft_event ev;

	assert_int_equal(parse(line, &ev), LS_FT_EVENT);
	assert_int_equal(ev.ts_kind, kind);
	if (ev.ts != ts)
		fail_msg("%s: ts %llu, want %llu", line, (unsigned long long)ev.ts,
			 (unsigned long long)ts);
}

static void expect_kind(const char *line, int kind)
{
	struct ls_ft_event ev;
	int got = parse(line, &ev);

	if (got != kind)
		fail_msg("'%s': kind %d, want %d", line, got, kind);
}

static char *data_path(const char *name, char *buf, size_t len)
{
	const char *dir = getenv("LATSCOPE_TEST_DATA");

	snprintf(buf, len, "%s/%s", dir ? dir : "tests/unit/data", name);
	return buf;
}

static int open_data(const char *name)
{
	char path[512];
	int fd = open(data_path(name, path, sizeof(path)), O_RDONLY);

	if (fd < 0)
		fail_msg("%s: %s (run from the repository root)", path, strerror(errno));
	return fd;
}

/* --- seed traces ------------------------------------------------------------ */

struct expect {
	const char *file;
	uint64_t lines, events, functions, lost_lines, comments, blanks, garbage;
	enum ls_ft_kind kind;
	const char *tracer;
};

/*
 * Expected counts, cross-checked with grep: comments '^#', blanks '^\s*$',
 * LOST '^CPU:.*LOST', events with a task-header regex, function_graph
 * '^ *[0-9]+\) .*(\||=>)' plus the two dash separators, seed 000's function
 * lines against its own "#322/322" header; garbage is the rest.
 */
enum { SEED000, SEED001, SEED004 }; /* the first entries of files[] */

static const struct expect files[] = {
	{ "ftrace_seed000_preemptirqsoff.txt", 483, 0, 322, 0, 23, 17, 121,
	  LS_FT_KIND_FUNCTION, "preemptirqsoff" },
	{ "ftrace_seed001_function_graph.txt", 258, 0, 178, 0, 4, 21, 55,
	  LS_FT_KIND_FUNCTION, "function_graph" },
	{ "ftrace_seed004_kvm.txt", 158, 45, 0, 0, 0, 25, 88, LS_FT_KIND_EVENTS, "" },
	{ "ftrace_irqinfo.txt", 212, 200, 0, 0, 12, 0, 0, LS_FT_KIND_EVENTS, "nop" },
	{ "ftrace_noirqinfo.txt", 206, 200, 0, 0, 6, 0, 0, LS_FT_KIND_EVENTS, "nop" },
	{ "ftrace_tgid.txt", 212, 200, 0, 0, 12, 0, 0, LS_FT_KIND_EVENTS, "nop" },
	{ "ftrace_counter.txt", 212, 200, 0, 0, 12, 0, 0, LS_FT_KIND_EVENTS, "nop" },
	{ "ftrace_latency.txt", 169, 150, 0, 0, 19, 0, 0, LS_FT_KIND_EVENTS, "nop" },
	{ "ftrace_pipe_lost.txt", 150, 148, 0, 2, 0, 0, 0, LS_FT_KIND_EVENTS, "" },
	{ "ftrace_tracecmd.txt", 201, 200, 0, 0, 1, 0, 0, LS_FT_KIND_EVENTS, "" },
	{ "ftrace_tracecmd_ns.txt", 121, 120, 0, 0, 1, 0, 0, LS_FT_KIND_EVENTS, "" },
	{ "ftrace_tracecmd_lat.txt", 121, 120, 0, 0, 1, 0, 0, LS_FT_KIND_EVENTS, "" },
};

static void assert_counts(const struct expect *e, const struct ls_ft_counts *c)
{
	if (c->lines != e->lines || c->events != e->events || c->functions != e->functions ||
	    c->lost_lines != e->lost_lines || c->comments != e->comments ||
	    c->blanks != e->blanks || c->garbage != e->garbage || c->truncated != 0)
		fail_msg("%s: lines %llu events %llu functions %llu lost %llu comments %llu "
			 "blanks %llu garbage %llu truncated %llu", e->file,
			 (unsigned long long)c->lines, (unsigned long long)c->events,
			 (unsigned long long)c->functions, (unsigned long long)c->lost_lines,
			 (unsigned long long)c->comments, (unsigned long long)c->blanks,
			 (unsigned long long)c->garbage, (unsigned long long)c->truncated);
	assert_int_equal(ls_ft_classify(c), e->kind);
	assert_string_equal(c->tracer, e->tracer);
}

/* Whether raw contains the printf rendering of fmt. */
__attribute__((format(printf, 2, 3)))
static int has(const char *raw, const char *fmt, ...)
{
	char want[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	return strstr(raw, want) != NULL;
}

/*
 * Renders the parsed header back and finds it in the raw line: comm-pid,
 * the CPU column, the timestamp as printed and "name:". An independent
 * check that every event of the real captures was split where it should.
 */
static void assert_round_trip(const char *line, size_t len, const struct ls_ft_event *ev)
{
	char *raw = strndup(line, len);
	unsigned long long ts = ev->ts, s = ts / 1000000000, ns = ts % 1000000000;
	int ok;

	assert_non_null(raw);
	if (!has(raw, "%.*s-%d ", (int)ev->comm_len, ev->comm, ev->pid))
		fail_msg("comm-pid not in '%s'", raw);
	if (!has(raw, "[%03d]", ev->cpu) &&
	    !has(raw, " %d%.*s ", ev->cpu, (int)ev->flags_len, ev->flags))
		fail_msg("cpu %d not in '%s'", ev->cpu, raw);
	if (ev->ts_kind == LS_FT_TS_NS)
		ok = has(raw, " %llu.%09llu: ", s, ns) ||
		     (ns % 1000 == 0 && has(raw, " %llu.%06llu: ", s, ns / 1000));
	else if (ev->ts_kind == LS_FT_TS_US)
		ok = has(raw, " %lluus", ts / 1000);
	else
		ok = has(raw, " %llu: ", ts);
	if (!ok)
		fail_msg("ts %llu not in '%s'", ts, raw);
	if (!has(raw, ": %.*s:", (int)ev->name_len, ev->name))
		fail_msg("name not in '%s'", raw);
	free(raw);
}

/* Reads a data file line by line (reader_line + parse_line + count). */
static void scan_file(const char *file, struct ls_ft_counts *c)
{
	static char buf[LS_FT_LINE_MAX];
	struct ls_ft_reader r;
	struct ls_ft_event ev;
	const char *line;
	size_t len;
	int fd = open_data(file), rc;

	memset(c, 0, sizeof(*c));
	ls_ft_reader_init_fd(&r, fd, buf, sizeof(buf));
	while ((rc = ls_ft_reader_line(&r, &line, &len)) == LS_FT_RD_LINE) {
		int kind = ls_ft_parse_line(line, len, &ev);

		if (kind == LS_FT_EVENT)
			assert_round_trip(line, len, &ev);
		ls_ft_count(c, kind, &ev);
	}
	assert_int_equal(rc, LS_FT_RD_EOF);
	close(fd);
}

static void test_files(void **st)
{
	(void)st;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct ls_ft_counts c;

		scan_file(files[i].file, &c);
		assert_counts(&files[i], &c);
	}
}

/* Reads a file through ls_ft_reader_next, calling fn for each line. */
static void each_line(const char *file, struct ls_ft_counts *c,
		      void (*fn)(int kind, const struct ls_ft_event *ev, void *ctx), void *ctx)
{
	static char buf[LS_FT_LINE_MAX];
	struct ls_ft_reader r;
	struct ls_ft_event ev;
	int fd = open_data(file), kind;

	ls_ft_reader_init_fd(&r, fd, buf, sizeof(buf));
	while ((kind = ls_ft_reader_next(&r, &ev)) > 0)
		fn(kind, &ev, ctx);
	assert_int_equal(kind, 0);
	*c = r.counts;
	close(fd);
}

struct kvm_seen {
	int exits;
	int events;
	uint64_t exit_ts[3];
	char reason[3][32];
};

static void on_seed004(int kind, const struct ls_ft_event *ev, void *ctx)
{
	struct kvm_seen *k = ctx;
	const char *v;
	size_t n;

	if (kind != LS_FT_EVENT)
		return;
	if (k->events++ == 0) {
		assert_comm(ev, "<idle>");
		assert_int_equal(ev->pid, 0);
		assert_name(ev, "hrtimer_cancel");
		assert_true(ev->ts == 316004317563000ull);
	}
	assert_int_equal(ev->cpu, 17);
	assert_int_equal(ev->tgid, LS_FT_TGID_ABSENT);
	assert_int_equal(ev->flags_len, 0);
	assert_int_equal(ev->ts_kind, LS_FT_TS_NS);
	if (ev->name_len != 8 || memcmp(ev->name, "kvm_exit", 8))
		return;
	assert_comm(ev, "<...>");
	assert_int_equal(ev->pid, 77375);
	assert_true(k->exits < 3);
	assert_int_equal(ls_ft_word_after(ev, "reason", &v, &n), 0);
	snprintf(k->reason[k->exits], sizeof(k->reason[0]), "%.*s", (int)n, v);
	k->exit_ts[k->exits++] = ev->ts;
}

static void test_seed004_kvm(void **st)
{
	struct kvm_seen k = { 0 };
	struct ls_ft_counts c;

	(void)st;
	each_line(files[SEED004].file, &c, on_seed004, &k);
	assert_counts(&files[SEED004], &c);
	assert_int_equal(k.events, 45);
	assert_int_equal(k.exits, 3);
	assert_string_equal(k.reason[0], "APIC_ACCESS");
	assert_string_equal(k.reason[1], "APIC_ACCESS");
	assert_string_equal(k.reason[2], "HLT");
	assert_true(k.exit_ts[0] == 316004317579000ull);
	assert_true(k.exit_ts[1] == 316004317599000ull);
	assert_true(k.exit_ts[2] == 316004317621000ull);
}

static void on_seed004_fields(int kind, const struct ls_ft_event *ev, void *ctx)
{
	uint64_t v;

	(void)ctx;
	if (kind != LS_FT_EVENT)
		return;
	if (ev->name_len == 12 && !memcmp(ev->name, "sched_wakeup", 12)) {
		expect_str(ev, "comm", "qemu-system-x86");
		expect_u64(ev, "pid", 77375);
		expect_u64(ev, "target_cpu", 17);
	} else if (ev->name_len == 20 && !memcmp(ev->name, "hrtimer_expire_entry", 20)) {
		assert_int_equal(ls_ft_field_hex(ev, "hrtimer", &v), 0);
		assert_true(v == 0xffff880130ad8610ull);
		assert_int_equal(ls_ft_field_u64(ev, "hrtimer", &v), -EINVAL);
		expect_u64(ev, "now", 316147662509905ull);
		expect_str(ev, "function", "kvm_timer_fn");
	} else if (ev->name_len == 9 && !memcmp(ev->name, "kvm_entry", 9)) {
		expect_word(ev, "vcpu", "1");
	} else if (ev->name_len == 8 && !memcmp(ev->name, "cpu_idle", 8)) {
		expect_u64(ev, "state", 4294967295ull);
	}
}

static void test_seed004_fields(void **st)
{
	struct ls_ft_counts c;

	(void)st;
	each_line(files[SEED004].file, &c, on_seed004_fields, NULL);
}

static void on_seed000(int kind, const struct ls_ft_event *ev, void *ctx)
{
	int *n = ctx;

	if (kind != LS_FT_FUNCTION)
		return;
	if ((*n)++ == 1) { /* "<...>-4170    0d...3..    3us : .deactivate_task <-.__schedule" */
		assert_comm(ev, "<...>");
		assert_int_equal(ev->pid, 4170);
		assert_int_equal(ev->cpu, 0);
		assert_flags(ev, "d...3..");
		assert_int_equal(ev->ts_kind, LS_FT_TS_US);
		assert_true(ev->ts == 3000);
		assert_name(ev, ".deactivate_task");
		assert_fields(ev, "<-.__schedule");
	}
	if (*n == 322)
		assert_name(ev, "<stack trace>");
}

static void test_seed000_function(void **st)
{
	struct ls_ft_counts c;
	int n = 0;

	(void)st;
	each_line(files[SEED000].file, &c, on_seed000, &n);
	assert_counts(&files[SEED000], &c);
	assert_int_equal(n, 322);
}

static void on_seed001(int kind, const struct ls_ft_event *ev, void *ctx)
{
	int *n = ctx;

	if (kind != LS_FT_FUNCTION)
		return;
	(*n)++;
	assert_true(ev->cpu == 2 || ev->cpu == -1); /* -1: the dash separators */
	assert_int_equal(ev->pid, -1);
}

static void test_seed001_function_graph(void **st)
{
	struct ls_ft_counts c;
	int n = 0;

	(void)st;
	each_line(files[SEED001].file, &c, on_seed001, &n);
	assert_counts(&files[SEED001], &c);
	assert_int_equal(n, 178);
}

/* --- real captures from this machine ----------------------------------------- */

struct capture_seen {
	int events, flagged, tgid_known, tgid_unknown, counter, us, memfd, instance;
	uint64_t lost;
};

static void on_capture(int kind, const struct ls_ft_event *ev, void *ctx)
{
	struct capture_seen *s = ctx;

	if (kind == LS_FT_LOST)
		s->lost += ev->lost;
	if (kind != LS_FT_EVENT)
		return;
	s->events++;
	s->flagged += ev->flags_len > 0;
	s->tgid_known += ev->tgid >= 0;
	s->tgid_unknown += ev->tgid == LS_FT_TGID_UNKNOWN;
	s->counter += ev->ts_kind == LS_FT_TS_COUNTER;
	s->us += ev->ts_kind == LS_FT_TS_US;
	s->instance += ev->instance_len == 6 && !memcmp(ev->instance, "q23076", 6);
	if (ev->comm_len == 15 && !memcmp(ev->comm, "memfd:sealed-91", 15)) {
		s->memfd++;
		assert_int_equal(ev->pid, 23075);
	}
}

static struct capture_seen capture(const char *file)
{
	struct capture_seen s = { 0 };
	struct ls_ft_counts c;

	each_line(file, &c, on_capture, &s);
	return s;
}

static void test_capture_columns(void **st)
{
	struct capture_seen s;

	(void)st;
	s = capture("ftrace_irqinfo.txt");
	assert_int_equal(s.flagged, 200);
	s = capture("ftrace_noirqinfo.txt");
	assert_int_equal(s.flagged, 0);
	s = capture("ftrace_tgid.txt");
	assert_int_equal(s.tgid_known + s.tgid_unknown, 200);
	assert_int_equal(s.tgid_unknown, 133); /* grep -c -- '(-------)' */
	assert_int_equal(s.memfd, 30);         /* grep -c 'memfd:sealed-91-' */
	s = capture("ftrace_counter.txt");
	assert_int_equal(s.counter, 200);
	s = capture("ftrace_latency.txt");
	assert_int_equal(s.us, 150);
	assert_int_equal(s.flagged, 150);
	s = capture("ftrace_pipe_lost.txt");
	assert_true(s.lost == 295350 + 231580);
	s = capture("ftrace_tracecmd.txt");
	assert_int_equal(s.instance, 200);
	assert_int_equal(s.flagged, 0);
	s = capture("ftrace_tracecmd_lat.txt");
	assert_int_equal(s.flagged, 120);
}

static void test_capture_lines(void **st)
{
	struct ls_ft_event ev;

	(void)st;
	assert_int_equal(parse(" memfd:sealed-91-23075   (  23075) [000] .....   836.652186: "
			       "hrtimer_setup: hrtimer=00000000dc2829de clockid=CLOCK_MONOTONIC "
			       "mode=ABS", &ev), LS_FT_EVENT);
	assert_comm(&ev, "memfd:sealed-91");
	assert_int_equal(ev.pid, 23075);
	assert_int_equal(ev.tgid, 23075);
	assert_int_equal(ev.cpu, 0);
	assert_flags(&ev, ".....");
	assert_true(ev.ts == 836652186000ull);
	assert_name(&ev, "hrtimer_setup");
	expect_str(&ev, "clockid", "CLOCK_MONOTONIC");

	assert_int_equal(parse("          <idle>-0       (-------) [000] dN.2.   836.652143: "
			       "hrtimer_start: hrtimer=000000009fa98976 function=tick_nohz_handler",
			       &ev), LS_FT_EVENT);
	assert_int_equal(ev.tgid, LS_FT_TGID_UNKNOWN);

	assert_int_equal(parse("q23076:      rcu_preempt-15    [001]   848.870297: sched_switch:"
			       "         rcu_preempt:15 [120] W ==> swapper/1:0 [120]", &ev),
			 LS_FT_EVENT);
	assert_span(ev.instance, ev.instance_len, "q23076");
	assert_comm(&ev, "rcu_preempt");
	assert_int_equal(ev.pid, 15);
	assert_int_equal(ev.cpu, 1);
	assert_fields(&ev, "rcu_preempt:15 [120] W ==> swapper/1:0 [120]");

	assert_int_equal(parse("q23076:           <idle>-0     [001]   848.870280311: softirq_exit:"
			       "         vec=7 [action=SCHED]", &ev), LS_FT_EVENT);
	assert_true(ev.ts == 848870280311ull);
	expect_u64(&ev, "vec", 7);
	expect_str(&ev, "action", "SCHED");

	/* trace-cmd report --ts-diff */
	assert_int_equal(parse("q23076:           <idle>-0     [000]   848.838127: (+11)    "
			       "call_function_single_exit: vector=251", &ev), LS_FT_EVENT);
	assert_name(&ev, "call_function_single_exit");
	expect_u64(&ev, "vector", 251);

	assert_int_equal(parse("q23076:   <idle>-0       1.Ns1.   848.870280: softirq_exit:"
			       "         vec=7 [action=SCHED]", &ev), LS_FT_EVENT);
	assert_int_equal(ev.cpu, 1);
	assert_flags(&ev, ".Ns1.");

	assert_int_equal(parse("workload-29280     1d..2. 1176026389us : sched_switch: prev_comm="
			       "workload prev_pid=29280", &ev), LS_FT_EVENT);
	assert_int_equal(ev.cpu, 1);
	assert_int_equal(ev.ts_kind, LS_FT_TS_US);
	assert_true(ev.ts == 1176026389000ull);

	assert_int_equal(parse(" memfd:sealed-91-23075   [000] d..1.          283: hrtimer_start: "
			       "hrtimer=0000000042365a5b", &ev), LS_FT_EVENT);
	assert_int_equal(ev.ts_kind, LS_FT_TS_COUNTER);
	assert_true(ev.ts == 283);

	assert_int_equal(parse("        workload-28809   [000] d..1.  1155.124923: timer_start: "
			       "timer=0000000052e01526 function=process_timeout expires=4295181508 "
			       "[timeout=500] bucket_expiry=4295181512 cpu=0 idx=89 flags=", &ev),
			 LS_FT_EVENT);
	expect_u64(&ev, "timeout", 500);
	expect_u64(&ev, "cpu", 0);
	expect_str(&ev, "flags", "");
}

/* --- comms, timestamps, flags ----------------------------------------------- */

static void test_comms(void **st)
{
	struct ls_ft_event ev;

	(void)st;
	assert_int_equal(parse("       CPU 0/KVM-7289    [003] .... 1234.567890: kvm_exit: vcpu 1 "
			       "reason HLT", &ev), LS_FT_EVENT);
	assert_comm(&ev, "CPU 0/KVM");
	assert_int_equal(ev.pid, 7289);
	assert_flags(&ev, "....");

	assert_int_equal(parse("kworker/u8:2-events_unbound-123 [001] d..1 5.000001: workqueue_"
			       "execute_start: work struct 00000000abcd", &ev), LS_FT_EVENT);
	assert_comm(&ev, "kworker/u8:2-events_unbound");
	assert_int_equal(ev.pid, 123);
	assert_name(&ev, "workqueue_execute_start");

	assert_int_equal(parse("<...>-77375 [017] 316004.317570: hrtimer_cancel: hrtimer=1", &ev),
			 LS_FT_EVENT);
	assert_comm(&ev, "<...>");
	assert_int_equal(ev.pid, 77375);
	assert_int_equal(ev.cpu, 17);

	assert_int_equal(parse("foo-1-2-5 [000] 1.000000: e: x", &ev), LS_FT_EVENT);
	assert_comm(&ev, "foo-1-2");
	assert_int_equal(ev.pid, 5);

	/* a '-digits ' inside the comm that does not lead to a valid header */
	assert_int_equal(parse("a-1 b-22 [002] 1.000000: e: x", &ev), LS_FT_EVENT);
	assert_comm(&ev, "a-1 b");
	assert_int_equal(ev.pid, 22);

	assert_int_equal(parse("-5 [000] 1.000000: e: x", &ev), LS_FT_EVENT);
	assert_int_equal(ev.comm_len, 0);
	assert_int_equal(ev.pid, 5);

	assert_int_equal(parse("buf: bash-12 [000] 1.000000: e: x", &ev), LS_FT_EVENT);
	assert_span(ev.instance, ev.instance_len, "buf");
	assert_comm(&ev, "bash");
}

static void test_timestamps(void **st)
{
	(void)st;
	expect_ts("<...>-1 [017] 316004.317570: e: x", LS_FT_TS_NS, 316004317570000ull);
	expect_ts("a-1 [000] 1234.123456789: e: x", LS_FT_TS_NS, 1234123456789ull);
	expect_ts("a-1 [000] 1.5: e: x", LS_FT_TS_NS, 1500000000ull);
	expect_ts("a-1 [000] 0.000001: e: x", LS_FT_TS_NS, 1000);
	expect_ts("a-1 [000] 0.000000001: e: x", LS_FT_TS_NS, 1);
	expect_ts("a-1 [000] 18446744073.709551615: e: x", LS_FT_TS_NS, UINT64_MAX);
	expect_ts("a-1 [000] 2175952721735: e: x", LS_FT_TS_COUNTER, 2175952721735ull);
	expect_ts("a-1 [000] 18446744073709551615: e: x", LS_FT_TS_COUNTER, UINT64_MAX);
	expect_ts("a-1 0d..2. 871320036us!: e: x", LS_FT_TS_US, 871320036000ull);
	expect_ts("a-1 0d..2.    3us : e: x", LS_FT_TS_US, 3000);
	expect_ts("a-1 0d..2. 12us: e: x", LS_FT_TS_US, 12000);
	/* overflow, 10 decimals, empty fraction, no digits */
	expect_kind("a-1 [000] 18446744073.709551616: e: x", LS_FT_GARBAGE);
	expect_kind("a-1 [000] 18446744073709551616: e: x", LS_FT_GARBAGE);
	expect_kind("a-1 [000] 1.0123456789: e: x", LS_FT_GARBAGE);
	expect_kind("a-1 [000] 1.: e: x", LS_FT_GARBAGE);
	expect_kind("a-1 [000] .5: e: x", LS_FT_GARBAGE);
	expect_kind("a-1 0d..2. 18446744073709552us : e: x", LS_FT_GARBAGE);
}

static void test_flags(void **st)
{
	struct ls_ft_event ev;

	(void)st;
	assert_int_equal(parse("a-1 [000] 1.0: e: x", &ev), LS_FT_EVENT);
	assert_int_equal(ev.flags_len, 0);
	assert_int_equal(parse("a-1 [000] dNs.. 1.0: e: x", &ev), LS_FT_EVENT);
	assert_flags(&ev, "dNs..");
	assert_int_equal(parse("a-1 [000] d..1 1.0: e: x", &ev), LS_FT_EVENT);
	assert_flags(&ev, "d..1");
	assert_int_equal(parse("a-1 [000] d...3.. 1.0: e: x", &ev), LS_FT_EVENT);
	assert_flags(&ev, "d...3..");
	assert_int_equal(parse("a-1 [000] X.... 1.0: e: x", &ev), LS_FT_EVENT);
	assert_flags(&ev, "X....");
	expect_kind("a-1 [000] d.......... 1.0: e: x", LS_FT_GARBAGE); /* 11 chars */
	expect_kind("a-1 [000] d.|.. 1.0: e: x", LS_FT_GARBAGE);
	expect_kind("a-1 0 1.0: e: x", LS_FT_GARBAGE); /* latency cpu without flags */
}

/* --- other line classes -------------------------------------------------------- */

static void test_functions(void **st)
{
	struct ls_ft_event ev;

	(void)st;
	assert_int_equal(parse("            bash-23735   [001] .....   835.870571: do_sys_open "
			       "<-do_syscall_64", &ev), LS_FT_FUNCTION);
	assert_comm(&ev, "bash");
	assert_int_equal(ev.cpu, 1);
	assert_name(&ev, "do_sys_open");
	assert_fields(&ev, "<-do_syscall_64");
	expect_kind("bash-1 [001] 1.000000: do_idle", LS_FT_FUNCTION);
	expect_kind("bash-1 [001] 1.000000: function:             do_idle <-- cpu_startup",
		    LS_FT_FUNCTION);
	expect_kind("bash-1 [001] 1.000000: funcgraph_entry:        |  do_idle() {",
		    LS_FT_FUNCTION);
	expect_kind("bash-1 [001] 1.000000: funcgraph_exit:   0.5 us   |  }", LS_FT_FUNCTION);
	assert_int_equal(parse("  2)   0.469 us    |          __srcu_read_lock();", &ev),
			 LS_FT_FUNCTION);
	assert_int_equal(ev.cpu, 2);
	assert_int_equal(parse(" 1234.567890 |  11)   0.469 us    |  foo();", &ev), LS_FT_FUNCTION);
	assert_int_equal(ev.cpu, 11);
	expect_kind("  2)    <idle>-0    => fa_pmu.-14368 ", LS_FT_FUNCTION);
	expect_kind("  2) $ 1751875 us  |        } /* mwait_idle */", LS_FT_FUNCTION);
	expect_kind("   0.469 us    |  foo();", LS_FT_FUNCTION);
	expect_kind(" + 41.532 us   |  } /* cpu_stop_queue_work */", LS_FT_FUNCTION);
	expect_kind(" ------------------------------------------", LS_FT_FUNCTION);
	expect_kind(" ---------", LS_FT_GARBAGE);
	expect_kind("1) First point", LS_FT_GARBAGE);
	expect_kind("1)tick_nohz_stop_idle()->update_ts_time_stats()", LS_FT_GARBAGE);
	expect_kind("  2) foo", LS_FT_GARBAGE);
}

static void test_lost(void **st)
{
	struct ls_ft_event ev;

	(void)st;
	assert_int_equal(parse("CPU:0 [LOST 295350 EVENTS]", &ev), LS_FT_LOST);
	assert_int_equal(ev.cpu, 0);
	assert_true(ev.lost == 295350);
	assert_int_equal(parse("CPU:7 [204600 EVENTS DROPPED]\r\n", &ev), LS_FT_LOST);
	assert_int_equal(ev.cpu, 7);
	assert_true(ev.lost == 204600);
	assert_int_equal(parse("CPU:3 [EVENTS DROPPED]", &ev), LS_FT_LOST);
	assert_int_equal(ev.cpu, 3);
	assert_true(ev.lost == 0);
	assert_int_equal(parse("inst: CPU:1 [LOST 5 EVENTS]", &ev), LS_FT_LOST);
	assert_true(ev.lost == 5);
	expect_kind("CPU:0 [LOST x EVENTS]", LS_FT_GARBAGE);
	expect_kind("CPU:0 [LOST 5 EVENTS] trailing", LS_FT_GARBAGE);
	expect_kind("CPU:x [LOST 5 EVENTS]", LS_FT_GARBAGE);
	expect_kind("CPU:0 [5 EVENTS]", LS_FT_GARBAGE);
}

static void test_comments(void **st)
{
	struct ls_ft_counts c = { 0 };
	struct ls_ft_event ev;
	static const char *const lines[] = {
		"\xef\xbb\xbf# tracer: function\r",
		"#",
		"# entries-in-buffer/entries-written: 650/526670   #P:2",
		"cpus=2",
		"version = 6",
		"CPU 1 is empty",
	};

	(void)st;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		int kind = parse(lines[i], &ev);

		assert_int_equal(kind, LS_FT_COMMENT);
		ls_ft_count(&c, kind, &ev);
	}
	assert_string_equal(c.tracer, "function");
	assert_true(c.overwritten == 526670 - 650);
	assert_int_equal(c.comments, 6);
	assert_int_equal(parse("  # tracer:   a_very_long_tracer_name_beyond_thirty_one", &ev),
			 LS_FT_COMMENT);
	ls_ft_count(&c, LS_FT_COMMENT, &ev);
	assert_string_equal(c.tracer, "a_very_long_tracer_name_beyond_");
	expect_kind("cpus=x", LS_FT_GARBAGE);
	expect_kind("cpus=2 more", LS_FT_GARBAGE);
	expect_kind("cpus=", LS_FT_GARBAGE);
	expect_kind("CPU 1 is", LS_FT_GARBAGE);
	expect_kind("CPU 1 is empty!", LS_FT_GARBAGE);
}

static void test_blank_crlf_nul_bom(void **st)
{
	struct ls_ft_event ev;
	const char *v;
	size_t n;
	static const char nul_line[] = "a-1 [000] 1.0: e: k=v\0z  \0\0\r\n";

	(void)st;
	expect_kind("", LS_FT_BLANK);
	expect_kind("\r\n", LS_FT_BLANK);
	expect_kind(" \t \r", LS_FT_BLANK);
	expect_kind("\xef\xbb\xbf", LS_FT_BLANK);
	assert_int_equal(ls_ft_parse_line("\0\0\0", 3, &ev), LS_FT_BLANK);
	assert_int_equal(ls_ft_parse_line(NULL, 0, &ev), LS_FT_BLANK);

	assert_int_equal(parse("\xef\xbb\xbf<idle>-0 [017] 316004.317563: hrtimer_cancel: "
			       "hrtimer=ffff880130ad8610  \r\n", &ev), LS_FT_EVENT);
	assert_comm(&ev, "<idle>");
	assert_fields(&ev, "hrtimer=ffff880130ad8610");

	/* NULs inside stay (length-delimited); trailing ones are padding */
	assert_int_equal(ls_ft_parse_line(nul_line, sizeof(nul_line) - 1, &ev), LS_FT_EVENT);
	assert_int_equal(ev.fields_len, 5);
	assert_memory_equal(ev.fields, "k=v\0z", 5);
	assert_int_equal(ls_ft_field_str(&ev, "k", &v, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(v, "v\0z", 3);
}

static void test_malformed(void **st)
{
	static const char *const bad[] = {
		"bash-12 [000] 1.000000:",
		"bash-12 [000] 1.000000:   ",
		"bash-12 [000] 1.000000: :",
		"bash-12 [000] 1.000000:e: x",
		"bash-12 [000]",
		"bash-12 [000] e: x",
		"bash-12 [0x1] 1.0: e: x",
		"bash-12 [000 1.0: e: x",
		"bash-12 [] 1.0: e: x",
		"bash-12 [-1] 1.0: e: x",
		"bash-abc [000] 1.0: e: x",
		"bash-12[000] 1.0: e: x",
		"bash-99999999999 [000] 1.0: e: x",
		"bash-2147483648 [000] 1.0: e: x",
		"bash-12 [2147483648] 1.0: e: x",
		"bash-12 (123 [000] 1.0: e: x",
		"bash-12 (abc) [000] 1.0: e: x",
		"bash-12 (123) 0d... 1.0: e: x",
		"bash-12 ( 123) [000]1.0: e: x",
		"bash-12 [000] 1.0 : e: x",
		"bash [000] 1.0: e: x",
		"[000] 1.0: e: x",
		"> this is a quoted mail line",
		"\x01\x02\x03\xff\xfe",
		"-",
		"-1",
		"-1 ",
		"-1 [",
		"-1 [0",
		"-1 [0]",
		"-1 [0] ",
		"-1 [0] d",
		"-1 [0] 1",
		"-1 [0] 1.",
		"-1 [0] 1us",
	};

	(void)st;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_kind(bad[i], LS_FT_GARBAGE);
	expect_kind("bash-2147483647 [000] 1.0: e: x", LS_FT_EVENT);
}

/* Every prefix of valid lines, from an exact-size copy (ASan: no over-read). */
static void test_truncated_lines(void **st)
{
	static const char *const lines[] = {
		"q1:  CPU 0/KVM-7289   (  7289) [003] d.h1. 1234.123456789: kvm_exit: vcpu 1 "
		"reason EXTERNAL_INTERRUPT rip 0xffffffff81000000 info1 0x0",
		"    <...>-4170    0d...3..    3us : .deactivate_task <-.__schedule",
		" 1234.567890 |   2)   0.469 us    |  __srcu_read_lock();",
		"CPU:7 [204600 EVENTS DROPPED]",
	};
	static const char full_fields[] = "vcpu 1 reason EXTERNAL_INTERRUPT rip 0xffffffff81000000 info1 0x0";

	(void)st;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		size_t len = strlen(lines[i]);

		for (size_t k = 0; k <= len; k++) {
			char *copy = malloc(k ? k : 1);
			struct ls_ft_event ev;
			int kind;

			assert_non_null(copy);
			memcpy(copy, lines[i], k);
			kind = ls_ft_parse_line(copy, k, &ev);
			assert_true(kind >= LS_FT_EVENT && kind <= LS_FT_GARBAGE);
			if (kind == LS_FT_EVENT) {
				/* cut inside the fields: the header is whole */
				assert_int_equal(ev.pid, 7289);
				assert_true(ev.ts == 1234123456789ull);
				assert_true(ev.fields_len <= strlen(full_fields));
				assert_memory_equal(ev.fields, full_fields, ev.fields_len);
			}
			free(copy);
		}
	}
	/* cut inside the timestamp */
	expect_kind("<...>-77375 [017] 316004.3175", LS_FT_GARBAGE);
}

/* --- field helpers --------------------------------------------------------------- */

static void test_fields(void **st)
{
	struct ls_ft_event ev;
	uint64_t v;
	const char *s;
	size_t n;

	(void)st;
	assert_int_equal(parse("<idle>-0 [017] 1.0: sched_switch: prev_comm=CPU 0/KVM prev_pid=7289 "
			       "prev_prio=120 prev_state=R+ ==> next_comm=kworker/u8:2 next_pid=123 "
			       "next_prio=120", &ev), LS_FT_EVENT);
	expect_text(&ev, "prev_comm", "CPU 0/KVM");
	expect_text(&ev, "next_comm", "kworker/u8:2");
	expect_text(&ev, "prev_state", "R+");
	assert_int_equal(parse("a-1 [000] 1.0: e: a=x  y   b=1 c= \td=", &ev), LS_FT_EVENT);
	expect_text(&ev, "a", "x  y");
	expect_text(&ev, "c", "");
	expect_text(&ev, "d", "");
	assert_int_equal(parse("<idle>-0 [017] 1.0: sched_switch: prev_comm=CPU 0/KVM prev_pid=7289 "
			       "prev_prio=120 prev_state=R+ ==> next_comm=kworker/u8:2 next_pid=123 "
			       "next_prio=120", &ev), LS_FT_EVENT);
	expect_text(&ev, "next_prio", "120");
	expect_str(&ev, "prev_comm", "CPU");
	expect_u64(&ev, "prev_pid", 7289);
	expect_u64(&ev, "next_pid", 123);
	/* "pid" is not "prev_pid" */
	assert_int_equal(ls_ft_field_u64(&ev, "pid", &v), -ENOENT);
	assert_int_equal(ls_ft_field_u64(&ev, "prev_state", &v), -EINVAL);
	assert_int_equal(ls_ft_field_hex(&ev, "prev_state", &v), -EINVAL);
	assert_int_equal(ls_ft_field_text(&ev, "comm", &s, &n), -ENOENT);
	assert_int_equal(ls_ft_parse_u64(NULL, 0, 0, &v), -EINVAL);
	assert_int_equal(ls_ft_field_str(&ev, "", &s, &n), -ENOENT);

	assert_int_equal(parse("a-1 [000] 1.0: irq_handler_entry: irq=24 name=virtio0-input.0", &ev),
			 LS_FT_EVENT);
	expect_u64(&ev, "irq", 24);
	expect_str(&ev, "name", "virtio0-input.0");
	expect_text(&ev, "name", "virtio0-input.0");

	assert_int_equal(parse("a-1 [000] 1.0: e: a=0x1f b=0X1F c=017 d=18446744073709551615 "
			       "e=18446744073709551616 f=ffffffffffffffff g=1ffffffffffffffff h=0x "
			       "i=12, j=(x) k=", &ev), LS_FT_EVENT);
	expect_u64(&ev, "a", 31);
	expect_u64(&ev, "b", 31);
	expect_u64(&ev, "c", 17);
	expect_u64(&ev, "d", UINT64_MAX);
	assert_int_equal(ls_ft_field_u64(&ev, "e", &v), -EINVAL);
	assert_int_equal(ls_ft_field_hex(&ev, "f", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(ls_ft_field_hex(&ev, "g", &v), -EINVAL);
	assert_int_equal(ls_ft_field_u64(&ev, "h", &v), -EINVAL);
	expect_u64(&ev, "i", 12);
	expect_str(&ev, "j", "(x)"); /* no opener before the key: kept */
	expect_str(&ev, "k", "");
	assert_int_equal(ls_ft_field_u64(&ev, "k", &v), -EINVAL);

	assert_int_equal(parse("a-1 [000] 1.0: e: hrtimer=000000004cb9887a", &ev), LS_FT_EVENT);
	assert_int_equal(ls_ft_field_hex(&ev, "hrtimer", &v), 0);
	assert_true(v == 0x4cb9887aull);

	/* helpers on lines that are not events find nothing */
	parse("garbage", &ev);
	assert_int_equal(ls_ft_field_str(&ev, "x", &s, &n), -ENOENT);
	assert_int_equal(ls_ft_word_after(&ev, "x", &s, &n), -ENOENT);
}

static void test_words(void **st)
{
	struct ls_ft_event ev;
	uint64_t v;
	const char *s;
	size_t n;

	(void)st;
	assert_int_equal(parse("a-1 [000] 1.0: kvm_exit: reason APIC_ACCESS rip 0xffffffff8104d1cc "
			       "info 10b0 0", &ev), LS_FT_EVENT);
	expect_word(&ev, "reason", "APIC_ACCESS");
	expect_word(&ev, "rip", "0xffffffff8104d1cc");
	expect_word(&ev, "info", "10b0");
	assert_int_equal(ls_ft_word_after(&ev, "info", &s, &n), 0);
	assert_int_equal(ls_ft_parse_u64(s, n, 1, &v), 0);
	assert_true(v == 0x10b0);
	assert_int_equal(ls_ft_parse_u64(s, n, 0, &v), -EINVAL);

	assert_int_equal(parse("a-1 [000] 1.0: kvm_exit: vcpu 1 reason EXTERNAL_INTERRUPT rip "
			       "0xffffffff81000000 info1 0x0000000000000000 info2 0x0 intr_info "
			       "0x800000ec error_code 0x00000000", &ev), LS_FT_EVENT);
	expect_word(&ev, "vcpu", "1");
	expect_word(&ev, "reason", "EXTERNAL_INTERRUPT");
	expect_word(&ev, "intr_info", "0x800000ec");
	assert_int_equal(ls_ft_word_after(&ev, "error_code", &s, &n), 0);
	assert_int_equal(ls_ft_word_after(&ev, "reasons", &s, &n), -ENOENT);
	assert_int_equal(ls_ft_word_after(&ev, "EXTERNAL", &s, &n), -ENOENT);

	assert_int_equal(parse("a-1 [000] 1.0: kvm_entry: vcpu 1, rip 0xffffffff81000000", &ev),
			 LS_FT_EVENT);
	expect_word(&ev, "vcpu", "1");
	expect_word(&ev, "rip", "0xffffffff81000000");
	assert_int_equal(parse("a-1 [000] 1.0: kvm_exit: reason", &ev), LS_FT_EVENT);
	assert_int_equal(ls_ft_word_after(&ev, "reason", &s, &n), -ENOENT);
}

/* --- classification ------------------------------------------------------------ */

static enum ls_ft_kind classify_lines(const char *const *lines, size_t n)
{
	struct ls_ft_counts c = { 0 };
	struct ls_ft_event ev;

	for (size_t i = 0; i < n; i++)
		ls_ft_count(&c, parse(lines[i], &ev), &ev);
	return ls_ft_classify(&c);
}

#define CLASSIFY(...) classify_lines((const char *const[]){ __VA_ARGS__ }, \
	sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

static void test_classify(void **st)
{
	(void)st;
	assert_int_equal(CLASSIFY(""), LS_FT_KIND_UNKNOWN);
	assert_int_equal(CLASSIFY("hello", "world"), LS_FT_KIND_UNKNOWN);
	assert_int_equal(CLASSIFY("#!/bin/sh", "# a shell comment"), LS_FT_KIND_UNKNOWN);
	assert_int_equal(CLASSIFY("# tracer: nop", "#"), LS_FT_KIND_EMPTY);
	assert_int_equal(CLASSIFY("cpus=4"), LS_FT_KIND_EMPTY);
	assert_int_equal(CLASSIFY("# tracer: function_graph"), LS_FT_KIND_FUNCTION);
	assert_int_equal(CLASSIFY("# tracer: nop", "a-1 [000] 1.0: e: x", "text"),
			 LS_FT_KIND_EVENTS);
	assert_int_equal(CLASSIFY("a-1 [000] 1.0: e: x", "a-1 [000] 1.0: f <-g"),
			 LS_FT_KIND_FUNCTION);
	assert_int_equal(CLASSIFY("a-1 [000] 1.0: e: x", "a-1 [000] 1.0: e: x",
				  "a-1 [000] 1.0: f <-g"), LS_FT_KIND_EVENTS);
	assert_string_equal(ls_ft_kind_name(LS_FT_KIND_FUNCTION), "function tracer trace");
	assert_string_equal(ls_ft_kind_name(LS_FT_KIND_EVENTS), "event trace");
	assert_string_equal(ls_ft_kind_name(LS_FT_KIND_EMPTY), "empty event trace");
	assert_string_equal(ls_ft_kind_name(LS_FT_KIND_UNKNOWN), "not ftrace text");
}

/* --- reader ---------------------------------------------------------------------- */

struct source {
	const char *p;
	size_t left;
	size_t chunk;
	int fail_once; /* return -1/EIO once before the data */
};

static ssize_t read_mem(void *ctx, char *buf, size_t len)
{
	struct source *s = ctx;
	size_t n = len < s->chunk ? len : s->chunk;

	if (s->fail_once) {
		s->fail_once = 0;
		errno = EIO;
		return -1;
	}
	if (n > s->left)
		n = s->left;
	memcpy(buf, s->p, n);
	s->p += n;
	s->left -= n;
	return (ssize_t)n;
}

static void test_reader_lines(void **st)
{
	static const char text[] = "one\r\n\ntwo\n" "0123456789abcdef\n" "0123456789abcde\n"
				   "0123456789abcdefXYZ\n" "last";
	static const char *const want[] = { "one\r", "", "two", "0123456789abcdef",
					    "0123456789abcde", "0123456789abcdef", "last" };
	static const int rd[] = { LS_FT_RD_LINE, LS_FT_RD_LINE, LS_FT_RD_LINE,
				  LS_FT_RD_TRUNCATED, LS_FT_RD_LINE, LS_FT_RD_TRUNCATED,
				  LS_FT_RD_LINE };

	(void)st;
	/* lines of cap (16) bytes or more are truncated, for any read size */
	for (size_t chunk = 1; chunk <= sizeof(text); chunk++) {
		struct source src = { text, sizeof(text) - 1, chunk, 0 };
		struct ls_ft_reader r;
		char buf[16];
		const char *line;
		size_t len;

		ls_ft_reader_init(&r, read_mem, &src, buf, sizeof(buf));
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			assert_int_equal(ls_ft_reader_line(&r, &line, &len), rd[i]);
			assert_span(line, len, want[i]);
		}
		assert_int_equal(ls_ft_reader_line(&r, &line, &len), LS_FT_RD_EOF);
		assert_int_equal(ls_ft_reader_line(&r, &line, &len), LS_FT_RD_EOF);
	}
}

static void test_reader_errors(void **st)
{
	struct source src = { "a-1 [000] 1.0: e: x\n", 20, 64, 1 };
	struct ls_ft_reader r;
	struct ls_ft_event ev;
	char buf[64];
	const char *line;
	size_t len;

	(void)st;
	ls_ft_reader_init(&r, read_mem, &src, buf, 0);
	assert_int_equal(ls_ft_reader_line(&r, &line, &len), -EINVAL);
	ls_ft_reader_init(&r, read_mem, &src, buf, sizeof(buf));
	assert_int_equal(ls_ft_reader_next(&r, &ev), -EIO);
	assert_int_equal(ls_ft_reader_next(&r, &ev), LS_FT_EVENT); /* retried */
	assert_int_equal(ls_ft_reader_next(&r, &ev), 0);
	assert_true(r.counts.lines == 1 && r.counts.events == 1);

	/* an error while skipping a truncated line is retried too */
	src = (struct source){ "0123456789abcdefghij\nok\n", 24, 16, 0 };
	ls_ft_reader_init(&r, read_mem, &src, buf, 16);
	assert_int_equal(ls_ft_reader_next(&r, &ev), LS_FT_TRUNCATED);
	src.fail_once = 1;
	assert_int_equal(ls_ft_reader_next(&r, &ev), -EIO);
	assert_int_equal(ls_ft_reader_line(&r, &line, &len), LS_FT_RD_LINE);
	assert_span(line, len, "ok");
	assert_true(r.counts.truncated == 1 && r.counts.lines == 1);
}

/* A callback claiming more bytes than it was asked for. */
static ssize_t read_too_much(void *ctx, char *buf, size_t len)
{
	(void)ctx;
	memset(buf, 'x', len);
	return (ssize_t)len + 1;
}

static void test_reader_bad_callback(void **st)
{
	struct ls_ft_reader r;
	char buf[8];
	const char *line;
	size_t len;

	(void)st;
	ls_ft_reader_init(&r, read_too_much, NULL, buf, sizeof(buf));
	assert_int_equal(ls_ft_reader_line(&r, &line, &len), -EIO);
	assert_true(r.end == 0);
}

/* Produces event lines on the fly, line huge_at replaced by huge 'x's. */
struct gen {
	uint64_t lines, next, huge_at, huge, huge_left;
	char line[128];
	size_t off, len;
};

static void gen_next(struct gen *g)
{
	unsigned long long i = g->next++;

	g->off = 0;
	g->len = 0;
	if (i == g->huge_at)
		g->huge_left = g->huge + 1; /* and its '\n' */
	else
		g->len = (size_t)snprintf(g->line, sizeof(g->line),
					  "  task-%llu [%03llu] %llu.%06llu: irq_handler_entry: "
					  "irq=%llu name=x\n", i, i % 64, i / 1000000, i % 1000000,
					  i % 7);
}

static ssize_t read_gen(void *ctx, char *buf, size_t cap)
{
	struct gen *g = ctx;
	size_t n = 0;

	while (n < cap) {
		if (g->huge_left) {
			buf[n++] = --g->huge_left ? 'x' : '\n';
		} else if (g->off < g->len) {
			buf[n++] = g->line[g->off++];
		} else if (g->next < g->lines) {
			gen_next(g);
		} else {
			break;
		}
	}
	return (ssize_t)n;
}

static void test_reader_stream(void **st)
{
	struct gen g = { .lines = 200000, .huge_at = 1000, .huge = 3u << 20 };
	struct ls_ft_reader r;
	struct ls_ft_event ev;
	char buf[4096];
	uint64_t irq_sum = 0, want_sum = 0;
	int kind;

	(void)st;
	ls_ft_reader_init(&r, read_gen, &g, buf, sizeof(buf));
	while ((kind = ls_ft_reader_next(&r, &ev)) > 0) {
		uint64_t irq;

		if (kind != LS_FT_EVENT)
			continue;
		assert_int_equal(ls_ft_field_u64(&ev, "irq", &irq), 0);
		assert_true(irq == (uint64_t)ev.pid % 7);
		assert_int_equal(ev.cpu, ev.pid % 64);
		irq_sum += irq;
	}
	assert_int_equal(kind, 0);
	for (uint64_t i = 0; i < g.lines; i++)
		if (i != g.huge_at)
			want_sum += i % 7;
	assert_true(r.counts.lines == 200000);
	assert_true(r.counts.events == 199999);
	assert_true(r.counts.truncated == 1);
	assert_true(irq_sum == want_sum);
}

static void test_reader_chunked_seed(void **st)
{
	static char text[65536];
	char path[512];
	FILE *f = fopen(data_path(files[SEED004].file, path, sizeof(path)), "rb");
	size_t size;

	(void)st;
	assert_non_null(f);
	size = fread(text, 1, sizeof(text), f);
	fclose(f);
	for (size_t chunk = 1; chunk < 300; chunk += 37) {
		struct source src = { text, size, chunk, 0 };
		struct ls_ft_reader r;
		struct ls_ft_event ev;
		char buf[256];

		ls_ft_reader_init(&r, read_mem, &src, buf, sizeof(buf));
		while (ls_ft_reader_next(&r, &ev) > 0)
			;
		assert_counts(&files[SEED004], &r.counts);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_seed004_kvm),
		cmocka_unit_test(test_seed004_fields),
		cmocka_unit_test(test_seed000_function),
		cmocka_unit_test(test_seed001_function_graph),
		cmocka_unit_test(test_capture_columns),
		cmocka_unit_test(test_capture_lines),
		cmocka_unit_test(test_comms),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_functions),
		cmocka_unit_test(test_lost),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_blank_crlf_nul_bom),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncated_lines),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_reader_lines),
		cmocka_unit_test(test_reader_errors),
		cmocka_unit_test(test_reader_bad_callback),
		cmocka_unit_test(test_reader_stream),
		cmocka_unit_test(test_reader_chunked_seed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
