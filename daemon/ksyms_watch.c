/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Keep the kernel symbol table current: read /proc/kallsyms at start (later
 * it may no longer be readable, e.g. after dropping privileges), and again
 * whenever /proc/modules changes, since module text moves symbols in and out.
 * If a reload fails the old table stays.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "daemon.h"
#include "log.h"
#include "names.h"

static uint64_t modules_hash(void)
{
	FILE *f = fopen("/proc/modules", "re");
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	int c;

	if (!f)
		return 0;
	while ((c = getc(f)) != EOF) {
		/* only names and load addresses matter, not the use counts,
		 * but hashing everything just reloads a little more often */
		h = (h ^ (unsigned char)c) * 1099511628211ull;
	}
	fclose(f);
	return h;
}

void ls_daemon_ksyms_init(struct ls_daemon *d)
{
	d->modules_hash = modules_hash();
	d->ksyms = ls_ksyms_load(NULL);
	if (!d->ksyms)
		log_warn("kallsyms unreadable (%s): timer functions shown as addresses",
			 strerror(errno));
	else
		log_debug("%zu kernel text symbols loaded", ls_ksyms_count(d->ksyms));
	ls_names_set_ksyms(d->ksyms);
}

void ls_daemon_ksyms_refresh(struct ls_daemon *d)
{
	uint64_t h = modules_hash();
	struct ls_ksyms *ks;

	if (h == d->modules_hash)
		return;
	d->modules_hash = h;
	ks = ls_ksyms_load(NULL);
	if (!ks) {
		log_warn("modules changed but kallsyms reload failed (%s); keeping the old table",
			 strerror(errno));
		return;
	}
	ls_names_set_ksyms(ks);
	ls_ksyms_free(d->ksyms);
	d->ksyms = ks;
	log_info("modules changed: %zu kernel text symbols reloaded", ls_ksyms_count(ks));
}
