/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * latscoped's configuration: one struct filled, in this order, from built-in
 * defaults, /etc/latscope/latscope.conf, its drop-ins
 * (latscope.conf.d/ *.conf in lexical order) and command-line flags; later
 * wins. One schema (config.c) describes every key, its type, range and
 * whether a change needs a restart; the flags that set keys come from the
 * same schema, so a flag and its key validate identically.
 * The format and every key are documented in config/latscope.conf and
 * latscope.conf(5).
 */
#ifndef LATSCOPE_CONFIG_H
#define LATSCOPE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "alert_rules.h"
#include "cpulist.h"

#define LS_CONFIG_DEFAULT_FILE "/etc/latscope/latscope.conf"
#define LS_CONFIG_PATH_MAX 256
#define LS_CONFIG_MAX_RULES 64
#define LS_CONFIG_MAX_FILES 64
#define LS_CONFIG_ERR_MAX 512

/* Tracer program families (ls_prog_state.family); bit i of
 * ls_config.families enables ls_config_families[i]. NULL-terminated. */
extern const char *const ls_config_families[];

enum ls_alert_output { LS_OUT_AUTO, LS_OUT_JOURNAL, LS_OUT_STDERR };
/* [tracing] wakeup_emit: which measured wakeups become records */
enum ls_wakeup_emit { LS_WAKEUP_EMIT_WORST, LS_WAKEUP_EMIT_ALL };

struct ls_config {
	/* [daemon] */
	char socket[108];
	char socket_group[64];      /* "" = leave the group as created */
	uint64_t socket_mode;
	uint64_t log_level;         /* enum ls_log_level */
	uint64_t max_series;
	/* [tracing] */
	uint64_t ring_kb;
	uint64_t cpus_per_ring;
	uint64_t drain_ms;
	uint64_t families;          /* bitmask over ls_config_families */
	struct ls_cpulist cpus;      /* record filter: only these CPUs */
	uint64_t wakeup_floor_ns;
	uint64_t wakeup_emit;       /* enum ls_wakeup_emit */
	uint64_t kvm_threads;       /* vCPU threads tracked at once */
	/* [windows] */
	uint64_t worst;             /* worst windows kept per CPU */
	uint64_t stack_threshold_ns; /* stacks of timers/IPIs this late; 0 = off */
	uint64_t stack_entries;     /* stack map entries */
	struct ls_isolated {
		bool auto_detect;   /* read them from the kernel (isolcpus...) */
		struct ls_cpulist cpus; /* else these */
	} isolated;
	/* [state] */
	char state_dir[LS_CONFIG_PATH_MAX];
	uint64_t state_interval;    /* seconds */
	/* [metrics] */
	char metrics_textfile[LS_CONFIG_PATH_MAX]; /* "" = no export */
	uint64_t metrics_interval;  /* seconds */
	/* [alerts] */
	uint64_t alert_output;      /* enum ls_alert_output */
	char hook[LS_CONFIG_PATH_MAX];
	uint64_t hook_timeout_ns;
	uint64_t hook_max;          /* concurrent hooks */
	uint64_t rate_limit;        /* notifications per window, all rules */
	uint64_t rate_window_ns;
	/* [alert NAME] sections */
	struct ls_alert_rule rules[LS_CONFIG_MAX_RULES];
	unsigned nrules;
	/* where it came from */
	char files[LS_CONFIG_MAX_FILES][LS_CONFIG_PATH_MAX];
	unsigned nfiles;
};

/* A command-line setting, re-applied over the files on every (re)load. */
struct ls_config_override {
	const char *flag;   /* as given, for messages: "--ring-kb" */
	const char *section, *key, *value;
};

/* Built-in defaults. */
void ls_config_defaults(struct ls_config *c);

/*
 * Defaults, then `path` and the *.conf files of `path`.d/ in lexical order,
 * then the overrides. A missing `path` is fine unless `must_exist` (it was
 * named with --config); a missing .d directory always is. Returns 0, or -1
 * with "FILE:LINE: [section] key: what is wrong, expected what" in err.
 */
int ls_config_load(struct ls_config *c, const char *path, bool must_exist,
		   const struct ls_config_override *ov, unsigned nov, char *err, size_t errlen);

/* Validate one command-line setting against the schema: 0, or -1 with
 * "invalid --flag 'value': expected ..." in err. */
int ls_config_check_override(const struct ls_config_override *ov, char *err, size_t errlen);

/* The schema's command-line flags, for getopt: iterate i = 0.. until NULL. */
struct ls_config_flag {
	const char *flag;       /* long option name without "--" */
	int short_opt;          /* 0 if none */
	const char *section, *key;
	const char *arg;        /* metavar for --help: "KB" */
	const char *help;
};
const struct ls_config_flag *ls_config_flag(unsigned i);

/* Print the whole effective configuration as an INI file (every key). */
void ls_config_dump(const struct ls_config *c, FILE *f);

/* Keys whose change needs a restart, in "section.key" form, that differ
 * between a and b; calls fn for each. Returns how many. */
unsigned ls_config_restart_diff(const struct ls_config *a, const struct ls_config *b,
				void (*fn)(void *ctx, const char *key, const char *was,
					   const char *now),
				void *ctx);
/* Copy the restart-only keys of `from` into `to` (a reload keeps them). */
void ls_config_keep_restart_keys(struct ls_config *to, const struct ls_config *from);

/* Is tracer family `name` enabled? Unknown names are enabled (a family
 * this schema does not know yet cannot be switched off). */
bool ls_config_family_enabled(const struct ls_config *c, const char *name);

/* Parse "10us", "1.5ms", "2s", "5m", "1h" (unit required; "0" alone is
 * 0). Returns 0 or -1. */
int ls_parse_duration(const char *s, uint64_t *ns);

#endif
