/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Per-command argument parsing and usage errors (exit code 2). */
#ifndef LATSCOPE_CLI_ARGS_H
#define LATSCOPE_CLI_ARGS_H

#include "cli.h"

/* An option that takes a value: --NAME VALUE or --NAME=VALUE. */
struct args_opt {
	const char *name;  /* without the leading "--" */
	const char **val;  /* receives the value; left untouched if absent */
};

/*
 * Parse argv[1..argc-1] (argv[0] is the command name): options listed in
 * opts (terminated by a zero entry; may be NULL) and exactly as many
 * positional arguments as posnames has names (NULL-terminated, may be NULL),
 * stored in pos[]. "--" ends options. Returns 0, or prints what is wrong and
 * the command's usage to stderr and returns CLI_EXIT_USAGE.
 */
int args_parse(const struct cli_cmd *c, int argc, char **argv,
	       const struct args_opt *opts, const char *const *posnames,
	       const char **pos);

/* Print "latscope: CMD: message" and the command's usage to stderr;
 * returns CLI_EXIT_USAGE. */
int args_usage_error(const struct cli_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Parse a CPU number (decimal, >= 0). Returns 0, or CLI_EXIT_USAGE after
 * printing why. */
int args_cpu(const struct cli_cmd *c, const char *s, int *cpu);

#endif
