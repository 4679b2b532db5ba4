// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* latscope keys: the keys of a class that have data, worst first. */
#include <stdio.h>

#include "args.h"
#include "fmt.h"
#include "jget.h"
#include "request.h"
#include "table.h"

#define KEY_OTHER 4294967295u  /* values of keys beyond the series cap */

static int add_key(struct table *t, json_object *k, size_t idx)
{
	const char *name = jget_str(k, "name");
	char b[FMT_LEN];
	uint64_t key;

	if (!jget_u64(k, "key", &key) || !name)
		return jmalformed("keys[%zu] needs a \"key\" number and a \"name\"", idx);
	if (key == KEY_OTHER)
		table_add(t, "-");
	else
		table_add(t, "%llu", (unsigned long long)key);
	table_add(t, "%s", name);
	table_add(t, "%s", jstr_u64(k, "count", b));
	table_add(t, "%s", jstr_dur(k, "p99_ns", b));
	table_add(t, "%s", jstr_dur(k, "max_ns", b));
	return CLI_EXIT_OK;
}

static int human(json_object *r)
{
	static const char *const hdr[] = { "KEY", "NAME", "COUNT", "P99", "MAX", NULL };
	json_object *keys = jget(r, "keys", json_type_array);
	const char *cls = jget_str(r, "class");
	size_t n = keys ? json_object_array_length(keys) : 0;
	struct table *t;
	uint64_t cpu;
	int rc = CLI_EXIT_OK;

	if (!keys)
		return jmalformed("no \"keys\" array");
	printf("%s", cls ? cls : "-");
	if (jget_u64(r, "cpu", &cpu))
		printf(", CPU %llu", (unsigned long long)cpu);
	else
		printf(", all CPUs");
	printf(": %zu key%s with data\n", n, n == 1 ? "" : "s");
	if (!n)
		return CLI_EXIT_OK;
	t = table_new(hdr, "rlrrr");
	for (size_t i = 0; !rc && i < n; i++)
		rc = add_key(t, json_object_array_get_idx(keys, i), i);
	if (!rc) {
		putchar('\n');
		table_print(t, stdout, 0);
	}
	table_free(t);
	return rc;
}

static int run(const struct cli_opts *o, int argc, char **argv)
{
	const char *cls = NULL, *cpu = NULL;
	const struct args_opt opts[] = { { "cpu", &cpu }, { 0 } };
	static const char *const pos[] = { "CLASS", NULL };
	json_object *req;
	int rc, n = 0;

	rc = args_parse(&cmd_keys, argc, argv, opts, pos, &cls);
	if (!rc && cpu)
		rc = args_cpu(&cmd_keys, cpu, &n);
	if (rc)
		return rc;
	req = request_new("keys");
	json_object_object_add(req, "class", json_object_new_string(cls));
	if (cpu)
		json_object_object_add(req, "cpu", json_object_new_int(n));
	return request_run(o, req, human);
}

const struct cli_cmd cmd_keys = {
	.name = "keys",
	.summary = "keys (irqs, softirqs, vectors) of a class that have data",
	.usage = "usage: latscope keys CLASS [--cpu N]\n\n"
		 "List the keys of CLASS (hardirq, softirq, softirq_raise, vector,\n"
		 "hrtimer, hrtimer_late, hrtimer_early, hrtimer_wakeup, hrtimer_timerfd,\n"
		 "kvm_exit, kvm_guest)\n"
		 "that have values, worst max first, with count, p99 and max: the\n"
		 "names 'latscope hist CLASS --key K' accepts.\n\n"
		 "  --cpu N   only CPU N\n" CLI_GLOBAL_HELP,
	.run = run,
	.print = human,
};
