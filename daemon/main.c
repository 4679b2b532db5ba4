/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * latscoped: loads the BPF programs, drains their rings into the aggregator
 * and serves the results on a Unix socket. One epoll loop: the rings' epoll
 * fd (forced wakeups), a drain timer, a 1 s tick, a signalfd, the listening
 * socket and its clients.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include "daemon.h"
#include "log.h"
#include "names.h"
#include "server.h"
#include "tracer_kvm.h"

#define DEFAULT_SOCKET "/run/latscope/latscope.sock"

struct opts {
	int foreground;
	unsigned live_sec;
	const char *socket_path;
	mode_t socket_mode;
	struct ls_tracer_opts tracer;
	unsigned drain_ms;
	size_t max_series;
	const char *record_path;
	const char *state_dir;
	unsigned state_interval;
	const char *metrics_textfile;
	unsigned metrics_interval;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: latscoped [OPTIONS]\n"
"Trace per-CPU interrupt, softirq and x86 vector latency with BPF and serve\n"
"the histograms on a Unix socket (query with `latscope`).\n\n"
"  -f, --foreground        stay in the foreground (logs on stderr)\n"
"      --live SEC          with -f: print a per-CPU table every SEC seconds\n"
"  -s, --socket PATH       socket path (default " DEFAULT_SOCKET ")\n"
"      --socket-mode MODE  octal mode of the socket (default 0660)\n"
"      --ring-kb KB        ring buffer size per shard in KiB, power of two (default 4096)\n"
"      --cpus-per-ring N   CPUs sharing one ring, power of two (default 8)\n"
"      --drain-ms MS       drain period in ms, 1..1000 (default 10)\n"
"      --max-series N      cap on (class,cpu,key) histograms (default 65536)\n"
"      --kvm-threads N     vCPU threads tracked at once, 16..1048576 (default 4096)\n"
"      --record FILE       also write every record to FILE (capture format, include/latscope/record.h)\n"
"      --state-dir DIR     keep the statistics in DIR/latscope.state: restore at start, save\n"
"                          periodically and at exit (default: $STATE_DIRECTORY when systemd\n"
"                          sets it, else none: statistics start empty and are not saved)\n"
"      --state-interval SEC  seconds between saves, 1..86400 (default 60)\n"
"      --metrics-textfile PATH  write Prometheus metrics to PATH (must end in .prom) for\n"
"                          node_exporter's textfile collector; removed at exit\n"
"      --metrics-interval SEC  seconds between textfile writes, 1..86400 (default 15)\n"
"  -l, --log-level LEVEL   error, warn, info (default), debug\n"
"  -h, --help              this help\n"
"  -V, --version           print the version\n");
}

static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int bad(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "latscoped: invalid %s '%s': expected %s\n", opt, val, want);
	return -1;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum { O_LIVE = 256, O_MODE, O_RING, O_CPR, O_DRAIN, O_SERIES, O_RECORD,
	       O_STATE_DIR, O_STATE_INT, O_MTEXT, O_MINT, O_KVM_THREADS };
	static const struct option lo[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "live", required_argument, NULL, O_LIVE },
		{ "socket", required_argument, NULL, 's' },
		{ "socket-mode", required_argument, NULL, O_MODE },
		{ "ring-kb", required_argument, NULL, O_RING },
		{ "cpus-per-ring", required_argument, NULL, O_CPR },
		{ "drain-ms", required_argument, NULL, O_DRAIN },
		{ "max-series", required_argument, NULL, O_SERIES },
		{ "record", required_argument, NULL, O_RECORD },
		{ "state-dir", required_argument, NULL, O_STATE_DIR },
		{ "state-interval", required_argument, NULL, O_STATE_INT },
		{ "metrics-textfile", required_argument, NULL, O_MTEXT },
		{ "metrics-interval", required_argument, NULL, O_MINT },
		{ "kvm-threads", required_argument, NULL, O_KVM_THREADS },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	unsigned long v;
	int c, lvl;

	while ((c = getopt_long(argc, argv, "fs:l:hV", lo, NULL)) != -1) {
		switch (c) {
		case 'f': o->foreground = 1; break;
		case O_LIVE:
			if (parse_uint(optarg, 1, 3600, &v))
				return bad("--live", optarg, "seconds 1..3600");
			o->live_sec = v;
			break;
		case 's': o->socket_path = optarg; break;
		case O_MODE: {
			char *end;

			v = strtoul(optarg, &end, 8);
			if (end == optarg || *end || v > 0777)
				return bad("--socket-mode", optarg, "an octal mode like 0660");
			o->socket_mode = v;
			break;
		}
		case O_RING:
			if (parse_uint(optarg, 4, 1u << 20, &v) || (v & (v - 1)))
				return bad("--ring-kb", optarg, "a power of two 4..1048576");
			o->tracer.ring_bytes = (size_t)v << 10;
			break;
		case O_CPR:
			if (parse_uint(optarg, 1, 4096, &v) || (v & (v - 1)))
				return bad("--cpus-per-ring", optarg, "a power of two 1..4096");
			o->tracer.cpus_per_shard = v;
			break;
		case O_DRAIN:
			if (parse_uint(optarg, 1, 1000, &v))
				return bad("--drain-ms", optarg, "milliseconds 1..1000");
			o->drain_ms = v;
			break;
		case O_SERIES:
			if (parse_uint(optarg, 16, 1u << 24, &v))
				return bad("--max-series", optarg, "a number 16..16777216");
			o->max_series = v;
			break;
		case O_RECORD: o->record_path = optarg; break;
		case O_KVM_THREADS:
			if (parse_uint(optarg, 16, 1u << 20, &v))
				return bad("--kvm-threads", optarg, "a number 16..1048576");
			o->tracer.kvm_threads = v;
			break;
		case O_STATE_DIR:
			if (!*optarg)
				return bad("--state-dir", optarg, "a directory");
			o->state_dir = optarg;
			break;
		case O_STATE_INT:
			if (parse_uint(optarg, 1, 86400, &v))
				return bad("--state-interval", optarg, "seconds 1..86400");
			o->state_interval = v;
			break;
		case O_MTEXT: {
			size_t n = strlen(optarg);

			if (n < 6 || strcmp(optarg + n - 5, ".prom") || optarg[n - 6] == '/')
				return bad("--metrics-textfile", optarg,
					   "a file name ending in .prom (node_exporter reads only those)");
			o->metrics_textfile = optarg;
			break;
		}
		case O_MINT:
			if (parse_uint(optarg, 1, 86400, &v))
				return bad("--metrics-interval", optarg, "seconds 1..86400");
			o->metrics_interval = v;
			break;
		case 'l':
			if ((lvl = ls_log_parse_level(optarg)) < 0)
				return bad("--log-level", optarg, "error, warn, info or debug");
			ls_log_set_level(lvl);
			break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("latscoped %s\n", LS_VERSION); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "latscoped: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!o->state_dir)
		o->state_dir = ls_persist_default_dir();
	if (o->live_sec && !o->foreground) {
		fprintf(stderr, "latscoped: --live needs --foreground\n");
		return -1;
	}
	return 0;
}

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static int add_fd(int epfd, struct ls_ep *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, tag->fd, &ev);
}

static int timer_fd(uint64_t period_ns)
{
	struct itimerspec its = {
		.it_interval = { period_ns / 1000000000, period_ns % 1000000000 },
		.it_value = { period_ns / 1000000000, period_ns % 1000000000 },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	if (fd >= 0 && timerfd_settime(fd, 0, &its, NULL)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_capture(struct ls_daemon *d, const char *path, int ncpus)
{
	struct ls_capture_hdr h = {
		.magic = LS_CAPTURE_MAGIC, .version = LS_RECORD_VERSION,
		.rec_size = sizeof(struct ls_rec), .ncpus = ncpus,
		.start_mono_ns = mono_ns(),
	};

	d->capture = fopen(path, "wbe");
	if (!d->capture || fwrite(&h, sizeof(h), 1, d->capture) != 1) {
		log_err("--record %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int daemonize(void)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	if (chdir("/"))
		return -1;
	if (!freopen("/dev/null", "r", stdin) || !freopen("/dev/null", "w", stdout))
		return -1;
	return 0;
}

/* Returns 1 to keep running, 0 to exit. */
static int on_signal(struct ls_ep *sig)
{
	struct signalfd_siginfo si;

	while (read(sig->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: nothing to reload (no configuration file support yet)");
			continue;
		}
		log_info("%s: detaching and exiting", strsignal(si.ssi_signo));
		return 0;
	}
	return 1;
}

static void drain_timer_ack(int fd)
{
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("timerfd read: %s", strerror(errno));
}

static int run_loop(struct ls_daemon *d, struct ls_server *srv, int epfd,
		    struct ls_ep *tick, struct ls_ep *drain, struct ls_ep *sig,
		    unsigned live_sec)
{
	struct epoll_event evs[64];
	unsigned ticks = 0;

	for (;;) {
		int i, n = epoll_wait(epfd, evs, 64, ls_server_pending(srv) ? 0 : -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("epoll_wait: %s", strerror(errno));
			return 1;
		}
		for (i = 0; i < n; i++) {
			struct ls_ep *tag = evs[i].data.ptr;

			switch (tag->kind) {
			case LS_EP_RINGS:
				ls_tracer_drain(&d->tracer);
				break;
			case LS_EP_DRAIN:
				drain_timer_ack(drain->fd);
				ls_tracer_drain(&d->tracer);
				break;
			case LS_EP_TICK:
				drain_timer_ack(tick->fd);
				ls_tracer_drain(&d->tracer);
				ls_daemon_refresh(d, mono_ns());
				ls_daemon_ksyms_refresh(d);
				ls_kvm_reprobe(&d->tracer);
				ls_server_tick(srv, mono_ns());
				ls_persist_tick(d, mono_ns());
				ls_metrics_tick(d, mono_ns());
				if (live_sec && ++ticks % live_sec == 0)
					ls_live_print(d);
				break;
			case LS_EP_SIGNAL:
				if (!on_signal(sig))
					return 0;
				break;
			case LS_EP_LISTEN:
			case LS_EP_CLIENT:
				ls_server_event(srv, tag, evs[i].events);
				break;
			}
		}
		ls_server_run_pending(srv);
	}
}

int main(int argc, char **argv)
{
	struct opts o = {
		.socket_path = DEFAULT_SOCKET, .socket_mode = 0660, .drain_ms = 10,
		.max_series = 65536, .state_interval = LS_STATE_INTERVAL_DEFAULT,
		.metrics_interval = LS_METRICS_INTERVAL_DEFAULT,
		.tracer = { .cpus_per_shard = 8, .ring_bytes = 4u << 20 },
	};
	struct ls_server_opts so = { .listen_fd = -1 };
	struct ls_ep rings = { LS_EP_RINGS, -1 }, drain = { LS_EP_DRAIN, -1 },
		     tick = { LS_EP_TICK, -1 }, sig = { LS_EP_SIGNAL, -1 };
	struct ls_server *srv = NULL;
	struct ls_daemon d = { 0 };
	sigset_t mask;
	int epfd = -1, rc = 1, err;

	if (parse_opts(argc, argv, &o))
		return 2;
	if (!o.foreground && daemonize()) {
		log_err("daemonize: %s", strerror(errno));
		return 1;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	d.started_mono_ns = mono_ns();
	d.started_unix_ns = d.stats_since_unix_ns = clock_ns(CLOCK_REALTIME);
	d.drain_ms = o.drain_ms;
	d.persist.dir_fd = -1;
	d.persist.dir = o.state_dir;
	d.persist.interval_s = o.state_interval;
	d.metrics.textfile = o.metrics_textfile;
	d.metrics.interval_s = o.metrics_interval;
	d.agg = ls_agg_new(o.max_series);
	if (!d.agg || ls_persist_start(&d, o.max_series))
		goto out;
	ls_daemon_ksyms_init(&d);
	o.tracer.hrtimer_wakeup_fn = ls_ksyms_addr(d.ksyms, "hrtimer_wakeup");
	err = ls_tracer_start(&d.tracer, &o.tracer, ls_daemon_on_record, &d);
	if (err)
		goto out;
	d.per_cpu = calloc(d.tracer.ncpus, sizeof(*d.per_cpu));
	if (!d.per_cpu || (o.record_path && open_capture(&d, o.record_path, d.tracer.ncpus)))
		goto out;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	rings.fd = ls_tracer_epoll_fd(&d.tracer);
	drain.fd = timer_fd(o.drain_ms * 1000000ull);
	tick.fd = timer_fd(1000000000ull);
	sig.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (epfd < 0 || drain.fd < 0 || tick.fd < 0 || sig.fd < 0 || add_fd(epfd, &rings) ||
	    add_fd(epfd, &drain) || add_fd(epfd, &tick) || add_fd(epfd, &sig)) {
		log_err("setting up the event loop: %s", strerror(errno));
		goto out;
	}
	so.path = o.socket_path;
	so.mode = o.socket_mode;
	if (ls_server_open(&srv, &so, epfd, ls_methods_handle, &d))
		goto out;
	ls_daemon_refresh(&d, mono_ns());
	/* a textfile that cannot be written is a configuration error: say so now */
	if (d.metrics.textfile && ls_metrics_export(&d)) {
		log_err("exiting: --metrics-textfile cannot be written");
		goto out;
	}
	log_info("serving on %s", o.socket_path);
	rc = run_loop(&d, srv, epfd, &tick, &drain, &sig, o.live_sec);
	ls_persist_save(&d);
	ls_metrics_stop(&d);
out:
	ls_server_close(srv);
	if (d.tracer.skel)
		ls_tracer_drain(&d.tracer);
	ls_tracer_stop(&d.tracer);
	if (d.capture && fclose(d.capture))
		log_err("--record: %s", strerror(errno));
	ls_persist_stop(&d);
	ls_agg_free(d.agg);
	ls_names_set_ksyms(NULL);
	ls_ksyms_free(d.ksyms);
	free(d.per_cpu);
	if (drain.fd >= 0)
		close(drain.fd);
	if (tick.fd >= 0)
		close(tick.fd);
	if (sig.fd >= 0)
		close(sig.fd);
	if (epfd >= 0)
		close(epfd);
	return rc;
}
