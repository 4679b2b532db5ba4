// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* latscope cpus: per-CPU, per-class latency summary. */
#include <stdio.h>

#include "args.h"
#include "fmt.h"
#include "jget.h"
#include "request.h"
#include "table.h"

static void add_class(struct table *t, const char *cpu, const char *name,
		      json_object *c)
{
	json_object *top = jget(c, "top_key", json_type_object);
	const char *top_name = jget_str(top, "name");
	char b[FMT_LEN];

	table_add(t, "%s", cpu);
	table_add(t, "%s", name);
	table_add(t, "%s", jstr_u64(c, "count", b));
	table_add(t, "%s", jstr_dur(c, "p50_ns", b));
	table_add(t, "%s", jstr_dur(c, "p99_ns", b));
	table_add(t, "%s", jstr_dur(c, "max_ns", b));
	table_add(t, "%s", top_name ? top_name : "-");
}

static int add_cpu(struct table *t, json_object *cpu, size_t idx)
{
	json_object *classes = jget(cpu, "classes", json_type_object);
	char num[FMT_LEN];
	uint64_t n;
	bool first = true;

	if (!jget_u64(cpu, "cpu", &n) || !classes)
		return jmalformed("cpus[%zu] has no \"cpu\" number or "
				  "\"classes\" object", idx);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)n);
	json_object_object_foreach(classes, name, c) {
		if (!jget(classes, name, json_type_object) ||
		    !jget_u64(c, "count", &n))
			return jmalformed("cpus[%zu].classes.%s has no \"count\"",
					  idx, name);
		add_class(t, first ? num : "", name, c);
		first = false;
	}
	return CLI_EXIT_OK;
}

static int human(json_object *r)
{
	static const char *const hdr[] = {
		"CPU", "CLASS", "COUNT", "P50", "P99", "MAX", "WORST KEY", NULL };
	json_object *cpus = jget(r, "cpus", json_type_array);
	struct table *t;
	int rc = CLI_EXIT_OK;

	if (!cpus)
		return jmalformed("no \"cpus\" array");
	if (!json_object_array_length(cpus)) {
		printf("no CPUs\n");
		return CLI_EXIT_OK;
	}
	t = table_new(hdr, "rlrrrrl");
	for (size_t i = 0; !rc && i < json_object_array_length(cpus); i++)
		rc = add_cpu(t, json_object_array_get_idx(cpus, i), i);
	if (!rc)
		table_print(t, stdout, 0);
	table_free(t);
	return rc;
}

static int run(const struct cli_opts *o, int argc, char **argv)
{
	return request_run_cpu_view(&cmd_cpus, o, argc, argv, "cpus", human);
}

const struct cli_cmd cmd_cpus = {
	.name = "cpus",
	.summary = "per-CPU latency summary of every class",
	.usage = "usage: latscope cpus [--cpu N]\n\n"
		 "One row per CPU and class: how many values, p50, p99 and max, and\n"
		 "the worst key (the irq, softirq or vector with the largest max).\n\n"
		 "  --cpu N   only CPU N\n" CLI_GLOBAL_HELP,
	.run = run,
	.print = human,
};
