/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* latscope analyze, beyond its command file: printing what was read. */
#ifndef LATSCOPE_CLI_ANALYZE_H
#define LATSCOPE_CLI_ANALYZE_H

#include <json-c/json.h>

/* Prints the "input" object of lib/report_input.h as text. */
void analyze_print_input(json_object *in);

#endif
