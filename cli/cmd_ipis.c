// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* latscope ipis: IPI origin and delivery latency, as a sender x target
 * matrix and, per target CPU, the top callbacks and callsites. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "fmt.h"
#include "jget.h"
#include "request.h"
#include "table.h"

#define TOP 5 /* callbacks / callsites shown per target CPU */

/* A matrix cell: "count p99". */
struct cell {
	const char *sender; /* "cpu0", or "other" past the daemon's series cap */
	uint64_t target;
	json_object *o;
};

/* Index of s in v[0..n), appended when absent. */
static size_t slot_of(const char **v, size_t *n, const char *s)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp(v[i], s))
			return i;
	v[(*n)++] = s;
	return i;
}

static int print_matrix(json_object *m)
{
	size_t n = json_object_array_length(m), ns = 0, nt = 0, i, j;
	struct cell *cells = calloc(n + 1, sizeof(*cells));
	const char **senders = calloc(n + 1, sizeof(char *));
	const char **targets = calloc(n + 2, sizeof(char *));
	char (*tnames)[FMT_LEN] = calloc(n + 1, FMT_LEN);
	char *align = calloc(n + 2, 1);
	int rc = CLI_EXIT_OK;
	struct table *t;

	if (!n) {
		printf("no IPI deliveries yet\n");
		goto out;
	}
	if (!cells || !senders || !targets || !tnames || !align) {
		fprintf(stderr, "latscope: out of memory\n");
		rc = CLI_EXIT_RUNTIME;
		goto out;
	}
	targets[nt++] = "SENDER \\ TARGET";
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(m, i);
		const char *s = jget_str(jget(e, "sender", json_type_object), "name");

		if (!s || !jget_u64(e, "target", &cells[i].target)) {
			rc = jmalformed("matrix[%zu] needs a \"sender\" name and a \"target\"", i);
			goto out;
		}
		cells[i].sender = s;
		cells[i].o = e;
		snprintf(tnames[i], FMT_LEN, "cpu%llu", (unsigned long long)cells[i].target);
		slot_of(senders, &ns, s);
		slot_of(targets, &nt, tnames[i]);
	}
	for (i = 0; i < nt; i++)
		align[i] = i ? 'r' : 'l';
	printf("deliveries by sender and target CPU: count, p99 latency\n");
	t = table_new(targets, align);
	for (i = 0; i < ns; i++) {
		table_add(t, "%s", senders[i]);
		for (j = 1; j < nt; j++) {
			size_t k;

			for (k = 0; k < n; k++)
				if (!strcmp(cells[k].sender, senders[i]) &&
				    !strcmp(tnames[k], targets[j]))
					break;
			if (k == n) {
				table_add(t, "-");
			} else {
				char c[FMT_LEN], p[FMT_LEN];

				table_add(t, "%s  %s", jstr_u64(cells[k].o, "count", c),
					  jstr_dur(cells[k].o, "p99_ns", p));
			}
		}
	}
	table_print(t, stdout, 2);
	table_free(t);
out:
	free(cells);
	free(senders);
	free(targets);
	free(tnames);
	free(align);
	return rc;
}

static void add_row(struct table *t, const char *cpu, const char *by, const char *name,
		    json_object *e)
{
	char b[FMT_LEN];

	table_add(t, "%s", cpu);
	table_add(t, "%s", by);
	table_add(t, "%s", name);
	table_add(t, "%s", jstr_u64(e, "count", b));
	table_add(t, "%s", jstr_u64(e, "coalesced", b));
	table_add(t, "%s", jstr_dur(e, "p50_ns", b));
	table_add(t, "%s", jstr_dur(e, "p99_ns", b));
	table_add(t, "%s", jstr_dur(e, "max_ns", b));
}

/* The TOP entries of list (callbacks or callsites), then how many more. */
static int add_top(struct table *t, json_object *c, const char *list, const char *member)
{
	json_object *arr = jget(c, list, json_type_array);
	size_t n, i;

	if (!arr)
		return jmalformed("a target CPU has no \"%s\" array", list);
	n = json_object_array_length(arr);
	for (i = 0; i < n && i < TOP; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		const char *name = jget_str(jget(e, member, json_type_object), "name");

		if (!name)
			return jmalformed("%s[%zu] needs a \"%s\" with a \"name\"", list, i, member);
		add_row(t, "", member, name, e);
	}
	if (n > TOP) {
		char more[64];

		snprintf(more, sizeof(more), "(%zu more: --json)", n - TOP);
		add_row(t, "", member, more, NULL);
	}
	return CLI_EXIT_OK;
}

static int print_targets(json_object *cpus)
{
	static const char *const hdr[] = {
		"CPU", "BY", "NAME", "COUNT", "COALESCED", "P50", "P99", "MAX", NULL,
	};
	struct table *t = table_new(hdr, "rllrrrrr");
	int rc = CLI_EXIT_OK;

	for (size_t i = 0; !rc && i < json_object_array_length(cpus); i++) {
		json_object *c = json_object_array_get_idx(cpus, i);
		uint64_t cpu, count;
		char num[FMT_LEN];

		if (!jget_u64(c, "cpu", &cpu) || !jget_u64(c, "count", &count)) {
			rc = jmalformed("cpus[%zu] needs \"cpu\" and \"count\"", i);
			break;
		}
		snprintf(num, sizeof(num), "%llu", (unsigned long long)cpu);
		add_row(t, num, "all", "", c);
		if (count)
			rc = add_top(t, c, "callbacks", "callback");
		if (!rc && count)
			rc = add_top(t, c, "callsites", "callsite");
	}
	if (!rc) {
		printf("\nper target CPU: deliveries, sends coalesced into another's handler "
		       "run, latency\n");
		table_print(t, stdout, 2);
	}
	table_free(t);
	return rc;
}

static int human(json_object *r)
{
	json_object *m = jget(r, "matrix", json_type_array);
	json_object *cpus = jget(r, "cpus", json_type_array);
	json_object *send = jget(r, "send_side", json_type_boolean);
	int rc;

	if (!m || !cpus)
		return jmalformed("no \"matrix\" or \"cpus\" array");
	printf("IPI delivery: send (ipi_send_cpu/_cpumask on the sender) -> handler entry "
	       "on the target\n\n");
	if (send && !json_object_get_boolean(send)) {
		printf("this kernel has no ipi_send_* tracepoints (< 6.4): receive only, "
		       "no origin or delivery latency\n");
		return CLI_EXIT_OK;
	}
	rc = print_matrix(m);
	return rc ? rc : print_targets(cpus);
}

static int run(const struct cli_opts *o, int argc, char **argv)
{
	return request_run_cpu_view(&cmd_ipis, o, argc, argv, "ipis", human);
}

const struct cli_cmd cmd_ipis = {
	.name = "ipis",
	.summary = "IPI origin and delivery latency: sender x target, callbacks, callsites",
	.usage = "usage: latscope ipis [--cpu N]\n\n"
		 "Inter-processor interrupts, from the send on one CPU to the entry of\n"
		 "the handler on the target: a sender x target matrix (deliveries and\n"
		 "p99 latency) and, per target CPU, the callbacks and call sites that\n"
		 "sent them, most frequent first, with p50/p99/max latency. Sends that\n"
		 "one handler run served together count once, the others as COALESCED.\n"
		 "Reschedule IPIs have no callback (\"none\").\n\n"
		 "  --cpu N   only IPIs delivered to CPU N\n" CLI_GLOBAL_HELP,
	.run = run,
	.print = human,
};
