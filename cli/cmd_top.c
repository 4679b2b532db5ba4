// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * latscope top: a live per-CPU table of irq-off and preempt-off windows.
 *
 * On a terminal it redraws in place without flicker: each frame is written
 * in one go from the home position, every line ends with "clear to end of
 * line" and the frame with "clear to end of screen", never a full clear.
 * The cursor is hidden and the keyboard read unbuffered while it runs; q,
 * Ctrl-C, SIGTERM and SIGHUP restore both and exit 0.
 *
 * When stdout is not a terminal, frames are printed one after the other
 * (no escape sequences), separated by a blank line, until --count frames,
 * a signal, or the reader going away (like `top -b`); --once is --count 1.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "args.h"
#include "fmt.h"
#include "jget.h"
#include "request.h"
#include "units.h"
#include "win_text.h"

#define MAX_LINE 512

static volatile sig_atomic_t g_stop, g_resized;

static void on_stop(int sig)
{
	(void)sig;
	g_stop = 1;
}

static void on_winch(int sig)
{
	(void)sig;
	g_resized = 1;
}

struct term {
	bool tty_out, tty_in;
	struct termios saved;
	int cols;
};

static int term_cols(const struct term *t)
{
	struct winsize ws;

	if (t->tty_out && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col)
		return ws.ws_col;
	return MAX_LINE - 1;
}

static void term_enter(struct term *t)
{
	struct termios raw;

	if (t->tty_in && !tcgetattr(STDIN_FILENO, &t->saved)) {
		raw = t->saved;
		raw.c_lflag &= ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	} else {
		t->tty_in = false;
	}
	fputs("\033[?25l\033[H\033[J", stdout); /* hide cursor; start on a clean screen */
}

static void term_leave(struct term *t)
{
	if (t->tty_in)
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
	fputs("\033[?25h", stdout);
	fflush(stdout);
}

/* One frame, as lines. */
struct frame {
	char line[256][MAX_LINE];
	int n;
};

static void add_line(struct frame *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_line(struct frame *f, const char *fmt, ...)
{
	va_list ap;

	if (f->n == (int)(sizeof(f->line) / sizeof(f->line[0])))
		return;
	va_start(ap, fmt);
	vsnprintf(f->line[f->n++], MAX_LINE, fmt, ap);
	va_end(ap);
}

/* "cur p99 max worst" of one kind of one CPU; worst padded to worst_w
 * (0: not padded, the last column). */
static void cells(json_object *k, char *buf, size_t len, int worst_w, int pad)
{
	char a[FMT_LEN], b[FMT_LEN], c[FMT_LEN], w[WIN_TEXT_LEN] = "-";
	json_object *win = jget(k, "worst", json_type_object);
	uint64_t n = 0;

	jget_u64(k, "count", &n);
	if (win)
		win_cause(win, w, sizeof(w));
	if (!n) {
		snprintf(buf, len, "%8s %8s %8s  %-*s", "-", "-", "-", pad ? worst_w : 0, "");
		return;
	}
	snprintf(buf, len, "%8s %8s %8s  %-*.*s", jstr_dur(k, "current_ns", a),
		 jstr_dur(k, "p99_ns", b), jstr_dur(k, "max_ns", c), pad ? worst_w : 0, worst_w, w);
}

static int build(struct frame *f, json_object *st, json_object *cpus, double interval, int cols)
{
	json_object *arr = jget(cpus, "cpus", json_type_array);
	int worst_w = (cols - (4 + 4 + 2 * (3 * 9 + 4))) / 2;
	char when[32], rate[FMT_LEN], l[MAX_LINE], r[MAX_LINE];
	double recs = 0;
	uint64_t drops = 0;
	time_t now = time(NULL);

	if (!arr)
		return jmalformed("cpus: no \"cpus\" array");
	if (worst_w < 12)
		worst_w = 12;
	if (worst_w > 60)
		worst_w = 60;
	jget_num(st, "records_per_sec", &recs);
	jget_u64(st, "drops", &drops);
	strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
	f->n = 0;
	add_line(f, "latscope top  %s  every %gs  records %s/s  drops %llu%s", when, interval,
		 ls_fmt_count(recs, rate, sizeof(rate)), (unsigned long long)drops,
		 drops ? " (RECORDS LOST)" : "");
	add_line(f, "%s", "");
	add_line(f, "%-7s %-*s  %s", "", 29 + worst_w, "irq-off windows",
		 "preempt-off windows");
	add_line(f, "CPU ISO %8s %8s %8s  %-*s %8s %8s %8s  %s", "cur", "p99", "max", worst_w,
		 "worst cause", "cur", "p99", "max", "worst cause");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *c = json_object_array_get_idx(arr, i);
		json_object *w = jget(c, "windows", json_type_object);
		json_object *iso = jget(c, "isolated", json_type_boolean);
		uint64_t cpu;

		if (!jget_u64(c, "cpu", &cpu) || !w)
			return jmalformed("cpus[%zu] needs \"cpu\" and \"windows\" (is latscoped "
					  "older than this latscope?)", i);
		cells(jget(w, "irqoff", json_type_object), l, sizeof(l), worst_w, 1);
		cells(jget(w, "preemptoff", json_type_object), r, sizeof(r), worst_w, 0);
		add_line(f, "%3llu %-3s %s %s", (unsigned long long)cpu,
			 iso && json_object_get_boolean(iso) ? "*" : "", l, r);
	}
	add_line(f, "%s", "");
	add_line(f, "cur: longest window in the last completed second; p99, max: since start;");
	add_line(f, "ISO *: isolated CPU. Details: latscope windows --cpu N. q or Ctrl-C quits.");
	return CLI_EXIT_OK;
}

/* Returns false when stdout is gone (EPIPE...). */
static bool draw(const struct frame *f, const struct term *t)
{
	int cols = term_cols(t);

	if (t->tty_out)
		fputs("\033[H", stdout);
	for (int i = 0; i < f->n; i++) {
		if (t->tty_out)
			printf("%.*s\033[K\n", cols - 1, f->line[i]);
		else
			printf("%s\n", f->line[i]);
	}
	if (t->tty_out)
		fputs("\033[J", stdout);
	else
		putchar('\n');
	return fflush(stdout) == 0 && !ferror(stdout);
}

static int fetch(const struct cli_opts *o, json_object **st_resp, json_object **st,
		 json_object **cpus_resp, json_object **cpus)
{
	int rc = request_get(o, request_new("status"), st_resp, st);

	if (!rc)
		rc = request_get(o, request_new("cpus"), cpus_resp, cpus);
	return rc;
}

/* Wait for the next frame; true to go on. Reads 'q' from a terminal. */
static bool wait_next(const struct term *t, double interval)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	int ms = (int)lround(interval * 1000);
	char c;

	if (g_stop)
		return false;
	if (poll(&p, t->tty_in ? 1 : 0, ms) > 0) {
		while (read(STDIN_FILENO, &c, 1) == 1)
			if (c == 'q' || c == 'Q')
				return false;
	}
	return !g_stop;
}

static int parse_interval(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (!*s || *end || !isfinite(v) || v < 0.1 || v > 3600)
		return -1;
	*out = v;
	return 0;
}

static int parse_count(const char *s, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s < '0' || *s > '9' || *end || v < 1)
		return -1;
	*out = v;
	return 0;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop }; /* no SA_RESTART: wake poll */

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int loop(const struct cli_opts *o, struct term *t, double interval, long count)
{
	struct frame *f = malloc(sizeof(*f));
	int rc = CLI_EXIT_OK;

	if (!f) {
		fprintf(stderr, "latscope: out of memory\n");
		return CLI_EXIT_RUNTIME;
	}
	for (long i = 0; !count || i < count; i++) {
		json_object *st_resp, *st, *cpus_resp, *cpus;

		if (i && !wait_next(t, interval))
			break;
		rc = fetch(o, &st_resp, &st, &cpus_resp, &cpus);
		if (rc)
			break;
		if (o->json) {
			puts(json_object_to_json_string_ext(cpus, JSON_C_TO_STRING_PLAIN));
			fflush(stdout);
		} else {
			rc = build(f, st, cpus, interval, term_cols(t));
			if (!rc && g_resized && t->tty_out) {
				fputs("\033[H\033[J", stdout); /* resized: start clean once */
				g_resized = 0;
			}
		}
		json_object_put(st_resp);
		json_object_put(cpus_resp);
		if (rc || (!o->json && !draw(f, t)) || ferror(stdout))
			break; /* a reader that went away is not an error */
	}
	free(f);
	return rc;
}

static int run(const struct cli_opts *o, int argc, char **argv)
{
	const char *ival = NULL, *cnt = NULL;
	const struct args_opt opts[] = { { "interval", &ival }, { "count", &cnt }, { 0 } };
	struct term t = { 0 };
	double interval = 1.0;
	long count = 0;
	bool once = false;
	int rc, nargs = 0;
	char **args = calloc((size_t)argc + 1, sizeof(*args));

	if (!args)
		return CLI_EXIT_RUNTIME;
	for (int i = 0; i < argc; i++) /* --once is a flag; args_parse takes values */
		if (i && !strcmp(argv[i], "--once"))
			once = true;
		else
			args[nargs++] = argv[i];
	rc = args_parse(&cmd_top, nargs, args, opts, NULL, NULL);
	free(args);
	if (rc)
		return rc;
	if (ival && parse_interval(ival, &interval))
		return args_usage_error(&cmd_top, "--interval: '%s' is not 0.1..3600 seconds", ival);
	if (cnt && parse_count(cnt, &count))
		return args_usage_error(&cmd_top, "--count: '%s' is not a number >= 1", cnt);
	if (once && cnt)
		return args_usage_error(&cmd_top, "--once and --count are exclusive");
	if (once)
		count = 1;
	t.tty_out = isatty(STDOUT_FILENO) && !o->json;
	t.tty_in = t.tty_out && isatty(STDIN_FILENO) && count != 1;
	t.tty_out = t.tty_out && count != 1; /* one frame: plain output */
	catch_signals();
	if (t.tty_out)
		term_enter(&t);
	rc = loop(o, &t, interval, count);
	if (t.tty_out)
		term_leave(&t);
	return rc;
}

const struct cli_cmd cmd_top = {
	.name = "top",
	.summary = "live per-CPU table of irq-off and preempt-off windows",
	.usage = "usage: latscope top [--interval SEC] [--once | --count N]\n\n"
		 "One row per CPU, refreshed every SEC seconds (default 1): for irq-off\n"
		 "and preempt-off windows the longest of the last completed second (cur),\n"
		 "p99 and max since start, and the cause of the longest; isolated CPUs\n"
		 "are marked. On a terminal the table redraws in place; q or Ctrl-C quits.\n"
		 "When stdout is not a terminal, frames are printed one after another\n"
		 "(like top -b) until --count frames or a signal.\n\n"
		 "  --interval SEC  seconds between frames, 0.1..3600 (default 1)\n"
		 "  --once          print one frame and exit (same as --count 1)\n"
		 "  --count N       print N frames and exit\n"
		 "  --json          one line per frame: the daemon's `cpus` result\n"
		 CLI_GLOBAL_HELP,
	.run = run,
};
