/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The latscope command-line client: global options, exit codes and the
 * command table entry every cli/cmd_*.c file defines.
 */
#ifndef LATSCOPE_CLI_H
#define LATSCOPE_CLI_H

#include <stdbool.h>
#include <json-c/json.h>

#define CLI_DEFAULT_SOCKET "/run/latscope/latscope.sock"
#define CLI_DEFAULT_TIMEOUT 5.0 /* seconds */

enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_RUNTIME = 1, /* daemon unreachable, daemon error, bad response */
	CLI_EXIT_USAGE = 2,   /* bad command line */
};

/* Footer of every command's usage text. */
#define CLI_GLOBAL_HELP \
	"\nGlobal options: --socket PATH, --json, --timeout SEC " \
	"(see 'latscope --help').\n"

/* Options accepted before or after any command. */
struct cli_opts {
	const char *socket;
	double timeout;  /* seconds, > 0 */
	bool json;       /* print the daemon's result verbatim */
};

struct cli_cmd {
	const char *name;
	const char *summary;  /* one line for `latscope help` */
	const char *usage;    /* full text for `latscope CMD --help` */
	/* argv[0] is the command name; global options are already removed. */
	int (*run)(const struct cli_opts *o, int argc, char **argv);
	/* Prints the command's view result as tables (NULL: not a view);
	 * `latscope analyze` prints offline views through it too. */
	int (*print)(json_object *result);
};

/* One per cli/cmd_*.c; listed in the table in cli/main.c. */
extern const struct cli_cmd cmd_status;
extern const struct cli_cmd cmd_cpus;
extern const struct cli_cmd cmd_hist;
extern const struct cli_cmd cmd_keys;
extern const struct cli_cmd cmd_timers;
extern const struct cli_cmd cmd_wakeups;
extern const struct cli_cmd cmd_windows;
extern const struct cli_cmd cmd_top;
extern const struct cli_cmd cmd_isolated;
extern const struct cli_cmd cmd_ipis;
extern const struct cli_cmd cmd_watch;
extern const struct cli_cmd cmd_kvm;
extern const struct cli_cmd cmd_metrics;
extern const struct cli_cmd cmd_analyze;

#endif
