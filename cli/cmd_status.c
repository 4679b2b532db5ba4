// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* latscope status: daemon health at a glance. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "fmt.h"
#include "jget.h"
#include "request.h"
#include "status_service.h"
#include "table.h"
#include "win_text.h"
#include "units.h"

static void print_header(json_object *r)
{
	const char *version = jget_str(r, "version"), *kernel = jget_str(r, "kernel");
	char pid[FMT_LEN], up[FMT_LEN], ncpus[FMT_LEN];
	uint64_t up_ns;

	printf("latscoped %s (pid %s), kernel %s, up %s, %s CPUs\n\n",
	       version ? version : "-", jstr_u64(r, "pid", pid),
	       kernel ? kernel : "-",
	       jget_u64(r, "uptime_ns", &up_ns) ? fmt_uptime(up, up_ns) : "-",
	       jstr_u64(r, "ncpus", ncpus));
}

static void print_programs(json_object *r)
{
	json_object *progs = jget(r, "programs", json_type_array);
	char att[FMT_LEN], miss[FMT_LEN];
	uint64_t nmiss = 0;

	printf("%-11s %s attached, %s missing\n", "programs",
	       jstr_u64(r, "programs_attached", att),
	       jstr_u64(r, "programs_missing", miss));
	for (size_t i = 0; progs && i < json_object_array_length(progs); i++) {
		json_object *p = json_object_array_get_idx(progs, i);
		json_object *a = jget(p, "attached", json_type_boolean);
		const char *name = jget_str(p, "name"), *fam = jget_str(p, "family");
		const char *why = jget_str(p, "reason");

		uint64_t skipped;

		if (a && json_object_get_boolean(a) && jget_u64(p, "recursion_misses", &skipped) &&
		    skipped)
			printf("%-11s %s (%s): the kernel skipped %llu runs (program already "
			       "running on that CPU)\n", "  skipped", name ? name : "-",
			       fam ? fam : "-", (unsigned long long)skipped);
		if (!a || json_object_get_boolean(a))
			continue;
		printf("%-11s %s (%s): %s\n", nmiss++ ? "" : "  missing",
		       name ? name : "-", fam ? fam : "-", why ? why : "no reason given");
	}
}

/* What this kernel cannot give (e.g. IPI send side), one line each. */
static void print_notes(json_object *r)
{
	json_object *notes = jget(r, "notes", json_type_array);

	for (size_t i = 0; notes && i < json_object_array_length(notes); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(notes, i));

		printf("%-11s %s\n", i ? "" : "notes", s ? s : "-");
	}
}

static void print_counter(json_object *r, const char *k, const char *rate_k)
{
	char buf[FMT_LEN];
	double rate;

	printf("%-11s %s", k, jstr_u64(r, k, buf));
	if (jget_num(r, rate_k, &rate) && rate >= 0)
		printf("  (%s/s)", ls_fmt_count(rate, buf, sizeof(buf)));
	putchar('\n');
}

static void print_drops(json_object *r)
{
	uint64_t drops;

	if (!jget_u64(r, "drops", &drops)) {
		printf("%-11s -\n", "drops");
		return;
	}
	if (!drops) {
		printf("%-11s 0\n", "drops");
		return;
	}
	printf("%-11s %s%llu  <-- RECORDS LOST: rings overflowed (bigger rings or "
	       "faster draining needed)%s\n", "drops", fmt_alert_on(),
	       (unsigned long long)drops, fmt_alert_off());
}

static void print_rings(json_object *r)
{
	json_object *rings = jget(r, "rings", json_type_object);
	char sh[FMT_LEN], cps[FMT_LEN], b1[FMT_LEN], b2[FMT_LEN], ms[FMT_LEN];
	uint64_t bytes, wake;

	if (!rings)
		return;
	printf("%-11s %s shard(s) x %s CPUs, %s per shard, wakeup at %s, "
	       "drained every %s ms\n", "rings", jstr_u64(rings, "shards", sh),
	       jstr_u64(rings, "cpus_per_shard", cps),
	       jget_u64(rings, "bytes_per_shard", &bytes) ? fmt_bytes(b1, bytes) : "-",
	       jget_u64(rings, "wakeup_bytes", &wake) ? fmt_bytes(b2, wake) : "-",
	       jstr_u64(rings, "drain_period_ms", ms));
}

static void print_agg(json_object *r)
{
	json_object *agg = jget(r, "agg", json_type_object);
	char series[FMT_LEN], recs[FMT_LEN], ovf[FMT_LEN], af[FMT_LEN], uk[FMT_LEN];

	if (!agg)
		return;
	printf("%-11s %s series, %s records aggregated", "aggregator",
	       jstr_u64(agg, "series", series), jstr_u64(agg, "records", recs));
	printf(",\n%-11s %s series overflow, %s alloc failures, %s unknown kind\n",
	       "", jstr_u64(agg, "series_overflow", ovf),
	       jstr_u64(agg, "alloc_failures", af), jstr_u64(agg, "unknown_kind", uk));
}

/* The KVM programs' state and their thread table. */
static void print_kvm(json_object *r)
{
	json_object *k = jget(r, "kvm", json_type_object);
	const char *state = jget_str(k, "state");
	char th[FMT_LEN], max[FMT_LEN], open[FMT_LEN], un[FMT_LEN];
	uint64_t untracked = 0;

	if (!state)
		return;
	if (strcmp(state, "attached")) {
		printf("%-11s %s: %s\n", "kvm", state, jget_str(k, "reason") ?
		       jget_str(k, "reason") : "-");
		return;
	}
	jget_u64(k, "untracked", &untracked);
	printf("%-11s attached (%s, types from %s), %s vCPU threads tracked of %s,\n"
	       "%-11s %s exits open, %s%s untracked events%s%s\n", "kvm",
	       jget_str(k, "exit_program") ? jget_str(k, "exit_program") : "-",
	       jget_str(k, "types_from") ? jget_str(k, "types_from") : "-",
	       jstr_u64(k, "threads", th), jstr_u64(k, "threads_max", max), "",
	       jstr_u64(k, "open_exits", open), untracked ? fmt_alert_on() : "",
	       jstr_u64(k, "untracked", un), untracked ?
	       "  <-- thread table full: raise latscoped --kvm-threads" : "",
	       untracked ? fmt_alert_off() : "");
}

static void print_classes(json_object *r)
{
	static const char *const hdr[] = {
		"CLASS", "EVENTS", "RECORDS", "DROPS", "UNPAIRED", NULL };
	json_object *by = jget(r, "by_class", json_type_array);
	struct table *t;

	if (!by || !json_object_array_length(by))
		return;
	t = table_new(hdr, "lrrrr");
	for (size_t i = 0; i < json_object_array_length(by); i++) {
		json_object *c = json_object_array_get_idx(by, i);
		const char *name = jget_str(c, "class");
		char b[FMT_LEN];
		uint64_t d;

		table_add(t, "%s", name ? name : "-");
		table_add(t, "%s", jstr_u64(c, "events", b));
		table_add(t, "%s", jstr_u64(c, "records", b));
		table_add(t, "%s%s", jstr_u64(c, "drops", b),
			  jget_u64(c, "drops", &d) && d ? " !" : "");
		table_add(t, "%s", jstr_u64(c, "unpaired", b));
	}
	putchar('\n');
	table_print(t, stdout, 0);
	table_free(t);
}

/* What became of wakeups that are not records (docs/protocol.md). */
static void print_wakeups(json_object *r)
{
	json_object *w = jget(r, "wakeup_tracking", json_type_object);
	char a[FMT_LEN], b[FMT_LEN], c[FMT_LEN], d[FMT_LEN], f[FMT_LEN];
	char g[FMT_LEN], h[FMT_LEN];
	uint64_t floor = 0, untracked = 0;

	if (!w)
		return;
	jget_u64(w, "floor_ns", &floor);
	printf("%-11s %s staged for the ring, %s woken while running, %s superseded,\n"
	       "%-11s %s raced going to sleep, %s untracked%s,\n"
	       "%-11s floor %s: %s below it (counted, not emitted)\n", "wakeups",
	       jstr_u64(w, "staged", a), jstr_u64(w, "ran", b), jstr_u64(w, "superseded", c),
	       "", jstr_u64(w, "raced", d), jstr_u64(w, "untracked", f),
	       jget_u64(w, "untracked", &untracked) && untracked ? " <-- NOT MEASURED" : "",
	       "", floor ? jstr_dur(w, "floor_ns", g) : "none", jstr_u64(w, "below_floor", h));
}

/* A unix time in ns as local "YYYY-MM-DD HH:MM:SS". */
static const char *fmt_when(char buf[FMT_LEN], uint64_t unix_ns)
{
	time_t t = (time_t)(unix_ns / 1000000000u);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, FMT_LEN, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, FMT_LEN, "-");
	return buf;
}

static void print_restored(json_object *res)
{
	const char *file = jget_str(res, "file"), *ver = jget_str(res, "saved_by_version");
	json_object *same = jget(res, "same_boot", json_type_boolean);
	char when[FMT_LEN], series[FMT_LEN], recs[FMT_LEN], win[FMT_LEN], wk[FMT_LEN];
	char logs[FMT_LEN];
	uint64_t saved;

	printf("%-11s restored from %s saved at %s (latscoped %s%s): %s series, %s records\n",
	       "", file ? file : "-",
	       jget_u64(res, "saved_unix_ns", &saved) ? fmt_when(when, saved) : "-",
	       ver ? ver : "-", same && !json_object_get_boolean(same) ? ", before a reboot" : "",
	       jstr_u64(res, "series", series), jstr_u64(res, "agg_records", recs));
	printf("%-11s %s worst windows, %s worst wakeups, %s interruption logs\n", "",
	       jstr_u64(res, "windows", win), jstr_u64(res, "wakeups", wk),
	       jstr_u64(res, "isolated_logs", logs));
}

/* Persistence: where, how often, what was restored or moved aside. */
static void print_state(json_object *r)
{
	json_object *st = jget(r, "state", json_type_object), *res;
	json_object *on = jget(st, "enabled", json_type_boolean);
	const char *file = jget_str(st, "file"), *why = jget_str(st, "disabled_reason");
	const char *aside = jget_str(st, "moved_aside"), *notes = jget_str(st, "notes");
	const char *err = jget_str(st, "last_error");
	char b1[FMT_LEN], b2[FMT_LEN], b3[FMT_LEN], ago[FMT_LEN];
	uint64_t since, last, errs = 0;

	if (!st)
		return;
	if (!file)
		printf("%-11s off (latscoped --state-dir): statistics are lost at exit\n", "state");
	else if (why || (on && !json_object_get_boolean(on)))
		printf("%-11s %sOFF: %s%s\n", "state", fmt_alert_on(), why ? why : "-",
		       fmt_alert_off());
	else
		printf("%-11s %s, saved every %ss: %s saves%s%s, %s errors\n", "state", file,
		       jstr_u64(st, "interval_s", b1), jstr_u64(st, "saves", b2),
		       jget_u64(st, "last_save_unix_ns", &last) ? ", last at " : "",
		       jget_u64(st, "last_save_unix_ns", &last) ? fmt_when(ago, last) : "",
		       jstr_u64(st, "save_errors", b3));
	if (jget_u64(st, "save_errors", &errs) && errs && err)
		printf("%-11s %slast save error: %s%s\n", "", fmt_alert_on(), err, fmt_alert_off());
	if ((res = jget(st, "restored", json_type_object)))
		print_restored(res);
	if (aside)
		printf("%-11s %sunusable state file moved to %s: %s%s\n", "", fmt_alert_on(),
		       aside, jget_str(st, "moved_aside_reason") ? jget_str(st, "moved_aside_reason")
		       : "-", fmt_alert_off());
	if (notes)
		printf("%-11s note: %s\n", "", notes);
	if (jget_u64(st, "stats_since_unix_ns", &since))
		printf("%-11s statistics since %s\n", "", fmt_when(b1, since));
}

static void print_metrics_export(json_object *r)
{
	json_object *m = jget(r, "metrics_export", json_type_object);
	const char *tf = jget_str(m, "textfile");
	char iv[FMT_LEN], w[FMT_LEN], e[FMT_LEN];
	uint64_t errs = 0;

	if (!tf)
		return;
	jget_u64(m, "write_errors", &errs);
	printf("%-11s %s every %ss: %s writes, %s%s errors%s\n", "metrics", tf,
	       jstr_u64(m, "interval_s", iv), jstr_u64(m, "writes", w),
	       errs ? fmt_alert_on() : "", jstr_u64(m, "write_errors", e),
	       errs ? fmt_alert_off() : "");
}

static int human(json_object *r)
{
	char b[FMT_LEN];

	print_header(r);
	print_programs(r);
	print_notes(r);
	print_counter(r, "events", "events_per_sec");
	print_counter(r, "records", "records_per_sec");
	print_drops(r);
	printf("%-11s %s  (exits without a matching entry)\n", "unpaired",
	       jstr_u64(r, "unpaired", b));
	print_rings(r);
	print_agg(r);
	print_state(r);
	print_metrics_export(r);
	status_print_service(r);
	print_kvm(r);
	win_print_status(r);
	print_wakeups(r);
	print_classes(r);
	return CLI_EXIT_OK;
}

static int run(const struct cli_opts *o, int argc, char **argv)
{
	int rc = args_parse(&cmd_status, argc, argv, NULL, NULL, NULL);

	return rc ? rc : request_run(o, request_new("status"), human);
}

const struct cli_cmd cmd_status = {
	.name = "status",
	.summary = "daemon health: programs, event rates, drops, rings",
	.usage = "usage: latscope status\n\n"
		 "Show latscoped's version, kernel and uptime, the BPF programs\n"
		 "attached (and why any are missing), event and record rates, records\n"
		 "dropped because a ring was full, unpaired events, the ring\n"
		 "configuration and aggregator statistics.\n" CLI_GLOBAL_HELP,
	.run = run,
};
