// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* latscope metrics: the daemon's Prometheus exposition, printed raw. */
#include <stdio.h>

#include "args.h"
#include "jget.h"
#include "request.h"

static int human(json_object *r)
{
	json_object *text = jget(r, "text", json_type_string);

	if (!text)
		return jmalformed("no \"text\" string in the metrics result");
	fwrite(json_object_get_string(text), 1, (size_t)json_object_get_string_len(text),
	       stdout);
	return fflush(stdout) ? CLI_EXIT_RUNTIME : CLI_EXIT_OK;
}

static int run(const struct cli_opts *o, int argc, char **argv)
{
	int rc = args_parse(&cmd_metrics, argc, argv, NULL, NULL, NULL);

	return rc ? rc : request_run(o, request_new("metrics"), human);
}

const struct cli_cmd cmd_metrics = {
	.name = "metrics",
	.summary = "Prometheus metrics (text exposition format 0.0.4)",
	.usage = "usage: latscope metrics\n\n"
		 "Print latscoped's metrics in the Prometheus text exposition format\n"
		 "0.0.4: latency histograms in seconds per class and CPU and per class\n"
		 "and key, event/record/drop counters per class, and self metrics.\n"
		 "Names and the bucket mapping: docs/metrics.md. For scraping, see\n"
		 "latscoped --metrics-textfile (node_exporter textfile collector).\n"
		 CLI_GLOBAL_HELP,
	.run = run,
};
