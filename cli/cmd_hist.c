// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* latscope hist: percentiles and a bar chart of one class's histogram. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/param.h>
#include <unistd.h>

#include "args.h"
#include "fmt.h"
#include "units.h"
#include "jget.h"
#include "request.h"

#define MAX_ROWS 30
#define BAR_MIN 10
#define BAR_MAX 60

struct row {
	uint64_t lo, hi, count;  /* [lo, hi) ns */
};

/* The percentiles a reader looks for, marked on the rows holding them. */
static const struct {
	const char *key, *label;
} marks[] = {
	{ "p50_ns", "p50" }, { "p90_ns", "p90" }, { "p99_ns", "p99" },
	{ "p999_ns", "p99.9" },
};

#define NMARKS (sizeof(marks) / sizeof(marks[0]))

static int load_rows(json_object *buckets, struct row *rows)
{
	for (size_t i = 0; i < json_object_array_length(buckets); i++) {
		json_object *b = json_object_array_get_idx(buckets, i);
		struct row *r = &rows[i];

		if (!jget_u64(b, "lo_ns", &r->lo) || !jget_u64(b, "hi_ns", &r->hi) ||
		    !jget_u64(b, "count", &r->count) || r->hi <= r->lo)
			return jmalformed("buckets[%zu] needs lo_ns < hi_ns and a count", i);
	}
	return CLI_EXIT_OK;
}

/* Merge runs of adjacent buckets so at most MAX_ROWS remain. */
static size_t merge_rows(struct row *rows, size_t n)
{
	size_t per = (n + MAX_ROWS - 1) / MAX_ROWS, out = 0;

	if (per <= 1)
		return n;
	for (size_t i = 0; i < n; i += per, out++) {
		struct row m = rows[i];

		for (size_t j = i + 1; j < i + per && j < n; j++) {
			m.hi = rows[j].hi;
			m.count += rows[j].count;
		}
		rows[out] = m;
	}
	return out;
}

static int term_cols(void)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) &&
	    ws.ws_col)
		return ws.ws_col;
	return 100;
}

static void row_marks(json_object *r, const struct row *row, char *buf, size_t len)
{
	size_t used = 0;
	uint64_t v;

	buf[0] = '\0';
	for (size_t i = 0; i < NMARKS; i++)
		if (jget_u64(r, marks[i].key, &v) && v >= row->lo && v < row->hi &&
		    used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 used ? " " : "<- ", marks[i].label);
}

static void print_bars(json_object *r, const struct row *rows, size_t n)
{
	uint64_t total = 0, peak = 0;
	int lo_w = 0, hi_w = 0, cnt_w = 5, bar_w;
	char lo[FMT_LEN], hi[FMT_LEN], cnt[FMT_LEN], bar[BAR_MAX + 1], m[64];

	for (size_t i = 0; i < n; i++) {
		total += rows[i].count;
		peak = rows[i].count > peak ? rows[i].count : peak;
		lo_w = MAX(lo_w, (int)strlen(ls_fmt_ns(rows[i].lo, lo, FMT_LEN)));
		hi_w = MAX(hi_w, (int)strlen(ls_fmt_ns(rows[i].hi, hi, FMT_LEN)));
		cnt_w = MAX(cnt_w, snprintf(cnt, sizeof(cnt), "%llu",
					    (unsigned long long)rows[i].count));
	}
	bar_w = term_cols() - (2 + lo_w + 3 + hi_w + 2 + 2 + cnt_w + 8 + 16);
	bar_w = bar_w < BAR_MIN ? BAR_MIN : bar_w > BAR_MAX ? BAR_MAX : bar_w;
	printf("  %*s   %-*s  %-*s  %*s  %6s\n", lo_w, "from", hi_w, "to",
	       bar_w + 2, "", cnt_w, "count", "%");
	for (size_t i = 0; i < n; i++) {
		int len = peak ? (int)((rows[i].count * (uint64_t)bar_w + peak - 1) / peak) : 0;

		memset(bar, '#', (size_t)len);
		bar[len] = '\0';
		row_marks(r, &rows[i], m, sizeof(m));
		printf("  %*s - %-*s  |%-*s|  %*llu  %5.1f%%%s%s\n",
		       lo_w, ls_fmt_ns(rows[i].lo, lo, FMT_LEN),
		       hi_w, ls_fmt_ns(rows[i].hi, hi, FMT_LEN),
		       bar_w, bar, cnt_w, (unsigned long long)rows[i].count,
		       total ? 100.0 * rows[i].count / total : 0.0, *m ? "  " : "", m);
	}
}

static void print_title(json_object *r)
{
	const char *cls = jget_str(r, "class");
	const char *key = jget_str(jget(r, "key", json_type_object), "name");
	uint64_t cpu;

	printf("%s", cls ? cls : "-");
	if (jget_u64(r, "cpu", &cpu))
		printf(", CPU %llu", (unsigned long long)cpu);
	else
		printf(", all CPUs");
	if (key)
		printf(", key %s\n", key);
	else
		printf(", all keys\n");
}

static void print_summary(json_object *r)
{
	char b[FMT_LEN];

	printf("count %s", jstr_u64(r, "count", b));
	printf("  min %s", jstr_dur(r, "min_ns", b));
	printf("  mean %s", jstr_dur(r, "mean_ns", b));
	printf("  p50 %s", jstr_dur(r, "p50_ns", b));
	printf("  p90 %s", jstr_dur(r, "p90_ns", b));
	printf("  p99 %s", jstr_dur(r, "p99_ns", b));
	printf("  p99.9 %s", jstr_dur(r, "p999_ns", b));
	printf("  max %s\n", jstr_dur(r, "max_ns", b));
}

static int human(json_object *r)
{
	json_object *buckets = jget(r, "buckets", json_type_array);
	size_t n = buckets ? json_object_array_length(buckets) : 0;
	struct row *rows;
	int rc;

	if (!buckets)
		return jmalformed("no \"buckets\" array");
	print_title(r);
	print_summary(r);
	if (!n) {
		printf("\nno values\n");
		return CLI_EXIT_OK;
	}
	rows = calloc(n, sizeof(*rows));
	if (!rows) {
		fprintf(stderr, "latscope: out of memory\n");
		return CLI_EXIT_RUNTIME;
	}
	rc = load_rows(buckets, rows);
	if (!rc) {
		putchar('\n');
		print_bars(r, rows, merge_rows(rows, n));
	}
	free(rows);
	return rc;
}

/* A key is sent as a number when it starts with one ("11" or "11:virtio0",
 * as the cpus table shows irqs), else as a name. */
static json_object *key_param(const char *k)
{
	char *end;
	unsigned long long v = strtoull(k, &end, 10);

	if (k[0] >= '0' && k[0] <= '9' && (!*end || *end == ':') && v <= UINT32_MAX)
		return json_object_new_int64((int64_t)v);
	return json_object_new_string(k);
}

static int run(const struct cli_opts *o, int argc, char **argv)
{
	const char *cls = NULL, *cpu = NULL, *key = NULL;
	const struct args_opt opts[] = { { "cpu", &cpu }, { "key", &key }, { 0 } };
	static const char *const pos[] = { "CLASS", NULL };
	json_object *req;
	int rc, n = 0;

	rc = args_parse(&cmd_hist, argc, argv, opts, pos, &cls);
	if (!rc && cpu)
		rc = args_cpu(&cmd_hist, cpu, &n);
	if (rc)
		return rc;
	req = request_new("hist");
	json_object_object_add(req, "class", json_object_new_string(cls));
	if (cpu)
		json_object_object_add(req, "cpu", json_object_new_int(n));
	if (key)
		json_object_object_add(req, "key", key_param(key));
	return request_run(o, req, human);
}

const struct cli_cmd cmd_hist = {
	.name = "hist",
	.summary = "latency histogram of one class",
	.usage = "usage: latscope hist CLASS [--cpu N] [--key K]\n\n"
		 "Percentiles and a bar chart of CLASS's latency histogram. CLASS is\n"
		 "hardirq, softirq, softirq_raise, vector, hrtimer, hrtimer_late,\n"
		 "hrtimer_early, hrtimer_wakeup, hrtimer_timerfd, kvm_exit (exit cost)\n"
		 "or kvm_guest (guest run ending in an exit). All CPUs and keys are\n"
		 "merged unless narrowed:\n\n"
		 "  --cpu N   only CPU N\n"
		 "  --key K   only key K: an irq number, a softirq (NET_RX), a vector\n"
		 "            (local_timer), a timer function (tick_nohz_handler) or,\n"
		 "            for hrtimer_wakeup and hrtimer_timerfd, a thread id, for\n"
		 "            kvm_* an exit reason (HLT, hlt, 12); 'latscope keys\n"
		 "            CLASS' lists them\n"
		 CLI_GLOBAL_HELP,
	.run = run,
	.print = human,
};
