/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "log.h"

static enum ls_log_level cur = LS_LOG_INFO;
static const char *const names[] = { "error", "warn", "info", "debug" };

void ls_log_set_level(enum ls_log_level lvl)
{
	cur = lvl;
}

int ls_log_parse_level(const char *s)
{
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(s, names[i]))
			return (int)i;
	return -1;
}

void ls_log(enum ls_log_level lvl, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	if (lvl > cur)
		return;
	n = snprintf(buf, sizeof(buf), "latscoped[%d]: %s: ", (int)getpid(), names[lvl]);
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	/* one write per line so concurrent writers do not interleave */
	n = strlen(buf);
	if (n < (int)sizeof(buf) - 1)
		buf[n++] = '\n';
	else
		buf[sizeof(buf) - 1] = '\n', n = sizeof(buf);
	if (write(STDERR_FILENO, buf, n) < 0)
		return;
}
