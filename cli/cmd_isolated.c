// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* latscope isolated: what interrupted the isolated CPUs, and from where. */
#include <stdio.h>
#include <stdlib.h>

#include "args.h"
#include "fmt.h"
#include "jget.h"
#include "request.h"
#include "table.h"
#include "units.h"
#include "win_text.h"

static int print_cpu(json_object *c, size_t idx)
{
	static const char *const hdr[] = {
		"KIND", "CAUSE", "FROM CPU", "COUNT", "TOTAL", "MAX", NULL };
	json_object *causes = jget(c, "causes", json_type_array);
	json_object *recent = jget(c, "recent", json_type_array);
	json_object *src = jget(c, "sources", json_type_array);
	uint64_t cpu, n;
	struct table *t;

	if (!jget_u64(c, "cpu", &cpu) || !jget_u64(c, "interruptions", &n) || !causes || !recent)
		return jmalformed("isolated_cpus[%zu] needs cpu, interruptions, causes, recent", idx);
	printf("\nCPU %llu (isolated by %s): %llu interruptions\n", (unsigned long long)cpu,
	       src && json_object_array_length(src) ?
	       json_object_get_string(json_object_array_get_idx(src, 0)) : "?",
	       (unsigned long long)n);
	if (!n)
		return CLI_EXIT_OK;
	t = table_new(hdr, "llrrrr");
	for (size_t i = 0; i < json_object_array_length(causes); i++) {
		json_object *k = json_object_array_get_idx(causes, i);
		char a[FMT_LEN], b[FMT_LEN], d[FMT_LEN];
		const char *kind = jget_str(k, "kind"), *name;

		name = jget_str(jget(k, "key", json_type_object), "name");
		table_add(t, "%s", kind ? kind : "?");
		table_add(t, "%s", name ? name : "-");
		table_add(t, "%s", jget(k, "sender_cpu", json_type_int) ? jstr_u64(k, "sender_cpu", a) : "");
		table_add(t, "%s", jstr_u64(k, "count", b));
		table_add(t, "%s", jstr_dur(k, "total_ns", d));
		table_add(t, "%s", jstr_dur(k, "max_ns", a));
	}
	table_print(t, stdout, 2);
	table_free(t);
	if (json_object_array_length(recent))
		printf("  most recent first:\n");
	for (size_t i = 0; i < json_object_array_length(recent); i++) {
		char line[WIN_TEXT_LEN];

		printf("    %s\n", win_record(json_object_array_get_idx(recent, i), line,
					      sizeof(line)));
	}
	return CLI_EXIT_OK;
}

static int human(json_object *r)
{
	json_object *cpus = jget(r, "isolated_cpus", json_type_array);
	const char *source = jget_str(r, "source"), *list = jget_str(r, "cpus");
	int rc = CLI_EXIT_OK;

	if (!cpus || !source || !list)
		return jmalformed("needs source, cpus and isolated_cpus");
	if (!json_object_array_length(cpus)) {
		printf("no isolated CPUs (%s)\n", *source == 'o' ? "latscoped --isolated"
			: "isolcpus=, nohz_full= and cgroup cpuset isolation are all empty");
		return CLI_EXIT_OK;
	}
	printf("isolated CPUs %s, from %s\n", list,
	       *source == 'o' ? "latscoped --isolated" : "isolcpus/nohz_full/cpuset");
	for (size_t i = 0; !rc && i < json_object_array_length(cpus); i++)
		rc = print_cpu(json_object_array_get_idx(cpus, i), i);
	return rc;
}

static int run(const struct cli_opts *o, int argc, char **argv)
{
	const char *cpu = NULL, *n = NULL;
	const struct args_opt opts[] = { { "cpu", &cpu }, { "n", &n }, { 0 } };
	json_object *req;
	int rc, c = 0;
	char *end = NULL;
	long nv = 0;

	rc = args_parse(&cmd_isolated, argc, argv, opts, NULL, NULL);
	if (!rc && cpu)
		rc = args_cpu(&cmd_isolated, cpu, &c);
	if (rc)
		return rc;
	if (n) {
		nv = strtol(n, &end, 10);
		if (*n < '0' || *n > '9' || *end || nv < 1 || nv > 128)
			return args_usage_error(&cmd_isolated, "--n: '%s' is not 1..128", n);
	}
	req = request_new("isolated");
	if (cpu)
		json_object_object_add(req, "cpu", json_object_new_int(c));
	if (n)
		json_object_object_add(req, "n", json_object_new_int((int)nv));
	return request_run(o, req, human);
}

const struct cli_cmd cmd_isolated = {
	.name = "isolated",
	.summary = "what interrupted the isolated CPUs (ticks, IPIs, timers, softirqs)",
	.usage = "usage: latscope isolated [--cpu N] [--n N]\n\n"
		 "For each isolated CPU (isolcpus=, nohz_full=, cgroup v2 isolated cpuset,\n"
		 "or latscoped --isolated): every interruption since latscoped started,\n"
		 "counted per cause (irq, vector, softirq, timer function, IPI callback\n"
		 "and sender CPU), and the most recent ones.\n\n"
		 "  --cpu N   only CPU N\n"
		 "  --n N     most recent interruptions to list, 1..128 (default 20)\n"
		 CLI_GLOBAL_HELP,
	.run = run,
};
