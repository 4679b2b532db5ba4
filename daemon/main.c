/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * latscoped: loads the BPF programs, drains their rings into the aggregator
 * and serves the results on a Unix socket. One epoll loop: the rings' epoll
 * fd (forced wakeups), a drain timer, a 1 s tick, a signalfd, the listening
 * socket and its clients.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <systemd/sd-daemon.h>
#include "daemon.h"
#include "log.h"
#include "windows.h"
#include "names.h"
#include "server.h"
#include "wakeups.h"
#include "tracer_kvm.h"

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

/* Isolated CPUs from /sys, or the --isolated list; windows log what
 * interrupts them. */
static int setup_windows(struct ls_daemon *d, const struct ls_config *c)
{
	struct ls_win_opts wo = {
		.worst = c->worst, .flight = LS_WIN_DEFAULT_FLIGHT, .proc_comm = true,
	};
	struct ls_cpuset all, want = { { 0 } };
	char buf[256];
	unsigned cpu;

	if (ls_isolation_detect(&d->iso, ""))
		log_warn("isolated CPUs: %s", d->iso.error);
	if (!c->isolated.auto_detect) { /* [windows] isolated / --isolated */
		for (cpu = 0; cpu < LS_MAX_CPUS; cpu++)
			if (ls_cpulist_has(&c->isolated.cpus, cpu))
				want.w[cpu / 64] |= 1ull << (cpu % 64);
		ls_isolation_override(&d->iso, ls_cpuset_format(&want, buf, sizeof(buf)));
	}
	ls_isolation_all(&d->iso, &all);
	log_info("isolated CPUs: %s (%s)", ls_cpuset_empty(&all) ? "none" :
		 ls_cpuset_format(&all, buf, sizeof(buf)),
		 c->isolated.auto_detect ? "isolcpus, nohz_full, cpuset" : "configured");
	if (ls_windows_set_opts(ls_agg_windows(d->agg), &wo) ||
	    ls_windows_set_isolated(ls_agg_windows(d->agg), &all)) {
		log_err("windows: options rejected");
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
static int on_signal(struct ls_daemon *d, struct ls_ep *sig)
{
	struct signalfd_siginfo si;

	while (read(sig->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			ls_daemon_reload(d);
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
				ls_daemon_wakeup_bars(d);
				break;
			case LS_EP_DRAIN:
				drain_timer_ack(drain->fd);
				ls_tracer_drain(&d->tracer);
				ls_daemon_wakeup_bars(d);
				break;
			case LS_EP_TICK:
				drain_timer_ack(tick->fd);
				ls_tracer_drain(&d->tracer);
				ls_agg_flush(d->agg, mono_ns());
				ls_stacks_tick(&d->stacks, mono_ns());
				ls_daemon_refresh(d, mono_ns());
				ls_daemon_ksyms_refresh(d);
				ls_kvm_reprobe(&d->tracer);
				ls_server_tick(srv, mono_ns());
				ls_daemon_alerts_tick(d, mono_ns());
				ls_notify_tick(d, mono_ns());
				ls_persist_tick(d, mono_ns());
				ls_metrics_tick(d, mono_ns());
				if (live_sec && ++ticks % live_sec == 0)
					ls_live_print(d);
				break;
			case LS_EP_SIGNAL:
				if (!on_signal(d, sig))
					return 0;
				break;
			case LS_EP_HOOK:
				ls_alerts_hook_event(&d->alerts, tag);
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

/* A listening socket handed over by systemd (socket activation): its fd,
 * -1 when there is none (we bind ourselves), -2 when it is unusable. */
static int activation_fd(void)
{
	int n = sd_listen_fds(1);

	if (n <= 0)
		return -1;
	if (n > 1)
		log_warn("systemd passed %d sockets; using the first", n);
	if (sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, NULL, 0) <= 0) {
		log_err("the socket systemd passed (fd %d) is not a listening Unix stream socket",
			SD_LISTEN_FDS_START);
		return -2;
	}
	return SD_LISTEN_FDS_START;
}

static int set_socket_group(const struct ls_config *c)
{
	struct group *g;

	if (!c->socket_group[0])
		return 0;
	g = getgrnam(c->socket_group);
	if (!g || chown(c->socket, (uid_t)-1, g->gr_gid)) {
		log_err("socket_group %s for %s: %s", c->socket_group, c->socket,
			g ? strerror(errno) : "no such group");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct ls_cmdline cl;
	static struct ls_daemon d;
	struct ls_tracer_opts to = { 0 };
	struct ls_server_opts so = { .listen_fd = -1 };
	struct ls_ep rings = { LS_EP_RINGS, -1 }, drain = { LS_EP_DRAIN, -1 },
		     tick = { LS_EP_TICK, -1 }, sig = { LS_EP_SIGNAL, -1 };
	struct ls_server *srv = NULL;
	char cerr[LS_CONFIG_ERR_MAX];
	sigset_t mask;
	int epfd = -1, rc = 1, err;
	bool ran = false;

	if (ls_cmdline_parse(argc, argv, &cl))
		return 2;
	if (ls_config_load(&d.cfg, cl.config_path, cl.config_explicit, cl.ov, cl.nov, cerr,
			   sizeof(cerr))) {
		fprintf(stderr, "latscoped: %s\n", cerr);
		return 1;
	}
	if (cl.check_config) {
		ls_config_dump(&d.cfg, stdout);
		return 0;
	}
	d.cl = &cl;
	ls_log_set_level(d.cfg.log_level);
	if (!cl.foreground && daemonize()) {
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
	d.drain_ms = d.cfg.drain_ms;
	d.persist.dir_fd = -1;
	d.persist.dir = d.cfg.state_dir[0] ? d.cfg.state_dir : ls_persist_default_dir();
	d.persist.interval_s = d.cfg.state_interval;
	d.metrics.textfile = d.cfg.metrics_textfile[0] ? d.cfg.metrics_textfile : NULL;
	d.metrics.interval_s = d.cfg.metrics_interval;
	d.agg = ls_agg_new(d.cfg.max_series);
	/* a restored state takes over the windows options and the symbols */
	if (!d.agg || setup_windows(&d, &d.cfg))
		goto out;
	ls_daemon_ksyms_init(&d);
	if (ls_persist_start(&d, d.cfg.max_series))
		goto out;
	ls_wakeups_set_floor(ls_agg_wakeups(d.agg), d.cfg.wakeup_floor_ns);
	to.cpus_per_shard = d.cfg.cpus_per_ring;
	to.ring_bytes = (size_t)d.cfg.ring_kb << 10;
	to.cfg = &d.cfg;
	to.kvm_threads = d.cfg.kvm_threads;
	to.stack_threshold_ns = d.cfg.stack_threshold_ns;
	to.stack_entries = d.cfg.stack_entries;
	to.wakeup_floor_ns = d.cfg.wakeup_floor_ns;
	/* a capture is for replaying every wakeup: it cannot hold the counts */
	to.wakeup_emit_all = d.cfg.wakeup_emit == LS_WAKEUP_EMIT_ALL || cl.record_path;
	to.hrtimer_wakeup_fn = ls_ksyms_addr(d.ksyms, "hrtimer_wakeup");
	to.timerfd_fn = ls_ksyms_addr(d.ksyms, "timerfd_tmrproc");
	to.ipi_smp_call_fn = ls_ksyms_addr(d.ksyms, "generic_smp_call_function_single_interrupt");
	err = ls_tracer_start(&d.tracer, &to, ls_daemon_on_record, &d);
	if (err)
		goto out;
	if (ls_stacks_init(&d.stacks, d.cfg.stack_threshold_ns ? d.tracer.stacks_fd : -1,
			   d.tracer.stack_stats_fd, d.tracer.ncpus, d.cfg.stack_entries,
			   d.cfg.stack_threshold_ns, &d.ksyms))
		goto out;
	for (unsigned i = 0; i < d.tracer.nprogs; i++)
		if (d.tracer.progs[i].attached &&
		    (err = ls_stacks_add_prog(&d.stacks, d.tracer.progs[i].fd, d.tracer.progs[i].name)))
			log_warn("program %s: where it was JIT-compiled: %s (its frames in stacks "
				 "stay unnamed)", d.tracer.progs[i].name, strerror(-err));
	ls_windows_set_stack_fn(ls_agg_windows(d.agg), ls_stacks_resolve, &d.stacks);
	d.per_cpu = calloc(d.tracer.ncpus, sizeof(*d.per_cpu));
	d.drops_cpu = calloc(d.tracer.ncpus, sizeof(*d.drops_cpu));
	if (!d.per_cpu || !d.drops_cpu ||
	    (cl.record_path && open_capture(&d, cl.record_path, d.tracer.ncpus)))
		goto out;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	rings.fd = ls_tracer_epoll_fd(&d.tracer);
	drain.fd = d.drain_fd = timer_fd(d.cfg.drain_ms * 1000000ull);
	tick.fd = timer_fd(1000000000ull);
	sig.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (epfd < 0 || drain.fd < 0 || tick.fd < 0 || sig.fd < 0 || add_fd(epfd, &rings) ||
	    add_fd(epfd, &drain) || add_fd(epfd, &tick) || add_fd(epfd, &sig)) {
		log_err("setting up the event loop: %s", strerror(errno));
		goto out;
	}
	if (ls_alerts_init(&d.alerts, &d.cfg, d.tracer.ncpus, epfd, cl.foreground, mono_ns()))
		goto out;
	ls_agg_set_observer(d.agg, ls_alerts_observe, &d.alerts);
	so.listen_fd = activation_fd();
	so.path = d.cfg.socket;
	so.mode = d.cfg.socket_mode;
	if (so.listen_fd == -2 || ls_server_open(&srv, &so, epfd, ls_methods_handle, &d) ||
	    (so.listen_fd < 0 && set_socket_group(&d.cfg)))
		goto out;
	d.srv = d.alerts.srv = srv;
	ls_daemon_refresh(&d, mono_ns());
	/* a textfile that cannot be written is a configuration error: say so now */
	if (d.metrics.textfile && ls_metrics_export(&d)) {
		log_err("exiting: --metrics-textfile cannot be written");
		goto out;
	}
	log_info("serving on %s", so.listen_fd >= 0 ? "the socket systemd passed" : d.cfg.socket);
	ls_notify_state("READY=1");
	ls_notify_tick(&d, mono_ns());
	rc = run_loop(&d, srv, epfd, &tick, &drain, &sig, cl.live_sec);
	ls_notify_state("STOPPING=1");
	ran = true;
	ls_metrics_stop(&d);
out:
	ls_server_close(srv);
	if (d.tracer.rb) { /* loaded: detach, then collect everything */
		ls_tracer_detach(&d.tracer);
		ls_tracer_drain(&d.tracer);
		if (ls_daemon_wakeup_unstage(&d))
			log_err("collecting the staged wakeup records: %s", strerror(errno));
		if ((err = ls_daemon_cancels_sync(&d)))
			log_err("reading the hrtimer cancel counts: %s", strerror(-err));
	}
	if (ran) { /* with the last records in, so a restart loses none */
		ls_agg_flush(d.agg, UINT64_MAX); /* no record will end a pending window */
		ls_persist_save(&d);
	}
	ls_tracer_stop(&d.tracer);
	ls_daemon_cancels_free(d.cancels);
	ls_daemon_wakeup_free(d.wsync);
	if (d.capture && fclose(d.capture))
		log_err("--record: %s", strerror(errno));
	ls_persist_stop(&d);
	ls_agg_free(d.agg);
	ls_stacks_free(&d.stacks);
	ls_alerts_free(&d.alerts);
	ls_names_set_ksyms(NULL);
	ls_ksyms_free(d.ksyms);
	free(d.per_cpu);
	free(d.drops_cpu);
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
