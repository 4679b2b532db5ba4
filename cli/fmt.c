// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fmt.h"

const char *fmt_uptime(char buf[FMT_LEN], uint64_t ns)
{
	uint64_t s = ns / 1000000000u;

	if (s < 60)
		snprintf(buf, FMT_LEN, "%.1fs", ns / 1e9);
	else if (s < 3600)
		snprintf(buf, FMT_LEN, "%um%02us", (unsigned)(s / 60), (unsigned)(s % 60));
	else if (s < 86400)
		snprintf(buf, FMT_LEN, "%uh%02um", (unsigned)(s / 3600),
			 (unsigned)(s / 60 % 60));
	else
		snprintf(buf, FMT_LEN, "%llud%02uh", (unsigned long long)(s / 86400),
			 (unsigned)(s / 3600 % 24));
	return buf;
}

const char *fmt_bytes(char buf[FMT_LEN], uint64_t b)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	size_t i;

	if (b < 1024) {
		snprintf(buf, FMT_LEN, "%u B", (unsigned)b);
		return buf;
	}
	for (i = 0, v /= 1024; v >= 1024 && i + 1 < sizeof(unit) / sizeof(unit[0]); i++)
		v /= 1024;
	snprintf(buf, FMT_LEN, v == (double)(uint64_t)v ? "%.0f %s" : "%.1f %s",
		 v, unit[i]);
	return buf;
}

static bool color(void)
{
	static int on = -1;

	if (on < 0)
		on = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	return on;
}

const char *fmt_alert_on(void)
{
	return color() ? "\033[1;31m" : "";
}

const char *fmt_alert_off(void)
{
	return color() ? "\033[0m" : "";
}
