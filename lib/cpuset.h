/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* CPU sets as users write them: "all" or a list like "0-3,8,10-11". */
#ifndef LATSCOPE_CPUSET_H
#define LATSCOPE_CPUSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LS_CPUSET_MAX 4096 /* CPUs a set can name: 0..4095 */

struct ls_cpuset {
	bool all;            /* every CPU, whatever the machine has */
	uint64_t bits[LS_CPUSET_MAX / 64];
};

void ls_cpuset_all(struct ls_cpuset *s);
/* "all" or a comma-separated list of N and N-M. Returns 0, or -1 with
 * what was expected in err. */
int ls_cpuset_parse(const char *str, struct ls_cpuset *s, char *err, size_t errlen);
bool ls_cpuset_has(const struct ls_cpuset *s, unsigned cpu);
bool ls_cpuset_equal(const struct ls_cpuset *a, const struct ls_cpuset *b);
/* Canonical text ("all", "0-3,8"); returns buf. */
const char *ls_cpuset_format(const struct ls_cpuset *s, char *buf, size_t len);

#endif
