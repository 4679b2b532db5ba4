// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* latscope windows: per CPU, the irq-off and preempt-off window statistics
 * and the longest windows with their cause and story. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "fmt.h"
#include "jget.h"
#include "request.h"
#include "table.h"
#include "units.h"
#include "win_text.h"

static const char *const kinds[] = { "irqoff", "preemptoff" };
static const char *const kind_title[] = { "irq-off", "preempt-off" };
static const char *const periods[] = { "1s", "10s", "60s", "total" };

static bool all_stories;

static void print_periods(json_object *k)
{
	json_object *per = jget(k, "periods", json_type_object);
	char a[FMT_LEN], b[FMT_LEN], c[FMT_LEN];

	for (size_t i = 0; i < 4; i++) {
		json_object *p = jget(per, periods[i], json_type_object);
		uint64_t n = 0;

		jget_u64(p, "count", &n);
		printf("%s%s: %llu", i ? " | " : "    ", periods[i], (unsigned long long)n);
		if (n)
			printf(" p99 %s p99.9 %s max %s", jstr_dur(p, "p99_ns", a),
			       jstr_dur(p, "p999_ns", b), jstr_dur(p, "max_ns", c));
	}
	printf("\n");
}

static void print_story(json_object *w)
{
	json_object *story = jget(w, "story", json_type_array);
	char line[WIN_TEXT_LEN], t[FMT_LEN];

	if (!story)
		return;
	printf("        story: the CPU's last %zu records before it ended (time from its start):\n",
	       json_object_array_length(story));
	for (size_t i = 0; i < json_object_array_length(story); i++) {
		json_object *r = json_object_array_get_idx(story, i);
		json_object *tv = jget(r, "t_ns", json_type_int);
		int64_t dt = tv ? json_object_get_int64(tv) : 0;

		printf("        %c%9s  %s\n", dt < 0 ? '-' : '+',
		       ls_fmt_ns(dt < 0 ? -(uint64_t)dt : (uint64_t)dt, t, sizeof(t)),
		       win_record(r, line, sizeof(line)));
	}
}

static void flags_text(json_object *w, char *buf, size_t len)
{
	json_object *v;

	snprintf(buf, len, "%s%s%s%s%s",
		 (v = jget(w, "inferred", json_type_boolean)) && json_object_get_boolean(v) ?
		 "inferred" : "exact",
		 jget(w, "clipped", json_type_boolean) ? ",clipped" : "",
		 jget(w, "delivery_unseen", json_type_boolean) ? ",undelivered" : "",
		 jget(w, "arming_unseen", json_type_boolean) ? ",arming?" : "",
		 jget(w, "restored", json_type_boolean) ? ",restored" : "");
}

static int print_kind(json_object *k, size_t ki, uint64_t now)
{
	static const char *const hdr[] = {
		"#", "LENGTH", "ENDED", "HOW", "CAUSE", "TASK", "CONTEXT", NULL };
	json_object *worst = jget(k, "worst", json_type_array);
	struct table *t;

	printf("  %s windows\n", kind_title[ki]);
	print_periods(k);
	if (!worst)
		return jmalformed("%s has no \"worst\" array", kinds[ki]);
	if (!json_object_array_length(worst))
		return CLI_EXIT_OK;
	t = table_new(hdr, "rrrllll");
	for (size_t i = 0; i < json_object_array_length(worst); i++) {
		json_object *w = json_object_array_get_idx(worst, i);
		char a[FMT_LEN], b[FMT_LEN], c[WIN_TEXT_LEN], d[64], e[WIN_TEXT_LEN];
		uint64_t start = 0, len = 0;

		if (!jget_u64(w, "start_mono_ns", &start) || !jget_u64(w, "len_ns", &len)) {
			table_free(t);
			return jmalformed("%s.worst[%zu] needs start_mono_ns and len_ns",
					  kinds[ki], i);
		}
		flags_text(w, e, sizeof(e));
		table_add(t, "%zu", i + 1);
		table_add(t, "%s", ls_fmt_ns(len, a, sizeof(a)));
		if (jget(w, "earlier_boot", json_type_boolean)) /* another boot's clock */
			table_add(t, "earlier boot");
		else
			table_add(t, "%s ago", now > start + len ?
				  ls_fmt_ns(now - start - len, b, sizeof(b)) : "0ns");
		table_add(t, "%s", e);
		table_add(t, "%s", win_cause(w, c, sizeof(c)));
		table_add(t, "%s", win_task(jget(w, "task", json_type_object), d, sizeof(d)));
		table_add(t, "%s", win_context(w, e, sizeof(e)));
	}
	table_print(t, stdout, 4);
	table_free(t);
	for (size_t i = 0; i < json_object_array_length(worst); i++) {
		if (i && !all_stories)
			break;
		printf("      #%zu:\n", i + 1);
		print_story(json_object_array_get_idx(worst, i));
	}
	return CLI_EXIT_OK;
}

static int human(json_object *r)
{
	json_object *cpus = jget(r, "cpus", json_type_array);
	uint64_t now = 0;
	int rc = CLI_EXIT_OK;

	if (!cpus || !jget_u64(r, "now_mono_ns", &now))
		return jmalformed("needs \"cpus\" and \"now_mono_ns\"");
	printf("Windows a CPU could not take an interrupt (irq-off) or preempt (preempt-off);\n"
	       "\"inferred\" lengths are lower bounds from a delayed interrupt or wakeup "
	       "(docs/windows.md).\n");
	for (size_t i = 0; !rc && i < json_object_array_length(cpus); i++) {
		json_object *c = json_object_array_get_idx(cpus, i), *iso;
		uint64_t cpu;

		if (!jget_u64(c, "cpu", &cpu))
			return jmalformed("cpus[%zu] has no \"cpu\"", i);
		iso = jget(c, "isolated", json_type_boolean);
		printf("\nCPU %llu%s\n", (unsigned long long)cpu,
		       iso && json_object_get_boolean(iso) ? " (isolated)" : "");
		for (size_t k = 0; !rc && k < 2; k++) {
			json_object *ko = jget(c, kinds[k], json_type_object);

			if (ko)
				rc = print_kind(ko, k, now);
		}
	}
	return rc;
}

static int parse_count(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s < '0' || *s > '9' || *end || v < 1 || v > 1000)
		return -1;
	*out = (int)v;
	return 0;
}

static int run(const struct cli_opts *o, int argc, char **argv)
{
	const char *cpu = NULL, *kind = NULL, *n = NULL, *story = NULL;
	const struct args_opt opts[] = {
		{ "cpu", &cpu }, { "kind", &kind }, { "n", &n }, { "story", &story }, { 0 } };
	json_object *req;
	int rc, c = 0, nv = 0;

	rc = args_parse(&cmd_windows, argc, argv, opts, NULL, NULL);
	if (!rc && cpu)
		rc = args_cpu(&cmd_windows, cpu, &c);
	if (rc)
		return rc;
	if (kind && strcmp(kind, "irqoff") && strcmp(kind, "preemptoff"))
		return args_usage_error(&cmd_windows, "--kind: '%s' is not irqoff or preemptoff",
					kind);
	if (n && parse_count(n, &nv))
		return args_usage_error(&cmd_windows, "--n: '%s' is not a number 1..1000", n);
	if (story && strcmp(story, "all") && strcmp(story, "first"))
		return args_usage_error(&cmd_windows, "--story: '%s' is not all or first", story);
	all_stories = story && !strcmp(story, "all");
	req = request_new("windows");
	if (cpu)
		json_object_object_add(req, "cpu", json_object_new_int(c));
	if (kind)
		json_object_object_add(req, "kind", json_object_new_string(kind));
	if (n)
		json_object_object_add(req, "n", json_object_new_int(nv));
	return request_run(o, req, human);
}

const struct cli_cmd cmd_windows = {
	.name = "windows",
	.summary = "longest irq-off and preempt-off windows per CPU, with cause and story",
	.usage = "usage: latscope windows [--cpu N] [--kind irqoff|preemptoff] [--n N]\n"
		 "                        [--story first|all]\n\n"
		 "Per CPU and kind: counts and percentiles over the last 1 s, 10 s, 60 s\n"
		 "and since start, then the longest windows: length, when it ended, exact\n"
		 "or inferred, its cause (irq, softirq vectors, timer function, IPI\n"
		 "callback and sender, woken task), the task it interrupted, the context,\n"
		 "and the records the CPU saw before it (its story).\n\n"
		 "  --cpu N      only CPU N\n"
		 "  --kind K     only irqoff or preemptoff windows\n"
		 "  --n N        at most N windows per CPU and kind (default: all kept,\n"
		 "               latscoped --worst)\n"
		 "  --story S    first: the story of the longest window only (default);\n"
		 "               all: of every window listed\n" CLI_GLOBAL_HELP,
	.run = run,
	.print = human,
};
