// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* latscope kvm: KVM exit cost per reason, and guest vs host time per vCPU. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "fmt.h"
#include "jget.h"
#include "request.h"
#include "table.h"

static const char *pct(json_object *o, const char *k, char *buf)
{
	double v;

	if (!jget_num(o, k, &v))
		return "-";
	snprintf(buf, FMT_LEN, "%.1f", v);
	return buf;
}

static int add_reason(struct table *t, json_object *r, size_t idx)
{
	json_object *reason = jget(r, "reason", json_type_object);
	const char *name = jget_str(reason, "name"), *isa = jget_str(r, "isa");
	char b[FMT_LEN];

	if (!name || !isa)
		return jmalformed("reasons[%zu] needs \"isa\" and a \"reason\" with a \"name\"", idx);
	table_add(t, "%s", name);
	table_add(t, "%s", isa);
	table_add(t, "%s", jstr_u64(r, "count", b));
	table_add(t, "%s", pct(r, "exits_pct", b));
	table_add(t, "%s", jstr_dur(r, "total_ns", b));
	table_add(t, "%s", pct(r, "time_pct", b));
	table_add(t, "%s", jstr_dur(r, "min_ns", b));
	table_add(t, "%s", jstr_dur(r, "avg_ns", b));
	table_add(t, "%s", jstr_dur(r, "p50_ns", b));
	table_add(t, "%s", jstr_dur(r, "p99_ns", b));
	table_add(t, "%s", jstr_dur(r, "max_ns", b));
	table_add(t, "%s", jstr_dur(r, "off_cpu_ns", b));
	table_add(t, "%s", jstr_u64(r, "open", b));
	return CLI_EXIT_OK;
}

static int add_vcpu(struct table *t, json_object *v, size_t idx)
{
	json_object *vm = jget(v, "vm", json_type_object);
	const char *comm = jget_str(vm, "comm");
	uint64_t pid;
	char b[FMT_LEN];

	if (!comm || !jget_u64(vm, "pid", &pid))
		return jmalformed("vcpus[%zu] needs a \"vm\" with \"pid\" and \"comm\"", idx);
	if (!strcmp(comm, "other"))
		table_add(t, "other");
	else
		table_add(t, "%s-%llu", *comm ? comm : "?", (unsigned long long)pid);
	table_add(t, "%s", jstr_u64(v, "vcpu", b));
	table_add(t, "%s", jstr_u64(v, "exits", b));
	table_add(t, "%s", jstr_dur(v, "host_ns", b));
	table_add(t, "%s", jstr_dur(v, "host_on_cpu_ns", b));
	table_add(t, "%s", jstr_dur(v, "host_off_cpu_ns", b));
	table_add(t, "%s", jstr_dur(v, "guest_ns", b));
	table_add(t, "%s", pct(v, "guest_pct", b));
	table_add(t, "%s", jstr_u64(v, "open", b));
	return CLI_EXIT_OK;
}

static int print_table(json_object *arr, const char *const *hdr, const char *align,
		       int (*add)(struct table *, json_object *, size_t))
{
	struct table *t = table_new(hdr, align);
	int rc = CLI_EXIT_OK;

	for (size_t i = 0; !rc && i < json_object_array_length(arr); i++)
		rc = add(t, json_object_array_get_idx(arr, i), i);
	if (!rc)
		table_print(t, stdout, 0);
	table_free(t);
	return rc;
}

static int human(json_object *r)
{
	static const char *const rhdr[] = {
		"REASON", "ISA", "COUNT", "%EXITS", "TOTAL", "%TIME", "MIN", "AVG", "P50",
		"P99", "MAX", "OFF-CPU", "OPEN", NULL,
	};
	static const char *const vhdr[] = {
		"VM", "VCPU", "EXITS", "HOST", "ON-CPU", "OFF-CPU", "GUEST", "GUEST%", "OPEN", NULL,
	};
	json_object *reasons = jget(r, "reasons", json_type_array);
	json_object *vcpus = jget(r, "vcpus", json_type_array);
	const char *sort = jget_str(r, "sort");
	uint64_t exits, total, open;
	char b[FMT_LEN];
	int rc;

	if (!reasons || !vcpus || !sort || !jget_u64(r, "exits", &exits) ||
	    !jget_u64(r, "total_ns", &total) || !jget_u64(r, "open", &open))
		return jmalformed("kvm needs \"reasons\", \"vcpus\", \"sort\", \"exits\", "
				  "\"total_ns\" and \"open\"");
	if (!json_object_array_length(reasons)) {
		printf("no KVM exits recorded%s\n", jget(r, "vm", json_type_int) ||
		       jget(r, "vcpu", json_type_int) ? " for that VM/vCPU" : "");
		return CLI_EXIT_OK;
	}
	printf("KVM exits: %llu completed, %s of exit handling", (unsigned long long)exits,
	       jstr_dur(r, "total_ns", b));
	if (open)
		printf(", %llu still open", (unsigned long long)open);
	printf("; by %s. Exit cost = kvm_exit -> next kvm_entry on the vCPU thread;\n"
	       "OFF-CPU = the part of it the thread was switched out (e.g. a blocking HLT)\n\n",
	       sort);
	rc = print_table(reasons, rhdr, "llrrrrrrrrrrr", add_reason);
	if (rc)
		return rc;
	printf("\nGuest vs host time per vCPU: HOST = exit handling, GUEST = the guest runs\n"
	       "that ended in those exits\n\n");
	return print_table(vcpus, vhdr, "lrrrrrrrr", add_vcpu);
}

static int parse_id(const char *opt, const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end || errno || v > UINT32_MAX)
		return args_usage_error(&cmd_kvm, "--%s: '%s' is not a number 0..4294967295",
					opt, s);
	*out = v;
	return 0;
}

static int run(const struct cli_opts *o, int argc, char **argv)
{
	static const char *const sorts[] = { "count", "total", "p99", "max", NULL };
	const char *vm = NULL, *vcpu = NULL, *sort = NULL;
	const struct args_opt opts[] = {
		{ "vm", &vm }, { "vcpu", &vcpu }, { "sort", &sort }, { 0 },
	};
	json_object *req;
	uint64_t v;
	int rc, i;

	rc = args_parse(&cmd_kvm, argc, argv, opts, NULL, NULL);
	if (rc)
		return rc;
	req = request_new("kvm");
	if (vm && (rc = parse_id("vm", vm, &v)) == 0)
		json_object_object_add(req, "vm", json_object_new_int64((int64_t)v));
	if (!rc && vcpu && (rc = parse_id("vcpu", vcpu, &v)) == 0)
		json_object_object_add(req, "vcpu", json_object_new_int64((int64_t)v));
	if (!rc && sort) {
		for (i = 0; sorts[i] && strcmp(sorts[i], sort); i++)
			;
		if (!sorts[i])
			rc = args_usage_error(&cmd_kvm, "--sort: '%s' is not one of count, total, "
					      "p99, max", sort);
		else
			json_object_object_add(req, "sort", json_object_new_string(sort));
	}
	if (rc) {
		json_object_put(req);
		return rc;
	}
	return request_run(o, req, human);
}

const struct cli_cmd cmd_kvm = {
	.name = "kvm",
	.summary = "KVM exit cost per reason, guest vs host time per vCPU",
	.usage = "usage: latscope kvm [--vm PID] [--vcpu N] [--sort count|total|p99|max]\n\n"
		 "KVM exits per exit reason (VMX or SVM names, unknown codes as numbers):\n"
		 "count, share of exits, total time, share of time, min, avg, p50, p99,\n"
		 "max, and the part spent switched out; then guest vs host time per vCPU.\n"
		 "Reasons are sorted largest first by --sort (default total).\n\n"
		 "  --vm PID    only the VM whose VMM process is PID\n"
		 "  --vcpu N    only vCPU N (of every VM unless --vm)\n"
		 "  --sort KEY  count, total, p99 or max\n\n"
		 "Histograms: 'latscope hist kvm_exit' (exit cost) and 'latscope hist\n"
		 "kvm_guest' (guest runs), --key REASON.\n" CLI_GLOBAL_HELP,
	.run = run,
	.print = human,
};
