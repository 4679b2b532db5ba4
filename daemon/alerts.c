/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#define SD_JOURNAL_SUPPRESS_LOCATION /* CODE_FILE= of this file tells no one anything */
#include <systemd/sd-journal.h>
#include "alerts.h"
#include "log.h"
#include "server.h"
#include "units.h"

#define NS_PER_S 1000000000ull
#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define MAX_FIELDS 24

extern char **environ;

/* One notification: its facts as (NAME, value) pairs, shared by every
 * channel so journal fields, stderr keys, JSON members and hook variables
 * say the same. Names are the journal's, minus "LATSCOPE_", lowercased
 * for stderr and JSON. */
struct facts {
	const char *message_id;
	int priority;
	char message[512];
	unsigned n;
	struct {
		const char *name;   /* "CPU" */
		char val[LS_ALERT_CAUSE_MAX + 8];
		bool number;        /* JSON: emit as a number */
	} f[MAX_FIELDS];
};

static void add(struct facts *x, const char *name, bool number, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(struct facts *x, const char *name, bool number, const char *fmt, ...)
{
	va_list ap;

	if (x->n == MAX_FIELDS)
		return;
	x->f[x->n].name = name;
	x->f[x->n].number = number;
	va_start(ap, fmt);
	vsnprintf(x->f[x->n].val, sizeof(x->f[0].val), fmt, ap);
	va_end(ap);
	x->n++;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static void event_facts(const struct ls_alert_event *ev, struct facts *x)
{
	const struct ls_alert_rule *r = ev->rule;
	const struct ls_alert_kind_info *k = ls_alert_kind_info(r->kind);
	bool fire = ev->type == LS_AE_FIRE;
	char stat[16], v[32], t[32], c[32], per[32];

	ls_alert_stat_name(r->pct, stat, sizeof(stat));
	x->message_id = k->message_id;
	x->priority = fire ? LOG_WARNING : LOG_NOTICE;
	if (k->is_count) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)ev->value);
		snprintf(t, sizeof(t), "%llu", (unsigned long long)r->threshold);
		snprintf(c, sizeof(c), "%llu", (unsigned long long)r->clear);
	} else {
		ls_fmt_ns(ev->value, v, sizeof(v));
		ls_fmt_ns(r->threshold, t, sizeof(t));
		ls_fmt_ns(r->clear, c, sizeof(c));
	}
	ls_fmt_ns(r->period_ns, per, sizeof(per));
	if (fire)
		snprintf(x->message, sizeof(x->message),
			 "alert %s FIRING on CPU %u: %s %s %s >= %s over %s; worst: %s",
			 r->name, ev->cpu, k->what, stat, v, t, per, ev->cause);
	else
		snprintf(x->message, sizeof(x->message),
			 "alert %s cleared on CPU %u: %s %s %s < %s over %s",
			 r->name, ev->cpu, k->what, stat, v, c, per);
	add(x, "EVENT", false, "%s", fire ? "fire" : "clear");
	add(x, "RULE", false, "%s", r->name);
	add(x, "KIND", false, "%s", k->name);
	add(x, "CPU", true, "%u", ev->cpu);
	add(x, k->is_count ? "VALUE" : "VALUE_NS", true, "%llu", (unsigned long long)ev->value);
	add(x, k->is_count ? "THRESHOLD" : "THRESHOLD_NS", true, "%llu",
	    (unsigned long long)r->threshold);
	add(x, k->is_count ? "CLEAR" : "CLEAR_NS", true, "%llu", (unsigned long long)r->clear);
	add(x, "STATISTIC", false, "%s", stat);
	add(x, "PERIOD_NS", true, "%llu", (unsigned long long)r->period_ns);
	add(x, "CONSECUTIVE", true, "%u", r->consecutive);
	add(x, "COUNT", true, "%llu", (unsigned long long)ev->count);
	add(x, k->is_count ? "WORST" : "WORST_NS", true, "%llu", (unsigned long long)ev->worst);
	add(x, "WORST_MONO_NS", true, "%llu", (unsigned long long)ev->worst_ts_ns);
	add(x, "CAUSE", false, "%s", ev->cause);
	add(x, "SUPPRESSED", true, "%llu", (unsigned long long)ev->suppressed);
	add(x, "MONO_NS", true, "%llu", (unsigned long long)ev->mono_ns);
	add(x, "REALTIME_NS", true, "%llu", (unsigned long long)realtime_ns());
}

static void summary_facts(uint64_t suppressed, uint64_t limit, uint64_t window, uint64_t now,
			  struct facts *x)
{
	char w[32];

	ls_fmt_ns(window, w, sizeof(w));
	x->message_id = LS_ALERT_SUPPRESSED_MESSAGE_ID;
	x->priority = LOG_NOTICE;
	snprintf(x->message, sizeof(x->message),
		 "suppressed %llu alert notifications in the last %s (rate_limit %llu per %s)",
		 (unsigned long long)suppressed, w, (unsigned long long)limit, w);
	add(x, "EVENT", false, "suppressed");
	add(x, "SUPPRESSED", true, "%llu", (unsigned long long)suppressed);
	add(x, "RATE_LIMIT", true, "%llu", (unsigned long long)limit);
	add(x, "RATE_WINDOW_NS", true, "%llu", (unsigned long long)window);
	add(x, "MONO_NS", true, "%llu", (unsigned long long)now);
	add(x, "REALTIME_NS", true, "%llu", (unsigned long long)realtime_ns());
}

/* ---- channels ------------------------------------------------------------ */

static int to_journal(const struct facts *x)
{
	char buf[MAX_FIELDS + 4][sizeof(((struct facts *)0)->message) + 16];
	struct iovec iov[MAX_FIELDS + 4];
	unsigned i, n = 0;

	snprintf(buf[n++], sizeof(buf[0]), "MESSAGE=%s", x->message);
	snprintf(buf[n++], sizeof(buf[0]), "MESSAGE_ID=%s", x->message_id);
	snprintf(buf[n++], sizeof(buf[0]), "PRIORITY=%d", x->priority);
	snprintf(buf[n++], sizeof(buf[0]), "SYSLOG_IDENTIFIER=latscoped");
	for (i = 0; i < x->n; i++)
		snprintf(buf[n++], sizeof(buf[0]), "LATSCOPE_%s=%s", x->f[i].name, x->f[i].val);
	for (i = 0; i < n; i++)
		iov[i] = (struct iovec){ buf[i], strlen(buf[i]) };
	return sd_journal_sendv(iov, n);
}

static void lower(const char *s, char *out, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		out[i] = s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i];
	out[i] = '\0';
}

/*
 * "latscoped[PID]: alert: key=value key=value ..." in one write. Values
 * with a space, '"', '\\' or '=' (or empty) are double-quoted with '"' and
 * '\\' backslash-escaped; control characters become '?'.
 */
static void to_stderr(const struct facts *x)
{
	char line[4096], name[32];
	size_t n;
	unsigned i;

	n = snprintf(line, sizeof(line), "latscoped[%d]: alert: message_id=%s", (int)getpid(),
		     x->message_id);
	for (i = 0; i < x->n && n < sizeof(line) - 8; i++) {
		const char *v = x->f[i].val;
		bool quote = !*v || strpbrk(v, " \"\\=") != NULL;

		lower(x->f[i].name, name, sizeof(name));
		n += snprintf(line + n, sizeof(line) - n, " %s=%s", name, quote ? "\"" : "");
		for (; *v && n < sizeof(line) - 8; v++) {
			if (*v == '"' || *v == '\\')
				line[n++] = '\\';
			line[n++] = (unsigned char)*v < 0x20 ? '?' : *v;
		}
		if (quote)
			line[n++] = '"';
	}
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

static void to_watchers(struct ls_alerts *a, const struct facts *x)
{
	json_object *o;
	const char *s;
	char name[32];
	size_t len;
	char *line;
	unsigned i;

	if (!a->srv || !ls_server_watchers(a->srv))
		return;
	o = json_object_new_object();
	json_object_object_add(o, "event", json_object_new_string(
		!strcmp(x->f[0].val, "suppressed") ? "suppressed" : "alert"));
	json_object_object_add(o, "message_id", json_object_new_string(x->message_id));
	json_object_object_add(o, "priority", json_object_new_int(x->priority));
	json_object_object_add(o, "message", json_object_new_string(x->message));
	for (i = 0; i < x->n; i++) {
		lower(x->f[i].name, name, sizeof(name));
		if (!strcmp(name, "event"))
			strcpy(name, "type");
		json_object_object_add(o, name, x->f[i].number
			? json_object_new_uint64(strtoull(x->f[i].val, NULL, 10))
			: json_object_new_string(x->f[i].val));
	}
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	len = strlen(s);
	line = malloc(len + 2);
	if (line) {
		memcpy(line, s, len);
		line[len] = '\n';
		ls_server_broadcast(a->srv, line, len + 1);
		free(line);
	}
	json_object_put(o);
}

static void notify(struct ls_alerts *a, const struct facts *x)
{
	if (a->journal && to_journal(x) < 0) {
		a->journal_errors++;
		to_stderr(x); /* never lose an alert for want of a journal */
	} else if (!a->journal) {
		to_stderr(x);
	}
	to_watchers(a, x);
}

/* ---- hooks --------------------------------------------------------------- */

static void spawn_hook(struct ls_alerts *a, const char *path, const struct ls_alert_event *ev,
		       const struct facts *x, uint64_t now)
{
	char vars[MAX_FIELDS + 4][LS_ALERT_CAUSE_MAX + 64];
	char *envp[MAX_FIELDS + 5], *argv[4];
	struct ls_hook_proc *h = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	unsigned i, n = 0;
	pid_t pid;
	int err;

	for (i = 0; i < a->cfg->hook_max && i < LS_HOOKS_MAX; i++)
		if (!a->hooks[i].pid) {
			h = &a->hooks[i];
			break;
		}
	if (!h) {
		a->hooks_skipped++;
		log_warn("alert %s: hook %s not run: %llu hooks still running (hook_max)",
			 ev->rule->name, path, (unsigned long long)a->cfg->hook_max);
		return;
	}
	for (i = 0; i < x->n; i++)
		snprintf(vars[n++], sizeof(vars[0]), "LATSCOPE_%s=%s", x->f[i].name, x->f[i].val);
	snprintf(vars[n++], sizeof(vars[0]), "LATSCOPE_MESSAGE_ID=%s", x->message_id);
	snprintf(vars[n++], sizeof(vars[0]), "LATSCOPE_MESSAGE=%.*s", LS_ALERT_CAUSE_MAX + 40,
		 x->message);
	snprintf(vars[n++], sizeof(vars[0]), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
		 "/usr/bin:/sbin:/bin");
	for (i = 0; i < n; i++)
		envp[i] = vars[i];
	envp[n] = NULL;
	argv[0] = (char *)path;
	argv[1] = (char *)(ev->type == LS_AE_FIRE ? "fire" : "clear");
	argv[2] = (char *)ev->rule->name;
	argv[3] = NULL;

	/* the child starts clean: no blocked signals, SIGPIPE back to default,
	 * its own process group (a timeout kills the whole group), stdin
	 * from /dev/null; all our own fds are close-on-exec */
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
				 POSIX_SPAWN_SETPGROUP);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	err = posix_spawn(&pid, path, &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (err) {
		a->hooks_failed++;
		log_warn("alert %s: hook %s: %s", ev->rule->name, path, strerror(err));
		return;
	}
	a->hooks_run++;
	h->pid = pid;
	h->killed = false;
	h->deadline_ns = now + a->cfg->hook_timeout_ns;
	snprintf(h->rule, sizeof(h->rule), "%s", ev->rule->name);
	h->ep = (struct ls_ep){ .kind = LS_EP_HOOK, .fd = (int)syscall(SYS_pidfd_open, pid, 0) };
	if (h->ep.fd >= 0) {
		struct epoll_event e = { .events = EPOLLIN, .data.ptr = &h->ep };

		if (epoll_ctl(a->epfd, EPOLL_CTL_ADD, h->ep.fd, &e)) {
			close(h->ep.fd);
			h->ep.fd = -1; /* reaped by the tick instead */
		}
	}
	log_debug("alert %s: hook %s started, pid %d", ev->rule->name, path, (int)pid);
}

/* Reap h if it exited. */
static void reap(struct ls_alerts *a, struct ls_hook_proc *h)
{
	int status;
	pid_t r = waitpid(h->pid, &status, WNOHANG);

	if (r == 0 || (r < 0 && errno == EINTR))
		return;
	if (r > 0 && !h->killed && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		a->hooks_failed++;
		if (WIFEXITED(status))
			log_warn("alert %s: hook pid %d exited with status %d", h->rule, (int)h->pid,
				 WEXITSTATUS(status));
		else
			log_warn("alert %s: hook pid %d killed by signal %d", h->rule, (int)h->pid,
				 WTERMSIG(status));
	}
	if (h->ep.fd >= 0) {
		epoll_ctl(a->epfd, EPOLL_CTL_DEL, h->ep.fd, NULL);
		close(h->ep.fd);
	}
	h->ep.fd = -1;
	h->pid = 0;
}

void ls_alerts_hook_event(struct ls_alerts *a, struct ls_ep *tag)
{
	reap(a, (struct ls_hook_proc *)tag);
}

static void police_hooks(struct ls_alerts *a, uint64_t now)
{
	for (unsigned i = 0; i < LS_HOOKS_MAX; i++) {
		struct ls_hook_proc *h = &a->hooks[i];

		if (!h->pid)
			continue;
		reap(a, h);
		if (h->pid && !h->killed && now >= h->deadline_ns) {
			log_warn("alert %s: hook pid %d still running after hook_timeout: killed",
				 h->rule, (int)h->pid);
			kill(-h->pid, SIGKILL);
			h->killed = true;
			a->hooks_killed++;
		}
	}
}

/* ---- the engine's callback ----------------------------------------------- */

static void on_event(void *ctx, const struct ls_alert_event *ev)
{
	struct ls_alerts *a = ctx;
	struct facts x = { 0 };
	const char *hook = ev->rule->hook[0] ? ev->rule->hook : a->cfg->hook;

	if (ev->type == LS_AE_FIRE)
		a->fired++;
	else
		a->cleared++;
	if (a->window_sent >= a->cfg->rate_limit) {
		a->window_suppressed++;
		a->rate_suppressed++;
		return;
	}
	a->window_sent++;
	event_facts(ev, &x);
	notify(a, &x);
	if (hook[0])
		spawn_hook(a, hook, ev, &x, ev->mono_ns);
}

void ls_alerts_observe(void *ctx, uint32_t cls, uint32_t cpu, uint32_t key, uint64_t v,
		       const struct ls_rec *r)
{
	struct ls_alerts *a = ctx;
	struct ls_alert_sample s;

	if (!ls_alert_wants(a->engine, cls))
		return;
	s = (struct ls_alert_sample){
		.cls = cls, .cpu = cpu, .key = key, .value = v,
		.pid = r ? r->pid : 0, .ts_ns = r ? r->ts : 0,
	};
	ls_alert_feed(a->engine, &s);
}

void ls_alerts_tick(struct ls_alerts *a, const uint64_t *drops_per_cpu, uint64_t now)
{
	unsigned c;

	for (c = 0; drops_per_cpu && c < a->ncpus; c++) {
		if (drops_per_cpu[c] > a->drops_seen[c])
			ls_alert_feed_count(a->engine, LS_AK_DROPS, c,
					    drops_per_cpu[c] - a->drops_seen[c]);
		a->drops_seen[c] = drops_per_cpu[c];
	}
	ls_alert_tick(a->engine, now, on_event, a);
	police_hooks(a, now);
	if (now - a->window_start_ns >= a->cfg->rate_window_ns) {
		if (a->window_suppressed) {
			struct facts x = { 0 };

			summary_facts(a->window_suppressed, a->cfg->rate_limit, a->cfg->rate_window_ns,
				      now, &x);
			notify(a, &x);
		}
		a->window_start_ns = now;
		a->window_sent = a->window_suppressed = 0;
	}
}

/* ---- setup ----------------------------------------------------------------- */

static bool want_journal(const struct ls_config *cfg, bool foreground)
{
	if (cfg->alert_output != LS_OUT_AUTO)
		return cfg->alert_output == LS_OUT_JOURNAL;
	if (access(JOURNAL_SOCKET, W_OK))
		return false;
	/* in the foreground we log to a terminal, unless systemd runs us */
	return !foreground || getenv("INVOCATION_ID") || getenv("JOURNAL_STREAM");
}

int ls_alerts_reconfigure(struct ls_alerts *a, const struct ls_config *cfg, bool foreground,
			  uint64_t now)
{
	struct ls_alert_engine *e = ls_alert_engine_new(cfg->rules, cfg->nrules, a->ncpus, now);

	if (!e) {
		log_err("alerts: out of memory building %u rules", cfg->nrules);
		return -1;
	}
	ls_alert_engine_adopt(e, a->engine);
	ls_alert_engine_free(a->engine);
	a->engine = e;
	a->cfg = cfg;
	a->journal = want_journal(cfg, foreground);
	if (cfg->nrules)
		log_info("alerts: %u rule(s), notifications to %s%s%s", cfg->nrules,
			 a->journal ? "the journal" : "stderr", cfg->hook[0] ? ", hook " : "",
			 cfg->hook);
	return 0;
}

int ls_alerts_init(struct ls_alerts *a, const struct ls_config *cfg, unsigned ncpus, int epfd,
		   bool foreground, uint64_t now)
{
	memset(a, 0, sizeof(*a));
	a->ncpus = ncpus;
	a->epfd = epfd;
	a->window_start_ns = now;
	for (unsigned i = 0; i < LS_HOOKS_MAX; i++)
		a->hooks[i].ep.fd = -1;
	a->drops_seen = calloc(ncpus, sizeof(*a->drops_seen));
	if (!a->drops_seen)
		return -1;
	return ls_alerts_reconfigure(a, cfg, foreground, now);
}

json_object *ls_alerts_status(const struct ls_alerts *a)
{
	json_object *o = json_object_new_object();
	unsigned running = 0;

	for (unsigned i = 0; i < LS_HOOKS_MAX; i++)
		running += !!a->hooks[i].pid;
#define U(k, v) json_object_object_add(o, k, json_object_new_uint64(v))
	U("rules", a->cfg ? a->cfg->nrules : 0);
	U("firing", ls_alert_firing(a->engine));
	U("fired", a->fired);
	U("cleared", a->cleared);
	U("rate_suppressed", a->rate_suppressed);
	json_object_object_add(o, "output", json_object_new_string(a->journal ? "journal" : "stderr"));
	U("journal_errors", a->journal_errors);
	U("watchers", ls_server_watchers(a->srv));
	U("hooks_run", a->hooks_run);
	U("hooks_running", running);
	U("hooks_failed", a->hooks_failed);
	U("hooks_killed", a->hooks_killed);
	U("hooks_skipped", a->hooks_skipped);
#undef U
	return o;
}

void ls_alerts_free(struct ls_alerts *a)
{
	for (unsigned i = 0; i < LS_HOOKS_MAX; i++)
		if (a->hooks[i].ep.fd >= 0)
			close(a->hooks[i].ep.fd);
	ls_alert_engine_free(a->engine);
	free(a->drops_seen);
	a->engine = NULL;
	a->drops_seen = NULL;
}
