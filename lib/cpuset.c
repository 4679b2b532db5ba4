/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuset.h"

bool ls_cpuset_empty(const struct ls_cpuset *s)
{
	for (size_t i = 0; i < sizeof(s->w) / sizeof(s->w[0]); i++)
		if (s->w[i])
			return false;
	return true;
}

static int parse_num(const char **p, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	v = strtoul(*p, &end, 10);
	if (errno || v >= LS_MAX_CPUS)
		return -1;
	*out = (unsigned)v;
	*p = end;
	return 0;
}

int ls_cpuset_parse(const char *text, struct ls_cpuset *s)
{
	const char *p = text;

	memset(s, 0, sizeof(*s));
	while (isspace((unsigned char)*p))
		p++;
	while (*p && !isspace((unsigned char)*p)) {
		unsigned lo, hi;

		if (parse_num(&p, &lo))
			return -1;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_num(&p, &hi) || hi < lo)
				return -1;
		}
		for (unsigned c = lo; c <= hi; c++)
			ls_cpuset_set(s, c);
		if (*p == ',') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -1;
		} else if (*p && !isspace((unsigned char)*p)) {
			return -1;
		}
	}
	while (isspace((unsigned char)*p))
		p++;
	return *p ? -1 : 0;
}

const char *ls_cpuset_format(const struct ls_cpuset *s, char *buf, size_t len)
{
	size_t n = 0;
	unsigned c = 0;

	if (len)
		buf[0] = '\0';
	while (c < LS_MAX_CPUS) {
		unsigned lo, hi;
		int w;

		if (!ls_cpuset_has(s, c)) {
			c++;
			continue;
		}
		lo = hi = c;
		while (hi + 1 < LS_MAX_CPUS && ls_cpuset_has(s, hi + 1))
			hi++;
		w = hi == lo ? snprintf(buf + n, len - n, "%s%u", n ? "," : "", lo)
			     : snprintf(buf + n, len - n, "%s%u-%u", n ? "," : "", lo, hi);
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += w;
		c = hi + 1;
	}
	return buf;
}
