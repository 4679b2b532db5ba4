/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpulist.h"

void ls_cpulist_all(struct ls_cpulist *s)
{
	memset(s, 0, sizeof(*s));
	s->all = true;
}

static int cpu_num(const char **p, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	v = strtoul(*p, &end, 10);
	if (errno || v >= LS_CPULIST_MAX)
		return -1;
	*p = end;
	*out = v;
	return 0;
}

int ls_cpulist_parse(const char *str, struct ls_cpulist *s, char *err, size_t errlen)
{
	const char *p = str;

	memset(s, 0, sizeof(*s));
	if (!strcmp(str, "all")) {
		s->all = true;
		return 0;
	}
	if (!*p)
		goto bad;
	for (;;) {
		unsigned lo, hi, c;

		if (cpu_num(&p, &lo))
			goto bad;
		hi = lo;
		if (*p == '-') {
			p++;
			if (cpu_num(&p, &hi) || hi < lo)
				goto bad;
		}
		for (c = lo; c <= hi; c++)
			s->bits[c / 64] |= 1ull << (c % 64);
		if (!*p)
			return 0;
		if (*p++ != ',')
			goto bad;
	}
bad:
	snprintf(err, errlen, "a CPU list like 0-3,8 (CPUs 0..%d, ranges low-high) or 'all'",
		 LS_CPULIST_MAX - 1);
	return -1;
}

bool ls_cpulist_has(const struct ls_cpulist *s, unsigned cpu)
{
	if (s->all)
		return true;
	return cpu < LS_CPULIST_MAX && (s->bits[cpu / 64] >> (cpu % 64) & 1);
}

bool ls_cpulist_equal(const struct ls_cpulist *a, const struct ls_cpulist *b)
{
	return a->all == b->all && !memcmp(a->bits, b->bits, sizeof(a->bits));
}

const char *ls_cpulist_format(const struct ls_cpulist *s, char *buf, size_t len)
{
	size_t n = 0;
	unsigned c = 0;

	if (s->all) {
		snprintf(buf, len, "all");
		return buf;
	}
	buf[0] = '\0';
	while (c < LS_CPULIST_MAX) {
		unsigned lo;

		if (!ls_cpulist_has(s, c)) {
			c++;
			continue;
		}
		lo = c;
		while (c + 1 < LS_CPULIST_MAX && ls_cpulist_has(s, c + 1))
			c++;
		if (n < len)
			n += snprintf(buf + n, len - n, lo == c ? "%s%u" : "%s%u-%u",
				      n ? "," : "", lo, c);
		c++;
	}
	return buf;
}
