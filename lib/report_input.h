/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What `latscope analyze` read from a saved ftrace text, as one JSON
 * object (its "input" result): the format detected, the lines by class,
 * the events by type (paired, ignored, malformed), the records made per
 * class, what stayed unpaired or open at the end of the trace, and every
 * approximation the text forced (see lib/offline_pair.h).
 */
#ifndef LATSCOPE_REPORT_INPUT_H
#define LATSCOPE_REPORT_INPUT_H

#include <json-c/json.h>
#include "ftrace_text.h"
#include "offline_pair.h"

/* name: the file as given ("-" for stdin). After ls_pair_finish. */
json_object *ls_report_input(const char *name, const struct ls_ft_counts *c,
			     const struct ls_pair *p);

/* Name of a record kind for the summary: the class name, or the family. */
const char *ls_report_kind_name(uint32_t kind);

#endif
