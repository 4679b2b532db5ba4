/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * SIGHUP: read the configuration again. All or nothing: the new files are
 * parsed into a fresh struct; any error rejects the reload (logged, counted
 * in status) and the running configuration stays. Keys that only take
 * effect at start (ring size, families, socket, ...: `restart` in
 * lib/config.c) keep their running value and are logged "needs restart".
 * Statistics are untouched: the aggregator is not part of the configuration.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/timerfd.h>
#include "daemon.h"
#include "log.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void needs_restart(void *ctx, const char *key, const char *was, const char *now)
{
	(void)ctx;
	log_warn("reload: %s changed (%s -> %s): needs restart; keeping %s until then", key, was,
		 now, was);
}

static void set_drain(struct ls_daemon *d, uint64_t ms)
{
	struct itimerspec its = {
		.it_interval = { ms / 1000, (ms % 1000) * 1000000 },
		.it_value = { ms / 1000, (ms % 1000) * 1000000 },
	};

	if (timerfd_settime(d->drain_fd, 0, &its, NULL))
		log_warn("reload: drain timer: %s", strerror(errno));
	d->drain_ms = ms;
}

void ls_daemon_reload(struct ls_daemon *d)
{
	struct ls_config *n = malloc(sizeof(*n));
	char err[LS_CONFIG_ERR_MAX];

	if (!n) {
		log_err("reload: out of memory; keeping the running configuration");
		return;
	}
	ls_notify_state("RELOADING=1");
	if (ls_config_load(n, d->cl->config_path, d->cl->config_explicit, d->cl->ov, d->cl->nov,
			   err, sizeof(err))) {
		log_err("reload rejected, running configuration kept: %s", err);
		d->reload_errors++;
		snprintf(d->last_reload_error, sizeof(d->last_reload_error), "%s", err);
		free(n);
		ls_notify_state("READY=1");
		return;
	}
	ls_config_restart_diff(&d->cfg, n, needs_restart, NULL);
	ls_config_keep_restart_keys(n, &d->cfg);
	d->cfg = *n;
	free(n);
	ls_log_set_level(d->cfg.log_level);
	if (d->cfg.drain_ms != d->drain_ms)
		set_drain(d, d->cfg.drain_ms);
	ls_alerts_reconfigure(&d->alerts, &d->cfg, d->cl->foreground, mono_ns());
	d->reloads++;
	d->last_reload_error[0] = '\0';
	log_info("configuration reloaded (%u file(s), %u alert rule(s))", d->cfg.nfiles,
		 d->cfg.nrules);
	ls_notify_state("READY=1");
}

json_object *ls_daemon_config_status(const struct ls_daemon *d)
{
	json_object *o = json_object_new_object(), *files = json_object_new_array();
	char cpus[256];

	for (unsigned i = 0; i < d->cfg.nfiles; i++)
		json_object_array_add(files, json_object_new_string(d->cfg.files[i]));
	json_object_object_add(o, "files", files);
	json_object_object_add(o, "reloads", json_object_new_uint64(d->reloads));
	json_object_object_add(o, "reload_errors", json_object_new_uint64(d->reload_errors));
	if (d->last_reload_error[0])
		json_object_object_add(o, "last_reload_error",
				       json_object_new_string(d->last_reload_error));
	json_object_object_add(o, "cpus", json_object_new_string(
		ls_cpulist_format(&d->cfg.cpus, cpus, sizeof(cpus))));
	json_object_object_add(o, "filtered", json_object_new_uint64(d->filtered));
	json_object_object_add(o, "alerts", ls_alerts_status(&d->alerts));
	return o;
}
