/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A set of CPU numbers, and the list syntax the kernel and the user share:
 * "0-3,8,10-11". The kernel's own files (isolcpus, nohz_full, cpuset lists:
 * lib/isolation.c) and the configuration's CPU lists (lib/cpulist.c) both
 * parse and print through here.
 */
#ifndef LATSCOPE_CPUSET_H
#define LATSCOPE_CPUSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LS_MAX_CPUS 4096 /* record cpu fields are 16 bits; this is plenty */

struct ls_cpuset {
	uint64_t w[LS_MAX_CPUS / 64];
};

static inline bool ls_cpuset_has(const struct ls_cpuset *s, unsigned cpu)
{
	return cpu < LS_MAX_CPUS && (s->w[cpu / 64] >> (cpu % 64) & 1);
}

static inline void ls_cpuset_set(struct ls_cpuset *s, unsigned cpu)
{
	if (cpu < LS_MAX_CPUS)
		s->w[cpu / 64] |= 1ull << (cpu % 64);
}

bool ls_cpuset_empty(const struct ls_cpuset *s);
/* Parse the kernel's list format: "", "3", "0-3,8,10-11" (blanks and a
 * trailing newline allowed). 0, or -1 for anything else (also CPUs >=
 * LS_MAX_CPUS and reversed ranges); *s is cleared first. */
int ls_cpuset_parse(const char *text, struct ls_cpuset *s);
/* Format as "0-3,8"; "" when empty. Returns buf (truncated if too short). */
const char *ls_cpuset_format(const struct ls_cpuset *s, char *buf, size_t len);

#endif
