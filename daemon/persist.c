/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Persistence policy (format: lib/state.c). A state file that cannot be
 * used (foreign, truncated, corrupt, newer format, unreadable) is renamed
 * to latscope.state.corrupt-<UTC time> with a warning and the daemon starts
 * fresh; if it cannot even be moved aside, persistence is switched off for
 * this run rather than overwrite data we could not read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include "daemon.h"
#include "comms.h"
#include "log.h"
#include "state.h"

static uint64_t unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void read_boot_id(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	buf[0] = 0;
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
}

/* mkdir -p, mode 0750 for what it creates. */
static int make_dirs(const char *dir)
{
	char *p = strdup(dir), *s;
	int rc = 0;

	if (!p)
		return -1;
	for (s = p + 1; !rc; s++) {
		char c = *s;

		if (c && c != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0750) && errno != EEXIST)
			rc = -1;
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return rc;
}

/* Rename path to path.corrupt-<UTC time>[.N]; 0, or -1 with errno. */
static int move_aside(struct ls_persist *p)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (int n = 0; n < 100; n++) {
		if (n)
			snprintf(p->moved_aside, sizeof(p->moved_aside), "%s.corrupt-%s.%d",
				 p->path, stamp, n);
		else
			snprintf(p->moved_aside, sizeof(p->moved_aside), "%s.corrupt-%s",
				 p->path, stamp);
		if (access(p->moved_aside, F_OK) && errno == ENOENT)
			return rename(p->path, p->moved_aside);
	}
	errno = EEXIST;
	return -1;
}

static void adopt(struct ls_daemon *d, struct ls_state *s)
{
	struct ls_persist *p = &d->persist;
	struct ls_agg_stats st;
	char boot[40];

	ls_agg_free(d->agg);
	d->agg = s->agg;
	for (size_t i = 0; i < s->ncomms; i++)
		ls_comm_note(s->comms[i].pid, s->comms[i].comm, sizeof(s->comms[i].comm));
	free(s->comms);
	d->counters_base = s->counters;
	d->stats_since_unix_ns = s->stats_since_unix_ns;
	ls_agg_get_stats(d->agg, &st);
	read_boot_id(boot, sizeof(boot));
	p->restored = true;
	p->restored_saved_unix_ns = s->saved_unix_ns;
	p->restored_started_unix_ns = s->started_unix_ns;
	snprintf(p->restored_version, sizeof(p->restored_version), "%s", s->version);
	p->restored_same_boot = boot[0] && !strcmp(boot, s->boot_id);
	p->restored_counters = s->counters;
	p->restored_agg_records = st.records;
	p->restored_series = st.series;
	p->restored_more = s->restored;
}

/* The saved state is fitted to this daemon: its series cap, CPUs, windows
 * options and isolated CPUs (set up on d->agg before), symbols. */
static void restore(struct ls_daemon *d, size_t max_series)
{
	struct ls_persist *p = &d->persist;
	struct ls_windows *w = ls_agg_windows(d->agg);
	struct ls_state_msg m = { 0 };
	struct ls_win_opts wo;
	struct ls_cpuset iso;
	char boot[40];
	int ncpus = libbpf_num_possible_cpus();
	struct ls_state_limits lim = {
		.max_series = max_series, .ncpus = ncpus > 0 ? (uint32_t)ncpus : 0,
		.win = &wo, .isolated = &iso, .ksyms = d->ksyms, .boot_id = boot,
	};
	struct ls_state s;
	int rc;

	read_boot_id(boot, sizeof(boot));
	ls_windows_get_opts(w, &wo);
	ls_windows_get_isolated(w, &iso);
	rc = ls_state_load(p->path, &lim, &s, &m);
	switch (rc) {
	case LS_STATE_OK:
		adopt(d, &s);
		log_info("restored %llu series, %llu records, %llu worst windows, %llu worst "
			 "wakeups, %llu interruption logs from %s (saved by latscoped %s%s)",
			 (unsigned long long)p->restored_series,
			 (unsigned long long)p->restored_agg_records,
			 (unsigned long long)s.restored.windows,
			 (unsigned long long)s.restored.wakeups,
			 (unsigned long long)s.restored.isolated_logs, p->path, s.version,
			 p->restored_same_boot ? "" : ", before a reboot");
		if (s.restored.rebased)
			log_info("%llu saved kernel addresses moved to this boot's symbols",
				 (unsigned long long)s.restored.rebased);
		if (m.notes[0]) {
			log_warn("%s: %s", p->path, m.notes);
			snprintf(p->notes, sizeof(p->notes), "%s", m.notes);
		}
		return;
	case LS_STATE_MISSING:
		log_info("no state file %s: starting fresh", p->path);
		return;
	case LS_STATE_NOMEM:
		/* the file is fine; keep it, do not overwrite it with less */
		p->disabled = true;
		snprintf(p->disabled_why, sizeof(p->disabled_why),
			 "restoring %s: %s", p->path, m.err);
		log_err("%s; persistence off for this run, file left as it is", p->disabled_why);
		return;
	default:
		break;
	}
	snprintf(p->moved_aside_why, sizeof(p->moved_aside_why), "%s", m.err);
	if (move_aside(p)) {
		p->moved_aside[0] = 0;
		p->disabled = true;
		snprintf(p->disabled_why, sizeof(p->disabled_why),
			 "%s unusable (%s) and could not be moved aside (%s)",
			 p->path, m.err, strerror(errno));
		log_err("%s; persistence off for this run", p->disabled_why);
		return;
	}
	log_warn("state file %s unusable (%s): moved to %s, starting fresh", p->path,
		 m.err, p->moved_aside);
}

const char *ls_persist_default_dir(void)
{
	static char dir[4096];
	const char *env = getenv("STATE_DIRECTORY");

	if (!env || !*env || *env == ':')
		return NULL;
	snprintf(dir, sizeof(dir), "%.*s", (int)strcspn(env, ":"), env);
	return dir;
}

int ls_persist_start(struct ls_daemon *d, size_t max_series)
{
	struct ls_persist *p = &d->persist;
	size_t n;

	if (!p->dir)
		return 0;
	if (make_dirs(p->dir)) {
		log_err("--state-dir %s: cannot create it: %s", p->dir, strerror(errno));
		return -1;
	}
	p->dir_fd = open(p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->dir_fd < 0 || access(p->dir, W_OK)) {
		log_err("--state-dir %s: %s", p->dir, strerror(errno));
		return -1;
	}
	if (flock(p->dir_fd, LOCK_EX | LOCK_NB)) {
		log_err("--state-dir %s: %s", p->dir, errno == EWOULDBLOCK ?
			"in use by another latscoped" : strerror(errno));
		return -1;
	}
	n = strlen(p->dir) + sizeof("/" LS_STATE_FILE);
	p->path = malloc(n);
	if (!p->path)
		return -1;
	snprintf(p->path, n, "%s/" LS_STATE_FILE, p->dir);
	restore(d, max_series);
	return 0;
}

void ls_persist_save(struct ls_daemon *d)
{
	struct ls_persist *p = &d->persist;
	struct ls_state_msg m = { 0 };
	struct ls_state s = {
		.agg = d->agg, .stats_since_unix_ns = d->stats_since_unix_ns,
		.started_unix_ns = d->started_unix_ns, .saved_unix_ns = unix_ns(),
		.ncpus = (uint32_t)d->tracer.ncpus,
	};
	struct stat st;
	int rc;

	if (!p->path || p->disabled)
		return;
	/* as in status: counters first, then drain, so the saved aggregate
	 * holds every record the saved counters say was submitted */
	ls_daemon_refresh(d, mono_ns());
	ls_tracer_drain(&d->tracer);
	rc = ls_daemon_wakeup_sync(d);
	if (rc)
		log_warn("saving state: the kernel's wakeup counts not read: %s", strerror(-rc));
	s.counters = d->total;
	snprintf(s.version, sizeof(s.version), "%s", LS_VERSION);
	read_boot_id(s.boot_id, sizeof(s.boot_id));
	if (ls_state_get_comms(&s))
		log_warn("saving state: out of memory for task names; saved without them");
	rc = ls_state_save(p->path, &s, &m);
	free(s.comms);
	if (rc) {
		p->save_errors++;
		snprintf(p->last_error, sizeof(p->last_error), "%s", m.err);
		log_warn("saving state: %s", m.err);
		return;
	}
	p->saves++;
	p->last_save_unix_ns = s.saved_unix_ns;
	p->last_save_bytes = stat(p->path, &st) ? 0 : (uint64_t)st.st_size;
	log_debug("state saved to %s (%llu bytes)", p->path,
		  (unsigned long long)p->last_save_bytes);
}

void ls_persist_tick(struct ls_daemon *d, uint64_t now_mono_ns)
{
	struct ls_persist *p = &d->persist;
	uint64_t period = p->interval_s * 1000000000ull;

	if (!p->path)
		return;
	if (!p->next_save_mono_ns)
		p->next_save_mono_ns = now_mono_ns + period;
	if (now_mono_ns < p->next_save_mono_ns)
		return;
	p->next_save_mono_ns = now_mono_ns + period;
	ls_persist_save(d);
}

void ls_persist_stop(struct ls_daemon *d)
{
	struct ls_persist *p = &d->persist;

	if (p->dir_fd >= 0)
		close(p->dir_fd);
	free(p->path);
	p->path = NULL;
	p->dir_fd = -1;
}

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static uint64_t sum_k(const __u64 *v)
{
	uint64_t s = 0;

	for (int k = 0; k < LS_K_MAX; k++)
		s += v[k];
	return s;
}

static json_object *restored(const struct ls_persist *p)
{
	json_object *o = json_object_new_object();

	add_str(o, "file", p->path);
	add_u64(o, "saved_unix_ns", p->restored_saved_unix_ns);
	add_u64(o, "saved_by_started_unix_ns", p->restored_started_unix_ns);
	add_str(o, "saved_by_version", p->restored_version);
	json_object_object_add(o, "same_boot", json_object_new_boolean(p->restored_same_boot));
	add_u64(o, "series", p->restored_series);
	add_u64(o, "agg_records", p->restored_agg_records);
	add_u64(o, "windows", p->restored_more.windows);
	add_u64(o, "wakeups", p->restored_more.wakeups);
	add_u64(o, "isolated_logs", p->restored_more.isolated_logs);
	add_u64(o, "rebased_addresses", p->restored_more.rebased);
	add_u64(o, "events", sum_k(p->restored_counters.events));
	add_u64(o, "records", sum_k(p->restored_counters.records));
	add_u64(o, "drops", sum_k(p->restored_counters.drops));
	add_u64(o, "unpaired", sum_k(p->restored_counters.unpaired));
	return o;
}

json_object *ls_persist_status(const struct ls_daemon *d)
{
	const struct ls_persist *p = &d->persist;
	json_object *o = json_object_new_object();

	add_u64(o, "stats_since_unix_ns", d->stats_since_unix_ns);
	json_object_object_add(o, "enabled", json_object_new_boolean(p->path && !p->disabled));
	if (!p->path)
		return o;
	add_str(o, "file", p->path);
	add_u64(o, "interval_s", p->interval_s);
	if (p->disabled)
		add_str(o, "disabled_reason", p->disabled_why);
	if (p->restored)
		json_object_object_add(o, "restored", restored(p));
	if (p->moved_aside[0]) {
		add_str(o, "moved_aside", p->moved_aside);
		add_str(o, "moved_aside_reason", p->moved_aside_why);
	}
	if (p->notes[0])
		add_str(o, "notes", p->notes);
	add_u64(o, "saves", p->saves);
	add_u64(o, "save_errors", p->save_errors);
	if (p->saves)
		add_u64(o, "last_save_unix_ns", p->last_save_unix_ns);
	if (p->last_save_bytes)
		add_u64(o, "last_save_bytes", p->last_save_bytes);
	if (p->last_error[0])
		add_str(o, "last_error", p->last_error);
	return o;
}
