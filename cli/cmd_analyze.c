// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * latscope analyze: the daemon's views, from a saved ftrace text instead of
 * the live ring buffers. The text is streamed (constant memory) through
 * lib/ftrace_text.c into the pairing engine (lib/offline_pair.c), whose
 * records go through ls_agg_add into an aggregator exactly as latscoped's
 * do; the views are built by the same lib/report*.c functions and printed
 * by the same printers as the live commands.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "analyze.h"
#include "args.h"
#include "ftrace_text.h"
#include "names.h"
#include "offline_pair.h"
#include "report.h"
#include "report_input.h"
#include "report_ipis.h"
#include "report_kvm.h"
#include "report_windows.h"
#include "windows.h"

#define MAX_VIEWS 32
#define MAX_SERIES 65536 /* latscoped's default --max-series */
/* Give up on input that shows nothing trace-like after this many lines. */
#define HOPELESS_LINES 100000
/* trace-cmd's binary trace.dat starts with these bytes */
#define TRACE_DAT_MAGIC "\027\010\104tracing"

struct analyze;

struct view {
	const char *name;
	const struct cli_cmd *cmd;  /* prints the result */
	bool takes_class;
	json_object *(*build)(const struct analyze *a, uint32_t cls, struct ls_err *err);
};

struct wanted {
	const struct view *v;
	const char *cls_name;
	uint32_t cls;
};

struct analyze {
	const struct cli_opts *o;
	const char *file, *kallsyms, *record, *key;
	int64_t cpu;                /* -1: all */
	struct wanted want[MAX_VIEWS];
	size_t nwant;
	struct ls_ksyms *real;
	struct ls_agg *agg;
	struct ls_pair *pair;
	FILE *cap;
	uint64_t cap_errors;
	struct ls_ft_counts counts;
	bool trace_dat;             /* the input is trace-cmd's binary file */
	unsigned ncpus;
};

/* --- views --------------------------------------------------------------- */

/*
 * A per-CPU view (cpus, timers) for --cpu N, or for every CPU the trace
 * has events of: one builder call per CPU, rows joined in one result of
 * the live shape. A trace may show a few CPUs of many; the daemon's views
 * list every CPU because it traces them all.
 */
static json_object *per_seen_cpu(const struct analyze *a,
				 json_object *(*fn)(const struct ls_agg *, unsigned, int64_t))
{
	json_object *res = NULL, *rows = NULL;

	if (a->cpu >= 0)
		return fn(a->agg, a->ncpus, a->cpu);
	for (unsigned c = 0; c < a->ncpus; c++) {
		json_object *one, *arr;

		if (!ls_pair_cpu_seen(a->pair, c))
			continue;
		one = fn(a->agg, a->ncpus, c);
		if (!res) { /* the first keeps the view's other members */
			res = one;
			rows = json_object_object_get(res, "cpus");
			continue;
		}
		arr = json_object_object_get(one, "cpus");
		for (size_t i = 0; i < json_object_array_length(arr); i++)
			json_object_array_add(rows, json_object_get(json_object_array_get_idx(arr, i)));
		json_object_put(one);
	}
	return res ? res : fn(a->agg, a->ncpus, -1);
}

static json_object *build_cpus(const struct analyze *a, uint32_t cls, struct ls_err *err)
{
	(void)cls;
	(void)err;
	return per_seen_cpu(a, ls_report_cpus);
}

static json_object *build_timers(const struct analyze *a, uint32_t cls, struct ls_err *err)
{
	(void)cls;
	(void)err;
	return per_seen_cpu(a, ls_report_timers);
}

static json_object *build_hist(const struct analyze *a, uint32_t cls, struct ls_err *err)
{
	uint32_t key;

	if (a->key && ls_report_parse_key(cls, a->key, &key, err))
		return NULL;
	return ls_report_hist(a->agg, cls, a->cpu, a->key ? (int64_t)key : -1, err);
}

static json_object *build_keys(const struct analyze *a, uint32_t cls, struct ls_err *err)
{
	(void)err;
	return ls_report_keys(a->agg, cls, a->cpu);
}

static json_object *build_kvm(const struct analyze *a, uint32_t cls, struct ls_err *err)
{
	(void)cls;
	(void)err;
	return ls_report_kvm(a->agg, -1, -1, LS_KVM_SORT_DEFAULT);
}

static json_object *build_ipis(const struct analyze *a, uint32_t cls, struct ls_err *err)
{
	(void)cls;
	(void)err;
	return ls_report_ipis(a->agg, a->ncpus, a->cpu);
}

static json_object *build_windows(const struct analyze *a, uint32_t cls, struct ls_err *err)
{
	struct ls_win_opts wo;

	(void)cls;
	(void)err;
	ls_windows_get_opts(ls_agg_windows(a->agg), &wo);
	return ls_report_windows(a->agg, a->ncpus, a->cpu, -1, wo.worst);
}

static json_object *build_wakeups(const struct analyze *a, uint32_t cls, struct ls_err *err)
{
	(void)cls;
	(void)err;
	return per_seen_cpu(a, ls_report_wakeups);
}

static const struct view views[] = {
	{ "cpus", &cmd_cpus, false, build_cpus },
	{ "timers", &cmd_timers, false, build_timers },
	{ "ipis", &cmd_ipis, false, build_ipis },
	{ "wakeups", &cmd_wakeups, false, build_wakeups },
	{ "kvm", &cmd_kvm, false, build_kvm },
	{ "windows", &cmd_windows, false, build_windows },
	{ "hist", &cmd_hist, true, build_hist },
	{ "keys", &cmd_keys, true, build_keys },
};

#define NVIEWS (sizeof(views) / sizeof(views[0]))

static const struct view *find_view(const char *name)
{
	for (size_t i = 0; i < NVIEWS; i++)
		if (!strcmp(views[i].name, name))
			return &views[i];
	return NULL;
}

/* --- command line --------------------------------------------------------- */

static int add_view(struct analyze *a, const struct view *v, const char *cls_name)
{
	struct ls_err err = { 0 };
	struct wanted *w;

	if (a->nwant == MAX_VIEWS)
		return args_usage_error(&cmd_analyze, "at most %d views", MAX_VIEWS);
	w = &a->want[a->nwant++];
	w->v = v;
	w->cls_name = cls_name;
	if (v->takes_class && ls_report_parse_class(cls_name, &w->cls, &err))
		return args_usage_error(&cmd_analyze, "%s %s: %s", v->name, cls_name, err.msg);
	return 0;
}

/* FILE, then views; "hist" and "keys" take the next word as their class. */
static int parse_positional(struct analyze *a, char **pos, int npos)
{
	int rc;

	if (npos == 0)
		return args_usage_error(&cmd_analyze, "missing FILE (or - for standard input)");
	a->file = pos[0];
	for (int i = 1; i < npos; i++) {
		const struct view *v = find_view(pos[i]);

		if (!v)
			return args_usage_error(&cmd_analyze, "unknown view '%s'", pos[i]);
		if (v->takes_class && i + 1 == npos)
			return args_usage_error(&cmd_analyze, "%s needs a CLASS", v->name);
		rc = add_view(a, v, v->takes_class ? pos[++i] : NULL);
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_args(struct analyze *a, int argc, char **argv)
{
	const char *cpu = NULL;
	char **pos = calloc((size_t)argc, sizeof(*pos));
	int npos = 0, rc = 0, n;
	bool opts_done = false;

	if (!pos) {
		fprintf(stderr, "latscope: out of memory\n");
		return CLI_EXIT_RUNTIME;
	}
	for (int i = 1; i < argc && !rc; i++) {
		const char *arg = argv[i], *eq, **dst = NULL;
		size_t len;

		if (opts_done || arg[0] != '-' || !arg[1]) {
			pos[npos++] = argv[i];
			continue;
		}
		if (!strcmp(arg, "--")) {
			opts_done = true;
			continue;
		}
		eq = strchr(arg, '=');
		len = eq ? (size_t)(eq - arg) : strlen(arg);
		if (len == 5 && !strncmp(arg, "--cpu", len))
			dst = &cpu;
		else if (len == 5 && !strncmp(arg, "--key", len))
			dst = &a->key;
		else if (len == 10 && !strncmp(arg, "--kallsyms", len))
			dst = &a->kallsyms;
		else if (len == 8 && !strncmp(arg, "--record", len))
			dst = &a->record;
		if (!dst)
			rc = args_usage_error(&cmd_analyze, "unknown option '%.*s'", (int)len, arg);
		else if (eq)
			*dst = eq + 1;
		else if (i + 1 < argc)
			*dst = argv[++i];
		else
			rc = args_usage_error(&cmd_analyze, "option '%.*s' needs a value", (int)len, arg);
	}
	if (!rc)
		rc = parse_positional(a, pos, npos);
	if (!rc && cpu && !(rc = args_cpu(&cmd_analyze, cpu, &n)))
		a->cpu = n;
	free(pos);
	return rc;
}

/* --- reading ------------------------------------------------------------- */

static void on_record(void *ctx, const struct ls_rec *r)
{
	struct analyze *a = ctx;

	ls_agg_add(a->agg, r);
	if (a->cap && fwrite(r, ls_rec_size(r->kind), 1, a->cap) != 1)
		a->cap_errors++;
}

static int runtime_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int runtime_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "latscope: analyze: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_RUNTIME;
}

/* The capture file: header now, patched with the CPU count at the end. */
static int open_record(struct analyze *a)
{
	struct ls_capture_hdr h = {
		.magic = LS_CAPTURE_MAGIC, .version = LS_RECORD_VERSION,
		.rec_size = sizeof(struct ls_rec), .ncpus = 1,
	};

	a->cap = fopen(a->record, "wbe");
	if (!a->cap)
		return runtime_error("--record %s: %s", a->record, strerror(errno));
	if (fseek(a->cap, 0, SEEK_SET))
		return runtime_error("--record %s: not a regular file (%s)", a->record,
				     strerror(errno));
	if (fwrite(&h, sizeof(h), 1, a->cap) != 1)
		return runtime_error("--record %s: %s", a->record, strerror(errno));
	return 0;
}

static int close_record(struct analyze *a)
{
	const struct ls_pair_stats *s = ls_pair_stats(a->pair);
	struct ls_capture_hdr h = {
		.magic = LS_CAPTURE_MAGIC, .version = LS_RECORD_VERSION,
		.rec_size = sizeof(struct ls_rec), .ncpus = a->ncpus ? a->ncpus : 1,
		.start_mono_ns = s->first_ts,
	};
	int bad = a->cap_errors > 0;

	bad |= fseek(a->cap, 0, SEEK_SET) || fwrite(&h, sizeof(h), 1, a->cap) != 1;
	bad |= fclose(a->cap) != 0;
	a->cap = NULL;
	if (bad)
		return runtime_error("--record %s: write failed (%llu records lost)", a->record,
				     (unsigned long long)a->cap_errors);
	return 0;
}

/* Nothing trace-like in a large prefix: not worth reading gigabytes of. */
static bool hopeless(const struct ls_ft_counts *c)
{
	return c->lines >= HOPELESS_LINES && !c->events && !c->functions && !c->headers;
}

static int read_input(struct analyze *a)
{
	char *buf = malloc(LS_FT_LINE_MAX);
	struct ls_ft_reader r;
	struct ls_ft_event ev;
	int fd = 0, kind;

	if (!buf)
		return runtime_error("out of memory");
	if (strcmp(a->file, "-")) {
		fd = open(a->file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			free(buf);
			return runtime_error("cannot open %s: %s", a->file, strerror(errno));
		}
	}
	ls_ft_reader_init_fd(&r, fd, buf, LS_FT_LINE_MAX);
	while ((kind = ls_ft_reader_next(&r, &ev)) > 0) {
		/* the first read is still at the start of buf */
		if (r.counts.lines == 1 && r.end >= sizeof(TRACE_DAT_MAGIC) - 1 &&
		    !memcmp(buf, TRACE_DAT_MAGIC, sizeof(TRACE_DAT_MAGIC) - 1)) {
			a->trace_dat = true;
			break;
		}
		ls_pair_line(a->pair, kind, &ev);
		if (hopeless(&r.counts))
			break;
	}
	a->counts = r.counts;
	if (fd)
		close(fd);
	free(buf);
	if (kind < 0)
		return runtime_error("%s: read error: %s", a->file, strerror(-kind));
	ls_pair_finish(a->pair);
	return 0;
}

/* --- what the input is ---------------------------------------------------- */

static const char capture_help[] =
	"  latscope analyze reads tracepoint events (irq, irq_vectors, timer, ipi, sched, kvm).\n"
	"  Capture them with a tracefs instance, for example:\n"
	"    cd /sys/kernel/tracing && mkdir instances/lat && cd instances/lat\n"
	"    echo mono > trace_clock\n"
	"    for e in irq irq_vectors timer ipi sched kvm; do echo 1 > events/$e/enable; done\n"
	"    echo 1 > tracing_on; sleep 10; echo 0 > tracing_on; cat trace > trace.txt\n"
	"  or: trace-cmd record -e irq -e irq_vectors -e timer -e ipi -e sched -e kvm\n"
	"      trace-cmd report > trace.txt\n";

/* NULL when the input can be analyzed, else why not (one line). */
static const char *unusable(const struct analyze *a, char *buf, size_t len)
{
	const struct ls_ft_counts *c = &a->counts;
	const struct ls_pair_stats *s = ls_pair_stats(a->pair);

	if (a->trace_dat)
		return "this is trace-cmd's binary trace.dat: convert it to text with "
		       "'trace-cmd report -i FILE > trace.txt' and analyze that";
	switch (ls_ft_classify(c)) {
	case LS_FT_KIND_FUNCTION:
		if (c->tracer[0])
			snprintf(buf, len, "this is a function trace (%s tracer), not an event "
				 "trace", c->tracer);
		else
			snprintf(buf, len, "this is function tracer output, not an event trace");
		return buf;
	case LS_FT_KIND_EMPTY:
		return "an ftrace header with no events (was tracing on, with events enabled?)";
	case LS_FT_KIND_UNKNOWN:
		if (!c->lines)
			return "empty input";
		snprintf(buf, len, "not ftrace text: no event line in %s%llu lines",
			 hopeless(c) ? "the first " : "", (unsigned long long)c->lines);
		return buf;
	default:
		break;
	}
	if (!s->first_ts && c->counter_ts)
		return "every event has a raw counter timestamp (trace_clock counter or x86-tsc), "
		       "not time: capture with trace_clock mono, global or local";
	return NULL;
}

/* --- output --------------------------------------------------------------- */

static void print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
}

static bool has_values(const struct ls_agg *agg, uint32_t cls)
{
	struct ls_hist h;
	bool any;

	ls_hist_init(&h);
	any = ls_agg_merge(agg, cls, -1, -1, &h) > 0 && h.count > 0;
	ls_hist_free(&h);
	return any;
}

/* Views to show when none were asked for: cpus, and the families' own
 * views where the trace has their records. */
static void default_views(struct analyze *a)
{
	const struct ls_pair_stats *s = ls_pair_stats(a->pair);

	a->want[a->nwant++].v = find_view("cpus");
	if (s->records[LS_K_HRTIMER])
		a->want[a->nwant++].v = find_view("timers");
	if (s->records[LS_K_IPI])
		a->want[a->nwant++].v = find_view("ipis");
	if (s->records[LS_K_WAKEUP])
		a->want[a->nwant++].v = find_view("wakeups");
	if (s->records[LS_K_KVM_EXIT])
		a->want[a->nwant++].v = find_view("kvm");
	if (has_values(a->agg, LS_K_IRQOFF) || has_values(a->agg, LS_K_PREEMPTOFF))
		a->want[a->nwant++].v = find_view("windows");
}

static json_object *view_entry(const struct wanted *w, json_object *result,
			       const struct ls_err *err)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "view", json_object_new_string(w->v->name));
	if (w->cls_name)
		json_object_object_add(o, "class", json_object_new_string(w->cls_name));
	if (result) {
		json_object_object_add(o, "result", result);
	} else {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "code", json_object_new_string(err->code));
		json_object_object_add(e, "message", json_object_new_string(err->msg));
		json_object_object_add(o, "error", e);
	}
	return o;
}

/* Builds every view; prints them as tables unless --json. A view that
 * cannot be built (no values, unknown key) says why; usage errors (a key
 * that is not a name in this trace) make the exit code 2. */
static int show_views(struct analyze *a, json_object *out)
{
	json_object *arr = json_object_new_array();
	int rc = CLI_EXIT_OK;

	for (size_t i = 0; i < a->nwant; i++) {
		const struct wanted *w = &a->want[i];
		struct ls_err err = { 0 };
		json_object *res = w->v->build(a, w->cls, &err);

		if (!res && !err.code)
			ls_err_set(&err, LS_E_INTERNAL, "could not build the view");
		if (!res && !strcmp(err.code, LS_E_BAD_PARAMS))
			rc = CLI_EXIT_USAGE;
		if (!a->o->json) {
			printf("\n== %s%s%s ==\n", w->v->name, w->cls_name ? " " : "",
			       w->cls_name ? w->cls_name : "");
			if (res && w->v->cmd->print(res) != CLI_EXIT_OK)
				rc = CLI_EXIT_RUNTIME;
			else if (!res)
				printf("%s\n", err.msg);
		}
		json_object_array_add(arr, view_entry(w, res, &err));
	}
	json_object_object_add(out, "views", arr);
	return rc;
}

static int report(struct analyze *a)
{
	json_object *out = json_object_new_object();
	json_object *in = ls_report_input(a->file, &a->counts, a->pair);
	char why_buf[160];
	const char *why = unusable(a, why_buf, sizeof(why_buf));
	int rc = CLI_EXIT_OK;

	json_object_object_add(out, "input", json_object_get(in));
	if (why) {
		fprintf(stderr, "latscope: analyze: %s: %s.\n%s", a->file, why,
			a->trace_dat || !a->counts.lines ? "" : capture_help);
		json_object_object_add(out, "error", json_object_new_string(why));
		rc = CLI_EXIT_RUNTIME;
	} else if (a->cpu >= (int64_t)a->ncpus) {
		fprintf(stderr, "latscope: analyze: --cpu %lld: the trace has CPUs 0..%u\n",
			(long long)a->cpu, a->ncpus - 1);
		rc = CLI_EXIT_USAGE;
	} else {
		if (!a->nwant)
			default_views(a);
		if (!a->o->json)
			analyze_print_input(in);
		rc = show_views(a, out);
	}
	if (a->o->json)
		print_json(out);
	json_object_put(in);
	json_object_put(out);
	return rc;
}

/* --- the command ---------------------------------------------------------- */

static int setup(struct analyze *a)
{
	if (a->kallsyms) {
		a->real = ls_ksyms_load(a->kallsyms);
		if (!a->real)
			return runtime_error("--kallsyms %s: %s", a->kallsyms,
					     errno == EPERM ? "all addresses are 0 (kptr_restrict)"
							    : strerror(errno));
	}
	a->agg = ls_agg_new(MAX_SERIES);
	a->pair = ls_pair_new(on_record, a, a->real);
	if (!a->agg || !a->pair)
		return runtime_error("out of memory");
	return a->record ? open_record(a) : 0;
}

static int run(const struct cli_opts *o, int argc, char **argv)
{
	struct analyze a = { .o = o, .cpu = -1 };
	struct ls_agg_stats st;
	int rc = parse_args(&a, argc, argv);

	if (!rc)
		rc = setup(&a);
	if (!rc)
		rc = read_input(&a);
	if (!rc) {
		ls_agg_get_stats(a.agg, &st);
		a.ncpus = ls_pair_stats(a.pair)->ncpus;
		if (st.max_cpu_seen > a.ncpus)
			a.ncpus = st.max_cpu_seen;
		if (a.cap)
			rc = close_record(&a);
	}
	if (!rc) {
		/* windows still open are closed at the trace's last timestamp */
		ls_agg_flush(a.agg, ls_pair_stats(a.pair)->last_ts);
		/* keys the views name: the trace's functions and irqs */
		ls_names_set_ksyms(ls_pair_ksyms(a.pair));
		ls_names_set_irq_names(ls_pair_irq_name, a.pair);
		rc = report(&a);
		ls_names_set_irq_names(NULL, NULL);
		ls_names_set_ksyms(NULL);
	}
	if (a.cap)
		fclose(a.cap);
	ls_pair_free(a.pair);
	ls_agg_free(a.agg);
	ls_ksyms_free(a.real);
	return rc;
}

const struct cli_cmd cmd_analyze = {
	.name = "analyze",
	.summary = "the same views from a saved ftrace text (offline, no daemon)",
	.usage = "usage: latscope analyze [--cpu N] [--key K] [--kallsyms FILE] [--record FILE]\n"
		 "                        FILE|- [VIEW...]\n\n"
		 "Reads ftrace text (a tracefs trace or trace_pipe, or trace-cmd report\n"
		 "output) with irq, irq_vectors, timer, ipi, sched or kvm events, pairs\n"
		 "entries and exits as latscoped's BPF programs do, and prints what it\n"
		 "read (format, lines, events by type, spans unpaired or still open at\n"
		 "the end) and the views. FILE - reads standard input; any size is\n"
		 "streamed in constant memory. VIEW is one of:\n"
		 "  cpus            per-CPU summary of every class (default)\n"
		 "  timers          hrtimer lateness and run time (default when present)\n"
		 "  ipis            IPI delivery: sender x target CPU, callbacks, callsites\n"
		 "                  (default when present)\n"
		 "  wakeups         wakeup latency per CPU and class, worst wakeups\n"
		 "                  (default when present)\n"
		 "  kvm             KVM exits per reason, guest vs host time per vCPU\n"
		 "                  (default when present)\n"
		 "  windows         irq-off/preempt-off windows derived from the spans\n"
		 "                  (default when present)\n"
		 "  hist CLASS      histogram of CLASS (with --key K: only that key)\n"
		 "  keys CLASS      the keys of CLASS with data\n\n"
		 "  --cpu N          only CPU N in the views\n"
		 "  --key K          the key for hist views (irq, softirq, vector, function)\n"
		 "  --kallsyms FILE  the traced kernel's /proc/kallsyms: timer and callback\n"
		 "                   keys become its addresses, as latscoped's are\n"
		 "  --record FILE    also write the records as a capture file (the format\n"
		 "                   of latscoped --record)\n\n"
		 "With --json: one object, {\"input\": ..., \"views\": [{\"view\", \"result\"}...]}.\n"
		 "Exit status: 0 ok, 1 unreadable input or not an event trace (a function\n"
		 "tracer trace is detected and explained), 2 usage error.\n" CLI_GLOBAL_HELP,
	.run = run,
};
