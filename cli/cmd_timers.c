// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* latscope timers: per CPU, per hrtimer function: expiry lateness, run time
 * and cancels, worst lateness first; then the tasks whose own timers
 * (sleepers, timerfds) expired there. */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "fmt.h"
#include "jget.h"
#include "request.h"
#include "table.h"

#define TASKS_SHOWN 8 /* per CPU; --json has them all */

/* count/p50/p99/max cells of one summary object (absent: dashes). */
static void add_summary(struct table *t, json_object *timer, const char *which, int with_p50)
{
	json_object *s = jget(timer, which, json_type_object);
	char b[FMT_LEN];

	table_add(t, "%s", s ? jstr_u64(s, "count", b) : "0");
	if (with_p50)
		table_add(t, "%s", s ? jstr_dur(s, "p50_ns", b) : "-");
	table_add(t, "%s", s ? jstr_dur(s, "p99_ns", b) : "-");
	table_add(t, "%s", s ? jstr_dur(s, "max_ns", b) : "-");
}

static void add_cpu_cell(struct table *t, uint64_t cpu, int first)
{
	if (first)
		table_add(t, "%llu", (unsigned long long)cpu);
	else
		table_add(t, "%s", "");
}

/* cancels_counted: false when the daemon said it cannot count them. */
static int add_row(struct table *t, uint64_t cpu, int first, json_object *timer, size_t idx,
		   bool cancels_counted)
{
	json_object *fn = jget(timer, "function", json_type_object);
	const char *name = fn ? jget_str(fn, "name") : NULL;
	char b[FMT_LEN];

	if (!name)
		return jmalformed("timers[%zu] needs a \"function\" with a \"name\"", idx);
	add_cpu_cell(t, cpu, first);
	table_add(t, "%s", name);
	add_summary(t, timer, "late", 1);
	add_summary(t, timer, "early", 0);
	add_summary(t, timer, "run", 1);
	table_add(t, "%s", cancels_counted ? jstr_u64(timer, "cancelled", b) : "-");
	return CLI_EXIT_OK;
}

static int add_task_row(struct table *t, uint64_t cpu, int first, json_object *task, size_t idx)
{
	json_object *who = jget(task, "task", json_type_object);
	const char *cls = jget_str(task, "class"), *name = who ? jget_str(who, "name") : NULL;

	if (!cls || !name)
		return jmalformed("tasks[%zu] needs \"class\" and a \"task\" with a \"name\"", idx);
	add_cpu_cell(t, cpu, first);
	table_add(t, "%s", name);
	/* the timer function each class stands for */
	table_add(t, "%s", !strcmp(cls, "hrtimer_timerfd") ? "timerfd_tmrproc" : "hrtimer_wakeup");
	add_summary(t, task, "late", 1);
	return CLI_EXIT_OK;
}

static int print_timers(json_object *cpus, bool cancels_counted)
{
	static const char *const hdr[] = {
		"CPU", "FUNCTION", "LATE", "P50", "P99", "MAX", "EARLY", "P99", "MAX",
		"RUNS", "RUN P50", "RUN P99", "RUN MAX", "CANCELLED", NULL,
	};
	struct table *t = table_new(hdr, "rlrrrrrrrrrrrr");
	int rc = CLI_EXIT_OK;

	for (size_t i = 0; !rc && i < json_object_array_length(cpus); i++) {
		json_object *c = json_object_array_get_idx(cpus, i);
		json_object *timers = jget(c, "timers", json_type_array);
		uint64_t cpu;

		if (!timers || !jget_u64(c, "cpu", &cpu)) {
			rc = jmalformed("cpus[%zu] needs \"cpu\" and \"timers\"", i);
			break;
		}
		for (size_t j = 0; !rc && j < json_object_array_length(timers); j++)
			rc = add_row(t, cpu, j == 0, json_object_array_get_idx(timers, j), j,
				     cancels_counted);
	}
	if (!rc)
		table_print(t, stdout, 0);
	table_free(t);
	return rc;
}

/* The tasks tables, when any CPU has some (older daemons send none). */
static int print_tasks(json_object *cpus)
{
	static const char *const hdr[] = {
		"CPU", "TASK", "TIMER", "EXPIRIES", "LATE P50", "P99", "MAX", NULL,
	};
	struct table *t = table_new(hdr, "rllrrrr");
	size_t rows = 0, more = 0;
	int rc = CLI_EXIT_OK;

	for (size_t i = 0; !rc && i < json_object_array_length(cpus); i++) {
		json_object *c = json_object_array_get_idx(cpus, i);
		json_object *tasks = jget(c, "tasks", json_type_array);
		uint64_t cpu = 0;
		size_t n = tasks ? json_object_array_length(tasks) : 0;

		jget_u64(c, "cpu", &cpu);
		for (size_t j = 0; !rc && j < n && j < TASKS_SHOWN; j++, rows++)
			rc = add_task_row(t, cpu, j == 0, json_object_array_get_idx(tasks, j), j);
		more += n > TASKS_SHOWN ? n - TASKS_SHOWN : 0;
	}
	if (!rc && rows) {
		printf("\ntasks woken by their own timers (hrtimer_wakeup: a sleeper; timerfd_tmrproc:\n"
		       "the task that armed the timerfd), lateness against the time asked for:\n\n");
		table_print(t, stdout, 0);
		if (more)
			printf("(%zu more: latscope keys hrtimer_wakeup / hrtimer_timerfd, or --json)\n",
			       more);
	}
	table_free(t);
	return rc;
}

static int human(json_object *r)
{
	json_object *cpus = jget(r, "cpus", json_type_array);
	json_object *cancels = jget(r, "cancels", json_type_object);
	json_object *counted = cancels ? jget(cancels, "counted", json_type_boolean) : NULL;
	bool cancels_counted = !counted || json_object_get_boolean(counted);
	int rc;

	if (!cpus)
		return jmalformed("no \"cpus\" array");
	printf("hrtimer expiries: lateness = expiry clock's now - hard expiry; timers with slack\n"
	       "that fired before their hard expiry are counted as EARLY, not clamped;\n"
	       "CANCELLED: hrtimer_cancel of a pending timer (a re-arm is not a cancel)%s\n\n",
	       cancels_counted ? "" : "\n(not counted on this kernel: see latscope status)");
	rc = print_timers(cpus, cancels_counted);
	return rc ? rc : print_tasks(cpus);
}

static int run(const struct cli_opts *o, int argc, char **argv)
{
	return request_run_cpu_view(&cmd_timers, o, argc, argv, "timers", human);
}

const struct cli_cmd cmd_timers = {
	.name = "timers",
	.summary = "hrtimer expiry lateness, run time and cancels per CPU and timer function",
	.usage = "usage: latscope timers [--cpu N]\n\n"
		 "Per CPU and per timer function (symbolized from kallsyms): how late\n"
		 "expiries fired (p50/p99/max), how many fired early thanks to slack,\n"
		 "how long the callbacks ran and how many pending timers were\n"
		 "cancelled. Worst lateness first. Then, per CPU, the tasks woken by\n"
		 "their own timers: sleepers (clock_nanosleep...) and the tasks that\n"
		 "armed a timerfd, with the lateness each saw.\n\n"
		 "  --cpu N   only CPU N\n" CLI_GLOBAL_HELP,
	.run = run,
	.print = human,
};
