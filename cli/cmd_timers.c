// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* latscope timers: per CPU, per hrtimer function: expiry lateness and run
 * time, worst lateness first. */
#include <stdio.h>

#include "args.h"
#include "fmt.h"
#include "jget.h"
#include "request.h"
#include "table.h"

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

static int add_row(struct table *t, uint64_t cpu, int first, json_object *timer, size_t idx)
{
	json_object *fn = jget(timer, "function", json_type_object);
	const char *name = fn ? jget_str(fn, "name") : NULL;

	if (!name)
		return jmalformed("timers[%zu] needs a \"function\" with a \"name\"", idx);
	if (first)
		table_add(t, "%llu", (unsigned long long)cpu);
	else
		table_add(t, "%s", "");
	table_add(t, "%s", name);
	add_summary(t, timer, "late", 1);
	add_summary(t, timer, "early", 0);
	add_summary(t, timer, "run", 1);
	return CLI_EXIT_OK;
}

static int human(json_object *r)
{
	static const char *const hdr[] = {
		"CPU", "FUNCTION", "LATE", "P50", "P99", "MAX", "EARLY", "P99", "MAX",
		"RUNS", "RUN P50", "RUN P99", "RUN MAX", NULL,
	};
	json_object *cpus = jget(r, "cpus", json_type_array);
	struct table *t;
	int rc = CLI_EXIT_OK;

	if (!cpus)
		return jmalformed("no \"cpus\" array");
	printf("hrtimer expiries: lateness = expiry clock's now - hard expiry; timers with slack\n"
	       "that fired before their hard expiry are counted as EARLY, not clamped\n\n");
	t = table_new(hdr, "rlrrrrrrrrrrr");
	for (size_t i = 0; !rc && i < json_object_array_length(cpus); i++) {
		json_object *c = json_object_array_get_idx(cpus, i);
		json_object *timers = jget(c, "timers", json_type_array);
		uint64_t cpu;

		if (!timers || !jget_u64(c, "cpu", &cpu)) {
			rc = jmalformed("cpus[%zu] needs \"cpu\" and \"timers\"", i);
			break;
		}
		for (size_t j = 0; !rc && j < json_object_array_length(timers); j++)
			rc = add_row(t, cpu, j == 0, json_object_array_get_idx(timers, j), j);
	}
	if (!rc)
		table_print(t, stdout, 0);
	table_free(t);
	return rc;
}

static int run(const struct cli_opts *o, int argc, char **argv)
{
	return request_run_cpu_view(&cmd_timers, o, argc, argv, "timers", human);
}

const struct cli_cmd cmd_timers = {
	.name = "timers",
	.summary = "hrtimer expiry lateness and run time per CPU and timer function",
	.usage = "usage: latscope timers [--cpu N]\n\n"
		 "Per CPU and per timer function (symbolized from kallsyms): how late\n"
		 "expiries fired (p50/p99/max), how many fired early thanks to slack,\n"
		 "and how long the callbacks ran. Worst lateness first.\n\n"
		 "  --cpu N   only CPU N\n" CLI_GLOBAL_HELP,
	.run = run,
	.print = human,
};
