/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * latscoped's command line. Flags that set configuration keys (--ring-kb,
 * --socket, ...; the list is in lib/config.c) become overrides applied over
 * the configuration files at every load, so they win over the files and
 * survive a SIGHUP reload. The others only make sense on the command line.
 */
#ifndef LATSCOPED_OPTIONS_H
#define LATSCOPED_OPTIONS_H

#include <stdbool.h>
#include "config.h"

#define LS_MAX_OVERRIDES 64

struct ls_cmdline {
	bool foreground;
	unsigned live_sec;
	const char *record_path;
	const char *config_path;   /* --config, else LS_CONFIG_DEFAULT_FILE */
	bool config_explicit;      /* then it must exist */
	bool check_config;         /* validate, print the result, exit */
	struct ls_config_override ov[LS_MAX_OVERRIDES];
	unsigned nov;
};

/* Returns 0, -1 after printing a usage error; exits for --help/--version. */
int ls_cmdline_parse(int argc, char **argv, struct ls_cmdline *cl);

#endif
