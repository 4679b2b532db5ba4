/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which CPUs are isolated, and from where: the kernel's isolcpus= list
 * (/sys/devices/system/cpu/isolated), nohz_full= (.../nohz_full) and cgroup
 * v2 isolated cpuset partitions (cpuset.cpus.isolated at the cgroup2 root),
 * or a list given by the user instead (latscoped --isolated).
 */
#ifndef LATSCOPE_ISOLATION_H
#define LATSCOPE_ISOLATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"

/* Where an isolated CPU's isolation comes from (bit mask). */
#define LS_ISO_ISOLCPUS  (1u << 0)
#define LS_ISO_NOHZ_FULL (1u << 1)
#define LS_ISO_CPUSET    (1u << 2)
#define LS_ISO_OPTION    (1u << 3) /* --isolated: replaces detection */

struct ls_isolation {
	struct ls_cpuset isolcpus, nohz_full, cpuset, option;
	bool overridden;        /* option in use, the others not consulted */
	char cpuset_file[512];   /* the cpuset.cpus.isolated read, "" if none */
	char error[160];        /* a file that existed but could not be parsed */
};

/*
 * Read the kernel's lists under root ("" for the real system; a directory
 * with the same layout in tests): root/sys/devices/system/cpu/{isolated,
 * nohz_full}, and cpuset.cpus.isolated under the cgroup2 mount point found
 * in root/proc/self/mounts. Missing files mean "none". Always fills iso;
 * returns -1 (and iso->error) if a file could not be parsed.
 */
int ls_isolation_detect(struct ls_isolation *iso, const char *root);
/* Replace detection with a user list. -1 if the list does not parse. */
int ls_isolation_override(struct ls_isolation *iso, const char *list);
/* LS_ISO_* sources of cpu (0 = not isolated). */
unsigned ls_isolation_of(const struct ls_isolation *iso, unsigned cpu);
/* The union of all sources in use. */
void ls_isolation_all(const struct ls_isolation *iso, struct ls_cpuset *out);

#endif
