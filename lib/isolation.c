// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isolation.h"

/* Read a small file into buf: 1 read, 0 absent, -1 other error. */
static int read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 1;
}

static int read_list(struct ls_isolation *iso, const char *path, struct ls_cpuset *s)
{
	char buf[4096];
	int r = read_small(path, buf, sizeof(buf));

	memset(s, 0, sizeof(*s));
	if (r == 0 || (r == 1 && !ls_cpuset_parse(buf, s)))
		return 0;
	snprintf(iso->error, sizeof(iso->error), "%s: %s", path,
		 r < 0 ? strerror(errno) : "not a CPU list");
	return -1;
}

/* The cgroup2 mount point from a mounts file, into out ("" if none). */
static void cgroup2_mount(const char *mounts, char *out, size_t len)
{
	char line[1024], dev[256], dir[512], type[64];
	FILE *f = fopen(mounts, "re");

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %511s %63s", dev, dir, type) == 3 &&
		    !strcmp(type, "cgroup2")) {
			snprintf(out, len, "%s", dir);
			break;
		}
	fclose(f);
}

int ls_isolation_detect(struct ls_isolation *iso, const char *root)
{
	char path[512], mnt[512];
	int err = 0;

	memset(iso, 0, sizeof(*iso));
	snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/isolated", root);
	err |= read_list(iso, path, &iso->isolcpus);
	snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/nohz_full", root);
	err |= read_list(iso, path, &iso->nohz_full);
	snprintf(path, sizeof(path), "%s/proc/self/mounts", root);
	cgroup2_mount(path, mnt, sizeof(mnt));
	if (mnt[0]) {
		snprintf(path, sizeof(path), "%s%s/cpuset.cpus.isolated", root, mnt);
		err |= read_list(iso, path, &iso->cpuset);
		if (!access(path, R_OK))
			snprintf(iso->cpuset_file, sizeof(iso->cpuset_file), "%s", path);
	}
	return err ? -1 : 0;
}

int ls_isolation_override(struct ls_isolation *iso, const char *list)
{
	struct ls_cpuset s;

	if (ls_cpuset_parse(list, &s))
		return -1;
	iso->option = s;
	iso->overridden = true;
	return 0;
}

unsigned ls_isolation_of(const struct ls_isolation *iso, unsigned cpu)
{
	if (iso->overridden)
		return ls_cpuset_has(&iso->option, cpu) ? LS_ISO_OPTION : 0;
	return (ls_cpuset_has(&iso->isolcpus, cpu) ? LS_ISO_ISOLCPUS : 0) |
	       (ls_cpuset_has(&iso->nohz_full, cpu) ? LS_ISO_NOHZ_FULL : 0) |
	       (ls_cpuset_has(&iso->cpuset, cpu) ? LS_ISO_CPUSET : 0);
}

void ls_isolation_all(const struct ls_isolation *iso, struct ls_cpuset *out)
{
	for (size_t i = 0; i < sizeof(out->w) / sizeof(out->w[0]); i++)
		out->w[i] = iso->overridden ? iso->option.w[i]
			    : iso->isolcpus.w[i] | iso->nohz_full.w[i] | iso->cpuset.w[i];
}
