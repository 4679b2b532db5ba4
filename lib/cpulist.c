/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "cpulist.h"

void ls_cpulist_all(struct ls_cpulist *s)
{
	memset(s, 0, sizeof(*s));
	s->all = true;
}

int ls_cpulist_parse(const char *str, struct ls_cpulist *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	if (!strcmp(str, "all")) {
		s->all = true;
		return 0;
	}
	/* the kernel's syntax, but not empty and without blanks */
	if (isdigit((unsigned char)*str) && !strpbrk(str, " \t\n") &&
	    !ls_cpuset_parse(str, &s->set))
		return 0;
	snprintf(err, errlen, "a CPU list like 0-3,8 (CPUs 0..%d, ranges low-high) or 'all'",
		 LS_MAX_CPUS - 1);
	return -1;
}

bool ls_cpulist_has(const struct ls_cpulist *s, unsigned cpu)
{
	return s->all || ls_cpuset_has(&s->set, cpu);
}

bool ls_cpulist_equal(const struct ls_cpulist *a, const struct ls_cpulist *b)
{
	return a->all == b->all && !memcmp(&a->set, &b->set, sizeof(a->set));
}

const char *ls_cpulist_format(const struct ls_cpulist *s, char *buf, size_t len)
{
	if (s->all) {
		snprintf(buf, len, "all");
		return buf;
	}
	return ls_cpuset_format(&s->set, buf, len);
}
