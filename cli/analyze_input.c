// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* latscope analyze: the summary of what was read (lib/report_input.c's
 * "input" object) as text. */
#include <stdio.h>
#include <string.h>

#include "analyze.h"
#include "fmt.h"
#include "jget.h"
#include "units.h"

/* "name N, name N, ..." of an object of counts, wrapped under a label. */
static void print_counts(const char *label, json_object *o)
{
	size_t col = 0;

	if (!o || !json_object_object_length(o))
		return;
	printf("  %s:", label);
	col = strlen(label) + 3;
	json_object_object_foreach(o, k, v) {
		char item[128];
		int n = snprintf(item, sizeof(item), " %s %lld", k,
				 (long long)json_object_get_int64(v));

		if (col + (size_t)n > 78) {
			printf("\n   ");
			col = 3;
		}
		printf("%s", item);
		col += (size_t)n;
	}
	putchar('\n');
}

static uint64_t u64(json_object *o, const char *k)
{
	uint64_t v = 0;

	jget_u64(o, k, &v);
	return v;
}

static void print_format(json_object *in)
{
	json_object *f = jget(in, "format", json_type_object);
	const char *tracer = jget_str(f, "tracer");
	char span[FMT_LEN];

	printf("%s: %s", jget_str(in, "file"), jget_str(f, "kind"));
	if (tracer && *tracer)
		printf(" (tracer %s)", tracer);
	printf(", timestamps %s", jget_str(f, "timestamps"));
	if (json_object_get_boolean(jget(f, "irq_info", json_type_boolean)))
		printf(", irq-info column");
	if (json_object_get_boolean(jget(f, "tgid", json_type_boolean)))
		printf(", TGID column");
	if (json_object_get_boolean(jget(f, "trace_cmd_buffers", json_type_boolean)))
		printf(", trace-cmd buffer names");
	printf("\n  %s of trace on %llu CPU%s\n",
	       ls_fmt_ns(u64(in, "last_ts_ns") - u64(in, "first_ts_ns"), span, sizeof(span)),
	       (unsigned long long)u64(in, "ncpus"), u64(in, "ncpus") == 1 ? "" : "s");
}

static void print_lines(json_object *l)
{
	printf("  %llu lines: %llu events, %llu function tracer, %llu comments, %llu blank, "
	       "%llu other text",
	       (unsigned long long)u64(l, "total"), (unsigned long long)u64(l, "events"),
	       (unsigned long long)u64(l, "function"), (unsigned long long)u64(l, "comments"),
	       (unsigned long long)u64(l, "blank"), (unsigned long long)u64(l, "other_text"));
	if (u64(l, "truncated"))
		printf(", %llu too long (skipped)", (unsigned long long)u64(l, "truncated"));
	putchar('\n');
	if (u64(l, "lost_markers") || u64(l, "overwritten"))
		printf("  ftrace lost events: %llu LOST/DROPPED markers (%llu events), "
		       "%llu overwritten in the ring buffer\n",
		       (unsigned long long)u64(l, "lost_markers"),
		       (unsigned long long)u64(l, "lost_events"),
		       (unsigned long long)u64(l, "overwritten"));
}

#define OPEN_SHOWN 10 /* open spans listed as text; --json has them all */

static void print_open(json_object *arr, uint64_t total)
{
	size_t n = arr ? json_object_array_length(arr) : 0;

	for (size_t i = 0; i < n && i < OPEN_SHOWN; i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		uint64_t ts = u64(o, "ts_ns");
		char a[FMT_LEN], b[FMT_LEN], c[FMT_LEN];

		printf("    %s %s, pid %llu on CPU %llu, since %llu.%06llu: open %s",
		       jget_str(o, "class"), jget_str(o, "name"),
		       (unsigned long long)u64(o, "pid"), (unsigned long long)u64(o, "cpu"),
		       (unsigned long long)(ts / 1000000000), (unsigned long long)(ts % 1000000000 / 1000),
		       ls_fmt_ns(u64(o, "open_ns"), a, sizeof(a)));
		if (jget(o, "vcpu", json_type_int))
			printf(" (%s of it switched out), vcpu %llu, after %s in the guest",
			       ls_fmt_ns(u64(o, "off_cpu_ns"), b, sizeof(b)),
			       (unsigned long long)u64(o, "vcpu"),
			       ls_fmt_ns(u64(o, "guest_ns"), c, sizeof(c)));
		putchar('\n');
	}
	if (total > OPEN_SHOWN)
		printf("    ... and %llu more (--json lists the first %zu)\n",
		       (unsigned long long)(total - OPEN_SHOWN), n);
}

static uint64_t sum(json_object *o)
{
	uint64_t s = 0;

	if (o) {
		json_object_object_foreach(o, k, v) {
			(void)k;
			s += (uint64_t)json_object_get_int64(v);
		}
	}
	return s;
}

/* One line per approximation or loss that happened. */
static void print_notes(json_object *n)
{
	static const struct {
		const char *key, *text;
	} notes[] = {
		{ "hrtimer_no_expiry", "hrtimer expiries with no (current) hrtimer_start of that "
				       "timer in the trace: run time counted, lateness not known" },
		{ "hrtimer_stale_expiry", "of them: expiry moved without an hrtimer_start (an "
					  "earlier timer interrupt did not run the timer)" },
		{ "hrtimer_cancel_no_fn", "hrtimer cancels of timers never started in the trace: "
					  "function unknown, not counted" },
		{ "hrtimer_dequeues", "hrtimer_cancel events that were an expiry's or re-arm's "
				      "dequeue (kernel without was_armed): not cancels" },
		{ "hrtimer_cancel_unresolved", "hrtimer_cancel events the trace ended before "
					       "telling cancel from dequeue: not counted" },
		{ "timerfd_unattributed", "timerfd expiries with no hrtimer_start of that timer "
					  "in the trace: arming task unknown" },
		{ "ipi_coalesced", "IPI sends served by an earlier send's handler run (coalesced)" },
		{ "wakeup_from_wakeup", "wakeups timed from sched_wakeup (no sched_waking in the "
					"trace): later than the kernel's waking" },
		{ "wakeup_repeated", "wakeups of tasks already waiting to run (the later counts)" },
		{ "wakeup_ran", "wakeups not recorded: the task ran with no switch-in in the "
				"trace (woken while running, or ftrace lost the switch)" },
		{ "wakeup_raced", "wakeups that raced with the task going to sleep (measured "
				  "from sched_waking)" },
		{ "kvm_unknown_reason", "kvm exits with a reason no table knows (key \"other\")" },
		{ "backwards", "spans ending before they began (dropped)" },
		{ "lost_resets", "open spans dropped where ftrace lost events" },
		{ "table_evictions", "timers/wakeups/vCPU threads dropped from full tables" },
		{ "names_overflow", "function names beyond the table (key \"other\")" },
		{ "cpu_out_of_range", "events on CPUs beyond the supported range (ignored)" },
	};

	for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++)
		if (u64(n, notes[i].key))
			printf("  note: %llu %s\n", (unsigned long long)u64(n, notes[i].key),
			       notes[i].text);
}

void analyze_print_input(json_object *in)
{
	json_object *ign = jget(in, "ignored_events", json_type_object);
	json_object *open = jget(in, "open", json_type_array);

	print_format(in);
	print_lines(jget(in, "lines", json_type_object));
	print_counts("events paired", jget(in, "events", json_type_object));
	if (u64(ign, "total")) {
		printf("  events ignored (not latency spans latscope pairs): %llu\n",
		       (unsigned long long)u64(ign, "total"));
		print_counts("  first names", jget(ign, "names", json_type_object));
	}
	if (u64(in, "malformed"))
		printf("  malformed events (fields did not parse, skipped): %llu\n",
		       (unsigned long long)u64(in, "malformed"));
	if (u64(in, "counter_ts"))
		printf("  events with raw counter timestamps (not time, skipped): %llu\n",
		       (unsigned long long)u64(in, "counter_ts"));
	print_counts("records", jget(in, "records", json_type_object));
	print_counts("unpaired", jget(in, "unpaired", json_type_object));
	print_counts("open at end of trace", jget(in, "open_at_end", json_type_object));
	print_open(open, sum(jget(in, "open_at_end", json_type_object)));
	print_notes(jget(in, "notes", json_type_object));
}
