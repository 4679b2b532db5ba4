/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <stdio.h>
#include "units.h"

static const char *three_digits(double v, const char *unit, char *buf, size_t len)
{
	/* compare against the rounding points so 9.996 prints 10.0, not 10.00 */
	if (v < 9.995)
		snprintf(buf, len, "%.2f%s", v, unit);
	else if (v < 99.95)
		snprintf(buf, len, "%.1f%s", v, unit);
	else
		snprintf(buf, len, "%.0f%s", v, unit);
	return buf;
}

const char *ls_fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000) {
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
		return buf;
	}
	if (ns < 999500)
		return three_digits(ns / 1e3, "us", buf, len);
	if (ns < 999500000)
		return three_digits(ns / 1e6, "ms", buf, len);
	return three_digits(ns / 1e9, "s", buf, len);
}

const char *ls_fmt_count(double v, char *buf, size_t len)
{
	if (v < 1000) {
		snprintf(buf, len, "%.0f", v);
		return buf;
	}
	if (v < 999500)
		return three_digits(v / 1e3, "k", buf, len);
	if (v < 999500000)
		return three_digits(v / 1e6, "M", buf, len);
	return three_digits(v / 1e9, "G", buf, len);
}
