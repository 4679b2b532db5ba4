/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* CPU sets as users write them in the configuration: "all" or a list
 * like "0-3,8,10-11" (lib/cpuset.c parses the list). */
#ifndef LATSCOPE_CPULIST_H
#define LATSCOPE_CPULIST_H

#include <stdbool.h>
#include <stddef.h>

#include "cpuset.h"

struct ls_cpulist {
	bool all;            /* every CPU, whatever the machine has */
	struct ls_cpuset set;
};

void ls_cpulist_all(struct ls_cpulist *s);
/* "all" or a comma-separated list of N and N-M. Returns 0, or -1 with
 * what was expected in err. */
int ls_cpulist_parse(const char *str, struct ls_cpulist *s, char *err, size_t errlen);
bool ls_cpulist_has(const struct ls_cpulist *s, unsigned cpu);
bool ls_cpulist_equal(const struct ls_cpulist *a, const struct ls_cpulist *b);
/* Canonical text ("all", "0-3,8"); returns buf. */
const char *ls_cpulist_format(const struct ls_cpulist *s, char *buf, size_t len);

#endif
