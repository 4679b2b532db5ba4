// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* latscope wakeups: wakeup latency per CPU and scheduling class, timer
 * expiry -> switch-in, and the worst wakeups with victim and culprit. */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "fmt.h"
#include "jget.h"
#include "request.h"
#include "table.h"
#include "units.h"

#define WORST_SHOWN 3 /* per CPU in the table; --json has them all */

static const char *const sched_classes[3] = { "normal", "rt", "dl" };

static void add_summary(struct table *t, json_object *s, int below)
{
	char b[FMT_LEN];

	table_add(t, "%s", jstr_u64(s, "count", b));
	table_add(t, "%s", jstr_dur(s, "p50_ns", b));
	table_add(t, "%s", jstr_dur(s, "p99_ns", b));
	table_add(t, "%s", jstr_dur(s, "max_ns", b));
	if (below)
		table_add(t, "%s", jstr_u64(s, "below_floor", b));
}

/* One row per class that has wakeups ("normal" with zeros when none has). */
static int add_classes(struct table *t, uint64_t cpu, json_object *w, int below, size_t idx)
{
	json_object *classes = jget(w, "classes", json_type_object);
	json_object *timer = jget(w, "timer", json_type_object);
	json_object *c[3], *tc[3];
	int have[3], any = 0, rows = 0;

	if (!classes || !timer)
		return jmalformed("cpus[%zu].wakeups needs \"classes\" and \"timer\"", idx);
	for (int i = 0; i < 3; i++) {
		uint64_t n = 0, tn = 0;

		c[i] = jget(classes, sched_classes[i], json_type_object);
		tc[i] = jget(timer, sched_classes[i], json_type_object);
		if (!jget_u64(c[i], "count", &n) || !jget_u64(tc[i], "count", &tn))
			return jmalformed("cpus[%zu].wakeups: class %s needs a \"count\"",
					  idx, sched_classes[i]);
		have[i] = n || tn;
		any |= have[i];
	}
	for (int i = 0; i < 3; i++) {
		if (!have[i] && (any || i))
			continue;
		if (rows++)
			table_add(t, "%s", "");
		else
			table_add(t, "%llu", (unsigned long long)cpu);
		table_add(t, "%s", sched_classes[i]);
		add_summary(t, c[i], below);
		add_summary(t, tc[i], 0);
	}
	return CLI_EXIT_OK;
}

static const char *task_cell(json_object *task, const char *id_name, char *buf, size_t len)
{
	const char *comm = jget_str(task, "comm");
	uint64_t id;
	double prio;

	if (!task || !comm || !jget_u64(task, id_name, &id) || !jget_num(task, "prio", &prio))
		return "?";
	snprintf(buf, len, "%s-%llu (%d)", *comm ? comm : "?", (unsigned long long)id, (int)prio);
	return buf;
}

static int add_worst(struct table *t, uint64_t cpu, json_object *worst, size_t idx)
{
	size_t n = json_object_array_length(worst);

	for (size_t j = 0; j < n && j < WORST_SHOWN; j++) {
		json_object *e = json_object_array_get_idx(worst, j);
		json_object *flags = jget(e, "flags", json_type_array);
		const char *cls = jget_str(e, "class");
		char b[FMT_LEN], victim[64], culprit[64], fl[64] = "";
		uint64_t lat, waker;

		if (!jget_u64(e, "latency_ns", &lat) || !jget_u64(e, "waker_cpu", &waker) ||
		    !cls || !flags)
			return jmalformed("cpus[%zu].wakeups.worst[%zu] is incomplete", idx, j);
		for (size_t k = 0; k < json_object_array_length(flags); k++) {
			const char *f = json_object_get_string(json_object_array_get_idx(flags, k));
			size_t used = strlen(fl);

			snprintf(fl + used, sizeof(fl) - used, "%s%s", used ? "," : "", f ? f : "?");
		}
		if (j == 0)
			table_add(t, "%llu", (unsigned long long)cpu);
		else
			table_add(t, "%s", "");
		table_add(t, "%s", ls_fmt_ns(lat, b, sizeof(b)));
		table_add(t, "%s", cls);
		table_add(t, "%s", task_cell(jget(e, "victim", json_type_object), "tid",
					     victim, sizeof(victim)));
		table_add(t, "%s", jget(e, "culprit", json_type_object) ?
			  task_cell(jget(e, "culprit", json_type_object), "pid", culprit,
				    sizeof(culprit)) : "unknown");
		table_add(t, "%llu", (unsigned long long)waker);
		table_add(t, "%s", *fl ? fl : "-");
	}
	return CLI_EXIT_OK;
}

static int human(json_object *r)
{
	static const char *const hdr[] = {
		"CPU", "CLASS", "WAKEUPS", "P50", "P99", "MAX", "TIMER", "P50", "P99", "MAX", NULL,
	};
	static const char *const hdr_below[] = {
		"CPU", "CLASS", "WAKEUPS", "P50", "P99", "MAX", "BELOW FLOOR",
		"TIMER", "P50", "P99", "MAX", NULL,
	};
	static const char *const whdr[] = {
		"CPU", "LATENCY", "CLASS", "VICTIM (PRIO)", "CULPRIT (PRIO)", "WAKER CPU", "FLAGS",
		NULL,
	};
	json_object *cpus = jget(r, "cpus", json_type_array);
	struct table *t, *wt;
	uint64_t floor = 0;
	int rc = CLI_EXIT_OK, below;
	char b[FMT_LEN];

	if (!cpus || !jget_u64(r, "floor_ns", &floor))
		return jmalformed("no \"cpus\" array or \"floor_ns\"");
	below = floor > 0;
	printf("wakeup latency: sched_waking -> the woken task switched in, by the CPU it ran on\n"
	       "and its scheduling class; TIMER: hrtimer hard expiry -> switch-in of sleepers\n"
	       "woken by their own timer\n");
	if (below)
		printf("wakeups under %s are counted in the kernel, not emitted: they enter the\n"
		       "percentiles at log2 resolution and are not in the worst list\n",
		       ls_fmt_ns(floor, b, sizeof(b)));
	printf("\n");
	t = below ? table_new(hdr_below, "rlrrrrrrrrr") : table_new(hdr, "rlrrrrrrrr");
	wt = table_new(whdr, "rrlllrl");
	for (size_t i = 0; !rc && i < json_object_array_length(cpus); i++) {
		json_object *c = json_object_array_get_idx(cpus, i);
		json_object *w = jget(c, "wakeups", json_type_object);
		json_object *worst = jget(w, "worst", json_type_array);
		uint64_t cpu;

		if (!w || !worst || !jget_u64(c, "cpu", &cpu)) {
			rc = jmalformed("cpus[%zu] needs \"cpu\" and \"wakeups\" with \"worst\"", i);
			break;
		}
		rc = add_classes(t, cpu, w, below, i);
		if (!rc)
			rc = add_worst(wt, cpu, worst, i);
	}
	if (!rc) {
		table_print(t, stdout, 0);
		printf("\nworst wakeups (up to %d per CPU; culprit: running on the target CPU when "
		       "the wakeup arrived):\n", WORST_SHOWN);
		table_print(wt, stdout, 0);
	}
	table_free(t);
	table_free(wt);
	return rc;
}

static int run(const struct cli_opts *o, int argc, char **argv)
{
	return request_run_cpu_view(&cmd_wakeups, o, argc, argv, "wakeups", human);
}

const struct cli_cmd cmd_wakeups = {
	.name = "wakeups",
	.summary = "wakeup latency per CPU and scheduling class, worst wakeups",
	.usage = "usage: latscope wakeups [--cpu N]\n\n"
		 "Per CPU (the one the woken task ran on) and scheduling class (normal,\n"
		 "rt, dl): how long woken tasks waited from sched_waking to being switched\n"
		 "in (p50/p99/max), and for sleepers woken by their own hrtimer the time\n"
		 "from the timer's hard expiry to the switch-in. Then the worst wakeups of\n"
		 "each CPU (3 here, 8 with --json): the woken task (victim), the task that\n"
		 "was running on the target CPU when the wakeup arrived (culprit), the\n"
		 "waker's CPU and flags (timer, preempt: an RT/DL task woken onto a\n"
		 "lower-priority one, migrated, new, no_target).\n\n"
		 "  --cpu N   only CPU N\n" CLI_GLOBAL_HELP,
	.run = run,
	.print = human,
};
