// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

int args_usage_error(const struct cli_cmd *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "latscope: %s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n\n%s", c->usage);
	return CLI_EXIT_USAGE;
}

static const struct args_opt *find_opt(const struct args_opt *opts,
				       const char *name, size_t len)
{
	for (; opts && opts->name; opts++)
		if (strlen(opts->name) == len && !strncmp(opts->name, name, len))
			return opts;
	return NULL;
}

int args_parse(const struct cli_cmd *c, int argc, char **argv,
	       const struct args_opt *opts, const char *const *posnames,
	       const char **pos)
{
	int npos = 0, nwant = 0;
	bool opts_done = false;

	while (posnames && posnames[nwant])
		nwant++;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!opts_done && !strcmp(a, "--")) {
			opts_done = true;
			continue;
		}
		if (!opts_done && a[0] == '-' && a[1]) {
			const char *name = a + 2, *eq = strchr(a, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const struct args_opt *o = NULL;

			if (a[1] == '-')
				o = find_opt(opts, name, len);
			if (!o)
				return args_usage_error(c, "unknown option '%.*s'",
					(int)(eq ? eq - a : (long)strlen(a)), a);
			if (eq) {
				*o->val = eq + 1;
			} else if (i + 1 < argc) {
				*o->val = argv[++i];
			} else {
				return args_usage_error(c, "option '--%s' needs a value",
							o->name);
			}
			continue;
		}
		if (npos == nwant)
			return args_usage_error(c, "unexpected argument '%s'", a);
		pos[npos++] = a;
	}
	if (npos < nwant)
		return args_usage_error(c, "missing %s", posnames[npos]);
	return 0;
}

int args_cpu(const struct cli_cmd *c, const char *s, int *cpu)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end || errno || v > INT_MAX)
		return args_usage_error(c, "--cpu: '%s' is not a CPU number (0, 1, ...)", s);
	*cpu = (int)v;
	return 0;
}
