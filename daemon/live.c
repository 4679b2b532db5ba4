/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Foreground live view (latscoped -f --live SEC): one frame per period with a
 * row per CPU, built from the same `cpus` report the socket serves: first the
 * irq-off / preempt-off windows (docs/windows.md) with their worst cause,
 * then the handler classes they are made of.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "daemon.h"
#include "report.h"
#include "units.h"

static uint64_t get_u64(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_uint64(v) : 0;
}

/* "count p99 max worst" for one class of one CPU. */
static void cell(json_object *classes, const char *cls, int worst_w)
{
	json_object *c = json_object_object_get(classes, cls), *top;
	char a[16], b[16], n[16];
	const char *worst = "-";

	if (!get_u64(c, "count")) {
		printf(" %7s %8s %8s %-*s |", "0", "-", "-", worst_w, "");
		return;
	}
	if (json_object_object_get_ex(c, "top_key", &top))
		worst = json_object_get_string(json_object_object_get(top, "name"));
	printf(" %7s %8s %8s %-*.*s |", ls_fmt_count(get_u64(c, "count"), n, sizeof(n)),
	       ls_fmt_ns(get_u64(c, "p99_ns"), a, sizeof(a)),
	       ls_fmt_ns(get_u64(c, "max_ns"), b, sizeof(b)), worst_w, worst_w, worst);
}

/* "cur p99 max worst-cause (task)" for one window kind of one CPU. */
static void window_cell(json_object *windows, const char *kind)
{
	json_object *k = json_object_object_get(windows, kind), *w, *cause, *task;
	char a[16], b[16], c[16], what[48] = "-";

	if (json_object_object_get_ex(k, "worst", &w)) {
		cause = json_object_object_get(w, "cause");
		task = json_object_object_get(w, "task");
		snprintf(what, sizeof(what), "%s %s (%s)",
			 json_object_get_string(json_object_object_get(w, "source")),
			 json_object_get_string(json_object_object_get(cause, "name")),
			 task ? json_object_get_string(json_object_object_get(task, "comm")) : "?");
	}
	printf(" %8s %8s %8s  %-34.34s|", ls_fmt_ns(get_u64(k, "current_ns"), a, sizeof(a)),
	       ls_fmt_ns(get_u64(k, "p99_ns"), b, sizeof(b)),
	       ls_fmt_ns(get_u64(k, "max_ns"), c, sizeof(c)), what);
}

void ls_live_print(struct ls_daemon *d)
{
	json_object *rep = ls_report_cpus(d->agg, d->tracer.ncpus, -1);
	json_object *cpus = json_object_object_get(rep, "cpus");
	uint64_t drops = 0, unpaired = 0;
	char ev[16], rec[16], when[32];
	time_t now = time(NULL);
	size_t i;
	int k;

	for (k = 0; k < LS_K_MAX; k++) {
		drops += d->total.drops[k];
		unpaired += d->total.unpaired[k];
	}
	strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
	printf("\n%s  events %s/s  records %s/s  drops %llu%s  unpaired %llu  "
	       "(since start; latscope cpus/hist for more)\n", when,
	       ls_fmt_count(d->rates.events_per_sec, ev, sizeof(ev)),
	       ls_fmt_count(d->rates.records_per_sec, rec, sizeof(rec)),
	       (unsigned long long)drops, drops ? " (RECORDS LOST)" : "",
	       (unsigned long long)unpaired);
	printf("    |%-63s|%-63s\n", " irq-off windows", " preempt-off windows");
	printf("CPU |");
	for (k = 0; k < 2; k++)
		printf(" %8s %8s %8s  %-34s|", "cur", "p99", "max", "worst: source cause (task)");
	printf("\n");
	for (i = 0; i < json_object_array_length(cpus); i++) {
		json_object *c = json_object_array_get_idx(cpus, i);
		json_object *windows = json_object_object_get(c, "windows");

		printf("%3llu%s|", (unsigned long long)get_u64(c, "cpu"),
		       json_object_get_boolean(json_object_object_get(c, "isolated")) ? "*" : " ");
		window_cell(windows, "irqoff");
		window_cell(windows, "preemptoff");
		printf("\n");
	}
	printf("cur: longest in the last second; p99, max: since start; * isolated CPU\n");
	printf("    |%-40s|%-40s|%-29s|%-40s\n", " hardirq handler", " softirq run",
	       " softirq raise->run", " x86 vector handler");
	printf("CPU |");
	for (k = 0; k < 4; k++)
		printf(" %7s %8s %8s %-*s |", "count", "p99", "max", k == 2 ? 0 : 11,
		       k == 2 ? "" : "worst");
	printf("\n");
	for (i = 0; i < json_object_array_length(cpus); i++) {
		json_object *c = json_object_array_get_idx(cpus, i);
		json_object *classes = json_object_object_get(c, "classes");

		printf("%3llu |", (unsigned long long)get_u64(c, "cpu"));
		cell(classes, "hardirq", 11);
		cell(classes, "softirq", 11);
		cell(classes, "softirq_raise", 0);
		cell(classes, "vector", 11);
		printf("\n");
	}
	fflush(stdout);
	json_object_put(rep);
}
