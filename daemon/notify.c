/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sd_notify(3) for Type=notify: READY=1 once the programs are attached and
 * the socket listens (main.c), RELOADING=1/READY=1 around a reload,
 * STOPPING=1, a one-line STATUS= and the watchdog keep-alive sent from the
 * event loop's 1 s tick, so a stuck loop is what the watchdog catches
 * (WatchdogSec must be above 2 s).
 */
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include "daemon.h"
#include "server.h"
#include "units.h"

#define STATUS_PERIOD_NS 5000000000ull

void ls_notify_state(const char *state)
{
	sd_notify(0, state);
}

void ls_notify_tick(struct ls_daemon *d, uint64_t now)
{
	uint64_t usec = 0, drops = 0;
	char line[256], ev[16];
	int k;

	/* every tick (1 s): at least twice per WatchdogSec as long as that is
	 * over 2 s, with no phase games between tick and deadline */
	if (sd_watchdog_enabled(0, &usec) > 0)
		sd_notify(0, "WATCHDOG=1");
	if (now - d->notify_status_ns < STATUS_PERIOD_NS && d->notify_status_ns)
		return;
	d->notify_status_ns = now;
	for (k = 0; k < LS_K_MAX; k++)
		drops += d->total.drops[k];
	snprintf(line, sizeof(line),
		 "STATUS=%u/%u programs attached, %s events/s, %llu drops, %u alerts firing, "
		 "%u clients", d->tracer.nattached, d->tracer.nprogs,
		 ls_fmt_count(d->rates.events_per_sec, ev, sizeof(ev)), (unsigned long long)drops,
		 ls_alert_firing(d->alerts.engine), d->srv ? ls_server_clients(d->srv) : 0);
	sd_notify(0, line);
}
