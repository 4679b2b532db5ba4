// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "jget.h"
#include "status_service.h"

static void print_files(json_object *cfg)
{
	json_object *files = jget(cfg, "files", json_type_array);
	size_t i, n = files ? json_object_array_length(files) : 0;

	printf("%-11s ", "config");
	if (!n)
		printf("built-in defaults (no file)");
	for (i = 0; i < n; i++) {
		const char *f = json_object_get_string(json_object_array_get_idx(files, i));

		printf("%s%s", i ? ", " : "", f ? f : "-");
	}
	putchar('\n');
}

void status_print_service(json_object *r)
{
	json_object *cfg = jget(r, "config", json_type_object);
	json_object *al = jget(cfg, "alerts", json_type_object);
	const char *err = jget_str(cfg, "last_reload_error"), *cpus = jget_str(cfg, "cpus");
	char b[8][FMT_LEN];
	uint64_t firing = 0, v = 0;

	if (!cfg)
		return;
	print_files(cfg);
	printf("%-11s %s reloads, %s rejected\n", "", jstr_u64(cfg, "reloads", b[0]),
	       jstr_u64(cfg, "reload_errors", b[1]));
	if (err)
		printf("%-11s %slast reload rejected: %s%s\n", "", fmt_alert_on(), err,
		       fmt_alert_off());
	if (cpus && strcmp(cpus, "all"))
		printf("%-11s only CPUs %s recorded; %s records of other CPUs filtered\n", "", cpus,
		       jstr_u64(cfg, "filtered", b[0]));
	if (!al)
		return;
	jget_u64(al, "firing", &firing);
	printf("%-11s %s rules, %s%s firing%s, %s fired, %s cleared, %s rate-suppressed; to %s, "
	       "%s watchers\n", "alerts", jstr_u64(al, "rules", b[0]),
	       firing ? fmt_alert_on() : "", jstr_u64(al, "firing", b[1]),
	       firing ? fmt_alert_off() : "", jstr_u64(al, "fired", b[2]),
	       jstr_u64(al, "cleared", b[3]), jstr_u64(al, "rate_suppressed", b[4]),
	       jget_str(al, "output") ? jget_str(al, "output") : "-",
	       jstr_u64(al, "watchers", b[5]));
	if (jget_u64(al, "hooks_run", &v) && v)
		printf("%-11s hooks: %s run, %s running, %s failed, %s killed at timeout, "
		       "%s skipped\n", "", jstr_u64(al, "hooks_run", b[0]),
		       jstr_u64(al, "hooks_running", b[1]), jstr_u64(al, "hooks_failed", b[2]),
		       jstr_u64(al, "hooks_killed", b[3]), jstr_u64(al, "hooks_skipped", b[4]));
}
