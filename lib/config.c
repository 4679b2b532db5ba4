/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "ini.h"

#define NS_PER_S 1000000000ull

/* As daemon/tracer.c (and the families' own claim functions) name them. */
const char *const ls_config_families[] = {
	"hardirq", "softirq", "vector", "hrtimer", "ipi", "wakeup", "kvm", "preemptirq", NULL,
};

static const char *const log_levels[] = { "error", "warn", "info", "debug", NULL };
static const char *const outputs[] = { "auto", "journal", "stderr", NULL };
static const char *const wakeup_emits[] = { "worst", "all", NULL }; /* enum ls_wakeup_emit */

enum type {
	T_PATH,      /* absolute path; "" allowed when min == 1 */
	T_PROMFILE,  /* "" or a path ending in .prom */
	T_GROUP,
	T_MODE,
	T_UINT,      /* min..max, in `unit` */
	T_POW2,
	T_ENUM,      /* one of `names` */
	T_FAMILIES,
	T_CPUSET,
	T_ISOLATED,
	T_DURATION,  /* with a unit; min..max ns */
};

struct key {
	const char *section, *key;
	enum type type;
	size_t off, size;
	uint64_t min, max;
	const char *unit;            /* T_UINT: what the number counts */
	const char *const *names;    /* T_ENUM */
	bool restart;                /* a change needs a restart */
};

#define F(field) offsetof(struct ls_config, field), sizeof(((struct ls_config *)0)->field)

/* Every key of the [sections] (alert rules are below). Order = dump order. */
static const struct key keys[] = {
	{ "daemon", "socket", T_PATH, F(socket), 0, 0, NULL, NULL, true },
	{ "daemon", "socket_group", T_GROUP, F(socket_group), 0, 0, NULL, NULL, true },
	{ "daemon", "socket_mode", T_MODE, F(socket_mode), 0, 0777, NULL, NULL, true },
	{ "daemon", "log_level", T_ENUM, F(log_level), 0, 0, NULL, log_levels, false },
	{ "daemon", "max_series", T_UINT, F(max_series), 16, 1u << 24, "a number", NULL, true },
	{ "tracing", "ring_kb", T_POW2, F(ring_kb), 4, 1u << 20, NULL, NULL, true },
	{ "tracing", "cpus_per_ring", T_POW2, F(cpus_per_ring), 1, 4096, NULL, NULL, true },
	{ "tracing", "drain_ms", T_UINT, F(drain_ms), 1, 1000, "milliseconds", NULL, false },
	{ "tracing", "families", T_FAMILIES, F(families), 0, 0, NULL, NULL, true },
	{ "tracing", "cpus", T_CPUSET, F(cpus), 0, 0, NULL, NULL, false },
	{ "tracing", "wakeup_floor_ns", T_UINT, F(wakeup_floor_ns), 0, NS_PER_S, "nanoseconds",
	  NULL, true },
	{ "tracing", "wakeup_emit", T_ENUM, F(wakeup_emit), 0, 0, NULL, wakeup_emits, true },
	{ "tracing", "kvm_threads", T_UINT, F(kvm_threads), 16, 1u << 20, "a number", NULL, true },
	{ "windows", "worst", T_UINT, F(worst), 1, 1000, "a number", NULL, true },
	{ "windows", "isolated", T_ISOLATED, F(isolated), 0, 0, NULL, NULL, true },
	{ "windows", "stack_threshold", T_DURATION, F(stack_threshold_ns), 0, 10 * NS_PER_S, NULL,
	  NULL, true },
	{ "windows", "stack_entries", T_POW2, F(stack_entries), 16, 65536, NULL, NULL, true },
	{ "state", "dir", T_PATH, F(state_dir), 1, 0, NULL, NULL, true },
	{ "state", "interval", T_UINT, F(state_interval), 1, 86400, "seconds", NULL, true },
	{ "metrics", "textfile", T_PROMFILE, F(metrics_textfile), 0, 0, NULL, NULL, true },
	{ "metrics", "interval", T_UINT, F(metrics_interval), 1, 86400, "seconds", NULL, true },
	{ "alerts", "output", T_ENUM, F(alert_output), 0, 0, NULL, outputs, false },
	{ "alerts", "hook", T_PATH, F(hook), 1, 0, NULL, NULL, false },
	{ "alerts", "hook_timeout", T_DURATION, F(hook_timeout_ns), 100000000ull, 3600 * NS_PER_S,
	  NULL, NULL, false },
	{ "alerts", "hook_max", T_UINT, F(hook_max), 1, 64, "a number", NULL, false },
	{ "alerts", "rate_limit", T_UINT, F(rate_limit), 1, 100000, "notifications per window",
	  NULL, false },
	{ "alerts", "rate_window", T_DURATION, F(rate_window_ns), NS_PER_S, 3600 * NS_PER_S, NULL,
	  NULL, false },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const char *const sections[] = {
	"daemon", "tracing", "windows", "state", "metrics", "alerts", NULL,
};

static const struct ls_config_flag flags[] = {
	{ "socket", 's', "daemon", "socket", "PATH", "socket path" },
	{ "socket-mode", 0, "daemon", "socket_mode", "MODE", "octal mode of the socket" },
	{ "socket-group", 0, "daemon", "socket_group", "GROUP", "group of the socket" },
	{ "log-level", 'l', "daemon", "log_level", "LEVEL", "error, warn, info, debug" },
	{ "max-series", 0, "daemon", "max_series", "N", "cap on (class,cpu,key) histograms" },
	{ "ring-kb", 0, "tracing", "ring_kb", "KB", "ring buffer size per shard in KiB, power of two" },
	{ "cpus-per-ring", 0, "tracing", "cpus_per_ring", "N", "CPUs sharing one ring, power of two" },
	{ "drain-ms", 0, "tracing", "drain_ms", "MS", "drain period in ms, 1..1000" },
	{ "families", 0, "tracing", "families", "LIST", "event families to trace, or all" },
	{ "cpus", 0, "tracing", "cpus", "LIST", "only record these CPUs (e.g. 0-3,8), or all" },
	{ "wakeup-floor-ns", 0, "tracing", "wakeup_floor_ns", "N",
	  "never emit wakeups shorter than N ns as records, only count them (0: none)" },
	{ "wakeup-emit", 0, "tracing", "wakeup_emit", "WHICH",
	  "wakeups emitted as records: worst (what the views need; the rest counted) or all" },
	{ "kvm-threads", 0, "tracing", "kvm_threads", "N", "vCPU threads tracked at once, 16..1048576" },
	{ "worst", 0, "windows", "worst", "N", "longest windows kept per CPU and kind, 1..1000" },
	{ "isolated", 0, "windows", "isolated", "LIST",
	  "treat these CPUs as isolated (auto: read the kernel's; none)" },
	{ "stack-threshold", 0, "windows", "stack_threshold", "DURATION",
	  "kernel stack of the interrupted context for timers/IPIs this late (0: never)" },
	{ "stack-entries", 0, "windows", "stack_entries", "N",
	  "stacks held in the kernel at once, power of two 16..65536" },
	{ "state-dir", 0, "state", "dir", "DIR",
	  "keep the statistics in DIR/latscope.state (default $STATE_DIRECTORY, else none)" },
	{ "state-interval", 0, "state", "interval", "SEC", "seconds between saves, 1..86400" },
	{ "metrics-textfile", 0, "metrics", "textfile", "PATH",
	  "write Prometheus metrics to PATH (ending in .prom) for node_exporter" },
	{ "metrics-interval", 0, "metrics", "interval", "SEC",
	  "seconds between textfile writes, 1..86400" },
	{ 0 },
};

const struct ls_config_flag *ls_config_flag(unsigned i)
{
	return i < sizeof(flags) / sizeof(flags[0]) - 1 ? &flags[i] : NULL;
}

void ls_config_defaults(struct ls_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->socket, sizeof(c->socket), "/run/latscope/latscope.sock");
	c->socket_mode = 0660;
	c->log_level = 2; /* info */
	c->max_series = 65536;
	c->ring_kb = 4096;
	c->cpus_per_ring = 8;
	c->drain_ms = 10;
	c->families = (1u << (sizeof(ls_config_families) / sizeof(char *) - 1)) - 1;
	ls_cpulist_all(&c->cpus);
	c->kvm_threads = 4096; /* LS_KVM_THREADS_DEFAULT */
	c->worst = 10;
	c->stack_threshold_ns = 100000; /* 100 us */
	c->stack_entries = 1024;
	c->isolated.auto_detect = true;
	c->state_interval = 60;
	c->metrics_interval = 15;
	c->alert_output = LS_OUT_AUTO;
	c->hook_timeout_ns = 10 * NS_PER_S;
	c->hook_max = 4;
	c->rate_limit = 60;
	c->rate_window_ns = 60 * NS_PER_S;
}

/* ---- values ------------------------------------------------------------ */

static int parse_u64(const char *s, int base, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

/* A number with an optional unit: *has_unit tells which. */
static int parse_quantity(const char *s, uint64_t *out, bool *has_unit)
{
	static const struct { const char *u; uint64_t mult; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", NS_PER_S },
		{ "m", 60 * NS_PER_S }, { "h", 3600 * NS_PER_S },
	};
	char *end;
	double v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || !isfinite(v) || v < 0)
		return -1;
	*has_unit = *end != '\0';
	if (!*has_unit) {
		if (strchr(s, '.') || strchr(s, 'e') || strchr(s, 'E'))
			return -1;
		return parse_u64(s, 10, out);
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].u)) {
			double ns = v * units[i].mult;

			if (ns >= 1.8e19)
				return -1;
			*out = (uint64_t)llround(ns);
			return 0;
		}
	return -1;
}

int ls_parse_duration(const char *s, uint64_t *ns)
{
	bool unit;

	if (parse_quantity(s, ns, &unit))
		return -1;
	return unit || *ns == 0 ? 0 : -1;
}

static const char *fmt_duration(uint64_t ns, char *buf, size_t len)
{
	static const struct { const char *u; uint64_t mult; } units[] = {
		{ "h", 3600 * NS_PER_S }, { "m", 60 * NS_PER_S }, { "s", NS_PER_S },
		{ "ms", 1000000 }, { "us", 1000 },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ns && ns % units[i].mult == 0) {
			snprintf(buf, len, "%" PRIu64 "%s", ns / units[i].mult, units[i].u);
			return buf;
		}
	snprintf(buf, len, "%" PRIu64 "ns", ns);
	return buf;
}

static int list_index(const char *const *names, const char *s, size_t n)
{
	for (int i = 0; names[i]; i++)
		if (strlen(names[i]) == n && !strncmp(names[i], s, n))
			return i;
	return -1;
}

static void names_list(const char *const *names, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; names[i] && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? (names[i + 1] ? ", " : " or ") : "",
			      names[i]);
}

/* Split on spaces and commas; calls fn for each word. */
static int each_word(const char *s, int (*fn)(void *ctx, const char *w, size_t n), void *ctx)
{
	while (*s) {
		size_t n;

		s += strspn(s, " \t,");
		n = strcspn(s, " \t,");
		if (n && fn(ctx, s, n))
			return -1;
		s += n;
	}
	return 0;
}

static int family_word(void *ctx, const char *w, size_t n)
{
	int i = list_index(ls_config_families, w, n);

	if (i < 0)
		return -1;
	*(uint64_t *)ctx |= 1ull << i;
	return 0;
}

/*
 * Parse value for key k into the field at base + k->off. On failure writes
 * what was expected into why.
 */
static int set_value(const struct key *k, void *base, const char *v, char *why, size_t wlen)
{
	char *field = (char *)base + k->off;
	uint64_t u, *up = (uint64_t *)field;
	char names[128];
	int i;

	switch (k->type) {
	case T_PATH:
		if ((!*v && k->min) || (*v == '/' && strlen(v) < k->size))
			break;
		snprintf(why, wlen, "an absolute path shorter than %zu bytes%s", k->size,
			 k->min ? " (or nothing, to turn it off)" : "");
		return -1;
	case T_PROMFILE: {
		size_t n = strlen(v);

		if (!n || (n >= 6 && n < k->size && !strcmp(v + n - 5, ".prom") && v[n - 6] != '/'))
			break;
		snprintf(why, wlen, "a file name ending in .prom (node_exporter reads only those), "
			 "or nothing");
		return -1;
	}
	case T_GROUP:
		for (i = 0; v[i]; i++)
			if (!(isalnum((unsigned char)v[i]) || strchr("_-.", v[i])))
				break;
		if (!v[i] && strlen(v) < k->size && (!*v || getgrnam(v)))
			break;
		snprintf(why, wlen, "%s", v[i] || strlen(v) >= k->size
			 ? "a group name (or nothing)" : "a group that exists on this system");
		return -1;
	case T_MODE:
		if (!parse_u64(v, 8, &u) && u <= k->max) {
			*up = u;
			return 0;
		}
		snprintf(why, wlen, "an octal mode like 0660");
		return -1;
	case T_UINT:
	case T_POW2:
		if (!parse_u64(v, 10, &u) && u >= k->min && u <= k->max &&
		    (k->type == T_UINT || !(u & (u - 1)))) {
			*up = u;
			return 0;
		}
		if (k->type == T_POW2)
			snprintf(why, wlen, "a power of two %" PRIu64 "..%" PRIu64, k->min, k->max);
		else
			snprintf(why, wlen, "%s %" PRIu64 "..%" PRIu64, k->unit, k->min, k->max);
		return -1;
	case T_ENUM:
		if ((i = list_index(k->names, v, strlen(v))) >= 0) {
			*up = i;
			return 0;
		}
		names_list(k->names, names, sizeof(names));
		snprintf(why, wlen, "%s", names);
		return -1;
	case T_FAMILIES:
		u = 0;
		if (!strcmp(v, "all")) {
			*up = (1u << (sizeof(ls_config_families) / sizeof(char *) - 1)) - 1;
			return 0;
		}
		if (!each_word(v, family_word, &u) && u) {
			*up = u;
			return 0;
		}
		names_list(ls_config_families, names, sizeof(names));
		snprintf(why, wlen, "'all' or a list of families: %s", names);
		return -1;
	case T_CPUSET:
		return ls_cpulist_parse(v, (struct ls_cpulist *)field, why, wlen);
	case T_ISOLATED: {
		struct ls_isolated *iso = (struct ls_isolated *)field;

		memset(iso, 0, sizeof(*iso));
		if (!strcmp(v, "auto")) {
			iso->auto_detect = true;
			return 0;
		}
		if (!strcmp(v, "none"))
			return 0;
		if (!ls_cpulist_parse(v, &iso->cpus, why, wlen) && !iso->cpus.all)
			return 0;
		snprintf(why, wlen, "'auto', 'none' or a CPU list like 2-3,6");
		return -1;
	}
	case T_DURATION:
		if (!ls_parse_duration(v, &u) && u >= k->min && u <= k->max) {
			*up = u;
			return 0;
		}
		snprintf(why, wlen, "a duration with a unit (ns, us, ms, s, m, h) from %s to %s",
			 fmt_duration(k->min, names, 32), fmt_duration(k->max, names + 64, 32));
		return -1;
	}
	snprintf(field, k->size, "%s", v);
	return 0;
}

static const struct key *find_key(const char *section, const char *key)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].key, key))
			return &keys[i];
	return NULL;
}

static void section_keys(const char *section, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NKEYS && n < len; i++)
		if (!strcmp(keys[i].section, section))
			n += snprintf(buf + n, len - n, "%s%s", n ? " " : "", keys[i].key);
}

int ls_config_check_override(const struct ls_config_override *ov, char *err, size_t errlen)
{
	const struct key *k = find_key(ov->section, ov->key);
	struct ls_config scratch;
	char why[256];

	if (!k) {
		snprintf(err, errlen, "%s: no such key [%s] %s", ov->flag, ov->section, ov->key);
		return -1;
	}
	if (set_value(k, &scratch, ov->value, why, sizeof(why))) {
		snprintf(err, errlen, "invalid %s '%s': expected %s", ov->flag, ov->value, why);
		return -1;
	}
	return 0;
}

/* ---- alert rules --------------------------------------------------------- */

struct qty {
	uint64_t v;
	bool set, unit;
	const char *file;
	unsigned line;
};

struct rule_src {
	const char *file;  /* where the rule was first seen */
	unsigned line;
	bool has_kind;
	struct qty thr, clr;
	const char *stat_file;
	unsigned stat_line;
	const char *period_file;
	unsigned period_line;
};

struct pctx {
	struct ls_config *c;
	struct rule_src src[LS_CONFIG_MAX_RULES];
	char section[LS_INI_NAME_MAX];
	int rule;          /* current [alert NAME], or -1 */
};

static const char *const rule_keys =
	"kind cpus threshold clear statistic period consecutive cooldown hook";

static int rule_begin(struct pctx *p, const struct ls_ini_item *it, char *err, size_t len)
{
	struct ls_config *c = p->c;
	unsigned i;

	for (i = 0; i < c->nrules; i++)
		if (!strcmp(c->rules[i].name, it->name)) {
			p->rule = i;
			return 0;
		}
	if (c->nrules == LS_CONFIG_MAX_RULES) {
		snprintf(err, len, "[alert %s]: too many alert rules (at most %d)", it->name,
			 LS_CONFIG_MAX_RULES);
		return -1;
	}
	p->rule = c->nrules++;
	memset(&c->rules[p->rule], 0, sizeof(c->rules[0]));
	memset(&p->src[p->rule], 0, sizeof(p->src[0]));
	snprintf(c->rules[p->rule].name, LS_ALERT_NAME_MAX, "%s", it->name);
	ls_cpulist_all(&c->rules[p->rule].cpus);
	c->rules[p->rule].period_ns = 10 * NS_PER_S;
	c->rules[p->rule].consecutive = 1;
	c->rules[p->rule].cooldown_ns = 60 * NS_PER_S;
	p->src[p->rule].file = it->file;
	p->src[p->rule].line = it->line;
	return 0;
}

static int rule_key(struct pctx *p, const struct ls_ini_item *it, char *err, size_t len)
{
	struct ls_alert_rule *r = &p->c->rules[p->rule];
	struct rule_src *src = &p->src[p->rule];
	const char *k = it->key, *v = it->value;
	char why[256] = "";
	uint64_t u;
	int kind;

	if (!strcmp(k, "kind")) {
		char names[256] = "";
		size_t n = 0;

		if ((kind = ls_alert_kind_parse(v)) >= 0) {
			r->kind = kind;
			src->has_kind = true;
			return 0;
		}
		for (unsigned i = 0; i < LS_AK_MAX; i++)
			n += snprintf(names + n, sizeof(names) - n, "%s%s", i ? " " : "",
				      ls_alert_kind_info(i)->name);
		snprintf(why, sizeof(why), "one of: %s", names);
	} else if (!strcmp(k, "cpus")) {
		if (!ls_cpulist_parse(v, &r->cpus, why, sizeof(why)))
			return 0;
	} else if (!strcmp(k, "threshold") || !strcmp(k, "clear")) {
		struct qty *q = k[0] == 't' ? &src->thr : &src->clr;

		if (!parse_quantity(v, &q->v, &q->unit)) {
			q->set = true;
			q->file = it->file;
			q->line = it->line;
			return 0;
		}
		snprintf(why, sizeof(why), "a duration like 100us (or, for kind drops, a count)");
	} else if (!strcmp(k, "statistic")) {
		double pct = ls_alert_stat_parse(v);

		if (pct >= 0) {
			r->pct = pct;
			src->stat_file = it->file;
			src->stat_line = it->line;
			return 0;
		}
		snprintf(why, sizeof(why), "max or a percentile like p99, p99.9");
	} else if (!strcmp(k, "period")) {
		if (!ls_parse_duration(v, &u) && u >= NS_PER_S && u % NS_PER_S == 0 &&
		    u <= 86400 * NS_PER_S) {
			r->period_ns = u;
			return 0;
		}
		snprintf(why, sizeof(why), "a whole number of seconds from 1s to 24h, like 10s or 1m");
	} else if (!strcmp(k, "consecutive")) {
		if (!parse_u64(v, 10, &u) && u >= 1 && u <= 1000) {
			r->consecutive = u;
			return 0;
		}
		snprintf(why, sizeof(why), "a number of periods 1..1000");
	} else if (!strcmp(k, "cooldown")) {
		if (!ls_parse_duration(v, &u) && u <= 7 * 86400 * NS_PER_S) {
			r->cooldown_ns = u;
			return 0;
		}
		snprintf(why, sizeof(why), "a duration with a unit from 0 to 7 days, like 5m");
	} else if (!strcmp(k, "hook")) {
		if (!*v || (*v == '/' && strlen(v) < sizeof(r->hook))) {
			snprintf(r->hook, sizeof(r->hook), "%s", v);
			return 0;
		}
		snprintf(why, sizeof(why), "an absolute path to an executable (or nothing)");
	} else {
		snprintf(err, len, "[alert %s] %s: unknown key (an alert has: %s)", r->name, k,
			 rule_keys);
		return -1;
	}
	snprintf(err, len, "[alert %s] %s = %s: expected %s", r->name, k, v, why);
	return -1;
}

/* Checks that need the whole rule (its keys may come from several files). */
static int rule_finish(struct pctx *p, unsigned i, char *err, size_t len)
{
	struct ls_alert_rule *r = &p->c->rules[i];
	struct rule_src *s = &p->src[i];
	const struct ls_alert_kind_info *k;

	if (!s->has_kind) {
		snprintf(err, len, "%s:%u: [alert %s]: no kind = ... (what it watches)", s->file,
			 s->line, r->name);
		return -1;
	}
	k = ls_alert_kind_info(r->kind);
	if (!s->thr.set) {
		snprintf(err, len, "%s:%u: [alert %s]: no threshold = ...", s->file, s->line,
			 r->name);
		return -1;
	}
	for (int j = 0; j < 2; j++) {
		struct qty *q = j ? &s->clr : &s->thr;

		if (!q->set)
			continue;
		if (k->is_count ? q->unit : !q->unit || !q->v) {
			snprintf(err, len, "%s:%u: [alert %s] %s: kind %s expects %s", q->file,
				 q->line, r->name, j ? "clear" : "threshold", k->name,
				 k->is_count ? "a count of records, without a unit"
					     : "a duration above 0 with a unit, like 100us");
			return -1;
		}
	}
	r->threshold = s->thr.v;
	r->clear = s->clr.set ? s->clr.v : s->thr.v;
	if (r->clear > r->threshold) {
		snprintf(err, len, "%s:%u: [alert %s] clear: must not be above threshold", s->clr.file,
			 s->clr.line, r->name);
		return -1;
	}
	if (k->is_count && r->pct) {
		snprintf(err, len, "%s:%u: [alert %s] statistic: kind %s counts per period: "
			 "only max applies", s->stat_file, s->stat_line, r->name, k->name);
		return -1;
	}
	return 0;
}

/* ---- files --------------------------------------------------------------- */

static int on_item(void *ctx, const struct ls_ini_item *it, char *err, size_t len)
{
	struct pctx *p = ctx;
	const struct key *k;
	char why[256];

	if (!it->key) {
		p->rule = -1;
		snprintf(p->section, sizeof(p->section), "%s", it->section);
		if (!strcmp(it->section, "alert")) {
			if (!it->name) {
				snprintf(err, len, "[alert] needs a rule name: [alert NAME]");
				return -1;
			}
			return rule_begin(p, it, err, len);
		}
		for (int i = 0; sections[i]; i++)
			if (!strcmp(sections[i], it->section)) {
				if (!it->name)
					return 0;
				snprintf(err, len, "[%s] takes no name (only [alert NAME] does)",
					 it->section);
				return -1;
			}
		snprintf(err, len, "unknown section [%s] (sections: daemon tracing windows state "
			 "metrics alerts, alert NAME)", it->section);
		return -1;
	}
	if (p->rule >= 0)
		return rule_key(p, it, err, len);
	k = find_key(it->section, it->key);
	if (!k) {
		char known[256];

		section_keys(it->section, known, sizeof(known));
		snprintf(err, len, "[%s] %s: unknown key ([%s] has: %s)", it->section, it->key,
			 it->section, known);
		return -1;
	}
	if (set_value(k, p->c, it->value, why, sizeof(why))) {
		snprintf(err, len, "[%s] %s = %s: expected %s", it->section, it->key, it->value, why);
		return -1;
	}
	return 0;
}

static int conf_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && !strcmp(d->d_name + n - 5, ".conf");
}

static int parse_one(struct pctx *p, const char *path, char *err, size_t len)
{
	struct ls_config *c = p->c;

	if (c->nfiles == LS_CONFIG_MAX_FILES) {
		snprintf(err, len, "%s: too many configuration files (at most %d)", path,
			 LS_CONFIG_MAX_FILES);
		return -1;
	}
	if (strlen(path) >= LS_CONFIG_PATH_MAX) {
		snprintf(err, len, "%s: path too long", path);
		return -1;
	}
	snprintf(c->files[c->nfiles], LS_CONFIG_PATH_MAX, "%s", path);
	p->rule = -1;
	p->section[0] = '\0';
	if (ls_ini_parse_file(c->files[c->nfiles], on_item, p, err, len))
		return -1;
	c->nfiles++;
	return 0;
}

static int parse_dropins(struct pctx *p, const char *path, char *err, size_t len)
{
	char dir[LS_CONFIG_PATH_MAX + 8], file[LS_CONFIG_PATH_MAX + 8 + 260];
	struct dirent **ents;
	int n, i, r = 0;

	snprintf(dir, sizeof(dir), "%s.d", path);
	n = scandir(dir, &ents, conf_name, alphasort);
	if (n < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		snprintf(err, len, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!r) {
			snprintf(file, sizeof(file), "%s/%s", dir, ents[i]->d_name);
			r = parse_one(p, file, err, len);
		}
		free(ents[i]);
	}
	free(ents);
	return r;
}

int ls_config_load(struct ls_config *c, const char *path, bool must_exist,
		   const struct ls_config_override *ov, unsigned nov, char *err, size_t errlen)
{
	struct pctx *p = calloc(1, sizeof(*p));
	unsigned i;
	int r = -1;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ls_config_defaults(c);
	p->c = c;
	if (parse_one(p, path, err, errlen)) {
		if (errno != ENOENT || must_exist)
			goto out;
		errno = 0; /* no main file: defaults, plus any drop-ins */
	}
	if (parse_dropins(p, path, err, errlen))
		goto out;
	for (i = 0; i < c->nrules; i++)
		if (rule_finish(p, i, err, errlen))
			goto out;
	for (i = 0; i < nov; i++) {
		const struct key *k = find_key(ov[i].section, ov[i].key);
		char why[256];

		if (!k || set_value(k, c, ov[i].value, why, sizeof(why))) {
			ls_config_check_override(&ov[i], err, errlen);
			goto out;
		}
	}
	r = 0;
out:
	free(p);
	return r;
}

/* ---- output -------------------------------------------------------------- */

static const char *fmt_value(const struct key *k, const struct ls_config *c, char *buf,
			     size_t len)
{
	const char *field = (const char *)c + k->off;
	/* only numeric keys hold a uint64_t (string fields are not aligned) */
	uint64_t u = k->type == T_MODE || k->type == T_UINT || k->type == T_POW2 ||
		     k->type == T_ENUM || k->type == T_FAMILIES || k->type == T_DURATION
		     ? *(const uint64_t *)field : 0;
	size_t n = 0;

	switch (k->type) {
	case T_PATH:
	case T_PROMFILE:
	case T_GROUP:
		snprintf(buf, len, "%s", field);
		break;
	case T_MODE:
		snprintf(buf, len, "0%03" PRIo64, u);
		break;
	case T_UINT:
	case T_POW2:
		snprintf(buf, len, "%" PRIu64, u);
		break;
	case T_ENUM:
		snprintf(buf, len, "%s", k->names[u]);
		break;
	case T_FAMILIES:
		buf[0] = '\0';
		for (int i = 0; ls_config_families[i] && n < len; i++)
			if (u >> i & 1)
				n += snprintf(buf + n, len - n, "%s%s", n ? " " : "",
					      ls_config_families[i]);
		break;
	case T_CPUSET:
		ls_cpulist_format((const struct ls_cpulist *)field, buf, len);
		break;
	case T_ISOLATED: {
		const struct ls_isolated *iso = (const struct ls_isolated *)field;

		if (iso->auto_detect)
			snprintf(buf, len, "auto");
		else if (ls_cpulist_format(&iso->cpus, buf, len)[0] == '\0')
			snprintf(buf, len, "none");
		break;
	}
	case T_DURATION:
		fmt_duration(u, buf, len);
		break;
	}
	return buf;
}

void ls_config_dump(const struct ls_config *c, FILE *f)
{
	const char *sec = "";
	char buf[LS_CONFIG_PATH_MAX * 2], d[32];

	fprintf(f, "# effective configuration; read from:");
	for (unsigned i = 0; i < c->nfiles; i++)
		fprintf(f, " %s", c->files[i]);
	fprintf(f, "%s\n", c->nfiles ? "" : " (no file: built-in defaults)");
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(sec, keys[i].section))
			fprintf(f, "\n[%s]\n", sec = keys[i].section);
		fmt_value(&keys[i], c, buf, sizeof(buf));
		fprintf(f, "%s =%s%s\n", keys[i].key, buf[0] ? " " : "", buf);
	}
	for (unsigned i = 0; i < c->nrules; i++) {
		const struct ls_alert_rule *r = &c->rules[i];
		bool cnt = ls_alert_kind_info(r->kind)->is_count;

		fprintf(f, "\n[alert %s]\nkind = %s\ncpus = %s\n", r->name,
			ls_alert_kind_info(r->kind)->name, ls_cpulist_format(&r->cpus, buf, sizeof(buf)));
		if (cnt)
			fprintf(f, "threshold = %" PRIu64 "\nclear = %" PRIu64 "\n", r->threshold,
				r->clear);
		else
			fprintf(f, "threshold = %s\nclear = %s\n", fmt_duration(r->threshold, buf, 64),
				fmt_duration(r->clear, buf + 64, 64));
		fprintf(f, "statistic = %s\nperiod = %s\nconsecutive = %u\n",
			ls_alert_stat_name(r->pct, buf, sizeof(buf)), fmt_duration(r->period_ns, d, 32),
			r->consecutive);
		fprintf(f, "cooldown = %s\nhook =%s%s\n", fmt_duration(r->cooldown_ns, d, 32),
			r->hook[0] ? " " : "", r->hook);
	}
}

unsigned ls_config_restart_diff(const struct ls_config *a, const struct ls_config *b,
				void (*fn)(void *ctx, const char *key, const char *was,
					   const char *now),
				void *ctx)
{
	char va[LS_CONFIG_PATH_MAX * 2], vb[LS_CONFIG_PATH_MAX * 2], name[96];
	unsigned n = 0;

	for (size_t i = 0; i < NKEYS; i++) {
		if (!keys[i].restart)
			continue;
		fmt_value(&keys[i], a, va, sizeof(va));
		fmt_value(&keys[i], b, vb, sizeof(vb));
		if (!strcmp(va, vb))
			continue;
		snprintf(name, sizeof(name), "%s.%s", keys[i].section, keys[i].key);
		fn(ctx, name, va, vb);
		n++;
	}
	return n;
}

void ls_config_keep_restart_keys(struct ls_config *to, const struct ls_config *from)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].restart)
			memcpy((char *)to + keys[i].off, (const char *)from + keys[i].off,
			       keys[i].size);
}

bool ls_config_family_enabled(const struct ls_config *c, const char *name)
{
	int i = list_index(ls_config_families, name, strlen(name));

	return i < 0 || (c->families >> i & 1);
}
